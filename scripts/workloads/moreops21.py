"""Gorilla/Prometheus XOR compression of time series, protobuf wire-format decoding, a geohash point-in-cell join and
Monte Carlo playouts of 9 x 9 Go (label 0).

A twenty-first set of benign work, four common GPU jobs whose pipe activity resembles hashing (64-bit shifts,
leading/trailing-zero counts and XORs packed into bit streams, byte-wise varint decoding with shift-and-mask, bit
interleaving by magic masks beside a binary search and fp32/fp64 trigonometry, 128-bit bitboard flood fills driven by a
splitmix64 RNG), absent from the project before:

  gorilla     Facebook Gorilla / Prometheus XOR-chunk compression of 2^19 series of 120 samples (a Prometheus chunk's
              120; 1 GB of int64 millisecond timestamps and float64 values) made on the GPU: scrape intervals of 1-60 s
              with jitter (an eighth of samples, +-20 ms), missed scrapes (1/64), stalls of up to 1000 s (1/256) and
              restarts of up to 99 days (1/1024); values as byte counters (40-bit integers with resets), gauges
              (integers / 100), near-constant series (1/32 of samples change) and 24-bit sensor readings above 20.0. A
              thread a series encodes: the first timestamp and value in 64 bits, then each timestamp's delta of delta in
              Prometheus' buckets ('0'; '10' and 14 bits; '110' and 17; '1110' and 20; '1111' and 64; the first delta
              coded against 0 where Prometheus writes a varint) and each value's XOR with the previous one ('0' if zero;
              '10' and the meaningful bits inside the previous leading/trailing-zero window; '11', 5 bits of leading
              zeros (at most 31), 6 of meaningful bits (64 as 0) and the bits), MSB first into a 64-bit register flushed
              to its own slot of the output; then a thread a series decodes its stream bit by bit to timestamps and
              values and compares them with the input, mismatches by a warp ballot. Control-bit and bucket counts by
              warp sums. Shifts, clz/ffs and XORs with data-dependent branches; series a launch timed at set-up.
  protobuf    decoding protobuf wire format into columns: 2^23 messages (about 0.5 GB) of an event schema (uint64
              id = 1, sint32 delta = 2, fixed64 ts = 3, fixed32 code = 4, string name = 5 (0-24 bytes), Loc loc = 6
              {sint64 x = 1, sint64 y = 2, uint32 zone = 3}, int32 level = 7, negative levels 10-byte varints), proto3
              zero values omitted, and a quarter with an unknown field from a newer writer (a varint field 9 or a bytes
              field 12, to be skipped), encoded on the GPU at Arrow-style offsets; 2 in 256 are malformed (the last
              varint of the message, or of its nested Loc, truncated). A thread a message: tags and values by varint
              decoding (at most 10 bytes), zigzag for the sint fields, fixed32/64 by byte loads, length-delimited fields
              bounds-checked (the name copied to a 24-byte column, the nested message parsed in its range), unknown
              fields skipped by wire type; columns (id, delta, ts, code, name, x, y, zone, level, a field-presence mask)
              written, malformed messages flagged and counted by warp ballots. Byte loads, shifts and branches; messages
              a launch timed at set-up.
  geohash     a geohash point-in-cell join: 2^24 points (fp64 latitude and longitude, 7/8 around 4096 city-like
              clusters, 1/8 uniform) made on the GPU, and a table of non-overlapping cells (geohash prefixes of 5
              characters, a quarter of them split into some of their 32 6-character children) made on the GPU from 2^21
              clustered draws, sorted and de-duplicated by CuPy. A thread a point: latitude and longitude quantized to
              30 bits each (exactly: fp64 grid compares correct the division's guess), interleaved by magic-mask bit
              spreading into a 60-bit code, its 12-character base32 geohash written; the cell found by binary search of
              the sorted cell starts and a range compare, points a cell by atomicAdd and unmatched points by a warp
              ballot; the haversine distance to the cell's centre (fp64 differences, fp32 sinf/cosf/asinf). Integer bit
              work, dependent loads and fp32/fp64 math; points a launch timed at set-up.
  go          Monte Carlo playouts of 9 x 9 Go from the empty board (the root of an MCTS search): a thread a playout,
              black's first move the playout's index mod 81, then uniformly random moves by a splitmix64 generator (a
              draw a turn, the first legal move from a random point on, scanning): no suicide, simple ko, no filling of
              one's own eye (every orthogonal neighbour one's own, at most one diagonal enemy, none on the edge);
              captures by flood fill of the adjacent enemy groups, suicide by the new group's liberties, all on 81-bit
              bitboards in two 64-bit words (shift-and-mask dilation); the game over at two passes or 243 moves, scored
              by Tromp-Taylor area (stones and the empty points reaching only one colour) with komi 7.5; the final
              board, moves, captures and score to memory, wins and visits of each first move by atomicAdd. Integer bit
              work with heavy divergence and no memory traffic to speak of; 2^20 playouts, playouts a launch timed at
              set-up.

Self-checks, printed with the summary line (`agree:`): gorilla, after a check pass over every series, compares every
decoded timestamp and value with the input (decode(encode(x)) == x) and the kernel's mismatch count, the delta-of-delta
bucket counts and zero-XOR counts with CuPy array operators over every series, and 256 series with a Python regeneration
of their samples and a pure-Python Gorilla encoder (Python ints, bit_length for the zero counts), the streams compared
bit for bit; protobuf, after a check pass over every message, compares every malformed flag with the generator's draw
(regenerated by array operators), the ballot count with it, every valid message's id and ts with their regeneration, and
512 messages and 128 more malformed ones byte for byte with Python's hand-built wire encoding (varints, zigzag and
struct.pack) of a Python regeneration of their fields, and their decoded columns with those fields; geohash, after a
check pass over every point, compares every code with a CuPy array-operator quantization and interleaving, every point's
cell with cupy.searchsorted of the cell starts, the per-cell counts with cupy.bincount, and 2048 points with a Python
regeneration of their coordinates, Python's bisection geohash (the 12-character string), a bisect.bisect_right lookup in
the table and a Python fp64 haversine to the centre of the decoded prefix (within 1e-5 relative), and runs the lower
corners of 64 cells and the points an ulp below them through the join kernel, their cells against Python's geohash and
bisect_right; go, after a check pass over every playout, compares the wins and visits of every first move with
cupy.bincount of the stored scores, checks that no final board has a point of both colours, and replays 256 playouts in
Python on a list board with breadth-first group and liberty search, comparing final boards, moves, captures and scores.
"""
import bisect
import math
import struct

import numpy as np

from common import SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, popcount64, repeat_step, \
    size_launch, splitmix64, splitmix64_xp, wrapping_launch

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1
U64 = np.uint64
U32 = np.uint32

HEAD = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;
typedef unsigned short u16;
#define FULL 0xFFFFFFFFu
""" + SPLITMIX_CUDA

# ---- gorilla -------------------------------------------------------------------------------------------------------
GZ_SERIES = 1 << 19        # series
GZ_PTS = 120               # samples a series (a Prometheus XOR chunk's 120; at most 256)
GZ_SEED = 0x6011
GZ_T0 = 1_700_000_000_000  # the series' first timestamps: within an hour from this, ms
GZ_IV = (1000, 5000, 10000, 15000, 15000, 30000, 30000, 60000)  # scrape intervals a series draws from, ms
GZ_SERIES0 = 1 << 14       # series a launch first; then as many as take about LAUNCH_S
GZ_MIN_SERIES = 1 << 8
GZ_MAX_SERIES = 1 << 22
GZ_CHECK = 256             # series compared with the Python encoder
# a delta of delta's buckets (Prometheus'): (bits, control prefix, its length); outside them '1111' and 64 bits
GZ_BUCKETS = ((14, 0b10, 2), (17, 0b110, 3), (20, 0b1110, 4))


def gz_words(pts):
    """The u64 words of a series' stream slot: the worst case (128 bits, then a 68-bit delta of delta and a 77-bit
    value a sample), and one more that the reader's two-word loads may touch."""
    return (128 + (pts - 1) * (68 + 77) + 63) // 64 + 1


