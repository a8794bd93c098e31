"""SHA-256 Merkle trees, BLAKE3 tree hashing, motion estimation, bit-packed Life, FM-index search, CSV parsing and
Parquet-style bit unpacking (label 0).

A fourth set of benign work that, in pipe terms (integer pipe, FP32, DRAM, SM occupancy), resembles hashing, so
the model has to learn finer differences:

  sha256    dataset integrity / content-addressed storage: SHA-256 (FIPS 180-4) of every 4 KiB block of a 1 GiB
            buffer (a thread a block, 65 compressions over data read from DRAM), then a binary Merkle tree over
            the block digests (a launch a level, the last node duplicated on odd levels, as Bitcoin does)
  blake3    BLAKE3 (the official construction: 1 KiB chunks of 16 64-byte blocks, 7-round compression with the
            message permutation, CHUNK_START / CHUNK_END / PARENT / ROOT flags) of a 1 GiB buffer, a thread a
            chunk, then a launch a level of parent nodes; 2^20 chunks, so the tree is perfect
  motion    block-matching motion estimation as in a video encoder: 16x16 macroblocks of 8 1920x1088 8-bit frames
            (each against the one before), full search over +-32 pixels (4225 candidates): a block a macroblock,
            the search window in shared memory, packed-byte SAD with __vsadu4 on funnel-shifted words, best
            vector per block (smallest SAD, then the first candidate)
  life      Conway's Game of Life on a 32768x32768 torus, bit-packed 32 cells a word, neighbours counted with
            bitwise full adders (pure integer/logic pipe), 64 generations a launch, two buffers ping-pong
  fmindex   FM-index backward search (as in read aligners): a random 128 Mbp circular DNA text, its BWT built on
            the GPU (rotations sorted by their 32-character prefix, ties counted), 2-bit packed in 64-character
            blocks with their occurrence counts (32 bytes a block); 2^22 32-mers (half taken from the text)
            searched, a thread a pattern, two random-access rank queries (popcount) a character
  csv       GPU CSV parsing: about 1 GiB of synthetic CSV (id, signed integer, signed fixed-point decimal, short
            string) written on the GPU; a warp a 4 KiB chunk counts newlines, a prefix sum, the newline positions
            written, then a thread a row parses its fields into int64 / float64 columns and string offsets; sums
            checked against the generator's
  bitunpack Parquet-style decoding: 4096 pages of 2^16 dictionary indices in the RLE / bit-packing hybrid
            encoding (widths 3..17, runs of 64..512 values), a block a page scans the run headers into shared
            memory, a warp a run unpacks to int32 indices, gathers int64 dictionary values, filters and counts

Each launch is sized to take a few to tens of ms on an H200; a step is as many launches as make about 50 ms
(timed at set-up, before READY). A summary line (checksums, counts) goes to stderr at the end.
"""

import numpy as np

from common import (SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, repeat_step, sms,
                    splitmix_words)

# sizes (module constants so a test can shrink them)
SHA_BYTES = 1 << 30
B3_BYTES = 1 << 30
ME_W, ME_H, ME_FRAMES = 1920, 1088, 9
LIFE_N = 32768
LIFE_GENS = 64
FM_LOG = 27
FM_PATTERNS = 1 << 22
CSV_BYTES = 1 << 30
BU_PAGES = 4096
BU_PAGE = 1 << 16


# ---- sha256 ------------------------------------------------------------------------------------------------------

SHA_K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]
SHA_IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
SHA_BLOCK = 4096

SHA_SRC = r"""
#define SHA_BLOCK %BLOCK%
__constant__ unsigned int K256[64] = {%K%};
__device__ __forceinline__ unsigned int rotr(unsigned int x, int n) { return __funnelshift_r(x, x, n); }
// one SHA-256 compression of the 16 big-endian message words w into st
__device__ __forceinline__ void sha256_compress(unsigned int st[8], unsigned int w[16]) {
  unsigned int a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
#pragma unroll
  for (int i = 0; i < 64; ++i) {
    if (i >= 16) {
      const unsigned int w15 = w[(i - 15) & 15], w2 = w[(i - 2) & 15];
      w[i & 15] += (rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3)) + w[(i - 7) & 15] +
                   (rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10));
    }
    const unsigned int t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i & 15];
    const unsigned int t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  st[0] += a; st[1] += b; st[2] += c; st[3] += d; st[4] += e; st[5] += f; st[6] += g; st[7] += h;
}
__device__ __forceinline__ void sha256_init(unsigned int st[8]) {
  st[0] = 0x6a09e667u; st[1] = 0xbb67ae85u; st[2] = 0x3c6ef372u; st[3] = 0xa54ff53au;
  st[4] = 0x510e527fu; st[5] = 0x9b05688cu; st[6] = 0x1f83d9abu; st[7] = 0x5be0cd19u;
}
// the padding block of a message of len_bits bits that filled whole 64-byte blocks
__device__ __forceinline__ void sha256_pad(unsigned int st[8], unsigned long long len_bits) {
  unsigned int w[16];
#pragma unroll
  for (int k = 0; k < 16; ++k) w[k] = 0;
  w[0] = 0x80000000u;
  w[14] = (unsigned int)(len_bits >> 32);
  w[15] = (unsigned int)len_bits;
  sha256_compress(st, w);
}
// digest (8 big-endian words) of each SHA_BLOCK-byte block; the bytes are the data's words in memory order
extern "C" __global__ void sha_leaves(const uint4* __restrict__ data, unsigned long long blocks, unsigned int* dig) {
  for (unsigned long long b = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; b < blocks;
       b += (unsigned long long)gridDim.x * blockDim.x) {
    const uint4* p = data + b * (SHA_BLOCK / 16);
    unsigned int st[8], w[16];
    sha256_init(st);
    for (int m = 0; m < SHA_BLOCK / 64; ++m) {
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        const uint4 v = p[m * 4 + q];
        w[4 * q] = __byte_perm(v.x, 0, 0x0123);
        w[4 * q + 1] = __byte_perm(v.y, 0, 0x0123);
        w[4 * q + 2] = __byte_perm(v.z, 0, 0x0123);
        w[4 * q + 3] = __byte_perm(v.w, 0, 0x0123);
      }
      sha256_compress(st, w);
    }
    sha256_pad(st, (unsigned long long)SHA_BLOCK * 8);
#pragma unroll
    for (int k = 0; k < 8; ++k) dig[b * 8 + k] = st[k];
  }
}
// one Merkle level: parent i = SHA-256(child 2i || child 2i+1), the last child paired with itself when count is odd
extern "C" __global__ void sha_level(const unsigned int* __restrict__ child, unsigned long long count,
                                     unsigned int* parent) {
  const unsigned long long parents = (count + 1) / 2;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < parents;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long l = 2 * i, r = 2 * i + 1 < count ? 2 * i + 1 : 2 * i;
    unsigned int st[8], w[16];
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      w[k] = child[l * 8 + k];
      w[8 + k] = child[r * 8 + k];
    }
    sha256_init(st);
    sha256_compress(st, w);
    sha256_pad(st, 512);
#pragma unroll
    for (int k = 0; k < 8; ++k) parent[i * 8 + k] = st[k];
  }
}
"""
SHA_SRC = fill_source(SHA_SRC, BLOCK=SHA_BLOCK, K=", ".join(f"0x{k:08x}u" for k in SHA_K))


