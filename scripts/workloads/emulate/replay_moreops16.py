"""Python replays of moreops16.py's kernels (xsbench, sph, raster, options, ahocorasick), each doing what its CUDA
does, for running the drivers on the CPU (scripts/workloads/emulate/run.py), at shrunk sizes. Written apart from the
drivers' own references (all lookups of a step at once through the index grid here, a lookup at a time searching each
nuclide's own grid there; the bucket structure walked here, brute force over every particle in doubles there; every
triangle's box at once with minimum.at here, a pixel at a time in Python ints there; float32 NumPy here, math in
doubles there; the automaton's table here, naive matching there), so that a slip in one shows as disagreement.
Kernels that race on the GPU (atomicAdd slots) are replayed in thread order, as one thread after another would run
them."""
import math

import numpy as np

import moreops16 as m
from common import splitmix64_np

M32 = 0xFFFFFFFF
U = np.uint64
F = np.float32
SHRINK = {"XS_LOG_G": 6, "XS_THREADS": 64, "XS_ITERS0": 2, "XS_MAX_ITERS": 4, "XS_CHECK": 4, "XS_CHECK_ITERS": 6,
          "XS_ROWS": 16,
          "SPH_N": 512, "SPH_C": 8, "SPH_LOG_T": 6, "SPH_MAX_STEPS": 2, "SPH_CHECK": 6, "SPH_FCHECK": 3,
          "RS_W": 128, "RS_H": 128, "RS_TRIS": 600, "RS_MAX_FRAMES": 2, "RS_WIN": 32, "RS_CHECK": 8,
          "BS_N": 256, "BS_SCEN0": 2, "BS_MAX_SCEN": 4, "BS_CHECK": 16, "BS_CHECK_SCEN": 5,
          "AC_PATS": 300, "AC_LOG_TEXT": 16, "AC_CHUNK": 256, "AC_STRIDE": 1024, "AC_MAX_PASSES": 2, "AC_CHECK": 6}
KINDS = [("xsbench", "lookup"), ("sph", "fluid"), ("raster", "zbuffer"), ("options", "blackscholes"),
         ("ahocorasick", "scan")]


# ---- xsbench
def xs_gen(grid, block, nuc, uni):
    g = 1 << m.XS_LOG_G
    e = np.arange(m.XS_NUC * g, dtype=U)
    r = splitmix64_np(e ^ U(m.XS_SEED)) >> U(11)
    en = ((e % U(g)).astype(np.float64) + r.astype(np.float64) * m.P53) / g
    out = np.asarray(nuc).reshape(-1, 6)
    out[:, 0] = en
    uni[:len(en)] = en
    with np.errstate(over="ignore"):
        for k in range(1, 6):
            out[:, k] = (splitmix64_np(e * U(8) + U(k + m.XS_SEED)) >> U(11)).astype(np.float64) * m.P53


def xs_index(grid, block, nuc, uni, idx):
    g = 1 << m.XS_LOG_G
    en = np.asarray(nuc).reshape(m.XS_NUC, g, 6)[:, :, 0]
    u = np.asarray(uni)
    out = np.asarray(idx).reshape(len(u), m.XS_NUC)
    for n in range(m.XS_NUC):
        below = (en[n][None, :] <= u[:, None]).sum(axis=1) - 1
        out[:, n] = np.clip(below, 0, g - 2)


def xs_lookup(grid, block, nuc, uni, idx, mats, conc, nnuc, cdf, l0, threads, iters, sums, dig):
    g, nn_ = 1 << m.XS_LOG_G, m.XS_NUC
    n, it_ = int(threads), int(iters)
    mx = max(m.XS_NNUC)
    nuc = np.asarray(nuc).reshape(-1, 6)
    uni, idx = np.asarray(uni), np.asarray(idx)
    mats, conc, nnuc = np.asarray(mats).reshape(12, mx), np.asarray(conc).reshape(12, mx), np.asarray(nnuc)
    t = np.arange(n, dtype=U)
    acc = np.zeros(n)
    dg = np.full(n, 2166136261, dtype=U)
    for it in range(it_):
        r1 = splitmix64_np((U(int(l0)) + t * U(it_) + U(it)) ^ U(m.XS_SEED))
        r2 = splitmix64_np(r1)
        e = (r1 >> U(11)).astype(np.float64) * m.P53
        x = (r2 & U(M32)).astype(np.int64)
        mm = np.minimum(np.searchsorted(np.asarray(cdf)[:11].astype(np.int64), x, side="right"), 11)
        u = np.maximum(np.searchsorted(uni, e, side="right") - 1, 0)
        xs = np.zeros((n, 5))
        for k in range(mx):
            live = k < nnuc[mm]
            nucl = mats[mm, k].astype(np.int64)
            c = conc[mm, k]
            j = idx[u * nn_ + nucl].astype(np.int64)
            a, b = nuc[nucl * g + j], nuc[nucl * g + j + 1]
            f = (b[:, 0] - e) / (b[:, 0] - a[:, 0])
            add = c[:, None] * (b[:, 1:] - f[:, None] * (b[:, 1:] - a[:, 1:]))
            xs += np.where(live[:, None], add, 0.0)
        am = np.argmax(xs, axis=1).astype(U)
        acc += xs[:, 0] + xs[:, 1] + xs[:, 2] + xs[:, 3] + xs[:, 4]
        dg = ((dg ^ (u.astype(U) & U(M32))) * U(16777619)) & U(M32)
        dg = ((dg ^ (mm.astype(U) | (am << U(4)))) * U(16777619)) & U(M32)
    sums[:n] = acc
    dig[:n] = dg.astype(np.uint32)


