"""Three more proof-of-work hashing families (label 1), driven like hashing.py's: two more memory-hard ones in
new ways, and a cache-resident memory-hard chain.

  autolykos  Autolykos2-like (Ergo), bandwidth-bound random 32-byte reads. A table of 2^26 32-byte elements
             (2 GiB), element i the BLAKE2b-256 of (i, a block height), is made on the GPU at set-up. A hash:
             BLAKE2b-256 of (message, nonce) gives k = 32 indices (the 32-bit windows at bytes 0..31 of the digest,
             wrapping, masked to 26 bits, as Autolykos2 slides over its seed), the 32 elements are read and summed
             as 256-bit integers (64-bit limbs, carry chains), and BLAKE2b-256 of the sum is compared with the
             target. Every BLAKE2b here is the real one (12 rounds, one final block), so hashlib checks it.
  verthash   Verthash-like, latency-bound: a 4 GiB "data file" of 2^27 32-byte elements (splitmix64 words) made
             on the GPU at set-up. A hash: SHA3-256 of an 80-byte header (72 bytes and the nonce), then a chain of
             4096 dependent 32-byte reads, each address the FNV-1a of the running FNV-1a accumulator of every word
             read so far (and the step) with the last word of the previous read, each read folded by FNV-1a into
             the eight 32-bit words of the digest and into the accumulator; SHA3-256 of the eight words is compared
             with the target. A thread's chain is serial: one read in flight at a time.
  lyra2      Lyra2REv3-like, memory-hard in cache (L1/L2) rather than DRAM: BLAKE-256-like (14 rounds of the
             32-bit G on an 80-byte header with the nonce), Lyra2, CubeHash-like (CubeHash16/32-256: 16 rounds a
             32-byte block, 160 finalisation rounds), Lyra2 again, the last word compared. Lyra2 (as Lyra2REv3
             runs it: 4 rows x 4 columns of 12 64-bit words, time cost 1) is a sponge on 16 64-bit words with the
             BLAKE2b round without message words: the input and parameters absorbed by 12 rounds a block; setup
             squeezes row 0 and duplexes rows 1..3, one round a column, each new row written from the previous one
             and a revisited row* (rowa) which is rewritten too; the wandering phase duplexes every row once more
             with row* chosen by the state (Lyra2v3: state[state[i & 15] & 15] & 3), rewriting both; a last
             12-round absorb of row*'s first column gives the output. The matrix is a thread's, 1.5 KiB in global
             memory interleaved across threads (word w of thread t at w * threads + t, so a warp's accesses are
             coalesced), 396 MiB allocated for the full grid; what is live is the resident threads' matrices: a
             warp's are 48 KiB, at `low` (one 64-thread block an SM) 12 MiB in all, inside the L2; at the full grid
             (the kernel takes 100 registers a thread, so two 256-thread blocks an SM are resident) about 99 MiB,
             twice the L2, so there part of the matrix traffic reaches DRAM (GPU Lyra2 miners keep the matrix in
             shared memory, four threads a hash; not done here).

Why: leave-one-family-out of the model misses the memory-hard families that have no kin in the data; these add
Autolykos-style wide random 32-byte gathers summed with carries, a Verthash-style serial pointer chase through a
4 GiB file, and a Lyra2-style small read-write matrix that lives in cache, beside a 32-bit and a CubeHash ARX step.

autolykos and lyra2 run `iters` whole hashes a thread a launch (lyra2's hash is long: two Lyra2 calls of 68
BLAKE2b rounds each and 192 CubeHash rounds, so short and poll launches of the full grid are longer than asked,
as x11's are). verthash keeps a hash's state in device memory between launches, as hashing_more.py's cnight
does: a launch runs `iters` steps of the chain (a read each), starting new hashes as old ones finish. Memory is
allocated once, for the full grid. hashing.drive() does the rest (calibration, variants, clock).

Self-check: at set-up (before READY) one 32-thread launch of each family's own `hash` kernel on nonces
CHECK_NONCE.. writes its threads' final digests; four of them are compared with the pure-Python references
below (autolykos_ref, verthash_ref, lyra2_ref), and after drive()'s summary line a line says
`self-check: 4/4 ... agree: True`.
"""
import hashlib

from common import KECCAKF_CUDA, SPLITMIX_CUDA, keccak_round_constants, note, sms, splitmix64
from hashing import HEAD, TARGET, PowKernel, _consts, check_variant, drive, grid_of
from hashing_more import BLAKE_SIGMA, MASK64, _lit, _sha512_iv

M32 = 0xFFFFFFFF
CHECK_NONCE = 0x5EED_0000_0000
CHECK_THREADS = 32
CHECK_PICKS = (0, 9, 22, 31)


def _vals(count, seed, bits):
    """The values of hashing._consts(count, seed, bits) as ints."""
    return [int(v.rstrip("lu"), 16) for v in _consts(count, seed, bits).split(", ")]


def _le64(words):
    return b"".join((w & MASK64).to_bytes(8, "little") for w in words)


def _rotr64(x, n):
    return ((x >> n) | (x << (64 - n))) & MASK64


def _rotr32(x, n):
    return ((x >> n) | (x << (32 - n))) & M32


def _rotl32(x, n):
    return ((x << n) | (x >> (32 - n))) & M32


SIGMA_C = ", ".join("{" + ", ".join(map(str, row)) + "}" for row in BLAKE_SIGMA)
B2IV = _sha512_iv()  # BLAKE2b's IV is SHA-512's

