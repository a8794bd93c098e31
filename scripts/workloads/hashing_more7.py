"""Proof-of-work hashing families (label 1), compute-bound, modelled on coins whose pipe mix no earlier family has,
driven like hashing.py's: int8 matrix products between two Keccaks, a chain of three different compression
functions, a bit-matrix sponge permutation, and a keyed cipher whose tables change every period.

  tensority  Tensority-like (Bytom), a thread a hash. SHA3-256 (Keccak-f[1600]) of an 80-byte header (72 bytes and
             the nonce) is the seed; the state is a vector of 256 int8 (the seed's eight words, each word of the
             vector one of them XOR 0x9E3779B9 times its eighth). TN_MATS = 32 int8 matrices of 256 x 256 (64 KiB
             each, 2 MiB in all: splitmix64 words made on the GPU at set-up, L2-resident) are the work: TN_ROUNDS
             = 8 rounds, each picking a matrix by a running selector (FNV-like over the seed and the state's first
             and last words: data-dependent), then y = M v (65,536 int8 MACs as 16,384 __dp4a with int32
             accumulation, the rows read as 16-byte loads) and requantisation v[i] = (y[i] >> 6) mod 256 (an int8
             again). SHA3-256 of (the vector, the seed) (288 bytes: three Keccak-f blocks) is the hash. What
             should bound it: the dp4a pipe and the 64 KiB of row loads a round a thread (L1/L2), with three
             Keccak-f[1600] permutations (64-bit XOR/rotate) beside. Not Bytom's sizes (its 256 x 256 matrices
             are multiplied in 4 x 64 rounds, fp32 in its reference) nor its header: the shape is its.
  lbry       LBRY-like, a thread a hash: SHA-256d of a 112-byte header (104 bytes and the nonce, LBRY's header
             length), SHA-512 of that, RIPEMD-160 of each half of the SHA-512 digest, SHA-256d of the two
             RIPEMD-160 digests (40 bytes): LBRY's chain (only the header's contents are made up), seven
             compressions of three kinds a hash (five SHA-256, one SHA-512, two RIPEMD-160 with its two
             parallel lines of 80 steps, five boolean functions and per-step rotations), no memory. Bound by the
             integer pipe: 32-bit adds, funnel-shift rotations, logic, and 64-bit ARX as 32-bit pairs.
  eaglesong  Eaglesong-like (Nervos CKB), a thread a hash: a sponge of 16 32-bit words (rate 8 words, capacity 8)
             absorbing an 80-byte header (72 bytes and the nonce) padded with 0x06 ... 0x80 (three blocks), 43
             rounds of the permutation after each block, and 256 bits squeezed. A round: a bit-matrix step (each
             output word the XOR of a fixed subset of the input words, from a 16 x 16 bit matrix that is
             invertible over GF(2), written out as straight-line XORs), a circulant step (x ^= rotl(x, a) ^
             rotl(x, b), per-word constants), the round's 16 injection constants (constant memory, uniform), and
             add-rotate-add on the eight word pairs. Eaglesong's structure; its matrix, coefficients and
             constants are splitmix values, not Eaglesong's. Bound by XOR, funnel shifts and adds.
  odocrypt   Odocrypt-like (DigiByte), a thread a hash: a keyed Feistel-like cipher over the 640-bit header
             (72 bytes and the nonce: twenty 32-bit words, two halves of ten), OD_ROUNDS = 84 rounds, each
             F(R) = rotl(dswap(S(R ^ K_r)), rot_p) word-wise (S: an 8-bit S-box on every byte, two S-boxes
             alternating by round; dswap: a delta-swap bit permutation with a mask and shift; rot: per-word
             rotation amounts) mixed across words (n[j] = L[j] ^ (f[3j+1 mod 10] + f[7j+2 mod 10])), then the
             halves swap. The program (the two S-box permutations, 840 round-key words, the two bit
             permutations and 20 rotation amounts) is made on the host from a period number (splitmix64 and
             Fisher-Yates) and uploaded (5.4 KiB, read into shared memory by each block); a new period every
             OD_PERIOD_S = 8 s (real Odocrypt: every 10 days, the program compiled; here tables, as ghostrider
             passes its order). SHA3-256 of the 80-byte ciphertext is the hash. Bound by shared-memory S-box
             lookups (40 a round, random banks), byte extraction and assembly, and 32-bit logic.

Why: held out by family, the detector misses compute-bound hashing whose pipe mix it has not seen. These add
dp4a matrix products between Keccaks (tensority: the only int8 dot-product-heavy hash besides HeavyHash-like
matrix, with a far larger matrix and data-dependent picks), a chain of three compression functions with RIPEMD-160
(lbry), a sponge of straight-line bit-matrix XORs and rotations (eaglesong), and a table-driven cipher whose tables
change with the period (odocrypt).

Each runs `iters` whole hashes a thread a launch (nonce_of(nonce0) + it * threads). tensority's hash is long
(131,072 dp4a and 512 KiB of row loads), so its short launches are a whole hash, longer than asked (as
nexapow's are). Memory: tensority's matrices, 2 MiB; the others none beyond a few bytes. hashing.drive() does the
rest (calibration, variants, clock).

Self-check: at set-up (before READY) a launch of each family's own `hash` kernel on nonces CHECK_NONCE.. (32
hashes) writes their final digests; four of them are compared with the pure-Python references below
(tensority_ref over matrices regenerated by NumPy, lbry_ref, eaglesong_ref, odocrypt_ref with two periods'
programs, two picks each), and after drive()'s summary line a line says `self-check: 4/4 ... agree: True`. The
Python pieces are checked at import by known answers: RIPEMD-160 (the RIPEMD-160 page's "" and "abc", and
hashlib's where it has one), SHA-512 (hashlib, through hashing_more4's compression), the Eaglesong-like matrix's
invertibility, the delta swaps' being bit permutations and the S-boxes' being permutations.
"""
import hashlib
import time

