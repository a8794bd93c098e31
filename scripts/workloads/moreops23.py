"""Batched 0/1 knapsack by dynamic programming, RNA folding by Nussinov's base-pair maximisation, a wavelet matrix's
rank/select/quantile queries and a batched Sudoku solver (label 0).

A twenty-third set of benign work, four common GPU jobs whose pipe activity resembles hashing (integer max/compare DP
rows in shared memory with warp ballots into decision bitmaps, O(n^3) integer split-point maxima with multiply-based
triangle indexing and xor shuffles, popcounts of masked 64-bit words and binary searches of rank directories, 9-bit
candidate masks with popcount/ffs under an explicit search stack), compute-bound with modest memory traffic, absent
from the project before:

  knapsack    batched 0/1 knapsack as a logistics or scheduling solver runs it: 2^14 independent instances made on the
              GPU, 64-128 items each (weights 1-255 and values 1-1023 from the halves of a splitmix64 draw by
              multiply-high), capacities 1024-4095. A 256-thread block an instance: the DP row of int32 best values over
              capacities 0..cap in shared memory, a new row from the old one an item (two rows in turn, a thread every
              256th capacity): new[c] = max(old[c], old[c - w] + v); the take decisions (old[c - w] + v > old[c]) by a
              warp ballot into a bit matrix of one bit an item and capacity in global memory (64 KiB an instance),
              __syncthreads between items; then thread 0 walks the items back from the capacity, taking item i where
              its bit at the capacity left is set: the optimum and the chosen set as a 128-bit mask to memory, optima
              and items taken summed by atomics. Shared-memory loads, integer add/compare/select and ballots; instances
              a launch timed at set-up (2^14 a kernel, the pool wrapped as often as a launch needs).
  nussinov    RNA secondary structure by Nussinov's base-pair maximisation: 2^16 random sequences of 64-160 bases
              (2-bit packed, made on the GPU; one in 64 of A and C only, which cannot pair), pairs A-U, C-G and G-U
              with a hairpin loop of at least 3 bases. A 128-thread block a sequence: N(i, j) = max(N(i + 1, j - 1) + 1
              where i and j pair, max over i <= k < j of N(i, k) + N(k + 1, j)), the triangle in shared memory as int16
              (row i from i n - i (i - 1) / 2: integer multiplies for every access), filled an anti-diagonal at a time
              with __syncthreads between; a diagonal's cells each split into 1-32 slices of their split points so that
              the block stays busy, the slices' maxima joined by xor shuffles. Then thread 0 traces a structure back on
              an explicit stack of intervals (partners to memory, 255 unpaired); scores and traced pairs summed by
              atomics. O(n^3) integer max/add over shared memory; sequences a launch timed at set-up.
  wavelet     a wavelet matrix over 2^26 skewed 8-bit symbols (the top byte of the product of two random bytes: small
              symbols common, 255 never) made on the GPU: 8 levels, most significant bit first, each a 2^26-bit vector
              of 64-bit words with Vigna's rank9 directory (a 64-bit count of the ones before each 512-bit block and
              seven 9-bit counts within it, read as one 16-byte load), built on the GPU level by level (the level's bits
              gathered from the symbols in the level's order, block popcounts, CuPy's cumsum for the directory, then
              the stable partition into the next level's order by rank: zeros to i - rank1(i), ones to
              Z + rank1(i)). The timed work: batches of 2^24 query slots, a thread a query made from splitmix64 draws,
              a warp's 32 queries in one random window of 2^16 positions and of one kind, the kinds in turn: access(i)
              (8 levels of bit and rank), rank(c, i) (16 ranks), select(c, j) (c's range followed down, then 8 selects
              back up, each a 17-step binary search of the directory, the 9-bit counts and a popcount-halving select
              in the word) and quantile(l, r, k) (the k-th smallest symbol of a range up to 2^16 long, 16 ranks); the
              answers to memory, summed by kind by warp reductions. Popcounts, shifts, masks and dependent loads of a
              80 MiB structure; queries a launch timed at set-up.
  sudoku      a batched Sudoku solver as puzzle-generation services run it: 2^20 puzzles made on the GPU from the
              canonical grid (3 (r % 3) + r / 3 + c) % 9 by random validity-preserving transforms (digit relabelling,
              band order, rows within bands, stack order, columns within stacks, a transpose half the time; Fisher-Yates
              shuffles on splitmix64 draws), 22-40 clues kept at random (uniqueness not required). A thread a puzzle:
              9-bit used-digit masks of rows, columns and boxes, constraint propagation to a fixed point (naked singles;
              hidden singles by once/twice masks over each of the 27 units; contradictions where a cell has no
              candidate or a unit misses a digit), then depth-first search on an explicit stack of frames (cell,
              untried candidates, trail length) in local memory, branching on the first cell with the fewest candidates
              (popcount), candidates lowest first (ffs), dead ends undone from a trail of placed cells. Solutions
              counted up to 2 (the first and second written out), branch counts to memory, unique/multiple counts by
              warp ballots. Divergent integer bit work in local memory; puzzles a launch timed at set-up.

Self-checks, printed with the summary line (`agree:`): knapsack, after a check pass over every instance, checks with
CuPy array operators that every chosen set lies among its instance's items, weighs at most the capacity and is worth
exactly the reported optimum, compares the optimum and item sums with the kernel's atomics, and compares 256 instances'
items with a Python regeneration and their optima with a NumPy one-row DP; nussinov, after a check pass over every
sequence, checks every traced structure by array operators (partners symmetric, pairs A-U, C-G or G-U, more than 3
bases apart, within the sequence, nested, as many pairs as the score), every score at most n / 2 and 0 for the A/C-only
sequences, the sums against the atomics, and 192 sequences' bases against a Python regeneration and their scores
against a NumPy implementation of the four-case recurrence (i unpaired, j unpaired, i with j, a split); wavelet, after a
check pass over every query slot, reads every one of the 2^26 symbols back through the levels and compares it with the
sequence, 4096 symbols with a Python regeneration, every access with the sequence and every rank and select with a CuPy
sort of (symbol, position) keys (searchsorted and indexing), 2048 quantiles with NumPy histograms of their ranges, and
the answer sums by kind with the warp reductions; sudoku, after a check pass over every puzzle, checks by array
operators that every transformed grid is valid and holds its puzzle's clues, clue counts lie in 22-40, every first
solution is a valid grid holding the clues (equal to the transformed grid where it is the only one) and every second
solution is valid, holds the clues and differs from the first, the unique/multiple/branch counts against the ballots
and sums, and 512 puzzles against a Python regeneration (row and column maps of the canonical grid) with their solution
counts (1, or at least 2) against a recursive Python backtracking solver on sets (fewest candidates first, no other
deduction).
"""
import numpy as np

from common import SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, repeat_step, size_launch, sms, \
    splitmix64, splitmix64_xp, wrapping_launch

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1
U64 = np.uint64
U32 = np.uint32
GOLDEN = 0x9E3779B97F4A7C15

