// The CUDA forest engine: device discovery, device matrices, and CudaForest
// (one upload per device, a pinned double-buffered host path, and the
// device-resident path). See cuda_engine.h for the contract and
// forest_kernel.cuh for the kernel.
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "cuda/cuda_engine.h"
#include "cuda/forest_kernel.cuh"
#include "cuda/layout.h"

namespace abp::cuda {
namespace {

using detail::ForestKernel;
using detail::KernelArgs;
using detail::SplitTreesKernel;
using detail::SumLeavesCoopKernel;
using detail::SumLeavesKernel;

std::atomic<uint64_t> g_limit{0};
std::atomic<uint64_t> g_used{0};
// Test hook: the next kernel launch (1, too many threads) or host-to-device
// copy (2, no such direction) is made invalid, so CUDA itself fails it, with
// errors that are not sticky: the context survives.
std::atomic<int> g_fault{0};
bool TakeFault(int kind) {
  int expected = kind;
  return g_fault.compare_exchange_strong(expected, 0);
}

std::string Mb(uint64_t bytes) {
  return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB";
}

Status FromCuda(cudaError_t e, const std::string& what) {
  if (e == cudaErrorMemoryAllocation) {
    return Status(Code::kCudaOutOfMemory, what + ": out of device memory");
  }
  if (e == cudaErrorInsufficientDriver || e == cudaErrorNoDevice) {
    return Status(Code::kCudaUnavailable, what + ": " + cudaGetErrorString(e));
  }
  return Status(Code::kCudaError,
                what + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
}

#define ABP_CUDA_TRY(expr, what)                           \
  do {                                                     \
    const cudaError_t abp_e_ = (expr);                     \
    if (abp_e_ != cudaSuccess) return FromCuda(abp_e_, what); \
  } while (0)

// Makes `device` current for a scope and restores the caller's device.
class DeviceScope {
 public:
  explicit DeviceScope(int device) {
    if (cudaGetDevice(&previous_) != cudaSuccess) previous_ = -1;
    status_ = cudaSetDevice(device);
  }
  ~DeviceScope() {
    if (previous_ >= 0) cudaSetDevice(previous_);
  }
  cudaError_t status() const { return status_; }

 private:
  int previous_ = -1;
  cudaError_t status_ = cudaSuccess;
};

// Every device allocation of the engine goes through here, so the testing
// cap applies to all of them. A failed cudaMalloc is not sticky: clear it.
cudaError_t DeviceAlloc(void** p, size_t bytes) {
  *p = nullptr;
  if (bytes == 0) bytes = 16;
  const uint64_t limit = g_limit.load();
  if (limit != 0 && g_used.load() + bytes > limit) return cudaErrorMemoryAllocation;
  const cudaError_t e = cudaMalloc(p, bytes);
  if (e != cudaSuccess) {
    cudaGetLastError();
    *p = nullptr;
    return e;
  }
  g_used += bytes;
  return cudaSuccess;
}

void DeviceFree(void* p, size_t bytes) {
  if (p == nullptr) return;
  if (bytes == 0) bytes = 16;
  cudaFree(p);
  g_used -= bytes;
}

// An owned device allocation on the current device.
struct DeviceBuffer {
  void* ptr = nullptr;
  size_t bytes = 0;
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { Reset(); }
  cudaError_t Alloc(size_t n) {
    Reset();
    const cudaError_t e = DeviceAlloc(&ptr, n);
    if (e == cudaSuccess) bytes = n;
    return e;
  }
  void Reset() {
    DeviceFree(ptr, bytes);
    ptr = nullptr;
    bytes = 0;
  }
  template <typename T> T* as() const { return static_cast<T*>(ptr); }
};

struct PinnedBuffer {
  void* ptr = nullptr;
  size_t bytes = 0;
  PinnedBuffer() = default;
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  ~PinnedBuffer() { Reset(); }
  cudaError_t Alloc(size_t n) {
    Reset();
    const cudaError_t e = cudaHostAlloc(&ptr, n == 0 ? 16 : n, cudaHostAllocDefault);
    if (e != cudaSuccess) {
      cudaGetLastError();
      ptr = nullptr;
      return e;
    }
    bytes = n;
    return e;
  }
  void Reset() {
    if (ptr != nullptr) cudaFreeHost(ptr);
    ptr = nullptr;
    bytes = 0;
  }
  template <typename T> T* as() const { return static_cast<T*>(ptr); }
};

// Host-to-pinned staging copies are the host path's other bandwidth limit
// next to PCIe: split large ones over a few threads.
void StageCopy(void* dst, const void* src, size_t bytes) {
  constexpr size_t kParallelFrom = 4u << 20;
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const unsigned n = static_cast<unsigned>(std::min<size_t>({8, hw, bytes / (2u << 20) + 1}));
  if (bytes < kParallelFrom || n < 2) {
    std::memcpy(dst, src, bytes);
    return;
  }
  const size_t part = (bytes / n + 63) & ~size_t(63);
  std::vector<std::thread> workers;
  workers.reserve(n - 1);
  for (unsigned i = 1; i < n; ++i) {
    const size_t begin = std::min(bytes, part * i);
    const size_t len = std::min(bytes - begin, part);
    if (len == 0) break;
    try {
      workers.emplace_back([=] {
        std::memcpy(static_cast<char*>(dst) + begin, static_cast<const char*>(src) + begin, len);
      });
    } catch (...) {  // no thread: copy it here
      std::memcpy(static_cast<char*>(dst) + begin, static_cast<const char*>(src) + begin, len);
    }
  }
  std::memcpy(dst, src, std::min(bytes, part));
  for (auto& w : workers) w.join();
}

Status Unavailable(const std::string& why) { return Status(Code::kCudaUnavailable, why); }

// Devices this build has machine code or PTX for (see cuda.cmake).
constexpr int kMinMajor = 7;
constexpr int kMinMinor = 5;

using KernelFn = void (*)(KernelArgs);

KernelFn PickKernel(bool stage_nodes, bool stage_rows, bool one_group) {
  if (stage_nodes) {
    if (stage_rows) return one_group ? ForestKernel<true, true, true> : ForestKernel<true, true, false>;
    return one_group ? ForestKernel<true, false, true> : ForestKernel<true, false, false>;
  }
  if (stage_rows) return one_group ? ForestKernel<false, true, true> : ForestKernel<false, true, false>;
  return one_group ? ForestKernel<false, false, true> : ForestKernel<false, false, false>;
}

// ABP_CUDA_DIRECT_BELOW when unset: one-chunk host batches up to 2 MB skip the pinned staging.
constexpr int kDirectBelowDefault = 2000000;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::atoi(v);
}

// Host-side laps for CallProfile; does nothing (no clock read) when off.
class Stopwatch {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Stopwatch(bool on) : on_(on) {
    if (on_) start_ = last_ = Clock::now();
  }
  // Microseconds since the previous lap (or the start).
  double Lap() {
    if (!on_) return 0;
    const Clock::time_point t = Clock::now();
    const double us = std::chrono::duration<double, std::micro>(t - last_).count();
    last_ = t;
    return us;
  }
  double Total() const {
    return on_ ? std::chrono::duration<double, std::micro>(Clock::now() - start_).count() : 0;
  }

