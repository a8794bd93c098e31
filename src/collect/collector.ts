/**
 * Live telemetry as an async iterable: one `nvidia-smi -q -x` call per tick,
 * flattened into one record per GPU. Ticks never overlap: the next call starts
 * only after the consumer has taken the previous tick, and a slow call (or a
 * slow consumer) delays the next tick instead of queueing more.
 */
import { hostname as osHostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbpError, TelemetryError, UsageError } from '../errors.js';
import { flattenNvsmi, type NvsmiRecord } from './flatten.js';
import { selectGpus } from './gpu-select.js';
import { runNvidiaSmi } from './nvidia-smi.js';
import { GpmAttacher, openGpmSource, type GpmMode, type GpmNotice, type GpmSource } from './gpm/index.js';

export type ErrorPolicy = 'fail' | 'skip';

export interface CollectOptions {
  /** Time between the starts of two ticks, ms (default 1000). */
  intervalMs?: number;
  /**
   * Stop after this many ticks with records (default: until aborted). Under
   * `skip` it bounds failed ticks too: as many failures in all end the run
   * with the error, so a count never turns into `maxConsecutiveErrors` retries.
   */
  count?: number;
  /** GPU selectors: index, UUID or PCI bus id (default: every GPU). */
  gpus?: readonly string[];
  /** nvidia-smi binary (default `$ABP_NVIDIA_SMI` or `nvidia-smi`). */
  nvidiaSmi?: string;
  /** Per-call timeout, ms (default 10 000). */
  timeoutMs?: number;
  /**
   * What a failing call or a malformed document does: `fail` (default) ends
   * the iteration with the error; `skip` reports it to `onSkip` and tries
   * again next tick. A missing binary always fails.
   */
  onError?: ErrorPolicy;
  /** Under `skip`, give up after this many failed ticks in a row (default 30). */
  maxConsecutiveErrors?: number;
  /** Told about each skipped tick. */
  onSkip?: (err: AbpError, attempt: number) => void;
  /** Ends the iteration cleanly (no error) and kills a call in flight. */
  signal?: AbortSignal;
  /** `hostname` written into records (default os.hostname()). */
  hostname?: string;
  /**
   * GPM work-activity keys (`nvidia_smi_log.gpu.gpm.*`): `auto` (default)
   * reads them where the GPU supports GPM, `off` writes them null; or a
   * source of one's own.
   */
  gpm?: GpmMode | GpmSource;
  /** Told, once per GPU, why its GPM keys are null; and which source reads them. */
  onGpmNotice?: GpmNotice;
}

export interface Tick {
  /** 0-based count of ticks yielded. */
  index: number;
  /** Epoch seconds when the document arrived; every record of the tick carries it. */
  timestamp: number;
  records: NvsmiRecord[];
}

/** Errors no retry can fix: skipping them would only loop. */
const FATAL = new Set(['ABP_NVSMI_NOT_FOUND']);

function asAbpError(err: unknown): AbpError {
  if (err instanceof AbpError) return err;
  return new TelemetryError('ABP_NVSMI_FAILED', (err as Error)?.message ?? String(err), { cause: err });
}

/** Ticks of live telemetry. */
export async function* collectTicks(opts: CollectOptions = {}): AsyncGenerator<Tick> {
  const interval = opts.intervalMs ?? 1000;
  if (!(interval >= 0) || !Number.isFinite(interval)) throw new UsageError('ABP_BAD_ARGUMENT', `interval must be a non-negative number of ms, got ${interval}`);
  const count = opts.count;
  if (count !== undefined && !(Number.isInteger(count) && count >= 0)) throw new UsageError('ABP_BAD_ARGUMENT', `count must be a non-negative integer, got ${count}`);
  const maxErrors = opts.maxConsecutiveErrors ?? 30;
  if (!(Number.isInteger(maxErrors) && maxErrors >= 1)) throw new UsageError('ABP_BAD_ARGUMENT', `max-errors must be a positive integer, got ${maxErrors}`);
  // Options are checked before the GPM source starts (it may run an nvidia-smi dmon child).
  const gpmOpt = opts.gpm ?? 'auto';
  const gpm = new GpmAttacher(
    typeof gpmOpt === 'string' ? await openGpmSource(gpmOpt, { nvidiaSmi: opts.nvidiaSmi, onChoice: (m) => opts.onGpmNotice?.('all GPUs', m) }) : gpmOpt,
    opts.onGpmNotice,
  );
  try {
    yield* ticks(opts, gpm);
  } finally {
    await gpm.close();
  }
}

async function* ticks(opts: CollectOptions, gpm: GpmAttacher): AsyncGenerator<Tick> {
  const interval = opts.intervalMs ?? 1000;
  const count = opts.count;
  const policy = opts.onError ?? 'fail';
  const maxErrors = opts.maxConsecutiveErrors ?? 30;
  const host = opts.hostname ?? osHostname();
  const selectors = opts.gpus ?? [];
  const signal = opts.signal;
  let index = 0;
  let attempt = 0;
  let failures = 0;
  let failedInAll = 0;
  let next = Date.now();
  while (count === undefined || index < count) {
    if (signal?.aborted) return;
    attempt++;
    let tick: Tick | null = null;
    try {
      const xml = await runNvidiaSmi({ binary: opts.nvidiaSmi, timeoutMs: opts.timeoutMs, signal });
      const timestamp = Date.now() / 1000;
      const records = selectGpus(await gpm.attach(flattenNvsmi(xml, { hostname: host, timestamp })), selectors);
      if (records.length === 0) throw new TelemetryError('ABP_NVSMI_NO_GPU', 'nvidia-smi listed no GPU');
      tick = { index, timestamp, records };
    } catch (err) {
      if (signal?.aborted) return;
      const e = asAbpError(err);
      // A selector that never matched is a usage mistake, not a flaky tick.
      const neverMatched = e.code === 'ABP_GPU_NOT_FOUND' && index === 0;
      if (policy === 'fail' || FATAL.has(e.code) || neverMatched) throw e;
      failures++;
      failedInAll++;
      if (failures >= maxErrors) {
        throw new TelemetryError(e.code, `giving up after ${failures} failed ticks in a row; last: ${e.message}`, { cause: e });
      }
      if (count !== undefined && failedInAll >= count) {
        throw new TelemetryError(e.code, `giving up after ${failedInAll} failed ticks (as many as the count asked for, ${count}); last: ${e.message}`, { cause: e });
      }
      opts.onSkip?.(e, attempt);
    }
    if (tick) {
      failures = 0;
      index++;
      yield tick;
    }
    if (count !== undefined && index >= count) return;
    next += interval;
    const delay = next - Date.now();
    if (delay <= 0) {
      next = Date.now();
      continue;
    }
    try {
      await sleep(delay, undefined, { signal });
    } catch {
      return; // aborted while waiting
    }
  }
}

/** The same telemetry one record at a time (records of a tick share its timestamp). */
export async function* collectRecords(opts: CollectOptions = {}): AsyncGenerator<NvsmiRecord> {
  for await (const tick of collectTicks(opts)) yield* tick.records;
}
