"""Python replays of moreops21.py's kernels (gorilla, protobuf, geohash, go), each doing what its CUDA does, for running
the drivers on the CPU (scripts/workloads/emulate/run.py), at shrunk sizes. Written apart from the drivers' own
references (series here by NumPy arrays a sample at a time across all series, there a Python loop a series; Gorilla
streams here through the kernel's 64-bit word writer and reader, there one Python int; protobuf bytes here written
with the kernel's varint byte limits, there built whole and truncated after; geohash codes here by the kernel's
quantize-and-correct and mask spreading, there by interval bisection; Go here on the kernel's bitboards as Python ints
with flood fills, there on a list board with breadth-first search). Kernels that race on the GPU (atomics) are
replayed in thread order."""
import numpy as np

import moreops21 as m
from common import splitmix64, splitmix64_np

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1
U = np.uint64
SHRINK = {"GZ_SERIES": 96, "GZ_SERIES0": 16, "GZ_MIN_SERIES": 4, "GZ_MAX_SERIES": 256, "GZ_CHECK": 12,
          "PB_MSGS": 3000, "PB_MSGS0": 256, "PB_MIN_MSGS": 32, "PB_MAX_MSGS": 4096, "PB_CHECK": 128,
          "GH_POINTS": 2048, "GH_CLUSTERS": 16, "GH_CANDS": 512, "GH_POINTS0": 256, "GH_MIN_POINTS": 32,
          "GH_MAX_POINTS": 4096, "GH_CHECK": 256,
          "GO_PLAYOUTS": 162, "GO_PLAYOUTS0": 16, "GO_MIN_PLAYOUTS": 8, "GO_MAX_PLAYOUTS": 256, "GO_CHECK": 12}
KINDS = [("gorilla", "xor"), ("protobuf", "decode"), ("geohash", "join"), ("go", "playout")]


# ---- gorilla
def gz_gen(grid, block, n, ts, vals):
    n = int(n)
    s = np.arange(n, dtype=U)
    r0 = splitmix64_np(s ^ U(m.GZ_SEED))
    kind = (r0 & U(3)).astype(np.int64)
    iv = np.array(m.GZ_IV, dtype=np.int64)[(r0 >> U(2)) & U(7)]
    t = m.GZ_T0 + ((r0 >> U(8)) % U(3600000)).astype(np.int64)
    k = np.where(kind == 0, (r0 >> U(24)).astype(np.int64), ((r0 >> U(32)) & U(0xFFFFF)).astype(np.int64))
    T = np.zeros((n, m.GZ_PTS), dtype=np.int64)
    V = np.zeros((n, m.GZ_PTS), dtype=np.float64)
    for j in range(m.GZ_PTS):
        e = splitmix64_np(((s << U(8)) | U(j)) ^ U(m.GZ_SEED << 1))
        e10 = e >> U(10)
        if j:
            ev = (e & U(1023)).astype(np.int64)
            extra = np.where(ev < 128, (e10 % U(41)).astype(np.int64) - 20,
                             np.where(ev < 144, iv, np.where(ev < 148, (e10 % U(1000000)).astype(np.int64),
                                                             np.where(ev == 148, (e10 % U(1 << 33)).astype(np.int64),
                                                                      0))))
            t = t + iv + extra
            e40 = (e >> U(40)).astype(np.int64)
            inc = ((e >> U(40)) >> ((e >> U(36)) & U(15))).astype(np.int64)
            k = np.where(kind == 0, np.where(((e >> U(20)) & U(1023)) == U(0), 0, k + inc),
                         np.where(kind == 1, k + e40 % 21 - 10,
                                  np.where((kind == 2) & (((e >> U(40)) & U(31)) == U(0)),
                                           ((e >> U(45)) & U(0xFFF)).astype(np.int64), k)))
        T[:, j] = t
        sensor = 20.0 + (e >> U(40)).astype(np.float64) * (1.0 / 1048576.0)
        V[:, j] = np.where(kind == 1, k.astype(np.float64) / 100.0, np.where(kind == 3, sensor, k.astype(np.float64)))
    ts[:] = T.reshape(-1).astype(U)
    vals[:] = V.reshape(-1).view(U)


