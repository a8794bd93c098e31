// Concurrency stress for the CPU engine and its worker pool, meant for
// ThreadSanitizer: several caller threads predict on one forest at once with
// several worker threads each, and every result must equal the one-thread
// reference bit for bit.
//   abp_stress_threads <model> <input.f32> [callers] [iterations]
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/complete_forest.h"
#include "engine/cpu_engine.h"
#include "model/forest.h"
#include "tools/tool_util.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s model input.f32 [callers] [iterations]\n", argv[0]);
    return 2;
  }
  abp::Forest forest;
  if (!abp::tools::LoadForestFile(argv[1], &forest)) return 1;
  const abp::FlatForest flat = abp::Flatten(forest);
  abp::CompleteForest complete;
  abp::BuildComplete(flat, size_t{256} << 20, &complete);
  const std::vector<char> raw = abp::tools::ReadWhole(argv[2]);
  std::vector<float> x(raw.size() / 4);
  std::memcpy(x.data(), raw.data(), x.size() * 4);
  const int64_t rows = static_cast<int64_t>(x.size()) / flat.num_feature;
  const int callers = argc > 3 ? std::stoi(argv[3]) : 4;
  const int iterations = argc > 4 ? std::stoi(argv[4]) : 20;
  const size_t G = static_cast<size_t>(flat.num_group);
  std::vector<float> ref(static_cast<size_t>(rows) * G);
  abp::PredictOptions one;
  one.threads = 1;
  one.margin = true;
  abp::PredictCpu(flat, &complete, x.data(), rows, ref.data(), one);
  std::vector<int> failures(static_cast<size_t>(callers), 0);
  std::vector<std::thread> ts;
  for (int c = 0; c < callers; ++c) {
    ts.emplace_back([&, c] {
      std::mt19937 rng(static_cast<unsigned>(c));
      for (int i = 0; i < iterations; ++i) {
        const int64_t n = 1 + static_cast<int64_t>(rng() % static_cast<unsigned>(rows));
        std::vector<float> out(static_cast<size_t>(n) * G);
        abp::PredictOptions o;
        o.threads = 1 + static_cast<int32_t>(rng() % 4);
        o.margin = true;
        o.flat_only = (rng() % 3) == 0;
        if (!abp::PredictCpu(flat, &complete, x.data(), n, out.data(), o).ok() ||
            std::memcmp(out.data(), ref.data(), out.size() * sizeof(float)) != 0) {
          ++failures[static_cast<size_t>(c)];
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  int total = 0;
  for (int f : failures) total += f;
  std::printf("%d callers x %d predicts: %d mismatches\n", callers, iterations, total);
  return total == 0 ? 0 : 1;
}
