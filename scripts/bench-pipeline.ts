/**
 * Benchmark of the whole ABP pipeline on a large input made by repeating the
 * real telemetry, beside a naive JSON.parse / JSON.stringify pipeline run on
 * the same input in the same run. Each side runs in its own child process so
 * peak RSS is its own. Several sizes (--rows=50000,100000,200000) show whether
 * memory stays flat as the input grows.
 *
 *   npx tsx scripts/bench-pipeline.ts [--rows=100000[,200000...]] [--naive=all|first|none]
 *       [--model=abp-nvsmi-xgb] [--repository=DIR] [--keep]
 *
 * Stage times are the JS thread's own (read = waiting on the file, write =
 * waiting on the output stream); "engine" is the wall time of the engine's
 * predict calls, which overlap the other stages and are not part of the sum.
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
  const u = process.resourceUsage();
  const peakRssMiB = u.maxRSS / 1024;
  const cpuSeconds = (u.userCPUTime + u.systemCPUTime) / 1e6;
  process.stdout.write(JSON.stringify({ ...r, peakRssMiB, cpuSeconds }) + '\n');
}

function makeInput(file: string, src: Buffer, perCopy: number, rowsWanted: number): { rows: number; bytes: number; copies: number } {
  const fd = fs.openSync(file, 'w');
  let rows = 0;
  let copies = 0;
  while (rows < rowsWanted) {
    fs.writeSync(fd, src);
    rows += perCopy;
    copies++;
  }
  fs.closeSync(fd);
  return { rows, bytes: fs.statSync(file).size, copies };
}

function runChild(mode: string, input: string, output: string): any {
  const me = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--import', 'tsx', me, `--child=${mode}`, `--input=${input}`, `--output=${output}`], { cwd: ROOT, maxBuffer: 1 << 24 });
  fs.rmSync(output, { force: true });
  return JSON.parse(out.toString().trim().split('\n').pop()!);
}

async function main() {
  const mode = arg('child');
  if (mode) return child(mode, arg('input')!, arg('output')!);
  const sizes = arg('rows', '100000')!.split(',').map(Number);
  const naiveAt = arg('naive', 'all');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-bench-'));
  const src = gunzipSync(fs.readFileSync(path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz')));
  let perCopy = 0;
  for (let i = src.indexOf(10); i !== -1; i = src.indexOf(10, i + 1)) perCopy++;
  const table: string[] = [];
  const line = (name: string, r: any, bytes: number) =>
    `${name.padEnd(6)} ${r.rows} rows in ${r.seconds.toFixed(2)} s: ${(r.rows / r.seconds).toFixed(0)} rows/s, ${(bytes / 1e6 / r.seconds).toFixed(0)} MB/s, ` +
    `peak RSS ${r.peakRssMiB.toFixed(0)} MiB, CPU ${r.cpuSeconds.toFixed(1)} s`;
  for (const [k, rowsWanted] of sizes.entries()) {
    const input = path.join(dir, `big-${rowsWanted}.jsonlines`);
    const { rows, bytes, copies } = makeInput(input, src, perCopy, rowsWanted);
    const ours = runChild('ours', input, path.join(dir, 'out-ours.jsonlines'));
    const runNaive = naiveAt === 'all' || (naiveAt === 'first' && k === 0);
    const naive = runNaive ? runChild('naive', input, path.join(dir, 'out-naive.jsonlines')) : undefined;
    if (process.argv.includes('--keep')) console.log(`input kept: ${input}`);
    else fs.rmSync(input, { force: true });
    console.log(`input: ${rows} rows, ${(bytes / 1e9).toFixed(2)} GB (the real records x${copies}); model ${ours.model}; ${os.cpus().length} cores`);
    console.log(line('abp', ours, bytes));
    console.log(`       stage ms: ${Object.entries(ours.times).map(([n, v]) => `${n} ${(v as number).toFixed(0)}`).join(', ')}`);
    if (naive) {
      console.log(line('naive', naive, bytes));
      console.log(`speed-up: ${(naive.seconds / ours.seconds).toFixed(2)}x`);
    }
    table.push(
      `| ${rows} | ${(bytes / 1e9).toFixed(2)} | ${(rows / ours.seconds).toFixed(0)} | ${(bytes / 1e6 / ours.seconds).toFixed(0)} | ${ours.peakRssMiB.toFixed(0)} | ` +
        (naive ? `${(rows / naive.seconds).toFixed(0)} | ${naive.peakRssMiB.toFixed(0)} |` : '- | - |'),
    );
  }
  if (!process.argv.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
  console.log('\n| rows | GB | abp rows/s | abp MB/s | abp peak RSS MiB | naive rows/s | naive peak RSS MiB |\n|---|---|---|---|---|---|---|');
  for (const t of table) console.log(t);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
