"""Binary-code nearest-neighbour search, Myers bit-parallel edit distance, Viterbi decoding, IVF-PQ asymmetric
distances, random-forest inference, union-find connected components and suffix-array construction (label 0).

A seventh set of benign work that resembles mining in GPU-telemetry terms (the integer pipe busy with XOR,
popcount, shifts, compares and table lookups, data-dependent branches and random memory access, little or no
floating point or tensor work), taken from what vector databases, aligners, software radios, model servers, graph
analytics and index builders run on data-centre GPUs.

  hamming   binary-code nearest-neighbour search as a FAISS binary flat index does it: 2^24 256-bit codes (512
            MiB), 128 fresh queries a launch (database rows with up to 24 bits flipped), XOR + popcount distances;
            a block (8 warps, a query each) per (slice of 2^18 rows, 8 queries), 256-row tiles staged in shared
            memory, each lane keeping its 16 smallest (distance, row) keys sorted in registers, merged per warp (16
            rounds of a shuffle minimum), then the 64 slices' candidates merged per query. Why: XOR and popcount
            on 64-bit words with compares and no arithmetic to speak of, as compute-bound hashing's logic rounds
  myers     read alignment / fuzzy search by Myers' bit-parallel edit distance: a 2^32-base reference (2-bit
            packed, 1 GiB), 2^22 fresh 64-base reads a launch (sampled from it with 2 % substitutions, 0.5 %
            insertions, 0.5 % deletions), each against 4 candidate 256-base windows (its own and 3 decoys), a
            thread a read: the pattern's match masks by bit tricks on the packed words, then per text base the 64-bit
            Pv / Mv update (and, or, xor, add, shifts) and the running score; best distance and end per window.
            Why: 64-bit logic and adds in a tight dependent chain, as ARX hashing is
  viterbi   a software modem's Viterbi decoder for the K = 7 rate-1/2 convolutional code (171, 133 octal; 64
            states): 2^16 fresh frames of 2048 bits + 6 tail bits a launch, BPSK over AWGN at Eb/N0 3 dB, int8
            soft values; a block (64 threads, a state each) a frame: add-compare-select in 32-bit integers, the
            survivor bits of each step by warp ballot into shared memory, one thread tracing back; bit errors
            counted against the transmitted bits. Why: integer adds, compares and selects with shared-memory
            traffic and barriers every step, no floating point in the decoder
  pq        IVF-PQ search as FAISS's GPU IVFPQ does it: 2^25 vectors of 128 dimensions as 32-byte codes (32
            sub-quantisers x 256 centroids, 1 GiB) in 4096 inverted lists, 1024 fresh queries a launch, 32 lists
            probed each (coarse distances by a GEMM and a sort); a block a (query, list) computes the 32 x 256
            float lookup table of residual distances into shared memory, then a thread a code sums 32 table
            entries picked by its bytes (data-dependent shared-memory gathers), top-16 kept in registers and
            merged per block, then per query. Why: byte extraction and random shared-memory lookups over a
            stream of codes larger than L2, as table-driven hashes read their tables
  forest    gradient-boosted-tree batch inference (XGBoost / FIL style): 512 trees of up to depth 10 (about
            130k nodes of 16 bytes: feature and default direction, threshold, children), 2^22 rows of 64 float
            features (1 GiB, 1.6 % missing), 2^18 new rows a launch; a block stages 128 rows in shared memory and a
            thread a row walks every tree (a dependent node load and a data-dependent branch a level) and sums
            its leaves. Why: pointer chasing and unpredictable branches on the integer pipe with a few compares
  unionfind connected components of a random graph (2^26 vertices, 2^27 fresh edges a launch: 1 GiB of edges,
            256 MiB of parents) by union-find as ECL-CC does it: a thread an edge finds both roots with pointer
            jumping (intermediate path compression) and hooks the larger root under the smaller by atomicCAS,
            retrying on contention; then full compression and a root count. Why: random dependent loads and
            atomics over a table five times the L2, as memory-hard mining's table traffic
  suffix    suffix-array construction by prefix doubling (as index builders for aligners and full-text search
            do it) over a fresh 64 MiB DNA-like text a launch (4 KiB blocks, an eighth of them copies of earlier
            ones with 1/128 mutations, so some prefixes repeat for thousands of bytes): each round packs (rank of
            i, rank of i + h) into 64-bit keys, sorts them (cupy argsort, a radix sort), flags boundaries with
            gathers, numbers the groups (prefix sum) and scatters the new ranks, doubling h until all ranks differ.
            Why: radix-sort passes, random gathers and scatters of 32- and 64-bit integers

Each launch is sized to take a few to tens of ms on an H200 (a suffix array is one launch of tens of rounds); a
step is as many launches as make about 50 ms (timed at set-up, before READY). A summary line (checksums, counts,
a self-check against Python or NumPy references) goes to stderr at the end.
"""

import numpy as np

from common import (SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, popcount64, repeat_step, sms,
                    splitmix64_np, splitmix_words)

# sizes (module constants so a test can shrink them)
HK_ROWS = 1 << 24
HK_QUERIES = 128
HK_SLICES = 64
MY_BASES = 1 << 32
MY_READS = 1 << 22
VT_FRAMES = 1 << 16
VT_BITS = 2048
PQ_LISTS = 4096
PQ_LIST_MIN = 4096  # a list holds PQ_LIST_MIN .. 3 PQ_LIST_MIN - 1 codes (2^25 in all, on average)
PQ_QUERIES = 1024
PQ_PROBE = 32
FR_TREES = 512
FR_ROWS = 1 << 22
FR_BATCH = 1 << 18
UF_VERTICES = 1 << 26
UF_EDGES = 1 << 27
UF_CHECK_VERTICES = 1 << 17  # the small graph a Python union-find checks
SA_BYTES = 1 << 26
SA_CHECK_BYTES = 4096  # the small text whose suffix array Python's sorted() checks

TK_K = 16  # nearest neighbours kept (hamming, pq)

# the K smallest 64-bit keys (distance << 32 | id): a lane's sorted list in registers, a warp's merge by shuffles
TOPK_CUDA = r"""
#define TK_K %K%
#define TK_LISTS %LISTS%
#define TK_NONE 0xFFFFFFFFFFFFFFFFull
__device__ __forceinline__ void tk_clear(unsigned long long* best) {
#pragma unroll
  for (int j = 0; j < TK_K; ++j) best[j] = TK_NONE;
}
// key into the ascending list where it is below the last entry (one bubble pass, unrolled: registers only)
__device__ __forceinline__ void tk_insert(unsigned long long* best, unsigned long long key) {
  if (key < best[TK_K - 1]) {
    best[TK_K - 1] = key;
#pragma unroll
    for (int j = TK_K - 1; j > 0; --j) {
      const unsigned long long a = best[j - 1], b = best[j];
      best[j - 1] = min(a, b);
      best[j] = max(a, b);
    }
  }
}
// the K smallest keys over the warp's lists, ascending, to out (lane 0 writes): K rounds of a shuffle minimum of
// the lanes' heads, the lane holding it shifting its list down (keys are distinct: ids differ). Every lane calls it.
__device__ __forceinline__ void tk_warp_merge(unsigned long long* best, unsigned long long* out) {
  const unsigned int lane = threadIdx.x & 31u;
  for (int r = 0; r < TK_K; ++r) {
    unsigned long long m = best[0];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) m = min(m, __shfl_xor_sync(0xFFFFFFFFu, m, o));
    if (best[0] == m) {
#pragma unroll
      for (int j = 0; j < TK_K - 1; ++j) best[j] = best[j + 1];
      best[TK_K - 1] = TK_NONE;
    }
    if (lane == 0) out[r] = m;
  }
}
// a warp a query: the TK_K smallest of its TK_LISTS * TK_K candidates (the per-slice or per-list top Ks)
extern "C" __global__ void tk_merge(const unsigned long long* __restrict__ cand, unsigned int nq,
                                    unsigned long long* out) {
  const unsigned int q = (blockIdx.x * blockDim.x + threadIdx.x) >> 5, lane = threadIdx.x & 31u;
  if (q >= nq) return;  // whole warps leave together
  unsigned long long best[TK_K];
  tk_clear(best);
  for (unsigned int c = lane; c < TK_LISTS * TK_K; c += 32)
    tk_insert(best, cand[(unsigned long long)q * TK_LISTS * TK_K + c]);
  tk_warp_merge(best, out + (unsigned long long)q * TK_K);
}
"""


def _topk_cuda(lists):
    """TOPK_CUDA for a merge of `lists` top-K lists a query (tk_merge)."""
    return fill_source(TOPK_CUDA, K=TK_K, LISTS=lists)


def _topk_ref(keys):
    """The TK_K smallest of a uint64 numpy array, ascending, as Python ints."""
    return [int(v) for v in np.sort(keys)[:TK_K]]


# ---- hamming -------------------------------------------------------------------------------------------------------

HK_FLIPS = 24  # a query is a database row with up to this many bits flipped
HK_TILE = 256  # rows a shared-memory tile
HK_QB = 8  # queries a block (a warp each)

