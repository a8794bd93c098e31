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
import { describeHomes, inspectHome, tritonHomes } from './locate.js';
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
  /** Input memory: default 'gpu' when the addon's CUDA engine has a device, else 'cpu'. */
  memory?: TritonMemory;
  /** Backend name the model must use for Triton to be chosen in 'auto' (default 'fil'). */
  backend?: string;
  /** Extra server options (pool sizes, log verbosity). */
  cudaMemoryPoolBytes?: number;
  pinnedMemoryPoolBytes?: number;
  logVerbose?: number;
}

export type EngineSelection = { engine: 'triton'; forest: TritonForest; library: string } | { engine: 'embedded'; reason: string };

export async function selectTritonEngine(model: LoadedModel, opts: TritonEngineOptions = {}): Promise<EngineSelection> {
  const choice = opts.engine ?? 'auto';
  if (choice === 'embedded') return { engine: 'embedded', reason: 'the embedded engine was asked for' };
  const backend = opts.backend ?? 'fil';
  const reports = tritonHomes(opts.tritonHome).map(inspectHome);
  const usable = reports.find((r) => r.hasLibrary && (backend !== 'fil' || r.hasFilBackend));
  if (!usable) {
    const msg = `Triton Inference Server with the FIL backend not found; tried:\n${describeHomes(reports)}`;
    if (choice === 'triton') throw new TritonError('ABP_TRITON_NOT_FOUND', `--engine=triton: ${msg}`);
    return { engine: 'embedded', reason: msg };
  }
  try {
    const repo = opts.modelRepository ?? path.dirname(model.entry.dir);
    const memory = opts.memory ?? (await defaultMemory());
    const server = await TritonServer.start({
      libraries: [usable.library],
      modelRepository: repo,
      backendDirectory: usable.backends,
      cudaMemoryPools: opts.cudaMemoryPoolBytes !== undefined ? [{ device: 0, bytes: opts.cudaMemoryPoolBytes }] : undefined,
      pinnedMemoryPoolBytes: opts.pinnedMemoryPoolBytes,
      logVerbose: opts.logVerbose,
    });
    await server.loadModel(model.entry.name, {
      input: 'input__0',
      output: 'output__0',
      numFeature: model.numFeature,
      numOutput: model.numGroup,
    });
    const forest = new TritonForest(server, model.entry.name, { ...model.forest.info, numFeature: model.numFeature }, {
      memory,
      outputMemory: memory === 'gpu' ? 'gpu' : 'cpu',
    });
    return { engine: 'triton', forest, library: usable.library };
  } catch (err) {
    if (choice === 'triton' || !(err instanceof AbpError)) throw err;
    return { engine: 'embedded', reason: `${usable.library}: ${err.message}` };
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
