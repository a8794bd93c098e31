// Finds and opens libtritonserver.so at run time (dlopen), resolves the C API
// functions the bridge uses, and checks the library's API version. Nothing
// here links against Triton, so the addon loads on machines without it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "triton/tritonserver_api.h"

namespace abp::triton {

// Error codes seen by JS (`err.code`): the bridge's own, beside the engine's.
inline constexpr const char* kNotFound = "ABP_TRITON_NOT_FOUND";  // no library at any path tried
inline constexpr const char* kSymbols = "ABP_TRITON_SYMBOLS";     // a library without the C API functions
inline constexpr const char* kVersion = "ABP_TRITON_VERSION";     // an API version this bridge cannot use
inline constexpr const char* kTriton = "ABP_TRITON_ERROR";        // an error returned by Triton
inline constexpr const char* kState = "ABP_TRITON_STATE";         // call out of order (no server, stopped, ...)
inline constexpr const char* kBadArgument = "ABP_BAD_ARGUMENT";
inline constexpr const char* kCuda = "ABP_CUDA_UNAVAILABLE";
inline constexpr const char* kOutOfMemory = "ABP_OUT_OF_MEMORY";

// ok() when code is empty.
struct Result {
  std::string code;
  std::string message;
  bool ok() const { return code.empty(); }
  static Result Ok() { return {}; }
  static Result Fail(const char* c, std::string m) { return {c, std::move(m)}; }
};

struct Library {
  std::string path;
  void* handle = nullptr;
  Api api{};
  uint32_t major = 0;
  uint32_t minor = 0;
  // Optional functions this library lacks (settings then skipped).
  std::vector<std::string> missing_optional;
};

// Opens `path` and checks it: every required function present, API major
// equal to ours and minor at least kApiMinorRequired. On failure the handle
// is closed and the Result says which of the three checks failed (kNotFound
// with dlerror() for a file that cannot be opened).
Result Probe(const std::string& path, Library* out);

// Makes the first path that opens the process's Triton library (kept open
// for the life of the process; backends resolve against it). A path that
// opens but fails the symbol or version check is an error at once, not
// skipped. With nothing loadable: kNotFound listing every path and why.
// Calling it again returns the library already active when one of `paths`
// is it, else kState.
Result Activate(const std::vector<std::string>& paths, const Library** out);

// Closes a library opened by Probe() unless it is the active one.
void CloseProbe(Library* lib);

// The active library, or null.
const Library* Active();

// "TRITON_ERROR_CODE: message" of a Triton error, which is deleted.
std::string TakeError(const Api& api, Error* err);

}  // namespace abp::triton
