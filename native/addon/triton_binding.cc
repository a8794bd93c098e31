// exports.triton: Triton's in-process server through its C API, opened at run
// time (native/triton/). Contract: src/native/addon.ts (NativeTriton).
//
// Blocking server calls (start, model load, stop) run in AsyncWorkers.
// Inference is submitted on the JS thread (InferAsync only queues the
// request); Triton answers on its own threads, and each request's result
// comes back through a thread-safe function of its own, once both the
// request release and the final response have arrived. No C++ exception
// crosses into Node (std::bad_alloc is caught here).
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <link.h>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "addon/bindings.h"
#include "addon/napi_util.h"
#include "triton/loader.h"
#include "triton/server.h"

namespace abp::addon {
namespace {

using triton::Result;

// One server per process, shared by every environment (worker threads too);
// the last environment to go away stops it.
std::mutex g_mu;
std::shared_ptr<triton::Server> g_server;
int g_envs = 0;

// Exit ordering. process.exit(), an uncaught exception or a signal handler
// that exits all end in exit(), which runs no environment cleanup hook but
// does run static destructors and atexit handlers in the reverse order of
// their registration. g_server was constructed when the addon loaded, before
// libtritonserver.so and the backends were dlopen()ed, so its destructor would
// run after theirs and delete the server into freed memory (double free).
// An atexit handler registered after each dlopen (server start, model load)
// runs before any of those libraries' destructors and stops the server while
// they are whole; the static destructor then finds it stopped (a no-op).
void StopAtExit() {
  std::shared_ptr<triton::Server> s;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    s = g_server;
  }
  if (s) s->Stop();
}

// Arms the handler again only when a library was loaded since the last time
// (a model load that reuses a loaded backend adds nothing to run before).
void StopBeforeLibrariesAtExit() {
  static std::mutex mu;
  static unsigned long long armed_at = 0;
  // dlpi_adds: how many objects the process has loaded so far (never decreases).
  unsigned long long adds = 0;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t size, void* out) {
        if (size >= offsetof(dl_phdr_info, dlpi_adds) + sizeof(info->dlpi_adds)) {
          *static_cast<unsigned long long*>(out) = info->dlpi_adds;
        }
        return 1;  // every entry carries the same counters
      },
      &adds);
  std::lock_guard<std::mutex> lock(mu);
  if (adds != 0 && adds <= armed_at) return;
  armed_at = adds;
  std::atexit(StopAtExit);
}

std::shared_ptr<triton::Server> CurrentServer() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_server;
}

// Triton's errors carry their code as a string (triton::Result), so these
// take the place of napi_util.h's Status-based Throw/Rejected here.
Napi::Error MakeError(Napi::Env env, const Result& r) {
  Napi::Error e = Napi::Error::New(env, r.message);
  e.Set("code", Napi::String::New(env, r.code));
  return e;
}

Napi::Value Throw(Napi::Env env, const Result& r) {
  MakeError(env, r).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value Rejected(Napi::Env env, const Result& r) {
  auto d = Napi::Promise::Deferred::New(env);
  d.Reject(MakeError(env, r).Value());
  return d.Promise();
}

Result BadArg(const std::string& m) { return Result::Fail(triton::kBadArgument, m); }

const char* MemoryName(int t) {
  switch (t) {
    case triton::kMemoryCpu: return "cpu";
    case triton::kMemoryCpuPinned: return "pinned";
    case triton::kMemoryGpu: return "gpu";
    default: return "none";
  }
}

Napi::Object LibraryInfo(Napi::Env env, const triton::Library& lib) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("path", lib.path);
  Napi::Object v = Napi::Object::New(env);
  v.Set("major", Napi::Number::New(env, lib.major));
  v.Set("minor", Napi::Number::New(env, lib.minor));
  o.Set("apiVersion", v);
  Napi::Array missing = Napi::Array::New(env, lib.missing_optional.size());
  for (size_t i = 0; i < lib.missing_optional.size(); i++) missing.Set(static_cast<uint32_t>(i), lib.missing_optional[i]);
  o.Set("missingOptional", missing);
  return o;
}

