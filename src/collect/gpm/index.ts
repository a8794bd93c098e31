/** GPM work-activity telemetry (Hopper and newer) for collect and watch. */
import { UsageError } from '../../errors.js';
import { DmonGpmSource } from './dmon.js';
import { offSource, type GpmMode, type GpmSource } from './source.js';

export { GPM_METRICS, GPM_KEYS, GPM_PREFIX, withGpm, nullGpm, gpmText, type GpmMetric, type GpmValues } from './keys.js';
export { GpmAttacher, offSource, gpuLabel, GPM_MODES, type GpmMode, type GpmSource, type GpmReading, type GpmNotice } from './source.js';
export { DmonGpmSource, DmonTable, DMON_GPM_IDS, type DmonOptions } from './dmon.js';

export interface OpenGpmOptions {
  nvidiaSmi?: string;
  /** Told which source was chosen and why. */
  onChoice?: (message: string) => void;
}

/** The source for a mode. */
export function openGpmSource(mode: GpmMode, opts: OpenGpmOptions = {}): GpmSource {
  switch (mode) {
    case 'off':
      return offSource;
    case 'dmon':
      opts.onChoice?.('GPM: nvidia-smi dmon (asked for)');
      return new DmonGpmSource({ nvidiaSmi: opts.nvidiaSmi });
    case 'nvml':
      throw new UsageError('ABP_BAD_ARGUMENT', '--gpm=nvml is not available in this build');
    case 'auto':
      opts.onChoice?.('GPM: nvidia-smi dmon');
      return new DmonGpmSource({ nvidiaSmi: opts.nvidiaSmi });
    default:
      throw new UsageError('ABP_BAD_ARGUMENT', `--gpm must be auto, nvml, dmon or off, got ${String(mode)}`);
  }
}
