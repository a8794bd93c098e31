// The CUDA forest engine, seen from code that must compile without CUDA (the
// Node-API binding, tools). No CUDA header is included here: the device side
// lives in cuda_engine.cu, compiled only when CMake finds nvcc, and builds
// without it get the inline stubs of cuda_stub.h, which answer every call with
// ABP_CUDA_UNAVAILABLE ("built without CUDA").
//
// Every call returns a Status; nothing here aborts or throws. A machine with
// no driver or no GPU is an ordinary, reported condition (the CUDA runtime is
// linked statically and only loads libcuda when first asked).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/flat_forest.h"

namespace abp::cuda {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int major = 0;  // compute capability
  int minor = 0;
  uint64_t total_memory = 0;
  int multiprocessors = 0;
  std::string pci_bus_id;
  bool usable = false;  // false when the device is too old for this build
  std::string reason;   // why it is not usable
};

struct RuntimeInfo {
  bool built = false;          // compiled with CUDA
  int runtime_version = 0;     // e.g. 13000
  int driver_version = 0;      // 0: no driver
  std::vector<DeviceInfo> devices;
};

// Fills `info` as far as it can. A non-ok Status (ABP_CUDA_UNAVAILABLE) says
// why no device can be used: built without CUDA, no driver, no device, or the
// runtime's own error string. `info` is still filled with what is known.
Status QueryRuntime(RuntimeInfo* info);

// A float32 row-major matrix in device memory, owned (freed on destruction,
// on its own device). Made by Upload() or as the output of a prediction.
class DeviceMatrix {
 public:
  // Copies rows x cols floats from host memory onto `device`.
  static Status Upload(const float* host, int64_t rows, int64_t cols, int device,
                       std::unique_ptr<DeviceMatrix>* out);
  // An uninitialised rows x cols matrix on `device` (an output to reuse).
  static Status Allocate(int64_t rows, int64_t cols, int device, std::unique_ptr<DeviceMatrix>* out);
  ~DeviceMatrix();
  DeviceMatrix(const DeviceMatrix&) = delete;
  DeviceMatrix& operator=(const DeviceMatrix&) = delete;

  // Copies the whole matrix to `host` (rows x cols floats).
  Status Read(float* host) const;
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  int device() const { return device_; }
  const float* data() const { return data_; }
  float* data() { return data_; }

 private:
  friend class CudaForest;
  DeviceMatrix(float* data, int64_t rows, int64_t cols, int device)
      : data_(data), rows_(rows), cols_(cols), device_(device) {}
  float* data_ = nullptr;
  int64_t rows_ = 0;
  int64_t cols_ = 0;
  int device_ = 0;
};

// Where one predict call's time went inside the engine, filled only for a
// forest loaded with ABP_CUDA_PROFILE=1 (the binding adds the Node-API hops;
// scripts/bench-gpu-latency.ts prints them). Host times are microseconds of
// steady_clock; GPU times come from CUDA events around the first chunk's
// copies and kernels (-1: not measured, e.g. inside a CUDA graph).
struct CallProfile {
  double setup_us = 0;      // lock, device, buffer sizing, pointer checks, per-call allocation
  double stage_in_us = 0;   // caller memory -> pinned staging
  double enqueue_us = 0;    // API calls that queue copies, kernels (or the graph)
  double wait_us = 0;       // host blocked in cudaStreamSynchronize
  double stage_out_us = 0;  // pinned staging -> caller memory
  double total_us = 0;      // the whole engine call
  float h2d_us = -1, kernel_us = -1, sum_us = -1, d2h_us = -1;  // GPU, first chunk
  float gpu_us = -1;        // GPU, first chunk, first queued op to last
  int32_t chunks = 0;
  bool split = false;       // split-trees kernel + leaf sum
  bool graph = false;       // replayed as a CUDA graph
};

// A FlatForest uploaded once onto one device, with the staging buffers and
// streams of its host-memory path. Calls on one CudaForest are serialised (a
// mutex); different forests run concurrently.
class CudaForest {
 public:
  static Status Create(const FlatForest& flat, int device, std::unique_ptr<CudaForest>* out);
  ~CudaForest();
  CudaForest(const CudaForest&) = delete;
  CudaForest& operator=(const CudaForest&) = delete;

  // rows x num_feature floats in host memory -> rows x num_output(margin)
  // outputs in host memory. The batch goes through pinned buffers in chunks, two or
  // more in flight on their own streams, so copies and kernels overlap. When
  // the device runs short of memory the chunks are halved until they fit;
  // ABP_CUDA_OOM only when even the smallest chunk does not.
  // `profile`: filled when this forest profiles (profiling()), else ignored.
  Status PredictHost(const float* in, int64_t rows, bool margin, float* out, CallProfile* profile = nullptr);

  // Device-resident input (on this forest's device). Exactly one output:
  // `into`, an existing rows x num_output(margin) matrix on the same device, written
  // in place (no allocation, for callers who predict in a loop); `out_device`,
  // a new device matrix; or `out_host`, in host memory. Outputs are
  // rows x num_output(margin), as the CPU engine's.
  Status PredictDevice(const DeviceMatrix& in, bool margin, DeviceMatrix* into,
                       std::unique_ptr<DeviceMatrix>* out_device, float* out_host,
                       CallProfile* profile = nullptr);

  int device() const;
  int32_t num_feature() const;
  int32_t num_group() const;
  // Outputs per row: num_group, or 1 for multi:softmax unless margins.
  int32_t num_output(bool margin) const;
  // How the kernel was configured for this forest (for reports and tests),
  // with the small-batch switches in force (see README, GPU engine).
  std::string layout() const;
  // Loaded with ABP_CUDA_PROFILE=1: calls fill their CallProfile.
  bool profiling() const;

  struct Impl;

 private:
  explicit CudaForest(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Page-locked host memory. Batches in it skip the staging copy of
// PredictHost and go straight over PCIe (both input and output).
Status AllocPinned(size_t bytes, void** out);
void FreePinned(void* p);

// Test hook: caps the device memory this engine allocates (bytes; 0 = no
// cap), so out-of-memory handling can be exercised on a large GPU. An
// allocation past the cap fails exactly as cudaMalloc's would.
void SetMemoryLimitForTesting(uint64_t bytes);

// Test hook: makes CUDA fail the next kernel launch (kind 1) or host-to-device
// copy (kind 2) with a real, non-sticky error, to exercise ABP_CUDA_ERROR.
void InjectFaultForTesting(int kind);

}  // namespace abp::cuda

#if !defined(ABP_WITH_CUDA)
#include "cuda/cuda_stub.h"
#endif
