/**
 * Issue 13's probes of the reader and the writer: ABP_READ_AHEAD=N (N reads
 * in flight on a plain file) gives the same blocks, so the same bytes, counts
 * and gzip members, as one read in flight, and a bad value is refused; output
 * to a character device or FIFO (/dev/null, a named pipe) is written straight
 * to it. Real telemetry throughout, with the lines that take the reader off
 * its usual path (bad, blank, a BOM, lines longer than a read and than the
 * room for a carried line).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Pipeline, UsageError } from '../src/index.js';
import { fromFile } from '../src/stages/from-file.js';
import { CARRY_ROOM, READ_AHEAD_ENV, ReadAhead, readAheadFromEnv } from '../src/stages/read-ahead.js';
import { abp } from './pipeline-helpers.js';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const REPO = path.join(ROOT, 'test/pipeline-data/models');
const real = zlib.gunzipSync(fs.readFileSync(DATA));
const ROWS = 1020;
const quiet = { info: () => undefined, warn: () => undefined };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-ra-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Sets ABP_READ_AHEAD for the length of `f`. */
async function withReadAhead<T>(v: string | undefined, f: () => Promise<T>): Promise<T> {
  const before = process.env[READ_AHEAD_ENV];
  if (v === undefined) delete process.env[READ_AHEAD_ENV];
  else process.env[READ_AHEAD_ENV] = v;
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env[READ_AHEAD_ENV];
    else process.env[READ_AHEAD_ENV] = before;
  }
}

// Real records with, between copies, a bad line, a blank one, a line past the carry room (300 KiB) and,
// once, one longer than a 4 MiB read (5 MB): the reader's every path.
const bad = Buffer.from('{"broken": \n\n');
const mid = Buffer.from(`{"pad": "${'m'.repeat(300 << 10)}", "nvidia_smi_log.gpu.utilization.gpu_util": "7 %"}\n`);
const long = Buffer.from(`{"pad": "${'p'.repeat(5 << 20)}"}\n`);
const odd = path.join(dir, 'odd.jsonlines');
fs.writeFileSync(odd, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), real, bad, mid, real, bad, long, real, mid, real, bad, real]));
const ODD_ROWS = 5 * ROWS + 3;

