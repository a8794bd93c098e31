/**
 * Work by block: the per-block function on its own (no threads), and whole
 * runs on 1, 2 and 8 threads giving the same bytes, counts and errors on the
 * real telemetry with bad lines, plain and gzip.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError, Pipeline, openModel } from '../src/index.js';
import { BlockWork, type BlockDone } from '../src/pipeline/parallel/block-work.js';
import { planStages } from '../src/pipeline/stage-plan.js';
import { Batch } from '../src/stages/batch.js';
import { Inferencer } from '../src/stages/inference.js';
import type { StageSpec } from '../src/pipeline/types.js';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const REPO = path.join(ROOT, 'test/pipeline-data/models');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'abp-par-'));
const quiet = { info: () => undefined, warn: () => undefined };
const real = zlib.gunzipSync(fs.readFileSync(DATA));

/** Real records with, between copies, a slow-path line, a malformed one, a blank one and a record lacking a feature column. */
function oddInput(copies: number): Buffer {
  const odd = Buffer.from('{"a": "q\\"uote", "nvidia_smi_log.gpu.utilization.gpu_util": "7 %"}\n{"broken": \n\n{"hostname": "h"}\n');
  const parts: Buffer[] = [];
  for (let i = 0; i < copies; i++) parts.push(real, odd);
  return Buffer.concat(parts);
}

describe('BlockWork: one block, no threads', () => {
  it('begin → engine → finish gives the same bytes as a whole run, and a block split in two gives the same bytes in two parts', async () => {
    const model = await openModel('dev-xgb', { repository: REPO });
    try {
      const stages: StageSpec[] = [{ type: 'deserialize' }, { type: 'preprocess' }, { type: 'inference' }, { type: 'add-class' }, { type: 'summary' }, { type: 'serialize' }];
      const { plan } = planStages(stages, model, model.entry.labels ?? ['mining'], { kind: 'quarantine', file: '-' }, {});
      const input = oddInput(1);
      const run = async (work: BlockWork, id: number, buf: Buffer): Promise<BlockDone> => {
        const r = work.begin(id, { kind: 'lines', buf, source: 'x' });
        expect('features' in r).toBe(true);
        if (!('features' in r)) return r;
        expect(r.features.length).toBe(r.rows * model.columns.length);
        const b = new Batch(0, 'x');
        b.size = r.rows;
        b.features = r.features;
        await new Inferencer(model, { maxBatchSize: 8192 }).process(b);
        return work.finish(id, b.outputs!, b.numGroup);
      };
      const whole = await run(new BlockWork(plan), 0, input);
      expect(whole.counts).toMatchObject({ lines: 1024, rows: 1022, malformed: 1, quarantined: 1 });
      expect(Buffer.from(whole.bad!).toString()).toBe('{"broken": \n');
      // The record without features: its first missing line, counted within the block.
      expect(Math.max(...whole.missing!.first)).toBe(1024);
      expect(whole.summaries[0].rows).toBe(1022);

      const dir = tmp();
      const f = path.join(dir, 'in.jsonlines');
      fs.writeFileSync(f, input);
      const out = path.join(dir, 'out.jsonlines');
      await new Pipeline({ numThreads: 1, onError: 'skip', logger: quiet })
        .fromFile(f).deserialize().preprocess().inference({ model }).addClass().summarize().serialize().toFile(out).run();
      expect(Buffer.from(whole.out).equals(fs.readFileSync(out))).toBe(true);

      // Cut after line 700: the second block's lines count from its own start.
      let cut = 0;
      for (let i = 0; i < 700; i++) cut = input.indexOf(10, cut) + 1;
      const work = new BlockWork(plan);
      const a = await run(work, 1, input.subarray(0, cut));
      const b = await run(work, 2, input.subarray(cut));
      expect(Buffer.concat([a.out, b.out]).equals(Buffer.from(whole.out))).toBe(true);
      expect(a.units + b.units).toBe(whole.units);
      expect(b.missing!.first.some((l) => l === 1024 - 700)).toBe(true);
    } finally {
      model.forest.dispose();
    }
  });

  it('on_error=fail stops a block at its first malformed line, numbered within the block', () => {
    const { plan } = planStages([{ type: 'deserialize' }, { type: 'serialize' }], undefined, ['mining'], { kind: 'fail' }, {});
    const r = new BlockWork(plan).begin(0, { kind: 'lines', buf: Buffer.from('{"a":1}\n\n{"a":\n{"b":2}\n'), source: 'x' }) as BlockDone;
    expect(r.fail).toEqual({ at: 3, what: 'line', problem: { code: 'ABP_INPUT_MALFORMED', message: expect.stringContaining('malformed JSON line') } });
  });
});

