// The parts of Triton's in-process C API (tritonserver.h) that the bridge
// uses, declared here from the documented facts (type names, enum values,
// signatures) so that the addon builds without Triton's headers and never
// links against libtritonserver: every function is a pointer filled by
// dlsym() in loader.cc.
//
// Written for TRITONSERVER API 1.34 (Triton r25.11). Every function below is
// already in API 1.22 (r23.06), so that is the oldest library accepted.
#pragma once
#include <cstddef>
#include <cstdint>

extern "C" {
struct TRITONSERVER_Error;
struct TRITONSERVER_Message;
struct TRITONSERVER_ServerOptions;
struct TRITONSERVER_Server;
struct TRITONSERVER_ResponseAllocator;
struct TRITONSERVER_InferenceRequest;
struct TRITONSERVER_InferenceResponse;
struct TRITONSERVER_InferenceTrace;
struct TRITONSERVER_Parameter;
}

namespace abp::triton {

inline constexpr uint32_t kApiMajor = 1;
inline constexpr uint32_t kApiMinorWritten = 34;
inline constexpr uint32_t kApiMinorRequired = 22;

// Enums are C enums (int-sized) in the header; the values are fixed by it.
enum DataType : int {
  kTypeInvalid = 0, kTypeBool, kTypeUint8, kTypeUint16, kTypeUint32, kTypeUint64,
  kTypeInt8, kTypeInt16, kTypeInt32, kTypeInt64, kTypeFp16, kTypeFp32, kTypeFp64,
  kTypeBytes, kTypeBf16
};
enum MemoryType : int { kMemoryCpu = 0, kMemoryCpuPinned = 1, kMemoryGpu = 2 };
enum ErrorCode : int {
  kErrUnknown = 0, kErrInternal, kErrNotFound, kErrInvalidArg, kErrUnavailable,
  kErrUnsupported, kErrAlreadyExists, kErrCancelled
};
enum ModelControlMode : int { kControlNone = 0, kControlPoll = 1, kControlExplicit = 2 };
enum ParameterType : int { kParamString = 0, kParamInt, kParamBool, kParamDouble, kParamBytes };
inline constexpr uint32_t kRequestReleaseAll = 1;
inline constexpr uint32_t kResponseCompleteFinal = 1;

using Error = TRITONSERVER_Error;
using Allocator = TRITONSERVER_ResponseAllocator;
using Request = TRITONSERVER_InferenceRequest;
using Response = TRITONSERVER_InferenceResponse;

using AllocFn = Error* (*)(Allocator*, const char* tensor_name, size_t byte_size, MemoryType memory_type,
                           int64_t memory_type_id, void* userp, void** buffer, void** buffer_userp,
                           MemoryType* actual_memory_type, int64_t* actual_memory_type_id);
using ReleaseFn = Error* (*)(Allocator*, void* buffer, void* buffer_userp, size_t byte_size,
                             MemoryType memory_type, int64_t memory_type_id);
using StartFn = Error* (*)(Allocator*, void* userp);
using RequestReleaseFn = void (*)(Request*, uint32_t flags, void* userp);
using ResponseCompleteFn = void (*)(Response*, uint32_t flags, void* userp);

// One pointer per C API function, named as in tritonserver.h without the
// TRITONSERVER_ prefix. `optional` entries may be absent (a library built
// without them); the others must all resolve.
struct Api {
  Error* (*ApiVersion)(uint32_t* major, uint32_t* minor);
  Error* (*ErrorNew)(ErrorCode code, const char* msg);
  void (*ErrorDelete)(Error* error);
  ErrorCode (*ErrorCode_)(Error* error);
  const char* (*ErrorCodeString)(Error* error);
  const char* (*ErrorMessage)(Error* error);

  Error* (*MessageSerializeToJson)(TRITONSERVER_Message* message, const char** base, size_t* byte_size);
  Error* (*MessageDelete)(TRITONSERVER_Message* message);

  Error* (*ResponseAllocatorNew)(Allocator** allocator, AllocFn alloc_fn, ReleaseFn release_fn, StartFn start_fn);
  Error* (*ResponseAllocatorDelete)(Allocator* allocator);

