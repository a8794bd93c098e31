/**
 * Plain-file output written in place: each batch's bytes go to the file at
 * their own position (a running sum of the lengths before them, in the order
 * the batches come), by positional writes on libuv's thread pool. The main
 * thread does no per-byte work on the output: no copy into staging buffers
 * (which was half its CPU while the workers ran, ~0.34 s a GB). Several
 * writes are in flight at once, each batch's memory handed back (`done`)
 * only when nothing reads it any more.
 *
 * O_DIRECT (Linux): a direct write needs the memory, the file position and
 * the length aligned (ALIGN). A batch's place in the file falls at any byte,
 * so where the batch can be placed (Batch.place: a worker thread copies it
 * into one of the shared `staging` buffers, at the offset whose memory is
 * aligned like its file position), its whole pages go out direct and only
 * its unaligned head and tail (less than ALIGN each) are buffered writes.
 * Otherwise (no staging, O_DIRECT refused, a small batch) the batch is
 * written buffered straight from its memory. Buffered writes of 1 GB cost
 * this VM 0.4 to 3.8 s of kernel CPU (page cache pages, reclaim), direct
 * ones ~0.15 s: hence the worker's copy.
 */
import fs from 'node:fs';
import { DIRECT_ALIGN, alignedOffset, openDirect } from './direct-io.js';

/** Writes in flight at most (libuv's pool has 4 threads by default). */
export const MAX_INFLIGHT = 4;
/** Memory, length and file position of a direct write are multiples of this (>= the device's logical block size). */
export const ALIGN = DIRECT_ALIGN;
/** Staging buffers a writer needs (one per write in flight, one being placed), and their room beyond a batch. */
export const STAGING_COUNT = MAX_INFLIGHT + 1;
export const STAGING_SLACK = 2 * ALIGN;

/** Copies a batch's bytes into staging buffer `stage` at `off` (off the main thread); undefined when it cannot. */
export type Place = (stage: number, off: number) => Promise<void> | undefined;

function writeAt(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, buf, off, len, pos, (err, n) => (err ? reject(err) : resolve(n))));
}

export class PositionalWriter {
  private readonly fd: number;
  /** The O_DIRECT descriptor, when placed batches can go direct. */
  private dfd: number | undefined;
  private readonly stages: Buffer[] = [];
  /** Per staging buffer: the offset of its first aligned byte. */
  private readonly aligned: number[] = [];
  private readonly freeStages: number[] = [];
  /** File position of the next batch's first byte. */
  private pos = 0;
  private readonly inflight = new Set<Promise<void>>();
  private failed: unknown;
  private closed = false;
  /** Bytes that went out with O_DIRECT. */
  directBytes = 0;

  /**
   * Creates `path` (it must not exist). `staging`: shared buffers worker
   * threads can place batches in (more than MAX_INFLIGHT, each STAGING_SLACK
   * larger than a batch); without them every write is buffered.
   */
  constructor(path: string, opts: { staging?: SharedArrayBuffer[]; direct?: boolean } = {}) {
    this.fd = fs.openSync(path, 'wx');
    const staging = opts.staging ?? [];
    if ((opts.direct ?? true) && staging.length > MAX_INFLIGHT) {
      try {
        const dfd = (this.dfd = openDirect(this.fd, path));
        if (dfd !== undefined) {
          for (const sab of staging) {
            const b = Buffer.from(sab);
            const o = alignedOffset(dfd, b);
            if (o < 0) throw new Error('no aligned offset');
            this.stages.push(b);
            this.aligned.push(o);
          }
        }
        this.stages.forEach((_, i) => this.freeStages.push(i));
      } catch {
        if (this.dfd !== undefined) fs.closeSync(this.dfd);
        this.dfd = undefined;
        this.stages.length = 0;
        this.aligned.length = 0;
      }
    }
  }

  /** Whether placed batches go out with O_DIRECT. */
  get direct(): boolean {
    return this.dfd !== undefined;
  }

