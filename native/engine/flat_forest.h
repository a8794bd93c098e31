// The inference layout shared by the CPU and CUDA engines, and the one
// tree-walk both run (as XGBoost and cuML's FIL do: the same inline function
// compiled for host and device). Built once from a validated Forest.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/hd.h"
#include "model/forest.h"

namespace abp {

// 16 bytes, so a GPU thread fetches a node with one 128-bit load. Children of
// a node are stored next to each other: right = left + 1.
struct alignas(16) FlatNode {
  float value;           // threshold for inner nodes, leaf value for leaves
  int32_t feature;       // split feature; -1 marks a leaf
  int32_t left;          // absolute index of the left child in `nodes`
  int32_t default_left;  // 1 when a NaN feature takes the left child
};

// A non-owning view, trivially copyable into a CUDA kernel's arguments.
struct ForestView {
  const FlatNode* nodes;
  const int32_t* tree_root;   // index of each tree's root in `nodes`
  const int32_t* tree_group;  // output group of each tree
  int32_t num_trees;
  int32_t num_group;
  int32_t num_feature;
  float base_margin;
};

struct FlatForest {
  std::vector<FlatNode> nodes;
  std::vector<int32_t> tree_root;
  std::vector<int32_t> tree_group;
  std::vector<int32_t> tree_depth;  // edges on each tree's longest root-to-leaf path
  int32_t num_group = 1;
  int32_t num_feature = 0;
  float base_margin = 0.0f;
  Objective objective = Objective::kRegSquaredError;

  ForestView view() const {
    return ForestView{nodes.data(), tree_root.data(), tree_group.data(),
                      static_cast<int32_t>(tree_root.size()), num_group, num_feature, base_margin};
  }
};

// Lays a validated Forest out breadth-first with sibling children adjacent,
// each tree's nodes contiguous and in tree order (tree t spans
// [tree_root[t], tree_root[t + 1])).
FlatForest Flatten(const Forest& forest);

// XGBoost's split rule: NaN takes the default child, else left when x < split.
ABP_HD float WalkTree(const FlatNode* nodes, int32_t root, const float* row) {
  int32_t i = root;
  for (;;) {
    const FlatNode n = nodes[i];
    if (n.feature < 0) return n.value;
    const float x = row[n.feature];
    const bool go_left = (x != x) ? (n.default_left != 0) : (x < n.value);
    i = n.left + (go_left ? 0 : 1);
  }
}

// Margins of one row: base margin plus every tree's leaf, added in float in
// tree order (XGBoost's order), one accumulator per output group.
ABP_HD void RowMargins(const ForestView& f, const float* row, float* out) {
  for (int32_t g = 0; g < f.num_group; ++g) out[g] = f.base_margin;
  for (int32_t t = 0; t < f.num_trees; ++t) {
    out[f.tree_group[t]] += WalkTree(f.nodes, f.tree_root[t], row);
  }
}

}  // namespace abp
