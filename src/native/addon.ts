/**
 * The single typed contract for everything the native addon exposes, and the
 * one place that loads it (node-gyp-build: prebuilds/<platform>-<arch>/ or
 * build/Release). Nothing else imports the .node file.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export type ModelFormat = 'auto' | 'binary' | 'json' | 'ubjson';

export interface NativeModelInfo {
  /** XGBoost objective as written in the file, e.g. "binary:logistic". */
  objective: string;
  numFeature: number;
  /** Outputs per row: num_class for multi:*, else 1. */
  numGroup: number;
  /** Outputs per row of a transformed prediction: 1 for multi:softmax (class index), else numGroup. */
  numOutput: number;
  numTrees: number;
  maxDepth: number;
  /** base_score as stored (probability space for logistic objectives). */
  baseScore: number;
  format: 'binary' | 'json' | 'ubjson';
}

export interface PredictOptions {
  /** Return raw margins instead of transformed outputs. */
  margin?: boolean;
  /** Worker threads for this call; 0 = all cores. */
  threads?: number;
  /**
   * 'auto' (default): shallow forests run on a padded complete-tree layout;
   * 'flat' forces the pointer walk (same results; for tests and benchmarks).
   */
  layout?: 'auto' | 'flat';
}

export interface NativeModel {
  info(): NativeModelInfo;
  /**
   * Predicts `rows` rows of a row-major float32 matrix (rows x numFeature),
   * off the JS thread (NaN = missing). Resolves to rows x numOutput float32
   * outputs, or rows x numGroup margins with `margin`. The input must not be
   * modified until the promise settles (it is read in place). Rejects with
   * ABP_INPUT_SHAPE when input.length != rows x numFeature, ABP_DISPOSED
   * after dispose(), ABP_BAD_ARGUMENT for bad arguments.
   */
  predict(input: Float32Array, rows: number, options: PredictOptions): Promise<Float32Array>;
  /** Frees native memory now; later calls reject with ABP_DISPOSED. */
  dispose(): void;
}

/** One CUDA device as the runtime reports it. */
export interface CudaDeviceInfo {
  index: number;
  name: string;
  /** e.g. "9.0" */
  computeCapability: string;
  totalMemory: number;
  multiprocessors: number;
  pciBusId: string;
  /** false when this build has no code for the device (reason says why). */
  usable: boolean;
  reason?: string;
}

export interface CudaRuntimeInfo {
  /** The addon was compiled with the CUDA engine. */
  built: boolean;
  /** At least one usable device; otherwise `reason` says why not (no driver, no device, ...). */
  available: boolean;
  reason?: string;
  runtimeVersion: number;
  /** 0 when no driver could be loaded. */
  driverVersion: number;
  devices: CudaDeviceInfo[];
}

/** A float32 row-major matrix in device memory. */
export interface NativeDeviceMatrix {
  shape(): { rows: number; cols: number; device: number };
  /** Copies the matrix to host memory. */
  read(): Promise<Float32Array>;
  /** Frees the device memory now (in-flight calls keep it until they finish). */
  dispose(): void;
}

export interface NativeGpuModelInfo extends NativeModelInfo {
  device: number;
  /** How the kernel lays the forest out (tiles, staging), for reports. */
  layout: string;
}

export interface DevicePredictOptions {
  margin?: boolean;
  /** Resolve to a new device matrix instead of host memory. */
  keepOnDevice?: boolean;
  /** Write into this rows x numOutput device matrix (no allocation); resolves to it. */
  output?: NativeDeviceMatrix;
}

export interface NativeGpuModel {
  info(): NativeGpuModelInfo;
  /** Host batch: pinned staging, chunks in flight on several streams. Same shapes and errors as NativeModel.predict. */
  predict(input: Float32Array, rows: number, options: { margin: boolean; output?: Float32Array }): Promise<Float32Array>;
  /** Device-resident input (on the model's device). */
  predictDevice(input: NativeDeviceMatrix, options: DevicePredictOptions): Promise<Float32Array | NativeDeviceMatrix>;
  dispose(): void;
}