 private:
  bool on_;
  Clock::time_point start_, last_;
};

}  // namespace

// ---------------------------------------------------------------------------
// Discovery

Status QueryRuntime(RuntimeInfo* info) {
  *info = RuntimeInfo{};
  info->built = true;
  cudaRuntimeGetVersion(&info->runtime_version);
  int driver = 0;
  cudaDriverGetVersion(&driver);  // 0, with success, when libcuda cannot be loaded
  info->driver_version = driver;
  if (driver == 0) {
    return Unavailable("no NVIDIA driver: libcuda.so.1 could not be loaded");
  }
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();
    if (e == cudaErrorNoDevice) return Unavailable("no CUDA device found (driver " + std::to_string(driver) + ")");
    if (e == cudaErrorInsufficientDriver) {
      return Unavailable("the NVIDIA driver (CUDA " + std::to_string(driver) +
                         ") is older than the CUDA runtime this addon was built with (" +
                         std::to_string(info->runtime_version) + ")");
    }
    return Unavailable(std::string("CUDA runtime error: ") + cudaGetErrorName(e) + " (" +
                       cudaGetErrorString(e) + ")");
  }
  std::string unusable;
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p{};
    DeviceInfo d;
    d.index = i;
    const cudaError_t pe = cudaGetDeviceProperties(&p, i);
    if (pe != cudaSuccess) {
      cudaGetLastError();
      d.reason = std::string("cannot read device properties: ") + cudaGetErrorString(pe);
    } else {
      d.name = p.name;
      d.major = p.major;
      d.minor = p.minor;
      d.total_memory = p.totalGlobalMem;
      d.multiprocessors = p.multiProcessorCount;
      char bus[32] = {0};
      if (cudaDeviceGetPCIBusId(bus, sizeof bus, i) == cudaSuccess) d.pci_bus_id = bus;
      if (p.major > kMinMajor || (p.major == kMinMajor && p.minor >= kMinMinor)) {
        d.usable = true;
      } else {
        d.reason = "compute capability " + std::to_string(p.major) + "." + std::to_string(p.minor) +
                   " is older than this build supports (7.5)";
      }
    }
    if (!d.usable) unusable += (unusable.empty() ? "" : "; ") + ("gpu:" + std::to_string(i) + ": " + d.reason);
    info->devices.push_back(std::move(d));
  }
  for (const DeviceInfo& d : info->devices) {
    if (d.usable) return Status::Ok();
  }
  return Unavailable("no usable CUDA device: " + unusable);
}

namespace {
// Devices do not come or go within a process: ask the runtime once.
Status CheckDevice(int device) {
  static std::once_flag once;
  static RuntimeInfo info;
  static Status query;
  std::call_once(once, [] { query = QueryRuntime(&info); });
  if (device < 0 || device >= static_cast<int>(info.devices.size())) {
    if (!query.ok()) return query;
    return Status(Code::kCudaUnavailable, "gpu:" + std::to_string(device) + " does not exist (" +
                                              std::to_string(info.devices.size()) + " device(s))");
  }
  const DeviceInfo& d = info.devices[static_cast<size_t>(device)];
  if (!d.usable) return Status(Code::kCudaUnavailable, "gpu:" + std::to_string(device) + ": " + d.reason);
  return Status::Ok();
}
}  // namespace

void SetMemoryLimitForTesting(uint64_t bytes) { g_limit = bytes; }
void InjectFaultForTesting(int kind) { g_fault = kind; }

Status AllocPinned(size_t bytes, void** out) {
  *out = nullptr;
  const cudaError_t e = cudaHostAlloc(out, bytes == 0 ? 16 : bytes, cudaHostAllocPortable);
  if (e != cudaSuccess) {
    cudaGetLastError();
    *out = nullptr;
    if (e == cudaErrorMemoryAllocation) return Status(Code::kOutOfMemory, "cannot page-lock " + Mb(bytes) + " of host memory");
    return FromCuda(e, "allocating page-locked host memory");
  }
  return Status::Ok();
}

void FreePinned(void* p) {
  if (p != nullptr) cudaFreeHost(p);
}

// ---------------------------------------------------------------------------
// DeviceMatrix

namespace {
Status CheckShape(int64_t rows, int64_t cols) {
  if (rows < 0 || cols < 0) return Status(Code::kBadArgument, "negative matrix shape");
  if (cols > 0 && rows > (int64_t(1) << 60) / 4 / cols) return Status(Code::kBadArgument, "matrix too large");
  return Status::Ok();
}
}  // namespace

Status DeviceMatrix::Allocate(int64_t rows, int64_t cols, int device, std::unique_ptr<DeviceMatrix>* out) {
  Status st = CheckShape(rows, cols);
  if (!st.ok()) return st;
  st = CheckDevice(device);
  if (!st.ok()) return st;
  DeviceScope scope(device);
  ABP_CUDA_TRY(scope.status(), "selecting gpu:" + std::to_string(device));
  const size_t bytes = static_cast<size_t>(rows * cols) * sizeof(float);
  void* p = nullptr;
  const cudaError_t e = DeviceAlloc(&p, bytes);
  if (e != cudaSuccess) {
    return FromCuda(e, "allocating a " + std::to_string(rows) + " x " + std::to_string(cols) +
                           " matrix (" + Mb(bytes) + ") on gpu:" + std::to_string(device));
  }
  out->reset(new (std::nothrow) DeviceMatrix(static_cast<float*>(p), rows, cols, device));
  if (!*out) {
    DeviceFree(p, bytes);
    return Status(Code::kOutOfMemory, "host allocation failed");
  }
  return Status::Ok();
}

