/**
 * from-file: JSON lines (plain or .gz) or Arrow IPC, chosen by extension; '-'
 * is stdin (gzip recognised by its magic bytes). Reads as a stream pulled by
 * the pipeline, so memory stays flat whatever the input size.
 */
import { constants as bufferConstants } from 'node:buffer';
import fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { InputError, UsageError } from '../errors.js';
import { arrowBlocks } from './arrow-source.js';
import { EMPTY, type LineBlock, type OverlongBlock, type SourceBlock } from './batch.js';
import { copyBytes } from '../util/copy-bytes.js';
import { ReadAhead, sequentialReads } from './read-ahead.js';

const MAX_STRING_LENGTH = bufferConstants.MAX_STRING_LENGTH;

export type InputFormat = 'jsonlines' | 'jsonlines-gz' | 'arrow';

export interface FromFileOptions {
  /** Force a format instead of the extension's. */
  format?: InputFormat;
  /** Read the input this many times (Morpheus' --repeat). */
  repeat?: number;
  /** Read size; larger means fewer, bigger blocks. */
  chunkSize?: number;
  /**
   * Blocks that own their memory (for transfer to worker threads): plain
   * files are read straight into them; gzip and stdin lines are copied into
   * them, a chunk's worth at a time.
   */
  owned?: boolean;
  /** What '-' reads instead of process.stdin (e.g. stdin after its first records were looked at). */
  stdin?: Readable;
  /** Longest line accepted, in bytes (default DEFAULT_MAX_LINE_BYTES); a longer one is passed on in pieces as a bad line. */
  maxLineBytes?: number;
  /**
   * Where owned plain-file reads go first (the pipeline's shared input slots);
   * a read it has no room for gets a buffer of its own.
   */
  buffers?: ReadBufferSource;
  /** Reads in flight on a plain regular file read into owned blocks (ABP_READ_AHEAD; read-ahead.ts); default 1. */
  readAhead?: number;
}

/** Buffers lent to the reader: take gives one of n bytes or undefined; give takes back one of its own (true) or refuses. */
export interface ReadBufferSource {
  take(n: number): Buffer | undefined;
  give(ab: ArrayBufferLike): boolean;
}

/** Default line limit: far above any real record (about 2 KB), far below V8's longest string (about 512 MiB). */
export const DEFAULT_MAX_LINE_BYTES = 64 << 20;

/** Checks a line limit: a whole number of bytes from 1 to V8's longest string (a line is decoded to one string). */
export function checkMaxLineBytes(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_STRING_LENGTH) {
    throw new UsageError('ABP_USAGE', `max line bytes must be a whole number from 1 to ${MAX_STRING_LENGTH}, got ${n}`);
  }
  return n;
}

export function formatOf(filename: string): InputFormat {
  const f = filename.toLowerCase();
  if (f.endsWith('.gz')) return 'jsonlines-gz';
  if (f.endsWith('.arrow') || f.endsWith('.arrows') || f.endsWith('.feather') || f.endsWith('.ipc')) return 'arrow';
  return 'jsonlines';
}

/** A source's format: as given, else from its name; stdin ('-') is JSON lines unless told otherwise. */
export function inputFormat(filename: string, format?: InputFormat): InputFormat {
  return format ?? (filename === '-' ? 'jsonlines' : formatOf(filename));
}

/** Bytes per read of a plain file, and so about the size of a block. */
export const READ_BYTES = 4 << 20;
const CHUNK = READ_BYTES;

function openRaw(filename: string, chunkSize: number, stdin?: Readable): Readable {
  if (filename === '-') return stdin ?? process.stdin;
  try {
    const fd = fs.openSync(filename, 'r');
    if (fs.fstatSync(fd).isDirectory()) {
      fs.closeSync(fd);
      throw new InputError('ABP_INPUT_OPEN', `${filename} is a directory`, { file: filename });
    }
    return fs.createReadStream(filename, { fd, highWaterMark: chunkSize });
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError('ABP_INPUT_OPEN', `cannot open ${filename}: ${(err as NodeJS.ErrnoException).message}`, { file: filename });
  }
}

