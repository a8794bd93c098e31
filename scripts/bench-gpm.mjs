#!/usr/bin/env node
/**
 * GPM sources compared on a GPU machine: what each costs per tick, and what
 * each reads over the same seconds.
 *
 *   node scripts/bench-gpm.mjs [--seconds 30] [--interval 1000] [--load 'CMD'] [--json FILE]
 *
 * Three phases of --seconds each, all with the same records (one
 * `nvidia-smi -q -x` document taken at the start; the sources only need each
 * GPU's UUID and PCI bus id):
 *   1. NVML alone: wall time inside sample() (the JS call to the resolved
 *      promise, the NVML calls on a libuv thread included) and this process's
 *      CPU time per tick (process.cpuUsage over the phase, all threads, over
 *      the ticks; the idle event loop costs next to nothing).
 *   2. nvidia-smi dmon alone: the child's CPU time (utime + stime from
 *      /proc/PID/stat) over the phase per tick, this process's CPU per tick
 *      (reading and parsing dmon's lines included), the period between dmon's
 *      lines, and the age of the newest line at each tick (how old the values a
 *      record gets are; NVML's end at the sample by construction).
 *   3. both at once: per tick and GPU, the 14 values of each side by side, and
 *      per metric the mean absolute difference and the largest one.
 * --load runs a shell command for the whole bench (a GPU workload, e.g.
 * `python3 scripts/workloads/run.py train_mlp/bf16 120`), starts measuring once
 * it prints READY, and kills it at the end.
 * Plain JavaScript on dist/ (npm run build:ts) so that it runs where only
 * node, dist/ and the addon are carried. Without nvidia-smi or NVML it says
 * so and exits 0.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    interval: { type: 'string', default: '1000' },
    load: { type: 'string' },
    json: { type: 'string' },
    'nvidia-smi': { type: 'string' },
  },
});
const seconds = Number(args.seconds);
const intervalMs = Number(args.interval);
const root = new URL('..', import.meta.url).pathname;
const gpm = await import(`${root}dist/collect/gpm/index.js`);
const { flattenNvsmi } = await import(`${root}dist/collect/flatten.js`);
const { runNvidiaSmi } = await import(`${root}dist/collect/nvidia-smi.js`);
const { GPM_METRICS, NvmlGpmSource, DmonGpmSource } = gpm;

// The sources unref their children and timers (a collector must not keep a
// process alive); this keeps the bench's own event loop up until it is done.
const keepAlive = setInterval(() => {}, 1 << 30);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100; // Linux USER_HZ: /proc/PID/stat counts in 1/100 s on every architecture Node runs on

function stats(xs) {
  if (xs.length === 0) return { n: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, mean: s.reduce((a, b) => a + b, 0) / s.length, p50: q(0.5), p99: q(0.99), max: s.at(-1) };
}
const fmt = (st, unit, k = 1) => (st.n ? `mean ${(st.mean * k).toFixed(3)} p50 ${(st.p50 * k).toFixed(3)} p99 ${(st.p99 * k).toFixed(3)} max ${(st.max * k).toFixed(3)} ${unit} (n=${st.n})` : 'no data');

function procCpuSeconds(pid) {
  // Fields after the parenthesised command name: utime is the 14th field, stime the 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/** Ticks at intervalMs for `seconds`; calls fn(tickIndex) at each. */
async function ticks(fn) {
  const n = Math.max(1, Math.round((seconds * 1000) / intervalMs));
  let next = Date.now();
  for (let i = 0; i < n; i++) {
    await fn(i);
    next += intervalMs;
    const d = next - Date.now();
    if (d > 0) await sleep(d);
    else next = Date.now();
  }
  return n;
}

let xml;
try {
  xml = await runNvidiaSmi({ binary: args['nvidia-smi'] });
} catch (e) {
  console.log(`bench-gpm: skipped: nvidia-smi -q -x failed here (${e.message})`);
  process.exit(0);
}
const records = flattenNvsmi(xml, { hostname: 'bench', timestamp: 0 });
let nvml;
try {
  nvml = await NvmlGpmSource.open();
} catch (e) {
  console.log(`bench-gpm: skipped: NVML cannot be opened here (${e.message})`);
  process.exit(0);
}
console.log(`GPUs: ${records.map((r) => r['nvidia_smi_log.gpu.product_name'] ?? '?').join(', ')}; NVML ${nvml.library}: ${nvml.gpmDevices} of ${nvml.devices.length} read GPM`);
for (const d of nvml.devices) if (!d.gpm) console.log(`  NVML GPU ${d.index} ${d.uuid}: ${d.reason}`);
console.log(`driver ${records[0]?.['nvidia_smi_log.driver_version'] ?? '?'}; ${seconds} s per phase at ${intervalMs} ms`);

let load = null;
if (args.load) {
  load = spawn('sh', ['-c', args.load], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  console.log(`load: ${args.load} (pid ${load.pid})`);
  // Workloads print READY when the GPU work begins (scripts/workloads, capture's workloads.py).
  const t0 = Date.now();
  const ready = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 90_000);
    createInterface({ input: load.stdout }).on('line', (l) => {
      if (l.trim() === 'READY') {
        clearTimeout(timer);
        resolve(true);
      } else console.log(`load: ${l}`);
    });
    load.on('exit', (code) => {
      clearTimeout(timer);
      resolve(false);
      console.log(`load exited with status ${code}`);
    });
  });
  console.log(ready ? `load READY after ${((Date.now() - t0) / 1000).toFixed(1)} s` : 'load: no READY (running without a load, or with one that does not say so)');
  await sleep(2000); // past the ramp
}
const result = { seconds, intervalMs, load: args.load ?? null, gpus: records.length };

