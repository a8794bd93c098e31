"""Proof-of-work hashing families (label 1), all memory-hard, modelled on coins whose memory pattern no earlier
family has, driven like hashing.py's: a suffix sort of a keystream, a Balloon hash of many parallel instances, a
chain of many 512-bit functions around three CryptoNight-like scratchpads, and Merkle-tree proofs over an
Argon2d-filled memory.

  astrobwt     AstroBWT-like (DERO's AstroBWT; DERO and Spectre now mine AstroBWTv3, whose core is the same suffix
               sort), a thread block of up to 256 threads a hash.
               Stage 1: SHA3-256 of an 80-byte header (72 bytes and the nonce) is a Salsa20/20 key (the real
               cipher, eSTREAM's 256-bit-key state, nonce 0); its keystream of 9973 bytes (AstroBWT's stage-1
               length) is the buffer. Its suffix array: a key a suffix, the suffix's first 47 bits above its 17-bit
               index (as xmrig's AstroBWT packs them), six LSD radix passes of 8-bit digits over the 47 bits (a
               256-bin shared histogram by atomicAdd, a warp scan of it, then tiles of blockDim keys scattered
               stably: ranks within a warp by __match_any_sync, warp offsets from per-warp shared counters), keys
               ping-ponging between two global arrays; runs of keys whose 47 bits tie are put in order by an
               insertion sort comparing whole suffixes (never met on random data, but there). The BWT byte of
               each sorted suffix (the byte before it) goes to a buffer, SHA3-256 is taken of each 1 KiB of it
               (a thread a leaf) and of the leaves' digests (one thread), and that digest keys stage 2: a
               keystream of 96-128 KiB (its length from the digest, as AstroBWT's stage 2 has 1-2 MiB), sorted,
               transformed and hashed the same way; its digest is the hash. What should bound it: the sort's
               global scatters and shared-memory atomics with three block barriers a tile (six passes over
               about 110,000 8-byte keys a hash, scattered 8-byte writes into 1 MiB), with Salsa20 and Keccak
               beside.
               Memory: 2.1 MiB a hash (the buffer and two key arrays), the full grid capped to 3 hashes an SM,
               as many 256-thread blocks as 80 registers a thread leave resident (0.84 GiB on 132 SMs); low runs
               one 64-thread block a hash, one an SM. Not AstroBWT's sizes (its stage 2 is 1 MiB or more) nor its
               exact SHA3 of the whole BWT (leaves of 1 KiB here, so that a block's threads share the hashing).
  balloon      Balloon-hashing-like (Boneh, Corrigan-Gibbs and Schechter's Balloon, its parallel Balloon-M
               form), a warp a hash: 32 instances (one a lane, the salt holding the lane and the nonce), each a
               buffer of s_cost = 2048 32-byte blocks (64 KiB; 2 MiB a hash). H is real BLAKE2s-256 of (an
               8-byte counter, then the inputs), as the Balloon paper defines it. Expand: block 0 = H(0, header,
               salt), block m = H(cnt, block m - 1); then t_cost = 2 rounds, each over every block m: block m =
               H(cnt, block m - 1, block m), then delta = 3 times: other = H(cnt, salt, t, m, i) mod s_cost (the
               data-independent index of Balloon), block m = H(cnt, block m, block other). The instances' last
               blocks are XORed across the warp (shuffles) and H(header, XOR) is the hash. What should bound it:
               a serial chain of BLAKE2s compressions (about 47,000 a lane a hash, 32-bit ARX) with random
               32-byte reads into 64 KiB per lane (32 lanes' reads land in 32 different places: latency-bound),
               the three index hashes a step beside. Memory: 2 MiB a hash, capped to 8 hashes (warps) an SM
               (2.1 GiB on 132 SMs). Balloon's algorithm; the sizes are the workload's.
  ghostrider   GhostRider-like (Raptoreum), a thread a hash. BLAKE2b-512 of the 80-byte header, then 15 512-bit
               hash functions in three groups of five, each group followed by a CryptoNight-like scratchpad
               loop; the order of the functions (eight distinct ones, seven of them twice) and the three
               CryptoNight variants (of six) come from a "previous block hash", a new one every 8 s, as
               GhostRider takes them from the previous block's hash (the order is the same for every thread:
               no divergence). The functions: BLAKE2b-512, SHA3-512 and SHA-512 (the real ones), a Groestl-like
               pair of P and Q permutations (10 rounds each, MixBytes by four 2 KiB 64-bit T-tables in shared
               memory), a Haraka-512-like permutation (AES rounds by shared T-tables, hashing_more4's), a
               Threefish-512 encryption with feed-forward (72 rounds, the real rotations and key schedule, fixed
               key), a CubeHash-like sponge (2 blocks, 64 rounds) and a Shabal-like permutation (multiplications
               by 3 and 5, rotations, 4 times 48 steps). The CryptoNight-like loop: Keccak-f[1600] of the state,
               AES keys and eight 16-byte lanes from it, an explode of the scratchpad (256 KiB, 512 KiB or
               1 MiB) by two AES rounds a 16-byte slot chained per lane, 4096 or 8192 iterations of
               CryptoNight's loop (a data-dependent 16-byte read, an AES round, a write; a second read, a 64 x 64
               -> 128-bit multiply, 64-bit adds, a write), an implode through two AES rounds a slot, Keccak-f
               again. What should bound it: the loops' dependent DRAM reads (one thread a scratchpad; the
               scratchpads interleaved across threads by 16-byte slot, so that a warp's explode and implode
               accesses are coalesced), the explode and implode's shared-memory T-table lookups and DRAM traffic,
               and the chain of 64-bit ARX, Keccak and table-driven functions between them. Memory: a 1 MiB
               scratchpad a thread (a variant uses its first 256 KiB-1 MiB), the full grid capped
               to 128 threads an SM (16.5 GiB on 132 SMs), low to 64 (8.3 GiB). Not GhostRider's functions (its
               fifteen are x16r's, these are eight, five of them simplified) nor CryptoNight's loop lengths
               (2^15 to 2^19 iterations): the pattern is the chain with three scratchpad walks of varying size.
  mtp          MTP-like (Zcoin's Merkle Tree Proof). A job's memory: 2^22 1 KiB blocks (4 GiB) filled Argon2d-style
               in 64 lanes (real MTP: 4), a warp a lane, four slices with a kernel launch between (Argon2's
               synchronisation points): each new block is Argon2's compression (the BLAKE2b round with the
               fBlaMka multiply-add over the block's rows, then its columns, through shared memory) of the
               previous block XOR a reference block chosen from the previous block's first word (Argon2d's J1
               and J2: the lane, then a position by Argon2's squaring map over the allowed area). Then a Merkle
               tree: BLAKE2b-256 of every block (a thread a block), then of each pair of digests, level by
               level, to the root. A hash, a thread a nonce: Y0 = BLAKE2b-256(header, root, nonce), then 64
               steps Y = BLAKE2b-256(Y, block[Y mod 2^22]) (nine compressions of 1056 bytes a step), Y64 the
               hash. A new job (a new challenge) every 10 s fills the memory and builds the tree again (84 ms
               on an H200, mostly the fill, with only 64 warps busy: it is sequential in each lane).
               What should bound the hashing: 64 random 1 KiB reads a nonce (DRAM bandwidth) with 576 BLAKE2b
               compressions (64-bit ARX) on them. Memory: 4 GiB and 256 MiB of tree. Not MTP's exact Argon2
               parameters (its 4 lanes and H0-derived first blocks; here the first two blocks of a lane are
               splitmix64 words) nor its proof serialisation.

Why: held out by family, the detector misses memory-hard hashing it has not seen (RandomX-, DAG-, Octopus-,
Equihash-like samples mostly get through); each memory-hard family has its own signature, and more distinct
memory-hard kin in training is the way to generalise. These add a sort-heavy hash (astrobwt: radix passes with
block barriers and shared atomics, as a suffix-array builder runs), a data-independent memory-hard chain over many
small instances (balloon), a long chain of different functions around scratchpads of varying size (ghostrider),
and bandwidth-bound reads of large blocks behind an Argon2 fill and a Merkle tree that recur with each job (mtp).

Each runs `iters` whole hashes a thread (astrobwt: a block, balloon: a warp) a launch; astrobwt's, balloon's and
ghostrider's hashes are long, so their short and poll launches are a whole hash, longer than asked (as yescrypt's
and cngpu's are). One launch of a hash a thread took, on an H200 (full grid, low in brackets): astrobwt 10 ms
(23), balloon 88 ms (69), ghostrider 108 ms (83), mtp 20 ms (2). Memory is allocated once, for the largest grid launched:
astrobwt 0.84 GiB, balloon 2.1 GiB, ghostrider 16.5 GiB (low 8.3 GiB), mtp 4.25 GiB (on 132 SMs).
hashing.drive() does the rest (calibration, variants, clock).

Self-check: at set-up (before READY) a launch of each family's own `hash` kernel on nonces CHECK_NONCE.. (32
hashes) writes their final digests; four of them are compared with the Python references below (astrobwt_ref,
balloon_ref, ghostrider_ref with two "previous block hashes", mtp_check_ref), and after drive()'s summary line a
line says `self-check: 4/4 ... agree: True`. mtp's check runs on a small memory (4 lanes of 256 blocks) filled,
tree-built and hashed by the same kernels, its root compared too. The slow references (balloon's 983,000 BLAKE2s
calls a hash, ghostrider's scratchpads, mtp's fill) run in forked processes while the GPU sets up. The Python
pieces are checked at import by known answers: Salsa20/20 (eSTREAM set 1 vector 0, through hashing_more4's
core, and the vectorised keystream against that core), the suffix array against a brute-force sort (small inputs,
some of them low-entropy, so that long prefix ties occur), the T-table AES round of the CryptoNight-like loop
against hashing_more4's FIPS-197 round, Threefish-512 (the Skein 1.3 known answer for a zero key, tweak and block),
and Argon2d as a whole (RFC 9106's test vector, 5.1) through the same compression and fill that make mtp's check
memory. SHA3-256, SHA3-512, BLAKE2b, SHA-512 and BLAKE2s are hashlib's.
"""
import hashlib
import time

from common import KECCAKF_CUDA, SPLITMIX_CUDA, keccak_round_constants, note, sms
from hashing import HEAD, TARGET, check_variant, drive
from hashing_memhard import _splitmix
from hashing_more import AES_HEAD, BLAKE_SIGMA, MASK64, THREEFISH_R, _aes_tables, _groestl_tables, _lit
from hashing_more2 import (B2IV, CHECK_NONCE, CHECK_PICKS, CHECK_THREADS, CUBE_IV, _Checked, _cube_round, _le64,
                           _rotl32, _vals)
from hashing_more4 import SHA512_IV, VE_RC, _bytes_le32, _rotl64, _words_le32, aes_round, haraka_ff, salsa_core
from hashing_more4 import SRC as SRC4
from hashing_more5 import _b2s_rounds_cuda, _pool_refs
from moreops6 import _keccak_f

M32 = 0xFFFFFFFF
SRC = {}  # family -> CUDA source, each with a `hash` kernel (mtp: `fill`, `leaves` and `tree` too)


def _u64s(data):
    return [int.from_bytes(data[i:i + 8], "little") for i in range(0, len(data), 8)]


