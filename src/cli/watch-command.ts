/**
 * `abp watch`: collect → preprocess → inference → add-class, live, with K-of-N
 * alerts per GPU. `--input` replays recorded telemetry through the same loop.
 */
import type { Argv, CommandModule } from 'yargs';
import { OutputError, UsageError } from '../errors.js';
import { DEFAULT_ALERT_POLICY } from '../collect/alerts.js';
import { collectTicks, type ErrorPolicy, type Tick } from '../collect/collector.js';
import { parseDuration } from '../collect/duration.js';
import { formatEvent, type WatchFormat } from '../collect/format.js';
import { parseGpuSelectors, selectGpus } from '../collect/gpu-select.js';
import { abortOnInterrupt } from '../collect/interrupt.js';
import { WatchMetrics } from '../collect/metrics.js';
import { parseListenAddress, serveMetrics, type MetricsServer } from '../collect/metrics-server.js';
import { openModelClassifier, openPartnerClassifier, type ModelClassifier } from '../collect/model-classifier.js';
import { AlertHookQueue } from '../collect/on-alert.js';
import { paceTicks, replayTicks } from '../collect/replay.js';
import { openLineSink, type LineSink } from '../collect/tick-writer.js';
import { watchTicks, type AlertEvent } from '../collect/watch.js';
import { gpmNotice, reportError, samplingOptions } from './collect-command.js';
import type { GpmMode } from '../collect/gpm/index.js';
import { printable, printableLines } from '../util/printable.js';
import { checkThreshold } from '../pipeline/limits.js';

export interface WatchArgs {
  interval: string;
  count?: number;
  gpu?: Array<string | number>;
  'nvidia-smi'?: string;
  timeout: string;
  'on-error': ErrorPolicy;
  'max-errors': number;
  gpm: GpmMode;
  input?: string;
  speed: number;
  model?: string;
  'model-repository'?: string;
  device: string;
  threshold?: number;
  history: boolean;
  'history-threshold'?: number;
  'pair-window': boolean;
  hold: boolean;
  'hold-share'?: number;
  'hold-max'?: number;
  window: number;
  'min-flagged': number;
  'alerts-only': boolean;
  format: WatchFormat;
  'on-alert'?: string;
  'on-alert-timeout': string;
  'metrics-listen'?: string;
}

/** The first `count` ticks of `ticks` (all when undefined). */
async function* take(ticks: AsyncIterable<Tick>, count: number | undefined, signal: AbortSignal): AsyncGenerator<Tick> {
  if (count === 0) return;
  let n = 0;
  for await (const t of ticks) {
    if (signal.aborted) return;
    yield t;
    if (count !== undefined && ++n >= count) return;
  }
}

