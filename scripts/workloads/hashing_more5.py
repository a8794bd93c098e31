"""Proof-of-work hashing families (label 1), all memory-hard, modelled on coins whose memory pattern no earlier
family has, driven like hashing.py's: a scratchpad walk with FP32 arithmetic, a small scrypt-like ROMix run twice
with two ciphers, an Ethash-like DAG mixed by BLAKE3, and Cuckatoo-style trimming on 2-bit node counters.

  cngpu      CryptoNight-GPU-like (Ryo, Conceal), 16 threads a hash (a half-warp, one float each). Keccak-f[1600]
             of an 80-byte header (72 bytes and the nonce, SHA3-256's padding) gives a 200-byte state; its words
             seed three AES keys and each lane's 16-byte block. Explode: block (i, lane) is two AES rounds
             (FIPS-197's round by hashing_more.py's T-tables in shared memory) of the lane's block with the
             counter i XORed in, 8192 a lane: a 2 MiB scratchpad a hash (32768 64-byte lines). Main loop, 16384
             iterations: the 16 lanes read one 64-byte line (4 bytes a lane, coalesced) at an index from the
             XOR of the lanes' states (four shuffles), each lane makes floats in [1, 2) of its word and two
             neighbours' (shuffles), then FP32 d = (x * y + f) / (z + 0.5) and e = d * x - y (each rounded
             separately: __fmul_rn, __fadd_rn, __fdiv_rn, no FMA), XORs e's bits and its state into its word and
             writes the line back. Implode: each lane folds its column of blocks into four AES-round chains
             (CryptoNight's implode is one chain a 16-byte lane; four let the reference vectorise), XORed and
             through one more round; the lanes' results XORed (shuffles) go into the Keccak state, and
             Keccak-f[1600] of it is the hash. What should bound it: the serial chain of data-dependent 64-byte
             DRAM reads (6.2 GiB of scratchpads) with an FP32 division and shuffle reductions on it, the AES
             explode and implode beside. Memory: the full grid is capped to 24 hashes
             (384 threads) an SM, 3 blocks of 8 hashes (6.2 GiB on 132 SMs; GPU CryptoNight miners are capped by
             memory the same way); low runs 4 hashes an SM. Not cn-gpu's exact loop (its 16 lanes run a fixed
             sequence of FP32 ops over 4 floats each, 49152 iterations), but the same pattern: a scratchpad walk
             whose arithmetic is FP32, where every other family here is integer-only (randomx's fp64 aside).
  neoscrypt  NeoScrypt-like (Feathercoin, Phoenixcoin), a thread a hash. FastKDF-like: 32 iterations of keyed
             BLAKE2s-256 (the real one, two compressions: the 32-byte key from buffer B, the 64-byte message from
             buffer A, both 256-byte rings that start as the header repeated, at a pointer that the digest's byte
             sum moves; the digest XORed into B there) give a 256-byte block X (r = 2: four 64-byte sub-blocks).
             Then two ROMix passes with N = 128 on a 32 KiB scratchpad a hash (plus one 256-byte save block):
             one with scrypt's BlockMix over ChaCha20/20 cores, one over Salsa20/20 cores, both from X; their
             results XORed, FastKDF again (A the header, B that block) gives the 32-byte hash. What should bound
             it: 32-bit ARX (2048 20-round cores a hash) with the scratchpad traffic beside (64 KiB written and
             read a hash); FastKDF's rings are per-thread arrays with data-dependent indices (local memory, L1).
             The scratchpads (33 KiB a thread, interleaved by 256-byte block) are 2.1 GiB for the full grid,
             capped to two 256-thread blocks an SM (114 registers a thread allow no more resident threads). A
             hash's scratchpad is cache-sized, but the resident threads' together are not (a warp's are 1 MiB,
             the grid's 2.1 GiB against a 50 MiB L2), so much of the traffic reaches DRAM, as it does in GPU
             NeoScrypt miners (32 KiB a hash in global memory); the ARX should still dominate (64 KiB written
             and read a hash against 2048 20-round cores). Not NeoScrypt's exact FastKDF (word-aligned pointer,
             no tail copies) nor its BlockMix order; the ciphers are the real ones.
  fishhash   FishHash-like (Iron Fish, Karlsen): Ethash-like reads from a 4 GiB DAG of 2^26 64-byte items (item
             i: Keccak-f[1600] of (i, a seed), made on the GPU at set-up, as octopus's and kawpow's DAGs are). A
             hash: BLAKE3 of the 80-byte header (two compressions; the root block's full 64-byte output, the
             XOF's first block, is the 16-word mix), then 32 rounds, each reading three 64-byte items at indices
             from FNV of mix words (the three reads independent, in flight together) and mixing them into the mix
             by FNV and XOR; BLAKE3 of the 64-byte mix is the hash. What should bound it: DRAM bandwidth (6 KiB
             of random 64-byte reads a hash) with BLAKE3's 32-bit ARX at both ends instead of Keccak. Not
             FishHash's exact sizes (its items are 128 bytes, its light cache and DAG items Keccak-512 hashes).
  cuckatoo   Cuckatoo-like (Grin C29-sized), lean trimming on bitmaps. A launch: new SipHash keys, a 2^29-edge
             bipartite graph (edge e's endpoints: SipHash-2-4 of 2e and 2e + 1, the real one, masked to 2^29
             nodes a side), all edges alive (a 64 MiB bitmap), then `iters` rounds, each over side 0 then side
             1: clear two 64 MiB node bitmaps (a 2-bit saturating degree counter a node, 128 MiB), count: every
             alive edge sets its node's "once" bit by atomicOr and, where it was set already, the "twice" bit;
             kill: every alive edge whose node's "twice" bit is clear (degree 1) is cleared in the alive bitmap,
             and survivors are counted (popcount, an atomic a thread). What should bound it: SipHash (64-bit ARX)
             and random 32-bit atomicOr into 64 MiB bitmaps (about L2 size). How it differs from hashing_memhard's
             cuckoo: that one has 2^28 edges, byte degree counters (256 MiB) by atomicAdd of shifted bytes, and
             Tromp's short SipHash (no length block); this one twice the edges, 2-bit counters as two bitmaps by
             atomicOr (test-and-set), and standard SipHash-2-4 with its length block, as lean Cuckatoo miners run
             it. Not Cuckatoo32's sizes (2^32 edges; 2^29 keeps it under 200 MiB beside another job) nor its
             block-wise SipHash.

Why: held out by family, the detector misses memory-hard hashing (RandomX-, DAG-, Octopus-, Equihash-like
samples mostly get through): each memory-hard family has its own signature, and more distinct memory-hard kin in
training is the way to generalise. These add a scratchpad walk with FP32 arithmetic (cngpu), a small scratchpad
behind heavy 32-bit ARX with a local-memory KDF (neoscrypt), a bandwidth-bound DAG with BLAKE3 (fishhash), and
bit-granular random atomics on bitmaps (cuckatoo).

cngpu, neoscrypt and fishhash run `iters` whole hashes a thread (cngpu: a 16-thread group) a launch; cngpu's and
neoscrypt's hashes are long (milliseconds), so their short and poll launches are a whole hash, longer than asked
(as yescrypt's are).
cuckatoo runs `iters` trimming rounds of a new graph a launch (as cuckoo does), so its short and poll launches are
longer than asked too. Memory is allocated once, for the largest grid launched: cngpu 6.2 GiB, neoscrypt 2.1 GiB,
fishhash 4 GiB, cuckatoo 192 MiB (on 132 SMs). hashing.drive() does the rest (calibration, variants, clock).

Self-check: at set-up (before READY) a launch of each family's own `hash` kernel on nonces CHECK_NONCE.. (32
hashes) writes their final digests; four of them are compared with the pure-Python references below (cngpu_ref,
neoscrypt_ref, fishhash_ref), and for cuckatoo four small graphs (2^13 edges, keys from CHECK_NONCE + the picks)
are trimmed for three rounds by the same kernels and their alive bitmaps (SHA-256 of them, and the surviving
edges) compared with cuckatoo_ref's. After drive()'s summary line a line says `self-check: 4/4 ... agree: True`.
The Python pieces are checked at import by known answers: Keccak-f[1600] (SHA3-256 of "abc" against hashlib),
the AES round (hashing_more4's, FIPS-197) against the T-table round used here, keyed BLAKE2s (RFC 7693's "abc"
and hashlib), BLAKE3 (the empty input's hash), SipHash-2-4 (the reference vector for 00..07), Salsa20/20 (eSTREAM
set 1 vector 0), ChaCha20 (hashing_more4's RFC 8439 block) and scrypt's BlockMix with r = 2 (hashlib.scrypt).
"""
import hashlib

