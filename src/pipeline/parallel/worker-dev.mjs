// Worker entry when the library runs from its TypeScript sources (tsx, vitest):
// a worker thread does not inherit the parent's loader, so register tsx here, then load the real entry.
import { workerData } from 'node:worker_threads';
const { register } = await import('tsx/esm/api');
register();
await import(workerData.entry);
