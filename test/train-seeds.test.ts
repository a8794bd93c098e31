import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForestModel } from '../src/engine/model.js';
import { openModel } from '../src/model-repo/open.js';
import { selectTritonEngine, TritonServer } from '../src/triton/index.js';
import { testTriton } from './triton-home.js';

// scripts/train-gpm-model.py --seeds N: the model averages N seeds' forests, merged into one forest (every tree of
// each, leaves divided by N). The merged file must score what the N forests score on average (XGBoost's own
// margins, the oracle), and stay a plain XGBoost model that our engine reads and scores as XGBoost does.
// Real captures (bp on an H100, ab2 on an H200: both labels), Debian's XGBoost, and Triton's FIL backend (the CPU
// build in ../shared, or $TRITON_HOME) serving the merged file in abp-gpm-xgb's own model directory.
const ROOT = new URL('..', import.meta.url).pathname;
const PY = '/usr/bin/python3';
const xgb = spawnSync(PY, ['-c', 'import xgboost'], { encoding: 'utf8' }).status === 0;
if (!xgb) console.log('train-seeds: skipped, no python3-xgboost at /usr/bin/python3');
const T = testTriton();
const TRITON = T.hasLibrary && T.hasFil;
if (!TRITON) console.log(`train-seeds: Triton check skipped: ${T.missing.join('; ')}`);

const FILES = ['data/nvsmi-h100-gpm-bp.jsonlines.gz', 'data/nvsmi-h200-gpm-ab2.jsonlines.gz'];

// Trains three single-seed forests and the merged one through the trainer's own train(), then writes the merged
// model, the feature matrix and XGBoost's probabilities for it; prints the largest margin difference.
const SCRIPT = `
import importlib.util, sys
import numpy as np, xgboost as xgb
spec = importlib.util.spec_from_file_location("tg", "scripts/train-gpm-model.py")
tg = importlib.util.module_from_spec(spec); spec.loader.exec_module(tg)
folder, out = sys.argv[1], sys.argv[2]
columns, X, y, workloads, _ = tg.tm.load_features(folder)
_, _, usable = tg.working_samples(X, y, workloads, columns, tg.load_idle(folder))
singles = [tg.train(X[usable], y[usable], {**tg.PARAMS, "seed": s}, 30, seeds=1) for s in (0, 1, 2)]
merged = tg.train(X[usable], y[usable], tg.PARAMS, 30, seeds=3)
d = xgb.DMatrix(X, missing=np.nan)
mean = np.mean([b.predict(d, output_margin=True) for b in singles], axis=0)
merged.save_model(out + "/xgboost.json")
X.astype("<f4").tofile(out + "/X.f32")
merged.predict(d).astype("<f4").tofile(out + "/p.f32")
same = all(np.array_equal(singles[0].predict(d), b.predict(d)) for b in singles[1:])
print(len(merged.get_dump()), float(np.abs(merged.predict(d, output_margin=True) - mean).max()), X.shape[1], same)
`;

function sh(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(r.status, `${cmd} ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** The largest absolute difference between two equally long vectors. */
function maxDiff(a: Float32Array, b: Float32Array) {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function f32(path: string) {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe.skipIf(!xgb)('a model of several seeds merged into one forest', () => {
  let dir = '';
  let printed: string[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'abp-seeds-'));
    sh(process.execPath, ['--import', 'tsx', 'scripts/make-features.ts', '--input', FILES.join(','), '--columns',
      'scripts/gpm/columns.txt', '--derived', 'scripts/gpm/derived_fil.txt', '--out', join(dir, 'f')]);
    printed = sh(PY, ['-c', SCRIPT, join(dir, 'f'), dir]).trim().split(' ');
  }, 120_000);
  afterAll(async () => {
    await TritonServer.running()?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scores the mean of the seeds\' margins, with every seed\'s trees', () => {
    const [trees, diff, , same] = printed;
    expect(Number(trees)).toBe(90);
    expect(Number(diff)).toBeLessThan(1e-5);
    // The seeds differ (row and column sampling), or there would be nothing to average.
    expect(same).toBe('False');
  });

  it('is a plain XGBoost model that the engine scores as XGBoost does', async () => {
    const model = await ForestModel.fromFile(join(dir, 'xgboost.json'));
    const width = Number(printed[2]);
    expect(model.numFeature).toBe(width);
    const X = f32(join(dir, 'X.f32'));
    const want = f32(join(dir, 'p.f32'));
    const got = await model.predict(X, want.length);
    expect(want.length).toBeGreaterThan(300);
    expect(maxDiff(got, want)).toBeLessThan(1e-6);
  });

  it.skipIf(!TRITON)('is served by Triton\'s FIL as XGBoost scores it, in abp-gpm-xgb\'s model directory', async () => {
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'abp-gpm-xgb', '1'), { recursive: true });
    for (const f of ['config.pbtxt', 'columns_fil.txt', 'derived_fil.txt', 'labels.txt']) {
      copyFileSync(join(ROOT, 'models', 'abp-gpm-xgb', f), join(repo, 'abp-gpm-xgb', f));
    }
    copyFileSync(join(dir, 'xgboost.json'), join(repo, 'abp-gpm-xgb', '1', 'xgboost.json'));
    const m = await openModel('abp-gpm-xgb', { repository: repo, engineOptions: { device: 'cpu' } });
    const sel = await selectTritonEngine(m, { engine: 'triton', tritonHome: T.home });
    expect(sel.engine).toBe('triton');
    if (sel.engine !== 'triton') return;
    const X = f32(join(dir, 'X.f32'));
    const want = f32(join(dir, 'p.f32'));
    const got = await sel.forest.predict(X, want.length);
    expect(maxDiff(got, want)).toBeLessThan(1e-6);
    m.forest.dispose();
  }, 120_000);

  it('refuses a seed count out of range', () => {
    const r = spawnSync(PY, ['scripts/train-gpm-model.py', '--features', join(dir, 'f'), '--eval-only', '--seeds', '0'],
      { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--seeds must be 1 to 16, got 0/);
  });
});
