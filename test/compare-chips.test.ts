import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Capture bq (an H100) recorded alone again benign kinds first recorded alone on H200s (a, b, l, ai, al, ad).
// scripts/gpm/compare-chips.py lines the two chips' readings up; data/README.md and the model card rest on
// what it prints: compute readings agree, DRAM activity (a share of each chip's own peak) reads higher on
// the H100, whose peak bandwidth is the lower.
const ROOT = new URL('..', import.meta.url).pathname;
const python = spawnSync('python3', ['-c', 'pass']).status === 0;
if (!python) console.log('compare-chips: skipped, no python3');

const FILES = ['a', 'b', 'l', 'ai', 'al', 'ad'].map((c) => `data/nvsmi-h200-gpm-${c}.jsonlines.gz`)
  .concat('data/nvsmi-h100-gpm-bq.jsonlines.gz');

function run(files: string[]) {
  const r = spawnSync('python3', ['scripts/gpm/compare-chips.py', ...files], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** workload -> { ratio, H200: {sm, int, dram, ...}, H100: {...} } from the script's report. */
function parse(out: string) {
  const kinds = new Map<string, { ratio?: number; chips: Record<string, Record<string, number>> }>();
  let cur: { ratio?: number; chips: Record<string, Record<string, number>> } | undefined;
  for (const line of out.split('\n')) {
    const head = /^(\S+\/\S+)(?:\s+dram H100\/H200 ([\d.]+))?$/.exec(line);
    if (head) {
      cur = { ratio: head[2] === undefined ? undefined : Number(head[2]), chips: {} };
      kinds.set(head[1], cur);
      continue;
    }
    const chip = /^ {2}(H100|H200) n=\s*\d+ \[\d+\]\s+(.*)$/.exec(line);
    if (chip && cur) {
      const vals: Record<string, number> = {};
      const parts = chip[2].trim().split(/\s+/);
      for (let i = 0; i + 1 < parts.length; i += 2) vals[parts[i]] = Number(parts[i + 1]);
      cur.chips[chip[1]] = vals;
    }
  }
  return kinds;
}

describe.skipIf(!python)('the same kind alone on an H100 and an H200', () => {
  it('reads the same on the compute pipes and higher DRAM activity on the H100', () => {
    const out = run(FILES);
    const kinds = parse(out);
    for (const k of ['fp64/gemm', 'embedding/uniform', 'hashjoin/probe', 'lz77/match', 'primes/millerrabin',
      'poker/eval7', 'motion/sad', 'minhash/lsh']) expect(kinds.has(k), k).toBe(true);
    const ratios = [...kinds.values()].flatMap((k) => (k.ratio === undefined ? [] : [k.ratio]));
    expect(ratios.length).toBeGreaterThanOrEqual(5);
    for (const [name, k] of kinds) if (k.ratio !== undefined) expect(k.ratio, name).toBeGreaterThan(1.1);
    // Integer work with no DRAM traffic: the same readings on both chips, to a point.
    for (const name of ['primes/millerrabin', 'poker/eval7', 'motion/sad', 'minhash/lsh']) {
      const { H100, H200 } = kinds.get(name)!.chips;
      for (const key of ['sm', 'occ', 'int']) expect(Math.abs(H100[key] - H200[key]), `${name} ${key}`).toBeLessThan(1.5);
    }
    const summary = /median ([\d.]+), range ([\d.]+)-([\d.]+)/.exec(out);
    expect(summary, out).not.toBeNull();
    expect(Number(summary![1])).toBeGreaterThan(1.2);
    expect(Number(summary![1])).toBeLessThan(1.6);
  });

  it('says so when no kind was recorded on both chips', () => {
    expect(run(['data/nvsmi-h100-gpm-bq.jsonlines.gz'])).toMatch(/no workload was recorded alone on both/);
  });
});
