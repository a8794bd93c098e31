import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "500ms", "1s", "1.5s", "2m", or a bare number of seconds → milliseconds. */
export function parseDuration(value: string | number, option: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value * 1000;
  } else {
    const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$/.exec(value);
    if (m) return Number(m[1]) * UNITS[m[2] ?? 's'];
  }
  throw new UsageError('ABP_BAD_ARGUMENT', `--${option}: expected a duration such as 500ms, 1s, 1.5s or 2m, got "${value}"`);
}
