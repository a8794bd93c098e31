/**
 * Input fuzzer: mutates real telemetry records (data/nvsmi-h200-train.jsonlines.gz)
 * as an attacker would (broken syntax, bytes flipped, control and invalid UTF-8
 * bytes, escapes, duplicate keys, deep nesting, huge numbers and lines, lines
 * joined and split, blank lines, gzip) and runs each input file through the
 * whole pipeline under every --on_error mode. Each run must:
 *   - end (no hang: a time limit per run) without a crash: it succeeds, or under
 *     fail stops with an InputError naming the file and the first bad line;
 *   - account for every line exactly: lines = rows + skipped (or quarantined) +
 *     blank lines, rows written = rows read; the quarantine file holds exactly
 *     the bad lines, and the fail run names the first of them;
 *   - write only valid JSON objects, each with its verdict, and the same bytes
 *     under skip and quarantine; under fail, no output file at all.
 *
 *   npx tsx scripts/fuzz-input.ts [--seed=1] [--count=2000] [--per_run=8] [--scan_threads=0]
 *       [--model=abp-nvsmi-xgb] [--repository=DIR] [--keep]
 *
 * --count mutated lines in all, --per_run of them per input file (mixed with
 * as many real lines). --scan_threads=2 checks lines on worker threads (the
 * plain-file reader then reads into blocks of its own). A failure prints the seed, the run and what broke, keeps
 * its input file, and exits 1. A short run is part of `npm test`
 * (test/fuzz-input.test.ts).
 */
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InputError, Pipeline, openModel, type LoadedModel, type RunResult } from '../src/index.js';
import { mulberry32 } from './prng.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface FuzzOptions {
  seed: number;
  /** Mutated lines in all. */
  count: number;
  /** Mutated lines per input file. */
  perRun?: number;
  model?: string;
  repository?: string;
  /** Line limit given to the pipeline (small, so overlong lines stay cheap). */
  maxLineBytes?: number;
  /** Time limit of one pipeline run, ms. */
  runTimeoutMs?: number;
  /** Line-check worker threads (0: the main thread; 2+: plain files are read into owned blocks checked on workers). */
  scanThreads?: number;
  /** Keep the work directory. */
  keep?: boolean;
  log?: (m: string) => void;
}