GZ_CUDA = HEAD + r"""
#define PTS %PTS%u
#define WORDS %WORDS%ull
#define SEED %SEED%ull
#define T0 %T0%ll
__constant__ long long IV[8] = {%IV%};
// series s's samples: timestamps (int64 ms) and values (float64 bits), PTS of each from s * PTS; the values' doubles
// by single rounded operations (no contraction), so that Python's floats match them bit for bit
extern "C" __global__ void gz_gen(u32 n, u64* __restrict__ ts, u64* __restrict__ vals) {
  const u32 s = blockIdx.x * blockDim.x + threadIdx.x;
  if (s >= n) return;
  const u64 r0 = splitmix((u64)s ^ SEED);
  const u32 kind = (u32)r0 & 3u;
  const long long iv = IV[(r0 >> 2) & 7ull];
  long long t = T0 + (long long)((r0 >> 8) % 3600000ull);
  long long k = kind == 0u ? (long long)(r0 >> 24) : (long long)((r0 >> 32) & 0xFFFFFull);
  u64* T = ts + (u64)s * PTS;
  u64* V = vals + (u64)s * PTS;
  for (u32 j = 0; j < PTS; ++j) {
    const u64 e = splitmix((((u64)s << 8) | j) ^ (SEED << 1));
    if (j) {
      long long d = iv;
      const u32 ev = (u32)e & 1023u;
      if (ev < 128u)
        d += (long long)((e >> 10) % 41ull) - 20;  // jitter
      else if (ev < 144u)
        d += iv;  // a missed scrape
      else if (ev < 148u)
        d += (long long)((e >> 10) % 1000000ull);  // a stall
      else if (ev == 148u)
        d += (long long)((e >> 10) % (1ull << 33));  // a restart after a long gap
      t += d;
    }
    T[j] = (u64)t;
    double v;
    if (kind == 0u) {  // a byte counter (40 bits to start), increments of 0 to 2^24, reset now and then
      if (j) k = ((e >> 20) & 1023ull) == 0ull ? 0 : k + (long long)((e >> 40) >> ((e >> 36) & 15ull));
      v = (double)k;
    } else if (kind == 1u) {  // a gauge of two decimals
      if (j) k += (long long)((e >> 40) % 21ull) - 10;
      v = __ddiv_rn((double)k, 100.0);
    } else if (kind == 2u) {  // near-constant
      if (j && ((e >> 40) & 31ull) == 0ull) k = (long long)((e >> 45) & 0xFFFull);
      v = (double)k;
    } else {  // a 24-bit sensor reading
      v = __dadd_rn(20.0, __dmul_rn((double)(e >> 40), 1.0 / 1048576.0));
    }
    V[j] = (u64)__double_as_longlong(v);
  }
}
// an MSB-first bit writer: cur holds fill bits at its top, full words go to o
struct gz_w {
  u64* o;
  u64 cur;
  u32 fill, nw;
};
// the low n bits of v (1 <= n <= 64)
__device__ __forceinline__ void gz_put(gz_w& w, u64 v, u32 n) {
  if (n < 64u) v &= (1ull << n) - 1ull;
  const u32 room = 64u - w.fill;
  if (n < room) {
    w.cur |= v << (room - n);
    w.fill += n;
    return;
  }
  w.o[w.nw++] = w.cur | (v >> (n - room));
  w.fill = n - room;
  w.cur = w.fill ? v << (64u - w.fill) : 0ull;
}
// the next n bits (1 <= n <= 64) of the stream at in from bit pos
__device__ __forceinline__ u64 gz_get(const u64* in, u32& pos, u32 n) {
  const u32 o = pos & 63u;
  const u64* q = in + (pos >> 6);
  u64 x = q[0] << o;
  if (o + n > 64u) x |= q[1] >> (64u - o);
  pos += n;
  return x >> (64u - n);
}
// Prometheus' bitRange: x fits an nb-bit bucket
__device__ __forceinline__ bool gz_fits(long long x, u32 nb) {
  return x >= -((1ll << (nb - 1u)) - 1ll) && x <= (1ll << (nb - 1u));
}
__device__ __forceinline__ long long gz_sx(u64 b, u32 nb) {
  return b > (1ull << (nb - 1u)) ? (long long)b - (1ll << nb) : (long long)b;
}
__device__ __forceinline__ void gz_sum(const u32* c, u32 k, u64* stats) {
  for (u32 j = 0; j < k; ++j) {
    const u32 v = __reduce_add_sync(FULL, c[j]);
    if ((threadIdx.x & 31u) == 0u && v) atomicAdd(&stats[j], (u64)v);
  }
}
// a thread a series s0 + t: its stream into its slot of out (WORDS words), its length in bits to nbits; counts of
// the timestamps' buckets (zero, 14, 17, 20, 64 bits) and of the values' cases (zero XOR, the previous window, a new
// one) by warp sums into stats[0..7]
extern "C" __global__ void gz_enc(const u64* __restrict__ ts, const u64* __restrict__ vals, u32 s0, u32 cnt,
                                  u64* __restrict__ out, u32* __restrict__ nbits, u64* __restrict__ stats) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  u32 c[8] = {0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u};
  if (t < cnt) {
    const u32 s = s0 + t;
    const u64* T = ts + (u64)s * PTS;
    const u64* V = vals + (u64)s * PTS;
    gz_w w;
    w.o = out + (u64)s * WORDS;
    w.cur = 0ull;
    w.fill = w.nw = 0u;
    u64 tp = T[0], vp = V[0];
    gz_put(w, tp, 64u);
    gz_put(w, vp, 64u);
    long long dp = 0;
    u32 lead = 0xFFu, trail = 0u;
    for (u32 j = 1; j < PTS; ++j) {
      const u64 tj = T[j], vj = V[j];
      const long long d = (long long)(tj - tp), dod = d - dp;
      dp = d;
      tp = tj;
      if (dod == 0) {
        gz_put(w, 0ull, 1u);
        ++c[0];
      } else if (gz_fits(dod, 14u)) {
        gz_put(w, (2ull << 14) | ((u64)dod & 0x3FFFull), 16u);
        ++c[1];
      } else if (gz_fits(dod, 17u)) {
        gz_put(w, (6ull << 17) | ((u64)dod & 0x1FFFFull), 20u);
        ++c[2];
      } else if (gz_fits(dod, 20u)) {
        gz_put(w, (14ull << 20) | ((u64)dod & 0xFFFFFull), 24u);
        ++c[3];
      } else {
        gz_put(w, 15ull, 4u);
        gz_put(w, (u64)dod, 64u);
        ++c[4];
      }
      const u64 x = vj ^ vp;
      vp = vj;
      if (x == 0ull) {
        gz_put(w, 0ull, 1u);
        ++c[5];
        continue;
      }
      const u32 L = min((u32)__clzll((long long)x), 31u), R = (u32)__ffsll((long long)x) - 1u;
      if (lead != 0xFFu && L >= lead && R >= trail) {
        gz_put(w, 2ull, 2u);
        gz_put(w, x >> trail, 64u - lead - trail);
        ++c[6];
      } else {
        lead = L;
        trail = R;
        const u32 sig = 64u - L - R;
        gz_put(w, (3ull << 11) | ((u64)L << 6) | (sig & 63u), 13u);
        gz_put(w, x >> R, sig);
        ++c[7];
      }
    }
    nbits[s] = 64u * w.nw + w.fill;
    if (w.fill) w.o[w.nw] = w.cur;
  }
  gz_sum(c, 8u, stats);
}
// a thread a series s0 + t: its stream decoded bit by bit to dts and dvals and compared with the input (and the
// stream's length with nbits); mismatching series by a warp ballot into stats[8]
extern "C" __global__ void gz_dec(const u64* __restrict__ in, const u32* __restrict__ nbits,
                                  const u64* __restrict__ ts, const u64* __restrict__ vals, u32 s0, u32 cnt,
                                  u64* __restrict__ dts, u64* __restrict__ dvals, u64* __restrict__ stats) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  bool bad = false;
  if (t < cnt) {
    const u32 s = s0 + t;
    const u64* q = in + (u64)s * WORDS;
    const u64* T = ts + (u64)s * PTS;
    const u64* V = vals + (u64)s * PTS;
    u64* DT = dts + (u64)s * PTS;
    u64* DV = dvals + (u64)s * PTS;
    u32 pos = 0u;
    u64 tj = gz_get(q, pos, 64u), vj = gz_get(q, pos, 64u);
    DT[0] = tj;
    DV[0] = vj;
    bad = tj != T[0] || vj != V[0];
    long long d = 0;
    u32 lead = 0u, trail = 0u;
    for (u32 j = 1; j < PTS; ++j) {
      long long dod;
      if (!gz_get(q, pos, 1u))
        dod = 0;
      else if (!gz_get(q, pos, 1u))
        dod = gz_sx(gz_get(q, pos, 14u), 14u);
      else if (!gz_get(q, pos, 1u))
        dod = gz_sx(gz_get(q, pos, 17u), 17u);
      else if (!gz_get(q, pos, 1u))
        dod = gz_sx(gz_get(q, pos, 20u), 20u);
      else
        dod = (long long)gz_get(q, pos, 64u);
      d += dod;
      tj += (u64)d;
      if (gz_get(q, pos, 1u)) {
        if (gz_get(q, pos, 1u)) {
          lead = (u32)gz_get(q, pos, 5u);
          u32 sig = (u32)gz_get(q, pos, 6u);
          if (!sig) sig = 64u;
          trail = 64u - lead - sig;
        }
        vj ^= gz_get(q, pos, 64u - lead - trail) << trail;
      }
      DT[j] = tj;
      DV[j] = vj;
      bad |= tj != T[j] || vj != V[j];
    }
    bad |= pos != nbits[s];
  }
  const u32 b = __ballot_sync(FULL, bad);
  if ((threadIdx.x & 31u) == 0u && b) atomicAdd(&stats[8], (u64)__popc(b));
}
"""


def gz_src():
    return fill_source(GZ_CUDA, PTS=GZ_PTS, WORDS=gz_words(GZ_PTS), SEED=hex(GZ_SEED), T0=GZ_T0,
                       IV=", ".join(f"{v}ll" for v in GZ_IV))


GZ_SRC = gz_src()


def gz_series_py(s):
    """Series s's (timestamps, value bits) as gz_gen makes them, in Python ints and floats."""
    r0 = splitmix64(s ^ GZ_SEED)
    kind, iv = r0 & 3, GZ_IV[(r0 >> 2) & 7]
    t = GZ_T0 + (r0 >> 8) % 3600000
    k = r0 >> 24 if kind == 0 else (r0 >> 32) & 0xFFFFF
    ts, vals = [], []
    for j in range(GZ_PTS):
        e = splitmix64(((s << 8) | j) ^ (GZ_SEED << 1))
        if j:
            ev = e & 1023
            d = iv + ((e >> 10) % 41 - 20 if ev < 128 else iv if ev < 144 else (e >> 10) % 1000000 if ev < 148 else
                      (e >> 10) % (1 << 33) if ev == 148 else 0)
            t += d
        ts.append(t)
        if kind == 0:
            if j:
                k = 0 if (e >> 20) & 1023 == 0 else k + ((e >> 40) >> ((e >> 36) & 15))
            v = float(k)
        elif kind == 1:
            if j:
                k += (e >> 40) % 21 - 10
            v = k / 100  # int / int: correctly rounded, as __ddiv_rn of the exact double
        elif kind == 2:
            if j and (e >> 40) & 31 == 0:
                k = (e >> 45) & 0xFFF
            v = float(k)
        else:
            v = 20.0 + (e >> 40) * 2.0 ** -20
        vals.append(struct.unpack("<Q", struct.pack("<d", v))[0])
    return ts, vals


def gorilla_encode_py(ts, vals):
    """A Prometheus-style Gorilla stream of timestamps and value bits as (a Python int holding the bits MSB first,
    its length in bits)."""
    acc = nb = 0

    def put(v, n):
        nonlocal acc, nb
        acc = (acc << n) | (v & ((1 << n) - 1))
        nb += n
    put(ts[0], 64)
    put(vals[0], 64)
    dprev, window = 0, None
    for j in range(1, len(ts)):
        d = ts[j] - ts[j - 1]
        dod, dprev = d - dprev, d
        if dod == 0:
            put(0, 1)
        else:
            for bits, ctl, clen in GZ_BUCKETS:
                if -(1 << (bits - 1)) + 1 <= dod <= 1 << (bits - 1):
                    put(ctl, clen)
                    put(dod, bits)
                    break
            else:
                put(0b1111, 4)
                put(dod, 64)
        x = vals[j] ^ vals[j - 1]
        if x == 0:
            put(0, 1)
            continue
        lead, trail = min(64 - x.bit_length(), 31), (x & -x).bit_length() - 1
        if window is not None and lead >= window[0] and trail >= window[1]:
            put(0b10, 2)
            put(x >> window[1], 64 - window[0] - window[1])
        else:
            window = (lead, trail)
            put(0b11, 2)
            put(lead, 5)
            put((64 - lead - trail) % 64, 6)
            put(x >> trail, 64 - lead - trail)
    return acc, nb


