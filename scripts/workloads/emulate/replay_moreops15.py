"""Python replays of moreops15.py's kernels (hashgrid, poker, tfhe, fir, zobrist), each doing what its CUDA does, for
running the drivers on the CPU (scripts/workloads/emulate/run.py), at shrunk sizes. Written apart from the drivers'
own references (all points at once in float32 NumPy here, a point at a time in doubles there; the hash tables here,
brute force over 21 five-card hands there; a negacyclic matrix product and the offset trick here, convolutions and
carries there; all frames at once with an iterative FFT here, a recursive one in Python ints there; hashes updated
incrementally here, from the board there), so that a slip in one shows as disagreement. Kernels that race on the
GPU (atomics, atomicCAS) are replayed in thread order, as one thread after another would run them."""
import numpy as np

import moreops15 as m
from common import splitmix64_np

M32 = 0xFFFFFFFF
U = np.uint64
F = np.float32
SHRINK = {"HG_LEVELS": 4, "HG_LOG_T": 10, "HG_NMIN": 4, "HG_SCALE": 1.5, "HG_HID": 8, "HG_BATCH0": 64,
          "HG_MIN_BATCH": 32, "HG_MAX_BATCH": 256, "HG_CHUNK": 16, "HG_CHECK": 12,
          "PK_LOG_SLOTS": 17, "PK_THREADS": 512, "PK_ITERS0": 4, "PK_MIN_ITERS": 2, "PK_MAX_ITERS": 8,
          "PK_CHECK": 3, "PK_CHECK_ITERS": 8,
          "TF_N": 64, "TF_NKEY": 5, "TF_CTS": 4, "TF_STEPS0": 2, "TF_MIN_STEPS": 1, "TF_MAX_STEPS": 3,
          "FR_P": 16, "FR_TAPS": 8, "FR_FRAMES_BUF": 64, "FR_CHUNK": 24, "FR_CHUNKS0": 1, "FR_MAX_CHUNKS": 3,
          "FR_CHECK": 4,
          "ZB_LOG_BUCKETS": 8, "ZB_THREADS": 96, "ZB_ITERS0": 3, "ZB_MIN_ITERS": 2, "ZB_MAX_ITERS": 4,
          "ZB_SMALL": 8, "ZB_SMALL_ITERS": 40, "ZB_CHECK": 3, "ZB_SCAN": 64}
KINDS = [("hashgrid", "ngp"), ("poker", "eval7"), ("tfhe", "polymul"), ("fir", "channelizer"), ("zobrist", "ttable")]


# ---- hashgrid: every point at once in float32
def _hg_dims():
    L, H = m.HG_LEVELS, m.HG_HID
    nf = 2 * L
    return L, 1 << m.HG_LOG_T, H, nf, H * nf + 2 * H + 1


def _hg_points(launch, b):
    i = np.arange(b, dtype=U)
    r = splitmix64_np((U(launch) << U(24)) ^ i ^ U(m.HG_SEED))
    return [((r >> U(s)) & U(0x1FFFFF)).astype(F) * F(2.0 ** -21) for s in (0, 21, 42)]


def _hg_corners(p, n, t):
    """[(index array, weight array)] of the 8 corners, as hg_index and the kernel's weights make them."""
    pos = [v * F(n) for v in p]
    fl = [np.floor(v) for v in pos]
    ii = [v.astype(np.int64) for v in fl]
    w = [a - b for a, b in zip(pos, fl)]
    s = n + 1
    out = []
    for c in range(8):
        cx, cy, cz = ii[0] + (c & 1), ii[1] + ((c >> 1) & 1), ii[2] + (c >> 2)
        wt = ((w[0] if c & 1 else F(1) - w[0]) * (w[1] if c & 2 else F(1) - w[1])) * (w[2] if c & 4 else F(1) - w[2])
        if s ** 3 <= t:
            idx = cx + s * (cy + s * cz)
        else:
            idx = ((cx.astype(U) ^ ((cy.astype(U) * U(2654435761)) & U(M32)) ^ ((cz.astype(U) * U(805459861)) & U(M32)))
                   & U(t - 1)).astype(np.int64)
        out.append((idx, wt.astype(F)))
    return out