// A worker resolving one promise with a Result; bad_alloc is caught.
class Worker : public Napi::AsyncWorker {
 public:
  explicit Worker(Napi::Env env, const char* name)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      result_ = Run();
    } catch (const std::bad_alloc&) {
      result_ = Result::Fail(triton::kOutOfMemory, "out of host memory");
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (!result_.ok()) {
      deferred_.Reject(MakeError(env, result_).Value());
      return;
    }
    deferred_.Resolve(Value(env));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 protected:
  virtual Result Run() = 0;
  virtual Napi::Value Value(Napi::Env env) { return env.Undefined(); }
  Napi::Promise::Deferred deferred_;
  Result result_;
};

// ---------------------------------------------------------------------------
// Library

std::vector<std::string> StringList(const Napi::Value& v, bool* ok) {
  std::vector<std::string> out;
  *ok = v.IsArray();
  if (!*ok) return out;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsString()) {
      *ok = false;
      return out;
    }
    out.push_back(e.As<Napi::String>().Utf8Value());
  }
  return out;
}

Napi::Value ProbeJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return Throw(env, BadArg("triton.probe(path): path must be a string"));
  triton::Library lib;
  Result r = triton::Probe(info[0].As<Napi::String>().Utf8Value(), &lib);
  if (!r.ok()) return Throw(env, r);
  Napi::Object o = LibraryInfo(env, lib);
  // A probe only looks: the library is not kept unless it is the active one.
  triton::CloseProbe(&lib);
  return o;
}

Napi::Value LoadJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool ok = false;
  std::vector<std::string> paths;
  if (info.Length() >= 1) paths = StringList(info[0], &ok);
  if (!ok) return Throw(env, BadArg("triton.load(paths): paths must be an array of strings"));
  const triton::Library* lib = nullptr;
  Result r = triton::Activate(paths, &lib);
  if (!r.ok()) return Throw(env, r);
  return LibraryInfo(env, *lib);
}

Napi::Value LibraryJs(const Napi::CallbackInfo& info) {
  const triton::Library* lib = triton::Active();
  if (lib == nullptr) return info.Env().Null();
  return LibraryInfo(info.Env(), *lib);
}

// ---------------------------------------------------------------------------
// Server

class StartWorker : public Worker {
 public:
  StartWorker(Napi::Env env, triton::ServerOptions o) : Worker(env, "abp.triton.start"), options_(std::move(o)) {}
  Result Run() override {
    {
      std::lock_guard<std::mutex> lock(g_mu);
      if (g_server && !g_server->stopped()) {
        return Result::Fail(triton::kState, "a Triton server is already running in this process (one per process)");
      }
    }
    std::shared_ptr<triton::Server> s;
    Result r = triton::Server::Start(triton::Active(), options_, &s);
    if (!r.ok()) return r;
    std::lock_guard<std::mutex> lock(g_mu);
    if (g_server && !g_server->stopped()) {
      s->Stop();
      return Result::Fail(triton::kState, "a Triton server is already running in this process (one per process)");
    }
    g_server = std::move(s);
    StopBeforeLibrariesAtExit();
    return r;
  }

 private:
  triton::ServerOptions options_;
};

bool GetString(Napi::Object o, const char* key, std::string* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return true;
  if (!v.IsString()) return false;
  *out = v.As<Napi::String>().Utf8Value();
  return true;
}

bool GetNumber(Napi::Object o, const char* key, double* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return true;
  if (!v.IsNumber()) return false;
  *out = v.As<Napi::Number>().DoubleValue();
  return std::isfinite(*out);
}

bool GetBool(Napi::Object o, const char* key, bool* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return true;
  if (!v.IsBoolean()) return false;
  *out = v.As<Napi::Boolean>().Value();
  return true;
}

