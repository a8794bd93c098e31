"""ECDSA batch verification, LZ4 decompression, JSON structural indexing, xor-filter construction, rendezvous
hashing, SimHash near-duplicate detection and compressed posting-list intersection (label 0).

An eighth set of benign work that resembles mining in GPU-telemetry terms (the integer pipe busy, little or no
floating point or tensor work, 64-bit multiplies and mixing, random memory access), taken from data-centre jobs the
model has no kin of yet: a blockchain node or an exchange verifying transactions, a block store decompressing, a
log pipeline indexing JSON, a database building filters, a load balancer placing keys, a crawler deduplicating and
a search engine answering queries.

  ecdsa       batch ECDSA signature verification on secp256k1: 2^22 signatures (made on the GPU at set-up from
              splitmix keys and nonces, the first 8 made in Python with known keys), a rotating slice of 2^18 a
              launch, a fresh eighth of them corrupted (a bit of the message hash flipped). A thread a signature:
              w = s^-1 (Fermat, Montgomery arithmetic mod the group order), u1 = z w, u2 = r w, u1 G by a fixed-base
              comb (64 precomputed windows of 15 multiples of 16^j G, mixed additions, no doublings), u2 Q by a 4-bit
              window over the signature's own table of 15 multiples (Jacobian), the sum's x compared with r without
              an inversion. Field arithmetic mod p = 2^256 - 2^32 - 977 on 8 32-bit limbs with the special-form
              reduction (the high half folded back times 2^32 + 977). Why: per-thread independent 256-bit multiply
              chains, as multiply-heavy hashing runs, unlike the MSM's bucket atomics
  lz4         LZ4 block decompression of 1 GiB of synthetic log text in independent 64 KiB blocks (compressed on
              the GPU at set-up by a greedy hash-chain-free LZ4 encoder, a thread a block), a warp a block: every
              lane parses the same token (literal and match lengths with 255-continuation bytes, 16-bit offsets),
              literals and matches copied 32 bytes at a time (overlapping matches a period at a time). Output
              compared with the source. Why: byte-granular copies and branchy parsing on the integer pipe
  json        simdjson stage-1-like structural indexing of 1 GiB of JSON lines (objects with numbers, escaped
              strings, an array and a base64 field): a thread a 64-byte word builds backslash, quote and structural
              bitmasks (odd backslash runs, carry-less prefix XOR for the in-string mask, a block scan and a
              scan over blocks for the in-string carry), structural positions compacted into an index; then a thread
              a line finds its "blob" field through the index and base64-decodes it. Why: bit tricks and popcounts
              over streamed text, as data-parallel hashing looks
  xorfilter   xor-filter (3-wise, 8-bit fingerprints) construction over 2^26 fresh 64-bit keys a launch: three
              hashed slots a key, counts and xor-of-keys by atomics, peeling in rounds (singletons queued, the key
              claimed by its first singleton slot, its other slots decremented by atomics), fingerprints assigned
              round by round in reverse, then 2^27 membership queries (half present). Why: random 64-bit atomics
              and byte gathers over tables larger than L2, as memory-hard mining's traffic
  rendezvous  a load balancer's key placement: 2^26 keys (a key store) over 64..256 nodes (the count and the node
              seeds changing every launch), highest-random-weight: a murmur3-finaliser score for every key-node
              pair and the argmax; and Google's jump consistent hash of each key; per-node counts by shared-memory
              atomics. Why: nothing but 64-bit multiply-xorshift mixing, the closest benign kin of compute-bound
              hashing
  simhash     near-duplicate detection: SimHash fingerprints of 2^23 short documents (1 GiB of token ids, a tenth
              copies of an earlier one: a third exact, the rest with its last, or first and last, token changed): a 64-bit hash a 3-token shingle, a signed
              count a bit, the signs; then Hamming-distance <= 3 search by four 16-bit bands (the band split rotated
              each launch): counting sort of the fingerprints by band value, a block a bucket comparing its pairs
              with popcounts. Why: 64-bit hash mixing of data, then random scatters and popcounts
  postings    a search engine's conjunctive queries: 2^20 terms' posting lists over 2^25 documents (Zipf-like
              document frequencies, about 2^28 postings), stored as blocks of 128 delta-coded ids bit-packed at each
              block's width (frame of reference) with skip entries; 2^16 fresh two-term queries a launch, a warp a
              query: blocks unpacked by funnel shifts and a warp prefix sum, the longer list's blocks skipped by
              binary search over its skip entries (galloping), ids matched by binary search. Why: bit unpacking,
              scans and data-dependent branches on the integer pipe

Each launch is sized to take a few to tens of ms on an H200; a step is as many launches as make about 50 ms
(timed at set-up, before READY). A summary line (counts, a self-check against Python or NumPy references, "agree:")
goes to stderr at the end.
"""

import base64
import functools
import hashlib
import json as _json

import numpy as np

from common import (SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, jacobian_a0_cuda, note,
                    popcount64, repeat_step, sms, splitmix64_np, splitmix_words)

# sizes (module constants so a test can shrink them)
ES_SIGS = 1 << 22
ES_BATCH = 1 << 18
LZ_BYTES = 1 << 30
JS_LINES = 1 << 22
XF_KEYS = 1 << 26
RV_KEYS = 1 << 26
SH_DOCS = 1 << 23
PL_TERMS = 1 << 20
PL_DOCS = 1 << 25
PL_QUERIES = 1 << 16


def _limbs(x, n=8):
    return [(x >> (32 * k)) & 0xFFFFFFFF for k in range(n)]


def _int(words):
    """The integer of little-endian 32-bit limbs (numpy row or list)."""
    return int.from_bytes(np.asarray(words, dtype="<u4").tobytes(), "little")


def _cuda_limbs(x):
    return ", ".join(f"0x{v:08x}u" for v in _limbs(x))


def _mix64_np(x):
    """murmur3's 64-bit finaliser (fmix64) of a uint64 numpy array, as MIX64_CUDA computes it."""
    with np.errstate(over="ignore"):
        x = np.asarray(x, dtype=np.uint64)
        x = (x ^ (x >> np.uint64(33))) * np.uint64(0xFF51AFD7ED558CCD)
        x = (x ^ (x >> np.uint64(33))) * np.uint64(0xC4CEB9FE1A85EC53)
        return x ^ (x >> np.uint64(33))


MIX64_CUDA = r"""
// murmur3's 64-bit finaliser
__device__ __forceinline__ unsigned long long fmix64(unsigned long long x) {
  x = (x ^ (x >> 33)) * 0xFF51AFD7ED558CCDull;
  x = (x ^ (x >> 33)) * 0xC4CEB9FE1A85EC53ull;
  return x ^ (x >> 33);
}
"""


# ---- ecdsa ---------------------------------------------------------------------------------------------------------

SECP_P = (1 << 256) - (1 << 32) - 977
SECP_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP_G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
          0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)
ES_PY = 8  # signatures made in Python with known keys (indices 0 .. ES_PY - 1)
ES_CORRUPT = 8  # a signature is corrupted in a launch with probability 1 / ES_CORRUPT


def _secp_add(P, Q):
    """Affine addition on y^2 = x^3 + 7 mod SECP_P (None is the point at infinity)."""
    p = SECP_P
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


def _secp_mul(k, P):
    R = None
    while k:
        if k & 1:
            R = _secp_add(R, P)
        P = _secp_add(P, P)
        k >>= 1
    return R


def _es_sign_py(d, z, k):
    R = _secp_mul(k, SECP_G)
    r = R[0] % SECP_N
    return r, pow(k, -1, SECP_N) * (z + r * d) % SECP_N


def _es_verify_py(z, r, s, Q):
    if not (0 < r < SECP_N and 0 < s < SECP_N):
        return False
    w = pow(s, -1, SECP_N)
    R = _secp_add(_secp_mul(z * w % SECP_N, SECP_G), _secp_mul(r * w % SECP_N, Q))
    return R is not None and R[0] % SECP_N == r


@functools.lru_cache(maxsize=None)
def _es_comb():
    """The fixed-base comb: entry 15 j + d - 1 is (d 16^j) G for windows j < 64 and digits d = 1..15, affine:
    uint32 [960, 16] (x limbs, y limbs)."""
    out, B = [], SECP_G
    for _ in range(64):
        P = None
        for _ in range(15):
            P = _secp_add(P, B)
            out.append(_limbs(P[0]) + _limbs(P[1]))
        for _ in range(4):
            B = _secp_add(B, B)
    return np.array(out, dtype=np.uint32)


def _es_py_sigs():
    """ES_PY signatures made here: key d_j and nonce from SHA-256 of labels, z the SHA-256 of a message; rows of 40
    limbs (z, r, s, Qx, Qy) as the GPU stores them."""
    rows = []
    for j in range(ES_PY):
        d = int.from_bytes(hashlib.sha256(f"abp-ecdsa-key-{j}".encode()).digest(), "big") % (SECP_N - 1) + 1
        z = int.from_bytes(hashlib.sha256(f"transfer {j} satoshi to account {j * 7919}".encode()).digest(), "big")
        k = int.from_bytes(hashlib.sha256(f"abp-ecdsa-nonce-{j}-{z}".encode()).digest(), "big") % (SECP_N - 1) + 1
        r, s = _es_sign_py(d, z, k)
        Q = _secp_mul(d, SECP_G)
        rows.append(_limbs(z) + _limbs(r) + _limbs(s) + _limbs(Q[0]) + _limbs(Q[1]))
    return np.array(rows, dtype=np.uint32)