def hg_step(grid, block, tab, res, P, launch, B, feats, hid, dh, dyb, err, gtab):
    L, t, H, nf, npar = _hg_dims()
    b = int(B)
    p = _hg_points(int(launch), b)
    tab = np.asarray(tab)
    lo = (tab & np.uint32(0xFFFF)).astype(np.uint16).view(np.float16).astype(F)
    hi = (tab >> np.uint32(16)).astype(np.uint16).view(np.float16).astype(F)
    f = np.zeros((b, nf), F)
    corners = []
    for lv in range(L):
        cs = _hg_corners(p, int(res[lv]), t)
        corners.append(cs)
        for idx, w in cs:
            f[:, 2 * lv] += w * lo[lv * t + idx]
            f[:, 2 * lv + 1] += w * hi[lv * t + idx]
    P = np.asarray(P, dtype=F)
    W1, b1, W2, b2 = P[:H * nf].reshape(H, nf), P[H * nf:H * nf + H], P[H * nf + H:H * nf + 2 * H], P[-1]
    a = f @ W1.T + b1
    h = np.maximum(a, F(0))
    y = h @ W2 + b2
    tgt = np.sin(F(7) * p[0]) * np.cos(F(5) * p[1]) + F(0.5) * np.sin(F(11) * p[2] + F(3) * p[0] * p[1])
    d = (y - tgt).astype(F)
    err[:b] = d * d
    dy = (F(2) * d / F(b)).astype(F)
    dyb[:b] = dy
    g = np.where(a > 0, dy[:, None] * W2[None, :], F(0)).astype(F)
    hid[:b * H] = h.reshape(-1)
    dh[:b * H] = g.reshape(-1)
    feats[:b * nf] = f.reshape(-1)
    df = (g @ W1).astype(F)
    # the scatter in thread order, as one thread after another would add
    ix, val = [], []
    for lv in range(L):
        for idx, w in corners[lv]:
            for q in range(2):
                ix.append(2 * (lv * t + idx) + q)
                val.append(w * df[:, 2 * lv + q])
    ix, val = np.stack(ix, axis=1).reshape(-1), np.stack(val, axis=1).reshape(-1).astype(F)
    np.add.at(gtab, ix, val)


def hg_wgrad(grid, block, feats, hid, dh, dyb, B, chunk, gw):
    L, t, H, nf, npar = _hg_dims()
    b, ch = int(B), int(chunk)
    f = np.asarray(feats)[:b * nf].reshape(b, nf)
    hh, g, dy = np.asarray(hid)[:b * H].reshape(b, H), np.asarray(dh)[:b * H].reshape(b, H), np.asarray(dyb)[:b]
    for i0 in range(0, b, ch):
        sl = slice(i0, min(i0 + ch, b))
        part = np.concatenate([(g[sl].T @ f[sl]).reshape(-1), g[sl].sum(axis=0), dy[sl] @ hh[sl], [dy[sl].sum()]])
        gw[:npar] += part.astype(F)


def hg_update(grid, block, master, tab, gtab, lr_tab, P, gw, lr_w):
    L, t, H, nf, npar = _hg_dims()
    P[:npar] -= F(lr_w) * gw[:npar]
    gw[:npar] = 0
    master[:] = master - F(lr_tab) * gtab
    gtab[:] = 0
    h = np.asarray(master).astype(np.float16).view(np.uint16).astype(np.uint32)
    tab[:] = h[0::2] | (h[1::2] << np.uint32(16))


# ---- poker: every thread at once, draws with rejection under a mask
def _pk_eval(cards, keys, vals, ftab):
    cards = np.stack(cards, axis=1).astype(np.int64)
    prod = np.ones(len(cards), dtype=U)
    pr = np.array(m.PK_PRIMES, dtype=U)
    for k in range(7):
        prod = prod * pr[cards[:, k] >> 2]
    out = np.zeros(len(cards), dtype=np.uint32)
    done = np.zeros(len(cards), dtype=bool)
    for s in range(4):
        sel = (cards & 3) == s
        cnt = sel.sum(axis=1)
        mask = (np.where(sel, 1 << (cards >> 2), 0)).sum(axis=1)
        fl = (cnt >= 5) & ~done
        out[fl] = np.asarray(ftab)[mask[fl]]
        done |= fl
    ns = 1 << m.PK_LOG_SLOTS
    slot = ((prod * U(m.PK_GOLD)) >> U(64 - m.PK_LOG_SLOTS)).astype(np.int64)
    todo = ~done
    while todo.any():
        hit = todo & (np.asarray(keys)[slot] == prod)
        out[hit] = np.asarray(vals)[slot[hit]]
        todo &= ~hit
        slot = np.where(todo, (slot + 1) & (ns - 1), slot)
    return out


