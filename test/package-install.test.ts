/**
 * The package as a user installs it (issue 11 items 10 and 11): `npm pack`
 * ships the linux-x64 prebuilt addon (CPU + CUDA in one binary), and
 * `npm install` of the tarball into a fresh project compiles nothing; the
 * installed package opens its bundled model by name, from ESM and CommonJS,
 * and its types give `mining` as a boolean. Needs the prebuilt binary
 * (`npm run prebuilds`), dist/ and the npm cache for the dependencies
 * (--prefer-offline); skipped, saying why, without them.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const PREBUILT = path.join(ROOT, 'prebuilds/linux-x64/abp-fil.napi.glibc.node');
const why =
  process.platform !== 'linux' || process.arch !== 'x64'
    ? 'not linux-x64'
    : !fs.existsSync(PREBUILT)
      ? 'no prebuilt addon (npm run prebuilds builds it)'
      : !fs.existsSync(path.join(ROOT, 'dist/index.js'))
        ? 'dist/ is not built (npm run build:ts)'
        : '';
if (why) console.log(`[package-install] SKIPPED: ${why}`);

function sh(cmd: string, args: string[], cwd: string, timeout = 300_000) {
  return new Promise<{ code: number; out: string }>((resolve) =>
    execFile(cmd, args, { cwd, timeout, maxBuffer: 1 << 26 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
}

describe.runIf(!why)('npm pack, then npm install of the tarball', () => {
  it('ships the prebuilt addon, installs in seconds without compiling, and works from ESM, CommonJS and TypeScript', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-pack-'));
    // --ignore-scripts: dist/ and prebuilds/ are already built (prepack would rebuild a stale prebuild).
    const pack = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT);
    expect(pack.code, pack.out).toBe(0);
    const info = JSON.parse(pack.out.slice(pack.out.indexOf('['))) as Array<{ filename: string; size: number; files: Array<{ path: string }> }>;
    const files = info[0].files.map((f) => f.path);
    expect(files).toContain('prebuilds/linux-x64/abp-fil.napi.glibc.node');
    expect(files).toContain('scripts/install.mjs');
    expect(info[0].size).toBeLessThan(64 * 2 ** 20);
    console.log(`[package-install] ${info[0].filename}: ${(info[0].size / 2 ** 20).toFixed(2)} MiB packed, ${files.length} files`);

    const proj = path.join(tmp, 'consumer');
    fs.mkdirSync(proj);
    fs.writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'consumer', version: '9.9.9', type: 'module' }));
    const t0 = performance.now();
    const inst = await sh('npm', ['install', path.join(tmp, info[0].filename), '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], proj);
    const seconds = (performance.now() - t0) / 1000;
    expect(inst.code, inst.out).toBe(0);
    console.log(`[package-install] npm install: ${seconds.toFixed(1)} s`);
    expect(inst.out).toMatch(/abp-fil: using the prebuilt native addon prebuilds\/linux-x64\/abp-fil\.napi\.glibc\.node; nothing to build/);
    expect(inst.out).not.toMatch(/building the native addon from source/);
    const pkg = path.join(proj, 'node_modules/abp-fil');
    expect(fs.existsSync(path.join(pkg, 'build'))).toBe(false);

    // The bundled model by name, from the consumer's directory, on real records.
    const golden = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/golden/nvsmi-h200-train.predictions.json'), 'utf8')) as { probabilities: number[] };
    const lines = gunzipSync(fs.readFileSync(path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz'))).toString('utf8').split('\n').filter(Boolean).slice(0, 200);
    fs.writeFileSync(path.join(proj, 'records.json'), `[${lines.join(',')}]`);
    fs.writeFileSync(
      path.join(proj, 'esm.mjs'),
      `import fs from 'node:fs';
import { classify, openModel } from 'abp-fil';
const m = await openModel('abp-nvsmi-xgb', { engineOptions: { device: 'cpu' } });
console.log('model', m.entry.name, m.numFeature);
m.forest.dispose();
const out = await classify(JSON.parse(fs.readFileSync('records.json', 'utf8')), { engineOptions: { device: 'cpu' } });
console.log('mining', JSON.stringify(out.map((r) => r.mining)));`,
    );
    const esm = await sh(process.execPath, ['esm.mjs'], proj);
    expect(esm.code, esm.out).toBe(0);
    expect(esm.out).toContain('model abp-nvsmi-xgb 5');
    const mining = JSON.parse(/mining (.*)/.exec(esm.out)![1]) as boolean[];
    expect(mining).toEqual(golden.probabilities.slice(0, 200).map((p) => p > 0.5));

    fs.writeFileSync(path.join(proj, 'cjs.cjs'), `const abp = require('abp-fil'); console.log('cjs', typeof abp.classify, typeof abp.openModel);`);
    const cjs = await sh(process.execPath, ['cjs.cjs'], proj);
    expect(cjs.out).toContain('cjs function function');

    const version = await sh(path.join(proj, 'node_modules/.bin/abp'), ['--version'], proj);
    expect(version.out.trim()).toBe((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);

    // Types: mining is a boolean (a number with scores: true).
    fs.writeFileSync(
      path.join(proj, 'types.ts'),
      `import { classify } from 'abp-fil';
const a: boolean = (await classify([{}]))[0].mining;
const b: number = (await classify([{}], { scores: true }))[0].mining;
export { a, b };`,
    );
    const tsc = await sh(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', 'types.ts'],
      proj,
    );
    expect(tsc.code, tsc.out).toBe(0);
  }, 400_000);
});
