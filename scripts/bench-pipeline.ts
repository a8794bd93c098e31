/**
 * Benchmark of the whole ABP pipeline on a large input made by repeating the
 * real telemetry, beside a naive JSON.parse / JSON.stringify pipeline run on
 * the same input in the same run. Each side runs in its own child process so
 * peak RSS is its own.
 *
 *   npx tsx scripts/bench-pipeline.ts [--rows=100000] [--model=abp-nvsmi-xgb] [--repository=DIR] [--keep]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { Pipeline, openModel, featureMatrix } from '../src/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (k: string, d?: string) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;

function pickModel(): { model: string; repository?: string } {
  const model = arg('model');
  const repository = arg('repository');
  if (model) return { model, repository };
  if (fs.existsSync(path.join(ROOT, 'models/abp-nvsmi-xgb/config.pbtxt'))) return { model: 'abp-nvsmi-xgb' };
  return { model: 'dev-xgb', repository: path.join(ROOT, 'test/pipeline-data/models') };
}

async function ours(input: string, output: string) {
  const { model, repository } = pickModel();
  const r = await new Pipeline({ numThreads: 0 })
    .fromFile(input).deserialize().preprocess().inference({ modelName: model, modelRepository: repository })
    .addClass().serialize().toFile(output, { overwrite: true }).run();
  return { rows: r.rowsOut, seconds: r.seconds, times: r.times, model };
}

async function naive(input: string, output: string) {
  const { model, repository } = pickModel();
  const t0 = performance.now();
  const m = await openModel(model, { repository });
  const out = fs.createWriteStream(output);
  const rl = readline.createInterface({ input: fs.createReadStream(input), crlfDelay: Infinity });
  let batch: Record<string, unknown>[] = [];
  let rows = 0;
  const flush = async () => {
    const p = await m.forest.predict(featureMatrix(batch, m.columns), batch.length);
    let s = '';
    batch.forEach((r, i) => {
      r.mining = p[i] > m.entry.threshold;
      s += JSON.stringify(r) + '\n';
    });
    rows += batch.length;
    batch = [];
    if (!out.write(s)) await new Promise((res) => out.once('drain', res));
  };
  for await (const line of rl) {
    if (!line) continue;
    batch.push(JSON.parse(line));
    if (batch.length === 1024) await flush();
  }
  if (batch.length) await flush();
  await new Promise((res) => out.end(res));
  m.forest.dispose();
  return { rows, seconds: (performance.now() - t0) / 1000, model };
}

async function child(mode: string, input: string, output: string) {
  const r = mode === 'ours' ? await ours(input, output) : await naive(input, output);
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ ...r, peakRssMiB }) + '\n');
}

async function main() {
  const mode = arg('child');
  if (mode) return child(mode, arg('input')!, arg('output')!);
  const rowsWanted = Number(arg('rows', '100000'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-bench-'));
  const input = path.join(dir, 'big.jsonlines');
  const src = gunzipSync(fs.readFileSync(path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz')));
  const perCopy = src.toString('latin1').split('\n').filter(Boolean).length;
  const fd = fs.openSync(input, 'w');
  let rows = 0;
  while (rows < rowsWanted) {
    fs.writeSync(fd, src);
    rows += perCopy;
  }
  fs.closeSync(fd);
  const bytes = fs.statSync(input).size;
  const me = fileURLToPath(import.meta.url);
  const res: Record<string, any> = {};
  for (const m of ['ours', 'naive']) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', me, `--child=${m}`, `--input=${input}`, `--output=${path.join(dir, `out-${m}.jsonlines`)}`], { cwd: ROOT, maxBuffer: 1 << 24 });
    res[m] = JSON.parse(out.toString().trim().split('\n').pop()!);
    fs.rmSync(path.join(dir, `out-${m}.jsonlines`), { force: true });
  }
  if (process.argv.includes('--keep')) console.log(`input kept: ${input}`);
  else fs.rmSync(dir, { recursive: true, force: true });
  const line = (name: string, r: any) =>
    `${name.padEnd(6)} ${r.rows} rows in ${r.seconds.toFixed(2)} s: ${(r.rows / r.seconds).toFixed(0)} rows/s, ${(bytes / 1e6 / r.seconds).toFixed(0)} MB/s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB`;
  console.log(`input: ${rows} rows, ${(bytes / 1e9).toFixed(2)} GB (the real records x${Math.ceil(rowsWanted / perCopy)}); model ${res.ours.model}; ${os.cpus().length} cores`);
  console.log(line('abp', res.ours));
  console.log(`       stage ms: ${Object.entries(res.ours.times).map(([k, v]) => `${k} ${(v as number).toFixed(0)}`).join(', ')}`);
  console.log(line('naive', res.naive));
  console.log(`speed-up: ${(res.naive.seconds / res.ours.seconds).toFixed(2)}x`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