class _Writer:
    """The kernel's gz_w: cur holds fill bits at its top, full words to o from base."""

    def __init__(self, o, base):
        self.o, self.base, self.cur, self.fill, self.nw = o, base, 0, 0, 0

    def put(self, v, n):
        if n < 64:
            v &= (1 << n) - 1
        room = 64 - self.fill
        if n < room:
            self.cur |= v << (room - n)
            self.fill += n
            return
        self.o[self.base + self.nw] = self.cur | (v >> (n - room))
        self.nw += 1
        self.fill = n - room
        self.cur = ((v << (64 - self.fill)) & M64) if self.fill else 0


def _fits(x, nb):
    return -((1 << (nb - 1)) - 1) <= x <= 1 << (nb - 1)


def gz_enc(grid, block, ts, vals, s0, cnt, out, nbits, stats):
    pts, nw = m.GZ_PTS, m.gz_words(m.GZ_PTS)
    c = [0] * 8
    for t in range(int(cnt)):
        s = int(s0) + t
        T = [int(x) for x in ts[s * pts:(s + 1) * pts]]
        V = [int(x) for x in vals[s * pts:(s + 1) * pts]]
        w = _Writer(out, s * nw)
        w.put(T[0], 64)
        w.put(V[0], 64)
        dp, lead, trail = 0, 0xFF, 0
        for j in range(1, pts):
            d = T[j] - T[j - 1]
            dod, dp = d - dp, d
            if dod == 0:
                w.put(0, 1)
                c[0] += 1
            elif _fits(dod, 14):
                w.put((2 << 14) | (dod & 0x3FFF), 16)
                c[1] += 1
            elif _fits(dod, 17):
                w.put((6 << 17) | (dod & 0x1FFFF), 20)
                c[2] += 1
            elif _fits(dod, 20):
                w.put((14 << 20) | (dod & 0xFFFFF), 24)
                c[3] += 1
            else:
                w.put(15, 4)
                w.put(dod & M64, 64)
                c[4] += 1
            x = V[j] ^ V[j - 1]
            if x == 0:
                w.put(0, 1)
                c[5] += 1
                continue
            lz = min(64 - x.bit_length(), 31)
            tz = (x & -x).bit_length() - 1
            if lead != 0xFF and lz >= lead and tz >= trail:
                w.put(2, 2)
                w.put(x >> trail, 64 - lead - trail)
                c[6] += 1
            else:
                lead, trail = lz, tz
                sig = 64 - lz - tz
                w.put((3 << 11) | (lz << 6) | (sig & 63), 13)
                w.put(x >> tz, sig)
                c[7] += 1
        nbits[s] = 64 * w.nw + w.fill
        if w.fill:
            out[s * nw + w.nw] = w.cur
    for j in range(8):
        stats[j] += c[j]


def gz_dec(grid, block, words, nbits, ts, vals, s0, cnt, dts, dvals, stats):
    pts, nw = m.GZ_PTS, m.gz_words(m.GZ_PTS)
    for t in range(int(cnt)):
        s = int(s0) + t
        q = [int(x) for x in words[s * nw:(s + 1) * nw]] + [0]
        pos = 0

        def get(n):
            nonlocal pos
            o = pos & 63
            x = (q[pos >> 6] << o) & M64
            if o + n > 64:
                x |= q[(pos >> 6) + 1] >> (64 - o)
            pos += n
            return x >> (64 - n)

        def sx(b, nb):
            return b - (1 << nb) if b > 1 << (nb - 1) else b
        tj, vj = get(64), get(64)
        outt, outv = [tj], [vj]
        d, lead, trail = 0, 0, 0
        for j in range(1, pts):
            if not get(1):
                dod = 0
            elif not get(1):
                dod = sx(get(14), 14)
            elif not get(1):
                dod = sx(get(17), 17)
            elif not get(1):
                dod = sx(get(20), 20)
            else:
                dod = sx(get(64), 64)
            d += dod
            tj = (tj + d) & M64
            if get(1):
                if get(1):
                    lead = get(5)
                    sig = get(6) or 64
                    trail = 64 - lead - sig
                vj ^= get(64 - lead - trail) << trail
            outt.append(tj)
            outv.append(vj)
        dts[s * pts:(s + 1) * pts] = outt
        dvals[s * pts:(s + 1) * pts] = outv
        bad = outt != [int(x) for x in ts[s * pts:(s + 1) * pts]] or \
            outv != [int(x) for x in vals[s * pts:(s + 1) * pts]] or pos != int(nbits[s])
        stats[8] += int(bad)


