"""Python replays of moreops13.py's kernels (primes, ising, triangle, base64, walksat), each doing what its CUDA does,
for running the drivers on the CPU (scripts/workloads/emulate/run.py), at shrunk sizes. Written apart from the
drivers' own references where those exist (Montgomery arithmetic here, pow in the driver; whole-lattice NumPy here,
spin by spin in the driver; a list-scan WalkSAT here, the driver's per-step replay there), so that a slip in one
shows as disagreement."""
import numpy as np

import moreops13 as m
from common import splitmix64, splitmix64_np

M64 = (1 << 64) - 1
U = np.uint64
SHRINK = {"PR_THREADS": 512, "PR_MIN_THREADS": 256, "PR_MAX_THREADS": 1024, "PR_CHECK": 16,
          "IS_L": 256, "IS_CHECK": 4,
          "TC_NODES": 1 << 10, "TC_RAW": 1 << 13, "TC_SMALL_NODES": 1 << 8, "TC_SMALL_RAW": 1 << 10,
          "TC_CHUNK0": 1 << 10, "TC_MIN_CHUNK": 64, "TC_CHECK": 16,
          "BC_GROUPS": 1 << 12, "BC_TEXT": 1 << 18, "BC_CHECK": 4,
          "WS_N": 32, "WS_M": 134, "WS_INST": 8, "WS_STEPS0": 64, "WS_MIN_STEPS": 32, "WS_MAX_STEPS": 128}
KINDS = [("primes", "millerrabin"), ("ising", "multispin"), ("triangle", "count"), ("base64", "codec"),
         ("walksat", "3sat")]


# ---- primes: Montgomery arithmetic as the CUDA does it, 64-bit wrap-around included
def _mont(a, b, n, ninv):
    t = a * b
    lo, hi = t & M64, t >> 64
    mm = (lo * ninv) & M64
    s = hi + ((mm * n) >> 64)
    c1 = s > M64
    s &= M64
    s2 = s + (lo != 0)
    c2 = s2 > M64
    s2 &= M64
    return (s2 - n) & M64 if (c1 or c2 or s2 >= n) else s2


def _mr(n):
    inv = n
    for _ in range(5):
        inv = (inv * (2 - n * inv)) & M64
    ninv = (-inv) & M64
    one = ((1 << 64) - n) % n
    r2 = one
    for _ in range(64):
        r2 = r2 - (n - r2) if r2 >= n - r2 else r2 + r2
    mone = n - one
    d, s = n - 1, 0
    while d & 1 == 0:
        d >>= 1
        s += 1
    for base in m.PR_BASES:
        a = _mont(base % n, r2, n, ninv)
        x = a
        for b in range(d.bit_length() - 2, -1, -1):
            x = _mont(x, x, n, ninv)
            if (d >> b) & 1:
                x = _mont(x, a, n, ninv)
        if x in (one, mone):
            continue
        ok = False
        for _ in range(1, s):
            x = _mont(x, x, n, ninv)
            if x == mone:
                ok = True
                break
        if not ok:
            return False
    return True


def pr_test(grid, block, start, threads, out, count, hsh):
    for t in range(int(threads)):
        n = (int(start) + 2 * t) & M64
        p = n > 37 and n & 1 and _mr(n)
        out[t] = bool(p)
        if p:
            count[0] += 1
            hsh[0] ^= U(splitmix64(n ^ m.PR_SEED))


# ---- ising: a whole half-sweep at once in NumPy
def is_fill(grid, block, lat, words):
    lat[:int(words)] = splitmix64_np(np.arange(int(words), dtype=U) ^ U(m.IS_SEED * 3))


