// exports.cuda: the CUDA engine's surface (contract: src/native/addon.ts).
// Compiled in every build; without CUDA the engine's stubs answer every call
// with ABP_CUDA_UNAVAILABLE. All device work runs in AsyncWorkers; native
// objects are held by shared_ptr so dispose() during a call is safe; no C++
// exception crosses into Node (std::bad_alloc is caught here).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "addon/bindings.h"
#include "addon/napi_util.h"
#include "common/status.h"
#include "cuda/cuda_engine.h"
#include "cuda/layout.h"
#include "engine/flat_forest.h"
#include "model/forest.h"

namespace abp::addon {
namespace {

struct GpuModel : ModelSummary {
  std::unique_ptr<cuda::CudaForest> forest;
  // ABP_CUDA_INLINE_ROWS, read at load: calls of at most this many rows run
  // on the JS thread (no threadpool hop either way); 0: every call is queued.
  int64_t inline_rows = 0;
};

using MatrixPtr = std::shared_ptr<cuda::DeviceMatrix>;

// Constructors of the two classes, per environment (the model binding owns
// the env's instance data, so these live in a cleanup-hooked struct).
struct CudaData {
  Napi::FunctionReference model_ctor;
  Napi::FunctionReference matrix_ctor;
};

// Base for the workers here (napi_util.h): one promise, a Status, bad_alloc caught.
using Worker = PromiseWorker;

// ---------------------------------------------------------------------------
// Per-call profiles (models loaded with ABP_CUDA_PROFILE=1): where a small
// batch's time goes between the JS call and its promise settling, for
// scripts/bench-gpu-latency.ts. Models loaded without it take none of the
// clock reads below (one branch per call).

using Clock = std::chrono::steady_clock;

struct CallRecord {
  const char* kind = "";     // "predict" | "predictDevice"
  int64_t rows = 0;
  double bind_us = 0;        // binding entry -> worker queued (argument checks, output allocation)
  double dispatch_us = 0;    // queued -> Execute starts on a libuv threadpool thread
  double exec_us = 0;        // Execute: the engine call
  double complete_us = 0;    // Execute ends -> OnOK starts on the JS thread
  double settle_us = 0;      // OnOK: result made, promise resolved
  double native_us = 0;      // binding entry -> promise resolved
  cuda::CallProfile engine;
};

// Records of every profiled call since the last takeProfile(), across
// environments (worker threads), capped so a forgotten profile cannot grow
// without bound.
constexpr size_t kMaxRecords = 1u << 20;
std::mutex g_records_mu;
std::vector<CallRecord> g_records;

double Micros(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

// A worker whose hops are timed when its model profiles.
class ProfiledWorker : public Worker {
 public:
  ProfiledWorker(Napi::Env env, const char* name, bool on, const char* kind, int64_t rows, Clock::time_point entry)
      : Worker(env, name), on_(on), entry_(entry) {
    record_.kind = kind;
    record_.rows = rows;
  }
  // Called just before the worker is queued.
  void MarkQueued() {
    if (on_) queued_ = Clock::now();
  }
  void Execute() override {
    if (!on_) return Worker::Execute();
    exec0_ = Clock::now();
    Worker::Execute();
    exec1_ = Clock::now();
  }
  void OnOK() override {
    if (!on_) return Worker::OnOK();
    const Clock::time_point ok0 = Clock::now();
    Worker::OnOK();
    const Clock::time_point ok1 = Clock::now();
    record_.bind_us = Micros(entry_, queued_);
    record_.dispatch_us = Micros(queued_, exec0_);
    record_.exec_us = Micros(exec0_, exec1_);
    record_.complete_us = Micros(exec1_, ok0);
    record_.settle_us = Micros(ok0, ok1);
    record_.native_us = Micros(entry_, ok1);
    std::lock_guard<std::mutex> lock(g_records_mu);
    if (g_records.size() < kMaxRecords) {
      try {
        g_records.push_back(record_);
      } catch (const std::bad_alloc&) {  // a lost record, not a lost result
      }
    }
  }

 protected:
  // The engine's part of the record; null when not profiling.
  cuda::CallProfile* engine_profile() { return on_ ? &record_.engine : nullptr; }

 private:
  bool on_;
  Clock::time_point entry_, queued_, exec0_, exec1_;
  CallRecord record_;
};

template <typename W>
Napi::Promise QueueProfiled(W* worker) {
  worker->MarkQueued();
  return QueueWorker(worker);
}

// Runs `worker` here, on the JS thread, and returns its promise already
// settled (ABP_CUDA_INLINE_ROWS): the call blocks the event loop for its
// duration but pays neither the threadpool dispatch nor the completion hop.
// The worker was never queued, so it is deleted here.
template <typename W>
Napi::Promise RunInline(W* worker) {
  Napi::Promise p = worker->Promise();
  worker->MarkQueued();
  worker->Execute();
  worker->OnOK();
  delete worker;
  return p;
}

// Clock read at a binding's entry, only for a profiling model.
Clock::time_point EntryTime(bool on) { return on ? Clock::now() : Clock::time_point{}; }

Napi::Object WrapMatrix(Napi::Env env, CudaData* data, MatrixPtr m);

// Marks NativeDeviceMatrix objects so other bindings can recognise them
// without this file's per-environment constructor (UnwrapDeviceMatrix).
constexpr napi_type_tag kMatrixTag = {0x6162702d66696c2dULL, 0x6465766d61747278ULL};

// ---------------------------------------------------------------------------
// NativeDeviceMatrix

class NativeDeviceMatrix : public Napi::ObjectWrap<NativeDeviceMatrix> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeDeviceMatrix",
                       {InstanceMethod<&NativeDeviceMatrix::Shape>("shape"),
                        InstanceMethod<&NativeDeviceMatrix::Read>("read"),
                        InstanceMethod<&NativeDeviceMatrix::Dispose>("dispose")});
  }
  explicit NativeDeviceMatrix(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeDeviceMatrix>(info) {
    if (info.Length() == 1 && info[0].IsExternal()) {
      matrix_ = *info[0].As<Napi::External<MatrixPtr>>().Data();
      info.This().As<Napi::Object>().TypeTag(&kMatrixTag);
    } else {
      Throw(info.Env(), Status(Code::kBadArgument, "NativeDeviceMatrix is created by uploadMatrix() or predictDevice()"));
    }
  }
  // The matrix, or null once disposed.
  MatrixPtr matrix() const { return matrix_; }

 private:
  Napi::Value Shape(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!matrix_) return Throw(env, Status(Code::kDisposed, "the device matrix has been disposed"));
    Napi::Object o = Napi::Object::New(env);
    o.Set("rows", Napi::Number::New(env, static_cast<double>(matrix_->rows())));
    o.Set("cols", Napi::Number::New(env, static_cast<double>(matrix_->cols())));
    o.Set("device", Napi::Number::New(env, matrix_->device()));
    return o;
  }
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    matrix_.reset();
    return info.Env().Undefined();
  }
  MatrixPtr matrix_;
};

