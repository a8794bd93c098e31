/** Stages, model repository and CLI edge cases: units, bad input policies, overwrite, atomic output, gzip and Arrow round trips. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Pipeline, readModelEntry, parsePbtxt, ModelConfigError, InputError, OutputError, UsageError } from '../src/index.js';
import { abp } from './pipeline-helpers.js';
import { FileWriter } from '../src/stages/file-writer.js';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const REPO = path.join(ROOT, 'test/pipeline-data/models');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'abp-st-'));

/** Runs records (as JSON-lines text) through preprocess + serialize with the given columns. */
async function throughPreprocess(lines: string, columns: string[], rule?: 'morpheus-digits') {
  const dir = tmp();
  const inp = path.join(dir, 'in.jsonlines');
  fs.writeFileSync(inp, lines);
  const warnings: string[] = [];
  const res = await new Pipeline({ logger: { info: () => undefined, warn: (m) => warnings.push(m) } })
    .fromFile(inp).deserialize().preprocess({ columns, rule }).collect().run();
  return { records: res.records!, warnings, res };
}

describe('preprocess: every unit form in the data', () => {
  it('first number, sign and decimals kept; numbers pass; null, N/A and text are missing', async () => {
    const forms: [unknown, number | null][] = [
      ['126.78 W', 126.78], ['-8 C', -8], ['0 KB/s', 0], ['836 KB/s', 836], ['143771 MiB', 143771], ['37 C', 37],
      ['405 MHz', 405], ['0 %', 0], ['3072 bank(s)', 3072], ['0 us', 0], ['16x', 16], ['700.00 W', 700], ['4', 4],
      [12.5, 12.5], [-3, -3], ['N/A', null], [null, null], ['Disabled', null], ['', null], [true, null],
    ];
    const lines = forms.map(([v], i) => JSON.stringify({ id: i, 'nvidia_smi_log.gpu.x': v })).join('\n') + '\n';
    const { records } = await throughPreprocess(lines, ['nvidia_smi_log.gpu.x']);
    expect(records.map((r) => r['nvidia_smi_log.gpu.x'])).toEqual(forms.map(([, e]) => e));
  });

  it("Morpheus' first-digits rule on request", async () => {
    const { records } = await throughPreprocess('{"a": "61.77 W"}\n{"a": "-8 C"}\n', ['a'], 'morpheus-digits');
    expect(records.map((r) => r.a)).toEqual([61, 8]);
  });

  it('an absent feature column is NaN (null) in every row with one warning naming it', async () => {
    const { records, warnings } = await throughPreprocess('{"a": "1 W"}\n{"a": "2 W"}\n{"a": "3 W"}\n', ['a', 'gone.col']);
    expect(records).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    expect(warnings.filter((w) => w.includes("'gone.col'"))).toHaveLength(1);
  });

  it('escaped, nested and reordered records take the slow path with the same result', async () => {
    const lines = ['{"a": "5 W", "s": "q\\"uote", "n": {"x": 1}}', '{"b": 1, "a": "6 W"}', '{"a":"7 W"}'].join('\n');
    const { records } = await throughPreprocess(lines, ['a']);
    expect(records).toEqual([{ a: 5, s: 'q"uote', n: { x: 1 } }, { b: 1, a: 6 }, { a: 7 }]);
  });
});

