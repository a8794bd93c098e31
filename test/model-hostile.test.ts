// Hostile model files: every malformed, impossible or unsupported input must
// be rejected with a ModelError whose code says why and whose message names
// the file; nothing may crash, hang or allocate what the file cannot back.
// Seeds are the real XGBoost 1.7.4 fixture models.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzzModels } from '../scripts/fuzz-model.js';
import { openModel } from '../src/model-repo/open.js';
import { ForestModel } from '../src/engine/model.js';
import { AbpError, ModelError } from '../src/errors.js';
import { getFixture, readBytes, type FixtureFormat } from './fixtures.js';

const NAME = 'hostile/model-under-test';
const ROOT = path.resolve(__dirname, '..');

async function rejection(bytes: Uint8Array, format: 'auto' | FixtureFormat = 'auto', name = NAME): Promise<AbpError> {
  try {
    const m = await ForestModel.fromBytes(bytes, { format, name });
    m.dispose();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    const e = err as AbpError;
    expect(e.message).toContain(name);
    return e;
  }
  throw new Error(`expected ${name} (${bytes.length} bytes, ${format}) to be rejected`);
}

async function expectReject(bytes: Uint8Array, code: string, pattern?: RegExp, format: 'auto' | FixtureFormat = 'auto') {
  const e = await rejection(bytes, format);
  expect(e.code, e.message).toBe(code);
  if (pattern) expect(e.message).toMatch(pattern);
}

const seed = getFixture('binary_logitraw');
const seedBytes: Record<FixtureFormat, Buffer> = {
  binary: readBytes(seed.files.binary),
  json: readBytes(seed.files.json),
  ubjson: readBytes(seed.files.ubjson),
};
const copy = (b: Uint8Array) => new Uint8Array(b);

/** Offsets inside a legacy binary model (XGBoost 1.7 layout, "binf" header). */
function binaryLayout(b: Uint8Array) {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 4 + 136;
  const objLenAt = p;
  p += 8 + Number(dv.getBigUint64(p, true));
  const boosterLenAt = p;
  p += 8 + Number(dv.getBigUint64(p, true));
  const gbtreeParamAt = p;
  const tree0ParamAt = p + 160;
  const tree0NodesAt = tree0ParamAt + 148;
  return {
    dv,
    objLenAt,
    boosterLenAt,
    numTreesAt: gbtreeParamAt,
    tree0NumNodesAt: tree0ParamAt + 4,
    node: (i: number) => ({ cleft: tree0NodesAt + 20 * i + 4, cright: tree0NodesAt + 20 * i + 8, sindex: tree0NodesAt + 20 * i + 12, value: tree0NodesAt + 20 * i + 16 }),
  };
}

function editJson(edit: (doc: any) => void): Uint8Array {
  const doc = JSON.parse(seedBytes.json.toString('utf8'));
  edit(doc);
  return new TextEncoder().encode(JSON.stringify(doc));
}
const tree0 = (doc: any) => doc.learner.gradient_booster.model.trees[0];

