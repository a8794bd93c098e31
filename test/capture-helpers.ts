// What the capture tests (capture-label, capture-ingest) share: reading a
// labelled .jsonlines.gz, and episodes made up from real records' labels.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export type Rec = Record<string, unknown>;

export interface Episode {
  workload: string;
  label: number;
  family: string;
  start: number;
  end: number;
  rc: number;
}

export function readGz(path: string): Rec[] {
  return gunzipSync(readFileSync(path)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
}

/** Runs of one non-startup workload in file order, as episodes a little wider than their first and last record. */
export function episodesOf(recs: Rec[]): Episode[] {
  const eps: Episode[] = [];
  let prev = '';
  for (const r of recs) {
    const w = r.workload as string;
    const ts = r.timestamp as number;
    if (w !== 'startup' && w === prev) eps[eps.length - 1].end = ts + 0.05;
    else if (w !== 'startup') eps.push({ workload: w, label: r.label as number, family: `fam-${w}`, start: ts - 0.05, end: ts + 0.05, rc: 0 });
    prev = w;
  }
  return eps;
}
