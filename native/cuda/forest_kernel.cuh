// The GPU forest kernel. Each thread owns one row and adds its trees' leaves
// in tree order, starting from the base margin: RowMargins' order exactly,
// through the same ABP_HD WalkTree the CPU engine runs, so a row's margin is
// the same float sum on both engines and the same on every run.
//
// Shared memory holds
//  - the block's rows (padded to an odd stride so the 32 lanes of a warp
//    reading feature f of their 32 rows hit 32 different banks), loaded with
//    coalesced reads of the row-major input, and
//  - a tile of trees: consecutive trees copied in from global memory. A small
//    forest (the ABP model) is one tile, loaded once per block of a
//    persistent grid; a large one is walked tile by tile, so every node a
//    warp touches comes from shared memory and each tile's global traffic is
//    shared by all the rows of a block. Trees bigger than a tile are walked
//    straight from global memory.
// Inside a tile node `left` indices are relative to the tile's first node,
// which lets WalkTree run on the shared-memory copy unchanged.
#pragma once
#include <cuda_pipeline.h>

#include <cstdint>

#include "engine/flat_forest.h"
#include "engine/transform.h"

namespace abp::cuda::detail {

struct KernelArgs {
  const FlatNode* nodes;     // tile-relative when nodes are staged, else absolute
  const int32_t* roots;      // per tree; tile-relative when nodes are staged
  const int32_t* groups;     // per tree
  const int32_t* tile_tree;  // num_tiles + 1 entries: first tree of each tile
  const int32_t* tile_node;  // num_tiles + 1 entries: first node of each tile
  const float* in;           // rows x cols, row-major
  float* out;                // rows x out_cols
  int64_t rows;
  int64_t row_blocks;        // ceil(rows / blockDim.x)
  int32_t num_tiles;
  int32_t num_trees;
  int32_t num_group;
  int32_t cols;
  int32_t stride;            // floats per staged row (odd)
  uint32_t div_magic;        // ceil(2^32 / cols) for the fast row/column split
  int32_t fast_div;          // 1 when blockDim.x * cols < 2^16 and cols > 1
  int32_t out_cols;          // num_group, or 1 for multi:softmax unless margin
  int32_t acc_stride;        // floats per row of the shared accumulators (odd)
  int32_t tile_nodes;        // capacity of one node buffer, in nodes
  int32_t row_offset;        // byte offset of the row buffers
  int32_t acc_offset;        // byte offset of the accumulators
  int32_t row_buffers;       // 2: the next block of rows streams in during the walk
  float base_margin;
  Objective objective;
  int32_t margin;            // 1: raw margins, no transform
};

// Asynchronous copies (cp.async on sm_80+; plain copies on older targets):
// every thread has all of its loads in flight at once instead of one, which
// is what lets the row staging approach the memory bandwidth.
__device__ __forceinline__ void StageRows(float* dst, const KernelArgs& a, int64_t rb) {
  const int32_t T = static_cast<int32_t>(blockDim.x);
  const int64_t row0 = rb * T;
  const int64_t left = a.rows - row0;
  const uint32_t nrows = static_cast<uint32_t>(left < T ? left : T);
  const float* src = a.in + row0 * a.cols;
  const uint32_t n = nrows * static_cast<uint32_t>(a.cols);
  for (uint32_t i = threadIdx.x; i < n; i += T) {
    const uint32_t r = a.fast_div ? __umulhi(i, a.div_magic) : i / static_cast<uint32_t>(a.cols);
    const uint32_t c = i - r * static_cast<uint32_t>(a.cols);
    __pipeline_memcpy_async(dst + r * a.stride + c, src + i, sizeof(float));
  }
}

__device__ __forceinline__ void StageTile(FlatNode* dst, const KernelArgs& a, int32_t k) {
  const int32_t begin = __ldg(a.tile_node + k);
  const int32_t n = __ldg(a.tile_node + k + 1) - begin;
  const FlatNode* src = a.nodes + begin;
  for (int32_t i = threadIdx.x; i < n; i += blockDim.x) {
    __pipeline_memcpy_async(dst + i, src + i, sizeof(FlatNode));
  }
}

template <bool kOneGroup>
__device__ __forceinline__ void WalkTrees(const FlatNode* nodes, const KernelArgs& a, int32_t t0, int32_t t1,
                                          const float* x, float& acc, float* s_acc) {
  for (int32_t t = t0; t < t1; ++t) {
    const float v = WalkTree(nodes, __ldg(a.roots + t), x);
    if (kOneGroup) {
      acc += v;
    } else {
      s_acc[__ldg(a.groups + t)] += v;
    }
  }
}

template <bool kStageNodes, bool kStageRows, bool kOneGroup>
__global__ void __launch_bounds__(512) ForestKernel(const KernelArgs a) {
  extern __shared__ float4 smem_raw[];
  unsigned char* smem = reinterpret_cast<unsigned char*>(smem_raw);
  FlatNode* s_nodes0 = reinterpret_cast<FlatNode*>(smem);
  FlatNode* s_nodes1 = s_nodes0 + a.tile_nodes;  // second buffer, multi-tile only
  float* const s_rows = reinterpret_cast<float*>(smem + a.row_offset);
  const int32_t row_buffer = static_cast<int32_t>(blockDim.x) * a.stride;  // floats
  // Several outputs per row (multi-class): per-thread accumulators in
  // shared memory, since the group of each tree is only known at run time.
  float* s_acc = reinterpret_cast<float*>(smem + a.acc_offset) + threadIdx.x * a.acc_stride;
  const int32_t tid = static_cast<int32_t>(threadIdx.x);
  const int32_t T = static_cast<int32_t>(blockDim.x);
  const bool multi_tile = kStageNodes && a.num_tiles > 1;
  const bool double_rows = kStageRows && a.row_buffers == 2;

  // A single tile stays resident for the whole persistent loop.
  if (kStageNodes && !multi_tile) StageTile(s_nodes0, a, 0);
  int cur = 0;
  if (kStageRows && blockIdx.x < a.row_blocks) StageRows(s_rows, a, blockIdx.x);
  __pipeline_commit();

  for (int64_t rb = blockIdx.x; rb < a.row_blocks; rb += gridDim.x) {
    const int64_t next = rb + gridDim.x;
    if (double_rows) {
      if (next < a.row_blocks) StageRows(s_rows + (cur ^ 1) * row_buffer, a, next);
      __pipeline_commit();
      __pipeline_wait_prior(1);
    } else {
      __pipeline_wait_prior(0);
    }
    __syncthreads();

    const int64_t row0 = rb * T;
    const int64_t left_rows = a.rows - row0;
    const bool active = tid < left_rows;
    const int64_t row = row0 + tid;
    const float* x = kStageRows ? s_rows + cur * row_buffer + tid * a.stride : a.in + row * a.cols;

    float acc = a.base_margin;
    if (!kOneGroup) {
      for (int32_t g = 0; g < a.num_group; ++g) s_acc[g] = a.base_margin;
    }

    if (multi_tile) {
      // Tile k + 1 streams in while tile k is walked.
      StageTile(s_nodes0, a, 0);
      __pipeline_commit();
      for (int32_t k = 0; k < a.num_tiles; ++k) {
        if (k + 1 < a.num_tiles) StageTile((k & 1) ? s_nodes0 : s_nodes1, a, k + 1);
        __pipeline_commit();
        __pipeline_wait_prior(1);
        __syncthreads();
        if (active) {
          WalkTrees<kOneGroup>((k & 1) ? s_nodes1 : s_nodes0, a, __ldg(a.tile_tree + k),
                               __ldg(a.tile_tree + k + 1), x, acc, s_acc);
        }
        __syncthreads();  // tile k's buffer is refilled at k + 2
      }
    } else if (active) {
      WalkTrees<kOneGroup>(kStageNodes ? s_nodes0 : a.nodes, a, 0, a.num_trees, x, acc, s_acc);
    }

    if (active) {
      float* out_row = a.out + row * a.out_cols;
      if (kOneGroup) {
        if (a.margin) {
          out_row[0] = acc;
        } else {
          TransformRow(a.objective, &acc, 1, out_row);
        }
      } else if (a.margin) {
        for (int32_t g = 0; g < a.num_group; ++g) out_row[g] = s_acc[g];
      } else {
        TransformRow(a.objective, s_acc, a.num_group, out_row);
      }
    }

    __syncthreads();  // every thread is done with this block's rows
    if (double_rows) {
      cur ^= 1;
    } else if (kStageRows) {
      if (next < a.row_blocks) StageRows(s_rows, a, next);
      __pipeline_commit();
    }
  }
  __pipeline_wait_prior(0);
}

// Few rows, many tiles (the 500-tree model at 1k rows): ForestKernel would
// run a handful of blocks, each streaming every tile in turn, and a tile's
// load latency (about one tree's walk per tile) would set the time whatever
// the device's size. Here the grid's second dimension splits the tiles, so
// the batch spreads over the whole device: block (x, y) walks the trees of
// tiles [y * tiles_per_split, ...) for the rows of row block x and stores
// each tree's leaf value, tree-major, in `leaves` (num_trees x rows).
// SumLeavesKernel then adds them per row in tree order from the base margin:
// the same float sum, in the same order, as ForestKernel and the CPU engine.
// Binary and regression models only (one output group).
template <bool kStageRows>
__global__ void __launch_bounds__(512) SplitTreesKernel(const KernelArgs a, float* leaves, int32_t tiles_per_split) {
  extern __shared__ float4 smem_raw[];
  unsigned char* smem = reinterpret_cast<unsigned char*>(smem_raw);
  FlatNode* const s_nodes0 = reinterpret_cast<FlatNode*>(smem);
  FlatNode* const s_nodes1 = s_nodes0 + a.tile_nodes;
  float* const s_rows = reinterpret_cast<float*>(smem + a.row_offset);
  const int32_t tid = static_cast<int32_t>(threadIdx.x);
  const int64_t rb = blockIdx.x;
  const int32_t k0 = static_cast<int32_t>(blockIdx.y) * tiles_per_split;
  const int32_t k1 = min(k0 + tiles_per_split, a.num_tiles);
  if (k0 >= k1) return;  // the same for the whole block

  if (kStageRows) StageRows(s_rows, a, rb);
  StageTile(s_nodes0, a, k0);
  __pipeline_commit();
  const int64_t row = rb * static_cast<int64_t>(blockDim.x) + tid;
  const bool active = row < a.rows;
  const float* x = kStageRows ? s_rows + tid * a.stride : a.in + row * a.cols;
  for (int32_t k = k0; k < k1; ++k) {
    const int32_t j = k - k0;  // tile j is in buffer j & 1; tile j + 1 streams in meanwhile
    if (k + 1 < k1) StageTile((j & 1) ? s_nodes0 : s_nodes1, a, k + 1);
    __pipeline_commit();
    __pipeline_wait_prior(1);
    __syncthreads();
    if (active) {
      const FlatNode* nodes = (j & 1) ? s_nodes1 : s_nodes0;
      const int32_t t1 = __ldg(a.tile_tree + k + 1);
      for (int32_t t = __ldg(a.tile_tree + k); t < t1; ++t) {
        leaves[static_cast<int64_t>(t) * a.rows + row] = WalkTree(nodes, __ldg(a.roots + t), x);
      }
    }
    __syncthreads();  // buffer j & 1 is refilled at j + 2
  }
  __pipeline_wait_prior(0);
}

__global__ void SumLeavesKernel(const KernelArgs a, const float* leaves) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (row >= a.rows) return;
  float acc = a.base_margin;
  // Unrolled so that many loads are in flight; the adds stay in tree order.
#pragma unroll 16
  for (int32_t t = 0; t < a.num_trees; ++t) acc += __ldg(leaves + static_cast<int64_t>(t) * a.rows + row);
  float* out_row = a.out + row * a.out_cols;
  if (a.margin) {
    out_row[0] = acc;
  } else {
    TransformRow(a.objective, &acc, 1, out_row);
  }
}

