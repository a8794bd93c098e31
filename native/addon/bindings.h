#pragma once
#include <napi.h>

namespace abp::addon {
// loadModel() and the NativeModel class.
void RegisterModel(Napi::Env env, Napi::Object exports);
}  // namespace abp::addon
