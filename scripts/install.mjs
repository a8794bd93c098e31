#!/usr/bin/env node
// npm install hook: use a prebuilt or already-built addon when one loads
// (node-gyp-build looks in prebuilds/<platform>-<arch>/ and build/Release),
// otherwise build from source with cmake-js, offline (Node-API headers come
// from the node-api-headers package).
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function loads() {
  try {
    require('node-gyp-build')(root);
    return true;
  } catch {
    return false;
  }
}

if (process.env.ABP_BUILD_FROM_SOURCE !== '1' && loads()) {
  console.log('abp-fil: using the existing native addon');
  process.exit(0);
}
const cmakeJs = path.join(path.dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--runtime=node', '--out=build'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
