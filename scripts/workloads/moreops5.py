"""Hash-table SpGEMM, BPE tokenisation, Morton codes + LBVH build, canonical Huffman decoding, LDPC min-sum
decoding, Rabin-Karp multi-pattern search and bitonic sorting (label 0).

A fifth set of benign work that, in pipe terms (integer pipe, FP32, DRAM, SM occupancy), resembles hashing, so
the model has to learn finer differences:

  spgemm    sparse matrix-matrix product C = A A (Gustavson, as cuSPARSE does it) of a 2^21-row CSR matrix with
            8..24 entries a row (skewed: mean about 13) and power-law column choice (hub columns): a warp a row
            hashes the products' columns into a 1024-slot shared-memory table (atomicCAS, linear probing) to
            count C's row (symbolic pass), a prefix sum gives C's row pointers, then the numeric pass accumulates
            the values (shared atomicAdd) and compacts the table into C (ballot + popc)
  bpe       byte-pair-encoding tokenisation: 32768 synthetic merges over lower-case byte pairs (deterministic) in
            a 2^16-slot device hash table (pair -> rank); 2^25 pre-split words (the byte expansions of one or two
            skewed-chosen tokens, in 32-byte slots: 1 GiB) tokenised an eighth at a time, a thread a word, by
            repeatedly merging every occurrence of the lowest-rank pair (as GPT-2's bpe() does)
  morton    a BVH build as in GPU ray tracers and collision detection: 30-bit Morton codes (10 bits an axis,
            interleaved by multiply-and-mask) of 2^24 clustered 3-D points that drift each launch, a radix sort
            (cupy.argsort), then Karras' parallel LBVH build (a thread an internal node: direction and range by
            clz of adjacent code XORs, index tie-break, binary search for the split), parent links checked
  huffman   canonical Huffman decoding as in DEFLATE / JPEG: 1 GiB of bytes from a skewed 256-symbol
            distribution, encoded on the GPU (codes of at most 12 bits, MSB first) in independent 64 KiB-output
            chunks; a thread a chunk decodes with a 4096-entry lookup table in shared memory; output compared with
            the source and checksums
  ldpc      LDPC decoding (5G-NR-like quasi-cyclic rate-1/2 code: an 8 x 16 base graph lifted by 128, 3 info
            circulants a row, dual-diagonal parity so encoding is an accumulation): 2^16 random codewords, BPSK
            over AWGN at 3 dB, int8 channel LLRs; a block a codeword, a thread a check of a layer, layered
            normalised min-sum in fp32 with the variable LLRs in shared memory, 10 iterations; bit and frame
            errors counted against the transmitted codewords
  rabinkarp multi-pattern Rabin-Karp: a rolling polynomial hash mod 2^64 (odd 64-bit base, 32-byte window) over 1 GiB
            of synthetic text with 2^18 planted copies of 4096 32-byte patterns; pattern hashes in a
            shared-memory hash set (8192 slots of 32-bit tags and 16-bit pattern indices), candidates verified
            byte for byte; hits counted and spot-checked against Python's bytes.find
  bitonic   bitonic sort of 2^25 32-bit key / value pairs (fresh random keys each launch): 4096-element tiles
            sorted in shared memory, then for each larger merge size global compare-exchange passes down to a
            stride of 4096 and a shared-memory merge of the rest; sortedness and the permutation checked

Each launch is sized to take a few to tens of ms on an H200; a step is as many launches as make about 50 ms
(timed at set-up, before READY). A summary line (checksums, counts, a self-check) goes to stderr at the end.
"""

import numpy as np

from common import (SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, repeat_step, sms,
                    splitmix64_np)

# sizes (module constants so a test can shrink them)
SG_ROWS = 1 << 21
BPE_MERGES = 32768
BPE_WORDS = 1 << 25
BPE_SLICES = 8
LB_POINTS = 1 << 24
HF_BYTES = 1 << 30
LD_WORDS = 1 << 16
RK_BYTES = 1 << 30
RK_PLANTS = 1 << 18
RK_CHECK = 512 << 10
BS_LOG = 25


# ---- spgemm ------------------------------------------------------------------------------------------------------

SG_MINLEN, SG_SPAN = 8, 17  # row lengths 8 + floor(17 u^2): 8..24
SG_LOG = 10  # 1024 slots a warp: a row has at most 24 * 24 = 576 products
SG_WARPS = 4

SG_SRC = SPLITMIX_CUDA + r"""
#define SG_MINLEN %MINLEN%
#define SG_SPAN %SPAN%
#define SG_LOG %LOG%
#define SG_SLOTS (1 << SG_LOG)
#define SG_WARPS %WARPS%
#define SG_EMPTY 0xFFFFFFFFu
__device__ __forceinline__ double unit(unsigned long long h) { return (double)(h >> 11) * 0x1.0p-53; }
// row r of A has SG_MINLEN + floor(SG_SPAN u^2) entries
extern "C" __global__ void sg_lengths(unsigned int n, unsigned long long seed, long long* len) {
  for (unsigned int r = blockIdx.x * blockDim.x + threadIdx.x; r < n; r += gridDim.x * blockDim.x) {
    const double u = unit(splitmix(r ^ seed));
    len[r] = SG_MINLEN + (long long)(SG_SPAN * u * u);
  }
}
// entry e: column floor(n v^3) (power-law: low columns are hubs; a row may repeat one, summed like any product),
// value in [0.5, 1.5)
extern "C" __global__ void sg_fill(const long long* __restrict__ ptr, unsigned int n, unsigned long long seed,
                                   unsigned int* col, float* val) {
  const unsigned long long nnz = ptr[n];
  for (unsigned long long e = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; e < nnz;
       e += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long h = splitmix(e + (seed << 32));
    const double v = unit(h);
    unsigned int c = (unsigned int)(n * v * v * v);
    col[e] = c < n ? c : n - 1;
    val[e] = 0.5f + (float)(unsigned int)(h & 0xFFFFFFu) * 0x1.0p-24f;
  }
}
__device__ __forceinline__ unsigned int sg_slot(unsigned int c) { return (c * 0x9E3779B1u) >> (32 - SG_LOG); }
// the slot of column c in a warp's table, claimed if c is not there; *fresh set when it was claimed now
__device__ __forceinline__ unsigned int sg_insert(unsigned int* t, unsigned int c, unsigned int* fresh) {
  unsigned int s = sg_slot(c);
  while (true) {
    const unsigned int old = atomicCAS(&t[s], SG_EMPTY, c);
    if (old == SG_EMPTY) { ++*fresh; return s; }
    if (old == c) return s;
    s = (s + 1) & (SG_SLOTS - 1);
  }
}
// symbolic pass, a warp a row r of C = A A: the distinct columns of the products A[r][k] A[k][c] counted
extern "C" __global__ void sg_symbolic(const long long* __restrict__ ptr, const unsigned int* __restrict__ col,
                                       unsigned int n, unsigned int* cnt) {
  __shared__ unsigned int keys[SG_WARPS][SG_SLOTS];
  const unsigned int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  unsigned int* t = keys[w];
  for (unsigned int r = blockIdx.x * SG_WARPS + w; r < n; r += gridDim.x * SG_WARPS) {
    for (int s = lane; s < SG_SLOTS; s += 32) t[s] = SG_EMPTY;
    __syncwarp();
    unsigned int fresh = 0;
    for (long long j = ptr[r]; j < ptr[r + 1]; ++j) {
      const unsigned int k = col[j];
      for (long long e = ptr[k] + lane; e < ptr[k + 1]; e += 32) sg_insert(t, col[e], &fresh);
    }
    fresh = __reduce_add_sync(0xFFFFFFFFu, fresh);
    if (lane == 0) cnt[r] = fresh;
    __syncwarp();
  }
}
// numeric pass: the products accumulated in the table (shared atomicAdd), then compacted in slot order into C's
// row at cptr[r] (ballot + popc). stats[0]: rows whose count disagreed with the symbolic pass
extern "C" __global__ void sg_numeric(const long long* __restrict__ ptr, const unsigned int* __restrict__ col,
                                      const float* __restrict__ val, unsigned int n, const long long* __restrict__ cptr,
                                      unsigned int* ccol, float* cval, unsigned long long* stats) {
  __shared__ unsigned int keys[SG_WARPS][SG_SLOTS];
  __shared__ float acc[SG_WARPS][SG_SLOTS];
  const unsigned int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  unsigned int* t = keys[w];
  float* a = acc[w];
  for (unsigned int r = blockIdx.x * SG_WARPS + w; r < n; r += gridDim.x * SG_WARPS) {
    for (int s = lane; s < SG_SLOTS; s += 32) {
      t[s] = SG_EMPTY;
      a[s] = 0.0f;
    }
    __syncwarp();
    unsigned int fresh = 0;
    for (long long j = ptr[r]; j < ptr[r + 1]; ++j) {
      const unsigned int k = col[j];
      const float x = val[j];
      for (long long e = ptr[k] + lane; e < ptr[k + 1]; e += 32) atomicAdd(&a[sg_insert(t, col[e], &fresh)], x * val[e]);
    }
    __syncwarp();
    const long long base = cptr[r], end = cptr[r + 1];
    long long wrote = 0;
    for (int s0 = 0; s0 < SG_SLOTS; s0 += 32) {
      const unsigned int key = t[s0 + lane];
      const unsigned int m = __ballot_sync(0xFFFFFFFFu, key != SG_EMPTY);
      const long long o = base + wrote + __popc(m & ((1u << lane) - 1u));
      if (key != SG_EMPTY && o < end) {
        ccol[o] = key;
        cval[o] = a[s0 + lane];
      }
      wrote += __popc(m);
    }
    if (lane == 0 && base + wrote != end) atomicAdd(&stats[0], 1ull);
    __syncwarp();
  }
}
"""
SG_SRC = fill_source(SG_SRC, MINLEN=SG_MINLEN, SPAN=SG_SPAN, LOG=SG_LOG, WARPS=SG_WARPS)
SG_SAMPLE = 64  # rows of C checked on the host


