"""Python replays of moreops25.py's kernels (collatz, mfaktc, mandelbrot, puzzle15), each doing what its CUDA does, for
running the drivers on the CPU (scripts/workloads/emulate/run.py), at shrunk sizes. Written apart from the drivers' own
references (Collatz here by the 12-step table jumps on two 64-bit words, there by plain steps on Python ints; trial
factoring here by the kernel's residue sieve and two-limb CIOS Montgomery exponentiation, there by q mod r for every
prime and pow; the Mandelbrot here on 128-bit two's-complement words with the 256-bit product's bits, there on signed
Python ints; the 15-puzzle here by the kernel's explicit stack with the incremental heuristic on a nibble word, there
by recursion on a list board with the heuristic from scratch). Atomics are replayed in thread order."""
import moreops25 as m
from common import splitmix64

M64 = (1 << 64) - 1
M128 = (1 << 128) - 1
SHRINK = {"CZ_G": 8, "CZ_ITEMS": 64, "CZ_ITEMS0": 8, "CZ_MIN_ITEMS": 2, "CZ_MAX_ITEMS": 64, "CZ_CHECK": 6,
          "MF_BLOCKS": 8, "MF_BLOCKS0": 2, "MF_MIN_BLOCKS": 1, "MF_MAX_BLOCKS": 8, "MF_CHECK": 1,
          "MB_W": 16, "MB_ZOOMS": [3, 6, 24, 34], "MB_CAP": 256, "MB_TILES0": 1, "MB_MIN_TILES": 1, "MB_MAX_TILES": 4,
          "MB_CHECK": 12,
          "PZ_N": 48, "PZ_LMIN": 6, "PZ_LMAX": 16, "PZ_CAPN": 4000, "PZ_POS0": 4, "PZ_MIN_POS": 2, "PZ_MAX_POS": 48,
          "PZ_CHECK": 6, "PZ_REGEN": 16}
KINDS = [("collatz", "verify"), ("mfaktc", "trialfactor"), ("mandelbrot", "fixedpoint"), ("puzzle15", "idastar")]


# ---- collatz
def collatz_table(grid, block, tab, keep):
    K = m.CZ_K
    for b in range(1 << K):
        n, c, p3, ok = b, 0, 1, 1
        for j in range(1, K + 1):
            if n & 1:
                n = (3 * n + 1) >> 1
                c += 1
                p3 *= 3
            else:
                n >>= 1
            if p3 < (1 << j):
                ok = 0
        tab[b] = (c << 20) | n
        keep[b] = ok