from common import KECCAKF_CUDA, SPLITMIX_CUDA, keccak_round_constants, note, splitmix64
from hashing import HEAD, TARGET, check_variant, drive
from hashing_more import _lit
from hashing_more2 import CHECK_NONCE, CHECK_PICKS, CHECK_THREADS, _Checked, _rotl32, _vals
from hashing_more4 import SHA256_DEVICE, SHA512_IV, sha512_words
from hashing_more6 import _sha512_cuda

M32 = 0xFFFFFFFF
SRC = {}  # family -> CUDA source, each with a `hash` kernel (tensority: `fill` too)

COMMON_CUDA = HEAD + r"""
typedef unsigned long long u64;
typedef unsigned int u32;
__device__ __forceinline__ u32 bswap32(u32 x) { return __byte_perm(x, 0u, 0x0123); }
"""
KECCAK_CUDA = r"""
__constant__ u64 KRC[24] = { %KRC% };
""".replace("%KRC%", _lit(keccak_round_constants(), 64)) + KECCAKF_CUDA


def _stream(seed, count):
    """count splitmix64 values from seed (the state advanced by the golden gamma each time)."""
    out, x = [], seed
    for _ in range(count):
        out.append(splitmix64(x))
        x = (x + 0x9E3779B97F4A7C15) & ((1 << 64) - 1)
    return out


def _digest_of(data):
    return hashlib.sha3_256(data).digest()


# ---------------------------------------------------------------------------------------------------------------
# tensority
TN_MATS = 32              # int8 256 x 256 matrices (a power of two: the selector's top 5 bits)
TN_N = 256                # a matrix's side
TN_ROUNDS = 8             # matrix-vector products a hash
TN_SEED = 0x54454E53      # the matrices' splitmix seed
TN_HDR = _vals(9, 0x54454E, 64)  # the header's first 72 bytes as little-endian 64-bit words; the nonce follows
TN_WORDS = TN_MATS * TN_N * TN_N // 4  # 32-bit words of the matrices


def tn_matrix(k):
    """Matrix k as a (256, 256) int8 NumPy array: word g of all the matrices is the low half of splitmix(g + seed),
    its bytes little-endian; row i of matrix k is words (k * 256 + i) * 64 ...."""
    import numpy as np
    from common import splitmix64_np
    g = np.arange(k * 16384, (k + 1) * 16384, dtype=np.uint64) + np.uint64(TN_SEED)
    w = (splitmix64_np(g) & np.uint64(M32)).astype("<u4")
    return w.view(np.int8).reshape(TN_N, TN_N)


def tensority_ref(nonce, mats=None):
    """The 32-byte hash the `hash` kernel computes for a nonce (mats: {k: matrix} cache, filled as needed)."""
    import numpy as np
    mats = {} if mats is None else mats
    seed = _digest_of(b"".join(v.to_bytes(8, "little") for v in TN_HDR) + nonce.to_bytes(8, "little"))
    sw = [int.from_bytes(seed[4 * k:4 * k + 4], "little") for k in range(8)]
    v = np.array([sw[w & 7] ^ (((w >> 3) * 0x9E3779B9) & M32) for w in range(64)], dtype="<u4")
    sel = sw[0] ^ sw[5]
    for _ in range(TN_ROUNDS):
        sel = (((sel ^ int(v[0])) * 0x01000193) + int(v[63])) & M32
        k = sel >> 27
        if k not in mats:
            mats[k] = tn_matrix(k)
        y = mats[k].astype(np.int32) @ v.view(np.int8).astype(np.int32)
        v = ((y >> 6) & 0xFF).astype(np.uint8).view("<u4").copy()
    return _digest_of(v.astype("<u4").tobytes() + seed)


