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
  int32_t node_smem_bytes;   // bytes reserved for the node tile
  int32_t row_smem_bytes;    // bytes reserved for staged rows
  float base_margin;
  Objective objective;
  int32_t margin;            // 1: raw margins, no transform
};

__device__ __forceinline__ void LoadTile(FlatNode* s_nodes, const FlatNode* g_nodes, int32_t begin,
                                         int32_t end) {
  const int4* src = reinterpret_cast<const int4*>(g_nodes + begin);
  int4* dst = reinterpret_cast<int4*>(s_nodes);
  const int32_t n = end - begin;
  for (int32_t i = threadIdx.x; i < n; i += blockDim.x) dst[i] = __ldg(src + i);
}

template <bool kStageNodes, bool kStageRows, bool kOneGroup>
__global__ void __launch_bounds__(512) ForestKernel(const KernelArgs a) {
  extern __shared__ float4 smem_raw[];
  unsigned char* smem = reinterpret_cast<unsigned char*>(smem_raw);
  FlatNode* s_nodes = reinterpret_cast<FlatNode*>(smem);
  float* s_rows = reinterpret_cast<float*>(smem + a.node_smem_bytes);
  // Several outputs per row (multi-class): per-thread accumulators in
  // shared memory, since the group of each tree is only known at run time.
  float* s_acc = reinterpret_cast<float*>(smem + a.node_smem_bytes + a.row_smem_bytes) +
                 threadIdx.x * a.acc_stride;
  const int32_t tid = static_cast<int32_t>(threadIdx.x);
  const int32_t T = static_cast<int32_t>(blockDim.x);
  const bool one_tile = kStageNodes && a.num_tiles == 1;

  // A single tile stays resident for the whole persistent loop; the barrier
  // before its first use is the one after the first row staging below.
  if (one_tile) LoadTile(s_nodes, a.nodes, a.tile_node[0], a.tile_node[1]);

  for (int64_t rb = blockIdx.x; rb < a.row_blocks; rb += gridDim.x) {
    const int64_t row0 = rb * T;
    const int64_t left_rows = a.rows - row0;
    const int32_t nrows = left_rows < T ? static_cast<int32_t>(left_rows) : T;
    const bool active = tid < nrows;
    const int64_t row = row0 + tid;

    const float* x;
    if (kStageRows) {
      __syncthreads();  // the previous block of rows is no longer read
      const float* src = a.in + row0 * a.cols;
      const uint32_t n = static_cast<uint32_t>(nrows) * static_cast<uint32_t>(a.cols);
      for (uint32_t i = tid; i < n; i += T) {
        const uint32_t r = a.fast_div ? __umulhi(i, a.div_magic) : i / static_cast<uint32_t>(a.cols);
        const uint32_t c = i - r * static_cast<uint32_t>(a.cols);
        s_rows[r * a.stride + c] = __ldcs(src + i);  // read once: stream past L1/L2
      }
      x = s_rows + tid * a.stride;
    } else {
      x = a.in + row * a.cols;
    }

    float acc = a.base_margin;
    if (!kOneGroup) {
      for (int32_t g = 0; g < a.num_group; ++g) s_acc[g] = a.base_margin;
    }

    if (kStageNodes) {
      if (one_tile) {
        __syncthreads();
        if (active) {
          for (int32_t t = 0; t < a.num_trees; ++t) {
            const float v = WalkTree(s_nodes, __ldg(a.roots + t), x);
            if (kOneGroup) acc += v; else s_acc[__ldg(a.groups + t)] += v;
          }
        }
      } else {
        for (int32_t k = 0; k < a.num_tiles; ++k) {
          __syncthreads();
          LoadTile(s_nodes, a.nodes, __ldg(a.tile_node + k), __ldg(a.tile_node + k + 1));
          __syncthreads();
          if (active) {
            const int32_t t1 = __ldg(a.tile_tree + k + 1);
            for (int32_t t = __ldg(a.tile_tree + k); t < t1; ++t) {
              const float v = WalkTree(s_nodes, __ldg(a.roots + t), x);
              if (kOneGroup) acc += v; else s_acc[__ldg(a.groups + t)] += v;
            }
          }
        }
      }
    } else {
      if (kStageRows) __syncthreads();
      if (active) {
        for (int32_t t = 0; t < a.num_trees; ++t) {
          const float v = WalkTree(a.nodes, __ldg(a.roots + t), x);
          if (kOneGroup) acc += v; else s_acc[__ldg(a.groups + t)] += v;
        }
      }
    }

    if (!active) continue;
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
}

}  // namespace abp::cuda::detail
