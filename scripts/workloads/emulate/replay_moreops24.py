"""Python replays of moreops24.py's kernels (dp4a, topk, voxel, bch), each doing what its CUDA does, for running the
drivers on the CPU (scripts/workloads/emulate/run.py), at shrunk sizes. Written apart from the drivers' own references
(the GEMM here a tile at a time as sums of 4-byte dot products, there as whole-matrix float64 and int64 products; the
top-k here by the kernel's four digit histograms and its scan-order compaction, there by sorting; voxels here filled a
32-bit word at a time with the kernel's box masks and rays stepped together as arrays, there painted as boolean volumes
and traced one at a time; BCH codewords here encoded byte-wise through the kernel's table and decoded by the warp's
lane-parallel Berlekamp-Massey and word-by-word Chien search, there by Python's big-integer division, syndromes over
the error positions and a list-based Berlekamp-Massey). Atomic counters are replayed in thread order."""
import numpy as np

import moreops24 as m
from common import splitmix64, splitmix64_np

M32 = 0xFFFFFFFF
U = np.uint64
SHRINK = {"DP_M": 512, "DP_N": 256, "DP_K": 512, "DP_TILES0": 2, "DP_MIN_TILES": 1, "DP_MAX_TILES": 64,
          "DP_CHUNK": 192, "DP_CHECK": 12,
          "TK_ROWS": 64, "TK_COLS": 4000, "TK_ROWS0": 4, "TK_MIN_ROWS": 1, "TK_MAX_ROWS": 128, "TK_CHUNK": 24,
          "TK_CHECK": 16,
          "VX_LOG": 7, "VX_RAYS": 6000, "VX_LIMIT": 200, "VX_BOXES": 40, "VX_RAYS0": 512, "VX_MIN_RAYS": 64,
          "VX_MAX_RAYS": 16384, "VX_ZCHUNK": 48, "VX_CHECK": 96,
          "BCH_CW": 320, "BCH_CW0": 16, "BCH_MIN_CW": 4, "BCH_MAX_CW": 512, "BCH_CHUNK": 96, "BCH_CHECK": 32}
KINDS = [("dp4a", "gemm"), ("topk", "radix"), ("voxel", "raycast"), ("bch", "decode")]


# ---- dp4a
def dp_gen(grid, block, a, w, bias, mult, shift):
    a[:] = splitmix64_np(np.arange(a.size, dtype=U) ^ U(m.DP_SEED << 40))
    w[:] = splitmix64_np(np.arange(w.size, dtype=U) ^ U((m.DP_SEED + 1) << 40))
    r = splitmix64_np(np.arange(bias.size, dtype=U) ^ U((m.DP_SEED + 2) << 40))
    bias[:] = (r & U(0x3FFFF)).astype(np.int64) - 0x20000
    mult[:] = (U(0x40000000) | ((r >> U(18)) & U(0x3FFFFFFF))).astype(np.int64)
    shift[:] = 11 + (r >> U(56)) % U(3)


def _dp4a_sum(aw, ww):
    """sum over k-words of __dp4a: each word's four signed bytes times the other's, as int64 (rows x cols)"""
    acc = np.zeros((aw.shape[0], ww.shape[0]), dtype=np.int64)
    for b in range(4):
        ab = ((aw >> np.uint32(8 * b)) & np.uint32(255)).astype(np.uint8).view(np.int8).astype(np.int64)
        wb = ((ww >> np.uint32(8 * b)) & np.uint32(255)).astype(np.uint8).view(np.int8).astype(np.int64)
        acc += ab @ wb.T
    return acc


