// ABP_HD marks the small inline functions compiled for both the host and,
// under nvcc, the device, so the CPU and CUDA engines share one definition.
#pragma once
#ifndef ABP_HD
#if defined(__CUDACC__)
#define ABP_HD __host__ __device__ __forceinline__
#else
#define ABP_HD inline
#endif
#endif
