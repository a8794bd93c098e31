/**
 * Progress (issue 11 item 6): `abp detect --progress` reports on stderr;
 * monitor's bar is how much of the input has been read (its size known from
 * the file, or from a gzip file's trailer), absent when the size is unknown
 * (stdin); `abp run` without to-file does not claim rows were written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Pipeline } from '../src/index.js';
import { inputBytes } from '../src/stages/input-size.js';
import { abp } from './pipeline-helpers.js';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const TEXT = gunzipSync(fs.readFileSync(DATA));

afterEach(() => vi.restoreAllMocks());

describe('input size', () => {
  it('a plain file: its size; a gzip file: the uncompressed size from its trailer; stdin and Arrow: unknown', () => {
    const plain = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'abp-progress-')), 'in.jsonlines');
    fs.writeFileSync(plain, TEXT);
    expect(inputBytes(plain, 'jsonlines')).toBe(TEXT.length);
    expect(inputBytes(DATA, 'jsonlines-gz')).toBe(TEXT.length);
    expect(inputBytes('-', 'jsonlines')).toBeUndefined();
    expect(inputBytes(DATA, 'arrow')).toBeUndefined();
  });
});

describe('monitor', () => {
  it('the bar follows the input read, from below 100% to 100% at the end', async () => {
    // Three copies of the real records through 4 MiB reads: several source blocks.
    const plain = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'abp-progress-')), 'in.jsonlines');
    fs.writeFileSync(plain, Buffer.concat([TEXT, TEXT, TEXT]));
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    await new Pipeline({ pipelineBatchSize: 100, scanThreads: 0 }).fromFile(plain).deserialize().monitor({ periodicMs: 0 }).serialize().collect().run();
    vi.restoreAllMocks();
    const pct = lines.map((l) => /(\d+)% [\d,]+ rows/.exec(l)).filter(Boolean).map((m) => Number(m![1]));
    expect(pct.length).toBeGreaterThan(10);
    expect(pct[0]).toBeLessThan(100);
    for (let i = 1; i < pct.length; i++) expect(pct[i]).toBeGreaterThanOrEqual(pct[i - 1]);
    expect(pct[pct.length - 1]).toBe(100);
    expect(lines[lines.length - 1]).toMatch(/^Progress █{20} 100% 3,060 rows \[/);
  });
});

describe('the CLI', () => {
  it('abp detect --progress: a progress line on stderr with 100% and the row count; none without it', async () => {
    const r = await abp(['detect', DATA, '--progress', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/abp detect █{20} 100% 1,020 rows \[\d+\.\d+s, \d+ rows\/s\]/);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 1020 });
    const quiet = await abp(['detect', DATA, '--json']);
    expect(quiet.stderr).not.toMatch(/abp detect .*rows\//);
  });

  it('stdin: rows and rate, no bar (the size is unknown)', async () => {
    const r = await abp(['detect', '-', '--progress'], { input: TEXT.toString('utf8') });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/abp detect 1,020 rows \[/);
    expect(r.stderr).not.toMatch(/%/);
  });

  it('abp run without to-file says nothing was written', async () => {
    const r = await abp(['run', 'pipeline-fil', 'from-file', `--filename=${DATA}`, 'deserialize', 'preprocess', 'inf-fil', 'add-class', 'serialize']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Pipeline complete: 1020 rows read, 1020 rows out, none written \(no to-file stage\)/);
    expect(r.stderr).not.toMatch(/rows written/);
  });
});
