/** Per-GPU and per-host counts of flagged rows, for `abp detect`. */
import type { Batch } from '../stages/batch.js';
import { KeyFinder } from '../stages/json-scan.js';

export interface DetectionSummary {
  rows: number;
  flagged: number;
  label: string;
  byGpu: Record<string, number>;
  byHost: Record<string, number>;
}

export const GPU_KEY = 'nvidia_smi_log.gpu.uuid';
export const HOST_KEY = 'hostname';

export class Summarizer {
  readonly summary: DetectionSummary;
  private readonly finder = new KeyFinder([GPU_KEY, HOST_KEY]);
  private readonly vs = new Int32Array(2);
  private readonly ve = new Int32Array(2);

  constructor(label: string) {
    this.summary = { rows: 0, flagged: 0, label, byGpu: {}, byHost: {} };
  }

  process(b: Batch): Batch {
    const s = this.summary;
    s.rows += b.size;
    const col = b.added.find((a) => a.name === s.label && a.type === 'bool');
    if (!col) return b;
    for (let r = 0; r < b.size; r++) {
      if (!col.values[r]) continue;
      s.flagged++;
      let gpu: unknown;
      let host: unknown;
      const o = b.obj[r];
      if (o) {
        gpu = o[GPU_KEY];
        host = o[HOST_KEY];
      } else {
        const t = b.buf[r];
        this.finder.locate(t, b.start[r], b.end[r], this.vs, this.ve, 0);
        gpu = this.vs[0] === -1 ? undefined : JSON.parse(t.toString('utf8', this.vs[0], this.ve[0]));
        host = this.vs[1] === -1 ? undefined : JSON.parse(t.toString('utf8', this.vs[1], this.ve[1]));
      }
      const g = gpu === undefined || gpu === null ? '(unknown gpu)' : String(gpu);
      const h = host === undefined || host === null ? '(unknown host)' : String(host);
      s.byGpu[g] = (s.byGpu[g] ?? 0) + 1;
      s.byHost[h] = (s.byHost[h] ?? 0) + 1;
    }
    return b;
  }
}

/** Adds a block's summary to the run's; merged in input order, the per-GPU and per-host keys keep first-seen order. */
export function mergeSummary(into: DetectionSummary, part: DetectionSummary): void {
  into.rows += part.rows;
  into.flagged += part.flagged;
  for (const [k, v] of Object.entries(part.byGpu)) into.byGpu[k] = (into.byGpu[k] ?? 0) + v;
  for (const [k, v] of Object.entries(part.byHost)) into.byHost[k] = (into.byHost[k] ?? 0) + v;
}
