/**
 * Where a collector's GPM values come from, and how they are attached to the
 * records of a tick. A source answers, for each GPU of a document (by its
 * position in nvidia-smi's listing), the values of the interval that ends at
 * this sample, or null with a reason (reported once per GPU).
 */
import type { NvsmiRecord } from '../flatten.js';
import { UUID_KEY, BUS_ID_KEY } from '../gpu-select.js';
import { withGpm, type GpmValues } from './keys.js';
import { printable } from '../../util/printable.js';

/** `auto`: NVML where the addon can open it, else `nvidia-smi dmon`; `off`: keys null, nothing run. */
export type GpmMode = 'auto' | 'nvml' | 'dmon' | 'off';
export const GPM_MODES: readonly GpmMode[] = ['auto', 'nvml', 'dmon', 'off'];

export interface GpmReading {
  values: GpmValues | null;
  /** Why values is null (shown once per GPU). */
  reason?: string;
  /** Expected and passing (GPM's first interval): no notice. */
  quiet?: boolean;
}

export interface GpmSource {
  /** What is reading: `nvml`, `dmon` or `off`. */
  readonly kind: 'nvml' | 'dmon' | 'off';
  /** One reading per record, in order; `records[i]` is the i-th GPU of the document. */
  sample(records: readonly NvsmiRecord[]): Promise<GpmReading[]>;
  close(): Promise<void>;
}

export type GpmNotice = (gpu: string, message: string) => void;

const MIG_KEY = 'nvidia_smi_log.gpu.mig_mode.current_mig';

export function gpuLabel(record: NvsmiRecord, index: number): string {
  const id = record[UUID_KEY] ?? record[BUS_ID_KEY];
  // Record bytes go to a terminal here: control characters are escaped.
  return typeof id === 'string' ? `GPU ${index} (${printable(id)})` : `GPU ${index}`;
}

/**
 * Adds the GPM keys to every record of a document, in place of the array's
 * items. A GPU in MIG mode gets null keys: device-level activity cannot be
 * attributed to one instance, and a record must not claim its instance did
 * work another one did. Each GPU's reason for null keys is told once (and
 * again only if the reason changes).
 */
export class GpmAttacher {
  private readonly told = new Map<string, string>();
  constructor(
    private readonly source: GpmSource,
    private readonly notice: GpmNotice = () => {},
  ) {}

  get kind(): GpmSource['kind'] {
    return this.source.kind;
  }

  async attach(records: NvsmiRecord[]): Promise<NvsmiRecord[]> {
    const readings = await this.source.sample(records);
    return records.map((r, i) => {
      const label = gpuLabel(r, i);
      let reading = readings[i] ?? { values: null, reason: 'no reading' };
      if (r[MIG_KEY] === 'Enabled') reading = { values: null, reason: 'MIG mode is enabled: whole-GPU GPM activity cannot be attributed to one instance' };
      if (reading.values === null && !reading.quiet && this.source.kind !== 'off') {
        const why = reading.reason ?? 'no GPM values';
        const key = typeof r[UUID_KEY] === 'string' ? (r[UUID_KEY] as string) : String(i);
        if (this.told.get(key) !== why) {
          this.told.set(key, why);
          this.notice(label, why);
        }
      }
      return withGpm(r, reading.values);
    });
  }

  close(): Promise<void> {
    return this.source.close();
  }
}

/** A source that reads nothing: the keys are null. */
export const offSource: GpmSource = {
  kind: 'off',
  sample: async (records) => records.map(() => ({ values: null })),
  close: async () => {},
};