# ---- sph
def _sph_cells(pos):
    p = np.asarray(pos).reshape(-1, 4)
    return np.minimum((p[:, :3] * F(m.SPH_C)).astype(np.int64), m.SPH_C - 1)


def _sph_hash(c):
    c = c.astype(U)
    return (((c[..., 0] * U(73856093)) ^ (c[..., 1] * U(19349663)) ^ (c[..., 2] * U(83492791))) & U(M32)
            & U((1 << m.SPH_LOG_T) - 1)).astype(np.int64)


def sph_init(grid, block, pos, vel):
    i = np.arange(m.SPH_N, dtype=U)
    r = splitmix64_np(i ^ U(m.SPH_SEED))
    p = np.asarray(pos).reshape(-1, 4)
    for k in range(3):
        p[:, k] = ((r >> U(21 * k)) & U(0x1FFFFF)).astype(F) * F(2.0 ** -21)
    p[:, 3] = 0
    vel[:] = 0


def sph_bin(grid, block, pos, count, cell, slot):
    h = _sph_hash(_sph_cells(pos))
    for i, hv in enumerate(h):  # thread order
        cell[i] = hv
        slot[i] = count[hv]
        count[hv] += 1


def sph_scatter(grid, block, cell, slot, csum, count, sorted_):
    c = np.asarray(cell).astype(np.int64)
    start = np.asarray(csum).astype(np.int64) - np.asarray(count).astype(np.int64)
    sorted_[start[c] + np.asarray(slot).astype(np.int64)] = np.arange(len(c), dtype=np.uint32)


def _sph_neigh(pos, sorted_, csum, count, i):
    """Particle ids of the distinct buckets round particle i's cell, in the kernel's order."""
    C = m.SPH_C
    cc = _sph_cells(pos)[i]
    hs = []
    for dz in range(3):
        for dy in range(3):
            for dx in range(3):
                h = int(_sph_hash(np.array([(cc[0] + dx - 1) % C, (cc[1] + dy - 1) % C, (cc[2] + dz - 1) % C])))
                if h not in hs:
                    hs.append(h)
    ids = [sorted_[int(csum[h]) - int(count[h]):int(csum[h])] for h in hs]
    return np.concatenate(ids).astype(np.int64)


def _sph_d(p, i, j):
    d = p[j, :3] - p[i, :3]
    d = (d - np.rint(d)).astype(F)
    return d, (d * d).sum(axis=1, dtype=F)


def _sph_w(q, dw=False):
    sig = F(8 / math.pi * m.SPH_C ** 3)
    if dw:
        return np.where(q <= F(0.5), sig * F(m.SPH_C) * (F(18) * q * q - F(12) * q),
                        F(-6) * sig * F(m.SPH_C) * (F(1) - q) ** 2).astype(F)
    return np.where(q <= F(0.5), sig * (F(1) - F(6) * q * q * (F(1) - q)), sig * F(2) * (F(1) - q) ** 3).astype(F)


def _seq(v):
    """A float32 sum in order, one term after another, as a thread adds (np.sum adds pairwise)."""
    return np.cumsum(v, dtype=F)[-1] if len(v) else F(0)


def sph_density(grid, block, pos, sorted_, csum, count, rho, prs):
    p = np.asarray(pos).reshape(-1, 4)
    h2 = F(1.0 / m.SPH_C ** 2)
    for i in range(m.SPH_N):
        j = _sph_neigh(pos, sorted_, csum, count, i)
        _, r2 = _sph_d(p, i, j)
        q = np.sqrt(r2[r2 < h2]) * F(m.SPH_C)
        d = F(1.0 / m.SPH_N) * _seq(_sph_w(q))
        rho[i] = d
        prs[i] = F(m.SPH_KP) * (d - F(1))


