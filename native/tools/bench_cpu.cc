// Times the CPU engine without Node: abp_bench_cpu <model> <input.f32> <rows> <threads> [repeats]
// <input.f32> is raw float32 rows x num_feature; it is tiled to <rows>.
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/cpu_engine.h"
#include "engine/flat_forest.h"
#include "model/forest.h"
#include "tools/tool_util.h"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s model input.f32 rows threads [repeats]\n", argv[0]);
    return 2;
  }
  abp::Forest forest;
  if (!abp::tools::LoadForestFile(argv[1], &forest)) return 1;
  abp::FlatForest flat = abp::Flatten(forest);
  abp::CompleteForest complete;
  const bool use_complete = !std::getenv("ABP_NO_COMPLETE");
  if (use_complete) abp::BuildComplete(flat, size_t{256} << 20, &complete);
  std::fprintf(stderr, "complete layout: %s\n", complete.empty() ? "no" : "yes");
  const std::vector<char> raw = abp::tools::ReadWhole(argv[2]);
  const size_t nf = static_cast<size_t>(flat.num_feature);
  const size_t src_rows = raw.size() / 4 / nf;
  const int64_t rows = std::stoll(argv[3]);
  const int threads = std::stoi(argv[4]);
  const int repeats = argc > 5 ? std::stoi(argv[5]) : 5;
  std::vector<float> x(static_cast<size_t>(rows) * nf);
  const float* src = reinterpret_cast<const float*>(raw.data());
  for (size_t r = 0; r < static_cast<size_t>(rows); ++r) {
    for (size_t f = 0; f < nf; ++f) x[r * nf + f] = src[(r % src_rows) * nf + f];
  }
  std::vector<float> out(static_cast<size_t>(rows) * static_cast<size_t>(flat.num_group));
  abp::PredictOptions o;
  o.threads = threads;
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    abp::PredictCpu(flat, &complete, x.data(), rows, out.data(), o);
    auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
  }
  double sum = 0;
  for (float v : out) sum += v;
  std::printf("rows=%lld threads=%d best=%.6fs rows/s=%.0f checksum=%.6f\n", static_cast<long long>(rows), threads,
              best, rows / best, sum);
  return 0;
}
