"""Philox random numbers, GF(2) Gaussian elimination, N-queens counting, procedural terrain noise and a segmented
sieve of Eratosthenes (label 0).

A fourteenth set of benign work, five kinds that look like hashing in pipe-activity terms (32x32 -> 64-bit multiply
and XOR rounds, XOR-heavy bit work, shifts and popcounts, integer hashing beside fp32, 64-bit divisions and shared-
memory bit atomics) and that training had no kin of:

  philox      bulk counter-based random numbers as a simulation library makes them: Philox4x32-10 (ten rounds of two
              32x32 -> 64-bit multiplies and XORs, Weyl key increments) of counter (thread, i, launch), the words
              made uniform floats and Box-Muller normals (logf, sqrtf, sincospif), each thread's sums of uniforms,
              normals and their squares kept so none of it is dead code. 2^20 threads; iterations a launch timed at
              set-up to about 30 ms (about 100 int and 100 fp32 instructions a block of four words: some 10^11
              words a second, so about 1000 iterations a thread).
  gf2         Gauss-Jordan elimination over GF(2) of fresh random 1024 x 1024 bit-packed systems A x = b (b = A x0,
              so every one is solvable), a block a matrix in global memory: per column a warp ballot of the rows'
              bits, the pivot the first unused row with the bit (ffs, atomicMin in shared memory), then XOR of the
              pivot row into every other row with the bit, a thread a (row, word); rank and a solution x written
              out, then every row's A x = b re-checked on the GPU with A regenerated. Matrices a launch timed at
              set-up to about 30 ms (about 4.7M word XORs a matrix and 1024 dependent column steps: some 128 of
              them in flight per millisecond is the guess, so a few hundred a launch).
  nqueens     counting the solutions of 17-queens by bitmask backtracking, the first 6 rows fixed (1448002 prefixes
              made on the host), a thread a prefix with an explicit stack in local memory (lowest set bit by
              a & -a, diagonals by shifts, the last row counted by popcount); prefixes a launch timed at set-up to
              about 30 ms, wrapping round the list (7.9e9 placements a pass: at some 10^10 a second, a pass in under
              a second, so every prefix counted several times in an episode).
  noise       procedural terrain: an 8192 x 8192 height map of 8-octave fBm of 2-D gradient (Perlin) noise, the
              lattice gradients from a permutation-free 32-bit integer hash of (x, y, octave), integer lattice
              coordinates and exact fractions, the tile moving across the world each launch; then a pass of one
              thermal-erosion step (talus-limited flux to the 4 neighbours) and normals packed to 3 x 10 bits. About
              600 mixed int and fp32 instructions a pixel: 4e10 a launch, about 3-6 ms.
  sieve       a segmented sieve of Eratosthenes: segments of 2^19 numbers (2^18 odd ones, a bit each, 32 KiB of
              shared memory a block), primes below 2^20 striking their odd multiples by shared atomicOr (primes
              below 4096 by the whole block, larger ones a thread each after a 64-bit remainder), unmarked bits
              counted by popcount; windows moving from 2^32 up to 2^40 and round again. Segments a launch timed at
              set-up to about 30 ms near 2^40, where a segment costs most (some 6e5 strikes and 82000 remainders
              a segment: a few thousand segments a launch); launches lower down take less, perhaps a third.

Self-checks, printed with the summary line (`agree:`): philox compares the GPU's rounds with the three published
Random123 known-answer vectors and with a Python replay of every word of 8 threads (their XOR chain exactly, their
sums and first normals to fp32 tolerance), and the overall mean and variance of the normals and the mean of the
uniforms with their expectations; gf2 recomputes 4 matrices' ranks in Python (a different elimination) and checks
their solutions by multiplying back, and counts the GPU's own A x = b check over every matrix; nqueens checks the
totals of 10 and 12 queens by the same kernel (724 and 14200), 16 prefixes' counts of 17 against a recursive Python
count, and the 17-queens total (95815104) once every prefix has been counted; noise compares 64 pixels' heights
with a scalar Python fBm, 2 rows' lattice-hash digests exactly, and 32 pixels' erosion and normals with NumPy from
the GPU's heights; sieve checks pi(10^9) = 50847534 by the same kernel from 0 and 6 segments' counts against a
NumPy sieve.
"""
import math

import numpy as np

from common import SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, popcount64, \
    repeat_step, resize_launch, size_launch, splitmix64_np

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1
U64 = np.uint64
U32 = np.uint32


