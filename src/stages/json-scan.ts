/**
 * The fast path over JSON lines held as bytes. A line qualifies when it is one
 * flat object (values: strings without escapes, numbers, true, false, null).
 * Then every '"' is a string delimiter, so fields can be found with
 * Buffer.indexOf (native code) instead of a full parse. Anything else takes
 * JSON.parse.
 */

const C_SP = 32, C_TAB = 9, C_CR = 13, C_NL = 10, C_QUOTE = 34, C_COLON = 58, C_COMMA = 44, C_RBRACE = 125, C_LBRACE = 123;
const C_BSLASH = 92, C_MINUS = 45, C_PLUS = 43, C_DOT = 46, C_0 = 48, C_1 = 49, C_9 = 57, C_E = 101, C_UPPER_E = 69;
const C_LBRACK = 91, C_RBRACK = 93;
const C_T = 116, C_R = 114, C_U = 117, C_F = 102, C_A = 97, C_L = 108, C_S = 115, C_N = 110;

export function isWs(c: number): boolean {
  return c === C_SP || c === C_TAB || c === C_CR || c === C_NL;
}

export function skipWs(buf: Uint8Array, i: number, end: number): number {
  while (i < end && isWs(buf[i])) i++;
  return i;
}

/** Line whitespace (the grammar's: space, tab, CR). */
function isLineWs(c: number): boolean {
  return c === C_SP || c === C_TAB || c === C_CR;
}

function skipLineWs(buf: Uint8Array, i: number, end: number): number {
  let c;
  while (i < end && ((c = buf[i]) === C_SP || c === C_TAB || c === C_CR)) i++;
  return i;
}

/** End of a string starting after its opening quote, or -1 when it holds an escape, a control byte or no closing quote. */
function stringEnd(buf: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = buf[i++];
    if (c === C_QUOTE) return i;
    if (c < C_SP || c === C_BSLASH) return -1;
  }
  return -1;
}

/**
 * stringEnd reading four bytes at a time through `words` (a Uint32Array over
 * buf's whole ArrayBuffer; `off` = buf.byteOffset). It starts at the aligned
 * word holding i (the bytes before i masked to a letter) and reads whole words
 * while none holds a quote, a backslash or a control byte (the usual
 * has-zero-byte tests: they may flag a byte above a real hit, never below
 * one, so the lowest flagged byte is the first hit). The bytes of a last
 * word reaching past `end` go one by one (stringEnd), so the result is
 * stringEnd's exactly.
 */
function stringEndWords(buf: Uint8Array, words: Uint32Array, off: number, i: number, end: number): number {
  let wi = (off + i) >>> 2;
  const wEnd = (off + end) >>> 2;
  if (wi < wEnd) {
    let w = words[wi];
    const sh = (off + i) & 3;
    if (sh !== 0) {
      const low = (1 << (sh << 3)) - 1;
      w = (w & ~low) | (0x41414141 & low);
    }
    for (;;) {
      const q = w ^ 0x22222222;
      const b = w ^ 0x5c5c5c5c;
      const m = (((q - 0x01010101) & ~q) | ((b - 0x01010101) & ~b) | ((w - 0x20202020) & ~w)) & 0x80808080;
      if (m !== 0) {
        const p = wi * 4 - off + ((31 - Math.clz32(m & -m)) >> 3);
        return buf[p] === C_QUOTE ? p + 1 : -1;
      }
      if (++wi >= wEnd) break;
      w = words[wi];
    }
    i = wi * 4 - off;
  }
  return stringEnd(buf, i, end);
}

function digitsEnd(buf: Uint8Array, i: number, end: number): number {
  let c;
  while (i < end && (c = buf[i]) >= C_0 && c <= C_9) i++;
  return i;
}

/** End of a JSON number at i, or -1. */
function numberEnd(buf: Uint8Array, i: number, end: number): number {
  if (buf[i] === C_MINUS) i++;
  if (i >= end) return -1;
  const c = buf[i];
  if (c === C_0) i++;
  else if (c >= C_1 && c <= C_9) i = digitsEnd(buf, i + 1, end);
  else return -1;
  if (i < end && buf[i] === C_DOT) {
    const j = digitsEnd(buf, i + 1, end);
    if (j === i + 1) return -1;
    i = j;
  }
  if (i < end && (buf[i] === C_E || buf[i] === C_UPPER_E)) {
    let k = i + 1;
    if (k < end && (buf[k] === C_PLUS || buf[k] === C_MINUS)) k++;
    const j = digitsEnd(buf, k, end);
    if (j === k) return -1;
    i = j;
  }
  return i;
}

