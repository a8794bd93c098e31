// loadModel() and the NativeModel class (contract: src/native/addon.ts).
// Parsing and prediction run in AsyncWorkers off the JS thread. A model's
// data is held by shared_ptr: every in-flight predict keeps its own
// reference, so dispose() while predicting is safe. No C++ exception crosses
// into Node: internal code returns Status, std::bad_alloc is caught here.
#include <algorithm>
#include <cmath>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "addon/bindings.h"
#include "addon/napi_util.h"
#include "common/status.h"
#include "engine/complete_forest.h"
#include "engine/cpu_engine.h"
#include "engine/flat_forest.h"
#include "model/forest.h"

namespace abp::addon {
namespace {

struct LoadedModel : ModelSummary {
  FlatForest flat;
  CompleteForest complete;  // empty when the trees are too deep to pad
};

struct AddonData {
  Napi::FunctionReference model_ctor;
};

class NativeModel : public Napi::ObjectWrap<NativeModel> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeModel",
                       {InstanceMethod<&NativeModel::Info>("info"), InstanceMethod<&NativeModel::Predict>("predict"),
                        InstanceMethod<&NativeModel::Dispose>("dispose")});
  }

  // Only loadModel() constructs these, passing the model as an External.
  explicit NativeModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeModel>(info) {
    if (info.Length() == 1 && info[0].IsExternal()) {
      auto* p = info[0].As<Napi::External<std::shared_ptr<const LoadedModel>>>().Data();
      model_ = *p;
    } else {
      Throw(info.Env(), Status(Code::kBadArgument, "NativeModel is created by loadModel()"));
    }
  }

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    model_.reset();
    return info.Env().Undefined();
  }

  std::shared_ptr<const LoadedModel> model_;
};

class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, std::vector<uint8_t> bytes, std::string format, std::string name)
      : Napi::AsyncWorker(env, "abp.loadModel"),
        deferred_(Napi::Promise::Deferred::New(env)),
        bytes_(std::move(bytes)),
        format_(std::move(format)),
        name_(std::move(name)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      Forest forest;
      status_ = LoadModel(bytes_.data(), bytes_.size(), format_, name_, &forest);
      if (!status_.ok()) return;
      auto m = std::make_shared<LoadedModel>();
      Summarize(forest, m.get());
      m->flat = Flatten(forest);
      // The padded layout may cost at most 8x the pointer layout (+1 MiB).
      const size_t flat_bytes = m->flat.nodes.size() * sizeof(FlatNode);
      BuildComplete(m->flat, std::min<size_t>(size_t{256} << 20, 8 * flat_bytes + (size_t{1} << 20)), &m->complete);
      model_ = std::move(m);
    } catch (const std::bad_alloc&) {
      status_ = Status(Code::kOutOfMemory, name_ + ": out of memory while loading the model");
    }
    std::vector<uint8_t>().swap(bytes_);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!status_.ok()) {
      deferred_.Reject(ErrorValue(env, status_));
      return;
    }
    auto* data = env.GetInstanceData<AddonData>();
    Napi::Object obj = data->model_ctor.New({Napi::External<std::shared_ptr<const LoadedModel>>::New(env, &model_)});
    if (env.IsExceptionPending()) {
      deferred_.Reject(ErrorValue(env, TakePending(env, Code::kInternal, name_ + ": cannot create the model object")));
      return;
    }
    deferred_.Resolve(obj);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<uint8_t> bytes_;
  std::string format_;
  std::string name_;
  Status status_;
  std::shared_ptr<const LoadedModel> model_;
};

class PredictWorker : public Napi::AsyncWorker {
 public:
  PredictWorker(Napi::Env env, std::shared_ptr<const LoadedModel> model, Napi::Float32Array input, int64_t rows,
                Napi::ArrayBuffer output, size_t output_len, PredictOptions options)
      : Napi::AsyncWorker(env, "abp.predict"),
        deferred_(Napi::Promise::Deferred::New(env)),
        model_(std::move(model)),
        input_ref_(Napi::Persistent(input.As<Napi::Object>())),
        output_ref_(Napi::Persistent(output.As<Napi::Object>())),
        input_(input.Data()),
        output_(static_cast<float*>(output.Data())),
        output_len_(output_len),
        rows_(rows),
        options_(options) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      status_ = PredictCpu(model_->flat, &model_->complete, input_, rows_, output_, options_);
    } catch (const std::bad_alloc&) {
      status_ = Status(Code::kOutOfMemory, "out of memory while predicting");
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!status_.ok()) {
      deferred_.Reject(ErrorValue(env, status_));
      return;
    }
    Napi::ArrayBuffer buf = output_ref_.Value().As<Napi::ArrayBuffer>();
    deferred_.Resolve(Napi::Float32Array::New(env, output_len_, buf, 0));
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<const LoadedModel> model_;
  Napi::ObjectReference input_ref_;   // keeps the input alive: it is read in place
  Napi::ObjectReference output_ref_;  // the result's buffer, allocated up front
  const float* input_;
  float* output_;
  size_t output_len_;
  int64_t rows_;
  PredictOptions options_;
  Status status_;
};

