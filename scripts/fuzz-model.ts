/**
 * Model fuzzer: mutates real model files (the XGBoost fixtures in test/fixtures
 * and the shipped models/abp-nvsmi-xgb, in legacy binary, JSON and UBJSON) and
 * whole model repositories (config.pbtxt, columns_fil.txt, labels.txt, the
 * model file, the directory layout), loads each through the library and checks
 * that it either loads and predicts, or is refused with a coded AbpError
 * naming what it refused. Anything else (a crash, an uncoded or internal
 * error, a hang) is a failure, printed with the seed and index that replay it.
 *
 *   npx tsx scripts/fuzz-model.ts --seed 1 --count 100000            # files and repositories
 *   npx tsx scripts/fuzz-model.ts --seed 7 --count 5000 --kind repo  # repositories only
 *   --trace prints each mutant before it is loaded (for one that kills the process);
 *   --only N loads just mutant N of the seed's sequence (replays a failure; ABP_FUZZ_DUMP=FILE saves a file mutant's bytes).
 *
 * test/model-hostile.test.ts runs a short seeded run inside `npm test`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ForestModel } from '../src/engine/model.js';
import { AbpError, InternalError } from '../src/errors.js';
import { openModel } from '../src/model-repo/open.js';
import { getFixture, readBytes, readF32 } from '../test/fixtures.js';
import { mulberry32 } from './prng.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export type FuzzKind = 'file' | 'repo';

export interface FuzzOptions {
  seed: number;
  count: number;
  /** Which targets to mutate (default both, alternating). */
  kinds?: FuzzKind[];
  /** Called for each failure as it is found. */
  onFailure?: (f: FuzzFailure) => void;
  /** Load only the mutant of this index (the others are made, to keep the sequence, but not loaded): replays a failure. */
  only?: number;
  /** Called before each mutant is loaded (to find one that kills the process). */
  onMutant?: (index: number, target: string, mutation: string) => void;
}

export interface FuzzFailure {
  index: number;
  target: string;
  mutation: string;
  problem: string;
}

export interface FuzzResult {
  seed: number;
  count: number;
  /** Mutants that loaded and predicted. */
  loaded: number;
  /** Mutants refused with a coded error, by code. */
  rejected: Record<string, number>;
  failures: FuzzFailure[];
  seconds: number;
}

type Rand = { next: () => number; int: (n: number) => number; pick: <T>(a: readonly T[]) => T };
function rng(seed: number): Rand {
  const next = mulberry32(seed);
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: (a) => a[int(a.length)] };
}

type Format = 'binary' | 'json' | 'ubjson';
interface FileSeed {
  name: string;
  format: Format;
  bytes: Uint8Array;
  /** A few rows of real input for predict(), or NaN rows. */
  input: Float32Array;
}

const HUGE = [0xffffffff, 0x7fffffff, 0x80000000, 0x40000000, 0xfffffffe, 0, 1];

/** One byte-level mutation of a model file; returns the mutant and what was done. */
export function mutateBytes(src: Uint8Array, format: Format, r: Rand): { bytes: Uint8Array; what: string } {
  let b = new Uint8Array(src);
  switch (r.int(6)) {
    case 0: {
      const n = 1 + r.int(8);
      for (let k = 0; k < n; k++) b[r.int(b.length)] = r.int(256);
      return { bytes: b, what: `${n} random bytes` };
    }
    case 1: {
      const at = r.int(b.length);
      return { bytes: b.subarray(0, at), what: `truncated at ${at}` };
    }
    case 2: {
      const at = r.int(Math.max(1, b.length - 8));
      const v = r.pick(HUGE);
      new DataView(b.buffer).setUint32(at, v, r.next() < 0.5);
      return { bytes: b, what: `u32 ${v} at ${at}` };
    }
    case 3: {
      // A slice of the file spliced in elsewhere (repeats structure).
      const from = r.int(b.length);
      const len = r.int(Math.min(256, b.length - from));
      const at = r.int(b.length);
      b = new Uint8Array([...b.subarray(0, at), ...b.subarray(from, from + len), ...b.subarray(at)]);
      return { bytes: b, what: `spliced ${len} bytes from ${from} at ${at}` };
    }
    case 4: {
      const at = r.int(b.length);
      if (format === 'json') b[at] = '0123456789-.eE[]{}",:'.charCodeAt(r.int(21));
      else b[at] ^= 1 << r.int(8);
      return { bytes: b, what: `${format === 'json' ? 'JSON character' : 'bit flip'} at ${at}` };
    }
    default: {
      // Numbers in a JSON model replaced with hostile ones (counts, indices, thresholds).
      if (format !== 'json') {
        const at = r.int(Math.max(1, b.length - 8));
        new DataView(b.buffer).setFloat32(at, r.pick([NaN, Infinity, -Infinity, 3.4e38, -0]), true);
        return { bytes: b, what: `f32 at ${at}` };
      }
      const text = Buffer.from(b).toString('latin1');
      const nums = [...text.matchAll(/-?\d+(\.\d+)?([eE][-+]?\d+)?/g)];
      if (nums.length === 0) return { bytes: b, what: 'unchanged' };
      const m = r.pick(nums);
      const v = r.pick(['-1', '0', '2147483647', '2147483648', '-2147483649', '99999999999999999999', '1e400', '1.5', '"7"', 'null', '[]']);
      const out = text.slice(0, m.index) + v + text.slice(m.index! + m[0].length);
      return { bytes: Buffer.from(out, 'latin1'), what: `number at ${m.index} -> ${v}` };
    }
  }
}

