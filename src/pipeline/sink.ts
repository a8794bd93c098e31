/** The end of a run: serialized batches to a file (to-file), into records (collect), or only counted. */
import { Batch } from '../stages/batch.js';
import { outputFormatOf, toFile } from '../stages/to-file.js';
import type { StageSpec, StageTimes } from './types.js';

export interface Drained {
  rowsOut: number;
  bytesWritten: number;
  records?: Record<string, unknown>[];
}

/**
 * Serialized batches regrouped to `rows` rows each (the last may be short),
 * whatever the blocks were: Arrow output takes its schema from the first
 * batch, so that batch must not depend on how the input was cut into blocks.
 */
export async function* rebatch(batches: AsyncIterable<Batch>, rows: number): AsyncGenerator<Batch> {
  let parts: Buffer[] = [];
  let have = 0;
  let seq = 0;
  const emit = (): Batch => {
    const b = new Batch(seq++, '');
    b.serialized = Buffer.concat(parts);
    b.serializedRows = have;
    parts = [];
    have = 0;
    return b;
  };
  for await (const b of batches) {
    const buf = b.serialized;
    if (!buf) continue;
    let at = 0;
    let n = b.serializedRows;
    while (have + n >= rows) {
      let cut = at;
      for (let k = rows - have; k > 0; k--) cut = buf.indexOf(10, cut) + 1;
      parts.push(buf.subarray(at, cut));
      n -= rows - have;
      have = rows;
      at = cut;
      yield emit();
    }
    if (at < buf.length) {
      parts.push(buf.subarray(at));
      have += n;
    }
  }
  if (have > 0) yield emit();
}

/** `gzipped`: the batches hold gzip members already (BlockPlan.gzip). */
/** `staging`: the writer's staging buffers, shared with the worker threads (ToFileOptions.staging). */
export async function drain(sink: StageSpec | undefined, batches: AsyncIterable<Batch>, times: StageTimes, batchRows: number, gzipped = false, staging?: SharedArrayBuffer[]): Promise<Drained> {
  if (sink?.type === 'to-file') {
    const format = sink.format ?? outputFormatOf(sink.filename);
    if (format === 'arrow-file' || format === 'arrow-stream') batches = rebatch(batches, batchRows);
    const r = await toFile(sink.filename, batches, { overwrite: sink.overwrite, format: sink.format, gzipped, staging, onTime: (ms) => (times.write += ms) });
    return { rowsOut: r.rows, bytesWritten: r.bytes };
  }
  if (sink?.type === 'collect') {
    const records: Record<string, unknown>[] = [];
    for await (const b of batches) {
      const t = performance.now();
      const text = b.serialized?.toString('utf8') ?? '';
      for (const line of text.split('\n')) if (line) records.push(JSON.parse(line) as Record<string, unknown>);
      times.write += performance.now() - t;
    }
    return { rowsOut: records.length, bytesWritten: 0, records };
  }
  let rowsOut = 0;
  for await (const b of batches) rowsOut += b.serializedRows || b.keptRows();
  return { rowsOut, bytesWritten: 0 };
}