def sha256(variant, clock):
    if variant != "merkle":
        raise ValueError(f"unknown variant {variant!r}")
    import hashlib

    import cupy as cp
    assert SHA_BYTES % SHA_BLOCK == 0
    mod = cp.RawModule(code=SHA_SRC)
    leaves, level = (mod.get_function(k) for k in ("sha_leaves", "sha_level"))
    data = splitmix_words(SHA_BYTES // 4, 0x5A256)
    blocks = SHA_BYTES // SHA_BLOCK
    bufs = [cp.empty(blocks * 8, dtype=cp.uint32), cp.empty((blocks + 1) // 2 * 8, dtype=cp.uint32)]
    roots = [0]

    def launch():  # every block hashed, then the tree up to its root (in bufs[depth % 2])
        leaves(((blocks + 127) // 128,), (128,), (data, np.uint64(blocks), bufs[0]))
        count, src = blocks, 0
        while count > 1:
            level(((count // 2 + 128) // 128,), (128,), (bufs[src], np.uint64(count), bufs[1 - src]))
            count, src = (count + 1) // 2, 1 - src
        roots[0] += 1
        return src
    top = launch()
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    root = bufs[top][:8].get().astype(">u4").tobytes().hex()
    leaves(((blocks + 127) // 128,), (128,), (data, np.uint64(blocks), bufs[0]))
    host = data[: 4 * SHA_BLOCK // 4].get().tobytes()
    dig = bufs[0][:32].get().astype(">u4").tobytes()
    agree = sum(hashlib.sha256(host[i * SHA_BLOCK:(i + 1) * SHA_BLOCK]).digest() == dig[i * 32:(i + 1) * 32]
                for i in range(4))
    note(f"sha256/{variant}: {roots[0]} Merkle roots of {blocks} {SHA_BLOCK}-byte blocks ({SHA_BYTES >> 20} MiB), "
         f"root {root}, first 4 leaf digests agree with hashlib: {agree}/4, {per * 1e3:.2f} ms a tree, {nl} a step")


# ---- blake3 ------------------------------------------------------------------------------------------------------

B3_IV = SHA_IV  # BLAKE3's IV is SHA-256's
B3_PERM = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8]
B3_CHUNK = 1024
CHUNK_START, CHUNK_END, PARENT, ROOT = 1, 2, 4, 8


def _b3_schedules():
    """The message word order of each of the 7 rounds (the permutation applied after each round)."""
    order, out = list(range(16)), []
    for _ in range(7):
        out.append(order)
        order = [order[B3_PERM[i]] for i in range(16)]
    return out


def _b3_rounds_cuda():
    g = [(0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
         (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14)]
    lines = []
    for s in _b3_schedules():
        for k, (a, b, c, d) in enumerate(g):
            lines.append(f"  B3G(v[{a}], v[{b}], v[{c}], v[{d}], m[{s[2 * k]}], m[{s[2 * k + 1]}]);")
    return "\n".join(lines)


B3_SRC = r"""
#define B3_CHUNK %CHUNK%
#define B3G(a, b, c, d, x, y) \
  a = a + b + (x); d = __funnelshift_r(d ^ a, d ^ a, 16); c = c + d; b = __funnelshift_r(b ^ c, b ^ c, 12); \
  a = a + b + (y); d = __funnelshift_r(d ^ a, d ^ a, 8); c = c + d; b = __funnelshift_r(b ^ c, b ^ c, 7);
// the BLAKE3 compression function, truncated to the chaining value: cv <- first 8 words of the output
__device__ __forceinline__ void b3_compress(unsigned int cv[8], const unsigned int m[16], unsigned long long counter,
                                            unsigned int block_len, unsigned int flags) {
  unsigned int v[16] = {cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7],
                        0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                        (unsigned int)counter, (unsigned int)(counter >> 32), block_len, flags};
%ROUNDS%
#pragma unroll
  for (int k = 0; k < 8; ++k) cv[k] = v[k] ^ v[k + 8];
}
__device__ __forceinline__ void b3_iv(unsigned int cv[8]) {
  cv[0] = 0x6a09e667u; cv[1] = 0xbb67ae85u; cv[2] = 0x3c6ef372u; cv[3] = 0xa54ff53au;
  cv[4] = 0x510e527fu; cv[5] = 0x9b05688cu; cv[6] = 0x1f83d9abu; cv[7] = 0x5be0cd19u;
}
// the chaining value of each full chunk (16 blocks, message words little-endian)
extern "C" __global__ void b3_chunks(const uint4* __restrict__ data, unsigned long long chunks, unsigned int* cvs) {
  for (unsigned long long c = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; c < chunks;
       c += (unsigned long long)gridDim.x * blockDim.x) {
    const uint4* p = data + c * (B3_CHUNK / 16);
    unsigned int cv[8], m[16];
    b3_iv(cv);
    for (int b = 0; b < B3_CHUNK / 64; ++b) {
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        const uint4 x = p[b * 4 + q];
        m[4 * q] = x.x; m[4 * q + 1] = x.y; m[4 * q + 2] = x.z; m[4 * q + 3] = x.w;
      }
      b3_compress(cv, m, c, 64u, (b == 0 ? 1u : 0u) | (b == B3_CHUNK / 64 - 1 ? 2u : 0u));
    }
#pragma unroll
    for (int k = 0; k < 8; ++k) cvs[c * 8 + k] = cv[k];
  }
}
// one level of parents (count even): parent i from children 2i and 2i+1; the ROOT flag where count is 2
extern "C" __global__ void b3_parents(const unsigned int* __restrict__ child, unsigned long long count,
                                      unsigned int* parent) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < count / 2;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned int cv[8], m[16];
#pragma unroll
    for (int k = 0; k < 16; ++k) m[k] = child[i * 16 + k];
    b3_iv(cv);
    b3_compress(cv, m, 0ull, 64u, count == 2 ? 12u : 4u);
#pragma unroll
    for (int k = 0; k < 8; ++k) parent[i * 8 + k] = cv[k];
  }
}
"""
B3_SRC = fill_source(B3_SRC, CHUNK=B3_CHUNK, ROUNDS=_b3_rounds_cuda())


def blake3(variant, clock):
    if variant != "tree":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    chunks = B3_BYTES // B3_CHUNK
    assert B3_BYTES % B3_CHUNK == 0 and chunks >= 2 and chunks & (chunks - 1) == 0
    mod = cp.RawModule(code=B3_SRC)
    leaf, parents = (mod.get_function(k) for k in ("b3_chunks", "b3_parents"))
    data = splitmix_words(B3_BYTES // 4, 0xB1A4E3)
    bufs = [cp.empty(chunks * 8, dtype=cp.uint32), cp.empty(chunks // 2 * 8, dtype=cp.uint32)]
    hashes = [0]

    def launch():  # every chunk, then the parent levels up to the root (in bufs[src])
        leaf(((chunks + 127) // 128,), (128,), (data, np.uint64(chunks), bufs[0]))
        count, src = chunks, 0
        while count > 1:
            parents(((count // 2 + 127) // 128,), (128,), (bufs[src], np.uint64(count), bufs[1 - src]))
            count, src = count // 2, 1 - src
        hashes[0] += 1
        return src
    top = launch()
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    root = bufs[top][:8].get().astype("<u4").tobytes().hex()
    note(f"blake3/{variant}: {hashes[0]} BLAKE3 hashes of {B3_BYTES >> 20} MiB ({chunks} chunks), hash {root}, "
         f"{per * 1e3:.2f} ms a hash ({B3_BYTES / per / 1e9:.0f} GB/s), {nl} a step")


# ---- motion ------------------------------------------------------------------------------------------------------

ME_MB = 16
ME_RANGE = 32
ME_PAN = (5, 3)  # the texture moves this many pixels right and down a frame

ME_SRC = SPLITMIX_CUDA + r"""
#define MB 16
#define RANGE %RANGE%
#define SPAN (2 * RANGE + 1)
#define WIN (MB + 2 * RANGE)
#define WIN_WORDS (WIN / 4 + 1)
__device__ __forceinline__ unsigned int h2(int x, int y, unsigned long long s) {
  return (unsigned int)splitmix(((unsigned long long)(unsigned int)x << 32 | (unsigned int)y) ^ s);
}
// frame t: a texture (coarse 4x4 cells plus fine detail) moved by t * (px, py), plus per-frame noise in -8..7
extern "C" __global__ void me_make(unsigned char* frames, int w, int h, int nframes, int px, int py,
                                   unsigned long long seed) {
  const unsigned long long total = (unsigned long long)w * h * nframes;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const int t = (int)(i / ((unsigned long long)w * h)), r = (int)(i % ((unsigned long long)w * h));
    const int x = r % w - t * px, y = r / w - t * py;
    int v = 32 + (int)(h2(x >> 2, y >> 2, seed) & 127u) + (int)(h2(x, y, seed + 1) & 63u);
    v += (int)(splitmix(i ^ (seed << 8)) & 15u) - 8;
    frames[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
  }
}
// a block a macroblock of frame f + 1 against frame f (blockIdx.y = f): the search window around it (coordinates
// clamped to the frame, as an encoder pads edges) in shared memory as words of 4 pixels, the macroblock in
// registers; a thread a candidate at a time, SAD of 16 rows of 4 packed words; best = sad << 13 | candidate,
// candidate = (dy + RANGE) * SPAN + dx + RANGE, so the minimum is the smallest SAD, then the first candidate
extern "C" __global__ void me_search(const unsigned char* __restrict__ frames, int w, int h, unsigned int* best) {
  __shared__ unsigned int win[WIN][WIN_WORDS];
  __shared__ unsigned int blk[MB * MB / 4];
  __shared__ unsigned int red[32];
  const int mbw = w / MB, mb = blockIdx.x, f = blockIdx.y;
  const int bx = (mb % mbw) * MB, by = (mb / mbw) * MB;
  const unsigned char* ref = frames + (unsigned long long)f * w * h;
  const unsigned char* cur = ref + (unsigned long long)w * h;
  for (int e = threadIdx.x; e < WIN * WIN_WORDS; e += blockDim.x) {
    const int r = e / WIN_WORDS, k = e % WIN_WORDS;
    int y = by - RANGE + r;
    y = y < 0 ? 0 : y >= h ? h - 1 : y;
    unsigned int word = 0;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      int x = bx - RANGE + 4 * k + j;
      x = x < 0 ? 0 : x >= w ? w - 1 : x;
      word |= (unsigned int)ref[(unsigned long long)y * w + x] << (8 * j);
    }
    win[r][k] = word;
  }
  for (int e = threadIdx.x; e < MB * MB / 4; e += blockDim.x)
    blk[e] = *(const unsigned int*)(cur + (unsigned long long)(by + e / 4) * w + bx + 4 * (e % 4));
  __syncthreads();
  unsigned int c[MB * MB / 4];
#pragma unroll
  for (int e = 0; e < MB * MB / 4; ++e) c[e] = blk[e];
  unsigned int mine = 0xFFFFFFFFu;
  for (int cand = threadIdx.x; cand < SPAN * SPAN; cand += blockDim.x) {
    const int dy = cand / SPAN, dx = cand % SPAN, k0 = dx >> 2, sh = (dx & 3) * 8;
    unsigned int sad = 0;
#pragma unroll
    for (int r = 0; r < MB; ++r) {
#pragma unroll
      for (int k = 0; k < 4; ++k)
        sad = __vsadu4(c[r * 4 + k], __funnelshift_r(win[dy + r][k0 + k], win[dy + r][k0 + k + 1], sh)) + sad;
    }
    const unsigned int key = sad << 13 | (unsigned int)cand;
    mine = key < mine ? key : mine;
  }
  mine = __reduce_min_sync(0xFFFFFFFFu, mine);
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = mine;
  __syncthreads();
  if (threadIdx.x < 32) {
    unsigned int v = threadIdx.x < (blockDim.x >> 5) ? red[threadIdx.x] : 0xFFFFFFFFu;
    v = __reduce_min_sync(0xFFFFFFFFu, v);
    if (threadIdx.x == 0) best[(unsigned long long)f * gridDim.x + mb] = v;
  }
}
"""
ME_SRC = fill_source(ME_SRC, RANGE=ME_RANGE)


def motion(variant, clock):
    if variant != "sad":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    w, h, nf = ME_W, ME_H, ME_FRAMES
    assert w % ME_MB == 0 and h % ME_MB == 0 and nf >= 2
    mod = cp.RawModule(code=ME_SRC)
    make, search = mod.get_function("me_make"), mod.get_function("me_search")
    frames = cp.empty(w * h * nf, dtype=cp.uint8)
    make((sms() * 8,), (256,), (frames, np.int32(w), np.int32(h), np.int32(nf), np.int32(ME_PAN[0]),
                                np.int32(ME_PAN[1]), np.uint64(0x30710E)))
    mbs = (w // ME_MB) * (h // ME_MB)
    best = cp.empty((nf - 1) * mbs, dtype=cp.uint32)
    searches = [0]

    def launch():  # every macroblock of frames 1.. against the frame before
        search((mbs, nf - 1), (256,), (frames, np.int32(w), np.int32(h), best))
        searches[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    b = best.get()
    cand = (b & 0x1FFF).astype(np.int64)  # signed: the offsets below go negative (uint32 would wrap)
    span = 2 * ME_RANGE + 1
    dy, dx = cand // span - ME_RANGE, cand % span - ME_RANGE
    pan = float(np.mean((dx == -ME_PAN[0]) & (dy == -ME_PAN[1])))
    note(f"motion/{variant}: {searches[0]} searches of {nf - 1} {w}x{h} frame pairs ({mbs} macroblocks, "
         f"+-{ME_RANGE} full search), {pan:.3f} of the vectors are the pan ({-ME_PAN[0]}, {-ME_PAN[1]}), mean SAD "
         f"{float(np.mean(b >> 13)):.0f}, {per * 1e3:.2f} ms a search, {nl} a step")


# ---- life --------------------------------------------------------------------------------------------------------

LIFE_SRC = r"""
// a ^ b ^ c and its carry
__device__ __forceinline__ void fadd(unsigned int a, unsigned int b, unsigned int c, unsigned int& s,
                                     unsigned int& carry) {
  const unsigned int t = a ^ b;
  s = t ^ c;
  carry = (a & b) | (c & t);
}
// one generation on a torus of 2^rows_log rows of 2^wpr_log words (cell x of a row: bit x & 31 of word x >> 5).
// The eight neighbour words (bit b of each the neighbour of cell b) summed by full adders into a 3-bit count
// s2 s1 s0 (mod 8: 8 neighbours reads 0, which like every count but 2 and 3 leaves the cell dead)
extern "C" __global__ void life_step(const unsigned int* __restrict__ a, unsigned int* b, int wpr_log, int rows_log) {
  const unsigned long long words = 1ull << (wpr_log + rows_log);
  const unsigned int wmask = (1u << wpr_log) - 1, rmask = (1u << rows_log) - 1;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned int x = (unsigned int)i & wmask, y = (unsigned int)(i >> wpr_log);
    const unsigned int xl = (x - 1) & wmask, xr = (x + 1) & wmask;
    const unsigned long long rowu = (unsigned long long)((y - 1) & rmask) << wpr_log,
                             row = (unsigned long long)y << wpr_log,
                             rowd = (unsigned long long)((y + 1) & rmask) << wpr_log;
    const unsigned int ul = a[rowu + xl], u = a[rowu + x], ur = a[rowu + xr];
    const unsigned int l = a[row + xl], c = a[row + x], r = a[row + xr];
    const unsigned int dl = a[rowd + xl], d = a[rowd + x], dr = a[rowd + xr];
    const unsigned int n0 = (u << 1) | (ul >> 31), n1 = u, n2 = (u >> 1) | (ur << 31);
    const unsigned int n3 = (c << 1) | (l >> 31), n4 = (c >> 1) | (r << 31);
    const unsigned int n5 = (d << 1) | (dl >> 31), n6 = d, n7 = (d >> 1) | (dr << 31);
    unsigned int sa, ca, sb, cb, s0, cd, t, cu;
    fadd(n0, n1, n2, sa, ca);
    fadd(n3, n4, n5, sb, cb);
    const unsigned int sc = n6 ^ n7, cc = n6 & n7;
    fadd(sa, sb, sc, s0, cd);
    fadd(ca, cb, cc, t, cu);
    const unsigned int s1 = t ^ cd, s2 = cu ^ (t & cd);
    b[i] = ~s2 & s1 & (s0 | c);
  }
}
extern "C" __global__ void life_pop(const unsigned int* __restrict__ g, unsigned long long words,
                                    unsigned long long* out) {
  unsigned long long n = 0;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x)
    n += __popc(g[i]);
  for (int o = 16; o > 0; o >>= 1) n += __shfl_down_sync(0xFFFFFFFFu, n, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(out, n);
}
"""


def life(variant, clock):
    if variant != "bitpacked":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n = LIFE_N
    assert n % 32 == 0 and n & (n - 1) == 0 and LIFE_GENS % 2 == 0
    wpr_log, rows_log = (n // 32).bit_length() - 1, n.bit_length() - 1
    words = n * n // 32
    mod = cp.RawModule(code=LIFE_SRC)
    step, pop = (mod.get_function(k) for k in ("life_step", "life_pop"))
    grid = sms() * 8
    g = [splitmix_words(words, 0x11FE), cp.empty(words, dtype=cp.uint32)]

    def population():
        out = cp.zeros(1, dtype=cp.uint64)
        pop((grid,), (256,), (g[0], np.uint64(words), out))
        return int(out[0])
    pop0 = population()
    gens = [0]

    def launch():  # LIFE_GENS generations, ending in g[0]
        for _ in range(LIFE_GENS):
            step(((words + 255) // 256,), (256,), (g[0], g[1], np.int32(wpr_log), np.int32(rows_log)))
            g.reverse()
        gens[0] += LIFE_GENS
    nl, per = calibrated_launches(launch, 32)
    cupy_loop(repeat_step(launch, nl), clock)
    note(f"life/{variant}: {gens[0]} generations of a {n}x{n} torus, population {population()} (from {pop0}), "
         f"{per / LIFE_GENS * 1e3:.3f} ms a generation ({n * n * LIFE_GENS / per / 1e12:.2f} T cells/s), "
         f"{nl} launches of {LIFE_GENS} a step")


# ---- fmindex -----------------------------------------------------------------------------------------------------

FM_K = 32

FM_SRC = SPLITMIX_CUDA + r"""
// text: 2 bits a base, base i at bits 2 (i & 15) of word i >> 4; circular, length n = 2^logn
__device__ __forceinline__ unsigned int fm_base(const unsigned int* t, unsigned long long i) {
  return (t[i >> 4] >> (2 * (i & 15))) & 3u;
}
// the 32 bases from position p (wrapping), the first in the top two bits
__device__ __forceinline__ unsigned long long fm_kmer(const unsigned int* t, unsigned long long p,
                                                     unsigned long long mask) {
  unsigned long long k = 0;
#pragma unroll 8
  for (int j = 0; j < 32; ++j) k = k << 2 | fm_base(t, (p + j) & mask);
  return k;
}
// sort keys: each rotation's 32-base prefix
extern "C" __global__ void fm_keys(const unsigned int* __restrict__ t, int logn, unsigned long long* keys) {
  const unsigned long long n = 1ull << logn;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x)
    keys[i] = fm_kmer(t, i, n - 1);
}
// BWT block b (64 sorted rotations): base j is the one before rotation sa[64 b + j], packed as the text is, into
// occ[2 b + 1]; its counts of each base into cnt[4 b ..]
extern "C" __global__ void fm_bwt(const unsigned int* __restrict__ t, const long long* __restrict__ sa, int logn,
                                  uint4* occ, unsigned int* cnt) {
  const unsigned long long n = 1ull << logn, nb = n >> 6;
  for (unsigned long long b = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; b < nb;
       b += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned int wd[4] = {0, 0, 0, 0}, c4[4] = {0, 0, 0, 0};
    for (int j = 0; j < 64; ++j) {
      const unsigned int c = fm_base(t, ((unsigned long long)sa[b * 64 + j] - 1) & (n - 1));
      wd[j >> 4] |= c << (2 * (j & 15));
      ++c4[c];
    }
    occ[2 * b + 1] = make_uint4(wd[0], wd[1], wd[2], wd[3]);
#pragma unroll
    for (int c = 0; c < 4; ++c) cnt[b * 4 + c] = c4[c];
  }
}
// occurrences of base c in BWT[0, i): the block's count before it plus a popcount within the block
__device__ __forceinline__ unsigned int fm_rank(const uint4* __restrict__ occ, unsigned int c, unsigned int i) {
  const unsigned int b = i >> 6, r = i & 63;
  const uint4 cn = occ[2 * b], bw = occ[2 * b + 1];
  unsigned int n = c == 0 ? cn.x : c == 1 ? cn.y : c == 2 ? cn.z : cn.w;
  const unsigned int pat = c * 0x55555555u, ws[4] = {bw.x, bw.y, bw.z, bw.w};
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    const int lim = (int)r - 16 * k;
    if (lim <= 0) break;
    const unsigned int x = ws[k] ^ pat, m = ~(x | (x >> 1)) & 0x55555555u;
    n += __popc(lim >= 16 ? m : m & ((1u << (2 * lim)) - 1u));
  }
  return n;
}
// pattern p: even p the 32 bases at a random text position, odd p random
extern "C" __global__ void fm_patterns(const unsigned int* __restrict__ t, int logn, unsigned long long* pats,
                                       unsigned long long count, unsigned long long seed) {
  const unsigned long long mask = (1ull << logn) - 1;
  for (unsigned long long p = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; p < count;
       p += (unsigned long long)gridDim.x * blockDim.x)
    pats[p] = p & 1 ? splitmix(p ^ seed) : fm_kmer(t, splitmix(p + seed) & mask, mask);
}
// backward search, a thread a pattern: occurrences (of the circular text) into hits; stats: total, found
extern "C" __global__ void fm_search(const uint4* __restrict__ occ, const unsigned int* __restrict__ C, int logn,
                                     const unsigned long long* __restrict__ pats, unsigned long long count,
                                     unsigned int* hits, unsigned long long* stats) {
  unsigned long long total = 0, found = 0;
  const unsigned int c0 = C[0], c1 = C[1], c2 = C[2], c3 = C[3];
  for (unsigned long long p = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; p < count;
       p += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long pat = pats[p];
    unsigned int sp = 0, ep = 1u << logn;
    for (int j = 31; j >= 0 && sp < ep; --j) {
      const unsigned int c = (unsigned int)(pat >> (62 - 2 * j)) & 3u;
      const unsigned int base = c == 0 ? c0 : c == 1 ? c1 : c == 2 ? c2 : c3;
      sp = base + fm_rank(occ, c, sp);
      ep = base + fm_rank(occ, c, ep);
    }
    const unsigned int h = ep > sp ? ep - sp : 0;
    hits[p] = h;
    total += h;
    found += h != 0;
  }
  for (int o = 16; o > 0; o >>= 1) {
    total += __shfl_down_sync(0xFFFFFFFFu, total, o);
    found += __shfl_down_sync(0xFFFFFFFFu, found, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&stats[0], total);
    atomicAdd(&stats[1], found);
  }
}
"""


def fmindex(variant, clock):
    if variant != "search":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    logn = FM_LOG
    n, nb = 1 << logn, 1 << (logn - 6)
    assert 12 <= logn <= 31
    mod = cp.RawModule(code=FM_SRC)
    keys_k, bwt_k, pats_k, search = (mod.get_function(k) for k in ("fm_keys", "fm_bwt", "fm_patterns", "fm_search"))
    grid = sms() * 8
    text = splitmix_words(n // 16, 0xD7A)
    keys = cp.empty(n, dtype=cp.uint64)
    keys_k((grid,), (256,), (text, np.int32(logn), keys))
    sa = cp.argsort(keys)
    skeys = keys[sa]
    ties = int(cp.count_nonzero(skeys[1:] == skeys[:-1]))  # rotations whose order the 32-base prefix leaves open
    del keys, skeys
    occ = cp.zeros((nb + 1) * 2 * 4, dtype=cp.uint32)  # a block: 4 counts before it, then 64 bases
    cnt = cp.empty(nb * 4, dtype=cp.uint32)
    bwt_k((grid,), (256,), (text, sa, np.int32(logn), occ, cnt))
    del sa
    cum = cp.cumsum(cnt.reshape(nb, 4).astype(cp.int64), axis=0)
    occ4 = occ.reshape(nb + 1, 8)
    occ4[1:, :4] = cum.astype(cp.uint32)
    totals = cum[-1].get()
    C = cp.asarray(np.concatenate([[0], np.cumsum(totals)[:3]]).astype(np.uint32))
    pats = cp.empty(FM_PATTERNS, dtype=cp.uint64)
    pats_k((grid,), (256,), (text, np.int32(logn), pats, np.uint64(FM_PATTERNS), np.uint64(0xFA77)))
    hits = cp.empty(FM_PATTERNS, dtype=cp.uint32)
    stats = cp.zeros(2, dtype=cp.uint64)
    searches = [0]

    def launch():  # every pattern searched once
        search(((FM_PATTERNS + 255) // 256,), (256,), (occ, C, np.int32(logn), pats, np.uint64(FM_PATTERNS), hits,
                                                        stats))
        searches[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    total, found = (int(v) for v in stats.tolist())
    s = max(1, searches[0])
    sampled = int(cp.count_nonzero(hits[0::2]))
    note(f"fmindex/{variant}: {searches[0]} searches of {FM_PATTERNS} {FM_K}-mers in a {n >> 20} Mbp text "
         f"(bases {totals.tolist()}, {ties} prefix ties), {found // s} found a search ({sampled} of "
         f"{FM_PATTERNS // 2} taken from the text), {total // s} occurrences, {per * 1e3:.2f} ms a search, "
         f"{nl} a step")


# ---- csv ---------------------------------------------------------------------------------------------------------

CSV_CHUNK = 4096

CSV_SRC = SPLITMIX_CUDA + r"""
#define CSV_CHUNK %CHUNK%
__device__ __forceinline__ int ndigits(unsigned long long v) {
  int d = 1;
  while (v >= 10) { v /= 10; ++d; }
  return d;
}
// row r: "id,qty,price,name\n": id = r; qty = h1 % 2000001 - 1000000; price = a signed fixed-point decimal with
// two places (|cents| < 10^8, negative one time in 8); name = 3..12 lower-case letters
struct Row { unsigned long long id; long long qty, cents; int name; unsigned long long nh; };
__device__ __forceinline__ Row csv_row(unsigned long long r, unsigned long long seed) {
  const unsigned long long h1 = splitmix(r * 4 + seed), h2 = splitmix(r * 4 + 1 + seed), h3 = splitmix(r * 4 + 2 + seed);
  Row w;
  w.id = r;
  w.qty = (long long)(h1 % 2000001ull) - 1000000;
  w.cents = (long long)((h2 >> 8) % 100000000ull) * ((h2 & 7) == 0 ? -1 : 1);
  w.name = 3 + (int)(h3 % 10);
  w.nh = h3 >> 8;
  return w;
}
__device__ __forceinline__ int csv_len(const Row& w) {
  const unsigned long long aq = w.qty < 0 ? -w.qty : w.qty, ac = w.cents < 0 ? -w.cents : w.cents;
  return ndigits(w.id) + 1 + (w.qty < 0) + ndigits(aq) + 1 + (w.cents < 0) + ndigits(ac / 100) + 3 + 1 + w.name + 1;
}
extern "C" __global__ void csv_lengths(unsigned long long rows, unsigned long long seed, long long* len) {
  for (unsigned long long r = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; r < rows;
       r += (unsigned long long)gridDim.x * blockDim.x)
    len[r] = csv_len(csv_row(r, seed));
}
__device__ __forceinline__ unsigned long long put_uint(char* p, unsigned long long v, int d) {
  for (int k = d - 1; k >= 0; --k) { p[k] = (char)('0' + v % 10); v /= 10; }
  return d;
}
// row r written at end[r] - its length; truth: sums of id, qty, cents and name lengths (mod 2^64)
extern "C" __global__ void csv_write(unsigned long long rows, unsigned long long seed, const long long* __restrict__ end,
                                     char* out, unsigned long long* truth) {
  unsigned long long s_id = 0, s_qty = 0, s_c = 0, s_n = 0;
  for (unsigned long long r = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; r < rows;
       r += (unsigned long long)gridDim.x * blockDim.x) {
    const Row w = csv_row(r, seed);
    char* p = out + end[r] - csv_len(w);
    p += put_uint(p, w.id, ndigits(w.id));
    *p++ = ',';
    const unsigned long long aq = w.qty < 0 ? -w.qty : w.qty, ac = w.cents < 0 ? -w.cents : w.cents;
    if (w.qty < 0) *p++ = '-';
    p += put_uint(p, aq, ndigits(aq));
    *p++ = ',';
    if (w.cents < 0) *p++ = '-';
    p += put_uint(p, ac / 100, ndigits(ac / 100));
    *p++ = '.';
    p += put_uint(p, ac % 100, 2);
    *p++ = ',';
    for (int k = 0; k < w.name; ++k) *p++ = (char)('a' + (int)((w.nh >> (5 * (k % 11))) & 31u) % 26);
    *p = '\n';
    s_id += w.id;
    s_qty += (unsigned long long)w.qty;
    s_c += (unsigned long long)w.cents;
    s_n += w.name;
  }
  atomicAdd(&truth[0], s_id);
  atomicAdd(&truth[1], s_qty);
  atomicAdd(&truth[2], s_c);
  atomicAdd(&truth[3], s_n);
}
// 0x80 in each byte of v that equals b
__device__ __forceinline__ unsigned int eqbytes(unsigned int v, unsigned int b) {
  const unsigned int x = v ^ (b * 0x01010101u);
  return ~(((x & 0x7F7F7F7Fu) + 0x7F7F7F7Fu) | x | 0x7F7F7F7Fu);
}
// a warp a CSV_CHUNK-byte chunk (nbytes a multiple of 16, padded with zero bytes): its newlines counted
extern "C" __global__ void csv_count(const uint4* __restrict__ text, unsigned long long nbytes, unsigned int* counts) {
  const unsigned long long chunks = (nbytes + CSV_CHUNK - 1) / CSV_CHUNK;
  const unsigned int lane = threadIdx.x & 31;
  for (unsigned long long c = ((unsigned long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5; c < chunks;
       c += ((unsigned long long)gridDim.x * blockDim.x) >> 5) {
    unsigned int n = 0;
    for (unsigned int q = lane; q < CSV_CHUNK / 16; q += 32) {
      const unsigned long long at = c * CSV_CHUNK + q * 16;
      if (at >= nbytes) break;
      const uint4 v = text[at / 16];
      n += __popc(eqbytes(v.x, 10)) + __popc(eqbytes(v.y, 10)) + __popc(eqbytes(v.z, 10)) + __popc(eqbytes(v.w, 10));
    }
    for (int o = 16; o > 0; o >>= 1) n += __shfl_down_sync(0xFFFFFFFFu, n, o);
    if (lane == 0) counts[c] = n;
  }
}
// the same warps write the newline positions in order, from first[c] (the newlines before chunk c)
extern "C" __global__ void csv_index(const uint4* __restrict__ text, unsigned long long nbytes,
                                     const long long* __restrict__ first, unsigned int* nl) {
  const unsigned long long chunks = (nbytes + CSV_CHUNK - 1) / CSV_CHUNK;
  const unsigned int lane = threadIdx.x & 31;
  for (unsigned long long c = ((unsigned long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5; c < chunks;
       c += ((unsigned long long)gridDim.x * blockDim.x) >> 5) {
    unsigned long long base = first[c];
    for (unsigned int q0 = 0; q0 < CSV_CHUNK / 16; q0 += 32) {
      const unsigned long long at = c * CSV_CHUNK + (q0 + lane) * 16;
      uint4 v = make_uint4(0, 0, 0, 0);
      if (at < nbytes) v = text[at / 16];
      const unsigned int m[4] = {eqbytes(v.x, 10), eqbytes(v.y, 10), eqbytes(v.z, 10), eqbytes(v.w, 10)};
      const unsigned int n = __popc(m[0]) + __popc(m[1]) + __popc(m[2]) + __popc(m[3]);
      unsigned int pre = n;
      for (int o = 1; o < 32; o <<= 1) {
        const unsigned int y = __shfl_up_sync(0xFFFFFFFFu, pre, o);
        if ((int)lane >= o) pre += y;
      }
      unsigned long long k = base + pre - n;
#pragma unroll
      for (int q = 0; q < 4; ++q)
        for (unsigned int bits = m[q]; bits; bits &= bits - 1)
          nl[k++] = (unsigned int)(at + 4 * q + (__ffs(bits) >> 3) - 1);
      base += __shfl_sync(0xFFFFFFFFu, pre, 31);
    }
  }
}
// a thread a row (row r from just after newline r - 1 to newline r): fields parsed into columns; stats: sums of
// id, qty, cents and name lengths (mod 2^64), rows with a malformed field
extern "C" __global__ void csv_parse(const char* __restrict__ text, const unsigned int* __restrict__ nl,
                                     unsigned long long rows, long long* id, long long* qty, double* price,
                                     unsigned int* name_at, unsigned char* name_len, unsigned long long* stats) {
  unsigned long long s_id = 0, s_qty = 0, s_c = 0, s_n = 0, bad = 0;
  for (unsigned long long r = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; r < rows;
       r += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned int p = r ? nl[r - 1] + 1 : 0;
    const unsigned int e = nl[r];
    long long f[3];
    bool ok = true;
#pragma unroll
    for (int k = 0; k < 3; ++k) {
      const bool neg = text[p] == '-';
      p += neg;
      long long v = 0;
      int digits = 0, frac = -1;
      for (char ch = text[p]; ch != ',' && p < e; ch = text[++p]) {
        if (ch == '.' && k == 2 && frac < 0) frac = 0;
        else if (ch >= '0' && ch <= '9') {
          v = v * 10 + (ch - '0');
          ++digits;
          frac += frac >= 0;
        } else ok = false;
      }
      ok &= digits > 0 && p < e && (k == 2 ? frac == 2 : frac < 0);
      f[k] = neg ? -v : v;
      ++p;
    }
    id[r] = f[0];
    qty[r] = f[1];
    price[r] = (double)f[2] / 100.0;
    name_at[r] = p;
    name_len[r] = (unsigned char)(e - p);
    s_id += (unsigned long long)f[0];
    s_qty += (unsigned long long)f[1];
    s_c += (unsigned long long)f[2];
    s_n += e - p;
    bad += !ok;
  }
  for (int o = 16; o > 0; o >>= 1) {
    s_id += __shfl_down_sync(0xFFFFFFFFu, s_id, o);
    s_qty += __shfl_down_sync(0xFFFFFFFFu, s_qty, o);
    s_c += __shfl_down_sync(0xFFFFFFFFu, s_c, o);
    s_n += __shfl_down_sync(0xFFFFFFFFu, s_n, o);
    bad += __shfl_down_sync(0xFFFFFFFFu, bad, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&stats[0], s_id);
    atomicAdd(&stats[1], s_qty);
    atomicAdd(&stats[2], s_c);
    atomicAdd(&stats[3], s_n);
    if (bad) atomicAdd(&stats[4], bad);
  }
}
"""
CSV_SRC = fill_source(CSV_SRC, CHUNK=CSV_CHUNK)
CSV_MEAN_ROW = 30  # bytes, under the generator's mean (about 35): rows enough to fill CSV_BYTES


def csv(variant, clock):
    if variant != "parse":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=CSV_SRC)
    lengths, write, count, index, parse = (mod.get_function(k) for k in (
        "csv_lengths", "csv_write", "csv_count", "csv_index", "csv_parse"))
    grid, seed = sms() * 8, 0xC5F
    cap = CSV_BYTES // CSV_MEAN_ROW
    ln = cp.empty(cap, dtype=cp.int64)
    lengths((grid,), (256,), (np.uint64(cap), np.uint64(seed), ln))
    end = cp.cumsum(ln)
    del ln
    rows = int(cp.count_nonzero(end <= CSV_BYTES))  # end increases
    nbytes = int(end[rows - 1])
    padded = (nbytes + 15) // 16 * 16
    text = cp.zeros(padded + 64, dtype=cp.uint8)
    truth = cp.zeros(4, dtype=cp.uint64)
    write((grid,), (256,), (np.uint64(rows), np.uint64(seed), end, text, truth))
    del end
    chunks = (padded + CSV_CHUNK - 1) // CSV_CHUNK
    counts = cp.empty(chunks, dtype=cp.uint32)
    nl = cp.empty(rows, dtype=cp.uint32)
    cols = (cp.empty(rows, dtype=cp.int64), cp.empty(rows, dtype=cp.int64), cp.empty(rows, dtype=cp.float64),
            cp.empty(rows, dtype=cp.uint32), cp.empty(rows, dtype=cp.uint8))
    stats = cp.zeros(5, dtype=cp.uint64)
    wgrid = (chunks * 32 + 255) // 256
    passes = [0]

    def launch():  # newlines counted, scanned and indexed, every row parsed into the columns
        count((wgrid,), (256,), (text, np.uint64(padded), counts))
        first = cp.cumsum(counts, dtype=cp.int64) - counts
        index((wgrid,), (256,), (text, np.uint64(padded), first, nl))
        parse(((rows + 255) // 256,), (256,), (text, nl, np.uint64(rows), *cols, stats))
        passes[0] += 1
    nl_, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl_), clock)
    ps = max(1, passes[0])
    got = [int(v) for v in stats.tolist()]
    want = [int(v) for v in truth.tolist()]
    agree = all((g - w * ps) % (1 << 64) == 0 for g, w in zip(got[:4], want))
    note(f"csv/{variant}: {passes[0]} parses of {nbytes >> 20} MiB ({rows} rows), sums of id, qty, cents, name "
         f"lengths {'agree' if agree else 'DISAGREE'} with the generator's ({[w for w in want]}), {got[4]} malformed, "
         f"price sum {float(cols[2].sum()):.2f}, {per * 1e3:.2f} ms a parse ({nbytes / per / 1e9:.0f} GB/s), "
         f"{nl_} a step")


# ---- bitunpack ---------------------------------------------------------------------------------------------------

BU_WMIN, BU_WMAX = 3, 17
BU_MIN_GROUPS, BU_MAX_GROUPS = 8, 64  # runs of 64..512 values (8 values a group)
BU_THRESHOLD = -(1 << 62)  # values below this pass the filter (about a quarter)

BU_SRC = SPLITMIX_CUDA + r"""
#define BU_PAGE %PAGE%
#define BU_WMIN %WMIN%
#define BU_WRANGE (%WMAX% - %WMIN% + 1)
#define BU_MIN_GROUPS %MING%
#define BU_GROUP_RANGE (%MAXG% - %MING% + 1)
#define BU_MAX_RUNS (BU_PAGE / (8 * BU_MIN_GROUPS) + 1)
// dictionary of width w (2^w int64 values) at offset 2^w - 2^BU_WMIN
extern "C" __global__ void bu_dict(long long* dict, unsigned long long total, unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (unsigned long long)gridDim.x * blockDim.x)
    dict[i] = (long long)splitmix(i ^ seed);
}
__device__ __forceinline__ unsigned char* put_varint(unsigned char* p, unsigned int v) {
  for (; v >= 0x80u; v >>= 7) *p++ = (unsigned char)(v | 0x80u);
  *p++ = (unsigned char)v;
  return p;
}
// a thread a page: BU_PAGE indices of width w = BU_WMIN + page % BU_WRANGE in the RLE / bit-packing hybrid (runs
// of 8 g values, g in BU_MIN_GROUPS.., one in 4 an RLE run: varint count << 1, then the value in (w + 7) / 8
// little-endian bytes; otherwise varint groups << 1 | 1, then 8 g values packed w bits each, LSB first).
// pages[p * stride ..], len[p] bytes; truth: the sum of the indices, runs
extern "C" __global__ void bu_make(unsigned char* pages, unsigned long long npages, unsigned long long stride,
                                   unsigned int* len, unsigned long long seed, unsigned long long* truth) {
  unsigned long long sum = 0, runs = 0;
  for (unsigned long long pg = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; pg < npages;
       pg += (unsigned long long)gridDim.x * blockDim.x) {
    const int w = BU_WMIN + (int)(pg % BU_WRANGE);
    const unsigned int mask = (1u << w) - 1;
    unsigned char* const p0 = pages + pg * stride;
    unsigned char* p = p0;
    unsigned long long s = seed ^ (pg << 24);
    for (unsigned int out = 0; out < BU_PAGE;) {
      const unsigned long long r = splitmix(s++);
      unsigned int cnt = 8 * (BU_MIN_GROUPS + (unsigned int)(r % BU_GROUP_RANGE));
      if (cnt > BU_PAGE - out) cnt = BU_PAGE - out;
      if (((r >> 40) & 3) == 0) {
        const unsigned int v = (unsigned int)splitmix(s++) & mask;
        p = put_varint(p, cnt << 1);
        for (int b = 0; b < (w + 7) / 8; ++b) *p++ = (unsigned char)(v >> (8 * b));
        sum += (unsigned long long)v * cnt;
      } else {
        p = put_varint(p, (cnt / 8) << 1 | 1);
        unsigned long long acc = 0;
        int bits = 0;
        for (unsigned int j = 0; j < cnt; ++j) {
          const unsigned int v = (unsigned int)splitmix(s++) & mask;
          sum += v;
          acc |= (unsigned long long)v << bits;
          for (bits += w; bits >= 8; bits -= 8, acc >>= 8) *p++ = (unsigned char)acc;
        }
      }
      out += cnt;
      ++runs;
    }
    len[pg] = (unsigned int)(p - p0);
  }
  for (int o = 16; o > 0; o >>= 1) {
    sum += __shfl_down_sync(0xFFFFFFFFu, sum, o);
    runs += __shfl_down_sync(0xFFFFFFFFu, runs, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&truth[0], sum);
    atomicAdd(&truth[1], runs);
  }
}
// a block a page: thread 0 reads the run headers into shared memory (output start, then the RLE value or the
// payload's byte offset with bit 31 set), then a warp a run unpacks its values to int32 indices, gathers the
// int64 dictionary values and filters them (value < threshold). stats: index sum, passing count, passing sum
// (mod 2^64), bad pages
extern "C" __global__ void bu_decode(const unsigned char* __restrict__ pages, unsigned long long npages,
                                     unsigned long long stride, const long long* __restrict__ dict, int* idx,
                                     long long* vals, long long threshold, unsigned long long* stats) {
  __shared__ unsigned int run_out[BU_MAX_RUNS + 1], run_src[BU_MAX_RUNS];
  __shared__ int nruns;
  const unsigned int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  unsigned long long isum = 0, pass = 0, psum = 0, bad = 0;
  for (unsigned long long pg = blockIdx.x; pg < npages; pg += gridDim.x) {
    const int w = BU_WMIN + (int)(pg % BU_WRANGE);
    const unsigned char* p0 = pages + pg * stride;
    const long long* d = dict + ((1ull << w) - (1ull << BU_WMIN));
    __syncthreads();
    if (threadIdx.x == 0) {
      unsigned int pos = 0, out = 0;
      int k = 0;
      while (out < BU_PAGE && k < BU_MAX_RUNS) {
        unsigned int h = 0;
        for (int sh = 0;; sh += 7) {
          const unsigned int b = p0[pos++];
          h |= (b & 0x7Fu) << sh;
          if (!(b & 0x80u)) break;
        }
        run_out[k] = out;
        if (h & 1) {
          run_src[k] = pos | 0x80000000u;
          pos += (h >> 1) * w;
          out += (h >> 1) * 8;
        } else {
          unsigned int v = 0;
          for (int b = 0; b < (w + 7) / 8; ++b) v |= (unsigned int)p0[pos++] << (8 * b);
          run_src[k] = v;
          out += h >> 1;
        }
        ++k;
      }
      bad += out != BU_PAGE;
      run_out[k] = out < BU_PAGE ? out : BU_PAGE;
      nruns = k;
    }
    __syncthreads();
    const unsigned int mask = (1u << w) - 1;
    for (int k = warp; k < nruns; k += warps) {
      const unsigned int start = run_out[k], cnt = run_out[k + 1] - start, src = run_src[k];
      const unsigned char* q = p0 + (src & 0x7FFFFFFFu);
      for (unsigned int j = lane; j < cnt; j += 32) {
        unsigned int v = src;
        if (src & 0x80000000u) {
          const unsigned int bit = j * w, at = bit >> 3;
          v = ((unsigned int)q[at] | (unsigned int)q[at + 1] << 8 | (unsigned int)q[at + 2] << 16) >> (bit & 7) & mask;
        }
        const unsigned long long o = pg * BU_PAGE + start + j;
        const long long x = d[v];
        idx[o] = (int)v;
        vals[o] = x;
        isum += v;
        if (x < threshold) {
          ++pass;
          psum += (unsigned long long)x;
        }
      }
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    isum += __shfl_down_sync(0xFFFFFFFFu, isum, o);
    pass += __shfl_down_sync(0xFFFFFFFFu, pass, o);
    psum += __shfl_down_sync(0xFFFFFFFFu, psum, o);
  }
  if (lane == 0) {
    atomicAdd(&stats[0], isum);
    atomicAdd(&stats[1], pass);
    atomicAdd(&stats[2], psum);
  }
  if (threadIdx.x == 0 && bad) atomicAdd(&stats[3], bad);
}
"""
BU_SRC = fill_source(BU_SRC, PAGE=BU_PAGE, WMIN=BU_WMIN, WMAX=BU_WMAX, MING=BU_MIN_GROUPS, MAXG=BU_MAX_GROUPS)


def _bu_stride(page=None):
    """Bytes a page may take (every value at the widest width, a 3-byte header a run), plus 4 of padding, to 16."""
    page = page or BU_PAGE
    runs = page // (8 * BU_MIN_GROUPS) + 1
    return (page * BU_WMAX // 8 + runs * 6 + 4 + 15) // 16 * 16


def bitunpack(variant, clock):
    if variant != "dict":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert BU_PAGE % 8 == 0 and BU_PAGE * BU_WMAX // 8 < 1 << 31
    mod = cp.RawModule(code=BU_SRC)
    mkdict, make, decode = (mod.get_function(k) for k in ("bu_dict", "bu_make", "bu_decode"))
    grid, seed = sms() * 8, 0xB17
    ndict = (1 << (BU_WMAX + 1)) - (1 << BU_WMIN)
    dct = cp.empty(ndict, dtype=cp.int64)
    mkdict((grid,), (256,), (dct, np.uint64(ndict), np.uint64(seed)))
    stride = _bu_stride()
    pages = cp.zeros(BU_PAGES * stride, dtype=cp.uint8)
    lens = cp.empty(BU_PAGES, dtype=cp.uint32)
    truth = cp.zeros(2, dtype=cp.uint64)
    make(((BU_PAGES + 31) // 32,), (32,), (pages, np.uint64(BU_PAGES), np.uint64(stride), lens, np.uint64(seed),
                                            truth))
    total = BU_PAGES * BU_PAGE
    idx = cp.empty(total, dtype=cp.int32)
    vals = cp.empty(total, dtype=cp.int64)
    stats = cp.zeros(4, dtype=cp.uint64)
    passes = [0]

    def launch():  # every page decoded, gathered and filtered once
        decode((min(BU_PAGES, sms() * 8),), (256,), (pages, np.uint64(BU_PAGES), np.uint64(stride), dct, idx, vals,
                                                     np.int64(BU_THRESHOLD), stats))
        passes[0] += 1
    nl, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, nl), clock)
    isum, npass, psum, bad = (int(v) for v in stats.tolist())
    want, runs = (int(v) for v in truth.tolist())
    ps = max(1, passes[0])
    enc = int(lens.sum())
    note(f"bitunpack/{variant}: {passes[0]} decodes of {BU_PAGES} pages of {BU_PAGE} indices (widths {BU_WMIN}.."
         f"{BU_WMAX}, {runs} runs, {enc >> 20} MiB encoded), index sum "
         f"{'agrees' if (isum - want * ps) % (1 << 64) == 0 else 'DISAGREES'} with the encoder's, "
         f"{npass // ps} values pass the filter, {bad} bad pages, {per * 1e3:.2f} ms a decode "
         f"({total / per / 1e9:.1f} G values/s), {nl} a step")
