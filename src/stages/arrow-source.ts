/**
 * from-file's Arrow IPC reader (apache-arrow, loaded on first use): record
 * batches become blocks of plain records, values as JSON would carry them.
 */
import type { Readable } from 'node:stream';
import { InputError } from '../errors.js';
import type { RecordBlock } from './batch.js';

/** An Arrow value as a plain one: 64-bit integers as numbers, dates as epoch milliseconds, nested values by their toJSON. */
function plainValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  if (v !== null && typeof v === 'object') {
    const j = (v as { toJSON?: () => unknown }).toJSON;
    if (typeof j === 'function') return j.call(v);
  }
  return v;
}

/** Each record batch of an Arrow IPC file or stream as a block of plain records (columns by name). */
export async function* arrowBlocks(stream: Readable, source: string): AsyncGenerator<RecordBlock> {
  const { RecordBatchReader } = await import('apache-arrow');
  let reader;
  try {
    reader = await RecordBatchReader.from(stream as unknown as AsyncIterable<Uint8Array>);
  } catch (err) {
    throw new InputError('ABP_INPUT_ARROW', `${source}: not an Arrow IPC file or stream: ${(err as Error).message}`, { file: source });
  }
  for await (const rb of reader) {
    const names = rb.schema.fields.map((f) => f.name);
    const cols = names.map((_, i) => rb.getChildAt(i));
    const records: Record<string, unknown>[] = new Array(rb.numRows);
    for (let r = 0; r < rb.numRows; r++) {
      const o: Record<string, unknown> = {};
      for (let c = 0; c < names.length; c++) {
        const v = cols[c]?.get(r);
        o[names[c]] = v === undefined ? null : plainValue(v);
      }
      records[r] = o;
    }
    yield { kind: 'records', records, source };
  }
}
