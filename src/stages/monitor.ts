/** monitor: rows seen and rate, on stderr; a live progress line when stderr is a terminal. */
import type { Batch } from './batch.js';

export interface MonitorOptions {
  description?: string;
  unit?: string;
  stream?: NodeJS.WriteStream;
}

export class Monitor {
  readonly description: string;
  readonly unit: string;
  rows = 0;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private start = 0;
  private lastDraw = 0;

  constructor(opts: MonitorOptions = {}) {
    this.description = opts.description ?? 'Progress';
    this.unit = opts.unit ?? 'rows';
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  process(b: Batch): Batch {
    this.count(b.keep ? b.keptRows() : b.size);
    return b;
  }

  /** Adds rows seen (counted elsewhere, e.g. by a worker thread for its block). */
  count(rows: number): void {
    if (this.start === 0) this.start = performance.now();
    this.rows += rows;
    if (this.tty) {
      const now = performance.now();
      if (now - this.lastDraw > 200) {
        this.lastDraw = now;
        this.stream.write(`\r${this.line(now)}\x1b[K`);
      }
    }
  }

  private line(now: number): string {
    const s = Math.max((now - this.start) / 1000, 1e-9);
    const rate = this.rows / s;
    const bar = '█'.repeat(Math.min(20, Math.floor(s) % 21)).padEnd(20, '░');
    return `${this.description} ${bar} ${this.rows.toLocaleString('en-US')} ${this.unit} [${s.toFixed(1)}s, ${rate.toFixed(0)} ${this.unit}/s]`;
  }

  finish(): void {
    const now = performance.now();
    if (this.start === 0) this.start = now;
    this.stream.write(`${this.tty ? '\r' : ''}${this.line(now)}${this.tty ? '\x1b[K' : ''}\n`);
  }
}