class ReadWorker : public Worker {
 public:
  ReadWorker(Napi::Env env, MatrixPtr m, Napi::ArrayBuffer out, size_t len)
      : Worker(env, "abp.cuda.read"), m_(std::move(m)), out_ref_(Napi::Persistent(out.As<Napi::Object>())),
        out_(static_cast<float*>(out.Data())), len_(len) {}

 protected:
  Status Run() override { return m_->Read(out_); }
  Napi::Value Result(Napi::Env env) override {
    return Napi::Float32Array::New(env, len_, out_ref_.Value().As<Napi::ArrayBuffer>(), 0);
  }

 private:
  MatrixPtr m_;
  Napi::ObjectReference out_ref_;
  float* out_;
  size_t len_;
};

Napi::Value NativeDeviceMatrix::Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!matrix_) return Rejected(env, Status(Code::kDisposed, "the device matrix has been disposed"));
  const uint64_t len = static_cast<uint64_t>(matrix_->rows()) * static_cast<uint64_t>(matrix_->cols());
  if (len > (uint64_t{1} << 32)) return Rejected(env, Status(Code::kBadArgument, "read: matrix too large for one Float32Array"));
  Napi::ArrayBuffer out = Napi::ArrayBuffer::New(env, static_cast<size_t>(len * sizeof(float)));
  if (env.IsExceptionPending()) return Rejected(env, TakePending(env, Code::kOutOfMemory, "read: cannot allocate the output"));
  return QueueWorker(new ReadWorker(env, matrix_, out, static_cast<size_t>(len)));
}

Napi::Object WrapMatrix(Napi::Env env, CudaData* data, MatrixPtr m) {
  return data->matrix_ctor.New({Napi::External<MatrixPtr>::New(env, &m)});
}

// ---------------------------------------------------------------------------
// NativeGpuModel

class NativeGpuModel : public Napi::ObjectWrap<NativeGpuModel> {
 public:
  struct Init {
    std::shared_ptr<GpuModel> model;
    CudaData* data;
  };
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeGpuModel",
                       {InstanceMethod<&NativeGpuModel::Info>("info"),
                        InstanceMethod<&NativeGpuModel::Predict>("predict"),
                        InstanceMethod<&NativeGpuModel::PredictDevice>("predictDevice"),
                        InstanceMethod<&NativeGpuModel::Dispose>("dispose")});
  }
  explicit NativeGpuModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeGpuModel>(info) {
    if (info.Length() == 1 && info[0].IsExternal()) {
      const Init* init = info[0].As<Napi::External<Init>>().Data();
      model_ = init->model;
      data_ = init->data;
    } else {
      Throw(info.Env(), Status(Code::kBadArgument, "NativeGpuModel is created by cuda.loadModel()"));
    }
  }

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value PredictDevice(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    model_.reset();
    return info.Env().Undefined();
  }
  std::shared_ptr<GpuModel> model_;
  CudaData* data_ = nullptr;
};