def collatz_run(grid, block, tab, surv, ns, base_lo, base_hi, i0, cnt, info, peak, stats):
    K, G, ns = m.CZ_K, m.CZ_G, int(ns)
    top = m.CZ_TOPBITS - 64
    tb = [int(x) for x in tab]
    sv = [int(x) for x in surv]
    for t in range(int(cnt)):
        i = int(i0) + t
        tot = bj = bg = bad = 0
        plo = phi = 0
        for g in range(G):
            j = i * G + g
            add = ((j // ns) << K) | sv[j % ns]
            lo = (int(base_lo) + add) & M64
            hi = (int(base_hi) + (lo < add)) & M64
            slo, shi, mlo, mhi, nj = lo, hi, lo, hi, 0
            while True:
                if hi >> top or nj == m.CZ_MAXJ:
                    bad += 1
                    break
                e = tb[lo & ((1 << K) - 1)]
                mm, d = 3 ** (e >> 20), e & 0xFFFFF
                alo, ahi = ((lo >> K) | (hi << (64 - K))) & M64, hi >> K
                pl, ph = (alo * mm) & M64, (alo * mm) >> 64
                lo = (pl + d) & M64
                hi = (ahi * mm + ph + (lo < d)) & M64
                nj += 1
                if (hi, lo) > (mhi, mlo):
                    mhi, mlo = hi, lo
                if (hi, lo) < (shi, slo):
                    break
            tot += nj
            if nj > bj:
                bj, bg = nj, g
            if (mhi, mlo) > (phi, plo):
                phi, plo = mhi, mlo
        info[4 * i:4 * i + 4] = [tot, bj, bg, bad]
        peak[2 * i], peak[2 * i + 1] = plo, phi
        stats[0] += tot
        stats[1] += bad
        stats[2] = max(int(stats[2]), bj)


# ---- mfaktc
def _mont(a, b, q, qi):
    """CIOS, a word of b at a time, as mf_mont."""
    t = 0
    for w in range(2):
        bw = (b >> (64 * w)) & M64
        t += a * bw
        mm = ((t & M64) * qi) & M64
        t = (t + mm * q) >> 64
    return t - q if t >= q else t


def _pow2(p, q):
    x = q & M64
    for _ in range(5):
        x = (x * (2 - (q & M64) * x)) & M64
    qi = (-x) & M64
    L = q.bit_length()
    pb = p.bit_length()
    t = p >> (pb - m.MF_TOP)
    x = 1 << (L - 1)
    for _ in range(L - 1, 128 + t):
        x <<= 1
        if x >= q:
            x -= q
    for b in range(pb - m.MF_TOP - 1, -1, -1):
        x = _mont(x, x, q, qi)
        if (p >> b) & 1:
            x <<= 1
            if x >= q:
                x -= q
    return _mont(x, 1, q, qi)


def mfaktc_run(grid, block, primes, kres, b0, cnt, count, fold, hits, stats):
    nj, KB, NP = len(m.MF_JOBS), m.MF_KB, m.MF_NP
    pr = [int(x) for x in primes]
    for bx in range(int(cnt)):
        b = int(b0) + bx
        job = b % nj
        p, k0 = m.MF_JOBS[job]
        kbase = k0 + (b // nj) * KB
        struck = bytearray(KB)
        for s in range(NP):
            r, kr = pr[s], int(kres[job * NP + s])
            for j in range((kr + r - kbase % r) % r, KB, r):
                struck[j] = 1
        n = f = 0
        for j in range(KB):
            if struck[j]:
                continue
            k = kbase + j
            q = 2 * k * p + 1
            if q & 7 not in (1, 7):
                continue
            n += 1
            x = _pow2(p, q)
            f ^= splitmix64((x & M64) ^ splitmix64((x >> 64) ^ j))
            if x == 1:
                slot = int(stats[1])
                stats[1] += 1
                if slot < m.MF_MAXHITS:
                    hits[2 * slot], hits[2 * slot + 1] = job, k
        count[b] = n
        fold[b] = f
        stats[0] += n


# ---- mandelbrot
def _to_signed(v):
    return v - (1 << 128) if v >> 127 else v


def _mb_mul(a, b):
    """a b / 2^F on 128-bit words: magnitudes, bits F to F + 127 of their product, the sign restored."""
    na, nb = a >> 127, b >> 127
    ma = (-a) & M128 if na else a
    mb = (-b) & M128 if nb else b
    r = ((ma * mb) >> m.MB_F) & M128
    return (-r) & M128 if na != nb else r


def mandelbrot_tile(grid, block, t0, cnt, it, hist, stats):
    W, F, cap = m.MB_W, m.MB_F, m.MB_CAP
    sh = (cap // m.MB_BINS).bit_length() - 1
    cxc, cyc = m.mb_fixed(m.MB_CX) & M128, m.mb_fixed(m.MB_CY) & M128
    four = 4 << F
    tw = W // 16
    for bx in range(int(cnt)):
        tile = int(t0) + bx
        v, ty, tx = tile // (tw * tw), (tile // tw) % tw, tile % tw
        for th in range(256):
            px, py = tx * 16 + (th & 15), ty * 16 + (th >> 4)
            s = F - m.MB_ZOOMS[v]
            cx = (((px - W // 2) << s) + cxc) & M128
            cy = (((W // 2 - py) << s) + cyc) & M128
            x = y = n = 0
            while n < cap:
                x2, y2 = _mb_mul(x, x), _mb_mul(y, y)
                if (x2 + y2) & M128 > four:
                    break
                xy = _mb_mul(x, y)
                y = ((xy << 1) + cy) & M128
                x = (x2 - y2 + cx) & M128
                n += 1
            it[(v * W + py) * W + px] = n
            hist[n >> sh] += 1
            stats[0] += n
            stats[1] += int(n == cap)


# ---- puzzle15
def _legal(z, d):
    return z >= 4 if d == 0 else z & 3 != 0 if d == 1 else z & 3 != 3 if d == 2 else z < 12


def _dest(z, d):
    return z + (-4, -1, 1, 4)[d]


def _tile(b, i):
    return (b >> (4 * i)) & 15


def _move(b, z, n):
    t = (b >> (4 * n)) & 15
    return (b & ~(15 << (4 * n)) & M64) | (t << (4 * z))


def _dist(i, t):
    g = t - 1
    return abs((i >> 2) - (g >> 2)) + abs((i & 3) - (g & 3))


def _lc(b, ln):
    q = []
    for k in range(4):
        i = 4 * ln + k if ln < 4 else 4 * k + ln - 4
        t = _tile(b, i)
        if t == 0:
            continue
        g = t - 1
        if ((g >> 2) == ln) if ln < 4 else ((g & 3) == ln - 4):
            q.append(g & 3 if ln < 4 else g >> 2)
    lis, best = [], 0
    for a in range(len(q)):
        la = 1
        for c in range(a):
            if q[c] < q[a] and lis[c] + 1 > la:
                la = lis[c] + 1
        lis.append(la)
        best = max(best, la)
    return 2 * (len(q) - best)


def _h(b):
    return sum(_dist(i, _tile(b, i)) for i in range(16) if _tile(b, i)) + sum(_lc(b, ln) for ln in range(8))


def _dh(b, nb, z, n, h):
    t = _tile(b, n)
    vert = n + 4 == z or z + 4 == n
    l1, l2 = ((n >> 2), (z >> 2)) if vert else (4 + (n & 3), 4 + (z & 3))
    return h + _dist(z, t) - _dist(n, t) + _lc(nb, l1) + _lc(nb, l2) - _lc(b, l1) - _lc(b, l2)


def puzzle15_gen(grid, block, n, board, slen):
    for i in range(int(n)):
        st = splitmix64(i ^ m.PZ_SEED)
        L = m.PZ_LMIN + splitmix64(st) % (m.PZ_LMAX - m.PZ_LMIN + 1)
        st = (st + m.GOLDEN) & M64
        b, z, last = m.PZ_GOAL, 15, 4
        for _ in range(L):
            r = splitmix64(st)
            st = (st + m.GOLDEN) & M64
            opt = [d for d in range(4) if _legal(z, d) and not (last < 4 and d == 3 - last)]
            d = opt[((r >> 32) * len(opt)) >> 32]
            nz = _dest(z, d)
            b = _move(b, z, nz)
            z, last = nz, d
        board[i] = b
        slen[i] = L


def puzzle15_solve(grid, block, board, p0, cnt, sol, nodes, stats):
    U, MAXD, CAPN = m.PZ_UNSOLVED, m.PZ_MAXD, m.PZ_CAPN
    for t in range(int(cnt)):
        i = int(p0) + t
        b0 = int(board[i])
        z0 = [k for k in range(16) if _tile(b0, k) == 0][-1]
        h0 = _h(b0)
        nd, mv, hs = [0] * (MAXD + 1), [0] * (MAXD + 1), [0] * (MAXD + 1)
        bound, nn, res = h0, 1, U
        if h0 == 0:
            res = 0
        while res == U and bound <= MAXD:
            b, z, h, nxt, depth, stop = b0, z0, h0, 1000, 0, False
            nd[0] = 0
            while True:
                if nd[depth] == 4:
                    if depth == 0:
                        break
                    depth -= 1
                    n = _dest(z, 3 - mv[depth])
                    b = _move(b, z, n)
                    z, h = n, hs[depth]
                    continue
                d = nd[depth]
                nd[depth] += 1
                if not _legal(z, d) or (depth > 0 and d == 3 - mv[depth - 1]):
                    continue
                n = _dest(z, d)
                nb = _move(b, z, n)
                hn = _dh(b, nb, z, n, h)
                nn += 1
                f = depth + 1 + hn
                if f > bound:
                    nxt = min(nxt, f)
                    continue
                if hn == 0:
                    res, stop = depth + 1, True
                    break
                if nn >= CAPN:
                    stop = True
                    break
                hs[depth], mv[depth] = h, d
                depth += 1
                nd[depth] = 0
                b, z, h = nb, n, hn
            if stop:
                break
            bound = nxt
            nn += 1
        sol[i] = (h0 << 8) | res
        nodes[i] = nn
        stats[0] += int(res != U)
        stats[1] += nn


KERNELS = {"collatz_table": collatz_table, "collatz_run": collatz_run, "mfaktc_run": mfaktc_run,
           "mandelbrot_tile": mandelbrot_tile, "puzzle15_gen": puzzle15_gen, "puzzle15_solve": puzzle15_solve}
