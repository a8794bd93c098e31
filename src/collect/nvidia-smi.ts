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

type ExecError = NodeJS.ErrnoException & { killed?: boolean; signal?: NodeJS.Signals | null; code?: string | number | null };

export function nvidiaSmiBinary(binary?: string): string {
  return binary || process.env[NVIDIA_SMI_ENV] || 'nvidia-smi';
}

function describeFailure(e: ExecError, cmd: string, bin: string, timeoutMs: number, stdout: string, stderr: string): TelemetryError {
  if (e.code === 'ENOENT') {
    return new TelemetryError('ABP_NVSMI_NOT_FOUND', `${bin} not found: install the NVIDIA driver utilities or point --nvidia-smi (or $${NVIDIA_SMI_ENV}) at the binary`, { cause: e });
  }
  if (e.code === 'EACCES') return new TelemetryError('ABP_NVSMI_NOT_FOUND', `${bin} cannot be run (permission denied)`, { cause: e });
  if (e.killed && e.signal === 'SIGKILL') {
    return new TelemetryError('ABP_NVSMI_TIMEOUT', `${cmd} did not finish within ${timeoutMs} ms and was killed`, { cause: e });
  }
  if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return new TelemetryError('ABP_NVSMI_FAILED', `${cmd} printed more than ${MAX_OUTPUT} bytes`, { cause: e });
  const why = typeof e.code === 'number' ? `exited with status ${e.code}` : e.signal ? `was killed by ${e.signal}` : e.message;
  const detail = (stderr || stdout || '').trim().split('\n').slice(0, 3).join(' | ');
  return new TelemetryError('ABP_NVSMI_FAILED', `${cmd} ${why}${detail ? `: ${detail}` : ''}`, { cause: e });
}

/** Runs nvidia-smi once and returns its stdout. */
export function runNvidiaSmi(opts: NvidiaSmiOptions = {}): Promise<string> {
  const bin = nvidiaSmiBinary(opts.binary);
  const args = opts.args ?? ['-q', '-x'];
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const signal = opts.signal;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    execFile(
      bin,
      args as string[],
      { encoding: 'utf8', maxBuffer: MAX_OUTPUT, timeout: timeoutMs, killSignal: 'SIGKILL', signal, windowsHide: true },
      (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout);
          return;
        }
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const e = err as ExecError;
        const failure = () => describeFailure(e, `${bin} ${args.join(' ')}`, bin, timeoutMs, stdout, stderr);
        // Ctrl-C in a terminal reaches nvidia-smi too, and its death can be
        // seen before our own SIGINT handler runs: let the abort land first.
        if (signal && !e.killed && (e.signal === 'SIGINT' || e.signal === 'SIGTERM')) {
          setTimeout(() => reject(signal.aborted ? signal.reason : failure()), 200);
          return;
        }
        reject(failure());
      },
    );
  });
}
