/**
 * Where a small batch's time goes in the CUDA engine, call by call (issue 12: at 1k rows Triton FIL answers
 * in ~90 µs, the engine in ~100-135 µs). For each model and batch size, and for each small-batch switch
 * (README, "Small batches: profile and switches"), in one process:
 *   - wall time per call (median, p90) of a model loaded without profiling: what a user sees;
 *   - the same calls on a model loaded with ABP_CUDA_PROFILE=1, split into
 *       js        the TS wrapper, promise and await (wall minus the native span),
 *       bind      binding entry to worker queued (argument checks, output allocation),
 *       dispatch  queued to Execute on a libuv threadpool thread,
 *       setup / stage in / enqueue / wait / stage out   inside the engine (host clock),
 *       complete  Execute done to OnOK on the JS thread,  settle  result made and promise resolved,
 *     and the GPU side from CUDA events: h2d, kernel (forest kernel or split-trees kernel), sum (leaf sum of
 *     split trees), d2h, gpu (first queued op to last);
 *   - "bits≠": outputs that differ in any bit from the default (base) variant's (must be 0);
 * for host arrays in and out (predict) and a DeviceMatrix in, host out (predictDevice); with Triton FIL's wall
 * times beside them when a Triton is found (--triton-home, TRITON_HOME, or none: --no-triton).
 *
 *   node --import tsx scripts/bench-gpu-latency.ts [--models abp,large] [--rows 1000,4000,10000] [--calls 1000]
 *     [--variants base,no-reuse-out,sum-coop,graph,spin-wait,inline,no-direct,no-split,tile-4k,threads-64,split-4,split-8,all,all+inline]
 *     [--triton-home DIR] [--no-triton] [--out f.json]
 *
 * Exits 2, saying why, where no GPU is usable.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { cudaInfo } from '../src/engine/device.js';
import { DeviceMatrix, GpuForestModel } from '../src/engine/gpu-model.js';
import { addon, type NativeCallProfile } from '../src/native/addon.js';
import { openModel } from '../src/model-repo/open.js';
import { featureMatrix } from '../src/stages/parse-value.js';
import { TritonServer, selectTritonEngine, type TritonForest } from '../src/triton/index.js';
import { tileRows } from '../test/fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'abp,large' },
    rows: { type: 'string', default: '1000,4000,10000' },
    calls: { type: 'string', default: '1000' },
    variants: { type: 'string', default: 'base,no-reuse-out,sum-coop,graph,spin-wait,inline,no-direct,no-split,tile-4k,threads-64,split-4,split-8,all,all+inline' },
    'triton-home': { type: 'string', default: '' },
    'no-triton': { type: 'boolean', default: false },
    out: { type: 'string', default: '' },
  },
});

const info = await cudaInfo();
if (!info.available) {
  console.error(`bench-gpu-latency: SKIPPED, no usable GPU (${info.reason})`);
  process.exit(2);
}

/** The switches each variant loads its model with (read at load; see README). */
const VARIANTS: Record<string, Record<string, string>> = {
  base: {},
  // Keeping predictDevice's output buffer is the default since 2026-12-01: this variant turns it off.
  'no-reuse-out': { ABP_CUDA_REUSE_OUT: '0' },
  'sum-coop': { ABP_CUDA_SUM_LEAVES: 'coop' },
  // Direct copies (the default) take small host batches off the graph: off here, as when graph was measured.
  graph: { ABP_CUDA_GRAPH: '1', ABP_CUDA_DIRECT_BELOW: '0' },
  'spin-wait': { ABP_CUDA_SPIN_WAIT: '1' },
  inline: { ABP_CUDA_INLINE_ROWS: '10000' },
  'no-direct': { ABP_CUDA_DIRECT_BELOW: '0' },
  'no-split': { ABP_CUDA_SPLIT_TREES: '0' },
  // Existing layout switches that change how a small batch spreads over the SMs (same bits).
  'tile-4k': { ABP_CUDA_TILE_KB: '4' },
  'threads-64': { ABP_CUDA_THREADS: '64' },
  'split-4': { ABP_CUDA_SPLIT_PER_SM: '4' },
  'split-8': { ABP_CUDA_SPLIT_PER_SM: '8' },
  // Every switch on as first measured (2026-12-01): reuse-out (now the default), sum-coop, graph, spin-wait,
  // with direct copies off (they would take small host batches off the graph).
  all: { ABP_CUDA_REUSE_OUT: '1', ABP_CUDA_SUM_LEAVES: 'coop', ABP_CUDA_GRAPH: '1', ABP_CUDA_SPIN_WAIT: '1', ABP_CUDA_DIRECT_BELOW: '0' },
  'all+inline': { ABP_CUDA_REUSE_OUT: '1', ABP_CUDA_SUM_LEAVES: 'coop', ABP_CUDA_GRAPH: '1', ABP_CUDA_SPIN_WAIT: '1', ABP_CUDA_DIRECT_BELOW: '0', ABP_CUDA_INLINE_ROWS: '10000' },
};
const variantNames = values.variants!.split(',');
for (const v of variantNames) if (!VARIANTS[v]) throw new Error(`--variants: unknown '${v}' (${Object.keys(VARIANTS).join(', ')})`);
if (variantNames[0] !== 'base') variantNames.unshift('base'); // the reference for bits≠
const sizes = values.rows!.split(',').map(Number);
const calls = Number(values.calls);

