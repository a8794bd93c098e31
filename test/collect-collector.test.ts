import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeScripts } from './fake-nvidia-smi.js';
import { collectRecords, collectTicks, type Tick } from '../src/collect/collector.js';
import { TelemetryError, type AbpError } from '../src/errors.js';

// The real nvidia-smi cannot run here (no GPU); these stand-ins print the real
// H200 document, fail, hang or print garbage the way a broken driver would.
const XML_FILE = new URL('./fixtures/collect/nvidia-smi-q-x-h200.xml', import.meta.url).pathname;
const { dir, fake } = fakeScripts('abp-collect-');

const good = fake('good', `[ "$1 $2" = "-q -x" ] || { echo "bad args: $*" >&2; exit 9; }\ncat '${XML_FILE}'`);
const failing = fake('failing', `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2\nexit 9`);
const garbage = fake('garbage', `echo "Failed to initialize NVML: Driver/library version mismatch"`);
const truncated = fake('truncated', `head -c 5000 '${XML_FILE}'`);
const hang = fake('hang', `exec sleep 30`);
// Fails on every other call (a counter file keeps state between calls).
const flaky = fake('flaky', `n=$(cat '${dir}/count' 2>/dev/null || echo 0); echo $((n+1)) > '${dir}/count'\nif [ $((n % 2)) -eq 1 ]; then echo boom >&2; exit 1; fi\ncat '${XML_FILE}'`);
// Slow: records its start and end times (ms) so overlap can be checked.
const slow = fake('slow', `echo "start $(date +%s%3N)" >> '${dir}/slow.log'\nsleep 0.3\ncat '${XML_FILE}'\necho "end $(date +%s%3N)" >> '${dir}/slow.log'`);

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function failure(it: AsyncIterable<unknown>): Promise<AbpError> {
  try {
    await all(it);
  } catch (e) {
    return e as AbpError;
  }
  throw new Error('expected the collection to fail');
}

