#include "nvml/gpm_reader.h"

#include <dlfcn.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

namespace abp::nvml {

struct Library {
  void* handle = nullptr;
  Api api;
  std::vector<std::string> missing;  // optional symbols this library lacks
};

namespace {

std::mutex g_libs_mu;
// One entry per path opened successfully, never freed or dlclose'd: NVML may
// keep threads and handlers of its own, and unloading it under them (or at
// exit) is how a process crashes.
std::map<std::string, Library*> g_libs;

template <typename Fn>
bool Resolve(void* h, const char* name, Fn* out) {
  void* p = dlsym(h, name);
  if (!p) return false;
  *out = reinterpret_cast<Fn>(p);
  return true;
}

Status LoadLibrary(const std::string& path, const Library** out) {
  std::lock_guard<std::mutex> lock(g_libs_mu);
  auto it = g_libs.find(path);
  if (it != g_libs.end()) {
    *out = it->second;
    return Status::Ok();
  }
  dlerror();
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    return Status(Code::kNvmlUnavailable,
                  "cannot load " + path + " (no NVIDIA driver here?): " + (e ? e : "dlopen failed"));
  }
  auto lib = std::make_unique<Library>();
  lib->handle = h;
  Api& a = lib->api;
  struct Required {
    const char* name;
    bool ok;
  } required[] = {
      {"nvmlInit_v2", Resolve(h, "nvmlInit_v2", &a.Init)},
      {"nvmlShutdown", Resolve(h, "nvmlShutdown", &a.Shutdown)},
      {"nvmlErrorString", Resolve(h, "nvmlErrorString", &a.ErrorString)},
      {"nvmlDeviceGetCount_v2", Resolve(h, "nvmlDeviceGetCount_v2", &a.DeviceGetCount)},
      {"nvmlDeviceGetHandleByIndex_v2", Resolve(h, "nvmlDeviceGetHandleByIndex_v2", &a.DeviceGetHandleByIndex)},
      {"nvmlDeviceGetHandleByUUID", Resolve(h, "nvmlDeviceGetHandleByUUID", &a.DeviceGetHandleByUUID)},
      {"nvmlDeviceGetHandleByPciBusId_v2", Resolve(h, "nvmlDeviceGetHandleByPciBusId_v2", &a.DeviceGetHandleByPciBusId)},
      {"nvmlDeviceGetUUID", Resolve(h, "nvmlDeviceGetUUID", &a.DeviceGetUUID)},
  };
  for (const Required& r : required) {
    if (!r.ok) {
      // Not kept: the handle stays open (harmless) but a later call retries.
      return Status(Code::kNvmlUnavailable, path + " has no " + r.name + " (not NVML, or a very old driver)");
    }
  }
  struct Optional {
    const char* name;
    bool ok;
  } optional[] = {
      {"nvmlDeviceIsMigDeviceHandle", Resolve(h, "nvmlDeviceIsMigDeviceHandle", &a.DeviceIsMigDeviceHandle)},
      {"nvmlDeviceGetMigMode", Resolve(h, "nvmlDeviceGetMigMode", &a.DeviceGetMigMode)},
      {"nvmlGpmQueryDeviceSupport", Resolve(h, "nvmlGpmQueryDeviceSupport", &a.GpmQueryDeviceSupport)},
      {"nvmlGpmSampleAlloc", Resolve(h, "nvmlGpmSampleAlloc", &a.GpmSampleAlloc)},
      {"nvmlGpmSampleFree", Resolve(h, "nvmlGpmSampleFree", &a.GpmSampleFree)},
      {"nvmlGpmSampleGet", Resolve(h, "nvmlGpmSampleGet", &a.GpmSampleGet)},
      {"nvmlGpmMetricsGet", Resolve(h, "nvmlGpmMetricsGet", &a.GpmMetricsGet)},
  };
  for (const Optional& o : optional) {
    if (!o.ok) lib->missing.push_back(o.name);
  }
  // GPM needs all five or none.
  if (!a.GpmQueryDeviceSupport || !a.GpmSampleAlloc || !a.GpmSampleFree || !a.GpmSampleGet || !a.GpmMetricsGet) {
    a.GpmQueryDeviceSupport = nullptr;
    a.GpmSampleAlloc = nullptr;
    a.GpmSampleFree = nullptr;
    a.GpmSampleGet = nullptr;
    a.GpmMetricsGet = nullptr;
  }
  Library* raw = lib.release();
  g_libs.emplace(path, raw);
  *out = raw;
  return Status::Ok();
}

// A GPM sample buffer, freed with its owner.
class SampleBuf {
 public:
  explicit SampleBuf(const Api* api) : api_(api) {}
  ~SampleBuf() {
    if (s_) api_->GpmSampleFree(s_);  // nothing to do about an error here
  }
  SampleBuf(const SampleBuf&) = delete;
  SampleBuf& operator=(const SampleBuf&) = delete;
  nvmlReturn_t Alloc() { return s_ ? NVML_SUCCESS : api_->GpmSampleAlloc(&s_); }
  nvmlGpmSample_t get() const { return s_; }

