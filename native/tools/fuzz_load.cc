// Mutation fuzzer for the model loaders and the CPU engine, meant to run
// under ASan/UBSan: any out-of-bounds read, overflow or leak aborts.
//   abp_fuzz_load <iterations> <seed> model1 [model2 ...]
// Each iteration mutates one of the models (random bytes, truncation, huge
// 32/64-bit counts, spliced slices), loads it with format "auto" and, when it
// loads, predicts a few rows of random features (with NaNs).
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/complete_forest.h"
#include "engine/cpu_engine.h"
#include "engine/flat_forest.h"
#include "model/forest.h"
#include "tools/tool_util.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s <iterations> <seed> model...\n", argv[0]);
    return 2;
  }
  const long iterations = std::stol(argv[1]);
  std::mt19937_64 rng(std::stoull(argv[2]));
  std::vector<std::vector<uint8_t>> seeds;
  for (int i = 3; i < argc; ++i) {
    seeds.push_back(abp::tools::ReadWhole<uint8_t>(argv[i]));
    if (seeds.back().empty()) {
      std::fprintf(stderr, "cannot read %s\n", argv[i]);
      return 2;
    }
  }
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  long loaded = 0, rejected = 0;
  for (long it = 0; it < iterations; ++it) {
    std::vector<uint8_t> b = seeds[pick(seeds.size())];
    switch (pick(5)) {
      case 0:
        for (size_t k = 1 + pick(8); k > 0; --k) b[pick(b.size())] = static_cast<uint8_t>(rng());
        break;
      case 1:
        b.resize(pick(b.size()));
        break;
      case 2: {
        static const uint64_t kHuge[] = {0xffffffffull, 0x7fffffffull, 0x80000000ull, 1ull << 62, ~0ull, 1ull << 40};
        const uint64_t v = kHuge[pick(6)];
        const size_t width = pick(2) ? 4 : 8;
        if (b.size() > width) {
          const size_t at = pick(b.size() - width);
          for (size_t k = 0; k < width; ++k) {
            // Little- or big-endian, so both the binary and UBJSON readers see it.
            const size_t shift = pick(2) ? k : width - 1 - k;
            b[at + k] = static_cast<uint8_t>(v >> (8 * shift));
          }
        }
        break;
      }
      case 3: {
        const size_t from = pick(b.size());
        const size_t len = pick(std::min<size_t>(256, b.size() - from));
        const size_t at = pick(b.size());
        std::vector<uint8_t> slice(b.begin() + from, b.begin() + from + len);
        b.insert(b.begin() + at, slice.begin(), slice.end());
        break;
      }
      default:
        if (!b.empty()) b[pick(b.size())] ^= static_cast<uint8_t>(1u << pick(8));
    }
    abp::Forest forest;
    abp::Status s = abp::LoadModel(b.data(), b.size(), "auto", "fuzz", &forest);
    if (!s.ok()) {
      ++rejected;
      if (s.message().rfind("fuzz", 0) != 0) {
        std::fprintf(stderr, "message does not name the file: %s\n", s.message().c_str());
        return 1;
      }
      continue;
    }
    ++loaded;
    forest.MaxDepth();
    abp::FlatForest flat = abp::Flatten(forest);
    // A model may claim any num_feature; keep the test input small.
    if (flat.num_feature > (1 << 16)) continue;
    const int64_t rows = 70;
    std::vector<float> x(static_cast<size_t>(rows) * static_cast<size_t>(flat.num_feature));
    std::normal_distribution<float> nd;
    for (float& v : x) v = pick(10) == 0 ? NAN : nd(rng);
    std::vector<float> out(static_cast<size_t>(rows) * static_cast<size_t>(flat.num_group));
    abp::CompleteForest complete;
    abp::BuildComplete(flat, size_t{64} << 20, &complete);
    std::vector<float> out2(out.size());
    abp::PredictOptions o;
    o.threads = 2;
    s = abp::PredictCpu(flat, &complete, x.data(), rows, out.data(), o);
    o.flat_only = true;
    if (s.ok()) s = abp::PredictCpu(flat, &complete, x.data(), rows, out2.data(), o);
    if (s.ok() && std::memcmp(out.data(), out2.data(), out.size() * sizeof(float)) != 0) {
      std::fprintf(stderr, "complete and flat layouts disagree at iteration %ld\n", it);
      return 1;
    }
    if (!s.ok()) {
      std::fprintf(stderr, "predict failed on a loaded model: %s\n", s.message().c_str());
      return 1;
    }
  }
  std::printf("%ld iterations: %ld loaded, %ld rejected\n", iterations, loaded, rejected);
  return 0;
}