# ---- philox --------------------------------------------------------------------------------------------------------
PH_THREADS = 1 << 20
PH_ITERS0 = 16             # Philox blocks (4 words) a thread in the first launch; then as many as take about LAUNCH_S
PH_MIN_ITERS = 4
PH_MAX_ITERS = 1 << 13
PH_KEY = (0x2B7E1516, 0x28AED2A6)
PH_CHECK = 8
PH_M = (0xD2511F53, 0xCD9E8D57)  # Philox4x32's multipliers
PH_W = (0x9E3779B9, 0xBB67AE85)  # and its Weyl key increments
# Random123's published known-answer vectors for philox4x32-10: (counter, key, output)
PH_KAT = (((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
          ((M32, M32, M32, M32), (M32, M32), (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
          ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
           (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)))

PH_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define K0 %K0%u
#define K1 %K1%u
// Philox4x32-10 of counter (c0, c1, c2, c3) and key (k0, k1), in place
__device__ __forceinline__ void philox(u32& c0, u32& c1, u32& c2, u32& c3, u32 k0, u32 k1) {
#pragma unroll
  for (int r = 0; r < 10; ++r) {
    if (r) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
    const u32 hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
    const u32 hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
    const u32 n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
  }
}
// a word's top 23 bits as a uniform float in (0, 1), exactly (k + 0.5) / 2^23
__device__ __forceinline__ float ph_unif(u32 w) { return ((float)(w >> 9) + 0.5f) * 1.1920928955078125e-7f; }
// a thread `iters` blocks of counter (t, i, launch): the words' rotate-xor chain, the sums of the uniforms, of the
// Box-Muller normals of pairs (w0, w1), (w2, w3) and of their squares, and the first block's four normals
extern "C" __global__ void ph_gen(u32 threads, u32 iters, u64 launch, float* __restrict__ su, float* __restrict__ sz,
                                  float* __restrict__ sz2, u32* __restrict__ xr, float* __restrict__ first) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= threads) return;
  float au = 0.f, az = 0.f, az2 = 0.f;
  u32 x = 0;
  for (u32 i = 0; i < iters; ++i) {
    u32 w0 = t, w1 = i, w2 = (u32)launch, w3 = (u32)(launch >> 32);
    philox(w0, w1, w2, w3, K0, K1);
    x = ((x << 1) | (x >> 31)) ^ w0 ^ w1 ^ w2 ^ w3;
    const float u0 = ph_unif(w0), u1 = ph_unif(w1), u2 = ph_unif(w2), u3 = ph_unif(w3);
    au += (u0 + u1) + (u2 + u3);
    const float ra = sqrtf(-2.f * logf(u0)), rb = sqrtf(-2.f * logf(u2));
    float sa, ca, sb, cb;
    sincospif(2.f * u1, &sa, &ca);
    sincospif(2.f * u3, &sb, &cb);
    const float z0 = ra * ca, z1 = ra * sa, z2 = rb * cb, z3 = rb * sb;
    az += (z0 + z1) + (z2 + z3);
    az2 += (z0 * z0 + z1 * z1) + (z2 * z2 + z3 * z3);
    if (i == 0) {
      first[4 * t] = z0; first[4 * t + 1] = z1; first[4 * t + 2] = z2; first[4 * t + 3] = z3;
    }
  }
  su[t] = au;
  sz[t] = az;
  sz2[t] = az2;
  xr[t] = x;
}
// the rounds alone on given (counter, key) sextuples, for the known-answer vectors
extern "C" __global__ void ph_kat(const u32* __restrict__ in, u32 n, u32* __restrict__ out) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= n) return;
  u32 c0 = in[6 * t], c1 = in[6 * t + 1], c2 = in[6 * t + 2], c3 = in[6 * t + 3];
  philox(c0, c1, c2, c3, in[6 * t + 4], in[6 * t + 5]);
  out[4 * t] = c0; out[4 * t + 1] = c1; out[4 * t + 2] = c2; out[4 * t + 3] = c3;
}
"""
PH_SRC = fill_source(PH_CUDA, K0=hex(PH_KEY[0]), K1=hex(PH_KEY[1]))


def philox_py(ctr, key):
    """Philox4x32-10 of a counter (4 ints) and key (2 ints) in Python ints, as Random123 defines it."""
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for r in range(10):
        if r:
            k0, k1 = (k0 + PH_W[0]) & M32, (k1 + PH_W[1]) & M32
        p0, p1 = PH_M[0] * c0, PH_M[1] * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & M32, (p0 >> 32) ^ c3 ^ k1, p0 & M32
    return c0, c1, c2, c3


def ph_thread_py(t, iters, launch):
    """ph_gen's outputs for thread t in Python (doubles): (xor chain, sum u, sum z, sum z^2, first 4 normals)."""
    x, su, sz, sz2, first = 0, 0.0, 0.0, 0.0, None
    for i in range(iters):
        w = philox_py((t, i, launch & M32, (launch >> 32) & M32), PH_KEY)
        x = (((x << 1) | (x >> 31)) & M32) ^ w[0] ^ w[1] ^ w[2] ^ w[3]
        u = [((v >> 9) + 0.5) / 2 ** 23 for v in w]
        su += sum(u)
        z = []
        for a, b in ((u[0], u[1]), (u[2], u[3])):
            r = math.sqrt(-2.0 * math.log(a))
            z += [r * math.cos(2 * math.pi * b), r * math.sin(2 * math.pi * b)]
        sz += sum(z)
        sz2 += sum(v * v for v in z)
        if i == 0:
            first = z
    return x, su, sz, sz2, first


