"""More proof-of-work hashing (label 1), driven like hashing.py's families: two more memory-hard ones and an
X11-like chain.

  cnight  CryptoNight-like, memory-hard and latency-bound. A hash is explode, main loop, implode on a
          scratchpad in global memory: explode fills it 16 bytes at a time by 10 AES rounds (four T-tables in
          shared memory) from keys made from the nonce; the main loop makes data-dependent 16-byte reads and
          writes, each read feeding the next address, mixing with one AES round and a 64 x 64 -> 128-bit multiply
          (__umul64hi and a plain 64-bit mul); implode reads the pad back through 10 AES rounds a slot, and a
          finalisation compares against the target. The scratchpad is the warp's, not the thread's: 2 MiB a
          thread would be 528 GiB at the full grid (270,336 threads on 132 SMs), so each warp owns a 512 KiB pad
          (32,768 slots) and its 32 threads' chains (a nonce each) all read and write it: 4.1 GiB at the full
          grid, 80 times the L2, so the dependent reads go to DRAM as CryptoNight's do (GPU miners there cap the
          threads to what fits memory; here the variant sets the grid, so the pad is shared instead).
  argon   Argon2d-like, memory-hard and bandwidth-bound. A thread block is one instance whose lanes are its
          warps (8 at the full grid, 2 at `low`), each lane 512 blocks of 1 KiB (4.1 GiB at the full grid), the
          lane cut into four slices with a block barrier between. Each new block is the compression of the
          previous block XOR a reference block chosen from the previous block's first word (Argon2d's J1/J2:
          the lane, then a position by the squaring map over the allowed area, other lanes' finished slices
          included): the BLAKE2b round with the fBlaMka multiply-add, a + b + 2 * lo32(a) * lo32(b), over the
          rows then the columns of the block. As GPU Argon2 does, a warp computes a lane: 32 threads each hold
          4 of the block's 128 64-bit words, G runs on a thread's four words, the diagonal step and the
          row-to-column transposition are warp shuffles. Two passes (the second XORs over the first); then the
          lanes' last blocks are XORed, compressed once more and compared, one hash an instance.
  x11     X11-like chained compute-bound hashing: each round hashes a new nonce through five different 512-bit
          functions in sequence: BLAKE-512-like (16 rounds of the 64-bit G, message permutations), Groestl-like
          (P and Q permutations of an 8x8 byte state by four 2 KiB 64-bit T-tables in shared memory, 30 rounds
          a hash), Skein-like (Threefish-512: 72 rounds of 64-bit add/rotate/xor MIX with word permutation and
          key injection), JH-like (42 rounds of a bit-sliced 4-bit S-box network, a GF(16) linear layer and
          bit-swap permutations on a 1024-bit state) and Keccak-512 (24 rounds of Keccak-f[1600]). Integer and
          bitwise work only; the largest table is the 8 KiB in shared memory.

Why: leave-one-family-out of the model misses the memory-hard families that have no kin in the data (held out,
hash_dag scores 0.05 per sample, hash_randomx 0.10, hash_equihash 0.10). cnight (latency-bound dependent
16-byte DRAM reads and writes) and argon (1 KiB block streams, bandwidth-bound, 64-bit multiply-add) are
memory-hard in two more ways; x11 is a chained, table-heavy compute family beside hashing_program.py's chain
(one 32-bit round of each function), with full-width 64-bit rounds, 8 KiB of shared tables and high register
pressure.

cnight and argon keep a hash's state in device memory between launches (as xmr-stak's bfactor splits the
CryptoNight loop into many launches): a launch runs `iters` steps of the hash in progress (cnight: a slot of
explode or implode, or a main-loop iteration, a thread; argon: a 1 KiB block a lane), starting new hashes as
old ones finish, so every variant's launch length holds, and `hashes` counts finished hashes (a thread's for
cnight, an instance's for argon). Their memory is allocated once, for the full grid. x11 runs `iters` whole
hashes a thread a launch. hashing.drive() does the rest (calibration, variants, clock).
"""
from math import isqrt

from common import KECCAKF_CUDA, aes_sbox, keccak_round_constants, note
from hashing import HEAD, TARGET, PowKernel, _consts, check_variant, drive, grid_of

MASK64 = (1 << 64) - 1


def _lit(values, bits):
    suffix = "ull" if bits == 64 else "u"
    return ", ".join(f"0x{v:x}{suffix}" for v in values)


def _gf_tables():
    """exp and log tables of GF(2^8) mod x^8 + x^4 + x^3 + x + 1 (AES, Groestl), generator 3."""
    exp, log, x = [0] * 510, [0] * 256, 1
    for i in range(255):
        exp[i] = exp[i + 255] = x
        log[x] = i
        x ^= (x << 1) ^ (0x11B if x & 0x80 else 0)  # x * 3
        x &= 0xFF
    return exp, log


_EXP, _LOG = _gf_tables()


def _gmul(a, b):
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


SBOX = aes_sbox()