Napi::Value StartServerJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (triton::Active() == nullptr) return Rejected(env, Result::Fail(triton::kState, "triton.load() has not found a library yet"));
  if (info.Length() < 1 || !info[0].IsObject()) return Rejected(env, BadArg("triton.startServer(options): options must be an object"));
  Napi::Object o = info[0].As<Napi::Object>();
  triton::ServerOptions so;
  double pinned = -1, verbose = 0, exit_timeout = 30, start_timeout = 30;
  bool ok = GetString(o, "modelRepository", &so.model_repository) && GetString(o, "backendDirectory", &so.backend_directory) &&
            GetString(o, "repoAgentDirectory", &so.repoagent_directory) && GetNumber(o, "pinnedMemoryPoolBytes", &pinned) &&
            GetNumber(o, "logVerbose", &verbose) && GetBool(o, "logInfo", &so.log_info) && GetBool(o, "logWarn", &so.log_warn) &&
            GetBool(o, "logError", &so.log_error) && GetBool(o, "strictModelConfig", &so.strict_model_config) &&
            GetNumber(o, "exitTimeoutSeconds", &exit_timeout) && GetNumber(o, "startTimeoutSeconds", &start_timeout);
  if (!ok || so.model_repository.empty() || so.backend_directory.empty() || verbose < 0 || exit_timeout < 0 ||
      start_timeout <= 0) {
    return Rejected(env, BadArg("triton.startServer: modelRepository and backendDirectory are required strings; "
                                "numbers must be finite and non-negative"));
  }
  Napi::Value pools = o.Get("cudaMemoryPools");
  if (!pools.IsUndefined()) {
    if (!pools.IsArray()) return Rejected(env, BadArg("triton.startServer: cudaMemoryPools must be [{device, bytes}]"));
    Napi::Array a = pools.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Value e = a.Get(i);
      int64_t dev = 0, bytes = 0;
      if (!e.IsObject() || !ToCount(e.As<Napi::Object>().Get("device"), &dev) ||
          !ToCount(e.As<Napi::Object>().Get("bytes"), &bytes) || dev > 1024) {
        return Rejected(env, BadArg("triton.startServer: cudaMemoryPools must be [{device, bytes}]"));
      }
      so.cuda_memory_pools.emplace_back(static_cast<int>(dev), static_cast<uint64_t>(bytes));
    }
  }
  so.pinned_memory_pool_bytes = pinned < 0 ? -1 : static_cast<int64_t>(pinned);
  so.log_verbose = static_cast<int>(verbose);
  so.exit_timeout_s = static_cast<unsigned>(exit_timeout);
  so.start_timeout_s = start_timeout;
  return QueueWorker(new StartWorker(env, std::move(so)));
}

class LoadModelWorker : public Worker {
 public:
  LoadModelWorker(Napi::Env env, std::shared_ptr<triton::Server> s, std::string name, double timeout_s, std::string config)
      : Worker(env, "abp.triton.loadModel"),
        server_(std::move(s)),
        name_(std::move(name)),
        timeout_s_(timeout_s),
        config_(std::move(config)) {}
  Result Run() override {
    Result r = server_->LoadModel(name_, timeout_s_, config_, &metadata_);
    // The load dlopen()ed the model's backend (even when it then failed).
    StopBeforeLibrariesAtExit();
    return r;
  }
  Napi::Value Value(Napi::Env env) override { return Napi::String::New(env, metadata_); }

 private:
  std::shared_ptr<triton::Server> server_;
  std::string name_;
  double timeout_s_;
  std::string config_;
  std::string metadata_;
};

class UnloadModelWorker : public Worker {
 public:
  UnloadModelWorker(Napi::Env env, std::shared_ptr<triton::Server> s, std::string name)
      : Worker(env, "abp.triton.unloadModel"), server_(std::move(s)), name_(std::move(name)) {}
  Result Run() override { return server_->UnloadModel(name_); }

 private:
  std::shared_ptr<triton::Server> server_;
  std::string name_;
};

Result RunningServer(std::shared_ptr<triton::Server>* out) {
  *out = CurrentServer();
  if (!*out || (*out)->stopped()) return Result::Fail(triton::kState, "no Triton server is running (startServer first)");
  return Result::Ok();
}

