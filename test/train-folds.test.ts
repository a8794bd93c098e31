import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// scripts/train-gpm-model.py's evaluation trains one forest per held-out fold; scripts/gpm/forest.py trains them side
// by side in ABP_TRAIN_JOBS spawned processes. Each forest is trained on one thread, so the held-out verdicts must be
// the same bits whatever the number of processes, and the same as the trainer's own train() and predict() give fold
// by fold in this process (what hold_out did before the folds ran in parallel), per fold's score too. Two seeds merged, so that a worker
// that fell back on the module's default seed count would differ. Real captures (bp on an H100; ca on an H200, whose cycling miners' off-phase samples are held out but not scored).
const ROOT = new URL('..', import.meta.url).pathname;
const PY = '/usr/bin/python3';
const xgb = spawnSync(PY, ['-c', 'import xgboost'], { encoding: 'utf8' }).status === 0;
if (!xgb) console.log('train-folds: skipped, no python3-xgboost at /usr/bin/python3');

const FILES = ['data/nvsmi-h100-gpm-bp.jsonlines.gz', 'data/nvsmi-h200-gpm-ca.jsonlines.gz'];

const SCRIPT = `
import importlib.util, json, os, sys
import numpy as np
spec = importlib.util.spec_from_file_location("tg", "scripts/train-gpm-model.py")
tg = importlib.util.module_from_spec(spec); spec.loader.exec_module(tg)
folder = sys.argv[1]
columns, X, y, workloads, _ = tg.tm.load_features(folder)
rows = json.load(open(os.path.join(folder, "rows.json")))
_, _, usable = tg.working_samples(X, y, workloads, columns, tg.load_idle(folder))
fams = [tg.family_parts(r, w) for r, w in zip(rows, workloads)]
t_fam = [tg.primary(f) for f in fams]
keys = sorted({k for k, u in zip(t_fam, usable) if u})
weight = np.ones(len(y), np.float32)
tg.SEEDS = 2
rounds = 15
out = {"keys": len(keys), "labels": sorted({int(v) for v in y[usable]})}
ref = np.full(len(y), np.nan, np.float32)
ref_per = {}
for k in keys:
    mine = np.array([t == k for t in t_fam])
    train = usable & np.array([k not in g for g in fams])
    ref[mine] = tg.predict(tg.train(X[train], y[train], tg.PARAMS, rounds, weight[train]), X[mine])
    ref_per[k] = tg.score(ref[usable & mine], y[usable & mine])
for jobs in ("1", "2"):
    os.environ["ABP_TRAIN_JOBS"] = jobs
    per, overall, p = tg.hold_out(X, y, usable, fams, t_fam, keys, tg.PARAMS, rounds, weight)
    out["per_same_" + jobs] = json.dumps(per, sort_keys=True) == json.dumps(ref_per, sort_keys=True)
    out["same_" + jobs] = bool(np.array_equal(np.isnan(p), np.isnan(ref)) and np.array_equal(p[~np.isnan(p)], ref[~np.isnan(ref)]))
    out["n_" + jobs] = overall["n"]
os.environ["ABP_TRAIN_JOBS"] = "0"
try:
    tg.hold_out(X, y, usable, fams, t_fam, keys, tg.PARAMS, rounds, weight)
    out["refused"] = False
except ValueError as e:
    out["refused"] = str(e)
print(json.dumps(out))
`;

function sh(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(r.status, `${cmd} ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

describe.skipIf(!xgb)('held-out folds trained in parallel processes', () => {
  let dir = '';
  let out: Record<string, unknown> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'abp-folds-'));
    sh(process.execPath, ['--import', 'tsx', 'scripts/make-features.ts', '--input', FILES.join(','), '--columns',
      'scripts/gpm/columns.txt', '--derived', 'scripts/gpm/derived_fil.txt', '--out', join(dir, 'f')]);
    const lines = sh(PY, ['-c', SCRIPT, join(dir, 'f')]).trim().split('\n');
    out = JSON.parse(lines[lines.length - 1]);
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('give the same verdicts on 1 and 2 processes as fold-by-fold training here', () => {
    // Several families, both labels: folds of different sizes, each scored.
    expect(out.keys as number).toBeGreaterThan(5);
    expect(out.labels).toEqual([0, 1]);
    expect(out.n_1 as number).toBeGreaterThan(300);
    expect(out.n_2).toBe(out.n_1);
    expect(out.same_1).toBe(true);
    expect(out.same_2).toBe(true);
    // and each held-out family's own score (accuracy, false positives, ...) as scored fold by fold
    expect(out.per_same_1).toBe(true);
    expect(out.per_same_2).toBe(true);
  });

  it('refuses a process count below one', () => {
    expect(out.refused).toMatch(/ABP_TRAIN_JOBS must be 1 or more, got '0'/);
  });
});
