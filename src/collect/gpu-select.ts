/**
 * `--gpu` selectors: an index (the GPU's position in nvidia-smi's listing,
 * which is nvidia-smi's own index order), a UUID, or a PCI bus id.
 */
import { TelemetryError } from '../errors.js';
import type { NvsmiRecord } from './flatten.js';

export const UUID_KEY = 'nvidia_smi_log.gpu.uuid';
export const BUS_ID_KEY = 'nvidia_smi_log.gpu.@id';
export const PCI_BUS_ID_KEY = 'nvidia_smi_log.gpu.pci.pci_bus_id';

/** Splits repeated or comma-separated selectors and drops blanks. */
export function parseGpuSelectors(values: ReadonlyArray<string | number> | string | number | undefined): string[] {
  if (values === undefined) return [];
  const list = Array.isArray(values) ? values : [values];
  return list.flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

function matches(sel: string, rec: NvsmiRecord, index: number): boolean {
  if (/^\d+$/.test(sel)) return Number(sel) === index;
  const s = sel.toLowerCase();
  for (const key of [UUID_KEY, BUS_ID_KEY, PCI_BUS_ID_KEY]) {
    const v = rec[key];
    if (typeof v === 'string' && v.toLowerCase() === s) return true;
  }
  return false;
}

/**
 * The records (in document order) picked by `selectors`; all when there are
 * none. A selector that matches no GPU is an error naming what exists.
 */
export function selectGpus(records: NvsmiRecord[], selectors: readonly string[]): NvsmiRecord[] {
  if (selectors.length === 0) return records;
  for (const sel of selectors) {
    if (!records.some((r, i) => matches(sel, r, i))) {
      const have = records.map((r, i) => `${i}=${r[UUID_KEY] ?? r[BUS_ID_KEY] ?? '?'}`).join(', ') || 'none';
      throw new TelemetryError('ABP_GPU_NOT_FOUND', `--gpu ${sel} matches no GPU (present: ${have})`);
    }
  }
  return records.filter((r, i) => selectors.some((sel) => matches(sel, r, i)));
}
