"""int8 GEMM on the CUDA cores by __dp4a, per-row top-k by radix select, ray casting through a bit-packed voxel grid and
BCH decoding as a flash controller does it (label 0).

A twenty-fourth set of benign work, four common GPU jobs whose pipe activity resembles hashing (4-byte integer dot
products and 64-bit multiply-shift requantisation, order-preserving float-to-integer keys with digit histograms by
shared atomics, ballots and scans, a fixed-point 3-D DDA testing one bit a step by shifts and ANDs, GF(2^13) log and
antilog table lookups with XOR reductions across a warp), compute-bound with modest memory traffic, absent from the
project before:

  dp4a        int8 inference GEMM on the CUDA cores as int8 engines without tensor-core paths run it (no WMMA/MMA):
              C = A W^T for 16384 tokens of 4096 int8 activations (A) and a 4096 x 4096 int8 weight matrix (W, a
              linear layer's [out, in] layout, so both operands are read along K), made on the GPU from splitmix64
              bytes. A 256-thread block a 128 x 128 output tile: K in stages of 32 bytes, each thread loading 16 bytes
              of a row of A and of W (one stage ahead in registers) into shared memory transposed to [4-byte word of
              K][row] (padded against bank conflicts), then 8 x 8 int32 accumulators a thread by __dp4a (64 dot
              products of 4 byte pairs for 16 shared loads a word of K). The epilogue stores the int32 accumulators and
              requantises each to int8 with the column's int32 bias, Q31 multiplier (in [0.5, 1)) and shift (11-13):
              (acc + bias) * mult in 64 bits, rounded and arithmetic-shifted right by 31 + shift, ReLU and saturation
              to 127 (about half the outputs zero, a few percent saturated); saturated and zero outputs by warp sums.
              Integer multiply-add, shared loads and 64-bit multiplies; 128 x 128 tiles a launch timed at set-up.
  topk        per-row top-k selection by radix select, as LLM sampling and recommender ranking do: 8192 rows of 32768
              float32 scores (1 GiB) made on the GPU (rows of logit-like sums of four 12-bit draws times 2^-10, rows
              of 128 coarse levels, rows of the sums times 2^(-64..63), rows of four values: ties everywhere, negative
              values, 1 score in 4096 +-FLT_MAX; no NaN, infinity or negative zero), k of 64-256 a row by a draw. A
              1024-thread block a row: each score's bits to an order-preserving uint32 key (negatives inverted, the
              sign bit set on the others); four passes over the row of 8-bit digits from the top, each a histogram a
              warp in shared memory (32 x 256 counters) of the digits of the keys matching the prefix chosen so far,
              digit groups found by __match_any_sync and counted by one shared atomicAdd a group, the warps' counts
              summed and scanned from digit 255 down to pick the digit where the count reaches the k still wanted;
              then an ordered compaction of the winners (every key above the k-th and the lowest-indexed keys equal to
              it), a tile of 1024 at a time: ballots, popcounts, the warps' counts scanned by shuffles, each winner's
              slot the keys above before it plus min(the ties before it, the ties wanted). Indices (ascending) and
              values to the row's 256 slots, the k-th key and its tie count to memory; rows whose ties were cut by
              atomics. Shifts, compares, ballots and shared atomics over an L2-resident row; rows a launch timed at
              set-up.
  voxel       ray casting through a bit-packed occupancy grid in integer fixed point, as voxel engines and collision
              queries do: a 512^3 bitmap (16 MiB, 32 voxels a word along x) made on the GPU: solid below a terrain
              height field (two octaves of integer bilinear value noise, spacings 64 and 16, heights 32-255) and
              inside 160 boxes 4-67 voxels across (80 standing on the ground, 32-287 high; 80 floating, 4-67 high),
              and 2^22 rays from splitmix64-drawn origins in the upper half of the grid in 16.16 fixed point with
              directions of three draws (mostly downward) scaled so that their largest component is 1.0. A thread a
              ray: Amanatides-Woo traversal, t in 16.16 units of the largest component, tDelta = 2^32 / |d| an axis
              and tMax the parameter of the next boundary crossed (64-bit integers), each step advancing the axis of
              the least tMax (x, then y, then z on ties) and testing one bit of the bitmap (the word by shifts and ORs
              of the voxel's coordinates, the bit by a shift and an AND); the ray ends at a solid voxel (a hit),
              leaving the grid (a miss, the last voxel inside kept) or after 1024 steps. The voxel and
              steps | outcome << 16 to memory, hits, misses, stops and steps by warp ballots and sums. Dependent
              64-bit compares and adds, shifts and ANDs over a bitmap held in L2; rays a launch timed at set-up.
  bch         BCH decoding as an SSD/NAND flash controller does it: a shortened binary BCH code over GF(2^13)
              (x^13 + x^4 + x^3 + x + 1) correcting t = 24 errors in a 512-byte sector, (4408, 4096) with 312 parity
              bits, the generator polynomial (the product of the minimal polynomials of alpha, alpha^3, .. alpha^47)
              and a byte-wise encoding table computed in Python at set-up. 2^20 codewords made on the GPU, a thread a
              codeword: random data, systematic encoding (the parity the remainder of d(x) x^312 by g(x), byte-wise
              through the table on a 312-bit register in ten 32-bit words), then 0 errors (1/16), t + 1..t + 4 errors
              (1/16) or 1..t errors at random positions. A warp a codeword (warps striding over the launch's
              codewords, the field's log and antilog tables in shared memory): the 24 odd syndromes from the received
              word's set bits (a 32nd of the words a lane, bits by ffs, alpha^(i j) by stepping the exponent by 2i mod
              8191 and table lookups), XOR-reduced across the warp, the even ones by squaring, no errors where all are
              zero; Berlekamp-Massey over the 48 syndromes with lane k holding coefficient k of Lambda(x) and B(x)
              (the discrepancy a log/antilog product a lane and a warp XOR-reduction, x^m B(x) by a shuffle up),
              failing when L passes t; a Chien search a lane a position (Lambda(alpha^-i) from stepped exponents and
              lookups), the roots of 32 positions by a ballot, which is that word's error mask, stopping at the L-th
              root, fewer than L roots a failure. The corrected codeword (the received one where decoding failed), the
              syndromes, Lambda and the status (errors corrected or a failure flag) to memory, corrections, failures
              and clean codewords by warp counters. Table lookups, XORs, ffs, shuffles and ballots; codewords a launch
              timed at set-up.

Self-checks, printed with the summary line (`agree:`): dp4a, after a check pass over every tile, compares every int32
accumulator with CuPy's float64 matmul of the operands (exact: every partial sum is an integer below 2^27) and every
int8 output with the requantisation by CuPy array operators, a piece of rows at a time, the warp counts with array
sums, the operands with a NumPy regeneration, and 24 rows with NumPy's int64 matmul and requantisation of the
regenerated operands; topk, after a check pass over every row, checks every row by CuPy array operators (k indices in
ascending order below the row length, the rest of the slots empty, the values equal to the scores at them, the
smallest selected score not below the largest unselected one, it equal to the k-th value of cupy.sort's row, no
unselected score equal to it before the last selected one, the k-th key and tie count equal to the kernel's) and
compares 32 rows with a NumPy regeneration of their scores and their indices with the first k of NumPy's stable
argsort of the negated scores; voxel, after a check pass over every ray, compares the heights and every word of the
bitmap with CuPy array operators (the height field recomputed, the boxes painted into boolean slabs of z slices), checks
every ray by array operators (its steps equal to the city-block distance from its origin's voxel to its end voxel, every
move along its direction, hits on solid voxels, misses on the grid's exit face, stops at the limit) and the counters
with array sums, and retraces 192 rays and 32 more that stopped at the limit by the integer DDA in Python on the bitmap
(their parameters against a Python regeneration); bch, after a check pass over every codeword, computes every error
weight (popcount of received XOR clean) by CuPy array operators and checks that every codeword with at most t errors
was corrected to the clean codeword with its weight as the status and every one with more failed and was left as
received, that the syndromes are zero exactly where there are no errors and S_2j = S_j^2 by table gathers, and the
counters against array sums; then 48 codewords and 12 more that failed are compared with Python's big-integer encoder
(polynomial division by g) and error draws, their syndromes with sums of alpha^(p j) over the error positions in a
Python GF, Lambda with a list-based Berlekamp-Massey in Python (and with the product of (1 + alpha^p x) over the
errors), and the status and corrected positions with a Python root search.
"""
import numpy as np

from common import SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, popcount64, repeat_step, \
    size_launch, sms, splitmix64, splitmix64_np, splitmix64_xp, wrapping_launch

M32 = 0xFFFFFFFF
U64 = np.uint64
U32 = np.uint32

