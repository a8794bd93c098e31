// The CUDA engine's launch geometry in plain C++ (no CUDA header): threads per
// block, how the forest is cut into shared-memory tiles, how much dynamic
// shared memory a block takes, and how a small batch's grid splits the tiles
// (SplitTreesKernel). cuda_engine.cu lays its kernels out with it; the addon
// exposes it to tests (cuda.planLayoutForTesting), so the geometry is checked
// on machines without a GPU.
#pragma once
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/flat_forest.h"

namespace abp::cuda::layout {

constexpr size_t kSingleTileMax = 96u << 10;      // a forest this small is one resident tile
constexpr size_t kTileBytes = 12u << 10;          // each of the two tile buffers (fastest on H200)
constexpr size_t kRowBytesMax = 64u << 10;        // rows and accumulators of a block, preferred bound
constexpr size_t kMaxSplitScratch = 256u << 20;   // leaf values of a split-trees launch (rows x trees)
constexpr size_t kDefaultDynamicSmem = 48u << 10; // more needs cudaFuncAttributeMaxDynamicSharedMemorySize
constexpr int32_t kMaxThreads = 512;              // the kernels' __launch_bounds__
constexpr int64_t kMaxGridY = 65535;              // CUDA's limit on gridDim.y

// What the device and the environment (read when a model is loaded) say.
struct Params {
  size_t smem_optin = 0;    // cudaDeviceProp::sharedMemPerBlockOptin
  int sm_count = 1;         // cudaDeviceProp::multiProcessorCount
  int threads = 256;        // ABP_CUDA_THREADS: 32..512
  bool stage_rows = true;   // ABP_CUDA_STAGE_ROWS
  int row_buffers = 1;      // ABP_CUDA_ROW_BUFFERS: 2 double-buffers the rows
  bool stage_nodes = true;  // ABP_CUDA_STAGE_NODES
  int tile_kb = 0;          // ABP_CUDA_TILE_KB: 0 is the default (kTileBytes)
  bool split_trees = true;  // ABP_CUDA_SPLIT_TREES
  int split_per_sm = 2;     // ABP_CUDA_SPLIT_PER_SM: 1..32
};

// Reads the layout switches through `env` (std::getenv, or a test's table);
// the device fields are left as they are. Values it cannot use are refused
// with ABP_BAD_ARGUMENT, naming the variable, rather than guessed at.
inline Status ReadParams(const std::function<const char*(const char*)>& env, Params* p) {
  const auto get = [&](const char* name) -> const char* {
    const char* v = env(name);
    return v != nullptr && *v != '\0' ? v : nullptr;
  };
  const auto lenient = [&](const char* name, int fallback) {
    const char* v = get(name);
    return v != nullptr ? std::atoi(v) : fallback;
  };
  const auto whole = [&](const char* name, int fallback, long lo, long hi, const char* rule, int* out) -> Status {
    const char* v = get(name);
    if (v == nullptr) {
      *out = fallback;
      return Status::Ok();
    }
    errno = 0;
    char* end = nullptr;
    const long x = std::strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || x < lo || x > hi) {
      return Status(Code::kBadArgument, std::string(name) + "=" + v + ": " + rule);
    }
    *out = static_cast<int>(x);
    return Status::Ok();
  };
  Status st = whole("ABP_CUDA_THREADS", 256, 32, kMaxThreads, "threads per block must be a whole number from 32 to 512",
                    &p->threads);
  if (!st.ok()) return st;
  st = whole("ABP_CUDA_TILE_KB", 0, 0, 1 << 20,
             "the tile size must be a whole number of KiB (0: the default, 12); larger than shared memory holds is clamped",
             &p->tile_kb);
  if (!st.ok()) return st;
  p->stage_rows = lenient("ABP_CUDA_STAGE_ROWS", 1) != 0;
  p->row_buffers = lenient("ABP_CUDA_ROW_BUFFERS", 1);
  p->stage_nodes = lenient("ABP_CUDA_STAGE_NODES", 1) != 0;
  p->split_trees = lenient("ABP_CUDA_SPLIT_TREES", 1) != 0;
  p->split_per_sm = std::min(32, std::max(1, lenient("ABP_CUDA_SPLIT_PER_SM", 2)));
  return Status::Ok();
}

