import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_POLICY } from '../src/collect/alerts.js';
import { openModelClassifier, type ModelClassifier } from '../src/collect/model-classifier.js';
import { replayTicks } from '../src/collect/replay.js';
import { isIdle, watchTicks, type AlertEvent, type TickVerdict } from '../src/collect/watch.js';

// The real H200 telemetry (2 Hz, one GPU) replayed through watch with the
// shipped model; `workload` is the ground truth of what ran at each sample.
const ROOT = new URL('..', import.meta.url).pathname;
const DATA = join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const ENTRY = new URL('../src/cli/main.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'abp-watch-replay-'));

const isHashing = (w: string) => w.startsWith('pow_');
const isStartup = (w: string) => w === 'startup';

interface Phase {
  workload: string;
  first: number;
  last: number;
}

let classifier: ModelClassifier;
let verdicts: TickVerdict[];
let workloads: string[];
let phases: Phase[];

beforeAll(async () => {
  classifier = await openModelClassifier();
  verdicts = [];
  for await (const v of watchTicks(replayTicks(DATA), classifier, { threshold: classifier.threshold })) verdicts.push(v);
  workloads = verdicts.map((v) => String(v.tick.records[0].workload));
  phases = [];
  workloads.forEach((w, i) => {
    const p = phases[phases.length - 1];
    if (p && p.workload === w) p.last = i;
    else phases.push({ workload: w, first: i, last: i });
  });
});
afterAll(() => {
  classifier?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('watch on replayed real telemetry, shipped model, default K=3 of N=5', () => {
  it('groups the recording into one tick per timestamp', () => {
    expect(verdicts).toHaveLength(1020);
    for (const v of verdicts) expect(v.samples).toHaveLength(1);
    const ts = verdicts.map((v) => v.tick.timestamp);
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThan(ts[i - 1]);
    expect(phases.filter((p) => isHashing(p.workload)).map((p) => p.workload)).toEqual(['pow_dag/0', 'pow_mixed/0', 'pow_compute/0', 'pow_dag/1']);
  });

  it('an alert fires early in every hashing workload and stays up through it', () => {
    const { window, minFlagged } = DEFAULT_ALERT_POLICY;
    for (const p of phases.filter((x) => isHashing(x.workload))) {
      const fired = verdicts.slice(p.first, p.last + 1).findIndex((v) => v.alerts.some((a) => a.state === 'firing'));
      // Earliest possible is the K-th sample; allow a window's worth of ramp-up.
      expect(fired, p.workload).toBeGreaterThanOrEqual(minFlagged - 1);
      expect(fired, p.workload).toBeLessThan(minFlagged - 1 + window);
      const active = verdicts.slice(p.first + fired, p.last + 1).filter((v) => v.samples[0].alert).length;
      expect(active / (p.last + 1 - p.first - fired), p.workload).toBeGreaterThan(0.95);
    }
  });

  it('no alert fires during a benign workload; one carried over from hashing clears within N working samples', () => {
    const { window } = DEFAULT_ALERT_POLICY;
    const firing = verdicts.flatMap((v, i) => v.alerts.filter((a) => a.state === 'firing').map(() => workloads[i]));
    expect(firing.every(isHashing)).toBe(true);
    expect(firing).toHaveLength(4);
    // Outside hashing, an alert is only the tail of one carried over from the
    // hashing before it: idle samples count neither way, so it lasts until N
    // samples of work have shown no mining (or the GPU idles for a minute).
    let sinceHash = -1;
    verdicts.forEach((v, i) => {
      if (isHashing(workloads[i])) {
        sinceHash = 0;
        return;
      }
      if (sinceHash >= 0 && !isIdle(v.tick.records[0])) sinceHash++;
      if (!v.samples[0].alert) return;
      expect(sinceHash >= 0 && sinceHash <= window, `${workloads[i]} tick ${i}`).toBe(true);
    });
    // Every alert that fired has cleared by the end of the recording, but for
    // one whose GPU has been idle since its hashing ended (less than a minute).
    const cleared = verdicts.flatMap((v) => v.alerts).filter((a) => a.state === 'cleared');
    const stillActive = verdicts.at(-1)!.samples[0].alert;
    expect(cleared).toHaveLength(stillActive ? 3 : 4);
    // (that is, fewer than N samples of work since the last hashing one)
    if (stillActive) expect(sinceHash).toBeLessThan(window);
  });

  it('benign records are rarely flagged one by one, and those alone never page', () => {
    const benign = verdicts.filter((_, i) => !isHashing(workloads[i]) && !isStartup(workloads[i]));
    const flagged = benign.filter((v) => v.samples[0].mining).length;
    expect(flagged / benign.length).toBeLessThan(0.02);
  });
});

function abp(args: string[], stdinFile?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, stdio: [stdinFile ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (stdinFile) child.stdin!.end(readFileSync(stdinFile));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('watch keeps GPUs apart', () => {
  it('two GPUs in one recording: only the one that hashes alerts', async () => {
    // GPU B is a second board whose samples are the benign half of the recording,
    // paired tick by tick with GPU A's (the recording as it is).
    const benign = verdicts.map((v) => v.tick.records[0]).filter((r) => !isHashing(String(r.workload)) && !isStartup(String(r.workload)));
    async function* twoGpus() {
      for (const [i, v] of verdicts.entries()) {
        const a = v.tick.records[0];
        const b = { ...benign[i % benign.length], 'nvidia_smi_log.gpu.uuid': 'GPU-bbbbbbbb-0000-0000-0000-000000000000', 'nvidia_smi_log.gpu.@id': '00000000:00:07.0', timestamp: a.timestamp };
        yield { index: i, timestamp: v.tick.timestamp, records: [a, b] };
      }
    }
    const alerts: AlertEvent[] = [];
    for await (const v of watchTicks(twoGpus(), classifier)) {
      expect(v.samples.map((s) => s.gpu)).toEqual(['GPU-8caf8210-5aea-c543-c8df-e0160da9557f', 'GPU-bbbbbbbb-0000-0000-0000-000000000000']);
      alerts.push(...v.alerts);
    }
    expect(alerts.map((a) => a.gpu).every((g) => g === 'GPU-8caf8210-5aea-c543-c8df-e0160da9557f')).toBe(true);
    expect(alerts.map((a) => `${a.state}@${a.time}`)).toEqual(verdicts.flatMap((v) => v.alerts).map((a) => `${a.state}@${a.time}`));
  });
});

describe('abp watch --input (replay)', () => {
  it('--alerts-only --format json prints the same alerts as the library, and --on-alert gets each one', async () => {
    const hookOut = join(dir, 'hook.jsonl');
    const r = await abp(['watch', '--input', DATA, '--alerts-only', '--format', 'json', '--on-alert', `cat >> '${hookOut}'`]);
    // Only the model choice is logged: which model scores the GPU, and why.
    // The recording ends idle less than a minute after its last hashing: that alert is still up.
    expect(r.stderr.split('\n').filter((l) => l !== '' && !/: scored by abp-nvsmi-xgb \(its records carry no GPM values\)$|alert still active at exit/.test(l))).toEqual([]);
    expect(r.stderr).toMatch(/scored by abp-nvsmi-xgb/);
    expect(r.code).toBe(0);
    const printed: AlertEvent[] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const expected = verdicts.flatMap((v) => v.alerts).map((a) => JSON.parse(JSON.stringify(a)));
    expect(printed).toEqual(expected);
    // Each alert names the model whose verdicts raised it (this recording has no GPM values).
    expect(new Set(printed.map((a) => a.model))).toEqual(new Set(['abp-nvsmi-xgb']));
    expect(printed.map((a) => a.state).slice(0, 7)).toEqual(['firing', 'cleared', 'firing', 'cleared', 'firing', 'cleared', 'firing']);
    const hooked = readFileSync(hookOut, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(hooked).toEqual(printed);
  });

  it('prints one readable line per GPU per tick, from stdin too, honouring --count and K/N options', async () => {
    const r = await abp(['watch', '--input', DATA, '--count', '200']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    // 200 samples plus the alert that fires in pow_dag/0 (ticks 196-199 are hashing).
    const samples = lines.filter((l) => /flagged \d\/\d$/.test(l));
    expect(samples).toHaveLength(200);
    expect(samples[0]).toMatch(/^2026-11-29T\d\d:\d\d:\d\d\.\d{3}Z {2}vm GPU-8caf8210-5aea-c543-c8df-e0160da9557f \(00000000:00:06\.0\) {2}p=0\.\d{3} {2}ok {7}flagged 0\/[01]$/);
    expect(lines.filter((l) => l.includes('  ALERT    vm GPU-8caf8210'))).toHaveLength(1);
    // The run ended inside pow_dag/0 with the alert up: said once on stderr.
    const still = r.stderr.split('\n').filter((l) => l.includes('alert still active'));
    expect(still).toHaveLength(1);
    expect(still[0]).toMatch(/^abp watch: alert still active at exit: vm GPU-8caf8210-5aea-c543-c8df-e0160da9557f, firing since 2026-11-29T09:3\d:\d\d\.\d{3}Z$/);

    // The gzipped recording on stdin gives the same lines.
    const piped = await abp(['watch', '--input', '-', '--count', '200'], DATA);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe(r.stdout);

    const strict = await abp(['watch', '--input', DATA, '--alerts-only', '--window', '7', '--min-flagged', '6']);
    expect(strict.code).toBe(0);
    // 4 alerts fire; 3 clear before the end (the last GPU is idle, under a minute, when the recording ends).
    expect(strict.stdout.trim().split('\n')).toHaveLength(7);
    expect(strict.stdout).toMatch(/mining suspected, flagged in 6 of the last 7 working samples/);

    const bad = await abp(['watch', '--input', DATA, '--window', '4', '--min-flagged', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/min-flagged \(2\) must be more than half of window \(4\)/);

    // --speed 5: ten samples recorded 0.5 s apart take about 9 × 0.1 s.
    const t0 = Date.now();
    const paced = await abp(['watch', '--input', DATA, '--count', '10', '--speed', '5', '--format', 'json']);
    expect(paced.code).toBe(0);
    expect(paced.stdout.trim().split('\n')).toHaveLength(10);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(850);

    const missing = await abp(['watch', '--input', join(dir, 'nope.jsonl')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.jsonl: ENOENT/);
  });
});
