#pragma once
#include <napi.h>

#include <memory>

namespace abp::cuda {
class DeviceMatrix;
}

namespace abp::addon {
// loadModel() and the NativeModel class.
void RegisterModel(Napi::Env env, Napi::Object exports);
// exports.cuda: devices(), loadModel(), uploadMatrix(), allocHost() (cuda_binding.cc).
void RegisterCuda(Napi::Env env, Napi::Object exports);
// The CUDA engine's matrix behind a JS NativeDeviceMatrix (cuda_binding.cc),
// shared so a caller that reads it in place (Triton) keeps it alive past a
// dispose(). False when `v` is not a NativeDeviceMatrix; true with *out null
// when it has been disposed. Works in builds without CUDA too, where no such
// object can exist.
bool UnwrapDeviceMatrix(Napi::Value v, std::shared_ptr<cuda::DeviceMatrix>* out);
// exports.triton: Triton's in-process C API (triton_binding.cc).
void RegisterTriton(Napi::Env env, Napi::Object exports);
// exports.nvml: GPM metrics through libnvidia-ml opened at run time (nvml_binding.cc).
void RegisterNvml(Napi::Env env, Napi::Object exports);
}  // namespace abp::addon
