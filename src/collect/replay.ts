/**
 * Recorded telemetry (JSON lines, plain or gzipped, from a file or stdin)
 * replayed as ticks: consecutive records sharing a `timestamp` are one tick,
 * as `abp collect` and capture.py write them.
 */
import { open } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.js';
import type { Tick } from './collector.js';
import type { NvsmiRecord } from './flatten.js';

/** Decoded text of `input`, gunzipped when it starts with the gzip magic. */
async function* textOf(input: Readable): AsyncGenerator<string> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await it.next();
  if (first.done) return;
  const head = Buffer.isBuffer(first.value) ? first.value : Buffer.from(first.value);
  const body = Readable.from((async function* () {
    yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })(), { objectMode: false });
  const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const stream: Readable = gz ? pipeline(body, createGunzip(), () => undefined) : body;
  const decoder = new StringDecoder('utf8');
  for await (const chunk of stream) yield decoder.write(chunk as Buffer);
  const tail = decoder.end();
  if (tail) yield tail;
}

/** Lines of `input` without their terminators (a final line without newline included). */
async function* linesOf(input: Readable): AsyncGenerator<string> {
  let pending = '';
  for await (const text of textOf(input)) {
    pending += text;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      yield line.endsWith('\r') ? line.slice(0, -1) : line;
    }
  }
  if (pending !== '') yield pending;
}

export interface ReplayOptions {
  /** Used for stdin (`-`); default process.stdin. */
  stdin?: Readable;
}

/** Records of a JSON-lines file (`-` = stdin), with their line numbers. */
export async function* readRecords(path: string, opts: ReplayOptions = {}): AsyncGenerator<{ record: NvsmiRecord; line: number }> {
  const name = path === '-' ? 'stdin' : path;
  let raw: Readable;
  if (path === '-') {
    raw = opts.stdin ?? process.stdin;
  } else {
    try {
      raw = (await open(path, 'r')).createReadStream();
    } catch (err) {
      throw new InputError('ABP_INPUT_OPEN', `${name}: ${(err as Error).message}`, { file: name }, { cause: err });
    }
  }
  let n = 0;
  try {
    for await (const text of linesOf(raw)) {
      n++;
      if (text.trim() === '') continue;
      let rec: unknown;
      try {
        rec = JSON.parse(text);
      } catch (err) {
        throw new InputError('ABP_INPUT_JSON', `${name}:${n}: not a JSON object: ${(err as Error).message}`, { file: name, line: n }, { cause: err });
      }
      if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
        throw new InputError('ABP_INPUT_JSON', `${name}:${n}: not a JSON object`, { file: name, line: n });
      }
      yield { record: rec as NvsmiRecord, line: n };
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError('ABP_INPUT_READ', `${name}: ${(err as Error).message}`, { file: name, line: n }, { cause: err });
  } finally {
    if (path !== '-') raw.destroy();
  }
}

/** Ticks of recorded telemetry: one per run of records with the same `timestamp`. */
export async function* replayTicks(path: string, opts: ReplayOptions = {}): AsyncGenerator<Tick> {
  const name = path === '-' ? 'stdin' : path;
  let index = 0;
  let current: Tick | null = null;
  for await (const { record, line } of readRecords(path, opts)) {
    const ts = record.timestamp;
    if (typeof ts !== 'number' || !Number.isFinite(ts)) {
      throw new InputError('ABP_INPUT_FIELD', `${name}:${line}: field "timestamp" must be epoch seconds (a number), got ${JSON.stringify(ts)}`, { file: name, line, field: 'timestamp' });
    }
    if (current && current.timestamp === ts) {
      current.records.push(record);
      continue;
    }
    if (current) yield current;
    current = { index: index++, timestamp: ts, records: [record] };
  }
  if (current) yield current;
}

/**
 * Replays ticks at their recorded pace divided by `speed` (2 = twice as fast);
 * `speed` 0 or Infinity passes them through at once. Aborting ends it cleanly.
 */
export async function* paceTicks(ticks: AsyncIterable<Tick>, speed: number, signal?: AbortSignal): AsyncGenerator<Tick> {
  let prev: number | null = null;
  for await (const t of ticks) {
    if (signal?.aborted) return;
    if (prev !== null && speed > 0 && Number.isFinite(speed)) {
      const ms = ((t.timestamp - prev) * 1000) / speed;
      if (ms > 0) {
        try {
          await sleep(ms, undefined, { signal });
        } catch {
          return;
        }
      }
    }
    prev = t.timestamp;
    yield t;
  }
}