describe('bad input', () => {
  const bad = '{"a": "1 W"}\n{"a": "2 W"\n{"a": "3 W"}\n\n[1,2]\n{"a": "4 W"}\n';
  it('fail (default): an error naming the file and line', async () => {
    const dir = tmp();
    const f = path.join(dir, 'bad.jsonlines');
    fs.writeFileSync(f, bad);
    const err = await new Pipeline().fromFile(f).deserialize().collect().run().catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain(`${f}:2:`);
    const r = await abp(['run', 'pipeline-fil', 'from-file', `--filename=${f}`, 'deserialize', 'serialize', 'to-file', `--filename=${path.join(dir, 'o.jsonlines')}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}:2: malformed JSON line`);
    expect(fs.existsSync(path.join(dir, 'o.jsonlines'))).toBe(false);
  });
  it('skip: drops malformed lines, keeps order, reports counts', async () => {
    const dir = tmp();
    const f = path.join(dir, 'bad.jsonlines');
    fs.writeFileSync(f, bad);
    const res = await new Pipeline({ onError: 'skip', logger: { info: () => undefined, warn: () => undefined } }).fromFile(f).deserialize().collect().run();
    expect(res.records).toEqual([{ a: '1 W' }, { a: '3 W' }, { a: '4 W' }]);
    expect(res.malformed).toMatchObject({ malformed: 2, skipped: 2, rows: 3 });
  });
  it('quarantine:FILE writes the malformed lines there', async () => {
    const dir = tmp();
    const f = path.join(dir, 'bad.jsonlines');
    const q = path.join(dir, 'q.txt');
    fs.writeFileSync(f, bad);
    const r = await abp(['run', '--on_error', `quarantine:${q}`, 'pipeline-fil', 'from-file', `--filename=${f}`, 'deserialize', 'serialize', 'to-file', `--filename=${path.join(dir, 'o.jsonlines')}`]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(q, 'utf8')).toBe('{"a": "2 W"\n[1,2]\n');
    expect(r.stderr).toContain('2 malformed line(s) written to');
    expect(fs.readFileSync(path.join(dir, 'o.jsonlines'), 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
  });
  it('the byte-level flat-line check sends every malformed form to JSON.parse: each is counted, the rest kept', async () => {
    const bad = ['{"a": 01}', '{"a":1,}', '{"a" "b"}', '{"a":tru}', '{"a": 1.}', '{"a": -}', '{"a": .5}', '{"a":1e}', '{"a":"x\u0001"}',
      '{"a":"tab\there"}', '{"a":1}}', '{"a":1} x', '{"a":"unterminated}', '{"a": [1,}', '{a: 1}', '{"a":1 "b":2}', '{"a":nul}', '{"a":+1}'];
    const good = ['{"a": "1 W"}', ' { "a" : -0.5e+2 , "b":true,"c":null,"d":false } ', '{"a":"\\u00e9 \\"q\\""}', '{}', '{"a":"x"}\r'];
    const lines = [...good, ...bad, ...good];
    const dir = tmp();
    const f = path.join(dir, 'forms.jsonlines');
    fs.writeFileSync(f, lines.join('\n') + '\n');
    const res = await new Pipeline({ onError: 'skip', logger: { info: () => undefined, warn: () => undefined } }).fromFile(f).deserialize().collect().run();
    expect(res.malformed).toMatchObject({ malformed: bad.length, rows: good.length * 2 });
    const want = [...good, ...good].map((l) => JSON.parse(l));
    expect(res.records).toEqual(want);
  });

  it('line checks on worker threads give the same bytes, order and errors as on the main thread', async () => {
    const dir = tmp();
    const f = path.join(dir, 'big.jsonlines');
    const real = zlib.gunzipSync(fs.readFileSync(DATA));
    // Several 1 MiB blocks, slow-path lines and a malformed one in the middle of the stream.
    const odd = '{"a": "q\\"uote", "nvidia_smi_log.gpu.utilization.gpu_util": "7 %"}\n{"broken": \n\n';
    fs.writeFileSync(f, Buffer.concat([real, Buffer.from(odd), real, real]));
    const run = (numThreads: number, out: string, onError = 'skip') =>
      new Pipeline({ numThreads, onError, logger: { info: () => undefined, warn: () => undefined } })
        .fromFile(f).deserialize().preprocess().inference({ modelName: 'dev-xgb', modelRepository: REPO }).addClass().serialize()
        .toFile(path.join(dir, out), { overwrite: true }).run();
    const main = await run(1, 'main.jsonlines');
    const workers = await run(2, 'workers.jsonlines');
    expect(main.threads).toBe(0);
    expect(workers.threads).toBe(2);
    expect(workers.malformed).toEqual(main.malformed);
    expect(main.malformed.malformed).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'workers.jsonlines')).equals(fs.readFileSync(path.join(dir, 'main.jsonlines')))).toBe(true);
    expect(workers.rowsOut).toBe(1020 * 3 + 1);
    const err = await run(2, 'fail.jsonlines', 'fail').catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain(`${f}:1022: malformed JSON line`);
  });

  it('empty input gives empty output and exit 0', async () => {
    const dir = tmp();
    const f = path.join(dir, 'empty.jsonlines');
    fs.writeFileSync(f, '');
    const out = path.join(dir, 'o.jsonlines');
    const r = await abp(['detect', f, out, '--model_name=dev-xgb', `--model_repository=${REPO}`]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('');
    expect(r.stdout).toContain('rows read:    0');
  });
});

describe('output', () => {
  it('refuses to replace a file without --overwrite, and replaces it with', async () => {
    const dir = tmp();
    const out = path.join(dir, 'o.jsonlines');
    fs.writeFileSync(out, 'precious\n');
    const err = await new Pipeline().fromFile(DATA).deserialize().toFile(out).run().catch((e) => e);
    expect(err).toBeInstanceOf(OutputError);
    expect(fs.readFileSync(out, 'utf8')).toBe('precious\n');
    await new Pipeline().fromFile(DATA).deserialize().toFile(out, { overwrite: true }).run();
    expect(fs.readFileSync(out, 'utf8').split('\n').filter(Boolean)).toHaveLength(1020);
  });
  it('atomic: a run that fails midway leaves the old file and no temporary file', async () => {
    const dir = tmp();
    const inp = path.join(dir, 'in.jsonlines');
    const good = '{"a": "1 W"}\n'.repeat(5000);
    fs.writeFileSync(inp, good + 'not json\n');
    const out = path.join(dir, 'o.jsonlines');
    fs.writeFileSync(out, 'good old output\n');
    const err = await new Pipeline({ pipelineBatchSize: 100 }).fromFile(inp).deserialize().toFile(out, { overwrite: true }).run().catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(fs.readFileSync(out, 'utf8')).toBe('good old output\n');
    expect(fs.readdirSync(dir).sort()).toEqual(['in.jsonlines', 'o.jsonlines']);
  });
  it('gzip and Arrow round trips give the same records', async () => {
    const dir = tmp();
    const ref = (await new Pipeline().fromFile(DATA).deserialize().collect().run()).records!;
    for (const ext of ['jsonlines.gz', 'arrow', 'arrows']) {
      const f = path.join(dir, `x.${ext}`);
      await new Pipeline().fromFile(DATA).deserialize().toFile(f).run();
      const back = (await new Pipeline().fromFile(f).deserialize().collect().run()).records!;
      expect(back.length, ext).toBe(ref.length);
      // Arrow is columnar: a column a record lacks comes back as null.
      const dropNull = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null));
      expect(back.map(dropNull), ext).toEqual(ref.map(dropNull));
    }
  });
  it('serialize: include/exclude regexes from the start of the name', async () => {
    const dir = tmp();
    const inp = path.join(dir, 'in.jsonlines');
    fs.writeFileSync(inp, '{"ID": 1, "_ts_x": 2, "IDX": 3, "a_ts_": 4, "keep": "5 W"}\n');
    const def = (await new Pipeline().fromFile(inp).deserialize().serialize().collect().run()).records!;
    expect(def).toEqual([{ IDX: 3, a_ts_: 4, keep: '5 W' }]);
    const inc = (await new Pipeline().fromFile(inp).deserialize().serialize({ include: ['ke', 'I'], exclude: ['^IDX'] }).collect().run()).records!;
    expect(inc).toEqual([{ ID: 1, keep: '5 W' }]);
  });
});

