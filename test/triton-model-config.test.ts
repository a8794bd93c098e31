/**
 * The configuration a model is loaded into Triton with (src/triton/model-config.ts): config.pbtxt in
 * Triton's JSON form (repeated fields as arrays, maps as objects, whatever the text syntax), with only the
 * instance kind and FIL's classifier parameter changed, and no override at all where the file fits. Runs
 * everywhere; test/triton-fil.test.ts loads these overrides into the real Triton.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/native/addon.js';
import { loadConfig, parsePbtxt } from '../src/index.js';
import { pbtxtToJson } from '../src/triton/index.js';

const SHIPPED = path.join(packageRoot, 'models', 'abp-nvsmi-xgb', 'config.pbtxt');

function write(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-model-config-'));
  const f = path.join(dir, 'config.pbtxt');
  fs.writeFileSync(f, text);
  return f;
}

describe('Triton load configuration', () => {
  it('the shipped config on a CPU-only Triton r25.09+: KIND_CPU and is_classifier, everything else as written', () => {
    const before = fs.readFileSync(SHIPPED, 'utf8');
    const c = loadConfig(SHIPPED, 'KIND_CPU', 'is_classifier');
    expect(c.changes).toEqual(['instance_group[0] kind KIND_GPU → KIND_CPU', 'parameter output_class → is_classifier']);
    expect(JSON.parse(c.override!)).toEqual({
      name: 'abp-nvsmi-xgb',
      backend: 'fil',
      max_batch_size: 32768,
      input: [{ name: 'input__0', data_type: 'TYPE_FP32', dims: [5] }],
      output: [{ name: 'output__0', data_type: 'TYPE_FP32', dims: [1] }],
      instance_group: [{ count: 1, kind: 'KIND_CPU' }],
      parameters: {
        model_type: { string_value: 'xgboost_json' },
        is_classifier: { string_value: 'false' },
        threshold: { string_value: '0.5' },
      },
      dynamic_batching: {},
    });
    expect(fs.readFileSync(SHIPPED, 'utf8')).toBe(before);
  });

  it('no override where config.pbtxt fits: KIND_GPU on an older FIL that reads output_class', () => {
    expect(loadConfig(SHIPPED, 'KIND_GPU', 'output_class')).toEqual({ changes: [] });
    expect(loadConfig(SHIPPED, 'KIND_GPU', 'is_classifier').changes).toEqual(['parameter output_class → is_classifier']);
  });

  it('a Morpheus-style config: single values of repeated fields become lists, gpus go with KIND_CPU, other backends keep their parameters', () => {
    const f = write(`name: "m"
backend: "fil"
max_batch_size: 8192
input [ { name: "input__0" data_type: TYPE_FP32 dims: [ 29 ] } ]
output { name: "output__0" data_type: TYPE_FP32 dims: 1 }
instance_group [{ kind: KIND_GPU, count: 2, gpus: [ 0, 1 ] }, { kind: KIND_CPU }]
parameters { key: "model_type" value { string_value: "xgboost" } }
parameters { key: "is_classifier" value { string_value: "true" } }
parameters [ { key: "threshold" value: { string_value: "0.7" } } ]
dynamic_batching { preferred_batch_size: 8 max_queue_delay_microseconds: 50000 }
version_policy: { specific { versions: 2 } }
model_warmup [ { name: "w" batch_size: 1 inputs { key: "input__0" value { data_type: TYPE_FP32 dims: 29 zero_data: true } } } ]
optimization { cuda { graphs: true graph_spec { batch_size: 4 input { key: "input__0" value { dim: [ 29 ] } } } } }
`);
    const c = loadConfig(f, 'KIND_CPU', 'is_classifier');
    expect(c.changes).toEqual(['instance_group[0] kind KIND_GPU → KIND_CPU']);
    const j = JSON.parse(c.override!);
    expect(j.output).toEqual([{ name: 'output__0', data_type: 'TYPE_FP32', dims: [1] }]);
    expect(j.instance_group).toEqual([{ kind: 'KIND_CPU', count: 2 }, { kind: 'KIND_CPU' }]);
    expect(j.parameters).toEqual({ model_type: { string_value: 'xgboost' }, is_classifier: { string_value: 'true' }, threshold: { string_value: '0.7' } });
    expect(j.dynamic_batching).toEqual({ preferred_batch_size: [8], max_queue_delay_microseconds: 50000 });
    expect(j.version_policy).toEqual({ specific: { versions: [2] } });
    expect(j.model_warmup).toEqual([{ name: 'w', batch_size: 1, inputs: { input__0: { data_type: 'TYPE_FP32', dims: [29], zero_data: true } } }]);
    expect(j.optimization).toEqual({ cuda: { graphs: true, graph_spec: [{ batch_size: 4, input: { input__0: { dim: [29] } } }] } });
    // An older FIL gets output_class back under its own name.
    expect(JSON.parse(loadConfig(f, 'KIND_CPU', 'output_class').override!).parameters.output_class).toEqual({ string_value: 'true' });
  });

  it('names the instance kind where the config gives none, and leaves a non-FIL backend\'s parameters alone', () => {
    const f = write('name: "id"\nbackend: "identity"\nmax_batch_size: 8\nparameters { key: "output_class" value { string_value: "x" } }\n');
    const c = loadConfig(f, 'KIND_GPU', 'is_classifier');
    expect(c.changes).toEqual(['instance_group [{ kind: KIND_GPU }] (none given)']);
    const j = JSON.parse(c.override!);
    expect(j.instance_group).toEqual([{ kind: 'KIND_GPU', count: 1 }]);
    expect(j.parameters).toEqual({ output_class: { string_value: 'x' } });
  });

  it('a bad config.pbtxt is a ModelConfigError naming the file and line', () => {
    const f = write('name: "m"\ninput [ { name: "a" \n');
    expect(() => loadConfig(f, 'KIND_CPU', 'is_classifier')).toThrow(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+`));
    expect(pbtxtToJson(parsePbtxt('a: 1 a: 2'))).toEqual({ a: 2 });
  });
});