# BLAKE2b-256 of one (final) block: the real function for messages of up to 128 bytes
BLAKE2B_CUDA = r"""
typedef unsigned long long u64;
__device__ __forceinline__ u64 rotr64(u64 x, int n) { return (x >> n) | (x << (64 - n)); }
#define B2G(a, b, c, d, x, y)                                              \
  a += b + (x); d = rotr64(d ^ a, 32); c += d; b = rotr64(b ^ c, 24);      \
  a += b + (y); d = rotr64(d ^ a, 16); c += d; b = rotr64(b ^ c, 63);
// m: the block's 16 words (message little-endian, zero-padded), len: the message's bytes; h: the 32-byte digest
__device__ __forceinline__ void blake2b256(u64* h, const u64* m, u64 len) {
  const int S[10][16] = { %SIGMA% };
  const u64 IV[8] = { %B2IV% };
  u64 v[16];
#pragma unroll
  for (int i = 0; i < 8; ++i) { v[i] = IV[i]; v[i + 8] = IV[i]; }
  v[0] ^= 0x01010020ull;  // digest 32 bytes, no key, fanout 1, depth 1
  const u64 h0 = v[0];
  v[12] ^= len;
  v[14] = ~v[14];  // the last block
#pragma unroll
  for (int r = 0; r < 12; ++r) {
    const int* s = S[r % 10];
    B2G(v[0], v[4], v[8], v[12], m[s[0]], m[s[1]]);
    B2G(v[1], v[5], v[9], v[13], m[s[2]], m[s[3]]);
    B2G(v[2], v[6], v[10], v[14], m[s[4]], m[s[5]]);
    B2G(v[3], v[7], v[11], v[15], m[s[6]], m[s[7]]);
    B2G(v[0], v[5], v[10], v[15], m[s[8]], m[s[9]]);
    B2G(v[1], v[6], v[11], v[12], m[s[10]], m[s[11]]);
    B2G(v[2], v[7], v[8], v[13], m[s[12]], m[s[13]]);
    B2G(v[3], v[4], v[9], v[14], m[s[14]], m[s[15]]);
  }
  h[0] = h0 ^ v[0] ^ v[8];
#pragma unroll
  for (int i = 1; i < 4; ++i) h[i] = IV[i] ^ v[i] ^ v[i + 8];
}
""".replace("%SIGMA%", SIGMA_C).replace("%B2IV%", _lit(B2IV, 64))

SRC = {}  # family -> CUDA source, each with a `hash` kernel (and `fill` for the tables)

# ---------------------------------------------------------------------------------------------------------------
# autolykos: AL_N elements of 32 bytes; a hash reads AL_K of them.
AL_N = 1 << 26       # 2 GiB
AL_K = 32
AL_HEIGHT = 1_234_567
AL_MSG = _vals(4, 0x414C4D, 64)  # the 32-byte message (a block's header hash)

