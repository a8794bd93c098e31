"""Proof-of-work hashing families (label 1) modelled on GPU-mined coins whose pipe activity no earlier family has,
driven like hashing.py's: a ProgPoW program compiled per period, an elliptic-curve scalar multiplication per hash,
and an Octopus-like DAG mix of multiplications modulo a prime.

  kawpow    KawPoW/ProgPoW-like (Ravencoin), 16 threads a hash. A 4 GiB DAG of 2^24 256-byte entries (64-byte
            items, item i the Keccak-f[800] permutation of (i, a seed)) is made on the GPU at set-up; a block copies
            its first 16 KiB into shared memory (the cache). A thread's nonce gives a 64-bit seed by Keccak-f[800]
            of (header, nonce); then the 16 threads of a group (a half-warp) hash their 16 nonces one after another,
            together: each lane fills 32 registers from the seed by KISS99, then 64 loop iterations, each reading
            one 256-byte DAG entry across the 16 lanes (16 bytes a lane, the entry picked by one lane's register
            0, broadcast by a shuffle, modulo the entry count) and running the period's random program: 11 cache
            reads (a register's value picks a shared-memory word) and 18 random math ops (add, mul, mul_hi, min,
            rotl, rotr, and, or, xor, clz, popcount) merged into registers by one of four merges (multiply by 33,
            xor, rotations), then the four DAG words merged. The lanes' registers are folded by FNV-1a to one
            word a lane, the 16 lane words (shuffles) to eight, and Keccak-f[800] of (header, seed, those eight)
            is the hash. The program is ProgPoW's: made on the host from the period number by KISS99 (progPowInit:
            shuffled destination and source register sequences, then op selectors), emitted as CUDA source and
            compiled, as real KawPoW miners do (a table-interpreted program would put the 32 registers in local
            memory and add a branch an op, which is not what a miner's GPU does). KP_PROGRAMS periods are
            compiled at set-up; the running kernel moves to the next every KP_PERIOD_S seconds (real KawPoW:
            every 3 blocks, about 3 minutes). hashing.py's `mixed` is a one-thread-a-hash sketch with a branch an
            op and 16-byte reads; this one has half-warp cooperation, shuffles, 256-byte coalesced entry reads,
            straight-line per-period code and the real KISS99/FNV/Keccak-f[800] pieces.
  nexapow   NexaPow-like (Nexa): SHA-256 of (a 32-byte commitment, the nonce) is a 256-bit scalar k, and the hash
            is SHA-256 of (the x coordinate of k * G on secp256k1, that first digest). k * G by left-to-right
            double-and-add in Jacobian coordinates (a = 0 doubling, mixed addition with the affine G), the field
            arithmetic 8 x 32-bit limbs (schoolbook 32 x 32 -> 64-bit multiply-adds, reduction by 2^256 = 2^32 +
            977 mod p), then one inversion by Fermat (z^(p-2), 255 squarings). About 3,700 256-bit modular
            multiplications a hash: long IMAD.WIDE and carry chains, which no hash family here has (mulxs is
            64-bit multiply + xorshift, cnight one 64 x 64 multiply a step). No tables; the point doubling and
            addition are not inlined (inlined, NVVM takes about 40 s to compile the kernel), so X, Y, Z pass
            through local memory (L1) once a call, beside about 3,000 instructions of field arithmetic. Its
            benign twin is moreops8.py's ecdsa/verify (batch ECDSA verification on the same curve, the same limb
            arithmetic): in pipe terms the two are close, which is the point of having both labelled.
  octopus   Octopus-like (Conflux): Ethash-like DAG reads whose mix is a polynomial evaluation modulo the prime
            p = 2^32 - 5 instead of FNV. A 4 GiB DAG of 2^26 64-byte items (item i: Keccak-f[800] of (i, a
            seed)) is made at set-up; a hash: Keccak-f[800] of (header, nonce) gives a 16-word mix; 64 rounds,
            each reading one 64-byte item (address from the mix and the round), then every mix word becomes the
            degree-16 polynomial whose coefficients are the item's 16 words evaluated at (that mix word + the
            round) by Horner's rule mod p (a 32 x 32 -> 64-bit multiply and a reduction a step: 256 modular
            multiplications a round); Keccak-f[800] of the folded mix is the hash. Beside dag (FNV on 64-byte
            pages) it is multiply-bound between reads, as Octopus was made to favour newer GPUs' integer units.
            (Conflux's exact Octopus is not public in full detail: this keeps its shape, Ethash reads plus
            polynomial evaluations mod a 32-bit prime.)

Why: leave-one-family-out of the model misses whole miner families it has never seen. These add a KawPoW-style
program (the most-mined GPU algorithm family after Ethash), secp256k1 field arithmetic (NexaPow), and a DAG whose
mix is modular multiplication (Octopus).

Each runs `iters` whole hashes a thread a launch (kawpow: a group's 16 hashes; nexapow's hash is long, so its short
and poll launches are longer than asked, as x11's are). Memory is allocated once, for the full grid: 4 GiB for
kawpow's and octopus's DAGs, nothing for nexapow. Set-up compiles kawpow's KP_PROGRAMS kernels (about 1 s
each with nvcc here) and fills the DAGs (Keccak-f[800] an item, milliseconds). hashing.drive() does the rest (calibration, variants, clock).

Self-check: at set-up (before READY) 32-thread launches of each family's own `hash` kernel on nonces CHECK_NONCE..
write their threads' final digests; four of them are compared with the pure-Python references below (kawpow_ref,
nexapow_ref, octopus_ref; kawpow checks two on the first period's program and two on the second's), and after
drive()'s summary line a line says `self-check: 4/4 ... agree: True`. The Python references are checked at import
by known answers: Keccak-f[800] of the zero state (XKCP), KISS99, FNV-1a and fill_mix (ProgPoW's test vectors),
SHA-256 (hashlib), 2G and 3G on secp256k1.
"""
import hashlib
import time
from math import isqrt

from common import note, sms
from hashing import HEAD, TARGET, _consts, check_variant, drive, grid_of
from hashing_more2 import CHECK_NONCE, CHECK_PICKS, CHECK_THREADS, _Checked, _rotl32, _rotr32, _vals
from moreops8 import SECP_G, SECP_P, _secp_mul

