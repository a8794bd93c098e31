/**
 * The Triton bridge where no Triton is installed: a missing library, a
 * library without the C API, a wrong API version, each with its own error;
 * and the engine selection falling back (or, with engine 'triton', failing
 * with the paths tried). The stand-in libraries are compiled here from C
 * written for this test; they export only what each case needs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TritonError } from '../src/errors.js';
import { addon } from '../src/native/addon.js';
import { openModel } from '../src/model-repo/open.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { packageRoot } from '../src/native/addon.js';
import { describeHomes, inspectHome, selectTritonEngine, tritonHomes } from '../src/triton/index.js';

// Every function the bridge resolves (the optional ones are left out of the
// "complete" stand-in on purpose: the bridge must accept their absence).
const REQUIRED = [
  'ApiVersion', 'ErrorNew', 'ErrorDelete', 'ErrorCode', 'ErrorCodeString', 'ErrorMessage',
  'MessageSerializeToJson', 'MessageDelete', 'ResponseAllocatorNew', 'ResponseAllocatorDelete',
  'ServerOptionsNew', 'ServerOptionsDelete', 'ServerOptionsSetModelRepositoryPath', 'ServerOptionsSetModelControlMode',
  'ServerOptionsSetStrictModelConfig', 'ServerOptionsSetBackendDirectory', 'ServerOptionsSetCudaMemoryPoolByteSize',
  'ServerOptionsSetPinnedMemoryPoolByteSize', 'ServerOptionsSetLogInfo', 'ServerOptionsSetLogWarn', 'ServerOptionsSetLogError',
  'ServerOptionsSetLogVerbose', 'ServerNew', 'ServerDelete', 'ServerStop', 'ServerIsLive', 'ServerIsReady', 'ServerLoadModel',
  'ServerUnloadModel', 'ServerModelIsReady', 'ServerModelMetadata', 'ServerInferAsync', 'InferenceRequestNew',
  'InferenceRequestDelete', 'InferenceRequestAddInput', 'InferenceRequestAppendInputData', 'InferenceRequestAddRequestedOutput',
  'InferenceRequestSetReleaseCallback', 'InferenceRequestSetResponseCallback', 'InferenceResponseDelete',
  'InferenceResponseError', 'InferenceResponseOutputCount', 'InferenceResponseOutput',
];

let dir: string;
let cc: string | undefined;

function fakeLibrary(name: string, symbols: string[], major: number, minor: number): string {
  const src = [
    '#include <stdint.h>',
    ...symbols
      .filter((s) => s !== 'ApiVersion')
      .map((s) => `void* TRITONSERVER_${s}(void) { return 0; }`),
    symbols.includes('ApiVersion')
      ? `void* TRITONSERVER_ApiVersion(uint32_t* major, uint32_t* minor) { *major = ${major}; *minor = ${minor}; return 0; }`
      : '',
  ].join('\n');
  const c = path.join(dir, `${name}.c`);
  const so = path.join(dir, name, 'lib', 'libtritonserver.so');
  fs.mkdirSync(path.dirname(so), { recursive: true });
  fs.writeFileSync(c, src);
  execFileSync(cc!, ['-shared', '-fPIC', '-o', so, c]);
  return so;
}

function codeOf(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected an error');
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-triton-loader-'));
  for (const c of ['cc', 'gcc', 'clang']) {
    try {
      execFileSync(c, ['--version'], { stdio: 'ignore' });
      cc = c;
      break;
    } catch {
      /* next */
    }
  }
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('Triton library loader', () => {
  it('reports a missing library with the path tried', () => {
    const missing = path.join(dir, 'nowhere', 'lib', 'libtritonserver.so');
    const e = codeOf(() => addon().triton.probe(missing));
    expect(e.code).toBe('ABP_TRITON_NOT_FOUND');
    expect(e.message).toContain(missing);
    expect(e.message).toContain('no such file');
    const e2 = codeOf(() => addon().triton.load([missing, `${missing}.2`]));
    expect(e2.code).toBe('ABP_TRITON_NOT_FOUND');
    expect(e2.message).toContain(missing);
    expect(e2.message).toContain(`${missing}.2`);
    expect(addon().triton.library()).toBeNull();
  });

  it('reports a file that is not a shared library', () => {
    const bogus = path.join(dir, 'bogus.so');
    fs.writeFileSync(bogus, 'not an ELF file');
    const e = codeOf(() => addon().triton.probe(bogus));
    expect(e.code).toBe('ABP_TRITON_NOT_FOUND');
    expect(e.message).toMatch(/cannot be opened/);
  });

  it.skipIf(!fs.existsSync('/usr/bin/cc'))('names the C API functions a library lacks', () => {
    const so = fakeLibrary('partial', ['ApiVersion', 'ErrorNew', 'ErrorDelete', 'ServerNew'], 1, 34);
    const e = codeOf(() => addon().triton.probe(so));
    expect(e.code).toBe('ABP_TRITON_SYMBOLS');
    expect(e.message).toContain(so);
    expect(e.message).toContain('TRITONSERVER_ServerInferAsync');
    expect(e.message).toContain('TRITONSERVER_ResponseAllocatorNew');
    expect(e.message).not.toContain('TRITONSERVER_ServerNew,');
    // A library present but unusable is an error, not skipped for the next path.
    const e2 = codeOf(() => addon().triton.load([so, path.join(dir, 'nowhere.so')]));
    expect(e2.code).toBe('ABP_TRITON_SYMBOLS');
  });

  it.skipIf(!fs.existsSync('/usr/bin/cc'))('refuses an API version it was not written for', () => {
    const newMajor = fakeLibrary('major2', REQUIRED, 2, 0);
    const e = codeOf(() => addon().triton.probe(newMajor));
    expect(e.code).toBe('ABP_TRITON_VERSION');
    expect(e.message).toContain('API 2.0');
    const old = fakeLibrary('minor10', REQUIRED, 1, 10);
    const e2 = codeOf(() => addon().triton.probe(old));
    expect(e2.code).toBe('ABP_TRITON_VERSION');
    expect(e2.message).toMatch(/API 1\.10; this bridge needs 1\.x with x >= 22/);
  });

  it.skipIf(!fs.existsSync('/usr/bin/cc'))('accepts a complete library of a usable version, optional functions absent', () => {
    const ok = fakeLibrary('complete', REQUIRED, 1, addon().triton.apiVersion.minorRequired);
    const info = addon().triton.probe(ok);
    expect(info.path).toBe(ok);
    expect(info.apiVersion).toEqual({ major: 1, minor: addon().triton.apiVersion.minorRequired });
    expect(info.missingOptional).toEqual(
      expect.arrayContaining(['TRITONSERVER_ServerOptionsSetMetrics', 'TRITONSERVER_ServerOptionsSetExitTimeout']),
    );
    // probe() does not make it the process's library.
    expect(addon().triton.library()).toBeNull();
  });

  it('refuses server calls before a library is loaded', async () => {
    expect(addon().triton.serverState()).toBe('none');
    await expect(addon().triton.startServer({ modelRepository: dir, backendDirectory: dir })).rejects.toMatchObject({
      code: 'ABP_TRITON_STATE',
    });
    await expect(addon().triton.infer('m', new Float32Array(5), 1, 5, {})).rejects.toMatchObject({ code: 'ABP_TRITON_STATE' });
  });
});

