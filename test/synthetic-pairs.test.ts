import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The GPM model trains on synthetic pairs (scripts/gpm/synthetic_pairs.py): two jobs sharing a GPU made
// from samples of each alone, on the claim that time-slicing makes a pair's GPM activities a time-weighted
// sum of its parts'. These tests check the claim on recorded pairs whose parts were recorded alone, and the
// generator on the same real features (make-features, the pipeline's own derived features).
const ROOT = new URL('..', import.meta.url).pathname;
const PY = '/usr/bin/python3';
const ok = spawnSync(PY, ['-c', 'import numpy, scipy, xgboost'], { encoding: 'utf8' }).status === 0;
if (!ok) console.log('synthetic-pairs: skipped, /usr/bin/python3 cannot import numpy, scipy and xgboost (python3-xgboost)');

// Captures a-e: five recorded pairs whose two parts were also recorded alone, DL and data work beside miners.
const FILES = ['a', 'b', 'c', 'd', 'e'].map((c) => `data/nvsmi-h200-gpm-${c}.jsonlines.gz`).join(',');

describe.skipIf(!ok)('synthetic co-located pairs', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'abp-synth-'));
    const run = spawnSync('npx', ['tsx', 'scripts/make-features.ts', '--input', FILES, '--columns', 'scripts/gpm/columns.txt',
      '--derived', 'scripts/gpm/derived_fil.txt', '--out', dir], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    expect(run.status, run.stderr).toBe(0);
  }, 250_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a recorded pair is its two parts weighted by time (far closer than two kinds at random)', () => {
    const run = spawnSync(PY, ['scripts/gpm/check-mixture.py', dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const pairs = Number(/(\d+) recorded pairs with both parts/.exec(run.stdout)?.[1]);
    const own = Number(/its own parts: median ([\d.]+)/.exec(run.stdout)?.[1]);
    const random = Number(/at random: median ([\d.]+)/.exec(run.stdout)?.[1]);
    const diff = Number(/median absolute difference ([\d.]+)/.exec(run.stdout)?.[1]);
    expect(pairs, run.stdout).toBeGreaterThanOrEqual(4);
    expect(own, run.stdout).toBeLessThan(0.1);
    expect(random, run.stdout).toBeGreaterThan(3 * own);
    // the fitted time shares add up to the pair's SM activity, which the fit never saw
    expect(diff, run.stdout).toBeLessThan(0.1);
  });

  it('makes pairs of both labels from samples alone, with a recorded pair\'s context-switch values, and refuses features it cannot reproduce', () => {
    const script = `
import importlib.util, sys, numpy as np
sys.path.insert(0, "scripts/gpm")
import synthetic_pairs as sp
spec = importlib.util.spec_from_file_location("tg", "scripts/train-gpm-model.py"); tg = importlib.util.module_from_spec(spec); spec.loader.exec_module(tg)
d = sys.argv[1]
columns, X, y, w, _ = tg.tm.load_features(d)
tr, nw, us = tg.working_samples(X, y, w, columns, tg.load_idle(d))
alone, pair = sp.pools(w, us & ~nw & ~tr)
Xs, ys, share, src = sp.make(X, y, columns, w, alone, pair, 300, np.random.default_rng(1), "scripts/gpm/derived_fil.txt")
sm = Xs[:, columns.index(sp.SM)]
tx = columns.index(sp.GPM + "pcie_tx_bytes")
print("rows", Xs.shape[0], "miners", int(ys.sum()))
print("miner parts hashing", all(y[a] == 1 for (a, b, _), l in zip(src, ys) if l == 1))
print("benign parts benign", all(y[a] == 0 and y[b] == 0 for (a, b, _), l in zip(src, ys) if l == 0))
print("sm within", bool(np.all(sm <= 94.01)), bool(np.all(sm > 0)))
print("pcie from donor", bool(np.array_equal(Xs[:, tx], X[[d for _, _, d in src], tx], equal_nan=True)))
print("share within", bool(np.all((share > 0) & (share < 1))))
X2 = X.copy(); r = int(np.flatnonzero(~np.isnan(X[:, -1]))[0]); X2[r, -1] += 1
try:
    sp.make(X2, y, columns, w, alone, pair, 10, np.random.default_rng(1), "scripts/gpm/derived_fil.txt"); print("refused False")
except SystemExit as e:
    print("refused", "differ" in str(e))
`;
    const run = spawnSync(PY, ['-c', script, dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('rows 600 miners 300');
    expect(run.stdout).toContain('miner parts hashing True');
    expect(run.stdout).toContain('benign parts benign True');
    expect(run.stdout).toContain('sm within True True');
    expect(run.stdout).toContain('pcie from donor True');
    expect(run.stdout).toContain('share within True');
    expect(run.stdout).toContain('refused True');
  });
});
