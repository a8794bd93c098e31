"""Python replays of moreops23.py's kernels (knapsack, nussinov, wavelet, sudoku), each doing what its CUDA does, for
running the drivers on the CPU (scripts/workloads/emulate/run.py), at shrunk sizes. Written apart from the drivers' own
references (knapsack here by the kernel's two rows and its bit matrix packed into words and walked back, there by a
one-row DP; Nussinov here by the kernel's split-point maxima on its triangle and its traceback, there by the four-case
recurrence; the wavelet matrix here built and queried level by level as the kernels do, there checked against the
sequence, a sort of (symbol, position) keys and histograms; Sudoku here by the kernel's propagation and trail-based
search, there by a set-based backtracking counter). Kernels that race on the GPU (atomics) are replayed in thread
order."""
import numpy as np

import moreops23 as m
from common import splitmix64, splitmix64_np

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1
U = np.uint64
SHRINK = {"KS_INST": 24, "KS_NMIN": 20, "KS_NMAX": 100, "KS_CMIN": 100, "KS_CMAX": 700, "KS_INST0": 4,
          "KS_MIN_INST": 2, "KS_MAX_INST": 64, "KS_CHECK": 12,
          "NU_SEQS": 40, "NU_LMIN": 12, "NU_LMAX": 70, "NU_AC": 8, "NU_SEQS0": 4, "NU_MIN_SEQS": 2,
          "NU_MAX_SEQS": 64, "NU_CHECK": 16,
          "WM_LOGN": 14, "WM_LOGWIN": 9, "WM_QUERIES": 1536, "WM_Q0": 256, "WM_MIN_Q": 64, "WM_MAX_Q": 4096,
          "WM_CHECK_QUANT": 200, "WM_CHECK_SEQ": 300,
          "SD_PUZZLES": 80, "SD_PUZZLES0": 8, "SD_MIN_PUZZLES": 4, "SD_MAX_PUZZLES": 128, "SD_CHECK": 24}
KINDS = [("knapsack", "dp"), ("nussinov", "fold"), ("wavelet", "rank"), ("sudoku", "solve")]


def _pop(x):
    return bin(x).count("1")


# ---- knapsack
def ks_gen(grid, block, ni, meta, wt, val):
    nm = m.KS_NMAX
    t = np.arange(int(ni) * nm, dtype=U)
    i, k = t // U(nm), t % U(nm)
    r = splitmix64_np(i ^ U(m.KS_SEED))
    n = U(m.KS_NMIN) + r % U(m.KS_NMAX - m.KS_NMIN + 1)
    cap = U(m.KS_CMIN) + (r >> U(32)) % U(m.KS_CMAX - m.KS_CMIN + 1)
    x = splitmix64_np(((i << U(8)) | k) ^ U(m.KS_SEED << 1))
    w = U(1) + (((x & U(M32)) * U(m.KS_WMAX)) >> U(32))
    v = U(1) + (((x >> U(32)) * U(m.KS_VMAX)) >> U(32))
    live = k < n
    wt[:len(t)] = np.where(live, w, U(0))
    val[:len(t)] = np.where(live, v, U(0))
    first = k == U(0)
    meta[0:2 * int(ni):2] = n[first]
    meta[1:2 * int(ni):2] = cap[first]


def ks_solve(grid, block, meta, wt, val, i0, cnt, bits, best, chosen, stats):
    nm, capw = m.KS_NMAX, m.ks_capw()
    for blk in range(int(cnt)):
        inst = int(i0) + blk
        n, cap = min(int(meta[2 * inst]), nm), min(int(meta[2 * inst + 1]), m.KS_CMAX)
        sw = [int(x) for x in wt[inst * nm:(inst + 1) * nm]]
        sv = [int(x) for x in val[inst * nm:(inst + 1) * nm]]
        c = np.arange(cap + 1)
        row = np.zeros(cap + 1, dtype=np.int64)
        base = inst * nm * capw
        for i in range(n):
            w, v = sw[i], sv[i]
            t = np.where(c >= w, row[np.maximum(c - w, 0)] + v, 0)
            take = (c >= w) & (t > row)
            row = np.where(take, t, row)
            nwords = cap // 32 + 1
            tb = np.zeros(nwords * 32, dtype=np.uint8)
            tb[:cap + 1] = take
            words = np.packbits(tb, bitorder="little").view("<u4")
            bits[base + i * capw:base + i * capw + nwords] = words
        cc, m0, m1 = cap, 0, 0
        for i in range(n - 1, -1, -1):
            if (int(bits[base + i * capw + (cc >> 5)]) >> (cc & 31)) & 1:
                if i < 64:
                    m0 |= 1 << i
                else:
                    m1 |= 1 << (i - 64)
                cc -= sw[i]
        b = int(row[cap])
        best[inst] = b
        chosen[2 * inst] = m0
        chosen[2 * inst + 1] = m1
        stats[0] += b
        stats[1] += _pop(m0) + _pop(m1)


