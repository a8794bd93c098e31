/**
 * GpuForestModel: an XGBoost gbtree model uploaded to one CUDA device. Same
 * predict() as the CPU ForestModel (host Float32Array in, Float32Array out,
 * results equal within 1e-6), plus a device-resident API for callers who keep
 * data on the GPU: upload a matrix once, predict on it as often as needed,
 * read the results back or keep them on the device.
 */
import {
  addon,
  type ModelFormat,
  type NativeDeviceMatrix,
  type NativeGpuModel,
  type NativeGpuModelInfo,
} from '../native/addon.js';
import { fromNative, UsageError } from '../errors.js';
import { checkFormat, checkModelBytes, modelName, namedError, readModelFile, rowCount } from './common.js';

export type GpuModelInfo = NativeGpuModelInfo;

export interface GpuLoadOptions {
  format?: ModelFormat;
  /** CUDA device index (default 0). */
  device?: number;
}

export interface GpuPredictOptions {
  /** Raw margins (rows x numGroup) instead of transformed outputs. */
  margin?: boolean;
}

export interface GpuHostPredictOptions extends GpuPredictOptions {
  /**
   * Write into this Float32Array (rows x outputsPerRow) and resolve to it:
   * no allocation per call; from allocPinned(), results skip the staging copy too.
   */
  output?: Float32Array;
}

function checkDevice(device: unknown): number {
  if (!(typeof device === 'number' && Number.isSafeInteger(device) && device >= 0)) {
    throw new UsageError('ABP_BAD_ARGUMENT', `device must be a CUDA device index, got ${String(device)}`);
  }
  return device;
}

/** A float32 row-major matrix resident in device memory. */
export class DeviceMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly device: number;
  readonly #native: NativeDeviceMatrix;

  private constructor(native: NativeDeviceMatrix) {
    this.#native = native;
    const s = native.shape();
    this.rows = s.rows;
    this.cols = s.cols;
    this.device = s.device;
  }

  /** @internal Wraps a matrix the addon returned. */
  static wrap(native: NativeDeviceMatrix): DeviceMatrix {
    return new DeviceMatrix(native);
  }

  /** Copies `rows x cols` floats (row-major) to `device`. */
  static async upload(data: Float32Array, rows: number, cols: number, device = 0): Promise<DeviceMatrix> {
    if (!(data instanceof Float32Array)) throw new UsageError('ABP_BAD_ARGUMENT', 'uploadMatrix: data must be a Float32Array');
    try {
      return new DeviceMatrix(await addon().cuda.uploadMatrix(data, rows, cols, checkDevice(device)));
    } catch (err) {
      throw fromNative(err);
    }
  }

  /** @internal */
  get native(): NativeDeviceMatrix {
    return this.#native;
  }

  /** Copies the matrix back to host memory. */
  async read(): Promise<Float32Array> {
    try {
      return await this.#native.read();
    } catch (err) {
      throw fromNative(err);
    }
  }

  /** Frees the device memory now; later use rejects with ABP_DISPOSED. */
  dispose(): void {
    this.#native.dispose();
  }
}

export class GpuForestModel {
  readonly name: string;
  readonly info: Readonly<GpuModelInfo>;
  readonly #native: NativeGpuModel;

  private constructor(name: string, native: NativeGpuModel) {
    this.name = name;
    this.#native = native;
    this.info = Object.freeze(native.info());
  }

  static async fromFile(path: string, options: GpuLoadOptions = {}): Promise<GpuForestModel> {
    const format = checkFormat(options.format ?? 'auto');
    const bytes = await readModelFile(path);
    return GpuForestModel.fromBytes(bytes, { format, device: options.device, name: path });
  }

  /** Parses the model and uploads it to the device, once. */
  static async fromBytes(bytes: Uint8Array, options: GpuLoadOptions & { name?: string } = {}): Promise<GpuForestModel> {
    const format = checkFormat(options.format ?? 'auto');
    const device = checkDevice(options.device ?? 0);
    const name = modelName(options.name);
    checkModelBytes(bytes, name);
    try {
      return new GpuForestModel(name, await addon().cuda.loadModel(bytes, format, name, device));
    } catch (err) {
      throw fromNative(err);
    }
  }

