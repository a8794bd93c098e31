/**
 * The single typed contract for everything the native addon exposes, and the
 * one place that loads it (node-gyp-build: prebuilds/<platform>-<arch>/ or
 * build/Release). Nothing else imports the .node file.
 */
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
  predict(input: Float32Array, rows: number, options: Required<PredictOptions>): Promise<Float32Array>;
  /** Frees native memory now; later calls reject with ABP_DISPOSED. */
  dispose(): void;
}

export interface AbpAddon {
  /** Parses and validates a model from its bytes, off the JS thread. `name` is used in errors. */
  loadModel(bytes: Uint8Array, format: ModelFormat, name: string): Promise<NativeModel>;
  /** Addon build information. */
  readonly buildInfo: { version: string; cuda: boolean };
}

let cached: AbpAddon | undefined;

/** Package root: two levels up from src/native or dist/native. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function addon(): AbpAddon {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const load = require('node-gyp-build') as (dir: string) => unknown;
  cached = load(packageRoot) as AbpAddon;
  return cached;
}
