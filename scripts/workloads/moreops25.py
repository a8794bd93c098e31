"""Collatz glide verification, GIMPS trial factoring, deep-zoom fixed-point Mandelbrot and optimal 15-puzzle solving by
IDA* (label 0).

A twenty-fifth set of benign work, four volunteer-computing and hobby GPU jobs whose pipe activity resembles hashing
(128-bit integer arithmetic in two 64-bit words with carries, table jumps from shared memory, 64 x 64 -> 128-bit
multiplies by __umul64hi in Montgomery and fixed-point chains, a shared-memory bit sieve by atomicOr, nibble-packed
boards with shifts and masks under an explicit search stack), compute-bound with little memory traffic, absent from
the project before:

  collatz     Collatz-conjecture verification as the BOINC Collatz project's sieve-based clients run it: starting values
              n = base + 2^12 a + b, base a random multiple of 2^12 in [2^70, 2^71) made at set-up, b one of the 226
              residues of 2^12 whose first 12 steps of T (n -> n / 2 or (3n + 1) / 2) never bring the coefficient 3^c
              below 2^j (the others drop below their start within 12 steps and are sieved out). A set-up kernel builds
              the 2^12-entry jump table (for each residue b: c(b) odd steps and d(b) = T^12(b), packed (c << 20) | d)
              and the sieve flags; the survivors are compacted by cupy.nonzero. A thread an item of 256 consecutive
              survivors (2^22 items, 2^30 starting values a pass), the table and survivors in shared memory: each
              value in 128-bit arithmetic (two 64-bit words) jumps 12 steps at a time, T^12(2^12 a + b) =
              3^c(b) a + d(b) (a 128-by-20-bit multiply by the multiply and __umul64hi, carries), until it drops below
              its start, 1000 jumps or 2^104 (flagged); the item's jump sum, its longest glide and where, its highest
              value at a jump boundary and the flagged count to memory; jump sums and flags by warp sums, the longest
              glide by atomicMax. Shifts, adds with carries and shared table loads; items a launch timed at set-up.
  mfaktc      GIMPS trial factoring as mfaktc does it: candidate factors q = 2kp + 1 of Mersenne numbers 2^p - 1 for
              four exponents (two with factors of 37 and 45 bits that the jobs' k ranges contain, found for this
              module by a search in Python; the Mersenne-prime exponents 77232917 and 82589933 at k from 2^47 and
              2^48, q of 75-77 bits as GIMPS tests them), 8192 consecutive k a 256-thread block: a bit sieve in shared
              memory, each thread striking the k with r | q for the 512 odd primes r from 3 (a start residue
              -(2p)^-1 mod r made at set-up, its offset by a 64-bit modulo, then every r-th bit by atomicOr; the 32
              smallest primes struck by all 256 threads in turn from offsets in shared memory, the others a thread a
              prime), then each thread its word's surviving k with q = +-1 mod 8 (__ffs): 2^p mod q by left-to-right
              binary exponentiation in Montgomery form with R = 2^128 (two-limb CIOS multiplication by the multiply
              and __umul64hi, -q^-1 mod 2^64 by Newton's iteration, the start 2^(128 + top 6 bits of p) mod q by
              modular doublings, a squaring a bit of p and a modular doubling for a set bit), reduced out of
              Montgomery form. A block's tested count and an
              XOR of splitmix64 mixes of its residues to memory, hits (q with 2^p = 1 mod q) to a list by atomicAdd;
              blocks a launch timed at set-up.
  mandelbrot  deep-zoom Mandelbrot rendering in 128-bit fixed point (two's complement, 120 fraction bits) as deep-zoom
              renderers without perturbation do at moderate depths: four 1024 x 1024 views of 2^-24, 2^-34, 2^-44 and
              2^-54 a pixel around the Seahorse-valley point -0.7436438870371587 + 0.1318259042053120i (the last
              beyond double precision), 16 x 16 tiles a 256-thread block, a thread a pixel: z = z^2 + c from z = 0
              with signed multiplies (magnitudes, a 128 x 128 -> 256-bit product from four 64 x 64 -> 128-bit ones by
              the multiply and __umul64hi, the top bits kept by shifts, truncated toward zero, the sign restored),
              escape when |z|^2 > 4 or 4096 iterations; counts to memory, a histogram of count / 64 in shared memory
              by atomicAdd then global atomics, iteration sums and capped pixels by warp sums and ballots; tiles a
              launch timed at set-up.
  puzzle15    the 15-puzzle solved optimally by IDA* with the Manhattan-distance + linear-conflict heuristic (2 x each
              line's tiles in their goal line less the longest increasing run of their goal places), as puzzle solvers
              and search benchmarks do: 2^20 positions made on the GPU by 30-60 random moves from the goal (no move
              undoing the previous one), a board in a 64-bit word (4 bits a tile). A thread a position: iterative
              deepening on an explicit stack (next move, move taken, parent heuristic a level, 81 levels) in local
              memory, moves by shifts and masks of the nibbles, the heuristic updated incrementally (the moved tile's
              distance, the two lines it leaves and enters recomputed), at most 2^18 nodes a position; the optimal
              length (or unsolved), the start heuristic and nodes to memory, solved positions by warp ballots and
              nodes by warp sums. Shifts, masks and divergent branches; positions a launch timed at set-up.

Self-checks, printed with the summary line (`agree:`): collatz, after a check pass over every item, compares the warp
sums, the flagged count and the atomicMax with array sums and maxima, checks every item by array operators (jump sum
at least one a value, longest glide within it, its place within the item, highest value at least the base), compares
the survivor list with a Python sieve by plain steps, and recomputes 24 items' 256 values step by step with Python's
big integers (not the table), every field exactly; mfaktc, after a check pass over every block, compares the tested
counts' sum with the warp sums, recomputes 64 blocks (16 a job) in Python (the sieve by q mod r for every prime on
NumPy, not by the start residues; 2^p mod q by pow) and compares their counts and residue XORs exactly, checks that
each planted factor was found, and verifies every reported hit by pow(2, p, q) == 1 in Python; mandelbrot, after a
check pass over every pixel, compares the histogram, the iteration sum and the capped count with cupy.bincount and
array sums, and recomputes 48 pixels with Python integers in the same fixed point (the same truncation), counts
equal exactly; puzzle15, after a check pass over every position, checks with array operators that every solved
length has the parity of its scramble's length and lies between the start heuristic and the scramble's length, the
ballot and node sums against array sums, regenerates 256 positions in Python (list boards) and compares them and their
start heuristics, and solves 24 solved positions of few nodes again by a recursive Python IDA* with the same
heuristic and move order: lengths and node counts equal.
"""
import numpy as np

from common import SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, repeat_step, size_launch, \
    splitmix64, wrapping_launch

M64 = (1 << 64) - 1
U64 = np.uint64
U32 = np.uint32
GOLDEN = 0x9E3779B97F4A7C15

HEAD = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;
#define FULL 0xFFFFFFFFu
""" + SPLITMIX_CUDA

# ---- collatz -------------------------------------------------------------------------------------------------------
CZ_K = 12                  # steps a table jump (a 2^K-entry table and sieve)
CZ_G = 256                 # starting values (sieve survivors) an item
CZ_ITEMS = 1 << 22         # items (a pass over them, then again)
CZ_MAXJ = 1000             # jumps a value at most
CZ_TOPBITS = 104           # a value reaching 2^TOPBITS at a jump boundary stops, flagged
CZ_SEED = 0xC011A72
CZ_ITEMS0 = 1 << 14        # items a launch first; then as many as take about LAUNCH_S
CZ_MIN_ITEMS = 1 << 6
CZ_MAX_ITEMS = 1 << 26
CZ_CHECK = 24              # items recomputed step by step in Python


def cz_base():
    """The first starting value's block: a random multiple of 2^K in [2^70, 2^71)."""
    return ((1 << 58) | (splitmix64(CZ_SEED) >> 6)) << CZ_K


