/**
 * The work on one block of input, from its bytes to its output lines: line
 * check, deserialize, preprocess (feature extraction), and after the
 * engine's outputs come back, add-class/add-scores/filter, summary and
 * serialize. Plain functions over the stage classes, so a worker thread and
 * the main thread (one thread, record sources, tests) run the same code.
 *
 * A block knows nothing of the blocks before it: its line numbers count from
 * its own first line, and what must happen in input order (the first
 * malformed line under on_error=fail, quarantined lines, the first row
 * lacking a column) is reported for the main thread to apply in order.
 */
import { gzipSync } from 'node:zlib';
import type { SourceBlock } from '../../stages/batch.js';
import { Batch } from '../../stages/batch.js';
import { Deserializer, type BadLineSink, type DeserializeCounts, type OnErrorPolicy, type Problem } from '../../stages/deserialize.js';
import { KeySet } from '../../stages/json-scan.js';
import { AddClass, AddScores, FilterDetections } from '../../stages/postprocess.js';
import { Preprocessor } from '../../stages/preprocess.js';
import { Serializer } from '../../stages/serialize.js';
import { scanBlock } from '../../stages/scan-block.js';
import { Summarizer, type DetectionSummary } from '../summary.js';
import type { BlockPlan, StepPlan } from './plan.js';

export interface BlockTimes {
  parse: number;
  preprocess: number;
  postprocess: number;
  serialize: number;
}

/** A finished block: its output bytes and what the main thread must apply in order. */
export interface BlockDone {
  id: number;
  /** Lines (line blocks) or records (record blocks) the block holds: the next block's line numbers start after them. */
  units: number;
  counts: DeserializeCounts;
  /** on_error=fail: the block's first bad line or record (`at` counted from 1 within the block). */
  fail?: { at: number; what: string; problem: Problem };
  /** on_error=quarantine: the malformed lines, each '\n'-terminated. */
  bad?: Uint8Array;
  /** Per feature column: rows lacking it, and the first such row's line in the block (0: none). */
  missing?: { counts: Float64Array; first: Int32Array };
  /** Rows seen by each monitor step, in step order. */
  monitors: number[];
  /** Per summary step, the block's counts. */
  summaries: DetectionSummary[];
  /** The block's output JSON lines. */
  out: Uint8Array;
  outRows: number;
  times: BlockTimes;
}

/** A block waiting for the engine: its feature matrix (rows x columns). */
export interface BlockFeatures {
  id: number;
  rows: number;
  features: Float32Array;
}

/** Thrown inside a block at its first malformed line under on_error=fail: the rest of the block does not matter. */
class StopBlock extends Error {}

interface Open {
  batch: Batch;
  units: number;
  counts: DeserializeCounts;
  bad?: Buffer[];
  pp?: Preprocessor;
  firstMissing?: Int32Array;
  next: number;
  monitors: number[];
  summaries: DetectionSummary[];
  times: BlockTimes;
}


export class BlockWork {
  private readonly keys: KeySet | undefined;
  private readonly serializer: Serializer;
  private readonly post = new Map<number, AddClass | AddScores | FilterDetections>();
  private readonly open = new Map<number, Open>();

  constructor(readonly plan: BlockPlan) {
    this.keys = plan.names.length + plan.prefixes.length > 0 ? new KeySet(plan.names, plan.prefixes) : undefined;
    const ser = plan.steps.find((s) => s.type === 'serialize') as Extract<StepPlan, { type: 'serialize' }>;
    this.serializer = new Serializer({ include: ser.include, exclude: ser.exclude });
    plan.steps.forEach((s, i) => {
      if (s.type === 'add-class') this.post.set(i, new AddClass({ labels: s.labels, only: s.only, prefix: s.prefix, threshold: s.threshold }));
      else if (s.type === 'add-scores') this.post.set(i, new AddScores({ labels: s.labels, only: s.only, prefix: s.prefix }));
      else if (s.type === 'filter') this.post.set(i, new FilterDetections(s.threshold));
    });
  }

