"""Pippenger multi-scalar multiplication, Poseidon Merkle trees, Keccak-256 state tries, count-min sketches,
roaring-style bitmap-index queries, GHASH (AES-GCM authentication) and FSE / tANS decoding (label 0).

A sixth set of benign work that resembles mining in GPU-telemetry terms (the integer pipe busy, little or no
floating point or tensor work, random memory access or heavy 64-bit multiplies), taken from the data-centre jobs
that the model, with no kin of them in training, would flag: zero-knowledge proving, blockchain nodes, streaming
analytics, databases, storage crypto and compression.

  msm       the multi-scalar multiplication of a zero-knowledge prover (Groth16 / KZG commitments on BN254 G1):
            2^20 fixed points (made at set-up as known multiples g_i G: the table entries 2^j G of g_i's set bits
            added up) and fresh 254-bit scalars every launch; Pippenger's bucket method with 16-bit windows (16
            windows of 65535 buckets): digits counted and scattered into buckets (a counting sort by atomics),
            a thread a bucket sums its points with mixed Jacobian-affine additions, the buckets of each window
            reduced by running sums in segments of 64 (plus a 16-bit scalar multiple of each segment's sum), a
            block a window tree-adds its segments, one thread combines the windows (Horner). Field arithmetic:
            256-bit Montgomery multiplication (CIOS) on 8 32-bit limbs, mod the 254-bit BN254 prime. Why: 32x32-bit
            multiply-adds and carries without pause, as the multiply-heavy hashes run, with random gathers and atomics
  poseidon  a Merkle tree of 2^20 field elements (as a ZK rollup keeps its state) hashed with a Poseidon-like
            permutation over the BN254 scalar field: width 3, x^5 S-box, 8 full and 57 partial rounds, a 3x3 MDS
            matrix; the round constants (SHA-256 of a label, reduced) and the Cauchy MDS matrix (1 / (i + 3 + j))
            are generated here, not the published ones; fresh leaves every launch, a launch a level. Why: nothing
            but big-integer multiply-adds on a few KiB of state, as compute-bound hashing looks
  keccak    Ethereum-node-style state verification: 2^23 RLP records (state-trie leaf nodes of accounts and
            storage slots, 5 % contract code of 200..1200 bytes; about 1 GiB in 8-byte-aligned slots) each hashed
            with Keccak-256 (rate 136, a thread a record), then a hexary Merkle tree of branch nodes (RLP lists of
            16 32-byte child hashes and an empty value, 532 bytes, Keccak-256 again) up to the root. Keccak of
            data, not of nonces. The padding byte is a parameter: 0x01 is Keccak-256, 0x06 makes it SHA3-256,
            which is how the self-check compares digests with Python's hashlib.sha3_256. Why: the very rounds of
            Keccak-based mining (hash_keccak), run over stored data
  cms       streaming analytics: a count-min sketch (4 rows of 2^22 32-bit counters, 64 MiB) of tumbling windows
            of 2^26 64-bit keys from a 2^28-key (2 GiB) Zipf-like stream (s = 1.1 over 2^24 ranks, the heavy
            keys differing by window): multiply-shift hashes a row, equal keys in a warp merged (match_any)
            before the atomicAdds, then every key queried (minimum over the rows) and heavy hitters (estimate at
            least 1/1024 of the window) collected in a hash table (atomicCAS), top-k taken at the end. Why: 64-bit
            multiply hashes and random atomics over a table larger than L2, as memory-hard mining's table traffic
  bitmap    a database bitmap index: 48 bitmaps over 2^28 rows (densities 2^-1 .. 2^-12) stored as roaring-style
            containers per 2^16-row chunk (8 KiB bitmaps above 4096 rows, sorted 16-bit arrays at or below), 64
            queries, each an OR of two ANDs of 2-3 literals (some negated); a block per (chunk, query): array
            containers expanded into a shared-memory bitmap (atomicOr), word-wise AND / ANDNOT / OR, popcount,
            counts per chunk and the results of four queries materialised. Why: logic and popcount on the integer
            pipe with no arithmetic to speak of, streaming memory and shared-memory atomics
  ghash     the authentication half of AES-GCM, as a storage or TLS offload does it: GHASH of each 4 KiB sector
            of a 1 GiB buffer (its AAD block, 256 data blocks, the length block), 64 hash keys (sector s uses key
            s mod 64), a thread a sector: multiplication in GF(2^128) by Shoup's 4-bit method, 16-entry tables of
            each key's multiples and the reduction table in shared memory, 64-bit shifts and XORs (no floating
            point, no carry-less multiply instruction). Why: shift / XOR rounds with data-dependent shared-memory
            table lookups, as T-table hash rounds are
  fse       Zstandard-like finite-state-entropy (tANS) decoding: 1 GiB of bytes from a skewed 256-symbol law with
            a 2048-state table (FSE's symbol spread), encoded on the GPU in independent 8 KiB streams (encoder run
            backwards, bits read back from the end, as zstd does); a thread a stream decodes with the 8 KiB
            decoding table in shared memory (symbol, bit count, next-state base), a 64-bit bit container refilled
            from the end; output compared with the source. Why: a table-driven state machine of shifts, masks
            and lookups, latency-bound integer work with no floating point

Each launch is sized to take a few to tens of ms on an H200; a step is as many launches as make about 50 ms
(timed at set-up, before READY). A summary line (checksums, counts, a self-check against Python or NumPy
references) goes to stderr at the end.
"""

import functools
import hashlib

import numpy as np

from common import (SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, jacobian_a0_cuda,
                    keccak_round_constants, note, popcount64, repeat_step, sms, splitmix64_np, splitmix_words)

# sizes (module constants so a test can shrink them)
MSM_POINTS = 1 << 20
MSM_C = 16  # window bits
MSM_SEG = 64  # buckets a segment of the bucket reduction
PO_LEAVES = 1 << 20
KT_RECORDS = 1 << 23
CMS_KEYS = 1 << 28
CMS_WINDOW = 1 << 26
CMS_LOGW = 22
CMS_RANKS = 1 << 24
BM_ROWS = 1 << 28
BM_MAPS = 48
BM_QUERIES = 64
GH_BYTES = 1 << 30
FS_BYTES = 1 << 30


# ---- 256-bit prime-field arithmetic (msm, poseidon) ----------------------------------------------------------------

BN254_P = 0x30644E72E131A029B85045B68181585D97816A916871CA8D3C208C16D87CFD47  # base field of BN254 (alt_bn128)
BN254_R = 0x30644E72E131A029B85045B68181585D2833E84879B9709143E1F593F0000001  # its group order, the scalar field
MONT_R = 1 << 256


def _limbs(x):
    return [(x >> (32 * k)) & 0xFFFFFFFF for k in range(8)]


def _int(words):
    """The integer of 8 little-endian 32-bit limbs (numpy row)."""
    return int.from_bytes(np.asarray(words, dtype="<u4").tobytes(), "little")


def _cuda_limbs(x):
    return ", ".join(f"0x{v:08x}u" for v in _limbs(x))


FIELD_CUDA = r"""
// arithmetic mod %F%_MOD (a prime below 2^254) on 8 32-bit little-endian limbs in Montgomery form (R = 2^256)
struct %F%_t { unsigned int v[8]; };
__constant__ unsigned int %F%_MOD[8] = {%MOD%};
__constant__ unsigned int %F%_ONE[8] = {%ONE%};
__constant__ unsigned int %F%_EXP[8] = {%EXP%};
#define %F%_NP %NP%u
__device__ __forceinline__ %F%_t %F%_load(const unsigned int* __restrict__ p) {
  %F%_t r;
#pragma unroll
  for (int k = 0; k < 8; ++k) r.v[k] = p[k];
  return r;
}
__device__ __forceinline__ void %F%_store(unsigned int* p, const %F%_t& a) {
#pragma unroll
  for (int k = 0; k < 8; ++k) p[k] = a.v[k];
}
__device__ __forceinline__ %F%_t %F%_one() {
  %F%_t r;
#pragma unroll
  for (int k = 0; k < 8; ++k) r.v[k] = %F%_ONE[k];
  return r;
}
__device__ __forceinline__ %F%_t %F%_zero() {
  %F%_t r;
#pragma unroll
  for (int k = 0; k < 8; ++k) r.v[k] = 0u;
  return r;
}
__device__ __forceinline__ bool %F%_is_zero(const %F%_t& a) {
  unsigned int o = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) o |= a.v[k];
  return o == 0u;
}
// a - m where a >= m, else a (a < 2^256)
__device__ __forceinline__ %F%_t %F%_reduce(const %F%_t& a) {
  %F%_t d;
  unsigned long long br = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    const unsigned long long s = (unsigned long long)a.v[k] - %F%_MOD[k] - br;
    d.v[k] = (unsigned int)s;
    br = s >> 63;
  }
  return br ? a : d;
}
__device__ __forceinline__ %F%_t %F%_add(const %F%_t& a, const %F%_t& b) {
  %F%_t r;
  unsigned long long c = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    c += (unsigned long long)a.v[k] + b.v[k];
    r.v[k] = (unsigned int)c;
    c >>= 32;
  }
  return %F%_reduce(r);
}
__device__ __forceinline__ %F%_t %F%_sub(const %F%_t& a, const %F%_t& b) {
  %F%_t r;
  unsigned long long br = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    const unsigned long long s = (unsigned long long)a.v[k] - b.v[k] - br;
    r.v[k] = (unsigned int)s;
    br = s >> 63;
  }
  if (br) {
    unsigned long long c = 0;
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      c += (unsigned long long)r.v[k] + %F%_MOD[k];
      r.v[k] = (unsigned int)c;
      c >>= 32;
    }
  }
  return r;
}
// the Montgomery product a b / 2^256 mod m (CIOS: a limb of b multiplied in, then one reduction step; the outer
// loop not unrolled, b's limbs shifted down a register each time, which keeps the code small)
__device__ __forceinline__ %F%_t %F%_mul(const %F%_t& a, const %F%_t& b) {
  unsigned int t[10];
#pragma unroll
  for (int k = 0; k < 10; ++k) t[k] = 0u;
  %F%_t bb = b;
#pragma unroll 1
  for (int i = 0; i < 8; ++i) {
    const unsigned int bi = bb.v[0];
#pragma unroll
    for (int k = 0; k < 7; ++k) bb.v[k] = bb.v[k + 1];
    unsigned long long c = 0;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      c += (unsigned long long)a.v[j] * bi + t[j];
      t[j] = (unsigned int)c;
      c >>= 32;
    }
    c += t[8];
    t[8] = (unsigned int)c;
    t[9] = (unsigned int)(c >> 32);
    const unsigned int m = t[0] * %F%_NP;
    c = ((unsigned long long)m * %F%_MOD[0] + t[0]) >> 32;
#pragma unroll
    for (int j = 1; j < 8; ++j) {
      c += (unsigned long long)m * %F%_MOD[j] + t[j];
      t[j - 1] = (unsigned int)c;
      c >>= 32;
    }
    c += t[8];
    t[7] = (unsigned int)c;
    t[8] = t[9] + (unsigned int)(c >> 32);
  }
  %F%_t r;
#pragma unroll
  for (int k = 0; k < 8; ++k) r.v[k] = t[k];
  return %F%_reduce(r);
}
// a^(m - 2) = 1 / a (Fermat), square and multiply
__device__ __noinline__ %F%_t %F%_inv(%F%_t a) {
  %F%_t r = %F%_one();
  for (int k = 255; k >= 0; --k) {
    r = %F%_mul(r, r);
    if ((%F%_EXP[k >> 5] >> (k & 31)) & 1u) r = %F%_mul(r, a);
  }
  return r;
}
"""


def _field_cuda(prefix, m):
    np_ = (-pow(m, -1, 1 << 32)) % (1 << 32)
    return fill_source(FIELD_CUDA, F=prefix, MOD=_cuda_limbs(m), ONE=_cuda_limbs(MONT_R % m), EXP=_cuda_limbs(m - 2),
                       NP=np_)


def _to_mont(x, m):
    return x * MONT_R % m


def _from_mont(words, m):
    return _int(words) * pow(MONT_R, -1, m) % m


