/**
 * The GPM record layout (a contract shared with ../shared/data/README.md and
 * the shared capture tool): 14 keys `nvidia_smi_log.gpu.gpm.*`, text with
 * units (`"97 %"`, `"62 MiB/s"`), null where the GPU or driver has no value,
 * placed after the GPU's own keys and before `hostname`/`timestamp`.
 */
import type { NvsmiRecord } from '../flatten.js';

export const GPM_PREFIX = 'nvidia_smi_log.gpu.gpm.';

/**
 * One GPM metric: its record name, NVML's metric id (nvmlGpmMetricId_t, the
 * same numbers `nvidia-smi dmon --gpm-metrics` takes), dmon's column header,
 * and its unit in the record.
 */
export interface GpmMetric {
  name: string;
  id: number;
  dmon: string;
  unit: '%' | 'MiB/s';
}

/** In record order. */
export const GPM_METRICS: readonly GpmMetric[] = [
  { name: 'graphics_activity', id: 1, dmon: 'gract', unit: '%' },
  { name: 'sm_activity', id: 2, dmon: 'smutil', unit: '%' },
  { name: 'sm_occupancy', id: 3, dmon: 'smocc', unit: '%' },
  { name: 'integer_activity', id: 4, dmon: 'intutil', unit: '%' },
  { name: 'tensor_activity', id: 5, dmon: 'mmaact', unit: '%' },
  { name: 'dfma_tensor_activity', id: 6, dmon: 'dfmat', unit: '%' },
  { name: 'hmma_tensor_activity', id: 7, dmon: 'hmmat', unit: '%' },
  { name: 'imma_tensor_activity', id: 9, dmon: 'immat', unit: '%' },
  { name: 'dram_activity', id: 10, dmon: 'dram', unit: '%' },
  { name: 'fp64_activity', id: 11, dmon: 'fp64', unit: '%' },
  { name: 'fp32_activity', id: 12, dmon: 'fp32', unit: '%' },
  { name: 'fp16_activity', id: 13, dmon: 'fp16', unit: '%' },
  { name: 'pcie_tx_bytes', id: 20, dmon: 'pcitx', unit: 'MiB/s' },
  { name: 'pcie_rx_bytes', id: 21, dmon: 'pcirx', unit: 'MiB/s' },
];

export const GPM_KEYS: readonly string[] = GPM_METRICS.map((m) => GPM_PREFIX + m.name);

/** One GPU's GPM values for one interval, as record text; null where there is none. */
export type GpmValues = Record<string, string | null>;

/** All 14 keys null. */
export function nullGpm(): GpmValues {
  const v: GpmValues = {};
  for (const m of GPM_METRICS) v[m.name] = null;
  return v;
}

/** A metric's number as record text: `"97 %"`, `"62 MiB/s"`; non-finite values are null. */
export function gpmText(metric: GpmMetric, value: number): string | null {
  if (!Number.isFinite(value)) return null;
  // dmon prints whole numbers; NVML returns doubles. Whole numbers keep the
  // dmon text exactly; otherwise two decimals are plenty for a percentage.
  const v = Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/\.?0+$/, '');
  return `${v} ${metric.unit}`;
}

const TAIL_KEYS = new Set(['hostname', 'timestamp']);

/**
 * The record with the 14 GPM keys inserted after the GPU's own keys and
 * before `hostname`/`timestamp` (key order matters: records must line up key
 * for key with the training data). Existing GPM keys are replaced in place.
 */
export function withGpm(record: NvsmiRecord, values: GpmValues | null): NvsmiRecord {
  const out: NvsmiRecord = {};
  const tail: [string, string | number | null][] = [];
  for (const [k, v] of Object.entries(record)) {
    if (k.startsWith(GPM_PREFIX)) continue;
    if (TAIL_KEYS.has(k)) tail.push([k, v]);
    else out[k] = v;
  }
  for (const m of GPM_METRICS) out[GPM_PREFIX + m.name] = values?.[m.name] ?? null;
  for (const [k, v] of tail) out[k] = v;
  return out;
}
