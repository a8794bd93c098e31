#include "engine/cpu_engine.h"

#include <algorithm>
#include <exception>
#include <system_error>
#include <thread>
#include <vector>

#include "engine/transform.h"

namespace abp {
namespace {

// Rows walked together through each tree before moving to the next tree, so
// a tree stays in cache across the block (XGBoost uses 64 as well).
constexpr int64_t kBlockRows = 64;
// Below this many row x tree walks, threads cost more than they save.
constexpr int64_t kMinWalksPerThread = 1 << 15;

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
    for (int32_t t = 0; t < v.num_trees; ++t) {
      const int32_t root = v.tree_root[t];
      float* a = acc + v.tree_group[t];
      for (int64_t i = 0; i < nb; ++i) a[i * G] += WalkTree(v.nodes, root, rows + i * F);
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
  if (rows < 0) return Status(Code::kBadArgument, "rows must not be negative");
  if (rows == 0) return Status::Ok();
  int64_t threads = options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  const int64_t trees = std::max<int64_t>(1, static_cast<int64_t>(forest.tree_root.size()));
  const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  threads = std::min({threads, blocks, std::max<int64_t>(1, rows * trees / kMinWalksPerThread)});
  try {
    const size_t scratch = static_cast<size_t>(kBlockRows * forest.num_group);
    std::vector<float> acc(scratch * static_cast<size_t>(threads));
    if (threads <= 1) {
      PredictRange(forest, input, 0, rows, out, options.margin, acc.data());
      return Status::Ok();
    }
    // Contiguous chunks of whole blocks; the calling thread takes the first.
    const int64_t per = (blocks + threads - 1) / threads * kBlockRows;
    std::vector<std::thread> workers;
    workers.reserve(static_cast<size_t>(threads - 1));
    int64_t next = per;
    for (int64_t t = 1; t < threads && next < rows; ++t, next += per) {
      const int64_t b = next, e = std::min(rows, next + per);
      try {
        float* scratch_t = acc.data() + scratch * static_cast<size_t>(t);
        workers.emplace_back([&forest, input, b, e, out, &options, scratch_t] {
          PredictRange(forest, input, b, e, out, options.margin, scratch_t);
        });
      } catch (const std::system_error&) {
        // No more threads available: do the rest here.
        PredictRange(forest, input, b, e, out, options.margin, acc.data());
      }
    }
    PredictRange(forest, input, 0, std::min(rows, per), out, options.margin, acc.data());
    for (auto& w : workers) w.join();
  } catch (const std::bad_alloc&) {
    return Status(Code::kOutOfMemory, "out of memory while predicting");
  }
  return Status::Ok();
}

}  // namespace abp
