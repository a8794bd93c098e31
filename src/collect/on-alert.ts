/**
 * `--on-alert CMD`: a shell command run once per alert with the alert as one
 * JSON line on its stdin. Commands run one after another in alert order, off
 * the watch loop, so a slow hook never delays sampling; `drain()` waits for
 * the queue at exit. The hook's own output goes to stderr so stdout stays the
 * watch stream.
 */
import { spawn } from 'node:child_process';
import type { AlertEvent } from './watch.js';

export interface AlertHookOptions {
  /** Kill a hook that runs longer than this (ms, default 30 s). */
  timeoutMs?: number;
  /** Told about hooks that fail, time out or cannot start. */
  onFailure?: (message: string) => void;
  /** Where the hook's stdout/stderr go (default: this process' stderr). */
  output?: NodeJS.WritableStream;
}

export interface HookResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  error?: Error;
}

export function runAlertHook(command: string, alert: AlertEvent, opts: AlertHookOptions = {}): Promise<HookResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const out = opts.output ?? process.stderr;
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so a timeout kills whatever the shell started too.
      detached: true,
      env: { ...process.env, ABP_ALERT_STATE: alert.state, ABP_ALERT_GPU: alert.gpu, ABP_ALERT_HOST: alert.hostname ?? '' },
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.stdout.on('data', (d) => out.write(d));
    child.stderr.on('data', (d) => out.write(d));
    // A hook that ignores stdin closes it early; that is not an error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(alert) + '\n');
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, timedOut, error });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut });
    });
  });
}

/** Runs hooks in order, never more than one at a time. */
export class AlertHookQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  constructor(private readonly command: string, private readonly opts: AlertHookOptions = {}) {}

  push(alert: AlertEvent): void {
    this.pending++;
    this.tail = this.tail.then(async () => {
      const r = await runAlertHook(this.command, alert, this.opts);
      this.pending--;
      const what = r.error
        ? `could not start: ${r.error.message}`
        : r.timedOut
          ? `killed after ${this.opts.timeoutMs ?? 30_000} ms`
          : r.code !== 0
            ? r.signal
              ? `killed by ${r.signal}`
              : `exited with status ${r.code}`
            : null;
      if (what) this.opts.onFailure?.(`--on-alert command for ${alert.state} ${alert.gpu} ${what}`);
    });
  }

  get size(): number {
    return this.pending;
  }

  /** Resolves once every queued hook has finished. */
  drain(): Promise<void> {
    return this.tail;
  }
}
