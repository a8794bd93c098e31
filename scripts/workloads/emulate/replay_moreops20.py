"""Python replays of moreops20.py's kernels (poly1305, siphash, utf8, pileup), each doing what its CUDA does, for
running the drivers on the CPU (scripts/workloads/emulate/run.py), at shrunk sizes. Written apart from the drivers'
own references (Poly1305 here in the kernel's three 64-bit limbs with carries and its partial reduction, there in
Python big integers mod 2^130 - 5; ChaCha20 here as the kernel's quarter-round macro, there as a table of steps;
SipHash here a word at a time through NumPy-free 64-bit masks in the kernel's order, there through a list state; key
ids here by NumPy arrays, there by CuPy's operators; UTF-8 here encoded and decoded by the kernels' shifts and masks,
there by Python's codecs; reads here from the stored reference bytes, there from the reference formula, and the
pileup here by the kernel's CIGAR walk, there by a position-range filter). Kernels that race on the GPU (atomics)
are replayed in thread order."""
import numpy as np

import moreops20 as m
from common import splitmix64, splitmix64_np

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1
U = np.uint64
SHRINK = {"PM_PKTS": 256, "PM_SESS": 16, "PM_PKTS0": 32, "PM_MIN_PKTS": 8, "PM_MAX_PKTS": 512, "PM_CHECK": 24,
          "SP_ROWS": 3000, "SP_LOG_V": 10, "SP_LOG_T": 11, "SP_ROWS0": 256, "SP_MIN_ROWS": 64, "SP_MAX_ROWS": 4096,
          "SP_CHECK": 12,
          "U8_STRS": 2048, "U8_STRS0": 128, "U8_MIN_STRS": 32, "U8_MAX_STRS": 4096, "U8_CHECK": 96,
          "PU_READS": 512, "PU_LOG_G": 14, "PU_READS0": 64, "PU_MIN_READS": 16, "PU_MAX_READS": 1024,
          "PU_CHECK": 12, "PU_WIN": 1024}
KINDS = [("poly1305", "mac"), ("siphash", "table"), ("utf8", "transcode"), ("pileup", "count")]


# ---- poly1305
def _rotl32(x, n):
    return ((x << n) | (x >> (32 - n))) & M32


def _otk(k, n0, n1, n2):
    s = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *k, 0, n0, n1, n2]
    x = list(s)

    def qr(a, b, c, d):
        x[a] = (x[a] + x[b]) & M32
        x[d] = _rotl32(x[d] ^ x[a], 16)
        x[c] = (x[c] + x[d]) & M32
        x[b] = _rotl32(x[b] ^ x[c], 12)
        x[a] = (x[a] + x[b]) & M32
        x[d] = _rotl32(x[d] ^ x[a], 8)
        x[c] = (x[c] + x[d]) & M32
        x[b] = _rotl32(x[b] ^ x[c], 7)
    for _ in range(10):
        qr(0, 4, 8, 12)
        qr(1, 5, 9, 13)
        qr(2, 6, 10, 14)
        qr(3, 7, 11, 15)
        qr(0, 5, 10, 15)
        qr(1, 6, 11, 12)
        qr(2, 7, 8, 13)
        qr(3, 4, 9, 14)
    return [(x[j] + s[j]) & M32 for j in range(8)]


