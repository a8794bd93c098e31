#include "addon/napi_util.h"

#include <cmath>
#include <new>

namespace abp::addon {

Napi::Value ErrorValue(Napi::Env env, const Status& s) {
  Napi::Error e = Napi::Error::New(env, s.message());
  e.Set("code", Napi::String::New(env, CodeName(s.code())));
  return e.Value();
}

Napi::Value Rejected(Napi::Env env, const Status& s) {
  auto d = Napi::Promise::Deferred::New(env);
  d.Reject(ErrorValue(env, s));
  return d.Promise();
}

Napi::Value Throw(Napi::Env env, const Status& s) {
  Napi::Error e = Napi::Error::New(env, s.message());
  e.Set("code", Napi::String::New(env, CodeName(s.code())));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

Status TakePending(Napi::Env env, Code code, const std::string& what) {
  std::string msg = what;
  if (env.IsExceptionPending()) {
    Napi::Error e = env.GetAndClearPendingException();
    msg += ": " + e.Message();
  }
  return Status(code, msg);
}

bool ToCount(const Napi::Value& v, int64_t* out) {
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != std::floor(d) || d > 9007199254740991.0) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

bool ShapeOk(uint64_t len, uint64_t rows, uint64_t cols) {
  return cols == 0 ? len == 0 : (rows <= len / cols && rows * cols == len);
}

bool IsTypedArrayOf(const Napi::Value& v, napi_typedarray_type type) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == type;
}

Status CopyModelBytes(const Napi::Uint8Array& bytes, const std::string& name, std::vector<uint8_t>* out) {
  try {
    out->assign(bytes.Data(), bytes.Data() + bytes.ByteLength());
  } catch (const std::bad_alloc&) {
    return Status(Code::kOutOfMemory, name + ": out of memory reading the model");
  }
  return Status::Ok();
}

void Summarize(const Forest& forest, ModelSummary* out) {
  out->objective = forest.objective_name;
  out->format = forest.format;
  out->num_feature = forest.num_feature;
  out->num_group = forest.num_group;
  out->num_trees = static_cast<int32_t>(forest.trees.size());
  out->max_depth = forest.MaxDepth();
  out->base_score = forest.base_score;
}

Napi::Object SummaryObject(Napi::Env env, const ModelSummary& m, int32_t num_output) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("objective", m.objective);
  o.Set("numFeature", Napi::Number::New(env, m.num_feature));
  o.Set("numGroup", Napi::Number::New(env, m.num_group));
  o.Set("numOutput", Napi::Number::New(env, num_output));
  o.Set("numTrees", Napi::Number::New(env, m.num_trees));
  o.Set("maxDepth", Napi::Number::New(env, m.max_depth));
  o.Set("baseScore", Napi::Number::New(env, m.base_score));
  o.Set("format", m.format);
  return o;
}

}  // namespace abp::addon