HEAD = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;
typedef unsigned short u16;
#define FULL 0xFFFFFFFFu
""" + SPLITMIX_CUDA

# ---- knapsack ------------------------------------------------------------------------------------------------------
KS_INST = 1 << 14          # instances (a pass over them, then again)
KS_NMIN = 64               # items an instance: NMIN to NMAX (at most 128: the chosen set is a 128-bit mask)
KS_NMAX = 128
KS_WMAX = 255              # weights 1 to WMAX, values 1 to VMAX
KS_VMAX = 1023
KS_CMIN = 1024             # capacities CMIN to CMAX: two DP rows of CMAX + 1 int32 in shared memory
KS_CMAX = 4095
KS_SEED = 0x5ACC
KS_THREADS = 256           # a block an instance
KS_INST0 = 1 << 10         # instances a launch first; then as many as take about LAUNCH_S
KS_MIN_INST = 1 << 4
KS_MAX_INST = 1 << 22
KS_CHECK = 256             # instances solved again by a NumPy one-row DP (about 0.6 ms each)


def ks_capw():
    """32-bit words of decision bits an item (capacities 0 to CMAX)."""
    return (KS_CMAX + 32) // 32


KS_CUDA = HEAD + r"""
#define NMIN %NMIN%u
#define NMAX %NMAX%u
#define WMAX %WMAX%ull
#define VMAX %VMAX%ull
#define CMIN %CMIN%u
#define CMAX %CMAX%u
#define CAPW %CAPW%u
#define SEED %SEED%ull
#define THREADS %THREADS%u
// a thread an item slot k of instance i: the instance's item count and capacity from a draw of i, item k's weight
// (1 to WMAX) and value (1 to VMAX) from the low and high halves of a draw of (i, k) by multiply-high; slots from n
// on 0
extern "C" __global__ void ks_gen(u32 ni, u32* __restrict__ meta, u16* __restrict__ wt, u16* __restrict__ val) {
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= (u64)ni * NMAX) return;
  const u64 i = t / NMAX;
  const u32 k = (u32)(t % NMAX);
  const u64 r = splitmix(i ^ SEED);
  const u32 n = NMIN + (u32)(r % (u64)(NMAX - NMIN + 1u));
  const u32 cap = CMIN + (u32)((r >> 32) % (u64)(CMAX - CMIN + 1u));
  u32 w = 0u, v = 0u;
  if (k < n) {
    const u64 x = splitmix(((i << 8) | k) ^ (SEED << 1));
    w = 1u + (u32)(((x & 0xFFFFFFFFull) * WMAX) >> 32);
    v = 1u + (u32)(((x >> 32) * VMAX) >> 32);
  }
  wt[t] = (u16)w;
  val[t] = (u16)v;
  if (k == 0u) {
    meta[2ull * i] = n;
    meta[2ull * i + 1ull] = cap;
  }
}
// a block an instance i0 + blockIdx.x: 0/1 knapsack by DP over capacities 0..cap, the row of best values (int32) in
// shared memory, a new row from the old one an item (two rows in turn): new[c] = max(old[c], old[c - w] + v), a thread
// every THREADS-th capacity; whether item i is taken at capacity c (old[c - w] + v > old[c]) by a warp ballot, a
// 32-bit word a warp to the instance's bit matrix in global memory (bits + (inst NMAX + i) CAPW). Then thread 0 walks
// the items back from capacity cap, taking item i where its bit at the capacity left is set: the optimum and the
// chosen set as a 128-bit mask to memory, the optimum and the items taken summed into stats[0..1]
extern "C" __global__ void __launch_bounds__(THREADS) ks_solve(const u32* __restrict__ meta,
                                                               const u16* __restrict__ wt, const u16* __restrict__ val,
                                                               u32 i0, u32 cnt, u32* bits, int* __restrict__ best,
                                                               u64* __restrict__ chosen, u64* __restrict__ stats) {
  __shared__ int row[2][CMAX + 1u];
  __shared__ u32 sw[NMAX], sv[NMAX];
  if (blockIdx.x >= cnt) return;
  const u64 inst = (u64)i0 + blockIdx.x;
  const u32 tid = threadIdx.x, lane = tid & 31u, warp = tid >> 5;
  const u32 n = min(meta[2ull * inst], NMAX), cap = min(meta[2ull * inst + 1ull], CMAX);
  for (u32 k = tid; k < NMAX; k += THREADS) {
    sw[k] = wt[inst * NMAX + k];
    sv[k] = val[inst * NMAX + k];
  }
  for (u32 c = tid; c <= cap; c += THREADS) row[0][c] = 0;
  __syncthreads();
  u32* B = bits + inst * NMAX * CAPW;
  u32 cur = 0u;
  for (u32 i = 0; i < n; ++i) {
    const u32 w = sw[i];
    const int v = (int)sv[i];
    const int* o = row[cur];
    int* nw = row[cur ^ 1u];
    for (u32 base = 0; base <= cap; base += THREADS) {
      const u32 c = base + tid;
      bool take = false;
      if (c <= cap) {
        const int keep = o[c];
        int x = keep;
        if (c >= w) {
          const int t = o[c - w] + v;
          take = t > keep;
          if (take) x = t;
        }
        nw[c] = x;
      }
      const u32 bal = __ballot_sync(FULL, take);
      if (lane == 0u && base + 32u * warp <= cap) B[i * CAPW + (base >> 5) + warp] = bal;
    }
    __syncthreads();
    cur ^= 1u;
  }
  if (tid == 0u) {
    u32 c = cap;
    u64 m0 = 0ull, m1 = 0ull;
    for (int i = (int)n - 1; i >= 0; --i) {
      if ((B[(u32)i * CAPW + (c >> 5)] >> (c & 31u)) & 1u) {
        if (i < 64)
          m0 |= 1ull << i;
        else
          m1 |= 1ull << (i - 64);
        c -= sw[i];
      }
    }
    const int b = row[cur][cap];
    best[inst] = b;
    chosen[2ull * inst] = m0;
    chosen[2ull * inst + 1ull] = m1;
    atomicAdd(&stats[0], (u64)b);
    atomicAdd(&stats[1], (u64)(__popcll(m0) + __popcll(m1)));
  }
}
"""


def ks_src():
    assert KS_NMAX <= 128 and KS_CMAX < (1 << 16)
    return fill_source(KS_CUDA, NMIN=KS_NMIN, NMAX=KS_NMAX, WMAX=KS_WMAX, VMAX=KS_VMAX, CMIN=KS_CMIN, CMAX=KS_CMAX,
                       CAPW=ks_capw(), SEED=hex(KS_SEED), THREADS=KS_THREADS)


KS_SRC = ks_src()


def ks_instance_py(i):
    """Instance i as ks_gen makes it: (capacity, weights, values), one draw at a time."""
    r = splitmix64(i ^ KS_SEED)
    n = KS_NMIN + r % (KS_NMAX - KS_NMIN + 1)
    cap = KS_CMIN + (r >> 32) % (KS_CMAX - KS_CMIN + 1)
    ws, vs = [], []
    for k in range(n):
        x = splitmix64(((i << 8) | k) ^ (KS_SEED << 1))
        ws.append(1 + (((x & M32) * KS_WMAX) >> 32))
        vs.append(1 + (((x >> 32) * KS_VMAX) >> 32))
    return cap, ws, vs


def ks_optimum_py(cap, ws, vs):
    """The 0/1 knapsack optimum by the textbook one-row DP (NumPy's right-hand side is read whole before the row is
    written, so each item is taken at most once)."""
    dp = np.zeros(cap + 1, dtype=np.int64)
    for w, v in zip(ws, vs):
        if w <= cap:
            dp[w:] = np.maximum(dp[w:], dp[:cap + 1 - w] + v)
    return int(dp[cap])


def knapsack(variant, clock):
    if variant != "dp":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=ks_src())
    genk, solvek = (mod.get_function(k) for k in ("ks_gen", "ks_solve"))
    n, nm, capw = KS_INST, KS_NMAX, ks_capw()
    meta = cp.zeros(2 * n, dtype=cp.uint32)
    wt = cp.zeros(n * nm, dtype=cp.uint16)
    val = cp.zeros(n * nm, dtype=cp.uint16)
    genk(((n * nm + 255) // 256,), (256,), (U32(n), meta, wt, val))
    bits = cp.zeros(n * nm * capw, dtype=cp.uint32)
    best = cp.zeros(n, dtype=cp.int32)
    chosen = cp.zeros(2 * n, dtype=cp.uint64)
    stats = cp.zeros(2, dtype=cp.uint64)
    state = {"cursor": 0, "inst": KS_INST0, "done": 0}

    def run(i0, cnt):
        solvek((cnt,), (KS_THREADS,), (meta, wt, val, U32(i0), U32(cnt), bits, best, chosen, stats))

    launch = wrapping_launch(state, "inst", n, run)
    size_launch(launch, state, "inst", KS_MIN_INST, KS_MAX_INST)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every instance: each chosen set within its capacity, worth the reported optimum and among the
    # instance's items, by CuPy's array operators; the sums against the kernel's atomics
    stats.fill(0)
    run(0, n)
    hst = stats.get().astype(np.int64).tolist()
    mm = meta.reshape(n, 2).astype(cp.int64)
    nitems, caps = mm[:, 0], mm[:, 1]
    ch = chosen.reshape(n, 2)
    k = cp.arange(nm, dtype=cp.uint64)
    sel = (ch[:, (k >> U64(6)).astype(cp.int64)] >> (k & U64(63))[None, :]) & U64(1)
    wsum = (sel * wt.reshape(n, nm).astype(cp.uint64)).sum(axis=1).astype(cp.int64)
    vsum = (sel * val.reshape(n, nm).astype(cp.uint64)).sum(axis=1).astype(cp.int64)
    bb = best.astype(cp.int64)
    outside = (sel != U64(0)) & (k.astype(cp.int64)[None, :] >= nitems[:, None])
    set_ok = bool((wsum <= caps).all()) and bool((vsum == bb).all()) and not bool(outside.any())
    ntaken = int(sel.sum())
    sum_ok = hst == [int(bb.sum()), ntaken]
    del mm, ch, sel, outside
    # sampled instances: items against Python's regeneration, optima against a NumPy one-row DP
    rng = np.random.default_rng(90)
    picks = np.sort(rng.choice(n, min(n, KS_CHECK), replace=False)).tolist()
    inst_good = opt_good = 0
    hb, hcap, hn = best.get(), caps.get(), nitems.get()
    hw, hv = wt.reshape(n, nm), val.reshape(n, nm)
    for i in picks:
        cap, ws, vs = ks_instance_py(i)
        m = len(ws)
        inst_good += int(hcap[i]) == cap and int(hn[i]) == m and hw[i].get().tolist() == ws + [0] * (nm - m) and \
            hv[i].get().tolist() == vs + [0] * (nm - m)
        opt_good += int(hb[i]) == ks_optimum_py(cap, ws, vs)
    ok = set_ok and sum_ok and inst_good == len(picks) and opt_good == len(picks)
    cells = int((nitems * (caps + 1)).sum())
    note(f"knapsack/{variant}: {state['done']} instances solved after READY ({n} instances of {KS_NMIN}-{KS_NMAX} "
         f"items, capacities {KS_CMIN}-{KS_CMAX}, {state['inst']} instances a launch), mean optimum "
         f"{float(hb.mean()):.0f} with {ntaken / n:.1f} items taken; every chosen set within its capacity, worth the "
         f"optimum and among its items: {set_ok}, optimum and item sums equal to the kernel's atomics: {sum_ok}, "
         f"{len(picks)} instances equal to Python's regeneration: {inst_good}, their optima equal to a NumPy one-row "
         f"DP's: {opt_good}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({state['inst'] / per / 1e3:.1f} k instances/s, "
         f"{cells / n * state['inst'] / per / 1e9:.2f} G DP cells/s), {nl} a step")


# ---- nussinov ------------------------------------------------------------------------------------------------------
NU_SEQS = 1 << 16          # sequences (a pass over them, then again)
NU_LMIN = 64               # bases a sequence: LMIN to LMAX (at most 255: traceback intervals as two bytes)
NU_LMAX = 160
NU_LOOP = 3                # a hairpin loop of at least LOOP unpaired bases: pairs (i, j) with j - i > LOOP
NU_AC = 64                 # one sequence in AC of A and C only (no base pairs possible)
NU_SEED = 0xF01D
NU_THREADS = 128           # a block a sequence
NU_SEQS0 = 1 << 10         # sequences a launch first; then as many as take about LAUNCH_S
NU_MIN_SEQS = 1 << 4
NU_MAX_SEQS = 1 << 22
NU_CHECK = 192             # sequences folded again by NumPy (about 7 ms each)
NU_PAIRS = sum(1 << (4 * a + b) for a, b in ((0, 3), (3, 0), (1, 2), (2, 1), (2, 3), (3, 2)))  # A-U, C-G, G-U
NU_BASES = "ACGU"


def nu_words():
    """64-bit words of 2-bit bases a sequence."""
    return (NU_LMAX + 31) // 32


NU_CUDA = HEAD + r"""
#define LMIN %LMIN%u
#define LMAX %LMAX%u
#define LOOP %LOOP%u
#define AC %AC%ull
#define WORDS %WORDS%u
#define SEED %SEED%ull
#define THREADS %THREADS%u
#define PAIRS %PAIRS%u
#define TRI (LMAX * (LMAX + 1u) / 2u)
// a thread a word w of sequence s: its length from a draw of s (one in AC of A and C only), 32 random 2-bit bases
// (A 0, C 1, G 2, U 3) from a draw of (s, w), zero past the sequence's end
extern "C" __global__ void nu_gen(u32 ns, u64* __restrict__ seq, u32* __restrict__ len) {
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= (u64)ns * WORDS) return;
  const u64 s = t / WORDS;
  const u32 w = (u32)(t % WORDS);
  const u64 r = splitmix(s ^ SEED);
  const u32 n = LMIN + (u32)(r % (u64)(LMAX - LMIN + 1u));
  u64 x = splitmix(((s << 3) | w) ^ (SEED << 1));
  if ((r >> 32) % AC == 0ull) x &= 0x5555555555555555ull;
  const u32 keep = n > 32u * w ? min(n - 32u * w, 32u) : 0u;
  seq[t] = keep == 32u ? x : x & ((1ull << (2u * keep)) - 1ull);
  if (w == 0u) len[s] = n;
}
// cell (i, j), i <= j, of the triangle of a sequence of n bases: row i from i n - i (i - 1) / 2, then j - i
__device__ __forceinline__ u32 nu_off(u32 i, u32 n) { return i * n - ((i * (i - 1u)) >> 1); }
__device__ __forceinline__ u32 nu_at(u32 i, u32 j, u32 n) { return nu_off(i, n) + j - i; }
__device__ __forceinline__ bool nu_pair(u32 a, u32 b) { return (PAIRS >> (4u * a + b)) & 1u; }
// a block a sequence s0 + blockIdx.x: Nussinov base-pair maximisation, N(i, j) the most nested pairs in bases i..j,
// 0 where j - i <= LOOP, else the larger of N(i + 1, j - 1) + 1 where i and j pair (A-U, C-G, G-U) and
// max over k in [i, j) of N(i, k) + N(k + 1, j); the triangle (int16) in shared memory filled an anti-diagonal
// d = j - i at a time with __syncthreads between: the diagonal's n - d cells each split into S slices of its split
// points (S the largest power of two up to 32 with (n - d) S <= THREADS), a thread a slice, the slices' maxima
// joined by xor shuffles. Then thread 0 traces a structure back on an explicit stack of intervals (i unpaired,
// i paired with j, or a split), partners to memory (255 unpaired); the score to memory, scores and traced pairs
// summed into stats[0..1]
extern "C" __global__ void __launch_bounds__(THREADS) nu_fold(const u64* __restrict__ seq, const u32* __restrict__ len,
                                                              u32 s0, u32 cnt, u16* __restrict__ score,
                                                              u8* __restrict__ partner, u64* __restrict__ stats) {
  __shared__ short T[TRI];
  __shared__ u8 b[LMAX];
  if (blockIdx.x >= cnt) return;
  const u64 s = (u64)s0 + blockIdx.x;
  const u32 n = min(len[s], LMAX), tid = threadIdx.x;
  u8* P = partner + s * LMAX;
  for (u32 k = tid; k < LMAX; k += THREADS) {
    b[k] = (u8)((seq[s * WORDS + k / 32u] >> (2u * (k % 32u))) & 3ull);
    P[k] = 0xFFu;
  }
  const u32 tri = n * (n + 1u) / 2u;
  for (u32 k = tid; k < tri; k += THREADS) T[k] = 0;
  __syncthreads();
  for (u32 d = LOOP + 1u; d < n; ++d) {
    const u32 m = n - d;
    u32 S = 1u;
    while (S < 32u && m * S * 2u <= THREADS) S <<= 1;
    const u32 lg = (u32)__ffs((int)S) - 1u;
    for (u32 base = 0; base < m * S; base += THREADS) {
      const u32 idx = base + tid, i = idx >> lg, sl = idx & (S - 1u);
      int best = 0;
      if (i < m) {
        const u32 j = i + d, oi = nu_off(i, n) - i;
        for (u32 k = i + sl; k < j; k += S) {
          const u32 k1 = k + 1u;
          best = max(best, (int)T[oi + k] + (int)T[nu_off(k1, n) + j - k1]);
        }
        if (sl == 0u && nu_pair(b[i], b[j])) best = max(best, (int)T[nu_at(i + 1u, j - 1u, n)] + 1);
      }
      for (u32 o = 1u; o < S; o <<= 1) best = max(best, __shfl_xor_sync(FULL, best, o));
      if (i < m && sl == 0u) T[nu_off(i, n) + d] = (short)best;
    }
    __syncthreads();
  }
  if (tid == 0u) {
    u16 stk[LMAX / (LOOP + 2u) + 2u];
    u32 sp = 0u, pairs = 0u;
    if (n > LOOP + 1u) stk[sp++] = (u16)(n - 1u);
    while (sp > 0u) {
      const u32 e = stk[--sp];
      u32 i = e >> 8, j = e & 255u;
      while (j > i + LOOP) {
        const int v = T[nu_at(i, j, n)];
        if (v == T[nu_at(i + 1u, j, n)]) {
          ++i;
        } else if (nu_pair(b[i], b[j]) && v == T[nu_at(i + 1u, j - 1u, n)] + 1) {
          P[i] = (u8)j;
          P[j] = (u8)i;
          ++pairs;
          ++i;
          --j;
        } else {
          u32 k = i + 1u;
          while (k + 1u < j && v != T[nu_at(i, k, n)] + T[nu_at(k + 1u, j, n)]) ++k;
          if (j > k + 1u + LOOP && sp < LMAX / (LOOP + 2u) + 2u) stk[sp++] = (u16)(((k + 1u) << 8) | j);
          j = k;
        }
      }
    }
    const u32 sc = n > 0u ? (u32)T[nu_at(0u, n - 1u, n)] : 0u;
    score[s] = (u16)sc;
    atomicAdd(&stats[0], (u64)sc);
    atomicAdd(&stats[1], (u64)pairs);
  }
}
"""


def nu_src():
    assert NU_LMAX <= 255 and NU_LMIN > NU_LOOP
    return fill_source(NU_CUDA, LMIN=NU_LMIN, LMAX=NU_LMAX, LOOP=NU_LOOP, AC=NU_AC, WORDS=nu_words(),
                       SEED=hex(NU_SEED), THREADS=NU_THREADS, PAIRS=NU_PAIRS)


NU_SRC = nu_src()


def nu_sequence_py(s):
    """Sequence s as nu_gen makes it, as a string of A, C, G and U."""
    r = splitmix64(s ^ NU_SEED)
    n = NU_LMIN + r % (NU_LMAX - NU_LMIN + 1)
    ac = (r >> 32) % NU_AC == 0
    out = []
    for w in range((n + 31) // 32):
        x = splitmix64(((s << 3) | w) ^ (NU_SEED << 1))
        for k in range(min(32, n - 32 * w)):
            c = (x >> (2 * k)) & 3
            out.append(NU_BASES[c & 1 if ac else c])
    return "".join(out)


def nussinov_py(rna):
    """The Nussinov maximum of nested pairs by the textbook four-case recurrence (i unpaired, j unpaired, i with j,
    a split at i < k < j - 1), a diagonal at a time with NumPy gathers."""
    n = len(rna)
    pair = {("A", "U"), ("U", "A"), ("C", "G"), ("G", "C"), ("G", "U"), ("U", "G")}
    N = np.zeros((n + 1, n + 1), dtype=np.int64)
    for d in range(NU_LOOP + 1, n):
        i = np.arange(n - d)
        j = i + d
        best = np.maximum(N[i + 1, j], N[i, j - 1])
        can = np.array([(rna[a], rna[a + d]) in pair for a in range(n - d)])
        best = np.maximum(best, np.where(can, N[i + 1, j - 1] + 1, 0))
        if d >= 3:
            k = i[:, None] + 1 + np.arange(d - 2)[None, :]
            best = np.maximum(best, (N[i[:, None], k] + N[k + 1, j[:, None]]).max(axis=1))
        N[i, j] = best
    return int(N[0, n - 1]) if n else 0


def nussinov(variant, clock):
    if variant != "fold":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=nu_src())
    genk, foldk = (mod.get_function(k) for k in ("nu_gen", "nu_fold"))
    n, nw, L = NU_SEQS, nu_words(), NU_LMAX
    seq = cp.zeros(n * nw, dtype=cp.uint64)
    ln = cp.zeros(n, dtype=cp.uint32)
    genk(((n * nw + 255) // 256,), (256,), (U32(n), seq, ln))
    score = cp.zeros(n, dtype=cp.uint16)
    partner = cp.zeros(n * L, dtype=cp.uint8)
    stats = cp.zeros(2, dtype=cp.uint64)
    state = {"cursor": 0, "seqs": NU_SEQS0, "done": 0}

    def run(s0, cnt):
        foldk((cnt,), (NU_THREADS,), (seq, ln, U32(s0), U32(cnt), score, partner, stats))

    launch = wrapping_launch(state, "seqs", n, run)
    size_launch(launch, state, "seqs", NU_MIN_SEQS, NU_MAX_SEQS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every sequence: each traced structure by CuPy's array operators (pairs symmetric, A-U, C-G or
    # G-U, loops of at least LOOP, nested, as many as the score), scores at most n / 2 and 0 for A/C-only sequences
    stats.fill(0)
    run(0, n)
    hst = stats.get().astype(np.int64).tolist()
    sc = score.astype(cp.int64)
    nn = ln.astype(cp.int64)
    pos = cp.arange(L, dtype=cp.int64)
    words = seq.reshape(n, nw)
    bases = ((words[:, pos // 32] >> (U64(2) * (pos % 32).astype(cp.uint64))[None, :]) & U64(3)).astype(cp.int64)
    P = partner.reshape(n, L).astype(cp.int64)
    paired = P != 255
    Pc = cp.where(paired, P, 0)
    flat = (cp.arange(n, dtype=cp.int64) * L)[:, None]
    back = partner.astype(cp.int64)[flat + Pc]
    mate = bases.ravel()[flat + Pc]
    pairable = ((U64(NU_PAIRS) >> (U64(4) * bases.astype(cp.uint64) + mate.astype(cp.uint64))) & U64(1)) == U64(1)
    span = cp.where(Pc > pos[None, :], Pc - pos[None, :], pos[None, :] - Pc)
    struct_ok = bool((back[paired] == pos[None, :].repeat(n, axis=0)[paired]).all()) and \
        bool(pairable[paired].all()) and bool((span[paired] > NU_LOOP).all()) and \
        bool((Pc < nn[:, None])[paired].all()) and bool((paired.sum(axis=1) == 2 * sc).all())
    del bases, back, mate, pairable
    # nested: no pair (y, P[y]) with y inside (x, P[x]) reaching outside it
    nest_ok = True
    for c0 in range(0, n, 1024):
        p = P[c0:c0 + 1024]
        opens = (p != 255) & (p > pos[None, :])
        inside = opens[:, :, None] & (pos[None, None, :] > pos[None, :, None]) & (pos[None, None, :] < p[:, :, None])
        out = (p[:, None, :] != 255) & ((p[:, None, :] < pos[None, :, None]) | (p[:, None, :] > p[:, :, None]))
        nest_ok = nest_ok and not bool((inside & out).any())
    ac = ((splitmix64_xp(cp.arange(n, dtype=cp.uint64) ^ U64(NU_SEED)) >> U64(32)) % U64(NU_AC)) == U64(0)
    nac = int(ac.sum())
    score_ok = bool((2 * sc <= nn).all()) and bool((sc[ac] == 0).all())
    sum_ok = hst == [int(sc.sum()), int(paired.sum()) // 2]
    del P, Pc, paired, flat
    # sampled sequences: bases against Python's regeneration, scores against a NumPy four-case Nussinov
    rng = np.random.default_rng(91)
    picks = np.sort(rng.choice(n, min(n, NU_CHECK), replace=False)).tolist()
    hs, hl = score.get(), ln.get()
    seq_good = score_good = 0
    for s in picks:
        rna = nu_sequence_py(s)
        w = seq[s * nw:(s + 1) * nw].get().tolist()
        got = "".join(NU_BASES[(w[k // 32] >> (2 * (k % 32))) & 3] for k in range(int(hl[s])))
        seq_good += got == rna
        score_good += int(hs[s]) == nussinov_py(rna)
    ok = struct_ok and nest_ok and score_ok and sum_ok and seq_good == len(picks) and score_good == len(picks)
    hln = hl.astype(np.int64)
    note(f"nussinov/{variant}: {state['done']} sequences folded after READY ({n} sequences of {NU_LMIN}-{NU_LMAX} "
         f"bases, {nac} of A and C only, {state['seqs']} sequences a launch), mean {float(hs.mean()):.1f} pairs "
         f"({float((2 * hs / hln).mean()):.2f} of the bases paired); every traced structure symmetric, canonical, "
         f"with loops over {NU_LOOP} and as many pairs as its score: {struct_ok}, nested: {nest_ok}, scores at most "
         f"n/2 and 0 without pairs: {score_ok}, score and pair sums equal to the kernel's atomics: {sum_ok}, "
         f"{len(picks)} sequences equal to Python's regeneration: {seq_good}, their scores equal to a NumPy "
         f"four-case Nussinov's: {score_good}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['seqs'] / per / 1e3:.1f} k sequences/s, "
         f"{float((hln ** 3 / 6).mean()) * state['seqs'] / per / 1e9:.2f} G split points/s), {nl} a step")


# ---- wavelet -------------------------------------------------------------------------------------------------------
WM_LOGN = 26               # symbols: 2^LOGN bytes
WM_LEVELS = 8              # a bit-level each bit of a symbol, most significant first
WM_SEED = 0x3A7E
WM_LOGWIN = 16             # a warp's 32 queries fall in a window of 2^LOGWIN positions (ranges up to that long)
WM_QUERIES = 1 << 24       # query slots (a pass over them, then again): warps in turn access, rank, select, quantile
WM_Q0 = 1 << 16            # queries a launch first; then as many as take about LAUNCH_S
WM_MIN_Q = 1 << 10
WM_MAX_Q = 1 << 27
WM_CHECK_QUANT = 2048      # quantile queries answered again from NumPy histograms
WM_CHECK_SEQ = 4096        # symbols compared with Python's regeneration

WM_CUDA = HEAD + r"""
#define LOGN %LOGN%u
#define NN (1ull << LOGN)
#define NW (NN >> 6)
#define NB (NN >> 9)
#define DIRW (2ull * (NB + 1ull))
#define LEVELS %LEVELS%u
#define LOGWIN %LOGWIN%u
#define WIN (1ull << LOGWIN)
#define SEED %SEED%ull
#define NONE 0xFFFFFFFFu
// a symbol: the top byte of the product of two random bytes (small symbols common, 255 never)
__device__ __forceinline__ u32 wm_skew(u64 r) { return (u32)(((r & 255ull) * ((r >> 8) & 255ull)) >> 8); }
extern "C" __global__ void wm_gen(u8* __restrict__ S) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < NN; i += (u64)gridDim.x * blockDim.x)
    S[i] = (u8)wm_skew(splitmix(i ^ SEED));
}
// a level's bitvector from the symbols in the level's order: a thread a 64-bit word, bit k of word w the bit `bit` of
// symbol 64 w + k
extern "C" __global__ void wm_bits(const u8* __restrict__ cur, u32 bit, u64* __restrict__ words) {
  const u64 w = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (w >= NW) return;
  const u64* c8 = (const u64*)(cur + 64ull * w);
  u64 x = 0ull;
  for (u32 q = 0; q < 8u; ++q) {
    const u64 v = c8[q];
    for (u32 k = 0; k < 8u; ++k) x |= ((v >> (8u * k + bit)) & 1ull) << (8u * q + k);
  }
  words[w] = x;
}
// a level's rank directory (Vigna's rank9), a thread a 512-bit block b: the ones in words 0..k - 1 of the block for
// k = 1..7, 9 bits each, to dir[2 b + 1], the block's ones to cnt[b] (the ones before each block, dir[2 b], by a
// prefix sum after)
extern "C" __global__ void wm_dir(const u64* __restrict__ words, u64* __restrict__ dir, u32* __restrict__ cnt) {
  const u64 b = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (b >= NB) return;
  u32 acc = 0u;
  u64 sub = 0ull;
  for (u32 k = 0; k < 8u; ++k) {
    if (k) sub |= (u64)acc << (9u * (k - 1u));
    acc += (u32)__popcll(words[8ull * b + k]);
  }
  dir[2ull * b + 1ull] = sub;
  cnt[b] = acc;
}
// ones before position i (0 <= i <= NN) of a level (words w, directory d), and the bit at i (0 at NN)
__device__ __forceinline__ u64 wm_rank1(const u64* __restrict__ w, const u64* __restrict__ d, u64 i, u32& bit) {
  const u64 b = i >> 9;
  const u32 k = (u32)(i >> 6) & 7u, o = (u32)i & 63u;
  const ulonglong2 e = *reinterpret_cast<const ulonglong2*>(d + 2ull * b);
  u64 r = e.x + (k ? (e.y >> (9u * (k - 1u))) & 511ull : 0ull);
  bit = 0u;
  if ((i >> 6) < NW) {
    const u64 x = w[i >> 6];
    r += (u64)__popcll(x & ((1ull << o) - 1ull));
    bit = (u32)(x >> o) & 1u;
  }
  return r;
}
// a thread a symbol of the level's order: to its place in the next level's, zeros first then ones, each in order
// (the stable partition: i - rank1(i), or the level's zeros + rank1(i))
extern "C" __global__ void wm_part(const u8* __restrict__ cur, const u64* __restrict__ w, const u64* __restrict__ d,
                                   const u64* __restrict__ zs, u32 lev, u32 bit, u8* __restrict__ nxt) {
  const u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= NN) return;
  const u32 v = cur[i];
  u32 x;
  const u64 r1 = wm_rank1(w, d, i, x);
  nxt[((v >> bit) & 1u) ? zs[lev] + r1 : i - r1] = (u8)v;
}
// the position of a 0-based r-th set bit of x (r < popcount): halves, quarters and bytes by popcounts, then the byte
__device__ __forceinline__ u32 wm_sel64(u64 x, u32 r) {
  u32 pos = 0u, c = (u32)__popc((u32)x);
  if (r >= c) { r -= c; x >>= 32; pos = 32u; }
  c = (u32)__popc((u32)x & 0xFFFFu);
  if (r >= c) { r -= c; x >>= 16; pos += 16u; }
  c = (u32)__popc((u32)x & 0xFFu);
  if (r >= c) { r -= c; x >>= 8; pos += 8u; }
  u32 y = (u32)x & 0xFFu;
  for (; r; --r) y &= y - 1u;
  return pos + (u32)__ffs((int)y) - 1u;
}
// the position of the 0-based j-th one (one = 1) or zero (one = 0) of a level: binary search of the directory's
// blocks, then the block's 9-bit counts, then the word
__device__ u64 wm_select(const u64* __restrict__ w, const u64* __restrict__ d, u64 j, u32 one) {
  u64 lo = 0ull, hi = NB;
  while (hi - lo > 1ull) {
    const u64 mid = (lo + hi) >> 1;
    const u64 c = one ? d[2ull * mid] : 512ull * mid - d[2ull * mid];
    if (c <= j) lo = mid; else hi = mid;
  }
  u64 rem = j - (one ? d[2ull * lo] : 512ull * lo - d[2ull * lo]);
  const u64 sub = d[2ull * lo + 1ull];
  u32 k = 0u;
  u64 below = 0ull;
  for (u32 q = 1; q < 8u; ++q) {
    const u64 s1 = (sub >> (9u * (q - 1u))) & 511ull, c = one ? s1 : 64ull * q - s1;
    if (c <= rem) { k = q; below = c; }
  }
  rem -= below;
  const u64 x = w[8ull * lo + k];
  return 64ull * (8ull * lo + k) + wm_sel64(one ? x : ~x, (u32)rem);
}
// the symbol at position i: a bit a level, i moved into the next level's order
__device__ u32 wm_access(const u64* __restrict__ W, const u64* __restrict__ D, const u64* __restrict__ Z, u64 i) {
  u32 c = 0u;
  for (u32 l = 0; l < LEVELS; ++l) {
    u32 bit;
    const u64 r1 = wm_rank1(W + l * NW, D + l * DIRW, i, bit);
    c = (c << 1) | bit;
    i = bit ? Z[l] + r1 : i - r1;
  }
  return c;
}
// occurrences of symbol c before position i: i and the start of c's range followed down the levels
__device__ u32 wm_rank(const u64* __restrict__ W, const u64* __restrict__ D, const u64* __restrict__ Z, u32 c, u64 i) {
  u64 s = 0ull;
  for (u32 l = 0; l < LEVELS; ++l) {
    u32 x;
    const u64 ri = wm_rank1(W + l * NW, D + l * DIRW, i, x), rs = wm_rank1(W + l * NW, D + l * DIRW, s, x);
    if ((c >> (LEVELS - 1u - l)) & 1u) {
      i = Z[l] + ri;
      s = Z[l] + rs;
    } else {
      i -= ri;
      s -= rs;
    }
  }
  return (u32)(i - s);
}
// the position of the 0-based j-th occurrence of c: c's range followed down, then j + its start followed back up by
// selects
__device__ u32 wm_selectc(const u64* __restrict__ W, const u64* __restrict__ D, const u64* __restrict__ Z, u32 c,
                          u64 j) {
  u64 s = 0ull;
  for (u32 l = 0; l < LEVELS; ++l) {
    u32 x;
    const u64 rs = wm_rank1(W + l * NW, D + l * DIRW, s, x);
    s = ((c >> (LEVELS - 1u - l)) & 1u) ? Z[l] + rs : s - rs;
  }
  u64 p = s + j;
  for (int l = (int)LEVELS - 1; l >= 0; --l) {
    const u32 one = (c >> (LEVELS - 1u - (u32)l)) & 1u;
    p = wm_select(W + (u32)l * NW, D + (u32)l * DIRW, one ? p - Z[l] : p, one);
  }
  return (u32)p;
}
// the 0-based k-th smallest symbol of positions [l, r): the range's zeros at each level decide the bit
__device__ u32 wm_quantile(const u64* __restrict__ W, const u64* __restrict__ D, const u64* __restrict__ Z, u64 l,
                           u64 r, u64 k) {
  u32 c = 0u;
  for (u32 v = 0; v < LEVELS; ++v) {
    u32 x;
    const u64 rl = wm_rank1(W + v * NW, D + v * DIRW, l, x), rr = wm_rank1(W + v * NW, D + v * DIRW, r, x);
    const u64 zl = l - rl, zr = r - rr;
    if (k < zr - zl) {
      l = zl;
      r = zr;
      c <<= 1;
    } else {
      k -= zr - zl;
      l = Z[v] + rl;
      r = Z[v] + rr;
      c = (c << 1) | 1u;
    }
  }
  return c;
}
// a thread a query q0 + t, made from draws of q and of its warp (q / 32): the warp's window of WIN positions from a
// draw of q / 32, its kind (q / 32) % 4: access(p), rank(c, p), select(c, j) (j below c's count; NONE where c never
// occurs) or quantile(p, p + len, k), p in the window, c a skewed symbol; the answer to memory, summed by kind into
// stats[0..3] by warp sums
extern "C" __global__ void __launch_bounds__(256) wm_query(const u64* __restrict__ W, const u64* __restrict__ D,
                                                           const u64* __restrict__ Z, const u32* __restrict__ count,
                                                           u32 q0, u32 cnt, u32* __restrict__ out,
                                                           u64* __restrict__ stats) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  const bool live = t < cnt;
  u32 a = 0u, kind = 4u;
  if (live) {
    const u64 q = (u64)q0 + t, wq = q >> 5;
    const u64 base = splitmix(wq ^ (SEED << 1)) % (NN - WIN + 1ull);
    const u64 r1 = splitmix(q ^ (SEED << 2)), r2 = splitmix(r1);
    const u64 p = base + (r1 & (WIN - 1ull));
    const u32 c = wm_skew(r2);
    kind = (u32)wq & 3u;
    if (kind == 0u) {
      a = wm_access(W, D, Z, p);
    } else if (kind == 1u) {
      a = wm_rank(W, D, Z, c, p);
    } else if (kind == 2u) {
      const u32 n = count[c];
      a = n ? wm_selectc(W, D, Z, c, (r2 >> 32) % n) : NONE;
    } else {
      const u64 r = min(p + 1ull + ((r2 >> 16) & (WIN - 1ull)), NN);
      a = wm_quantile(W, D, Z, p, r, (r2 >> 40) % (r - p));
    }
    out[q] = a;
  }
  for (u32 k = 0; k < 4u; ++k) {
    const u32 sum = __reduce_add_sync(FULL, kind == k && a != NONE ? a : 0u);
    if ((threadIdx.x & 31u) == 0u && sum) atomicAdd(&stats[k], (u64)sum);
  }
}
// every position's symbol read back through the levels (the check)
extern "C" __global__ void wm_access_all(const u64* __restrict__ W, const u64* __restrict__ D,
                                         const u64* __restrict__ Z, u8* __restrict__ out) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < NN; i += (u64)gridDim.x * blockDim.x)
    out[i] = (u8)wm_access(W, D, Z, i);
}
"""


def wm_src():
    assert WM_LOGN >= 12 and WM_LOGWIN < WM_LOGN and WM_LEVELS == 8
    return fill_source(WM_CUDA, LOGN=WM_LOGN, LEVELS=WM_LEVELS, LOGWIN=WM_LOGWIN, SEED=hex(WM_SEED))


WM_SRC = wm_src()


def wm_symbol_py(i):
    """Symbol i as wm_gen makes it."""
    r = splitmix64(i ^ WM_SEED)
    return ((r & 255) * ((r >> 8) & 255)) >> 8


def wm_skew_xp(r):
    """wm_skew of a uint64 NumPy or CuPy array."""
    return ((r & U64(255)) * ((r >> U64(8)) & U64(255))) >> U64(8)


def wm_queries_xp(q, xp):
    """The queries of slots q (a uint64 array) as wm_query makes them, by xp's array operators: (kind, position, symbol,
    the select's draw (r2 >> 32), the range's end, the quantile's draw (r2 >> 40))."""
    nn, win = 1 << WM_LOGN, 1 << WM_LOGWIN
    wq = q >> U64(5)
    base = splitmix64_xp(wq ^ U64(WM_SEED << 1)) % U64(nn - win + 1)
    r1 = splitmix64_xp(q ^ U64(WM_SEED << 2))
    r2 = splitmix64_xp(r1)
    p = base + (r1 & U64(win - 1))
    end = p + U64(1) + ((r2 >> U64(16)) & U64(win - 1))
    end = xp.where(end > U64(nn), U64(nn), end)
    return wq & U64(3), p, wm_skew_xp(r2), r2 >> U64(32), end, r2 >> U64(40)


