/**
 * copyBytes copies small ranges in JavaScript and larger ones through
 * Buffer#fill, to avoid V8's byte-by-byte copy of shared memory
 * (util/copy-bytes.ts): the bytes must come out exactly, at every size
 * around its threshold, every alignment, shared or plain buffers.
 */
import { describe, expect, it } from 'vitest';
import { copyBytes } from '../src/util/copy-bytes.js';

const buf = (shared: boolean, n: number) => Buffer.from(shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));

describe('copyBytes', () => {
  it('copies [s, e) to dst at `at` and nothing else, for sizes around its threshold and any alignment', () => {
    const sizes = [0, 1, 47, 48, 49, 2049, 100_003, (1 << 20) + 77];
    for (const [ss, ds] of [[false, false], [true, false], [false, true], [true, true]]) {
      const N = (1 << 20) + 200;
      const src = buf(ss, N);
      for (let i = 0; i < N; i++) src[i] = (i * 131 + 7) & 255;
      const dst = buf(ds, N);
      for (const n of sizes) {
        for (const [s, at] of [[0, 0], [3, 8], [8, 3], [5, 5], [1, 62]]) {
          dst.fill(0xee);
          copyBytes(dst, at, src, s, s + n);
          expect(dst.subarray(at, at + n).equals(src.subarray(s, s + n))).toBe(true);
          // Nothing written outside the range.
          expect(dst.subarray(0, at).every((b) => b === 0xee)).toBe(true);
          expect(dst.subarray(at + n, at + n + 64).every((b) => b === 0xee)).toBe(true);
        }
      }
    }
  });
});
