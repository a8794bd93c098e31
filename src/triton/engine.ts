/**
 * The inf-triton stage's engine choice: the in-process Triton server when its
 * library and the FIL backend are installed, else the embedded engine (the
 * caller logs the fallback). With engine 'triton', absence is an error that
 * lists every place tried and what was missing.
 */
import path from 'node:path';
import { AbpError, TritonError } from '../errors.js';
import type { LoadedModel } from '../model-repo/open.js';
import { addon, type TritonMemory } from '../native/addon.js';
import { describeHomes, inspectHome, tritonHomes, type TritonHomeReport } from './locate.js';
import { loadConfig, type InstanceKind } from './model-config.js';
import { TritonForest } from './forest.js';
import { TritonServer } from './server.js';

export type EngineChoice = 'auto' | 'triton' | 'embedded';

export interface TritonEngineOptions {
  /** 'auto' (default): Triton when found, else embedded. 'triton': Triton or an error. 'embedded': never Triton. */
  engine?: EngineChoice;
  /** Triton's install directory (lib/, backends/); before TRITON_HOME and /opt/tritonserver. */
  tritonHome?: string;
  /** Model repository Triton serves (default: the one the model was read from). */
  modelRepository?: string;
  /** Instance kind: default KIND_GPU when the model's embedded engine runs on CUDA, else KIND_CPU. */
  kind?: InstanceKind;
  /** Input memory: default 'gpu' for KIND_GPU when the addon's CUDA engine has a device, else 'cpu'. */
  memory?: TritonMemory;
  /** Backend name the model must use for Triton to be chosen in 'auto' (default 'fil'). */
  backend?: string;
  /** Extra server options (pool sizes, log verbosity). */
  cudaMemoryPoolBytes?: number;
  pinnedMemoryPoolBytes?: number;
  logVerbose?: number;
}

export type EngineSelection =
  | {
      engine: 'triton';
      forest: TritonForest;
      library: string;
      /** The instance kind the model runs on. */
      kind: InstanceKind;
      /** How the configuration Triton got differs from config.pbtxt (empty: loaded as it is). */
      configChanges: string[];
    }
  | {
      engine: 'embedded';
      /** Why not Triton, as a phrase for the log: "Triton Inference Server is not available here (...)". */
      reason: string;
    };

/** Why no place tried can serve a FIL model: the FIL backend missing beside a library is said as such. */
function notUsable(reports: TritonHomeReport[]): string {
  const noFil = reports.find((r) => r.hasLibrary && !r.hasFilBackend);
  if (noFil) return `Triton's server library is at ${noFil.library} but its FIL backend is not (${noFil.filBackend} is missing)`;
  return `Triton Inference Server is not available here (no ${reports.map((r) => r.library).join(', no ')})`;
}

export async function selectTritonEngine(model: LoadedModel, opts: TritonEngineOptions = {}): Promise<EngineSelection> {
  const choice = opts.engine ?? 'auto';
  if (choice === 'embedded') return { engine: 'embedded', reason: 'the embedded engine was asked for' };
  const backend = opts.backend ?? 'fil';
  const reports = tritonHomes(opts.tritonHome).map(inspectHome);
  const usable = reports.find((r) => r.hasLibrary && (backend !== 'fil' || r.hasFilBackend));
  if (!usable) {
    if (choice === 'triton') {
      throw new TritonError('ABP_TRITON_NOT_FOUND', `--engine=triton: Triton Inference Server with the FIL backend not found; tried:\n${describeHomes(reports)}`);
    }
    return { engine: 'embedded', reason: notUsable(reports) };
  }
  try {
    const repo = opts.modelRepository ?? path.dirname(model.entry.dir);
    let kind: InstanceKind = opts.kind ?? (model.engine.engine === 'cuda' ? 'KIND_GPU' : 'KIND_CPU');
    const server = await TritonServer.start({
      libraries: [usable.library],
      modelRepository: repo,
      backendDirectory: usable.backends,
      cudaMemoryPools: opts.cudaMemoryPoolBytes !== undefined ? [{ device: 0, bytes: opts.cudaMemoryPoolBytes }] : undefined,
      pinnedMemoryPoolBytes: opts.pinnedMemoryPoolBytes,
      logVerbose: opts.logVerbose,
    });
    const configPath = path.join(repo, model.entry.name, 'config.pbtxt');
    let configChanges: string[];
    try {
      configChanges = await loadWithConfig(server, model, configPath, kind);
    } catch (err) {
      // A Triton built without GPU support on a machine with a GPU: the model runs on its CPU instances.
      if (opts.kind || kind !== 'KIND_GPU' || !(err instanceof TritonError) || !/does not support GPUs/.test(err.message)) throw err;
      kind = 'KIND_CPU';
      configChanges = [...(await loadWithConfig(server, model, configPath, kind)), 'KIND_CPU because this Triton does not support GPUs'];
    }
    const memory = opts.memory ?? (kind === 'KIND_GPU' ? await defaultMemory() : 'cpu');
    const forest = new TritonForest(server, model.entry.name, { ...model.forest.info, numFeature: model.numFeature }, {
      memory,
      outputMemory: memory === 'gpu' ? 'gpu' : 'cpu',
      maxBatchSize: model.entry.maxBatchSize,
    });
    return { engine: 'triton', forest, library: usable.library, kind, configChanges };
  } catch (err) {
    if (choice === 'triton' || !(err instanceof AbpError)) throw err;
    return { engine: 'embedded', reason: `Triton at ${usable.home} cannot run model '${model.entry.name}': ${err.message}` };
  }
}

/**
 * Loads the model with the configuration this server and FIL backend need (model-config.ts). FIL r25.09
 * and newer read `is_classifier` and warn about `output_class`; older ones require `output_class`. The
 * backend's version is not visible through the C API, so the current name is tried first and the old one
 * when the backend asks for it by name. Returns what the configuration changed.
 */
async function loadWithConfig(server: TritonServer, model: LoadedModel, configPath: string, kind: InstanceKind): Promise<string[]> {
  const expect = { input: 'input__0', output: 'output__0', numFeature: model.numFeature, numOutput: model.numGroup };
  const current = loadConfig(configPath, kind, 'is_classifier');
  try {
    await server.loadModel(model.entry.name, expect, undefined, current.override);
    return current.changes;
  } catch (err) {
    const older = loadConfig(configPath, kind, 'output_class');
    if (!(err instanceof TritonError) || err.code !== 'ABP_TRITON_ERROR' || !/output_class/.test(err.message) || older.override === current.override) throw err;
    await server.loadModel(model.entry.name, expect, undefined, older.override);
    return older.changes;
  }
}
async function defaultMemory(): Promise<TritonMemory> {
  try {
    const info = await addon().cuda.devices();
    return info.available ? 'gpu' : 'cpu';
  } catch {
    return 'cpu';
  }
}