def sph_force(grid, block, pos, sorted_, csum, count, rho, prs, acc):
    p = np.asarray(pos).reshape(-1, 4)
    rho, prs = np.asarray(rho), np.asarray(prs)
    a = np.asarray(acc).reshape(-1, 4)
    h2 = F(1.0 / m.SPH_C ** 2)
    for i in range(m.SPH_N):
        j = _sph_neigh(pos, sorted_, csum, count, i)
        d, r2 = _sph_d(p, i, j)
        sel = (r2 < h2) & (r2 > 0)
        j, d, r = j[sel], d[sel], np.sqrt(r2[sel])
        pij = prs[i] / (rho[i] * rho[i]) + prs[j] / (rho[j] * rho[j])
        c = F(1.0 / m.SPH_N) * pij * _sph_w(r * F(m.SPH_C), True) / r
        a[i, :3] = [_seq(c * d[:, k]) for k in range(3)]
        a[i, 3] = 0


def sph_integrate(grid, block, pos, vel, acc, dt):
    p, v, a = (np.asarray(x).reshape(-1, 4) for x in (pos, vel, acc))
    nv = np.clip((v[:, :3].astype(np.float64) + float(dt) * a[:, :3].astype(np.float64)).astype(F) * F(m.SPH_DAMP),
                 F(-m.SPH_VMAX), F(m.SPH_VMAX)).astype(F)
    x = (p[:, :3].astype(np.float64) + float(dt) * nv.astype(np.float64)).astype(F)
    x = (x - np.floor(x)).astype(F)
    v[:, :3] = nv
    p[:, :3] = np.where(x < F(1), x, F(0))


# ---- raster
def rs_raster(grid, block, frame, ntri, fb, cover):
    n = int(ntri)
    vx, vy, vz = (a.copy() for a in m.rs_tris_np(int(frame), n))

    def edge(ax, ay, bx, by, px, py):
        return (bx - ax) * (py - ay) - (by - ay) * (px - ax)
    area = edge(vx[:, 0], vy[:, 0], vx[:, 1], vy[:, 1], vx[:, 2], vy[:, 2])
    sw = area < 0
    for a in (vx, vy, vz):
        a[sw, 1], a[sw, 2] = a[sw, 2].copy(), a[sw, 1].copy()
    area = np.abs(area)
    x0 = np.maximum(0, (vx.min(axis=1) - 8 + 15) >> 4)
    x1 = np.minimum(m.RS_W - 1, (vx.max(axis=1) - 8) >> 4)
    y0 = np.maximum(0, (vy.min(axis=1) - 8 + 15) >> 4)
    y1 = np.minimum(m.RS_H - 1, (vy.max(axis=1) - 8) >> 4)
    es = [(1, 2), (2, 0), (0, 1)]
    bias = [np.where((vy[:, b] < vy[:, a]) | ((vy[:, b] == vy[:, a]) & (vx[:, b] > vx[:, a])), 0, -1) for a, b in es]
    cov = np.zeros(n, dtype=np.int64)
    fbv = np.asarray(fb)
    for dy in range(18):
        for dx in range(18):
            px, py = x0 + dx, y0 + dy
            qx, qy = px * 16 + 8, py * 16 + 8
            w = [edge(vx[:, a], vy[:, a], vx[:, b], vy[:, b], qx, qy) for a, b in es]
            ins = (area > 0) & (px <= x1) & (py <= y1) & (w[0] + bias[0] >= 0) & (w[1] + bias[1] >= 0) & \
                (w[2] + bias[2] >= 0)
            t = np.nonzero(ins)[0]
            z = (w[0][t] * vz[t, 0] + w[1][t] * vz[t, 1] + w[2][t] * vz[t, 2]) // area[t]
            np.minimum.at(fbv, py[t] * m.RS_W + px[t], (z.astype(U) << U(32)) | t.astype(U))
            cov += ins
    cover[:n] = cov


def rs_resolve(grid, block, fb, img):
    v = np.asarray(fb)
    c = splitmix64_np(v & U(M32)) & U(M32)
    s = U(255) - (v >> U(45))
    col = U(0xFF000000) | ((((c >> U(16)) & U(0xFF)) * s >> U(8)) << U(16)) | \
        ((((c >> U(8)) & U(0xFF)) * s >> U(8)) << U(8)) | ((c & U(0xFF)) * s >> U(8))
    img[:] = np.where(v == U(m.RS_EMPTY), U(m.RS_BG), col).astype(np.uint32)