def gorilla(variant, clock):
    if variant != "xor":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=gz_src())
    genk, enck, deck = (mod.get_function(k) for k in ("gz_gen", "gz_enc", "gz_dec"))
    n, pts, nw = GZ_SERIES, GZ_PTS, gz_words(GZ_PTS)
    ts = cp.zeros(n * pts, dtype=cp.uint64)
    vals = cp.zeros(n * pts, dtype=cp.uint64)
    genk(((n + 255) // 256,), (256,), (U32(n), ts, vals))
    out = cp.zeros(n * nw, dtype=cp.uint64)
    nbits = cp.zeros(n, dtype=cp.uint32)
    dts = cp.zeros(n * pts, dtype=cp.uint64)
    dvals = cp.zeros(n * pts, dtype=cp.uint64)
    stats = cp.zeros(9, dtype=cp.uint64)
    state = {"cursor": 0, "series": GZ_SERIES0, "done": 0}

    def run(s0, cnt):
        g = ((cnt + 127) // 128,)
        enck(g, (128,), (ts, vals, U32(s0), U32(cnt), out, nbits, stats))
        deck(g, (128,), (out, nbits, ts, vals, U32(s0), U32(cnt), dts, dvals, stats))

    launch = wrapping_launch(state, "series", n, run)
    size_launch(launch, state, "series", GZ_MIN_SERIES, GZ_MAX_SERIES)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every series: decode(encode(x)) == x, and the buckets against CuPy's array operators
    stats.fill(0)
    run(0, n)
    hst = stats.get().astype(np.int64)
    round_ok = bool((dts == ts).all()) and bool((dvals == vals).all()) and int(hst[8]) == 0
    tm = ts.reshape(n, pts).astype(cp.int64)
    d = tm[:, 1:] - tm[:, :-1]
    del tm
    dod = d - cp.concatenate([cp.zeros((n, 1), dtype=cp.int64), d[:, :-1]], axis=1)
    del d
    fits = [int(((dod >= -(1 << (b - 1)) + 1) & (dod <= 1 << (b - 1))).sum()) for b, _, _ in GZ_BUCKETS]
    zero = int((dod == 0).sum())
    del dod
    total = n * (pts - 1)
    want_ts = [zero, fits[0] - zero, fits[1] - fits[0], fits[2] - fits[1], total - fits[2]]
    vm = vals.reshape(n, pts)
    xzero = int((vm[:, 1:] == vm[:, :-1]).sum())
    bucket_ok = hst[:5].tolist() == want_ts and int(hst[5]) == xzero and int(hst[6] + hst[7]) == total - xzero
    # sampled series: samples against Python's regeneration, streams against the Python encoder bit for bit
    rng = np.random.default_rng(70)
    picks = np.sort(rng.choice(n, min(n, GZ_CHECK), replace=False)).tolist()
    hnb = nbits.get().astype(np.int64)
    data_good = stream_good = 0
    for s in picks:
        sts, svals = gz_series_py(s)
        data_good += ts[s * pts:(s + 1) * pts].get().tolist() == sts and \
            vals[s * pts:(s + 1) * pts].get().tolist() == svals
        acc, nb = gorilla_encode_py(sts, svals)
        k = (nb + 63) // 64
        acc <<= 64 * k - nb
        want = [(acc >> (64 * (k - 1 - j))) & M64 for j in range(k)]
        stream_good += int(hnb[s]) == nb and out[s * nw:s * nw + k].get().tolist() == want
    ok = round_ok and bucket_ok and data_good == len(picks) and stream_good == len(picks)
    bits = int(hnb.sum())
    note(f"gorilla/{variant}: {state['done']} series encoded and decoded after READY ({n} series of {pts} samples, "
         f"{16 * n * pts} bytes, {state['series']} series a launch), {bits} bits ({bits / (n * pts):.2f} a sample, "
         f"{128 * n * pts / bits:.1f} x smaller); delta-of-delta buckets {hst[:5].tolist()}, values: zero XOR "
         f"{int(hst[5])}, in the previous window {int(hst[6])}, new window {int(hst[7])}; every series decoded equal "
         f"to its input: {round_ok}, bucket and zero-XOR counts equal to CuPy's: {bucket_ok}, {len(picks)} series' "
         f"samples equal to Python's regeneration: {data_good}, their streams equal bit for bit to a Python Gorilla "
         f"encoder's: {stream_good}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['series'] * pts / per / 1e9:.3f} G samples/s), {nl} a step")


# ---- protobuf ------------------------------------------------------------------------------------------------------
PB_MSGS = 1 << 23          # messages
PB_SEED = 0x9B0F
PB_BAD = 2                 # malformed messages, of 256
PB_NAME = 24               # a name's bytes at most (the name column's width)
PB_MSGS0 = 1 << 18         # messages a launch first; then as many as take about LAUNCH_S
PB_MIN_MSGS = 1 << 10
PB_MAX_MSGS = 1 << 26
PB_CHECK = 512             # messages compared with Python's wire encoding (and a quarter as many malformed ones)
PB_ALPHABET = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./"

PB_CUDA = HEAD + r"""
#define SEED %SEED%ull
#define BAD %BAD%u
#define NAME %NAME%u
__constant__ u8 ALPH[64] = {%ALPH%};
// message i's fields (0: absent, proto3's default), its unknown field (uk 0: a varint field 9 after ts, 1: a bytes
// field 12 of ulen bytes after loc, else none) and whether and how it is malformed (kind 0: its last varint, level's
// 10 bytes, cut by `cut` bytes; kind 1: the nested Loc's last varint, zone's, cut by one byte)
struct pb_f {
  u64 id, ts, unk;
  long long x, y;
  int delta, level;
  u32 code, zone, nlen, uk, ulen, kind, cut;
  bool loc, bad;
};
__device__ __forceinline__ pb_f pb_fields(u32 i) {
  const u64 e0 = splitmix((u64)i ^ SEED), e1 = splitmix(e0), e2 = splitmix(e1), e3 = splitmix(e2);
  const u64 e4 = splitmix(e3), e5 = splitmix(e4);
  pb_f f;
  f.id = e0 >> (e1 & 63ull);
  f.delta = (int)(u32)(e1 >> 32) >> ((e1 >> 8) & 31ull);
  f.ts = (e3 & 15ull) == 0ull ? 0ull : e2;
  f.code = ((e3 >> 4) & 3ull) == 0ull ? 0u : (u32)(e2 >> 20);
  f.nlen = (u32)((e3 >> 8) % (NAME + 1u));
  f.loc = ((e3 >> 16) & 7ull) != 0ull;
  f.x = (long long)e4 >> (e5 & 63ull);
  f.y = (long long)e5 >> ((e4 >> 6) & 63ull);
  f.zone = (u32)(e5 >> 32) >> ((e5 >> 12) & 31ull);
  f.level = (int)((e3 >> 20) % 11ull) - 5;
  f.uk = (u32)(e3 >> 24) & 3u;
  f.unk = e4 >> ((e5 >> 20) & 63ull);
  f.ulen = (u32)(e3 >> 26) & 15u;
  f.bad = ((u32)(e3 >> 32) & 255u) < BAD;
  f.kind = (u32)(e3 >> 40) & 1u;
  f.cut = 1u + (u32)((e3 >> 41) % 9ull);
  if (f.bad) {
    if (f.kind == 0u) {
      f.level = -1 - (int)((e3 >> 20) % 5ull);
    } else {
      f.loc = true;
      f.zone |= 128u;
    }
  }
  return f;
}
__device__ __forceinline__ u32 pb_vsize(u64 v) {
  u32 k = 1u;
  while (v >>= 7) ++k;
  return k;
}
__device__ __forceinline__ u64 pb_zz64(long long v) { return ((u64)v << 1) ^ (u64)(v >> 63); }
__device__ __forceinline__ u32 pb_zz32(int v) { return ((u32)v << 1) ^ (u32)(v >> 31); }
// a varint of v at o + n, at most lim of its bytes (W: written, else only counted); the new n
template <bool W>
__device__ __forceinline__ u32 pb_var(u8* o, u32 n, u64 v, u32 lim) {
  for (u32 b = 0; b < lim; ++b) {
    const u32 c = (u32)v & 127u;
    v >>= 7;
    if (W) o[n] = (u8)(v ? c | 128u : c);
    ++n;
    if (!v) break;
  }
  return n;
}
template <bool W>
__device__ __forceinline__ u32 pb_fix(u8* o, u32 n, u64 v, u32 k) {
  if (W)
    for (u32 j = 0; j < k; ++j) o[n + j] = (u8)(v >> (8u * j));
  return n + k;
}
// message i's wire bytes at o (W), fields in number order as protobuf's serializers write them; their count
template <bool W>
__device__ u32 pb_enc(u32 i, u8* o) {
  const pb_f f = pb_fields(i);
  u32 n = 0u;
  if (f.id) n = pb_var<W>(o, pb_var<W>(o, n, 0x08u, 10u), f.id, 10u);
  if (f.delta) n = pb_var<W>(o, pb_var<W>(o, n, 0x10u, 10u), pb_zz32(f.delta), 10u);
  if (f.ts) n = pb_fix<W>(o, pb_var<W>(o, n, 0x19u, 10u), f.ts, 8u);
  if (f.uk == 0u) n = pb_var<W>(o, pb_var<W>(o, n, 0x48u, 10u), f.unk, 10u);
  if (f.code) n = pb_fix<W>(o, pb_var<W>(o, n, 0x25u, 10u), f.code, 4u);
  if (f.nlen) {
    n = pb_var<W>(o, pb_var<W>(o, n, 0x2Au, 10u), f.nlen, 10u);
    if (W)
      for (u32 k = 0; k < f.nlen; ++k) {
        const u64 w = splitmix((((u64)i << 2) | (k / 10u)) ^ (SEED << 1));
        o[n + k] = ALPH[(w >> (6u * (k % 10u))) & 63ull];
      }
    n += f.nlen;
  }
  if (f.loc) {
    const u64 zx = pb_zz64(f.x), zy = pb_zz64(f.y);
    const u32 zlen = f.zone ? pb_vsize(f.zone) - (f.bad && f.kind == 1u ? 1u : 0u) : 0u;
    const u32 sz = (f.x ? 1u + pb_vsize(zx) : 0u) + (f.y ? 1u + pb_vsize(zy) : 0u) + (f.zone ? 1u + zlen : 0u);
    n = pb_var<W>(o, pb_var<W>(o, n, 0x32u, 10u), sz, 10u);
    if (f.x) n = pb_var<W>(o, pb_var<W>(o, n, 0x08u, 10u), zx, 10u);
    if (f.y) n = pb_var<W>(o, pb_var<W>(o, n, 0x10u, 10u), zy, 10u);
    if (f.zone) n = pb_var<W>(o, pb_var<W>(o, n, 0x18u, 10u), f.zone, zlen);
  }
  if (f.uk == 1u) {
    n = pb_var<W>(o, pb_var<W>(o, n, 0x62u, 10u), f.ulen, 10u);
    if (W)
      for (u32 b = 0; b < f.ulen; ++b) o[n + b] = (u8)splitmix((((u64)i << 4) | b) ^ (SEED << 2));
    n += f.ulen;
  }
  if (f.level)
    n = pb_var<W>(o, pb_var<W>(o, n, 0x38u, 10u), (u64)(long long)f.level, f.bad && f.kind == 0u ? 10u - f.cut : 10u);
  return n;
}
// a thread a message: its length
extern "C" __global__ void pb_len(u32 n, u32* __restrict__ len) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) len[i] = pb_enc<false>(i, nullptr);
}
// a thread a message: its bytes from off[i]
extern "C" __global__ void pb_gen(u32 n, const u64* __restrict__ off, u8* __restrict__ data) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) pb_enc<true>(i, data + off[i]);
}
// a varint at p[k] of a message of end bytes: false if it runs past the end or past 10 bytes (truncated, malformed)
__device__ __forceinline__ bool pb_rv(const u8* p, u32& k, u32 end, u64& v) {
  v = 0ull;
  for (u32 s = 0; s < 70u; s += 7u) {
    if (k >= end) return false;
    const u32 b = p[k++];
    v |= (u64)(b & 127u) << s;
    if (!(b & 128u)) return true;
  }
  return false;
}
__device__ __forceinline__ u64 pb_ld(const u8* p, u32 k, u32 nb) {
  u64 v = 0ull;
  for (u32 j = 0; j < nb; ++j) v |= (u64)p[k + j] << (8u * j);
  return v;
}
// a field's value skipped or taken by wire type (0 varint, 1 fixed64, 2 length-delimited: its start in v, its length
// in len, 5 fixed32); false if malformed
__device__ __forceinline__ bool pb_val(const u8* p, u32& k, u32 end, u32 wt, u64& v, u32& len) {
  if (wt == 0u) return pb_rv(p, k, end, v);
  if (wt == 1u || wt == 5u) {
    const u32 nb = wt == 1u ? 8u : 4u;
    if (end - k < nb) return false;
    v = pb_ld(p, k, nb);
    k += nb;
    return true;
  }
  if (wt == 2u) {
    u64 L;
    if (!pb_rv(p, k, end, L) || L > (u64)(end - k)) return false;
    v = k;
    len = (u32)L;
    k += (u32)L;
    return true;
  }
  return false;  // groups (3, 4) are not in proto3, 6 and 7 are not wire types
}
// a thread a message m0 + t: parsed into the columns (absent fields 0, the name's first nlen bytes of its NAME-byte
// row, a bit a field number seen in present); malformed messages flagged (their columns 0) and counted by a warp
// ballot into stats[0], fields decoded by a warp sum into stats[1]
extern "C" __global__ void pb_dec(const u8* __restrict__ data, const u64* __restrict__ off, const u32* __restrict__ len,
                                  u32 m0, u32 cnt, u64* __restrict__ cid, int* __restrict__ cdelta,
                                  u64* __restrict__ cts, u32* __restrict__ ccode, u8* __restrict__ cname,
                                  u8* __restrict__ cnlen, long long* __restrict__ cx, long long* __restrict__ cy,
                                  u32* __restrict__ czone, int* __restrict__ clevel, u32* __restrict__ cpresent,
                                  u8* __restrict__ cbad, u64* __restrict__ stats) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  bool ok = true;
  u32 nf = 0u;
  if (t < cnt) {
    const u32 i = m0 + t, end = len[i];
    const u8* p = data + off[i];
    u8* nm = cname + (u64)NAME * i;
    u64 id = 0ull, ts = 0ull;
    long long x = 0, y = 0;
    int delta = 0, level = 0;
    u32 code = 0u, zone = 0u, nl = 0u, present = 0u, k = 0u;
    while (ok && k < end) {
      u64 tag, v = 0ull;
      u32 L = 0u;
      if (!pb_rv(p, k, end, tag) || (tag >> 3) == 0ull || !pb_val(p, k, end, (u32)tag & 7u, v, L)) {
        ok = false;
        break;
      }
      const u32 f = (u32)(tag >> 3), wt = (u32)tag & 7u;
      ++nf;
      if (f < 32u) present |= 1u << f;
      if (wt == 0u) {
        if (f == 1u) id = v;
        if (f == 2u) delta = (int)(((u32)v >> 1) ^ (0u - ((u32)v & 1u)));
        if (f == 7u) level = (int)(u32)v;
      } else if (wt == 1u && f == 3u) {
        ts = v;
      } else if (wt == 5u && f == 4u) {
        code = (u32)v;
      } else if (wt == 2u && f == 5u) {
        nl = min(L, NAME);
        for (u32 j = 0; j < nl; ++j) nm[j] = p[v + j];
      } else if (wt == 2u && f == 6u) {  // the nested Loc, in its own range
        u32 q = (u32)v;
        const u32 qe = q + L;
        while (ok && q < qe) {
          u64 tg, w = 0ull;
          u32 L2 = 0u;
          if (!pb_rv(p, q, qe, tg) || (tg >> 3) == 0ull || !pb_val(p, q, qe, (u32)tg & 7u, w, L2)) {
            ok = false;
            break;
          }
          ++nf;
          if ((tg & 7ull) == 0ull) {
            if ((tg >> 3) == 1ull) x = (long long)(w >> 1) ^ -(long long)(w & 1ull);
            if ((tg >> 3) == 2ull) y = (long long)(w >> 1) ^ -(long long)(w & 1ull);
            if ((tg >> 3) == 3ull) zone = (u32)w;
          }
        }
      }
    }
    if (!ok) {
      id = ts = 0ull;
      x = y = 0;
      delta = level = 0;
      code = zone = nl = present = 0u;
    }
    cid[i] = id;
    cdelta[i] = delta;
    cts[i] = ts;
    ccode[i] = code;
    cnlen[i] = (u8)nl;
    cx[i] = x;
    cy[i] = y;
    czone[i] = zone;
    clevel[i] = level;
    cpresent[i] = present;
    cbad[i] = ok ? 0u : 1u;
  }
  const u32 b = __ballot_sync(FULL, !ok);
  const u32 sf = __reduce_add_sync(FULL, nf);
  if ((threadIdx.x & 31u) == 0u) {
    if (b) atomicAdd(&stats[0], (u64)__popc(b));
    if (sf) atomicAdd(&stats[1], (u64)sf);
  }
}
"""


def pb_src():
    return fill_source(PB_CUDA, SEED=hex(PB_SEED), BAD=PB_BAD, NAME=PB_NAME,
                       ALPH=", ".join(str(c) for c in PB_ALPHABET))


PB_SRC = pb_src()


def _signed(v, bits):
    return v - (1 << bits) if v >> (bits - 1) else v


def pb_fields_py(i):
    """Message i's fields as pb_fields draws them (a dict), in Python ints."""
    e = [splitmix64(i ^ PB_SEED)]
    for _ in range(5):
        e.append(splitmix64(e[-1]))
    e0, e1, e2, e3, e4, e5 = e
    f = dict(id=e0 >> (e1 & 63), delta=_signed(e1 >> 32, 32) >> ((e1 >> 8) & 31), ts=0 if e3 & 15 == 0 else e2,
             code=0 if (e3 >> 4) & 3 == 0 else (e2 >> 20) & M32, nlen=((e3 >> 8) % (PB_NAME + 1)),
             loc=(e3 >> 16) & 7 != 0, x=_signed(e4, 64) >> (e5 & 63), y=_signed(e5, 64) >> ((e4 >> 6) & 63),
             zone=(e5 >> 32) >> ((e5 >> 12) & 31), level=(e3 >> 20) % 11 - 5, uk=(e3 >> 24) & 3,
             unk=e4 >> ((e5 >> 20) & 63), ulen=(e3 >> 26) & 15, bad=((e3 >> 32) & 255) < PB_BAD, kind=(e3 >> 40) & 1,
             cut=1 + (e3 >> 41) % 9)
    if f["bad"]:
        if f["kind"] == 0:
            f["level"] = -1 - (e3 >> 20) % 5
        else:
            f["loc"] = True
            f["zone"] |= 128
    f["name"] = bytes(PB_ALPHABET[(splitmix64(((i << 2) | (k // 10)) ^ (PB_SEED << 1)) >> (6 * (k % 10))) & 63]
                      for k in range(f["nlen"]))
    f["ubytes"] = bytes(splitmix64(((i << 4) | b) ^ (PB_SEED << 2)) & 0xFF for b in range(f["ulen"]))
    return f


def pb_encode_py(f):
    """Protobuf wire bytes of a field dict, built by hand: varints 7 bits a byte low first, zigzag, little-endian
    fixed32/64 by struct; a malformed message's bytes truncated after encoding."""
    def varint(v):
        v &= M64
        out = bytearray()
        while v >= 0x80:
            out.append((v & 0x7F) | 0x80)
            v >>= 7
        out.append(v)
        return bytes(out)

    def key(field, wt):
        return varint(field << 3 | wt)

    def zigzag(v, bits):
        return ((v << 1) ^ (v >> (bits - 1))) & ((1 << bits) - 1)
    msg = b""
    if f["id"]:
        msg += key(1, 0) + varint(f["id"])
    if f["delta"]:
        msg += key(2, 0) + varint(zigzag(f["delta"], 32))
    if f["ts"]:
        msg += key(3, 1) + struct.pack("<Q", f["ts"])
    if f["uk"] == 0:
        msg += key(9, 0) + varint(f["unk"])
    if f["code"]:
        msg += key(4, 5) + struct.pack("<I", f["code"])
    if f["nlen"]:
        msg += key(5, 2) + varint(len(f["name"])) + f["name"]
    if f["loc"]:
        loc = b""
        if f["x"]:
            loc += key(1, 0) + varint(zigzag(f["x"], 64))
        if f["y"]:
            loc += key(2, 0) + varint(zigzag(f["y"], 64))
        if f["zone"]:
            loc += key(3, 0) + varint(f["zone"])
        if f["bad"] and f["kind"] == 1:
            loc = loc[:-1]
        msg += key(6, 2) + varint(len(loc)) + loc
    if f["uk"] == 1:
        msg += key(12, 2) + varint(f["ulen"]) + f["ubytes"]
    if f["level"]:
        msg += key(7, 0) + varint(f["level"])  # int32: negative values sign-extended to 10 bytes
    if f["bad"] and f["kind"] == 0:
        msg = msg[:-f["cut"]]
    return msg


def protobuf(variant, clock):
    if variant != "decode":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=pb_src())
    lenk, genk, deck = (mod.get_function(k) for k in ("pb_len", "pb_gen", "pb_dec"))
    n = PB_MSGS
    gr = ((n + 255) // 256,)
    ln = cp.zeros(n, dtype=cp.uint32)
    lenk(gr, (256,), (U32(n), ln))
    off = (cp.cumsum(ln, dtype=cp.uint64) - ln).astype(cp.uint64)
    nbytes = int((off[-1:] + ln[-1:]).get()[0])
    data = cp.zeros(nbytes, dtype=cp.uint8)
    genk(gr, (256,), (U32(n), off, data))
    cid, cts = cp.zeros(n, dtype=cp.uint64), cp.zeros(n, dtype=cp.uint64)
    cx, cy = cp.zeros(n, dtype=cp.int64), cp.zeros(n, dtype=cp.int64)
    cdelta, clevel = cp.zeros(n, dtype=cp.int32), cp.zeros(n, dtype=cp.int32)
    ccode, czone, cpres = (cp.zeros(n, dtype=cp.uint32) for _ in range(3))
    cname = cp.zeros(n * PB_NAME, dtype=cp.uint8)
    cnlen, cbad = cp.zeros(n, dtype=cp.uint8), cp.zeros(n, dtype=cp.uint8)
    stats = cp.zeros(2, dtype=cp.uint64)
    state = {"cursor": 0, "msgs": PB_MSGS0, "done": 0}

    def run(m0, cnt):
        deck(((cnt + 127) // 128,), (128,), (data, off, ln, U32(m0), U32(cnt), cid, cdelta, cts, ccode, cname, cnlen,
                                             cx, cy, czone, clevel, cpres, cbad, stats))

    launch = wrapping_launch(state, "msgs", n, run)
    size_launch(launch, state, "msgs", PB_MIN_MSGS, PB_MAX_MSGS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every message; flags, ids and timestamps against their regeneration by CuPy's operators
    stats.fill(0)
    run(0, n)
    e0 = splitmix64_xp(cp.arange(n, dtype=cp.uint64) ^ U64(PB_SEED))
    e1 = splitmix64_xp(e0)
    e2 = splitmix64_xp(e1)
    e3 = splitmix64_xp(e2)
    want_bad = ((e3 >> U64(32)) & U64(255)) < U64(PB_BAD)
    hbad = cbad.get().astype(bool)
    hst = stats.get()
    flag_ok = bool(np.array_equal(hbad, want_bad.get())) and int(hst[0]) == int(hbad.sum())
    good = ~want_bad
    want_ts = cp.where((e3 & U64(15)) == U64(0), U64(0), e2)
    col_ok = bool((cid[good] == (e0 >> (e1 & U64(63)))[good]).all()) and bool((cts[good] == want_ts[good]).all())
    del e0, e1, e2, e3, want_ts, good
    # sampled messages (and a quarter as many malformed ones): bytes against Python's hand-built wire encoding of a
    # Python regeneration of their fields, columns against those fields
    rng = np.random.default_rng(71)
    badi = np.nonzero(hbad)[0]
    picks = sorted(set(rng.choice(n, min(n, PB_CHECK), replace=False).tolist()) |
                   set(rng.choice(badi, min(len(badi), PB_CHECK // 4), replace=False).tolist()))
    hoff, hln = off.get(), ln.get()
    cols = [c.get() for c in (cid, cdelta, cts, ccode, cnlen, cx, cy, czone, clevel, cpres)]
    bytes_good = cols_good = nbad = 0
    for i in picks:
        f = pb_fields_py(i)
        want_b = pb_encode_py(f)
        bytes_good += int(hln[i]) == len(want_b) and data[int(hoff[i]):int(hoff[i]) + len(want_b)].get().tobytes() \
            == want_b
        if f["bad"]:
            nbad += 1
            cols_good += bool(hbad[i]) and all(int(c[i]) == 0 for c in cols)
            continue
        loc = f["loc"]
        pres = sum(1 << k for k, v in ((1, f["id"]), (2, f["delta"]), (3, f["ts"]), (4, f["code"]), (5, f["nlen"]),
                                       (6, loc), (7, f["level"]), (9, f["uk"] == 0), (12, f["uk"] == 1)) if v)
        want = [f["id"], f["delta"], f["ts"], f["code"], f["nlen"], f["x"] if loc else 0, f["y"] if loc else 0,
                f["zone"] if loc else 0, f["level"], pres]
        got_name = cname[i * PB_NAME:i * PB_NAME + f["nlen"]].get().tobytes()
        cols_good += (not hbad[i]) and [int(c[i]) for c in cols] == want and got_name == f["name"]
    ok = flag_ok and col_ok and bytes_good == len(picks) and cols_good == len(picks)
    note(f"protobuf/{variant}: {state['done']} messages decoded after READY ({n} messages, {nbytes} bytes, "
         f"{int(hbad.sum())} malformed, {state['msgs']} messages a launch), {int(hst[1])} fields decoded; every "
         f"malformed flag (and the ballot count) equal to the generator's draw: {flag_ok}, every valid message's id "
         f"and ts equal to their regeneration by array operators: {col_ok}, {len(picks)} messages ({nbad} malformed) "
         f"equal byte for byte to Python's hand-built wire encoding: {bytes_good}, their columns (or malformed flag) "
         f"equal to Python's fields: {cols_good}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['msgs'] / per / 1e9:.3f} G messages/s, {state['msgs'] * nbytes / n / per / 1e9:.1f} GB/s), "
         f"{nl} a step")


# ---- geohash -------------------------------------------------------------------------------------------------------
GH_POINTS = 1 << 24        # points
GH_CLUSTERS = 4096         # city-like clusters of points
GH_CANDS = 1 << 21         # clustered draws whose 5-character cells make the table
GH_SEED = 0x6E0A
GH_CHARS = 12              # geohash characters a point (60 bits: 30 of longitude, 30 of latitude)
GH_BASE32 = b"0123456789bcdefghjkmnpqrstuvwxyz"
GH_R = 6371008.8           # the mean Earth radius, m
GH_POINTS0 = 1 << 20       # points a launch first; then as many as take about LAUNCH_S
GH_MIN_POINTS = 1 << 12
GH_MAX_POINTS = 1 << 27
GH_CHECK = 2048            # points compared with Python's geohash, lookup and haversine
GH_NONE = M32              # no cell

GH_CUDA = HEAD + r"""
#define SEED %SEED%ull
#define NCLUST %NCLUST%u
#define NONE 0xFFFFFFFFu
#define QMAX ((1u << 30) - 1u)
#define SLON (360.0 / 1073741824.0)
#define SLAT (180.0 / 1073741824.0)
#define RADIUS %RADIUS%f
__constant__ u8 B32[32] = {%B32%};
__device__ __forceinline__ double gh_u(u64 x) { return (double)(x >> 11) * (1.0 / 9007199254740992.0); }
// point `key`: 1/8 uniform, else around one of NCLUST cluster centres (latitudes -60..70) within +-0.02-0.47
// degrees; rounded operations (no contraction) so that Python's floats match them
__device__ __forceinline__ void gh_point(u64 key, double& lat, double& lon) {
  const u64 r = splitmix(key ^ SEED), r2 = splitmix(r), r3 = splitmix(r2), r4 = splitmix(r3), r5 = splitmix(r4);
  if ((r & 7ull) == 0ull) {
    lat = __dsub_rn(__dmul_rn(gh_u(r2), 180.0), 90.0);
    lon = __dsub_rn(__dmul_rn(gh_u(r3), 360.0), 180.0);
    return;
  }
  const u32 c = (u32)(r >> 3) % NCLUST;
  const u64 q = splitmix((u64)c ^ (SEED << 1)), q2 = splitmix(q);
  const double clat = __dsub_rn(__dmul_rn(gh_u(q), 130.0), 60.0), clon = __dsub_rn(__dmul_rn(gh_u(q2), 360.0), 180.0);
  const double sp = __dadd_rn(0.02, __dmul_rn((double)(c & 15u), 0.03));
  lat = __dadd_rn(clat, __dmul_rn(__dsub_rn(__dadd_rn(gh_u(r2), gh_u(r3)), 1.0), sp));
  lon = __dadd_rn(clon, __dmul_rn(__dsub_rn(__dadd_rn(gh_u(r4), gh_u(r5)), 1.0), sp));
  if (lon >= 180.0)
    lon = __dsub_rn(lon, 360.0);
  else if (lon < -180.0)
    lon = __dadd_rn(lon, 360.0);
}
// floor((x - lo) / step) in 0..QMAX, exactly: the division's guess corrected by compares with the grid points
// lo + q step, which fp64 holds exactly (q below 2^30, step 45 2^-27 or 45 2^-28, lo + q step a multiple of 2^-28
// below 2^9)
__device__ __forceinline__ u32 gh_q(double x, double lo, double step) {
  const double f = floor((x - lo) / step);
  long long q = f < 0.0 ? 0ll : f > (double)QMAX ? (long long)QMAX : (long long)f;
  while (q > 0 && x < lo + (double)q * step) --q;
  while (q < (long long)QMAX && x >= lo + (double)(q + 1) * step) ++q;
  return (u32)q;
}
// bit k of v to bit 2k
__device__ __forceinline__ u64 gh_spread(u32 v) {
  u64 x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFull;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFull;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0Full;
  x = (x | (x << 2)) & 0x3333333333333333ull;
  return (x | (x << 1)) & 0x5555555555555555ull;
}
// bit 2k of x to bit k
__device__ __forceinline__ u32 gh_compact(u64 x) {
  x &= 0x5555555555555555ull;
  x = (x | (x >> 1)) & 0x3333333333333333ull;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0Full;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFull;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFull;
  return (u32)((x | (x >> 16)) & 0xFFFFFFFFull);
}
// the 60-bit geohash code: longitude's bits at the odd places (its top bit first), latitude's at the even ones
__device__ __forceinline__ u64 gh_code(double lat, double lon) {
  return (gh_spread(gh_q(lon, -180.0, SLON)) << 1) | gh_spread(gh_q(lat, -90.0, SLAT));
}
// a thread a point: its coordinates
extern "C" __global__ void gh_points(u32 n, double* __restrict__ lat, double* __restrict__ lon) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) gh_point((u64)i, lat[i], lon[i]);
}
// a thread a draw: the 5-character (25-bit) cell of a clustered point from another key range
extern "C" __global__ void gh_cand(u32 k, u64* __restrict__ out) {
  const u32 c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= k) return;
  double lat, lon;
  gh_point((u64)c | (1ull << 40), lat, lon);
  out[c] = gh_code(lat, lon) >> 35;
}
// a thread a distinct 5-character cell u5[j]: 33 table entries from 33 j, entry 0 the cell itself unless it is split
// (1 in 4), entries 1-32 its 6-character children, half of them kept, if it is; an entry's start its first 60-bit
// code, len its characters (0: no entry)
extern "C" __global__ void gh_expand(u32 nu, const u64* __restrict__ u5, u64* __restrict__ starts,
                                     u8* __restrict__ lens) {
  const u32 j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= nu) return;
  const u64 u = u5[j];
  const bool split = (splitmix(u ^ (SEED << 3)) & 3ull) == 0ull;
  starts[33ull * j] = u << 35;
  lens[33ull * j] = split ? 0u : 5u;
  for (u32 e = 0; e < 32u; ++e) {
    const u64 ch = (u << 5) | e;
    starts[33ull * j + 1u + e] = ch << 30;
    lens[33ull * j + 1u + e] = split && (splitmix(ch ^ (SEED << 4)) & 1ull) ? 6u : 0u;
  }
}
// a thread a point p0 + t: its code and 12 base32 characters, its cell (the last start <= code, if the code is
// inside it) by binary search of the ncell sorted starts, the haversine distance to the cell's centre (fp64
// differences, fp32 trigonometry; -1 without a cell); points a cell by atomicAdd, matched points by a warp ballot
// into stats[0]
extern "C" __global__ void gh_join(const double* __restrict__ lat, const double* __restrict__ lon, u32 p0, u32 cnt,
                                   const u64* __restrict__ starts, const u8* __restrict__ lens, u32 ncell,
                                   u64* __restrict__ codes, u8* __restrict__ chars, u32* __restrict__ cell,
                                   float* __restrict__ dist, u32* __restrict__ counts, u64* __restrict__ stats) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  bool hit = false;
  if (t < cnt) {
    const u32 i = p0 + t;
    const double la = lat[i], lo = lon[i];
    const u64 code = gh_code(la, lo);
    codes[i] = code;
    u8* ch = chars + 12ull * i;
#pragma unroll
    for (u32 k = 0; k < 12u; ++k) ch[k] = B32[(code >> (55u - 5u * k)) & 31ull];
    u32 a = 0u, b = ncell;
    while (a < b) {
      const u32 mid = (a + b) >> 1;
      if (starts[mid] <= code)
        a = mid + 1u;
      else
        b = mid;
    }
    u32 c = NONE;
    float dm = -1.0f;
    if (a > 0u) {
      const u64 s = starts[a - 1u];
      const u32 nb = 5u * lens[a - 1u], nlon = (nb + 1u) >> 1, nlat = nb >> 1;
      if (code - s < (1ull << (60u - nb))) {
        c = a - 1u;
        hit = true;
        atomicAdd(&counts[c], 1u);
        // the cell's centre: its lower corner on the 30-bit grids plus half its size, exact in fp64
        const double clon = -180.0 + (double)(gh_compact(s >> 1) + (1u << (29u - nlon))) * SLON;
        const double clat = -90.0 + (double)(gh_compact(s) + (1u << (29u - nlat))) * SLAT;
        const float rad = 0.017453292519943295f;
        const float s1 = sinf(0.5f * rad * (float)(la - clat)), s2 = sinf(0.5f * rad * (float)(lo - clon));
        const float h = s1 * s1 + cosf(rad * (float)la) * cosf(rad * (float)clat) * s2 * s2;
        dm = 2.0f * (float)RADIUS * asinf(sqrtf(fminf(h, 1.0f)));
      }
    }
    cell[i] = c;
    dist[i] = dm;
  }
  const u32 bb = __ballot_sync(FULL, hit);
  if ((threadIdx.x & 31u) == 0u && bb) atomicAdd(&stats[0], (u64)__popc(bb));
}
"""


def gh_src():
    return fill_source(GH_CUDA, SEED=hex(GH_SEED), NCLUST=GH_CLUSTERS, RADIUS=GH_R,
                       B32=", ".join(str(c) for c in GH_BASE32))


GH_SRC = gh_src()


def gh_point_py(key):
    """Point `key`'s (lat, lon) as gh_point makes it, in Python floats."""
    def u(x):
        return (x >> 11) * 2.0 ** -53
    r = splitmix64(key ^ GH_SEED)
    r2 = splitmix64(r)
    r3 = splitmix64(r2)
    r4 = splitmix64(r3)
    r5 = splitmix64(r4)
    if r & 7 == 0:
        return u(r2) * 180.0 - 90.0, u(r3) * 360.0 - 180.0
    c = ((r >> 3) & M32) % GH_CLUSTERS
    q = splitmix64(c ^ (GH_SEED << 1))
    clat, clon = u(q) * 130.0 - 60.0, u(splitmix64(q)) * 360.0 - 180.0
    sp = 0.02 + (c & 15) * 0.03
    lat = clat + ((u(r2) + u(r3)) - 1.0) * sp
    lon = clon + ((u(r4) + u(r5)) - 1.0) * sp
    if lon >= 180.0:
        lon -= 360.0
    elif lon < -180.0:
        lon += 360.0
    return lat, lon


def geohash_py(lat, lon, chars=GH_CHARS):
    """The classic geohash by interval bisection (longitude first, a point on a midpoint going up): (string, bits)."""
    la, lo, bits = [-90.0, 90.0], [-180.0, 180.0], 0
    for k in range(5 * chars):
        iv, x = (lo, lon) if k % 2 == 0 else (la, lat)
        mid = (iv[0] + iv[1]) / 2
        up = x >= mid
        iv[0 if up else 1] = mid
        bits = bits << 1 | up
    return "".join(chr(GH_BASE32[(bits >> (5 * (chars - 1 - j))) & 31]) for j in range(chars)), bits


def geohash_centre_py(prefix):
    """The centre (lat, lon) of a geohash prefix's cell, by bisection."""
    la, lo, k = [-90.0, 90.0], [-180.0, 180.0], 0
    for ch in prefix:
        v = GH_BASE32.index(ord(ch))
        for b in range(4, -1, -1):
            iv = lo if k % 2 == 0 else la
            iv[0 if (v >> b) & 1 else 1] = (iv[0] + iv[1]) / 2
            k += 1
    return (la[0] + la[1]) / 2, (lo[0] + lo[1]) / 2


def geohash_corner_py(prefix):
    """The lower (south-west) corner (lat, lon) of a geohash prefix's cell, by bisection."""
    la, lo, k = [-90.0, 90.0], [-180.0, 180.0], 0
    for ch in prefix:
        v = GH_BASE32.index(ord(ch))
        for b in range(4, -1, -1):
            iv = lo if k % 2 == 0 else la
            iv[0 if (v >> b) & 1 else 1] = (iv[0] + iv[1]) / 2
            k += 1
    return la[0], lo[0]


def haversine_py(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p1 - p2) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon1 - lon2) / 2) ** 2
    return 2 * GH_R * math.asin(math.sqrt(min(h, 1.0)))


def gh_codes_xp(lat, lon, xp):
    """The 60-bit codes of arrays of coordinates by xp's (CuPy's) array operators: quantized by division, corrected
    by a compare each way with the exact grid points, interleaved by masks."""
    def quant(x, lo, step):
        q = ((x - lo) / step).astype(xp.int64)
        q = xp.where(q < 0, 0, xp.where(q > (1 << 30) - 1, (1 << 30) - 1, q))
        q = xp.where((q > 0) & (x < lo + q * step), q - 1, q)
        return xp.where((q < (1 << 30) - 1) & (x >= lo + (q + 1) * step), q + 1, q).astype(xp.uint64)

    def spread(x):
        for s, mk in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF), (4, 0x0F0F0F0F0F0F0F0F),
                      (2, 0x3333333333333333), (1, 0x5555555555555555)):
            x = (x | (x << U64(s))) & U64(mk)
        return x
    return (spread(quant(lon, -180.0, 360.0 / 2 ** 30)) << U64(1)) | spread(quant(lat, -90.0, 180.0 / 2 ** 30))


def geohash(variant, clock):
    if variant != "join":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=gh_src())
    ptk, candk, expk, joink = (mod.get_function(k) for k in ("gh_points", "gh_cand", "gh_expand", "gh_join"))
    n = GH_POINTS
    lat, lon = cp.zeros(n, dtype=cp.float64), cp.zeros(n, dtype=cp.float64)
    ptk(((n + 255) // 256,), (256,), (U32(n), lat, lon))
    # the cell table: distinct 5-character cells of clustered draws, some split into 6-character children
    cand = cp.zeros(GH_CANDS, dtype=cp.uint64)
    candk(((GH_CANDS + 255) // 256,), (256,), (U32(GH_CANDS), cand))
    cand = cp.sort(cand)
    u5 = cand[cp.concatenate([cp.ones(1, dtype=bool), cand[1:] != cand[:-1]])]
    del cand
    nu = len(u5)
    st = cp.zeros(33 * nu, dtype=cp.uint64)
    le = cp.zeros(33 * nu, dtype=cp.uint8)
    expk(((nu + 255) // 256,), (256,), (U32(nu), u5, st, le))
    keep = le > 0
    starts, lens = st[keep], le[keep]
    del st, le, keep
    ncell = len(starts)
    codes = cp.zeros(n, dtype=cp.uint64)
    chars = cp.zeros(GH_CHARS * n, dtype=cp.uint8)
    cell = cp.zeros(n, dtype=cp.uint32)
    dist = cp.zeros(n, dtype=cp.float32)
    counts = cp.zeros(ncell, dtype=cp.uint32)
    stats = cp.zeros(1, dtype=cp.uint64)
    state = {"cursor": 0, "points": GH_POINTS0, "done": 0}

    def clear():
        counts.fill(0)

    def run(p0, cnt):
        joink(((cnt + 255) // 256,), (256,), (lat, lon, U32(p0), U32(cnt), starts, lens, U32(ncell), codes, chars,
                                              cell, dist, counts, stats))

    launch = wrapping_launch(state, "points", n, run, on_wrap=clear)
    size_launch(launch, state, "points", GH_MIN_POINTS, GH_MAX_POINTS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every point into clear counters: codes, cells and counts against CuPy's array operators
    clear()
    stats.fill(0)
    run(0, n)
    code_ok = bool((gh_codes_xp(lat, lon, cp) == codes).all())
    span = cp.where(lens == 5, U64(1 << 35), U64(1 << 30))  # 5 or 6 characters
    k = cp.searchsorted(starts, codes, side="right").astype(cp.int64) - 1
    kc = cp.where(k < 0, 0, k)
    inside = (k >= 0) & ((codes - starts[kc]) < span[kc])
    want_cell = cp.where(inside, kc, GH_NONE).astype(cp.uint32)
    cell_ok = bool((want_cell == cell).all())
    nhit = int(inside.sum())
    count_ok = bool((cp.bincount(kc[inside], minlength=ncell) == counts).all()) and int(stats.get()[0]) == nhit
    del span, k, kc, inside, want_cell
    # sampled points: coordinates against Python's regeneration, the geohash against Python's bisection, the cell by
    # bisect_right in the table, the distance against Python's fp64 haversine to the decoded prefix's centre
    rng = np.random.default_rng(72)
    picks = np.sort(rng.choice(n, min(n, GH_CHECK), replace=False))
    hs, hl = starts.get().tolist(), lens.get().tolist()
    ip = cp.asarray(picks)
    plat, plon, pcell, pdist = lat[ip].get(), lon[ip].get(), cell[ip].get(), dist[ip].get()
    hchars = chars.reshape(n, GH_CHARS)[ip].get()
    pt_good = gh_good = cell_good = dist_good = 0
    worst = 0.0
    for j, i in enumerate(picks.tolist()):
        la, lo = gh_point_py(i)
        pt_good += float(plat[j]) == la and float(plon[j]) == lo
        s, bits = geohash_py(la, lo)
        gh_good += hchars[j].tobytes().decode() == s
        c = bisect.bisect_right(hs, bits) - 1
        c = c if c >= 0 and bits - hs[c] < 1 << (60 - 5 * hl[c]) else GH_NONE
        cell_good += int(pcell[j]) == c
        if c == GH_NONE:
            dist_good += float(pdist[j]) == -1.0
            continue
        want_d = haversine_py(la, lo, *geohash_centre_py(s[:hl[c]]))
        err = abs(float(pdist[j]) - want_d)
        worst = max(worst, err / max(want_d, 1.0))
        dist_good += err <= 1e-5 * want_d + 1e-3  # fp32 trigonometry: about 1e-7 relative
    # cell corners, where a >= or a <= decides: the lower corner of sampled cells (by Python's bisection of their
    # prefix) and the point an ulp below it, through the join kernel, against Python's geohash and bisect_right
    cidx = np.sort(rng.choice(ncell, min(ncell, GH_CHECK // 32), replace=False)).tolist()
    tl = []
    for c in cidx:
        prefix = "".join(chr(GH_BASE32[(hs[c] >> (55 - 5 * j)) & 31]) for j in range(hl[c]))
        la0, lo0 = geohash_corner_py(prefix)
        tl += [(la0, lo0), (math.nextafter(la0, -math.inf), math.nextafter(lo0, -math.inf))]
    nt = len(tl)
    tcell = cp.zeros(nt, dtype=cp.uint32)
    joink((1,), (max(32, (nt + 31) // 32 * 32),),
          (cp.asarray(np.array([a for a, _ in tl])), cp.asarray(np.array([b for _, b in tl])), U32(0), U32(nt),
           starts, lens, U32(ncell), cp.zeros(nt, dtype=cp.uint64), cp.zeros(GH_CHARS * nt, dtype=cp.uint8), tcell,
           cp.zeros(nt, dtype=cp.float32), cp.zeros(ncell, dtype=cp.uint32), cp.zeros(1, dtype=cp.uint64)))
    want_c = []
    for la, lo in tl:
        bits = geohash_py(la, lo)[1]
        c = bisect.bisect_right(hs, bits) - 1
        want_c.append(c if c >= 0 and bits - hs[c] < 1 << (60 - 5 * hl[c]) else GH_NONE)
    corner_ok = tcell.get().tolist() == want_c and want_c[::2] == cidx
    nck = len(picks)
    ok = code_ok and cell_ok and count_ok and pt_good == nck and gh_good == nck and cell_good == nck and \
        dist_good == nck and corner_ok
    n6 = int((lens == 6).sum())
    note(f"geohash/{variant}: {state['done']} points joined after READY ({n} points, {ncell} cells ({ncell - n6} of 5 "
         f"characters, {n6} of 6) from {nu} distinct 5-character draws, {state['points']} points a launch), {nhit} "
         f"points in a cell; every code equal to CuPy's quantization and interleaving: {code_ok}, every cell equal to "
         f"cupy.searchsorted's: {cell_ok}, counts equal to cupy.bincount's and the ballot's: {count_ok}, {nck} points' "
         f"coordinates equal to Python's regeneration: {pt_good}, geohashes equal to Python's bisection: {gh_good}, "
         f"cells equal to bisect_right's: {cell_good}, distances within 1e-5 of Python's fp64 haversine: {dist_good} "
         f"(worst {worst:.1e}), {len(cidx)} cells' corners and the points an ulp below them in the cells "
         f"bisect_right gives: {corner_ok}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['points'] / per / 1e9:.3f} G points/s), {nl} a step")


# ---- go ------------------------------------------------------------------------------------------------------------
GO_PLAYOUTS = 1 << 20      # playouts (a pass over them, then again)
GO_SEED = 0x6090
GO_MAXMOVES = 3 * 81       # moves (passes included) a playout at most, then scored as it stands
GO_KOMI2 = 15              # twice komi 7.5: black wins when twice its area lead is above it
GO_PLAYOUTS0 = 1 << 14     # playouts a launch first; then as many as take about LAUNCH_S
GO_MIN_PLAYOUTS = 1 << 8
GO_MAX_PLAYOUTS = 1 << 22
GO_CHECK = 256             # playouts replayed in Python (about 2 ms each)
GOLDEN = 0x9E3779B97F4A7C15


def _bb_mask(pred):
    v = sum(1 << p for p in range(81) if pred(p))
    return f"{v & M64:#x}ull", f"{v >> 64:#x}ull"


GO_CUDA = HEAD + r"""
#define SEED %SEED%ull
#define MAXMOVES %MAXMOVES%u
#define KOMI2 %KOMI2%
// a 9 x 9 bitboard: point 9 row + col, points 0-63 in lo, 64-80 in hi
struct bb {
  u64 lo, hi;
};
__device__ __forceinline__ bb mk(u64 lo, u64 hi) {
  bb r;
  r.lo = lo;
  r.hi = hi;
  return r;
}
__device__ __forceinline__ bb operator&(bb a, bb b) { return mk(a.lo & b.lo, a.hi & b.hi); }
__device__ __forceinline__ bb operator|(bb a, bb b) { return mk(a.lo | b.lo, a.hi | b.hi); }
__device__ __forceinline__ bb operator~(bb a) { return mk(~a.lo, ~a.hi & 0x1FFFFull); }
__device__ __forceinline__ bool operator==(bb a, bb b) { return a.lo == b.lo && a.hi == b.hi; }
__device__ __forceinline__ bool nz(bb a) { return (a.lo | a.hi) != 0ull; }
__device__ __forceinline__ u32 pop(bb a) { return (u32)(__popcll(a.lo) + __popcll(a.hi)); }
__device__ __forceinline__ bb bit(u32 p) { return p < 64u ? mk(1ull << p, 0ull) : mk(0ull, 1ull << (p - 64u)); }
__device__ __forceinline__ bool has(bb a, u32 p) { return ((p < 64u ? a.lo >> p : a.hi >> (p - 64u)) & 1ull) != 0ull; }
__device__ __forceinline__ u32 low(bb a) {
  return a.lo ? (u32)__ffsll((long long)a.lo) - 1u : 63u + (u32)__ffsll((long long)a.hi);
}
// shifts toward higher and lower points (k < 64), off the board's 81 points dropped
__device__ __forceinline__ bb shl(bb a, u32 k) {
  return mk(a.lo << k, ((a.hi << k) | (a.lo >> (64u - k))) & 0x1FFFFull);
}
__device__ __forceinline__ bb shr(bb a, u32 k) { return mk((a.lo >> k) | (a.hi << (64u - k)), a.hi >> k); }
// the points that are not in column 0, and not in column 8 (a shift by 1, 8 or 10 wraps into them)
__device__ __forceinline__ bb nc0() { return mk(%NC0LO%, %NC0HI%); }
__device__ __forceinline__ bb nc8() { return mk(%NC8LO%, %NC8HI%); }
// orthogonal and diagonal neighbours
__device__ __forceinline__ bb nbr(bb a) {
  return (shl(a, 1u) & nc0()) | (shr(a, 1u) & nc8()) | shl(a, 9u) | shr(a, 9u);
}
__device__ __forceinline__ bb diag(bb a) {
  return (shl(a, 10u) & nc0()) | (shl(a, 8u) & nc8()) | (shr(a, 8u) & nc0()) | (shr(a, 10u) & nc8());
}
// the points of `within` connected to seed through `within`
__device__ __forceinline__ bb flood(bb seed, bb within) {
  bb g = seed;
  for (;;) {
    const bb n = (g | nbr(g)) & within;
    if (n == g) return g;
    g = n;
  }
}
// p is one's own eye: every orthogonal neighbour one's own, at most one diagonal enemy (none on the edge)
__device__ __forceinline__ bool go_eye(bb own, bb opp, u32 p) {
  const bb pm = bit(p), n = nbr(pm);
  if (!((n & own) == n)) return false;
  const bb d = diag(pm);
  const u32 e = pop(d & opp);
  return pop(d) < 4u ? e == 0u : e <= 1u;
}
// own plays p: the adjacent enemy groups left without liberties captured; false (nothing changed) for a suicide;
// the captured stones to cap
__device__ __forceinline__ bool go_move(bb& own, bb& opp, u32 p, bb& cap) {
  const bb pm = bit(p), o = own | pm;
  const bb empty = ~(o | opp);
  cap = mk(0ull, 0ull);
  bb adj = nbr(pm) & opp;
  while (nz(adj)) {
    const bb g = flood(bit(low(adj)), opp);
    if (!nz(nbr(g) & empty)) cap = cap | g;
    adj = adj & ~g;
  }
  const bb op = opp & ~cap;
  if (!nz(cap) && !nz(nbr(flood(pm, o)) & ~(o | op))) return false;
  own = o;
  opp = op;
  return true;
}
// a thread a playout p0 + t (id): black's first move id mod 81, then a splitmix64 draw a turn, the first legal move
// from a random point on played (or a pass); at two passes or MAXMOVES moves scored by Tromp-Taylor area. The final
// board (black lo, hi, white lo, hi) to board, moves, captures and black's area lead to info, black's wins and the
// playouts of each first move by atomicAdd; black's wins by a warp ballot and moves by a warp sum into stats
extern "C" __global__ void go_play(u32 p0, u32 cnt, u64* __restrict__ board, int* __restrict__ info,
                                   u32* __restrict__ wins, u32* __restrict__ visits, u64* __restrict__ stats) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  bool bwin = false;
  u32 moves = 0u;
  if (t < cnt) {
    const u32 id = p0 + t, first = id % 81u;
    u64 st = splitmix((u64)id ^ SEED);
    bb s[2];
    s[0] = bit(first);
    s[1] = mk(0ull, 0ull);
    u32 c = 1u, passes = 0u, caps = 0u;
    int ko = -1;
    moves = 1u;
    while (moves < MAXMOVES) {
      const u64 r = splitmix(st);
      st += 0x9E3779B97F4A7C15ull;
      u32 p = (u32)(((r >> 32) * 81ull) >> 32);
      const bb empty = ~(s[0] | s[1]);
      bool played = false;
      for (u32 k = 0; k < 81u; ++k, p = p == 80u ? 0u : p + 1u) {
        if (!has(empty, p) || (int)p == ko || go_eye(s[c], s[c ^ 1u], p)) continue;
        bb cap;
        if (!go_move(s[c], s[c ^ 1u], p, cap)) continue;
        played = true;
        const u32 nc = pop(cap);
        caps += nc;
        const bb pm = bit(p);
        // simple ko: a lone stone that took one stone and has that point as its only liberty
        ko = nc == 1u && !nz(nbr(pm) & s[c]) && pop(nbr(pm) & ~(s[0] | s[1])) == 1u ? (int)low(cap) : -1;
        break;
      }
      ++moves;
      if (played) {
        passes = 0u;
      } else {
        ko = -1;
        if (++passes == 2u) break;
      }
      c ^= 1u;
    }
    const bb empty = ~(s[0] | s[1]);
    const bb rb = flood(s[0], s[0] | empty) & empty, rw = flood(s[1], s[1] | empty) & empty;
    const int lead = (int)(pop(s[0]) + pop(rb & ~rw)) - (int)(pop(s[1]) + pop(rw & ~rb));
    bwin = 2 * lead > KOMI2;
    board[4ull * id] = s[0].lo;
    board[4ull * id + 1u] = s[0].hi;
    board[4ull * id + 2u] = s[1].lo;
    board[4ull * id + 3u] = s[1].hi;
    info[3ull * id] = (int)moves;
    info[3ull * id + 1u] = (int)caps;
    info[3ull * id + 2u] = lead;
    if (bwin) atomicAdd(&wins[first], 1u);
    atomicAdd(&visits[first], 1u);
  }
  const u32 b = __ballot_sync(FULL, bwin);
  const u32 sm = __reduce_add_sync(FULL, moves);
  if ((threadIdx.x & 31u) == 0u) {
    if (b) atomicAdd(&stats[0], (u64)__popc(b));
    if (sm) atomicAdd(&stats[1], (u64)sm);
  }
}
"""


def go_src():
    nc0, nc8 = _bb_mask(lambda p: p % 9 != 0), _bb_mask(lambda p: p % 9 != 8)
    return fill_source(GO_CUDA, SEED=hex(GO_SEED), MAXMOVES=GO_MAXMOVES, KOMI2=GO_KOMI2, NC0LO=nc0[0], NC0HI=nc0[1],
                       NC8LO=nc8[0], NC8HI=nc8[1])


GO_SRC = go_src()
GO_NB = [[q for q, ok in ((p - 9, p >= 9), (p + 9, p < 72), (p - 1, p % 9), (p + 1, p % 9 != 8)) if ok]
         for p in range(81)]
GO_DG = [[r * 9 + c for r, c in ((p // 9 + dr, p % 9 + dc) for dr in (-1, 1) for dc in (-1, 1))
          if 0 <= r < 9 and 0 <= c < 9] for p in range(81)]


def go_playout_py(pid):
    """Playout pid on a list board (0 empty, 1 black, 2 white) with breadth-first groups and liberties, by the
    kernel's rules: (black's points, white's points, moves, captures, black's area lead)."""
    b = [0] * 81

    def group(p):
        col, seen, libs, todo = b[p], {p}, set(), [p]
        while todo:
            q = todo.pop()
            for r in GO_NB[q]:
                if b[r] == 0:
                    libs.add(r)
                elif b[r] == col and r not in seen:
                    seen.add(r)
                    todo.append(r)
        return seen, libs

    def eye(p, col):
        if any(b[q] != col for q in GO_NB[p]):
            return False
        enemy = sum(b[q] == 3 - col for q in GO_DG[p])
        return enemy == 0 if len(GO_DG[p]) < 4 else enemy <= 1
    st = splitmix64(pid ^ GO_SEED)
    b[pid % 81] = 1
    col, ko, passes, moves, caps = 2, -1, 0, 1, 0
    while moves < GO_MAXMOVES:
        r = splitmix64(st)
        st = (st + GOLDEN) & M64
        start = ((r >> 32) * 81) >> 32
        played = False
        for k in range(81):
            p = (start + k) % 81
            if b[p] or p == ko or eye(p, col):
                continue
            b[p] = col
            taken = set()
            for q in GO_NB[p]:
                if b[q] == 3 - col and q not in taken:
                    g, libs = group(q)
                    if not libs:
                        taken |= g
            if not taken and not group(p)[1]:
                b[p] = 0
                continue
            for q in taken:
                b[q] = 0
            caps += len(taken)
            alone = all(b[q] != col for q in GO_NB[p])
            ko = next(iter(taken)) if len(taken) == 1 and alone and len(group(p)[1]) == 1 else -1
            played = True
            break
        moves += 1
        if played:
            passes = 0
        else:
            ko = -1
            passes += 1
            if passes == 2:
                break
        col = 3 - col
    # Tromp-Taylor: an empty region counts for the one colour it borders, if only one
    area = [0, sum(v == 1 for v in b), sum(v == 2 for v in b)]
    seen = set()
    for p in range(81):
        if b[p] or p in seen:
            continue
        region, border, todo = {p}, set(), [p]
        while todo:
            q = todo.pop()
            for r in GO_NB[q]:
                if b[r]:
                    border.add(b[r])
                elif r not in region:
                    region.add(r)
                    todo.append(r)
        seen |= region
        if len(border) == 1:
            area[border.pop()] += len(region)
    return ([p for p in range(81) if b[p] == 1], [p for p in range(81) if b[p] == 2], moves, caps, area[1] - area[2])


def go(variant, clock):
    if variant != "playout":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    playk = cp.RawModule(code=go_src()).get_function("go_play")
    n = GO_PLAYOUTS
    board = cp.zeros(4 * n, dtype=cp.uint64)
    info = cp.zeros(3 * n, dtype=cp.int32)
    wins, visits = cp.zeros(81, dtype=cp.uint32), cp.zeros(81, dtype=cp.uint32)
    stats = cp.zeros(2, dtype=cp.uint64)
    state = {"cursor": 0, "playouts": GO_PLAYOUTS0, "done": 0}

    def clear():
        wins.fill(0)
        visits.fill(0)

    def run(p0, cnt):
        playk(((cnt + 127) // 128,), (128,), (U32(p0), U32(cnt), board, info, wins, visits, stats))

    launch = wrapping_launch(state, "playouts", n, run, on_wrap=clear)
    size_launch(launch, state, "playouts", GO_MIN_PLAYOUTS, GO_MAX_PLAYOUTS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every playout into clear counters: wins and visits against cupy.bincount of the scores
    clear()
    stats.fill(0)
    run(0, n)
    hinfo = info.reshape(n, 3)
    first = cp.arange(n, dtype=cp.int64) % 81
    bw = (2 * hinfo[:, 2].astype(cp.int64) > GO_KOMI2)
    want_w = cp.bincount(first[bw], minlength=81)
    want_v = cp.bincount(first, minlength=81)
    hst = stats.get()
    nwin = int(bw.sum())
    count_ok = bool((want_w == wins).all()) and bool((want_v == visits).all()) and int(hst[0]) == nwin
    bd = board.reshape(n, 4)
    disjoint_ok = not bool(((bd[:, 0] & bd[:, 2]) | (bd[:, 1] & bd[:, 3])).any())
    stones = (popcount64(bd, xp=cp).reshape(n, 4).sum(axis=1)).astype(cp.int64)
    del bd, first, bw
    # sampled playouts replayed in Python on a list board
    rng = np.random.default_rng(73)
    picks = np.sort(rng.choice(n, min(n, GO_CHECK), replace=False)).tolist()
    play_good = 0
    for i in picks:
        black, white, mv, caps, lead = go_playout_py(i)
        w = board[4 * i:4 * i + 4].get().tolist()
        got_b = [p for p in range(81) if ((w[0] | w[1] << 64) >> p) & 1]
        got_w = [p for p in range(81) if ((w[2] | w[3] << 64) >> p) & 1]
        play_good += got_b == black and got_w == white and info[3 * i:3 * i + 3].get().tolist() == [mv, caps, lead]
    ok = count_ok and disjoint_ok and play_good == len(picks)
    hmv = hinfo[:, 0].get()
    best = int(cp.argmax(wins.astype(cp.float64) / visits))
    note(f"go/{variant}: {state['done']} playouts after READY ({n} 9x9 playouts from the empty board, "
         f"{state['playouts']} playouts a launch), {int(hst[1]) / n:.1f} moves a playout "
         f"({int((hmv >= GO_MAXMOVES).sum())} stopped at {GO_MAXMOVES}), {float(stones.mean()):.1f} stones at the "
         f"end, black wins {nwin / n:.3f} with komi {GO_KOMI2 / 2}, best first move {best}; wins and visits of "
         f"every first move equal to cupy.bincount's and the ballot's: {count_ok}, no point of both colours: "
         f"{disjoint_ok}, {len(picks)} playouts replayed in Python on a list board with equal boards, moves, captures "
         f"and scores: {play_good}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['playouts'] / per / 1e6:.2f} M playouts/s), {nl} a step")
