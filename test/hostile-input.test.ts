/**
 * Hostile input (issue 10): lines past the length limit, records nested past
 * the depth limit, duplicate keys, and the text of values kept exactly on the
 * JSON.parse path as on the flat one. Real records from data/ around each
 * hostile line; each case under every on_error policy it concerns.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError, Pipeline } from '../src/index.js';
import { lineBlocks } from '../src/stages/from-file.js';
import { abp } from './pipeline-helpers.js';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const REPO = path.join(ROOT, 'test/pipeline-data/models');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'abp-hi-'));
const quiet = { info: () => undefined, warn: () => undefined };
const REAL = zlib.gunzipSync(fs.readFileSync(DATA)).toString('utf8').split('\n').filter(Boolean);

/** Real lines 1..n with `odd` as line `at` (1-based) in a file. */
function fileWith(odd: string | Buffer, at = 3, n = 6): { file: string; dir: string; lines: (string | Buffer)[] } {
  const dir = tmp();
  const lines: (string | Buffer)[] = REAL.slice(0, n - 1);
  lines.splice(at - 1, 0, odd);
  const file = path.join(dir, 'in.jsonlines');
  fs.writeFileSync(file, Buffer.concat(lines.flatMap((l) => [Buffer.from(l), Buffer.from('\n')])));
  return { file, dir, lines };
}

function run(file: string, onError: string, o: { maxLineBytes?: number; scanThreads?: number } = {}) {
  return new Pipeline({ onError, logger: quiet, scanThreads: o.scanThreads ?? 0, maxLineBytes: o.maxLineBytes })
    .fromFile(file).deserialize().preprocess().inference({ modelName: 'dev-xgb', modelRepository: REPO }).addClass().collect().run();
}

async function* chunks(parts: Buffer[], size: number): AsyncGenerator<Buffer> {
  for (const p of parts) for (let i = 0; i < p.length; i += size) yield p.subarray(i, i + size);
}