try {
  // 1. NVML alone.
  await nvml.sample(records); // the first sample opens the interval
  const wall = [];
  const cpu0 = process.cpuUsage();
  const nTicks = await ticks(async () => {
    const t = process.hrtime.bigint();
    await nvml.sample(records);
    wall.push(Number(process.hrtime.bigint() - t) / 1e6);
  });
  const cpu = process.cpuUsage(cpu0);
  result.nvml = { sampleMs: stats(wall), processCpuMsPerTick: (cpu.user + cpu.system) / 1000 / nTicks };
  console.log(`\n1. NVML: time inside sample(): ${fmt(result.nvml.sampleMs, 'ms')}`);
  console.log(`   this process's CPU per tick: ${result.nvml.processCpuMsPerTick.toFixed(3)} ms`);

  // 2. dmon alone.
  const dmon = new DmonGpmSource({ nvidiaSmi: args['nvidia-smi'] });
  // The bench reads the source's internals (plain properties in dist/): the child and its line table.
  const pid = dmon.child.pid;
  // Line arrival times, taken where the source files each line (no polling,
  // which would cost this process CPU of its own).
  const lineAt = new Map();
  const periods = [];
  const push = dmon.table.push.bind(dmon.table);
  dmon.table.push = (line, now) => {
    const gpu = line.trim().split(/\s+/)[0];
    if (gpu && gpu !== '#') {
      const prev = lineAt.get(gpu);
      if (prev !== undefined) periods.push(now - prev);
      lineAt.set(gpu, now);
    }
    push(line, now);
  };
  await sleep(2500); // dmon's header and first (empty) line
  const ages = [];
  let dmonCpu0;
  try {
    dmonCpu0 = procCpuSeconds(pid);
  } catch (e) {
    throw new Error(`cannot read the dmon child's CPU time: ${e.message}`);
  }
  const our0 = process.cpuUsage();
  const n2 = await ticks(async () => {
    const now = Date.now();
    await dmon.sample(records);
    for (let i = 0; i < records.length; i++) {
      const line = dmon.table.latest.get(String(i));
      if (line) ages.push(now - line.at);
    }
  });
  const dmonCpu = procCpuSeconds(pid) - dmonCpu0;
  const our = process.cpuUsage(our0);
  result.dmon = {
    childCpuMsPerTick: (dmonCpu * 1000) / n2,
    childCpuPercent: (dmonCpu / ((n2 * intervalMs) / 1000)) * 100,
    processCpuMsPerTick: (our.user + our.system) / 1000 / n2,
    lineAgeMs: stats(ages),
    linePeriodMs: stats(periods),
  };
  console.log(`\n2. nvidia-smi dmon: child CPU ${result.dmon.childCpuMsPerTick.toFixed(3)} ms per tick (${result.dmon.childCpuPercent.toFixed(2)} % of a core, 1/${CLK_TCK} s resolution)`);
  console.log(`   this process's CPU per tick (dmon lines read and parsed): ${result.dmon.processCpuMsPerTick.toFixed(3)} ms`);
  console.log(`   age of the newest line at a tick: ${fmt(result.dmon.lineAgeMs, 'ms')}`);
  console.log(`   period between lines: ${fmt(result.dmon.linePeriodMs, 'ms')}`);

  // 3. Both, side by side.
  const diffs = new Map(GPM_METRICS.map((m) => [m.name, []]));
  const shown = ['sm_activity', 'sm_occupancy', 'tensor_activity', 'dram_activity', 'fp32_activity', 'integer_activity', 'pcie_rx_bytes'];
  console.log(`\n3. side by side (NVML / dmon), GPU 0: ${shown.join(', ')}`);
  const num = (v) => (v === null || v === undefined ? null : Number.parseFloat(v));
  const rows = [];
  await nvml.sample(records); // the interval restarts here, not at the end of phase 1
  await ticks(async (i) => {
    const [a, b] = await Promise.all([nvml.sample(records), dmon.sample(records)]);
    for (let g = 0; g < records.length; g++) {
      const va = a[g].values;
      const vb = b[g].values;
      if (!va || !vb) continue;
      for (const m of GPM_METRICS) {
        const x = num(va[m.name]);
        const y = num(vb[m.name]);
        if (x !== null && y !== null) diffs.get(m.name).push(Math.abs(x - y));
      }
      if (g === 0) {
        rows.push({ t: i, nvml: va, dmon: vb });
        console.log(`  t=${String(i).padStart(3)} ${shown.map((k) => `${num(va[k])?.toFixed(1) ?? '-'}/${num(vb[k]) ?? '-'}`).join('  ')}`);
      }
    }
  });
  result.sideBySide = rows;
  result.meanAbsDiff = {};
  console.log('\n   per metric |NVML - dmon|:');
  for (const m of GPM_METRICS) {
    const st = stats(diffs.get(m.name));
    result.meanAbsDiff[m.name] = st;
    console.log(`   ${m.name.padEnd(22)} ${st.n ? `mean ${st.mean.toFixed(2)} max ${st.max.toFixed(2)} ${m.unit} (n=${st.n})` : 'no pairs'}`);
  }
  await dmon.close();
} finally {
  await nvml.close();
  if (load) {
    try {
      process.kill(-load.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
}
clearInterval(keepAlive);
if (args.json) writeFileSync(args.json, JSON.stringify(result, null, 1));
console.log(`\nsummary: NVML ${result.nvml.sampleMs.mean?.toFixed(3)} ms inside sample(), ${result.nvml.processCpuMsPerTick.toFixed(3)} ms CPU per tick; dmon child ${result.dmon.childCpuMsPerTick.toFixed(3)} ms CPU per tick + ${result.dmon.processCpuMsPerTick.toFixed(3)} ms here, values ${result.dmon.lineAgeMs.mean?.toFixed(0)} ms old on average`);
