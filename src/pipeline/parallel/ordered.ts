/**
 * The main thread's part: hand blocks out, then take them back in input
 * order. Blocks are numbered as read; up to `depth` are in flight (being
 * worked on, or finished and waiting for an earlier one), so memory is
 * bounded by the blocks in flight whatever the input size. Each finished
 * block, in order, gets what needs the whole stream: absolute line numbers
 * for on_error=fail and missing-column warnings, the quarantine file, the
 * counts, and then its bytes go to the sink as one serialized batch.
 */
import { Batch, type SourceBlock } from '../../stages/batch.js';
import { badLineError, type DeserializeCounts, type OnErrorPolicy } from '../../stages/deserialize.js';
import type { Monitor } from '../../stages/monitor.js';
import { QuarantineFile } from '../../stages/quarantine.js';
import { mergeSummary, type DetectionSummary } from '../summary.js';
import type { BlockDone, BlockTimes } from './block-work.js';
import type { BlockExecutor, Engine } from './pool.js';

export interface OrderedOptions {
  policy: OnErrorPolicy;
  /** Feature columns (for the missing-column counts and warnings). */
  columns?: readonly string[];
  onMissingColumn?: (column: string, line: number, source: string) => void;
  /** One per monitor step, in step order. */
  monitors: Monitor[];
  /** One per summary step, in step order (the run keeps the last). */
  summaries: DetectionSummary[];
  times: BlockTimes;
}

/** What the run accumulates from its blocks in input order. */
export class OrderedState {
  readonly counts: DeserializeCounts = { rows: 0, lines: 0, malformed: 0, skipped: 0, quarantined: 0 };
  readonly missingCounts: Float64Array;
  private readonly warned: Uint8Array;
  private lastSource: string | undefined;
  /** Lines (or records) of the current source before the next block. */
  private base = 0;
  /** on_error=quarantine: written through a temporary, in place only when the run succeeds (close). */
  private readonly quarantine: QuarantineFile | undefined;

  constructor(private readonly o: OrderedOptions) {
    const w = o.columns?.length ?? 0;
    this.missingCounts = new Float64Array(w);
    this.warned = new Uint8Array(w);
    if (o.policy.kind === 'quarantine') this.quarantine = new QuarantineFile(o.policy.file, o.policy.overwrite ?? false);
  }

  /** Applies a finished block (the next in input order); throws the run's error when it holds one. */
  apply(source: string, d: BlockDone): void {
    if (source !== this.lastSource) {
      this.lastSource = source;
      this.base = 0;
    }
    if (d.fail) throw badLineError(source, this.base + d.fail.at, d.fail.what, d.fail.problem);
    const c = this.counts;
    c.rows += d.counts.rows;
    c.lines += d.counts.lines;
    c.malformed += d.counts.malformed;
    c.skipped += d.counts.skipped;
    c.quarantined += d.counts.quarantined;
    if (d.bad && d.bad.length > 0) this.quarantine?.write(d.bad);
    if (d.missing) {
      const { counts, first } = d.missing;
      for (let i = 0; i < counts.length; i++) {
        this.missingCounts[i] += counts[i];
        if (first[i] > 0 && !this.warned[i]) {
          this.warned[i] = 1;
          this.o.onMissingColumn?.(this.o.columns![i], this.base + first[i], source);
        }
      }
    }
    d.monitors.forEach((n, i) => this.o.monitors[i]?.count(n));
    d.summaries.forEach((s, i) => this.o.summaries[i] && mergeSummary(this.o.summaries[i], s));
    const t = this.o.times;
    t.parse += d.times.parse;
    t.preprocess += d.times.preprocess;
    t.postprocess += d.times.postprocess;
    t.serialize += d.times.serialize;
    this.base += d.units;
  }

  /** The run succeeded: the quarantine file (if any) is put in place. */
  close(): void {
    this.quarantine?.commit();
  }

  /** The run failed: the quarantine file's temporary is removed, an existing file left as it was. */
  abort(): void {
    this.quarantine?.abort();
  }
}

/**
 * The blocks' output in input order, as serialized batches for the sink.
 * `waitMs` gets the time the main thread waited for the next block in order.
 * `reuse`: the sink calls each batch's `release` once its bytes are written
 * (the plain-file writer), and its memory then goes back to its worker.
 */
export async function* orderedBatches(
  blocks: AsyncIterable<SourceBlock>,
  exec: BlockExecutor,
  engine: Engine | undefined,
  state: OrderedState,
  depth: number,
  waitMs: (ms: number) => void,
  reuse = false,
): AsyncGenerator<Batch> {
  const queue: { source: string; done: Promise<BlockDone> }[] = [];
  let id = 0;
  const take = async (): Promise<BlockDone> => {
    const q = queue.shift()!;
    const t = performance.now();
    const d = await q.done;
    waitMs(performance.now() - t);
    state.apply(q.source, d);
    return d;
  };
  const batchOf = (d: BlockDone): Batch => {
    const b = new Batch(d.id, '');
    b.serialized = Buffer.from(d.out.buffer, d.out.byteOffset, d.out.byteLength);
    b.serializedRows = d.outRows;
    if (reuse) b.release = () => exec.written(d.out);
    if (reuse && exec.place) b.place = (stage, off) => exec.place!(d.out, stage, off);
    return b;
  };
  try {
    for await (const blk of blocks) {
      const done = exec.run(id++, blk, engine);
      done.catch(() => undefined); // rethrown when awaited, in order
      queue.push({ source: blk.source, done });
      while (queue.length >= depth) yield batchOf(await take());
    }
    while (queue.length) yield batchOf(await take());
  } finally {
    queue.length = 0;
  }
}
