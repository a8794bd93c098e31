// One stateful reader per GPU seen (the job history, the pair window), kept by a stable key (host and UUID) and
// made on that GPU's first sample: the readers follow one GPU's samples in time order and must never mix two.
import type { NvsmiRecord } from './flatten.js';

/**
 * What reads one GPU's samples in order: the partner record it infers from this sample, or null. `values` is the
 * record's gpmValues when the caller has parsed them already (abp watch parses each sample once for every reader).
 */
export interface GpuSampleReader {
  observe(rec: NvsmiRecord, time: number, values?: Float64Array): NvsmiRecord | null;
}

export class PerGpu<R extends GpuSampleReader> {
  private readonly gpus = new Map<string, R>();
  constructor(private readonly make: () => R) {}
  observe(key: string, rec: NvsmiRecord, time: number, values?: Float64Array): NvsmiRecord | null {
    let r = this.gpus.get(key);
    if (!r) this.gpus.set(key, (r = this.make()));
    return r.observe(rec, time, values);
  }
}
