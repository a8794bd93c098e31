/**
 * Rows/s of our CPU engine against XGBoost 1.7.4's own predictor
 * (Booster.inplace_predict, same model file, same thread count), measured in
 * the same run: XGBoost runs in a child /usr/bin/python3 process.
 *
 *   npx tsx scripts/bench-engine.ts [--threads N] [--batches 1,1000,100000,1000000] [--seconds S] [--rounds R]
 *                                   [--models abp,large,gpm]
 *
 * Models: (a) the shipped ABP model, models/abp-nvsmi-xgb/1/, on feature rows
 * of the real H200 telemetry (data/nvsmi-h200-train.jsonlines.gz); (b) the
 * large golden fixture (500 trees, depth 8, 30 features) on its own inputs;
 * (c, with --models ...,gpm) the shipped GPM model, models/abp-gpm-xgb/1/ (three
 * seeds' forests merged, 360 trees of depth 4), on the raw and derived features
 * (derived_fil.txt, as the serving code computes them) of a real GPM capture.
 * Inputs are tiled to each batch size. Both sides predict the same rows and
 * the script checks that their first rows agree bit for bit.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { ForestModel } from '../src/engine/model.js';
import { readDerived } from '../src/model-repo/derived.js';
import { featureMatrix } from '../src/stages/parse-value.js';
import { tileRows } from '../test/fixtures.js';
import { readJsonLines } from './jsonlines.js';
import { medianSeconds } from './median-time.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: String(availableParallelism()) },
    batches: { type: 'string', default: '1,1000,100000,1000000' },
    seconds: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    models: { type: 'string', default: 'abp,large' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const threads = Number(values.threads);
const batches = values.batches!.split(',').map(Number);
const budget = Number(values.seconds);
const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'abp-bench-'));

function f32(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

interface Case {
  label: string;
  modelPath: string;
  input: Float32Array; // base rows, tiled per batch
  width: number;
}

/** A shipped model directory's model file and the raw columns it reads (columns_fil.txt). */
function shippedModel(name: string) {
  const repo = join(root, 'models', name);
  const file = readdirSync(join(repo, '1')).find((f) => /\.(json|ubj|model|bst)$/.test(f));
  if (!file) throw new Error(`${repo}/1: no model file`);
  const columns = readFileSync(join(repo, 'columns_fil.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return { repo, modelPath: join(repo, '1', file), columns };
}

function abpCase(): Case {
  const { modelPath, columns } = shippedModel('abp-nvsmi-xgb');
  const records = readJsonLines(join(root, 'data/nvsmi-h200-train.jsonlines.gz'));
  return { label: 'abp-nvsmi-xgb', modelPath, input: featureMatrix(records, columns), width: columns.length };
}

function gpmCase(): Case {
  const { repo, modelPath, columns } = shippedModel('abp-gpm-xgb');
  const derived = readDerived(join(repo, 'derived_fil.txt'), columns);
  if (!derived) throw new Error(`${repo}: no derived_fil.txt`);
  const records = readJsonLines(join(root, 'data/nvsmi-h200-gpm-ab2.jsonlines.gz'));
  const input = derived.apply(featureMatrix(records, columns), records.length, columns.length);
  return { label: 'abp-gpm-xgb', modelPath, input, width: columns.length + derived.features.length };
}

function largeCase(): Case {
  const fx = join(root, 'test/fixtures');
  const modelPath = join(work, 'large.model');
  writeFileSync(modelPath, gunzipSync(readFileSync(join(fx, 'large.model.gz'))));
  return { label: 'large fixture', modelPath, input: f32(gunzipSync(readFileSync(join(fx, 'large.input.f32.gz')))), width: 30 };
}

/** Median seconds per call over repeated calls filling about `budget` seconds (at least 3, or 1 when slow). */
const timeIt = (fn: () => Promise<unknown>) => medianSeconds(fn, { budgetS: budget, minReps: 3, maxReps: 10_000, slowS: budget });

// The XGBoost side: a child that loads the model once, then times one batch
// size per request line ("<rows>\n") and answers one JSON line.
const PY = String.raw`
import json, sys, time
import numpy as np
import xgboost as xgb
model, inp, width, threads, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
base = np.fromfile(inp, dtype='<f4').reshape(-1, width)
bst = xgb.Booster(model_file=model)
bst.set_param({'nthread': threads})
print(json.dumps({'ready': True}), flush=True)
for line in sys.stdin:
    b = int(line)
    x = np.ascontiguousarray(np.resize(base, (b, width)))
    t0 = time.perf_counter(); p = bst.inplace_predict(x); first = time.perf_counter() - t0
    reps = 1 if first > budget else max(3, min(10000, int(budget / max(first, 1e-6))))
    ts = [first]
    if reps > 1:
        ts = []
        for _ in range(reps):
            s = time.perf_counter(); bst.inplace_predict(x); ts.append(time.perf_counter() - s)
    ts.sort()
    head = np.asarray(p, dtype='<f4').reshape(-1)[: min(b, 1000)]
    print(json.dumps({'batch': b, 'seconds': ts[len(ts) // 2], 'head': head.tobytes().hex()}), flush=True)
`;

interface XgbResult {
  seconds: number;
  head: string;
}

/** A persistent XGBoost child process answering timing requests. */
class XgboostChild {
  private proc: ChildProcessWithoutNullStreams;
  private lines: AsyncIterator<string>;

  constructor(c: Case, inp: string, env: NodeJS.ProcessEnv) {
    this.proc = spawn(values.python!, ['-c', PY, c.modelPath, inp, String(c.width), String(threads), String(budget)], { env });
    let stderr = '';
    this.proc.stderr.on('data', (d) => (stderr += d));
    this.proc.on('error', (e) => (stderr += String(e)));
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
    this.stderr = () => stderr;
  }
  stderr: () => string;

  async next(): Promise<Record<string, unknown>> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`xgboost child ended: ${this.stderr().trim().split('\n').pop()}`);
    return JSON.parse(r.value) as Record<string, unknown>;
  }
  async time(batch: number): Promise<XgbResult> {
    this.proc.stdin.write(`${batch}\n`);
    return (await this.next()) as unknown as XgbResult;
  }
  close(): void {
    this.proc.stdin.end();
  }
}