def philox(variant, clock):
    if variant != "bulk":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=PH_SRC)
    gen, kat = mod.get_function("ph_gen"), mod.get_function("ph_kat")
    threads = PH_THREADS
    su, sz, sz2 = (cp.zeros(threads, dtype=cp.float32) for _ in range(3))
    xr = cp.zeros(threads, dtype=cp.uint32)
    first = cp.zeros(4 * threads, dtype=cp.float32)
    state = {"launch": 0, "iters": PH_ITERS0, "made": 0, "last": 0}

    def launch():
        state["last"] = state["launch"]
        gen(((threads + 255) // 256,), (256,), (np.uint32(threads), np.uint32(state["iters"]), U64(state["launch"]),
                                                su, sz, sz2, xr, first))
        state["launch"] += 1
        state["made"] += 4 * threads * state["iters"]
    size_launch(launch, state, "iters", PH_MIN_ITERS, PH_MAX_ITERS)
    nl, per = calibrated_launches(launch, 16)
    state["made"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    iters, last = state["iters"], state["last"]
    # the known-answer vectors through the GPU's rounds
    kin = cp.asarray(np.array([list(c) + list(k) for c, k, _ in PH_KAT], dtype=np.uint32).reshape(-1))
    kout = cp.zeros(4 * len(PH_KAT), dtype=cp.uint32)
    kat((1,), (32,), (kin, np.uint32(len(PH_KAT)), kout))
    kat_ok = [int(v) for v in kout.get()] == [w for _, _, o in PH_KAT for w in o] and \
        all(philox_py(c, k) == o for c, k, o in PH_KAT)
    # 8 threads of the last launch replayed word by word in Python
    hsu, hsz, hsz2, hxr, hfirst = su.get(), sz.get(), sz2.get(), xr.get(), first.get()
    picks = sorted({0, threads - 1} | {int(v) for v in np.random.default_rng(31).integers(0, threads, PH_CHECK - 2)})
    good = 0
    for t in picks:
        x, a, b, c, f = ph_thread_py(t, iters, last)
        n = 4 * iters  # fp32 sums of n terms against doubles: a loose bound, the normals themselves tight
        good += (x == int(hxr[t]) and abs(a - float(hsu[t])) <= 1e-5 * n + 1e-3
                 and abs(b - float(hsz[t])) <= 1e-5 * n + 1e-3 and abs(c - float(hsz2[t])) <= 2e-5 * n + 1e-3
                 and all(abs(p - float(q)) <= 1e-5 + 1e-5 * abs(p) for p, q in zip(f, hfirst[4 * t:4 * t + 4])))
    # moments over the last launch: 4 n normals and uniforms; 6 standard errors and fp32 slack
    n = 4.0 * threads * iters
    mz = float(hsz.astype(np.float64).sum()) / n
    vz = float(hsz2.astype(np.float64).sum()) / n - mz * mz
    mu = float(hsu.astype(np.float64).sum()) / n
    mom_ok = abs(mz) < 6 / math.sqrt(n) + 1e-5 and abs(vz - 1) < 6 * math.sqrt(2 / n) + 1e-4 and \
        abs(mu - 0.5) < 6 * math.sqrt(1 / 12 / n) + 1e-5
    ok = kat_ok and good == len(picks) and mom_ok
    note(f"philox/{variant}: {state['made']} Philox4x32-10 words after READY ({threads} threads x {iters} blocks a "
         f"launch, uniforms and Box-Muller normals summed), last launch: normals' mean {mz:+.2e} variance {vz:.5f}, "
         f"uniforms' mean {mu:.6f}, moments as expected: {mom_ok}, Random123 known-answer vectors equal: {kat_ok}, "
         f"{len(picks)} threads equal to Python's replay: {good}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({4 * threads * iters / per / 1e9:.1f} G words/s), {nl} a step")


# ---- gf2 -----------------------------------------------------------------------------------------------------------
GF_N = 1024                # rows = columns (a multiple of 64)
GF_SEED = 0x6F2
GF_MATS0 = 128             # matrices in the first launch; then as many as take about LAUNCH_S
GF_MIN_MATS = 16
GF_MAX_MATS = 2048         # 2048 x 1024 x 17 words: 272 MiB
GF_CHECK = 4
GF_THREADS = 256

GF_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define NB %N%
#define NW (NB / 64)
#define RW (NW + 1)
#define SEED %SEED%ull
#define NONE 0xFFFFFFFFu
#define FULL 0xFFFFFFFFu
// word w of row i of matrix gm (a running count over launches), and word w of its planted solution x0
__device__ __forceinline__ u64 gf_a(u64 gm, u32 i, u32 w) { return splitmix(((gm * NB + i) * NW + w) ^ SEED); }
__device__ __forceinline__ u64 gf_x0(u64 gm, u32 w) { return splitmix((gm * NW + w) ^ (SEED * 5)); }
// a thread a row: A's NW words, then b_i = <row, x0> in bit 0 of word NW
extern "C" __global__ void gf_gen(u64 gm0, u32 mats, u64* __restrict__ A) {
  const u64 r = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= (u64)mats * NB) return;
  const u64 gm = gm0 + r / NB;
  const u32 i = (u32)(r % NB);
  u32 par = 0;
  for (u32 w = 0; w < NW; ++w) {
    const u64 a = gf_a(gm, i, w);
    A[r * RW + w] = a;
    par ^= __popcll(a & gf_x0(gm, w));
  }
  A[r * RW + NW] = par & 1u;
}
// Gauss-Jordan over GF(2), a block a matrix [A | b]: for each column c the rows' bits by ballots (flags in shared
// memory), the pivot the first row not yet a pivot with the bit, then the pivot row XOR-ed into every other row
// with the bit, a thread a (row, word) from word c / 64 on. Rank and x (x_c = b of column c's pivot row, free
// columns 0) written out
extern "C" __global__ void gf_elim(u64* __restrict__ A, u32 mats, u32* __restrict__ rank, u64* __restrict__ x) {
  __shared__ u32 s_flag[NB / 32], s_used[NB / 32], s_piv[2], s_rank;
  __shared__ unsigned short s_pr[NB];
  const u32 m = blockIdx.x;
  if (m >= mats) return;  // a whole block at a time
  u64* M = A + (u64)m * NB * RW;
  const u32 tid = threadIdx.x, lane = tid & 31u, warp = tid >> 5;
  for (u32 i = tid; i < NB / 32; i += blockDim.x) s_used[i] = 0;
  if (tid == 0) { s_piv[0] = NONE; s_rank = 0; }
  __syncthreads();
  for (u32 c = 0; c < NB; ++c) {
    const u32 cw = c >> 6;
    const u64 cb = 1ull << (c & 63u);
    for (u32 r0 = warp * 32; r0 < NB; r0 += blockDim.x) {
      const bool bit = (M[(u64)(r0 + lane) * RW + cw] & cb) != 0ull;
      const u32 f = __ballot_sync(FULL, bit);
      const u32 cand = f & ~s_used[r0 >> 5];
      if (lane == 0) {
        s_flag[r0 >> 5] = f;
        if (cand) atomicMin(&s_piv[c & 1u], r0 + __ffs(cand) - 1);
      }
    }
    __syncthreads();
    const u32 p = s_piv[c & 1u];
    if (tid == 0) {
      s_piv[(c + 1) & 1u] = NONE;  // the next column's slot: nobody reads it before the next barrier
      s_pr[c] = p < NB ? (unsigned short)p : (unsigned short)0xFFFFu;
      if (p < NB) s_used[p >> 5] |= 1u << (p & 31u);
    }
    if (p < NB) {
      const u32 aw = RW - cw;
      const u64* P = M + (u64)p * RW;
      for (u32 k = tid; k < NB * aw; k += blockDim.x) {
        const u32 r = k / aw, w = cw + k % aw;
        if (r != p && ((s_flag[r >> 5] >> (r & 31u)) & 1u)) M[(u64)r * RW + w] ^= P[w];
      }
    }
    __syncthreads();
  }
  for (u32 w = tid; w < NW; w += blockDim.x) {
    u64 xw = 0;
    u32 np = 0;
    for (u32 j = 0; j < 64; ++j) {
      const u32 pr = s_pr[w * 64 + j];
      if (pr != 0xFFFFu) {
        ++np;
        xw |= (M[(u64)pr * RW + NW] & 1ull) << j;
      }
    }
    x[(u64)m * NW + w] = xw;
    atomicAdd(&s_rank, np);
  }
  __syncthreads();
  if (tid == 0) rank[m] = s_rank;
}
// a thread a row: <row, x> against b_i with A and x0 made again; rows that differ counted
extern "C" __global__ void gf_verify(const u64* __restrict__ x, u64 gm0, u32 mats, u32* __restrict__ bad) {
  const u64 r = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  u32 wrong = 0;
  if (r < (u64)mats * NB) {
    const u64 gm = gm0 + r / NB, m = r / NB;
    const u32 i = (u32)(r % NB);
    u32 px = 0, pb = 0;
    for (u32 w = 0; w < NW; ++w) {
      const u64 a = gf_a(gm, i, w);
      px ^= __popcll(a & x[m * NW + w]);
      pb ^= __popcll(a & gf_x0(gm, w));
    }
    wrong = (px ^ pb) & 1u;
  }
  wrong = __reduce_add_sync(FULL, wrong);
  if ((threadIdx.x & 31u) == 0 && wrong) atomicAdd(bad, wrong);
}
"""


def gf_src():
    return SPLITMIX_CUDA + fill_source(GF_CUDA, N=GF_N, SEED=hex(GF_SEED))


GF_SRC = gf_src()


def gf_words_np(gm):
    """Matrix gm's words (n x n/64 uint64, bit j of word w = column 64 w + j) and x0's words, as gf_gen makes
    them."""
    n, nw = GF_N, GF_N // 64
    keys = (U64(gm) * U64(n) + np.arange(n, dtype=U64)[:, None]) * U64(nw) + np.arange(nw, dtype=U64)[None, :]
    a = splitmix64_np(keys ^ U64(GF_SEED))
    x0 = splitmix64_np((U64(gm) * U64(nw) + np.arange(nw, dtype=U64)) ^ U64(GF_SEED * 5))
    return a, x0


def gf_rank_py(rows):
    """Rank over GF(2) by a basis keyed by each vector's highest bit (not the kernel's order)."""
    basis = {}
    for v in rows:
        while v:
            h = v.bit_length() - 1
            if h not in basis:
                basis[h] = v
                break
            v ^= basis[h]
    return len(basis)


def gf2(variant, clock):
    if variant != "elim":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=gf_src())
    gen, elim, ver = (mod.get_function(k) for k in ("gf_gen", "gf_elim", "gf_verify"))
    n, nw = GF_N, GF_N // 64
    A = cp.empty(GF_MAX_MATS * n * (nw + 1), dtype=cp.uint64)
    rank = cp.zeros(GF_MAX_MATS, dtype=cp.uint32)
    x = cp.zeros(GF_MAX_MATS * nw, dtype=cp.uint64)
    bad = cp.zeros(1, dtype=cp.uint32)
    state = {"gm": 0, "mats": GF_MATS0, "done": 0, "gm0": 0}

    def launch():
        mats = state["mats"]
        state["gm0"] = state["gm"]
        gm0 = U64(state["gm"])
        rows = mats * n
        gen(((rows + 255) // 256,), (256,), (gm0, np.uint32(mats), A))
        elim((mats,), (GF_THREADS,), (A, np.uint32(mats), rank, x))
        ver(((rows + 255) // 256,), (256,), (x, gm0, np.uint32(mats), bad))
        state["gm"] += mats
        state["done"] += mats
    # twice: a launch of less than a wave of blocks is timed by one matrix's latency
    size_launch(launch, state, "mats", GF_MIN_MATS, GF_MAX_MATS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    bad.fill(0)
    cupy_loop(repeat_step(launch, nl), clock)
    mats, gm0 = state["mats"], state["gm0"]
    hr, hx = rank.get()[:mats], x.get()[:mats * nw].reshape(mats, nw)
    nbad = int(bad.get()[0])
    # 4 matrices of the last launch: rank by a different elimination, the solution multiplied back
    picks = sorted({0, mats - 1} | {int(v) for v in np.random.default_rng(32).integers(0, mats, GF_CHECK - 2)})
    good = 0
    for k in picks:
        a, x0 = gf_words_np(gm0 + k)
        rows = [sum(int(v) << (64 * w) for w, v in enumerate(row)) for row in a]
        par_x = popcount64(a & hx[k][None, :]).sum(axis=1) & U64(1)  # A x and A x0 = b, a row at a time
        par_b = popcount64(a & x0[None, :]).sum(axis=1) & U64(1)
        good += gf_rank_py(rows) == int(hr[k]) and bool(np.array_equal(par_x, par_b))
    ranks = np.bincount(n - hr.astype(np.int64), minlength=4)[:4]
    ok = good == len(picks) and nbad == 0
    note(f"gf2/{variant}: {state['done']} random {n} x {n} GF(2) systems solved after READY (Gauss-Jordan, a block a "
         f"matrix, {mats} a launch), last launch's ranks n, n-1, n-2, n-3: {', '.join(str(int(v)) for v in ranks)}, "
         f"rows failing A x = b on the GPU over the episode: {nbad}, {len(picks)} matrices' ranks and solutions equal "
         f"to Python's: {good}, agree: {ok}, {per * 1e3:.2f} ms a launch ({mats / per:.0f} matrices/s), {nl} a step")


# ---- nqueens -------------------------------------------------------------------------------------------------------
NQ_N = 17
NQ_K = 6                   # rows fixed by a prefix
NQ_CHUNK0 = 1 << 17        # prefixes in the first launch (half the threads an H200 holds); then about LAUNCH_S
NQ_MIN_CHUNK = 1 << 10
NQ_CHECK = 16
NQ_KNOWN = {4: 2, 5: 10, 6: 4, 7: 40, 8: 92, 9: 352, 10: 724, 11: 2680, 12: 14200, 13: 73712, 14: 365596,
            15: 2279184, 16: 14772512, 17: 95815104}  # the number of solutions (OEIS A000170)
NQ_SMALL = ((10, 3), (12, 4))  # (n, k) counted by the same kernel at set-up

NQ_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define MAXR 32
// a thread a prefix (p0 + k, wrapping round npre): the solutions of the `rows` rows left under its columns c and
// diagonals l (moving left a row) and r (moving right), by backtracking with an explicit stack; the row before the
// last places its queen and counts the last row's free squares by popcount
extern "C" __global__ void nq_count(const u32* __restrict__ pre, u32 npre, u32 p0, u32 count, u32 n, u32 rows,
                                    u32* __restrict__ cnt, u64* __restrict__ total, u64* __restrict__ nodes) {
  const u32 k = blockIdx.x * blockDim.x + threadIdx.x;
  u32 sols = 0, nd = 0;
  if (k < count && k < npre && p0 < npre && rows >= 1 && rows <= MAXR && n >= 1 && n <= 31) {
    u32 p = p0 + k;
    if (p >= npre) p -= npre;
    const u32 full = (1u << n) - 1u;
    u32 sc[MAXR], sl[MAXR], sr[MAXR], sa[MAXR];
    u32 c = pre[3 * p], l = pre[3 * p + 1], r = pre[3 * p + 2];
    u32 a = full & ~(c | l | r);
    if (rows == 1) {
      sols = __popc(a);
    } else {
      u32 d = 0;
      for (;;) {
        if (a == 0u) {
          if (d == 0) break;
          --d;
          c = sc[d]; l = sl[d]; r = sr[d]; a = sa[d];
          continue;
        }
        const u32 b = a & (0u - a);
        a ^= b;
        ++nd;
        const u32 c2 = c | b, l2 = ((l | b) << 1) & full, r2 = (r | b) >> 1, a2 = full & ~(c2 | l2 | r2);
        if (d + 2 == rows) { sols += __popc(a2); continue; }
        sc[d] = c; sl[d] = l; sr[d] = r; sa[d] = a;
        ++d;
        c = c2; l = l2; r = r2; a = a2;
      }
    }
    cnt[p] = sols;
  }
  sols = __reduce_add_sync(0xFFFFFFFFu, sols);
  nd = __reduce_add_sync(0xFFFFFFFFu, nd);
  if ((threadIdx.x & 31u) == 0) {
    if (sols) atomicAdd(total, (u64)sols);
    if (nd) atomicAdd(nodes, (u64)nd);
  }
}
"""
NQ_SRC = NQ_CUDA