from common import KECCAKF_CUDA, keccak_round_constants, note, sms
from hashing import HEAD, TARGET, PowKernel, check_variant, drive
from hashing_memhard import CUCKOO_SRC, _splitmix
from hashing_more import AES_HEAD, BLAKE_SIGMA, MASK64, _aes_tables, _lit
from hashing_more2 import CHECK_NONCE, CHECK_PICKS, CHECK_THREADS, _Checked, _le64, _rotl32, _rotr32, _vals
from hashing_more4 import _bytes_le32, _words_le32, aes_round, chacha_core, salsa_core
from moreops4 import B3_IV, _b3_rounds_cuda, _b3_schedules
from moreops6 import KT_SHA3, _keccak, _keccak_f

M32 = 0xFFFFFFFF
SRC = {}  # family -> CUDA source, each with a `hash` kernel (cuckatoo: `count` and `kill`)


def _fnv(a, b):
    return ((a * 0x01000193) & M32) ^ b


# ---------------------------------------------------------------------------------------------------------------
# cngpu
CG_LINES = 32768        # 64-byte lines of a hash's scratchpad (2 MiB)
CG_ITERS = 16384        # main-loop iterations a hash
CG_HASHES_SM = 24       # the full grid's hashes an SM (16 threads each)
CG_BLOCK_HASHES = 8     # hashes a block at the full grid (128 threads)
CG_HDR = _vals(9, 0x434E47, 64)  # the header's first 72 bytes as little-endian 64-bit words; the nonce follows


def _aes_np(t, x, k):
    """The T-table AES round (AES_HEAD's aes_round) on 16 lanes' blocks: x (4, 16) uint32, k four ints."""
    import numpy as np
    y = np.empty_like(x)
    for c in range(4):
        y[c] = (t[0][x[c] & 255] ^ t[1][(x[(c + 1) & 3] >> 8) & 255] ^ t[2][(x[(c + 2) & 3] >> 16) & 255]
                ^ t[3][x[(c + 3) & 3] >> 24] ^ np.uint32(k[c]))
    return y


def _u4(a, b):
    return [a & M32, a >> 32, b & M32, b >> 32]


def cngpu_state(nonce):
    """Keccak-f[1600] of the header with the nonce, SHA3-256's padding: 25 64-bit words."""
    s = CG_HDR + [nonce, 0x06] + [0] * 5 + [1 << 63] + [0] * 8
    return _keccak_f(s)


def cngpu_ref(nonce, lines=CG_LINES, iters=CG_ITERS):
    """The 32-byte digest the `hash` kernel computes for a nonce (lines: the scratchpad's 64-byte lines)."""
    import numpy as np
    tt = np.array(_aes_tables(), dtype=np.uint32).reshape(4, 256)
    s = cngpu_state(nonce)
    k0, k1, k2 = _u4(s[0], s[1]), _u4(s[2], s[3]), _u4(s[4], s[5])
    steps = lines // 4
    base = np.array([_u4(s[6 + (l & 7)] ^ l, s[14 + (l & 7)]) for l in range(16)], dtype=np.uint32).T  # (4, 16)
    x = np.repeat(base[:, None, :], steps, axis=1)  # (4, steps, 16): block (i, lane) from the counter i
    x[0] ^= np.arange(steps, dtype=np.uint32)[:, None]
    x = _aes_np(tt, _aes_np(tt, x, k0), k1)
    pad = np.ascontiguousarray(x.transpose(1, 2, 0))  # block (i, lane): 4 words
    w = pad.reshape(lines, 16)  # line j: words 16j..16j+15, lane l's word 16j + l
    lane = np.arange(16)
    nb1, nb4 = lane ^ 1, (lane + 4) & 15
    u = np.array([(s[8 + (l & 7)] >> (32 * (l >> 3))) & M32 for l in range(16)], dtype=np.uint32)
    f = np.ones(16, dtype=np.float32)
    one, mant, half = np.uint32(0x3F800000), np.uint32(0x7FFFFF), np.float32(0.5)
    j = int(np.bitwise_xor.reduce(u)) & (lines - 1)
    for _ in range(iters):
        v = w[j].copy()
        xf = (one | (v & mant)).view(np.float32)
        yf = (one | (v[nb1] & mant)).view(np.float32)
        zf = (one | (v[nb4] & mant)).view(np.float32)
        d = (xf * yf + f) / (zf + half)
        e = d * xf - yf
        nw = v ^ e.view(np.uint32) ^ u
        w[j] = nw
        f = d
        r = u ^ nw
        u = ((r << np.uint32(13)) | (r >> np.uint32(19))) + d.view(np.uint32)
        j = int(np.bitwise_xor.reduce(u)) & (lines - 1)
    x = np.array([[k2[c] ^ (l if c == 0 else 0) ^ (q if c == 1 else 0) for q in range(4) for l in range(16)]
                  for c in range(4)], dtype=np.uint32)  # four chains a lane, column 16q + l
    for i in range(0, steps, 4):
        x = _aes_np(tt, x ^ pad[i:i + 4].reshape(64, 4).T, k2)
    x = _aes_np(tt, x[:, :16] ^ x[:, 16:32] ^ x[:, 32:48] ^ x[:, 48:], k0)
    x[0] ^= u
    x[1] ^= f.view(np.uint32)
    r = [int(np.bitwise_xor.reduce(x[c])) for c in range(4)]
    s = list(s)
    s[0] ^= r[0] | r[1] << 32
    s[1] ^= r[2] | r[3] << 32
    return _le64(_keccak_f(s)[:4])


def cngpu_source(lines=CG_LINES, iters=CG_ITERS):
    return HEAD + AES_HEAD + r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define LINES %LINES%
