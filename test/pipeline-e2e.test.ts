/**
 * End to end on the real telemetry (data/nvsmi-h200-train.jsonlines.gz and
 * ../shared/data): through the CLI as a user types it and through the library.
 * The output must hold exactly the input rows, in order, with every input
 * column, and `mining` must equal XGBoost's own prediction (golden files made
 * by scripts with Debian's xgboost).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Detector, classify, firstNumber } from '../src/index.js';
import { abp } from './pipeline-helpers.js';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const SHARED = path.resolve(ROOT, '../shared/data/nvsmi-h200-train.jsonlines.gz');
const REPO = path.join(ROOT, 'test/pipeline-data/models');
const DEV_GOLDEN = path.join(ROOT, 'test/pipeline-data/dev-xgb.predictions.json');
const SHIPPED_GOLDEN = path.join(ROOT, 'test/golden/nvsmi-h200-train.predictions.json');

function inputRecords(file = DATA): Record<string, unknown>[] {
  return gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

function readLines(file: string): Record<string, unknown>[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'abp-e2e-'));
}

/** Output record i must be input record i with features parsed and `mining` appended. */
function checkRows(input: Record<string, unknown>[], output: Record<string, unknown>[], columns: string[], golden: number[], threshold = 0.5) {
  expect(output.length).toBe(input.length);
  const feat = new Set(columns);
  let flagged = 0;
  for (let i = 0; i < input.length; i++) {
    const a = input[i];
    const b = output[i];
    expect(Object.keys(b)).toEqual([...Object.keys(a), 'mining']);
    for (const k of Object.keys(a)) {
      if (feat.has(k) && typeof a[k] === 'string') {
        const v = firstNumber(a[k] as string);
        expect(b[k]).toBe(Number.isNaN(v) ? null : v);
      } else {
        expect(b[k]).toEqual(a[k]);
      }
    }
    expect(b.mining).toBe(golden[i] > threshold);
    if (b.mining) flagged++;
  }
  return flagged;
}

const devColumns = fs.readFileSync(path.join(REPO, 'dev-xgb/columns_fil.txt'), 'utf8').split('\n').filter(Boolean);
const devGolden = JSON.parse(fs.readFileSync(DEV_GOLDEN, 'utf8')) as number[];

