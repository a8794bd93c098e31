/**
 * Where blocks are worked on: a pool of worker threads (BlockPool), or the
 * main thread itself (InlineBlocks: one thread, record sources, and any block
 * whose bytes cannot be transferred). Both run BlockWork; a block goes to
 * its worker by transfer (no copy), leaves its features for the engine, and
 * comes back as output bytes.
 */
import type { Worker } from 'node:worker_threads';
import { AbpError, InputError, InternalError, OutputError, UsageError } from '../../errors.js';
import type { LineBlock, SourceBlock } from '../../stages/batch.js';
import { BlockWork, type BlockDone } from './block-work.js';
import type { FromWorker, ToWorker } from './messages.js';
import type { BlockPlan } from './plan.js';
import { startWorkers } from './spawn.js';

/** The engine, run on the main thread: rows x numGroup outputs for rows x columns features. */
export type Engine = (features: Float32Array, rows: number) => Promise<{ outputs: Float32Array; numGroup: number }>;

export interface BlockExecutor {
  /** Worker threads (0: the main thread does the work). */
  readonly threads: number;
  /** The block's output; `engine` runs between its two halves when the plan has inference. */
  run(id: number, block: SourceBlock, engine: Engine | undefined): Promise<BlockDone>;
  /** A finished block's output has been written (copied away): its memory may hold a later block's. */
  written(out: Uint8Array): void;
  close(): Promise<void>;
}

export class InlineBlocks implements BlockExecutor {
  readonly threads: number = 0;
  private readonly work: BlockWork;
  constructor(plan: BlockPlan) {
    this.work = new BlockWork(plan);
  }

  async run(id: number, block: SourceBlock, engine: Engine | undefined): Promise<BlockDone> {
    const r = this.work.begin(id, block);
    let done: BlockDone;
    if ('features' in r) {
      try {
        const { outputs, numGroup } = await engine!(r.features, r.rows);
        done = this.work.finish(id, outputs, numGroup);
      } catch (err) {
        this.work.discard(id);
        throw err;
      }
    } else {
      done = r;
    }
    // Nothing refers to the input any more: its memory can hold a later read.
    if (block.kind === 'lines') block.recycle?.(block.buf.buffer as ArrayBuffer);
    return done;
  }

  /** The main thread's serializer made it: the sink's recycleOutput hands it back. */
  written(): void {}

  async close(): Promise<void> {}
}

interface Pending {
  worker: number;
  block: LineBlock;
  features?: (f: { rows: number; features: Float32Array }) => void;
  resolve: (d: BlockDone) => void;
  reject: (err: Error) => void;
}

const ERROR_CLASSES: Record<string, new (code: string, message: string) => AbpError> = { InputError, UsageError, OutputError };

function errorFrom(m: Extract<FromWorker, { t: 'error' }>): Error {
  const Cls = (m.name && ERROR_CLASSES[m.name]) || InternalError;
  const err = new Cls(m.code ?? 'ABP_INTERNAL', m.message);
  if (Cls === InternalError && m.stack) err.stack = m.stack;
  return err;
}

export class BlockPool implements BlockExecutor {
  private readonly pending = new Map<number, Pending>();
  /** Blocks each worker holds now. */
  private readonly load: number[];
  private failed: Error | undefined;
  private closing = false;
  private readonly inline: InlineBlocks;
  /** Output buffers (transferred from a worker) → the worker that made them. */
  private readonly outOwner = new WeakMap<ArrayBuffer, number>();

  private constructor(private readonly workers: Worker[], plan: BlockPlan) {
    this.load = workers.map(() => 0);
    this.inline = new InlineBlocks(plan);
    workers.forEach((w, i) => {
      w.on('message', (m: FromWorker) => this.onMessage(i, m));
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => !this.closing && this.fail(new InternalError('ABP_INTERNAL', `a block worker thread exited with code ${code}`)));
    });
  }

  /** A pool of `threads` workers, or undefined when worker threads cannot start here. */
  static async open(threads: number, plan: BlockPlan): Promise<BlockPool | undefined> {
    try {
      return new BlockPool(await startWorkers(threads, { plan }), plan);
    } catch (err) {
      if (process.env.ABP_DEBUG) process.stderr.write(`block workers unavailable, working on the main thread: ${(err as Error).message}\n`);
      return undefined;
    }
  }

  get threads(): number {
    return this.workers.length;
  }

  private onMessage(worker: number, m: FromWorker): void {
    if (m.t === 'ready') return;
    const id = m.t === 'done' ? m.done.id : m.id;
    const p = this.pending.get(id);
    if (p === undefined) return;
    if (m.t === 'features') {
      p.features!({ rows: m.rows, features: m.features });
      return;
    }
    this.pending.delete(id);
    this.load[worker]--;
    if (m.t === 'error') {
      p.reject(errorFrom(m));
      return;
    }
    // The input's memory goes back to the reader for a later block.
    if (m.input !== undefined) p.block.recycle?.(m.input);
    if (m.done.out.byteLength >= 1 << 16) this.outOwner.set(m.done.out.buffer as ArrayBuffer, worker);
    p.resolve(m.done);
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  async run(id: number, block: SourceBlock, engine: Engine | undefined): Promise<BlockDone> {
    if (this.failed) throw this.failed;
    // Only a block that owns its ArrayBuffer can be transferred.
    if (block.kind !== 'lines' || !block.owned) return this.inline.run(id, block, engine);
    let w = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i] < this.load[w]) w = i;
    this.load[w]++;
    const worker = this.workers[w];
    let gotFeatures: Promise<{ rows: number; features: Float32Array }> | undefined;
    const done = new Promise<BlockDone>((resolve, reject) => {
      const p: Pending = { worker: w, block, resolve, reject };
      if (engine) gotFeatures = new Promise((res) => (p.features = res));
      this.pending.set(id, p);
      const b = block.buf;
      this.post(worker, { t: 'begin', id, ab: b.buffer as ArrayBuffer, off: b.byteOffset, len: b.length, source: block.source }, [b.buffer as ArrayBuffer]);
    });
    if (!engine) return done;
    // Either the features come (then the engine runs and the block is finished) or the block ends early (fail, error).
    const first = await Promise.race([gotFeatures!, done]);
    if (!('features' in first)) return first;
    let res: { outputs: Float32Array; numGroup: number };
    try {
      res = await engine(first.features, first.rows);
    } catch (err) {
      this.post(worker, { t: 'discard', id });
      this.pending.delete(id);
      this.load[w]--;
      throw err;
    }
    this.post(worker, { t: 'finish', id, outputs: res.outputs, numGroup: res.numGroup }, [res.outputs.buffer as ArrayBuffer]);
    return done;
  }

  written(out: Uint8Array): void {
    const ab = out.buffer as ArrayBuffer;
    const w = this.outOwner.get(ab);
    if (w === undefined || this.closing || this.failed) return;
    this.outOwner.delete(ab);
    this.post(this.workers[w], { t: 'recycle', ab }, [ab]);
  }

  private post(w: Worker, m: ToWorker, transfer: ArrayBuffer[] = []): void {
    w.postMessage(m, transfer);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