SRC["autolykos"] = HEAD + BLAKE2B_CUDA + r"""
#define K %K%
// element i: BLAKE2b-256 of (i, height), two uint4 a element
extern "C" __global__ void fill(uint4* T, u64 n) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (u64)gridDim.x * blockDim.x) {
    u64 m[16], h[4];
#pragma unroll
    for (int j = 0; j < 16; ++j) m[j] = 0;
    m[0] = i; m[1] = %HEIGHT%ull;
    blake2b256(h, m, 16);
    T[2 * i] = make_uint4((unsigned int)h[0], (unsigned int)(h[0] >> 32), (unsigned int)h[1], (unsigned int)(h[1] >> 32));
    T[2 * i + 1] = make_uint4((unsigned int)h[2], (unsigned int)(h[2] >> 32), (unsigned int)h[3], (unsigned int)(h[3] >> 32));
  }
}
// s += the element (a, b) as 256-bit integers, 64-bit limbs with carries
__device__ __forceinline__ void add256(u64* s, uint4 a, uint4 b) {
  const u64 e0 = ((u64)a.y << 32) | a.x, e1 = ((u64)a.w << 32) | a.z, e2 = ((u64)b.y << 32) | b.x, e3 = ((u64)b.w << 32) | b.z;
  u64 x = s[0] + e0, c = x < e0;
  s[0] = x;
  x = s[1] + e1; u64 c1 = x < e1; x += c; c1 |= x < c; s[1] = x; c = c1;
  x = s[2] + e2; c1 = x < e2; x += c; c1 |= x < c; s[2] = x; c = c1;
  s[3] += e3 + c;
}
// a thread hashes `iters` nonces (nonce_of(nonce0) + it * threads); mask: elements - 1. Threads t < nout write
// their last hash's digest to out[4t..4t+3] (the self-check; nout is 0 otherwise).
extern "C" __global__ void hash(const uint4* __restrict__ T, unsigned int mask, u64 nonce0, int iters,
                                unsigned int target, unsigned int* hits, u64* out, unsigned int nout) {
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const u64 MSG[4] = { %MSG% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    u64 m[16], h[4];
#pragma unroll
    for (int j = 0; j < 16; ++j) m[j] = j < 4 ? MSG[j] : 0ull;
    m[4] = nonce_of(nonce0) + (u64)it * nT;
    blake2b256(h, m, 40);
    unsigned int w[8];
#pragma unroll
    for (int q = 0; q < 4; ++q) { w[2 * q] = (unsigned int)h[q]; w[2 * q + 1] = (unsigned int)(h[q] >> 32); }
    u64 s[4] = {0ull, 0ull, 0ull, 0ull};
#pragma unroll
    for (int j = 0; j < K; ++j) {  // index j: the 32-bit window at byte j of the seed, wrapping
      const unsigned int idx = __funnelshift_r(w[(j >> 2) & 7], w[((j >> 2) + 1) & 7], 8 * (j & 3)) & mask;
      add256(s, __ldg(T + 2 * (u64)idx), __ldg(T + 2 * (u64)idx + 1));
    }
#pragma unroll
    for (int j = 0; j < 16; ++j) m[j] = j < 4 ? s[j] : 0ull;
    blake2b256(h, m, 32);
    found += (unsigned int)h[0] < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = h[q];
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%K%", str(AL_K)).replace("%HEIGHT%", str(AL_HEIGHT)).replace("%MSG%", _lit(AL_MSG, 64))


def _blake2b256(data):
    return hashlib.blake2b(data, digest_size=32).digest()


def autolykos_element(i):
    return _blake2b256(_le64([i, AL_HEIGHT]))


def autolykos_ref(nonce, mask):
    """The 32-byte digest the `hash` kernel computes for a nonce, over a table of mask + 1 elements."""
    seed = _blake2b256(_le64(AL_MSG + [nonce]))
    ext = seed + seed[:3]
    total = sum(int.from_bytes(autolykos_element(int.from_bytes(ext[j:j + 4], "little") & mask), "little")
                for j in range(AL_K))
    return _blake2b256((total & ((1 << 256) - 1)).to_bytes(32, "little"))


# ---------------------------------------------------------------------------------------------------------------
# verthash: VH_N elements of 32 bytes; a hash is VH_CHAIN dependent reads.
VH_N = 1 << 27       # 4 GiB
VH_CHAIN = 4096
VH_SEED = 0x5645525448
VH_HDR = _vals(9, 0x564844, 64)  # the header's first 72 bytes; the nonce is the last 8
FNV_BASIS = 0x811C9DC5

SRC["verthash"] = HEAD + SPLITMIX_CUDA + r"""
typedef unsigned long long u64;
#define CHAIN %CHAIN%
__constant__ u64 KRC[24] = { %KRC% };
__device__ __forceinline__ unsigned int fnv1a(unsigned int a, unsigned int b) { return (a ^ b) * 0x01000193u; }
%KECCAKF%// element i: splitmix64(4i + k + seed), k = 0..3, two uint4 a element
extern "C" __global__ void fill(uint4* T, u64 n) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (u64)gridDim.x * blockDim.x) {
    const u64 x0 = splitmix(4 * i + %SEED%ull), x1 = splitmix(4 * i + 1 + %SEED%ull);
    const u64 x2 = splitmix(4 * i + 2 + %SEED%ull), x3 = splitmix(4 * i + 3 + %SEED%ull);
    T[2 * i] = make_uint4((unsigned int)x0, (unsigned int)(x0 >> 32), (unsigned int)x1, (unsigned int)(x1 >> 32));
    T[2 * i + 1] = make_uint4((unsigned int)x2, (unsigned int)(x2 >> 32), (unsigned int)x3, (unsigned int)(x3 >> 32));
  }
}
// st: a thread's chain state (the eight words p, the accumulator, the last word read) at st[q * threads + thread],
// kept between launches. pos: the step of the hash in progress (the same in every thread), nonce0 that hash's first
// nonce; mask: elements - 1. Threads t < nout write the digest of the last hash they finish to out[4t..4t+3].
extern "C" __global__ void hash(const uint4* __restrict__ T, unsigned int mask, unsigned int* st, u64 nonce0,
                                unsigned int pos, int iters, unsigned int target, unsigned int* hits, u64* out,
                                unsigned int nout) {
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const u64 HDR[9] = { %HDR% };
  unsigned int p[8];
#pragma unroll
  for (int k = 0; k < 8; ++k) p[k] = st[k * nT + t];
  unsigned int acc = st[8 * nT + t], last = st[9 * nT + t];
  u64 n = nonce_of(nonce0);
  unsigned int s = pos, found = 0, left = (unsigned int)iters;
  while (left > 0) {
    if (s == CHAIN) { s = 0; n += nT; }  // the next hash: the next nonce range
    if (s == 0) {  // SHA3-256 of the 80-byte header
      u64 a[25];
#pragma unroll
      for (int i = 0; i < 25; ++i) a[i] = i < 9 ? HDR[i] : 0ull;
      a[9] = n; a[10] = 0x06ull; a[16] = 0x8000000000000000ull;
      keccakf(a);
#pragma unroll
      for (int k = 0; k < 4; ++k) { p[2 * k] = (unsigned int)a[k]; p[2 * k + 1] = (unsigned int)(a[k] >> 32); }
      acc = 0x811C9DC5u;
      last = p[0];
    }
    const unsigned int e = s + min(left, CHAIN - s);
    left -= e - s;
#pragma unroll 1
    for (; s < e; ++s) {  // each address needs the read before it
      const unsigned int i = fnv1a(acc ^ s, last) & mask;
      const uint4 x = __ldg(T + 2 * (u64)i), y = __ldg(T + 2 * (u64)i + 1);
      p[0] = fnv1a(p[0], x.x); p[1] = fnv1a(p[1], x.y); p[2] = fnv1a(p[2], x.z); p[3] = fnv1a(p[3], x.w);
      p[4] = fnv1a(p[4], y.x); p[5] = fnv1a(p[5], y.y); p[6] = fnv1a(p[6], y.z); p[7] = fnv1a(p[7], y.w);
      acc = fnv1a(fnv1a(fnv1a(fnv1a(acc, x.x), x.y), x.z), x.w);
      acc = fnv1a(fnv1a(fnv1a(fnv1a(acc, y.x), y.y), y.z), y.w);
      last = y.w;
    }
    if (s == CHAIN) {  // SHA3-256 of the eight words against the target
      u64 a[25];
#pragma unroll
      for (int i = 0; i < 25; ++i) a[i] = i < 4 ? ((u64)p[2 * i + 1] << 32) | p[2 * i] : 0ull;
      a[4] = 0x06ull; a[16] = 0x8000000000000000ull;
      keccakf(a);
      found += (unsigned int)a[0] < target;
      if (t < nout) {
#pragma unroll
        for (int k = 0; k < 4; ++k) out[4 * t + k] = a[k];
      }
    }
  }
#pragma unroll
  for (int k = 0; k < 8; ++k) st[k * nT + t] = p[k];
  st[8 * nT + t] = acc;
  st[9 * nT + t] = last;
  if (found) atomicAdd(hits, found);
}
""".replace("%CHAIN%", str(VH_CHAIN)).replace("%KRC%", _lit(keccak_round_constants(), 64)) \
    .replace("%KECCAKF%", KECCAKF_CUDA) \
   .replace("%SEED%", str(VH_SEED)).replace("%HDR%", _lit(VH_HDR, 64))


def _fnv1a(a, b):
    return ((a ^ b) * 0x01000193) & M32


def verthash_words(i):
    """Element i of the data file as eight little-endian 32-bit words."""
    out = []
    for k in range(4):
        x = splitmix64(4 * i + k + VH_SEED)
        out += [x & M32, x >> 32]
    return out


def verthash_ref(nonce, mask):
    """The 32-byte digest the `hash` kernel computes for a nonce, over a data file of mask + 1 elements."""
    d = hashlib.sha3_256(_le64(VH_HDR + [nonce])).digest()
    p = [int.from_bytes(d[4 * k:4 * k + 4], "little") for k in range(8)]
    acc, last = FNV_BASIS, p[0]
    for s in range(VH_CHAIN):
        v = verthash_words(_fnv1a(acc ^ s, last) & mask)
        p = [_fnv1a(p[k], v[k]) for k in range(8)]
        for k in range(8):
            acc = _fnv1a(acc, v[k])
        last = v[7]
    return hashlib.sha3_256(b"".join(w.to_bytes(4, "little") for w in p)).digest()


# ---------------------------------------------------------------------------------------------------------------
# lyra2: BLAKE-256-like, Lyra2 (LY_ROWS x LY_COLS blocks of 12 words), CubeHash-like, Lyra2.
LY_ROWS = 4
LY_COLS = 4
LY_WORDS = LY_ROWS * LY_COLS * 12  # 192 64-bit words, 1.5 KiB a thread
BLAKE256_C = [0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344, 0xA4093822, 0x299F31D0, 0x082EFA98, 0xEC4E6C89,
              0x452821E6, 0x38D01377, 0xBE5466CF, 0x34E90C6C, 0xC0AC29B7, 0xC97C50DD, 0x3F84D5B5, 0xB5470917]
BLAKE256_IV = [v >> 32 for v in B2IV]  # SHA-256's IV: the high halves of SHA-512's
LY_HDR = _vals(8, 0x4C5952, 32)  # the header's first 64 bytes; the nonce follows


def _cube_round(x):
    """One CubeHash round on 32 32-bit words, in place (x_ijklm: i bit 4 .. m bit 0)."""
    for i in range(16):
        x[i + 16] = (x[i + 16] + x[i]) & M32
    for i in range(16):
        x[i] = _rotl32(x[i], 7)
    for i in range(8):
        x[i], x[i + 8] = x[i + 8], x[i]
    for i in range(16):
        x[i] ^= x[i + 16]
    for i in range(16, 32):
        if not i & 2:
            x[i], x[i + 2] = x[i + 2], x[i]
    for i in range(16):
        x[i + 16] = (x[i + 16] + x[i]) & M32
    for i in range(16):
        x[i] = _rotl32(x[i], 11)
    for i in range(16):
        if not i & 4:
            x[i], x[i + 4] = x[i + 4], x[i]
    for i in range(16):
        x[i] ^= x[i + 16]
    for i in range(16, 32):
        if not i & 1:
            x[i], x[i + 1] = x[i + 1], x[i]


def _cube_iv():
    x = [32, 32, 16] + [0] * 29  # h / 8, b, r
    for _ in range(160):
        _cube_round(x)
    return x


CUBE_IV = _cube_iv()

SRC["lyra2"] = HEAD + r"""
typedef unsigned long long u64;
#define ROWS %ROWS%
#define COLS %COLS%
__device__ __forceinline__ u64 rotr64(u64 x, int n) { return (x >> n) | (x << (64 - n)); }
__constant__ unsigned int CUBE_IV[32] = { %CUBEIV% };