Status DeviceMatrix::Upload(const float* host, int64_t rows, int64_t cols, int device,
                            std::unique_ptr<DeviceMatrix>* out) {
  std::unique_ptr<DeviceMatrix> m;
  Status st = Allocate(rows, cols, device, &m);
  if (!st.ok()) return st;
  DeviceScope scope(device);
  const size_t bytes = static_cast<size_t>(rows * cols) * sizeof(float);
  if (bytes > 0) ABP_CUDA_TRY(cudaMemcpy(m->data_, host, bytes, cudaMemcpyHostToDevice), "uploading a matrix");
  *out = std::move(m);
  return Status::Ok();
}

DeviceMatrix::~DeviceMatrix() {
  if (data_ == nullptr) return;
  DeviceScope scope(device_);
  DeviceFree(data_, static_cast<size_t>(rows_ * cols_) * sizeof(float));
}

Status DeviceMatrix::Read(float* host) const {
  DeviceScope scope(device_);
  ABP_CUDA_TRY(scope.status(), "selecting gpu:" + std::to_string(device_));
  const size_t bytes = static_cast<size_t>(rows_ * cols_) * sizeof(float);
  if (bytes > 0) ABP_CUDA_TRY(cudaMemcpy(host, data_, bytes, cudaMemcpyDeviceToHost), "reading a device matrix");
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// CudaForest

namespace {
constexpr int kSlots = 3;                 // chunks in flight on the host path
constexpr int64_t kMinChunkRows = 1024;   // below this, OOM is reported, not split further
constexpr size_t kChunkInputBytes = 32u << 20;
constexpr size_t kReuseOutMax = 32u << 20;  // PredictDevice's kept output buffer (ABP_CUDA_REUSE_OUT)

// Lets `kernel` launch with `bytes` of dynamic shared memory on the current
// device (`device`). cudaFuncAttributeMaxDynamicSharedMemorySize belongs to
// the kernel on that device, not to a model: every forest loaded in the
// process shares it. Forests of different layouts need different amounts, so
// it is only ever raised. (Set to each model's own need, a model loaded later
// with less lowered it under an earlier one, whose launches then failed with
// cudaErrorInvalidValue: ABP_CUDA_TILE_KB=4 beside default-layout models.)
Status AllowSharedMemory(const void* kernel, int device, size_t bytes, const char* what) {
  if (bytes <= layout::kDefaultDynamicSmem) return Status::Ok();
  static std::mutex mu;
  static std::map<std::pair<int, const void*>, size_t> allowed;
  std::lock_guard<std::mutex> lock(mu);
  size_t& now = allowed[{device, kernel}];
  if (now >= bytes) return Status::Ok();
  ABP_CUDA_TRY(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)),
               std::string("configuring ") + what + "'s shared memory (" + std::to_string(bytes) + " bytes)");
  now = bytes;
  return Status::Ok();
}

// Instantiated CUDA graphs of single-chunk host-path calls (ABP_CUDA_GRAPH=1),
// one per (rows, margin, buffers): a repeated batch size replays its graph
// (one launch instead of a copy, one or two kernels and a copy).
struct GraphKey {
  const void* src = nullptr;  // pinned source (staging or the caller's)
  void* dst = nullptr;        // pinned destination
  const void* d_in = nullptr;
  const void* d_out = nullptr;
  const void* leaves = nullptr;
  int64_t rows = 0;
  bool margin = false;
  bool operator==(const GraphKey& o) const {
    return src == o.src && dst == o.dst && d_in == o.d_in && d_out == o.d_out && leaves == o.leaves &&
           rows == o.rows && margin == o.margin;
  }
};

class GraphCache {
 public:
  static constexpr size_t kMax = 16;
  GraphCache() = default;
  GraphCache(const GraphCache&) = delete;
  GraphCache& operator=(const GraphCache&) = delete;
  ~GraphCache() { Clear(); }
  cudaGraphExec_t Find(const GraphKey& k) {
    for (Entry& e : entries_) {
      if (e.key == k) {
        e.used = ++tick_;
        return e.exec;
      }
    }
    return nullptr;
  }
  // Takes ownership of `exec`; the least recently used graph makes room.
  void Add(const GraphKey& k, cudaGraphExec_t exec) {
    if (entries_.size() >= kMax) {
      auto lru = std::min_element(entries_.begin(), entries_.end(),
                                  [](const Entry& a, const Entry& b) { return a.used < b.used; });
      cudaGraphExecDestroy(lru->exec);
      entries_.erase(lru);
    }
    try {
      entries_.push_back(Entry{k, exec, ++tick_});
    } catch (...) {
      cudaGraphExecDestroy(exec);
    }
  }
  void Clear() {
    for (Entry& e : entries_) cudaGraphExecDestroy(e.exec);
    entries_.clear();
  }

 private:
  struct Entry {
    GraphKey key;
    cudaGraphExec_t exec;
    uint64_t used;
  };
  std::vector<Entry> entries_;
  uint64_t tick_ = 0;
};

// CUDA events of a profiled forest: before the input copy, after it, after
// the (first) kernel, after the kernels, after the output copy.
struct ProfileEvents {
  cudaEvent_t ev[5] = {};
  ProfileEvents() = default;
  ProfileEvents(const ProfileEvents&) = delete;
  ProfileEvents& operator=(const ProfileEvents&) = delete;
  ~ProfileEvents() {
    for (cudaEvent_t e : ev) {
      if (e != nullptr) cudaEventDestroy(e);
    }
  }
  cudaError_t Create() {
    for (cudaEvent_t& e : ev) {
      const cudaError_t r = cudaEventCreate(&e);
      if (r != cudaSuccess) {
        e = nullptr;
        return r;
      }
    }
    return cudaSuccess;
  }
  // Microseconds between recorded events i and j; -1 when either was not recorded.
  float Between(int i, int j, const bool* recorded) const {
    if (!recorded[i] || !recorded[j]) return -1;
    float ms = 0;
    if (cudaEventElapsedTime(&ms, ev[i], ev[j]) != cudaSuccess) {
      cudaGetLastError();
      return -1;
    }
    return ms * 1000.0f;
  }
};

struct Slot {
  cudaStream_t stream = nullptr;
  PinnedBuffer h_in, h_out;
  DeviceBuffer d_in, d_out;
  int64_t row0 = 0;
  int64_t nrows = 0;  // rows in flight, 0 when idle
  DeviceBuffer leaves;  // split-trees scratch of the launches on this stream
};
}  // namespace

struct CudaForest::Impl {
  int device = 0;
  int32_t num_feature = 0;
  int32_t num_group = 1;
  int32_t num_trees = 0;
  float base_margin = 0.0f;
  Objective objective = Objective::kRegSquaredError;

