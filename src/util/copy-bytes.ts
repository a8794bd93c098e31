/**
 * Copying bytes between buffers at the speed of memory when either is a
 * SharedArrayBuffer (the pipeline's block slots). V8 copies into or out of
 * shared memory (TypedArray#set, so Buffer#copy) with relaxed atomic
 * accesses: a word at a time only when source and target are aligned alike
 * mod 8, else byte by byte, about 3 GB/s here against 15-45 GB/s for memcpy.
 * Buffer#fill with a Uint8Array value is Node's own memcpy, shared or not.
 * The pipeline's copies (a row's bytes spliced into its output, a block's
 * output into the writer's staging buffer) fall at random alignments.
 *
 * (On this project's VM, an AMD EPYC with glibc 2.36, memcpy itself is also
 * slow, ~3 GB/s, for 2 KiB to 1 MiB when the target lies 1 to ~31 bytes past
 * the source modulo 4 KiB; at random offsets that is rare, so nothing here
 * works around it.)
 */

/** Below this, a JavaScript loop beats a call into C++. */
const SMALL = 48;

/** dst[at, at + e - s) = src[s, e) (no overlap). */
export function copyBytes(dst: Buffer, at: number, src: Uint8Array, s: number, e: number): void {
  const n = e - s;
  if (n <= SMALL) {
    for (let i = 0; i < n; i++) dst[at + i] = src[s + i];
    return;
  }
  dst.fill(src.subarray(s, e), at, at + n);
}
