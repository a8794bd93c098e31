/**
 * In-place variants of parse-value's rules for text held in a larger string
 * (no substring per value on the hot path). Same semantics as firstNumber /
 * firstDigits on text.slice(from, to).
 */
import { firstDigits, firstNumber, type NumberRule } from './parse-value.js';

const C_0 = 48, C_9 = 57, C_DOT = 46;

function hasDigitStart(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= C_0 && c <= C_9) return i;
    if (c === C_DOT && i + 1 < to) {
      const d = text.charCodeAt(i + 1);
      if (d >= C_0 && d <= C_9) return i;
    }
  }
  return -1;
}

/** The feature value of the JSON string content text[from, to). */
export function stringValueAt(text: string, from: number, to: number, rule: NumberRule): number {
  // Values are short; locate the number first so the slice handed to the shared rule is small.
  const i = hasDigitStart(text, from, to);
  if (i === -1) return NaN;
  const s = text.slice(i > from ? i - 1 : i, to);
  return rule === 'first-number' ? firstNumber(s) : firstDigits(s);
}
