/**
 * Per-GPU alert state over time: K of the last N working samples. An alert
 * fires when the GPU was flagged in at least K of its last N samples and
 * clears when it was clean in at least K of its last N, so one noisy sample
 * neither pages anyone nor ends an alert. K must be more than half of N, so
 * firing and clearing cannot both hold and the state cannot flap.
 *
 * A sample in which the GPU does no work (idle: a cycling miner's off phase,
 * a pause between batches) can show neither mining nor its absence: it does
 * not enter the window, so a miner that sleeps between bursts is judged on
 * its bursts and keeps its alert through the pauses. An alert whose GPU then
 * stays idle for `idleClearS` seconds clears.
 */
import { UsageError } from '../errors.js';

export interface AlertPolicy {
  /** Ticks looked back over (N). */
  window: number;
  /** Flagged ticks in the window that fire an alert; clean ticks that clear it (K). */
  minFlagged: number;
  /** An active alert clears after this many seconds with only idle samples (default 60). */
  idleClearS?: number;
}

export const DEFAULT_ALERT_POLICY: Readonly<Required<AlertPolicy>> = { window: 5, minFlagged: 3, idleClearS: 60 };

export function checkAlertPolicy(p: AlertPolicy): AlertPolicy {
  const { window: n, minFlagged: k } = p;
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UsageError('ABP_BAD_ARGUMENT', `window must be an integer from 1 to 10000, got ${n}`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new UsageError('ABP_BAD_ARGUMENT', `min-flagged must be an integer from 1 to window (${n}), got ${k}`);
  if (2 * k <= n) throw new UsageError('ABP_BAD_ARGUMENT', `min-flagged (${k}) must be more than half of window (${n}), or an alert could fire and clear on the same window`);
  const idle = p.idleClearS;
  if (idle !== undefined && !(idle > 0 && Number.isFinite(idle))) throw new UsageError('ABP_BAD_ARGUMENT', `idle-clear must be a positive number of seconds, got ${idle}`);
  return p;
}

export interface AlertStep {
  /** Flagged ticks in the window after this one. */
  flagged: number;
  /** Ticks in the window (less than N until N ticks have been seen). */
  seen: number;
  /** Whether the alert is active after this tick. */
  active: boolean;
  /** What this tick changed. */
  change: 'fired' | 'cleared' | null;
}

/** State of one GPU. */
class GpuWindow {
  private readonly bits: boolean[] = [];
  /** Per entry: flagged only by the alert hold (alert-hold.ts), not by a model. */
  private readonly held: boolean[] = [];
  private pos = 0;
  flagged = 0;
  active = false;
  /** Time of the last working sample (seconds), NaN before one. */
  lastWork = NaN;
  constructor(private readonly n: number) {}
  push(flag: boolean, held: boolean): void {
    if (this.bits.length < this.n) {
      this.bits.push(flag);
      this.held.push(held);
    } else {
      if (this.bits[this.pos]) this.flagged--;
      this.bits[this.pos] = flag;
      this.held[this.pos] = held;
      this.pos = (this.pos + 1) % this.n;
    }
    if (flag) this.flagged++;
  }
  /** Held entries count as clean from now on; whether there was one. */
  release(): boolean {
    let any = false;
    for (let i = 0; i < this.bits.length; i++) {
      if (!this.held[i]) continue;
      any = true;
      this.held[i] = false;
      if (this.bits[i]) this.flagged--;
      this.bits[i] = false;
    }
    return any;
  }
  get seen(): number {
    return this.bits.length;
  }
}

/** Tracks every GPU seen, keyed by a stable id (host and UUID). */
export class AlertTracker {
  private readonly gpus = new Map<string, GpuWindow>();
  readonly policy: AlertPolicy;

  constructor(policy: AlertPolicy = DEFAULT_ALERT_POLICY) {
    this.policy = checkAlertPolicy({ ...policy });
  }

  /**
   * Adds one sample's verdict for `key`. `idle`: the GPU did no work in this
   * sample, which then counts neither way; `time` (epoch seconds) ages an
   * active alert through idle samples; `held`: flagged by the alert hold
   * only (see `release`).
   */
  update(key: string, flagged: boolean, sample: { idle?: boolean; time?: number; held?: boolean } = {}): AlertStep {
    let w = this.gpus.get(key);
    if (!w) {
      w = new GpuWindow(this.policy.window);
      this.gpus.set(key, w);
    }
    const time = sample.time ?? NaN;
    if (sample.idle) {
      const hold = this.policy.idleClearS ?? DEFAULT_ALERT_POLICY.idleClearS;
      if (w.active && time - w.lastWork >= hold) {
        w.active = false;
        return { flagged: w.flagged, seen: w.seen, active: false, change: 'cleared' };
      }
      return { flagged: w.flagged, seen: w.seen, active: w.active, change: null };
    }
    w.lastWork = time;
    w.push(flagged, flagged && sample.held === true);
    const k = this.policy.minFlagged;
    const clean = w.seen - w.flagged;
    let change: AlertStep['change'] = null;
    if (!w.active && w.flagged >= k) {
      w.active = true;
      change = 'fired';
    } else if (w.active && clean >= k) {
      w.active = false;
      change = 'cleared';
    }
    return { flagged: w.flagged, seen: w.seen, active: w.active, change };
  }

  /**
   * The samples the alert hold flagged for `key` count as clean from now on:
   * the run of work they were held in has ended, and they said only that its
   * miner was still there. Clears the alert when that leaves K clean samples
   * in the window (change 'cleared'); null when the GPU had no held sample.
   */
  release(key: string): AlertStep | null {
    const w = this.gpus.get(key);
    if (!w || !w.release()) return null;
    let change: AlertStep['change'] = null;
    if (w.active && w.seen - w.flagged >= this.policy.minFlagged) {
      w.active = false;
      change = 'cleared';
    }
    return { flagged: w.flagged, seen: w.seen, active: w.active, change };
  }

  /** Keys whose alert is active now. */
  active(): string[] {
    return [...this.gpus].filter(([, w]) => w.active).map(([k]) => k);
  }
}
