/**
 * GPU engine benchmark: rows/s of the ABP model and the 500-tree fixture model
 * at batch sizes from 1k to 100M rows, on
 *   - the CPU engine on all cores,
 *   - the CUDA engine from host memory (copies included): a plain Float32Array
 *     (staged through pinned buffers) and a page-locked one (allocPinned),
 *   - the CUDA engine on device-resident input (output kept on the device),
 * with the device-resident bandwidth (input + output bytes over time) as a
 * fraction of a device-to-device copy measured in the same run.
 *
 *   node --import tsx scripts/bench-gpu.ts [--max-rows 100000000] [--out bench.json]
 *
 * The copy ceiling comes from build-cuda/abp_cuda_harness copy (the standalone
 * harness, native/cuda/standalone) when it is there; otherwise --copy-gbps.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { cudaInfo } from '../src/engine/device.js';
import { allocPinned, DeviceMatrix, GpuForestModel } from '../src/engine/gpu-model.js';
import { ForestModel } from '../src/engine/model.js';
import { featureMatrix } from '../src/stages/parse-value.js';
import { tileRows } from '../test/fixtures.js';
import { medianSeconds } from './median-time.js';

const { values } = parseArgs({
  options: {
    'max-rows': { type: 'string', default: '100000000' },
    'cpu-seconds': { type: 'string', default: '4' },
    'copy-gbps': { type: 'string', default: '' },
    out: { type: 'string', default: '' },
    models: { type: 'string', default: 'abp,large' },
  },
});
const step = (what: string): void => {
  if (process.env.BENCH_TRACE) console.error(`[bench] ${what}`);
};
const maxRows = Number(values['max-rows']);
const cpuBudget = Number(values['cpu-seconds']);

const info = await cudaInfo();
if (!info.available) {
  console.error(`no usable GPU: ${info.reason}`);
  process.exit(2);
}
const dev = info.devices[0]!;

function ceilings(): { d2d: number; h2d: number | null; source: string } {
  const harness = 'build-cuda/abp_cuda_harness';
  if (existsSync(harness)) {
    const text = execFileSync(harness, ['copy'], { encoding: 'utf8' });
    const d2d = Number(/d2d_copy_gbps ([\d.]+)/.exec(text)?.[1]);
    const h2d = Number(/h2d_pinned_gbps ([\d.]+)/.exec(text)?.[1]);
    if (d2d > 0) return { d2d, h2d, source: 'measured (cudaMemcpy device-to-device, 4 GiB, read+write bytes)' };
  }
  if (values['copy-gbps']) return { d2d: Number(values['copy-gbps']), h2d: null, source: '--copy-gbps' };
  return { d2d: 4300, h2d: null, source: 'KINDS.md (not measured in this run)' };
}

/** Median seconds of repeated runs, after one warm-up; repeats fit in ~1 s. */
const time = (fn: () => Promise<unknown>) => medianSeconds(fn, { minReps: 1, maxReps: 15 });

interface Row {
  model: string;
  rows: number;
  cpu: number | null;
  host: number;
  /** Page-locked input and a reused page-locked output (null past 4 GiB). */
  pinned: number | null;
  device: number;
  deviceGBps: number;
  ofCopy: number;
}

function abpData(columnsFile: string): Float32Array {
  const text = gunzipSync(readFileSync('data/nvsmi-h200-train.jsonlines.gz')).toString('utf8');
  const records = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
  const columns = readFileSync(columnsFile, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return featureMatrix(records, columns);
}

function gunzipTo(file: string): string {
  const out = join(tmpdir(), `bench-${process.pid}-${file.split('/').pop()!.replace(/\.gz$/, '')}`);
  writeFileSync(out, gunzipSync(readFileSync(file)));
  return out;
}

const copy = ceilings();
const largeInput = (): Float32Array => {
  const raw = gunzipSync(readFileSync('test/fixtures/large.input.f32.gz'));
  const x = new Float32Array(raw.byteLength / 4);
  new Uint8Array(x.buffer).set(raw);
  return x;
};
const catalog = {
  abp: () => ({ name: 'abp-nvsmi-xgb', file: 'models/abp-nvsmi-xgb/1/xgboost.json', data: abpData('models/abp-nvsmi-xgb/columns_fil.txt') }),
  large: () => ({ name: 'large (500 trees, depth 8)', file: gunzipTo('test/fixtures/large.ubj.gz'), data: largeInput() }),
};
const models = values.models!.split(',').map((k) => catalog[k as keyof typeof catalog]());

const sizes = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8].filter((n) => n <= maxRows);
const results: Row[] = [];
const layouts: string[] = [];
for (const m of models) {
  step(`${m.name}: load`);
  const cpu = await ForestModel.fromFile(m.file);
  const gpu = await GpuForestModel.fromFile(m.file);
  const F = gpu.numFeature;
  layouts.push(`${m.name}: ${gpu.info.numTrees} trees, depth ${gpu.info.maxDepth}, ${F} features; kernel layout ${gpu.info.layout}`);
  step(`${m.name}: tile`);
  const all = tileRows(m.data, F, sizes[sizes.length - 1]!);
  // Node 20 caps one external (pinned) buffer at 4 GiB: pinned columns stop there.
  const pinnedRows = Math.min(sizes[sizes.length - 1]!, Math.floor(2 ** 30 / F));
  step(`${m.name}: pin ${pinnedRows} rows`);
  const pinned = allocPinned(pinnedRows * F);
  pinned.set(all.subarray(0, pinnedRows * F));
  const pinnedOut = allocPinned(pinnedRows);
  let cpuRate = Infinity;
  for (const n of sizes) {
    const x = all.subarray(0, n * F);
    const px = pinned.subarray(0, Math.min(n, pinnedRows) * F);
    let cpuS: number | null = null;
    if (n / cpuRate < cpuBudget) {
      step(`${m.name} ${n}: cpu`);
      cpuS = await time(() => cpu.predict(x, n));
      cpuRate = n / cpuS;
    }
    step(`${m.name} ${n}: host`);
    const hostS = await time(() => gpu.predict(x, n));
    let pinnedS: number | null = null;
    if (n <= pinnedRows) {
      step(`${m.name} ${n}: pinned`);
      const po = pinnedOut.subarray(0, n);
      pinnedS = await time(() => gpu.predict(px, n, { output: po }));
    }
    step(`${m.name} ${n}: device`);
    const dm = await DeviceMatrix.upload(x, n, F);
    const out = await gpu.predictDevice(dm, { keepOnDevice: true });
    const devS = await time(() => gpu.predictDevice(dm, { output: out }));
    dm.dispose();
    out.dispose();
    const gbps = (n * (F + 1) * 4) / devS / 1e9;
    const row: Row = {
      model: m.name,
      rows: n,
      cpu: cpuS === null ? null : n / cpuS,
      host: n / hostS,
      pinned: pinnedS === null ? null : n / pinnedS,
      device: n / devS,
      deviceGBps: gbps,
      ofCopy: gbps / copy.d2d,
    };
    results.push(row);
    console.error(JSON.stringify(row));
  }
  step(`${m.name}: dispose`);
  cpu.dispose();
  gpu.dispose();
}

