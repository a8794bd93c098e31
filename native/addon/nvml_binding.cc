// exports.nvml: GPM metrics through libnvidia-ml opened at run time
// (native/nvml/). Contract: src/native/addon.ts (NativeNvml). Every NVML call
// runs in an AsyncWorker: the driver can take milliseconds (or hang on a
// wedged GPU) and must not stall the JS thread. A session is held by
// shared_ptr, so an in-flight sample keeps it alive past close() or GC.
#include <cmath>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "addon/bindings.h"
#include "addon/napi_util.h"
#include "common/status.h"
#include "nvml/gpm_reader.h"

namespace abp::addon {
namespace {

using SessionPtr = std::shared_ptr<nvml::Session>;

struct NvmlData {
  Napi::FunctionReference session_ctor;
};

// Base for the workers here (napi_util.h): one promise, a Status, bad_alloc caught.
using Worker = PromiseWorker;

class NativeNvmlSession : public Napi::ObjectWrap<NativeNvmlSession> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeNvmlSession",
                       {InstanceMethod<&NativeNvmlSession::Info>("info"),
                        InstanceMethod<&NativeNvmlSession::Sample>("sample"),
                        InstanceMethod<&NativeNvmlSession::Close>("close")});
  }

  // Only nvml.open() constructs these, passing the session as an External.
  explicit NativeNvmlSession(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeNvmlSession>(info) {
    if (info.Length() == 1 && info[0].IsExternal()) {
      session_ = *info[0].As<Napi::External<SessionPtr>>().Data();
    } else {
      Throw(info.Env(), Status(Code::kBadArgument, "NativeNvmlSession is created by nvml.open()"));
    }
  }

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Sample(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  SessionPtr session_;
};

class OpenWorker : public Worker {
 public:
  OpenWorker(Napi::Env env, NvmlData* data, std::string path)
      : Worker(env, "abp.nvml.open"), data_(data), path_(std::move(path)) {}

 protected:
  Status Run() override { return nvml::Session::Open(path_, &session_); }
  Napi::Value Result(Napi::Env env) override {
    return data_->session_ctor.New({Napi::External<SessionPtr>::New(env, &session_)});
  }

 private:
  NvmlData* data_;
  std::string path_;
  SessionPtr session_;
};

class SampleWorker : public Worker {
 public:
  SampleWorker(Napi::Env env, SessionPtr s, std::vector<nvml::GpuRef> gpus, std::vector<unsigned int> ids)
      : Worker(env, "abp.nvml.sample"), session_(std::move(s)), gpus_(std::move(gpus)), ids_(std::move(ids)) {}

 protected:
  Status Run() override {
    session_->Sample(gpus_, ids_, &readings_);
    return Status::Ok();
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array out = Napi::Array::New(env, readings_.size());
    for (size_t i = 0; i < readings_.size(); ++i) {
      const nvml::Reading& r = readings_[i];
      Napi::Object o = Napi::Object::New(env);
      if (r.has_values) {
        Napi::Array v = Napi::Array::New(env, r.values.size());
        for (size_t j = 0; j < r.values.size(); ++j) {
          v.Set(static_cast<uint32_t>(j), std::isnan(r.values[j]) ? env.Null() : Napi::Number::New(env, r.values[j]));
        }
        o.Set("values", v);
      } else {
        o.Set("values", env.Null());
        if (r.quiet) o.Set("quiet", Napi::Boolean::New(env, true));
        if (!r.reason.empty()) o.Set("reason", Napi::String::New(env, r.reason));
      }
      out.Set(static_cast<uint32_t>(i), o);
    }
    return out;
  }

 private:
  SessionPtr session_;
  std::vector<nvml::GpuRef> gpus_;
  std::vector<unsigned int> ids_;
  std::vector<nvml::Reading> readings_;
};

class CloseWorker : public Worker {
 public:
  CloseWorker(Napi::Env env, SessionPtr s) : Worker(env, "abp.nvml.close"), session_(std::move(s)) {}

 protected:
  Status Run() override {
    session_->Close();
    return Status::Ok();
  }
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 private:
  SessionPtr session_;
};

Napi::Value NativeNvmlSession::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("path", Napi::String::New(env, session_ ? session_->path() : ""));
  Napi::Array devs = Napi::Array::New(env);
  Napi::Array missing = Napi::Array::New(env);
  if (session_) {
    uint32_t i = 0;
    for (const nvml::DeviceInfo& d : session_->devices()) {
      Napi::Object x = Napi::Object::New(env);
      x.Set("index", Napi::Number::New(env, d.index));
      x.Set("uuid", Napi::String::New(env, d.uuid));
      x.Set("gpm", Napi::Boolean::New(env, d.gpm));
      if (!d.reason.empty()) x.Set("reason", Napi::String::New(env, d.reason));
      devs.Set(i++, x);
    }
    i = 0;
    for (const std::string& m : session_->missing()) missing.Set(i++, Napi::String::New(env, m));
  }
  o.Set("devices", devs);
  o.Set("missing", missing);
  return o;
}

