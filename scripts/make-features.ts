/**
 * Feature matrix for training and for the golden predictions, computed with
 * the pipeline's own `featureMatrix` so training and serving cannot drift.
 *
 *   npx tsx scripts/make-features.ts --input data/nvsmi-h200-train.jsonlines.gz \
 *     --columns models/abp-nvsmi-xgb/columns_fil.txt --out build-train/features
 *
 * Writes to --out:
 *   X.f32           rows x columns float32, row-major, little-endian (NaN = missing)
 *   y.u8            one byte a row: the `label` (255 when the record has none)
 *   workloads.json  the `workload` of every row ("" when absent), file order
 *   idle.u8         one byte a row: 1 where `abp watch` counts the sample as idle (isIdle), so
 *                   training leaves out the same no-work samples that the watch skips
 *   columns.txt     the columns used, one a line
 *   meta.json       { rows, columns, rule, input }
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { featureMatrix, type NumberRule } from '../src/stages/parse-value.js';
import { readDerived } from '../src/model-repo/derived.js';
import { isIdle } from '../src/collect/watch.js';
import { readJsonLines } from './jsonlines.js';

const { values } = parseArgs({
  options: {
    input: { type: 'string', default: 'data/nvsmi-h200-train.jsonlines.gz' },
    columns: { type: 'string', default: 'models/abp-nvsmi-xgb/columns_fil.txt' },
    out: { type: 'string', default: 'build-train/features' },
    rule: { type: 'string', default: 'first-number' },
    // derived_fil.txt: features computed from the columns, by the serving code (src/model-repo/derived.ts).
    derived: { type: 'string' },
  },
});

const rule = values.rule as NumberRule;
if (rule !== 'first-number' && rule !== 'morpheus-digits') {
  throw new Error(`--rule must be first-number or morpheus-digits, not ${values.rule}`);
}

function readColumns(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

const columns = readColumns(values.columns!);
// Several inputs (comma-separated) are read in order, as one matrix.
const inputs = values.input!.split(',').map((p) => p.trim()).filter((p) => p !== '');
const sourceOf: number[] = [];
const records = inputs.flatMap((path, i) => {
  const rs = readJsonLines(path);
  for (let k = 0; k < rs.length; k++) sourceOf.push(i);
  return rs;
});
const raw = featureMatrix(records, columns, rule);
const derived = values.derived ? readDerived(values.derived, columns) : undefined;
if (values.derived && !derived) throw new Error(`--derived ${values.derived}: no such file`);
const X = derived ? derived.apply(raw, records.length, columns.length) : raw;
const allColumns = [...columns, ...(derived?.features.map((f) => f.name) ?? [])];

const y = new Uint8Array(records.length);
const workloads: string[] = [];
for (let r = 0; r < records.length; r++) {
  const label = records[r].label;
  y[r] = label === 0 || label === 1 ? label : 255;
  const w = records[r].workload;
  workloads.push(typeof w === 'string' ? w : '');
}

const out = values.out!;
mkdirSync(out, { recursive: true });
// Float32Array is host-endian; every platform this runs on is little-endian, and numpy reads '<f4'.
writeFileSync(join(out, 'X.f32'), new Uint8Array(X.buffer, X.byteOffset, X.byteLength));
writeFileSync(join(out, 'y.u8'), y);
writeFileSync(join(out, 'workloads.json'), JSON.stringify(workloads));
writeFileSync(join(out, 'idle.u8'), Uint8Array.from(records, (r) => (isIdle(r) ? 1 : 0)));
// Per row: which input, the workload family where the capture recorded one, time and GPU,
// for leave-one-family-out and for replaying episodes in time order.
const str = (v: unknown) => (typeof v === 'string' ? v : '');
writeFileSync(
  join(out, 'rows.json'),
  JSON.stringify(
    records.map((r, i) => ({
      source: inputs[sourceOf[i]],
      family: str(r.family),
      t: typeof r.timestamp === 'number' ? r.timestamp : null,
      gpu: str(r['nvidia_smi_log.gpu.uuid']),
    })),
  ),
);
writeFileSync(join(out, 'columns.txt'), allColumns.join('\n') + '\n');
writeFileSync(
  join(out, 'meta.json'),
  JSON.stringify({ rows: records.length, columns: allColumns.length, rule, input: values.input }, null, 2) + '\n',
);
console.log(`make-features: ${records.length} rows x ${allColumns.length} columns (${rule}) -> ${out}`);
