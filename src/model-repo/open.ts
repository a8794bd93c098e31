/**
 * Loads a repository entry's model on the engine and checks that config,
 * column list and model agree before any data flows.
 */
import { AbpError, DeviceError, ModelConfigError, ModelError, UsageError, fromNative } from '../errors.js';
import type { EngineReport } from '../engine/device.js';
import { loadForestFile, type Forest } from './forest.js';
import { readDerived, type DerivedFeatures } from './derived.js';
import { readModelEntry, readNameList, type ModelEntry } from './repository.js';

export interface OpenModelOptions {
  /** Model repository directory (default: the package's models/). */
  repository?: string;
  /** Feature column list overriding the model's columns_fil.txt. */
  columns?: string[];
  /** A file with the feature column list (one per line), overriding the model's. */
  columnsFile?: string;
  /** Expected feature count (Morpheus' --model_fea_length); checked when given. */
  featureLength?: number;
  /** Passed through to the engine; `device` (auto, cpu, gpu, gpu:N) picks it. */
  engineOptions?: Record<string, unknown>;
}

export interface LoadedModel {
  entry: ModelEntry;
  forest: Forest;
  /** Which engine and device run the model (and why the CPU, when 'auto' fell back). */
  engine: EngineReport;
  /** The record keys preprocess reads (columns_fil.txt or an override). */
  columns: string[];
  /** Features computed from the columns before inference (derived_fil.txt), when the model has them. */
  derived?: DerivedFeatures;
  /** The model's input width: columns plus derived features. */
  numFeature: number;
  /** Outputs per row (1 for binary models). */
  numGroup: number;
}

export async function openModel(name: string, options: OpenModelOptions = {}): Promise<LoadedModel> {
  const entry = readModelEntry(name, options.repository);
  let columns = entry.columns;
  let columnsSource = entry.columnsFile;
  if (options.columnsFile) {
    columns = readNameList(options.columnsFile);
    columnsSource = options.columnsFile;
  }
  if (options.columns) {
    columns = [...options.columns];
    columnsSource = 'the columns option';
  }
  if (!columns) {
    throw new ModelConfigError(
      'ABP_MODEL_CONFIG',
      `model '${name}' has no columns_fil.txt in ${entry.dir}; give the feature columns with --columns_file`,
    );
  }
  const derived = entry.derivedFile ? readDerived(entry.derivedFile, columns) : undefined;
  const nDerived = derived?.features.length ?? 0;
  if (columns.length + nDerived !== entry.featureCount) {
    throw new ModelConfigError(
      'ABP_MODEL_CONFIG',
      `${columnsSource} lists ${columns.length} columns${derived ? ` (+${nDerived} derived in ${derived.file})` : ''} but ${entry.configPath} declares ${entry.featureCount} features`,
    );
  }
  if (options.featureLength !== undefined && options.featureLength !== entry.featureCount) {
    throw new ModelConfigError(
      'ABP_MODEL_CONFIG',
      `--model_fea_length=${options.featureLength} but model '${name}' takes ${entry.featureCount} features (${entry.configPath})`,
    );
  }
  let forest: Forest;
  let engine: EngineReport;
  try {
    ({ forest, engine } = await loadForestFile(entry.modelFile, { ...options.engineOptions, format: entry.format }));
  } catch (err) {
    const e = err instanceof AbpError ? err : fromNative(err);
    // A bad --device is the caller's mistake, not the model's.
    if (e instanceof UsageError) throw e;
    const Cls = e instanceof ModelConfigError ? ModelConfigError : e instanceof DeviceError ? DeviceError : ModelError;
    throw new Cls(e.code, `model '${name}': cannot load ${entry.modelFile}: ${e.message}`, { cause: err });
  }
  if (forest.numFeature !== entry.featureCount) {
    forest.dispose();
    throw new ModelConfigError(
      'ABP_MODEL_CONFIG',
      `model '${name}': ${entry.modelFile} takes ${forest.numFeature} features but ${entry.configPath} declares ${entry.featureCount}`,
    );
  }
  const numGroup = Number(forest.info.numOutput ?? forest.info.numGroup ?? 1) || 1;
  return { entry, forest, engine, columns, derived, numFeature: forest.numFeature, numGroup };
}
