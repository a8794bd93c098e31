import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { episodesOf, readGz } from './capture-helpers.js';

// scripts/capture/label.ts, run as the lead runs it, on real H200 records
// (../shared) with their labels stripped and episodes made up from the
// original labels' boundaries.
const ROOT = new URL('..', import.meta.url).pathname;
const SCRIPT = join(ROOT, 'scripts/capture/label.ts');
const SHARED = join(ROOT, '../shared/data/nvsmi-h200-gpm-train.jsonlines.gz');
const have = existsSync(SHARED);
if (!have) console.log(`capture-label: skipped, ${SHARED} not found (ln -s /work/shared ../shared)`);

function label(dir: string, out: string, extra: string[] = []) {
  return spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, dir, out, ...extra], { cwd: ROOT, encoding: 'utf8' });
}

describe.skipIf(!have)('scripts/capture/label.ts', () => {
  const original = have ? readGz(SHARED).slice(0, 400) : [];

  function capture(episodes: object[], telemetry = original) {
    const dir = mkdtempSync(join(tmpdir(), 'abp-capture-label-'));
    const stripped = telemetry.map(({ label: _l, workload: _w, ...rest }) => rest);
    writeFileSync(join(dir, 'telemetry.jsonlines'), stripped.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'episodes.jsonl'), episodes.map((e) => JSON.stringify(e)).join('\n') + '\n');
    return dir;
  }

  it('gives real records back their labels and workloads from the episode times', () => {
    const eps = episodesOf(original);
    expect(new Set(eps.map((e) => e.label))).toEqual(new Set([0, 1])); // both classes in the slice
    const dir = capture(eps);
    const out = join(dir, 'labelled.jsonlines.gz');
    const run = label(dir, out);
    expect(run.status, run.stderr).toBe(0);
    const got = readGz(out);
    expect(got.length).toBe(original.length);
    for (let i = 0; i < got.length; i++) {
      expect(got[i].label, `record ${i}`).toBe(original[i].label);
      expect(got[i].workload, `record ${i}`).toBe(original[i].workload);
      expect(got[i].family).toBe(original[i].workload === 'startup' ? 'startup' : `fam-${original[i].workload}`);
      expect(got[i].timestamp).toBe(original[i].timestamp);
      expect(got[i]['nvidia_smi_log.gpu.gpm.integer_activity']).toBe(original[i]['nvidia_smi_log.gpu.gpm.integer_activity']);
    }
    expect(run.stdout).toContain(`${original.length} records`);
  });

  it('leaves the records of an episode missing from the log as startup, label 0', () => {
    const eps = episodesOf(original);
    const dropped = eps.findIndex((e) => e.label === 1);
    const dir = capture([...eps.filter((_, i) => i !== dropped), { ...eps[dropped], start: null, end: null, rc: 1 }]);
    const out = join(dir, 'labelled.jsonlines.gz');
    expect(label(dir, out).status).toBe(0);
    const got = readGz(out);
    let changed = 0;
    for (let i = 0; i < got.length; i++) {
      if (original[i].workload === eps[dropped].workload) {
        expect(got[i].workload).toBe('startup');
        expect(got[i].label).toBe(0);
        changed++;
      } else expect(got[i].label).toBe(original[i].label);
    }
    expect(changed).toBeGreaterThan(10);
  });

  it('labels a co-located episode by the parts working at each record, as run-capture.py logs them', () => {
    const eps = episodesOf(original);
    const k = eps.findIndex((e) => e.label === 1);
    const e = eps[k];
    const mid = (e.start + e.end) / 2;
    // the hashing part stops half-way (as a crash would); the benign part runs on to the end
    const colocated = {
      workload: `${e.workload}+idle/ctx`, label: 1, family: `fam-${e.workload}+idle`, start: e.start, end: e.end, rc: 1,
      parts: [
        { workload: e.workload, label: 1, family: `fam-${e.workload}`, start: e.start, end: mid, rc: 1 },
        { workload: 'idle/ctx', label: 0, family: 'idle', start: e.start, end: e.end, rc: 0 },
        { workload: 'copy/d2d', label: 0, family: 'copy', start: null, end: null, rc: 1 },
      ],
    };
    const dir = capture(eps.map((x, i) => (i === k ? colocated : x)));
    const out = join(dir, 'labelled.jsonlines.gz');
    const run = label(dir, out);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`warning: ${e.workload} (episode ${k + 1}) exited 1`);
    const got = readGz(out);
    let both = 0;
    let after = 0;
    for (let i = 0; i < got.length; i++) {
      const ts = original[i].timestamp as number;
      if (original[i].workload !== e.workload) {
        expect(got[i].label).toBe(original[i].label);
        expect(got[i].workload).toBe(original[i].workload);
      } else if (ts <= mid) {
        expect([got[i].label, got[i].workload, got[i].family]).toEqual([1, `${e.workload}+idle/ctx`, `fam-${e.workload}+idle`]);
        both++;
      } else {
        expect([got[i].label, got[i].workload, got[i].family]).toEqual([0, 'idle/ctx', 'idle']);
        after++;
      }
    }
    expect(both).toBeGreaterThan(5);
    expect(after).toBeGreaterThan(5);
  });

  it('--drop-failed leaves out every record of an episode that exited non-zero, and only those', () => {
    const eps = episodesOf(original);
    const k = eps.findIndex((e) => e.label === 1);
    const dir = capture(eps.map((x, i) => (i === k ? { ...x, rc: 1 } : x)));
    const out = join(dir, 'labelled.jsonlines.gz');
    const run = label(dir, out, ['--drop-failed']);
    expect(run.status, run.stderr).toBe(0);
    const inside = original.filter((r) => (r.timestamp as number) >= eps[k].start && (r.timestamp as number) <= eps[k].end);
    expect(inside.length).toBeGreaterThan(5);
    expect(run.stdout).toContain(`left out ${inside.length} records of 1 failed episodes: ${eps[k].workload} (episode ${k + 1})`);
    expect(run.stdout).not.toContain('warning:');
    const got = readGz(out);
    const kept = original.filter((r) => !inside.includes(r));
    expect(got.map((r) => r.timestamp)).toEqual(kept.map((r) => r.timestamp));
    expect(got.map((r) => r.label)).toEqual(kept.map((r) => r.label));
    // without the flag the same capture keeps them, with a warning
    const all = label(dir, out, ['--force']);
    expect(all.stdout).toContain(`warning: ${eps[k].workload} (episode ${k + 1}) exited 1`);
    expect(readGz(out).length).toBe(original.length);
  });

  it('names file and line of a bad telemetry line and writes no output', () => {
    const dir = capture(episodesOf(original));
    const tele = join(dir, 'telemetry.jsonlines');
    const lines = readFileSync(tele, 'utf8').split('\n');
    lines[6] = '{"timestamp": 1, truncated';
    writeFileSync(tele, lines.join('\n'));
    const out = join(dir, 'labelled.jsonlines.gz');
    const run = label(dir, out);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${tele}:7: not JSON`);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses overlapping episodes and an existing output without --force', () => {
    const eps = episodesOf(original);
    const dir = capture([eps[0], { ...eps[1], start: eps[0].end - 1 }]);
    const run = label(dir, join(dir, 'x.jsonlines.gz'));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('overlap');
    const ok = capture(eps);
    const out = join(ok, 'x.jsonlines.gz');
    writeFileSync(out, 'keep');
    expect(label(ok, out).stderr).toContain('exists');
    expect(readFileSync(out, 'utf8')).toBe('keep');
    expect(label(ok, out, ['--force']).status).toBe(0);
    expect(readGz(out).length).toBe(original.length);
  });
});