describe('empty, foreign and truncated files', () => {
  it('rejects an empty file in every format', async () => {
    await expectReject(new Uint8Array(0), 'ABP_MODEL_FORMAT', /empty/);
    for (const f of ['binary', 'json', 'ubjson'] as const) {
      await expectReject(new Uint8Array(0), 'ABP_MODEL_FORMAT', undefined, f);
    }
  });

  it('rejects files that are not models', async () => {
    await expectReject(new TextEncoder().encode('hello, world\n'), 'ABP_MODEL_FORMAT', /not an XGBoost model/);
    await expectReject(new Uint8Array(4096).fill(0x41), 'ABP_MODEL_FORMAT');
    await expectReject(new TextEncoder().encode('[1, 2, 3]'), 'ABP_MODEL_FORMAT');
    await expectReject(new TextEncoder().encode('{"learner": 5}'), 'ABP_MODEL_FORMAT', /learner/);
    // gzip, zip and a PNG header: wrong magic entirely.
    await expectReject(Uint8Array.from([0x1f, 0x8b, 8, 0, ...new Array(300).fill(0)]), 'ABP_MODEL_FORMAT');
    await expectReject(Uint8Array.from([0x50, 0x4b, 3, 4, ...new Array(300).fill(7)]), 'ABP_MODEL_FORMAT');
    // A JSON model read as binary, a binary model read as JSON / UBJSON.
    await expectReject(seedBytes.json, 'ABP_MODEL_FORMAT', undefined, 'binary');
    await expectReject(seedBytes.binary, 'ABP_MODEL_FORMAT', /JSON/, 'json');
    await expectReject(seedBytes.binary, 'ABP_MODEL_FORMAT', /UBJSON/, 'ubjson');
  });

  for (const format of ['binary', 'json', 'ubjson'] as const) {
    it(`rejects ${format} files truncated at many offsets`, async () => {
      const full = seedBytes[format];
      // Every byte of the first 600 (headers, parameters), then a stride through the rest.
      const cuts = new Set<number>();
      for (let i = 0; i < Math.min(600, full.length); i++) cuts.add(i);
      for (let i = 600; i < full.length; i += 97) cuts.add(i);
      cuts.add(full.length - 1);
      for (const cut of cuts) {
        const e = await rejection(full.subarray(0, cut), format);
        expect(['ABP_MODEL_FORMAT', 'ABP_MODEL_INVALID'], `cut at ${cut}: ${e.message}`).toContain(e.code);
      }
    });
  }
});

describe('legacy binary: hostile counts and impossible trees', () => {
  it('rejects num_trees = 2^31-1 without allocating for it', async () => {
    const b = copy(seedBytes.binary);
    binaryLayout(b).dv.setInt32(binaryLayout(b).numTreesAt, 0x7fffffff, true);
    await expectReject(b, 'ABP_MODEL_FORMAT', /num_trees 2147483647/);
  });

  it('rejects a negative num_trees', async () => {
    const b = copy(seedBytes.binary);
    binaryLayout(b).dv.setInt32(binaryLayout(b).numTreesAt, -5, true);
    await expectReject(b, 'ABP_MODEL_INVALID', /num_trees -5/);
  });

  it('rejects an objective name length of 2^62', async () => {
    const b = copy(seedBytes.binary);
    const l = binaryLayout(b);
    l.dv.setBigUint64(l.objLenAt, 1n << 62n, true);
    await expectReject(b, 'ABP_MODEL_FORMAT', /objective name/);
  });

  it('rejects num_nodes past the end of the file', async () => {
    const b = copy(seedBytes.binary);
    const l = binaryLayout(b);
    l.dv.setInt32(l.tree0NumNodesAt, 0x7fffffff, true);
    await expectReject(b, 'ABP_MODEL_FORMAT', /tree 0 claims 2147483647 nodes/);
  });

  it('rejects a child index out of range', async () => {
    const b = copy(seedBytes.binary);
    const l = binaryLayout(b);
    l.dv.setInt32(l.node(0).cleft, 1_000_000, true);
    await expectReject(b, 'ABP_MODEL_INVALID', /tree 0 node 0 has child 1000000 outside/);
  });

  it('rejects a self-cycle', async () => {
    const b = copy(seedBytes.binary);
    const l = binaryLayout(b);
    l.dv.setInt32(l.node(1).cright, 1, true);
    await expectReject(b, 'ABP_MODEL_INVALID', /reaches node 1 a second time/);
  });

  it('rejects a feature index >= num_feature', async () => {
    const b = copy(seedBytes.binary);
    const l = binaryLayout(b);
    l.dv.setUint32(l.node(0).sindex, seed.numFeature, true);
    await expectReject(b, 'ABP_MODEL_INVALID', new RegExp(`splits on feature ${seed.numFeature} but num_feature is ${seed.numFeature}`));
  });

  it('rejects a NaN split threshold', async () => {
    const b = copy(seedBytes.binary);
    const l = binaryLayout(b);
    l.dv.setFloat32(l.node(0).value, NaN, true);
    await expectReject(b, 'ABP_MODEL_INVALID', /non-finite split/);
  });

  it('rejects the dart and gblinear boosters as unsupported', async () => {
    for (const booster of ['dart', 'gblinear']) {
      const b = seedBytes.binary;
      const l = binaryLayout(b);
      const len = Number(l.dv.getBigUint64(l.boosterLenAt, true));
      const lenBytes = new Uint8Array(8);
      new DataView(lenBytes.buffer).setBigUint64(0, BigInt(booster.length), true);
      const shifted = new Uint8Array([
        ...b.subarray(0, l.boosterLenAt),
        ...lenBytes,
        ...new TextEncoder().encode(booster),
        ...b.subarray(l.boosterLenAt + 8 + len),
      ]);
      await expectReject(shifted, 'ABP_MODEL_UNSUPPORTED', new RegExp(booster));
    }
  });
});

