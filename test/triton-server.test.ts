/**
 * The bridge against a real in-process Triton server: the library and the
 * `identity` backend of $TRITON_HOME, or, when that is unset, of
 * ../shared/triton/linux-x64-cpu beside the repository (test/triton-home.ts),
 * so every run exercises the real thing. Skipped, naming what is missing,
 * only where neither has them.
 * What goes in comes back bit for bit, from host, pinned and (with a CUDA
 * device) GPU memory, many requests in flight, errors surface as JS errors,
 * every request, response and buffer is released exactly once, and a process
 * with a live server leaves by every way out with its own status.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TritonError } from '../src/errors.js';
import { addon, packageRoot, type TritonMemory } from '../src/native/addon.js';
import { DeviceMatrix } from '../src/engine/gpu-model.js';
import { TritonForest, TritonServer, checkMetadata, libraryPath } from '../src/triton/index.js';
import { featureMatrix } from '../src/stages/parse-value.js';
import { runExitScript, testTriton } from './triton-home.js';

const T = testTriton();
const HOME = T.home;
const READY = T.hasLibrary && T.hasIdentity;
const cudaInfo = await addon().cuda.devices().catch(() => ({ available: false }));
const GPU = cudaInfo.available && process.env.TRITON_GPU !== '0';
const KIND = process.env.TRITON_INSTANCE_KIND ?? (GPU ? 'KIND_GPU' : 'KIND_CPU');
const COLS = 5;
const MAX_BATCH = 4096;
/** The identity model seen as a Forest (for TritonForest): COLS values in, the same COLS out. */
const IDENTITY_INFO = { objective: 'identity', numFeature: COLS, numGroup: 1, numTrees: 0, numOutput: COLS };

function identityConfig(name: string): string {
  return `name: "${name}"
backend: "identity"
max_batch_size: ${MAX_BATCH}
input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ ${COLS} ] } ]
output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ ${COLS} ] } ]
instance_group [ { count: 2 kind: ${KIND} } ]
`;
}

function makeRepository(): string {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-triton-repo-'));
  for (const name of ['identity_fp32', 'identity_second']) {
    fs.mkdirSync(path.join(repo, name, '1'), { recursive: true });
    fs.writeFileSync(path.join(repo, name, 'config.pbtxt'), identityConfig(name));
  }
  fs.mkdirSync(path.join(repo, 'broken', '1'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'broken', 'config.pbtxt'), 'name: "broken"\nbackend: "no_such_backend"\n');
  return repo;
}

/** Random float32 bit patterns: NaNs with payloads, infinities, -0, subnormals all included. */
function randomBits(n: number, seed: number): Float32Array {
  const u = new Uint32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    u[i] = x >>> 0;
  }
  const special = [0x7fc00001, 0xffc12345, 0x7f800000, 0xff800000, 0x80000000, 0x00000001, 0x807fffff];
  for (let i = 0; i < special.length && i < n; i++) u[i] = special[i];
  return new Float32Array(u.buffer);
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

/** Real telemetry rows through the pipeline's own feature extraction. */
function realFeatures(rows: number): Float32Array {
  const file = path.join(packageRoot, 'data', 'nvsmi-h200-train.jsonlines.gz');
  const text = execFileSync('gzip', ['-dc', file], { maxBuffer: 1 << 30 }).toString('utf8');
  const cols = fs.readFileSync(path.join(packageRoot, 'models', 'abp-nvsmi-xgb', 'columns_fil.txt'), 'utf8').split('\n').filter(Boolean);
  const records = text.split('\n').filter(Boolean).slice(0, rows).map((l) => JSON.parse(l) as Record<string, unknown>);
  return featureMatrix(records, cols);
}