describe('file writer (direct and buffered)', () => {
  // Real bytes of the data, cut into uneven pieces; every size around the block and chunk edges.
  const src = zlib.gunzipSync(fs.readFileSync(DATA));
  const dirs = [os.tmpdir(), ...(fs.existsSync('/dev/shm') ? ['/dev/shm'] : [])];
  for (const dir of dirs) {
    for (const direct of [true, false]) {
      it(`${dir}, direct ${direct}: the file holds exactly the bytes written`, async () => {
        const d = fs.mkdtempSync(path.join(dir, 'abp-fw-'));
        try {
          for (const size of [0, 1, 4095, 4096, 4097, (8 << 20) - 1, 8 << 20, (8 << 20) + 4096 + 7, src.length]) {
            const want = src.subarray(0, size);
            const f = path.join(d, `out-${size}`);
            const w = new FileWriter(f, { direct });
            if (!direct) expect(w.direct).toBe(false);
            for (let at = 0, k = 1; at < size; k++) {
              const n = Math.min(size - at, (k * 977_331) % (3 << 20) + 1);
              await w.write(want.subarray(at, at + n));
              at += n;
            }
            await w.close();
            expect(fs.readFileSync(f).equals(want)).toBe(true);
          }
        } finally {
          fs.rmSync(d, { recursive: true, force: true });
        }
      });
    }
  }
  it('refuses an existing file', () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, 'x'), 'keep');
    expect(() => new FileWriter(path.join(d, 'x'))).toThrow(/EEXIST/);
    expect(fs.readFileSync(path.join(d, 'x'), 'utf8')).toBe('keep');
  });
});