Napi::Value LoadModelJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<triton::Server> s;
  Result r = RunningServer(&s);
  if (!r.ok()) return Rejected(env, r);
  double timeout_ms = 120000;
  std::string config;
  if (info.Length() < 1 || !info[0].IsString() || (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNumber()) ||
      (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsString())) {
    return Rejected(env, BadArg("triton.loadModel(name, timeoutMs?, configJson?)"));
  }
  if (info.Length() > 1 && info[1].IsNumber()) timeout_ms = info[1].As<Napi::Number>().DoubleValue();
  if (info.Length() > 2 && info[2].IsString()) config = info[2].As<Napi::String>().Utf8Value();
  if (!(timeout_ms > 0)) return Rejected(env, BadArg("triton.loadModel: timeoutMs must be > 0"));
  return QueueWorker(new LoadModelWorker(env, s, info[0].As<Napi::String>().Utf8Value(), timeout_ms / 1000.0, std::move(config)));
}

Napi::Value UnloadModelJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<triton::Server> s;
  Result r = RunningServer(&s);
  if (!r.ok()) return Rejected(env, r);
  if (info.Length() < 1 || !info[0].IsString()) return Rejected(env, BadArg("triton.unloadModel(name)"));
  return QueueWorker(new UnloadModelWorker(env, s, info[0].As<Napi::String>().Utf8Value()));
}

class StopWorker : public Worker {
 public:
  explicit StopWorker(Napi::Env env) : Worker(env, "abp.triton.stop") {}
  Result Run() override {
    std::shared_ptr<triton::Server> s;
    {
      std::lock_guard<std::mutex> lock(g_mu);
      s = g_server;
    }
    if (!s) return Result::Ok();
    return s->Stop();
  }
};

Napi::Value StopServerJs(const Napi::CallbackInfo& info) {
  return QueueWorker(new StopWorker(info.Env()));
}

Napi::Value ServerStateJs(const Napi::CallbackInfo& info) {
  std::shared_ptr<triton::Server> s = CurrentServer();
  return Napi::String::New(info.Env(), !s ? "none" : s->stopped() ? "stopped" : "running");
}

// ---------------------------------------------------------------------------
// Inference

struct JsJob;
void CallJs(Napi::Env env, Napi::Function, std::nullptr_t*, JsJob* job);
using JobTsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, JsJob, CallJs>;

struct JsJob : triton::InferJob {
  explicit JsJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise::Deferred deferred;
  // Keeps the caller's array alive while Triton reads it (a device matrix's
  // memory is held by InferJob::device_matrix, whatever JS does with it).
  Napi::Reference<Napi::Value> input_ref;
  JobTsfn tsfn;
};

void CallJs(Napi::Env env, Napi::Function, std::nullptr_t*, JsJob* job) {
  if (job == nullptr) return;
  if (env == nullptr) {
    // The environment is going away: nothing to settle and no JS state to touch.
    job->input_ref.SuppressDestruct();
    delete job;
    return;
  }
  Napi::HandleScope scope(env);
  if (!job->result.ok()) {
    job->deferred.Reject(MakeError(env, job->result).Value());
  } else {
    Napi::Float32Array out = Napi::Float32Array::New(env, job->output.size());
    if (env.IsExceptionPending()) {
      Napi::Error e = env.GetAndClearPendingException();
      job->deferred.Reject(MakeError(env, Result::Fail(triton::kOutOfMemory, "cannot create the output: " + e.Message())).Value());
    } else {
      if (!job->output.empty()) std::memcpy(out.Data(), job->output.data(), job->output.size() * sizeof(float));
      Napi::Object o = Napi::Object::New(env);
      o.Set("output", out);
      Napi::Array shape = Napi::Array::New(env, job->output_shape.size());
      for (size_t i = 0; i < job->output_shape.size(); i++) {
        shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(job->output_shape[i])));
      }
      o.Set("shape", shape);
      o.Set("inputMemory", MemoryName(job->input_memory_type));
      o.Set("outputMemory", MemoryName(job->output_memory_type));
      job->deferred.Resolve(o);
    }
  }
  delete job;
}

