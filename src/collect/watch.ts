/**
 * The watch loop as a library function: ticks (live or replayed) → mining
 * probability per GPU → K-of-N alert state per GPU. It yields one verdict per
 * tick; printing and alert hooks are the caller's (see format.ts, on-alert.ts).
 */
import { AlertHolds, type AlertHoldOptions } from './alert-hold.js';
import { AlertTracker, DEFAULT_ALERT_POLICY, type AlertPolicy, type AlertStep } from './alerts.js';
import type { Tick } from './collector.js';
import type { NvsmiRecord } from './flatten.js';
import { BUS_ID_KEY, UUID_KEY } from './gpu-select.js';
import { gpmValues } from './gpm/profile.js';
import { JobHistories, type JobHistoryOptions } from './job-history.js';
import { DEFAULT_PAIR_WINDOW_THRESHOLD, PairWindows, type PairWindowOptions } from './pair-window.js';
import { checkThreshold } from '../pipeline/limits.js';
import { featureValue } from '../stages/parse-value.js';

const firstNumber = (v: unknown): number => featureValue(v, 'first-number');

/** Anything that turns records into mining probabilities, one per record, in order. */
export interface MiningClassifier {
  probabilities(records: NvsmiRecord[]): Promise<ArrayLike<number>>;
  /**
   * The name of the model that scores `record` (one classifier may route
   * records to several models); absent when the classifier cannot say.
   */
  modelOf?(record: NvsmiRecord): string;
}

export interface WatchOptions extends Partial<AlertPolicy> {
  /** A record is flagged when its probability is above this (default 0.5, as Morpheus' add-class). */
  threshold?: number;
  /**
   * Each GPU's job history (job-history.ts): when a sample reads as the job
   * seen before plus a partner, the partner's unmixed profile is scored by
   * `classifier` (abp-gpm-partner-xgb), and the sample is flagged when either
   * verdict is mining. Absent: off.
   */
  history?: JobHistoryOptions & {
    classifier: MiningClassifier;
    threshold: number;
    /**
     * The pair window (pair-window.ts): where the history reads no partner,
     * the partner fitted over the GPU's recent samples (a pair that started
     * together, with no history of the job alone) is scored instead, and
     * flags the sample above `threshold` (default 0.9). Absent: off.
     */
    window?: PairWindowOptions & { threshold?: number };
  };
  /**
   * The alert hold (alert-hold.ts): while an alert is active, a sample the
   * models do not flag still counts as mining when the mining profile that
   * fired the alert could take at least `share` of its SM time (a job joined
   * the miner). Absent: off.
   */
  hold?: AlertHoldOptions;
}

export type PartnerSource = 'history' | 'window';

/** One GPU at one tick. */
export interface GpuSample {
  type: 'sample';
  /** Epoch seconds of the tick. */
  time: number;
  hostname: string | null;
  /** The GPU's UUID (or PCI bus id when the record has no UUID). */
  gpu: string;
  busId: string | null;
  /** The model that scored this sample (null when the classifier does not say). */
  model: string | null;
  probability: number;
  /**
   * With the job history on, when the sample read as the job seen before plus
   * a partner: the partner's mining probability, unmixed out of the sample
   * (null otherwise).
   */
  partnerProbability: number | null;
  /** Where the partner was read: the job's own history, or the pair window; null when none was. */
  partnerFrom: PartnerSource | null;
  /**
   * With the alert hold on, when the models did not flag the sample but the
   * mining profile that fired the GPU's active alert could take this share of
   * its SM time (at least the hold's share): the sample counts as mining.
   * Null otherwise.
   */
  heldShare: number | null;
  /** probability > threshold, or partnerProbability > the history's (or the pair window's) threshold, or heldShare not null. */
  mining: boolean;
  /** Flagged ticks among the last `seen` (at most `window`). */
  flagged: number;
  seen: number;
  window: number;
  /** Whether an alert is active for this GPU after this tick. */
  alert: boolean;
}

/** An alert firing or clearing. */
export interface AlertEvent {
  type: 'alert';
  state: 'firing' | 'cleared';
  time: number;
  hostname: string | null;
  gpu: string;
  busId: string | null;
  /** The model whose verdicts fired or cleared it (null when the classifier does not say). */
  model: string | null;
  probability: number;
  /** As on the sample: the unmixed partner's probability, or null. */
  partnerProbability: number | null;
  /** As on the sample: where the partner was read, or null. */
  partnerFrom: PartnerSource | null;
  /** As on the sample: the share the held mining profile takes, or null. */
  heldShare: number | null;
  flagged: number;
  seen: number;
  window: number;
  minFlagged: number;
}

export type WatchEvent = GpuSample | AlertEvent;

