// The CUDA engine against the CPU engine and XGBoost 1.7.4's predictions.
// Needs a GPU: skipped, saying why, where none is usable (CI). Run on the
// H200 through the device tool (see README, section gpu).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addon } from '../src/native/addon.js';
import { cudaInfo, openModel } from '../src/engine/device.js';
import { allocPinned, DeviceMatrix, GpuForestModel } from '../src/engine/gpu-model.js';
import { ForestModel } from '../src/engine/model.js';
import { DeviceError, UsageError } from '../src/errors.js';
import { loadManifest, modelFile, readF32, tileRows, type FixtureFormat, type FixtureModel } from './fixtures.js';

const info = await cudaInfo();
const gpu = info.available;
if (!gpu) console.log(`[gpu-engine] SKIPPED: no usable GPU (${info.reason})`);
else console.log(`[gpu-engine] ${info.devices.map((d) => `gpu:${d.index} ${d.name} cc ${d.computeCapability}`).join(', ')}`);

const manifest = loadManifest();
const FORMATS: FixtureFormat[] = ['binary', 'json', 'ubjson'];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]!) && Number.isNaN(b[i]!)) continue; // missing values in inputs read back
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return Infinity;
    m = Math.max(m, d);
  }
  return m;
}

function bitDifferences(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) n++;
  return n;
}

function report(line: string): void {
  console.log(`[gpu-engine] ${line}`);
}

