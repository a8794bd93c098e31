/**
 * One call of `nvidia-smi -q -x`: the document on success, a TelemetryError
 * with a code the collector can act on otherwise. A call that hangs is killed
 * at its timeout so a wedged driver cannot stall the loop forever.
 */
import { execFile } from 'node:child_process';
import { TelemetryError } from '../errors.js';

export const NVIDIA_SMI_ENV = 'ABP_NVIDIA_SMI';

export interface NvidiaSmiOptions {
  /** Binary to run; default `$ABP_NVIDIA_SMI` or `nvidia-smi` on PATH. */
  binary?: string;
  /** Arguments; default `-q -x`. */
  args?: readonly string[];
  /** Kill the call after this long (ms); default 10 s. */
  timeoutMs?: number;
  /** Aborting kills the call; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

const MAX_OUTPUT = 64 * 1024 * 1024;

export function nvidiaSmiBinary(binary?: string): string {
  return binary || process.env[NVIDIA_SMI_ENV] || 'nvidia-smi';
}

/** Runs nvidia-smi once and returns its stdout. */
export function runNvidiaSmi(opts: NvidiaSmiOptions = {}): Promise<string> {
  const bin = nvidiaSmiBinary(opts.binary);
  const args = opts.args ?? ['-q', '-x'];
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(opts.signal.reason);
      return;
    }
    execFile(
      bin,
      args as string[],
      { encoding: 'utf8', maxBuffer: MAX_OUTPUT, timeout: timeoutMs, killSignal: 'SIGKILL', signal: opts.signal, windowsHide: true },
      (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout);
          return;
        }
        if (opts.signal?.aborted) {
          reject(opts.signal.reason);
          return;
        }
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: string | number | null };
        const cmd = `${bin} ${args.join(' ')}`;
        if (e.code === 'ENOENT') {
          reject(new TelemetryError('ABP_NVSMI_NOT_FOUND', `${bin} not found: install the NVIDIA driver utilities or point --nvidia-smi (or $${NVIDIA_SMI_ENV}) at the binary`, { cause: err }));
        } else if (e.code === 'EACCES') {
          reject(new TelemetryError('ABP_NVSMI_NOT_FOUND', `${bin} cannot be run (permission denied)`, { cause: err }));
        } else if (e.killed && e.signal === 'SIGKILL') {
          reject(new TelemetryError('ABP_NVSMI_TIMEOUT', `${cmd} did not finish within ${timeoutMs} ms and was killed`, { cause: err }));
        } else if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          reject(new TelemetryError('ABP_NVSMI_FAILED', `${cmd} printed more than ${MAX_OUTPUT} bytes`, { cause: err }));
        } else {
          const why = typeof e.code === 'number' ? `exited with status ${e.code}` : e.signal ? `was killed by ${e.signal}` : e.message;
          const detail = (stderr || stdout || '').trim().split('\n').slice(0, 3).join(' | ');
          reject(new TelemetryError('ABP_NVSMI_FAILED', `${cmd} ${why}${detail ? `: ${detail}` : ''}`, { cause: err }));
        }
      },
    );
  });
}
