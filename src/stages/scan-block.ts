/**
 * The line check of a whole block (see scanFlatLine), as plain arrays so it
 * can run on a worker thread and come back by transfer: per line its span and
 * flags, and the value spans of the KeySet's names.
 */
import { KeySet, lineEnd, scanFlatLine, scanFlatLineTo, wordsOf } from './json-scan.js';

/** Line flag: blank (skipped, but counted). */
export const BLANK = -1;

export interface BlockScan {
  /** Lines in the block. */
  n: number;
  /** Per line: start, end (exclusive, before '\n'), flags (BLANK, 0 = not flat, else scanFlatLine's flags). */
  lines: Int32Array;
  /** Per line: keys.size value starts then keys.size value ends (-1: absent). */
  spans: Int32Array;
}

function isBlank(buf: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

export function scanBlock(buf: Buffer, keys: KeySet | undefined): BlockScan {
  const k = keys?.size ?? 0;
  const words = wordsOf(buf);
  const len = buf.length;
  let cap = 64;
  let lines = new Int32Array(cap * 3);
  let spans = new Int32Array(cap * 2 * k);
  let n = 0;
  let p = 0;
  while (p < len) {
    if (n === cap) {
      cap *= 2;
      const l2 = new Int32Array(cap * 3);
      l2.set(lines);
      lines = l2;
      const s2 = new Int32Array(cap * 2 * k);
      s2.set(spans);
      spans = s2;
    }
    const base = n * 2 * k;
    if (k > 0) spans.fill(-1, base, base + k);
    // Most lines are flat: the check finds their end itself. Any other line (blank, not flat) is cut at its
    // '\n' and checked alone, as the check must see it.
    let flags = scanFlatLineTo(buf, p, len, keys, spans, base, words);
    let e = lineEnd.at;
    if (flags === 0) {
      e = buf.indexOf(10, p);
      if (e === -1) e = len;
      flags = BLANK;
      if (e > p && !isBlank(buf, p, e)) {
        if (k > 0) spans.fill(-1, base, base + k);
        flags = scanFlatLine(buf, p, e, keys, spans, base, words);
      }
    }
    lines[n * 3] = p;
    lines[n * 3 + 1] = e;
    lines[n * 3 + 2] = flags;
    n++;
    p = e + 1;
  }
  return { n, lines, spans };
}
