/**
 * Numeric options are bounded and checked before anything runs, as usage
 * errors (exit 2): issue 10 item 4. Spawns the real CLI on the real telemetry.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { abp } from './pipeline-helpers.js';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const REPO = path.join(ROOT, 'test/pipeline-data/models');
const GOLDEN = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/pipeline-data/dev-xgb.predictions.json'), 'utf8')) as number[];

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'abp-cli-limits-'));
}

describe('numeric options are checked before anything runs (exit 2)', () => {
  const cases: Array<[string, RegExp]> = [
    ['--pipeline_batch_size=100000000', /pipeline_batch_size must be an integer from 1 to 1,048,576, got 100000000/],
    ['--pipeline_batch_size=1e9', /pipeline_batch_size must be an integer/],
    ['--pipeline_batch_size=0', /pipeline_batch_size must be an integer/],
    ['--pipeline_batch_size=2.5', /pipeline_batch_size must be an integer/],
    ['--model_max_batch_size=0', /model_max_batch_size must be an integer/],
    ['--num_threads=-1', /num_threads must be an integer from 0/],
    ['--threshold=NaN', /threshold \(add-class\) must be a probability from 0 to 1, got NaN/],
    ['--threshold=2', /must be a probability from 0 to 1, got 2/],
    ['--threshold=-0.1', /must be a probability from 0 to 1/],
  ];
  it.each(cases)('detect %s', async (opt, msg) => {
    const out = path.join(tmpdir(), 'o.jsonlines');
    const r = await abp(['detect', DATA, out, opt]);
    expect(r.stderr).toMatch(msg);
    expect(r.code).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('run: the same bounds, on run options and stage options', async () => {
    const base = ['pipeline-fil', 'from-file', `--filename=${DATA}`, 'deserialize', 'preprocess', 'inf-fil', 'add-class'];
    let r = await abp(['run', '--pipeline_batch_size=100000000', ...base, 'serialize']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pipeline_batch_size must be an integer/);
    r = await abp(['run', ...base, '--threshold=1.5', 'serialize']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/must be a probability from 0 to 1, got 1.5/);
  });

  it('0 and 1 are valid thresholds: everything with a probability above 0, and nothing', async () => {
    const one = await abp(['detect', DATA, '--json', '--threshold=1', '--model-name=dev-xgb', `--model-repository=${REPO}`]);
    expect(one.code).toBe(0);
    expect((JSON.parse(one.stdout) as { flagged: number }).flagged).toBe(0);
    const zero = await abp(['detect', DATA, '--json', '--threshold=0', '--model-name=dev-xgb', `--model-repository=${REPO}`]);
    expect(zero.code).toBe(0);
    expect((JSON.parse(zero.stdout) as { flagged: number }).flagged).toBe(GOLDEN.filter((p) => p > 0).length);
  });
});

describe('collect and watch numbers', () => {
  it('--max-errors must be a positive integer (NaN retried forever before)', async () => {
    const out = path.join(tmpdir(), 'c.jsonl');
    const c = await abp(['collect', '--count=2', '--on-error=skip', '--max-errors=abc', '--gpm=off', '--nvidia-smi', '/bin/false', '-o', out]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/max-errors must be a positive integer, got NaN/);
    expect(fs.existsSync(out)).toBe(false);
    const w = await abp(['watch', '--count=2', '--max_errors=0', '--gpm=off', '--nvidia-smi', '/bin/false']);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/max-errors must be a positive integer, got 0/);
  });
});
