// The README's quick start writes out.jsonlines / output.jsonlines in the
// repository root: they must not show as untracked files (issue 11 item 12).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const isGit = fs.existsSync(path.join(ROOT, '.git'));
if (!isGit) console.log('[quickstart-files] SKIPPED: not a git checkout');

describe.runIf(isGit)('quick start outputs', () => {
  it('every output file the README writes in the root is ignored by git', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const written = new Set<string>();
    for (const m of readme.matchAll(/abp detect \S+ ([\w.-]+\.(?:jsonlines|arrow|gz))\b/g)) written.add(m[1]);
    for (const m of readme.matchAll(/to-file --filename=([\w.-]+)/g)) written.add(m[1]);
    expect([...written].sort()).toEqual(expect.arrayContaining(['out.jsonlines', 'output.jsonlines']));
    // check-ignore prints each ignored path; exits 1 when none is.
    const ignored = execFileSync('git', ['check-ignore', ...written], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(ignored.sort()).toEqual([...written].sort());
  });
});
