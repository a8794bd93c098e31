import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertEvent, GpuSample } from '../src/collect/watch.js';

// `abp watch` live (collector → model → alerts) without a GPU: a stand-in
// nvidia-smi serves, call after call, the real H200 document carrying the
// model's five readings from consecutive recorded samples: idle, then the
// pow_dag hashing workload, then inference. scripts/device-collect-watch.sh
// does the same against a real GPU and a real workload.
const ROOT = new URL('..', import.meta.url).pathname;
const ENTRY = new URL('../src/cli/main.ts', import.meta.url).pathname;
const XML = readFileSync(new URL('./fixtures/collect/nvidia-smi-q-x-h200.xml', import.meta.url), 'utf8');
const TRAIN: Record<string, unknown>[] = gunzipSync(readFileSync(join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz')))
  .toString('utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const dir = mkdtempSync(join(tmpdir(), 'abp-watch-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setLeaf(xml: string, scope: string | null, tag: string, value: string): string {
  const re = new RegExp(`(<${tag}>)[^<]*(</${tag}>)`);
  if (scope === null) {
    expect(xml).toMatch(re);
    return xml.replace(re, `$1${value}$2`);
  }
  const a = xml.indexOf(`<${scope}>`);
  const b = xml.indexOf(`</${scope}>`, a);
  expect(a).toBeGreaterThan(0);
  return xml.slice(0, a) + setLeaf(xml.slice(a, b), null, tag, value) + xml.slice(b);
}

/** The real document with one recorded sample's readings. */
function documentFor(rec: Record<string, unknown>): string {
  const v = (k: string) => String(rec[`nvidia_smi_log.gpu.${k}`]);
  let x = setLeaf(XML, 'utilization', 'gpu_util', v('utilization.gpu_util'));
  x = setLeaf(x, 'pci', 'rx_util', v('pci.rx_util'));
  x = setLeaf(x, 'pci', 'tx_util', v('pci.tx_util'));
  x = setLeaf(x, 'gpu_power_readings', 'instant_power_draw', v('gpu_power_readings.instant_power_draw'));
  return setLeaf(x, 'gpu_power_readings', 'average_power_draw', v('gpu_power_readings.average_power_draw'));
}

const segment = (workload: string, n: number, skip = 5) => TRAIN.filter((r) => r.workload === workload).slice(skip, skip + n);
const script = [...segment('idle/0', 10), ...segment('pow_dag/0', 15), ...segment('infer_resnet/0', 12)];
script.forEach((rec, i) => writeFileSync(join(dir, `doc${i}.xml`), documentFor(rec)));
const fake = join(dir, 'nvidia-smi');
// Serves doc0, doc1, ... and then keeps serving the last one.
writeFileSync(
  fake,
  `#!/bin/sh\nn=$(cat '${dir}/n' 2>/dev/null || echo 0)\n[ "$n" -lt ${script.length - 1} ] && echo $((n+1)) > '${dir}/n'\ncat '${dir}/doc'$n.xml\n`,
);
chmodSync(fake, 0o755);

function abp(args: string[], interruptAfterLines?: number): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  rmSync(join(dir, 'n'), { force: true });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (interruptAfterLines !== undefined && !sent && stdout.split('\n').length > interruptAfterLines) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('abp watch on a live (stand-in) nvidia-smi', () => {
  it('flags the hashing samples and alerts once during them, clearing after', async () => {
    const r = await abp(['watch', '--gpm=off', '--interval=20ms', `--count=${script.length}`, '--format=json', '--nvidia-smi', fake]);
    // Only the model choice is logged: which model scores the GPU, and why.
    expect(r.stderr.split('\n').filter((l) => l !== '' && !/: scored by abp-nvsmi-xgb \(its records carry no GPM values\)$/.test(l))).toEqual([]);
    expect(r.stderr).toMatch(/scored by abp-nvsmi-xgb/);
    expect(r.code).toBe(0);
    const events: Array<GpuSample | AlertEvent> = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const samples = events.filter((e): e is GpuSample => e.type === 'sample');
    expect(samples).toHaveLength(script.length);
    expect(samples.every((s) => s.gpu === 'GPU-5dd2bfd5-7daa-9be5-4a7f-8f2acff29ee6')).toBe(true);
    // --gpm=off: no GPM values, so every sample was scored by the classic model, and says so.
    expect(new Set(samples.map((s) => s.model))).toEqual(new Set(['abp-nvsmi-xgb']));
    // Which recorded workload each live sample carried.
    const truth = script.map((rec) => String(rec.workload).startsWith('pow_'));
    const flaggedHashing = samples.filter((s, i) => truth[i] && s.mining).length;
    const flaggedBenign = samples.filter((s, i) => !truth[i] && s.mining).length;
    expect(flaggedHashing).toBeGreaterThanOrEqual(13);
    expect(flaggedBenign).toBeLessThanOrEqual(1);

    const alerts = events.map((e, i) => ({ e, i })).filter((x) => x.e.type === 'alert');
    expect(alerts.map((a) => (a.e as AlertEvent).state)).toEqual(['firing', 'cleared']);
    // Firing lands inside the hashing segment (samples 10-24), clearing in the benign tail.
    const sampleIndexBefore = (eventIndex: number) => events.slice(0, eventIndex).filter((e) => e.type === 'sample').length - 1;
    const fired = sampleIndexBefore(alerts[0].i);
    const cleared = sampleIndexBefore(alerts[1].i);
    expect(fired).toBeGreaterThanOrEqual(12);
    expect(fired).toBeLessThanOrEqual(16);
    expect(cleared).toBeGreaterThanOrEqual(25);
    expect(cleared).toBeLessThanOrEqual(29);
  });

  it('Ctrl-C ends a watch cleanly, every printed line whole', async () => {
    const r = await abp(['watch', '--interval=50ms', '--nvidia-smi', fake], 5);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const l of lines) expect(l).toMatch(/^\S+Z {2}\S+ GPU-5dd2bfd5-\S+ \(00000000:00:06\.0\) {2}p=\d\.\d{3} {2}(ok|mining\?|ALERT) +flagged \d\/\d$/);
  });

  it('--count bounds failed samples too: watch --count=2 with a failing nvidia-smi stops after 2 tries', async () => {
    const r = await abp(['watch', '--count=2', '--interval=200ms', '--nvidia-smi', '/bin/false']);
    expect(r.code).toBe(1);
    expect(r.stderr.match(/skipped a sample/g)?.length).toBe(1);
    expect(r.stderr).toMatch(/giving up after 2 failed ticks \(as many as the count asked for, 2\)/);
    // Before: 29 skipped and 30 tries (--max-errors).
  });

  it('a missing nvidia-smi stops watch with a clear error', async () => {
    const r = await abp(['watch', '--gpm=off', '--nvidia-smi', join(dir, 'absent')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^abp watch: .*absent not found.*\[ABP_NVSMI_NOT_FOUND\]\n$/);
  });
});
