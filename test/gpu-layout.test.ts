// The CUDA engine's launch geometry (native/cuda/layout.h: threads, tiles,
// shared memory, split-trees grid) through cuda.planLayoutForTesting. Pure
// C++, no device: runs everywhere. The GPU side (that the kernels launch with
// these numbers, side by side in one process) is test/gpu-engine.test.ts.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addon, type NativeLaunchLayout } from '../src/native/addon.js';
import { loadManifest, readBytes } from './fixtures.js';

// cudaDeviceProp::sharedMemPerBlockOptin and multiProcessorCount.
const H200 = { smemOptin: 232_448, smCount: 132 };
const A100 = { smemOptin: 166_912, smCount: 108 };
const T4 = { smemOptin: 65_536, smCount: 40 }; // sm_75, the oldest this build runs on
const DEVICES = { H200, A100, T4 };
const DEFAULT_SMEM = 48 << 10; // more needs cudaFuncSetAttribute(MaxDynamicSharedMemorySize)

const MODELS: [string, Uint8Array][] = [
  ...loadManifest().models.map((m) => [m.name, readBytes(m.files.json)] as [string, Uint8Array]),
  ['abp-nvsmi-xgb', readFileSync(resolve(import.meta.dirname, '../models/abp-nvsmi-xgb/1/xgboost.json'))],
];
const bytesOf = (name: string) => MODELS.find(([n]) => n === name)![1];

type Case = { env?: Record<string, string>; smemOptin: number; smCount: number };
function plan(name: string, cases: Case[], rows: number[] = []): NativeLaunchLayout[] {
  const out = addon().cuda.planLayoutForTesting(bytesOf(name), 'json', cases, rows);
  for (const [i, l] of out.entries()) {
    if ('code' in l) throw new Error(`${name} ${JSON.stringify(cases[i])}: ${l.code} ${l.message}`);
  }
  return out as NativeLaunchLayout[];
}
const one = (name: string, env: Record<string, string>, dev = H200, rows: number[] = []) => plan(name, [{ env, ...dev }], rows)[0]!;