Napi::Value NativeGpuModel::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!model_) return Throw(env, Status(Code::kDisposed, "the model has been disposed"));
  const GpuModel& m = *model_;
  Napi::Object o = SummaryObject(env, m, m.forest->num_output(false));
  o.Set("device", Napi::Number::New(env, m.forest->device()));
  o.Set("layout", m.inline_rows > 0 ? m.forest->layout() + " inline-rows=" + std::to_string(m.inline_rows)
                                     : m.forest->layout());
  return o;
}

// Reads {margin, keepOnDevice} from an options argument (`output` is taken
// by PredictDevice itself, which can unwrap it).
struct PredictArgs {
  bool margin = false;
  bool keep = false;
  MatrixPtr output;
};

Status ReadOptions(Napi::Env env, const Napi::Value& v, PredictArgs* out, bool device_options) {
  if (v.IsUndefined()) return Status::Ok();
  if (!v.IsObject()) return Status(Code::kBadArgument, "options must be an object");
  Napi::Object o = v.As<Napi::Object>();
  Napi::Value margin = o.Get("margin");
  if (!margin.IsUndefined()) {
    if (!margin.IsBoolean()) return Status(Code::kBadArgument, "margin must be a boolean");
    out->margin = margin.As<Napi::Boolean>().Value();
  }
  if (device_options) {
    Napi::Value keep = o.Get("keepOnDevice");
    if (!keep.IsUndefined()) {
      if (!keep.IsBoolean()) return Status(Code::kBadArgument, "keepOnDevice must be a boolean");
      out->keep = keep.As<Napi::Boolean>().Value();
    }
  }
  if (env.IsExceptionPending()) return TakePending(env, Code::kBadArgument, "bad options");
  return Status::Ok();
}

class HostPredictWorker : public ProfiledWorker {
 public:
  HostPredictWorker(Napi::Env env, std::shared_ptr<GpuModel> model, Napi::Float32Array input, int64_t rows,
                    Napi::Float32Array out, bool margin, Clock::time_point entry)
      : ProfiledWorker(env, "abp.cuda.predict", model->forest->profiling(), "predict", rows, entry), model_(std::move(model)),
        in_ref_(Napi::Persistent(input.As<Napi::Object>())), out_ref_(Napi::Persistent(out.As<Napi::Object>())),
        in_(input.Data()), out_(out.Data()), rows_(rows), margin_(margin) {}

 protected:
  Status Run() override { return model_->forest->PredictHost(in_, rows_, margin_, out_, engine_profile()); }
  Napi::Value Result(Napi::Env) override { return out_ref_.Value(); }

 private:
  std::shared_ptr<GpuModel> model_;
  Napi::ObjectReference in_ref_;  // read in place until the promise settles
  Napi::ObjectReference out_ref_;
  const float* in_;
  float* out_;
  int64_t rows_;
  bool margin_;
};

Napi::Value NativeGpuModel::Predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!model_) return Rejected(env, Status(Code::kDisposed, "the model has been disposed"));
  const Clock::time_point entry = EntryTime(model_->forest->profiling());
  if (info.Length() < 2 || !IsTypedArrayOf(info[0], napi_float32_array)) {
    return Rejected(env, Status(Code::kBadArgument, "predict: input must be a Float32Array"));
  }
  Napi::Float32Array input = info[0].As<Napi::Float32Array>();
  int64_t rows = 0;
  if (!ToCount(info[1], &rows)) return Rejected(env, Status(Code::kBadArgument, "predict: rows must be a non-negative integer"));
  PredictArgs args;
  Status st = ReadOptions(env, info.Length() > 2 ? info[2] : env.Undefined(), &args, false);
  if (!st.ok()) return Rejected(env, Status(st.code(), "predict: " + st.message()));
  const uint64_t nf = static_cast<uint64_t>(model_->num_feature);
  if (!ShapeOk(input.ElementLength(), static_cast<uint64_t>(rows), nf)) {
    return Rejected(env, Status(Code::kInputShape, "predict: input has " + std::to_string(input.ElementLength()) +
                                                       " values, expected rows x numFeature = " +
                                                       std::to_string(rows) + " x " + std::to_string(nf)));
  }
  const uint64_t out_len = static_cast<uint64_t>(rows) * static_cast<uint64_t>(model_->forest->num_output(args.margin));
  if (out_len > (uint64_t{1} << 32)) {
    return Rejected(env, Status(Code::kBadArgument, "predict: too many rows in one call; split the batch"));
  }
  // The caller may pass the output (a reused or page-locked Float32Array).
  Napi::Float32Array out;
  Napi::Value given = info.Length() > 2 && info[2].IsObject() ? info[2].As<Napi::Object>().Get("output") : env.Undefined();
  if (!given.IsUndefined()) {
    if (!IsTypedArrayOf(given, napi_float32_array)) {
      return Rejected(env, Status(Code::kBadArgument, "predict: output must be a Float32Array"));
    }
    out = given.As<Napi::Float32Array>();
    if (out.ElementLength() != out_len) {
      return Rejected(env, Status(Code::kInputShape, "predict: output has " + std::to_string(out.ElementLength()) +
                                                         " values, expected " + std::to_string(out_len)));
    }
  } else {
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, static_cast<size_t>(out_len * sizeof(float)));
    if (env.IsExceptionPending()) return Rejected(env, TakePending(env, Code::kOutOfMemory, "predict: cannot allocate the output"));
    out = Napi::Float32Array::New(env, static_cast<size_t>(out_len), buf, 0);
  }
  auto* worker = new HostPredictWorker(env, model_, input, rows, out, args.margin, entry);
  return model_->inline_rows > 0 && rows <= model_->inline_rows ? RunInline(worker) : QueueProfiled(worker);
}

