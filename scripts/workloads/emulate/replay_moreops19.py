"""Python replays of moreops19.py's kernels (tuplespace, decimal, median, minimizer), each doing what its CUDA does,
for running the drivers on the CPU (scripts/workloads/emulate/run.py), at shrunk sizes. Written apart from the
drivers' own references (packets a Python int at a time here, NumPy there; the tuple tables probed here, a linear scan
over the rules there; lineitem rows by NumPy arrays here, Python ints there; the forgetful selection network here,
np.median and a sort there; reads by NumPy arrays here, Python ints there, and the sketch as the kernel's ring buffer
here, sketch.c's port there). Kernels that race on the GPU (atomics) are replayed in thread order."""
import numpy as np

import moreops19 as m
from common import splitmix64, splitmix64_np

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1
U = np.uint64
SHRINK = {"TS_PKTS": 4096, "TS_LOG_F": 10, "TS_RULES": 512, "TS_TUPLES": 12, "TS_PKTS0": 256, "TS_MIN_PKTS": 64,
          "TS_MAX_PKTS": 8192, "TS_CHECK": 1024,
          "DC_ROWS": 1 << 14, "DC_ROWS0": 4096, "DC_MIN_ROWS": 1024, "DC_MAX_ROWS": 1 << 15, "DC_CHECK": 2048,
          "DC_CHUNK": 4096,
          "MD_W": 64, "MD_H": 32, "MD_F": 3, "MD_FRAMES0": 2, "MD_MAX_FRAMES": 8,
          "MD_CROPS": ((0, 0, 0, 16), (-1, None, None, 24)), "MD_BAND": 12,
          "MZ_READS": 48, "MZ_LMAX": 1200, "MZ_LOG_G": 16, "MZ_READS0": 8, "MZ_MIN_READS": 4, "MZ_MAX_READS": 64}
KINDS = [("tuplespace", "classify"), ("decimal", "q1"), ("median", "5x5"), ("minimizer", "sketch")]


def _skew(r, log_n):
    p = (r & 0xFFFF) * ((r >> 16) & 0xFFFF) * ((r >> 32) & 0xFFFF)
    return (((p >> (48 - log_n)) & M32) * 0x9E3779B1) & ((1 << log_n) - 1)


# ---- tuplespace
def _ts_flow(key):
    q = splitmix64(key ^ (m.TS_SEED << 1))
    q2 = splitmix64(q)
    return (0x0A000000 | (q & 0xFFFF), 0xAC100000 | ((q >> 16) & 0xFFF),
            ((1024 + (q2 & 0xFFFF) % 64512) << 16) | m.TS_DPORTS[(q2 >> 16) & 7], 6 if ((q2 >> 24) & 15) < 11 else 17)


def ts_gen(grid, block, n, pk):
    for i in range(int(n)):
        r = splitmix64(i ^ m.TS_SEED)
        r2 = splitmix64(r)
        key = ((r2 >> 10) | (1 << 62)) if (r2 & 1023) < m.TS_SCAN else _skew(r, m.TS_LOG_F)
        pk[4 * i:4 * i + 4] = _ts_flow(key)


def ts_classify(grid, block, pk, desc, tab, p0, cnt, out, hits, probes):
    d8 = np.asarray(desc).reshape(-1, 8).astype(np.int64).tolist()
    t8 = np.asarray(tab).reshape(-1, 8).astype(np.int64)
    np_total = 0
    for t in range(int(cnt)):
        i = int(p0) + t
        p = [int(x) for x in pk[4 * i:4 * i + 4]]
        best, rule = 0, M32
        for s, d in enumerate(d8):
            if d[6] <= best:
                break
            k = tuple(p[f] & d[f] for f in range(4))
            a, b, c, e = k
            slot = splitmix64(((a << 32) | b) ^ splitmix64(((c << 8) | e) ^ (s << 48))) & d[5]
            while True:
                np_total += 1
                row = t8[d[4] + slot]
                if row[4] == 0:
                    break
                if tuple(int(x) for x in row[:4]) == k:
                    if row[4] > best:
                        best, rule = int(row[4]), int(row[5])
                    break
                slot = (slot + 1) & d[5]
        out[i] = rule
        hits[m.TS_RULES if rule == M32 else rule] += 1
    probes[0] += np_total


