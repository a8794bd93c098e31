/**
 * to-file's Arrow IPC output (file or stream format): one schema for the whole
 * output, then one record batch per pipeline batch, built against that schema
 * (every field nullable). apache-arrow's writer ends the stream when a
 * payload's schema differs from the last one (a Table per batch infers
 * nullability from its nulls, so that happened at the second batch), hence
 * one Schema object for all.
 *
 * The schema comes from the first ARROW_SCHEMA_ROWS rows (all of them, if
 * fewer), so a column that only some records carry (nvidia-smi's process
 * list) is in it; a column first seen later cannot be added and is an error.
 * Columns are encoded here straight into Arrow buffers: apache-arrow's
 * builders cost ~40 µs each, ~40 ms a batch at ~150 columns.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { OutputError } from '../errors.js';
import type { Batch } from './batch.js';

/** Rows whose columns make the Arrow schema (held before the first batch is written). */
export const ARROW_SCHEMA_ROWS = 16384;

type Kind = 'number' | 'bool' | 'string';
type Row = Record<string, unknown>;

const kindOf = (v: unknown): Kind | undefined =>
  v === null || v === undefined ? undefined : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : 'string';

/** Columns in first-seen order; a column of mixed or only-null values is text. */
function columnKinds(batches: Row[][]): { name: string; kind: Kind }[] {
  const kinds = new Map<string, Kind | undefined>();
  for (const rows of batches) {
    for (const r of rows) {
      for (const [k, v] of Object.entries(r)) {
        const have = kinds.get(k);
        const kv = kindOf(v);
        if (!kinds.has(k) || have === undefined) kinds.set(k, kv);
        else if (kv !== undefined && kv !== have) kinds.set(k, 'string');
      }
    }
  }
  return [...kinds].map(([name, kind]) => ({ name, kind: kind ?? 'string' }));
}

export async function writeArrow(batches: AsyncIterable<Batch>, out: Writable, stream: boolean, counter: { rows: number; bytes: number }): Promise<void> {
  const arrow = await import('apache-arrow');
  /**
   * The writer's bytes, taken synchronously after each batch: its own queue
   * hands them out one promise per buffer (~600 per batch at ~150 columns),
   * which cost more than building the batch.
   */
  class Collector extends arrow.AsyncByteQueue {
    private parts: Uint8Array[] = [];
    private bytes = 0;
    override write(v: ArrayBufferView): void {
      if (v.byteLength === 0) return;
      this.parts.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      this.bytes += v.byteLength;
    }
    take(): Buffer {
      const b = Buffer.concat(this.parts, this.bytes);
      this.parts = [];
      this.bytes = 0;
      return b;
    }
  }
  const sink = new Collector();
  const writer = (stream ? new arrow.RecordBatchStreamWriter() : new arrow.RecordBatchFileWriter()).reset(sink);
  let outError: Error | undefined;
  const onError = (e: Error) => (outError ??= e);
  out.on('error', onError);
  const flush = async () => {
    if (outError) throw outError;
    const buf = sink.take();
    if (buf.length > 0 && !out.write(buf)) await once(out, 'drain');
  };
  let columns: { name: string; kind: Kind }[] | undefined;
  let schema: InstanceType<typeof arrow.Schema> | undefined;
  let held: Row[][] = [];
  let heldRows = 0;

  /** One column of `rows` as Arrow data (validity bitmap + values). */
  const encode = (name: string, kind: Kind, type: InstanceType<typeof arrow.Schema>['fields'][number]['type'], rows: Row[]) => {
    const n = rows.length;
    const valid = new Uint8Array((n + 7) >> 3);
    let nulls = 0;
    const values: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = rows[i][name];
      if (v === null || v === undefined) {
        nulls++;
        continue;
      }
      if (kind !== 'string' && kindOf(v) !== kind) {
        throw new OutputError('ABP_OUTPUT_SCHEMA', `Arrow output: column '${name}' holds ${kind} values but output row ${counter.rows + i + 1} has ${JSON.stringify(v)}`);
      }
      valid[i >> 3] |= 1 << (i & 7);
      values[i] = v;
    }
    const base = { type, length: n, nullCount: nulls, nullBitmap: nulls ? valid : undefined };
    if (kind === 'number') {
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) if (values[i] !== undefined) data[i] = values[i] as number;
      return arrow.makeData({ ...base, type: type as InstanceType<typeof arrow.Float64>, data });
    }
    if (kind === 'bool') {
      const data = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) if (values[i] === true) data[i >> 3] |= 1 << (i & 7);
      return arrow.makeData({ ...base, type: type as InstanceType<typeof arrow.Bool>, data });
    }
    const texts = Array.from(values, (v) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v)));
    const valueOffsets = new Int32Array(n + 1);
    let bytes = 0;
    for (let i = 0; i < n; i++) valueOffsets[i + 1] = bytes += Buffer.byteLength(texts[i]);
    const data = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (const t of texts) at += data.write(t, at);
    return arrow.makeData({ ...base, type: type as InstanceType<typeof arrow.Utf8>, valueOffsets, data: new Uint8Array(data.buffer, data.byteOffset, bytes) });
  };

  const writeRows = (rows: Row[]): Promise<void> => {
    const known = new Set(columns!.map((c) => c.name));
    for (let i = 0; i < rows.length; i++) {
      for (const k of Object.keys(rows[i])) {
        if (!known.has(k)) {
          throw new OutputError(
            'ABP_OUTPUT_SCHEMA',
            `Arrow output: column '${k}' first appears at output row ${counter.rows + i + 1}, after the ${ARROW_SCHEMA_ROWS} rows that fixed the schema; write JSON lines instead`,
          );
        }
      }
    }
    const children = columns!.map(({ name, kind }, i) => encode(name, kind, schema!.fields[i].type, rows));
    const data = arrow.makeData({ type: new arrow.Struct(schema!.fields), length: rows.length, nullCount: 0, children });
    writer.write(new arrow.RecordBatch(schema!, data));
    counter.rows += rows.length;
    return flush();
  };

  const fixSchema = async () => {
    columns = columnKinds(held);
    const typeOf = (kind: Kind) => (kind === 'number' ? new arrow.Float64() : kind === 'bool' ? new arrow.Bool() : new arrow.Utf8());
    schema = new arrow.Schema(columns.map((c) => new arrow.Field(c.name, typeOf(c.kind), true)));
    for (const rows of held) await writeRows(rows);
    held = [];
  };

  try {
    for await (const b of batches) {
      const text = b.serialized?.toString('utf8') ?? '';
      if (!text) continue;
      const rows = text
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Row);
      if (schema) {
        await writeRows(rows);
        continue;
      }
      held.push(rows);
      heldRows += rows.length;
      if (heldRows >= ARROW_SCHEMA_ROWS) await fixSchema();
    }
    if (!schema && heldRows > 0) await fixSchema();
    if (!schema) writer.write(new arrow.Table({}));
    writer.close(); // the file format's footer
    await flush();
    if (out !== process.stdout) await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (outError) throw outError;
  } finally {
    out.off('error', onError);
    if (out !== process.stdout && !out.writableFinished) out.destroy();
  }
}
