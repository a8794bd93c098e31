/**
 * ForestModel: an XGBoost gbtree model loaded into the native engine.
 * Loading and prediction run off the JS thread; errors are AbpErrors whose
 * messages name the model file.
 */
import { addon, type ModelFormat, type NativeModel, type NativeModelInfo } from '../native/addon.js';
import { fromNative } from '../errors.js';
import { checkFormat, checkModelBytes, modelName, namedError, readModelFile, rowCount } from './common.js';

export type { ModelFormat, NativeModelInfo as ModelInfo } from '../native/addon.js';

export interface LoadOptions {
  /** 'auto' (default) decides by the file's content: "binf" header, JSON text or UBJSON. */
  format?: ModelFormat;
}

export interface PredictOptions {
  /** Return raw margins (rows x numGroup) instead of transformed outputs. */
  margin?: boolean;
  /** Worker threads for this call; 0 (default) = all cores. */
  threads?: number;
  /** 'flat' forces the pointer-walk tree layout (tests, benchmarks); same results. */
  layout?: 'auto' | 'flat';
}

export class ForestModel {
  readonly name: string;
  readonly info: Readonly<NativeModelInfo>;
  readonly #native: NativeModel;

  private constructor(name: string, native: NativeModel) {
    this.name = name;
    this.#native = native;
    this.info = Object.freeze(native.info());
  }

  /** Reads and loads a model file. */
  static async fromFile(path: string, options: LoadOptions = {}): Promise<ForestModel> {
    const format = checkFormat(options.format ?? 'auto');
    const bytes = await readModelFile(path);
    return ForestModel.fromBytes(bytes, { format, name: path });
  }

  /** Loads a model from its bytes; `name` (e.g. the file name) appears in errors. */
  static async fromBytes(bytes: Uint8Array, options: LoadOptions & { name?: string } = {}): Promise<ForestModel> {
    const format = checkFormat(options.format ?? 'auto');
    const name = modelName(options.name);
    checkModelBytes(bytes, name);
    let native: NativeModel;
    try {
      native = await addon().loadModel(bytes, format, name);
    } catch (err) {
      throw fromNative(err);
    }
    return new ForestModel(name, native);
  }

  get numFeature(): number {
    return this.info.numFeature;
  }

  /** Outputs per row for `predict` with these options. */
  outputsPerRow(options: PredictOptions = {}): number {
    return options.margin ? this.info.numGroup : this.info.numOutput;
  }

  /**
   * Predicts a row-major float32 matrix (rows x numFeature, NaN = missing).
   * `rows` defaults to input.length / numFeature. Do not modify `input`
   * until the promise settles: the engine reads it in place.
   */
  async predict(input: Float32Array, rows?: number, options: PredictOptions = {}): Promise<Float32Array> {
    const n = rowCount(this.name, input, this.info.numFeature, rows);
    try {
      return await this.#native.predict(input, n, {
        margin: options.margin ?? false,
        threads: options.threads ?? 0,
        layout: options.layout ?? 'auto',
      });
    } catch (err) {
      throw namedError(this.name, fromNative(err));
    }
  }

  /** Frees the native model now; later predict() calls reject with ABP_DISPOSED. */
  dispose(): void {
    this.#native.dispose();
  }
}