// SumLeavesKernel with more loads in flight (ABP_CUDA_SUM_LEAVES=coop): a
// block takes 32 rows; its 8 warps copy a chunk of trees' leaf values for
// those rows into shared memory (128-byte coalesced reads, many per warp at
// once), then warp 0 adds them per row in tree order from the base margin,
// the same float sum in the same order as SumLeavesKernel. At 1k rows the
// plain kernel has 32 warps each waiting on ~num_trees/16 dependent rounds of
// L2 latency; this one spreads the loads over 8x the warps and 32x the blocks.
constexpr int32_t kSumRows = 32;
constexpr int32_t kSumWarps = 8;
constexpr int32_t kSumChunk = 128;  // trees per shared-memory round (16 KiB)

__global__ void __launch_bounds__(kSumRows * kSumWarps) SumLeavesCoopKernel(const KernelArgs a, const float* leaves) {
  __shared__ float s_leaves[kSumChunk][kSumRows];
  const int32_t lane = static_cast<int32_t>(threadIdx.x) & 31;
  const int32_t warp = static_cast<int32_t>(threadIdx.x) >> 5;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kSumRows + lane;
  const bool active = row < a.rows;
  float acc = a.base_margin;
  for (int32_t t0 = 0; t0 < a.num_trees; t0 += kSumChunk) {
    const int32_t n = min(kSumChunk, a.num_trees - t0);
#pragma unroll 4
    for (int32_t j = warp; j < n; j += kSumWarps) {
      s_leaves[j][lane] = active ? __ldg(leaves + static_cast<int64_t>(t0 + j) * a.rows + row) : 0.0f;
    }
    __syncthreads();
    if (warp == 0) {
      for (int32_t j = 0; j < n; ++j) acc += s_leaves[j][lane];
    }
    __syncthreads();
  }
  if (warp != 0 || !active) return;
  float* out_row = a.out + row * a.out_cols;
  if (a.margin) {
    out_row[0] = acc;
  } else {
    TransformRow(a.objective, &acc, 1, out_row);
  }
}

}  // namespace abp::cuda::detail
