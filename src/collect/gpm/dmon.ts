/**
 * GPM values from a streaming `nvidia-smi dmon --gpm-metrics` child: one line
 * per GPU per second, the newest line of each GPU kept. Works wherever
 * nvidia-smi does, at the cost of a child process; its values are those of the
 * last whole second before the sample, not of the sample's own interval.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { NvsmiRecord } from '../flatten.js';
import { nvidiaSmiBinary } from '../nvidia-smi.js';
import { GPM_METRICS, gpmText, type GpmValues } from './keys.js';
import type { GpmReading, GpmSource } from './source.js';

export interface DmonOptions {
  /** nvidia-smi binary (default `$ABP_NVIDIA_SMI` or `nvidia-smi`). */
  nvidiaSmi?: string;
  /** A GPU whose newest line is older than this (ms) has no values (default 3000). */
  staleMs?: number;
  /** How long a GPU may go without a line after the start before it is reported (default 4000). */
  graceMs?: number;
}

const BY_COLUMN = new Map(GPM_METRICS.map((m) => [m.dmon, m]));
export const DMON_GPM_IDS = GPM_METRICS.map((m) => m.id).join(',');

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

interface Line {
  at: number;
  values: GpmValues;
}

/** Parses dmon's table: `# gpu ...` header names the columns; data lines start with the GPU index. */
export class DmonTable {
  private columns: string[] | null = null;
  readonly latest = new Map<string, Line>();

  push(line: string, now: number): void {
    const f = line.trim().split(/\s+/);
    if (f.length === 0 || f[0] === '') return;
    if (f[0] === '#') {
      if (f[1] === 'gpu') this.columns = f.slice(1);
      return;
    }
    const cols = this.columns;
    if (!cols || f.length !== cols.length) return;
    // A MIG-enabled GPU prints instance rows with gi/ci columns: only whole-GPU rows count.
    const gi = cols.indexOf('gi');
    if (gi >= 0 && f[gi] !== '-') return;
    const values: GpmValues = {};
    for (const m of GPM_METRICS) values[m.name] = null;
    cols.forEach((c, i) => {
      const m = BY_COLUMN.get(c);
      if (!m) return;
      const v = f[i];
      values[m.name] = v === '-' || !/^-?\d+(\.\d+)?$/.test(v) ? null : gpmText(m, Number(v));
    });
    this.latest.set(f[0], { at: now, values });
  }
}

export class DmonGpmSource implements GpmSource {
  readonly kind = 'dmon' as const;
  private readonly child: ChildProcess;
  private readonly table = new DmonTable();
  private readonly started = Date.now();
  private ended: string | null = null;
  private readonly staleMs: number;
  private readonly graceMs: number;
  private stderr = '';

  constructor(opts: DmonOptions = {}) {
    this.staleMs = opts.staleMs ?? 3000;
    this.graceMs = opts.graceMs ?? 4000;
    const bin = nvidiaSmiBinary(opts.nvidiaSmi);
    const args = ['dmon', '-d', '1', '-s', 'u', '--gpm-metrics', DMON_GPM_IDS];
    // nvidia-smi block-buffers a pipe: without stdbuf a line would arrive
    // seconds late, or a buffer at a time.
    const stdbuf = onPath('stdbuf');
    this.child = stdbuf ? spawn(stdbuf, ['-oL', bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.on('error', (e) => {
      this.ended = `nvidia-smi dmon could not be run: ${e.message}`;
    });
    this.child.on('exit', (code, signal) => {
      const detail = this.stderr.trim().split('\n')[0]?.slice(0, 200);
      this.ended ??= `nvidia-smi dmon ${signal ? `was killed by ${signal}` : `exited with status ${code}`}${detail ? `: ${detail}` : ''}`;
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (s: string) => {
      if (this.stderr.length < 4096) this.stderr += s;
    });
    const rl = createInterface({ input: this.child.stdout! });
    rl.on('line', (line) => this.table.push(line, Date.now()));
    this.child.unref();
    (this.child.stdout as unknown as { unref?: () => void }).unref?.();
    (this.child.stderr as unknown as { unref?: () => void }).unref?.();
  }

  async sample(records: readonly NvsmiRecord[]): Promise<GpmReading[]> {
    const now = Date.now();
    return records.map((_, i) => {
      const line = this.table.latest.get(String(i));
      if (line && now - line.at <= this.staleMs) return { values: line.values };
      if (this.ended) return { values: null, reason: this.ended };
      if (now - this.started < this.graceMs) return { values: null, quiet: true };
      return { values: null, reason: line ? `no GPM line from nvidia-smi dmon for ${Math.round((now - line.at) / 1000)} s` : 'nvidia-smi dmon printed no GPM values for this GPU (GPM unsupported here?)' };
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      // The child and its pipes are unref'd so that they never hold a process
      // open; while close() waits for the exit, something must, or a process
      // with nothing else to do (a collect ending on an error) would quit here
      // with status 0 before it reports anything.
      this.child.ref();
      const done = new Promise<void>((r) => this.child.once('exit', () => r()));
      this.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 1000)))]);
      clearTimeout(timer);
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
      this.child.unref();
    }
  }
}
