/** The messages between BlockPool and its worker threads. */
import type { BlockDone } from './block-work.js';

export type ToWorker =
  | { t: 'begin'; id: number; ab: ArrayBuffer; off: number; len: number; source: string }
  | { t: 'finish'; id: number; outputs: Float32Array; numGroup: number }
  | { t: 'discard'; id: number }
  /** An output buffer the main thread has written: the worker reuses it. */
  | { t: 'recycle'; ab: ArrayBuffer };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'features'; id: number; rows: number; features: Float32Array }
  | { t: 'done'; done: BlockDone; input?: ArrayBuffer }
  | { t: 'error'; id: number; name?: string; code?: string; message: string; stack?: string };