def dp_gemm(grid, block, a, w, bias, mult, shift, t0, cnt, c, q, stats):
    M, N, K = m.DP_M, m.DP_N, m.DP_K
    A = np.asarray(a).view(np.uint32).reshape(M, K // 4)
    W = np.asarray(w).view(np.uint32).reshape(N, K // 4)
    C = np.asarray(c).reshape(M, N)
    Q = np.asarray(q).reshape(M, N)
    for t in range(int(t0), int(t0) + int(cnt)):
        m0, n0 = (t // (N // 128)) * 128, (t % (N // 128)) * 128
        acc = _dp4a_sum(A[m0:m0 + 128], W[n0:n0 + 128])
        C[m0:m0 + 128, n0:n0 + 128] = acc.astype(np.int32)
        sj = 31 + np.asarray(shift[n0:n0 + 128]).astype(np.int64)
        y = (acc + np.asarray(bias[n0:n0 + 128]).astype(np.int64)) * np.asarray(mult[n0:n0 + 128]).astype(np.int64)
        y = (y + (np.ones_like(sj) << (sj - 1))) >> sj
        y = np.minimum(np.maximum(y, 0), 127)
        Q[m0:m0 + 128, n0:n0 + 128] = y.astype(np.int8)
        stats[0] += int((y == 127).sum())
        stats[1] += int((y == 0).sum())


# ---- topk
def tk_gen(grid, block, x):
    C = m.TK_COLS
    i = np.arange(x.size, dtype=U)
    kind = (splitmix64_np((i // U(C)) ^ U(m.TK_SEED << 40)) & U(15)).astype(np.int64)
    r = splitmix64_np(i ^ U(m.TK_SEED << 44))
    s = sum(((r >> U(12 * j)) & U(0xFFF)).astype(np.int64) for j in range(4)) - 8190
    v1 = s.astype(np.float32) * np.float32(0.0009765625)
    v2 = ((((s + 8192) >> 7) - 64).astype(np.float32) * np.float32(0.25)).astype(np.float32)
    e = (127 + ((r >> U(48)) & U(127)).astype(np.int64) - 64) << 23
    v3 = s.astype(np.float32) * e.astype(np.uint32).view(np.float32)
    v4 = ((r >> U(48)) & U(3)).astype(np.float32) - np.float32(1.5)
    v = np.where(kind < 10, v1, np.where(kind < 13, v2, np.where(kind < 15, v3, v4))).astype(np.float32)
    ex = r >> U(51)
    fmax = np.array([0x7F7FFFFF], dtype=np.uint32).view(np.float32)[0]
    v = np.where(ex == U(0), fmax, np.where(ex == U(1), -fmax, v)).astype(np.float32)
    x[:] = v


def _tk_k(row):
    return m.TK_KMIN + (splitmix64(row ^ (m.TK_SEED << 40)) >> 32) % (m.TK_KMAX - m.TK_KMIN + 1)


def tk_select(grid, block, xs, r0, cnt, oi, ov, thr, ties, stats):
    C, KM = m.TK_COLS, m.TK_KMAX
    bits = np.asarray(xs).view(np.uint32).reshape(-1, C)
    for row in range(int(r0), int(r0) + int(cnt)):
        u = bits[row]
        key = np.where(u >> np.uint32(31) == 1, ~u, u | np.uint32(0x80000000)).astype(np.int64)
        k = _tk_k(row)
        prefix, pmask, kk, neq = 0, 0, k, 0
        for pas in range(4):
            sh = 24 - 8 * pas
            inn = (key & pmask) == prefix
            hist = np.bincount((key[inn] >> sh) & 255, minlength=256)
            above = 0
            for d in range(255, -1, -1):  # the scan from the top digit down
                c = int(hist[d])
                if above < kk <= above + c:
                    prefix |= d << sh
                    kk, neq = kk - above, c
                    break
                above += c
            pmask |= 255 << sh
        gt, eq = key > prefix, key == prefix
        gb = np.cumsum(gt) - gt  # keys above before each index
        eb = np.cumsum(eq) - eq
        take = gt | (eq & (eb < kk))
        pos = gb + np.minimum(eb, kk)
        take &= pos < k
        idx = np.nonzero(take)[0]
        oi[row * KM + pos[idx]] = idx
        ov[row * KM + pos[idx]] = u[idx]
        oi[row * KM + k:(row + 1) * KM] = M32
        ov[row * KM + k:(row + 1) * KM] = M32
        thr[row] = prefix
        ties[row] = neq
        stats[0] += int(neq > kk)
        stats[1] += neq
        stats[2] += int(int(gt.sum()) + kk != k)


# ---- voxel
def vx_height(grid, block, hgt):
    nv = 1 << m.VX_LOG
    h0, a1, a2 = m.vx_terrain()
    t = np.arange(nv * nv, dtype=U)
    z, x = t >> U(m.VX_LOG), t & U(nv - 1)

    def lat(i, j, octave):
        return (splitmix64_np(((U(octave) << U(40)) | (i << U(20)) | j) ^ U(m.VX_SEED << 44)) & U(255)).astype(np.int64)

    def noise(s, octave):
        i, j = x >> U(s), z >> U(s)
        fx, fz, S = (x & U((1 << s) - 1)).astype(np.int64), (z & U((1 << s) - 1)).astype(np.int64), 1 << s
        a = lat(i, j, octave) * (S - fx) + lat(i + U(1), j, octave) * fx
        b = lat(i, j + U(1), octave) * (S - fx) + lat(i + U(1), j + U(1), octave) * fx
        return (a * (S - fz) + b * fz) >> (2 * s)
    hgt[:] = h0 + ((noise(6, 0) * a1 + noise(4, 1) * a2) >> 8)


def vx_fill(grid, block, hgt, out):
    nv = 1 << m.VX_LOG
    wpr = nv // 32
    H = np.asarray(hgt).reshape(nv, 1, wpr, 32).astype(np.int64)  # [z][.][word][bit]
    y = np.arange(nv, dtype=np.int64)[None, :, None, None]
    words = ((y < H).astype(np.uint32) << np.arange(32, dtype=np.uint32)).sum(axis=-1, dtype=np.uint64)
    words = words.astype(np.uint32)  # [z][y][word]
    x0 = 32 * np.arange(wpr, dtype=np.int64)
    for bx0, bx1, by0, by1, bz0, bz1 in m.vx_boxes():
        lo, hi = np.maximum(bx0, x0), np.minimum(bx1, x0 + 32)
        w = hi - lo
        mask = np.where(w == 32, M32, (np.left_shift(1, np.clip(w, 0, 31)) - 1) << np.clip(lo - x0, 0, 31))
        mask = np.where(lo < hi, mask & M32, 0).astype(np.uint32)
        words[bz0:bz1, by0:by1, :] |= mask[None, None, :]
    out[:] = words.ravel()


def vx_rays(grid, block, n, rays):
    n = int(n)
    span = 1 << (m.VX_LOG + 16)
    i = np.arange(n, dtype=U)
    r1 = splitmix64_np(i ^ U(m.VX_SEED << 40))
    r2 = splitmix64_np(r1)
    r3 = splitmix64_np(r2)
    o = np.stack([r1 & U(span - 1), U(span // 2) + (r2 & U(span // 2 - 1)), (r1 >> U(32)) & U(span - 1)], axis=1)
    d = np.stack([(r3 & U(0x1FFFF)).astype(np.int64) - 65536, ((r3 >> U(34)) & U(0x1FFFF)).astype(np.int64) - 81920,
                  ((r3 >> U(17)) & U(0x1FFFF)).astype(np.int64) - 65536], axis=1)
    mx = np.abs(d).max(axis=1)
    zero = mx == 0
    d[zero] = [65536, 0, 0]
    mx[zero] = 65536
    d = np.sign(d) * ((np.abs(d) * 65536) // mx[:, None])  # magnitudes truncated, as the kernel's unsigned division
    out = np.asarray(rays).reshape(-1, 8)
    out[:n, 0:3] = o.astype(np.int64)
    out[:n, 3:6] = d
    out[:n, 6:8] = 0


def vx_trace(grid, block, bitmap, rays, r0, cnt, cell, so, stats):
    lg, nv, lim = m.VX_LOG, 1 << m.VX_LOG, m.VX_LIMIT
    r0, cnt = int(r0), int(cnt)
    R = np.asarray(rays).reshape(-1, 8)[r0:r0 + cnt].astype(np.int64)
    G = np.asarray(bitmap)
    o, d = R[:, 0:3], R[:, 3:6]
    v = o >> 16
    s = np.sign(d)
    inf = np.uint64(M32 << 32 | M32)
    ad = np.abs(d).astype(U)
    nz = d != 0
    td = np.where(nz, (U(1) << U(32)) // np.maximum(ad, U(1)), inf)
    f = (o & 0xFFFF).astype(U)
    tm = np.where(nz, (np.where(d > 0, U(65536) - f, f) * td) >> U(16), inf)

    def solid(vv):
        word = ((vv[:, 2] << lg | vv[:, 1]) << (lg - 5)) | (vv[:, 0] >> 5)
        return (G[word] >> (vv[:, 0] & 31).astype(np.uint32)) & np.uint32(1)
    steps = np.zeros(cnt, dtype=np.int64)
    out = np.full(cnt, -1, dtype=np.int64)
    out[solid(v) == 1] = m.VX_HIT
    while True:
        act = out < 0
        stop = act & (steps == lim)
        out[stop] = m.VX_STOP
        act &= ~stop
        if not act.any():
            break
        a = np.nonzero(act)[0]
        t3 = tm[a]
        c = np.where((t3[:, 0] <= t3[:, 1]) & (t3[:, 0] <= t3[:, 2]), 0, np.where(t3[:, 1] <= t3[:, 2], 1, 2))
        nv_ = v[a, c] + s[a, c]
        leave = (nv_ < 0) | (nv_ >= nv)
        out[a[leave]] = m.VX_MISS
        a, c, nv_ = a[~leave], c[~leave], nv_[~leave]
        v[a, c] = nv_
        tm[a, c] += td[a, c]
        steps[a] += 1
        hit = solid(v[a]) == 1
        out[a[hit]] = m.VX_HIT
    cell[r0:r0 + cnt] = (v[:, 2] << (2 * lg)) | (v[:, 1] << lg) | v[:, 0]
    so[r0:r0 + cnt] = steps | (out << 16)
    for k, o_ in enumerate((m.VX_HIT, m.VX_MISS, m.VX_STOP)):
        stats[k] += int((out == o_).sum())
    stats[3] += int(steps.sum())


# ---- bch
def bch_gen(grid, block, ncw, enc, clean, recv):
    p, n, pw, nw, _ = m.bch_shape()
    tab = [sum(int(x) << (32 * j) for j, x in enumerate(row)) for row in np.asarray(enc).reshape(256, pw)]
    mask = (1 << p) - 1
    kw = m.BCH_K // 32
    for c in range(int(ncw)):
        dw = [(splitmix64(((c << 8) | (w >> 1)) ^ (m.BCH_SEED << 40)) >> (32 * (w & 1))) & M32 for w in range(kw)]
        rem = 0
        for w in range(kw - 1, -1, -1):
            for bq in range(3, -1, -1):
                x = (rem >> (p - 8)) ^ ((dw[w] >> (8 * bq)) & 255)
                rem = ((rem << 8) & mask) ^ tab[x]
        word = rem | (sum(v << (32 * j) for j, v in enumerate(dw)) << p)
        re = splitmix64(c ^ (m.BCH_SEED << 42))
        cls = re & 63
        ne = 0 if cls < 4 else m.BCH_T + 1 + ((re >> 8) & 3) if cls >= 60 else 1 + (re >> 16) % m.BCH_T
        rw = word
        for e in range(ne):
            rw ^= 1 << (splitmix64(((c << 8) | e) ^ (m.BCH_SEED << 41)) % n)
        clean[c * nw:(c + 1) * nw] = [(word >> (32 * j)) & M32 for j in range(nw)]
        recv[c * nw:(c + 1) * nw] = [(rw >> (32 * j)) & M32 for j in range(nw)]


def bch_decode(grid, block, recv, galog, glog, c0, cnt, fixed, syn, lamo, status, stats):
    T, QM = m.BCH_T, (1 << m.BCH_M) - 1
    _, n, _, nw, nwn = m.bch_shape()
    ex = np.asarray(galog).astype(np.int64)
    lg = np.asarray(glog).astype(np.int64)
    R = np.asarray(recv).reshape(-1, nw)
    F = np.asarray(fixed).reshape(-1, nw)
    odd = 2 * np.arange(T, dtype=np.int64) + 1
    for c in range(int(c0), int(c0) + int(cnt)):
        r = R[c]
        bits = np.unpackbits(r[:nwn].astype("<u4").view(np.uint8), bitorder="little")
        pos = np.nonzero(bits)[0].astype(np.int64)
        s = np.bitwise_xor.reduce(ex[(pos[:, None] * odd[None, :]) % QM], axis=0) if len(pos) else np.zeros(T, np.int64)
        S = [0] * (2 * T)
        for j in range(T):
            S[2 * j] = int(s[j])
        for mm in range(1, T + 1):
            x = S[mm - 1]
            S[2 * mm - 1] = int(ex[(2 * lg[x]) % QM]) if x else 0
        syn[c * 2 * T:(c + 1) * 2 * T] = S
        anyb = any(S[2 * j] for j in range(T))
        # the warp's Berlekamp-Massey: lists of 32 lanes
        lam, bb = [1] + [0] * 31, [1] + [0] * 31
        L, mm, b, fail = 0, 1, 1, False
        if anyb:
            for rr in range(2 * T):
                d = 0
                for k in range(min(rr, 31) + 1):
                    if lam[k] and S[rr - k]:
                        d ^= int(ex[(lg[lam[k]] + lg[S[rr - k]]) % QM])
                if d == 0:
                    mm += 1
                    continue
                coef = int(ex[(lg[d] + QM - lg[b]) % QM])
                sh = [bb[k - mm] if mm < 32 and k >= mm else 0 for k in range(32)]
                nl = [lam[k] ^ (int(ex[(lg[coef] + lg[sh[k]]) % QM]) if sh[k] else 0) for k in range(32)]
                if 2 * L <= rr:
                    bb, L, b, mm = lam, rr + 1 - L, d, 1
                else:
                    mm += 1
                lam = nl
                if L > T:
                    fail = True
                    break
        q = 0
        if anyb and not fail:
            i = np.arange(32 * nwn, dtype=np.int64)
            v = np.ones(32 * nwn, dtype=np.int64)
            for k in range(1, T + 1):
                if lam[k]:
                    v ^= ex[(lg[lam[k]] - k * i) % QM]
            hitb = ((v == 0) & (i < n)).reshape(nwn, 32)
            masks = (hitb.astype(np.uint64) << np.arange(32, dtype=np.uint64)).sum(axis=1).astype(np.uint32)
            roots = 0
            for q in range(nwn):
                F[c, q] = r[q] ^ masks[q]
                roots += int(hitb[q].sum())
                if roots >= L:
                    break
            q += 1
            if roots != L:
                fail = True
        if fail:
            q = 0
        F[c, q:] = r[q:]
        lamo[c * (T + 1):(c + 1) * (T + 1)] = lam[:T + 1]
        status[c] = m.BCH_FAIL if fail else L
        stats[0] += 0 if fail else L
        stats[1] += int(fail)
        stats[2] += int(not anyb)


KERNELS = dict(dp_gen=dp_gen, dp_gemm=dp_gemm, tk_gen=tk_gen, tk_select=tk_select, vx_height=vx_height,
               vx_fill=vx_fill, vx_rays=vx_rays, vx_trace=vx_trace, bch_gen=bch_gen, bch_decode=bch_decode)
