/**
 * The pair window: the partner of a DL job read out of a pair that started
 * together, with no history of the job alone.
 *
 * The job history (job-history.ts) unmixes a process that joins a job it has
 * seen alone. A miner started together with a DL job gives it no such
 * baseline. But time-slicing gives each process a share of SM time that
 * drifts from sample to sample, and the pair's pipes drift with it: with the
 * partner doing no tensor work, P_t = f_t·a + g_t·b and the tensor pipe
 * T_t = f_t·a_T, so over a window of samples each pipe fits
 * P_t[i] = c_i·T_t + b_i·s_t (s_t: SM activity / 100, no intercept), and b,
 * the partner's own profile per unit of its SM time, comes back as the
 * pipes' values at no tensor work with the GPU busy. A job alone keeps
 * T_t / s_t nearly fixed, so the two columns are nearly proportional and
 * nothing is read: a window is used only when the condition number of the
 * column-scaled [T, s] is at most `condMax`, and its tensor activity
 * averages at least `tensorMin`.
 *
 * The partner is returned as a record (the GPM columns replaced, SM and
 * graphics 100, PCIe 0: what unmixing cannot recover), the form the partner
 * model (abp-gpm-partner-xgb) scores. scripts/gpm/unmix.py's PairWindow is
 * the reference (its constants are these); test/pair-window.test.ts checks
 * the two agree on a recorded capture, and scripts/gpm/history-stream.py
 * --window measures it.
 */
import { UsageError } from '../errors.js';
import type { NvsmiRecord } from './flatten.js';
import { PerGpu } from './per-gpu.js';
import { ACTS, SM, TEN, TENSORS, gpmValues, hasActivities, partnerRecord } from './gpm/profile.js';

export interface PairWindowOptions {
  /** Working samples the fit is over, newest last (default 12). */
  window?: number;
  /** Working samples of the run before the first fit (default 8). */
  minSamples?: number;
  /** The least mean tensor activity (percent) over the window (default 3). */
  tensorMin?: number;
  /** The largest condition number of the column-scaled [tensor, SM] (default 80). */
  condMax?: number;
  /** Seconds without a working sample that end a run and empty the window (default 3, as the job history). */
  gapS?: number;
}

export const DEFAULT_PAIR_WINDOW: Readonly<Required<PairWindowOptions>> = { window: 12, minSamples: 8, tensorMin: 3, condMax: 80, gapS: 3 };

/**
 * A window's partner is noisier than one unmixed from the job's own history,
 * so it must score higher to flag a sample (abp watch's default; 0.7 and 0.8
 * caught more miners and alarmed on more benign pairs, history-stream.py
 * --window).
 */
export const DEFAULT_PAIR_WINDOW_THRESHOLD = 0.9;

/** The options with defaults filled in, checked. */
export function checkPairWindow(opts: PairWindowOptions): Required<PairWindowOptions> {
  const o = { ...DEFAULT_PAIR_WINDOW };
  for (const k of Object.keys(o) as (keyof PairWindowOptions)[]) if (opts[k] !== undefined) o[k] = opts[k] as number;
  if (!Number.isInteger(o.window) || o.window < 2 || o.window > 10_000) throw new UsageError('ABP_BAD_ARGUMENT', `pair window must be an integer from 2 to 10000, got ${o.window}`);
  if (!Number.isInteger(o.minSamples) || o.minSamples < 2 || o.minSamples > o.window) throw new UsageError('ABP_BAD_ARGUMENT', `pair window minSamples must be an integer from 2 to the window (${o.window}), got ${o.minSamples}`);
  if (!(o.tensorMin >= 0 && Number.isFinite(o.tensorMin))) throw new UsageError('ABP_BAD_ARGUMENT', `pair window tensorMin must be a non-negative number, got ${o.tensorMin}`);
  if (!(o.condMax >= 1)) throw new UsageError('ABP_BAD_ARGUMENT', `pair window condMax must be at least 1, got ${o.condMax}`);
  if (!(o.gapS > 0 && Number.isFinite(o.gapS))) throw new UsageError('ABP_BAD_ARGUMENT', `pair window gapS must be a positive number of seconds, got ${o.gapS}`);
  return o;
}

/** The 2-norm condition number of [u, v] with unit-length columns: sqrt((1 + r) / (1 − r)), r their cosine. */
export function conditionNumber(suu: number, svv: number, suv: number): number {
  const r = suv / Math.sqrt(suu * svv);
  return r < 1 ? Math.sqrt((1 + r) / (1 - r)) : Infinity;
}

/** One GPU's stream. */
export class PairWindow {
  private readonly o: Required<PairWindowOptions>;
  private win: Float64Array[] = [];
  private last = NaN;

  constructor(opts: PairWindowOptions = {}) {
    this.o = checkPairWindow(opts);
  }

  /**
   * A working sample (not idle) at `time` (epoch seconds), in time order.
   * Returns the partner read over the window ending at it, as a record, or
   * null when the window reads none. `p`: the record's gpmValues, when the
   * caller has them (kept in the window, never modified).
   */
  observe(rec: NvsmiRecord, time: number, p: Float64Array = gpmValues(rec)): NvsmiRecord | null {
    if (!hasActivities(p)) return null;
    if (!(time - this.last <= this.o.gapS)) this.win = [];
    this.last = time;
    this.win.push(p);
    if (this.win.length > this.o.window) this.win.shift();
    if (this.win.length < this.o.minSamples) return null;
    // Sums in the reference's order (numpy: u @ u, then each pipe's v @ P and u @ P).
    let suu = 0;
    let svv = 0;
    let suv = 0;
    let tensor = 0;
    for (const w of this.win) {
      const u = w[TEN];
      const v = w[SM] / 100;
      suu += u * u;
      svv += v * v;
      suv += u * v;
      tensor += u;
    }
    if (tensor / this.win.length < this.o.tensorMin) return null;
    const det = suu * svv - suv * suv;
    if (!(det > 0 && conditionNumber(suu, svv, suv) <= this.o.condMax)) return null;
    const b = Float64Array.from(p);
    for (const i of ACTS) {
      let svp = 0;
      let sup = 0;
      for (const w of this.win) {
        svp += (w[SM] / 100) * w[i];
        sup += w[TEN] * w[i];
      }
      b[i] = Math.min(Math.max((suu * svp - suv * sup) / det, 0), 100);
    }
    for (const i of TENSORS) b[i] = 0; // the partner does no tensor work (the fit's premise; what it gives there is rounding)
    b[SM] = 100;
    return partnerRecord(rec, b);
  }
}

/** Pair windows of every GPU seen, by a stable key (host and UUID). */
export class PairWindows extends PerGpu<PairWindow> {
  constructor(opts: PairWindowOptions = {}) {
    const checked = checkPairWindow(opts); // checked once, at the start, not at the first GPU
    super(() => new PairWindow(checked));
  }
}