def wavelet(variant, clock):
    if variant != "rank":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=wm_src())
    genk, bitsk, dirk, partk, queryk, allk = (mod.get_function(k) for k in (
        "wm_gen", "wm_bits", "wm_dir", "wm_part", "wm_query", "wm_access_all"))
    nn, lv = 1 << WM_LOGN, WM_LEVELS
    nw, nb = nn >> 6, nn >> 9
    dirw = 2 * (nb + 1)
    S = cp.empty(nn, dtype=cp.uint8)
    grid = min((nn + 255) // 256, sms() * 16)
    genk((grid,), (256,), (S,))
    # the build: a level's bitvector, its directory (a prefix sum of the block counts), its zeros, then the stable
    # partition into the next level's order
    W = cp.zeros(lv * nw, dtype=cp.uint64)
    D = cp.zeros(lv * dirw, dtype=cp.uint64)
    Z = cp.zeros(lv, dtype=cp.uint64)
    cnt = cp.zeros(nb, dtype=cp.uint32)
    cur, nxt = S.copy(), cp.empty(nn, dtype=cp.uint8)
    for lev in range(lv):
        bit = lv - 1 - lev
        w, d = W[lev * nw:(lev + 1) * nw], D[lev * dirw:(lev + 1) * dirw]
        bitsk(((nw + 255) // 256,), (256,), (cur, U32(bit), w))
        dirk(((nb + 255) // 256,), (256,), (w, d, cnt))
        cum = cp.cumsum(cnt, dtype=cp.uint64)
        d[2:2 * nb + 2:2] = cum
        Z[lev:lev + 1] = U64(nn) - cum[-1:]
        if lev + 1 < lv:
            partk(((nn + 255) // 256,), (256,), (cur, w, d, Z, U32(lev), U32(bit), nxt))
            cur, nxt = nxt, cur
    del cur, nxt, cnt
    count = cp.bincount(S.astype(cp.int32), minlength=256).astype(cp.uint32)
    nq = WM_QUERIES
    out = cp.zeros(nq, dtype=cp.uint32)
    stats = cp.zeros(4, dtype=cp.uint64)
    state = {"cursor": 0, "queries": WM_Q0, "done": 0}

    def run(q0, c):
        queryk(((c + 255) // 256,), (256,), (W, D, Z, count, U32(q0), U32(c), out, stats))

    launch = wrapping_launch(state, "queries", nq, run)
    size_launch(launch, state, "queries", WM_MIN_Q, WM_MAX_Q)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every query slot; every symbol read back through the levels against the sequence
    stats.fill(0)
    run(0, nq)
    back = cp.empty(nn, dtype=cp.uint8)
    allk((grid,), (256,), (W, D, Z, back))
    access_all_ok = bool((back == S).all())
    del back
    rng = np.random.default_rng(92)
    sp = np.sort(rng.choice(nn, min(nn, WM_CHECK_SEQ), replace=False))
    hsp = S[cp.asarray(sp)].get()
    seq_good = sum(int(hsp[k]) == wm_symbol_py(i) for k, i in enumerate(sp.tolist()))
    # every access, rank and select against the sequence, and a sort of (symbol, position) keys: rank by searchsorted,
    # select by indexing; quantiles by NumPy histograms on a sample
    keys = cp.sort((S.astype(cp.uint64) << U64(WM_LOGN)) | cp.arange(nn, dtype=cp.uint64))
    start = cp.searchsorted(keys, cp.arange(256, dtype=cp.uint64) << U64(WM_LOGN))
    cnt_ok = bool((cp.bincount((keys >> U64(WM_LOGN)).astype(cp.int64), minlength=256) == count).all())
    good = [0, 0, 0]
    nkind = [0, 0, 0, 0]
    sums = [0, 0, 0, 0]
    quant = []
    for q0 in range(0, nq, 1 << 22):
        q = cp.arange(q0, min(nq, q0 + (1 << 22)), dtype=cp.uint64)
        kind, p, c, jd, end, kd = wm_queries_xp(q, cp)
        a = out[q0:q0 + len(q)].astype(cp.int64)
        ci = c.astype(cp.int64)
        want0 = S[p.astype(cp.int64)].astype(cp.int64)
        want1 = cp.searchsorted(keys, (c << U64(WM_LOGN)) | p) - start[ci]
        n_c = count[ci].astype(cp.uint64)
        j = jd % cp.where(n_c == U64(0), U64(1), n_c)
        want2 = cp.where(n_c == U64(0), M32, (keys[cp.where(n_c == U64(0), 0, start[ci] + j.astype(cp.int64))]
                                              & U64((1 << WM_LOGN) - 1)).astype(cp.int64))
        for k, want in enumerate((want0, want1, want2)):
            m = kind == U64(k)
            nkind[k] += int(m.sum())
            good[k] += int((a[m] == want[m]).sum())
            sums[k] += int(a[m & (a != M32)].sum())
        m3 = kind == U64(3)
        nkind[3] += int(m3.sum())
        sums[3] += int(a[m3].sum())
        idx = cp.nonzero(m3)[0]
        if len(quant) < WM_CHECK_QUANT and len(idx):
            take = idx[:WM_CHECK_QUANT - len(quant)]
            quant += list(zip(p[take].get().tolist(), end[take].get().tolist(), kd[take].get().tolist(),
                              a[take].get().tolist()))
    del keys, start
    quant_good = 0
    for p, e, kd, a in quant:
        cum = np.cumsum(np.bincount(S[p:e].get(), minlength=256))
        quant_good += int(np.searchsorted(cum, kd % (e - p), side="right")) == a
    hst = stats.get().astype(np.int64).tolist()
    sum_ok = hst == sums
    ok = access_all_ok and seq_good == len(sp) and cnt_ok and good == nkind[:3] and quant_good == len(quant) and sum_ok
    hz = Z.get()
    note(f"wavelet/{variant}: {state['done']} queries answered after READY (a wavelet matrix of {nn} symbols, {lv} "
         f"levels with rank9 directories, zeros a level {int(hz.min())}-{int(hz.max())}, {state['queries']} queries a "
         f"launch, warps of access/rank/select/quantile in turn in windows of {1 << WM_LOGWIN}); every symbol read "
         f"back through the levels: {access_all_ok}, {len(sp)} symbols equal to Python's regeneration: {seq_good}, "
         f"symbol counts equal to a sort's: {cnt_ok}, accesses/ranks/selects equal to the sequence and a sort of "
         f"(symbol, position) keys: {good[0]}/{good[1]}/{good[2]} of {nkind[0]}/{nkind[1]}/{nkind[2]}, "
         f"{len(quant)} quantiles equal to NumPy histograms': {quant_good}, answer sums by kind equal to the warp "
         f"sums: {sum_ok}, agree: {ok}, {per * 1e3:.2f} ms a launch ({state['queries'] / per / 1e6:.1f} M "
         f"queries/s), {nl} a step")


# ---- sudoku --------------------------------------------------------------------------------------------------------
SD_PUZZLES = 1 << 20       # puzzles (a pass over them, then again)
SD_CMIN = 22               # clues a puzzle: CMIN to CMAX, kept at random from a transformed valid grid
SD_CMAX = 40
SD_SEED = 0x5D0C
SD_MAXNODES = 1 << 16      # branches a puzzle at most (a safety valve: the search stops undecided, count 255;
                           # 4000 puzzles replayed on the CPU took at most 50)
SD_PUZZLES0 = 1 << 12      # puzzles a launch first; then as many as take about LAUNCH_S
SD_MIN_PUZZLES = 1 << 6
SD_MAX_PUZZLES = 1 << 24
SD_CHECK = 512             # puzzles regenerated and counted again in Python (about 2 ms each)

SD_CUDA = HEAD + r"""
#define CMIN %CMIN%u
#define CMAX %CMAX%u
#define SEED %SEED%ull
#define MAXNODES %MAXNODES%u
// a draw below m from the generator st (splitmix64 of a Weyl sequence), by multiply-high of the top 32 bits
__device__ __forceinline__ u32 sd_draw(u64& st, u32 m) {
  const u64 r = splitmix(st);
  st += 0x9E3779B97F4A7C15ull;
  return (u32)(((r >> 32) * (u64)m) >> 32);
}
__device__ __forceinline__ void sd_shuffle(u8* a, u32 n, u64& st) {
  for (u32 k = n - 1u; k > 0u; --k) {
    const u32 j = sd_draw(st, k + 1u);
    const u8 t = a[k];
    a[k] = a[j];
    a[j] = t;
  }
}
// a thread a puzzle p: the canonical grid (3 (r % 3) + r / 3 + c) % 9 transformed by a digit relabelling, a band
// order, row orders within bands, a stack order, column orders within stacks (Fisher-Yates shuffles) and a transpose
// half the time; then CMIN-CMAX cells kept as clues by a partial Fisher-Yates shuffle of the 81 cells. The grid and
// the puzzle (0 for an empty cell) to memory
extern "C" __global__ void sd_gen(u32 np, u8* __restrict__ grid, u8* __restrict__ puz) {
  const u32 p = blockIdx.x * blockDim.x + threadIdx.x;
  if (p >= np) return;
  u64 st = splitmix((u64)p ^ SEED);
  u8 dg[9], band[3], rin[9], stk[3], cin[9], cells[81], pz[81], g[81];
  for (u32 k = 0; k < 9u; ++k) dg[k] = (u8)k;
  sd_shuffle(dg, 9u, st);
  for (u32 k = 0; k < 3u; ++k) band[k] = (u8)k;
  sd_shuffle(band, 3u, st);
  for (u32 b = 0; b < 3u; ++b) {
    for (u32 k = 0; k < 3u; ++k) rin[3u * b + k] = (u8)k;
    sd_shuffle(rin + 3u * b, 3u, st);
  }
  for (u32 k = 0; k < 3u; ++k) stk[k] = (u8)k;
  sd_shuffle(stk, 3u, st);
  for (u32 b = 0; b < 3u; ++b) {
    for (u32 k = 0; k < 3u; ++k) cin[3u * b + k] = (u8)k;
    sd_shuffle(cin + 3u * b, 3u, st);
  }
  const u32 tr = sd_draw(st, 2u);
  const u32 K = CMIN + sd_draw(st, CMAX - CMIN + 1u);
  for (u32 e = 0; e < 81u; ++e) {
    const u32 r = e / 9u, c = e % 9u, x = tr ? c : r, y = tr ? r : c;
    const u32 R = 3u * band[x / 3u] + rin[x], C = 3u * stk[y / 3u] + cin[y];
    g[e] = (u8)(1u + dg[(3u * (R % 3u) + R / 3u + C) % 9u]);
    cells[e] = (u8)e;
    pz[e] = 0u;
  }
  for (u32 k = 0; k < K; ++k) {
    const u32 j = k + sd_draw(st, 81u - k);
    const u8 t = cells[k];
    cells[k] = cells[j];
    cells[j] = t;
    pz[cells[k]] = g[cells[k]];
  }
  for (u32 e = 0; e < 81u; ++e) {
    grid[81ull * p + e] = g[e];
    puz[81ull * p + e] = pz[e];
  }
}
struct sd_state {
  u8 g[81], trail[81];
  u16 R[9], C[9], B[9];
  u32 tl;
};
__device__ __forceinline__ u32 sd_boxof(u32 r, u32 c) { return (r / 3u) * 3u + c / 3u; }
__device__ __forceinline__ u32 sd_cand(const sd_state& s, u32 e) {
  const u32 r = e / 9u, c = e - 9u * r;
  return ~(u32)(s.R[r] | s.C[c] | s.B[sd_boxof(r, c)]) & 0x1FFu;
}
__device__ __forceinline__ void sd_place(sd_state& s, u32 e, u32 d) {
  const u32 r = e / 9u, c = e - 9u * r;
  const u16 bit = (u16)(1u << d);
  s.g[e] = (u8)(d + 1u);
  s.R[r] |= bit;
  s.C[c] |= bit;
  s.B[sd_boxof(r, c)] |= bit;
  s.trail[s.tl++] = (u8)e;
}
// cells placed since the trail was len long emptied again, last first
__device__ __forceinline__ void sd_undo(sd_state& s, u32 len) {
  while (s.tl > len) {
    const u32 e = s.trail[--s.tl], r = e / 9u, c = e - 9u * r;
    const u16 keep = (u16)~(1u << (s.g[e] - 1u));
    s.R[r] &= keep;
    s.C[c] &= keep;
    s.B[sd_boxof(r, c)] &= keep;
    s.g[e] = 0u;
  }
}
// cell k of unit u: rows 0-8, columns 9-17, boxes 18-26
__device__ __forceinline__ u32 sd_cell(u32 u, u32 k) {
  if (u < 9u) return 9u * u + k;
  if (u < 18u) return 9u * k + (u - 9u);
  const u32 b = u - 18u;
  return 9u * (3u * (b / 3u) + k / 3u) + 3u * (b % 3u) + k % 3u;
}
// constraint propagation to a fixed point: naked singles (an empty cell with one candidate) in a sweep of the cells,
// then hidden singles (a digit with one place in a row, column or box: once & ~twice over the unit's candidate masks);
// -2 on a contradiction (a cell without candidates, a unit missing a digit), -1 when every cell is filled, else the
// first empty cell with the fewest candidates
__device__ int sd_propagate(sd_state& s) {
  for (;;) {
    bool changed = false;
    int best = -1;
    u32 bc = 10u;
    for (u32 e = 0; e < 81u; ++e) {
      if (s.g[e]) continue;
      const u32 m = sd_cand(s, e), n = (u32)__popc(m);
      if (n == 0u) return -2;
      if (n == 1u) {
        sd_place(s, e, (u32)__ffs((int)m) - 1u);
        changed = true;
      } else if (n < bc) {
        bc = n;
        best = (int)e;
      }
    }
    if (changed) continue;
    for (u32 u = 0; u < 27u; ++u) {
      u32 once = 0u, twice = 0u, have = 0u;
      for (u32 k = 0; k < 9u; ++k) {
        const u32 e = sd_cell(u, k);
        if (s.g[e]) {
          have |= 1u << (s.g[e] - 1u);
        } else {
          const u32 m = sd_cand(s, e);
          twice |= once & m;
          once |= m;
        }
      }
      if ((once | have) != 0x1FFu) return -2;
      u32 only = once & ~twice & ~have;
      while (only) {
        const u32 d = (u32)__ffs((int)only) - 1u;
        only &= only - 1u;
        u32 k = 0u;
        while (k < 9u && (s.g[sd_cell(u, k)] || !((sd_cand(s, sd_cell(u, k)) >> d) & 1u))) ++k;
        if (k == 9u) return -2;
        sd_place(s, sd_cell(u, k), d);
        changed = true;
      }
    }
    if (!changed) return best;
  }
}
// a thread a puzzle p0 + t: the clues placed (a clue clashing with another: no solution), propagation, then depth-
// first search on an explicit stack of frames (the branching cell, its untried candidates, the trail's length) in
// local memory: the branching cell the propagation's fewest-candidates cell, its candidates tried lowest first, each
// followed by propagation, a dead end undone from the trail. Solutions counted up to 2, each written to memory
// (sol + 162 p, the first then the second); the count (255 where MAXNODES branches ran out first) and branches to
// memory; unique, multiple and undecided puzzles by warp ballots, branches by warp sums into stats[0..3]
extern "C" __global__ void __launch_bounds__(128) sd_solve(const u8* __restrict__ puz, u32 p0, u32 cnt,
                                                           u8* __restrict__ sol, u8* __restrict__ nsol,
                                                           u32* __restrict__ nodes, u64* __restrict__ stats) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  const bool live = t < cnt;
  u32 count = 0u, nn = 0u;
  bool capped = false;
  if (live) {
    const u64 p = (u64)p0 + t;
    const u8* q = puz + 81ull * p;
    u8* out = sol + 162ull * p;
    sd_state s;
    for (u32 k = 0; k < 9u; ++k) s.R[k] = s.C[k] = s.B[k] = 0u;
    s.tl = 0u;
    bool ok = true;
    for (u32 e = 0; e < 81u; ++e) s.g[e] = 0u;
    for (u32 e = 0; e < 81u; ++e) {
      const u32 v = q[e];
      if (!v) continue;
      if (v > 9u || !((sd_cand(s, e) >> (v - 1u)) & 1u))
        ok = false;
      else
        sd_place(s, e, v - 1u);
    }
    u8 fcell[81], ftl[81];
    u16 fcand[81];
    u32 sp = 0u;
    int st = ok ? sd_propagate(s) : -2;
    while (ok) {
      if (st == -1) {
        for (u32 e = 0; e < 81u; ++e) out[81u * count + e] = s.g[e];
        if (++count == 2u) break;
      } else if (st >= 0) {
        fcell[sp] = (u8)st;
        fcand[sp] = (u16)sd_cand(s, (u32)st);
        ftl[sp] = (u8)s.tl;
        ++sp;
      }
      bool more = false;
      while (sp > 0u) {
        const u32 f = sp - 1u;
        sd_undo(s, ftl[f]);
        if (fcand[f]) {
          const u32 d = (u32)__ffs((int)fcand[f]) - 1u;
          fcand[f] &= (u16)(fcand[f] - 1u);
          sd_place(s, fcell[f], d);
          ++nn;
          more = true;
          break;
        }
        --sp;
      }
      if (!more) break;
      if (nn >= MAXNODES) {
        capped = true;
        break;
      }
      st = sd_propagate(s);
    }
    nsol[p] = capped ? (u8)255u : (u8)count;
    nodes[p] = nn;
  }
  const u32 b1 = __ballot_sync(FULL, live && !capped && count == 1u);
  const u32 b2 = __ballot_sync(FULL, live && !capped && count == 2u);
  const u32 bc = __ballot_sync(FULL, live && capped), sn = __reduce_add_sync(FULL, nn);
  if ((threadIdx.x & 31u) == 0u) {
    if (b1) atomicAdd(&stats[0], (u64)__popc(b1));
    if (b2) atomicAdd(&stats[1], (u64)__popc(b2));
    if (sn) atomicAdd(&stats[2], (u64)sn);
    if (bc) atomicAdd(&stats[3], (u64)__popc(bc));
  }
}
"""


def sd_src():
    return fill_source(SD_CUDA, CMIN=SD_CMIN, CMAX=SD_CMAX, SEED=hex(SD_SEED), MAXNODES=SD_MAXNODES)


SD_SRC = sd_src()


def sd_puzzle_py(p):
    """Puzzle p as sd_gen makes it: (the transformed grid, the puzzle), 81 digits each, row by row, built as row and
    column maps of the canonical grid."""
    st = [splitmix64(p ^ SD_SEED)]

    def draw(m):
        r = splitmix64(st[0])
        st[0] = (st[0] + GOLDEN) & M64
        return ((r >> 32) * m) >> 32

    def shuffled(n):
        a = list(range(n))
        for k in range(n - 1, 0, -1):
            j = draw(k + 1)
            a[k], a[j] = a[j], a[k]
        return a
    digits = shuffled(9)
    bands = shuffled(3)
    rows = [3 * bands[b] + x for b in range(3) for x in shuffled(3)]
    stacks = shuffled(3)
    cols = [3 * stacks[b] + x for b in range(3) for x in shuffled(3)]
    tr = draw(2)
    canon = [[(3 * (r % 3) + r // 3 + c) % 9 for c in range(9)] for r in range(9)]
    g = [[1 + digits[canon[rows[r]][cols[c]]] for c in range(9)] for r in range(9)]
    if tr:
        g = [list(x) for x in zip(*g)]
    grid = [v for row in g for v in row]
    k_clues = SD_CMIN + draw(SD_CMAX - SD_CMIN + 1)
    cells = list(range(81))
    for k in range(k_clues):
        j = k + draw(81 - k)
        cells[k], cells[j] = cells[j], cells[k]
    keep = set(cells[:k_clues])
    return grid, [grid[e] if e in keep else 0 for e in range(81)]


def sd_count_py(puzzle, limit=2):
    """Solutions of a puzzle, counted up to limit, by a recursive backtracking on Python sets: the empty cell with the
    fewest candidates, no other deduction."""
    g = list(puzzle)
    units = [[9 * r + c for c in range(9)] for r in range(9)] + [[9 * r + c for r in range(9)] for c in range(9)] + \
        [[9 * (3 * (b // 3) + k // 3) + 3 * (b % 3) + k % 3 for k in range(9)] for b in range(9)]
    peers = [set() for _ in range(81)]
    for u in units:
        for e in u:
            peers[e].update(u)
    for e in range(81):
        peers[e].discard(e)
    for e in range(81):
        if g[e] and any(g[f] == g[e] for f in peers[e]):
            return 0

    def rec():
        best, bc = None, None
        for e in range(81):
            if not g[e]:
                c = set(range(1, 10)) - {g[f] for f in peers[e]}
                if not c:
                    return 0
                if best is None or len(c) < len(bc):
                    best, bc = e, c
        if best is None:
            return 1
        n = 0
        for v in sorted(bc):
            g[best] = v
            n += rec()
            g[best] = 0
            if n >= limit:
                return limit
        return n
    return rec()


def sd_valid_xp(grids, xp):
    """Whether each 81-digit row of a uint8 array (n, 81) is a complete valid grid: each row, column and box holding
    the digits 1-9 once (the sum of 2^(digit - 1) over it 511), by xp's array operators."""
    lut = xp.asarray(np.array([0] + [1 << k for k in range(9)] + [1 << 12] * 246, dtype=np.uint16))
    m = lut[grids.astype(xp.int64)].reshape(-1, 9, 9).astype(xp.int32)
    box = m.reshape(-1, 3, 3, 3, 3).sum(axis=(2, 4))
    return (m.sum(axis=2) == 511).all(axis=1) & (m.sum(axis=1) == 511).all(axis=1) & (box == 511).all(axis=(1, 2))


def sudoku(variant, clock):
    if variant != "solve":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=sd_src())
    genk, solvek = (mod.get_function(k) for k in ("sd_gen", "sd_solve"))
    n = SD_PUZZLES
    grid = cp.zeros(n * 81, dtype=cp.uint8)
    puz = cp.zeros(n * 81, dtype=cp.uint8)
    genk(((n + 127) // 128,), (128,), (U32(n), grid, puz))
    sol = cp.zeros(n * 162, dtype=cp.uint8)
    nsol = cp.zeros(n, dtype=cp.uint8)
    nodes = cp.zeros(n, dtype=cp.uint32)
    stats = cp.zeros(4, dtype=cp.uint64)
    state = {"cursor": 0, "puzzles": SD_PUZZLES0, "done": 0}

    def run(p0, cnt):
        solvek(((cnt + 127) // 128,), (128,), (puz, U32(p0), U32(cnt), sol, nsol, nodes, stats))

    launch = wrapping_launch(state, "puzzles", n, run)
    size_launch(launch, state, "puzzles", SD_MIN_PUZZLES, SD_MAX_PUZZLES)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every puzzle: grids, clues and solutions by CuPy's array operators (every grid valid and
    # holding its puzzle's clues; every first solution valid and holding the clues, equal to the grid where it is the
    # only one; every second solution valid, holding the clues and unlike the first), counts against the ballots
    stats.fill(0)
    run(0, n)
    hst = stats.get().astype(np.int64).tolist()
    cnt = nsol.astype(cp.int64)
    nclue = (puz.reshape(n, 81) != 0).sum(axis=1)
    gen_ok = True
    sol_ok = True
    for c0 in range(0, n, 1 << 18):
        g = grid.reshape(n, 81)[c0:c0 + (1 << 18)]
        pz = puz.reshape(n, 81)[c0:c0 + (1 << 18)]
        s2 = sol.reshape(n, 2, 81)[c0:c0 + (1 << 18)]
        s0, s1 = s2[:, 0], s2[:, 1]
        k = cnt[c0:c0 + (1 << 18)]
        clue = pz != 0
        gen_ok = gen_ok and bool(sd_valid_xp(g, cp).all()) and not bool((clue & (pz != g)).any())
        v0, v1 = sd_valid_xp(s0, cp), sd_valid_xp(s1, cp)
        h0 = ~(clue & (pz != s0)).any(axis=1)
        h1 = ~(clue & (pz != s1)).any(axis=1)
        same0 = (s0 == g).all(axis=1)
        diff = (s0 != s1).any(axis=1)
        sol_ok = sol_ok and bool((v0 & h0).all()) and bool(same0[k == 1].all()) and bool((v1 & h1 & diff)[k == 2].all())
    clue_ok = bool(((nclue >= SD_CMIN) & (nclue <= SD_CMAX)).all())
    counts = [int((cnt == 1).sum()), int((cnt == 2).sum()), int(nodes.astype(cp.uint64).sum()), int((cnt == 255).sum())]
    count_ok = hst == counts and counts[0] + counts[1] == n
    # sampled puzzles: grid and puzzle against Python's regeneration, the count (1 or at least 2) against a Python
    # backtracking solver's
    rng = np.random.default_rng(93)
    picks = np.sort(rng.choice(n, min(n, SD_CHECK), replace=False)).tolist()
    hc = nsol.get()
    puz_good = count_good = 0
    for p in picks:
        g, pz = sd_puzzle_py(p)
        puz_good += grid[81 * p:81 * (p + 1)].get().tolist() == g and puz[81 * p:81 * (p + 1)].get().tolist() == pz
        count_good += int(hc[p]) == sd_count_py(pz)
    ok = gen_ok and sol_ok and clue_ok and count_ok and puz_good == len(picks) and count_good == len(picks)
    hn = nodes.get()
    note(f"sudoku/{variant}: {state['done']} puzzles solved after READY ({n} puzzles of {SD_CMIN}-{SD_CMAX} clues from "
         f"transformed grids, {state['puzzles']} puzzles a launch), {counts[0]} with one solution, {counts[1]} with "
         f"more, {counts[3]} undecided, {counts[2] / n:.1f} branches a puzzle (at most {int(hn.max())}); every grid "
         f"valid and holding its clues: {gen_ok}, clue counts in range: {clue_ok}, every solution valid, holding the "
         f"clues, the grid where unique and a second unlike the first: {sol_ok}, counts equal to the ballots and "
         f"sums: {count_ok}, {len(picks)} puzzles equal to Python's regeneration: {puz_good}, their solution counts "
         f"equal to a Python backtracking solver's: {count_good}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['puzzles'] / per / 1e6:.2f} M puzzles/s), {nl} a step")