  DeviceBuffer nodes, roots, groups, tile_tree, tile_node;
  int32_t num_tiles = 0;
  bool stage_nodes = false;
  bool stage_rows = false;
  int32_t threads = 256;
  int32_t stride = 1;
  int32_t tile_nodes = 0;
  int32_t row_offset = 0;
  int32_t acc_offset = 0;
  int32_t row_buffers = 1;
  int32_t acc_stride = 0;
  size_t smem_bytes = 0;
  int max_blocks = 1;  // persistent grid size
  int sm_count = 1;
  KernelFn kernel = nullptr;
  // Small batches of a tiled forest: tiles split over the grid (null: never).
  void (*split_kernel)(KernelArgs, float*, int32_t) = nullptr;
  layout::Layout geom;  // the plan the fields above come from (its node copies freed after upload)
  std::string layout;

  std::mutex mu;
  Slot slots[kSlots];
  int64_t slot_rows = 0;  // rows each slot's buffers hold

  // Small-batch switches, read once when the model is loaded (README, GPU
  // engine): ABP_CUDA_PROFILE, ABP_CUDA_REUSE_OUT, ABP_CUDA_SUM_LEAVES, ABP_CUDA_GRAPH.
  bool profile = false;
  bool reuse_out = true;    // PredictDevice keeps its host-output device buffer (ABP_CUDA_REUSE_OUT=0: not)
  bool coop_sum = false;    // SumLeavesCoopKernel instead of SumLeavesKernel
  bool use_graph = false;   // single-chunk host calls replay a CUDA graph
  bool spin_wait = false;   // poll the stream instead of cudaStreamSynchronize
  size_t direct_below = 0;  // one-chunk inputs/outputs up to this many bytes skip the pinned staging
  int32_t split_per_sm = 2; // split-trees blocks per SM aimed at
  DeviceBuffer dev_out;     // reuse_out's buffer, up to kReuseOutMax; used only under `mu`
  ProfileEvents events;     // profile
  GraphCache graphs;        // use_graph
  // Bumped whenever a slot buffer or split-trees scratch is (re)allocated: the
  // cached graphs hold raw pointers, so they are dropped when it changes.
  mutable uint64_t buffer_generation = 0;
  uint64_t graphs_generation = 0;

  ~Impl() {
    DeviceScope scope(device);
    for (Slot& s : slots) {
      if (s.stream != nullptr) {
        cudaStreamSynchronize(s.stream);
        cudaStreamDestroy(s.stream);
      }
    }
    graphs.Clear();
  }

  // multi:softmax gives one output (the class) per row unless margins.
  int32_t OutCols(bool margin) const {
    return (!margin && objective == Objective::kMultiSoftmax) ? 1 : num_group;
  }

  KernelArgs Args(const float* in, float* out, int64_t rows, bool margin) const {
    KernelArgs a{};
    a.nodes = nodes.as<FlatNode>();
    a.roots = roots.as<int32_t>();
    a.groups = groups.as<int32_t>();
    a.tile_tree = tile_tree.as<int32_t>();
    a.tile_node = tile_node.as<int32_t>();
    a.in = in;
    a.out = out;
    a.rows = rows;
    a.row_blocks = (rows + threads - 1) / threads;
    a.num_tiles = num_tiles;
    a.num_trees = num_trees;
    a.num_group = num_group;
    a.cols = num_feature;
    a.stride = stride;
    a.fast_div = (num_feature > 1 && int64_t(threads) * num_feature < 65536) ? 1 : 0;
    a.div_magic = num_feature > 1 ? static_cast<uint32_t>(0xFFFFFFFFu / uint32_t(num_feature) + 1u) : 0u;
    a.out_cols = OutCols(margin);
    a.acc_stride = acc_stride;
    a.tile_nodes = tile_nodes;
    a.row_offset = row_offset;
    a.acc_offset = acc_offset;
    a.row_buffers = row_buffers;
    a.base_margin = base_margin;
    a.objective = objective;
    a.margin = margin ? 1 : 0;
    return a;
  }

  // Split-trees scratch bytes for `rows` rows; 0 when the plain kernel runs.
  size_t SplitScratch(int64_t rows, layout::SplitGrid* grid_out = nullptr) const {
    layout::SplitGrid g;
    if (split_kernel == nullptr || !layout::PlanSplit(geom, num_trees, sm_count, split_per_sm, rows, &g)) return 0;
    if (grid_out != nullptr) *grid_out = g;
    return g.scratch_bytes;
  }

  // `leaves`: the stream's split-trees scratch (grown here when a small batch
  // uses it and `may_alloc`); without it, or when it cannot be had, the plain
  // kernel runs. `mid` (may be null) is recorded after the first kernel;
  // `split` says whether the split-trees pair ran.
  Status Launch(const float* in, float* out, int64_t rows, bool margin, cudaStream_t stream,
                DeviceBuffer* leaves, cudaEvent_t mid = nullptr, bool may_alloc = true, bool* split = nullptr) const {
    if (rows == 0) return Status::Ok();
    const KernelArgs a = Args(in, out, rows, margin);
    layout::SplitGrid g;
    const size_t bytes = leaves != nullptr ? SplitScratch(rows, &g) : 0;
    if (bytes > 0 && leaves->bytes < bytes && may_alloc) ++buffer_generation;
    if (bytes > 0 && (leaves->bytes >= bytes || (may_alloc && leaves->Alloc(bytes) == cudaSuccess))) {
      const int block = TakeFault(1) ? 4096 : threads;
      split_kernel<<<dim3(static_cast<unsigned>(g.row_blocks), static_cast<unsigned>(g.splits)), block, smem_bytes,
                     stream>>>(a, leaves->as<float>(), g.tiles_per_split);
      ABP_CUDA_TRY(cudaGetLastError(), "launching the forest kernel (split trees)");
      if (mid != nullptr) cudaEventRecord(mid, stream);
      if (coop_sum) {
        const int64_t blocks = (rows + detail::kSumRows - 1) / detail::kSumRows;
        SumLeavesCoopKernel<<<static_cast<unsigned>(blocks), detail::kSumRows * detail::kSumWarps, 0, stream>>>(
            a, leaves->as<float>());
      } else {
        SumLeavesKernel<<<static_cast<unsigned>(a.row_blocks), threads, 0, stream>>>(a, leaves->as<float>());
      }
      ABP_CUDA_TRY(cudaGetLastError(), "launching the leaf sum");
      if (split != nullptr) *split = true;
      return Status::Ok();
    }
    const int64_t grid = std::min<int64_t>(a.row_blocks, max_blocks);
    const int block = TakeFault(1) ? 4096 : threads;  // 4096 > any device's limit
    kernel<<<static_cast<unsigned>(grid), block, smem_bytes, stream>>>(a);
    ABP_CUDA_TRY(cudaGetLastError(), "launching the forest kernel");
    if (mid != nullptr) cudaEventRecord(mid, stream);
    if (split != nullptr) *split = false;
    return Status::Ok();
  }