describe('model repository', () => {
  it("reads NVIDIA's abp-nvsmi-xgb config.pbtxt layout", () => {
    const cfg = parsePbtxt(`name: "abp-nvsmi-xgb"\nbackend: "fil"\nmax_batch_size: 32768\ndefault_model_filename: "abp-nvsmi-xgb.bst"\ninput [\n {\n    name: "input__0"\n    data_type: TYPE_FP32\n    dims: [ 29 ]\n  }\n]\ninstance_group [{ kind: KIND_GPU }]\nparameters [\n  {\n    key: "model_type"\n    value: { string_value: "xgboost" }\n  },\n  {\n    key: "output_class"\n    value: { string_value: "true" }\n  }\n]\ndynamic_batching {\n  preferred_batch_size: [ 1, 4, 8 ]\n  max_queue_delay_microseconds: 50000\n}\n`);
    expect(cfg.fields.get('default_model_filename')).toEqual(['abp-nvsmi-xgb.bst']);
    const dir = tmp();
    const m = path.join(dir, 'abp-nvsmi-xgb');
    fs.mkdirSync(path.join(m, '1'), { recursive: true });
    fs.copyFileSync(path.join(REPO, 'dev-xgb-bin/1/xgboost.model'), path.join(m, '1/abp-nvsmi-xgb.bst'));
    fs.writeFileSync(path.join(m, 'config.pbtxt'), fs.readFileSync(path.join(REPO, 'dev-xgb-bin/config.pbtxt'), 'utf8').replace('"dev-xgb-bin"', '"abp-nvsmi-xgb"\ndefault_model_filename: "abp-nvsmi-xgb.bst"'));
    const e = readModelEntry('abp-nvsmi-xgb', dir);
    expect(e.modelFile).toBe(path.join(m, '1/abp-nvsmi-xgb.bst'));
    expect(e.format).toBe('binary');
    expect(e.featureCount).toBe(15);
    expect(e.columns).toBeUndefined();
  });
  it('clear ModelConfigErrors: unknown model, missing file, unknown model_type, column count', () => {
    const dir = tmp();
    fs.cpSync(path.join(REPO, 'dev-xgb'), path.join(dir, 'm'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'm/config.pbtxt'), fs.readFileSync(path.join(dir, 'm/config.pbtxt'), 'utf8').replace('"dev-xgb"', '"m"'));
    expect(readModelEntry('m', dir).columns).toHaveLength(15);
    expect(() => readModelEntry('nope', dir)).toThrow(/model 'nope' not found .*models there: m/);
    fs.appendFileSync(path.join(dir, 'm/columns_fil.txt'), 'extra.col\n');
    expect(() => readModelEntry('m', dir)).toThrow(/lists 16 columns but .* declares 15/);
    fs.writeFileSync(path.join(dir, 'm/config.pbtxt'), fs.readFileSync(path.join(dir, 'm/config.pbtxt'), 'utf8').replace('xgboost_json', 'lightgbm'));
    expect(() => readModelEntry('m', dir)).toThrow(ModelConfigError);
    expect(() => readModelEntry('m', dir)).toThrow(/model_type "lightgbm" is not supported/);
    fs.writeFileSync(path.join(dir, 'm/config.pbtxt'), fs.readFileSync(path.join(dir, 'm/config.pbtxt'), 'utf8').replace('lightgbm', 'xgboost_ubj'));
    expect(() => readModelEntry('m', dir)).toThrow(/xgboost.ubj is missing/);
  });
  it('feature count of config vs model is checked', async () => {
    const dir = tmp();
    fs.cpSync(path.join(REPO, 'dev-xgb'), path.join(dir, 'm'), { recursive: true });
    const cfg = path.join(dir, 'm/config.pbtxt');
    fs.writeFileSync(cfg, fs.readFileSync(cfg, 'utf8').replace('"dev-xgb"', '"m"').replace('dims: [ 15 ]', 'dims: [ 16 ]'));
    fs.appendFileSync(path.join(dir, 'm/columns_fil.txt'), 'extra.col\n');
    const err = await new Pipeline().fromFile(DATA).deserialize().preprocess().inference({ modelName: 'm', modelRepository: dir }).collect().run().catch((e) => e);
    expect(err).toBeInstanceOf(ModelConfigError);
    expect(err.message).toMatch(/takes 15 features but .* declares 16/);
  });
});

describe('CLI usage errors (exit 2)', () => {
  it('missing option, unknown stage, impossible order, unknown option', async () => {
    const base = ['run', 'pipeline-fil', 'from-file', `--filename=${DATA}`, 'deserialize'];
    let r = await abp([...base, 'preprocess', 'inf-triton', 'add-class']);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining("Error: Missing option '--model_name'")]);
    r = await abp([...base, 'frobnicate']);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining("No such command 'frobnicate'")]);
    r = await abp([...base, 'add-class', 'preprocess', 'inf-fil']);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining("'add-class' must come after an inference stage")]);
    r = await abp([...base, 'preprocess', '--bogus=1']);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('No such option: --bogus')]);
    r = await abp(['run', 'pipeline-fil', 'add-class', '--help']);
    expect([r.code, r.stdout]).toEqual([0, expect.stringContaining('--threshold')]);
    expect(new UsageError('X', 'y')).toBeInstanceOf(Error);
  });
});
