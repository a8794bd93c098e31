/**
 * Where blocks are worked on: a pool of worker threads (BlockPool), or the
 * main thread itself (InlineBlocks: one thread, record sources, and any block
 * whose bytes cannot be transferred). Both run BlockWork; a block goes to
 * its worker through a shared input slot (or by transfer: no copy either
 * way), leaves its features for the engine, and comes back as output bytes
 * in a shared output slot (or by transfer).
 */
import type { Worker } from 'node:worker_threads';
import { AbpError, InputError, InternalError, OutputError, UsageError } from '../../errors.js';
import type { LineBlock, SourceBlock } from '../../stages/batch.js';
import { BlockWork, type BlockDone } from './block-work.js';
import type { FromWorker, ToWorker } from './messages.js';
import type { WorkerStats } from '../types.js';
import type { BlockPlan } from './plan.js';
import type { SlotPool } from './slots.js';
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
  /**
   * Copies a finished block's output (in a shared output slot) to the
   * writer's staging buffer `stage` at `off`, on a worker thread; undefined
   * when the output is not in a slot or there are no staging buffers.
   */
  place?(out: Uint8Array, stage: number, off: number): Promise<void> | undefined;
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
  /** The output slot lent to the block, until its output is written (or turns out not to be in it). */
  outSlot?: number;
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

/** A worker's first blocks, counted apart in WorkerStats (its JIT warms up on them). */
export const WARM_BLOCKS = 4;

/** Shared slots of a pool: inputs (also lent to the reader) and, where the sink copies each batch away before the next, outputs. */
export interface PoolSlots {
  inputs: SlotPool;
  outputs?: SlotPool;
  /** With outputs: the plain-file writer's staging buffers (see BlockExecutor.place). */
  staging?: SharedArrayBuffer[];
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
  /** Per output slot: the worker that last serialized into it (it places the bytes: they may still be in its caches). */
  private readonly slotMaker: number[] = [];
  /** Placements (place) waiting for their worker. */
  private readonly placing = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private placeSeq = 0;
  readonly stats: WorkerStats[];

  private constructor(
    private readonly workers: Worker[],
    plan: BlockPlan,
    private readonly slots: PoolSlots | undefined,
  ) {
    this.load = workers.map(() => 0);
    this.stats = workers.map(() => ({ blocks: 0, rows: 0, ms: 0, warmRows: 0, warmMs: 0, gcMs: 0 }));
    this.inline = new InlineBlocks(plan);
    workers.forEach((w, i) => {
      w.on('message', (m: FromWorker) => this.onMessage(i, m));
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => !this.closing && this.fail(new InternalError('ABP_INTERNAL', `a block worker thread exited with code ${code}`)));
    });
  }

  /** A pool of `threads` workers, or undefined when worker threads cannot start here. */
  static async open(threads: number, plan: BlockPlan, slots?: PoolSlots): Promise<BlockPool | undefined> {
    try {
      const shared = slots && { inputs: slots.inputs.bufs, outputs: slots.outputs?.bufs ?? [], staging: slots.staging };
      return new BlockPool(await startWorkers(threads, { plan, slots: shared }), plan, slots);
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
    if (m.t === 'placed') {
      const q = this.placing.get(m.n);
      this.placing.delete(m.n);
      if (m.error === undefined) q?.resolve();
      else q?.reject(new InternalError('ABP_INTERNAL', `placing a block's output for writing failed: ${m.error}`));
      return;
    }
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
      this.giveOutSlot(p);
      p.reject(errorFrom(m));
      return;
    }
    // The input's memory goes back to the reader for a later block.
    if (m.input !== undefined) p.block.recycle?.(m.input);
    else if (this.slots?.inputs.indexOf(p.block.buf.buffer) !== undefined) p.block.recycle?.(p.block.buf.buffer as ArrayBuffer);
    const d = m.done;
    if (m.outLen !== undefined && p.outSlot !== undefined) {
      d.out = Buffer.from(this.slots!.outputs!.bufs[p.outSlot], 0, m.outLen);
      this.slotMaker[p.outSlot] = worker;
    } else {
      this.giveOutSlot(p);
      if (d.out.byteLength >= 1 << 16) this.outOwner.set(d.out.buffer as ArrayBuffer, worker);
    }
    const st = this.stats[worker];
    const ms = d.times.parse + d.times.preprocess + d.times.postprocess + d.times.serialize;
    if (st.blocks < WARM_BLOCKS) {
      st.warmRows += d.counts.lines;
      st.warmMs += ms;
    }
    st.blocks++;
    st.rows += d.counts.lines;
    st.ms += ms;
    st.gcMs += m.gcMs;
    if (m.cpuMs !== undefined) st.cpuMs = m.cpuMs;
    p.resolve(d);
  }

  private giveOutSlot(p: Pending): void {
    if (p.outSlot === undefined) return;
    this.slots!.outputs!.give(p.outSlot);
    p.outSlot = undefined;
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const q of this.placing.values()) q.reject(err);
    this.placing.clear();
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
    let outSlot: number | undefined;
    const done = new Promise<BlockDone>((resolve, reject) => {
      outSlot = this.slots?.outputs?.take();
      const p: Pending = { worker: w, block, resolve, reject, outSlot };
      if (engine) gotFeatures = new Promise((res) => (p.features = res));
      this.pending.set(id, p);
      const b = block.buf;
      const slot = this.slots?.inputs.indexOf(b.buffer);
      if (slot !== undefined) this.post(worker, { t: 'begin', id, slot, off: b.byteOffset, len: b.length, source: block.source, outSlot });
      else this.post(worker, { t: 'begin', id, ab: b.buffer as ArrayBuffer, off: b.byteOffset, len: b.length, source: block.source, outSlot }, [b.buffer as ArrayBuffer]);
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
      const p = this.pending.get(id);
      if (p) this.giveOutSlot(p);
      this.pending.delete(id);
      this.load[w]--;
      throw err;
    }
    this.post(worker, { t: 'finish', id, outputs: res.outputs, numGroup: res.numGroup, outSlot }, [res.outputs.buffer as ArrayBuffer]);
    return done;
  }

  place(out: Uint8Array, stage: number, off: number): Promise<void> | undefined {
    const slot = this.slots?.outputs?.indexOf(out.buffer);
    if (slot === undefined || !this.slots?.staging || this.failed || this.closing) return undefined;
    const n = this.placeSeq++;
    return new Promise<void>((resolve, reject) => {
      this.placing.set(n, { resolve, reject });
      this.post(this.workers[this.slotMaker[slot] ?? 0], { t: 'place', n, outSlot: slot, len: out.byteLength, stage, off });
    });
  }

  written(out: Uint8Array): void {
    const slot = this.slots?.outputs?.indexOf(out.buffer);
    if (slot !== undefined) {
      this.slots!.outputs!.give(slot);
      return;
    }
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