 private:
  const Api* api_;
  nvmlGpmSample_t s_ = nullptr;
};

const char kMigEnabled[] = "MIG mode is enabled: whole-GPU GPM activity cannot be attributed to one instance";

}  // namespace

struct Session::Gpu {
  explicit Gpu(const Api* api) : prev(std::make_unique<SampleBuf>(api)), cur(std::make_unique<SampleBuf>(api)) {}
  nvmlDevice_t dev = nullptr;
  std::string fixed_reason;  // unsupported for good (no GPM, a MIG instance)
  std::unique_ptr<SampleBuf> prev, cur;
  bool has_prev = false;
};

Session::Session(const Library* lib, std::string path) : lib_(lib), path_(std::move(path)) {}

Session::~Session() { Close(); }

const std::vector<std::string>& Session::missing() const { return lib_->missing; }

std::string Session::Error(const char* call, nvmlReturn_t r) const {
  const char* s = lib_->api.ErrorString(r);
  return std::string(call) + ": " + (s ? s : "error") + " (NVML " + std::to_string(r) + ")";
}

std::string Session::SupportReason(nvmlDevice_t dev) const {
  const Api& a = lib_->api;
  if (!a.GpmSampleGet) {
    return "this driver's NVML has no GPM functions (nvmlGpmSampleGet and others: driver 520 or newer, Hopper or "
           "newer GPU)";
  }
  if (a.DeviceIsMigDeviceHandle) {
    unsigned int is_mig = 0;
    if (a.DeviceIsMigDeviceHandle(dev, &is_mig) == NVML_SUCCESS && is_mig) {
      return "a MIG instance: GPM is read for whole GPUs only";
    }
  }
  nvmlGpmSupport_t support{};
  support.version = NVML_GPM_SUPPORT_VERSION;
  const nvmlReturn_t r = a.GpmQueryDeviceSupport(dev, &support);
  if (r != NVML_SUCCESS) return Error("nvmlGpmQueryDeviceSupport", r);
  if (!support.isSupportedDevice) return "GPM is not supported on this GPU (Hopper or newer; not on virtual GPUs)";
  return "";
}

Status Session::Open(const std::string& path, std::shared_ptr<Session>* out) {
  const Library* lib = nullptr;
  Status s = LoadLibrary(path, &lib);
  if (!s.ok()) return s;
  const Api& a = lib->api;
  nvmlReturn_t r = a.Init();
  if (r != NVML_SUCCESS) {
    const char* e = a.ErrorString(r);
    return Status(Code::kNvmlUnavailable, "nvmlInit_v2: " + std::string(e ? e : "error") + " (NVML " + std::to_string(r) + ")");
  }
  // From here the session owns the init: its destructor shuts NVML down.
  std::shared_ptr<Session> session(new Session(lib, path));
  unsigned int n = 0;
  r = a.DeviceGetCount(&n);
  if (r != NVML_SUCCESS) return Status(Code::kNvmlUnavailable, session->Error("nvmlDeviceGetCount_v2", r));
  for (unsigned int i = 0; i < n; ++i) {
    DeviceInfo d;
    d.index = i;
    nvmlDevice_t dev = nullptr;
    r = a.DeviceGetHandleByIndex(i, &dev);
    if (r != NVML_SUCCESS) {
      d.reason = session->Error("nvmlDeviceGetHandleByIndex_v2", r);
    } else {
      char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE] = {0};
      if (a.DeviceGetUUID(dev, uuid, sizeof uuid) == NVML_SUCCESS) d.uuid.assign(uuid, strnlen(uuid, sizeof uuid));
      d.reason = session->SupportReason(dev);
      d.gpm = d.reason.empty();
    }
    session->devices_.push_back(std::move(d));
  }
  *out = std::move(session);
  return Status::Ok();
}

