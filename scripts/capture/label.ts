/**
 * Labels a capture: joins what `abp collect` wrote with the episodes that
 * scripts/capture/run-capture.py logged, by timestamp, into the data layout.
 *
 *   npx tsx scripts/capture/label.ts OUT_DIR data/NAME.jsonlines.gz [--force] [--drop-failed]
 *
 * Each episode names its parts (one workload, or two co-located), each with
 * the [start, end] of its work. A record whose `timestamp` lies in one or more
 * parts' spans gets `workload` and `family` from those parts (`A/v+B/v` when
 * both worked then, `A/v` if B had stopped) and `label` 1 if any of them
 * hashes. Every other record (start-up, gaps, a workload that never started)
 * gets label 0, workload and family `startup`. An episode without `parts` is
 * one part. `--drop-failed` leaves out every record inside an episode that
 * exited non-zero (any part's span), so a rerun of it can stand in its place
 * without the failed run's seconds labelled as that work. Output is gzipped JSON lines, written to a temporary file
 * and renamed, so a failed run leaves no partial file.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readJsonLines } from '../jsonlines.js';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

/** One workload's span of work (a part of an episode). */
export interface Span {
  workload: string;
  label: 0 | 1;
  family: string;
  start: number;
  end: number;
  rc: number;
  episode: number;
}

type Rec = Record<string, unknown>;

function spanOf(r: Rec, where: string, episode: number, rc: unknown): Span | undefined {
  if (r.start === null || r.end === null) return undefined; // never started: its seconds stay `startup`
  for (const k of ['start', 'end'] as const) {
    if (typeof r[k] !== 'number' || !Number.isFinite(r[k])) throw new Error(`${where}: field ${k} is not a number`);
  }
  if (typeof rc !== 'number') throw new Error(`${where}: field rc is not a number`);
  if (r.label !== 0 && r.label !== 1) throw new Error(`${where}: field label is not 0 or 1`);
  for (const k of ['workload', 'family'] as const) {
    if (typeof r[k] !== 'string' || r[k] === '') throw new Error(`${where}: field ${k} is not a non-empty string`);
  }
  if ((r.end as number) < (r.start as number)) throw new Error(`${where}: end is before start`);
  return { workload: r.workload as string, label: r.label as 0 | 1, family: r.family as string, start: r.start as number, end: r.end as number, rc, episode };
}

/** The spans of work of every part of every episode that ran, checked field by field, sorted by start. */
export function parseEpisodes(rows: Rec[], path: string): Span[] {
  const spans: Span[] = [];
  rows.forEach((r, i) => {
    const where = `${path}: episode ${i + 1}`;
    if (r.parts === undefined) {
      const s = spanOf(r, where, i, r.rc);
      if (s) spans.push(s);
      return;
    }
    if (!Array.isArray(r.parts)) throw new Error(`${where}: field parts is not a list`);
    r.parts.forEach((p: unknown, j: number) => {
      if (p === null || typeof p !== 'object') throw new Error(`${where}: part ${j + 1} is not an object`);
      const s = spanOf(p as Rec, `${where}, part ${j + 1}`, i, (p as Rec).rc);
      if (s) spans.push(s);
    });
  });
  spans.sort((a, b) => a.start - b.start);
  // parts of one episode overlap by design; different episodes must not
  let last: Span | undefined;
  for (const s of spans) {
    if (last && s.episode !== last.episode && s.start <= last.end) {
      throw new Error(`${path}: episodes ${last.workload} and ${s.workload} overlap`);
    }
    if (!last || s.end > last.end) last = s;
  }
  return spans;
}

/** Episodes (by index) that exited non-zero, or one of whose parts did. */
export function failedEpisodes(rows: Rec[], spans: Span[]): Set<number> {
  const failed = new Set(spans.filter((s) => s.rc !== 0).map((s) => s.episode));
  rows.forEach((r, i) => {
    if (typeof r.rc === 'number' && r.rc !== 0) failed.add(i);
  });
  return failed;
}

/**
 * The records with label, workload and family added (ground truth keys from the input are replaced).
 * Records inside any span of an episode in `drop` are left out.
 */
export function labelRecords(records: Rec[], spans: Span[], path = 'telemetry', drop: ReadonlySet<number> = new Set()): Rec[] {
  const byPart = [...spans].sort((a, b) => a.episode - b.episode); // stable: keeps each episode's part order
  return records.flatMap((rec, i) => {
    const ts = rec.timestamp;
    if (typeof ts !== 'number' || !Number.isFinite(ts)) throw new Error(`${path}: record ${i + 1}: field timestamp is not a number`);
    const on = byPart.filter((s) => s.start <= ts && ts <= s.end);
    if (on.some((s) => drop.has(s.episode))) return [];
    const { label: _l, workload: _w, family: _f, ...rest } = rec;
    if (on.length === 0) return [{ ...rest, label: 0, workload: 'startup', family: 'startup' }];
    return [{
      ...rest,
      label: on.some((s) => s.label === 1) ? 1 : 0,
      workload: on.map((s) => s.workload).join('+'),
      family: on.map((s) => s.family).join('+'),
    }];
  });
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { force: { type: 'boolean', default: false }, 'drop-failed': { type: 'boolean', default: false } } });
  if (positionals.length !== 2) {
    process.stderr.write('usage: label.ts OUT_DIR data/NAME.jsonlines.gz [--force] [--drop-failed]\n');
    process.exitCode = 2;
    return;
  }
  const [dir, outPath] = positionals;
  if (!outPath.endsWith('.jsonlines.gz')) throw new Error(`${outPath}: the output must be named *.jsonlines.gz`);
  if (existsSync(outPath) && !values.force) throw new Error(`${outPath} exists; pass --force to replace it`);
  const telePath = join(dir, 'telemetry.jsonlines');
  const epPath = join(dir, 'episodes.jsonl');
  const rows = readJsonLines(epPath);
  const episodes = parseEpisodes(rows, epPath);
  const drop = values['drop-failed'] ? failedEpisodes(rows, episodes) : new Set<number>();
  const records = readJsonLines(telePath);
  const labelled = labelRecords(records, episodes, telePath, drop);
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
  const ran = new Set(episodes.map((s) => s.episode)).size;
  process.stdout.write(`${outPath}: ${labelled.length} records, ${ones} labelled 1, ${ran} episodes\n`);
  for (const [w, n] of counts) process.stdout.write(`  ${String(n).padStart(5)}  ${w}\n`);
  for (const e of episodes.filter((x) => x.rc !== 0 && !drop.has(x.episode))) {
    process.stdout.write(`  warning: ${e.workload} (episode ${e.episode + 1}) exited ${e.rc}: check its log before committing its records\n`);
  }
  if (drop.size > 0) {
    const names = [...drop].sort((a, b) => a - b).map((i) => `${String(rows[i].workload)} (episode ${i + 1})`);
    process.stdout.write(`  left out ${records.length - labelled.length} records of ${drop.size} failed episodes: ${names.join(', ')}\n`);
  }
  rows.forEach((r, i) => {
    if (!episodes.some((s) => s.episode === i)) {
      process.stdout.write(`  warning: ${String(r.workload)} (episode ${i + 1}) never started (rc ${String(r.rc)}): its seconds are startup\n`);
    }
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`label.ts: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