struct Layout {
  int32_t threads = 256;
  int32_t stride = 1;        // floats per staged row (odd)
  int32_t acc_stride = 0;    // floats per row of the shared accumulators (odd; 0: one group)
  bool stage_rows = false;
  int32_t row_buffers = 0;
  bool stage_nodes = false;
  int32_t num_tiles = 0;     // 0: nodes are read from global memory
  int32_t node_buffers = 0;  // 2 when tiles stream through a double buffer
  int32_t tile_nodes = 0;    // capacity of one node buffer, in nodes
  int32_t biggest_tree = 0;  // nodes of the largest tree
  int32_t row_offset = 0;    // byte offset of the row buffers
  int32_t acc_offset = 0;    // byte offset of the accumulators
  size_t smem_bytes = 0;     // dynamic shared memory per block, at most Params::smem_optin
  bool split_trees = false;  // small batches may take SplitTreesKernel
  // Tile k holds trees [tile_tree[k], tile_tree[k + 1]) and nodes
  // [tile_node[k], tile_node[k + 1]); inside a tile, roots and left children
  // count from the tile's first node.
  std::vector<int32_t> tile_tree{0}, tile_node{0};
  std::vector<int32_t> roots;
  std::vector<FlatNode> nodes;
};

// The layout of `flat` under `p`. Fails (kModelUnsupported) only when even
// rows read from global memory and nodes walked from global memory do not fit
// the device's shared memory.
inline Status Plan(const FlatForest& flat, const Params& p, Layout* out) {
  Layout m;
  const int32_t num_group = std::max<int32_t>(1, flat.num_group);
  const int32_t num_trees = static_cast<int32_t>(flat.tree_root.size());
  const bool one_group = num_group == 1;

  // Rows: 256 threads (one row each) unless the padded rows would crowd out
  // the node tile; very wide inputs are read from global memory.
  m.threads = p.threads;
  m.stride = flat.num_feature | 1;
  m.stage_rows = p.stage_rows;
  m.acc_stride = one_group ? 0 : (num_group | 1);
  const auto per_thread = [&] { return (m.stage_rows ? size_t(m.stride) : 0) + size_t(m.acc_stride); };
  while (size_t(m.threads) * per_thread() * 4 > kRowBytesMax && m.threads > 64) m.threads /= 2;
  if (m.stage_rows && size_t(m.threads) * per_thread() * 4 > kRowBytesMax) {
    m.stage_rows = false;  // very wide rows: read them from global memory
    m.threads = p.threads;
  }
  while (size_t(m.threads) * per_thread() * 4 > kRowBytesMax && m.threads > 32) m.threads /= 2;
  if (size_t(m.threads) * per_thread() * 4 > (96u << 10)) {
    return Status(Code::kModelUnsupported, "the GPU engine supports up to ~700 output groups; this model has " +
                                               std::to_string(num_group));
  }
  const size_t one_row_buffer = m.stage_rows ? size_t(m.threads) * m.stride * 4 : 0;
  m.row_buffers = m.stage_rows ? 1 : 0;
  if (m.stage_rows && p.row_buffers == 2 && 2 * one_row_buffer <= kRowBytesMax) m.row_buffers = 2;
  const size_t row_bytes = one_row_buffer * m.row_buffers + size_t(m.threads) * m.acc_stride * 4;

  // Trees: one resident tile when the forest is small; else tiles of
  // consecutive trees, double-buffered; global memory when a single tree is
  // too big for half of what is left.
  const size_t forest_bytes = flat.nodes.size() * sizeof(FlatNode);
  const size_t room = p.smem_optin > row_bytes ? p.smem_optin - row_bytes : 0;
  m.roots.assign(flat.tree_root.begin(), flat.tree_root.end());
  m.nodes = flat.nodes;
  size_t biggest = 0;  // nodes
  for (int32_t t = 0; t < num_trees; ++t) {
    const size_t end = t + 1 < num_trees ? size_t(flat.tree_root[size_t(t) + 1]) : flat.nodes.size();
    biggest = std::max(biggest, end - size_t(flat.tree_root[size_t(t)]));
  }
  m.biggest_tree = static_cast<int32_t>(biggest);
  m.stage_nodes = p.stage_nodes && num_trees > 0;
  size_t tile_cap = 0;
  int node_buffers = 1;
  if (m.stage_nodes) {
    const size_t tile_env = size_t(p.tile_kb) << 10;
    const size_t biggest_bytes = biggest * sizeof(FlatNode);
    if (forest_bytes <= std::min(kSingleTileMax, room) && tile_env == 0) {
      tile_cap = forest_bytes;
    } else if (tile_env != 0) {
      // ABP_CUDA_TILE_KB: tiles of that size, grown only as far as the
      // biggest tree needs (every tile holds at least one whole tree), and no
      // more than half of the shared memory the rows leave.
      node_buffers = 2;
      tile_cap = std::min(std::max(tile_env, biggest_bytes), room / 2);
    } else {
      // Default: 12 KiB tiles; a forest with a tree bigger than that gets the
      // largest tiles that fit.
      node_buffers = 2;
      tile_cap = std::min(kTileBytes, room / 2);
      if (biggest_bytes > tile_cap) tile_cap = room / 2;
    }
    if (biggest_bytes > tile_cap) m.stage_nodes = false;  // walked from global memory
  }
  if (m.stage_nodes) {
    const size_t cap_nodes = tile_cap / sizeof(FlatNode);
    size_t max_tile = 0;
    int32_t t = 0;
    while (t < num_trees) {
      const int32_t first_node = flat.tree_root[size_t(t)];
      int32_t t_end = t;
      size_t end_node = size_t(first_node);
      while (t_end < num_trees) {
        const size_t e = t_end + 1 < num_trees ? size_t(flat.tree_root[size_t(t_end) + 1]) : flat.nodes.size();
        if (e - size_t(first_node) > cap_nodes) break;
        end_node = e;
        ++t_end;
      }
      for (int32_t u = t; u < t_end; ++u) m.roots[size_t(u)] -= first_node;
      for (size_t i = size_t(first_node); i < end_node; ++i) {
        if (m.nodes[i].feature >= 0) m.nodes[i].left -= first_node;
      }
      m.tile_tree.push_back(t_end);
      m.tile_node.push_back(static_cast<int32_t>(end_node));
      max_tile = std::max(max_tile, end_node - size_t(first_node));
      t = t_end;
    }
    m.num_tiles = static_cast<int32_t>(m.tile_tree.size()) - 1;
    if (m.num_tiles == 1) node_buffers = 1;
    m.tile_nodes = static_cast<int32_t>(max_tile);
  } else {
    m.num_tiles = 0;
    m.tile_nodes = 0;
    node_buffers = 0;
  }
  m.node_buffers = node_buffers;
  m.row_offset = static_cast<int32_t>(size_t(m.tile_nodes) * sizeof(FlatNode) * node_buffers);
  m.acc_offset = static_cast<int32_t>(m.row_offset + one_row_buffer * m.row_buffers);
  m.smem_bytes = size_t(m.row_offset) + row_bytes;
  if (m.smem_bytes > p.smem_optin) {
    return Status(Code::kModelUnsupported, "the forest kernel needs " + std::to_string(m.smem_bytes) +
                                               " bytes of shared memory per block; the device has " +
                                               std::to_string(p.smem_optin));
  }
  m.split_trees = p.split_trees && m.stage_nodes && m.num_tiles > 1 && one_group;
  *out = std::move(m);
  return Status::Ok();
}