#define STEPS (LINES / 4)
#define ITERS %ITERS%
#define FULL 0xFFFFFFFFu
__constant__ u64 KRC[24] = { %KRC% };
%KECCAKF%
__device__ __forceinline__ uint4 u4(u64 a, u64 b) { return make_uint4((u32)a, (u32)(a >> 32), (u32)b, (u32)(b >> 32)); }
__device__ __forceinline__ uint4 x4(uint4 a, uint4 b) { return make_uint4(a.x ^ b.x, a.y ^ b.y, a.z ^ b.z, a.w ^ b.w); }
// the XOR of v over the 16 lanes of a half-warp
__device__ __forceinline__ u32 xor16(u32 v) {
  v ^= __shfl_xor_sync(FULL, v, 8, 16); v ^= __shfl_xor_sync(FULL, v, 4, 16);
  v ^= __shfl_xor_sync(FULL, v, 2, 16); v ^= __shfl_xor_sync(FULL, v, 1, 16);
  return v;
}
// s[k & 7 + base] by selects (an index would put the state in local memory)
__device__ __forceinline__ u64 pick8(const u64* s, u32 k) {
  u64 r = s[0];
#pragma unroll
  for (u32 i = 1; i < 8; ++i) r = (k & 7u) == i ? s[i] : r;
  return r;
}
// 16 threads a hash (blockDim.x a multiple of 32); P: LINES 64-byte lines a hash, indexed by the hash's group
// (thread / 16). A group hashes `iters` nonces (nonce0 + group + it * groups); lane 0 of groups g < nout writes its
// last digest to out[4g..4g+3].
extern "C" __global__ void hash(uint4* __restrict__ P, u64 nonce0, int iters, unsigned int target,
                                unsigned int* hits, u64* out, unsigned int nout) {
  __shared__ u32 T[1024];
  for (int i = threadIdx.x; i < 1024; i += blockDim.x) T[i] = TE[i];
  __syncthreads();
  const u32 l = threadIdx.x & 15u;
  const u64 g = ((u64)blockIdx.x * blockDim.x + threadIdx.x) >> 4;
  const u64 nG = ((u64)gridDim.x * blockDim.x) >> 4;
  uint4* S = P + g * ((u64)LINES * 4);
  u32* W = (u32*)S;
  const u64 HDR[9] = { %HDR% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    u64 s[25];
#pragma unroll
    for (int i = 0; i < 25; ++i) s[i] = i < 9 ? HDR[i] : 0ull;
    s[9] = nonce0 + g + (u64)it * nG; s[10] = 0x06ull; s[16] = 0x8000000000000000ull;
    keccakf(s);
    const uint4 k0 = u4(s[0], s[1]), k1 = u4(s[2], s[3]), k2 = u4(s[4], s[5]);
    const uint4 b = u4(pick8(s + 6, l) ^ l, pick8(s + 14, l));
#pragma unroll 4
    for (u32 i = 0; i < STEPS; ++i)  // explode: block (i, l) from lane l's block and the counter i
      S[16u * i + l] = aes_round(T, aes_round(T, make_uint4(b.x ^ i, b.y, b.z, b.w), k0), k1);
    __syncwarp();
    u32 u = (u32)(pick8(s + 8, l) >> (l & 8u ? 32 : 0));
    float f = 1.0f;
    u32 j = xor16(u) & (LINES - 1);
#pragma unroll 1
    for (u32 i = 0; i < ITERS; ++i) {  // lane l reads and writes word l of line j
      u32* p = W + (u64)j * 16u + l;
      const u32 v = *p;
      const u32 vy = __shfl_xor_sync(FULL, v, 1, 16), vz = __shfl_sync(FULL, v, (l + 4u) & 15u, 16);
      const float xf = __uint_as_float(0x3F800000u | (v & 0x7FFFFFu));
      const float yf = __uint_as_float(0x3F800000u | (vy & 0x7FFFFFu));
      const float zf = __uint_as_float(0x3F800000u | (vz & 0x7FFFFFu));
      const float d = __fdiv_rn(__fadd_rn(__fmul_rn(xf, yf), f), __fadd_rn(zf, 0.5f));
      const float e = __fsub_rn(__fmul_rn(d, xf), yf);
      const u32 w = v ^ __float_as_uint(e) ^ u;
      *p = w;
      f = d;
      u = ROTL32(u ^ w, 13) + __float_as_uint(d);
      j = xor16(u) & (LINES - 1);
    }
    __syncwarp();
    uint4 x0 = make_uint4(k2.x ^ l, k2.y, k2.z, k2.w), x1 = make_uint4(k2.x ^ l, k2.y ^ 1u, k2.z, k2.w);
    uint4 x2 = make_uint4(k2.x ^ l, k2.y ^ 2u, k2.z, k2.w), x3 = make_uint4(k2.x ^ l, k2.y ^ 3u, k2.z, k2.w);
#pragma unroll 1
    for (u32 i = 0; i < STEPS; i += 4) {  // implode: four chains a lane, block (i + q, l) into chain q
      x0 = aes_round(T, x4(x0, S[16u * i + l]), k2);
      x1 = aes_round(T, x4(x1, S[16u * (i + 1) + l]), k2);
      x2 = aes_round(T, x4(x2, S[16u * (i + 2) + l]), k2);
      x3 = aes_round(T, x4(x3, S[16u * (i + 3) + l]), k2);
    }
    uint4 x = aes_round(T, x4(x4(x0, x1), x4(x2, x3)), k0);
    x.x ^= u; x.y ^= __float_as_uint(f);
    x.x = xor16(x.x); x.y = xor16(x.y); x.z = xor16(x.z); x.w = xor16(x.w);
    s[0] ^= ((u64)x.y << 32) | x.x; s[1] ^= ((u64)x.w << 32) | x.z;
    keccakf(s);
    if (l == 0u) {
      found += (unsigned int)s[3] < target;
      if (g < nout && it == iters - 1) {
#pragma unroll
        for (int q = 0; q < 4; ++q) out[4 * g + q] = s[q];
      }
    }
    __syncwarp();
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%LINES%", str(lines)).replace("%ITERS%", str(iters)).replace("%KRC%", _lit(keccak_round_constants(), 64)) \
   .replace("%KECCAKF%", KECCAKF_CUDA).replace("%HDR%", _lit(CG_HDR, 64))


SRC["cngpu"] = cngpu_source()

# ---------------------------------------------------------------------------------------------------------------
# neoscrypt
NS_N = 128              # ROMix's N: 128 blocks of 256 bytes (32 KiB) a hash
NS_KDF = 32             # FastKDF iterations
NS_BLOCKS_SM = 2        # the full grid's 256-thread blocks an SM
NS_HDR = _vals(18, 0x4E454F, 32)  # the header's first 72 bytes as little-endian words; the nonce follows
B2S_IV = B3_IV          # BLAKE2s's IV is SHA-256's, as BLAKE3's is


def _blake_rounds(v, m, schedules):
    """BLAKE2s's (and BLAKE3's) rounds on the 16-word state v in place: the G function over columns, then
    diagonals, each round's message words in the order its schedule gives."""
    for s in schedules:
        for i, (a, b, c, d) in enumerate(((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                                          (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14))):
            v[a] = (v[a] + v[b] + m[s[2 * i]]) & M32
            v[d] = _rotr32(v[d] ^ v[a], 16)
            v[c] = (v[c] + v[d]) & M32
            v[b] = _rotr32(v[b] ^ v[c], 12)
            v[a] = (v[a] + v[b] + m[s[2 * i + 1]]) & M32
            v[d] = _rotr32(v[d] ^ v[a], 8)
            v[c] = (v[c] + v[d]) & M32
            v[b] = _rotr32(v[b] ^ v[c], 7)


def b2s_compress(h, m, t, last):
    """BLAKE2s's compression of 16 words m into the state h (returned); t: bytes so far, last: the final block."""
    v = list(h) + list(B2S_IV)
    v[12] ^= t & M32
    v[13] ^= t >> 32
    if last:
        v[14] ^= M32
    _blake_rounds(v, m, (BLAKE_SIGMA[r] for r in range(10)))
    return [h[i] ^ v[i] ^ v[i + 8] for i in range(8)]


def b2s_keyed(key, msg):
    """Keyed BLAKE2s-256 of a 64-byte message (16 words) with a 32-byte key (8 words), as the kernel runs it."""
    h = list(B2S_IV)
    h[0] ^= 0x01012020  # digest 32 bytes, key 32 bytes, fanout 1, depth 1
    h = b2s_compress(h, list(key) + [0] * 8, 64, False)
    return b2s_compress(h, msg, 128, True)


def fastkdf(a, b):
    """The FastKDF-like loop on the 64-word rings a (message) and b (key, XORed in place): the final pointer."""
    ptr = 0
    for _ in range(NS_KDF):
        prf = b2s_keyed([b[(ptr + k) & 63] for k in range(8)], [a[(ptr + k) & 63] for k in range(16)])
        ptr = sum(sum((w >> (8 * q)) & 255 for q in range(4)) for w in prf) & 63
        for k in range(8):
            b[(ptr + k) & 63] ^= prf[k]
    return ptr


def blockmix(x, core, rounds):
    """scrypt's BlockMix of 2r 16-word sub-blocks (x: 32r words) with a core function; scrypt's output order."""
    subs = [x[16 * i:16 * i + 16] for i in range(len(x) // 16)]
    t, ys = subs[-1], []
    for sub in subs:
        t = core([p ^ q for p, q in zip(t, sub)], rounds)
        ys.append(t)
    out = []
    for y in ys[0::2] + ys[1::2]:
        out += y
    return out


def romix(x, n, core, rounds):
    v = []
    for _ in range(n):
        v.append(x)
        x = blockmix(x, core, rounds)
    for _ in range(n):
        j = x[len(x) - 16] & (n - 1)
        x = blockmix([p ^ q for p, q in zip(x, v[j])], core, rounds)
    return x


def neoscrypt_ref(nonce, n=NS_N):
    """The 32-byte digest the `hash` kernel computes for a nonce."""
    hdr = NS_HDR + [nonce & M32, nonce >> 32]
    a, b = [hdr[w % 20] for w in range(64)], [hdr[w % 20] for w in range(64)]
    p = fastkdf(a, b)
    x = [b[(p + k) & 63] ^ a[(p + k) & 63] for k in range(64)]
    y = [p ^ q for p, q in zip(romix(x, n, chacha_core, 20), romix(x, n, salsa_core, 20))]
    a = [hdr[w % 20] for w in range(64)]
    p = fastkdf(a, y)
    return _bytes_le32([y[(p + k) & 63] ^ a[(p + k) & 63] for k in range(8)])


def _b2s_rounds_cuda():
    lines = []
    for r in range(10):
        s = BLAKE_SIGMA[r]
        for i, (a, b, c, d) in enumerate(((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                                          (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14))):
            lines.append(f"  B2SG(v[{a}], v[{b}], v[{c}], v[{d}], m[{s[2 * i]}], m[{s[2 * i + 1]}]);")
    return "\n".join(lines)


def neoscrypt_source(n=NS_N):
    return HEAD + r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define NR %N%
#define KDF %KDF%
#define B2SG(a, b, c, d, x, y) \
  a += b + (x); d = ROTR32(d ^ a, 16); c += d; b = ROTR32(b ^ c, 12); \
  a += b + (y); d = ROTR32(d ^ a, 8); c += d; b = ROTR32(b ^ c, 7);
#define SQR(a, b, c, d) b ^= ROTL32(a + d, 7); c ^= ROTL32(b + a, 9); d ^= ROTL32(c + b, 13); a ^= ROTL32(d + c, 18);
#define CQR(a, b, c, d) \
  a += b; d = ROTL32(d ^ a, 16); c += d; b = ROTL32(b ^ c, 12); a += b; d = ROTL32(d ^ a, 8); c += d; b = ROTL32(b ^ c, 7);
// BLAKE2s's compression of m into h; t: bytes so far (under 2^32), last: the final block
__device__ __forceinline__ void b2s_compress(u32* h, const u32* m, u32 t, bool last) {
  u32 v[16] = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,
               0x510E527Fu ^ t, 0x9B05688Cu, 0x1F83D9ABu ^ (last ? 0xFFFFFFFFu : 0u), 0x5BE0CD19u};
%B2SROUNDS%
#pragma unroll
  for (int i = 0; i < 8; ++i) h[i] ^= v[i] ^ v[i + 8];
}
// the FastKDF-like loop on the 64-word rings A (message) and B (key, XORed in place); returns the pointer
__device__ __forceinline__ u32 fastkdf(const u32* A, u32* B) {
  u32 ptr = 0;
#pragma unroll 1
  for (int it = 0; it < KDF; ++it) {
    u32 h[8] = {0x6A09E667u ^ 0x01012020u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au, 0x510E527Fu, 0x9B05688Cu,
                0x1F83D9ABu, 0x5BE0CD19u};
    u32 m[16];
#pragma unroll
    for (int k = 0; k < 16; ++k) m[k] = k < 8 ? B[(ptr + k) & 63u] : 0u;
    b2s_compress(h, m, 64u, false);
#pragma unroll
    for (int k = 0; k < 16; ++k) m[k] = A[(ptr + k) & 63u];
    b2s_compress(h, m, 128u, true);
    u32 sum = 0;
#pragma unroll
    for (int k = 0; k < 8; ++k) sum += (h[k] & 255u) + ((h[k] >> 8) & 255u) + ((h[k] >> 16) & 255u) + (h[k] >> 24);
    ptr = sum & 63u;
#pragma unroll
    for (int k = 0; k < 8; ++k) B[(ptr + k) & 63u] ^= h[k];
  }
  return ptr;
}
// the 20-round Salsa20 (CHA = 0) or ChaCha20 (CHA = 1) core with feed-forward, x in place
template <int CHA>
__device__ __forceinline__ void core20(u32* x) {
  u32 z[16];
#pragma unroll
  for (int i = 0; i < 16; ++i) z[i] = x[i];
#pragma unroll 1
  for (int r = 0; r < 10; ++r) {
    if (CHA) {
      CQR(z[0], z[4], z[8], z[12]) CQR(z[1], z[5], z[9], z[13]) CQR(z[2], z[6], z[10], z[14]) CQR(z[3], z[7], z[11], z[15])
      CQR(z[0], z[5], z[10], z[15]) CQR(z[1], z[6], z[11], z[12]) CQR(z[2], z[7], z[8], z[13]) CQR(z[3], z[4], z[9], z[14])
    } else {
      SQR(z[0], z[4], z[8], z[12]) SQR(z[5], z[9], z[13], z[1]) SQR(z[10], z[14], z[2], z[6]) SQR(z[15], z[3], z[7], z[11])
      SQR(z[0], z[1], z[2], z[3]) SQR(z[5], z[6], z[7], z[4]) SQR(z[10], z[11], z[8], z[9]) SQR(z[15], z[12], z[13], z[14])
    }
  }
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i] += z[i];
}
// scrypt's BlockMix with r = 2 on X (64 words) in place: sub-block i becomes core(sub-block i ^ the previous
// result), then the output order (Y0, Y2, Y1, Y3)
template <int CHA>
__device__ __forceinline__ void blockmix(u32* X) {
#pragma unroll
  for (int k = 0; k < 16; ++k) X[k] ^= X[48 + k];
  core20<CHA>(X);
#pragma unroll
  for (int i = 1; i < 4; ++i) {
#pragma unroll
    for (int k = 0; k < 16; ++k) X[16 * i + k] ^= X[16 * (i - 1) + k];
    core20<CHA>(X + 16 * i);
  }
#pragma unroll
  for (int k = 0; k < 16; ++k) { const u32 t = X[16 + k]; X[16 + k] = X[32 + k]; X[32 + k] = t; }
}
// ROMix on X with the thread's scratchpad: block i at Vt[i * nT * 16], 16 uint4 (256 bytes) contiguous
template <int CHA>
__device__ __forceinline__ void romix(u32* X, uint4* Vt, u64 nT) {
#pragma unroll 1
  for (int i = 0; i < NR; ++i) {
    uint4* p = Vt + (u64)i * nT * 16;
#pragma unroll
    for (int q = 0; q < 16; ++q) p[q] = make_uint4(X[4 * q], X[4 * q + 1], X[4 * q + 2], X[4 * q + 3]);
    blockmix<CHA>(X);
  }
#pragma unroll 1
  for (int i = 0; i < NR; ++i) {
    const uint4* p = Vt + (u64)(X[48] & (NR - 1)) * nT * 16;
#pragma unroll
    for (int q = 0; q < 16; ++q) {
      const uint4 v = p[q];
      X[4 * q] ^= v.x; X[4 * q + 1] ^= v.y; X[4 * q + 2] ^= v.z; X[4 * q + 3] ^= v.w;
    }
    blockmix<CHA>(X);
  }
}
// a thread hashes `iters` nonces (nonce_of(nonce0) + it * threads); V: NR + 1 blocks of 256 bytes a thread (the
// last the save block), block i of thread t at uint4 (i * threads + t) * 16. Threads t < nout write their last
// digest to out[4t..4t+3].
extern "C" __global__ void hash(uint4* __restrict__ V, u64 nonce0, int iters, unsigned int target,
                                unsigned int* hits, u64* out, unsigned int nout) {
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const u32 HDR[18] = { %HDR% };
  uint4* Vt = V + t * 16;
  uint4* save = Vt + (u64)NR * nT * 16;
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    const u64 n = nonce_of(nonce0) + (u64)it * nT;
    u32 A[64], B[64], X[64];
#pragma unroll
    for (int w = 0; w < 64; ++w) {
      const int h = w % 20;
      A[w] = h < 18 ? HDR[h < 18 ? h : 0] : (h == 18 ? (u32)n : (u32)(n >> 32));
      B[w] = A[w];
    }
    u32 p = fastkdf(A, B);
#pragma unroll
    for (int k = 0; k < 64; ++k) X[k] = B[(p + k) & 63u] ^ A[(p + k) & 63u];
#pragma unroll
    for (int q = 0; q < 16; ++q) save[q] = make_uint4(X[4 * q], X[4 * q + 1], X[4 * q + 2], X[4 * q + 3]);
    romix<1>(X, Vt, nT);
#pragma unroll
    for (int q = 0; q < 16; ++q) {  // swap: the ChaCha result to the save block, X back
      const uint4 v = save[q];
      save[q] = make_uint4(X[4 * q], X[4 * q + 1], X[4 * q + 2], X[4 * q + 3]);
      X[4 * q] = v.x; X[4 * q + 1] = v.y; X[4 * q + 2] = v.z; X[4 * q + 3] = v.w;
    }
    romix<0>(X, Vt, nT);
#pragma unroll
    for (int q = 0; q < 16; ++q) {
      const uint4 v = save[q];
      B[4 * q] = X[4 * q] ^ v.x; B[4 * q + 1] = X[4 * q + 1] ^ v.y; B[4 * q + 2] = X[4 * q + 2] ^ v.z;
      B[4 * q + 3] = X[4 * q + 3] ^ v.w;
    }
    p = fastkdf(A, B);
    u32 d[8];
#pragma unroll
    for (int k = 0; k < 8; ++k) d[k] = B[(p + k) & 63u] ^ A[(p + k) & 63u];
    found += d[7] < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = ((u64)d[2 * q + 1] << 32) | d[2 * q];
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%N%", str(n)).replace("%KDF%", str(NS_KDF)).replace("%B2SROUNDS%", _b2s_rounds_cuda()) \
   .replace("%HDR%", _lit(NS_HDR, 32))


SRC["neoscrypt"] = neoscrypt_source()

# ---------------------------------------------------------------------------------------------------------------
# fishhash
FH_ITEMS = 1 << 26      # 64-byte items: 4 GiB
FH_ROUNDS = 32
FH_SEED = 0x46495348
FH_HDR = _vals(18, 0x464948, 32)  # the header's first 72 bytes as little-endian words; the nonce follows
CHUNK_START, CHUNK_END, ROOT = 1, 2, 8


def b3_compress(cv, m, counter, block_len, flags):
    """BLAKE3's compression function: the full 16-word output."""
    v = list(cv) + list(B3_IV[:4]) + [counter & M32, counter >> 32, block_len, flags]
    _blake_rounds(v, m, _b3_schedules())
    return [v[i] ^ v[i + 8] for i in range(8)] + [v[i + 8] ^ cv[i] for i in range(8)]


def blake3_block_out(data):
    """BLAKE3 of up to 1024 bytes (one chunk, no key): the root block's full 64-byte output as 16 words."""
    blocks = [data[o:o + 64] for o in range(0, len(data), 64)] or [b""]
    cv = list(B3_IV)
    for i, blk in enumerate(blocks):
        flags = (CHUNK_START if i == 0 else 0) | (CHUNK_END | ROOT if i == len(blocks) - 1 else 0)
        o = b3_compress(cv, _words_le32(blk + bytes(64 - len(blk))), 0, len(blk), flags)
        cv = o[:8]
    return o


def fh_item(i):
    return _keccak_f([i, FH_SEED] + [0] * 23)[:8]


def fishhash_ref(nonce, items, item=fh_item):
    """The 32-byte digest the `hash` kernel computes for a nonce, over a DAG of `items` 64-byte items."""
    mix = blake3_block_out(_bytes_le32(FH_HDR + [nonce & M32, nonce >> 32]))
    for r in range(FH_ROUNDS):
        got = []
        for o in (0, 5, 10):
            p = _fnv(mix[(r + o) & 15] ^ r, mix[(r + o + 1) & 15]) & (items - 1)
            it = item(p)
            got.append([w for v in it for w in (v & M32, v >> 32)])
        a, b, c = got
        mix = [_fnv(_fnv(mix[k], a[k]), b[k]) ^ c[k] for k in range(16)]
    return _bytes_le32(blake3_block_out(_bytes_le32(mix))[:8])


SRC["fishhash"] = HEAD + r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define ROUNDS %ROUNDS%
__constant__ u64 KRC[24] = { %KRC% };
%KECCAKF%
#define B3G(a, b, c, d, x, y) \
  a = a + b + (x); d = ROTR32(d ^ a, 16); c = c + d; b = ROTR32(b ^ c, 12); \
  a = a + b + (y); d = ROTR32(d ^ a, 8); c = c + d; b = ROTR32(b ^ c, 7);
// BLAKE3's compression (counter 0) of m from the chaining value cv: the full 16-word output in o
__device__ __forceinline__ void b3_full(u32* o, const u32* cv, const u32* m, u32 block_len, u32 flags) {
  u32 v[16] = {cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7],
               0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au, 0u, 0u, block_len, flags};
%ROUNDS3%
#pragma unroll
  for (int k = 0; k < 8; ++k) { o[k] = v[k] ^ v[k + 8]; o[k + 8] = v[k + 8] ^ cv[k]; }
}
// 64-byte item i: Keccak-f[1600] of (i, seed), its first eight lanes
extern "C" __global__ void fill(uint4* D, u64 items) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < items; i += (u64)gridDim.x * blockDim.x) {
    u64 a[25];
#pragma unroll
    for (int j = 0; j < 25; ++j) a[j] = 0ull;
    a[0] = i; a[1] = %SEED%ull;
    keccakf(a);
#pragma unroll
    for (int q = 0; q < 4; ++q)
      D[4 * i + q] = make_uint4((u32)a[2 * q], (u32)(a[2 * q] >> 32), (u32)a[2 * q + 1], (u32)(a[2 * q + 1] >> 32));
  }
}
__device__ __forceinline__ void item(const uint4* D, u32 p, u32* c) {
#pragma unroll
  for (int q = 0; q < 4; ++q) {
    const uint4 v = __ldg(D + 4 * (u64)p + q);
    c[4 * q] = v.x; c[4 * q + 1] = v.y; c[4 * q + 2] = v.z; c[4 * q + 3] = v.w;
  }
}
// a thread hashes `iters` nonces (nonce_of(nonce0) + it * threads); mask: items - 1. Threads t < nout write their
// last digest to out[4t..4t+3].
extern "C" __global__ void hash(const uint4* __restrict__ D, unsigned int mask, u64 nonce0, int iters,
                                unsigned int target, unsigned int* hits, u64* out, unsigned int nout) {
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const u32 HDR[18] = { %HDR% };
  const u32 IV[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au, 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    const u64 n = nonce_of(nonce0) + (u64)it * nT;
    u32 m[16], cv[16], mix[16];
#pragma unroll
    for (int k = 0; k < 16; ++k) m[k] = HDR[k];
    b3_full(cv, IV, m, 64u, 1u);  // CHUNK_START
#pragma unroll
    for (int k = 0; k < 16; ++k) m[k] = k < 2 ? HDR[16 + k] : 0u;
    m[2] = (u32)n; m[3] = (u32)(n >> 32);
    b3_full(mix, cv, m, 16u, 10u);  // CHUNK_END | ROOT: the root block's 64 bytes
#pragma unroll
    for (int r = 0; r < ROUNDS; ++r) {
      u32 a[16], b[16], c[16];
      item(D, fnv(mix[r & 15] ^ (u32)r, mix[(r + 1) & 15]) & mask, a);
      item(D, fnv(mix[(r + 5) & 15] ^ (u32)r, mix[(r + 6) & 15]) & mask, b);
      item(D, fnv(mix[(r + 10) & 15] ^ (u32)r, mix[(r + 11) & 15]) & mask, c);
#pragma unroll
      for (int k = 0; k < 16; ++k) mix[k] = fnv(fnv(mix[k], a[k]), b[k]) ^ c[k];
    }
    b3_full(cv, IV, mix, 64u, 11u);  // CHUNK_START | CHUNK_END | ROOT
    found += cv[7] < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = ((u64)cv[2 * q + 1] << 32) | cv[2 * q];
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%ROUNDS%", str(FH_ROUNDS)).replace("%KRC%", _lit(keccak_round_constants(), 64)) \
   .replace("%KECCAKF%", KECCAKF_CUDA).replace("%SEED%", str(FH_SEED)).replace("%HDR%", _lit(FH_HDR, 32)) \
   .replace("%ROUNDS3%", _b3_rounds_cuda())

# ---------------------------------------------------------------------------------------------------------------
# cuckatoo
CT_EDGE_BITS = 29       # 2^29 edges, 2^29 nodes a side
CT_CHECK_BITS = 13      # the self-check's graphs
CT_CHECK_ROUNDS = 3
SIP_C = (0x736F6D6570736575, 0x646F72616E646F6D, 0x6C7967656E657261, 0x7465646279746573)


def _rotl64(x, n):
    return ((x << n) | (x >> (64 - n))) & MASK64


def siphash24(k0, k1, m):
    """SipHash-2-4 of one 8-byte message (the word m, little-endian) with the key (k0, k1)."""
    v0, v1, v2, v3 = k0 ^ SIP_C[0], k1 ^ SIP_C[1], k0 ^ SIP_C[2], k1 ^ SIP_C[3]

    def rounds(n, v0, v1, v2, v3):
        for _ in range(n):
            v0 = (v0 + v1) & MASK64
            v2 = (v2 + v3) & MASK64
            v1 = _rotl64(v1, 13) ^ v0
            v3 = _rotl64(v3, 16) ^ v2
            v0 = _rotl64(v0, 32)
            v2 = (v2 + v1) & MASK64
            v0 = (v0 + v3) & MASK64
            v1 = _rotl64(v1, 17) ^ v2
            v3 = _rotl64(v3, 21) ^ v0
            v2 = _rotl64(v2, 32)
        return v0, v1, v2, v3
    for w in (m, 8 << 56):  # the message word, then the length block
        v3 ^= w
        v0, v1, v2, v3 = rounds(2, v0, v1, v2, v3)
        v0 ^= w
    v2 ^= 0xFF
    v0, v1, v2, v3 = rounds(4, v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def cuckatoo_keys(seed):
    """The SipHash key (k0, k1) of a graph from a seed (splitmix64 twice)."""
    s, k0 = _splitmix(seed)
    return k0, _splitmix(s)[1]


def cuckatoo_ref(seed, bits=CT_CHECK_BITS, rounds=CT_CHECK_ROUNDS):
    """The alive bitmap (bytes, 32-bit words little-endian) after `rounds` trimming rounds of the 2^bits-edge graph."""
    k0, k1 = cuckatoo_keys(seed)
    n = 1 << bits
    ends = [[siphash24(k0, k1, 2 * e + side) & (n - 1) for e in range(n)] for side in (0, 1)]
    alive = [True] * n
    for _ in range(rounds):
        for side in (0, 1):
            deg = [0] * n
            for e in range(n):
                if alive[e]:
                    deg[ends[side][e]] += 1
            for e in range(n):
                if alive[e] and deg[ends[side][e]] < 2:
                    alive[e] = False
    words = [sum(1 << b for b in range(32) if alive[32 * w + b]) for w in range(n // 32)]
    return _bytes_le32(words)


SRC["cuckatoo"] = HEAD + r"""
typedef unsigned long long u64;
typedef unsigned int u32;
""" + CUCKOO_SRC[CUCKOO_SRC.index("#define SIPROUND"):CUCKOO_SRC.index("struct SipKey")] + r"""
// SipHash-2-4 of the 8-byte message m: the message block, the length block, finalisation
__device__ __forceinline__ u64 sip24(u64 k0, u64 k1, u64 m) {
  u64 v0 = k0 ^ 0x736F6D6570736575ull, v1 = k1 ^ 0x646F72616E646F6Dull;
  u64 v2 = k0 ^ 0x6C7967656E657261ull, v3 = k1 ^ 0x7465646279746573ull ^ m;
  SIPROUND SIPROUND
  v0 ^= m; v3 ^= 0x0800000000000000ull;
  SIPROUND SIPROUND
  v0 ^= 0x0800000000000000ull; v2 ^= 0xFFull;
  SIPROUND SIPROUND SIPROUND SIPROUND
  return (v0 ^ v1) ^ (v2 ^ v3);
}
// every alive edge's endpoint on `side` sets its "once" bit, and its "twice" bit where "once" was set already
extern "C" __global__ void count(const u32* __restrict__ alive, u32* once, u32* twice, u64 k0, u64 k1,
                                 unsigned int side, u64 words, u64 nmask) {
  for (u64 w = (u64)blockIdx.x * blockDim.x + threadIdx.x; w < words; w += (u64)gridDim.x * blockDim.x) {
    u32 bits = alive[w];
    while (bits) {
      const int b = __ffs(bits) - 1;
      bits &= bits - 1;
      const u64 node = sip24(k0, k1, 2 * (w * 32 + b) + side) & nmask;
      const u32 bit = 1u << (node & 31);
      if (atomicOr(once + (node >> 5), bit) & bit) atomicOr(twice + (node >> 5), bit);
    }
  }
}
// every alive edge whose endpoint on `side` has degree 1 (no "twice" bit) dies; survivors are counted into live
extern "C" __global__ void kill(u32* alive, const u32* __restrict__ twice, u64 k0, u64 k1, unsigned int side,
                                u64 words, u64 nmask, unsigned int* hits, unsigned int* live) {
  u32 kept = 0, found = 0;
  for (u64 w = (u64)blockIdx.x * blockDim.x + threadIdx.x; w < words; w += (u64)gridDim.x * blockDim.x) {
    const u32 old = alive[w];
    u32 bits = old, keep = old;
    while (bits) {
      const int b = __ffs(bits) - 1;
      bits &= bits - 1;
      const u64 node = sip24(k0, k1, 2 * (w * 32 + b) + side) & nmask;
      if (!((twice[node >> 5] >> (node & 31)) & 1u)) keep &= ~(1u << b);
      else found += (node & 0xFFFFFull) == 0;
    }
    if (keep != old) alive[w] = keep;
    kept += __popc(keep);
  }
  if (kept) atomicAdd(live, kept);
  if (found) atomicAdd(hits, found);
}
"""


# ---------------------------------------------------------------------------------------------------------------
# known answers for the Python pieces, at import (cheap)
def _known_answers():
    assert _keccak(b"abc", KT_SHA3) == hashlib.sha3_256(b"abc").digest(), "Keccak-f[1600] (SHA3-256, hashlib)"
    import numpy as np
    tt = np.array(_aes_tables(), dtype=np.uint32).reshape(4, 256)
    s = bytes.fromhex("193de3bea0f4e22b9ac68d2ae9f84808")
    k = bytes.fromhex("a0fafe1788542cb123a339392a6c7605")
    x = np.array([[w] * 16 for w in _words_le32(s)], dtype=np.uint32)
    y = _aes_np(tt, x, _words_le32(k))
    assert _bytes_le32([int(y[c][5]) for c in range(4)]) == aes_round(s, k), "T-table AES round (FIPS-197 B)"
    assert b2s_compress([v ^ (0x01010020 if i == 0 else 0) for i, v in enumerate(B2S_IV)],
                        _words_le32(b"abc" + bytes(61)), 3, True)[:8] == _words_le32(bytes.fromhex(
                            "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982")), "BLAKE2s (RFC 7693)"
    key, msg = bytes(range(32)), bytes(range(100, 164))
    assert _bytes_le32(b2s_keyed(_words_le32(key), _words_le32(msg))) == \
        hashlib.blake2s(msg, key=key, digest_size=32).digest(), "keyed BLAKE2s (hashlib)"
    assert _bytes_le32(blake3_block_out(b"")[:8]).hex() == \
        "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262", "BLAKE3 (empty input)"
    assert siphash24(0x0706050403020100, 0x0F0E0D0C0B0A0908, 0x0706050403020100) == 0x93F5F5799A932462, \
        "SipHash-2-4 (reference vector 8)"
    k16 = _words_le32(bytes.fromhex("80000000000000000000000000000000"))
    tau = _words_le32(b"expand 16-byte k")
    st = [tau[0]] + k16 + [tau[1], 0, 0, 0, 0, tau[2]] + k16 + [tau[3]]
    assert _bytes_le32(salsa_core(st, 20)).hex().upper() == (
        "4DFA5E481DA23EA09A31022050859936DA52FCEE218005164F267CB65F5CFD7F"
        "2B4F97E0FF16924A52DF269515110A07F9E460BC65EF95DA58F740B7D1DBB0AA"), "Salsa20/20 (eSTREAM set 1 vector 0)"
    # the ChaCha core is hashing_more4's, checked there (at its import) against RFC 8439 2.3.2
    if hasattr(hashlib, "scrypt"):  # scrypt with r = 2, p = 1, N = 16 by romix and blockmix, against hashlib
        b = _words_le32(hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 1, 256))
        b = romix(b, 16, salsa_core, 8)
        assert hashlib.pbkdf2_hmac("sha256", b"pw", _bytes_le32(b), 1, 32) == \
            hashlib.scrypt(b"pw", salt=b"salt", n=16, r=2, p=1, dklen=32), "scrypt BlockMix r = 2 (hashlib)"


_known_answers()


# ---------------------------------------------------------------------------------------------------------------
def _pool_refs(fn, args):
    """fn(*a) for each a in args in forked processes (before this process starts CUDA), as futures."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    pool = ProcessPoolExecutor(len(args), mp_context=multiprocessing.get_context("fork"))
    return pool, [pool.submit(fn, *a) for a in args]


class CnGpu(_Checked):
    def __init__(self, variant):
        # the Python references take about a second each: computed in forked processes while the GPU sets up
        pool, refs = _pool_refs(cngpu_ref, [(CHECK_NONCE + t,) for t in CHECK_PICKS])
        super().__init__("cngpu")
        cp = self.cp
        self.kernel = cp.RawKernel(SRC["cngpu"], "hash")
        self.slots = max(sms() * CG_HASHES_SM, CHECK_THREADS)
        self.pad = cp.empty(self.slots * CG_LINES * 16, dtype=cp.uint32)  # 64 bytes a line
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.call(2, CHECK_THREADS // 2, CHECK_NONCE, 1, CHECK_THREADS)  # CHECK_THREADS hashes, 256 threads a block
        self._finish_check(self._compare({t: r.result() for t, r in zip(CHECK_PICKS, refs)}))
        pool.shutdown()
        note(f"cngpu: {CG_LINES * 64 >> 20} MiB scratchpad a hash ({self.pad.nbytes / 2**30:.2f} GiB for "
             f"{self.slots} hashes of 16 threads), {CG_ITERS} FP32 iterations a hash")

    def call(self, grid, block, nonce, iters, nout):
        """grid blocks of `block` hashes (16 threads each)."""
        cp = self.cp
        self.kernel((grid,), (16 * block,), (self.pad, cp.uint64(nonce), cp.int32(iters), cp.uint32(TARGET),
                                             self.hits, self.out, cp.uint32(nout)))

    def launch(self, grid, block, iters):
        """The variant's grid as hashes: a block's threads / 16 (whole warps), at most CG_BLOCK_HASHES a block, and
        no more blocks than the scratchpads allow."""
        hashes = max(2, min(block // 16, CG_BLOCK_HASHES) // 2 * 2)
        super().launch(max(1, min(grid, self.slots // hashes)), hashes, iters)


class NeoScrypt(_Checked):
    def __init__(self, variant):
        pool, refs = _pool_refs(neoscrypt_ref, [(CHECK_NONCE + t,) for t in CHECK_PICKS])
        super().__init__("neoscrypt")
        cp = self.cp
        self.kernel = cp.RawKernel(SRC["neoscrypt"], "hash")
        self.threads = sms() * NS_BLOCKS_SM * 256
        self.v = cp.empty(self.threads * (NS_N + 1) * 64, dtype=cp.uint32)  # 256 bytes a block
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.call(1, CHECK_THREADS, CHECK_NONCE, 1, CHECK_THREADS)
        self._finish_check(self._compare({t: r.result() for t, r in zip(CHECK_PICKS, refs)}))
        pool.shutdown()
        note(f"neoscrypt: N = {NS_N}, r = 2: {NS_N // 4} KiB scratchpad a hash ({self.v.nbytes / 2**30:.2f} GiB for "
             f"{self.threads} threads), {NS_KDF}-iteration FastKDF twice, ChaCha20 and Salsa20 ROMix")

    def call(self, grid, block, nonce, iters, nout):
        cp = self.cp
        self.kernel((grid,), (block,), (self.v, cp.uint64(nonce), cp.int32(iters), cp.uint32(TARGET), self.hits,
                                        self.out, cp.uint32(nout)))

    def launch(self, grid, block, iters):
        super().launch(max(1, min(grid, self.threads // block)), block, iters)


class FishHash(_Checked):
    ref = staticmethod(fishhash_ref)

    def __init__(self, variant):
        super().__init__("fishhash")
        cp = self.cp
        mod = cp.RawModule(code=SRC["fishhash"])
        self.kernel = mod.get_function("hash")
        self.dag = cp.empty(FH_ITEMS * 16, dtype=cp.uint32)
        mod.get_function("fill")((sms() * 8,), (256,), (self.dag, cp.uint64(FH_ITEMS)))
        self.mask = FH_ITEMS  # what _self_check hands the reference: the item count
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self._self_check(1)
        note(f"fishhash: DAG of {FH_ITEMS} 64-byte items ({self.dag.nbytes / 2**30:.2f} GiB, Keccak-f[1600] of the "
             f"index), {FH_ROUNDS} rounds of three reads a hash, BLAKE3 at both ends")

    def call(self, grid, block, nonce, iters, nout):
        cp = self.cp
        self.kernel((grid,), (block,), (self.dag, cp.uint32(FH_ITEMS - 1), cp.uint64(nonce), cp.int32(iters),
                                        cp.uint32(TARGET), self.hits, self.out, cp.uint32(nout)))


class Cuckatoo(_Checked):
    def __init__(self, variant):
        pool, refs = _pool_refs(cuckatoo_ref, [(CHECK_NONCE + t,) for t in CHECK_PICKS])
        super().__init__("cuckatoo")
        cp = self.cp
        mod = cp.RawModule(code=SRC["cuckatoo"])
        self.count, self.kill = mod.get_function("count"), mod.get_function("kill")
        edges = 1 << CT_EDGE_BITS
        self.words = edges // 32
        self.alive = cp.empty(self.words, dtype=cp.uint32)  # 64 MiB
        self.bits = cp.empty(2 * self.words, dtype=cp.uint32)  # "once" and "twice": 2 bits a node, 128 MiB
        self.live = cp.zeros(1, dtype=cp.uint32)
        self.seed = 0x43414B54
        agree, survivors = 0, []
        for t, r in zip(CHECK_PICKS, refs):
            got = self._graph(CHECK_NONCE + t, CT_CHECK_BITS, CT_CHECK_ROUNDS, (8,), (256,))
            want = r.result()
            alive = self.alive[:(1 << CT_CHECK_BITS) // 32].get().tobytes()
            n_live = sum(bin(b).count("1") for b in want)
            agree += hashlib.sha256(alive).digest() == hashlib.sha256(want).digest() and got == n_live
            survivors.append(n_live)
        pool.shutdown()
        cp.cuda.Device().synchronize()
        self.hits.fill(0)
        self._finish_check(agree)
        self.check_note += (f" (graphs of 2^{CT_CHECK_BITS} edges, {CT_CHECK_ROUNDS} rounds: "
                            f"{', '.join(map(str, survivors))} edges survive)")
        note(f"cuckatoo: 2^{CT_EDGE_BITS} edges, alive bitmap {self.alive.nbytes >> 20} MiB, 2-bit node counters "
             f"{self.bits.nbytes >> 20} MiB, SipHash-2-4 endpoints")

    def _graph(self, seed, bits, rounds, grid, block):
        """A new graph of 2^bits edges (keys from seed), `rounds` trimming rounds over both sides: survivors."""
        cp = self.cp
        k0, k1 = (cp.uint64(k) for k in cuckatoo_keys(seed))
        words = (1 << bits) // 32
        self.alive[:words].fill(0xFFFFFFFF)
        once, twice = self.bits[:words], self.bits[self.words:self.words + words]
        nmask = cp.uint64((1 << bits) - 1)
        for _ in range(rounds):
            for side in (0, 1):
                once.fill(0)
                twice.fill(0)
                self.live.fill(0)
                self.count(grid, block, (self.alive, once, twice, k0, k1, cp.uint32(side), cp.uint64(words), nmask))
                self.kill(grid, block, (self.alive, twice, k0, k1, cp.uint32(side), cp.uint64(words), nmask,
                                        self.hits, self.live))
        return int(self.live.get()[0])

    def launch(self, grid, block, iters):
        """A new graph (new SipHash keys), then `iters` trimming rounds over both sides."""
        cp = self.cp
        self.seed, s = _splitmix(self.seed)
        k0, k1 = (cp.uint64(k) for k in cuckatoo_keys(s))
        self.alive.fill(0xFFFFFFFF)
        words, nmask = cp.uint64(self.words), cp.uint64((1 << CT_EDGE_BITS) - 1)
        once, twice = self.bits[:self.words], self.bits[self.words:]
        for _ in range(iters):
            for side in (0, 1):
                self.bits.fill(0)
                self.count((grid,), (block,), (self.alive, once, twice, k0, k1, cp.uint32(side), words, nmask))
                self.kill((grid,), (block,), (self.alive, twice, k0, k1, cp.uint32(side), words, nmask, self.hits,
                                              self.live))
        self.nonce += 1
        self.hashes += 2 * iters << CT_EDGE_BITS


CLASSES = {"cngpu": CnGpu, "neoscrypt": NeoScrypt, "fishhash": FishHash, "cuckatoo": Cuckatoo}


def run(family, variant, clock):
    check_variant(variant)
    h = CLASSES[family](variant)
    drive(h, variant, clock)
    note(f"{family}/{variant}: {h.check_note}")