class DevicePredictWorker : public ProfiledWorker {
 public:
  DevicePredictWorker(Napi::Env env, CudaData* data, std::shared_ptr<GpuModel> model, MatrixPtr in, PredictArgs args,
                      Napi::ArrayBuffer host_out, size_t out_len, Napi::Object output_obj, Clock::time_point entry)
      : ProfiledWorker(env, "abp.cuda.predictDevice", model->forest->profiling(), "predictDevice", in->rows(), entry),
        data_(data), model_(std::move(model)), in_(std::move(in)),
        args_(std::move(args)), out_len_(out_len) {
    if (!host_out.IsEmpty()) {
      host_ref_ = Napi::Persistent(host_out.As<Napi::Object>());
      host_ = static_cast<float*>(host_out.Data());
    }
    if (!output_obj.IsEmpty()) output_obj_ = Napi::Persistent(output_obj);
  }

 protected:
  Status Run() override {
    if (args_.output) {
      return model_->forest->PredictDevice(*in_, args_.margin, args_.output.get(), nullptr, nullptr, engine_profile());
    }
    if (args_.keep) {
      std::unique_ptr<cuda::DeviceMatrix> out;
      Status st = model_->forest->PredictDevice(*in_, args_.margin, nullptr, &out, nullptr, engine_profile());
      if (st.ok()) fresh_ = std::move(out);
      return st;
    }
    return model_->forest->PredictDevice(*in_, args_.margin, nullptr, nullptr, host_, engine_profile());
  }
  Napi::Value Result(Napi::Env env) override {
    if (args_.output) return output_obj_.Value();
    if (args_.keep) return WrapMatrix(env, data_, std::move(fresh_));
    return Napi::Float32Array::New(env, out_len_, host_ref_.Value().As<Napi::ArrayBuffer>(), 0);
  }

 private:
  CudaData* data_;
  std::shared_ptr<GpuModel> model_;
  MatrixPtr in_;
  PredictArgs args_;
  Napi::ObjectReference host_ref_;
  Napi::ObjectReference output_obj_;
  float* host_ = nullptr;
  size_t out_len_;
  MatrixPtr fresh_;
};

// predictDevice(matrix, {margin, keepOnDevice, output})
Napi::Value NativeGpuModel::PredictDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!model_) return Rejected(env, Status(Code::kDisposed, "the model has been disposed"));
  const Clock::time_point entry = EntryTime(model_->forest->profiling());
  if (info.Length() < 1 || !info[0].IsObject() || !info[0].As<Napi::Object>().InstanceOf(data_->matrix_ctor.Value())) {
    return Rejected(env, Status(Code::kBadArgument, "predictDevice: the input must be a device matrix"));
  }
  MatrixPtr in = NativeDeviceMatrix::Unwrap(info[0].As<Napi::Object>())->matrix();
  if (!in) return Rejected(env, Status(Code::kDisposed, "predictDevice: the input matrix has been disposed"));
  PredictArgs args;
  Status st = ReadOptions(env, info.Length() > 1 ? info[1] : env.Undefined(), &args, true);
  if (!st.ok()) return Rejected(env, Status(st.code(), "predictDevice: " + st.message()));
  Napi::Object output_obj;
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Value output = info[1].As<Napi::Object>().Get("output");
    if (!output.IsUndefined()) {
      if (!output.IsObject() || !output.As<Napi::Object>().InstanceOf(data_->matrix_ctor.Value())) {
        return Rejected(env, Status(Code::kBadArgument, "predictDevice: output must be a device matrix"));
      }
      output_obj = output.As<Napi::Object>();
      args.output = NativeDeviceMatrix::Unwrap(output_obj)->matrix();
      if (!args.output) return Rejected(env, Status(Code::kDisposed, "predictDevice: the output matrix has been disposed"));
    }
  }
  Napi::ArrayBuffer host_out;
  uint64_t out_len = 0;
  if (!args.keep && !args.output) {
    out_len = static_cast<uint64_t>(in->rows()) * static_cast<uint64_t>(model_->forest->num_output(args.margin));
    if (out_len > (uint64_t{1} << 32)) {
      return Rejected(env, Status(Code::kBadArgument, "predictDevice: too many rows for one Float32Array; keep the output on the device"));
    }
    host_out = Napi::ArrayBuffer::New(env, static_cast<size_t>(out_len * sizeof(float)));
    if (env.IsExceptionPending()) return Rejected(env, TakePending(env, Code::kOutOfMemory, "predictDevice: cannot allocate the output"));
  }
  const bool inline_call = model_->inline_rows > 0 && in->rows() <= model_->inline_rows;
  auto* worker = new DevicePredictWorker(env, data_, model_, std::move(in), std::move(args), host_out,
                                         static_cast<size_t>(out_len), output_obj, entry);
  return inline_call ? RunInline(worker) : QueueProfiled(worker);
}