/**
 * Keys to note while a line is validated: exact names (their first value span
 * is recorded) and name prefixes (whether any key starts with one). The check
 * visits every key anyway, so this replaces one search per key per row.
 */
export class KeySet {
  readonly names: readonly string[];
  readonly prefixes: readonly string[];
  private readonly nameBytes: Buffer[];
  private readonly prefixBytes: Buffer[];
  /** Key byte length → indexes of names that long. */
  private readonly byLen: (number[] | undefined)[] = [];
  /** 1 where some prefix starts with that byte (a quick rejection before prefixHit). */
  readonly prefixFirst = new Uint8Array(256);
  /** 1 where some name is that many bytes long (a quick rejection before match). */
  readonly lengths = new Uint8Array(256);
  readonly index = new Map<string, number>();

  constructor(names: readonly string[], prefixes: readonly string[] = []) {
    this.names = [...new Set(names)];
    this.names.forEach((n, i) => this.index.set(n, i));
    this.nameBytes = this.names.map((n) => Buffer.from(n, 'utf8'));
    this.nameBytes.forEach((nb, i) => (this.byLen[nb.length] ??= []).push(i));
    for (const nb of this.nameBytes) if (nb.length < 256) this.lengths[nb.length] = 1;
    this.prefixes = prefixes;
    this.prefixBytes = prefixes.map((p) => Buffer.from(p, 'utf8'));
    for (const p of this.prefixBytes) this.prefixFirst[p[0]] = 1;
  }

  get size(): number {
    return this.names.length;
  }

  /** Index of the name matching key bytes [ks, ke), or -1. */
  match(buf: Uint8Array, ks: number, ke: number): number {
    const cands = this.byLen[ke - ks];
    if (cands === undefined) return -1;
    for (let k = 0; k < cands.length; k++) {
      const nb = this.nameBytes[cands[k]];
      // Names of one family share their start; compare from the end.
      let j = nb.length - 1;
      while (j >= 0 && nb[j] === buf[ks + j]) j--;
      if (j < 0) return cands[k];
    }
    return -1;
  }

  /** Whether key bytes [ks, ke) start with one of the prefixes. */
  prefixHit(buf: Uint8Array, ks: number, ke: number): boolean {
    if (ks >= ke || !this.prefixFirst[buf[ks]]) return false;
    for (const p of this.prefixBytes) {
      if (p.length > ke - ks) continue;
      let j = 1;
      while (j < p.length && p[j] === buf[ks + j]) j++;
      if (j === p.length) return true;
    }
    return false;
  }
}

/** scanFlatLine's result for a flat line whose keys include one with a KeySet prefix. */
export const PREFIX_HIT = 2;
/** scanFlatLine's result for a flat line. */
export const FLAT = 1;
/** scanFlatLine's result for a flat line where a KeySet name occurs more than once (its spans are the last copy's). */
export const DUPLICATE = 4;

/**
 * Whether bytes [start, end) are one flat JSON object: optional space/tab/CR
 * around tokens, string keys and values without escapes or control bytes,
 * values numbers, true, false or null. Bytes >= 0x80 inside strings pass as
 * they are (UTF-8 is not checked here, as JSON.parse of a decoded line would
 * not either). Returns 0 when not flat, else FLAT | PREFIX_HIT | DUPLICATE as found.
 * With `keys`, the last value span of each name goes to spans[base + index]
 * (start) and spans[base + keys.size + index] (end); starts must be -1 on
 * entry and stay -1 for absent names.
 */
export function scanFlatLine(buf: Uint8Array, start: number, end: number, keys?: KeySet, spans?: Int32Array, base = 0, words?: Uint32Array): number {
  return scanFlat(buf, start, end, false, keys, spans, base, words);
}

