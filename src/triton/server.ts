/**
 * The process's one in-process Triton server, shared by every pipeline:
 * library lookup, start, model load with a metadata check, inference, and
 * dispose. The native side stops the server at process exit as well.
 */
import { TritonError } from '../errors.js';
import {
  addon,
  type NativeTriton,
  type TritonCounters,
  type TritonInferOptions,
  type TritonInferResult,
  type TritonLibraryInfo,
  type TritonServerOptions,
} from '../native/addon.js';
import { DeviceMatrix } from '../engine/gpu-model.js';
import { tritonError } from './errors.js';

export interface TritonStartOptions extends Omit<TritonServerOptions, 'modelRepository' | 'backendDirectory'> {
  /** libtritonserver.so paths to try, in order. */
  libraries: string[];
  modelRepository: string;
  backendDirectory: string;
}

/** What the caller will send and expect back; checked against Triton's model metadata. */
export interface ModelExpectation {
  input: string;
  output: string;
  /** Features per row (the input's last dim). */
  numFeature: number;
  /** Outputs per row (the output's last dim). */
  numOutput: number;
}

export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface ModelMetadata {
  name: string;
  versions?: string[];
  platform?: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

function native(): NativeTriton {
  return addon().triton;
}

let current: TritonServer | undefined;
let starting: Promise<TritonServer> | undefined;

export class TritonServer {
  readonly library: TritonLibraryInfo;
  readonly options: TritonStartOptions;
  private readonly models = new Map<string, Promise<ModelMetadata>>();
  private disposed = false;

  private constructor(library: TritonLibraryInfo, options: TritonStartOptions) {
    this.library = library;
    this.options = options;
  }

  /**
   * The running server, started on first use. Later callers share it; asking
   * for another model repository or backend directory is an error (one
   * server per process).
   */
  static async start(options: TritonStartOptions): Promise<TritonServer> {
    if (current && !current.disposed) {
      current.checkCompatible(options);
      return current;
    }
    if (starting) {
      const s = await starting;
      s.checkCompatible(options);
      return s;
    }
    starting = (async () => {
      let lib: TritonLibraryInfo;
      // Triton's CPU backends (FIL) run OpenMP; by default its idle threads spin, which in a process that
      // shares its cores with Node and other work turns a 1-row request from microseconds into tens of
      // milliseconds. Passive waiting unless the environment says otherwise (libgomp reads it when loaded).
      process.env.OMP_WAIT_POLICY ??= 'passive';
      try {
        lib = native().load(options.libraries);
        const { libraries: _l, ...serverOptions } = options;
        await native().startServer(serverOptions);
      } catch (err) {
        throw tritonError(err);
      }
      current = new TritonServer(lib, options);
      return current;
    })();
    try {
      return await starting;
    } finally {
      starting = undefined;
    }
  }

  /** The running server, if any. */
  static running(): TritonServer | undefined {
    return current && !current.disposed ? current : undefined;
  }

  private checkCompatible(o: TritonStartOptions): void {
    if (o.modelRepository !== this.options.modelRepository || o.backendDirectory !== this.options.backendDirectory) {
      throw new TritonError(
        'ABP_TRITON_STATE',
        `the Triton server of this process serves ${this.options.modelRepository} with backends from ${this.options.backendDirectory}; ` +
          `it cannot also serve ${o.modelRepository} with ${o.backendDirectory}`,
      );
    }
  }

  /**
   * Loads `name` once (later calls share the load) and checks its metadata against `expect`. `config`: a
   * whole model configuration in Triton's JSON form, used instead of the repository's config.pbtxt (which is
   * not touched); see model-config.ts.
   */
  async loadModel(name: string, expect?: ModelExpectation, timeoutMs?: number, config?: string): Promise<ModelMetadata> {
    this.checkOpen();
    let p = this.models.get(name);
    if (!p) {
      p = native()
        .loadModel(name, timeoutMs, config)
        .then((json) => JSON.parse(json) as ModelMetadata, (err) => Promise.reject(tritonError(err)));
      this.models.set(name, p);
      p.catch(() => this.models.delete(name));
    }
    const meta = await p;
    if (expect) checkMetadata(name, meta, expect);
    return meta;
  }

  async unloadModel(name: string): Promise<void> {
    this.checkOpen();
    this.models.delete(name);
    try {
      await native().unloadModel(name);
    } catch (err) {
      throw tritonError(err);
    }
  }

  /**
   * One request. A DeviceMatrix input (the CUDA engine's) is read by Triton in place, as GPU memory on its
   * device; disposing it before the answer is safe (the request holds the memory until Triton releases it).
   */
  async infer(
    model: string,
    input: Float32Array | DeviceMatrix,
    rows: number,
    cols: number,
    options: TritonInferOptions = {},
  ): Promise<TritonInferResult> {
    this.checkOpen();
    try {
      return await native().infer(model, input instanceof DeviceMatrix ? input.native : input, rows, cols, options);
    } catch (err) {
      throw tritonError(err);
    }
  }

  counters(): TritonCounters {
    return native().counters();
  }

  /** Waits for requests in flight, then stops and deletes the server. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (current === this) current = undefined;
    try {
      await native().stopServer();
    } catch (err) {
      throw tritonError(err);
    }
  }

  private checkOpen(): void {
    if (this.disposed) throw new TritonError('ABP_TRITON_STATE', 'the Triton server has been disposed');
  }
}

/** Throws ABP_TRITON_MODEL naming the first difference between the model and what the pipeline sends. */
export function checkMetadata(name: string, meta: ModelMetadata, expect: ModelExpectation): void {
  const fail = (what: string) => {
    throw new TritonError('ABP_TRITON_MODEL', `Triton model '${name}': ${what}`);
  };
  const check = (kind: 'input' | 'output', list: TensorMetadata[] | undefined, tensor: string, last: number) => {
    const t = (list ?? []).find((x) => x.name === tensor);
    if (!t) fail(`has no ${kind} '${tensor}' (${kind}s: ${(list ?? []).map((x) => x.name).join(', ') || 'none'})`);
    if (t!.datatype !== 'FP32') fail(`${kind} '${tensor}' is ${t!.datatype}, not FP32`);
    const shape = t!.shape ?? [];
    if (shape.length !== 2 || shape[0] !== -1) fail(`${kind} '${tensor}' has shape [${shape.join(', ')}], not [-1, ${last}] (a batched 2-D tensor)`);
    if (shape[1] !== last && shape[1] !== -1) fail(`${kind} '${tensor}' has shape [${shape.join(', ')}], but the pipeline's is [-1, ${last}]`);
  };
  check('input', meta.inputs, expect.input, expect.numFeature);
  check('output', meta.outputs, expect.output, expect.numOutput);
}
