#include "engine/complete_forest.h"

#include <utility>

namespace abp {

void BuildComplete(const FlatForest& flat, size_t max_bytes, CompleteForest* out) {
  *out = CompleteForest{};
  const size_t trees = flat.tree_root.size();
  size_t bytes = 0;
  for (size_t t = 0; t < trees; ++t) {
    const int32_t d = flat.tree_depth[t];
    if (d > kMaxCompleteDepth) return;
    bytes += ((size_t{1} << d) - 1) * sizeof(HeapNode) + (size_t{1} << d) * sizeof(float);
    if (bytes > max_bytes) return;
  }
  CompleteForest c;
  c.depth.reserve(trees);
  c.inner_begin.reserve(trees);
  c.leaf_begin.reserve(trees);
  // (flat node, heap slot, level) to visit; a leaf above the bottom level is
  // pushed again into both children of its padding node.
  std::vector<std::pair<int32_t, std::pair<int64_t, int32_t>>> stack;
  for (size_t t = 0; t < trees; ++t) {
    const int32_t D = flat.tree_depth[t];
    const int64_t n_inner = (int64_t{1} << D) - 1;
    const int64_t ib = static_cast<int64_t>(c.inner.size());
    const int64_t lb = static_cast<int64_t>(c.leaves.size());
    c.depth.push_back(D);
    c.inner_begin.push_back(ib);
    c.leaf_begin.push_back(lb);
    c.inner.resize(c.inner.size() + static_cast<size_t>(n_inner), HeapNode{0.0f, 0});
    c.leaves.resize(c.leaves.size() + (size_t{1} << D), 0.0f);
    stack.clear();
    stack.push_back({flat.tree_root[t], {0, 0}});
    while (!stack.empty()) {
      const auto [src, where] = stack.back();
      const auto [slot, level] = where;
      stack.pop_back();
      const FlatNode& n = flat.nodes[static_cast<size_t>(src)];
      if (level == D) {
        c.leaves[static_cast<size_t>(lb + slot - n_inner)] = n.value;  // validated: a leaf
        continue;
      }
      if (n.feature < 0) {
        // Padding: feature 0 and any threshold; both subtrees carry the leaf.
        c.inner[static_cast<size_t>(ib + slot)] = HeapNode{0.0f, 0};
        stack.push_back({src, {2 * slot + 1, level + 1}});
        stack.push_back({src, {2 * slot + 2, level + 1}});
      } else {
        c.inner[static_cast<size_t>(ib + slot)] =
            HeapNode{n.value, static_cast<uint32_t>(n.feature) | (n.default_left ? 0x80000000u : 0u)};
        stack.push_back({n.left, {2 * slot + 1, level + 1}});
        stack.push_back({n.left + 1, {2 * slot + 2, level + 1}});
      }
    }
  }
  *out = std::move(c);
}

}  // namespace abp