describe('engine selection without Triton', () => {
  it('looks in --triton_home, TRITON_HOME, then /opt/tritonserver', () => {
    expect(tritonHomes('/a', { TRITON_HOME: '/b' })).toEqual(['/a', '/b', '/opt/tritonserver']);
    expect(tritonHomes(undefined, {})).toEqual(['/opt/tritonserver']);
    const r = inspectHome(path.join(dir, 'empty-home'));
    expect(r).toMatchObject({ hasLibrary: false, hasFilBackend: false });
    expect(describeHomes([r])).toContain('libtritonserver.so (server library)');
    expect(describeHomes([r])).toContain(path.join('backends', 'fil', 'libtriton_fil.so (FIL backend)'));
  });

  it.skipIf(fs.existsSync('/opt/tritonserver'))('says so when the library is found but not the FIL backend', async () => {
    const saved = process.env.TRITON_HOME;
    delete process.env.TRITON_HOME;
    const home = path.join(dir, 'no-fil');
    fs.mkdirSync(path.join(home, 'lib'), { recursive: true });
    fs.mkdirSync(path.join(home, 'backends', 'identity'), { recursive: true });
    fs.writeFileSync(path.join(home, 'lib', 'libtritonserver.so'), '');
    const model = await openModel('abp-nvsmi-xgb');
    try {
      const sel = await selectTritonEngine(model, { tritonHome: home });
      expect(sel).toMatchObject({
        engine: 'embedded',
        reason: `Triton's server library is at ${path.join(home, 'lib', 'libtritonserver.so')} but its FIL backend is not (${path.join(home, 'backends', 'fil', 'libtriton_fil.so')} is missing)`,
      });
      const infos: string[] = [];
      const logger = { info: (m: string) => infos.push(m), warn: () => undefined };
      await new Pipeline({ logger })
        .fromRecords([{ 'nvidia_smi_log.gpu.utilization.gpu_util': '3 %' }]).deserialize().preprocess()
        .inference({ stage: 'inf-triton', modelName: 'abp-nvsmi-xgb', tritonHome: home }).addClass().collect().run();
      const line = infos.find((m) => m.startsWith('inf-triton:'));
      expect(line).toContain('but its FIL backend is not');
      expect(line).not.toContain('not available here');
    } finally {
      model.forest.dispose();
      if (saved !== undefined) process.env.TRITON_HOME = saved;
    }
  });

  it.skipIf(fs.existsSync('/opt/tritonserver'))('falls back to the embedded engine, or fails with the paths tried under engine triton', async () => {
    const saved = process.env.TRITON_HOME;
    delete process.env.TRITON_HOME;
    const home = path.join(dir, 'no-triton');
    const model = await openModel('abp-nvsmi-xgb');
    try {
      const sel = await selectTritonEngine(model, { tritonHome: home });
      expect(sel.engine).toBe('embedded');
      if (sel.engine === 'embedded') {
        expect(sel.reason).toContain(path.join(home, 'lib', 'libtritonserver.so'));
        expect(sel.reason).toContain('/opt/tritonserver');
      }
      const err = await selectTritonEngine(model, { tritonHome: home, engine: 'triton' }).catch((e) => e);
      expect(err).toBeInstanceOf(TritonError);
      expect(err.code).toBe('ABP_TRITON_NOT_FOUND');
      expect(err.message).toContain(`${home}: missing ${path.join(home, 'lib', 'libtritonserver.so')} (server library)`);
      expect(err.message).toContain('/opt/tritonserver: missing');
    } finally {
      model.forest.dispose();
      if (saved !== undefined) process.env.TRITON_HOME = saved;
    }
  });
});

