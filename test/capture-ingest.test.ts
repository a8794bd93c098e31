import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { episodesOf, readGz } from './capture-helpers.js';

// scripts/capture/ingest.sh, run as the lead runs it after a device capture, on
// real H200 records (../shared) made into a capture folder: labels stripped,
// episodes from the original labels' boundaries, a log a workload.
const ROOT = new URL('..', import.meta.url).pathname;
const SCRIPT = join(ROOT, 'scripts/capture/ingest.sh');
const SHARED = join(ROOT, '../shared/data/nvsmi-h200-gpm-train.jsonlines.gz');
const PY = process.env.ABP_TRAIN_PYTHON ?? '/usr/bin/python3';
const haveData = existsSync(SHARED);
const haveXgb = spawnSync(PY, ['-c', 'import xgboost'], { encoding: 'utf8' }).status === 0;
if (!haveData) console.log(`capture-ingest: skipped, ${SHARED} not found (ln -s /work/shared ../shared)`);
else if (!haveXgb) console.log(`capture-ingest: skipped, ${PY} cannot import xgboost (apt-get install python3-xgboost)`);

describe.skipIf(!haveData || !haveXgb)('scripts/capture/ingest.sh', () => {
  const original = haveData ? readGz(SHARED).slice(0, 400) : [];

  /** A capture folder as run-capture.py leaves it; `fail` makes the first episode's process exit 1. */
  function capture(opts: { fail?: boolean; log?: string; gpu?: string } = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'abp-capture-ingest-'));
    const eps = episodesOf(original);
    if (opts.fail) eps[0].rc = 1;
    const stripped = original.map(({ label: _l, workload: _w, ...rest }) => rest);
    writeFileSync(join(dir, 'telemetry.jsonlines'), stripped.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'episodes.jsonl'), eps.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const first = original[0].timestamp as number;
    const last = original[original.length - 1].timestamp as number;
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ schedule: 'test.txt', gpus: [`${opts.gpu ?? 'NVIDIA H200'}, 580.159.04, 0`], started: first, ended: last, collect_rc: 0, episodes: eps.length, skipped: [] }));
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'logs', '00-kind-0.log'), opts.log ?? 'kind/variant: 12 passes, sums agree: True\n');
    writeFileSync(join(dir, 'logs', 'collect.log'), '');
    return { dir, eps };
  }

  function ingest(dir: string, name: string, dataDir: string, extra: string[] = []) {
    return spawnSync('bash', [SCRIPT, dir, name, ...extra], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ABP_DATA_DIR: dataDir }, timeout: 120_000 });
  }

  it('labels a good capture, scores it with the shipped model and prints its table row', () => {
    // A numerical check's "max error" is not trouble (qsim/statevector's and gbdt/train's summary lines).
    const { dir, eps } = capture({ log: 'kind/variant: 12-qubit check against NumPy: max error 3.81e-08 (worst relative error 4.9e-04), agree: True\n' });
    const data = mkdtempSync(join(tmpdir(), 'abp-ingest-data-'));
    const run = ingest(dir, 'zz', data);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`${eps.length} episodes, 0 failed, 0 skipped`);
    expect(run.stdout).toContain('00-kind-0.log: agree: True x1');
    const got = readGz(join(data, 'nvsmi-h200-gpm-zz.jsonlines.gz'));
    expect(got.length).toBe(original.length);
    expect(got.map((r) => r.label)).toEqual(original.map((r) => r.label));
    // The forward test's per-sample line and the episode replay's summary.
    expect(run.stdout).toMatch(/nvsmi-h200-gpm-zz\.jsonlines\.gz: \d+ working samples, accuracy [01]\.\d{3}/);
    expect(run.stdout).toMatch(/hashing episodes alerted: \*\*\d+ of \d+\*\*/);
    // abp watch as shipped, its job history on and off, per episode.
    for (const e of eps) expect(run.stdout).toMatch(new RegExp(`^  ${e.workload.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} +label ${e.label}  alert fired with history: (yes|no|up) +without: (yes|no|up) +partner read on \\d+ of \\d+`, 'm'));
    // abp watch as shipped over each stretch of one workload, the alert hold on and off.
    expect(run.stdout).toContain('== 4c. abp watch as shipped over each stretch of one workload');
    for (const e of eps) expect(run.stdout).toMatch(new RegExp(`^  ${e.workload.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} +label ${e.label} +\\d+ samples, +\\d+ working: +\\d+ / +\\d+ / +\\d+ \\| +\\d+ / +\\d+ / +\\d+$`, 'm'));
    // ... and the replay's row for every episode (which miner went unalerted is what the ingester reads).
    for (const e of eps) {
      const name = e.workload.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      expect(run.stdout).toMatch(new RegExp(`^\\| \`${name}\` \\| ${e.label} \\| \\d+ \\| \\d+ \\| [^|]+ \\|[^|]*\\|$`, 'm'));
    }
    // Where else each workload was recorded: these records are the shared recording's, so each was, on its H200.
    for (const e of eps) {
      const name = e.workload.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      expect(run.stdout).toMatch(new RegExp(`^  ${name} +before on 1 GPU: shared recording \\(H200 GPU-`, 'm'));
    }
    const kinds = new Set(eps.map((e) => e.workload)).size;
    expect(run.stdout).toContain(`${kinds} workloads: 0 new to the project, ${kinds} recorded before on one GPU only, 0 recorded before only on chips other than this capture's (H200)`);
    const hashing = original.filter((r) => r.label === 1).length;
    expect(run.stdout).toContain(`| \`nvsmi-h200-gpm-zz.jsonlines.gz\` | \`schedules/test.txt\` |`);
    expect(run.stdout).toContain(`| ${original.length} | ${hashing} | ${eps.length} (0, 0) |`);
    // A second run does not overwrite what was labelled.
    const again = ingest(dir, 'zz', data);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('exists; remove it first');
  }, 180_000);

  it('files a capture under the GPU model meta.json names, and refuses a name another GPU\'s capture holds', () => {
    const data = mkdtempSync(join(tmpdir(), 'abp-ingest-data-'));
    const h100 = capture({ gpu: 'NVIDIA H100 80GB HBM3' });
    const run = ingest(h100.dir, 'yy', data);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(existsSync(join(data, 'nvsmi-h100-gpm-yy.jsonlines.gz'))).toBe(true);
    expect(existsSync(join(data, 'nvsmi-h200-gpm-yy.jsonlines.gz'))).toBe(false);
    expect(run.stdout).toContain('| `nvsmi-h100-gpm-yy.jsonlines.gz` | `schedules/test.txt` |');
    expect(run.stdout).toContain('| NVIDIA H100 80GB HBM3 (');
    // every kind was recorded before on the shared recording's H200 only: another chip than this capture's
    const kinds = new Set(h100.eps.map((e) => e.workload)).size;
    expect(run.stdout).toContain(`${kinds} workloads: 0 new to the project, ${kinds} recorded before on one GPU only, ${kinds} recorded before only on chips other than this capture's (H100)`);
    // the same name recorded on an H200 would be a second capture called yy
    const again = ingest(capture().dir, 'yy', data);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('nvsmi-h100-gpm-yy.jsonlines.gz already holds a capture named yy');
    expect(existsSync(join(data, 'nvsmi-h200-gpm-yy.jsonlines.gz'))).toBe(false);
  }, 180_000);

  it('stops before labelling when an episode failed or a log shows a traceback, unless --force', () => {
    const data = mkdtempSync(join(tmpdir(), 'abp-ingest-data-'));
    const failed = capture({ fail: true });
    const run = ingest(failed.dir, 'zz', data);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`FAILED '${failed.eps[0].workload}': rc 1`);
    expect(existsSync(join(data, 'nvsmi-h200-gpm-zz.jsonlines.gz'))).toBe(false);

    const broken = capture({ log: 'Traceback (most recent call last):\nValueError: boom\n' });
    const run2 = ingest(broken.dir, 'zz', data);
    expect(run2.status).toBe(1);
    expect(run2.stdout).toContain('00-kind-0.log: TROUBLE');
    expect(run2.stderr).toContain('--force');
    expect(existsSync(join(data, 'nvsmi-h200-gpm-zz.jsonlines.gz'))).toBe(false);

    // ...but a check that did not agree is, with the benign words beside it.
    const disagree = capture({ log: 'kind/variant: check: max error 0.5, agree: False\n' });
    const run3 = ingest(disagree.dir, 'zz', data);
    expect(run3.status).toBe(1);
    expect(run3.stdout).toContain('00-kind-0.log: TROUBLE');

    const forced = ingest(broken.dir, 'zz', data, ['--force']);
    expect(forced.status, forced.stderr).toBe(0);
    expect(existsSync(join(data, 'nvsmi-h200-gpm-zz.jsonlines.gz'))).toBe(true);
  }, 180_000);

  it('--drop-failed labels the rest of a capture with a failed episode, its traceback expected, other trouble not', () => {
    const data = mkdtempSync(join(tmpdir(), 'abp-ingest-data-'));
    const failed = capture({ fail: true, log: 'Traceback (most recent call last):\nNotImplementedError: boom\n' });
    const run = ingest(failed.dir, 'zz', data, ['--drop-failed']);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`FAILED '${failed.eps[0].workload}': rc 1 (its records left out)`);
    expect(run.stdout).toContain('00-kind-0.log: trouble in a failed episode (its records left out)');
    expect(run.stdout).toContain(`left out`);
    const got = readGz(join(data, 'nvsmi-h200-gpm-zz.jsonlines.gz'));
    expect(got.some((r) => r.workload === failed.eps[0].workload)).toBe(false);
    expect(got.length).toBeLessThan(original.length);

    // trouble in the log of an episode that did not fail still stops it
    const other = capture({ fail: true, log: 'Traceback (most recent call last):\nValueError: boom\n' });
    writeFileSync(join(other.dir, 'logs', '01-other-0.log'), 'other/v: agree: False\n');
    const data2 = mkdtempSync(join(tmpdir(), 'abp-ingest-data-'));
    const run2 = ingest(other.dir, 'zz', data2, ['--drop-failed']);
    expect(run2.status).toBe(1);
    expect(run2.stdout).toContain('01-other-0.log: TROUBLE');
    expect(existsSync(join(data2, 'nvsmi-h200-gpm-zz.jsonlines.gz'))).toBe(false);
    expect(ingest(other.dir, 'zz', data2, ['--bogus']).status).toBe(2);
  }, 180_000);

  it('refuses a name that is not lower-case letters and digits', () => {
    const { dir } = capture();
    const run = ingest(dir, 'a;b', mkdtempSync(join(tmpdir(), 'abp-ingest-data-')));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("NAME must be lower-case letters and digits, got 'a;b'");
  });
});
