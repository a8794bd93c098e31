/**
 * to-file: JSON lines, .gz or Arrow IPC by extension; '-' is stdout. Output
 * goes to a temporary file beside the target and is renamed into place only
 * when the whole run succeeded, so a failed run never leaves a half-written
 * file where a good one was. An existing file is kept unless overwrite is set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { OutputError } from '../errors.js';
import { Batch } from './batch.js';
import { FileWriter } from './file-writer.js';
import { recycleOutput } from './serialize.js';

export type OutputFormat = 'jsonlines' | 'jsonlines-gz' | 'arrow-file' | 'arrow-stream';

export interface ToFileOptions {
  overwrite?: boolean;
  format?: OutputFormat;
  /**
   * jsonlines-gz: the batches' bytes are gzip members already (each block
   * compressed on its worker thread); they are written as they are, one
   * after another (a gzip file may hold several members).
   */
  gzipped?: boolean;
  /** Adds the time spent encoding and writing (ms). */
  onTime?: (ms: number) => void;
}

export function outputFormatOf(filename: string): OutputFormat {
  const f = filename.toLowerCase();
  if (f.endsWith('.gz')) return 'jsonlines-gz';
  if (f.endsWith('.arrows')) return 'arrow-stream';
  if (f.endsWith('.arrow') || f.endsWith('.feather') || f.endsWith('.ipc')) return 'arrow-file';
  return 'jsonlines';
}

/** Fails early, before any work, when the target exists and overwrite is off. */
export function checkTarget(filename: string, overwrite: boolean): void {
  if (filename === '-') return;
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(filename);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) throw new OutputError('ABP_OUTPUT_EXISTS', `cannot write to ${filename}: it is a directory`);
  if (st && !overwrite) {
    throw new OutputError('ABP_OUTPUT_EXISTS', `cannot write to ${filename}: the file exists and --overwrite was not given`);
  }
  const dir = path.dirname(path.resolve(filename));
  if (!fs.existsSync(dir)) throw new OutputError('ABP_OUTPUT_DIR', `cannot write to ${filename}: directory ${dir} does not exist`);
}

/** The batches that carry output bytes, counted into `counter`. */
async function* serializedBatches(batches: AsyncIterable<Batch>, counter: { rows: number; bytes: number }): AsyncGenerator<Batch & { serialized: Buffer }> {
  for await (const b of batches) {
    if (b.serialized === undefined) throw new OutputError('ABP_INTERNAL', 'to-file received a batch that was not serialized');
    if (b.serialized.length === 0) continue;
    counter.rows += b.serializedRows;
    counter.bytes += b.serialized.length;
    yield b as Batch & { serialized: Buffer };
  }
}

async function* jsonChunks(batches: AsyncIterable<Batch>, counter: { rows: number; bytes: number }, onTime?: (ms: number) => void): AsyncGenerator<Buffer> {
  for await (const b of serializedBatches(batches, counter)) {
    // Time until the stream asks for more: handing over and waiting on the write.
    const t0 = performance.now();
    yield b.serialized;
    onTime?.(performance.now() - t0);
  }
}

/** JSON lines to a plain file: each batch's bytes copied to FileWriter's staging buffers (then free for the serializer to reuse). */
async function writePlain(tmp: string, batches: AsyncIterable<Batch>, counter: { rows: number; bytes: number }, onTime?: (ms: number) => void): Promise<void> {
  // ABP_DIRECT_IO=0 turns O_DIRECT off (for file systems that take it but handle it badly).
  const w = new FileWriter(tmp, { direct: process.env.ABP_DIRECT_IO !== '0' });
  try {
    for await (const b of serializedBatches(batches, counter)) {
      const t0 = performance.now();
      await w.write(b.serialized);
      recycleOutput(b);
      onTime?.(performance.now() - t0);
    }
    const t0 = performance.now();
    await w.close();
    onTime?.(performance.now() - t0);
  } finally {
    await w.abort();
  }
}