describe('threads: 1, 2 and 8 give the same result byte for byte', () => {
  const dir = tmp();
  const plain = path.join(dir, 'in.jsonlines');
  // About 4 blocks per copy of the real records.
  fs.writeFileSync(plain, oddInput(4));
  const gz = path.join(dir, 'in.jsonlines.gz');
  fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(plain), { level: 1 }));

  const run = (numThreads: number, input: string, out: string, onError: string) =>
    new Pipeline({ numThreads, onError, logger: quiet })
      .fromFile(input).deserialize().monitor({ description: 'in' }).preprocess().inference({ modelName: 'dev-xgb', modelRepository: REPO })
      .addClass().summarize().serialize().toFile(path.join(dir, out), { overwrite: true }).run();

  const cases = [
    ['plain in, plain out', plain, 'jsonlines', false],
    // Each block's output placed by a worker at its file position's alignment and written in place (PositionalWriter).
    ['plain in, plain out, written in place (ABP_OUTPUT_INPLACE=1)', plain, 'jsonlines', true],
    ['gzip in, gzip out', gz, 'jsonlines.gz', false],
  ] as const;
  for (const [name, input, ext, inPlace] of cases) {
    it(name, async () => {
      const results = [];
      for (const t of [1, 2, 8]) {
        const q = path.join(dir, `q-${ext}-${t}.jsonlines`);
        if (inPlace) process.env.ABP_OUTPUT_INPLACE = '1';
        const r = await run(t, input, `out-${t}.${ext}`, `quarantine:${q}`).finally(() => delete process.env.ABP_OUTPUT_INPLACE);
        expect(r.threads).toBe(t === 1 ? 0 : t);
        results.push({ r, out: fs.readFileSync(path.join(dir, `out-${t}.${ext}`)), q: fs.readFileSync(q) });
      }
      const [one, ...more] = results;
      const text = (b: Buffer) => (ext.endsWith('.gz') ? zlib.gunzipSync(b) : b);
      if (ext.endsWith('.gz')) {
        // One gzip member per block, compressed on the workers; read as one stream they are the whole output.
        let members = 0;
        for (let i = one.out.indexOf(Buffer.from([0x1f, 0x8b, 8])); i !== -1; i = one.out.indexOf(Buffer.from([0x1f, 0x8b, 8]), i + 1)) members++;
        expect(members).toBeGreaterThan(4);
        const back = await new Pipeline({ logger: quiet }).fromFile(path.join(dir, `out-1.${ext}`)).deserialize().collect().run();
        expect(back.rowsOut).toBe(4 * 1022);
      }
      expect(one.r.rowsOut).toBe(4 * 1022);
      expect(one.r.malformed).toMatchObject({ rows: 4 * 1022, malformed: 4, quarantined: 4 });
      expect(one.q.toString()).toBe('{"broken": \n'.repeat(4));
      expect(one.r.summary!.rows).toBe(4 * 1022);
      for (const m of more) {
        expect(text(m.out).equals(text(one.out))).toBe(true);
        expect(m.out.equals(one.out)).toBe(true);
        expect(m.q.equals(one.q)).toBe(true);
        expect(m.r.malformed).toEqual(one.r.malformed);
        expect(m.r.missingColumns).toEqual(one.r.missingColumns);
        expect(JSON.stringify(m.r.summary)).toBe(JSON.stringify(one.r.summary));
        expect(m.r.rowsOut).toBe(one.r.rowsOut);
      }
    });
  }

  it('blocks that do not fit the shared slots (output past its slot, a line longer than an input slot) take buffers of their own: same bytes', async () => {
    // Short records grow about 2.5 times with the verdict (past the output slot's quarter of room); the
    // 5 MB line does not fit an input slot (4 MiB read + 256 KiB carry); real records around them.
    const short = Buffer.from('{"x": 1}\n'.repeat(600_000));
    const long = Buffer.from(`{"pad": "${'p'.repeat(5 << 20)}"}\n`);
    const f = path.join(dir, 'odd-sizes.jsonlines');
    fs.writeFileSync(f, Buffer.concat([real, short, long, real, short]));
    const outs: Buffer[] = [];
    for (const t of [1, 2]) {
      const out = path.join(dir, `odd-sizes-${t}.jsonlines`);
      const r = await new Pipeline({ numThreads: t, logger: quiet })
        .fromFile(f).deserialize().preprocess().inference({ modelName: 'dev-xgb', modelRepository: REPO }).addClass().serialize().toFile(out, { overwrite: true }).run();
      expect(r.rowsOut).toBe(2 * 1020 + 2 * 600_000 + 1);
      outs.push(fs.readFileSync(out));
    }
    expect(outs[1].length).toBe(outs[0].length);
    expect(outs[1].equals(outs[0])).toBe(true);
    expect(outs[0].includes(Buffer.from('{"x": 1,"mining":'))).toBe(true);
  });

  it('empty input to .gz output is a valid empty gzip file', async () => {
    const e = path.join(dir, 'empty.jsonlines');
    fs.writeFileSync(e, '');
    for (const t of [1, 2]) {
      const out = path.join(dir, `empty-${t}.jsonlines.gz`);
      await new Pipeline({ numThreads: t, logger: quiet }).fromFile(e).deserialize().serialize().toFile(out).run();
      expect(zlib.gunzipSync(fs.readFileSync(out)).length).toBe(0);
    }
  });

  it('on_error=fail names the same first bad line on any thread count, and leaves no output', async () => {
    for (const t of [1, 2, 8]) {
      const err = await run(t, plain, `fail-${t}.jsonlines`, 'fail').catch((e) => e);
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toContain(`${plain}:1022: malformed JSON line`);
      expect(fs.existsSync(path.join(dir, `fail-${t}.jsonlines`))).toBe(false);
    }
  });

  it('the first row lacking a feature column is named with its line in the whole input', async () => {
    for (const t of [1, 2, 8]) {
      const warnings: string[] = [];
      await new Pipeline({ numThreads: t, onError: 'skip', logger: { info: () => undefined, warn: (m) => warnings.push(m) } })
        .fromFile(plain).deserialize().preprocess({ columns: ['nvidia_smi_log.gpu.utilization.gpu_util'] }).serialize()
        .toFile(path.join(dir, `miss-${t}.jsonlines`), { overwrite: true }).run();
      expect(warnings.filter((w) => w.includes('absent'))).toEqual([
        `feature column 'nvidia_smi_log.gpu.utilization.gpu_util' is absent from the input (first at ${plain}:1024); it is treated as missing (NaN)`,
      ]);
    }
  });
});