describe('JSON: hostile structure and impossible trees', () => {
  it('rejects nesting 100k deep without overflowing the stack', async () => {
    await expectReject(new TextEncoder().encode('['.repeat(100_000)), 'ABP_MODEL_FORMAT', /nesting deeper/, 'json');
    await expectReject(new TextEncoder().encode('{"a":'.repeat(100_000)), 'ABP_MODEL_FORMAT', /nesting deeper/);
    await expectReject(new Uint8Array(100_000).fill(0x5b), 'ABP_MODEL_FORMAT', /nesting deeper/, 'ubjson');
  });

  it('rejects a child index out of range', async () => {
    await expectReject(editJson((d) => { tree0(d).left_children[0] = 99_999; }), 'ABP_MODEL_INVALID', /tree 0 node 0 has child 99999/);
  });

  it('rejects a self-cycle and a shared child', async () => {
    await expectReject(editJson((d) => { tree0(d).left_children[0] = 0; }), 'ABP_MODEL_INVALID', /reaches node 0 a second time/);
    await expectReject(editJson((d) => { const t = tree0(d); t.right_children[0] = t.left_children[0]; }), 'ABP_MODEL_INVALID', /a second time/);
  });

  it('rejects a feature index >= num_feature', async () => {
    await expectReject(editJson((d) => { tree0(d).split_indices[0] = 1000; }), 'ABP_MODEL_INVALID', /splits on feature 1000/);
  });

  it('rejects num_nodes that disagrees with the arrays', async () => {
    await expectReject(editJson((d) => { tree0(d).tree_param.num_nodes = '2147483647'; }), 'ABP_MODEL_INVALID', /has \d+ items, expected 2147483647/);
  });

  it('rejects num_trees that disagrees with the trees', async () => {
    await expectReject(editJson((d) => { d.learner.gradient_booster.model.gbtree_model_param.num_trees = '2147483647'; }), 'ABP_MODEL_INVALID', /num_trees is 2147483647/);
  });

  it('rejects a tree group outside num_class', async () => {
    await expectReject(editJson((d) => { d.learner.gradient_booster.model.tree_info[3] = 7; }), 'ABP_MODEL_INVALID', /tree 3 adds to output group 7/);
  });

  it('rejects unreachable nodes that are not marked deleted', async () => {
    await expectReject(
      editJson((d) => {
        const t = tree0(d);
        t.left_children.push(-1); t.right_children.push(-1); t.split_indices.push(0); t.split_conditions.push(0);
        t.default_left.push(0); t.split_type.push(0); t.base_weights.push(0); t.loss_changes.push(0); t.sum_hessian.push(0); t.parents.push(0);
        t.tree_param.num_nodes = String(t.left_children.length);
      }),
      'ABP_MODEL_INVALID',
      /not reachable/,
    );
  });

  it('rejects a logistic base_score outside (0, 1)', async () => {
    await expectReject(
      editJson((d) => { d.learner.objective.name = 'binary:logistic'; d.learner.learner_model_param.base_score = '1.5E0'; }),
      'ABP_MODEL_INVALID',
      /base_score/,
    );
  });

  it('rejects unsupported objectives, boosters and categorical splits', async () => {
    await expectReject(editJson((d) => { d.learner.objective.name = 'rank:pairwise'; }), 'ABP_MODEL_UNSUPPORTED', /rank:pairwise/);
    await expectReject(editJson((d) => { d.learner.gradient_booster.name = 'dart'; }), 'ABP_MODEL_UNSUPPORTED', /dart/);
    await expectReject(editJson((d) => { d.learner.gradient_booster = { name: 'gblinear', model: {} }; }), 'ABP_MODEL_UNSUPPORTED', /gblinear/);
    await expectReject(editJson((d) => { tree0(d).split_type[0] = 1; }), 'ABP_MODEL_UNSUPPORTED', /categorical/);
    await expectReject(editJson((d) => { d.learner.learner_model_param.num_target = '3'; }), 'ABP_MODEL_UNSUPPORTED', /multi-target/);
  });

  it('rejects wrong types and bad numbers with the field path', async () => {
    await expectReject(editJson((d) => { d.learner.learner_model_param.num_feature = 'eight'; }), 'ABP_MODEL_FORMAT', /learner_model_param\.num_feature/);
    await expectReject(editJson((d) => { tree0(d).left_children = 'nope'; }), 'ABP_MODEL_FORMAT', /trees\[0\]\.left_children: is not an array/);
    await expectReject(editJson((d) => { tree0(d).left_children[1] = 1.5; }), 'ABP_MODEL_FORMAT', /left_children\[1\]: is not an integer/);
    await expectReject(new TextEncoder().encode('{"learner": {"x": 1e999999}}'), 'ABP_MODEL_FORMAT');
    // Out of float range: parsed as infinity, then refused as a threshold.
    await expectReject(editJson((d) => { tree0(d).split_conditions[0] = 1e39; }), 'ABP_MODEL_INVALID', /tree 0 node 0 has a non-finite split/);
    await expectReject(new TextEncoder().encode('{"learner": "\\ud800'), 'ABP_MODEL_FORMAT');
  });
});