SRC["tensority"] = COMMON_CUDA + SPLITMIX_CUDA + KECCAK_CUDA + r"""
#define TN_MATS %MATS%
#define TN_ROUNDS %ROUNDS%
// the matrices: word g = low half of splitmix(g + seed)
extern "C" __global__ void fill(u32* m, u64 words, u64 seed) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < words; i += (u64)gridDim.x * blockDim.x)
    m[i] = (u32)splitmix(i + seed);
}
// lane l of the final SHA3-256's message: the vector's 32 lanes, then the seed's 4
__device__ __forceinline__ u64 tn_lane(const u32* v, const u64* sd, int l) {
  return l < 32 ? ((u64)v[2 * l] | ((u64)v[2 * l + 1] << 32)) : sd[l - 32];
}
// a thread hashes `iters` nonces (nonce_of(nonce0) + it * threads). Threads t < nout write their last digest (its
// bytes as little-endian 64-bit words) to out[4t..4t+3]. mats: TN_MATS matrices of 256 x 256 int8, row-major.
extern "C" __global__ void hash(const uint4* __restrict__ mats, u64 nonce0, int iters, unsigned int target,
                                unsigned int* hits, u64* out, unsigned int nout) {
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const u64 HDR[9] = { %HDR% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    u64 a[25];
#pragma unroll
    for (int i = 0; i < 25; ++i) a[i] = i < 9 ? HDR[i] : 0ull;
    a[9] = nonce_of(nonce0) + (u64)it * nT;
    a[10] = 0x06ull; a[16] = 0x8000000000000000ull;
    keccakf(a);
    u64 sd[4];
    u32 sw[8];
#pragma unroll
    for (int k = 0; k < 4; ++k) { sd[k] = a[k]; sw[2 * k] = (u32)a[k]; sw[2 * k + 1] = (u32)(a[k] >> 32); }
    u32 v[64];
#pragma unroll
    for (int w = 0; w < 64; ++w) v[w] = sw[w & 7] ^ ((u32)(w >> 3) * 0x9E3779B9u);
    u32 sel = sw[0] ^ sw[5];
#pragma unroll 1
    for (int r = 0; r < TN_ROUNDS; ++r) {
      sel = (sel ^ v[0]) * 0x01000193u + v[63];
      const uint4* m = mats + (u64)(sel >> 27) * (256 * 256 / 16);
      u32 nv[64];  // the requantised product, four int8 a word (indexed by the row: local memory)
#pragma unroll 1
      for (int i4 = 0; i4 < 64; ++i4) {
        u32 packed = 0;
#pragma unroll
        for (int q = 0; q < 4; ++q) {
          const uint4* row = m + (4 * i4 + q) * 16;
          int y = 0;
#pragma unroll
          for (int c = 0; c < 16; ++c) {
            const uint4 x = __ldg(row + c);
            y = __dp4a((int)x.x, (int)v[4 * c], y);
            y = __dp4a((int)x.y, (int)v[4 * c + 1], y);
            y = __dp4a((int)x.z, (int)v[4 * c + 2], y);
            y = __dp4a((int)x.w, (int)v[4 * c + 3], y);
          }
          packed |= ((u32)(y >> 6) & 0xFFu) << (8 * q);
        }
        nv[i4] = packed;
      }
#pragma unroll
      for (int w = 0; w < 64; ++w) v[w] = nv[w];
    }
    // SHA3-256 of the 288 bytes (vector, seed): lanes 0-16, 17-33, then 34-35 with the padding
#pragma unroll
    for (int i = 0; i < 25; ++i) a[i] = 0ull;
#pragma unroll
    for (int b = 0; b < 2; ++b) {
#pragma unroll
      for (int j = 0; j < 17; ++j) a[j] ^= tn_lane(v, sd, 17 * b + j);
      keccakf(a);
    }
    a[0] ^= sd[2]; a[1] ^= sd[3]; a[2] ^= 0x06ull; a[16] ^= 0x8000000000000000ull;
    keccakf(a);
    found += (unsigned int)(a[3] >> 32) < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = a[q];
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%MATS%", str(TN_MATS)).replace("%ROUNDS%", str(TN_ROUNDS)).replace("%HDR%", _lit(TN_HDR, 64))

# ---------------------------------------------------------------------------------------------------------------
# lbry
LB_HDR = _vals(26, 0x4C4252, 32)  # the header's first 104 bytes as big-endian words; the nonce (8 bytes) follows
RMD_R = [list(range(16)),
         [7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8],
         [3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12],
         [1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2],
         [4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13]]
RMD_RP = [[5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12],
          [6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2],
          [15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13],
          [8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14],
          [12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11]]
RMD_S = [[11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8],
         [7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12],
         [11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5],
         [11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12],
         [9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6]]
RMD_SP = [[8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6],
          [9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11],
          [9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5],
          [15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8],
          [8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11]]
RMD_K = [0x00000000, 0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xA953FD4E]
RMD_KP = [0x50A28BE6, 0x5C4DD124, 0x6D703EF3, 0x7A6D76E9, 0x00000000]
RMD_IV = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]


def _rmd_f(j, x, y, z):
    if j == 0:
        return x ^ y ^ z
    if j == 1:
        return (x & y) | (~x & z & M32)
    if j == 2:
        return (x | (~y & M32)) ^ z
    if j == 3:
        return (x & z) | (y & ~z & M32)
    return x ^ (y | (~z & M32))


def rmd160_compress(h, x):
    """RIPEMD-160's compression of the 16 little-endian words x into h (returned)."""
    al, bl, cl, dl, el = h
    ar, br, cr, dr, er = h
    for j in range(80):
        g = j // 16
        t = (_rotl32((al + _rmd_f(g, bl, cl, dl) + x[RMD_R[g][j % 16]] + RMD_K[g]) & M32, RMD_S[g][j % 16]) + el) & M32
        al, el, dl, cl, bl = el, dl, _rotl32(cl, 10), bl, t
        t = (_rotl32((ar + _rmd_f(4 - g, br, cr, dr) + x[RMD_RP[g][j % 16]] + RMD_KP[g]) & M32, RMD_SP[g][j % 16])
             + er) & M32
        ar, er, dr, cr, br = er, dr, _rotl32(cr, 10), br, t
    return [(h[1] + cl + dr) & M32, (h[2] + dl + er) & M32, (h[3] + el + ar) & M32, (h[4] + al + br) & M32,
            (h[0] + bl + cr) & M32]


