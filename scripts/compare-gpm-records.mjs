#!/usr/bin/env node
/**
 * Compares records of the same GPUs over the same seconds, key for key:
 *
 *   node scripts/compare-gpm-records.mjs NAME=FILE.jsonl NAME=FILE.jsonl ... [--reference NAME]
 *
 * e.g. nvml=abp-nvml.jsonl dmon=abp-dmon.jsonl capture=capture.jsonl (capture.py's
 * `label` and `workload` are dropped). Prints:
 *   - key order: every file's key sequence (per record) against the reference's;
 *   - static keys: keys whose value never changes in the reference for a GPU
 *     (UUID, name, driver, limits, ...) must have that value in every other file;
 *   - GPM values: records paired by GPU and nearest timestamp (within --window
 *     seconds), per metric the mean and 95th percentile of |a - b| and how many
 *     pairs have a value on one side only; a metric is close when its mean
 *     difference is at most --tolerance points (%), or that many percent of the
 *     mean level plus that many MiB/s (MiB/s).
 * Exits 1 when key order or static keys differ or a metric is not close.
 * Used by scripts/device-gpm-check.sh.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { reference: { type: 'string' }, window: { type: 'string', default: '0.75' }, tolerance: { type: 'string', default: '5' } },
});
const GPM = 'nvidia_smi_log.gpu.gpm.';
const UUID = 'nvidia_smi_log.gpu.uuid';
const DROP = new Set(['label', 'workload']);
const window = Number(opts.window);
const tol = Number(opts.tolerance);

const files = positionals.map((p) => {
  const eq = p.indexOf('=');
  if (eq <= 0) throw new Error(`expected NAME=FILE, got ${p}`);
  const name = p.slice(0, eq);
  const file = p.slice(eq + 1);
  const records = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        const r = JSON.parse(l);
        for (const k of DROP) delete r[k];
        return r;
      } catch (e) {
        throw new Error(`${file}:${i + 1}: not JSON (${e.message})`);
      }
    });
  return { name, file, records };
});
if (files.length < 2) throw new Error('give at least two NAME=FILE arguments');
const ref = files.find((f) => f.name === (opts.reference ?? files.at(-1).name)) ?? files.at(-1);
let failed = false;
const say = (s) => console.log(s);

say('records: ' + files.map((f) => `${f.name} ${f.records.length} (${new Set(f.records.map((r) => r[UUID])).size} GPU)`).join(', '));
for (const f of files) if (f.records.length === 0) failed = true;

// 1. Key order.
say(`\nkey order (against ${ref.name}: ${Object.keys(ref.records[0] ?? {}).length} keys)`);
const refKeys = Object.keys(ref.records[0] ?? {});
for (const f of files) {
  let bad = 0;
  let first = null;
  for (const r of f.records) {
    const k = Object.keys(r);
    if (k.length !== refKeys.length || k.some((x, i) => x !== refKeys[i])) {
      bad++;
      if (!first) {
        const at = k.findIndex((x, i) => x !== refKeys[i]);
        const i = at < 0 ? Math.min(k.length, refKeys.length) : at;
        first = `${k.length} keys; first difference at ${i}: ${f.name} ${JSON.stringify(k[i])} vs ${ref.name} ${JSON.stringify(refKeys[i])}`;
      }
    }
  }
  say(`  ${f.name.padEnd(8)} ${bad === 0 ? 'same keys, same order in every record' : `${bad} of ${f.records.length} records differ (${first})`}`);
  if (bad) failed = true;
}

// 2. Static keys.
const byGpu = (recs) => {
  const m = new Map();
  for (const r of recs) {
    const g = r[UUID] ?? '?';
    if (!m.has(g)) m.set(g, []);
    m.get(g).push(r);
  }
  return m;
};
const refByGpu = byGpu(ref.records);
say(`\nstatic keys (one value in every ${ref.name} record of a GPU)`);
for (const f of files) {
  if (f === ref) continue;
  const mine = byGpu(f.records);
  let checked = 0;
  const diffs = [];
  for (const [gpu, rs] of refByGpu) {
    const others = mine.get(gpu) ?? [];
    if (others.length === 0) {
      diffs.push(`GPU ${gpu}: no records in ${f.name}`);
      continue;
    }
    for (const k of Object.keys(rs[0])) {
      if (k.startsWith(GPM) || k === 'timestamp' || k === 'hostname') continue;
      const v = JSON.stringify(rs[0][k]);
      if (!rs.every((r) => JSON.stringify(r[k]) === v)) continue;
      checked++;
      const seen = [...new Set(others.map((r) => JSON.stringify(r[k])))];
      if (seen.length !== 1 || seen[0] !== v) diffs.push(`${k}: ${ref.name} ${v}, ${f.name} ${seen.slice(0, 3).join(' | ')}${seen.length > 3 ? ' ...' : ''}`);
    }
  }
  say(`  ${f.name.padEnd(8)} ${checked} static keys checked, ${diffs.length} differ`);
  for (const d of diffs.slice(0, 15)) say(`    ${d}`);
  if (diffs.length > 15) say(`    ... and ${diffs.length - 15} more`);
  if (diffs.length) failed = true;
}

// 3. GPM values.
const gpmKeys = refKeys.filter((k) => k.startsWith(GPM));
const num = (v) => (typeof v === 'string' ? Number.parseFloat(v) : null);
function pairs(a, b) {
  const out = [];
  const bg = byGpu(b.records);
  for (const [gpu, rs] of byGpu(a.records)) {
    const others = (bg.get(gpu) ?? []).slice().sort((x, y) => x.timestamp - y.timestamp);
    for (const r of rs) {
      let best = null;
      for (const o of others) if (!best || Math.abs(o.timestamp - r.timestamp) < Math.abs(best.timestamp - r.timestamp)) best = o;
      if (best && Math.abs(best.timestamp - r.timestamp) <= window) out.push([r, best]);
    }
  }
  return out;
}
const q95 = (xs) => (xs.length ? [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(0.95 * xs.length))] : NaN);
for (let i = 0; i < files.length; i++) {
  for (let j = i + 1; j < files.length; j++) {
    const a = files[i];
    const b = files[j];
    const ps = pairs(a, b);
    say(`\nGPM ${a.name} vs ${b.name}: ${ps.length} pairs within ${window} s`);
    if (ps.length === 0) {
      failed = true;
      continue;
    }
    for (const k of gpmKeys) {
      const d = [];
      let onlyA = 0;
      let onlyB = 0;
      let level = 0;
      for (const [x, y] of ps) {
        const u = num(x[k]);
        const v = num(y[k]);
        if (u !== null && v !== null) {
          d.push(Math.abs(u - v));
          level += (u + v) / 2;
        } else if (u !== null) onlyA++;
        else if (v !== null) onlyB++;
      }
      const mean = d.length ? d.reduce((s, x) => s + x, 0) / d.length : NaN;
      const mib = k.endsWith('_bytes');
      const limit = mib ? tol + (tol / 100) * (d.length ? level / d.length : 0) : tol;
      const close = d.length > 0 && mean <= limit;
      if (!close) failed = true;
      say(
        `  ${k.slice(GPM.length).padEnd(22)} ${d.length ? `mean |d| ${mean.toFixed(2)} p95 ${q95(d).toFixed(2)}${mib ? ' MiB/s' : ''}` : 'no pair with both values'}  (n=${d.length}, only ${a.name} ${onlyA}, only ${b.name} ${onlyB}) ${close ? 'close' : `NOT close (limit ${limit.toFixed(1)})`}`,
      );
    }
  }
}
say(`\n${failed ? 'DIFFERENCES FOUND' : 'all equal or close'}`);
process.exitCode = failed ? 1 : 0;
