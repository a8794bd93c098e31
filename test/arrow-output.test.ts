/**
 * Arrow output past one batch (issue 11 item 8): `abp detect` writes one
 * schema and every batch, in the IPC file and stream formats; apache-arrow
 * reads every row back, in order, with XGBoost's verdicts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { tableFromIPC, RecordBatchReader } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../src/index.js';
import { ARROW_SCHEMA_ROWS } from '../src/stages/arrow-writer.js';
import { abp } from './pipeline-helpers.js';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const REPO = path.join(ROOT, 'test/pipeline-data/models');
const GOLDEN = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/pipeline-data/dev-xgb.predictions.json'), 'utf8')) as number[];
const INPUT = gunzipSync(fs.readFileSync(DATA)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('Arrow output with many batches', () => {
  for (const ext of ['arrow', 'arrows']) {
    it(`.${ext}: 146 batches of 7 rows, one schema, every row`, async () => {
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'abp-arrow-')), `out.${ext}`);
      const r = await abp(['detect', DATA, out, '--pipeline_batch_size=7', '--model-name=dev-xgb', `--model-repository=${REPO}`]);
      expect(r.stderr).not.toMatch(/AsyncQueue is closed/);
      expect(r.code).toBe(0);
      const bytes = fs.readFileSync(out);
      const table = tableFromIPC(bytes);
      expect(table.numRows).toBe(1020);
      expect(table.batches.length).toBe(Math.ceil(1020 / 7));
      // One schema: every batch carries the table's fields, all nullable.
      for (const b of table.batches) expect(b.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`));
      expect(table.schema.fields.every((f) => f.nullable)).toBe(true);
      const mining = table.getChild('mining')!.toArray() as unknown as ArrayLike<boolean>;
      expect(Array.from({ length: 1020 }, (_, i) => Boolean(mining[i]))).toEqual(GOLDEN.map((p) => p > 0.5));
      const uuid = table.getChild('nvidia_smi_log.gpu.uuid')!;
      expect(uuid.get(1019)).toBe(INPUT[1019]['nvidia_smi_log.gpu.uuid']);
      const driver = table.getChild('nvidia_smi_log.driver_version')!;
      expect(driver.get(500)).toBe(INPUT[500]['nvidia_smi_log.driver_version']);
      // A streaming reader sees the same: one schema message, then the batches.
      const reader = RecordBatchReader.from(bytes);
      let rows = 0;
      for (const b of reader) rows += b.numRows;
      expect(rows).toBe(1020);
    });
  }

  it('a column first seen after the schema rows: a clear error, no file, no crash', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-arrow-'));
    const out = path.join(dir, 'late.arrow');
    const late = ARROW_SCHEMA_ROWS + 1500;
    const records = Array.from({ length: ARROW_SCHEMA_ROWS + 2000 }, (_, i) => (i === late ? { a: i, late: 'x' } : { a: i }));
    const run = new Pipeline({ pipelineBatchSize: 1000 }).fromRecords(records).deserialize().serialize().toFile(out).run();
    await expect(run).rejects.toThrow(`column 'late' first appears at output row ${late + 1}`);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a column only later batches fill (within the schema rows) is in the schema', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-arrow-'));
    const out = path.join(dir, 'sparse.arrows');
    const records = Array.from({ length: 100 }, (_, i) => (i === 77 ? { a: i, b: true } : { a: i }));
    const res = await new Pipeline({ pipelineBatchSize: 10 }).fromRecords(records).deserialize().serialize().toFile(out).run();
    expect(res.rowsOut).toBe(100);
    const t = tableFromIPC(fs.readFileSync(out));
    expect(t.batches.length).toBe(10);
    expect(t.getChild('b')!.get(77)).toBe(true);
    expect(t.getChild('b')!.get(76)).toBe(null);
    expect(t.getChild('a')!.get(99)).toBe(99);
  });
});