  /**
   * Runs a block up to the engine: its features, or the finished block when the plan has no inference.
   * `into`: where the output lines go when they fit (a shared output slot); else a buffer of their own.
   */
  begin(id: number, block: SourceBlock, into?: Buffer): BlockFeatures | BlockDone {
    const times: BlockTimes = { parse: 0, preprocess: 0, postprocess: 0, serialize: 0 };
    const t = performance.now();
    let fail: BlockDone['fail'];
    let bad: Buffer[] | undefined;
    let skipped = 0;
    let quarantined = 0;
    const policy = this.plan.onError;
    // The policy as the main thread will apply it, in input order.
    const sink: BadLineSink = {
      bad: (problem, at, what, bytes) => {
        if (policy === 'fail') {
          fail = { at, what, problem };
          throw new StopBlock();
        }
        if (policy === 'quarantine' && bytes !== undefined) {
          (bad ??= []).push(...bytes.map((x) => Buffer.from(x)));
          quarantined++;
        } else {
          skipped++;
        }
      },
      more: (bytes) => (bad ??= []).push(...bytes.map((x) => Buffer.from(x))),
    };
    const dpolicy: OnErrorPolicy = policy === 'quarantine' ? { kind: 'quarantine', file: '' } : { kind: policy };
    // One batch per block: the batch size exceeds its rows, so only flush() completes it.
    let units: number;
    let d: Deserializer;
    let batch: Batch | undefined;
    try {
      if (block.kind === 'lines') {
        const scan = scanBlock(block.buf, this.keys);
        d = new Deserializer(scan.n + 1, dpolicy, this.keys, this.plan.limits, sink);
        d.pushScanned({ kind: 'lines', buf: block.buf, source: block.source }, scan);
        units = scan.n;
      } else {
        // Records, or a piece of an overlong line (one line when it is the first piece).
        d = new Deserializer(block.kind === 'records' ? block.records.length + 1 : 1, dpolicy, this.keys, this.plan.limits, sink);
        d.push(block);
        units = block.kind === 'records' ? block.records.length : d.counts.lines;
      }
      batch = d.flush()[0];
    } catch (err) {
      if (!(err instanceof StopBlock)) throw err;
      times.parse += performance.now() - t;
      return this.done(id, { units: 0, counts: emptyCounts(), fail, out: EMPTY_OUT, outRows: 0, times, monitors: [], summaries: [] });
    }
    const counts = { ...d.counts, skipped, quarantined };
    times.parse += performance.now() - t;
    const o: Open = { batch: batch ?? new Batch(0, block.source), units, counts, bad, next: 0, monitors: [], summaries: [], times };
    this.open.set(id, o);
    return this.run(id, o, into);
  }

  /** Continues a block after the engine: `outputs` is rows x numGroup. */
  finish(id: number, outputs: Float32Array, numGroup: number, into?: Buffer): BlockDone {
    const o = this.open.get(id);
    if (o === undefined) throw new Error(`block ${id} is not waiting for the engine`);
    o.batch.outputs = outputs;
    o.batch.numGroup = numGroup;
    return this.run(id, o, into) as BlockDone;
  }

  /** Drops a block's state (the run ended before its engine outputs came). */
  discard(id: number): void {
    this.open.delete(id);
  }

  private run(id: number, o: Open, into: Buffer | undefined): BlockFeatures | BlockDone {
    const steps = this.plan.steps;
    const b = o.batch;
    for (; o.next < steps.length; o.next++) {
      const s = steps[o.next];
      const t = performance.now();
      switch (s.type) {
        case 'preprocess': {
          const first = new Int32Array(s.columns.length);
          const pp = new Preprocessor({ columns: s.columns, rule: s.rule, onMissingColumn: (col, line) => (first[s.columns.indexOf(col)] = line) });
          pp.process(b);
          o.pp = pp;
          o.firstMissing = first;
          o.times.preprocess += performance.now() - t;
          break;
        }
        case 'inference':
          if (b.outputs === undefined) {
            // The engine runs on the main thread; the block resumes at the next step.
            return { id, rows: b.size, features: b.features ?? new Float32Array(0) };
          }
          break;
        case 'monitor':
          o.monitors.push(b.keep ? b.keptRows() : b.size);
          break;
        case 'summary': {
          const sm = new Summarizer(s.label);
          sm.process(b);
          o.summaries.push(sm.summary);
          o.times.postprocess += performance.now() - t;
          break;
        }
        case 'serialize':
          // Once: a later serialize stage (there is at most one) would only repeat it.
          if (b.serialized === undefined) this.serializer.process(b, this.plan.gzip ? undefined : into);
          o.times.serialize += performance.now() - t;
          break;
        default:
          this.post.get(o.next)!.process(b);
          o.times.postprocess += performance.now() - t;
      }
    }
    this.open.delete(id);
    let out: Uint8Array = b.serialized ?? EMPTY_OUT;
    if (this.plan.gzip && out.length > 0) {
      const t = performance.now();
      out = gzipSync(out);
      o.times.serialize += performance.now() - t;
    }
    return this.done(id, {
      units: o.units,
      counts: o.counts,
      bad: o.bad ? Buffer.concat(o.bad) : undefined,
      missing: o.pp && o.firstMissing ? { counts: o.pp.missingCounts, first: o.firstMissing } : undefined,
      monitors: o.monitors,
      summaries: o.summaries,
      out,
      outRows: b.serializedRows,
      times: o.times,
    });
  }

  private done(id: number, d: Omit<BlockDone, 'id'>): BlockDone {
    return { id, ...d };
  }
}

const EMPTY_OUT = new Uint8Array(0);

function emptyCounts(): DeserializeCounts {
  return { rows: 0, lines: 0, malformed: 0, skipped: 0, quarantined: 0 };
}

/** Steps a plan needs the engine for. */
export function needsEngine(plan: BlockPlan): boolean {
  return plan.steps.some((s) => s.type === 'inference');
}
