#include "engine/cpu_engine.h"

#include <algorithm>
#include <climits>
#include <atomic>
#include <exception>
#include <system_error>
#include <thread>
#include <vector>

#include "engine/thread_pool.h"
#include "engine/transform.h"

namespace abp {
namespace {

// Rows walked together through each tree before moving to the next tree, so
// a tree stays in cache across the block (XGBoost uses 64 as well).
constexpr int64_t kBlockRows = 64;
// Below this many node visits (rows x summed tree depths) per thread, a
// thread costs more to start than it saves (about 50 us of work).
constexpr int64_t kMinStepsPerThread = 1 << 16;

// Rows walked through one tree in lock step. A single walk is a chain of
// dependent loads; kLanes independent walks keep that many loads in flight.
constexpr int kLanes = 8;
constexpr int kHeapLanes = 16;

// Walks kLanes rows through one tree for exactly `depth` steps, branch-free:
// a lane that has reached its leaf stays there. Same decisions as WalkTree.
inline void WalkLanes(const FlatNode* nodes, int32_t root, int32_t depth, const float* rows, int64_t F,
                      float* acc, int32_t G) {
  int32_t idx[kLanes];
  for (int k = 0; k < kLanes; ++k) idx[k] = root;
  for (int32_t d = 0; d < depth; ++d) {
    for (int k = 0; k < kLanes; ++k) {
      const FlatNode& n = nodes[idx[k]];
      const bool leaf = n.feature < 0;
      const float x = rows[k * F + (leaf ? 0 : n.feature)];
      // Branch-free on missing values (see WalkHeapLanes).
      const int32_t go_left = static_cast<int32_t>(x < n.value) | (static_cast<int32_t>(x != x) & n.default_left);
      const int32_t next = n.left + 1 - go_left;
      idx[k] = leaf ? idx[k] : next;
    }
  }
  for (int k = 0; k < kLanes; ++k) acc[k * G] += nodes[idx[k]].value;
}

// The same lock-step walk over the complete-tree layout: D steps, no leaf
// test, the next slot computed rather than loaded.
template <int L>
inline void WalkHeapLanes(const HeapNode* inner, const float* leaves, int32_t D, const float* rows, int64_t F,
                          float* acc, int32_t G) {
  uint32_t idx[L];
  for (int k = 0; k < L; ++k) idx[k] = 0;
  for (int32_t d = 0; d < D; ++d) {
    for (int k = 0; k < L; ++k) {
      const HeapNode n = inner[idx[k]];
      const float x = rows[k * F + (n.packed & 0x7fffffffu)];
      // x < t is false for NaN; then the default direction decides. Written
      // with bit operations so the compiler emits no branch on missing values.
      const uint32_t go_left = static_cast<uint32_t>(x < n.threshold) | (static_cast<uint32_t>(x != x) & (n.packed >> 31));
      idx[k] = 2 * idx[k] + 2 - go_left;
    }
  }
  const uint32_t first_leaf = (1u << D) - 1u;
  for (int k = 0; k < L; ++k) acc[k * G] += leaves[idx[k] - first_leaf];
}

// WalkHeapLanes with the depth known at compile time (fully unrolled), for
// the shallow trees that dominate in practice.
template <int L, int D>
inline void WalkHeapLanesFixed(const HeapNode* inner, const float* leaves, const float* rows, int64_t F, float* acc,
                               int32_t G) {
  uint32_t idx[L];
  for (int k = 0; k < L; ++k) idx[k] = 0;
#pragma GCC unroll 16
  for (int d = 0; d < D; ++d) {
    for (int k = 0; k < L; ++k) {
      const HeapNode n = inner[idx[k]];
      const float x = rows[k * F + (n.packed & 0x7fffffffu)];
      const uint32_t go_left = static_cast<uint32_t>(x < n.threshold) | (static_cast<uint32_t>(x != x) & (n.packed >> 31));
      idx[k] = 2 * idx[k] + 2 - go_left;
    }
  }
  constexpr uint32_t first_leaf = (1u << D) - 1u;
  for (int k = 0; k < L; ++k) acc[k * G] += leaves[idx[k] - first_leaf];
}

template <int L>
inline void WalkHeapDispatch(const HeapNode* inner, const float* leaves, int32_t D, const float* rows, int64_t F,
                             float* acc, int32_t G) {
  switch (D) {
    case 1: return WalkHeapLanesFixed<L, 1>(inner, leaves, rows, F, acc, G);
    case 2: return WalkHeapLanesFixed<L, 2>(inner, leaves, rows, F, acc, G);
    case 3: return WalkHeapLanesFixed<L, 3>(inner, leaves, rows, F, acc, G);
    case 4: return WalkHeapLanesFixed<L, 4>(inner, leaves, rows, F, acc, G);
    case 5: return WalkHeapLanesFixed<L, 5>(inner, leaves, rows, F, acc, G);
    case 6: return WalkHeapLanesFixed<L, 6>(inner, leaves, rows, F, acc, G);
    default: return WalkHeapLanes<L>(inner, leaves, D, rows, F, acc, G);
  }
}

// One tree's leaf for L rows, added to `sum` (registers when inlined).
template <int L, int D>
inline void AddTreeFixed(const HeapNode* inner, const float* leaves, const float* rows, int64_t F, float* sum) {
  uint32_t idx[L];
  for (int k = 0; k < L; ++k) idx[k] = 0;
#pragma GCC unroll 16
  for (int d = 0; d < D; ++d) {
    for (int k = 0; k < L; ++k) {
      const HeapNode n = inner[idx[k]];
      const float x = rows[k * F + (n.packed & 0x7fffffffu)];
      const uint32_t go_left = static_cast<uint32_t>(x < n.threshold) | (static_cast<uint32_t>(x != x) & (n.packed >> 31));
      idx[k] = 2 * idx[k] + 2 - go_left;
    }
  }
  constexpr uint32_t first_leaf = (1u << D) - 1u;
  for (int k = 0; k < L; ++k) sum[k] += leaves[idx[k] - first_leaf];
}

template <int L>
inline void AddTree(const HeapNode* inner, const float* leaves, int32_t D, const float* rows, int64_t F, float* sum) {
  switch (D) {
    case 0: for (int k = 0; k < L; ++k) sum[k] += leaves[0]; return;
    case 1: return AddTreeFixed<L, 1>(inner, leaves, rows, F, sum);
    case 2: return AddTreeFixed<L, 2>(inner, leaves, rows, F, sum);
    case 3: return AddTreeFixed<L, 3>(inner, leaves, rows, F, sum);
    case 4: return AddTreeFixed<L, 4>(inner, leaves, rows, F, sum);
    case 5: return AddTreeFixed<L, 5>(inner, leaves, rows, F, sum);
    case 6: return AddTreeFixed<L, 6>(inner, leaves, rows, F, sum);
    default: {
      float acc[L] = {};
      WalkHeapLanes<L>(inner, leaves, D, rows, F, acc, 1);
      for (int k = 0; k < L; ++k) sum[k] += acc[k];  // acc[k] is exactly the leaf (0 + leaf)
      return;
    }
  }
}

// Rows outer, trees inner, for a single-output forest small enough to stay
// in L1/L2: each group of L rows runs through every tree with its L sums in
// registers. Same additions in the same (tree) order per row.
constexpr size_t kSmallForestBytes = 128 << 10;
constexpr int kSmallLanes = 8;

template <int L>
inline void SumAllTrees(const CompleteForest& c, const float* rows, int64_t F, float base, float* margins) {
  float sum[L];
  for (int k = 0; k < L; ++k) sum[k] = base;
  const size_t T = c.depth.size();
  for (size_t t = 0; t < T; ++t) {
    AddTree<L>(c.inner.data() + c.inner_begin[t], c.leaves.data() + c.leaf_begin[t], c.depth[t], rows, F, sum);
  }
  for (int k = 0; k < L; ++k) margins[k] = sum[k];
}

void PredictRangeSmall(const FlatForest& f, const CompleteForest& c, const float* input, int64_t begin, int64_t end,
                       float* out, bool margin) {
  const int64_t F = f.num_feature;
  const int32_t O = NumOutput(f, margin);
  float m[kSmallLanes];
  for (int64_t b = begin; b < end; b += kSmallLanes) {
    const int64_t nb = std::min<int64_t>(kSmallLanes, end - b);
    if (nb == kSmallLanes) {
      SumAllTrees<kSmallLanes>(c, input + b * F, F, f.base_margin, m);
    } else {
      for (int64_t i = 0; i < nb; ++i) SumAllTrees<1>(c, input + (b + i) * F, F, f.base_margin, m + i);
    }
    for (int64_t i = 0; i < nb; ++i) {
      if (margin) {
        out[(b + i) * O] = m[i];
      } else {
        TransformRow(f.objective, m + i, 1, out + (b + i) * O);
      }
    }
  }
}

void PredictRangeComplete(const FlatForest& f, const CompleteForest& c, const float* input, int64_t begin,
                          int64_t end, float* out, bool margin, float* acc) {
  const int32_t G = f.num_group;
  const int64_t F = f.num_feature;
  const int32_t O = NumOutput(f, margin);
  const int32_t T = static_cast<int32_t>(c.depth.size());
  for (int64_t b = begin; b < end; b += kBlockRows) {
    const int64_t nb = std::min(kBlockRows, end - b);
    std::fill(acc, acc + nb * G, f.base_margin);
    const float* rows = input + b * F;
    const int64_t full = nb / kHeapLanes * kHeapLanes;
    for (int32_t t = 0; t < T; ++t) {
      const HeapNode* inner = c.inner.data() + c.inner_begin[static_cast<size_t>(t)];
      const float* leaves = c.leaves.data() + c.leaf_begin[static_cast<size_t>(t)];
      const int32_t D = c.depth[static_cast<size_t>(t)];
      float* a = acc + f.tree_group[static_cast<size_t>(t)];
      int64_t i = 0;
      for (; i < full; i += kHeapLanes) WalkHeapDispatch<kHeapLanes>(inner, leaves, D, rows + i * F, F, a + i * G, G);
      for (; i < nb; ++i) WalkHeapLanes<1>(inner, leaves, D, rows + i * F, F, a + i * G, G);
    }
    float* o = out + b * O;
    for (int64_t i = 0; i < nb; ++i) {
      float* m = acc + i * G;
      if (margin) {
        for (int32_t g = 0; g < G; ++g) o[i * O + g] = m[g];
      } else {
        TransformRow(f.objective, m, G, o + i * O);
      }
    }
  }
}

// `acc` is kBlockRows x num_group scratch owned by the caller, so worker
// threads never allocate (an exception there would end the process).
void PredictRange(const FlatForest& f, const float* input, int64_t begin, int64_t end, float* out, bool margin,
                  float* acc) {
  const ForestView v = f.view();
  const int32_t G = v.num_group;
  const int64_t F = v.num_feature;
  const int32_t O = NumOutput(f, margin);
  for (int64_t b = begin; b < end; b += kBlockRows) {
    const int64_t nb = std::min(kBlockRows, end - b);
    std::fill(acc, acc + nb * G, v.base_margin);
    const float* rows = input + b * F;
    const int64_t full = F > 0 ? nb / kLanes * kLanes : 0;
    for (int32_t t = 0; t < v.num_trees; ++t) {
      const int32_t root = v.tree_root[t];
      const int32_t depth = f.tree_depth[static_cast<size_t>(t)];
      float* a = acc + v.tree_group[t];
      int64_t i = 0;
      for (; i < full; i += kLanes) WalkLanes(v.nodes, root, depth, rows + i * F, F, a + i * G, G);
      for (; i < nb; ++i) a[i * G] += WalkTree(v.nodes, root, rows + i * F);
    }
    float* o = out + b * O;
    for (int64_t i = 0; i < nb; ++i) {
      float* m = acc + i * G;
      if (margin) {
        for (int32_t g = 0; g < G; ++g) o[i * O + g] = m[g];
      } else {
        TransformRow(f.objective, m, G, o + i * O);
      }
    }
  }
}

}  // namespace

int32_t NumOutput(const FlatForest& forest, bool margin) {
  if (!margin && forest.objective == Objective::kMultiSoftmax) return 1;
  return forest.num_group;
}

Status PredictCpu(const FlatForest& forest, const float* input, int64_t rows, float* out,
                  const PredictOptions& options) {
  return PredictCpu(forest, nullptr, input, rows, out, options);
}

Status PredictCpu(const FlatForest& forest, const CompleteForest* complete, const float* input, int64_t rows,
                  float* out, const PredictOptions& options) {
  const CompleteForest* c = complete && !complete->empty() && !options.flat_only ? complete : nullptr;
  const bool small = c && forest.num_group == 1 &&
                     c->inner.size() * sizeof(HeapNode) + c->leaves.size() * sizeof(float) <= kSmallForestBytes;
  auto run = [&forest, c, input, out, &options, small](int64_t b, int64_t e, float* acc) {
    if (small) {
      PredictRangeSmall(forest, *c, input, b, e, out, options.margin);
    } else if (c) {
      PredictRangeComplete(forest, *c, input, b, e, out, options.margin, acc);
    } else {
      PredictRange(forest, input, b, e, out, options.margin, acc);
    }
  };
  if (rows < 0) return Status(Code::kBadArgument, "rows must not be negative");
  if (rows == 0) return Status::Ok();
  int64_t threads = options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  int64_t steps_per_row = 1;
  for (const int32_t d : forest.tree_depth) steps_per_row += d + 1;
  const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  const int64_t steps = rows > INT64_MAX / steps_per_row ? INT64_MAX : rows * steps_per_row;
  threads = std::min({threads, blocks, std::max<int64_t>(1, steps / kMinStepsPerThread)});
  try {
    const size_t scratch = static_cast<size_t>(kBlockRows * forest.num_group);
    std::vector<float> acc(scratch * static_cast<size_t>(threads));
    if (threads <= 1) {
      run(0, rows, acc.data());
      return Status::Ok();
    }
    // Threads take chunks of whole blocks from a shared counter, so a thread
    // that is descheduled (a busy machine) does not hold up the whole call.
    // About 8 chunks per thread; the calling thread works too.
    const int64_t chunk = std::max<int64_t>(1, blocks / (threads * 8)) * kBlockRows;
    std::atomic<int64_t> next{0};
    auto worker = [&run, &next, chunk, rows](float* scratch_t) {
      for (;;) {
        const int64_t b = next.fetch_add(chunk, std::memory_order_relaxed);
        if (b >= rows) return;
        run(b, std::min(rows, b + chunk), scratch_t);
      }
    };
    ParallelRun(static_cast<int>(threads), [&worker, &acc, scratch](int t) {
      worker(acc.data() + scratch * static_cast<size_t>(t));
    });
  } catch (const std::bad_alloc&) {
    return Status(Code::kOutOfMemory, "out of memory while predicting");
  }
  return Status::Ok();
}

}  // namespace abp
