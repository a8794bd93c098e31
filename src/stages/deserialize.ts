/**
 * deserialize: source blocks → batches of `batchSize` rows. Each JSON line is
 * checked here (fast flat-object check, else JSON.parse); a malformed line is
 * handled by the on_error policy, never dropped silently.
 */
import { InputError, UsageError } from '../errors.js';
import { Batch, type LineBlock, type OverlongBlock, type SourceBlock } from './batch.js';
import { checkMaxLineBytes, DEFAULT_MAX_LINE_BYTES } from './from-file.js';
import { bytesNestDeeper, DEFAULT_MAX_DEPTH, valueNestDeeper } from './json-depth.js';
import type { KeySet } from './json-scan.js';
import { QuarantineFile } from './quarantine.js';
import { BLANK, scanBlock, type BlockScan } from './scan-block.js';

/** `overwrite` (quarantine): whether an existing FILE may be replaced (the pipeline passes the output's --overwrite). */
export type OnErrorPolicy = { kind: 'fail' } | { kind: 'skip' } | { kind: 'quarantine'; file: string; overwrite?: boolean };

export function parseOnError(spec: string): OnErrorPolicy {
  if (spec === 'fail' || spec === 'skip') return { kind: spec };
  const m = /^quarantine:(.+)$/.exec(spec);
  if (m) return { kind: 'quarantine', file: m[1] };
  throw new UsageError('ABP_USAGE', `invalid --on_error '${spec}': use fail, skip or quarantine:FILE`);
}

export interface DeserializeCounts {
  rows: number;
  lines: number;
  malformed: number;
  skipped: number;
  quarantined: number;
}

/** Bounds on one line or record; past them it is a bad line under the on_error policy. */
export interface InputLimits {
  /** Longest line in bytes (default DEFAULT_MAX_LINE_BYTES, 64 MiB). */
  maxLineBytes?: number;
  /** Deepest nesting of objects/arrays (default DEFAULT_MAX_DEPTH, 256). */
  maxDepth?: number;
}

const NL = Buffer.from('\n');

/** Why one line or record is bad: an InputError code and the text after `file:line: `. */
export interface Problem {
  code: string;
  message: string;
}

/**
 * The check of one line that failed the flat check (escapes, nesting, or not
 * JSON): the parsed object, or why the line is bad. Depth is checked on the
 * bytes first, so nothing deeper than the limit is ever built.
 */
export function parseLine(buf: Buffer, p: number, e: number, maxDepth: number): { value: Record<string, unknown> } | { problem: Problem } {
  if (bytesNestDeeper(buf, p, e, maxDepth)) return { problem: tooDeep(maxDepth) };
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8', p, e));
  } catch (err) {
    return { problem: { code: 'ABP_INPUT_MALFORMED', message: `malformed JSON line: ${(err as Error).message}` } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const found = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
    return { problem: { code: 'ABP_INPUT_MALFORMED', message: `malformed JSON line: expected a JSON object, found ${found}` } };
  }
  return { value: value as Record<string, unknown> };
}

function tooDeep(max: number): Problem {
  return { code: 'ABP_INPUT_DEPTH', message: `record nested more than ${max} levels deep` };
}

function tooLong(max: number): Problem {
  return { code: 'ABP_INPUT_LINE_LENGTH', message: `line longer than ${max} bytes (the maximum line length)` };
}

/** The error a bad line (or record) raises under on_error=fail; one wording wherever lines are checked. */
export function badLineError(source: string, at: number, what: string, problem: Problem): InputError {
  return new InputError(problem.code, what === 'line' ? `${source}:${at}: ${problem.message}` : `${source}: ${what} ${at}: ${problem.message}`, { file: source, line: at });
}

/**
 * Where bad lines go instead of the policy being applied here: a block
 * checked on a worker thread hands its bad lines to the main thread, which
 * applies the policy in input order. `at` counts from the Deserializer's start.
 */
export interface BadLineSink {
  /** One bad line or record; `bytes`: what quarantine would write (none for a record given as an object). */
  bad(problem: Problem, at: number, what: string, bytes: Buffer[] | undefined): void;
  /** More bytes of the last bad line, for quarantine (the pieces of an overlong line). */
  more(bytes: Buffer[]): void;
}

export class Deserializer {
  readonly batchSize: number;
  readonly policy: OnErrorPolicy;
  readonly counts: DeserializeCounts = { rows: 0, lines: 0, malformed: 0, skipped: 0, quarantined: 0 };
  private seq = 0;
  private current: Batch | undefined;
  private lineNo = 0;
  private recordNo = 0;
  private lastSource: string | undefined;
  private readonly quarantine: QuarantineFile | undefined;

