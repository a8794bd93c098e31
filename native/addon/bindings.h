#pragma once
#include <napi.h>

namespace abp::addon {
// loadModel() and the NativeModel class.
void RegisterModel(Napi::Env env, Napi::Object exports);
// exports.cuda: devices(), loadModel(), uploadMatrix(), allocHost() (cuda_binding.cc).
void RegisterCuda(Napi::Env env, Napi::Object exports);
// exports.triton: Triton's in-process C API (triton_binding.cc).
void RegisterTriton(Napi::Env env, Napi::Object exports);
}  // namespace abp::addon