/** Loads a model with `env` set (the switches are read at load) and restored after. */
async function loadWith(file: string, env: Record<string, string>): Promise<GpuForestModel> {
  const saved = Object.keys(env).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, env);
  try {
    return await GpuForestModel.fromFile(file);
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe.skipIf(!gpu)('CUDA engine on the GPU', () => {
  describe('parity with XGBoost 1.7.4 and the CPU engine, every fixture model', () => {
    for (const fx of manifest.models) {
      it(`${fx.name} (${fx.objective}, ${fx.numTrees} trees, depth ${fx.maxDepth}, ${fx.numFeature} features)`, async () => {
        const input = readF32(fx.input);
        const expected = readF32(fx.expected);
        const margin = readF32(fx.margin);
        const cpu = await ForestModel.fromFile(modelFile(fx, 'json'));
        const cpuOut = await cpu.predict(input, fx.rows);
        const cpuMargin = await cpu.predict(input, fx.rows, { margin: true });
        cpu.dispose();
        const lines: string[] = [];
        for (const format of FORMATS) {
          const g = await GpuForestModel.fromFile(modelFile(fx, format), { format });
          try {
            expect(g.info).toMatchObject({ numFeature: fx.numFeature, numGroup: fx.numGroup, numOutput: fx.expectedCols });
            const out = await g.predict(input, fx.rows);
            const m = await g.predict(input, fx.rows, { margin: true });
            const dx = maxAbsDiff(out, expected);
            const dm = maxAbsDiff(m, margin);
            const dc = maxAbsDiff(out, cpuOut);
            expect(dx).toBeLessThanOrEqual(1e-6);
            expect(dm).toBeLessThanOrEqual(1e-6);
            expect(dc).toBeLessThanOrEqual(1e-6);
            // Same walk, same order of float additions: margins are bit for bit the CPU's.
            expect(bitDifferences(m, cpuMargin)).toBe(0);
            lines.push(`${format}: |gpu-xgb| ${dx.toExponential(2)} margins ${dm.toExponential(2)} |gpu-cpu| ${dc.toExponential(2)} ` +
              `(${bitDifferences(out, cpuOut)}/${out.length} outputs differ in some bit) layout ${g.info.layout}`);
          } finally {
            g.dispose();
          }
        }
        report(`${fx.name}: ${lines.join('; ')}`);
      });
    }
  });

  describe('batch sizes', () => {
    let fx: FixtureModel;
    let gpuModel: GpuForestModel;
    let cpuModel: ForestModel;
    let input: Float32Array;
    let expected: Float32Array;
    beforeAll(async () => {
      fx = manifest.models.find((m) => m.name === 'large')!;
      input = readF32(fx.input);
      expected = readF32(fx.expected);
      gpuModel = await GpuForestModel.fromFile(modelFile(fx, 'ubjson'));
      cpuModel = await ForestModel.fromFile(modelFile(fx, 'ubjson'));
    });
    afterAll(() => {
      gpuModel?.dispose();
      cpuModel?.dispose();
    });

    for (const rows of [1, 31, 32, 33, 65_537]) {
      it(`${rows} rows of the 500-tree model: host and device-resident, equal to the CPU engine and XGBoost`, async () => {
        const x = tileRows(input, fx.numFeature, rows);
        const want = tileRows(expected, 1, rows);
        const out = await gpuModel.predict(x, rows);
        const cpu = await cpuModel.predict(x, rows);
        const m = await gpuModel.uploadMatrix(x, rows);
        const dev = await gpuModel.predictDevice(m);
        m.dispose();
        expect(maxAbsDiff(out, want)).toBeLessThanOrEqual(1e-6);
        expect(maxAbsDiff(out, cpu)).toBeLessThanOrEqual(1e-6);
        expect(maxAbsDiff(dev, out)).toBe(0);
        report(`batch ${rows}: |gpu-xgb| ${maxAbsDiff(out, want).toExponential(2)} |gpu-cpu| ${maxAbsDiff(out, cpu).toExponential(2)} device-resident == host path`);
      });
    }

    it('small batches of the 500-tree model spread its tiles over the device (split trees): the same bits as without', async () => {
      expect(gpuModel.info.layout).toMatch(/split-trees-to=\d+/);
      const limit = Number(/split-trees-to=(\d+)/.exec(gpuModel.info.layout)![1]);
      process.env.ABP_CUDA_SPLIT_TREES = '0';
      const plain = await GpuForestModel.fromFile(modelFile(fx, 'ubjson')).finally(() => delete process.env.ABP_CUDA_SPLIT_TREES);
      try {
        expect(plain.info.layout).not.toMatch(/split-trees/);
        for (const rows of [1, 2, 255, 256, 257, 1000, 4999, limit - 1, limit, limit + 1, 2 * limit + 3]) {
          const x = tileRows(input, fx.numFeature, rows);
          const a = await gpuModel.predict(x, rows);
          expect(bitDifferences(a, await plain.predict(x, rows)), `${rows} rows`).toBe(0);
          expect(bitDifferences(await gpuModel.predict(x, rows, { margin: true }), await plain.predict(x, rows, { margin: true })), `${rows} rows, margins`).toBe(0);
          const m = await gpuModel.uploadMatrix(x, rows);
          const kept = await gpuModel.predictDevice(m, { keepOnDevice: true });
          expect(bitDifferences(await kept.read(), a), `${rows} rows, device-resident`).toBe(0);
          m.dispose();
          kept.dispose();
          expect(maxAbsDiff(a, tileRows(expected, 1, rows))).toBeLessThanOrEqual(1e-6);
        }
        report(`split trees up to ${limit} rows: bit-identical to the one-block walk at 1..${2 * limit + 3} rows (${gpuModel.info.layout})`);
      } finally {
        plain.dispose();
      }
    });

    it('10M rows (binary_logistic, repeated fixture rows) equal XGBoost, host and device-resident', async () => {
      const small = manifest.models.find((m) => m.name === 'binary_logistic')!;
      const rows = 10_000_000;
      const x = tileRows(readF32(small.input), small.numFeature, rows);
      const want = tileRows(readF32(small.expected), 1, rows);
      const g = await GpuForestModel.fromFile(modelFile(small, 'json'));
      try {
        let t = performance.now();
        const out = await g.predict(x, rows);
        const hostMs = performance.now() - t;
        expect(out.length).toBe(rows);
        expect(maxAbsDiff(out, want)).toBeLessThanOrEqual(1e-6);
        const m = await g.uploadMatrix(x);
        t = performance.now();
        const kept = await g.predictDevice(m, { keepOnDevice: true });
        const devMs = performance.now() - t;
        expect(kept.rows).toBe(rows);
        expect(kept.cols).toBe(1);
        expect(maxAbsDiff(await kept.read(), want)).toBeLessThanOrEqual(1e-6);
        kept.dispose();
        m.dispose();
        report(`10M rows: host path ${hostMs.toFixed(1)} ms, device-resident ${devMs.toFixed(2)} ms, |gpu-xgb| ${maxAbsDiff(out, want).toExponential(2)}`);
      } finally {
        g.dispose();
      }
    });
  });

  it('NaNs: all-missing rows, missing columns and single NaNs follow the default directions', async () => {
    for (const name of ['binary_logistic', 'multi_softprob', 'large']) {
      const fx = manifest.models.find((m) => m.name === name)!;
      const base = readF32(fx.input);
      const rows = 4096;
      const x = tileRows(base, fx.numFeature, rows);
      // Rows 0-511 all NaN; rows 512-1023 NaN in every other column; then random single NaNs.
      for (let r = 0; r < 512; r++) x.fill(NaN, r * fx.numFeature, (r + 1) * fx.numFeature);
      for (let r = 512; r < 1024; r++) for (let c = 0; c < fx.numFeature; c += 2) x[r * fx.numFeature + c] = NaN;
      for (let i = 1024 * fx.numFeature; i < x.length; i += 7) x[i] = NaN;
      const g = await GpuForestModel.fromFile(modelFile(fx, 'json'));
      const c = await ForestModel.fromFile(modelFile(fx, 'json'));
      try {
        const gm = await g.predict(x, rows, { margin: true });
        const cm = await c.predict(x, rows, { margin: true });
        expect(bitDifferences(gm, cm)).toBe(0);
        expect(maxAbsDiff(await g.predict(x, rows), await c.predict(x, rows))).toBeLessThanOrEqual(1e-6);
        // All-NaN rows are all equal to each other.
        for (let r = 1; r < 512; r++) expect(gm[r * fx.numGroup]).toBe(gm[0]);
        report(`NaNs (${name}): margins bit-identical to the CPU engine on ${rows} rows with missing values`);
      } finally {
        g.dispose();
        c.dispose();
      }
    }
  });

  describe('device-resident input', () => {
    it('upload once, predict many times, read back or keep on the device, write into a reused output', async () => {
      const fx = manifest.models.find((m) => m.name === 'multi_softmax')!;
      const input = readF32(fx.input);
      const expected = readF32(fx.expected);
      const margin = readF32(fx.margin);
      const g = await GpuForestModel.fromFile(modelFile(fx, 'binary'));
      const m = await g.uploadMatrix(input);
      try {
        expect([m.rows, m.cols, m.device]).toEqual([fx.rows, fx.numFeature, 0]);
        expect(maxAbsDiff(await m.read(), input)).toBe(0);
        for (let i = 0; i < 3; i++) expect(maxAbsDiff(await g.predictDevice(m), expected)).toBe(0);
        const kept = await g.predictDevice(m, { margin: true, keepOnDevice: true });
        expect([kept.rows, kept.cols]).toEqual([fx.rows, fx.numGroup]);
        expect(maxAbsDiff(await kept.read(), margin)).toBeLessThanOrEqual(1e-6);
        const out = await DeviceMatrix.upload(new Float32Array(fx.rows).fill(-1), fx.rows, 1);
        const same = await g.predictDevice(m, { output: out });
        expect(same).toBe(out);
        expect(maxAbsDiff(await out.read(), expected)).toBe(0);
        // Wrong output shape, wrong input width, disposed matrices.
        const e1 = await g.predictDevice(m, { output: kept }).catch((e: unknown) => e);
        expect((e1 as UsageError).code).toBe('ABP_INPUT_SHAPE');
        const narrow = await DeviceMatrix.upload(new Float32Array(10), 5, 2);
        const e2 = await g.predictDevice(narrow).catch((e: unknown) => e);
        expect((e2 as UsageError).code).toBe('ABP_INPUT_SHAPE');
        narrow.dispose();
        kept.dispose();
        out.dispose();
        const e3 = await kept.read().catch((e: unknown) => e);
        expect((e3 as UsageError).code).toBe('ABP_DISPOSED');
        report('device-resident: upload once, 3 predictions, keepOnDevice, output reuse, shape and dispose errors: ok');
      } finally {
        m.dispose();
        g.dispose();
      }
      const e4 = await g.predictDevice(m).catch((e: unknown) => e);
      expect((e4 as UsageError).code).toBe('ABP_DISPOSED');
    });

    it('pinned host buffers and caller-provided outputs give the same results', async () => {
      const fx = manifest.models.find((m) => m.name === 'large')!;
      const input = readF32(fx.input);
      const pinned = allocPinned(input.length);
      pinned.set(input);
      const g = await GpuForestModel.fromFile(modelFile(fx, 'json'));
      try {
        expect(maxAbsDiff(await g.predict(pinned, fx.rows), readF32(fx.expected))).toBeLessThanOrEqual(1e-6);
        const pinnedOut = allocPinned(fx.rows).fill(-1);
        expect(await g.predict(pinned, fx.rows, { output: pinnedOut })).toBe(pinnedOut);
        expect(maxAbsDiff(pinnedOut, readF32(fx.expected))).toBeLessThanOrEqual(1e-6);
        const plainOut = new Float32Array(fx.rows).fill(-1);
        expect(await g.predict(input, fx.rows, { output: plainOut })).toBe(plainOut);
        expect(maxAbsDiff(plainOut, readF32(fx.expected))).toBeLessThanOrEqual(1e-6);
        const bad = await g.predict(input, fx.rows, { output: new Float32Array(3) }).catch((e: unknown) => e);
        expect((bad as UsageError).code).toBe('ABP_INPUT_SHAPE');
      } finally {
        g.dispose();
      }
    });

    it('dispose while predicting is safe; concurrent calls on one model are serialised', async () => {
      const fx = manifest.models.find((m) => m.name === 'large')!;
      const x = tileRows(readF32(fx.input), fx.numFeature, 200_000);
      const want = tileRows(readF32(fx.expected), 1, 200_000);
      const g = await GpuForestModel.fromFile(modelFile(fx, 'json'));
      const calls = [g.predict(x), g.predict(x), g.predict(x)];
      g.dispose();
      for (const out of await Promise.all(calls)) expect(maxAbsDiff(out, want)).toBeLessThanOrEqual(1e-6);
      const e = await g.predict(x).catch((err: unknown) => err);
      expect((e as UsageError).code).toBe('ABP_DISPOSED');
    });

    it('concurrent predictDevice calls on one model share its kept output buffer safely (default ABP_CUDA_REUSE_OUT)', async () => {
      const fx = manifest.models.find((m) => m.name === 'large')!;
      const input = readF32(fx.input);
      const file = modelFile(fx, 'json');
      // One model queued on the threadpool, one whose small calls run on the JS thread: calls of both kinds,
      // host and device-resident, of sizes that grow and shrink the kept buffer, all in flight at once.
      const queued = await GpuForestModel.fromFile(file);
      const inline = await loadWith(file, { ABP_CUDA_INLINE_ROWS: '2000' });
      const sizes = [1000, 4000, 7, 1000, 20_000, 65_537, 1000, 257];
      const mats: DeviceMatrix[] = [];
      try {
        const xs = sizes.map((rows, i) => tileRows(input.subarray(i * fx.numFeature), fx.numFeature, rows));
        for (const [i, x] of xs.entries()) mats.push(await queued.uploadMatrix(x, sizes[i]));
        const want: Float32Array[] = [];
        for (const [i, x] of xs.entries()) want.push(await queued.predict(x, sizes[i]));
        for (let round = 0; round < 3; round++) {
          const calls: Promise<Float32Array>[] = [];
          for (const [i, m] of mats.entries()) {
            for (const g of [queued, inline]) {
              calls.push(g.predictDevice(m));
              calls.push(g.predict(xs[i]!, sizes[i]));
              calls.push(g.predictDevice(m, { keepOnDevice: true }).then(async (k) => (await k.read().finally(() => k.dispose()))));
            }
          }
          const outs = await Promise.all(calls);
          for (const [j, out] of outs.entries()) {
            const i = Math.floor(j / 6);
            expect(bitDifferences(out, want[i]!), `round ${round}, batch ${i} (${sizes[i]} rows), call ${j % 6}`).toBe(0);
          }
        }
        report(`concurrent calls: ${sizes.length * 6} per round in flight on two models, 3 rounds, every output its own batch's bits`);
      } finally {
        for (const m of mats) m.dispose();
        queued.dispose();
        inline.dispose();
      }
    });
  });

  describe('out of device memory', () => {
    afterAll(() => addon().cuda.setMemoryLimitForTesting(0));

    it('a capped device splits host batches, refuses uploads with ABP_CUDA_OOM, and the CPU path is unaffected', async () => {
      const fx = manifest.models.find((m) => m.name === 'large')!;
      const rows = 1_000_000;
      const x = tileRows(readF32(fx.input), fx.numFeature, rows);
      const want = tileRows(readF32(fx.expected), 1, rows);
      const g = await GpuForestModel.fromFile(modelFile(fx, 'json'));
      const c = await ForestModel.fromFile(modelFile(fx, 'json'));
      try {
        addon().cuda.setMemoryLimitForTesting(24 << 20); // 24 MiB: 1M rows need 124 MiB in one piece
        expect(maxAbsDiff(await g.predict(x, rows), want)).toBeLessThanOrEqual(1e-6);
        const e1 = await g.uploadMatrix(x).catch((e: unknown) => e);
        expect(e1).toBeInstanceOf(DeviceError);
        expect((e1 as DeviceError).code).toBe('ABP_CUDA_OOM');
        expect((e1 as Error).message).toMatch(/out of device memory/);
        const e2 = await GpuForestModel.fromFile(modelFile(fx, 'json')).then(
          (m) => (m.dispose(), 'loaded'),
          (e: unknown) => e,
        );
        // The model (4 MiB) still fits under the cap next to the staging buffers, or fails cleanly.
        if (e2 !== 'loaded') expect((e2 as DeviceError).code).toBe('ABP_CUDA_OOM');
        addon().cuda.setMemoryLimitForTesting(1 << 20);
        const e3 = await GpuForestModel.fromFile(modelFile(fx, 'json')).catch((e: unknown) => e);
        expect((e3 as DeviceError).code).toBe('ABP_CUDA_OOM');
        expect(maxAbsDiff(await c.predict(x, rows), want)).toBeLessThanOrEqual(1e-6);
        addon().cuda.setMemoryLimitForTesting(0);
        expect(maxAbsDiff(await g.predict(x, rows), want)).toBeLessThanOrEqual(1e-6);
        report(`OOM (capped): host batch split and correct; upload -> ${(e1 as Error).message}; load -> ${(e3 as Error).message}`);
      } finally {
        g.dispose();
        c.dispose();
      }
    });

    it('filling the real device: uploads end in ABP_CUDA_OOM, predictions still work, memory comes back', async () => {
      const fx = manifest.models.find((m) => m.name === 'binary_logistic')!;
      const g = await GpuForestModel.fromFile(modelFile(fx, 'json'));
      const chunk = new Float32Array(2 ** 31); // 8 GiB per upload
      const held: DeviceMatrix[] = [];
      let oom: unknown;
      try {
        for (let i = 0; i < 40 && !oom; i++) {
          await DeviceMatrix.upload(chunk, 2 ** 31 / 8, 8).then(
            (m) => held.push(m),
            (e: unknown) => (oom = e),
          );
        }
        expect(oom).toBeInstanceOf(DeviceError);
        expect((oom as DeviceError).code).toBe('ABP_CUDA_OOM');
        const input = readF32(fx.input);
        const afterFill = await g.predict(input, fx.rows).then(
          (out) => `predict ok (max diff ${maxAbsDiff(out, readF32(fx.expected)).toExponential(2)})`,
          (e: unknown) => `predict -> ${(e as DeviceError).code}`,
        );
        expect(afterFill).toMatch(/^predict (ok|-> ABP_CUDA_OOM)/);
        for (const m of held.splice(0)) m.dispose();
        expect(maxAbsDiff(await g.predict(input, fx.rows), readF32(fx.expected))).toBeLessThanOrEqual(1e-6);
        const again = await DeviceMatrix.upload(chunk, 2 ** 31 / 8, 8);
        again.dispose();
        report(`OOM (real): ${held.length === 0 ? 'filled' : ''} device with 8 GiB uploads; then ${(oom as Error).message}; ${afterFill}; freed and re-uploaded`);
      } finally {
        for (const m of held) m.dispose();
        g.dispose();
      }
    }, 300_000);
  });

  it('a failed kernel launch or copy is a DeviceError ABP_CUDA_ERROR; the engine and the CPU path carry on', async () => {
    const fx = manifest.models.find((m) => m.name === 'binary_logistic')!;
    const input = readF32(fx.input);
    const expected = readF32(fx.expected);
    const g = await GpuForestModel.fromFile(modelFile(fx, 'json'));
    const c = await ForestModel.fromFile(modelFile(fx, 'json'));
    try {
      const messages: string[] = [];
      for (const kind of ['kernel', 'copy'] as const) {
        addon().cuda.injectFaultForTesting(kind);
        const err = await g.predict(input, fx.rows).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DeviceError);
        expect((err as DeviceError).code).toBe('ABP_CUDA_ERROR');
        expect((err as Error).message).toMatch(/cudaError\w+/);
        messages.push(`${kind}: ${(err as Error).message}`);
        expect(maxAbsDiff(await c.predict(input, fx.rows), expected)).toBeLessThanOrEqual(1e-6);
        expect(maxAbsDiff(await g.predict(input, fx.rows), expected)).toBeLessThanOrEqual(1e-6);
      }
      addon().cuda.injectFaultForTesting('kernel');
      const m = await g.uploadMatrix(input);
      const err = await g.predictDevice(m, { keepOnDevice: true }).catch((e: unknown) => e);
      expect((err as DeviceError).code).toBe('ABP_CUDA_ERROR');
      expect(maxAbsDiff(await g.predictDevice(m), expected)).toBeLessThanOrEqual(1e-6);
      m.dispose();
      report(`failed kernel/copy -> ${messages.join('; ')}; next calls fine`);
    } finally {
      g.dispose();
      c.dispose();
    }
  });

  describe('small-batch switches (ABP_CUDA_REUSE_OUT=0, ABP_CUDA_SUM_LEAVES=coop, ABP_CUDA_GRAPH, ABP_CUDA_SPIN_WAIT, ABP_CUDA_INLINE_ROWS, ABP_CUDA_DIRECT_BELOW, ABP_CUDA_SPLIT_PER_SM, ABP_CUDA_PROFILE)', () => {
    const ALL = {
      ABP_CUDA_SUM_LEAVES: 'coop', ABP_CUDA_GRAPH: '1', ABP_CUDA_SPIN_WAIT: '1', ABP_CUDA_INLINE_ROWS: '4000', ABP_CUDA_PROFILE: '1',
      ABP_CUDA_DIRECT_BELOW: '0', // direct copies (the default) take small host batches off the graph
    };
    const VARIANTS: [string, Record<string, string>][] = [
      ['no-reuse-out', { ABP_CUDA_REUSE_OUT: '0' }],
      ['sum=coop', { ABP_CUDA_SUM_LEAVES: 'coop' }],
      ['graph', { ABP_CUDA_GRAPH: '1', ABP_CUDA_DIRECT_BELOW: '0' }],
      ['spin-wait', { ABP_CUDA_SPIN_WAIT: '1' }],
      ['inline-rows=100000', { ABP_CUDA_INLINE_ROWS: '100000' }],
      ['direct-below=262144', { ABP_CUDA_DIRECT_BELOW: '262144' }],
      ['no-direct', { ABP_CUDA_DIRECT_BELOW: '0' }],
      ['split-per-sm=8', { ABP_CUDA_SPLIT_PER_SM: '8' }],
      ['profile', { ABP_CUDA_PROFILE: '1' }],
      ['all', ALL],
    ];

    for (const name of ['large', 'binary_logistic', 'multi_softprob']) {
      it(`${name}: every switch gives the default's bits, host and device-resident, repeated and changing batches`, async () => {
        const fx = manifest.models.find((m) => m.name === name)!;
        const file = modelFile(fx, 'json');
        const input = readF32(fx.input);
        const base = await GpuForestModel.fromFile(file);
        expect(base.info.layout).not.toContain('reuse-out'); // keeping the output buffer is the default
        expect(base.info.layout).not.toContain('direct'); // so are direct copies of small host batches
        addon().cuda.takeProfile();
        const models: [string, GpuForestModel][] = [];
        try {
          for (const [label, env] of VARIANTS) {
            const v = await loadWith(file, env);
            models.push([label, v]);
            for (const tag of label === 'all' ? ['sum=coop', 'graph', 'spin-wait', 'profile', 'inline-rows=4000'] : [label]) {
              expect(v.info.layout).toContain(` ${tag}`);
            }
          }
          for (const [i, rows] of [1, 31, 257, 1000, 1000, 4000, 10_000, 65_537].entries()) {
            // Same shape, other rows the second time: a replayed graph must read the new batch.
            const x = tileRows(i === 4 ? input.subarray(fx.numFeature) : input, fx.numFeature, rows);
            const pinned = allocPinned(x.length);
            pinned.set(x);
            const m = await base.uploadMatrix(x, rows);
            try {
              for (const margin of [false, true]) {
                const want = await base.predict(x, rows, { margin });
                for (const [label, v] of models) {
                  const what = `${label}, ${rows} rows, margin=${margin}`;
                  expect(bitDifferences(await v.predict(x, rows, { margin }), want), what).toBe(0);
                  expect(bitDifferences(await v.predict(x, rows, { margin }), want), `${what}, again`).toBe(0);
                  expect(bitDifferences(await v.predict(pinned, rows, { margin }), want), `${what}, pinned`).toBe(0);
                  expect(bitDifferences(await v.predictDevice(m, { margin }), want), `${what}, device in`).toBe(0);
                  expect(bitDifferences(await v.predictDevice(m, { margin }), want), `${what}, device in again`).toBe(0);
                  const kept = await v.predictDevice(m, { margin, keepOnDevice: true });
                  expect(bitDifferences(await kept.read(), want), `${what}, kept on the device`).toBe(0);
                  kept.dispose();
                }
              }
            } finally {
              m.dispose();
            }
          }
          const records = addon().cuda.takeProfile();
          // Only the profiling loads recorded: profile and all, 8 batch sizes x 2 margins x (3 host + 3 device) calls.
          expect(records.length).toBe(2 * 8 * 2 * 6);
          for (const r of records) {
            expect(['predict', 'predictDevice']).toContain(r.kind);
            expect(r.nativeUs).toBeGreaterThan(0);
            expect(r.nativeUs + 1).toBeGreaterThanOrEqual(r.bindUs + r.dispatchUs + r.execUs + r.completeUs + r.settleUs);
            expect(r.execUs + 1).toBeGreaterThanOrEqual(r.engineUs);
            expect(r.chunks).toBeGreaterThanOrEqual(1);
            if (!r.graph) expect(r.kernelUs).toBeGreaterThan(0);
            expect(r.gpuUs).toBeGreaterThan(0);
          }
          report(`${name}: ${VARIANTS.map(([l]) => l).join(', ')} bit-identical to the default at 1..65537 rows; ${records.length} profiles, ` +
            `e.g. ${JSON.stringify(records.find((r) => r.rows === 1000 && r.kind === 'predict'))}`);
        } finally {
          for (const [, v] of models) v.dispose();
          base.dispose();
        }
      }, 300_000);
    }

    for (const env of [{ ABP_CUDA_GRAPH: '1' }, { ABP_CUDA_INLINE_ROWS: '1000' }] as Record<string, string>[]) {
      it(`${JSON.stringify(env)}: a failed copy or launch (while capturing, on the JS thread) is ABP_CUDA_ERROR; the next calls are right`, async () => {
        const fx = manifest.models.find((m) => m.name === 'large')!;
        const input = readF32(fx.input);
        const g = await loadWith(modelFile(fx, 'json'), env);
        try {
          for (const [kind, rows] of [['kernel', 333], ['copy', 334]] as const) {
            const x = tileRows(input, fx.numFeature, rows);
            addon().cuda.injectFaultForTesting(kind);
            const err = await g.predict(x, rows).catch((e: unknown) => e);
            expect((err as DeviceError).code).toBe('ABP_CUDA_ERROR');
            expect(maxAbsDiff(await g.predict(x, rows), tileRows(readF32(fx.expected), 1, rows))).toBeLessThanOrEqual(1e-6);
          }
        } finally {
          g.dispose();
        }
      });
    }
  });

  describe('layout switches side by side (ABP_CUDA_TILE_KB, ABP_CUDA_THREADS, ABP_CUDA_SPLIT_TREES)', () => {
    // The crash of 2026-12-01 (scripts/bench-gpu-latency.ts, tile-4k on the 500-tree model: cudaErrorInvalidValue
    // launching the split-trees kernel): each load set the kernels' shared-memory limit to its own need, so a model
    // loaded later with less lowered it under one loaded before. The switch tests above load one layout only; here
    // layouts that need different amounts of shared memory are all loaded first, most first, then every one runs.
    const LAYOUTS: [string, Record<string, string>][] = [
      ['tile-kb=1000 (clamped)', { ABP_CUDA_TILE_KB: '1000' }],
      ['tile-kb=96', { ABP_CUDA_TILE_KB: '96' }],
      ['threads=512', { ABP_CUDA_THREADS: '512' }],
      ['tile-kb=24', { ABP_CUDA_TILE_KB: '24' }],
      ['tile-kb=4', { ABP_CUDA_TILE_KB: '4' }],
      ['default', {}],
      ['threads=64', { ABP_CUDA_THREADS: '64' }],
      ['no-split', { ABP_CUDA_SPLIT_TREES: '0' }],
      ['tile-kb=1', { ABP_CUDA_TILE_KB: '1' }],
    ];

    for (const name of ['large', 'multi_softprob']) {
      it(`${name}: every layout loaded in one process launches and gives the default's bits, host and device-resident`, async () => {
        const fx = manifest.models.find((m) => m.name === name)!;
        const file = modelFile(fx, 'json');
        const input = readF32(fx.input);
        const models: [string, GpuForestModel][] = [];
        try {
          for (const [label, env] of LAYOUTS) models.push([label, await loadWith(file, env)]);
          const base = models.find(([l]) => l === 'default')![1];
          if (name === 'large') {
            // Trees up to 7,696 bytes: a 4 KiB tile grows to the biggest tree, not to half of shared memory.
            expect(models.find(([l]) => l === 'tile-kb=4')![1].info.layout).toContain('tile_bytes=7696');
            expect(base.info.layout).toMatch(/split-trees-to=\d+/);
          }
          for (const rows of [1, 1000, 4000, 16_897, 65_537]) {
            const x = tileRows(input, fx.numFeature, rows);
            const m = await base.uploadMatrix(x, rows);
            try {
              for (const margin of [false, true]) {
                const want = await base.predict(x, rows, { margin });
                for (const [label, v] of models) {
                  const what = `${label}, ${rows} rows, margin=${margin}`;
                  expect(bitDifferences(await v.predict(x, rows, { margin }), want), what).toBe(0);
                  expect(bitDifferences(await v.predictDevice(m, { margin }), want), `${what}, device in`).toBe(0);
                }
              }
            } finally {
              m.dispose();
            }
          }
          report(`${name}: ${models.map(([l, v]) => `${l}: ${/smem=\d+/.exec(v.info.layout)?.[0]}`).join(', ')}; all launch side by side, same bits`);
        } finally {
          for (const [, v] of models) v.dispose();
        }
      }, 300_000);
    }

    it('a layout switch it cannot use is refused at load with ABP_BAD_ARGUMENT naming it', async () => {
      const fx = manifest.models.find((m) => m.name === 'binary_logistic')!;
      for (const env of [{ ABP_CUDA_TILE_KB: '-4' }, { ABP_CUDA_TILE_KB: '4k' }, { ABP_CUDA_THREADS: '0' }, { ABP_CUDA_THREADS: '1024' }]) {
        const err = await loadWith(modelFile(fx, 'json'), env).then(
          (g) => (g.dispose(), 'loaded'),
          (e: unknown) => e,
        );
        const [k, v] = Object.entries(env)[0]!;
        expect(err).toBeInstanceOf(UsageError);
        expect((err as UsageError).code).toBe('ABP_BAD_ARGUMENT');
        expect((err as Error).message).toContain(`${k}=${v}`);
      }
    });
  });

  it('openModel auto picks the GPU and says which', async () => {
    const fx = manifest.models.find((m) => m.name === 'binary_logistic')!;
    const { model, report: r } = await openModel(modelFile(fx, 'json'));
    try {
      expect(r.engine).toBe('cuda');
      expect(r.device).toBe('gpu:0');
      expect(r.deviceName).toBe(info.devices[0]!.name);
      expect(model).toBeInstanceOf(GpuForestModel);
      expect(maxAbsDiff(await model.predict(readF32(fx.input)), readF32(fx.expected))).toBeLessThanOrEqual(1e-6);
      const e = await openModel(modelFile(fx, 'json'), { device: `gpu:${info.devices.length}` }).catch((err: unknown) => err);
      expect((e as DeviceError).code).toBe('ABP_CUDA_UNAVAILABLE');
      report(`openModel auto -> ${r.engine} ${r.device} (${r.deviceName})`);
    } finally {
      model.dispose();
    }
  });
});
