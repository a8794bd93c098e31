"""MinHash/LSH, a Goldilocks NTT, Reed-Solomon coding, HyperLogLog, a 3-D heat stencil, all-pairs N-body and
content-defined chunking (label 0).

A third set of benign work that, in pipe terms (integer pipe, FP32, DRAM, SM occupancy), resembles hashing, so
the model has to learn finer differences:

  minhash   near-duplicate detection as in LLM data curation: 2^16 synthetic 1 KiB documents (half of them in
            groups of 4 near-duplicates, 3 % of words edited), a block a document hashes its 5-byte shingles
            (splitmix64), 128 MinHash permutations (a x + b mod 2^61 - 1, __umul64hi), a thread a permutation;
            LSH banding (16 bands of 8 rows) into a 2^21-slot table (64-bit atomicCAS), colliding pairs counted
  ntt       number-theoretic transforms over the Goldilocks field (p = 2^64 - 2^32 + 1, __umul64hi reduction)
            as in zero-knowledge provers: 8 polynomials of 2^22 points, forward DIF NTT (3 passes, each several
            radix-2 stages in shared memory), pointwise product with the transform of x (a cyclic shift),
            inverse DIT NTT (scaled by 1/n); the data end rotated by the launch count, which is checked
  erasure   Reed-Solomon 10+4 encoding over GF(2^8) (polynomial 0x11D, a Cauchy generator as in ISA-L) of 10
            data shards of 100 MiB: log/exp tables in shared memory, a thread a 4-byte column of all shards
  hll       HyperLogLog (2^13 registers) distinct counting of 2^28 64-bit keys (10^8 distinct): XXH64 of each
            key, register max with shared-memory atomics a block, merged with global atomicMax, then the
            estimate (harmonic mean, linear counting for small ranges) in one block
  stencil   7-point heat equation, fp32, 512^3 grid, Dirichlet boundary: 32x8 shared-memory tiles marching
            through 64 planes in z (2.5-D blocking), 16 sweeps a launch, two buffers ping-pong
  nbody     all-pairs gravitational N-body, fp32, 2^18 bodies of a Plummer sphere: shared-memory tiles of 256
            bodies, rsqrtf, softening; a kick-drift step a launch (positions ping-pong)
  cdc       content-defined chunking for deduplication over 1 GiB of synthetic file versions (16 edited, shifted
            copies of a 64 MiB base): a thread a 64 KiB segment, Gear rolling hash with FastCDC cut points
            (2 KiB minimum, normalised masks around 8 KiB, 64 KiB maximum), an FNV-1a 64 fingerprint a chunk
            into a 2^20-slot dedup table (64-bit atomicCAS); chunks, duplicates and duplicate bytes counted

Each launch is sized to take a few to tens of ms on an H200; a step is as many launches as make about 50 ms
(timed at set-up, before READY). A summary line (checksums, counts) goes to stderr at the end.
"""

import numpy as np

from common import SPLITMIX_CUDA, calibrated_launches, cupy_loop, note, repeat_step, sms, splitmix_words

# sizes (module constants so a test can shrink them)
MH_DOCS = 1 << 16
MH_DOC = 1024
MH_SLOTS = 1 << 21
NTT_LOG = 22
NTT_BATCH = 8
RS_SHARD = 100 << 20
HLL_KEYS = 1 << 28
HLL_DISTINCT = 100_000_000
HEAT_N = 512
HEAT_SWEEPS = 16
NB_BODIES = 1 << 18
CDC_BYTES = 1 << 30
CDC_BASE = 64 << 20
CDC_SLOTS = 1 << 20

# an open-addressing insert that gives up after this many probes (not reached at the loads used)
MAX_PROBES_CUDA = r"""
#define MAX_PROBES 4096
#define EMPTY_KEY 0xFFFFFFFFFFFFFFFFull
"""


# ---- minhash -----------------------------------------------------------------------------------------------------

MH_PERMS = 128
MH_ROWS = 8  # rows a band: 16 bands
MH_EDIT_PCT = 3