def _sg_host_rows(rows, ptr, fetch):
    """Rows of C = A A as {column: value} dicts; ptr: A's row pointers (numpy int64), fetch(lo, hi) -> (cols,
    vals) of A's entries lo..hi (numpy)."""
    out = []
    for r in rows:
        cs, vs = fetch(int(ptr[r]), int(ptr[r + 1]))
        acc = {}
        for k, x in zip(cs.tolist(), vs.tolist()):
            cs2, vs2 = fetch(int(ptr[k]), int(ptr[k + 1]))
            for c, y in zip(cs2.tolist(), vs2.tolist()):
                acc[c] = acc.get(c, 0.0) + x * y
        out.append(acc)
    return out


def spgemm(variant, clock):
    if variant != "hash":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n, seed = SG_ROWS, 0x5B6E
    mod = cp.RawModule(code=SG_SRC)
    lengths, fill, symbolic, numeric = (mod.get_function(k) for k in (
        "sg_lengths", "sg_fill", "sg_symbolic", "sg_numeric"))
    grid = sms() * 8
    ln = cp.empty(n, dtype=cp.int64)
    lengths((grid,), (256,), (np.uint32(n), np.uint64(seed), ln))
    ptr = cp.zeros(n + 1, dtype=cp.int64)
    ptr[1:] = cp.cumsum(ln)
    del ln
    nnz = int(ptr[n])
    col = cp.empty(nnz, dtype=cp.uint32)
    val = cp.empty(nnz, dtype=cp.float32)
    fill((grid,), (256,), (ptr, np.uint32(n), np.uint64(seed), col, val))
    cnt = cp.zeros(n, dtype=cp.uint32)
    cptr = cp.zeros(n + 1, dtype=cp.int64)
    blocks = (n + SG_WARPS - 1) // SG_WARPS
    symbolic((blocks,), (32 * SG_WARPS,), (ptr, col, np.uint32(n), cnt))
    cnnz = int(cnt.sum(dtype=cp.int64))
    ccol = cp.empty(max(1, cnnz), dtype=cp.uint32)
    cval = cp.empty(max(1, cnnz), dtype=cp.float32)
    stats = cp.zeros(1, dtype=cp.uint64)
    products = [0]

    def launch():  # symbolic pass, row pointers of C, numeric pass
        symbolic((blocks,), (32 * SG_WARPS,), (ptr, col, np.uint32(n), cnt))
        cptr[1:] = cp.cumsum(cnt, dtype=cp.int64)
        numeric((blocks,), (32 * SG_WARPS,), (ptr, col, val, np.uint32(n), cptr, ccol, cval, stats))
        products[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    got = int(cptr[n])
    hptr = ptr.get()
    rows = [int(r) for r in np.linspace(0, n - 1, SG_SAMPLE).astype(np.int64)]
    want = _sg_host_rows(rows, hptr, lambda lo, hi: (col[lo:hi].get(), val[lo:hi].get()))
    hc = cptr.get()
    agree = 0
    for r, acc in zip(rows, want):
        cs, vs = ccol[int(hc[r]):int(hc[r + 1])].get(), cval[int(hc[r]):int(hc[r + 1])].get()
        mine = dict(zip(cs.tolist(), vs.tolist()))
        agree += mine.keys() == acc.keys() and all(abs(mine[c] - v) <= 1e-4 * max(1.0, abs(v)) for c, v in acc.items())
    mism = int(stats[0])
    note(f"spgemm/{variant}: {products[0]} products C = A A of a {n}-row CSR matrix ({nnz} entries), C has {got} "
         f"entries ({got / n:.1f} a row, symbolic count {cnnz}), value sum {float(cval[:max(1, got)].sum()):.6e}, "
         f"{mism} row-count mismatches, {agree}/{len(rows)} sampled rows agree with a host dict product: "
         f"{agree == len(rows)}, {per * 1e3:.2f} ms a product, {nl} a step")


# ---- bpe ---------------------------------------------------------------------------------------------------------

BPE_MAXTOK = 12  # bytes a token expands to, at most
BPE_SLOT = 32  # bytes a word slot (words are at most 2 * BPE_MAXTOK bytes)
BPE_LOG = 16  # table slots: 2^16 for 32768 merges
BPE_NONE = 0xFFFFFFFF


def _bpe_merges(count=None, seed=0xB9E):
    """count merges (left, right token ids; merge i makes token 256 + i) over lower-case letters, each pair new,
    each token's bytes at most BPE_MAXTOK; and every token's byte expansion (uint8 [256 + count, 16]) and length."""
    count = count or BPE_MERGES
    rng = np.random.default_rng(seed)
    exp = [bytes([b]) for b in range(256)]
    pool, seen, left, right = list(range(97, 123)), set(), [], []
    u = iter(rng.random(64 * count + 1024).tolist())
    while len(left) < count:
        # recent tokens and letters alike: an index skewed toward the pool's start (letters, early merges)
        a = pool[int(len(pool) * next(u) ** 2)]
        b = pool[int(len(pool) * next(u) ** 2)]
        if (a, b) in seen or len(exp[a]) + len(exp[b]) > BPE_MAXTOK:
            continue
        seen.add((a, b))
        left.append(a)
        right.append(b)
        exp.append(exp[a] + exp[b])
        pool.append(len(exp) - 1)
    tb = np.zeros((len(exp), 16), dtype=np.uint8)
    tl = np.zeros(len(exp), dtype=np.uint8)
    for t, e in enumerate(exp):
        tb[t, :len(e)] = np.frombuffer(e, dtype=np.uint8)
        tl[t] = len(e)
    return np.array(left, dtype=np.uint32), np.array(right, dtype=np.uint32), tb, tl


def _bpe_python(word, ranks, pairs):
    """GPT-2's bpe(): merge every occurrence of the lowest-ranked adjacent pair until none is in ranks (pair ->
    rank); pairs[rank] is the pair."""
    toks = list(word)
    while len(toks) > 1:
        best = min((ranks.get((a, b), BPE_NONE), i) for i, (a, b) in enumerate(zip(toks, toks[1:])))[0]
        if best == BPE_NONE:
            break
        a, b = pairs[best]
        out, i = [], 0
        while i < len(toks):
            if i + 1 < len(toks) and toks[i] == a and toks[i + 1] == b:
                out.append(256 + best)
                i += 2
            else:
                out.append(toks[i])
                i += 1
        toks = out
    return toks


BPE_SRC = SPLITMIX_CUDA + r"""
#define BPE_LOG %LOG%
#define BPE_MASK ((1u << BPE_LOG) - 1u)
#define BPE_NONE 0xFFFFFFFFu
#define BPE_SLOT %SLOT%
__device__ __forceinline__ unsigned int bpe_hash(unsigned int key) { return (key * 0x9E3779B1u) >> (32 - BPE_LOG); }
// merge i: pair (left[i], right[i]) -> rank i in the open-addressing table (keys left << 16 | right)
extern "C" __global__ void bpe_table(const unsigned int* __restrict__ left, const unsigned int* __restrict__ right,
                                     unsigned int merges, unsigned int* keys, unsigned int* ranks) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < merges; i += gridDim.x * blockDim.x) {
    const unsigned int key = left[i] << 16 | right[i];
    unsigned int s = bpe_hash(key);
    while (atomicCAS(&keys[s], BPE_NONE, key) != BPE_NONE) s = (s + 1) & BPE_MASK;
    ranks[s] = i;
  }
}
__device__ __forceinline__ unsigned int bpe_rank(const unsigned int* __restrict__ keys,
                                                 const unsigned int* __restrict__ ranks, unsigned int a, unsigned int b) {
  const unsigned int key = a << 16 | b;
  for (unsigned int s = bpe_hash(key);; s = (s + 1) & BPE_MASK) {
    const unsigned int k = keys[s];
    if (k == key) return ranks[s];
    if (k == BPE_NONE) return BPE_NONE;
  }
}
// word w: the bytes of token t1 (256 + floor(merges u^2): early merges are the frequent ones), then one time in
// two those of a second token t2 chosen alike, in a BPE_SLOT-byte slot (zero padded); its length in len
extern "C" __global__ void bpe_words(const unsigned char* __restrict__ tb, const unsigned char* __restrict__ tl,
                                     unsigned int merges, unsigned long long nwords, unsigned long long seed,
                                     unsigned char* words, unsigned char* len) {
  for (unsigned long long w = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; w < nwords;
       w += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long h = splitmix(w ^ seed);
    const double u1 = (double)(h & 0xFFFFFFu) * 0x1.0p-24, u2 = (double)((h >> 24) & 0xFFFFFFu) * 0x1.0p-24;
    const unsigned int t1 = 256u + (unsigned int)(merges * u1 * u1), t2 = 256u + (unsigned int)(merges * u2 * u2);
    unsigned char* p = words + w * BPE_SLOT;
    int n = 0;
    for (int k = 0; k < tl[t1]; ++k) p[n++] = tb[t1 * 16 + k];
    if (h >> 63)
      for (int k = 0; k < tl[t2]; ++k) p[n++] = tb[t2 * 16 + k];
    for (int k = n; k < BPE_SLOT; ++k) p[k] = 0;
    len[w] = (unsigned char)n;
  }
}
// a thread a word of words w0 .. w0 + count: its bytes as tokens, then while a pair is in the table: the
// lowest-ranked pair found, and every occurrence of it (left to right) replaced by 256 + rank. The tokens go to
// out (BPE_SLOT a word, slot w - w0), their count to ntok. stats: tokens, sum of token ids (mod 2^64), merges
extern "C" __global__ void bpe_tokenize(const uint4* __restrict__ words, const unsigned char* __restrict__ len,
                                        unsigned long long w0, unsigned long long count,
                                        const unsigned int* __restrict__ keys, const unsigned int* __restrict__ ranks,
                                        const unsigned int* __restrict__ left, const unsigned int* __restrict__ right,
                                        unsigned short* out, unsigned char* ntok, unsigned long long* stats) {
  unsigned long long s_tok = 0, s_id = 0, s_merge = 0;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < count;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long w = w0 + i;
    unsigned short tok[BPE_SLOT];
    int n = len[w];
#pragma unroll
    for (int q = 0; q < BPE_SLOT / 16; ++q) {
      const uint4 v = words[w * (BPE_SLOT / 16) + q];
      const unsigned int x[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
      for (int b = 0; b < 16; ++b) tok[16 * q + b] = (unsigned short)((x[b >> 2] >> (8 * (b & 3))) & 255u);
    }
    while (n > 1) {
      unsigned int best = BPE_NONE;
      for (int k = 0; k + 1 < n; ++k) {
        const unsigned int r = bpe_rank(keys, ranks, tok[k], tok[k + 1]);
        best = r < best ? r : best;
      }
      if (best == BPE_NONE) break;
      const unsigned int a = left[best], b = right[best];
      int o = 0;
      for (int k = 0; k < n;) {
        if (k + 1 < n && tok[k] == a && tok[k + 1] == b) {
          tok[o++] = (unsigned short)(256u + best);
          k += 2;
          ++s_merge;
        } else {
          tok[o++] = tok[k++];
        }
      }
      n = o;
    }
    for (int k = 0; k < n; ++k) {
      out[i * BPE_SLOT + k] = tok[k];
      s_id += tok[k];
    }
    ntok[i] = (unsigned char)n;
    s_tok += n;
  }
  for (int o = 16; o > 0; o >>= 1) {
    s_tok += __shfl_down_sync(0xFFFFFFFFu, s_tok, o);
    s_id += __shfl_down_sync(0xFFFFFFFFu, s_id, o);
    s_merge += __shfl_down_sync(0xFFFFFFFFu, s_merge, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&stats[0], s_tok);
    atomicAdd(&stats[1], s_id);
    atomicAdd(&stats[2], s_merge);
  }
}
"""
BPE_SRC = fill_source(BPE_SRC, LOG=BPE_LOG, SLOT=BPE_SLOT)
BPE_SAMPLE = 512  # words checked on the host


def bpe(variant, clock):
    if variant != "tokenize":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert BPE_WORDS % BPE_SLICES == 0 and 2 * BPE_MAXTOK <= BPE_SLOT and 256 + BPE_MERGES <= 1 << 16
    assert 2 * BPE_MERGES <= 1 << BPE_LOG
    left, right, tb, tl = _bpe_merges()
    mod = cp.RawModule(code=BPE_SRC)
    table, mkwords, tokenize = (mod.get_function(k) for k in ("bpe_table", "bpe_words", "bpe_tokenize"))
    grid = sms() * 8
    d_left, d_right = cp.asarray(left), cp.asarray(right)
    keys = cp.full(1 << BPE_LOG, BPE_NONE, dtype=cp.uint32)
    ranks = cp.zeros(1 << BPE_LOG, dtype=cp.uint32)
    table((grid,), (256,), (d_left, d_right, np.uint32(BPE_MERGES), keys, ranks))
    words = cp.empty(BPE_WORDS * BPE_SLOT, dtype=cp.uint8)
    wlen = cp.empty(BPE_WORDS, dtype=cp.uint8)
    mkwords((grid,), (256,), (cp.asarray(tb), cp.asarray(tl), np.uint32(BPE_MERGES), np.uint64(BPE_WORDS),
                              np.uint64(0x70CE), words, wlen))
    per_slice = BPE_WORDS // BPE_SLICES
    out = cp.empty(per_slice * BPE_SLOT, dtype=cp.uint16)
    ntok = cp.empty(per_slice, dtype=cp.uint8)
    stats = cp.zeros(3, dtype=cp.uint64)
    done = [0, 0]  # launches, the slice of the last

    def launch():  # the next slice of words tokenised
        s = done[0] % BPE_SLICES
        tokenize(((per_slice + 255) // 256,), (256,), (words, wlen, np.uint64(s * per_slice), np.uint64(per_slice),
                                                       keys, ranks, d_left, d_right, out, ntok, stats))
        done[0] += 1
        done[1] = s
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    toks, ids, merges = (int(v) for v in stats.tolist())
    w0 = done[1] * per_slice
    hw = words[w0 * BPE_SLOT:(w0 + BPE_SAMPLE) * BPE_SLOT].get().reshape(-1, BPE_SLOT)
    hl = wlen[w0:w0 + BPE_SAMPLE].get().astype(np.int64)
    ho = out[:BPE_SAMPLE * BPE_SLOT].get().reshape(-1, BPE_SLOT).astype(np.int64)
    hn = ntok[:BPE_SAMPLE].get().astype(np.int64)
    pairs = list(zip(left.tolist(), right.tolist()))
    ranks_py = {p: i for i, p in enumerate(pairs)}
    agree = sum(_bpe_python(hw[k, :hl[k]].tolist(), ranks_py, pairs) == ho[k, :hn[k]].tolist()
                for k in range(len(hl)))
    nbytes = int(wlen.sum(dtype=cp.int64))
    note(f"bpe/{variant}: {done[0]} launches of {per_slice} words ({BPE_WORDS} words, {nbytes >> 20} MiB of text in "
         f"{BPE_WORDS * BPE_SLOT >> 20} MiB of slots, {BPE_MERGES} merges), {toks / max(1, done[0] * per_slice):.3f} "
         f"tokens a word, {merges} merges applied, token id sum {ids:016x}, first {len(hl)} words of the last slice "
         f"agree with a Python bpe(): {agree == len(hl)} ({agree}), {per * 1e3:.2f} ms a launch, {nl} a step")


# ---- morton ------------------------------------------------------------------------------------------------------

LB_CLUSTERS = 64
LB_DRIFT = (0.00123, 0.00071, 0.00037)  # the points' drift a launch (wrapping in the unit cube)

LB_SRC = SPLITMIX_CUDA + r"""
#define LB_CLUSTERS %CLUSTERS%
__device__ __forceinline__ float lb_unit(unsigned long long h) { return (float)(h >> 40) * 0x1.0p-24f; }
// point i: one of LB_CLUSTERS cluster centres plus an offset (sum of two uniforms, spread 0.05), wrapped into [0, 1)
extern "C" __global__ void lb_points(float4* pts, unsigned int n, unsigned long long seed) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    const unsigned long long c = splitmix(i ^ seed) % LB_CLUSTERS;
    float p[3];
#pragma unroll
    for (int a = 0; a < 3; ++a) {
      const float centre = lb_unit(splitmix(c * 3 + a + (seed << 8)));
      const unsigned long long h = splitmix(((unsigned long long)i << 2 | a) + (seed << 40));
      const float off = ((float)(h & 0xFFFFFu) + (float)((h >> 20) & 0xFFFFFu)) * 0x1.0p-20f - 1.0f;
      const float x = centre + 0.05f * off;
      p[a] = x - floorf(x);
    }
    pts[i] = make_float4(p[0], p[1], p[2], 0.0f);
  }
}
// the 10 low bits of v spread to every third bit
__device__ __forceinline__ unsigned int expand10(unsigned int v) {
  v = (v * 0x00010001u) & 0xFF0000FFu;
  v = (v * 0x00000101u) & 0x0F00F00Fu;
  v = (v * 0x00000011u) & 0xC30C30C3u;
  v = (v * 0x00000005u) & 0x49249249u;
  return v;
}
__device__ __forceinline__ unsigned int quant10(float x) {
  const float q = floorf(x * 1024.0f);
  return q < 0.0f ? 0u : q > 1023.0f ? 1023u : (unsigned int)q;
}
// the 30-bit Morton code of each point moved by (dx, dy, dz) (wrapped): x bits above y bits above z bits
extern "C" __global__ void lb_codes(const float4* __restrict__ pts, unsigned int n, float dx, float dy, float dz,
                                    unsigned int* codes) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    const float4 p = pts[i];
    float x = p.x + dx, y = p.y + dy, z = p.z + dz;
    x -= floorf(x);
    y -= floorf(y);
    z -= floorf(z);
    codes[i] = expand10(quant10(x)) << 2 | expand10(quant10(y)) << 1 | expand10(quant10(z));
  }
}
// common prefix length of sorted keys i and j (the index breaks ties: 32 more bits), -1 outside 0..n-1
__device__ __forceinline__ int lb_delta(const unsigned int* __restrict__ c, int n, int i, int j) {
  if (j < 0 || j >= n) return -1;
  const unsigned int a = c[i], b = c[j];
  return a != b ? __clz(a ^ b) : 32 + __clz(i ^ j);
}
// Karras (2012), a thread an internal node i of n - 1: its direction, the far end j of its range, the split
// gamma; children are internal nodes 0 .. n - 2 or leaves n - 1 + k; their parents set
extern "C" __global__ void lb_build(const unsigned int* __restrict__ c, int n, int* left, int* right, int* parent) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n - 1; i += gridDim.x * blockDim.x) {
    const int d = lb_delta(c, n, i, i + 1) - lb_delta(c, n, i, i - 1) > 0 ? 1 : -1;
    const int dmin = lb_delta(c, n, i, i - d);
    int lmax = 2;
    while (lb_delta(c, n, i, i + lmax * d) > dmin) lmax <<= 1;
    int l = 0;
    for (int t = lmax >> 1; t >= 1; t >>= 1)
      if (lb_delta(c, n, i, i + (l + t) * d) > dmin) l += t;
    const int j = i + l * d;
    const int dnode = lb_delta(c, n, i, j);
    int s = 0;
    for (int t = (l + 1) >> 1;; t = (t + 1) >> 1) {
      if (lb_delta(c, n, i, i + (s + t) * d) > dnode) s += t;
      if (t == 1) break;
    }
    const int gamma = i + s * d + (d < 0 ? -1 : 0);
    const int lo = i < j ? i : j, hi = i < j ? j : i;
    const int lc = lo == gamma ? n - 1 + gamma : gamma, rc = hi == gamma + 1 ? n - 1 + gamma + 1 : gamma + 1;
    left[i] = lc;
    right[i] = rc;
    parent[lc] = i;
    parent[rc] = i;
  }
}
"""
LB_SRC = fill_source(LB_SRC, CLUSTERS=LB_CLUSTERS)


def morton(variant, clock):
    if variant != "lbvh":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n = LB_POINTS
    assert 2 <= n < 1 << 30
    mod = cp.RawModule(code=LB_SRC)
    mkpts, codes_k, build = (mod.get_function(k) for k in ("lb_points", "lb_codes", "lb_build"))
    grid = sms() * 8
    pts = cp.empty(n * 4, dtype=cp.float32)
    mkpts((grid,), (256,), (pts, np.uint32(n), np.uint64(0x3D70)))
    codes = cp.empty(n, dtype=cp.uint32)
    left = cp.empty(n - 1, dtype=cp.int32)
    right = cp.empty(n - 1, dtype=cp.int32)
    parent = cp.empty(2 * n - 1, dtype=cp.int32)
    state = [0, None]  # launches, the last sorted codes

    def launch():  # the points moved and coded, the codes sorted, the hierarchy built
        t = state[0]
        dx, dy, dz = ((t * v) % 1.0 for v in LB_DRIFT)
        codes_k((grid,), (256,), (pts, np.uint32(n), np.float32(dx), np.float32(dy), np.float32(dz), codes))
        sc = codes[cp.argsort(codes)]
        parent.fill(-1)
        build(((n + 254) // 256,), (256,), (sc, np.int32(n), left, right, parent))
        state[0] += 1
        state[1] = sc
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    sc = state[1]
    ordered = bool(cp.all(sc[1:] >= sc[:-1]))
    dups = int(cp.count_nonzero(sc[1:] == sc[:-1]))
    inner = cp.arange(n - 1, dtype=cp.int32)
    roots = int(cp.count_nonzero(parent < 0))
    linked = bool(cp.all(parent[left] == inner)) and bool(cp.all(parent[right] == inner))
    leaves = int(cp.count_nonzero(parent[n - 1:] >= 0))
    inners = int(cp.count_nonzero(parent[:n - 1] >= 0))
    ok = ordered and linked and roots == 1 and int(parent[0]) < 0 and leaves == n and inners == n - 2
    note(f"morton/{variant}: {state[0]} builds of an LBVH over {n} points ({dups} duplicate codes in the last), "
         f"codes sorted: {ordered}, {leaves} of {n} leaves and {inners} of {n - 2} internal nodes with a parent, "
         f"{roots} without (the root), child and parent links agree: {linked}, a tree: {ok}, "
         f"{per * 1e3:.2f} ms a build, {nl} a step")


# ---- huffman -----------------------------------------------------------------------------------------------------

HF_CHUNK = 1 << 16  # output bytes a chunk
HF_MAXLEN = 12  # code bits at most (the lookup table has 2^12 entries)
HF_QUANT = 12  # the source distribution in 4096ths


def _hf_model(seed=0x4F5):
    """The source distribution as a 4096-entry sampling table (symbol s taking q[s] entries: a Zipf-like law over
    a shuffled alphabet), the canonical code (lengths at most HF_MAXLEN, codes) and the decoder's lookup table
    (entry: symbol << 4 | length)."""
    import heapq
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, 257) ** 1.15
    q = np.maximum(1, np.floor(p / p.sum() * (1 << HF_QUANT))).astype(np.int64)
    q[0] += (1 << HF_QUANT) - q.sum()
    perm = rng.permutation(256)
    q = q[np.argsort(perm)]  # symbol perm[i] has the i-th weight
    sample = np.repeat(np.arange(256), q).astype(np.uint8)
    for bias in range(0, 1 << 20):  # Huffman lengths of q + bias, the least bias that fits HF_MAXLEN
        heap = [(int(w) + bias, s, [s]) for s, w in enumerate(q)]
        heapq.heapify(heap)
        ln = np.zeros(256, dtype=np.int64)
        while len(heap) > 1:
            w1, s1, a = heapq.heappop(heap)
            w2, s2, b = heapq.heappop(heap)
            ln[a + b] += 1
            heapq.heappush(heap, (w1 + w2, min(s1, s2), a + b))
        if ln.max() <= HF_MAXLEN:
            break
    code = np.zeros(256, dtype=np.int64)
    c, prev = 0, 0
    for s in sorted(range(256), key=lambda s: (ln[s], s)):
        c <<= ln[s] - prev
        code[s], prev = c, ln[s]
        c += 1
    table = np.zeros(1 << HF_MAXLEN, dtype=np.uint16)
    for s in range(256):
        lo = code[s] << (HF_MAXLEN - ln[s])
        table[lo:lo + (1 << (HF_MAXLEN - ln[s]))] = s << 4 | ln[s]
    return sample, ln.astype(np.uint32), code.astype(np.uint32), table


HF_SRC = SPLITMIX_CUDA + r"""
#define HF_CHUNK %CHUNK%
#define HF_MAXLEN %MAXLEN%
// the source: 4 bytes from each splitmix64, each byte the sampling table's entry at 12 of its bits
extern "C" __global__ void hf_source(unsigned int* src, unsigned long long words, const unsigned char* __restrict__ sample,
                                     unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long h = splitmix(i ^ seed);
    unsigned int w = 0;
#pragma unroll
    for (int b = 0; b < 4; ++b) w |= (unsigned int)sample[(h >> (12 * b)) & 4095u] << (8 * b);
    src[i] = w;
  }
}
// a thread a chunk: the 32-bit words its code takes
extern "C" __global__ void hf_sizes(const unsigned char* __restrict__ src, unsigned long long chunks,
                                    const unsigned int* __restrict__ len, long long* nwords) {
  for (unsigned long long c = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; c < chunks;
       c += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned long long bits = 0;
    for (unsigned int k = 0; k < HF_CHUNK; ++k) bits += len[src[c * HF_CHUNK + k]];
    nwords[c] = (long long)((bits + 31) / 32);
  }
}
// a thread a chunk: codes packed MSB first into 32-bit words from off[c] (a 64-bit accumulator, left-aligned)
extern "C" __global__ void hf_encode(const unsigned char* __restrict__ src, unsigned long long chunks,
                                     const unsigned int* __restrict__ len, const unsigned int* __restrict__ code,
                                     const long long* __restrict__ off, unsigned int* stream) {
  for (unsigned long long c = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; c < chunks;
       c += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned int* p = stream + off[c];
    unsigned long long acc = 0;
    int cnt = 0;
    for (unsigned int k = 0; k < HF_CHUNK; ++k) {
      const unsigned int s = src[c * HF_CHUNK + k], l = len[s];
      acc |= (unsigned long long)code[s] << (64 - cnt - (int)l);
      cnt += (int)l;
      if (cnt >= 32) {
        *p++ = (unsigned int)(acc >> 32);
        acc <<= 32;
        cnt -= 32;
      }
    }
    if (cnt > 0) *p = (unsigned int)(acc >> 32);
  }
}
// sum over a chunk's words of word * (2k + 1), k its index in the chunk (mod 2^64), summed over chunks
__device__ __forceinline__ unsigned long long hf_mix(unsigned int w, unsigned int k) {
  return (unsigned long long)w * (2ull * k + 1ull);
}
extern "C" __global__ void hf_checksum(const unsigned int* __restrict__ data, unsigned long long words,
                                       unsigned long long* out) {
  unsigned long long s = 0;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x)
    s += hf_mix(data[i], (unsigned int)(i % (HF_CHUNK / 4)));
  for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xFFFFFFFFu, s, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(out, s);
}
// a thread a chunk: 64 bits buffered (refilled a word at a time when under 32), the next HF_MAXLEN bits looked up
// in the shared table (symbol << 4 | length), 4 symbols a 32-bit output word; the output's checksum into sum
extern "C" __global__ void hf_decode(const unsigned int* __restrict__ stream, const long long* __restrict__ off,
                                     unsigned long long chunks, const unsigned short* __restrict__ table,
                                     unsigned int* out, unsigned long long* sum) {
  __shared__ unsigned short tab[1 << HF_MAXLEN];
  for (int e = threadIdx.x; e < (1 << HF_MAXLEN); e += blockDim.x) tab[e] = table[e];
  __syncthreads();
  unsigned long long s = 0;
  for (unsigned long long c = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; c < chunks;
       c += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned int* p = stream + off[c];
    unsigned long long acc = (unsigned long long)p[0] << 32 | p[1];
    int cnt = 64;
    p += 2;
    unsigned int* o = out + c * (HF_CHUNK / 4);
    for (unsigned int k = 0; k < HF_CHUNK / 4; ++k) {
      unsigned int w = 0;
#pragma unroll
      for (int b = 0; b < 4; ++b) {
        if (cnt < 32) {
          acc |= (unsigned long long)(*p++) << (32 - cnt);
          cnt += 32;
        }
        const unsigned int e = tab[acc >> (64 - HF_MAXLEN)];
        acc <<= e & 15u;
        cnt -= (int)(e & 15u);
        w |= (e >> 4) << (8 * b);
      }
      o[k] = w;
      s += hf_mix(w, k);
    }
  }
  for (int o2 = 16; o2 > 0; o2 >>= 1) s += __shfl_down_sync(0xFFFFFFFFu, s, o2);
  if ((threadIdx.x & 31) == 0) atomicAdd(sum, s);
}
"""
HF_SRC = fill_source(HF_SRC, CHUNK=HF_CHUNK, MAXLEN=HF_MAXLEN)


def huffman(variant, clock):
    if variant != "decode":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert HF_BYTES % HF_CHUNK == 0 and HF_CHUNK % 4 == 0
    sample, ln, code, table = _hf_model()
    mod = cp.RawModule(code=HF_SRC)
    source, sizes, encode, checksum, decode = (mod.get_function(k) for k in (
        "hf_source", "hf_sizes", "hf_encode", "hf_checksum", "hf_decode"))
    grid, chunks, words = sms() * 8, HF_BYTES // HF_CHUNK, HF_BYTES // 4
    src = cp.empty(words, dtype=cp.uint32)
    source((grid,), (256,), (src, np.uint64(words), cp.asarray(sample), np.uint64(0x4AFF)))
    d_len, d_code = cp.asarray(ln), cp.asarray(code)
    nw = cp.empty(chunks, dtype=cp.int64)
    cgrid = ((chunks + 63) // 64,)
    sizes(cgrid, (64,), (src, np.uint64(chunks), d_len, nw))
    off = cp.zeros(chunks + 1, dtype=cp.int64)
    off[1:] = cp.cumsum(nw)
    total = int(off[chunks])
    stream = cp.zeros(total + 2, dtype=cp.uint32)  # the decoder reads up to two words past a chunk's code
    encode(cgrid, (64,), (src, np.uint64(chunks), d_len, d_code, off, stream))
    want = cp.zeros(1, dtype=cp.uint64)
    checksum((grid,), (256,), (src, np.uint64(words), want))
    out = cp.empty(words, dtype=cp.uint32)
    got = cp.zeros(1, dtype=cp.uint64)
    d_table = cp.asarray(table)
    passes = [0]

    def launch():  # every chunk decoded once
        decode(cgrid, (64,), (stream, off, np.uint64(chunks), d_table, out, got))
        passes[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    ps = max(1, passes[0])
    sums = (int(got[0]) - int(want[0]) * ps) % (1 << 64) == 0
    wrong = int(cp.count_nonzero(out != src))
    q = np.bincount(sample, minlength=256) / len(sample)
    entropy = float(-(q[q > 0] * np.log2(q[q > 0])).sum())
    note(f"huffman/{variant}: {passes[0]} decodes of {HF_BYTES >> 20} MiB in {chunks} chunks of {HF_CHUNK >> 10} KiB "
         f"from {total * 4 >> 20} MiB of code ({total * 32 / HF_BYTES:.3f} bits a byte, entropy {entropy:.3f}, "
         f"codes of {int(ln.min())}..{int(ln.max())} bits), output words differing from the source: {wrong}, "
         f"checksums agree with the source's: {sums}, {per * 1e3:.2f} ms a decode "
         f"({HF_BYTES / per / 1e9:.0f} GB/s), {nl} a step")


# ---- ldpc --------------------------------------------------------------------------------------------------------

LD_Z = 128  # lifting size
LD_MB, LD_KB = 8, 8  # base rows, info base columns (16 base columns: rate 1/2, n = 2048)
LD_DEG = 5  # edges a check, at most
LD_ITERS = 10
LD_EBN0_DB = 3.0
LD_SCALE = 4.0  # int8 channel LLR = round(LLR * LD_SCALE), clamped to +-127
LD_ALPHA = 0.75  # min-sum normalisation


def _ld_base(seed=0x1D9C):
    """Base graph rows as lists of (base column, shift): info column c in rows c, c + 1, c + 3 (mod 8) with random
    shifts, then the dual-diagonal parity: row r has parity columns 8 + r and (r > 0) 8 + r - 1, unshifted."""
    rng = np.random.default_rng(seed)
    rows = [[] for _ in range(LD_MB)]
    for c in range(LD_KB):
        for r in (c, (c + 1) % LD_MB, (c + 3) % LD_MB):
            rows[r].append((c, int(rng.integers(0, LD_Z))))
    for r in range(LD_MB):
        rows[r].append((LD_KB + r, 0))
        if r:
            rows[r].append((LD_KB + r - 1, 0))
    return rows


def _ld_tables():
    rows = _ld_base()
    col = [[c for c, _ in row] + [0] * (LD_DEG - len(row)) for row in rows]
    sh = [[s for _, s in row] + [0] * (LD_DEG - len(row)) for row in rows]
    return rows, col, sh


def _ld_cuda():
    rows, col, sh = _ld_tables()
    return (", ".join(str(len(r)) for r in rows), ", ".join(f"{{{', '.join(map(str, c))}}}" for c in col),
            ", ".join(f"{{{', '.join(map(str, s))}}}" for s in sh))


LD_SRC = SPLITMIX_CUDA + r"""
#define Z %Z%
#define MB %MB%
#define KB %KB%
#define NB (KB + MB)
#define N (NB * Z)
#define DEG %DEG%
#define ITERS %ITERS%
__constant__ int LD_DEGS[MB] = {%DEGS%};
__constant__ int LD_COL[MB][DEG] = {%COLS%};
__constant__ int LD_SH[MB][DEG] = {%SHS%};
// check (r, z) touches variable LD_COL[r][e] * Z + (z + LD_SH[r][e]) % Z of each edge e
__device__ __forceinline__ int ld_var(int r, int e, int z) { return LD_COL[r][e] * Z + ((z + LD_SH[r][e]) & (Z - 1)); }
// a block (Z threads) a codeword: random info bits, parity by accumulation down the dual diagonal (thread z owns
// parity bit z of each parity column), bits packed 32 a word (ballot) into bits; BPSK (0 -> +1) through AWGN of
// deviation sigma, LLR 2y / sigma^2 quantised to int8 (x scale); stats[0]: channel hard-decision errors
extern "C" __global__ void ld_encode(unsigned int words, unsigned long long seed, float sigma, float scale,
                                     unsigned int* bits, signed char* llr, unsigned long long* stats) {
  __shared__ unsigned char cw[N];
  const int z = threadIdx.x;
  unsigned long long errs = 0;
  for (unsigned int w = blockIdx.x; w < words; w += gridDim.x) {
    __syncthreads();
    for (int v = z; v < KB * Z; v += Z) cw[v] = (unsigned char)(splitmix((unsigned long long)w * N + v + seed) & 1);
    __syncthreads();
    unsigned int p = 0;
    for (int r = 0; r < MB; ++r) {
      for (int e = 0; e < LD_DEGS[r]; ++e)
        if (LD_COL[r][e] < KB) p ^= cw[ld_var(r, e, z)];
      cw[(KB + r) * Z + z] = (unsigned char)p;
    }
    __syncthreads();
    for (int v = z; v < N; v += Z) {
      const unsigned int m = __ballot_sync(0xFFFFFFFFu, cw[v]);
      if ((z & 31) == 0) bits[((unsigned long long)w * N + v) / 32] = m;
      const unsigned long long h = splitmix(((unsigned long long)w * N + v) ^ (seed << 20) ^ 0xA5A5ull);
      const float u1 = ((float)(h >> 40) + 1.0f) * 0x1.0p-24f, u2 = (float)(h & 0xFFFFFFu) * 0x1.0p-24f;
      const float y = (cw[v] ? -1.0f : 1.0f) + sigma * sqrtf(-2.0f * logf(u1)) * cospif(2.0f * u2);
      float q = rintf(2.0f * y / (sigma * sigma) * scale);
      q = q > 127.0f ? 127.0f : q < -127.0f ? -127.0f : q;
      llr[(unsigned long long)w * N + v] = (signed char)q;
      errs += (q < 0.0f) != (cw[v] != 0);
    }
  }
  for (int o = 16; o > 0; o >>= 1) errs += __shfl_down_sync(0xFFFFFFFFu, errs, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(&stats[0], errs);
}
// unsatisfied checks of the transmitted codewords (should be none)
extern "C" __global__ void ld_syndrome(const unsigned int* __restrict__ bits, unsigned int words, unsigned long long* bad) {
  unsigned long long n = 0;
  const int z = threadIdx.x;
  for (unsigned int w = blockIdx.x; w < words; w += gridDim.x) {
    const unsigned int* b = bits + (unsigned long long)w * (N / 32);
    for (int r = 0; r < MB; ++r) {
      unsigned int p = 0;
      for (int e = 0; e < LD_DEGS[r]; ++e) {
        const int v = ld_var(r, e, z);
        p ^= (b[v >> 5] >> (v & 31)) & 1u;
      }
      n += p;
    }
  }
  for (int o = 16; o > 0; o >>= 1) n += __shfl_down_sync(0xFFFFFFFFu, n, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(bad, n);
}
// a block a codeword, thread z check z of each layer (base row: its Z checks touch distinct variables); layered
// normalised min-sum, the variables' LLRs in shared memory, each thread's check-to-variable messages in registers.
// stats: decoded bit errors, codewords with any
extern "C" __global__ void __launch_bounds__(Z) ld_decode(const signed char* __restrict__ llr,
                                                          const unsigned int* __restrict__ bits, unsigned int words,
                                                          float inv_scale, float alpha, unsigned long long* stats) {
  __shared__ float L[N];
  const int z = threadIdx.x;
  unsigned long long errs = 0, frames = 0;
  for (unsigned int w = blockIdx.x; w < words; w += gridDim.x) {
    __syncthreads();
    for (int v = z; v < N; v += Z) L[v] = (float)llr[(unsigned long long)w * N + v] * inv_scale;
    float R[MB][DEG];
#pragma unroll
    for (int r = 0; r < MB; ++r)
#pragma unroll
      for (int e = 0; e < DEG; ++e) R[r][e] = 0.0f;
    __syncthreads();
    for (int it = 0; it < ITERS; ++it) {
#pragma unroll
      for (int r = 0; r < MB; ++r) {
        float q[DEG], m1 = 3.0e38f, m2 = 3.0e38f;
        int im = 0;
        unsigned int neg = 0;
#pragma unroll
        for (int e = 0; e < DEG; ++e) {
          if (e < LD_DEGS[r]) {
            q[e] = L[ld_var(r, e, z)] - R[r][e];
            const float a = fabsf(q[e]);
            if (a < m1) { m2 = m1; m1 = a; im = e; }
            else if (a < m2) m2 = a;
            neg ^= q[e] < 0.0f;
          }
        }
#pragma unroll
        for (int e = 0; e < DEG; ++e) {
          if (e < LD_DEGS[r]) {
            const float mag = alpha * (e == im ? m2 : m1);
            R[r][e] = (neg ^ (q[e] < 0.0f)) ? -mag : mag;
            L[ld_var(r, e, z)] = q[e] + R[r][e];
          }
        }
        __syncthreads();
      }
    }
    const unsigned int* b = bits + (unsigned long long)w * (N / 32);
    unsigned long long e = 0;
    for (int v = z; v < N; v += Z) e += (L[v] < 0.0f) != (((b[v >> 5] >> (v & 31)) & 1u) != 0);
    errs += e;
    frames += __syncthreads_or(e != 0) && z == 0;
  }
  for (int o = 16; o > 0; o >>= 1) errs += __shfl_down_sync(0xFFFFFFFFu, errs, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(&stats[0], errs);
  if (z == 0 && frames) atomicAdd(&stats[1], frames);
}
"""
_DEGS, _COLS, _SHS = _ld_cuda()
LD_SRC = fill_source(LD_SRC, Z=LD_Z, MB=LD_MB, KB=LD_KB, DEG=LD_DEG, ITERS=LD_ITERS, DEGS=_DEGS, COLS=_COLS, SHS=_SHS)


def _ld_sigma():
    rate = LD_KB / (LD_KB + LD_MB)
    return float(np.sqrt(1.0 / (2.0 * rate * 10.0 ** (LD_EBN0_DB / 10.0))))


def ldpc(variant, clock):
    if variant != "minsum":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert LD_Z % 32 == 0 and LD_Z & (LD_Z - 1) == 0
    n = (LD_KB + LD_MB) * LD_Z
    mod = cp.RawModule(code=LD_SRC)
    encode, syndrome, decode = (mod.get_function(k) for k in ("ld_encode", "ld_syndrome", "ld_decode"))
    sigma = _ld_sigma()
    bits = cp.empty(LD_WORDS * n // 32, dtype=cp.uint32)
    llr = cp.empty(LD_WORDS * n, dtype=cp.int8)
    chan = cp.zeros(1, dtype=cp.uint64)
    encode((min(LD_WORDS, sms() * 16),), (LD_Z,), (np.uint32(LD_WORDS), np.uint64(0x1DBC), np.float32(sigma),
                                                   np.float32(LD_SCALE), bits, llr, chan))
    bad = cp.zeros(1, dtype=cp.uint64)
    syndrome((min(LD_WORDS, sms() * 16),), (LD_Z,), (bits, np.uint32(LD_WORDS), bad))
    stats = cp.zeros(2, dtype=cp.uint64)
    passes = [0]

    def launch():  # every codeword decoded once
        decode((LD_WORDS,), (LD_Z,), (llr, bits, np.uint32(LD_WORDS), np.float32(1.0 / LD_SCALE),
                                      np.float32(LD_ALPHA), stats))
        passes[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    ps = max(1, passes[0])
    errs, frames = (int(v) for v in stats.tolist())
    ch, nbad = int(chan[0]), int(bad[0])
    ber, cber = errs / (ps * LD_WORDS * n), ch / (LD_WORDS * n)
    note(f"ldpc/{variant}: {passes[0]} decodes of {LD_WORDS} codewords of a rate-1/2 QC-LDPC code (n = {n}, Z = "
         f"{LD_Z}), {LD_ITERS} layered min-sum iterations at Eb/N0 {LD_EBN0_DB} dB: bit error rate {ber:.2e} from "
         f"the channel's {cber:.2e}, frame error rate {frames / (ps * LD_WORDS):.2e}, transmitted codewords satisfy "
         f"every check: {nbad == 0}, decoding corrects: {ber < cber}, {per * 1e3:.2f} ms a decode, {nl} a step")


# ---- rabinkarp ---------------------------------------------------------------------------------------------------

RK_W = 32  # window bytes
RK_PATTERNS = 4096
RK_LOG = 13  # shared hash-set slots
RK_SEG = 4096  # window starts a thread
RK_BASE = 0x100000001B3 * 0x9E37 | 1  # odd: multiplying by it is a bijection mod 2^64
RK_HITCAP = 1 << 20


def _rk_pow(k):
    return pow(RK_BASE, k, 1 << 64)


def _rk_hash(b):
    """The window hash: sum of b[i] B^(W - 1 - i) mod 2^64 (Horner)."""
    h = 0
    for c in b:
        h = (h * RK_BASE + c) % (1 << 64)
    return h


RK_SRC = SPLITMIX_CUDA + r"""
#define RK_W %W%
#define RK_LOG %LOG%
#define RK_SLOTS (1 << RK_LOG)
#define RK_SEG %SEG%
#define RK_BASE %BASE%ull
#define RK_EMPTY 0xFFFFu
__device__ __forceinline__ unsigned char rk_letter(unsigned long long h, int b) {
  return (unsigned char)(97u + ((unsigned int)(h >> (8 * b)) & 255u) * 26u / 256u);
}
// text: lower-case letters, 8 from each splitmix64 (a space where the byte's value is below 40)
extern "C" __global__ void rk_text(unsigned long long* text, unsigned long long words, unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long h = splitmix(i ^ seed);
    unsigned long long w = 0;
#pragma unroll
    for (int b = 0; b < 8; ++b) w |= (unsigned long long)(((h >> (8 * b)) & 255u) < 40u ? 32u : rk_letter(h, b)) << (8 * b);
    text[i] = w;
  }
}
// pattern p: RK_W letters; its hash (Horner); inserted in the global slot table (pattern index, linear probing
// from the hash's top RK_LOG bits)
extern "C" __global__ void rk_patterns(unsigned char* pats, unsigned int count, unsigned long long seed,
                                       unsigned long long* phash, unsigned int* slots) {
  for (unsigned int p = blockIdx.x * blockDim.x + threadIdx.x; p < count; p += gridDim.x * blockDim.x) {
    unsigned long long h = 0;
    for (int j = 0; j < RK_W; ++j) {
      const unsigned char c = rk_letter(splitmix(((unsigned long long)p * RK_W + j) ^ seed), 3);
      pats[p * RK_W + j] = c;
      h = h * RK_BASE + c;
    }
    phash[p] = h;
    unsigned int s = (unsigned int)(h >> (64 - RK_LOG));
    while (atomicCAS(&slots[s], 0xFFFFFFFFu, p) != 0xFFFFFFFFu) s = (s + 1) & (RK_SLOTS - 1);
  }
}
// copy k: pattern splitmix(k) % count written at a random position (copies may overlap)
extern "C" __global__ void rk_plant(unsigned char* text, unsigned long long nbytes, const unsigned char* __restrict__ pats,
                                    unsigned int count, unsigned long long plants, unsigned long long seed) {
  for (unsigned long long k = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; k < plants;
       k += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long h = splitmix(k ^ seed);
    const unsigned int p = (unsigned int)(h % count);
    const unsigned long long at = splitmix(h) % (nbytes - RK_W + 1);
    for (int j = 0; j < RK_W; ++j) text[at + j] = pats[p * RK_W + j];
  }
}
// a thread RK_SEG window starts: the rolling hash h <- h B + in - out B^W (mod 2^64) a byte, 16 bytes a load;
// each full window's hash looked up in the shared set (32-bit tag, then the full hash, then the bytes); hits
// appended to hits (position << 12 | pattern) while there is room. stats: verified hits, hash matches that
// failed the byte check
extern "C" __global__ void rk_search(const uint4* __restrict__ text, unsigned long long nbytes,
                                     const unsigned char* __restrict__ pats, const unsigned long long* __restrict__ phash,
                                     const unsigned int* __restrict__ slots, unsigned long long bw,
                                     unsigned long long* hits, unsigned int cap, unsigned int* nhits,
                                     unsigned long long* stats) {
  __shared__ unsigned int tag[RK_SLOTS];
  __shared__ unsigned short pid[RK_SLOTS];
  for (int s = threadIdx.x; s < RK_SLOTS; s += blockDim.x) {
    const unsigned int p = slots[s];
    pid[s] = p == 0xFFFFFFFFu ? RK_EMPTY : (unsigned short)p;
    tag[s] = p == 0xFFFFFFFFu ? 0u : (unsigned int)(phash[p] >> 32);
  }
  __syncthreads();
  const unsigned char* tb = (const unsigned char*)text;
  unsigned long long found = 0, false_hits = 0;
  const unsigned long long segs = (nbytes + RK_SEG - 1) / RK_SEG;
  for (unsigned long long g = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; g < segs;
       g += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long s0 = g * RK_SEG;
    unsigned long long end = s0 + RK_SEG + RK_W - 1;  // bytes e < end close a window starting in the segment
    end = end < nbytes ? end : nbytes;
    unsigned long long h = 0;
    for (unsigned long long q = s0 / 16; q * 16 < end; ++q) {
      const uint4 vi = text[q];
      uint4 vo = make_uint4(0, 0, 0, 0);
      if (q * 16 >= s0 + RK_W) vo = text[q - RK_W / 16];
      const unsigned int wi[4] = {vi.x, vi.y, vi.z, vi.w}, wo[4] = {vo.x, vo.y, vo.z, vo.w};
#pragma unroll
      for (int b = 0; b < 16; ++b) {
        const unsigned long long e = q * 16 + b;
        const unsigned int cin = (wi[b >> 2] >> (8 * (b & 3))) & 255u, cout = (wo[b >> 2] >> (8 * (b & 3))) & 255u;
        h = h * RK_BASE + cin - cout * bw;
        if (e >= s0 + RK_W - 1 && e < end) {
          const unsigned int t = (unsigned int)(h >> 32);
          for (unsigned int s = (unsigned int)(h >> (64 - RK_LOG));; s = (s + 1) & (RK_SLOTS - 1)) {
            const unsigned int p = pid[s];
            if (p == RK_EMPTY) break;
            if (tag[s] == t && phash[p] == h) {
              const unsigned long long at = e + 1 - RK_W;
              bool same = true;
              for (int j = 0; j < RK_W && same; ++j) same = tb[at + j] == pats[p * RK_W + j];
              if (same) {
                ++found;
                const unsigned int k = atomicAdd(nhits, 1u);
                if (k < cap) hits[k] = at << 12 | p;
              } else {
                ++false_hits;
              }
            }
          }
        }
      }
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    found += __shfl_down_sync(0xFFFFFFFFu, found, o);
    false_hits += __shfl_down_sync(0xFFFFFFFFu, false_hits, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&stats[0], found);
    if (false_hits) atomicAdd(&stats[1], false_hits);
  }
}
"""
RK_SRC = fill_source(RK_SRC, W=RK_W, LOG=RK_LOG, SEG=RK_SEG, BASE=RK_BASE)


def _rk_python(text, pats, limit):
    """(position, pattern) of every occurrence starting before limit, by bytes.find."""
    out = set()
    for p, pat in enumerate(pats):
        at = text.find(pat)
        while 0 <= at < limit:
            out.add((at, p))
            at = text.find(pat, at + 1)
    return out


def rabinkarp(variant, clock):
    if variant != "search":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert RK_BYTES % 16 == 0 and RK_SEG % 16 == 0 and RK_W % 16 == 0 and RK_PATTERNS <= 1 << 12
    assert 2 * RK_PATTERNS <= 1 << RK_LOG and RK_BYTES < 1 << 52
    mod = cp.RawModule(code=RK_SRC)
    mktext, mkpats, plant, search = (mod.get_function(k) for k in ("rk_text", "rk_patterns", "rk_plant", "rk_search"))
    grid = sms() * 8
    text = cp.empty(RK_BYTES // 8, dtype=cp.uint64)
    mktext((grid,), (256,), (text, np.uint64(RK_BYTES // 8), np.uint64(0x7E47)))
    pats = cp.empty(RK_PATTERNS * RK_W, dtype=cp.uint8)
    phash = cp.empty(RK_PATTERNS, dtype=cp.uint64)
    slots = cp.full(1 << RK_LOG, 0xFFFFFFFF, dtype=cp.uint32)
    mkpats(((RK_PATTERNS + 255) // 256,), (256,), (pats, np.uint32(RK_PATTERNS), np.uint64(0x9A77), phash, slots))
    plant((grid,), (256,), (text, np.uint64(RK_BYTES), pats, np.uint32(RK_PATTERNS), np.uint64(RK_PLANTS),
                            np.uint64(0x91A7)))
    hits = cp.empty(RK_HITCAP, dtype=cp.uint64)
    nhits = cp.zeros(1, dtype=cp.uint32)
    stats = cp.zeros(2, dtype=cp.uint64)
    segs = (RK_BYTES + RK_SEG - 1) // RK_SEG
    sgrid = min((segs + 127) // 128, sms() * 4)
    bw = np.uint64(_rk_pow(RK_W))
    passes = [0]

    def launch():  # the whole text searched once
        nhits.fill(0)
        search((sgrid,), (128,), (text, np.uint64(RK_BYTES), pats, phash, slots, bw, hits, np.uint32(RK_HITCAP),
                                  nhits, stats))
        passes[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    ps = max(1, passes[0])
    found, false_hits = (int(v) for v in stats.tolist())
    k = min(int(nhits[0]), RK_HITCAP)
    h = hits[:k].get().astype(np.int64)  # positions < 2^52: no sign trouble
    mine = {(int(a), int(b)) for a, b in zip(h >> 12, h & 4095) if a < RK_CHECK}
    host = text.view(cp.uint8)[:RK_CHECK + RK_W - 1].get().tobytes()
    hp = pats.get().reshape(RK_PATTERNS, RK_W)
    want = _rk_python(host, [bytes(r) for r in hp], RK_CHECK)
    hashes_ok = all(_rk_hash(bytes(hp[p])) == int(v) for p, v in zip(range(4), phash[:4].get()))
    note(f"rabinkarp/{variant}: {passes[0]} searches of {RK_BYTES >> 20} MiB for {RK_PATTERNS} {RK_W}-byte patterns "
         f"({RK_PLANTS} planted copies), {found // ps} hits a search, {false_hits} hash matches failing the byte "
         f"check, hits in the first {RK_CHECK >> 10} KiB agree with bytes.find: {mine == want} ({len(want)}), "
         f"pattern hashes agree with Python's: {hashes_ok}, {per * 1e3:.2f} ms a search "
         f"({RK_BYTES / per / 1e9:.0f} GB/s), {nl} a step")


# ---- bitonic -----------------------------------------------------------------------------------------------------

BS_TILE = 4096
BS_THREADS = 512

BS_SRC = SPLITMIX_CUDA + r"""
#define BS_TILE %TILE%
#define BS_THREADS %THREADS%
extern "C" __global__ void bs_make(unsigned int* keys, unsigned int* vals, unsigned long long n, unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    keys[i] = (unsigned int)splitmix(i ^ seed);
    vals[i] = (unsigned int)i;
  }
}
// compare-exchange of elements i < l: ascending where bit `size` of i's global index is clear, else descending
__device__ __forceinline__ void bs_cmpx(unsigned int* k, unsigned int* v, unsigned int i, unsigned int l, bool up) {
  const unsigned int a = k[i], b = k[l];
  if (up ? a > b : a < b) {
    k[i] = b;
    k[l] = a;
    const unsigned int t = v[i];
    v[i] = v[l];
    v[l] = t;
  }
}
// a block a BS_TILE-element tile in shared memory: the bitonic network for merge sizes lo_size .. BS_TILE (strides
// from size / 2, or from first_stride for the first size, down to 1); sizes beyond BS_TILE give the direction only
__device__ __forceinline__ void bs_shared(unsigned int* keys, unsigned int* vals, unsigned int size_from,
                                          unsigned int size_to, unsigned int first_stride) {
  __shared__ unsigned int k[BS_TILE], v[BS_TILE];
  const unsigned long long base = (unsigned long long)blockIdx.x * BS_TILE;
  for (int e = threadIdx.x; e < BS_TILE; e += BS_THREADS) {
    k[e] = keys[base + e];
    v[e] = vals[base + e];
  }
  for (unsigned int size = size_from; size <= size_to; size <<= 1) {
    for (unsigned int stride = size == size_from ? first_stride : size / 2; stride > 0; stride >>= 1) {
      __syncthreads();
      for (unsigned int p = threadIdx.x; p < BS_TILE / 2; p += BS_THREADS) {
        const unsigned int i = 2 * p - (p & (stride - 1));
        bs_cmpx(k, v, i, i + stride, ((base + i) & size) == 0);
      }
    }
  }
  __syncthreads();
  for (int e = threadIdx.x; e < BS_TILE; e += BS_THREADS) {
    keys[base + e] = k[e];
    vals[base + e] = v[e];
  }
}
// every tile sorted (merge sizes 2 .. BS_TILE)
extern "C" __global__ void __launch_bounds__(BS_THREADS) bs_tiles(unsigned int* keys, unsigned int* vals) {
  bs_shared(keys, vals, 2u, BS_TILE, 1u);
}
// one global pass of merge size `size` at a stride of BS_TILE or more: a thread a compare-exchange
extern "C" __global__ void bs_global(unsigned int* keys, unsigned int* vals, unsigned long long n, unsigned int size,
                                     unsigned int stride) {
  for (unsigned long long p = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; p < n / 2;
       p += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long i = 2 * p - (p & (stride - 1));
    bs_cmpx(keys, vals, (unsigned int)i, (unsigned int)(i + stride), (i & size) == 0);
  }
}
// the rest of merge size `size` (strides BS_TILE / 2 .. 1) in shared memory
extern "C" __global__ void __launch_bounds__(BS_THREADS) bs_merge(unsigned int* keys, unsigned int* vals, unsigned int size) {
  bs_shared(keys, vals, size, size, BS_TILE / 2);
}
// out-of-order neighbours, keys that are not their value's key under seed, sum of values
extern "C" __global__ void bs_check(const unsigned int* __restrict__ keys, const unsigned int* __restrict__ vals,
                                    unsigned long long n, unsigned long long seed, unsigned long long* stats) {
  unsigned long long unordered = 0, wrong = 0, sum = 0;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    unordered += i + 1 < n && keys[i] > keys[i + 1];
    wrong += keys[i] != (unsigned int)splitmix((unsigned long long)vals[i] ^ seed);
    sum += vals[i];
  }
  for (int o = 16; o > 0; o >>= 1) {
    unordered += __shfl_down_sync(0xFFFFFFFFu, unordered, o);
    wrong += __shfl_down_sync(0xFFFFFFFFu, wrong, o);
    sum += __shfl_down_sync(0xFFFFFFFFu, sum, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&stats[0], unordered);
    atomicAdd(&stats[1], wrong);
    atomicAdd(&stats[2], sum);
  }
}
"""
BS_SRC = fill_source(BS_SRC, TILE=BS_TILE, THREADS=BS_THREADS)


def _bs_plan(n):
    """The launches of a full sort of n (a power of two, at least BS_TILE): ('tiles',), ('global', size, stride),
    ('merge', size)."""
    out = [("tiles",)]
    size = 2 * BS_TILE
    while size <= n:
        stride = size // 2
        while stride >= BS_TILE:
            out.append(("global", size, stride))
            stride //= 2
        out.append(("merge", size))
        size *= 2
    return out


def bitonic(variant, clock):
    if variant != "sort":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n = 1 << BS_LOG
    assert n >= BS_TILE and BS_LOG < 32
    mod = cp.RawModule(code=BS_SRC)
    make, tiles, glob, merge, check = (mod.get_function(k) for k in (
        "bs_make", "bs_tiles", "bs_global", "bs_merge", "bs_check"))
    grid = sms() * 8
    keys = cp.empty(n, dtype=cp.uint32)
    vals = cp.empty(n, dtype=cp.uint32)
    plan = _bs_plan(n)
    seeds = [0]

    def launch():  # fresh keys, then the whole network
        seed = 0xB170 + seeds[0]
        make((grid,), (256,), (keys, vals, np.uint64(n), np.uint64(seed)))
        for step in plan:
            if step[0] == "tiles":
                tiles((n // BS_TILE,), (BS_THREADS,), (keys, vals))
            elif step[0] == "global":
                glob(((n // 2 + 255) // 256,), (256,), (keys, vals, np.uint64(n), np.uint32(step[1]), np.uint32(step[2])))
            else:
                merge((n // BS_TILE,), (BS_THREADS,), (keys, vals, np.uint32(step[1])))
        seeds[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    stats = cp.zeros(3, dtype=cp.uint64)
    check((grid,), (256,), (keys, vals, np.uint64(n), np.uint64(0xB170 + seeds[0] - 1), stats))
    unordered, wrong, vsum = (int(v) for v in stats.tolist())
    ok = unordered == 0 and wrong == 0 and vsum == n * (n - 1) // 2
    note(f"bitonic/{variant}: {seeds[0]} sorts of {n} key/value pairs ({len(plan)} launches a sort: tiles of "
         f"{BS_TILE}, {sum(s[0] == 'global' for s in plan)} global passes, {sum(s[0] == 'merge' for s in plan)} "
         f"shared merges), {unordered} out of order, {wrong} keys not their value's, value sum "
         f"{'right' if vsum == n * (n - 1) // 2 else 'WRONG'}, sorted: {ok}, {per * 1e3:.2f} ms a sort "
         f"({n / per / 1e9:.2f} G pairs/s), {nl} a step")
