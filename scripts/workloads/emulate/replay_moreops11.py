"""Python replays of moreops11.py's kernels (gbdt, walk), each doing what its CUDA does, for running the drivers on the
CPU (scripts/workloads/emulate/run.py), at shrunk sizes."""
import numpy as np

import moreops11 as m

SHRINK = {"GB_ROWS": 1 << 14, "GB_SLICE": 1024, "WK_NODES": 1 << 12, "WK_WALKERS": 1 << 8, "WK_HUBS": 64}
KINDS = [("gbdt", "train"), ("walk", "deepwalk")]


def gb_hist(grid, block, bins, node, gh, n, nodes, hist):
    F, B = m.GB_F, m.GB_BINS
    n = int(n); nodes = int(nodes)
    g = np.asarray(gh).view(np.float32).reshape(n, 2)
    h = np.asarray(hist).reshape(-1)
    for f in range(F):
        col = np.asarray(bins[f * n:(f + 1) * n]).astype(np.int64)
        key = np.asarray(node).astype(np.int64) * B + col
        base = f * nodes * B
        for k in (0, 1):
            acc = np.bincount(key, weights=g[:, k], minlength=nodes * B).astype(np.float32)
            h[2 * base + k:2 * (base + nodes * B):2] += acc
def gb_split(grid, block, hist, nodes, lam, gain, split):
    F, B = m.GB_F, m.GB_BINS
    nodes = int(nodes); lam = float(lam)
    h = np.asarray(hist)[:F * nodes * B * 2].reshape(F, nodes, B, 2).astype(np.float32)
    for t in range(nodes * F):
        f, nd = t % F, t // F
        G, H = h[f, nd, :, 0].sum(), h[f, nd, :, 1].sum()
        parent = G * G / (H + lam)
        gl = hl = 0.0; best = -1e30; bb = -1
        for b in range(B - 1):
            gl += h[f, nd, b, 0]; hl += h[f, nd, b, 1]
            gr, hr = G - gl, H - hl
            if hl < 1 or hr < 1: continue
            gg = gl * gl / (hl + lam) + gr * gr / (hr + lam) - parent
            if gg > best: best, bb = gg, b
        gain[t] = best; split[t] = bb
def gb_part(grid, block, bins, node, n, bf, bb):
    n = int(n); nd = np.asarray(node).astype(np.int64)
    b = np.asarray(bins)[np.asarray(bf)[nd].astype(np.int64) * n + np.arange(n)]
    node[:] = (2 * nd + (b > np.asarray(bb)[nd])).astype(np.uint8)
def gb_update(grid, block, node, leaf, y, pred, gh, n):
    p0 = np.asarray(pred) + np.asarray(leaf)[np.asarray(node)]
    pred[:] = p0
    p = 1 / (1 + np.exp(-p0))
    g = np.asarray(gh).view(np.float32).reshape(-1, 2)
    g[:, 0] = p - np.asarray(y); g[:, 1] = np.maximum(p * (1 - p), 1e-6)
def wk_fill(grid, block, rowp, col, nodes):
    for i in range(int(nodes)):
        for e in range(int(rowp[i]), int(rowp[i + 1])):
            col[e] = m._wk_nbr_py(i, e - int(rowp[i]), int(nodes))
def wk_walk(grid, block, rowp, col, nodes, launch, walkers, out):
    for w in range(int(walkers)):
        path = m._wk_walk_py(np.asarray(rowp), np.asarray(col), int(nodes), int(launch), w)
        for s, c in enumerate(path): out[s * int(walkers) + w] = c


KERNELS = dict(gb_hist=gb_hist, gb_split=gb_split, gb_part=gb_part, gb_update=gb_update, wk_fill=wk_fill,
               wk_walk=wk_walk)
