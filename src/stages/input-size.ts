/**
 * How many bytes of lines an input holds, where that is known before reading,
 * so that monitor can show how far a run has got: a plain file's size; a
 * gzip file's uncompressed size from its trailer (ISIZE: exact for one
 * member under 4 GiB, which is what gzip writes; otherwise a guess, so the
 * fraction is capped below 1 until the run ends). stdin and Arrow: unknown.
 */
import fs from 'node:fs';
import type { InputFormat } from './from-file.js';

export function inputBytes(filename: string, format: InputFormat): number | undefined {
  if (filename === '-' || format === 'arrow') return undefined;
  try {
    const size = fs.statSync(filename).size;
    if (format === 'jsonlines') return size;
    if (size < 18) return undefined;
    const fd = fs.openSync(filename, 'r');
    try {
      const tail = Buffer.alloc(4);
      fs.readSync(fd, tail, 0, 4, size - 4);
      const isize = tail.readUInt32LE(0);
      // ISIZE is the size mod 2^32: a file that inflates past it counts as at least its compressed size.
      return isize >= size ? isize : undefined;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** Bytes of source lines read so far against the total, shared by the source and every monitor. */
export class InputProgress {
  bytes = 0;
  constructor(readonly total: number | undefined) {}

  /** 0..1 when the total is known; below 1 until done (the total may be a guess). */
  fraction(): number | undefined {
    if (!this.total) return undefined;
    return Math.min(this.bytes / this.total, 0.999);
  }
}