// BLAKE-256-like: one 64-byte block (the header's 32 bytes, the nonce, padding, the bit length 320), 14 rounds
#define G32(a, b, c, d, x, y)                                     \
  a += b + (x); d = ROTR32(d ^ a, 16); c += d; b = ROTR32(b ^ c, 12); \
  a += b + (y); d = ROTR32(d ^ a, 8); c += d; b = ROTR32(b ^ c, 7);
__device__ __forceinline__ void blake256(u64* h, u64 n) {
  const int S[10][16] = { %SIGMA% };
  const unsigned int C[16] = { %BC% };
  const unsigned int IV[8] = { %BIV% };
  const unsigned int HDR[8] = { %HDR% };
  unsigned int m[16], v[16];
#pragma unroll
  for (int i = 0; i < 8; ++i) { m[i] = HDR[i]; m[i + 8] = 0u; v[i] = IV[i]; v[i + 8] = C[i]; }
  m[8] = (unsigned int)n; m[9] = (unsigned int)(n >> 32); m[10] = 0x80000000u; m[13] = 1u; m[15] = 320u;
  v[12] ^= 320u; v[13] ^= 320u;
#pragma unroll
  for (int r = 0; r < 14; ++r) {
    const int* s = S[r % 10];
    G32(v[0], v[4], v[8], v[12], m[s[0]] ^ C[s[1]], m[s[1]] ^ C[s[0]]);
    G32(v[1], v[5], v[9], v[13], m[s[2]] ^ C[s[3]], m[s[3]] ^ C[s[2]]);
    G32(v[2], v[6], v[10], v[14], m[s[4]] ^ C[s[5]], m[s[5]] ^ C[s[4]]);
    G32(v[3], v[7], v[11], v[15], m[s[6]] ^ C[s[7]], m[s[7]] ^ C[s[6]]);
    G32(v[0], v[5], v[10], v[15], m[s[8]] ^ C[s[9]], m[s[9]] ^ C[s[8]]);
    G32(v[1], v[6], v[11], v[12], m[s[10]] ^ C[s[11]], m[s[11]] ^ C[s[10]]);
    G32(v[2], v[7], v[8], v[13], m[s[12]] ^ C[s[13]], m[s[13]] ^ C[s[12]]);
    G32(v[3], v[4], v[9], v[14], m[s[14]] ^ C[s[15]], m[s[15]] ^ C[s[14]]);
  }
#pragma unroll
  for (int i = 0; i < 4; ++i)
    h[i] = ((u64)(IV[2 * i + 1] ^ v[2 * i + 1] ^ v[2 * i + 9]) << 32) | (IV[2 * i] ^ v[2 * i] ^ v[2 * i + 8]);
}

