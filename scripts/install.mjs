#!/usr/bin/env node
// npm install hook: use the prebuilt addon (prebuilds/<platform>-<arch>/, shipped
// in the package for linux-x64) or an existing local build when one loads;
// otherwise build from source with cmake-js, offline (Node-API headers come from
// the node-api-headers package), saying so first: npm hides the output of
// install scripts, so the notice also goes to the terminal when there is one.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { openSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Prints to stderr and, when npm hides that, to the controlling terminal. */
function notice(text) {
  process.stderr.write(`${text}\n`);
  if (process.stderr.isTTY) return;
  try {
    const fd = openSync('/dev/tty', 'w');
    writeSync(fd, `${text}\n`);
    closeSync(fd);
  } catch {
    // no terminal (CI, Docker build): the notice is in npm's log
  }
}

let why = 'ABP_BUILD_FROM_SOURCE=1';
if (process.env.ABP_BUILD_FROM_SOURCE !== '1') {
  try {
    const file = require('node-gyp-build').path(root);
    require(file);
    console.log(`abp-fil: using the ${file.includes(`${path.sep}prebuilds${path.sep}`) ? 'prebuilt' : 'existing'} native addon ${path.relative(root, file)}; nothing to build`);
    process.exit(0);
  } catch (err) {
    why = `no prebuilt addon loads on ${process.platform}-${process.arch} (${String(err?.message ?? err).split('\n')[0]})`;
  }
}
const cuda = spawnSync('nvcc', ['--version'], { stdio: 'ignore' }).status === 0;
notice(
  `abp-fil: building the native addon from source: ${why}. ` +
    `cmake and a C++17 compiler are needed; this takes 1-2 minutes${cuda ? ' (nvcc found: the CUDA engine is compiled in, longer)' : ' (no nvcc: CPU engine only)'}.`,
);
const cmakeJs = path.join(path.dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--runtime=node', '--out=build'], { cwd: root, stdio: 'inherit' });
if (r.status === 0) notice('abp-fil: native addon built');
process.exit(r.status ?? 1);
