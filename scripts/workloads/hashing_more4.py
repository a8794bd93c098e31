"""Proof-of-work hashing families (label 1) modelled on coins whose pipe mixes no earlier family has, driven like
hashing.py's: a scrypt-like ROMix whose BlockMix is small-table lookups and multiplies, a 64-bit ARX hash, AES
T-tables with a software carry-less multiply, and a branchy scratchpad of read-modify-writes with divisions.

  yescrypt  Yescrypt/YespowerR8-like, 4 threads a hash. PBKDF2-HMAC-SHA256 (c = 1) of an 80-byte header (72
            bytes and the nonce) with itself as salt gives a 1 KiB block B (r = 8: 16 64-byte sub-blocks); its
            first 128 bytes seed an 8 KiB S-box a hash (S0, S1: 256 16-byte entries each, 64 128-byte blocks
            chained by scrypt's Salsa20/8 BlockMix, r = 1). Then ROMix with N = 2048: 2048 sequential writes of B
            into V (2 MiB a hash) each followed by BlockMix_pwxform, then 2048 reads of V[Integerify(B) mod N],
            B = BlockMix_pwxform(B ^ V[j]) written back to V[j] (yescrypt's read-write smix2). BlockMix_pwxform:
            each 64-byte sub-block is XORed with the previous result and run through pwxform: 6 rounds, in each
            of its four 16-byte lanes (one a thread) two S-box reads (S0 and S1 at indices from the lane's low
            and high 32-bit words) and two 32 x 32 -> 64-bit multiplies and 64-bit adds; the last sub-block gets
            Salsa20/2 (the four threads exchange their words by shuffles). PBKDF2 of (header, B) is the hash.
            What should bound it: the S-box reads' L1 latency on a serial chain (6 rounds x 16 sub-blocks a
            BlockMix), with the 1 KiB V reads and writes (DRAM) beside. Memory: V for sms * 24 hashes (6.2 GiB
            on 132 SMs) plus their S-boxes, so the full grid is capped to 24 hashes (96 threads) an SM (GPU
            yescrypt miners are capped by memory the same way) and low runs 16 an SM. Not bit-exact with
            yescrypt (no Salsa20 word shuffle, no S2 writes, no client-key HMAC); the pieces are yescrypt's.
  sha512d   Radiant SHA512/256d-like: SHA-512/256 (FIPS 180-4: SHA-512's compression, the /256 IV) of an 80-byte
            header (72 bytes and the nonce), then SHA-512/256 of that digest: two 80-round compressions of 64-bit
            words a hash. No memory: bound by the integer pipe, every 64-bit add a pair of 32-bit adds with a
            carry and every 64-bit rotation two funnel shifts. The real SHA-512/256d (only the header layout is
            made up), checked against hashlib and the FIPS test vector.
  verus     VerusHash 2.x-like: a Haraka-512-like permutation (5 rounds, each two AES rounds on each of four
            16-byte blocks with round constants, then Haraka's MIX4 word shuffle; AES rounds through four
            T-tables in shared memory) chained over the header's 32-byte chunks gives a 32-byte state; from it
            128 chained permutations (with feed-forward) write an 8 KiB key table a thread (2.2 GiB for the full
            grid, entries interleaved across threads); then 256 CLHash-like steps, each reading two 16-byte key
            entries at an index from the accumulator, a 64 x 64 -> 128-bit carry-less multiply done in software
            (64 shift-mask-XOR steps: GPUs have no clmul) and the product XORed back into the key; a last
            permutation of (state, accumulator) is the hash. Bound by shared-memory T-table lookups and long
            shift/XOR chains. Haraka's round constants are not Haraka's (splitmix values); the AES round is
            FIPS-197's, checked at import.
  xelis     XelisHash-v2-like: a 64 KiB scratchpad a thread (8192 64-bit words, interleaved across threads) filled
            by ChaCha8 (RFC 8439's block function with 8 rounds, the key SHA3-256 of header and nonce), then
            12288 data-dependent read-modify-write steps, each reading two words at indices from the running
            state, combining them by one of 16 operations chosen by the data (a switch on four bits: 64-bit
            multiplies, multiply-high, adds, rotations, shifts, and 64-bit unsigned divisions and modulos by
            data-dependent divisors) and writing both back; the scratchpad folded to 32 bytes and SHA3-256 of it
            (with the state) is the hash. Memory-latency-bound (a serial chain of random 8-byte reads into DRAM)
            with branch divergence and the division subroutine. Memory: the full grid is capped to two
            256-thread blocks an SM (4.1 GiB on 132 SMs). Not XelisHash's exact operations or sizes.

Why: leave-one-family-out of the model misses miner families whose pipe mix it has not seen. These add 64-bit ARX
(sha512d), S-box lookups with multiplies over a large ROMix (yescrypt), AES T-tables with a software carry-less
multiply (verus), and a branchy scratchpad of read-modify-writes with divisions (xelis).

Each runs `iters` whole hashes a thread (yescrypt: a 4-thread group) a launch. yescrypt's and xelis's hashes are
long (milliseconds), so their short and poll launches are a whole hash, longer than asked (as nexapow's are).
Memory is allocated once, for the largest grid launched. hashing.drive() does the rest (calibration, variants,
clock).

Self-check: at set-up (before READY) a launch of each family's own `hash` kernel on nonces CHECK_NONCE.. (32
hashes) writes their final digests; four of them are compared with the pure-Python references below
(yescrypt_ref, sha512d_ref, verus_ref, xelis_ref), and after drive()'s summary line a line says `self-check: 4/4
... agree: True`. The Python pieces are checked at import by known answers: SHA-512 and SHA-512/256 of "abc" (FIPS
180-4) and SHA-512/256's IV, the Salsa20/8 core (RFC 7914), scrypt's BlockMix against hashlib.scrypt, the AES
round and AES-128 (FIPS-197 appendix B), the ChaCha20 block (RFC 8439 2.3.2), SHA3-256 (hashlib).
"""
import hashlib

from common import KECCAKF_CUDA, keccak_round_constants, note, sms
from hashing import HEAD, TARGET, check_variant, drive
from hashing_memhard import SALSA
from hashing_more import AES_HEAD, MASK64, SBOX, _gmul, _lit, _sha512_iv
from hashing_more2 import CHECK_NONCE, CHECK_PICKS, CHECK_THREADS, _Checked, _le64, _rotl32, _vals
from hashing_more3 import _icbrt, _primes
from moreops import _aes128_round_keys
from moreops4 import SHA_SRC

M32 = 0xFFFFFFFF
SHA256_DEVICE = SHA_SRC[:SHA_SRC.index('extern "C"')]  # moreops4's sha256_init / sha256_compress, not its kernels

SRC = {}  # family -> CUDA source, each with a `hash` kernel


def _rotr64(x, n):
    return ((x >> n) | (x << (64 - n))) & MASK64 if n else x


def _rotl64(x, n):
    return _rotr64(x, (64 - n) & 63)


def _bytes_le32(words):
    return b"".join((w & M32).to_bytes(4, "little") for w in words)


def _words_le32(data):
    return [int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data), 4)]


# ---------------------------------------------------------------------------------------------------------------
# yescrypt
YS_N = 2048
YS_R = 8                # B is 128 * r bytes: 2r 64-byte sub-blocks
YS_ROUNDS = 6           # pwxform rounds
YS_SBLOCKS = 64         # 128-byte blocks of the S-box (8 KiB: S0, S1 of 256 16-byte entries)
YS_HASHES_SM = 24       # the full grid's hashes an SM (4 threads each): V for sms * 24 hashes
YS_HDR = _vals(18, 0x595343, 32)  # the header's first 72 bytes as big-endian words
YS_HDR_BYTES = b"".join(w.to_bytes(4, "big") for w in YS_HDR)