def is_half(grid, block, lat, L, color, sweep, t4, t8, ups):
    L, color, sweep = int(L), int(color), int(sweep)
    W = L >> 6
    s = np.asarray(lat).reshape(L, W).copy()
    n1, n2 = np.roll(s, 1, axis=0), np.roll(s, -1, axis=0)
    n3 = (s << U(1)) | (np.roll(s, 1, axis=1) >> U(63))
    n4 = (s >> U(1)) | (np.roll(s, -1, axis=1) << U(63))
    cnt = np.zeros((L, W, 64), dtype=np.int64)
    bitsv = np.arange(64, dtype=U)
    sb = (s[:, :, None] >> bitsv) & U(1)
    for nb in (n1, n2, n3, n4):
        cnt += ((nb[:, :, None] >> bitsv) & U(1)) != sb
    i = np.arange(L * W, dtype=U).reshape(L, W)
    off = (np.arange(L)[:, None] + color) & 1
    r = np.zeros((L, W, 64), dtype=U)
    for k in range(16):
        h = splitmix64_np(((U(((sweep << 1) | color)) << U(40)) | (i << U(4)) | U(k)) ^ U(m.IS_SEED))
        for half_, val in ((0, h & U(0xFFFFFFFF)), (2, h >> U(32))):
            pos = 4 * k + half_ + off  # bit of the spin this random number belongs to
            np.put_along_axis(r, np.broadcast_to(pos, (L, W))[:, :, None].astype(np.int64), val[:, :, None], axis=2)
    colour = ((np.arange(64)[None, None, :] + off[:, :, None]) & 1) == 0  # bit parity equal to off
    flip = colour & ((cnt >= 2) | ((cnt == 1) & (r < U(int(t4)))) | ((cnt == 0) & (r < U(int(t8)))))
    new = s ^ (flip.astype(U) << bitsv).sum(axis=2, dtype=U)
    lat[:L * W] = new.reshape(-1)
    ups[color & 1] += U(sum(bin(int(w)).count("1") for w in new.reshape(-1)))


# ---- triangle
def tc_gen(grid, block, n, pairs, seed, uv):
    n, pairs = int(n), int(pairs)
    h = splitmix64_np(np.arange(pairs, dtype=U) ^ U(int(seed)))
    ends = []
    for x in (h & U(0xFFFFFFFF), h >> U(32)):
        a = (((x * x) >> U(32)) * U(n)) >> U(32)
        ends.append(((a * U(m.TC_SCATTER)) & U(0xFFFFFFFF)) & U(n - 1))
    uv[0:2 * pairs:2], uv[1:2 * pairs:2] = ends[0], ends[1]


def tc_count(grid, block, rowp, col, src, n, nedges, e0, count, cnt, total):
    rowp, col, src = np.asarray(rowp), np.asarray(col), np.asarray(src)
    ne = int(nedges)
    for k in range(int(count)):
        e = (int(e0) + k) % ne
        u, v = int(src[e]), int(col[e])
        c = len(np.intersect1d(col[rowp[u]:rowp[u + 1]], col[rowp[v]:rowp[v + 1]]))
        cnt[e] = c
        total[0] += U(c)


# ---- base64: bytes through Python-level slicing, not __byte_perm
_ALPHA = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", dtype=np.uint8)


def b64_enc(grid, block, inp, out, groups):
    g = int(groups)
    raw = np.asarray(inp)[:3 * g].astype("<u4").view(np.uint8).reshape(-1, 3).astype(np.uint32)
    v = raw[:, 0] << 16 | raw[:, 1] << 8 | raw[:, 2]
    chars = np.stack([_ALPHA[(v >> s) & 63] for s in (18, 12, 6, 0)], axis=1).reshape(-1)
    out[:4 * g] = chars.view("<u4")


def b64_dec(grid, block, enc, dtab, orig, dec, groups, errs):
    g = int(groups)
    ch = np.asarray(enc)[:4 * g].astype("<u4").view(np.uint8)
    d = np.asarray(dtab)[ch].reshape(-1, 4).astype(np.uint32)
    errs[1] += int((d == 0xFF).sum())
    d &= 63
    v = d[:, 0] << 18 | d[:, 1] << 12 | d[:, 2] << 6 | d[:, 3]
    by = np.stack([(v >> 16) & 255, (v >> 8) & 255, v & 255], axis=1).astype(np.uint8).reshape(-1)
    words = by.view("<u4")
    dec[:3 * g] = words
    errs[0] += int((words != np.asarray(orig)[:3 * g]).sum())


def _toks(toks):
    return [(t, len(t)) for t in toks]


def tx_gen(grid, block, txt, nbytes, page, pages):
    page, ok, bad = int(page), _toks(m.BC_VALID), _toks(m.BC_INVALID)
    for pg in range(int(pages)):
        hb = splitmix64(pg ^ (m.BC_SEED * 7))
        isbad, badq = (hb & 7) == 0, (hb >> 8) % 512
        out, q = bytearray(), 0
        while len(out) + 4 <= page:
            h = splitmix64(((pg << 20) | q) ^ m.BC_SEED)
            tok = bad[(h >> 8) % len(bad)][0] if isbad and q == badq else ok[(h >> 8) % len(ok)][0]
            if tok == b"a":
                tok = bytes([0x21 + (h >> 40) % 94])
            out += tok
            q += 1
        out += b" " * (page - len(out))
        end = min(int(nbytes), (pg + 1) * page)
        txt[pg * page:end] = np.frombuffer(bytes(out[:end - pg * page]), dtype=np.uint8)