# ---- protobuf
def _sgn(v, bits):
    return v - (1 << bits) if v >> (bits - 1) else v


def _pb_fields(i):
    e0 = splitmix64(i ^ m.PB_SEED)
    e1 = splitmix64(e0)
    e2 = splitmix64(e1)
    e3 = splitmix64(e2)
    e4 = splitmix64(e3)
    e5 = splitmix64(e4)
    f = {"id": e0 >> (e1 & 63), "delta": _sgn((e1 >> 32) & M32, 32) >> ((e1 >> 8) & 31),
         "ts": 0 if (e3 & 15) == 0 else e2, "code": 0 if ((e3 >> 4) & 3) == 0 else (e2 >> 20) & M32,
         "nlen": (e3 >> 8) % (m.PB_NAME + 1), "loc": ((e3 >> 16) & 7) != 0, "x": _sgn(e4, 64) >> (e5 & 63),
         "y": _sgn(e5, 64) >> ((e4 >> 6) & 63), "zone": ((e5 >> 32) & M32) >> ((e5 >> 12) & 31),
         "level": (e3 >> 20) % 11 - 5, "uk": (e3 >> 24) & 3, "unk": e4 >> ((e5 >> 20) & 63), "ulen": (e3 >> 26) & 15,
         "bad": ((e3 >> 32) & 255) < m.PB_BAD, "kind": (e3 >> 40) & 1, "cut": 1 + (e3 >> 41) % 9}
    if f["bad"]:
        if f["kind"] == 0:
            f["level"] = -1 - (e3 >> 20) % 5
        else:
            f["loc"] = True
            f["zone"] |= 128
    return f


def _vsize(v):
    k = 1
    while v >> 7:
        v >>= 7
        k += 1
    return k