export interface TickVerdict {
  tick: Tick;
  /** One per record of the tick, in record order. */
  samples: GpuSample[];
  /** Alerts that fired or cleared at this tick. */
  alerts: AlertEvent[];
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

const SM_ACTIVITY = 'nvidia_smi_log.gpu.gpm.sm_activity';
const GPU_UTIL = 'nvidia_smi_log.gpu.utilization.gpu_util';
/** Below this much SM activity (GPM) and utilisation, a sample shows no work. */
export const IDLE_PERCENT = 5;

/**
 * Whether a record shows a GPU doing no work: both GPM's SM activity and
 * nvidia-smi's utilisation below IDLE_PERCENT, where the record has them.
 * Either alone is not enough: a miner that launches a small grid without
 * pause reads 99 % utilisation at 4.9 % SM activity on the H200 (capture z1,
 * mulxs/short), and skipping it as idle would let it hide from the window.
 * Unknown is not idle.
 */
export function isIdle(rec: NvsmiRecord): boolean {
  let known = false;
  for (const key of [SM_ACTIVITY, GPU_UTIL]) {
    const v = firstNumber(rec[key]);
    if (Number.isNaN(v)) continue;
    if (v >= IDLE_PERCENT) return false;
    known = true;
  }
  return known;
}

/** Identity of a record's GPU: its UUID, else its PCI bus id, else its position in the tick. */
export function gpuIdOf(rec: NvsmiRecord, position: number): string {
  return text(rec[UUID_KEY]) ?? text(rec[BUS_ID_KEY]) ?? `#${position}`;
}

/** Verdicts for each tick of `ticks`. */
export async function* watchTicks(ticks: AsyncIterable<Tick>, classifier: MiningClassifier, opts: WatchOptions = {}): AsyncGenerator<TickVerdict> {
  const tracker = new AlertTracker({
    window: opts.window ?? DEFAULT_ALERT_POLICY.window,
    minFlagged: opts.minFlagged ?? DEFAULT_ALERT_POLICY.minFlagged,
    idleClearS: opts.idleClearS ?? DEFAULT_ALERT_POLICY.idleClearS,
  });
  const { window, minFlagged } = tracker.policy;
  const threshold = opts.threshold ?? 0.5;
  const history = opts.history;
  const histories = history ? new JobHistories(history) : null;
  const windows = history?.window ? new PairWindows(history.window) : null;
  const windowThreshold = history?.window?.threshold ?? DEFAULT_PAIR_WINDOW_THRESHOLD;
  checkThreshold('pair window threshold', windowThreshold);
  const holds = opts.hold ? new AlertHolds(window, opts.hold, minFlagged) : null;
  for await (const tick of ticks) {
    const probs = await classifier.probabilities(tick.records);
    const keys = tick.records.map((rec, i) => `${text(rec.hostname) ?? ''}\u0000${gpuIdOf(rec, i)}`);
    const idle = tick.records.map(isIdle);
    // Each working sample's GPM values, parsed once for the job history, the pair window and the hold.
    const values = tick.records.map((rec, i) => (!idle[i] && (histories || holds) ? gpmValues(rec) : undefined));
    // Partners unmixed out of this tick's samples, scored in one batch.
    const partnerProbs: (number | null)[] = tick.records.map(() => null);
    const partnerFrom: (PartnerSource | null)[] = tick.records.map(() => null);
    if (history && histories) {
      const at: number[] = [];
      const partners: NvsmiRecord[] = [];
      tick.records.forEach((rec, i) => {
        if (idle[i]) return;
        // Both see every working sample; the history's partner (from the job's own baseline) wins.
        const fromHistory = histories.observe(keys[i], rec, tick.timestamp, values[i]);
        const fromWindow = windows?.observe(keys[i], rec, tick.timestamp, values[i]) ?? null;
        const p = fromHistory ?? fromWindow;
        if (p) {
          at.push(i);
          partners.push(p);
          partnerFrom[i] = fromHistory ? 'history' : 'window';
        }
      });
      if (partners.length) {
        const q = await history.classifier.probabilities(partners);
        at.forEach((i, k) => (partnerProbs[i] = q[k]));
      }
    }
    const samples: GpuSample[] = [];
    const alerts: AlertEvent[] = [];
    tick.records.forEach((rec, i) => {
      const hostname = text(rec.hostname);
      const gpu = gpuIdOf(rec, i);
      const busId = text(rec[BUS_ID_KEY]);
      const model = classifier.modelOf?.(rec) ?? null;
      const probability = probs[i];
      const partnerProbability = partnerProbs[i];
      // NaN (no prediction) never flags.
      const from = partnerFrom[i];
      const partnerThreshold = from === 'window' ? windowThreshold : history?.threshold ?? Infinity;
      const flaggedByModels = probability > threshold || (partnerProbability !== null && partnerProbability > partnerThreshold);
      const changes: AlertStep[] = [];
      let heldShare: number | null = null;
      if (holds && !idle[i]) {
        // A new run of work: what the hold flagged in the last one no longer keeps the alert up.
        const released = holds.newRun(keys[i], tick.timestamp) ? tracker.release(keys[i]) : null;
        if (released?.change) changes.push(released);
        if (!flaggedByModels) heldShare = holds.holds(keys[i], rec, tick.timestamp, values[i]);
      }
      const mining = flaggedByModels || heldShare !== null;
      const step = tracker.update(keys[i], mining, { idle: idle[i], time: tick.timestamp, held: heldShare !== null });
      holds?.observe(keys[i], rec, { time: tick.timestamp, idle: idle[i], flagged: mining, held: heldShare !== null, probability }, step, values[i]);
      if (step.change) changes.push(step);
      samples.push({ type: 'sample', time: tick.timestamp, hostname, gpu, busId, model, probability, partnerProbability, partnerFrom: from, heldShare, mining, flagged: step.flagged, seen: step.seen, window, alert: step.active });
      for (const c of changes) {
        alerts.push({
          type: 'alert',
          state: c.change === 'fired' ? 'firing' : 'cleared',
          time: tick.timestamp,
          hostname,
          gpu,
          busId,
          model,
          probability,
          partnerProbability,
          partnerFrom: from,
          heldShare,
          flagged: c.flagged,
          seen: c.seen,
          window,
          minFlagged,
        });
      }
    });
    yield { tick, samples, alerts };
  }
}