  /**
   * Writes `data` at the next position; `done` is called once nothing reads
   * its memory any more (its bytes are in the file or in a staging buffer, or
   * the write failed, or was refused after an earlier one failed): only then
   * may it be reused. `place`: how a worker copies it into a staging buffer
   * (then its whole pages go direct). Resolves when another write may be
   * issued; rejects with an earlier write's error.
   */
  async write(data: Uint8Array, done?: () => void, place?: Place): Promise<void> {
    if (this.failed !== undefined) {
      // Not written: its memory is free at once.
      done?.();
      throw this.failed;
    }
    const pos = this.pos;
    const len = data.length;
    this.pos += len;
    let handedBack = false;
    const back = () => {
      if (handedBack) return;
      handedBack = true;
      done?.();
    };
    let work: Promise<void> | undefined;
    // Fewer than MAX_INFLIGHT writes hold a staging buffer now, so one is free.
    const stage = place && this.dfd !== undefined && len >= 2 * ALIGN ? this.freeStages.pop() : undefined;
    if (stage !== undefined) {
      const off = this.aligned[stage] + (pos % ALIGN);
      const placed = place!(stage, off);
      if (placed === undefined) {
        this.freeStages.push(stage);
      } else {
        work = placed
          .then(() => {
            back(); // in the staging buffer now: the batch's own memory is free
            return this.putPlaced(this.stages[stage], off, len, pos);
          })
          .finally(() => this.freeStages.push(stage));
      }
    }
    work ??= this.put(this.fd, data, 0, len, pos);
    const p = work.then(
      () => {
        this.inflight.delete(p);
        back();
      },
      (err) => {
        this.inflight.delete(p);
        this.failed ??= err;
        back();
      },
    );
    this.inflight.add(p);
    while (this.inflight.size >= MAX_INFLIGHT) await Promise.race(this.inflight);
    if (this.failed !== undefined) throw this.failed;
  }

  /** buf[off, off + len) at pos, where buf's memory at off is aligned like pos: whole pages direct, head and tail buffered. */
  private async putPlaced(buf: Buffer, off: number, len: number, pos: number): Promise<void> {
    const head = (ALIGN - (pos % ALIGN)) % ALIGN;
    const mid = Math.floor((len - head) / ALIGN) * ALIGN;
    const tail = len - head - mid;
    const direct = async (): Promise<void> => {
      let at = 0;
      while (at < mid) {
        let n: number;
        try {
          n = await writeAt(this.dfd!, buf, off + head + at, mid - at, pos + head + at);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
          break; // refused after all: the rest goes buffered
        }
        if (n > 0) this.directBytes += n;
        if (n <= 0 || n % ALIGN !== 0) {
          at += Math.max(n, 0);
          break;
        }
        at += n;
      }
      if (at < mid) await this.put(this.fd, buf, off + head + at, mid - at, pos + head + at);
    };
    await Promise.all([this.put(this.fd, buf, off, head, pos), direct(), this.put(this.fd, buf, off + head + mid, tail, pos + head + mid)]);
  }

  private async put(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<void> {
    let at = 0;
    while (at < len) {
      const n = await writeAt(fd, buf, off + at, len - at, pos + at);
      if (n <= 0) throw new Error('write made no progress');
      at += n;
    }
  }

  /** Bytes handed to write so far. */
  get bytes(): number {
    return this.pos;
  }

  /** Waits for every write; the file then holds exactly what was written, in order. */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all(this.inflight);
    if (this.failed !== undefined) throw this.failed;
    // The alignment probes wrote at position 0: a file shorter than that is cut back to its bytes.
    fs.ftruncateSync(this.fd, this.pos);
    this.release();
  }

  /** Waits for the writes in flight (their memory is not reused before), then closes without finishing. */
  async abort(): Promise<void> {
    if (this.closed) return;
    await Promise.all(this.inflight);
    this.release();
  }

  private release(): void {
    this.closed = true;
    if (this.dfd !== undefined) fs.closeSync(this.dfd);
    fs.closeSync(this.fd);
  }
}
