"""Gradient-boosted tree training by histograms, and random walks on a large graph (label 0).

An eleventh set of benign work, two kinds that data centres run all day and that training had no kin of:

  gbdt  gradient-boosted decision trees trained on the GPU the way XGBoost's and LightGBM's `hist` methods do:
        2^24 rows of 32 features quantized to 256 bins (bytes, a column at a time: 512 MiB), labels from a rule
        on three features with 1 in 8 flipped, logistic loss. A launch builds one level of a depth-5 tree: the
        gradient and hessian histograms of every (node, feature, bin) (a block a (feature, slice of rows),
        shared-memory float atomics, then global ones), the best split of every node (a thread a (node,
        feature) scanning its 256 bins for the largest gain), and every row moved to its child; after the
        fifth level the leaves' weights update the predictions and the gradients, and the next tree starts.
        Atomics on bins picked by the data, byte loads, fp32 arithmetic.
  walk  DeepWalk-style random walks (a GNN or graph-embedding pre-processing step): a graph of 2^22 nodes and
        about 2^26 edges in CSR (degrees 1-31, one neighbour in 8 a hub among 4096), a thread a walker, 2^20
        walkers a launch, 40 steps each to a neighbour picked by a splitmix of (walker, step, launch), every
        walk written out. Dependent random 4-byte reads: memory-latency-bound, as an Ethash-like DAG walk is.

Self-checks, printed with the summary line (`agree:`): gbdt recomputes the last level's histograms of two features
with NumPy's bincount (within float rounding) and checks the rows' node ids against the splits; walk replays 8
walkers' walks in Python from the graph and the same random numbers.
"""
import numpy as np

from common import SPLITMIX_CUDA, calibrated_launches, cupy_loop, note, repeat_step, sms, splitmix64, splitmix64_np

# ---- gbdt ----------------------------------------------------------------------------------------------------------
GB_ROWS = 1 << 24
GB_F = 32
GB_BINS = 256
GB_DEPTH = 5           # levels a tree: at most 16 nodes at the last, so a block's histograms fit in shared memory
GB_LAMBDA = 1.0
GB_ETA = 0.3
GB_SEED = 0x6BD7
GB_SLICE = 4096        # rows a block of the histogram kernel

GB_CUDA = r"""
typedef unsigned long long u64;
#define F %F%
#define BINS %BINS%
#define MAXN %MAXN%
#define SLICE %SLICE%
// bins: F columns of n bytes; node: a row's node at this level (0 .. nodes - 1); hist: [F][nodes][BINS] (g, h)
extern "C" __global__ void gb_hist(const unsigned char* __restrict__ bins, const unsigned char* __restrict__ node,
                                   const float2* __restrict__ gh, u64 n, int nodes, float2* __restrict__ hist) {
  __shared__ float2 sh[MAXN * BINS];
  const int f = blockIdx.y;
  for (int i = threadIdx.x; i < nodes * BINS; i += blockDim.x) sh[i] = make_float2(0.f, 0.f);
  __syncthreads();
  const u64 r0 = (u64)blockIdx.x * SLICE, r1 = r0 + SLICE < n ? r0 + SLICE : n;
  const unsigned char* col = bins + (u64)f * n;
  for (u64 r = r0 + threadIdx.x; r < r1; r += blockDim.x) {
    const int slot = node[r] * BINS + col[r];
    const float2 v = gh[r];
    atomicAdd(&sh[slot].x, v.x);
    atomicAdd(&sh[slot].y, v.y);
  }
  __syncthreads();
  float2* out = hist + (u64)f * nodes * BINS;
  for (int i = threadIdx.x; i < nodes * BINS; i += blockDim.x) {
    const float2 v = sh[i];
    if (v.x != 0.f || v.y != 0.f) { atomicAdd(&out[i].x, v.x); atomicAdd(&out[i].y, v.y); }
  }
}
// a thread a (node, feature): the best split "bin <= b goes left" by gain; gain -1e30 and bin -1 where none is valid
extern "C" __global__ void gb_split(const float2* __restrict__ hist, int nodes, float lambda, float* __restrict__ gain,
                                    int* __restrict__ split) {
  const int t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= nodes * F) return;
  const int f = t % F, nd = t / F;
  const float2* h = hist + ((u64)f * nodes + nd) * BINS;
  float G = 0.f, H = 0.f;
  for (int b = 0; b < BINS; ++b) { G += h[b].x; H += h[b].y; }
  const float parent = G * G / (H + lambda);
  float gl = 0.f, hl = 0.f, best = -1e30f;
  int bb = -1;
  for (int b = 0; b < BINS - 1; ++b) {
    gl += h[b].x; hl += h[b].y;
    const float gr = G - gl, hr = H - hl;
    if (hl < 1.f || hr < 1.f) continue;
    const float g = gl * gl / (hl + lambda) + gr * gr / (hr + lambda) - parent;
    if (g > best) { best = g; bb = b; }
  }
  gain[t] = best;
  split[t] = bb;
}
// every row to its child: 2 node + (its bin of the node's feature > the node's split bin)
extern "C" __global__ void gb_part(const unsigned char* __restrict__ bins, unsigned char* __restrict__ node, u64 n,
                                   const int* __restrict__ bf, const int* __restrict__ bb) {
  for (u64 r = (u64)blockIdx.x * blockDim.x + threadIdx.x; r < n; r += (u64)gridDim.x * blockDim.x) {
    const int nd = node[r];
    node[r] = (unsigned char)(2 * nd + (bins[(u64)bf[nd] * n + r] > bb[nd]));
  }
}
// after a tree: predictions += eta * the leaf's weight; the logistic loss's gradient and hessian again
extern "C" __global__ void gb_update(const unsigned char* __restrict__ node, const float* __restrict__ leaf,
                                     const unsigned char* __restrict__ y, float* __restrict__ pred,
                                     float2* __restrict__ gh, u64 n) {
  for (u64 r = (u64)blockIdx.x * blockDim.x + threadIdx.x; r < n; r += (u64)gridDim.x * blockDim.x) {
    const float p0 = pred[r] + leaf[node[r]];
    pred[r] = p0;
    const float p = 1.f / (1.f + __expf(-p0));
    gh[r] = make_float2(p - (float)y[r], fmaxf(p * (1.f - p), 1e-6f));
  }
}
"""
GB_SRC = GB_CUDA.replace("%F%", str(GB_F)).replace("%BINS%", str(GB_BINS)) \
    .replace("%MAXN%", str(1 << (GB_DEPTH - 1))).replace("%SLICE%", str(GB_SLICE))