async function writeArrow(batches: AsyncIterable<Batch>, out: Writable, stream: boolean, counter: { rows: number; bytes: number }): Promise<void> {
  const arrow = await import('apache-arrow');
  const writer = stream ? new arrow.RecordBatchStreamWriter() : new arrow.RecordBatchFileWriter();
  const piping = streamPipeline(writer.toNodeStream(), out);
  type Kind = 'number' | 'bool' | 'string';
  let schema: { name: string; kind: Kind }[] | undefined;
  const kindOf = (v: unknown): Kind | undefined =>
    v === null || v === undefined ? undefined : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : 'string';
  try {
    for await (const b of batches) {
      const text = b.serialized?.toString('utf8') ?? '';
      if (!text) continue;
      const rows = text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
      if (!schema) {
        const kinds = new Map<string, Kind | undefined>();
        for (const r of rows) {
          for (const [k, v] of Object.entries(r)) {
            const have = kinds.get(k);
            const kv = kindOf(v);
            if (!kinds.has(k) || have === undefined) kinds.set(k, kv);
            else if (kv !== undefined && kv !== have) kinds.set(k, 'string');
          }
        }
        schema = [...kinds].map(([name, kind]) => ({ name, kind: kind ?? 'string' }));
      }
      const cols: Record<string, unknown> = {};
      for (const { name, kind } of schema) {
        const vals = rows.map((r) => {
          const v = r[name];
          if (v === null || v === undefined) return null;
          if (kind === 'string') return typeof v === 'string' ? v : JSON.stringify(v);
          if (kindOf(v) !== kind) {
            throw new OutputError('ABP_OUTPUT_SCHEMA', `Arrow output: column '${name}' holds ${kind} values but a later row has ${JSON.stringify(v)}`);
          }
          return v;
        });
        const type = kind === 'number' ? new arrow.Float64() : kind === 'bool' ? new arrow.Bool() : new arrow.Utf8();
        cols[name] = arrow.vectorFromArray(vals as never[], type as never);
      }
      for (const r of rows) {
        for (const k of Object.keys(r)) {
          if (!schema.some((s) => s.name === k)) throw new OutputError('ABP_OUTPUT_SCHEMA', `Arrow output: column '${k}' first appears after the first batch`);
        }
      }
      writer.write(new arrow.Table(cols as never));
      counter.rows += rows.length;
    }
    if (!schema) writer.write(new arrow.Table({}));
    writer.close();
  } catch (err) {
    writer.abort?.();
    (writer as unknown as { close(): void }).close();
    await piping.catch(() => undefined);
    throw err;
  }
  await piping;
}

/** The batches, then an empty gzip member when none held bytes (an empty file is not gzip). */
async function* atLeastOneMember(batches: AsyncIterable<Batch>): AsyncGenerator<Batch> {
  let any = false;
  for await (const b of batches) {
    if (b.serialized && b.serialized.length > 0) any = true;
    yield b;
  }
  if (!any) {
    const b = new Batch(0, '');
    b.serialized = gzipSync(Buffer.alloc(0));
    yield b;
  }
}

export interface WriteResult {
  rows: number;
  bytes: number;
}

export async function toFile(filename: string, batches: AsyncIterable<Batch>, opts: ToFileOptions = {}): Promise<WriteResult> {
  const format = opts.format ?? outputFormatOf(filename);
  const counter = { rows: 0, bytes: 0 };
  checkTarget(filename, opts.overwrite ?? false);
  const toStdout = filename === '-';
  const tmp = toStdout
    ? ''
    : path.join(path.dirname(path.resolve(filename)), `.${path.basename(filename)}.abp-tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  const gzipped = format === 'jsonlines-gz' && opts.gzipped === true;
  if (gzipped) batches = atLeastOneMember(batches);
  const plain = (format === 'jsonlines' || gzipped) && !toStdout;
  const out: Writable | undefined = toStdout ? process.stdout : plain ? undefined : fs.createWriteStream(tmp, { flags: 'wx', highWaterMark: 1 << 20 });
  try {
    if (plain) {
      await writePlain(tmp, batches, counter, opts.onTime);
    } else if (format === 'arrow-file' || format === 'arrow-stream') {
      await writeArrow(batches, out!, format === 'arrow-stream', counter);
    } else {
      const src = Readable.from(jsonChunks(batches, counter, opts.onTime), { objectMode: false, highWaterMark: 1 });
      if (format === 'jsonlines-gz' && !gzipped) await streamPipeline(src, createGzip(), out!, { end: !toStdout });
      else await streamPipeline(src, out!, { end: !toStdout });
    }
  } catch (err) {
    if (!toStdout) fs.rmSync(tmp, { force: true });
    throw err;
  }
  if (!toStdout) {
    try {
      if (opts.overwrite) {
        fs.renameSync(tmp, filename);
      } else {
        // link() refuses to replace a file that appeared during the run.
        fs.linkSync(tmp, filename);
        fs.rmSync(tmp, { force: true });
      }
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EEXIST') throw new OutputError('ABP_OUTPUT_EXISTS', `cannot write to ${filename}: the file exists and --overwrite was not given`);
      throw new OutputError('ABP_OUTPUT_WRITE', `cannot write ${filename}: ${e.message}`, { cause: err });
    }
  }
  return counter;
}
