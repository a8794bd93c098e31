// The device option and the CUDA engine's behaviour where it cannot run.
// These run everywhere: on a machine with no GPU (CI) they check that the
// addon built with CUDA still loads, says why no GPU can be used, and that
// `auto` falls back to the CPU engine with the same results as XGBoost.
import { describe, expect, it } from 'vitest';
import { addon } from '../src/native/addon.js';
import { cudaInfo, describeEngine, openModel, parseDevice } from '../src/engine/device.js';
import { GpuForestModel, DeviceMatrix } from '../src/engine/gpu-model.js';
import { ForestModel } from '../src/engine/model.js';
import { DeviceError, UsageError } from '../src/errors.js';
import { getFixture, modelFile, readF32 } from './fixtures.js';

const info = await cudaInfo();
const gpu = info.available;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('device option', () => {
  it('parses auto, cpu, gpu and gpu:N', () => {
    expect(parseDevice(undefined)).toEqual({ kind: 'auto', index: 0 });
    expect(parseDevice('auto')).toEqual({ kind: 'auto', index: 0 });
    expect(parseDevice('cpu')).toEqual({ kind: 'cpu', index: 0 });
    expect(parseDevice('gpu')).toEqual({ kind: 'gpu', index: 0 });
    expect(parseDevice('GPU:3')).toEqual({ kind: 'gpu', index: 3 });
    expect(parseDevice('cuda:1')).toEqual({ kind: 'gpu', index: 1 });
  });

  it('rejects anything else with ABP_BAD_ARGUMENT', () => {
    for (const bad of ['', 'gpu:', 'gpu:-1', 'gpu:x', 'tpu', 'gpu:1:2', 'cpu:0']) {
      expect(() => parseDevice(bad)).toThrow(UsageError);
      try {
        parseDevice(bad);
      } catch (e) {
        expect((e as UsageError).code).toBe('ABP_BAD_ARGUMENT');
        expect((e as Error).message).toContain('--device');
      }
    }
  });

  it('cpu always opens the CPU engine', async () => {
    const fx = getFixture('binary_logistic');
    const { model, report } = await openModel(modelFile(fx, 'json'), { device: 'cpu' });
    try {
      expect(model).toBeInstanceOf(ForestModel);
      expect(report).toEqual({ engine: 'cpu', device: 'cpu' });
      const out = await model.predict(readF32(fx.input), fx.rows);
      expect(maxAbsDiff(out, readF32(fx.expected))).toBeLessThanOrEqual(1e-6);
    } finally {
      model.dispose();
    }
  });
});

describe('CUDA runtime report', () => {
  it('the addon loads and devices() is consistent', () => {
    expect(typeof addon().buildInfo.cuda).toBe('boolean');
    expect(info.built).toBe(addon().buildInfo.cuda);
    if (info.available) {
      expect(info.devices.some((d) => d.usable)).toBe(true);
      expect(info.reason).toBeUndefined();
    } else {
      expect(typeof info.reason).toBe('string');
      expect(info.reason!.length).toBeGreaterThan(10);
    }
  });
});

describe.skipIf(gpu)('no usable GPU here', () => {
  if (!gpu) console.log(`[gpu-fallback] no usable GPU: ${info.reason} (built with CUDA: ${info.built})`);

  it('auto falls back to the CPU engine and says why', async () => {
    const fx = getFixture('multi_softprob');
    const { model, report } = await openModel(modelFile(fx, 'ubjson'), { device: 'auto' });
    try {
      expect(model).toBeInstanceOf(ForestModel);
      expect(report.engine).toBe('cpu');
      expect(report.device).toBe('cpu');
      expect(report.reason).toBe(info.reason);
      expect(describeEngine(report)).toBe(`cpu (${info.reason})`);
      const out = await model.predict(readF32(fx.input), fx.rows);
      expect(maxAbsDiff(out, readF32(fx.expected))).toBeLessThanOrEqual(1e-6);
    } finally {
      model.dispose();
    }
  });

  it('gpu and gpu:N fail with a DeviceError ABP_CUDA_UNAVAILABLE naming the reason', async () => {
    const fx = getFixture('binary_logistic');
    for (const device of ['gpu', 'gpu:0', 'gpu:7']) {
      const err = await openModel(modelFile(fx, 'json'), { device }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeviceError);
      expect((err as DeviceError).code).toBe('ABP_CUDA_UNAVAILABLE');
      expect((err as Error).message).toContain(info.reason!);
    }
  });

  it('the GPU classes reject with ABP_CUDA_UNAVAILABLE, never crash', async () => {
    const fx = getFixture('binary_logistic');
    const e1 = await GpuForestModel.fromFile(modelFile(fx, 'binary')).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(DeviceError);
    expect((e1 as DeviceError).code).toBe('ABP_CUDA_UNAVAILABLE');
    expect((e1 as Error).message).toContain(modelFile(fx, 'binary'));
    const e2 = await DeviceMatrix.upload(new Float32Array(8), 2, 4).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(DeviceError);
    expect((e2 as DeviceError).code).toBe('ABP_CUDA_UNAVAILABLE');
  });

  it('a bad model file is a model error on every device', async () => {
    for (const device of ['auto', 'cpu']) {
      const err = await openModel('/nonexistent/model.json', { device }).catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('ABP_MODEL_READ');
    }
  });
});
