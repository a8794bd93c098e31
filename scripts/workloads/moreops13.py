"""Miller-Rabin primality testing, multispin-coded Ising Metropolis, triangle counting, base64 coding with UTF-8
validation and WalkSAT on random 3-SAT (label 0).

A thirteenth set of benign work, five kinds that look like hashing in pipe-activity terms (64-bit integer multiply
chains, bit logic, or irregular dependent reads) and that training had no kin of:

  primes      deterministic Miller-Rabin testing of 64-bit odd candidates (a thread a candidate, the 12 prime bases
              2..37 that decide every n < 3.3e24, Montgomery multiplication with __umul64hi), the candidates a moving
              range above 0xB7E1...; primes counted and their splitmix hashes xor-ed. Compute-bound 64-bit multiply
              chains; threads a launch timed at set-up to about 30 ms.
  ising       2-D Ising Metropolis (beta 0.44, near critical) on a 2^15 x 2^15 torus, 64 spins a word along a row,
              checkerboard half-sweeps (neighbours by shifts and the words above and below, the number of
              anti-aligned neighbours by bit-sliced adders, acceptance by comparing splitmix randoms of (sweep,
              colour, word) with precomputed 32-bit thresholds); sweeps a launch timed at set-up to about 30 ms.
  triangle    triangle counting on a power-law (Chung-Lu-like, exponent 3) graph of 2^21 nodes and about 2^25
              distinct edges made on the GPU, oriented from lower to higher (degree, id), sorted adjacency lists; a
              thread an edge walks the shorter list and binary-searches the longer. Integer compares, irregular
              reads; edges a launch timed to about 30 ms, wrapping round the edge list.
  base64      base64 encoding of 1.5 GiB of random bytes (a thread 12 bytes: __byte_perm, the alphabet by
              arithmetic), decoding back (a shared-memory table) compared with the original on the GPU, and UTF-8
              validation of 512 MiB of generated multilingual text (a thread 16 bytes, a position-local rule: pending
              continuations, overlongs, surrogates, > U+10FFFF), 1 page in 8 of 4 KiB with a planted bad sequence.
  walksat     WalkSAT (SKC, noise 0.567) on 16384 random 3-SAT instances of 256 variables and 1076 clauses (ratio
              4.2), a warp an instance: assignment bits and true-literal counts in shared memory, the picked
              unsatisfied clause by ballots, break counts from the variables' occurrence lists, a counter-based
              splitmix RNG of (instance, step); a solved instance is recorded and restarts from a fresh assignment.
              Steps a launch timed at set-up to about 30 ms.

Self-checks, printed with the summary line (`agree:`): primes recomputes 256 candidates' verdicts (and 8 of its
primes) with Python's pow(a, d, n), and the count and hash from the verdicts; ising runs one more sweep and replays
16 words of each half in Python, and checks the kernel's up-spin count against the lattice's popcount; triangle
counts a small graph built the same way with the same kernel against a dense matrix product, and 64 edges of the big
one with Python set intersections; base64 compares 16 slices with Python's base64 module, the GPU round trip, every
page's UTF-8 verdict with the planted ones, 16 pages with Python's decoder and 24 crafted valid and invalid
sequences; walksat checks every recorded solution against its instance, every instance's unsatisfied-clause count
with NumPy, and replays 2 instances' last launch step by step in Python.
"""
import base64 as _b64

import numpy as np

from common import LAUNCH_S, SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, popcount64, \
    repeat_step, resize_launch, splitmix64, splitmix64_np, splitmix_words

M64 = (1 << 64) - 1
U64 = np.uint64


# ---- primes --------------------------------------------------------------------------------------------------------
PR_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)  # deterministic for n < 3.3e24 (so every 64-bit n)
PR_START = 0xB7E151628AED2A6B  # odd; launch L tests the next `threads` odd numbers after the previous launch's
PR_SEED = 0x9C1
PR_THREADS = 1 << 16
PR_MIN_THREADS = 1 << 12
PR_MAX_THREADS = 1 << 24
PR_CHECK = 256

