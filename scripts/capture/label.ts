/**
 * Labels a capture: joins what `abp collect` wrote with the episodes that
 * scripts/capture/run-capture.py logged, by timestamp, into the data layout.
 *
 *   npx tsx scripts/capture/label.ts OUT_DIR data/NAME.jsonlines.gz [--force]
 *
 * A record whose `timestamp` lies in an episode's [start, end] (the first
 * workload's READY to the last one's end) gets that episode's `label`,
 * `workload` (`NAME/VARIANT` or `A/v+B/v`) and `family`; every other record
 * (start-up, gaps, a workload that never started) gets label 0, workload and
 * family `startup`. Output is gzipped JSON lines, written to a temporary file
 * and renamed, so a failed run leaves no partial file.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

export interface Episode {
  workload: string;
  label: 0 | 1;
  family: string;
  start: number;
  end: number;
  rc: number;
}

type Rec = Record<string, unknown>;

/** The non-empty lines of a JSON-lines file as objects; errors name file and line. */
export function readJsonLines(path: string): Rec[] {
  const out: Rec[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.length === 0) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new Error(`${path}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${path}:${i + 1}: not a JSON object`);
    out.push(v as Rec);
  }
  return out;
}

/** Episodes that ran (start and end set), checked field by field, sorted by start. */
export function parseEpisodes(rows: Rec[], path: string): Episode[] {
  const eps: Episode[] = [];
  rows.forEach((r, i) => {
    const where = `${path}: episode ${i + 1}`;
    if (r.start === null || r.end === null) return; // never started: its seconds stay `startup`
    for (const k of ['start', 'end', 'rc'] as const) {
      if (typeof r[k] !== 'number' || !Number.isFinite(r[k])) throw new Error(`${where}: field ${k} is not a number`);
    }
    if (r.label !== 0 && r.label !== 1) throw new Error(`${where}: field label is not 0 or 1`);
    for (const k of ['workload', 'family'] as const) {
      if (typeof r[k] !== 'string' || r[k] === '') throw new Error(`${where}: field ${k} is not a non-empty string`);
    }
    if ((r.end as number) < (r.start as number)) throw new Error(`${where}: end is before start`);
    eps.push({ workload: r.workload as string, label: r.label as 0 | 1, family: r.family as string, start: r.start as number, end: r.end as number, rc: r.rc as number });
  });
  eps.sort((a, b) => a.start - b.start);
  for (let i = 1; i < eps.length; i++) {
    if (eps[i].start <= eps[i - 1].end) throw new Error(`${path}: episodes ${eps[i - 1].workload} and ${eps[i].workload} overlap`);
  }
  return eps;
}

/** The records with label, workload and family added (ground truth keys from the input are replaced). */
export function labelRecords(records: Rec[], episodes: Episode[], path = 'telemetry'): Rec[] {
  return records.map((rec, i) => {
    const ts = rec.timestamp;
    if (typeof ts !== 'number' || !Number.isFinite(ts)) throw new Error(`${path}: record ${i + 1}: field timestamp is not a number`);
    // binary search: the last episode starting at or before ts
    let lo = 0;
    let hi = episodes.length - 1;
    let hit = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (episodes[mid].start <= ts) {
        hit = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const ep = hit >= 0 && ts <= episodes[hit].end ? episodes[hit] : undefined;
    const { label: _l, workload: _w, family: _f, ...rest } = rec;
    return { ...rest, label: ep ? ep.label : 0, workload: ep ? ep.workload : 'startup', family: ep ? ep.family : 'startup' };
  });
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { force: { type: 'boolean', default: false } } });
  if (positionals.length !== 2) {
    process.stderr.write('usage: label.ts OUT_DIR data/NAME.jsonlines.gz [--force]\n');
    process.exitCode = 2;
    return;
  }
  const [dir, outPath] = positionals;
  if (!outPath.endsWith('.jsonlines.gz')) throw new Error(`${outPath}: the output must be named *.jsonlines.gz`);
  if (existsSync(outPath) && !values.force) throw new Error(`${outPath} exists; pass --force to replace it`);
  const telePath = join(dir, 'telemetry.jsonlines');
  const epPath = join(dir, 'episodes.jsonl');
  const episodes = parseEpisodes(readJsonLines(epPath), epPath);
  const labelled = labelRecords(readJsonLines(telePath), episodes, telePath);
  const tmp = `${outPath}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, gzipSync(labelled.map((r) => JSON.stringify(r)).join('\n') + '\n', { level: 9 }));
    renameSync(tmp, outPath);
  } finally {
    rmSync(tmp, { force: true });
  }
  const counts = new Map<string, number>();
  for (const r of labelled) counts.set(r.workload as string, (counts.get(r.workload as string) ?? 0) + 1);
  const ones = labelled.filter((r) => r.label === 1).length;
  process.stdout.write(`${outPath}: ${labelled.length} records, ${ones} labelled 1, ${episodes.length} episodes\n`);
  for (const [w, n] of counts) process.stdout.write(`  ${String(n).padStart(5)}  ${w}\n`);
  for (const e of episodes.filter((x) => x.rc !== 0)) {
    process.stdout.write(`  warning: ${e.workload} exited ${e.rc}: check its log before committing its records\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`label.ts: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
