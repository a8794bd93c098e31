"""Python replays of moreops17.py's kernels (louvain, featurehash, pic, inflate, stringhash), each doing what its CUDA
does, for running the drivers on the CPU (scripts/workloads/emulate/run.py), at shrunk sizes. Written apart from the
drivers' own references (edges by Python ints here, NumPy there; the open-addressing tables here, dict counts there;
MurmurHash3 vectorized over tokens in NumPy here, a token at a time in Python there; float32 NumPy here, doubles
there; xxHash32 through struct here, int.from_bytes there), so that a slip in one shows as disagreement. The inflate
replay is zlib itself (the kernel's own decoding is checked by the host harness and on the GPU). Kernels that race on
the GPU (atomics, moving nodes) are replayed in thread order, as one thread after another would run them."""
import struct
import zlib

import numpy as np

import moreops17 as m
from common import splitmix64, splitmix64_np

M32 = 0xFFFFFFFF
U = np.uint64
U4 = np.uint32
F = np.float32
SHRINK = {"LV_LOG_N": 8, "LV_LOG_E": 11, "LV_NODES0": 64, "LV_MIN_NODES": 16, "LV_MAX_NODES": 600, "LV_CHECK": 16,
          "LV_CSR_CHECK": 4, "LV_CHUNK": 512,
          "FH_ROWS": 300, "FH_LOG_B": 10, "FH_ROWS0": 32, "FH_MIN_ROWS": 16, "FH_MAX_ROWS": 400, "FH_CHECK": 4,
          "PIC_N": 4096, "PIC_G": 16, "PIC_MAX_STEPS": 2, "PIC_DCHECK": 256, "PIC_PCHECK": 8,
          "INF_STREAMS": 8, "INF_SLEN": 4096, "INF_NSRC": 3, "INF_MAX_PASSES": 2, "INF_CHECK": 3,
          "SH_ROWS": 3000, "SH_LOG_V": 10, "SH_LOG_T": 12, "SH_ROWS0": 256, "SH_MIN_ROWS": 64, "SH_MAX_ROWS": 4000,
          "SH_CHECK": 8}
KINDS = [("louvain", "modularity"), ("featurehash", "murmur"), ("pic", "deposit"), ("inflate", "decode"),
         ("stringhash", "groupby")]


def _skew(r, log_n):
    p = (r & 0xFFFF) * ((r >> 16) & 0xFFFF) * ((r >> 32) & 0xFFFF)
    return (((p >> (48 - log_n)) & M32) * 0x9E3779B1) & ((1 << log_n) - 1)


# ---- louvain
def _lv_edges(ne):
    n = 1 << m.LV_LOG_N
    out = []
    for e in range(ne):
        r = splitmix64(e ^ m.LV_SEED)
        u = _skew(r, m.LV_LOG_N)
        v = splitmix64(r) & (n - 1)
        out.append((u, (v + 1) % n if v == u else v))
    return out


def lv_degree(grid, block, ne, deg):
    for u, v in _lv_edges(int(ne)):
        deg[u] += 1
        deg[v] += 1


def lv_fill(grid, block, ne, off, deg, fill, adj):
    ed = np.array(_lv_edges(int(ne)), dtype=np.int64)
    src = np.stack([ed[:, 0], ed[:, 1]], axis=1).reshape(-1)  # thread order: u's slot, then v's
    dst = np.stack([ed[:, 1], ed[:, 0]], axis=1).reshape(-1)
    order = np.argsort(src, kind="stable")
    start = np.asarray(off).astype(np.int64) - np.asarray(deg).astype(np.int64)
    rank = np.arange(len(src)) - start[src[order]]
    adj[start[src[order]] + rank] = dst[order]
    fill[:] = deg


def lv_init(grid, block, comm, tot, deg):
    comm[:] = np.arange(len(comm), dtype=U4)
    tot[:] = np.asarray(deg).astype(np.int32)


def lv_move(grid, block, off, deg, adj, comm, tot, tkey, tcnt, first, cnt, apply, inv2m, best_out, gain_out, moves):
    for t in range(int(cnt)):
        i = int(first) + t
        d = int(deg[i])
        s = int(off[i]) - d
        cap = 2 * d
        own = int(comm[i])
        best, bg, stay = own, F(0), F(0)
        if d:
            key = tkey[2 * s:2 * s + cap]
            num = tcnt[2 * s:2 * s + cap]
            key[:] = M32
            num[:] = 0
            for k in range(d):
                c = int(comm[int(adj[s + k])])
                h = (((c * 0x9E3779B1) & M32) * cap) >> 32
                while key[h] != c and key[h] != M32:
                    h = 0 if h + 1 == cap else h + 1
                key[h] = c
                num[h] += 1
            ki = F(d)
            kown = int(num[key == own][0]) if np.any(key == own) else 0
            stay = F(F(kown) - F(F(ki * F(int(tot[own]) - d)) * F(inv2m)))
            bg = stay
            for k in range(cap):
                c = int(key[k])
                if c == M32 or c == own:
                    continue
                g = F(F(int(num[k])) - F(F(ki * F(int(tot[c]))) * F(inv2m)))
                if g > bg or (g == bg and best != own and c < best):
                    best, bg = c, g
            if int(apply) and best != own:
                comm[i] = best
                tot[own] -= d
                tot[best] += d
                moves[0] += 1
        if not int(apply):
            best_out[t] = best
            gain_out[t] = F(bg - stay)


