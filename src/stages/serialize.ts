/**
 * serialize: batches → JSON lines, one Buffer per batch. Rows read from JSON
 * lines keep their bytes: fast rows are spliced (the input bytes copied as
 * they are, feature values replaced by their parsed numbers, the added columns
 * appended); other rows (escapes, nesting, excluded or repeated keys) are
 * written pair by pair from their bytes, so no value the pipeline did not
 * score is ever decoded or re-encoded (big integers, 1.0, key order stay as
 * they were). A key the pipeline reads or writes (feature, added column) that
 * occurs more than once is written once, as its last copy: the one scored
 * (JSON.parse's rule). Column include/exclude follow Morpheus: regexes matched
 * from the start of the name.
 */
import { UsageError } from '../errors.js';
import { Batch } from './batch.js';
import { DUPLICATE, KeyFinder, PREFIX_HIT, closingBrace, fastLocatable, isEmptyObject, objectPairs, type KeySet } from './json-scan.js';
import { ByteWriter } from './output-buffer.js';

export interface SerializeOptions {
  include?: readonly string[];
  exclude?: readonly string[];
}

export const DEFAULT_EXCLUDE = ['^ID$', '^_ts_'];

function compile(patterns: readonly string[], what: string): RegExp[] {
  return patterns.map((p) => {
    try {
      return new RegExp(`^(?:${p})`);
    } catch (err) {
      throw new UsageError('ABP_USAGE', `invalid ${what} regex '${p}': ${(err as Error).message}`);
    }
  });
}

