/**
 * A job's history on one GPU, and the partner unmixed out of it.
 *
 * A miner time-sliced beside a deep-learning job reads, per sample, as the
 * job with a smaller tensor share: the GPM model misses most of them, and no
 * single sample can say which of the two processes hashes. A watcher that
 * has seen the job alone can. Without MPS a GPU time-slices between
 * processes, so over a sample two jobs' GPM activities add up as each one's
 * activity per unit of its own SM-active time, weighted by the share of time
 * it won: P ≈ f_a·a + f_b·b. With a (the job's per-active profile, from its
 * history) and an anchor pipe the partner does not use (tensor, or fp32
 * beside an fp32 job), f_a = P[anchor] / a[anchor], f_b = P_sm/100 − f_a, and
 * the partner's own profile is b = (P − f_a·a) / f_b: what the partner model
 * (abp-gpm-partner-xgb) scores.
 *
 * The baseline is taken from the stream, with no labels: the mean per-active
 * profile of a run of work once it settles, refreshed while samples still
 * match it (slow drift); a run ends after `gapS` seconds without work. A
 * sample whose anchor per active SM has dropped by more than `drop` reads as
 * the job plus a partner. scripts/gpm/unmix.py is the reference (its
 * constants are these); test/job-history.test.ts checks the two agree on a
 * recorded capture, and scripts/gpm/history-stream.py measures it.
 */
import { UsageError } from '../errors.js';
import type { NvsmiRecord } from './flatten.js';
import { PerGpu } from './per-gpu.js';
import { ACTS, FP32, SM, TEN, gpmValues, hasActivities, meanOf as mean, partnerRecord, perActive } from './gpm/profile.js';

export interface JobHistoryOptions {
  /** Working samples skipped at the start of a run before the baseline (default 4). */
  settle?: number;
  /** Working samples the baseline is the mean of (default 8). */
  baseline?: number;
  /** Seconds without a working sample that end a run (default 3). */
  gapS?: number;
  /** Relative drop of the anchor pipe per active SM that reads as a partner (default 0.25). */
  drop?: number;
}

export const DEFAULT_JOB_HISTORY: Readonly<Required<JobHistoryOptions>> = { settle: 4, baseline: 8, gapS: 3, drop: 0.25 };

/** A job anchors on tensor work above this (per active SM), else on fp32 work above FP32_MIN. */
const TENSOR_MIN = 5;
const FP32_MIN = 10;
const F_A_MAX = 0.95;
const F_B_MIN = 0.05;

/** The options with defaults filled in, checked. */
export function checkJobHistory(opts: JobHistoryOptions): Required<JobHistoryOptions> {
  const o = {
    settle: opts.settle ?? DEFAULT_JOB_HISTORY.settle,
    baseline: opts.baseline ?? DEFAULT_JOB_HISTORY.baseline,
    gapS: opts.gapS ?? DEFAULT_JOB_HISTORY.gapS,
    drop: opts.drop ?? DEFAULT_JOB_HISTORY.drop,
  };
  if (!Number.isInteger(o.settle) || o.settle < 0) throw new UsageError('ABP_BAD_ARGUMENT', `history settle must be a non-negative integer, got ${o.settle}`);
  if (!Number.isInteger(o.baseline) || o.baseline < 1 || o.baseline > 10_000) throw new UsageError('ABP_BAD_ARGUMENT', `history baseline must be an integer from 1 to 10000, got ${o.baseline}`);
  if (!(o.gapS > 0 && Number.isFinite(o.gapS))) throw new UsageError('ABP_BAD_ARGUMENT', `history gapS must be a positive number of seconds, got ${o.gapS}`);
  if (!(o.drop > 0 && o.drop < 1)) throw new UsageError('ABP_BAD_ARGUMENT', `history drop must be between 0 and 1, got ${o.drop}`);
  return o;
}

/** One GPU's stream. */
export class JobHistory {
  private readonly o: Required<JobHistoryOptions>;
  private run = 0;
  private last = NaN;
  private base: Float64Array | null = null;
  private fresh: Float64Array[] = [];

  constructor(opts: JobHistoryOptions = {}) {
    this.o = checkJobHistory(opts);
  }

  /**
   * A working sample (not idle) at `time` (epoch seconds), in time order. Returns
   * the partner's profile as a record (the GPM columns replaced, everything else
   * the sample's) when the sample reads as the job plus a partner; null otherwise.
   * `p`: the record's gpmValues, when the caller has them (never modified).
   */
  observe(rec: NvsmiRecord, time: number, p: Float64Array = gpmValues(rec)): NvsmiRecord | null {
    if (!hasActivities(p)) return null; // not a sample the history can use
    if (!(time - this.last <= this.o.gapS)) {
      this.run = 0;
      this.base = null;
      this.fresh = [];
    }
    this.last = time;
    const pa = perActive(p);
    this.run++;
    if (this.base === null) {
      if (this.run > this.o.settle) {
        this.fresh.push(pa);
        if (this.fresh.length === this.o.baseline) this.base = mean(this.fresh);
      }
      return null;
    }
    const a = this.base;
    const k = a[TEN] > TENSOR_MIN ? TEN : a[FP32] > FP32_MIN ? FP32 : -1;
    if (k < 0) return null;
    const fA = Math.min(Math.max(p[k] / a[k], 0), F_A_MAX);
    const fB = Math.max(p[SM] / 100 - fA, 0);
    if (fB > (this.o.drop * p[SM]) / 100) return unmixed(rec, p, a, fA, fB);
    // Still the job alone: the baseline follows slow drift.
    this.fresh.push(pa);
    if (this.fresh.length > this.o.baseline) this.fresh.shift();
    this.base = mean(this.fresh);
    return null;
  }
}

function unmixed(rec: NvsmiRecord, p: Float64Array, a: Float64Array, fA: number, fB: number): NvsmiRecord {
  const b = Float64Array.from(p);
  const d = Math.max(fB, F_B_MIN);
  for (const i of ACTS) b[i] = Math.min(Math.max((p[i] - fA * a[i]) / d, 0), 100);
  return partnerRecord(rec, b);
}

/** Histories of every GPU seen, by a stable key (host and UUID). */
export class JobHistories extends PerGpu<JobHistory> {
  constructor(opts: JobHistoryOptions = {}) {
    const checked = checkJobHistory(opts); // checked once, at the start, not at the first GPU
    super(() => new JobHistory(checked));
  }
}
