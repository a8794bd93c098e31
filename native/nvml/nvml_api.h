// The part of NVML's C API (nvml.h) the GPM reader uses, declared here from
// the public header's documented layout so the addon builds without the CUDA
// toolkit and never links libnvidia-ml: it is opened with dlopen at run time.
#pragma once

namespace abp::nvml {

using nvmlReturn_t = int;
constexpr nvmlReturn_t NVML_SUCCESS = 0;
constexpr nvmlReturn_t NVML_ERROR_NOT_SUPPORTED = 3;
constexpr nvmlReturn_t NVML_ERROR_GPU_IS_LOST = 15;

using nvmlDevice_t = struct nvmlDevice_st*;
using nvmlGpmSample_t = struct nvmlGpmSample_st*;

// nvmlDeviceGetMigMode's NVML_DEVICE_MIG_ENABLE.
constexpr unsigned int NVML_DEVICE_MIG_ENABLE = 1;
constexpr unsigned int NVML_DEVICE_UUID_V2_BUFFER_SIZE = 96;

// nvmlGpmMetricsGet_t's array length. It grew between drivers (98, 210, 333)
// with the struct version left at 1; the library reads numMetrics entries,
// so the largest length is safe with every driver.
constexpr unsigned int NVML_GPM_METRIC_MAX = 333;
constexpr unsigned int NVML_GPM_METRICS_GET_VERSION = 1;
constexpr unsigned int NVML_GPM_SUPPORT_VERSION = 1;

struct nvmlGpmMetric_t {
  unsigned int metricId;    // IN: an nvmlGpmMetricId_t
  nvmlReturn_t nvmlReturn;  // OUT: value is valid only when NVML_SUCCESS
  double value;             // OUT
  struct {
    char* shortName;
    char* longName;
    char* unit;
  } metricInfo;  // OUT, may be null
};

struct nvmlGpmMetricsGet_t {
  unsigned int version;  // IN: NVML_GPM_METRICS_GET_VERSION
  unsigned int numMetrics;
  nvmlGpmSample_t sample1;  // IN: the earlier sample
  nvmlGpmSample_t sample2;  // IN: the later sample
  nvmlGpmMetric_t metrics[NVML_GPM_METRIC_MAX];
};

struct nvmlGpmSupport_t {
  unsigned int version;  // IN: NVML_GPM_SUPPORT_VERSION
  unsigned int isSupportedDevice;
};

// Function pointer types, one per symbol.
using InitFn = nvmlReturn_t (*)();
using ShutdownFn = nvmlReturn_t (*)();
using ErrorStringFn = const char* (*)(nvmlReturn_t);
using DeviceGetCountFn = nvmlReturn_t (*)(unsigned int*);
using DeviceGetHandleByIndexFn = nvmlReturn_t (*)(unsigned int, nvmlDevice_t*);
using DeviceGetHandleByStringFn = nvmlReturn_t (*)(const char*, nvmlDevice_t*);
using DeviceGetUUIDFn = nvmlReturn_t (*)(nvmlDevice_t, char*, unsigned int);
using DeviceIsMigDeviceHandleFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned int*);
using DeviceGetMigModeFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned int*, unsigned int*);
using GpmQueryDeviceSupportFn = nvmlReturn_t (*)(nvmlDevice_t, nvmlGpmSupport_t*);
using GpmSampleAllocFn = nvmlReturn_t (*)(nvmlGpmSample_t*);
using GpmSampleFreeFn = nvmlReturn_t (*)(nvmlGpmSample_t);
using GpmSampleGetFn = nvmlReturn_t (*)(nvmlDevice_t, nvmlGpmSample_t);
using GpmMetricsGetFn = nvmlReturn_t (*)(nvmlGpmMetricsGet_t*);

// The resolved symbols of one opened library. Required ones are never null;
// the GPM and MIG groups may be (an older driver), which gpm_missing and
// mig_missing name.
struct Api {
  InitFn Init = nullptr;  // nvmlInit_v2
  ShutdownFn Shutdown = nullptr;
  ErrorStringFn ErrorString = nullptr;
  DeviceGetCountFn DeviceGetCount = nullptr;                  // _v2
  DeviceGetHandleByIndexFn DeviceGetHandleByIndex = nullptr;  // _v2
  DeviceGetHandleByStringFn DeviceGetHandleByUUID = nullptr;
  DeviceGetHandleByStringFn DeviceGetHandleByPciBusId = nullptr;  // _v2
  DeviceGetUUIDFn DeviceGetUUID = nullptr;
  DeviceIsMigDeviceHandleFn DeviceIsMigDeviceHandle = nullptr;  // optional
  DeviceGetMigModeFn DeviceGetMigMode = nullptr;                // optional
  GpmQueryDeviceSupportFn GpmQueryDeviceSupport = nullptr;      // optional (GPM group)
  GpmSampleAllocFn GpmSampleAlloc = nullptr;
  GpmSampleFreeFn GpmSampleFree = nullptr;
  GpmSampleGetFn GpmSampleGet = nullptr;
  GpmMetricsGetFn GpmMetricsGet = nullptr;
};

}  // namespace abp::nvml
