#include "triton/loader.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstddef>
#include <mutex>

namespace abp::triton {
namespace {

struct Symbol {
  const char* name;
  size_t offset;  // into Api
  bool optional;
};

#define ABP_SYM(field, name) {"TRITONSERVER_" name, offsetof(Api, field), false}
#define ABP_OPT(field, name) {"TRITONSERVER_" name, offsetof(Api, field), true}

const Symbol kSymbolsTable[] = {
    ABP_SYM(ApiVersion, "ApiVersion"),
    ABP_SYM(ErrorNew, "ErrorNew"),
    ABP_SYM(ErrorDelete, "ErrorDelete"),
    ABP_SYM(ErrorCode_, "ErrorCode"),
    ABP_SYM(ErrorCodeString, "ErrorCodeString"),
    ABP_SYM(ErrorMessage, "ErrorMessage"),
    ABP_SYM(MessageSerializeToJson, "MessageSerializeToJson"),
    ABP_SYM(MessageDelete, "MessageDelete"),
    ABP_SYM(ResponseAllocatorNew, "ResponseAllocatorNew"),
    ABP_SYM(ResponseAllocatorDelete, "ResponseAllocatorDelete"),
    ABP_SYM(ServerOptionsNew, "ServerOptionsNew"),
    ABP_SYM(ServerOptionsDelete, "ServerOptionsDelete"),
    ABP_SYM(ServerOptionsSetModelRepositoryPath, "ServerOptionsSetModelRepositoryPath"),
    ABP_SYM(ServerOptionsSetModelControlMode, "ServerOptionsSetModelControlMode"),
    ABP_SYM(ServerOptionsSetStrictModelConfig, "ServerOptionsSetStrictModelConfig"),
    ABP_SYM(ServerOptionsSetBackendDirectory, "ServerOptionsSetBackendDirectory"),
    ABP_OPT(ServerOptionsSetRepoAgentDirectory, "ServerOptionsSetRepoAgentDirectory"),
    ABP_SYM(ServerOptionsSetCudaMemoryPoolByteSize, "ServerOptionsSetCudaMemoryPoolByteSize"),
    ABP_SYM(ServerOptionsSetPinnedMemoryPoolByteSize, "ServerOptionsSetPinnedMemoryPoolByteSize"),
    ABP_SYM(ServerOptionsSetLogInfo, "ServerOptionsSetLogInfo"),
    ABP_SYM(ServerOptionsSetLogWarn, "ServerOptionsSetLogWarn"),
    ABP_SYM(ServerOptionsSetLogError, "ServerOptionsSetLogError"),
    ABP_SYM(ServerOptionsSetLogVerbose, "ServerOptionsSetLogVerbose"),
    ABP_OPT(ServerOptionsSetMetrics, "ServerOptionsSetMetrics"),
    ABP_OPT(ServerOptionsSetGpuMetrics, "ServerOptionsSetGpuMetrics"),
    ABP_OPT(ServerOptionsSetModelLoadRetryCount, "ServerOptionsSetModelLoadRetryCount"),
    ABP_OPT(ServerOptionsSetExitTimeout, "ServerOptionsSetExitTimeout"),
    ABP_SYM(ServerNew, "ServerNew"),
    ABP_SYM(ServerDelete, "ServerDelete"),
    ABP_SYM(ServerStop, "ServerStop"),
    ABP_SYM(ServerIsLive, "ServerIsLive"),
    ABP_SYM(ServerIsReady, "ServerIsReady"),
    ABP_SYM(ServerLoadModel, "ServerLoadModel"),
    ABP_OPT(ServerLoadModelWithParameters, "ServerLoadModelWithParameters"),
    ABP_OPT(ParameterNew, "ParameterNew"),
    ABP_OPT(ParameterDelete, "ParameterDelete"),
    ABP_SYM(ServerUnloadModel, "ServerUnloadModel"),
    ABP_SYM(ServerModelIsReady, "ServerModelIsReady"),
    ABP_SYM(ServerModelMetadata, "ServerModelMetadata"),
    ABP_SYM(ServerInferAsync, "ServerInferAsync"),
    ABP_SYM(InferenceRequestNew, "InferenceRequestNew"),
    ABP_SYM(InferenceRequestDelete, "InferenceRequestDelete"),
    ABP_OPT(InferenceRequestSetId, "InferenceRequestSetId"),
    ABP_SYM(InferenceRequestAddInput, "InferenceRequestAddInput"),
    ABP_SYM(InferenceRequestAppendInputData, "InferenceRequestAppendInputData"),
    ABP_SYM(InferenceRequestAddRequestedOutput, "InferenceRequestAddRequestedOutput"),
    ABP_SYM(InferenceRequestSetReleaseCallback, "InferenceRequestSetReleaseCallback"),
    ABP_SYM(InferenceRequestSetResponseCallback, "InferenceRequestSetResponseCallback"),
    ABP_SYM(InferenceResponseDelete, "InferenceResponseDelete"),
    ABP_SYM(InferenceResponseError, "InferenceResponseError"),
    ABP_SYM(InferenceResponseOutputCount, "InferenceResponseOutputCount"),
    ABP_SYM(InferenceResponseOutput, "InferenceResponseOutput"),
};

#undef ABP_SYM
#undef ABP_OPT

std::mutex g_mu;
Library* g_active = nullptr;  // never freed: the library stays loaded

std::string DlError() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

}  // namespace

std::string TakeError(const Api& api, Error* err) {
  if (err == nullptr) return "";
  std::string msg = std::string(api.ErrorCodeString(err)) + ": " + api.ErrorMessage(err);
  api.ErrorDelete(err);
  return msg;
}

Result Probe(const std::string& path, Library* out) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Result::Fail(kNotFound, path + ": no such file");
  dlerror();
  // RTLD_LOCAL: Triton's symbols stay out of the global namespace; backends
  // it loads later find it by soname as one of their own dependencies.
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) return Result::Fail(kNotFound, path + ": cannot be opened: " + DlError());
  Library lib;
  lib.path = path;
  lib.handle = h;
  std::string missing;
  for (const Symbol& s : kSymbolsTable) {
    dlerror();
    void* p = dlsym(h, s.name);
    if (p == nullptr) {
      if (s.optional) {
        lib.missing_optional.push_back(s.name);
      } else {
        missing += missing.empty() ? s.name : std::string(", ") + s.name;
      }
    }
    *reinterpret_cast<void**>(reinterpret_cast<char*>(&lib.api) + s.offset) = p;
  }
  if (!missing.empty()) {
    dlclose(h);
    return Result::Fail(kSymbols, path + " is not a usable Triton server library: it lacks " + missing);
  }
  Error* err = lib.api.ApiVersion(&lib.major, &lib.minor);
  if (err != nullptr) {
    std::string m = TakeError(lib.api, err);
    dlclose(h);
    return Result::Fail(kVersion, path + ": TRITONSERVER_ApiVersion failed: " + m);
  }
  if (lib.major != kApiMajor || lib.minor < kApiMinorRequired) {
    std::string m = path + " has Triton server API " + std::to_string(lib.major) + "." + std::to_string(lib.minor) +
                    "; this bridge needs " + std::to_string(kApiMajor) + ".x with x >= " +
                    std::to_string(kApiMinorRequired) + " (written for " + std::to_string(kApiMajor) + "." +
                    std::to_string(kApiMinorWritten) + ")";
    dlclose(h);
    return Result::Fail(kVersion, m);
  }
  *out = std::move(lib);
  return Result::Ok();
}

Result Activate(const std::vector<std::string>& paths, const Library** out) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_active != nullptr) {
    for (const std::string& p : paths) {
      if (p == g_active->path) {
        *out = g_active;
        return Result::Ok();
      }
    }
    return Result::Fail(kState, "this process already uses the Triton library " + g_active->path +
                                    " (one per process); it is not among the paths asked for");
  }
  if (paths.empty()) return Result::Fail(kNotFound, "no Triton library path to try");
  std::string tried;
  for (const std::string& p : paths) {
    Library lib;
    Result r = Probe(p, &lib);
    if (r.ok()) {
      g_active = new Library(std::move(lib));
      *out = g_active;
      return r;
    }
    if (r.code != kNotFound) return r;
    tried += "\n  " + r.message;
  }
  return Result::Fail(kNotFound, "Triton server library (libtritonserver.so) not found; tried:" + tried);
}

void CloseProbe(Library* lib) {
  // dlopen counts references, so this never unloads the active library.
  if (lib->handle != nullptr) dlclose(lib->handle);
  lib->handle = nullptr;
}

const Library* Active() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_active;
}

}  // namespace abp::triton