// infer(model, input, rows, cols, {inputName, outputName, memory, output, device, id});
// input: a Float32Array, or a NativeDeviceMatrix that Triton reads in place.
Napi::Value InferJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<triton::Server> s;
  Result r = RunningServer(&s);
  if (!r.ok()) return Rejected(env, r);
  int64_t rows = 0, cols = 0;
  std::shared_ptr<cuda::DeviceMatrix> matrix;
  const bool is_matrix = info.Length() > 1 && UnwrapDeviceMatrix(info[1], &matrix);
  if (info.Length() < 5 || !info[0].IsString() || !(is_matrix || IsTypedArrayOf(info[1], napi_float32_array)) ||
      !ToCount(info[2], &rows) || !ToCount(info[3], &cols) || !info[4].IsObject()) {
    return Rejected(env, BadArg("triton.infer(model, input: Float32Array | NativeDeviceMatrix, rows, cols, options)"));
  }
  if (is_matrix && !matrix) {
    return Rejected(env, Result::Fail("ABP_DISPOSED", "triton.infer: the input device matrix has been disposed"));
  }
  if (is_matrix && (matrix->rows() != rows || matrix->cols() != cols)) {
    return Rejected(env, Result::Fail("ABP_INPUT_SHAPE", "triton.infer: the input device matrix is " +
                                                             std::to_string(matrix->rows()) + " x " + std::to_string(matrix->cols()) +
                                                             ", not rows x cols = " + std::to_string(rows) + " x " + std::to_string(cols)));
  }
  if (!is_matrix) {
    Napi::Float32Array input = info[1].As<Napi::Float32Array>();
    if (cols == 0 || rows > static_cast<int64_t>(input.ElementLength()) / cols ||
        static_cast<uint64_t>(rows * cols) != input.ElementLength()) {
      return Rejected(env, Result::Fail("ABP_INPUT_SHAPE", "triton.infer: input has " + std::to_string(input.ElementLength()) +
                                                               " floats, not rows x cols = " + std::to_string(rows) + " x " +
                                                               std::to_string(cols)));
    }
  }
  Napi::Object o = info[4].As<Napi::Object>();
  std::string input_name = "input__0", output_name = "output__0", memory = "cpu", output = "cpu", id;
  double device = 0;
  if (!GetString(o, "inputName", &input_name) || !GetString(o, "outputName", &output_name) ||
      !GetString(o, "memory", &memory) || !GetString(o, "output", &output) || !GetString(o, "id", &id) ||
      !GetNumber(o, "device", &device) || device < 0 || device != std::floor(device) || device > 1024) {
    return Rejected(env, BadArg("triton.infer: bad options"));
  }
  if (is_matrix) {
    // The matrix decides where the input is; a contradicting option is a mistake.
    if (!o.Get("memory").IsUndefined() && memory != "gpu") {
      return Rejected(env, BadArg("triton.infer: a device matrix input is in GPU memory; memory must be 'gpu' or left out"));
    }
    if (!o.Get("device").IsUndefined() && static_cast<int>(device) != matrix->device()) {
      return Rejected(env, BadArg("triton.infer: the input device matrix is on device " + std::to_string(matrix->device()) +
                                  ", not device " + std::to_string(static_cast<int>(device))));
    }
    memory = "gpu";
    device = matrix->device();
  }
  triton::InputMemory im;
  if (memory == "cpu") im = triton::InputMemory::kCpu;
  else if (memory == "pinned") im = triton::InputMemory::kPinned;
  else if (memory == "gpu") im = triton::InputMemory::kGpu;
  else return Rejected(env, BadArg("triton.infer: memory must be 'cpu', 'pinned' or 'gpu'"));
  triton::OutputMemory om;
  if (output == "cpu") om = triton::OutputMemory::kCpu;
  else if (output == "gpu") om = triton::OutputMemory::kGpu;
  else return Rejected(env, BadArg("triton.infer: output must be 'cpu' or 'gpu'"));

  JsJob* job = new (std::nothrow) JsJob(env);
  if (job == nullptr) return Rejected(env, Result::Fail(triton::kOutOfMemory, "out of host memory"));
  job->model = info[0].As<Napi::String>().Utf8Value();
  job->input_name = input_name;
  job->output_name = output_name;
  job->id = id;
  if (is_matrix) job->device_matrix = std::move(matrix);
  else job->host_input = info[1].As<Napi::Float32Array>().Data();
  job->rows = rows;
  job->cols = cols;
  job->input_memory = im;
  job->output_memory = om;
  job->device = static_cast<int>(device);
  job->input_ref = Napi::Persistent(info[1]);
  job->tsfn = JobTsfn::New(env, "abp.triton.infer", 0, 1, nullptr);
  job->done = [](triton::InferJob* j) {
    auto* jj = static_cast<JsJob*>(j);
    JobTsfn t = jj->tsfn;  // the job may be gone once queued
    if (t.NonBlockingCall(jj) != napi_ok) {
      // Closing environment: the job is leaked rather than freed off the JS thread.
    }
    t.Release();
  };
  Napi::Promise p = job->deferred.Promise();
  Result sr;
  try {
    sr = s->Infer(job);
  } catch (const std::bad_alloc&) {
    sr = Result::Fail(triton::kOutOfMemory, "out of host memory");
  }
  if (!sr.ok()) {
    job->deferred.Reject(MakeError(env, sr).Value());
    job->tsfn.Release();
    delete job;
  }
  return p;
}