class _Poly:
    """The kernel's pm_st: three 64-bit limbs of h, r clamped, s1 = r1 + r1 / 4."""

    def __init__(self, k0, k1, k2, k3):
        self.h = [0, 0, 0]
        self.r0 = ((k1 << 32) | k0) & 0x0FFFFFFC0FFFFFFF
        self.r1 = ((k3 << 32) | k2) & 0x0FFFFFFC0FFFFFFC
        self.s1 = self.r1 + (self.r1 >> 2)

    def block(self, m0, m1, hibit):
        h0 = (self.h[0] + m0) & M64
        c = int(h0 < m0)
        h1 = (self.h[1] + c) & M64
        c = int(h1 < c)
        h1 = (h1 + m1) & M64
        c += int(h1 < m1)
        h2 = (self.h[2] + c + hibit) & M64
        p0, p1, p2 = h0 * self.r0 + h1 * self.s1, h0 * self.r1 + h1 * self.r0 + ((h2 * self.s1) & M64), \
            (h2 * self.r0) & M64
        d0, e0 = p0 & M64, p0 >> 64
        d1, e1 = p1 & M64, p1 >> 64
        assert e0 < 1 << 64 and e1 < 1 << 64
        d1 += e0
        e1 += d1 >> 64
        d1 &= M64
        h2 = (p2 + e1) & M64
        c = (h2 >> 2) + (h2 & ~3 & M64)
        h2 &= 3
        h0 = (d0 + c) & M64
        c = int(h0 < c)
        h1 = (d1 + c) & M64
        c = int(h1 < c)
        self.h = [h0, h1, h2 + c]

    def tag(self, s0, s1, s2, s3):
        h0, h1, h2 = self.h
        g0 = (h0 + 5) & M64
        c = int(g0 < 5)
        g1 = (h1 + c) & M64
        c = int(g1 < c)
        mask = (0 - ((h2 + c) >> 2)) & M64
        h0 = (h0 & ~mask & M64) | (g0 & mask)
        h1 = (h1 & ~mask & M64) | (g1 & mask)
        t0, t1 = (s1 << 32) | s0, (s3 << 32) | s2
        lo = h0 + t0
        hi = (h1 + t1 + (lo >> 64)) & M64
        lo &= M64
        return [lo & M32, lo >> 32, hi & M32, hi >> 32]


def _low(x, n):
    return x if n >= 8 else x & ((1 << (8 * n)) - 1)


def pm_msgs(grid, block, nch, n, off, ln, msg):
    offs = np.asarray(off).astype(np.int64)
    for c in range(int(nch)):
        pos = 16 * c
        i = int(np.searchsorted(offs[:int(n)], pos, side="right")) - 1
        j = (pos - int(offs[i])) >> 4
        rem = int(ln[i]) - 16 * j
        w0 = splitmix64(((i << 8) | j) ^ (m.PM_SEED << 1))
        a, b = _low(w0, rem), _low(splitmix64(w0), rem - 8) if rem > 8 else 0
        msg[pos:pos + 16] = np.frombuffer(a.to_bytes(8, "little") + b.to_bytes(8, "little"), dtype=np.uint8)


def _sa(s):
    k = []
    for q in range(4):
        w = splitmix64(((s << 2) | q) ^ (m.PM_SEED << 2))
        k += [w & M32, w >> 32]
    return k, splitmix64(s ^ (m.PM_SEED << 3)) & M32


