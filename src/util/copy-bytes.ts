/**
 * Copying bytes between buffers at the speed of memory, whatever their
 * alignment. Two traps, measured on this project's VM (AMD EPYC, glibc 2.36):
 *
 * - V8 copies into or out of a SharedArrayBuffer (TypedArray#set, so
 *   Buffer#copy) with relaxed atomic accesses: a word at a time only when
 *   source and target are aligned alike mod 8, else byte by byte (~3 GB/s).
 *   Buffer#fill with a Uint8Array value is Node's own memcpy, shared or not.
 * - glibc's memcpy moves 2 KiB to about 1 MiB with `rep movsb`, which on that
 *   CPU runs at ~3 GB/s when source and target are not aligned alike, against
 *   15-45 GB/s for its vector loops below and above that range. So copies in
 *   that range go in pieces of 2 KiB (about 9 GB/s, any alignment).
 *
 * The pipeline's copies (a row's bytes spliced into its output, a block's
 * output into the writer's staging buffer) fall in both traps at random
 * alignments; this made them about 3x slower than the memory allows.
 */

/** Below this, a JavaScript loop beats a call into C++. */
const SMALL = 48;
/** glibc's rep movsb range, where the copy goes in pieces of PIECE bytes. */
const PIECE = 2048;
const REP_MOVSB_END = 1 << 20;

/** dst[at, at + e - s) = src[s, e) (no overlap). */
export function copyBytes(dst: Buffer, at: number, src: Uint8Array, s: number, e: number): void {
  const n = e - s;
  if (n <= SMALL) {
    for (let i = 0; i < n; i++) dst[at + i] = src[s + i];
    return;
  }
  if (n <= PIECE || n >= REP_MOVSB_END) {
    dst.fill(src.subarray(s, e), at, at + n);
    return;
  }
  for (let p = s; p < e; p += PIECE) {
    const q = Math.min(e, p + PIECE);
    dst.fill(src.subarray(p, q), at + (p - s), at + (q - s));
  }
}