def ripemd160(data):
    m = data + b"\x80" + b"\x00" * ((55 - len(data)) % 64) + (8 * len(data)).to_bytes(8, "little")
    h = list(RMD_IV)
    for o in range(0, len(m), 64):
        h = rmd160_compress(h, [int.from_bytes(m[o + 4 * i:o + 4 * i + 4], "little") for i in range(16)])
    return b"".join(w.to_bytes(4, "little") for w in h)


def lbry_ref(nonce):
    """The 32-byte hash the `hash` kernel computes for a nonce: LBRY's chain over a 112-byte header."""
    hdr = b"".join(w.to_bytes(4, "big") for w in LB_HDR) + nonce.to_bytes(8, "big")
    a = hashlib.sha256(hashlib.sha256(hdr).digest()).digest()
    b = b"".join(v.to_bytes(8, "big") for v in sha512_words(a, SHA512_IV))
    c = ripemd160(b[:32]) + ripemd160(b[32:])
    return hashlib.sha256(hashlib.sha256(c).digest()).digest()


def _rmd_line_cuda(right):
    """One RIPEMD-160 line's 80 steps, written out (the boolean function, word and rotation constant each)."""
    fn = ["F0", "F1", "F2", "F3", "F4"]
    rr, ss, kk = (RMD_RP, RMD_SP, RMD_KP) if right else (RMD_R, RMD_S, RMD_K)
    lines = []
    for j in range(80):
        g = j // 16
        f = fn[4 - g] if right else fn[g]
        lines.append(f"  RMD_STEP({f}, x[{rr[g][j % 16]}], 0x{kk[g]:08x}u, {ss[g][j % 16]});")
    return "\n".join(lines)


