/**
 * Worker thread of BlockPool: runs BlockWork on the blocks it is handed. A
 * block's bytes are in a shared input slot and its output goes to a shared
 * output slot (slots.ts) when the main thread gave it them; otherwise they come
 * and go by transfer.
 */
import fs from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { adoptOutput } from '../../stages/output-buffer.js';
import { copyBytes } from '../../util/copy-bytes.js';
import { BlockWork, type BlockDone } from './block-work.js';
import type { ToWorker, WorkerStart } from './messages.js';

const start = workerData as WorkerStart;
const work = new BlockWork(start.plan);
const port = parentPort!;
const inputViews = start.slots?.inputs.map((b) => Buffer.from(b)) ?? [];
const outputViews = start.slots?.outputs.map((b) => Buffer.from(b)) ?? [];
const stagingViews = start.slots?.staging?.map((b) => Buffer.from(b)) ?? [];
/** Input buffers (by transfer) of blocks waiting for the engine, handed back with the finished block. */
const inputs = new Map<number, ArrayBuffer>();
const EMPTY = new Uint8Array(0);

// This isolate's garbage collection time, reported with each finished block (the bench shows it per worker).
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

/** This thread's CPU time (ms) from /proc (Linux), else undefined; about 20 µs, once a block. */
let statFails = false;
function threadCpuMs(): number | undefined {
  if (statFails) return undefined;
  try {
    const s = fs.readFileSync('/proc/thread-self/stat', 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14, 15) in clock ticks of 10 ms.
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    statFails = true;
    return undefined;
  }
}

/** A view whose ArrayBuffer is its own (a big enough allocation, not the shared pool) can be transferred; else it is copied. */
function transferable(v: Uint8Array): Uint8Array {
  return v.byteLength >= 1 << 16 ? v : new Uint8Array(v);
}

function post(d: BlockDone, outSlot: number | undefined): void {
  const ab = inputs.get(d.id);
  inputs.delete(d.id);
  const list: ArrayBuffer[] = [];
  if (ab !== undefined) list.push(ab);
  const bad = d.bad && new Uint8Array(d.bad);
  const g = gcMs;
  gcMs = 0;
  const cpuMs = threadCpuMs();
  if (outSlot !== undefined && d.out.buffer === outputViews[outSlot].buffer && d.out.byteOffset === 0) {
    port.postMessage({ t: 'done', done: { ...d, out: EMPTY, bad }, input: ab, outLen: d.out.byteLength, gcMs: g, cpuMs }, list);
    return;
  }
  const out = transferable(d.out);
  if (out.byteLength > 0) list.push(out.buffer as ArrayBuffer);
  port.postMessage({ t: 'done', done: { ...d, out, bad }, input: ab, gcMs: g, cpuMs }, list);
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'recycle') {
    adoptOutput(m.ab);
    return;
  }
  if (m.t === 'place') {
    try {
      copyBytes(stagingViews[m.stage], m.off, outputViews[m.outSlot], 0, m.len);
      port.postMessage({ t: 'placed', n: m.n });
    } catch (err) {
      port.postMessage({ t: 'placed', n: m.n, error: (err as Error)?.message ?? String(err) });
    }
    return;
  }
  try {
    if (m.t === 'begin') {
      let buf: Buffer;
      if (m.slot !== undefined) {
        buf = inputViews[m.slot].subarray(m.off, m.off + m.len);
      } else {
        inputs.set(m.id, m.ab!);
        buf = Buffer.from(m.ab!, m.off, m.len);
      }
      const into = m.outSlot === undefined ? undefined : outputViews[m.outSlot];
      const r = work.begin(m.id, { kind: 'lines', buf, source: m.source }, into);
      if ('features' in r) port.postMessage({ t: 'features', id: r.id, rows: r.rows, features: r.features }, [r.features.buffer as ArrayBuffer]);
      else post(r, m.outSlot);
    } else if (m.t === 'finish') {
      post(work.finish(m.id, m.outputs, m.numGroup, m.outSlot === undefined ? undefined : outputViews[m.outSlot]), m.outSlot);
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
