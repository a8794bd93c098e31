/**
 * ForestModel: an XGBoost gbtree model loaded into the native engine.
 * Loading and prediction run off the JS thread; errors are AbpErrors whose
 * messages name the model file.
 */
import { readFile } from 'node:fs/promises';
import { addon, type ModelFormat, type NativeModel, type NativeModelInfo } from '../native/addon.js';
import { fromNative, ModelError, UsageError, type AbpError } from '../errors.js';

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

const FORMATS: readonly ModelFormat[] = ['auto', 'binary', 'json', 'ubjson'];

function checkFormat(format: unknown): ModelFormat {
  if (typeof format !== 'string' || !FORMATS.includes(format as ModelFormat)) {
    throw new UsageError('ABP_BAD_ARGUMENT', `model format must be one of ${FORMATS.join(', ')}, got ${String(format)}`);
  }
  return format as ModelFormat;
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
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new ModelError('ABP_MODEL_READ', `${path}: cannot read the model file: ${e.message}`, { cause: err });
    }
    return ForestModel.fromBytes(bytes, { format, name: path });
  }

  /** Loads a model from its bytes; `name` (e.g. the file name) appears in errors. */
  static async fromBytes(bytes: Uint8Array, options: LoadOptions & { name?: string } = {}): Promise<ForestModel> {
    const format = checkFormat(options.format ?? 'auto');
    const name = options.name ?? '<model bytes>';
    if (!(bytes instanceof Uint8Array)) throw new UsageError('ABP_BAD_ARGUMENT', `${name}: model bytes must be a Uint8Array`);
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
    const nf = this.info.numFeature;
    if (rows !== undefined && !(Number.isSafeInteger(rows) && rows >= 0)) {
      throw new UsageError('ABP_BAD_ARGUMENT', `${this.name}: rows must be a non-negative integer, got ${rows}`);
    }
    const n = rows ?? (nf > 0 ? input.length / nf : 0);
    if (!Number.isInteger(n)) {
      throw new UsageError(
        'ABP_INPUT_SHAPE',
        `${this.name}: input has ${input.length} values, not a whole number of rows of ${nf} features`,
      );
    }
    try {
      return await this.#native.predict(input, n, {
        margin: options.margin ?? false,
        threads: options.threads ?? 0,
        layout: options.layout ?? 'auto',
      });
    } catch (err) {
      throw this.#named(fromNative(err));
    }
  }

  /** Frees the native model now; later predict() calls reject with ABP_DISPOSED. */
  dispose(): void {
    this.#native.dispose();
  }

  #named(e: AbpError): AbpError {
    if (!e.message.startsWith(this.name)) e.message = `${this.name}: ${e.message}`;
    return e;
  }
}