ES_CUDA = r"""
// ---- field mod p = 2^256 - 2^32 - 977: 8 32-bit little-endian limbs, canonical (below p), normal form
struct fe { unsigned int v[8]; };
__constant__ unsigned int ES_P[8] = {%P%};
__constant__ unsigned int ES_PM2[8] = {%PM2%};
__constant__ unsigned int ES_PMN[8] = {%PMN%};  // p - n
__device__ __forceinline__ fe fe_load(const unsigned int* __restrict__ p) {
  fe r;
#pragma unroll
  for (int k = 0; k < 8; ++k) r.v[k] = p[k];
  return r;
}
__device__ __forceinline__ void fe_store(unsigned int* p, const fe& a) {
#pragma unroll
  for (int k = 0; k < 8; ++k) p[k] = a.v[k];
}
__device__ __forceinline__ fe fe_small(unsigned int x) {
  fe r;
#pragma unroll
  for (int k = 0; k < 8; ++k) r.v[k] = 0u;
  r.v[0] = x;
  return r;
}
__device__ __forceinline__ bool fe_is_zero(const fe& a) {
  unsigned int o = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) o |= a.v[k];
  return o == 0u;
}
__device__ __forceinline__ bool fe_eq(const fe& a, const fe& b) {
  unsigned int o = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) o |= a.v[k] ^ b.v[k];
  return o == 0u;
}
// a >= m for 8-limb numbers
__device__ __forceinline__ bool geq8(const unsigned int* a, const unsigned int* m) {
#pragma unroll
  for (int k = 7; k >= 0; --k)
    if (a[k] != m[k]) return a[k] > m[k];
  return true;
}
// a + 2^32 + 977 mod 2^256 (= a - p where a >= p or a wrapped past 2^256)
__device__ __forceinline__ void fe_addc(fe& a) {
  unsigned long long c = (unsigned long long)a.v[0] + 977u;
  a.v[0] = (unsigned int)c;
  c = (c >> 32) + a.v[1] + 1u;
  a.v[1] = (unsigned int)c;
  c >>= 32;
#pragma unroll
  for (int k = 2; k < 8; ++k) {
    c += a.v[k];
    a.v[k] = (unsigned int)c;
    c >>= 32;
  }
}
__device__ __forceinline__ fe fe_add(const fe& a, const fe& b) {
  fe r;
  unsigned long long c = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    c += (unsigned long long)a.v[k] + b.v[k];
    r.v[k] = (unsigned int)c;
    c >>= 32;
  }
  if (c || geq8(r.v, ES_P)) fe_addc(r);
  return r;
}
__device__ __forceinline__ fe fe_sub(const fe& a, const fe& b) {
  fe r;
  unsigned long long br = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    const unsigned long long s = (unsigned long long)a.v[k] - b.v[k] - br;
    r.v[k] = (unsigned int)s;
    br = s >> 63;
  }
  if (br) {  // + p = - (2^32 + 977) mod 2^256
    unsigned long long s = (unsigned long long)r.v[0] - 977u;
    r.v[0] = (unsigned int)s;
    br = s >> 63;
    s = (unsigned long long)r.v[1] - 1u - br;
    r.v[1] = (unsigned int)s;
    br = s >> 63;
#pragma unroll
    for (int k = 2; k < 8; ++k) {
      s = (unsigned long long)r.v[k] - br;
      r.v[k] = (unsigned int)s;
      br = s >> 63;
    }
  }
  return r;
}
// a b mod p: the 512-bit product, its high half h folded back as h (2^32 + 977), the (small) carry folded again
__device__ __forceinline__ fe fe_mul(const fe& a, const fe& b) {
  unsigned int t[16];
#pragma unroll
  for (int k = 0; k < 16; ++k) t[k] = 0u;
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    unsigned long long c = 0;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      c += (unsigned long long)a.v[j] * b.v[i] + t[i + j];
      t[i + j] = (unsigned int)c;
      c >>= 32;
    }
    t[i + 8] = (unsigned int)c;
  }
  fe r;
  unsigned long long c = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    c += (unsigned long long)t[k] + (unsigned long long)t[8 + k] * 977u + (k ? t[7 + k] : 0u);
    r.v[k] = (unsigned int)c;
    c >>= 32;
  }
  c += t[15];  // top < 2^34: r + top 2^256 = r + top (2^32 + 977) mod p
  unsigned long long d = (unsigned long long)r.v[0] + c * 977u;
  r.v[0] = (unsigned int)d;
  d = (d >> 32) + r.v[1] + c;
  r.v[1] = (unsigned int)d;
  d >>= 32;
#pragma unroll
  for (int k = 2; k < 8; ++k) {
    d += r.v[k];
    r.v[k] = (unsigned int)d;
    d >>= 32;
  }
  if (d) fe_addc(r);
  if (geq8(r.v, ES_P)) fe_addc(r);
  return r;
}
// 1 / a = a^(p - 2)
__device__ __noinline__ fe fe_inv(fe a) {
  fe r = fe_small(1u);
  for (int k = 255; k >= 0; --k) {
    r = fe_mul(r, r);
    if ((ES_PM2[k >> 5] >> (k & 31)) & 1u) r = fe_mul(r, a);
  }
  return r;
}
// ---- scalars mod n (the group order): Montgomery form, R = 2^256
struct sc { unsigned int v[8]; };
__constant__ unsigned int ES_N[8] = {%N%};
__constant__ unsigned int ES_NM2[8] = {%NM2%};
__constant__ unsigned int ES_R1[8] = {%R1%};  // R mod n
__constant__ unsigned int ES_R2[8] = {%R2%};  // R^2 mod n
#define ES_NP %NP%u
__device__ __forceinline__ void sc_subn(unsigned int* a) {
  unsigned long long br = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    const unsigned long long s = (unsigned long long)a[k] - ES_N[k] - br;
    a[k] = (unsigned int)s;
    br = s >> 63;
  }
}
// a b / R mod n (CIOS; a < 2^256, b < n), canonical
__device__ __forceinline__ sc sc_mul(const sc& a, const sc& b) {
  unsigned int t[10];
#pragma unroll
  for (int k = 0; k < 10; ++k) t[k] = 0u;
#pragma unroll 1
  for (int i = 0; i < 8; ++i) {
    const unsigned int bi = b.v[i];
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
    const unsigned int m = t[0] * ES_NP;
    c = ((unsigned long long)m * ES_N[0] + t[0]) >> 32;
#pragma unroll
    for (int j = 1; j < 8; ++j) {
      c += (unsigned long long)m * ES_N[j] + t[j];
      t[j - 1] = (unsigned int)c;
      c >>= 32;
    }
    c += t[8];
    t[7] = (unsigned int)c;
    t[8] = t[9] + (unsigned int)(c >> 32);
  }
  sc r;
#pragma unroll
  for (int k = 0; k < 8; ++k) r.v[k] = t[k];
  if (t[8] || geq8(r.v, ES_N)) sc_subn(r.v);
  return r;
}
__device__ __forceinline__ sc sc_const(const unsigned int* c) {
  sc r;
#pragma unroll
  for (int k = 0; k < 8; ++k) r.v[k] = c[k];
  return r;
}
// a^(n - 2) for a in Montgomery form: the inverse, in Montgomery form
__device__ __noinline__ sc sc_inv(sc a) {
  sc r = sc_const(ES_R1);
  for (int k = 255; k >= 0; --k) {
    r = sc_mul(r, r);
    if ((ES_NM2[k >> 5] >> (k & 31)) & 1u) r = sc_mul(r, a);
  }
  return r;
}
__device__ __forceinline__ sc sc_add(const sc& a, const sc& b) {
  sc r;
  unsigned long long c = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    c += (unsigned long long)a.v[k] + b.v[k];
    r.v[k] = (unsigned int)c;
    c >>= 32;
  }
  if (c || geq8(r.v, ES_N)) sc_subn(r.v);
  return r;
}
__device__ __forceinline__ bool sc_ok(const unsigned int* a) {  // 0 < a < n
  unsigned int o = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) o |= a[k];
  return o != 0u && !geq8(a, ES_N);
}
// ---- points of y^2 = x^3 + 7, Jacobian (x = X / Z^2, y = Y / Z^3), Z = 0 at infinity
struct jp { fe x, y, z; };
__device__ __forceinline__ jp jp_inf() {
  jp r;
  r.x = fe_small(1u);
  r.y = fe_small(1u);
  r.z = fe_small(0u);
  return r;
}
%JACOBIAN%
__device__ __forceinline__ unsigned int nib(const unsigned int* k, int w) { return (k[w >> 3] >> (4 * (w & 7))) & 15u; }
// k G by the comb: the digit d of window j adds (d 16^j) G from the table
__device__ __forceinline__ jp comb_mul(const unsigned int* k, const unsigned int* __restrict__ comb) {
  jp acc = jp_inf();
  for (int w = 0; w < 64; ++w) {
    const unsigned int d = nib(k, w);
    if (d) {
      const unsigned int* e = comb + (15 * w + d - 1) * 16;
      acc = jp_madd(acc, fe_load(e), fe_load(e + 8));
    }
  }
  return acc;
}
// a scalar from splitmix words: 256 bits, less n where at least n, 1 where 0
__device__ __forceinline__ void es_scalar(unsigned long long seed, unsigned int* out) {
#pragma unroll
  for (int q = 0; q < 4; ++q) {
    const unsigned long long h = splitmix(seed + q);
    out[2 * q] = (unsigned int)h;
    out[2 * q + 1] = (unsigned int)(h >> 32);
  }
  if (geq8(out, ES_N)) sc_subn(out);
  unsigned int o = 0;
  for (int q = 0; q < 8; ++q) o |= out[q];
  if (!o) out[0] = 1u;
}
// signature i (rows of 40 limbs: z, r, s, Qx, Qy): key d, nonce k and hash z from splitmix; Q = d G, R = k G,
// r = R.x mod n, s = (z + r d) / k mod n
extern "C" __global__ void __launch_bounds__(128) es_sign(unsigned int n, unsigned long long seed,
                                                          const unsigned int* __restrict__ comb, unsigned int* sig) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    const unsigned long long base = seed + ((unsigned long long)i << 4);
    unsigned int d[8], k[8], z[8];
    es_scalar(base, d);
    es_scalar(base + 4, k);
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const unsigned long long h = splitmix(base + 8 + q);
      z[2 * q] = (unsigned int)h;
      z[2 * q + 1] = (unsigned int)(h >> 32);
    }
    unsigned int* o = sig + (unsigned long long)i * 40;
    const jp Q = comb_mul(d, comb);
    fe zi = fe_inv(Q.z), zi2 = fe_mul(zi, zi);
    fe_store(o + 24, fe_mul(Q.x, zi2));
    fe_store(o + 32, fe_mul(Q.y, fe_mul(zi2, zi)));
    const jp R = comb_mul(k, comb);
    zi = fe_inv(R.z);
    fe rx = fe_mul(R.x, fe_mul(zi, zi));
    if (geq8(rx.v, ES_N)) sc_subn(rx.v);
    sc zs = sc_const(z);
    if (geq8(zs.v, ES_N)) sc_subn(zs.v);
    const sc r = sc_const(rx.v);
    const sc rd = sc_mul(sc_mul(r, sc_const(ES_R2)), sc_const(d));  // r d
    const sc kinv = sc_inv(sc_mul(sc_const(k), sc_const(ES_R2)));    // 1 / k, Montgomery form
    const sc s = sc_mul(kinv, sc_add(zs, rd));                        // (z + r d) / k
#pragma unroll
    for (int q = 0; q < 8; ++q) {
      o[q] = z[q];
      o[8 + q] = r.v[q];
      o[16 + q] = s.v[q];
    }
  }
}
// signatures first .. first + count - 1 verified (a bit of z flipped in those the launch's seed corrupts): ok[i - first]
// 1 where valid; stats[0] valid, stats[1] corrupted
extern "C" __global__ void __launch_bounds__(128) es_verify(const unsigned int* __restrict__ sig, unsigned int first,
                                                            unsigned int count, unsigned long long seed,
                                                            const unsigned int* __restrict__ comb, unsigned char* ok,
                                                            unsigned int* stats) {
  for (unsigned int t = blockIdx.x * blockDim.x + threadIdx.x; t < count; t += gridDim.x * blockDim.x) {
    const unsigned int i = first + t;
    const unsigned int* g = sig + (unsigned long long)i * 40;
    unsigned int z[8], r[8], s[8];
#pragma unroll
    for (int q = 0; q < 8; ++q) {
      z[q] = g[q];
      r[q] = g[8 + q];
      s[q] = g[16 + q];
    }
    const unsigned long long h = splitmix((unsigned long long)i ^ seed);
    const bool bad = h % %CORRUPT% == 0;
    if (bad) z[(h >> 40) & 7] ^= 1u << ((h >> 48) & 31);
    bool valid = sc_ok(r) && sc_ok(s);
    if (valid) {
      sc zs = sc_const(z);
      if (geq8(zs.v, ES_N)) sc_subn(zs.v);
      const sc w = sc_inv(sc_mul(sc_const(s), sc_const(ES_R2)));  // 1 / s, Montgomery form
      const sc u1 = sc_mul(zs, w), u2 = sc_mul(sc_const(r), w);   // z / s, r / s
      jp acc = comb_mul(u1.v, comb);
      // u2 Q: the multiples 1..15 of Q, then 4-bit windows from the top
      jp tab[15];
      const fe qx = fe_load(g + 24), qy = fe_load(g + 32);
      tab[0].x = qx;
      tab[0].y = qy;
      tab[0].z = fe_small(1u);
      for (int d = 1; d < 15; ++d) tab[d] = jp_madd(tab[d - 1], qx, qy);
      jp b = jp_inf();
      for (int w = 63; w >= 0; --w) {
        if (!fe_is_zero(b.z))
          for (int e = 0; e < 4; ++e) b = jp_dbl(b);
        const unsigned int d = nib(u2.v, w);
        if (d) b = jp_add(b, tab[d - 1]);
      }
      acc = jp_add(acc, b);
      if (fe_is_zero(acc.z)) {
        valid = false;
      } else {  // x(acc) mod n == r: X == r Z^2, or X == (r + n) Z^2 where r + n < p
        const fe zz = fe_mul(acc.z, acc.z);
        fe rf = fe_load(r);
        valid = fe_eq(acc.x, fe_mul(rf, zz));
        if (!valid && !geq8(r, ES_PMN)) {
          unsigned long long c = 0;
#pragma unroll
          for (int q = 0; q < 8; ++q) {
            c += (unsigned long long)rf.v[q] + ES_N[q];
            rf.v[q] = (unsigned int)c;
            c >>= 32;
          }
          valid = fe_eq(acc.x, fe_mul(rf, zz));
        }
      }
    }
    ok[t] = valid ? 1 : 0;
    if (valid) atomicAdd(&stats[0], 1u);
    if (bad) atomicAdd(&stats[1], 1u);
  }
}
"""


def _es_src():
    return SPLITMIX_CUDA + fill_source(
        ES_CUDA, JACOBIAN=jacobian_a0_cuda("fe", "fe", "jp", "fe_small(1u)", madd_by_value=True), P=_cuda_limbs(SECP_P), PM2=_cuda_limbs(SECP_P - 2), PMN=_cuda_limbs(SECP_P - SECP_N),
        N=_cuda_limbs(SECP_N), NM2=_cuda_limbs(SECP_N - 2), R1=_cuda_limbs((1 << 256) % SECP_N),
        R2=_cuda_limbs((1 << 512) % SECP_N), NP=(-pow(SECP_N, -1, 1 << 32)) % (1 << 32), CORRUPT=f"{ES_CORRUPT}ull")


ES_SRC = _es_src()
ES_CHECK = 6  # GPU-made signatures verified again in Python


