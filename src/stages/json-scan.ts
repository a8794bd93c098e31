/**
 * The fast path over JSON lines held as latin1 text. A line qualifies when it
 * is one flat object (values: strings without escapes, numbers, true, false,
 * null). Then every '"' is a string delimiter, so fields can be found with
 * indexOf instead of a full parse. Anything else takes JSON.parse.
 */

const WS = '[ \\t\\r]*';
const STR = '"[^"\\\\\\x00-\\x1f]*"';
const NUM = '-?(?:0|[1-9]\\d*)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?';
const VAL = `(?:${STR}|${NUM}|true|false|null)`;
const PAIR = `${STR}${WS}:${WS}${VAL}`;

/** Sticky: set lastIndex to the line start; matches the whole line up to (not including) '\n'. */
export const FLAT_LINE = new RegExp(`${WS}\\{${WS}(?:${PAIR}${WS}(?:,${WS}${PAIR}${WS})*)?\\}${WS}(?=\\n|$)`, 'y');

const C_SP = 32, C_TAB = 9, C_CR = 13, C_QUOTE = 34, C_COLON = 58, C_COMMA = 44, C_RBRACE = 125, C_LBRACE = 123;

export function isWs(c: number): boolean {
  return c === C_SP || c === C_TAB || c === C_CR || c === 10;
}

export function skipWs(text: string, i: number, end: number): number {
  while (i < end && isWs(text.charCodeAt(i))) i++;
  return i;
}

/** End (exclusive) of the value token starting at `i` in a validated flat line. */
export function valueEnd(text: string, i: number, end: number): number {
  if (text.charCodeAt(i) === C_QUOTE) return text.indexOf('"', i + 1) + 1;
  let j = i;
  while (j < end) {
    const c = text.charCodeAt(j);
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

/** One key/value pair of a flat line: key text without quotes (latin1), spans in the line. */
export interface Pair {
  keyStart: number; // position of the key's opening quote
  key: string;
  valStart: number;
  valEnd: number;
}

/** All pairs of a validated flat line [start, end). */
export function enumeratePairs(text: string, start: number, end: number): Pair[] {
  const out: Pair[] = [];
  let i = skipWs(text, start, end);
  if (text.charCodeAt(i) !== C_LBRACE) return out;
  i++;
  for (;;) {
    i = skipWs(text, i, end);
    if (i >= end || text.charCodeAt(i) !== C_QUOTE) return out;
    const ks = i;
    const ke = text.indexOf('"', i + 1);
    i = skipWs(text, ke + 1, end);
    if (text.charCodeAt(i) !== C_COLON) return out;
    const vs = skipWs(text, i + 1, end);
    const ve = valueEnd(text, vs, end);
    out.push({ keyStart: ks, key: text.slice(ks + 1, ke), valStart: vs, valEnd: ve });
    i = skipWs(text, ve, end);
    if (text.charCodeAt(i) === C_COMMA) i++;
    else return out;
  }
}

/** Position of the closing '}' of a validated flat line. */
export function closingBrace(text: string, start: number, end: number): number {
  return text.lastIndexOf('}', end - 1);
}

/** Whether the object in a validated flat line has no fields. */
export function isEmptyObject(text: string, start: number, end: number): boolean {
  const close = closingBrace(text, start, end);
  let i = close - 1;
  while (i >= start && isWs(text.charCodeAt(i))) i--;
  return text.charCodeAt(i) === C_LBRACE;
}

/**
 * Finds keys of validated flat lines by searching for `"name"`. Keys usually
 * come in the same order record after record, so each row is searched in one
 * forward sweep; the last search per name is cached so that a name absent from
 * a whole block is looked for once per block, not once per row.
 */
export class KeyFinder {
  readonly names: readonly string[];
  private readonly pats: string[];
  private order: number[];
  private readonly cText: (string | undefined)[];
  private readonly cFrom: Int32Array;
  private readonly cPos: Int32Array;
  private readonly found: Int32Array;

  constructor(names: readonly string[]) {
    this.names = names;
    this.pats = names.map((n) => `"${n}"`);
    this.order = names.map((_, i) => i);
    this.cText = names.map(() => undefined);
    this.cFrom = new Int32Array(names.length);
    this.cPos = new Int32Array(names.length);
    this.found = new Int32Array(names.length);
  }

  private search(c: number, text: string, from: number): number {
    if (this.cText[c] === text && this.cFrom[c] <= from && (this.cPos[c] >= from || this.cPos[c] === -1)) return this.cPos[c];
    const pos = text.indexOf(this.pats[c], from);
    this.cText[c] = text;
    this.cFrom[c] = from;
    this.cPos[c] = pos;
    return pos;
  }

  /** First key occurrence of name c in [from, end), or -1. Returns the value start via `valueAt`. */
  private findKey(c: number, text: string, from: number, end: number): number {
    const plen = this.pats[c].length;
    let pos = this.search(c, text, from);
    while (pos !== -1 && pos < end) {
      const k = skipWs(text, pos + plen, end);
      if (text.charCodeAt(k) === C_COLON) return pos;
      pos = this.search(c, text, pos + 1);
    }
    return -1;
  }

  /**
   * Locates every name in the line [start, end): writes value spans to
   * vs/ve at base + column (-1 when absent).
   */
  locate(text: string, start: number, end: number, vs: Int32Array, ve: Int32Array, base: number): void {
    const order = this.order;
    const n = order.length;
    let cursor = start;
    let outOfOrder = false;
    for (let k = 0; k < n; k++) {
      const c = order[k];
      let pos = this.findKey(c, text, cursor, end);
      if (pos === -1 && cursor > start) {
        pos = this.findKey(c, text, start, cursor);
        if (pos !== -1) outOfOrder = true;
      }
      this.found[c] = pos;
      if (pos === -1) {
        vs[base + c] = -1;
        ve[base + c] = -1;
        continue;
      }
      const colon = skipWs(text, pos + this.pats[c].length, end);
      const s = skipWs(text, colon + 1, end);
      const e = valueEnd(text, s, end);
      vs[base + c] = s;
      ve[base + c] = e;
      if (!outOfOrder) cursor = e;
    }
    if (outOfOrder) {
      // Learn this row's order for the rows that follow (absent names last).
      const f = this.found;
      this.order = [...order].sort((a, b) => (f[a] === -1 ? 1e15 : f[a]) - (f[b] === -1 ? 1e15 : f[b]));
    }
  }

  /** Whether name c occurs as a key in [start, end). */
  has(c: number, text: string, start: number, end: number): boolean {
    return this.findKey(c, text, start, end) !== -1;
  }
}