// ---------------------------------------------------------------------------
// Module functions

class LoadWorker : public Worker {
 public:
  LoadWorker(Napi::Env env, CudaData* data, std::vector<uint8_t> bytes, std::string format, std::string name, int device)
      : Worker(env, "abp.cuda.loadModel"), data_(data), bytes_(std::move(bytes)), format_(std::move(format)),
        name_(std::move(name)), device_(device) {}

 protected:
  Status Run() override {
    Forest forest;
    Status st = LoadModel(bytes_.data(), bytes_.size(), format_, name_, &forest);
    std::vector<uint8_t>().swap(bytes_);
    if (!st.ok()) return st;
    auto m = std::make_shared<GpuModel>();
    Summarize(forest, m.get());
    const char* inline_rows = std::getenv("ABP_CUDA_INLINE_ROWS");
    if (inline_rows != nullptr) m->inline_rows = std::max<int64_t>(0, std::atoll(inline_rows));
    const FlatForest flat = Flatten(forest);
    st = cuda::CudaForest::Create(flat, device_, &m->forest);
    if (!st.ok()) return Status(st.code(), name_ + ": " + st.message());
    model_ = std::move(m);
    return Status::Ok();
  }
  Napi::Value Result(Napi::Env env) override {
    NativeGpuModel::Init init{model_, data_};
    return data_->model_ctor.New({Napi::External<NativeGpuModel::Init>::New(env, &init)});
  }

 private:
  CudaData* data_;
  std::vector<uint8_t> bytes_;
  std::string format_;
  std::string name_;
  int device_;
  std::shared_ptr<GpuModel> model_;
};

int DeviceArg(const Napi::Value& v, bool* ok) {
  int64_t d = 0;
  *ok = v.IsUndefined() || (ToCount(v, &d) && d < 4096);
  return static_cast<int>(d);
}

Napi::Value LoadModelJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* data = static_cast<CudaData*>(info.Data());
  if (info.Length() < 3 || !IsTypedArrayOf(info[0], napi_uint8_array) || !info[1].IsString() || !info[2].IsString()) {
    return Rejected(env, Status(Code::kBadArgument, "cuda.loadModel(bytes: Uint8Array, format, name, device)"));
  }
  bool ok = false;
  const int device = DeviceArg(info.Length() > 3 ? info[3] : env.Undefined(), &ok);
  if (!ok) return Rejected(env, Status(Code::kBadArgument, "cuda.loadModel: device must be a device index"));
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  std::string name = info[2].As<Napi::String>().Utf8Value();
  std::vector<uint8_t> copy;
  Status st = CopyModelBytes(bytes, name, &copy);
  if (!st.ok()) return Rejected(env, st);
  return QueueWorker(
      new LoadWorker(env, data, std::move(copy), info[1].As<Napi::String>().Utf8Value(), std::move(name), device));
}

class UploadWorker : public Worker {
 public:
  UploadWorker(Napi::Env env, CudaData* data, Napi::Float32Array input, int64_t rows, int64_t cols, int device)
      : Worker(env, "abp.cuda.uploadMatrix"), data_(data), in_ref_(Napi::Persistent(input.As<Napi::Object>())),
        in_(input.Data()), rows_(rows), cols_(cols), device_(device) {}

 protected:
  Status Run() override {
    std::unique_ptr<cuda::DeviceMatrix> m;
    Status st = cuda::DeviceMatrix::Upload(in_, rows_, cols_, device_, &m);
    if (st.ok()) matrix_ = std::move(m);
    return st;
  }
  Napi::Value Result(Napi::Env env) override { return WrapMatrix(env, data_, std::move(matrix_)); }

 private:
  CudaData* data_;
  Napi::ObjectReference in_ref_;
  const float* in_;
  int64_t rows_, cols_;
  int device_;
  MatrixPtr matrix_;
};

