// The README's main command goes through the package's bin (dist/cli/main.js,
// built by `npm install`): it must be executable and run the pipeline.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'dist/cli/main.js');
const built = fs.existsSync(BIN);
if (!built) console.log('[cli-bin] SKIPPED: dist/ is not built (npm install or npm run build:ts builds it)');

function run(cmd: string, args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(cmd, args, { cwd: ROOT }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
  );
}

describe.runIf(built)('the abp bin', () => {
  it('is executable with a node shebang', () => {
    expect(fs.readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(fs.statSync(BIN).mode & 0o111).not.toBe(0);
  });

  it('npx abp detect runs the main job on the bundled model and data', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'abp-bin-')), 'out.jsonlines');
    const r = await run('npx', ['abp', 'detect', 'data/nvsmi-h200-train.jsonlines.gz', out, '--json']);
    expect(r.stderr).not.toMatch(/Permission denied/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { rows: number; flagged: number };
    expect(summary.rows).toBe(1020);
    expect(fs.readFileSync(out, 'utf8').trim().split('\n').length).toBe(1020);
  });
});
