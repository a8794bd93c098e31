/**
 * Benchmark of the whole ABP pipeline (from-file → deserialize → preprocess →
 * inf-fil → add-class → serialize → to-file) on a large input made by
 * repeating the real telemetry, at several core counts, beside a naive
 * JSON.parse / JSON.stringify pipeline on the same input in the same run.
 * Each measurement runs in its own child process (peak RSS is its own),
 * pinned with `taskset` to the first N cores with --num_threads=N; without
 * taskset only the thread count changes. Core counts above this machine's
 * are skipped.
 *
 *   npx tsx scripts/bench-pipeline.ts [--cores=1,2,4,8,16] [--gb=2.8] [--rss=1,8] [--runs=1]
 *       [--naive=yes|no] [--device=cpu] [--dir=DIR] [--gz] [--model=abp-nvsmi-xgb] [--repository=DIR]
 *       [--read-ahead=1,3] [--sink=file,null] [--disk=yes] [--cold=yes]
 *
 * --gb: input size for the core-count table. --rss: input sizes (GB) run at
 * the highest core count to show peak RSS stays flat. --gz: gzip input and
 * output instead of plain files. --dir: where input and output go (local
 * disk; default the system temp directory). --runs: runs per core count;
 * the table shows the median run and the range (a shared machine is noisy).
 * Stage times (ms) of each run are printed: parse/preprocess/serialize are
 * summed over the worker threads; read, write and wait (for the next block
 * in order) are the main thread's. What limits a run: "main thread busy"
 * (its event-loop utilization) near 100% means the main thread (dispatch,
 * the output copy, the engine call); a large wait with an idle main thread
 * means the workers; neither means the reader, the writer or the disk.
 * Set-up (model load, worker threads started) is part of the wall time; the
 * rate after it, and the workers' µs per line in their first blocks (JIT
 * warm-up, each isolate on its own) against later ones, tell a short run's
 * fixed costs from the steady state. Worker CPU below its block time means the
 * workers waited for a core; steady µs/line above the one-thread figure at
 * CPU = block time means each row costs more (memory bandwidth, caches).
 *
 * Telling the reader, the writer and the disk apart (when neither the
 * workers nor the main thread are the limit): --read-ahead=1,3 runs each
 * core count with ABP_READ_AHEAD=1 and 3 (reads in flight on the input);
 * --sink=file,null writes the output to a file in --dir and to /dev/null
 * (the writer's copy into its staging buffers stays, the disk write goes);
 * each variant is a row of the table (runs alternate between variants), with
 * the main thread's time waiting on the reader (read ms) and in the writer
 * (write ms). --disk=yes first times a sequential write and read of the
 * input's size in --dir with O_DIRECT (4 MiB requests, one in flight as the
 * writer writes, and four: the disk, not the page cache) and a buffered read
 * of it, in GB/s. Read: null sink faster ⇒ the output's writes limit (the
 * disk if the pipeline's MB/s is near the disk's four-in-flight write, the
 * writer's one write in flight if only near the one-in-flight figure);
 * read-ahead 3 faster ⇒ the reader; neither ⇒ not the reader, the writer or
 * the disk. The summary after the table gives those ratios.
 * The input was just written, so it is read from the page cache where memory
 * holds it; --cold=yes drops its pages before each run (`dd iflag=nocache
 * count=0`), so the reader reads the disk.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { createGunzip, createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { Pipeline, openModel, featureMatrix } from '../src/index.js';
import type { WorkerStats } from '../src/pipeline/types.js';
import { WARM_BLOCKS as WARM } from '../src/pipeline/parallel/pool.js';
import { DIRECT_ALIGN, alignedOffset, openDirect } from '../src/stages/direct-io.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (k: string, d?: string) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;

function pickModel(): { model: string; repository?: string } {
  const model = arg('model');
  const repository = arg('repository');
  if (model) return { model, repository };
  if (fs.existsSync(path.join(ROOT, 'models/abp-nvsmi-xgb/config.pbtxt'))) return { model: 'abp-nvsmi-xgb' };
  return { model: 'dev-xgb', repository: path.join(ROOT, 'test/pipeline-data/models') };
}

async function ours(input: string, output: string, threads: number) {
  const { model, repository } = pickModel();
  const r = await new Pipeline({ numThreads: threads })
    .fromFile(input).deserialize().preprocess()
    .inference({ modelName: model, modelRepository: repository, engineOptions: { device: arg('device', 'cpu') } })
    .addClass().serialize().toFile(output, { overwrite: true }).run();
  return { rows: r.rowsOut, seconds: r.seconds, times: r.times, model, threads: r.threads, workers: r.workers };
}

async function naive(input: string, output: string) {
  const { model, repository } = pickModel();
  const t0 = performance.now();
  const m = await openModel(model, { repository, engineOptions: { device: arg('device', 'cpu') } });
  const gz = input.endsWith('.gz');
  const raw = fs.createReadStream(input);
  const rl = readline.createInterface({ input: gz ? raw.pipe(createGunzip()) : raw, crlfDelay: Infinity });
  async function* lines() {
    let batch: Record<string, unknown>[] = [];
    const flush = async () => {
      const p = await m.forest.predict(featureMatrix(batch, m.columns), batch.length);
      let s = '';
      batch.forEach((r, i) => {
        r.mining = p[i] > m.entry.threshold;
        s += JSON.stringify(r) + '\n';
      });
      batch = [];
      return s;
    };
    for await (const line of rl) {
      if (!line) continue;
      batch.push(JSON.parse(line));
      rows++;
      if (batch.length === 1024) yield await flush();
    }
    if (batch.length) yield await flush();
  }
  let rows = 0;
  const out = fs.createWriteStream(output);
  if (gz) await streamPipeline(Readable.from(lines()), createGzip(), out);
  else await streamPipeline(Readable.from(lines()), out);
  m.forest.dispose();
  return { rows, seconds: (performance.now() - t0) / 1000, model, threads: 1 };
}

async function child(mode: string, input: string, output: string, threads: number) {
  let mainGcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) mainGcMs += e.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  const elu = performance.eventLoopUtilization();
  const r = mode === 'ours' ? await ours(input, output, threads) : await naive(input, output);
  // How busy the main thread was: near 1 means it, not the workers, sets the pace.
  const mainBusy = performance.eventLoopUtilization(elu).utilization;
  const u = process.resourceUsage();
  gc.disconnect();
  process.stdout.write(JSON.stringify({ ...r, mainBusy, mainGcMs, threadCpu: threadCpu(), peakRssMiB: u.maxRSS / 1024, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6 }) + '\n');
}

/** CPU seconds per thread of this process by thread name (/proc; Linux only), summed over threads of one name. */
function threadCpu(): Record<string, number> | undefined {
  const dir = '/proc/self/task';
  if (!fs.existsSync(dir)) return undefined;
  const tick = 100; // USER_HZ
  const out: Record<string, number> = {};
  for (const tid of fs.readdirSync(dir)) {
    try {
      const stat = fs.readFileSync(`${dir}/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14 and 15 (utime, stime) are at 11 and 12 after the name.
      const cpu = (Number(f[11]) + Number(f[12])) / tick;
      const key = tid === String(process.pid) ? 'main' : name;
      out[key] = (out[key] ?? 0) + cpu;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** The real records repeated to about `gb` GB (plain, or gzip made once from a plain copy). */
function makeInput(file: string, src: Buffer, perCopy: number, gb: number, gz: boolean): { rows: number; bytes: number } {
  const copies = Math.max(1, Math.round((gb * 1e9) / src.length));
  const fd = fs.openSync(file, 'w');
  if (gz) {
    // Each copy compressed on its own: concatenated gzip members are one valid gzip file.
    const member = gzipSync(src, { level: 6 });
    for (let i = 0; i < copies; i++) fs.writeSync(fd, member);
  } else {
    for (let i = 0; i < copies; i++) fs.writeSync(fd, src);
  }
  fs.closeSync(fd);
  return { rows: copies * perCopy, bytes: copies * src.length };
}

interface Result {
  workers?: WorkerStats[];
  mainGcMs?: number;
  threadCpu?: Record<string, number>;
  rows: number;
  seconds: number;
  peakRssMiB: number;
  cpuSeconds: number;
  times?: Record<string, number>;
  threads: number;
  mainBusy: number;
}

const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Why worker time per row changes with the thread count: µs of block work per
 * line on each worker in its first blocks (JIT warm-up) and after (steady
 * state), the spread over workers, GC on the workers and the main thread, and
 * CPU seconds per thread (from /proc: a worker's wall time above its CPU time
 * means it waited for a core; steady µs/row above the one-thread figure with
 * CPU = wall means each row costs more, e.g. memory bandwidth).
 */
function workerLine(r: Result): string {
  const ws = r.workers ?? [];
  const parts: string[] = [];
  if (ws.length > 0) {
    const us = (ms: number, rows: number) => (rows > 0 ? ((1000 * ms) / rows).toFixed(1) : '-');
    const sum = (f: (w: WorkerStats) => number) => ws.reduce((a, w) => a + f(w), 0);
    const steady = ws.map((w) => (w.rows - w.warmRows > 0 ? (1000 * (w.ms - w.warmMs)) / (w.rows - w.warmRows) : NaN)).filter((x) => !Number.isNaN(x));
    parts.push(
      `workers: µs/line first ${WARM} blocks ${us(sum((w) => w.warmMs), sum((w) => w.warmRows))}, after ${us(sum((w) => w.ms - w.warmMs), sum((w) => w.rows - w.warmRows))}` +
        (steady.length > 1 ? ` (per worker ${Math.min(...steady).toFixed(1)}–${Math.max(...steady).toFixed(1)})` : '') +
        `, blocks per worker ${Math.min(...ws.map((w) => w.blocks))}–${Math.max(...ws.map((w) => w.blocks))}, worker GC ${sum((w) => w.gcMs).toFixed(0)} ms` +
        (ws.every((w) => w.cpuMs !== undefined) ? `, worker CPU ${(sum((w) => w.cpuMs!) / 1000).toFixed(2)} s against ${(sum((w) => w.ms) / 1000).toFixed(2)} s of block work` : ''),
    );
  }
  if (r.mainGcMs !== undefined) parts.push(`main GC ${r.mainGcMs.toFixed(0)} ms`);
  if (r.threadCpu) {
    // Threads alive at the end (the workers have exited by then: their CPU is cpuMs above).
    parts.push(`other threads' CPU s: ${Object.entries(r.threadCpu).filter(([, v]) => v > 0.005).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
  }
  return parts.join('; ');
}


/** One run in its own process; `readAhead` sets ABP_READ_AHEAD (unset: the environment's, default 1). */
function runChild(mode: string, input: string, output: string, cores: number, readAhead?: number): Result {
  const me = fileURLToPath(import.meta.url);
  const node = [process.execPath, '--import', 'tsx', me, `--child=${mode}`, `--input=${input}`, `--output=${output}`, `--threads=${cores}`, ...process.argv.filter((a) => /^--(model|repository|device)=/.test(a))];
  const cmd = hasTaskset ? ['taskset', '-c', `0-${cores - 1}`, ...node] : node;
  const env = readAhead === undefined ? process.env : { ...process.env, ABP_READ_AHEAD: String(readAhead) };
  const out = execFileSync(cmd[0], cmd.slice(1), { cwd: ROOT, env, maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
  if (output !== NULL_SINK) fs.rmSync(output, { force: true });
  return JSON.parse(out.toString().trim().split('\n').pop()!) as Result;
}

const NULL_SINK = '/dev/null';

/** Drops a file's pages from the page cache (GNU dd: posix_fadvise DONTNEED on the whole file). */
function dropCached(file: string): void {
  execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
}

/**
 * The disk under `dir`, as the pipeline's own sizes see it: `bytes` written sequentially in 4 MiB writes with
 * O_DIRECT, one in flight (as FileWriter writes: one write at a time) and four in flight, each then fsync'd; read
 * back the same two ways; then read buffered, one 4 MiB read at a time (the kernel's read-ahead, as the pipeline's
 * reader reads an input that is not in the page cache: the direct writes left none of it there). The data is the
 * real records (not zeros, which some disks compress). GB/s of each; without O_DIRECT (tmpfs, other systems) the
 * direct ones are buffered and say so.
 */
interface DiskProbe {
  direct: boolean;
  write1: number;
  write4: number;
  read1: number;
  read4: number;
  buffered: number;
}

async function diskProbe(dir: string, bytes: number, fill: Buffer): Promise<DiskProbe> {
  const CH = 4 << 20;
  const DEPTH = 4;
  const raws = Array.from({ length: DEPTH }, () => Buffer.allocUnsafeSlow(CH + DIRECT_ALIGN));
  for (const raw of raws) for (let at = 0; at < raw.length; at += fill.length) fill.copy(raw, at, 0, Math.min(fill.length, raw.length - at));
  const file = path.join(dir, 'disk-probe');
  const count = Math.max(1, Math.round(bytes / CH));
  const fd = fs.openSync(file, 'wx');
  let dfd: number | undefined;
  let offs: number[] = [];
  try {
    dfd = openDirect(fd, file);
    if (dfd !== undefined) offs = raws.map((b) => alignedOffset(dfd!, b));
  } catch {
    dfd = undefined;
  }
  const direct = dfd !== undefined && offs.every((o) => o >= 0);
  const bufs = raws.map((b, k) => b.subarray(direct ? offs[k] : 0, (direct ? offs[k] : 0) + CH));
  const O_DIRECT = direct ? ((fs.constants as Record<string, number | undefined>).O_DIRECT ?? 0) : 0;
  const gbps = (t0: number) => (count * CH) / 1e9 / ((performance.now() - t0) / 1000);
  const io = (f: typeof fs.write | typeof fs.read, h: number, b: Buffer, i: number) =>
    new Promise<void>((resolve, reject) => (f as typeof fs.read)(h, b, 0, CH, i * CH, (err) => (err ? reject(err) : resolve())));
  /** Requests 0..count-1, `depth` in flight, each on its own buffer. */
  const pass = async (f: typeof fs.write | typeof fs.read, h: number, depth: number) => {
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: depth }, async (_, k) => {
      while (next < count) await io(f, h, bufs[k], next++);
    }));
    if (f === fs.write) fs.fsyncSync(h);
    return gbps(t0);
  };
  const wfd = direct ? dfd! : fd;
  try {
    const write1 = await pass(fs.write, wfd, 1);
    const write4 = await pass(fs.write, wfd, DEPTH);
    if (dfd !== undefined) fs.closeSync(dfd);
    dfd = undefined;
    const rfd = fs.openSync(file, fs.constants.O_RDONLY | O_DIRECT);
    const read1 = await pass(fs.read, rfd, 1);
    const read4 = await pass(fs.read, rfd, DEPTH);
    fs.closeSync(rfd);
    const bfd = fs.openSync(file, 'r');
    const buffered = await pass(fs.read, bfd, 1);
    fs.closeSync(bfd);
    return { direct, write1, write4, read1, read4, buffered };
  } finally {
    if (dfd !== undefined) fs.closeSync(dfd);
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}

/**
 * What the variants say, per core count (median runs): the null sink against the file (faster: the output's disk
 * writes limit), more reads in flight against fewer (faster: the reader), and the pipeline's bytes per second
 * (it reads the input and writes as much) against the disk's.
 */
function summary(cores: number[], variants: { ra?: number; sink: string; key: string }[], medians: Map<string, { rate: number; mbs: number; r: Result }>, disk?: DiskProbe): void {
  const ras = [...new Set(variants.map((v) => v.key.split(' ')[0]))];
  const sinks = [...new Set(variants.map((v) => v.sink))];
  if (ras.length < 2 && sinks.length < 2 && !disk) return;
  console.log('\nreader, writer, disk (median runs):');
  for (const c of cores) {
    const parts: string[] = [];
    const get = (ra: string, sink: string) => medians.get(`${c} ${ra} ${sink}`);
    for (const ra of ras) {
      const f = get(ra, 'file');
      const n = get(ra, 'null');
      if (f && n) parts.push(`read-ahead ${ra}: /dev/null ${(n.rate / f.rate).toFixed(2)}x the file (write ms ${f.r.times?.write?.toFixed(0)} → ${n.r.times?.write?.toFixed(0)})`);
    }
    for (const sink of sinks) {
      const a = get(ras[0], sink);
      for (const ra of ras.slice(1)) {
        const b = get(ra, sink);
        if (a && b) parts.push(`${sink}: read-ahead ${ra} ${(b.rate / a.rate).toFixed(2)}x read-ahead ${ras[0]} (read ms ${a.r.times?.read?.toFixed(0)} → ${b.r.times?.read?.toFixed(0)})`);
      }
    }
    if (disk) {
      const best = Math.max(...[...medians.entries()].filter(([k]) => k.startsWith(`${c} `)).map(([, m]) => m.mbs));
      parts.push(
        `fastest ${(best / 1000).toFixed(2)} GB/s read and as much written, against the disk's write ${disk.write1.toFixed(2)} GB/s (one in flight, as the writer) / ` +
          `${disk.write4.toFixed(2)} (four), read ${disk.read1.toFixed(2)} / ${disk.read4.toFixed(2)}, buffered read ${disk.buffered.toFixed(2)}`,
      );
    }
    console.log(`  ${c} cores: ${parts.join('; ')}`);
  }
}

async function main() {
  const mode = arg('child');
  if (mode) return child(mode, arg('input')!, arg('output')!, Number(arg('threads', '0')));
  const available = os.availableParallelism();
  const wanted = arg('cores', '1,2,4,8,16')!.split(',').map(Number);
  const cores = wanted.filter((c) => c <= available);
  const skipped = wanted.filter((c) => c > available);
  const gb = Number(arg('gb', '2.8'));
  const rssSizes = arg('rss', '')!.split(',').filter(Boolean).map(Number);
  const gz = process.argv.includes('--gz');
  const ext = gz ? 'jsonlines.gz' : 'jsonlines';
  const dir = fs.mkdtempSync(path.join(arg('dir', os.tmpdir())!, 'abp-bench-'));
  const src = gunzipSync(fs.readFileSync(path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz')));
  let perCopy = 0;
  for (let i = src.indexOf(10); i !== -1; i = src.indexOf(10, i + 1)) perCopy++;
  const out = path.join(dir, `out.${ext}`);
  try {
    const input = path.join(dir, `in.${ext}`);
    const { rows, bytes } = makeInput(input, src, perCopy, gb, gz);
    console.log(
      `input: ${rows} rows, ${(bytes / 1e9).toFixed(2)} GB of JSON lines${gz ? ' (gzip)' : ''}, the real records repeated; model ${pickModel().model}, ` +
        `device ${arg('device', 'cpu')}; ${available} cores here; ${hasTaskset ? 'pinned with taskset' : 'no taskset: thread count only'}`,
    );
    const line = (r: Result) =>
      `${(r.rows / r.seconds).toFixed(0).padStart(8)} rows/s ${(bytes / 1e6 / r.seconds).toFixed(0).padStart(5)} MB/s  ${r.seconds.toFixed(2)} s  ` +
      `peak RSS ${r.peakRssMiB.toFixed(0)} MiB  CPU ${r.cpuSeconds.toFixed(1)} s  main thread busy ${(100 * r.mainBusy).toFixed(0)}%`;
    const table: string[] = [];
    const runs = Math.max(1, Number(arg('runs', '1')));
    const cold = arg('cold', 'no') === 'yes';
    if (cold) {
      // Written pages must be on disk before they can be dropped.
      const fd = fs.openSync(input, 'r');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      console.log('cold input: its pages dropped from the page cache before each run (the reader reads the disk)');
    }
    // Variants of each core count: reads in flight (ABP_READ_AHEAD) × where the output goes.
    const readAheads = arg('read-ahead')?.split(',').map(Number);
    if (readAheads?.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) throw new Error(`--read-ahead: whole numbers from 1 to 16, got ${arg('read-ahead')}`);
    const sinks = arg('sink', 'file')!.split(',');
    if (sinks.some((k) => k !== 'file' && k !== 'null')) throw new Error(`--sink: file and/or null, got ${arg('sink')}`);
    const variants = (readAheads ?? [undefined]).flatMap((ra) => sinks.map((sink) => ({ ra, sink, key: `${ra ?? process.env.ABP_READ_AHEAD ?? 1} ${sink}` })));
    let disk: DiskProbe | undefined;
    if (arg('disk', 'no') === 'yes') {
      disk = await diskProbe(dir, bytes, src);
      console.log(
        `disk under ${dir}: ${(bytes / 1e9).toFixed(2)} GB in 4 MiB requests, ${disk.direct ? 'O_DIRECT' : 'buffered (O_DIRECT refused here: page cache, not the disk)'}: ` +
          `write ${disk.write1.toFixed(2)} GB/s one in flight, ${disk.write4.toFixed(2)} four; read ${disk.read1.toFixed(2)} GB/s one, ${disk.read4.toFixed(2)} four; ` +
          `buffered read, one in flight (the kernel's read-ahead) ${disk.buffered.toFixed(2)} GB/s`,
      );
    }
    const base = new Map<string, number>();
    // Median rate per core count and variant, for the summary.
    const medians = new Map<string, { rate: number; mbs: number; r: Result }>();
    for (const c of cores) {
      const all = new Map<string, Result[]>(variants.map((v) => [v.key, []]));
      // Runs alternate between the variants, so a noisy spell on a shared machine hits them alike.
      for (let k = 0; k < runs; k++) {
        for (const v of variants) {
          if (cold) dropCached(input);
          const r = runChild('ours', input, v.sink === 'null' ? NULL_SINK : out, c, v.ra);
          all.get(v.key)!.push(r);
          const label = variants.length > 1 ? ` [read-ahead ${v.key.split(' ')[0]}, ${v.sink === 'null' ? 'to /dev/null' : 'to a file'}]` : '';
          console.log(`abp   ${String(c).padStart(2)} cores${label}: ${line(r)}  (load average ${os.loadavg()[0].toFixed(2)})`);
          const setup = (r.times?.setup ?? 0) / 1000;
          console.log(`          set-up (model, worker threads) ${setup.toFixed(2)} s; after it ${(r.rows / (r.seconds - setup)).toFixed(0)} rows/s`);
          console.log(`          stage ms: ${Object.entries(r.times ?? {}).map(([n, v]) => `${n} ${v.toFixed(0)}`).join(', ')}`);
          console.log(`          ${workerLine(r)}`);
        }
      }
      for (const v of variants) {
        // The run of median rate stands for the core count; the range shows the noise.
        const list = all.get(v.key)!.sort((x, y) => x.rows / x.seconds - y.rows / y.seconds);
        const r = list[(list.length - 1) >> 1];
        const rate = r.rows / r.seconds;
        const range = runs > 1 ? ` (${(list[0].rows / list[0].seconds / 1000).toFixed(1)}–${(list[list.length - 1].rows / list[list.length - 1].seconds / 1000).toFixed(1)} k)` : '';
        if (!base.has(v.key)) base.set(v.key, rate);
        medians.set(`${c} ${v.key}`, { rate, mbs: bytes / 1e6 / r.seconds, r });
        const setup = (r.times?.setup ?? 0) / 1000;
        const ws = r.workers ?? [];
        const us = (ms: number, rows: number) => (rows > 0 ? ((1000 * ms) / rows).toFixed(1) : '');
        const warm = us(ws.reduce((a, w) => a + w.warmMs, 0), ws.reduce((a, w) => a + w.warmRows, 0));
        const steady = us(ws.reduce((a, w) => a + w.ms - w.warmMs, 0), ws.reduce((a, w) => a + w.rows - w.warmRows, 0));
        const t = r.times ?? {};
        table.push(
          `| ${c} | ${v.key.split(' ')[0]} | ${v.sink} | ${rate.toFixed(0)}${range} | ${(bytes / 1e6 / r.seconds).toFixed(0)} | ${(rate / base.get(v.key)!).toFixed(2)}x | ${r.peakRssMiB.toFixed(0)} | ${r.cpuSeconds.toFixed(1)} | ` +
            `${(100 * r.mainBusy).toFixed(0)}% | ${(t.wait ?? 0).toFixed(0)} | ${(t.read ?? 0).toFixed(0)} | ${(t.write ?? 0).toFixed(0)} | ${setup.toFixed(2)} | ${(r.rows / (r.seconds - setup)).toFixed(0)} | ${warm} | ${steady} |`,
        );
      }
    }
    const cols = 16;
    for (const c of skipped) table.push(`| ${c} | (skipped: ${available} cores here) ${'| '.repeat(cols - 2)}|`);
    if (arg('naive', 'yes') !== 'no') {
      const r = runChild('naive', input, out, Math.min(available, cores[cores.length - 1] ?? 1));
      console.log(`naive (JSON.parse/stringify, one thread): ${line(r)}`);
      table.push(`| naive | | file | ${(r.rows / r.seconds).toFixed(0)} | ${(bytes / 1e6 / r.seconds).toFixed(0)} | | ${r.peakRssMiB.toFixed(0)} | ${r.cpuSeconds.toFixed(1)} | | | | | | | | |`);
    }
    fs.rmSync(input, { force: true });
    console.log(
      `\n| cores | read-ahead | sink | rows/s | MB/s | vs fewest cores | peak RSS MiB | CPU s | main thread busy | wait ms | read ms | write ms | set-up s | rows/s after set-up | worker µs/line, first ${WARM} blocks | after |\n` +
        `|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
    );
    for (const t of table) console.log(t);
    summary(cores, variants, medians, disk);

    if (rssSizes.length) {
      const c = cores[cores.length - 1] ?? 1;
      const rss: string[] = [];
      for (const size of rssSizes) {
        const f = path.join(dir, `rss-${size}.${ext}`);
        const m = makeInput(f, src, perCopy, size, gz);
        const r = runChild('ours', f, out, c);
        fs.rmSync(f, { force: true });
        console.log(`rss ${size} GB at ${c} cores: ${line(r)}`);
        rss.push(`| ${(m.bytes / 1e9).toFixed(1)} | ${m.rows} | ${c} | ${(r.rows / r.seconds).toFixed(0)} | ${r.peakRssMiB.toFixed(0)} |`);
      }
      console.log(`\n| input GB | rows | cores | rows/s | peak RSS MiB |\n|---:|---:|---:|---:|---:|`);
      for (const t of rss) console.log(t);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