// uploadMatrix(data: Float32Array, rows, cols, device)
Napi::Value UploadMatrixJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* data = static_cast<CudaData*>(info.Data());
  int64_t rows = 0, cols = 0;
  if (info.Length() < 3 || !IsTypedArrayOf(info[0], napi_float32_array) || !ToCount(info[1], &rows) ||
      !ToCount(info[2], &cols)) {
    return Rejected(env, Status(Code::kBadArgument, "cuda.uploadMatrix(data: Float32Array, rows, cols, device)"));
  }
  bool ok = false;
  const int device = DeviceArg(info.Length() > 3 ? info[3] : env.Undefined(), &ok);
  if (!ok) return Rejected(env, Status(Code::kBadArgument, "cuda.uploadMatrix: device must be a device index"));
  Napi::Float32Array input = info[0].As<Napi::Float32Array>();
  if (!ShapeOk(input.ElementLength(), static_cast<uint64_t>(rows), static_cast<uint64_t>(cols))) {
    return Rejected(env, Status(Code::kInputShape, "cuda.uploadMatrix: data has " + std::to_string(input.ElementLength()) +
                                                       " values, expected " + std::to_string(rows) + " x " +
                                                       std::to_string(cols)));
  }
  return QueueWorker(new UploadWorker(env, data, input, rows, cols, device));
}

class DevicesWorker : public Worker {
 public:
  explicit DevicesWorker(Napi::Env env) : Worker(env, "abp.cuda.devices") {}

 protected:
  Status Run() override {
    query_ = cuda::QueryRuntime(&info_);
    return Status::Ok();
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("built", Napi::Boolean::New(env, info_.built));
    o.Set("available", Napi::Boolean::New(env, query_.ok()));
    if (!query_.ok()) o.Set("reason", query_.message());
    o.Set("runtimeVersion", Napi::Number::New(env, info_.runtime_version));
    o.Set("driverVersion", Napi::Number::New(env, info_.driver_version));
    Napi::Array list = Napi::Array::New(env, info_.devices.size());
    for (size_t i = 0; i < info_.devices.size(); ++i) {
      const cuda::DeviceInfo& d = info_.devices[i];
      Napi::Object e = Napi::Object::New(env);
      e.Set("index", Napi::Number::New(env, d.index));
      e.Set("name", d.name);
      e.Set("computeCapability", std::to_string(d.major) + "." + std::to_string(d.minor));
      e.Set("totalMemory", Napi::Number::New(env, static_cast<double>(d.total_memory)));
      e.Set("multiprocessors", Napi::Number::New(env, d.multiprocessors));
      e.Set("pciBusId", d.pci_bus_id);
      e.Set("usable", Napi::Boolean::New(env, d.usable));
      if (!d.usable) e.Set("reason", d.reason);
      list.Set(static_cast<uint32_t>(i), e);
    }
    o.Set("devices", list);
    return o;
  }

 private:
  cuda::RuntimeInfo info_;
  Status query_;
};

Napi::Value DevicesJs(const Napi::CallbackInfo& info) {
  return QueueWorker(new DevicesWorker(info.Env()));
}

// allocHost(length): a Float32Array in page-locked memory; predict() moves
// such batches over PCIe without the staging copy.
Napi::Value AllocHostJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t n = 0;
  if (info.Length() < 1 || !ToCount(info[0], &n) || n > (int64_t{1} << 32)) {
    return Throw(env, Status(Code::kBadArgument, "cuda.allocHost(length): length must be an integer up to 2^32"));
  }
  // Node 20 caps external buffers at 4 GiB (buffer.constants.MAX_LENGTH),
  // and a failed napi_create_external_arraybuffer has already run the
  // finalizer: check the size first rather than free twice.
  if (static_cast<uint64_t>(n) * sizeof(float) > (uint64_t{1} << 32)) {
    return Throw(env, Status(Code::kBadArgument, "cuda.allocHost(length): at most 2^30 floats (4 GiB) per buffer"));
  }
  void* p = nullptr;
  Status st = cuda::AllocPinned(static_cast<size_t>(n) * sizeof(float), &p);
  if (!st.ok()) return Throw(env, st);
  Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, p, static_cast<size_t>(n) * sizeof(float),
                                                 [](Napi::Env, void* q) { cuda::FreePinned(q); });
  if (env.IsExceptionPending()) return env.Undefined();  // the finalizer has freed p
  return Napi::Float32Array::New(env, static_cast<size_t>(n), buf, 0);
}