HK_CUDA = r"""
#define HK_ROWS %ROWS%ull
#define HK_SLICES %SLICES%
#define HK_FLIPS %FLIPS%
#define HK_TILE %TILE%
#define HK_QB %QB%
// query q: row src[q] (splitmix of the seed) with 0..HK_FLIPS random bits flipped
extern "C" __global__ void hk_queries(const unsigned long long* __restrict__ db, unsigned int nq,
                                      unsigned long long seed, unsigned long long* qs, unsigned int* src) {
  for (unsigned int q = blockIdx.x * blockDim.x + threadIdx.x; q < nq; q += gridDim.x * blockDim.x) {
    unsigned long long h = splitmix(seed + q);
    const unsigned long long r = h % HK_ROWS;
    unsigned long long w[4];
#pragma unroll
    for (int k = 0; k < 4; ++k) w[k] = db[r * 4 + k];
    const unsigned int flips = (unsigned int)((h >> 40) % (HK_FLIPS + 1));
    for (unsigned int f = 0; f < flips; ++f) {
      h = splitmix(h);
      const unsigned int b = (unsigned int)(h & 255u);
#pragma unroll
      for (int k = 0; k < 4; ++k)
        if ((b >> 6) == (unsigned int)k) w[k] ^= 1ull << (b & 63u);
    }
#pragma unroll
    for (int k = 0; k < 4; ++k) qs[q * 4 + k] = w[k];
    src[q] = (unsigned int)r;
  }
}
// a block (HK_QB warps) a (slice, group of HK_QB queries): tiles of HK_TILE rows staged in shared memory, warp w
// scans each tile against query w (a lane a row), each lane keeps its TK_K smallest (distance << 32 | row); the
// warp's merged TK_K go to cand[query][slice]
extern "C" __global__ void __launch_bounds__(HK_QB * 32) hk_scan(const unsigned long long* __restrict__ db,
                                                                 const unsigned long long* __restrict__ qs,
                                                                 unsigned long long* cand) {
  __shared__ unsigned long long tile[HK_TILE * 4];
  const unsigned int s = blockIdx.x, warp = threadIdx.x >> 5, lane = threadIdx.x & 31u;
  const unsigned int q = blockIdx.y * HK_QB + warp;
  unsigned long long qw[4];
#pragma unroll
  for (int k = 0; k < 4; ++k) qw[k] = qs[q * 4 + k];
  unsigned long long best[TK_K];
  tk_clear(best);
  const unsigned long long per = HK_ROWS / HK_SLICES, lo = s * per;
  for (unsigned long long t0 = lo; t0 < lo + per; t0 += HK_TILE) {
    __syncthreads();
    for (unsigned int e = threadIdx.x; e < HK_TILE * 4; e += blockDim.x) tile[e] = db[t0 * 4 + e];
    __syncthreads();
#pragma unroll 2
    for (unsigned int j = lane; j < HK_TILE; j += 32) {
      unsigned int d = 0;
#pragma unroll
      for (int k = 0; k < 4; ++k) d += (unsigned int)__popcll(tile[j * 4 + k] ^ qw[k]);
      tk_insert(best, (unsigned long long)d << 32 | (t0 + j));
    }
  }
  tk_warp_merge(best, cand + ((unsigned long long)q * HK_SLICES + s) * TK_K);
}
"""


def _hk_src():
    return SPLITMIX_CUDA + _topk_cuda(HK_SLICES) + fill_source(HK_CUDA, ROWS=HK_ROWS, SLICES=HK_SLICES, FLIPS=HK_FLIPS,
                                                      TILE=HK_TILE, QB=HK_QB)


HK_SRC = _hk_src()
HK_CHECK = 4  # queries checked by an exhaustive search
HK_CHUNK = 1 << 22  # database rows a reference chunk