# ---- featurehash
def _rotl(x, r):
    return (x << U4(r)) | (x >> U4(32 - r))


def _murmur_np(words, lens, seed):
    """MurmurHash3_x86_32 of many keys at once: words [n, k] uint32, lens [n]."""
    with np.errstate(over="ignore"):
        c1, c2 = U4(0xCC9E2D51), U4(0x1B873593)
        lens = lens.astype(U4)
        nb = lens >> U4(2)
        h = np.full(len(lens), seed, dtype=U4)
        for i in range(words.shape[1]):
            x = _rotl(words[:, i] * c1, 15) * c2
            hn = _rotl(h ^ x, 13) * U4(5) + U4(0xE6546B64)
            h = np.where(i < nb, hn, h)
            rem = lens & U4(3)
            tail = (i == nb) & (rem > 0)
            mask = ((U(1) << (U(8) * rem.astype(U))) - U(1)).astype(U4)
            xt = _rotl((words[:, i] & mask) * c1, 15) * c2
            h = np.where(tail, h ^ xt, h)
        h ^= lens
        h ^= h >> U4(16)
        h *= U4(0x85EBCA6B)
        h ^= h >> U4(13)
        h *= U4(0xC2B2AE35)
        return h ^ (h >> U4(16))


def _fh_tokens(ids):
    s = splitmix64_np(ids ^ U(m.FH_SEED))
    lens = U(4) + (s >> U(32)) % U(21)
    words = np.zeros((len(ids), 7), dtype=U4)  # a spare zero word for the tail of 24-byte tokens
    for q in range(3):
        s = splitmix64_np(s)
        words[:, 2 * q] = (s & U(M32)).astype(U4)
        words[:, 2 * q + 1] = (s >> U(32)).astype(U4)
    h = _murmur_np(words, lens, m.FH_HSEED)
    sg = _murmur_np(words, lens, m.FH_SSEED) >> U4(31)
    return h, sg


def fh_init(grid, block, w, grad):
    b = np.arange(1 << m.FH_LOG_B, dtype=U)
    r = (splitmix64_np(b ^ U(m.FH_SEED << 4)) >> U(40)).astype(F)
    w[:] = (r * F(2.0 ** -24) - F(0.5)) * F(0.1)
    grad[:] = 0


def fh_rows(grid, block, r0, cnt, w, grad, z, dig):
    n, tok = int(cnt), m.FH_TOK
    rows = np.arange(int(r0), int(r0) + n, dtype=U)
    ids = (rows[:, None] * U(tok) + np.arange(tok, dtype=U)[None, :]).reshape(-1)
    h, sg = _fh_tokens(ids)
    h, sg = h.reshape(n, tok), sg.reshape(n, tok)
    b = (h & U4((1 << m.FH_LOG_B) - 1)).astype(np.int64)
    w = np.asarray(w)
    s = np.zeros(n, dtype=F)
    dg = np.full(n, 2166136261, dtype=U4)
    with np.errstate(over="ignore"):
        for j in range(tok):
            s = np.where(sg[:, j] == 1, s - w[b[:, j]], s + w[b[:, j]]).astype(F)
            dg = (dg ^ h[:, j]) * U4(16777619)
            dg = (dg ^ sg[:, j]) * U4(16777619)
    y = (splitmix64_np(rows ^ U(m.FH_SEED << 8)) & U(1)).astype(F)
    g = (F(1) / (F(1) + np.exp(-s)) - y).astype(F)
    np.add.at(np.asarray(grad), b.reshape(-1), np.where(sg == 1, -g[:, None], g[:, None]).astype(F).reshape(-1))
    z[int(r0):int(r0) + n] = s
    dig[int(r0):int(r0) + n] = dg


def fh_step(grid, block, w, grad):
    w[:] = (np.asarray(w) - F(m.FH_LR) * np.asarray(grad)).astype(F)
    grad[:] = 0