/** Lines of a text file mutated: dropped, doubled, changed, or the whole file emptied or garbled. */
function mutateText(text: string, r: Rand, kind: 'pbtxt' | 'list'): { text: string; what: string } {
  const lines = text.split('\n');
  const i = r.int(lines.length);
  switch (r.int(kind === 'pbtxt' ? 9 : 6)) {
    case 0:
      lines.splice(i, 1);
      return { text: lines.join('\n'), what: `line ${i + 1} deleted` };
    case 1:
      lines.splice(i, 0, lines[i]);
      return { text: lines.join('\n'), what: `line ${i + 1} doubled` };
    case 2:
      return { text: '', what: 'emptied' };
    case 3: {
      const junk = r.pick(['\u0000', '\r', '\t', ' ', '#', '\ufeff', 'é', '\u001b[2J', 'x'.repeat(100_000)]);
      lines[i] = lines[i].slice(0, r.int(lines[i].length + 1)) + junk + lines[i].slice(r.int(lines[i].length + 1));
      return { text: lines.join('\n'), what: `junk ${JSON.stringify(junk.slice(0, 8))} in line ${i + 1}` };
    }
    case 4:
      return { text: text.replace(/\n/g, '\r\n'), what: 'CRLF line ends' };
    case 5: {
      const b = mutateBytes(Buffer.from(text, 'latin1'), 'json', r);
      return { text: Buffer.from(b.bytes).toString('latin1'), what: b.what };
    }
    case 6: {
      // Numbers: dims, max_batch_size, counts.
      const nums = [...text.matchAll(/-?\d+(\.\d+)?/g)];
      if (!nums.length) return { text, what: 'unchanged' };
      const m = r.pick(nums);
      const v = r.pick(['0', '-1', '2147483648', '99999999999999999999', '1e400', 'NaN', '0x10', '3.5', '']);
      return { text: text.slice(0, m.index) + v + text.slice(m.index! + m[0].length), what: `number at ${m.index} -> ${JSON.stringify(v)}` };
    }
    case 7: {
      // String values: model_type, output_class, threshold, names, data types.
      const strs = [...text.matchAll(/"[^"\n]*"|TYPE_[A-Z0-9]+|KIND_[A-Z]+/g)];
      if (!strs.length) return { text, what: 'unchanged' };
      const m = r.pick(strs);
      const v = r.pick(['"xgboost"', '"xgboost_json"', '"xgboost_ubj"', '"treelite_checkpoint"', '"lightgbm"', '""', '"true"', '"2.5"', '"NaN"', '"-1"', 'TYPE_STRING', 'TYPE_FP64', '"\\u0000"', '"unterminated']);
      return { text: text.slice(0, m.index) + v + text.slice(m.index! + m[0].length), what: `${m[0]} -> ${v}` };
    }
    default: {
      const deep = r.pick(['{', '[', 'a {', 'a: [']).repeat(20_000 + r.int(100_000));
      return { text: text.slice(0, r.int(text.length)) + deep, what: `${deep.length} bytes of nesting` };
    }
  }
}

interface RepoSeed {
  name: string;
  dir: string;
}

function repoSeeds(): RepoSeed[] {
  const seeds: RepoSeed[] = [{ name: 'abp-nvsmi-xgb', dir: path.join(ROOT, 'models/abp-nvsmi-xgb') }];
  const devRepo = path.join(ROOT, 'test/pipeline-data/models');
  for (const n of ['dev-xgb', 'dev-xgb-bin', 'dev-xgb-ubj']) if (fs.existsSync(path.join(devRepo, n))) seeds.push({ name: n, dir: path.join(devRepo, n) });
  return seeds;
}

function fileSeeds(): FileSeed[] {
  const seeds: FileSeed[] = [];
  for (const name of ['single_tree', 'multi_softmax', 'binary_logitraw', 'stumps', 'reg_squarederror']) {
    const fx = getFixture(name);
    const input = readF32(fx.input).subarray(0, 16 * fx.numFeature);
    for (const format of ['binary', 'json', 'ubjson'] as const) seeds.push({ name, format, bytes: readBytes(fx.files[format]), input });
  }
  // The shipped model, with NaN rows (missing features) as input.
  const shipped = path.join(ROOT, 'models/abp-nvsmi-xgb/1/xgboost.json');
  seeds.push({ name: 'abp-nvsmi-xgb', format: 'json', bytes: fs.readFileSync(shipped), input: new Float32Array(4 * 5).fill(NaN) });
  return seeds;
}

function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

/** One mutation of a repository entry at `entry` (a copy of a real one). */
function mutateRepo(entry: string, r: Rand): string {
  const versions = fs.readdirSync(entry).filter((n) => /^\d+$/.test(n));
  const modelDir = path.join(entry, versions[0] ?? '1');
  const modelFile = fs.existsSync(modelDir) ? fs.readdirSync(modelDir).map((n) => path.join(modelDir, n))[0] : undefined;
  const pick = r.int(10);
  const edit = (file: string, kind: 'pbtxt' | 'list') => {
    const m = mutateText(fs.existsSync(file) ? fs.readFileSync(file, 'latin1') : '', r, kind);
    fs.writeFileSync(file, Buffer.from(m.text, 'latin1'));
    return `${path.basename(file)}: ${m.what}`;
  };
  switch (pick) {
    case 0:
    case 1:
    case 2:
      return edit(path.join(entry, 'config.pbtxt'), 'pbtxt');
    case 3:
      return edit(path.join(entry, 'columns_fil.txt'), 'list');
    case 4:
      return edit(path.join(entry, 'labels.txt'), 'list');
    case 5:
    case 6: {
      if (!modelFile) return 'no model file';
      const fmt: Format = modelFile.endsWith('.json') ? 'json' : modelFile.endsWith('.ubj') ? 'ubjson' : 'binary';
      const m = mutateBytes(fs.readFileSync(modelFile), fmt, r);
      fs.writeFileSync(modelFile, m.bytes);
      return `${path.basename(modelFile)}: ${m.what}`;
    }
    case 7: {
      const victim = r.pick(['config.pbtxt', 'columns_fil.txt', 'labels.txt', path.relative(entry, modelFile ?? modelDir), path.relative(entry, modelDir)]);
      fs.rmSync(path.join(entry, victim), { recursive: true, force: true });
      return `${victim} removed`;
    }
    case 8: {
      const victim = r.pick(['config.pbtxt', 'columns_fil.txt', 'labels.txt', path.relative(entry, modelFile ?? modelDir)]);
      fs.rmSync(path.join(entry, victim), { recursive: true, force: true });
      fs.mkdirSync(path.join(entry, victim));
      return `${victim} replaced by a directory`;
    }
    default: {
      const victim = r.pick(['config.pbtxt', 'columns_fil.txt', path.relative(entry, modelFile ?? modelDir)]);
      const target = path.join(entry, victim);
      fs.rmSync(target, { recursive: true, force: true });
      if (r.next() < 0.5) {
        fs.symlinkSync(target, target); // a link to itself: ELOOP
        return `${victim} a symbolic link to itself`;
      }
      fs.symlinkSync('/dev/zero', target);
      return `${victim} a link to /dev/zero`;
    }
  }
}

/** What a refusal must look like: a coded AbpError (not an internal one) with a message. */
function refusalProblem(err: unknown): string | undefined {
  if (!(err instanceof AbpError)) return `not an AbpError: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  if (err instanceof InternalError) return `internal error ${err.code}: ${err.message}`;
  if (!/^ABP_[A-Z_]+$/.test(err.code)) return `bad code ${err.code}`;
  if (!err.message) return 'empty message';
  return undefined;
}

const LOAD_LIMIT_MS = 10_000;
/** Widest model predicted on NaN rows (a wider one is only loaded). */
const MAX_PREDICT_FEATURES = 1 << 20;

/** Runs `count` mutants from `seed`; never throws for a mutant, reports it. */
export async function fuzzModels(opts: FuzzOptions): Promise<FuzzResult> {
  const t0 = performance.now();
  const r = rng(opts.seed);
  const kinds = opts.kinds ?? ['file', 'repo'];
  const files = kinds.includes('file') ? fileSeeds() : [];
  const repos = kinds.includes('repo') ? repoSeeds() : [];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-fuzz-model-'));
  const res: FuzzResult = { seed: opts.seed, count: opts.count, loaded: 0, rejected: {}, failures: [], seconds: 0 };
  const fail = (f: FuzzFailure) => {
    res.failures.push(f);
    opts.onFailure?.(f);
  };
  try {
    let lastBytes: Uint8Array | undefined;
    for (let i = 0; i < opts.count; i++) {
      const kind = kinds[i % kinds.length];
      let target: string;
      let mutation: string;
      let attempt: () => Promise<void>;
      if (kind === 'file') {
        const s = files[i % files.length];
        const m = mutateBytes(s.bytes, s.format, r);
        lastBytes = m.bytes;
        const name = `fuzz/${opts.seed}/${i}-${s.name}.${s.format}`;
        const format = r.next() < 0.5 ? 'auto' : s.format;
        target = name;
        mutation = m.what;
        attempt = async () => {
          const model = await ForestModel.fromBytes(m.bytes, { format, name });
          try {
            const rows = s.input.length / model.numFeature;
            // A mutated header may claim billions of features (valid: the trees use few); rows of that width are the caller's memory, not the loader's.
            if (!Number.isInteger(rows) && model.numFeature > MAX_PREDICT_FEATURES) return;
            const input = Number.isInteger(rows) ? s.input : new Float32Array(model.numFeature * 2).fill(NaN);
            const out = await model.predict(input, input.length / model.numFeature);
            if (out.length !== (input.length / model.numFeature) * model.info.numOutput) throw new Error(`predict returned ${out.length} values`);
          } finally {
            model.dispose();
          }
        };
      } else {
        const s = repos[i % repos.length];
        const repo = path.join(work, `r${i}`);
        copyDir(s.dir, path.join(repo, s.name));
        mutation = mutateRepo(path.join(repo, s.name), r);
        target = `${s.name} (${mutation})`;
        attempt = async () => {
          const m = await openModel(s.name, { repository: repo, engineOptions: { device: 'cpu' } });
          try {
            const input = new Float32Array(m.numFeature * 3).fill(NaN);
            const out = await m.forest.predict(input, 3);
            if (out.length !== 3 * m.numGroup && out.length !== 3 * (m.forest.info.numOutput ?? 1)) throw new Error(`predict returned ${out.length} values`);
          } finally {
            m.forest.dispose();
            fs.rmSync(repo, { recursive: true, force: true });
          }
        };
      }
      if (opts.only !== undefined && i !== opts.only) {
        if (kind === 'repo') fs.rmSync(path.join(work, `r${i}`), { recursive: true, force: true });
        if (i > opts.only) break;
        continue;
      }
      opts.onMutant?.(i, target, mutation);
      if (kind === 'file' && process.env.ABP_FUZZ_DUMP) fs.writeFileSync(process.env.ABP_FUZZ_DUMP, lastBytes!);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          attempt(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer in ${LOAD_LIMIT_MS} ms`)), LOAD_LIMIT_MS);
          }),
        ]);
        res.loaded++;
      } catch (err) {
        let problem = refusalProblem(err);
        // A model loaded from bytes is named in its errors by the name it was given.
        if (!problem && kind === 'file' && !(err as AbpError).message.includes(target)) problem = `message does not name ${target}: ${(err as AbpError).message}`;
        if (problem) fail({ index: i, target, mutation, problem });
        else res.rejected[(err as AbpError).code] = (res.rejected[(err as AbpError).code] ?? 0) + 1;
      } finally {
        clearTimeout(timer);
        if (kind === 'repo') fs.rmSync(path.join(work, `r${i}`), { recursive: true, force: true });
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  res.seconds = (performance.now() - t0) / 1000;
  return res;
}