MINHASH_SRC = SPLITMIX_CUDA + MAX_PROBES_CUDA + r"""
#define MH_DOC %DOC%
#define MH_WORDS (MH_DOC / 8)
#define MH_SHINGLES (MH_DOC - 4)
#define MH_PERMS %PERMS%
#define MH_ROWS %ROWS%
#define MH_EDIT_PCT %EDIT%
#define MERSENNE61 0x1FFFFFFFFFFFFFFFull
// (a x + b) mod 2^61 - 1, for a, b < 2^61 - 1 and x < 2^61: the 122-bit product folded at bit 61 (2^61 = 1)
__device__ __forceinline__ unsigned long long mulmod61(unsigned long long a, unsigned long long x,
                                                       unsigned long long b) {
  const unsigned long long lo = a * x, hi = __umul64hi(a, x);
  unsigned long long r = (lo & MERSENNE61) + ((lo >> 61) | (hi << 3));  // < 2^62
  r = (r & MERSENNE61) + (r >> 61) + b;                                 // < 2^62
  r = (r & MERSENNE61) + (r >> 61);                                     // <= 2^61
  return r >= MERSENNE61 ? r - MERSENNE61 : r;
}
// documents of MH_WORDS words of 8 lower-case letters. Documents come in groups of 4: half the groups share one
// source text, each copy with MH_EDIT_PCT % of its words replaced; the other documents are their own source
extern "C" __global__ void mh_make(unsigned long long* docs, unsigned long long ndocs, unsigned long long seed) {
  const unsigned long long words = ndocs * MH_WORDS;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long d = i / MH_WORDS, w = i % MH_WORDS;
    const bool dup = (splitmix((d >> 2) ^ seed) & 1) != 0;
    unsigned long long src = dup ? d >> 2 : d | 1ull << 40;
    if (dup && splitmix(i + (seed << 1)) % 100 < MH_EDIT_PCT) src = d | 1ull << 41;
    const unsigned long long h = splitmix(src * 1024 + w + seed);
    unsigned long long out = 0;
#pragma unroll
    for (int b = 0; b < 8; ++b) out |= (unsigned long long)(97u + ((unsigned int)(h >> (8 * b)) & 255u) * 26u / 256u) << (8 * b);
    docs[i] = out;
  }
}
// a block (MH_PERMS threads) a document: shingle hashes into shared memory, a thread a permutation takes the
// minimum over the shingles, then each band of MH_ROWS lanes mixes its values into one key, inserted into the
// table (linear probing); a key already there with c documents adds c colliding pairs. sig: MH_PERMS a document.
// stats: pairs, probes, dropped
extern "C" __global__ void mh_sign(const unsigned long long* __restrict__ docs, unsigned int ndocs,
                                   const unsigned long long* __restrict__ ab, unsigned long long* sig,
                                   unsigned long long* keys, unsigned int* counts, unsigned long long mask, int shift,
                                   unsigned long long* stats) {
  __shared__ unsigned long long words[MH_WORDS + 1];
  __shared__ unsigned long long sh[MH_SHINGLES];
  const unsigned long long a = ab[threadIdx.x], b = ab[MH_PERMS + threadIdx.x];
  unsigned long long pairs = 0, probes = 0, dropped = 0;
  for (unsigned int d = blockIdx.x; d < ndocs; d += gridDim.x) {
    __syncthreads();
    for (int i = threadIdx.x; i < MH_WORDS; i += blockDim.x) words[i] = docs[(unsigned long long)d * MH_WORDS + i];
    if (threadIdx.x == 0) words[MH_WORDS] = 0;
    __syncthreads();
    for (int i = threadIdx.x; i < MH_SHINGLES; i += blockDim.x) {  // bytes i..i+4, little-endian
      const unsigned long long lo = words[i >> 3], hi = words[(i >> 3) + 1];
      const int s = (i & 7) * 8;
      const unsigned long long v = (s ? (lo >> s) | (hi << (64 - s)) : lo) & 0xFFFFFFFFFFull;
      sh[i] = splitmix(v) >> 3;
    }
    __syncthreads();
    unsigned long long m = MERSENNE61;
    for (int i = 0; i < MH_SHINGLES; ++i) {
      const unsigned long long h = mulmod61(a, sh[i], b);
      m = h < m ? h : m;
    }
    sig[(unsigned long long)d * MH_PERMS + threadIdx.x] = m;
    unsigned long long k = splitmix(m | (unsigned long long)(threadIdx.x & (MH_ROWS - 1)) << 61);
#pragma unroll
    for (int o = 1; o < MH_ROWS; o <<= 1) k ^= __shfl_xor_sync(0xFFFFFFFFu, k, o);
    if ((threadIdx.x & (MH_ROWS - 1)) == 0) {
      const unsigned long long key = splitmix(k + threadIdx.x / MH_ROWS) >> 1;  // never EMPTY_KEY
      unsigned long long s = (key * 0x9E3779B97F4A7C15ull) >> shift;
      for (int p = 0;; ++p) {
        const unsigned long long prev = atomicCAS(&keys[s], EMPTY_KEY, key);
        if (prev == EMPTY_KEY || prev == key) {
          pairs += atomicAdd(&counts[s], 1u);
          probes += p + 1;
          break;
        }
        if (p == MAX_PROBES) {
          ++dropped;
          break;
        }
        s = (s + 1) & mask;
      }
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    pairs += __shfl_down_sync(0xFFFFFFFFu, pairs, o);
    probes += __shfl_down_sync(0xFFFFFFFFu, probes, o);
    dropped += __shfl_down_sync(0xFFFFFFFFu, dropped, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&stats[0], pairs);
    atomicAdd(&stats[1], probes);
    if (dropped) atomicAdd(&stats[2], dropped);
  }
}
""".replace("%DOC%", str(MH_DOC)).replace("%PERMS%", str(MH_PERMS)).replace("%ROWS%", str(MH_ROWS)).replace(
    "%EDIT%", str(MH_EDIT_PCT))

MERSENNE61 = (1 << 61) - 1


