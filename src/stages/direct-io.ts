/**
 * O_DIRECT output shared by the output writers (file-writer.ts, positional-writer.ts): a direct write
 * needs its memory, file position and length aligned to DIRECT_ALIGN, and bypasses the page cache.
 */
import fs from 'node:fs';

export const DIRECT_ALIGN = 4096;

/**
 * A second descriptor, with O_DIRECT, on the file `fd` that was just created at `path`; undefined where
 * the platform has no O_DIRECT. Throws where the file system refuses it.
 */
export function openDirect(fd: number, path: string): number | undefined {
  const O_DIRECT = (fs.constants as Record<string, number | undefined>).O_DIRECT;
  if (O_DIRECT === undefined) return undefined;
  // The file just created, through its descriptor: a name swapped for a link meanwhile is never followed.
  // (/proc/self/fd/N is itself a link: O_NOFOLLOW only on the plain name.)
  const viaFd = fs.existsSync(`/proc/self/fd/${fd}`);
  return fs.openSync(viaFd ? `/proc/self/fd/${fd}` : path, fs.constants.O_WRONLY | O_DIRECT | (viaFd ? 0 : (fs.constants.O_NOFOLLOW ?? 0)));
}

/**
 * JS cannot see a buffer's address: find the offset into `b` whose memory the kernel takes for a direct
 * write on `dfd` by trying them (a refused write does nothing; an accepted one lands at position 0, written
 * over later, and the writer sets the length at the end). -1 when none is taken.
 */
export function alignedOffset(dfd: number, b: Buffer): number {
  const first = (DIRECT_ALIGN - (b.byteOffset % DIRECT_ALIGN)) % DIRECT_ALIGN;
  const tries = [first, DIRECT_ALIGN - 16, 0];
  for (let o = 0; o < DIRECT_ALIGN; o += 16) tries.push(o);
  for (const o of new Set(tries)) {
    try {
      fs.writeSync(dfd, b, o, DIRECT_ALIGN, 0);
      return o;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EINVAL') return -1;
    }
  }
  return -1;
}