/**
 * XGBoost's OpenMP threads spin while waiting by default, which on a busy or
 * CPU-quota'd machine can stall a call for tens of milliseconds; so it runs
 * both with the default and with OMP_WAIT_POLICY=passive, and the faster time
 * per batch is kept.
 */
async function startXgboost(c: Case): Promise<XgboostChild[] | string> {
  const inp = join(work, `${c.label.replace(/\W/g, '_')}.f32`);
  writeFileSync(inp, new Uint8Array(c.input.buffer, c.input.byteOffset, c.input.byteLength));
  const children: XgboostChild[] = [];
  try {
    for (const wait of [undefined, 'passive']) {
      const child = new XgboostChild(c, inp, { ...process.env, ...(wait ? { OMP_WAIT_POLICY: wait } : {}) });
      children.push(child);
      await child.next(); // ready
    }
  } catch (e) {
    for (const ch of children) ch.close();
    return `xgboost unavailable (${(e as Error).message})`;
  }
  return children;
}

const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0));

const rounds = Number(values.rounds);
const rowsOut: string[] = [];
rowsOut.push(
  `threads: ${threads}; per call: median over ~${budget} s of calls (one call when slower); best of ${rounds} interleaved rounds; ` +
    'XGBoost: faster of OMP_WAIT_POLICY default / passive',
);
rowsOut.push('| model | trees x depth | batch | ours rows/s | XGBoost 1.7.4 rows/s | ours / XGBoost | same bits |');
rowsOut.push('|---|---|---:|---:|---:|---:|:---:|');
try {
  const wanted = values.models!.split(',');
  const cases = [wanted.includes('abp') ? abpCase() : undefined, wanted.includes('gpm') ? gpmCase() : undefined,
    wanted.includes('large') ? largeCase() : undefined];
  for (const c of cases.filter((x): x is Case => x !== undefined)) {
    const model = await ForestModel.fromFile(c.modelPath);
    const xgb = await startXgboost(c);
    for (const b of batches) {
      const x = tileRows(c.input, c.width, b);
      let ours = Infinity;
      let theirs: XgbResult | undefined;
      // Alternate ours and XGBoost's so both see the same machine load.
      for (let r = 0; r < rounds; r++) {
        ours = Math.min(ours, await timeIt(() => model.predict(x, b, { threads })));
        if (typeof xgb !== 'string') {
          for (const child of xgb) {
            const t = await child.time(b);
            if (!theirs || t.seconds < theirs.seconds) theirs = t;
          }
        }
      }
      const head = (await model.predict(x, b, { threads })).subarray(0, Math.min(b, 1000));
      const oursHex = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('hex');
      const line =
        `| ${c.label} | ${model.info.numTrees} x ${model.info.maxDepth} | ${b} | ${fmt(b / ours)} | ` +
        (theirs
          ? `${fmt(b / theirs.seconds)} | ${(theirs.seconds / ours).toFixed(2)}x | ${theirs.head === oursHex ? 'yes' : 'NO'} |`
          : '— | — | — |');
      rowsOut.push(line);
      console.error(line);
    }
    if (typeof xgb === 'string') rowsOut.push(`(${c.label}: ${xgb})`);
    else for (const child of xgb) child.close();
    model.dispose();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(rowsOut.join('\n'));
