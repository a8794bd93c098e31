/**
 * The shipped model directory, its golden predictions and its model card agree
 * with each other and with the data. The golden file is re-derived here by an
 * independent walk of the XGBoost JSON trees over the pipeline's own feature
 * matrix, so a stale golden, a model retrained without regenerating it, or a
 * feature matrix that differs from the one XGBoost saw all fail.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readModelEntry } from '../src/model-repo/index.js';
import { featureMatrix } from '../src/stages/parse-value.js';

const REPO = path.resolve(import.meta.dirname, '..');
const MODEL_DIR = path.join(REPO, 'models/abp-nvsmi-xgb');
const DATA = path.join(REPO, 'data/nvsmi-h200-train.jsonlines.gz');
const GOLDEN = path.join(REPO, 'test/golden/nvsmi-h200-train.predictions.json');
const ODD = path.join(REPO, 'test/golden/nvsmi-h200-odd.jsonlines');
const ODD_GOLDEN = path.join(REPO, 'test/golden/nvsmi-h200-odd.predictions.json');

interface JsonTree {
  left_children: number[];
  right_children: number[];
  split_indices: number[];
  split_conditions: number[];
  default_left: (number | boolean)[];
  tree_param: { num_feature: string };
}

function loadModel() {
  const m = JSON.parse(fs.readFileSync(path.join(MODEL_DIR, '1/xgboost.json'), 'utf8'));
  const learner = m.learner;
  return {
    objective: learner.objective.name as string,
    baseScore: Number(learner.learner_model_param.base_score),
    numFeature: Number(learner.learner_model_param.num_feature),
    trees: learner.gradient_booster.model.trees as JsonTree[],
  };
}

function depth(t: JsonTree, node = 0): number {
  if (t.left_children[node] === -1) return 0;
  return 1 + Math.max(depth(t, t.left_children[node]), depth(t, t.right_children[node]));
}

/** XGBoost's rule: go left when x < threshold; a missing value follows default_left. */
function leafValue(t: JsonTree, row: Float32Array, base: number): number {
  let n = 0;
  while (t.left_children[n] !== -1) {
    const x = row[base + t.split_indices[n]];
    const left = Number.isNaN(x) ? Boolean(t.default_left[n]) : x < Math.fround(t.split_conditions[n]);
    n = left ? t.left_children[n] : t.right_children[n];
  }
  return Math.fround(t.split_conditions[n]);
}

function readRecords(file = DATA): Record<string, unknown>[] {
  const raw = fs.readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(raw) : raw)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('shipped model abp-nvsmi-xgb', () => {
  const entry = readModelEntry('abp-nvsmi-xgb', path.join(REPO, 'models'));
  const model = loadModel();
  const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8'));

  it('is a Triton FIL layout the repository reader accepts, with matching widths', () => {
    expect(entry.backend).toBe('fil');
    expect(entry.modelType).toBe('xgboost_json');
    expect(path.relative(MODEL_DIR, entry.modelFile)).toBe(path.join('1', 'xgboost.json'));
    expect(entry.outputClass).toBe(false);
    expect(entry.threshold).toBe(0.5);
    expect(entry.labels).toEqual(['mining']);
    expect(entry.columns).toHaveLength(entry.featureCount);
    expect(model.numFeature).toBe(entry.featureCount);
  });

  it('is small, shallow and binary:logistic', () => {
    expect(model.objective).toBe('binary:logistic');
    expect(model.trees.length).toBeGreaterThan(0);
    expect(model.trees.length).toBeLessThanOrEqual(100);
    for (const t of model.trees) expect(depth(t)).toBeLessThanOrEqual(6);
  });

  it('reads no identifiers, timestamps or per-machine constants', () => {
    const banned = /uuid|serial|hostname|timestamp|process|pid|pci_bus|bus_id|minor_number|total|limit|threshold|version|max_clocks|default_|applications_clocks|counters/;
    for (const c of entry.columns!) {
      expect(c.startsWith('nvidia_smi_log.gpu.')).toBe(true);
      expect(c).not.toMatch(banned);
    }
  });

  it.each([
    ['the training telemetry', DATA, GOLDEN],
    ['records with absent, N/A, null, bare-number and old-driver fields', ODD, ODD_GOLDEN],
  ])('golden predictions for %s are what the shipped trees give on the pipeline feature matrix', (_what, input, goldenFile) => {
    const golden = JSON.parse(fs.readFileSync(goldenFile, 'utf8'));
    const records = readRecords(input);
    expect(golden.model).toBe('abp-nvsmi-xgb');
    expect(golden.columns).toEqual(entry.columns);
    expect(golden.rows).toBe(records.length);
    expect(golden.probabilities).toHaveLength(records.length);
    expect(golden.threshold).toBe(entry.threshold);

    const cols: string[] = entry.columns!;
    const X = featureMatrix(records, cols, 'first-number');
    const baseMargin = Math.log(model.baseScore / (1 - model.baseScore));
    let maxDiff = 0;
    for (let r = 0; r < records.length; r++) {
      let margin = baseMargin;
      for (const t of model.trees) margin += leafValue(t, X, r * cols.length);
      const p = 1 / (1 + Math.exp(-margin));
      maxDiff = Math.max(maxDiff, Math.abs(p - golden.probabilities[r]));
      expect(golden.mining[r]).toBe(golden.probabilities[r] > golden.threshold);
      // float32 accumulation in XGBoost vs float64 here: the flag can only differ at the threshold itself.
      if (Math.abs(p - golden.threshold) > 1e-5) expect(p > golden.threshold).toBe(golden.mining[r]);
    }
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('flags the training data the way its labels say (the final model saw these workloads)', () => {
    const records = readRecords();
    let wrong = 0;
    for (let r = 0; r < records.length; r++) {
      if (golden.mining[r] !== (records[r].label === 1)) wrong++;
    }
    // Not a generalisation measure (see the model card's leave-one-workload-out table), a sanity floor.
    expect(wrong / records.length).toBeLessThan(0.02);
  });

  it('model card and metrics.json report the same leave-one-workload-out numbers', () => {
    const metrics = JSON.parse(fs.readFileSync(path.join(MODEL_DIR, 'metrics.json'), 'utf8'));
    const card = fs.readFileSync(path.join(MODEL_DIR, 'README.md'), 'utf8');
    expect(metrics.columns).toEqual(entry.columns);
    expect(metrics.trees).toBe(model.trees.length);
    for (const [name, s] of Object.entries<{ n: number; false_positives: number; false_negatives: number }>(metrics.lowo)) {
      const row = new RegExp(`\\| \`${name}\` \\| ${s.n} \\| \\d+ \\| [0-9.]+ \\| ${s.false_positives} \\| ${s.false_negatives} \\|`);
      expect(card).toMatch(row);
    }
    const workloads = new Set(readRecords().map((r) => String(r.workload).split('/')[0]));
    workloads.delete('startup');
    expect(new Set(Object.keys(metrics.lowo))).toEqual(workloads);
  });
});

describe('the model card points at files the package has', () => {
  it('no path of a development machine; every relative link resolves', () => {
    const card = fs.readFileSync(path.join(MODEL_DIR, 'README.md'), 'utf8');
    expect(card).not.toMatch(/\/work\/|\/home\/|\/root\//);
    const links = [...card.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
    expect(links).toContain('../../data/README.md');
    for (const l of links) expect(fs.existsSync(path.join(MODEL_DIR, l)), l).toBe(true);
  });
});