export async function runWatch(argv: WatchArgs): Promise<void> {
  const ac = new AbortController();
  const stop = abortOnInterrupt(ac);
  let classifier: ModelClassifier | null = null;
  let partner: ModelClassifier | null = null;
  let hooks: AlertHookQueue | null = null;
  let out: LineSink | null = null;
  let metrics: WatchMetrics | null = null;
  let server: MetricsServer | null = null;
  try {
    if (argv.count !== undefined && (!Number.isInteger(argv.count) || argv.count < 0)) {
      throw new UsageError('ABP_BAD_ARGUMENT', `--count must be a non-negative integer, got ${argv.count}`);
    }
    if (!(argv.speed >= 0)) throw new UsageError('ABP_BAD_ARGUMENT', `--speed must be 0 (as fast as possible) or a positive factor, got ${argv.speed}`);
    checkThreshold('--threshold', argv.threshold);
    const ht = argv['history-threshold'];
    checkThreshold('--history-threshold', ht);
    const hs = argv['hold-share'];
    if (hs !== undefined && !(hs > 0 && hs <= 1)) {
      throw new UsageError('ABP_BAD_ARGUMENT', `--hold-share must be above 0 and at most 1, got ${hs}`);
    }
    const hm = argv['hold-max'];
    if (hm !== undefined && !(hm > 0)) {
      throw new UsageError('ABP_BAD_ARGUMENT', `--hold-max must be a positive number of seconds, got ${hm}`);
    }
    const gpus = parseGpuSelectors(argv.gpu);
    if (argv['metrics-listen'] !== undefined) {
      const addr = parseListenAddress(argv['metrics-listen']);
      metrics = new WatchMetrics();
      server = await serveMetrics(metrics.registry, addr, { onError: (e) => process.stderr.write(`abp watch: metrics: ${e.message}\n`) });
      process.stderr.write(`abp watch: serving metrics on ${server.url}\n`);
    }
    const ticks: AsyncIterable<Tick> = argv.input
      ? take(paceTicks(filterGpus(replayTicks(argv.input), gpus), argv.speed, ac.signal), argv.count, ac.signal)
      : collectTicks({
          intervalMs: parseDuration(argv.interval, 'interval'),
          count: argv.count,
          gpus,
          nvidiaSmi: argv['nvidia-smi'],
          timeoutMs: parseDuration(argv.timeout, 'timeout'),
          onError: argv['on-error'],
          maxConsecutiveErrors: argv['max-errors'],
          onSkip: (e) => {
            metrics?.telemetryError(e.code);
            process.stderr.write(`abp watch: skipped a sample: ${printableLines(e.message)} [${e.code}]\n`);
          },
          signal: ac.signal,
          gpm: argv.gpm,
          onGpmNotice: gpmNotice('watch'),
        });
    classifier = await openModelClassifier(argv.model, {
      repository: argv['model-repository'],
      engineOptions: { device: argv.device },
      onMissingColumn: (c) => process.stderr.write(`abp watch: the telemetry has no "${printable(c)}"; the model sees it as missing\n`),
      onChoice: (gpu, model, why) => process.stderr.write(`abp watch: ${printable(gpu)}: scored by ${printable(model)} (${printableLines(why)})\n`),
    });
    if (argv.history) {
      partner = await openPartnerClassifier({ repository: argv['model-repository'], engineOptions: { device: argv.device } });
      if (!partner) process.stderr.write('abp watch: job history off: the model repository has no abp-gpm-partner-xgb\n');
    }
    if (argv['on-alert']) {
      hooks = new AlertHookQueue(argv['on-alert'], {
        timeoutMs: parseDuration(argv['on-alert-timeout'], 'on-alert-timeout'),
        onFailure: (m) => process.stderr.write(`abp watch: ${printableLines(m)}\n`),
      });
    }
    out = await openLineSink('-');
    const active = new Map<string, AlertEvent>();
    const verdicts = watchTicks(ticks, metrics ? metrics.timed(classifier) : classifier, {
      threshold: argv.threshold ?? classifier.threshold,
      history: partner ? { classifier: partner, threshold: ht ?? partner.threshold, window: argv['pair-window'] ? {} : undefined } : undefined,
      hold: argv.hold ? { share: hs, maxS: hm } : undefined,
      window: argv.window,
      minFlagged: argv['min-flagged'],
    });
    for await (const v of verdicts) {
      metrics?.observe(v);
      for (const a of v.alerts) {
        const key = `${a.hostname ?? ''} ${a.gpu}`;
        if (a.state === 'firing') active.set(key, a);
        else active.delete(key);
      }
      let block = '';
      if (!argv['alerts-only']) for (const s of v.samples) block += formatEvent(s, argv.format) + '\n';
      for (const a of v.alerts) {
        block += formatEvent(a, argv.format) + '\n';
        hooks?.push(a);
      }
      if (block) await out.write(block);
    }
    for (const a of active.values()) {
      process.stderr.write(`abp watch: alert still active at exit: ${a.hostname === null ? '?' : printable(a.hostname)} ${printable(a.gpu)}, firing since ${new Date(a.time * 1000).toISOString()}\n`);
    }
  } catch (err) {
    if (err instanceof OutputError && err.code === 'ABP_OUTPUT_CLOSED') return;
    reportError('watch', err);
  } finally {
    stop();
    await server?.close();
    await hooks?.drain();
    await out?.close();
    classifier?.dispose();
    partner?.dispose();
  }
}

/** Applies --gpu to replayed ticks (live ticks are filtered by the collector). */
async function* filterGpus(ticks: AsyncIterable<Tick>, selectors: string[]): AsyncGenerator<Tick> {
  if (selectors.length === 0) return yield* ticks;
  for await (const t of ticks) {
    const records = selectGpus(t.records, selectors);
    if (records.length) yield { ...t, records };
  }
}