// Models: the shipped ABP model on real telemetry rows, the 500-tree fixture on its rows.
interface Bench {
  name: string;
  label: string;
  json: Buffer;
  columns: string[];
  data: Float32Array;
}
const catalog: Record<string, () => Bench> = {
  abp: () => {
    const columns = fs.readFileSync(path.join(ROOT, 'models/abp-nvsmi-xgb/columns_fil.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    const text = gunzipSync(fs.readFileSync(path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz'))).toString('utf8');
    const records = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
    return {
      name: 'abp-nvsmi-xgb',
      label: 'abp-nvsmi-xgb (50 trees, 5 features)',
      json: fs.readFileSync(path.join(ROOT, 'models/abp-nvsmi-xgb/1/xgboost.json')),
      columns,
      data: featureMatrix(records, columns),
    };
  },
  large: () => {
    const raw = gunzipSync(fs.readFileSync(path.join(ROOT, 'test/fixtures/large.input.f32.gz')));
    const data = new Float32Array(raw.byteLength / 4);
    new Uint8Array(data.buffer).set(raw);
    return {
      name: 'large',
      label: 'large (500 trees, depth 8, 30 features)',
      json: gunzipSync(fs.readFileSync(path.join(ROOT, 'test/fixtures/large.json.gz'))),
      columns: Array.from({ length: 30 }, (_, i) => `f${i}`),
      data,
    };
  },
};
const benches = values.models!.split(',').map((k) => {
  const make = catalog[k];
  if (!make) throw new Error(`--models: unknown model '${k}' (${Object.keys(catalog).join(', ')})`);
  return make();
});

async function loadWith(bytes: Uint8Array, name: string, env: Record<string, string>): Promise<GpuForestModel> {
  const saved = Object.keys(env).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, env);
  try {
    return await GpuForestModel.fromBytes(bytes, { format: 'json', name });
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function bitDifferences(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) n++;
  return n;
}

/** Wall microseconds of `n` sequential calls, after a warm-up of 50. */
async function wall(fn: () => Promise<unknown>, n: number): Promise<number[]> {
  for (let i = 0; i < 50; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push((performance.now() - t) * 1e3);
  }
  return out;
}

const FIELDS = [
  'js', 'bindUs', 'dispatchUs', 'setupUs', 'stageInUs', 'enqueueUs', 'waitUs', 'stageOutUs', 'completeUs', 'settleUs',
  'h2dUs', 'kernelUs', 'sumUs', 'd2hUs', 'gpuUs',
] as const;
const HEAD = ['js', 'bind', 'dispatch', 'setup', 'stage in', 'enqueue', 'wait', 'stage out', 'complete', 'settle', 'h2d', 'kernel', 'sum', 'd2h', 'gpu'];

interface Cell {
  model: string;
  rows: number;
  path: 'host' | 'device';
  variant: string;
  layout?: string;
  p50: number;
  p90: number;
  bitsDiffer: number | null;
  /** Medians (and p90) of the profiled calls' parts, µs; -1: not measured. */
  parts?: Record<string, { p50: number; p90: number }>;
  split?: boolean;
  graph?: boolean;
}
const cells: Cell[] = [];