def pk_mc(grid, block, keys, vals, ftab, hole, t0, threads, iters, launch, wins, ties, dig, cls):
    n = int(threads)
    t = int(t0) + np.arange(n, dtype=np.int64)
    c = t % 169
    h0, h1 = (np.asarray(hole)[c] & 0xFF).astype(np.int64), (np.asarray(hole)[c] >> 8).astype(np.int64)
    base = splitmix64_np((U(int(launch)) << U(32)) ^ t.astype(U) ^ U(m.PK_SEED))
    k = np.zeros(n, dtype=U)
    w, ti, dg = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.uint64)
    for _ in range(int(iters)):
        used = (U(1) << h0.astype(U)) | (U(1) << h1.astype(U))
        d = []
        for _ in range(7):
            x = np.zeros(n, dtype=np.int64)
            need = np.ones(n, dtype=bool)
            while need.any():
                cand = (((splitmix64_np(base + k) & U(M32)) * U(52)) >> U(32)).astype(np.int64)
                k = np.where(need, k + U(1), k)
                x = np.where(need, cand, x)
                need = need & (((used >> x.astype(U)) & U(1)) == 1)
            used |= U(1) << x.astype(U)
            d.append(x)
        hv = _pk_eval([h0, h1] + d[2:], keys, vals, ftab).astype(np.uint64)
        vv = _pk_eval(d, keys, vals, ftab).astype(np.uint64)
        w += hv > vv
        ti += hv == vv
        dg = (((dg << U(5)) | (dg >> U(27))) & U(M32)) ^ hv ^ ((vv << U(7)) & U(M32))
    wins[:n], ties[:n], dig[:n] = w, ti, dg.astype(np.uint32)
    np.add.at(cls, 3 * c, w.astype(U))
    np.add.at(cls, 3 * c + 1, ti.astype(U))
    np.add.at(cls, 3 * c + 2, U(int(iters)))


# ---- tfhe: the negacyclic product as a matrix of the key polynomial, the offset trick as the kernel does it
def _tf_negacyclic(g):
    """The N x N int64 matrix T with T @ d the negacyclic product d * g."""
    n = len(g)
    i, j = np.arange(n)[:, None], np.arange(n)[None, :]
    return np.where(j <= i, g[(i - j) % n], -g[(i - j) % n])


def tf_decomp(grid, block, acc, cts, step, dig):
    n, lv, bgb = m.TF_N, m.TF_LV, m.TF_BGB
    a = np.asarray(acc)[:int(cts) * 2 * n].reshape(int(cts), 2, n).astype(np.int64)
    out = np.asarray(dig).reshape(-1)
    for c in range(int(cts)):
        r = m.tf_rot_py(c, int(step))
        for i in range(2):
            src = np.arange(n)
            mm = (src + 2 * n - r) % (2 * n)
            rot = np.where(mm < n, a[c, i, mm % n], -a[c, i, mm % n]) & M32
            x = (rot - a[c, i] + (1 << (31 - lv * bgb)) + m.tf_offset()) & M32
            for p in range(lv):
                o = ((c * 2 + i) * lv + p) * n
                out[o:o + n] = ((x >> (32 - (p + 1) * bgb)) & ((1 << bgb) - 1)) - (1 << (bgb - 1))


def tf_prod(grid, block, dig, bsk, cts, key, acc):
    n, lv = m.TF_N, m.TF_LV
    d = np.asarray(dig)[:int(cts) * 2 * lv * n].reshape(int(cts), 2 * lv, n).astype(np.int64)
    g = np.asarray(bsk).reshape(-1, 2 * lv, 2, n)[int(key)].astype(np.int64)
    mats = [[_tf_negacyclic(g[q, j]) for j in range(2)] for q in range(2 * lv)]
    a = np.asarray(acc)
    for c in range(int(cts)):
        for j in range(2):
            s = np.zeros(n, dtype=np.int64)
            for q in range(2 * lv):
                s = (s + (mats[q][j] @ d[c, q]) % (1 << 32)) % (1 << 32)
            o = (c * 2 + j) * n
            a[o:o + n] = ((a[o:o + n].astype(np.int64) + s) & M32).astype(np.uint32)


# ---- fir: all frames at once, the FFT iterative in int64
def _sat(v):
    return np.clip(v, -32768, 32767)


def _pack(re, im):
    return ((_sat(re) & 0xFFFF) | ((_sat(im) & 0xFFFF) << 16)).astype(np.uint32)


def _unpack(w):
    w = np.asarray(w).astype(np.uint32)
    return (w & 0xFFFF).astype(np.uint16).view(np.int16).astype(np.int64), \
        (w >> 16).astype(np.uint16).view(np.int16).astype(np.int64)


def fr_gen(grid, block, x, n):
    i = np.arange(int(n), dtype=U)
    w = splitmix64_np(i ^ U(m.FR_SEED))

    def s12(v):
        v = (v & U(0xFFF)).astype(np.int64)
        return np.where(v >= 2048, v - 4096, v)
    x[:int(n)] = _pack(s12(w), s12(w >> U(32)))