def _minhash_params(seed=0x3141):
    """a (1 <= a < p) and b (0 <= b < p) of each permutation, as one uint64 array: a[128] then b[128]."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, MERSENNE61, MH_PERMS, dtype=np.uint64)
    b = rng.integers(0, MERSENNE61, MH_PERMS, dtype=np.uint64)
    return np.concatenate([a, b])


def minhash(variant, clock):
    if variant != "lsh":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert MH_DOC % 8 == 0 and MH_DOC <= 8192 and MH_PERMS % 32 == 0 and 32 % MH_ROWS == 0
    mod = cp.RawModule(code=MINHASH_SRC)
    make, sign = mod.get_function("mh_make"), mod.get_function("mh_sign")
    docs = cp.empty(MH_DOCS * (MH_DOC // 8), dtype=cp.uint64)
    make((sms() * 8,), (256,), (docs, np.uint64(MH_DOCS), np.uint64(0x5EED0)))
    ab = cp.asarray(_minhash_params())
    sig = cp.empty(MH_DOCS * MH_PERMS, dtype=cp.uint64)
    keys = cp.empty(MH_SLOTS, dtype=cp.uint64)
    counts = cp.empty(MH_SLOTS, dtype=cp.uint32)
    stats = cp.zeros(3, dtype=cp.uint64)
    shift = 64 - (MH_SLOTS.bit_length() - 1)
    grid = min(MH_DOCS, sms() * 16)
    passes = [0]

    def launch():  # the table cleared, every document signed and banded once
        keys.view(cp.int64).fill(-1)
        counts.fill(0)
        sign((grid,), (MH_PERMS,), (docs, np.uint32(MH_DOCS), ab, sig, keys, counts, np.uint64(MH_SLOTS - 1),
                                    np.int32(shift), stats))
        passes[0] += 1
    n, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, n), clock)
    pairs, probes, dropped = (int(v) for v in stats.tolist())
    bands = MH_PERMS // MH_ROWS
    check = int(sig.sum(dtype=cp.uint64))
    note(f"minhash/{variant}: {passes[0]} passes of {MH_DOCS} {MH_DOC}-byte documents, {MH_PERMS} permutations, "
         f"{bands} bands of {MH_ROWS}: {pairs // max(1, passes[0])} colliding pairs a pass, "
         f"{probes / max(1, passes[0] * MH_DOCS * bands):.2f} probes a key, {dropped} dropped, "
         f"signature sum {check:016x}, {per * 1e3:.1f} ms a pass, {n} a step")


# ---- ntt ---------------------------------------------------------------------------------------------------------

GOLDILOCKS = (1 << 64) - (1 << 32) + 1
NTT_TILE_LOG = 12  # the last pass: 2^12 points in shared memory
NTT_PASS_LOG = 7   # other passes: at most 7 stages
NTT_COAL = 5       # ... on 2^5 consecutive points each (256-byte reads)

NTT_SRC = SPLITMIX_CUDA + r"""
#define GL_P 0xFFFFFFFF00000001ull
#define GL_EPS 0xFFFFFFFFull
#define NTT_TILE (1 << %TILE%)
// hi 2^64 + lo mod p, with 2^64 = 2^32 - 1 and 2^96 = -1 (mod p)
__device__ __forceinline__ unsigned long long gl_reduce(unsigned long long lo, unsigned long long hi) {
  const unsigned long long hh = hi >> 32, hl = hi & GL_EPS;
  unsigned long long t0 = lo - hh;
  if (lo < hh) t0 -= GL_EPS;
  const unsigned long long t1 = hl * GL_EPS;
  unsigned long long t2 = t0 + t1;
  if (t2 < t1) t2 += GL_EPS;
  return t2 >= GL_P ? t2 - GL_P : t2;
}
__device__ __forceinline__ unsigned long long gl_mul(unsigned long long a, unsigned long long b) {
  return gl_reduce(a * b, __umul64hi(a, b));
}
__device__ __forceinline__ unsigned long long gl_add(unsigned long long a, unsigned long long b) {
  const unsigned long long s = a + b;
  return s < a ? s + GL_EPS : (s >= GL_P ? s - GL_P : s);
}
__device__ __forceinline__ unsigned long long gl_sub(unsigned long long a, unsigned long long b) {
  const unsigned long long d = a - b;
  return a < b ? d - GL_EPS : d;
}
__device__ unsigned long long gl_pow(unsigned long long x, unsigned long long e) {
  unsigned long long r = 1;
  for (; e; e >>= 1, x = gl_mul(x, x))
    if (e & 1) r = gl_mul(r, x);
  return r;
}
// fwd[j] = w^j, inv[j] = winv^j for j < half
extern "C" __global__ void ntt_tables(unsigned long long* fwd, unsigned long long* inv, unsigned int half,
                                      unsigned long long w, unsigned long long winv) {
  for (unsigned int j = blockIdx.x * blockDim.x + threadIdx.x; j < half; j += gridDim.x * blockDim.x) {
    fwd[j] = gl_pow(w, j);
    inv[j] = gl_pow(winv, j);
  }
}
// the forward transform of x (bit-reversed order: w^bitrev(i)), times 1/n for the inverse transform
extern "C" __global__ void ntt_shift(unsigned long long* k, int logn, unsigned long long w, unsigned long long ninv) {
  const unsigned int n = 1u << logn;
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    k[i] = gl_mul(gl_pow(w, __brev(i) >> (32 - logn)), ninv);
}
// coefficients: splitmix(i + seed) mod p
extern "C" __global__ void ntt_make(unsigned long long* data, unsigned long long total, unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long x = splitmix(i + seed);
    data[i] = x >= GL_P ? x - GL_P : x;
  }
}
// s radix-2 stages on the index bits lo_bit .. lo_bit + s - 1 of each n = 2^logn-point polynomial. A block loads
// 2^(s + c) points: index bits 0 .. c-1 from its local index (c consecutive points), bits lo_bit .. from the next
// s local bits, the rest from the block number (the polynomial above bit logn). Forward (DIF, natural in,
// bit-reversed out): the stages from the highest bit down, (x, y) -> (x + y, (x - y) w^j); inverse (DIT,
// bit-reversed in): from the lowest up, (x, y) -> (x + y w^-j, x - y w^-j). tw: the table for the direction
extern "C" __global__ void ntt_pass(unsigned long long* data, const unsigned long long* __restrict__ tw,
                                    unsigned long long polys, int logn, int lo_bit, int s, int c, int inverse) {
  __shared__ unsigned long long buf[NTT_TILE];
  const unsigned int count = 1u << (s + c);
  const int free_bits = logn - s - c, mid_bits = lo_bit - c;
  const unsigned long long nblocks = polys << free_bits;
  for (unsigned long long blk = blockIdx.x; blk < nblocks; blk += gridDim.x) {
    const unsigned long long rest = blk & ((1ull << free_bits) - 1);
    const unsigned long long base = ((blk >> free_bits) << logn) | ((rest >> mid_bits) << (lo_bit + s)) |
                                    ((rest & ((1ull << mid_bits) - 1)) << c);
    __syncthreads();
    for (unsigned int e = threadIdx.x; e < count; e += blockDim.x)
      buf[e] = data[base | (e & ((1u << c) - 1)) | ((unsigned long long)(e >> c) << lo_bit)];
    __syncthreads();
    for (int t = 0; t < s; ++t) {
      const int b = inverse ? lo_bit + t : lo_bit + s - 1 - t;  // the index bit of this stage
      const int q = c + b - lo_bit;                             // its local bit
      for (unsigned int u = threadIdx.x; u < count / 2; u += blockDim.x) {
        const unsigned int e0 = ((u >> q) << (q + 1)) | (u & ((1u << q) - 1)), e1 = e0 | (1u << q);
        const unsigned long long g = base | (e0 & ((1u << c) - 1)) | ((unsigned long long)(e0 >> c) << lo_bit);
        const unsigned long long w = tw[(g & ((1ull << b) - 1)) << (logn - 1 - b)];
        const unsigned long long x = buf[e0], y = buf[e1];
        if (inverse) {
          const unsigned long long yw = gl_mul(y, w);
          buf[e0] = gl_add(x, yw);
          buf[e1] = gl_sub(x, yw);
        } else {
          buf[e0] = gl_add(x, y);
          buf[e1] = gl_mul(gl_sub(x, y), w);
        }
      }
      __syncthreads();
    }
    for (unsigned int e = threadIdx.x; e < count; e += blockDim.x)
      data[base | (e & ((1u << c) - 1)) | ((unsigned long long)(e >> c) << lo_bit)] = buf[e];
  }
}
extern "C" __global__ void ntt_pointwise(unsigned long long* data, const unsigned long long* __restrict__ k,
                                         unsigned long long total, int logn) {
  const unsigned long long mask = (1ull << logn) - 1;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (unsigned long long)gridDim.x * blockDim.x)
    data[i] = gl_mul(data[i], k[i & mask]);
}
// points that differ from the coefficients made by ntt_make rotated by `shift` within their polynomial
extern "C" __global__ void ntt_check(const unsigned long long* __restrict__ data, unsigned long long total, int logn,
                                     unsigned long long shift, unsigned long long seed, unsigned long long* bad) {
  const unsigned long long mask = (1ull << logn) - 1;
  unsigned long long nbad = 0;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long x = splitmix(((i & ~mask) | ((i - shift) & mask)) + seed);
    nbad += data[i] != (x >= GL_P ? x - GL_P : x);
  }
  if (nbad) atomicAdd(bad, nbad);
}
""".replace("%TILE%", str(NTT_TILE_LOG))


def _ntt_plan(logn, tile=NTT_TILE_LOG, width=NTT_PASS_LOG, coal=NTT_COAL):
    """The forward passes, (lo_bit, stages, consecutive-point bits), highest bits first; the inverse runs them in
    reverse. The lowest `tile` bits in one pass of contiguous points, the rest split evenly into passes of at
    most `width` stages, each on 2^coal consecutive points."""
    low = min(logn, tile)
    rest = logn - low
    k = -(-rest // width)
    passes, hi = [], logn
    for i in range(k):
        s = -(-(hi - low) // (k - i))
        passes.append((hi - s, s, coal))
        hi -= s
    assert all(lo >= c for lo, _, c in passes)
    return passes + [(0, low, 0)]


def _ntt_roots(logn):
    """w (order exactly 2^logn: 7 generates the multiplicative group), w^-1, n^-1."""
    p = GOLDILOCKS
    w = pow(7, (p - 1) >> logn, p)
    return w, pow(w, p - 2, p), pow(1 << logn, p - 2, p)


def ntt(variant, clock):
    if variant != "zk":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    logn, polys = NTT_LOG, NTT_BATCH
    n, total = 1 << logn, (1 << logn) * NTT_BATCH
    mod = cp.RawModule(code=NTT_SRC)
    tables, shift_k, make, pass_k, point, check = (mod.get_function(k) for k in (
        "ntt_tables", "ntt_shift", "ntt_make", "ntt_pass", "ntt_pointwise", "ntt_check"))
    grid, block = sms() * 8, 256
    w, winv, ninv = _ntt_roots(logn)
    fwd, inv = cp.empty(n // 2, dtype=cp.uint64), cp.empty(n // 2, dtype=cp.uint64)
    tables((grid,), (block,), (fwd, inv, np.uint32(n // 2), np.uint64(w), np.uint64(winv)))
    kvec = cp.empty(n, dtype=cp.uint64)
    shift_k((grid,), (block,), (kvec, np.int32(logn), np.uint64(w), np.uint64(ninv)))
    seed = 0x2C0FFEE
    data = cp.empty(total, dtype=cp.uint64)
    make((grid,), (block,), (data, np.uint64(total), np.uint64(seed)))
    plan = _ntt_plan(logn)
    args = [(lo, s, c, min(grid * 2, polys << (logn - s - c))) for lo, s, c in plan]
    products = [0]

    def launch():  # every polynomial times x mod x^n - 1: forward NTT, pointwise product, inverse NTT
        for lo, s, c, g in args:
            pass_k((g,), (block,), (data, fwd, np.uint64(polys), np.int32(logn), np.int32(lo), np.int32(s),
                                    np.int32(c), np.int32(0)))
        point((grid,), (block,), (data, kvec, np.uint64(total), np.int32(logn)))
        for lo, s, c, g in reversed(args):
            pass_k((g,), (block,), (data, inv, np.uint64(polys), np.int32(logn), np.int32(lo), np.int32(s),
                                    np.int32(c), np.int32(1)))
        products[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    bad = cp.zeros(1, dtype=cp.uint64)
    check((grid,), (block,), (data, np.uint64(total), np.int32(logn), np.uint64(products[0] % n), np.uint64(seed), bad))
    note(f"ntt/{variant}: {products[0]} products of {polys} polynomials of 2^{logn} Goldilocks coefficients "
         f"(passes {[(lo, s) for lo, s, _ in plan]}), rotation check {int(bad[0])} wrong of {total}, "
         f"{per * 1e3:.2f} ms a product, {nl} a step")


# ---- erasure -----------------------------------------------------------------------------------------------------

RS_K, RS_M = 10, 4
RS_POLY = 0x11D

ERASURE_SRC = SPLITMIX_CUDA + r"""
#define RS_K %K%
#define RS_M %M%
// shard k word x at data[k * shard_words + x]: splitmix words, one 4 KiB page in 8 all zero
extern "C" __global__ void rs_make(unsigned int* data, unsigned long long words, unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x)
    data[i] = (splitmix((i >> 10) ^ seed) & 7) == 0 ? 0u : (unsigned int)splitmix(i + seed);
}
// parity r = sum over k of C[r][k] data_k in GF(2^8), a thread a 4-byte column of every shard. tabs: log[256],
// exp[512] (exp[i] = 2^i, doubled so that log a + log b needs no reduction), then log C[r][k] (RS_M x RS_K)
extern "C" __global__ void rs_encode(const unsigned int* __restrict__ data, unsigned long long shard_words,
                                     const unsigned int* __restrict__ tabs, unsigned int* parity,
                                     unsigned int* check) {
  __shared__ unsigned int LOG[256], EXP[512], CL[RS_M * RS_K];
  for (int t = threadIdx.x; t < 256; t += blockDim.x) LOG[t] = tabs[t];
  for (int t = threadIdx.x; t < 512; t += blockDim.x) EXP[t] = tabs[256 + t];
  for (int t = threadIdx.x; t < RS_M * RS_K; t += blockDim.x) CL[t] = tabs[768 + t];
  __syncthreads();
  unsigned int acc = 0;
  for (unsigned long long x = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; x < shard_words;
       x += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned int p[RS_M];
#pragma unroll
    for (int r = 0; r < RS_M; ++r) p[r] = 0;
#pragma unroll 2
    for (int k = 0; k < RS_K; ++k) {
      const unsigned int w = data[k * shard_words + x];
#pragma unroll
      for (int byte = 0; byte < 4; ++byte) {
        const unsigned int d = (w >> (8 * byte)) & 255u;
        if (d) {
          const unsigned int ld = LOG[d];
#pragma unroll
          for (int r = 0; r < RS_M; ++r) p[r] ^= EXP[ld + CL[r * RS_K + k]] << (8 * byte);
        }
      }
    }
#pragma unroll
    for (int r = 0; r < RS_M; ++r) {
      parity[r * shard_words + x] = p[r];
      acc ^= __funnelshift_l(p[r], p[r], 8 * r);
    }
  }
  for (int o = 16; o > 0; o >>= 1) acc ^= __shfl_down_sync(0xFFFFFFFFu, acc, o);
  if ((threadIdx.x & 31) == 0) atomicXor(check, acc);
}
""".replace("%K%", str(RS_K)).replace("%M%", str(RS_M))


def _gf_tables():
    """exp (512 entries, 2^i in GF(2^8) mod 0x11D, repeated) and log (log 0 unused, 0)."""
    exp, log = [0] * 512, [0] * 256
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        x <<= 1
        if x & 0x100:
            x ^= RS_POLY
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    return exp, log


def _rs_cauchy():
    """The parity rows of a systematic Cauchy generator (as ISA-L's gf_gen_cauchy1_matrix): C[r][k] = 1 / ((K + r) ^ k)."""
    exp, log = _gf_tables()
    return [[exp[255 - log[(RS_K + r) ^ k]] for k in range(RS_K)] for r in range(RS_M)]


def _rs_tables():
    exp, log = _gf_tables()
    c = _rs_cauchy()
    return np.array(log + exp + [log[c[r][k]] for r in range(RS_M) for k in range(RS_K)], dtype=np.uint32)


def erasure(variant, clock):
    if variant != "rs":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert RS_SHARD % 4096 == 0
    mod = cp.RawModule(code=ERASURE_SRC)
    make, enc = mod.get_function("rs_make"), mod.get_function("rs_encode")
    sw = RS_SHARD // 4
    data = cp.empty(RS_K * sw, dtype=cp.uint32)
    make((sms() * 8,), (256,), (data, np.uint64(RS_K * sw), np.uint64(0xEC0DE)))
    parity = cp.empty(RS_M * sw, dtype=cp.uint32)
    tabs = cp.asarray(_rs_tables())
    check = cp.zeros(1, dtype=cp.uint32)
    grid = sms() * 8
    stripes = [0]

    def launch():  # every column encoded once
        enc((grid,), (256,), (data, np.uint64(sw), tabs, parity, check))
        stripes[0] += 1
    n, per = calibrated_launches(launch, 128)
    cupy_loop(repeat_step(launch, n), clock)
    zeros = int((parity == 0).sum())
    note(f"erasure/{variant}: {stripes[0]} encodings of RS({RS_K}+{RS_M}) over {RS_K} x {RS_SHARD >> 20} MiB shards, "
         f"parity check {int(check[0]):08x}, {zeros} zero parity words, {per * 1e3:.2f} ms an encoding "
         f"({RS_K * RS_SHARD / per / 1e9:.0f} GB/s), {n} a step")


# ---- hll ---------------------------------------------------------------------------------------------------------

HLL_P = 13

HLL_SRC = SPLITMIX_CUDA + r"""
#define HLL_P %P%
#define HLL_M (1 << HLL_P)
#define XXP1 0x9E3779B185EBCA87ull
#define XXP2 0xC2B2AE3D27D4EB4Full
#define XXP3 0x165667B19E3779F9ull
#define XXP4 0x85EBCA77C2B2AE63ull
#define XXP5 0x27D4EB2F165667C5ull
#define ROTL64(x, r) (((x) << (r)) | ((x) >> (64 - (r))))
// XXH64 of one 8-byte little-endian input, seed 0
__device__ __forceinline__ unsigned long long xxh64_8(unsigned long long k) {
  unsigned long long h = XXP5 + 8;
  k *= XXP2;
  k = ROTL64(k, 31);
  k *= XXP1;
  h ^= k;
  h = ROTL64(h, 27) * XXP1 + XXP4;
  h ^= h >> 33;
  h *= XXP2;
  h ^= h >> 29;
  h *= XXP3;
  h ^= h >> 32;
  return h;
}
// keys[i] = splitmix(i mod distinct + seed): exactly `distinct` different keys (splitmix is a bijection)
extern "C" __global__ void hll_make(unsigned long long* keys, unsigned long long n, unsigned long long distinct,
                                    unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x)
    keys[i] = splitmix(i % distinct + seed);
}
// register = top HLL_P hash bits, rank = leading zeros of the rest + 1; a block's registers in shared memory,
// merged into regs (global atomicMax where larger)
extern "C" __global__ void hll_update(const unsigned long long* __restrict__ keys, unsigned long long n,
                                      unsigned int* regs) {
  __shared__ unsigned int r[HLL_M];
  for (int j = threadIdx.x; j < HLL_M; j += blockDim.x) r[j] = 0;
  __syncthreads();
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long h = xxh64_8(keys[i]);
    const unsigned int idx = (unsigned int)(h >> (64 - HLL_P));
    const unsigned long long w = h << HLL_P;
    const unsigned int rank = w ? (unsigned int)__clzll((long long)w) + 1u : 64u - HLL_P + 1u;
    if (rank > r[idx]) atomicMax(&r[idx], rank);
  }
  __syncthreads();
  for (int j = threadIdx.x; j < HLL_M; j += blockDim.x)
    if (r[j] > regs[j]) atomicMax(&regs[j], r[j]);
}
// the estimate, one block of 1024 threads: alpha m^2 / sum 2^-reg, m ln(m / zeros) when that is <= 2.5 m
extern "C" __global__ void hll_estimate(const unsigned int* __restrict__ regs, double* out) {
  __shared__ double ssum[32];
  __shared__ unsigned int szero[32];
  double s = 0.0;
  unsigned int z = 0;
  for (int j = threadIdx.x; j < HLL_M; j += blockDim.x) {
    s += ldexp(1.0, -(int)regs[j]);
    z += regs[j] == 0;
  }
  for (int o = 16; o > 0; o >>= 1) {
    s += __shfl_down_sync(0xFFFFFFFFu, s, o);
    z += __shfl_down_sync(0xFFFFFFFFu, z, o);
  }
  if ((threadIdx.x & 31) == 0) {
    ssum[threadIdx.x >> 5] = s;
    szero[threadIdx.x >> 5] = z;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    double t = 0.0;
    unsigned int zeros = 0;
    for (int w = 0; w < (int)(blockDim.x >> 5); ++w) {
      t += ssum[w];
      zeros += szero[w];
    }
    const double m = (double)HLL_M, alpha = 0.7213 / (1.0 + 1.079 / m);
    double e = alpha * m * m / t;
    if (e <= 2.5 * m && zeros) e = m * log(m / (double)zeros);
    out[0] = e;
  }
}
""".replace("%P%", str(HLL_P))


def hll(variant, clock):
    if variant != "count":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert 4 << HLL_P <= 48 << 10
    mod = cp.RawModule(code=HLL_SRC)
    make, update, estimate = (mod.get_function(k) for k in ("hll_make", "hll_update", "hll_estimate"))
    grid, block = sms() * 6, 256  # 32 KiB of registers a block: 6 blocks an SM, one wave
    keys = cp.empty(HLL_KEYS, dtype=cp.uint64)
    make((grid,), (block,), (keys, np.uint64(HLL_KEYS), np.uint64(HLL_DISTINCT), np.uint64(0x411)))
    regs = cp.zeros(1 << HLL_P, dtype=cp.uint32)
    est = cp.zeros(1, dtype=cp.float64)
    counts = [0]

    def launch():  # registers cleared, every key added, the estimate
        regs.fill(0)
        update((grid,), (block,), (keys, np.uint64(HLL_KEYS), regs))
        estimate((1,), (1024,), (regs, est))
        counts[0] += 1
    n, per = calibrated_launches(launch, 256)
    cupy_loop(repeat_step(launch, n), clock)
    e = float(est[0])
    true = min(HLL_DISTINCT, HLL_KEYS)
    note(f"hll/{variant}: {counts[0]} counts of {HLL_KEYS} keys, estimate {e:.0f} of {true} distinct "
         f"({(e / true - 1) * 100:+.2f} %, standard error {104 / (1 << HLL_P) ** 0.5:.2f} %), max register "
         f"{int(regs.max())}, {per * 1e3:.2f} ms a count, {n} a step")


# ---- stencil -----------------------------------------------------------------------------------------------------

HEAT_TX, HEAT_TY, HEAT_ZCHUNK = 32, 8, 64

STENCIL_SRC = SPLITMIX_CUDA + r"""
#define TX %TX%
#define TY %TY%
#define ZCHUNK %ZC%
// 0 on the boundary; inside, a hot ball (100), a warm cube (50) and noise (0..20)
extern "C" __global__ void heat_init(float* u, int n, unsigned long long seed) {
  const unsigned long long total = (unsigned long long)n * n * n;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const int x = (int)(i % n), y = (int)(i / n % n), z = (int)(i / n / n);
    float v;
    if (x == 0 || y == 0 || z == 0 || x == n - 1 || y == n - 1 || z == n - 1) {
      v = 0.0f;
    } else {
      const float fx = (float)x / n - 0.4f, fy = (float)y / n - 0.5f, fz = (float)z / n - 0.5f;
      const bool cube = x > 3 * n / 5 && x < 4 * n / 5 && y > 3 * n / 5 && y < 4 * n / 5 && z > n / 5 && z < 2 * n / 5;
      v = fx * fx + fy * fy + fz * fz < 0.04f ? 100.0f : cube ? 50.0f : (float)(splitmix(i + seed) >> 40) * (20.0f / 16777216.0f);
    }
    u[i] = v;
  }
}
// one explicit step, v = u + r (sum of the 6 neighbours - 6 u), boundary cells kept. A block of TX x TY threads
// marches through ZCHUNK planes: the current plane's tile and its halo in shared memory, the planes below and
// above in registers. n a multiple of TX, TY and ZCHUNK
extern "C" __global__ void heat_step(const float* __restrict__ u, float* __restrict__ v, int n, float r) {
  __shared__ float t[TY + 2][TX + 2];
  const int x = blockIdx.x * TX + threadIdx.x, y = blockIdx.y * TY + threadIdx.y, z0 = blockIdx.z * ZCHUNK;
  const int tx = threadIdx.x + 1, ty = threadIdx.y + 1;
  const unsigned long long plane = (unsigned long long)n * n;
  unsigned long long idx = (unsigned long long)z0 * plane + (unsigned long long)y * n + x;
  float below = z0 > 0 ? u[idx - plane] : 0.0f, cur = u[idx];
  for (int z = z0; z < z0 + ZCHUNK; ++z, idx += plane) {
    const float above = z + 1 < n ? u[idx + plane] : 0.0f;
    __syncthreads();
    t[ty][tx] = cur;
    if (threadIdx.x == 0) t[ty][0] = x > 0 ? u[idx - 1] : 0.0f;
    if (threadIdx.x == TX - 1) t[ty][TX + 1] = x + 1 < n ? u[idx + 1] : 0.0f;
    if (threadIdx.y == 0) t[0][tx] = y > 0 ? u[idx - n] : 0.0f;
    if (threadIdx.y == TY - 1) t[TY + 1][tx] = y + 1 < n ? u[idx + n] : 0.0f;
    __syncthreads();
    const bool edge = x == 0 || y == 0 || z == 0 || x == n - 1 || y == n - 1 || z == n - 1;
    const float lap = (t[ty][tx - 1] + t[ty][tx + 1]) + (t[ty - 1][tx] + t[ty + 1][tx]) + (below + above) - 6.0f * cur;
    v[idx] = edge ? cur : cur + r * lap;
    below = cur;
    cur = above;
  }
}
""".replace("%TX%", str(HEAT_TX)).replace("%TY%", str(HEAT_TY)).replace("%ZC%", str(HEAT_ZCHUNK))


def stencil(variant, clock):
    if variant != "heat3d":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n = HEAT_N
    assert n % HEAT_TX == 0 and n % HEAT_TY == 0 and n % HEAT_ZCHUNK == 0 and HEAT_SWEEPS % 2 == 0
    mod = cp.RawModule(code=STENCIL_SRC)
    init, kern = mod.get_function("heat_init"), mod.get_function("heat_step")
    bufs = [cp.empty(n ** 3, dtype=cp.float32), cp.empty(n ** 3, dtype=cp.float32)]
    init((sms() * 8,), (256,), (bufs[0], np.int32(n), np.uint64(0x4EA7)))
    heat0 = float(bufs[0].sum(dtype=cp.float64))
    grid, block = (n // HEAT_TX, n // HEAT_TY, n // HEAT_ZCHUNK), (HEAT_TX, HEAT_TY)
    r = np.float32(0.125)  # alpha dt / dx^2, stable below 1/6
    sweeps = [0]

    def launch():  # HEAT_SWEEPS time steps, ending in bufs[0]
        for _ in range(HEAT_SWEEPS):
            kern(grid, block, (bufs[0], bufs[1], np.int32(n), r))
            bufs.reverse()
        sweeps[0] += HEAT_SWEEPS
    k, per = calibrated_launches(launch, 128)
    cupy_loop(repeat_step(launch, k), clock)
    u = bufs[0]
    heat = float(u.sum(dtype=cp.float64))
    note(f"stencil/{variant}: {sweeps[0]} sweeps of {n}^3, heat {heat:.6e} (from {heat0:.6e}), max {float(u.max()):.3f}, "
         f"centre {float(u[(n // 2 * n + n // 2) * n + n // 2]):.4f}, {per / HEAT_SWEEPS * 1e3:.3f} ms a sweep, "
         f"{k} launches of {HEAT_SWEEPS} a step")


# ---- nbody -------------------------------------------------------------------------------------------------------

NB_TILE = 256

NBODY_SRC = SPLITMIX_CUDA + r"""
#define NB_TILE %TILE%
__device__ __forceinline__ float unit(unsigned long long h) { return ((float)(h >> 40) + 0.5f) * (1.0f / 16777216.0f); }
// a Plummer sphere (G = M = a = 1, radius capped at 20), each body a random fraction 0.3 of its escape speed in a
// random direction; masses 1/n in w
extern "C" __global__ void nb_init(float4* pos, float4* vel, int n, unsigned long long seed) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    const unsigned long long k = (unsigned long long)i * 8 + seed;
    float r = rsqrtf(powf(unit(splitmix(k)), -2.0f / 3.0f) - 1.0f);
    r = fminf(r, 20.0f);
    float cz = 2.0f * unit(splitmix(k + 1)) - 1.0f, ph = 6.2831853f * unit(splitmix(k + 2));
    float sz = sqrtf(fmaxf(0.0f, 1.0f - cz * cz));
    pos[i] = make_float4(r * sz * cosf(ph), r * sz * sinf(ph), r * cz, 1.0f / n);
    const float v = 0.3f * 1.41421356f * rsqrtf(sqrtf(1.0f + r * r));
    cz = 2.0f * unit(splitmix(k + 3)) - 1.0f;
    ph = 6.2831853f * unit(splitmix(k + 4));
    sz = sqrtf(fmaxf(0.0f, 1.0f - cz * cz));
    vel[i] = make_float4(v * sz * cosf(ph), v * sz * sinf(ph), v * cz, 0.0f);
  }
}
// acceleration of body i from every body (shared tiles of NB_TILE, softened), then kick (vel) and drift (out).
// n a multiple of NB_TILE = blockDim.x
extern "C" __global__ void nb_step(const float4* __restrict__ pos, float4* vel, float4* out, int n, float dt,
                                   float eps2) {
  __shared__ float4 tile[NB_TILE];
  const int i = blockIdx.x * NB_TILE + threadIdx.x;
  const float4 p = pos[i];
  float ax = 0.0f, ay = 0.0f, az = 0.0f;
  for (int t0 = 0; t0 < n; t0 += NB_TILE) {
    __syncthreads();
    tile[threadIdx.x] = pos[t0 + threadIdx.x];
    __syncthreads();
#pragma unroll 8
    for (int j = 0; j < NB_TILE; ++j) {
      const float4 q = tile[j];
      const float dx = q.x - p.x, dy = q.y - p.y, dz = q.z - p.z;
      const float d2 = fmaf(dx, dx, fmaf(dy, dy, fmaf(dz, dz, eps2)));
      const float inv = rsqrtf(d2);
      const float s = q.w * inv * inv * inv;
      ax = fmaf(dx, s, ax);
      ay = fmaf(dy, s, ay);
      az = fmaf(dz, s, az);
    }
  }
  float4 v = vel[i];
  v.x = fmaf(ax, dt, v.x);
  v.y = fmaf(ay, dt, v.y);
  v.z = fmaf(az, dt, v.z);
  vel[i] = v;
  out[i] = make_float4(fmaf(v.x, dt, p.x), fmaf(v.y, dt, p.y), fmaf(v.z, dt, p.z), p.w);
}
""".replace("%TILE%", str(NB_TILE))


def nbody(variant, clock):
    if variant != "allpairs":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n = NB_BODIES
    assert n % NB_TILE == 0
    mod = cp.RawModule(code=NBODY_SRC)
    init, kern = mod.get_function("nb_init"), mod.get_function("nb_step")
    pos = [cp.empty((n, 4), dtype=cp.float32), cp.empty((n, 4), dtype=cp.float32)]
    vel = cp.empty((n, 4), dtype=cp.float32)
    init((sms() * 4,), (256,), (pos[0], vel, np.int32(n), np.uint64(0xB0D1E5)))
    p0 = (vel[:, :3].astype(cp.float64) * pos[0][:, 3:4]).sum(axis=0)
    dt, eps2 = np.float32(1e-3), np.float32(1e-4)
    steps = [0]

    def launch():  # one time step
        kern((n // NB_TILE,), (NB_TILE,), (pos[0], vel, pos[1], np.int32(n), dt, eps2))
        pos.reverse()
        steps[0] += 1
    k, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, k), clock)
    m = pos[0][:, 3:4].astype(cp.float64)
    mom = (vel[:, :3].astype(cp.float64) * m).sum(axis=0)
    ke = float((0.5 * m[:, 0] * (vel[:, :3].astype(cp.float64) ** 2).sum(axis=1)).sum())
    rms = float(cp.sqrt((pos[0][:, :3].astype(cp.float64) ** 2).sum(axis=1).mean()))
    note(f"nbody/{variant}: {steps[0]} steps of {n} bodies, momentum {[round(float(v), 7) for v in mom]} "
         f"(from {[round(float(v), 7) for v in p0]}), kinetic energy {ke:.6f}, rms radius {rms:.4f}, "
         f"{per * 1e3:.2f} ms a step ({n * n / per / 1e9:.0f} G interactions/s), {k} a step")


# ---- cdc ---------------------------------------------------------------------------------------------------------

CDC_SEG = 64 << 10
CDC_MIN, CDC_NORMAL, CDC_MAX = 2 << 10, 8 << 10, 64 << 10
CDC_MASK_S = 0x0000D9F003530000  # 15 bits: harder, before the normal size (FastCDC)
CDC_MASK_L = 0x0000D90003530000  # 11 bits: easier, after it
CDC_REGION = 1 << 20  # a version's regions are the base shifted by their own offset

CDC_SRC = SPLITMIX_CUDA + MAX_PROBES_CUDA + r"""
#define CDC_SEG %SEG%
#define CDC_MIN %MIN%
#define CDC_NORMAL %NORMAL%
#define CDC_MAX %MAX%
#define CDC_MASK_S %MASKS%ull
#define CDC_MASK_L %MASKL%ull
#define FNV_OFFSET 0xCBF29CE484222325ull
#define FNV_PRIME 0x100000001B3ull
// versions of the base (base_words a power of two): version v's region r is the base read from byte offset
// region start + o(v, r) (o < 4096, 0 for version 0), and one word in 65536 of versions 1.. has a byte edited
extern "C" __global__ void cdc_make(const unsigned int* __restrict__ base, unsigned long long base_words,
                                    unsigned int* data, unsigned long long words, unsigned long long region_words,
                                    unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long v = i / base_words, q = i % base_words;
    const unsigned long long off = v ? splitmix((v << 32 | q / region_words) ^ seed) & 4095 : 0;
    const unsigned long long pos = q * 4 + off, j = pos >> 2;
    unsigned int w = __funnelshift_r(base[j & (base_words - 1)], base[(j + 1) & (base_words - 1)],
                                     (unsigned int)(pos & 3) * 8);
    if (v && (splitmix(i + (seed << 1)) & 0xFFFF) == 0) w ^= 0x5Au;
    data[i] = w;
  }
}
// a thread a CDC_SEG-byte segment (its end always a cut): for chunk byte i (0-based) the FNV-1a 64 fingerprint
// takes it; from i = CDC_MIN on the Gear hash too, h = (h << 1) + gear[byte], and the chunk ends after byte i when
// h & mask == 0 (CDC_MASK_S while i < CDC_NORMAL, then CDC_MASK_L) or i + 1 == CDC_MAX. Each chunk's
// fingerprint (mixed with its length) goes into the dedup table. stats: chunks, duplicates, duplicate bytes,
// xor of the fingerprints, dropped
extern "C" __global__ void cdc_chunk(const uint4* __restrict__ data, unsigned long long segments,
                                     const unsigned long long* __restrict__ gear_in, unsigned long long* keys,
                                     unsigned long long mask, int shift, unsigned long long* stats) {
  __shared__ unsigned long long gear[256];
  for (int t = threadIdx.x; t < 256; t += blockDim.x) gear[t] = gear_in[t];
  __syncthreads();
  unsigned long long chunks = 0, dups = 0, dbytes = 0, fx = 0, dropped = 0;
  for (unsigned long long sg = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; sg < segments;
       sg += (unsigned long long)gridDim.x * blockDim.x) {
    const uint4* p = data + sg * (CDC_SEG / 16);
    unsigned long long fp = FNV_OFFSET, h = 0;
    unsigned int len = 0;
    for (unsigned int q = 0; q < CDC_SEG / 16; ++q) {
      const uint4 v = p[q];
      const unsigned int ws[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
      for (int k = 0; k < 16; ++k) {
        const unsigned int b = (ws[k >> 2] >> (8 * (k & 3))) & 255u;
        fp = (fp ^ b) * FNV_PRIME;
        bool cut = ++len == CDC_MAX;
        if (len > CDC_MIN) {
          h = (h << 1) + gear[b];
          cut |= (h & (len <= CDC_NORMAL ? CDC_MASK_S : CDC_MASK_L)) == 0;
        }
        if (cut || (k == 15 && q == CDC_SEG / 16 - 1)) {
          const unsigned long long key = splitmix(fp ^ len) >> 1;  // never EMPTY_KEY
          unsigned long long s = (key * 0x9E3779B97F4A7C15ull) >> shift;
          for (int pr = 0;; ++pr) {
            const unsigned long long prev = atomicCAS(&keys[s], EMPTY_KEY, key);
            if (prev == key) {
              ++dups;
              dbytes += len;
            }
            if (prev == EMPTY_KEY || prev == key) break;
            if (pr == MAX_PROBES) {
              ++dropped;
              break;
            }
            s = (s + 1) & mask;
          }
          ++chunks;
          fx ^= key;
          fp = FNV_OFFSET;
          h = 0;
          len = 0;
        }
      }
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    chunks += __shfl_down_sync(0xFFFFFFFFu, chunks, o);
    dups += __shfl_down_sync(0xFFFFFFFFu, dups, o);
    dbytes += __shfl_down_sync(0xFFFFFFFFu, dbytes, o);
    fx ^= __shfl_down_sync(0xFFFFFFFFu, fx, o);
    dropped += __shfl_down_sync(0xFFFFFFFFu, dropped, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&stats[0], chunks);
    atomicAdd(&stats[1], dups);
    atomicAdd(&stats[2], dbytes);
    atomicXor(&stats[3], fx);
    if (dropped) atomicAdd(&stats[4], dropped);
  }
}
""".replace("%SEG%", str(CDC_SEG)).replace("%MIN%", str(CDC_MIN)).replace("%NORMAL%", str(CDC_NORMAL)).replace(
    "%MAX%", str(CDC_MAX)).replace("%MASKS%", hex(CDC_MASK_S)).replace("%MASKL%", hex(CDC_MASK_L))


def _gear(seed=0x6EA4):
    return np.random.default_rng(seed).integers(0, 1 << 64, 256, dtype=np.uint64)


def cdc(variant, clock):
    if variant != "gear":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert CDC_BYTES % CDC_SEG == 0 and CDC_BYTES % CDC_BASE == 0 and CDC_BASE % CDC_REGION == 0
    assert CDC_BASE & (CDC_BASE - 1) == 0 and CDC_SEG % 16 == 0 and CDC_MAX <= CDC_SEG
    mod = cp.RawModule(code=CDC_SRC)
    make, chunk = (mod.get_function(k) for k in ("cdc_make", "cdc_chunk"))
    grid = sms() * 8
    seed = 0xCDC0
    base = splitmix_words(CDC_BASE // 4, seed)
    data = cp.empty(CDC_BYTES // 4, dtype=cp.uint32)
    make((grid,), (256,), (base, np.uint64(CDC_BASE // 4), data, np.uint64(CDC_BYTES // 4),
                           np.uint64(CDC_REGION // 4), np.uint64(seed)))
    del base
    gear = cp.asarray(_gear())
    keys = cp.empty(CDC_SLOTS, dtype=cp.uint64)
    stats = cp.zeros(5, dtype=cp.uint64)
    segments = CDC_BYTES // CDC_SEG
    threads = 32  # a warp a block: the few segment threads spread over every SM
    shift = 64 - (CDC_SLOTS.bit_length() - 1)
    passes = [0]

    def launch():  # the table cleared, the whole buffer chunked and deduplicated once
        keys.view(cp.int64).fill(-1)
        chunk(((segments + threads - 1) // threads,), (threads,), (data, np.uint64(segments), gear, keys,
                                                                  np.uint64(CDC_SLOTS - 1), np.int32(shift), stats))
        passes[0] += 1
    n, per = calibrated_launches(launch, 128)
    cupy_loop(repeat_step(launch, n), clock)
    chunks, dups, dbytes, fx, dropped = (int(v) for v in stats.tolist())
    ps = max(1, passes[0])
    note(f"cdc/{variant}: {passes[0]} passes over {CDC_BYTES >> 20} MiB in {CDC_SEG >> 10} KiB segments, "
         f"{chunks // ps} chunks a pass (mean {CDC_BYTES * ps / max(1, chunks):.0f} bytes), {dups // ps} duplicates "
         f"({dbytes / (CDC_BYTES * ps):.3f} of the bytes), fingerprint xor {fx:016x}, {dropped} dropped, "
         f"{per * 1e3:.2f} ms a pass, {n} a step")