describe('CLI, Morpheus syntax, real telemetry', () => {
  it('abp run pipeline-fil ... inf-triton ... to-file: every row, in order, mining = XGBoost', async () => {
    const dir = tmpdir();
    const out = path.join(dir, 'output.jsonlines');
    const r = await abp([
      'run', '--num_threads=2', '--pipeline_batch_size=256', '--model_max_batch_size=100',
      'pipeline-fil',
      'from-file', `--filename=${DATA}`, 'deserialize', 'preprocess',
      'inf-triton', '--model_name=dev-xgb', `--model_repository=${REPO}`, '--server_url=triton:8001', '--force_convert_inputs=True',
      'monitor', '--description', 'Inference Rate', '--smoothing=0.001', '--unit', 'inf',
      'add-class', 'serialize', 'to-file', `--filename=${out}`, '--overwrite',
    ]);
    expect(r.stderr).toMatch(/inf-triton: Triton Inference Server is not available here/);
    expect(r.code).toBe(0);
    const flagged = checkRows(inputRecords(), readLines(out), devColumns, devGolden);
    expect(flagged).toBe(devGolden.filter((p) => p > 0.5).length);
    expect(r.stderr).toMatch(/Inference Rate .*1,020 inf/);
  });

  it('the same through every model file format (JSON, UBJSON, legacy binary)', async () => {
    for (const name of ['dev-xgb-ubj', 'dev-xgb-bin']) {
      const d = await Detector.open({ modelName: name, modelRepository: REPO });
      try {
        const out = await d.classify(inputRecords());
        checkRows(inputRecords(), out, devColumns, devGolden);
      } finally {
        d.dispose();
      }
    }
  });

  it('abp detect IN OUT prints the summary per GPU and host', async () => {
    const dir = tmpdir();
    const out = path.join(dir, 'out.jsonlines.gz');
    const r = await abp(['detect', DATA, out, '--model_name=dev-xgb', `--model_repository=${REPO}`]);
    expect(r.code).toBe(0);
    const flagged = devGolden.filter((p) => p > 0.5).length;
    expect(r.stdout).toContain('rows read:    1020');
    expect(r.stdout).toContain(`rows flagged: ${flagged} (mining)`);
    expect(r.stdout).toMatch(new RegExp(`GPU-8caf8210-5aea-c543-c8df-e0160da9557f  ${flagged}`));
    expect(r.stdout).toMatch(new RegExp(`\\n  vm  ${flagged}`));
    const rows = gunzipSync(fs.readFileSync(out)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    checkRows(inputRecords(), rows, devColumns, devGolden);
  });

  it('stdin to stdout', async () => {
    const text = gunzipSync(fs.readFileSync(SHARED)).toString('utf8');
    const r = await abp(['run', 'pipeline-fil', 'from-file', '--filename=-', 'deserialize', 'preprocess', 'inf-fil', '--model_name=dev-xgb', `--model_repository=${REPO}`, 'add-class', 'serialize', 'to-file', '--filename=-'], { input: text });
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    checkRows(inputRecords(SHARED), rows, devColumns, devGolden);
  });
});

describe('library, real telemetry', () => {
  it('classify(records) = the CLI semantics', async () => {
    const input = inputRecords(SHARED);
    const out = await classify(input, { modelName: 'dev-xgb', modelRepository: REPO });
    checkRows(input, out, devColumns, devGolden);
  });

  it('--threshold overrides the model threshold (strictly greater)', async () => {
    const input = inputRecords();
    const t = devGolden[devGolden.findIndex((p) => p > 0.05 && p < 0.95)] ?? 0.5;
    const out = await classify(input, { modelName: 'dev-xgb', modelRepository: REPO, threshold: t });
    out.forEach((o, i) => expect(o.mining).toBe(devGolden[i] > t));
  });
});

describe.runIf(fs.existsSync(path.join(ROOT, 'models/abp-nvsmi-xgb/config.pbtxt')))('the shipped model', () => {
  it('abp detect on the bundled data matches XGBoost (test/golden)', async () => {
    const golden = JSON.parse(fs.readFileSync(SHIPPED_GOLDEN, 'utf8'));
    const probs: number[] = Array.isArray(golden) ? golden : (golden.predictions ?? golden.probabilities);
    const columns = fs.readFileSync(path.join(ROOT, 'models/abp-nvsmi-xgb/columns_fil.txt'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
    const dir = tmpdir();
    const out = path.join(dir, 'out.jsonlines');
    const r = await abp(['detect', 'data/nvsmi-h200-train.jsonlines.gz', out]);
    expect(r.code).toBe(0);
    checkRows(inputRecords(), readLines(out), columns, probs);
  });

  it('damaged records (absent, N/A, null, bare numbers, old field names) match XGBoost (test/golden odd)', async () => {
    const golden = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/golden/nvsmi-h200-odd.predictions.json'), 'utf8')) as {
      probabilities: number[];
      columns: string[];
      input: string;
    };
    const dir = tmpdir();
    const out = path.join(dir, 'odd-out.jsonlines');
    const r = await abp(['detect', golden.input, out]);
    expect(r.code).toBe(0);
    const input = readLines(path.join(ROOT, golden.input));
    expect(checkRows(input, readLines(out), golden.columns, golden.probabilities)).toBe(golden.probabilities.filter((p) => p > 0.5).length);
    // The probabilities themselves, through the library: XGBoost's float32 outputs exactly.
    const d = await Detector.open({ scores: true });
    try {
      const scored = await d.classify(input);
      scored.forEach((rec, i) => expect(rec.mining).toBe(Math.fround(golden.probabilities[i])));
    } finally {
      d.dispose();
    }
  });
});
