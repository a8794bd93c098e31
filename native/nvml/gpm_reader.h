// GPM work-activity metrics through NVML, for the collector's NVML source
// (src/collect/gpm/nvml.ts). libnvidia-ml is opened with dlopen (never
// linked), so the addon loads where there is no driver. A Session keeps, per
// GPU, its previous GPM sample; each Sample() takes a new one and computes the
// metrics for the interval between the two. Every call blocks on the driver:
// the binding runs them off the JS thread. Thread-safe (one mutex).
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "nvml/nvml_api.h"

namespace abp::nvml {

// One GPU as a record names it: UUID first, PCI bus id when the UUID is
// unknown to NVML (or empty).
struct GpuRef {
  std::string uuid;
  std::string pci_bus_id;
};

struct Reading {
  // values.size() == metric count when there are values; NaN where the
  // driver answered that one metric with an error.
  bool has_values = false;
  // The GPU's first sample (or the first after a failure): no interval yet.
  bool quiet = false;
  std::vector<double> values;
  std::string reason;  // why there are no values (empty when quiet)
};

// What Open() found, by NVML index.
struct DeviceInfo {
  unsigned int index = 0;
  std::string uuid;
  bool gpm = false;
  std::string reason;  // why not, when !gpm
};

struct Library;  // gpm_reader.cc: one dlopen'd libnvidia-ml, kept for the process

class Session {
 public:
  // Loads `path` (kept loaded for the process's life), nvmlInit_v2, and
  // looks at every device's GPM support. Fails with kNvmlUnavailable and a
  // message saying why (no library, missing symbols, init error).
  static Status Open(const std::string& path, std::shared_ptr<Session>* out);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<DeviceInfo>& devices() const { return devices_; }
  // Names of GPM/MIG functions this library lacks (an older driver).
  const std::vector<std::string>& missing() const;

  // One reading per GPU, in order. Never fails as a whole: a GPU's failure
  // is its reading's reason. After Close(), every reading says so.
  void Sample(const std::vector<GpuRef>& gpus, const std::vector<unsigned int>& metric_ids,
              std::vector<Reading>* out);
  // Frees the samples and calls nvmlShutdown; later Sample()s read nothing.
  void Close();

 private:
  struct Gpu;
  Session(const Library* lib, std::string path);
  std::string Error(const char* call, nvmlReturn_t r) const;
  Gpu* Resolve(const GpuRef& ref, std::string* reason);
  void SampleOne(const GpuRef& ref, const std::vector<unsigned int>& ids, Reading* out);
  std::string SupportReason(nvmlDevice_t dev) const;

  const Library* lib_;
  std::string path_;
  std::vector<DeviceInfo> devices_;
  std::mutex mu_;
  bool open_ = true;
  std::map<std::string, std::unique_ptr<Gpu>> gpus_;  // by "uuid|pci"
  std::unique_ptr<nvmlGpmMetricsGet_t> metrics_;       // ~13 KB, reused
};

}  // namespace abp::nvml