M32 = 0xFFFFFFFF
FNV_BASIS = 0x811C9DC5

# ---------------------------------------------------------------------------------------------------------------
# Keccak-f[800] (22 rounds on 25 32-bit lanes), KISS99, FNV-1a: Python and CUDA.


def _keccak_rc():
    out, r = [], 1
    for _ in range(24):
        rc = 0
        for j in range(7):
            if r & 1:
                rc |= 1 << ((1 << j) - 1)
            r = ((r << 1) ^ 0x171) if r & 0x80 else (r << 1)
        out.append(rc)
    return out


RC800 = [c & M32 for c in _keccak_rc()[:22]]
RHO = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14]


def keccakf800(a):
    """Keccak-f[800] of 25 32-bit words, in place (and returned)."""
    for r in range(22):
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        for x in range(5):
            d = c[(x + 4) % 5] ^ _rotl32(c[(x + 1) % 5], 1)
            for y in range(0, 25, 5):
                a[x + y] ^= d
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                b[y + 5 * ((2 * x + 3 * y) % 5)] = _rotl32(a[x + 5 * y], RHO[x + 5 * y] % 32)
        for y in range(0, 25, 5):
            for x in range(5):
                a[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y] & M32)
        a[0] ^= RC800[r]
    return a


def fnv1a(h, d):
    return ((h ^ d) * 0x01000193) & M32


class Kiss99:
    def __init__(self, z, w, jsr, jcong):
        self.z, self.w, self.jsr, self.jcong = z, w, jsr, jcong

    def __call__(self):
        self.z = (36969 * (self.z & 65535) + (self.z >> 16)) & M32
        self.w = (18000 * (self.w & 65535) + (self.w >> 16)) & M32
        mwc = ((self.z << 16) + self.w) & M32
        self.jsr ^= (self.jsr << 17) & M32
        self.jsr ^= self.jsr >> 13
        self.jsr ^= (self.jsr << 5) & M32
        self.jcong = (69069 * self.jcong + 1234567) & M32
        return ((mwc ^ self.jcong) + self.jsr) & M32


KECCAK800_CUDA = r"""
__constant__ unsigned int RC800[22] = { %RC800% };
__device__ __forceinline__ void keccakf800(unsigned int* a) {
  const int R[25] = {0, 1, 30, 28, 27, 4, 12, 6, 23, 20, 3, 10, 11, 25, 7, 9, 13, 15, 21, 8, 18, 2, 29, 24, 14};
  unsigned int b[25], c[5];
#pragma unroll 1
  for (int r = 0; r < 22; ++r) {
#pragma unroll
    for (int x = 0; x < 5; ++x) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
#pragma unroll
    for (int x = 0; x < 5; ++x) {
      const unsigned int d = c[(x + 4) % 5] ^ ROTL32(c[(x + 1) % 5], 1);
#pragma unroll
      for (int y = 0; y < 25; y += 5) a[x + y] ^= d;
    }
#pragma unroll
    for (int x = 0; x < 5; ++x)
#pragma unroll
      for (int y = 0; y < 5; ++y) b[y + 5 * ((2 * x + 3 * y) % 5)] = ROTL32(a[x + 5 * y], R[x + 5 * y]);
#pragma unroll
    for (int y = 0; y < 25; y += 5)
#pragma unroll
      for (int x = 0; x < 5; ++x) a[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y]);
    a[0] ^= RC800[r];
  }
}
__device__ __forceinline__ unsigned int fnv1a(unsigned int h, unsigned int d) { return (h ^ d) * 0x01000193u; }
""".replace("%RC800%", ", ".join(f"0x{c:x}u" for c in RC800))
assert [r % 32 for r in RHO] == [0, 1, 30, 28, 27, 4, 12, 6, 23, 20, 3, 10, 11, 25, 7, 9, 13, 15, 21, 8, 18, 2, 29, 24, 14]

SRC = {}  # family -> CUDA source, each with a `hash` kernel (and `fill` for the DAGs)

# ---------------------------------------------------------------------------------------------------------------
# kawpow
KP_LANES = 16
KP_REGS = 32
KP_CACHE_WORDS = 4096   # 16 KiB
KP_CNT_DAG = 64
KP_CNT_CACHE = 11
KP_CNT_MATH = 18
KP_ENTRIES = 1 << 24    # 256-byte entries: 4 GiB
KP_SEED = 0x4B415750    # the DAG's
KP_HDR = _vals(8, 0x4B5048, 32)
KP_PERIOD0 = 1_000_003  # the first period's number (block height / 3 on Ravencoin)
KP_PROGRAMS = 4         # periods compiled at set-up
KP_PERIOD_S = 3.0       # seconds a period runs


def kp_item(i):
    """The DAG's 64-byte item i as 16 words."""
    return keccakf800([i & M32, i >> 32, KP_SEED] + [0] * 22)[:16]


def kp_seed(nonce):
    """(s0, s1): the first two words of Keccak-f[800] of (header, nonce); the 64-bit seed is s0 << 32 | s1."""
    a = keccakf800(KP_HDR + [nonce & M32, nonce >> 32, 1] + [0] * 7 + [0x80008081] + [0] * 6)
    return a[0], a[1]


def kp_fill_mix(seed, lane):
    z = fnv1a(FNV_BASIS, seed & M32)
    w = fnv1a(z, seed >> 32)
    jsr = fnv1a(w, lane)
    jcong = fnv1a(jsr, lane)
    k = Kiss99(z, w, jsr, jcong)
    return [k() for _ in range(KP_REGS)]


