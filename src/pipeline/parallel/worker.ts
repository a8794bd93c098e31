/** Worker thread of BlockPool: runs BlockWork on the blocks it is handed; bytes come and go by transfer. */
import { parentPort, workerData } from 'node:worker_threads';
import { adoptOutput } from '../../stages/serialize.js';
import { BlockWork, type BlockDone } from './block-work.js';
import type { ToWorker } from './messages.js';
import type { BlockPlan } from './plan.js';

const work = new BlockWork((workerData as { plan: BlockPlan }).plan);
const port = parentPort!;
/** Input buffers of blocks waiting for the engine (handed back with the finished block). */
const inputs = new Map<number, ArrayBuffer>();

/** A view whose ArrayBuffer is its own (a big enough allocation, not the shared pool) can be transferred; else it is copied. */
function transferable(v: Uint8Array): Uint8Array {
  return v.byteLength >= 1 << 16 ? v : new Uint8Array(v);
}

function post(d: BlockDone): void {
  const out = transferable(d.out);
  const ab = inputs.get(d.id);
  inputs.delete(d.id);
  const list: ArrayBuffer[] = [];
  if (out.byteLength > 0) list.push(out.buffer as ArrayBuffer);
  if (ab !== undefined) list.push(ab);
  port.postMessage({ t: 'done', done: { ...d, out, bad: d.bad && new Uint8Array(d.bad) }, input: ab }, list);
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'recycle') {
    adoptOutput(m.ab);
    return;
  }
  try {
    if (m.t === 'begin') {
      inputs.set(m.id, m.ab);
      const r = work.begin(m.id, { kind: 'lines', buf: Buffer.from(m.ab, m.off, m.len), source: m.source });
      if ('features' in r) port.postMessage({ t: 'features', id: r.id, rows: r.rows, features: r.features }, [r.features.buffer as ArrayBuffer]);
      else post(r);
    } else if (m.t === 'finish') {
      post(work.finish(m.id, m.outputs, m.numGroup));
    } else {
      work.discard(m.id);
      inputs.delete(m.id);
    }
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string; stack?: string };
    port.postMessage({ t: 'error', id: m.id, name: e?.name, code: e?.code, message: e?.message ?? String(err), stack: e?.stack });
  }
});
port.postMessage({ t: 'ready' });