# ---- options
_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def bs_gen(grid, block, n, S, K, T, Sf, Kf, Tf):
    i = np.arange(int(n), dtype=U)
    r = splitmix64_np(i ^ U(m.BS_SEED))
    f = [((r >> U(s)) & U(0xFFFFF)).astype(np.float64) * 2.0 ** -20 for s in (0, 20, 40)]
    S[:], K[:], T[:] = 5 + 25 * f[0], 1 + 99 * f[1], 0.25 + 9.75 * f[2]
    Sf[:], Kf[:], Tf[:] = S.astype(F), K.astype(F), T.astype(F)


def _bs(i0, cnt, scen, n, S, K, T, out, R):
    sl = slice(int(i0), int(i0) + int(cnt))
    s0, k, t = (np.asarray(a)[sl].astype(R) for a in (S, K, T))
    r, h, isq2 = R(m.BS_RATE), R(0.5), R(math.sqrt(0.5))
    sqt = np.sqrt(t)
    kd = k * np.exp(-r * t)
    acc = [np.zeros_like(s0) for _ in range(5)]
    for q in range(int(scen)):
        s = s0 * (R(0.8) + R((q * 37) & 63) * R(0.00625))
        v = R(m.BS_VOL) * (R(0.5) + R((q * 11) & 31) * R(0.03125))
        vs = v * sqt
        d1 = (np.log(s / k) + (r + h * v * v) * t) / vs
        d2 = d1 - vs
        e = [_erfc(x.astype(np.float64)).astype(R) for x in (-d1 * isq2, -d2 * isq2, d2 * isq2, d1 * isq2)]
        n1 = h * e[0]
        pdf = np.exp(-h * d1 * d1) * R(0.3989422804014327)
        acc[0] += s * n1 - kd * (h * e[1])
        acc[1] += kd * h * e[2] - s * h * e[3]
        acc[2] += n1
        acc[3] += pdf / (s * vs)
        acc[4] += s * pdf * sqt
    o = np.asarray(out).reshape(5, int(n))
    for j in range(5):
        o[j, sl] = acc[j]


def bs_price32(grid, block, i0, cnt, scen, n, S, K, T, out):
    _bs(i0, cnt, scen, n, S, K, T, out, np.float32)


def bs_price64(grid, block, i0, cnt, scen, n, S, K, T, out):
    _bs(i0, cnt, scen, n, S, K, T, out, np.float64)


# ---- ahocorasick
def ac_gen(grid, block, text, words):
    w = int(words)
    np.asarray(text).view(np.uint64)[:w] = splitmix64_np(np.arange(w, dtype=U) ^ U(m.AC_SEED))


def ac_plant(grid, block, text, pats, lens, npat, nplant, stride):
    ml = m.AC_MAXL
    for i in range(int(nplant)):
        r = m.splitmix64(i ^ (m.AC_SEED << 20))
        pid = ((r & M32) * int(npat)) >> 32
        at = i * int(stride) + (r >> 32) % (int(stride) - ml)
        ln = int(lens[pid])
        text[at:at + ln] = pats[pid * ml:pid * ml + ln]


def ac_scan(grid, block, text, tlen, tab, outc, chunk, threads, cnt, dig):
    n, ch, tl, ml = int(threads), int(chunk), int(tlen), m.AC_MAXL
    text, tab, outc = np.asarray(text), np.asarray(tab).astype(np.int64), np.asarray(outc).astype(np.int64)
    s0 = np.arange(n, dtype=np.int64) * ch
    e = np.minimum(s0 + ch, tl)
    a = np.maximum(s0 - (ml - 1), 0)
    st = np.zeros(n, dtype=np.int64)
    c = np.zeros(n, dtype=np.int64)
    dg = np.zeros(n, dtype=U)
    for k in range(ch + ml - 1):
        p = a + k
        live = p < e
        b = text[np.minimum(p, tl - 1)].astype(np.int64)
        st = np.where(live, tab[st * 256 + b], st)
        o = outc[st]
        hit = live & (o > 0) & (p >= s0)
        c += np.where(hit, o, 0)
        with np.errstate(over="ignore"):
            mix = ((dg << U(7)) | (dg >> U(57))) ^ (p.astype(U) * U(0x9E3779B97F4A7C15) + o.astype(U))
        dg = np.where(hit, mix, dg)
    cnt[:n] = c
    dig[:n] = dg


KERNELS = dict(xs_gen=xs_gen, xs_index=xs_index, xs_lookup=xs_lookup, sph_init=sph_init, sph_bin=sph_bin,
               sph_scatter=sph_scatter, sph_density=sph_density, sph_force=sph_force, sph_integrate=sph_integrate,
               rs_raster=rs_raster, rs_resolve=rs_resolve, bs_gen=bs_gen, bs_price32=bs_price32,
               bs_price64=bs_price64, ac_gen=ac_gen, ac_plant=ac_plant, ac_scan=ac_scan)
