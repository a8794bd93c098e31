/**
 * The engine as the pipeline sees it: src/engine's CPU ForestModel or CUDA
 * GpuForestModel (chosen by the device option), behind the small interface
 * the stages use, so options pass through untouched.
 */
import { openModel as openOnDevice, type EngineReport } from '../engine/device.js';

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
  /** auto (default: the GPU when one works), cpu, gpu, gpu:N. */
  device?: string;
  [key: string]: unknown;
}

export interface LoadedForest {
  forest: Forest;
  /** Which engine and device run it, and why the CPU when 'auto' fell back. */
  engine: EngineReport;
}

export async function loadForestFile(file: string, options: ForestLoadOptions): Promise<LoadedForest> {
  const { model, report } = await openOnDevice(file, { format: options.format, device: options.device });
  return { forest: model as unknown as Forest, engine: report };
}
