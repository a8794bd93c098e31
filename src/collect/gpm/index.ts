/** GPM work-activity telemetry (Hopper and newer) for collect and watch. */
import { UsageError } from '../../errors.js';
import { DmonGpmSource } from './dmon.js';
import { NvmlGpmSource } from './nvml.js';
import { offSource, type GpmMode, type GpmSource } from './source.js';

export { GPM_METRICS, GPM_KEYS, GPM_PREFIX, withGpm, nullGpm, gpmText, type GpmMetric, type GpmValues } from './keys.js';
export { GpmAttacher, offSource, gpuLabel, GPM_MODES, type GpmMode, type GpmSource, type GpmReading, type GpmNotice } from './source.js';
export { DmonGpmSource, DmonTable, DMON_GPM_IDS, type DmonOptions } from './dmon.js';
export { NvmlGpmSource, DEFAULT_NVML_LIBRARY, nvmlLibrary, type NvmlOptions } from './nvml.js';

export interface OpenGpmOptions {
  nvidiaSmi?: string;
  /** libnvidia-ml to load (default `$ABP_NVML_LIBRARY` or libnvidia-ml.so.1). */
  nvmlLibrary?: string;
  /** Told which source was chosen and why. */
  onChoice?: (message: string) => void;
}

function gpmCount(s: NvmlGpmSource): string {
  return `${s.gpmDevices} of ${s.devices.length} GPU(s) read GPM`;
}

/**
 * The source for a mode. `auto` prefers NVML: in-process, no child, and each
 * record's values cover exactly the interval since the record before it
 * (README, "GPM work-activity keys", has the measurement behind the choice);
 * it falls back to nvidia-smi dmon when NVML cannot be opened or no GPU reads
 * GPM through it. `nvml` asked for and not available gives null keys with
 * the reason, like a dmon that cannot run.
 */
export async function openGpmSource(mode: GpmMode, opts: OpenGpmOptions = {}): Promise<GpmSource> {
  switch (mode) {
    case 'off':
      return offSource;
    case 'dmon':
      opts.onChoice?.('GPM: nvidia-smi dmon (asked for)');
      return new DmonGpmSource({ nvidiaSmi: opts.nvidiaSmi });
    case 'nvml':
      try {
        const s = await NvmlGpmSource.open({ library: opts.nvmlLibrary });
        opts.onChoice?.(`GPM: NVML (asked for; ${s.library}: ${gpmCount(s)})`);
        return s;
      } catch (err) {
        const why = (err as Error).message;
        opts.onChoice?.(`GPM: NVML (asked for) cannot be used: ${why}`);
        return NvmlGpmSource.unavailable(why, opts.nvmlLibrary);
      }
    case 'auto': {
      let why: string;
      try {
        const s = await NvmlGpmSource.open({ library: opts.nvmlLibrary });
        if (s.gpmDevices > 0) {
          opts.onChoice?.(`GPM: NVML (${s.library}: ${gpmCount(s)})`);
          return s;
        }
        const first = s.devices.find((d) => d.reason)?.reason;
        why = `no GPU reads GPM through NVML${first ? ` (${first})` : ''}`;
        await s.close();
      } catch (err) {
        why = (err as Error).message;
      }
      opts.onChoice?.(`GPM: nvidia-smi dmon (NVML: ${why})`);
      return new DmonGpmSource({ nvidiaSmi: opts.nvidiaSmi });
    }
    default:
      throw new UsageError('ABP_BAD_ARGUMENT', `--gpm must be auto, nvml, dmon or off, got ${String(mode)}`);
  }
}