/**
 * scanFlatLine over the line starting at `start` whose end is not known yet:
 * [start, limit) holds it and maybe more lines. A flat line ends at the first
 * '\n' after its closing brace (none can come before: strings refuse control
 * bytes and the whitespace between tokens is space, tab or CR), so the check
 * finds the line's end itself instead of a search for it first. Returns the
 * flags as scanFlatLine does, the end in `lineEnd.at` (the '\n' or limit);
 * 0 when the line is not flat (its end not found: search for it, and check
 * the line alone to be exact).
 */
export function scanFlatLineTo(buf: Uint8Array, start: number, limit: number, keys?: KeySet, spans?: Int32Array, base = 0, words?: Uint32Array): number {
  return scanFlat(buf, start, limit, true, keys, spans, base, words);
}

export const lineEnd = { at: -1 };

/** After a closing brace at i - 1: the line's end (exact mode: only `end`; open mode: `end` or a '\n'), or -1. */
function closeAt(buf: Uint8Array, i: number, end: number, open: boolean): number {
  const j = skipLineWs(buf, i, end);
  if (j === end || (open && buf[j] === C_NL)) return j;
  return -1;
}

function scanFlat(buf: Uint8Array, start: number, end: number, open: boolean, keys?: KeySet, spans?: Int32Array, base = 0, words?: Uint32Array): number {
  let flags = FLAT;
  const off = buf.byteOffset;
  const w = words ?? wordsOf(buf);
  let i = skipLineWs(buf, start, end);
  if (i >= end || buf[i] !== C_LBRACE) return 0;
  i = skipLineWs(buf, i + 1, end);
  if (i < end && buf[i] === C_RBRACE) {
    const at = closeAt(buf, i + 1, end, open);
    lineEnd.at = at;
    return at === -1 ? 0 : flags;
  }
  // The usual separators (", " and ": ") are stepped over inline; other whitespace goes to skipLineWs.
  for (;;) {
    if (i >= end || buf[i] !== C_QUOTE) return 0;
    const ks = i + 1;
    i = stringEndWords(buf, w, off, ks, end);
    if (i === -1) return 0;
    let want = -1;
    if (keys !== undefined) {
      const kl = i - 1 - ks;
      want = kl < 256 && keys.lengths[kl] === 0 ? -1 : keys.match(buf, ks, i - 1);
      // A repeated key: the last copy wins (JSON.parse's rule), and the row is flagged for serialize.
      if (want !== -1 && spans![base + want] !== -1) flags |= DUPLICATE;
      if (kl > 0 && keys.prefixFirst[buf[ks]] !== 0 && keys.prefixHit(buf, ks, i - 1)) flags |= PREFIX_HIT;
    }
    if (i < end && buf[i] === C_COLON) i++;
    else {
      i = skipLineWs(buf, i, end);
      if (i >= end || buf[i] !== C_COLON) return 0;
      i++;
    }
    if (i < end && buf[i] === C_SP) i++;
    if (i < end && isLineWs(buf[i])) i = skipLineWs(buf, i, end);
    if (i >= end) return 0;
    const v0 = i;
    const c = buf[i];
    if (c === C_QUOTE) {
      i = stringEndWords(buf, w, off, i + 1, end);
    } else if (c === C_T) {
      i = i + 3 < end && buf[i + 1] === C_R && buf[i + 2] === C_U && buf[i + 3] === C_E ? i + 4 : -1;
    } else if (c === C_F) {
      i = i + 4 < end && buf[i + 1] === C_A && buf[i + 2] === C_L && buf[i + 3] === C_S && buf[i + 4] === C_E ? i + 5 : -1;
    } else if (c === C_N) {
      i = i + 3 < end && buf[i + 1] === C_U && buf[i + 2] === C_L && buf[i + 3] === C_L ? i + 4 : -1;
    } else {
      i = numberEnd(buf, i, end);
    }
    if (i === -1) return 0;
    if (want !== -1) {
      spans![base + want] = v0;
      spans![base + keys!.size + want] = i;
    }
    if (i >= end) return 0;
    let d = buf[i];
    if (d !== C_COMMA && d !== C_RBRACE) {
      i = skipLineWs(buf, i, end);
      if (i >= end) return 0;
      d = buf[i];
    }
    if (d === C_COMMA) {
      i++;
      if (i < end && buf[i] === C_SP) i++;
      if (i < end && isLineWs(buf[i])) i = skipLineWs(buf, i, end);
      continue;
    }
    if (d === C_RBRACE) {
      const at = closeAt(buf, i + 1, end, open);
      lineEnd.at = at;
      return at === -1 ? 0 : flags;
    }
    return 0;
  }
}

