/**
 * The plain-file reader's reads (from-file's ownedLineBlocks): one read in
 * flight (sequentialReads, the default), or, for a regular file under
 * ABP_READ_AHEAD=N, N reads in flight at once (ReadAhead), each into a
 * buffer of its own (an input slot), so the disk and libuv's threads are
 * never left waiting on the main thread.
 *
 * Both give the block reader the same bytes at the same file positions: a
 * read of `want` bytes after the carried partial line, from where the last
 * one ended. Blocks are cut from those reads alone, so they, and everything
 * made per block (gzip members of the output), do not depend on N.
 */
import fs from 'node:fs';
import { UsageError } from '../errors.js';

/** The environment variable that sets the reads in flight. */
export const READ_AHEAD_ENV = 'ABP_READ_AHEAD';
export const MAX_READ_AHEAD = 16;

/**
 * ABP_READ_AHEAD: reads in flight, a whole number from 1 (unset or empty: 1,
 * one read ahead as before) to 16; anything else is refused (ABP_BAD_ARGUMENT,
 * naming the variable), never guessed at.
 */
export function readAheadFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = env[READ_AHEAD_ENV];
  if (v === undefined || v === '') return 1;
  const n = /^[0-9]+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_READ_AHEAD) {
    throw new UsageError('ABP_BAD_ARGUMENT', `${READ_AHEAD_ENV}=${v}: the reads in flight must be a whole number from 1 to ${MAX_READ_AHEAD}`);
  }
  return n;
}

/** Where reads go: take gives a buffer of n bytes (an input slot or one of the reader's own); give takes one back. */
export interface ReadPool {
  take(n: number): Buffer;
  give(ab: ArrayBufferLike): void;
}

/** A read under way: buf[0, cl) holds the carried bytes, the read fills buf[cl, cl + n). */
export interface PendingRead {
  buf: Buffer;
  cl: number;
  n: Promise<number>;
}

/** The reads of one file, issued in order; each start() comes after the last one's n settled. */
export interface BlockReads {
  /** Starts the next read: `carry` (copied now: its buffer may be given back) and then at least a chunk's worth. */
  start(carry: Buffer | undefined): PendingRead;
  /** Waits for the reads still in flight and gives their buffers back (before the file is closed). */
  close(): Promise<void>;
}

function readAt(fd: number, buf: Buffer, off: number, len: number, pos: number | null): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buf, off, len, pos, (err, n) => (err ? reject(err) : resolve(n))));
}

/** Reads [pos, pos + len) until it is whole or the file ends (a regular file's reads are short only at its end). */
async function readWhole(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> {
  let done = 0;
  while (done < len) {
    const n = await readAt(fd, buf, off + done, len - done, pos + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** One read in flight, at the file's own position (any file: a FIFO, a device, a regular file). */
export function sequentialReads(fd: number, chunkSize: number, pool: ReadPool): BlockReads {
  return {
    start(carry) {
      const cl = carry?.length ?? 0;
      // A line longer than a chunk doubles the read, so joining it stays linear (the carry stays under maxLineBytes).
      const want = Math.max(chunkSize, cl);
      const buf = pool.take(cl + want);
      if (carry) carry.copy(buf, 0);
      return { buf, cl, n: readAt(fd, buf, cl, want, null) };
    },
    async close() {},
  };
}

/**
 * Room before each read-ahead buffer's data for the carried partial line (the
 * input slots are a chunk and this much): a longer carry, or a read longer
 * than a chunk, is read on its own (see ReadAhead.start).
 */
export const CARRY_ROOM = 256 << 10;

interface Ahead {
  pos: number;
  /** The whole buffer: the read fills [CARRY_ROOM, CARRY_ROOM + chunk). */
  buf: Buffer;
  n: Promise<number>;
}

/**
 * `depth` reads in flight on a regular file, each of a chunk at the position
 * that follows the one before (positional reads), into a buffer that leaves
 * CARRY_ROOM bytes in front for the partial line the block before it leaves
 * (copied there when the block reader asks for the read: no copy of the
 * chunk). A read that does not follow on from those issued (the end of the
 * file, a carry longer than CARRY_ROOM or a chunk) drops the reads ahead,
 * gives their buffers back, and is read alone, as sequentialReads would.
 */
export class ReadAhead implements BlockReads {
  private readonly queue: Ahead[] = [];
  /** File position of the next byte the block reader gets. */
  private pos = 0;
  /** File position of the next read to issue. */
  private issued = 0;
  /** Reads the block reader got from those issued ahead, and those read alone (off the reads ahead). */
  readonly stats = { ahead: 0, alone: 0 };

  constructor(
    private readonly fd: number,
    private readonly chunkSize: number,
    private readonly pool: ReadPool,
    private readonly depth: number,
  ) {}

  /** Issues reads until `depth` are queued: with the one the block reader takes next, `depth` in flight. */
  private fill(): void {
    if (this.queue.length === 0) this.issued = this.pos;
    while (this.queue.length < this.depth) {
      const buf = this.pool.take(CARRY_ROOM + this.chunkSize);
      const pos = this.issued;
      const n = readWhole(this.fd, buf, CARRY_ROOM, this.chunkSize, pos);
      n.catch(() => undefined); // rethrown when its turn comes
      this.queue.push({ pos, buf, n });
      this.issued += this.chunkSize;
    }
  }

  private follow(n: Promise<number>): Promise<number> {
    return n.then((k) => {
      this.pos += k;
      return k;
    });
  }

  start(carry: Buffer | undefined): PendingRead {
    const cl = carry?.length ?? 0;
    if (cl <= CARRY_ROOM && cl <= this.chunkSize) {
      this.fill();
      const head = this.queue[0];
      if (head.pos === this.pos) {
        this.queue.shift();
        // The read and the carry fill disjoint parts of the buffer: the carry can go in while the read runs.
        const buf = head.buf.subarray(CARRY_ROOM - cl);
        if (carry) carry.copy(buf, 0);
        this.stats.ahead++;
        return { buf, cl, n: this.follow(head.n) };
      }
    }
    // Off the reads ahead: they are dropped (their buffers given back once they land) and this one is read alone.
    const dropped = this.drop();
    this.stats.alone++;
    const want = Math.max(this.chunkSize, cl);
    const buf = this.pool.take(cl + want);
    if (carry) carry.copy(buf, 0);
    return { buf, cl, n: this.follow(dropped.then(() => readWhole(this.fd, buf, cl, want, this.pos))) };
  }

  private drop(): Promise<void> {
    const gone = this.queue.splice(0);
    return Promise.all(
      gone.map((a) =>
        a.n.then(
          () => this.pool.give(a.buf.buffer),
          () => this.pool.give(a.buf.buffer),
        ),
      ),
    ).then(() => undefined);
  }

  close(): Promise<void> {
    return this.drop();
  }
}
