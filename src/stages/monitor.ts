/**
 * monitor: rows seen and rate, on stderr; a live progress line when stderr is
 * a terminal, else the final line only (or one every `periodicMs`). The bar
 * shows how much of the input has been read when its size is known (a file;
 * not stdin), and is left out when it is not.
 */
import type { Batch } from './batch.js';

export interface MonitorOptions {
  description?: string;
  unit?: string;
  stream?: NodeJS.WriteStream;
  /** Fraction of the input read so far (0..1), or undefined when its size is unknown. */
  progress?: () => number | undefined;
  /** Where the stream is not a terminal: print a line this often (default: only the final line). */
  periodicMs?: number;
}

const BAR = 20;

export class Monitor {
  readonly description: string;
  readonly unit: string;
  rows = 0;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly progress?: () => number | undefined;
  private readonly periodicMs?: number;
  private start = 0;
  private lastDraw = 0;

  constructor(opts: MonitorOptions = {}) {
    this.description = opts.description ?? 'Progress';
    this.unit = opts.unit ?? 'rows';
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.progress = opts.progress;
    this.periodicMs = opts.periodicMs;
  }

  process(b: Batch): Batch {
    this.count(b.keep ? b.keptRows() : b.size);
    return b;
  }

  /** Adds rows seen (counted elsewhere, e.g. by a worker thread for its block). */
  count(rows: number): void {
    const now = performance.now();
    if (this.start === 0) this.start = this.lastDraw = now;
    this.rows += rows;
    if (this.tty && now - this.lastDraw > 200) {
      this.lastDraw = now;
      this.stream.write(`\r${this.line(now, this.progress?.())}\x1b[K`);
    } else if (!this.tty && this.periodicMs !== undefined && now - this.lastDraw >= this.periodicMs) {
      this.lastDraw = now;
      this.stream.write(`${this.line(now, this.progress?.())}\n`);
    }
  }

  /** `Progress ██████░░░░ 31% 1,020 rows [0.5s, 2040 rows/s]`; no bar when the fraction is unknown. */
  line(now: number, fraction: number | undefined): string {
    const s = Math.max((now - this.start) / 1000, 1e-9);
    const rate = this.rows / s;
    const bar = fraction === undefined ? '' : `${'█'.repeat(Math.round(fraction * BAR)).padEnd(BAR, '░')} ${Math.floor(fraction * 100)}% `;
    return `${this.description} ${bar}${this.rows.toLocaleString('en-US')} ${this.unit} [${s.toFixed(1)}s, ${rate.toFixed(0)} ${this.unit}/s]`;
  }

  /** The final line: the whole input has been read, so a known size shows 100%. */
  finish(): void {
    const now = performance.now();
    if (this.start === 0) this.start = now;
    const done = this.progress?.() === undefined ? undefined : 1;
    this.stream.write(`${this.tty ? '\r' : ''}${this.line(now, done)}${this.tty ? '\x1b[K' : ''}\n`);
  }
}