def nq_prefixes(n, k):
    """Every placement of queens in the first k rows of an n x n board, level by level in NumPy: an (m, 3) uint32
    array of (columns, left-moving diagonals, right-moving diagonals) as the next row sees them."""
    full = (1 << n) - 1
    c = l = r = np.zeros(1, dtype=np.int64)
    for _ in range(k):
        free = full & ~(c | l | r)
        nc, nl, nr = [], [], []
        for b in range(n):
            bit = 1 << b
            s = (free & bit) != 0
            nc.append(c[s] | bit)
            nl.append(((l[s] | bit) << 1) & full)
            nr.append((r[s] | bit) >> 1)
        c, l, r = np.concatenate(nc), np.concatenate(nl), np.concatenate(nr)
    return np.stack([c, l, r], axis=1).astype(np.uint32)


def nq_count_py(n, c, l, r, rows):
    """Solutions below a prefix by plain recursion."""
    full = (1 << n) - 1
    if rows == 0:
        return 1
    free, s = full & ~(c | l | r), 0
    while free:
        b = free & -free
        free ^= b
        s += nq_count_py(n, c | b, ((l | b) << 1) & full, (r | b) >> 1, rows - 1)
    return s


def nqueens(variant, clock):
    if variant != "bitmask":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    kern = cp.RawModule(code=NQ_SRC).get_function("nq_count")
    total = cp.zeros(1, dtype=cp.uint64)
    nodes = cp.zeros(1, dtype=cp.uint64)

    def run(pre, npre, p0, count, n, k, cnt):
        kern(((count + 255) // 256,), (256,), (pre, np.uint32(npre), np.uint32(p0), np.uint32(count), np.uint32(n),
                                               np.uint32(n - k), cnt, total, nodes))
    # the small boards, every prefix in one launch
    small = []
    for sn, sk in NQ_SMALL:
        hp = nq_prefixes(sn, sk)
        scnt = cp.zeros(len(hp), dtype=cp.uint32)
        total.fill(0)
        run(cp.asarray(hp.reshape(-1)), len(hp), 0, len(hp), sn, sk, scnt)
        got = int(total.get()[0])
        hc = scnt.get()
        sp = [int(v) for v in np.random.default_rng(33).integers(0, len(hp), 4)]
        rep = all(int(hc[q]) == nq_count_py(sn, *(int(v) for v in hp[q]), sn - sk) for q in sp)
        small.append((sn, got, got == NQ_KNOWN[sn] and int(hc.sum(dtype=np.int64)) == got and rep))
    n, k = NQ_N, NQ_K
    hp = nq_prefixes(n, k)
    npre = len(hp)
    pre = cp.asarray(hp.reshape(-1))
    cnt = cp.zeros(npre, dtype=cp.uint32)
    state = {"p0": 0, "chunk": min(NQ_CHUNK0, npre), "covered": 0, "done": 0}

    def launch():
        run(pre, npre, state["p0"], state["chunk"], n, k, cnt)
        state["p0"] = (state["p0"] + state["chunk"]) % npre
        state["covered"] += state["chunk"]
        state["done"] += state["chunk"]
    # twice: a small first launch is timed by its slowest prefix, not by the throughput
    size_launch(launch, state, "chunk", min(NQ_MIN_CHUNK, npre), npre)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    total.fill(0)
    nodes.fill(0)
    cupy_loop(repeat_step(launch, nl), clock)
    hc = cnt.get()
    full = state["covered"] >= npre  # from prefix 0 on, each counted at least once
    seen = min(npre, state["covered"])
    picks = sorted({0, seen - 1} | {int(v) for v in np.random.default_rng(34).integers(0, seen, NQ_CHECK - 2)})
    good = sum(int(hc[q]) == nq_count_py(n, *(int(v) for v in hp[q]), n - k) for q in picks)
    tot = int(hc.sum(dtype=np.int64))
    tot_ok = (not full) or tot == NQ_KNOWN.get(n, tot)
    ok = all(s[2] for s in small) and good == len(picks) and tot_ok
    nnodes = int(nodes.get()[0])
    note(f"nqueens/{variant}: {state['done']} prefixes of {n} queens counted after READY ({npre} prefixes of {k} "
         f"rows, {state['chunk']} a launch, {nnodes} placements), "
         + ", ".join(f"{sn} queens {got} (known {NQ_KNOWN[sn]}): {sok}" for sn, got, sok in small)
         + f", every prefix counted: {full}, total {tot} (known {NQ_KNOWN.get(n)}): {tot_ok}, {len(picks)} prefixes' "
         f"counts equal to Python's: {good}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({nnodes / max(state['done'], 1) * state['chunk'] / per / 1e9:.2f} G placements/s), {nl} a step")