describe('ABP_READ_AHEAD: the value', () => {
  it('is 1 unset or empty, N for 1 to 16', () => {
    expect(readAheadFromEnv({})).toBe(1);
    expect(readAheadFromEnv({ [READ_AHEAD_ENV]: '' })).toBe(1);
    for (const n of [1, 3, 16]) expect(readAheadFromEnv({ [READ_AHEAD_ENV]: String(n) })).toBe(n);
  });

  it('anything else is a UsageError ABP_BAD_ARGUMENT naming the variable', () => {
    for (const v of ['0', '17', 'x', '1.5', '-1', '2k', '0x4']) {
      let err: unknown;
      try {
        readAheadFromEnv({ [READ_AHEAD_ENV]: v });
      } catch (e) {
        err = e;
      }
      expect(err, v).toBeInstanceOf(UsageError);
      expect((err as UsageError).code).toBe('ABP_BAD_ARGUMENT');
      expect((err as Error).message).toBe(`ABP_READ_AHEAD=${v}: the reads in flight must be a whole number from 1 to 16`);
    }
  });

  it('a run refuses it before any work (no output file), and the command line exits 2 with the message', async () => {
    const out = path.join(dir, 'refused.jsonlines');
    const err = await withReadAhead('0', () => new Pipeline({ logger: quiet }).fromFile(odd).deserialize().serialize().toFile(out).run()).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.code).toBe('ABP_BAD_ARGUMENT');
    expect(fs.existsSync(out)).toBe(false);
    const r = await withReadAhead('99', () => abp(['run', 'pipeline-fil', 'from-file', `--filename=${odd}`, 'deserialize', 'serialize', 'to-file', `--filename=${out}`]));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Error: ABP_READ_AHEAD=99: the reads in flight must be a whole number from 1 to 16');
    expect(r.stderr).not.toContain('Usage:');
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('ABP_READ_AHEAD: the same blocks and bytes as one read in flight', () => {
  /** The reader's blocks: kind, length and a hash of the bytes of each. */
  async function blocks(file: string, readAhead: number, chunkSize: number, maxLineBytes?: number): Promise<string[]> {
    const out: string[] = [];
    const sum = (b: Buffer) => `${b.length} ${createHash('sha1').update(b).digest('hex')}`;
    for await (const b of fromFile(file, { owned: true, chunkSize, readAhead, maxLineBytes })) {
      if (b.kind === 'lines') {
        out.push(`lines ${sum(b.buf)}`);
        b.recycle?.(b.buf.buffer as ArrayBuffer);
      } else if (b.kind === 'overlong') out.push(`overlong ${b.first} ${b.last} ${sum(b.bytes)}`);
    }
    return out;
  }

  it('from-file: block for block, at chunk sizes around the lines and the carry room, with a line limit too', async () => {
    // Small files where reads end exactly at the end, one byte before and after it, and an empty one.
    const exact = path.join(dir, 'exact.jsonlines');
    fs.writeFileSync(exact, Buffer.concat([real.subarray(0, 65536 - 1), Buffer.from('\n')]));
    const empty = path.join(dir, 'empty.jsonlines');
    fs.writeFileSync(empty, '');
    const noNl = path.join(dir, 'no-newline.jsonlines');
    fs.writeFileSync(noNl, real.subarray(0, 70000));
    for (const file of [odd, exact, empty, noNl]) {
      for (const [chunk, limit] of [[4096, undefined], [65536, undefined], [CARRY_ROOM, 1 << 20], [4 << 20, undefined]] as const) {
        const one = await blocks(file, 1, chunk, limit);
        for (const n of [2, 4, 16]) {
          const more = await blocks(file, n, chunk, limit);
          expect(more.length, `${path.basename(file)} chunk ${chunk} read-ahead ${n}`).toBe(one.length);
          expect(more.every((b, i) => b === one[i]), `${path.basename(file)} chunk ${chunk} read-ahead ${n}`).toBe(true);
        }
      }
    }
  });

  it('ReadAhead keeps N reads in flight and the block reader takes each from them; only the end of the file is read alone', async () => {
    const chunk = 65536;
    const file = path.join(dir, 'ten-chunks.jsonlines');
    fs.writeFileSync(file, Buffer.alloc(10 * chunk, 0x61));
    const fd = fs.openSync(file, 'r');
    try {
      let taken = 0;
      const pool = { take: (n: number) => (taken++, Buffer.alloc(n)), give: () => undefined };
      const ra = new ReadAhead(fd, chunk, pool, 4);
      const got: Buffer[] = [];
      for (;;) {
        const r = ra.start(undefined);
        // This read and three more are under way.
        if (got.length === 0) expect(taken).toBe(4);
        const n = await r.n;
        if (n === 0) break;
        got.push(Buffer.from(r.buf.subarray(r.cl, r.cl + n)));
      }
      await ra.close();
      expect(Buffer.concat(got).equals(fs.readFileSync(file))).toBe(true);
      expect(ra.stats).toEqual({ ahead: 11, alone: 0 });
      expect(taken).toBe(14);
    } finally {
      fs.closeSync(fd);
    }
  });

  const run = (readAhead: string, numThreads: number, ext: string) =>
    withReadAhead(readAhead, async () => {
      const out = path.join(dir, `ra-${readAhead}-${numThreads}.${ext}`);
      const q = path.join(dir, `ra-q-${readAhead}-${numThreads}-${ext}.jsonlines`);
      const r = await new Pipeline({ numThreads, onError: `quarantine:${q}`, logger: quiet })
        .fromFile(odd).deserialize().preprocess().inference({ modelName: 'dev-xgb', modelRepository: REPO })
        .addClass().summarize().serialize().toFile(out, { overwrite: true }).run();
      return { r, out: fs.readFileSync(out), q: fs.readFileSync(q) };
    });

  // gzip output is one member per block: equal files mean equal blocks.
  for (const ext of ['jsonlines', 'jsonlines.gz']) {
    it(`ABP_READ_AHEAD=1 and =4 on 1 and 2 threads: ${ext} output, quarantine file and counts byte for byte`, async () => {
      const one = await run('1', 1, ext);
      expect(one.r.rowsOut).toBe(ODD_ROWS);
      expect(one.r.malformed).toMatchObject({ rows: ODD_ROWS, malformed: 3, quarantined: 3 });
      expect(one.q.toString()).toBe('{"broken": \n'.repeat(3));
      const text = (b: Buffer) => (ext.endsWith('.gz') ? zlib.gunzipSync(b) : b);
      expect(text(one.out).includes('"mining":')).toBe(true);
      for (const [ra, t] of [['4', 1], ['1', 2], ['4', 2]] as const) {
        const m = await run(ra, t, ext);
        expect(m.r.threads, `${ra} ${t}`).toBe(t === 1 ? 0 : t);
        expect(m.out.equals(one.out), `ABP_READ_AHEAD=${ra}, ${t} thread(s)`).toBe(true);
        expect(m.q.equals(one.q)).toBe(true);
        expect(m.r.malformed).toEqual(one.r.malformed);
        expect(JSON.stringify(m.r.summary)).toBe(JSON.stringify(one.r.summary));
      }
    });
  }

  it('on_error=fail names the same first bad line with 4 reads in flight', async () => {
    const err = await withReadAhead('4', () =>
      new Pipeline({ numThreads: 2, onError: 'fail', logger: quiet }).fromFile(odd).deserialize().serialize().toFile(path.join(dir, 'fail.jsonlines')).run(),
    ).catch((e) => e);
    expect(err.message).toContain(`${odd}:${ROWS + 1}: malformed JSON line`);
    expect(fs.existsSync(path.join(dir, 'fail.jsonlines'))).toBe(false);
  });
});

describe('output to a character device or FIFO', () => {
  // `abp run [RUN OPTIONS] pipeline-fil ...` to `out`.
  const args = (input: string, out: string, ...runOptions: string[]) => [
    'run', ...runOptions, 'pipeline-fil', 'from-file', `--filename=${input}`, 'deserialize', 'preprocess',
    'inf-fil', '--model_name=dev-xgb', `--model_repository=${REPO}`, 'add-class', 'serialize', 'to-file', `--filename=${out}`,
  ];

  it('--filename=/dev/null through the command line: exit 0, every row counted, /dev/null left a device, no temporary in /dev', async () => {
    const before = fs.readdirSync('/dev').filter((n) => n.includes('.abp-tmp-'));
    const one = await abp(args(DATA, '/dev/null'));
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toContain(`Pipeline complete: ${ROWS} rows read, ${ROWS} rows written`);
    // Worker threads, shared slots, 3 reads in flight; the bad lines skipped and counted.
    const two = await withReadAhead('3', () => abp(args(odd, '/dev/null', '--num_threads=2', '--on_error=skip')));
    expect(two.code, two.stderr).toBe(0);
    expect(two.stderr).toContain(`Pipeline complete: ${ODD_ROWS} rows read, ${ODD_ROWS} rows written`);
    expect(two.stderr).toContain('on_error=skip: 3 malformed line(s) skipped');
    const detect = await abp(['detect', DATA, '/dev/null', '--model_name=dev-xgb', `--model_repository=${REPO}`]);
    expect(detect.code, detect.stderr).toBe(0);
    expect(detect.stdout).toContain(`rows read:    ${ROWS}`);
    expect(fs.statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(fs.readdirSync('/dev').filter((n) => n.includes('.abp-tmp-'))).toEqual(before);
  });

  it('a symbolic link to /dev/null is still refused (links are never followed)', async () => {
    const link = path.join(dir, 'null-link.jsonlines');
    fs.symlinkSync('/dev/null', link);
    const r = await abp(args(DATA, link));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('it is a symbolic link');
  });

  it('a named pipe gets the same bytes as a file: JSON lines on 1 and 2 threads, gzip members, an Arrow stream', async () => {
    const small = path.join(dir, 'small.jsonlines');
    fs.writeFileSync(small, Buffer.concat([real, bad, real]));
    for (const [ext, threads] of [['jsonlines', [1, 2]], ['jsonlines.gz', [2]], ['arrows', [1]]] as const) {
      for (const t of threads) {
        const file = path.join(dir, `file-${t}.${ext}`);
        const f = await new Pipeline({ numThreads: t, onError: 'skip', logger: quiet })
          .fromFile(small).deserialize().preprocess().inference({ modelName: 'dev-xgb', modelRepository: REPO }).addClass().serialize().toFile(file, { overwrite: true }).run();
        const fifo = path.join(dir, `fifo-${t}.${ext}`);
        execFileSync('mkfifo', [fifo]);
        const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
        const got: Buffer[] = [];
        reader.stdout.on('data', (d: Buffer) => got.push(d));
        const closed = new Promise((resolve) => reader.on('close', resolve));
        const p = await new Pipeline({ numThreads: t, onError: 'skip', logger: quiet })
          .fromFile(small).deserialize().preprocess().inference({ modelName: 'dev-xgb', modelRepository: REPO }).addClass().serialize().toFile(fifo).run();
        await closed;
        expect(p.rowsOut).toBe(2 * ROWS);
        expect(f.rowsOut).toBe(2 * ROWS);
        expect(Buffer.concat(got).equals(fs.readFileSync(file)), `${ext} ${t}`).toBe(true);
        expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
        fs.rmSync(fifo);
      }
    }
  });
});
