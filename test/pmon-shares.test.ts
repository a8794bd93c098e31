import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Capture bf ran `nvidia-smi pmon -s u` beside its recording (data/pmon-bf.txt.gz): each
// process's SM share per second. scripts/gpm/pmon-shares.py lines it up with the labelled
// records; the model card's Limits rest on what it prints: the shares swing from second to
// second while the GPU's own pipe activities stay put, so they cannot unmix a pair.
const ROOT = new URL('..', import.meta.url).pathname;
const numpy = spawnSync('python3', ['-c', 'import numpy']).status === 0;
if (!numpy) console.log('pmon-shares: skipped, python3 cannot import numpy');

describe.skipIf(!numpy)('per-process SM shares beside capture bf', () => {
  it('swing by far more than the GPM activities they would have to explain, in every pair episode', () => {
    const run = spawnSync('python3', ['scripts/gpm/pmon-shares.py', 'data/pmon-bf.txt.gz',
      'data/nvsmi-h200-gpm-bf.jsonlines.gz'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const rows = run.stdout.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    expect(rows.length).toBe(13); // bf's thirteen pair episodes
    for (const r of rows) {
      const [shareSd, tensorSd, intSd] = [r[3].split('/').map(Number)[0], Number(r[4]), Number(r[5])];
      expect(shareSd, r[0]).toBeGreaterThan(5);
      expect(Math.max(tensorSd, intSd), r[0]).toBeLessThan(2);
      for (const c of [...r[6].split('/'), ...r[7].split('/')]) expect(Math.abs(Number(c)), r[0]).toBeLessThan(0.5);
    }
  });
});