def kp_program(period):
    """ProgPoW's progPowInit and loop for a period: ('cache', src, dst, sel), ('math', s1, s2, sel1, dst, sel2),
    ('dag', word, dst, sel), in order."""
    z = fnv1a(FNV_BASIS, period & M32)
    w = fnv1a(z, (period >> 32) & M32)
    jsr = fnv1a(w, period & M32)
    jcong = fnv1a(jsr, (period >> 32) & M32)
    k = Kiss99(z, w, jsr, jcong)
    dst, src = list(range(KP_REGS)), list(range(KP_REGS))
    for i in range(KP_REGS - 1, 0, -1):
        j = k() % (i + 1)
        dst[i], dst[j] = dst[j], dst[i]
        j = k() % (i + 1)
        src[i], src[j] = src[j], src[i]
    ops, dc, sc = [], 0, 0
    for i in range(max(KP_CNT_CACHE, KP_CNT_MATH)):
        if i < KP_CNT_CACHE:
            s, d = src[sc % KP_REGS], dst[dc % KP_REGS]
            sc, dc = sc + 1, dc + 1
            ops.append(("cache", s, d, k()))
        if i < KP_CNT_MATH:
            r = k() % (KP_REGS * (KP_REGS - 1))
            s1, s2 = r % KP_REGS, r // KP_REGS
            if s2 >= s1:
                s2 += 1
            sel1 = k()
            d = dst[dc % KP_REGS]
            dc += 1
            ops.append(("math", s1, s2, sel1, d, k()))
    for i in range(4):
        d = 0
        if i:
            d = dst[dc % KP_REGS]
            dc += 1
        ops.append(("dag", i, d, k()))
    return ops


def kp_merge(a, b, r):
    m = r % 4
    if m == 0:
        return (a * 33 + b) & M32
    if m == 1:
        return ((a ^ b) * 33) & M32
    s = ((r >> 16) % 31) + 1
    return (_rotl32(a, s) if m == 2 else _rotr32(a, s)) ^ b


def _clz(x):
    return 32 - x.bit_length()


def kp_math(a, b, r):
    m = r % 11
    return [lambda: (a + b) & M32, lambda: (a * b) & M32, lambda: (a * b) >> 32, lambda: min(a, b),
            lambda: _rotl32(a, b % 32), lambda: _rotr32(a, b % 32), lambda: a & b, lambda: a | b, lambda: a ^ b,
            lambda: _clz(a) + _clz(b), lambda: bin(a).count("1") + bin(b).count("1")][m]()


_MERGE_C = ["{a} = {a} * 33u + {b};", "{a} = ({a} ^ {b}) * 33u;", "{a} = ROTL32({a}, {s}) ^ {b};",
            "{a} = ROTR32({a}, {s}) ^ {b};"]
_MATH_C = ["{a} + {b}", "{a} * {b}", "__umulhi({a}, {b})", "min({a}, {b})", "ROTL32({a}, {b})", "ROTR32({a}, {b})",
           "{a} & {b}", "{a} | {b}", "{a} ^ {b}", "__clz({a}) + __clz({b})", "__popc({a}) + __popc({b})"]


def _merge_c(a, b, r):
    return _MERGE_C[r % 4].format(a=a, b=b, s=((r >> 16) % 31) + 1)


def kp_program_cuda(period):
    """The loop body of a period's program as CUDA (straight-line, registers by constant index), as a miner emits it."""
    lines = [f"// ProgPoW program of period {period}",
             "__device__ __forceinline__ void progpow_loop(unsigned int* mix, const uint4* __restrict__ D,",
             "    const unsigned int* C, unsigned int entries, unsigned int loop, unsigned int lane) {",
             "  unsigned int off = __shfl_sync(0xFFFFFFFFu, mix[0], loop % 16u, 16) % entries;",
             "  const uint4 e = __ldg(D + (unsigned long long)off * 16u + ((lane ^ loop) % 16u));",
             "  unsigned int data;"]
    for op in kp_program(period):
        if op[0] == "cache":
            _, s, d, sel = op
            lines.append(f"  data = C[mix[{s}] % {KP_CACHE_WORDS}u]; " + _merge_c(f"mix[{d}]", "data", sel))
        elif op[0] == "math":
            _, s1, s2, sel1, d, sel2 = op
            lines.append(f"  data = {_MATH_C[sel1 % 11].format(a=f'mix[{s1}]', b=f'mix[{s2}]')}; "
                         + _merge_c(f"mix[{d}]", "data", sel2))
        else:
            _, i, d, sel = op
            lines.append("  " + _merge_c(f"mix[{d}]", "e." + "xyzw"[i], sel))
    return "\n".join(lines) + "\n}\n"


