/** The messages between BlockPool and its worker threads. */
import type { BlockDone } from './block-work.js';
import type { BlockPlan } from './plan.js';
import type { SlotBuffers } from './slots.js';

/** What a worker is started with: the plan, and the shared slots (slots.ts) that messages name by number. */
export interface WorkerStart {
  plan: BlockPlan;
  slots?: SlotBuffers;
}

export type ToWorker =
  /** The block's bytes: [off, off + len) of input slot `slot`, or of `ab` (transferred) when no slot held them. */
  | { t: 'begin'; id: number; slot?: number; ab?: ArrayBuffer; off: number; len: number; source: string; outSlot?: number }
  /** `outSlot`: the output slot the block's serialized lines go to, when they fit. */
  | { t: 'finish'; id: number; outputs: Float32Array; numGroup: number; outSlot?: number }
  | { t: 'discard'; id: number }
  /** An output buffer the main thread has written: the worker reuses it. */
  | { t: 'recycle'; ab: ArrayBuffer }
  /** Copy [0, len) of output slot `outSlot` to staging buffer `stage` at `off` (its place for an aligned write). */
  | { t: 'place'; n: number; outSlot: number; len: number; stage: number; off: number };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'features'; id: number; rows: number; features: Float32Array }
  /**
   * `outLen` set: the output is [0, outLen) of the output slot the block was
   * given (done.out is then empty); else done.out holds it (transferred).
   * `input`: the input buffer handed back when it came by transfer.
   * `gcMs`: the worker's garbage collection time since its last message of this kind;
   * `cpuMs`: its thread's CPU time so far (Linux).
   */
  | { t: 'done'; done: BlockDone; input?: ArrayBuffer; outLen?: number; gcMs: number; cpuMs?: number }
  | { t: 'error'; id: number; name?: string; code?: string; message: string; stack?: string }
  | { t: 'placed'; n: number; error?: string };
