/**
 * PositionalWriter: batches written in place from their own memory, several
 * at once. Their bytes land in order, each batch's memory is handed back only
 * once its bytes are in the file, and a failed write (a real full disk) is
 * reported with every batch's memory handed back.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALIGN, MAX_INFLIGHT, PositionalWriter, STAGING_COUNT, STAGING_SLACK } from '../src/stages/positional-writer.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-pw-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Batches of random sizes (some empty, some several MB) in shared memory, as the output slots are. */
function batches(n: number, seed: number): Buffer[] {
  const out: Buffer[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const len = i % 7 === 3 ? 0 : x % 5 === 0 ? (x % (6 << 20)) + 1 : x % 70000;
    const b = Buffer.from(new SharedArrayBuffer(Math.max(len, 1)), 0, len);
    crypto.randomFillSync(b);
    out.push(b);
  }
  return out;
}

describe('PositionalWriter', () => {
  it('writes the batches one after another, hands each back only once its bytes are in the file, at most MAX_INFLIGHT at once', async () => {
    const file = path.join(dir, 'out.bin');
    const bs = batches(60, 7);
    const w = new PositionalWriter(file);
    const fd = fs.openSync(file, 'r');
    let pos = 0;
    let outstanding = 0;
    let maxOutstanding = 0;
    const handedBack: boolean[] = [];
    const wrong: number[] = [];
    for (const [i, b] of bs.entries()) {
      const at = pos;
      pos += b.length;
      outstanding++;
      await w.write(b, () => {
        outstanding--;
        handedBack[i] = true;
        // Its bytes are in the file now: read them back through another descriptor.
        const got = Buffer.alloc(b.length);
        if (b.length > 0) fs.readSync(fd, got, 0, b.length, at);
        if (!got.equals(b)) wrong.push(i);
      });
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      expect(outstanding).toBeLessThan(MAX_INFLIGHT);
    }
    await w.close();
    fs.closeSync(fd);
    expect(wrong).toEqual([]);
    expect(handedBack.filter(Boolean).length).toBe(bs.length);
    expect(maxOutstanding).toBeGreaterThan(0);
    expect(w.bytes).toBe(pos);
    expect(fs.readFileSync(file).equals(Buffer.concat(bs))).toBe(true);
  });

  it('placed batches (copied to a staging buffer at their alignment): whole pages direct, heads and tails buffered, same bytes at every offset', async () => {
    const file = path.join(dir, 'placed.bin');
    // Lengths around page multiples, so heads, tails and middles of every size occur; some below two pages (not placed).
    const bs = batches(80, 3);
    for (const n of [ALIGN, 2 * ALIGN, 2 * ALIGN - 1, 2 * ALIGN + 1, 3 * ALIGN + 17, 5 << 20]) {
      const b = Buffer.from(new SharedArrayBuffer(n));
      crypto.randomFillSync(b);
      bs.splice(bs.length >> 1, 0, b);
    }
    const size = Math.max(...bs.map((b) => b.length));
    const staging = Array.from({ length: STAGING_COUNT }, () => new SharedArrayBuffer(size + STAGING_SLACK));
    const views = staging.map((sb) => Buffer.from(sb));
    const w = new PositionalWriter(file, { staging });
    if (!w.direct) console.log(`O_DIRECT refused under ${dir}: only buffered writes are checked`);
    let placed = 0;
    let back = 0;
    for (const b of bs) {
      await w.write(
        b,
        () => back++,
        (stage, off) => {
          placed++;
          expect(off + b.length).toBeLessThanOrEqual(views[stage].length);
          // What a worker thread does (BlockPool.place), after a turn of the event loop.
          return new Promise<void>((resolve) => setImmediate(() => (b.copy(views[stage], off), resolve())));
        },
      );
    }
    await w.close();
    expect(back).toBe(bs.length);
    if (w.direct) {
      expect(placed).toBe(bs.filter((b) => b.length >= 2 * ALIGN).length);
      // Every whole page of a placed batch went direct.
      let pos = 0;
      let pages = 0;
      for (const b of bs) {
        if (b.length >= 2 * ALIGN) {
          const head = (ALIGN - (pos % ALIGN)) % ALIGN;
          pages += Math.floor((b.length - head) / ALIGN) * ALIGN;
        }
        pos += b.length;
      }
      expect(w.directBytes).toBe(pages);
      expect(pages).toBeGreaterThan(5 << 20);
    }
    expect(fs.readFileSync(file).equals(Buffer.concat(bs))).toBe(true);
  });

  it('a placed output shorter than the alignment probes is cut to its length', async () => {
    const file = path.join(dir, 'short.bin');
    const staging = Array.from({ length: STAGING_COUNT }, () => new SharedArrayBuffer(ALIGN + STAGING_SLACK));
    const w = new PositionalWriter(file, { staging });
    await w.write(Buffer.from('{"a":1}\n'));
    await w.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('{"a":1}\n');
  });

  it('refuses to write over an existing file', () => {
    const file = path.join(dir, 'exists.bin');
    fs.writeFileSync(file, 'keep');
    expect(() => new PositionalWriter(file)).toThrow(/EEXIST/);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep');
  });

  it('abort waits for the writes in flight: every batch is handed back before it resolves', async () => {
    const file = path.join(dir, 'aborted.bin');
    const bs = batches(3, 11).map(() => Buffer.from(new SharedArrayBuffer(4 << 20)));
    const w = new PositionalWriter(file);
    let back = 0;
    for (const b of bs) await w.write(b, () => back++);
    await w.abort();
    expect(back).toBe(bs.length);
  });
});

// A small tmpfs makes a real full disk; mounting one needs root (CAP_SYS_ADMIN).
const full = path.join(os.tmpdir(), `abp-pw-full-${process.pid}`);
fs.mkdirSync(full, { recursive: true });
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', full]).status === 0;
if (!mounted) console.log(`skipping the full-disk test: cannot mount a tmpfs at ${full} (needs root)`);
afterAll(() => {
  if (mounted) spawnSync('umount', [full]);
  fs.rmSync(full, { recursive: true, force: true });
});

describe.skipIf(!mounted)('PositionalWriter on a full disk (256 KiB tmpfs)', () => {
  it('reports ENOSPC (from a later write or close) and hands back every batch it was given, written or refused', async () => {
    const w = new PositionalWriter(path.join(full, 'out.bin'));
    const bs = Array.from({ length: 8 }, () => Buffer.from(new SharedArrayBuffer(100_000)).fill(65));
    let back = 0;
    let given = 0;
    let err: unknown;
    try {
      for (const b of bs) {
        given++;
        await w.write(b, () => back++);
      }
      await w.close();
    } catch (e) {
      err = e;
    }
    await w.abort();
    expect((err as NodeJS.ErrnoException)?.code).toBe('ENOSPC');
    expect(given).toBeGreaterThan(1);
    expect(back).toBe(given);
  });
});
