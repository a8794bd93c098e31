/**
 * Which bundled model scores telemetry when the caller names none: the GPM
 * model (abp-gpm-xgb) where records carry GPM work-activity values, the
 * classic one (abp-nvsmi-xgb) otherwise: older GPUs and drivers, records
 * recorded before GPM, or GPM turned off. An explicit model name always wins.
 * The choice is logged with its reason.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { constants as zconst, createGunzip } from 'node:zlib';
import { GPM_KEYS } from '../collect/gpm/keys.js';
import { listModels } from '../model-repo/repository.js';

export const CLASSIC_MODEL = 'abp-nvsmi-xgb';
export const GPM_MODEL = 'abp-gpm-xgb';
/** What `abp watch`'s job history scores a partner unmixed out of a job with (src/collect/job-history.ts). */
export const PARTNER_MODEL = 'abp-gpm-partner-xgb';
/** Records looked at before a pipeline picks its model. */
export const PEEK_RECORDS = 64;
const PEEK_BYTES = 4 * 1024 * 1024;

export interface ModelChoice {
  name: string;
  reason: string;
}

/** Whether a record has at least one GPM value (a number, or text that starts with one). */
export function hasGpmValues(rec: Record<string, unknown>): boolean {
  for (const k of GPM_KEYS) {
    const v = rec[k];
    if (typeof v === 'number' && Number.isFinite(v)) return true;
    if (typeof v === 'string' && /^\s*[-+]?\d/.test(v)) return true;
  }
  return false;
}

/** The model for records like these (a sample of an input, or a batch). */
export function chooseModel(records: Iterable<Record<string, unknown>>, repository?: string): ModelChoice {
  let n = 0;
  let gpm = 0;
  for (const r of records) {
    n++;
    if (hasGpmValues(r)) gpm++;
  }
  if (gpm === 0) {
    return { name: CLASSIC_MODEL, reason: n === 0 ? 'no records to look at' : `no GPM values in the first ${n} record(s)` };
  }
  if (repository !== undefined && !listModels(repository).includes(GPM_MODEL)) {
    return { name: CLASSIC_MODEL, reason: `records carry GPM values but ${repository} has no ${GPM_MODEL}` };
  }
  return { name: GPM_MODEL, reason: `${gpm} of the first ${n} record(s) carry GPM values` };
}

/** Complete JSON lines at the start of `buf`, parsed; unparsable lines are skipped (the pipeline reports them). */
function recordsOf(buf: Buffer, max: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let start = 0;
  while (out.length < max) {
    const nl = buf.indexOf(10, start);
    if (nl < 0) break;
    const line = buf.toString('utf8', start, nl).trim();
    start = nl + 1;
    if (line === '') continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    } catch {
      /* a bad line: not ours to report */
    }
  }
  return out;
}

/** The first PEEK_BYTES (at most) of a gzip stream's prefix, inflated; other bytes as they are. */
async function inflateHead(buf: Buffer): Promise<Buffer> {
  if (buf.length < 2 || buf[0] !== 0x1f || buf[1] !== 0x8b) return buf;
  // Streamed and cut off: a few compressed bytes can inflate to gigabytes.
  const out: Buffer[] = [];
  let size = 0;
  const z = createGunzip({ finishFlush: zconst.Z_SYNC_FLUSH });
  await new Promise<void>((resolve) => {
    z.on('data', (c: Buffer) => {
      out.push(c);
      size += c.length;
      if (size >= PEEK_BYTES) {
        z.destroy();
        resolve();
      }
    });
    z.on('end', resolve);
    z.on('close', resolve);
    z.on('error', () => resolve());
    z.end(buf);
  });
  return Buffer.concat(out);
}

/** The first records of a JSON-lines file (plain or gzip); none for Arrow or what cannot be read. */
export async function peekFile(filename: string, max = PEEK_RECORDS): Promise<Record<string, unknown>[]> {
  if (/\.(arrow|arrows|feather|ipc)$/i.test(filename)) return [];
  let fd: number | undefined;
  let head: Buffer;
  try {
    fd = fs.openSync(filename, 'r');
    const buf = Buffer.alloc(PEEK_BYTES);
    head = buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0));
  } catch {
    return []; // the pipeline reports what cannot be read
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  return recordsOf(await inflateHead(head), max);
}

/**
 * The first records of stdin, and a stream that yields every byte of stdin
 * again (what was read to look, then the rest) for the pipeline to read.
 * Waits for `max` lines, the end of input or PEEK_BYTES, whichever is first.
 */
export async function peekStdin(max = PEEK_RECORDS, stdin: Readable = process.stdin): Promise<{ records: Record<string, unknown>[]; stream: Readable }> {
  const it = stdin[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let size = 0;
  let lines = 0;
  let ended = false;
  while (size < PEEK_BYTES && (lines < max || (chunks.length > 0 && chunks[0][0] === 0x1f))) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const c = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    chunks.push(c);
    size += c.length;
    for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++;
  }
  const head = Buffer.concat(chunks);
  async function* again(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { records: recordsOf(await inflateHead(head), max), stream: Readable.from(again(), { objectMode: false }) };
}

/** The first records of an iterable, and an iterable of all of them again. */
export async function peekRecords(
  records: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>,
  max = PEEK_RECORDS,
): Promise<{ records: Record<string, unknown>[]; all: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>> }> {
  if (Array.isArray(records)) return { records: records.slice(0, max), all: records };
  const it = (Symbol.asyncIterator in records ? records[Symbol.asyncIterator]() : (records as Iterable<Record<string, unknown>>)[Symbol.iterator]()) as
    | AsyncIterator<Record<string, unknown>>
    | Iterator<Record<string, unknown>>;
  const head: Record<string, unknown>[] = [];
  let ended = false;
  while (head.length < max) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    head.push(r.value);
  }
  async function* all(): AsyncGenerator<Record<string, unknown>> {
    yield* head;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { records: head, all: all() };
}