# ---- nussinov
def nu_gen(grid, block, ns, seq, ln):
    nw = m.nu_words()
    t = np.arange(int(ns) * nw, dtype=U)
    s, w = t // U(nw), t % U(nw)
    r = splitmix64_np(s ^ U(m.NU_SEED))
    n = U(m.NU_LMIN) + r % U(m.NU_LMAX - m.NU_LMIN + 1)
    x = splitmix64_np(((s << U(3)) | w) ^ U(m.NU_SEED << 1))
    x = np.where((r >> U(32)) % U(m.NU_AC) == U(0), x & U(0x5555555555555555), x)
    keep = np.where(n > U(32) * w, np.minimum(n - np.minimum(n, U(32) * w), U(32)), U(0))
    mask = np.where(keep == U(32), U(M64), (U(1) << (U(2) * keep)) - U(1))
    seq[:len(t)] = x & mask
    ln[:int(ns)] = n[w == U(0)]


def _nu_pair(a, b):
    return (m.NU_PAIRS >> (4 * a + b)) & 1


def nu_fold(grid, block, seq, ln, s0, cnt, score, partner, stats):
    L, nw, loop = m.NU_LMAX, m.nu_words(), m.NU_LOOP
    for blk in range(int(cnt)):
        s = int(s0) + blk
        n = min(int(ln[s]), L)
        ws = [int(x) for x in seq[s * nw:(s + 1) * nw]]
        b = [(ws[k // 32] >> (2 * (k % 32))) & 3 for k in range(L)]
        partner[s * L:(s + 1) * L] = 0xFF
        T = np.zeros((n + 1, n + 1), dtype=np.int64)
        for d in range(loop + 1, n):
            for i in range(n - d):
                j = i + d
                k = np.arange(i, j)
                best = max(0, int((T[i, k] + T[k + 1, j]).max()))
                if _nu_pair(b[i], b[j]):
                    best = max(best, int(T[i + 1, j - 1]) + 1)
                T[i, j] = best
        stk, pairs = [], 0
        if n > loop + 1:
            stk.append((0, n - 1))
        while stk:
            i, j = stk.pop()
            while j > i + loop:
                v = T[i, j]
                if v == T[i + 1, j]:
                    i += 1
                elif _nu_pair(b[i], b[j]) and v == T[i + 1, j - 1] + 1:
                    partner[s * L + i] = j
                    partner[s * L + j] = i
                    pairs += 1
                    i += 1
                    j -= 1
                else:
                    k = i + 1
                    while k + 1 < j and v != T[i, k] + T[k + 1, j]:
                        k += 1
                    if j > k + 1 + loop:
                        stk.append((k + 1, j))
                    j = k
        sc = int(T[0, n - 1]) if n > 0 else 0
        score[s] = sc
        stats[0] += sc
        stats[1] += pairs


# ---- wavelet
def _wm_sizes():
    nn = 1 << m.WM_LOGN
    nb = nn >> 9
    return nn, nn >> 6, nb, 2 * (nb + 1)


def _skew(r):
    return ((r & U(255)) * ((r >> U(8)) & U(255))) >> U(8)


def wm_gen(grid, block, S):
    nn = _wm_sizes()[0]
    S[:] = _skew(splitmix64_np(np.arange(nn, dtype=U) ^ U(m.WM_SEED))).astype(np.uint8)


def wm_bits(grid, block, cur, bit, words):
    b = (np.asarray(cur) >> np.uint8(int(bit))) & np.uint8(1)
    words[:] = np.packbits(b, bitorder="little").view("<u8")


def _popcount(x):
    x = np.asarray(x, dtype=U)
    return np.array([bin(int(v)).count("1") for v in x.ravel()], dtype=np.int64).reshape(x.shape)


def wm_dir(grid, block, words, d, cnt):
    nb = _wm_sizes()[2]
    pc = _popcount(np.asarray(words)[:8 * nb]).reshape(nb, 8)
    pre = np.cumsum(pc, axis=1) - pc  # ones before each word of the block
    sub = np.zeros(nb, dtype=U)
    for k in range(1, 8):
        sub |= pre[:, k].astype(U) << U(9 * (k - 1))
    d[1:2 * nb:2] = sub
    cnt[:nb] = pc.sum(axis=1)


def _rank1_np(w, d, i):
    """wm_rank1 over an int64 array of positions: (ones before, bits)."""
    nw = _wm_sizes()[1]
    i = np.asarray(i, dtype=np.int64)
    b, k, o = i >> 9, (i >> 6) & 7, i & 63
    dd = np.asarray(d)
    sub = dd[2 * b + 1]
    r = dd[2 * b].astype(np.int64) + np.where(k > 0, ((sub >> (U(9) * np.maximum(k - 1, 0).astype(U))) & U(511))
                                              .astype(np.int64), 0)
    inb = (i >> 6) < nw
    x = np.where(inb, np.asarray(w)[np.minimum(i >> 6, nw - 1)], U(0))
    r += np.where(inb, _popcount(x & ((U(1) << o.astype(U)) - U(1))), 0)
    bit = np.where(inb, ((x >> o.astype(U)) & U(1)).astype(np.int64), 0)
    return r, bit


def wm_part(grid, block, cur, w, d, zs, lev, bit, nxt):
    nn = _wm_sizes()[0]
    i = np.arange(nn, dtype=np.int64)
    v = np.asarray(cur)
    r1, _ = _rank1_np(w, d, i)
    one = ((v >> np.uint8(int(bit))) & np.uint8(1)) == 1
    dest = np.where(one, int(zs[int(lev)]) + r1, i - r1)
    nxt[dest] = v


class _Level:
    def __init__(self, W, D, l):
        nn, nw, nb, dirw = _wm_sizes()
        self.w = [int(x) for x in W[l * nw:(l + 1) * nw]]
        self.d = [int(x) for x in D[l * dirw:(l + 1) * dirw]]
        self.nw, self.nb = nw, nb

    def rank1(self, i):
        b, k, o = i >> 9, (i >> 6) & 7, i & 63
        r = self.d[2 * b] + ((self.d[2 * b + 1] >> (9 * (k - 1))) & 511 if k else 0)
        bit = 0
        if (i >> 6) < self.nw:
            x = self.w[i >> 6]
            r += _pop(x & ((1 << o) - 1))
            bit = (x >> o) & 1
        return r, bit

    def select(self, j, one):
        lo, hi = 0, self.nb
        while hi - lo > 1:
            mid = (lo + hi) >> 1
            c = self.d[2 * mid] if one else 512 * mid - self.d[2 * mid]
            if c <= j:
                lo = mid
            else:
                hi = mid
        rem = j - (self.d[2 * lo] if one else 512 * lo - self.d[2 * lo])
        sub = self.d[2 * lo + 1]
        k, below = 0, 0
        for q in range(1, 8):
            s1 = (sub >> (9 * (q - 1))) & 511
            c = s1 if one else 64 * q - s1
            if c <= rem:
                k, below = q, c
        rem -= below
        x = self.w[8 * lo + k]
        return 64 * (8 * lo + k) + _sel64(x if one else ~x & M64, rem)


def _sel64(x, r):
    pos = 0
    c = _pop(x & M32)
    if r >= c:
        r, x, pos = r - c, x >> 32, 32
    c = _pop(x & 0xFFFF)
    if r >= c:
        r, x, pos = r - c, x >> 16, pos + 16
    c = _pop(x & 0xFF)
    if r >= c:
        r, x, pos = r - c, x >> 8, pos + 8
    y = x & 0xFF
    for _ in range(r):
        y &= y - 1
    return pos + (y & -y).bit_length() - 1


def wm_query(grid, block, W, D, Z, count, q0, cnt, out, stats):
    nn, lv = _wm_sizes()[0], m.WM_LEVELS
    win = 1 << m.WM_LOGWIN
    levels = [_Level(W, D, l) for l in range(lv)]
    z = [int(x) for x in Z]
    for t in range(int(cnt)):
        q = int(q0) + t
        wq = q >> 5
        base = splitmix64(wq ^ (m.WM_SEED << 1)) % (nn - win + 1)
        r1 = splitmix64(q ^ (m.WM_SEED << 2))
        r2 = splitmix64(r1)
        p = base + (r1 & (win - 1))
        c = ((r2 & 255) * ((r2 >> 8) & 255)) >> 8
        kind = wq & 3
        if kind == 0:
            a, i = 0, p
            for l in range(lv):
                r, bit = levels[l].rank1(i)
                a = (a << 1) | bit
                i = z[l] + r if bit else i - r
        elif kind == 1:
            i, s = p, 0
            for l in range(lv):
                ri, _ = levels[l].rank1(i)
                rs, _ = levels[l].rank1(s)
                if (c >> (lv - 1 - l)) & 1:
                    i, s = z[l] + ri, z[l] + rs
                else:
                    i, s = i - ri, s - rs
            a = i - s
        elif kind == 2:
            n = int(count[c])
            if n == 0:
                a = M32
            else:
                s = 0
                for l in range(lv):
                    rs, _ = levels[l].rank1(s)
                    s = z[l] + rs if (c >> (lv - 1 - l)) & 1 else s - rs
                pp = s + (r2 >> 32) % n
                for l in range(lv - 1, -1, -1):
                    one = (c >> (lv - 1 - l)) & 1
                    pp = levels[l].select(pp - z[l] if one else pp, one)
                a = pp
        else:
            lo, hi = p, min(p + 1 + ((r2 >> 16) & (win - 1)), nn)
            k = (r2 >> 40) % (hi - lo)
            a = 0
            for l in range(lv):
                rl, _ = levels[l].rank1(lo)
                rr, _ = levels[l].rank1(hi)
                zl, zr = lo - rl, hi - rr
                if k < zr - zl:
                    lo, hi, a = zl, zr, a << 1
                else:
                    k -= zr - zl
                    lo, hi, a = z[l] + rl, z[l] + rr, (a << 1) | 1
        out[q] = a
        if a != M32:
            stats[kind] += a


def wm_access_all(grid, block, W, D, Z, out):
    nn, nw, nb, dirw = _wm_sizes()
    i = np.arange(nn, dtype=np.int64)
    a = np.zeros(nn, dtype=np.int64)
    for l in range(m.WM_LEVELS):
        r, bit = _rank1_np(W[l * nw:(l + 1) * nw], D[l * dirw:(l + 1) * dirw], i)
        a = (a << 1) | bit
        i = np.where(bit == 1, int(Z[l]) + r, i - r)
    out[:] = a.astype(np.uint8)


# ---- sudoku
def sd_gen(grid, block, np_, gridout, puz):
    for p in range(int(np_)):
        st = splitmix64(p ^ m.SD_SEED)

        def draw(mm):
            nonlocal st
            r = splitmix64(st)
            st = (st + m.GOLDEN) & M64
            return ((r >> 32) * mm) >> 32

        def shuffle(a, lo, n):
            for k in range(n - 1, 0, -1):
                j = draw(k + 1)
                a[lo + k], a[lo + j] = a[lo + j], a[lo + k]
        dg = list(range(9))
        shuffle(dg, 0, 9)
        band = list(range(3))
        shuffle(band, 0, 3)
        rin = [0] * 9
        for b in range(3):
            rin[3 * b:3 * b + 3] = [0, 1, 2]
            shuffle(rin, 3 * b, 3)
        stk = list(range(3))
        shuffle(stk, 0, 3)
        cin = [0] * 9
        for b in range(3):
            cin[3 * b:3 * b + 3] = [0, 1, 2]
            shuffle(cin, 3 * b, 3)
        tr = draw(2)
        K = m.SD_CMIN + draw(m.SD_CMAX - m.SD_CMIN + 1)
        g, cells, pz = [0] * 81, list(range(81)), [0] * 81
        for e in range(81):
            r, c = e // 9, e % 9
            x, y = (c, r) if tr else (r, c)
            R, C = 3 * band[x // 3] + rin[x], 3 * stk[y // 3] + cin[y]
            g[e] = 1 + dg[(3 * (R % 3) + R // 3 + C) % 9]
        for k in range(K):
            j = k + draw(81 - k)
            cells[k], cells[j] = cells[j], cells[k]
            pz[cells[k]] = g[cells[k]]
        gridout[81 * p:81 * p + 81] = g
        puz[81 * p:81 * p + 81] = pz


def _cell(u, k):
    if u < 9:
        return 9 * u + k
    if u < 18:
        return 9 * k + (u - 9)
    b = u - 18
    return 9 * (3 * (b // 3) + k // 3) + 3 * (b % 3) + k % 3


class _Sd:
    def __init__(self):
        self.g, self.trail = [0] * 81, []
        self.R, self.C, self.B = [0] * 9, [0] * 9, [0] * 9

    def cand(self, e):
        r, c = e // 9, e % 9
        return ~(self.R[r] | self.C[c] | self.B[(r // 3) * 3 + c // 3]) & 0x1FF

    def place(self, e, d):
        r, c = e // 9, e % 9
        self.g[e] = d + 1
        self.R[r] |= 1 << d
        self.C[c] |= 1 << d
        self.B[(r // 3) * 3 + c // 3] |= 1 << d
        self.trail.append(e)

    def undo(self, n):
        while len(self.trail) > n:
            e = self.trail.pop()
            r, c = e // 9, e % 9
            keep = ~(1 << (self.g[e] - 1))
            self.R[r] &= keep
            self.C[c] &= keep
            self.B[(r // 3) * 3 + c // 3] &= keep
            self.g[e] = 0

    def propagate(self):
        while True:
            changed, best, bc = False, -1, 10
            for e in range(81):
                if self.g[e]:
                    continue
                mm = self.cand(e)
                n = _pop(mm)
                if n == 0:
                    return -2
                if n == 1:
                    self.place(e, (mm & -mm).bit_length() - 1)
                    changed = True
                elif n < bc:
                    bc, best = n, e
            if changed:
                continue
            for u in range(27):
                once = twice = have = 0
                for k in range(9):
                    e = _cell(u, k)
                    if self.g[e]:
                        have |= 1 << (self.g[e] - 1)
                    else:
                        mm = self.cand(e)
                        twice |= once & mm
                        once |= mm
                if (once | have) != 0x1FF:
                    return -2
                only = once & ~twice & ~have
                while only:
                    d = (only & -only).bit_length() - 1
                    only &= only - 1
                    k = 0
                    while k < 9 and (self.g[_cell(u, k)] or not (self.cand(_cell(u, k)) >> d) & 1):
                        k += 1
                    if k == 9:
                        return -2
                    self.place(_cell(u, k), d)
                    changed = True
            if not changed:
                return best


def sd_solve(grid, block, puz, p0, cnt, sol, nsol, nodes, stats):
    for t in range(int(cnt)):
        p = int(p0) + t
        q = [int(x) for x in puz[81 * p:81 * p + 81]]
        s = _Sd()
        ok = True
        for e in range(81):
            v = q[e]
            if not v:
                continue
            if v > 9 or not (s.cand(e) >> (v - 1)) & 1:
                ok = False
            else:
                s.place(e, v - 1)
        frames = []
        count = nn = 0
        capped = False
        st = s.propagate() if ok else -2
        while ok:
            if st == -1:
                sol[162 * p + 81 * count:162 * p + 81 * count + 81] = s.g
                count += 1
                if count == 2:
                    break
            elif st >= 0:
                frames.append([st, s.cand(st), len(s.trail)])
            more = False
            while frames:
                f = frames[-1]
                s.undo(f[2])
                if f[1]:
                    d = (f[1] & -f[1]).bit_length() - 1
                    f[1] &= f[1] - 1
                    s.place(f[0], d)
                    nn += 1
                    more = True
                    break
                frames.pop()
            if not more:
                break
            if nn >= m.SD_MAXNODES:
                capped = True
                break
            st = s.propagate()
        nsol[p] = 255 if capped else count
        nodes[p] = nn
        stats[0] += int(not capped and count == 1)
        stats[1] += int(not capped and count == 2)
        stats[2] += nn
        stats[3] += int(capped)


KERNELS = dict(ks_gen=ks_gen, ks_solve=ks_solve, nu_gen=nu_gen, nu_fold=nu_fold, wm_gen=wm_gen, wm_bits=wm_bits,
               wm_dir=wm_dir, wm_part=wm_part, wm_query=wm_query, wm_access_all=wm_access_all, sd_gen=sd_gen,
               sd_solve=sd_solve)
