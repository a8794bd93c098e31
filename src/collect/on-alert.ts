/**
 * `--on-alert CMD`: a shell command run once per alert with the alert as one
 * JSON line on its stdin. Commands run one after another in alert order, off
 * the watch loop, so a slow hook never delays sampling; `drain()` waits for
 * the queue at exit. The hook's own output goes to stderr so stdout stays the
 * watch stream. The alert's GPU and host also go into the hook's environment,
 * made printable first: a record's bytes (a NUL, which spawn refuses, or
 * terminal escapes a hook might echo) never reach it raw; the JSON on stdin
 * carries them exactly, escaped the JSON way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { printable } from '../util/printable.js';
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
    let child: ChildProcess & { stdin: NonNullable<ChildProcess['stdin']>; stdout: NonNullable<ChildProcess['stdout']>; stderr: NonNullable<ChildProcess['stderr']> };
    try {
      child = spawn('/bin/sh', ['-c', command], {
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group, so a timeout kills whatever the shell started too.
        detached: true,
        env: { ...process.env, ABP_ALERT_STATE: printable(alert.state), ABP_ALERT_GPU: printable(alert.gpu), ABP_ALERT_HOST: printable(alert.hostname ?? ''), ABP_ALERT_MODEL: printable(alert.model ?? '') },
      }) as typeof child;
    } catch (error) {
      // A hook that cannot start is reported like one that fails; the watch goes on.
      resolve({ code: null, signal: null, timedOut: false, error: error as Error });
      return;
    }
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
      const r = await runAlertHook(this.command, alert, this.opts).catch((error: Error): HookResult => ({ code: null, signal: null, timedOut: false, error }));
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
      if (what) this.opts.onFailure?.(`--on-alert command for ${alert.state} ${printable(alert.gpu)} ${printable(what)}`);
    }).catch(() => undefined); // one alert's failure never stops the hooks of the next ones
  }

  get size(): number {
    return this.pending;
  }

  /** Resolves once every queued hook has finished. */
  drain(): Promise<void> {
    return this.tail;
  }
}