def _pb_enc(i):
    f = _pb_fields(i)
    o = bytearray()

    def var(v, lim=10):
        v &= M64
        for _ in range(lim):
            c = v & 127
            v >>= 7
            o.append(c | 128 if v else c)
            if not v:
                break

    def fix(v, k):
        o.extend((v >> (8 * j)) & 0xFF for j in range(k))

    def zz64(v):
        return ((v << 1) ^ (v >> 63)) & M64
    if f["id"]:
        var(0x08)
        var(f["id"])
    if f["delta"]:
        var(0x10)
        var(((f["delta"] << 1) ^ (f["delta"] >> 31)) & M32)
    if f["ts"]:
        var(0x19)
        fix(f["ts"], 8)
    if f["uk"] == 0:
        var(0x48)
        var(f["unk"])
    if f["code"]:
        var(0x25)
        fix(f["code"], 4)
    if f["nlen"]:
        var(0x2A)
        var(f["nlen"])
        for k in range(f["nlen"]):
            w = splitmix64(((i << 2) | (k // 10)) ^ (m.PB_SEED << 1))
            o.append(m.PB_ALPHABET[(w >> (6 * (k % 10))) & 63])
    if f["loc"]:
        zx, zy = zz64(f["x"]), zz64(f["y"])
        zlen = _vsize(f["zone"]) - (1 if f["bad"] and f["kind"] == 1 else 0) if f["zone"] else 0
        sz = (1 + _vsize(zx) if f["x"] else 0) + (1 + _vsize(zy) if f["y"] else 0) + (1 + zlen if f["zone"] else 0)
        var(0x32)
        var(sz)
        if f["x"]:
            var(0x08)
            var(zx)
        if f["y"]:
            var(0x10)
            var(zy)
        if f["zone"]:
            var(0x18)
            var(f["zone"], zlen)
    if f["uk"] == 1:
        var(0x62)
        var(f["ulen"])
        for b in range(f["ulen"]):
            o.append(splitmix64(((i << 4) | b) ^ (m.PB_SEED << 2)) & 0xFF)
    if f["level"]:
        var(0x38)
        var(f["level"], 10 - f["cut"] if f["bad"] and f["kind"] == 0 else 10)
    return bytes(o)


def pb_len(grid, block, n, ln):
    for i in range(int(n)):
        ln[i] = len(_pb_enc(i))


def pb_gen(grid, block, n, off, data):
    for i in range(int(n)):
        b = _pb_enc(i)
        data[int(off[i]):int(off[i]) + len(b)] = np.frombuffer(b, dtype=np.uint8)


def _rv(p, k, end):
    v = 0
    for s in range(0, 70, 7):
        if k >= end:
            return None, k
        b = p[k]
        k += 1
        v |= (b & 127) << s
        if not b & 128:
            return v & M64, k
    return None, k


def _val(p, k, end, wt):
    """(ok, value or start, length, k)"""
    if wt == 0:
        v, k = _rv(p, k, end)
        return v is not None, v, 0, k
    if wt in (1, 5):
        nb = 8 if wt == 1 else 4
        if end - k < nb:
            return False, 0, 0, k
        return True, int.from_bytes(bytes(p[k:k + nb]), "little"), 0, k + nb
    if wt == 2:
        ln, k = _rv(p, k, end)
        if ln is None or ln > end - k:
            return False, 0, 0, k
        return True, k, ln, k + ln
    return False, 0, 0, k


def pb_dec(grid, block, data, off, ln, m0, cnt, cid, cdelta, cts, ccode, cname, cnlen, cx, cy, czone, clevel, cpres,
           cbad, stats):
    d = np.asarray(data)
    for t in range(int(cnt)):
        i = int(m0) + t
        end = int(ln[i])
        p = d[int(off[i]):int(off[i]) + end].tolist()
        col = dict(id=0, delta=0, ts=0, code=0, nl=0, x=0, y=0, zone=0, level=0, pres=0)
        ok, k, nf = True, 0, 0
        while ok and k < end:
            tag, k = _rv(p, k, end)
            if tag is None or tag >> 3 == 0:
                ok = False
                break
            good, v, L, k = _val(p, k, end, tag & 7)
            if not good:
                ok = False
                break
            f, wt = tag >> 3, tag & 7
            nf += 1
            if f < 32:
                col["pres"] |= 1 << f
            if wt == 0:
                if f == 1:
                    col["id"] = v
                if f == 2:
                    col["delta"] = _sgn(((v & M32) >> 1) ^ ((-(v & 1)) & M32), 32)
                if f == 7:
                    col["level"] = _sgn(v & M32, 32)
            elif wt == 1 and f == 3:
                col["ts"] = v
            elif wt == 5 and f == 4:
                col["code"] = v
            elif wt == 2 and f == 5:
                col["nl"] = min(L, m.PB_NAME)
                cname[m.PB_NAME * i:m.PB_NAME * i + col["nl"]] = p[v:v + col["nl"]]
            elif wt == 2 and f == 6:
                q, qe = v, v + L
                while ok and q < qe:
                    tg, q = _rv(p, q, qe)
                    if tg is None or tg >> 3 == 0:
                        ok = False
                        break
                    good, w, _, q = _val(p, q, qe, tg & 7)
                    if not good:
                        ok = False
                        break
                    nf += 1
                    if tg & 7 == 0:
                        zz = _sgn(((w >> 1) ^ (-(w & 1))) & M64, 64)
                        if tg >> 3 == 1:
                            col["x"] = zz
                        if tg >> 3 == 2:
                            col["y"] = zz
                        if tg >> 3 == 3:
                            col["zone"] = w & M32
        if not ok:
            col = dict.fromkeys(col, 0)
        cid[i], cdelta[i], cts[i], ccode[i], cnlen[i] = col["id"], col["delta"], col["ts"], col["code"], col["nl"]
        cx[i], cy[i], czone[i], clevel[i], cpres[i] = col["x"], col["y"], col["zone"], col["level"], col["pres"]
        cbad[i] = 0 if ok else 1
        stats[0] += 0 if ok else 1
        stats[1] += nf


# ---- geohash
SLON, SLAT = 360.0 / 2 ** 30, 180.0 / 2 ** 30


def _gh_u(x):
    return (x >> U(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def _gh_points_np(keys):
    r = splitmix64_np(keys ^ U(m.GH_SEED))
    r2 = splitmix64_np(r)
    r3 = splitmix64_np(r2)
    r4 = splitmix64_np(r3)
    r5 = splitmix64_np(r4)
    c = ((r >> U(3)) & U(M32)) % U(m.GH_CLUSTERS)
    q = splitmix64_np(c ^ U(m.GH_SEED << 1))
    clat = _gh_u(q) * 130.0 - 60.0
    clon = _gh_u(splitmix64_np(q)) * 360.0 - 180.0
    sp = 0.02 + (c & U(15)).astype(np.float64) * 0.03
    lat = clat + ((_gh_u(r2) + _gh_u(r3)) - 1.0) * sp
    lon = clon + ((_gh_u(r4) + _gh_u(r5)) - 1.0) * sp
    lon = np.where(lon >= 180.0, lon - 360.0, np.where(lon < -180.0, lon + 360.0, lon))
    uni = (r & U(7)) == U(0)
    return np.where(uni, _gh_u(r2) * 180.0 - 90.0, lat), np.where(uni, _gh_u(r3) * 360.0 - 180.0, lon)


def _gh_q(x, lo, step):
    f = np.floor((x - lo) / step)
    q = 0 if f < 0 else (1 << 30) - 1 if f > (1 << 30) - 1 else int(f)
    while q > 0 and x < lo + q * step:
        q -= 1
    while q < (1 << 30) - 1 and x >= lo + (q + 1) * step:
        q += 1
    return q


def _spread(v):
    out = 0
    for b in range(30):
        out |= ((v >> b) & 1) << (2 * b)
    return out


def _compact(x):
    out = 0
    for b in range(30):
        out |= ((x >> (2 * b)) & 1) << b
    return out


def _gh_code(la, lo):
    return (_spread(_gh_q(lo, -180.0, SLON)) << 1) | _spread(_gh_q(la, -90.0, SLAT))


def gh_points(grid, block, n, lat, lon):
    la, lo = _gh_points_np(np.arange(int(n), dtype=U))
    lat[:] = la
    lon[:] = lo


def gh_cand(grid, block, k, out):
    la, lo = _gh_points_np(np.arange(int(k), dtype=U) | U(1 << 40))
    for c in range(int(k)):
        out[c] = _gh_code(float(la[c]), float(lo[c])) >> 35


def gh_expand(grid, block, nu, u5, starts, lens):
    for j in range(int(nu)):
        u = int(u5[j])
        split = (splitmix64(u ^ (m.GH_SEED << 3)) & 3) == 0
        starts[33 * j] = u << 35
        lens[33 * j] = 0 if split else 5
        for e in range(32):
            ch = (u << 5) | e
            starts[33 * j + 1 + e] = ch << 30
            lens[33 * j + 1 + e] = 6 if split and splitmix64(ch ^ (m.GH_SEED << 4)) & 1 else 0


def gh_join(grid, block, lat, lon, p0, cnt, starts, lens, ncell, codes, chars, cell, dist, counts, stats):
    f32 = np.float32
    st = [int(x) for x in starts[:int(ncell)]]
    for t in range(int(cnt)):
        i = int(p0) + t
        la, lo = float(lat[i]), float(lon[i])
        code = _gh_code(la, lo)
        codes[i] = code
        chars[12 * i:12 * i + 12] = [m.GH_BASE32[(code >> (55 - 5 * k)) & 31] for k in range(12)]
        a, b = 0, len(st)
        while a < b:
            mid = (a + b) >> 1
            if st[mid] <= code:
                a = mid + 1
            else:
                b = mid
        c, dm = m.GH_NONE, f32(-1.0)
        if a > 0:
            s = st[a - 1]
            nb = 5 * int(lens[a - 1])
            nlon, nlat = (nb + 1) >> 1, nb >> 1
            if code - s < 1 << (60 - nb):
                c = a - 1
                counts[c] += 1
                stats[0] += 1
                clon = -180.0 + (_compact(s >> 1) + (1 << (29 - nlon))) * SLON
                clat = -90.0 + (_compact(s) + (1 << (29 - nlat))) * SLAT
                rad = f32(0.017453292519943295)
                s1 = np.sin(f32(0.5) * rad * f32(la - clat))
                s2 = np.sin(f32(0.5) * rad * f32(lo - clon))
                h = s1 * s1 + np.cos(rad * f32(la)) * np.cos(rad * f32(clat)) * s2 * s2
                dm = f32(2.0) * f32(m.GH_R) * np.arcsin(np.sqrt(min(h, f32(1.0))))
        cell[i] = c
        dist[i] = dm


# ---- go
BOARD = (1 << 81) - 1
NC0 = sum(1 << p for p in range(81) if p % 9 != 0)
NC8 = sum(1 << p for p in range(81) if p % 9 != 8)


def _nbr(a):
    return (((a << 1) & NC0) | ((a >> 1) & NC8) | (a << 9) | (a >> 9)) & BOARD


def _diag(a):
    return (((a << 10) & NC0) | ((a << 8) & NC8) | ((a >> 8) & NC0) | ((a >> 10) & NC8)) & BOARD


def _flood(seed, within):
    g = seed
    while True:
        n = (g | _nbr(g)) & within
        if n == g:
            return g
        g = n


def _pop(a):
    return bin(a).count("1")


def _low(a):
    return (a & -a).bit_length() - 1


def _eye(own, opp, p):
    pm = 1 << p
    n = _nbr(pm)
    if n & own != n:
        return False
    d = _diag(pm)
    e = _pop(d & opp)
    return e == 0 if _pop(d) < 4 else e <= 1


def _move(own, opp, p):
    """(legal, own, opp, captured)"""
    pm = 1 << p
    o = own | pm
    empty = ~(o | opp) & BOARD
    cap, adj = 0, _nbr(pm) & opp
    while adj:
        g = _flood(1 << _low(adj), opp)
        if not _nbr(g) & empty:
            cap |= g
        adj &= ~g
    op = opp & ~cap
    if not cap and not _nbr(_flood(pm, o)) & ~(o | op) & BOARD:
        return False, own, opp, 0
    return True, o, op, cap


def go_play(grid, block, p0, cnt, board, info, wins, visits, stats):
    for t in range(int(cnt)):
        pid = int(p0) + t
        first = pid % 81
        st = splitmix64(pid ^ m.GO_SEED)
        s = [1 << first, 0]
        c, passes, caps, ko, moves = 1, 0, 0, -1, 1
        while moves < m.GO_MAXMOVES:
            r = splitmix64(st)
            st = (st + m.GOLDEN) & M64
            p = ((r >> 32) * 81) >> 32
            empty = ~(s[0] | s[1]) & BOARD
            played = False
            for _ in range(81):
                if (empty >> p) & 1 and p != ko and not _eye(s[c], s[c ^ 1], p):
                    legal, own, opp, cap = _move(s[c], s[c ^ 1], p)
                    if legal:
                        s[c], s[c ^ 1] = own, opp
                        played = True
                        nc = _pop(cap)
                        caps += nc
                        pm = 1 << p
                        lone = not _nbr(pm) & s[c]
                        ko = _low(cap) if nc == 1 and lone and _pop(_nbr(pm) & ~(s[0] | s[1]) & BOARD) == 1 else -1
                        break
                p = 0 if p == 80 else p + 1
            moves += 1
            if played:
                passes = 0
            else:
                ko = -1
                passes += 1
                if passes == 2:
                    break
            c ^= 1
        empty = ~(s[0] | s[1]) & BOARD
        rb = _flood(s[0], s[0] | empty) & empty
        rw = _flood(s[1], s[1] | empty) & empty
        lead = (_pop(s[0]) + _pop(rb & ~rw)) - (_pop(s[1]) + _pop(rw & ~rb))
        board[4 * pid:4 * pid + 4] = [s[0] & M64, s[0] >> 64, s[1] & M64, s[1] >> 64]
        info[3 * pid:3 * pid + 3] = [moves, caps, lead]
        bwin = 2 * lead > m.GO_KOMI2
        wins[first] += int(bwin)
        visits[first] += 1
        stats[0] += int(bwin)
        stats[1] += moves


KERNELS = dict(gz_gen=gz_gen, gz_enc=gz_enc, gz_dec=gz_dec, pb_len=pb_len, pb_gen=pb_gen, pb_dec=pb_dec,
               gh_points=gh_points, gh_cand=gh_cand, gh_expand=gh_expand, gh_join=gh_join, go_play=go_play)