export const watchCommand: CommandModule<object, WatchArgs> = {
  command: 'watch',
  describe: 'watch GPUs for mining live (or replay recorded telemetry) and alert when one is flagged in K of the last N samples',
  builder: (y) =>
    samplingOptions(y, 'skip')
      .option('input', { alias: 'i', type: 'string', nargs: 1, describe: 'replay recorded telemetry (JSON lines, plain or gzipped; - for stdin) instead of running nvidia-smi' })
      .option('speed', { type: 'number', default: 0, describe: 'with --input: replay at the recorded pace times this (1 = real time); 0 = as fast as possible' })
      .option('model', { type: 'string', describe: 'model name in the model repository (default: abp-gpm-xgb for records with GPM values, abp-nvsmi-xgb for the rest, per GPU)' })
      .option('model-repository', { type: 'string', describe: "model repository directory (default: the package's models/)" })
      // The CPU by default: a CUDA context on the watched GPU would show up in its own telemetry.
      .option('device', { type: 'string', default: 'cpu', describe: 'engine device for scoring: cpu (default), auto, gpu, gpu:N' })
      .option('threshold', { type: 'number', describe: "a sample is flagged when its mining probability is above this (default: the model's, 0.5)" })
      .option('history', {
        type: 'boolean',
        default: true,
        describe: "keep each GPU's job history: when a process joins a running job, score the newcomer unmixed out of the samples (abp-gpm-partner-xgb); --no-history turns it off",
      })
      .option('history-threshold', { type: 'number', describe: "with the history: a sample is also flagged when the unmixed partner's probability is above this (default: abp-gpm-partner-xgb's, 0.7)" })
      .option('pair-window', {
        type: 'boolean',
        default: true,
        describe: "with the history: where no job was seen alone (a miner started together with a DL job), fit each GPU's last 12 working samples for the DL job's partner and flag the sample when abp-gpm-partner-xgb gives it above 0.9; --no-pair-window turns it off",
      })
      .option('hold', {
        type: 'boolean',
        default: true,
        describe: 'keep an alert on a miner that another job joins: while an alert is active, a sample the models do not flag still counts as mining when the mining profile that fired the alert could take --hold-share of its SM time; --no-hold turns it off',
      })
      .option('hold-share', { type: 'number', describe: 'with the hold: the least share of SM time the mining profile must be able to take (default 0.3)' })
      .option('hold-max', { type: 'number', describe: 'with the hold: hold samples at most this many seconds past the last moment the models alone would have kept the alert up (default 60; a miner killed under a job that goes on looks like the job beside it)' })
      .option('window', { type: 'number', default: DEFAULT_ALERT_POLICY.window, describe: 'N: samples per GPU that alerts look back over' })
      .option('min-flagged', {
        type: 'number',
        default: DEFAULT_ALERT_POLICY.minFlagged,
        describe: 'K: an alert fires when flagged in K of the last N samples and clears when clean in K of them (K > N/2)',
      })
      .option('alerts-only', { type: 'boolean', default: false, describe: 'print only alerts, not a line per GPU per sample' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'output lines as readable text or JSON' })
      .option('on-alert', { type: 'string', describe: 'shell command run for each alert, with the alert as JSON on its stdin' })
      .option('on-alert-timeout', { type: 'string', default: '30s', describe: 'kill an --on-alert command that runs longer than this' })
      .option('metrics-listen', { type: 'string', nargs: 1, describe: 'serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 127.0.0.1:9464; 0.0.0.0:PORT for every interface)' })
      .example('abp watch', 'watch every GPU once a second')
      .example('abp watch --alerts-only --on-alert "logger -t abp"', 'log alerts to syslog')
      .example('abp watch --alerts-only --metrics-listen 127.0.0.1:9464', 'alerts on stdout, metrics for Prometheus')
      .example('abp watch --input recorded.jsonl.gz --format json', 'replay a recording') as unknown as Argv<WatchArgs>,
  handler: (argv) => runWatch(argv),
};

export default watchCommand;
