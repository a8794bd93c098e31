/** Telemetry collection and live watching: the library side of `abp collect` and `abp watch`. */
export { flattenNvsmi, flattenDocument, recordsOf, type NvsmiRecord, type FlatDocument } from './flatten.js';
export { runNvidiaSmi, nvidiaSmiBinary, NVIDIA_SMI_ENV, type NvidiaSmiOptions } from './nvidia-smi.js';
export { collectTicks, collectRecords, type CollectOptions, type Tick, type ErrorPolicy } from './collector.js';
export { selectGpus, parseGpuSelectors, UUID_KEY, BUS_ID_KEY } from './gpu-select.js';
export {
  openGpmSource,
  NvmlGpmSource,
  DmonGpmSource,
  GpmAttacher,
  GPM_METRICS,
  GPM_KEYS,
  GPM_MODES,
  withGpm,
  type GpmMode,
  type GpmSource,
  type GpmReading,
  type GpmValues,
  type OpenGpmOptions,
} from './gpm/index.js';
export { replayTicks, readRecords, paceTicks, type ReplayOptions } from './replay.js';
export { AlertTracker, DEFAULT_ALERT_POLICY, checkAlertPolicy, type AlertPolicy, type AlertStep } from './alerts.js';
export {
  watchTicks,
  gpuIdOf,
  type MiningClassifier,
  type WatchOptions,
  type GpuSample,
  type AlertEvent,
  type WatchEvent,
  type TickVerdict,
  type PartnerSource,
} from './watch.js';
export { openModelClassifier, openPartnerClassifier, type ModelClassifier, type ModelClassifierOptions } from './model-classifier.js';
export { JobHistory, JobHistories, DEFAULT_JOB_HISTORY, type JobHistoryOptions } from './job-history.js';
export { PairWindow, PairWindows, DEFAULT_PAIR_WINDOW, DEFAULT_PAIR_WINDOW_THRESHOLD, type PairWindowOptions } from './pair-window.js';
export { AlertHolds, DEFAULT_ALERT_HOLD, checkAlertHold, type AlertHoldOptions } from './alert-hold.js';
export { formatEvent, sampleLine, alertLine, type WatchFormat } from './format.js';
export { runAlertHook, AlertHookQueue, type AlertHookOptions, type HookResult } from './on-alert.js';
export { WatchMetrics, PRODUCT_KEY, type WatchMetricsOptions } from './metrics.js';
export { serveMetrics, parseListenAddress, type MetricsServer, type ListenAddress, type ServeOptions } from './metrics-server.js';
