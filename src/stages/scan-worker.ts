/** Worker thread of ScanPool: checks blocks of lines (scanBlock) and hands them back by transfer. */
import { parentPort, workerData } from 'node:worker_threads';
import { KeySet } from './json-scan.js';
import { scanBlock } from './scan-block.js';

const { names, prefixes } = workerData as { names: string[]; prefixes: string[] };
const keys = names.length + prefixes.length > 0 ? new KeySet(names, prefixes) : undefined;
const port = parentPort!;
port.on('message', (m: { id: number; ab: ArrayBuffer; off: number; len: number }) => {
  const r = scanBlock(Buffer.from(m.ab, m.off, m.len), keys);
  port.postMessage({ id: m.id, ab: m.ab, n: r.n, lines: r.lines, spans: r.spans }, [m.ab, r.lines.buffer as ArrayBuffer, r.spans.buffer as ArrayBuffer]);
});
port.postMessage({ ready: true });
