/**
 * Starting the block workers, from the built JavaScript or from the
 * TypeScript sources (tsx, vitest). A worker thread does not inherit the
 * parent's loader: from sources the worker is bundled to one script with
 * esbuild (present wherever tsx is; its modules are plain TypeScript that
 * import nothing native), else tsx is registered in the worker first
 * (worker-dev.mjs), which costs about 0.25 s of CPU per worker.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

let bundled: Promise<string | undefined> | undefined;

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

/** `count` workers running worker.ts/js, each answering { t: 'ready' } once loaded; rejects when one cannot start. */
export async function startWorkers(count: number, workerData: unknown): Promise<Worker[]> {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(ts ? './worker.ts' : './worker.js', import.meta.url);
  const code = ts ? await devBundle(entry) : undefined;
  const data = { ...(workerData as object), entry: entry.href };
  const workers: Worker[] = [];
  const cleanups: (() => void)[] = [];
  try {
    for (let i = 0; i < count; i++) {
      workers.push(
        code !== undefined ? new Worker(code, { eval: true, workerData: data }) : new Worker(ts ? new URL('./worker-dev.mjs', import.meta.url) : entry, { workerData: data }),
      );
    }
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = () => resolve();
            const onExit = (c: number) => reject(new Error(`exited with code ${c}`));
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
    throw err;
  } finally {
    for (const c of cleanups) c();
  }
  return workers;
}