Napi::Value NativeModel::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!model_) return Throw(env, Status(Code::kDisposed, "the model has been disposed"));
  return SummaryObject(env, *model_, NumOutput(model_->flat, false));
}

Napi::Value NativeModel::Predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!model_) return Rejected(env, Status(Code::kDisposed, "the model has been disposed"));
  if (info.Length() < 2 || !IsTypedArrayOf(info[0], napi_float32_array)) {
    return Rejected(env, Status(Code::kBadArgument, "predict: input must be a Float32Array"));
  }
  Napi::Float32Array input = info[0].As<Napi::Float32Array>();
  if (!info[1].IsNumber()) return Rejected(env, Status(Code::kBadArgument, "predict: rows must be a number"));
  int64_t rows_i = 0;
  if (!ToCount(info[1], &rows_i)) {
    return Rejected(env, Status(Code::kBadArgument, "predict: rows must be a non-negative integer"));
  }
  PredictOptions options;
  if (info.Length() >= 3 && info[2].IsObject()) {
    Napi::Object o = info[2].As<Napi::Object>();
    Napi::Value margin = o.Get("margin");
    if (!margin.IsUndefined()) {
      if (!margin.IsBoolean()) return Rejected(env, Status(Code::kBadArgument, "predict: margin must be a boolean"));
      options.margin = margin.As<Napi::Boolean>().Value();
    }
    Napi::Value threads = o.Get("threads");
    if (!threads.IsUndefined()) {
      const double t = threads.IsNumber() ? threads.As<Napi::Number>().DoubleValue() : -1;
      if (!(t >= 0 && t <= 4096) || t != std::floor(t)) {
        return Rejected(env, Status(Code::kBadArgument, "predict: threads must be an integer in [0, 4096]"));
      }
      options.threads = static_cast<int32_t>(t);
    }
    Napi::Value layout = o.Get("layout");
    if (!layout.IsUndefined()) {
      const std::string l = layout.IsString() ? layout.As<Napi::String>().Utf8Value() : "";
      if (l != "auto" && l != "flat") {
        return Rejected(env, Status(Code::kBadArgument, "predict: layout must be \"auto\" or \"flat\""));
      }
      options.flat_only = l == "flat";
    }
  } else if (info.Length() >= 3 && !info[2].IsUndefined()) {
    return Rejected(env, Status(Code::kBadArgument, "predict: options must be an object"));
  }
  if (env.IsExceptionPending()) return Rejected(env, TakePending(env, Code::kBadArgument, "predict: bad options"));

  const uint64_t rows = static_cast<uint64_t>(rows_i);
  const uint64_t nf = static_cast<uint64_t>(model_->num_feature);
  const uint64_t len = input.ElementLength();
  if (!ShapeOk(len, rows, nf)) {
    return Rejected(env, Status(Code::kInputShape, "predict: input has " + std::to_string(len) +
                                                       " values, expected rows x numFeature = " +
                                                       std::to_string(rows) + " x " + std::to_string(nf)));
  }
  const uint64_t out_len = rows * static_cast<uint64_t>(NumOutput(model_->flat, options.margin));
  if (out_len > (uint64_t{1} << 32)) {
    return Rejected(env, Status(Code::kBadArgument, "predict: " + std::to_string(rows) +
                                                        " rows in one call is too many; split the batch"));
  }
  Napi::ArrayBuffer out = Napi::ArrayBuffer::New(env, static_cast<size_t>(out_len * sizeof(float)));
  if (env.IsExceptionPending()) {
    return Rejected(env, TakePending(env, Code::kOutOfMemory, "predict: cannot allocate the output"));
  }
  if (rows == 0) {
    auto d = Napi::Promise::Deferred::New(env);
    d.Resolve(Napi::Float32Array::New(env, 0, out, 0));
    return d.Promise();
  }
  return QueueWorker(new PredictWorker(env, model_, input, static_cast<int64_t>(rows), out,
                                       static_cast<size_t>(out_len), options));
}

Napi::Value LoadModelJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !IsTypedArrayOf(info[0], napi_uint8_array)) {
    return Rejected(env, Status(Code::kBadArgument, "loadModel: bytes must be a Uint8Array"));
  }
  if (!info[1].IsString() || !info[2].IsString()) {
    return Rejected(env, Status(Code::kBadArgument, "loadModel: format and name must be strings"));
  }
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  std::string format = info[1].As<Napi::String>().Utf8Value();
  std::string name = info[2].As<Napi::String>().Utf8Value();
  std::vector<uint8_t> copy;
  Status st = CopyModelBytes(bytes, name, &copy);
  if (!st.ok()) return Rejected(env, st);
  return QueueWorker(new LoadWorker(env, std::move(copy), std::move(format), std::move(name)));
}

}  // namespace

void RegisterModel(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->model_ctor = Napi::Persistent(NativeModel::Define(env));
  env.SetInstanceData(data);
  exports.Set("loadModel", Napi::Function::New(env, LoadModelJs, "loadModel"));
}

}  // namespace abp::addon