  // One chunk of the host path on slot `s`: input copy, kernel(s), output
  // copy, queued on its stream. `ev` (may be null): profile events to record.
  Status Enqueue(Slot& s, const float* src, float* dst, int64_t n, bool margin, const cudaEvent_t* ev,
                 bool may_alloc, bool* split) const {
    const int64_t G = OutCols(margin);
    const cudaMemcpyKind kind = TakeFault(2) ? static_cast<cudaMemcpyKind>(77) : cudaMemcpyHostToDevice;
    cudaError_t e = cudaMemcpyAsync(s.d_in.ptr, src, size_t(n * num_feature) * sizeof(float), kind, s.stream);
    if (e != cudaSuccess) return FromCuda(e, "copying a batch to the device");
    if (ev != nullptr) cudaEventRecord(ev[1], s.stream);
    Status ls = Launch(s.d_in.as<float>(), s.d_out.as<float>(), n, margin, s.stream,
                       &s.leaves, ev != nullptr ? ev[2] : nullptr, may_alloc, split);
    if (!ls.ok()) return ls;
    if (ev != nullptr) cudaEventRecord(ev[3], s.stream);
    e = cudaMemcpyAsync(dst, s.d_out.ptr, size_t(n * G) * sizeof(float), cudaMemcpyDeviceToHost, s.stream);
    if (e != cudaSuccess) return FromCuda(e, "copying results from the device");
    return Status::Ok();
  }

  // Enqueue() as a CUDA graph, captured on first use of this (rows, margin,
  // buffers) and replayed after. The split-trees scratch is sized before the
  // capture (no allocation may happen inside one).
  Status EnqueueGraph(Slot& s, const float* src, float* dst, int64_t n, bool margin, bool* split) {
    const size_t need = SplitScratch(n);
    if (need > 0 && s.leaves.bytes < need) {
      ++buffer_generation;
      s.leaves.Alloc(need);  // on failure the plain kernel is captured
    }
    if (graphs_generation != buffer_generation) {
      graphs.Clear();
      graphs_generation = buffer_generation;
    }
    const GraphKey key{src, dst, s.d_in.ptr, s.d_out.ptr, s.leaves.ptr, n, margin};
    *split = need > 0 && s.leaves.bytes >= need;
    cudaGraphExec_t exec = graphs.Find(key);
    if (exec == nullptr) {
      ABP_CUDA_TRY(cudaStreamBeginCapture(s.stream, cudaStreamCaptureModeThreadLocal), "capturing a CUDA graph");
      const Status st = Enqueue(s, src, dst, n, margin, nullptr, false, split);
      cudaGraph_t graph = nullptr;
      const cudaError_t ce = cudaStreamEndCapture(s.stream, &graph);
      if (!st.ok() || ce != cudaSuccess) {
        if (graph != nullptr) cudaGraphDestroy(graph);
        cudaGetLastError();
        return st.ok() ? FromCuda(ce, "capturing a CUDA graph") : st;
      }
      const cudaError_t ie = cudaGraphInstantiate(&exec, graph, 0ULL);
      cudaGraphDestroy(graph);
      if (ie != cudaSuccess) {
        cudaGetLastError();
        return FromCuda(ie, "instantiating a CUDA graph");
      }
      graphs.Add(key, exec);
    }
    ABP_CUDA_TRY(cudaGraphLaunch(exec, s.stream), "launching a CUDA graph");
    return Status::Ok();
  }

  // Waits for `stream`. ABP_CUDA_SPIN_WAIT polls it: the thread never sleeps,
  // whatever scheduling the context was created with (blocking sync wakes a
  // sleeping thread, tens of microseconds on some systems).
  cudaError_t Wait(cudaStream_t stream) const {
    if (!spin_wait) return cudaStreamSynchronize(stream);
    cudaError_t e;
    while ((e = cudaStreamQuery(stream)) == cudaErrorNotReady) {
    }
    // A not-ready answer must not linger as the thread's last error.
    if (cudaPeekAtLastError() == cudaErrorNotReady) cudaGetLastError();
    return e;
  }

  // The GPU side of a profiled call from its events (all work has finished).
  void FillGpuTimes(const bool* recorded, CallProfile* prof, const Stopwatch& sw) const {
    prof->h2d_us = events.Between(0, 1, recorded);
    prof->kernel_us = events.Between(1, 2, recorded);
    prof->sum_us = events.Between(2, 3, recorded);
    prof->d2h_us = events.Between(3, 4, recorded);
    prof->gpu_us = events.Between(0, 4, recorded);
    prof->total_us = sw.Total();
  }

  // (Re)allocates every slot for `rows` rows; on failure nothing is kept.
  cudaError_t SizeSlots(int64_t rows) {
    if (slot_rows == rows) return cudaSuccess;
    ++buffer_generation;
    for (Slot& s : slots) {
      s.h_in.Reset(); s.h_out.Reset(); s.d_in.Reset(); s.d_out.Reset();
    }
    slot_rows = 0;
    const size_t in_bytes = size_t(rows) * size_t(num_feature) * sizeof(float);
    const size_t out_bytes = size_t(rows) * size_t(num_group) * sizeof(float);
    for (Slot& s : slots) {
      cudaError_t e;
      if ((e = s.d_in.Alloc(in_bytes)) != cudaSuccess || (e = s.d_out.Alloc(out_bytes)) != cudaSuccess ||
          (e = s.h_in.Alloc(in_bytes)) != cudaSuccess || (e = s.h_out.Alloc(out_bytes)) != cudaSuccess) {
        for (Slot& t : slots) {
          t.h_in.Reset(); t.h_out.Reset(); t.d_in.Reset(); t.d_out.Reset();
        }
        return e;
      }
    }
    slot_rows = rows;
    return cudaSuccess;
  }
};

