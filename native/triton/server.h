// One in-process Triton server per process: options, start (wait until
// live), model load with readiness wait and metadata, asynchronous inference
// with inputs in host, pinned or device memory and outputs returned in the
// memory the caller asked for, and a clean stop. JS-free: the binding
// (native/addon/triton_binding.cc) hands results back through its own
// thread-safe function.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cuda/cuda_engine.h"
#include "triton/loader.h"

namespace abp::triton {

struct ServerOptions {
  std::string model_repository;
  std::string backend_directory;
  std::string repoagent_directory;  // empty: Triton's default
  // Per-device CUDA memory pool sizes (device, bytes); empty: Triton's default.
  std::vector<std::pair<int, uint64_t>> cuda_memory_pools;
  int64_t pinned_memory_pool_bytes = -1;  // < 0: Triton's default
  int log_verbose = 0;
  bool log_info = false;
  bool log_warn = true;
  bool log_error = true;
  bool strict_model_config = true;
  unsigned exit_timeout_s = 30;
  double start_timeout_s = 30;
};

enum class InputMemory { kCpu, kPinned, kGpu };
enum class OutputMemory { kCpu, kGpu };

// Counters over the life of the process, for leak checks: each pair must end
// equal once nothing is in flight.
struct Counters {
  std::atomic<int64_t> requests_created{0}, requests_deleted{0};
  std::atomic<int64_t> responses_received{0}, responses_deleted{0};
  std::atomic<int64_t> buffers_allocated{0}, buffers_released{0};
  std::atomic<int64_t> input_buffers_allocated{0}, input_buffers_released{0};
  std::atomic<int64_t> in_flight{0};
};
Counters& GlobalCounters();

// One inference. Filled by the caller, then owned by the server until
// `done` is called (exactly once, on a Triton thread, after both the request
// release and the final response); `done` takes ownership back.
struct InferJob {
  // In.
  std::string model;
  std::string input_name;
  std::string output_name;
  std::string id;
  const float* host_input = nullptr;  // rows x cols floats, valid until done
  // Or the CUDA engine's rows x cols matrix, read in place (GPU memory on its
  // device); held until the job is deleted, so a dispose() meanwhile is safe.
  std::shared_ptr<const cuda::DeviceMatrix> device_matrix;
  int64_t rows = 0;
  int64_t cols = 0;
  InputMemory input_memory = InputMemory::kCpu;
  OutputMemory output_memory = OutputMemory::kCpu;
  int device = 0;
  std::function<void(InferJob*)> done;

  // Out (valid in `done`).
  Result result;
  std::vector<float> output;
  std::vector<int64_t> output_shape;
  int output_memory_type = -1;  // TRITONSERVER_MemoryType the output was in
  int input_memory_type = -1;   // what the input was sent as

  // Internal.
  void* pinned = nullptr;  // staged pinned input
  bool pinned_by_cuda = false;
  size_t pinned_bytes = 0;
  std::unique_ptr<cuda::DeviceMatrix> device_input;
  std::mutex mu;
  bool released = false;
  bool final_response = false;
  ~InferJob();
};

class Server {
 public:
  // Creates the server and waits until it is live. Blocking: call off the JS thread.
  static Result Start(const Library* lib, const ServerOptions& options, std::shared_ptr<Server>* out);
  ~Server();

  // Loads `name` (explicit model control), waits until it is ready, and
  // returns its metadata as Triton's JSON. A non-empty `config_json` is a
  // whole model configuration (Triton's JSON form) used instead of the
  // repository's config.pbtxt, which stays as it is. Blocking.
  Result LoadModel(const std::string& name, double timeout_s, const std::string& config_json,
                   std::string* metadata_json);
  Result UnloadModel(const std::string& name);
  // Submits `job`. On success the job belongs to the server until its
  // `done`; on failure the caller still owns it and nothing was sent.
  Result Infer(InferJob* job);
  // Waits (up to the exit timeout) for in-flight requests, then stops and
  // deletes the server. Idempotent. Blocking.
  Result Stop();
  bool stopped() const { return stopped_.load(); }
  const Library* library() const { return lib_; }

 private:
  Server(const Library* lib, unsigned exit_timeout_s) : lib_(lib), exit_timeout_s_(exit_timeout_s) {}
  const Library* lib_;
  unsigned exit_timeout_s_;
  TRITONSERVER_Server* server_ = nullptr;
  Allocator* allocator_ = nullptr;
  std::mutex stop_mu_;
  std::atomic<bool> stopped_{false};
};

}  // namespace abp::triton
