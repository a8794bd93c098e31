/**
 * Triton's FIL backend against the embedded engine, side by side in one
 * process: the same batches (real ABP telemetry rows for abp-nvsmi-xgb, the
 * fixture rows for the 500-tree depth-8 model), rows/s at batch sizes 1k to
 * 1M, printed as a Markdown table with the two engines' largest difference.
 *
 *   node --import tsx scripts/bench-triton.ts [--device cpu|gpu] [--triton-home DIR] [--max-rows 1000000]
 *     [--models abp,large] [--seconds 8] [--out bench.json]
 *
 * --device cpu: the CPU engine on all cores against Triton FIL with KIND_CPU
 * instances. --device gpu: the CUDA engine against Triton FIL with KIND_GPU,
 * host arrays in and out for both, then device-resident input (a DeviceMatrix:
 * the CUDA engine's predictDevice and Triton reading it in place), output
 * back to host for both. Triton: --triton-home, else TRITON_HOME, else
 * ../shared/triton/linux-x64-cpu. The models are served from a temporary
 * repository with max_batch_size = --max-rows, so each batch is one request
 * to either engine; the instance kind and FIL's parameters are set as the
 * pipeline sets them (config override at load).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { cudaInfo } from '../src/engine/device.js';
import { DeviceMatrix, GpuForestModel } from '../src/engine/gpu-model.js';
import { openModel, type LoadedModel } from '../src/model-repo/open.js';
import { featureMatrix } from '../src/stages/parse-value.js';
import { TritonServer, selectTritonEngine, type TritonForest } from '../src/triton/index.js';
import { tileRows } from '../test/fixtures.js';
import { medianSeconds } from './median-time.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    device: { type: 'string', default: '' },
    'triton-home': { type: 'string', default: '' },
    'max-rows': { type: 'string', default: '1000000' },
    models: { type: 'string', default: 'abp,large' },
    out: { type: 'string', default: '' },
    seconds: { type: 'string', default: '8' },
  },
});

const cuda = await cudaInfo();
const device = values.device || (cuda.available ? 'gpu' : 'cpu');
if (device !== 'cpu' && device !== 'gpu') throw new Error(`--device must be cpu or gpu, not ${device}`);
if (device === 'gpu' && !cuda.available) {
  console.error(`--device gpu: no usable GPU (${cuda.reason})`);
  process.exit(2);
}
const home = path.resolve(values['triton-home'] || process.env.TRITON_HOME || path.join(ROOT, '..', 'shared', 'triton', 'linux-x64-cpu'));
const maxRows = Number(values['max-rows']);
/** A size whose call would take longer than this at the last size's rate is skipped ('—'). */
const budget = Number(values.seconds);
const sizes = [1e3, 1e4, 1e5, 1e6, 1e7].filter((n) => n <= maxRows);

/** Median seconds after one warm-up; repeats fit in about a second (a slow first run is the figure). Up to
 * 1,000 of them: at 1k rows a call takes ~100 µs, and 25 repeats were too few for a steady figure (the GPU's
 * clocks still ramping up: both sides read ~104 µs on the H200 where the latency bench's 600 calls read 60-75). */
const time = (fn: () => Promise<unknown>) => medianSeconds(fn, { minReps: 3, maxReps: 1000, slowS: 2 });

function maxDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// The bench repository: the shipped ABP model and the 500-tree fixture, each one request per batch.
const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-bench-triton-'));
function addModel(name: string, features: number, modelJson: Buffer, columns: string[]): void {
  const dir = path.join(repo, name);
  fs.mkdirSync(path.join(dir, '1'), { recursive: true });
  fs.writeFileSync(path.join(dir, '1', 'xgboost.json'), modelJson);
  fs.writeFileSync(path.join(dir, 'columns_fil.txt'), columns.join('\n') + '\n');
  fs.writeFileSync(
    path.join(dir, 'config.pbtxt'),
    `name: "${name}"
backend: "fil"
max_batch_size: ${maxRows}
input [ { name: "input__0" data_type: TYPE_FP32 dims: [ ${features} ] } ]
output [ { name: "output__0" data_type: TYPE_FP32 dims: [ 1 ] } ]
instance_group [ { count: 1 kind: KIND_GPU } ]
parameters [
  { key: "model_type" value: { string_value: "xgboost_json" } },
  { key: "output_class" value: { string_value: "false" } }
]
`,
  );
}