describe('UBJSON: hostile counts', () => {
  const ubj = seedBytes.ubjson;
  const find = (s: string) => ubj.indexOf(Buffer.from(s, 'latin1'));

  it('rejects a typed array count past the end of the file', async () => {
    const b = copy(ubj);
    const at = find('split_conditions[$d#L') + 'split_conditions[$d#L'.length;
    new DataView(b.buffer).setBigInt64(at, 1n << 40n, false);
    await expectReject(b, 'ABP_MODEL_FORMAT', /container count 1099511627776 cannot fit/);
  });

  it('rejects a string length of 2^62 and a negative count', async () => {
    const b = copy(ubj);
    const at = find('SL') + 2;
    new DataView(b.buffer).setBigInt64(at, 1n << 62n, false);
    await expectReject(b, 'ABP_MODEL_FORMAT', /string of 4611686018427387904 bytes/);
    const c = copy(ubj);
    const at2 = find('left_children[$l#L') + 'left_children[$l#L'.length;
    new DataView(c.buffer).setBigInt64(at2, -1n, false);
    await expectReject(c, 'ABP_MODEL_FORMAT', /negative container count/);
  });

  it('rejects an out-of-range child in a typed array', async () => {
    const b = copy(ubj);
    const at = find('left_children[$l#L') + 'left_children[$l#L'.length + 8;
    new DataView(b.buffer).setInt32(at, 0x7ffffff0, false);
    await expectReject(b, 'ABP_MODEL_INVALID', /has child 2147483632/);
  });

  it('rejects unknown markers', async () => {
    const b = copy(ubj);
    b[find('version') + 'version'.length] = 0x07;
    await expectReject(b, 'ABP_MODEL_FORMAT', /unknown marker/);
  });
});