def _aes_tables():
    """AES encryption T-tables T0..T3 (1024 words, byte 0 the state's row 0): T0[x] = (2s, s, s, 3s)."""
    t0 = [_gmul(s, 2) | s << 8 | s << 16 | _gmul(s, 3) << 24 for s in SBOX]
    return [((v << (8 * k)) | (v >> (32 - 8 * k))) & 0xFFFFFFFF for k in range(4) for v in t0]


def _groestl_tables():
    """Groestl-like T-tables T0..T3 (1024 64-bit words, byte i the column's row i): S-box, then column k of
    the circulant MixBytes matrix circ(2, 2, 3, 4, 5, 3, 5, 7); T_k is T_0 rotated by k bytes."""
    v0 = (2, 7, 5, 3, 5, 4, 3, 2)
    t0 = [sum(_gmul(v0[i], s) << (8 * i) for i in range(8)) for s in SBOX]
    return [((v << (8 * k)) | (v >> (64 - 8 * k))) & MASK64 if k else v for k in range(4) for v in t0]


def _sha512_iv():
    """SHA-512's initial words: the fractional parts of the square roots of the first eight primes."""
    return [isqrt(p << 128) & MASK64 for p in (2, 3, 5, 7, 11, 13, 17, 19)]


# ---------------------------------------------------------------------------------------------------------------
# cnight: a warp's scratchpad of CN_SLOTS 16-byte slots; a hash is CN_STEPS steps a thread:
# CN_FILL explode steps (a slot each), CN_MAIN main-loop iterations, CN_FILL implode steps.
CN_SLOTS = 1 << 15   # 512 KiB a warp
CN_FILL = CN_SLOTS // 32
CN_MAIN = 4096       # 32 chains x 4096 iterations x 2 reads: each slot read 8 times a hash, as in CryptoNight
CN_STEPS = 2 * CN_FILL + CN_MAIN

AES_HEAD = r"""
__constant__ unsigned int TE[1024] = { %TE% };
// one AES round (SubBytes, ShiftRows, MixColumns, AddRoundKey) by the four T-tables in shared memory
__device__ __forceinline__ uint4 aes_round(const unsigned int* T, uint4 x, uint4 k) {
  uint4 y;
  y.x = T[x.x & 255u] ^ T[256 + ((x.y >> 8) & 255u)] ^ T[512 + ((x.z >> 16) & 255u)] ^ T[768 + (x.w >> 24)] ^ k.x;
  y.y = T[x.y & 255u] ^ T[256 + ((x.z >> 8) & 255u)] ^ T[512 + ((x.w >> 16) & 255u)] ^ T[768 + (x.x >> 24)] ^ k.y;
  y.z = T[x.z & 255u] ^ T[256 + ((x.w >> 8) & 255u)] ^ T[512 + ((x.x >> 16) & 255u)] ^ T[768 + (x.y >> 24)] ^ k.z;
  y.w = T[x.w & 255u] ^ T[256 + ((x.x >> 8) & 255u)] ^ T[512 + ((x.y >> 16) & 255u)] ^ T[768 + (x.z >> 24)] ^ k.w;
  return y;
}
""".replace("%TE%", _lit(_aes_tables(), 32))

SRC = {}  # family -> CUDA source, each with a `hash` kernel

