#include "triton/server.h"

#include <sys/mman.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

#include "common/status.h"
#include "cuda/cuda_engine.h"

namespace abp::triton {
namespace {

// The allocator callbacks get no library argument; there is one library per
// process, set before the first server starts.
const Api* g_api = nullptr;

// An output buffer handed to Triton; freed in ReleaseFn.
struct OutBuf {
  std::unique_ptr<cuda::DeviceMatrix> device;
  void* host = nullptr;
  ~OutBuf() { std::free(host); }
};

Error* AllocOutput(Allocator*, const char* tensor_name, size_t byte_size, MemoryType, int64_t, void* userp,
               void** buffer, void** buffer_userp, MemoryType* actual_type, int64_t* actual_id) {
  auto* job = static_cast<InferJob*>(userp);
  *buffer = nullptr;
  *buffer_userp = nullptr;
  *actual_type = kMemoryCpu;
  *actual_id = 0;
  if (byte_size == 0) return nullptr;
  auto* ob = new (std::nothrow) OutBuf();
  if (ob == nullptr) return g_api->ErrorNew(kErrInternal, "out of host memory for an output buffer");
  if (job->output_memory == OutputMemory::kGpu) {
    const int64_t floats = static_cast<int64_t>((byte_size + sizeof(float) - 1) / sizeof(float));
    Status st = cuda::DeviceMatrix::Allocate(floats, 1, job->device, &ob->device);
    if (!st.ok()) {
      delete ob;
      std::string m = std::string("cannot allocate device memory for output '") + tensor_name + "': " + st.message();
      return g_api->ErrorNew(kErrUnavailable, m.c_str());
    }
    *buffer = ob->device->data();
    *actual_type = kMemoryGpu;
    *actual_id = job->device;
  } else {
    ob->host = std::malloc(byte_size);
    if (ob->host == nullptr) {
      delete ob;
      return g_api->ErrorNew(kErrInternal, "out of host memory for an output buffer");
    }
    *buffer = ob->host;
  }
  *buffer_userp = ob;
  GlobalCounters().buffers_allocated++;
  return nullptr;
}

Error* ReleaseOutput(Allocator*, void*, void* buffer_userp, size_t, MemoryType, int64_t) {
  if (buffer_userp != nullptr) {
    delete static_cast<OutBuf*>(buffer_userp);
    GlobalCounters().buffers_released++;
  }
  return nullptr;
}

void MaybeFinish(InferJob* job, bool released, bool final_response) {
  bool finish = false;
  {
    std::lock_guard<std::mutex> lock(job->mu);
    if (released) job->released = true;
    if (final_response) job->final_response = true;
    finish = job->released && job->final_response;
  }
  if (finish) {
    GlobalCounters().in_flight--;
    // `done` takes the job; nothing here touches it afterwards.
    job->done(job);
  }
}

void RequestRelease(Request* request, uint32_t, void* userp) {
  Error* err = g_api->InferenceRequestDelete(request);
  if (err == nullptr) GlobalCounters().requests_deleted++;
  else g_api->ErrorDelete(err);
  MaybeFinish(static_cast<InferJob*>(userp), true, false);
}

// Copies the wanted output into job->output (from device memory when it is there).
void ReadResponse(InferJob* job, Response* resp) {
  const Api& api = *g_api;
  Error* rerr = api.InferenceResponseError(resp);  // owned by the response
  if (rerr != nullptr) {
    if (job->result.ok()) {
      job->result = Result::Fail(kTriton, std::string("model '") + job->model + "': " + api.ErrorCodeString(rerr) +
                                              ": " + api.ErrorMessage(rerr));
    }
    return;
  }
  uint32_t count = 0;
  if (Error* e = api.InferenceResponseOutputCount(resp, &count)) {
    job->result = Result::Fail(kTriton, TakeError(api, e));
    return;
  }
  for (uint32_t i = 0; i < count; i++) {
    const char* name = nullptr;
    DataType dtype = kTypeInvalid;
    const int64_t* shape = nullptr;
    uint64_t dims = 0;
    const void* base = nullptr;
    size_t bytes = 0;
    MemoryType mtype = kMemoryCpu;
    int64_t mid = 0;
    void* userp = nullptr;
    if (Error* e = api.InferenceResponseOutput(resp, i, &name, &dtype, &shape, &dims, &base, &bytes, &mtype, &mid,
                                               &userp)) {
      job->result = Result::Fail(kTriton, TakeError(api, e));
      return;
    }
    if (name == nullptr || job->output_name != name) continue;
    if (dtype != kTypeFp32) {
      job->result = Result::Fail(kTriton, "model '" + job->model + "' returned output '" + job->output_name +
                                              "' with data type " + std::to_string(dtype) + ", not FP32");
      return;
    }
    int64_t elems = 1;
    job->output_shape.assign(shape, shape + dims);
    for (uint64_t d = 0; d < dims; d++) elems *= shape[d];
    if (elems < 0 || static_cast<uint64_t>(elems) * sizeof(float) != bytes) {
      job->result = Result::Fail(kTriton, "output '" + job->output_name + "' has " + std::to_string(bytes) +
                                              " bytes, which does not match its shape");
      return;
    }
    job->output_memory_type = mtype;
    try {
      job->output.resize(static_cast<size_t>(elems));
    } catch (const std::bad_alloc&) {
      job->result = Result::Fail(kOutOfMemory, "out of host memory for the output");
      return;
    }
    if (bytes == 0) return;
    if (mtype == kMemoryGpu) {
      auto* ob = static_cast<OutBuf*>(userp);
      if (ob == nullptr || !ob->device || ob->device->data() != base) {
        job->result = Result::Fail(kTriton, "output '" + job->output_name + "' is in device memory this bridge did not allocate");
        return;
      }
      // The buffer may be a little larger than the tensor (rounded to floats): read the whole matrix.
      std::vector<float> tmp(static_cast<size_t>(ob->device->rows()));
      Status st = ob->device->Read(tmp.data());
      if (!st.ok()) {
        job->result = Result::Fail(CodeName(st.code()), st.message());
        return;
      }
      std::memcpy(job->output.data(), tmp.data(), bytes);
    } else {
      std::memcpy(job->output.data(), base, bytes);
    }
    return;
  }
  job->result = Result::Fail(kTriton, "model '" + job->model + "' returned no output named '" + job->output_name + "'");
}

void ResponseComplete(Response* resp, uint32_t flags, void* userp) {
  auto* job = static_cast<InferJob*>(userp);
  if (resp != nullptr) {
    GlobalCounters().responses_received++;
    ReadResponse(job, resp);
    Error* err = g_api->InferenceResponseDelete(resp);
    if (err == nullptr) GlobalCounters().responses_deleted++;
    else g_api->ErrorDelete(err);
  }
  if (flags & kResponseCompleteFinal) MaybeFinish(job, false, true);
}

// Page-locked host memory for a pinned input: CUDA's when the engine has
// CUDA (the copy engine reads it directly), else mlock()ed pages, or plain
// memory when even that is refused (then sent as CPU memory).
Result StagePinned(InferJob* job) {
  const size_t bytes = static_cast<size_t>(job->rows * job->cols) * sizeof(float);
  job->pinned_bytes = bytes;
  if (bytes == 0) {
    job->input_memory_type = kMemoryCpuPinned;
    return Result::Ok();
  }
  void* p = nullptr;
  if (cuda::AllocPinned(bytes, &p).ok() && p != nullptr) {
    job->pinned_by_cuda = true;
    job->input_memory_type = kMemoryCpuPinned;
  } else {
    const size_t page = 4096;
    p = std::aligned_alloc(page, (bytes + page - 1) / page * page);
    if (p == nullptr) return Result::Fail(kOutOfMemory, "out of host memory for a pinned input");
    job->input_memory_type = mlock(p, bytes) == 0 ? kMemoryCpuPinned : kMemoryCpu;
  }
  std::memcpy(p, job->host_input, bytes);
  job->pinned = p;
  GlobalCounters().input_buffers_allocated++;
  return Result::Ok();
}

}  // namespace

Counters& GlobalCounters() {
  static Counters c;
  return c;
}

InferJob::~InferJob() {
  if (pinned != nullptr) {
    if (pinned_by_cuda) {
      cuda::FreePinned(pinned);
    } else {
      if (input_memory_type == kMemoryCpuPinned) munlock(pinned, pinned_bytes);
      std::free(pinned);
    }
    GlobalCounters().input_buffers_released++;
  }
  if (device_input) {
    device_input.reset();
    GlobalCounters().input_buffers_released++;
  }
}

#define ABP_TRY_TRITON(expr)                                   \
  do {                                                         \
    if (Error* e_ = (expr)) return Result::Fail(kTriton, TakeError(api, e_)); \
  } while (0)

Result Server::Start(const Library* lib, const ServerOptions& o, std::shared_ptr<Server>* out) {
  if (lib == nullptr) return Result::Fail(kState, "no Triton library is loaded");
  g_api = &lib->api;
  const Api& api = lib->api;
  TRITONSERVER_ServerOptions* opts = nullptr;
  ABP_TRY_TRITON(api.ServerOptionsNew(&opts));
  std::unique_ptr<TRITONSERVER_ServerOptions, std::function<void(TRITONSERVER_ServerOptions*)>> opts_guard(
      opts, [&api](TRITONSERVER_ServerOptions* p) {
        if (Error* e = api.ServerOptionsDelete(p)) api.ErrorDelete(e);
      });
  ABP_TRY_TRITON(api.ServerOptionsSetModelRepositoryPath(opts, o.model_repository.c_str()));
  ABP_TRY_TRITON(api.ServerOptionsSetModelControlMode(opts, kControlExplicit));
  ABP_TRY_TRITON(api.ServerOptionsSetStrictModelConfig(opts, o.strict_model_config));
  ABP_TRY_TRITON(api.ServerOptionsSetBackendDirectory(opts, o.backend_directory.c_str()));
  if (!o.repoagent_directory.empty() && api.ServerOptionsSetRepoAgentDirectory) {
    ABP_TRY_TRITON(api.ServerOptionsSetRepoAgentDirectory(opts, o.repoagent_directory.c_str()));
  }
  for (const auto& [dev, bytes] : o.cuda_memory_pools) {
    ABP_TRY_TRITON(api.ServerOptionsSetCudaMemoryPoolByteSize(opts, dev, bytes));
  }
  if (o.pinned_memory_pool_bytes >= 0) {
    ABP_TRY_TRITON(api.ServerOptionsSetPinnedMemoryPoolByteSize(opts, static_cast<uint64_t>(o.pinned_memory_pool_bytes)));
  }
  ABP_TRY_TRITON(api.ServerOptionsSetLogInfo(opts, o.log_info));
  ABP_TRY_TRITON(api.ServerOptionsSetLogWarn(opts, o.log_warn));
  ABP_TRY_TRITON(api.ServerOptionsSetLogError(opts, o.log_error));
  ABP_TRY_TRITON(api.ServerOptionsSetLogVerbose(opts, o.log_verbose));
  // Optional settings: a library built without metrics refuses even
  // "metrics off" as unsupported, which is what we want anyway.
  if (api.ServerOptionsSetMetrics) {
    if (Error* e = api.ServerOptionsSetMetrics(opts, false)) api.ErrorDelete(e);
  }
  if (api.ServerOptionsSetGpuMetrics) {
    if (Error* e = api.ServerOptionsSetGpuMetrics(opts, false)) api.ErrorDelete(e);
  }
  // Always set: Triton's in-process options leave the load-retry count
  // uninitialised (its own CLI always sets it), and ModelLifeCycle retries a
  // failed load `count + 1` times. On the H200 build the garbage was huge: one
  // model FIL refuses (UBJSON) was re-created ~2,000 times a second and the
  // load never returned. 0 = one attempt, as the CLI's default.
  if (api.ServerOptionsSetModelLoadRetryCount) {
    ABP_TRY_TRITON(api.ServerOptionsSetModelLoadRetryCount(opts, 0));
  }
  if (api.ServerOptionsSetExitTimeout) {
    if (Error* e = api.ServerOptionsSetExitTimeout(opts, o.exit_timeout_s)) api.ErrorDelete(e);
  }

  std::shared_ptr<Server> s(new (std::nothrow) Server(lib, o.exit_timeout_s));
  if (!s) return Result::Fail(kOutOfMemory, "out of host memory");
  ABP_TRY_TRITON(api.ServerNew(&s->server_, opts));
  ABP_TRY_TRITON(api.ResponseAllocatorNew(&s->allocator_, AllocOutput, ReleaseOutput, nullptr));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.start_timeout_s);
  for (;;) {
    bool live = false;
    ABP_TRY_TRITON(api.ServerIsLive(s->server_, &live));
    if (live) break;
    if (std::chrono::steady_clock::now() > deadline) {
      s->Stop();
      return Result::Fail(kTriton, "the Triton server did not become live within " +
                                       std::to_string(o.start_timeout_s) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *out = std::move(s);
  return Result::Ok();
}

Server::~Server() { Stop(); }

Result Server::LoadModel(const std::string& name, double timeout_s, const std::string& config_json,
                         std::string* metadata_json) {
  const Api& api = lib_->api;
  if (stopped_) return Result::Fail(kState, "the Triton server has been stopped");
  if (config_json.empty()) {
    ABP_TRY_TRITON(api.ServerLoadModel(server_, name.c_str()));
  } else {
    if (!api.ServerLoadModelWithParameters || !api.ParameterNew || !api.ParameterDelete) {
      return Result::Fail(kSymbols, lib_->path + " has no TRITONSERVER_ServerLoadModelWithParameters: it cannot load model '" +
                                        name + "' with a configuration override");
    }
    TRITONSERVER_Parameter* p = api.ParameterNew("config", kParamString, config_json.c_str());
    if (p == nullptr) return Result::Fail(kOutOfMemory, "cannot create Triton's 'config' load parameter");
    const TRITONSERVER_Parameter* params[1] = {p};
    Error* e = api.ServerLoadModelWithParameters(server_, name.c_str(), params, 1);
    api.ParameterDelete(p);
    if (e != nullptr) return Result::Fail(kTriton, TakeError(api, e));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    bool ready = false;
    ABP_TRY_TRITON(api.ServerModelIsReady(server_, name.c_str(), -1, &ready));
    if (ready) break;
    if (std::chrono::steady_clock::now() > deadline) {
      return Result::Fail(kTriton, "model '" + name + "' did not become ready within " + std::to_string(timeout_s) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  TRITONSERVER_Message* msg = nullptr;
  ABP_TRY_TRITON(api.ServerModelMetadata(server_, name.c_str(), -1, &msg));
  const char* base = nullptr;
  size_t size = 0;
  Error* e = api.MessageSerializeToJson(msg, &base, &size);
  if (e == nullptr) metadata_json->assign(base, size);
  if (Error* d = api.MessageDelete(msg)) api.ErrorDelete(d);
  if (e != nullptr) return Result::Fail(kTriton, TakeError(api, e));
  return Result::Ok();
}

Result Server::UnloadModel(const std::string& name) {
  const Api& api = lib_->api;
  if (stopped_) return Result::Fail(kState, "the Triton server has been stopped");
  ABP_TRY_TRITON(api.ServerUnloadModel(server_, name.c_str()));
  return Result::Ok();
}

Result Server::Infer(InferJob* job) {
  const Api& api = lib_->api;
  if (stopped_) return Result::Fail(kState, "the Triton server has been stopped");
  if (job->rows < 0 || job->cols <= 0) return Result::Fail(kBadArgument, "infer: rows must be >= 0 and cols > 0");
  const size_t bytes = static_cast<size_t>(job->rows * job->cols) * sizeof(float);
  const void* data = job->host_input;
  MemoryType mtype = kMemoryCpu;
  int64_t mid = 0;
  if (job->device_matrix) {
    // The caller's device buffer, read in place: no staging, no copy.
    const cuda::DeviceMatrix& m = *job->device_matrix;
    if (m.rows() != job->rows || m.cols() != job->cols) {
      return Result::Fail("ABP_INPUT_SHAPE", "input device matrix is " + std::to_string(m.rows()) + " x " +
                                                 std::to_string(m.cols()) + ", not rows x cols = " +
                                                 std::to_string(job->rows) + " x " + std::to_string(job->cols));
    }
    data = m.data();
    mtype = kMemoryGpu;
    mid = m.device();
    job->input_memory_type = kMemoryGpu;
  } else {
    switch (job->input_memory) {
      case InputMemory::kCpu:
        job->input_memory_type = kMemoryCpu;
        break;
      case InputMemory::kPinned: {
        Result r = StagePinned(job);
        if (!r.ok()) return r;
        data = job->pinned;
        mtype = static_cast<MemoryType>(job->input_memory_type);
        break;
      }
      case InputMemory::kGpu: {
        Status st = cuda::DeviceMatrix::Upload(job->host_input, job->rows, job->cols, job->device, &job->device_input);
        if (!st.ok()) return Result::Fail(CodeName(st.code()), "input in GPU memory: " + st.message());
        GlobalCounters().input_buffers_allocated++;
        data = job->device_input->data();
        mtype = kMemoryGpu;
        mid = job->device;
        job->input_memory_type = kMemoryGpu;
        break;
      }
    }
  }

  Request* req = nullptr;
  ABP_TRY_TRITON(api.InferenceRequestNew(&req, server_, job->model.c_str(), -1));
  GlobalCounters().requests_created++;
  auto fail = [&](Error* e) {
    std::string m = TakeError(api, e);
    if (Error* d = api.InferenceRequestDelete(req)) api.ErrorDelete(d);
    else GlobalCounters().requests_deleted++;
    return Result::Fail(kTriton, "model '" + job->model + "': " + m);
  };
  const int64_t shape[2] = {job->rows, job->cols};
  if (!job->id.empty() && api.InferenceRequestSetId) {
    if (Error* e = api.InferenceRequestSetId(req, job->id.c_str())) return fail(e);
  }
  if (Error* e = api.InferenceRequestAddInput(req, job->input_name.c_str(), kTypeFp32, shape, 2)) return fail(e);
  if (Error* e = api.InferenceRequestAppendInputData(req, job->input_name.c_str(), data, bytes, mtype, mid)) return fail(e);
  if (Error* e = api.InferenceRequestAddRequestedOutput(req, job->output_name.c_str())) return fail(e);
  if (Error* e = api.InferenceRequestSetReleaseCallback(req, RequestRelease, job)) return fail(e);
  if (Error* e = api.InferenceRequestSetResponseCallback(req, allocator_, job, ResponseComplete, job)) return fail(e);
  GlobalCounters().in_flight++;
  if (Error* e = api.ServerInferAsync(server_, req, nullptr)) {
    GlobalCounters().in_flight--;
    return fail(e);
  }
  return Result::Ok();
}

Result Server::Stop() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (stopped_.exchange(true)) return Result::Ok();
  if (server_ == nullptr) return Result::Ok();
  const Api& api = lib_->api;
  // Let requests already sent finish so each is released exactly once.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(exit_timeout_s_);
  while (GlobalCounters().in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::string errors;
  if (Error* e = api.ServerStop(server_)) errors = TakeError(api, e);
  if (Error* e = api.ServerDelete(server_)) errors += (errors.empty() ? "" : "; ") + TakeError(api, e);
  server_ = nullptr;
  if (allocator_ != nullptr) {
    if (Error* e = api.ResponseAllocatorDelete(allocator_)) errors += (errors.empty() ? "" : "; ") + TakeError(api, e);
    allocator_ = nullptr;
  }
  if (!errors.empty()) return Result::Fail(kTriton, "stopping the Triton server: " + errors);
  return Result::Ok();
}

}  // namespace abp::triton
