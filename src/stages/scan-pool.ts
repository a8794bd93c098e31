/**
 * Worker threads running the line check (scanBlock) so it uses every core.
 * Blocks go out and come back by transfer (no copy); results are matched by
 * id and the caller awaits them in order, so row order is kept. When workers
 * cannot start (e.g. a runner that cannot load the worker module), open()
 * returns undefined and the caller checks lines on its own thread.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LineBlock } from './batch.js';
import type { KeySet } from './json-scan.js';
import type { BlockScan } from './scan-block.js';

interface Pending {
  resolve: (r: { block: LineBlock; scan: BlockScan }) => void;
  reject: (err: Error) => void;
  block: LineBlock;
  /** The view's place in its ArrayBuffer (the view reads as empty once transferred). */
  off: number;
  len: number;
}

export class ScanPool {
  private next = 0;
  private id = 0;
  private readonly pending = new Map<number, Pending>();
  private failed: Error | undefined;
  private closing = false;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (m: { id: number; ab: ArrayBuffer; n: number; lines: Int32Array; spans: Int32Array }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        const buf = Buffer.from(m.ab, p.off, p.len);
        p.resolve({ block: { ...p.block, buf }, scan: { n: m.n, lines: m.lines, spans: m.spans } });
      });
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => !this.closing && this.fail(new Error(`line-check worker exited with code ${code}`)));
    }
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  get size(): number {
    return this.workers.length;
  }

  static async open(threads: number, keys: KeySet | undefined): Promise<ScanPool | undefined> {
    const ts = import.meta.url.endsWith('.ts');
    const entry = new URL(ts ? './scan-worker.ts' : './scan-worker.js', import.meta.url);
    // From TypeScript sources: the worker bundled to one script (its modules are small and import
    // nothing else), else tsx registered in the worker first (scan-worker-dev.mjs), which costs
    // about 0.25 s of CPU per worker.
    const code = ts ? await devBundle(entry) : undefined;
    const url = ts ? new URL('./scan-worker-dev.mjs', import.meta.url) : entry;
    const workerData = { names: keys?.names ?? [], prefixes: keys?.prefixes ?? [], entry: entry.href };
    const workers: Worker[] = [];
    const cleanups: (() => void)[] = [];
    try {
      for (let i = 0; i < threads; i++) workers.push(code !== undefined ? new Worker(code, { eval: true, workerData }) : new Worker(url, { workerData }));
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              const onMessage = () => resolve();
              const onExit = (code: number) => reject(new Error(`exited with code ${code}`));
              w.once('message', onMessage);
              w.once('error', reject);
              w.once('exit', onExit);
              // Only our listeners: Worker keeps internal ones of its own.
              cleanups.push(() => {
                w.off('message', onMessage);
                w.off('error', reject);
                w.off('exit', onExit);
              });
            }),
        ),
      );
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      if (process.env.ABP_DEBUG) process.stderr.write(`line-check workers unavailable, checking on the main thread: ${(err as Error).message}\n`);
      return undefined;
    }
    // Not unref'd: the run awaits their answers; the pipeline closes the pool when it ends.
    for (const c of cleanups) c();
    return new ScanPool(workers);
  }

  /** Checks a block whose ArrayBuffer it may take (LineBlock.owned); resolves with the block's bytes back. */
  scan(block: LineBlock): Promise<{ block: LineBlock; scan: BlockScan }> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.id++;
    const w = this.workers[this.next];
    this.next = (this.next + 1) % this.workers.length;
    return new Promise((resolve, reject) => {
      const b = block.buf;
      this.pending.set(id, { resolve, reject, block, off: b.byteOffset, len: b.length });
      w.postMessage({ id, ab: b.buffer, off: b.byteOffset, len: b.length }, [b.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

let bundled: Promise<string | undefined> | undefined;

/** The worker's TypeScript sources as one CommonJS script (esbuild, present wherever tsx is), or undefined. */
function devBundle(entry: URL): Promise<string | undefined> {
  bundled ??= (async () => {
    try {
      const esbuild = (await import('esbuild' as string)) as {
        build(o: Record<string, unknown>): Promise<{ outputFiles: { text: string }[] }>;
      };
      const r = await esbuild.build({ entryPoints: [fileURLToPath(entry)], bundle: true, format: 'cjs', platform: 'node', target: 'node20', write: false, logLevel: 'silent' });
      return r.outputFiles[0].text;
    } catch {
      return undefined;
    }
  })();
  return bundled;
}
