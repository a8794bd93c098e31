// Sanity of the golden XGBoost fixtures themselves: every engine parity test trusts them.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR, fixturePath, loadManifest, modelFile, readBytes, readF32 } from './fixtures.js';

const manifest = loadManifest();

describe('fixture manifest', () => {
  it('was made by XGBoost 1.7.4 and covers every objective the engine supports', () => {
    expect(manifest.xgboostVersion).toBe('1.7.4');
    const objectives = new Set(manifest.models.map((m) => m.objective));
    for (const o of ['binary:logistic', 'reg:logistic', 'reg:squarederror', 'multi:softprob', 'multi:softmax', 'binary:logitraw']) {
      expect(objectives.has(o), o).toBe(true);
    }
    expect(new Set(manifest.models.map((m) => m.name)).size).toBe(manifest.models.length);
  });

  it('keeps the committed fixtures under 12 MB', () => {
    let total = 0;
    for (const f of readdirSync(FIXTURES_DIR)) {
      const s = statSync(fixturePath(f));
      if (s.isFile()) total += s.size;
    }
    expect(total).toBeLessThan(12e6);
  });
});

describe.each(manifest.models.map((m) => [m.name, m] as const))('fixture %s', (_name, m) => {
  it('has all three model formats with the right leading bytes', () => {
    for (const file of Object.values(m.files)) expect(existsSync(fixturePath(file)), file).toBe(true);
    expect(readBytes(m.files.binary).subarray(0, 4).toString('latin1')).toBe('binf');
    expect(readBytes(m.files.json).subarray(0, 11).toString('latin1')).toBe('{"learner":');
    // UBJSON object, then key "learner" with an int64 length prefix
    const ubj = readBytes(m.files.ubjson);
    expect(ubj[0]).toBe(0x7b);
    expect(ubj[1]).toBe(0x4c);
    expect(ubj.subarray(10, 17).toString('latin1')).toBe('learner');
    expect(existsSync(modelFile(m, 'binary'))).toBe(true);
  });

  it('has arrays sized rows x features / rows x groups', () => {
    const x = readF32(m.input);
    const expected = readF32(m.expected);
    const margin = readF32(m.margin);
    expect(x.length).toBe(m.rows * m.numFeature);
    expect(margin.length).toBe(m.rows * m.numGroup);
    expect(m.expectedCols).toBe(m.objective === 'multi:softmax' ? 1 : m.numGroup);
    expect(expected.length).toBe(m.rows * m.expectedCols);
    expect(margin.every(Number.isFinite)).toBe(true);
    expect(expected.every(Number.isFinite)).toBe(true);
    // the inputs exercise missing values, and the JSON model agrees on base_score
    expect(x.some(Number.isNaN)).toBe(true);
    expect(Math.fround(Number(m.baseScoreJson))).toBe(m.baseScore);
    expect(m.boundaryRows).toBeGreaterThan(0);
  });

  it('has predictions consistent with the margins for its objective', () => {
    const expected = readF32(m.expected);
    const margin = readF32(m.margin);
    const g = m.numGroup;
    for (let r = 0; r < m.rows; r++) {
      if (m.objective === 'binary:logistic' || m.objective === 'reg:logistic') {
        expect(expected[r]).toBeCloseTo(1 / (1 + Math.exp(-margin[r])), 6);
      } else if (m.objective === 'multi:softprob') {
        let max = -Infinity;
        for (let k = 0; k < g; k++) max = Math.max(max, margin[r * g + k]);
        let sum = 0;
        for (let k = 0; k < g; k++) sum += Math.exp(margin[r * g + k] - max);
        for (let k = 0; k < g; k++) expect(expected[r * g + k]).toBeCloseTo(Math.exp(margin[r * g + k] - max) / sum, 6);
      } else if (m.objective === 'multi:softmax') {
        let best = 0;
        for (let k = 1; k < g; k++) if (margin[r * g + k] > margin[r * g + best]) best = k;
        expect(expected[r]).toBe(best);
      } else {
        expect(expected[r]).toBe(margin[r]);
      }
    }
  });
});