// Kernel layout variants on the ABP model at the largest size (env knobs read at upload).
const variants: string[] = [];
if (models[0]!.name.startsWith('abp')) {
  step('variants');
  const m = models[0]!;
  const n = sizes[sizes.length - 1]!;
  const F = 5;
  const x = tileRows(m.data, F, n);
  const dm = await DeviceMatrix.upload(x, n, F);
  for (const [label, env] of [
    ['staged rows + resident tile (default)', {}],
    ['nodes from global memory', { ABP_CUDA_STAGE_NODES: '0' }],
    ['rows from global memory', { ABP_CUDA_STAGE_ROWS: '0' }],
    ['512 threads', { ABP_CUDA_THREADS: '512' }],
    ['128 threads', { ABP_CUDA_THREADS: '128' }],
  ] as const) {
    for (const [k, v] of Object.entries(env)) process.env[k] = v;
    const g = await GpuForestModel.fromFile(m.file);
    const out = await g.predictDevice(dm, { keepOnDevice: true });
    const s = await time(() => g.predictDevice(dm, { output: out }));
    out.dispose();
    g.dispose();
    for (const k of Object.keys(env)) delete process.env[k];
    const gbps = (n * (F + 1) * 4) / s / 1e9;
    variants.push(`| ${label} | ${(s * 1e3).toFixed(2)} ms | ${(n / s / 1e9).toFixed(2)} G | ${gbps.toFixed(0)} GB/s (${((100 * gbps) / copy.d2d).toFixed(0)}%) |`);
  }
  dm.dispose();
}

const fmt = (r: number | null): string => {
  if (r === null) return '—';
  if (r >= 1e9) return `${(r / 1e9).toFixed(2)} G`;
  if (r >= 1e6) return `${(r / 1e6).toFixed(1)} M`;
  return `${(r / 1e3).toFixed(0)} k`;
};
const lines = [
  `Device: ${dev.name} (cc ${dev.computeCapability}, ${dev.multiprocessors} SMs), driver ${info.driverVersion}, runtime ${info.runtimeVersion}; CPU engine on ${cpus().length} cores (${cpus()[0]?.model ?? '?'}).`,
  `Copy ceiling: device-to-device ${copy.d2d.toFixed(0)} GB/s, ${copy.source}${copy.h2d ? `; pinned host-to-device ${copy.h2d.toFixed(1)} GB/s` : ''}.`,
  ...layouts.map((l) => `- ${l}`),
  '',
  '| model | rows | CPU engine | GPU, host arrays | GPU, pinned in/out | GPU, device-resident | device-resident bandwidth | of D2D copy |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...results.map(
    (r) =>
      `| ${r.model} | ${r.rows.toExponential(0).replace('e+', 'e')} | ${fmt(r.cpu)} | ${fmt(r.host)} | ${fmt(r.pinned)} | ${fmt(r.device)} | ${r.deviceGBps.toFixed(0)} GB/s | ${(100 * r.ofCopy).toFixed(1)}% |`,
  ),
  '',
  'rows/s, median of repeated calls through the library (Node-API call and promise included). "host arrays": plain Float32Array in, new Float32Array out (staged through pinned buffers); "pinned in/out": allocPinned() input and a reused allocPinned() output (no staging copies); "device-resident": input uploaded once, output kept on the device. "—": CPU run skipped (would take over ' + cpuBudget + ' s), or pinned input over the 4 GiB Node 20 allows per external buffer. Bandwidth counts input + output bytes once.',
  '',
  `ABP model, ${sizes[sizes.length - 1]!.toExponential(0)} device-resident rows, kernel layout variants:`,
  '',
  '| variant | time | rows/s | bandwidth |',
  '|---|---:|---:|---:|',
  ...variants,
];
console.log(lines.join('\n'));
if (values.out) writeFileSync(values.out, JSON.stringify({ device: dev, copy, results, layouts, variants }, null, 2));
