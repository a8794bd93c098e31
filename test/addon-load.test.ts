// Which addon binary loads: a prebuilt one for this platform first (what a
// published package ships), else the local build.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { addon, prebuildPath, type NodeGypBuild } from '../src/native/addon.js';

const ngb = createRequire(import.meta.url)('node-gyp-build') as NodeGypBuild;

function tree(files: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-prebuilds-'));
  for (const f of files) {
    fs.mkdirSync(path.join(root, path.dirname(f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), '');
  }
  return root;
}

describe('addon loading', () => {
  it('picks the prebuild of this platform and arch, by node-gyp-build tags', () => {
    const here = `${process.platform}-${process.arch}`;
    const other = process.platform === 'darwin' ? 'linux-x64' : 'darwin-arm64';
    const root = tree([`prebuilds/${other}/abp-fil.napi.node`, `prebuilds/${here}/abp-fil.napi.node`, `prebuilds/${here}/README.txt`]);
    expect(prebuildPath(ngb, root)).toBe(path.join(root, 'prebuilds', here, 'abp-fil.napi.node'));
  });

  it('no prebuild for this platform: none, so the local build is used', () => {
    const other = process.platform === 'darwin' ? 'linux-x64' : 'darwin-arm64';
    expect(prebuildPath(ngb, tree([`prebuilds/${other}/abp-fil.napi.node`]))).toBeUndefined();
    expect(prebuildPath(ngb, tree([]))).toBeUndefined();
  });

  it('the addon of this checkout loads and says how it was built', () => {
    const info = addon().buildInfo;
    expect(info.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(typeof info.cuda).toBe('boolean');
  });
});
