// Standalone check and benchmark of the CUDA engine against the shared CPU
// tree walk (RowMargins) on synthetic forests, without Node. Used while
// developing the kernel; the addon's own tests (test/gpu-*.test.ts) are the
// real parity tests against XGBoost's predictions.
//
//   abp_cuda_harness check     parity on several forest shapes and batch sizes
//   abp_cuda_harness bench     layout variants and throughput
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cuda/cuda_engine.h"
#include "engine/cpu_engine.h"
#include "engine/flat_forest.h"

using namespace abp;

// Copy ceilings, timed with CUDA events in copy_bench.cu.
double D2DCopySeconds(void* dst, const void* src, size_t bytes);
double H2DPinnedSeconds(size_t bytes);

namespace {

void Grow(Tree& tree, int32_t id, int depth, int max_depth, int nf, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const bool leaf = depth == max_depth || (depth >= 2 && u(rng) < 0.1f);
  if (leaf) {
    tree.nodes[size_t(id)].leaf = (u(rng) - 0.5f) * 0.2f;
    return;
  }
  const int32_t l = static_cast<int32_t>(tree.nodes.size());
  tree.nodes.emplace_back();
  tree.nodes.emplace_back();
  TreeNode& n = tree.nodes[size_t(id)];
  n.left = l;
  n.right = l + 1;
  n.feature = static_cast<int32_t>(rng() % uint32_t(nf));
  n.split = u(rng);
  n.default_left = (rng() & 1) != 0;
  Grow(tree, l, depth + 1, max_depth, nf, rng);
  Grow(tree, l + 1, depth + 1, max_depth, nf, rng);
}

Forest MakeForest(int trees, int depth, int nf, int groups, Objective obj, uint32_t seed) {
  std::mt19937 rng(seed);
  Forest f;
  f.objective = obj;
  f.num_feature = nf;
  f.num_group = groups;
  f.base_score = obj == Objective::kBinaryLogistic ? 0.3f : 0.5f;
  for (int t = 0; t < trees; ++t) {
    Tree tree;
    tree.group = t % groups;
    tree.nodes.emplace_back();
    Grow(tree, 0, 0, depth, nf, rng);
    f.trees.push_back(std::move(tree));
  }
  return f;
}

std::vector<float> RandomRows(int64_t rows, int nf, double nan_rate, uint32_t seed) {
  std::vector<float> x(size_t(rows) * nf);
  const unsigned nt = std::max(1u, std::min(16u, std::thread::hardware_concurrency()));
  std::vector<std::thread> th;
  for (unsigned t = 0; t < nt; ++t) {
    th.emplace_back([&, t] {
      std::mt19937 rng(seed + t * 7919);
      std::uniform_real_distribution<float> u(0.0f, 1.0f);
      const size_t n = x.size(), b = n * t / nt, e = n * (t + 1) / nt;
      for (size_t i = b; i < e; ++i) x[i] = (nan_rate > 0 && u(rng) < nan_rate) ? NAN : u(rng);
    });
  }
  for (auto& t : th) t.join();
  return x;
}

// The CPU reference: the CPU engine (RowMargins, then the shared transform).
std::vector<float> CpuPredict(const FlatForest& f, const std::vector<float>& x, int64_t rows, bool margin) {
  std::vector<float> out(size_t(rows) * size_t(NumOutput(f, margin)));
  PredictOptions o;
  o.margin = margin;
  Status st = PredictCpu(f, x.data(), rows, out.data(), o);
  if (!st.ok()) std::printf("cpu engine: %s\n", st.message().c_str());
  return out;
}

double MaxDiff(const std::vector<float>& a, const float* b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) != std::isnan(b[i])) return INFINITY;
    d = std::max(d, double(std::fabs(a[i] - b[i])));
  }
  return d;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

