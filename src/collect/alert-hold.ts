/**
 * The alert hold: an alert stays on a miner that another job joins.
 *
 * A miner running alone is caught within seconds; once a deep-learning job
 * joins it on the same GPU, the pair reads per sample as the DL job with a
 * share of integer work, the model stops flagging it, and the alert would
 * clear while the miner still runs. That is the shape of a training job
 * scheduled onto a GPU with a miner on it, and of the shared capture tool's
 * pairs (it starts the two parts separately and the miner, quick to set up,
 * runs alone until the DL job has built its model).
 *
 * When an alert fires, the hold keeps the mining profile: the mean
 * per-active profile (gpm/profile.ts) of the flagged working samples in the
 * window, and the mean probability they were flagged with (for an alert
 * still up from an earlier run, from the new run's first K flagged samples:
 * a cycling miner's next burst, a miner started while the last one's alert
 * was up). While the alert is active and the run of work goes on (no `gapS`
 * seconds without work), a sample the models do not flag still counts as
 * mining when that profile
 * could take at least `share` of its SM time: for each major pipe of the
 * profile (at least MAJOR per active SM) the sample's activity over the
 * profile's, the lowest of them (time-slicing adds a partner's activity to the
 * miner's share of its own, so no pipe can show less than that share allows).
 * Only a profile flagged with a mean probability of at least `confidence`
 * holds: a benign job that the model flags on and off (a false alarm) is not
 * held. When the run ends (a working sample after more than `gapS` seconds
 * without work), the samples held in it count as clean from then on
 * (AlertTracker.release): they said only that its miner was still there, so
 * they do not keep the alert up into the next job (the price: a cycling miner
 * beside a job must be flagged again after each pause longer than `gapS`).
 * And a sample is held only within `maxS` seconds of the last sample at
 * which the model alone had K of the window flagged: a miner killed under a
 * job that goes on with no idle second between (a hand-over) leaves nothing
 * in one sample to tell the job alone from the job beside the miner, and
 * without a bound the hold kept such a job alerted for as long as it ran
 * (spliced hand-overs, persist-stream.py --handover). Counted from the
 * model's own K of N, not its last flag, so that a job the model flags now
 * and then does not re-arm the hold; the price: an alert on a miner that a
 * job joins is held for `maxS` seconds past the join, then clears.
 * scripts/gpm/persist-stream.py is the reference and measures it on every
 * capture.
 */
import { UsageError } from '../errors.js';
import type { AlertStep } from './alerts.js';
import type { NvsmiRecord } from './flatten.js';
import { PIPES, gpmValues, hasActivities, meanOf, perActive } from './gpm/profile.js';

export interface AlertHoldOptions {
  /** The least share of SM time the mining profile must be able to take (default 0.3). */
  share?: number;
  /** The least mean probability of the samples that fired the alert (default 0.8). */
  confidence?: number;
  /** Seconds without a working sample that end a run, and the hold (default 3, as the job history). */
  gapS?: number;
  /** Seconds past the last sample at which the model alone had K of the window flagged that a sample may be held (default 60). */
  maxS?: number;
}

export const DEFAULT_ALERT_HOLD: Readonly<Required<AlertHoldOptions>> = { share: 0.3, confidence: 0.8, gapS: 3, maxS: 60 };

/** A profile's pipe takes part in the share from this much activity per active SM. */
const MAJOR = 10;

export function checkAlertHold(opts: AlertHoldOptions): Required<AlertHoldOptions> {
  const o = {
    share: opts.share ?? DEFAULT_ALERT_HOLD.share,
    confidence: opts.confidence ?? DEFAULT_ALERT_HOLD.confidence,
    gapS: opts.gapS ?? DEFAULT_ALERT_HOLD.gapS,
    maxS: opts.maxS ?? DEFAULT_ALERT_HOLD.maxS,
  };
  if (!(o.share > 0 && o.share <= 1)) throw new UsageError('ABP_BAD_ARGUMENT', `hold share must be above 0 and at most 1, got ${o.share}`);
  if (!(o.confidence >= 0 && o.confidence <= 1)) throw new UsageError('ABP_BAD_ARGUMENT', `hold confidence must be a probability from 0 to 1, got ${o.confidence}`);
  if (!(o.gapS > 0 && Number.isFinite(o.gapS))) throw new UsageError('ABP_BAD_ARGUMENT', `hold gapS must be a positive number of seconds, got ${o.gapS}`);
  if (!(o.maxS > 0)) throw new UsageError('ABP_BAD_ARGUMENT', `hold maxS must be a positive number of seconds (Infinity: no bound), got ${o.maxS}`);
  return o;
}

interface Seen {
  /** The run of work the sample belongs to (GpuHold.run). */
  run: number;
  profile: Float64Array | null;
  flagged: boolean;
  /** Flagged by the hold only. */
  held: boolean;
  probability: number;
}