def fh_test(grid, block, words, woff, lens, seeds, n, out):
    for i in range(int(n)):
        wd = np.asarray(words)[int(woff[i]):int(woff[i]) + 13]
        wd = np.concatenate([wd, np.zeros(13 - len(wd), dtype=U4)])
        out[i] = _murmur_np(wd[None, :], np.asarray(lens)[i:i + 1], int(seeds[i]))[0]


# ---- pic
def _pic_cells(ix, iy, iz, k):
    g = m.PIC_G
    return (((iz + (k >> 2)) % g) * g + (iy + ((k >> 1) & 1)) % g) * g + (ix + (k & 1)) % g


def pic_init(grid, block, pos, vel):
    i = np.arange(m.PIC_N, dtype=U)
    a = splitmix64_np(i ^ U(m.PIC_SEED))
    b = splitmix64_np(a)
    p, v = np.asarray(pos).reshape(-1, 4), np.asarray(vel).reshape(-1, 4)
    for k in range(3):
        p[:, k] = ((a >> U(21 * k)) & U(0x1FFFFF)).astype(F) * F(2.0 ** -21 * m.PIC_G)
        v[:, k] = (((b >> U(21 * k)) & U(0x1FFFFF)).astype(F) * F(2.0 ** -21) - F(0.5)) * F(m.PIC_VT)
    p[:, 3] = 0
    v[:, 3] = 0