/** A Uint32Array over all of buf's ArrayBuffer (whole words), for scanFlatLine. */
export function wordsOf(buf: Uint8Array): Uint32Array {
  return new Uint32Array(buf.buffer, 0, buf.buffer.byteLength >>> 2);
}

export function isFlatLine(buf: Uint8Array, start: number, end: number): boolean {
  return scanFlatLine(buf, start, end) !== 0;
}

/** End (exclusive) of the value token starting at `i` in a validated flat line. */
export function valueEnd(buf: Uint8Array, i: number, end: number): number {
  if (buf[i] === C_QUOTE) {
    let j = i + 1;
    while (buf[j] !== C_QUOTE) j++;
    return j + 1;
  }
  let j = i;
  while (j < end) {
    const c = buf[j];
    if (c === C_COMMA || c === C_RBRACE || isWs(c)) break;
    j++;
  }
  return j;
}

/** Whether `name` can be located by searching for `"name"` in validated flat lines. */
export function fastLocatable(name: string): boolean {
  if (name.length === 0) return false;
  if (/["\\\x00-\x1f]/.test(name)) return false;
  // A closing quote is followed by whitespace or , : } — a name starting so could match at one.
  return !/^[\s,:}\]]/.test(name);
}

/**
 * The top-level pairs of bytes [start, end) already known to hold one valid
 * JSON object (flat-checked, or read by JSON.parse): escapes and nested values
 * are stepped over. Per pair, five numbers go to `out`: the key's opening and
 * closing quote, key flags (1: holds an escape, 2: holds a non-ASCII byte),
 * the value's start and end.
 * Returns the number of pairs.
 */
export function objectPairs(buf: Uint8Array, start: number, end: number, out: number[]): number {
  out.length = 0;
  let i = skipWs(buf, start, end) + 1;
  for (;;) {
    i = skipWs(buf, i, end);
    if (i >= end || buf[i] !== C_QUOTE) return out.length / 5;
    const kq = i;
    let esc = 0;
    for (i++; i < end && buf[i] !== C_QUOTE; i++) {
      const c = buf[i];
      if (c === C_BSLASH) {
        esc |= 1;
        i++;
      } else if (c >= 0x80) {
        esc |= 2;
      }
    }
    const kc = i;
    i = skipWs(buf, i + 1, end); // the colon
    const vs = skipWs(buf, i + 1, end);
    const ve = jsonValueEnd(buf, vs, end);
    out.push(kq, kc, esc, vs, ve);
    i = skipWs(buf, ve, end);
    if (i < end && buf[i] === C_COMMA) i++;
    else return out.length / 5;
  }
}

/** End of the string whose opening quote is at i. */
function quotedEnd(buf: Uint8Array, i: number, end: number): number {
  for (i++; i < end && buf[i] !== C_QUOTE; i++) if (buf[i] === C_BSLASH) i++;
  return i + 1;
}

/** End (exclusive) of the valid JSON value starting at i. */
function jsonValueEnd(buf: Uint8Array, i: number, end: number): number {
  const c = buf[i];
  if (c === C_QUOTE) return quotedEnd(buf, i, end);
  if (c === C_LBRACE || c === C_LBRACK) {
    let depth = 0;
    for (; i < end; i++) {
      const d = buf[i];
      if (d === C_QUOTE) i = quotedEnd(buf, i, end) - 1;
      else if (d === C_LBRACE || d === C_LBRACK) depth++;
      else if ((d === C_RBRACE || d === C_RBRACK) && --depth === 0) return i + 1;
    }
    return end;
  }
  while (i < end) {
    const d = buf[i];
    if (d === C_COMMA || d === C_RBRACE || isWs(d)) break;
    i++;
  }
  return i;
}

/** Position of the closing '}' of a validated flat line. */
export function closingBrace(buf: Uint8Array, start: number, end: number): number {
  let i = end - 1;
  while (buf[i] !== C_RBRACE) i--;
  return i;
}