// A string field of a GPU reference: absent, null or a string of sane length.
bool RefField(Napi::Object o, const char* name, std::string* out) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsString()) return false;
  *out = v.As<Napi::String>().Utf8Value();
  // NVML ids are short; anything longer is not one, and a NUL would cut it.
  return out->size() <= 256 && out->find('\0') == std::string::npos;
}

Napi::Value NativeNvmlSession::Sample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!session_) return Rejected(env, Status(Code::kInternal, "no NVML session"));
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsArray()) {
    return Rejected(env, Status(Code::kBadArgument, "sample(gpus, metricIds): two arrays expected"));
  }
  Napi::Array gpus = info[0].As<Napi::Array>();
  Napi::Array ids = info[1].As<Napi::Array>();
  if (gpus.Length() > 4096) return Rejected(env, Status(Code::kBadArgument, "sample: too many GPUs"));
  if (ids.Length() > nvml::NVML_GPM_METRIC_MAX) return Rejected(env, Status(Code::kBadArgument, "sample: too many metric ids"));
  std::vector<nvml::GpuRef> refs;
  std::vector<unsigned int> metric_ids;
  try {
    refs.resize(gpus.Length());
    for (uint32_t i = 0; i < gpus.Length(); ++i) {
      Napi::Value g = gpus.Get(i);
      if (!g.IsObject() || !RefField(g.As<Napi::Object>(), "uuid", &refs[i].uuid) ||
          !RefField(g.As<Napi::Object>(), "pciBusId", &refs[i].pci_bus_id)) {
        return Rejected(env, Status(Code::kBadArgument, "sample: gpus[" + std::to_string(i) +
                                                            "] must be {uuid, pciBusId} with short strings or null"));
      }
    }
    for (uint32_t i = 0; i < ids.Length(); ++i) {
      Napi::Value v = ids.Get(i);
      const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
      if (!(d >= 0 && d < 65536) || d != std::floor(d)) {
        return Rejected(env, Status(Code::kBadArgument, "sample: metric ids must be integers in [0, 65535]"));
      }
      metric_ids.push_back(static_cast<unsigned int>(d));
    }
  } catch (const std::bad_alloc&) {
    return Rejected(env, Status(Code::kOutOfMemory, "out of host memory"));
  }
  if (env.IsExceptionPending()) return Rejected(env, TakePending(env, Code::kBadArgument, "sample: bad arguments"));
  return QueueWorker(new SampleWorker(env, session_, std::move(refs), std::move(metric_ids)));
}

Napi::Value NativeNvmlSession::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!session_) return Rejected(env, Status(Code::kInternal, "no NVML session"));
  return QueueWorker(new CloseWorker(env, session_));
}

Napi::Value OpenJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* data = static_cast<NvmlData*>(info.Data());
  if (info.Length() < 1 || !info[0].IsString()) return Rejected(env, Status(Code::kBadArgument, "nvml.open(path): a string"));
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.empty() || path.find('\0') != std::string::npos) {
    return Rejected(env, Status(Code::kBadArgument, "nvml.open: the library path must be a non-empty string without NUL"));
  }
  return QueueWorker(new OpenWorker(env, data, std::move(path)));
}

}  // namespace

void RegisterNvml(Napi::Env env, Napi::Object exports) {
  auto* data = new NvmlData();
  data->session_ctor = Napi::Persistent(NativeNvmlSession::Define(env));
  env.AddCleanupHook([data] { delete data; });
  Napi::Object nvml = Napi::Object::New(env);
  nvml.Set("open", Napi::Function::New(env, OpenJs, "open", data));
  exports.Set("nvml", nvml);
}

}  // namespace abp::addon
