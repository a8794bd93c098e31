/**
 * from-file: JSON lines (plain or .gz) or Arrow IPC, chosen by extension; '-'
 * is stdin (gzip recognised by its magic bytes). Reads as a stream pulled by
 * the pipeline, so memory stays flat whatever the input size.
 */
import fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { InputError, UsageError } from '../errors.js';
import type { LineBlock, RecordBlock, SourceBlock } from './batch.js';

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
}

export function formatOf(filename: string): InputFormat {
  const f = filename.toLowerCase();
  if (f.endsWith('.gz')) return 'jsonlines-gz';
  if (f.endsWith('.arrow') || f.endsWith('.arrows') || f.endsWith('.feather') || f.endsWith('.ipc')) return 'arrow';
  return 'jsonlines';
}

const CHUNK = 4 << 20;

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
 * split across chunks is joined (one small copy).
 */
export async function* lineBlocks(stream: AsyncIterable<Buffer>, source: string): AsyncGenerator<LineBlock> {
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let first = true;
  for await (let chunk of stream) {
    if (first) {
      first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    let from = 0;
    if (pendingLen > 0) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        pending.push(chunk);
        pendingLen += chunk.length;
        continue;
      }
      pending.push(chunk.subarray(0, nl + 1));
      yield { kind: 'lines', buf: Buffer.concat(pending, pendingLen + nl + 1), source };
      pending = [];
      pendingLen = 0;
      from = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= from) {
      yield { kind: 'lines', buf: chunk.subarray(from, last + 1), source };
      from = last + 1;
    }
    if (from < chunk.length) {
      pending.push(chunk.subarray(from));
      pendingLen += chunk.length - from;
    }
  }
  if (pendingLen > 0) yield { kind: 'lines', buf: Buffer.concat(pending, pendingLen), source };
}

function plainValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  if (v !== null && typeof v === 'object') {
    const j = (v as { toJSON?: () => unknown }).toJSON;
    if (typeof j === 'function') return j.call(v);
  }
  return v;
}

async function* arrowBlocks(stream: Readable, source: string): AsyncGenerator<RecordBlock> {
  const { RecordBatchReader } = await import('apache-arrow');
  let reader;
  try {
    reader = await RecordBatchReader.from(stream as unknown as AsyncIterable<Uint8Array>);
  } catch (err) {
    throw new InputError('ABP_INPUT_ARROW', `${source}: not an Arrow IPC file or stream: ${(err as Error).message}`, { file: source });
  }
  for await (const rb of reader) {
    const names = rb.schema.fields.map((f) => f.name);
    const cols = names.map((_, i) => rb.getChildAt(i));
    const records: Record<string, unknown>[] = new Array(rb.numRows);
    for (let r = 0; r < rb.numRows; r++) {
      const o: Record<string, unknown> = {};
      for (let c = 0; c < names.length; c++) {
        const v = cols[c]?.get(r);
        o[names[c]] = v === undefined ? null : plainValue(v);
      }
      records[r] = o;
    }
    yield { kind: 'records', records, source };
  }
}

/**
 * Blocks of whole lines read straight into buffers of their own (the partial
 * last line is copied to the front of the next), so each block can be handed
 * to a worker thread by transfer.
 */
/** Read buffers handed back by the pipeline (LineBlock.recycle), reused for later reads. */
class ReadBuffers {
  private readonly free: ArrayBuffer[] = [];
  constructor(private readonly chunkSize: number) {}
  take(n: number): Buffer {
    for (let i = this.free.length - 1; i >= 0; i--) {
      if (this.free[i].byteLength >= n) return Buffer.from(this.free.splice(i, 1)[0], 0, n);
    }
    // Room for a carried partial line, so most buffers fit the next read.
    return Buffer.allocUnsafeSlow(Math.max(n, this.chunkSize + (256 << 10))).subarray(0, n);
  }
  readonly give = (ab: ArrayBuffer): void => {
    if (this.free.length < 16) this.free.push(ab);
  };
}

async function* ownedLineBlocks(filename: string, source: string, chunkSize: number, pool: ReadBuffers): AsyncGenerator<LineBlock> {
  let fd: number;
  try {
    fd = fs.openSync(filename, 'r');
  } catch (err) {
    throw new InputError('ABP_INPUT_OPEN', `cannot open ${filename}: ${(err as NodeJS.ErrnoException).message}`, { file: filename });
  }
  if (fs.fstatSync(fd).isDirectory()) {
    fs.closeSync(fd);
    throw new InputError('ABP_INPUT_OPEN', `${filename} is a directory`, { file: filename });
  }
  const read = (buf: Buffer, off: number, len: number) =>
    new Promise<number>((resolve, reject) => fs.read(fd, buf, off, len, null, (err, n) => (err ? reject(err) : resolve(n))));
  // The next read is issued before a block is yielded, so the disk works while the pipeline does.
  const start = (carry: Buffer | undefined) => {
    const cl = carry?.length ?? 0;
    // A line longer than a chunk doubles the read, so joining it stays linear.
    const want = Math.max(chunkSize, cl);
    const buf = pool.take(cl + want);
    if (carry) carry.copy(buf, 0);
    return { buf, cl, n: read(buf, cl, want) };
  };
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
        continue;
      }
      if (first && len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) from = 3;
      first = false;
      if (n === 0) {
        if (len > from) yield { kind: 'lines', buf: buf.subarray(from, len), source, owned: true, recycle: pool.give };
        return;
      }
      const last = buf.lastIndexOf(10, len - 1);
      if (last < from) {
        next = start(buf.subarray(from, len));
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
    fs.closeSync(fd);
  }
}

/** Line blocks gathered into owned blocks of about `size` bytes (one copy; the inflated bytes are views of zlib's chunks). */
async function* ownedCopies(blocks: AsyncIterable<LineBlock>, source: string, size: number): AsyncGenerator<LineBlock> {
  let parts: Buffer[] = [];
  let len = 0;
  const take = (): LineBlock => {
    const buf = Buffer.allocUnsafeSlow(len);
    let at = 0;
    for (const p of parts) at += p.copy(buf, at);
    parts = [];
    len = 0;
    return { kind: 'lines', buf, source, owned: true };
  };
  for await (const b of blocks) {
    parts.push(b.buf);
    len += b.buf.length;
    if (len >= size) yield take();
  }
  if (len > 0) yield take();
}

/** The source stage: blocks of input, pulled (so backpressure is implicit). */
export async function* fromFile(filename: string, opts: FromFileOptions = {}): AsyncGenerator<SourceBlock> {
  if (!filename) throw new UsageError('ABP_USAGE', 'from-file needs a filename');
  const format = opts.format ?? (filename === '-' ? 'jsonlines' : formatOf(filename));
  const repeat = opts.repeat ?? 1;
  const source = filename === '-' ? '<stdin>' : filename;
  const pool = opts.owned ? new ReadBuffers(opts.chunkSize ?? CHUNK) : undefined;
  for (let k = 0; k < repeat; k++) {
    if (format === 'jsonlines' && filename !== '-' && pool) {
      yield* ownedLineBlocks(filename, source, opts.chunkSize ?? CHUNK, pool);
      continue;
    }
    const raw = openRaw(filename, opts.chunkSize ?? CHUNK, opts.stdin);
    if (format === 'arrow') {
      yield* arrowBlocks(raw, source);
    } else {
      const bytes = gunzipIfMagic(raw as AsyncIterable<Buffer>, format === 'jsonlines-gz', source);
      const lines = lineBlocks(bytes, source);
      yield* opts.owned ? ownedCopies(lines, source, opts.chunkSize ?? CHUNK) : lines;
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
