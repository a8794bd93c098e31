/**
 * A sample's GPM work profile: the raw GPM columns as the models read them,
 * and each activity per unit of SM-active time. Without MPS a GPU
 * time-slices between processes, so over a sample two jobs' activities add
 * up as each one's per-active profile weighted by the share of SM time it
 * won: P ≈ f_a·a + f_b·b. The job history (job-history.ts) and the alert
 * hold (alert-hold.ts) both read samples this way; scripts/gpm/unmix.py is
 * the reference.
 */
import { featureValue } from '../../stages/parse-value.js';
import type { NvsmiRecord } from '../flatten.js';
import { GPM_KEYS, GPM_PREFIX } from './keys.js';

/**
 * The raw GPM columns the GPM models read: the record's GPM keys in record
 * order, which is also abp-gpm-xgb's columns_fil.txt order (the partner
 * record and scripts/gpm/unmix.py index them so).
 */
export const PROFILE_COLUMNS: readonly string[] = GPM_KEYS;

/** Index of a GPM metric (its short name) in PROFILE_COLUMNS. */
export const column = (name: string): number => PROFILE_COLUMNS.indexOf(GPM_PREFIX + name);

export const GR = column('graphics_activity');
export const SM = column('sm_activity');
export const TEN = column('tensor_activity');
export const FP32 = column('fp32_activity');
/** The activities that add up over time-slicing (each per unit of SM time). */
export const ACTS: readonly number[] = ['sm_activity', 'sm_occupancy', 'integer_activity', 'tensor_activity', 'dfma_tensor_activity',
  'hmma_tensor_activity', 'imma_tensor_activity', 'dram_activity', 'fp64_activity', 'fp32_activity', 'fp16_activity'].map(column);
/** The pipes, the activities that say what kind of work runs (SM activity and occupancy are every job's). */
export const PIPES: readonly number[] = ['integer_activity', 'tensor_activity', 'dram_activity', 'fp64_activity', 'fp32_activity',
  'fp16_activity'].map(column);
/** The tensor pipes, all kinds. */
export const TENSORS: readonly number[] = ['tensor_activity', 'dfma_tensor_activity', 'hmma_tensor_activity', 'imma_tensor_activity'].map(column);
export const PCIE: readonly number[] = [column('pcie_tx_bytes'), column('pcie_rx_bytes')];

/** The record's raw GPM columns as the model sees them (float32), NaN where absent. */
export function gpmValues(rec: NvsmiRecord): Float64Array {
  const v = new Float64Array(PROFILE_COLUMNS.length);
  for (let i = 0; i < PROFILE_COLUMNS.length; i++) v[i] = Math.fround(featureValue(rec[PROFILE_COLUMNS[i]], 'first-number'));
  return v;
}

/** Whether every activity that adds up over time-slicing is there (no real GPM record lacks one). */
export function hasActivities(p: Float64Array): boolean {
  return !ACTS.some((i) => Number.isNaN(p[i]));
}

/** Each value per unit of SM-active time (SM activity below 5 % counts as 5 %). */
export function perActive(p: Float64Array): Float64Array {
  const d = Math.min(Math.max(p[SM] / 100, 0.05), 1);
  return p.map((x) => x / d);
}

/** The element-wise mean of equal-length rows. */
export function meanOf(rows: readonly Float64Array[]): Float64Array {
  const m = new Float64Array(rows[0].length);
  for (const r of rows) for (let i = 0; i < m.length; i++) m[i] += r[i];
  for (let i = 0; i < m.length; i++) m[i] /= rows.length;
  return m;
}

/**
 * A partner's profile `b` (raw GPM columns, modified in place) in the form the
 * partner model scores: graphics = SM, PCIe 0 (what unmixing cannot recover),
 * as a copy of `rec` with its GPM columns replaced. The job history and the
 * pair window both return their partners so.
 */
export function partnerRecord(rec: NvsmiRecord, b: Float64Array): NvsmiRecord {
  b[GR] = b[SM];
  for (const i of PCIE) b[i] = 0;
  const out: NvsmiRecord = { ...rec };
  PROFILE_COLUMNS.forEach((c, i) => (out[c] = b[i]));
  return out;
}