def pic_e0(grid, block, e0):
    g = m.PIC_G
    c = np.arange(g ** 3)
    x, y, z = (c % g).astype(F), ((c // g) % g).astype(F), (c // (g * g)).astype(F)
    k = F(2 * np.pi / g)
    e = np.asarray(e0).reshape(-1, 4)
    e[:, 0], e[:, 1], e[:, 2], e[:, 3] = F(m.PIC_E0) * np.sin(k * x), F(m.PIC_E0) * np.sin(k * y), \
        F(m.PIC_E0) * np.sin(k * z), 0


def _pic_weights(pos, first, cnt):
    p = np.asarray(pos).reshape(-1, 4)[int(first):int(first) + int(cnt), :3]
    i = p.astype(np.int64)
    f = (p - i.astype(F)).astype(F)
    ws = []
    for k in range(8):
        wx = f[:, 0] if k & 1 else F(1) - f[:, 0]
        wy = f[:, 1] if k & 2 else F(1) - f[:, 1]
        wz = f[:, 2] if k & 4 else F(1) - f[:, 2]
        ws.append(((wx * wy).astype(F) * wz).astype(F))
    return i, ws


def pic_deposit(grid, block, pos, first, cnt, rho):
    i, ws = _pic_weights(pos, first, cnt)
    qw = F(m.PIC_G ** 3) / F(m.PIC_N)
    cells = np.stack([_pic_cells(i[:, 0], i[:, 1], i[:, 2], k) for k in range(8)], axis=1)
    vals = np.stack([(qw * w).astype(F) for w in ws], axis=1)
    np.add.at(np.asarray(rho), cells.reshape(-1), vals.reshape(-1))


def pic_field(grid, block, rho, e0, ef):
    g = m.PIC_G
    r = np.asarray(rho).reshape(g, g, g)
    e, o = np.asarray(e0).reshape(g, g, g, 4), np.asarray(ef).reshape(g, g, g, 4)
    c = F(m.PIC_KF) * F(0.5)
    for a in range(3):
        ax = 2 - a
        o[..., a] = e[..., a] - c * (np.roll(r, -1, axis=ax) - np.roll(r, 1, axis=ax))
    o[..., 3] = 0


def pic_push(grid, block, pos, vel, ef, first, cnt):
    sl = slice(int(first), int(first) + int(cnt))
    i, ws = _pic_weights(pos, first, cnt)
    e4 = np.asarray(ef).reshape(-1, 4)
    ex = np.zeros(len(i), dtype=F)
    ey, ez = ex.copy(), ex.copy()
    for k in range(8):
        c = _pic_cells(i[:, 0], i[:, 1], i[:, 2], k)
        ex = (ex + ws[k] * e4[c, 0]).astype(F)
        ey = (ey + ws[k] * e4[c, 1]).astype(F)
        ez = (ez + ws[k] * e4[c, 2]).astype(F)
    h = F(0.5) * F(m.PIC_QM) * F(m.PIC_DT)
    tz = h * F(m.PIC_BZ)
    sz = F(2) * tz / (F(1) + tz * tz)
    v = np.asarray(vel).reshape(-1, 4)
    p = np.asarray(pos).reshape(-1, 4)
    mx, my, mz = v[sl, 0] + h * ex, v[sl, 1] + h * ey, v[sl, 2] + h * ez
    px, py = mx + my * tz, my - mx * tz
    nv = [mx + py * sz + h * ex, my - px * sz + h * ey, mz + h * ez]
    g = F(m.PIC_G)
    for a in range(3):
        v[sl, a] = nv[a]
        x = (p[sl, a] + F(m.PIC_DT) * nv[a]).astype(F)
        x = (x - g * np.floor(x * (F(1) / g))).astype(F)
        p[sl, a] = np.where(x < g, x, F(0))


# ---- inflate
def inf_run(grid, block, comp, coff, clen, nsrc, s0, cnt, slen, out, olen, crc, status):
    sl = int(slen)
    for t in range(int(cnt)):
        s = int(s0) + t
        src = s % int(nsrc)
        data = bytes(np.asarray(comp)[int(coff[src]):int(coff[src]) + int(clen[src])])
        d = zlib.decompressobj(-15)
        dec = d.decompress(data, sl)
        over = bool(d.unconsumed_tail) or not d.eof
        out[s * sl:s * sl + len(dec)] = np.frombuffer(dec, dtype=np.uint8)
        olen[s] = len(dec)
        crc[s] = zlib.crc32(dec)
        status[s] = 1 if over else 0


# ---- stringhash
def _xxh32(b, seed):
    p1, p2, p3, p4, p5 = 0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1

    def rl(x, r):
        x &= M32
        return ((x << r) | (x >> (32 - r))) & M32
    n, pos = len(b), 0
    if n >= 16:
        a = [seed + p1 + p2, seed + p2, seed, seed - p1]
        while n - pos >= 16:
            ws = struct.unpack_from("<4I", b, pos)
            a = [rl(a[j] + ws[j] * p2, 13) * p1 & M32 for j in range(4)]
            pos += 16
        h = rl(a[0], 1) + rl(a[1], 7) + rl(a[2], 12) + rl(a[3], 18)
    else:
        h = seed + p5
    h = (h + n) & M32
    while n - pos >= 4:
        h = rl(h + struct.unpack_from("<I", b, pos)[0] * p3, 17) * p4 & M32
        pos += 4
    for c in b[pos:]:
        h = rl(h + c * p5, 11) * p1 & M32
    h = (h ^ (h >> 15)) * p2 & M32
    h = (h ^ (h >> 13)) * p3 & M32
    return h ^ (h >> 16)


def sh_rows(grid, block, rows, kid, klen, val):
    for r in range(int(rows)):
        x = splitmix64(r ^ m.SH_SEED)
        i = _skew(x, m.SH_LOG_V)
        kid[r] = i
        klen[r] = 8 + splitmix64(i ^ (m.SH_SEED << 1)) % 33
        val[r] = splitmix64(x) % 2000001 - 1000000


def sh_chars(grid, block, rows, kid, klen, off, chars):
    for r in range(int(rows)):
        n, base = int(klen[r]), int(off[r]) - int(klen[r])
        i = int(kid[r])
        ws = b"".join(splitmix64((i << 3) + q + (m.SH_SEED << 2)).to_bytes(8, "little") for q in range((n + 7) // 8))
        chars[base:base + n] = np.frombuffer(bytes(97 + c % 26 for c in ws[:n]), dtype=np.uint8)


def sh_group(grid, block, chars, off, klen, val, r0, cnt, tab, tcount, tsum):
    mask = (1 << m.SH_LOG_T) - 1
    ch = np.asarray(chars)

    def key(r):
        return bytes(ch[int(off[r]) - int(klen[r]):int(off[r])])
    for t in range(int(cnt)):
        r = int(r0) + t
        k = key(r)
        h = _xxh32(k, m.SH_XSEED)
        hh = h or 1
        slot = h & mask
        while True:
            cur = int(tab[slot])
            if cur == 0:
                tab[slot] = (hh << 32) | (r + 1)
                break
            if cur >> 32 == hh and key((cur & M32) - 1) == k:
                break
            slot = (slot + 1) & mask
        tcount[slot] += 1
        tsum[slot] = (int(tsum[slot]) + int(val[r])) & ((1 << 64) - 1)


def sh_test(grid, block, data, toff, lens, seeds, n, out):
    d = bytes(np.asarray(data))
    for i in range(int(n)):
        out[i] = _xxh32(d[int(toff[i]):int(toff[i]) + int(lens[i])], int(seeds[i]))


KERNELS = dict(lv_degree=lv_degree, lv_fill=lv_fill, lv_init=lv_init, lv_move=lv_move, fh_init=fh_init,
               fh_rows=fh_rows, fh_step=fh_step, fh_test=fh_test, pic_init=pic_init, pic_e0=pic_e0,
               pic_deposit=pic_deposit, pic_field=pic_field, pic_push=pic_push, inf_run=inf_run, sh_rows=sh_rows,
               sh_chars=sh_chars, sh_group=sh_group, sh_test=sh_test)