# ---- noise ---------------------------------------------------------------------------------------------------------
NZ_W = 8192                # pixels a row (a multiple of 32)
NZ_H = 8192
NZ_OCT = 8
NZ_CELL_LOG = 9            # octave 0's lattice cells are 2^9 pixels, octave o's 2^(9 - o)
NZ_SEED = 0x7E4
NZ_TALUS = 0.004
NZ_RATE = 0.1
NZ_CELLZ = 0.01            # the normal's z against the height differences across 2 pixels
NZ_CHECK = 64
NZ_ROWS = 2

NZ_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define OCT %OCT%
#define CELL_LOG %CELL_LOG%
#define SEED %SEED%u
// a lattice point's 32-bit hash: coordinates and octave mixed by odd multipliers, then a 32-bit finaliser
__device__ __forceinline__ u32 nz_hash(u32 ix, u32 iy, u32 o) {
  u32 h = ix * 0x8DA6B343u ^ iy * 0xD8163841u ^ (o + SEED) * 0xCB1AB31Fu;
  h ^= h >> 16; h *= 0x7FEB352Du;
  h ^= h >> 15; h *= 0x846CA68Bu;
  h ^= h >> 16;
  return h;
}
// the gradient (each component in [-1, 1) from 16 bits of the hash) dotted with the offset (x, y)
__device__ __forceinline__ float nz_grad(u32 h, float x, float y) {
  const float gx = (float)(h & 0xFFFFu) * (1.0f / 32768.0f) - 1.0f, gy = (float)(h >> 16) * (1.0f / 32768.0f) - 1.0f;
  return gx * x + gy * y;
}
__device__ __forceinline__ float nz_fade(float t) { return t * t * t * (t * (t * 6.0f - 15.0f) + 10.0f); }
// a thread a pixel of a w x hgt tile whose corner is world pixel (ox, oy): the fBm height, and a digest of the
// lattice hashes summed (mod 2^32) over each row into rowhash; a sum, as pixels of one finest cell share hashes
extern "C" __global__ void nz_fbm(long long ox, long long oy, u32 w, u32 hgt, float* __restrict__ hmap,
                                  u32* __restrict__ rowhash) {
  const u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const bool in = i < (u64)w * hgt;
  u32 hx = 0;
  const u32 y = in ? (u32)(i / w) : 0u;
  if (in) {
    const long long X = ox + (long long)(i % w), Y = oy + (long long)y;
    float acc = 0.0f, amp = 1.0f;
#pragma unroll
    for (u32 o = 0; o < OCT; ++o) {
      const int sh = CELL_LOG - (int)o;
      const long long mask = (1ll << sh) - 1;
      const float inv = 1.0f / (float)(1 << sh);
      const u32 ix = (u32)(X >> sh), iy = (u32)(Y >> sh);
      const float fx = (float)(X & mask) * inv, fy = (float)(Y & mask) * inv;
      const u32 h00 = nz_hash(ix, iy, o), h10 = nz_hash(ix + 1u, iy, o);
      const u32 h01 = nz_hash(ix, iy + 1u, o), h11 = nz_hash(ix + 1u, iy + 1u, o);
      const float n00 = nz_grad(h00, fx, fy), n10 = nz_grad(h10, fx - 1.0f, fy);
      const float n01 = nz_grad(h01, fx, fy - 1.0f), n11 = nz_grad(h11, fx - 1.0f, fy - 1.0f);
      const float u = nz_fade(fx), v = nz_fade(fy);
      const float a0 = n00 + u * (n10 - n00), a1 = n01 + u * (n11 - n01);
      acc += amp * (a0 + v * (a1 - a0));
      amp *= 0.5f;
      hx += h00 ^ (h10 >> 3) ^ (h01 << 3) ^ h11;
    }
    hmap[i] = acc;
  }
  hx = __reduce_add_sync(0xFFFFFFFFu, hx);  // w a multiple of 32: a warp's pixels are of one row
  if ((threadIdx.x & 31u) == 0 && in && hx) atomicAdd(rowhash + y, hx);
}
// a thread a pixel: one thermal-erosion step (material moves across each of the 4 edges whose drop is over the
// talus, `rate` of the excess) into h2, and the normal of (h(x-1) - h(x+1), h(y-1) - h(y+1), cellz) as 3 x 10 bits
extern "C" __global__ void nz_post(const float* __restrict__ hmap, u32 w, u32 hgt, float talus, float rate, float cellz,
                                   float* __restrict__ h2, u32* __restrict__ nrm) {
  const u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= (u64)w * hgt) return;
  const u32 x = (u32)(i % w), y = (u32)(i / w);
  const u64 row = (u64)y * w;
  const float h = hmap[i];
  const float hl = hmap[row + (x > 0 ? x - 1 : x)], hr = hmap[row + (x + 1 < w ? x + 1 : x)];
  const float hu = hmap[(u64)(y > 0 ? y - 1 : y) * w + x], hd = hmap[(u64)(y + 1 < hgt ? y + 1 : y) * w + x];
  float flux = 0.0f;
  const float nb[4] = {hl, hr, hu, hd};
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    const float d = h - nb[k];
    if (d > talus) flux -= rate * (d - talus);
    else if (-d > talus) flux += rate * (-d - talus);
  }
  h2[i] = h + flux;
  const float gx = hl - hr, gy = hu - hd;
  const float s = rsqrtf(gx * gx + gy * gy + cellz * cellz);
  const float c[3] = {gx * s, gy * s, cellz * s};
  u32 q = 0;