def utf8_check(grid, block, txt, n, page, npages, bad):
    n, page = int(n), int(page)
    b = np.concatenate([np.asarray(txt)[:n], [0x20]]).astype(np.int64)  # an ASCII byte past the end

    def back(k):
        return np.concatenate([np.zeros(k, dtype=np.int64), b[:-k]])
    b1, b2, b3 = back(1), back(2), back(3)
    cont = (b & 0xC0) == 0x80
    need = (b1 >= 0xC0) | (b2 >= 0xE0) | (b3 >= 0xF0)
    err = cont != need
    err |= ~cont & ((b == 0xC0) | (b == 0xC1) | (b >= 0xF5))
    err |= cont & (((b1 == 0xE0) & (b < 0xA0)) | ((b1 == 0xED) & (b > 0x9F)) | ((b1 == 0xF0) & (b < 0x90))
                   | ((b1 == 0xF4) & (b > 0x8F)))
    pos = np.flatnonzero(err)
    _, first = np.unique(pos // 16, return_index=True)  # a 16-byte chunk reports its first wrong byte
    for p in pos[first]:
        pg = min(int(p), n - 1) // page
        if pg < int(npages):
            bad[pg] |= 1


# ---- walksat: the unsatisfied clauses by a scan, counts recomputed from scratch each step
def ws_gen(grid, block, lits, ninst):
    N, M = m.WS_N, m.WS_M
    for i in range(int(ninst) * M):
        h = splitmix64((((i // M) << 16) | (i % M)) ^ (m.WS_SEED * 3))
        v0 = h % N
        v1 = (v0 + 1 + (h >> 16) % (N - 1)) % N
        v2 = (h >> 32) % (N - 2)
        a, b = min(v0, v1), max(v0, v1)
        v2 += v2 >= a
        v2 += v2 >= b
        lits[3 * i:3 * i + 3] = [v0 << 1 | (h >> 61) & 1, v1 << 1 | (h >> 62) & 1, v2 << 1 | h >> 63]


def ws_run(grid, block, lits, occoff, occ, ninst, nocc, step0, steps, assign, sol, solved, unsat):
    N, M, nw = m.WS_N, m.WS_M, m.WS_N // 32
    for inst in range(int(ninst)):
        Lc = np.asarray(lits)[inst * M * 3:(inst + 1) * M * 3].reshape(M, 3).astype(np.int64)
        var, neg = Lc >> 1, Lc & 1
        bits = [int(x) for x in assign[inst * nw:(inst + 1) * nw]]

        def ntrue():
            val = np.array([(bits[v >> 5] >> (v & 31)) & 1 for v in range(N)])
            return (val[var] != neg).sum(axis=1)
        for s in range(int(steps)):
            h = splitmix64(((inst << 40) | (int(step0) + s)) ^ m.WS_SEED)
            nt = ntrue()
            zero = np.flatnonzero(nt == 0)
            if len(zero) == 0:
                sol[inst * nw:(inst + 1) * nw] = bits
                solved[inst] += 1
                bits = [splitmix64((h + k + 1) & M64) & 0xFFFFFFFF for k in range(nw)]
                continue
            c = zero[(h & 0xFFFFFFFF) % len(zero)]
            brk = []
            for v in var[c]:
                val = (bits[v >> 5] >> (v & 31)) & 1
                rows, cols = np.nonzero(var == v)
                brk.append(int(((val != neg[rows, cols]) & (nt[rows] == 1)).sum()))
            mn = min(brk)
            j = brk.index(0) if mn == 0 else (h >> 48) % 3 if ((h >> 32) & 0xFFFF) < m.WS_NOISE else brk.index(mn)
            v = int(var[c][j])
            bits[v >> 5] ^= 1 << (v & 31)
        assign[inst * nw:(inst + 1) * nw] = bits
        unsat[inst] = int((ntrue() == 0).sum())


def splitmix_words(grid, block, out, words, seed):  # common.py's, which base64 and walksat use for their data
    out[:int(words)] = (splitmix64_np(np.arange(int(words), dtype=U) + U(int(seed))) & U(0xFFFFFFFF)).astype(np.uint32)


KERNELS = dict(splitmix_words=splitmix_words, pr_test=pr_test, is_fill=is_fill, is_half=is_half, tc_gen=tc_gen,
               tc_count=tc_count, b64_enc=b64_enc, b64_dec=b64_dec, tx_gen=tx_gen, utf8_check=utf8_check, ws_gen=ws_gen,
               ws_run=ws_run)