SRC["cnight"] = HEAD + AES_HEAD + r"""
#define SLOTS %SLOTS%
#define FILL %FILL%
#define MAIN %MAIN%
#define STEPS (2 * FILL + MAIN)
__device__ __forceinline__ uint4 x4(uint4 a, uint4 b) { return make_uint4(a.x ^ b.x, a.y ^ b.y, a.z ^ b.z, a.w ^ b.w); }
__device__ __forceinline__ unsigned long long lo64(uint4 v) { return ((unsigned long long)v.y << 32) | v.x; }
__device__ __forceinline__ unsigned long long hi64(uint4 v) { return ((unsigned long long)v.w << 32) | v.z; }
__device__ __forceinline__ uint4 u4(unsigned long long lo, unsigned long long hi) {
  return make_uint4((unsigned int)lo, (unsigned int)(lo >> 32), (unsigned int)hi, (unsigned int)(hi >> 32));
}
__device__ __forceinline__ unsigned long long mix64(unsigned long long z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
// ten rounds, the two keys alternating (as CryptoNight's explode and implode run ten AES rounds a block)
__device__ __forceinline__ uint4 aes10(const unsigned int* T, uint4 x, uint4 k0, uint4 k1) {
#pragma unroll
  for (int r = 0; r < 5; ++r) { x = aes_round(T, x, k0); x = aes_round(T, x, k1); }
  return x;
}
// pad: a warp's SLOTS slots each; st: a thread's state (a, b, k0, k1) at st[q * threads + thread], kept between
// launches. pos: the step of the hash in progress (the same for every thread); nonce0 that hash's first nonce.
extern "C" __global__ void hash(uint4* pad, uint4* st, unsigned long long nonce0, unsigned int pos, int iters,
                                unsigned int target, unsigned int* hits) {
  __shared__ unsigned int T[1024];
  for (int i = threadIdx.x; i < 1024; i += blockDim.x) T[i] = TE[i];
  __syncthreads();
  const unsigned long long nT = (unsigned long long)gridDim.x * blockDim.x;
  const unsigned long long t = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned int lane = threadIdx.x & 31u;
  uint4* P = pad + (t >> 5) * SLOTS;
  uint4 a = st[t], b = st[nT + t], k0 = st[2 * nT + t], k1 = st[3 * nT + t];
  unsigned long long n = nonce_of(nonce0);
  unsigned int s = pos, found = 0, left = (unsigned int)iters;
  while (left > 0) {
    if (s == STEPS) { s = 0; n += nT; }  // the next hash: the next nonce range
    if (s < FILL) {
      if (s == 0) {  // keys and the first block from the nonce
        const unsigned long long z0 = mix64(n ^ 0x6A09E667F3BCC908ull), z1 = mix64(z0 + n), z2 = mix64(z1 ^ 0x3C6EF372FE94F82Bull);
        const unsigned long long z3 = mix64(z2 + 0x510E527FADE682D1ull), z4 = mix64(z3 ^ n), z5 = mix64(z4 + 0x1F83D9ABFB41BD6Bull);
        k0 = u4(z0, z1); k1 = u4(z2, z3); b = u4(z4, z5);
      }
      const unsigned int e = s + min(left, FILL - s);
      left -= e - s;
#pragma unroll 1
      for (; s < e; ++s) {  // explode: the warp writes 512 contiguous bytes a step
        b = aes10(T, b, k0, k1);
        P[s * 32 + lane] = b;
      }
    } else if (s < FILL + MAIN) {
      if (s == FILL) { __syncwarp(); a = x4(k0, b); b = x4(k1, aes_round(T, b, k0)); }
      const unsigned int e = s + min(left, FILL + MAIN - s);
      left -= e - s;
#pragma unroll 1
      for (; s < e; ++s) {  // each read's address comes from the value before it
        uint4* p = P + (a.x & (SLOTS - 1));
        uint4 c = *p;
        c = aes_round(T, c, a);
        *p = x4(b, c);
        b = c;
        p = P + (c.x & (SLOTS - 1));
        const uint4 d = *p;
        const unsigned long long c0 = lo64(c), d0 = lo64(d);
        const unsigned long long hi = __umul64hi(c0, d0), lo = c0 * d0;
        const unsigned long long a0 = lo64(a) + hi, a1 = hi64(a) + lo;
        *p = u4(a0, a1);
        a = u4(a0 ^ d0, a1 ^ hi64(d));
      }
    } else {
      if (s == FILL + MAIN) { __syncwarp(); b = x4(a, b); }
      const unsigned int e = s + min(left, STEPS - s);
      left -= e - s;
#pragma unroll 1
      for (; s < e; ++s) b = aes10(T, x4(b, P[(s - FILL - MAIN) * 32 + lane]), k1, k0);  // implode
      if (s == STEPS) {  // finalisation
        const uint4 h = aes_round(T, aes_round(T, x4(a, b), k0), k1);
        found += (h.x ^ h.z) < target;
      }
    }
  }
  st[t] = a; st[nT + t] = b; st[2 * nT + t] = k0; st[3 * nT + t] = k1;
  if (found) atomicAdd(hits, found);
}
""".replace("%SLOTS%", str(CN_SLOTS)).replace("%FILL%", str(CN_FILL)).replace("%MAIN%", str(CN_MAIN))

# ---------------------------------------------------------------------------------------------------------------
# argon: a lane is AR_LANE 1 KiB blocks; a hash is AR_STEPS steps (the first two blocks of every lane, then a
# block a lane a step: blocks 2.. of the first pass, every block of each later one).
AR_LANE = 512
AR_PASSES = 2
AR_STEPS = 1 + (AR_LANE - 2) + (AR_PASSES - 1) * AR_LANE