export interface FuzzReport {
  seed: number;
  runs: number;
  mutated: number;
  lines: number;
  badLines: number;
  rowsWritten: number;
  seconds: number;
  /** Mutations used, by name. */
  kinds: Record<string, number>;
  failures: string[];
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

/** Byte offsets just after each '": ' of a flat record (value starts), and of each key's opening quote. */
function spots(line: Buffer): { values: number[]; keys: number[] } {
  const values: number[] = [];
  const keys: number[] = [];
  for (let i = line.indexOf('": '); i !== -1; i = line.indexOf('": ', i + 1)) values.push(i + 3);
  for (let i = line.indexOf(', "'); i !== -1; i = line.indexOf(', "', i + 1)) keys.push(i + 2);
  return { values, keys };
}

const splice = (b: Buffer, at: number, del: number, ins: Buffer | string) =>
  Buffer.concat([b.subarray(0, at), typeof ins === 'string' ? Buffer.from(ins, 'latin1') : ins, b.subarray(at + del)]);

/** End of the JSON value starting at i in a flat record (a string or a bare token). */
function flatValueEnd(b: Buffer, i: number): number {
  if (b[i] === 34) return b.indexOf(34, i + 1) + 1;
  let j = i;
  while (j < b.length && b[j] !== 44 && b[j] !== 125) j++;
  return j;
}

/** The mutations: each takes a real record's bytes and returns hostile bytes (possibly several lines). */
const MUTATIONS: Record<string, (b: Buffer, r: Rand, o: { maxLineBytes: number; other: Buffer }) => Buffer> = {
  flipByte: (b, r) => {
    const c = Buffer.from(b);
    c[int(r, c.length)] ^= 1 << int(r, 8);
    return c;
  },
  randomBytes: (b, r) => {
    const c = Buffer.from(b);
    for (let k = 1 + int(r, 8); k > 0; k--) c[int(r, c.length)] = int(r, 256);
    return c;
  },
  controlByte: (b, r) => splice(b, pick(r, spots(b).values) + 1, 0, String.fromCharCode(pick(r, [0, 1, 7, 8, 9, 11, 12, 13, 27, 31, 127]))),
  invalidUtf8: (b, r) => splice(b, pick(r, spots(b).values) + 1, 0, Buffer.from(pick(r, [[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]))),
  truncate: (b, r) => b.subarray(0, int(r, b.length)),
  dropByte: (b, r) => splice(b, int(r, b.length), 1, ''),
  dropBrace: (b, r) => (r() < 0.5 ? b.subarray(1) : b.subarray(0, b.length - 1)),
  trailingJunk: (b, r) => Buffer.concat([b, Buffer.from(pick(r, [',', ' x', '}', ' {}', '\r', '\t ', ' null']))]),
  notObject: (_b, r) => Buffer.from(pick(r, ['[]', '[1,2]', 'null', '42', '"text"', 'true', '{', '}', '{"a"}', '{"a":}', '{,}', '{"a":1,}'])),
  escapeInString: (b, r) => splice(b, pick(r, spots(b).values) + 1, 0, pick(r, ['\\"', '\\\\', '\\u00e9', '\\n', '\\ud800', '\\udc00\\ud800', '\\u0000', '\\/', '\\x', '\\u12'])),
  escapedKey: (b, r) => splice(b, pick(r, spots(b).keys) + 1, 0, pick(r, ['\\u006e', 'x\\"y', '\\\\'])),
  duplicateKey: (b, r) => {
    const { values, keys } = spots(b);
    const k = int(r, keys.length);
    const keyEnd = values.find((v) => v > keys[k])!;
    const pair = b.subarray(keys[k], flatValueEnd(b, keyEnd));
    const at = r() < 0.5 ? 1 : b.length - 1;
    return splice(b, at, 0, at === 1 ? Buffer.concat([pair, Buffer.from(', ')]) : Buffer.concat([Buffer.from(', '), pair]));
  },
  otherRecordsFields: (b, _r, o) => Buffer.concat([b.subarray(0, b.length - 1), Buffer.from(', '), o.other.subarray(1)]),
  valueToNested: (b, r) => {
    const at = pick(r, spots(b).values);
    return splice(b, at, flatValueEnd(b, at) - at, pick(r, ['{"x": [1, {"y": null}]}', '[]', '{}', '[1.0, "a\\"b", -0]', '{"1": 2, "a": {"b": {"c": []}}}']));
  },
  deepNesting: (b, r) => {
    const d = pick(r, [200, 255, 256, 257, 1000, 5000, 100_000]);
    const at = pick(r, spots(b).values);
    return splice(b, at, flatValueEnd(b, at) - at, `${'['.repeat(d)}${']'.repeat(d)}`);
  },
  numbers: (b, r) => {
    const at = pick(r, spots(b).values);
    return splice(b, at, flatValueEnd(b, at) - at, pick(r, ['12345678901234567890', '1.0', '-0', '1e400', '-1e-400', '0.1e1', '1E+2', '01', '.5', '1.', '-', 'NaN', 'Infinity', '0x10', '+1']));
  },
  literals: (b, r) => {
    const at = pick(r, spots(b).values);
    return splice(b, at, flatValueEnd(b, at) - at, pick(r, ['true', 'false', 'null', 'tru', 'nul', 'True', 'undefined', '""', '" "']));
  },
  integerKeys: (b, r) => splice(b, 1, 0, pick(r, ['"10": 1, "2": "x", ', '"0": null, ', '"4294967295": 1, "-1": 2, '])),
  whitespace: (b, r) => {
    const at = pick(r, spots(b).values) - 1;
    return splice(b, at, 1, pick(r, ['', '  ', '\t', '\r', ' \r\t ', '\f', '\v', '\u00a0']));
  },
  splitLine: (b, r) => splice(b, int(r, b.length), 0, pick(r, ['\n', '\r\n', '\n\n'])),
  joinLines: (b, _r, o) => Buffer.concat([b, o.other]),
  blankLines: (_b, r) => Buffer.from(pick(r, ['', ' ', '\t', '\r', '  \r', '\n', ' \n\t'])),
  bom: (b) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]),
  longString: (b, r, o) => {
    const n = pick(r, [o.maxLineBytes - b.length - 16, o.maxLineBytes, o.maxLineBytes * 3]);
    const at = pick(r, spots(b).values);
    return splice(b, at, flatValueEnd(b, at) - at, `"${'z'.repeat(Math.max(0, n))}"`);
  },
  longNoNewline: (_b, r, o) => Buffer.alloc(o.maxLineBytes * pick(r, [2, 5]), pick(r, [0, 0x20, 0x7b, 0x61])),
  emptyObject: (_b, r) => Buffer.from(pick(r, ['{}', ' { } ', '{"": ""}', '{"":1,"":2}'])),
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);