// Lyra2's sponge: the BLAKE2b round without message words on 16 64-bit words
#define LG(a, b, c, d)                                                    \
  a += b; d = rotr64(d ^ a, 32); c += d; b = rotr64(b ^ c, 24);           \
  a += b; d = rotr64(d ^ a, 16); c += d; b = rotr64(b ^ c, 63);
__device__ __forceinline__ void lround(u64* s) {
  LG(s[0], s[4], s[8], s[12]); LG(s[1], s[5], s[9], s[13]); LG(s[2], s[6], s[10], s[14]); LG(s[3], s[7], s[11], s[15]);
  LG(s[0], s[5], s[10], s[15]); LG(s[1], s[6], s[11], s[12]); LG(s[2], s[7], s[8], s[13]); LG(s[3], s[4], s[9], s[14]);
}
__device__ __forceinline__ void lround12(u64* s) {
#pragma unroll 1
  for (int r = 0; r < 12; ++r) lround(s);
}
// s[i & 15] by masks: a select chain or an index would put the state in local memory
__device__ __forceinline__ u64 pick16(const u64* s, unsigned int i) {
  u64 r = 0ull;
#pragma unroll
  for (unsigned int k = 0; k < 16; ++k) r |= s[k] & (0ull - (u64)((i & 15u) == k));
  return r;
}
// word j of column c of row r of this thread's matrix (M points at the thread's word 0; nT: threads)
#define MX(r, c, j) M[(u64)((((r) * COLS + (c)) * 12) + (j)) * nT]
// a duplexing step of Lyra2 on column c: the state absorbs in + inout, one round, out ^= state (setup: out =
// in ^ state, written to column COLS-1-c), inout ^= the state rotated by a word
__device__ __forceinline__ void duplex(u64* M, u64 nT, u64* s, int in, int io, int ot, int c, bool setup) {
#pragma unroll
  for (int j = 0; j < 12; ++j) s[j] ^= MX(in, c, j) + MX(io, c, j);
  lround(s);
  if (setup) {
#pragma unroll
    for (int j = 0; j < 12; ++j) MX(ot, COLS - 1 - c, j) = MX(in, c, j) ^ s[j];
  } else {
#pragma unroll
    for (int j = 0; j < 12; ++j) MX(ot, c, j) ^= s[j];
  }
#pragma unroll
  for (int j = 0; j < 12; ++j) MX(io, c, j) ^= s[(j + 11) % 12];
}
// Lyra2 (time cost 1, ROWS x COLS, 32-byte password = salt = h, 32-byte output to h), Lyra2v3's row* choice
__device__ __forceinline__ void lyra2(u64* M, u64 nT, u64* h) {
  const u64 IV[8] = { %B2IV% };
  u64 s[16];
#pragma unroll
  for (int i = 0; i < 8; ++i) { s[i] = 0ull; s[i + 8] = IV[i]; }
#pragma unroll
  for (int i = 0; i < 4; ++i) { s[i] = h[i]; s[i + 4] = h[i]; }  // password, salt
  lround12(s);
  s[0] ^= 32ull; s[1] ^= 32ull; s[2] ^= 32ull; s[3] ^= 1ull; s[4] ^= ROWS; s[5] ^= COLS;  // the parameters
  s[6] ^= 0x80ull; s[7] ^= 0x0100000000000000ull;  // padding 10*1
  lround12(s);
  // setup: row 0 squeezed (last column first), row 1 from row 0, then rows 2.. from the previous row and row*
#pragma unroll 1
  for (int c = 0; c < COLS; ++c) {
#pragma unroll
    for (int j = 0; j < 12; ++j) MX(0, COLS - 1 - c, j) = s[j];
    lround(s);
  }
#pragma unroll 1
  for (int c = 0; c < COLS; ++c) {
#pragma unroll
    for (int j = 0; j < 12; ++j) s[j] ^= MX(0, c, j);
    lround(s);
#pragma unroll
    for (int j = 0; j < 12; ++j) MX(1, COLS - 1 - c, j) = MX(0, c, j) ^ s[j];
  }
  int prev = 1, rowa = 0, step = 1, window = 2, gap = 1;
#pragma unroll 1
  for (int row = 2; row < ROWS; ++row) {
#pragma unroll 1
    for (int c = 0; c < COLS; ++c) duplex(M, nT, s, prev, rowa, row, c, true);
    rowa = (rowa + step) & (window - 1);
    prev = row;
    if (rowa == 0) { step = window + gap; window *= 2; gap = -gap; }
  }
  // wandering: every row once more, row* picked by the state
  unsigned int inst = 0;
  int row = 0;
#pragma unroll 1
  do {
    inst = (unsigned int)pick16(s, inst);
    rowa = (int)(pick16(s, inst) & (ROWS - 1));
#pragma unroll 1
    for (int c = 0; c < COLS; ++c) duplex(M, nT, s, prev, rowa, row, c, false);
    prev = row;
    row = (row + ROWS / 2 - 1) & (ROWS - 1);
  } while (row != 0);
  // wrap-up: absorb row*'s first column, squeeze 32 bytes
#pragma unroll
  for (int j = 0; j < 12; ++j) s[j] ^= MX(rowa, 0, j);
  lround12(s);
#pragma unroll
  for (int i = 0; i < 4; ++i) h[i] = s[i];
}

