// The ForestModel / addon contract: argument checks, shapes, concurrency,
// dispose while predicting, and errors that name the model file.
import { describe, expect, it } from 'vitest';
import { ForestModel } from '../src/engine/model.js';
import { AbpError, ModelError, UsageError } from '../src/errors.js';
import { addon } from '../src/native/addon.js';
import { readFileSync } from 'node:fs';
import { getFixture, modelFile, readF32 } from './fixtures.js';

const fx = getFixture('multi_softprob');
const input = readF32(fx.input);
const expected = readF32(fx.expected);
const path = modelFile(fx, 'ubjson');

async function rejectionOf(p: Promise<unknown>): Promise<AbpError> {
  try {
    await p;
  } catch (err) {
    return err as AbpError;
  }
  throw new Error('expected a rejection');
}

describe('ForestModel', () => {
  it('loads from a file and from bytes, auto-detecting the format', async () => {
    const a = await ForestModel.fromFile(path);
    expect(a.name).toBe(path);
    expect(a.info.format).toBe('ubjson');
    expect(a.numFeature).toBe(fx.numFeature);
    expect(a.outputsPerRow()).toBe(fx.numGroup);
    const out = await a.predict(input);
    expect(out).toEqual(expected);
    a.dispose();
  });

  it('reads legacy binary models without the "binf" header (XGBoost < 1.0 writers)', async () => {
    const bin = readFileSync(modelFile(fx, 'binary'));
    expect(bin.subarray(0, 4).toString('latin1')).toBe('binf');
    for (const format of ['auto', 'binary'] as const) {
      const m = await ForestModel.fromBytes(bin.subarray(4), { format, name: 'headerless.model' });
      expect(m.info.format).toBe('binary');
      expect(await m.predict(input)).toEqual(expected);
      m.dispose();
    }
  });

  it('names the file when it cannot be read or parsed', async () => {
    const missing = await rejectionOf(ForestModel.fromFile('/nonexistent/abp-nvsmi-xgb.model'));
    expect(missing).toBeInstanceOf(ModelError);
    expect(missing.code).toBe('ABP_MODEL_READ');
    expect(missing.message).toContain('/nonexistent/abp-nvsmi-xgb.model');
    const wrong = await rejectionOf(ForestModel.fromFile(path, { format: 'json' }));
    expect(wrong.code).toBe('ABP_MODEL_FORMAT');
    expect(wrong.message).toContain(path);
    const badFormat = await rejectionOf(ForestModel.fromFile(path, { format: 'xml' as never }));
    expect(badFormat).toBeInstanceOf(UsageError);
    expect(badFormat.code).toBe('ABP_BAD_ARGUMENT');
  });

  it('checks the input shape and arguments', async () => {
    const m = await ForestModel.fromFile(path);
    const short = await rejectionOf(m.predict(input.subarray(1)));
    expect(short.code).toBe('ABP_INPUT_SHAPE');
    expect(short.message).toContain(path);
    const wrongRows = await rejectionOf(m.predict(input, fx.rows + 1));
    expect(wrongRows.code).toBe('ABP_INPUT_SHAPE');
    expect(wrongRows).toBeInstanceOf(UsageError);
    expect((await rejectionOf(m.predict(input, -1))).code).toBe('ABP_BAD_ARGUMENT');
    expect((await rejectionOf(m.predict(input, 1.5))).code).toBe('ABP_BAD_ARGUMENT');
    expect((await rejectionOf(m.predict(input, fx.rows, { threads: -2 }))).code).toBe('ABP_BAD_ARGUMENT');
    expect((await rejectionOf(m.predict(new Float64Array(input) as never, fx.rows))).code).toBe('ABP_BAD_ARGUMENT');
    const empty = await m.predict(new Float32Array(0), 0);
    expect(empty).toBeInstanceOf(Float32Array);
    expect(empty.length).toBe(0);
    m.dispose();
  });

  it('returns margins with margin: true', async () => {
    const m = await ForestModel.fromFile(path);
    expect(await m.predict(input, fx.rows, { margin: true })).toEqual(readF32(fx.margin));
    m.dispose();
  });

  it('runs many predicts on one model concurrently with identical results', async () => {
    const m = await ForestModel.fromFile(path);
    const runs = await Promise.all(Array.from({ length: 24 }, (_, i) => m.predict(input, fx.rows, { threads: (i % 3) + 1 })));
    for (const r of runs) expect(r).toEqual(expected);
    m.dispose();
  });

  it('finishes in-flight predicts after dispose, and rejects new ones with ABP_DISPOSED', async () => {
    const big = getFixture('large');
    const m = await ForestModel.fromFile(modelFile(big, 'binary'));
    const x = readF32(big.input);
    const inflight = [m.predict(x), m.predict(x, undefined, { threads: 1 })];
    m.dispose();
    m.dispose(); // idempotent
    const done = await Promise.all(inflight);
    expect(done[0]).toEqual(readF32(big.expected));
    expect(done[1]).toEqual(done[0]);
    const after = await rejectionOf(m.predict(x));
    expect(after.code).toBe('ABP_DISPOSED');
    expect(after.message).toContain(modelFile(big, 'binary'));
  });

  it('does not let JS construct native models directly', async () => {
    const m = await addon().loadModel(new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(path))), 'auto', 'x');
    const Ctor = (m as unknown as { constructor: new (...a: unknown[]) => unknown }).constructor;
    expect(() => new Ctor({})).toThrow(/loadModel/);
    m.dispose();
    expect(() => m.info()).toThrow(/disposed/);
  });
});
