// The CUDA engine of a build without CUDA: every entry point reports
// ABP_CUDA_UNAVAILABLE, so the binding and the TS layer need no #ifdefs and
// the CPU engine is untouched. Included by cuda_engine.h only.
#pragma once

namespace abp::cuda {

namespace stub {
inline Status Unavailable() {
  return Status(Code::kCudaUnavailable,
                "built without CUDA: nvcc was not found when the addon was compiled");
}
}  // namespace stub

inline Status QueryRuntime(RuntimeInfo* info) {
  *info = RuntimeInfo{};
  return stub::Unavailable();
}

inline Status DeviceMatrix::Upload(const float*, int64_t, int64_t, int,
                                   std::unique_ptr<DeviceMatrix>*) {
  return stub::Unavailable();
}
inline Status DeviceMatrix::Allocate(int64_t, int64_t, int, std::unique_ptr<DeviceMatrix>*) {
  return stub::Unavailable();
}
inline DeviceMatrix::~DeviceMatrix() = default;
inline Status DeviceMatrix::Read(float*) const { return stub::Unavailable(); }

struct CudaForest::Impl {};
inline CudaForest::CudaForest(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
inline CudaForest::~CudaForest() = default;
inline Status CudaForest::Create(const FlatForest&, int, std::unique_ptr<CudaForest>*) {
  return stub::Unavailable();
}
inline Status CudaForest::PredictHost(const float*, int64_t, bool, float*, CallProfile*) {
  return stub::Unavailable();
}
inline Status CudaForest::PredictDevice(const DeviceMatrix&, bool, DeviceMatrix*,
                                        std::unique_ptr<DeviceMatrix>*, float*, CallProfile*) {
  return stub::Unavailable();
}
inline int CudaForest::device() const { return -1; }
inline int32_t CudaForest::num_feature() const { return 0; }
inline int32_t CudaForest::num_group() const { return 0; }
inline int32_t CudaForest::num_output(bool) const { return 0; }
inline std::string CudaForest::layout() const { return "none"; }
inline bool CudaForest::profiling() const { return false; }
inline void SetMemoryLimitForTesting(uint64_t) {}
inline void InjectFaultForTesting(int) {}
inline Status AllocPinned(size_t, void** out) {
  *out = nullptr;
  return stub::Unavailable();
}
inline void FreePinned(void*) {}

}  // namespace abp::cuda