  Error* (*ServerOptionsNew)(TRITONSERVER_ServerOptions** options);
  Error* (*ServerOptionsDelete)(TRITONSERVER_ServerOptions* options);
  Error* (*ServerOptionsSetModelRepositoryPath)(TRITONSERVER_ServerOptions*, const char* path);
  Error* (*ServerOptionsSetModelControlMode)(TRITONSERVER_ServerOptions*, ModelControlMode mode);
  Error* (*ServerOptionsSetStrictModelConfig)(TRITONSERVER_ServerOptions*, bool strict);
  Error* (*ServerOptionsSetBackendDirectory)(TRITONSERVER_ServerOptions*, const char* dir);
  Error* (*ServerOptionsSetRepoAgentDirectory)(TRITONSERVER_ServerOptions*, const char* dir);
  Error* (*ServerOptionsSetCudaMemoryPoolByteSize)(TRITONSERVER_ServerOptions*, int gpu_device, uint64_t size);
  Error* (*ServerOptionsSetPinnedMemoryPoolByteSize)(TRITONSERVER_ServerOptions*, uint64_t size);
  Error* (*ServerOptionsSetLogInfo)(TRITONSERVER_ServerOptions*, bool log);
  Error* (*ServerOptionsSetLogWarn)(TRITONSERVER_ServerOptions*, bool log);
  Error* (*ServerOptionsSetLogError)(TRITONSERVER_ServerOptions*, bool log);
  Error* (*ServerOptionsSetLogVerbose)(TRITONSERVER_ServerOptions*, int level);
  Error* (*ServerOptionsSetMetrics)(TRITONSERVER_ServerOptions*, bool metrics);        // optional
  Error* (*ServerOptionsSetGpuMetrics)(TRITONSERVER_ServerOptions*, bool gpu_metrics);  // optional
  Error* (*ServerOptionsSetModelLoadRetryCount)(TRITONSERVER_ServerOptions*, unsigned int retry_count);  // optional
  Error* (*ServerOptionsSetExitTimeout)(TRITONSERVER_ServerOptions*, unsigned int timeout);

  Error* (*ServerNew)(TRITONSERVER_Server** server, TRITONSERVER_ServerOptions* options);
  Error* (*ServerDelete)(TRITONSERVER_Server* server);
  Error* (*ServerStop)(TRITONSERVER_Server* server);
  Error* (*ServerIsLive)(TRITONSERVER_Server* server, bool* live);
  Error* (*ServerIsReady)(TRITONSERVER_Server* server, bool* ready);
  Error* (*ServerLoadModel)(TRITONSERVER_Server* server, const char* model_name);
  // Load parameters: "config" (a string) is a JSON model configuration used
  // in place of the repository's config.pbtxt.                      optional
  Error* (*ServerLoadModelWithParameters)(TRITONSERVER_Server* server, const char* model_name,
                                          const TRITONSERVER_Parameter** parameters, uint64_t parameter_count);
  TRITONSERVER_Parameter* (*ParameterNew)(const char* name, ParameterType type, const void* value);  // optional
  void (*ParameterDelete)(TRITONSERVER_Parameter* parameter);                                        // optional
  Error* (*ServerUnloadModel)(TRITONSERVER_Server* server, const char* model_name);
  Error* (*ServerModelIsReady)(TRITONSERVER_Server* server, const char* model_name, int64_t model_version, bool* ready);
  Error* (*ServerModelMetadata)(TRITONSERVER_Server* server, const char* model_name, int64_t model_version,
                                TRITONSERVER_Message** metadata);
  Error* (*ServerInferAsync)(TRITONSERVER_Server* server, Request* request, TRITONSERVER_InferenceTrace* trace);

  Error* (*InferenceRequestNew)(Request** request, TRITONSERVER_Server* server, const char* model_name,
                                int64_t model_version);
  Error* (*InferenceRequestDelete)(Request* request);
  Error* (*InferenceRequestSetId)(Request* request, const char* id);
  Error* (*InferenceRequestAddInput)(Request* request, const char* name, DataType datatype, const int64_t* shape,
                                     uint64_t dim_count);
  Error* (*InferenceRequestAppendInputData)(Request* request, const char* name, const void* base, size_t byte_size,
                                            MemoryType memory_type, int64_t memory_type_id);
  Error* (*InferenceRequestAddRequestedOutput)(Request* request, const char* name);
  Error* (*InferenceRequestSetReleaseCallback)(Request* request, RequestReleaseFn fn, void* userp);
  Error* (*InferenceRequestSetResponseCallback)(Request* request, Allocator* allocator, void* allocator_userp,
                                                ResponseCompleteFn fn, void* userp);

  Error* (*InferenceResponseDelete)(Response* response);
  Error* (*InferenceResponseError)(Response* response);
  Error* (*InferenceResponseOutputCount)(Response* response, uint32_t* count);
  Error* (*InferenceResponseOutput)(Response* response, uint32_t index, const char** name, DataType* datatype,
                                    const int64_t** shape, uint64_t* dim_count, const void** base, size_t* byte_size,
                                    MemoryType* memory_type, int64_t* memory_type_id, void** userp);
};

}  // namespace abp::triton