def _b2b_rounds_cuda():
    """BLAKE2b's 12 rounds on v[16] with the message m[16], the schedule's indices written out."""
    lines = []
    for r in range(12):
        s = BLAKE_SIGMA[r % 10]
        for i, (a, b, c, d) in enumerate(((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                                          (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14))):
            lines.append(f"  B2BG(v[{a}], v[{b}], v[{c}], v[{d}], m[{s[2 * i]}], m[{s[2 * i + 1]}]);")
    return "\n".join(lines)


# BLAKE2b's compression for a CUDA source that defines u64 and rotr64: h (8 words) updated by the 16 message
# words m; t: the bytes so far (under 2^64), last: the final block. B2B_IV0: the IV with the parameter block of
# an unkeyed digest of 32 (B2B_P32) or 64 bytes (B2B_P64) XORed into word 0.
B2B_CUDA = r"""
#define B2BG(a, b, c, d, x, y) \
  a += b + (x); d = rotr64(d ^ a, 32); c += d; b = rotr64(b ^ c, 24); \
  a += b + (y); d = rotr64(d ^ a, 16); c += d; b = rotr64(b ^ c, 63);
#define B2B_P32 0x01010020ull
#define B2B_P64 0x01010040ull
__constant__ u64 B2B_IV[8] = { %B2IV% };
__device__ __forceinline__ void b2b_init(u64* h, u64 param) {
#pragma unroll
  for (int i = 0; i < 8; ++i) h[i] = B2B_IV[i];
  h[0] ^= param;
}
__device__ __forceinline__ void b2b_compress(u64* h, const u64* m, u64 t, bool last) {
  u64 v[16];
#pragma unroll
  for (int i = 0; i < 8; ++i) { v[i] = h[i]; v[i + 8] = B2B_IV[i]; }
  v[12] ^= t;
  if (last) v[14] = ~v[14];
%B2BROUNDS%
#pragma unroll
  for (int i = 0; i < 8; ++i) h[i] ^= v[i] ^ v[i + 8];
}
""".replace("%B2IV%", _lit(B2IV, 64)).replace("%B2BROUNDS%", _b2b_rounds_cuda())

# ---------------------------------------------------------------------------------------------------------------
# astrobwt
AB_N1 = 9973            # stage 1's keystream bytes (AstroBWT's)
AB_N2 = 0x18000         # stage 2's: 96 KiB plus the first digest word's low 15 bits (96-128 KiB)
AB_N2_MASK = 0x7FFF
AB_NMAX = 0x20000       # the largest buffer; a key's index has 17 bits
AB_LEAF = 1024          # bytes a SHA3-256 leaf of the BWT output
AB_BLOCKS_SM = 3        # the full grid's hashes (256-thread blocks) an SM: as many as are resident (80 registers)
AB_HDR = _vals(9, 0x414257, 64)  # the header's first 72 bytes as little-endian 64-bit words; the nonce follows
SALSA_SIGMA = _words_le32(b"expand 32-byte k")
_SALSA_QR = ((0, 4, 8, 12), (5, 9, 13, 1), (10, 14, 2, 6), (15, 3, 7, 11),
             (0, 1, 2, 3), (5, 6, 7, 4), (10, 11, 8, 9), (15, 12, 13, 14))


def salsa20_state(key, counter):
    """Salsa20's input words for a 256-bit key (8 words), nonce 0 and a block counter."""
    return ([SALSA_SIGMA[0]] + list(key[:4]) + [SALSA_SIGMA[1], 0, 0, counter & M32, counter >> 32, SALSA_SIGMA[2]]
            + list(key[4:]) + [SALSA_SIGMA[3]])


def salsa20_stream(key, n):
    """The first n bytes of the Salsa20/20 keystream (key: 8 words, nonce 0), every block at once (NumPy)."""
    import numpy as np
    blocks = (n + 63) // 64
    x = np.zeros((16, blocks), dtype=np.uint32)
    for i, w in enumerate(salsa20_state(key, 0)):
        x[i] = w
    x[8] = np.arange(blocks, dtype=np.uint32)
    z = x.copy()

    def rotl(v, s):
        return (v << np.uint32(s)) | (v >> np.uint32(32 - s))
    for _ in range(10):
        for a, b, c, d in _SALSA_QR:
            z[b] ^= rotl(z[a] + z[d], 7)
            z[c] ^= rotl(z[b] + z[a], 9)
            z[d] ^= rotl(z[c] + z[b], 13)
            z[a] ^= rotl(z[d] + z[c], 18)
    return np.ascontiguousarray((z + x).T).astype("<u4").tobytes()[:n]


def suffix_array(data):
    """The suffix array of bytes (a shorter suffix before a longer one it begins): argsort of each suffix's first
    8 bytes (zeros past the end), then runs that tie on those put in order by whole-suffix comparison."""
    import numpy as np
    n = len(data)
    a = np.frombuffer(bytes(data) + bytes(8), dtype=np.uint8).astype(np.uint64)
    keys = np.zeros(n, dtype=np.uint64)
    for k in range(8):
        keys = (keys << np.uint64(8)) | a[k:k + n]
    sa = np.argsort(keys, kind="stable")
    ks = keys[sa]
    tie = np.flatnonzero(ks[1:] == ks[:-1])
    s = 0
    while s < len(tie):  # runs of equal prefixes: positions tie[s] .. tie[e] + 1
        e = s
        while e + 1 < len(tie) and tie[e + 1] == tie[e] + 1:
            e += 1
        lo, hi = tie[s], tie[e] + 2
        sa[lo:hi] = sorted(sa[lo:hi].tolist(), key=lambda i: data[i:])
        s = e + 1
    return sa


def astrobwt_stage(key, n):
    """A stage: Salsa20/20 keystream of n bytes under the 32-byte key, its BWT by the suffix array (the byte before
    each suffix, the last byte before the first), SHA3-256 of each 1 KiB of it, SHA3-256 of those digests."""
    import numpy as np
    data = salsa20_stream(_words_le32(key), n)
    sa = suffix_array(data)
    bwt = np.frombuffer(data, dtype=np.uint8)[(sa - 1) % n].tobytes()
    leaves = b"".join(hashlib.sha3_256(bwt[o:o + AB_LEAF]).digest() for o in range(0, n, AB_LEAF))
    return hashlib.sha3_256(leaves).digest()


def astrobwt_ref(nonce):
    """The 32-byte digest the `hash` kernel computes for a nonce."""
    d = astrobwt_stage(hashlib.sha3_256(_le64(AB_HDR + [nonce])).digest(), AB_N1)
    return astrobwt_stage(d, AB_N2 + (int.from_bytes(d[:4], "little") & AB_N2_MASK))


SRC["astrobwt"] = HEAD + r"""
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;
#define NMAX %NMAX%
#define N1 %N1%
#define N2 %N2%
#define N2MASK %N2MASK%
#define LEAF %LEAF%
#define FULL 0xFFFFFFFFu
#define IMASK 0x1FFFFu
__constant__ u64 KRC[24] = { %KRC% };
%KECCAKF%
#define SQR(a, b, c, d) b ^= ROTL32(a + d, 7); c ^= ROTL32(b + a, 9); d ^= ROTL32(c + b, 13); a ^= ROTL32(d + c, 18);
// SHA3-256 of len bytes at p (8-byte aligned), the digest as eight little-endian words in d
__device__ __noinline__ void sha3_256(const u8* p, u32 len, u32* d) {
  u64 s[25];
#pragma unroll
  for (int i = 0; i < 25; ++i) s[i] = 0ull;
#pragma unroll 1
  for (; len >= 136u; len -= 136u, p += 136) {
    const u64* q = (const u64*)p;
#pragma unroll
    for (int j = 0; j < 17; ++j) s[j] ^= q[j];
    keccakf(s);
  }
#pragma unroll
  for (u32 j = 0; j < 17u; ++j) {  // the tail, SHA3's 0x06 after it, 0x80 at the rate's last byte
    u64 w = 0ull;
#pragma unroll
    for (u32 k = 0; k < 8u; ++k) {
      const u32 o = 8u * j + k;
      const u64 b = o < len ? (u64)p[o] : (o == len ? 0x06ull : 0ull);
      w |= b << (8u * k);
    }
    s[j] ^= w;
  }
  s[16] ^= 0x8000000000000000ull;
  keccakf(s);
#pragma unroll
  for (int q = 0; q < 4; ++q) { d[2 * q] = (u32)s[q]; d[2 * q + 1] = (u32)(s[q] >> 32); }
}
// Salsa20/20 block `ctr` of the keystream under the 256-bit key k (nonce 0), 64 bytes to o
__device__ __forceinline__ void salsa20_block(const u32* k, u32 ctr, uint4* o) {
  const u32 x[16] = {0x61707865u, k[0], k[1], k[2], k[3], 0x3320646eu, 0u, 0u, ctr, 0u, 0x79622d32u,
                     k[4], k[5], k[6], k[7], 0x6b206574u};
  u32 z[16];
#pragma unroll
  for (int i = 0; i < 16; ++i) z[i] = x[i];
#pragma unroll 2
  for (int r = 0; r < 10; ++r) {
    SQR(z[0], z[4], z[8], z[12]) SQR(z[5], z[9], z[13], z[1]) SQR(z[10], z[14], z[2], z[6]) SQR(z[15], z[3], z[7], z[11])
    SQR(z[0], z[1], z[2], z[3]) SQR(z[5], z[6], z[7], z[4]) SQR(z[10], z[11], z[8], z[9]) SQR(z[15], z[12], z[13], z[14])
  }
#pragma unroll
  for (int q = 0; q < 4; ++q)
    o[q] = make_uint4(x[4 * q] + z[4 * q], x[4 * q + 1] + z[4 * q + 1], x[4 * q + 2] + z[4 * q + 2],
                      x[4 * q + 3] + z[4 * q + 3]);
}
// suffix a before suffix b (a != b) of the n bytes at D, a shorter one first where it begins the other
__device__ __forceinline__ bool suffix_less(const u8* D, u32 n, u32 a, u32 b) {
#pragma unroll 1
  for (u32 o = 0;; ++o) {
    if (a + o == n) return true;
    if (b + o == n) return false;
    const u8 x = D[a + o], y = D[b + o];
    if (x != y) return x < y;
  }
}
// A thread block a hash (blockDim.x a multiple of 32, at most 256). D: NMAX + 64 bytes a block (the keystream),
// K: 2 NMAX 8-byte keys a block (the radix sort's two arrays; the second holds the BWT bytes after the sort).
// Block b hashes `iters` nonces (nonce0 + b + it * blocks); thread 0 of blocks b < nout writes its last digest to
// out[4b..4b+3].
extern "C" __global__ void __launch_bounds__(256, 3) hash(u8* __restrict__ D, u64* __restrict__ K, u64 nonce0, int iters,
                                                       unsigned int target, unsigned int* hits, u64* out,
                                                       unsigned int nout) {
  __shared__ u32 hist[256];
  __shared__ u32 wcnt[8][256];
  __shared__ u64 leaf[NMAX / LEAF * 4];
  __shared__ u32 kw[8];
  const u32 tid = threadIdx.x, bd = blockDim.x, lane = tid & 31u, warp = tid >> 5, nw = bd >> 5;
  u8* Db = D + (u64)blockIdx.x * (NMAX + 64);
  u64* K0 = K + (u64)blockIdx.x * 2 * NMAX;
  u64* K1 = K0 + NMAX;
  for (u32 j = tid; j < 8u * 256u; j += bd) wcnt[j >> 8][j & 255u] = 0u;
  const u64 HDR[9] = { %HDR% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    if (tid == 0) {  // SHA3-256 of the header and the nonce: stage 1's key
#pragma unroll
      for (int i = 0; i < 9; ++i) leaf[i] = HDR[i];
      leaf[9] = nonce0 + blockIdx.x + (u64)it * gridDim.x;
      sha3_256((const u8*)leaf, 80u, kw);
    }
    __syncthreads();
#pragma unroll 1
    for (int st = 0; st < 2; ++st) {
      const u32 n = st == 0 ? N1 : N2 + (kw[0] & N2MASK);
      u32 key[8];
#pragma unroll
      for (int j = 0; j < 8; ++j) key[j] = kw[j];
#pragma unroll 1
      for (u32 b = tid; b < (n + 63u) / 64u; b += bd) salsa20_block(key, b, (uint4*)(Db + 64u * b));
      __syncthreads();
#pragma unroll 1
      for (u32 i = tid; i < n; i += bd) {  // suffix i's key: its first 47 bits (zeros past the end), its index
        u64 p = 0ull;
#pragma unroll
        for (u32 k = 0; k < 6u; ++k) p = (p << 8) | (i + k < n ? (u64)Db[i + k] : 0ull);
        K0[i] = ((p >> 1) << 17) | i;
      }
      __syncthreads();
      u64* src = K0;
      u64* dst = K1;
#pragma unroll 1
      for (u32 pass = 0; pass < 6u; ++pass) {  // LSD radix sort on bits 17..63, 8 bits a pass, stable
        const u32 sh = 17u + 8u * pass;
        for (u32 j = tid; j < 256u; j += bd) hist[j] = 0u;
        __syncthreads();
#pragma unroll 4
        for (u32 i = tid; i < n; i += bd) atomicAdd(&hist[(u32)(src[i] >> sh) & 255u], 1u);
        __syncthreads();
        if (warp == 0) {  // exclusive scan of the 256 counts: each digit's first position
          u32 carry = 0u;
#pragma unroll 1
          for (u32 c = 0; c < 8u; ++c) {
            const u32 v = hist[32u * c + lane];
            u32 x = v;
#pragma unroll
            for (u32 o = 1; o < 32u; o <<= 1) {
              const u32 y = __shfl_up_sync(FULL, x, o);
              if (lane >= o) x += y;
            }
            hist[32u * c + lane] = carry + x - v;
            carry += __shfl_sync(FULL, x, 31);
          }
        }
        __syncthreads();
#pragma unroll 1
        for (u32 t0 = 0; t0 < n; t0 += bd) {  // a tile of blockDim keys, in order: warp, then lane
          const u32 i = t0 + tid;
          const bool valid = i < n;
          const u64 k = valid ? src[i] : 0ull;
          const u32 d = valid ? ((u32)(k >> sh) & 255u) : 256u + lane;
          const u32 peers = __match_any_sync(FULL, d);
          const u32 rank = __popc(peers & ((1u << lane) - 1u));
          if (valid && rank == 0u) wcnt[warp][d] = __popc(peers);
          __syncthreads();
          if (valid) {
            u32 pos = hist[d] + rank;
#pragma unroll 1
            for (u32 w = 0; w < warp; ++w) pos += wcnt[w][d];
            dst[pos] = k;
          }
          __syncthreads();
          for (u32 j = tid; j < 256u; j += bd) {  // the tile's counts onto the digits' positions, counters cleared
            u32 s = 0u;
#pragma unroll 1
            for (u32 w = 0; w < nw; ++w) { s += wcnt[w][j]; wcnt[w][j] = 0u; }
            hist[j] += s;
          }
          __syncthreads();
        }
        u64* t = src; src = dst; dst = t;
      }
      // six passes: the sorted keys are in K0. Runs whose 47 bits tie: insertion sort by whole suffixes.
#pragma unroll 1
      for (u32 k = tid; k < n; k += bd) {
        const u64 pk = K0[k] >> 17;
        if ((k == 0u || (K0[k - 1] >> 17) != pk) && k + 1u < n && (K0[k + 1] >> 17) == pk) {
          u32 e = k + 1u;
          while (e < n && (K0[e] >> 17) == pk) ++e;
#pragma unroll 1
          for (u32 x = k + 1u; x < e; ++x) {
            const u64 v = K0[x];
            u32 y = x;
            while (y > k && suffix_less(Db, n, (u32)v & IMASK, (u32)K0[y - 1] & IMASK)) { K0[y] = K0[y - 1]; --y; }
            K0[y] = v;
          }
        }
      }
      __syncthreads();
      u8* B = (u8*)K1;
#pragma unroll 4
      for (u32 k = tid; k < n; k += bd) {  // the BWT: the byte before each sorted suffix
        const u32 i = (u32)K0[k] & IMASK;
        B[k] = Db[i == 0u ? n - 1u : i - 1u];
      }
      __syncthreads();
      const u32 nl = (n + LEAF - 1u) / LEAF;
#pragma unroll 1
      for (u32 j = tid; j < nl; j += bd) {
        u32 d[8];
        sha3_256(B + LEAF * j, min(LEAF, n - LEAF * j), d);
#pragma unroll
        for (int q = 0; q < 4; ++q) leaf[4 * j + q] = ((u64)d[2 * q + 1] << 32) | d[2 * q];
      }
      __syncthreads();
      if (tid == 0) sha3_256((const u8*)leaf, 32u * nl, kw);
      __syncthreads();
    }
    if (tid == 0) {
      found += kw[7] < target;
      if (blockIdx.x < nout && it == iters - 1) {
#pragma unroll
        for (int q = 0; q < 4; ++q) out[4 * blockIdx.x + q] = ((u64)kw[2 * q + 1] << 32) | kw[2 * q];
      }
    }
    __syncthreads();
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%NMAX%", str(AB_NMAX)).replace("%N1%", str(AB_N1)).replace("%N2%", str(AB_N2)) \
   .replace("%N2MASK%", str(AB_N2_MASK)).replace("%LEAF%", str(AB_LEAF)) \
   .replace("%KRC%", _lit(keccak_round_constants(), 64)).replace("%KECCAKF%", KECCAKF_CUDA) \
   .replace("%HDR%", _lit(AB_HDR, 64))

# ---------------------------------------------------------------------------------------------------------------
# balloon
BL_S = 2048             # s_cost: 32-byte blocks an instance (64 KiB)
BL_T = 2                # t_cost: rounds over the buffer
BL_DELTA = 3            # other blocks mixed into each block a round
BL_HASHES_SM = 8        # the full grid's hashes (warps of 32 instances) an SM
BL_HDR = _vals(18, 0x424C4E, 32)  # the header's first 72 bytes as little-endian words; the nonce follows
BL_SALT = _vals(8, 0x534C54, 32)  # an instance's salt: word 0 XOR its lane, words 6 and 7 XOR the nonce


def _b2s(data):
    return hashlib.blake2s(data).digest()


def balloon_lane(pw, salt, s_cost=BL_S, t_cost=BL_T):
    """Balloon (the paper's algorithm, H = BLAKE2s-256 of the 8-byte counter and the inputs) of one instance: its
    last block."""
    cnt = 0

    def c8(v):
        return v.to_bytes(8, "little")
    buf = [_b2s(c8(0) + pw + salt)]
    for m in range(1, s_cost):
        buf.append(_b2s(c8(m) + buf[m - 1]))
    cnt = s_cost
    for t in range(t_cost):
        for m in range(s_cost):
            buf[m] = _b2s(c8(cnt) + buf[m - 1] + buf[m])
            for i in range(BL_DELTA):
                o = int.from_bytes(_b2s(c8(cnt + 1) + salt + c8(t) + c8(m) + c8(i))[:4], "little") & (s_cost - 1)
                buf[m] = _b2s(c8(cnt + 2) + buf[m] + buf[o])
                cnt += 2
            cnt += 1
    return buf[-1]


def balloon_ref(nonce, s_cost=BL_S, t_cost=BL_T):
    """The 32-byte digest the `hash` kernel computes for a nonce: 32 instances, their last blocks XORed, H(header,
    XOR)."""
    lo, hi = nonce & M32, nonce >> 32
    pw = _bytes_le32(BL_HDR + [lo, hi])
    x = 0
    for lane in range(32):
        salt = _bytes_le32([BL_SALT[0] ^ lane] + BL_SALT[1:6] + [BL_SALT[6] ^ lo, BL_SALT[7] ^ hi])
        x ^= int.from_bytes(balloon_lane(pw, salt, s_cost, t_cost), "little")
    return _b2s(pw + x.to_bytes(32, "little"))


def balloon_source(s_cost=BL_S, t_cost=BL_T):
    return HEAD + r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define S %S%
#define TC %T%
#define DELTA %DELTA%
#define FULL 0xFFFFFFFFu
#define B2SG(a, b, c, d, x, y) \
  a += b + (x); d = ROTR32(d ^ a, 16); c += d; b = ROTR32(b ^ c, 12); \
  a += b + (y); d = ROTR32(d ^ a, 8); c += d; b = ROTR32(b ^ c, 7);
// BLAKE2s's compression of m into h; t: bytes so far (under 2^32), last: the final block
__device__ __forceinline__ void b2s_compress(u32* h, const u32* m, u32 t, bool last) {
  u32 v[16] = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,
               0x510E527Fu ^ t, 0x9B05688Cu, 0x1F83D9ABu ^ (last ? 0xFFFFFFFFu : 0u), 0x5BE0CD19u};
%B2SROUNDS%
#pragma unroll
  for (int i = 0; i < 8; ++i) h[i] ^= v[i] ^ v[i + 8];
}
// BLAKE2s-256's initial state (digest 32 bytes, no key)
__device__ __forceinline__ void b2s_init(u32* h) {
  h[0] = 0x6A09E667u ^ 0x01010020u; h[1] = 0xBB67AE85u; h[2] = 0x3C6EF372u; h[3] = 0xA54FF53Au;
  h[4] = 0x510E527Fu; h[5] = 0x9B05688Cu; h[6] = 0x1F83D9ABu; h[7] = 0x5BE0CD19u;
}
// o = H(cnt, a, b): BLAKE2s-256 of 72 bytes, two compressions (o may be a)
__device__ __forceinline__ void h_mix(u32* o, u64 cnt, const u32* a, const u32* b) {
  u32 m[16];
  m[0] = (u32)cnt; m[1] = (u32)(cnt >> 32);
#pragma unroll
  for (int i = 0; i < 8; ++i) m[2 + i] = a[i];
#pragma unroll
  for (int i = 0; i < 6; ++i) m[10 + i] = b[i];
  const u32 b6 = b[6], b7 = b[7];
  b2s_init(o);
  b2s_compress(o, m, 64u, false);
#pragma unroll
  for (int i = 0; i < 16; ++i) m[i] = 0u;
  m[0] = b6; m[1] = b7;
  b2s_compress(o, m, 72u, true);
}
// the block at m of this lane's buffer (lane l's block m: 32 bytes at B + 64 m)
__device__ __forceinline__ void load8(const uint4* B, u32 m, u32* x) {
  const uint4 p = B[64u * m], q = B[64u * m + 1u];
  x[0] = p.x; x[1] = p.y; x[2] = p.z; x[3] = p.w; x[4] = q.x; x[5] = q.y; x[6] = q.z; x[7] = q.w;
}
__device__ __forceinline__ void store8(uint4* B, u32 m, const u32* x) {
  B[64u * m] = make_uint4(x[0], x[1], x[2], x[3]);
  B[64u * m + 1u] = make_uint4(x[4], x[5], x[6], x[7]);
}
// A warp a hash (blockDim.x a multiple of 32), a lane an instance. P: S blocks of 32 bytes an instance, block m
// of lane l of the warp's hash g at uint4 (g * S * 32 + m * 32 + l) * 2 (a warp's blocks m side by side). Hash g
// runs `iters` nonces (nonce0 + g + it * hashes); lane 0 of hashes g < nout writes its last digest to out[4g..].
extern "C" __global__ void hash(uint4* __restrict__ P, u64 nonce0, int iters, unsigned int target,
                                unsigned int* hits, u64* out, unsigned int nout) {
  const u32 l = threadIdx.x & 31u;
  const u64 g = ((u64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  const u64 nG = ((u64)gridDim.x * blockDim.x) >> 5;
  uint4* B = P + g * ((u64)S * 64u) + 2u * l;
  const u32 HDR[18] = { %HDR% };
  const u32 SALT[8] = { %SALT% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    const u64 n = nonce0 + g + (u64)it * nG;
    u32 salt[8], cur[8], m[16];
#pragma unroll
    for (int i = 0; i < 8; ++i) salt[i] = SALT[i];
    salt[0] ^= l; salt[6] ^= (u32)n; salt[7] ^= (u32)(n >> 32);
    b2s_init(cur);  // block 0 = H(0, header, salt): 120 bytes
#pragma unroll
    for (int i = 0; i < 16; ++i) m[i] = i < 2 ? 0u : HDR[i - 2];
    b2s_compress(cur, m, 64u, false);
#pragma unroll
    for (int i = 0; i < 16; ++i) m[i] = i < 4 ? HDR[14 + i] : (i < 6 ? 0u : (i < 14 ? salt[i - 6] : 0u));
    m[4] = (u32)n; m[5] = (u32)(n >> 32);
    b2s_compress(cur, m, 120u, true);
    store8(B, 0u, cur);
#pragma unroll 1
    for (u32 j = 1; j < S; ++j) {  // expand: block j = H(j, block j - 1), 40 bytes
#pragma unroll
      for (int i = 0; i < 16; ++i) m[i] = 0u;
      m[0] = j;
#pragma unroll
      for (int i = 0; i < 8; ++i) m[2 + i] = cur[i];
      b2s_init(cur);
      b2s_compress(cur, m, 40u, true);
      store8(B, j, cur);
    }
    u64 cnt = S;
#pragma unroll 1
    for (u32 t = 0; t < TC; ++t) {
#pragma unroll 1
      for (u32 j = 0; j < S; ++j) {  // block j mixes the block before it (cur) and itself, then DELTA others
        u32 x[8], y[8];
        load8(B, j, x);
        h_mix(y, cnt++, cur, x);
#pragma unroll 1
        for (u32 i = 0; i < DELTA; ++i) {
          u32 h[8];  // the other block's index: H(cnt, salt, t, j, i), 64 bytes, mod S
          b2s_init(h);
#pragma unroll
          for (int k = 0; k < 16; ++k) m[k] = k >= 2 && k < 10 ? salt[k < 10 ? k - 2 : 0] : 0u;
          m[0] = (u32)cnt; m[1] = (u32)(cnt >> 32); m[10] = t; m[12] = j; m[14] = i;
          ++cnt;
          b2s_compress(h, m, 64u, true);
          const u32 o = h[0] & (S - 1u);
          if (o == j) {
#pragma unroll
            for (int k = 0; k < 8; ++k) x[k] = y[k];
          } else {
            load8(B, o, x);
          }
          h_mix(y, cnt++, y, x);
        }
        store8(B, j, y);
#pragma unroll
        for (int k = 0; k < 8; ++k) cur[k] = y[k];
      }
    }
#pragma unroll
    for (int k = 0; k < 8; ++k) {  // the instances' last blocks XORed across the warp
#pragma unroll
      for (int o = 16; o > 0; o >>= 1) cur[k] ^= __shfl_xor_sync(FULL, cur[k], o);
    }
    if (l == 0u) {  // H(header, XOR): 112 bytes
      u32 h[8];
      b2s_init(h);
#pragma unroll
      for (int i = 0; i < 16; ++i) m[i] = HDR[i];
      b2s_compress(h, m, 64u, false);
#pragma unroll
      for (int i = 0; i < 16; ++i) m[i] = i < 2 ? HDR[16 + i] : (i < 4 ? 0u : (i < 12 ? cur[i < 12 ? i - 4 : 0] : 0u));
      m[2] = (u32)n; m[3] = (u32)(n >> 32);
      b2s_compress(h, m, 112u, true);
      found += h[7] < target;
      if (g < nout && it == iters - 1) {
#pragma unroll
        for (int q = 0; q < 4; ++q) out[4 * g + q] = ((u64)h[2 * q + 1] << 32) | h[2 * q];
      }
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%S%", str(s_cost)).replace("%T%", str(t_cost)).replace("%DELTA%", str(BL_DELTA)) \
   .replace("%B2SROUNDS%", _b2s_rounds_cuda()).replace("%HDR%", _lit(BL_HDR, 32)).replace("%SALT%", _lit(BL_SALT, 32))


SRC["balloon"] = balloon_source()

# ---------------------------------------------------------------------------------------------------------------
# ghostrider
GR_HDR = _vals(9, 0x475248, 64)  # the header's first 72 bytes as little-endian 64-bit words; the nonce follows
GR_CN = ((16384, 4096), (16384, 8192), (32768, 4096), (32768, 8192), (65536, 4096), (65536, 8192))  # (slots, iters)
GR_PAD = 65536          # 16-byte slots of a thread's scratchpad (1 MiB, the largest variant's)
GR_THREADS_SM = {"full": 128, "low": 64}  # threads an SM with a scratchpad (other variants: full's)
GR_BLOCK_S = 8.0        # seconds a "previous block hash" (the functions' order) lasts
GR_SEED0 = 0x47484F5354  # the first previous block hash; the next ones by splitmix64
GR_GIV = _vals(8, 0x475249, 64)   # the Groestl-like function's chaining value
GR_GT = _groestl_tables()
SH_A, SH_B, SH_C = _vals(12, 0x534841, 32), _vals(16, 0x534842, 32), _vals(16, 0x534843, 32)  # Shabal-like
TF_KEY = _vals(8, 0x544652, 64)   # the Threefish-like function's fixed key
TF_TWEAK = (64, 0xF0 << 56)        # Skein's tweak of a final 64-byte message block
TF_PERM = (2, 1, 4, 7, 6, 5, 0, 3)
TF_C240 = 0x1BD11BDAA9FC1A22
_AES_T = _aes_tables()


def _w32(x):
    return [w for v in x for w in (v & M32, v >> 32)]


def _w64(w):
    return [w[2 * i] | w[2 * i + 1] << 32 for i in range(len(w) // 2)]


def _gtab(i, b):
    v = GR_GT[256 * (i & 3) + b]
    return ((v << 32) | (v >> 32)) & MASK64 if i >= 4 else v


_GSHIFT = ((0, 1, 2, 3, 4, 5, 6, 7), (1, 3, 5, 7, 0, 2, 4, 6))


def groestl_perm(col, q):
    """Groestl-like P (q = 0) or Q (q = 1) on eight 64-bit columns (byte i of a column its row i): 10 rounds of
    AddRoundConstant, ShiftBytes and SubBytes with MixBytes by the T-tables."""
    for r in range(10):
        if q:
            col = [c ^ MASK64 ^ (((j << 4) ^ r) << 56) for j, c in enumerate(col)]
        else:
            col = [c ^ (j << 4) ^ r for j, c in enumerate(col)]
        sh = _GSHIFT[q]
        new = []
        for j in range(8):
            v = 0
            for i in range(8):
                v ^= _gtab(i, (col[(j + sh[i]) & 7] >> (8 * i)) & 255)
            new.append(v)
        col = new
    return col


def groestl_ff(x):
    """The Groestl-like function: Groestl's compression P(h ^ x) ^ Q(x) ^ h with a fixed h, then its output
    transform P(y) ^ y."""
    y = [a ^ b ^ h for a, b, h in zip(groestl_perm([h ^ v for h, v in zip(GR_GIV, x)], 0), groestl_perm(x, 1), GR_GIV)]
    return [a ^ b for a, b in zip(groestl_perm(y, 0), y)]


def threefish512(key, tweak, x):
    """Threefish-512 encryption of eight words (72 rounds, the key schedule every fourth)."""
    k = list(key) + [TF_C240]
    for w in key:
        k[8] ^= w
    t = [tweak[0], tweak[1], tweak[0] ^ tweak[1]]
    v = list(x)

    def inject(s):
        for i in range(8):
            v[i] = (v[i] + k[(s + i) % 9]) & MASK64
        v[5] = (v[5] + t[s % 3]) & MASK64
        v[6] = (v[6] + t[(s + 1) % 3]) & MASK64
        v[7] = (v[7] + s) & MASK64
    for d in range(72):
        if d % 4 == 0:
            inject(d // 4)
        for j in range(4):
            a = (v[2 * j] + v[2 * j + 1]) & MASK64
            v[2 * j], v[2 * j + 1] = a, _rotl64(v[2 * j + 1], THREEFISH_R[d % 8][j]) ^ a
        v[:] = [v[p] for p in TF_PERM]
    inject(18)
    return v


def cube_ff(w):
    """The CubeHash-like function of 16 words: two 32-byte blocks of 16 rounds, 32 final rounds, 16 words out."""
    s = list(CUBE_IV)
    for blk in (0, 1):
        for i in range(8):
            s[i] ^= w[8 * blk + i]
        for _ in range(16):
            _cube_round(s)
    s[31] ^= 1
    for _ in range(32):
        _cube_round(s)
    return s[:16]


def shabal_ff(m):
    """The Shabal-like function of 16 words: Shabal's permutation (A 12 words, B and C 16) on the block, then three
    final rounds on it, as Shabal finishes; B out."""
    a, b, c = list(SH_A), list(SH_B), list(SH_C)
    for _ in range(4):
        b = [(b[i] + m[i]) & M32 for i in range(16)]
        a[0] ^= 1
        b = [_rotl32(v, 17) for v in b]
        for j in range(3):
            for i in range(16):
                k = (i + 16 * j) % 12
                p = a[k] ^ ((_rotl32(a[(k + 11) % 12], 15) * 5) & M32) ^ c[(8 - i) % 16]
                a[k] = ((p * 3) & M32) ^ b[(i + 13) % 16] ^ (b[(i + 9) % 16] & ~b[(i + 6) % 16] & M32) ^ m[i]
                b[i] = ~(_rotl32(b[i], 1) ^ a[k]) & M32
        for j in range(36):
            a[j % 12] = (a[j % 12] + c[(j + 3) % 16]) & M32
        c = [(c[i] - m[i]) & M32 for i in range(16)]
        b, c = c, b
    return b


GR_CORE = (  # the eight 512-bit functions, each of eight 64-bit words
    lambda x: _u64s(hashlib.blake2b(_le64(x), digest_size=64).digest()),
    lambda x: _u64s(hashlib.sha3_512(_le64(x)).digest()),
    lambda x: _u64s(hashlib.sha512(_le64(x)).digest()),
    groestl_ff,
    lambda x: _w64(haraka_ff(_w32(x))),
    lambda x: [a ^ b for a, b in zip(threefish512(TF_KEY, TF_TWEAK, x), x)],
    lambda x: _w64(cube_ff(_w32(x))),
    lambda x: _w64(shabal_ff(_w32(x))),
)


def gr_order(seed):
    """The functions' order (15: the eight, seven of them twice) and the three CryptoNight variants (of six) for a
    previous block hash: Fisher-Yates shuffles by splitmix64."""
    fns, cns, x = list(range(8)) + list(range(7)), list(range(6)), seed
    for arr in (fns, cns):
        for i in range(len(arr) - 1, 0, -1):
            x, r = _splitmix(x)
            j = r % (i + 1)
            arr[i], arr[j] = arr[j], arr[i]
    return fns, cns[:3]


def gr_words(seed):
    """gr_order as the kernel takes it: the functions a nibble each, the variants a nibble each."""
    fns, cns = gr_order(seed)
    return sum(f << (4 * i) for i, f in enumerate(fns)), sum(c << (4 * i) for i, c in enumerate(cns))


def _aes_w(x, k, t=_AES_T):
    """AES_HEAD's T-table round on one 16-byte block as four words."""
    x0, x1, x2, x3 = x
    return [t[x0 & 255] ^ t[256 + ((x1 >> 8) & 255)] ^ t[512 + ((x2 >> 16) & 255)] ^ t[768 + (x3 >> 24)] ^ k[0],
            t[x1 & 255] ^ t[256 + ((x2 >> 8) & 255)] ^ t[512 + ((x3 >> 16) & 255)] ^ t[768 + (x0 >> 24)] ^ k[1],
            t[x2 & 255] ^ t[256 + ((x3 >> 8) & 255)] ^ t[512 + ((x0 >> 16) & 255)] ^ t[768 + (x1 >> 24)] ^ k[2],
            t[x3 & 255] ^ t[256 + ((x0 >> 8) & 255)] ^ t[512 + ((x1 >> 16) & 255)] ^ t[768 + (x2 >> 24)] ^ k[3]]


def _u4(a, b):
    return [a & M32, a >> 32, b & M32, b >> 32]


def cn_ref(x, v):
    """The CryptoNight-like loop of variant v on eight words: Keccak, explode, CryptoNight's main loop, implode,
    Keccak; the first eight words of the last Keccak state."""
    slots, iters = GR_CN[v]
    s = _keccak_f(list(x) + [1] + [0] * 7 + [1 << 63] + [0] * 8)
    ke0, ke1, ki0, ki1 = _u4(s[0], s[1]), _u4(s[2], s[3]), _u4(s[4], s[5]), _u4(s[6], s[7])
    aes = _aes_w
    t = [_u4(s[8 + 2 * c], s[9 + 2 * c]) for c in range(8)]  # eight 16-byte lanes
    p = [0] * (4 * slots)  # the scratchpad, four words a slot
    for o in range(0, 4 * slots, 32):  # explode: each lane two AES rounds a row, then written
        for c in range(8):
            t[c] = aes(aes(t[c], ke0), ke1)
            p[o + 4 * c:o + 4 * c + 4] = t[c]
    a0, a1, b0, b1 = s[0] ^ s[4], s[1] ^ s[5], s[2] ^ s[6], s[3] ^ s[7]
    mask = slots - 1
    for _ in range(iters):
        o = 4 * (((a0 & M32) >> 4) & mask)
        c = aes(p[o:o + 4], _u4(a0, a1))
        p[o:o + 4] = [c[0] ^ (b0 & M32), c[1] ^ (b0 >> 32), c[2] ^ (b1 & M32), c[3] ^ (b1 >> 32)]
        c0, c1 = c[0] | c[1] << 32, c[2] | c[3] << 32
        o = 4 * (((c0 & M32) >> 4) & mask)
        d0, d1 = p[o] | p[o + 1] << 32, p[o + 2] | p[o + 3] << 32
        prod = c0 * d0
        a0, a1 = (a0 + (prod >> 64)) & MASK64, (a1 + prod) & MASK64
        p[o:o + 4] = _u4(a0, a1)
        a0, a1, b0, b1 = a0 ^ d0, a1 ^ d1, c0, c1
    t = [_u4(s[8 + 2 * c], s[9 + 2 * c]) for c in range(8)]
    for o in range(0, 4 * slots, 32):  # implode: each lane XORs its slot of the row in, two AES rounds
        for c in range(8):
            y, q = t[c], o + 4 * c
            t[c] = aes(aes([y[0] ^ p[q], y[1] ^ p[q + 1], y[2] ^ p[q + 2], y[3] ^ p[q + 3]], ki0), ki1)
    s = list(s)
    for c in range(8):
        s[8 + 2 * c], s[9 + 2 * c] = t[c][0] | t[c][1] << 32, t[c][2] | t[c][3] << 32
    return _keccak_f(s)[:8]


def ghostrider_ref(nonce, seed):
    """The 32-byte digest the `hash` kernel computes for a nonce under a previous block hash."""
    x = _u64s(hashlib.blake2b(_le64(GR_HDR + [nonce]), digest_size=64).digest())
    fns, cns = gr_order(seed)
    for s, f in enumerate(fns):
        x = GR_CORE[f](x)
        if s % 5 == 4:
            x = cn_ref(x, cns[s // 5])
    return _le64(x[:4])


def _tf_rounds_cuda():
    """Threefish-512's 72 rounds and 19 subkey injections on v[8], written out (k[9], t[3] the key and tweak)."""
    lines, order = [], list(range(8))  # order[i]: the variable holding word i after the permutations so far
    for d in range(73):
        if d % 4 == 0:
            s = d // 4
            for i in range(8):
                extra = {5: f" + t[{s % 3}]", 6: f" + t[{(s + 1) % 3}]", 7: f" + {s}ull"}.get(i, "")
                lines.append(f"  v[{order[i]}] += k[{(s + i) % 9}]{extra};")
        if d == 72:
            break
        for j in range(4):
            a, b = order[2 * j], order[2 * j + 1]
            lines.append(f"  v[{a}] += v[{b}]; v[{b}] = rotl64(v[{b}], {THREEFISH_R[d % 8][j]}) ^ v[{a}];")
        order = [order[p] for p in TF_PERM]
    lines.append("  u64 o[8] = {" + ", ".join(f"v[{order[i]}]" for i in range(8)) + "};")
    return "\n".join(lines)


def _haraka_cuda():
    """hashing_more4's Haraka-512-like permutation (x4, unlo, unhi, haraka_ff) from its verus source."""
    src = SRC4["verus"]
    return src[src.index("__device__ __forceinline__ uint4 x4"):src.index("// Haraka-512-like: the 32 bytes kept")]


def _sha512_cuda():
    """hashing_more4's SHA-512 compression (K512, rotr64, bswap64, sha512_compress) from its sha512d source."""
    src = SRC4["sha512d"]
    return src[src.index("__constant__ u64 K512"):src.index("// a thread hashes")]


SRC["ghostrider"] = HEAD + AES_HEAD + r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define PAD %PAD%
__constant__ u64 KRC[24] = { %KRC% };
%KECCAKF%
%SHA512%
%B2B%
__constant__ u32 HRC[160] = { %HRC% };
%HARAKA%
__constant__ u64 GTE[1024] = { %GT% };
__constant__ u64 GIV[8] = { %GIV% };
__constant__ u32 CUBE_IV[32] = { %CUBEIV% };
__constant__ u32 SHA_[12] = { %SHA% };
__constant__ u32 SHB[16] = { %SHB% };
__constant__ u32 SHC[16] = { %SHC% };
__constant__ u64 TFK[8] = { %TFK% };
__constant__ u64 SHA512_IV[8] = { %S512IV% };
__device__ __forceinline__ u64 lo64(uint4 v) { return ((u64)v.y << 32) | v.x; }
__device__ __forceinline__ u64 hi64(uint4 v) { return ((u64)v.w << 32) | v.z; }
__device__ __forceinline__ uint4 u4(u64 a, u64 b) { return make_uint4((u32)a, (u32)(a >> 32), (u32)b, (u32)(b >> 32)); }
__device__ __forceinline__ void to32(const u64* x, u32* w) {
#pragma unroll
  for (int i = 0; i < 8; ++i) { w[2 * i] = (u32)x[i]; w[2 * i + 1] = (u32)(x[i] >> 32); }
}
__device__ __forceinline__ void to64(const u32* w, u64* x) {
#pragma unroll
  for (int i = 0; i < 8; ++i) x[i] = ((u64)w[2 * i + 1] << 32) | w[2 * i];
}
// 0: BLAKE2b-512 of the 64 bytes
__device__ __forceinline__ void f_blake(u64* x) {
  u64 h[8], m[16];
  b2b_init(h, B2B_P64);
#pragma unroll
  for (int i = 0; i < 16; ++i) m[i] = i < 8 ? x[i] : 0ull;
  b2b_compress(h, m, 64ull, true);
#pragma unroll
  for (int i = 0; i < 8; ++i) x[i] = h[i];
}
// 1: SHA3-512 of the 64 bytes (rate 72 bytes: the padding in lane 8)
__device__ __forceinline__ void f_sha3(u64* x) {
  u64 s[25];
#pragma unroll
  for (int i = 0; i < 25; ++i) s[i] = i < 8 ? x[i] : 0ull;
  s[8] = 0x8000000000000006ull;
  keccakf(s);
#pragma unroll
  for (int i = 0; i < 8; ++i) x[i] = s[i];
}
// 2: SHA-512 of the 64 bytes (big-endian words in and out)
__device__ __forceinline__ void f_sha512(u64* x) {
  u64 h[8], w[16];
#pragma unroll
  for (int i = 0; i < 8; ++i) { h[i] = SHA512_IV[i]; w[i] = bswap64(x[i]); w[i + 8] = 0ull; }
  w[8] = 0x8000000000000000ull; w[15] = 512ull;
  sha512_compress(h, w);
#pragma unroll
  for (int i = 0; i < 8; ++i) x[i] = bswap64(h[i]);
}
// the Groestl-like permutation P (Q = 0) or Q (Q = 1) on eight columns; G: the T-tables T0..T3 in shared memory
// (T4..T7 are T0..T3 rotated by 32 bits)
template <int Q>
__device__ __forceinline__ void groestl_perm(const u64* G, u64* c) {
#pragma unroll 1
  for (u32 r = 0; r < 10u; ++r) {
#pragma unroll
    for (u32 j = 0; j < 8u; ++j) c[j] ^= Q ? ~0ull ^ ((u64)((j << 4) ^ r) << 56) : (u64)((j << 4) ^ r);
    u64 y[8];
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      u64 v = 0ull;
#pragma unroll
      for (int i = 0; i < 8; ++i) {
        const int sh = Q ? (i < 4 ? 2 * i + 1 : 2 * i - 8) : i;  // ShiftBytes: row i left by sh
        const u64 t = G[256 * (i & 3) + (u32)((c[(j + sh) & 7] >> (8 * i)) & 255u)];
        v ^= i >= 4 ? (t << 32) | (t >> 32) : t;
      }
      y[j] = v;
    }
#pragma unroll
    for (int j = 0; j < 8; ++j) c[j] = y[j];
  }
}
// 3: the Groestl-like function: y = P(h ^ x) ^ Q(x) ^ h, then P(y) ^ y
__device__ __forceinline__ void f_groestl(const u64* G, u64* x) {
  u64 p[8], q[8];
#pragma unroll
  for (int j = 0; j < 8; ++j) { p[j] = GIV[j] ^ x[j]; q[j] = x[j]; }
  groestl_perm<0>(G, p);
  groestl_perm<1>(G, q);
#pragma unroll
  for (int j = 0; j < 8; ++j) { p[j] ^= q[j] ^ GIV[j]; q[j] = p[j]; }
  groestl_perm<0>(G, p);
#pragma unroll
  for (int j = 0; j < 8; ++j) x[j] = p[j] ^ q[j];
}
// 4: the Haraka-512-like permutation with feed-forward (hashing_more4's)
__device__ __forceinline__ void f_haraka(const u32* T, u64* x) {
  uint4 s[4];
#pragma unroll
  for (int b = 0; b < 4; ++b) s[b] = u4(x[2 * b], x[2 * b + 1]);
  haraka_ff(T, s);
#pragma unroll
  for (int b = 0; b < 4; ++b) { x[2 * b] = lo64(s[b]); x[2 * b + 1] = hi64(s[b]); }
}
// 5: Threefish-512 under the fixed key with Skein's final-block tweak, XORed with its input
__device__ __forceinline__ void f_threefish(u64* x) {
  u64 k[9], v[8];
  const u64 t[3] = {%TW0%ull, %TW1%ull, %TW0%ull ^ %TW1%ull};
  k[8] = %C240%ull;
#pragma unroll
  for (int i = 0; i < 8; ++i) { k[i] = TFK[i]; k[8] ^= k[i]; v[i] = x[i]; }
%TFROUNDS%
#pragma unroll
  for (int i = 0; i < 8; ++i) x[i] ^= o[i];
}
// one CubeHash round on 32 words
__device__ __forceinline__ void cube_round(u32* x) {
  u32 t;
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i + 16] += x[i];
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i] = ROTL32(x[i], 7);
#pragma unroll
  for (int i = 0; i < 8; ++i) { t = x[i]; x[i] = x[i + 8]; x[i + 8] = t; }
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i] ^= x[i + 16];
#pragma unroll
  for (int i = 16; i < 32; ++i) if (!(i & 2)) { t = x[i]; x[i] = x[i + 2]; x[i + 2] = t; }
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i + 16] += x[i];
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i] = ROTL32(x[i], 11);
#pragma unroll
  for (int i = 0; i < 16; ++i) if (!(i & 4)) { t = x[i]; x[i] = x[i + 4]; x[i + 4] = t; }
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i] ^= x[i + 16];
#pragma unroll
  for (int i = 16; i < 32; ++i) if (!(i & 1)) { t = x[i]; x[i] = x[i + 1]; x[i + 1] = t; }
}
// 6: the CubeHash-like function: two 32-byte blocks of 16 rounds each, 32 final rounds, 64 bytes out
__device__ __forceinline__ void f_cube(u64* x) {
  u32 w[16], s[32];
  to32(x, w);
#pragma unroll
  for (int i = 0; i < 32; ++i) s[i] = CUBE_IV[i];
#pragma unroll 1
  for (int b = 0; b < 2; ++b) {
#pragma unroll
    for (int i = 0; i < 8; ++i) s[i] ^= b ? w[8 + i] : w[i];
#pragma unroll 1
    for (int r = 0; r < 16; ++r) cube_round(s);
  }
  s[31] ^= 1u;
#pragma unroll 1
  for (int r = 0; r < 32; ++r) cube_round(s);
  to64(s, x);
}
// 7: the Shabal-like function: Shabal's permutation on the block, then three final rounds; B out
__device__ __forceinline__ void f_shabal(u64* x) {
  u32 m[16], a[12], b[16], c[16];
  to32(x, m);
#pragma unroll
  for (int i = 0; i < 16; ++i) { b[i] = SHB[i]; c[i] = SHC[i]; if (i < 12) a[i] = SHA_[i]; }
#pragma unroll 1
  for (int r = 0; r < 4; ++r) {
#pragma unroll
    for (int i = 0; i < 16; ++i) b[i] = ROTL32(b[i] + m[i], 17);
    a[0] ^= 1u;
#pragma unroll
    for (int j = 0; j < 3; ++j) {
#pragma unroll
      for (int i = 0; i < 16; ++i) {
        const int k = (i + 16 * j) % 12;
        const u32 p = a[k] ^ (ROTL32(a[(k + 11) % 12], 15) * 5u) ^ c[(8 - i + 16) % 16];
        a[k] = (p * 3u) ^ b[(i + 13) % 16] ^ (b[(i + 9) % 16] & ~b[(i + 6) % 16]) ^ m[i];
        b[i] = ~(ROTL32(b[i], 1) ^ a[k]);
      }
    }
#pragma unroll
    for (int j = 0; j < 36; ++j) a[j % 12] += c[(j + 3) % 16];
#pragma unroll
    for (int i = 0; i < 16; ++i) { const u32 t = c[i] - m[i]; c[i] = b[i]; b[i] = t; }
  }
  to64(b, x);
}
// The CryptoNight-like loop of variant v (PAD >> (2 - v / 2) slots, 4096 << (v & 1) iterations) on the state x,
// with the thread's scratchpad p: slot i at p[i * nT]
__device__ __forceinline__ void cn(const u32* T, uint4* __restrict__ p, u64 nT, u64* x, u32 v) {
  const u32 slots = PAD >> (2u - v / 2u), mask = slots - 1u, iters = 4096u << (v & 1u);
  u64 s[25];
#pragma unroll
  for (int i = 0; i < 25; ++i) s[i] = i < 8 ? x[i] : 0ull;
  s[8] = 0x01ull; s[16] = 0x8000000000000000ull;
  keccakf(s);
  const uint4 ke0 = u4(s[0], s[1]), ke1 = u4(s[2], s[3]), ki0 = u4(s[4], s[5]), ki1 = u4(s[6], s[7]);
  uint4 t[8];
#pragma unroll
  for (int c = 0; c < 8; ++c) t[c] = u4(s[8 + 2 * c], s[9 + 2 * c]);
#pragma unroll 1
  for (u32 r = 0; r < slots / 8u; ++r) {  // explode: each lane two AES rounds a row, then written
#pragma unroll
    for (int c = 0; c < 8; ++c) {
      t[c] = aes_round(T, aes_round(T, t[c], ke0), ke1);
      p[(u64)(8u * r + c) * nT] = t[c];
    }
  }
  u64 a0 = s[0] ^ s[4], a1 = s[1] ^ s[5], b0 = s[2] ^ s[6], b1 = s[3] ^ s[7];
#pragma unroll 2
  for (u32 i = 0; i < iters; ++i) {  // CryptoNight's loop
    uint4* q = p + (u64)(((u32)a0 >> 4) & mask) * nT;
    const uint4 c = aes_round(T, *q, u4(a0, a1));
    *q = make_uint4(c.x ^ (u32)b0, c.y ^ (u32)(b0 >> 32), c.z ^ (u32)b1, c.w ^ (u32)(b1 >> 32));
    const u64 c0 = lo64(c), c1 = hi64(c);
    q = p + (u64)(((u32)c0 >> 4) & mask) * nT;
    const uint4 d = *q;
    const u64 d0 = lo64(d), d1 = hi64(d);
    a0 += __umul64hi(c0, d0); a1 += c0 * d0;
    *q = u4(a0, a1);
    a0 ^= d0; a1 ^= d1; b0 = c0; b1 = c1;
  }
#pragma unroll
  for (int c = 0; c < 8; ++c) t[c] = u4(s[8 + 2 * c], s[9 + 2 * c]);
#pragma unroll 1
  for (u32 r = 0; r < slots / 8u; ++r) {  // implode
#pragma unroll
    for (int c = 0; c < 8; ++c) {
      const uint4 w = p[(u64)(8u * r + c) * nT];
      t[c] = aes_round(T, aes_round(T, make_uint4(t[c].x ^ w.x, t[c].y ^ w.y, t[c].z ^ w.z, t[c].w ^ w.w), ki0), ki1);
    }
  }
#pragma unroll
  for (int c = 0; c < 8; ++c) { s[8 + 2 * c] = lo64(t[c]); s[9 + 2 * c] = hi64(t[c]); }
  keccakf(s);
#pragma unroll
  for (int i = 0; i < 8; ++i) x[i] = s[i];
}
// A thread a hash. P: PAD 16-byte slots a thread, slot i of thread t at P[i * threads + t] (a warp's explode and
// implode stores and loads side by side). order: the 15 functions a nibble
// each, first in the low nibble; cnsel: the three CryptoNight variants a nibble each. A thread hashes `iters`
// nonces (nonce_of(nonce0) + it * threads); threads t < nout write their last digest to out[4t..4t+3].
extern "C" __global__ void hash(uint4* __restrict__ P, u64 order, unsigned int cnsel, u64 nonce0, int iters,
                                unsigned int target, unsigned int* hits, u64* out, unsigned int nout) {
  __shared__ u32 T[1024];
  __shared__ u64 G[1024];
  for (int i = threadIdx.x; i < 1024; i += blockDim.x) { T[i] = TE[i]; G[i] = GTE[i]; }
  __syncthreads();
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  uint4* p = P + t;
  const u64 HDR[9] = { %HDR% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    u64 x[8];
    {  // BLAKE2b-512 of the 80-byte header
      u64 m[16];
#pragma unroll
      for (int i = 0; i < 16; ++i) m[i] = i < 9 ? HDR[i] : 0ull;
      m[9] = nonce_of(nonce0) + (u64)it * nT;
      b2b_init(x, B2B_P64);
      b2b_compress(x, m, 80ull, true);
    }
#pragma unroll 1
    for (u32 s = 0; s < 15u; ++s) {
      switch ((u32)(order >> (4u * s)) & 15u) {
        case 0: f_blake(x); break;
        case 1: f_sha3(x); break;
        case 2: f_sha512(x); break;
        case 3: f_groestl(G, x); break;
        case 4: f_haraka(T, x); break;
        case 5: f_threefish(x); break;
        case 6: f_cube(x); break;
        default: f_shabal(x); break;
      }
      if (s % 5u == 4u) cn(T, p, nT, x, (cnsel >> (4u * (s / 5u))) & 15u);
    }
    found += (unsigned int)(x[3] >> 32) < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = x[q];
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%PAD%", str(GR_PAD)).replace("%KRC%", _lit(keccak_round_constants(), 64)) \
   .replace("%KECCAKF%", KECCAKF_CUDA).replace("%SHA512%", _sha512_cuda()).replace("%B2B%", B2B_CUDA) \
   .replace("%HRC%", _lit(VE_RC, 32)).replace("%HARAKA%", _haraka_cuda()).replace("%GT%", _lit(GR_GT, 64)) \
   .replace("%GIV%", _lit(GR_GIV, 64)).replace("%CUBEIV%", _lit(CUBE_IV, 32)).replace("%SHA%", _lit(SH_A, 32)) \
   .replace("%SHB%", _lit(SH_B, 32)).replace("%SHC%", _lit(SH_C, 32)).replace("%TFK%", _lit(TF_KEY, 64)) \
   .replace("%S512IV%", _lit(SHA512_IV, 64)).replace("%TW0%", str(TF_TWEAK[0])).replace("%TW1%", str(TF_TWEAK[1])) \
   .replace("%C240%", str(TF_C240)).replace("%TFROUNDS%", _tf_rounds_cuda()).replace("%HDR%", _lit(GR_HDR, 64))

# ---------------------------------------------------------------------------------------------------------------
# mtp
MT_BLOCKS = 1 << 22     # 1 KiB blocks: 4 GiB
MT_LANES = 64           # Argon2 lanes of the fill (a warp each)
MT_STEPS = 64           # block reads a nonce
MT_JOB_S = 10.0         # seconds a job (its memory and tree) lasts
MT_CHECK_LANES, MT_CHECK_LB = 4, 256  # the self-check's memory: 4 lanes of 256 blocks (1 MiB)
MT_HDR = _vals(9, 0x4D5448, 64)  # the header's first 72 bytes as little-endian 64-bit words
MT_CHECK_SEED = 0x4D5450434B


def mt_seed(job):
    """A job's challenge: the first 8 bytes of BLAKE2b-256 of the header and the job number."""
    return int.from_bytes(hashlib.blake2b(_le64(MT_HDR + [job]), digest_size=32).digest()[:8], "little")


_G_ORDER = ((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
            (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14))


def _p_round(v):
    """The BLAKE2b round without message, with fBlaMka, on each column of v (16 rows of uint64), in place."""
    import numpy as np
    lo = np.uint64(M32)
    two = np.uint64(2)

    def bla(a, b):
        return a + b + two * (a & lo) * (b & lo)

    def rotr(x, n):
        return (x >> np.uint64(n)) | (x << np.uint64(64 - n))
    for a, b, c, d in _G_ORDER:
        v[a] = bla(v[a], v[b])
        v[d] = rotr(v[d] ^ v[a], 32)
        v[c] = bla(v[c], v[d])
        v[b] = rotr(v[b] ^ v[c], 24)
        v[a] = bla(v[a], v[b])
        v[d] = rotr(v[d] ^ v[a], 16)
        v[c] = bla(v[c], v[d])
        v[b] = rotr(v[b] ^ v[c], 63)


def argon_compress(x, y):
    """Argon2's compression G of two blocks (128 uint64 each): R = X ^ Y, the round on R's eight rows (words
    16i..16i+15), then on its eight columns (words 2i, 2i+1, 2i+16, 2i+17, ..., 2i+113), XOR R."""
    r = x ^ y
    q = r.reshape(8, 16).T.copy()  # q[k][i]: word k of row i
    _p_round(q)
    z = q.T.reshape(8, 8, 2).transpose(0, 2, 1).reshape(16, 8).copy()  # z[k][i]: v_k of column i
    _p_round(z)
    return z.reshape(8, 2, 8).transpose(0, 2, 1).reshape(128) ^ r


def argon_fill(mem, lanes, lb, passes):
    """Argon2d's fill (version 1.3) of mem (lanes * lb blocks of 128 uint64, lane l's at l * lb, its first two
    blocks set): J1 and J2 from the previous block's first word, four slices a lane."""
    seg = lb // 4
    for p in range(passes):
        for sl in range(4):
            for l in range(lanes):
                for idx in range(seg):
                    j = sl * seg + idx
                    if p == 0 and j < 2:
                        continue
                    prev = mem[l * lb + (j - 1) % lb]
                    w0 = int(prev[0])
                    j1, j2 = w0 & M32, w0 >> 32
                    rl = l if p == 0 and sl == 0 else j2 % lanes
                    if p == 0:
                        start, w = 0, (j - 1 if rl == l else sl * seg - (idx == 0))
                    else:
                        start = (sl + 1) % 4 * seg
                        w = lb - seg + idx - 1 if rl == l else lb - seg - (idx == 0)
                    ref = (start + w - 1 - ((w * ((j1 * j1) >> 32)) >> 32)) % lb
                    new = argon_compress(prev, mem[rl * lb + ref])
                    mem[l * lb + j] = new ^ mem[l * lb + j] if p else new


def argon2d(pw, salt, secret, ad, t, m_kib, lanes, taglen):
    """Argon2d (RFC 9106, version 0x13) by argon_compress and argon_fill: the tag."""
    import numpy as np

    def le32(v):
        return v.to_bytes(4, "little")

    def hprime(n, x):
        if n <= 64:
            return hashlib.blake2b(le32(n) + x, digest_size=n).digest()
        v = hashlib.blake2b(le32(n) + x, digest_size=64).digest()
        out = v[:32]
        for _ in range((n + 31) // 32 - 3):
            v = hashlib.blake2b(v, digest_size=64).digest()
            out += v[:32]
        return out + hashlib.blake2b(v, digest_size=n - len(out)).digest()
    h0 = hashlib.blake2b(b"".join(le32(v) for v in (lanes, taglen, m_kib, t, 0x13, 0)) + le32(len(pw)) + pw
                         + le32(len(salt)) + salt + le32(len(secret)) + secret + le32(len(ad)) + ad,
                         digest_size=64).digest()
    lb = m_kib // (4 * lanes) * 4
    mem = np.zeros((lanes * lb, 128), dtype=np.uint64)
    for l in range(lanes):
        for j in (0, 1):
            mem[l * lb + j] = np.frombuffer(hprime(1024, h0 + le32(j) + le32(l)), dtype="<u8")
    argon_fill(mem, lanes, lb, t)
    c = np.bitwise_xor.reduce(mem[lb - 1::lb], axis=0)
    return hprime(taglen, c.astype("<u8").tobytes())


def mtp_memory(seed, lanes, lb):
    """The job's memory as the `fill` kernel makes it: a lane's first two blocks splitmix64 words, then one
    Argon2d pass."""
    import numpy as np
    from common import splitmix64_np
    mem = np.zeros((lanes * lb, 128), dtype=np.uint64)
    w = np.arange(128, dtype=np.uint64)
    for l in range(lanes):
        for j in (0, 1):
            mem[l * lb + j] = splitmix64_np(np.uint64(seed) + np.uint64((l * 2 + j) << 7) + w)
    argon_fill(mem, lanes, lb, 1)
    return mem


def mtp_root(mem):
    """The Merkle root: BLAKE2b-256 of each block, then of each pair, level by level."""
    level = [hashlib.blake2b(mem[i].astype("<u8").tobytes(), digest_size=32).digest() for i in range(len(mem))]
    while len(level) > 1:
        level = [hashlib.blake2b(level[2 * i] + level[2 * i + 1], digest_size=32).digest()
                 for i in range(len(level) // 2)]
    return level[0]


def mtp_hash(nonce, mem, root):
    """The 32-byte digest the `hash` kernel computes for a nonce over a memory and its root."""
    y = hashlib.blake2b(_le64(MT_HDR) + root + nonce.to_bytes(8, "little"), digest_size=32).digest()
    for _ in range(MT_STEPS):
        i = int.from_bytes(y[:4], "little") & (len(mem) - 1)
        y = hashlib.blake2b(y + mem[i].astype("<u8").tobytes(), digest_size=32).digest()
    return y


def mtp_check_ref():
    """The self-check's root and the digests of the picked nonces, over the small memory."""
    mem = mtp_memory(MT_CHECK_SEED, MT_CHECK_LANES, MT_CHECK_LB)
    root = mtp_root(mem)
    return root, {t: mtp_hash(CHECK_NONCE + t, mem, root) for t in CHECK_PICKS}


SRC["mtp"] = HEAD + SPLITMIX_CUDA + r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define STEPS %STEPS%
#define FULL 0xFFFFFFFFu
__device__ __forceinline__ u64 rotr64(u64 x, int n) { return (x >> n) | (x << (64 - n)); }
%B2B%
// fBlaMka and Argon2's G on four words of a block in shared memory
__device__ __forceinline__ u64 bla(u64 a, u64 b) { return a + b + 2ull * ((u64)(u32)a * (u64)(u32)b); }
#define GB(a, b, c, d) \
  a = bla(a, b); d = rotr64(d ^ a, 32); c = bla(c, d); b = rotr64(b ^ c, 24); \
  a = bla(a, b); d = rotr64(d ^ a, 16); c = bla(c, d); b = rotr64(b ^ c, 63);
// One Argon2d slice of every lane: a block (lanes) of 32 threads a lane. M: lanes * lb blocks of 128 words, lane
// l's block j at (l * lb + j) * 128; thread `lane` holds words lane, lane + 32, lane + 64, lane + 96. Slice 0 first
// writes blocks 0 and 1 (splitmix64 of the seed, the lane, the block and the word).
extern "C" __global__ void __launch_bounds__(32) fill(u64* __restrict__ M, u64 seed, unsigned int lanes,
                                                      unsigned int lb, unsigned int slice) {
  __shared__ u64 X[128];
  const u32 lane = threadIdx.x, l = blockIdx.x, seg = lb / 4u;
  u64* L = M + (u64)l * lb * 128u;
  if (slice == 0u) {
#pragma unroll
    for (u32 j = 0; j < 2u; ++j)
#pragma unroll
      for (u32 q = 0; q < 4u; ++q)
        L[128u * j + 32u * q + lane] = splitmix(seed + (((2ull * l + j) << 7) | (32u * q + lane)));
  }
  __syncwarp();
  u32 j = slice == 0u ? 2u : slice * seg;
  u64 x[4];
#pragma unroll
  for (u32 q = 0; q < 4u; ++q) x[q] = L[128u * (j - 1u) + 32u * q + lane];
#pragma unroll 1
  for (; j < (slice + 1u) * seg; ++j) {
    const u64 w0 = __shfl_sync(FULL, x[0], 0);  // the previous block's first word: J1, J2
    const u32 J1 = (u32)w0, J2 = (u32)(w0 >> 32), idx = j - slice * seg;
    const u32 rl = slice == 0u ? l : J2 % lanes;
    const u32 W = rl == l ? j - 1u : slice * seg - (idx == 0u ? 1u : 0u);
    const u64 y = ((u64)W * (((u64)J1 * J1) >> 32)) >> 32;
    const u64* ref = M + ((u64)rl * lb + (W - 1u - (u32)y)) * 128u;
    u64 r[4];
#pragma unroll
    for (u32 q = 0; q < 4u; ++q) { r[q] = x[q] ^ ref[32u * q + lane]; X[32u * q + lane] = r[q]; }
    __syncwarp();
    {  // the round on the rows: thread lane's G in row lane / 4, column (lane % 4), then its diagonal
      u64* v = X + 16u * (lane >> 2);
      const u32 g = lane & 3u;
      GB(v[g], v[g + 4u], v[g + 8u], v[g + 12u]);
      __syncwarp();
      GB(v[g], v[4u + ((g + 1u) & 3u)], v[8u + ((g + 2u) & 3u)], v[12u + ((g + 3u) & 3u)]);
      __syncwarp();
    }
    {  // on the columns: v_k of column c is word 16 (k / 2) + 2c + (k % 2)
      const u32 c = lane >> 2, g = lane & 3u;
#define CV(k) X[16u * ((k) >> 1) + 2u * c + ((k) & 1u)]
      GB(CV(g), CV(g + 4u), CV(g + 8u), CV(g + 12u));
      __syncwarp();
      GB(CV(g), CV(4u + ((g + 1u) & 3u)), CV(8u + ((g + 2u) & 3u)), CV(12u + ((g + 3u) & 3u)));
      __syncwarp();
#undef CV
    }
#pragma unroll
    for (u32 q = 0; q < 4u; ++q) { x[q] = X[32u * q + lane] ^ r[q]; L[128u * j + 32u * q + lane] = x[q]; }
    __syncwarp();
  }
}
// the Merkle tree's leaves: H[4i..4i+3] = BLAKE2b-256 of block i
extern "C" __global__ void leaves(const u64* __restrict__ M, u64* __restrict__ H, u64 n) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (u64)gridDim.x * blockDim.x) {
    u64 h[8], m[16];
    b2b_init(h, B2B_P32);
#pragma unroll 1
    for (u32 k = 0; k < 8u; ++k) {
#pragma unroll
      for (u32 w = 0; w < 16u; ++w) m[w] = __ldg(M + 128u * i + 16u * k + w);
      b2b_compress(h, m, 128ull * (k + 1u), k == 7u);
    }
#pragma unroll
    for (int q = 0; q < 4; ++q) H[4 * i + q] = h[q];
  }
}
// a level of the tree: P[4i..4i+3] = BLAKE2b-256 of the children C[8i..8i+7]
extern "C" __global__ void tree(const u64* __restrict__ C, u64* __restrict__ P, u64 n) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (u64)gridDim.x * blockDim.x) {
    u64 h[8], m[16];
    b2b_init(h, B2B_P32);
#pragma unroll
    for (u32 w = 0; w < 16u; ++w) m[w] = w < 8u ? C[8 * i + w] : 0ull;
    b2b_compress(h, m, 64ull, true);
#pragma unroll
    for (int q = 0; q < 4; ++q) P[4 * i + q] = h[q];
  }
}
// a thread a nonce (nonce_of(nonce0) + it * threads): Y0 = BLAKE2b-256(header, root, nonce), then STEPS times
// Y = BLAKE2b-256(Y, block[Y mod blocks]) (mask: blocks - 1); threads t < nout write their last digest to out[4t..].
extern "C" __global__ void hash(const u64* __restrict__ M, const u64* __restrict__ root, unsigned int mask, u64 nonce0,
                                int iters, unsigned int target, unsigned int* hits, u64* out, unsigned int nout) {
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const u64 HDR[9] = { %HDR% };
  u64 phi[4];
#pragma unroll
  for (int q = 0; q < 4; ++q) phi[q] = __ldg(root + q);
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    u64 h[8], m[16], Y[4];
#pragma unroll
    for (int w = 0; w < 16; ++w) m[w] = w < 9 ? HDR[w] : (w < 13 ? phi[w < 13 ? w - 9 : 0] : 0ull);
    m[13] = nonce_of(nonce0) + (u64)it * nT;
    b2b_init(h, B2B_P32);
    b2b_compress(h, m, 112ull, true);
#pragma unroll
    for (int q = 0; q < 4; ++q) Y[q] = h[q];
#pragma unroll 1
    for (int s = 0; s < STEPS; ++s) {
      const u64* X = M + (u64)((u32)Y[0] & mask) * 128u;
      b2b_init(h, B2B_P32);
#pragma unroll 1
      for (int k = 0; k < 9; ++k) {  // the 1056 bytes (Y, then the block) in nine compressions
#pragma unroll
        for (int w = 0; w < 16; ++w) {
          const int o = 16 * k + w - 4;
          m[w] = o < 0 ? Y[w & 3] : (o < 128 ? __ldg(X + o) : 0ull);
        }
        b2b_compress(h, m, k < 8 ? 128ull * (k + 1) : 1056ull, k == 8);
      }
#pragma unroll
      for (int q = 0; q < 4; ++q) Y[q] = h[q];
    }
    found += (unsigned int)(Y[3] >> 32) < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = Y[q];
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%STEPS%", str(MT_STEPS)).replace("%B2B%", B2B_CUDA).replace("%HDR%", _lit(MT_HDR, 64))


# ---------------------------------------------------------------------------------------------------------------
# known answers for the Python pieces, at import (cheap)
def _known_answers():
    k16 = _words_le32(bytes.fromhex("80000000000000000000000000000000"))
    tau = _words_le32(b"expand 16-byte k")
    st = [tau[0]] + k16 + [tau[1], 0, 0, 0, 0, tau[2]] + k16 + [tau[3]]
    assert _bytes_le32(salsa_core(st, 20)).hex().upper().startswith("4DFA5E481DA23EA09A31022050859936"), \
        "Salsa20/20 (eSTREAM set 1 vector 0)"
    key = _vals(8, 0x4B4559, 32)
    ks = salsa20_stream(key, 64 * 5 + 7)
    assert ks[256:320] == _bytes_le32(salsa_core(salsa20_state(key, 4), 20)), "Salsa20 keystream (NumPy) vs the core"
    assert len(ks) == 327
    import random
    rng = random.Random(7)
    for data in (bytes(rng.randrange(3) for _ in range(300)), b"abracadabra" * 9, bytes(40), bytes(range(256)) * 2):
        want = sorted(range(len(data)), key=lambda i: data[i:])
        assert suffix_array(data).tolist() == want, "suffix array (brute force)"
    s, k = bytes.fromhex("193de3bea0f4e22b9ac68d2ae9f84808"), bytes.fromhex("a0fafe1788542cb123a339392a6c7605")
    assert _bytes_le32(_aes_w(_words_le32(s), _words_le32(k))) == aes_round(s, k), "T-table AES round (FIPS-197 B)"
    assert threefish512([0] * 8, (0, 0), [0] * 8) == _u64s(bytes.fromhex(
        "b1a2bbc6ef6025bc40eb3822161f36e375d1bb0aee3186fbd19e47c5d479947b"
        "7bc2f8586e35f0cff7e7f03084b0b7b1f1ab3961a580a3e97eb41ea14a6d7bbe")), "Threefish-512 (Skein 1.3, zeros)"
    assert argon2d(b"\x01" * 32, b"\x02" * 16, b"\x03" * 8, b"\x04" * 12, 3, 32, 4, 32).hex() == \
        "512b391b6f1162975371d30919734294f868e3be3984f3c1a13a4db9fabe4acb", "Argon2d (RFC 9106 5.1)"


_known_answers()


# ---------------------------------------------------------------------------------------------------------------
class AstroBWT(_Checked):
    def __init__(self, variant):
        super().__init__("astrobwt")
        cp = self.cp
        self.kernel = cp.RawKernel(SRC["astrobwt"], "hash")
        self.slots = max(sms() * AB_BLOCKS_SM, CHECK_THREADS)
        self.data = cp.empty(self.slots * (AB_NMAX + 64), dtype=cp.uint8)
        self.keys = cp.empty(self.slots * 2 * AB_NMAX, dtype=cp.uint64)
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.call(CHECK_THREADS, 256, CHECK_NONCE, 1, CHECK_THREADS)  # CHECK_THREADS hashes, a block each
        self._finish_check(self._compare({t: astrobwt_ref(CHECK_NONCE + t) for t in CHECK_PICKS}))
        note(f"astrobwt: two stages ({AB_N1} bytes, then {AB_N2 >> 10}-{(AB_N2 + AB_N2_MASK) >> 10} KiB) of "
             f"Salsa20 keystream, radix suffix sort, BWT and SHA3 leaves a hash; "
             f"{(self.data.nbytes + self.keys.nbytes) / 2**30:.2f} GiB for {self.slots} hashes (blocks)")

    def call(self, grid, block, nonce, iters, nout):
        """grid hashes, a block of `block` threads each."""
        cp = self.cp
        self.kernel((grid,), (block,), (self.data, self.keys, cp.uint64(nonce), cp.int32(iters), cp.uint32(TARGET),
                                        self.hits, self.out, cp.uint32(nout)))

    def launch(self, grid, block, iters):
        """A hash a block of the variant's threads (at most 256), no more blocks than the buffers allow."""
        self.call(min(grid, self.slots), min(block, 256), self.nonce, iters, 0)
        self.nonce += min(grid, self.slots) * iters
        self.hashes += min(grid, self.slots) * iters


class Balloon(_Checked):
    def __init__(self, variant):
        # the Python references take a few seconds each (983,000 BLAKE2s calls): forked processes, while the GPU
        # sets up
        pool, refs = _pool_refs(balloon_ref, [(CHECK_NONCE + t,) for t in CHECK_PICKS])
        super().__init__("balloon")
        cp = self.cp
        self.kernel = cp.RawKernel(SRC["balloon"], "hash")
        self.slots = max(sms() * BL_HASHES_SM, CHECK_THREADS)
        self.buf = cp.empty(self.slots * 32 * BL_S * 8, dtype=cp.uint32)  # 32 instances of BL_S 32-byte blocks
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.call(CHECK_THREADS // 8, 8, CHECK_NONCE, 1, CHECK_THREADS)  # CHECK_THREADS hashes, 8 warps a block
        self._finish_check(self._compare({t: r.result() for t, r in zip(CHECK_PICKS, refs)}))
        pool.shutdown()
        note(f"balloon: 32 instances a hash (a warp), s_cost {BL_S} blocks of 32 bytes ({BL_S // 32} KiB) each, "
             f"t_cost {BL_T}, delta {BL_DELTA}, BLAKE2s; {self.buf.nbytes / 2**30:.2f} GiB for {self.slots} hashes")

    def call(self, grid, block, nonce, iters, nout):
        """grid blocks of `block` hashes (warps)."""
        cp = self.cp
        self.kernel((grid,), (32 * block,), (self.buf, cp.uint64(nonce), cp.int32(iters), cp.uint32(TARGET),
                                             self.hits, self.out, cp.uint32(nout)))

    def launch(self, grid, block, iters):
        """The variant's grid as hashes: a block's warps, no more blocks than the buffers allow."""
        hashes = max(1, block // 32)
        super().launch(max(1, min(grid, self.slots // hashes)), hashes, iters)


class GhostRider(_Checked):
    def __init__(self, variant):
        # two previous block hashes' orders, checked on two picks each; references in forked processes
        self.seeds = [GR_SEED0, _splitmix(GR_SEED0)[1]]
        pool, refs = _pool_refs(ghostrider_ref, [(CHECK_NONCE + t, self.seeds[i // 2]) for i, t in
                                                 enumerate(CHECK_PICKS)])
        super().__init__("ghostrider")
        cp = self.cp
        self.kernel = cp.RawKernel(SRC["ghostrider"], "hash")
        self.threads = max(sms() * GR_THREADS_SM.get(variant, GR_THREADS_SM["full"]), CHECK_THREADS)
        self.pad = cp.empty(self.threads * GR_PAD * 4, dtype=cp.uint32)  # 16 bytes a slot
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        agree = 0
        for i in (0, 1):
            self.seed = self.seeds[i]
            self.call(1, CHECK_THREADS, CHECK_NONCE, 1, CHECK_THREADS)
            picks = CHECK_PICKS[2 * i:2 * i + 2]
            agree += self._compare({t: refs[2 * i + k].result() for k, t in enumerate(picks)})
        pool.shutdown()
        self._finish_check(agree)
        self.seed, self.t_block, self.blocks = GR_SEED0, None, 1
        note(f"ghostrider: 15 functions (8 kinds) and 3 CryptoNight-like loops (256 KiB-1 MiB, 4096-8192 "
             f"iterations) a hash, a new order every {GR_BLOCK_S:g} s; {self.pad.nbytes / 2**30:.2f} GiB of "
             f"scratchpads for {self.threads} threads")

    def call(self, grid, block, nonce, iters, nout):
        cp = self.cp
        order, cnsel = gr_words(self.seed)
        self.kernel((grid,), (block,), (self.pad, cp.uint64(order), cp.uint32(cnsel), cp.uint64(nonce),
                                        cp.int32(iters), cp.uint32(TARGET), self.hits, self.out, cp.uint32(nout)))

    def launch(self, grid, block, iters):
        """No more threads than there are scratchpads (blocks of at most 64 threads, so that they spread over the
        SMs); a new previous block hash every GR_BLOCK_S."""
        now = time.time()
        if self.t_block is None:
            self.t_block = now
        elif now - self.t_block >= GR_BLOCK_S:
            self.seed, self.t_block, self.blocks = _splitmix(self.seed)[1], now, self.blocks + 1
        block = min(block, 64)
        super().launch(max(1, min(grid, self.threads // block)), block, iters)


class Mtp(_Checked):
    def __init__(self, variant):
        pool, (ref,) = _pool_refs(mtp_check_ref, [()])
        super().__init__("mtp")
        cp = self.cp
        mod = cp.RawModule(code=SRC["mtp"])
        self.fill, self.leaves, self.tree = (mod.get_function(f) for f in ("fill", "leaves", "tree"))
        self.kernel = mod.get_function("hash")
        self.mem = cp.empty(MT_BLOCKS * 128, dtype=cp.uint64)
        self.nodes = cp.empty(2 * MT_BLOCKS * 4, dtype=cp.uint64)
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self._job(MT_CHECK_SEED, MT_CHECK_LANES, MT_CHECK_LB)
        self.call(1, CHECK_THREADS, CHECK_NONCE, 1, CHECK_THREADS)
        want_root, want = ref.result()
        pool.shutdown()
        root_ok = self.root.get().astype("<u8").tobytes() == want_root
        self._finish_check(self._compare(want) if root_ok else 0)
        self.check_note += (f" (memory of {MT_CHECK_LANES * MT_CHECK_LB} blocks, root "
                            f"{'agrees' if root_ok else 'differs'})")
        self.jobs = 0
        self._next_job()
        note(f"mtp: {MT_BLOCKS} blocks of 1 KiB ({self.mem.nbytes / 2**30:.2f} GiB) filled Argon2d-style in "
             f"{MT_LANES} lanes and Merkle-hashed ({self.nodes.nbytes >> 20} MiB of tree) a job, a new job every "
             f"{MT_JOB_S:g} s; {MT_STEPS} block reads a nonce")

    def _job(self, seed, lanes, lb):
        """Fill lanes * lb blocks, build their Merkle tree: self.root (4 words), self.mask."""
        cp = self.cp
        for s in range(4):
            self.fill((lanes,), (32,), (self.mem, cp.uint64(seed), cp.uint32(lanes), cp.uint32(lb), cp.uint32(s)))
        n = lanes * lb
        self.leaves((sms() * 8,), (256,), (self.mem, self.nodes, cp.uint64(n)))
        off = 0
        while n > 1:
            self.tree((max(1, min(sms() * 8, n // 512)),), (256,), (self.nodes[4 * off:], self.nodes[4 * (off + n):],
                                                                    cp.uint64(n // 2)))
            off, n = off + n, n // 2
        self.root = self.nodes[4 * off:4 * off + 4]
        self.mask = lanes * lb - 1

    def _next_job(self):
        self.jobs += 1
        self._job(mt_seed(self.jobs), MT_LANES, MT_BLOCKS // MT_LANES)
        self.t_job = time.time()

    def call(self, grid, block, nonce, iters, nout):
        cp = self.cp
        self.kernel((grid,), (block,), (self.mem, self.root, cp.uint32(self.mask), cp.uint64(nonce), cp.int32(iters),
                                        cp.uint32(TARGET), self.hits, self.out, cp.uint32(nout)))

    def launch(self, grid, block, iters):
        if time.time() - self.t_job >= MT_JOB_S:  # a new job: the memory filled and hashed again
            self._next_job()
        super().launch(grid, block, iters)


CLASSES = {"astrobwt": AstroBWT, "balloon": Balloon, "ghostrider": GhostRider, "mtp": Mtp}


def run(family, variant, clock):
    check_variant(variant)
    h = CLASSES[family](variant)
    drive(h, variant, clock)
    extra = {"ghostrider": lambda: f", {h.blocks} previous block hashes' orders run",
             "mtp": lambda: f", {h.jobs} jobs filled"}.get(family, lambda: "")()
    note(f"{family}/{variant}: {h.check_note}{extra}")
