/**
 * A fixed set of SharedArrayBuffers, made once at the start of a run, through
 * which blocks go to the worker threads (input slots: the reader reads
 * straight into them) and their output comes back (output slots: the worker's
 * serializer writes into them, the ordered writer copies from them). Nothing
 * is transferred: a transfer makes new ArrayBuffer objects on both sides and
 * swings V8's external-memory count, which made the main isolate run
 * mark-compacts that freed nothing, and each postMessage carrying one cost the
 * worker far more than the message itself. A worker knows the buffers from
 * its start (workerData); a message names a slot by its number.
 *
 * When every slot is taken (or a block does not fit one), the block takes
 * the old path: a buffer of its own, passed by transfer. So the slots bound
 * only the speed, never what a run can do.
 */

export interface SlotBuffers {
  inputs: SharedArrayBuffer[];
  outputs: SharedArrayBuffer[];
  /** The plain-file writer's staging buffers (PositionalWriter), which workers copy output slots into. */
  staging?: SharedArrayBuffer[];
}

export class SlotPool {
  readonly bufs: SharedArrayBuffer[];
  private readonly free: number[];
  private readonly slotOf = new Map<ArrayBufferLike, number>();

  constructor(count: number, readonly size: number) {
    this.bufs = Array.from({ length: count }, () => new SharedArrayBuffer(size));
    this.bufs.forEach((b, i) => this.slotOf.set(b, i));
    // Taken from the end: the first slots are reused first (their pages are already there).
    this.free = this.bufs.map((_, i) => count - 1 - i);
  }

  /** A free slot's number, or undefined when all are taken. */
  take(): number | undefined {
    return this.free.pop();
  }

  give(slot: number): void {
    this.free.push(slot);
  }

  /** The slot whose memory `ab` is, or undefined. */
  indexOf(ab: ArrayBufferLike): number | undefined {
    return this.slotOf.get(ab);
  }

  /** Slots not taken now. */
  get available(): number {
    return this.free.length;
  }
}

/**
 * Read buffers for from-file (its ReadBufferSource): a free input slot when
 * the read fits one, else undefined (the reader then allocates one).
 */
export function slotReadBuffers(pool: SlotPool): { take(n: number): Buffer | undefined; give(ab: ArrayBufferLike): boolean } {
  return {
    take(n) {
      if (n > pool.size) return undefined;
      const s = pool.take();
      return s === undefined ? undefined : Buffer.from(pool.bufs[s], 0, n);
    },
    give(ab) {
      const s = pool.indexOf(ab);
      if (s === undefined) return false;
      pool.give(s);
      return true;
    },
  };
}
