// Node-API helpers shared by the addon's bindings (model, cuda, triton):
// Status to JS Error conversion, argument checks and the common part of a
// model's info() object. No C++ exception crosses into Node from any of them.
#pragma once
#include <napi.h>

#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/forest.h"

namespace abp::addon {

// An Error with s's message and its JS code name (err.code).
Napi::Value ErrorValue(Napi::Env env, const Status& s);
// A promise already rejected with ErrorValue(s).
Napi::Value Rejected(Napi::Env env, const Status& s);
// Throws ErrorValue(s) as a pending JS exception; returns undefined.
Napi::Value Throw(Napi::Env env, const Status& s);
// Takes a pending JS exception (e.g. from a failed allocation) as a Status.
Status TakePending(Napi::Env env, Code code, const std::string& what);

// A non-negative integer argument no larger than 2^53.
bool ToCount(const Napi::Value& v, int64_t* out);
// len == rows * cols, checked without overflow (cols == 0 takes only len 0).
bool ShapeOk(uint64_t len, uint64_t rows, uint64_t cols);
bool IsTypedArrayOf(const Napi::Value& v, napi_typedarray_type type);

// A private copy of model bytes: the parse runs on another thread and must
// not see the caller's buffer change (or be detached) underneath it.
Status CopyModelBytes(const Napi::Uint8Array& bytes, const std::string& name, std::vector<uint8_t>* out);

// What info() reports about a loaded model, whichever engine holds it.
struct ModelSummary {
  std::string objective;
  std::string format;
  int32_t num_feature = 0;
  int32_t num_group = 1;
  int32_t num_trees = 0;
  int32_t max_depth = 0;
  float base_score = 0.0f;
};
void Summarize(const Forest& forest, ModelSummary* out);
// {objective, numFeature, numGroup, numOutput, numTrees, maxDepth, baseScore, format}
Napi::Object SummaryObject(Napi::Env env, const ModelSummary& m, int32_t num_output);

// An AsyncWorker that settles one promise: Run() does the work off the JS
// thread and returns a Status (bad_alloc becomes kOutOfMemory, so no C++
// exception reaches Node); Result() makes the value on the JS thread, and a
// failure there rejects with kInternal instead of leaving an exception pending.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char* name) : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      status_ = Run();
    } catch (const std::bad_alloc&) {
      status_ = Status(Code::kOutOfMemory, "out of host memory");
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (!status_.ok()) {
      deferred_.Reject(ErrorValue(env, status_));
      return;
    }
    Napi::Value v = Result(env);
    if (env.IsExceptionPending()) {
      deferred_.Reject(ErrorValue(env, TakePending(env, Code::kInternal, "cannot create the result")));
      return;
    }
    deferred_.Resolve(v);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 protected:
  virtual Status Run() = 0;
  virtual Napi::Value Result(Napi::Env env) = 0;

 private:
  Napi::Promise::Deferred deferred_;
  Status status_;
};

// Queues an AsyncWorker that owns a promise and returns that promise.
template <typename W>
Napi::Promise QueueWorker(W* worker) {
  Napi::Promise p = worker->Promise();
  worker->Queue();
  return p;
}

}  // namespace abp::addon
