/**
 * A model served by the in-process Triton server, behind the same small
 * Forest interface the pipeline's inference stage uses for the embedded
 * engine.
 */
import type { Forest, ForestInfo } from '../model-repo/forest.js';
import type { TritonMemory } from '../native/addon.js';
import type { TritonServer } from './server.js';

export interface TritonForestOptions {
  input?: string;
  output?: string;
  /** Memory the input goes in ('gpu': a device copy made by the CUDA engine). */
  memory?: TritonMemory;
  /** Memory the output comes back in. */
  outputMemory?: 'cpu' | 'gpu';
  device?: number;
}

export class TritonForest implements Forest {
  readonly numFeature: number;
  readonly info: Readonly<ForestInfo>;
  readonly server: TritonServer;
  readonly model: string;
  private readonly opts: Required<TritonForestOptions>;

  constructor(server: TritonServer, model: string, info: ForestInfo, opts: TritonForestOptions = {}) {
    this.server = server;
    this.model = model;
    this.info = info;
    this.numFeature = info.numFeature;
    this.opts = { input: 'input__0', output: 'output__0', memory: 'cpu', outputMemory: 'cpu', device: 0, ...opts };
  }

  async predict(input: Float32Array, rows?: number): Promise<Float32Array> {
    const n = rows ?? input.length / this.numFeature;
    const r = await this.server.infer(this.model, input, n, this.numFeature, {
      inputName: this.opts.input,
      outputName: this.opts.output,
      memory: this.opts.memory,
      output: this.opts.outputMemory,
      device: this.opts.device,
    });
    return r.output;
  }

  /** The server is shared by the process; it is stopped by TritonServer.dispose() or at exit. */
  dispose(): void {}
}