def gbdt(variant, clock):
    if variant != "train":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=GB_SRC)
    histk, splitk, partk, updk = (mod.get_function(k) for k in ("gb_hist", "gb_split", "gb_part", "gb_update"))
    n, F, B = GB_ROWS, GB_F, GB_BINS
    # the data: byte bins from splitmix, labels from a rule on three features, 1 in 8 flipped
    bins = cp.empty(n * F, dtype=cp.uint8)
    for f in range(F):  # a column at a time: the top byte of a multiplicative hash of the cell's index
        i = cp.arange(f * n, (f + 1) * n, dtype=cp.uint64)
        bins[f * n:(f + 1) * n] = ((i ^ cp.uint64(GB_SEED)) * cp.uint64(0x9E3779B97F4A7C15) >> cp.uint64(56)).astype(cp.uint8)
    del i
    b3 = bins[:3 * n].reshape(3, n).astype(cp.int32)
    noise = (cp.arange(n, dtype=cp.uint64) * cp.uint64(0xD1B54A32D192ED03) >> cp.uint64(61)) == 0
    y = (((b3[0] + b3[1] > 255) & (b3[2] > 64)) ^ noise).astype(cp.uint8)
    del b3, noise
    pred = cp.zeros(n, dtype=cp.float32)
    gh = cp.empty(n, dtype=cp.complex64)  # (g, h) pairs as float2
    node = cp.zeros(n, dtype=cp.uint8)
    hist = cp.zeros(F * (1 << (GB_DEPTH - 1)) * B * 2, dtype=cp.float32)
    leaf = cp.zeros(1 << GB_DEPTH, dtype=cp.float32)
    grid = sms() * 8
    updk((grid,), (256,), (node, leaf, y, pred, gh, np.uint64(n)))  # p = 0.5 everywhere: the first gradients
    state = {"level": 0, "trees": 0, "levels": 0, "bf": None, "bb": None}

    def histograms(nodes):  # the (g, h) histograms of every (feature, node, bin) at a level of `nodes` nodes
        hist[:F * nodes * B * 2].fill(0)
        histk(((n + GB_SLICE - 1) // GB_SLICE, F), (256,), (bins, node, gh, np.uint64(n), np.int32(nodes), hist))

    def level():
        nodes = 1 << state["level"]
        histograms(nodes)
        gain = cp.empty(nodes * F, dtype=cp.float32)
        split = cp.empty(nodes * F, dtype=cp.int32)
        splitk(((nodes * F + 127) // 128,), (128,), (hist, np.int32(nodes), np.float32(GB_LAMBDA), gain, split))
        g = gain.reshape(nodes, F)
        bf = cp.argmax(g, axis=1).astype(cp.int32)
        bb = split.reshape(nodes, F)[cp.arange(nodes), bf].astype(cp.int32)
        bb = cp.where(bb < 0, B - 1, bb).astype(cp.int32)  # no valid split: every row goes left
        state.update(bf=bf, bb=bb)
        partk((grid,), (256,), (bins, node, np.uint64(n), bf, bb))
        state["levels"] += 1
        state["level"] += 1
        if state["level"] == GB_DEPTH:  # the leaves: weights from the rows' totals, then the next tree
            sums = gh.view(cp.float32).reshape(n, 2)
            leaf_g = cp.bincount(node, weights=sums[:, 0], minlength=1 << GB_DEPTH)
            leaf_h = cp.bincount(node, weights=sums[:, 1], minlength=1 << GB_DEPTH)
            leaf[:] = (-GB_ETA * leaf_g / (leaf_h + GB_LAMBDA)).astype(cp.float32)
            updk((grid,), (256,), (node, leaf, y, pred, gh, np.uint64(n)))
            node.fill(0)
            state["level"] = 0
            state["trees"] += 1
    nl, per = calibrated_launches(level, 16)
    cupy_loop(repeat_step(level, nl), clock)
    # the check: one more level, its histograms of two features against NumPy's, and the rows' moves
    if state["level"] == 0:
        level()  # a level 0 alone has one node: build the next so that the check sees several nodes
    hnode = node.get()
    check_level = state["level"]
    nodes = 1 << check_level
    histograms(nodes)
    hh = hist[:F * nodes * B * 2].get().reshape(F, nodes, B, 2)
    hgh = gh.get().view(np.float32).reshape(n, 2)
    hist_ok = True
    worst = 0.0
    for f in (0, F - 1):
        col = bins[f * n:(f + 1) * n].get().astype(np.int64)
        key = hnode.astype(np.int64) * B + col
        for k in (0, 1):
            want = np.bincount(key, weights=hgh[:, k].astype(np.float64), minlength=nodes * B).reshape(nodes, B)
            err = np.abs(hh[f, :, :, k] - want)
            worst = max(worst, float((err / (np.abs(want) + 1.0)).max()))
            hist_ok &= bool(np.all(err <= 1e-3 * np.abs(want) + 0.1))  # float32 atomics in any order
    # the previous level's moves: a row's node is 2 parent + (its bin of the parent's split feature > split bin)
    bf, bb = state["bf"].get(), state["bb"].get()
    parent = hnode >> 1
    pick = np.random.default_rng(3).integers(0, n, 4096)
    side = np.array([bins[int(bf[parent[r]]) * n + r].item() > bb[parent[r]] for r in pick[:256]])
    part_ok = bool(np.array_equal(side, (hnode[pick[:256]] & 1) == 1))
    p = 1 / (1 + np.exp(-pred.get().astype(np.float64)))
    hy = y.get()
    acc = float(((p > 0.5) == (hy == 1)).mean())
    ok = hist_ok and part_ok
    note(f"gbdt/{variant}: {state['levels']} tree levels built ({state['trees']} trees of depth {GB_DEPTH}) on {n} rows "
         f"x {F} features of {B} bins, training accuracy {acc:.4f} (labels 1 in 8 flipped: at most 0.875), level "
         f"{check_level}'s gradient and hessian histograms of features 0 and {F - 1} equal to NumPy's bincount within "
         f"rounding: {hist_ok} (worst relative error {worst:.1e}), 256 rows' moves equal to their parents' splits: "
         f"{part_ok}, agree: {ok}, {per * 1e3:.2f} ms a level ({n * F / per / 1e9:.1f} G bin updates/s), {nl} a step")


# ---- walk ----------------------------------------------------------------------------------------------------------
WK_NODES = 1 << 22
WK_WALKERS = 1 << 20
WK_STEPS = 40
WK_HUBS = 4096
WK_SEED = 0x3A1C
WK_CHECK = 8

WK_CUDA = r"""
typedef unsigned long long u64;
#define STEPS %STEPS%
#define HUBS %HUBS%
#define SEED %SEED%ull
// node i's degree: 1 + splitmix(i ^ SEED) % 31; its j-th neighbour: a hub (1 in 8) or any node
__device__ __forceinline__ unsigned int wk_nbr(u64 i, u64 j, unsigned int nodes) {
  const u64 h = splitmix((i << 5 | j) ^ (SEED * 3));
  return (h & 7) == 0 ? (unsigned int)((h >> 3) % HUBS) : (unsigned int)((h >> 3) % nodes);
}
extern "C" __global__ void wk_fill(const unsigned int* __restrict__ rowp, unsigned int* __restrict__ col,
                                   unsigned int nodes) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < nodes; i += (u64)gridDim.x * blockDim.x)
    for (unsigned int e = rowp[i]; e < rowp[i + 1]; ++e) col[e] = wk_nbr(i, e - rowp[i], nodes);
}
// walker w of launch L: starts at splitmix(w ^ L ^ SEED) % nodes, each step to neighbour
// splitmix((L << 40 | w << 8 | s) ^ SEED) % degree
extern "C" __global__ void wk_walk(const unsigned int* __restrict__ rowp, const unsigned int* __restrict__ col,
                                   unsigned int nodes, u64 launch, unsigned int walkers, unsigned int* __restrict__ out) {
  const unsigned int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w >= walkers) return;
  unsigned int cur = (unsigned int)(splitmix((u64)w ^ (launch << 32) ^ SEED) % nodes);
  for (int s = 0; s < STEPS; ++s) {
    const unsigned int a = __ldg(rowp + cur), deg = __ldg(rowp + cur + 1) - a;
    const u64 r = splitmix((launch << 40 | (u64)w << 8 | (u64)s) ^ SEED);
    cur = __ldg(col + a + (unsigned int)(r % deg));
    out[(u64)s * walkers + w] = cur;
  }
}
"""
WK_SRC = SPLITMIX_CUDA + WK_CUDA.replace("%STEPS%", str(WK_STEPS)).replace("%HUBS%", str(WK_HUBS)) \
    .replace("%SEED%", hex(WK_SEED))

def _wk_nbr_py(i, j, nodes):
    """Node i's j-th neighbour, as wk_nbr makes it."""
    h = splitmix64(((i << 5) | j) ^ (WK_SEED * 3))
    return (h >> 3) % WK_HUBS if (h & 7) == 0 else (h >> 3) % nodes


def _wk_walk_py(rowp, col, nodes, launch, w):
    cur = splitmix64((w ^ (launch << 32) ^ WK_SEED)) % nodes
    path = []
    for s in range(WK_STEPS):
        a, deg = int(rowp[cur]), int(rowp[cur + 1] - rowp[cur])
        r = splitmix64((((launch << 40) | (w << 8) | s) ^ WK_SEED))
        cur = int(col[a + r % deg])
        path.append(cur)
    return path


def walk(variant, clock):
    if variant != "deepwalk":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=WK_SRC)
    fill, walkk = mod.get_function("wk_fill"), mod.get_function("wk_walk")
    nodes = WK_NODES
    deg = 1 + splitmix64_np(np.arange(nodes, dtype=np.uint64) ^ np.uint64(WK_SEED)) % np.uint64(31)
    rowp = np.zeros(nodes + 1, dtype=np.uint32)
    rowp[1:] = np.cumsum(deg, dtype=np.uint64).astype(np.uint32)
    d_rowp = cp.asarray(rowp)
    col = cp.empty(int(rowp[-1]), dtype=cp.uint32)
    fill((sms() * 8,), (256,), (d_rowp, col, np.uint32(nodes)))
    out = cp.empty(WK_STEPS * WK_WALKERS, dtype=cp.uint32)
    done = [0]

    def launch():
        walkk(((WK_WALKERS + 255) // 256,), (256,), (d_rowp, col, np.uint32(nodes), np.uint64(done[0]),
                                                     np.uint32(WK_WALKERS), out))
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    last = done[0] - 1
    hcol = col.get()
    hout = out.get().reshape(WK_STEPS, WK_WALKERS)
    picks = sorted({0, WK_WALKERS - 1} | {int(v) for v in np.random.default_rng(9).integers(0, WK_WALKERS, WK_CHECK - 2)})
    good = sum(_wk_walk_py(rowp, hcol, nodes, last, w) == hout[:, w].tolist() for w in picks)
    # the graph itself: 64 sampled nodes' neighbour lists as wk_nbr makes them
    sample = np.random.default_rng(10).integers(0, nodes, 64)
    graph_ok = True
    for i in sample:
        for j in range(int(rowp[i + 1] - rowp[i])):
            graph_ok &= int(hcol[rowp[i] + j]) == _wk_nbr_py(int(i), j, nodes)
    hub_share = float((hout < WK_HUBS).mean())
    ok = good == len(picks) and graph_ok
    note(f"walk/{variant}: {done[0]} launches of {WK_WALKERS} walks of {WK_STEPS} steps on a graph of {nodes} nodes "
         f"and {int(rowp[-1])} edges (CSR, {hcol.nbytes / 2**20:.0f} MiB), {hub_share:.3f} of the last launch's steps "
         f"on the {WK_HUBS} hubs, {len(picks)} walks equal to Python's replay: {good}, 64 sampled nodes' neighbour "
         f"lists as made: {graph_ok}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({WK_WALKERS * WK_STEPS / per / 1e9:.2f} G steps/s), {nl} a step")
