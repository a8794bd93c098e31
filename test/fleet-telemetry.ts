// A fleet out of the one recorded H200: the real records of
// data/nvsmi-h200-train.jsonlines.gz with each copy's UUID, PCI bus id and
// minor number rewritten, and the timestamps of a common tick clock. Used by
// the metrics tests and scripts/bench-watch-metrics.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const ROOT = new URL('..', import.meta.url).pathname;
export const RECORDING = join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');

export type Rec = Record<string, unknown>;

/** The recording's records, in order (1020 samples at 2 Hz of one GPU). */
export function recordedSamples(): Rec[] {
  return gunzipSync(readFileSync(RECORDING)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
}

/** GPU `g`'s identity: a UUID and PCI bus id no real GPU has, distinct per g. */
export function fleetGpu(g: number): { uuid: string; busId: string } {
  const hex = g.toString(16).padStart(8, '0');
  return { uuid: `GPU-${hex}-abcd-4000-8000-00000000f1ee`, busId: `00000000:${(g + 16).toString(16).padStart(2, '0').toUpperCase()}:00.0` };
}

/** `rec` as GPU `g` of the fleet, at `timestamp`. */
export function asFleetGpu(rec: Rec, g: number, timestamp: number, hostname?: string): Rec {
  const { uuid, busId } = fleetGpu(g);
  const out: Rec = { ...rec, timestamp };
  out['nvidia_smi_log.gpu.uuid'] = uuid;
  out['nvidia_smi_log.gpu.@id'] = busId;
  out['nvidia_smi_log.gpu.pci.pci_bus_id'] = busId;
  out['nvidia_smi_log.gpu.minor_number'] = String(g);
  if (hostname !== undefined) out.hostname = hostname;
  return out;
}

/**
 * JSON lines of a fleet replay, tick by tick, without building objects per
 * line: each recorded sample is serialised once with placeholders, then the
 * identity and time are spliced in. GPU g at tick t carries recorded sample
 * `(t * stride + g * offset) % n`, so the GPUs are at different phases.
 */
export function* fleetLines(samples: Rec[], opts: { gpus: number; ticks: number; t0: number; intervalS: number; stride?: number; offset?: number }): Generator<string> {
  const templates = samples.map((r) => {
    const s = JSON.stringify(asFleetGpu(r, 0, 0));
    const { uuid, busId } = fleetGpu(0);
    return s.split(uuid).join('\u0001').split(busId).join('\u0002').replace('"nvidia_smi_log.gpu.minor_number":"0"', '"nvidia_smi_log.gpu.minor_number":"\u0003"').replace(/"timestamp":0(?=[,}])/, '"timestamp":\u0004');
  });
  const stride = opts.stride ?? 1;
  const offset = opts.offset ?? 37;
  for (let t = 0; t < opts.ticks; t++) {
    const ts = String(opts.t0 + t * opts.intervalS);
    let block = '';
    for (let g = 0; g < opts.gpus; g++) {
      const { uuid, busId } = fleetGpu(g);
      const tpl = templates[(t * stride + g * offset) % templates.length];
      block += tpl.replaceAll('\u0001', uuid).replaceAll('\u0002', busId).replace('\u0003', String(g)).replace('\u0004', ts) + '\n';
    }
    yield block;
  }
}
