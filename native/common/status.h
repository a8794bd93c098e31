// Errors inside the native core travel as values, never as exceptions, so
// nothing can unwind across the Node-API boundary. Codes mirror the JS error
// classes in src/errors.ts (the `code` property of the rejected Error).
#pragma once
#include <string>
#include <utility>

namespace abp {

enum class Code {
  kOk = 0,
  kModelFormat,       // ABP_MODEL_FORMAT: not a model file we recognise / malformed encoding
  kModelInvalid,      // ABP_MODEL_INVALID: well-formed encoding, impossible model (bad index, cycle...)
  kModelUnsupported,  // ABP_MODEL_UNSUPPORTED: valid XGBoost model we do not run (dart, categorical...)
  kBadArgument,       // ABP_BAD_ARGUMENT: wrong argument from JS
  kInputShape,        // ABP_INPUT_SHAPE: input length does not match rows x features
  kDisposed,          // ABP_DISPOSED: model used after dispose()
  kOutOfMemory,       // ABP_OUT_OF_MEMORY: host allocation failed
  kCudaUnavailable,   // ABP_CUDA_UNAVAILABLE: no CUDA in this build, no driver, or no device
  kCudaOutOfMemory,   // ABP_CUDA_OOM: device allocation failed even after splitting
  kCudaError,         // ABP_CUDA_ERROR: a kernel or copy failed
  kNvmlUnavailable,   // ABP_NVML_UNAVAILABLE: libnvidia-ml cannot be loaded or initialised
  kInternal,          // ABP_INTERNAL
};

inline const char* CodeName(Code c) {
  switch (c) {
    case Code::kOk: return "ABP_OK";
    case Code::kModelFormat: return "ABP_MODEL_FORMAT";
    case Code::kModelInvalid: return "ABP_MODEL_INVALID";
    case Code::kModelUnsupported: return "ABP_MODEL_UNSUPPORTED";
    case Code::kBadArgument: return "ABP_BAD_ARGUMENT";
    case Code::kInputShape: return "ABP_INPUT_SHAPE";
    case Code::kDisposed: return "ABP_DISPOSED";
    case Code::kOutOfMemory: return "ABP_OUT_OF_MEMORY";
    case Code::kCudaUnavailable: return "ABP_CUDA_UNAVAILABLE";
    case Code::kCudaOutOfMemory: return "ABP_CUDA_OOM";
    case Code::kCudaError: return "ABP_CUDA_ERROR";
    case Code::kNvmlUnavailable: return "ABP_NVML_UNAVAILABLE";
    case Code::kInternal: return "ABP_INTERNAL";
  }
  return "ABP_INTERNAL";
}

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace abp