/** The CUDA engine. Present in every build; without CUDA every call fails with ABP_CUDA_UNAVAILABLE. */
export interface NativeCuda {
  devices(): Promise<CudaRuntimeInfo>;
  /** Parses the model and uploads it to `device`. Rejects ABP_CUDA_UNAVAILABLE / ABP_CUDA_OOM / model errors. */
  loadModel(bytes: Uint8Array, format: ModelFormat, name: string, device: number): Promise<NativeGpuModel>;
  /** Copies rows x cols floats to `device`. */
  uploadMatrix(data: Float32Array, rows: number, cols: number, device: number): Promise<NativeDeviceMatrix>;
  /** A Float32Array in page-locked host memory: predict() sends it over PCIe without a staging copy. */
  allocHost(length: number): Float32Array;
  /** Caps the engine's device allocations (bytes, 0 = none): for out-of-memory tests. */
  setMemoryLimitForTesting(bytes: number): void;
  /** Makes CUDA fail the next kernel launch or host-to-device copy (a real, non-sticky error): for error tests. */
  injectFaultForTesting(kind: 'kernel' | 'copy'): void;
  /** Per-call profiles of models loaded with ABP_CUDA_PROFILE=1 since the last take, oldest first (scripts/bench-gpu-latency.ts). */
  takeProfile(): NativeCallProfile[];
  /**
   * The launch geometry loading `bytes` would give under each case: a device with `smemOptin` bytes of shared memory
   * per block (opt-in) and `smCount` SMs, `env` the only layout switches set (ABP_CUDA_TILE_KB...); with the
   * split-trees grid of each batch size in `rows` (null: the plain kernel). Needs no GPU: for tests. A case the load
   * would refuse gives its code and message (ABP_BAD_ARGUMENT for a bad switch, ABP_MODEL_UNSUPPORTED when nothing
   * fits); a model that does not load throws.
   */
  planLayoutForTesting(
    bytes: Uint8Array,
    format: ModelFormat,
    cases: { env?: Record<string, string>; smemOptin: number; smCount: number }[],
    rows?: number[],
  ): (NativeLaunchLayout | { code: string; message: string })[];
}

/** See NativeCuda.planLayoutForTesting (native/cuda/layout.h). Byte counts are of dynamic shared memory. */
export interface NativeLaunchLayout {
  threads: number;
  stride: number;
  stageRows: boolean;
  rowBuffers: number;
  stageNodes: boolean;
  numTrees: number;
  /** 0: nodes walked from global memory; 1: one resident tile. */
  numTiles: number;
  nodeBuffers: number;
  tileBytes: number;
  biggestTreeBytes: number;
  smemBytes: number;
  splitTrees: boolean;
  splitTreesUpTo: number;
  /** Tile k: trees [tileTree[k], tileTree[k + 1]), nodes [tileNode[k], tileNode[k + 1]). */
  tileTree: number[];
  tileNode: number[];
  splits: ({ rows: number; rowBlocks: number; splits: number; tilesPerSplit: number; scratchBytes: number } | null)[];
}

/**
 * Where one call of a profiling model spent its time, in microseconds. Binding hops: bind (entry to queued),
 * dispatch (queued to a threadpool thread), exec (the engine call), complete (back to the JS thread), settle
 * (result made, promise resolved); native = entry to resolved. Engine: setup, stageIn, enqueue, wait, stageOut,
 * engine (total). GPU (CUDA events, first chunk; -1 not measured): h2d, kernel (forest or split-trees kernel),
 * sum (leaf sum), d2h, gpu (first op to last).
 */
export interface NativeCallProfile {
  kind: 'predict' | 'predictDevice';
  rows: number;
  bindUs: number;
  dispatchUs: number;
  execUs: number;
  completeUs: number;
  settleUs: number;
  nativeUs: number;
  setupUs: number;
  stageInUs: number;
  enqueueUs: number;
  waitUs: number;
  stageOutUs: number;
  engineUs: number;
  h2dUs: number;
  kernelUs: number;
  sumUs: number;
  d2hUs: number;
  gpuUs: number;
  chunks: number;
  split: boolean;
  graph: boolean;
}

