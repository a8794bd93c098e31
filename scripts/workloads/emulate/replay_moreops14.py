"""Python replays of moreops14.py's kernels (philox, gf2, nqueens, noise, sieve), each doing what its CUDA does, for
running the drivers on the CPU (scripts/workloads/emulate/run.py), at shrunk sizes. Written apart from the drivers'
own references where those exist (all threads at once in NumPy uint64 and float32 here, a thread at a time in
Python doubles in the driver; the kernel's pivot order here, a highest-bit basis there; an explicit stack here,
recursion there; whole tiles in float32 here, one pixel in doubles there; trial division by broadcasting here, a
slicing sieve there), so that a slip in one shows as disagreement."""
import numpy as np

import moreops14 as m
from common import popcount64, splitmix64_np

M32 = 0xFFFFFFFF
U = np.uint64
F = np.float32
SHRINK = {"PH_THREADS": 64, "PH_ITERS0": 4, "PH_MIN_ITERS": 2, "PH_MAX_ITERS": 8, "PH_CHECK": 4,
          "GF_N": 128, "GF_MATS0": 4, "GF_MIN_MATS": 2, "GF_MAX_MATS": 8, "GF_CHECK": 2,
          "NQ_N": 10, "NQ_K": 3, "NQ_CHUNK0": 64, "NQ_MIN_CHUNK": 32, "NQ_CHECK": 4, "NQ_SMALL": ((6, 2), (8, 3)),
          "NZ_W": 64, "NZ_H": 32, "NZ_CHECK": 16,
          "SV_SEG": 1 << 12, "SV_LO": 1 << 20, "SV_TOP": 1 << 24, "SV_SMALL": 64, "SV_SEGS0": 8, "SV_MIN_SEGS": 4,
          "SV_MAX_SEGS": 16, "SV_PI_X": 10 ** 6, "SV_PI_WANT": 78498, "SV_CHECK": 4}
KINDS = [("philox", "bulk"), ("gf2", "elim"), ("nqueens", "bitmask"), ("noise", "terrain"), ("sieve", "segmented")]


# ---- philox: every thread at once, 64-bit products of uint32 words
def _philox_np(c, k):
    c = [np.asarray(v, dtype=U) & U(M32) for v in c]
    k0, k1 = (np.asarray(v, dtype=U) & U(M32) for v in k)
    for r in range(10):
        if r:
            k0, k1 = (k0 + U(0x9E3779B9)) & U(M32), (k1 + U(0xBB67AE85)) & U(M32)
        p0, p1 = U(0xD2511F53) * c[0], U(0xCD9E8D57) * c[2]
        c = [(p1 >> U(32)) ^ c[1] ^ k0, p1 & U(M32), (p0 >> U(32)) ^ c[3] ^ k1, p0 & U(M32)]
    return c


def _unif(w):
    return ((w >> U(9)).astype(F) + F(0.5)) * F(1.1920928955078125e-7)


def ph_gen(grid, block, threads, iters, launch, su, sz, sz2, xr, first):
    n, launch = int(threads), int(launch)
    t = np.arange(n, dtype=U)
    au, az, az2 = np.zeros(n, F), np.zeros(n, F), np.zeros(n, F)
    x = np.zeros(n, dtype=U)
    for i in range(int(iters)):
        w = _philox_np((t, np.full(n, i, U), np.full(n, launch & M32, U), np.full(n, (launch >> 32) & M32, U)),
                       (np.full(n, m.PH_KEY[0], U), np.full(n, m.PH_KEY[1], U)))
        x = (((x << U(1)) | (x >> U(31))) & U(M32)) ^ w[0] ^ w[1] ^ w[2] ^ w[3]
        u = [_unif(v) for v in w]
        au = au + ((u[0] + u[1]) + (u[2] + u[3]))
        z = []
        for a, b in ((u[0], u[1]), (u[2], u[3])):
            r = np.sqrt(F(-2) * np.log(a))
            ang = F(2) * b
            z += [r * np.cos(np.pi * ang.astype(np.float64)).astype(F), r * np.sin(np.pi * ang.astype(np.float64)).astype(F)]
        az = az + ((z[0] + z[1]) + (z[2] + z[3]))
        az2 = az2 + ((z[0] * z[0] + z[1] * z[1]) + (z[2] * z[2] + z[3] * z[3]))
        if i == 0:
            first[:4 * n] = np.stack(z, axis=1).reshape(-1)
    su[:n], sz[:n], sz2[:n], xr[:n] = au, az, az2, x.astype(np.uint32)


def ph_kat(grid, block, inp, n, out):
    v = np.asarray(inp)[:6 * int(n)].astype(U).reshape(-1, 6)
    c = _philox_np([v[:, j] for j in range(4)], (v[:, 4], v[:, 5]))
    out[:4 * int(n)] = np.stack(c, axis=1).reshape(-1).astype(np.uint32)