def fr_fir(grid, block, x, nfb, h, f0, frames, v):
    P, T, sh = m.FR_P, m.FR_TAPS, m.FR_SHIFT
    nfb, fr = int(nfb), int(frames)
    F_ = (int(f0) + np.arange(fr)) % nfb
    xr, xi = _unpack(np.asarray(x)[:nfb * P].reshape(nfb, P))
    h = np.asarray(h).astype(np.int64).reshape(T, P)
    ar, ai = np.zeros((fr, P), np.int64), np.zeros((fr, P), np.int64)
    for k in range(T):
        rows = (F_ - k) % nfb
        ar += h[k][None, :] * xr[rows]
        ai += h[k][None, :] * xi[rows]
    # int32 accumulation: the kernel's sums never leave int32 (16 x 32767 x 2048 < 2^31)
    assert np.abs(ar).max(initial=0) < 2 ** 31 and np.abs(ai).max(initial=0) < 2 ** 31
    rnd = 1 << (sh - 1)
    v[:fr * P] = _pack((ar + rnd) >> sh, (ai + rnd) >> sh).reshape(-1)


def fr_fft(grid, block, v, frames, tw, out):
    P = m.FR_P
    lg = P.bit_length() - 1
    fr = int(frames)
    re, im = _unpack(np.asarray(v)[:fr * P].reshape(fr, P))
    rev = np.array([int(format(i, f"0{lg}b")[::-1], 2) for i in range(P)])
    re, im = re[:, np.argsort(rev)], im[:, np.argsort(rev)]
    wr, wi = _unpack(np.asarray(tw))
    ln = 2
    while ln <= P:
        half, ts = ln // 2, P // ln
        for a0 in range(0, P, ln):
            for k in range(half):
                a, b = a0 + k, a0 + k + half
                tr = (wr[k * ts] * re[:, b] - wi[k * ts] * im[:, b] + 16384) >> 15
                ti = (wr[k * ts] * im[:, b] + wi[k * ts] * re[:, b] + 16384) >> 15
                ar, ai = re[:, a].copy(), im[:, a].copy()
                re[:, a], im[:, a] = (ar + tr + 1) >> 1, (ai + ti + 1) >> 1
                re[:, b], im[:, b] = (ar - tr + 1) >> 1, (ai - ti + 1) >> 1
        ln *= 2
    out[:fr * P] = _pack(re, im).reshape(-1)


# ---- zobrist: one thread after another, Python ints
def zb_search(grid, block, Z, roots, moves, threads, iters, launch, gen, tt, bmask, hits, misses, lost, nodes, dig):
    K, M64 = m.ZB_K, (1 << 64) - 1
    tagm = M64 ^ 0xFFFF
    Z = [int(v) for v in Z]
    gen, bmask = int(gen), int(bmask)
    for t in range(int(threads)):
        r = t >> 5
        mv = [int(v) for v in moves[r * K:(r + 1) * K]]
        base = m.splitmix64(((int(launch) << 32) ^ t ^ m.ZB_SEED) & M64)
        k = dg = nh = nm = nl = nn = 0
        for _ in range(int(iters)):
            h = int(roots[r])
            d = 1 + (m.splitmix64((base + k) & M64) & 7)
            k += 1
            for ply in range(d):
                i = ((m.splitmix64((base + k) & M64) & M32) * K) >> 32
                k += 1
                pc, fr, to = mv[i] & 0xFF, (mv[i] >> 8) & 0xFF, mv[i] >> 16
                h ^= Z[pc * 64 + fr] ^ Z[pc * 64 + to] ^ Z[768]
                dg = (((dg << 7) | (dg >> 57)) & M64) ^ h
                depth = d - ply
                b = (h & bmask) * 4
                chk = (((h >> 16) * 0x9E3779B97F4A7C15) & M64) >> 60
                ne = (h & tagm) | ((gen & 15) << 12) | (chk << 8) | depth
                vs, vi, hit = 1 << 30, 0, False
                for s in range(4):
                    e = int(tt[b + s])
                    if e and e & tagm == h & tagm:
                        if e & 0xFF < depth:
                            tt[b + s] = ne
                        hit = True
                        break
                    sc = -1 if e == 0 else (e & 0xFF) + (256 if (e >> 12) & 15 == gen & 15 else 0)
                    if sc < vs:
                        vs, vi = sc, s
                if not hit:
                    tt[b + vi] = ne
                nh += hit
                nm += not hit
                nn += 1
        hits[t], misses[t], lost[t], nodes[t], dig[t] = nh, nm, nl, nn, dg


KERNELS = dict(hg_step=hg_step, hg_wgrad=hg_wgrad, hg_update=hg_update, pk_mc=pk_mc, tf_decomp=tf_decomp,
               tf_prod=tf_prod, fr_gen=fr_gen, fr_fir=fr_fir, fr_fft=fr_fft, zb_search=zb_search)