SRC["lbry"] = COMMON_CUDA + SHA256_DEVICE + _sha512_cuda() + r"""
#define F0(x, y, z) ((x) ^ (y) ^ (z))
#define F1(x, y, z) (((x) & (y)) | (~(x) & (z)))
#define F2(x, y, z) (((x) | ~(y)) ^ (z))
#define F3(x, y, z) (((x) & (z)) | ((y) & ~(z)))
#define F4(x, y, z) ((x) ^ ((y) | ~(z)))
#define RMD_STEP(F, X, K, S) { \
  const u32 tt = ROTL32(A + F(B, C, D) + (X) + (K), (S)) + E; A = E; E = D; D = ROTL32(C, 10); C = B; B = tt; }
// RIPEMD-160's compression of the 16 little-endian words x into h
__device__ __forceinline__ void rmd160_compress(u32* h, const u32* x) {
  u32 A = h[0], B = h[1], C = h[2], D = h[3], E = h[4];
%LEFT%
  const u32 al = A, bl = B, cl = C, dl = D, el = E;
  A = h[0]; B = h[1]; C = h[2]; D = h[3]; E = h[4];
%RIGHT%
  const u32 t = h[1] + cl + D;
  h[1] = h[2] + dl + E; h[2] = h[3] + el + A; h[3] = h[4] + al + B; h[4] = h[0] + bl + C; h[0] = t;
}
// RIPEMD-160 of 32 bytes, given as four big-endian 64-bit words (a SHA-512 digest's half)
__device__ __forceinline__ void rmd160_32(u32* h, const u64* q) {
  u32 x[16];
#pragma unroll
  for (int i = 0; i < 4; ++i) { x[2 * i] = bswap32((u32)(q[i] >> 32)); x[2 * i + 1] = bswap32((u32)q[i]); }
#pragma unroll
  for (int i = 8; i < 16; ++i) x[i] = 0u;
  x[8] = 0x80u; x[14] = 256u;
  h[0] = 0x67452301u; h[1] = 0xEFCDAB89u; h[2] = 0x98BADCFEu; h[3] = 0x10325476u; h[4] = 0xC3D2E1F0u;
  rmd160_compress(h, x);
}
// SHA-256 of a 32-byte digest (8 big-endian words) into st
__device__ __forceinline__ void sha256_of32(u32* st, const u32* d) {
  u32 w[16];
#pragma unroll
  for (int i = 0; i < 16; ++i) w[i] = i < 8 ? d[i] : 0u;
  w[8] = 0x80000000u; w[15] = 256u;
  sha256_init(st);
  sha256_compress(st, w);
}
// a thread hashes `iters` nonces (nonce_of(nonce0) + it * threads). Threads t < nout write their last digest (its
// bytes as little-endian 64-bit words) to out[4t..4t+3].
extern "C" __global__ void hash(u64 nonce0, int iters, unsigned int target, unsigned int* hits, u64* out,
                                unsigned int nout) {
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const u32 HDR[26] = { %HDR% };
  const u64 IV512[8] = { %IV512% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    const u64 n = nonce_of(nonce0) + (u64)it * nT;
    u32 w[16], a[8], b[8];
    // SHA-256d of the 112-byte header
#pragma unroll
    for (int i = 0; i < 16; ++i) w[i] = HDR[i];
    sha256_init(a);
    sha256_compress(a, w);
#pragma unroll
    for (int i = 0; i < 16; ++i) w[i] = i < 10 ? HDR[16 + i] : 0u;
    w[10] = (u32)(n >> 32); w[11] = (u32)n; w[12] = 0x80000000u; w[15] = 896u;
    sha256_compress(a, w);
    sha256_of32(b, a);
    // SHA-512 of those 32 bytes
    u64 m[16], h[8];
#pragma unroll
    for (int i = 0; i < 16; ++i) m[i] = i < 4 ? ((u64)b[2 * i] << 32) | b[2 * i + 1] : 0ull;
    m[4] = 0x8000000000000000ull; m[15] = 256ull;
#pragma unroll
    for (int i = 0; i < 8; ++i) h[i] = IV512[i];
    sha512_compress(h, m);
    // RIPEMD-160 of each half, SHA-256d of the 40 bytes
    u32 r1[5], r2[5];
    rmd160_32(r1, h);
    rmd160_32(r2, h + 4);
#pragma unroll
    for (int i = 0; i < 16; ++i) w[i] = 0u;
#pragma unroll
    for (int i = 0; i < 5; ++i) { w[i] = bswap32(r1[i]); w[5 + i] = bswap32(r2[i]); }
    w[10] = 0x80000000u; w[15] = 320u;
    sha256_init(a);
    sha256_compress(a, w);
    sha256_of32(b, a);
    found += b[0] < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = ((u64)bswap32(b[2 * q + 1]) << 32) | bswap32(b[2 * q]);
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%LEFT%", _rmd_line_cuda(False)).replace("%RIGHT%", _rmd_line_cuda(True)) \
   .replace("%HDR%", _lit(LB_HDR, 32)).replace("%IV512%", _lit(SHA512_IV, 64))

# ---------------------------------------------------------------------------------------------------------------
# eaglesong
ES_ROUNDS = 43
ES_HDR = _vals(18, 0x45414C, 32)  # the header's first 72 bytes as little-endian words; the nonce follows


def _gf2_invertible(rows):
    """Whether 16 16-bit rows make a matrix invertible over GF(2) (Gaussian elimination)."""
    rows = list(rows)
    for col in range(16):
        piv = next((i for i in range(col, 16) if rows[i] >> col & 1), None)
        if piv is None:
            return False
        rows[col], rows[piv] = rows[piv], rows[col]
        for i in range(16):
            if i != col and rows[i] >> col & 1:
                rows[i] ^= rows[col]
    return True


def _es_matrix():
    """The bit matrix: row i says which output words take input word i (the first invertible draw)."""
    seed = 0x4D4154
    while True:
        rows = [v & 0xFFFF for v in _stream(seed, 16)]
        if _gf2_invertible(rows):
            return rows
        seed += 1


ES_MATRIX = _es_matrix()
ES_COEF = [(1 + v % 31, 1 + (v >> 8) % 31) for v in _stream(0x434F45, 16)]  # circulant rotations, 1-31
ES_INJ = [v & M32 for v in _stream(0x494E4A, ES_ROUNDS * 16)]


def eaglesong_perm(s):
    for r in range(ES_ROUNDS):
        s = [_xor_all(s[i] for i in range(16) if ES_MATRIX[i] >> j & 1) for j in range(16)]
        s = [x ^ _rotl32(x, a) ^ _rotl32(x, b) for x, (a, b) in zip(s, ES_COEF)]
        s = [x ^ c for x, c in zip(s, ES_INJ[16 * r:16 * r + 16])]
        for j in range(0, 16, 2):
            s[j] = _rotl32((s[j] + s[j + 1]) & M32, 8)
            s[j + 1] = (_rotl32(s[j + 1], 24) + s[j]) & M32
    return s


def _xor_all(it):
    x = 0
    for v in it:
        x ^= v
    return x


def eaglesong_ref(nonce):
    """The 32-byte hash the `hash` kernel computes for a nonce: the sponge over the 80-byte header."""
    m = b"".join(w.to_bytes(4, "little") for w in ES_HDR) + nonce.to_bytes(8, "little")
    m = bytearray(m + b"\x06" + bytes(-(len(m) + 1) % 32))
    m[-1] |= 0x80
    s = [0] * 16
    for o in range(0, len(m), 32):
        for i in range(8):
            s[i] ^= int.from_bytes(m[o + 4 * i:o + 4 * i + 4], "little")
        s = eaglesong_perm(s)
    return b"".join(w.to_bytes(4, "little") for w in s[:8])


def _es_round_cuda():
    lines = []
    for j in range(16):
        terms = [f"s[{i}]" for i in range(16) if ES_MATRIX[i] >> j & 1]
        lines.append(f"    u[{j}] = {' ^ '.join(terms) if terms else '0u'};")
    for j, (a, b) in enumerate(ES_COEF):
        lines.append(f"    s[{j}] = u[{j}] ^ ROTL32(u[{j}], {a}) ^ ROTL32(u[{j}], {b}) ^ ES_INJ[16 * r + {j}];")
    return "\n".join(lines)


SRC["eaglesong"] = COMMON_CUDA + r"""
#define ES_ROUNDS %ROUNDS%
__constant__ u32 ES_INJ[ES_ROUNDS * 16] = { %INJ% };
__device__ __forceinline__ void es_perm(u32* s) {
#pragma unroll 1
  for (int r = 0; r < ES_ROUNDS; ++r) {
    u32 u[16];
%ROUND%
#pragma unroll
    for (int j = 0; j < 16; j += 2) {
      s[j] = ROTL32(s[j] + s[j + 1], 8);
      s[j + 1] = ROTL32(s[j + 1], 24) + s[j];
    }
  }
}
// a thread hashes `iters` nonces (nonce_of(nonce0) + it * threads). Threads t < nout write their last digest (its
// bytes as little-endian 64-bit words) to out[4t..4t+3].
extern "C" __global__ void hash(u64 nonce0, int iters, unsigned int target, unsigned int* hits, u64* out,
                                unsigned int nout) {
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const u32 HDR[18] = { %HDR% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    const u64 n = nonce_of(nonce0) + (u64)it * nT;
    u32 s[16];
#pragma unroll
    for (int i = 0; i < 16; ++i) s[i] = i < 8 ? HDR[i] : 0u;
    es_perm(s);
#pragma unroll
    for (int i = 0; i < 8; ++i) s[i] ^= HDR[8 + i];
    es_perm(s);
    // the last block: header words 16-17, the nonce, 0x06, zeros, 0x80 in the block's last byte
    s[0] ^= HDR[16]; s[1] ^= HDR[17]; s[2] ^= (u32)n; s[3] ^= (u32)(n >> 32); s[4] ^= 0x06u; s[7] ^= 0x80000000u;
    es_perm(s);
    found += s[7] < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = (u64)s[2 * q] | ((u64)s[2 * q + 1] << 32);
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%ROUNDS%", str(ES_ROUNDS)).replace("%INJ%", _lit(ES_INJ, 32)).replace("%ROUND%", _es_round_cuda()) \
   .replace("%HDR%", _lit(ES_HDR, 32))

# ---------------------------------------------------------------------------------------------------------------
# odocrypt
OD_ROUNDS = 84
OD_PERIOD0 = 0x0D0C0000   # the first period's number
OD_PERIOD_S = 8.0         # seconds a period's program runs
OD_HDR = _vals(18, 0x4F444F, 32)  # the header's first 72 bytes as little-endian words; the nonce follows
# the program's table (32-bit words): S-box 0 (256), S-box 1 (256), round keys (OD_ROUNDS x 10), rotations
# (2 x 10), delta-swap masks (2), delta-swap shifts (2)
OD_SB, OD_RK, OD_ROT, OD_DM, OD_DS = 0, 512, 512 + OD_ROUNDS * 10, 512 + OD_ROUNDS * 10 + 20, 512 + OD_ROUNDS * 10 + 22
OD_TAB = OD_DS + 2


def od_program(period):
    """The period's table (OD_TAB words) from splitmix64 of the period number."""
    vals = iter(_stream(splitmix64(period ^ 0x4F444F43), 2 * 255 + OD_ROUNDS * 10 + 20 + 2 * 64))
    tab = []
    for _ in range(2):  # S-boxes: Fisher-Yates
        sb = list(range(256))
        for i in range(255, 0, -1):
            j = next(vals) % (i + 1)
            sb[i], sb[j] = sb[j], sb[i]
        tab += sb
    tab += [next(vals) & M32 for _ in range(OD_ROUNDS * 10)]
    tab += [1 + next(vals) % 31 for _ in range(20)]
    masks, shifts = [], []
    for _ in range(2):  # delta swaps: shift s in 1-15, a mask m with m & (m << s) == 0 inside 32 bits
        v = next(vals)
        s = 1 + v % 15
        cand, m = (next(vals) & (M32 >> s)), 0
        for b in range(32 - s):
            if cand >> b & 1 and not (b >= s and m >> (b - s) & 1):
                m |= 1 << b
        masks.append(m)
        shifts.append(s)
    return tab + masks + shifts


def _dswap(x, m, s):
    t = ((x >> s) ^ x) & m
    return x ^ t ^ (t << s)


def odocrypt_ref(nonce, period):
    """The 32-byte hash the `hash` kernel computes for a nonce with a period's program."""
    tab = od_program(period)
    w = list(OD_HDR) + [nonce & M32, nonce >> 32]
    lft, rgt = w[:10], w[10:]
    for r in range(OD_ROUNDS):
        p = r & 1
        sb = tab[256 * p:256 * p + 256]
        f = []
        for j in range(10):
            x = rgt[j] ^ tab[OD_RK + 10 * r + j]
            x = sb[x & 255] | sb[x >> 8 & 255] << 8 | sb[x >> 16 & 255] << 16 | sb[x >> 24] << 24
            x = _dswap(x, tab[OD_DM + p], tab[OD_DS + p])
            f.append(_rotl32(x, tab[OD_ROT + 10 * p + j]))
        lft, rgt = rgt, [lft[j] ^ ((f[(3 * j + 1) % 10] + f[(7 * j + 2) % 10]) & M32) for j in range(10)]
    return _digest_of(b"".join(v.to_bytes(4, "little") for v in lft + rgt))


SRC["odocrypt"] = COMMON_CUDA + KECCAK_CUDA + r"""
#define OD_ROUNDS %ROUNDS%
#define OD_TAB %TAB%
#define OD_RK %RK%
#define OD_ROT %ROT%
#define OD_DM %DM%
#define OD_DS %DS%
__device__ __forceinline__ u32 od_sbox(const u32* sb, u32 x) {
  return sb[x & 255u] | (sb[(x >> 8) & 255u] << 8) | (sb[(x >> 16) & 255u] << 16) | (sb[x >> 24] << 24);
}
__device__ __forceinline__ u32 od_dswap(u32 x, u32 m, u32 s) {
  const u32 t = ((x >> s) ^ x) & m;
  return x ^ t ^ (t << s);
}
// a thread hashes `iters` nonces (nonce_of(nonce0) + it * threads) with the period's program `prog` (OD_TAB
// words, copied to shared memory). Threads t < nout write their last digest (its bytes as little-endian 64-bit
// words) to out[4t..4t+3].
extern "C" __global__ void hash(const u32* __restrict__ prog, u64 nonce0, int iters, unsigned int target,
                                unsigned int* hits, u64* out, unsigned int nout) {
  __shared__ u32 tab[OD_TAB];
  for (int i = threadIdx.x; i < OD_TAB; i += blockDim.x) tab[i] = prog[i];
  __syncthreads();
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const u32 HDR[18] = { %HDR% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    const u64 n = nonce_of(nonce0) + (u64)it * nT;
    u32 L[10], R[10];
#pragma unroll
    for (int j = 0; j < 10; ++j) { L[j] = HDR[j]; R[j] = j < 8 ? HDR[10 + j] : 0u; }
    R[8] = (u32)n; R[9] = (u32)(n >> 32);
#pragma unroll 1
    for (int r = 0; r < OD_ROUNDS; ++r) {
      const int p = r & 1;
      const u32* sb = tab + 256 * p;
      const u32 dm = tab[OD_DM + p], ds = tab[OD_DS + p];
      u32 f[10];
#pragma unroll
      for (int j = 0; j < 10; ++j) {
        const u32 x = od_dswap(od_sbox(sb, R[j] ^ tab[OD_RK + 10 * r + j]), dm, ds);
        f[j] = ROTL32(x, tab[OD_ROT + 10 * p + j]);
      }
#pragma unroll
      for (int j = 0; j < 10; ++j) {
        const u32 nr = L[j] ^ (f[(3 * j + 1) % 10] + f[(7 * j + 2) % 10]);
        L[j] = R[j];
        R[j] = nr;
      }
    }
    // SHA3-256 of the 80-byte ciphertext (L, R)
    u64 a[25];
#pragma unroll
    for (int i = 0; i < 25; ++i) a[i] = 0ull;
#pragma unroll
    for (int i = 0; i < 5; ++i) { a[i] = (u64)L[2 * i] | ((u64)L[2 * i + 1] << 32); a[5 + i] = (u64)R[2 * i] | ((u64)R[2 * i + 1] << 32); }
    a[10] = 0x06ull; a[16] = 0x8000000000000000ull;
    keccakf(a);
    found += (unsigned int)(a[3] >> 32) < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = a[q];
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%ROUNDS%", str(OD_ROUNDS)).replace("%TAB%", str(OD_TAB)).replace("%RK%", str(OD_RK)) \
   .replace("%ROT%", str(OD_ROT)).replace("%DM%", str(OD_DM)).replace("%DS%", str(OD_DS)) \
   .replace("%HDR%", _lit(OD_HDR, 32))


# ---------------------------------------------------------------------------------------------------------------
# known answers for the Python pieces, at import (cheap)
def _known_answers():
    assert ripemd160(b"").hex() == "9c1185a5c5e9fc54612808977ee8f548b2258d31", "RIPEMD-160 ('')"
    assert ripemd160(b"abc").hex() == "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc", "RIPEMD-160 ('abc')"
    try:
        for msg in (b"a" * 32, bytes(range(32)), b"message digest" * 5):
            assert ripemd160(msg) == hashlib.new("ripemd160", msg).digest(), "RIPEMD-160 (hashlib)"
    except ValueError:  # no RIPEMD-160 in this hashlib's OpenSSL
        pass
    msg = bytes(range(32))
    assert b"".join(v.to_bytes(8, "big") for v in sha512_words(msg, SHA512_IV)) == hashlib.sha512(msg).digest()
    assert _gf2_invertible(ES_MATRIX) and not _gf2_invertible([1] * 16), "Eaglesong-like bit matrix"
    prog = od_program(OD_PERIOD0)
    assert len(prog) == OD_TAB and sorted(prog[:256]) == list(range(256)) == sorted(prog[256:512]), "S-boxes"
    for p in (0, 1):
        m, s = prog[OD_DM + p], prog[OD_DS + p]
        assert m & (m << s) == 0 and (m << s) <= M32 and m, "delta swap"
        assert _dswap(_dswap(0x12345678, m, s), m, s) == 0x12345678
        assert [bin(_dswap(1 << b, m, s)).count("1") for b in range(32)] == [1] * 32, "delta swap permutes bits"
    assert od_program(OD_PERIOD0 + 1) != prog


_known_answers()


# ---------------------------------------------------------------------------------------------------------------
class _Kernel7(_Checked):
    """This module's `hash` kernels all take (their table, if any; nonce, iters, target, hits, out, nout)."""

    def tables(self):
        return ()

    def call(self, grid, block, nonce, iters, nout):
        cp = self.cp
        self.kernel((grid,), (block,), (*self.tables(), cp.uint64(nonce), cp.int32(iters), cp.uint32(TARGET),
                                        self.hits, self.out, cp.uint32(nout)))


class Tensority(_Kernel7):
    def __init__(self, variant):
        super().__init__("tensority")
        cp = self.cp
        mod = cp.RawModule(code=SRC["tensority"])
        self.kernel = mod.get_function("hash")
        self.mats = cp.empty(TN_WORDS, dtype=cp.uint32)
        mod.get_function("fill")((256,), (256,), (self.mats, cp.uint64(TN_WORDS), cp.uint64(TN_SEED)))
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.call(1, CHECK_THREADS, CHECK_NONCE, 1, CHECK_THREADS)
        mats = {}
        self._finish_check(self._compare({t: tensority_ref(CHECK_NONCE + t, mats) for t in CHECK_PICKS}))
        note(f"tensority: {TN_MATS} int8 matrices of {TN_N} x {TN_N} ({self.mats.nbytes >> 20} MiB), {TN_ROUNDS} "
             f"matrix-vector products ({TN_ROUNDS * TN_N * TN_N // 4} dp4a) and 3 Keccak-f[1600] a hash")

    def tables(self):
        return (self.mats,)


class Lbry(_Kernel7):
    def __init__(self, variant):
        super().__init__("lbry")
        cp = self.cp
        self.kernel = cp.RawKernel(SRC["lbry"], "hash")
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.call(1, CHECK_THREADS, CHECK_NONCE, 1, CHECK_THREADS)
        self._finish_check(self._compare({t: lbry_ref(CHECK_NONCE + t) for t in CHECK_PICKS}))
        note("lbry: SHA-256d, SHA-512, two RIPEMD-160 and SHA-256d a hash (seven compressions), no memory")


class Eaglesong(_Kernel7):
    def __init__(self, variant):
        super().__init__("eaglesong")
        cp = self.cp
        self.kernel = cp.RawKernel(SRC["eaglesong"], "hash")
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.call(1, CHECK_THREADS, CHECK_NONCE, 1, CHECK_THREADS)
        self._finish_check(self._compare({t: eaglesong_ref(CHECK_NONCE + t) for t in CHECK_PICKS}))
        note(f"eaglesong: 3 sponge permutations of {ES_ROUNDS} rounds a hash (bit matrix, circulant, injection, "
             f"add-rotate-add on 16 words), no memory")


class Odocrypt(_Kernel7):
    def __init__(self, variant):
        super().__init__("odocrypt")
        cp = self.cp
        self.kernel = cp.RawKernel(SRC["odocrypt"], "hash")
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        agree = 0
        for p, picks in ((0, CHECK_PICKS[:2]), (1, CHECK_PICKS[2:])):  # two periods' programs
            self._period(OD_PERIOD0 + p)
            self.call(1, CHECK_THREADS, CHECK_NONCE, 1, CHECK_THREADS)
            agree += self._compare({t: odocrypt_ref(CHECK_NONCE + t, OD_PERIOD0 + p) for t in picks})
        self._finish_check(agree)
        self._period(OD_PERIOD0)
        self.t_period, self.periods = None, 1
        note(f"odocrypt: {OD_ROUNDS}-round Feistel-like cipher over 640 bits and SHA3-256 a hash; the program "
             f"({OD_TAB * 4} bytes of S-boxes, round keys, bit permutations, rotations) made anew every "
             f"{OD_PERIOD_S:g} s")

    def _period(self, period):
        """Make and upload a period's program."""
        self.period = period
        self.prog = self.cp.asarray(od_program(period), dtype=self.cp.uint32)

    def tables(self):
        return (self.prog,)

    def launch(self, grid, block, iters):
        now = time.time()
        if self.t_period is None:
            self.t_period = now
        elif now - self.t_period >= OD_PERIOD_S:  # a new period: its program made on the host and uploaded
            self._period(self.period + 1)
            self.t_period, self.periods = now, self.periods + 1
        super().launch(grid, block, iters)


CLASSES = {"tensority": Tensority, "lbry": Lbry, "eaglesong": Eaglesong, "odocrypt": Odocrypt}


def run(family, variant, clock):
    check_variant(variant)
    h = CLASSES[family](variant)
    drive(h, variant, clock)
    extra = f", {h.periods} periods' programs run" if family == "odocrypt" else ""
    note(f"{family}/{variant}: {h.check_note}{extra}")
