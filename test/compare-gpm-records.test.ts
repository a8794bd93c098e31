// scripts/compare-gpm-records.mjs (the key-for-key check of scripts/device-gpm-check.sh)
// on small record files: what it reports and its exit status.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = new URL('../scripts/compare-gpm-records.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'abp-cmp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Rec = Record<string, string | number | null>;
function rec(t: number, sm: string | null, over: Rec = {}): Rec {
  return {
    'nvidia_smi_log.driver_version': '580.159.04',
    'nvidia_smi_log.gpu.uuid': 'GPU-a',
    'nvidia_smi_log.gpu.power': `${100 + t} W`,
    'nvidia_smi_log.gpu.gpm.sm_activity': sm,
    'nvidia_smi_log.gpu.gpm.pcie_tx_bytes': '100 MiB/s',
    hostname: 'h',
    timestamp: 1000 + t,
    ...over,
  };
}
function file(name: string, recs: Rec[]): string {
  const p = join(dir, name);
  writeFileSync(p, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return p;
}
async function compare(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, ...args]);
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, out: err.stdout };
  }
}

describe('compare-gpm-records', () => {
  const capture = file('capture.jsonl', [0, 1, 2, 3].map((t) => ({ ...rec(t, t === 0 ? null : '90 %'), label: 0, workload: 'x' })));

  it('records equal key for key, GPM values close: exit 0', async () => {
    const nvml = file('nvml.jsonl', [0, 1, 2, 3].map((t) => rec(t + 0.3, t === 0 ? null : '91.5 %')));
    const r = await compare(`nvml=${nvml}`, `capture=${capture}`);
    expect(r.out).toMatch(/nvml {5}same keys, same order in every record/);
    expect(r.out).toMatch(/nvml {5}2 static keys checked, 0 differ/);
    expect(r.out).toMatch(/sm_activity +mean \|d\| 1\.50 .*\(n=3, only nvml 0, only capture 0\) close/);
    expect(r.code).toBe(0);
  });

  it('a changed static key, a key out of order and GPM values far apart: each reported, exit 1', async () => {
    const bad = [0, 1, 2, 3].map((t) => {
      const r = rec(t, t === 0 ? null : '40 %', { 'nvidia_smi_log.driver_version': '575.1' });
      // hostname before the GPM keys in the last record
      if (t === 3) {
        const { hostname, ...rest } = r;
        return { hostname, ...rest };
      }
      return r;
    });
    const r = await compare(`dmon=${file('dmon.jsonl', bad)}`, `capture=${capture}`);
    expect(r.out).toMatch(/dmon {5}1 of 4 records differ \(7 keys; first difference at 0: dmon "hostname" vs capture "nvidia_smi_log.driver_version"\)/);
    expect(r.out).toMatch(/nvidia_smi_log\.driver_version: capture "580\.159\.04", dmon "575\.1"/);
    expect(r.out).toMatch(/sm_activity +mean \|d\| 50\.00 .* NOT close \(limit 5\.0\)/);
    expect(r.out).toMatch(/DIFFERENCES FOUND/);
    expect(r.code).toBe(1);
  });
});