# ---- msm -----------------------------------------------------------------------------------------------------------

MSM_SCALAR_BITS = 254
MSM_G = (1, 2)  # the generator of BN254 G1: y^2 = x^3 + 3


def _ec_add(P, Q, p=BN254_P):
    """Affine addition on y^2 = x^3 + 3 (None is the point at infinity)."""
    if P is None:
        return Q
    if Q is None:
        return P
    (x1, y1), (x2, y2) = P, Q
    if x1 == x2:
        if (y1 + y2) % p == 0:
            return None
        lam = 3 * x1 * x1 * pow(2 * y1, -1, p) % p
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, p) % p
    x3 = (lam * lam - x1 - x2) % p
    return x3, (lam * (x1 - x3) - y1) % p


def _ec_mul(k, P):
    R = None
    while k:
        if k & 1:
            R = _ec_add(R, P)
        P = _ec_add(P, P)
        k >>= 1
    return R


def _jac_affine(words):
    """A GPU point (X, Y, Z: 24 Montgomery limbs, Jacobian) as an affine pair, None at infinity."""
    p = BN254_P
    X, Y, Z = (_from_mont(words[8 * k:8 * k + 8], p) for k in range(3))
    if Z == 0:
        return None
    zi = pow(Z, -1, p)
    return X * zi * zi % p, Y * zi * zi * zi % p


def _msm_table():
    """2^j G for j < MSM_SCALAR_BITS, affine, Montgomery form: uint32 [bits, 16] (x limbs, y limbs)."""
    out, P = [], MSM_G
    for _ in range(MSM_SCALAR_BITS):
        out.append(_limbs(_to_mont(P[0], BN254_P)) + _limbs(_to_mont(P[1], BN254_P)))
        P = _ec_add(P, P)
    return np.array(out, dtype=np.uint32)


def _msm_logs(gw, n):
    """The points' discrete logs g_i as the kernel takes them from the splitmix words: top limb cut to 29 bits, low
    bit set (0 < g_i < 2^253 < r). uint32 [n, 8]."""
    g = np.asarray(gw, dtype=np.uint32).reshape(n, 8).copy()
    g[:, 7] &= 0x1FFFFFFF
    g[:, 0] |= 1
    return g


def _dot_mod(a, b, m):
    """sum_i a_i b_i mod m for rows of 8 little-endian 32-bit limbs: 16-bit pieces, float64 products summed over at
    most 2^20 rows (every partial sum an integer below 2^53, so exact)."""
    a16, b16 = a.view(np.uint16), b.view(np.uint16)
    total = 0
    for lo in range(0, len(a16), 1 << 20):
        m16 = a16[lo:lo + (1 << 20)].astype(np.float64).T @ b16[lo:lo + (1 << 20)].astype(np.float64)
        for i in range(16):
            for j in range(16):
                total += int(m16[i, j]) << (16 * (i + j))
    return total % m


MSM_CUDA = r"""
#define MSM_C %C%
#define MSM_W %W%
#define MSM_NB ((1u << MSM_C) - 1u)
#define MSM_SEG %SEG%
#define MSM_NSEG %NSEG%
#define MSM_WT %WT%
__constant__ unsigned int MSM_R[8] = {%R%};
// points of y^2 = x^3 + 3 in Jacobian coordinates (x = X / Z^2, y = Y / Z^3), Z = 0 at infinity
struct jac { fp_t x, y, z; };
__device__ __forceinline__ jac jac_inf() {
  jac r;
  r.x = fp_one();
  r.y = fp_one();
  r.z = fp_zero();
  return r;
}
__device__ __forceinline__ jac jac_load(const unsigned int* __restrict__ p) {
  jac r;
  r.x = fp_load(p);
  r.y = fp_load(p + 8);
  r.z = fp_load(p + 16);
  return r;
}
__device__ __forceinline__ void jac_store(unsigned int* p, const jac& a) {
  fp_store(p, a.x);
  fp_store(p + 8, a.y);
  fp_store(p + 16, a.z);
}
%JACOBIAN%
// digit w (bits MSM_C w .. MSM_C w + MSM_C - 1) of a 256-bit scalar
__device__ __forceinline__ unsigned int msm_digit(const unsigned int* k, int w) {
  const int b = MSM_C * w, j = b >> 5, s = b & 31;
  if (j >= 8) return 0u;
  const unsigned long long x = (unsigned long long)k[j] | (j + 1 < 8 ? (unsigned long long)k[j + 1] << 32 : 0ull);
  return (unsigned int)(x >> s) & MSM_NB;
}
// point i = g_i G: the set bits j of g_i (from the words gw, top limb cut to 29 bits, low bit set) add table
// entry 2^j G; then affine (one inversion)
extern "C" __global__ void __launch_bounds__(128) msm_points(const unsigned int* __restrict__ table,
                                                             const unsigned int* __restrict__ gw, unsigned int n,
                                                             unsigned int* pts) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    jac acc = jac_inf();
    for (int j = 0; j < 8; ++j) {
      unsigned int word = gw[(unsigned long long)i * 8 + j];
      if (j == 7) word &= 0x1FFFFFFFu;
      if (j == 0) word |= 1u;
      for (int b = 0; b < 32; ++b)
        if ((word >> b) & 1u) {
          const unsigned int* t = table + (32 * j + b) * 16;
          acc = jac_madd(acc, fp_load(t), fp_load(t + 8));
        }
    }
    const fp_t zi = fp_inv(acc.z), zi2 = fp_mul(zi, zi);
    fp_store(pts + (unsigned long long)i * 16, fp_mul(acc.x, zi2));
    fp_store(pts + (unsigned long long)i * 16 + 8, fp_mul(acc.y, fp_mul(zi2, zi)));
  }
}
// scalar i: 8 splitmix words, cut to 254 bits, less r once where at least r
extern "C" __global__ void msm_scalars(unsigned int n, unsigned long long seed, unsigned int* k) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    unsigned int v[8], d[8];
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const unsigned long long h = splitmix(((unsigned long long)i << 2 | q) + seed);
      v[2 * q] = (unsigned int)h;
      v[2 * q + 1] = (unsigned int)(h >> 32);
    }
    v[7] &= 0x3FFFFFFFu;
    unsigned long long br = 0;
#pragma unroll
    for (int q = 0; q < 8; ++q) {
      const unsigned long long s = (unsigned long long)v[q] - MSM_R[q] - br;
      d[q] = (unsigned int)s;
      br = s >> 63;
    }
#pragma unroll
    for (int q = 0; q < 8; ++q) k[(unsigned long long)i * 8 + q] = br ? v[q] : d[q];
  }
}
// bucket (w, d) for d > 0 is number w MSM_NB + d - 1: its points counted, then scattered (a counting sort)
extern "C" __global__ void msm_count(const unsigned int* __restrict__ k, unsigned int n, unsigned int* cnt) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    unsigned int s[8];
#pragma unroll
    for (int q = 0; q < 8; ++q) s[q] = k[(unsigned long long)i * 8 + q];
    for (int w = 0; w < MSM_W; ++w) {
      const unsigned int d = msm_digit(s, w);
      if (d) atomicAdd(&cnt[w * MSM_NB + d - 1], 1u);
    }
  }
}
extern "C" __global__ void msm_scatter(const unsigned int* __restrict__ k, unsigned int n, unsigned int* cursor,
                                       unsigned int* ids) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    unsigned int s[8];
#pragma unroll
    for (int q = 0; q < 8; ++q) s[q] = k[(unsigned long long)i * 8 + q];
    for (int w = 0; w < MSM_W; ++w) {
      const unsigned int d = msm_digit(s, w);
      if (d) ids[atomicAdd(&cursor[w * MSM_NB + d - 1], 1u)] = i;
    }
  }
}
// a thread a bucket: the sum of its points (mixed additions)
extern "C" __global__ void __launch_bounds__(128) msm_buckets(const unsigned int* __restrict__ pts,
                                                              const unsigned int* __restrict__ ids,
                                                              const unsigned int* __restrict__ offs, unsigned int nb,
                                                              unsigned int* out) {
  for (unsigned int b = blockIdx.x * blockDim.x + threadIdx.x; b < nb; b += gridDim.x * blockDim.x) {
    jac acc = jac_inf();
    for (unsigned int e = offs[b]; e < offs[b + 1]; ++e) {
      const unsigned int* q = pts + (unsigned long long)ids[e] * 16;
      acc = jac_madd(acc, fp_load(q), fp_load(q + 8));
    }
    jac_store(out + (unsigned long long)b * 24, acc);
  }
}
// a thread a segment (w, s) of buckets d = lo .. hi: running sums from the top give sum (d - lo + 1) B_d, then
// (lo - 1) times the segment's plain sum is added (double and add), so the result is sum d B_d over the segment
extern "C" __global__ void __launch_bounds__(128) msm_segments(const unsigned int* __restrict__ buckets,
                                                               unsigned int* segs) {
  for (unsigned int t = blockIdx.x * blockDim.x + threadIdx.x; t < MSM_W * MSM_NSEG; t += gridDim.x * blockDim.x) {
    const unsigned int w = t / MSM_NSEG, s = t % MSM_NSEG;
    const unsigned int lo = s * MSM_SEG + 1, hi = min((s + 1) * MSM_SEG, MSM_NB);
    jac run = jac_inf(), tot = jac_inf();
    for (unsigned int d = hi; d >= lo; --d) {
      run = jac_add(run, jac_load(buckets + ((unsigned long long)w * MSM_NB + d - 1) * 24));
      tot = jac_add(tot, run);
    }
    const unsigned int m = lo - 1;
    if (m) {
      jac mr = jac_inf();
      for (int bit = 31 - __clz(m); bit >= 0; --bit) {
        mr = jac_dbl(mr);
        if ((m >> bit) & 1u) mr = jac_add(mr, run);
      }
      tot = jac_add(tot, mr);
    }
    jac_store(segs + (unsigned long long)t * 24, tot);
  }
}
// a block a window: each thread adds MSM_NSEG / MSM_WT consecutive segments, then a shared-memory tree
extern "C" __global__ void __launch_bounds__(MSM_WT) msm_windows(const unsigned int* __restrict__ segs,
                                                                 unsigned int* wsum) {
  __shared__ jac sh[MSM_WT];
  const unsigned int w = blockIdx.x, t = threadIdx.x;
  jac acc = jac_inf();
  for (unsigned int s = t * (MSM_NSEG / MSM_WT); s < (t + 1) * (MSM_NSEG / MSM_WT); ++s)
    acc = jac_add(acc, jac_load(segs + ((unsigned long long)w * MSM_NSEG + s) * 24));
  sh[t] = acc;
  __syncthreads();
  for (unsigned int half = MSM_WT / 2; half > 0; half >>= 1) {
    if (t < half) sh[t] = jac_add(sh[t], sh[t + half]);
    __syncthreads();
  }
  if (t == 0) jac_store(wsum + (unsigned long long)w * 24, sh[0]);
}
// one thread: the windows combined, sum over w of 2^(MSM_C w) S_w (Horner from the top window)
extern "C" __global__ void msm_final(const unsigned int* __restrict__ wsum, unsigned int* out) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  jac acc = jac_inf();
  for (int w = MSM_W - 1; w >= 0; --w) {
    for (int k = 0; k < MSM_C; ++k) acc = jac_dbl(acc);
    acc = jac_add(acc, jac_load(wsum + w * 24));
  }
  jac_store(out, acc);
}
"""


