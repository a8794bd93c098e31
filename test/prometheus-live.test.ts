import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { recordedSamples } from './fleet-telemetry.js';
import { killWatches, ROOT, startWatch } from './watch-process.js';

// A real Prometheus (Debian's 2.42, installed by .ci/run) scrapes a replaying
// `abp watch --metrics-listen` every second and evaluates the shipped rules;
// everything is asserted through Prometheus' HTTP API. Loopback only.
const PROMETHEUS = process.env.ABP_PROMETHEUS ?? 'prometheus';
const haveProm = spawnSync(PROMETHEUS, ['--version'], { stdio: 'ignore' }).status === 0;
if (!haveProm) console.warn(`prometheus-live: skipped: no ${PROMETHEUS} binary (apt-get install prometheus, or set ABP_PROMETHEUS)`);

const RULES = join(ROOT, 'deploy/prometheus/abp-watch.rules.yml');
const dir = mkdtempSync(join(tmpdir(), 'abp-prometheus-live-'));
let prom: ChildProcess | null = null;
let promLog = '';
afterAll(async () => {
  killWatches();
  if (prom && prom.exitCode === null) {
    prom.kill('SIGTERM');
    const gone = new Promise((r) => prom!.once('close', r));
    if ((await Promise.race([gone, sleep(5000, 'late')])) === 'late') prom.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

interface Series {
  metric: Record<string, string>;
  values?: Array<[number, string]>;
  value?: [number, string];
}

async function api<T>(base: string, path: string, params: Record<string, string> = {}): Promise<T> {
  const r = await fetch(`${base}/api/v1/${path}?${new URLSearchParams(params)}`, { signal: AbortSignal.timeout(5000) });
  const body = (await r.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
  return body.data;
}

describe.skipIf(!haveProm)('abp watch scraped by a real Prometheus with the shipped rules', () => {
  it('serves the series with their labels; GpuMiningSuspected fires during hashing and not before; AbpWatchDown when it stops', async () => {
    // The recording from 20 s to 160 s: 78 s of idle, train_resnet and startup,
    // then pow_dag/0 hashing from 98 s to 153 s. Replayed at 5x: ~28 s, ~16 s of
    // it before hashing, so that even a loaded machine (watch start-up, scrapes
    // late) leaves several scrapes before the hashing starts.
    const all = recordedSamples();
    const t0 = all[0].timestamp as number;
    const window = all.filter((r) => (r.timestamp as number) >= t0 + 20 && (r.timestamp as number) < t0 + 160);
    const hashing = window.filter((r) => String(r.workload).startsWith('pow_')).map((r) => r.timestamp as number);
    const hashStart = Math.min(...hashing);
    const hashEnd = Math.max(...hashing);
    expect(hashStart - t0).toBeCloseTo(98, 0);
    const input = join(dir, 'replay.jsonl');
    writeFileSync(input, window.map((r) => JSON.stringify(r)).join('\n') + '\n');

    // The shipped rules with every `for` shortened to 2 s (the shipped timings
    // are checked by promtool in prometheus-rules.test.ts).
    const shipped = readFileSync(RULES, 'utf8');
    const rules = shipped.replace(/^(\s+for: )\S+$/gm, '$12s');
    expect(rules.match(/for: 2s/g)).toHaveLength(shipped.match(/^\s+for: /gm)!.length);
    writeFileSync(join(dir, 'rules.yml'), rules);
    const [promPort, abpPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'targets.yml'), `- targets: ['127.0.0.1:${abpPort}']\n`);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'rule_files: [rules.yml]',
        'scrape_configs:',
        '  - job_name: abp-watch',
        '    scrape_timeout: 900ms',
        "    file_sd_configs: [{ files: ['targets.yml'] }]",
        '',
      ].join('\n'),
    );
    prom = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prom.stdout!.on('data', (d) => (promLog += d));
    prom.stderr!.on('data', (d) => (promLog += d));
    const base = `http://127.0.0.1:${promPort}`;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ready = await fetch(`${base}/-/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      if (prom.exitCode !== null || Date.now() > deadline) throw new Error(`prometheus did not start: ${promLog}`);
      await sleep(200);
    }

    const started = Date.now() / 1000;
    const w = startWatch(['--input', input, '--speed', '5', '--alerts-only', '--metrics-listen', `127.0.0.1:${abpPort}`]);
    await w.url;
    // While it replays: the series as Prometheus stores them, with their labels.
    let seen: Series[] = [];
    let up: Series[] = [];
    while (w.child.exitCode === null && seen.length === 0) {
      await sleep(500);
      seen = await api<{ result: Series[] }>(base, 'query', { query: 'abp_gpu_mining_probability' }).then((d) => d.result);
      up = await api<{ result: Series[] }>(base, 'query', { query: 'up{job="abp-watch"}' }).then((d) => d.result);
    }
    expect(seen.map((s) => s.metric)).toEqual([
      {
        __name__: 'abp_gpu_mining_probability',
        job: 'abp-watch',
        instance: `127.0.0.1:${abpPort}`,
        host: 'vm',
        gpu: 'GPU-8caf8210-5aea-c543-c8df-e0160da9557f',
        bus_id: '00000000:00:06.0',
        name: 'NVIDIA H200',
        model: 'abp-nvsmi-xgb',
      },
    ]);
    expect(up.map((s) => s.value![1])).toEqual(['1']);
    const alertsNow = async () => (await api<{ alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string>; state: string }> }>(base, 'alerts')).alerts;
    let mining: Awaited<ReturnType<typeof alertsNow>> = [];
    while (w.child.exitCode === null && mining.length === 0) {
      await sleep(500);
      mining = (await alertsNow()).filter((a) => a.labels.alertname === 'GpuMiningSuspected' && a.state === 'firing');
    }
    expect(mining).toHaveLength(1);
    expect(mining[0].labels).toMatchObject({ gpu: 'GPU-8caf8210-5aea-c543-c8df-e0160da9557f', host: 'vm', name: 'NVIDIA H200', bus_id: '00000000:00:06.0', severity: 'page' });
    expect(mining[0].annotations.summary).toBe('GPU GPU-8caf8210-5aea-c543-c8df-e0160da9557f on vm looks like it is mining');
    expect(await w.exited).toEqual({ code: 0, signal: null });

    // Once the watch is gone, the target is down and AbpWatchDown fires.
    let down: Awaited<ReturnType<typeof alertsNow>> = [];
    for (let i = 0; i < 20 && down.length === 0; i++) {
      await sleep(500);
      down = (await alertsNow()).filter((a) => a.labels.alertname === 'AbpWatchDown' && a.state === 'firing');
    }
    expect(down.map((a) => a.labels.instance)).toEqual([`127.0.0.1:${abpPort}`]);

    // The whole run, second by second: at each step, the replayed time of the
    // last sample Prometheus had scraped, and whether the alert was pending or firing.
    const range = { start: String(started), end: String(Date.now() / 1000), step: '1' };
    const lastSample = (await api<{ result: Series[] }>(base, 'query_range', { query: 'abp_gpu_last_sample_timestamp_seconds', ...range })).result;
    const alertSeries = (await api<{ result: Series[] }>(base, 'query_range', { query: 'ALERTS{alertname="GpuMiningSuspected"}', ...range })).result;
    expect(lastSample).toHaveLength(1);
    const replayedAt = new Map(lastSample[0].values!.map(([t, v]) => [t, Number(v)]));
    const stepsOf = (state: string) => alertSeries.filter((s) => s.metric.alertstate === state).flatMap((s) => s.values!.map(([t]) => replayedAt.get(t)).filter((v): v is number => v !== undefined));
    const firing = stepsOf('firing');
    const pending = stepsOf('pending');
    // Replayed times before hashing started were all seen, with no alert at all.
    const before = [...replayedAt.values()].filter((v) => v < hashStart);
    expect(before.length).toBeGreaterThanOrEqual(4);
    for (const t of [...pending, ...firing]) expect(t).toBeGreaterThanOrEqual(hashStart);
    console.log(
      `prometheus-live: ${before.length} steps before hashing without alert; pending from +${(Math.min(...pending) - hashStart).toFixed(1)} s, ` +
        `firing from +${(Math.min(...firing) - hashStart).toFixed(1)} s of replayed time after hashing started (${firing.length} firing steps)`,
    );
    expect(firing.length).toBeGreaterThanOrEqual(3);
    // Firing within the hashing segment (K-of-N, one scrape, one evaluation and `for` after it started).
    expect(Math.min(...firing)).toBeLessThan(hashEnd);
    expect(Math.min(...firing) - hashStart).toBeLessThan(30);
  });
});