HEAD = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;
#define FULL 0xFFFFFFFFu
""" + SPLITMIX_CUDA

# ---- dp4a ----------------------------------------------------------------------------------------------------------
DP_M = 1 << 14             # tokens (rows of the activations and of the output)
DP_N = 1 << 12             # output channels (rows of the weight matrix)
DP_K = 1 << 12             # input channels
DP_SEED = 0xD4A
DP_TILES0 = 1 << 10        # 128 x 128 output tiles a launch first; then as many as take about LAUNCH_S
DP_MIN_TILES = 1 << 2
DP_MAX_TILES = 1 << 17
DP_CHUNK = 1 << 12         # rows of the output a piece of the array-operator check
DP_CHECK = 24              # rows recomputed by NumPy's int64 matmul

DP_CUDA = HEAD + r"""
#define M %M%u
#define N %N%u
#define K %K%u
#define SEED %SEED%ull
#define TM 128u
#define TN 128u
#define LDS 132u
// the activations A (M x K int8) and the weights W (N x K int8, a linear layer's [out, in] layout) as 64-bit words
// of splitmix64 bytes; a column's bias, requantisation multiplier (a Q31 fraction in [0.5, 1)) and shift by a draw
extern "C" __global__ void dp_gen(u64* __restrict__ a, u64* __restrict__ w, int* __restrict__ bias,
                                  int* __restrict__ mult, u32* __restrict__ shift) {
  const u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (i < (u64)M * K / 8ull) a[i] = splitmix(i ^ (SEED << 40));
  if (i < (u64)N * K / 8ull) w[i] = splitmix(i ^ ((SEED + 1ull) << 40));
  if (i < (u64)N) {
    const u64 r = splitmix(i ^ ((SEED + 2ull) << 40));
    bias[i] = (int)(r & 0x3FFFFull) - 0x20000;
    mult[i] = (int)(0x40000000u | ((u32)(r >> 18) & 0x3FFFFFFFu));
    shift[i] = 11u + (u32)((r >> 56) % 3ull);
  }
}
// a 256-thread block a 128 x 128 output tile t0 + blockIdx.x (row-major order of tiles): K in stages of 32 bytes,
// each thread loading 16 bytes of a row of A and of W into shared memory transposed to [word of k][row] (one stage
// ahead in registers), then 8 x 8 int32 accumulators a thread (rows ty + 16 i, columns tx + 16 j) by __dp4a of
// 4-byte words. The epilogue stores the int32 accumulators, then requantises: (acc + bias) * mult, rounded and shifted
// right by 31 + shift, ReLU and saturation to 0..127; saturated and zero outputs by warp sums into stats[0..1]
extern "C" __global__ void __launch_bounds__(256, 2) dp_gemm(const uint4* __restrict__ a,
                                                             const uint4* __restrict__ w,
                                                             const int* __restrict__ bias,
                                                             const int* __restrict__ mult,
                                                             const u32* __restrict__ shift, u32 t0, u32 cnt,
                                                             int* __restrict__ c, signed char* __restrict__ q,
                                                             u64* __restrict__ stats) {
  __shared__ int As[8][LDS], Ws[8][LDS];
  if (blockIdx.x >= cnt) return;
  const u32 t = t0 + blockIdx.x;
  const u32 m0 = (t / (N / TN)) * TM, n0 = (t % (N / TN)) * TN;
  const u32 tid = threadIdx.x, tx = tid & 15u, ty = tid >> 4, lr = tid >> 1, lh = tid & 1u;
  const uint4* pa = a + ((u64)(m0 + lr) * K) / 16ull + lh;
  const uint4* pw = w + ((u64)(n0 + lr) * K) / 16ull + lh;
  int acc[8][8];
#pragma unroll
  for (int i = 0; i < 8; ++i)
#pragma unroll
    for (int j = 0; j < 8; ++j) acc[i][j] = 0;
  uint4 va = pa[0], vw = pw[0];
  for (u32 s = 0; s < K / 32u; ++s) {
    __syncthreads();
    As[4u * lh][lr] = (int)va.x;
    As[4u * lh + 1u][lr] = (int)va.y;
    As[4u * lh + 2u][lr] = (int)va.z;
    As[4u * lh + 3u][lr] = (int)va.w;
    Ws[4u * lh][lr] = (int)vw.x;
    Ws[4u * lh + 1u][lr] = (int)vw.y;
    Ws[4u * lh + 2u][lr] = (int)vw.z;
    Ws[4u * lh + 3u][lr] = (int)vw.w;
    __syncthreads();
    if (s + 1u < K / 32u) {
      va = pa[2u * (s + 1u)];
      vw = pw[2u * (s + 1u)];
    }
#pragma unroll
    for (int kk = 0; kk < 8; ++kk) {
      int av[8], wv[8];
#pragma unroll
      for (int i = 0; i < 8; ++i) av[i] = As[kk][ty + 16u * i];
#pragma unroll
      for (int j = 0; j < 8; ++j) wv[j] = Ws[kk][tx + 16u * j];
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = __dp4a(av[i], wv[j], acc[i][j]);
    }
  }
  u32 nsat = 0u, nzero = 0u;
#pragma unroll
  for (int j = 0; j < 8; ++j) {
    const u32 n = n0 + tx + 16u * j;
    const long long bj = bias[n], mj = mult[n];
    const u32 sj = 31u + shift[n];
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      const u64 o = (u64)(m0 + ty + 16u * i) * N + n;
      c[o] = acc[i][j];
      long long y = ((long long)acc[i][j] + bj) * mj;
      y = (y + (1ll << (sj - 1u))) >> sj;
      y = y < 0ll ? 0ll : y > 127ll ? 127ll : y;
      q[o] = (signed char)y;
      nsat += y == 127ll;
      nzero += y == 0ll;
    }
  }
  nsat = __reduce_add_sync(FULL, nsat);
  nzero = __reduce_add_sync(FULL, nzero);
  if ((tid & 31u) == 0u) {
    if (nsat) atomicAdd(&stats[0], (u64)nsat);
    if (nzero) atomicAdd(&stats[1], (u64)nzero);
  }
}
"""


def dp_src():
    assert DP_M % 128 == 0 and DP_N % 128 == 0 and DP_K % 32 == 0
    return fill_source(DP_CUDA, M=DP_M, N=DP_N, K=DP_K, SEED=hex(DP_SEED))


DP_SRC = dp_src()


def dp_operands_np(rows=None):
    """(A's rows `rows` (all where None), W, bias, mult, shift) as dp_gen makes them, by NumPy: int8 matrices."""
    kw = DP_K // 8
    if rows is None:
        ia = np.arange(DP_M * kw, dtype=np.uint64)
    else:
        ia = (np.asarray(rows, dtype=np.uint64)[:, None] * U64(kw) + np.arange(kw, dtype=np.uint64)[None, :]).ravel()
    a = splitmix64_np(ia ^ U64(DP_SEED << 40)).astype("<u8").view(np.int8).reshape(-1, DP_K)
    w = splitmix64_np(np.arange(DP_N * kw, dtype=np.uint64) ^ U64((DP_SEED + 1) << 40)).astype("<u8") \
        .view(np.int8).reshape(DP_N, DP_K)
    r = splitmix64_np(np.arange(DP_N, dtype=np.uint64) ^ U64((DP_SEED + 2) << 40))
    bias = (r & U64(0x3FFFF)).astype(np.int64) - 0x20000
    mult = (0x40000000 | ((r >> U64(18)) & U64(0x3FFFFFFF))).astype(np.int64)
    shift = (11 + (r >> U64(56)) % U64(3)).astype(np.int64)
    return a, w, bias, mult, shift


def dp_requant(acc, bias, mult, shift, xp):
    """The int8 outputs of int64 accumulators (rows x columns) by xp's array operators: (acc + bias) * mult, rounded
    and shifted right by 31 + shift, clamped to 0..127."""
    s = (shift + 31).astype(xp.int64)
    rnd = xp.asarray([1 << (int(v) - 1) for v in (s.get() if hasattr(s, "get") else s).tolist()], dtype=xp.int64)
    y = ((acc + bias[None, :]) * mult[None, :] + rnd[None, :]) >> s[None, :]
    return xp.where(y < 0, 0, xp.where(y > 127, 127, y))


def dp4a(variant, clock):
    if variant != "gemm":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=dp_src())
    genk, gemmk = (mod.get_function(k) for k in ("dp_gen", "dp_gemm"))
    M, N, K = DP_M, DP_N, DP_K
    a = cp.zeros(M * K // 8, dtype=cp.uint64)
    w = cp.zeros(N * K // 8, dtype=cp.uint64)
    bias = cp.zeros(N, dtype=cp.int32)
    mult = cp.zeros(N, dtype=cp.int32)
    shift = cp.zeros(N, dtype=cp.uint32)
    big = max(M * K // 8, N * K // 8, N)
    genk(((big + 255) // 256,), (256,), (a, w, bias, mult, shift))
    c = cp.zeros(M * N, dtype=cp.int32)
    q = cp.zeros(M * N, dtype=np.int8)
    stats = cp.zeros(2, dtype=cp.uint64)
    tiles = (M // 128) * (N // 128)
    state = {"cursor": 0, "tiles": DP_TILES0, "done": 0}

    def run(t0, cnt):
        gemmk((cnt,), (256,), (a, w, bias, mult, shift, U32(t0), U32(cnt), c, q, stats))

    launch = wrapping_launch(state, "tiles", tiles, run)
    size_launch(launch, state, "tiles", DP_MIN_TILES, DP_MAX_TILES)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every tile; the whole product against CuPy's float64 matmul (exact: |sums| < 2^27 < 2^53) and
    # the whole requantised output against array operators, a piece of rows at a time
    stats.fill(0)
    run(0, tiles)
    A = a.view(np.int8).reshape(M, K)
    W = w.view(np.int8).reshape(N, K)
    C = c.reshape(M, N)
    Q = q.reshape(M, N)
    Wt = W.astype(cp.float64).T
    b64, m64, s64 = bias.astype(cp.int64), mult.astype(cp.int64), shift.astype(cp.int64)
    prod_ok = quant_ok = True
    nsat = nzero = 0
    for r0 in range(0, M, DP_CHUNK):
        r1 = min(M, r0 + DP_CHUNK)
        ref = A[r0:r1].astype(cp.float64) @ Wt
        prod_ok &= bool((ref == C[r0:r1].astype(cp.float64)).all())
        del ref
        y = dp_requant(C[r0:r1].astype(cp.int64), b64, m64, s64, cp)
        quant_ok &= bool((y == Q[r0:r1].astype(cp.int64)).all())
        del y
        nsat += int((Q[r0:r1] == 127).sum())
        nzero += int((Q[r0:r1] == 0).sum())
    del Wt
    hst = stats.get().astype(np.int64).tolist()
    count_ok = hst == [nsat, nzero]
    # sampled rows: the operands against NumPy's regeneration, the rows against NumPy's int64 matmul and requantisation
    rng = np.random.default_rng(90)
    picks = np.sort(rng.choice(M, min(M, DP_CHECK), replace=False))
    ha, hw, hb, hm, hs = dp_operands_np(picks)
    gen_ok = bool((W.get() == hw).all()) and bool((A[cp.asarray(picks)].get() == ha).all()) and \
        bool((bias.get() == hb).all()) and bool((mult.get() == hm).all()) and bool((shift.get() == hs).all())
    want = ha.astype(np.int64) @ hw.astype(np.int64).T
    got_c = C[cp.asarray(picks)].get().astype(np.int64)
    got_q = Q[cp.asarray(picks)].get().astype(np.int64)
    row_good = int(((got_c == want).all(axis=1) & (got_q == dp_requant(want, hb, hm, hs, np)).all(axis=1)).sum())
    ok = prod_ok and quant_ok and count_ok and gen_ok and row_good == len(picks)
    macs = 128 * 128 * K * state["tiles"]
    note(f"dp4a/{variant}: {state['done']} tiles multiplied after READY ({M} x {N} x {K} int8 GEMM, {tiles} tiles of "
         f"128 x 128, {state['tiles']} tiles a launch), {nsat / (M * N) * 100:.2f} % of outputs saturated at 127 and "
         f"{nzero / (M * N) * 100:.2f} % zero; every int32 accumulator equal to CuPy's float64 matmul: {prod_ok}, "
         f"every requantised output equal to array operators': {quant_ok}, warp counts equal: {count_ok}, operands "
         f"equal to NumPy's regeneration: {gen_ok}, {len(picks)} rows equal to NumPy's int64 matmul and "
         f"requantisation: {row_good}, agree: {ok}, {per * 1e3:.2f} ms a launch ({macs / per / 1e12:.2f} T int8 "
         f"MACs/s), {nl} a step")


# ---- topk ----------------------------------------------------------------------------------------------------------
TK_ROWS = 1 << 13          # rows of scores (a pass over them, then again)
TK_COLS = 1 << 15          # scores a row (a vocabulary)
TK_KMIN = 64               # k of a row: KMIN to KMAX by a draw
TK_KMAX = 256
TK_SEED = 0x70C
TK_ROWS0 = 1 << 10         # rows a launch first; then as many as take about LAUNCH_S
TK_MIN_ROWS = 1 << 3
TK_MAX_ROWS = 1 << 17
TK_CHUNK = 1 << 9          # rows a piece of the array-operator check
TK_CHECK = 32              # rows compared with NumPy's stable argsort
TK_FMAX = 0x7F7FFFFF       # the bits of the largest finite float

TK_CUDA = HEAD + r"""
#define ROWS %ROWS%u
#define COLS %COLS%u
#define KMIN %KMIN%u
#define KMAX %KMAX%u
#define SEED %SEED%ull
#define TPB 1024u
#define WARPS 32u
__device__ __forceinline__ u32 tk_k(u32 row) {
  return KMIN + (u32)((splitmix((u64)row ^ (SEED << 40)) >> 32) % (u64)(KMAX - KMIN + 1u));
}
// a thread a score: row kinds by a draw (0-9 logits: a sum of four 12-bit draws less 8190, times 2^-10; 10-12 coarse:
// 128 levels of a quarter; 13-14 wide: the sum times 2^(-64..63); 15 four values), ties everywhere, +-FLT_MAX now and
// then; all exact in float32, no NaN, no infinity, no negative zero
extern "C" __global__ void tk_gen(float* __restrict__ x) {
  const u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= (u64)ROWS * COLS) return;
  const u32 kind = (u32)splitmix((i / COLS) ^ (SEED << 40)) & 15u;
  const u64 r = splitmix(i ^ (SEED << 44));
  const int s = (int)(r & 0xFFFull) + (int)((r >> 12) & 0xFFFull) + (int)((r >> 24) & 0xFFFull) +
                (int)((r >> 36) & 0xFFFull) - 8190;
  float v;
  if (kind < 10u)
    v = (float)s * 0.0009765625f;
  else if (kind < 13u)
    v = (float)(((s + 8192) >> 7) - 64) * 0.25f;
  else if (kind < 15u)
    v = (float)s * __int_as_float((int)((127u + (u32)((r >> 48) & 127ull) - 64u) << 23));
  else
    v = (float)((r >> 48) & 3ull) - 1.5f;
  const u32 ex = (u32)(r >> 51);
  if (ex == 0u) v = __int_as_float(0x7F7FFFFF);
  if (ex == 1u) v = -__int_as_float(0x7F7FFFFF);
  x[i] = v;
}
// a float's bits to a key in the same order: negatives inverted, positives with the sign bit set
__device__ __forceinline__ u32 tk_key(u32 u) { return (u & 0x80000000u) ? ~u : (u | 0x80000000u); }
// a 1024-thread block a row r0 + blockIdx.x: radix select of the k-th largest key in four passes of 8-bit digits
// from the top (a histogram a warp in shared memory of the digits of the keys that match the prefix so far, by
// __match_any_sync groups and shared atomics; the digit where the counts from 255 down reach the k still wanted by a
// block scan), then an ordered compaction: every key above it and the lowest-indexed keys equal to it, in index order
// (ballots, warp counts and a scan a tile of 1024). Indices and values to the row's KMAX slots (the rest 0xFFFFFFFF),
// the k-th key and the count of keys equal to it per row; rows whose ties were cut and the ties by lane 0 into stats
extern "C" __global__ void __launch_bounds__(1024) tk_select(const u32* __restrict__ xs, u32 r0, u32 cnt,
                                                             u32* __restrict__ oi, u32* __restrict__ ov,
                                                             u32* __restrict__ thr, u32* __restrict__ ties,
                                                             u64* __restrict__ stats) {
  __shared__ u32 hist[WARPS][256];
  __shared__ u32 wtot[8];
  __shared__ u32 cg[2][WARPS], ce[2][WARPS];
  __shared__ u32 sel[3];
  if (blockIdx.x >= cnt) return;
  const u32 row = r0 + blockIdx.x, tid = threadIdx.x, lane = tid & 31u, wid = tid >> 5;
  const u32* x = xs + (u64)row * COLS;
  const u32 k = tk_k(row);
  u32 prefix = 0u, pmask = 0u, kk = k, neq = 0u;
  for (u32 pass = 0; pass < 4u; ++pass) {
    const u32 sh = 24u - 8u * pass;
    for (u32 d = lane; d < 256u; d += 32u) hist[wid][d] = 0u;
    __syncwarp();
    for (u32 base = 0; base < COLS; base += TPB) {
      const u32 i = base + tid;
      const u32 key = i < COLS ? tk_key(x[i]) : 0u;
      const bool in = i < COLS && (key & pmask) == prefix;
      const u32 act = __ballot_sync(FULL, in);
      if (in) {
        const u32 dg = (key >> sh) & 255u;
        const u32 grp = __match_any_sync(act, dg);
        if (lane == (u32)__ffs(grp) - 1u) atomicAdd(&hist[wid][dg], (u32)__popc(grp));
      }
    }
    __syncthreads();
    u32 c = 0u, inc = 0u;
    if (wid < 8u) {  // thread t: digit 255 - t, counts summed from the top digit down
      for (u32 w = 0; w < WARPS; ++w) c += hist[w][255u - tid];
      inc = c;
      for (u32 o = 1; o < 32u; o <<= 1) {
        const u32 v = __shfl_up_sync(FULL, inc, o);
        if (lane >= o) inc += v;
      }
      if (lane == 31u) wtot[wid] = inc;
    }
    __syncthreads();
    if (wid < 8u) {
      for (u32 w = 0; w < wid; ++w) inc += wtot[w];
      if (inc - c < kk && kk <= inc) {
        sel[0] = 255u - tid;
        sel[1] = kk - (inc - c);
        sel[2] = c;
      }
    }
    __syncthreads();
    prefix |= sel[0] << sh;
    pmask |= 255u << sh;
    kk = sel[1];
    neq = sel[2];
  }
  // prefix is the k-th largest key, kk the keys equal to it to take (the lowest-indexed), neq the keys equal to it
  u32 gtb = 0u, eqb = 0u, buf = 0u;
  const u32 below = (1u << lane) - 1u;
  for (u32 base = 0; base < COLS; base += TPB, buf ^= 1u) {
    const u32 i = base + tid;
    u32 u = 0u;
    bool gt = false, eq = false;
    if (i < COLS) {
      u = x[i];
      const u32 key = tk_key(u);
      gt = key > prefix;
      eq = key == prefix;
    }
    const u32 bg = __ballot_sync(FULL, gt), be = __ballot_sync(FULL, eq);
    if (lane == 0u) {
      cg[buf][wid] = (u32)__popc(bg);
      ce[buf][wid] = (u32)__popc(be);
    }
    __syncthreads();
    u32 ig = cg[buf][lane], ie = ce[buf][lane];  // inclusive scans over the warps, then the exclusive one of mine
    for (u32 o = 1; o < 32u; o <<= 1) {
      const u32 vg = __shfl_up_sync(FULL, ig, o), ve = __shfl_up_sync(FULL, ie, o);
      if (lane >= o) {
        ig += vg;
        ie += ve;
      }
    }
    const u32 tg = __shfl_sync(FULL, ig, 31), te = __shfl_sync(FULL, ie, 31);
    u32 xg = __shfl_sync(FULL, ig, (wid + 31u) & 31u), xe = __shfl_sync(FULL, ie, (wid + 31u) & 31u);
    if (wid == 0u) xg = xe = 0u;
    const u32 eqr = eqb + xe + (u32)__popc(be & below);
    if (gt || (eq && eqr < kk)) {
      const u32 pos = gtb + xg + (u32)__popc(bg & below) + min(eqr, kk);
      if (pos < k) {
        oi[(u64)row * KMAX + pos] = i;
        ov[(u64)row * KMAX + pos] = u;
      }
    }
    gtb += tg;
    eqb += te;
  }
  if (tid < KMAX - k) {
    oi[(u64)row * KMAX + k + tid] = 0xFFFFFFFFu;
    ov[(u64)row * KMAX + k + tid] = 0xFFFFFFFFu;
  }
  if (tid == 0u) {
    thr[row] = prefix;
    ties[row] = neq;
    if (neq > kk) atomicAdd(&stats[0], 1ull);
    atomicAdd(&stats[1], (u64)neq);
    if (gtb + kk != k) atomicAdd(&stats[2], 1ull);
  }
}
"""


def tk_src():
    return fill_source(TK_CUDA, ROWS=TK_ROWS, COLS=TK_COLS, KMIN=TK_KMIN, KMAX=TK_KMAX, SEED=hex(TK_SEED))


TK_SRC = tk_src()


def tk_k_xp(rows, xp):
    """The k of each row of a uint64 array of row numbers, by xp's array operators."""
    r = splitmix64_xp(rows ^ U64(TK_SEED << 40))
    return (U64(TK_KMIN) + (r >> U64(32)) % U64(TK_KMAX - TK_KMIN + 1)).astype(xp.int64)


def tk_row_np(row):
    """Row `row`'s scores as tk_gen makes them, by NumPy (float32)."""
    kind = int(splitmix64(row ^ (TK_SEED << 40)) & 15)
    i = np.arange(row * TK_COLS, (row + 1) * TK_COLS, dtype=np.uint64)
    r = splitmix64_np(i ^ U64(TK_SEED << 44))
    s = sum(((r >> U64(12 * j)) & U64(0xFFF)).astype(np.int64) for j in range(4)) - 8190
    if kind < 10:
        v = s.astype(np.float32) * np.float32(2.0 ** -10)
    elif kind < 13:
        v = (((s + 8192) >> 7) - 64).astype(np.float32) * np.float32(0.25)
    elif kind < 15:
        e = ((r >> U64(48)) & U64(127)).astype(np.int64) - 64
        v = s.astype(np.float32) * ((127 + e) << 23).astype(np.uint32).view(np.float32)
    else:
        v = ((r >> U64(48)) & U64(3)).astype(np.float32) - np.float32(1.5)
    ex = r >> U64(51)
    fmax = np.array([TK_FMAX], dtype=np.uint32).view(np.float32)[0]
    v = np.where(ex == U64(0), fmax, np.where(ex == U64(1), -fmax, v)).astype(np.float32)
    return v


def tk_key_xp(bits, xp):
    """tk_key of a uint32 array of float bits, by xp's array operators."""
    return xp.where((bits >> U32(31)) == U32(1), ~bits, bits | U32(0x80000000))


def topk(variant, clock):
    if variant != "radix":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=tk_src())
    genk, selk = (mod.get_function(k) for k in ("tk_gen", "tk_select"))
    R, C, KM = TK_ROWS, TK_COLS, TK_KMAX
    x = cp.zeros(R * C, dtype=cp.float32)
    genk(((R * C + 255) // 256,), (256,), (x,))
    oi = cp.zeros(R * KM, dtype=cp.uint32)
    ov = cp.zeros(R * KM, dtype=cp.uint32)
    thr = cp.zeros(R, dtype=cp.uint32)
    ties = cp.zeros(R, dtype=cp.uint32)
    stats = cp.zeros(3, dtype=cp.uint64)
    state = {"cursor": 0, "rows": TK_ROWS0, "done": 0}

    def run(r0, cnt):
        selk((cnt,), (1024,), (x, U32(r0), U32(cnt), oi, ov, thr, ties, stats))

    launch = wrapping_launch(state, "rows", R, run)
    size_launch(launch, state, "rows", TK_MIN_ROWS, TK_MAX_ROWS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every row, then every row by array operators, a piece of rows at a time: k indices in
    # ascending order, the values at them, min selected >= max unselected, the k-th value equal to cupy.sort's, ties
    # taken from the lowest index, the threshold key and tie count
    oi.fill(0)
    ov.fill(0)
    stats.fill(0)
    run(0, R)
    X = x.reshape(R, C)
    I = oi.reshape(R, KM)
    V = ov.reshape(R, KM)
    ks = tk_k_xp(cp.arange(R, dtype=cp.uint64), cp)
    shape_ok = value_ok = order_ok = kth_ok = tie_ok = thr_ok = True
    ncut = nties = 0
    inf = float("inf")
    for r0 in range(0, R, TK_CHUNK):
        r1 = min(R, r0 + TK_CHUNK)
        n = r1 - r0
        xs, kk, ii = X[r0:r1], ks[r0:r1], I[r0:r1].astype(cp.int64)
        valid = cp.arange(KM, dtype=cp.int64)[None, :] < kk[:, None]
        shape_ok &= bool(((ii < C) | ~valid).all()) and bool(((ii == M32) | valid).all()) and \
            bool(((ii[:, 1:] > ii[:, :-1]) | ~valid[:, 1:]).all()) and bool(((V[r0:r1] == U32(M32)) | valid).all())
        rows = cp.arange(n, dtype=cp.int64)[:, None]
        jj = cp.where(valid, ii, 0)
        got = xs[rows, jj]
        value_ok &= bool(((got.view(cp.uint32) == V[r0:r1]) | ~valid).all())
        sel = cp.zeros((n, C), dtype=bool)
        rr, cc = cp.nonzero(valid)
        sel[rr, jj[rr, cc]] = True
        value_ok &= bool((sel.sum(axis=1) == kk).all())
        mins = cp.where(valid, got, inf).min(axis=1)
        maxu = cp.where(sel, -inf, xs).max(axis=1)
        order_ok &= bool((mins >= maxu).all())
        srt = cp.sort(xs, axis=1)
        kth = srt[cp.arange(n, dtype=cp.int64), C - kk]
        kth_ok &= bool((kth == mins).all())
        del srt
        thr_ok &= bool((tk_key_xp(kth.astype(cp.float32).view(cp.uint32), cp) == thr[r0:r1]).all())
        eqm = xs == kth[:, None]
        neq = eqm.sum(axis=1)
        thr_ok &= bool((neq == ties[r0:r1]).all())
        need = kk - (xs > kth[:, None]).sum(axis=1)
        ncut += int((neq > need).sum())
        nties += int(neq.sum())
        col = cp.arange(C, dtype=cp.int64)[None, :]
        last = cp.where(sel & eqm, col, -1).max(axis=1)
        tie_ok &= not bool((eqm & ~sel & (col < last[:, None])).any())
        del sel, eqm, got, jj, rows, col
    hst = stats.get().astype(np.int64).tolist()
    count_ok = hst == [ncut, nties, 0]
    # sampled rows: scores against NumPy's regeneration, the indices against NumPy's stable argsort (lowest index first
    # among equal scores)
    rng = np.random.default_rng(91)
    picks = np.sort(rng.choice(R, min(R, TK_CHECK), replace=False)).tolist()
    hk = tk_k_xp(np.array(picks, dtype=np.uint64), np)
    gen_good = sort_good = 0
    for j, row in enumerate(picks):
        v = tk_row_np(row)
        gen_good += bool((X[row].get() == v).all())
        k = int(hk[j])
        want = np.sort(np.argsort(-v, kind="stable")[:k])
        sort_good += I[row, :k].get().astype(np.int64).tolist() == want.tolist()
    ok = shape_ok and value_ok and order_ok and kth_ok and tie_ok and thr_ok and count_ok and \
        gen_good == len(picks) and sort_good == len(picks)
    note(f"topk/{variant}: {state['done']} rows selected after READY ({R} rows of {C} float32 scores, k "
         f"{TK_KMIN}-{TK_KMAX}, {state['rows']} rows a launch), {ncut} rows with ties cut at the k-th value, "
         f"{nties / R:.1f} scores equal to it a row; every row's k indices ascending with their values: "
         f"{shape_ok and value_ok}, min selected >= max unselected: {order_ok}, k-th value equal to cupy.sort's: "
         f"{kth_ok}, ties taken from the lowest index: {tie_ok}, threshold keys and tie counts: {thr_ok}, counters: "
         f"{count_ok}, {len(picks)} rows equal to NumPy's regeneration: {gen_good}, their indices equal to NumPy's "
         f"stable argsort: {sort_good}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['rows'] * C / per / 1e9:.2f} G scores/s), {nl} a step")


# ---- voxel ---------------------------------------------------------------------------------------------------------
VX_LOG = 9                 # the grid is 2^LOG voxels a side (512^3: a 16 MiB bitmap)
VX_RAYS = 1 << 22          # rays (a pass over them, then again)
VX_LIMIT = 1024            # steps a ray at most
VX_BOXES = 160             # boxes: the even ones standing on the ground, the odd ones floating
VX_SEED = 0x0F0C
VX_RAYS0 = 1 << 16         # rays a launch first; then as many as take about LAUNCH_S
VX_MIN_RAYS = 1 << 8
VX_MAX_RAYS = 1 << 26
VX_ZCHUNK = 32             # z slices a piece of the bitmap check
VX_CHECK = 192             # rays traced again in Python, and VX_CHECK // 6 more that reached the step limit
VX_HIT, VX_MISS, VX_STOP = 0, 1, 2


def vx_boxes():
    """The boxes as (x0, x1, y0, y1, z0, z1), half-open, from splitmix64 draws: even ones from the ground up to
    1/16-9/16 of the height, odd ones floating; 4 to NV/8 + 3 voxels across."""
    nv = 1 << VX_LOG
    out = []
    for b in range(VX_BOXES):
        r1 = splitmix64(b ^ (VX_SEED << 40))
        r2 = splitmix64(r1)
        sx, sz = 4 + (r1 >> 16) % (nv // 8), 4 + (r1 >> 40) % (nv // 8)
        x0, z0 = r1 % nv, r2 % nv
        if b % 2 == 0:
            y0, y1 = 0, nv // 16 + (r2 >> 32) % (nv // 2)
        else:
            y0 = (r2 >> 20) % nv
            y1 = y0 + 4 + (r2 >> 40) % (nv // 8)
        out.append((x0, min(nv, x0 + sx), y0, min(nv, y1), z0, min(nv, z0 + sz)))
    return out


VX_CUDA = HEAD + r"""
#define LOG %LOG%u
#define NV %NV%u
#define WPR %WPR%u
#define LIMIT %LIMIT%u
#define NBOX %NBOX%u
#define SEED %SEED%ull
#define H0 %H0%u
#define A1 %A1%u
#define A2 %A2%u
__constant__ u32 BOX[NBOX * 6u] = {%BOX%};
// integer value noise: the lattice values (8-bit draws) of the cell of (x, z) at spacing 2^s, bilinear in integers
__device__ __forceinline__ u32 vx_lat(u32 i, u32 j, u32 oct) {
  return (u32)splitmix(((u64)oct << 40 | (u64)i << 20 | (u64)j) ^ (SEED << 44)) & 255u;
}
__device__ __forceinline__ u32 vx_noise(u32 x, u32 z, u32 s, u32 oct) {
  const u32 i = x >> s, j = z >> s, fx = x & ((1u << s) - 1u), fz = z & ((1u << s) - 1u), S = 1u << s;
  const u32 a = vx_lat(i, j, oct) * (S - fx) + vx_lat(i + 1u, j, oct) * fx;
  const u32 b = vx_lat(i, j + 1u, oct) * (S - fx) + vx_lat(i + 1u, j + 1u, oct) * fx;
  return (a * (S - fz) + b * fz) >> (2u * s);
}
// a thread a column (z, x): the terrain's height, two octaves of value noise (spacings 64 and 16)
extern "C" __global__ void vx_height(u32* __restrict__ hgt) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= NV * NV) return;
  const u32 z = t >> LOG, x = t & (NV - 1u);
  hgt[t] = H0 + ((vx_noise(x, z, 6u, 0u) * A1 + vx_noise(x, z, 4u, 1u) * A2) >> 8);
}
// a thread a 32-voxel word (z, y, x / 32) of the occupancy bitmap (bit x % 32): solid below the height, or in a box
extern "C" __global__ void vx_fill(const u32* __restrict__ hgt, u32* __restrict__ grid) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= NV * NV * WPR) return;
  const u32 xw = t % WPR, y = (t / WPR) & (NV - 1u), z = t / (WPR * NV), x0 = 32u * xw;
  u32 bits = 0u;
  for (u32 b = 0; b < 32u; ++b) bits |= (u32)(y < hgt[z * NV + x0 + b]) << b;
  for (u32 k = 0; k < NBOX; ++k) {
    const u32* B = BOX + 6u * k;
    if (y < B[2] || y >= B[3] || z < B[4] || z >= B[5]) continue;
    const u32 lo = max(B[0], x0), hi = min(B[1], x0 + 32u);
    if (lo < hi) bits |= (hi - lo == 32u ? FULL : ((1u << (hi - lo)) - 1u)) << (lo - x0);
  }
  grid[t] = bits;
}
// a thread a ray: the origin in 16.16 fixed point (x and z anywhere, y in the upper half), a direction of three
// draws (y mostly downward) scaled so that its largest component is +-1.0 (65536), eight ints a ray
extern "C" __global__ void vx_rays(u32 n, int* __restrict__ rays) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const u64 r1 = splitmix((u64)i ^ (SEED << 40)), r2 = splitmix(r1), r3 = splitmix(r2);
  const u32 span = NV << 16;
  int o[3], d[3];
  o[0] = (int)(r1 & (u64)(span - 1u));
  o[2] = (int)((r1 >> 32) & (u64)(span - 1u));
  o[1] = (int)(span / 2u + (u32)(r2 & (u64)(span / 2u - 1u)));
  d[0] = (int)(r3 & 0x1FFFFull) - 65536;
  d[2] = (int)((r3 >> 17) & 0x1FFFFull) - 65536;
  d[1] = (int)((r3 >> 34) & 0x1FFFFull) - 81920;
  u32 m = 0u;
  for (int c = 0; c < 3; ++c) m = max(m, (u32)abs(d[c]));
  if (m == 0u) {
    d[0] = 65536;
    m = 65536u;
  }
  for (int c = 0; c < 3; ++c) {
    const int mag = (int)((u64)(u32)abs(d[c]) * 65536ull / m);
    d[c] = d[c] < 0 ? -mag : mag;
  }
  int* out = rays + 8ull * i;
  for (int c = 0; c < 3; ++c) {
    out[c] = o[c];
    out[3 + c] = d[c];
  }
  out[6] = out[7] = 0;
}
__device__ __forceinline__ u32 vx_solid(const u32* __restrict__ grid, int x, int y, int z) {
  return (__ldg(grid + ((((u32)z << LOG | (u32)y) << (LOG - 5u)) | ((u32)x >> 5))) >> ((u32)x & 31u)) & 1u;
}
// a thread a ray r0 + t: Amanatides-Woo traversal in fixed point: t measured in 16.16 units of the ray's largest
// component, tDelta = 2^32 / |d| an axis, tMax the parameter of the next boundary crossed on each axis (64-bit); a
// step advances the axis of the least tMax (x, then y, then z on ties) and tests one bit of the bitmap. The ray ends
// at a solid voxel (a hit, the origin's own included), leaving the grid (a miss: the last voxel inside kept) or after
// LIMIT steps; the voxel (z << 2 LOG | y << LOG | x) and steps | outcome << 16 to memory; hits, misses, stops and
// steps by warp ballots and sums into stats[0..3]
extern "C" __global__ void __launch_bounds__(256) vx_trace(const u32* __restrict__ grid, const int4* __restrict__ rays,
                                                           u32 r0, u32 cnt, u32* __restrict__ cell,
                                                           u32* __restrict__ so, u64* __restrict__ stats) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  const bool live = t < cnt;
  u32 steps = 0u, out = 0u;
  if (live) {
    const u32 i = r0 + t;
    const int4 p = rays[2ull * i], q = rays[2ull * i + 1ull];
    const int o[3] = {p.x, p.y, p.z}, d[3] = {p.w, q.x, q.y};
    int v[3], s[3];
    u64 tm[3], td[3];
#pragma unroll
    for (int c = 0; c < 3; ++c) {
      v[c] = o[c] >> 16;
      s[c] = d[c] > 0 ? 1 : d[c] < 0 ? -1 : 0;
      if (d[c] == 0) {
        td[c] = tm[c] = ~0ull;
      } else {
        td[c] = (1ull << 32) / (u64)(u32)abs(d[c]);
        const u64 f = (u64)(o[c] & 0xFFFF);
        tm[c] = ((d[c] > 0 ? 65536ull - f : f) * td[c]) >> 16;
      }
    }
    if (vx_solid(grid, v[0], v[1], v[2])) {
      out = %HIT%u;
    } else {
      for (;;) {
        if (steps == LIMIT) {
          out = %STOP%u;
          break;
        }
        const int c = (tm[0] <= tm[1] && tm[0] <= tm[2]) ? 0 : tm[1] <= tm[2] ? 1 : 2;
        const int nv = (c == 0 ? v[0] : c == 1 ? v[1] : v[2]) + (c == 0 ? s[0] : c == 1 ? s[1] : s[2]);
        if ((u32)nv >= NV) {
          out = %MISS%u;
          break;
        }
        if (c == 0) {
          v[0] = nv;
          tm[0] += td[0];
        } else if (c == 1) {
          v[1] = nv;
          tm[1] += td[1];
        } else {
          v[2] = nv;
          tm[2] += td[2];
        }
        ++steps;
        if (vx_solid(grid, v[0], v[1], v[2])) {
          out = %HIT%u;
          break;
        }
      }
    }
    cell[i] = ((u32)v[2] << (2u * LOG)) | ((u32)v[1] << LOG) | (u32)v[0];
    so[i] = steps | (out << 16);
  }
  const u32 bh = __ballot_sync(FULL, live && out == %HIT%u), bm = __ballot_sync(FULL, live && out == %MISS%u);
  const u32 bs = __ballot_sync(FULL, live && out == %STOP%u), sn = __reduce_add_sync(FULL, steps);
  if ((threadIdx.x & 31u) == 0u) {
    if (bh) atomicAdd(&stats[0], (u64)__popc(bh));
    if (bm) atomicAdd(&stats[1], (u64)__popc(bm));
    if (bs) atomicAdd(&stats[2], (u64)__popc(bs));
    if (sn) atomicAdd(&stats[3], (u64)sn);
  }
}
"""


def vx_terrain():
    """(H0, A1, A2): the height is H0 + ((noise64 * A1 + noise16 * A2) >> 8), below NV / 2."""
    nv = 1 << VX_LOG
    return nv // 16, nv * 5 // 16, nv // 8


def vx_src():
    assert VX_LOG >= 6
    nv = 1 << VX_LOG
    h0, a1, a2 = vx_terrain()
    return fill_source(VX_CUDA, LOG=VX_LOG, NV=nv, WPR=nv // 32, LIMIT=VX_LIMIT, NBOX=VX_BOXES, SEED=hex(VX_SEED),
                       H0=h0, A1=a1, A2=a2, BOX=", ".join(str(v) for b in vx_boxes() for v in b), HIT=VX_HIT,
                       MISS=VX_MISS, STOP=VX_STOP)


VX_SRC = vx_src()


def vx_heights_xp(xp):
    """The terrain's heights (NV x NV, [z][x]) by xp's array operators (int64)."""
    nv = 1 << VX_LOG
    h0, a1, a2 = vx_terrain()
    z = xp.arange(nv, dtype=xp.uint64)[:, None]
    x = xp.arange(nv, dtype=xp.uint64)[None, :]

    def lat(i, j, octave):
        return (splitmix64_xp(((U64(octave) << U64(40)) | (i << U64(20)) | j) ^ U64(VX_SEED << 44)) &
                U64(255)).astype(xp.int64)

    def noise(s, octave):
        S = 1 << s
        i, j = x >> U64(s), z >> U64(s)
        fx, fz = (x & U64(S - 1)).astype(xp.int64), (z & U64(S - 1)).astype(xp.int64)
        a = lat(i, j, octave) * (S - fx) + lat(i + U64(1), j, octave) * fx
        b = lat(i, j + U64(1), octave) * (S - fx) + lat(i + U64(1), j + U64(1), octave) * fx
        return (a * (S - fz) + b * fz) >> (2 * s)
    return h0 + ((noise(6, 0) * a1 + noise(4, 1) * a2) >> 8)


def vx_ray_py(i):
    """Ray i as vx_rays makes it: (origin, direction) as lists of three ints."""
    span = 1 << (VX_LOG + 16)
    r1 = splitmix64(i ^ (VX_SEED << 40))
    r2 = splitmix64(r1)
    r3 = splitmix64(r2)
    o = [r1 & (span - 1), span // 2 + (r2 & (span // 2 - 1)), (r1 >> 32) & (span - 1)]
    d = [(r3 & 0x1FFFF) - 65536, ((r3 >> 34) & 0x1FFFF) - 81920, ((r3 >> 17) & 0x1FFFF) - 65536]
    m = max(abs(c) for c in d)
    if m == 0:
        d, m = [65536, 0, 0], 65536
    d = [(abs(c) * 65536 // m) * (1 if c >= 0 else -1) for c in d]
    return o, d


def vx_trace_py(o, d, solid):
    """The integer DDA of one ray in Python: (last voxel (x, y, z), steps, outcome); solid(x, y, z) reads the
    bitmap. Ties between axes go to x, then y, then z."""
    nv = 1 << VX_LOG
    v = [c >> 16 for c in o]
    s = [(c > 0) - (c < 0) for c in d]
    inf = 1 << 64
    td = [(1 << 32) // abs(c) if c else inf for c in d]
    tm = [(((65536 - (oc & 0xFFFF)) if dc > 0 else (oc & 0xFFFF)) * t) >> 16 if dc else inf
          for oc, dc, t in zip(o, d, td)]
    if solid(*v):
        return v, 0, VX_HIT
    steps = 0
    while steps < VX_LIMIT:
        c = min(range(3), key=lambda a: (tm[a], a))
        if not 0 <= v[c] + s[c] < nv:
            return v, steps, VX_MISS
        v[c] += s[c]
        tm[c] += td[c]
        steps += 1
        if solid(*v):
            return v, steps, VX_HIT
    return v, steps, VX_STOP


def voxel(variant, clock):
    if variant != "raycast":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=vx_src())
    hk, fk, rk, tk = (mod.get_function(k) for k in ("vx_height", "vx_fill", "vx_rays", "vx_trace"))
    nv, lg, n = 1 << VX_LOG, VX_LOG, VX_RAYS
    wpr = nv // 32
    hgt = cp.zeros(nv * nv, dtype=cp.uint32)
    hk(((nv * nv + 255) // 256,), (256,), (hgt,))
    grid = cp.zeros(nv * nv * wpr, dtype=cp.uint32)
    fk(((nv * nv * wpr + 255) // 256,), (256,), (hgt, grid))
    rays = cp.zeros(8 * n, dtype=cp.int32)
    rk(((n + 255) // 256,), (256,), (U32(n), rays))
    cell = cp.zeros(n, dtype=cp.uint32)
    so = cp.zeros(n, dtype=cp.uint32)
    stats = cp.zeros(4, dtype=cp.uint64)
    state = {"cursor": 0, "rays": VX_RAYS0, "done": 0}

    def run(r0, cnt):
        tk(((cnt + 255) // 256,), (256,), (grid, rays, U32(r0), U32(cnt), cell, so, stats))

    launch = wrapping_launch(state, "rays", n, run)
    size_launch(launch, state, "rays", VX_MIN_RAYS, VX_MAX_RAYS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every ray; the heights and the whole bitmap against array operators (boxes painted into the
    # terrain a piece of z slices at a time); every ray's end by array operators
    stats.fill(0)
    run(0, n)
    H = vx_heights_xp(cp)
    height_ok = bool((H == hgt.reshape(nv, nv).astype(cp.int64)).all())
    G = grid.reshape(nv, nv, wpr)
    bit = cp.arange(32, dtype=cp.uint32)
    ycol = cp.arange(nv, dtype=cp.int64)[None, :, None]
    grid_ok = True
    boxes = vx_boxes()
    for z0 in range(0, nv, VX_ZCHUNK):
        z1 = min(nv, z0 + VX_ZCHUNK)
        want = ycol < H[z0:z1, None, :]
        for bx0, bx1, by0, by1, bz0, bz1 in boxes:
            if bz0 < z1 and bz1 > z0:
                want[max(bz0, z0) - z0:min(bz1, z1) - z0, by0:by1, bx0:bx1] = True
        got = ((G[z0:z1, :, :, None] >> bit) & U32(1)).reshape(z1 - z0, nv, nv) == U32(1)
        grid_ok &= bool((got == want).all())
        del want, got
    R = rays.reshape(n, 8)
    o = R[:, 0:3] >> 16
    d = R[:, 3:6]
    cl, st = cell.astype(cp.int64), so & U32(0xFFFF)
    oc = so >> U32(16)
    v = cp.concatenate([(cl & (nv - 1))[:, None], ((cl >> lg) & (nv - 1))[:, None], (cl >> (2 * lg))[:, None]],
                       axis=1)
    dv = v - o
    path_ok = bool((abs(dv).sum(axis=1) == st.astype(cp.int64)).all()) and \
        bool(((dv * d >= 0) & ((d != 0) | (dv == 0))).all())
    word = ((v[:, 2] << lg | v[:, 1]) << (lg - 5)) | (v[:, 0] >> 5)
    solid = (grid[word] >> (v[:, 0] & 31).astype(cp.uint32)) & U32(1)
    hit, miss, stop = oc == U32(VX_HIT), oc == U32(VX_MISS), oc == U32(VX_STOP)
    face = (((d > 0) & (v == nv - 1)) | ((d < 0) & (v == 0))).any(axis=1)
    end_ok = bool((hit | miss | stop).all()) and bool(((solid == U32(1)) | ~hit).all()) and \
        bool((face | ~miss).all()) and bool(((st == U32(VX_LIMIT)) | ~stop).all()) and \
        bool(((st <= U32(VX_LIMIT)) & ((st < U32(VX_LIMIT)) | ~miss)).all())
    nh, nm, ns, nsteps = int(hit.sum()), int(miss.sum()), int(stop.sum()), int(st.astype(cp.uint64).sum())
    hst = stats.get().astype(np.int64).tolist()
    count_ok = hst == [nh, nm, ns, nsteps]
    del R, o, d, cl, v, dv, word, solid, face
    # sampled rays (some stopped at the limit among them): their parameters against Python's regeneration, their
    # traversals again by the integer DDA in Python on the bitmap
    rng = np.random.default_rng(92)
    stopped = np.nonzero(stop.get())[0]
    picks = sorted(set(rng.choice(n, min(n, VX_CHECK), replace=False).tolist()) |
                   set(rng.choice(stopped, min(len(stopped), VX_CHECK // 6), replace=False).tolist()))
    hg = grid.get()
    ip = cp.asarray(np.array(picks, dtype=np.int64))
    hr, hc, hs = rays.reshape(n, 8)[ip].get(), cell[ip].get(), so[ip].get()

    def solid_py(x, y, z):
        return (int(hg[((z << lg | y) << (lg - 5)) | (x >> 5)]) >> (x & 31)) & 1

    ray_good = trace_good = 0
    for j, i in enumerate(picks):
        o3, d3 = vx_ray_py(i)
        ray_good += [int(x) for x in hr[j][:6]] == o3 + d3 and not hr[j][6] and not hr[j][7]
        vv, stp, out = vx_trace_py(o3, d3, solid_py)
        trace_good += int(hc[j]) == (vv[2] << (2 * lg) | vv[1] << lg | vv[0]) and int(hs[j]) == stp | out << 16
    ok = height_ok and grid_ok and path_ok and end_ok and count_ok and ray_good == len(picks) and \
        trace_good == len(picks)
    note(f"voxel/{variant}: {state['done']} rays cast after READY ({n} rays through a {nv}^3 bitmap of "
         f"{nv ** 3 / 8 / 2 ** 20:g} MiB, {len(boxes)} boxes, {state['rays']} rays a launch), {nh} hits, {nm} misses, "
         f"{ns} at the {VX_LIMIT}-step limit, {nsteps / n:.1f} steps a ray; heights and every bitmap word equal to "
         f"array operators': {height_ok and grid_ok}, every ray's steps equal to its voxel distance along its "
         f"direction: {path_ok}, hits solid, misses on an exit face, stops at the limit: {end_ok}, counters: "
         f"{count_ok}, {len(picks)} rays ({len(set(picks) & set(stopped.tolist()))} stopped) equal to Python's "
         f"regeneration: {ray_good}, their traversals equal to Python's DDA: {trace_good}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({state['rays'] / per / 1e6:.1f} M rays/s, "
         f"{nsteps / n * state['rays'] / per / 1e9:.2f} G steps/s), {nl} a step")


# ---- bch -----------------------------------------------------------------------------------------------------------
BCH_M = 13                 # GF(2^13)
BCH_POLY = 0x201B          # x^13 + x^4 + x^3 + x + 1, primitive (the Linux kernel's for m = 13)
BCH_T = 24                 # errors corrected a codeword
BCH_K = 4096               # data bits a codeword (a 512-byte sector)
BCH_CW = 1 << 20           # codewords (a pass over them, then again)
BCH_SEED = 0xBC4
BCH_CW0 = 1 << 15          # codewords a launch first; then as many as take about LAUNCH_S
BCH_MIN_CW = 1 << 5
BCH_MAX_CW = 1 << 24
BCH_BLOCKS = 4             # blocks of 8 warps an SM at most (each warp a codeword at a time)
BCH_CHECK = 48             # codewords decoded again in Python, and BCH_CHECK // 4 more beyond t errors
BCH_CHUNK = 1 << 17        # codewords a piece of the array-operator check
BCH_FAIL = 0xFFFF          # the status of a codeword that could not be decoded


def bch_shape():
    """(P, n, PW, NW, NWN): parity bits (m t), codeword bits, words of parity, words a codeword (even, for 64-bit
    views) and words holding its bits."""
    p = BCH_M * BCH_T
    n = BCH_K + p
    assert BCH_K % 64 == 0 and n < (1 << BCH_M) - 1 and 3 <= BCH_T < 32 and BCH_K // 64 <= 256
    return p, n, (p + 31) // 32, 2 * ((n + 63) // 64), (n + 31) // 32


def bch_field():
    """GF(2^m)'s antilog and log tables as NumPy uint16 (antilog[q - 1] = 1 too, so that an exponent reduced to
    q - 1 reads as 0)."""
    q = 1 << BCH_M
    alog = np.zeros(q, dtype=np.uint16)
    log = np.zeros(q, dtype=np.uint16)
    x = 1
    for i in range(q - 1):
        alog[i] = x
        log[x] = i
        x <<= 1
        if x & q:
            x ^= BCH_POLY
    alog[q - 1] = 1
    return alog, log


def bch_generator():
    """The generator polynomial (a Python int, bit i the coefficient of x^i): the product of the minimal polynomials
    of alpha^j for odd j < 2t, each the product of (x + alpha^e) over j's cyclotomic coset."""
    alog, log = bch_field()
    q1 = (1 << BCH_M) - 1

    def mul(a, b):
        return 0 if a == 0 or b == 0 else int(alog[(int(log[a]) + int(log[b])) % q1])
    g, seen = 1, set()
    for j in range(1, 2 * BCH_T, 2):
        if j in seen:
            continue
        coset, e = [], j
        while e not in coset:
            coset.append(e)
            e = 2 * e % q1
        seen.update(coset)
        poly = [1]  # coefficients in GF(2^m), lowest first
        for e in coset:
            root = int(alog[e])
            nxt = [0] * (len(poly) + 1)
            for i, cf in enumerate(poly):
                nxt[i + 1] ^= cf
                nxt[i] ^= mul(cf, root)
            poly = nxt
        assert all(cf in (0, 1) for cf in poly)
        mp = sum(cf << i for i, cf in enumerate(poly))
        prod = 0
        while mp:  # g * mp over GF(2)
            low = mp & -mp
            prod ^= g * low
            mp ^= low
        g = prod
    assert g.bit_length() - 1 == BCH_M * BCH_T
    return g


def gf2_mod(a, g):
    """a mod g for polynomials over GF(2) as Python ints."""
    dg = g.bit_length() - 1
    while a.bit_length() - 1 >= dg:
        a ^= g << (a.bit_length() - 1 - dg)
    return a


def bch_enc_table(g):
    """The byte-wise encoder's table: entry b = (b(x) x^P) mod g, P bits as PW 32-bit words (NumPy uint32)."""
    p, _, pw, _, _ = bch_shape()
    out = np.zeros((256, pw), dtype=np.uint32)
    for b in range(256):
        r = gf2_mod(b << p, g)
        out[b] = [(r >> (32 * j)) & M32 for j in range(pw)]
    return out


BCH_CUDA = HEAD + r"""
#define MM %MM%u
#define Q %Q%u
#define QM %QM%u
#define T %T%u
#define KW %KW%u
#define P %P%u
#define N %N%u
#define PW %PW%u
#define NW %NW%u
#define NWN %NWN%u
#define SEED %SEED%ull
#define WPB 8u
#define FAIL %FAIL%u
// a codeword's data word w (bit b the coefficient of x^(P + 32 w + b))
__device__ __forceinline__ u32 bch_data(u32 c, u32 w) {
  return (u32)(splitmix(((u64)c << 8 | (u64)(w >> 1)) ^ (SEED << 40)) >> (32u * (w & 1u)));
}
// a thread a codeword: systematic encoding, the parity the remainder of d(x) x^P by g(x), byte-wise from the top
// (a P-bit register in PW words: the top byte XOR the data byte indexes the table, the register shifted 8 bits); the
// clean codeword (parity at bits 0..P-1, data above) and the received one (0 errors 1/16 of the time, t + 1..t + 4
// 1/16, else 1..t, at splitmix64-drawn positions below N, a position drawn twice cancelling)
extern "C" __global__ void bch_gen(u32 ncw, const u32* __restrict__ enc, u32* __restrict__ clean,
                                   u32* __restrict__ recv) {
  const u32 c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= ncw) return;
  u32 rem[PW];
#pragma unroll
  for (u32 j = 0; j < PW; ++j) rem[j] = 0u;
  for (int w = (int)KW - 1; w >= 0; --w) {
    const u32 dv = bch_data(c, (u32)w);
    for (int bq = 3; bq >= 0; --bq) {
      const u64 top = (u64)rem[PW - 1u] << 32 | rem[PW - 2u];  // the register's top 64 bits (PW >= 2)
      const u32 idx = (u32)(top >> (P - 32u * (PW - 2u) - 8u)) & 255u;
      const u32 x = idx ^ ((dv >> (8 * bq)) & 255u);
#pragma unroll
      for (u32 j = PW - 1u; j > 0u; --j) rem[j] = (rem[j] << 8) | (rem[j - 1u] >> 24);
      rem[0] <<= 8;
      rem[PW - 1u] &= P % 32u ? (1u << (P % 32u)) - 1u : FULL;
#pragma unroll
      for (u32 j = 0; j < PW; ++j) rem[j] ^= enc[x * PW + j];
    }
  }
  u32* cl = clean + (u64)c * NW;
  u32* rv = recv + (u64)c * NW;
#pragma unroll
  for (u32 j = 0; j < P / 32u; ++j) cl[j] = rv[j] = rem[j];
  const u32 sh = P % 32u;
  for (u32 j = 0; j <= KW && P / 32u + j < NW; ++j) {
    u32 v = j < KW ? bch_data(c, j) << sh : 0u;
    if (sh && j > 0u) v |= bch_data(c, j - 1u) >> (32u - sh);
    if (sh && j == 0u) v |= rem[PW - 1u];
    cl[P / 32u + j] = rv[P / 32u + j] = v;
  }
  for (u32 j = P / 32u + KW + 1u; j < NW; ++j) cl[j] = rv[j] = 0u;
  const u64 re = splitmix((u64)c ^ (SEED << 42));
  const u32 cls = (u32)re & 63u;
  const u32 ne = cls < 4u ? 0u : cls >= 60u ? T + 1u + (u32)((re >> 8) & 3ull) : 1u + (u32)((re >> 16) % T);
  for (u32 e = 0; e < ne; ++e) {
    const u32 p = (u32)(splitmix(((u64)c << 8 | e) ^ (SEED << 41)) % N);
    rv[p >> 5] ^= 1u << (p & 31u);
  }
}
__device__ __forceinline__ u32 bch_fold(u32 e) { return (e & QM) + (e >> MM); }  // mod QM, for e < 2^(2 MM - 1)
// a warp a codeword c0 + i (warps striding over the launch's codewords), the field's antilog and log tables in
// shared memory: the odd syndromes S_1, S_3, .. S_(2t-1) from the received word's set bits (each lane a 32nd of the
// words, bits by ffs, alpha^(i j) by stepping the exponent 2i mod 2^m - 1 a syndrome and table lookups), XOR-reduced
// across the warp, the even ones by squaring; none set: no errors. Then Berlekamp-Massey over the 2t syndromes with
// lane k holding coefficient k of Lambda and B (the discrepancy a lookup a lane and a warp XOR-reduction, x^m B by a
// shuffle up), failing where L passes t; then a Chien search, a lane a position (32 q + lane, position q a word, the
// lane its bit): Lambda(alpha^-i) by lookups of stepped exponents, the roots of a word by a ballot, which is the word's
// error mask, stopping at the L-th root; fewer than L roots in the codeword: a failure. The corrected codeword (the
// received one where failed), the syndromes, Lambda and the status (errors corrected or FAIL) to memory; errors
// corrected, failures and error-free words by warp counters into stats[0..2]
extern "C" __global__ void __launch_bounds__(256) bch_decode(const u32* __restrict__ recv,
                                                             const u16* __restrict__ galog,
                                                             const u16* __restrict__ glog, u32 c0, u32 cnt,
                                                             u32* __restrict__ fixed, u16* __restrict__ syn,
                                                             u16* __restrict__ lamo, u32* __restrict__ status,
                                                             u64* __restrict__ stats) {
  __shared__ u16 ex[Q], lg[Q];
  __shared__ u16 ss[WPB][2u * T];
  for (u32 k = threadIdx.x; k < Q; k += blockDim.x) {
    ex[k] = galog[k];
    lg[k] = glog[k];
  }
  __syncthreads();
  const u32 lane = threadIdx.x & 31u, wi = threadIdx.x >> 5;
  u16* S = ss[wi];
  u64 ncor = 0ull, nfail = 0ull, nclean = 0ull;
  for (u32 cw = blockIdx.x * WPB + wi; cw < cnt; cw += gridDim.x * WPB) {
    const u64 c = (u64)c0 + cw;
    const u32* r = recv + c * NW;
    u32* f = fixed + c * NW;
    u32 s[T];
#pragma unroll
    for (u32 j = 0; j < T; ++j) s[j] = 0u;
    for (u32 w = lane; w < NWN; w += 32u) {
      u32 v = r[w];
      while (v) {
        const u32 i = 32u * w + (u32)(__ffs(v) - 1);
        v &= v - 1u;
        const u32 st = bch_fold(2u * i);
        u32 e = i;
#pragma unroll
        for (u32 j = 0; j < T; ++j) {
          s[j] ^= ex[e];
          e = bch_fold(e + st);
        }
      }
    }
    u32 any = 0u;
#pragma unroll
    for (u32 j = 0; j < T; ++j) {
      s[j] = __reduce_xor_sync(FULL, s[j]);
      any |= s[j];
    }
    __syncwarp();  // every lane done with the last codeword's syndromes
    if (lane == 0u) {
#pragma unroll
      for (u32 j = 0; j < T; ++j) S[2u * j] = (u16)s[j];
      for (u32 m = 1; m <= T; ++m) {
        const u32 x = S[m - 1u];
        S[2u * m - 1u] = x ? ex[bch_fold(2u * lg[x])] : (u16)0;
      }
    }
    __syncwarp();
    for (u32 k = lane; k < 2u * T; k += 32u) syn[c * 2u * T + k] = S[k];
    // Berlekamp-Massey: lane k holds lambda_k and b_k
    u32 lam = lane == 0u, bb = lane == 0u, L = 0u, m = 1u, b = 1u;
    bool fail = false;
    if (any) {
      for (u32 rr = 0; rr < 2u * T; ++rr) {
        u32 term = 0u;
        if (lane <= rr && lam) {
          const u32 sv = S[rr - lane];
          if (sv) term = ex[bch_fold(lg[lam] + lg[sv])];
        }
        const u32 d = __reduce_xor_sync(FULL, term);
        if (d == 0u) {
          ++m;
          continue;
        }
        const u32 coef = ex[bch_fold(lg[d] + QM - lg[b])];
        const u32 src = __shfl_up_sync(FULL, bb, m & 31u);
        const u32 sh = (m < 32u && lane >= m) ? src : 0u;
        const u32 nl = lam ^ (sh ? ex[bch_fold(lg[coef] + lg[sh])] : 0u);
        if (2u * L <= rr) {
          bb = lam;
          L = rr + 1u - L;
          b = d;
          m = 1u;
        } else {
          ++m;
        }
        lam = nl;
        if (L > T) {
          fail = true;
          break;
        }
      }
    }
    // Chien search: lane's exponents of lambda_k alpha^(-k i) for i = 32 q + lane
    u32 q = 0u, roots = 0u;
    if (any && !fail) {
      u32 e[T], act = 0u;
#pragma unroll
      for (u32 k = 1; k <= T; ++k) {
        const u32 lk = __shfl_sync(FULL, lam, k);
        e[k - 1u] = 0u;
        if (lk) {
          act |= 1u << (k - 1u);
          e[k - 1u] = bch_fold(lg[lk] + QM - lane * k);
        }
      }
      for (; q < NWN; ++q) {
        u32 v = 1u;
#pragma unroll
        for (u32 k = 0; k < T; ++k) {
          if ((act >> k) & 1u) v ^= ex[e[k]];
          const u32 dk = 32u * (k + 1u);
          e[k] = e[k] >= dk ? e[k] - dk : e[k] + QM - dk;
        }
        const u32 hit = __ballot_sync(FULL, 32u * q + lane < N && v == 0u);
        if (lane == (q & 31u)) f[q] = r[q] ^ hit;
        roots += (u32)__popc(hit);
        if (roots >= L) {
          ++q;
          break;
        }
      }
      if (roots != L) fail = true;
    }
    if (fail) q = 0u;  // every word as received
    for (u32 w = q + lane; w < NW; w += 32u) f[w] = r[w];
    if (lane <= T) lamo[c * (T + 1u) + lane] = (u16)lam;
    if (lane == 0u) status[c] = fail ? FAIL : L;
    ncor += fail ? 0u : L;
    nfail += fail;
    nclean += !any;
  }
  if (lane == 0u) {
    if (ncor) atomicAdd(&stats[0], ncor);
    if (nfail) atomicAdd(&stats[1], nfail);
    if (nclean) atomicAdd(&stats[2], nclean);
  }
}
"""


def bch_src():
    p, n, pw, nw, nwn = bch_shape()
    return fill_source(BCH_CUDA, MM=BCH_M, Q=1 << BCH_M, QM=(1 << BCH_M) - 1, T=BCH_T, KW=BCH_K // 32, P=p, N=n,
                       PW=pw, NW=nw, NWN=nwn, SEED=hex(BCH_SEED), FAIL=BCH_FAIL)


BCH_SRC = bch_src()


def bch_drawn_xp(c, xp):
    """The error counts bch_gen draws for a uint64 array of codeword numbers, by xp's array operators (int64)."""
    re = splitmix64_xp(c ^ U64(BCH_SEED << 42))
    cls = re & U64(63)
    heavy = U64(BCH_T + 1) + ((re >> U64(8)) & U64(3))
    light = U64(1) + (re >> U64(16)) % U64(BCH_T)
    return xp.where(cls < U64(4), U64(0), xp.where(cls >= U64(60), heavy, light)).astype(xp.int64)


def bch_data_words_xp(c, xp):
    """Words P // 32 .. P // 32 + KW of the clean codewords of a uint64 array of codeword numbers (the data shifted
    up by P % 32 bits, the parity's top bits left out of the first), by xp's array operators: (rows, KW + 1) uint64."""
    kw, sh = BCH_K // 32, (BCH_M * BCH_T) % 32
    keys = (c[:, None] << U64(8) | xp.arange(kw // 2, dtype=xp.uint64)[None, :]) ^ U64(BCH_SEED << 40)
    d = splitmix64_xp(keys).view(xp.uint32).astype(xp.uint64)  # word 2h the low half of draw h
    z = xp.zeros((len(c), 1), dtype=xp.uint64)
    d = xp.concatenate([z, d, z], axis=1)
    return ((d[:, 1:] << U64(sh)) | (d[:, :-1] >> U64(32 - sh))) & U64(M32)


def bch_errors_py(c):
    """Codeword c's error positions as bch_gen draws them (a position drawn twice cancels): a sorted list."""
    _, n, _, _, _ = bch_shape()
    re = splitmix64(c ^ (BCH_SEED << 42))
    cls = re & 63
    ne = 0 if cls < 4 else BCH_T + 1 + ((re >> 8) & 3) if cls >= 60 else 1 + (re >> 16) % BCH_T
    pos = set()
    for e in range(ne):
        pos ^= {splitmix64(((c << 8) | e) ^ (BCH_SEED << 41)) % n}
    return sorted(pos)


def bch_clean_py(c, g):
    """Codeword c as bch_gen encodes it, by Python's integers: d(x) x^P + (d(x) x^P mod g(x))."""
    p = BCH_M * BCH_T
    d = 0
    for w in range(BCH_K // 32):
        d |= ((splitmix64(((c << 8) | (w >> 1)) ^ (BCH_SEED << 40)) >> (32 * (w & 1))) & M32) << (32 * w)
    return (d << p) | gf2_mod(d << p, g)


class _GF:
    """GF(2^m) in plain Python for the checks: exp and log lists built by shift-and-reduce."""

    def __init__(self):
        self.q1 = (1 << BCH_M) - 1
        self.exp, self.log = [0] * (2 * self.q1), [0] * (self.q1 + 1)
        x = 1
        for i in range(self.q1):
            self.exp[i] = self.exp[i + self.q1] = x
            self.log[x] = i
            x = (x << 1) ^ (BCH_POLY if x >> (BCH_M - 1) else 0)

    def mul(self, a, b):
        return 0 if a == 0 or b == 0 else self.exp[self.log[a] + self.log[b]]

    def div(self, a, b):
        return 0 if a == 0 else self.exp[self.log[a] - self.log[b] + self.q1]


def bch_decode_py(gf, syn, n):
    """Berlekamp-Massey (Massey's form, all 2t steps) on syndromes S_1..S_2t, then the roots of Lambda at
    alpha^-i for positions i < n by NumPy: (Lambda's 2t + 1 coefficients, L, error positions or None on failure)."""
    lam, bpol, L, m, b = [1] + [0] * (2 * BCH_T), [1] + [0] * (2 * BCH_T), 0, 1, 1
    for r in range(2 * BCH_T):
        d = syn[r]
        for k in range(1, L + 1):
            d ^= gf.mul(lam[k], syn[r - k])
        if d == 0:
            m += 1
            continue
        coef = gf.div(d, b)
        new = lam[:]
        for k in range(m, 2 * BCH_T + 1):
            new[k] ^= gf.mul(coef, bpol[k - m])
        if 2 * L <= r:
            bpol, L, b, m = lam, r + 1 - L, d, 1
        else:
            m += 1
        lam = new
    if L > BCH_T:
        return lam, L, None
    exp = np.array(gf.exp[:gf.q1], dtype=np.int64)
    i = np.arange(n, dtype=np.int64)
    v = np.ones(n, dtype=np.int64)
    for k in range(1, L + 1):
        if lam[k]:
            v ^= exp[(gf.log[lam[k]] - k * i) % gf.q1]
    roots = np.nonzero(v == 0)[0].tolist()
    return lam, L, roots if len(roots) == L else None


def bch(variant, clock):
    if variant != "decode":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    p, n, pw, nw, nwn = bch_shape()
    g = bch_generator()
    alog, log = bch_field()
    mod = cp.RawModule(code=bch_src())
    genk, deck = (mod.get_function(k) for k in ("bch_gen", "bch_decode"))
    ncw, T = BCH_CW, BCH_T
    enc = cp.asarray(bch_enc_table(g).ravel())
    clean = cp.zeros(ncw * nw, dtype=cp.uint32)
    recv = cp.zeros(ncw * nw, dtype=cp.uint32)
    genk(((ncw + 127) // 128,), (128,), (U32(ncw), enc, clean, recv))
    galog, glog = cp.asarray(alog), cp.asarray(log)
    fixed = cp.zeros(ncw * nw, dtype=cp.uint32)
    syn = cp.zeros(ncw * 2 * T, dtype=cp.uint16)
    lam = cp.zeros(ncw * (T + 1), dtype=cp.uint16)
    status = cp.zeros(ncw, dtype=cp.uint32)
    stats = cp.zeros(3, dtype=cp.uint64)
    nblk = sms() * BCH_BLOCKS
    state = {"cursor": 0, "codewords": BCH_CW0, "done": 0}

    def run(c0, cnt):
        deck((min(nblk, (cnt + 7) // 8),), (256,), (recv, galog, glog, U32(c0), U32(cnt), fixed, syn, lam, status,
                                                     stats))

    launch = wrapping_launch(state, "codewords", ncw, run)
    size_launch(launch, state, "codewords", BCH_MIN_CW, BCH_MAX_CW)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every codeword; by array operators: the error weights (popcounts of received XOR clean), every
    # codeword with at most t errors decoded to the clean one with its weight as the status, every one beyond t a
    # failure left as received, the syndromes zero exactly where there are no errors and S_2j = S_j^2, counters
    fixed.fill(0)
    status.fill(0)
    stats.fill(0)
    run(0, ncw)
    Rv, Cl, Fx = (a.reshape(ncw, nw) for a in (recv, clean, fixed))
    wt, fc, fr = [], [], []
    gen_ok = True
    for c0 in range(0, ncw, BCH_CHUNK):
        c1 = min(ncw, c0 + BCH_CHUNK)
        w = popcount64((Rv[c0:c1] ^ Cl[c0:c1]).view(cp.uint64), xp=cp).sum(axis=1).astype(cp.int64)
        ne = bch_drawn_xp(cp.arange(c0, c1, dtype=cp.uint64), cp)
        gen_ok &= bool(((w <= ne) & ((ne - w) % 2 == 0)).all())
        want = bch_data_words_xp(cp.arange(c0, c1, dtype=cp.uint64), cp)  # words P // 32 .. P // 32 + KW
        dw, sh = p // 32, p % 32
        top = min(nw, dw + BCH_K // 32 + 1)
        got = Cl[c0:c1].astype(cp.uint64)
        gen_ok &= bool(((got[:, dw] >> U64(sh)) == (want[:, 0] >> U64(sh))).all()) and \
            bool((got[:, dw + 1:top] == want[:, 1:top - dw]).all()) and bool((got[:, top:] == U64(0)).all())
        del want, got
        wt.append(w)
        fc.append((Fx[c0:c1] == Cl[c0:c1]).all(axis=1))
        fr.append((Fx[c0:c1] == Rv[c0:c1]).all(axis=1))
    wt, fc, fr = cp.concatenate(wt), cp.concatenate(fc), cp.concatenate(fr)
    st = status.astype(cp.int64)
    good = wt <= T
    dec_ok = bool(((st == wt) | ~good).all()) and bool(((st == BCH_FAIL) | good).all())
    fix_ok = bool((fc | ~good).all()) and bool((fr | good).all())
    Sy = syn.reshape(ncw, 2 * T).astype(cp.int64)
    sq = Sy[:, :T]  # S_1 .. S_t
    want_even = cp.where(sq == 0, 0, galog.astype(cp.int64)[(2 * glog.astype(cp.int64)[sq]) % ((1 << BCH_M) - 1)])
    syn_ok = bool(((Sy == 0).all(axis=1) == (wt == 0)).all()) and bool((Sy[:, 1::2] == want_even).all())
    lam_ok = bool((lam.reshape(ncw, T + 1)[:, 0] == 1).all())
    nfail, ncor, nclean = int((~good).sum()), int(wt[good].sum()), int((wt == 0).sum())
    hst = stats.get().astype(np.int64).tolist()
    count_ok = hst == [ncor, nfail, nclean]
    hist = np.bincount(wt.get(), minlength=T + 5)
    del Rv, Cl, Fx, wt, fc, fr, st, Sy, sq, want_even
    # sampled codewords (some beyond t errors among them): clean and received words against Python's big-integer
    # encoder and error draws, the syndromes against a Python GF's sums over the error positions, Lambda against
    # Python's Berlekamp-Massey (and the product of (1 + alpha^p x) over the errors), the status and corrections
    # against Python's root search
    rng = np.random.default_rng(93)
    heavy = np.nonzero(status.get() == BCH_FAIL)[0]
    picks = sorted(set(rng.choice(ncw, min(ncw, BCH_CHECK), replace=False).tolist()) |
                   set(rng.choice(heavy, min(len(heavy), BCH_CHECK // 4), replace=False).tolist()))
    ip = cp.asarray(np.array(picks, dtype=np.int64))
    hc, hr = clean.reshape(ncw, nw)[ip].get(), recv.reshape(ncw, nw)[ip].get()
    hs, hl, hst_ = syn.reshape(ncw, 2 * T)[ip].get(), lam.reshape(ncw, T + 1)[ip].get(), status[ip].get()
    gf = _GF()
    word_good = syn_good = lam_good = dec_good = 0
    for j, c in enumerate(picks):
        errs = bch_errors_py(c)
        cw = bch_clean_py(c, g)
        rw = cw ^ sum(1 << e for e in errs)
        word_good += hc[j].tolist() == [(cw >> (32 * k)) & M32 for k in range(nw)] and \
            hr[j].tolist() == [(rw >> (32 * k)) & M32 for k in range(nw)]
        sy = [0] * (2 * T)
        for e in errs:
            for r in range(2 * T):
                sy[r] ^= gf.exp[(e * (r + 1)) % gf.q1]
        syn_good += hs[j].tolist() == sy
        lp, L, roots = bch_decode_py(gf, sy, n)
        want_lam = lp[:T + 1] if L <= T else None
        if len(errs) <= T:
            prod = [1]
            for e in errs:
                x = gf.exp[e]
                prod = [a ^ gf.mul(x, b) for a, b in zip(prod + [0], [0] + prod)]
            want_lam = want_lam if want_lam == prod + [0] * (T + 1 - len(prod)) else "mismatch"
        lam_good += want_lam is None or hl[j].tolist() == want_lam
        want_st = BCH_FAIL if roots is None else L
        dec_good += int(hst_[j]) == want_st and (roots is None or roots == errs or len(errs) > T)
    ok = dec_ok and fix_ok and syn_ok and lam_ok and count_ok and gen_ok and word_good == len(picks) and \
        syn_good == len(picks) and lam_good == len(picks) and dec_good == len(picks)
    # "flipped bits" and "flips", not "errors": ingest.sh's log scan reads the word "error" as trouble (capture cc)
    note(f"bch/{variant}: {state['done']} codewords decoded after READY ({ncw} codewords of a ({n}, {BCH_K}) binary "
         f"BCH code over GF(2^{BCH_M}), t = {T}, {state['codewords']} codewords a launch), {ncor} flipped bits "
         f"corrected, {nclean} codewords clean, {nfail} beyond t ({int(hist[T + 1:].sum())} with {T + 1}-{T + 4} "
         f"flips) failed; every codeword with at most t flips corrected to the clean one and every other failed and "
         f"left as received: {dec_ok and fix_ok}, syndromes zero exactly without flips and S_2j = S_j^2: {syn_ok}, "
         f"Lambda_0 = 1: {lam_ok}, counters: {count_ok}, every clean codeword's data equal to a regeneration and "
         f"every flip count within the drawn count (of its parity): {gen_ok}, {len(picks)} codewords "
         f"({len(set(picks) & set(heavy.tolist()))} failed) equal to Python's encoder and flip draws: {word_good}, "
         f"their syndromes equal to a Python GF's: {syn_good}, Lambda to Python's Berlekamp-Massey and the flip "
         f"positions': {lam_good}, status and positions to Python's search: {dec_good}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({state['codewords'] / per / 1e6:.2f} M codewords/s, "
         f"{state['codewords'] * BCH_K / 8 / per / 1e9:.2f} GB of data/s), {nl} a step")
