/**
 * output-buffer: the growing byte buffer a batch's JSON lines are written into
 * (ByteWriter), and the pool of output buffers a sink hands back once it has
 * copied a batch's bytes away, so the next batch reuses their memory.
 */
import { copyBytes } from '../util/copy-bytes.js';
import type { Batch } from './batch.js';

/**
 * Output buffers handed back by a sink that has copied a batch's bytes away
 * (recycleOutput): reusing them spares a fresh allocation of several MB per
 * batch (page faults, and GCs forced by external memory).
 */
const spare: ArrayBuffer[] = [];
const SPARE_MAX = 4;
const ours = new WeakSet<ArrayBuffer>();

function takeBuffer(capacity: number): Buffer {
  for (let i = spare.length - 1; i >= 0; i--) {
    if (spare[i].byteLength >= capacity) return Buffer.from(spare.splice(i, 1)[0]);
  }
  // Some slack, so a spare fits the next batch of about the same size.
  const b = Buffer.allocUnsafeSlow(Math.ceil((capacity * 1.125) / (1 << 20)) * (1 << 20));
  ours.add(b.buffer as ArrayBuffer);
  return b;
}

/** An output buffer this thread made, handed back by the thread that wrote it (a transfer makes a new object): reused as recycleOutput's are. */
export function adoptOutput(ab: ArrayBuffer): void {
  ours.add(ab);
  if (spare.length >= SPARE_MAX) spare.shift();
  spare.push(ab);
}

/** The sink is done with b.serialized: its memory may hold a later batch's output. */
export function recycleOutput(b: Batch): void {
  const ab = b.serialized?.buffer as ArrayBuffer | undefined;
  b.serialized = undefined;
  if (ab === undefined || !ours.has(ab) || spare.includes(ab)) return;
  if (spare.length >= SPARE_MAX) spare.shift();
  spare.push(ab);
}

/** Appends to one growing Buffer; the batch's output is a view of it. */
export class ByteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(capacity: number, into?: Buffer) {
    // A given buffer is used even when the estimate (an upper bound) exceeds it: the output usually fits, and grow() moves it when not.
    this.buf = into !== undefined && into.length >= 64 ? into : capacity >= 1 << 16 ? takeBuffer(capacity) : Buffer.allocUnsafe(Math.max(capacity, 64));
  }

  private grow(n: number): void {
    const next = takeBuffer(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(c: number): void {
    if (this.pos >= this.buf.length) this.grow(1);
    this.buf[this.pos++] = c;
  }

  bytes(src: Buffer, s: number, e: number): void {
    const n = e - s;
    if (this.pos + n > this.buf.length) this.grow(n);
    copyBytes(this.buf, this.pos, src, s, e);
    this.pos += n;
  }

  /** A string of chars < 0x80 (numbers, true/false). */
  ascii(str: string): void {
    const n = str.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = str.charCodeAt(i);
    this.pos = p;
  }

  latin1(str: string): void {
    if (this.pos + str.length > this.buf.length) this.grow(str.length);
    this.pos += this.buf.write(str, this.pos, 'latin1');
  }

  utf8(str: string): void {
    const n = Buffer.byteLength(str, 'utf8');
    if (this.pos + n > this.buf.length) this.grow(n);
    this.pos += this.buf.write(str, this.pos, n, 'utf8');
  }

  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