KAWPOW_CUDA = HEAD + KECCAK800_CUDA + r"""
typedef unsigned long long u64;
#define LANES 16
#define REGS 32
#define CACHE_WORDS %CACHE%
__device__ __forceinline__ unsigned int kiss99(unsigned int& z, unsigned int& w, unsigned int& jsr, unsigned int& jc) {
  z = 36969u * (z & 65535u) + (z >> 16);
  w = 18000u * (w & 65535u) + (w >> 16);
  const unsigned int mwc = (z << 16) + w;
  jsr ^= jsr << 17; jsr ^= jsr >> 13; jsr ^= jsr << 5;
  jc = 69069u * jc + 1234567u;
  return (mwc ^ jc) + jsr;
}
// 64-byte item i: Keccak-f[800] of (i, seed), as four uint4
extern "C" __global__ void fill(uint4* D, u64 items) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < items; i += (u64)gridDim.x * blockDim.x) {
    unsigned int a[25];
#pragma unroll
    for (int j = 0; j < 25; ++j) a[j] = 0u;
    a[0] = (unsigned int)i; a[1] = (unsigned int)(i >> 32); a[2] = %SEED%u;
    keccakf800(a);
#pragma unroll
    for (int q = 0; q < 4; ++q) D[4 * i + q] = make_uint4(a[4 * q], a[4 * q + 1], a[4 * q + 2], a[4 * q + 3]);
  }
}
%PROGRAM%
// A thread has a nonce a hash (nonce_of(nonce0) + it * threads); the 16 threads of a half-warp hash their 16 nonces
// one after the other, together, lane l of the group holding the hash's registers of lane l. entries: the DAG's
// 256-byte entries. Threads t < nout write their last hash's eight words to out[4t..4t+3] (the self-check).
extern "C" __global__ void hash(const uint4* __restrict__ D, unsigned int entries, u64 nonce0, int iters,
                                unsigned int target, unsigned int* hits, u64* out, unsigned int nout) {
  __shared__ unsigned int C[CACHE_WORDS];
  const unsigned int* Dw = (const unsigned int*)D;
  for (int i = threadIdx.x; i < CACHE_WORDS; i += blockDim.x) C[i] = Dw[i];
  __syncthreads();
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned int lane = threadIdx.x % LANES;
  const unsigned int HDR[8] = { %HDR% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    const u64 n = nonce_of(nonce0) + (u64)it * nT;
    unsigned int a[25];
#pragma unroll
    for (int j = 0; j < 25; ++j) a[j] = j < 8 ? HDR[j] : 0u;
    a[8] = (unsigned int)n; a[9] = (unsigned int)(n >> 32); a[10] = 1u; a[18] = 0x80008081u;
    keccakf800(a);
    const unsigned int s0 = a[0], s1 = a[1];  // the seed: s0 << 32 | s1
    unsigned int mine[8] = {0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u};
#pragma unroll 1
    for (unsigned int h = 0; h < LANES; ++h) {
      const unsigned int h0 = __shfl_sync(0xFFFFFFFFu, s0, h, LANES), h1 = __shfl_sync(0xFFFFFFFFu, s1, h, LANES);
      unsigned int z = fnv1a(0x811C9DC5u, h1), w = fnv1a(z, h0), jsr = fnv1a(w, lane), jc = fnv1a(jsr, lane);
      unsigned int mix[REGS];
#pragma unroll
      for (int i = 0; i < REGS; ++i) mix[i] = kiss99(z, w, jsr, jc);
#pragma unroll 1
      for (unsigned int loop = 0; loop < %CNT_DAG%u; ++loop) progpow_loop(mix, D, C, entries, loop, lane);
      unsigned int lh = 0x811C9DC5u;
#pragma unroll
      for (int i = 0; i < REGS; ++i) lh = fnv1a(lh, mix[i]);
      unsigned int dg[8];
#pragma unroll
      for (int i = 0; i < 8; ++i) dg[i] = 0x811C9DC5u;
#pragma unroll
      for (int l = 0; l < LANES; ++l) dg[l & 7] = fnv1a(dg[l & 7], __shfl_sync(0xFFFFFFFFu, lh, l, LANES));
#pragma unroll
      for (int i = 0; i < 8; ++i) mine[i] = h == lane ? dg[i] : mine[i];
    }
#pragma unroll
    for (int j = 0; j < 25; ++j) a[j] = j < 8 ? HDR[j] : 0u;
    a[8] = s0; a[9] = s1;
#pragma unroll
    for (int i = 0; i < 8; ++i) a[10 + i] = mine[i];
    keccakf800(a);
    found += a[0] < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = ((u64)a[2 * q + 1] << 32) | a[2 * q];
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%CACHE%", str(KP_CACHE_WORDS)).replace("%SEED%", str(KP_SEED)).replace("%CNT_DAG%", str(KP_CNT_DAG)) \
   .replace("%HDR%", ", ".join(f"0x{v:x}u" for v in KP_HDR))


def kawpow_source(period):
    return KAWPOW_CUDA.replace("%PROGRAM%", kp_program_cuda(period))


SRC["kawpow"] = kawpow_source(KP_PERIOD0)  # what check-kernels.py compiles (each period's differs only in the program)


def kawpow_ref(nonce, period, entries, item=kp_item):
    """The 32-byte hash the `hash` kernel computes for a nonce, with a period's program, over `entries` entries."""
    s0, s1 = kp_seed(nonce)
    seed = (s0 << 32) | s1
    mix = [kp_fill_mix(seed, lane) for lane in range(KP_LANES)]
    items = {}

    def word(w):
        i = w >> 4
        if i not in items:
            items[i] = item(i)
        return items[i][w & 15]

    prog = kp_program(period)
    for loop in range(KP_CNT_DAG):
        off = mix[loop % KP_LANES][0] % entries
        ent = [[word(((off * KP_LANES + ((lane ^ loop) % KP_LANES)) << 2) + i) for i in range(4)]
               for lane in range(KP_LANES)]
        for op in prog:
            for lane in range(KP_LANES):
                m = mix[lane]
                if op[0] == "cache":
                    _, s, d, sel = op
                    m[d] = kp_merge(m[d], word(m[s] % KP_CACHE_WORDS), sel)
                elif op[0] == "math":
                    _, s1_, s2_, sel1, d, sel2 = op
                    m[d] = kp_merge(m[d], kp_math(m[s1_], m[s2_], sel1), sel2)
                else:
                    _, i, d, sel = op
                    m[d] = kp_merge(m[d], ent[lane][i], sel)
    dg = [FNV_BASIS] * 8
    for lane in range(KP_LANES):
        lh = FNV_BASIS
        for v in mix[lane]:
            lh = fnv1a(lh, v)
        dg[lane & 7] = fnv1a(dg[lane & 7], lh)
    a = keccakf800(KP_HDR + [s0, s1] + dg + [0] * 7)
    return b"".join(w.to_bytes(4, "little") for w in a[:8])


# ---------------------------------------------------------------------------------------------------------------
# nexapow: secp256k1 (its curve and affine reference arithmetic are moreops8's, whose ECDSA uses the same curve)
EC_P = SECP_P
EC_GX, EC_GY = SECP_G
NX_COMMIT = _vals(8, 0x4E4558, 32)  # the 32-byte commitment as big-endian words