/** A Triton server library as opened by the addon. */
export interface TritonLibraryInfo {
  path: string;
  apiVersion: { major: number; minor: number };
  /** Optional C API functions this library lacks (their settings are skipped). */
  missingOptional: string[];
}

export interface TritonServerOptions {
  modelRepository: string;
  backendDirectory: string;
  repoAgentDirectory?: string;
  /** CUDA memory pool per device. */
  cudaMemoryPools?: { device: number; bytes: number }[];
  pinnedMemoryPoolBytes?: number;
  logVerbose?: number;
  logInfo?: boolean;
  logWarn?: boolean;
  logError?: boolean;
  strictModelConfig?: boolean;
  exitTimeoutSeconds?: number;
  startTimeoutSeconds?: number;
}

export type TritonMemory = 'cpu' | 'pinned' | 'gpu';

export interface TritonInferOptions {
  inputName?: string;
  outputName?: string;
  /**
   * Where the input is sent from: the caller's array ('cpu'), a page-locked copy, or a device copy.
   * A NativeDeviceMatrix input is always 'gpu' (read in place on its device); leave this out or say 'gpu'.
   */
  memory?: TritonMemory;
  /** Where Triton writes the output (the response allocator's answer). */
  output?: 'cpu' | 'gpu';
  /** CUDA device of a 'gpu' input or output; for a NativeDeviceMatrix input, its device (a different one is refused). */
  device?: number;
  id?: string;
}

export interface TritonInferResult {
  output: Float32Array;
  shape: number[];
  /** The memory the input and output actually were in. */
  inputMemory: TritonMemory;
  outputMemory: TritonMemory | 'none';
}

/** Counts over the process's life; pairs are equal when nothing is in flight. */
export interface TritonCounters {
  requestsCreated: number;
  requestsDeleted: number;
  responsesReceived: number;
  responsesDeleted: number;
  outputBuffersAllocated: number;
  outputBuffersReleased: number;
  inputBuffersAllocated: number;
  inputBuffersReleased: number;
  inFlight: number;
}

/**
 * Triton's in-process C API, opened at run time (never linked). Errors carry
 * codes ABP_TRITON_NOT_FOUND / _SYMBOLS / _VERSION / _ERROR / _STATE.
 */
export interface NativeTriton {
  /** Opens and checks a library without making it the process's one. */
  probe(path: string): TritonLibraryInfo;
  /** Makes the first openable path the process's library (kept for the process's life). */
  load(paths: string[]): TritonLibraryInfo;
  library(): TritonLibraryInfo | null;
  /** Creates the one server of the process (explicit model control) and waits until it is live. */
  startServer(options: TritonServerOptions): Promise<void>;
  /**
   * Loads a model, waits until ready; resolves to Triton's model metadata JSON. `config`: a JSON model
   * configuration used instead of the repository's config.pbtxt (Triton's "config" load parameter).
   */
  loadModel(name: string, timeoutMs?: number, config?: string): Promise<string>;
  unloadModel(name: string): Promise<void>;
  /**
   * One asynchronous request: rows x cols float32 input, FP32 output. A NativeDeviceMatrix (the CUDA
   * engine's, of exactly rows x cols) is sent as TRITONSERVER_MEMORY_GPU without a copy and kept alive
   * until Triton releases the request, even if it is disposed meanwhile.
   */
  infer(
    model: string,
    input: Float32Array | NativeDeviceMatrix,
    rows: number,
    cols: number,
    options: TritonInferOptions,
  ): Promise<TritonInferResult>;
  /** Waits for in-flight requests, stops and deletes the server. */
  stopServer(): Promise<void>;
  serverState(): 'none' | 'running' | 'stopped';
  counters(): TritonCounters;
  readonly apiVersion: { major: number; minorRequired: number; minorWritten: number };
}

/** A GPU as a record names it, for NVML to find: by UUID, else by PCI bus id. */
export interface NvmlGpuRef {
  uuid: string | null;
  pciBusId: string | null;
}