SRC["argon"] = HEAD + r"""
#define LB %LB%
#define SEG (LB / 4)
#define PASSES %PASSES%
#define STEPS (1 + (LB - 2) + (PASSES - 1) * LB)
#define FULL 0xFFFFFFFFu
typedef unsigned long long u64;
__device__ __forceinline__ u64 rotr64(u64 x, int n) { return (x >> n) | (x << (64 - n)); }
// fBlaMka: a + b + 2 * lo32(a) * lo32(b)
__device__ __forceinline__ u64 bla(u64 a, u64 b) { return a + b + 2ull * ((u64)(unsigned int)a * (u64)(unsigned int)b); }
#define GB(a, b, c, d)                                        \
  a = bla(a, b); d = rotr64(d ^ a, 32); c = bla(c, d); b = rotr64(b ^ c, 24); \
  a = bla(a, b); d = rotr64(d ^ a, 16); c = bla(c, d); b = rotr64(b ^ c, 63);
__device__ __forceinline__ u64 mix64(u64 z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
// A block is 128 words held by a warp, 4 a thread. Row layout: thread 4r + k holds words 16r + k + 4m (m = 0..3),
// so the BLAKE2b round on row r (words 16r..16r+15 as v0..v15) finds v_k, v_k+4, v_k+8, v_k+12 in thread k of the
// row's four: G on a thread's own words for the columns of the 4x4, three shuffles for the diagonals.
// Column layout: thread 4i + k holds v_k, v_k+4, v_k+8, v_k+12 of column i (the 16-byte registers i, i+8, ..,
// i+56, v_j = word 16 (j >> 1) + 2i + (j & 1)), so the same round applies.
__device__ __forceinline__ void round4(u64& z0, u64& z1, u64& z2, u64& z3, unsigned int lane) {
  const unsigned int g = lane & ~3u;
  GB(z0, z1, z2, z3);
  z1 = __shfl_sync(FULL, z1, g | ((lane + 1) & 3u));
  z2 = __shfl_sync(FULL, z2, g | ((lane + 2) & 3u));
  z3 = __shfl_sync(FULL, z3, g | ((lane + 3) & 3u));
  GB(z0, z1, z2, z3);
  z1 = __shfl_sync(FULL, z1, g | ((lane + 3) & 3u));
  z2 = __shfl_sync(FULL, z2, g | ((lane + 2) & 3u));
  z3 = __shfl_sync(FULL, z3, g | ((lane + 1) & 3u));
}
__device__ __forceinline__ u64 pick(u64 z0, u64 z1, u64 z2, u64 z3, unsigned int i) {
  i &= 3u;
  return i == 0 ? z0 : i == 1 ? z1 : i == 2 ? z2 : z3;
}
// Row layout to column layout in four shuffles: in shuffle s, thread 4r + k sends its word m = (s + r / 2) % 4
// (word (r, k + 4m)) and the receiver stores it as its word (i / 2 - s) % 4, q = lane / 8 rotating both.
__device__ __forceinline__ void to_cols(u64& z0, u64& z1, u64& z2, u64& z3, unsigned int lane) {
  const unsigned int q = lane >> 3, i = lane >> 2, k = lane & 3u;
  u64 d[4];
#pragma unroll
  for (unsigned int s = 0; s < 4; ++s) {
    const unsigned int src = 4 * (2 * (((i >> 1) - s) & 3u) + (k >> 1)) + 2 * (i & 1u) + (k & 1u);
    d[s] = __shfl_sync(FULL, pick(z0, z1, z2, z3, s + q), src);
  }
  z0 = pick(d[0], d[1], d[2], d[3], q); z1 = pick(d[0], d[1], d[2], d[3], q - 1);
  z2 = pick(d[0], d[1], d[2], d[3], q - 2); z3 = pick(d[0], d[1], d[2], d[3], q - 3);
}
// and back: the same four exchanges reversed
__device__ __forceinline__ void to_rows(u64& z0, u64& z1, u64& z2, u64& z3, unsigned int lane) {
  const unsigned int q = lane >> 3, r = lane >> 2, k = lane & 3u;
  u64 d[4];
#pragma unroll
  for (unsigned int s = 0; s < 4; ++s) {
    const unsigned int src = 8 * ((s + q) & 3u) + 4 * (k >> 1) + 2 * (r & 1u) + (k & 1u);
    d[s] = __shfl_sync(FULL, pick(z0, z1, z2, z3, q - s), src);
  }
  z0 = pick(d[0], d[1], d[2], d[3], 0 - q); z1 = pick(d[0], d[1], d[2], d[3], 1 - q);
  z2 = pick(d[0], d[1], d[2], d[3], 2 - q); z3 = pick(d[0], d[1], d[2], d[3], 3 - q);
}
// Argon2's compression of R = X ^ Y (in z, row layout): P on the rows, P on the columns, XOR R
__device__ __forceinline__ void compress(u64& z0, u64& z1, u64& z2, u64& z3, unsigned int lane) {
  const u64 r0 = z0, r1 = z1, r2 = z2, r3 = z3;
  round4(z0, z1, z2, z3, lane);
  to_cols(z0, z1, z2, z3, lane);
  round4(z0, z1, z2, z3, lane);
  to_rows(z0, z1, z2, z3, lane);
  z0 ^= r0; z1 ^= r1; z2 ^= r2; z3 ^= r3;
}
// step s >= 1: the pass and the block it computes in every lane
__device__ __forceinline__ void step_block(unsigned int s, unsigned int& pass, unsigned int& j) {
  if (s <= LB - 2) { pass = 0; j = s + 1; }
  else { const unsigned int u = s - (LB - 1); pass = 1 + u / LB; j = u % LB; }
}
// mem: an instance (thread block) of p = blockDim.x / 32 lanes (warps) of LB blocks, each block 128 words stored
// in the warp's order (word m of thread L at 32m + L, so a warp's four loads and stores a block are 256 B each).
extern "C" __global__ void hash(u64* mem, unsigned long long nonce0, unsigned int pos, int iters, unsigned int target,
                                unsigned int* hits) {
  __shared__ u64 fin[128];
  const unsigned int lane = threadIdx.x & 31u, w = threadIdx.x >> 5, p = blockDim.x >> 5;
  u64* area = mem + (u64)blockIdx.x * p * LB * 128 + lane;
#define BLK(l, j) (area + ((u64)(l) * LB + (j)) * 128)
  u64 x0 = 0, x1 = 0, x2 = 0, x3 = 0;  // the previous block
  unsigned int s = pos, found = 0;
  u64 n = nonce0 + blockIdx.x;
  if (s > 0) {
    unsigned int pass, j = 1;
    if (s > 1) step_block(s - 1, pass, j);
    const u64* b = BLK(w, j);
    x0 = b[0]; x1 = b[32]; x2 = b[64]; x3 = b[96];
  }
  for (int it = 0; it < iters; ++it) {
    if (s == STEPS) { s = 0; n += gridDim.x; }  // the next hash: the next nonce
    if (s == 0) {  // blocks 0 and 1 of every lane from the nonce, the lane and the word
      const u64 seed = mix64(n * 0x9E3779B97F4A7C15ull + w);
#pragma unroll
      for (unsigned int b = 0; b < 2; ++b) {
        u64* o = BLK(w, b);
#pragma unroll
        for (unsigned int m = 0; m < 4; ++m) o[32 * m] = mix64(seed ^ ((u64)(b * 128 + 32 * m + lane) << 40));
      }
      x0 = mix64(seed ^ ((u64)(128 + lane) << 40)); x1 = mix64(seed ^ ((u64)(160 + lane) << 40));
      x2 = mix64(seed ^ ((u64)(192 + lane) << 40)); x3 = mix64(seed ^ ((u64)(224 + lane) << 40));
      ++s;
      continue;
    }
    unsigned int pass, j;
    step_block(s, pass, j);
    const unsigned int slice = j / SEG, idx = j % SEG;
    if (idx == 0) __syncthreads();  // every lane has finished the slice before
    const u64 w0 = __shfl_sync(FULL, x0, 0);  // the previous block's first word: J1, J2
    const unsigned int J1 = (unsigned int)w0, J2 = (unsigned int)(w0 >> 32);
    const unsigned int rl = (pass == 0 && slice == 0) ? w : J2 % p;
    unsigned int W, start;
    if (pass == 0) { start = 0; W = rl == w ? j - 1 : slice * SEG - (idx == 0); }
    else { start = ((slice + 1) & 3u) * SEG; W = rl == w ? 3 * SEG + idx - 1 : 3 * SEG - (idx == 0); }
    const u64 xx = ((u64)J1 * J1) >> 32, y = ((u64)W * xx) >> 32;
    const u64* rb = BLK(rl, (start + W - 1 - (unsigned int)y) % LB);
    u64* cb = BLK(w, j);
    u64 z0 = x0 ^ rb[0], z1 = x1 ^ rb[32], z2 = x2 ^ rb[64], z3 = x3 ^ rb[96];
    compress(z0, z1, z2, z3, lane);
    if (pass > 0) { z0 ^= cb[0]; z1 ^= cb[32]; z2 ^= cb[64]; z3 ^= cb[96]; }
    cb[0] = z0; cb[32] = z1; cb[64] = z2; cb[96] = z3;
    x0 = z0; x1 = z1; x2 = z2; x3 = z3;
    if (s == STEPS - 1) {  // the lanes' last blocks XORed, compressed, folded to a word
      __syncthreads();
      for (int i = threadIdx.x; i < 128; i += blockDim.x) fin[i] = 0;
      __syncthreads();
      atomicXor(&fin[lane], x0); atomicXor(&fin[32 + lane], x1); atomicXor(&fin[64 + lane], x2); atomicXor(&fin[96 + lane], x3);
      __syncthreads();
      if (w == 0) {
        u64 f0 = fin[lane], f1 = fin[32 + lane], f2 = fin[64 + lane], f3 = fin[96 + lane];
        compress(f0, f1, f2, f3, lane);
        u64 h = f0 ^ f1 ^ f2 ^ f3;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) h ^= __shfl_xor_sync(FULL, h, o);
        if (lane == 0 && (unsigned int)h < target) ++found;
      }
    }
    ++s;
  }
#undef BLK
  if (found) atomicAdd(hits, found);
}
""".replace("%LB%", str(AR_LANE)).replace("%PASSES%", str(AR_PASSES))

