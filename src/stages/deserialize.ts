/**
 * deserialize: source blocks → batches of `batchSize` rows. Each JSON line is
 * checked here (fast flat-object check, else JSON.parse); a malformed line is
 * handled by the on_error policy, never dropped silently.
 */
import fs from 'node:fs';
import { InputError, UsageError } from '../errors.js';
import { Batch, type LineBlock, type SourceBlock } from './batch.js';
import type { KeySet } from './json-scan.js';
import { BLANK, scanBlock, type BlockScan } from './scan-block.js';

export type OnErrorPolicy = { kind: 'fail' } | { kind: 'skip' } | { kind: 'quarantine'; file: string };

export function parseOnError(spec: string): OnErrorPolicy {
  if (spec === 'fail' || spec === 'skip') return { kind: spec };
  const m = /^quarantine:(.+)$/.exec(spec);
  if (m) return { kind: 'quarantine', file: m[1] };
  throw new UsageError('ABP_USAGE', `invalid --on_error '${spec}': use fail, skip or quarantine:FILE`);
}

/** The message of a malformed line under on_error=fail (one wording wherever lines are checked). */
export function malformedLineError(source: string, line: number, problem: string): InputError {
  return new InputError('ABP_INPUT_MALFORMED', `${source}:${line}: malformed JSON line: ${problem}`, { file: source, line });
}

/**
 * Called for a malformed line instead of applying the policy here: a block
 * checked on a worker thread hands its bad lines to the main thread, which
 * applies the policy in input order. `line` counts from the Deserializer's start.
 */
export type MalformedHandler = (line: number, problem: string, bytes: Buffer) => void;

export interface DeserializeCounts {
  rows: number;
  lines: number;
  malformed: number;
  skipped: number;
  quarantined: number;
}

const NL = Buffer.from('\n');

export class Deserializer {
  readonly batchSize: number;
  readonly policy: OnErrorPolicy;
  readonly counts: DeserializeCounts = { rows: 0, lines: 0, malformed: 0, skipped: 0, quarantined: 0 };
  private seq = 0;
  private current: Batch | undefined;
  private lineNo = 0;
  private recordNo = 0;
  private lastSource: string | undefined;
  private quarantineFd: number | undefined;

  readonly keys: KeySet | undefined;

  /** `keys`: names and prefixes later stages look for, noted while each line is checked. */
  constructor(
    batchSize: number,
    policy: OnErrorPolicy = { kind: 'fail' },
    keys?: KeySet,
    private readonly onMalformed?: MalformedHandler,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('ABP_USAGE', `pipeline batch size must be a positive integer, got ${batchSize}`);
    this.batchSize = batchSize;
    this.policy = policy;
    this.keys = keys && keys.size + keys.prefixes.length > 0 ? keys : undefined;
  }

  /** Adds a block; returns the batches it completed. */
  push(block: SourceBlock): Batch[] {
    const out: Batch[] = [];
    if (block.source !== this.lastSource) {
      this.lastSource = block.source;
      this.lineNo = 0;
      this.recordNo = 0;
    }
    if (block.kind === 'records') {
      for (const rec of block.records) {
        this.recordNo++;
        const b = this.batchFor(block.source, out);
        b.pushObject(rec, this.recordNo);
        this.counts.rows++;
      }
      return out;
    }
    return this.pushScanned(block, scanBlock(block.buf, this.keys), out);
  }

