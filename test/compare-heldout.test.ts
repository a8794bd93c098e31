import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// scripts/train-gpm-model.py --eval-only keeps its held-out probabilities as eval-logo.f32 (never as logo.f32,
// which the episode replay reads from a full run), and scripts/gpm/compare-heldout.py matches two runs' verdicts
// sample for sample: the model card's "the fall is not an artifact of the kinds just added" rests on it. Real
// captures on three GPUs (bp on an H100, ab2 on an H200: both labels; bs on another H100: benign only), trained
// by Debian's XGBoost, the project's trainer.
const ROOT = new URL('..', import.meta.url).pathname;
const PY = '/usr/bin/python3';
const xgb = spawnSync(PY, ['-c', 'import xgboost'], { encoding: 'utf8' }).status === 0;
if (!xgb) console.log('compare-heldout: skipped, no python3-xgboost at /usr/bin/python3');

const A = ['data/nvsmi-h100-gpm-bp.jsonlines.gz', 'data/nvsmi-h200-gpm-ab2.jsonlines.gz'];
const B = [...A, 'data/nvsmi-h100-gpm-bs.jsonlines.gz'];

function sh(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(r.status, `${cmd} ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

function features(files: string[], out: string) {
  sh(process.execPath, ['--import', 'tsx', 'scripts/make-features.ts', '--input', files.join(','), '--columns',
    'scripts/gpm/columns.txt', '--derived', 'scripts/gpm/derived_fil.txt', '--out', out]);
  // An earlier run's file that this run does not compute (LOFO) must not survive to be read as this run's.
  writeFileSync(join(out, 'eval-lofo.f32'), Buffer.alloc(8));
  sh(PY, ['scripts/train-gpm-model.py', '--features', out, '--model-dir', join(out, 'model'), '--eval-only', '--only', 'logo']);
}

/** What compare-heldout.py should count, from the folders' own files: the trainer's usable rows. */
function load(dir: string) {
  const rows = JSON.parse(readFileSync(join(dir, 'rows.json'), 'utf8')) as { source: string; t: number }[];
  const wl = JSON.parse(readFileSync(join(dir, 'workloads.json'), 'utf8')) as string[];
  const idle = readFileSync(join(dir, 'idle.u8'));
  const y = readFileSync(join(dir, 'y.u8'));
  const b = readFileSync(join(dir, 'eval-logo.f32'));
  const p = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  expect(p.length).toBe(rows.length);
  const m = new Map<string, { w: string; y: number; idle: boolean; p: number }>();
  rows.forEach((r, i) => m.set(`${r.source}|${r.t}`, { w: wl[i], y: y[i], idle: idle[i] === 1, p: p[i] }));
  return m;
}

function table(out: string) {
  const groups = new Map<string, number[]>();
  for (const line of out.split('\n')) {
    const m = /^\| ([a-z][^|]*?) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \|$/.exec(line);
    if (m && m[1] !== 'group') groups.set(m[1], [m[2], m[3], m[4]].map((s) => Number(s.replaceAll(',', ''))));
  }
  return groups;
}

/** The by-chip table: chip -> [benign, flagged before, after, hashing, missed before, after]. */
function chips(out: string) {
  const m = new Map<string, number[]>();
  for (const line of out.split('\n')) {
    const r = /^\| (H100s|H200s|shared recording) \|((?: [\d,]+ \|){6})$/.exec(line);
    if (r) m.set(r[1], r[2].split('|').map((s) => s.trim()).filter(Boolean).map((s) => Number(s.replaceAll(',', ''))));
  }
  return m;
}

describe.skipIf(!xgb)('held-out verdicts of two trainings, matched sample for sample', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'abp-heldout-'));
    features(A, join(dir, 'a'));
    features(B, join(dir, 'b'));
  }, 120_000);
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('--eval-only keeps the held-out probabilities apart from a full run\'s, and none of an earlier run', () => {
    for (const d of ['a', 'b']) {
      expect(existsSync(join(dir, d, 'eval-logo.f32'))).toBe(true);
      expect(existsSync(join(dir, d, 'logo.f32'))).toBe(false);
      expect(existsSync(join(dir, d, 'lofo.f32'))).toBe(false);
      expect(existsSync(join(dir, d, 'eval-lofo.f32'))).toBe(false);
    }
  });

  it('counts what each run got wrong on the samples both hold, grouped as the card quotes them', () => {
    const out = sh(PY, ['scripts/gpm/compare-heldout.py', join(dir, 'a'), join(dir, 'b'), '--kinds', B[2]]);
    const groups = table(out);
    const before = load(join(dir, 'a'));
    const after = load(join(dir, 'b'));
    let n = 0; let wrongBefore = 0; let wrongAfter = 0; let hashing = 0;
    // By chip, from the file names: bp is an H100's, ab2 an H200's.
    const want = new Map<string, number[]>();
    for (const [key, r] of before) {
      if (r.w === 'startup' || (r.idle && r.y === 1)) continue;
      const a = after.get(key);
      expect(a, key).toBeDefined();
      expect(a!.w).toBe(r.w);
      n++;
      hashing += r.y;
      // Mining is probability > 0.5 (abp watch's rule).
      const wb = Number(r.y === 1 ? r.p <= 0.5 : r.p > 0.5);
      const wa = Number(r.y === 1 ? a!.p <= 0.5 : a!.p > 0.5);
      wrongBefore += wb;
      wrongAfter += wa;
      const chip = key.includes('nvsmi-h100-') ? 'H100s' : 'H200s';
      const c = want.get(chip) ?? [0, 0, 0, 0, 0, 0];
      c[3 * r.y] += 1; c[3 * r.y + 1] += wb; c[3 * r.y + 2] += wa;
      want.set(chip, c);
    }
    expect(chips(out)).toEqual(want);
    expect(want.size).toBe(2);
    const sum = (i: number) => [...groups.values()].reduce((s, g) => s + g[i], 0);
    expect(n).toBeGreaterThan(300);
    expect(sum(0)).toBe(n);
    expect(sum(1)).toBe(wrongBefore);
    expect(sum(2)).toBe(wrongAfter);
    expect((groups.get('hashing alone')?.[0] ?? 0) + (groups.get('hashing beside a benign job')?.[0] ?? 0)).toBe(hashing);
    // A third GPU's benign work in training moves some verdicts of the first two.
    expect(wrongAfter).not.toBe(wrongBefore);
  }, 60_000);

  it('finds nothing moved when a run is compared with itself', () => {
    const out = sh(PY, ['scripts/gpm/compare-heldout.py', join(dir, 'a'), join(dir, 'a')]);
    for (const [g, [, b, a]] of table(out)) expect(a, g).toBe(b);
    expect(out).not.toMatch(/^  .* -> /m);
  }, 60_000);
});
