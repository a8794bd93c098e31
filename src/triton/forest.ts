/**
 * A model served by the in-process Triton server, behind the same small
 * Forest interface the pipeline's inference stage uses for the embedded
 * engine.
 */
import { DeviceMatrix } from '../engine/gpu-model.js';
import type { Forest, ForestInfo } from '../model-repo/forest.js';
import type { TritonMemory } from '../native/addon.js';
import type { TritonServer } from './server.js';

export interface TritonForestOptions {
  input?: string;
  output?: string;
  /** Memory a Float32Array input goes in ('gpu': a device copy made by the CUDA engine). A DeviceMatrix input is always read in place. */
  memory?: TritonMemory;
  /** Memory the output comes back in. */
  outputMemory?: 'cpu' | 'gpu';
  /** CUDA device for 'gpu' memory; a DeviceMatrix input must be on it when this is given. */
  device?: number;
  /**
   * The model's max_batch_size: a Float32Array of more rows goes as several requests of at most this many
   * rows, all in flight at once (Triton refuses a larger request). 0 or absent: one request.
   */
  maxBatchSize?: number;
}

export class TritonForest implements Forest {
  readonly numFeature: number;
  readonly info: Readonly<ForestInfo>;
  readonly server: TritonServer;
  readonly model: string;
  private readonly opts: Required<TritonForestOptions>;
  private readonly deviceGiven: boolean;

  constructor(server: TritonServer, model: string, info: ForestInfo, opts: TritonForestOptions = {}) {
    this.server = server;
    this.model = model;
    this.info = info;
    this.numFeature = info.numFeature;
    this.opts = { input: 'input__0', output: 'output__0', memory: 'cpu', outputMemory: 'cpu', device: 0, maxBatchSize: 0, ...opts };
    this.deviceGiven = opts.device !== undefined;
  }

  /**
   * Probabilities (or margins, as the model says) in host memory. `input` is rows x numFeature floats: a
   * Float32Array sent from the configured memory, or a DeviceMatrix of the CUDA engine that Triton reads in
   * place (zero copy; its shape must be rows x numFeature, else ABP_INPUT_SHAPE).
   */
  async predict(input: Float32Array | DeviceMatrix, rows?: number): Promise<Float32Array> {
    const onDevice = input instanceof DeviceMatrix;
    const n = rows ?? (onDevice ? input.rows : input.length / this.numFeature);
    const max = this.opts.maxBatchSize;
    if (onDevice || !(max > 0) || n <= max) return this.request(input, n);
    const w = this.numFeature;
    const parts: Promise<Float32Array>[] = [];
    for (let r0 = 0; r0 < n; r0 += max) {
      const r = Math.min(max, n - r0);
      parts.push(this.request(input.subarray(r0 * w, (r0 + r) * w), r));
    }
    const outs = await Promise.all(parts);
    const out = new Float32Array(outs.reduce((a, o) => a + o.length, 0));
    let at = 0;
    for (const o of outs) {
      out.set(o, at);
      at += o.length;
    }
    return out;
  }

  private async request(input: Float32Array | DeviceMatrix, n: number): Promise<Float32Array> {
    const onDevice = input instanceof DeviceMatrix;
    const r = await this.server.infer(this.model, input, n, this.numFeature, {
      inputName: this.opts.input,
      outputName: this.opts.output,
      memory: onDevice ? undefined : this.opts.memory,
      output: this.opts.outputMemory,
      device: onDevice && !this.deviceGiven ? undefined : this.opts.device,
    });
    return r.output;
  }

  /** The server is shared by the process; it is stopped by TritonServer.dispose() or at exit. */
  dispose(): void {}
}