describe.skipIf(!READY)(`in-process Triton at ${HOME ?? '(none)'} (${KIND}, GPU memory ${GPU ? 'on' : 'off'})`, () => {
  let repo: string;
  let server: TritonServer;

  beforeAll(async () => {
    repo = makeRepository();
    server = await TritonServer.start({
      libraries: [libraryPath(HOME!)],
      modelRepository: repo,
      backendDirectory: path.join(HOME!, 'backends'),
      pinnedMemoryPoolBytes: 64 << 20,
      cudaMemoryPools: GPU ? [{ device: 0, bytes: 64 << 20 }] : undefined,
      logVerbose: 0,
    });
  });

  afterAll(async () => {
    await server?.dispose();
    if (repo) fs.rmSync(repo, { recursive: true, force: true });
  });

  it('starts one server per process and reports the library', async () => {
    expect(addon().triton.serverState()).toBe('running');
    expect(server.library.path).toBe(libraryPath(HOME!));
    expect(server.library.apiVersion.major).toBe(1);
    expect(server.library.apiVersion.minor).toBeGreaterThanOrEqual(addon().triton.apiVersion.minorRequired);
    // A second start shares it; another repository is refused.
    expect(await TritonServer.start({ ...server.options })).toBe(server);
    await expect(TritonServer.start({ ...server.options, modelRepository: os.tmpdir() })).rejects.toMatchObject({ code: 'ABP_TRITON_STATE' });
    await expect(addon().triton.startServer({ modelRepository: repo, backendDirectory: path.join(HOME!, 'backends') })).rejects.toMatchObject({
      code: 'ABP_TRITON_STATE',
    });
  });

  it('loads a model and checks its metadata against what will be sent', async () => {
    const meta = await server.loadModel('identity_fp32', { input: 'INPUT0', output: 'OUTPUT0', numFeature: COLS, numOutput: COLS });
    expect(meta.name).toBe('identity_fp32');
    expect(meta.inputs).toEqual([{ name: 'INPUT0', datatype: 'FP32', shape: [-1, COLS] }]);
    expect(meta.outputs).toEqual([{ name: 'OUTPUT0', datatype: 'FP32', shape: [-1, COLS] }]);
    expect(() => checkMetadata('identity_fp32', meta, { input: 'input__0', output: 'OUTPUT0', numFeature: COLS, numOutput: COLS })).toThrow(
      /has no input 'input__0' \(inputs: INPUT0\)/,
    );
    expect(() => checkMetadata('identity_fp32', meta, { input: 'INPUT0', output: 'OUTPUT0', numFeature: 29, numOutput: COLS })).toThrow(
      /shape \[-1, 5\], but the pipeline's is \[-1, 29\]/,
    );
    await expect(server.loadModel('identity_second', { input: 'INPUT0', output: 'OUTPUT0', numFeature: 7, numOutput: 7 })).rejects.toMatchObject({
      code: 'ABP_TRITON_MODEL',
    });
  });

  const memories: TritonMemory[] = GPU ? ['cpu', 'pinned', 'gpu'] : ['cpu', 'pinned'];
  for (const memory of memories) {
    for (const output of GPU ? (['cpu', 'gpu'] as const) : (['cpu'] as const)) {
      it(`returns the input bit for bit: input in ${memory} memory, output in ${output} memory`, async () => {
        const rows = 1000;
        const input = randomBits(rows * COLS, 7 + memory.length + output.length);
        const copy = input.slice();
        const r = await server.infer('identity_fp32', input, rows, COLS, { inputName: 'INPUT0', outputName: 'OUTPUT0', memory, output });
        expect(r.shape).toEqual([rows, COLS]);
        expect(r.inputMemory).toMatch(memory === 'pinned' ? /^(pinned|cpu)$/ : new RegExp(`^${memory}$`));
        expect(r.outputMemory).toBe(output);
        expect(sameBits(r.output, copy)).toBe(true);
        expect(sameBits(input, copy)).toBe(true);
      });
    }
  }

  it('returns real telemetry features bit for bit', async () => {
    const feats = realFeatures(1020);
    const rows = feats.length / COLS;
    expect(rows).toBe(1020);
    const r = await server.infer('identity_fp32', feats, rows, COLS, { inputName: 'INPUT0', outputName: 'OUTPUT0', memory: GPU ? 'gpu' : 'pinned' });
    expect(sameBits(r.output, feats)).toBe(true);
  });

  it('keeps many requests in flight and matches each answer to its request', async () => {
    const n = 200;
    const inputs = Array.from({ length: n }, (_, i) => randomBits((1 + (i % 37)) * COLS, 1000 + i));
    const mem = (i: number): TritonMemory => memories[i % memories.length];
    const before = server.counters();
    const results = await Promise.all(
      inputs.map((x, i) => server.infer(i % 2 ? 'identity_fp32' : 'identity_fp32', x, x.length / COLS, COLS, { inputName: 'INPUT0', outputName: 'OUTPUT0', memory: mem(i), id: `r${i}` })),
    );
    results.forEach((r, i) => expect(sameBits(r.output, inputs[i]), `request ${i}`).toBe(true));
    const after = server.counters();
    expect(after.requestsCreated - before.requestsCreated).toBe(n);
    expect(after.responsesReceived - before.responsesReceived).toBe(n);
  });

  it.skipIf(!GPU)('reads a CUDA engine DeviceMatrix in place and returns it bit for bit', async () => {
    const rows = 777;
    const input = randomBits(rows * COLS, 4242);
    const m = await DeviceMatrix.upload(input, rows, COLS, 0);
    try {
      const before = server.counters();
      const r = await server.infer('identity_fp32', m, rows, COLS, { inputName: 'INPUT0', outputName: 'OUTPUT0', output: 'gpu' });
      expect(r.inputMemory).toBe('gpu');
      expect(r.outputMemory).toBe('gpu');
      expect(r.shape).toEqual([rows, COLS]);
      expect(sameBits(r.output, input)).toBe(true);
      // Zero copy: the bridge staged no input buffer of its own.
      expect(server.counters().inputBuffersAllocated).toBe(before.inputBuffersAllocated);
      // Through the Forest interface as well, output in host memory.
      const forest = new TritonForest(server, 'identity_fp32', IDENTITY_INFO, { input: 'INPUT0', output: 'OUTPUT0' });
      expect(sameBits(await forest.predict(m), input)).toBe(true);
      // The matrix is still the engine's, unchanged.
      expect(sameBits(await m.read(), input)).toBe(true);
    } finally {
      m.dispose();
    }
  });

  it.skipIf(!GPU)('keeps a DeviceMatrix alive when it is disposed while its requests are in flight', async () => {
    const rows = 2048;
    const input = randomBits(rows * COLS, 99);
    const pending: Promise<{ output: Float32Array }>[] = [];
    for (let i = 0; i < 16; i++) {
      const m = await DeviceMatrix.upload(input, rows, COLS, 0);
      pending.push(server.infer('identity_fp32', m, rows, COLS, { inputName: 'INPUT0', outputName: 'OUTPUT0' }));
      m.dispose();
      // Another allocation right away would reuse freed memory if the request had not kept it.
      const other = await DeviceMatrix.upload(new Float32Array(rows * COLS).fill(-1), rows, COLS, 0);
      other.dispose();
    }
    for (const r of await Promise.all(pending)) expect(sameBits(r.output, input)).toBe(true);
    // A matrix disposed before the call is refused.
    const gone = await DeviceMatrix.upload(input.subarray(0, COLS), 1, COLS, 0);
    gone.dispose();
    await expect(server.infer('identity_fp32', gone, 1, COLS, { inputName: 'INPUT0', outputName: 'OUTPUT0' })).rejects.toMatchObject({
      code: 'ABP_DISPOSED',
    });
  });

  it.skipIf(!GPU)('refuses a DeviceMatrix of the wrong shape or device with a clear error', async () => {
    const m = await DeviceMatrix.upload(randomBits(10 * (COLS + 1), 5), 10, COLS + 1, 0);
    try {
      const wrong = await server.infer('identity_fp32', m, 10, COLS, { inputName: 'INPUT0', outputName: 'OUTPUT0' }).catch((e) => e);
      expect(wrong.code).toBe('ABP_INPUT_SHAPE');
      expect(wrong.message).toMatch(/device matrix is 10 x 6, not rows x cols = 10 x 5/);
      const forest = new TritonForest(server, 'identity_fp32', IDENTITY_INFO, { input: 'INPUT0', output: 'OUTPUT0' });
      await expect(forest.predict(m)).rejects.toMatchObject({ code: 'ABP_INPUT_SHAPE' });
      await expect(server.infer('identity_fp32', m, 10, COLS + 1, { memory: 'cpu' })).rejects.toMatchObject({ code: 'ABP_BAD_ARGUMENT' });
      await expect(server.infer('identity_fp32', m, 10, COLS + 1, { device: 1 })).rejects.toThrow(/on device 0, not device 1/);
    } finally {
      m.dispose();
    }
  });

  it('surfaces Triton errors as JS errors', async () => {
    const x = randomBits(2 * COLS, 3);
    const unknown = await server.infer('no_such_model', x, 2, COLS, { inputName: 'INPUT0', outputName: 'OUTPUT0' }).catch((e) => e);
    expect(unknown).toBeInstanceOf(TritonError);
    expect(unknown.code).toBe('ABP_TRITON_ERROR');
    expect(unknown.message).toMatch(/no_such_model/);
    const badName = await server.infer('identity_fp32', x, 2, COLS, { inputName: 'input__0', outputName: 'OUTPUT0' }).catch((e) => e);
    expect(badName.code).toBe('ABP_TRITON_ERROR');
    expect(badName.message).toMatch(/input__0/);
    const tooMany = randomBits((MAX_BATCH + 1) * COLS, 4);
    const big = await server.infer('identity_fp32', tooMany, MAX_BATCH + 1, COLS, { inputName: 'INPUT0', outputName: 'OUTPUT0' }).catch((e) => e);
    expect(big.code).toBe('ABP_TRITON_ERROR');
    expect(big.message).toMatch(/batch-size must be <= 4096/);
    const wrongCols = await server.infer('identity_fp32', randomBits(12, 5), 2, 6, { inputName: 'INPUT0', outputName: 'OUTPUT0' }).catch((e) => e);
    expect(wrongCols.code).toBe('ABP_TRITON_ERROR');
    await expect(server.infer('identity_fp32', x, 3, COLS, {})).rejects.toMatchObject({ code: 'ABP_INPUT_SHAPE' });
    // Only a Float32Array or the CUDA engine's own device matrix is an input; a look-alike object is not.
    const fake = { shape: () => ({ rows: 2, cols: COLS, device: 0 }), read: async () => x, dispose() {} };
    await expect(addon().triton.infer('identity_fp32', fake, 2, COLS, {})).rejects.toMatchObject({ code: 'ABP_BAD_ARGUMENT' });
    const noModel = await server.loadModel('missing_model').catch((e) => e);
    expect(noModel.code).toBe('ABP_TRITON_ERROR');
    expect(noModel.message).toMatch(/missing_model/);
    const broken = await server.loadModel('broken').catch((e) => e);
    expect(broken.code).toBe('ABP_TRITON_ERROR');
    expect(broken.message).toMatch(/no_such_backend/);
    if (!GPU) {
      const gpu = await server.infer('identity_fp32', x, 2, COLS, { inputName: 'INPUT0', outputName: 'OUTPUT0', memory: 'gpu' }).catch((e) => e);
      expect(gpu.code).toBe('ABP_CUDA_UNAVAILABLE');
    }
    // A request still works after all that.
    const ok = await server.infer('identity_fp32', x, 2, COLS, { inputName: 'INPUT0', outputName: 'OUTPUT0' });
    expect(sameBits(ok.output, x)).toBe(true);
  });

  it('releases every request, response and buffer exactly once', async () => {
    await server.unloadModel('identity_second');
    const c = server.counters();
    expect(c.inFlight).toBe(0);
    expect(c.requestsDeleted).toBe(c.requestsCreated);
    expect(c.responsesDeleted).toBe(c.responsesReceived);
    expect(c.outputBuffersReleased).toBe(c.outputBuffersAllocated);
    expect(c.inputBuffersReleased).toBe(c.inputBuffersAllocated);
    expect(c.requestsCreated).toBeGreaterThan(200);
    expect(c.outputBuffersAllocated).toBeGreaterThan(200);
  });

  it('stops cleanly on dispose; later calls fail with ABP_TRITON_STATE', async () => {
    const x = randomBits(4 * COLS, 9);
    const pending = Array.from({ length: 20 }, () => server.infer('identity_fp32', x, 4, COLS, { inputName: 'INPUT0', outputName: 'OUTPUT0' }));
    const disposed = server.dispose();
    const results = await Promise.all(pending);
    await disposed;
    results.forEach((r) => expect(sameBits(r.output, x)).toBe(true));
    expect(addon().triton.serverState()).toBe('stopped');
    await expect(server.infer('identity_fp32', x, 4, COLS, {})).rejects.toMatchObject({ code: 'ABP_TRITON_STATE' });
    await expect(addon().triton.infer('identity_fp32', x, 4, COLS, {})).rejects.toMatchObject({ code: 'ABP_TRITON_STATE' });
    const c = addon().triton.counters();
    expect(c.inFlight).toBe(0);
    expect(c.requestsDeleted).toBe(c.requestsCreated);
    expect(c.outputBuffersReleased).toBe(c.outputBuffersAllocated);
  });

  // Each way a process with a live server can end: it must end with its own status (or its own signal), with
  // no abort from libtritonserver's or the backends' destructors (a double free at exit, status 134, before the fix).
  const exits: { how: string; status: number | null; signal?: NodeJS.Signals; unloads: boolean }[] = [
    { how: 'normal', status: 0, unloads: true },
    { how: 'exit0', status: 0, unloads: true },
    { how: 'exit1', status: 1, unloads: true },
    { how: 'exit0-in-flight', status: 0, unloads: true },
    { how: 'throw', status: 1, unloads: true },
    { how: 'reject', status: 1, unloads: true },
    { how: 'sigint-handler', status: 130, unloads: true },
    { how: 'sigterm-handler', status: 143, unloads: true },
    { how: 'sigint', status: null, signal: 'SIGINT', unloads: false },
    { how: 'sigterm', status: null, signal: 'SIGTERM', unloads: false },
  ];
  for (const e of exits) {
    it(`a process with a live server ends cleanly: ${e.how} → ${e.signal ?? `status ${e.status}`}`, () => {
      const r = runExitScript(repo, HOME!, 'identity_fp32', e.how, COLS, { input: 'INPUT0', output: 'OUTPUT0' });
      const out = r.stdout + r.stderr;
      expect(r.signal, out).toBe(e.signal ?? null);
      expect(r.status, out).toBe(e.status);
      expect(out).toContain('answered 16');
      expect(out).not.toMatch(/double free|corruption|Segmentation|Aborted|core dumped/i);
      // The server was stopped before Triton's libraries went away: it unloaded the model itself.
      if (e.unloads) expect(out).toMatch(/successfully unloaded/);
    });
  }
});

// Visible in the report as skipped, naming what is missing.
if (!READY) it.skip(`in-process Triton: ${T.missing.filter((m) => !m.includes('FIL backend')).join('; ')}`, () => {});
