// The objective's output transform (XGBoost's PredTransform), applied to the
// margins of one row. Written as XGBoost 1.7 does it (common/math.h) so
// results match bit for bit: sigmoid as 1 / (1 + expf(-x)) in float; softmax
// subtracting the row maximum, summing the exponentials in double, dividing
// in float; multi:softmax as the index of the first maximum.
#pragma once
#include <math.h>

#include <cstdint>

#include "engine/hd.h"
#include "model/forest.h"

namespace abp {

// exp in float as XGBoost gets it: glibc's expf on the host. CUDA's expf
// differs from glibc's in the last bit on about one input in seven; the
// double-precision exp rounded to float is the correctly rounded value, which
// glibc's expf also returns on all but ~0.01% of inputs (measured over every
// 16th float in [-30, 30)).
ABP_HD float ExpF(float x) {
#if defined(__CUDA_ARCH__)
  return static_cast<float>(exp(static_cast<double>(x)));
#else
  return expf(x);
#endif
}

ABP_HD float Sigmoid(float x) { return 1.0f / (1.0f + ExpF(-x)); }

ABP_HD void SoftmaxInPlace(float* v, int32_t n) {
  float wmax = v[0];
  for (int32_t i = 1; i < n; ++i) wmax = fmaxf(v[i], wmax);
  double wsum = 0.0;
  for (int32_t i = 0; i < n; ++i) {
    v[i] = ExpF(v[i] - wmax);
    wsum += v[i];
  }
  for (int32_t i = 0; i < n; ++i) v[i] /= static_cast<float>(wsum);
}

ABP_HD int32_t ArgMax(const float* v, int32_t n) {
  int32_t best = 0;
  for (int32_t i = 1; i < n; ++i) {
    if (v[i] > v[best]) best = i;
  }
  return best;
}

// Transforms one row's `num_group` margins (modified in place for softmax)
// into `out`: num_group values, or one for multi:softmax.
ABP_HD void TransformRow(Objective objective, float* margins, int32_t num_group, float* out) {
  switch (objective) {
    case Objective::kRegLogistic:
    case Objective::kBinaryLogistic:
      for (int32_t g = 0; g < num_group; ++g) out[g] = Sigmoid(margins[g]);
      return;
    case Objective::kMultiSoftprob:
      SoftmaxInPlace(margins, num_group);
      for (int32_t g = 0; g < num_group; ++g) out[g] = margins[g];
      return;
    case Objective::kMultiSoftmax:
      out[0] = static_cast<float>(ArgMax(margins, num_group));
      return;
    case Objective::kRegSquaredError:
    case Objective::kBinaryLogitRaw:
    default:
      for (int32_t g = 0; g < num_group; ++g) out[g] = margins[g];
      return;
  }
}

}  // namespace abp