CudaForest::CudaForest(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaForest::~CudaForest() = default;
int CudaForest::device() const { return impl_->device; }
int32_t CudaForest::num_feature() const { return impl_->num_feature; }
int32_t CudaForest::num_group() const { return impl_->num_group; }
int32_t CudaForest::num_output(bool margin) const { return impl_->OutCols(margin); }
std::string CudaForest::layout() const { return impl_->layout; }
bool CudaForest::profiling() const { return impl_->profile; }

Status CudaForest::Create(const FlatForest& flat, int device, std::unique_ptr<CudaForest>* out) {
  Status st = CheckDevice(device);
  if (!st.ok()) return st;
  DeviceScope scope(device);
  ABP_CUDA_TRY(scope.status(), "selecting gpu:" + std::to_string(device));
  cudaDeviceProp prop{};
  ABP_CUDA_TRY(cudaGetDeviceProperties(&prop, device), "reading device properties");

  std::unique_ptr<Impl> impl(new (std::nothrow) Impl());
  if (!impl) return Status(Code::kOutOfMemory, "host allocation failed");
  Impl& m = *impl;
  m.device = device;
  m.num_feature = flat.num_feature;
  m.num_group = std::max<int32_t>(1, flat.num_group);
  m.num_trees = static_cast<int32_t>(flat.tree_root.size());
  m.base_margin = flat.base_margin;
  m.objective = flat.objective;
  const bool one_group = m.num_group == 1;

  // Threads, tiles and shared memory: layout.h (checked there without a GPU).
  layout::Params params;
  params.smem_optin = prop.sharedMemPerBlockOptin;
  params.sm_count = prop.multiProcessorCount;
  if (!(st = layout::ReadParams([](const char* name) { return std::getenv(name); }, &params)).ok()) return st;
  if (!(st = layout::Plan(flat, params, &m.geom)).ok()) return st;
  const layout::Layout& g = m.geom;
  m.threads = g.threads;
  m.stride = g.stride;
  m.acc_stride = g.acc_stride;
  m.stage_rows = g.stage_rows;
  m.row_buffers = g.row_buffers;
  m.stage_nodes = g.stage_nodes;
  m.num_tiles = g.num_tiles;
  m.tile_nodes = g.tile_nodes;
  m.row_offset = g.row_offset;
  m.acc_offset = g.acc_offset;
  m.smem_bytes = g.smem_bytes;
  m.split_per_sm = params.split_per_sm;
  m.kernel = PickKernel(m.stage_nodes, m.stage_rows, one_group);
  if (!(st = AllowSharedMemory(reinterpret_cast<const void*>(m.kernel), device, m.smem_bytes, "the forest kernel")).ok()) {
    return st;
  }
  int per_sm = 0;
  ABP_CUDA_TRY(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, m.kernel, m.threads, m.smem_bytes),
               "sizing the forest kernel's grid");
  if (per_sm < 1) return Status(Code::kCudaError, "the forest kernel cannot run with this layout");
  m.max_blocks = per_sm * prop.multiProcessorCount;
  m.sm_count = prop.multiProcessorCount;
  // Split-trees launches for small batches: tiled forests of one output group.
  if (g.split_trees) {
    m.split_kernel = m.stage_rows ? SplitTreesKernel<true> : SplitTreesKernel<false>;
    if (!(st = AllowSharedMemory(reinterpret_cast<const void*>(m.split_kernel), device, m.smem_bytes,
                                 "the split-trees kernel")).ok()) {
      return st;
    }
  }

  const auto upload = [&](DeviceBuffer& buf, const void* src, size_t bytes, const char* what) -> Status {
    ABP_CUDA_TRY(buf.Alloc(bytes), std::string("uploading the model's ") + what + " to gpu:" + std::to_string(device));
    if (bytes > 0) ABP_CUDA_TRY(cudaMemcpy(buf.ptr, src, bytes, cudaMemcpyHostToDevice),
                                std::string("uploading the model's ") + what);
    return Status::Ok();
  };
  if (!(st = upload(m.nodes, g.nodes.data(), g.nodes.size() * sizeof(FlatNode), "nodes")).ok()) return st;
  if (!(st = upload(m.roots, g.roots.data(), g.roots.size() * 4, "tree roots")).ok()) return st;
  if (!(st = upload(m.groups, flat.tree_group.data(), flat.tree_group.size() * 4, "tree groups")).ok()) return st;
  if (!(st = upload(m.tile_tree, g.tile_tree.data(), g.tile_tree.size() * 4, "tiles")).ok()) return st;
  if (!(st = upload(m.tile_node, g.tile_node.data(), g.tile_node.size() * 4, "tiles")).ok()) return st;
  std::vector<FlatNode>().swap(m.geom.nodes);  // on the device now
  std::vector<int32_t>().swap(m.geom.roots);

  for (Slot& s : m.slots) {
    ABP_CUDA_TRY(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking), "creating a stream");
  }
  m.profile = EnvInt("ABP_CUDA_PROFILE", 0) != 0;
  m.reuse_out = EnvInt("ABP_CUDA_REUSE_OUT", 1) != 0;
  const char* sum = std::getenv("ABP_CUDA_SUM_LEAVES");
  m.coop_sum = sum != nullptr && std::strcmp(sum, "coop") == 0;
  m.use_graph = EnvInt("ABP_CUDA_GRAPH", 0) != 0;
  m.spin_wait = EnvInt("ABP_CUDA_SPIN_WAIT", 0) != 0;
  // Default on: measured on the H200 (README, "Small batches") faster than the pinned staging in every
  // host-array cell from 1k to 10k rows; ABP_CUDA_DIRECT_BELOW=0 turns it off.
  m.direct_below = size_t(std::max(0, EnvInt("ABP_CUDA_DIRECT_BELOW", kDirectBelowDefault)));
  unsigned int flags = 0;
  if (cudaGetDeviceFlags(&flags) != cudaSuccess) cudaGetLastError();
  const unsigned int sched = flags & cudaDeviceScheduleMask;
  const char* sched_name = sched == cudaDeviceScheduleSpin ? "spin" : sched == cudaDeviceScheduleYield ? "yield"
                           : sched == cudaDeviceScheduleBlockingSync ? "blocking" : "auto";
  if (m.profile) ABP_CUDA_TRY(m.events.Create(), "creating profiling events");

  m.layout = std::string(m.stage_nodes ? (m.num_tiles == 1 ? "resident-tile" : "tiled") : "global-nodes") +
             " tiles=" + std::to_string(m.num_tiles) + " tile_bytes=" + std::to_string(m.tile_nodes * 16) +
             (m.stage_rows ? (m.row_buffers == 2 ? " staged-rows x2" : " staged-rows") : " global-rows") + " threads=" + std::to_string(m.threads) +
             " stride=" + std::to_string(m.stride) + " smem=" + std::to_string(m.smem_bytes) +
             " blocks/sm=" + std::to_string(per_sm) + (m.split_kernel ? " split-trees-to=" + std::to_string(layout::SplitTreesUpTo(g, m.sm_count)) : "") +
             (m.coop_sum ? " sum=coop" : "") + (m.reuse_out ? "" : " no-reuse-out") + (m.use_graph ? " graph" : "") +
             (m.spin_wait ? " spin-wait" : "") +
             (m.direct_below == 0 ? " no-direct" : m.direct_below != size_t(kDirectBelowDefault) ? " direct-below=" + std::to_string(m.direct_below) : "") +
             (m.split_per_sm != 2 ? " split-per-sm=" + std::to_string(m.split_per_sm) : "") + (m.profile ? " profile" : "") + " sched=" + sched_name;
  out->reset(new (std::nothrow) CudaForest(std::move(impl)));
  if (!*out) return Status(Code::kOutOfMemory, "host allocation failed");
  return Status::Ok();
}