describe('hostile model repositories', () => {
  // A real entry copied to a scratch repository, then broken one way.
  const entry = (edit: (dir: string) => void) => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-hostile-repo-'));
    fs.cpSync(path.join(ROOT, 'test/pipeline-data/models/dev-xgb'), path.join(repo, 'dev-xgb'), { recursive: true });
    edit(path.join(repo, 'dev-xgb'));
    return repo;
  };
  const refusal = async (repo: string, code: string, pattern: RegExp) => {
    const err = await openModel('dev-xgb', { repository: repo, engineOptions: { device: 'cpu' } }).then(
      (m) => {
        m.forest.dispose();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AbpError);
    expect((err as AbpError).code).toBe(code);
    expect((err as AbpError).message).toMatch(pattern);
  };

  it('refuses a config.pbtxt or column list that is a link to /dev/zero instead of reading it forever', async () => {
    for (const f of ['config.pbtxt', 'columns_fil.txt']) {
      const repo = entry((d) => {
        fs.rmSync(path.join(d, f));
        fs.symlinkSync('/dev/zero', path.join(d, f));
      });
      await refusal(repo, 'ABP_MODEL_CONFIG', new RegExp(`${f}: it is not a regular file`));
    }
  });

  it('refuses a model file that is a link to /dev/zero', async () => {
    const repo = entry((d) => {
      fs.rmSync(path.join(d, '1/xgboost.json'));
      fs.symlinkSync('/dev/zero', path.join(d, '1/xgboost.json'));
    });
    await refusal(repo, 'ABP_MODEL_READ', /xgboost\.json: cannot read the model file: it is not a regular file/);
  });

  it('refuses a config.pbtxt that is a directory, or nested 100k deep, with a coded error', async () => {
    await refusal(entry((d) => {
      fs.rmSync(path.join(d, 'config.pbtxt'));
      fs.mkdirSync(path.join(d, 'config.pbtxt'));
    }), 'ABP_MODEL_CONFIG', /config\.pbtxt: it is not a regular file/);
    await refusal(entry((d) => fs.appendFileSync(path.join(d, 'config.pbtxt'), 'x {'.repeat(100_000))), 'ABP_MODEL_CONFIG', /nested deeper than 100/);
  });

  it('refuses a default_model_filename that leads out of the version directory', async () => {
    const repo = entry((d) => fs.appendFileSync(path.join(d, 'config.pbtxt'), '\ndefault_model_filename: "../../dev-xgb/1/xgboost.json"\n'));
    await refusal(repo, 'ABP_MODEL_CONFIG', /default_model_filename .* is not a file name/);
  });
});

// scripts/fuzz-model.ts is the fuzzer; `npm test` runs a short seeded run of it
// (a long run by hand: npx tsx scripts/fuzz-model.ts --seed N --count 100000).
describe('fuzz (scripts/fuzz-model.ts)', () => {
  it('survives 2000 mutations of real model files: refused with a coded ModelError naming the file, or predicting', async () => {
    const r = await fuzzModels({ seed: 0xabf11, count: 2000, kinds: ['file'] });
    expect(r.failures).toEqual([]);
    expect(r.loaded + Object.values(r.rejected).reduce((a, b) => a + b, 0)).toBe(2000);
    expect(Object.values(r.rejected).reduce((a, b) => a + b, 0)).toBeGreaterThan(500);
    expect(Object.keys(r.rejected).sort()).toEqual(['ABP_MODEL_FORMAT', 'ABP_MODEL_INVALID', 'ABP_MODEL_UNSUPPORTED']);
  });

  it('survives 150 mutated model repositories (config.pbtxt, column and label lists, model file, layout)', async () => {
    const r = await fuzzModels({ seed: 0xabf12, count: 150, kinds: ['repo'] });
    expect(r.failures).toEqual([]);
    expect(r.loaded).toBeGreaterThan(0);
    expect(r.rejected.ABP_MODEL_CONFIG).toBeGreaterThan(0);
  });
});
