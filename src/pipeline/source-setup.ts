/**
 * How a run reads its source: the blocks it pulls, how many worker threads
 * take them, the shared memory they are read into and written from, and the
 * read time and input progress counted on the way. Pipeline.execute()
 * (pipeline.ts) puts these together with the stages and the ordered writer.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { SourceBlock } from '../stages/batch.js';
import { READ_BYTES, fromFile, fromRecords, inputFormat } from '../stages/from-file.js';
import { inputBytes, InputProgress } from '../stages/input-size.js';
import { CARRY_ROOM } from '../stages/read-ahead.js';
import { MAX_INFLIGHT, STAGING_COUNT, STAGING_SLACK } from '../stages/positional-writer.js';
import type { PoolSlots } from './parallel/pool.js';
import { SlotPool, slotReadBuffers } from './parallel/slots.js';
import type { StageSpec, StageTimes } from './types.js';

/** Below this much input (estimated, inflated) a default run stays on the main thread: starting workers would cost more. */
const WORKERS_MIN_BYTES = 16 << 20;

/** Worker threads for this source (0: the main thread works on the blocks); `numThreads` as the options give it. */
export function workerThreads(src: StageSpec, numThreads: number | undefined): number {
  if (src.type !== 'from-file') return 0; // records in memory: moving them to a thread costs more than working on them
  const format = inputFormat(src.filename, src.format);
  if (format === 'arrow') return 0;
  if (numThreads !== undefined && numThreads > 0) return numThreads > 1 ? numThreads : 0;
  if (src.filename !== '-') {
    let size = 0;
    try {
      size = fs.statSync(src.filename).size;
    } catch {
      size = 0;
    }
    // Telemetry JSON deflates about 10 to 100 times; a small .gz can hold a large input.
    if ((format === 'jsonlines-gz' ? size * 16 : size) * (src.repeat ?? 1) < WORKERS_MIN_BYTES) return 0;
  }
  const cores = os.availableParallelism();
  return cores > 1 ? cores : 0;
}

/** The monitors' bar: bytes of lines read against the input's size, where that is known (a file, not stdin or Arrow). */
export function inputProgress(src: StageSpec): InputProgress {
  if (src.type !== 'from-file') return new InputProgress(undefined);
  const bytes = inputBytes(src.filename, inputFormat(src.filename, src.format));
  return new InputProgress(bytes === undefined ? undefined : bytes * (src.repeat ?? 1));
}

/**
 * The source's blocks. Lines always come in owned blocks of the same size,
 * worker threads or not: the blocks are then the same for any thread count,
 * and so is anything made per block (gzip members of the output).
 */
export function sourceBlocks(src: StageSpec, maxLineBytes: number, readAhead: number, slots: PoolSlots | undefined): AsyncIterable<SourceBlock> {
  if (src.type === 'from-file') {
    const buffers = slots && slotReadBuffers(slots.inputs);
    return fromFile(src.filename, { format: src.format, repeat: src.repeat, owned: true, stdin: src.stdin, maxLineBytes, buffers, readAhead });
  }
  if (src.type === 'from-records') return fromRecords(src.records, src.source);
  throw new Error(`not a source stage: ${src.type}`);
}

/**
 * Shared slots for a run on worker threads: input slots for JSON lines (a
 * plain file is read straight into them; gzip and stdin lines are gathered
 * into them by copy), output slots that the sink hands back once it has
 * copied each batch away (or, in place, placed it) (`outputs`). Enough for the
 * blocks in flight, the reads in flight (ABP_READ_AHEAD) and those being
 * written; when they run out a block takes a buffer of its own.
 */
export function sharedSlots(src: StageSpec, depth: number, readAhead: number, outputs: boolean): PoolSlots | undefined {
  if (src.type !== 'from-file' || inputFormat(src.filename, src.format) === 'arrow') return undefined;
  const input = READ_BYTES + CARRY_ROOM;
  // Spliced lines are the input's bytes plus the parsed numbers and the verdict: a quarter more is ample.
  const output = input + (input >> 2);
  // ABP_OUTPUT_INPLACE=1: the output written in place (PositionalWriter), see README "Throughput".
  const inPlace = outputs && process.env.ABP_OUTPUT_INPLACE === '1';
  try {
    return {
      inputs: new SlotPool(Math.min(depth + 3 + readAhead, MAX_SLOTS), input),
      // Besides the blocks in flight: the one being written (in place: those waiting to be placed, one per write in flight).
      outputs: outputs ? new SlotPool(Math.min(depth + (inPlace ? 1 + MAX_INFLIGHT : 2), MAX_SLOTS), output) : undefined,
      // The in-place writer's staging buffers: a block's output placed at its file position's alignment.
      staging: inPlace ? Array.from({ length: STAGING_COUNT }, () => new SharedArrayBuffer(output + STAGING_SLACK)) : undefined,
    };
  } catch {
    // Shared memory refused (a limit on this process): every block takes a buffer of its own.
    return undefined;
  }
}

/**
 * Slots of each kind at most (about 300 MiB of input slots, 350 of output
 * slots): with more than 29 workers, blocks past them take buffers of their
 * own, so thousands of threads do not reserve gigabytes up front.
 */
const MAX_SLOTS = 64;

/** The source's blocks, the time spent waiting for each counted as read time and its bytes as progress. */
export async function* timedSource(src: AsyncIterable<SourceBlock>, times: StageTimes, progress: InputProgress): AsyncGenerator<SourceBlock> {
  const it = src[Symbol.asyncIterator]();
  for (;;) {
    const t = performance.now();
    const n = await it.next();
    times.read += performance.now() - t;
    if (n.done) return;
    if (n.value.kind === 'lines' || n.value.kind === 'overlong') progress.bytes += n.value.kind === 'lines' ? n.value.buf.length : n.value.bytes.length;
    yield n.value;
  }
}