const catalog = {
  abp: () => {
    const columns = fs.readFileSync(path.join(ROOT, 'models/abp-nvsmi-xgb/columns_fil.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    addModel('abp-nvsmi-xgb', columns.length, fs.readFileSync(path.join(ROOT, 'models/abp-nvsmi-xgb/1/xgboost.json')), columns);
    const text = gunzipSync(fs.readFileSync(path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz'))).toString('utf8');
    const records = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
    return { name: 'abp-nvsmi-xgb', label: 'abp-nvsmi-xgb (50 trees, 5 features)', data: featureMatrix(records, columns) };
  },
  large: () => {
    const columns = Array.from({ length: 30 }, (_, i) => `f${i}`);
    addModel('large', 30, gunzipSync(fs.readFileSync(path.join(ROOT, 'test/fixtures/large.json.gz'))), columns);
    const raw = gunzipSync(fs.readFileSync(path.join(ROOT, 'test/fixtures/large.input.f32.gz')));
    const x = new Float32Array(raw.byteLength / 4);
    new Uint8Array(x.buffer).set(raw);
    return { name: 'large', label: 'large (500 trees, depth 8, 30 features)', data: x };
  },
};
const wanted = values.models!.split(',').map((k) => {
  const make = catalog[k as keyof typeof catalog];
  if (!make) throw new Error(`--models: unknown model '${k}' (abp, large)`);
  return make();
});

interface Row {
  model: string;
  rows: number;
  /** rows/s; null: skipped, the call would take over --seconds. */
  embedded: number | null;
  triton: number | null;
  maxDiff: number | null;
  /** --device gpu: DeviceMatrix input for both, output to host. */
  embeddedDevice?: number;
  tritonDevice?: number;
}
const results: Row[] = [];
let library = '';
let kind = '';
try {
  for (const m of wanted) {
    const embedded: LoadedModel = await openModel(m.name, { repository: repo, engineOptions: { device } });
    const sel = await selectTritonEngine(embedded, { engine: 'triton', tritonHome: home, memory: 'cpu' });
    if (sel.engine !== 'triton') throw new Error(sel.reason);
    library = sel.library;
    kind = sel.kind;
    const triton: TritonForest = sel.forest;
    const F = embedded.numFeature;
    const all = tileRows(m.data, F, sizes[sizes.length - 1]!);
    let embeddedRate = Infinity;
    let tritonRate = Infinity;
    for (const n of sizes) {
      const x = all.subarray(0, n * F);
      const runEmbedded = n / embeddedRate < budget;
      const runTriton = n / tritonRate < budget;
      if (!runEmbedded && !runTriton) break;
      const [a, b] = await Promise.all([
        runEmbedded ? embedded.forest.predict(x, n) : undefined,
        runTriton ? triton.predict(x, n) : undefined,
      ]);
      const row: Row = {
        model: m.label,
        rows: n,
        embedded: runEmbedded ? (embeddedRate = n / (await time(() => embedded.forest.predict(x, n)))) : null,
        triton: runTriton ? (tritonRate = n / (await time(() => triton.predict(x, n)))) : null,
        maxDiff: a && b ? maxDiff(a, b) : null,
      };
      if (device === 'gpu' && embedded.forest instanceof GpuForestModel) {
        const gpu = embedded.forest;
        const dm = await DeviceMatrix.upload(x, n, F);
        try {
          row.embeddedDevice = n / (await time(() => gpu.predictDevice(dm)));
          row.tritonDevice = n / (await time(() => triton.predict(dm)));
        } finally {
          dm.dispose();
        }
      }
      results.push(row);
      console.error(JSON.stringify(row));
    }
    embedded.forest.dispose();
  }
} finally {
  await TritonServer.running()?.dispose();
  fs.rmSync(repo, { recursive: true, force: true });
}

const fmt = (r: number | null | undefined) => (r == null ? '—' : r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : `${(r / 1e3).toFixed(1)} k`);
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? '—' : `${(a / b).toFixed(2)}x`);
const engineName = device === 'gpu' ? `CUDA engine (${cuda.devices[0]?.name ?? 'gpu:0'})` : `CPU engine (${os.cpus().length} cores)`;
console.log(
  `Triton FIL (${library}, ${kind}) vs the embedded ${engineName}; rows/s, median of repeats, one request per batch; ` +
    `load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}.`,
);
const deviceCols = device === 'gpu';
console.log(`| model | rows | embedded | Triton FIL | embedded / Triton | max abs diff |${deviceCols ? ' embedded, device in | Triton, device in | ratio |' : ''}`);
console.log(`|---|---:|---:|---:|---:|---:|${deviceCols ? '---:|---:|---:|' : ''}`);
for (const r of results) {
  const dev = deviceCols ? ` ${fmt(r.embeddedDevice)} | ${fmt(r.tritonDevice)} | ${ratio(r.embeddedDevice, r.tritonDevice)} |` : '';
  const diff = r.maxDiff == null ? '—' : r.maxDiff.toExponential(1);
  console.log(`| ${r.model} | ${r.rows.toLocaleString('en-US')} | ${fmt(r.embedded)} | ${fmt(r.triton)} | ${ratio(r.embedded, r.triton)} | ${diff} |${dev}`);
}
console.log("'—': skipped, the call would take over --seconds at the previous size's rate.");
if (values.out) fs.writeFileSync(values.out, JSON.stringify({ device, library, kind, results }, null, 2));
