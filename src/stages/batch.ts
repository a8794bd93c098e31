import type { KeySet } from './json-scan.js';

/**
 * What flows between stages. Rows stay as spans of the source bytes ("fast"
 * rows: a flat JSON object validated in place) or,
 * when that is not possible (escapes, nested values, Arrow input), as parsed
 * objects ("object" rows). Stages add columns; serialize splices them into
 * the original text so unchanged fields are never re-stringified.
 */

/** A run of whole input lines, as read (never decoded to a JS string). */
export interface LineBlock {
  kind: 'lines';
  buf: Buffer;
  source: string;
  /** The block alone uses buf's ArrayBuffer, so it may be transferred to a worker. */
  owned?: boolean;
  /** Takes buf's ArrayBuffer back for later reads once no row refers to it (see Deserializer.release). */
  recycle?: (ab: ArrayBuffer) => void;
}

/** Already-structured records (Arrow IPC input, library calls). */
export interface RecordBlock {
  kind: 'records';
  records: Record<string, unknown>[];
  source: string;
}

/**
 * A piece of a line longer than the reader's limit (from-file maxLineBytes),
 * passed on instead of being held whole so memory stays bounded: the first
 * piece starts the line, the last ends it (it may be empty). Deserialize
 * treats the line as a bad line under the on_error policy.
 */
export interface OverlongBlock {
  kind: 'overlong';
  source: string;
  bytes: Buffer;
  first: boolean;
  last: boolean;
  /** The limit it broke. */
  limit: number;
}

export type SourceBlock = LineBlock | RecordBlock | OverlongBlock;

/** A column added by a postprocess stage (add-class, add-scores). */
export interface AddedColumn {
  name: string;
  type: 'bool' | 'number';
  /** One value per row: 0/1 for bool. */
  values: Float32Array | Uint8Array;
}

export const EMPTY = Buffer.alloc(0);

export class Batch {
  /** Position of this batch in the stream (0, 1, ...). */
  readonly seq: number;
  readonly source: string;
  size = 0;
  /**
   * Per row: the bytes holding the row (start -1 and EMPTY for records given
   * as objects). A fast row has bytes and no `obj`; a parsed row has both.
   */
  readonly buf: Buffer[] = [];
  readonly start: number[] = [];
  readonly end: number[] = [];
  /** 1-based input line (or record number) of each row. */
  readonly line: number[] = [];
  /** Per row: the parsed record (parsed and object rows), undefined for fast rows. */
  readonly obj: (Record<string, unknown> | undefined)[] = [];
  /** Recyclable source buffers the fast rows point into. */
  readonly holds: ArrayBuffer[] = [];

  // deserialize: what the line check noted about fast rows (see KeySet).
  keys?: KeySet;
  /** rows x keys.size first value spans of the KeySet's names in fast rows (-1: absent). */
  keyStart?: Int32Array;
  keyEnd?: Int32Array;
  /** Per row: scanFlatLine's flags (PREFIX_HIT). */
  keyFlags?: Uint8Array;

  // preprocess
  columns?: readonly string[];
  /** rows x columns parsed feature values (float64, as written to the output). */
  values?: Float64Array;
  /** rows x columns spans of feature values in `buf` for fast rows (-1: absent); kind 1 = replace, 0 = keep. */
  valStart?: Int32Array;
  valEnd?: Int32Array;
  valReplace?: Uint8Array;
  /** rows x columns float32 model input. */
  features?: Float32Array;

  // inference
  outputs?: Float32Array;
  numGroup = 1;

  // postprocess
  readonly added: AddedColumn[] = [];
  /** Rows kept by `filter` (1) or dropped (0); absent = all kept. */
  keep?: Uint8Array;

  // serialize: the batch's JSON lines (UTF-8), '\n'-terminated.
  serialized?: Buffer;
  serializedRows = 0;
  /**
   * Set when `serialized` is memory lent by the block's worker (a shared
   * output slot): the sink calls it once the bytes are written (or copied
   * away), and not before, since the memory then holds a later block's.
   */
  release?: () => void;
  /**
   * Set with `release` when a worker thread can copy `serialized` into one of
   * the writer's shared staging buffers (PositionalWriter's Place): the main
   * thread then does not touch the bytes.
   */
  place?: (stage: number, off: number) => Promise<void> | undefined;

  constructor(seq: number, source: string) {
    this.seq = seq;
    this.source = source;
  }

  pushFast(buf: Buffer, start: number, end: number, line: number): void {
    this.buf.push(buf);
    this.start.push(start);
    this.end.push(end);
    this.line.push(line);
    this.obj.push(undefined);
    this.size++;
  }

  pushObject(obj: Record<string, unknown>, line: number): void {
    this.buf.push(EMPTY);
    this.start.push(-1);
    this.end.push(-1);
    this.line.push(line);
    this.obj.push(obj);
    this.size++;
  }

  /** A row parsed by JSON.parse (escapes or nesting) whose bytes are kept too, so serialize writes them as they were. */
  pushParsed(obj: Record<string, unknown>, buf: Buffer, start: number, end: number, line: number): void {
    this.buf.push(buf);
    this.start.push(start);
    this.end.push(end);
    this.line.push(line);
    this.obj.push(obj);
    this.size++;
  }

  /** Turns fast row `i` into an object row (when a stage needs the structure). */
  materialize(i: number): Record<string, unknown> {
    const o = this.obj[i];
    if (o) return o;
    const parsed = JSON.parse(this.buf[i].toString('utf8', this.start[i], this.end[i])) as Record<string, unknown>;
    this.obj[i] = parsed;
    return parsed;
  }

  /** Number of rows that will be written (after filter). */
  keptRows(): number {
    if (!this.keep) return this.size;
    let n = 0;
    for (let i = 0; i < this.size; i++) n += this.keep[i];
    return n;
  }
}