# ---- decimal
def dc_gen(grid, block, n, qty, price, disc, tax, rf, ls, ship):
    i = np.arange(int(n), dtype=U)
    r = splitmix64_np(i ^ U(m.DC_SEED))
    r2 = splitmix64_np(r)
    r3 = splitmix64_np(r2)
    part = (U(1) + r % U(m.DC_NPART)).astype(np.int64)
    q = (U(1) + (r >> U(32)) % U(50)).astype(np.int64)
    retail = 90000 + (part // 10) % 20001 + 100 * (part % 1000)
    qty[:] = 100 * q
    price[:] = q * retail
    disc[:] = ((r2 & U(0xFF)) % U(11)).astype(np.int64)
    tax[:] = (((r2 >> U(8)) & U(0xFF)) % U(9)).astype(np.int64)
    od = ((r2 >> U(16)) % U(m.DC_DAYS)).astype(np.int64)
    sd = od + 1 + ((r2 >> U(40)) % U(121)).astype(np.int64)
    rd = sd + 1 + ((r3 & U(0xFFFF)) % U(30)).astype(np.int64)
    ret = np.where((r3 >> U(16)) & U(1), ord("R"), ord("A"))
    rf[:] = np.where(rd <= m.DC_CURRENT, ret, ord("N"))
    ls[:] = np.where(sd > m.DC_CURRENT, ord("O"), ord("F"))
    ship[:] = sd


def dc_q1(grid, block, qty, price, disc, tax, rf, ls, ship, r0, cnt, cutoff, acc):
    sl = slice(int(r0), int(r0) + int(cnt))
    keep = np.asarray(ship)[sl] <= int(cutoff)
    f, lsl = np.asarray(rf)[sl], np.asarray(ls)[sl]
    g = np.where(f == ord("A"), 0, np.where(f == ord("N"), 2, 4)) + (lsl == ord("O"))
    p, d, t = (np.asarray(x)[sl].astype(object) for x in (price, disc, tax))
    q = np.asarray(qty)[sl].astype(object)
    dp = p * (100 - d)
    ch = dp * (100 + t)
    for h in range(6):
        s = keep & (g == h)
        if not s.any():
            continue
        vals = [int(s.sum()), int(q[s].sum()), int(p[s].sum()), int(d[s].sum())]
        for k in range(4):
            acc[8 * h + k] = (int(acc[8 * h + k]) + vals[k]) & M64
        for k, v in ((4, int(dp[s].sum())), (6, int(ch[s].sum()))):
            tot = (int(acc[8 * h + k]) | (int(acc[8 * h + k + 1]) << 64)) + v
            acc[8 * h + k] = tot & M64
            acc[8 * h + k + 1] = (tot >> 64) & M64


# ---- median
def md_gen(grid, block, w, h, nf, img):
    w, h, nf = int(w), int(h), int(nf)
    i = np.arange(w * h * nf, dtype=U)
    x, y, f = (i % U(w)).astype(np.int64), ((i // U(w)) % U(h)).astype(np.int64), (i // U(w * h)).astype(np.int64)
    hh = splitmix64_np(i ^ U(m.MD_SEED))
    tx, ty = (x * 3 + f * 97) & 2047, (y * 5 + f * 31) & 2047
    v = 8192 + 24 * (np.minimum(tx, 2047 - tx) + np.minimum(ty, 2047 - ty)) + (hh & U(2047)).astype(np.int64) - 1024
    imp = ((hh >> U(11)) & U(1023)).astype(np.int64) < m.MD_IMP
    v = np.where(imp, np.where((hh >> U(21)) & U(1), 65535, 0), v)
    img[:] = np.clip(v, 0, 65535).astype(np.uint16)


def md_filter(grid, block, src, w, h, nf, f0, out):
    w, h, nf = int(w), int(h), int(nf)
    for z in range(int(grid[2])):
        f = (int(f0) + z) % nf
        fr = np.asarray(src)[f * w * h:(f + 1) * w * h].reshape(h, w).astype(np.int64)
        pad = fr[np.clip(np.arange(-2, h + 2), 0, h - 1)][:, np.clip(np.arange(-2, w + 2), 0, w - 1)]
        v = [pad[dy:dy + h, dx:dx + w] for dy in range(5) for dx in range(5)]

        def cx(a, b):
            v[a], v[b] = np.minimum(v[a], v[b]), np.maximum(v[a], v[b])
        for s in range(12):
            cx(2 * s, 2 * s + 1)
            for i in range(2 * s + 2, 14 + s):
                cx(2 * s, i)
                cx(i, 2 * s + 1)
        out[f * w * h:(f + 1) * w * h] = v[24].reshape(-1).astype(np.uint16)


# ---- minimizer
def mz_reads(grid, block, nch, n, off, ln, seq):
    off, ln = np.asarray(off).astype(np.int64), np.asarray(ln).astype(np.int64)
    for r in range(int(n)):
        L = int(ln[r])
        q = splitmix64(r ^ (m.MZ_SEED << 1))
        strand, start = q & 1, (q >> 1) % ((1 << m.MZ_LOG_G) - L + 1)
        j = np.arange(L, dtype=U)
        p = U(start) + (U(L - 1) - j if strand else j)
        rep = splitmix64_np((p >> U(8)) ^ U(m.MZ_SEED << 3))
        pat = np.array(m.MZ_PATTERNS, dtype=U)[((rep >> U(5)) & U(3)).astype(np.int64)]
        wd = np.where((rep & U(31)) == U(0), pat, splitmix64_np((p >> U(4)) ^ U(m.MZ_SEED << 2)) & U(M32))
        b = ((wd >> (U(2) * (p & U(15)))) & U(3)).astype(np.int64)
        if strand:
            b = 3 - b
        e = splitmix64_np((U(r << 14) | j) ^ U(m.MZ_SEED << 4))
        k = (e & U(1023)).astype(np.int64)
        b = np.where((k >= m.MZ_NRATE) & (k < m.MZ_NRATE + m.MZ_SUB), (b + 1 + ((e >> U(10)) % U(3)).astype(np.int64))
                     & 3, b)
        ch = np.frombuffer(b"ACGT", dtype=np.uint8)[b]
        seq[int(off[r]):int(off[r]) + L] = np.where(k < m.MZ_NRATE, ord("N"), ch)
        seq[int(off[r]) + L:int(off[r + 1])] = 0


def _hash64(key, mask):
    key = (~key + (key << 21)) & mask
    key ^= key >> 24
    key = (key * 265) & mask
    key ^= key >> 14
    key = (key * 21) & mask
    key ^= key >> 28
    return (key * (1 + (1 << 31))) & mask


def mz_sketch(grid, block, seq, off, ln, r0, cnt, ids, byid, count, digest, hist, out, cap):
    k, w = m.MZ_K, m.MZ_W
    mask, shift1, none = (1 << 2 * k) - 1, 2 * (k - 1), M64
    bmask = (1 << m.MZ_LOG_B) - 1
    cap = int(cap)
    for t in range(int(cnt)):
        r = int(ids[t]) if int(byid) else int(r0) + t
        L = int(ln[r])
        s = bytes(np.asarray(seq)[int(off[r]):int(off[r]) + L])
        st = {"n": 0, "dig": m.MZ_FNV_BASIS}

        def push(x, y):
            if st["n"] < cap:
                out[2 * (cap * t + st["n"])] = x
                out[2 * (cap * t + st["n"]) + 1] = y
            st["n"] += 1
            st["dig"] = ((st["dig"] ^ x) * m.MZ_FNV_PRIME) & M64
            st["dig"] = ((st["dig"] ^ y) * m.MZ_FNV_PRIME) & M64
            hist[(x >> 8) & bmask] += 1
        k0 = k1 = 0
        bx, by = [none] * w, [none] * w
        mx = my = none
        l = bp = mp = 0
        for i in range(L):
            c = b"ACGT".find(s[i:i + 1])
            c = 4 if c < 0 else c
            ix = iy = none
            if c < 4:
                span = min(l + 1, k)
                k0 = ((k0 << 2) | c) & mask
                k1 = (k1 >> 2) | ((3 ^ c) << shift1)
                if k0 == k1:
                    continue
                z = 0 if k0 < k1 else 1
                l += 1
                if l >= k:
                    ix = (_hash64(k1 if z else k0, mask) << 8) | span
                    iy = (r << 32) | (i << 1) | z
            else:
                l = 0
            bx[bp], by[bp] = ix, iy
            if l == w + k - 1 and mx != none:
                for j in [*range(bp + 1, w), *range(bp)]:
                    if mx == bx[j] and by[j] != my:
                        push(bx[j], by[j])
            if ix <= mx:
                if l >= w + k and mx != none:
                    push(mx, my)
                mx, my, mp = ix, iy, bp
            elif bp == mp:
                if l >= w + k - 1 and mx != none:
                    push(mx, my)
                mx = none
                for j in [*range(bp + 1, w), *range(bp + 1)]:
                    if mx >= bx[j]:
                        mx, my, mp = bx[j], by[j], j
                if l >= w + k - 1 and mx != none:
                    for j in [*range(bp + 1, w), *range(bp + 1)]:
                        if mx == bx[j] and my != by[j]:
                            push(bx[j], by[j])
            bp = 0 if bp + 1 == w else bp + 1
        if mx != none:
            push(mx, my)
        count[r] = st["n"]
        digest[r] = st["dig"]


KERNELS = dict(ts_gen=ts_gen, ts_classify=ts_classify, dc_gen=dc_gen, dc_q1=dc_q1, md_gen=md_gen, md_filter=md_filter,
               mz_reads=mz_reads, mz_sketch=mz_sketch)
