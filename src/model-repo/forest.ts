/**
 * The engine as the pipeline sees it: src/engine's ForestModel, behind the
 * small interface the stages use (so options pass through untouched).
 */
import { ForestModel } from '../engine/model.js';

export interface ForestInfo {
  objective: string;
  numFeature: number;
  numGroup: number;
  numTrees: number;
  /** Outputs per row of predict() (numGroup for multi-class, else 1). */
  numOutput?: number;
}

export interface Forest {
  readonly numFeature: number;
  readonly info: Readonly<ForestInfo>;
  predict(input: Float32Array, rows?: number, options?: Record<string, unknown>): Promise<Float32Array>;
  dispose(): void;
}

export interface ForestLoadOptions {
  format?: 'auto' | 'binary' | 'json' | 'ubjson';
  [key: string]: unknown;
}

export async function loadForestFile(file: string, options: ForestLoadOptions): Promise<Forest> {
  return (await ForestModel.fromFile(file, options)) as unknown as Forest;
}
