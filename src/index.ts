/** abp-fil: the public library entry. */
export { Detector, classify, type DetectorOptions, type ClassifiedRecord } from './pipeline/detector.js';
export {
  Pipeline,
  DEFAULT_MODEL,
  stderrLogger,
  quietLogger,
  type PipelineOptions,
  type StageSpec,
  type RunResult,
  type StageTimes,
  type Logger,
} from './pipeline/pipeline.js';
export type { DetectionSummary } from './pipeline/summary.js';
export {
  openModel,
  readModelEntry,
  listModels,
  defaultModelRepository,
  parsePbtxt,
  readNameList,
  type ModelEntry,
  type LoadedModel,
  type OpenModelOptions,
} from './model-repo/index.js';
export { firstNumber, firstDigits, featureValue, featureMatrix, type NumberRule } from './stages/parse-value.js';
export { ForestModel } from './engine/model.js';
// The CUDA engine and device choice; `openModelOnDevice` opens a model file on auto|cpu|gpu|gpu:N.
export { GpuForestModel, DeviceMatrix, allocPinned } from './engine/gpu-model.js';
export {
  openModel as openModelOnDevice,
  parseDevice,
  describeEngine,
  cudaInfo,
  type EngineReport,
  type DeviceSpec,
} from './engine/device.js';
// Triton's in-process C API (where Triton is installed).
export * from './triton/index.js';
export * from './errors.js';
// Telemetry collection (nvidia-smi) and live watching: abp collect / abp watch as library calls.
export * from './collect/index.js';
