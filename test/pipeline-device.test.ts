// The --device option of the pipeline CLI and library: which engine ran is
// reported, 'auto' falls back to the CPU saying why, 'gpu' without a GPU is
// an error, a bad value is a usage error. On a GPU machine (the H200 through
// the device tool) 'auto' and 'gpu' must run on CUDA with the same results.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { cudaInfo } from '../src/engine/device.js';
import { Detector } from '../src/index.js';
import { abp } from './pipeline-helpers.js';

const DATA = 'data/nvsmi-h200-train.jsonlines.gz';
const golden = JSON.parse(readFileSync('test/golden/nvsmi-h200-train.predictions.json', 'utf8')) as { mining: boolean[]; probabilities: number[] };
const info = await cudaInfo();
if (!info.available) console.log(`[pipeline-device] GPU cases SKIPPED: no usable GPU (${info.reason})`);

function flaggedOf(stdout: string): number {
  return (JSON.parse(stdout) as { flagged: number }).flagged;
}
const goldenFlagged = golden.mining.filter(Boolean).length;

describe('--device', () => {
  it('cpu runs the CPU engine and says so', async () => {
    const r = await abp(['detect', DATA, '--device=cpu', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^engine: cpu$/m);
    expect(flaggedOf(r.stdout)).toBe(goldenFlagged);
  });

  it('auto reports the engine it picked, with the reason when it is the CPU', async () => {
    const r = await abp(['detect', DATA, '--json']);
    expect(r.code).toBe(0);
    if (info.available) expect(r.stderr).toMatch(/^engine: cuda gpu:0 /m);
    else expect(r.stderr).toMatch(/^engine: cpu \(.+\)$/m);
    expect(flaggedOf(r.stdout)).toBe(goldenFlagged);
  });

  it('a bad value is a usage error (exit 2)', async () => {
    const r = await abp(['detect', DATA, '--device=tpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--device must be auto, cpu, gpu or gpu:N, got 'tpu'");
  });

  it.skipIf(info.available)('gpu without a usable GPU fails with ABP_CUDA_UNAVAILABLE and writes nothing', async () => {
    const r = await abp(['run', 'pipeline-fil', 'from-file', `--filename=${DATA}`, 'deserialize', 'preprocess', 'inf-fil', '--device=gpu', 'add-class', 'serialize', 'to-file', '--filename=/tmp/abp-device-never.jsonlines', '--overwrite']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--device gpu:0: /);
    expect(() => readFileSync('/tmp/abp-device-never.jsonlines')).toThrow();
  });

  it.skipIf(!info.available)('gpu runs on CUDA and matches XGBoost (within 1e-6) through the library', async () => {
    const d = await Detector.open({ engineOptions: { device: 'gpu' }, scores: true });
    try {
      expect(d.model.engine.engine).toBe('cuda');
      const lines = readFileSync(DATA);
      const { gunzipSync } = await import('node:zlib');
      const records = gunzipSync(lines).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const out = await d.classify(records);
      expect(out.length).toBe(records.length);
      let maxDiff = 0;
      out.forEach((rec, i) => (maxDiff = Math.max(maxDiff, Math.abs((rec.mining as number) - golden.probabilities[i]!))));
      expect(maxDiff).toBeLessThan(1e-6);
    } finally {
      d.dispose();
    }
  });
});
