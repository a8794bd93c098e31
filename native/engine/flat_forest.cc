#include "engine/flat_forest.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace abp {

FlatForest Flatten(const Forest& forest) {
  FlatForest flat;
  flat.num_group = forest.num_group;
  flat.num_feature = forest.num_feature;
  flat.base_margin = forest.BaseMargin();
  flat.objective = forest.objective;
  size_t total = 0;
  for (const Tree& t : forest.trees) total += t.nodes.size();
  flat.nodes.reserve(total);
  flat.tree_root.reserve(forest.trees.size());
  flat.tree_group.reserve(forest.trees.size());
  flat.tree_depth.reserve(forest.trees.size());

  // Breadth-first, so the two children of a node are written side by side.
  std::vector<std::pair<int32_t, int32_t>> queue;  // (xgboost node id, flat slot)
  std::vector<int32_t> depth;                      // depth of each queue entry
  for (const Tree& tree : forest.trees) {
    const int32_t root = static_cast<int32_t>(flat.nodes.size());
    flat.tree_root.push_back(root);
    flat.tree_group.push_back(tree.group);
    flat.nodes.push_back(FlatNode{});
    queue.clear();
    depth.clear();
    queue.emplace_back(0, root);
    depth.push_back(0);
    int32_t max_depth = 0;
    for (size_t q = 0; q < queue.size(); ++q) {
      const auto [src, dst] = queue[q];
      max_depth = std::max(max_depth, depth[q]);
      const TreeNode& n = tree.nodes[static_cast<size_t>(src)];
      FlatNode out{};
      if (n.is_leaf()) {
        out.value = n.leaf;
        out.feature = -1;
        out.left = 0;
        out.default_left = 0;
      } else {
        const int32_t left = static_cast<int32_t>(flat.nodes.size());
        flat.nodes.push_back(FlatNode{});
        flat.nodes.push_back(FlatNode{});
        out.value = n.split;
        out.feature = n.feature;
        out.left = left;
        out.default_left = n.default_left ? 1 : 0;
        queue.emplace_back(n.left, left);
        queue.emplace_back(n.right, left + 1);
        depth.push_back(depth[q] + 1);
        depth.push_back(depth[q] + 1);
      }
      flat.nodes[static_cast<size_t>(dst)] = out;
    }
    flat.tree_depth.push_back(max_depth);
  }
  return flat;
}

}  // namespace abp