#pragma unroll
  for (int k = 0; k < 3; ++k) {
    int v = __float2int_rn((c[k] * 0.5f + 0.5f) * 1023.0f);
    v = v < 0 ? 0 : v > 1023 ? 1023 : v;
    q |= (u32)v << (10 * k);
  }
  nrm[i] = q;
}
"""


def nz_src():
    return fill_source(NZ_CUDA, OCT=NZ_OCT, CELL_LOG=NZ_CELL_LOG, SEED=hex(NZ_SEED))


NZ_SRC = nz_src()


def nz_hash_py(ix, iy, o):
    h = ((ix & M32) * 0x8DA6B343 ^ (iy & M32) * 0xD8163841 ^ ((o + NZ_SEED) & M32) * 0xCB1AB31F) & M32
    h ^= h >> 16
    h = (h * 0x7FEB352D) & M32
    h ^= h >> 15
    h = (h * 0x846CA68B) & M32
    return h ^ (h >> 16)


def nz_pixel_py(X, Y):
    """(height, lattice digest) of world pixel (X, Y) in Python doubles, one pixel at a time."""
    acc, amp, hx = 0.0, 1.0, 0

    def grad(h, x, y):
        return ((h & 0xFFFF) / 32768.0 - 1.0) * x + ((h >> 16) / 32768.0 - 1.0) * y

    def fade(t):
        return t * t * t * (t * (t * 6 - 15) + 10)
    for o in range(NZ_OCT):
        sh = NZ_CELL_LOG - o
        ix, iy = X >> sh, Y >> sh
        fx, fy = (X & ((1 << sh) - 1)) / (1 << sh), (Y & ((1 << sh) - 1)) / (1 << sh)
        h00, h10 = nz_hash_py(ix, iy, o), nz_hash_py(ix + 1, iy, o)
        h01, h11 = nz_hash_py(ix, iy + 1, o), nz_hash_py(ix + 1, iy + 1, o)
        n00, n10, n01, n11 = grad(h00, fx, fy), grad(h10, fx - 1, fy), grad(h01, fx, fy - 1), grad(h11, fx - 1, fy - 1)
        u, v = fade(fx), fade(fy)
        a0, a1 = n00 + u * (n10 - n00), n01 + u * (n11 - n01)
        acc += amp * (a0 + v * (a1 - a0))
        amp *= 0.5
        hx = (hx + (h00 ^ (h10 >> 3) ^ ((h01 << 3) & M32) ^ h11)) & M32
    return acc, hx


def nz_post_np(hm, w, hgt, pix):
    """nz_post's (h2, normal components 0-1023) at flat pixels `pix` from the height map hm (float32), in NumPy."""
    hm = np.asarray(hm, dtype=np.float64).reshape(hgt, w)
    y, x = np.asarray(pix) // w, np.asarray(pix) % w
    h = hm[y, x]
    nb = [hm[y, np.maximum(x - 1, 0)], hm[y, np.minimum(x + 1, w - 1)], hm[np.maximum(y - 1, 0), x],
          hm[np.minimum(y + 1, hgt - 1), x]]
    flux = np.zeros_like(h)
    for hn in nb:
        d = h - hn
        flux += np.where(d > NZ_TALUS, -NZ_RATE * (d - NZ_TALUS), np.where(-d > NZ_TALUS, NZ_RATE * (-d - NZ_TALUS), 0))
    gx, gy = nb[0] - nb[1], nb[2] - nb[3]
    s = 1 / np.sqrt(gx * gx + gy * gy + NZ_CELLZ * NZ_CELLZ)
    q = [np.clip(np.rint((c * s * 0.5 + 0.5) * 1023), 0, 1023).astype(np.int64) for c in (gx, gy, NZ_CELLZ)]
    return h + flux, q