Status CudaForest::PredictHost(const float* in, int64_t rows, bool margin, float* out, CallProfile* profile) {
  Impl& m = *impl_;
  if (rows < 0) return Status(Code::kBadArgument, "negative row count");
  if (rows == 0) return Status::Ok();
  CallProfile* const prof = m.profile ? profile : nullptr;
  Stopwatch sw(prof != nullptr);
  bool recorded[5] = {false, false, false, false, false};
  std::lock_guard<std::mutex> lock(m.mu);
  DeviceScope scope(m.device);
  ABP_CUDA_TRY(scope.status(), "selecting gpu:" + std::to_string(m.device));
  const int64_t F = m.num_feature, G = m.OutCols(margin);

  // Chunk size: ~32 MiB of input, halved while the device is short of memory.
  int64_t chunk = std::max<int64_t>(kMinChunkRows, int64_t(kChunkInputBytes / sizeof(float) / std::max<int64_t>(1, F)));
  chunk = std::min(chunk, std::max(rows, kMinChunkRows));
  // Staging buffers at least as big as needed are kept (reallocating pinned
  // memory costs milliseconds); a small batch reuses big buffers.
  if (m.slot_rows >= chunk) chunk = m.slot_rows;
  for (;;) {
    const cudaError_t e = m.SizeSlots(chunk);
    if (e == cudaSuccess) break;
    if (e != cudaErrorMemoryAllocation) return FromCuda(e, "allocating staging buffers");
    if (chunk <= kMinChunkRows) {
      return Status(Code::kCudaOutOfMemory,
                    "out of device memory on gpu:" + std::to_string(m.device) + ": even " +
                        std::to_string(kMinChunkRows) + "-row batches (" +
                        Mb(size_t(kMinChunkRows) * (F + G) * 4 * kSlots) + " with staging) do not fit");
    }
    chunk = std::max(kMinChunkRows, chunk / 2);
  }
  chunk = m.slot_rows;

  // Page-locked caller memory (AllocPinned) is copied from and to directly.
  const auto pinned = [](const void* p) {
    cudaPointerAttributes at{};
    if (cudaPointerGetAttributes(&at, p) != cudaSuccess) {
      cudaGetLastError();
      return false;
    }
    return at.type == cudaMemoryTypeHost;
  };
  const bool in_pinned = pinned(in), out_pinned = pinned(out);
  // ABP_CUDA_DIRECT_BELOW: a one-chunk batch this small is copied straight
  // from and to the caller's pageable memory (the driver stages it) instead
  // of through our pinned buffers; the copy back then returns when done.
  const bool one_chunk = rows <= chunk;
  const bool direct_in = !in_pinned && one_chunk && size_t(rows * F) * sizeof(float) <= m.direct_below;
  const bool direct_out = !out_pinned && one_chunk && size_t(rows * G) * sizeof(float) <= m.direct_below;
  const bool out_in_place = out_pinned || direct_out;  // results land in `out` without a staging copy
  if (prof != nullptr) prof->setup_us += sw.Lap();

  Status failure;
  int64_t next = 0;
  // Slot k % kSlots takes chunk k; before reuse, its previous chunk is
  // finished and copied out, so kSlots - 1 chunks stay in flight meanwhile.
  for (int64_t k = 0;; ++k) {
    Slot& s = m.slots[k % kSlots];
    if (s.nrows > 0) {
      const cudaError_t e = m.Wait(s.stream);
      if (prof != nullptr) prof->wait_us += sw.Lap();
      if (e != cudaSuccess && failure.ok()) failure = FromCuda(e, "running a batch");
      if (failure.ok() && !out_in_place) {
        StageCopy(out + s.row0 * G, s.h_out.ptr, size_t(s.nrows * G) * sizeof(float));
      }
      if (prof != nullptr) prof->stage_out_us += sw.Lap();
      s.nrows = 0;
    }
    if (next >= rows || !failure.ok()) {
      bool busy = false;
      for (const Slot& t : m.slots) busy = busy || t.nrows > 0;
      if (!busy) break;
      continue;
    }
    const int64_t n = std::min(chunk, rows - next);
    const float* src = in + next * F;
    if (!in_pinned && !direct_in) {
      StageCopy(s.h_in.ptr, src, size_t(n * F) * sizeof(float));
      src = s.h_in.as<float>();
    }
    if (prof != nullptr) prof->stage_in_us += sw.Lap();
    float* const dst = out_in_place ? out + next * G : s.h_out.as<float>();
    const bool timed = prof != nullptr && k == 0;  // events around the first chunk only
    if (timed && cudaEventRecord(m.events.ev[0], s.stream) == cudaSuccess) recorded[0] = true;
    bool split = false;
    Status ls;
    if (m.use_graph && k == 0 && n == rows && !direct_in && !direct_out) {  // pageable copies cannot be captured
      ls = m.EnqueueGraph(s, src, dst, n, margin, &split);
      if (prof != nullptr) prof->graph = true;
    } else {
      ls = m.Enqueue(s, src, dst, n, margin, timed ? m.events.ev : nullptr, true, &split);
      if (timed) recorded[1] = recorded[2] = recorded[3] = ls.ok();
    }
    if (timed && ls.ok() && cudaEventRecord(m.events.ev[4], s.stream) == cudaSuccess) recorded[4] = true;
    if (prof != nullptr) {
      prof->enqueue_us += sw.Lap();
      prof->split = prof->split || split;
      ++prof->chunks;
    }
    if (!ls.ok()) {
      failure = ls;
      continue;
    }
    s.row0 = next;
    s.nrows = n;
    next += n;
  }
  if (!failure.ok()) {
    // Work enqueued before the failure still reads the staging buffers.
    for (Slot& t : m.slots) cudaStreamSynchronize(t.stream);
    cudaGetLastError();
  }
  if (prof != nullptr) m.FillGpuTimes(recorded, prof, sw);
  return failure;
}

