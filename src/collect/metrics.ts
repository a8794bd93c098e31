/**
 * `abp watch` as Prometheus metrics (prom-client): one gauge family per GPU
 * reading, labelled host/gpu/bus_id/name/model (model: the one that scored
 * the GPU's last sample), plus process-wide counters.
 * A tick's verdict is applied in one synchronous call, so a scrape (served on
 * the same event loop) sees the whole of one tick or the whole of the next,
 * never half of each; a scrape during scoring sees the previous tick.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TickVerdict, MiningClassifier } from './watch.js';
import type { NvsmiRecord } from './flatten.js';

/** The product name field of a flattened nvidia-smi record ("NVIDIA H200"). */
export const PRODUCT_KEY = 'nvidia_smi_log.gpu.product_name';

const GPU_LABELS = ['host', 'gpu', 'bus_id', 'name', 'model'] as const;
type GpuLabels = Record<(typeof GPU_LABELS)[number], string>;

export interface WatchMetricsOptions {
  /** Where the metrics live (default: a new registry, not prom-client's global one). */
  registry?: Registry;
  /** Add the process's own metrics (CPU, memory, event loop; default true). */
  processMetrics?: boolean;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export class WatchMetrics {
  readonly registry: Registry;
  private readonly probability: Gauge;
  private readonly alertActive: Gauge;
  private readonly flagged: Gauge;
  private readonly windowSeen: Gauge;
  private readonly lastSample: Gauge;
  private readonly partnerProbability: Gauge;
  private readonly gauges: Gauge[];
  private readonly partnerSamples: Counter;
  private readonly heldSamples: Counter;
  private readonly scored: Counter;
  private readonly ticks: Counter;
  private readonly fired: Counter;
  private readonly cleared: Counter;
  private readonly errors: Counter;
  private readonly skippedSamples: Counter;
  private readonly scoring: Histogram;
  /**
   * Label sets written at the last tick, by a key of all their values: what to
   * drop when a GPU is gone, or when its labels change (another model scored
   * it), so that no series stays frozen at an old value.
   */
  private current = new Map<string, GpuLabels>();

  constructor(opts: WatchMetricsOptions = {}) {
    this.registry = opts.registry ?? new Registry();
    const registers = [this.registry];
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: GPU_LABELS, registers });
    this.probability = gauge('abp_gpu_mining_probability', "The model's mining probability for the GPU's last sample (NaN when the model gave none).");
    this.alertActive = gauge('abp_gpu_alert_active', '1 while a mining alert is active for the GPU (flagged in K of the last N samples), else 0.');
    this.flagged = gauge('abp_gpu_flagged_samples', "Flagged samples among the GPU's last N working samples (the alert window; idle samples do not enter it).");
    this.windowSeen = gauge('abp_gpu_window_samples', 'Working samples in the alert window so far (N once the GPU has worked in N samples; idle samples do not count).');
    this.lastSample = gauge('abp_gpu_last_sample_timestamp_seconds', "Time of the GPU's last scored sample, epoch seconds (the recorded time when replaying).");
    this.partnerProbability = gauge(
      'abp_gpu_partner_mining_probability',
      "The job history's verdict: the mining probability of a process beside the GPU's job (one that joined it, or, from the pair window, one that started with it), unmixed out of its last sample (present only while that sample read as the job plus a partner).",
    );
    this.gauges = [this.probability, this.alertActive, this.flagged, this.windowSeen, this.lastSample, this.partnerProbability];
    this.partnerSamples = new Counter({ name: 'abp_partner_samples_total', help: "Samples the job history (or the pair window) read as a GPU's job plus a partner, and scored the partner of.", registers });
    this.heldSamples = new Counter({
      name: 'abp_held_samples_total',
      help: 'Samples the models did not flag that the alert hold counted as mining (the mining profile that fired the active alert still takes its share of the SM time).',
      registers,
    });
    this.scored = new Counter({ name: 'abp_samples_scored_total', help: 'GPU samples scored by the model (one per GPU per tick).', registers });
    this.ticks = new Counter({ name: 'abp_ticks_total', help: 'Ticks scored (one nvidia-smi document, or one recorded timestamp, each).', registers });
    this.fired = new Counter({ name: 'abp_alerts_fired_total', help: 'Mining alerts that fired.', registers });
    this.cleared = new Counter({ name: 'abp_alerts_cleared_total', help: 'Mining alerts that cleared.', registers });
    this.errors = new Counter({
      name: 'abp_telemetry_errors_total',
      help: 'Telemetry errors (nvidia-smi failing, timing out, printing a malformed document or no GPU), by error code.',
      labelNames: ['code'],
      registers,
    });
    this.skippedSamples = new Counter({ name: 'abp_samples_skipped_total', help: 'Samples skipped after a telemetry error (--on-error skip).', registers });
    this.scoring = new Histogram({
      name: 'abp_tick_scoring_seconds',
      help: "Time to score one tick's samples with the model.",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Applies one tick: every GPU of it is written, GPUs of the previous tick not in it are dropped. */
  observe(v: TickVerdict): void {
    const next = new Map<string, GpuLabels>();
    v.samples.forEach((s, i) => {
      const rec: NvsmiRecord | undefined = v.tick.records[i];
      const labels: GpuLabels = { host: s.hostname ?? '', gpu: s.gpu, bus_id: s.busId ?? '', name: text(rec?.[PRODUCT_KEY]), model: s.model ?? '' };
      next.set(GPU_LABELS.map((l) => labels[l]).join('\u0000'), labels);
      this.probability.set(labels, s.probability);
      this.alertActive.set(labels, s.alert ? 1 : 0);
      this.flagged.set(labels, s.flagged);
      this.windowSeen.set(labels, s.seen);
      this.lastSample.set(labels, s.time);
      if (typeof s.partnerProbability === 'number') {
        this.partnerProbability.set(labels, s.partnerProbability);
        this.partnerSamples.inc();
      } else {
        this.partnerProbability.remove(labels);
      }
      if (typeof s.heldShare === 'number') this.heldSamples.inc();
    });
    for (const [key, labels] of this.current) {
      if (!next.has(key)) for (const g of this.gauges) g.remove(labels);
    }
    this.current = next;
    this.ticks.inc();
    this.scored.inc(v.samples.length);
    for (const a of v.alerts) (a.state === 'firing' ? this.fired : this.cleared).inc();
  }

  /** A telemetry error; `skipped` when the sample was dropped and the watch goes on. */
  telemetryError(code: string, skipped = true): void {
    this.errors.inc({ code });
    if (skipped) this.skippedSamples.inc();
  }

  /** `classifier`, with the time each tick takes to score observed. */
  timed<C extends MiningClassifier>(classifier: C): MiningClassifier {
    return {
      modelOf: classifier.modelOf?.bind(classifier),
      probabilities: async (records) => {
        const end = this.scoring.startTimer();
        try {
          return await classifier.probabilities(records);
        } finally {
          end();
        }
      },
    };
  }
}