# ---- gf2: rows as Python ints (b in bit n), eliminated in the kernel's order
def _gf_shape():
    n = m.GF_N
    return n, n // 64, n // 64 + 1


def gf_gen(grid, block, gm0, mats, A):
    n, nw, rw = _gf_shape()
    for k in range(int(mats)):
        gm = int(gm0) + k
        i = np.arange(n, dtype=U)[:, None]
        w = np.arange(nw, dtype=U)[None, :]
        a = splitmix64_np(((U(gm) * U(n) + i) * U(nw) + w) ^ U(m.GF_SEED))
        x0 = splitmix64_np((U(gm) * U(nw) + np.arange(nw, dtype=U)) ^ U(m.GF_SEED * 5))
        b = popcount64(a & x0[None, :]).sum(axis=1) & U(1)
        A[k * n * rw:(k + 1) * n * rw] = np.concatenate([a, b[:, None]], axis=1).reshape(-1)


def gf_elim(grid, block, A, mats, rank, x):
    n, nw, rw = _gf_shape()
    for k in range(int(mats)):
        blk = np.asarray(A)[k * n * rw:(k + 1) * n * rw].reshape(n, rw)
        rows = [sum(int(v) << (64 * w) for w, v in enumerate(r)) for r in blk]
        used, piv = [False] * n, [None] * n
        for c in range(n):
            have = [r for r in range(n) if (rows[r] >> c) & 1]
            free = [r for r in have if not used[r]]
            if not free:
                continue
            p = free[0]
            used[p], piv[c] = True, p
            for r in have:
                if r != p:
                    rows[r] ^= rows[p]
        A[k * n * rw:(k + 1) * n * rw] = np.array([(r >> (64 * w)) & ((1 << 64) - 1) for r in rows for w in range(rw)],
                                                  dtype=U)
        xs = sum(((rows[p] >> n) & 1) << c for c, p in enumerate(piv) if p is not None)
        x[k * nw:(k + 1) * nw] = [(xs >> (64 * w)) & ((1 << 64) - 1) for w in range(nw)]
        rank[k] = sum(p is not None for p in piv)


def gf_verify(grid, block, x, gm0, mats, bad):
    n, nw, _ = _gf_shape()
    for k in range(int(mats)):
        gm = int(gm0) + k
        a = splitmix64_np(((U(gm) * U(n) + np.arange(n, dtype=U)[:, None]) * U(nw) + np.arange(nw, dtype=U)[None, :])
                          ^ U(m.GF_SEED))
        x0 = splitmix64_np((U(gm) * U(nw) + np.arange(nw, dtype=U)) ^ U(m.GF_SEED * 5))
        xk = np.asarray(x)[k * nw:(k + 1) * nw]
        pa = popcount64(a & xk[None, :]).sum(axis=1) & U(1)
        pb = popcount64(a & x0[None, :]).sum(axis=1) & U(1)
        bad[0] += np.uint32((pa != pb).sum())


# ---- nqueens: the kernel's explicit stack, placements counted as it counts them
def nq_count(grid, block, pre, npre, p0, count, n, rows, cnt, total, nodes):
    npre, p0, count, n, rows = int(npre), int(p0), int(count), int(n), int(rows)
    full = (1 << n) - 1
    pre = np.asarray(pre)
    for k in range(min(count, npre)):
        p = (p0 + k) % npre
        c, l, r = (int(v) for v in pre[3 * p:3 * p + 3])
        stack, sols, nd = [], 0, 0
        a = full & ~(c | l | r)
        if rows == 1:
            sols = bin(a).count("1")
        else:
            while True:
                if a == 0:
                    if not stack:
                        break
                    c, l, r, a = stack.pop()
                    continue
                b = a & -a
                a ^= b
                nd += 1
                c2, l2, r2 = c | b, ((l | b) << 1) & full, (r | b) >> 1
                a2 = full & ~(c2 | l2 | r2)
                if len(stack) + 2 == rows:
                    sols += bin(a2).count("1")
                    continue
                stack.append((c, l, r, a))
                c, l, r, a = c2, l2, r2, a2
        cnt[p] = sols
        total[0] += U(sols)
        nodes[0] += U(nd)


# ---- noise: a whole tile in float32 NumPy
def _hash_np(ix, iy, o):
    ix, iy = ix.astype(U) & U(M32), iy.astype(U) & U(M32)
    h = ((ix * U(0x8DA6B343)) ^ (iy * U(0xD8163841)) ^ U(((o + m.NZ_SEED) * 0xCB1AB31F) & M32)) & U(M32)
    h ^= h >> U(16)
    h = (h * U(0x7FEB352D)) & U(M32)
    h ^= h >> U(15)
    h = (h * U(0x846CA68B)) & U(M32)
    return h ^ (h >> U(16))


