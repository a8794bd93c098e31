#!/usr/bin/env node
// Builds the addon with cmake-js and puts it where node-gyp-build looks for
// prebuilt binaries: prebuilds/<platform>-<arch>/abp-fil.napi.<libc>.node.
// (prebuildify drives node-gyp only, so this does its job for our CMake build.)
// A package shipped with prebuilds/ installs without a compiler: the install
// hook (scripts/install.mjs) finds the prebuilt addon loads and builds nothing.
//
//   npm run prebuilds            build it (CPU + CUDA when nvcc is found)
//   node scripts/make-prebuild.mjs --if-stale
//                                only when missing or older than native/ or
//                                CMakeLists.txt (npm pack runs this: prepack)
// With nvcc on PATH the binary must carry the CUDA engine; ABP_PREBUILD_CPU_ONLY=1
// allows shipping one without (a machine with no CUDA toolkit).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const out = 'build-prebuild';
const libc = process.platform === 'linux' ? (existsSync('/etc/alpine-release') ? '.musl' : '.glibc') : '';
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const target = path.join(dir, `abp-fil.napi${libc}.node`);

/** Newest modification time under the native sources. */
function newestSource() {
  let newest = statSync(path.join(root, 'CMakeLists.txt')).mtimeMs;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(path.join(root, 'native'));
  return newest;
}

if (process.argv.includes('--if-stale') && existsSync(target) && statSync(target).mtimeMs >= newestSource()) {
  console.log(`make-prebuild: ${path.relative(root, target)} is up to date`);
  process.exit(0);
}

const cmakeJs = path.join(path.dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--runtime=node', `--out=${out}`], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

const built = path.join(root, out, 'Release', 'abp_fil.node');
if (!existsSync(built)) {
  console.error(`make-prebuild: ${built} was not produced`);
  process.exit(1);
}
const hasNvcc = spawnSync('nvcc', ['--version'], { stdio: 'ignore' }).status === 0;
const info = require(built).buildInfo;
if (hasNvcc && !info.cuda && process.env.ABP_PREBUILD_CPU_ONLY !== '1') {
  console.error('make-prebuild: nvcc is here but the addon was built without the CUDA engine; not shipping a CPU-only binary (ABP_PREBUILD_CPU_ONLY=1 to allow)');
  process.exit(1);
}
mkdirSync(dir, { recursive: true });
copyFileSync(built, target);

// Prove node-gyp-build picks it when no local build is there.
const check = spawnSync(
  process.execPath,
  ['-e', `const a = require('node-gyp-build').path(${JSON.stringify(root)}); console.log(a);`],
  { cwd: root, env: { ...process.env, PREBUILDS_ONLY: '1' }, encoding: 'utf8' },
);
if (check.status !== 0 || check.stdout.trim() !== target) {
  console.error(`make-prebuild: node-gyp-build does not resolve ${target}:\n${check.stdout}${check.stderr}`);
  process.exit(1);
}
console.log(`make-prebuild: ${path.relative(root, target)} (${info.cuda ? 'CPU + CUDA' : 'CPU only'}, ${(statSync(target).size / 2 ** 20).toFixed(1)} MiB)`);