Status CudaForest::PredictDevice(const DeviceMatrix& in, bool margin, DeviceMatrix* into,
                                 std::unique_ptr<DeviceMatrix>* out_device, float* out_host, CallProfile* profile) {
  Impl& m = *impl_;
  CallProfile* const prof = m.profile ? profile : nullptr;
  Stopwatch sw(prof != nullptr);
  bool recorded[5] = {false, false, false, false, false};
  // Events 0 (start) and 1 (after the input copy) coincide: no input copy here.
  const auto mark = [&](int i) {
    if (prof != nullptr && cudaEventRecord(m.events.ev[i], m.slots[0].stream) == cudaSuccess) recorded[i] = true;
  };
  if (in.device() != m.device) {
    return Status(Code::kBadArgument, "the matrix is on gpu:" + std::to_string(in.device()) +
                                          " but the model is on gpu:" + std::to_string(m.device));
  }
  if (in.cols() != m.num_feature) {
    return Status(Code::kInputShape, "the matrix has " + std::to_string(in.cols()) +
                                         " columns but the model takes " + std::to_string(m.num_feature) +
                                         " features");
  }
  const int64_t rows = in.rows(), G = m.OutCols(margin);
  std::lock_guard<std::mutex> lock(m.mu);
  DeviceScope scope(m.device);
  ABP_CUDA_TRY(scope.status(), "selecting gpu:" + std::to_string(m.device));
  cudaStream_t stream = m.slots[0].stream;

  if (into != nullptr || out_device != nullptr) {
    std::unique_ptr<DeviceMatrix> fresh;
    DeviceMatrix* dst = into;
    if (dst == nullptr) {
      Status st = DeviceMatrix::Allocate(rows, G, m.device, &fresh);
      if (!st.ok()) return st;
      dst = fresh.get();
    } else if (dst->device() != m.device || dst->rows() != rows || dst->cols() != G) {
      return Status(Code::kInputShape, "the output matrix must be " + std::to_string(rows) + " x " +
                                           std::to_string(G) + " on gpu:" + std::to_string(m.device));
    }
    if (prof != nullptr) prof->setup_us += sw.Lap();
    mark(1);
    bool split = false;
    Status st = m.Launch(in.data(), dst->data(), rows, margin, stream, &m.slots[0].leaves,
                         prof != nullptr ? m.events.ev[2] : nullptr, true, &split);
    if (!st.ok()) return st;
    mark(3);
    if (prof != nullptr) prof->enqueue_us += sw.Lap();
    ABP_CUDA_TRY(m.Wait(stream), "running the forest kernel");
    if (prof != nullptr) {
      prof->wait_us += sw.Lap();
      prof->split = split;
      prof->chunks = 1;
      recorded[2] = rows > 0;
      m.FillGpuTimes(recorded, prof, sw);
      prof->gpu_us = m.events.Between(1, 3, recorded);
    }
    if (fresh) *out_device = std::move(fresh);
    return Status::Ok();
  }

  // Host output: results go through a device buffer in chunks, halved while
  // the device is short of memory.
  int64_t chunk = std::max<int64_t>(rows, 1);
  DeviceBuffer d_out;
  DeviceBuffer* buf = &d_out;
  // The buffer is kept for the next call (ABP_CUDA_REUSE_OUT, on unless =0)
  // when the output fits kReuseOutMax; larger outputs get one per call. One
  // buffer per forest is safe: calls hold m.mu until their stream is drained
  // (Wait below), and every use of it is on slots[0].stream, in order.
  const size_t want = size_t(chunk * G) * sizeof(float);
  if (m.reuse_out && want <= kReuseOutMax &&
      (m.dev_out.bytes >= want || m.dev_out.Alloc(want) == cudaSuccess)) {
    buf = &m.dev_out;
  }
  for (; buf == &d_out;) {
    const cudaError_t e = d_out.Alloc(size_t(chunk * G) * sizeof(float));
    if (e == cudaSuccess) break;
    if (e != cudaErrorMemoryAllocation) return FromCuda(e, "allocating the output buffer");
    if (m.dev_out.ptr != nullptr) {  // short of memory: give the kept buffer back first
      m.dev_out.Reset();
      continue;
    }
    if (chunk <= kMinChunkRows) {
      return Status(Code::kCudaOutOfMemory, "out of device memory on gpu:" + std::to_string(m.device) +
                                                " for even a " + std::to_string(chunk) + "-row output buffer");
    }
    chunk = std::max(kMinChunkRows, chunk / 2);
  }
  if (prof != nullptr) prof->setup_us += sw.Lap();
  for (int64_t r = 0; r < rows; r += chunk) {
    const int64_t n = std::min(chunk, rows - r);
    const bool timed = prof != nullptr && r == 0;
    if (timed) mark(1);
    bool split = false;
    Status st = m.Launch(in.data() + r * m.num_feature, buf->as<float>(), n, margin, stream, &m.slots[0].leaves,
                         timed ? m.events.ev[2] : nullptr, true, &split);
    if (!st.ok()) return st;
    if (timed) {
      mark(3);
      recorded[2] = true;
    }
    ABP_CUDA_TRY(cudaMemcpyAsync(out_host + r * G, buf->ptr, size_t(n * G) * sizeof(float),
                                 cudaMemcpyDeviceToHost, stream),
                 "copying results from the device");
    if (timed) mark(4);
    if (prof != nullptr) {
      prof->enqueue_us += sw.Lap();
      prof->split = prof->split || split;
      ++prof->chunks;
    }
    ABP_CUDA_TRY(m.Wait(stream), "running the forest kernel");
    if (prof != nullptr) prof->wait_us += sw.Lap();
  }
  if (prof != nullptr) {
    m.FillGpuTimes(recorded, prof, sw);
    prof->gpu_us = m.events.Between(1, 4, recorded);
  }
  return Status::Ok();
}

}  // namespace abp::cuda
