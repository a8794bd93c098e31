/**
 * to-file: JSON lines, .gz or Arrow IPC by extension; '-' is stdout. Output
 * goes to a temporary file beside the target and is renamed into place only
 * when the whole run succeeded, so a failed run never leaves a half-written
 * file where a good one was (util/atomic-file.ts: signals, stale temporaries,
 * kept permissions). An existing file is kept unless overwrite is set.
 */
import fs from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { OutputError } from '../errors.js';
import { writeArrow } from './arrow-writer.js';
import { Batch } from './batch.js';
import { FileWriter } from './file-writer.js';
import { PositionalWriter } from './positional-writer.js';
import { checkReplaceable, commitTemp, isStreamTarget, openStreamTarget, removeStaleTemps, tempPathFor, trackTemp, untrackTemp, writeError } from '../util/atomic-file.js';
import { recycleOutput } from './output-buffer.js';

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
  /**
   * Plain JSON lines from worker threads, written in place: the shared
   * buffers batches are placed in (Batch.place) for PositionalWriter; without
   * them the staged writer copies each batch on this thread.
   */
  staging?: SharedArrayBuffer[];
}

export function outputFormatOf(filename: string): OutputFormat {
  const f = filename.toLowerCase();
  if (f.endsWith('.gz')) return 'jsonlines-gz';
  if (f.endsWith('.arrows')) return 'arrow-stream';
  if (f.endsWith('.arrow') || f.endsWith('.feather') || f.endsWith('.ipc')) return 'arrow-file';
  return 'jsonlines';
}

/**
 * Fails early, before any work, when the target cannot be written (exists without overwrite, a directory, link or
 * block device, no directory). A character device or FIFO (`/dev/null`) is written straight to: nothing is replaced.
 */
export function checkTarget(filename: string, overwrite: boolean): void {
  if (filename === '-' || isStreamTarget(filename)) return;
  checkReplaceable(filename, overwrite, 'output');
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

/**
 * JSON lines (or gzip members) to a plain file. By default each batch is
 * copied here into aligned staging buffers written direct (FileWriter). With
 * `staging` (worker runs under ABP_OUTPUT_INPLACE=1): each batch written at
 * its place, its whole pages direct from a staging buffer a worker copied it
 * to (PositionalWriter), so this thread does no per-byte work. Either way a
 * batch's memory goes back (release, recycleOutput) only once nothing reads it.
 */
async function writePlain(tmp: string | number, target: string, batches: AsyncIterable<Batch>, counter: { rows: number; bytes: number }, onTime?: (ms: number) => void, staging?: SharedArrayBuffer[]): Promise<void> {
  // Errors of the writer itself (a full disk) name the target; the stages' own pass as they are.
  const named = async <T>(f: () => T | Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      throw writeError(err, target);
    }
  };
  // ABP_DIRECT_IO=0 turns O_DIRECT off (for file systems that take it but handle it badly).
  const direct = process.env.ABP_DIRECT_IO !== '0';
  // A device or FIFO (tmp is its descriptor then) takes the staged writer's bytes in order, buffered.
  const w =
    staging && typeof tmp === 'string' ? await named(() => new PositionalWriter(tmp, { staging, direct })) : await named(() => (typeof tmp === 'string' ? new FileWriter(tmp, { direct }) : FileWriter.stream(tmp)));
  try {
    for await (const b of serializedBatches(batches, counter)) {
      const t0 = performance.now();
      const free = () => {
        recycleOutput(b);
        b.release?.();
      };
      if (w instanceof PositionalWriter) {
        await named(() => w.write(b.serialized, free, b.place));
      } else {
        await named(() => w.write(b.serialized));
        free();
      }
      onTime?.(performance.now() - t0);
    }
    const t0 = performance.now();
    await named(() => w.close());
    onTime?.(performance.now() - t0);
  } finally {
    await w.abort();
  }
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
  // A device or FIFO: written straight to, through this descriptor (no temporary, no rename).
  const fd = !toStdout && isStreamTarget(filename) ? openStreamTarget(filename) : undefined;
  let tmp = '';
  if (!toStdout && fd === undefined) {
    removeStaleTemps(filename);
    tmp = tempPathFor(filename);
    trackTemp(tmp);
  }
  const gzipped = format === 'jsonlines-gz' && opts.gzipped === true;
  if (gzipped) batches = atLeastOneMember(batches);
  // Per-block gzip members are bytes like plain JSON lines: the same staged writer.
  const plain = (format === 'jsonlines' || gzipped) && !toStdout;
  // The stream's own errors (a full disk) are the ones to name the file in.
  let outError: unknown;
  let out: Writable | undefined;
  try {
    out = toStdout ? process.stdout : plain ? undefined : fs.createWriteStream(fd === undefined ? tmp : filename, { fd, flags: 'wx', highWaterMark: 1 << 20 });
    if (!toStdout) out?.once('error', (err) => (outError = err));
    if (plain) {
      await writePlain(fd ?? tmp, filename, batches, counter, opts.onTime, opts.staging);
    } else if (format === 'arrow-file' || format === 'arrow-stream') {
      await writeArrow(batches, out!, format === 'arrow-stream', counter);
    } else {
      const src = Readable.from(jsonChunks(batches, counter, opts.onTime), { objectMode: false, highWaterMark: 1 });
      if (format === 'jsonlines-gz' && !gzipped) await streamPipeline(src, createGzip(), out!, { end: !toStdout });
      else await streamPipeline(src, out!, { end: !toStdout });
    }
  } catch (err) {
    // A device's descriptor is closed by its writer (FileWriter.stream) or its stream.
    if (fd !== undefined) out?.destroy();
    else if (!toStdout) {
      fs.rmSync(tmp, { force: true });
      untrackTemp(tmp);
    }
    if (toStdout) throw err;
    throw err === outError ? writeError(err, filename) : err;
  }
  if (fd === undefined && !toStdout) commitTemp(tmp, filename, opts.overwrite ?? false);
  return counter;
}