CZ_CUDA = HEAD + r"""
#define K %K%u
#define TS (1u << K)
#define G %G%u
#define MAXJ %MAXJ%u
#define TOPSHIFT %TOPSHIFT%u
__constant__ u32 P3[K + 1] = {%P3%};
// a thread a residue b of 2^K: K steps of T from b, c odd ones, d = T^K(b); flag b a survivor when 3^c_j >= 2^j after
// every step j (else any 2^K a + b, a >= 1, falls below itself within K steps)
extern "C" __global__ void collatz_table(u32* __restrict__ tab, u32* __restrict__ keep) {
  const u32 b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b >= TS) return;
  u64 n = b;
  u32 c = 0u, p3 = 1u, ok = 1u;
  for (u32 j = 1; j <= K; ++j) {
    if (n & 1ull) {
      n = (3ull * n + 1ull) >> 1;
      ++c;
      p3 *= 3u;
    } else {
      n >>= 1;
    }
    if (p3 < (1u << j)) ok = 0u;
  }
  tab[b] = (c << 20) | (u32)n;
  keep[b] = ok;
}
// a thread an item i0 + t: starting values j = G i + g, n = base + 2^K (j / ns) + surv[j % ns], each jumped K steps
// at a time (n = 2^K a + b -> 3^c(b) a + d(b)) until below its start, MAXJ jumps or n >= 2^(64 + TOPSHIFT) (flagged).
// info[4 i ..]: jump sum, longest glide in jumps, its g, flagged values; peak[2 i ..]: the highest value at a jump
// boundary (low, high word). Jump sums and flags by warp sums into stats[0..1], the longest glide by atomicMax into
// stats[2]
extern "C" __global__ void __launch_bounds__(256) collatz_run(const u32* __restrict__ tab_g,
                                                              const u32* __restrict__ surv_g, u32 ns, u64 base_lo,
                                                              u64 base_hi, u32 i0, u32 cnt, u32* __restrict__ info,
                                                              u64* __restrict__ peak, u64* __restrict__ stats) {
  __shared__ u32 tab[TS];
  __shared__ u32 sv[TS];
  for (u32 k = threadIdx.x; k < TS; k += blockDim.x) {
    tab[k] = tab_g[k];
    sv[k] = k < ns ? surv_g[k] : 0u;
  }
  __syncthreads();
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  const bool live = t < cnt && ns > 0u;
  u32 tot = 0u, bj = 0u, bg = 0u, bad = 0u;
  u64 plo = 0ull, phi = 0ull;
  if (live) {
    const u64 i = (u64)i0 + t;
    for (u32 g = 0; g < G; ++g) {
      const u64 j = i * G + g;
      const u64 add = ((j / ns) << K) | (u64)sv[(u32)(j % ns)];
      u64 lo = base_lo + add;
      u64 hi = base_hi + (lo < add ? 1ull : 0ull);
      const u64 slo = lo, shi = hi;
      u64 mlo = lo, mhi = hi;
      u32 nj = 0u;
      for (;;) {
        if ((hi >> TOPSHIFT) != 0ull || nj == MAXJ) {
          ++bad;
          break;
        }
        const u32 e = tab[(u32)lo & (TS - 1u)];
        const u64 m = P3[e >> 20], d = e & 0xFFFFFu;
        const u64 alo = (lo >> K) | (hi << (64u - K)), ahi = hi >> K;
        const u64 pl = alo * m, ph = __umul64hi(alo, m);
        lo = pl + d;
        hi = ahi * m + ph + (lo < d ? 1ull : 0ull);
        ++nj;
        if (hi > mhi || (hi == mhi && lo > mlo)) {
          mhi = hi;
          mlo = lo;
        }
        if (hi < shi || (hi == shi && lo < slo)) break;
      }
      tot += nj;
      if (nj > bj) {
        bj = nj;
        bg = g;
      }
      if (mhi > phi || (mhi == phi && mlo > plo)) {
        phi = mhi;
        plo = mlo;
      }
    }
    info[4ull * i] = tot;
    info[4ull * i + 1ull] = bj;
    info[4ull * i + 2ull] = bg;
    info[4ull * i + 3ull] = bad;
    peak[2ull * i] = plo;
    peak[2ull * i + 1ull] = phi;
  }
  const u32 st = __reduce_add_sync(FULL, tot), sb = __reduce_add_sync(FULL, bad), mx = __reduce_max_sync(FULL, bj);
  if ((threadIdx.x & 31u) == 0u) {
    if (st) atomicAdd(&stats[0], (u64)st);
    if (sb) atomicAdd(&stats[1], (u64)sb);
    if (mx) atomicMax(&stats[2], (u64)mx);
  }
}
"""


def cz_src():
    return fill_source(CZ_CUDA, K=CZ_K, G=CZ_G, MAXJ=CZ_MAXJ, TOPSHIFT=CZ_TOPBITS - 64,
                       P3=", ".join(f"{3 ** c}u" for c in range(CZ_K + 1)))


CZ_SRC = cz_src()


def cz_T(n):
    return n >> 1 if n % 2 == 0 else (3 * n + 1) >> 1


def cz_survivors_py():
    """The residues of 2^K that the sieve keeps, by plain steps of T with the coefficient's power of 3."""
    out = []
    for b in range(1 << CZ_K):
        n, p3, ok = b, 1, True
        for j in range(1, CZ_K + 1):
            if n % 2:
                p3 *= 3
            n = cz_T(n)
            ok &= p3 >= 1 << j
        if ok:
            out.append(b)
    return out