// CubeHash-like (CubeHash16/32-256): the IV after 160 rounds precomputed, a 32-byte block and the padding block
// 16 rounds each, 160 finalisation rounds
__device__ __forceinline__ void cround(unsigned int* x) {
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i + 16] += x[i];
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i] = ROTL32(x[i], 7);
#pragma unroll
  for (int i = 0; i < 8; ++i) { const unsigned int v = x[i]; x[i] = x[i + 8]; x[i + 8] = v; }
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i] ^= x[i + 16];
#pragma unroll
  for (int i = 16; i < 32; ++i)
    if (!(i & 2)) { const unsigned int v = x[i]; x[i] = x[i + 2]; x[i + 2] = v; }
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i + 16] += x[i];
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i] = ROTL32(x[i], 11);
#pragma unroll
  for (int i = 0; i < 16; ++i)
    if (!(i & 4)) { const unsigned int v = x[i]; x[i] = x[i + 4]; x[i + 4] = v; }
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i] ^= x[i + 16];
#pragma unroll
  for (int i = 16; i < 32; ++i)
    if (!(i & 1)) { const unsigned int v = x[i]; x[i] = x[i + 1]; x[i + 1] = v; }
}
__device__ __forceinline__ void cubehash(u64* h) {
  unsigned int x[32];
#pragma unroll
  for (int i = 0; i < 32; ++i) x[i] = CUBE_IV[i];
#pragma unroll
  for (int i = 0; i < 4; ++i) { x[2 * i] ^= (unsigned int)h[i]; x[2 * i + 1] ^= (unsigned int)(h[i] >> 32); }
#pragma unroll 1
  for (int r = 0; r < 16; ++r) cround(x);
  x[0] ^= 0x80u;
#pragma unroll 1
  for (int r = 0; r < 16; ++r) cround(x);
  x[31] ^= 1u;
#pragma unroll 1
  for (int r = 0; r < 160; ++r) cround(x);
#pragma unroll
  for (int i = 0; i < 4; ++i) h[i] = ((u64)x[2 * i + 1] << 32) | x[2 * i];
}