def _icbrt(x):
    """floor(x ** (1/3)) by Newton's method from a power of two above it (a float start is slow for SHA-512's
    2^200-sized arguments, and inexact beyond 2^53)."""
    r = 1 << ((x.bit_length() + 2) // 3)
    while True:
        s = (2 * r + x // (r * r)) // 3
        if s >= r:
            break
        r = s
    while r ** 3 > x:
        r -= 1
    while (r + 1) ** 3 <= x:
        r += 1
    return r


def _primes(k):
    out, n = [], 2
    while len(out) < k:
        if all(n % p for p in out):
            out.append(n)
        n += 1
    return out


SHA256_K = [_icbrt(p << 96) & M32 for p in _primes(64)]
SHA256_IV = [isqrt(p << 64) & M32 for p in _primes(8)]


def _limbs(x):
    return ", ".join(f"0x{(x >> (32 * i)) & M32:x}u" for i in range(8))


NEXAPOW_CUDA = HEAD + r"""
typedef unsigned long long u64;
typedef unsigned int u32;
__constant__ u32 SHA_K[64] = { %K% };
__constant__ u32 PM2[8] = { %PM2% };  // p - 2, little-endian limbs
// SHA-256 compression of one block (16 big-endian words) into H
__device__ __forceinline__ void sha256_block(u32* H, u32* w) {
  u32 a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
#pragma unroll
  for (int i = 0; i < 64; ++i) {
    if (i >= 16) {
      const u32 x = w[(i + 1) & 15], y = w[(i + 14) & 15];
      w[i & 15] += (ROTR32(x, 7) ^ ROTR32(x, 18) ^ (x >> 3)) + w[(i + 9) & 15] + (ROTR32(y, 17) ^ ROTR32(y, 19) ^ (y >> 10));
    }
    const u32 t1 = h + (ROTR32(e, 6) ^ ROTR32(e, 11) ^ ROTR32(e, 25)) + ((e & f) ^ (~e & g)) + SHA_K[i] + w[i & 15];
    const u32 t2 = (ROTR32(a, 2) ^ ROTR32(a, 13) ^ ROTR32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
}
__device__ __forceinline__ void sha256_init(u32* H) {
  const u32 IV[8] = { %IV% };
#pragma unroll
  for (int i = 0; i < 8; ++i) H[i] = IV[i];
}
// field elements mod p = 2^256 - 2^32 - 977: 8 little-endian limbs, any value below 2^256 (reduced at the end)
__device__ __forceinline__ void fold(u32* r, u64 c) {  // r + c * 2^256 = r + c * (2^32 + 977) mod p
#pragma unroll
  for (int k = 0; k < 2; ++k) {
    u64 d = (u64)r[0] + c * 977u; r[0] = (u32)d; d >>= 32;
    d += (u64)r[1] + c; r[1] = (u32)d; d >>= 32;
#pragma unroll
    for (int i = 2; i < 8; ++i) { d += r[i]; r[i] = (u32)d; d >>= 32; }
    c = d;
  }
}
__device__ __forceinline__ void fadd(u32* r, const u32* a, const u32* b) {
  u64 c = 0;
#pragma unroll
  for (int i = 0; i < 8; ++i) { c += (u64)a[i] + b[i]; r[i] = (u32)c; c >>= 32; }
  fold(r, c);
}
__device__ __forceinline__ void fsub(u32* r, const u32* a, const u32* b) {
  u64 br = 0;
#pragma unroll
  for (int i = 0; i < 8; ++i) { const u64 d = (u64)a[i] - b[i] - br; r[i] = (u32)d; br = d >> 63; }
#pragma unroll
  for (int k = 0; k < 2; ++k) {  // a - b + 2^256 = a - b + 2^32 + 977: take 2^32 + 977 off again
    u64 d = (u64)r[0] - br * 977u; r[0] = (u32)d; u64 b2 = d >> 63;
    d = (u64)r[1] - br - b2; r[1] = (u32)d; b2 = d >> 63;
#pragma unroll
    for (int i = 2; i < 8; ++i) { d = (u64)r[i] - b2; r[i] = (u32)d; b2 = d >> 63; }
    br = b2;
  }
}
__device__ __forceinline__ void fmul(u32* r, const u32* a, const u32* b) {
  u32 t[16];
#pragma unroll
  for (int i = 0; i < 16; ++i) t[i] = 0u;
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    u64 c = 0;
#pragma unroll
    for (int j = 0; j < 8; ++j) { c += (u64)a[i] * b[j] + t[i + j]; t[i + j] = (u32)c; c >>= 32; }
    t[i + 8] = (u32)c;
  }
  u64 c = 0;
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    c += (u64)t[i] + (u64)t[8 + i] * 977u + (i ? t[7 + i] : 0u);
    r[i] = (u32)c; c >>= 32;
  }
  fold(r, c + t[15]);
}
__device__ __forceinline__ void fcopy(u32* r, const u32* a) {
#pragma unroll
  for (int i = 0; i < 8; ++i) r[i] = a[i];
}
// bit i of k (k in registers: a select chain, not an index)
__device__ __forceinline__ u32 bit_of(const u32* k, int i) {
  u32 w = 0;
#pragma unroll
  for (int j = 0; j < 8; ++j) w = (j == (i >> 5)) ? k[j] : w;
  return (w >> (i & 31)) & 1u;
}
// (X, Y, Z) = 2 (X, Y, Z), Jacobian, a = 0 (dbl-2009-l). Not inlined, nor padd_g: inlined, NVVM takes 40 s to
// compile the kernel (set-up time on the GPU machine); so X, Y, Z live in local memory (L1), 48 words each way a call
__device__ __noinline__ void pdbl(u32* X, u32* Y, u32* Z) {
  u32 A[8], B[8], C[8], D[8], E[8], F[8];
  fmul(A, X, X); fmul(B, Y, Y); fmul(C, B, B);
  fadd(D, X, B); fmul(D, D, D); fsub(D, D, A); fsub(D, D, C); fadd(D, D, D);
  fadd(E, A, A); fadd(E, E, A); fmul(F, E, E);
  fmul(Z, Y, Z); fadd(Z, Z, Z);
  fsub(X, F, D); fsub(X, X, D);
  fsub(D, D, X); fmul(Y, E, D);
  fadd(C, C, C); fadd(C, C, C); fadd(C, C, C); fsub(Y, Y, C);
}
// (X, Y, Z) += G (affine), mixed addition (madd-2007-bl)
__device__ __noinline__ void padd_g(u32* X, u32* Y, u32* Z) {
  const u32 GX[8] = { %GX% }, GY[8] = { %GY% };
  u32 Z2[8], U[8], S[8], H[8], HH[8], I[8], J[8], R[8], V[8];
  fmul(Z2, Z, Z); fmul(U, GX, Z2); fmul(S, GY, Z); fmul(S, S, Z2);
  fsub(H, U, X); fmul(HH, H, H); fadd(I, HH, HH); fadd(I, I, I); fmul(J, H, I);
  fsub(R, S, Y); fadd(R, R, R); fmul(V, X, I);
  fadd(Z, Z, H); fmul(Z, Z, Z); fsub(Z, Z, Z2); fsub(Z, Z, HH);
  fmul(X, R, R); fsub(X, X, J); fsub(X, X, V); fsub(X, X, V);
  fsub(V, V, X); fmul(V, R, V); fmul(J, Y, J); fadd(J, J, J); fsub(Y, V, J);
}
// x of k * G, canonical (below p)
__device__ __forceinline__ void ec_x(u32* x, const u32* k) {
  const u32 GX[8] = { %GX% }, GY[8] = { %GY% };
  int top = 255;
#pragma unroll 1
  while (top > 0 && !bit_of(k, top)) --top;
  u32 X[8], Y[8], Z[8];
  fcopy(X, GX); fcopy(Y, GY);
#pragma unroll
  for (int i = 0; i < 8; ++i) Z[i] = i == 0;
#pragma unroll 1
  for (int i = top - 1; i >= 0; --i) {
    pdbl(X, Y, Z);
    if (bit_of(k, i)) padd_g(X, Y, Z);
  }
  u32 zi[8], z2[8];  // 1 / Z = Z^(p-2)
  fcopy(zi, Z);
#pragma unroll 1
  for (int i = 254; i >= 0; --i) {
    fmul(zi, zi, zi);
    if ((PM2[i >> 5] >> (i & 31)) & 1u) fmul(zi, zi, Z);
  }
  fmul(z2, zi, zi);
  fmul(x, X, z2);
  // canonical: x >= p only when limbs 7..2 are all ones and limbs 1..0 reach p's
  bool ge = x[1] > 0xFFFFFFFEu || (x[1] == 0xFFFFFFFEu && x[0] >= 0xFFFFFC2Fu);
#pragma unroll
  for (int i = 2; i < 8; ++i) ge = ge && x[i] == 0xFFFFFFFFu;
  if (ge) {  // x - p = x + 2^32 + 977 - 2^256
    u64 d = (u64)x[0] + 977u; x[0] = (u32)d; d >>= 32;
    d += (u64)x[1] + 1u; x[1] = (u32)d; d >>= 32;
#pragma unroll
    for (int i = 2; i < 8; ++i) { d += x[i]; x[i] = (u32)d; d >>= 32; }
  }
}
__device__ __forceinline__ u32 bswap(u32 x) { return __byte_perm(x, 0u, 0x0123); }
// a thread hashes `iters` nonces (nonce_of(nonce0) + it * threads). Threads t < nout write their last hash's digest
// (its bytes as little-endian 64-bit words) to out[4t..4t+3].
extern "C" __global__ void hash(u64 nonce0, int iters, unsigned int target, unsigned int* hits, u64* out,
                                unsigned int nout) {
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const u32 COMMIT[8] = { %COMMIT% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    const u64 n = nonce_of(nonce0) + (u64)it * nT;
    u32 w[16], h1[8], h2[8], k[8], x[8];
#pragma unroll
    for (int i = 0; i < 16; ++i) w[i] = i < 8 ? COMMIT[i] : 0u;
    w[8] = bswap((u32)n); w[9] = bswap((u32)(n >> 32)); w[10] = 0x80000000u; w[15] = 320u;
    sha256_init(h1);
    sha256_block(h1, w);
#pragma unroll
    for (int i = 0; i < 8; ++i) k[i] = h1[7 - i];  // the digest as a big-endian integer
    ec_x(x, k);
#pragma unroll
    for (int i = 0; i < 8; ++i) { w[i] = x[7 - i]; w[8 + i] = h1[i]; }
    sha256_init(h2);
    sha256_block(h2, w);
#pragma unroll
    for (int i = 0; i < 16; ++i) w[i] = i == 0 ? 0x80000000u : (i == 15 ? 512u : 0u);
    sha256_block(h2, w);
    found += h2[0] < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = ((u64)bswap(h2[2 * q + 1]) << 32) | bswap(h2[2 * q]);
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%K%", ", ".join(f"0x{v:x}u" for v in SHA256_K)).replace("%PM2%", _limbs(EC_P - 2)) \
   .replace("%IV%", ", ".join(f"0x{v:x}u" for v in SHA256_IV)).replace("%GX%", _limbs(EC_GX)) \
   .replace("%GY%", _limbs(EC_GY)).replace("%COMMIT%", ", ".join(f"0x{v:x}u" for v in NX_COMMIT))
SRC["nexapow"] = NEXAPOW_CUDA


NX_COMMIT_BYTES = b"".join(w.to_bytes(4, "big") for w in NX_COMMIT)


def nexapow_ref(nonce, mask=None):
    """The 32-byte digest the `hash` kernel computes for a nonce (mask unused)."""
    h1 = hashlib.sha256(NX_COMMIT_BYTES + nonce.to_bytes(8, "little")).digest()
    x = _secp_mul(int.from_bytes(h1, "big"), SECP_G)[0]
    return hashlib.sha256(x.to_bytes(32, "big") + h1).digest()


# ---------------------------------------------------------------------------------------------------------------
# octopus
OC_ITEMS = 1 << 26      # 64-byte items: 4 GiB
OC_ROUNDS = 64
OC_P = (1 << 32) - 5
OC_SEED = 0x4F435450
OC_HDR = _vals(8, 0x4F4348, 32)

OCTOPUS_CUDA = HEAD + KECCAK800_CUDA + r"""
typedef unsigned long long u64;
#define ROUNDS %ROUNDS%
// 64-byte item i: Keccak-f[800] of (i, seed), as four uint4
extern "C" __global__ void fill(uint4* D, u64 items) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < items; i += (u64)gridDim.x * blockDim.x) {
    unsigned int a[25];
#pragma unroll
    for (int j = 0; j < 25; ++j) a[j] = 0u;
    a[0] = (unsigned int)i; a[1] = (unsigned int)(i >> 32); a[2] = %SEED%u;
    keccakf800(a);
#pragma unroll
    for (int q = 0; q < 4; ++q) D[4 * i + q] = make_uint4(a[4 * q], a[4 * q + 1], a[4 * q + 2], a[4 * q + 3]);
  }
}
// s[i & 15] by selects: an index would put the mix in local memory
__device__ __forceinline__ unsigned int pick16(const unsigned int* s, unsigned int i) {
  unsigned int r = 0u;
#pragma unroll
  for (unsigned int k = 0; k < 16; ++k) r = (i & 15u) == k ? s[k] : r;
  return r;
}
// x mod p, p = 2^32 - 5, for x < 2^64: 2^32 = 5 mod p
__device__ __forceinline__ unsigned int modp(u64 x) {
  x = (x & 0xFFFFFFFFull) + (x >> 32) * 5ull;   // below 2^35 + 2^32
  x = (x & 0xFFFFFFFFull) + (x >> 32) * 5ull;   // below 2^32 + 40
  const unsigned int r = (unsigned int)x + (x >> 32 ? 5u : 0u);
  return r >= 0xFFFFFFFBu ? r - 0xFFFFFFFBu : r;
}
// a thread hashes `iters` nonces (nonce_of(nonce0) + it * threads); items: the DAG's 64-byte items. Threads t < nout
// write their last hash's eight words to out[4t..4t+3].
extern "C" __global__ void hash(const uint4* __restrict__ D, unsigned int items, u64 nonce0, int iters,
                                unsigned int target, unsigned int* hits, u64* out, unsigned int nout) {
  const u64 nT = (u64)gridDim.x * blockDim.x;
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned int HDR[8] = { %HDR% };
  unsigned int found = 0;
#pragma unroll 1
  for (int it = 0; it < iters; ++it) {
    const u64 n = nonce_of(nonce0) + (u64)it * nT;
    unsigned int a[25];
#pragma unroll
    for (int j = 0; j < 25; ++j) a[j] = j < 8 ? HDR[j] : 0u;
    a[8] = (unsigned int)n; a[9] = (unsigned int)(n >> 32); a[10] = 1u; a[18] = 0x80008081u;
    keccakf800(a);
    unsigned int mix[16];
#pragma unroll
    for (int j = 0; j < 16; ++j) mix[j] = modp(a[j]);
#pragma unroll 1
    for (unsigned int r = 0; r < ROUNDS; ++r) {
      const unsigned int idx = fnv1a(fnv1a(pick16(mix, r) ^ r, pick16(mix, r + 5)), pick16(mix, r + 11)) % items;
      unsigned int c[16];
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        const uint4 v = __ldg(D + 4 * (u64)idx + q);
        c[4 * q] = v.x; c[4 * q + 1] = v.y; c[4 * q + 2] = v.z; c[4 * q + 3] = v.w;
      }
#pragma unroll
      for (int j = 0; j < 16; ++j) {  // mix[j] = sum c[k] x^(15-k) mod p, x = mix[j] + r, Horner
        const unsigned int x = modp((u64)mix[j] + r);
        unsigned int y = modp(c[0]);
#pragma unroll
        for (int k = 1; k < 16; ++k) y = modp((u64)y * x + c[k]);
        mix[j] = y;
      }
    }
#pragma unroll
    for (int j = 0; j < 25; ++j) a[j] = j < 8 ? HDR[j] : 0u;
#pragma unroll
    for (int j = 0; j < 8; ++j) a[8 + j] = fnv1a(mix[2 * j], mix[2 * j + 1]);
    keccakf800(a);
    found += a[0] < target;
    if (t < nout && it == iters - 1) {
#pragma unroll
      for (int q = 0; q < 4; ++q) out[4 * t + q] = ((u64)a[2 * q + 1] << 32) | a[2 * q];
    }
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%ROUNDS%", str(OC_ROUNDS)).replace("%SEED%", str(OC_SEED)) \
   .replace("%HDR%", ", ".join(f"0x{v:x}u" for v in OC_HDR))
SRC["octopus"] = OCTOPUS_CUDA


def oc_item(i):
    return keccakf800([i & M32, i >> 32, OC_SEED] + [0] * 22)[:16]


def octopus_ref(nonce, items, item=oc_item):
    """The 32-byte hash the `hash` kernel computes for a nonce, over a DAG of `items` 64-byte items."""
    a = keccakf800(OC_HDR + [nonce & M32, nonce >> 32, 1] + [0] * 7 + [0x80008081] + [0] * 6)
    mix = [v % OC_P for v in a[:16]]
    for r in range(OC_ROUNDS):
        c = item(fnv1a(fnv1a(mix[r & 15] ^ r, mix[(r + 5) & 15]), mix[(r + 11) & 15]) % items)
        new = []
        for j in range(16):
            x, y = (mix[j] + r) % OC_P, c[0] % OC_P
            for k in range(1, 16):
                y = (y * x + c[k]) % OC_P
            new.append(y)
        mix = new
    a = keccakf800(OC_HDR + [fnv1a(mix[2 * j], mix[2 * j + 1]) for j in range(8)] + [0] * 9)
    return b"".join(w.to_bytes(4, "little") for w in a[:8])


# ---------------------------------------------------------------------------------------------------------------
# known answers for the Python pieces, at import (cheap)
def _known_answers():
    z = keccakf800([0] * 25)
    assert z[:5] == [0xE531D45D, 0xF404C6FB, 0x23A0BF99, 0xF1F8452F, 0x51FFD042], "Keccak-f[800] (XKCP)"
    assert z[20:] == [0x34001A98, 0x4119EFF3, 0x930A0E76, 0x87B28070, 0x11EFE996], "Keccak-f[800] (XKCP)"
    assert fnv1a(0x811C9DC5, 0xDDD0A47B) == 0xD37EE61A and fnv1a(0xDEDC7AD4, 0) == 0xA9155BBC, "FNV-1a (ProgPoW)"
    k = Kiss99(362436069, 521288629, 123456789, 380116160)
    assert [k() for _ in range(4)] == [769445856, 742012328, 2121196314, 2805620942], "KISS99 (ProgPoW)"
    m = kp_fill_mix(0xEE304846DDD0A47B, 0)
    assert m[:4] == [0x10C02F0D, 0x99891C9E, 0xC59649A0, 0x43F0394D] and m[31] == 0x6D175B7E, "fill_mix (ProgPoW)"
    assert kp_fill_mix(0xEE304846DDD0A47B, 13)[:2] == [0x4E46D05D, 0x2E77E734], "fill_mix lane 13 (ProgPoW)"
    src = [op[1] for op in kp_program(600) if op[0] == "cache"]  # progPowInit's src sequence, period 600
    assert src == [0x1A, 0x1E, 0x01, 0x13, 0x0B, 0x15, 0x0F, 0x12, 0x03, 0x11, 0x1F], "progPowInit (ProgPoW)"
    assert (EC_GY ** 2 - EC_GX ** 3 - 7) % EC_P == 0, "G on secp256k1"
    assert _secp_mul(2, SECP_G)[0] == 0xC6047F9441ED7D6D3045406E95C07CD85C778E4B8CEF3CA7ABAC09B95C709EE5, "2G"
    assert _secp_mul(3, SECP_G)[0] == 0xF9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9, "3G"
    assert hashlib.sha256(b"abc").digest()[:4] == bytes.fromhex("ba7816bf")
    assert SHA256_IV[0] == 0x6A09E667 and SHA256_K[0] == 0x428A2F98 and SHA256_K[63] == 0xC67178F2, "SHA-256 consts"


_known_answers()


# ---------------------------------------------------------------------------------------------------------------
class KawPow(_Checked):
    def __init__(self, variant):
        super().__init__("kawpow")
        cp = self.cp
        self.kernels = []
        for p in range(KP_PROGRAMS):  # compiled before READY, as a miner compiles the next period's ahead
            self.kernels.append(cp.RawModule(code=kawpow_source(KP_PERIOD0 + p)).get_function("hash"))
        fill = cp.RawModule(code=SRC["kawpow"]).get_function("fill")
        self.dag = cp.empty(KP_ENTRIES * 64, dtype=cp.uint32)
        fill((sms() * 8,), (256,), (self.dag, cp.uint64(KP_ENTRIES * 4)))
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.prog, self.t_prog, self.periods = 0, None, 1
        agree = 0
        for p, picks in ((0, CHECK_PICKS[:2]), (1, CHECK_PICKS[2:])):  # two periods' programs
            self.prog = p
            self.call(1, CHECK_THREADS, CHECK_NONCE, 1, CHECK_THREADS)
            agree += self._compare({t: kawpow_ref(CHECK_NONCE + t, KP_PERIOD0 + p, KP_ENTRIES) for t in picks})
        self.prog = 0
        self._finish_check(agree)
        note(f"kawpow: DAG of {KP_ENTRIES} 256-byte entries ({self.dag.nbytes / 2**30:.2f} GiB), {KP_PROGRAMS} "
             f"periods' programs compiled, a new one every {KP_PERIOD_S:g} s")

    def call(self, grid, block, nonce, iters, nout):
        cp = self.cp
        self.kernels[self.prog]((grid,), (block,), (self.dag, cp.uint32(KP_ENTRIES), cp.uint64(nonce),
                                                    cp.int32(iters), cp.uint32(TARGET), self.hits, self.out,
                                                    cp.uint32(nout)))

    def launch(self, grid, block, iters):
        now = time.time()
        if self.t_prog is None:
            self.t_prog = now
        elif now - self.t_prog >= KP_PERIOD_S:  # a new period: the next program
            self.prog, self.t_prog, self.periods = (self.prog + 1) % KP_PROGRAMS, now, self.periods + 1
        super().launch(grid, block, iters)


class NexaPow(_Checked):
    def __init__(self, variant):
        super().__init__("nexapow")
        cp = self.cp
        self.kernel = cp.RawKernel(SRC["nexapow"], "hash")
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.call(1, CHECK_THREADS, CHECK_NONCE, 1, CHECK_THREADS)
        self._finish_check(self._compare({t: nexapow_ref(CHECK_NONCE + t) for t in CHECK_PICKS}))
        note("nexapow: SHA-256, k * G on secp256k1 (8 x 32-bit limbs), SHA-256 a hash; no tables")

    def call(self, grid, block, nonce, iters, nout):
        cp = self.cp
        self.kernel((grid,), (block,), (cp.uint64(nonce), cp.int32(iters), cp.uint32(TARGET), self.hits, self.out,
                                        cp.uint32(nout)))


class Octopus(_Checked):
    def __init__(self, variant):
        super().__init__("octopus")
        cp = self.cp
        mod = cp.RawModule(code=SRC["octopus"])
        self.kernel = mod.get_function("hash")
        self.dag = cp.empty(OC_ITEMS * 16, dtype=cp.uint32)
        mod.get_function("fill")((sms() * 8,), (256,), (self.dag, cp.uint64(OC_ITEMS)))
        self.out = cp.zeros(4 * CHECK_THREADS, dtype=cp.uint64)
        self.call(1, CHECK_THREADS, CHECK_NONCE, 1, CHECK_THREADS)
        self._finish_check(self._compare({t: octopus_ref(CHECK_NONCE + t, OC_ITEMS) for t in CHECK_PICKS}))
        note(f"octopus: DAG of {OC_ITEMS} 64-byte items ({self.dag.nbytes / 2**30:.2f} GiB), {OC_ROUNDS} reads and "
             f"{OC_ROUNDS * 256} multiplications mod 2^32 - 5 a hash")

    def call(self, grid, block, nonce, iters, nout):
        cp = self.cp
        self.kernel((grid,), (block,), (self.dag, cp.uint32(OC_ITEMS), cp.uint64(nonce), cp.int32(iters),
                                        cp.uint32(TARGET), self.hits, self.out, cp.uint32(nout)))


CLASSES = {"kawpow": KawPow, "nexapow": NexaPow, "octopus": Octopus}


def run(family, variant, clock):
    check_variant(variant)
    h = CLASSES[family](variant)
    drive(h, variant, clock)
    extra = f", {h.periods} periods' programs run" if family == "kawpow" else ""
    note(f"{family}/{variant}: {h.check_note}{extra}")
