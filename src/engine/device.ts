/**
 * Engine choice: `--device auto|cpu|gpu|gpu:N` and its library twin. `auto`
 * (the default) takes the GPU when one works and otherwise the CPU engine,
 * and every choice comes with a report saying which engine and device ran and,
 * for a fallback, why.
 */
import { addon, type CudaRuntimeInfo, type ModelFormat } from '../native/addon.js';
import { DeviceError, fromNative, UsageError } from '../errors.js';
import { ForestModel } from './model.js';
import { GpuForestModel } from './gpu-model.js';

export type DeviceSpec = 'auto' | 'cpu' | 'gpu' | `gpu:${number}`;

export interface ParsedDevice {
  kind: 'auto' | 'cpu' | 'gpu';
  /** CUDA device index for 'gpu' (0 for plain 'gpu'). */
  index: number;
}

export interface EngineReport {
  engine: 'cuda' | 'cpu';
  /** 'cpu' or 'gpu:N'. */
  device: string;
  /** The GPU's name, when the CUDA engine runs. */
  deviceName?: string;
  /** Why the CPU engine runs under 'auto' (no driver, no device, failed upload...). */
  reason?: string;
}

export interface OpenModelOptions {
  device?: string;
  format?: ModelFormat;
}

export interface OpenedModel {
  model: ForestModel | GpuForestModel;
  report: EngineReport;
}

/** Parses a device option; throws UsageError (ABP_BAD_ARGUMENT) on anything else. */
export function parseDevice(spec: string | undefined): ParsedDevice {
  const s = (spec ?? 'auto').trim().toLowerCase();
  if (s === 'auto' || s === 'cpu') return { kind: s, index: 0 };
  if (s === 'gpu' || s === 'cuda') return { kind: 'gpu', index: 0 };
  const m = /^(?:gpu|cuda):(\d{1,4})$/.exec(s);
  if (m) return { kind: 'gpu', index: Number(m[1]) };
  throw new UsageError('ABP_BAD_ARGUMENT', `--device must be auto, cpu, gpu or gpu:N, got '${spec}'`);
}

/** What the CUDA runtime reports: built in, devices, and why none is usable. */
export async function cudaInfo(): Promise<CudaRuntimeInfo> {
  try {
    return await addon().cuda.devices();
  } catch (err) {
    throw fromNative(err);
  }
}

/** Formats an engine report for logs: "cuda gpu:0 (NVIDIA H200)" or "cpu (no CUDA device found)". */
export function describeEngine(r: EngineReport): string {
  if (r.engine === 'cuda') return `cuda ${r.device}${r.deviceName ? ` (${r.deviceName})` : ''}`;
  return `cpu${r.reason ? ` (${r.reason})` : ''}`;
}

/**
 * Opens a model file on the engine `device` asks for. 'gpu' / 'gpu:N' fail
 * with a DeviceError (ABP_CUDA_UNAVAILABLE, ABP_CUDA_OOM...) when that GPU
 * cannot run it; 'auto' falls back to the CPU engine and says why. Model
 * errors (bad file) are thrown whatever the device.
 */
export async function openModel(path: string, options: OpenModelOptions = {}): Promise<OpenedModel> {
  const want = parseDevice(options.device);
  const format = options.format ?? 'auto';
  if (want.kind === 'cpu') {
    return { model: await ForestModel.fromFile(path, { format }), report: { engine: 'cpu', device: 'cpu' } };
  }
  const info = await cudaInfo();
  const index = want.kind === 'gpu' ? want.index : (info.devices.find((d) => d.usable)?.index ?? 0);
  let reason: string;
  if (!info.available) {
    reason = info.reason ?? 'no usable CUDA device';
  } else if (index >= info.devices.length) {
    reason = `gpu:${index} does not exist (${info.devices.length} device(s))`;
  } else if (!info.devices[index]!.usable) {
    reason = `gpu:${index}: ${info.devices[index]!.reason ?? 'not usable'}`;
  } else {
    try {
      const model = await GpuForestModel.fromFile(path, { format, device: index });
      return {
        model,
        report: { engine: 'cuda', device: `gpu:${index}`, deviceName: info.devices[index]!.name },
      };
    } catch (err) {
      if (!(err instanceof DeviceError) || want.kind === 'gpu') throw err;
      reason = `gpu:${index} failed: ${err.message}`;
    }
  }
  if (want.kind === 'gpu') {
    throw new DeviceError('ABP_CUDA_UNAVAILABLE', `--device gpu:${want.index}: ${reason}`);
  }
  return { model: await ForestModel.fromFile(path, { format }), report: { engine: 'cpu', device: 'cpu', reason } };
}