def salsa_core(x, rounds):
    """The Salsa20 core (rounds / 2 double rounds, feed-forward) of 16 words."""
    z = list(x)
    for _ in range(rounds // 2):
        for a, b, c, d in ((0, 4, 8, 12), (5, 9, 13, 1), (10, 14, 2, 6), (15, 3, 7, 11),
                           (0, 1, 2, 3), (5, 6, 7, 4), (10, 11, 8, 9), (15, 12, 13, 14)):
            z[b] ^= _rotl32((z[a] + z[d]) & M32, 7)
            z[c] ^= _rotl32((z[b] + z[a]) & M32, 9)
            z[d] ^= _rotl32((z[c] + z[b]) & M32, 13)
            z[a] ^= _rotl32((z[d] + z[c]) & M32, 18)
    return [(z[i] + x[i]) & M32 for i in range(16)]


def blockmix_salsa8(b):
    """scrypt's BlockMix with r = 1 on 32 words (as hashing_memhard's blockmix)."""
    y0 = salsa_core([b[i] ^ b[16 + i] for i in range(16)], 8)
    y1 = salsa_core([y0[i] ^ b[16 + i] for i in range(16)], 8)
    return y0 + y1


def _pwxform(x, s):
    """pwxform of a 64-byte sub-block x (8 64-bit words: lane j is x[2j], x[2j+1]); s: the S-box as 512 (lo, hi)."""
    x0, x1, x2, x3, x4, x5, x6, x7 = x
    for _ in range(YS_ROUNDS):  # the four lanes written out (this runs 400,000 times a hash)
        p, q = s[(x0 >> 4) & 255], s[256 + ((x0 >> 36) & 255)]
        x0, x1 = (((x0 >> 32) * (x0 & M32) + p[0]) & MASK64) ^ q[0], (((x1 >> 32) * (x1 & M32) + p[1]) & MASK64) ^ q[1]
        p, q = s[(x2 >> 4) & 255], s[256 + ((x2 >> 36) & 255)]
        x2, x3 = (((x2 >> 32) * (x2 & M32) + p[0]) & MASK64) ^ q[0], (((x3 >> 32) * (x3 & M32) + p[1]) & MASK64) ^ q[1]
        p, q = s[(x4 >> 4) & 255], s[256 + ((x4 >> 36) & 255)]
        x4, x5 = (((x4 >> 32) * (x4 & M32) + p[0]) & MASK64) ^ q[0], (((x5 >> 32) * (x5 & M32) + p[1]) & MASK64) ^ q[1]
        p, q = s[(x6 >> 4) & 255], s[256 + ((x6 >> 36) & 255)]
        x6, x7 = (((x6 >> 32) * (x6 & M32) + p[0]) & MASK64) ^ q[0], (((x7 >> 32) * (x7 & M32) + p[1]) & MASK64) ^ q[1]
    return [x0, x1, x2, x3, x4, x5, x6, x7]


def _blockmix_pwx(blk, s):
    """BlockMix_pwxform of 2r sub-blocks (each 8 64-bit words), Salsa20/2 on the last."""
    x = blk[-1]
    out = []
    for sub in blk:
        x = _pwxform([a ^ b for a, b in zip(x, sub)], s)
        out.append(x)
    w = []
    for v in out[-1]:
        w += [v & M32, v >> 32]
    w = salsa_core(w, 2)
    out[-1] = [w[2 * k] | (w[2 * k + 1] << 32) for k in range(8)]
    return out


def yescrypt_ref(nonce, n=YS_N):
    """The 32-byte digest the `hash` kernel computes for a nonce (n: ROMix's N)."""
    hdr = YS_HDR_BYTES + nonce.to_bytes(8, "little")
    b = hashlib.pbkdf2_hmac("sha256", hdr, hdr, 1, 128 * YS_R)
    blk = [[int.from_bytes(b[64 * i + 8 * k:64 * i + 8 * k + 8], "little") for k in range(8)] for i in range(2 * YS_R)]
    sw, s = [], _words_le32(b[:128])
    for _ in range(YS_SBLOCKS):
        sw += s
        s = blockmix_salsa8(s)
    sbox = [(sw[4 * e] | sw[4 * e + 1] << 32, sw[4 * e + 2] | sw[4 * e + 3] << 32) for e in range(512)]
    v = []
    for _ in range(n):
        v.append(blk)
        blk = _blockmix_pwx(blk, sbox)
    for _ in range(n):
        j = (blk[-1][0] & M32) & (n - 1)
        blk = _blockmix_pwx([[a ^ c for a, c in zip(p, q)] for p, q in zip(blk, v[j])], sbox)
        v[j] = blk
    return hashlib.pbkdf2_hmac("sha256", hdr, b"".join(_le64(sub) for sub in blk), 1, 32)


def yescrypt_source(n=YS_N):
    return HEAD + SHA256_DEVICE + SALSA + r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define N %N%
#define R2 %R2%
#define PWX_ROUNDS %ROUNDS%
#define SBLOCKS %SBLOCKS%
#define FULL 0xFFFFFFFFu
__device__ __forceinline__ u32 bswap32(u32 x) { return __byte_perm(x, 0u, 0x0123); }
__device__ __forceinline__ u64 lo64(uint4 v) { return ((u64)v.y << 32) | v.x; }
__device__ __forceinline__ u64 hi64(uint4 v) { return ((u64)v.w << 32) | v.z; }
__device__ __forceinline__ uint4 u4(u64 a, u64 b) { return make_uint4((u32)a, (u32)(a >> 32), (u32)b, (u32)(b >> 32)); }
// HMAC-SHA256 keyed by the 80-byte header hdr (20 big-endian words): the inner state after the ipad block and
// the header's first 64 bytes (the salt's, for the first PBKDF2), the inner state after the ipad block alone,
// and the outer state after the opad block
__device__ __forceinline__ void hmac_init(u32* ist1, u32* ist, u32* ost, const u32* hdr) {
  u32 w[16], k[8];
  sha256_init(k);
#pragma unroll
  for (int i = 0; i < 16; ++i) w[i] = hdr[i];
  sha256_compress(k, w);
#pragma unroll
  for (int i = 0; i < 16; ++i) w[i] = i < 4 ? hdr[16 + i] : (i == 4 ? 0x80000000u : (i == 15 ? 640u : 0u));
  sha256_compress(k, w);
  sha256_init(ist);
#pragma unroll
  for (int i = 0; i < 16; ++i) w[i] = (i < 8 ? k[i] : 0u) ^ 0x36363636u;
  sha256_compress(ist, w);
  sha256_init(ost);
#pragma unroll
  for (int i = 0; i < 16; ++i) w[i] = (i < 8 ? k[i] : 0u) ^ 0x5C5C5C5Cu;
  sha256_compress(ost, w);
#pragma unroll
  for (int i = 0; i < 8; ++i) ist1[i] = ist[i];
#pragma unroll
  for (int i = 0; i < 16; ++i) w[i] = hdr[i];
  sha256_compress(ist1, w);
}
// PBKDF2-HMAC-SHA256 block k (from 1) of (header, salt = header): 8 big-endian words
__device__ __forceinline__ void pbkdf2_block(u32* T, const u32* ist1, const u32* ost, const u32* hdr, u32 k) {
  u32 st[8], w[16];
#pragma unroll
  for (int i = 0; i < 8; ++i) { st[i] = ist1[i]; T[i] = ost[i]; }
#pragma unroll
  for (int i = 0; i < 16; ++i) w[i] = i < 4 ? hdr[16 + i] : 0u;
  w[4] = k; w[5] = 0x80000000u; w[15] = (64u + 84u) * 8u;
  sha256_compress(st, w);
#pragma unroll
  for (int i = 0; i < 16; ++i) w[i] = i < 8 ? st[i] : (i == 8 ? 0x80000000u : (i == 15 ? 768u : 0u));
  sha256_compress(T, w);
}
// pwxform of this thread's lane (a, b) of a sub-block; S: the hash's S-box (S0: entries 0..255, S1: 256..511)
__device__ __forceinline__ void pwxform(u64& a, u64& b, const uint4* S) {
#pragma unroll 1
  for (int r = 0; r < PWX_ROUNDS; ++r) {
    const uint4 p0 = S[((u32)a >> 4) & 255u], p1 = S[256u + (((u32)(a >> 32) >> 4) & 255u)];
    a = ((u64)(u32)(a >> 32) * (u32)a + lo64(p0)) ^ lo64(p1);
    b = ((u64)(u32)(b >> 32) * (u32)b + hi64(p0)) ^ hi64(p1);
  }
}
// Salsa20/2 of a sub-block held by four threads (lane q: words 4q..4q+3 as (a, b))
__device__ __forceinline__ void salsa2(u64& a, u64& b, u32 q) {
  const u32 mine[4] = {(u32)a, (u32)(a >> 32), (u32)b, (u32)(b >> 32)};
  u32 in[16], x[16];
#pragma unroll
  for (int s = 0; s < 4; ++s)
#pragma unroll
    for (int k = 0; k < 4; ++k) in[4 * s + k] = __shfl_sync(FULL, mine[k], s, 4);
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i] = in[i];
  QR(x[0], x[4], x[8], x[12]); QR(x[5], x[9], x[13], x[1]); QR(x[10], x[14], x[2], x[6]); QR(x[15], x[3], x[7], x[11]);
  QR(x[0], x[1], x[2], x[3]); QR(x[5], x[6], x[7], x[4]); QR(x[10], x[11], x[8], x[9]); QR(x[15], x[12], x[13], x[14]);
  u32 o[4];
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    u32 v = 0u;
#pragma unroll
    for (int s = 0; s < 4; ++s) v = s == (int)q ? x[4 * s + k] + in[4 * s + k] : v;
    o[k] = v;
  }
  a = ((u64)o[1] << 32) | o[0]; b = ((u64)o[3] << 32) | o[2];
}
// BlockMix_pwxform of X (this lane's 16 bytes of each sub-block), XORed first with V's block at p if p is given
__device__ __forceinline__ void blockmix_pwx(u64* X, const uint4* S, u32 q, const uint4* p) {
  u64 a = X[2 * R2 - 2], b = X[2 * R2 - 1];
  if (p) { const uint4 v = p[4 * (R2 - 1)]; a ^= lo64(v); b ^= hi64(v); }
#pragma unroll
  for (int i = 0; i < R2; ++i) {
    a ^= X[2 * i]; b ^= X[2 * i + 1];
    if (p) { const uint4 v = p[4 * i]; a ^= lo64(v); b ^= hi64(v); }
    pwxform(a, b, S);
    X[2 * i] = a; X[2 * i + 1] = b;
  }
  salsa2(X[2 * R2 - 2], X[2 * R2 - 1], q);
}
// Four threads a hash (blockDim.x a multiple of 32). V: N blocks of 2r sub-blocks a hash, SB: 512 16-byte S-box
// entries a hash, both indexed by the hash's group (thread / 4). A group hashes `iters` nonces (nonce0 + group +
// it * groups); the first lane of groups g < nout writes its last hash's digest to out[4g..4g+3].
extern "C" __global__ void hash(uint4* __restrict__ V, uint4* __restrict__ SB, u64 nonce0, int iters,
                                unsigned int target, unsigned int* hits, u64* out, unsigned int nout) {
  const u32 q = threadIdx.x & 3u;
  const u64 g = ((u64)blockIdx.x * blockDim.x + threadIdx.x) >> 2;
  const u64 nG = ((u64)gridDim.x * blockDim.x) >> 2;
  uint4* Vs = V + g * ((u64)N * R2 * 4);
  uint4* S = SB + g * 512;
  const u32 HDR[18] = { %HDR% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    const u64 n = nonce0 + g + (u64)it * nG;
    u32 hdr[20], ist1[8], ist[8], ost[8], T[8];
#pragma unroll
    for (int i = 0; i < 18; ++i) hdr[i] = HDR[i];
    hdr[18] = bswap32((u32)n); hdr[19] = bswap32((u32)(n >> 32));
    hmac_init(ist1, ist, ost, hdr);
#pragma unroll 1
    for (u32 i = 0; i < R2; ++i) {  // lane q's 16 bytes of sub-block i (half of PBKDF2 block 2i + 1 + q / 2) to V[0]
      pbkdf2_block(T, ist1, ost, hdr, 2u * i + 1u + (q >> 1));
      u32 t0 = T[0], t1 = T[1], t2 = T[2], t3 = T[3];
      if (q & 1u) { t0 = T[4]; t1 = T[5]; t2 = T[6]; t3 = T[7]; }
      Vs[4 * i + q] = make_uint4(bswap32(t0), bswap32(t1), bswap32(t2), bswap32(t3));
    }
    u64 X[2 * R2];
#pragma unroll
    for (int k = 0; k < R2; ++k) { const uint4 v = Vs[4 * k + q]; X[2 * k] = lo64(v); X[2 * k + 1] = hi64(v); }
    {  // the S-box: B's first 128 bytes, then scrypt's BlockMix (r = 1) of each 128-byte block for the next
      u32 s[32];
#pragma unroll
      for (int m = 0; m < 4; ++m) {
        pbkdf2_block(T, ist1, ost, hdr, m + 1u);
#pragma unroll
        for (int k = 0; k < 8; ++k) s[8 * m + k] = bswap32(T[k]);
      }
#pragma unroll 1
      for (int m = 0; m < SBLOCKS; ++m) {
        u32 lo[4], hi[4];
#pragma unroll
        for (int k = 0; k < 4; ++k) {
          lo[k] = s[k]; hi[k] = s[16 + k];
#pragma unroll
          for (int j = 1; j < 4; ++j) { lo[k] = j == (int)q ? s[4 * j + k] : lo[k]; hi[k] = j == (int)q ? s[16 + 4 * j + k] : hi[k]; }
        }
        S[8 * m + q] = make_uint4(lo[0], lo[1], lo[2], lo[3]);
        S[8 * m + 4 + q] = make_uint4(hi[0], hi[1], hi[2], hi[3]);
        blockmix(s);
      }
    }
    __syncwarp();
#pragma unroll 1
    for (int i = 0; i < N; ++i) {
      uint4* p = Vs + (u64)i * R2 * 4 + q;
#pragma unroll
      for (int k = 0; k < R2; ++k) p[4 * k] = u4(X[2 * k], X[2 * k + 1]);
      blockmix_pwx(X, S, q, nullptr);
    }
#pragma unroll 1
    for (int i = 0; i < N; ++i) {
      const u32 j = __shfl_sync(FULL, (u32)X[2 * R2 - 2], 0, 4) & (N - 1);
      uint4* p = Vs + (u64)j * R2 * 4 + q;
      blockmix_pwx(X, S, q, p);
#pragma unroll
      for (int k = 0; k < R2; ++k) p[4 * k] = u4(X[2 * k], X[2 * k + 1]);
    }
    __syncwarp();
#pragma unroll
    for (int k = 0; k < R2; ++k) Vs[4 * k + q] = u4(X[2 * k], X[2 * k + 1]);  // B, for the first lane's PBKDF2
    __syncwarp();
    if (q == 0) {  // PBKDF2-HMAC-SHA256 of (header, B), one 32-byte block
      u32 st[8], w[16];
#pragma unroll
      for (int i = 0; i < 8; ++i) st[i] = ist[i];
#pragma unroll 1
      for (int k = 0; k < R2; ++k) {
#pragma unroll
        for (int l = 0; l < 4; ++l) {
          const uint4 v = Vs[4 * k + l];
          w[4 * l] = bswap32(v.x); w[4 * l + 1] = bswap32(v.y); w[4 * l + 2] = bswap32(v.z); w[4 * l + 3] = bswap32(v.w);
        }
        sha256_compress(st, w);
      }
#pragma unroll
      for (int i = 0; i < 16; ++i) w[i] = i == 0 ? 1u : (i == 1 ? 0x80000000u : 0u);
      w[15] = (64u + 128u * (R2 / 2) + 4u) * 8u;
      sha256_compress(st, w);
#pragma unroll
      for (int i = 0; i < 8; ++i) T[i] = ost[i];
#pragma unroll
      for (int i = 0; i < 16; ++i) w[i] = i < 8 ? st[i] : (i == 8 ? 0x80000000u : (i == 15 ? 768u : 0u));
      sha256_compress(T, w);
      found += T[7] < target;
      if (g < nout && it == iters - 1) {
#pragma unroll
        for (int k = 0; k < 4; ++k) out[4 * g + k] = ((u64)bswap32(T[2 * k + 1]) << 32) | bswap32(T[2 * k]);
      }
    }
    __syncwarp();
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%N%", str(n)).replace("%R2%", str(2 * YS_R)).replace("%ROUNDS%", str(YS_ROUNDS)) \
   .replace("%SBLOCKS%", str(YS_SBLOCKS)).replace("%HDR%", ", ".join(f"0x{v:x}u" for v in YS_HDR))


SRC["yescrypt"] = yescrypt_source()

# ---------------------------------------------------------------------------------------------------------------
# sha512d
SHA512_K = [_icbrt(p << 192) & MASK64 for p in _primes(80)]
SHA512_IV = _sha512_iv()
SD_HDR = _vals(9, 0x534844, 64)  # the header's first 72 bytes as big-endian 64-bit words; the nonce follows


def sha512_compress(h, w):
    """SHA-512's compression of 16 64-bit words into the state h (returned)."""
    w = list(w)
    for i in range(16, 80):
        s0 = _rotr64(w[i - 15], 1) ^ _rotr64(w[i - 15], 8) ^ (w[i - 15] >> 7)
        s1 = _rotr64(w[i - 2], 19) ^ _rotr64(w[i - 2], 61) ^ (w[i - 2] >> 6)
        w.append((w[i - 16] + s0 + w[i - 7] + s1) & MASK64)
    a, b, c, d, e, f, g, hh = h
    for i in range(80):
        t1 = (hh + (_rotr64(e, 14) ^ _rotr64(e, 18) ^ _rotr64(e, 41)) + ((e & f) ^ (~e & g)) + SHA512_K[i] + w[i]) \
            & MASK64
        t2 = ((_rotr64(a, 28) ^ _rotr64(a, 34) ^ _rotr64(a, 39)) + ((a & b) ^ (a & c) ^ (b & c))) & MASK64
        a, b, c, d, e, f, g, hh = (t1 + t2) & MASK64, a, b, c, (d + t1) & MASK64, e, f, g
    return [(x + y) & MASK64 for x, y in zip(h, (a, b, c, d, e, f, g, hh))]


def sha512_words(data, iv):
    """SHA-512 (FIPS 180-4 padding) of bytes from the IV iv: the eight state words."""
    m = data + b"\x80" + b"\x00" * ((111 - len(data)) % 128) + (8 * len(data)).to_bytes(16, "big")
    h = list(iv)
    for o in range(0, len(m), 128):
        h = sha512_compress(h, [int.from_bytes(m[o + 8 * i:o + 8 * i + 8], "big") for i in range(16)])
    return h


SHA512_256_IV = sha512_words(b"SHA-512/256", [v ^ 0xA5A5A5A5A5A5A5A5 for v in SHA512_IV])  # FIPS 180-4 5.3.6


def sha512_256(data):
    return b"".join(v.to_bytes(8, "big") for v in sha512_words(data, SHA512_256_IV)[:4])


def sha512d_ref(nonce):
    """The 32-byte digest the `hash` kernel computes for a nonce."""
    hdr = b"".join(v.to_bytes(8, "big") for v in SD_HDR) + nonce.to_bytes(8, "big")
    return sha512_256(sha512_256(hdr))


SRC["sha512d"] = HEAD + r"""
typedef unsigned long long u64;
__constant__ u64 K512[80] = { %K% };
__device__ __forceinline__ u64 rotr64(u64 x, int n) { return (x >> n) | (x << (64 - n)); }
__device__ __forceinline__ u64 bswap64(u64 x) {
  return ((u64)__byte_perm((unsigned int)x, 0u, 0x0123) << 32) | __byte_perm((unsigned int)(x >> 32), 0u, 0x0123);
}
// SHA-512's compression of the 16 words w (overwritten: the rolling schedule) into h
__device__ __forceinline__ void sha512_compress(u64* h, u64* w) {
  u64 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
#pragma unroll
  for (int i = 0; i < 80; ++i) {
    if (i >= 16) {
      const u64 w15 = w[(i - 15) & 15], w2 = w[(i - 2) & 15];
      w[i & 15] += (rotr64(w15, 1) ^ rotr64(w15, 8) ^ (w15 >> 7)) + w[(i - 7) & 15] +
                   (rotr64(w2, 19) ^ rotr64(w2, 61) ^ (w2 >> 6));
    }
    const u64 t1 = hh + (rotr64(e, 14) ^ rotr64(e, 18) ^ rotr64(e, 41)) + ((e & f) ^ (~e & g)) + K512[i] + w[i & 15];
    const u64 t2 = (rotr64(a, 28) ^ rotr64(a, 34) ^ rotr64(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}
// a thread hashes `iters` nonces (nonce_of(nonce0) + it * threads). Threads t < nout write their last digest (its
// bytes as little-endian 64-bit words) to out[4t..4t+3].
extern "C" __global__ void hash(u64 nonce0, int iters, unsigned int target, unsigned int* hits, u64* out,
                                unsigned int nout) {
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const u64 HDR[9] = { %HDR% };
  const u64 IV[8] = { %IV% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    u64 w[16], h[8];
#pragma unroll
    for (int i = 0; i < 16; ++i) w[i] = i < 9 ? HDR[i] : 0ull;
    w[9] = nonce_of(nonce0) + (u64)it * nT; w[10] = 0x8000000000000000ull; w[15] = 640ull;
#pragma unroll
    for (int i = 0; i < 8; ++i) h[i] = IV[i];
    sha512_compress(h, w);
#pragma unroll
    for (int i = 0; i < 16; ++i) w[i] = i < 4 ? h[i] : 0ull;
    w[4] = 0x8000000000000000ull; w[15] = 256ull;
#pragma unroll
    for (int i = 0; i < 8; ++i) h[i] = IV[i];
    sha512_compress(h, w);
    found += (unsigned int)(h[3] >> 32) < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = bswap64(h[q]);
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%K%", _lit(SHA512_K, 64)).replace("%HDR%", _lit(SD_HDR, 64)).replace("%IV%", _lit(SHA512_256_IV, 64))

# ---------------------------------------------------------------------------------------------------------------
# verus
VE_HDR = _vals(18, 0x564552, 32)  # the header's first 72 bytes as little-endian words; the nonce follows
VE_RC = _vals(160, 0x48524B, 32)   # 40 16-byte round constants (Haraka-like; not Haraka's)
VE_KEYS = 512                      # 16-byte key entries a thread (8 KiB)
VE_CL = 256                        # CLHash-like steps a hash


def aes_round(s, k):
    """AESENC on 16 bytes (FIPS-197 order, column-major): SubBytes, ShiftRows, MixColumns, AddRoundKey."""
    t = [SBOX[s[(r + 4 * ((c + r) % 4))]] for c in range(4) for r in range(4)]
    out = []
    for c in range(4):
        a0, a1, a2, a3 = t[4 * c:4 * c + 4]
        out += [_gmul(a0, 2) ^ _gmul(a1, 3) ^ a2 ^ a3, a0 ^ _gmul(a1, 2) ^ _gmul(a2, 3) ^ a3,
                a0 ^ a1 ^ _gmul(a2, 2) ^ _gmul(a3, 3), _gmul(a0, 3) ^ a1 ^ a2 ^ _gmul(a3, 2)]
    return bytes(x ^ y for x, y in zip(out, k))


def aes128_encrypt(key, block):
    """AES-128 of one block by aes_round and moreops's key expansion (for the FIPS-197 check)."""
    rk = [int(w).to_bytes(4, "big") for w in _aes128_round_keys(key)]
    rks = [b"".join(rk[4 * r:4 * r + 4]) for r in range(11)]
    s = bytes(x ^ y for x, y in zip(block, rks[0]))
    for r in range(1, 10):
        s = aes_round(s, rks[r])
    t = [SBOX[s[(r + 4 * ((c + r) % 4))]] for c in range(4) for r in range(4)]
    return bytes(x ^ y for x, y in zip(t, rks[10]))


def _mix4(s):
    """Haraka-512's MIX4 on four blocks of four 32-bit words (as _mm_unpacklo/hi_epi32)."""
    def lo(a, b):
        return [a[0], b[0], a[1], b[1]]

    def hi(a, b):
        return [a[2], b[2], a[3], b[3]]
    s0, s1, s2, s3 = s
    tmp = lo(s0, s1)
    s0 = hi(s0, s1)
    s1 = lo(s2, s3)
    s2 = hi(s2, s3)
    s3 = lo(s0, s2)
    s0 = hi(s0, s2)
    s2 = hi(s1, tmp)
    s1 = lo(s1, tmp)
    return [s0, s1, s2, s3]


def haraka_ff(words):
    """The Haraka-512-like permutation of 16 words with feed-forward (16 words)."""
    s = [words[4 * b:4 * b + 4] for b in range(4)]
    for r in range(5):
        for b in range(4):
            x = _bytes_le32(s[b])
            x = aes_round(x, _bytes_le32(VE_RC[4 * (8 * r + 2 * b):4 * (8 * r + 2 * b) + 4]))
            x = aes_round(x, _bytes_le32(VE_RC[4 * (8 * r + 2 * b + 1):4 * (8 * r + 2 * b + 1) + 4]))
            s[b] = _words_le32(x)
        s = _mix4(s)
    return [a ^ b for a, b in zip(s[0] + s[1] + s[2] + s[3], words)]


def haraka512(words):
    """Haraka-512-like: 16 words -> 8 (the feed-forward's bytes 8..15 of blocks 0, 1 and 0..7 of blocks 2, 3)."""
    f = haraka_ff(words)
    return f[2:4] + f[6:8] + f[8:10] + f[12:14]


def clmul64(a, b):
    """The carry-less 64 x 64 -> 128-bit product as (lo, hi)."""
    r = 0
    for i in range(64):
        if (b >> i) & 1:
            r ^= a << i
    return r & MASK64, r >> 64


def verus_ref(nonce):
    """The 32-byte digest the `hash` kernel computes for a nonce."""
    hdr = VE_HDR + [nonce & M32, nonce >> 32] + [0] * 4
    cur = [0] * 8
    for c in range(3):
        cur = haraka512(cur + hdr[8 * c:8 * c + 8])
    ks, key = cur + [~w & M32 for w in cur], []
    for i in range(VE_KEYS // 4):
        ks[0] ^= i
        ks = haraka_ff(ks)
        key += [(ks[4 * b] | ks[4 * b + 1] << 32, ks[4 * b + 2] | ks[4 * b + 3] << 32) for b in range(4)]
    a0, a1 = cur[0] | cur[1] << 32, cur[2] | cur[3] << 32
    for _ in range(VE_CL):
        i = a0 & (VE_KEYS - 1)
        e, f = key[i], key[i ^ 1]
        lo, hi = clmul64(a0 ^ e[0], a1 ^ f[1])
        key[i] = (e[0] ^ hi, e[1] ^ lo)
        a0 = lo ^ f[0]
        a1 = (_rotl64(hi ^ e[1], 17) + a0) & MASK64
    fin = cur[:]
    for v in (a0, a1, a0 ^ a1, (a0 + a1) & MASK64):
        fin += [v & M32, v >> 32]
    return _bytes_le32(haraka512(fin))


SRC["verus"] = HEAD + AES_HEAD + r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define KEYS %KEYS%
#define CL %CL%
__constant__ u32 HRC[160] = { %RC% };
__device__ __forceinline__ u64 lo64(uint4 v) { return ((u64)v.y << 32) | v.x; }
__device__ __forceinline__ u64 hi64(uint4 v) { return ((u64)v.w << 32) | v.z; }
__device__ __forceinline__ uint4 u4(u64 a, u64 b) { return make_uint4((u32)a, (u32)(a >> 32), (u32)b, (u32)(b >> 32)); }
__device__ __forceinline__ uint4 x4(uint4 a, uint4 b) { return make_uint4(a.x ^ b.x, a.y ^ b.y, a.z ^ b.z, a.w ^ b.w); }
__device__ __forceinline__ uint4 unlo(uint4 a, uint4 b) { return make_uint4(a.x, b.x, a.y, b.y); }
__device__ __forceinline__ uint4 unhi(uint4 a, uint4 b) { return make_uint4(a.z, b.z, a.w, b.w); }
// the Haraka-512-like permutation with feed-forward, s[0..3] in place; T: the AES T-tables in shared memory
__device__ __forceinline__ void haraka_ff(const u32* T, uint4* s) {
  const uint4 i0 = s[0], i1 = s[1], i2 = s[2], i3 = s[3];
#pragma unroll 1
  for (int r = 0; r < 5; ++r) {
#pragma unroll
    for (int b = 0; b < 4; ++b) {
      const u32* k = HRC + 4 * (8 * r + 2 * b);
      s[b] = aes_round(T, s[b], make_uint4(k[0], k[1], k[2], k[3]));
      s[b] = aes_round(T, s[b], make_uint4(k[4], k[5], k[6], k[7]));
    }
    const uint4 tmp = unlo(s[0], s[1]);
    s[0] = unhi(s[0], s[1]);
    s[1] = unlo(s[2], s[3]);
    s[2] = unhi(s[2], s[3]);
    s[3] = unlo(s[0], s[2]);
    s[0] = unhi(s[0], s[2]);
    s[2] = unhi(s[1], tmp);
    s[1] = unlo(s[1], tmp);
  }
  s[0] = x4(s[0], i0); s[1] = x4(s[1], i1); s[2] = x4(s[2], i2); s[3] = x4(s[3], i3);
}
// Haraka-512-like: the 32 bytes kept of the feed-forward, as two uint4
__device__ __forceinline__ void haraka512(const u32* T, uint4* s, uint4& o0, uint4& o1) {
  haraka_ff(T, s);
  o0 = make_uint4(s[0].z, s[0].w, s[1].z, s[1].w);
  o1 = make_uint4(s[2].x, s[2].y, s[3].x, s[3].y);
}
// carry-less 64 x 64 -> 128-bit multiply by shifts, masks and XORs
__device__ __forceinline__ void clmul64(u64 a, u64 b, u64& lo, u64& hi) {
  u64 l = a & (0ull - (b & 1ull)), h = 0ull;
#pragma unroll
  for (int i = 1; i < 64; ++i) {
    const u64 m = 0ull - ((b >> i) & 1ull);
    l ^= (a << i) & m;
    h ^= (a >> (64 - i)) & m;
  }
  lo = l; hi = h;
}
// a thread hashes `iters` nonces (nonce_of(nonce0) + it * threads); K: KEYS 16-byte key entries a thread, entry e
// of thread t at e * threads + t. Threads t < nout write their last digest to out[4t..4t+3].
extern "C" __global__ void hash(uint4* __restrict__ K, u64 nonce0, int iters, unsigned int target,
                                unsigned int* hits, u64* out, unsigned int nout) {
  __shared__ u32 T[1024];
  for (int i = threadIdx.x; i < 1024; i += blockDim.x) T[i] = TE[i];
  __syncthreads();
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const u32 HDR[18] = { %HDR% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    const u64 n = nonce_of(nonce0) + (u64)it * nT;
    uint4 c0 = make_uint4(0u, 0u, 0u, 0u), c1 = c0, s[4];
#pragma unroll 1
    for (int c = 0; c < 3; ++c) {  // the header's 32-byte chunks (80 bytes and zeros)
      u32 m[8];
#pragma unroll
      for (int i = 0; i < 8; ++i) {
        const int j = 8 * c + i;
        u32 v = 0u;
#pragma unroll
        for (int h = 0; h < 18; ++h) v = j == h ? HDR[h] : v;
        v = j == 18 ? (u32)n : (j == 19 ? (u32)(n >> 32) : v);
        m[i] = v;
      }
      s[0] = c0; s[1] = c1; s[2] = make_uint4(m[0], m[1], m[2], m[3]); s[3] = make_uint4(m[4], m[5], m[6], m[7]);
      haraka512(T, s, c0, c1);
    }
    s[0] = c0; s[1] = c1;
    s[2] = make_uint4(~c0.x, ~c0.y, ~c0.z, ~c0.w); s[3] = make_uint4(~c1.x, ~c1.y, ~c1.z, ~c1.w);
#pragma unroll 1
    for (u32 i = 0; i < KEYS / 4; ++i) {  // the key table: chained permutations, 64 bytes each
      s[0].x ^= i;
      haraka_ff(T, s);
#pragma unroll
      for (int b = 0; b < 4; ++b) K[(4 * i + b) * nT + t] = s[b];
    }
    u64 a0 = lo64(c0), a1 = hi64(c0);
#pragma unroll 1
    for (int st = 0; st < CL; ++st) {
      const u32 i = (u32)a0 & (KEYS - 1);
      const uint4 e = K[i * nT + t], f = K[(i ^ 1u) * nT + t];
      u64 lo, hi;
      clmul64(a0 ^ lo64(e), a1 ^ hi64(f), lo, hi);
      K[i * nT + t] = u4(lo64(e) ^ hi, hi64(e) ^ lo);
      a0 = lo ^ lo64(f);
      a1 = rotl64(hi ^ hi64(e), 17) + a0;
    }
    s[0] = c0; s[1] = c1; s[2] = u4(a0, a1); s[3] = u4(a0 ^ a1, a0 + a1);
    uint4 d0, d1;
    haraka512(T, s, d0, d1);
    found += d1.w < target;
    if (t < nout && it == iters - 1) {
      out[4 * t] = lo64(d0); out[4 * t + 1] = hi64(d0); out[4 * t + 2] = lo64(d1); out[4 * t + 3] = hi64(d1);
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%KEYS%", str(VE_KEYS)).replace("%CL%", str(VE_CL)).replace("%RC%", _lit(VE_RC, 32)) \
   .replace("%HDR%", _lit(VE_HDR, 32))

# ---------------------------------------------------------------------------------------------------------------
# xelis
XE_WORDS = 8192        # 64-bit words a thread's scratchpad (64 KiB)
XE_STEPS = 12288       # read-modify-write steps a hash
XE_BLOCKS_SM = 2       # the full grid's 256-thread blocks an SM (the scratchpads for them: 4.1 GiB on 132 SMs)
XE_HDR = _vals(9, 0x58454C, 64)  # the header's first 72 bytes as little-endian 64-bit words; the nonce follows
XE_NONCE = (0x58454C49, 0x53, 0)  # ChaCha's 96-bit nonce
CHACHA_C = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)


def chacha_core(x, rounds):
    """The ChaCha permutation (rounds / 2 double rounds) of 16 words with feed-forward."""
    z = list(x)
    for _ in range(rounds // 2):
        for a, b, c, d in ((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                           (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14)):
            z[a] = (z[a] + z[b]) & M32
            z[d] = _rotl32(z[d] ^ z[a], 16)
            z[c] = (z[c] + z[d]) & M32
            z[b] = _rotl32(z[b] ^ z[c], 12)
            z[a] = (z[a] + z[b]) & M32
            z[d] = _rotl32(z[d] ^ z[a], 8)
            z[c] = (z[c] + z[d]) & M32
            z[b] = _rotl32(z[b] ^ z[c], 7)
    return [(z[i] + x[i]) & M32 for i in range(16)]


def chacha_block(key, counter, nonce, rounds):
    """RFC 8439's ChaCha block function (rounds / 2 double rounds) as 16 words; key: 8 words, nonce: 3."""
    return chacha_core(list(CHACHA_C) + list(key) + [counter & M32] + list(nonce), rounds)


def xelis_op(sel, x, y, a, b, i):
    """The step's operation on (x, y) chosen by sel (0..15), with the state (a, b) and the step i."""
    if sel == 0:
        return (_rotl64(x, i & 63) * y) & MASK64
    if sel == 1:
        return (_rotl64(x, b & 63) + y * 3) & MASK64
    if sel == 2:
        return x ^ y ^ a
    if sel == 3:
        return ((x + y) * a) & MASK64
    if sel == 4:
        return ((y - a) * x) & MASK64
    if sel == 5:
        return (a - x + y) & MASK64
    if sel == 6:
        return (x * y + b) & MASK64
    if sel == 7:
        return x // ((y >> 32) | 1)
    if sel == 8:
        return x % (y | 1)
    if sel == 9:
        return ((x * y) >> 64) ^ a
    if sel == 10:
        return (x // ((a & 0xFFFF) | 3) + y) & MASK64
    if sel == 11:
        return (_rotl64(x ^ b, 17) * (y | 1)) & MASK64
    if sel == 12:
        return (x % ((b >> 40) | 5)) ^ y
    if sel == 13:
        return (x >> (y & 31)) ^ ((y << (x & 31)) & MASK64)
    if sel == 14:
        return (~x & y & MASK64) | a
    return (x * 0x9E3779B97F4A7C15 + y) & MASK64


def xelis_ref(nonce, words=XE_WORDS, steps=XE_STEPS):
    """The 32-byte digest the `hash` kernel computes for a nonce."""
    d = hashlib.sha3_256(_le64(XE_HDR + [nonce])).digest()
    key = _words_le32(d)
    pad = []
    for blk in range(words // 8):
        o = chacha_block(key, blk, XE_NONCE, 8)
        pad += [o[2 * m] | o[2 * m + 1] << 32 for m in range(8)]
    a, b = pad[words - 1], pad[words - 2]
    for i in range(steps):
        ia, ib = a & (words - 1), (b >> 32) & (words - 1)
        x, y = pad[ia], pad[ib]
        c = xelis_op((x ^ (y >> 7)) & 15, x, y, a, b, i)
        pad[ia] = c
        pad[ib] = y ^ _rotl64(c, 23)
        a, b = c ^ _rotl64(b, 7), (x + y + i) & MASK64
    acc = [0, 0, 0, 0]
    for w in range(words):
        acc[w & 3] ^= pad[w]
    return hashlib.sha3_256(_le64([a, b] + acc)).digest()


def xelis_source(words=XE_WORDS, steps=XE_STEPS):
    return HEAD + r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define WORDS %WORDS%
#define STEPS %STEPS%
__constant__ u64 KRC[24] = { %KRC% };
%KECCAKF%
#define CQR(a, b, c, d)                                        \
  a += b; d = ROTL32(d ^ a, 16); c += d; b = ROTL32(b ^ c, 12); \
  a += b; d = ROTL32(d ^ a, 8); c += d; b = ROTL32(b ^ c, 7);
// ChaCha8 (RFC 8439's block function, 8 rounds) of (key, counter, the fixed nonce): 16 words
__device__ __forceinline__ void chacha8(u32* o, const u32* k, u32 ctr) {
  u32 x[16] = {0x61707865u, 0x3320646Eu, 0x79622D32u, 0x6B206574u, k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7],
               ctr, %N0%u, %N1%u, %N2%u};
#pragma unroll
  for (int i = 0; i < 16; ++i) o[i] = x[i];
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    CQR(x[0], x[4], x[8], x[12]) CQR(x[1], x[5], x[9], x[13]) CQR(x[2], x[6], x[10], x[14]) CQR(x[3], x[7], x[11], x[15])
    CQR(x[0], x[5], x[10], x[15]) CQR(x[1], x[6], x[11], x[12]) CQR(x[2], x[7], x[8], x[13]) CQR(x[3], x[4], x[9], x[14])
  }
#pragma unroll
  for (int i = 0; i < 16; ++i) o[i] += x[i];
}
// a thread hashes `iters` nonces (nonce_of(nonce0) + it * threads); P: WORDS 64-bit words a thread, word w of
// thread t at w * threads + t. Threads t < nout write their last digest to out[4t..4t+3].
extern "C" __global__ void hash(u64* __restrict__ P, u64 nonce0, int iters, unsigned int target,
                                unsigned int* hits, u64* out, unsigned int nout) {
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const u64 HDR[9] = { %HDR% };
  u64* p = P + t;
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    u64 s[25];
#pragma unroll
    for (int i = 0; i < 25; ++i) s[i] = i < 9 ? HDR[i] : 0ull;
    s[9] = nonce_of(nonce0) + (u64)it * nT; s[10] = 0x06ull; s[16] = 0x8000000000000000ull;
    keccakf(s);  // SHA3-256 of the 80-byte header: the ChaCha key
    u32 k[8];
#pragma unroll
    for (int i = 0; i < 4; ++i) { k[2 * i] = (u32)s[i]; k[2 * i + 1] = (u32)(s[i] >> 32); }
#pragma unroll 1
    for (u32 blk = 0; blk < WORDS / 8; ++blk) {
      u32 o[16];
      chacha8(o, k, blk);
#pragma unroll
      for (int m = 0; m < 8; ++m) p[(8 * blk + m) * nT] = ((u64)o[2 * m + 1] << 32) | o[2 * m];
    }
    u64 a = p[(u64)(WORDS - 1) * nT], b = p[(u64)(WORDS - 2) * nT];
#pragma unroll 1
    for (u32 i = 0; i < STEPS; ++i) {
      const u32 ia = (u32)a & (WORDS - 1), ib = (u32)(b >> 32) & (WORDS - 1);
      const u64 x = p[ia * nT], y = p[ib * nT];
      u64 c;
      switch ((u32)(x ^ (y >> 7)) & 15u) {
        case 0: c = rotl64(x, i & 63) * y; break;
        case 1: c = rotl64(x, (int)(b & 63)) + y * 3ull; break;
        case 2: c = x ^ y ^ a; break;
        case 3: c = (x + y) * a; break;
        case 4: c = (y - a) * x; break;
        case 5: c = a - x + y; break;
        case 6: c = x * y + b; break;
        case 7: c = x / ((y >> 32) | 1ull); break;
        case 8: c = x % (y | 1ull); break;
        case 9: c = __umul64hi(x, y) ^ a; break;
        case 10: c = x / ((a & 0xFFFFull) | 3ull) + y; break;
        case 11: c = rotl64(x ^ b, 17) * (y | 1ull); break;
        case 12: c = (x % ((b >> 40) | 5ull)) ^ y; break;
        case 13: c = (x >> (y & 31)) ^ (y << (x & 31)); break;
        case 14: c = (~x & y) | a; break;
        default: c = x * 0x9E3779B97F4A7C15ull + y; break;
      }
      p[ia * nT] = c;
      p[ib * nT] = y ^ rotl64(c, 23);
      a = c ^ rotl64(b, 7);
      b = x + y + i;
    }
    u64 acc[4] = {0ull, 0ull, 0ull, 0ull};
#pragma unroll 4
    for (u32 w = 0; w < WORDS; ++w) acc[w & 3] ^= p[w * nT];
#pragma unroll
    for (int i = 0; i < 25; ++i) s[i] = 0ull;
    s[0] = a; s[1] = b; s[2] = acc[0]; s[3] = acc[1]; s[4] = acc[2]; s[5] = acc[3];
    s[6] = 0x06ull; s[16] = 0x8000000000000000ull;
    keccakf(s);  // SHA3-256 of the 48 bytes
    found += (unsigned int)s[3] < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = s[q];
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%WORDS%", str(words)).replace("%STEPS%", str(steps)).replace("%KRC%", _lit(keccak_round_constants(), 64)) \
   .replace("%KECCAKF%", KECCAKF_CUDA).replace("%HDR%", _lit(XE_HDR, 64)) \
   .replace("%N0%", str(XE_NONCE[0])).replace("%N1%", str(XE_NONCE[1])).replace("%N2%", str(XE_NONCE[2]))


SRC["xelis"] = xelis_source()


# ---------------------------------------------------------------------------------------------------------------
# known answers for the Python pieces, at import (cheap)
def _known_answers():
    assert SHA512_K[0] == 0x428A2F98D728AE22 and SHA512_K[79] == 0x6C44198C4A475817, "SHA-512 constants"
    assert b"".join(v.to_bytes(8, "big") for v in sha512_words(b"abc", SHA512_IV)) == hashlib.sha512(b"abc").digest()
    assert SHA512_256_IV[0] == 0x22312194FC2BF72C and SHA512_256_IV[7] == 0x0EB72DDC81C52CA2, "SHA-512/256 IV"
    assert sha512_256(b"abc").hex() == "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23", \
        "SHA-512/256 (FIPS 180-4)"
    s_in = _words_le32(bytes.fromhex("7e879a214f3ec9867ca940e641718f26baee555b8c61c1b50df846116dcd3b1d"
                                     "ee24f319df9b3d8514121e4b5ac5aa3276021d2909c74829edebc68db8b8c25e"))
    s_out = bytes.fromhex("a41f859c6608cc993b81cacb020cef05044b2181a2fd337dfd7b1c6396682f29"
                          "b4393168e3c9e6bcfe6bc5b7a06d96bae424cc102c91745c24ad673dc7618f81")
    assert _bytes_le32(salsa_core(s_in, 8)) == s_out, "Salsa20/8 core (RFC 7914)"
    if hasattr(hashlib, "scrypt"):  # scrypt with r = p = 1, N = 16, by blockmix_salsa8, against hashlib
        b = _words_le32(hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 1, 128))
        v = []
        for _ in range(16):
            v.append(b)
            b = blockmix_salsa8(b)
        for _ in range(16):
            b = blockmix_salsa8([x ^ y for x, y in zip(b, v[b[16] & 15])])
        assert hashlib.pbkdf2_hmac("sha256", b"pw", _bytes_le32(b), 1, 32) == \
            hashlib.scrypt(b"pw", salt=b"salt", n=16, r=1, p=1, dklen=32), "scrypt BlockMix (hashlib)"
    assert aes_round(bytes.fromhex("193de3bea0f4e22b9ac68d2ae9f84808"),
                     bytes.fromhex("a0fafe1788542cb123a339392a6c7605")).hex() == "a49c7ff2689f352b6b5bea43026a5049", \
        "AES round (FIPS-197 B)"
    assert aes128_encrypt(bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c"),
                          bytes.fromhex("3243f6a8885a308d313198a2e0370734")).hex() == \
        "3925841d02dc09fbdc118597196a0b32", "AES-128 (FIPS-197 B)"
    assert clmul64(3, 3) == (5, 0) and clmul64(1 << 63, 1 << 63) == (0, 1 << 62) and clmul64(MASK64, 1) == (MASK64, 0)
    key = _words_le32(bytes(range(32)))
    blk = _bytes_le32(chacha_block(key, 1, _words_le32(bytes.fromhex("000000090000004a00000000")), 20))
    assert blk.hex() == ("10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
                         "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e"), "ChaCha20 (RFC 8439)"
    assert hashlib.sha3_256(b"abc").hexdigest().startswith("3a985da74fe225b2"), "SHA3-256 (FIPS 202)"


_known_answers()


# ---------------------------------------------------------------------------------------------------------------
class Yescrypt(_Checked):
    def __init__(self, variant):
        # the Python references take about 2 s a hash: computed in forked processes (before this process starts
        # CUDA) while the GPU set-up runs
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        pool = ProcessPoolExecutor(len(CHECK_PICKS), mp_context=multiprocessing.get_context("fork"))
        refs = [pool.submit(yescrypt_ref, CHECK_NONCE + t) for t in CHECK_PICKS]
        super().__init__("yescrypt")
        cp = self.cp
        self.kernel = cp.RawKernel(SRC["yescrypt"], "hash")
        self.slots = max(sms() * YS_HASHES_SM, CHECK_THREADS)
        self.v = cp.empty(self.slots * YS_N * 32 * YS_R, dtype=cp.uint32)  # 128r bytes a block
        self.s = cp.empty(self.slots * 2048, dtype=cp.uint32)              # 8 KiB a hash
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.call(1, CHECK_THREADS, CHECK_NONCE, 1, CHECK_THREADS)  # CHECK_THREADS hashes
        self._finish_check(self._compare({t: r.result() for t, r in zip(CHECK_PICKS, refs)}))
        pool.shutdown()
        note(f"yescrypt: N = {YS_N}, r = {YS_R}: V of {self.v.nbytes / 2**30:.2f} GiB for {self.slots} hashes "
             f"(4 threads each), 8 KiB S-box a hash, {YS_ROUNDS} pwxform rounds a sub-block")

    def call(self, grid, block, nonce, iters, nout):
        """grid blocks of `block` hashes (4 threads each)."""
        cp = self.cp
        self.kernel((grid,), (4 * block,), (self.v, self.s, cp.uint64(nonce), cp.int32(iters), cp.uint32(TARGET),
                                            self.hits, self.out, cp.uint32(nout)))

    def launch(self, grid, block, iters):
        """The variant's grid as hashes: a block's threads / 4, at most YS_HASHES_SM an SM and one block an SM."""
        hashes = max(8, min(block // 4, YS_HASHES_SM) // 8 * 8)  # whole warps
        super().launch(max(1, min(grid, self.slots // hashes)), hashes, iters)


class Sha512d(_Checked):
    def __init__(self, variant):
        super().__init__("sha512d")
        cp = self.cp
        self.kernel = cp.RawKernel(SRC["sha512d"], "hash")
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.call(1, CHECK_THREADS, CHECK_NONCE, 1, CHECK_THREADS)
        self._finish_check(self._compare({t: sha512d_ref(CHECK_NONCE + t) for t in CHECK_PICKS}))
        note("sha512d: two SHA-512/256 compressions a hash (64-bit ARX), no memory")

    def call(self, grid, block, nonce, iters, nout):
        cp = self.cp
        self.kernel((grid,), (block,), (cp.uint64(nonce), cp.int32(iters), cp.uint32(TARGET), self.hits, self.out,
                                        cp.uint32(nout)))


class Verus(_Checked):
    def __init__(self, variant):
        super().__init__("verus")
        cp = self.cp
        self.kernel = cp.RawKernel(SRC["verus"], "hash")
        self.threads = sms() * 8 * 256  # the full grid's
        self.key = cp.empty(self.threads * VE_KEYS * 4, dtype=cp.uint32)
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.call(1, CHECK_THREADS, CHECK_NONCE, 1, CHECK_THREADS)
        self._finish_check(self._compare({t: verus_ref(CHECK_NONCE + t) for t in CHECK_PICKS}))
        note(f"verus: {VE_KEYS * 16 // 1024} KiB key table a thread ({self.key.nbytes / 2**30:.2f} GiB), "
             f"{3 + VE_KEYS // 4 + 1} Haraka-512-like permutations and {VE_CL} software carry-less multiplies a hash")

    def call(self, grid, block, nonce, iters, nout):
        cp = self.cp
        self.kernel((grid,), (block,), (self.key, cp.uint64(nonce), cp.int32(iters), cp.uint32(TARGET), self.hits,
                                        self.out, cp.uint32(nout)))

    def launch(self, grid, block, iters):
        super().launch(max(1, min(grid, self.threads // block)), block, iters)


class Xelis(_Checked):
    def __init__(self, variant):
        super().__init__("xelis")
        cp = self.cp
        self.kernel = cp.RawKernel(SRC["xelis"], "hash")
        self.threads = sms() * XE_BLOCKS_SM * 256
        self.pad = cp.empty(self.threads * XE_WORDS, dtype=cp.uint64)
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.call(1, CHECK_THREADS, CHECK_NONCE, 1, CHECK_THREADS)
        self._finish_check(self._compare({t: xelis_ref(CHECK_NONCE + t) for t in CHECK_PICKS}))
        note(f"xelis: {XE_WORDS * 8 // 1024} KiB scratchpad a thread ({self.pad.nbytes / 2**30:.2f} GiB for "
             f"{self.threads} threads), {XE_STEPS} read-modify-write steps a hash")

    def call(self, grid, block, nonce, iters, nout):
        cp = self.cp
        self.kernel((grid,), (block,), (self.pad, cp.uint64(nonce), cp.int32(iters), cp.uint32(TARGET), self.hits,
                                        self.out, cp.uint32(nout)))

    def launch(self, grid, block, iters):
        super().launch(max(1, min(grid, self.threads // block)), block, iters)


CLASSES = {"yescrypt": Yescrypt, "sha512d": Sha512d, "verus": Verus, "xelis": Xelis}


def run(family, variant, clock):
    check_variant(variant)
    h = CLASSES[family](variant)
    drive(h, variant, clock)
    note(f"{family}/{variant}: {h.check_note}")
