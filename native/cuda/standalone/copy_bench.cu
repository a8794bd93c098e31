// The two bandwidth ceilings the benchmark compares against.
#include <cuda_runtime.h>

#include <cstddef>

double D2DCopySeconds(void* dst, const void* src, size_t bytes) {
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  cudaEventRecord(a);
  cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice);
  cudaEventRecord(b);
  cudaEventSynchronize(b);
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return ms / 1e3;
}

double H2DPinnedSeconds(size_t bytes) {
  void *h = nullptr, *d = nullptr;
  if (cudaHostAlloc(&h, bytes, cudaHostAllocDefault) != cudaSuccess) return 1e9;
  if (cudaMalloc(&d, bytes) != cudaSuccess) { cudaFreeHost(h); return 1e9; }
  cudaMemcpy(d, h, bytes, cudaMemcpyHostToDevice);
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  cudaEventRecord(a);
  cudaMemcpyAsync(d, h, bytes, cudaMemcpyHostToDevice);
  cudaEventRecord(b);
  cudaEventSynchronize(b);
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  cudaFree(d);
  cudaFreeHost(h);
  return ms / 1e3;
}
