import { createServer, connect, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchMetrics } from '../src/collect/metrics.js';
import { parseListenAddress, serveMetrics } from '../src/collect/metrics-server.js';
import { openModelClassifier, type ModelClassifier } from '../src/collect/model-classifier.js';
import { isIdle, watchTicks, type MiningClassifier, type TickVerdict } from '../src/collect/watch.js';
import type { Tick } from '../src/collect/collector.js';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fakeScripts } from './fake-nvidia-smi.js';
import { asFleetGpu, fleetGpu, recordedSamples, RECORDING } from './fleet-telemetry.js';
import { killWatches, parseExposition, scrape, startWatch, valueOf, type Sample } from './watch-process.js';

// `abp watch --metrics-listen`: the metrics of real replayed telemetry scored
// by the shipped model, and the endpoint's behaviour under bad clients and
// bad addresses. test/prometheus-live.test.ts scrapes it with a real Prometheus.
const XML_FILE = new URL('./fixtures/collect/nvidia-smi-q-x-h200.xml', import.meta.url).pathname;
// Recorded telemetry with GPM values (the GPM model's input).
const GPM_RECORDING = new URL('../data/nvsmi-h200-gpm-a.jsonlines.gz', import.meta.url).pathname;
const gpmSamples = (): Record<string, unknown>[] =>
  gunzipSync(readFileSync(GPM_RECORDING)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const { dir, fake } = fakeScripts('abp-watch-metrics-');

let classifier: ModelClassifier;
beforeAll(async () => {
  classifier = await openModelClassifier();
});
afterAll(() => {
  killWatches();
  classifier?.dispose();
});

const gpuSeries = (samples: Sample[], gpu: string) => samples.filter((s) => s.name.startsWith('abp_gpu_') && s.labels.gpu === gpu);

describe('WatchMetrics on replayed telemetry', () => {
  it('writes each GPU of a tick with its labels and verdict, counts, and drops a GPU that disappears', async () => {
    const rec = recordedSamples();
    // GPU 0 goes from train_resnet into pow_dag/0 (recorded samples 180-219);
    // GPU 1 idles (samples 0-39) and is gone from tick 20 on.
    const ticks: Tick[] = [];
    for (let t = 0; t < 40; t++) {
      const records = [asFleetGpu(rec[180 + t], 0, 1000 + t, 'node-a')];
      if (t < 20) records.push(asFleetGpu(rec[t], 1, 1000 + t, 'node-a'));
      ticks.push({ index: t, timestamp: 1000 + t, records });
    }
    const metrics = new WatchMetrics({ processMetrics: false });
    const verdicts: TickVerdict[] = [];
    let atTick19: Sample[] = [];
    for await (const v of watchTicks(ticks, metrics.timed(classifier), { threshold: classifier.threshold })) {
      metrics.observe(v);
      verdicts.push(v);
      if (v.tick.index === 19) atTick19 = parseExposition(await metrics.registry.metrics());
    }
    const g0 = fleetGpu(0);
    const g1 = fleetGpu(1);
    // Only working samples enter the alert window: GPU 1 idled through all of its
    // samples (none), GPU 0 worked in 12 of its first 20, so its window is full.
    const working = (from: number) => rec.slice(from, from + 20).filter((r) => !isIdle(r)).length;
    expect([working(0), working(180)]).toEqual([0, 12]);
    // Both GPUs while both report, labelled as the records say (no GPM values: the classic model), with the verdict's values.
    for (const [g, i, inWindow] of [[g1, 1, 0], [g0, 0, 5]] as const) {
      const s = verdicts[19].samples[i];
      const series = gpuSeries(atTick19, g.uuid);
      expect(series.map((x) => x.name).sort()).toEqual([
        'abp_gpu_alert_active',
        'abp_gpu_flagged_samples',
        'abp_gpu_last_sample_timestamp_seconds',
        'abp_gpu_mining_probability',
        'abp_gpu_window_samples',
      ]);
      for (const x of series) expect(x.labels).toEqual({ host: 'node-a', gpu: g.uuid, bus_id: g.busId, name: 'NVIDIA H200', model: 'abp-nvsmi-xgb' });
      expect(valueOf(series, 'abp_gpu_mining_probability')).toBeCloseTo(s.probability, 12);
      expect(valueOf(series, 'abp_gpu_alert_active')).toBe(s.alert ? 1 : 0);
      expect(valueOf(series, 'abp_gpu_flagged_samples')).toBe(s.flagged);
      expect(s.seen).toBe(inWindow);
      expect(valueOf(series, 'abp_gpu_window_samples')).toBe(inWindow);
      expect(valueOf(series, 'abp_gpu_last_sample_timestamp_seconds')).toBe(1019);
    }
    expect(verdicts[19].samples[1].flagged).toBe(0);
    const end = parseExposition(await metrics.registry.metrics());
    expect(gpuSeries(end, g1.uuid)).toEqual([]);
    expect(gpuSeries(end, g0.uuid)).toHaveLength(5);
    // GPU 0 went into hashing: its alert fired and is active at the end.
    const fired = verdicts.flatMap((v) => v.alerts).filter((a) => a.state === 'firing');
    expect(fired.map((a) => a.gpu)).toEqual([g0.uuid]);
    expect(valueOf(gpuSeries(end, g0.uuid), 'abp_gpu_alert_active')).toBe(1);
    expect(valueOf(end, 'abp_alerts_fired_total')).toBe(1);
    expect(valueOf(end, 'abp_alerts_cleared_total')).toBe(0);
    expect(valueOf(end, 'abp_samples_scored_total')).toBe(60);
    expect(valueOf(end, 'abp_ticks_total')).toBe(40);
    expect(valueOf(end, 'abp_tick_scoring_seconds_count')).toBe(40);
    expect(end.some((s) => s.name.startsWith('process_'))).toBe(false);
  });

  it('labels each GPU with the model that scored its last sample, and drops the old series when that changes', async () => {
    const rec = recordedSamples();
    const gpm = gpmSamples();
    // GPU 0 reports without GPM values (train_resnet) for 10 ticks, then with them
    // (hash_dag/full, samples 56-65 of the GPM recording); GPU 1 never has them.
    const ticks: Tick[] = [];
    for (let t = 0; t < 20; t++) {
      const g0rec = t < 10 ? rec[180 + t] : gpm[56 + t - 10];
      ticks.push({ index: t, timestamp: 3000 + t, records: [asFleetGpu(g0rec, 0, 3000 + t, 'node-b'), asFleetGpu(rec[200 + t], 1, 3000 + t, 'node-b')] });
    }
    const metrics = new WatchMetrics({ processMetrics: false });
    const verdicts: TickVerdict[] = [];
    let atTick9: Sample[] = [];
    for await (const v of watchTicks(ticks, metrics.timed(classifier), { threshold: classifier.threshold })) {
      metrics.observe(v);
      verdicts.push(v);
      if (v.tick.index === 9) atTick9 = parseExposition(await metrics.registry.metrics());
    }
    const end = parseExposition(await metrics.registry.metrics());
    const g0 = fleetGpu(0);
    const g1 = fleetGpu(1);
    expect(verdicts.map((v) => v.samples[0].model)).toEqual([...Array(10).fill('abp-nvsmi-xgb'), ...Array(10).fill('abp-gpm-xgb')]);
    expect(verdicts.every((v) => v.samples[1].model === 'abp-nvsmi-xgb')).toBe(true);
    const models = (m: Sample[], gpu: string) => [...new Set(gpuSeries(m, gpu).map((x) => x.labels.model))];
    expect(models(atTick9, g0.uuid)).toEqual(['abp-nvsmi-xgb']);
    // After the switch: one label set, the GPM model's; nothing left at the classic model's last values.
    expect(gpuSeries(end, g0.uuid)).toHaveLength(5);
    expect(models(end, g0.uuid)).toEqual(['abp-gpm-xgb']);
    expect(valueOf(gpuSeries(end, g0.uuid), 'abp_gpu_mining_probability')).toBeCloseTo(verdicts[19].samples[0].probability, 12);
    expect(valueOf(gpuSeries(end, g0.uuid), 'abp_gpu_last_sample_timestamp_seconds')).toBe(3019);
    // The GPM model scored it: its probability is the GPM model's own for that record, not the classic one's.
    const last = ticks[19].records[0];
    const gpmOnly = await openModelClassifier('abp-gpm-xgb');
    let byGpm: ArrayLike<number>;
    try {
      expect(gpmOnly.modelOf(last)).toBe('abp-gpm-xgb');
      byGpm = await gpmOnly.probabilities([last]);
    } finally {
      gpmOnly.dispose();
    }
    expect(verdicts[19].samples[0].probability).toBeCloseTo(byGpm[0], 12);
    // GPU 1 is untouched by GPU 0's switch.
    expect(gpuSeries(end, g1.uuid)).toHaveLength(5);
    expect(models(end, g1.uuid)).toEqual(['abp-nvsmi-xgb']);
  });

  it('a named model scores and labels every record, GPM values or not', async () => {
    const named = await openModelClassifier('abp-nvsmi-xgb');
    try {
      const r = asFleetGpu(gpmSamples()[60], 0, 4000, 'node-c');
      expect(named.modelOf(r)).toBe('abp-nvsmi-xgb');
      const metrics = new WatchMetrics({ processMetrics: false });
      for await (const v of watchTicks([{ index: 0, timestamp: 4000, records: [r] }], metrics.timed(named))) metrics.observe(v);
      const m = parseExposition(await metrics.registry.metrics());
      expect(gpuSeries(m, fleetGpu(0).uuid).map((x) => x.labels.model)).toEqual(Array(5).fill('abp-nvsmi-xgb'));
    } finally {
      named.dispose();
    }
  });
});

describe('metrics served while the watch runs', () => {
  it('a scrape while a tick is being scored sees the whole previous tick', async () => {
    const rec = recordedSamples();
    const ticks: Tick[] = [0, 1, 2].map((t) => ({ index: t, timestamp: 2000 + t, records: [0, 1, 2, 3].map((g) => asFleetGpu(rec[200 + t + g], g, 2000 + t)) }));
    const metrics = new WatchMetrics({ processMetrics: false });
    // The real model, held at the third tick until the test has scraped.
    let release: (() => void) | null = null;
    const held: MiningClassifier = {
      async probabilities(records) {
        if (records[0].timestamp === 2002) await new Promise<void>((r) => (release = r));
        return classifier.probabilities(records);
      },
    };
    const server = await serveMetrics(metrics.registry, { host: '127.0.0.1', port: 0 });
    try {
      const run = (async () => {
        for await (const v of watchTicks(ticks, metrics.timed(held))) metrics.observe(v);
      })();
      while (!release) await sleep(10);
      const during = await scrape(server.url);
      const times = (m: Sample[]) => m.filter((x) => x.name === 'abp_gpu_last_sample_timestamp_seconds').map((x) => x.value);
      expect(times(during)).toEqual([2001, 2001, 2001, 2001]);
      expect(valueOf(during, 'abp_samples_scored_total')).toBe(8);
      (release as () => void)();
      await run;
      const after = await scrape(server.url);
      expect(times(after)).toEqual([2002, 2002, 2002, 2002]);
      expect(valueOf(after, 'abp_samples_scored_total')).toBe(12);
    } finally {
      await server.close();
    }
  });
});

describe('the metrics endpoint against slow clients', () => {
  it('cuts a connection that sends nothing, then one that trickles its request, and still answers a scrape', async () => {
    const metrics = new WatchMetrics({ processMetrics: false });
    const server = await serveMetrics(metrics.registry, { host: '127.0.0.1', port: 0 }, { idleTimeoutMs: 300, headTimeoutMs: 800 });
    try {
      const closedAfter = (s: Socket, t0: number) => new Promise<number>((r) => s.once('close', () => r(performance.now() - t0)));
      const t0 = performance.now();
      const silent = connect(server.port, '127.0.0.1');
      const trickle = connect(server.port, '127.0.0.1');
      for (const s of [silent, trickle]) s.on('error', () => undefined);
      const silentGone = closedAfter(silent, t0);
      const trickleGone = closedAfter(trickle, t0);
      // One byte every 100 ms: never idle for 300 ms, never a whole request head.
      const drip = setInterval(() => trickle.write('G'), 100);
      try {
        const [silentMs, trickleMs] = await Promise.all([silentGone, trickleGone]);
        // The silent one at its idle timeout; the trickling one, never idle, at the head deadline.
        expect(silentMs).toBeLessThan(trickleMs);
        expect(trickleMs).toBeGreaterThanOrEqual(700);
      } finally {
        clearInterval(drip);
      }
      // A normal scrape still gets its answer, and its connection is closed by the server.
      const r = await fetch(server.url);
      expect(r.status).toBe(200);
      expect(r.headers.get('connection')).toBe('close');
      expect(await r.text()).toMatch(/^# HELP abp_gpu_mining_probability /m);
    } finally {
      await server.close();
    }
  });
});

describe('--metrics-listen addresses', () => {
  it('takes HOST:PORT with an explicit host, IPv6 in brackets', () => {
    expect(parseListenAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListenAddress('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseListenAddress('gpu-node-01.example:9464')).toEqual({ host: 'gpu-node-01.example', port: 9464 });
    expect(() => parseListenAddress(':9464')).toThrow(/give the address to listen on.*0\.0\.0\.0:PORT for every interface/);
    expect(() => parseListenAddress('9464')).toThrow(/expected HOST:PORT/);
    expect(() => parseListenAddress('127.0.0.1:65536')).toThrow(/out of range/);
    expect(() => parseListenAddress('[127.0.0.1]:9464')).toThrow(/not an IPv6 address/);
    expect(() => parseListenAddress('a b:9464')).toThrow(/neither an IP address nor a host name/);
  });

  it('a port in use or an address not on this machine stops the watch at start, before any sample', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const w = startWatch(['--input', RECORDING, '--metrics-listen', `127.0.0.1:${port}`]);
      expect(await w.exited).toEqual({ code: 1, signal: null });
      expect(w.stderr).toBe(`abp watch: --metrics-listen 127.0.0.1:${port}: cannot listen: the port is in use (is another abp watch or exporter running?) [ABP_METRICS_LISTEN]\n`);
      expect(w.stdout).toBe('');
    } finally {
      busy.close();
    }
    const w = startWatch(['--input', RECORDING, '--metrics-listen', '192.0.2.1:9464']);
    expect(await w.exited).toEqual({ code: 1, signal: null });
    expect(w.stderr).toMatch(/^abp watch: --metrics-listen 192\.0\.2\.1:9464: cannot listen: no interface of this machine has that address \[ABP_METRICS_LISTEN\]\n$/);
    const bad = startWatch(['--input', RECORDING, '--metrics-listen', ':9464']);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr).toMatch(/\[ABP_BAD_ARGUMENT\]\n$/);
  });
});

describe('abp watch --metrics-listen, as a process', () => {
  it('serves only /metrics, keeps sampling and answering under idle and never-reading clients, ends cleanly on SIGTERM', async () => {
    // The whole recording at 40x: about 13 s, longer than this test needs.
    const w = startWatch(['--input', RECORDING, '--speed', '40', '--alerts-only', '--metrics-listen', '127.0.0.1:0']);
    const url = await w.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const base = url.slice(0, -'/metrics'.length);
    for (const [path, method, status] of [
      ['/', 'GET', 404],
      ['/metricsx', 'GET', 404],
      ['/metrics/', 'GET', 404],
      ['//metrics', 'GET', 404],
      ['/debug/pprof', 'GET', 404],
      ['/metrics', 'POST', 405],
      ['/metrics?name[]=up', 'GET', 200],
    ] as const) {
      const r = await fetch(base + path, { method });
      expect(`${method} ${path} ${r.status}`).toBe(`${method} ${path} ${status}`);
      await r.arrayBuffer();
    }
    const first = await scrape(url);
    expect(first.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
    expect(first.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);

    // Bad clients: 100 that connect and say nothing; 4 that pipeline thousands
    // of scrapes and never read an answer.
    const { port } = new URL(url);
    const sockets: Socket[] = [];
    const open = (): Socket => {
      const s = connect(Number(port), '127.0.0.1');
      s.on('error', () => undefined);
      sockets.push(s);
      return s;
    };
    try {
      for (let i = 0; i < 100; i++) open();
      for (let i = 0; i < 4; i++) {
        const s = open();
        s.pause();
        s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(5000));
      }
      // The loop keeps sampling and scrapes keep being answered.
      let ticks = valueOf(await scrape(url), 'abp_ticks_total')!;
      for (let i = 0; i < 4; i++) {
        await sleep(500);
        const now = valueOf(await scrape(url), 'abp_ticks_total')!;
        expect(now).toBeGreaterThan(ticks);
        ticks = now;
      }
    } finally {
      for (const s of sockets) s.destroy();
    }
    expect(w.child.exitCode).toBeNull();
    w.child.kill('SIGTERM');
    expect(await w.exited).toEqual({ code: 0, signal: null });
    const [served, chosen, ...rest] = w.stderr.trimEnd().split('\n');
    expect(served).toBe(`abp watch: serving metrics on ${url}`);
    // The recording's one GPU, once: which model scores it, and why.
    expect(chosen).toBe('abp watch: GPU-8caf8210-5aea-c543-c8df-e0160da9557f: scored by abp-nvsmi-xgb (its records carry no GPM values)');
    for (const line of rest) expect(line).toMatch(/^abp watch: alert still active at exit: /);
    // The port is free again.
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(Number(port), '127.0.0.1', resolve);
    });
    again.close();
  });

  it('counts nvidia-smi errors by code and skipped samples; labels a live GPU with this host and its product name', async () => {
    const n = join(dir, 'calls');
    // Call 1: a malformed document; call 2: nvidia-smi fails; then the real H200 document.
    const smi = fake(
      'flaky-smi',
      `c=$(cat '${n}' 2>/dev/null || echo 0); echo $((c+1)) > '${n}'\n` +
        `if [ "$c" -eq 0 ]; then echo '<nvidia_smi_log><gpu>'; exit 0; fi\n` +
        `if [ "$c" -eq 1 ]; then echo 'NVIDIA-SMI has failed' >&2; exit 9; fi\n` +
        `cat '${XML_FILE}'`,
    );
    const w = startWatch(['--interval', '50ms', '--gpm', 'off', '--nvidia-smi', smi, '--format', 'json', '--metrics-listen', '127.0.0.1:0']);
    const url = await w.url;
    while (w.stdout.split('\n').length < 4 && w.child.exitCode === null) await sleep(50);
    const m = await scrape(url);
    w.child.kill('SIGTERM');
    expect((await w.exited).code).toBe(0);
    const errors = m.filter((s) => s.name === 'abp_telemetry_errors_total');
    expect(Object.fromEntries(errors.map((s) => [s.labels.code, s.value]))).toEqual({ ABP_NVSMI_MALFORMED: 1, ABP_NVSMI_FAILED: 1 });
    expect(valueOf(m, 'abp_samples_skipped_total')).toBe(2);
    const series = gpuSeries(m, 'GPU-5dd2bfd5-7daa-9be5-4a7f-8f2acff29ee6');
    expect(series).toHaveLength(5);
    expect(series[0].labels).toEqual({ host: hostname(), gpu: 'GPU-5dd2bfd5-7daa-9be5-4a7f-8f2acff29ee6', bus_id: '00000000:00:06.0', name: 'NVIDIA H200', model: 'abp-nvsmi-xgb' });
    expect(valueOf(m, 'abp_samples_scored_total')).toBeGreaterThanOrEqual(3);
  });
});