describe('CUDA launch geometry (no GPU needed)', () => {
  it('reproduces the layouts the H200 reported on 2026-12-01 (scripts/bench-gpu-latency.ts)', () => {
    // "tiled tiles=268 tile_bytes=12240 ... smem=56224 ... split-trees-to=16896"
    expect(one('large', {})).toMatchObject({ threads: 256, numTiles: 268, tileBytes: 12240, smemBytes: 56224, splitTreesUpTo: 16896 });
    expect(one('large', { ABP_CUDA_THREADS: '64' })).toMatchObject({ threads: 64, numTiles: 268, smemBytes: 32416, splitTreesUpTo: 4224 });
    expect(one('abp-nvsmi-xgb', {})).toMatchObject({ numTiles: 1, tileBytes: 5472, smemBytes: 10592, splitTrees: false });
    expect(one('abp-nvsmi-xgb', { ABP_CUDA_TILE_KB: '4' })).toMatchObject({ numTiles: 2, tileBytes: 4096, smemBytes: 13312, splitTrees: true });
  });

  it('ABP_CUDA_TILE_KB=4 on the 500-tree model: tiles grow to its biggest tree (7,696 bytes), not to half of shared memory', () => {
    // Before: trees over 4 KiB made the tiles ~98 KiB (25 tiles, 232,032 bytes of shared memory per block), a
    // layout that failed to launch once another model lowered the kernels' shared-memory limit.
    const l = one('large', { ABP_CUDA_TILE_KB: '4' }, H200, [1000]);
    expect(l.biggestTreeBytes).toBe(7696);
    expect(l.tileBytes).toBe(7696);
    expect(l.numTiles).toBeGreaterThan(268);
    expect(l.smemBytes).toBeLessThanOrEqual(DEFAULT_SMEM);
    expect(l.splits[0]).toMatchObject({ rowBlocks: 4 });
  });

  it('ABP_CUDA_TILE_KB larger than shared memory holds is clamped; every size works on every device', () => {
    const sizes = ['0', '1', '2', '3', '4', '5', '8', '12', '16', '24', '32', '48', '64', '96', '100', '128', '200', '1000', '1048576'];
    const threads = ['32', '64', '256', '512'];
    for (const [name] of MODELS) {
      const cases: Case[] = [];
      for (const dev of Object.values(DEVICES)) {
        for (const kb of sizes) for (const t of threads) cases.push({ env: { ABP_CUDA_TILE_KB: kb, ABP_CUDA_THREADS: t }, ...dev });
        cases.push({ env: { ABP_CUDA_STAGE_NODES: '0' }, ...dev }, { env: { ABP_CUDA_STAGE_ROWS: '0', ABP_CUDA_TILE_KB: '4' }, ...dev });
        cases.push({ env: { ABP_CUDA_ROW_BUFFERS: '2', ABP_CUDA_TILE_KB: '4' }, ...dev }, { env: { ABP_CUDA_SPLIT_PER_SM: '32' }, ...dev });
      }
      const rowsList = [1, 2, 255, 256, 257, 1000, 4224, 4225, 4999, 16_896, 16_897, 100_000];
      const layouts = plan(name, cases, rowsList);
      for (const [i, l] of layouts.entries()) {
        const c = cases[i]!;
        const what = `${name} ${JSON.stringify(c)}`;
        expect(l.smemBytes, what).toBeLessThanOrEqual(c.smemOptin);
        expect(l.threads, what).toBeGreaterThanOrEqual(1);
        expect(l.threads, what).toBeLessThanOrEqual(512);
        if (!l.stageNodes) {
          expect(l.numTiles, what).toBe(0);
          expect(l.splitTrees, what).toBe(false);
        } else {
          // Tiles cover every tree once, in order, each no bigger than a node buffer, and hold whole trees.
          expect(l.numTiles, what).toBeGreaterThanOrEqual(1);
          expect(l.tileTree.length, what).toBe(l.numTiles + 1);
          expect(l.tileTree[0]).toBe(0);
          expect(l.tileTree[l.numTiles], what).toBe(l.numTrees);
          let largest = 0;
          for (let k = 0; k < l.numTiles; k++) {
            expect(l.tileTree[k + 1]!, what).toBeGreaterThan(l.tileTree[k]!);
            largest = Math.max(largest, (l.tileNode[k + 1]! - l.tileNode[k]!) * 16);
          }
          expect(largest, what).toBe(l.tileBytes);
          expect(l.tileBytes, what).toBeGreaterThanOrEqual(l.biggestTreeBytes);
          expect(l.smemBytes, what).toBeGreaterThanOrEqual(l.tileBytes * l.nodeBuffers);
          const kb = Number(c.env?.ABP_CUDA_TILE_KB ?? 0);
          // An explicit size is kept unless the biggest tree needs more (never jumps to half of shared memory).
          if (kb > 0) expect(l.tileBytes, what).toBeLessThanOrEqual(Math.max(kb * 1024, l.biggestTreeBytes));
        }
        for (const [j, s] of l.splits.entries()) {
          const rows = rowsList[j]!;
          if (s === null) {
            expect(l.splitTrees && rows <= l.splitTreesUpTo && rows * l.numTrees * 4 <= 256 * 2 ** 20, `${what} ${rows} rows`).toBe(false);
            continue;
          }
          // Grid (rowBlocks, splits): both dimensions in CUDA's limits, no empty block row, every tile walked once.
          expect(l.splitTrees).toBe(true);
          expect(rows, what).toBeLessThanOrEqual(l.splitTreesUpTo);
          expect(s.rowBlocks, what).toBe(Math.ceil(rows / l.threads));
          expect(s.rowBlocks * 2, what).toBeLessThanOrEqual(c.smCount);
          expect(s.splits, what).toBeGreaterThanOrEqual(2);
          expect(s.splits, what).toBeLessThanOrEqual(65_535);
          expect(s.tilesPerSplit, what).toBeGreaterThanOrEqual(1);
          expect((s.splits - 1) * s.tilesPerSplit, what).toBeLessThan(l.numTiles);
          expect(s.splits * s.tilesPerSplit, what).toBeGreaterThanOrEqual(l.numTiles);
          expect(s.scratchBytes).toBe(rows * l.numTrees * 4);
        }
      }
    }
  });

  it('layout switches it cannot use are refused at load, naming the variable', () => {
    const bad: Record<string, string>[] = [
      { ABP_CUDA_TILE_KB: '-4' }, { ABP_CUDA_TILE_KB: '4k' }, { ABP_CUDA_TILE_KB: 'abc' }, { ABP_CUDA_TILE_KB: '2097152' },
      { ABP_CUDA_THREADS: '0' }, { ABP_CUDA_THREADS: '-1' }, { ABP_CUDA_THREADS: '16' }, { ABP_CUDA_THREADS: '1024' },
    ];
    const out = addon().cuda.planLayoutForTesting(bytesOf('binary_logistic'), 'json', bad.map((env) => ({ env, ...H200 })));
    for (const [i, r] of out.entries()) {
      const [name, value] = Object.entries(bad[i]!)[0]!;
      expect(r, `${name}=${value}`).toMatchObject({ code: 'ABP_BAD_ARGUMENT' });
      expect((r as { message: string }).message).toContain(`${name}=${value}:`);
    }
    // Unset or empty: the default.
    expect(one('large', { ABP_CUDA_TILE_KB: '' })).toMatchObject({ tileBytes: 12240 });
    expect(one('large', { ABP_CUDA_TILE_KB: '0' })).toMatchObject({ tileBytes: 12240 });
  });
});
