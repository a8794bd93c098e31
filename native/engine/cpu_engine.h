// The CPU engine: XGBoost 1.7's CPU predictor semantics over a FlatForest.
#pragma once
#include <cstdint>

#include "common/status.h"
#include "engine/complete_forest.h"
#include "engine/flat_forest.h"

namespace abp {

struct PredictOptions {
  bool margin = false;  // raw margins instead of transformed outputs
  int32_t threads = 0;  // worker threads; 0 = all cores
  bool flat_only = false;  // ignore the complete-tree layout (tests, benchmarks)
};

// Outputs per row: num_group, or 1 for multi:softmax unless margin.
int32_t NumOutput(const FlatForest& forest, bool margin);

// `input` is rows x num_feature row-major float32 (NaN = missing); `out`
// receives rows x NumOutput(margin) floats. Safe to call concurrently on one
// FlatForest (it is only read).
Status PredictCpu(const FlatForest& forest, const float* input, int64_t rows, float* out,
                  const PredictOptions& options);

// The same, using the complete-tree layout of the same forest when
// `complete` is non-null and not empty (faster for shallow trees; same bits).
Status PredictCpu(const FlatForest& forest, const CompleteForest* complete, const float* input, int64_t rows,
                  float* out, const PredictOptions& options);

}  // namespace abp
