// What the watch tests (job-history, pair-window, alert-hold, watch-idle) share: a recording's records in
// order, and the partner goldens that scripts/gpm/train-partner-model.py --golden writes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRecords } from '../src/collect/replay.js';
import { gpuIdOf, isIdle } from '../src/collect/watch.js';
import type { NvsmiRecord } from '../src/collect/flatten.js';

export const ROOT = new URL('..', import.meta.url).pathname;

/** Every record of a recording (plain or gzipped JSON lines), in order. */
export async function records(path: string): Promise<NvsmiRecord[]> {
  const out: NvsmiRecord[] = [];
  for await (const { record } of readRecords(path)) out.push(record);
  return out;
}

/** What a per-GPU reader (JobHistories, PairWindows) returns over a recording's working samples, by record index. */
export function partnersRead(recs: NvsmiRecord[], reader: { observe(key: string, rec: NvsmiRecord, time: number): NvsmiRecord | null }): Map<number, NvsmiRecord> {
  const got = new Map<number, NvsmiRecord>();
  recs.forEach((r, i) => {
    if (isIdle(r)) return;
    const p = reader.observe(`${String(r.hostname)}\u0000${gpuIdOf(r, 0)}`, r, r.timestamp as number);
    if (p) got.set(i, p);
  });
  return got;
}

/** A partner golden: for each record the Python reference read as a job plus a partner, its raw GPM columns and
 * the shipped abp-gpm-partner-xgb's probability from XGBoost itself. */
export interface PartnerGolden {
  columns: string[];
  rows: number;
  partners: { index: number; partner: number[]; probability: number }[];
}

export function partnerGolden(name: string): PartnerGolden {
  return JSON.parse(readFileSync(join(ROOT, 'test/golden', name), 'utf8'));
}