describe('collectTicks with a stand-in nvidia-smi', () => {
  it('yields one record per GPU per tick, `count` ticks, `interval` apart', async () => {
    const t0 = Date.now();
    const ticks = await all(collectTicks({ gpm: 'off', nvidiaSmi: good, intervalMs: 150, count: 3, hostname: 'box' }));
    const elapsed = Date.now() - t0;
    expect(ticks.map((t) => t.index)).toEqual([0, 1, 2]);
    expect(elapsed).toBeGreaterThanOrEqual(300);
    for (const t of ticks) {
      expect(t.records).toHaveLength(1);
      const r = t.records[0];
      expect(r.timestamp).toBe(t.timestamp);
      expect(r.hostname).toBe('box');
      expect(r['nvidia_smi_log.gpu.uuid']).toBe('GPU-5dd2bfd5-7daa-9be5-4a7f-8f2acff29ee6');
      expect(Object.keys(r)).toHaveLength(218 + 14);
    }
    // Calls start 150 ms apart; a timestamp is when the document arrived, so
    // only warm calls (same latency) are compared.
    expect(ticks[2].timestamp - ticks[1].timestamp).toBeGreaterThan(0.075);
    expect(Math.abs(ticks[0].timestamp - t0 / 1000)).toBeLessThan(5);
  });

  it('reads the binary from $ABP_NVIDIA_SMI', async () => {
    process.env.ABP_NVIDIA_SMI = good;
    try {
      const recs = await all(collectRecords({ gpm: 'off', intervalMs: 0, count: 2 }));
      expect(recs).toHaveLength(2);
    } finally {
      delete process.env.ABP_NVIDIA_SMI;
    }
  });

  it('never overlaps calls: a slow call delays the next tick', async () => {
    const ticks = await all(collectTicks({ gpm: 'off', nvidiaSmi: slow, intervalMs: 50, count: 4 }));
    expect(ticks).toHaveLength(4);
    const log = readFileSync(join(dir, 'slow.log'), 'utf8').trim().split('\n').map((l) => l.split(' '));
    expect(log.map((l) => l[0])).toEqual(['start', 'end', 'start', 'end', 'start', 'end', 'start', 'end']);
    for (let i = 2; i < log.length; i += 2) expect(Number(log[i][1])).toBeGreaterThanOrEqual(Number(log[i - 1][1]));
  });

  it('a missing binary is a clear error, even when skipping', async () => {
    for (const onError of ['fail', 'skip'] as const) {
      const e = await failure(collectTicks({ gpm: 'off', nvidiaSmi: join(dir, 'no-such-nvidia-smi'), onError, intervalMs: 10 }));
      expect(e).toBeInstanceOf(TelemetryError);
      expect(e.code).toBe('ABP_NVSMI_NOT_FOUND');
      expect(e.message).toMatch(/no-such-nvidia-smi not found/);
    }
  });

  it('a failing call is an error naming the exit status and stderr', async () => {
    const e = await failure(collectTicks({ gpm: 'off', nvidiaSmi: failing, intervalMs: 10 }));
    expect(e.code).toBe('ABP_NVSMI_FAILED');
    expect(e.message).toMatch(/exited with status 9: NVIDIA-SMI has failed/);
  });

  it('garbage or a cut-off document is ABP_NVSMI_MALFORMED', async () => {
    for (const bin of [garbage, truncated]) {
      const e = await failure(collectTicks({ gpm: 'off', nvidiaSmi: bin, intervalMs: 10 }));
      expect(e.code).toBe('ABP_NVSMI_MALFORMED');
    }
  });

  it('a hanging call is killed at its timeout', async () => {
    const t0 = Date.now();
    const e = await failure(collectTicks({ gpm: 'off', nvidiaSmi: hang, timeoutMs: 300, intervalMs: 10 }));
    expect(e.code).toBe('ABP_NVSMI_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('with onError=skip, bad ticks are reported and skipped; good ones still count', async () => {
    rmSync(join(dir, 'count'), { force: true });
    const skipped: string[] = [];
    const ticks = await all(collectTicks({ gpm: 'off', nvidiaSmi: flaky, onError: 'skip', intervalMs: 20, count: 3, onSkip: (e) => skipped.push(e.code) }));
    expect(ticks).toHaveLength(3);
    expect(ticks.map((t) => t.index)).toEqual([0, 1, 2]);
    expect(skipped).toEqual(['ABP_NVSMI_FAILED', 'ABP_NVSMI_FAILED']);
  });

  it('with onError=skip and a count, as many failures in all end the run', async () => {
    rmSync(join(dir, 'count'), { force: true });
    const skipped: string[] = [];
    // flaky fails every other call: good, bad, good, bad -> the second failure ends a count of 2... after one good tick.
    const it2 = collectTicks({ gpm: 'off', nvidiaSmi: flaky, onError: 'skip', intervalMs: 5, count: 2, maxConsecutiveErrors: 30, onSkip: (e) => skipped.push(e.code) });
    const got: number[] = [];
    for await (const t of it2) got.push(t.index);
    expect(got).toEqual([0, 1]);
    expect(skipped).toEqual(['ABP_NVSMI_FAILED']);
    const e = await failure(collectTicks({ gpm: 'off', nvidiaSmi: garbage, onError: 'skip', intervalMs: 5, count: 3, maxConsecutiveErrors: 30 }));
    expect(e.message).toMatch(/giving up after 3 failed ticks \(as many as the count asked for, 3\)/);
  });

  it('with onError=skip, gives up after maxConsecutiveErrors failures in a row', async () => {
    const skipped: AbpError[] = [];
    const e = await failure(collectTicks({ gpm: 'off', nvidiaSmi: garbage, onError: 'skip', intervalMs: 5, maxConsecutiveErrors: 4, onSkip: (x) => skipped.push(x) }));
    expect(skipped).toHaveLength(3);
    expect(e.code).toBe('ABP_NVSMI_MALFORMED');
    expect(e.message).toMatch(/giving up after 4 failed ticks in a row/);
  });

  it('a --gpu selector that matches nothing fails at once, even when skipping', async () => {
    const e = await failure(collectTicks({ gpm: 'off', nvidiaSmi: good, gpus: ['GPU-nope'], onError: 'skip' }));
    expect(e.code).toBe('ABP_GPU_NOT_FOUND');
    const ok = await all(collectTicks({ gpm: 'off', nvidiaSmi: good, gpus: ['0'], count: 1 }));
    expect(ok[0].records).toHaveLength(1);
  });

  it('aborting ends the iteration cleanly, killing a call in flight', async () => {
    const ac = new AbortController();
    const got: Tick[] = [];
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 300);
    for await (const t of collectTicks({ gpm: 'off', nvidiaSmi: hang, timeoutMs: 20_000, signal: ac.signal })) got.push(t);
    expect(got).toHaveLength(0);
    expect(Date.now() - t0).toBeLessThan(3000);

    // And while waiting between ticks.
    const ac2 = new AbortController();
    const ticks: Tick[] = [];
    for await (const t of collectTicks({ gpm: 'off', nvidiaSmi: good, intervalMs: 60_000, signal: ac2.signal })) {
      ticks.push(t);
      setTimeout(() => ac2.abort(), 50);
    }
    expect(ticks).toHaveLength(1);
  });
});