def pm_mac(grid, block, msg, off, ln, p0, cnt, tags):
    mb = np.asarray(msg)
    for t in range(int(cnt)):
        i = int(p0) + t
        length = int(ln[i])
        s = splitmix64(i ^ (m.PM_SEED << 4)) & (m.PM_SESS - 1)
        k, salt = _sa(s)
        o = _otk(k, salt, i, 0)
        p = _Poly(*o[:4])
        p.block((i << 32) | (m.PM_SPI + s), 0, 1)
        base = int(off[i])
        for b in range((length + 15) // 16):
            q = mb[base + 16 * b:base + 16 * b + 16].view("<u8")
            rem = length - 16 * b
            p.block(_low(int(q[0]), rem), _low(int(q[1]), rem - 8) if rem > 8 else 0, 1)
        p.block(8, length, 1)
        tags[4 * i:4 * i + 4] = p.tag(*o[4:])


def pm_test(grid, block, data, toff, tlen, keys, n, out):
    d = bytes(np.asarray(data))
    for i in range(int(n)):
        k = [int(x) for x in keys[8 * i:8 * i + 8]]
        p = _Poly(*k[:4])
        msg = d[int(toff[i]):int(toff[i]) + int(tlen[i])]
        for b in range(0, len(msg), 16):
            blk = msg[b:b + 16]
            full = len(blk) == 16
            if not full:
                blk += b"\x01" + bytes(15 - len(blk))
            p.block(int.from_bytes(blk[:8], "little"), int.from_bytes(blk[8:], "little"), int(full))
        out[4 * i:4 * i + 4] = p.tag(*k[4:])


def pm_keygen(grid, block, keys, nonces, n, out):
    for i in range(int(n)):
        k = [int(x) for x in keys[8 * i:8 * i + 8]]
        out[8 * i:8 * i + 8] = _otk(k, *(int(x) for x in nonces[3 * i:3 * i + 3]))


# ---- siphash
def _rotl64(x, n):
    return ((x << n) | (x >> (64 - n))) & M64


def _sip(words, length, k0, k1, cr, dr):
    v0, v1 = k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D
    v2, v3 = k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573

    def rnd(v0, v1, v2, v3):
        v0 = (v0 + v1) & M64
        v1 = _rotl64(v1, 13) ^ v0
        v0 = _rotl64(v0, 32)
        v2 = (v2 + v3) & M64
        v3 = _rotl64(v3, 16) ^ v2
        v0 = (v0 + v3) & M64
        v3 = _rotl64(v3, 21) ^ v0
        v2 = (v2 + v1) & M64
        v1 = _rotl64(v1, 17) ^ v2
        return v0, v1, _rotl64(v2, 32), v3
    nw, rem = length >> 3, length & 7
    for j in range(nw):
        w = int(words[j])
        v3 ^= w
        for _ in range(cr):
            v0, v1, v2, v3 = rnd(v0, v1, v2, v3)
        v0 ^= w
    b = (length & 0xFF) << 56
    if rem:
        b |= int(words[nw]) & ((1 << (8 * rem)) - 1)
    v3 ^= b
    for _ in range(cr):
        v0, v1, v2, v3 = rnd(v0, v1, v2, v3)
    v0 ^= b
    v2 ^= 0xFF
    for _ in range(dr):
        v0, v1, v2, v3 = rnd(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def sp_keys(grid, block, n, probe, kid, klen):
    x = splitmix64_np(np.arange(int(n), dtype=U) ^ U(m.SP_SEED << 5 if int(probe) else m.SP_SEED))
    p = (x & U(0xFFFF)) * ((x >> U(16)) & U(0xFFFF)) * ((x >> U(32)) & U(0xFFFF))
    ids = (((p >> U(48 - m.SP_LOG_V)) & U(M32)) * U(0x9E3779B1)) & U((1 << m.SP_LOG_V) - 1)
    if int(probe):
        miss = ((x >> U(48)) & U(M32)) % U(1024) < U(m.SP_MISS)
        ids = np.where(miss, U(1 << m.SP_LOG_V) | (x & U((1 << m.SP_LOG_V) - 1)), ids)
    kid[:] = ids
    klen[:] = U(m.SP_LMIN) + splitmix64_np(ids ^ U(m.SP_SEED << 1)) % U(m.SP_LMAX - m.SP_LMIN + 1)


def sp_chars(grid, block, n, kid, klen, woff, words):
    for r in range(int(n)):
        i, length = int(kid[r]), int(klen[r])
        for q in range((length + 7) >> 3):
            w = splitmix64(((i << 3) | q) ^ (m.SP_SEED << 2))
            o = 0
            for b in range(8):
                if 8 * q + b < length:
                    o |= m.SP_ALPHABET[(w >> (6 * b)) & 63] << (8 * b)
            words[int(woff[r]) + q] = o


def _same(words, a, b, length):
    nw = (length + 7) >> 3
    return bool(np.array_equal(words[a:a + nw], words[b:b + nw]))


def sp_insert(grid, block, words, woff, klen, r0, cnt, tab, tcount):
    mask = (1 << m.SP_LOG_T) - 1
    w = np.asarray(words)
    for t in range(int(cnt)):
        r = int(r0) + t
        length, a = int(klen[r]), int(woff[r])
        h = _sip(w[a:a + (length + 7) // 8 + 1], length, m.SP_K0, m.SP_K1, 1, 3)
        tag = h >> 57
        slot = h & mask
        while True:
            cur = int(tab[slot])
            if cur == 0:
                tab[slot] = ((r + 1) << 32) | tag
                break
            if cur & M32 == tag:
                o = (cur >> 32) - 1
                if int(klen[o]) == length and _same(w, a, int(woff[o]), length):
                    break
            slot = (slot + 1) & mask
        tcount[slot] += 1


def sp_probe(grid, block, pwords, pwoff, plen, words, woff, klen, tab, tcount, p0, cnt, out, stats):
    mask = (1 << m.SP_LOG_T) - 1
    pw, w = np.asarray(pwords), np.asarray(words)
    hits = visits = 0
    for t in range(int(cnt)):
        i = int(p0) + t
        length, a = int(plen[i]), int(pwoff[i])
        key = pw[a:a + (length + 7) // 8]
        h = _sip(pw[a:a + (length + 7) // 8 + 1], length, m.SP_K0, m.SP_K1, 1, 3)
        slot, c = h & mask, 0
        while True:
            visits += 1
            cur = int(tab[slot])
            if cur == 0:
                break
            if cur & M32 == h >> 57:
                o = (cur >> 32) - 1
                b = int(woff[o])
                if int(klen[o]) == length and np.array_equal(key, w[b:b + len(key)]):
                    c = int(tcount[slot])
                    hits += 1
                    break
            slot = (slot + 1) & mask
        out[i] = c
    stats[0] += hits
    stats[1] += visits


def sp_test(grid, block, words, woff, lens, n, k0, k1, cr, dr, out):
    w = np.asarray(words)
    for i in range(int(n)):
        a, length = int(woff[i]), int(lens[i])
        out[i] = _sip(w[a:a + (length + 7) // 8 + 1], length, int(k0), int(k1), int(cr), int(dr))


# ---- utf8
def _u8_cp(sc, e):
    k, v = e & 7, e >> 3
    if 8 <= sc < 12 and k < 3:
        return 0xC0 + v % 0x190 if k < 2 else 0x391 + v % 0xBF
    if 12 <= sc < 14 and k < 7:
        return (0x4E00 + v % 0x5200, 0x4E00 + v % 0x5200, 0x4E00 + v % 0x5200, 0x4E00 + v % 0x5200,
                0x4E00 + v % 0x5200, 0xAC00 + v % 11172, 0x3000 + v % 0x40)[k]
    if sc >= 14 and k < 4:
        return (0x1F300 + v % 0x350, 0x1F300 + v % 0x350, 0x1F900 + v % 0x100, 0x2600 + v % 0xC0)[k]
    return 32 + v % 95


def _u8_char(s, j, r):
    nch = m.U8_CMIN + (r & 0xFFFF) % (m.U8_CMAX - m.U8_CMIN + 1)
    if ((r >> 24) & 1023) < m.U8_BAD and j == (r >> 34) % nch:
        z = r >> 48
        kind = ((r >> 44) & 15) % 6
        if kind == 0:
            return [0x80 | (z & 0x3F)]
        if kind == 1:
            return [0xC0 | (z & 1), 0x80 | ((z >> 1) & 0x3F)]
        if kind == 2:
            return [0xED, 0xA0 | (z & 0x1F), 0x80 | ((z >> 5) & 0x3F)]
        if kind == 3:
            return [0xE1 + (z & 7)]
        if kind == 4:
            return [0xF4, 0x90 | (z & 0xF), 0x80, 0x80]
        return [0xF8 | (z & 7)]
    c = _u8_cp((r >> 16) & 15, splitmix64(((s << 8) | j) ^ (m.U8_SEED << 1)))
    if c < 0x80:
        return [c]
    if c < 0x800:
        return [0xC0 | (c >> 6), 0x80 | (c & 0x3F)]
    if c < 0x10000:
        return [0xE0 | (c >> 12), 0x80 | ((c >> 6) & 0x3F), 0x80 | (c & 0x3F)]
    return [0xF0 | (c >> 18), 0x80 | ((c >> 12) & 0x3F), 0x80 | ((c >> 6) & 0x3F), 0x80 | (c & 0x3F)]


def _u8_bytes(s):
    r = splitmix64(s ^ m.U8_SEED)
    nch = m.U8_CMIN + (r & 0xFFFF) % (m.U8_CMAX - m.U8_CMIN + 1)
    return [b for j in range(nch) for b in _u8_char(s, j, r)]


def u8_len(grid, block, n, blen):
    for s in range(int(n)):
        blen[s] = len(_u8_bytes(s))


def u8_gen(grid, block, n, off, data):
    for s in range(int(n)):
        b = _u8_bytes(s)
        data[int(off[s]):int(off[s]) + len(b)] = b


def _u8_next(p, i, n):
    b0 = p[i]
    if b0 < 0x80:
        return 1, b0
    ln = 0 if b0 < 0xC2 else 2 if b0 < 0xE0 else 3 if b0 < 0xF0 else 4 if b0 < 0xF5 else 0
    if ln == 0 or i + ln > n:
        return 0, 0
    b1 = p[i + 1]
    lo = 0xA0 if b0 == 0xE0 else 0x90 if b0 == 0xF0 else 0x80
    hi = 0x9F if b0 == 0xED else 0x8F if b0 == 0xF4 else 0xBF
    if not lo <= b1 <= hi:
        return 0, 0
    if ln == 2:
        return 2, ((b0 & 0x1F) << 6) | (b1 & 0x3F)
    if p[i + 2] & 0xC0 != 0x80:
        return 0, 0
    if ln == 3:
        return 3, ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (p[i + 2] & 0x3F)
    if p[i + 3] & 0xC0 != 0x80:
        return 0, 0
    return 4, ((b0 & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F)


def _u8_decode(data, off, blen, s):
    p = data[int(off[s]):int(off[s]) + int(blen[s])].tolist()
    cps, i = [], 0
    while i < len(p):
        k, c = _u8_next(p, i, len(p))
        if k == 0:
            return None
        cps.append(c)
        i += k
    return cps


def u8_count(grid, block, data, off, blen, s0, cnt, units, bad, stats):
    d = np.asarray(data)
    for t in range(int(cnt)):
        s = int(s0) + t
        cps = _u8_decode(d, off, blen, s)
        units[s] = 0 if cps is None else sum(2 if c > 0xFFFF else 1 for c in cps)
        bad[s] = cps is None
        stats[0] += cps is None
        stats[1] += int(units[s])


def u8_write(grid, block, data, off, blen, units, bad, uoff, s0, cnt, out):
    d = np.asarray(data)
    for t in range(int(cnt)):
        s = int(s0) + t
        if bad[s]:
            continue
        o = int(uoff[t]) - int(units[s])
        for c in _u8_decode(d, off, blen, s):
            if c > 0xFFFF:
                out[o:o + 2] = [0xD800 | ((c - 0x10000) >> 10), 0xDC00 | ((c - 0x10000) & 0x3FF)]
                o += 2
            else:
                out[o] = c
                o += 1


# ---- pileup
def pu_ref(grid, block, g, ref):
    p = np.arange(int(g), dtype=U)
    b = (splitmix64_np((p >> U(5)) ^ U(m.PU_SEED << 2)) >> (U(2) * (p & U(31)))) & U(3)
    ref[:] = np.frombuffer(b"ACGT", dtype=np.uint8)[b.astype(np.int64)]


def pu_gen(grid, block, n, ref, cig, ncig, pos, info, seq, qual):
    n = int(n)
    rf = bytes(np.asarray(ref))
    for r in range(n):
        q = splitmix64(r ^ m.PU_SEED)
        q2 = splitmix64(q)
        q3 = splitmix64(q2)
        length = m.PU_LMIN + q % (m.PU_LMAX - m.PU_LMIN + 1)
        sc0 = 1 + (q >> 19) % 20 if (q >> 16) & 7 == 0 else 0
        sc1 = 1 + (q >> 27) % 20 if (q >> 24) & 7 == 0 else 0
        nev = 0 if (q2 & 7) < 5 else 1 + (q2 >> 3) % 3
        ev, ins = [], 0
        for e in range(nev):
            ln = 1 + ((q2 >> (12 + 4 * e)) & 15) % 6
            isins = (q2 >> (8 + e)) & 1
            ev.append((ln << 4) | (1 if isins else 2))
            ins += ln if isins else 0
        mtot = length - sc0 - sc1 - ins
        words = [(sc0 << 4) | 4] if sc0 else []
        for e in range(nev + 1):
            words.append((mtot * (e + 1) // (nev + 1) - mtot * e // (nev + 1)) << 4)
            if e < nev:
                words.append(ev[e])
        if sc1:
            words.append((sc1 << 4) | 4)
        cig[m.PU_OPS * r:m.PU_OPS * r + len(words)] = words
        ncig[r] = len(words)
        p0 = r * ((1 << m.PU_LOG_G) - m.PU_MAXSPAN - m.PU_JIT) // n + (q3 & (m.PU_JIT - 1))
        pos[r] = p0
        mapq = (q3 >> 13) % 20 if (q3 >> 8) & 31 == 0 else 60
        info[r] = ((m.PU_DUP << 8) if (q3 >> 20) & 63 == 0 else 0) | mapq
        j, p, sb, qb = 0, p0, [], []
        for w in words:
            op, ln = w & 15, w >> 4
            if op == 2:
                p += ln
                continue
            for k in range(ln):
                e = splitmix64(((r << 9) | j) ^ (m.PU_SEED << 1))
                b = e & 3
                ch = b"ACGT"[b]
                if op == 0:
                    x = (e >> 2) & 1023
                    b = b"ACGT".index(rf[p + k])
                    if m.PU_NRATE <= x < m.PU_NRATE + m.PU_SUB:
                        b = (b + 1 + (e >> 12) % 3) & 3
                    ch = ord("N") if x < m.PU_NRATE else b"ACGT"[b]
                sb.append(ch)
                qb.append(2 + (e >> 24) % 11 if (e >> 20) & 15 == 0 else 25 + (e >> 24) % 16)
                j += 1
            if op == 0:
                p += ln
        seq[m.PU_SLOT * r:m.PU_SLOT * r + j] = sb
        qual[m.PU_SLOT * r:m.PU_SLOT * r + j] = qb


def pu_count(grid, block, cig, ncig, pos, info, seq, qual, r0, cnt, counts, used):
    code = {ord("A"): 0, ord("C"): 1, ord("G"): 2, ord("T"): 3}
    for t in range(int(cnt)):
        r = int(r0) + t
        f = int(info[r])
        if (f >> 8) & m.PU_DUP or (f & 0xFF) < m.PU_MINMQ:
            used[r] = 0
            continue
        s = seq[m.PU_SLOT * r:m.PU_SLOT * (r + 1)].tolist()
        qv = qual[m.PU_SLOT * r:m.PU_SLOT * (r + 1)].tolist()
        p, j, u = int(pos[r]), 0, 0
        for w in cig[m.PU_OPS * r:m.PU_OPS * r + int(ncig[r])].tolist():
            op, ln = w & 15, w >> 4
            if op == 0:
                for _ in range(ln):
                    if qv[j] >= m.PU_MINBQ:
                        counts[6 * p + code.get(s[j], 4)] += 1
                        u += 1
                    j += 1
                    p += 1
            elif op == 2:
                for _ in range(ln):
                    counts[6 * p + 5] += 1
                    p += 1
                u += ln
            else:
                j += ln
        used[r] = u


KERNELS = dict(pm_msgs=pm_msgs, pm_mac=pm_mac, pm_test=pm_test, pm_keygen=pm_keygen, sp_keys=sp_keys,
               sp_chars=sp_chars, sp_insert=sp_insert, sp_probe=sp_probe, sp_test=sp_test, u8_len=u8_len,
               u8_gen=u8_gen, u8_count=u8_count, u8_write=u8_write, pu_ref=pu_ref, pu_gen=pu_gen, pu_count=pu_count)