Napi::Value CountersJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  triton::Counters& c = triton::GlobalCounters();
  Napi::Object o = Napi::Object::New(env);
  auto set = [&](const char* k, const std::atomic<int64_t>& v) { o.Set(k, Napi::Number::New(env, static_cast<double>(v.load()))); };
  set("requestsCreated", c.requests_created);
  set("requestsDeleted", c.requests_deleted);
  set("responsesReceived", c.responses_received);
  set("responsesDeleted", c.responses_deleted);
  set("outputBuffersAllocated", c.buffers_allocated);
  set("outputBuffersReleased", c.buffers_released);
  set("inputBuffersAllocated", c.input_buffers_allocated);
  set("inputBuffersReleased", c.input_buffers_released);
  set("inFlight", c.in_flight);
  return o;
}

}  // namespace

void RegisterTriton(Napi::Env env, Napi::Object exports) {
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_envs++;
  }
  // At exit (or when the last worker thread using the addon ends) the server
  // is stopped and deleted, so Triton's threads and backends shut down cleanly.
  env.AddCleanupHook([] {
    std::shared_ptr<triton::Server> s;
    {
      std::lock_guard<std::mutex> lock(g_mu);
      if (--g_envs > 0) return;
      s = std::move(g_server);
    }
    if (s) s->Stop();
  });
  Napi::Object t = Napi::Object::New(env);
  t.Set("probe", Napi::Function::New(env, ProbeJs, "probe"));
  t.Set("load", Napi::Function::New(env, LoadJs, "load"));
  t.Set("library", Napi::Function::New(env, LibraryJs, "library"));
  t.Set("startServer", Napi::Function::New(env, StartServerJs, "startServer"));
  t.Set("loadModel", Napi::Function::New(env, LoadModelJs, "loadModel"));
  t.Set("unloadModel", Napi::Function::New(env, UnloadModelJs, "unloadModel"));
  t.Set("infer", Napi::Function::New(env, InferJs, "infer"));
  t.Set("stopServer", Napi::Function::New(env, StopServerJs, "stopServer"));
  t.Set("serverState", Napi::Function::New(env, ServerStateJs, "serverState"));
  t.Set("counters", Napi::Function::New(env, CountersJs, "counters"));
  Napi::Object api = Napi::Object::New(env);
  api.Set("major", Napi::Number::New(env, triton::kApiMajor));
  api.Set("minorRequired", Napi::Number::New(env, triton::kApiMinorRequired));
  api.Set("minorWritten", Napi::Number::New(env, triton::kApiMinorWritten));
  t.Set("apiVersion", api);
  exports.Set("triton", t);
}

}  // namespace abp::addon
