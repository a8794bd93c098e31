/**
 * Nesting depth limits. V8's JSON.parse reads any depth, but JSON.stringify
 * and other recursive readers of a record (Arrow output, user code) overflow
 * the stack a few thousand levels down and kill the run. Telemetry is flat or
 * a few levels deep, so a record nested deeper than the limit is a bad line.
 */

/** Default limit: far above any real record, far below a stack overflow. */
export const DEFAULT_MAX_DEPTH = 256;

const C_QUOTE = 34, C_BSLASH = 92, C_LBRACE = 123, C_RBRACE = 125, C_LBRACK = 91, C_RBRACK = 93;

/** Whether the JSON text bytes [start, end) nest objects/arrays more than `max` deep (strings skipped, escapes honoured). */
export function bytesNestDeeper(buf: Uint8Array, start: number, end: number, max: number): boolean {
  // Most lines here only hold an escape: with at most one bracket of each kind no scan is needed.
  const line = buf.subarray(start, end);
  const brace = line.indexOf(C_LBRACE);
  if (line.indexOf(C_LBRACK) === -1 && (brace === -1 || line.indexOf(C_LBRACE, brace + 1) === -1)) return false;
  let depth = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c === C_QUOTE) {
      for (i++; i < end; i++) {
        const d = buf[i];
        if (d === C_BSLASH) i++;
        else if (d === C_QUOTE) break;
      }
    } else if (c === C_LBRACE || c === C_LBRACK) {
      if (++depth > max) return true;
    } else if (c === C_RBRACE || c === C_RBRACK) {
      depth--;
    }
  }
  return false;
}

/**
 * Whether a value nests objects/arrays more than `max` deep (an object or
 * array is one level). Iterative, depth-first: a cycle counts as too deep and
 * is found after about `max` steps.
 */
export function valueNestDeeper(v: unknown, max: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const stack: object[] = [v];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const o = stack.pop()!;
    const d = depths.pop()!;
    if (d > max) return true;
    for (const k in o) {
      const x = (o as Record<string, unknown>)[k];
      if (typeof x === 'object' && x !== null) {
        stack.push(x);
        depths.push(d + 1);
      }
    }
  }
  return false;
}