/** The lines the deserializer will see in `file` bytes (split on '\n', a leading BOM dropped). */
function linesOf(bytes: Buffer, bom = true): Buffer[] {
  let b = bytes;
  if (bom && b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
  const out: Buffer[] = [];
  let p = 0;
  while (p < b.length) {
    let e = b.indexOf(10, p);
    if (e === -1) e = b.length;
    out.push(b.subarray(p, e));
    p = e + 1;
  }
  return out;
}

const isBlank = (l: Buffer) => l.every((c) => c === 32 || c === 9 || c === 13);

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, rej) => (timer = setTimeout(() => rej(new Error(`HANG: ${what} still running after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export async function fuzzInput(o: FuzzOptions): Promise<FuzzReport> {
  const log = o.log ?? (() => undefined);
  const perRun = o.perRun ?? 8;
  const maxLineBytes = o.maxLineBytes ?? 64 << 10;
  const runTimeoutMs = o.runTimeoutMs ?? 30_000;
  const r = mulberry32(o.seed);
  const real = linesOf(zlib.gunzipSync(fs.readFileSync(path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz')))).filter((l) => l.length > 0);
  const modelName = o.model ?? (o.repository ? undefined : 'dev-xgb');
  const repository = o.repository ?? (o.model ? undefined : path.join(ROOT, 'test/pipeline-data/models'));
  const model: LoadedModel = await openModel(modelName ?? 'abp-nvsmi-xgb', { repository });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-fuzz-'));
  const t0 = performance.now();
  const rep: FuzzReport = { seed: o.seed, runs: 0, mutated: 0, lines: 0, badLines: 0, rowsWritten: 0, seconds: 0, kinds: {}, failures: [] };
  const quiet = { info: () => undefined, warn: () => undefined };
  try {
    for (let run = 0; rep.mutated < o.count && rep.failures.length === 0; run++) {
      // One input file: real lines with mutated ones among them.
      const parts: Buffer[] = [];
      const n = Math.min(perRun, o.count - rep.mutated);
      for (let k = 0; k < n; k++) {
        parts.push(pick(r, real));
        const kind = pick(r, MUTATION_NAMES);
        rep.kinds[kind] = (rep.kinds[kind] ?? 0) + 1;
        parts.push(MUTATIONS[kind](pick(r, real), r, { maxLineBytes, other: pick(r, real) }));
      }
      parts.push(pick(r, real));
      const bytes = Buffer.concat(parts.flatMap((p) => [p, Buffer.from('\n')]).slice(0, r() < 0.2 ? -1 : undefined));
      const gz = r() < 0.25;
      const input = path.join(dir, `run-${run}.jsonlines${gz ? '.gz' : ''}`);
      fs.writeFileSync(input, gz ? zlib.gzipSync(bytes) : bytes);
      rep.mutated += n;
      rep.runs++;
      const lines = linesOf(bytes);
      const blanks = lines.filter((l) => l.length <= maxLineBytes && isBlank(l)).length;
      rep.lines += lines.length;
      const fail = (m: string) => rep.failures.push(`seed ${o.seed}, run ${run} (${input}): ${m}`);
      const pipe = (onError: string, out: string) =>
        withTimeout(
          new Pipeline({ onError, logger: quiet, maxLineBytes, numThreads: o.scanThreads || 1 })
            .fromFile(input).deserialize().preprocess().inference({ model }).addClass().serialize().toFile(out).run(),
          runTimeoutMs,
          `on_error=${onError}`,
        );
      const outputs: Record<string, Buffer> = {};
      let bad = -1;
      for (const mode of ['skip', 'quarantine']) {
        const out = path.join(dir, `out-${run}-${mode}.jsonlines`);
        const q = path.join(dir, `q-${run}.jsonlines`);
        let res: RunResult;
        try {
          res = await pipe(mode === 'skip' ? 'skip' : `quarantine:${q}`, out);
        } catch (err) {
          fail(`on_error=${mode} threw ${(err as Error).stack ?? err}`);
          break;
        }
        const c = res.malformed;
        const dropped = mode === 'skip' ? c.skipped : c.quarantined;
        if (c.lines !== lines.length) fail(`on_error=${mode}: ${c.lines} lines counted, the file has ${lines.length}`);
        if (c.rows + dropped + blanks !== lines.length) fail(`on_error=${mode}: rows ${c.rows} + ${mode === 'skip' ? 'skipped' : 'quarantined'} ${dropped} + blank ${blanks} != lines ${lines.length}`);
        if (c.malformed !== dropped) fail(`on_error=${mode}: malformed ${c.malformed} but ${dropped} dropped`);
        if (res.rowsOut !== c.rows) fail(`on_error=${mode}: ${c.rows} rows read, ${res.rowsOut} written`);
        const written = fs.existsSync(out) ? fs.readFileSync(out) : Buffer.alloc(0);
        const outLines = linesOf(written, false);
        if (outLines.length !== res.rowsOut) fail(`on_error=${mode}: the output holds ${outLines.length} lines, ${res.rowsOut} reported`);
        outLines.forEach((l, i) => {
          let v: unknown;
          try {
            v = JSON.parse(l.toString('utf8'));
          } catch (err) {
            return fail(`on_error=${mode}: output line ${i + 1} is not JSON (${(err as Error).message}): ${l.toString('latin1').slice(0, 200)}`);
          }
          if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as Record<string, unknown>).mining !== 'boolean') {
            fail(`on_error=${mode}: output line ${i + 1} is not a record with its verdict: ${l.toString('latin1').slice(0, 200)}`);
          }
        });
        outputs[mode] = written;
        if (mode === 'quarantine') {
          const ql = fs.existsSync(q) ? linesOf(fs.readFileSync(q), false) : [];
          if (ql.length !== c.quarantined) fail(`quarantine file holds ${ql.length} lines, ${c.quarantined} reported`);
          // The quarantined lines are the input's bad lines, in order: find the first one's number.
          if (ql.length > 0) bad = lines.findIndex((l) => l.equals(ql[0])) + 1;
          if (ql.length > 0 && bad === 0) fail(`the first quarantined line is not a line of the input`);
        }
        rep.rowsWritten += res.rowsOut;
        if (mode === 'skip') rep.badLines += c.skipped;
      }
      if (rep.failures.length) break;
      if (!outputs.skip.equals(outputs.quarantine)) fail('skip and quarantine wrote different output');
      // fail: stops at the first bad line, by number, with no output file; or succeeds when there is none.
      const out = path.join(dir, `out-${run}-fail.jsonlines`);
      try {
        const res = await pipe('fail', out);
        if (bad !== -1) fail(`on_error=fail succeeded although line ${bad} is bad`);
        if (!fs.readFileSync(out).equals(outputs.skip)) fail('on_error=fail wrote other output than skip on an input with no bad line');
        if (res.malformed.malformed !== 0) fail('on_error=fail counted malformed lines yet succeeded');
      } catch (err) {
        if (!(err instanceof InputError)) fail(`on_error=fail threw ${(err as Error).stack ?? err}`);
        else if (bad === -1) fail(`on_error=fail stopped (${err.message}) on an input that skip read whole`);
        else if (err.line !== bad || !err.message.includes(`:${bad}: `)) fail(`on_error=fail named line ${err.line} (${err.message.slice(0, 200)}); the first bad line is ${bad}`);
        if (fs.existsSync(out)) fail('on_error=fail left an output file');
      }
      if (rep.failures.length === 0 && !o.keep) for (const f of fs.readdirSync(dir)) if (f.includes(`-${run}.`) || f.includes(`-${run}-`)) fs.rmSync(path.join(dir, f), { force: true });
      if (run % 50 === 49) log(`${rep.mutated} mutated lines, ${rep.runs} runs, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    model.forest.dispose();
    if (rep.failures.length === 0 && !o.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
  rep.seconds = (performance.now() - t0) / 1000;
  return rep;
}

async function main(): Promise<void> {
  // parseArgs: `--seed 9` and `--seed=9` both work, and a mistyped option is an error, not a silent default.
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      count: { type: 'string' },
      per_run: { type: 'string' },
      scan_threads: { type: 'string' },
      model: { type: 'string' },
      repository: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const num = (k: keyof typeof values, d: number) => {
    const v = values[k];
    if (v === undefined) return d;
    const n = Number(v);
    if (typeof v !== 'string' || !Number.isInteger(n) || n < 0) throw new Error(`--${k} must be a whole number, got '${String(v)}'`);
    return n;
  };
  const rep = await fuzzInput({
    seed: num('seed', 1),
    count: num('count', 2000),
    perRun: num('per_run', 8) || 1,
    scanThreads: num('scan_threads', 0),
    model: values.model,
    repository: values.repository,
    keep: values.keep ?? false,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  console.log(
    `seed ${rep.seed}: ${rep.mutated} mutated lines in ${rep.runs} input files (${rep.lines} lines), ${rep.badLines} bad lines, ` +
      `${rep.rowsWritten} rows written, 3 on_error modes, ${rep.seconds.toFixed(1)} s`,
  );
  console.log(`mutations: ${Object.entries(rep.kinds).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (rep.failures.length) {
    for (const f of rep.failures) console.log(`FAIL ${f}`);
    process.exitCode = 1;
  } else {
    console.log('no crash, no hang, every line accounted for, every output line a JSON record');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
