/**
 * Where a real Triton with the FIL backend is installed (TRITON_HOME, or
 * /opt/tritonserver inside NVIDIA's tritonserver container): the pipeline's
 * inf-triton runs abp-nvsmi-xgb on it, and its results on the real telemetry
 * equal the embedded engine's. Skipped, visibly, elsewhere.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../src/native/addon.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { TritonServer, inspectHome, tritonHomes } from '../src/triton/index.js';

const home = tritonHomes().map(inspectHome).find((r) => r.hasLibrary && r.hasFilBackend);

describe.skipIf(!home)(`inf-triton on Triton's FIL backend at ${home?.home ?? '(none found)'}`, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-triton-fil-'));
  afterAll(async () => {
    await TritonServer.running()?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('scores the real telemetry as the embedded engine does', async () => {
    const input = path.join(dir, 'telemetry.jsonlines');
    fs.writeFileSync(input, execFileSync('gzip', ['-dc', path.join(packageRoot, 'data', 'nvsmi-h200-train.jsonlines.gz')], { maxBuffer: 1 << 30 }));
    const infos: string[] = [];
    const logger = { info: (m: string) => infos.push(m), warn: () => undefined };
    const run = (stage: 'inf-triton' | 'inf-fil') =>
      new Pipeline({ logger })
        .fromFile(input).deserialize().preprocess()
        .inference({ stage, modelName: 'abp-nvsmi-xgb', engine: stage === 'inf-triton' ? 'triton' : undefined })
        .add({ type: 'add-scores', prefix: 'score_' }).addClass()
        .collect().run();
    const triton = await run('inf-triton');
    expect(infos).toContainEqual(expect.stringContaining('on the in-process Triton server'));
    const embedded = await run('inf-fil');
    expect(triton.rowsOut).toBe(1020);
    const a = triton.records!;
    const b = embedded.records!;
    expect(a.map((r) => r.mining)).toEqual(b.map((r) => r.mining));
    // FIL sums the trees in its own order in float32: allow a few ulps.
    a.forEach((r, i) => expect(Math.abs((r.score_mining as number) - (b[i].score_mining as number)), `row ${i}`).toBeLessThan(1e-5));
  });
});

if (!home) it.skip(`inf-triton on Triton's FIL backend: no Triton with backends/fil in ${tritonHomes().join(', ')}`, () => {});