  get numFeature(): number {
    return this.info.numFeature;
  }

  get device(): number {
    return this.info.device;
  }

  outputsPerRow(options: GpuPredictOptions = {}): number {
    return options.margin ? this.info.numGroup : this.info.numOutput;
  }

  /**
   * Predicts a row-major float32 matrix in host memory (rows x numFeature,
   * NaN = missing); `rows` defaults to input.length / numFeature. The batch
   * is copied in chunks through pinned buffers, copies overlapping kernels.
   * An input from allocPinned() skips the staging copy. Do not modify
   * `input` (or `output`) until the promise settles.
   */
  async predict(input: Float32Array, rows?: number, options: GpuHostPredictOptions = {}): Promise<Float32Array> {
    const n = this.#rows(input, rows);
    if (options.output !== undefined && !(options.output instanceof Float32Array)) {
      throw new UsageError('ABP_BAD_ARGUMENT', `${this.name}: output must be a Float32Array`);
    }
    try {
      return await this.#native.predict(input, n, {
        margin: options.margin ?? false,
        ...(options.output ? { output: options.output } : {}),
      });
    } catch (err) {
      throw namedError(this.name, fromNative(err));
    }
  }

  /** Uploads rows x numFeature floats to this model's device. */
  async uploadMatrix(input: Float32Array, rows?: number): Promise<DeviceMatrix> {
    const n = this.#rows(input, rows);
    return DeviceMatrix.upload(input, n, this.numFeature, this.device);
  }

  /** Predicts a device-resident matrix; results come back to host memory. */
  predictDevice(input: DeviceMatrix, options?: GpuPredictOptions & { keepOnDevice?: false }): Promise<Float32Array>;
  /** ...or stay on the device, in a new matrix or in `output` (rows x outputsPerRow). */
  predictDevice(
    input: DeviceMatrix,
    options: GpuPredictOptions & ({ keepOnDevice: true } | { output: DeviceMatrix }),
  ): Promise<DeviceMatrix>;
  async predictDevice(
    input: DeviceMatrix,
    options: GpuPredictOptions & { keepOnDevice?: boolean; output?: DeviceMatrix } = {},
  ): Promise<Float32Array | DeviceMatrix> {
    if (!(input instanceof DeviceMatrix)) throw new UsageError('ABP_BAD_ARGUMENT', `${this.name}: predictDevice takes a DeviceMatrix`);
    if (options.output !== undefined && !(options.output instanceof DeviceMatrix)) {
      throw new UsageError('ABP_BAD_ARGUMENT', `${this.name}: output must be a DeviceMatrix`);
    }
    try {
      const r = await this.#native.predictDevice(input.native, {
        margin: options.margin ?? false,
        keepOnDevice: options.keepOnDevice ?? false,
        ...(options.output ? { output: options.output.native } : {}),
      });
      if (r instanceof Float32Array) return r;
      return options.output ?? DeviceMatrix.wrap(r);
    } catch (err) {
      throw namedError(this.name, fromNative(err));
    }
  }

  /** Frees the device copy now; later calls reject with ABP_DISPOSED. */
  dispose(): void {
    this.#native.dispose();
  }

  #rows(input: Float32Array, rows: number | undefined): number {
    if (!(input instanceof Float32Array)) throw new UsageError('ABP_BAD_ARGUMENT', `${this.name}: input must be a Float32Array`);
    return rowCount(this.name, input, this.info.numFeature, rows);
  }
}

/** A Float32Array in page-locked host memory, which predict() sends over PCIe without a staging copy. */
export function allocPinned(length: number): Float32Array {
  try {
    return addon().cuda.allocHost(length);
  } catch (err) {
    throw fromNative(err);
  }
}