async function main(argv: string[]): Promise<number> {
  const arg = (name: string, def: string) => {
    const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i === -1) return def;
    return argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : (argv[i + 1] ?? def);
  };
  const seed = Number(arg('seed', String(Date.now() % 1_000_000)));
  const count = Number(arg('count', '10000'));
  const kind = arg('kind', 'both');
  const only = argv.some((a) => a.startsWith('--only')) ? Number(arg('only', '')) : undefined;
  if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 0 || !['both', 'file', 'repo'].includes(kind)) {
    process.stderr.write('usage: npx tsx scripts/fuzz-model.ts [--seed N] [--count N] [--kind both|file|repo]\n');
    return 2;
  }
  process.stdout.write(`fuzz-model: seed ${seed}, ${count} mutants (${kind})\n`);
  const res = await fuzzModels({
    seed,
    count,
    kinds: kind === 'both' ? ['file', 'repo'] : [kind as FuzzKind],
    only,
    onFailure: (f) => process.stdout.write(`FAIL #${f.index} ${f.target}: ${f.mutation}: ${f.problem}\n`),
    onMutant: argv.includes('--trace') ? (i, t, m) => process.stderr.write(`#${i} ${t}: ${m}\n`) : undefined,
  });
  const codes = Object.entries(res.rejected).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ');
  process.stdout.write(`loaded ${res.loaded}, refused ${Object.values(res.rejected).reduce((a, b) => a + b, 0)} (${codes}), failures ${res.failures.length}, ${res.seconds.toFixed(1)} s\n`);
  return res.failures.length ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