/** A literal every matching name must start with, when the pattern has one ("^_ts_" → "_ts_"). */
function literalPrefix(pattern: string): string | undefined {
  const m = /^\^?((?:[A-Za-z0-9_\- ]|\\\.)*)/.exec(pattern);
  if (!m) return undefined;
  const lit = m[1].replace(/\\\./g, '.');
  // A quantifier right after the literal would make its last char optional.
  const rest = pattern.slice(m[0].length);
  if (/^[*?{]/.test(rest)) return lit.length > 1 ? lit.slice(0, -1) : undefined;
  if (/^\|/.test(rest) || pattern.includes('|')) return undefined;
  return lit.length > 0 ? lit : undefined;
}

export function numberText(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

export class Serializer {
  private readonly include?: RegExp[];
  private readonly exclude: RegExp[];
  /** Searches deciding when a fast row needs its keys enumerated. */
  private readonly probe: KeyPrefixProbe | undefined;
  private readonly probeAll: boolean;
  private readonly keepCache = new Map<string, boolean>();
  private addedKey: string | undefined;
  private addedFinder: KeyFinder | undefined;
  private addedHeads: Buffer[] = [];

  constructor(opts: SerializeOptions = {}) {
    this.include = opts.include && opts.include.length > 0 ? compile(opts.include, '--include') : undefined;
    this.exclude = compile(opts.exclude ?? DEFAULT_EXCLUDE, '--exclude');
    const prefixes = (opts.exclude ?? DEFAULT_EXCLUDE).map(literalPrefix);
    this.probeAll = this.include !== undefined || prefixes.some((p) => p === undefined);
    // Searching `"prefix` finds every key that could match (keys are quoted).
    this.probe = this.probeAll ? undefined : new KeyPrefixProbe(prefixes as string[]);
  }

  keeps(name: string): boolean {
    let k = this.keepCache.get(name);
    if (k === undefined) {
      k = (this.include === undefined || this.include.some((r) => r.test(name))) && !this.exclude.some((r) => r.test(name));
      if (this.keepCache.size < 100_000) this.keepCache.set(name, k);
    }
    return k;
  }

  /** `into`: where the lines go while they fit (then b.serialized is a view of it); past its end they move to a buffer of their own. */
  process(b: Batch, into?: Buffer): Batch {
    const added = b.added.filter((a) => this.keeps(a.name));
    const addedNames = added.map((a) => a.name);
    const key = addedNames.join('\n');
    if (key !== this.addedKey) {
      // Kept across batches: its search cache then scans each block once, not once per batch.
      this.addedKey = key;
      this.addedFinder = addedNames.every(fastLocatable) ? new KeyFinder(addedNames) : undefined;
      this.addedHeads = addedNames.map((n) => Buffer.from(`"${n}":`, 'utf8'));
    }
    const addedFinder = this.addedFinder;
    const w = b.columns?.length ?? 0;
    // What deserialize noted: added names present, keys with an excluded prefix.
    const noted = addedFinder !== undefined && b.keys !== undefined ? this.notedIn(b.keys, addedNames) : undefined;
    const k = b.keys?.size ?? 0;
    // Room for the spliced rows: their bytes, numbers at most 24 chars each, the added columns.
    let headBytes = 0;
    for (const h of this.addedHeads) headBytes += h.length + 8;
    let cap = 0;
    for (let r = 0; r < b.size; r++) cap += b.end[r] - b.start[r] + 2;
    const out = new ByteWriter(cap + b.size * (w * 26 + headBytes) + 64, into);
    let rows = 0;
    for (let r = 0; r < b.size; r++) {
      if (b.keep && !b.keep[r]) continue;
      rows++;
      if (b.start[r] === -1) {
        this.rebuildObject(b, r, added, out);
      } else if (b.obj[r] === undefined && addedFinder !== undefined) {
        const buf = b.buf[r];
        const s = b.start[r];
        const e = b.end[r];
        let plain: boolean;
        if (noted !== undefined) {
          plain = !(this.probeAll || (b.keyFlags![r] & (PREFIX_HIT | DUPLICATE)) !== 0);
          for (let a = 0; plain && a < noted.length; a++) if (b.keyStart![r * k + noted[a]] !== -1) plain = false;
        } else {
          plain = !(this.probeAll || (b.keyFlags !== undefined && (b.keyFlags[r] & DUPLICATE) !== 0) || this.probe!.hits(buf, s, e));
          for (let a = 0; plain && a < added.length; a++) if (addedFinder.has(a, buf, s, e)) plain = false;
        }
        if (plain) this.splice(b, r, w, added, out);
        else this.rebuildPairs(b, r, w, added, out);
      } else {
        this.rebuildPairs(b, r, w, added, out);
      }
    }
    b.serialized = out.result();
    b.serializedRows = rows;
    return b;
  }

  /** Literal prefixes every excluded name starts with, for deserialize to note; undefined when every row is rebuilt anyway. */
  keyPrefixes(): string[] | undefined {
    return this.probe?.prefixes;
  }

  private notedKeys: KeySet | undefined;
  private notedNames = '';
  private notedIdx: Int32Array | undefined;

  private notedIn(keys: KeySet, names: string[]): Int32Array | undefined {
    const key = names.join('\n');
    if (keys !== this.notedKeys || key !== this.notedNames) {
      this.notedKeys = keys;
      this.notedNames = key;
      const idx = names.map((n) => keys.index.get(n) ?? -1);
      const prefixesOk = this.probeAll || keys.prefixes.join('\n') === this.probe!.prefixes.join('\n');
      this.notedIdx = idx.includes(-1) || !prefixesOk ? undefined : Int32Array.from(idx);
    }
    return this.notedIdx;
  }

  private addedValue(a: Batch['added'][number], r: number): string {
    return a.type === 'bool' ? (a.values[r] ? 'true' : 'false') : numberText(a.values[r]);
  }

  /** Input bytes with feature values replaced and added columns appended. */
  private splice(b: Batch, r: number, w: number, added: Batch['added'], out: ByteWriter): void {
    const buf = b.buf[r];
    const s = b.start[r];
    const e = b.end[r];
    const close = closingBrace(buf, s, e);
    let at = s;
    if (w > 0) {
      const base = r * w;
      const vs = b.valStart!;
      const ve = b.valEnd!;
      const rep = b.valReplace!;
      const values = b.values!;
      // Edits must be applied in byte order; keys usually come sorted, else sort.
      let idx: number[] | undefined;
      let prev = -1;
      for (let c = 0; c < w; c++) {
        const p = rep[base + c] ? vs[base + c] : -1;
        if (p === -1) continue;
        if (p < prev) {
          idx = [];
          break;
        }
        prev = p;
      }
      if (idx) {
        for (let c = 0; c < w; c++) if (rep[base + c]) idx.push(c);
        idx.sort((x, y) => vs[base + x] - vs[base + y]);
        for (const c of idx) {
          out.bytes(buf, at, vs[base + c]);
          out.ascii(numberText(values[base + c]));
          at = ve[base + c];
        }
      } else {
        for (let c = 0; c < w; c++) {
          if (!rep[base + c]) continue;
          out.bytes(buf, at, vs[base + c]);
          out.ascii(numberText(values[base + c]));
          at = ve[base + c];
        }
      }
    }
    out.bytes(buf, at, close);
    let comma = !isEmptyObject(buf, s, e);
    for (let a = 0; a < added.length; a++) {
      if (comma) out.byte(C_COMMA);
      out.bytes(this.addedHeads[a], 0, this.addedHeads[a].length);
      out.ascii(this.addedValue(added[a], r));
      comma = true;
    }
    out.byte(C_RBRACE);
    out.byte(C_NL);
  }

  private readonly pairs: number[] = [];
  private readonly last = new Map<string, number>();
  private featCols: readonly string[] | undefined;
  private featIdx = new Map<string, number>();

  /**
   * A row written pair by pair from its bytes (fast or parsed): excluded keys
   * dropped, feature text replaced by its number, added columns in place or
   * appended; keys and every other value copied as they were. Features and
   * added columns appear once, at their last copy (JSON's rule; the copy scored).
   */
  private rebuildPairs(b: Batch, r: number, w: number, added: Batch['added'], out: ByteWriter): void {
    const buf = b.buf[r];
    const P = this.pairs;
    const n = objectPairs(buf, b.start[r], b.end[r], P);
    if (b.columns !== this.featCols) {
      this.featCols = b.columns;
      this.featIdx = new Map((b.columns ?? []).map((c, i) => [c, i]));
    }
    const feat = this.featIdx;
    const names: string[] = new Array(n);
    const last = this.last;
    last.clear();
    for (let i = 0; i < n; i++) {
      const q = i * 5;
      const f = P[q + 2];
      const key = f & 1 ? (JSON.parse(buf.toString('utf8', P[q], P[q + 1] + 1)) as string) : buf.toString(f ? 'utf8' : 'latin1', P[q] + 1, P[q + 1]);
      names[i] = key;
      if (feat.has(key)) last.set(key, i);
    }
    const addedIdx = new Map<string, number>();
    added.forEach((a, i) => {
      addedIdx.set(a.name, i);
      last.delete(a.name);
    });
    for (let i = 0; i < n; i++) if (addedIdx.has(names[i])) last.set(names[i], i);
    const done = new Uint8Array(added.length);
    out.byte(C_LBRACE);
    let comma = false;
    // Pairs are copied with the separator before them when the pair before was written too, and unchanged
    // pairs next to each other as one run: a row with nothing dropped keeps its bytes but for the values replaced.
    let runStart = -1;
    let runEnd = -1;
    let prev = -2; // the last pair written
    for (let i = 0; i < n; i++) {
      const key = names[i];
      if (!this.keeps(key)) continue;
      const li = last.get(key);
      if (li !== undefined && li !== i) continue;
      const q = i * 5;
      const ai = addedIdx.get(key);
      const c = ai === undefined ? feat.get(key) : undefined;
      const vs = P[q + 3];
      // As preprocess reads them: numbers and null are kept as written, anything else becomes its number.
      const replaced = ai !== undefined || (c !== undefined && c < w && replacedByNumber(buf[vs]));
      const next = prev === i - 1;
      prev = i;
      if (!replaced && next && runStart !== -1) {
        runEnd = P[q + 4];
        continue;
      }
      if (runStart !== -1) out.bytes(buf, runStart, runEnd);
      runStart = -1;
      let from = P[q];
      if (next) from = P[q - 1]; // the value end of the pair before: its separator
      else if (comma) out.byte(C_COMMA);
      comma = true;
      if (!replaced) {
        runStart = from;
        runEnd = P[q + 4];
        continue;
      }
      out.bytes(buf, from, vs); // the key, the colon and their spacing
      if (ai !== undefined) {
        done[ai] = 1;
        out.ascii(this.addedValue(added[ai], r));
      } else {
        out.ascii(numberText(b.values![r * w + c!]));
      }
    }
    if (runStart !== -1) out.bytes(buf, runStart, runEnd);
    for (let a = 0; a < added.length; a++) {
      if (done[a]) continue;
      if (comma) out.byte(C_COMMA);
      comma = true;
      out.bytes(this.addedHeads[a], 0, this.addedHeads[a].length);
      out.ascii(this.addedValue(added[a], r));
    }
    out.byte(C_RBRACE);
    out.byte(C_NL);
  }

  private rebuildObject(b: Batch, r: number, added: Batch['added'], out: ByteWriter): void {
    const o = b.materialize(r);
    const res: Record<string, unknown> = {};
    const cols = b.columns;
    const w = cols?.length ?? 0;
    let feat: Map<string, number> | undefined;
    if (w > 0) {
      feat = new Map();
      for (let c = 0; c < w; c++) feat.set(cols![c], c);
    }
    const addedIdx = new Map<string, number>();
    added.forEach((a, i) => addedIdx.set(a.name, i));
    const addedVal = (i: number) => (added[i].type === 'bool' ? added[i].values[r] === 1 : finiteOrNull(added[i].values[r]));
    for (const key of Object.keys(o)) {
      if (!this.keeps(key)) continue;
      const ai = addedIdx.get(key);
      if (ai !== undefined) {
        res[key] = addedVal(ai);
        continue;
      }
      const c = feat?.get(key);
      const v = o[key];
      res[key] = c !== undefined && typeof v !== 'number' && v !== null ? finiteOrNull(b.values![r * w + c]) : v;
    }
    for (let a = 0; a < added.length; a++) if (!(added[a].name in res)) res[added[a].name] = addedVal(a);
    out.utf8(JSON.stringify(res));
    out.byte(C_NL);
  }
}

const C_COMMA = 44, C_RBRACE = 125, C_NL = 10, C_LBRACE = 123;
const C_DIGIT_0 = 48, C_DIGIT_9 = 57, C_MINUS = 45, C_N = 110;

/** Whether a feature value starting with byte c is written as its parsed number (strings, true/false, objects, arrays). */
function replacedByNumber(c: number): boolean {
  return !(c === C_MINUS || (c >= C_DIGIT_0 && c <= C_DIGIT_9) || c === C_N);
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Whether a fast row holds a key starting with one of the literal prefixes. */
class KeyPrefixProbe {
  private readonly pats: Buffer[];
  constructor(readonly prefixes: string[]) {
    // Every key starting with the prefix is `"prefix...`; searching the bare prefix and checking
    // the quote before is much faster than a quote-first pattern (quotes are everywhere).
    this.pats = prefixes.map((p) => Buffer.from(p, 'utf8'));
  }
  private cBuf: Buffer | undefined;
  private cFrom: number[] = [];
  private cPos: number[] = [];

  hits(buf: Buffer, s: number, e: number): boolean {
    if (this.cBuf !== buf) {
      this.cBuf = buf;
      this.cFrom = this.pats.map(() => -1);
      this.cPos = this.pats.map(() => -2);
    }
    for (let i = 0; i < this.pats.length; i++) {
      let pos = this.cPos[i];
      let from = s;
      for (;;) {
        if (!(this.cFrom[i] !== -1 && this.cFrom[i] <= from && (pos >= from || pos === -1))) {
          pos = buf.indexOf(this.pats[i], from);
          this.cFrom[i] = from;
          this.cPos[i] = pos;
        }
        if (pos === -1 || pos >= e) break;
        if (pos > 0 && buf[pos - 1] === 34) return true;
        from = pos + 1;
        pos = this.cPos[i] = -2;
        this.cFrom[i] = -1;
      }
    }
    return false;
  }
}