async function* gunzipIfMagic(stream: AsyncIterable<Buffer>, force: boolean, filename: string): AsyncGenerator<Buffer> {
  const it = stream[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head = first.value as Buffer;
  const gz = force || (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b);
  async function* rest(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value as Buffer;
    }
  }
  if (!gz) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const feed = (async () => {
    try {
      for await (const c of rest()) {
        if (!gunzip.write(c)) await new Promise((r) => gunzip.once('drain', r));
      }
      gunzip.end();
    } catch (err) {
      gunzip.destroy(err as Error);
    }
  })();
  try {
    for await (const c of gunzip) yield c as Buffer;
  } catch (err) {
    throw new InputError('ABP_INPUT_GZIP', `${filename}: corrupt gzip data: ${(err as Error).message}`, { file: filename });
  }
  await feed;
}

/**
 * Splits a byte stream into blocks of whole lines, without decoding or
 * copying: a chunk's lines are yielded as a view of the chunk; only a line
 * split across chunks is joined (one small copy). A line that grows past
 * `maxLineBytes` before its newline is not held: it goes on in pieces
 * (OverlongBlock) as they are read, so memory stays bounded whatever the
 * input (/dev/zero, a gzip bomb). Complete lines over the limit inside one
 * chunk are left to deserialize, which checks every line's length.
 */