/** The profiled calls' parts: medians and p90 of each field; js = wall minus the native span. */
function parts(walls: number[], recs: NativeCallProfile[]): Record<string, { p50: number; p90: number }> {
  if (recs.length !== walls.length) throw new Error(`profile: ${recs.length} records for ${walls.length} calls`);
  const out: Record<string, { p50: number; p90: number }> = {};
  for (const f of FIELDS) {
    const xs = recs.map((r, i) => (f === 'js' ? walls[i]! - r.nativeUs : (r[f] as number)));
    out[f] = { p50: quantile(xs, 0.5), p90: quantile(xs, 0.9) };
  }
  return out;
}

// Triton FIL beside the engine: one request per batch, KIND_GPU, as in bench-triton.ts.
const tritonHome = values['no-triton'] ? '' : values['triton-home'] || process.env.TRITON_HOME || '';
const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-bench-latency-'));
let tritonNote = values['no-triton'] ? 'Triton: --no-triton' : tritonHome ? '' : 'Triton: no --triton-home or TRITON_HOME';

// The Triton repository holds every model before the server starts (as bench-triton.ts).
for (const b of benches) {
  const dir = path.join(repo, b.name);
  fs.mkdirSync(path.join(dir, '1'), { recursive: true });
  fs.writeFileSync(path.join(dir, '1', 'xgboost.json'), b.json);
  fs.writeFileSync(path.join(dir, 'columns_fil.txt'), b.columns.join('\n') + '\n');
  fs.writeFileSync(
    path.join(dir, 'config.pbtxt'),
    `name: "${b.name}"\nbackend: "fil"\nmax_batch_size: ${Math.max(...sizes)}\n` +
      `input [ { name: "input__0" data_type: TYPE_FP32 dims: [ ${b.columns.length} ] } ]\n` +
      `output [ { name: "output__0" data_type: TYPE_FP32 dims: [ 1 ] } ]\n` +
      `instance_group [ { count: 1 kind: KIND_GPU } ]\n` +
      `parameters [ { key: "model_type" value: { string_value: "xgboost_json" } }, { key: "output_class" value: { string_value: "false" } } ]\n`,
  );
}

try {
  for (const b of benches) {
    const F = b.columns.length;
    let triton: TritonForest | undefined;
    let tritonSide: { forest: { dispose(): void } } | undefined;
    if (tritonHome) {
      try {
        const loaded = await openModel(b.name, { repository: repo, engineOptions: { device: 'gpu' } });
        tritonSide = loaded;
        const sel = await selectTritonEngine(loaded, { engine: 'triton', tritonHome, memory: 'cpu' });
        if (sel.engine !== 'triton') throw new Error(sel.reason);
        triton = sel.forest;
        tritonNote = `Triton: ${sel.library}, ${sel.kind}`;
      } catch (err) {
        tritonNote = `Triton not run: ${(err as Error).message.split('\n')[0]}`;
      }
    }
    const models = new Map<string, { plain: GpuForestModel; profiled: GpuForestModel }>();
    for (const v of variantNames) {
      models.set(v, {
        plain: await loadWith(b.json, b.name, VARIANTS[v]!),
        profiled: await loadWith(b.json, b.name, { ...VARIANTS[v]!, ABP_CUDA_PROFILE: '1' }),
      });
    }
    try {
      for (const n of sizes) {
        const x = tileRows(b.data, F, n);
        const dm = await DeviceMatrix.upload(x, n, F);
        try {
          const ref = { host: await models.get('base')!.plain.predict(x, n), device: await models.get('base')!.plain.predictDevice(dm) };
          for (const v of variantNames) {
            const { plain, profiled } = models.get(v)!;
            for (const p of ['host', 'device'] as const) {
              const call = (m: GpuForestModel) => (p === 'host' ? m.predict(x, n) : m.predictDevice(dm));
              const bitsDiffer = bitDifferences(await call(plain), ref[p]) + bitDifferences(await call(profiled), ref[p]);
              const w = await wall(() => call(plain), calls);
              await wall(() => call(profiled), 0); // warm-up only
              addon().cuda.takeProfile(); // drops the warm-up's records
              const pw: number[] = [];
              for (let i = 0; i < calls; i++) {
                const t = performance.now();
                await call(profiled);
                pw.push((performance.now() - t) * 1e3);
              }
              const recs = addon().cuda.takeProfile();
              const cell: Cell = {
                model: b.label, rows: n, path: p, variant: v, layout: plain.info.layout,
                p50: quantile(w, 0.5), p90: quantile(w, 0.9), bitsDiffer,
                parts: parts(pw, recs),
                split: recs.some((r) => r.split), graph: recs.some((r) => r.graph),
              };
              cells.push(cell);
              console.error(JSON.stringify({ model: b.name, rows: n, path: p, variant: v, p50: cell.p50, p90: cell.p90, bitsDiffer }));
            }
          }
          if (triton) {
            const t = triton;
            for (const p of ['host', 'device'] as const) {
              const w = await wall(() => (p === 'host' ? t.predict(x, n) : t.predict(dm)), calls);
              cells.push({ model: b.label, rows: n, path: p, variant: 'Triton FIL', p50: quantile(w, 0.5), p90: quantile(w, 0.9), bitsDiffer: null });
            }
          }
        } finally {
          dm.dispose();
        }
      }
      console.log(`\n### ${b.label}: variants' layouts`);
      for (const v of variantNames) console.log(`- ${v}: ${models.get(v)!.plain.info.layout}`);
    } finally {
      for (const { plain, profiled } of models.values()) {
        plain.dispose();
        profiled.dispose();
      }
      tritonSide?.forest.dispose();
    }
  }
} finally {
  await TritonServer.running()?.dispose();
  fs.rmSync(repo, { recursive: true, force: true });
}