/** Whether the object in a validated flat line has no fields. */
export function isEmptyObject(buf: Uint8Array, start: number, end: number): boolean {
  const close = closingBrace(buf, start, end);
  let i = close - 1;
  while (i >= start && isWs(buf[i])) i--;
  return buf[i] === C_LBRACE;
}

/**
 * Finds keys of validated flat lines by searching for `"name"`. Keys usually
 * come in the same order record after record, so each row is searched in one
 * forward sweep; the last search per name is cached so that a name absent from
 * a whole block is looked for once per block, not once per row.
 */
export class KeyFinder {
  readonly names: readonly string[];
  private readonly pats: Buffer[];
  private order: number[];
  private readonly cBuf: (Buffer | undefined)[];
  private readonly cFrom: Int32Array;
  private readonly cPos: Int32Array;
  private readonly found: Int32Array;

  constructor(names: readonly string[]) {
    this.names = names;
    this.pats = names.map((n) => Buffer.from(`"${n}"`, 'utf8'));
    this.order = names.map((_, i) => i);
    this.cBuf = names.map(() => undefined);
    this.cFrom = new Int32Array(names.length);
    this.cPos = new Int32Array(names.length);
    this.found = new Int32Array(names.length);
  }

  private search(c: number, buf: Buffer, from: number): number {
    if (this.cBuf[c] === buf && this.cFrom[c] <= from && (this.cPos[c] >= from || this.cPos[c] === -1)) return this.cPos[c];
    const pos = buf.indexOf(this.pats[c], from);
    this.cBuf[c] = buf;
    this.cFrom[c] = from;
    this.cPos[c] = pos;
    return pos;
  }

  /** First key occurrence of name c in [from, end), or -1. */
  private findKey(c: number, buf: Buffer, from: number, end: number): number {
    const plen = this.pats[c].length;
    let pos = this.search(c, buf, from);
    while (pos !== -1 && pos < end) {
      const k = skipWs(buf, pos + plen, end);
      if (buf[k] === C_COLON && k < end) return pos;
      pos = this.search(c, buf, pos + 1);
    }
    return -1;
  }

  /**
   * Locates every name in the line [start, end): writes value spans to
   * vs/ve at base + column (-1 when absent), the last copy's when a name
   * occurs more than once. Returns whether one did.
   */
  locate(buf: Buffer, start: number, end: number, vs: Int32Array, ve: Int32Array, base: number): boolean {
    const order = this.order;
    const n = order.length;
    let cursor = start;
    let outOfOrder = false;
    let duplicate = false;
    for (let k = 0; k < n; k++) {
      const c = order[k];
      let pos = this.findKey(c, buf, cursor, end);
      if (pos === -1 && cursor > start) {
        pos = this.findKey(c, buf, start, cursor);
        if (pos !== -1) outOfOrder = true;
      }
      this.found[c] = pos;
      if (pos === -1) {
        vs[base + c] = -1;
        ve[base + c] = -1;
        continue;
      }
      let colon = skipWs(buf, pos + this.pats[c].length, end);
      let s = skipWs(buf, colon + 1, end);
      let e = valueEnd(buf, s, end);
      if (!outOfOrder) cursor = e;
      // A repeated key: the last copy wins (JSON.parse's rule). The search is cached, so when
      // there is none it finds the next row's copy, which that row's search then reuses.
      for (let again = this.findKey(c, buf, e, end); again !== -1; again = this.findKey(c, buf, e, end)) {
        duplicate = true;
        pos = again;
        colon = skipWs(buf, pos + this.pats[c].length, end);
        s = skipWs(buf, colon + 1, end);
        e = valueEnd(buf, s, end);
      }
      vs[base + c] = s;
      ve[base + c] = e;
    }
    if (outOfOrder) {
      // Learn this row's order for the rows that follow (absent names last).
      const f = this.found;
      this.order = [...order].sort((a, b) => (f[a] === -1 ? 1e15 : f[a]) - (f[b] === -1 ? 1e15 : f[b]));
    }
    return duplicate;
  }

  /** Whether name c occurs as a key in [start, end). */
  has(c: number, buf: Buffer, start: number, end: number): boolean {
    return this.findKey(c, buf, start, end) !== -1;
  }
}