def noise(variant, clock):
    if variant != "terrain":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=nz_src())
    fbm, post = mod.get_function("nz_fbm"), mod.get_function("nz_post")
    w, hgt = NZ_W, NZ_H
    if w % 32:
        raise ValueError("NZ_W must be a multiple of 32")
    npx = w * hgt
    hmap = cp.empty(npx, dtype=cp.float32)
    h2 = cp.empty(npx, dtype=cp.float32)
    nrm = cp.empty(npx, dtype=cp.uint32)
    rowhash = cp.zeros(hgt, dtype=cp.uint32)
    g = (npx + 255) // 256
    oy = -(hgt // 2)  # the tiles march east along a strip across y = 0, so floor() meets negative coordinates
    state = {"tile": 0, "ox": 0, "launches": 0}

    def launch():
        ox = (state["tile"] - 8) * w
        state["ox"] = ox
        rowhash.fill(0)
        fbm((g,), (256,), (np.int64(ox), np.int64(oy), np.uint32(w), np.uint32(hgt), hmap, rowhash))
        post((g,), (256,), (hmap, np.uint32(w), np.uint32(hgt), np.float32(NZ_TALUS), np.float32(NZ_RATE),
                            np.float32(NZ_CELLZ), h2, nrm))
        state["tile"] += 1
        state["launches"] += 1
    nl, per = calibrated_launches(launch, 16)
    state["launches"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    ox = state["ox"]
    hm, hh2, hn, hrh = hmap.get(), h2.get(), nrm.get(), rowhash.get()
    rng = np.random.default_rng(35)
    pix = sorted({0, npx - 1} | {int(v) for v in rng.integers(0, npx, NZ_CHECK - 2)})
    hgood = sum(abs(nz_pixel_py(ox + p % w, oy + p // w)[0] - float(hm[p])) <= 1e-4 for p in pix)
    rows = sorted({int(v) for v in rng.integers(0, hgt, NZ_ROWS)})
    rgood = 0
    for y in rows:
        d = 0
        for x in range(w):
            d = (d + nz_pixel_py(ox + x, oy + y)[1]) & M32
        rgood += d == int(hrh[y])
    ppix = pix[:32]
    want_h2, want_q = nz_post_np(hm, w, hgt, ppix)
    got_q = [(hn[ppix] >> U32(10 * k)) & U32(1023) for k in range(3)]
    post_ok = bool(np.all(np.abs(hh2[ppix] - want_h2) <= 1e-5)) and \
        all(bool(np.all(np.abs(gq.astype(np.int64) - wq) <= 1)) for gq, wq in zip(got_q, want_q))
    ok = hgood == len(pix) and rgood == len(rows) and post_ok
    note(f"noise/{variant}: {state['launches']} terrain tiles after READY ({w} x {hgt} pixels, {NZ_OCT}-octave "
         f"gradient-noise fBm from an integer lattice hash, then an erosion step and packed normals), last tile at x "
         f"{ox}: heights {float(hm.min()):+.3f} to {float(hm.max()):+.3f}, standard deviation {float(hm.std()):.3f}, "
         f"{len(pix)} heights equal to Python's: {hgood}, {len(rows)} rows' lattice-hash digests equal: {rgood}, "
         f"{len(ppix)} pixels' erosion and normals equal to NumPy's: {post_ok}, agree: {ok}, {per * 1e3:.2f} ms a "
         f"launch ({npx / per / 1e9:.2f} G pixels/s), {nl} a step")


# ---- sieve ---------------------------------------------------------------------------------------------------------
SV_SEG = 1 << 19           # numbers a segment (a multiple of 64): 2^18 odd ones, a bit each, 32 KiB of shared memory
SV_LO = 1 << 32            # the windows move from here ...
SV_TOP = 1 << 40           # ... up to here, then start again; the sieving primes are those below sqrt(SV_TOP)
SV_SMALL = 4096            # primes below this are struck by the whole block, larger ones a thread each
SV_SEGS0 = 1024            # segments in the first launch; then as many as take about LAUNCH_S
SV_MIN_SEGS = 64
SV_MAX_SEGS = 1 << 16
SV_PI_X = 10 ** 9          # pi(x) by the same kernel from 0 at set-up
SV_PI_WANT = 50847534
SV_CHECK = 6

SV_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define SEG %SEG%
#define NWD (SEG / 64)
// segment s = [lo, lo + SEG), lo = lo0 + s SEG (even); bit j of the shared bitmap is the odd number lo + 2j + 1,
// set when struck. The odd primes below `nsmall` strike through the whole block, one prime after another; the
// others a thread a prime. Odd numbers below `limit` left unstruck are counted into cnt[s] and total
// The first odd multiple of the odd prime p at or above lo worth striking: none below p * p (those have a smaller
// prime factor, struck already).
__device__ __forceinline__ u64 sv_first(u64 lo, u64 p) {
  const u64 r = lo % p;
  u64 f = r ? lo + (p - r) : lo;
  if (!(f & 1ull)) f += p;
  return f < p * p ? p * p : f;
}
// Strikes the odd numbers x, x + step, ... below hi (x odd, step even) in the segment's bitmap.
__device__ __forceinline__ void sv_strike(u32* bits, u64 lo, u64 hi, u64 x, u64 step) {
  for (; x < hi; x += step) {
    const u32 o = (u32)((x - lo) >> 1);
    atomicOr(&bits[o >> 5], 1u << (o & 31u));
  }
}
extern "C" __global__ void sv_seg(const u32* __restrict__ primes, u32 np, u32 nsmall, u64 lo0, u32 segs, u64 limit,
                                  u32* __restrict__ cnt, u64* __restrict__ total) {
  __shared__ u32 bits[NWD];
  __shared__ u32 s_cnt;
  const u32 s = blockIdx.x;
  if (s >= segs) return;  // a whole block at a time
  const u64 lo = lo0 + (u64)s * SEG, hi = lo + SEG;
  for (u32 w = threadIdx.x; w < NWD; w += blockDim.x) bits[w] = 0u;
  if (threadIdx.x == 0) s_cnt = 0u;
  __syncthreads();
  if (threadIdx.x == 0 && lo == 0ull) atomicOr(&bits[0], 1u);  // 1 is not a prime
  for (u32 k = 0; k < nsmall && k < np; ++k) {
    const u64 p = primes[k];
    if (p * p >= hi) break;
    sv_strike(bits, lo, hi, sv_first(lo, p) + 2ull * p * threadIdx.x, 2ull * p * blockDim.x);
  }
  for (u32 k = nsmall + threadIdx.x; k < np; k += blockDim.x) {
    const u64 p = primes[k];
    if (p * p >= hi) break;
    sv_strike(bits, lo, hi, sv_first(lo, p), 2ull * p);
  }
  __syncthreads();
  u32 c = 0;
  for (u32 w = threadIdx.x; w < NWD; w += blockDim.x) {
    u32 v = ~bits[w];
    const u64 base = lo + 64ull * w + 1ull;  // bit 0's number
    if (base + 62ull >= limit) {
      const u64 nv = base >= limit ? 0ull : (limit - base + 1ull) / 2ull;  // bits j with base + 2j < limit
      v &= nv >= 32ull ? 0xFFFFFFFFu : (1u << nv) - 1u;
    }
    c += __popc(v);
  }
  atomicAdd(&s_cnt, c);
  __syncthreads();
  if (threadIdx.x == 0) {
    cnt[s] = s_cnt;
    atomicAdd(total, (u64)s_cnt);
  }
}
"""


def sv_src():
    return fill_source(SV_CUDA, SEG=SV_SEG)


SV_SRC = sv_src()


def sv_primes(n):
    """The odd primes below n (NumPy sieve), uint32."""
    s = np.ones(n, dtype=bool)
    s[:2] = False
    for p in range(2, math.isqrt(n - 1) + 1):
        if s[p]:
            s[p * p::p] = False
    s[2] = False
    return np.flatnonzero(s).astype(np.uint32)


def sv_count_np(lo, seg, primes, limit):
    """Odd primes in [lo, min(lo + seg, limit)) by a NumPy sieve of the segment's odd numbers."""
    hi = min(lo + seg, limit)
    if hi <= lo:
        return 0
    comp = np.zeros(seg // 2, dtype=bool)
    for p in (int(v) for v in primes):
        if p * p >= hi:
            break
        f = max(p * p, -(-lo // p) * p)
        if f % 2 == 0:
            f += p
        comp[(f - lo) // 2::p] = True
    if lo == 0:
        comp[0] = True
    nums = lo + 1 + 2 * np.arange(seg // 2, dtype=np.int64)
    return int(((~comp) & (nums < hi)).sum())


def sieve(variant, clock):
    if variant != "segmented":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    kern = cp.RawModule(code=sv_src()).get_function("sv_seg")
    seg = SV_SEG
    hp = sv_primes(math.isqrt(SV_TOP) + 2)
    primes = cp.asarray(hp)
    np_, nsmall = len(hp), int(np.searchsorted(hp, SV_SMALL))
    cnt = cp.zeros(max(SV_MAX_SEGS, -(-SV_PI_X // seg)), dtype=cp.uint32)
    total = cp.zeros(1, dtype=cp.uint64)

    def run(lo0, segs, limit):
        kern((segs,), (256,), (primes, np.uint32(np_), np.uint32(nsmall), U64(lo0), np.uint32(segs), U64(limit), cnt,
                               total))
    # pi(x) from 0 by the same kernel (2, the even prime, added)
    total.fill(0)
    pi_segs = -(-SV_PI_X // seg)
    run(0, pi_segs, SV_PI_X)
    pi_got = 1 + int(total.get()[0])
    pi_cnt = cnt.get()[:pi_segs].astype(np.int64)
    pi_ok = pi_got == SV_PI_WANT and 1 + int(pi_cnt.sum()) == pi_got
    state = {"next": SV_LO, "segs": SV_SEGS0, "lo": SV_LO, "done": 0}

    def launch():
        span = state["segs"] * seg
        if state["next"] + span > SV_TOP:
            state["next"] = SV_LO
        state["lo"] = state["next"]
        total.fill(0)
        run(state["lo"], state["segs"], M64)
        state["next"] += span
        state["done"] += span
    # timed near the top, where a segment needs the most sieving primes (a 64-bit remainder each): the windows
    # below it take less
    for _ in range(2):
        state["next"] = SV_TOP - SV_MAX_SEGS * seg
        _, per = calibrated_launches(launch, 1)
        state["segs"] = resize_launch(state["segs"], per, SV_MIN_SEGS, SV_MAX_SEGS)
    state["next"] = SV_TOP - SV_MAX_SEGS * seg
    nl, per = calibrated_launches(launch, 16)
    state["next"] = SV_LO
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    segs, lo = state["segs"], state["lo"]
    hc = cnt.get()[:segs].astype(np.int64)
    tot = int(total.get()[0])
    picks = sorted({0, segs - 1} | {int(v) for v in np.random.default_rng(36).integers(0, segs, SV_CHECK - 2)})
    good = sum(int(hc[s]) == sv_count_np(lo + s * seg, seg, hp, M64) for s in picks)
    # the prime number theorem as a sanity bound: the window's density near 1 / ln x
    mid = lo + segs * seg / 2
    dens = tot / (segs * seg) * math.log(mid)
    ok = pi_ok and good == len(picks) and tot == int(hc.sum()) and 0.9 < dens < 1.1
    note(f"sieve/{variant}: {state['done']} numbers sieved after READY in segments of {seg} ({segs} a launch, "
         f"{np_} odd sieving primes, windows from 2^{int(math.log2(SV_LO))} to 2^{int(math.log2(SV_TOP))}), last "
         f"window from {lo}: {tot} primes (density x ln x {dens:.4f}), pi({SV_PI_X}) = {pi_got} (known {SV_PI_WANT}): "
         f"{pi_ok}, {len(picks)} segments' counts equal to NumPy's sieve: {good}, agree: {ok}, {per * 1e3:.2f} ms a "
         f"launch ({segs * seg / per / 1e9:.1f} G numbers/s), {nl} a step")
