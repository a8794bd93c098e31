/**
 * preprocess: the model's feature columns → a row-major Float32Array. Values
 * follow parse-value's rules (first number of the text, JSON numbers as they
 * are, anything else missing = NaN).
 */
import { Batch } from './batch.js';
import { DUPLICATE, KeyFinder, fastLocatable, type KeySet } from './json-scan.js';
import { featureValue, type NumberRule } from './parse-value.js';
import { stringValueAt } from './parse-value-at.js';

export interface PreprocessOptions {
  columns: readonly string[];
  rule?: NumberRule;
  /** Called once per feature column the first time a row lacks it. */
  onMissingColumn?: (column: string, line: number, source: string) => void;
}

const C_QUOTE = 34, C_T = 116, C_F = 102, C_N = 110;

export class Preprocessor {
  readonly columns: readonly string[];
  readonly rule: NumberRule;
  private readonly finder: KeyFinder | undefined;
  private readonly warned: Uint8Array;
  /** Rows that lacked each column. */
  readonly missingCounts: Float64Array;
  private readonly onMissing?: PreprocessOptions['onMissingColumn'];

  constructor(opts: PreprocessOptions) {
    this.columns = [...opts.columns];
    this.rule = opts.rule ?? 'first-number';
    this.finder = this.columns.every(fastLocatable) ? new KeyFinder(this.columns) : undefined;
    this.warned = new Uint8Array(this.columns.length);
    this.missingCounts = new Float64Array(this.columns.length);
    this.onMissing = opts.onMissingColumn;
  }

  process(b: Batch): Batch {
    const w = this.columns.length;
    const n = b.size;
    const values = new Float64Array(n * w);
    const features = new Float32Array(n * w);
    const vs = new Int32Array(n * w);
    const ve = new Int32Array(n * w);
    const rep = new Uint8Array(n * w);
    const rule = this.rule;
    // Spans noted by deserialize, when it was told these columns.
    const idx = this.finder !== undefined && b.keys !== undefined ? this.indexIn(b.keys) : undefined;
    const k = b.keys?.size ?? 0;
    for (let r = 0; r < n; r++) {
      const base = r * w;
      if (b.obj[r] === undefined && this.finder === undefined) b.materialize(r);
      const o = b.obj[r];
      if (o !== undefined) {
        for (let c = 0; c < w; c++) {
          vs[base + c] = -1;
          const col = this.columns[c];
          if (!Object.prototype.hasOwnProperty.call(o, col)) {
            values[base + c] = NaN;
            this.missing(c, b, r);
          } else {
            values[base + c] = featureValue(o[col], rule);
          }
        }
        continue;
      }
      const buf = b.buf[r];
      if (idx !== undefined) {
        const kb = r * k;
        for (let c = 0; c < w; c++) {
          vs[base + c] = b.keyStart![kb + idx[c]];
          ve[base + c] = b.keyEnd![kb + idx[c]];
        }
      } else {
        // A feature key given twice: serialize must write the row pair by pair (one copy, the scored one).
        if (this.finder!.locate(buf, b.start[r], b.end[r], vs, ve, base)) (b.keyFlags ??= new Uint8Array(n))[r] |= DUPLICATE;
      }
      for (let c = 0; c < w; c++) {
        const s = vs[base + c];
        if (s === -1) {
          values[base + c] = NaN;
          this.missing(c, b, r);
          continue;
        }
        const e = ve[base + c];
        const ch = buf[s];
        if (ch === C_QUOTE) {
          values[base + c] = stringValueAt(buf, s + 1, e - 1, rule);
          rep[base + c] = 1;
        } else if (ch === C_T || ch === C_F) {
          values[base + c] = NaN;
          rep[base + c] = 1;
        } else if (ch === C_N) {
          values[base + c] = NaN;
        } else {
          values[base + c] = Number(buf.toString('latin1', s, e));
        }
      }
    }
    for (let i = 0; i < values.length; i++) features[i] = values[i];
    b.columns = this.columns;
    b.values = values;
    b.features = features;
    b.valStart = vs;
    b.valEnd = ve;
    b.valReplace = rep;
    return b;
  }

  private lastKeys: KeySet | undefined;
  private lastIdx: Int32Array | undefined;

  private indexIn(keys: KeySet): Int32Array | undefined {
    if (keys !== this.lastKeys) {
      this.lastKeys = keys;
      const idx = this.columns.map((c) => keys.index.get(c) ?? -1);
      this.lastIdx = idx.includes(-1) ? undefined : Int32Array.from(idx);
    }
    return this.lastIdx;
  }

  private missing(c: number, b: Batch, r: number): void {
    this.missingCounts[c]++;
    if (!this.warned[c]) {
      this.warned[c] = 1;
      this.onMissing?.(this.columns[c], b.line[r], b.source);
    }
  }
}