const f1 = (v: number | undefined) => (v == null || Number.isNaN(v) ? '—' : v < 0 ? '·' : v.toFixed(1));
console.log(
  `\nCUDA engine (${info.devices[0]?.name ?? 'gpu:0'}), ${calls} sequential calls per cell after 50 warm-up; µs per call. ` +
    `p50/p90: wall, model loaded without profiling; parts: medians of the same calls on a profiling model ` +
    `(they need not add up to the p50); '·' not measured (no input copy with a DeviceMatrix; inside a CUDA graph). ${tritonNote}. ` +
    `Load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}.`,
);
const keys = [...new Set(cells.map((c) => `${c.model}|${c.rows}|${c.path}`))];
for (const k of keys) {
  const [model, rows, p] = k.split('|');
  console.log(`\n#### ${model}, ${Number(rows).toLocaleString('en-US')} rows, ${p === 'host' ? 'host arrays in and out' : 'DeviceMatrix in, host out'}`);
  console.log(`| variant | p50 | p90 | M rows/s | bits≠ | ${HEAD.join(' | ')} |`);
  console.log(`|---|${'---:|'.repeat(4 + HEAD.length)}`);
  for (const c of cells.filter((c) => `${c.model}|${c.rows}|${c.path}` === k)) {
    const mrows = (Number(rows) / c.p50).toFixed(2);
    const ps = FIELDS.map((f) => f1(c.parts?.[f]?.p50)).join(' | ');
    const tag = c.split ? ' (split)' : '';
    console.log(`| ${c.variant}${tag}${c.graph ? ' (graph)' : ''} | ${f1(c.p50)} | ${f1(c.p90)} | ${mrows} | ${c.bitsDiffer ?? '—'} | ${ps} |`);
  }
  const ours = cells.filter((c) => `${c.model}|${c.rows}|${c.path}` === k && c.variant !== 'Triton FIL');
  const best = ours.reduce((a, c) => (c.p50 < a.p50 ? c : a));
  const base = ours.find((c) => c.variant === 'base')!;
  const tr = cells.find((c) => `${c.model}|${c.rows}|${c.path}` === k && c.variant === 'Triton FIL');
  console.log(`\nFastest: ${best.variant}, ${f1(best.p50)} µs (base ${f1(base.p50)} µs${tr ? `, Triton FIL ${f1(tr.p50)} µs: ${(tr.p50 / best.p50).toFixed(2)}x Triton's rows/s` : ''}).`);
}
const bad = cells.filter((c) => (c.bitsDiffer ?? 0) > 0);
console.log(bad.length === 0 ? '\nEvery variant gave the base variant\'s bits.' : `\nBITS DIFFER: ${bad.map((c) => `${c.model} ${c.rows} ${c.path} ${c.variant}`).join('; ')}`);
if (values.out) fs.writeFileSync(values.out, JSON.stringify({ device: info.devices[0]?.name, calls, tritonNote, cells }, null, 2));
process.exitCode = bad.length === 0 ? 0 : 1;
