/**
 * One `abp watch --metrics-listen` replaying a fleet of GPUs at once, scraped
 * all along: per-tick scoring time, scrape latency and the watch's memory over
 * replayed time, to show they stay flat.
 *
 *   npx tsx scripts/bench-watch-metrics.ts [--gpus 64] [--minutes 60] [--interval 1] [--speed 0] [--scrape-ms 500] [--bucket-minutes 5]
 *
 * The telemetry is the real H200 recording (data/nvsmi-h200-train.jsonlines.gz,
 * whole records), each GPU a copy with its own UUID, PCI bus id and minor
 * number, at its own phase of the recording, looped to fill `--minutes` of
 * ticks `--interval` seconds apart (1 s = abp watch's live default). It is fed
 * through stdin (`--input -`) with back-pressure, so nothing is held on disk.
 * `--speed 0` replays as fast as the watch takes it; the figures come from the
 * watch's own metrics (abp_tick_scoring_seconds, process_resident_memory_bytes)
 * and from timing each scrape here.
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { fleetLines, recordedSamples } from '../test/fleet-telemetry.js';
import { parseExposition, startWatch, valueOf, type Sample } from '../test/watch-process.js';

const { values } = parseArgs({
  options: {
    gpus: { type: 'string', default: '64' },
    minutes: { type: 'string', default: '60' },
    interval: { type: 'string', default: '1' },
    speed: { type: 'string', default: '0' },
    'scrape-ms': { type: 'string', default: '500' },
    'bucket-minutes': { type: 'string', default: '5' },
  },
});
const gpus = Number(values.gpus);
const intervalS = Number(values.interval);
const ticks = Math.round((Number(values.minutes) * 60) / intervalS);
const scrapeMs = Number(values['scrape-ms']);
const bucketS = Number(values['bucket-minutes']) * 60;

const samples = recordedSamples();
const t0 = Math.floor(Date.now() / 1000) - 86_400;
const w = startWatch(['--input', '-', '--speed', values.speed!, '--alerts-only', '--metrics-listen', '127.0.0.1:0'], { stdin: 'pipe' });
const url = await w.url;
console.log(`abp watch: ${gpus} GPUs, ${ticks} ticks ${intervalS} s apart (${values.minutes} min of telemetry), --speed ${values.speed}, scraped every ${scrapeMs} ms at ${url}`);

// Feed the telemetry.
let fed = 0;
const feeding = (async () => {
  const stdin = w.child.stdin!;
  stdin.on('error', () => undefined);
  for (const block of fleetLines(samples, { gpus, ticks, t0, intervalS, stride: Math.max(1, Math.round(intervalS * 2)) })) {
    fed += block.length;
    if (!stdin.write(block)) await once(stdin, 'drain');
    if (w.child.exitCode !== null) return;
  }
  stdin.end();
})();

interface Point {
  wall: number;
  replayed: number;
  ticks: number;
  scoringSum: number;
  scoringCount: number;
  scrapeMs: number;
  rss: number;
  heap: number;
  series: number;
  bytes: number;
}
const points: Point[] = [];
const started = performance.now();
while (w.child.exitCode === null) {
  await new Promise((r) => setTimeout(r, scrapeMs));
  const t = performance.now();
  let m: Sample[];
  let bytes = 0;
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const text = await r.text();
    bytes = text.length;
    m = parseExposition(text);
  } catch (err) {
    if (w.child.exitCode !== null) break;
    throw new Error(`scrape failed while the watch runs: ${(err as Error).message}; watch stderr: ${w.stderr}`);
  }
  const dt = performance.now() - t;
  const last = m.filter((s) => s.name === 'abp_gpu_last_sample_timestamp_seconds');
  if (last.length === 0) continue;
  points.push({
    wall: (t - started) / 1000,
    replayed: Math.max(...last.map((s) => s.value)) - t0,
    ticks: valueOf(m, 'abp_ticks_total')!,
    scoringSum: valueOf(m, 'abp_tick_scoring_seconds_sum')!,
    scoringCount: valueOf(m, 'abp_tick_scoring_seconds_count')!,
    scrapeMs: dt,
    rss: valueOf(m, 'process_resident_memory_bytes')!,
    heap: valueOf(m, 'nodejs_heap_size_used_bytes')!,
    series: last.length,
    bytes,
  });
}
await feeding;
const exit = await w.exited;

const mb = (b: number) => (b / 2 ** 20).toFixed(0);
console.log(`\nreplayed  wall s  ticks  scoring ms/tick  scrape ms mean/max  RSS MiB  heap MiB  GPU series  /metrics KiB`);
let prev: Point | null = null;
for (let b = 0; b * bucketS < ticks * intervalS; b++) {
  const ps = points.filter((p) => p.replayed >= b * bucketS && p.replayed < (b + 1) * bucketS);
  if (ps.length === 0) continue;
  const last = ps[ps.length - 1];
  const from = prev ?? { ticks: 0, scoringSum: 0, scoringCount: 0 };
  const scoring = ((last.scoringSum - from.scoringSum) / Math.max(1, last.scoringCount - from.scoringCount)) * 1000;
  const lat = ps.map((p) => p.scrapeMs);
  console.log(
    `${String(Math.round(last.replayed / 60)).padStart(5)} min  ${last.wall.toFixed(1).padStart(6)}  ${String(last.ticks - from.ticks).padStart(5)}  ${scoring.toFixed(2).padStart(15)}  ` +
      `${(lat.reduce((a, x) => a + x, 0) / lat.length).toFixed(1).padStart(9)} / ${Math.max(...lat).toFixed(1).padEnd(7)}  ${mb(last.rss).padStart(7)}  ${mb(last.heap).padStart(8)}  ` +
      `${String(last.series).padStart(10)}  ${(last.bytes / 1024).toFixed(0).padStart(12)}`,
  );
  prev = last;
}
const firstHalf = points.filter((p) => p.replayed < (ticks * intervalS) / 2);
const secondHalf = points.filter((p) => p.replayed >= (ticks * intervalS) / 2);
const maxRss = (ps: Point[]) => Math.max(...ps.map((p) => p.rss));
if (firstHalf.length && secondHalf.length) {
  console.log(`\nRSS max: first half ${mb(maxRss(firstHalf))} MiB, second half ${mb(maxRss(secondHalf))} MiB; ${(fed / 2 ** 30).toFixed(2)} GiB of JSON lines fed; ${points.length} scrapes`);
}
// Expected stderr: the address, one `scored by` line per GPU (which model scores it), alerts left active at exit.
const other = w.stderr.split('\n').filter((l) => l && !/^abp watch: (serving metrics on |alert still active at exit: |\S+: scored by \S+ \()/.test(l));
const active = w.stderr.split('\n').filter((l) => l.startsWith('abp watch: alert still active at exit: ')).length;
console.log(`abp watch exited ${exit.code ?? exit.signal}; ${active} alert(s) still active at exit${other.length ? `; stderr: ${other.join(' | ').slice(0, 500)}` : ''}`);