describe.skipIf(fs.existsSync('/opt/tritonserver'))('inf-triton in the pipeline without Triton', () => {
  const input = () => {
    const f = path.join(dir, 'telemetry.jsonlines');
    if (!fs.existsSync(f)) fs.writeFileSync(f, execFileSync('gzip', ['-dc', path.join(packageRoot, 'data', 'nvsmi-h200-train.jsonlines.gz')], { maxBuffer: 1 << 30 }));
    return f;
  };

  it('falls back to the embedded engine with one log line and the same results as inf-fil', async () => {
    const saved = process.env.TRITON_HOME;
    delete process.env.TRITON_HOME;
    try {
      const infos: string[] = [];
      const logger = { info: (m: string) => infos.push(m), warn: () => undefined };
      const run = (stage: 'inf-triton' | 'inf-fil') =>
        new Pipeline({ logger }).fromFile(input()).deserialize().preprocess().inference({ stage, modelName: 'abp-nvsmi-xgb', tritonHome: path.join(dir, 'none') }).addClass().collect().run();
      const viaTriton = await run('inf-triton');
      expect(infos.filter((m) => m.startsWith('inf-triton:'))).toEqual([
        expect.stringMatching(/^inf-triton: Triton Inference Server is not available here \(no .*libtritonserver\.so.*\); running model 'abp-nvsmi-xgb'/),
      ]);
      const viaFil = await run('inf-fil');
      expect(viaTriton.rowsOut).toBe(1020);
      expect(viaTriton.records!.map((r) => r.mining)).toEqual(viaFil.records!.map((r) => r.mining));
    } finally {
      if (saved !== undefined) process.env.TRITON_HOME = saved;
    }
  });

  it('fails under engine triton, listing the paths tried and what was missing', async () => {
    const saved = process.env.TRITON_HOME;
    process.env.TRITON_HOME = path.join(dir, 'env-home');
    try {
      const err = await new Pipeline({ logger: { info: () => undefined, warn: () => undefined } })
        .fromFile(input()).deserialize().preprocess()
        .inference({ stage: 'inf-triton', modelName: 'abp-nvsmi-xgb', engine: 'triton', tritonHome: path.join(dir, 'opt-home') })
        .addClass().collect().run().catch((e) => e);
      expect(err).toBeInstanceOf(TritonError);
      const lines = String(err.message).split('\n');
      expect(lines[0]).toMatch(/^--engine=triton: Triton Inference Server with the FIL backend not found; tried:$/);
      expect(lines.slice(1).map((l) => l.trim().split(':')[0])).toEqual([path.join(dir, 'opt-home'), path.join(dir, 'env-home'), '/opt/tritonserver']);
    } finally {
      if (saved === undefined) delete process.env.TRITON_HOME;
      else process.env.TRITON_HOME = saved;
    }
  });
});
