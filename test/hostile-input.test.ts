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
import { Detector, InputError, Pipeline } from '../src/index.js';
import { lineBlocks } from '../src/stages/from-file.js';
import { DUPLICATE, KeyFinder, KeySet, scanFlatLine } from '../src/stages/json-scan.js';
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
  return new Pipeline({ onError, logger: quiet, numThreads: o.scanThreads || 1, maxLineBytes: o.maxLineBytes })
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

  it('the library: Detector.detectFile takes maxLineBytes too', async () => {
    const { file } = fileWith(`{"pad": "${'x'.repeat(200_000)}"}`, 2);
    const d = await Detector.open({ modelName: 'dev-xgb', modelRepository: REPO });
    try {
      const res = await d.detectFile(file, undefined, { onError: 'skip', maxLineBytes: 100_000 });
      expect(res.malformed).toMatchObject({ rows: 5, skipped: 1 });
      const err = await d.detectFile(file, undefined, { maxLineBytes: 100_000 }).catch((e) => e);
      expect(err.message).toContain(`${file}:2: line longer than 100000 bytes`);
    } finally {
      d.dispose();
    }
  });

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

/** Output lines of a run over `lines` (text, one per line) through the whole pipeline with add-scores and add-class. */
async function outputOf(lines: string[], scanThreads = 0): Promise<string[]> {
  const dir = tmp();
  const file = path.join(dir, 'in.jsonlines');
  const out = path.join(dir, 'out.jsonlines');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  await new Pipeline({ logger: quiet, numThreads: scanThreads || 1 })
    .fromFile(file).deserialize().preprocess().inference({ modelName: 'dev-xgb', modelRepository: REPO }).addScores({ prefix: 'p_' }).addClass()
    .serialize().toFile(out).run();
  return fs.readFileSync(out, 'utf8').split('\n').filter(Boolean);
}

/** A record's fields (JSON.parse's view: duplicates merged, integer-like keys first). */
const pairsOf = (line: string) => Object.entries(JSON.parse(line) as Record<string, unknown>);

describe('duplicate keys: the last copy wins on both paths, and the output shows it', () => {
  const predictions = async () => (await outputOf(REAL)).map((l) => JSON.parse(l) as Record<string, unknown>);
  it('a record that is one real record with a mining record\'s fields repeated after it is scored as the mining record, flat or through JSON.parse', async () => {
    const out = await predictions();
    const m = out.findIndex((r) => r.mining === true);
    const n = out.findIndex((r) => r.mining === false);
    expect(m).toBeGreaterThanOrEqual(0);
    expect(n).toBeGreaterThanOrEqual(0);
    // Every key of record n, then every key again with record m's values: JSON means record m.
    const both = `${REAL[n].slice(0, -1)}, ${REAL[m].slice(1)}`;
    const escaped = `${both.slice(0, -1)}, "note": "a \\"quoted\\" word"}`; // an escape: the JSON.parse path
    // What the JSON means: n's fields overwritten by m's (the keys n alone has stay), written once each.
    const merged = { ...(JSON.parse(REAL[n]) as object), ...(JSON.parse(REAL[m]) as object) };
    const [flatOut, slowOut, alone, aloneNote] = await outputOf([both, escaped, JSON.stringify(merged), JSON.stringify({ ...merged, note: 'a "quoted" word' })]);
    const want = JSON.parse(alone) as Record<string, unknown>;
    expect(want.mining).toBe(out[m].mining);
    expect(want.mining).not.toBe(out[n].mining);
    expect(JSON.parse(flatOut)).toEqual(want);
    expect(JSON.parse(slowOut)).toEqual(JSON.parse(aloneNote));
    // Features and added columns appear once in the text, with the scored value.
    const model = fs.readFileSync(path.join(REPO, 'dev-xgb/columns_fil.txt'), 'utf8').split('\n').filter(Boolean);
    for (const line of [flatOut, slowOut]) {
      for (const col of [...model, 'mining', 'p_mining']) expect(line.split(`"${col}":`).length - 1, col).toBe(1);
      for (const col of model) expect(pairsOf(line).find(([k]) => k === col)![1]).toEqual(want[col]);
    }
  });

  it('an added column already in the input is written once, where its last copy was, with the new value', async () => {
    const line = `{"mining": "x", ${REAL[0].slice(1, -1)}, "mining": "y", "z": 1}`;
    const [out] = await outputOf([line, REAL[0]]);
    expect(out.split('"mining":').length - 1).toBe(1);
    const keys = pairsOf(out).map(([k]) => k);
    expect(keys.indexOf('mining')).toBe(keys.indexOf('z') - 1);
    expect(typeof JSON.parse(out).mining).toBe('boolean');
  });
});

describe('duplicate keys in the line check and the key search', () => {
  it('both note the last copy and say a name repeated', () => {
    const line = Buffer.from('{"a": "1 W", "b": 2, "a": "3 W", "c": "a"}');
    const keys = new KeySet(['a', 'c']);
    const spans = new Int32Array(4).fill(-1);
    const flags = scanFlatLine(line, 0, line.length, keys, spans, 0);
    expect(flags & DUPLICATE).toBe(DUPLICATE);
    expect(line.toString('latin1', spans[0], spans[2])).toBe('"3 W"');
    const vs = new Int32Array(2), ve = new Int32Array(2);
    expect(new KeyFinder(['a', 'c']).locate(line, 0, line.length, vs, ve, 0)).toBe(true);
    expect(line.toString('latin1', vs[0], ve[0])).toBe('"3 W"');
    expect(line.toString('latin1', vs[1], ve[1])).toBe('"a"');
    const once = Buffer.from('{"a": "1 W", "c": "a"}');
    expect(scanFlatLine(once, 0, once.length, keys, new Int32Array(4).fill(-1), 0) & DUPLICATE).toBe(0);
    expect(new KeyFinder(['a', 'c']).locate(once, 0, once.length, vs, ve, 0)).toBe(false);
  });
});

describe('records through JSON.parse keep the text of every value not scored', () => {
  it('big integers, 1.0, nested values, escapes and key order are written as read', async () => {
    const extra = '"big": 12345678901234567890, "one": 1.0, "10": "ten", "nested": {"b": [1.50, 2e3], "2": null}, "esc": "a\\"b\\u00e9\\n"';
    const slow = `${REAL[0].slice(0, -1)}, ${extra}}`;
    const [flatOut, slowOut] = await outputOf([REAL[0], slow]);
    // Byte for byte the flat record's output with the extra fields as they were written.
    expect(slowOut).toBe(flatOut.replace(',"p_mining":', `, ${extra},"p_mining":`));
    // Key order as read: the integer-like key after the telemetry, not first.
    expect(slowOut.indexOf('"10":')).toBeGreaterThan(slowOut.indexOf('"nvidia_smi_log.timestamp":'));
    // Everything else as on the flat path (features replaced by the same numbers, same verdict).
    const { big: _b, one: _o, 10: _t, nested: _n, esc: _e, ...rest } = JSON.parse(slowOut) as Record<string, unknown>;
    expect(rest).toEqual(JSON.parse(flatOut));
  });
});