def _msm_shape():
    """Windows, buckets a window, segments a window, threads of the window kernel."""
    nb = (1 << MSM_C) - 1
    nseg = -(-nb // MSM_SEG)
    return -(-MSM_SCALAR_BITS // MSM_C), nb, nseg, min(256, nseg)


def _msm_src():
    nw, _, nseg, wt = _msm_shape()
    return SPLITMIX_CUDA + _field_cuda("fp", BN254_P) + fill_source(MSM_CUDA, JACOBIAN=jacobian_a0_cuda(), C=MSM_C, W=nw, SEG=MSM_SEG, NSEG=nseg,
                                                                   WT=wt, R=_cuda_limbs(BN254_R))


MSM_SRC = _msm_src()
MSM_CHECK = 4  # buckets summed again in Python


def msm(variant, clock):
    if variant != "pippenger":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n = MSM_POINTS
    nw, nb, nseg, wt = _msm_shape()
    assert nseg & (nseg - 1) == 0 and nseg % wt == 0 and n * nw < 1 << 31 and MSM_C <= 31
    mod = cp.RawModule(code=_msm_src())
    points, scalars, count, scatter, buckets_k, segments, windows, final = (mod.get_function(k) for k in (
        "msm_points", "msm_scalars", "msm_count", "msm_scatter", "msm_buckets", "msm_segments", "msm_windows",
        "msm_final"))
    grid = sms() * 8
    gw = splitmix_words(n * 8, 0x6A5E)  # the points' discrete logs (cut in the kernel)
    pts = cp.empty(n * 16, dtype=cp.uint32)
    points(((n + 127) // 128,), (128,), (cp.asarray(_msm_table()), gw, np.uint32(n), pts))
    nbk = nw * nb
    k = cp.empty(n * 8, dtype=cp.uint32)
    cnt = cp.zeros(nbk, dtype=cp.uint32)
    offs = cp.zeros(nbk + 1, dtype=cp.uint32)
    cursor = cp.empty(nbk, dtype=cp.uint32)
    ids = cp.empty(n * nw, dtype=cp.uint32)
    bsum = cp.empty(nbk * 24, dtype=cp.uint32)
    segs = cp.empty(nw * nseg * 24, dtype=cp.uint32)
    wsum = cp.empty(nw * 24, dtype=cp.uint32)
    out = cp.empty(24, dtype=cp.uint32)
    done = [0]

    def launch():  # fresh scalars, digits sorted into buckets, buckets summed and reduced, windows combined
        scalars((grid,), (256,), (np.uint32(n), np.uint64(0x5CA1A4 + (done[0] << 32)), k))
        cnt.fill(0)
        count((grid,), (256,), (k, np.uint32(n), cnt))
        offs[1:] = cp.cumsum(cnt, dtype=cp.uint32)
        cursor[:] = offs[:-1]
        scatter((grid,), (256,), (k, np.uint32(n), cursor, ids))
        buckets_k(((nbk + 127) // 128,), (128,), (pts, ids, offs, np.uint32(nbk), bsum))
        segments(((nw * nseg + 127) // 128,), (128,), (bsum, segs))
        windows((nw,), (wt,), (segs, wsum))
        final((1,), (32,), (wsum, out))
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    # the whole MSM: sum k_i (g_i G) = (sum k_i g_i mod r) G, in Python
    g = _msm_logs(gw.get(), n)
    s = _dot_mod(k.get().reshape(n, 8), g, BN254_R)
    got = _jac_affine(out.get())
    whole = got == _ec_mul(s, MSM_G)
    # a few buckets summed again from their points in Python affine arithmetic
    hoffs, hids = offs.get().astype(np.int64), ids.get()
    hp = pts.get().reshape(n, 16)
    picks = [0, nb + nb // 3, (nw // 2) * nb + 7, (nw - 1) * nb + 5][:MSM_CHECK]
    agree, summed = 0, 0
    for b in picks:
        acc = None
        for i in hids[hoffs[b]:hoffs[b + 1]].tolist():
            acc = _ec_add(acc, (_from_mont(hp[i, :8], BN254_P), _from_mont(hp[i, 8:], BN254_P)))
            summed += 1
        agree += acc == _jac_affine(bsum[b * 24:(b + 1) * 24].get())
    P0 = (_from_mont(hp[0, :8], BN254_P), _from_mont(hp[0, 8:], BN254_P))
    point_ok = P0 == _ec_mul(_int(g[0]), MSM_G)
    used = int(hoffs[nbk])
    note(f"msm/{variant}: {done[0]} MSMs of {n} BN254 G1 points ({nw} windows of {MSM_C} bits, {nb} buckets each, "
         f"{used / (nbk):.1f} points a bucket, {used} mixed additions an MSM), last result x "
         f"{'inf' if got is None else hex(got[0])[:18]}..., equals (sum k_i g_i) G in Python: {whole}, "
         f"{agree}/{len(picks)} buckets ({summed} points) agree with Python affine sums, point 0 = g_0 G: "
         f"{point_ok}, agree: {whole and agree == len(picks) and point_ok}, {per * 1e3:.2f} ms an MSM, {nl} a step")


# ---- poseidon ------------------------------------------------------------------------------------------------------

PO_T, PO_RF, PO_RP = 3, 8, 57


@functools.lru_cache(maxsize=None)
def _po_params():
    """Round constants (RF + RP rounds x t: SHA-256 of a label, mod r) and the Cauchy MDS matrix
    M[i][j] = 1 / (i + t + j) mod r, canonical integers. Generated here, not Poseidon's published Grain-LFSR
    constants: the same shape and cost."""
    r = BN254_R
    c = [int.from_bytes(hashlib.sha256(f"abp-poseidon-t3-rc-{k}".encode()).digest(), "big") % r
         for k in range((PO_RF + PO_RP) * PO_T)]
    m = [[pow(i + PO_T + j, -1, r) for j in range(PO_T)] for i in range(PO_T)]
    return c, m


def _po_perm(state):
    """The permutation in Python (canonical integers)."""
    r = BN254_R
    c, m = _po_params()
    s = list(state)
    for rnd in range(PO_RF + PO_RP):
        s = [(s[i] + c[rnd * PO_T + i]) % r for i in range(PO_T)]
        full = rnd < PO_RF // 2 or rnd >= PO_RF // 2 + PO_RP
        s = [pow(x, 5, r) if full or i == 0 else x for i, x in enumerate(s)]
        s = [sum(m[i][j] * s[j] for j in range(PO_T)) % r for i in range(PO_T)]
    return s


def _po_hash(a, b):
    return _po_perm([0, a, b])[0]


PO_CUDA = r"""
#define PO_T 3
#define PO_RF %RF%
#define PO_RP %RP%
__constant__ unsigned int PO_C[(PO_RF + PO_RP) * PO_T][8] = {%C%};
__constant__ unsigned int PO_M[PO_T * PO_T][8] = {%M%};
__device__ __forceinline__ fr_t po_c(int k) {
  fr_t r;
#pragma unroll
  for (int q = 0; q < 8; ++q) r.v[q] = PO_C[k][q];
  return r;
}
__device__ __forceinline__ fr_t po_m(int k) {
  fr_t r;
#pragma unroll
  for (int q = 0; q < 8; ++q) r.v[q] = PO_M[k][q];
  return r;
}
__device__ __forceinline__ fr_t po_pow5(const fr_t& x) {
  const fr_t x2 = fr_mul(x, x), x4 = fr_mul(x2, x2);
  return fr_mul(x4, x);
}
// the permutation: each round adds constants, applies x^5 to every element (full rounds) or the first (partial),
// then multiplies by the MDS matrix
__device__ void po_perm(fr_t s[PO_T]) {
  for (int r = 0; r < PO_RF + PO_RP; ++r) {
#pragma unroll
    for (int i = 0; i < PO_T; ++i) s[i] = fr_add(s[i], po_c(r * PO_T + i));
    if (r < PO_RF / 2 || r >= PO_RF / 2 + PO_RP) {
#pragma unroll
      for (int i = 0; i < PO_T; ++i) s[i] = po_pow5(s[i]);
    } else {
      s[0] = po_pow5(s[0]);
    }
    fr_t t[PO_T];
#pragma unroll
    for (int i = 0; i < PO_T; ++i) {
      t[i] = fr_mul(po_m(i * PO_T), s[0]);
#pragma unroll
      for (int j = 1; j < PO_T; ++j) t[i] = fr_add(t[i], fr_mul(po_m(i * PO_T + j), s[j]));
    }
#pragma unroll
    for (int i = 0; i < PO_T; ++i) s[i] = t[i];
  }
}
// leaves n .. 2n - 1 of the heap-ordered tree: 4 splitmix words each, below 2^252 (so below r)
extern "C" __global__ void po_leaves(unsigned int* nodes, unsigned int n, unsigned long long seed) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    unsigned int* p = nodes + ((unsigned long long)n + i) * 8;
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const unsigned long long h = splitmix(((unsigned long long)i << 2 | q) + seed);
      p[2 * q] = (unsigned int)h;
      p[2 * q + 1] = (unsigned int)(h >> 32);
    }
    p[7] &= 0x0FFFFFFFu;
  }
}
// nodes lo .. lo + count - 1: node k = Poseidon(0, node 2k, node 2k + 1), the first element of the state
extern "C" __global__ void __launch_bounds__(128) po_level(unsigned int* nodes, unsigned int lo, unsigned int count) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) {
    const unsigned long long k = (unsigned long long)lo + i;
    fr_t s[PO_T];
    s[0] = fr_zero();
    s[1] = fr_load(nodes + 2 * k * 8);
    s[2] = fr_load(nodes + (2 * k + 1) * 8);
    po_perm(s);
    fr_store(nodes + k * 8, s[0]);
  }
}
"""


def _po_src():
    c, m = _po_params()
    rows = lambda vals: ", ".join("{" + _cuda_limbs(_to_mont(v, BN254_R)) + "}" for v in vals)  # noqa: E731
    return SPLITMIX_CUDA + _field_cuda("fr", BN254_R) + fill_source(PO_CUDA, RF=PO_RF, RP=PO_RP, C=rows(c),
                                                                   M=rows([x for row in m for x in row]))


PO_SRC = _po_src()


def poseidon(variant, clock):
    if variant != "merkle":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n = PO_LEAVES
    assert n >= 32 and n & (n - 1) == 0
    mod = cp.RawModule(code=PO_SRC)
    leaves, level = mod.get_function("po_leaves"), mod.get_function("po_level")
    nodes = cp.zeros(2 * n * 8, dtype=cp.uint32)
    done = [0]

    def launch():  # fresh leaves, then a level a launch up to the root (node 1)
        leaves((sms() * 8,), (256,), (nodes, np.uint32(n), np.uint64(0x9053 + (done[0] << 40))))
        lo = n // 2
        while lo >= 1:
            level(((lo + 127) // 128,), (128,), (nodes, np.uint32(lo), np.uint32(lo)))
            lo //= 2
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    h = lambda k: _from_mont(nodes[k * 8:(k + 1) * 8].get(), BN254_R)  # noqa: E731
    # node n / 16 from its 16 leaves (15 hashes), four level-1 nodes from their leaves, the root from its children
    sub = [h(k) for k in range(n, n + 16)]
    while len(sub) > 1:
        sub = [_po_hash(sub[2 * i], sub[2 * i + 1]) for i in range(len(sub) // 2)]
    checks = [sub[0] == h(n // 16)]
    for k in (n // 2 + 1, n // 2 + n // 8, 3 * n // 4 + 5, n - 1):
        checks.append(_po_hash(h(2 * k), h(2 * k + 1)) == h(k))
    checks.append(_po_hash(h(2), h(3)) == h(1))
    note(f"poseidon/{variant}: {done[0]} Merkle trees of {n} leaves ({n - 1} Poseidon permutations a tree: t = "
         f"{PO_T}, x^5, {PO_RF} full + {PO_RP} partial rounds over the BN254 scalar field), last root "
         f"{h(1):064x}, {sum(checks)}/{len(checks)} sampled nodes (a 16-leaf subtree, four level-1 nodes, the root) "
         f"agree with a Python Poseidon: {all(checks)}, {per * 1e3:.2f} ms a tree, {nl} a step")


# ---- keccak --------------------------------------------------------------------------------------------------------

KT_RATE = 136  # bytes: Keccak-256 / SHA3-256 (capacity 512 bits)
KT_KECCAK, KT_SHA3 = 0x01, 0x06  # the padding's first byte: Ethereum's Keccak-256, FIPS 202 SHA3-256


@functools.lru_cache(maxsize=None)
def _kt_consts():
    """Round constants and the rho rotation of lane x + 5 y."""
    rc = keccak_round_constants()
    rho, (x, y) = [0] * 25, (1, 0)
    for t in range(24):
        rho[x + 5 * y] = (t + 1) * (t + 2) // 2 % 64
        x, y = y, (2 * x + 3 * y) % 5
    return rc, rho


def _keccak_f(a):
    rc, rho = _kt_consts()
    m = (1 << 64) - 1
    for i in range(24):
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x + 4) % 5] ^ ((c[(x + 1) % 5] << 1 | c[(x + 1) % 5] >> 63) & m) for x in range(5)]
        a = [a[k] ^ d[k % 5] for k in range(25)]
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                v, n = a[x + 5 * y], rho[x + 5 * y]
                b[y + 5 * ((2 * x + 3 * y) % 5)] = (v << n | v >> (64 - n)) & m if n else v
        a = [b[k] ^ (~b[(k % 5 + 1) % 5 + 5 * (k // 5)] & b[(k % 5 + 2) % 5 + 5 * (k // 5)]) for k in range(25)]
        a[0] ^= rc[i]
    return a


def _keccak(data, pad=KT_KECCAK):
    """Keccak-256 (pad 0x01) or SHA3-256 (pad 0x06) of bytes, in Python."""
    msg = bytearray(data) + bytes([pad])
    msg += bytes(-len(msg) % KT_RATE)
    msg[-1] |= 0x80
    a = [0] * 25
    for o in range(0, len(msg), KT_RATE):
        for j in range(KT_RATE // 8):
            a[j] ^= int.from_bytes(msg[o + 8 * j:o + 8 * j + 8], "little")
        a = _keccak_f(a)
    return b"".join(a[j].to_bytes(8, "little") for j in range(4))


def _kt_branch(children):
    """The RLP branch node over up to 16 child hashes (missing children and the value empty: 0x80)."""
    payload = b"".join(b"\xa0" + c for c in children) + b"\x80" * (17 - len(children))
    n = len(payload)
    head = bytes([0xC0 + n]) if n < 56 else bytes([0xF8, n]) if n < 256 else bytes([0xF9, n >> 8, n & 255])
    return head + payload


def _kt_rounds_cuda():
    """theta, rho + pi, chi of one round with literal rotations (lanes a[x + 5 y], temporaries b, c, d)."""
    _, rho = _kt_consts()
    lines = ["#pragma unroll",
             "    for (int x = 0; x < 5; ++x) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];",
             "#pragma unroll",
             "    for (int x = 0; x < 5; ++x) d[x] = c[(x + 4) % 5] ^ KT_ROTL(c[(x + 1) % 5], 1);",
             "#pragma unroll",
             "    for (int k = 0; k < 25; ++k) a[k] ^= d[k % 5];"]
    for x in range(5):
        for y in range(5):
            n = rho[x + 5 * y]
            src = f"a[{x + 5 * y}]"
            lines.append(f"    b[{y + 5 * ((2 * x + 3 * y) % 5)}] = {f'KT_ROTL({src}, {n})' if n else src};")
    lines += ["#pragma unroll",
              "    for (int k = 0; k < 25; ++k)",
              "      a[k] = b[k] ^ (~b[(k % 5 + 1) % 5 + k / 5 * 5] & b[(k % 5 + 2) % 5 + k / 5 * 5]);"]
    return "\n".join(lines)


KT_CUDA = r"""
#define KT_RATE %RATE%
#define KT_ROTL(x, n) (((x) << (n)) | ((x) >> (64 - (n))))
__constant__ unsigned long long KT_RC[24] = {%RC%};
__device__ __forceinline__ void keccak_f(unsigned long long a[25]) {
  unsigned long long b[25], c[5], d[5];
#pragma unroll 1
  for (int r = 0; r < 24; ++r) {
%ROUNDS%
    a[0] ^= KT_RC[r];
  }
}
// Keccak-256 (pad 0x01) or SHA3-256 (pad 0x06) of len bytes at p (8-byte aligned, read a lane at a time, bytes past
// len masked off); the digest's 4 little-endian lanes to out
__device__ __forceinline__ void kt_hash(const unsigned long long* __restrict__ p, unsigned int len, unsigned int pad,
                                        unsigned long long* out) {
  unsigned long long a[25];
#pragma unroll
  for (int k = 0; k < 25; ++k) a[k] = 0ull;
  const unsigned int blocks = len / KT_RATE + 1;
  for (unsigned int blk = 0; blk < blocks; ++blk) {
#pragma unroll
    for (int j = 0; j < KT_RATE / 8; ++j) {
      const unsigned int at = blk * KT_RATE + 8 * j;
      unsigned long long w = 0;
      if (at < len) {
        w = p[at / 8];
        if (len - at < 8) w &= (1ull << (8 * (len - at))) - 1ull;
      }
      if (len >= at && len - at < 8) w ^= (unsigned long long)pad << (8 * (len - at));
      if (blk == blocks - 1 && j == KT_RATE / 8 - 1) w ^= 0x80ull << 56;
      a[j] ^= w;
    }
    keccak_f(a);
  }
#pragma unroll
  for (int k = 0; k < 4; ++k) out[k] = a[k];
}
// RLP writing (o may be null: lengths only)
struct kt_w {
  unsigned char* o;
  unsigned int n;
};
__device__ __forceinline__ void kt_put(kt_w& w, unsigned int b) {
  if (w.o) w.o[w.n] = (unsigned char)b;
  ++w.n;
}
__device__ __forceinline__ unsigned int kt_be_len(unsigned long long v) {
  unsigned int n = 0;
  for (; v; v >>= 8) ++n;
  return n;
}
__device__ __forceinline__ unsigned int kt_int_len(unsigned long long v) {
  return v != 0 && v < 0x80 ? 1u : 1u + kt_be_len(v);
}
// an integer: 0x80 for 0, the byte itself below 0x80, else 0x80 + length and big-endian bytes
__device__ void kt_int(kt_w& w, unsigned long long v) {
  if (v != 0 && v < 0x80) {
    kt_put(w, (unsigned int)v);
    return;
  }
  const unsigned int n = kt_be_len(v);
  kt_put(w, 0x80u + n);
  for (int k = (int)n - 1; k >= 0; --k) kt_put(w, (unsigned int)(v >> (8 * k)) & 255u);
}
__device__ __forceinline__ unsigned int kt_head_len(unsigned int n) { return n < 56 ? 1u : n < 256 ? 2u : 3u; }
// the header of a string (base 0x80) or list (base 0xc0) of n payload bytes
__device__ void kt_head(kt_w& w, unsigned int base, unsigned int n) {
  if (n < 56) {
    kt_put(w, base + n);
  } else if (n < 256) {
    kt_put(w, base + 56);
    kt_put(w, n);
  } else {
    kt_put(w, base + 57);
    kt_put(w, n >> 8);
    kt_put(w, n & 255u);
  }
}
__device__ void kt_bytes(kt_w& w, unsigned int n, unsigned long long seed) {
  unsigned long long h = 0;
  for (unsigned int k = 0; k < n; ++k) {
    if ((k & 7) == 0) h = splitmix(seed + k);
    kt_put(w, (unsigned int)(h >> (8 * (k & 7))) & 255u);
  }
}
// record i (its length returned; written to o unless null): a state-trie leaf node [path, value] of an account
// (65 %: value the RLP of [nonce, balance, storage root, code hash]) or a storage slot (30 %: value the RLP of a
// 1..32-byte integer), the path the compact encoding of a 32-byte key (0x20 prefix); or contract code (5 %: an
// RLP string of 200..1199 bytes)
__device__ unsigned int kt_record(unsigned long long i, unsigned long long seed, unsigned char* o) {
  kt_w w = {o, 0u};
  const unsigned long long h = splitmix(i ^ seed), h2 = splitmix(h), s = splitmix(h2) << 12;
  const unsigned int kind = (unsigned int)(h % 100);
  if (kind >= 95) {
    const unsigned int n = 200u + (unsigned int)(h2 % 1000);
    kt_head(w, 0x80u, n);
    kt_bytes(w, n, s);
    return w.n;
  }
  unsigned int vlen, acc = 0;
  unsigned long long nonce = 0, balance = 0;
  unsigned int slot = 0;
  if (kind < 65) {
    nonce = (h2 >> 8) % ((h2 & 1) ? 4000000ull : 200ull);
    balance = splitmix(h2 ^ 0xBA1) >> (h2 >> 58);
    acc = kt_int_len(nonce) + kt_int_len(balance) + 66u;
    vlen = kt_head_len(acc) + acc;
  } else {
    slot = 1u + (unsigned int)(h2 % 32);
    vlen = 1u + slot;
  }
  const unsigned int payload = 34u + kt_head_len(vlen) + vlen;
  kt_head(w, 0xC0u, payload);
  kt_put(w, 0xA1u);
  kt_put(w, 0x20u);
  kt_bytes(w, 32u, s);
  kt_head(w, 0x80u, vlen);
  if (kind < 65) {
    kt_head(w, 0xC0u, acc);
    kt_int(w, nonce);
    kt_int(w, balance);
    kt_put(w, 0xA0u);
    kt_bytes(w, 32u, s + 64);
    kt_put(w, 0xA0u);
    kt_bytes(w, 32u, s + 128);
  } else {
    kt_put(w, 0x80u + slot);
    kt_put(w, 1u + (unsigned int)(splitmix(s + 64) % 255));
    kt_bytes(w, slot - 1u, s + 96);
  }
  return w.n;
}
extern "C" __global__ void kt_sizes(unsigned long long n, unsigned long long seed, unsigned int* len) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x)
    len[i] = kt_record(i, seed, nullptr);
}
// records written at their byte offsets (multiples of 8), the slot's tail zeroed
extern "C" __global__ void kt_fill(unsigned long long n, unsigned long long seed,
                                   const unsigned long long* __restrict__ off, unsigned char* data) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned char* p = data + off[i];
    const unsigned int len = kt_record(i, seed, p);
    for (unsigned long long k = off[i] + len; k < off[i + 1]; ++k) data[k] = 0;
  }
}
// a thread a record: its digest (4 lanes)
extern "C" __global__ void __launch_bounds__(128) kt_leaves(const unsigned long long* __restrict__ data,
                                                            const unsigned long long* __restrict__ off,
                                                            const unsigned int* __restrict__ len, unsigned long long n,
                                                            unsigned int pad, unsigned long long* dig) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x)
    kt_hash(data + off[i] / 8, len[i], pad, dig + i * 4);
}
// a thread a branch node over children 16k .. 16k + 15 of count: its RLP (list header, 0xa0 + hash for each child,
// 0x80 for each missing child and for the value) built in local memory, then Keccak-256
extern "C" __global__ void __launch_bounds__(128) kt_branches(const unsigned long long* __restrict__ child,
                                                              unsigned long long count, unsigned long long* parent) {
  unsigned long long buf[(17 * 33 + 3 + 7) / 8];
  unsigned char* b = (unsigned char*)buf;
  for (unsigned long long k = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; k < (count + 15) / 16;
       k += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned int cnt = (unsigned int)min(16ull, count - 16 * k);
    kt_w w = {b, 0u};
    kt_head(w, 0xC0u, 32u * cnt + 17u);
    for (unsigned int c = 0; c < 16; ++c) {
      if (c < cnt) {
        kt_put(w, 0xA0u);
        const unsigned long long* d = child + (16 * k + c) * 4;
#pragma unroll
        for (int q = 0; q < 4; ++q) {
          const unsigned long long v = d[q];
#pragma unroll
          for (int e = 0; e < 8; ++e) kt_put(w, (unsigned int)(v >> (8 * e)) & 255u);
        }
      } else {
        kt_put(w, 0x80u);
      }
    }
    kt_put(w, 0x80u);
    kt_hash(buf, w.n, 0x01u, parent + k * 4);
  }
}
"""


def _kt_src():
    rc, _ = _kt_consts()
    return SPLITMIX_CUDA + fill_source(KT_CUDA, RATE=KT_RATE, RC=", ".join(f"0x{v:016x}ull" for v in rc),
                                       ROUNDS=_kt_rounds_cuda())


KT_SRC = _kt_src()
KT_SAMPLE = 16  # records checked against Python


def keccak(variant, clock):
    if variant != "trie":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n, seed = KT_RECORDS, 0xE7E
    assert n >= 2 * KT_SAMPLE
    mod = cp.RawModule(code=KT_SRC)
    sizes, fill, leaves, branches = (mod.get_function(k) for k in ("kt_sizes", "kt_fill", "kt_leaves", "kt_branches"))
    grid = sms() * 8
    ln = cp.empty(n, dtype=cp.uint32)
    sizes((grid,), (256,), (np.uint64(n), np.uint64(seed), ln))
    off = cp.zeros(n + 1, dtype=cp.uint64)
    off[1:] = cp.cumsum((ln.astype(cp.uint64) + 7) // 8 * 8)
    total = int(off[n])
    data = cp.empty(total // 8 + 1, dtype=cp.uint64)
    fill((grid,), (256,), (np.uint64(n), np.uint64(seed), off, data))
    counts = [n]
    while counts[-1] > 1:
        counts.append((counts[-1] + 15) // 16)
    levels = [cp.empty(c * 4, dtype=cp.uint64) for c in counts]
    done = [0]

    def launch():  # every record hashed, then a level of branch nodes a launch up to the root
        leaves(((n + 127) // 128,), (128,), (data, off, ln, np.uint64(n), np.uint32(KT_KECCAK), levels[0]))
        for lv in range(1, len(counts)):
            branches(((counts[lv] + 127) // 128,), (128,), (levels[lv - 1], np.uint64(counts[lv - 1]), levels[lv]))
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    dig = lambda lv, a, b: levels[lv][4 * a:4 * b].get().astype("<u8").tobytes()  # noqa: E731
    hoff, hln = off.get(), ln.get()
    sample = list(range(KT_SAMPLE // 2)) + [int(v) for v in np.linspace(n // 2, n - 1, KT_SAMPLE // 2)]
    rec = {i: data.view(cp.uint8)[int(hoff[i]):int(hoff[i]) + int(hln[i])].get().tobytes() for i in sample}
    kec = sum(_keccak(rec[i]) == dig(0, i, i + 1) for i in sample)
    # the same kernel with SHA3's padding, against hashlib
    sha = cp.empty(KT_SAMPLE * 4, dtype=cp.uint64)
    leaves((1,), (128,), (data, off, ln, np.uint64(KT_SAMPLE), np.uint32(KT_SHA3), sha))
    hsha = sha.get().astype("<u8").tobytes()
    sha_ok = sum(hashlib.sha3_256(rec[i]).digest() == hsha[32 * i:32 * i + 32] for i in range(KT_SAMPLE // 2))
    ref_ok = _keccak(b"", KT_SHA3) == hashlib.sha3_256(b"").digest() and _keccak(b"abc" * 100, KT_SHA3) == \
        hashlib.sha3_256(b"abc" * 100).digest()
    # branch nodes: the first of level 1 from the leaf digests, the root from its children
    kids = dig(0, 0, min(16, n))
    b1 = _keccak(_kt_branch([kids[32 * c:32 * c + 32] for c in range(len(kids) // 32)])) == dig(1, 0, 1)
    top = len(counts) - 1
    kids = dig(top - 1, 0, counts[top - 1])
    root = dig(top, 0, 1)
    br = _keccak(_kt_branch([kids[32 * c:32 * c + 32] for c in range(counts[top - 1])])) == root
    ok = kec == len(sample) and sha_ok == KT_SAMPLE // 2 and ref_ok and b1 and br
    note(f"keccak/{variant}: {done[0]} state tries of {n} RLP records ({total >> 20} MiB, {float(hln.mean()):.1f} "
         f"bytes a record, up to {int(hln.max())}), {len(counts) - 1} levels of hexary branch nodes, root "
         f"{root.hex()}, {kec}/{len(sample)} record digests agree with a Python Keccak-256, SHA3 padding "
         f"{sha_ok}/{KT_SAMPLE // 2} agree with hashlib.sha3_256 (Python reference too: {ref_ok}), a level-1 node and "
         f"the root agree with Python over their children: {b1 and br}, agree: {ok}, {per * 1e3:.2f} ms a trie, "
         f"{nl} a step")


# ---- cms -----------------------------------------------------------------------------------------------------------

CMS_D = 4  # rows
CMS_S = 1.1  # Zipf exponent
CMS_PHI_LOG = 10  # heavy hitter: estimate at least the window / 2^10
CMS_CLOG = 13  # candidate table slots
CMS_TOP = 16


def _cms_params(seed=0xC0DE):
    """Each row's multiply-shift hash: odd multiplier a, addend b (64-bit)."""
    h = splitmix64_np(np.arange(2 * CMS_D, dtype=np.uint64) + np.uint64(seed))
    return [int(v) | 1 for v in h[:CMS_D]], [int(v) for v in h[CMS_D:]]


def _cms_cols(keys, a, b):
    """Column of each key in each row (numpy): (a key + b mod 2^64) >> (64 - CMS_LOGW)."""
    with np.errstate(over="ignore"):
        return [((keys * np.uint64(ar) + np.uint64(br)) >> np.uint64(64 - CMS_LOGW)).astype(np.int64)
                for ar, br in zip(a, b)]


CMS_CUDA = r"""
#define CMS_D %D%
#define CMS_LOGW %LOGW%
#define CMS_W (1u << CMS_LOGW)
#define CMS_CLOG %CLOG%
#define CMS_RANKS %RANKS%.0
#define CMS_S %S%
#define CMS_EMPTY 0xFFFFFFFFFFFFFFFFull
#define CMS_PROBES 64
__constant__ unsigned long long CMS_A[CMS_D] = {%A%};
__constant__ unsigned long long CMS_B[CMS_D] = {%B%};
__device__ __forceinline__ unsigned int cms_col(unsigned long long key, int r) {
  return (unsigned int)((CMS_A[r] * key + CMS_B[r]) >> (64 - CMS_LOGW));
}
// key i: a Zipf-like rank in 1..ranks (inverse of the continuous law's CDF, exponent s), mapped to a 64-bit key by
// splitmix with the window's number, so each window has its own heavy keys
extern "C" __global__ void cms_stream(unsigned long long* keys, unsigned long long n, unsigned long long window,
                                      unsigned long long seed) {
  const double ranks = CMS_RANKS, e = 1.0 - CMS_S, top = pow(ranks, e) - 1.0;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const double u = ((double)(splitmix(i ^ seed) >> 11) + 0.5) * 0x1.0p-53;
    double r = floor(pow(1.0 + u * top, 1.0 / e));
    r = r < 1.0 ? 1.0 : r > ranks ? ranks : r;
    keys[i] = splitmix((unsigned long long)r + ((i / window) << 40) + (seed << 48));
  }
}
// n keys (a multiple of 32; the grid a multiple of 32 threads): equal keys within a warp merged (match_any), the
// lowest lane of each group adding the group's size to the key's counter in every row
extern "C" __global__ void cms_update(const unsigned long long* __restrict__ keys, unsigned long long n,
                                      unsigned int* table) {
  const unsigned int lane = threadIdx.x & 31u;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long key = keys[i];
    const unsigned int peers = __match_any_sync(0xFFFFFFFFu, key);
    if ((peers & ((1u << lane) - 1u)) == 0u) {
      const unsigned int c = (unsigned int)__popc(peers);
#pragma unroll
      for (int r = 0; r < CMS_D; ++r) atomicAdd(&table[r * CMS_W + cms_col(key, r)], c);
    }
  }
}
// every key queried (the minimum over the rows; a warp's equal keys once); estimates at least threshold put in
// the candidate table (linear probing, atomicCAS on the key, the estimate beside it). stats: sum of estimates
// over the keys, candidates dropped (table full)
extern "C" __global__ void cms_query(const unsigned long long* __restrict__ keys, unsigned long long n,
                                     const unsigned int* __restrict__ table, unsigned int threshold,
                                     unsigned long long* cand, unsigned int* cest, unsigned long long* stats) {
  const unsigned int lane = threadIdx.x & 31u;
  unsigned long long sum = 0, dropped = 0;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long key = keys[i];
    const unsigned int peers = __match_any_sync(0xFFFFFFFFu, key);
    if ((peers & ((1u << lane) - 1u)) == 0u) {
      unsigned int est = 0xFFFFFFFFu;
#pragma unroll
      for (int r = 0; r < CMS_D; ++r) est = min(est, table[r * CMS_W + cms_col(key, r)]);
      sum += (unsigned long long)est * (unsigned int)__popc(peers);
      if (est >= threshold) {
        unsigned int s = (unsigned int)((key * 0x9E3779B97F4A7C15ull) >> (64 - CMS_CLOG)), probes = 0;
        for (;; s = (s + 1u) & ((1u << CMS_CLOG) - 1u)) {
          if (++probes > CMS_PROBES) {
            ++dropped;
            break;
          }
          const unsigned long long k = cand[s];
          if (k == key) break;
          if (k == CMS_EMPTY) {
            const unsigned long long old = atomicCAS(&cand[s], CMS_EMPTY, key);
            if (old == CMS_EMPTY) {
              cest[s] = est;
              break;
            }
            if (old == key) break;
          }
        }
      }
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    sum += __shfl_down_sync(0xFFFFFFFFu, sum, o);
    dropped += __shfl_down_sync(0xFFFFFFFFu, dropped, o);
  }
  if (lane == 0) {
    atomicAdd(&stats[0], sum);
    if (dropped) atomicAdd(&stats[1], dropped);
  }
}
"""


def _cms_src():
    a, b = _cms_params()
    return SPLITMIX_CUDA + fill_source(CMS_CUDA, D=CMS_D, LOGW=CMS_LOGW, CLOG=CMS_CLOG, RANKS=CMS_RANKS, S=repr(CMS_S),
                                       A=", ".join(f"0x{v:016x}ull" for v in a),
                                       B=", ".join(f"0x{v:016x}ull" for v in b))


CMS_SRC = _cms_src()
CMS_SAMPLE = 256  # random distinct keys checked, besides the heaviest


def cms(variant, clock):
    if variant != "sketch":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n, win = CMS_KEYS, CMS_WINDOW
    assert n % win == 0 and win % 32 == 0 and win < 1 << 32
    mod = cp.RawModule(code=_cms_src())
    stream, update, query = (mod.get_function(k) for k in ("cms_stream", "cms_update", "cms_query"))
    grid = sms() * 8
    keys = cp.empty(n, dtype=cp.uint64)
    stream((grid,), (256,), (keys, np.uint64(n), np.uint64(win), np.uint64(0xC45)))
    table = cp.zeros(CMS_D << CMS_LOGW, dtype=cp.uint32)
    cand = cp.empty(1 << CMS_CLOG, dtype=cp.uint64)
    cest = cp.zeros(1 << CMS_CLOG, dtype=cp.uint32)
    stats = cp.zeros(2, dtype=cp.uint64)
    threshold = win >> CMS_PHI_LOG
    done = [0, 0]  # windows processed, the last window's index

    def launch():  # the sketch cleared, the next window counted, then queried for heavy hitters
        w = done[0] % (n // win)
        part = keys[w * win:(w + 1) * win]
        table.fill(0)
        cand.fill(0xFFFFFFFFFFFFFFFF)
        update((grid,), (256,), (part, np.uint64(win), table))
        query((grid,), (256,), (part, np.uint64(win), table, np.uint32(threshold), cand, cest, stats))
        done[0] += 1
        done[1] = w
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    part = keys[done[1] * win:(done[1] + 1) * win]
    uk, uc = cp.unique(part, return_counts=True)  # exact counts of the last window
    uc = uc.astype(cp.int64)
    rows_exact = bool(cp.all(table.reshape(CMS_D, -1).sum(axis=1, dtype=cp.uint64) == win))
    order = cp.argsort(-uc)
    rng = np.random.default_rng(0xC5)
    pick = np.concatenate([order[:64].get(), rng.choice(len(uk), min(CMS_SAMPLE, len(uk)), replace=False)])
    a, b = _cms_params()
    pk = uk[cp.asarray(pick)].get()
    cols = _cms_cols(pk, a, b)
    est = np.min(np.stack([table[r * (1 << CMS_LOGW) + cp.asarray(c)].get().astype(np.int64)
                           for r, c in enumerate(cols)]), axis=0)
    true = uc[cp.asarray(pick)].get()
    under = int((est < true).sum())
    bound = np.e / (1 << CMS_LOGW) * win
    within = int((est - true <= bound).sum())
    hk, he = cand.get(), cest.get().astype(np.int64)
    have = hk != np.uint64(0xFFFFFFFFFFFFFFFF)
    hk, he = hk[have], he[have]
    top_sketch = [int(v) for v in hk[np.argsort(-he, kind="stable")][:CMS_TOP]]
    top_true = [int(v) for v in uk[order[:CMS_TOP]].get()]
    heavy = set(int(v) for v in uk[uc >= threshold].get())
    found = heavy <= set(int(v) for v in hk)
    ok = rows_exact and under == 0 and within >= len(pick) * (1 - np.exp(-CMS_D)) - 1 and \
        top_sketch == top_true and found
    ps = max(1, done[0])
    note(f"cms/{variant}: {done[0]} windows of {win} keys (stream of {n}, {len(uk)} distinct in the last, the "
         f"heaviest {int(uc[order[0]])} times), {CMS_D} x 2^{CMS_LOGW} counters, every row summing to the window: "
         f"{rows_exact}, {len(pick)} sampled keys: estimates below the true count {under}, within e N / w = "
         f"{bound:.0f} of it {within} (the bound allows {np.exp(-CMS_D) * 100:.1f} % over), {len(hk)} heavy-hitter "
         f"candidates (threshold {threshold}; all {len(heavy)} true ones found: {found}, "
         f"{int(stats[1])} dropped), top {CMS_TOP} agree with exact counts: {top_sketch == top_true}, mean estimate "
         f"a key {int(stats[0]) / (ps * win):.0f}, agree: {ok}, {per * 1e3:.2f} ms a window, {nl} a step")


# ---- bitmap --------------------------------------------------------------------------------------------------------

BM_CHUNK_LOG = 16  # rows a container: 2^16, 1024 64-bit words as a bitmap
BM_ARRAY_MAX = 4096  # roaring's rule: an array container holds at most 4096 rows
BM_TERMS, BM_LITS = 2, 3  # a query: OR of BM_TERMS ANDs of up to BM_LITS literals
BM_KEEP = 4  # queries whose result bitmaps are written out
BM_SEED = 0xB17


def _bm_plan(seed=0xB1D):
    """Each bitmap's density exponent (a row is in bitmap b with probability 2^-e_b) and the queries: int32
    [BM_QUERIES, BM_TERMS, BM_LITS] literals b | negated << 8, -1 where a term has fewer."""
    exps = [[1, 2, 3, 4, 5, 6, 8, 10, 12, 1, 3, 7][b % 12] for b in range(BM_MAPS)]
    rng = np.random.default_rng(seed)
    qs = np.full((BM_QUERIES, BM_TERMS, BM_LITS), -1, dtype=np.int32)
    for q in range(BM_QUERIES):
        for t in range(BM_TERMS):
            maps = rng.choice(BM_MAPS, BM_LITS, replace=False)
            for k in range(int(rng.integers(2, BM_LITS + 1))):
                neg = k > 0 and rng.random() < 0.3
                qs[q, t, k] = int(maps[k]) | (int(neg) << 8)
    return exps, qs


def _bm_words(b, e, w):
    """Words w (numpy uint64 array) of bitmap b with density exponent e, as bm_word makes them."""
    x = np.full(len(w), 0xFFFFFFFFFFFFFFFF, dtype=np.uint64)
    for k in range(e):
        x &= splitmix64_np(((w.astype(np.uint64) << np.uint64(6) | np.uint64(b)) << np.uint64(4) | np.uint64(k)) ^
                       np.uint64(BM_SEED))
    return x


BM_CUDA = r"""
#define BM_WORDS (1u << (%CLOG% - 6))
#define BM_ARRAY_MAX %AMAX%
#define BM_TERMS %TERMS%
#define BM_LITS %LITS%
#define BM_KEEP %KEEP%
#define BM_SEED %SEED%ull
// word w of bitmap b: each row in it with probability 2^-e (the AND of e random words)
__device__ __forceinline__ unsigned long long bm_word(unsigned int b, unsigned long long w, unsigned int e) {
  unsigned long long x = ~0ull;
  for (unsigned int k = 0; k < e; ++k) x &= splitmix(((w << 6 | b) << 4 | k) ^ BM_SEED);
  return x;
}
// rows of each (bitmap, chunk) container: a thread a word, warp sums, one atomic a warp
extern "C" __global__ void bm_card(const unsigned int* __restrict__ exps, unsigned int maps, unsigned int chunks,
                                   unsigned int* card) {
  const unsigned long long total = (unsigned long long)maps * chunks * BM_WORDS;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned int b = (unsigned int)(i / ((unsigned long long)chunks * BM_WORDS));
    const unsigned long long w = i % ((unsigned long long)chunks * BM_WORDS);
    const unsigned int c = (unsigned int)__popcll(bm_word(b, w, exps[b]));
    const unsigned int s = __reduce_add_sync(0xFFFFFFFFu, c);
    if ((threadIdx.x & 31u) == 0) atomicAdd(&card[(unsigned long long)b * chunks + w / BM_WORDS], s);
  }
}
// a block (256 threads) a container at byte offset off: a bitmap (card > BM_ARRAY_MAX) copied as words, else the
// sorted 16-bit rows: thread t takes words 4t .. 4t + 3, an exclusive scan of the threads' counts gives its place
extern "C" __global__ void __launch_bounds__(256) bm_pack(const unsigned int* __restrict__ exps, unsigned int chunks,
                                                          const unsigned int* __restrict__ card,
                                                          const unsigned long long* __restrict__ off,
                                                          unsigned char* store) {
  __shared__ unsigned int wsum[8];
  const unsigned long long ci = blockIdx.x;
  const unsigned int b = (unsigned int)(ci / chunks), t = threadIdx.x, lane = t & 31u;
  const unsigned long long w0 = (ci % chunks) * BM_WORDS;
  if (card[ci] > BM_ARRAY_MAX) {
    unsigned long long* o = (unsigned long long*)(store + off[ci]);
    for (unsigned int k = t; k < BM_WORDS; k += 256) o[k] = bm_word(b, w0 + k, exps[b]);
    return;
  }
  unsigned long long v[4];
  unsigned int c = 0;
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    v[k] = bm_word(b, w0 + 4 * t + k, exps[b]);
    c += (unsigned int)__popcll(v[k]);
  }
  unsigned int x = c;  // inclusive scan in the warp, then across warps
#pragma unroll
  for (int o = 1; o < 32; o <<= 1) {
    const unsigned int y = __shfl_up_sync(0xFFFFFFFFu, x, o);
    if (lane >= (unsigned int)o) x += y;
  }
  if (lane == 31) wsum[t >> 5] = x;
  __syncthreads();
  unsigned int pos = x - c;
  for (unsigned int q = 0; q < (t >> 5); ++q) pos += wsum[q];
  unsigned short* o = (unsigned short*)(store + off[ci]);
#pragma unroll
  for (int k = 0; k < 4; ++k)
    for (unsigned long long m = v[k]; m; m &= m - 1)
      o[pos++] = (unsigned short)((4 * t + k) * 64 + __ffsll((long long)m) - 1);
}
// a block a (chunk, query), 256 threads, thread t words t + 256 k: for each term the AND of its literals (a bitmap
// container read as words, an array container expanded into a shared-memory bitmap by atomicOr; negated
// literals complemented), the terms ORed; popcount to counts[q][chunk], the words of queries below BM_KEEP to res
extern "C" __global__ void __launch_bounds__(256) bm_query(const unsigned char* __restrict__ store,
                                                           const unsigned long long* __restrict__ off,
                                                           const unsigned int* __restrict__ card,
                                                           const int* __restrict__ qs, unsigned int chunks,
                                                           unsigned int* counts, unsigned long long* res) {
  __shared__ unsigned long long sh[BM_WORDS];
  __shared__ unsigned int red[8];
  const unsigned int c = blockIdx.x, q = blockIdx.y, t = threadIdx.x;
  unsigned long long out[BM_WORDS / 256];
#pragma unroll
  for (int k = 0; k < BM_WORDS / 256; ++k) out[k] = 0ull;
  for (int term = 0; term < BM_TERMS; ++term) {
    unsigned long long acc[BM_WORDS / 256];
#pragma unroll
    for (int k = 0; k < BM_WORDS / 256; ++k) acc[k] = ~0ull;
    bool any = false;
    for (int l = 0; l < BM_LITS; ++l) {
      const int lit = qs[(q * BM_TERMS + term) * BM_LITS + l];
      if (lit < 0) continue;
      any = true;
      const unsigned long long ci = (unsigned long long)(lit & 255) * chunks + c;
      const unsigned int n = card[ci];
      const unsigned long long flip = (lit >> 8) ? ~0ull : 0ull;
      if (n > BM_ARRAY_MAX) {
        const unsigned long long* wd = (const unsigned long long*)(store + off[ci]);
#pragma unroll
        for (int k = 0; k < BM_WORDS / 256; ++k) acc[k] &= wd[t + 256 * k] ^ flip;
      } else {
#pragma unroll
        for (int k = 0; k < BM_WORDS / 256; ++k) sh[t + 256 * k] = 0ull;
        __syncthreads();
        const unsigned short* arr = (const unsigned short*)(store + off[ci]);
        for (unsigned int e = t; e < n; e += 256) {
          const unsigned int p = arr[e];
          atomicOr(&sh[p >> 6], 1ull << (p & 63u));
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < BM_WORDS / 256; ++k) acc[k] &= sh[t + 256 * k] ^ flip;
        __syncthreads();
      }
    }
    if (any)
#pragma unroll
      for (int k = 0; k < BM_WORDS / 256; ++k) out[k] |= acc[k];
  }
  unsigned int pc = 0;
#pragma unroll
  for (int k = 0; k < BM_WORDS / 256; ++k) pc += (unsigned int)__popcll(out[k]);
  pc = __reduce_add_sync(0xFFFFFFFFu, pc);
  if ((t & 31u) == 0) red[t >> 5] = pc;
  __syncthreads();
  if (t == 0) {
    unsigned int s = 0;
    for (int k = 0; k < 8; ++k) s += red[k];
    counts[(unsigned long long)q * chunks + c] = s;
  }
  if (q < BM_KEEP)
#pragma unroll
    for (int k = 0; k < BM_WORDS / 256; ++k)
      res[((unsigned long long)q * chunks + c) * BM_WORDS + t + 256 * k] = out[k];
}
"""
BM_SRC = SPLITMIX_CUDA + fill_source(BM_CUDA, CLOG=BM_CHUNK_LOG, AMAX=BM_ARRAY_MAX, TERMS=BM_TERMS, LITS=BM_LITS,
                                     KEEP=BM_KEEP, SEED=BM_SEED)


def _bm_eval(words, qs):
    """Each query over dense words (dict bitmap -> numpy uint64 words), as bm_query evaluates it."""
    out = []
    for q in qs:
        res = None
        for term in q:
            acc = None
            for lit in term:
                if lit < 0:
                    continue
                v = words[int(lit) & 255]
                v = ~v if lit >> 8 else v
                acc = v if acc is None else acc & v
            if acc is not None:
                res = acc if res is None else res | acc
        out.append(res)
    return out


def bitmap(variant, clock):
    if variant != "index":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    chunks, cw = BM_ROWS >> BM_CHUNK_LOG, 1 << (BM_CHUNK_LOG - 6)
    assert BM_ROWS % (1 << BM_CHUNK_LOG) == 0 and BM_MAPS <= 256 and cw == 1024 and BM_KEEP <= BM_QUERIES
    exps, qs = _bm_plan()
    mod = cp.RawModule(code=BM_SRC)
    card_k, pack, query = (mod.get_function(k) for k in ("bm_card", "bm_pack", "bm_query"))
    d_exps = cp.asarray(np.array(exps, dtype=np.uint32))
    card = cp.zeros(BM_MAPS * chunks, dtype=cp.uint32)
    card_k((sms() * 8,), (256,), (d_exps, np.uint32(BM_MAPS), np.uint32(chunks), card))
    size = cp.where(card > BM_ARRAY_MAX, cw * 8, (card.astype(cp.uint64) * 2 + 15) // 16 * 16).astype(cp.uint64)
    off = cp.zeros(BM_MAPS * chunks + 1, dtype=cp.uint64)
    off[1:] = cp.cumsum(size)
    store = cp.zeros(int(off[-1]) + 16, dtype=cp.uint8)
    pack((BM_MAPS * chunks,), (256,), (d_exps, np.uint32(chunks), card, off, store))
    d_qs = cp.asarray(qs)
    counts = cp.zeros(BM_QUERIES * chunks, dtype=cp.uint32)
    res = cp.zeros(BM_KEEP * chunks * cw, dtype=cp.uint64)
    done = [0]

    def launch():  # every query over every chunk
        query((chunks, BM_QUERIES), (256,), (store, off, card, d_qs, np.uint32(chunks), counts, res))
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    # NumPy on a slice: the first 4 chunks and the last, every bitmap regenerated, every query evaluated
    sl = list(range(min(4, chunks))) + ([chunks - 1] if chunks > 4 else [])
    w = np.concatenate([np.arange(c * cw, (c + 1) * cw, dtype=np.uint64) for c in sl])
    words = {b: _bm_words(b, exps[b], w) for b in range(BM_MAPS)}
    want = _bm_eval(words, qs)
    hc = counts.get().reshape(BM_QUERIES, chunks)
    got_counts = hc[:, sl]
    want_counts = np.stack([popcount64(v.reshape(len(sl), cw)).sum(axis=1) for v in want])
    counts_ok = bool(np.array_equal(got_counts, want_counts))
    hres = res.get().reshape(BM_KEEP, chunks, cw)
    res_ok = all(np.array_equal(hres[q][sl].reshape(-1), want[q]) for q in range(BM_KEEP))
    hcard = card.get().reshape(BM_MAPS, chunks)
    card_ok = all(np.array_equal(hcard[b, sl], popcount64(words[b].reshape(len(sl), cw)).sum(axis=1))
                  for b in range(BM_MAPS))
    arrays = int((hcard <= BM_ARRAY_MAX).sum())
    total = int(hc.sum(dtype=np.int64))
    note(f"bitmap/{variant}: {done[0]} passes of {BM_QUERIES} queries over {BM_MAPS} bitmaps of {BM_ROWS} rows "
         f"({chunks} chunks; {arrays} array and {BM_MAPS * chunks - arrays} bitmap containers, "
         f"{int(off[-1]) >> 20} MiB), {total} rows matched a pass ({total / (BM_QUERIES * BM_ROWS) * 100:.2f} % "
         f"a query), counts on {len(sl)} chunks equal NumPy's: {counts_ok}, materialised results equal: {res_ok}, "
         f"container cardinalities equal: {card_ok}, agree: {counts_ok and res_ok and card_ok}, "
         f"{per * 1e3:.2f} ms a pass, {nl} a step")


# ---- ghash ---------------------------------------------------------------------------------------------------------

GH_SECTOR = 4096  # bytes a sector (a GHASH message)
GH_KEYS = 64
GH_POLY = 0xE1 << 120  # x^128 = x^7 + x^2 + x + 1, bit-reflected as GCM writes it


def _gf_mul(x, y):
    """Product in GF(2^128) as SP 800-38D defines it (128-bit integers, the first byte's top bit the x^0
    coefficient)."""
    z, v = 0, y
    for i in range(128):
        if (x >> (127 - i)) & 1:
            z ^= v
        v = (v >> 1) ^ GH_POLY if v & 1 else v >> 1
    return z


def _ghash(h, data):
    """GHASH of bytes (a multiple of 16) under the hash key h."""
    y = 0
    for o in range(0, len(data), 16):
        y = _gf_mul(y ^ int.from_bytes(data[o:o + 16], "big"), h)
    return y


def _gh_keys(seed=0x6C3):
    """The hash keys H_k (random 128-bit: AES_K(0) for keys we do not need to know)."""
    w = splitmix64_np(np.arange(2 * GH_KEYS, dtype=np.uint64) + np.uint64(seed))
    return [int(w[2 * k]) << 64 | int(w[2 * k + 1]) for k in range(GH_KEYS)]


def _gh_r4():
    """The reduction of the 4 bits shifted out of Z by Z x^4: bit i of r is the coefficient of x^(127 - i), times
    x^4 it is x^(3 - i) x^128 = x^(3 - i) (x^7 + x^2 + x + 1); as the high 64 bits (the low ones are 0)."""
    out = []
    for r in range(16):
        acc = 0
        for i in range(4):
            if (r >> i) & 1:
                acc ^= GH_POLY >> (3 - i)
        out.append(acc >> 64)
    return out


def _gh_tables():
    """Shoup's 4-bit tables: entry v of key k is P_v H_k, P_v the polynomial of nibble v (its top bit x^0):
    uint64 [GH_KEYS * 16, 2] (high, low halves)."""
    t = np.zeros((GH_KEYS * 16, 2), dtype=np.uint64)
    for k, h in enumerate(_gh_keys()):
        for v in range(16):
            p = _gf_mul(v << 124, h)
            t[k * 16 + v] = (p >> 64, p & ((1 << 64) - 1))
    return t


GH_CUDA = r"""
#define GH_SECTOR %SECTOR%
#define GH_KEYS %KEYS%
__constant__ unsigned long long GH_R4[16] = {%R4%};
__device__ __forceinline__ unsigned long long gh_be(unsigned int a, unsigned int b) {
  return (unsigned long long)__byte_perm(a, 0, 0x0123) << 32 | __byte_perm(b, 0, 0x0123);
}
// (hi, lo) <- (hi, lo) H, H given by its 16-entry table (th, tl): Horner over the 32 nibbles from the last, each
// step Z x^4 (shift right 4, the 4 bits out reduced through r4) plus the table entry of the nibble
__device__ __forceinline__ void gh_mul(unsigned long long& hi, unsigned long long& lo, const unsigned long long* th,
                                       const unsigned long long* tl, const unsigned long long* r4) {
  unsigned long long zh = 0, zl = 0;
#pragma unroll
  for (int j = 31; j >= 0; --j) {
    const unsigned int v = (unsigned int)((j >= 16 ? lo >> (4 * (31 - j)) : hi >> (4 * (15 - j))) & 15u);
    const unsigned int r = (unsigned int)zl & 15u;
    zl = (zl >> 4) | (zh << 60);
    zh = (zh >> 4) ^ r4[r];
    zh ^= th[v];
    zl ^= tl[v];
  }
  hi = zh;
  lo = zl;
}
// a thread a sector s (key s mod GH_KEYS): GHASH over its AAD block (sector number, key number: big-endian 64-bit),
// its GH_SECTOR / 16 data blocks and the length block (128 bits of AAD, GH_SECTOR * 8 of data); the tables of
// every key and the reduction table in shared memory
extern "C" __global__ void __launch_bounds__(128) gh_sectors(const uint4* __restrict__ data, unsigned long long sectors,
                                                             const unsigned long long* __restrict__ tables,
                                                             unsigned long long* tags) {
  __shared__ unsigned long long th[GH_KEYS * 16], tl[GH_KEYS * 16], r4[16];
  for (int e = threadIdx.x; e < GH_KEYS * 16; e += blockDim.x) {
    th[e] = tables[2 * e];
    tl[e] = tables[2 * e + 1];
  }
  if (threadIdx.x < 16) r4[threadIdx.x] = GH_R4[threadIdx.x];
  __syncthreads();
  for (unsigned long long s = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; s < sectors;
       s += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned int k = (unsigned int)(s % GH_KEYS);
    const unsigned long long* kh = th + 16 * k;
    const unsigned long long* kl = tl + 16 * k;
    unsigned long long yh = s, yl = k;
    gh_mul(yh, yl, kh, kl, r4);
    const uint4* p = data + s * (GH_SECTOR / 16);
    for (int b = 0; b < GH_SECTOR / 16; ++b) {
      const uint4 x = p[b];
      yh ^= gh_be(x.x, x.y);
      yl ^= gh_be(x.z, x.w);
      gh_mul(yh, yl, kh, kl, r4);
    }
    yh ^= 128ull;
    yl ^= (unsigned long long)GH_SECTOR * 8;
    gh_mul(yh, yl, kh, kl, r4);
    tags[2 * s] = yh;
    tags[2 * s + 1] = yl;
  }
}
"""


def _gh_src():
    return fill_source(GH_CUDA, SECTOR=GH_SECTOR, KEYS=GH_KEYS, R4=", ".join(f"0x{v:016x}ull" for v in _gh_r4()))


GH_SRC = _gh_src()
GH_CHECK = 4  # sectors checked against Python


def ghash(variant, clock):
    if variant != "gcm":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    sectors = GH_BYTES // GH_SECTOR
    assert GH_BYTES % GH_SECTOR == 0 and GH_SECTOR % 16 == 0 and sectors >= GH_CHECK
    table = _gh_tables()
    mod = cp.RawModule(code=_gh_src())
    sect = mod.get_function("gh_sectors")
    data = splitmix_words(GH_BYTES // 4, 0x6C4D)
    d_table = cp.asarray(table.reshape(-1))
    tags = cp.empty(2 * sectors, dtype=cp.uint64)
    grid = min((sectors + 127) // 128, sms() * 16)
    done = [0]

    def launch():  # every sector authenticated once
        sect((grid,), (128,), (data, np.uint64(sectors), d_table, tags))
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    keys = _gh_keys()
    picks = sorted({0, 1, sectors // 2 + 3, sectors - 1})[:GH_CHECK]
    ht = tags.get()
    agree = 0
    for s in picks:
        k = s % GH_KEYS
        msg = s.to_bytes(8, "big") + k.to_bytes(8, "big") + data[s * GH_SECTOR // 4:(s + 1) * GH_SECTOR // 4].get() \
            .astype("<u4").tobytes() + (128).to_bytes(8, "big") + (GH_SECTOR * 8).to_bytes(8, "big")
        agree += _ghash(keys[k], msg) == (int(ht[2 * s]) << 64 | int(ht[2 * s + 1]))
    fold = int(np.bitwise_xor.reduce(ht))
    note(f"ghash/{variant}: {done[0]} passes of GHASH over {sectors} {GH_SECTOR}-byte sectors ({GH_BYTES >> 20} MiB, "
         f"{GH_KEYS} hash keys, 4-bit tables in shared memory), tags xor {fold:016x}, {agree}/{len(picks)} sector "
         f"tags agree with a Python GF(2^128) GHASH: {agree == len(picks)}, {per * 1e3:.2f} ms a pass "
         f"({GH_BYTES / per / 1e9:.0f} GB/s), {nl} a step")


# ---- fse -----------------------------------------------------------------------------------------------------------

FS_LOG = 11  # table log: 2048 states
FS_CHUNK = 8192  # bytes a stream


def _fs_model(seed=0xF5E):
    """The source law as normalised counts n_s (every symbol at least 1, summing to 2^FS_LOG: a Zipf-like law
    over a shuffled alphabet), FSE's symbol spread, the decoding table (symbol | bits << 8 | next-state base << 16)
    and the encoder's tables: per symbol n | floor(log2 n) << 12 | first index << 16, and for each symbol's
    x = n .. 2n - 1 the state that decodes to it. Also the 2^FS_LOG-entry sampling table of the source."""
    size = 1 << FS_LOG
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, 257) ** 1.25
    q = np.maximum(1, np.floor(p / p.sum() * size)).astype(np.int64)
    q[0] += size - q.sum()
    q = q[np.argsort(rng.permutation(256))]
    spread, pos, step = np.zeros(size, dtype=np.int64), 0, (size >> 1) + (size >> 3) + 3
    for s in range(256):
        for _ in range(q[s]):
            spread[pos] = s
            pos = (pos + step) & (size - 1)
    assert pos == 0
    cum = np.concatenate([[0], np.cumsum(q)[:-1]])
    nxt = q.copy()
    dec = np.zeros(size, dtype=np.uint32)
    enc = np.zeros(size, dtype=np.uint16)
    for u in range(size):
        s = spread[u]
        x = int(nxt[s])
        nxt[s] += 1
        nb = FS_LOG - (x.bit_length() - 1)
        dec[u] = s | nb << 8 | ((x << nb) - size) << 16
        enc[cum[s] + x - q[s]] = u
    sym = np.array([int(q[s]) | (int(q[s]).bit_length() - 1) << 12 | int(cum[s]) << 16 for s in range(256)],
                   dtype=np.uint32)
    sample = np.repeat(np.arange(256), q).astype(np.uint8)
    return q, dec, enc, sym, sample


def _fs_encode_py(data, q, enc):
    """The stream of bytes as fs_encode writes it: (32-bit words, bit count)."""
    size = 1 << FS_LOG
    q, enc = [int(v) for v in q], [int(v) for v in enc]
    cum = [sum(q[:s]) for s in range(256)]
    x, acc, nbits = size, 0, 0
    for s in reversed(list(data)):
        m = int(q[s]).bit_length() - 1
        nb = FS_LOG - m - ((x >> (FS_LOG - m)) < q[s])
        acc |= (x & ((1 << nb) - 1)) << nbits
        nbits += nb
        x = size + int(enc[cum[s] + (x >> nb) - q[s]])
    acc |= (x - size) << nbits
    nbits += FS_LOG
    return [(acc >> (32 * k)) & 0xFFFFFFFF for k in range((nbits + 31) // 32)], nbits


def _fs_decode_py(words, nbits, count, dec):
    """count symbols decoded from a stream (bits read back from its end)."""
    acc = sum(int(w) << (32 * k) for k, w in enumerate(words))
    dec = [int(v) for v in dec]
    q = nbits - FS_LOG
    state = (acc >> q) & ((1 << FS_LOG) - 1)
    out = []
    for _ in range(count):
        e = dec[state]
        nb = (e >> 8) & 15
        q -= nb
        out.append(e & 255)
        state = (e >> 16) + ((acc >> q) & ((1 << nb) - 1))
    return bytes(out), q


FS_CUDA = SPLITMIX_CUDA + r"""
#define FS_LOG %LOG%
#define FS_SIZE (1u << FS_LOG)
#define FS_CHUNK %CHUNK%
// the source: 4 bytes from each splitmix64, each the sampling table's entry at FS_LOG of its bits
extern "C" __global__ void fs_source(unsigned int* src, unsigned long long words,
                                     const unsigned char* __restrict__ sample, unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long h = splitmix(i ^ seed);
    unsigned int w = 0;
#pragma unroll
    for (int b = 0; b < 4; ++b) w |= (unsigned int)sample[(h >> (FS_LOG * b)) & (FS_SIZE - 1)] << (8 * b);
    src[i] = w;
  }
}
// one encoder step from state x (FS_SIZE .. 2 FS_SIZE - 1) for symbol info e: the bits to write (their count in
// *nb), the next state
__device__ __forceinline__ unsigned int fs_step(unsigned int x, unsigned int e, const unsigned short* enc,
                                                unsigned int* nb) {
  const unsigned int n = e & 4095u, m = (e >> 12) & 15u, cum = e >> 16;
  const unsigned int k = FS_LOG - m - ((x >> (FS_LOG - m)) < n ? 1u : 0u);
  *nb = k;
  return FS_SIZE + enc[cum + (x >> k) - n];
}
// a thread a stream, the encoder run backwards over its bytes: bits[c] = its bit count (symbols' bits + the final
// state), or, where write is set, the bits written LSB first into 32-bit words of stream from off[c]
extern "C" __global__ void fs_encode(const unsigned char* __restrict__ src, unsigned long long streams,
                                     const unsigned int* __restrict__ sym, const unsigned short* __restrict__ enc,
                                     const long long* __restrict__ off, unsigned int* bits, unsigned int* stream,
                                     unsigned int write) {
  __shared__ unsigned int ssym[256];
  __shared__ unsigned short senc[FS_SIZE];
  for (unsigned int e = threadIdx.x; e < FS_SIZE; e += blockDim.x) senc[e] = enc[e];
  for (unsigned int e = threadIdx.x; e < 256; e += blockDim.x) ssym[e] = sym[e];
  __syncthreads();
  for (unsigned long long c = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; c < streams;
       c += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned char* s = src + c * FS_CHUNK;
    unsigned int* p = write ? stream + off[c] : nullptr;
    unsigned int x = FS_SIZE, cnt = 0, total = 0, nb;
    unsigned long long acc = 0;
    for (int k = FS_CHUNK - 1; k >= 0; --k) {
      const unsigned int y = fs_step(x, ssym[s[k]], senc, &nb);
      acc |= (unsigned long long)(x & ((1u << nb) - 1u)) << cnt;
      cnt += nb;
      total += nb;
      x = y;
      if (cnt >= 32) {
        if (p) *p++ = (unsigned int)acc;
        acc >>= 32;
        cnt -= 32;
      }
    }
    acc |= (unsigned long long)(x - FS_SIZE) << cnt;
    cnt += FS_LOG;
    total += FS_LOG;
    if (p) {
      for (; cnt >= 32; cnt -= 32, acc >>= 32) *p++ = (unsigned int)acc;
      if (cnt) *p = (unsigned int)acc;
    } else {
      bits[c] = total;
    }
  }
}
// sum over a stream's output words of word * (2k + 1), k its index in the stream (mod 2^64), summed over streams
__device__ __forceinline__ unsigned long long fs_mix(unsigned int w, unsigned int k) {
  return (unsigned long long)w * (2ull * k + 1ull);
}
extern "C" __global__ void fs_checksum(const unsigned int* __restrict__ data, unsigned long long words,
                                       unsigned long long* out) {
  unsigned long long s = 0;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x)
    s += fs_mix(data[i], (unsigned int)(i % (FS_CHUNK / 4)));
  for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xFFFFFFFFu, s, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(out, s);
}
// a thread a stream: bits read back from its end through a 64-bit container holding bits lo .. lo + 63 (lo a
// multiple of 32, moved down a word when the next read would pass it), the first FS_LOG bits the state, then
// per symbol: entry = table[state] (symbol, bit count, next-state base), state = base + the next bits; 4 symbols a
// 32-bit output word. stats[0]: output checksum, stats[1]: streams not ending exactly at bit 0
extern "C" __global__ void __launch_bounds__(128) fs_decode(const unsigned int* __restrict__ stream,
                                                            const long long* __restrict__ off,
                                                            const unsigned int* __restrict__ bits,
                                                            unsigned long long streams,
                                                            const unsigned int* __restrict__ table, unsigned int* out,
                                                            unsigned long long* stats) {
  __shared__ unsigned int tab[FS_SIZE];
  for (unsigned int e = threadIdx.x; e < FS_SIZE; e += blockDim.x) tab[e] = table[e];
  __syncthreads();
  unsigned long long sum = 0, bad = 0;
  for (unsigned long long c = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; c < streams;
       c += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned int* w = stream + off[c];
    unsigned int q = bits[c];
    int lo = (int)((q + 31u) / 32u * 32u) - 64;
    lo = lo < 0 ? 0 : lo;
    unsigned long long cont = (unsigned long long)w[lo / 32 + 1] << 32 | w[lo / 32];
    q -= FS_LOG;
    unsigned int state = (unsigned int)(cont >> (q - lo)) & (FS_SIZE - 1u);
    unsigned int* o = out + c * (FS_CHUNK / 4);
    for (unsigned int k = 0; k < FS_CHUNK / 4; ++k) {
      unsigned int word = 0;
#pragma unroll
      for (int b = 0; b < 4; ++b) {
        const unsigned int e = tab[state], nb = (e >> 8) & 15u;
        if ((int)(q - nb) < lo && lo > 0) {
          lo -= 32;
          cont = cont << 32 | w[lo / 32];
        }
        q -= nb;
        state = (e >> 16) + ((unsigned int)(cont >> (q - lo)) & ((1u << nb) - 1u));
        word |= (e & 255u) << (8 * b);
      }
      o[k] = word;
      sum += fs_mix(word, k);
    }
    bad += q != 0;
  }
  for (int s = 16; s > 0; s >>= 1) {
    sum += __shfl_down_sync(0xFFFFFFFFu, sum, s);
    bad += __shfl_down_sync(0xFFFFFFFFu, bad, s);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&stats[0], sum);
    if (bad) atomicAdd(&stats[1], bad);
  }
}
"""
FS_SRC = fill_source(FS_CUDA, LOG=FS_LOG, CHUNK=FS_CHUNK)


def fse(variant, clock):
    if variant != "decode":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert FS_BYTES % FS_CHUNK == 0 and FS_CHUNK % 4 == 0 and FS_LOG <= 12
    q, dec, enc, sym, sample = _fs_model()
    mod = cp.RawModule(code=FS_SRC)
    source, encode, checksum, decode = (mod.get_function(k) for k in ("fs_source", "fs_encode", "fs_checksum",
                                                                      "fs_decode"))
    grid, streams, words = sms() * 8, FS_BYTES // FS_CHUNK, FS_BYTES // 4
    src = cp.empty(words, dtype=cp.uint32)
    source((grid,), (256,), (src, np.uint64(words), cp.asarray(sample), np.uint64(0xF5EED)))
    d_sym, d_enc = cp.asarray(sym), cp.asarray(enc)
    bits = cp.empty(streams, dtype=cp.uint32)
    off = cp.zeros(streams + 1, dtype=cp.int64)
    sgrid = ((streams + 63) // 64,)
    encode(sgrid, (64,), (src, np.uint64(streams), d_sym, d_enc, off, bits, bits, np.uint32(0)))
    off[1:] = cp.cumsum((bits.astype(cp.int64) + 31) // 32)
    total = int(off[streams])
    stream = cp.zeros(total + 2, dtype=cp.uint32)  # the decoder's first read may take the word after a stream
    encode(sgrid, (64,), (src, np.uint64(streams), d_sym, d_enc, off, bits, stream, np.uint32(1)))
    want = cp.zeros(1, dtype=cp.uint64)
    checksum((grid,), (256,), (src, np.uint64(words), want))
    out = cp.empty(words, dtype=cp.uint32)
    stats = cp.zeros(2, dtype=cp.uint64)
    d_dec = cp.asarray(dec)
    done = [0]

    def launch():  # every stream decoded once
        decode(((streams + 127) // 128,), (128,), (stream, off, bits, np.uint64(streams), d_dec, out, stats))
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    ps = max(1, done[0])
    sums = (int(stats[0]) - int(want[0]) * ps) % (1 << 64) == 0
    wrong = int(cp.count_nonzero(out != src))
    ragged = int(stats[1])
    # the first and last streams: Python's decoder on the GPU's bits, Python's encoder against the GPU's words
    hoff, hbits = off.get(), bits.get()
    py_ok = True
    for c in (0, streams - 1):
        raw = src[c * FS_CHUNK // 4:(c + 1) * FS_CHUNK // 4].get().astype("<u4").tobytes()
        gw = stream[int(hoff[c]):int(hoff[c + 1])].get()
        dec_py, left = _fs_decode_py(gw.tolist(), int(hbits[c]), FS_CHUNK, dec)
        enc_py, nb_py = _fs_encode_py(raw, q, enc)
        py_ok &= dec_py == raw and left == 0 and enc_py == gw.tolist() and nb_py == int(hbits[c])
    p = q / q.sum()
    entropy = float(-(p * np.log2(p)).sum())
    ok = wrong == 0 and sums and ragged == 0 and py_ok
    note(f"fse/{variant}: {done[0]} decodes of {FS_BYTES >> 20} MiB in {streams} streams of {FS_CHUNK >> 10} KiB from "
         f"{total * 4 >> 20} MiB of code ({int(bits.sum(dtype=cp.int64)) / FS_BYTES:.3f} bits a byte, table entropy "
         f"{entropy:.3f}, {1 << FS_LOG} states), output words differing from the source: {wrong}, checksums agree: "
         f"{sums}, streams not ending at bit 0: {ragged}, two streams agree with Python's encoder and decoder: "
         f"{py_ok}, agree: {ok}, {per * 1e3:.2f} ms a decode ({FS_BYTES / per / 1e9:.0f} GB/s), {nl} a step")