def hamming(variant, clock):
    if variant != "knn":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n, nq = HK_ROWS, HK_QUERIES
    assert n % (HK_SLICES * HK_TILE) == 0 and nq % HK_QB == 0 and nq % 4 == 0 and n <= 1 << 32
    mod = cp.RawModule(code=_hk_src())
    queries_k, scan, merge = (mod.get_function(k) for k in ("hk_queries", "hk_scan", "tk_merge"))
    db = splitmix_words(n * 8, 0x4A33).view(cp.uint64)  # row r: words 4r .. 4r + 3
    qs = cp.empty(nq * 4, dtype=cp.uint64)
    src = cp.empty(nq, dtype=cp.uint32)
    cand = cp.empty(nq * HK_SLICES * TK_K, dtype=cp.uint64)
    out = cp.empty(nq * TK_K, dtype=cp.uint64)
    done = [0]

    def launch():  # fresh queries, every row against every query, top-k merged
        queries_k(((nq + 127) // 128,), (128,), (db, np.uint32(nq), np.uint64(0x9E1 + (done[0] << 32)), qs, src))
        scan((HK_SLICES, nq // HK_QB), (HK_QB * 32,), (db, qs, cand))
        merge((nq // 4,), (128,), (cand, np.uint32(nq), out))
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    # exhaustive search (XOR, SWAR popcount, sort) of a few of the last launch's queries, in cupy array operations
    hout = cp.asnumpy(out).reshape(nq, TK_K)
    hsrc = cp.asnumpy(src)
    rows = db.reshape(n, 4)
    picks = sorted({0, 1, nq // 2, nq - 1})[:HK_CHECK]
    agree = 0
    for q in picks:
        qv = qs[4 * q:4 * q + 4]
        best = []
        for lo in range(0, n, HK_CHUNK):
            part = rows[lo:lo + HK_CHUNK]
            d = popcount64(part ^ qv[None, :], cp).sum(axis=1, dtype=cp.uint64)
            keys = (d << cp.uint64(32)) | cp.arange(lo, lo + len(part), dtype=cp.uint64)
            best.append(cp.asnumpy(cp.sort(keys)[:TK_K]))
        agree += _topk_ref(np.concatenate(best)) == [int(v) for v in hout[q]]
    found = int(np.sum((hout[:, 0] & np.uint64(0xFFFFFFFF)) == hsrc))
    nearest = float(np.mean(hout[:, 0] >> np.uint64(32)))
    kth = float(np.mean(hout[:, -1] >> np.uint64(32)))
    ok = agree == len(picks) and found == nq
    note(f"hamming/{variant}: {done[0]} searches of {nq} queries over {n} 256-bit codes ({n * 32 >> 20} MiB, "
         f"{HK_SLICES} slices, top {TK_K}), nearest distance {nearest:.1f} on average, {TK_K}th {kth:.1f}, queries "
         f"whose source row came first: {found}/{nq}, {agree}/{len(picks)} top-{TK_K} lists equal an exhaustive "
         f"cupy search: {agree == len(picks)}, agree: {ok}, {per * 1e3:.2f} ms a search "
         f"({n * nq / per / 1e9:.0f} G distances/s), {nl} a step")


# ---- myers ---------------------------------------------------------------------------------------------------------

MY_LEN = 64  # read bases (one 64-bit word of Myers state)
MY_WIN = 256  # bases a candidate window
MY_CAND = 4  # windows a read
MY_LEAD = 96  # where a read starts in its own window
MY_SUB, MY_INS, MY_DEL = 20, 5, 5  # per 1000 read bases

MY_CUDA = r"""
#define MY_BASES %BASES%ull
#define MY_WIN %WIN%
#define MY_CAND %CAND%
#define MY_LEAD %LEAD%
#define MY_SUB %SUB%u
#define MY_INS %INS%u
#define MY_DEL %DEL%u
// base i of the 2-bit packed reference (32 a 64-bit word, base j at bits 2j)
__device__ __forceinline__ unsigned int my_base(const unsigned long long* __restrict__ ref, unsigned long long i) {
  return (unsigned int)(ref[i >> 5] >> (2 * (i & 31))) & 3u;
}
// read r: 64 bases copied from a random reference position with substitutions, insertions and deletions (2-bit
// packed into two words); its windows: its own (starting MY_LEAD bases before it) in a random slot, decoys in
// the others
extern "C" __global__ void my_reads(const unsigned long long* __restrict__ ref, unsigned int nr,
                                    unsigned long long seed, unsigned long long* reads, unsigned long long* cand,
                                    unsigned int* truth) {
  const unsigned long long span = MY_BASES - 2 * MY_WIN;
  for (unsigned int r = blockIdx.x * blockDim.x + threadIdx.x; r < nr; r += gridDim.x * blockDim.x) {
    unsigned long long h = splitmix(seed ^ ((unsigned long long)r << 20));
    const unsigned long long start = MY_LEAD + h % span;
    unsigned long long j = start, w0 = 0ull, w1 = 0ull;
    for (int k = 0; k < 64; ++k) {
      h = splitmix(h);
      const unsigned int e = (unsigned int)(h % 1000u), x = (unsigned int)(h >> 32);
      unsigned int b;
      if (e < MY_SUB) {
        b = (my_base(ref, j++) + 1u + x % 3u) & 3u;
      } else if (e < MY_SUB + MY_INS) {
        b = x & 3u;
      } else {
        if (e < MY_SUB + MY_INS + MY_DEL) ++j;
        b = my_base(ref, j++);
      }
      if (k < 32)
        w0 |= (unsigned long long)b << (2 * k);
      else
        w1 |= (unsigned long long)b << (2 * (k - 32));
    }
    reads[2ull * r] = w0;
    reads[2ull * r + 1] = w1;
    h = splitmix(h);
    const unsigned int slot = (unsigned int)(h % MY_CAND);
    for (unsigned int c = 0; c < MY_CAND; ++c) {
      h = splitmix(h);
      cand[(unsigned long long)r * MY_CAND + c] = c == slot ? start - MY_LEAD : h % (MY_BASES - MY_WIN);
    }
    truth[r] = slot;
  }
}
// the even bits of x packed into 32 bits (bit 2i -> bit i)
__device__ __forceinline__ unsigned long long my_even(unsigned long long x) {
  x &= 0x5555555555555555ull;
  x = (x | (x >> 1)) & 0x3333333333333333ull;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0Full;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFull;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFull;
  return (x | (x >> 16)) & 0x00000000FFFFFFFFull;
}
// positions of the 32 packed bases of w equal to base c
__device__ __forceinline__ unsigned long long my_eq(unsigned long long w, unsigned int c) {
  const unsigned long long x = w ^ (0x5555555555555555ull * c);
  return my_even(~(x | (x >> 1)));
}
// a thread a read: Myers' bit-parallel semi-global edit distance (the read anywhere in the window) against each
// candidate window; res[pair] = best distance | (first end position achieving it) << 8; best[r] = best window's
// slot | its distance << 8; stats[0] += sum of best distances, stats[1] += reads whose best is their own window
extern "C" __global__ void __launch_bounds__(128) my_align(const unsigned long long* __restrict__ ref,
                                                           const unsigned long long* __restrict__ reads,
                                                           const unsigned long long* __restrict__ cand,
                                                           const unsigned int* __restrict__ truth, unsigned int nr,
                                                           unsigned int* res, unsigned int* best,
                                                           unsigned long long* stats) {
  unsigned long long dsum = 0, right = 0;
  for (unsigned int r = blockIdx.x * blockDim.x + threadIdx.x; r < nr; r += gridDim.x * blockDim.x) {
    const unsigned long long a0 = reads[2ull * r], a1 = reads[2ull * r + 1];
    unsigned long long peq[4];
#pragma unroll
    for (unsigned int c = 0; c < 4; ++c) peq[c] = my_eq(a0, c) | my_eq(a1, c) << 32;
    unsigned int top = 0xFFFFu, topc = 0;
    for (unsigned int c = 0; c < MY_CAND; ++c) {
      const unsigned long long w0 = cand[(unsigned long long)r * MY_CAND + c];
      unsigned long long pv = ~0ull, mv = 0ull, word = ref[w0 >> 5] >> (2 * (w0 & 31));
      unsigned int score = 64, low = 64, at = 0;
      for (unsigned int j = 0; j < MY_WIN; ++j) {
        const unsigned long long p = w0 + j;
        if (j > 0 && (p & 31) == 0) word = ref[p >> 5];
        const unsigned int b = (unsigned int)word & 3u;
        word >>= 2;
        const unsigned long long eq = (b & 2u) ? ((b & 1u) ? peq[3] : peq[2]) : ((b & 1u) ? peq[1] : peq[0]);
        const unsigned long long xv = eq | mv;
        const unsigned long long xh = (((eq & pv) + pv) ^ pv) | eq;
        unsigned long long ph = mv | ~(xh | pv), mh = pv & xh;
        score += (unsigned int)(ph >> 63);
        score -= (unsigned int)(mh >> 63);
        ph <<= 1;
        mh <<= 1;
        pv = mh | ~(xv | ph);
        mv = ph & xv;
        if (score < low) {
          low = score;
          at = j;
        }
      }
      res[(unsigned long long)r * MY_CAND + c] = low | at << 8;
      if (low < top) {
        top = low;
        topc = c;
      }
    }
    best[r] = topc | top << 8;
    dsum += top;
    right += topc == truth[r];
  }
  for (int o = 16; o > 0; o >>= 1) {
    dsum += __shfl_down_sync(0xFFFFFFFFu, dsum, o);
    right += __shfl_down_sync(0xFFFFFFFFu, right, o);
  }
  if ((threadIdx.x & 31u) == 0) {
    atomicAdd(&stats[0], dsum);
    atomicAdd(&stats[1], right);
  }
}
"""


def _my_src():
    return SPLITMIX_CUDA + fill_source(MY_CUDA, BASES=MY_BASES, WIN=MY_WIN, CAND=MY_CAND, LEAD=MY_LEAD, SUB=MY_SUB,
                                       INS=MY_INS, DEL=MY_DEL)


MY_SRC = _my_src()
MY_CHECK = 16  # reads whose windows Python's dynamic programme checks


def _my_unpack(words, count):
    """count bases from 2-bit packed uint64 words (numpy)."""
    w = np.asarray(words, dtype=np.uint64)
    sh = (np.arange(32, dtype=np.uint64) * np.uint64(2))
    return ((w[:, None] >> sh[None, :]) & np.uint64(3)).reshape(-1)[:count].astype(np.int64)


def _my_sellers(p, t):
    """Semi-global edit distance of pattern p anywhere in text t (Sellers' dynamic programme): the smallest
    D[m][j] over j >= 1 and the first j - 1 where it is reached."""
    m = len(p)
    col = list(range(m + 1))
    low, at = m, 0
    for j, c in enumerate(t):
        prev, col[0] = col[0], 0
        for i in range(1, m + 1):
            cur = min(prev + (p[i - 1] != c), col[i] + 1, col[i - 1] + 1)
            prev, col[i] = col[i], cur
        if col[m] < low:
            low, at = col[m], j
    return low, at


def myers(variant, clock):
    if variant != "editdist":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    nr = MY_READS
    assert MY_BASES % 32 == 0 and MY_BASES <= 1 << 40 and nr % 32 == 0 and MY_CAND * 8 <= 64 and MY_WIN <= 256
    mod = cp.RawModule(code=_my_src())
    reads_k, align = mod.get_function("my_reads"), mod.get_function("my_align")
    ref = splitmix_words(MY_BASES // 16, 0x3E75).view(cp.uint64)
    reads = cp.empty(2 * nr, dtype=cp.uint64)
    cand = cp.empty(nr * MY_CAND, dtype=cp.uint64)
    truth = cp.empty(nr, dtype=cp.uint32)
    res = cp.empty(nr * MY_CAND, dtype=cp.uint32)
    best = cp.empty(nr, dtype=cp.uint32)
    stats = cp.zeros(2, dtype=cp.uint64)
    grid = sms() * 16
    done = [0]

    def launch():  # a fresh batch of reads, each aligned against its candidate windows
        reads_k((grid,), (256,), (ref, np.uint32(nr), np.uint64(0x3EAD + (done[0] << 40)), reads, cand, truth))
        align(((nr + 127) // 128,), (128,), (ref, reads, cand, truth, np.uint32(nr), res, best, stats))
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    hres, hbest, htruth = cp.asnumpy(res), cp.asnumpy(best), cp.asnumpy(truth)
    hcand, hreads = cp.asnumpy(cand), cp.asnumpy(reads)
    picks = sorted({0, 1, 2, nr - 1} | {int(v) for v in np.linspace(3, nr - 2, MY_CHECK - 4)})
    agree, pairs = 0, 0
    for r in picks:
        p = _my_unpack(hreads[2 * r:2 * r + 2], 64)
        for c in range(MY_CAND):
            w0 = int(hcand[r * MY_CAND + c])
            t = _my_unpack(cp.asnumpy(ref[w0 >> 5:(w0 + MY_WIN + 63) // 32]), (w0 & 31) + MY_WIN)[w0 & 31:]
            low, at = _my_sellers(p.tolist(), t.tolist())
            agree += int(hres[r * MY_CAND + c]) == low | at << 8
            pairs += 1
    own = hres.reshape(nr, MY_CAND)[np.arange(nr), htruth] & 255
    decoy = (hres.reshape(nr, MY_CAND) & 255).sum(axis=1) - own
    right = int(np.sum((hbest & 255) == htruth))
    ps = max(1, done[0])
    ok = agree == pairs and right >= 0.99 * nr
    note(f"myers/{variant}: {done[0]} batches of {nr} 64-base reads, each against {MY_CAND} {MY_WIN}-base windows "
         f"of a {MY_BASES >> 20} Mbp reference ({MY_BASES >> 22} MiB packed): mean distance in the own window "
         f"{float(own.mean()):.2f}, in decoys {float(decoy.mean()) / (MY_CAND - 1):.2f}, last batch placed in "
         f"their own window {right}/{nr} ({int(stats[1]) / (ps * nr) * 100:.2f} % over all), {agree}/{pairs} "
         f"(distance, end) pairs equal Sellers' dynamic programme in Python: {agree == pairs}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a batch ({nr * MY_CAND * MY_WIN / per / 1e9:.0f} G cells/s), {nl} a step")


# ---- viterbi -------------------------------------------------------------------------------------------------------

VT_K = 7
VT_G = (0o171, 0o133)
VT_EBN0_DB = 3.0
VT_SCALE = 32.0  # int8 soft value = round(received * VT_SCALE), clamped to +-127
VT_NEG = -(1 << 24)


def _vt_sigma():
    return float(np.sqrt(1.0 / (2.0 * 0.5 * 10.0 ** (VT_EBN0_DB / 10.0))))


VT_CUDA = r"""
#define VT_L %L%
#define VT_T (VT_L + 6)
#define VT_G0 %G0%u
#define VT_G1 %G1%u
#define VT_NEG (%NEG%)
// frame f's info bits: words f * VT_L / 32 .. (fresh every launch)
extern "C" __global__ void vt_bits(unsigned int* bits, unsigned long long words, unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x)
    bits[i] = (unsigned int)(splitmix(i + seed) >> 16);
}
__device__ __forceinline__ unsigned int vt_bit(const unsigned int* __restrict__ fb, int t) {
  return t >= 0 && t < VT_L ? (fb[t >> 5] >> (t & 31)) & 1u : 0u;
}
// a thread a (frame, step t): the encoder's register (input t at bit 6, input t - k at bit 6 - k; 6 zero tail
// inputs), its two code bits, BPSK (0 -> +1) through AWGN of deviation sigma (Box-Muller), int8 soft values
extern "C" __global__ void vt_channel(const unsigned int* __restrict__ bits, unsigned int frames, float sigma,
                                      float scale, unsigned long long seed, signed char* llr) {
  const unsigned long long steps = (unsigned long long)frames * VT_T;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < steps;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long f = i / VT_T;
    const int t = (int)(i % VT_T);
    const unsigned int* fb = bits + f * (VT_L / 32);
    unsigned int reg = 0;
#pragma unroll
    for (int k = 0; k < 7; ++k) reg |= vt_bit(fb, t - k) << (6 - k);
    const unsigned int c0 = __popc(reg & VT_G0) & 1u, c1 = __popc(reg & VT_G1) & 1u;
    const unsigned long long h = splitmix(i ^ seed);
    const float u1 = ((float)(h >> 40) + 0.5f) * 0x1.0p-24f, u2 = ((float)(h & 0xFFFFFFull) + 0.5f) * 0x1.0p-24f;
    const float rad = sigma * sqrtf(-2.0f * logf(u1));
    float sn, cs;
    sincosf(6.2831853f * u2, &sn, &cs);
    const float y0 = (c0 ? -1.0f : 1.0f) + rad * cs, y1 = (c1 ? -1.0f : 1.0f) + rad * sn;
    llr[2 * i] = (signed char)fminf(127.0f, fmaxf(-127.0f, rintf(y0 * scale)));
    llr[2 * i + 1] = (signed char)fminf(127.0f, fmaxf(-127.0f, rintf(y1 * scale)));
  }
}
// a block (64 threads, thread s the state s = the last 6 inputs, the newest at bit 5) a frame: each step
// add-compare-select from predecessors p0 = (s & 31) << 1 and p0 | 1 (ties keep p0), the 64 decisions by ballot
// into shared memory; thread 0 traces back from state 0 (the tail), the decoded words are compared with the
// transmitted ones. stats[0] += bit errors, stats[1] += frames with errors
extern "C" __global__ void __launch_bounds__(64) vt_decode(const signed char* __restrict__ llr,
                                                           const unsigned int* __restrict__ bits, unsigned int* dec,
                                                           unsigned long long* stats) {
  __shared__ unsigned int surv[VT_T * 2];
  __shared__ int pm[2][64];
  __shared__ int soft[VT_T / 2];
  __shared__ unsigned int words[VT_L / 32];
  __shared__ unsigned int ferr[2];
  const unsigned int f = blockIdx.x, s = threadIdx.x;
  const int* src = (const int*)(llr + (unsigned long long)f * 2 * VT_T);
  for (unsigned int e = s; e < VT_T / 2; e += 64) soft[e] = src[e];
  pm[0][s] = s == 0 ? 0 : VT_NEG;
  if (s < 2) ferr[s] = 0;
  const unsigned int p0 = (s & 31u) << 1, r0 = (s >> 5) << 6 | p0, r1 = r0 | 1u;
  const int a0 = (__popc(r0 & VT_G0) & 1) ? -1 : 1, a1 = (__popc(r0 & VT_G1) & 1) ? -1 : 1;
  const int b0 = (__popc(r1 & VT_G0) & 1) ? -1 : 1, b1 = (__popc(r1 & VT_G1) & 1) ? -1 : 1;
  __syncthreads();
  int cur = 0;
  for (int t = 0; t < VT_T; ++t) {
    const int pair = soft[t >> 1] >> (16 * (t & 1));
    const int q0 = (int)(signed char)(pair & 255), q1 = (int)(signed char)((pair >> 8) & 255);
    const int m0 = pm[cur][p0] + a0 * q0 + a1 * q1, m1 = pm[cur][p0 | 1u] + b0 * q0 + b1 * q1;
    const bool take = m1 > m0;
    pm[cur ^ 1][s] = take ? m1 : m0;
    const unsigned int ballot = __ballot_sync(0xFFFFFFFFu, take);
    if ((s & 31u) == 0) surv[2 * t + (s >> 5)] = ballot;
    cur ^= 1;
    __syncthreads();
  }
  if (s == 0) {
    unsigned int st = 0, word = 0;
    for (int t = VT_T - 1; t >= 0; --t) {
      if (t < VT_L) {
        word |= (st >> 5) << (t & 31);
        if ((t & 31) == 0) {
          words[t >> 5] = word;
          word = 0;
        }
      }
      st = ((st & 31u) << 1) | ((surv[2 * t + (st >> 5)] >> (st & 31u)) & 1u);
    }
  }
  __syncthreads();
  unsigned int e = 0;
  for (unsigned int k = s; k < VT_L / 32; k += 64) {
    const unsigned long long at = (unsigned long long)f * (VT_L / 32) + k;
    dec[at] = words[k];
    e += __popc(words[k] ^ bits[at]);
  }
  for (int o = 16; o > 0; o >>= 1) e += __shfl_down_sync(0xFFFFFFFFu, e, o);
  if ((s & 31u) == 0) ferr[s >> 5] = e;
  __syncthreads();
  if (s == 0 && ferr[0] + ferr[1]) {
    atomicAdd(&stats[0], (unsigned long long)(ferr[0] + ferr[1]));
    atomicAdd(&stats[1], 1ull);
  }
}
"""


def _vt_src():
    return SPLITMIX_CUDA + fill_source(VT_CUDA, L=VT_BITS, G0=VT_G[0], G1=VT_G[1], NEG=VT_NEG)


VT_SRC = _vt_src()
VT_CHECK = 4  # frames decoded again in Python


def _vt_parity(x):
    x = np.asarray(x, dtype=np.int64)
    return np.array([bin(int(v)).count("1") & 1 for v in x.reshape(-1)], dtype=np.int64).reshape(x.shape)


def _vt_encode(info):
    """Code bits (c0, c1 per step, 6 tail steps) of info bits (numpy 0/1), Python's encoder."""
    u = np.concatenate([np.asarray(info, dtype=np.int64), np.zeros(6, dtype=np.int64)])
    out = []
    for t in range(len(u)):
        reg = 0
        for k in range(7):
            if t - k >= 0:
                reg |= int(u[t - k]) << (6 - k)
        out += [bin(reg & VT_G[0]).count("1") & 1, bin(reg & VT_G[1]).count("1") & 1]
    return np.array(out, dtype=np.int64)


def _vt_decode(soft):
    """Viterbi decoding of int soft values (2 a step), numpy over the 64 states, the GPU's tie rule."""
    s = np.arange(64)
    p0 = (s & 31) << 1
    r0 = (s >> 5) << 6 | p0
    sign = lambda reg, g: 1 - 2 * _vt_parity(reg & g)  # noqa: E731
    a0, a1, b0, b1 = sign(r0, VT_G[0]), sign(r0, VT_G[1]), sign(r0 | 1, VT_G[0]), sign(r0 | 1, VT_G[1])
    steps = len(soft) // 2
    pm = np.full(64, VT_NEG, dtype=np.int64)
    pm[0] = 0
    surv = np.zeros((steps, 64), dtype=np.int64)
    for t in range(steps):
        q0, q1 = int(soft[2 * t]), int(soft[2 * t + 1])
        m0 = pm[p0] + a0 * q0 + a1 * q1
        m1 = pm[p0 | 1] + b0 * q0 + b1 * q1
        take = m1 > m0
        pm = np.where(take, m1, m0)
        surv[t] = take
    st, out = 0, np.zeros(steps, dtype=np.int64)
    for t in range(steps - 1, -1, -1):
        out[t] = st >> 5
        st = ((st & 31) << 1) | int(surv[t, st])
    return out[:steps - 6]


def viterbi(variant, clock):
    if variant != "decode":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    nf, steps = VT_FRAMES, VT_BITS + 6
    assert VT_BITS % 32 == 0 and VT_BITS // 32 <= 64 and steps % 2 == 0 and len(VT_G) == 2 and VT_K == 7
    mod = cp.RawModule(code=_vt_src())
    bits_k, channel, decode = (mod.get_function(k) for k in ("vt_bits", "vt_channel", "vt_decode"))
    sigma = _vt_sigma()
    words = nf * VT_BITS // 32
    bits = cp.empty(words, dtype=cp.uint32)
    dec = cp.empty(words, dtype=cp.uint32)
    llr = cp.empty(nf * 2 * steps, dtype=cp.int8)
    stats = cp.zeros(2, dtype=cp.uint64)
    grid = sms() * 16
    done = [0]

    def transmit(seed, sig):
        bits_k((grid,), (256,), (bits, np.uint64(words), np.uint64(seed)))
        channel((grid,), (256,), (bits, np.uint32(nf), np.float32(sig), np.float32(VT_SCALE), np.uint64(seed ^ 0xA5),
                                  llr))

    def launch():  # fresh frames through the channel, every frame decoded
        transmit(0x7E7 + (done[0] << 32), sigma)
        decode((nf,), (64,), (llr, bits, dec, stats))
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    ps = max(1, done[0])
    errs, ferrs = (int(v) for v in cp.asnumpy(stats))
    picks = sorted({0, nf // 3, nf // 2 + 1, nf - 1})[:VT_CHECK]
    hllr, hdec, hbits = cp.asnumpy(llr), cp.asnumpy(dec), cp.asnumpy(bits)
    unpack = lambda w: ((w[:, None] >> np.arange(32, dtype=np.uint32)) & 1).reshape(-1).astype(np.int64)  # noqa: E731
    fw = VT_BITS // 32
    same, last_errs = 0, 0
    for f in picks:
        ref = _vt_decode(hllr[f * 2 * steps:(f + 1) * 2 * steps].astype(np.int64))
        same += np.array_equal(ref, unpack(hdec[f * fw:(f + 1) * fw]))
        last_errs += int(np.sum(ref != unpack(hbits[f * fw:(f + 1) * fw])))
    # the encoder: with no noise the soft values' signs are Python's code bits
    transmit(0x7E7, 0.0)
    hllr0, hbits0 = cp.asnumpy(llr), cp.asnumpy(bits)
    enc_ok = all(np.array_equal((hllr0[f * 2 * steps:(f + 1) * 2 * steps] < 0).astype(np.int64),
                                _vt_encode(unpack(hbits0[f * fw:(f + 1) * fw]))) for f in picks)
    ber = errs / (ps * nf * VT_BITS)
    ok = same == len(picks) and enc_ok and ber < 1e-2
    note(f"viterbi/{variant}: {done[0]} decodes of {nf} frames of {VT_BITS} bits (K = {VT_K}, rate 1/2, "
         f"generators {VT_G[0]:o} {VT_G[1]:o}, 64 states) at Eb/N0 {VT_EBN0_DB} dB: bit error rate {ber:.2e}, frame "
         f"error rate {ferrs / (ps * nf):.2e}, {same}/{len(picks)} frames decode as a NumPy Viterbi does ({last_errs} "
         f"bit errors in them), noiseless code bits equal Python's encoder: {enc_ok}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a decode ({nf * VT_BITS / per / 1e9:.2f} Gbit/s), {nl} a step")


# ---- pq ------------------------------------------------------------------------------------------------------------

PQ_D = 128  # dimensions
PQ_M = 32  # sub-quantisers (bytes a code)
PQ_DS = PQ_D // PQ_M  # dimensions a sub-quantiser
PQ_KS = 256  # centroids a sub-quantiser

PQ_CUDA = r"""
#define PQ_D %D%
#define PQ_M %M%
#define PQ_DS %DS%
#define PQ_KS %KS%
#define PQ_LISTS %LISTS%
#define PQ_PROBE %PROBE%
// query q: coarse centroid splitmix(seed + q) % PQ_LISTS plus uniform noise in +-0.25 a dimension
extern "C" __global__ void pq_queries(const float* __restrict__ cent, unsigned int nq, unsigned long long seed,
                                      float* qs) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < nq * PQ_D; i += gridDim.x * blockDim.x) {
    const unsigned int q = i / PQ_D, d = i % PQ_D;
    const unsigned long long l = splitmix(seed + q) % PQ_LISTS;
    const float u = (float)(splitmix((seed << 20) ^ i) >> 40) * 0x1.0p-24f;
    qs[i] = cent[l * PQ_D + d] + 0.5f * u - 0.25f;
  }
}
// the lookup table of query q against list l into lut (PQ_KS threads, thread k centroid k of every
// sub-quantiser): lut[m][k] = |(q - c_l)_m - book[m][k]|^2, explicit fused multiply-adds in a fixed order
__device__ __forceinline__ void pq_table(const float* __restrict__ q, const float* __restrict__ c,
                                         const float* __restrict__ book, float* res, float* lut) {
  const unsigned int t = threadIdx.x;
  if (t < PQ_D) res[t] = q[t] - c[t];
  __syncthreads();
  for (unsigned int m = 0; m < PQ_M; ++m) {
    float acc = 0.0f;
#pragma unroll
    for (int j = 0; j < PQ_DS; ++j) {
      const float d = res[m * PQ_DS + j] - book[(m * PQ_KS + t) * PQ_DS + j];
      acc = __fmaf_rn(d, d, acc);
    }
    lut[m * PQ_KS + t] = acc;
  }
  __syncthreads();
}
// a block (PQ_KS threads) a (probe p, query q): the table of q against its p-th list in shared memory, then a
// thread a code: 32 bytes, 32 table entries summed in order m = 0 .. 31, key = distance bits << 32 | position;
// each lane's TK_K smallest merged per warp, the 8 warps' lists by warp 0, to cand[q][p]
extern "C" __global__ void __launch_bounds__(PQ_KS) pq_scan(const float* __restrict__ qs,
                                                            const float* __restrict__ cent,
                                                            const float* __restrict__ book,
                                                            const int* __restrict__ probe,
                                                            const unsigned int* __restrict__ offs,
                                                            const uint4* __restrict__ codes,
                                                            unsigned long long* cand) {
  __shared__ float lut[PQ_M * PQ_KS];
  __shared__ float res[PQ_D];
  __shared__ unsigned long long wl[PQ_KS / 32][TK_K];
  const unsigned int p = blockIdx.x, q = blockIdx.y, t = threadIdx.x, warp = t >> 5;
  const unsigned int l = (unsigned int)probe[q * PQ_PROBE + p];
  pq_table(qs + (unsigned long long)q * PQ_D, cent + (unsigned long long)l * PQ_D, book, res, lut);
  unsigned long long best[TK_K];
  tk_clear(best);
  for (unsigned int e = offs[l] + t; e < offs[l + 1]; e += PQ_KS) {
    const uint4 lo = codes[2ull * e], hi = codes[2ull * e + 1];
    const unsigned int w[8] = {lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w};
    float dist = 0.0f;
#pragma unroll
    for (int m = 0; m < PQ_M; ++m) dist += lut[m * PQ_KS + ((w[m >> 2] >> (8 * (m & 3))) & 255u)];
    tk_insert(best, (unsigned long long)__float_as_uint(dist) << 32 | e);
  }
  tk_warp_merge(best, wl[warp]);
  __syncthreads();
  if (warp == 0) {
    tk_clear(best);
    for (unsigned int c = t; c < (PQ_KS / 32) * TK_K; c += 32) tk_insert(best, wl[c / TK_K][c % TK_K]);
    tk_warp_merge(best, cand + ((unsigned long long)q * PQ_PROBE + p) * TK_K);
  }
}
// the table of (query q, list l) written out, for the check
extern "C" __global__ void __launch_bounds__(PQ_KS) pq_dump(const float* __restrict__ qs,
                                                            const float* __restrict__ cent,
                                                            const float* __restrict__ book, unsigned int q,
                                                            unsigned int l, float* out) {
  __shared__ float lut[PQ_M * PQ_KS];
  __shared__ float res[PQ_D];
  pq_table(qs + (unsigned long long)q * PQ_D, cent + (unsigned long long)l * PQ_D, book, res, lut);
  for (unsigned int e = threadIdx.x; e < PQ_M * PQ_KS; e += PQ_KS) out[e] = lut[e];
}
"""


def _pq_src():
    return SPLITMIX_CUDA + _topk_cuda(PQ_PROBE) + fill_source(PQ_CUDA, D=PQ_D, M=PQ_M, DS=PQ_DS, KS=PQ_KS, LISTS=PQ_LISTS,
                                                      PROBE=PQ_PROBE)


PQ_SRC = _pq_src()
PQ_CHECK = 2  # queries searched again in NumPy


def _pq_sizes(seed=0x1F9):
    """Codes a list: PQ_LIST_MIN .. 3 PQ_LIST_MIN - 1."""
    h = splitmix64_np(np.arange(PQ_LISTS, dtype=np.uint64) + np.uint64(seed))
    return (PQ_LIST_MIN + h % np.uint64(2 * PQ_LIST_MIN)).astype(np.int64)


def pq(variant, clock):
    if variant != "adc":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    nq = PQ_QUERIES
    assert PQ_M == 32 and PQ_KS == 256 and PQ_D <= PQ_KS and PQ_PROBE <= PQ_LISTS and nq % 4 == 0
    sizes = _pq_sizes()
    offs_h = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n = int(offs_h[-1])
    assert n < 1 << 32
    mod = cp.RawModule(code=_pq_src())
    queries_k, scan, merge, dump = (mod.get_function(k) for k in ("pq_queries", "pq_scan", "tk_merge", "pq_dump"))
    unit = lambda words, seed: splitmix_words(words, seed).astype(cp.float32) * cp.float32(2.0 ** -32)  # noqa: E731
    cent = unit(PQ_LISTS * PQ_D, 0xCE47) * cp.float32(2.0) - cp.float32(1.0)
    book = unit(PQ_M * PQ_KS * PQ_DS, 0xB00C) * cp.float32(0.5) - cp.float32(0.25)
    codes = splitmix_words(n * PQ_M // 4, 0xC0DE5)  # code e: bytes 32e .. 32e + 31
    offs = cp.asarray(offs_h.astype(np.uint32))
    cnorm = (cent.reshape(PQ_LISTS, PQ_D) ** 2).sum(axis=1)
    qs = cp.empty(nq * PQ_D, dtype=cp.float32)
    cand = cp.empty(nq * PQ_PROBE * TK_K, dtype=cp.uint64)
    out = cp.empty(nq * TK_K, dtype=cp.uint64)
    probe = [None]
    done = [0]

    def launch():  # fresh queries, coarse lists by a GEMM and a sort, tables and scans, top-k merged
        queries_k((sms() * 8,), (256,), (cent, np.uint32(nq), np.uint64(0x9A + (done[0] << 24)), qs))
        d = cnorm[None, :] - cp.float32(2.0) * (qs.reshape(nq, PQ_D) @ cent.reshape(PQ_LISTS, PQ_D).T)
        probe[0] = cp.ascontiguousarray(cp.argsort(d, axis=1)[:, :PQ_PROBE].astype(cp.int32))
        scan((PQ_PROBE, nq), (PQ_KS,), (qs, cent, book, probe[0], offs, codes, cand))
        merge((nq // 4,), (128,), (cand, np.uint32(nq), out))
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    hprobe = cp.asnumpy(probe[0]).reshape(nq, PQ_PROBE)
    hout = cp.asnumpy(out).reshape(nq, TK_K)
    hq, hcent = cp.asnumpy(qs).reshape(nq, PQ_D), cp.asnumpy(cent).reshape(PQ_LISTS, PQ_D)
    hbook = cp.asnumpy(book).reshape(PQ_M, PQ_KS, PQ_DS).astype(np.float64)
    table = cp.empty(PQ_M * PQ_KS, dtype=cp.float32)
    lut_err, agree = 0.0, 0
    # a query's search again: each probed list's table (the GPU's, after checking it against float64), every code's
    # distance summed in float32 in the same order, the TK_K smallest keys
    for q in sorted({0, nq - 1})[:PQ_CHECK]:
        keys = []
        for l in hprobe[q].tolist():
            dump((1,), (PQ_KS,), (qs, cent, book, np.uint32(q), np.uint32(l), table))
            lut = cp.asnumpy(table).reshape(PQ_M, PQ_KS)
            res = (hq[q].astype(np.float64) - hcent[l].astype(np.float64)).reshape(PQ_M, 1, PQ_DS)
            want = ((res - hbook) ** 2).sum(axis=2)
            lut_err = max(lut_err, float(np.max(np.abs(lut - want) / np.maximum(want, 1e-3))))
            lo, hi = int(offs_h[l]), int(offs_h[l + 1])
            c = cp.asnumpy(codes[lo * PQ_M // 4:hi * PQ_M // 4]).view(np.uint8).reshape(hi - lo, PQ_M)
            dist = np.zeros(hi - lo, dtype=np.float32)
            for m in range(PQ_M):
                dist = dist + lut[m][c[:, m]]
            keys.append(dist.view(np.uint32).astype(np.uint64) << np.uint64(32) | np.arange(lo, hi, dtype=np.uint64))
        agree += _topk_ref(np.concatenate(keys)) == [int(v) for v in hout[q]]
    lists_ok = bool(np.all(np.sort(hprobe, axis=1)[:, 1:] != np.sort(hprobe, axis=1)[:, :-1]))
    # a query's nearest list should be the one it was drawn around
    near = splitmix64_np(np.uint64(0x9A + ((done[0] - 1) << 24)) + np.arange(nq, dtype=np.uint64)) % \
        np.uint64(PQ_LISTS)
    own = int(np.sum(hprobe[:, 0] == near.astype(np.int64)))
    top = np.mean((hout[:, 0] >> np.uint64(32)).astype(np.uint32).view(np.float32))
    ok = agree == PQ_CHECK and lut_err < 1e-4 and lists_ok and own >= 0.99 * nq
    note(f"pq/{variant}: {done[0]} searches of {nq} queries, {PQ_PROBE} of {PQ_LISTS} lists probed each, over {n} "
         f"codes of {PQ_M} bytes ({n * PQ_M >> 20} MiB; {PQ_M} x {PQ_KS} centroids of {PQ_DS} dimensions), top "
         f"{TK_K}, nearest distance {top:.4f} on average, queries whose first list is their own: {own}/{nq}, "
         f"tables within {lut_err:.1e} of float64, {agree}/{PQ_CHECK} top-{TK_K} lists equal a NumPy scan: "
         f"{agree == PQ_CHECK}, agree: {ok}, {per * 1e3:.2f} ms a search "
         f"({nq * PQ_PROBE * n / PQ_LISTS / per / 1e9:.1f} G codes/s), {nl} a step")


# ---- forest --------------------------------------------------------------------------------------------------------

FR_F = 64  # features
FR_DEPTH = 10
FR_ROWS_BLOCK = 128
FR_NAN = 64  # a value is missing with probability 1 / FR_NAN


def _fr_trees(seed=0xF0E):
    """The forest as int32 [nodes, 4]: feature | default-left << 16 (or -1 for a leaf), threshold (or leaf value)
    bits, left, right (absolute node numbers); and each tree's root. Breadth first, a node splitting with
    probability 1, 0.8 or 0.55 by depth (below 3, 6, FR_DEPTH)."""
    rng = np.random.default_rng(seed)
    nodes, roots = [], []
    for _ in range(FR_TREES):
        roots.append(len(nodes))
        queue = [(len(nodes), 0)]
        nodes.append(None)
        while queue:
            at, depth = queue.pop(0)
            p = 1.0 if depth < 3 else 0.8 if depth < 6 else 0.55 if depth < FR_DEPTH else 0.0
            if rng.random() < p:
                f, dl = int(rng.integers(FR_F)), int(rng.integers(2))
                thr = np.float32(rng.random())
                kids = (len(nodes), len(nodes) + 1)
                nodes += [None, None]
                nodes[at] = (f | dl << 16, int(thr.view(np.int32)), kids[0], kids[1])
                queue += [(kids[0], depth + 1), (kids[1], depth + 1)]
            else:
                v = np.float32(rng.normal() * 0.1)
                nodes[at] = (-1, int(v.view(np.int32)), 0, 0)
    return np.array(nodes, dtype=np.int32), np.array(roots, dtype=np.uint32)


FR_CUDA = r"""
#define FR_F %F%
#define FR_TREES %TREES%
#define FR_RB %RB%
#define FR_NAN %NAN%
// value (r, f): uniform in [0, 1) from splitmix (rounded to float), missing (NaN) with probability 1 / FR_NAN
extern "C" __global__ void fr_rows(float* x, unsigned long long count, unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < count;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long h = splitmix(i ^ seed);
    x[i] = (h & (FR_NAN - 1)) == 0 ? __int_as_float(0x7FC00000) : (float)((double)(h >> 11) * 0x1.0p-53);
  }
}
// a block FR_RB rows (staged in shared memory, a padded row each), a thread a row through every tree: node
// (feature | default-left << 16 or -1 at a leaf, threshold or leaf value, left, right); left where value <
// threshold, or where missing and default-left; out = sum of the leaves in tree order
extern "C" __global__ void __launch_bounds__(FR_RB) fr_infer(const float* __restrict__ x, unsigned long long row0,
                                                             unsigned int nrows, const int4* __restrict__ nodes,
                                                             const unsigned int* __restrict__ roots, float* out) {
  __shared__ float sx[FR_RB * (FR_F + 1)];
  const unsigned int t = threadIdx.x, r0 = blockIdx.x * FR_RB;
  for (unsigned int e = t; e < FR_RB * FR_F; e += FR_RB) {
    const unsigned int r = e / FR_F, f = e % FR_F;
    sx[r * (FR_F + 1) + f] = r0 + r < nrows ? x[(row0 + r0 + r) * FR_F + f] : 0.0f;
  }
  __syncthreads();
  if (r0 + t >= nrows) return;
  const float* v = sx + t * (FR_F + 1);
  float acc = 0.0f;
  for (unsigned int k = 0; k < FR_TREES; ++k) {
    int4 nd = __ldg(nodes + roots[k]);
    while (nd.x >= 0) {
      const float a = v[nd.x & 0xFFFF];
      const bool left = a != a ? ((nd.x >> 16) & 1) != 0 : a < __int_as_float(nd.y);
      nd = __ldg(nodes + (left ? nd.z : nd.w));
    }
    acc += __int_as_float(nd.y);
  }
  out[row0 + r0 + t] = acc;
}
"""


def _fr_src():
    return SPLITMIX_CUDA + fill_source(FR_CUDA, F=FR_F, TREES=FR_TREES, RB=FR_ROWS_BLOCK, NAN=FR_NAN)


FR_SRC = _fr_src()
FR_CHECK = 16  # rows walked again in Python
FR_SEED = 0xF0A


def _fr_py(row, nodes, roots):
    """A row's score: every tree walked in Python, leaves summed in float32 in tree order."""
    acc = np.float32(0.0)
    thr = nodes[:, 1].view(np.float32)
    for r in roots.tolist():
        n = r
        while nodes[n, 0] >= 0:
            f, dl = int(nodes[n, 0]) & 0xFFFF, (int(nodes[n, 0]) >> 16) & 1
            a = row[f]
            n = int(nodes[n, 2] if (dl if np.isnan(a) else a < thr[n]) else nodes[n, 3])
        acc = np.float32(acc + thr[n])
    return acc


def forest(variant, clock):
    if variant != "infer":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert FR_ROWS % FR_BATCH == 0 and FR_F <= 0xFFFF and FR_NAN & (FR_NAN - 1) == 0
    nodes, roots = _fr_trees()
    mod = cp.RawModule(code=_fr_src())
    rows_k, infer = mod.get_function("fr_rows"), mod.get_function("fr_infer")
    x = cp.empty(FR_ROWS * FR_F, dtype=cp.float32)
    rows_k((sms() * 16,), (256,), (x, np.uint64(FR_ROWS * FR_F), np.uint64(FR_SEED)))
    d_nodes, d_roots = cp.asarray(nodes.reshape(-1)), cp.asarray(roots)
    out = cp.zeros(FR_ROWS, dtype=cp.float32)
    batches = FR_ROWS // FR_BATCH
    done = [0]

    def launch():  # the next batch of rows through every tree
        b = done[0] % batches
        infer(((FR_BATCH + FR_ROWS_BLOCK - 1) // FR_ROWS_BLOCK,), (FR_ROWS_BLOCK,),
              (x, np.uint64(b * FR_BATCH), np.uint32(FR_BATCH), d_nodes, d_roots, out))
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    scored = min(done[0], batches) * FR_BATCH
    rng = np.random.default_rng(0xF1)
    picks = sorted({0, 1, scored - 1} | {int(v) for v in rng.integers(0, scored, FR_CHECK - 3)})
    hout = cp.asnumpy(out)
    agree, rows_ok = 0, True
    for r in picks:
        row = cp.asnumpy(x[r * FR_F:(r + 1) * FR_F])
        h = splitmix64_np(np.arange(r * FR_F, (r + 1) * FR_F, dtype=np.uint64) ^ np.uint64(FR_SEED))
        want = np.where((h & np.uint64(FR_NAN - 1)) == 0, np.float32(np.nan),
                        ((h >> np.uint64(11)).astype(np.float64) * 2.0 ** -53).astype(np.float32))
        rows_ok &= bool(np.array_equal(row, want, equal_nan=True))
        agree += _fr_py(row, nodes, roots) == hout[r]
    depth = len(nodes) / FR_TREES
    s = hout[:scored]
    ok = agree == len(picks) and rows_ok
    note(f"forest/{variant}: {done[0]} batches of {FR_BATCH} rows ({FR_ROWS} rows of {FR_F} features, "
         f"{FR_ROWS * FR_F * 4 >> 20} MiB, 1/{FR_NAN} missing) through {FR_TREES} trees ({len(nodes)} nodes, "
         f"{depth:.0f} a tree, depth up to {FR_DEPTH}), scores mean {float(s.mean()):.4f} sd {float(s.std()):.4f}, "
         f"rows regenerate in NumPy: {rows_ok}, {agree}/{len(picks)} scores equal a Python walk of the trees: "
         f"{agree == len(picks)}, agree: {ok}, {per * 1e3:.2f} ms a batch "
         f"({FR_BATCH * FR_TREES / per / 1e9:.2f} G tree walks/s), {nl} a step")


# ---- unionfind -----------------------------------------------------------------------------------------------------

UF_CUDA = r"""
// edge i: two endpoints below nv from the halves of splitmix(i ^ seed) (multiply-high ranges)
extern "C" __global__ void uf_edges(unsigned int* e, unsigned long long m, unsigned int nv,
                                    unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < m;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long h = splitmix(i ^ seed);
    e[2 * i] = (unsigned int)(((h & 0xFFFFFFFFull) * nv) >> 32);
    e[2 * i + 1] = (unsigned int)(((h >> 32) * nv) >> 32);
  }
}
extern "C" __global__ void uf_init(unsigned int* parent, unsigned int nv) {
  for (unsigned int v = blockIdx.x * blockDim.x + threadIdx.x; v < nv; v += gridDim.x * blockDim.x) parent[v] = v;
}
// the root of x (a parent is always smaller than its child), pointing each visited vertex at its grandparent
// on the way (intermediate pointer jumping; racing writes only ever store an ancestor)
__device__ __forceinline__ unsigned int uf_find(unsigned int* parent, unsigned int x) {
  volatile unsigned int* p = parent;
  unsigned int par = p[x];
  if (par != x) {
    unsigned int next, prev = x;
    while (par > (next = p[par])) {
      p[prev] = next;
      prev = par;
      par = next;
    }
  }
  return par;
}
// a thread an edge: both roots found; the larger hooked under the smaller by atomicCAS, and where another thread
// moved it first, on from what it now points at. stats[0] += successful hooks
extern "C" __global__ void uf_hook(const unsigned int* __restrict__ e, unsigned long long m, unsigned int* parent,
                                   unsigned long long* stats) {
  unsigned long long hooks = 0;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < m;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned int a = uf_find(parent, e[2 * i]), b = uf_find(parent, e[2 * i + 1]);
    while (a != b) {
      if (a < b) {
        const unsigned int t = a;
        a = b;
        b = t;
      }
      const unsigned int old = atomicCAS(&parent[a], a, b);
      if (old == a) {
        ++hooks;
        break;
      }
      a = old;
    }
  }
  for (int o = 16; o > 0; o >>= 1) hooks += __shfl_down_sync(0xFFFFFFFFu, hooks, o);
  if ((threadIdx.x & 31u) == 0 && hooks) atomicAdd(&stats[0], hooks);
}
// every vertex pointed at its root; stats[1] += roots (ballot and popcount a warp)
extern "C" __global__ void uf_compress(unsigned int* parent, unsigned int nv, unsigned long long* stats) {
  unsigned long long roots = 0;
  for (unsigned int v0 = blockIdx.x * blockDim.x; v0 < nv; v0 += gridDim.x * blockDim.x) {
    const unsigned int v = v0 + threadIdx.x;
    bool root = false;
    if (v < nv) {
      unsigned int r = parent[v];
      while (r != parent[r]) r = parent[r];
      parent[v] = r;
      root = r == v;
    }
    roots += __popc(__ballot_sync(0xFFFFFFFFu, root));
  }
  if ((threadIdx.x & 31u) == 0 && roots) atomicAdd(&stats[1], roots);
}
"""
UF_SRC = SPLITMIX_CUDA + UF_CUDA


def _uf_edges_np(m, nv, seed):
    h = splitmix64_np(np.arange(m, dtype=np.uint64) ^ np.uint64(seed))
    lo = ((h & np.uint64(0xFFFFFFFF)) * np.uint64(nv)) >> np.uint64(32)
    hi = ((h >> np.uint64(32)) * np.uint64(nv)) >> np.uint64(32)
    return lo.astype(np.int64), hi.astype(np.int64)


def _uf_python(nv, us, vs):
    """Each vertex's component as its smallest vertex, by a plain Python union-find (union by smaller root,
    path halving)."""
    parent = list(range(nv))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for u, v in zip(us.tolist(), vs.tolist()):
        a, b = find(u), find(v)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return np.array([find(v) for v in range(nv)], dtype=np.int64)


def unionfind(variant, clock):
    if variant != "cc":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    nv, m = UF_VERTICES, UF_EDGES
    assert nv < 1 << 32 and m * 2 < 1 << 40
    mod = cp.RawModule(code=UF_SRC)
    edges_k, init, hook, compress = (mod.get_function(k) for k in ("uf_edges", "uf_init", "uf_hook", "uf_compress"))
    grid = sms() * 16

    def components(e, parent, stats, nv, m, seed):
        edges_k((grid,), (256,), (e, np.uint64(m), np.uint32(nv), np.uint64(seed)))
        init((grid,), (256,), (parent, np.uint32(nv)))
        stats.fill(0)
        hook((grid,), (256,), (e, np.uint64(m), parent, stats))
        compress((grid,), (256,), (parent, np.uint32(nv), stats))

    e = cp.empty(2 * m, dtype=cp.uint32)
    parent = cp.empty(nv, dtype=cp.uint32)
    stats = cp.zeros(2, dtype=cp.uint64)
    done = [0, 0]  # graphs, the last seed

    def launch():  # a fresh graph, its components
        done[1] = 0xCC + (done[0] << 32)
        components(e, parent, stats, nv, m, done[1])
        done[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    hooks, roots = (int(v) for v in cp.asnumpy(stats))
    # the last graph: every edge inside one component, every label a root and its component's smallest vertex
    lab = parent
    closed = bool(cp.all(lab[e[0::2]] == lab[e[1::2]]))
    rooted = bool(cp.all(lab[lab] == lab)) and bool(cp.all(lab <= cp.arange(nv, dtype=cp.uint32)))
    sizes = cp.bincount(lab.astype(cp.int32))
    giant = int(sizes.max())
    # a small graph made the same way: the GPU's labels against a Python union-find on NumPy's edges
    sv, sm = UF_CHECK_VERTICES, UF_CHECK_VERTICES
    se, sp, ss = cp.empty(2 * sm, dtype=cp.uint32), cp.empty(sv, dtype=cp.uint32), cp.zeros(2, dtype=cp.uint64)
    components(se, sp, ss, sv, sm, 0x5EED)
    us, vs = _uf_edges_np(sm, sv, 0x5EED)
    edges_same = bool(np.array_equal(cp.asnumpy(se), np.stack([us, vs], axis=1).reshape(-1)))
    want = _uf_python(sv, us, vs)
    small_ok = edges_same and bool(np.array_equal(cp.asnumpy(sp).astype(np.int64), want))
    small_count = int(cp.asnumpy(ss)[1])
    ok = closed and rooted and roots == nv - hooks and small_ok and small_count == len(np.unique(want))
    note(f"unionfind/{variant}: {done[0]} graphs of {nv} vertices and {m} edges ({m * 8 >> 20} MiB of edges), last: "
         f"{roots} components (the largest {giant} vertices, {giant / nv * 100:.1f} %), roots = vertices - "
         f"successful hooks: {roots == nv - hooks}, every edge inside a component: {closed}, labels are roots and "
         f"their component's smallest vertex: {rooted}, a {sv}-vertex graph's labels ({small_count} components) "
         f"equal a Python union-find's on NumPy's edges: {small_ok}, agree: {ok}, {per * 1e3:.2f} ms a graph "
         f"({m / per / 1e9:.2f} G edges/s), {nl} a step")


# ---- suffix --------------------------------------------------------------------------------------------------------

SA_BLOCK_LOG = 12  # 4 KiB blocks of the text
SA_COPY = 8  # a block is a copy of an earlier one with probability 1 / SA_COPY
SA_MUT = 128  # a copied base mutated with probability 1 / SA_MUT

SA_CUDA = r"""
#define SA_BLOCK_LOG %BLOG%
#define SA_COPY %COPY%u
#define SA_MUT %MUT%u
__device__ __forceinline__ unsigned char sa_acgt(unsigned long long h) {
  return (unsigned char)((0x54474341u >> (8 * (h & 3u))) & 255u);  // "ACGT"
}
// byte i of the text: a random base, or in a copied block (1 / SA_COPY of the blocks after the first) the base
// at the same offset of a random earlier block, mutated with probability 1 / SA_MUT
extern "C" __global__ void sa_text(unsigned char* text, unsigned long long n, unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long blk = i >> SA_BLOCK_LOG, h = splitmix(blk ^ (seed << 1));
    unsigned long long src = i;
    const bool copy = blk > 0 && h % SA_COPY == 0;
    if (copy) src = (((h >> 16) % blk) << SA_BLOCK_LOG) | (i & ((1ull << SA_BLOCK_LOG) - 1));
    unsigned long long b = splitmix(src + seed);
    if (copy) {
      const unsigned long long g = splitmix(i ^ (seed << 2));
      if (g % SA_MUT == 0) b = g >> 32;
    }
    text[i] = sa_acgt(b);
  }
}
extern "C" __global__ void sa_rank0(const unsigned char* __restrict__ text, unsigned long long n,
                                    unsigned int* rank) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x)
    rank[i] = text[i];
}
// key i: (rank of suffix i, rank of suffix i + h or 0 past the end), ranks by the first h bytes
extern "C" __global__ void sa_keys(const unsigned int* __restrict__ rank, unsigned long long n,
                                   unsigned long long h, unsigned long long* keys) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x)
    keys[i] = (unsigned long long)rank[i] << 32 | (i + h < n ? rank[i + h] : 0u);
}
// flag j: the j-th smallest key differs from the one before (a new group starts)
extern "C" __global__ void sa_flags(const unsigned long long* __restrict__ keys, const long long* __restrict__ sa,
                                    unsigned long long n, unsigned int* flag) {
  for (unsigned long long j = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; j < n;
       j += (unsigned long long)gridDim.x * blockDim.x)
    flag[j] = j == 0 || keys[sa[j]] != keys[sa[j - 1]];
}
// the new rank of suffix sa[j]: its group's number (1-based)
extern "C" __global__ void sa_scatter(const long long* __restrict__ sa, const unsigned int* __restrict__ group,
                                      unsigned long long n, unsigned int* rank) {
  for (unsigned long long j = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; j < n;
       j += (unsigned long long)gridDim.x * blockDim.x)
    rank[sa[j]] = group[j];
}
"""
SA_SRC = SPLITMIX_CUDA + fill_source(SA_CUDA, BLOG=SA_BLOCK_LOG, COPY=SA_COPY, MUT=SA_MUT)
SA_CHECK = 256  # adjacent suffix pairs compared in Python


def _sa_less(t, a, b):
    """Suffix a of bytes t sorts before suffix b (compared in growing windows)."""
    w = 1 << 10
    while True:
        x, y = t[a:a + w], t[b:b + w]
        if x != y or a + w >= len(t) or b + w >= len(t):
            return x < y
        w *= 4


def suffix(variant, clock):
    if variant != "array":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert SA_BYTES < 1 << 32 and SA_CHECK_BYTES < SA_BYTES
    mod = cp.RawModule(code=SA_SRC)
    text_k, rank0, keys_k, flags_k, scatter_k = (mod.get_function(k) for k in ("sa_text", "sa_rank0", "sa_keys",
                                                                              "sa_flags", "sa_scatter"))
    grid = sms() * 16

    def build(text, n):
        """The suffix array of text[:n] (int64) and the rounds it took."""
        rank = cp.empty(n, dtype=cp.uint32)
        keys = cp.empty(n, dtype=cp.uint64)
        flag = cp.empty(n, dtype=cp.uint32)
        rank0((grid,), (256,), (text, np.uint64(n), rank))
        h, rounds = 1, 0
        while True:
            keys_k((grid,), (256,), (rank, np.uint64(n), np.uint64(h), keys))
            sa = cp.argsort(keys)
            flags_k((grid,), (256,), (keys, sa, np.uint64(n), flag))
            group = cp.cumsum(flag, dtype=cp.uint32)
            scatter_k((grid,), (256,), (sa, group, np.uint64(n), rank))
            rounds += 1
            if int(group[n - 1]) == n:
                return sa, rounds
            h *= 2

    n = SA_BYTES
    text = cp.empty(n, dtype=cp.uint8)
    last = [None, 0]  # the last suffix array, its rounds
    done = [0]

    def launch():  # a fresh text, its suffix array
        text_k((grid,), (256,), (text, np.uint64(n), np.uint64(0x5A + (done[0] << 24))))
        last[0], last[1] = build(text, n)
        done[0] += 1
    nl, per = calibrated_launches(launch, 4)
    cupy_loop(repeat_step(launch, nl), clock)
    sa = last[0]
    perm = bool(cp.all(cp.bincount(sa, minlength=n) == 1))
    t = cp.asnumpy(text).tobytes()
    hsa = cp.asnumpy(sa)
    rng = np.random.default_rng(0x5A5)
    picks = sorted({0, n - 2} | {int(v) for v in rng.integers(0, n - 1, SA_CHECK - 2)})
    ordered = sum(_sa_less(t, int(hsa[j]), int(hsa[j + 1])) for j in picks)
    # a small text: the whole suffix array against Python's sorted()
    small = cp.empty(SA_CHECK_BYTES, dtype=cp.uint8)
    text_k((1,), (256,), (small, np.uint64(SA_CHECK_BYTES), np.uint64(0x5B)))
    ssa, _ = build(small, SA_CHECK_BYTES)
    st = cp.asnumpy(small).tobytes()
    small_ok = [int(v) for v in cp.asnumpy(ssa)] == sorted(range(SA_CHECK_BYTES), key=lambda i: st[i:])
    blk = np.arange(1, n >> SA_BLOCK_LOG, dtype=np.uint64)
    copies = int(np.sum(splitmix64_np(blk ^ np.uint64((0x5A + ((done[0] - 1) << 24)) << 1)) % np.uint64(SA_COPY) == 0))
    ok = perm and ordered == len(picks) and small_ok
    note(f"suffix/{variant}: {done[0]} suffix arrays of {n >> 20} MiB texts ({copies} of {n >> SA_BLOCK_LOG} "
         f"{1 << SA_BLOCK_LOG}-byte blocks copies of earlier ones), {last[1]} doubling rounds the last, a "
         f"permutation: {perm}, {ordered}/{len(picks)} sampled adjacent suffixes in order: "
         f"{ordered == len(picks)}, a {SA_CHECK_BYTES}-byte text's array equals Python's sorted(): {small_ok}, "
         f"agree: {ok}, {per * 1e3:.0f} ms an array, {nl} a step")