/** One GPU. */
class GpuHold {
  /** The window's working samples, newest last (at most `window`). */
  recent: Seen[] = [];
  /** The profile that fired the active alert, when it may hold; null otherwise. */
  mining: Float64Array | null = null;
  lastWork = NaN;
  /** Runs of work so far (a working sample after more than gapS seconds without work begins one). */
  run = 0;
  /** Whether the profile was taken (or found not confident enough) in this run while the alert is up. */
  taken = false;
  /** The last working sample of this run at which the model alone had K of the window flagged. */
  armedAt = NaN;
}

/** Every GPU's hold, keyed like the alert tracker (host and UUID). */
export class AlertHolds {
  private readonly gpus = new Map<string, GpuHold>();
  readonly options: Required<AlertHoldOptions>;

  /** `window` and `minFlagged`: the alert policy's N and K. */
  constructor(private readonly window: number, opts: AlertHoldOptions = {}, private readonly minFlagged = 3) {
    this.options = checkAlertHold(opts);
  }

  private gpu(key: string): GpuHold {
    let g = this.gpus.get(key);
    if (!g) this.gpus.set(key, (g = new GpuHold()));
    return g;
  }

  /**
   * Whether a working sample at `time` begins a new run of work on this GPU
   * (more than `gapS` seconds since its last working sample): the samples
   * held in the run before are then released (AlertTracker.release).
   */
  newRun(key: string, time: number): boolean {
    const g = this.gpus.get(key);
    return g !== undefined && !Number.isNaN(g.lastWork) && !(time - g.lastWork <= this.options.gapS);
  }

  /**
   * For a working sample at `time` that the models did not flag: the share of
   * its SM time the active alert's mining profile could take, when that is at
   * least the hold's `share` (the sample then counts as mining); null
   * otherwise. Call before the sample enters the alert window. `p`: the
   * record's gpmValues, when the caller has them.
   */
  holds(key: string, rec: NvsmiRecord, time: number, p?: Float64Array): number | null {
    const g = this.gpus.get(key);
    if (!g?.mining || !(time - g.lastWork <= this.options.gapS) || !(time - g.armedAt <= this.options.maxS)) return null;
    p ??= gpmValues(rec);
    if (!hasActivities(p)) return null;
    let share = Infinity;
    for (const i of PIPES) if (g.mining[i] >= MAJOR) share = Math.min(share, p[i] / g.mining[i]);
    return Number.isFinite(share) && share >= this.options.share ? share : null;
  }

  /**
   * After the alert tracker took a sample: `idle` samples only matter when
   * they cleared the alert; a working sample joins the window, and the step
   * that fired an alert sets the mining profile (a clear drops it). `p`: the
   * record's gpmValues, when the caller has them.
   */
  observe(
    key: string,
    rec: NvsmiRecord,
    sample: { time: number; idle: boolean; flagged: boolean; held?: boolean; probability: number },
    step: AlertStep,
    p?: Float64Array,
  ): void {
    const g = this.gpu(key);
    if (step.change === 'cleared' || !step.active) {
      g.mining = null;
      g.taken = false;
    }
    if (sample.idle) return;
    if (!(sample.time - g.lastWork <= this.options.gapS)) {
      // A new run: not the job that fired, and what was held in the last run no longer counts in the window.
      g.mining = null;
      g.taken = false;
      g.armedAt = NaN;
      g.run++;
      for (const s of g.recent) if (s.held) s.flagged = s.held = false;
    }
    g.lastWork = sample.time;
    p ??= gpmValues(rec);
    g.recent.push({ run: g.run, profile: hasActivities(p) ? perActive(p) : null, flagged: sample.flagged, held: sample.held === true, probability: sample.probability });
    if (g.recent.length > this.window) g.recent.shift();
    if (g.recent.filter((s) => s.flagged && !s.held).length >= this.minFlagged) g.armedAt = sample.time;
    // The profile is taken when the alert fires, from the flagged samples in the window; or, when an alert carried
    // over from an earlier run is still up (a miner's next burst, a new job), once this run has K flagged samples.
    let from: Seen[] | null = null;
    if (step.change === 'fired') from = g.recent.filter((s) => s.flagged && s.profile !== null);
    else if (step.active && !g.taken) {
      const own = g.recent.filter((s) => s.run === g.run && s.flagged && s.profile !== null);
      if (own.length >= this.minFlagged) from = own;
    }
    if (from) {
      g.taken = true;
      const confidence = from.length ? from.reduce((a, s) => a + s.probability, 0) / from.length : 0;
      g.mining = from.length && confidence >= this.options.confidence ? meanOf(from.map((s) => s.profile as Float64Array)) : null;
    }
  }
}