// takeProfile(): the records of profiled calls since the last take, oldest first.
Napi::Value TakeProfileJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<CallRecord> records;
  {
    std::lock_guard<std::mutex> lock(g_records_mu);
    records.swap(g_records);
  }
  Napi::Array list = Napi::Array::New(env, records.size());
  const auto num = [&](double v) { return Napi::Number::New(env, v); };
  for (size_t i = 0; i < records.size(); ++i) {
    const CallRecord& r = records[i];
    const cuda::CallProfile& e = r.engine;
    Napi::Object o = Napi::Object::New(env);
    o.Set("kind", r.kind);
    o.Set("rows", num(static_cast<double>(r.rows)));
    o.Set("bindUs", num(r.bind_us));
    o.Set("dispatchUs", num(r.dispatch_us));
    o.Set("execUs", num(r.exec_us));
    o.Set("completeUs", num(r.complete_us));
    o.Set("settleUs", num(r.settle_us));
    o.Set("nativeUs", num(r.native_us));
    o.Set("setupUs", num(e.setup_us));
    o.Set("stageInUs", num(e.stage_in_us));
    o.Set("enqueueUs", num(e.enqueue_us));
    o.Set("waitUs", num(e.wait_us));
    o.Set("stageOutUs", num(e.stage_out_us));
    o.Set("engineUs", num(e.total_us));
    o.Set("h2dUs", num(e.h2d_us));
    o.Set("kernelUs", num(e.kernel_us));
    o.Set("sumUs", num(e.sum_us));
    o.Set("d2hUs", num(e.d2h_us));
    o.Set("gpuUs", num(e.gpu_us));
    o.Set("chunks", num(e.chunks));
    o.Set("split", Napi::Boolean::New(env, e.split));
    o.Set("graph", Napi::Boolean::New(env, e.graph));
    list.Set(static_cast<uint32_t>(i), o);
    if (env.IsExceptionPending()) return env.Undefined();
  }
  return list;
}

Napi::Value SetMemoryLimitJs(const Napi::CallbackInfo& info) {
  int64_t bytes = 0;
  if (info.Length() < 1 || !ToCount(info[0], &bytes)) {
    return Throw(info.Env(), Status(Code::kBadArgument, "setMemoryLimitForTesting(bytes)"));
  }
  cuda::SetMemoryLimitForTesting(static_cast<uint64_t>(bytes));
  return info.Env().Undefined();
}

Napi::Value InjectFaultJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string kind = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (kind != "kernel" && kind != "copy") return Throw(env, Status(Code::kBadArgument, "injectFaultForTesting('kernel' | 'copy')"));
  cuda::InjectFaultForTesting(kind == "kernel" ? 1 : 2);
  return env.Undefined();
}

