// Parity of the CPU engine with XGBoost 1.7.4's own predictions on the golden
// fixtures (test/fixtures, made by scripts/make-fixtures.py): every model in
// every format, margins and transformed outputs, several thread counts.
import { describe, expect, it } from 'vitest';
import { ForestModel } from '../src/engine/model.js';
import { loadManifest, modelFile, readF32, type FixtureFormat } from './fixtures.js';

const manifest = loadManifest();
const FORMATS: FixtureFormat[] = ['binary', 'json', 'ubjson'];

/** Index of the first element that differs bit for bit, or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('CPU engine matches XGBoost 1.7.4 bit for bit', () => {
  it('has fixtures to test', () => {
    expect(manifest.xgboostVersion).toBe('1.7.4');
    expect(manifest.models.length).toBeGreaterThanOrEqual(5);
  });

  for (const fx of manifest.models) {
    describe(fx.name, () => {
      const input = readF32(fx.input);
      const expected = readF32(fx.expected);
      const margin = readF32(fx.margin);

      for (const format of FORMATS) {
        it(`${format}: info, margins and outputs`, async () => {
          const model = await ForestModel.fromFile(modelFile(fx, format), { format });
          try {
            expect(model.info).toMatchObject({
              objective: fx.objective,
              numFeature: fx.numFeature,
              numGroup: fx.numGroup,
              numOutput: fx.expectedCols,
              numTrees: fx.numTrees,
              maxDepth: fx.maxDepth,
              format,
            });
            expect(Math.fround(model.info.baseScore)).toBe(fx.baseScore);
            expect(input.length).toBe(fx.rows * fx.numFeature);

            const m = await model.predict(input, fx.rows, { margin: true });
            expect(m.length).toBe(fx.rows * fx.numGroup);
            expect(maxAbsDiff(m, margin)).toBeLessThanOrEqual(1e-6);
            expect(firstBitDifference(m, margin)).toBe(-1);

            const out = await model.predict(input, fx.rows);
            expect(out.length).toBe(fx.rows * fx.expectedCols);
            expect(maxAbsDiff(out, expected)).toBeLessThanOrEqual(1e-6);
            expect(firstBitDifference(out, expected)).toBe(-1);
          } finally {
            model.dispose();
          }
        });
      }

      it('auto-detects every format from the content alone', async () => {
        for (const format of FORMATS) {
          const model = await ForestModel.fromFile(modelFile(fx, format));
          expect(model.info.format).toBe(format);
          model.dispose();
        }
      });

      it('gives the same bits with 1, 2 and all threads, both layouts, and in row slices', async () => {
        const model = await ForestModel.fromFile(modelFile(fx, 'binary'));
        const one = await model.predict(input, fx.rows, { threads: 1 });
        const two = await model.predict(input, fx.rows, { threads: 2 });
        const all = await model.predict(input, fx.rows, { threads: 0 });
        const flat = await model.predict(input, fx.rows, { layout: 'flat' });
        const flatMargin = await model.predict(input, fx.rows, { layout: 'flat', margin: true, threads: 1 });
        expect(firstBitDifference(one, two)).toBe(-1);
        expect(firstBitDifference(one, all)).toBe(-1);
        // The pointer-walk layout (used for deep trees) gives the same bits.
        expect(firstBitDifference(flat, expected)).toBe(-1);
        expect(firstBitDifference(flatMargin, margin)).toBe(-1);
        // Rows are independent: predicting an odd-sized tail gives the same bits.
        const from = 37;
        const tail = await model.predict(input.subarray(from * fx.numFeature), fx.rows - from);
        expect(firstBitDifference(tail, one.subarray(from * fx.expectedCols))).toBe(-1);
        model.dispose();
      });
    });
  }
});