def cz_item_py(i, surv):
    """Item i by plain steps of T on Python ints, checked at every K-th step: (jump sum, longest glide, its g, flagged,
    highest value at a jump boundary)."""
    tot = bj = bg = bad = 0
    peak = 0
    base = cz_base()
    for g in range(CZ_G):
        j = i * CZ_G + g
        n0 = base + ((j // len(surv)) << CZ_K) + surv[j % len(surv)]
        n, mx, nj = n0, n0, 0
        while True:
            if n >= 1 << CZ_TOPBITS or nj == CZ_MAXJ:
                bad += 1
                break
            for _ in range(CZ_K):
                n = cz_T(n)
            nj += 1
            mx = max(mx, n)
            if n < n0:
                break
        tot += nj
        if nj > bj:
            bj, bg = nj, g
        peak = max(peak, mx)
    return tot, bj, bg, bad, peak


def collatz(variant, clock):
    if variant != "verify":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=cz_src())
    tk, rk = (mod.get_function(k) for k in ("collatz_table", "collatz_run"))
    ts = 1 << CZ_K
    tab = cp.zeros(ts, dtype=cp.uint32)
    keep = cp.zeros(ts, dtype=cp.uint32)
    tk(((ts + 255) // 256,), (256,), (tab, keep))
    surv = cp.nonzero(keep)[0].astype(cp.uint32)
    ns = int(surv.shape[0])
    n = CZ_ITEMS
    base = cz_base()
    info = cp.zeros(4 * n, dtype=cp.uint32)
    peak = cp.zeros(2 * n, dtype=cp.uint64)
    stats = cp.zeros(3, dtype=cp.uint64)
    state = {"cursor": 0, "items": CZ_ITEMS0, "done": 0}

    def run(i0, cnt):
        rk(((cnt + 255) // 256,), (256,), (tab, surv, U32(ns), U64(base & M64), U64(base >> 64), U32(i0), U32(cnt),
                                           info, peak, stats))

    launch = wrapping_launch(state, "items", n, run)
    size_launch(launch, state, "items", CZ_MIN_ITEMS, CZ_MAX_ITEMS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every item: the warp sums and maxima against array operators, every item's fields too
    stats.fill(0)
    run(0, n)
    f = info.reshape(n, 4)
    tot, bj, bg, bad = (f[:, k].astype(cp.int64) for k in range(4))
    pk = peak.reshape(n, 2)
    hst = stats.get().astype(np.int64).tolist()
    jumps = int(tot.sum())
    count_ok = hst == [jumps, int(bad.sum()), int(bj.max())]
    bh = U64(base >> 64)
    item_ok = bool((tot >= CZ_G).all()) and bool((bj <= tot).all()) and bool((bj >= 1).all()) and \
        bool((bg < CZ_G).all()) and bool(((pk[:, 1] > bh) | ((pk[:, 1] == bh) & (pk[:, 0] >= U64(base & M64)))).all())
    nbad = int(bad.sum())
    del f, tot, bg, bad, pk
    # the survivor list against a Python sieve; sampled items step by step with Python's big integers
    sv = cz_survivors_py()
    surv_ok = surv.get().tolist() == sv
    rng = np.random.default_rng(90)
    picks = np.sort(rng.choice(n, min(n, CZ_CHECK), replace=False)).tolist()
    item_good = 0
    hi_info, hi_peak = info.reshape(n, 4), peak.reshape(n, 2)
    for i in picks:
        t, b1, g1, f1, p1 = cz_item_py(i, sv)
        got = hi_info[i].get().tolist()
        gp = hi_peak[i].get().tolist()
        item_good += got == [t, b1, g1, f1] and gp == [p1 & M64, p1 >> 64]
    ok = count_ok and item_ok and surv_ok and item_good == len(picks)
    longest = int(bj.max())
    note(f"collatz/{variant}: {state['done']} items verified after READY ({n} items of {CZ_G} starting values from "
         f"2^{base.bit_length() - 1}, {ns} sieve survivors of 2^{CZ_K}, {CZ_K}-step table jumps, "
         f"{state['items']} items a launch), {jumps / (n * CZ_G):.2f} jumps a value, longest glide "
         f"{longest * CZ_K} steps, {nbad} flagged; warp sums and maxima equal to array operators': {count_ok}, every "
         f"item well formed: {item_ok}, survivors equal to a Python sieve: {surv_ok}, {len(picks)} items equal to "
         f"Python's plain steps: {item_good}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({state['items'] * CZ_G / per / 1e9:.3f} G values/s), {nl} a step")


# ---- mfaktc --------------------------------------------------------------------------------------------------------
MF_KB = 8192               # k a block (256 threads x 32 bits)
MF_NP = 512                # sieving primes: the odd primes from 3
MF_SMALLP = 32             # the first primes (3-137) struck by every thread of a block in turn
MF_TOP = 6                 # top bits of p taken as the starting power
# (p, first k): two exponents with small factors in range (2^p - 1 divisible by 2 k p + 1 for k = 475 and 124455),
# two Mersenne-prime exponents at GIMPS-like bit levels (q of 75-77 bits)
MF_JOBS = [(75000017, 1), (82589933, 1 << 48), (89000141, 119455), (77232917, (1 << 47) + 12288)]
MF_PLANTED = [(0, 475), (2, 124455)]   # (job, k) of the known factors
MF_BLOCKS = 1 << 20        # blocks (a pass over them, then again): job b % 4, its (b // 4)-th 8192 k
MF_MAXHITS = 1 << 12
MF_BLOCKS0 = 1 << 10       # blocks a launch first; then as many as take about LAUNCH_S
MF_MIN_BLOCKS = 4
MF_MAX_BLOCKS = 1 << 22
MF_CHECK = 16              # blocks a job recomputed in Python


def mf_primes():
    out, c = [], 3
    while len(out) < MF_NP:
        if all(c % d for d in range(3, int(c ** 0.5) + 1, 2)):
            out.append(c)
        c += 2
    return out


def mf_residues():
    """For each job and sieving prime r: the k mod r with r | 2 k p + 1, -(2p)^-1 mod r (uint32, job-major)."""
    pr = mf_primes()
    return [(-pow(2 * p, -1, r)) % r for p, _ in MF_JOBS for r in pr]


MF_CUDA = HEAD + r"""
#define KB %KB%u
#define NP %NP%u
#define NJOBS %NJOBS%u
#define TOP %TOP%u
#define MAXHITS %MAXHITS%u
#define SMALLP %SMALLP%u
__constant__ u64 EXPO[NJOBS] = {%EXPO%};
__constant__ u64 KST[NJOBS] = {%KST%};
// a * b / 2^128 mod q (CIOS Montgomery multiplication, two 64-bit limbs), a, b < q < 2^126, qi = -q^-1 mod 2^64
__device__ __forceinline__ void mf_mont(u64 a0, u64 a1, u64 b0, u64 b1, u64 q0, u64 q1, u64 qi, u64& r0, u64& r1) {
  u64 t0 = 0ull, t1 = 0ull, t2 = 0ull;
#pragma unroll
  for (u32 w = 0; w < 2u; ++w) {
    const u64 bw = w ? b1 : b0;
    u64 lo = a0 * bw, hi = __umul64hi(a0, bw);
    t0 += lo;
    hi += t0 < lo ? 1ull : 0ull;
    u64 lo1 = a1 * bw, hi1 = __umul64hi(a1, bw);
    t1 += hi;
    u64 c = t1 < hi ? 1ull : 0ull;
    t1 += lo1;
    c += t1 < lo1 ? 1ull : 0ull;
    t2 += hi1 + c;
    const u64 m = t0 * qi;
    lo = m * q0;
    hi = __umul64hi(m, q0);
    t0 += lo;
    hi += t0 < lo ? 1ull : 0ull;
    lo1 = m * q1;
    hi1 = __umul64hi(m, q1);
    t1 += hi;
    c = t1 < hi ? 1ull : 0ull;
    t1 += lo1;
    c += t1 < lo1 ? 1ull : 0ull;
    t2 += hi1 + c;
    t0 = t1;
    t1 = t2;
    t2 = 0ull;
  }
  if (t1 > q1 || (t1 == q1 && t0 >= q0)) {
    const u64 bw = t0 < q0 ? 1ull : 0ull;
    t0 -= q0;
    t1 -= q1 + bw;
  }
  r0 = t0;
  r1 = t1;
}
// x = 2 x mod q, x < q < 2^126
__device__ __forceinline__ void mf_dbl(u64& x0, u64& x1, u64 q0, u64 q1) {
  x1 = (x1 << 1) | (x0 >> 63);
  x0 <<= 1;
  if (x1 > q1 || (x1 == q1 && x0 >= q0)) {
    const u64 bw = x0 < q0 ? 1ull : 0ull;
    x0 -= q0;
    x1 -= q1 + bw;
  }
}
// 2^p mod q for odd q in [3, 2^126), p >= 2^TOP: left-to-right binary exponentiation in Montgomery form (R = 2^128)
__device__ void mf_pow2(u64 p, u64 q0, u64 q1, u64& r0, u64& r1) {
  u64 x = q0;  // -q^-1 mod 2^64 by Newton's iteration: q q = 1 mod 8, the correct bits doubling each time
#pragma unroll
  for (int s = 0; s < 5; ++s) x *= 2ull - q0 * x;
  const u64 qi = 0ull - x;
  const u32 L = q1 ? 128u - (u32)__clzll((long long)q1) : 64u - (u32)__clzll((long long)q0);
  const u32 pb = 64u - (u32)__clzll((long long)p);
  const u32 t = (u32)(p >> (pb - TOP));
  // 2^(L - 1) < q, doubled mod q up to 2^(128 + t): the top TOP bits of p in Montgomery form
  u64 x0 = L - 1u < 64u ? 1ull << (L - 1u) : 0ull, x1 = L - 1u < 64u ? 0ull : 1ull << (L - 65u);
  for (u32 k = L - 1u; k < 128u + t; ++k) mf_dbl(x0, x1, q0, q1);
  for (int b = (int)(pb - TOP) - 1; b >= 0; --b) {
    mf_mont(x0, x1, x0, x1, q0, q1, qi, x0, x1);
    if ((p >> b) & 1ull) mf_dbl(x0, x1, q0, q1);
  }
  mf_mont(x0, x1, 1ull, 0ull, q0, q1, qi, r0, r1);
}
__device__ __forceinline__ u64 mf_mix(u64 r0, u64 r1, u32 j) { return splitmix(r0 ^ splitmix(r1 ^ (u64)j)); }
// a 256-thread block a block b = b0 + blockIdx.x: job b % NJOBS, k from KST + (b / NJOBS) KB. The sieve: bit j of the
// shared bitmap struck where r | 2 (kbase + j) p + 1 for a sieving prime r (a thread every 256th prime); then thread w
// tests its word's survivors with q = +-1 mod 8. Tested count and the XOR of mf_mix of the residues to cnt[b],
// fold[b]; hits (job, k) to hits by stats[1]; tested counts by warp sums into stats[0]
extern "C" __global__ void __launch_bounds__(256) mfaktc_run(const u32* __restrict__ primes,
                                                             const u32* __restrict__ kres, u32 b0, u32 cnt,
                                                             u32* __restrict__ count, u64* __restrict__ fold,
                                                             u64* __restrict__ hits, u64* __restrict__ stats) {
  __shared__ u32 bits[KB / 32u];
  __shared__ u64 sfold;
  __shared__ u32 scnt;
  __shared__ u32 sj0[SMALLP];
  if (blockIdx.x >= cnt) return;
  const u32 b = b0 + blockIdx.x, job = b % NJOBS;
  const u64 kbase = KST[job] + (u64)(b / NJOBS) * KB, p = EXPO[job];
  for (u32 w = threadIdx.x; w < KB / 32u; w += blockDim.x) bits[w] = 0u;
  if (threadIdx.x == 0u) {
    sfold = 0ull;
    scnt = 0u;
  }
  __syncthreads();
  // the first SMALLP primes (many strikes each) by every thread in turn from a shared start, the rest a thread a prime
  for (u32 s = threadIdx.x; s < NP; s += blockDim.x) {
    const u32 r = primes[s], k0 = kres[job * NP + s];
    const u32 j0 = (k0 + r - (u32)(kbase % r)) % r;
    if (s < SMALLP) {
      sj0[s] = j0;
      continue;
    }
    for (u32 j = j0; j < KB; j += r) atomicOr(&bits[j >> 5], 1u << (j & 31u));
  }
  __syncthreads();
  for (u32 s = 0; s < SMALLP; ++s) {
    const u32 r = primes[s];
    for (u32 j = sj0[s] + threadIdx.x * r; j < KB; j += blockDim.x * r) atomicOr(&bits[j >> 5], 1u << (j & 31u));
  }
  __syncthreads();
  u32 n = 0u;
  u64 f = 0ull;
  for (u32 w = threadIdx.x; w < KB / 32u; w += blockDim.x) {
    u32 word = ~bits[w];
    while (word) {
      const u32 j = 32u * w + (u32)(__ffs((int)word) - 1);
      word &= word - 1u;
      const u64 k = kbase + j, tp = 2ull * p;
      const u64 q0 = k * tp + 1ull, q1 = __umul64hi(k, tp);  // k tp even: no carry from the + 1
      if ((q0 & 7ull) != 1ull && (q0 & 7ull) != 7ull) continue;
      ++n;
      u64 r0, r1;
      mf_pow2(p, q0, q1, r0, r1);
      f ^= mf_mix(r0, r1, j);
      if (r0 == 1ull && r1 == 0ull) {
        const u64 slot = atomicAdd(&stats[1], 1ull);
        if (slot < MAXHITS) {
          hits[2ull * slot] = job;
          hits[2ull * slot + 1ull] = k;
        }
      }
    }
  }
  const u32 sn = __reduce_add_sync(FULL, n);
  for (u32 o = 16u; o; o >>= 1) f ^= __shfl_xor_sync(FULL, f, o);
  if ((threadIdx.x & 31u) == 0u) {
    if (sn) atomicAdd(&scnt, sn);
    if (f) atomicXor(&sfold, f);
  }
  __syncthreads();
  if (threadIdx.x == 0u) {
    count[b] = scnt;
    fold[b] = sfold;
    if (scnt) atomicAdd(&stats[0], (u64)scnt);
  }
}
"""


def mf_src():
    return fill_source(MF_CUDA, KB=MF_KB, NP=MF_NP, SMALLP=MF_SMALLP, NJOBS=len(MF_JOBS), TOP=MF_TOP,
                       MAXHITS=MF_MAXHITS, EXPO=", ".join(f"{p}ull" for p, _ in MF_JOBS),
                       KST=", ".join(f"{k}ull" for _, k in MF_JOBS))


MF_SRC = mf_src()


def mf_block_py(b, primes_np):
    """Block b recomputed in Python: the sieve by q mod r for every prime (NumPy), 2^p mod q by pow: (tested, fold)."""
    job = b % len(MF_JOBS)
    p, k0 = MF_JOBS[job]
    kbase = k0 + (b // len(MF_JOBS)) * MF_KB
    j = np.arange(MF_KB, dtype=np.int64)
    alive = np.ones(MF_KB, dtype=bool)
    for r in primes_np.tolist():
        alive &= ((2 * kbase * p + 1) % r + j * ((2 * p) % r)) % r != 0
    fold = cnt = 0
    for jj in np.nonzero(alive)[0].tolist():
        q = 2 * (kbase + jj) * p + 1
        if q % 8 not in (1, 7):
            continue
        cnt += 1
        x = pow(2, p, q)
        fold ^= splitmix64((x & M64) ^ splitmix64((x >> 64) ^ jj))
    return cnt, fold


def mfaktc(variant, clock):
    if variant != "trialfactor":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=mf_src())
    rk = mod.get_function("mfaktc_run")
    pr = mf_primes()
    primes = cp.asarray(np.array(pr, dtype=np.uint32))
    kres = cp.asarray(np.array(mf_residues(), dtype=np.uint32))
    nb, nj = MF_BLOCKS, len(MF_JOBS)
    count = cp.zeros(nb, dtype=cp.uint32)
    fold = cp.zeros(nb, dtype=cp.uint64)
    hits = cp.zeros(2 * MF_MAXHITS, dtype=cp.uint64)
    stats = cp.zeros(2, dtype=cp.uint64)
    state = {"cursor": 0, "blocks": MF_BLOCKS0, "done": 0}

    def clear():
        stats[1:2].fill(0)

    def run(b0, cnt):
        rk((cnt,), (256,), (primes, kres, U32(b0), U32(cnt), count, fold, hits, stats))

    launch = wrapping_launch(state, "blocks", nb, run, on_wrap=clear)
    size_launch(launch, state, "blocks", MF_MIN_BLOCKS, MF_MAX_BLOCKS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every block: the tested counts against the warp sums; every hit verified by pow
    stats.fill(0)
    run(0, nb)
    hst = stats.get().astype(np.int64).tolist()
    tested = int(count.astype(cp.uint64).sum())
    count_ok = hst[0] == tested and 0 <= hst[1] <= MF_MAXHITS
    hl = hits[:2 * min(hst[1], MF_MAXHITS)].get().reshape(-1, 2).tolist()
    hit_set = {(int(jb), int(k)) for jb, k in hl}
    hits_ok = all(pow(2, MF_JOBS[jb][0], 2 * k * MF_JOBS[jb][0] + 1) == 1 for jb, k in hit_set) and \
        len(hit_set) == len(hl)
    planted = [(jb, k) for jb, k in MF_PLANTED if (k - MF_JOBS[jb][1]) // MF_KB * nj + jb < nb]
    planted_ok = all(x in hit_set for x in planted)
    # sampled blocks of every job: the sieve and the residues again in Python
    rng = np.random.default_rng(91)
    pnp = np.array(pr, dtype=np.int64)
    picks = []
    for jb in range(nj):
        cand = np.arange(jb, nb, nj)
        picks += sorted(set(rng.choice(cand, min(len(cand), MF_CHECK), replace=False).tolist()) | {int(cand[0])})
    hc, hf = count.get(), fold.get()
    block_good = 0
    for b in picks:
        c, fo = mf_block_py(b, pnp)
        block_good += int(hc[b]) == c and int(hf[b]) == fo
    ok = count_ok and hits_ok and planted_ok and block_good == len(picks)
    desc = ", ".join(f"M{p} from {2 * k0 * p + 1:.3g}" for p, k0 in MF_JOBS)
    note(f"mfaktc/{variant}: {state['done']} blocks of {MF_KB} k sieved and tested after READY ({nb} blocks over "
         f"{nj} exponents, q of {desc}; {MF_NP} sieving primes, {state['blocks']} blocks a launch), "
         f"{tested / nb:.1f} candidates tested a block, hits {sorted(hit_set)[:6]}; warp sums equal to the counts' "
         f"sum: {count_ok}, every hit a factor by pow: {hits_ok}, the {len(planted)} planted factors found: "
         f"{planted_ok}, {len(picks)} blocks' counts and residue folds equal to Python's sieve and pow: "
         f"{block_good}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['blocks'] * tested / nb / per / 1e6:.1f} M candidates/s), {nl} a step")


# ---- mandelbrot ----------------------------------------------------------------------------------------------------
MB_F = 120                 # fraction bits of the 128-bit two's-complement fixed point
MB_W = 1024                # pixels a view side
MB_ZOOMS = [24, 34, 44, 54]  # a pixel is 2^-ZOOM in each view
MB_CAP = 4096              # iterations at most (a power of two)
MB_BINS = 64               # histogram bins of count / (CAP / BINS), and one for the cap
MB_CX = "-0.743643887037158704752191506114774"
MB_CY = "0.131825904205311970493132056385139"
MB_TILES0 = 1 << 8         # tiles a launch first; then as many as take about LAUNCH_S
MB_MIN_TILES = 1
MB_MAX_TILES = 1 << 16
MB_CHECK = 48              # pixels recomputed in Python


def mb_fixed(s):
    """A decimal string as fixed point, truncated toward zero."""
    neg = s.startswith("-")
    ip, _, fp = s.lstrip("-").partition(".")
    v = (int(ip + fp) << MB_F) // 10 ** len(fp)
    return -v if neg else v


MB_CUDA = HEAD + r"""
#define F %F%u
#define W %W%u
#define NV %NV%u
#define CAP %CAP%u
#define SH %SH%u
#define NB %NB%u
__constant__ u32 ZOOM[NV] = {%ZOOM%};
#define CXL %CXL%ull
#define CXH %CXH%ull
#define CYL %CYL%ull
#define CYH %CYH%ull
__device__ __forceinline__ void mb_neg(u64& lo, u64& hi) {
  lo = ~lo + 1ull;
  hi = ~hi + (lo == 0ull ? 1ull : 0ull);
}
__device__ __forceinline__ void mb_add(u64& lo, u64& hi, u64 blo, u64 bhi) {
  lo += blo;
  hi += bhi + (lo < blo ? 1ull : 0ull);
}
__device__ __forceinline__ void mb_sub(u64& lo, u64& hi, u64 blo, u64 bhi) {
  const u64 bw = lo < blo ? 1ull : 0ull;
  lo -= blo;
  hi -= bhi + bw;
}
// a b / 2^F: the magnitudes' 256-bit product from four 64 x 64 -> 128-bit products, bits F to F + 127 kept (the
// magnitude truncated), the sign restored; |a|, |b| < 2^(F + 3)
__device__ __forceinline__ void mb_mul(u64 alo, u64 ahi, u64 blo, u64 bhi, u64& rlo, u64& rhi) {
  const bool na = (long long)ahi < 0, nb = (long long)bhi < 0;
  if (na) mb_neg(alo, ahi);
  if (nb) mb_neg(blo, bhi);
  const u64 c0 = __umul64hi(alo, blo);
  const u64 m1l = alo * bhi, m1h = __umul64hi(alo, bhi), m2l = ahi * blo, m2h = __umul64hi(ahi, blo);
  const u64 hl = ahi * bhi, hh = __umul64hi(ahi, bhi);
  u64 p1 = c0 + m1l, k1 = p1 < m1l ? 1ull : 0ull;
  p1 += m2l;
  k1 += p1 < m2l ? 1ull : 0ull;
  u64 p2 = m1h + m2h, k2 = p2 < m2h ? 1ull : 0ull;
  p2 += hl;
  k2 += p2 < hl ? 1ull : 0ull;
  p2 += k1;
  k2 += p2 < k1 ? 1ull : 0ull;
  const u64 p3 = hh + k2;
  rlo = (p1 >> (F - 64u)) | (p2 << (128u - F));
  rhi = (p2 >> (F - 64u)) | (p3 << (128u - F));
  if (na != nb) mb_neg(rlo, rhi);
}
// d 2^s as a 128-bit two's-complement value, 0 <= s < 128
__device__ __forceinline__ void mb_shl(long long d, u32 s, u64& lo, u64& hi) {
  lo = (u64)d;
  hi = d < 0 ? ~0ull : 0ull;
  if (s >= 64u) {
    hi = lo << (s - 64u);
    lo = 0ull;
  } else if (s) {
    hi = (hi << s) | (lo >> (64u - s));
    lo <<= s;
  }
}
// a 256-thread block a 16 x 16 tile t0 + blockIdx.x (view-major, then rows of tiles), a thread a pixel: iterations of
// z = z^2 + c from 0 until |z|^2 > 4 or CAP to it[pixel]; a shared histogram of it >> SH to hist, iteration sums and
// capped pixels by warp sums and ballots into stats[0..1]
extern "C" __global__ void __launch_bounds__(256) mandelbrot_tile(u32 t0, u32 cnt, u32* __restrict__ it,
                                                                  u32* __restrict__ hist, u64* __restrict__ stats) {
  __shared__ u32 sh[NB];
  for (u32 k = threadIdx.x; k < NB; k += blockDim.x) sh[k] = 0u;
  __syncthreads();
  const bool live = blockIdx.x < cnt;
  u32 n = 0u;
  if (live) {
    const u32 tile = t0 + blockIdx.x, tw = W / 16u;
    const u32 v = tile / (tw * tw), ty = (tile / tw) % tw, tx = tile % tw;
    const u32 px = tx * 16u + (threadIdx.x & 15u), py = ty * 16u + (threadIdx.x >> 4);
    u64 cxl, cxh, cyl, cyh;
    mb_shl((long long)px - (long long)(W / 2u), F - ZOOM[v], cxl, cxh);
    mb_shl((long long)(W / 2u) - (long long)py, F - ZOOM[v], cyl, cyh);
    mb_add(cxl, cxh, CXL, CXH);
    mb_add(cyl, cyh, CYL, CYH);
    u64 xl = 0ull, xh = 0ull, yl = 0ull, yh = 0ull;
    while (n < CAP) {
      u64 x2l, x2h, y2l, y2h, xyl, xyh;
      mb_mul(xl, xh, xl, xh, x2l, x2h);
      mb_mul(yl, yh, yl, yh, y2l, y2h);
      u64 sl = x2l, shh = x2h;
      mb_add(sl, shh, y2l, y2h);
      if (shh > (4ull << (F - 64u)) || (shh == (4ull << (F - 64u)) && sl != 0ull)) break;
      mb_mul(xl, xh, yl, yh, xyl, xyh);
      yh = (xyh << 1) | (xyl >> 63);
      yl = xyl << 1;
      mb_add(yl, yh, cyl, cyh);
      xl = x2l;
      xh = x2h;
      mb_sub(xl, xh, y2l, y2h);
      mb_add(xl, xh, cxl, cxh);
      ++n;
    }
    it[((u64)v * W + py) * W + px] = n;
    atomicAdd(&sh[n >> SH], 1u);
  }
  const u32 sn = __reduce_add_sync(FULL, n), capped = __ballot_sync(FULL, live && n == CAP);
  if ((threadIdx.x & 31u) == 0u) {
    if (sn) atomicAdd(&stats[0], (u64)sn);
    if (capped) atomicAdd(&stats[1], (u64)__popc(capped));
  }
  __syncthreads();
  for (u32 k = threadIdx.x; k < NB; k += blockDim.x)
    if (sh[k]) atomicAdd(&hist[k], sh[k]);
}
"""


def mb_src():
    cx, cy = mb_fixed(MB_CX) % (1 << 128), mb_fixed(MB_CY) % (1 << 128)
    sh = (MB_CAP // MB_BINS).bit_length() - 1
    return fill_source(MB_CUDA, F=MB_F, W=MB_W, NV=len(MB_ZOOMS), CAP=MB_CAP, SH=sh, NB=(MB_CAP >> sh) + 1,
                       ZOOM=", ".join(f"{z}u" for z in MB_ZOOMS), CXL=hex(cx & M64), CXH=hex(cx >> 64),
                       CYL=hex(cy & M64), CYH=hex(cy >> 64))


MB_SRC = mb_src()


def mb_pixel_py(v, px, py):
    """A pixel's iteration count with Python integers in the same fixed point: products of magnitudes shifted right
    by F (truncated toward zero), signs restored."""
    def mul(a, b):
        m = (abs(a) * abs(b)) >> MB_F
        return -m if (a < 0) != (b < 0) else m
    s = MB_F - MB_ZOOMS[v]
    cx = mb_fixed(MB_CX) + ((px - MB_W // 2) << s)
    cy = mb_fixed(MB_CY) + ((MB_W // 2 - py) << s)
    x = y = n = 0
    four = 4 << MB_F
    while n < MB_CAP:
        x2, y2 = mul(x, x), mul(y, y)
        if x2 + y2 > four:
            break
        y = 2 * mul(x, y) + cy
        x = x2 - y2 + cx
        n += 1
    return n


def mandelbrot(variant, clock):
    if variant != "fixedpoint":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=mb_src())
    tk = mod.get_function("mandelbrot_tile")
    nv, w = len(MB_ZOOMS), MB_W
    ntiles = nv * (w // 16) ** 2
    sh = (MB_CAP // MB_BINS).bit_length() - 1
    nbins = (MB_CAP >> sh) + 1
    it = cp.zeros(nv * w * w, dtype=cp.uint32)
    hist = cp.zeros(nbins, dtype=cp.uint32)
    stats = cp.zeros(2, dtype=cp.uint64)
    state = {"cursor": 0, "tiles": MB_TILES0, "done": 0}

    def clear():
        hist.fill(0)

    def run(t0, cnt):
        tk((cnt,), (256,), (U32(t0), U32(cnt), it, hist, stats))

    launch = wrapping_launch(state, "tiles", ntiles, run, on_wrap=clear)
    size_launch(launch, state, "tiles", MB_MIN_TILES, MB_MAX_TILES)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every tile into clear counters: histogram and sums against cupy.bincount and array sums
    clear()
    stats.fill(0)
    run(0, ntiles)
    hst = stats.get().astype(np.int64).tolist()
    its = int(it.astype(cp.uint64).sum())
    ncap = int((it == U32(MB_CAP)).sum())
    count_ok = hst == [its, ncap] and bool((cp.bincount((it >> U32(sh)).astype(cp.int64), minlength=nbins) ==
                                            hist).all()) and bool((it <= U32(MB_CAP)).all())
    # sampled pixels (some escaping, some capped where there are) against Python's fixed point
    rng = np.random.default_rng(92)
    picks = sorted(set(rng.choice(nv * w * w, min(nv * w * w, MB_CHECK), replace=False).tolist()))
    hi = it.get()
    pix_good = 0
    for p in picks:
        v, py, px = p // (w * w), (p // w) % w, p % w
        pix_good += int(hi[p]) == mb_pixel_py(v, px, py)
    ok = count_ok and pix_good == len(picks)
    views = ", ".join(f"2^-{z}: {float(hi[k * w * w:(k + 1) * w * w].mean()):.0f}" for k, z in enumerate(MB_ZOOMS))
    note(f"mandelbrot/{variant}: {state['done']} tiles rendered after READY ({nv} views of {w} x {w} pixels, "
         f"{MB_F}-bit-fraction 128-bit fixed point, cap {MB_CAP}, {state['tiles']} tiles a launch), mean iterations "
         f"by pixel size {views}, {ncap} pixels capped; histogram and sums equal to cupy.bincount and array sums: "
         f"{count_ok}, {len(picks)} pixels equal to Python's fixed point: {pix_good}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({its / ntiles * state['tiles'] / per / 1e9:.3f} G iterations/s), {nl} a step")


# ---- puzzle15 ------------------------------------------------------------------------------------------------------
PZ_N = 1 << 20             # positions (a pass over them, then again)
PZ_LMIN = 30               # random moves a scramble: LMIN to LMAX
PZ_LMAX = 60
PZ_CAPN = 1 << 18          # nodes a position at most
PZ_MAXD = 80               # the longest optimal solution of the 15-puzzle
PZ_SEED = 0x15B0A2D
PZ_UNSOLVED = 255
PZ_POS0 = 1 << 12          # positions a launch first; then as many as take about LAUNCH_S
PZ_MIN_POS = 1 << 5
PZ_MAX_POS = 1 << 22
PZ_CHECK = 24              # solved positions solved again in Python
PZ_PYNODES = 2000          # ... among those of at most this many nodes
PZ_REGEN = 256             # positions regenerated in Python
PZ_GOAL = sum((i + 1) << (4 * i) for i in range(15))

PZ_CUDA = HEAD + r"""
#define LMIN %LMIN%u
#define LMAX %LMAX%u
#define CAPN %CAPN%u
#define MAXD %MAXD%u
#define SEED %SEED%ull
#define GOAL %GOAL%ull
#define UNSOLVED %UNSOLVED%u
// moves of the blank: 0 up, 1 left, 2 right, 3 down (3 - d undoes d)
__device__ __forceinline__ bool pz_legal(u32 z, u32 d) {
  return d == 0u ? z >= 4u : d == 1u ? (z & 3u) != 0u : d == 2u ? (z & 3u) != 3u : z < 12u;
}
__device__ __forceinline__ u32 pz_dest(u32 z, u32 d) {
  return d == 0u ? z - 4u : d == 1u ? z - 1u : d == 2u ? z + 1u : z + 4u;
}
__device__ __forceinline__ u32 pz_tile(u64 b, u32 i) { return (u32)(b >> (4u * i)) & 15u; }
// the tile at n moves to the blank's cell z (the blank's nibble is 0)
__device__ __forceinline__ u64 pz_move(u64 b, u32 z, u32 n) {
  const u64 t = (b >> (4u * n)) & 15ull;
  return (b & ~(15ull << (4u * n))) | (t << (4u * z));
}
__device__ __forceinline__ u32 pz_dist(u32 i, u32 t) {
  const u32 g = t - 1u;
  const int dr = (int)(i >> 2) - (int)(g >> 2), dc = (int)(i & 3u) - (int)(g & 3u);
  return (u32)(abs(dr) + abs(dc));
}
// a line's linear conflicts: its tiles whose goal is in this line (goal places q[] in line order), less the longest
// increasing run of q, times 2. Line l < 4 the row l, else the column l - 4
__device__ u32 pz_lc(u64 b, u32 l) {
  u32 q[4], m = 0u;
  for (u32 k = 0; k < 4u; ++k) {
    const u32 i = l < 4u ? 4u * l + k : 4u * k + (l - 4u);
    const u32 t = pz_tile(b, i);
    if (t == 0u) continue;
    const u32 g = t - 1u;
    if (l < 4u ? (g >> 2) == l : (g & 3u) == l - 4u) q[m++] = l < 4u ? (g & 3u) : (g >> 2);
  }
  u32 lis[4], best = 0u;
  for (u32 a = 0; a < m; ++a) {
    lis[a] = 1u;
    for (u32 c = 0; c < a; ++c)
      if (q[c] < q[a] && lis[c] + 1u > lis[a]) lis[a] = lis[c] + 1u;
    if (lis[a] > best) best = lis[a];
  }
  return 2u * (m - best);
}
__device__ u32 pz_h(u64 b) {
  u32 h = 0u;
  for (u32 i = 0; i < 16u; ++i) {
    const u32 t = pz_tile(b, i);
    if (t) h += pz_dist(i, t);
  }
  for (u32 l = 0; l < 8u; ++l) h += pz_lc(b, l);
  return h;
}
// the heuristic after the tile at n moved to z (board b before, nb after): its distance, the two lines it changed
__device__ __forceinline__ u32 pz_dh(u64 b, u64 nb, u32 z, u32 n, u32 h) {
  const u32 t = pz_tile(b, n);
  const bool vert = n + 4u == z || z + 4u == n;
  const u32 l1 = vert ? (n >> 2) : 4u + (n & 3u), l2 = vert ? (z >> 2) : 4u + (z & 3u);
  return h + pz_dist(z, t) - pz_dist(n, t) + pz_lc(nb, l1) + pz_lc(nb, l2) - pz_lc(b, l1) - pz_lc(b, l2);
}
// a thread a position: LMIN-LMAX random moves of the blank from the goal (a splitmix64 draw a move, never the one
// undoing the last); the board and the scramble's length
extern "C" __global__ void puzzle15_gen(u32 n, u64* __restrict__ board, u32* __restrict__ len) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  u64 st = splitmix((u64)i ^ SEED);
  const u32 L = LMIN + (u32)(splitmix(st) % (u64)(LMAX - LMIN + 1u));
  st += 0x9E3779B97F4A7C15ull;
  u64 b = GOAL;
  u32 z = 15u, last = 4u;
  for (u32 m = 0; m < L; ++m) {
    const u64 r = splitmix(st);
    st += 0x9E3779B97F4A7C15ull;
    u32 opt[4], c = 0u;
    for (u32 d = 0; d < 4u; ++d)
      if (pz_legal(z, d) && !(last < 4u && d == 3u - last)) opt[c++] = d;
    const u32 d = opt[(u32)(((r >> 32) * (u64)c) >> 32)];
    const u32 nz = pz_dest(z, d);
    b = pz_move(b, z, nz);
    z = nz;
    last = d;
  }
  board[i] = b;
  len[i] = L;
}
// a thread a position p0 + t: IDA* (bounds from the start heuristic, each the least f that exceeded the last) by
// depth-first search on an explicit stack: nd the next move to try, mv the move taken, hs the parent's heuristic a
// level; a node counted a child made (and the root each iteration), at most CAPN. sol[i] = (h0 << 8) | length
// (UNSOLVED when capped), nodes[i]; solved positions by warp ballots into stats[0], nodes by warp sums into stats[1]
extern "C" __global__ void __launch_bounds__(128) puzzle15_solve(const u64* __restrict__ board, u32 p0, u32 cnt,
                                                                 u32* __restrict__ sol, u32* __restrict__ nodes,
                                                                 u64* __restrict__ stats) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  const bool live = t < cnt;
  u32 res = UNSOLVED, nn = 0u;
  if (live) {
    const u32 i = p0 + t;
    const u64 b0 = board[i];
    u32 z0 = 0u;
    for (u32 k = 0; k < 16u; ++k)
      if (pz_tile(b0, k) == 0u) z0 = k;
    const u32 h0 = pz_h(b0);
    u8 nd[MAXD + 1], mv[MAXD + 1], hs[MAXD + 1];
    u32 bound = h0;
    nn = 1u;
    if (h0 == 0u) res = 0u;
    while (res == UNSOLVED && bound <= MAXD) {
      u64 b = b0;
      u32 z = z0, h = h0, next = 1000u;
      int depth = 0;
      nd[0] = 0;
      bool stop = false;
      for (;;) {
        if (nd[depth] == 4u) {
          if (depth == 0) break;
          --depth;
          const u32 n = pz_dest(z, 3u - mv[depth]);
          b = pz_move(b, z, n);
          z = n;
          h = hs[depth];
          continue;
        }
        const u32 d = nd[depth]++;
        if (!pz_legal(z, d) || (depth > 0 && d == 3u - mv[depth - 1])) continue;
        const u32 n = pz_dest(z, d);
        const u64 nb = pz_move(b, z, n);
        const u32 hn = pz_dh(b, nb, z, n, h);
        ++nn;
        const u32 f = (u32)depth + 1u + hn;
        if (f > bound) {
          if (f < next) next = f;
          continue;
        }
        if (hn == 0u) {
          res = (u32)depth + 1u;
          stop = true;
          break;
        }
        if (nn >= CAPN) {
          stop = true;
          break;
        }
        hs[depth] = (u8)h;
        mv[depth] = (u8)d;
        ++depth;
        nd[depth] = 0;
        b = nb;
        z = n;
        h = hn;
      }
      if (stop) break;
      bound = next;
      ++nn;  // the root of the next iteration
    }
    sol[i] = (h0 << 8) | res;
    nodes[i] = nn;
  }
  const u32 sv = __ballot_sync(FULL, live && res != UNSOLVED), sn = __reduce_add_sync(FULL, nn);
  if ((threadIdx.x & 31u) == 0u) {
    if (sv) atomicAdd(&stats[0], (u64)__popc(sv));
    if (sn) atomicAdd(&stats[1], (u64)sn);
  }
}
"""


def pz_src():
    return fill_source(PZ_CUDA, LMIN=PZ_LMIN, LMAX=PZ_LMAX, CAPN=PZ_CAPN, MAXD=PZ_MAXD, SEED=hex(PZ_SEED),
                       GOAL=hex(PZ_GOAL), UNSOLVED=PZ_UNSOLVED)


PZ_SRC = pz_src()

_PZ_STEP = {0: -4, 1: -1, 2: 1, 3: 4}


def _pz_legal(z, d):
    return (d == 0 and z >= 4) or (d == 1 and z % 4) or (d == 2 and z % 4 != 3) or (d == 3 and z < 12)


def pz_position_py(i):
    """Position i as puzzle15_gen makes it, on a list board: (the 16 cells, the scramble's length)."""
    st = splitmix64(i ^ PZ_SEED)
    L = PZ_LMIN + splitmix64(st) % (PZ_LMAX - PZ_LMIN + 1)
    st = (st + GOLDEN) & M64
    cells = list(range(1, 16)) + [0]
    z, last = 15, None
    for _ in range(L):
        r = splitmix64(st)
        st = (st + GOLDEN) & M64
        opt = [d for d in range(4) if _pz_legal(z, d) and (last is None or d != 3 - last)]
        d = opt[((r >> 32) * len(opt)) >> 32]
        n = z + _PZ_STEP[d]
        cells[z], cells[n] = cells[n], 0
        z, last = n, d
    return cells, L


def pz_h_py(cells):
    """Manhattan distance plus linear conflicts on a list board: for each line, 2 x (its tiles with their goal in it
    less the most of them already in order, by trying every subset)."""
    h = sum(abs(i // 4 - (t - 1) // 4) + abs(i % 4 - (t - 1) % 4) for i, t in enumerate(cells) if t)
    for line in range(8):
        idx = [4 * line + k for k in range(4)] if line < 4 else [4 * k + line - 4 for k in range(4)]
        q = []
        for i in idx:
            t = cells[i]
            if t and (((t - 1) // 4 == line) if line < 4 else ((t - 1) % 4 == line - 4)):
                q.append((t - 1) % 4 if line < 4 else (t - 1) // 4)
        keep = 0
        for s in range(1 << len(q)):
            sub = [q[k] for k in range(len(q)) if s >> k & 1]
            if all(a < b for a, b in zip(sub, sub[1:])):
                keep = max(keep, len(sub))
        h += 2 * (len(q) - keep)
    return h


def pz_solve_py(cells, cap):
    """IDA* by recursion on a list board with pz_h_py, the same move order and node counting as the kernel:
    (length or PZ_UNSOLVED, nodes)."""
    cells = list(cells)
    z = cells.index(0)
    h0 = pz_h_py(cells)
    nodes = [1]
    if h0 == 0:
        return 0, 1
    bound = h0
    while bound <= PZ_MAXD:
        nxt = [1000]

        def dfs(z, g, prev):
            for d in range(4):
                if not _pz_legal(z, d) or (prev is not None and d == 3 - prev):
                    continue
                n = z + _PZ_STEP[d]
                cells[z], cells[n] = cells[n], 0
                h = pz_h_py(cells)
                nodes[0] += 1
                f = g + 1 + h
                r = None
                if f > bound:
                    nxt[0] = min(nxt[0], f)
                elif h == 0:
                    r = g + 1
                elif nodes[0] >= cap:
                    r = PZ_UNSOLVED
                else:
                    r = dfs(n, g + 1, d)
                cells[n], cells[z] = cells[z], 0
                if r is not None:
                    return r
            return None
        r = dfs(z, 0, None)
        if r is not None:
            return r, nodes[0]
        bound = nxt[0]
        nodes[0] += 1
    return PZ_UNSOLVED, nodes[0]


def puzzle15(variant, clock):
    if variant != "idastar":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=pz_src())
    genk, solvek = (mod.get_function(k) for k in ("puzzle15_gen", "puzzle15_solve"))
    n = PZ_N
    board = cp.zeros(n, dtype=cp.uint64)
    slen = cp.zeros(n, dtype=cp.uint32)
    genk(((n + 255) // 256,), (256,), (U32(n), board, slen))
    sol = cp.zeros(n, dtype=cp.uint32)
    nodes = cp.zeros(n, dtype=cp.uint32)
    stats = cp.zeros(2, dtype=cp.uint64)
    state = {"cursor": 0, "positions": PZ_POS0, "done": 0}

    def run(p0, cnt):
        solvek(((cnt + 127) // 128,), (128,), (board, U32(p0), U32(cnt), sol, nodes, stats))

    launch = wrapping_launch(state, "positions", n, run)
    size_launch(launch, state, "positions", PZ_MIN_POS, PZ_MAX_POS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every position: ballots and node sums against array sums; lengths by parity and bounds
    stats.fill(0)
    run(0, n)
    hst = stats.get().astype(np.int64).tolist()
    length = (sol & U32(255)).astype(cp.int64)
    h0 = (sol >> U32(8)).astype(cp.int64)
    solved = length != PZ_UNSOLVED
    nsolved = int(solved.sum())
    nsum = int(nodes.astype(cp.uint64).sum())
    count_ok = hst == [nsolved, nsum]
    L = slen.astype(cp.int64)
    len_ok = bool(((length % 2 == L % 2) & (length >= h0) & (length <= L))[solved].all()) and \
        bool((nodes[solved] >= 1).all())
    # regenerated positions and start heuristics; solved positions of few nodes by the recursive Python IDA*
    rng = np.random.default_rng(93)
    hb, hs, hl, hn = board.get(), sol.get(), slen.get(), nodes.get()
    regen = np.sort(rng.choice(n, min(n, PZ_REGEN), replace=False)).tolist()
    pos_good = 0
    for i in regen:
        cells, Ls = pz_position_py(i)
        word = sum(t << (4 * k) for k, t in enumerate(cells))
        pos_good += int(hb[i]) == word and int(hl[i]) == Ls and int(hs[i]) >> 8 == pz_h_py(cells)
    easy = np.nonzero(((hs & 255) != PZ_UNSOLVED) & (hn <= PZ_PYNODES))[0]
    picks = np.sort(rng.choice(easy, min(len(easy), PZ_CHECK), replace=False)).tolist() if len(easy) else []
    solve_good = 0
    for i in picks:
        cells = [(int(hb[i]) >> (4 * k)) & 15 for k in range(16)]
        solve_good += pz_solve_py(cells, PZ_CAPN) == (int(hs[i]) & 255, int(hn[i]))
    ok = count_ok and len_ok and pos_good == len(regen) and solve_good == len(picks) and len(picks) > 0
    ls = length[solved]
    mean_len = float(ls.astype(cp.float64).mean()) if nsolved else 0.0
    note(f"puzzle15/{variant}: {state['done']} positions searched after READY ({n} positions of {PZ_LMIN}-{PZ_LMAX} "
         f"random moves, at most {PZ_CAPN} nodes, {state['positions']} positions a launch), {nsolved} solved "
         f"(mean optimal length {mean_len:.1f}), {nsum / n:.0f} nodes a position; ballots and node sums equal to "
         f"array sums: {count_ok}, every length of its scramble's parity, at least the heuristic and at most the "
         f"scramble: {len_ok}, {len(regen)} positions and heuristics equal to Python's regeneration: {pos_good}, "
         f"{len(picks)} positions' lengths and nodes equal to a recursive Python IDA*: {solve_good}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({state['positions'] / per / 1e6:.3f} M positions/s, "
         f"{nsum / n * state['positions'] / per / 1e9:.2f} G nodes/s), {nl} a step")