describe('line length limit', () => {
  it('the reader never holds more than the limit plus a chunk of a line with no newline; the line goes on in pieces', async () => {
    const max = 1 << 20;
    const long = Buffer.alloc(20 << 20, 0x61);
    const tail = Buffer.from(`\n${REAL[0]}\n`);
    let biggest = 0;
    let pieces = 0;
    let pieceBytes = 0;
    let firsts = 0;
    let lasts = 0;
    let lines = '';
    for await (const b of lineBlocks(chunks([long, tail], 64 << 10), 'mem', max)) {
      if (b.kind === 'overlong') {
        pieces++;
        pieceBytes += b.bytes.length;
        firsts += b.first ? 1 : 0;
        lasts += b.last ? 1 : 0;
        biggest = Math.max(biggest, b.bytes.length);
      } else {
        biggest = Math.max(biggest, b.buf.length);
        lines += b.buf.toString();
      }
    }
    expect(biggest).toBeLessThanOrEqual(max + (64 << 10));
    expect(pieces).toBeGreaterThan(1);
    expect(firsts).toBe(1);
    expect(lasts).toBe(1);
    expect(pieceBytes).toBe(long.length);
    expect(lines).toBe(`${REAL[0]}\n`);
  });

  // 10 MiB: longer than the reader's 4 MiB chunks, so the limit is met while reading.
  const longLine = `{"pad": "${'x'.repeat(10 << 20)}"}`;
  for (const scanThreads of [0, 2]) {
    it(`a line over --max_line_bytes is a bad line named by number under fail, skip and quarantine (${scanThreads ? 'worker' : 'main'} thread reads)`, async () => {
      const { file, dir } = fileWith(longLine, 3);
      const err = await run(file, 'fail', { maxLineBytes: 1 << 20, scanThreads }).catch((e) => e);
      expect(err).toBeInstanceOf(InputError);
      expect(err.code).toBe('ABP_INPUT_LINE_LENGTH');
      expect(err.line).toBe(3);
      expect(err.message).toContain(`${file}:3: line longer than 1048576 bytes`);
      const skip = await run(file, 'skip', { maxLineBytes: 1 << 20, scanThreads });
      expect(skip.malformed).toMatchObject({ lines: 6, rows: 5, skipped: 1 });
      expect(skip.records!.map((r) => r['nvidia_smi_log.timestamp'])).toEqual(REAL.slice(0, 5).map((l) => JSON.parse(l)['nvidia_smi_log.timestamp']));
      const q = path.join(dir, 'q.jsonlines');
      const quar = await run(file, `quarantine:${q}`, { maxLineBytes: 1 << 20, scanThreads });
      expect(quar.malformed).toMatchObject({ rows: 5, quarantined: 1 });
      expect(fs.readFileSync(q, 'utf8')).toBe(`${longLine}\n`);
      // The default limit (64 MiB) takes it.
      const ok = await run(file, 'fail', { scanThreads });
      expect(ok.rowsIn).toBe(6);
    });
  }

  it('a complete line over the limit inside one read block is caught too (the last line, no newline after it)', async () => {
    const dir = tmp();
    const file = path.join(dir, 'in.jsonlines');
    fs.writeFileSync(file, `${REAL[0]}\n${REAL[1]}\n{"pad": "${'y'.repeat(100_000)}"}`);
    const err = await run(file, 'fail', { maxLineBytes: 65536 }).catch((e) => e);
    expect(err.message).toContain(`${file}:3: line longer than 65536 bytes`);
    const skip = await run(file, 'skip', { maxLineBytes: 65536 });
    expect(skip.malformed).toMatchObject({ rows: 2, skipped: 1 });
  });

  it('CLI: /dev/zero ends at line 1 under fail; a gzip bomb is skipped with bounded reads; a bad limit is a usage error', async () => {
    const z = await abp(['detect', '/dev/zero', '--model_name=dev-xgb', `--model_repository=${REPO}`, '--max_line_bytes=1048576'], { timeoutMs: 20_000 });
    expect(z.code).toBe(1);
    expect(z.stderr).toContain('/dev/zero:1: line longer than 1048576 bytes');
    const dir = tmp();
    const bomb = path.join(dir, 'bomb.jsonlines.gz');
    fs.writeFileSync(bomb, zlib.gzipSync(Buffer.concat([Buffer.alloc(200 << 20), Buffer.from(`\n${REAL[0]}\n`)])));
    expect(fs.statSync(bomb).size).toBeLessThan(1 << 20);
    const r = await abp(['detect', bomb, '--model_name=dev-xgb', `--model_repository=${REPO}`, '--max_line_bytes=1048576', '--on_error=skip', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).malformed).toMatchObject({ lines: 2, rows: 1, skipped: 1 });
    const bad = await abp(['detect', bomb, '--model_name=dev-xgb', `--model_repository=${REPO}`, '--max_line_bytes=0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('max line bytes');
  });
});

describe('nesting depth limit', () => {
  const deep = (d: number) => `{"a": ${'['.repeat(d - 1)}${']'.repeat(d - 1)}, "b": "x"}`;
  it('a record nested 5,000 deep is a bad line under fail, skip and quarantine, not a stack overflow', async () => {
    const { file, dir } = fileWith(deep(5000), 2);
    const err = await run(file, 'fail').catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('ABP_INPUT_DEPTH');
    expect(err.message).toContain(`${file}:2: record nested more than 256 levels deep`);
    const skip = await run(file, 'skip');
    expect(skip.malformed).toMatchObject({ rows: 5, skipped: 1 });
    const q = path.join(dir, 'q.jsonlines');
    const quar = await run(file, `quarantine:${q}`);
    expect(quar.malformed).toMatchObject({ rows: 5, quarantined: 1 });
    expect(fs.readFileSync(q, 'utf8')).toBe(`${deep(5000)}\n`);
    // At the limit it is read (the object itself is one level).
    const at = fileWith(deep(256), 2);
    expect((await run(at.file, 'fail')).rowsIn).toBe(6);
    const over = fileWith(deep(257), 2);
    expect((await run(over.file, 'skip')).malformed.skipped).toBe(1);
  });

  it('records given as objects: too deep or cyclic is a bad record, named by number', async () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    let nested: unknown = 1;
    for (let i = 0; i < 5000; i++) nested = [nested];
    const recs = [JSON.parse(REAL[0]), cyclic, { a: nested }, JSON.parse(REAL[1])];
    const err = await new Pipeline({ logger: quiet }).fromRecords(recs).deserialize().collect().run().catch((e) => e);
    expect(err.code).toBe('ABP_INPUT_DEPTH');
    expect(err.message).toContain('record 2: record nested more than 256 levels deep');
    const skip = await new Pipeline({ logger: quiet, onError: 'skip' }).fromRecords(recs).deserialize().collect().run();
    expect(skip.malformed).toMatchObject({ rows: 2, skipped: 2 });
    expect(skip.records).toHaveLength(2);
  });
});