PR_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define NB %NB%
#define SEED %SEED%ull
__constant__ u64 PR_BASES[NB] = {%BASES%};
// a b / 2^64 mod n (Montgomery, R = 2^64, n odd, a, b < n): the sum below can pass 2^64 when n > 2^63
__device__ __forceinline__ u64 mont_mul(u64 a, u64 b, u64 n, u64 ninv) {
  const u64 lo = a * b, hi = __umul64hi(a, b);
  const u64 m = lo * ninv;  // lo + m n = 0 mod 2^64, with a carry out exactly when lo != 0
  const u64 s = hi + __umul64hi(m, n);
  const bool c1 = s < hi;
  const u64 s2 = s + (lo != 0ull);
  const bool c2 = s2 < s;
  return (c1 || c2 || s2 >= n) ? s2 - n : s2;
}
__device__ bool mr_prime(u64 n) {
  u64 inv = n;  // n^-1 mod 2^64 by Newton's iteration (correct to 3 bits to start, doubling each time)
  for (int i = 0; i < 5; ++i) inv *= 2ull - n * inv;
  const u64 ninv = 0ull - inv;
  const u64 one = (0ull - n) % n;  // R mod n
  u64 r2 = one;                    // R^2 mod n: R doubled 64 times
  for (int i = 0; i < 64; ++i) r2 = r2 >= n - r2 ? r2 - (n - r2) : r2 + r2;
  const u64 mone = n - one;
  u64 d = n - 1;
  int s = 0;
  while ((d & 1ull) == 0ull) { d >>= 1; ++s; }
  const int top = 63 - __clzll(d);
  for (int k = 0; k < NB; ++k) {
    const u64 a = mont_mul(PR_BASES[k] % n, r2, n, ninv);
    u64 x = a;  // left to right over d's bits below the top one
    for (int b = top - 1; b >= 0; --b) {
      x = mont_mul(x, x, n, ninv);
      if ((d >> b) & 1ull) x = mont_mul(x, a, n, ninv);
    }
    if (x == one || x == mone) continue;
    bool ok = false;
    for (int i = 1; i < s && !ok; ++i) {
      x = mont_mul(x, x, n, ninv);
      ok = x == mone;
    }
    if (!ok) return false;
  }
  return true;
}
// a thread a candidate start + 2 t: its verdict, the primes counted and their splitmix hashes xor-ed
extern "C" __global__ void pr_test(u64 start, u32 threads, unsigned char* __restrict__ out, u32* __restrict__ count,
                                   u64* __restrict__ hash) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= threads) return;
  const u64 n = start + 2ull * t;
  const bool p = n > 37ull && (n & 1ull) && mr_prime(n);
  out[t] = p;
  if (p) {
    atomicAdd(count, 1u);
    atomicXor(hash, splitmix(n ^ SEED));
  }
}
"""
PR_SRC = SPLITMIX_CUDA + fill_source(PR_CUDA, NB=len(PR_BASES), SEED=hex(PR_SEED),
                                     BASES=", ".join(f"{b}ull" for b in PR_BASES))


def mr_prime_py(n):
    """Miller-Rabin with PR_BASES by Python's pow: the reference verdict."""
    if n < 2:
        return False
    for p in PR_BASES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for a in PR_BASES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def primes(variant, clock):
    if variant != "millerrabin":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    kern = cp.RawModule(code=PR_SRC).get_function("pr_test")
    out = cp.zeros(PR_MAX_THREADS, dtype=cp.uint8)
    count = cp.zeros(1, dtype=cp.uint32)
    hsh = cp.zeros(1, dtype=cp.uint64)
    state = {"next": PR_START, "threads": PR_THREADS, "tested": 0, "start": PR_START}

    def launch():
        threads = state["threads"]
        count.fill(0)
        hsh.fill(0)
        state["start"] = state["next"]
        kern(((threads + 255) // 256,), (256,), (U64(state["start"]), np.uint32(threads), out, count, hsh))
        state["next"] = (state["next"] + 2 * threads) & M64
        state["tested"] += threads
    _, per = calibrated_launches(launch, 1)
    want = int(state["threads"] * LAUNCH_S / per) // 256 * 256
    state["threads"] = max(PR_MIN_THREADS, min(PR_MAX_THREADS, want))
    nl, per = calibrated_launches(launch, 16)
    state["tested"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    threads, start = state["threads"], state["start"]
    got = out[:threads].get()
    picks = sorted({0, threads - 1} | {int(v) for v in np.random.default_rng(21).integers(0, threads, PR_CHECK - 2)})
    picks += [int(t) for t in np.flatnonzero(got)[:8]]  # a few of the kernel's primes too
    good = sum(bool(got[t]) == mr_prime_py(start + 2 * t) for t in picks)
    nprime = int(got.sum())
    idx = np.flatnonzero(got).astype(np.uint64)
    want_h = np.bitwise_xor.reduce(splitmix64_np((U64(start) + U64(2) * idx) ^ U64(PR_SEED))) if len(idx) else U64(0)
    sum_ok = int(count.get()[0]) == nprime and int(hsh.get()[0]) == int(want_h)
    ok = good == len(picks) and sum_ok and nprime > 0
    note(f"primes/{variant}: {state['tested']} odd 64-bit candidates tested after READY ({threads} a launch, "
         f"{len(PR_BASES)} Miller-Rabin bases, Montgomery multiplication), last launch from {start:#x}: {nprime} "
         f"primes (1 in {threads / max(nprime, 1):.1f}), {len(picks)} verdicts equal to Python's pow: {good}, count "
         f"and hash of the primes equal: {sum_ok}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({threads / per / 1e9:.3f} G candidates/s), {nl} a step")


# ---- ising ---------------------------------------------------------------------------------------------------------
IS_L = 1 << 15             # spins a side (a multiple of 64); 64 spins a word along a row
IS_BETA = 0.44
IS_SEED = 0x15E6
IS_SWEEPS0 = 1             # sweeps in the first launch; then as many as take about LAUNCH_S
IS_MAX_SWEEPS = 64
IS_CHECK = 16
IS_EVEN = 0x5555555555555555

IS_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define SEED %SEED%ull
// spin x of row y: bit x & 63 of word y * W + x / 64 (1 up); colour (x + y) & 1. Half-sweep of `color`: a thread a
// word flips the word's 32 spins of that colour by Metropolis. It reads neighbour words that other threads write,
// but only their bits of the other colour, which no thread of this launch changes (so no __restrict__ on lat)
extern "C" __global__ void is_half(u64* lat, u32 L, u32 color, u64 sweep, u32 t4, u32 t8, u64* __restrict__ ups) {
  const u32 W = L >> 6;
  const u64 words = (u64)L * W;
  const u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  u32 pop = 0;
  if (i < words) {
    const u32 y = (u32)(i / W), j = (u32)(i % W);
    const u64 row = (u64)y * W, rup = (u64)(y == 0 ? L - 1 : y - 1) * W, rdn = (u64)(y + 1 == L ? 0 : y + 1) * W;
    const u32 jl = j == 0 ? W - 1 : j - 1, jr = j + 1 == W ? 0 : j + 1;
    const u64 s = lat[i];
    const u64 n1 = lat[rup + j], n2 = lat[rdn + j];
    const u64 n3 = (s << 1) | (lat[row + jl] >> 63), n4 = (s >> 1) | (lat[row + jr] << 63);
    // anti-aligned neighbours a = x1 + x2 + x3 + x4 a bit at a time: bits b2 b1 b0
    const u64 x1 = s ^ n1, x2 = s ^ n2, x3 = s ^ n3, x4 = s ^ n4;
    const u64 sa = x1 ^ x2, ca = x1 & x2, sb = x3 ^ x4, cb = x3 & x4;
    const u64 b0 = sa ^ sb, cl = sa & sb;
    const u64 b1 = ca ^ cb ^ cl, b2 = (ca & cb) | ((ca ^ cb) & cl);
    const u32 off = (y + color) & 1u;
    // dE = 8 - 4a: a >= 2 always flips, a == 1 with p = exp(-4 beta), a == 0 with exp(-8 beta)
    u64 r4 = 0, r8 = 0;
    for (u32 k = 0; k < 16; ++k) {
      const u64 h = splitmix((((sweep << 1) | color) << 40 | i << 4 | k) ^ SEED);
      const u32 lo = (u32)h, hi = (u32)(h >> 32), p0 = 4 * k + off, p1 = p0 + 2;
      r4 |= (u64)(lo < t4) << p0 | (u64)(hi < t4) << p1;
      r8 |= (u64)(lo < t8) << p0 | (u64)(hi < t8) << p1;
    }
    const u64 ge2 = b1 | b2, eq1 = b0 & ~b1 & ~b2, eq0 = ~(b0 | b1 | b2);
    const u64 mask = off ? ~0x5555555555555555ull : 0x5555555555555555ull;
    const u64 nw = s ^ ((ge2 | (eq1 & r4) | (eq0 & r8)) & mask);
    lat[i] = nw;
    pop = __popcll(nw);
  }
  pop = __reduce_add_sync(0xFFFFFFFFu, pop);  // up spins after the update, a warp at a time into ups[color]
  if ((threadIdx.x & 31) == 0 && pop) atomicAdd(ups + (color & 1u), (u64)pop);
}
// the start: every spin random
extern "C" __global__ void is_fill(u64* __restrict__ lat, u64 words) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < words; i += (u64)gridDim.x * blockDim.x)
    lat[i] = splitmix(i ^ (SEED * 3));
}
"""
IS_SRC = SPLITMIX_CUDA + fill_source(IS_CUDA, SEED=hex(IS_SEED))


def is_thresholds(beta):
    t = [min(int(np.exp(-k * beta) * 2 ** 32), 2 ** 32 - 1) for k in (4, 8)]
    return t[0], t[1]


def is_word_py(rows, L, y, j, color, sweep, t4, t8):
    """is_half's new word (y, j) from rows {y-1, y, y+1 (mod L): list of W ints}, as the CUDA computes it."""
    W = L >> 6
    s = rows[y][j]
    n1, n2 = rows[(y - 1) % L][j], rows[(y + 1) % L][j]
    n3 = ((s << 1) & M64) | (rows[y][(j - 1) % W] >> 63)
    n4 = (s >> 1) | ((rows[y][(j + 1) % W] << 63) & M64)
    new = s
    off = (y + color) & 1
    i = y * W + j
    for q in range(32):  # spin by spin: the anti-aligned neighbours and the Metropolis test
        bit = 2 * q + off
        sb = (s >> bit) & 1
        a = sum(((n >> bit) & 1) != sb for n in (n1, n2, n3, n4))
        h = splitmix64((((((sweep << 1) | color) << 40) | (i << 4) | (q >> 1)) ^ IS_SEED) & M64)
        r = (h >> 32) if q & 1 else h & 0xFFFFFFFF
        if a >= 2 or (a == 1 and r < t4) or (a == 0 and r < t8):
            new ^= 1 << bit
    return new


def ising(variant, clock):
    if variant != "multispin":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=IS_SRC)
    half, fill = mod.get_function("is_half"), mod.get_function("is_fill")
    L = IS_L
    W = L >> 6
    words = L * W
    lat = cp.empty(words, dtype=cp.uint64)
    fill((1024,), (256,), (lat, U64(words)))
    ups = cp.zeros(2, dtype=cp.uint64)
    t4, t8 = is_thresholds(IS_BETA)
    grid = (words + 255) // 256
    state = {"sweep": 0, "sweeps": IS_SWEEPS0, "done": 0}

    def one_half(color):
        half((grid,), (256,), (lat, np.uint32(L), np.uint32(color), U64(state["sweep"]), np.uint32(t4),
                               np.uint32(t8), ups))

    def launch():
        for _ in range(state["sweeps"]):
            one_half(0)
            one_half(1)
            state["sweep"] += 1
            state["done"] += 1
    _, per = calibrated_launches(launch, 1)
    state["sweeps"] = resize_launch(IS_SWEEPS0, per, 1, IS_MAX_SWEEPS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # the check: one more sweep, each half replayed in Python on 16 words from the state before it
    snap0 = lat.copy()
    ups.fill(0)
    one_half(0)
    snap1 = lat.copy()
    one_half(1)
    sweep = state["sweep"]
    rng = np.random.default_rng(22)
    ys, js = rng.integers(0, L, IS_CHECK), rng.integers(0, W, IS_CHECK)
    good = 0

    def rows_of(arr, y):
        return {r % L: [int(v) for v in arr[(r % L) * W:(r % L + 1) * W].get()] for r in (y - 1, y, y + 1)}
    for y, j in zip((int(v) for v in ys), (int(v) for v in js)):
        k = y * W + j
        good += int(snap1[k:k + 1].get()[0]) == is_word_py(rows_of(snap0, y), L, y, j, 0, sweep, t4, t8)
        good += int(lat[k:k + 1].get()[0]) == is_word_py(rows_of(snap1, y), L, y, j, 1, sweep, t4, t8)
    up = int(popcount64(lat.get()).sum())
    up_half = int(popcount64(snap1.get()).sum())
    pops = [int(v) for v in ups.get()]
    pop_ok = pops == [up_half, up]
    mag = (2 * up - L * L) / (L * L)
    ok = good == 2 * IS_CHECK and pop_ok
    note(f"ising/{variant}: {state['done']} sweeps after READY of a {L} x {L} torus (64 spins a word, checkerboard "
         f"halves, beta {IS_BETA}, {state['sweeps']} sweeps a launch), magnetisation {mag:+.4f}, {2 * IS_CHECK} "
         f"words of a check sweep equal to Python's replay: {good}, up-spin counts equal to the popcount: {pop_ok}, "
         f"agree: {ok}, {per * 1e3:.2f} ms a launch ({state['sweeps'] * L * L / per / 1e9:.2f} G spin updates/s), "
         f"{nl} a step")


# ---- triangle ------------------------------------------------------------------------------------------------------
TC_NODES = 1 << 21
TC_RAW = 1 << 25           # endpoint pairs made; self-loops and repeats are dropped
TC_SEED = 0x7C1
TC_SMALL_NODES = 1 << 10   # the check graph, built the same way
TC_SMALL_RAW = 1 << 13
TC_CHUNK0 = 1 << 20        # edges in the first launch; then as many as take about LAUNCH_S
TC_MIN_CHUNK = 1 << 12
TC_CHECK = 64
TC_SCATTER = 0x9E3779B1    # odd: a bijection of node ids mod 2^k, so the hubs are not neighbours in memory

TC_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
// pair i: endpoints floor(n x^2) for x = the two 32-bit halves of splitmix(i ^ seed) / 2^32 (node weights ~ id^-1/2:
// Chung-Lu-like degrees, a power law of exponent 3), then scattered by an odd multiplier; n a power of two
extern "C" __global__ void tc_gen(u32 n, u64 pairs, u64 seed, u32* __restrict__ uv) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < pairs; i += (u64)gridDim.x * blockDim.x) {
    const u64 h = splitmix(i ^ seed), r = h & 0xFFFFFFFFull, s = h >> 32;
    const u64 a = ((r * r) >> 32) * n >> 32, b = ((s * s) >> 32) * n >> 32;
    uv[2 * i] = ((u32)a * %SCATTER%u) & (n - 1);
    uv[2 * i + 1] = ((u32)b * %SCATTER%u) & (n - 1);
  }
}
// a thread an oriented edge e = u -> v (edges e0 .. e0 + count - 1, wrapping): |out(u) & out(v)| by walking the
// shorter sorted list and binary-searching the longer from a lower bound that only moves up
extern "C" __global__ void tc_count(const u32* __restrict__ rowp, const u32* __restrict__ col,
                                    const u32* __restrict__ src, u32 n, u32 nedges, u32 e0, u32 count,
                                    u32* __restrict__ cnt, u64* __restrict__ total) {
  const u32 k = blockIdx.x * blockDim.x + threadIdx.x;
  u32 c = 0;
  if (k < count && e0 < nedges) {
    u32 e = e0 + k;
    if (e >= nedges) e -= nedges;
    if (e < nedges) {
      const u32 u = src[e], v = col[e];
      if (u < n && v < n) {
        u32 a0 = rowp[u], a1 = rowp[u + 1], b0 = rowp[v], b1 = rowp[v + 1];
        a1 = a1 < nedges ? a1 : nedges;
        b1 = b1 < nedges ? b1 : nedges;
        a0 = a0 < a1 ? a0 : a1;
        b0 = b0 < b1 ? b0 : b1;
        if (a1 - a0 > b1 - b0) { u32 t = a0; a0 = b0; b0 = t; t = a1; a1 = b1; b1 = t; }
        u32 lo = b0;
        for (u32 p = a0; p < a1 && lo < b1; ++p) {
          const u32 x = __ldg(col + p);
          u32 l = lo, h = b1;
          while (l < h) {
            const u32 mid = l + ((h - l) >> 1);
            if (__ldg(col + mid) < x) l = mid + 1; else h = mid;
          }
          if (l < b1 && __ldg(col + l) == x) { ++c; ++l; }
          lo = l;
        }
      }
      cnt[e] = c;
    }
  }
  const u32 w = __reduce_add_sync(0xFFFFFFFFu, c);
  if ((threadIdx.x & 31) == 0 && w) atomicAdd(total, (u64)w);
}
"""
TC_SRC = SPLITMIX_CUDA + fill_source(TC_CUDA, SCATTER=TC_SCATTER)


def tc_build(cp, gen, nodes, pairs, seed):
    """(rowp, col, src, undirected (lo, hi) pairs) of the graph, on the device: pairs made by tc_gen, self-loops and
    repeats dropped, each edge oriented from lower to higher (degree, id), adjacency lists sorted."""
    uv = cp.empty(2 * pairs, dtype=cp.uint32)
    gen((1024,), (256,), (np.uint32(nodes), U64(pairs), U64(seed), uv))
    u, v = uv[0::2].astype(cp.uint64), uv[1::2].astype(cp.uint64)
    del uv
    keep = u != v
    lo, hi = cp.where(u < v, u, v)[keep], cp.where(u < v, v, u)[keep]
    del u, v, keep
    key = cp.sort((lo << U64(32)) | hi)
    del lo, hi
    key = cp.concatenate([key[:1], key[1:][key[1:] != key[:-1]]])
    lo, hi = (key >> U64(32)).astype(cp.int64), (key & U64(0xFFFFFFFF)).astype(cp.int64)
    deg = cp.bincount(lo, minlength=nodes) + cp.bincount(hi, minlength=nodes)
    fwd = deg[lo] <= deg[hi]  # ties by id: lo < hi
    okey = cp.sort((cp.where(fwd, lo, hi).astype(cp.uint64) << U64(32)) | cp.where(fwd, hi, lo).astype(cp.uint64))
    src = (okey >> U64(32)).astype(cp.uint32)
    col = (okey & U64(0xFFFFFFFF)).astype(cp.uint32)
    rowp = cp.zeros(nodes + 1, dtype=cp.uint32)
    rowp[1:] = cp.cumsum(cp.bincount(src.astype(cp.int64), minlength=nodes)).astype(cp.uint32)
    return rowp, col, src, key


def triangle(variant, clock):
    if variant != "count":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=TC_SRC)
    gen, kern = mod.get_function("tc_gen"), mod.get_function("tc_count")
    total = cp.zeros(1, dtype=cp.uint64)

    def count_all(rowp, col, src, nodes, cnt, e0, count):
        ne = len(col)
        kern(((count + 255) // 256,), (256,), (rowp, col, src, np.uint32(nodes), np.uint32(ne), np.uint32(e0),
                                               np.uint32(count), cnt, total))
    # the small check graph: every edge by the kernel against trace(A^3) / 6 by a dense matrix product
    s_rowp, s_col, s_src, s_key = tc_build(cp, gen, TC_SMALL_NODES, TC_SMALL_RAW, TC_SEED * 5)
    s_cnt = cp.zeros(len(s_col), dtype=cp.uint32)
    total.fill(0)
    count_all(s_rowp, s_col, s_src, TC_SMALL_NODES, s_cnt, 0, len(s_col))
    k = s_key.get()
    A = np.zeros((TC_SMALL_NODES, TC_SMALL_NODES))
    A[(k >> U64(32)).astype(np.int64), (k & U64(0xFFFFFFFF)).astype(np.int64)] = 1
    A += A.T
    small_want = int(round(((A @ A) * A).sum() / 6))
    small_got = int(total.get()[0])
    small_ok = small_got == small_want and int(s_cnt.get().sum(dtype=np.int64)) == small_want
    del s_rowp, s_col, s_src, s_key, s_cnt, A
    # the big graph
    nodes = TC_NODES
    rowp, col, src, key = tc_build(cp, gen, nodes, TC_RAW, TC_SEED)
    del key
    ne = len(col)
    cnt = cp.zeros(ne, dtype=cp.uint32)
    state = {"e0": 0, "chunk": min(TC_CHUNK0, ne), "edges": 0, "covered": 0}

    def launch():
        count_all(rowp, col, src, nodes, cnt, state["e0"], state["chunk"])
        state["e0"] = (state["e0"] + state["chunk"]) % ne
        state["edges"] += state["chunk"]
        state["covered"] += state["chunk"]  # edges from 0 up have a count once (the first pass starts at 0)
    _, per = calibrated_launches(launch, 1)
    state["chunk"] = resize_launch(state["chunk"], per, min(TC_MIN_CHUNK, ne), ne)
    nl, per = calibrated_launches(launch, 16)
    state["edges"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # 64 edges' counts (of those counted at least once) against Python set intersections
    hr, hc, hs, hcnt = rowp.get(), col.get(), src.get(), cnt.get()
    full = state["covered"] >= ne
    picks = [int(e) for e in np.random.default_rng(23).integers(0, min(ne, state["covered"]), TC_CHECK)]
    good = sum(int(hcnt[e]) == len(set(hc[hr[hs[e]]:hr[hs[e] + 1]].tolist())
                                   & set(hc[hr[hc[e]]:hr[hc[e] + 1]].tolist())) for e in picks)
    tri = int(hcnt.sum(dtype=np.int64))
    ok = small_ok and good == len(picks) and len(picks) > 0
    maxout = int(np.diff(hr.astype(np.int64)).max())
    note(f"triangle/{variant}: {state['edges']} edge intersections after READY on a power-law graph of {nodes} nodes "
         f"and {ne} edges (degree-ordered, out-degree at most {maxout}, {state['chunk']} edges a launch), "
         f"{'all' if full else 'part of the'} edges counted: {tri} triangles, small graph {small_got} triangles vs "
         f"NumPy's {small_want}: {small_ok}, {len(picks)} edges' counts equal to Python's: {good}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({state['chunk'] / per / 1e9:.3f} G edges/s), {nl} a step")


# ---- base64 --------------------------------------------------------------------------------------------------------
BC_GROUPS = 1 << 27        # 12-byte groups: 1.5 GiB in, 2 GiB of base64 out
BC_TEXT = 1 << 29          # bytes of UTF-8 text
BC_PAGE = 4096
BC_SEED = 0xB64
BC_CHECK = 16
# UTF-8 tokens of the generated text (bytes; ASCII tokens have their printable byte drawn at random)
BC_VALID = [b"a", b"a", b"a", b"a", b"a", b"a", b" ", b"\xc3\xa9", b"\xd0\x96", b"\xc2\x80", b"\xe2\x82\xac",
            b"\xe4\xb8\xad", b"\xef\xbf\xbf", b"\xed\x9f\xbf", b"\xf0\x9f\x98\x80", b"\xf4\x8f\xbf\xbf"]
BC_INVALID = [b"\x80", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80",
              b"\xff", b"\xe2\x82", b"\xc3", b"\xf0\x8f\xbf\xbf", b"\xe2\x82\xac\xac", b"\xc1\xbf", b"\xf0\x9f\x98",
              b"\xbf\xbf", b"\xfe", b"\xf8\x88\x80\x80"]
BC_CRAFT_OK = [b"A", b"\xc2\x80", b"\xdf\xbf", b"\xe0\xa0\x80", b"\xed\x9f\xbf", b"\xee\x80\x80", b"\xef\xbf\xbf",
               b"\xf0\x90\x80\x80", b"\xf4\x8f\xbf\xbf"]


def _tok_table(toks):
    words = [int.from_bytes(t.ljust(4, b"\0"), "little") | len(t) << 32 for t in toks]
    return ", ".join(f"{w:#x}ull" for w in words)


BC_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define SEED %SEED%ull
// 6 bits -> 'A'-'Z', 'a'-'z', '0'-'9', '+', '/' by arithmetic (no table)
__device__ __forceinline__ u32 b64_char(u32 i) {
  return i + 65u + (i >= 26u) * 6u - (i >= 52u) * 75u - (i >= 62u) * 15u + (i >= 63u) * 3u;
}
__device__ __forceinline__ u32 b64_word(u32 v) {  // a 24-bit group -> 4 characters, first in the low byte
  return b64_char(v >> 18) | b64_char((v >> 12) & 63u) << 8 | b64_char((v >> 6) & 63u) << 16 |
         b64_char(v & 63u) << 24;
}
// a thread 12 bytes (3 words) -> 16 characters (4 words); group k = bytes 3k .. 3k + 2 as a big-endian 24-bit value
extern "C" __global__ void b64_enc(const u32* __restrict__ in, u32* __restrict__ out, u64 groups) {
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= groups) return;
  const u32 w0 = in[3 * t], w1 = in[3 * t + 1], w2 = in[3 * t + 2];
  out[4 * t] = b64_word(__byte_perm(w0, w1, 0x0012) & 0xFFFFFFu);
  out[4 * t + 1] = b64_word(__byte_perm(w0, w1, 0x0345) & 0xFFFFFFu);
  out[4 * t + 2] = b64_word(__byte_perm(w1, w2, 0x0234) & 0xFFFFFFu);
  out[4 * t + 3] = b64_word(__byte_perm(w1, w2, 0x0567) & 0xFFFFFFu);
}
// a thread 16 characters -> 12 bytes through a 256-entry table in shared memory (0xFF: not base64); decoded words
// that differ from the original, and bad characters, counted in errs[0], errs[1]
extern "C" __global__ void b64_dec(const u32* __restrict__ enc, const unsigned char* __restrict__ dtab,
                                   const u32* __restrict__ orig, u32* __restrict__ dec, u64 groups,
                                   u32* __restrict__ errs) {
  __shared__ unsigned char s_tab[256];
  for (u32 i = threadIdx.x; i < 256; i += blockDim.x) s_tab[i] = dtab[i];
  __syncthreads();
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= groups) return;
  u32 v[4], bad = 0;
  for (int k = 0; k < 4; ++k) {
    const u32 w = enc[4 * t + k];
    u32 acc = 0;
    for (int c = 0; c < 4; ++c) {
      const u32 d = s_tab[(w >> (8 * c)) & 255u];
      bad += d == 0xFFu;
      acc = acc << 6 | (d & 63u);
    }
    v[k] = acc;  // bytes 3k, 3k + 1, 3k + 2 = bits 23..16, 15..8, 7..0
  }
  // back to little-endian words: byte b of the 12 is byte (2 - b % 3) of v[b / 3]
  const u32 d0 = __byte_perm(v[0], v[1], 0x6012), d1 = __byte_perm(v[1], v[2], 0x5601);
  const u32 d2 = __byte_perm(v[2], v[3], 0x4560);
  dec[3 * t] = d0;
  dec[3 * t + 1] = d1;
  dec[3 * t + 2] = d2;
  const u32 diff = (d0 != orig[3 * t]) + (d1 != orig[3 * t + 1]) + (d2 != orig[3 * t + 2]);
  if (diff) atomicAdd(errs, diff);
  if (bad) atomicAdd(errs + 1, bad);
}
__constant__ u64 TX_OK[%NOK%] = {%OK%};
__constant__ u64 TX_BAD[%NBAD%] = {%BAD%};
// a thread a page: valid tokens drawn by splitmix of (page, token), one bad token at a drawn place in 1 page in 8,
// then spaces to the end of the page; no sequence crosses a page's end
extern "C" __global__ void tx_gen(unsigned char* __restrict__ txt, u64 nbytes, u32 page, u32 pages) {
  const u32 pg = blockIdx.x * blockDim.x + threadIdx.x;
  if (pg >= pages) return;
  const u64 hb = splitmix((u64)pg ^ (SEED * 7));
  const bool bad = (hb & 7ull) == 0ull;
  const u32 badq = (u32)((hb >> 8) % 512u);
  const u64 base = (u64)pg * page;
  u32 pos = 0;
  for (u32 q = 0; pos + 4 <= page; ++q) {
    const u64 h = splitmix(((u64)pg << 20 | q) ^ SEED);
    u64 tok = (bad && q == badq) ? TX_BAD[(h >> 8) % %NBAD%u] : TX_OK[(h >> 8) % %NOK%u];
    if (tok == (0x61ull | 1ull << 32)) tok = (1ull << 32) | (0x21ull + (h >> 40) % 94u);  // printable ASCII
    const u32 len = (u32)(tok >> 32);
    for (u32 b = 0; b < len && b < 4; ++b, ++pos)
      if (base + pos < nbytes) txt[base + pos] = (unsigned char)(tok >> (8 * b));
  }
  for (; pos < page; ++pos)
    if (base + pos < nbytes) txt[base + pos] = ' ';
}
// UTF-8 validation, a thread 16 bytes: byte p is wrong when it is a continuation byte and no lead byte 1-3 back
// expects it, or not one and a lead expects it; or a lead that is never valid (C0, C1, F5-FF); or a second byte out
// of range after E0, ED, F0, F4 (overlong, surrogate, > U+10FFFF). An ASCII byte stands past the end (truncation).
// A page with a wrong byte is marked bad.
extern "C" __global__ void utf8_check(const unsigned char* __restrict__ txt, u64 n, u32 page, u32 npages,
                                      u32* __restrict__ bad) {
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const u64 p0 = 16 * t;
  if (p0 > n) return;
  bool err = false;
  u64 at = p0;
  for (u64 p = p0; p < p0 + 16 && p <= n; ++p) {
    const u32 b = p < n ? txt[p] : 0x20u;
    const u32 b1 = p >= 1 ? txt[p - 1] : 0u, b2 = p >= 2 ? txt[p - 2] : 0u, b3 = p >= 3 ? txt[p - 3] : 0u;
    const bool cont = (b & 0xC0u) == 0x80u, need = b1 >= 0xC0u || b2 >= 0xE0u || b3 >= 0xF0u;
    bool e = cont != need;
    if (!cont) e |= b == 0xC0u || b == 0xC1u || b >= 0xF5u;
    else e |= (b1 == 0xE0u && b < 0xA0u) || (b1 == 0xEDu && b > 0x9Fu) || (b1 == 0xF0u && b < 0x90u) ||
              (b1 == 0xF4u && b > 0x8Fu);
    if (e && !err) at = p;
    err |= e;
  }
  if (err) {
    const u64 pg = (at < n ? at : n - 1) / page;
    if (pg < npages) atomicOr(bad + pg, 1u);
  }
}
"""
BC_SRC = SPLITMIX_CUDA + fill_source(BC_CUDA, SEED=hex(BC_SEED), NOK=len(BC_VALID), OK=_tok_table(BC_VALID),
                                     NBAD=len(BC_INVALID), BAD=_tok_table(BC_INVALID))