#define CHECK_OK(expr)                                                                  \
  do {                                                                                  \
    Status s_ = (expr);                                                                 \
    if (!s_.ok()) {                                                                     \
      std::printf("FAIL %s: %s %s\n", #expr, CodeName(s_.code()), s_.message().c_str()); \
      return 1;                                                                         \
    }                                                                                   \
  } while (0)

struct Shape {
  const char* name;
  int trees, depth, nf, groups;
  Objective obj;
};

int Check() {
  const Shape shapes[] = {
      {"abp-like 12x d5 f20", 12, 5, 20, 1, Objective::kBinaryLogistic},
      {"large 500x d8 f50", 500, 8, 50, 1, Objective::kBinaryLogistic},
      {"softprob 3cls 30x d4 f7", 30, 4, 7, 3, Objective::kMultiSoftprob},
      {"softmax 5cls 25x d4 f9", 25, 4, 9, 5, Objective::kMultiSoftmax},
      {"wide 20x d6 f300", 20, 6, 300, 1, Objective::kRegSquaredError},
      {"deep 4x d13 f16", 4, 13, 16, 1, Objective::kBinaryLogistic},
      {"stump f1", 3, 1, 1, 1, Objective::kRegSquaredError},
  };
  int failures = 0;
  const bool quick = std::getenv("ABP_HARNESS_QUICK") != nullptr;
  for (const Shape& sh : shapes) {
    if (quick && sh.trees >= 500) continue;
    const FlatForest flat = Flatten(MakeForest(sh.trees, sh.depth, sh.nf, sh.groups, sh.obj, 42));
    std::unique_ptr<cuda::CudaForest> gpu;
    CHECK_OK(cuda::CudaForest::Create(flat, 0, &gpu));
    std::printf("%-26s layout: %s\n", sh.name, gpu->layout().c_str());
    for (int64_t rows : {int64_t(1), int64_t(31), int64_t(32), int64_t(33), int64_t(65537), int64_t(1000003)}) {
      if (quick && rows > 65537) continue;
      const std::vector<float> x = RandomRows(rows, sh.nf, 0.05, uint32_t(rows));
      for (bool margin : {false, true}) {
        const std::vector<float> ref = CpuPredict(flat, x, rows, margin);
        std::vector<float> host(ref.size(), -777.0f), dev(ref.size(), -777.0f), kept(ref.size(), -777.0f);
        CHECK_OK(gpu->PredictHost(x.data(), rows, margin, host.data()));
        std::unique_ptr<cuda::DeviceMatrix> m, o;
        CHECK_OK(cuda::DeviceMatrix::Upload(x.data(), rows, sh.nf, 0, &m));
        CHECK_OK(gpu->PredictDevice(*m, margin, nullptr, nullptr, dev.data()));
        CHECK_OK(gpu->PredictDevice(*m, margin, nullptr, &o, nullptr));
        CHECK_OK(o->Read(kept.data()));
        const double d1 = MaxDiff(ref, host.data()), d2 = MaxDiff(ref, dev.data()), d3 = MaxDiff(ref, kept.data());
        const double tol = 1e-6;
        const bool ok = d1 <= tol && d2 <= tol && d3 <= tol;
        if (!ok || rows >= 65537) {
          std::printf("  rows=%-8lld margin=%d host=%.3g device=%.3g kept=%.3g %s\n", (long long)rows, margin, d1,
                      d2, d3, ok ? "ok" : "MISMATCH");
        }
        failures += ok ? 0 : 1;
      }
    }
  }
  if (quick) {
    std::printf("check (quick): %d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
  }
  // Out of memory: a cap a little over what is in use forces the host path
  // to split its chunks, and an upload past it fails with ABP_CUDA_OOM.
  {
    const FlatForest flat = Flatten(MakeForest(12, 5, 20, 1, Objective::kBinaryLogistic, 7));
    std::unique_ptr<cuda::CudaForest> gpu;
    CHECK_OK(cuda::CudaForest::Create(flat, 0, &gpu));
    const int64_t rows = 2000000;
    const std::vector<float> x = RandomRows(rows, 20, 0.01, 3);
    const std::vector<float> ref = CpuPredict(flat, x, rows, false);
    cuda::SetMemoryLimitForTesting(24u << 20);
    std::vector<float> host(ref.size());
    Status st = gpu->PredictHost(x.data(), rows, false, host.data());
    std::printf("oom: capped predict: %s diff=%.3g\n", st.ok() ? "ok" : st.message().c_str(), MaxDiff(ref, host.data()));
    failures += st.ok() && MaxDiff(ref, host.data()) <= 1e-6 ? 0 : 1;
    std::unique_ptr<cuda::DeviceMatrix> m;
    st = cuda::DeviceMatrix::Upload(x.data(), rows, 20, 0, &m);
    std::printf("oom: upload past cap: %s %s\n", CodeName(st.code()), st.message().c_str());
    failures += st.code() == Code::kCudaOutOfMemory ? 0 : 1;
    cuda::SetMemoryLimitForTesting(1u << 20);
    std::unique_ptr<cuda::CudaForest> gpu2;
    st = cuda::CudaForest::Create(flat, 0, &gpu2);
    std::printf("oom: create past cap: %s %s\n", CodeName(st.code()), st.message().c_str());
    cuda::SetMemoryLimitForTesting(0);
    st = gpu->PredictHost(x.data(), rows, false, host.data());
    std::printf("oom: after cap lifted: %s diff=%.3g\n", st.ok() ? "ok" : st.message().c_str(), MaxDiff(ref, host.data()));
  }
  std::printf("check: %d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Bench() {
  // Ceilings: device-to-device copy and pinned host-to-device copy.
  {
    const size_t bytes = size_t(4) << 30;
    std::unique_ptr<cuda::DeviceMatrix> a, b;
    CHECK_OK(cuda::DeviceMatrix::Allocate(bytes / 4, 1, 0, &a));
    CHECK_OK(cuda::DeviceMatrix::Allocate(bytes / 4, 1, 0, &b));
    std::vector<double> t;
    for (int i = 0; i < 6; ++i) t.push_back(D2DCopySeconds(b->data(), a->data(), bytes));
    std::printf("d2d copy: %.0f GB/s (read+write)\n", 2.0 * bytes / Median(t) / 1e9);
    t.clear();
    for (int i = 0; i < 4; ++i) t.push_back(H2DPinnedSeconds(size_t(1) << 30));
    std::printf("h2d pinned: %.1f GB/s\n", double(size_t(1) << 30) / Median(t) / 1e9);
  }
  struct Variant { const char* threads; const char* stage_rows; const char* tile_kb; const char* row_buffers; };
  const Shape shapes[] = {
      {"abp-like 12x d5 f20", 12, 5, 20, 1, Objective::kBinaryLogistic},
      {"abp-like 6x d5 f29", 6, 5, 29, 1, Objective::kBinaryLogistic},
      {"abp-like 20x d5 f29", 20, 5, 29, 1, Objective::kBinaryLogistic},
      {"large 500x d8 f50", 500, 8, 50, 1, Objective::kBinaryLogistic},
  };
  const Variant variants[] = {{"256", "1", "0", "1"},  {"128", "1", "0", "1"},  {"512", "1", "0", "1"},
                              {"256", "1", "0", "2"},  {"128", "1", "0", "2"},  {"256", "0", "0", "1"},
                              {"256", "1", "12", "1"}, {"256", "1", "48", "1"}, {"512", "1", "24", "1"}};
  for (const Shape& sh : shapes) {
    const bool large = sh.trees > 100;
    const int64_t rows = large ? 4000000 : 100000000;
    const FlatForest flat = Flatten(MakeForest(sh.trees, sh.depth, sh.nf, sh.groups, sh.obj, 1));
    // A 1M-row random block repeated: 1M rows are already past the L2.
    const int64_t block = 1000000;
    const std::vector<float> blk = RandomRows(block, sh.nf, 0.01, 9);
    std::vector<float> x(size_t(rows) * sh.nf);
    for (int64_t r = 0; r < rows; r += block) {
      std::memcpy(x.data() + r * sh.nf, blk.data(), size_t(std::min(block, rows - r) * sh.nf) * 4);
    }
    std::unique_ptr<cuda::DeviceMatrix> m, o;
    CHECK_OK(cuda::DeviceMatrix::Upload(x.data(), rows, sh.nf, 0, &m));
    CHECK_OK(cuda::DeviceMatrix::Allocate(rows, 1, 0, &o));
    for (const Variant& v : variants) {
      if (large ? std::strcmp(v.row_buffers, "2") == 0 : std::strcmp(v.tile_kb, "0") != 0) continue;
      setenv("ABP_CUDA_ROW_BUFFERS", v.row_buffers, 1);
      setenv("ABP_CUDA_THREADS", v.threads, 1);
      setenv("ABP_CUDA_STAGE_ROWS", v.stage_rows, 1);
      setenv("ABP_CUDA_TILE_KB", v.tile_kb, 1);
      std::unique_ptr<cuda::CudaForest> gpu;
      CHECK_OK(cuda::CudaForest::Create(flat, 0, &gpu));
      CHECK_OK(gpu->PredictDevice(*m, false, o.get(), nullptr, nullptr));
      std::vector<double> t;
      for (int i = 0; i < 5; ++i) {
        const double t0 = Now();
        CHECK_OK(gpu->PredictDevice(*m, false, o.get(), nullptr, nullptr));
        t.push_back(Now() - t0);
      }
      const double s = Median(t);
      std::printf("%-22s rows=%lld %-60s device: %8.3f ms %7.2f Grows/s %6.0f GB/s\n", sh.name, (long long)rows,
                  gpu->layout().c_str(), s * 1e3, rows / s / 1e9, rows * (sh.nf + 1) * 4.0 / s / 1e9);
    }
    unsetenv("ABP_CUDA_THREADS");
    unsetenv("ABP_CUDA_STAGE_ROWS");
    unsetenv("ABP_CUDA_TILE_KB");
    unsetenv("ABP_CUDA_ROW_BUFFERS");
    std::unique_ptr<cuda::CudaForest> gpu;
    CHECK_OK(cuda::CudaForest::Create(flat, 0, &gpu));
    std::vector<float> out(static_cast<size_t>(rows));
    for (int64_t n : {int64_t(1000), int64_t(1000000), rows}) {
      CHECK_OK(gpu->PredictHost(x.data(), n, false, out.data()));
      std::vector<double> t;
      for (int i = 0; i < 3; ++i) {
        const double t0 = Now();
        CHECK_OK(gpu->PredictHost(x.data(), n, false, out.data()));
        t.push_back(Now() - t0);
      }
      const double s = Median(t);
      std::printf("%-22s rows=%lld host path: %8.3f ms %7.3f Grows/s %6.1f GB/s in\n", sh.name, (long long)n, s * 1e3,
                  n / s / 1e9, n * sh.nf * 4.0 / s / 1e9);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  cuda::RuntimeInfo info;
  Status st = cuda::QueryRuntime(&info);
  std::printf("cuda: built=%d runtime=%d driver=%d devices=%zu status=%s %s\n", info.built, info.runtime_version,
              info.driver_version, info.devices.size(), CodeName(st.code()), st.message().c_str());
  for (const auto& d : info.devices) {
    std::printf("  gpu:%d %s cc %d.%d %llu MiB %d SMs %s\n", d.index, d.name.c_str(), d.major, d.minor,
                (unsigned long long)(d.total_memory >> 20), d.multiprocessors, d.pci_bus_id.c_str());
  }
  if (!st.ok()) return 2;
  const std::string mode = argc > 1 ? argv[1] : "check";
  if (mode == "check") return Check();
  if (mode == "bench") return Bench();
  if (mode == "copy") {
    // The bandwidth ceilings alone, for scripts/bench-gpu.ts.
    const size_t bytes = size_t(4) << 30;
    std::unique_ptr<cuda::DeviceMatrix> a, b;
    CHECK_OK(cuda::DeviceMatrix::Allocate(bytes / 4, 1, 0, &a));
    CHECK_OK(cuda::DeviceMatrix::Allocate(bytes / 4, 1, 0, &b));
    std::vector<double> t;
    for (int i = 0; i < 8; ++i) t.push_back(D2DCopySeconds(b->data(), a->data(), bytes));
    std::printf("d2d_copy_gbps %.1f\n", 2.0 * bytes / Median(t) / 1e9);
    t.clear();
    for (int i = 0; i < 4; ++i) t.push_back(H2DPinnedSeconds(size_t(1) << 30));
    std::printf("h2d_pinned_gbps %.1f\n", double(size_t(1) << 30) / Median(t) / 1e9);
    return 0;
  }
  return 2;
}