def ecdsa(variant, clock):
    if variant != "verify":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n, batch = ES_SIGS, ES_BATCH
    assert n % batch == 0 and batch <= n and n >= ES_PY + ES_CHECK and n < 1 << 31
    mod = cp.RawModule(code=ES_SRC)
    sign, verify = mod.get_function("es_sign"), mod.get_function("es_verify")
    comb = cp.asarray(_es_comb())
    sig = cp.empty(n * 40, dtype=cp.uint32)
    seed = 0xEC5A
    sign(((n + 127) // 128,), (128,), (np.uint32(n), np.uint64(seed), comb, sig))
    sig[:ES_PY * 40] = cp.asarray(_es_py_sigs().reshape(-1))
    ok = cp.zeros(batch, dtype=cp.uint8)
    stats = cp.zeros(2, dtype=cp.uint32)
    grid = min((batch + 127) // 128, sms() * 16)
    done = [0, 0, 0]  # launches, last slice's first signature, last launch's seed

    def launch():  # the next slice verified, a fresh eighth of it corrupted
        first = (done[0] * batch) % n
        s = 0xBAD0000 + done[0]
        stats.fill(0)
        verify((grid,), (128,), (sig, np.uint32(first), np.uint32(batch), np.uint64(s), comb, ok, stats))
        done[:] = [done[0] + 1, first, s]
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    first, s = done[1], done[2]
    idx = np.arange(first, first + batch, dtype=np.uint64)
    bad = splitmix64_np(idx ^ np.uint64(s)) % np.uint64(ES_CORRUPT) == 0
    hok = ok.get().astype(bool)
    exact = bool(np.array_equal(hok, ~bad))
    valid, corrupt = (int(v) for v in stats.get())
    # Python: the known-key signatures, a few GPU-made ones (each uncorrupted, and one corrupted as the GPU did it)
    rows = sig[:ES_PY * 40].get().reshape(ES_PY, 40)
    picks = [ES_PY, ES_PY + 1, n // 2, n - 1][:ES_CHECK] + [int(v) for v in np.linspace(ES_PY + 2, n - 2, 2)]
    picks = sorted(set(picks))[:ES_CHECK]
    grows = np.stack([sig[i * 40:(i + 1) * 40].get() for i in picks])
    args = lambda row: (_int(row[:8]), _int(row[8:16]), _int(row[16:24]), (_int(row[24:32]), _int(row[32:40])))  # noqa
    py_known = sum(_es_verify_py(*args(row)) for row in rows)
    py_gpu = sum(_es_verify_py(*args(row)) for row in grows)
    z, r, s_, Q = args(grows[0])
    py_bad = not _es_verify_py(z ^ 1, r, s_, Q) and not _es_verify_py(z, r, (s_ + 1) % SECP_N, Q)
    # the GPU's verdict on the known-key signatures where the last slice held them uncorrupted
    ok_known = all(hok[j - first] for j in range(ES_PY) if first <= j < first + batch and not bad[j - first])
    agree = exact and valid == int((~bad).sum()) and corrupt == int(bad.sum()) and py_known == ES_PY and \
        py_gpu == len(picks) and py_bad and ok_known
    note(f"ecdsa/{variant}: {done[0]} batches of {batch} secp256k1 signature verifications (pool of {n}, made on the "
         f"GPU; {ES_PY} made in Python with known keys), last batch: {valid} valid, {corrupt} corrupted, every "
         f"verdict equal to the expected one (valid exactly where not corrupted): {exact}, Python verifies the "
         f"{ES_PY} known-key signatures {py_known}/{ES_PY} and {py_gpu}/{len(picks)} GPU-made ones, rejects "
         f"tampered ones: {py_bad}, agree: {agree}, {per * 1e3:.2f} ms a batch "
         f"({batch / per / 1e6:.2f} M verifications/s), {nl} a step")


# ---- lz4 -----------------------------------------------------------------------------------------------------------

LZ_BLOCK = 64 << 10  # bytes a block (LZ4's largest block size)
LZ_CAP = LZ_BLOCK + LZ_BLOCK // 255 + 64  # worst-case compressed size, rounded up
LZ_HBITS = 12  # encoder hash table: 4096 positions a block


def _lz4_decode_py(src, size):
    """LZ4 block format decoder (bytes -> bytes), checking every bound; raises ValueError on a malformed block."""
    out, ip = bytearray(), 0
    while True:
        if ip >= len(src):
            raise ValueError("truncated block")
        token = src[ip]
        ip += 1
        lit = token >> 4
        if lit == 15:
            while True:
                b = src[ip]
                ip += 1
                lit += b
                if b != 255:
                    break
        out += src[ip:ip + lit]
        ip += lit
        if ip == len(src):
            break
        off = src[ip] | src[ip + 1] << 8
        ip += 2
        ml = token & 15
        if ml == 15:
            while True:
                b = src[ip]
                ip += 1
                ml += b
                if b != 255:
                    break
        ml += 4
        if off == 0 or off > len(out):
            raise ValueError("bad offset")
        for _ in range(ml):
            out.append(out[-off])
    if len(out) != size:
        raise ValueError("wrong size")
    return bytes(out)


LZ_CUDA = r"""
#define LZ_BLOCK %BLOCK%
#define LZ_CAP %CAP%
#define LZ_HBITS %HBITS%
// printable bytes (0x20..0x7e) from a hash, four to a word
__device__ __forceinline__ unsigned int lz_printable(unsigned long long h) {
  unsigned int w = 0;
#pragma unroll
  for (int b = 0; b < 4; ++b) w |= (0x20u + ((((unsigned int)(h >> (8 * b))) & 255u) * 95u >> 8)) << (8 * b);
  return w;
}
__constant__ char LZ_LEVEL[4][8] = {"INFO   ", "DEBUG  ", "WARN   ", "ERROR  "};
// log text in 96-byte records of 24 words: a decimal timestamp (words 0-3), a level (4-5), a hex request id
// (6-9), one of 256 message templates (skewed to low ids) filling words 10-21 with a random word in a third of the
// records, a decimal latency (22), a newline
extern "C" __global__ void lz_make(unsigned int* out, unsigned long long words, unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long rec = i / 24;
    const unsigned int j = (unsigned int)(i % 24);
    const unsigned long long h = splitmix(rec ^ seed);
    unsigned int w = 0;
    if (j < 4) {  // 16 digits of 1700000000000000 + 37 rec
      unsigned long long v = 1700000000000000ull + rec * 37ull;
      for (int k = 0; k < 12 - 4 * (int)j; ++k) v /= 10ull;
      for (int b = 3; b >= 0; --b, v /= 10ull) w |= (0x30u + (unsigned int)(v % 10ull)) << (8 * b);
    } else if (j < 6) {
      const unsigned int lv = (unsigned int)(h >> 8) & 3u & (unsigned int)(h >> 10);
      for (int b = 0; b < 4; ++b) w |= (unsigned int)(unsigned char)LZ_LEVEL[lv][(j - 4) * 4 + b] << (8 * b);
      if (j == 5) w = (w & 0x00FFFFFFu) | 0x20000000u;
    } else if (j < 10) {
      const unsigned int x = (unsigned int)(splitmix(rec + seed * 3) >> (16 * (j - 6)));
      for (int b = 0; b < 4; ++b) {
        const unsigned int d = (x >> (4 * b)) & 15u;
        w |= (d < 10 ? 0x30u + d : 0x57u + d) << (8 * b);
      }
    } else if (j < 22) {
      const unsigned int t = (unsigned int)(h & 255) & (unsigned int)((h >> 16) & 255) & (unsigned int)((h >> 24) | 7);
      w = (j == 14 + (unsigned int)(h % 3) && (h >> 40) % 3 == 0) ? lz_printable(splitmix(i + seed))
                                                                    : lz_printable(splitmix(((unsigned long long)t << 5 | j) + seed + 1));
    } else if (j == 22) {
      unsigned int v = (unsigned int)(h >> 50) % 10000u;
      for (int b = 3; b >= 0; --b, v /= 10u) w |= (0x30u + v % 10u) << (8 * b);
    } else {
      w = 0x0A736D20u;  // " ms\n"
    }
    out[i] = w;
  }
}
__device__ __forceinline__ unsigned int lz_read32(const unsigned char* p) {
  return (unsigned int)p[0] | (unsigned int)p[1] << 8 | (unsigned int)p[2] << 16 | (unsigned int)p[3] << 24;
}
__device__ __forceinline__ void lz_len(unsigned char* o, unsigned int& q, unsigned int v) {  // 255-continuation
  for (; v >= 255u; v -= 255u) o[q++] = 255;
  o[q++] = (unsigned char)v;
}
// a thread a block: greedy LZ4 parse (4-byte hash of the position, one candidate, the LZ4 end rules: no match starts
// in the last 12 bytes, the last 5 are literals), sequences written to the block's slot, the size to len
extern "C" __global__ void lz_encode(const unsigned char* __restrict__ src, unsigned int blocks,
                                     unsigned short* table, unsigned char* slots, unsigned int* len) {
  for (unsigned int b = blockIdx.x * blockDim.x + threadIdx.x; b < blocks; b += gridDim.x * blockDim.x) {
    const unsigned char* s = src + (unsigned long long)b * LZ_BLOCK;
    unsigned char* o = slots + (unsigned long long)b * LZ_CAP;
    unsigned short* tab = table + ((unsigned long long)b << LZ_HBITS);
    for (int k = 0; k < (1 << LZ_HBITS); ++k) tab[k] = 0;  // position + 1, 0 empty
    unsigned int i = 0, anchor = 0, q = 0;
    while (i + 12 < LZ_BLOCK) {
      const unsigned int v = lz_read32(s + i);
      const unsigned int h = (v * 2654435761u) >> (32 - LZ_HBITS);
      const unsigned int c = tab[h];
      tab[h] = (unsigned short)(i + 1);
      if (c && i - (c - 1) <= 65535u && lz_read32(s + c - 1) == v) {
        const unsigned int cand = c - 1;
        unsigned int ml = 4;
        while (i + ml < LZ_BLOCK - 5 && s[cand + ml] == s[i + ml]) ++ml;
        const unsigned int lit = i - anchor, m = ml - 4;
        o[q++] = (unsigned char)((min(lit, 15u) << 4) | min(m, 15u));
        if (lit >= 15) lz_len(o, q, lit - 15);
        for (unsigned int k = 0; k < lit; ++k) o[q++] = s[anchor + k];
        o[q++] = (unsigned char)((i - cand) & 255u);
        o[q++] = (unsigned char)((i - cand) >> 8);
        if (m >= 15) lz_len(o, q, m - 15);
        i += ml;
        anchor = i;
      } else {
        ++i;
      }
    }
    const unsigned int lit = LZ_BLOCK - anchor;
    o[q++] = (unsigned char)(min(lit, 15u) << 4);
    if (lit >= 15) lz_len(o, q, lit - 15);
    for (unsigned int k = 0; k < lit; ++k) o[q++] = s[anchor + k];
    len[b] = q;
  }
}
// the compressed blocks packed end to end (a CTA a block)
extern "C" __global__ void lz_pack(const unsigned char* __restrict__ slots, const unsigned long long* __restrict__ off,
                                   unsigned char* packed) {
  const unsigned int b = blockIdx.x;
  const unsigned long long n = off[b + 1] - off[b];
  for (unsigned long long k = threadIdx.x; k < n; k += blockDim.x)
    packed[off[b] + k] = slots[(unsigned long long)b * LZ_CAP + k];
}
// a warp a block: every lane reads the same token and lengths; literals copied 32 bytes at a time, matches too
// (an offset below 32: the period repeated, byte j from j mod offset); stats[0]: blocks whose output size or input
// use is wrong, stats[1]: sum over output words of word * (position mod 2^16 * 2 + 1)
extern "C" __global__ void __launch_bounds__(256) lz_decode(const unsigned char* __restrict__ comp,
                                                            const unsigned long long* __restrict__ off,
                                                            unsigned int blocks, unsigned char* dst,
                                                            unsigned long long* stats) {
  const unsigned int lane = threadIdx.x & 31u;
  const unsigned int warps = gridDim.x * (blockDim.x >> 5);
  unsigned long long sum = 0, bad = 0;
  for (unsigned int b = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); b < blocks; b += warps) {
    const unsigned char* in = comp + off[b];
    const unsigned int end = (unsigned int)(off[b + 1] - off[b]);
    unsigned char* out = dst + (unsigned long long)b * LZ_BLOCK;
    unsigned int ip = 0, op = 0;
    bool err = false;
    while (ip < end) {
      const unsigned int token = in[ip++];
      unsigned int lit = token >> 4;
      if (lit == 15) {
        unsigned int x;
        do {
          x = in[ip++];
          lit += x;
        } while (x == 255u && ip < end);
      }
      if (ip + lit > end || op + lit > LZ_BLOCK) {
        err = true;
        break;
      }
      for (unsigned int j = lane; j < lit; j += 32) out[op + j] = in[ip + j];
      ip += lit;
      op += lit;
      __syncwarp();
      if (ip >= end) break;
      const unsigned int mo = in[ip] | (unsigned int)in[ip + 1] << 8;
      ip += 2;
      unsigned int ml = token & 15u;
      if (ml == 15) {
        unsigned int x;
        do {
          x = in[ip++];
          ml += x;
        } while (x == 255u && ip < end);
      }
      ml += 4;
      if (mo == 0 || mo > op || op + ml > LZ_BLOCK) {
        err = true;
        break;
      }
      if (mo < 32) {
        for (unsigned int j = lane; j < ml; j += 32) out[op + j] = out[op - mo + j % mo];
      } else {
        for (unsigned int j = 0; j < ml; j += 32) {
          if (j + lane < ml) out[op + j + lane] = out[op - mo + j + lane];
          __syncwarp();
        }
      }
      op += ml;
      __syncwarp();
    }
    bad += err || op != LZ_BLOCK || ip != end;
    const unsigned int* ow = (const unsigned int*)out;
    for (unsigned int k = lane; k < LZ_BLOCK / 4; k += 32) sum += (unsigned long long)ow[k] * (2ull * (k & 0xFFFFu) + 1ull);
  }
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_down_sync(0xFFFFFFFFu, sum, o);
  if (lane == 0) {
    atomicAdd(&stats[1], sum);
    if (bad) atomicAdd(&stats[0], bad);
  }
}
// the same sum over the source, for comparison
extern "C" __global__ void lz_checksum(const unsigned int* __restrict__ data, unsigned long long words,
                                       unsigned long long* out) {
  unsigned long long s = 0;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x)
    s += (unsigned long long)data[i] * (2ull * ((i % (LZ_BLOCK / 4)) & 0xFFFFull) + 1ull);
  for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xFFFFFFFFu, s, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(out, s);
}
"""


def _lz_src():
    return SPLITMIX_CUDA + fill_source(LZ_CUDA, BLOCK=LZ_BLOCK, CAP=LZ_CAP, HBITS=LZ_HBITS)


LZ_SRC = _lz_src()


def lz4(variant, clock):
    if variant != "decompress":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert LZ_BYTES % LZ_BLOCK == 0 and LZ_BLOCK <= 65536 and LZ_BLOCK % 128 == 0
    blocks = LZ_BYTES // LZ_BLOCK
    mod = cp.RawModule(code=_lz_src())
    make, encode, pack, decode, checksum = (mod.get_function(k) for k in ("lz_make", "lz_encode", "lz_pack",
                                                                          "lz_decode", "lz_checksum"))
    grid = sms() * 8
    words = LZ_BYTES // 4
    src = cp.empty(words, dtype=cp.uint32)
    make((grid,), (256,), (src, np.uint64(words), np.uint64(0x124A)))
    slots = cp.empty(blocks * LZ_CAP, dtype=cp.uint8)
    ln = cp.empty(blocks, dtype=cp.uint32)
    table = cp.empty(blocks << LZ_HBITS, dtype=cp.uint16)
    encode(((blocks + 63) // 64,), (64,), (src, np.uint32(blocks), table, slots, ln))
    del table
    off = cp.zeros(blocks + 1, dtype=cp.uint64)
    off[1:] = cp.cumsum(ln.astype(cp.uint64))
    total = int(off[blocks])
    comp = cp.empty(total + 16, dtype=cp.uint8)
    pack((blocks,), (256,), (slots, off, comp))
    del slots
    want = cp.zeros(1, dtype=cp.uint64)
    checksum((grid,), (256,), (src, np.uint64(words), want))
    dst = cp.empty(LZ_BYTES, dtype=cp.uint8)
    stats = cp.zeros(2, dtype=cp.uint64)
    dgrid = min((blocks + 7) // 8, sms() * 32)
    done = [0]

    def launch():  # every block decompressed once
        decode((dgrid,), (256,), (comp, off, np.uint32(blocks), dst, stats))
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    ps = max(1, done[0])
    wrong = int(cp.count_nonzero(dst.view(cp.uint32) != src))
    bad = int(stats[0])
    sums = (int(stats[1]) - int(want[0]) * ps) % (1 << 64) == 0
    # Python's LZ4 decoder on the first and last blocks (and the lz4 package's, where installed)
    hoff = off.get()
    py_ok, ext = True, "not installed"
    try:
        import lz4.block as lzb
    except ImportError:
        lzb = None
    for b in (0, blocks - 1):
        raw = comp[int(hoff[b]):int(hoff[b + 1])].get().tobytes()
        want_b = src[b * LZ_BLOCK // 4:(b + 1) * LZ_BLOCK // 4].get().astype("<u4").tobytes()
        try:
            py_ok &= _lz4_decode_py(raw, LZ_BLOCK) == want_b
        except ValueError:
            py_ok = False
        if lzb is not None:
            same = lzb.decompress(raw, uncompressed_size=LZ_BLOCK) == want_b
            ext = str(same) if ext in ("not installed", "True") else ext
            py_ok &= same
    ok = wrong == 0 and bad == 0 and sums and py_ok
    note(f"lz4/{variant}: {done[0]} decompressions of {LZ_BYTES >> 20} MiB in {blocks} blocks of {LZ_BLOCK >> 10} KiB "
         f"from {total >> 20} MiB of LZ4 (ratio {LZ_BYTES / total:.2f}), output words differing from the source: "
         f"{wrong}, blocks with a wrong size or a malformed sequence: {bad}, checksums agree: {sums}, two blocks "
         f"agree with a Python LZ4 decoder (lz4 package: {ext}): {py_ok}, agree: {ok}, {per * 1e3:.2f} ms a pass "
         f"({LZ_BYTES / per / 1e9:.0f} GB/s), {nl} a step")


# ---- json ----------------------------------------------------------------------------------------------------------

JS_BLOB = 64  # bytes a decoded "blob" slot (the raw blobs are 0..60 bytes)
JS_WORDS = ["the", "request", "from", "user", "failed", "with", "status", "timeout", "retry", "cache", "miss", "hit",
            "payment", "order", "shipped", "item", "latency", "was", "high", "for", "region", "east", "west", "node",
            "disk", "full", "queue", "backlog", "worker", "started", "stopped", "again"]
JS_LEVELS = ["INFO", "DEBUG", "WARN", "ERROR"]


def _js_structurals(obj):
    """Structural characters ({}[]:, and quotes) of a parsed JSON value's compact text."""
    if isinstance(obj, dict):
        return 2 + max(0, len(obj) - 1) + sum(3 + _js_structurals(v) for v in obj.values())
    if isinstance(obj, list):
        return 2 + max(0, len(obj) - 1) + sum(_js_structurals(v) for v in obj)
    return 2 if isinstance(obj, str) else 0


def _js_positions(line):
    """Structural positions of one line (bytes) by a plain state machine."""
    out, in_str, esc = [], False, False
    for k, c in enumerate(line):
        if in_str:
            if esc:
                esc = False
            elif c == 0x5C:
                esc = True
            elif c == 0x22:
                in_str = False
                out.append(k)
        elif c == 0x22:
            in_str = True
            out.append(k)
        elif c in b"{}[]:,":
            out.append(k)
    return out


JS_CUDA = r"""
#define JS_BLOB %BLOB%
__constant__ char JS_WORDS[32][8] = {%WORDS%};
__constant__ char JS_LEVELS[4][6] = {%LEVELS%};
__constant__ char JS_B64[65] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
struct js_w {
  unsigned char* o;
  unsigned int n;
};
__device__ __forceinline__ void js_put(js_w& w, unsigned int c) {
  if (w.o) w.o[w.n] = (unsigned char)c;
  ++w.n;
}
__device__ void js_str(js_w& w, const char* s) {
  for (; *s; ++s) js_put(w, (unsigned char)*s);
}
__device__ void js_uint(js_w& w, unsigned long long v) {
  char d[20];
  int k = 0;
  do {
    d[k++] = (char)('0' + v % 10ull);
    v /= 10ull;
  } while (v);
  while (k) js_put(w, (unsigned char)d[--k]);
}
// line i (without its newline; length returned, written where o is not null): an event object with numbers, a
// message with escapes (\", \\, \n, \u00e9), an array of tags, a decimal and a base64 blob of 0..60 random bytes
__device__ unsigned int js_line(unsigned long long i, unsigned long long seed, unsigned char* o) {
  js_w w = {o, 0u};
  const unsigned long long h = splitmix(i ^ seed), h2 = splitmix(h), h3 = splitmix(h2);
  js_str(w, "{\"id\":");
  js_uint(w, i);
  js_str(w, ",\"ts\":");
  js_uint(w, 1700000000000ull + i * 13ull + (h & 1023));
  js_str(w, ",\"user\":\"u");
  for (int k = 0; k < 8; ++k) js_put(w, (unsigned char)JS_B64[26 + ((h2 >> (6 * k)) & 31)]);
  js_str(w, "\",\"level\":\"");
  js_str(w, JS_LEVELS[(h >> 8) & 3 & (h >> 10)]);
  js_str(w, "\",\"msg\":\"");
  const unsigned int nw = 3u + (unsigned int)(h % 10);
  for (unsigned int k = 0; k < nw; ++k) {
    const unsigned long long hk = splitmix(h3 + k);
    const char* word = JS_WORDS[hk & 31];
    if (k) js_put(w, ' ');
    switch ((hk >> 8) % 16) {
      case 0: js_str(w, "\\\""); js_str(w, word); js_str(w, "\\\""); break;
      case 1: js_str(w, word); js_str(w, "\\\\"); break;
      case 2: js_str(w, "\\n"); js_str(w, word); break;
      case 3: js_str(w, word); js_str(w, "\\u00e9"); break;
      case 4: js_str(w, "\\\\\\\""); js_str(w, word); break;
      default: js_str(w, word);
    }
  }
  js_str(w, "\",\"tags\":[");
  const unsigned int nt = (unsigned int)((h >> 20) % 5);
  for (unsigned int k = 0; k < nt; ++k) {
    if (k) js_put(w, ',');
    js_str(w, "\"t");
    js_uint(w, splitmix(h2 + k) % 100ull);
    js_put(w, '"');
  }
  const unsigned int sc = (unsigned int)((h >> 30) % 10000);
  js_str(w, "],\"score\":");
  js_uint(w, sc / 100);
  js_put(w, '.');
  js_put(w, '0' + sc / 10 % 10);
  js_put(w, '0' + sc % 10);
  js_str(w, ",\"blob\":\"");
  const unsigned int m = (unsigned int)((h >> 44) % 61);
  for (unsigned int k = 0; k < m; k += 3) {
    unsigned int v = 0;
    for (unsigned int e = 0; e < 3; ++e) {
      const unsigned int b = k + e < m ? (unsigned int)(splitmix(h3 ^ 0xB10Bull + (k + e) / 8) >> (8 * ((k + e) % 8))) & 255u : 0u;
      v = v << 8 | b;
    }
    js_put(w, (unsigned char)JS_B64[(v >> 18) & 63]);
    js_put(w, (unsigned char)JS_B64[(v >> 12) & 63]);
    js_put(w, k + 1 < m ? (unsigned char)JS_B64[(v >> 6) & 63] : '=');
    js_put(w, k + 2 < m ? (unsigned char)JS_B64[v & 63] : '=');
  }
  js_str(w, "\"}");
  return w.n;
}
extern "C" __global__ void js_sizes(unsigned long long n, unsigned long long seed, unsigned int* len) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x)
    len[i] = js_line(i, seed, nullptr) + 1u;
}
extern "C" __global__ void js_fill(unsigned long long n, unsigned long long seed,
                                   const unsigned long long* __restrict__ off, unsigned char* text) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned int len = js_line(i, seed, text + off[i]);
    text[off[i] + len] = '\n';
  }
}
// bytes of x equal to c: their top bits gathered (bit b for byte b)
__device__ __forceinline__ unsigned int js_eq8(unsigned long long x, unsigned int c) {
  const unsigned long long t = x ^ (0x0101010101010101ull * c);
  const unsigned long long y = ~(((t & 0x7F7F7F7F7F7F7F7Full) + 0x7F7F7F7F7F7F7F7Full) | t | 0x7F7F7F7F7F7F7F7Full);
  return (unsigned int)(((y >> 7) * 0x0102040810204080ull) >> 56);
}
__device__ __forceinline__ unsigned long long js_prefix_xor(unsigned long long x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}
// the unescaped quotes and the structural operators ({}[]:,) of 64-byte word w
__device__ __forceinline__ void js_masks(const unsigned long long* __restrict__ text, unsigned long long w,
                                         unsigned long long& quote, unsigned long long& op) {
  unsigned long long bs = 0, q = 0, o = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    const unsigned long long x = text[w * 8 + k], xl = x | 0x2020202020202020ull;
    bs |= (unsigned long long)js_eq8(x, 0x5Cu) << (8 * k);
    q |= (unsigned long long)js_eq8(x, 0x22u) << (8 * k);
    o |= (unsigned long long)(js_eq8(xl, 0x7Bu) | js_eq8(xl, 0x7Du) | js_eq8(x, 0x3Au) | js_eq8(x, 0x2Cu)) << (8 * k);
  }
  // is the word's first byte escaped: an odd run of backslashes ends just before it
  unsigned long long prev = 0;
  if (w > 0 && (text[w * 8 - 1] >> 56) == 0x5Cu) {
    const unsigned char* b = (const unsigned char*)text;
    unsigned long long k = w * 64;
    while (k > 0 && b[k - 1] == 0x5Cu) --k;
    prev = (w * 64 - k) & 1ull;
  }
  // simdjson's escape finder: backslash runs starting on odd or even bits, the carry of a run into the next word
  const unsigned long long even = 0x5555555555555555ull;
  bs &= ~prev;
  const unsigned long long follows = bs << 1 | prev;
  const unsigned long long odd_starts = bs & ~even & ~follows;
  const unsigned long long seq_even = odd_starts + bs;
  const unsigned long long escaped = (even ^ (seq_even << 1)) & follows;
  quote = q & ~escaped;
  op = o;
}
// a block of 256 words: in-string parity before each word within the block (ballots), returned; the block's
// parity to *bpar
__device__ __forceinline__ unsigned int js_block_parity(unsigned int par, unsigned int* bpar) {
  __shared__ unsigned int wp[8];
  const unsigned int lane = threadIdx.x & 31u, wid = threadIdx.x >> 5;
  const unsigned int b = __ballot_sync(0xFFFFFFFFu, par);
  if (lane == 0) wp[wid] = __popc(b) & 1u;
  __syncthreads();
  unsigned int pre = __popc(b & ((1u << lane) - 1u)) & 1u, tot = 0;
  for (unsigned int k = 0; k < 8; ++k) {
    if (k < wid) pre ^= wp[k];
    tot ^= wp[k];
  }
  *bpar = tot;
  __syncthreads();
  return pre;
}
__device__ __forceinline__ unsigned int js_block_sum(unsigned int v) {
  __shared__ unsigned int ws[8];
  v = __reduce_add_sync(0xFFFFFFFFu, v);
  if ((threadIdx.x & 31u) == 0) ws[threadIdx.x >> 5] = v;
  __syncthreads();
  unsigned int s = 0;
  for (int k = 0; k < 8; ++k) s += ws[k];
  __syncthreads();
  return s;
}
// pass 1, a block (256 threads) a 16 KiB stretch of words: its quote parity, and its structural count for an
// in-string carry of 0 and of 1 (not known yet)
extern "C" __global__ void __launch_bounds__(256) js_count(const unsigned long long* __restrict__ text,
                                                           unsigned int* par, unsigned int* cnt) {
  const unsigned long long w = (unsigned long long)blockIdx.x * 256 + threadIdx.x;
  unsigned long long quote, op;
  js_masks(text, w, quote, op);
  unsigned int bp;
  const unsigned int pre = js_block_parity(__popcll(quote) & 1u, &bp);
  const unsigned long long px = js_prefix_xor(quote);
  unsigned int c[2];
#pragma unroll
  for (int carry = 0; carry < 2; ++carry) {
    const unsigned long long in = px ^ ((pre ^ (unsigned int)carry) ? ~0ull : 0ull);
    c[carry] = js_block_sum(__popcll((op & ~in) | quote));
  }
  if (threadIdx.x == 0) {
    par[blockIdx.x] = bp;
    cnt[2 * blockIdx.x] = c[0];
    cnt[2 * blockIdx.x + 1] = c[1];
  }
}
// pass 2: the block's carry and output offset known, each word's structural positions written in order
extern "C" __global__ void __launch_bounds__(256) js_index(const unsigned long long* __restrict__ text,
                                                           const unsigned int* __restrict__ carry,
                                                           const long long* __restrict__ off, unsigned int* idx) {
  __shared__ unsigned int ws[8];
  const unsigned long long w = (unsigned long long)blockIdx.x * 256 + threadIdx.x;
  unsigned long long quote, op;
  js_masks(text, w, quote, op);
  unsigned int bp;
  const unsigned int pre = js_block_parity(__popcll(quote) & 1u, &bp);
  const unsigned long long in = js_prefix_xor(quote) ^ ((pre ^ carry[blockIdx.x]) ? ~0ull : 0ull);
  unsigned long long s = (op & ~in) | quote;
  const unsigned int c = __popcll(s), lane = threadIdx.x & 31u, wid = threadIdx.x >> 5;
  unsigned int x = c;
#pragma unroll
  for (int o = 1; o < 32; o <<= 1) {
    const unsigned int y = __shfl_up_sync(0xFFFFFFFFu, x, o);
    if (lane >= (unsigned int)o) x += y;
  }
  if (lane == 31) ws[wid] = x;
  __syncthreads();
  unsigned long long pos = off[blockIdx.x] + x - c;
  for (unsigned int k = 0; k < wid; ++k) pos += ws[k];
  for (; s; s &= s - 1) idx[pos++] = (unsigned int)(w * 64 + __ffsll((long long)s) - 1);
}
__device__ __forceinline__ unsigned long long js_lower(const unsigned int* __restrict__ idx, unsigned long long n,
                                                       unsigned long long v) {
  unsigned long long lo = 0, hi = n;
  while (lo < hi) {
    const unsigned long long mid = (lo + hi) >> 1;
    if (idx[mid] < v) lo = mid + 1; else hi = mid;
  }
  return lo;
}
// a thread a line: its structurals found in the index (two binary searches), walked for the "blob" key at depth
// 1, its string value base64-decoded into the line's slot. lcnt[i]: structurals of the line; blen[i]: decoded
// bytes (0xFFFF if the field is missing or malformed); stats[0] += decoded byte sum
extern "C" __global__ void __launch_bounds__(256) js_lines(const unsigned char* __restrict__ text,
                                                           const unsigned long long* __restrict__ loff,
                                                           unsigned long long lines,
                                                           const unsigned int* __restrict__ idx,
                                                           unsigned long long total, unsigned int* lcnt,
                                                           unsigned short* blen, unsigned char* blob,
                                                           unsigned long long* stats) {
  __shared__ unsigned char dec[256];
  for (unsigned int c = threadIdx.x; c < 256; c += blockDim.x) {
    unsigned int v = 0xFF;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=') v = 0x40;
    dec[c] = (unsigned char)v;
  }
  __syncthreads();
  unsigned long long sum = 0;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < lines;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long lo = js_lower(idx, total, loff[i]), hi = js_lower(idx, total, loff[i + 1]);
    lcnt[i] = (unsigned int)(hi - lo);
    unsigned int depth = 0, got = 0xFFFFu;
    for (unsigned long long k = lo; k < hi; ++k) {
      const unsigned char c = text[idx[k]];
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        --depth;
      } else if (c == '"' && k + 1 < hi) {
        const unsigned int a = idx[k] + 1, b = idx[k + 1];
        k += 1;
        if (depth == 1 && k + 3 < hi && text[idx[k + 1]] == ':' && b - a == 4 && text[a] == 'b' &&
            text[a + 1] == 'l' && text[a + 2] == 'o' && text[a + 3] == 'b' && text[idx[k + 2]] == '"') {
          const unsigned int va = idx[k + 2] + 1, vb = idx[k + 3];
          unsigned char* o = blob + i * JS_BLOB;
          unsigned int n = 0;
          bool okb = (vb - va) % 4 == 0;
          for (unsigned int p = va; okb && p < vb; p += 4) {
            const unsigned int d0 = dec[text[p]], d1 = dec[text[p + 1]], d2 = dec[text[p + 2]], d3 = dec[text[p + 3]];
            if ((d0 | d1) & 0xC0u || ((d2 | d3) & 0x80u)) {
              okb = false;
              break;
            }
            const unsigned int v = d0 << 18 | d1 << 12 | (d2 & 63u) << 6 | (d3 & 63u);
            const unsigned int nb = d2 == 0x40 ? 1u : d3 == 0x40 ? 2u : 3u;
            for (unsigned int e = 0; e < nb && n < JS_BLOB; ++e) {
              const unsigned int byte = (v >> (16 - 8 * e)) & 255u;
              o[n++] = (unsigned char)byte;
              sum += byte;
            }
          }
          if (okb) got = n;
          k += 3;
        }
      }
    }
    blen[i] = (unsigned short)got;
  }
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_down_sync(0xFFFFFFFFu, sum, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(&stats[0], sum);
}
"""


def _js_src():
    words = ", ".join(f'"{w}"' for w in JS_WORDS)
    levels = ", ".join(f'"{w}"' for w in JS_LEVELS)
    return SPLITMIX_CUDA + fill_source(JS_CUDA, BLOB=JS_BLOB, WORDS=words, LEVELS=levels)


JS_SRC = _js_src()
JS_SAMPLE = 16  # lines checked against Python's json


def json(variant, clock):
    if variant != "index":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n, seed = JS_LINES, 0x750
    mod = cp.RawModule(code=JS_SRC)
    sizes, fill, count, index, lines_k = (mod.get_function(k) for k in ("js_sizes", "js_fill", "js_count",
                                                                         "js_index", "js_lines"))
    grid = sms() * 8
    ln = cp.empty(n, dtype=cp.uint32)
    sizes((grid,), (256,), (np.uint64(n), np.uint64(seed), ln))
    loff = cp.zeros(n + 1, dtype=cp.uint64)
    loff[1:] = cp.cumsum(ln.astype(cp.uint64))
    nbytes = int(loff[n])
    stretch = 64 * 256
    padded = -(-(nbytes + 1) // stretch) * stretch  # a space at least after the last line
    text = cp.full(padded, 0x20, dtype=cp.uint8)
    fill((grid,), (256,), (np.uint64(n), np.uint64(seed), loff, text))
    t64 = text.view(cp.uint64)
    nblk = padded // stretch
    par = cp.empty(nblk, dtype=cp.uint32)
    cnt = cp.empty(2 * nblk, dtype=cp.uint32)
    off = cp.zeros(nblk + 1, dtype=cp.int64)

    def scan():  # pass 1, then the carries and offsets (a scan over blocks)
        count((nblk,), (256,), (t64, par, cnt))
        carry = (cp.cumsum(par, dtype=cp.int64) - par.astype(cp.int64)) & 1
        chosen = cp.where(carry == 1, cnt[1::2], cnt[0::2]).astype(cp.int64)
        off[1:] = cp.cumsum(chosen)
        return carry.astype(cp.uint32)
    scan()
    total = int(off[nblk])
    idx = cp.empty(total + 1, dtype=cp.uint32)
    lcnt = cp.empty(n, dtype=cp.uint32)
    blen = cp.empty(n, dtype=cp.uint16)
    blob = cp.zeros(n * JS_BLOB, dtype=cp.uint8)
    stats = cp.zeros(1, dtype=cp.uint64)
    lgrid = min((n + 255) // 256, sms() * 16)
    done = [0]

    def launch():  # the whole text indexed, then every line's blob found and decoded
        carry = scan()
        index((nblk,), (256,), (t64, carry, off, idx))
        lines_k((lgrid,), (256,), (text, loff, np.uint64(n), idx, np.uint64(total), lcnt, blen, blob, stats))
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    hl, hoff, hcnt, hblen = ln.get(), loff.get(), lcnt.get(), blen.get()
    picks = sorted(set([0, 1, 2, n // 3, n // 2, n - 2, n - 1] +
                       [int(v) for v in np.random.default_rng(0x75).integers(0, n, JS_SAMPLE)]))[:JS_SAMPLE]
    cnt_ok = blob_ok = pos_ok = 0
    for i in picks:
        line = text[int(hoff[i]):int(hoff[i + 1])].get().tobytes()
        obj = _json.loads(line)
        cnt_ok += _js_structurals(obj) == int(hcnt[i])
        want = base64.b64decode(obj["blob"])
        blob_ok += int(hblen[i]) == len(want) and blob[i * JS_BLOB:i * JS_BLOB + len(want)].get().tobytes() == want
        lo = int(cp.searchsorted(idx[:total], int(hoff[i])))
        got = (idx[lo:lo + int(hcnt[i])].get().astype(np.int64) - int(hoff[i])).tolist()
        pos_ok += got == _js_positions(line)
    missing = int((hblen == 0xFFFF).sum())
    ok = cnt_ok == pos_ok == blob_ok == len(picks) and missing == 0 and int(hcnt.sum(dtype=np.int64)) == total
    note(f"json/{variant}: {done[0]} passes over {n} JSON lines ({nbytes >> 20} MiB, {float(hl.mean()):.0f} bytes a "
         f"line), {total} structural characters indexed ({total / n:.1f} a line), {int(hblen[hblen != 0xFFFF].sum())} "
         f"blob bytes decoded a pass, lines without a decodable blob: {missing}, {len(picks)} sampled lines: "
         f"structural counts equal to Python json's {cnt_ok}, positions equal to a Python scanner's {pos_ok}, blobs "
         f"equal to base64.b64decode {blob_ok}, agree: {ok}, {per * 1e3:.2f} ms a pass "
         f"({nbytes / per / 1e9:.0f} GB/s), {nl} a step")


# ---- xorfilter -----------------------------------------------------------------------------------------------------

XF_ATTEMPTS = 4  # hash seeds tried before a build is given up
# Absent keys are splitmix(j ^ seed ^ XF_ABSENT), j < n: XF_ABSENT must set a bit above every index (a small
# constant only permutes the present keys' indices, which made every "absent" key present on the H200, n = 2^26)
XF_ABSENT = 1 << 63


def _xf_shape(n):
    """Slots (a multiple of 3: 1.23 n + 32 rounded up) and the size of each of the three blocks."""
    b = -(-(n * 123 // 100 + 32) // 3)
    return 3 * b, b


def _xf_hash_np(keys, hseed, b):
    """Slots (3 arrays) and fingerprints of uint64 keys, as xf_pos computes them."""
    with np.errstate(over="ignore"):
        h = _mix64_np(np.asarray(keys, dtype=np.uint64) + np.uint64(hseed))
    rot = lambda r: ((h << np.uint64(r)) | (h >> np.uint64(64 - r))) if r else h  # noqa: E731
    red = lambda x: ((x & np.uint64(0xFFFFFFFF)) * np.uint64(b)) >> np.uint64(32)  # noqa: E731
    pos = [red(rot(0)).astype(np.int64), red(rot(21)).astype(np.int64) + b, red(rot(42)).astype(np.int64) + 2 * b]
    return pos, ((h ^ (h >> np.uint64(32))) & np.uint64(255)).astype(np.uint8)


XF_CUDA = r"""
__device__ __forceinline__ unsigned int xf_red(unsigned long long x, unsigned int b) {
  return (unsigned int)(((x & 0xFFFFFFFFull) * b) >> 32);
}
__device__ __forceinline__ unsigned long long xf_rotl(unsigned long long x, int r) { return (x << r) | (x >> (64 - r)); }
// the key's three slots (one in each third of the table) and its 8-bit fingerprint
__device__ __forceinline__ unsigned int xf_pos(unsigned long long key, unsigned long long hseed, unsigned int b,
                                               unsigned int p[3]) {
  const unsigned long long h = fmix64(key + hseed);
  p[0] = xf_red(h, b);
  p[1] = b + xf_red(xf_rotl(h, 21), b);
  p[2] = 2 * b + xf_red(xf_rotl(h, 42), b);
  return (unsigned int)((h ^ (h >> 32)) & 255ull);
}
extern "C" __global__ void xf_keys(unsigned long long* keys, unsigned long long n, unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x)
    keys[i] = splitmix(i ^ seed);
}
// every key counted into its three slots, and xored into them
extern "C" __global__ void xf_add(const unsigned long long* __restrict__ keys, unsigned long long n,
                                  unsigned long long hseed, unsigned int b, unsigned int* count,
                                  unsigned long long* xkey) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long k = keys[i];
    unsigned int p[3];
    xf_pos(k, hseed, b, p);
#pragma unroll
    for (int j = 0; j < 3; ++j) {
      atomicAdd(&count[p[j]], 1u);
      atomicXor(&xkey[p[j]], k);
    }
  }
}
// the first queue: every slot holding one key
extern "C" __global__ void xf_scan(const unsigned int* __restrict__ count, unsigned int slots, unsigned int* queue,
                                   unsigned int* qn) {
  for (unsigned int s = blockIdx.x * blockDim.x + threadIdx.x; s < slots; s += gridDim.x * blockDim.x)
    if (count[s] == 1u) queue[atomicAdd(qn, 1u)] = s;
}
// a round, first half: queued slots still holding one key stamped with the round, (slot, key) listed (a snapshot)
extern "C" __global__ void xf_stamp(const unsigned int* __restrict__ queue, const unsigned int* __restrict__ qn,
                                    const unsigned int* __restrict__ count, const unsigned long long* __restrict__ xkey,
                                    unsigned char round, unsigned char* stamp, unsigned int* ss,
                                    unsigned long long* sk, unsigned int* sn, unsigned int cap) {
  const unsigned int q = *qn;
  for (unsigned int e = blockIdx.x * blockDim.x + threadIdx.x; e < q; e += gridDim.x * blockDim.x) {
    const unsigned int s = queue[e];
    if (count[s] == 1u) {
      stamp[s] = round;
      const unsigned int at = atomicAdd(sn, 1u);
      if (at < cap) {
        ss[at] = s;
        sk[at] = xkey[s];
      }
    }
  }
}
// second half: a listed key peeled by its first stamped slot only (so once), pushed on the stack with that slot,
// and removed from its other two slots; a slot left holding one key is queued for the next round
extern "C" __global__ void xf_peel(const unsigned int* __restrict__ ss, const unsigned long long* __restrict__ sk,
                                   const unsigned int* __restrict__ sn, unsigned int cap, unsigned long long hseed,
                                   unsigned int b, unsigned char round, const unsigned char* __restrict__ stamp,
                                   unsigned int* count, unsigned long long* xkey, unsigned long long* stk,
                                   unsigned int* sts, unsigned int* top, unsigned int* queue, unsigned int* qn) {
  const unsigned int m = min(*sn, cap);
  for (unsigned int e = blockIdx.x * blockDim.x + threadIdx.x; e < m; e += gridDim.x * blockDim.x) {
    const unsigned int s = ss[e];
    const unsigned long long k = sk[e];
    unsigned int p[3];
    xf_pos(k, hseed, b, p);
    const unsigned int first = stamp[p[0]] == round ? p[0] : stamp[p[1]] == round ? p[1] : p[2];
    if (first != s) continue;
    const unsigned int at = atomicAdd(top, 1u);
    stk[at] = k;
    sts[at] = s;
#pragma unroll
    for (int j = 0; j < 3; ++j) {
      const unsigned int old = atomicSub(&count[p[j]], 1u);
      atomicXor(&xkey[p[j]], k);
      if (old == 2u) queue[atomicAdd(qn, 1u)] = p[j];
    }
  }
}
// keys peeled in one round (stack entries lo .. hi - 1), rounds taken last first: the slot a key was peeled from
// gets the fingerprint xored with its other two slots
extern "C" __global__ void xf_assign(const unsigned long long* __restrict__ stk, const unsigned int* __restrict__ sts,
                                     unsigned int lo, unsigned int hi, unsigned long long hseed, unsigned int b,
                                     unsigned char* fp) {
  for (unsigned int e = lo + blockIdx.x * blockDim.x + threadIdx.x; e < hi; e += gridDim.x * blockDim.x) {
    unsigned int p[3];
    const unsigned int f = xf_pos(stk[e], hseed, b, p), s = sts[e];
    unsigned int v = f;
#pragma unroll
    for (int j = 0; j < 3; ++j)
      if (p[j] != s) v ^= fp[p[j]];
    fp[s] = (unsigned char)v;
  }
}
// 2n queries: the n keys (all must be found), then n absent keys; stats[0] present found, stats[1] absent "found"
extern "C" __global__ void xf_query(const unsigned long long* __restrict__ keys, unsigned long long n,
                                    unsigned long long absent, unsigned long long hseed, unsigned int b,
                                    const unsigned char* __restrict__ fp, unsigned long long* stats) {
  unsigned int hit = 0, fpos = 0;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < 2 * n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long k = i < n ? keys[i] : splitmix((i - n) ^ absent);
    unsigned int p[3];
    const unsigned int f = xf_pos(k, hseed, b, p);
    const bool in = (fp[p[0]] ^ fp[p[1]] ^ fp[p[2]]) == f;
    if (i < n) hit += in; else fpos += in;
  }
  hit = __reduce_add_sync(0xFFFFFFFFu, hit);
  fpos = __reduce_add_sync(0xFFFFFFFFu, fpos);
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&stats[0], (unsigned long long)hit);
    atomicAdd(&stats[1], (unsigned long long)fpos);
  }
}
"""
XF_SRC = SPLITMIX_CUDA + MIX64_CUDA + XF_CUDA
XF_SAMPLE = 4096  # keys whose slots and fingerprints NumPy recomputes


def xorfilter(variant, clock):
    if variant != "build":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n = XF_KEYS
    slots, b = _xf_shape(n)
    assert 2 * n < 1 << 32 and slots < 1 << 32
    mod = cp.RawModule(code=XF_SRC)
    keys_k, add, scan, stamp_k, peel, assign, query = (mod.get_function(k) for k in (
        "xf_keys", "xf_add", "xf_scan", "xf_stamp", "xf_peel", "xf_assign", "xf_query"))
    grid = sms() * 8
    cap = slots // 2
    keys = cp.empty(n, dtype=cp.uint64)
    count = cp.empty(slots, dtype=cp.uint32)
    xkey = cp.empty(slots, dtype=cp.uint64)
    stamp = cp.empty(slots, dtype=cp.uint8)
    queues = [cp.empty(slots, dtype=cp.uint32), cp.empty(slots, dtype=cp.uint32)]
    ss = cp.empty(cap, dtype=cp.uint32)
    sk = cp.empty(cap, dtype=cp.uint64)
    stk = cp.empty(n, dtype=cp.uint64)
    sts = cp.empty(n, dtype=cp.uint32)
    fp = cp.empty(slots, dtype=cp.uint8)
    ctr = cp.zeros(4, dtype=cp.uint32)  # queue lengths (two queues), listed singletons, stack top
    stats = cp.zeros(2, dtype=cp.uint64)
    done = {"builds": 0, "attempts": 0, "failed": 0, "rounds": 0, "seed": 0, "hseed": 0, "maxrounds": 0}

    def build(hseed):  # True where every key was peeled; the rounds' stack boundaries
        count.fill(0)
        xkey.fill(0)
        stamp.fill(0)
        ctr.fill(0)
        add((grid,), (256,), (keys, np.uint64(n), np.uint64(hseed), np.uint32(b), count, xkey))
        scan((grid,), (256,), (count, np.uint32(slots), queues[0], ctr[0:1]))
        bounds, r = [0], 0
        while True:
            cur, nxt = r % 2, (r + 1) % 2
            rnd = np.uint8(r % 255 + 1)
            ctr[2:3].fill(0)
            ctr[nxt:nxt + 1].fill(0)
            stamp_k((grid,), (256,), (queues[cur], ctr[cur:cur + 1], count, xkey, rnd, stamp, ss, sk, ctr[2:3],
                                      np.uint32(cap)))
            peel((grid,), (256,), (ss, sk, ctr[2:3], np.uint32(cap), np.uint64(hseed), np.uint32(b), rnd, stamp, count,
                                   xkey, stk, sts, ctr[3:4], queues[nxt], ctr[nxt:nxt + 1]))
            h = ctr.get()
            r += 1
            if int(h[2]) > cap:
                return False, bounds, r
            bounds.append(int(h[3]))
            if int(h[nxt]) == 0:
                return int(h[3]) == n, bounds, r

    def launch():  # fresh keys, the filter built (a new hash seed where peeling stalls), then queried
        seed = 0x70F + (done["builds"] << 32)
        keys_k((grid,), (256,), (keys, np.uint64(n), np.uint64(seed)))
        for attempt in range(XF_ATTEMPTS):
            hseed = int(splitmix64_np(np.uint64(seed + attempt)))
            done["attempts"] += 1
            ok, bounds, rounds = build(hseed)
            if ok:
                break
        else:
            done["failed"] += 1
            return
        fp.fill(0)
        for lo, hi in reversed(list(zip(bounds[:-1], bounds[1:]))):
            if hi > lo:
                assign((min(grid, (hi - lo + 255) // 256),), (256,), (stk, sts, np.uint32(lo), np.uint32(hi),
                                                                        np.uint64(hseed), np.uint32(b), fp))
        stats.fill(0)
        query((grid,), (256,), (keys, np.uint64(n), np.uint64(seed ^ XF_ABSENT), np.uint64(hseed), np.uint32(b), fp,
                                stats))
        done.update(builds=done["builds"] + 1, rounds=rounds, seed=seed, hseed=hseed,
                    maxrounds=max(done["maxrounds"], rounds))
    nl, per = calibrated_launches(launch, 16)
    cupy_loop(repeat_step(launch, nl), clock)
    hit, fpos = (int(v) for v in stats.get())
    fpr = fpos / n
    sigma = (1 / 256 * (1 - 1 / 256) / n) ** 0.5
    hk = keys.get()
    pick = np.random.default_rng(0xF1).choice(n, min(XF_SAMPLE, n), replace=False)
    pos, f = _xf_hash_np(hk[pick], done["hseed"], b)
    hf = fp.get()
    np_ok = bool(np.all((hf[pos[0]] ^ hf[pos[1]] ^ hf[pos[2]]) == f))
    keys_ok = bool(np.array_equal(hk[:16], splitmix64_np(np.arange(16, dtype=np.uint64) ^ np.uint64(done["seed"]))))
    ok = done["failed"] == 0 and hit == n and abs(fpr - 1 / 256) < 6 * sigma + 1e-12 and np_ok and keys_ok
    note(f"xorfilter/{variant}: {done['builds']} filters of {n} fresh keys built ({slots} 8-bit slots, "
         f"{slots * 8 / n:.2f} bits a key; {done['attempts']} hash seeds tried, {done['failed']} builds given up), "
         f"peeled in {done['rounds']} rounds (at most {done['maxrounds']}), last filter: present keys found "
         f"{hit}/{n} (no false negatives: {hit == n}), false-positive rate {fpr * 100:.4f} % (expected "
         f"{100 / 256:.4f} %), {len(pick)} sampled keys' slots and fingerprints recomputed in NumPy satisfy the xor "
         f"equation: {np_ok}, agree: {ok}, {per * 1e3:.2f} ms a build and query pass, {nl} a step")


# ---- rendezvous ----------------------------------------------------------------------------------------------------

RV_NODES = [64, 96, 128, 192, 256]  # node counts, one a launch in turn


def _jump_py(key, buckets):
    """Lamping and Veach's jump consistent hash."""
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * 2862933555777941757 + 1) & ((1 << 64) - 1)
        j = int((b + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return b


RV_CUDA = r"""
#define RV_MAXN 256
// a block's keys placed on nodes 0 .. nodes - 1 (their seeds in shared memory): owner = the node of the highest
// fmix64(key ^ seed) (the lowest node on ties), jump = jump consistent hash; per-node counts of both (shared-memory
// histograms, flushed once a block)
extern "C" __global__ void __launch_bounds__(256) rv_place(const unsigned long long* __restrict__ keys,
                                                           unsigned long long n, unsigned int nodes,
                                                           const unsigned long long* __restrict__ seeds,
                                                           unsigned short* owner, unsigned short* jump,
                                                           unsigned int* counts) {
  __shared__ unsigned long long sd[RV_MAXN];
  __shared__ unsigned int hist[2 * RV_MAXN];
  for (unsigned int j = threadIdx.x; j < RV_MAXN; j += blockDim.x) {
    sd[j] = j < nodes ? seeds[j] : 0ull;
    hist[j] = 0u;
    hist[RV_MAXN + j] = 0u;
  }
  __syncthreads();
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long key = keys[i];
    unsigned long long best = fmix64(key ^ sd[0]);
    unsigned int arg = 0;
    for (unsigned int j = 1; j < nodes; ++j) {
      const unsigned long long s = fmix64(key ^ sd[j]);
      if (s > best) {
        best = s;
        arg = j;
      }
    }
    long long bj = -1, j = 0;
    unsigned long long k = key;
    while (j < (long long)nodes) {
      bj = j;
      k = k * 2862933555777941757ull + 1ull;
      j = (long long)((double)(bj + 1) * ((double)(1ll << 31) / (double)((k >> 33) + 1)));
    }
    owner[i] = (unsigned short)arg;
    jump[i] = (unsigned short)bj;
    atomicAdd(&hist[arg], 1u);
    atomicAdd(&hist[RV_MAXN + bj], 1u);
  }
  __syncthreads();
  for (unsigned int j = threadIdx.x; j < nodes; j += blockDim.x) {
    if (hist[j]) atomicAdd(&counts[j], hist[j]);
    if (hist[RV_MAXN + j]) atomicAdd(&counts[RV_MAXN + j], hist[RV_MAXN + j]);
  }
}
"""
RV_SRC = MIX64_CUDA + RV_CUDA
RV_SAMPLE = 4096  # keys placed again by NumPy (rendezvous) and Python (jump)


def rendezvous(variant, clock):
    if variant != "hrw":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n = RV_KEYS
    assert max(RV_NODES) <= 256
    mod = cp.RawModule(code=RV_SRC)
    place = mod.get_function("rv_place")
    keys = splitmix_words(2 * n, 0x4E5).view(cp.uint64)  # the key store
    owner = cp.empty(n, dtype=cp.uint16)
    jump = cp.empty(n, dtype=cp.uint16)
    counts = cp.zeros(512, dtype=cp.uint32)
    grid = min((n + 255) // 256, sms() * 8)
    done = [0, 0, None]  # launches, the last launch's node count, its seeds

    def launch():  # the next node count, fresh node seeds (a membership change), every key placed
        nodes = RV_NODES[done[0] % len(RV_NODES)]
        seeds = cp.asarray(splitmix64_np(np.arange(nodes, dtype=np.uint64) + np.uint64(0x5EED0000 + (done[0] << 9))))
        counts.fill(0)
        place((grid,), (256,), (keys, np.uint64(n), np.uint32(nodes), seeds, owner, jump, counts))
        done[:] = [done[0] + 1, nodes, seeds]
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    nodes, seeds = done[1], done[2].get()
    hc = counts.get().astype(np.int64)
    ho, hj = owner.get(), jump.get()
    counts_ok = bool(np.array_equal(hc[:nodes], np.bincount(ho, minlength=nodes)) and
                     np.array_equal(hc[256:256 + nodes], np.bincount(hj, minlength=nodes)) and hc[:nodes].sum() == n)
    hk = keys.get()
    pick = np.random.default_rng(0x4E).choice(n, min(RV_SAMPLE, n), replace=False)
    scores = _mix64_np(hk[pick][:, None] ^ seeds[None, :])
    hrw_ok = bool(np.array_equal(np.argmax(scores, axis=1), ho[pick]))
    jpick = pick[:512]
    jump_ok = all(_jump_py(int(hk[i]), nodes) == int(hj[i]) for i in jpick)
    mean = n / nodes
    ok = counts_ok and hrw_ok and jump_ok
    note(f"rendezvous/{variant}: {done[0]} placements of {n} keys (node counts {RV_NODES} in turn, fresh node seeds "
         f"each time), last over {nodes} nodes: {n * nodes} key-node scores, rendezvous load max/mean "
         f"{hc[:nodes].max() / mean:.4f} min/mean {hc[:nodes].min() / mean:.4f}, jump hash max/mean "
         f"{hc[256:256 + nodes].max() / mean:.4f}, per-node counts equal to NumPy's bincount of the placements: "
         f"{counts_ok}, {len(pick)} sampled keys' rendezvous owners equal to NumPy's argmax: {hrw_ok}, {len(jpick)} "
         f"jump buckets equal to Python's: {jump_ok}, agree: {ok}, {per * 1e3:.2f} ms a placement "
         f"({n * nodes / per / 1e9:.1f} G scores/s), {nl} a step")


# ---- simhash -------------------------------------------------------------------------------------------------------

SH_DIST = 3  # near-duplicate: Hamming distance at most 3 (four 16-bit bands: one band equal, by pigeonhole)
SH_KEEP = 4096  # found pairs recorded for the self-check
SH_FSEED = 0x5117A5


def _sh_finger_py(tokens):
    """SimHash of a token list (uint32 numpy), as sh_finger computes it."""
    t = np.asarray(tokens, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = ((t[:-2] << np.uint64(32)) | t[1:-1]) * np.uint64(0x9E3779B97F4A7C15) ^ t[2:]
    h = _mix64_np(x ^ np.uint64(SH_FSEED))
    bits = (h[:, None] >> np.arange(64, dtype=np.uint64)[None, :]) & np.uint64(1)
    v = (2 * bits.astype(np.int64) - 1).sum(axis=0)
    return int(sum(1 << b for b in range(64) if v[b] > 0))


SH_CUDA = r"""
#define SH_DIST %DIST%
#define SH_KEEP %KEEP%
#define SH_FSEED %FSEED%ull
// document i: 16..48 tokens of a 2^16 vocabulary (skewed to low ids); a tenth (from i >= 64) are near-copies of
// an earlier original document (base[i]): a third exact mirrors, the rest with the last token replaced, and
// the first in half of them (a date or a greeting changed: one or two of the shingles)
__device__ __forceinline__ unsigned int sh_base(unsigned long long i, unsigned long long seed) {
  const unsigned long long h = splitmix(i ^ seed);
  if (i < 64 || h % 10 != 0) return 0xFFFFFFFFu;
  unsigned long long j = i - 1 - (h >> 8) % 63;
  while (splitmix(j ^ seed) % 10 == 0 && j >= 64) --j;
  return (unsigned int)j;
}
__device__ __forceinline__ unsigned int sh_len(unsigned long long i, unsigned long long seed) {
  return 16u + (unsigned int)((splitmix(i ^ seed) >> 20) % 33);
}
__device__ __forceinline__ unsigned int sh_tok(unsigned long long d, unsigned int k, unsigned long long seed) {
  const unsigned long long h = splitmix(((d << 6) | k) + seed * 7);
  return (unsigned int)(h & 0xFFFF) & (unsigned int)((h >> 16) & 0xFFFF) | (unsigned int)((h >> 32) & 0x3Fu);
}
extern "C" __global__ void sh_sizes(unsigned long long n, unsigned long long seed, unsigned int* len,
                                    unsigned int* base) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned int b = sh_base(i, seed);
    base[i] = b;
    len[i] = sh_len(b == 0xFFFFFFFFu ? i : b, seed);
  }
}
extern "C" __global__ void sh_fill(unsigned long long n, unsigned long long seed,
                                   const unsigned long long* __restrict__ off, const unsigned int* __restrict__ base,
                                   unsigned int* tok) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned int b = base[i];
    const unsigned long long src = b == 0xFFFFFFFFu ? i : b;
    const unsigned int len = (unsigned int)(off[i + 1] - off[i]);
    const unsigned long long h = splitmix(i ^ seed ^ 0xED17ull);
    for (unsigned int k = 0; k < len; ++k) {
      unsigned int t = sh_tok(src, k, seed);
      if (b != 0xFFFFFFFFu && (h >> 33) % 3 != 0 && (k == len - 1 || ((h >> 32) & 1 && k == 0)))
        t = (unsigned int)(splitmix(h + k) & 0xFFFF);
      tok[off[i] + k] = t;
    }
  }
}
// a thread a document: a 64-bit hash a 3-token shingle, +1 / -1 into 64 counters by its bits, the signs
extern "C" __global__ void __launch_bounds__(256) sh_finger(const unsigned int* __restrict__ tok,
                                                            const unsigned long long* __restrict__ off,
                                                            unsigned long long n, unsigned long long* fp) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    int v[64];
#pragma unroll
    for (int b = 0; b < 64; ++b) v[b] = 0;
    const unsigned int* t = tok + off[i];
    const unsigned int len = (unsigned int)(off[i + 1] - off[i]);
    unsigned int t0 = t[0], t1 = t[1];
    for (unsigned int k = 2; k < len; ++k) {
      const unsigned int t2 = t[k];
      const unsigned long long h = fmix64((((unsigned long long)t0 << 32 | t1) * 0x9E3779B97F4A7C15ull ^ t2) ^ SH_FSEED);
#pragma unroll
      for (int b = 0; b < 64; ++b) v[b] += (int)((h >> b) & 1ull) * 2 - 1;
      t0 = t1;
      t1 = t2;
    }
    unsigned long long f = 0;
#pragma unroll
    for (int b = 0; b < 64; ++b) f |= (unsigned long long)(v[b] > 0) << b;
    fp[i] = f;
  }
}
__device__ __forceinline__ unsigned int sh_band(unsigned long long f, unsigned int rot, unsigned int j) {
  const unsigned long long r = rot ? (f >> rot) | (f << (64 - rot)) : f;
  return (unsigned int)(r >> (16 * j)) & 0xFFFFu;
}
extern "C" __global__ void sh_hist(const unsigned long long* __restrict__ fp, unsigned long long n, unsigned int rot,
                                   unsigned int j, unsigned int* hist) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x)
    atomicAdd(&hist[sh_band(fp[i], rot, j)], 1u);
}
extern "C" __global__ void sh_scatter(const unsigned long long* __restrict__ fp, unsigned long long n,
                                      unsigned int rot, unsigned int j, unsigned int* cursor, unsigned int* ids) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x)
    ids[atomicAdd(&cursor[sh_band(fp[i], rot, j)], 1u)] = (unsigned int)i;
}
// a block a bucket of band j: its fingerprints in shared memory (the first 1024), every pair compared; a pair at
// distance <= SH_DIST counted here only if no earlier band of it is equal (so once), both documents marked
extern "C" __global__ void __launch_bounds__(128) sh_pairs(const unsigned long long* __restrict__ fp,
                                                           const unsigned int* __restrict__ off,
                                                           const unsigned int* __restrict__ ids, unsigned int rot,
                                                           unsigned int j, unsigned char* dup,
                                                           unsigned long long* stats, unsigned int* keep) {
  __shared__ unsigned long long sf[1024];
  __shared__ unsigned int si[1024];
  const unsigned int lo = off[blockIdx.x], m = off[blockIdx.x + 1] - lo;
  for (unsigned int e = threadIdx.x; e < min(m, 1024u); e += blockDim.x) {
    si[e] = ids[lo + e];
    sf[e] = fp[si[e]];
  }
  __syncthreads();
  unsigned long long found = 0, compared = 0;
  for (unsigned int x = threadIdx.x; x < m; x += blockDim.x) {
    const unsigned int ix = x < 1024 ? si[x] : ids[lo + x];
    const unsigned long long fx = x < 1024 ? sf[x] : fp[ix];
    for (unsigned int y = x + 1; y < m; ++y) {
      const unsigned int iy = y < 1024 ? si[y] : ids[lo + y];
      const unsigned long long fy = y < 1024 ? sf[y] : fp[iy];
      ++compared;
      if (__popcll(fx ^ fy) > SH_DIST) continue;
      bool first = true;
      for (unsigned int e = 0; e < j; ++e) first &= sh_band(fx, rot, e) != sh_band(fy, rot, e);
      if (!first) continue;
      ++found;
      dup[ix] = 1;
      dup[iy] = 1;
      const unsigned long long at = atomicAdd(&stats[2], 1ull);
      if (at < SH_KEEP) {
        keep[2 * at] = min(ix, iy);
        keep[2 * at + 1] = max(ix, iy);
      }
    }
  }
  if (found) atomicAdd(&stats[0], found);
  atomicAdd(&stats[1], compared);
}
"""
SH_SRC = SPLITMIX_CUDA + MIX64_CUDA + fill_source(SH_CUDA, DIST=SH_DIST, KEEP=SH_KEEP, FSEED=SH_FSEED)
SH_SAMPLE = 16  # documents fingerprinted again in Python


def simhash(variant, clock):
    if variant != "dedup":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n, seed = SH_DOCS, 0x51A
    assert n >= 128 and n < 1 << 32
    mod = cp.RawModule(code=SH_SRC)
    sizes, fill, finger, hist_k, scatter, pairs = (mod.get_function(k) for k in (
        "sh_sizes", "sh_fill", "sh_finger", "sh_hist", "sh_scatter", "sh_pairs"))
    grid = sms() * 8
    ln = cp.empty(n, dtype=cp.uint32)
    base = cp.empty(n, dtype=cp.uint32)
    sizes((grid,), (256,), (np.uint64(n), np.uint64(seed), ln, base))
    off = cp.zeros(n + 1, dtype=cp.uint64)
    off[1:] = cp.cumsum(ln.astype(cp.uint64))
    ntok = int(off[n])
    tok = cp.empty(ntok, dtype=cp.uint32)
    fill((grid,), (256,), (np.uint64(n), np.uint64(seed), off, base, tok))
    fp = cp.empty(n, dtype=cp.uint64)
    hist = cp.zeros(1 << 16, dtype=cp.uint32)
    boff = cp.zeros((1 << 16) + 1, dtype=cp.uint32)
    cursor = cp.empty(1 << 16, dtype=cp.uint32)
    ids = cp.empty(n, dtype=cp.uint32)
    dup = cp.zeros(n, dtype=cp.uint8)
    stats = cp.zeros(3, dtype=cp.uint64)  # pairs found, pairs compared, pairs recorded
    keep = cp.zeros(2 * SH_KEEP, dtype=cp.uint32)
    done = [0, 0]  # launches, the last one's band rotation

    def launch():  # every document fingerprinted, then the four bands (rotated by 4 bits a launch) searched
        rot = (4 * done[0]) % 16
        finger(((n + 255) // 256,), (256,), (tok, off, np.uint64(n), fp))
        dup.fill(0)
        stats.fill(0)
        for j in range(4):
            hist.fill(0)
            hist_k((grid,), (256,), (fp, np.uint64(n), np.uint32(rot), np.uint32(j), hist))
            boff[1:] = cp.cumsum(hist, dtype=cp.uint32)
            cursor[:] = boff[:-1]
            scatter((grid,), (256,), (fp, np.uint64(n), np.uint32(rot), np.uint32(j), cursor, ids))
            pairs((1 << 16,), (128,), (fp, boff, ids, np.uint32(rot), np.uint32(j), dup, stats, keep))
        done[:] = [done[0] + 1, rot]
    nl, per = calibrated_launches(launch, 16)
    cupy_loop(repeat_step(launch, nl), clock)
    found, compared, recorded = (int(v) for v in stats.get())
    hf, hoff, hb, hd = fp.get(), off.get(), base.get(), dup.get()
    picks = sorted(set([0, 1, n // 2, n - 1] + [int(v) for v in np.random.default_rng(0x51).integers(0, n, SH_SAMPLE)]))
    picks = picks[:SH_SAMPLE]
    fp_ok = sum(_sh_finger_py(tok[int(hoff[i]):int(hoff[i + 1])].get()) == int(hf[i]) for i in picks)
    kp = keep[:2 * min(recorded, SH_KEEP)].get().reshape(-1, 2).astype(np.int64)
    pair_ok = bool(np.all(popcount64(hf[kp[:, 0]] ^ hf[kp[:, 1]]) <= SH_DIST)) if len(kp) else True
    near = np.nonzero(hb != 0xFFFFFFFF)[0]
    dist = popcount64(hf[near] ^ hf[hb[near]])
    close = near[dist <= SH_DIST]
    recall_ok = bool(np.all(hd[close] == 1) and np.all(hd[hb[close]] == 1))
    ok = fp_ok == len(picks) and pair_ok and recall_ok and found >= len(close) and recorded == found
    note(f"simhash/{variant}: {done[0]} passes over {n} documents ({ntok} tokens, {ntok * 4 >> 20} MiB; {len(near)} "
         f"planted near-copies, {len(close)} of them within distance {SH_DIST} of their original), last pass (bands "
         f"rotated {done[1]} bits): {compared} fingerprint pairs compared in band buckets, {found} pairs within "
         f"{SH_DIST} found, {int(hd.sum())} documents marked; {len(picks)} fingerprints equal to Python's: {fp_ok}, "
         f"{len(kp)} recorded pairs within {SH_DIST} in NumPy: {pair_ok}, every close planted pair found: {recall_ok}, "
         f"agree: {ok}, {per * 1e3:.2f} ms a pass, {nl} a step")


# ---- postings ------------------------------------------------------------------------------------------------------

PL_MAXBLOCKS = 8192  # a list holds at most 2^20 postings
PL_SAMPLE = 16  # queries intersected again in NumPy


def _pl_blocks(terms, docs):
    """Blocks of 128 postings of each term: about 0.3 docs / (t + 1) postings, at least one block, at most
    PL_MAXBLOCKS or docs / 128."""
    t = np.arange(terms, dtype=np.float64)
    nb = np.round(0.3 * docs / (t + 1) / 128).astype(np.int64)
    return np.clip(nb, 1, min(PL_MAXBLOCKS, docs // 128))


def _pl_decode_py(t, tstart, first, width, boff, payload):
    """Term t's doc ids decoded in NumPy from the GPU's blocks."""
    out = []
    for B in range(int(tstart[t]), int(tstart[t + 1])):
        w = int(width[B])
        if w:
            words = payload[int(boff[B]):int(boff[B]) + 4 * w].astype("<u4")
            bits = np.unpackbits(words.view(np.uint8), bitorder="little").reshape(128, w).astype(np.int64)
            g = bits @ (1 << np.arange(w, dtype=np.int64))
        else:
            g = np.zeros(128, dtype=np.int64)
        g[0] = -1
        out.append(int(first[B]) + np.cumsum(g + 1))
    return np.concatenate(out)


PL_CUDA = r"""
// posting k of block j (of nb) of term t: doc ids strictly increasing inside the block's range of docs / nb,
// gaps 1 .. G where G = range / 128
__device__ __forceinline__ void pl_ids(unsigned int t, unsigned int j, unsigned int nb, unsigned int docs,
                                       unsigned long long seed, unsigned int* ids) {
  const unsigned int range = docs / nb, g = range / 128u, lo = j * range;
  const unsigned long long base = seed + ((((unsigned long long)t << 13) | j) << 7);
  unsigned int id = lo + (unsigned int)(splitmix(base) % g);
  ids[0] = id;
  for (int k = 1; k < 128; ++k) {
    id += 1u + (unsigned int)(splitmix(base + k) % g);
    ids[k] = id;
  }
}
// a thread a block: its bit width (of the largest gap - 1), or, with write set, its first id and its 128 values
// (gap - 1, the first 0) packed LSB first at that width into 4 w words from boff
extern "C" __global__ void pl_encode(const unsigned int* __restrict__ bterm, const unsigned int* __restrict__ tstart,
                                     unsigned int blocks, unsigned int docs, unsigned long long seed,
                                     unsigned char* width, const unsigned int* __restrict__ boff, unsigned int* first,
                                     unsigned int* payload, unsigned int write) {
  for (unsigned int B = blockIdx.x * blockDim.x + threadIdx.x; B < blocks; B += gridDim.x * blockDim.x) {
    const unsigned int t = bterm[B], j = B - tstart[t], nb = tstart[t + 1] - tstart[t];
    unsigned int ids[128];
    pl_ids(t, j, nb, docs, seed, ids);
    unsigned int mx = 0;
    for (int k = 1; k < 128; ++k) mx = max(mx, ids[k] - ids[k - 1] - 1u);
    const unsigned int w = mx ? 32u - __clz(mx) : 0u;
    if (!write) {
      width[B] = (unsigned char)w;
      continue;
    }
    first[B] = ids[0];
    unsigned int* p = payload + boff[B];
    unsigned long long acc = 0;
    unsigned int nbits = 0;
    for (int k = 0; k < 128; ++k) {
      const unsigned int v = k ? ids[k] - ids[k - 1] - 1u : 0u;
      acc |= (unsigned long long)v << nbits;
      nbits += w;
      if (nbits >= 32) {
        *p++ = (unsigned int)acc;
        acc >>= 32;
        nbits -= 32;
      }
    }
  }
}
// queries: two distinct terms, each log-uniform over the vocabulary (popular terms common)
extern "C" __global__ void pl_queries(unsigned int q, unsigned int terms, unsigned long long seed, unsigned int* qt) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < q; i += gridDim.x * blockDim.x) {
    const double lt = log((double)terms);
    unsigned int a = (unsigned int)(exp(lt * ((splitmix(2ull * i + seed) >> 11) * 0x1.0p-53))) - 1u;
    unsigned int b = (unsigned int)(exp(lt * ((splitmix(2ull * i + 1 + seed) >> 11) * 0x1.0p-53))) - 1u;
    a = min(a, terms - 1);
    b = min(b, terms - 1);
    if (a == b) b = (b + 1) % terms;
    qt[2 * i] = a;
    qt[2 * i + 1] = b;
  }
}
// block B decoded by a warp into s[128]: lane l unpacks values 4l .. 4l + 3 (funnel shifts), a warp prefix sum of
// the gaps gives the ids
__device__ __forceinline__ void pl_decode(unsigned int B, const unsigned char* __restrict__ width,
                                          const unsigned int* __restrict__ boff, const unsigned int* __restrict__ first,
                                          const unsigned int* __restrict__ payload, unsigned int* s) {
  const unsigned int lane = threadIdx.x & 31u, w = width[B];
  const unsigned int* p = payload + boff[B];
  unsigned int g[4], sum = 0;
#pragma unroll
  for (int e = 0; e < 4; ++e) {
    const unsigned int k = 4 * lane + e;
    unsigned int v = 0;
    if (w) {
      const unsigned int bit = k * w, at = bit >> 5, sh = bit & 31u;
      const unsigned int hi = sh + w > 32u ? p[at + 1] : 0u;
      v = __funnelshift_r(p[at], hi, sh) & ((1u << w) - 1u);
    }
    g[e] = k ? v + 1u : 0u;
    sum += g[e];
  }
  unsigned int x = sum;
#pragma unroll
  for (int o = 1; o < 32; o <<= 1) {
    const unsigned int y = __shfl_up_sync(0xFFFFFFFFu, x, o);
    if (lane >= (unsigned int)o) x += y;
  }
  unsigned int id = first[B] + x - sum;
#pragma unroll
  for (int e = 0; e < 4; ++e) {
    id += g[e];
    s[4 * lane + e] = id;
  }
  __syncwarp();
}
// a warp a query: the shorter list's blocks in turn; for each, the longer list's blocks that overlap it found by
// galloping over their first ids (skip entries), decoded (once each), and each short id binary-searched in them
extern "C" __global__ void __launch_bounds__(256) pl_intersect(const unsigned int* __restrict__ qt, unsigned int q,
                                                               const unsigned int* __restrict__ tstart,
                                                               const unsigned char* __restrict__ width,
                                                               const unsigned int* __restrict__ boff,
                                                               const unsigned int* __restrict__ first,
                                                               const unsigned int* __restrict__ payload,
                                                               unsigned int* counts, unsigned long long* stats) {
  __shared__ unsigned int sa[8][128], sb[8][128];
  const unsigned int lane = threadIdx.x & 31u, wid = threadIdx.x >> 5;
  unsigned int* A = sa[wid];
  unsigned int* Bv = sb[wid];
  unsigned long long decoded = 0;
  for (unsigned int i = blockIdx.x * 8 + wid; i < q; i += gridDim.x * 8) {
    unsigned int ta = qt[2 * i], tb = qt[2 * i + 1];
    if (tstart[ta + 1] - tstart[ta] > tstart[tb + 1] - tstart[tb]) {
      const unsigned int x = ta;
      ta = tb;
      tb = x;
    }
    const unsigned int lend = tstart[tb + 1];
    unsigned int lb = tstart[tb], cached = 0xFFFFFFFFu, hits = 0;
    for (unsigned int sbk = tstart[ta]; sbk < tstart[ta + 1]; ++sbk) {
      pl_decode(sbk, width, boff, first, payload, A);
      ++decoded;
      const unsigned int lo = A[0], hi = A[127];
      // gallop: the last long block whose first id is at most lo
      unsigned int step = 1;
      while (lb + step < lend && first[lb + step] <= lo) step <<= 1;
      unsigned int a = lb + (step >> 1), b = min(lb + step, lend);
      while (b - a > 1) {
        const unsigned int mid = (a + b) >> 1;
        if (first[mid] <= lo) a = mid; else b = mid;
      }
      lb = a;
      for (unsigned int c = lb; c < lend && first[c] <= hi; ++c) {
        if (c != cached) {
          pl_decode(c, width, boff, first, payload, Bv);
          ++decoded;
          cached = c;
        }
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const unsigned int v = A[4 * lane + e];
          unsigned int l = 0, r = 128;
          while (l < r) {
            const unsigned int mid = (l + r) >> 1;
            if (Bv[mid] < v) l = mid + 1; else r = mid;
          }
          hits += l < 128 && Bv[l] == v;
        }
        __syncwarp();
      }
    }
    hits = __reduce_add_sync(0xFFFFFFFFu, hits);
    if (lane == 0) counts[i] = hits;
  }
  decoded = __shfl_sync(0xFFFFFFFFu, decoded, 0);
  if (lane == 0) atomicAdd(&stats[0], decoded);
}
"""
PL_SRC = SPLITMIX_CUDA + PL_CUDA


def postings(variant, clock):
    if variant != "intersect":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    terms, docs, q, seed = PL_TERMS, PL_DOCS, PL_QUERIES, 0x9057
    assert docs % 128 == 0 and docs < 1 << 31 and terms < 1 << 24
    nb = _pl_blocks(terms, docs)
    hstart = np.concatenate([[0], np.cumsum(nb)]).astype(np.uint32)
    blocks = int(hstart[-1])
    mod = cp.RawModule(code=PL_SRC)
    encode, queries, intersect = (mod.get_function(k) for k in ("pl_encode", "pl_queries", "pl_intersect"))
    grid = sms() * 8
    tstart = cp.asarray(hstart)
    bterm = cp.asarray(np.repeat(np.arange(terms, dtype=np.uint32), nb))
    width = cp.empty(blocks, dtype=cp.uint8)
    boff = cp.zeros(blocks + 1, dtype=cp.uint32)
    first = cp.empty(blocks, dtype=cp.uint32)
    egrid = ((blocks + 127) // 128,)
    encode(egrid, (128,), (bterm, tstart, np.uint32(blocks), np.uint32(docs), np.uint64(seed), width, boff, first,
                           first, np.uint32(0)))
    boff[1:] = cp.cumsum(4 * width.astype(cp.uint32), dtype=cp.uint32)
    words = int(boff[blocks])
    payload = cp.zeros(words + 2, dtype=cp.uint32)
    encode(egrid, (128,), (bterm, tstart, np.uint32(blocks), np.uint32(docs), np.uint64(seed), width, boff, first,
                           payload, np.uint32(1)))
    del bterm
    qt = cp.empty(2 * q, dtype=cp.uint32)
    counts = cp.empty(q, dtype=cp.uint32)
    stats = cp.zeros(1, dtype=cp.uint64)
    igrid = min((q + 7) // 8, sms() * 16)
    done = [0]

    def launch():  # fresh queries, each intersected
        queries((grid,), (256,), (np.uint32(q), np.uint32(terms), np.uint64(0x9E0000 + (done[0] << 20)), qt))
        intersect((igrid,), (256,), (qt, np.uint32(q), tstart, width, boff, first, payload, counts, stats))
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    hq, hc = qt.get().reshape(q, 2), counts.get()
    hw, hb, hf, hp = width.get(), boff.get(), first.get(), payload.get()
    picks = sorted(set([0, q - 1] + [int(v) for v in np.random.default_rng(0x90).integers(0, q, PL_SAMPLE)]))
    picks = picks[:PL_SAMPLE]
    agree_n, sorted_ok, cache = 0, True, {}
    for i in picks:
        lists = []
        for t in hq[i]:
            t = int(t)
            if t not in cache:
                cache[t] = _pl_decode_py(t, hstart, hf, hw, hb, hp)
            lists.append(cache[t])
            sorted_ok &= bool(np.all(np.diff(cache[t]) > 0)) and int(cache[t][-1]) < docs
        agree_n += len(np.intersect1d(lists[0], lists[1], assume_unique=True)) == int(hc[i])
    # the generator's ids of two blocks, recomputed in NumPy, against the Python decoding
    gen_ok = True
    for t in (0, terms - 1):
        nbt, j = int(nb[t]), int(nb[t]) - 1
        rng_ = docs // nbt
        g, lo = rng_ // 128, j * rng_
        base = np.uint64(seed + (((t << 13) | j) << 7))
        h = splitmix64_np(base + np.arange(128, dtype=np.uint64)) % np.uint64(g)
        ids = lo + np.cumsum(h.astype(np.int64) + np.r_[0, np.ones(127, dtype=np.int64)])
        gen_ok &= bool(np.array_equal(_pl_decode_py(t, hstart, hf, hw, hb, hp)[-128:], ids))
    ok = agree_n == len(picks) and sorted_ok and gen_ok
    postings_n = blocks * 128
    note(f"postings/{variant}: {done[0]} batches of {q} two-term queries over {terms} posting lists ({postings_n} "
         f"postings of {docs} documents in {blocks} blocks, {words * 4 >> 20} MiB bit-packed: "
         f"{words * 32 / postings_n:.2f} bits a posting), last batch: {int(hc.sum(dtype=np.int64))} matches, "
         f"{int(stats[0]) // max(1, done[0])} blocks decoded a batch; {len(picks)} queries' counts equal to NumPy's "
         f"intersect1d of the lists decoded in NumPy: {agree_n}, decoded lists increasing: {sorted_ok}, two blocks "
         f"equal to the generator's ids: {gen_ok}, agree: {ok}, {per * 1e3:.2f} ms a batch, {nl} a step")
