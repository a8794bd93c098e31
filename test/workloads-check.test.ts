import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The checks that run before device time is spent on a capture: the committed
// schedules parse, fit their budget and cover every registered workload variant
// (scripts/capture/check-schedules.py), and every workload's CUDA source
// compiles (scripts/workloads/check-kernels.py, where nvcc is installed).
const ROOT = new URL('..', import.meta.url).pathname;
const python = spawnSync('python3', ['--version']).status === 0;
const nvcc = spawnSync('nvcc', ['--version']).status === 0;
const numpy = python && spawnSync('python3', ['-c', 'import numpy']).status === 0;
if (!python) console.log('workloads-check: skipped, no python3 on PATH');
else if (!numpy) console.log('workloads-check: driver replays skipped, python3 cannot import numpy');
else if (!nvcc) console.log('workloads-check: kernel compilation skipped, no nvcc on PATH');
// The PyTorch drivers with no kernels of their own (interactive.py) run on the CPU where a torch is installed
// (Debian's python3-torch; CI does not install it: the check is for whoever edits them).
const torchPy = spawnSync('/usr/bin/python3', ['-c', 'import torch']).status === 0;
if (!torchPy) console.log('workloads-check: interactive drivers skipped, /usr/bin/python3 cannot import torch (apt-get install python3-torch)');

const SCHEDULES = join(ROOT, 'scripts/capture/schedules');
const schedules = readdirSync(SCHEDULES).filter((f) => f.endsWith('.txt')).map((f) => join(SCHEDULES, f));

function py(args: string[]) {
  return spawnSync('python3', args, { cwd: ROOT, encoding: 'utf8', timeout: 480_000 });
}

describe.skipIf(!python)('workload checks', () => {
  it('the committed schedules fit 520 s each (one 600 s device call with packing) and cover every workload variant', () => {
    const run = py(['scripts/capture/check-schedules.py', ...schedules]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const list = py(['scripts/workloads/run.py', '--list']);
    const variants = list.stdout.trim().split('\n').length;
    expect(run.stdout).toContain(`covered ${variants} of ${variants} workload variants`);
    for (const m of run.stdout.matchAll(/about (\d+) s of 540/g)) expect(Number(m[1])).toBeLessThanOrEqual(520);
  });

  it('reports a variant that no schedule runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'abp-schedules-'));
    const one = join(dir, 'one.txt');
    writeFileSync(one, 'idle/ctx 16\nhash_scrypt/full 16\n');
    const run = py(['scripts/capture/check-schedules.py', one]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('2 episodes (1 hashing)');
    expect(run.stdout).toMatch(/missing: .*hash_randomx\/cycling/);
  });

  // Each module's kinds, as emulate/run.py names them in its summary lines.
  const emulated: [string[], string[]][] = [
    [['moreops10', 'moreops11'], ['moreops10.qsim/statevector', 'moreops10.rsa/sign', 'moreops10.lsm/compact',
      'moreops11.gbdt/train', 'moreops11.walk/deepwalk']],
    [['moreops12'], ['moreops12.perft/bitboard', 'moreops12.lpm/route', 'moreops12.cuckooht/build',
      'moreops12.rangecoder/decode', 'moreops12.sssp/delta']],
    [['moreops13'], ['moreops13.primes/millerrabin', 'moreops13.ising/multispin', 'moreops13.triangle/count',
      'moreops13.base64/codec', 'moreops13.walksat/3sat']],
    [['moreops14'], ['moreops14.philox/bulk', 'moreops14.gf2/elim', 'moreops14.nqueens/bitmask',
      'moreops14.noise/terrain', 'moreops14.sieve/segmented']],
    [['moreops15'], ['moreops15.hashgrid/ngp', 'moreops15.poker/eval7', 'moreops15.tfhe/polymul',
      'moreops15.fir/channelizer', 'moreops15.zobrist/ttable']],
    [['moreops16'], ['moreops16.xsbench/lookup', 'moreops16.sph/fluid', 'moreops16.raster/zbuffer',
      'moreops16.options/blackscholes', 'moreops16.ahocorasick/scan']],
    [['moreops17'], ['moreops17.louvain/modularity', 'moreops17.featurehash/murmur', 'moreops17.pic/deposit',
      'moreops17.inflate/decode', 'moreops17.stringhash/groupby']],
    [['moreops19'], ['moreops19.tuplespace/classify', 'moreops19.decimal/q1', 'moreops19.median/5x5',
      'moreops19.minimizer/sketch']],
    [['moreops20'], ['moreops20.poly1305/mac', 'moreops20.siphash/table', 'moreops20.utf8/transcode',
      'moreops20.pileup/count']],
    [['moreops21'], ['moreops21.gorilla/xor', 'moreops21.protobuf/decode', 'moreops21.geohash/join',
      'moreops21.go/playout']],
    [['moreops22'], ['moreops22.connect4/solve', 'moreops22.bignum/mul', 'moreops22.clique/bitset',
      'moreops22.bpf/interp']],
    [['moreops23'], ['moreops23.knapsack/dp', 'moreops23.nussinov/fold', 'moreops23.wavelet/rank',
      'moreops23.sudoku/solve']],
    [['moreops24'], ['moreops24.dp4a/gemm', 'moreops24.topk/radix', 'moreops24.voxel/raycast',
      'moreops24.bch/decode']],
    [['moreops25'], ['moreops25.collatz/verify', 'moreops25.mfaktc/trialfactor', 'moreops25.mandelbrot/fixedpoint',
      'moreops25.puzzle15/idastar']],
  ];
  for (const [modules, kinds] of emulated) {
    it.skipIf(!numpy)(`the ${modules.join(' and ')} drivers run on the CPU with their kernels replayed, every self-check agreeing`, () => {
      const run = py(['scripts/workloads/emulate/run.py', ...modules]);
      expect(run.status, run.stdout + run.stderr).toBe(0);
      for (const kind of kinds) {
        const line = run.stdout.split('\n').find((l) => l.includes(`${kind}:`));
        expect(line, kind).toMatch(/^ok {3}.*agree: True/);
      }
    }, 120_000);
  }

  it.skipIf(!torchPy)('the interactive drivers (serving, notebook, sweep, viz) run on the CPU in every variant', () => {
    const list = py(['scripts/workloads/run.py', '--list']).stdout.trim().split('\n');
    const specs = list.map((l) => l.split('\t')).filter(([, , family]) => family === 'interactive').map(([spec]) => spec)
      .filter((spec) => !spec.startsWith('bursty/')); // datawork.py's: CUDA only
    expect(specs).toHaveLength(9);
    for (const spec of specs) {
      const run = spawnSync('/usr/bin/python3', ['scripts/workloads/run.py', spec, '2'], {
        cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ABP_WORKLOAD_DEVICE: 'cpu' },
      });
      expect(run.status, `${spec}: ${run.stderr}`).toBe(0);
      expect(run.stdout.trim().split('\n')[0], spec).toBe('READY');
    }
  }, 600_000);

  it.skipIf(!nvcc)('every workload kernel compiles for sm_90 without warnings', () => {
    const run = py(['scripts/workloads/check-kernels.py']);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('ok ')).length).toBeGreaterThanOrEqual(20);
    expect(run.stdout).toContain('hashing_program.RANDOMX_SRC');
    expect(run.stdout).not.toContain('FAIL');
  }, 480_000);
});
