/**
 * parse-value's rules applied to bytes inside a larger buffer (no string per
 * value unless it holds a number). Same semantics as firstNumber /
 * firstDigits on the latin1 text of buf[from, to).
 */
import { firstDigits, firstNumber, type NumberRule } from './parse-value.js';

const C_0 = 48, C_9 = 57, C_DOT = 46;

function digitStart(buf: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c >= C_0 && c <= C_9) return i;
    if (c === C_DOT && i + 1 < to) {
      const d = buf[i + 1];
      if (d >= C_0 && d <= C_9) return i;
    }
  }
  return -1;
}

/** The feature value of the JSON string content buf[from, to). */
export function stringValueAt(buf: Buffer, from: number, to: number, rule: NumberRule): number {
  // Values are short; locate the number first so the text handed to the shared rule is small.
  const i = digitStart(buf, from, to);
  if (i === -1) return NaN;
  const s = buf.toString('latin1', i > from ? i - 1 : i, to);
  return rule === 'first-number' ? firstNumber(s) : firstDigits(s);
}
