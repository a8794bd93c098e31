/**
 * Unit stripping: telemetry values arrive as text with units ("126.78 W",
 * "-8 C", "836 KB/s", "N/A"). The feature value is the first number in the
 * string, sign and decimals kept. This is the one implementation used both to
 * train the shipped model (scripts/) and at inference, so they cannot drift.
 */

export type NumberRule = 'first-number' | 'morpheus-digits';

const C_0 = 48, C_9 = 57, C_DOT = 46, C_MINUS = 45, C_PLUS = 43, C_E = 101, C_UPPER_E = 69;

function isDigit(c: number): boolean {
  return c >= C_0 && c <= C_9;
}

/** First number in `s` ("-8 C" → -8, "126.78 W" → 126.78), or NaN when it has no digits. */
export function firstNumber(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const startsNumber = isDigit(c) || (c === C_DOT && i + 1 < n && isDigit(s.charCodeAt(i + 1)));
    if (!startsNumber) continue;
    let start = i;
    if (i > 0) {
      const p = s.charCodeAt(i - 1);
      if (p === C_MINUS || p === C_PLUS) start = i - 1;
    }
    let j = i;
    while (j < n && isDigit(s.charCodeAt(j))) j++;
    if (j < n && s.charCodeAt(j) === C_DOT) {
      j++;
      while (j < n && isDigit(s.charCodeAt(j))) j++;
    }
    // An exponent only when digits follow it ("1e5"), never a unit letter ("5 EiB").
    if (j < n && (s.charCodeAt(j) === C_E || s.charCodeAt(j) === C_UPPER_E)) {
      let k = j + 1;
      if (k < n && (s.charCodeAt(k) === C_MINUS || s.charCodeAt(k) === C_PLUS)) k++;
      if (k < n && isDigit(s.charCodeAt(k))) {
        while (k < n && isDigit(s.charCodeAt(k))) k++;
        j = k;
      }
    }
    return Number(s.slice(start, j));
  }
  return NaN;
}

/** Morpheus' rule: the first run of digits only ("61.77 W" → 61, "-8 C" → 8). */
export function firstDigits(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    if (!isDigit(s.charCodeAt(i))) continue;
    let j = i;
    while (j < n && isDigit(s.charCodeAt(j))) j++;
    return Number(s.slice(i, j));
  }
  return NaN;
}

/** A record's field as a feature value: numbers pass through, text is unit-stripped, anything else is NaN (missing). */
export function featureValue(v: unknown, rule: NumberRule = 'first-number'): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return rule === 'first-number' ? firstNumber(v) : firstDigits(v);
  return NaN;
}

/**
 * Row-major float32 feature matrix (records x columns). A column absent from
 * every record is NaN throughout; callers report those once.
 */
export function featureMatrix(
  records: ReadonlyArray<Record<string, unknown>>,
  columns: readonly string[],
  rule: NumberRule = 'first-number',
  out?: Float32Array,
): Float32Array {
  const width = columns.length;
  const m = out ?? new Float32Array(records.length * width);
  for (let r = 0; r < records.length; r++) {
    const rec = records[r];
    const base = r * width;
    for (let c = 0; c < width; c++) m[base + c] = featureValue(rec[columns[c]], rule);
  }
  return m;
}