  /** Adds a block of lines already checked by scanBlock (here or on a worker) with this Deserializer's keys. */
  pushScanned(block: LineBlock, scan: BlockScan, out: Batch[] = []): Batch[] {
    if (block.source !== this.lastSource) {
      this.lastSource = block.source;
      this.lineNo = 0;
      this.recordNo = 0;
    }
    const buf = block.buf;
    // Rows point into buf: it goes back to the source when the last batch holding it is released.
    const give = block.recycle;
    const ab = give !== undefined ? (buf.buffer as ArrayBuffer) : undefined;
    if (ab !== undefined) this.holds.set(ab, { n: 1, give: give! });
    const keys = this.keys;
    const k = keys?.size ?? 0;
    const { lines, spans } = scan;
    for (let i = 0; i < scan.n; i++) {
      const p = lines[i * 3];
      const e = lines[i * 3 + 1];
      const flags = lines[i * 3 + 2];
      this.lineNo++;
      this.counts.lines++;
      if (flags === BLANK) continue;
      if (flags === 0) {
        this.slowLine(buf, p, e, block.source, out);
        continue;
      }
      const b = this.batchFor(block.source, out);
      if (keys !== undefined) {
        if (b.keys === undefined) {
          b.keys = keys;
          b.keyStart = new Int32Array(this.batchSize * k).fill(-1);
          b.keyEnd = new Int32Array(this.batchSize * k);
          b.keyFlags = new Uint8Array(this.batchSize);
        }
        const src = i * 2 * k;
        const dst = b.size * k;
        const ks = b.keyStart!, ke = b.keyEnd!;
        for (let j = 0; j < k; j++) {
          ks[dst + j] = spans[src + j];
          ke[dst + j] = spans[src + k + j];
        }
        b.keyFlags![b.size] = flags;
      }
      if (ab !== undefined && b.holds[b.holds.length - 1] !== ab) {
        b.holds.push(ab);
        this.holds.get(ab)!.n++;
      }
      b.pushFast(buf, p, e, this.lineNo);
      this.counts.rows++;
    }
    if (ab !== undefined) this.drop(ab);
    return out;
  }

  private readonly holds = new Map<ArrayBuffer, { n: number; give: (ab: ArrayBuffer) => void }>();

  /** Nothing reads this batch's rows any more (it has been written): its source buffers may be reused. */
  release(b: Batch): void {
    for (const ab of b.holds) this.drop(ab);
    b.holds.length = 0;
  }

  private drop(ab: ArrayBuffer): void {
    const h = this.holds.get(ab);
    if (h === undefined) return;
    if (--h.n === 0) {
      this.holds.delete(ab);
      h.give(ab);
    }
  }

  private slowLine(buf: Buffer, p: number, e: number, source: string, out: Batch[]): void {
    const raw = buf.toString('utf8', p, e);
    let value: unknown;
    let problem: string | undefined;
    try {
      value = JSON.parse(raw);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problem = `expected a JSON object, found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`;
      }
    } catch (err) {
      problem = (err as Error).message;
    }
    if (problem === undefined) {
      this.batchFor(source, out).pushObject(value as Record<string, unknown>, this.lineNo);
      this.counts.rows++;
      return;
    }
    this.counts.malformed++;
    if (this.onMalformed !== undefined) {
      this.onMalformed(this.lineNo, problem, buf.subarray(p, e));
      return;
    }
    switch (this.policy.kind) {
      case 'fail':
        throw malformedLineError(source, this.lineNo, problem);
      case 'skip':
        this.counts.skipped++;
        return;
      case 'quarantine':
        this.quarantineFd ??= fs.openSync(this.policy.file, 'w');
        fs.writeSync(this.quarantineFd, Buffer.concat([buf.subarray(p, e), NL]));
        this.counts.quarantined++;
    }
  }

  private batchFor(source: string, out: Batch[]): Batch {
    let b = this.current;
    if (b && b.source !== source) {
      out.push(b);
      b = undefined;
    }
    if (!b) {
      b = new Batch(this.seq++, source);
      this.current = b;
    }
    if (b.size === this.batchSize - 1) {
      // This row completes it.
      out.push(b);
      this.current = undefined;
    }
    return b;
  }

  /** The last partial batch, if any. */
  flush(): Batch[] {
    const b = this.current;
    this.current = undefined;
    return b && b.size > 0 ? [b] : [];
  }

  close(): void {
    if (this.quarantineFd !== undefined) {
      fs.closeSync(this.quarantineFd);
      this.quarantineFd = undefined;
    }
  }
}