Session::Gpu* Session::Resolve(const GpuRef& ref, std::string* reason) {
  const std::string key = ref.uuid + "|" + ref.pci_bus_id;
  auto it = gpus_.find(key);
  if (it != gpus_.end()) return it->second.get();
  const Api& a = lib_->api;
  nvmlDevice_t dev = nullptr;
  nvmlReturn_t r = NVML_ERROR_NOT_SUPPORTED;
  std::string why;
  if (!ref.uuid.empty()) {
    r = a.DeviceGetHandleByUUID(ref.uuid.c_str(), &dev);
    if (r != NVML_SUCCESS) why = Error("nvmlDeviceGetHandleByUUID", r);
  }
  if (r != NVML_SUCCESS && !ref.pci_bus_id.empty()) {
    r = a.DeviceGetHandleByPciBusId(ref.pci_bus_id.c_str(), &dev);
    if (r != NVML_SUCCESS) why += (why.empty() ? "" : "; ") + Error("nvmlDeviceGetHandleByPciBusId_v2", r);
  }
  if (r != NVML_SUCCESS) {
    *reason = "NVML does not know this GPU" + (why.empty() ? std::string(" (no UUID or PCI bus id in the record)") : ": " + why);
    return nullptr;
  }
  auto g = std::make_unique<Gpu>(&a);
  g->dev = dev;
  g->fixed_reason = SupportReason(dev);
  Gpu* raw = g.get();
  gpus_.emplace(key, std::move(g));
  return raw;
}

void Session::SampleOne(const GpuRef& ref, const std::vector<unsigned int>& ids, Reading* out) {
  const Api& a = lib_->api;
  Gpu* g = Resolve(ref, &out->reason);
  if (!g) return;
  if (!g->fixed_reason.empty()) {
    out->reason = g->fixed_reason;
    return;
  }
  if (a.DeviceGetMigMode) {
    unsigned int current = 0, pending = 0;
    // NOT_SUPPORTED: a GPU without MIG, which is fine.
    if (a.DeviceGetMigMode(g->dev, &current, &pending) == NVML_SUCCESS && current == NVML_DEVICE_MIG_ENABLE) {
      g->has_prev = false;
      out->reason = kMigEnabled;
      return;
    }
  }
  nvmlReturn_t r = g->prev->Alloc();
  if (r == NVML_SUCCESS) r = g->cur->Alloc();
  if (r != NVML_SUCCESS) {
    out->reason = Error("nvmlGpmSampleAlloc", r);
    return;
  }
  r = a.GpmSampleGet(g->dev, g->cur->get());
  if (r != NVML_SUCCESS) {
    out->reason = Error("nvmlGpmSampleGet", r);
    if (r == NVML_ERROR_GPU_IS_LOST) {
      // Look the GPU up again next time (a reset gives it a new handle).
      gpus_.erase(ref.uuid + "|" + ref.pci_bus_id);
    } else {
      g->has_prev = false;
    }
    return;
  }
  // The newest sample becomes the previous one for the next interval, whatever
  // the metrics call below says.
  std::swap(g->prev, g->cur);
  if (!g->has_prev) {
    g->has_prev = true;
    out->quiet = true;
    return;
  }
  if (!metrics_) metrics_ = std::make_unique<nvmlGpmMetricsGet_t>();
  nvmlGpmMetricsGet_t& m = *metrics_;
  std::memset(&m, 0, sizeof m);
  m.version = NVML_GPM_METRICS_GET_VERSION;
  m.numMetrics = static_cast<unsigned int>(ids.size());
  m.sample1 = g->cur->get();   // the earlier sample (swapped above)
  m.sample2 = g->prev->get();  // the one just taken
  for (size_t i = 0; i < ids.size(); ++i) m.metrics[i].metricId = ids[i];
  r = a.GpmMetricsGet(&m);
  if (r != NVML_SUCCESS) {
    out->reason = Error("nvmlGpmMetricsGet", r);
    return;
  }
  out->values.assign(ids.size(), std::numeric_limits<double>::quiet_NaN());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (m.metrics[i].nvmlReturn == NVML_SUCCESS && std::isfinite(m.metrics[i].value)) out->values[i] = m.metrics[i].value;
  }
  out->has_values = true;
}

void Session::Sample(const std::vector<GpuRef>& gpus, const std::vector<unsigned int>& metric_ids,
                     std::vector<Reading>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->assign(gpus.size(), Reading());
  for (size_t i = 0; i < gpus.size(); ++i) {
    if (!open_) {
      (*out)[i].reason = "the NVML session is closed";
      continue;
    }
    if (metric_ids.size() > NVML_GPM_METRIC_MAX) {
      (*out)[i].reason = "too many GPM metrics asked for";
      continue;
    }
    SampleOne(gpus[i], metric_ids, &(*out)[i]);
  }
}

void Session::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!open_) return;
  open_ = false;
  gpus_.clear();  // frees the sample buffers while NVML is still initialised
  lib_->api.Shutdown();
}

}  // namespace abp::nvml