# ---------------------------------------------------------------------------------------------------------------
# x11: five 512-bit functions in sequence, a nonce a round.
BLAKE_SIGMA = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
]
THREEFISH_R = [[46, 36, 19, 37], [33, 27, 14, 42], [17, 49, 36, 39], [44, 9, 54, 56],
               [39, 30, 34, 24], [13, 50, 10, 17], [25, 29, 39, 43], [8, 35, 56, 22]]

SRC["x11"] = HEAD + r"""
typedef unsigned long long u64;
__device__ __forceinline__ u64 rotr64(u64 x, int n) { return (x >> n) | (x << ((64 - n) & 63)); }
__constant__ u64 GT[1024] = { %GT% };
__constant__ u64 JHC[168] = { %JHC% };
__constant__ u64 KRC[24] = { %KRC% };
%KECCAKF%
// 1. BLAKE-512-like: 16 rounds of the 64-bit G (rotations 32, 25, 16, 11) on v[16], the message permuted by sigma
#define BG(a, b, c, d, x, y)                                                   \
  a += b + (x); d = rotr64(d ^ a, 32); c += d; b = rotr64(b ^ c, 25);          \
  a += b + (y); d = rotr64(d ^ a, 16); c += d; b = rotr64(b ^ c, 11);
__device__ __forceinline__ void blake(u64* h) {
  const int S[10][16] = { %SIGMA% };
  const u64 C[16] = { %BC% };
  const u64 IV[8] = { %IV% };
  u64 m[16], v[16];
#pragma unroll
  for (int i = 0; i < 8; ++i) { m[i] = h[i]; m[i + 8] = 0; v[i] = IV[i]; v[i + 8] = C[i]; }
  m[8] = 0x8000000000000000ull; m[13] = 1; m[15] = 512;
  v[12] ^= 512; v[13] ^= 512;
#pragma unroll
  for (int r = 0; r < 16; ++r) {
    const int* s = S[r % 10];
    BG(v[0], v[4], v[8], v[12], m[s[0]] ^ C[s[1]], m[s[1]] ^ C[s[0]]);
    BG(v[1], v[5], v[9], v[13], m[s[2]] ^ C[s[3]], m[s[3]] ^ C[s[2]]);
    BG(v[2], v[6], v[10], v[14], m[s[4]] ^ C[s[5]], m[s[5]] ^ C[s[4]]);
    BG(v[3], v[7], v[11], v[15], m[s[6]] ^ C[s[7]], m[s[7]] ^ C[s[6]]);
    BG(v[0], v[5], v[10], v[15], m[s[8]] ^ C[s[9]], m[s[9]] ^ C[s[8]]);
    BG(v[1], v[6], v[11], v[12], m[s[10]] ^ C[s[11]], m[s[11]] ^ C[s[10]]);
    BG(v[2], v[7], v[8], v[13], m[s[12]] ^ C[s[13]], m[s[13]] ^ C[s[12]]);
    BG(v[3], v[4], v[9], v[14], m[s[14]] ^ C[s[15]], m[s[15]] ^ C[s[14]]);
  }
#pragma unroll
  for (int i = 0; i < 8; ++i) h[i] = IV[i] ^ v[i] ^ v[i + 8];
}

// 2. Groestl-like: 8 columns of 8 bytes; a round adds constants, then each new column is the XOR of eight
// T-table lookups (S-box + MixBytes) of bytes k of the columns j + shift_k. T4..T7 are T0..T3 with halves swapped.
__device__ __forceinline__ u64 tlook(const u64* T, int k, u64 col) {
  const unsigned int x = (unsigned int)(col >> (8 * k)) & 255u;
  if (k < 4) return T[k * 256 + x];
  const u64 v = T[(k - 4) * 256 + x];
  return (v << 32) | (v >> 32);
}
template <bool Q>
__device__ __forceinline__ void gperm(const u64* T, u64* a) {
  const int SH[8] = {Q ? 1 : 0, Q ? 3 : 1, Q ? 5 : 2, Q ? 7 : 3, Q ? 0 : 4, Q ? 2 : 5, Q ? 4 : 6, Q ? 6 : 7};
#pragma unroll 1
  for (unsigned int r = 0; r < 10; ++r) {
#pragma unroll
    for (int j = 0; j < 8; ++j)
      a[j] ^= Q ? ~(((u64)((j << 4) ^ r)) << 56) : (u64)((j << 4) ^ r);
    u64 b[8];
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      u64 x = 0;
#pragma unroll
      for (int k = 0; k < 8; ++k) x ^= tlook(T, k, a[(j + SH[k]) & 7]);
      b[j] = x;
    }
#pragma unroll
    for (int j = 0; j < 8; ++j) a[j] = b[j];
  }
}
__device__ __forceinline__ void groestl(const u64* T, u64* h) {
  u64 p[8], q[8];
#pragma unroll
  for (int j = 0; j < 8; ++j) { q[j] = h[j]; p[j] = h[j] ^ (j == 7 ? 0x0002000000000000ull : 0ull); }
  gperm<false>(T, p);
  gperm<true>(T, q);
#pragma unroll
  for (int j = 0; j < 8; ++j) { p[j] ^= q[j] ^ (j == 7 ? 0x0002000000000000ull : 0ull); q[j] = p[j]; }
  gperm<false>(T, p);  // output transformation
#pragma unroll
  for (int j = 0; j < 8; ++j) h[j] = p[j] ^ q[j];
}

// 3. Skein-like: Threefish-512, 72 rounds of four MIX (add, rotate, xor) and a word permutation, a subkey
// injected every four rounds; the message XORed back on (UBI's feed-forward)
__device__ __forceinline__ void skein(u64* h) {
  const int R[8][4] = { %TFR% };
  const u64 K0[8] = { %SK% };
  u64 k[9], t[3] = {64ull, 0xF000000000000000ull, 64ull ^ 0xF000000000000000ull}, x[8];
  k[8] = 0x1BD11BDAA9FC1A22ull;
#pragma unroll
  for (int i = 0; i < 8; ++i) { k[i] = K0[i]; k[8] ^= K0[i]; x[i] = h[i]; }
#pragma unroll
  for (int d = 0; d < 18; ++d) {
#pragma unroll
    for (int i = 0; i < 8; ++i) x[i] += k[(d + i) % 9];
    x[5] += t[d % 3]; x[6] += t[(d + 1) % 3]; x[7] += (u64)d;
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const int* rr = R[(d & 1) * 4 + r];
      x[0] += x[1]; x[1] = rotl64(x[1], rr[0]) ^ x[0];
      x[2] += x[3]; x[3] = rotl64(x[3], rr[1]) ^ x[2];
      x[4] += x[5]; x[5] = rotl64(x[5], rr[2]) ^ x[4];
      x[6] += x[7]; x[7] = rotl64(x[7], rr[3]) ^ x[6];
      const u64 y0 = x[2], y2 = x[4], y3 = x[7], y4 = x[6], y6 = x[0], y7 = x[3];
      x[0] = y0; x[2] = y2; x[3] = y3; x[4] = y4; x[6] = y6; x[7] = y7;
    }
  }
#pragma unroll
  for (int i = 0; i < 8; ++i) x[i] += k[(18 + i) % 9];
  x[5] += t[0]; x[6] += t[1]; x[7] += 18ull;
#pragma unroll
  for (int i = 0; i < 8; ++i) h[i] ^= x[i];
}

// 4. JH-like: a 1024-bit state as eight 128-bit words H0..H7 (h[2i], h[2i + 1]); a round: a bit-sliced 4-bit
// S-box network on the even words and on the odd ones (each line updates one slice from the others, so it is
// invertible; constant bits pick the variant), a linear layer (the odd group ^= 2 * even in GF(16), then the even
// ^= 2 * odd), and a swap of bit groups of size 1, 2, 4, .., 64 in the odd words (the round's type).
__device__ __forceinline__ void jsbox(u64& x0, u64& x1, u64& x2, u64& x3, u64 c) {
  x0 ^= (x1 & x2) ^ c;
  x1 ^= x3 | ~x0;
  x2 ^= (x0 & ~x3) ^ x1;
  x3 ^= (x1 ^ c) & x2;
  x0 ^= x2 | x3;
  x1 ^= ~(x0 & x3) ^ x2;
  x2 ^= x0 ^ (x1 & ~c);
}
__device__ __forceinline__ u64 jswap(u64 x, u64 m, int n) { return ((x & m) << n) | ((x >> n) & m); }
template <int TYPE>
__device__ __forceinline__ void jround(u64* h, const u64* c) {
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    u64* e0 = &h[0 + half]; u64* e1 = &h[4 + half]; u64* e2 = &h[8 + half]; u64* e3 = &h[12 + half];
    u64* o0 = &h[2 + half]; u64* o1 = &h[6 + half]; u64* o2 = &h[10 + half]; u64* o3 = &h[14 + half];
    jsbox(*e0, *e1, *e2, *e3, c[half]);
    jsbox(*o0, *o1, *o2, *o3, c[2 + half]);
    *o0 ^= *e3; *o1 ^= *e0 ^ *e3; *o2 ^= *e1; *o3 ^= *e2;
    *e0 ^= *o3; *e1 ^= *o0 ^ *o3; *e2 ^= *o1; *e3 ^= *o2;
  }
  const u64 M[6] = {0x5555555555555555ull, 0x3333333333333333ull, 0x0F0F0F0F0F0F0F0Full,
                    0x00FF00FF00FF00FFull, 0x0000FFFF0000FFFFull, 0x00000000FFFFFFFFull};
#pragma unroll
  for (int i = 2; i < 16; i += 4) {
    if (TYPE < 6) { h[i] = jswap(h[i], M[TYPE], 1 << TYPE); h[i + 1] = jswap(h[i + 1], M[TYPE], 1 << TYPE); }
    else { const u64 v = h[i]; h[i] = h[i + 1]; h[i + 1] = v; }
  }
}
__device__ __forceinline__ void jh(u64* out) {
  const u64 IV[16] = { %JIV% };
  u64 h[16];
#pragma unroll
  for (int i = 0; i < 16; ++i) h[i] = IV[i] ^ (i < 8 ? out[i] : 0ull);
#pragma unroll 1
  for (int r = 0; r < 42; r += 7) {
    jround<0>(h, JHC + 4 * r); jround<1>(h, JHC + 4 * r + 4); jround<2>(h, JHC + 4 * r + 8);
    jround<3>(h, JHC + 4 * r + 12); jround<4>(h, JHC + 4 * r + 16); jround<5>(h, JHC + 4 * r + 20);
    jround<6>(h, JHC + 4 * r + 24);
  }
#pragma unroll
  for (int i = 0; i < 8; ++i) out[i] ^= h[i + 8];
}

// 5. Keccak-512: the message in the first 8 of 9 rate lanes, padding, 24 rounds of Keccak-f[1600]
__device__ __forceinline__ void keccak(u64* h) {
  u64 a[25];
#pragma unroll
  for (int i = 0; i < 25; ++i) a[i] = i < 8 ? h[i] : 0ull;
  a[8] = 0x8000000000000001ull;
  keccakf(a);
#pragma unroll
  for (int i = 0; i < 8; ++i) h[i] = a[i];
}

// a thread hashes `iters` nonces (nonce_of(nonce0) + it * threads), each through the whole chain
extern "C" __global__ void hash(unsigned long long nonce0, int iters, unsigned int target, unsigned int* hits) {
  __shared__ u64 T[1024];
  for (int i = threadIdx.x; i < 1024; i += blockDim.x) T[i] = GT[i];
  __syncthreads();
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 HDR[8] = { %HDR% };  // the job's header words
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    u64 h[8];
#pragma unroll
    for (int i = 0; i < 8; ++i) h[i] = HDR[i];
    h[7] ^= nonce_of(nonce0) + (u64)it * nT;
    blake(h);
    groestl(T, h);
    skein(h);
    jh(h);
    keccak(h);
    found += (unsigned int)(h[0] ^ h[5]) < target;
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%GT%", _lit(_groestl_tables(), 64)).replace("%JHC%", _consts(168, 0x4A48, 64)) \
   .replace("%KRC%", _lit(keccak_round_constants(), 64)) \
   .replace("%KECCAKF%", KECCAKF_CUDA) \
   .replace("%SIGMA%", ", ".join("{" + ", ".join(map(str, row)) + "}" for row in BLAKE_SIGMA)) \
   .replace("%BC%", _consts(16, 0x424C414B45, 64)).replace("%IV%", _lit(_sha512_iv(), 64)) \
   .replace("%TFR%", ", ".join("{" + ", ".join(map(str, row)) + "}" for row in THREEFISH_R)) \
   .replace("%SK%", _consts(8, 0x534B45494E, 64)).replace("%JIV%", _consts(16, 0x4A4849, 64)) \
   .replace("%HDR%", _consts(8, 0x484452, 64))


class CryptoNight(PowKernel):
    def __init__(self, variant):
        super().__init__("cnight")
        cp = self.cp
        blocks, threads = grid_of("full")  # room for the largest grid any variant launches
        warps = blocks * threads // 32
        self.pad = cp.empty(warps * CN_SLOTS * 4, dtype=cp.uint32)  # 16-byte slots, 512 KiB a warp
        self.state = cp.zeros(4 * blocks * threads * 4, dtype=cp.uint32)  # a, b, k0, k1 a thread
        self.kernel = cp.RawKernel(SRC["cnight"], "hash")
        self.pos = 0  # step of the hash in progress, the same in every thread
        note(f"cnight: {warps} warp scratchpads of {CN_SLOTS * 16 >> 10} KiB ({self.pad.nbytes / 2**30:.2f} GiB), "
             f"{CN_STEPS} steps a hash ({CN_FILL} explode, {CN_MAIN} main loop, {CN_FILL} implode)")

    def calibrate(self, grid, block, target_s):
        """Rounds a launch timed on main-loop steps, most of a hash's time (an explode or implode step, ten AES
        rounds a slot, is cheaper): the explode in progress is finished first."""
        if self.pos < CN_FILL:
            self.launch(grid, block, CN_FILL - self.pos)
        return super().calibrate(grid, block, target_s)

    def launch(self, grid, block, iters):
        cp = self.cp
        self.kernel((grid,), (block,), (self.pad, self.state, cp.uint64(self.nonce), cp.uint32(self.pos),
                                        cp.int32(iters), cp.uint32(TARGET), self.hits))
        done, self.pos = divmod(self.pos + iters, CN_STEPS)
        self.nonce += done * grid * block
        self.hashes += done * grid * block


class Argon(PowKernel):
    def __init__(self, variant):
        super().__init__("argon")
        cp = self.cp
        blocks, threads = grid_of("full")
        lanes = blocks * threads // 32
        self.mem = cp.empty(lanes * AR_LANE * 128, dtype=cp.uint64)  # 1 KiB blocks, AR_LANE a lane
        self.kernel = cp.RawKernel(SRC["argon"], "hash")
        self.pos = 0
        note(f"argon: {lanes} lanes of {AR_LANE} KiB ({self.mem.nbytes / 2**30:.2f} GiB), a thread block's warps an "
             f"instance, {AR_PASSES} passes, {AR_STEPS} steps a hash")

    def launch(self, grid, block, iters):
        cp = self.cp
        self.kernel((grid,), (block,), (self.mem, cp.uint64(self.nonce), cp.uint32(self.pos), cp.int32(iters),
                                        cp.uint32(TARGET), self.hits))
        done, self.pos = divmod(self.pos + iters, AR_STEPS)
        self.nonce += done * grid  # one hash an instance (thread block)
        self.hashes += done * grid


class X11(PowKernel):
    def __init__(self, variant):
        super().__init__("x11")
        self.kernel = self.cp.RawKernel(SRC["x11"], "hash")

    def launch(self, grid, block, iters):
        cp = self.cp
        self.kernel((grid,), (block,), (cp.uint64(self.nonce), cp.int32(iters), cp.uint32(TARGET), self.hits))
        self.nonce += grid * block * iters
        self.hashes += grid * block * iters


CLASSES = {"cnight": CryptoNight, "argon": Argon, "x11": X11}


def run(family, variant, clock):
    check_variant(variant)
    drive(CLASSES[family](variant), variant, clock)
