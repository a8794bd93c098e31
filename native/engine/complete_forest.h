// A CPU-only layout for shallow trees: each tree padded to a complete binary
// tree of its own depth D and stored as a heap (children of i at 2i+1, 2i+2),
// so a walk is exactly D steps with no leaf test and no child pointer to
// load. A leaf above the bottom level becomes padding nodes whose two
// subtrees hold copies of the leaf value, so whichever way they go, the walk
// ends on that value: the decisions at real nodes, and the result, are
// exactly WalkTree's. Built only when the padding stays small.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/flat_forest.h"

namespace abp {

struct alignas(8) HeapNode {
  float threshold;  // go left when x < threshold
  uint32_t packed;  // feature index in bits 0-30; bit 31 set when NaN goes left
};

struct CompleteForest {
  std::vector<HeapNode> inner;      // per tree: 2^D - 1 inner nodes, heap order
  std::vector<float> leaves;        // per tree: 2^D leaf values, left to right
  std::vector<int64_t> inner_begin; // offset of each tree's first inner node
  std::vector<int64_t> leaf_begin;  // offset of each tree's first leaf
  std::vector<int32_t> depth;       // D of each tree
  bool empty() const { return depth.empty(); }
};

// Trees deeper than this are not padded (2^D grows fast).
constexpr int32_t kMaxCompleteDepth = 12;

// Fills `out` when every tree is at most kMaxCompleteDepth deep and the padded
// layout takes at most `max_bytes`; otherwise leaves it empty.
void BuildComplete(const FlatForest& flat, size_t max_bytes, CompleteForest* out);

}  // namespace abp
