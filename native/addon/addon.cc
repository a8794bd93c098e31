// Module entry: registers the addon's surface (see src/native/addon.ts).
#include <napi.h>

#include "addon/bindings.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  abp::addon::RegisterModel(env, exports);
  abp::addon::RegisterCuda(env, exports);
  abp::addon::RegisterTriton(env, exports);
  abp::addon::RegisterNvml(env, exports);
  Napi::Object info = Napi::Object::New(env);
  info.Set("version", Napi::String::New(env, "0.1.0"));
#ifdef ABP_WITH_CUDA
  info.Set("cuda", Napi::Boolean::New(env, true));
#else
  info.Set("cuda", Napi::Boolean::New(env, false));
#endif
  exports.Set("buildInfo", info);
  return exports;
}

}  // namespace

NODE_API_MODULE(abp_fil, Init)