def bc_decode_table():
    t = np.full(256, 0xFF, dtype=np.uint8)
    for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"):
        t[c] = i
    return t


def bc_bad_pages(pages):
    """The pages tx_gen plants a bad token in."""
    return (splitmix64_np(np.arange(pages, dtype=np.uint64) ^ U64(BC_SEED * 7)) & U64(7)) == 0


def bc_crafted():
    """(16-byte pages of crafted sequences padded with spaces, whether each is valid UTF-8 by construction)."""
    seqs = [(s, True) for s in BC_CRAFT_OK] + [(s, False) for s in BC_INVALID[:15]]
    buf = b"".join(b"x" + s + b" " * (15 - len(s)) for s, _ in seqs)
    return np.frombuffer(buf, dtype=np.uint8).copy(), [ok for _, ok in seqs]


def base64(variant, clock):
    if variant != "codec":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=BC_SRC)
    enc, dec, gen, chk = (mod.get_function(k) for k in ("b64_enc", "b64_dec", "tx_gen", "utf8_check"))
    groups = BC_GROUPS
    data = splitmix_words(3 * groups, BC_SEED)
    b64 = cp.empty(4 * groups, dtype=cp.uint32)
    back = cp.empty(3 * groups, dtype=cp.uint32)
    dtab = cp.asarray(bc_decode_table())
    errs = cp.zeros(2, dtype=cp.uint32)
    nt, page = BC_TEXT, BC_PAGE
    pages = nt // page
    txt = cp.empty(nt, dtype=cp.uint8)
    gen(((pages + 127) // 128,), (128,), (txt, U64(nt), np.uint32(page), np.uint32(pages)))
    badp = cp.zeros(pages, dtype=cp.uint32)
    g = (groups + 255) // 256
    state = {"launches": 0}

    def validate(buf, n, pg, npg, out):
        chk(((n // 16 + 1 + 255) // 256,), (256,), (buf, U64(n), np.uint32(pg), np.uint32(npg), out))

    def launch():
        enc((g,), (256,), (data, b64, U64(groups)))
        dec((g,), (256,), (b64, dtab, data, back, U64(groups), errs))
        badp.fill(0)
        validate(txt, nt, page, pages, badp)
        state["launches"] += 1
    nl, per = calibrated_launches(launch, 16)
    errs.fill(0)
    state["launches"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # base64: 16 slices against Python's encoder, the GPU round trip's mismatches
    rng = np.random.default_rng(24)
    good = 0
    for q in (int(v) for v in rng.integers(0, groups - 8, BC_CHECK)):
        raw = data[3 * q:3 * q + 24].get().astype("<u4").tobytes()
        good += b64[4 * q:4 * q + 32].get().astype("<u4").tobytes() == _b64.b64encode(raw)
    mism, badc = (int(v) for v in errs.get())
    # UTF-8: every page's verdict against the planted ones, 16 pages against Python's decoder, crafted sequences
    got = badp.get() != 0
    plant_ok = bool(np.array_equal(got, bc_bad_pages(pages)))
    pg_good = 0
    for q in (int(v) for v in rng.integers(0, pages, BC_CHECK)):
        try:
            txt[q * page:(q + 1) * page].get().tobytes().decode("utf-8")
            valid = True
        except UnicodeDecodeError:
            valid = False
        pg_good += valid == (not got[q])
    cbuf, cok = bc_crafted()
    dc = cp.asarray(cbuf)
    cbad = cp.zeros(len(cok), dtype=cp.uint32)
    validate(dc, len(cbuf), 16, len(cok), cbad)
    cgot = [not v for v in (cbad.get() != 0)]

    def py_ok(i):
        try:
            cbuf[16 * i:16 * i + 16].tobytes().decode("utf-8")
            return True
        except UnicodeDecodeError:
            return False
    craft_ok = cgot == cok and cok == [py_ok(i) for i in range(len(cok))]
    ok = good == BC_CHECK and mism == 0 and badc == 0 and plant_ok and pg_good == BC_CHECK and craft_ok
    note(f"base64/{variant}: {state['launches']} launches after READY (each: {12 * groups / 2 ** 20:.0f} MiB "
         f"base64-encoded and decoded back, {nt / 2 ** 20:.2f} MiB of UTF-8 text validated in {pages} pages), "
         f"{BC_CHECK} slices equal to Python's base64: {good}, round-trip words differing {mism}, bad characters "
         f"{badc}, {int(got.sum())} pages invalid, equal to the planted ones: {plant_ok}, {BC_CHECK} pages' verdicts "
         f"equal to Python's decoder: {pg_good}, {len(cok)} crafted sequences' verdicts right: {craft_ok}, agree: "
         f"{ok}, {per * 1e3:.2f} ms a launch ({(12 * groups + nt) / per / 1e9:.1f} GB/s of input), {nl} a step")


# ---- walksat -------------------------------------------------------------------------------------------------------
WS_N = 256                 # variables (a multiple of 32)
WS_M = 1076                # clauses: 4.2 n, near the satisfiability threshold (fewer than 2048: 11 bits)
WS_INST = 1 << 14
WS_NOISE = 37159           # of 65536: 0.567, WalkSAT/SKC's usual noise for random 3-SAT
WS_SEED = 0x3547
WS_STEPS0 = 256            # steps in the first launch; then as many as take about LAUNCH_S
WS_MIN_STEPS = 64
WS_MAX_STEPS = 1 << 16
WS_REPLAY = 2

WS_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;
#define N %N%
#define M %M%
#define MP %MP%
#define NW (N / 32)
#define WPB 8
#define NOISE %NOISE%u
#define SEED %SEED%ull
#define FULL 0xFFFFFFFFu
// clause c of an instance: 3 distinct variables (splitmix of (instance, clause)), signs from 3 more bits; literal
// = var << 1 | negated
extern "C" __global__ void ws_gen(u16* __restrict__ lits, u32 ninst) {
  const u64 total = (u64)ninst * M;
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (u64)gridDim.x * blockDim.x) {
    const u64 h = splitmix(((i / M) << 16 | (i % M)) ^ (SEED * 3));
    const u32 v0 = (u32)(h % N), v1 = (v0 + 1u + (u32)((h >> 16) % (N - 1))) % N;
    u32 v2 = (u32)((h >> 32) % (N - 2));
    const u32 a = v0 < v1 ? v0 : v1, b = v0 < v1 ? v1 : v0;
    if (v2 >= a) ++v2;
    if (v2 >= b) ++v2;
    lits[3 * i] = (u16)(v0 << 1 | ((h >> 61) & 1));
    lits[3 * i + 1] = (u16)(v1 << 1 | ((h >> 62) & 1));
    lits[3 * i + 2] = (u16)(v2 << 1 | (h >> 63));
  }
}
__device__ __forceinline__ u32 ws_bit(const u32* bits, u32 v) { return (bits[(v >> 5) % NW] >> (v & 31)) & 1u; }
// true literals of every clause into nt; returns the unsatisfied clauses
__device__ u32 ws_recount(const u16* L, const u32* bits, unsigned char* nt, u32 lane) {
  u32 U = 0;
  for (u32 c0 = 0; c0 < MP; c0 += 32) {
    const u32 c = c0 + lane;
    u32 t = 0;
    if (c < M)
      for (int j = 0; j < 3; ++j) {
        const u32 lit = L[3 * c + j];
        t += ws_bit(bits, (lit >> 1) % N) != (lit & 1u);
      }
    nt[c] = (unsigned char)t;
    U += __popc(__ballot_sync(FULL, c < M && t == 0));
  }
  __syncwarp();
  return U;
}
// a warp an instance, `steps` steps numbered step0 + s: a solved instance is recorded and restarts from a fresh
// assignment; otherwise the r-th unsatisfied clause (r from the step's splitmix), a variable of it with no break
// (the first), else a random one with probability NOISE / 65536, else the first with the fewest breaks, flipped.
// occ[occoff[inst N + v] ..]: clause << 1 | negated of v's occurrences
extern "C" __global__ void ws_run(const u16* __restrict__ lits, const u32* __restrict__ occoff,
                                  const u16* __restrict__ occ, u32 ninst, u32 nocc, u64 step0, u32 steps,
                                  u32* __restrict__ assign, u32* __restrict__ sol, u32* __restrict__ solved,
                                  u32* __restrict__ unsat) {
  __shared__ unsigned char s_nt[WPB][MP];
  __shared__ u32 s_bits[WPB][NW];
  const u32 w = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const u32 inst = blockIdx.x * WPB + w;
  if (w >= WPB || inst >= ninst) return;  // a whole warp at a time
  unsigned char* nt = s_nt[w];
  u32* bits = s_bits[w];
  const u16* L = lits + (u64)inst * M * 3;
  const u32* off = occoff + (u64)inst * N;
  for (u32 k = lane; k < NW; k += 32) bits[k] = assign[(u64)inst * NW + k];
  __syncwarp();
  u32 U = ws_recount(L, bits, nt, lane);
  for (u32 s = 0; s < steps; ++s) {
    const u64 h = splitmix((((u64)inst << 40) | (step0 + s)) ^ SEED);
    if (U == 0) {
      for (u32 k = lane; k < NW; k += 32) {
        sol[(u64)inst * NW + k] = bits[k];
        bits[k] = (u32)splitmix(h + k + 1);
      }
      if (lane == 0) solved[inst] += 1;
      __syncwarp();
      U = ws_recount(L, bits, nt, lane);
      continue;
    }
    u32 r = (u32)(h & 0xFFFFFFFFull) % U, pick = 0;
    for (u32 c0 = 0; c0 < MP; c0 += 32) {
      const u32 c = c0 + lane;
      const u32 z = __ballot_sync(FULL, c < M && nt[c] == 0), cz = __popc(z);
      if (r < cz) {
        const u32 me = __ballot_sync(FULL, ((z >> lane) & 1u) && __popc(z & ((1u << lane) - 1u)) == r);
        pick = c0 + __ffs(me) - 1;
        break;
      }
      r -= cz;
    }
    pick = pick < M ? pick : M - 1;
    u32 var[3], brk[3];
    for (int j = 0; j < 3; ++j) {
      const u32 v = (L[3 * pick + j] >> 1) % N, val = ws_bit(bits, v);
      u32 a = off[v], b = off[v + 1];
      b = b < nocc ? b : nocc;
      u32 cnt = 0;
      for (u32 o0 = a; o0 < b; o0 += 32) {
        bool br = false;
        if (o0 + lane < b) {
          const u32 e = occ[o0 + lane], c2 = e >> 1;
          br = c2 < M && val != (e & 1u) && nt[c2] == 1;  // v's literal is the clause's only true one
        }
        cnt += __popc(__ballot_sync(FULL, br));
      }
      var[j] = v;
      brk[j] = cnt;
    }
    const u32 mn = min(brk[0], min(brk[1], brk[2]));
    u32 j;
    if (mn == 0) j = brk[0] == 0 ? 0 : brk[1] == 0 ? 1 : 2;
    else if (((h >> 32) & 0xFFFFu) < NOISE) j = (u32)((h >> 48) % 3);
    else j = brk[0] == mn ? 0 : brk[1] == mn ? 1 : 2;
    const u32 v = j == 0 ? var[0] : j == 1 ? var[1] : var[2], val = ws_bit(bits, v);
    u32 a = off[v], b = off[v + 1];
    b = b < nocc ? b : nocc;
    for (u32 o0 = a; o0 < b; o0 += 32) {
      bool up = false, down = false;
      if (o0 + lane < b) {
        const u32 e = occ[o0 + lane], c2 = e >> 1;
        if (c2 < M) {  // v's clauses are distinct: no two lanes write one count
          if (val != (e & 1u)) { down = nt[c2] == 1; nt[c2] -= 1; } else { up = nt[c2] == 0; nt[c2] += 1; }
        }
      }
      U += __popc(__ballot_sync(FULL, down));
      U -= __popc(__ballot_sync(FULL, up));
    }
    __syncwarp();
    if (lane == 0) bits[(v >> 5) % NW] ^= 1u << (v & 31);
    __syncwarp();
  }
  for (u32 k = lane; k < NW; k += 32) assign[(u64)inst * NW + k] = bits[k];
  if (lane == 0) unsat[inst] = U;
}
"""


def ws_src():
    return SPLITMIX_CUDA + fill_source(WS_CUDA, N=WS_N, M=WS_M, MP=(WS_M + 31) // 32 * 32, NOISE=WS_NOISE,
                                       SEED=hex(WS_SEED))


WS_SRC = ws_src()


def ws_occurrences(cp, lits, ninst):
    """(occoff of ninst N + 1 entries, occ): each (instance, variable)'s clauses, as clause << 1 | negated, sorted."""
    idx = cp.arange(ninst * WS_M * 3, dtype=cp.uint64)
    lit = lits.astype(cp.uint64)
    inst = idx // U64(3 * WS_M)
    c = (idx // U64(3)) % U64(WS_M)
    key = cp.sort(((inst * U64(WS_N) + (lit >> U64(1))) << U64(12)) | (c << U64(1)) | (lit & U64(1)))
    occ = (key & U64(0xFFF)).astype(cp.uint16)
    occoff = cp.zeros(ninst * WS_N + 1, dtype=cp.uint32)
    occoff[1:] = cp.cumsum(cp.bincount((key >> U64(12)).astype(cp.int64), minlength=ninst * WS_N)).astype(cp.uint32)
    return occoff, occ


def ws_unsat_np(lits, bits):
    """Unsatisfied clauses of each instance under its assignment (lits: inst x M x 3, bits: inst x N/32)."""
    out = np.zeros(len(lits), dtype=np.int64)
    for a in range(0, len(lits), 2048):  # a slice of instances at a time: the temporaries stay small
        li, bi = lits[a:a + 2048], bits[a:a + 2048]
        v = (li >> 1).astype(np.int32)
        val = (bi[np.arange(len(bi))[:, None, None], v >> 5] >> (v & 31).astype(np.uint32)) & 1
        out[a:a + 2048] = (val == (li & 1)).all(axis=2).sum(axis=1)  # every literal false
    return out


def ws_replay_py(lits, bits, inst, step0, steps):
    """ws_run on one instance in Python: (final bits, unsatisfied clauses, solutions found, last solution)."""
    N, M = WS_N, WS_M
    L = [[int(x) for x in row] for row in lits]
    occ = [[] for _ in range(N)]
    for c, row in enumerate(L):
        for lit in row:
            occ[lit >> 1].append((c, lit & 1))
    bits = [int(b) for b in bits]

    def val(v):
        return (bits[v >> 5] >> (v & 31)) & 1

    def recount():
        return [sum(val(lit >> 1) != (lit & 1) for lit in row) for row in L]
    nt = recount()
    found, last = 0, None
    for s in range(steps):
        h = splitmix64(((inst << 40) | (step0 + s)) ^ WS_SEED)
        unsat = [c for c in range(M) if nt[c] == 0]
        if not unsat:
            found, last = found + 1, list(bits)
            bits = [splitmix64((h + k + 1) & M64) & 0xFFFFFFFF for k in range(len(bits))]
            nt = recount()
            continue
        pick = unsat[(h & 0xFFFFFFFF) % len(unsat)]
        vs = [lit >> 1 for lit in L[pick]]
        brk = [sum(1 for c, neg in occ[v] if val(v) != neg and nt[c] == 1) for v in vs]
        if min(brk) == 0:
            j = brk.index(0)
        elif ((h >> 32) & 0xFFFF) < WS_NOISE:
            j = (h >> 48) % 3
        else:
            j = brk.index(min(brk))
        v = vs[j]
        for c, neg in occ[v]:
            nt[c] += -1 if val(v) != neg else 1
        bits[v >> 5] ^= 1 << (v & 31)
    return bits, sum(1 for t in nt if t == 0), found, last


def walksat(variant, clock):
    if variant != "3sat":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=ws_src())
    gen, run = mod.get_function("ws_gen"), mod.get_function("ws_run")
    ninst, nw = WS_INST, WS_N // 32
    lits = cp.empty(ninst * WS_M * 3, dtype=cp.uint16)
    gen((1024,), (256,), (lits, np.uint32(ninst)))
    occoff, occ = ws_occurrences(cp, lits, ninst)
    assign = splitmix_words(ninst * nw, WS_SEED)
    sol = cp.zeros(ninst * nw, dtype=cp.uint32)
    solved = cp.zeros(ninst, dtype=cp.uint32)
    unsat = cp.zeros(ninst, dtype=cp.uint32)
    state = {"step0": 0, "steps": WS_STEPS0, "before": None, "solved0": None, "last0": 0, "done": 0}

    def launch():
        state["before"], state["solved0"], state["last0"] = assign.copy(), solved.copy(), state["step0"]
        run(((ninst + 7) // 8,), (256,), (lits, occoff, occ, np.uint32(ninst), np.uint32(len(occ)),
                                          U64(state["step0"]), np.uint32(state["steps"]), assign, sol, solved, unsat))
        state["step0"] += state["steps"]
        state["done"] += state["steps"]
    _, per = calibrated_launches(launch, 1)
    state["steps"] = resize_launch(WS_STEPS0, per, WS_MIN_STEPS, WS_MAX_STEPS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    hl = lits.get().reshape(ninst, WS_M, 3)
    hs, hsol, hb = solved.get(), sol.get().reshape(ninst, nw), assign.get().reshape(ninst, nw)
    # every recorded solution satisfies its instance; every instance's reported unsatisfied count is right
    have = np.flatnonzero(hs)
    sol_ok = bool((ws_unsat_np(hl[have], hsol[have]) == 0).all()) if len(have) else True
    unsat_ok = bool(np.array_equal(ws_unsat_np(hl, hb), unsat.get()))
    # 2 instances' last launch replayed step by step in Python from the assignment before it
    before, s0 = state["before"].get().reshape(ninst, nw), state["solved0"].get()
    rep = 0
    picks = sorted({0, int(np.random.default_rng(25).integers(0, ninst))})[:WS_REPLAY]
    for i in picks:
        bits, u, found, last = ws_replay_py(hl[i], before[i], i, state["last0"], state["steps"])
        rep += (bits == [int(x) for x in hb[i]] and u == int(unsat.get()[i]) and found == int(hs[i] - s0[i])
                and (last is None or last == [int(x) for x in hsol[i]]))
    ok = sol_ok and unsat_ok and rep == len(picks)
    nsol = int(hs.sum(dtype=np.int64))
    note(f"walksat/{variant}: {state['done']} steps an instance after READY on {ninst} random 3-SAT instances ({WS_N} "
         f"variables, {WS_M} clauses, a warp each, noise {WS_NOISE / 65536:.3f}, {state['steps']} steps a launch), "
         f"{nsol} solutions found by {len(have)} instances, {int((unsat.get() == 0).sum())} satisfied now, median "
         f"unsatisfied {int(np.median(unsat.get()))}, every solution satisfies its instance: {sol_ok}, unsatisfied "
         f"counts equal to NumPy's: {unsat_ok}, instances replayed in Python equal: {rep}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({ninst * state['steps'] / per / 1e9:.3f} G flips/s), {nl} a step")