// One split-trees launch: grid (row_blocks, splits); block y walks tiles
// [y * tiles_per_split, min((y + 1) * tiles_per_split, num_tiles)), never
// none; `scratch_bytes` of leaf values (rows x trees floats).
struct SplitGrid {
  int64_t row_blocks = 0;
  int64_t splits = 0;
  int32_t tiles_per_split = 0;
  size_t scratch_bytes = 0;
};

// Whether a batch of `rows` takes the split-trees kernel (a few row blocks of
// a tiled forest whose layout allows it: at most half as many as there are
// SMs), and its grid.
inline bool PlanSplit(const Layout& l, int32_t num_trees, int sm_count, int split_per_sm, int64_t rows, SplitGrid* g) {
  if (!l.split_trees || rows <= 0 || l.num_tiles < 2 || l.threads <= 0) return false;
  const int64_t row_blocks = (rows + l.threads - 1) / l.threads;
  if (row_blocks * 2 > sm_count) return false;
  // About split_per_sm blocks per SM: enough tiles per block to keep its double buffer busy.
  int64_t splits = std::min<int64_t>(l.num_tiles, (int64_t(split_per_sm) * sm_count + row_blocks - 1) / row_blocks);
  splits = std::min(splits, kMaxGridY);
  const size_t bytes = size_t(rows) * size_t(num_trees) * sizeof(float);
  if (splits < 2 || bytes > kMaxSplitScratch) return false;
  const int64_t per = (l.num_tiles + splits - 1) / splits;
  g->row_blocks = row_blocks;
  g->tiles_per_split = static_cast<int32_t>(per);
  g->splits = (l.num_tiles + per - 1) / per;  // every block row gets at least one tile
  g->scratch_bytes = bytes;
  return true;
}

// The largest batch that takes the split-trees kernel (0: none), as the
// layout string reports it ("split-trees-to=").
inline int64_t SplitTreesUpTo(const Layout& l, int sm_count) {
  return l.split_trees ? int64_t(sm_count / 2) * l.threads : 0;
}

}  // namespace abp::cuda::layout