def _grad_np(h, x, y):
    gx = (h & U(0xFFFF)).astype(F) * F(1 / 32768) - F(1)
    gy = (h >> U(16)).astype(F) * F(1 / 32768) - F(1)
    return gx * x + gy * y


def nz_fbm(grid, block, ox, oy, w, hgt, hmap, rowhash):
    w, hgt = int(w), int(hgt)
    X = int(ox) + np.arange(w, dtype=np.int64)[None, :] + np.zeros((hgt, 1), dtype=np.int64)
    Y = int(oy) + np.arange(hgt, dtype=np.int64)[:, None] + np.zeros((1, w), dtype=np.int64)
    acc, amp, hx = np.zeros((hgt, w), F), F(1), np.zeros((hgt, w), U)
    for o in range(m.NZ_OCT):
        sh = m.NZ_CELL_LOG - o
        ix, iy = X >> sh, Y >> sh
        inv = F(1) / F(1 << sh)
        fx, fy = (X & ((1 << sh) - 1)).astype(F) * inv, (Y & ((1 << sh) - 1)).astype(F) * inv
        h00, h10, h01, h11 = _hash_np(ix, iy, o), _hash_np(ix + 1, iy, o), _hash_np(ix, iy + 1, o), \
            _hash_np(ix + 1, iy + 1, o)
        n00, n10 = _grad_np(h00, fx, fy), _grad_np(h10, fx - F(1), fy)
        n01, n11 = _grad_np(h01, fx, fy - F(1)), _grad_np(h11, fx - F(1), fy - F(1))

        def fade(t):
            return t * t * t * (t * (t * F(6) - F(15)) + F(10))
        u, v = fade(fx), fade(fy)
        a0, a1 = n00 + u * (n10 - n00), n01 + u * (n11 - n01)
        acc = acc + amp * (a0 + v * (a1 - a0))
        amp = amp * F(0.5)
        hx = (hx + (h00 ^ (h10 >> U(3)) ^ ((h01 << U(3)) & U(M32)) ^ h11)) & U(M32)
    hmap[:w * hgt] = acc.reshape(-1)
    rowhash[:hgt] += (hx.sum(axis=1) & U(M32)).astype(np.uint32)


def nz_post(grid, block, hmap, w, hgt, talus, rate, cellz, h2, nrm):
    w, hgt = int(w), int(hgt)
    hm = np.asarray(hmap)[:w * hgt].reshape(hgt, w).astype(F)
    hl = np.concatenate([hm[:, :1], hm[:, :-1]], axis=1)
    hr = np.concatenate([hm[:, 1:], hm[:, -1:]], axis=1)
    hu = np.concatenate([hm[:1], hm[:-1]], axis=0)
    hd = np.concatenate([hm[1:], hm[-1:]], axis=0)
    talus, rate, cellz = F(talus), F(rate), F(cellz)
    flux = np.zeros_like(hm)
    for hn in (hl, hr, hu, hd):
        d = hm - hn
        flux = np.where(d > talus, flux - rate * (d - talus), np.where(-d > talus, flux + rate * (-d - talus), flux))
    h2[:w * hgt] = (hm + flux).reshape(-1)
    gx, gy = hl - hr, hu - hd
    s = F(1) / np.sqrt(gx * gx + gy * gy + cellz * cellz)
    q = np.zeros(hm.shape, dtype=np.uint32)
    for k, c in enumerate((gx * s, gy * s, np.broadcast_to(cellz * s, hm.shape))):
        v = np.clip(np.rint((c * F(0.5) + F(0.5)) * F(1023)), 0, 1023).astype(np.uint32)
        q |= v << np.uint32(10 * k)
    nrm[:w * hgt] = q.reshape(-1)


# ---- sieve: trial division by every sieving prime at once
def sv_seg(grid, block, primes, np_, nsmall, lo0, segs, limit, cnt, total):
    seg = m.SV_SEG
    pr = np.asarray(primes)[:int(np_)].astype(np.int64)
    for s in range(int(segs)):
        lo = int(lo0) + s * seg
        nums = lo + 1 + 2 * np.arange(seg // 2, dtype=np.int64)
        ps = pr[pr * pr < lo + seg]
        comp = ((nums[:, None] % ps[None, :] == 0) & (ps[None, :] * ps[None, :] <= nums[:, None])).any(axis=1)
        comp |= nums == 1
        c = int(((~comp) & (nums < int(limit))).sum()) if int(limit) < 1 << 63 else int((~comp).sum())
        cnt[s] = c
        total[0] += U(c)


KERNELS = dict(ph_gen=ph_gen, ph_kat=ph_kat, gf_gen=gf_gen, gf_elim=gf_elim, gf_verify=gf_verify, nq_count=nq_count,
               nz_fbm=nz_fbm, nz_post=nz_post, sv_seg=sv_seg)