/** One GPU's GPM metrics for the interval since its previous sample. */
export interface NvmlGpmReading {
  /** One per metric id asked for, null where the driver had no value for that metric; null when none. */
  values: (number | null)[] | null;
  /** Why values is null (the GPU lacks GPM, MIG is on, a call failed). */
  reason?: string;
  /** The GPU's first sample (or the first after a failed one): no interval yet, nothing wrong. */
  quiet?: boolean;
}

export interface NvmlDeviceInfo {
  index: number;
  uuid: string;
  /** GPM can be read (supported, not a MIG instance). */
  gpm: boolean;
  reason?: string;
}

/** An initialised NVML (nvmlInit_v2 done; close() shuts it down). */
export interface NativeNvmlSession {
  info(): { path: string; devices: NvmlDeviceInfo[]; missing: string[] };
  /**
   * Takes one GPM sample of each GPU (off the JS thread) and computes `metricIds`
   * (nvmlGpmMetricId_t) between it and that GPU's previous sample. Resolves to one
   * reading per GPU, in order; never rejects for a GPU's own failure.
   */
  sample(gpus: NvmlGpuRef[], metricIds: number[]): Promise<NvmlGpmReading[]>;
  /** Frees the samples and calls nvmlShutdown; later samples read nothing. */
  close(): Promise<void>;
}

/**
 * NVML (libnvidia-ml), opened at run time with dlopen, never linked: the addon
 * loads where there is no driver.
 */
export interface NativeNvml {
  /** Loads the library at `path` and initialises NVML. Rejects ABP_NVML_UNAVAILABLE with the reason. */
  open(path: string): Promise<NativeNvmlSession>;
}

export interface AbpAddon {
  /** Parses and validates a model from its bytes, off the JS thread. `name` is used in errors. */
  loadModel(bytes: Uint8Array, format: ModelFormat, name: string): Promise<NativeModel>;
  /** The CUDA engine (see NativeCuda). */
  readonly cuda: NativeCuda;
  /** Triton's in-process server (see NativeTriton). */
  readonly triton: NativeTriton;
  /** NVML's GPM metrics (see NativeNvml). */
  readonly nvml: NativeNvml;
  /** Addon build information. */
  readonly buildInfo: { version: string; cuda: boolean };
}

let cached: AbpAddon | undefined;

/** Package root: two levels up from src/native or dist/native. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface NodeGypBuild {
  (dir: string): unknown;
  parseTuple(name: string): unknown;
  matchTuple(platform: string, arch: string): (t: unknown) => boolean;
  compareTuples(a: unknown, b: unknown): number;
  parseTags(file: string): { file: string } | undefined;
  matchTags(runtime: string, abi: string): (t: unknown) => boolean;
  compareTags(runtime: string): (a: unknown, b: unknown) => number;
}

/** The prebuilt addon for this platform in prebuilds/<platform>-<arch>/, chosen by node-gyp-build's own tag rules. */
export function prebuildPath(ngb: NodeGypBuild, root: string): string | undefined {
  const base = path.join(root, 'prebuilds');
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return undefined;
  }
  const tuple = names
    .map((n) => ngb.parseTuple(n))
    .filter(ngb.matchTuple(process.platform, process.arch))
    .sort(ngb.compareTuples)[0] as { name: string } | undefined;
  if (!tuple) return undefined;
  const dir = path.join(base, tuple.name);
  const winner = readdirSync(dir)
    .map((f) => ngb.parseTags(f))
    .filter(ngb.matchTags('node', process.versions.modules))
    .sort(ngb.compareTags('node'))[0];
  return winner ? path.join(dir, winner.file) : undefined;
}

/**
 * Prebuilt first (what a published package ships), then node-gyp-build's own
 * search, which finds the local build in build/Release. A prebuild that does
 * not load (another libc, say) falls through to the local build.
 */
export function addon(): AbpAddon {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const ngb = require('node-gyp-build') as NodeGypBuild;
  const pre = prebuildPath(ngb, packageRoot);
  if (pre) {
    try {
      cached = require(pre) as AbpAddon;
      return cached;
    } catch {
      // fall through to the local build
    }
  }
  cached = ngb(packageRoot) as AbpAddon;
  return cached;
}
