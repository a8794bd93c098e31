/**
 * GPM values read in-process through NVML (the addon opens libnvidia-ml with
 * dlopen): at each tick one GPM sample per GPU, and the metrics for the
 * interval since that GPU's previous sample, so a record's values cover
 * exactly the time since the record before it. The first tick of a GPU has
 * no interval yet: its keys are null without a notice.
 */
import { TelemetryError, fromNative } from '../../errors.js';
import { addon, type NativeNvmlSession, type NvmlDeviceInfo } from '../../native/addon.js';
import type { NvsmiRecord } from '../flatten.js';
import { BUS_ID_KEY, PCI_BUS_ID_KEY, UUID_KEY } from '../gpu-select.js';
import { GPM_METRICS, gpmText, type GpmValues } from './keys.js';
import type { GpmReading, GpmSource } from './source.js';

/** The library NVML is loaded from unless `$ABP_NVML_LIBRARY` (or an option) says otherwise. */
export const DEFAULT_NVML_LIBRARY = 'libnvidia-ml.so.1';

export interface NvmlOptions {
  /** Path or soname of libnvidia-ml (default `$ABP_NVML_LIBRARY` or libnvidia-ml.so.1). */
  library?: string;
}

export function nvmlLibrary(library?: string): string {
  return library || process.env.ABP_NVML_LIBRARY || DEFAULT_NVML_LIBRARY;
}

const METRIC_IDS = GPM_METRICS.map((m) => m.id);

function text(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

export class NvmlGpmSource implements GpmSource {
  readonly kind = 'nvml' as const;

  private constructor(
    private session: NativeNvmlSession | null,
    /** Why nothing can be read (no library, no driver); null when open. */
    readonly failure: string | null,
    readonly library: string,
    readonly devices: readonly NvmlDeviceInfo[],
  ) {}

  /** Opens NVML; rejects (TelemetryError ABP_NVML_UNAVAILABLE) when the library cannot be loaded or initialised. */
  static async open(opts: NvmlOptions = {}): Promise<NvmlGpmSource> {
    const library = nvmlLibrary(opts.library);
    let session: NativeNvmlSession;
    try {
      session = await addon().nvml.open(library);
    } catch (err) {
      const e = fromNative(err);
      // A build of the addon without this binding, or no addon at all.
      if (e.code !== 'ABP_NVML_UNAVAILABLE') throw new TelemetryError('ABP_NVML_UNAVAILABLE', `NVML cannot be used: ${e.message}`, { cause: e });
      throw e;
    }
    return new NvmlGpmSource(session, null, library, session.info().devices);
  }

  /** A source that reads nothing and says `reason` for every GPU. */
  static unavailable(reason: string, library = nvmlLibrary()): NvmlGpmSource {
    return new NvmlGpmSource(null, reason, library, []);
  }

  /** GPUs NVML can read GPM from. */
  get gpmDevices(): number {
    return this.devices.filter((d) => d.gpm).length;
  }

  async sample(records: readonly NvsmiRecord[]): Promise<GpmReading[]> {
    const session = this.session;
    if (!session) return records.map(() => ({ values: null, reason: this.failure ?? 'NVML is closed' }));
    const refs = records.map((r) => ({ uuid: text(r[UUID_KEY]), pciBusId: text(r[PCI_BUS_ID_KEY]) ?? text(r[BUS_ID_KEY]) }));
    const readings = await session.sample(refs, METRIC_IDS);
    return readings.map((r) => {
      if (!r.values) return r.quiet ? { values: null, quiet: true } : { values: null, reason: r.reason ?? 'NVML returned no GPM values' };
      const values: GpmValues = {};
      GPM_METRICS.forEach((m, i) => {
        const v = r.values![i];
        values[m.name] = v === null || v === undefined ? null : gpmText(m, v);
      });
      return { values };
    });
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = null;
    await s?.close();
  }
}
