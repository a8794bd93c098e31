/**
 * Plain-file output of JSON lines through two staging buffers, written at
 * explicit positions with one write in flight while the next buffer fills.
 * On Linux whole aligned chunks go through a second descriptor opened with
 * O_DIRECT: the page cache copy of a buffered write (and, in a VM, the cost of
 * the fresh page-cache pages it needs) was the largest CPU cost of a run; a
 * direct write is a DMA from the staging buffer. Where O_DIRECT is refused
 * (tmpfs, other systems, an unaligned buffer) every write is buffered. The
 * tail that is not a whole block is written buffered, and the file is cut to
 * its exact length at the end.
 */
import fs from 'node:fs';
import { copyBytes } from '../util/copy-bytes.js';
import { DIRECT_ALIGN as ALIGN, alignedOffset, openDirect } from './direct-io.js';

const CHUNK = 8 << 20;
/** Memory, length and file position of a direct write are multiples of this (>= the device's logical block size). */

function writeAt(fd: number, buf: Buffer, off: number, len: number, pos: number | null): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, buf, off, len, pos, (err, n) => (err ? reject(err) : resolve(n))));
}

export class FileWriter {
  private readonly fd: number;
  private dfd: number | undefined;
  private readonly bufs: Buffer[];
  private cur = 0;
  private fill = 0;
  /** File position of the current buffer's first byte. */
  private pos = 0;
  private inflight: Promise<void> | undefined;
  private closed = false;
  /** Written in order at the descriptor's own position, never cut (a device or FIFO: stream()). */
  private sequential = false;

  /** Creates `path` (it must not exist); or, given a descriptor (stream()), writes to it. */
  constructor(path: string | number, opts: { direct?: boolean } = {}) {
    this.fd = typeof path === 'number' ? path : fs.openSync(path, 'wx');
    const raw = [Buffer.allocUnsafeSlow(CHUNK + ALIGN), Buffer.allocUnsafeSlow(CHUNK + ALIGN)];
    let offs: number[] | undefined;
    if ((opts.direct ?? true) && typeof path === 'string') {
      try {
        const dfd = (this.dfd = openDirect(this.fd, path));
        offs = dfd === undefined ? undefined : raw.map((b) => alignedOffset(dfd, b));
        if (offs?.includes(-1)) offs = undefined;
      } catch {
        offs = undefined;
      }
      if (offs === undefined && this.dfd !== undefined) {
        fs.closeSync(this.dfd);
        this.dfd = undefined;
      }
    }
    this.bufs = raw.map((b, i) => b.subarray(offs?.[i] ?? 0, (offs?.[i] ?? 0) + CHUNK));
  }

  /**
   * A writer on an open character device or FIFO (`/dev/null`, a named pipe): buffered writes one after another
   * at its own position (a FIFO has none to give), no O_DIRECT, no cut at the end; it closes `fd`.
   */
  static stream(fd: number): FileWriter {
    const w = new FileWriter(fd, { direct: false });
    w.sequential = true;
    return w;
  }

  /** Whether whole chunks go out with O_DIRECT. */
  get direct(): boolean {
    return this.dfd !== undefined;
  }

  /** Copies `data` into the staging buffers; resolves when it may be reused. */
  async write(data: Uint8Array): Promise<void> {
    let from = 0;
    while (from < data.length) {
      const n = Math.min(data.length - from, CHUNK - this.fill);
      copyBytes(this.bufs[this.cur], this.fill, data, from, from + n);
      this.fill += n;
      from += n;
      if (this.fill === CHUNK) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    const buf = this.bufs[this.cur];
    const len = this.fill;
    const pos = this.pos;
    await this.inflight;
    const p = this.put(buf, len, pos);
    p.catch(() => undefined); // rethrown when awaited
    this.inflight = p;
    this.pos += len;
    this.cur ^= 1;
    this.fill = 0;
  }

  /** Writes buf[0, len) at pos: whole blocks direct when possible, the rest buffered. */
  private async put(buf: Buffer, len: number, pos: number): Promise<void> {
    let done = 0;
    if (this.dfd !== undefined && pos % ALIGN === 0) {
      const whole = len - (len % ALIGN);
      while (done < whole) {
        let n: number;
        try {
          n = await writeAt(this.dfd, buf, done, whole - done, pos + done);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
          break; // refused after all: the rest goes buffered
        }
        if (n <= 0 || n % ALIGN !== 0) {
          done += Math.max(n, 0);
          break;
        }
        done += n;
      }
    }
    while (done < len) {
      const n = await writeAt(this.fd, buf, done, len - done, this.sequential ? null : pos + done);
      if (n <= 0) throw new Error('write made no progress');
      done += n;
    }
  }

  /** Writes what is left and closes; the file then holds exactly what was written. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.inflight;
    if (this.fill > 0) await this.put(this.bufs[this.cur], this.fill, this.pos);
    const size = this.pos + this.fill;
    this.fill = 0;
    if (!this.sequential) fs.ftruncateSync(this.fd, size);
    this.release();
  }

  /** Closes without finishing (after a failure). */
  async abort(): Promise<void> {
    if (this.closed) return;
    await this.inflight?.catch(() => undefined);
    this.release();
  }

  private release(): void {
    this.closed = true;
    if (this.dfd !== undefined) fs.closeSync(this.dfd);
    fs.closeSync(this.fd);
  }
}