export async function* lineBlocks(stream: AsyncIterable<Buffer>, source: string, maxLineBytes = DEFAULT_MAX_LINE_BYTES): AsyncGenerator<LineBlock | OverlongBlock> {
  let pending: Buffer[] = [];
  let pendingLen = 0;
  // Inside a line past the limit: its pieces are passed on, not held.
  let over = false;
  let first = true;
  const piece = (bytes: Buffer, isFirst: boolean, last: boolean): OverlongBlock => ({ kind: 'overlong', source, bytes, first: isFirst, last, limit: maxLineBytes });
  for await (let chunk of stream) {
    if (first) {
      first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    let from = 0;
    if (over || pendingLen > 0) {
      const nl = chunk.indexOf(10);
      const end = nl === -1 ? chunk.length : nl;
      if (!over && pendingLen + end > maxLineBytes) {
        yield piece(Buffer.concat(pending, pendingLen), true, false);
        pending = [];
        pendingLen = 0;
        over = true;
      }
      if (over) {
        yield piece(chunk.subarray(0, end), false, nl !== -1);
        if (nl === -1) continue;
        over = false;
      } else if (nl === -1) {
        pending.push(chunk);
        pendingLen += chunk.length;
        continue;
      } else {
        pending.push(chunk.subarray(0, nl + 1));
        yield { kind: 'lines', buf: Buffer.concat(pending, pendingLen + nl + 1), source };
        pending = [];
        pendingLen = 0;
      }
      from = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= from) {
      yield { kind: 'lines', buf: chunk.subarray(from, last + 1), source };
      from = last + 1;
    }
    if (from < chunk.length) {
      if (chunk.length - from > maxLineBytes) {
        yield piece(chunk.subarray(from), true, false);
        over = true;
      } else {
        pending.push(chunk.subarray(from));
        pendingLen += chunk.length - from;
      }
    }
  }
  if (over) yield piece(EMPTY, false, true);
  else if (pendingLen > 0) yield { kind: 'lines', buf: Buffer.concat(pending, pendingLen), source };
}

/** Read buffers handed back by the pipeline (LineBlock.recycle), reused for later reads. */
class ReadBuffers {
  private readonly free: ArrayBuffer[] = [];
  constructor(
    private readonly chunkSize: number,
    private readonly shared?: ReadBufferSource,
  ) {}
  take(n: number): Buffer {
    const s = this.shared?.take(n);
    if (s !== undefined) return s;
    for (let i = this.free.length - 1; i >= 0; i--) {
      if (this.free[i].byteLength >= n) return Buffer.from(this.free.splice(i, 1)[0], 0, n);
    }
    // Room for a carried partial line, so most buffers fit the next read.
    return Buffer.allocUnsafeSlow(Math.max(n, this.chunkSize + (256 << 10))).subarray(0, n);
  }
  readonly give = (ab: ArrayBufferLike): void => {
    if (this.shared?.give(ab)) return;
    if (this.free.length < 16) this.free.push(ab as ArrayBuffer);
  };
  /**
   * A buffer the reader has finished with (its carry copied on): a shared one goes back to its slots; one of
   * its own is left to the GC, as a piece of an overlong line may still be a view of it.
   */
  drop(buf: Buffer): void {
    if (buf.buffer instanceof SharedArrayBuffer) this.give(buf.buffer);
  }
  /** Bytes passed on outside a line block (an overlong line's piece): a shared buffer's are copied out and the buffer given back. */
  detach(buf: Buffer, bytes: Buffer): Buffer {
    if (!(buf.buffer instanceof SharedArrayBuffer)) return bytes;
    const copy = Buffer.from(bytes);
    this.give(buf.buffer);
    return copy;
  }
}

/**
 * Blocks of whole lines read straight into buffers of their own (the partial
 * last line is copied to the front of the next), so each block can be handed
 * to a worker thread by transfer.
 */
async function* ownedLineBlocks(filename: string, source: string, chunkSize: number, pool: ReadBuffers, maxLineBytes: number, readAhead: number): AsyncGenerator<LineBlock | OverlongBlock> {
  let fd: number;
  try {
    fd = fs.openSync(filename, 'r');
  } catch (err) {
    throw new InputError('ABP_INPUT_OPEN', `cannot open ${filename}: ${(err as NodeJS.ErrnoException).message}`, { file: filename });
  }
  const st = fs.fstatSync(fd);
  if (st.isDirectory()) {
    fs.closeSync(fd);
    throw new InputError('ABP_INPUT_OPEN', `${filename} is a directory`, { file: filename });
  }
  // The next read is issued before a block is yielded, so the disk works while the pipeline does; on a
  // regular file, ABP_READ_AHEAD=N keeps N reads in flight (read-ahead.ts): the same reads, the same blocks.
  const reads = readAhead > 1 && st.isFile() ? new ReadAhead(fd, chunkSize, pool, readAhead) : sequentialReads(fd, chunkSize, pool);
  const start = (carry: Buffer | undefined) => reads.start(carry);
  const piece = (bytes: Buffer, first: boolean, last: boolean): OverlongBlock => ({ kind: 'overlong', source, bytes, first, last, limit: maxLineBytes });
  // Inside a line past the limit: its pieces are passed on as read, never carried.
  let over = false;
  let next: ReturnType<typeof start> | undefined;
  try {
    let first = true;
    next = start(undefined);
    for (;;) {
      const { buf, cl } = next;
      const n = await next.n;
      next = undefined;
      const len = cl + n;
      let from = 0;
      if (first && len < 3 && n > 0) {
        next = start(buf.subarray(0, len)); // too short yet to tell whether it starts with a BOM
        pool.drop(buf);
        continue;
      }
      if (first && len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) from = 3;
      first = false;
      if (over) {
        if (n === 0) {
          pool.drop(buf);
          yield piece(EMPTY, false, true);
          return;
        }
        const nl = buf.subarray(0, len).indexOf(10);
        if (nl === -1) {
          next = start(undefined);
          yield piece(pool.detach(buf, buf.subarray(0, len)), false, false);
          continue;
        }
        over = false;
        // The rest of buf goes on as a line block: the piece is copied out of a shared buffer.
        const head = buf.subarray(0, nl);
        yield piece(buf.buffer instanceof SharedArrayBuffer ? Buffer.from(head) : head, false, true);
        from = nl + 1;
      }
      if (n === 0) {
        if (len > from) yield { kind: 'lines', buf: buf.subarray(from, len), source, owned: true, recycle: pool.give };
        else pool.drop(buf);
        return;
      }
      const last = buf.lastIndexOf(10, len - 1);
      if (last < from) {
        if (len - from > maxLineBytes) {
          over = true;
          next = start(undefined);
          yield piece(pool.detach(buf, buf.subarray(from, len)), true, false);
        } else {
          next = start(buf.subarray(from, len));
          pool.drop(buf);
        }
        continue;
      }
      next = start(len > last + 1 ? buf.subarray(last + 1, len) : undefined);
      yield { kind: 'lines', buf: buf.subarray(from, last + 1), source, owned: true, recycle: pool.give };
    }
  } catch (err) {
    throw new InputError('ABP_INPUT_READ', `cannot read ${filename}: ${(err as Error).message}`, { file: filename });
  } finally {
    // A read still in flight when the consumer stops must finish before the fd closes.
    if (next) await next.n.catch(() => 0);
    await reads.close();
    fs.closeSync(fd);
  }
}

/**
 * Line blocks gathered into owned blocks of about `size` bytes (one copy; the
 * inflated bytes are views of zlib's chunks), in buffers from `pool` (a shared
 * input slot when there is one free and the block fits) that come back to it
 * for later blocks. Pieces of an overlong line pass through in their place.
 */
async function* ownedCopies(blocks: AsyncIterable<LineBlock | OverlongBlock>, source: string, size: number, pool: ReadBuffers): AsyncGenerator<LineBlock | OverlongBlock> {
  let parts: Buffer[] = [];
  let len = 0;
  const take = (): LineBlock => {
    const buf = pool.take(len);
    let at = 0;
    for (const p of parts) {
      copyBytes(buf, at, p, 0, p.length);
      at += p.length;
    }
    parts = [];
    len = 0;
    return { kind: 'lines', buf, source, owned: true, recycle: pool.give };
  };
  for await (const b of blocks) {
    if (b.kind !== 'lines') {
      if (len > 0) yield take();
      yield b;
      continue;
    }
    parts.push(b.buf);
    len += b.buf.length;
    if (len >= size) yield take();
  }
  if (len > 0) yield take();
}

/** The source stage: blocks of input, pulled (so backpressure is implicit). */
export async function* fromFile(filename: string, opts: FromFileOptions = {}): AsyncGenerator<SourceBlock> {
  if (!filename) throw new UsageError('ABP_USAGE', 'from-file needs a filename');
  const format = inputFormat(filename, opts.format);
  const repeat = opts.repeat ?? 1;
  const source = filename === '-' ? '<stdin>' : filename;
  const pool = opts.owned ? new ReadBuffers(opts.chunkSize ?? CHUNK, opts.buffers) : undefined;
  const maxLine = checkMaxLineBytes(opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  for (let k = 0; k < repeat; k++) {
    if (format === 'jsonlines' && filename !== '-' && pool) {
      yield* ownedLineBlocks(filename, source, opts.chunkSize ?? CHUNK, pool, maxLine, opts.readAhead ?? 1);
      continue;
    }
    const raw = openRaw(filename, opts.chunkSize ?? CHUNK, opts.stdin);
    if (format === 'arrow') {
      yield* arrowBlocks(raw, source);
    } else {
      const bytes = gunzipIfMagic(raw as AsyncIterable<Buffer>, format === 'jsonlines-gz', source);
      const lines = lineBlocks(bytes, source, maxLine);
      yield* pool ? ownedCopies(lines, source, opts.chunkSize ?? CHUNK, pool) : lines;
    }
    if (filename === '-') break;
  }
}

/** Records given in memory (library use) as one block per `size` records. */
export async function* fromRecords(records: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>, source = '<records>', size = 4096): AsyncGenerator<SourceBlock> {
  let buf: Record<string, unknown>[] = [];
  for await (const r of records as AsyncIterable<Record<string, unknown>>) {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      throw new InputError('ABP_INPUT_MALFORMED', `${source}: every record must be an object`, { file: source });
    }
    buf.push(r);
    if (buf.length >= size) {
      yield { kind: 'records', records: buf, source };
      buf = [];
    }
  }
  if (buf.length) yield { kind: 'records', records: buf, source };
}
