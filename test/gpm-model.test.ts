/**
 * The GPM model end to end: derived features computed by the serving code
 * match the matrix XGBoost was given (golden predictions made by XGBoost
 * 1.7.4 itself, scripts/make-golden.py), and the model is chosen
 * automatically for records that carry GPM values, the classic one for the
 * rest, by the CLI, classify() and abp watch.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Detector, classify } from '../src/pipeline/detector.js';
import { openModelClassifier } from '../src/collect/model-classifier.js';
import { withGpm } from '../src/collect/gpm/keys.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const ENTRY = path.join(ROOT, 'src/cli/main.ts');
const GPM_FILES = ['data/nvsmi-h200-gpm-a.jsonlines.gz', 'data/nvsmi-h200-gpm-b.jsonlines.gz'].map((f) => path.join(ROOT, f));
const CLASSIC = path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const golden = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/golden/nvsmi-h200-gpm.predictions.json'), 'utf8')) as {
  model: string;
  rows: number;
  probabilities: number[];
  mining: boolean[];
};

const read = (f: string) =>
  gunzipSync(fs.readFileSync(f))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const gpmRecords = GPM_FILES.flatMap(read);

function abp(args: string[], input?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, encoding: 'utf8', input, timeout: 120_000 });
}

describe('abp-gpm-xgb', () => {
  it('scores the captures exactly as XGBoost does (derived features included)', async () => {
    expect(golden.model).toBe('abp-gpm-xgb');
    expect(gpmRecords).toHaveLength(golden.rows);
    const d = await Detector.open({ modelName: 'abp-gpm-xgb', scores: true });
    try {
      const out = await d.classify(gpmRecords);
      const p = out.map((r) => r.mining as number);
      let differ = 0;
      p.forEach((v, i) => {
        if (Math.fround(v) !== Math.fround(golden.probabilities[i])) differ++;
      });
      expect(differ).toBe(0);
    } finally {
      d.dispose();
    }
  });

  it('classify() picks the GPM model for GPM records and the classic one otherwise', async () => {
    const logs: string[] = [];
    const logger = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m) };
    const out = await classify(gpmRecords, { logger });
    expect(out.map((r) => r.mining)).toEqual(golden.mining);
    expect(logs.join('\n')).toMatch(/model: abp-gpm-xgb \(\d+ of the first 64 record\(s\) carry GPM values\)/);
    // The same records with GPM turned off (keys null) go to the classic model.
    const noGpm = gpmRecords.slice(0, 100).map((r) => withGpm(r as never, null));
    logs.length = 0;
    await classify(noGpm, { logger });
    expect(logs.join('\n')).toMatch(/model: abp-nvsmi-xgb \(no GPM values in the first 64 record\(s\)\)/);
  });

  it('abp detect chooses by the input (plain, gzip, stdin) and says why; --model_name wins', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-gpm-'));
    try {
      const out = path.join(dir, 'out.jsonlines');
      const r = abp(['detect', GPM_FILES[0], out]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/model: abp-gpm-xgb \(/);
      const rows = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(rows.map((x) => x.mining)).toEqual(golden.mining.slice(0, rows.length));
      const c = abp(['detect', CLASSIC, path.join(dir, 'c.jsonlines')]);
      expect(c.stderr).toMatch(/model: abp-nvsmi-xgb \(no GPM values in the first 64 record/);
      const named = abp(['detect', GPM_FILES[0], path.join(dir, 'n.jsonlines'), '--model_name', 'abp-nvsmi-xgb']);
      expect(named.status).toBe(0);
      expect(named.stderr).not.toMatch(/model: abp-gpm-xgb/);
      // Through the Morpheus-style pipeline, from stdin: every line still read once.
      const text = gunzipSync(fs.readFileSync(GPM_FILES[1])).toString('utf8');
      const s = abp(['run', 'pipeline-fil', 'from-file', '--filename=-', 'deserialize', 'preprocess', 'inf-fil', 'add-class', 'serialize', 'to-file', `--filename=${path.join(dir, 's.jsonlines')}`], text);
      expect(s.status, s.stderr).toBe(0);
      expect(s.stderr).toMatch(/model: abp-gpm-xgb \(/);
      const srows = fs.readFileSync(path.join(dir, 's.jsonlines'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(srows).toHaveLength(text.trim().split('\n').length);
      expect(srows.map((x) => x.mining)).toEqual(golden.mining.slice(golden.rows - srows.length));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('abp watch routes each GPU by its records: GPM model with GPM values, classic without', async () => {
    const choices: string[] = [];
    const c = await openModelClassifier(undefined, { onChoice: (gpu, model) => choices.push(`${gpu} ${model}`) });
    try {
      const a = gpmRecords.find((r) => typeof r['nvidia_smi_log.gpu.gpm.sm_activity'] === 'string')!;
      const b = { ...withGpm(a as never, null), 'nvidia_smi_log.gpu.uuid': 'GPU-other' };
      const p = await c.probabilities([a as never, b]);
      const i = gpmRecords.indexOf(a);
      expect(Math.fround(p[0])).toBe(Math.fround(golden.probabilities[i]));
      expect(choices).toEqual([`${a['nvidia_smi_log.gpu.uuid']} abp-gpm-xgb`, 'GPU-other abp-nvsmi-xgb']);
    } finally {
      c.dispose();
    }
  });
});