// planLayoutForTesting(bytes, format, cases: [{env, smemOptin, smCount}], rows):
// the CUDA engine's launch geometry for a model (native/cuda/layout.h) under
// each case, computed without a device: `env` stands in for the environment
// (only its keys are set), the device is described by its shared memory per
// block (opt-in) and SM count. The model is loaded once; a case the engine
// would refuse at load gives {code, message} instead of a layout. `rows`: the
// batch sizes whose split-trees grid is reported (null: the plain kernel).
Napi::Value PlanLayoutJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Status usage(Code::kBadArgument,
                     "cuda.planLayoutForTesting(bytes: Uint8Array, format, cases: {env, smemOptin, smCount}[], rows?: number[])");
  if (info.Length() < 3 || !IsTypedArrayOf(info[0], napi_uint8_array) || !info[1].IsString() || !info[2].IsArray()) {
    return Throw(env, usage);
  }
  try {
    struct Case {
      std::map<std::string, std::string> vars;
      cuda::layout::Params params;
    };
    std::vector<Case> cases;
    Napi::Array list = info[2].As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Value v = list.Get(i);
      if (!v.IsObject()) return Throw(env, usage);
      Napi::Object c = v.As<Napi::Object>();
      Case k;
      Napi::Value vars = c.Get("env");
      if (vars.IsObject()) {
        Napi::Object o = vars.As<Napi::Object>();
        Napi::Array keys = o.GetPropertyNames();
        for (uint32_t j = 0; j < keys.Length(); ++j) {
          const std::string name = keys.Get(j).ToString().Utf8Value();
          k.vars[name] = o.Get(name).ToString().Utf8Value();
        }
      } else if (!vars.IsUndefined()) {
        return Throw(env, usage);
      }
      int64_t optin = 0, sms = 0;
      if (!ToCount(c.Get("smemOptin"), &optin) || !ToCount(c.Get("smCount"), &sms) || sms < 1 || sms > 100000) {
        return Throw(env, usage);
      }
      k.params.smem_optin = static_cast<size_t>(optin);
      k.params.sm_count = static_cast<int>(sms);
      cases.push_back(std::move(k));
    }
    std::vector<int64_t> rows;
    if (info.Length() > 3 && info[3].IsArray()) {
      Napi::Array r = info[3].As<Napi::Array>();
      for (uint32_t i = 0; i < r.Length(); ++i) {
        int64_t n = 0;
        if (!ToCount(r.Get(i), &n)) return Throw(env, usage);
        rows.push_back(n);
      }
    }
    if (env.IsExceptionPending()) return env.Undefined();
    Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
    Forest forest;
    Status st = LoadModel(bytes.Data(), bytes.ByteLength(), info[1].As<Napi::String>().Utf8Value(), "layout", &forest);
    if (!st.ok()) return Throw(env, st);
    const FlatForest flat = Flatten(forest);
    const int32_t num_trees = static_cast<int32_t>(flat.tree_root.size());
    const auto num = [&](double v) { return Napi::Number::New(env, v); };
    const auto ints = [&](const std::vector<int32_t>& v) {
      Napi::Array a = Napi::Array::New(env, v.size());
      for (size_t i = 0; i < v.size(); ++i) a.Set(static_cast<uint32_t>(i), num(v[i]));
      return a;
    };
    Napi::Array out = Napi::Array::New(env, cases.size());
    for (size_t ci = 0; ci < cases.size(); ++ci) {
      Case& k = cases[ci];
      cuda::layout::Layout l;
      st = cuda::layout::ReadParams(
          [&](const char* name) -> const char* {
            auto it = k.vars.find(name);
            return it == k.vars.end() ? nullptr : it->second.c_str();
          },
          &k.params);
      if (st.ok()) st = cuda::layout::Plan(flat, k.params, &l);
      Napi::Object o = Napi::Object::New(env);
      out.Set(static_cast<uint32_t>(ci), o);
      if (!st.ok()) {
        o.Set("code", CodeName(st.code()));
        o.Set("message", st.message());
        continue;
      }
      o.Set("threads", num(l.threads));
      o.Set("stride", num(l.stride));
      o.Set("stageRows", Napi::Boolean::New(env, l.stage_rows));
      o.Set("rowBuffers", num(l.row_buffers));
      o.Set("stageNodes", Napi::Boolean::New(env, l.stage_nodes));
      o.Set("numTrees", num(num_trees));
      o.Set("numTiles", num(l.num_tiles));
      o.Set("nodeBuffers", num(l.node_buffers));
      o.Set("tileBytes", num(double(l.tile_nodes) * sizeof(FlatNode)));
      o.Set("biggestTreeBytes", num(double(l.biggest_tree) * sizeof(FlatNode)));
      o.Set("smemBytes", num(static_cast<double>(l.smem_bytes)));
      o.Set("splitTrees", Napi::Boolean::New(env, l.split_trees));
      o.Set("splitTreesUpTo", num(static_cast<double>(cuda::layout::SplitTreesUpTo(l, k.params.sm_count))));
      o.Set("tileTree", ints(l.tile_tree));
      o.Set("tileNode", ints(l.tile_node));
      Napi::Array splits = Napi::Array::New(env, rows.size());
      for (size_t i = 0; i < rows.size(); ++i) {
        cuda::layout::SplitGrid g;
        if (!cuda::layout::PlanSplit(l, num_trees, k.params.sm_count, k.params.split_per_sm, rows[i], &g)) {
          splits.Set(static_cast<uint32_t>(i), env.Null());
          continue;
        }
        Napi::Object e = Napi::Object::New(env);
        e.Set("rows", num(static_cast<double>(rows[i])));
        e.Set("rowBlocks", num(static_cast<double>(g.row_blocks)));
        e.Set("splits", num(static_cast<double>(g.splits)));
        e.Set("tilesPerSplit", num(g.tiles_per_split));
        e.Set("scratchBytes", num(static_cast<double>(g.scratch_bytes)));
        splits.Set(static_cast<uint32_t>(i), e);
      }
      o.Set("splits", splits);
      if (env.IsExceptionPending()) return env.Undefined();
    }
    return out;
  } catch (const std::bad_alloc&) {
    return Throw(env, Status(Code::kOutOfMemory, "out of host memory"));
  }
}

}  // namespace

bool UnwrapDeviceMatrix(Napi::Value v, std::shared_ptr<cuda::DeviceMatrix>* out) {
  out->reset();
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kMatrixTag)) return false;
  NativeDeviceMatrix* m = NativeDeviceMatrix::Unwrap(v.As<Napi::Object>());
  if (m == nullptr) return false;
  *out = m->matrix();
  return true;
}

void RegisterCuda(Napi::Env env, Napi::Object exports) {
  auto* data = new CudaData();
  data->model_ctor = Napi::Persistent(NativeGpuModel::Define(env));
  data->matrix_ctor = Napi::Persistent(NativeDeviceMatrix::Define(env));
  env.AddCleanupHook([data] { delete data; });
  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("devices", Napi::Function::New(env, DevicesJs, "devices"));
  cuda.Set("loadModel", Napi::Function::New(env, LoadModelJs, "loadModel", data));
  cuda.Set("uploadMatrix", Napi::Function::New(env, UploadMatrixJs, "uploadMatrix", data));
  cuda.Set("allocHost", Napi::Function::New(env, AllocHostJs, "allocHost"));
  cuda.Set("takeProfile", Napi::Function::New(env, TakeProfileJs, "takeProfile"));
  cuda.Set("setMemoryLimitForTesting", Napi::Function::New(env, SetMemoryLimitJs, "setMemoryLimitForTesting"));
  cuda.Set("injectFaultForTesting", Napi::Function::New(env, InjectFaultJs, "injectFaultForTesting"));
  cuda.Set("planLayoutForTesting", Napi::Function::New(env, PlanLayoutJs, "planLayoutForTesting"));
  exports.Set("cuda", cuda);
}

}  // namespace abp::addon
