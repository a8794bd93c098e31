// CSV input says that CSV is not read and which formats are (issue 11 item 7).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { abp } from './pipeline-helpers.js';

const ROOT = path.resolve(__dirname, '..');
const LINES = gunzipSync(fs.readFileSync(path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz'))).toString('utf8').split('\n').filter(Boolean);
const FORMATS = /abp reads JSON lines \(\.jsonlines, \.jsonl, \.json; gzipped \.gz\) and Arrow IPC \(\.arrow, \.arrows, \.feather\)/;

// A CSV rendering of real records: a header of the keys, then the values.
const keys = Object.keys(JSON.parse(LINES[0]) as object).slice(0, 8);
const CSV = [keys.join(','), ...LINES.slice(0, 5).map((l) => keys.map((k) => String((JSON.parse(l) as Record<string, unknown>)[k])).join(','))].join('\n') + '\n';

describe('CSV input', () => {
  it('a .csv file is refused before anything runs, naming the formats read (exit 2)', async () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'abp-csv-')), 'telemetry.csv');
    fs.writeFileSync(f, CSV);
    const r = await abp(['detect', f, '--on_error=skip']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/telemetry\.csv: CSV input is not supported/);
    expect(r.stderr).toMatch(FORMATS);
    expect(r.stderr).not.toMatch(/engine:/);
  });

  it('CSV on stdin fails at line 1 with the formats read', async () => {
    const r = await abp(['detect', '-'], { input: CSV });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/<stdin>:1: malformed JSON line: .*CSV is not supported/);
    expect(r.stderr).toMatch(FORMATS);
  });

  it('a bad line later in a JSON-lines file keeps the plain message', async () => {
    const r = await abp(['detect', '-'], { input: [...LINES.slice(0, 4), 'a,b,c', ...LINES.slice(4, 6)].join('\n') + '\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/<stdin>:5: malformed JSON line/);
    expect(r.stderr).not.toMatch(/CSV/);
  });
});