// a thread hashes `iters` nonces (nonce_of(nonce0) + it * threads) through the chain; M: the matrices, LY_WORDS
// words a thread. Threads t < nout write their last hash's digest to out[4t..4t+3].
extern "C" __global__ void hash(u64* M, u64 nonce0, int iters, unsigned int target, unsigned int* hits, u64* out,
                                unsigned int nout) {
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    u64 h[4];
    blake256(h, nonce_of(nonce0) + (u64)it * nT);
    lyra2(M + t, nT, h);
    cubehash(h);
    lyra2(M + t, nT, h);
    found += (unsigned int)(h[3] >> 32) < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = h[q];
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%ROWS%", str(LY_ROWS)).replace("%COLS%", str(LY_COLS)).replace("%CUBEIV%", _lit(CUBE_IV, 32)) \
   .replace("%SIGMA%", SIGMA_C).replace("%BC%", _lit(BLAKE256_C, 32)).replace("%BIV%", _lit(BLAKE256_IV, 32)) \
   .replace("%HDR%", _lit(LY_HDR, 32)).replace("%B2IV%", _lit(B2IV, 64))


def _blake256_ref(n):
    m = LY_HDR + [n & M32, n >> 32, 0x80000000, 0, 0, 1, 0, 320]
    c = BLAKE256_C
    v = BLAKE256_IV + c[:8]
    v[12] ^= 320
    v[13] ^= 320

    def g(a, b, cc, d, x, y):
        v[a] = (v[a] + v[b] + x) & M32
        v[d] = _rotr32(v[d] ^ v[a], 16)
        v[cc] = (v[cc] + v[d]) & M32
        v[b] = _rotr32(v[b] ^ v[cc], 12)
        v[a] = (v[a] + v[b] + y) & M32
        v[d] = _rotr32(v[d] ^ v[a], 8)
        v[cc] = (v[cc] + v[d]) & M32
        v[b] = _rotr32(v[b] ^ v[cc], 7)

    for r in range(14):
        s = BLAKE_SIGMA[r % 10]
        for i, (a, b, cc, d) in enumerate([(0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                                          (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14)]):
            g(a, b, cc, d, m[s[2 * i]] ^ c[s[2 * i + 1]], m[s[2 * i + 1]] ^ c[s[2 * i]])
    w = [BLAKE256_IV[i] ^ v[i] ^ v[i + 8] for i in range(8)]
    return [w[2 * i] | w[2 * i + 1] << 32 for i in range(4)]


def _lround(s):
    def g(a, b, c, d):
        s[a] = (s[a] + s[b]) & MASK64
        s[d] = _rotr64(s[d] ^ s[a], 32)
        s[c] = (s[c] + s[d]) & MASK64
        s[b] = _rotr64(s[b] ^ s[c], 24)
        s[a] = (s[a] + s[b]) & MASK64
        s[d] = _rotr64(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & MASK64
        s[b] = _rotr64(s[b] ^ s[c], 63)
    for a, b, c, d in [(0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                       (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14)]:
        g(a, b, c, d)


def _lyra2_ref(h):
    rows, cols = LY_ROWS, LY_COLS
    mem = [0] * LY_WORDS

    def ix(r, c, j):
        return (r * cols + c) * 12 + j

    def duplex(s, i_in, io, ot, c, setup):
        for j in range(12):
            s[j] ^= (mem[ix(i_in, c, j)] + mem[ix(io, c, j)]) & MASK64
        _lround(s)
        for j in range(12):
            if setup:
                mem[ix(ot, cols - 1 - c, j)] = mem[ix(i_in, c, j)] ^ s[j]
            else:
                mem[ix(ot, c, j)] ^= s[j]
        for j in range(12):
            mem[ix(io, c, j)] ^= s[(j + 11) % 12]

    s = [0] * 8 + list(B2IV)
    for i in range(4):
        s[i] = h[i]
        s[i + 4] = h[i]
    for _ in range(12):
        _lround(s)
    for i, x in enumerate([32, 32, 32, 1, rows, cols, 0x80, 0x0100000000000000]):
        s[i] ^= x
    for _ in range(12):
        _lround(s)
    for c in range(cols):
        for j in range(12):
            mem[ix(0, cols - 1 - c, j)] = s[j]
        _lround(s)
    for c in range(cols):
        for j in range(12):
            s[j] ^= mem[ix(0, c, j)]
        _lround(s)
        for j in range(12):
            mem[ix(1, cols - 1 - c, j)] = mem[ix(0, c, j)] ^ s[j]
    prev, rowa, step, window, gap = 1, 0, 1, 2, 1
    for row in range(2, rows):
        for c in range(cols):
            duplex(s, prev, rowa, row, c, True)
        rowa = (rowa + step) & (window - 1)
        prev = row
        if rowa == 0:
            step, window, gap = window + gap, window * 2, -gap
    inst, row = 0, 0
    while True:
        inst = s[inst & 15] & M32
        rowa = s[inst & 15] & (rows - 1)
        for c in range(cols):
            duplex(s, prev, rowa, row, c, False)
        prev = row
        row = (row + rows // 2 - 1) & (rows - 1)
        if row == 0:
            break
    for j in range(12):
        s[j] ^= mem[ix(rowa, 0, j)]
    for _ in range(12):
        _lround(s)
    return s[:4]


def _cubehash_ref(h):
    x = list(CUBE_IV)
    for i in range(4):
        x[2 * i] ^= h[i] & M32
        x[2 * i + 1] ^= h[i] >> 32
    for _ in range(16):
        _cube_round(x)
    x[0] ^= 0x80
    for _ in range(16):
        _cube_round(x)
    x[31] ^= 1
    for _ in range(160):
        _cube_round(x)
    return [x[2 * i] | x[2 * i + 1] << 32 for i in range(4)]


def lyra2_ref(nonce, mask=None):
    """The 32-byte digest the `hash` kernel computes for a nonce (mask unused: no table)."""
    return _le64(_lyra2_ref(_cubehash_ref(_lyra2_ref(_blake256_ref(nonce)))))


# ---------------------------------------------------------------------------------------------------------------
class _Checked(PowKernel):
    """A PowKernel whose `hash` kernel can write its threads' digests (call(..., nout)) for the self-check."""

    ref = None  # (nonce, mask) -> 32-byte digest
    mask = 0

    def _self_check(self, iters):
        """One CHECK_THREADS-thread launch on nonces CHECK_NONCE.., CHECK_PICKS of its digests against the Python
        reference; set-up, before READY."""
        self.call(1, CHECK_THREADS, CHECK_NONCE, iters, CHECK_THREADS)
        self._finish_check(self._compare({t: type(self).ref(CHECK_NONCE + t, self.mask) for t in CHECK_PICKS}))

    def _compare(self, refs):
        """How many of the threads in refs ({thread: digest}) wrote the digest expected (hits cleared after)."""
        got = self.out.get()
        self.cp.cuda.Device().synchronize()
        self.hits.fill(0)
        return sum(_le64(int(w) for w in got[4 * t:4 * t + 4]) == refs[t] for t in refs)

    def _finish_check(self, agree):
        """The check's verdict and summary from the number of agreeing digests (of len(CHECK_PICKS))."""
        self.agree = agree == len(CHECK_PICKS)
        self.check_note = (f"self-check: {agree}/{len(CHECK_PICKS)} GPU digests of nonces {CHECK_NONCE:#x} + "
                           f"{', '.join(map(str, CHECK_PICKS))} agree with the Python reference, agree: {self.agree}")

    def launch(self, grid, block, iters):
        """One grid of `iters` whole hashes a thread (Verthash, whose hashes span launches, has its own)."""
        self.call(grid, block, self.nonce, iters, 0)
        self.nonce += grid * block * iters
        self.hashes += grid * block * iters


class Autolykos(_Checked):
    ref = staticmethod(autolykos_ref)

    def __init__(self, variant):
        super().__init__("autolykos")
        cp = self.cp
        mod = cp.RawModule(code=SRC["autolykos"])
        self.kernel = mod.get_function("hash")
        self.table = cp.empty(AL_N * 8, dtype=cp.uint32)  # 32 bytes an element
        mod.get_function("fill")((sms() * 8,), (256,), (self.table, cp.uint64(AL_N)))
        self.mask = AL_N - 1
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self._self_check(1)
        note(f"autolykos: {AL_N} elements of 32 bytes ({self.table.nbytes / 2**30:.2f} GiB, BLAKE2b-256 of the "
             f"index), {AL_K} read and summed a hash")

    def call(self, grid, block, nonce, iters, nout):
        cp = self.cp
        self.kernel((grid,), (block,), (self.table, cp.uint32(self.mask), cp.uint64(nonce), cp.int32(iters),
                                        cp.uint32(TARGET), self.hits, self.out, cp.uint32(nout)))


class Verthash(_Checked):
    ref = staticmethod(verthash_ref)

    def __init__(self, variant):
        super().__init__("verthash")
        cp = self.cp
        mod = cp.RawModule(code=SRC["verthash"])
        self.kernel = mod.get_function("hash")
        self.table = cp.empty(VH_N * 8, dtype=cp.uint32)
        mod.get_function("fill")((sms() * 8,), (256,), (self.table, cp.uint64(VH_N)))
        self.mask = VH_N - 1
        blocks, threads = grid_of("full")  # room for the largest grid any variant launches
        self.state = cp.zeros(10 * blocks * threads, dtype=cp.uint32)  # eight words, accumulator, last word read
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.pos = 0  # step of the hash in progress, the same in every thread
        self._self_check(VH_CHAIN)
        note(f"verthash: data file of {VH_N} elements of 32 bytes ({self.table.nbytes / 2**30:.2f} GiB), "
             f"{VH_CHAIN} dependent reads a hash")

    def call(self, grid, block, nonce, iters, nout, pos=0):
        cp = self.cp
        self.kernel((grid,), (block,), (self.table, cp.uint32(self.mask), self.state, cp.uint64(nonce),
                                        cp.uint32(pos), cp.int32(iters), cp.uint32(TARGET), self.hits, self.out,
                                        cp.uint32(nout)))

    def launch(self, grid, block, iters):
        self.call(grid, block, self.nonce, iters, 0, self.pos)
        done, self.pos = divmod(self.pos + iters, VH_CHAIN)
        self.nonce += done * grid * block
        self.hashes += done * grid * block


class Lyra2(_Checked):
    ref = staticmethod(lyra2_ref)

    def __init__(self, variant):
        super().__init__("lyra2")
        cp = self.cp
        self.kernel = cp.RawKernel(SRC["lyra2"], "hash")
        blocks, threads = grid_of("full")
        self.mem = cp.empty(LY_WORDS * blocks * threads, dtype=cp.uint64)
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self._self_check(1)
        note(f"lyra2: a {LY_ROWS} x {LY_COLS} x 12-word matrix a thread ({LY_WORDS * 8} bytes, "
             f"{self.mem.nbytes / 2**20:.0f} MiB for the full grid), two Lyra2 calls a hash")

    def call(self, grid, block, nonce, iters, nout):
        cp = self.cp
        self.kernel((grid,), (block,), (self.mem, cp.uint64(nonce), cp.int32(iters), cp.uint32(TARGET), self.hits,
                                        self.out, cp.uint32(nout)))


CLASSES = {"autolykos": Autolykos, "verthash": Verthash, "lyra2": Lyra2}


def run(family, variant, clock):
    check_variant(variant)
    h = CLASSES[family](variant)
    drive(h, variant, clock)
    note(f"{family}/{variant}: {h.check_note}")