  readonly keys: KeySet | undefined;
  readonly maxLineBytes: number;
  readonly maxDepth: number;

  /** `keys`: names and prefixes later stages look for, noted while each line is checked. */
  constructor(
    batchSize: number,
    policy: OnErrorPolicy = { kind: 'fail' },
    keys?: KeySet,
    limits: InputLimits = {},
    private readonly sink?: BadLineSink,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('ABP_USAGE', `pipeline batch size must be a positive integer, got ${batchSize}`);
    this.batchSize = batchSize;
    this.policy = policy;
    // With a sink (a worker's block), bad lines go to the main thread, which owns the file.
    if (policy.kind === 'quarantine' && sink === undefined) this.quarantine = new QuarantineFile(policy.file, policy.overwrite ?? false);
    this.keys = keys && keys.size + keys.prefixes.length > 0 ? keys : undefined;
    this.maxLineBytes = checkMaxLineBytes(limits.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    const d = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
    if (!Number.isInteger(d) || d < 1) throw new UsageError('ABP_USAGE', `max depth must be a positive integer, got ${d}`);
    this.maxDepth = d;
  }

  /** Adds a block; returns the batches it completed. */
  push(block: SourceBlock): Batch[] {
    const out: Batch[] = [];
    if (block.source !== this.lastSource) {
      this.lastSource = block.source;
      this.lineNo = 0;
      this.recordNo = 0;
    }
    if (block.kind === 'overlong') {
      this.overlong(block);
      return out;
    }
    if (block.kind === 'records') {
      for (const rec of block.records) {
        this.recordNo++;
        if (valueNestDeeper(rec, this.maxDepth)) {
          this.bad(tooDeep(this.maxDepth), block.source, undefined, this.recordNo, 'record');
          continue;
        }
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
      if (e - p > this.maxLineBytes) {
        this.bad(tooLong(this.maxLineBytes), block.source, [buf.subarray(p, e), NL]);
        continue;
      }
      if (flags === BLANK) continue;
      if (flags === 0) {
        const b = this.slowLine(buf, p, e, block.source, out);
        if (b !== undefined && ab !== undefined && b.holds[b.holds.length - 1] !== ab) {
          b.holds.push(ab);
          this.holds.get(ab)!.n++;
        }
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

  /** A line that failed the flat check: parsed (its bytes kept for serialize), or a bad line. */
  private slowLine(buf: Buffer, p: number, e: number, source: string, out: Batch[]): Batch | undefined {
    const r = parseLine(buf, p, e, this.maxDepth);
    if ('problem' in r) {
      this.bad(r.problem, source, [buf.subarray(p, e), NL]);
      return undefined;
    }
    const b = this.batchFor(source, out);
    b.pushParsed(r.value, buf, p, e, this.lineNo);
    this.counts.rows++;
    return b;
  }

  /** A piece of a line past the reader's limit: the line is bad; under quarantine its pieces are copied there as they come. */
  private overlong(block: OverlongBlock): void {
    if (block.first) {
      this.lineNo++;
      this.counts.lines++;
      this.bad(tooLong(block.limit), block.source, [block.bytes]);
    } else if (this.policy.kind === 'quarantine') {
      this.toQuarantine([block.bytes]);
    }
    if (block.last && this.policy.kind === 'quarantine') this.toQuarantine([NL]);
  }

  /**
   * One bad line (or record): the on_error policy, named by file and line
   * (record number). `bytes`: what quarantine writes; a record given as an
   * object has none, so under quarantine it is skipped (and counted so).
   */
  private bad(problem: Problem, source: string, bytes: Buffer[] | undefined, at = this.lineNo, what = 'line'): void {
    this.counts.malformed++;
    if (this.sink !== undefined) {
      this.sink.bad(problem, at, what, bytes);
      return;
    }
    switch (this.policy.kind) {
      case 'fail':
        throw badLineError(source, at, what, problem);
      case 'skip':
        this.counts.skipped++;
        return;
      case 'quarantine':
        if (bytes === undefined) {
          this.counts.skipped++;
          return;
        }
        this.toQuarantine(bytes);
        this.counts.quarantined++;
    }
  }

  private toQuarantine(bytes: Buffer[]): void {
    if (this.policy.kind !== 'quarantine') return;
    if (this.sink !== undefined) {
      this.sink.more(bytes);
      return;
    }
    this.quarantine!.write(bytes.length === 1 ? bytes[0] : Buffer.concat(bytes));
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

  /** The run succeeded: the quarantine file (if any) is put in place. */
  close(): void {
    this.quarantine?.commit();
  }

  /** The run failed: the quarantine file's temporary is removed, an existing file left as it was. */
  abort(): void {
    this.quarantine?.abort();
  }
}
