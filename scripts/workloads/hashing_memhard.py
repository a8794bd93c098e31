"""Memory-hard and bucketed proof-of-work hashing (label 1), driven like hashing.py's families.

  scrypt    sequential memory-hard ROMix (N=1024, r=1, Salsa20/8 BlockMix) on a
            per-thread scratchpad, stored with lookup gap 2 (64 KiB a thread, as
            GPU scrypt miners trade memory for recomputation)
  equihash  bucketed collision search (Equihash-like): 2^23 BLAKE-like items into
            4096 buckets by atomics, then 5 rounds that counting-sort each bucket
            in shared memory, XOR colliding pairs and scatter them into new buckets
  cuckoo    Cuckoo-Cycle-like lean edge trimming: SipHash-2-4 edge endpoints of
            2^28 edges, per-node degree counting with random atomics, killing edges
            with a leaf endpoint, both sides, round after round

Each class is a hashing.PowKernel: launch(grid, block, iters) runs `iters`
hashes (scrypt), solver runs (equihash) or trimming rounds (cuckoo) on the
variant's grid; hashing.drive() does the rest (calibration, variants, clock).
"""
from hashing import HEAD, TARGET, PowKernel, check_variant, drive, grid_of

SCRYPT_N = 1024
SCRYPT_GAP = 2

SALSA = r"""
#define QR(a, b, c, d) b ^= ROTL32(a + d, 7); c ^= ROTL32(b + a, 9); d ^= ROTL32(c + b, 13); a ^= ROTL32(d + c, 18);
// B = Salsa20/8(B ^ Bx), as scrypt's BlockMix applies it
__device__ __forceinline__ void salsa8(unsigned int* B, const unsigned int* Bx) {
  unsigned int x[16];
#pragma unroll
  for (int i = 0; i < 16; ++i) x[i] = (B[i] ^= Bx[i]);
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    QR(x[0], x[4], x[8], x[12]); QR(x[5], x[9], x[13], x[1]); QR(x[10], x[14], x[2], x[6]); QR(x[15], x[3], x[7], x[11]);
    QR(x[0], x[1], x[2], x[3]); QR(x[5], x[6], x[7], x[4]); QR(x[10], x[11], x[8], x[9]); QR(x[15], x[12], x[13], x[14]);
  }
#pragma unroll
  for (int i = 0; i < 16; ++i) B[i] += x[i];
}
__device__ __forceinline__ void blockmix(unsigned int* X) { salsa8(X, X + 16); salsa8(X + 16, X); }
"""

SCRYPT_SRC = HEAD + SALSA + r"""
#define N %N%
#define GAP %GAP%
// V: scratchpads, entry e of thread t at uint4 index ((e * T + t) * 8), so a warp's stores are adjacent
extern "C" __global__ void hash(uint4* __restrict__ V, unsigned long long nonce0, int iters, unsigned int target,
                                unsigned int* hits) {
  const unsigned long long T = (unsigned long long)gridDim.x * blockDim.x;
  const unsigned long long t = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;
  unsigned int X[32];
  unsigned int found = 0;
  for (int h = 0; h < iters; ++h) {
    unsigned long long m = nonce_of(nonce0) + (unsigned long long)h * T;
#pragma unroll
    for (int i = 0; i < 32; ++i) X[i] = fnv(0x811C9DC5u ^ (unsigned int)i, (unsigned int)m) ^ ((unsigned int)(m >> 32) * (2u * i + 1u));
#pragma unroll 1
    for (int i = 0; i < N; ++i) {  // fill the scratchpad, every GAP-th state stored
      if (i % GAP == 0) {
        uint4* p = V + ((unsigned long long)(i / GAP) * T + t) * 8;
#pragma unroll
        for (int q = 0; q < 8; ++q) p[q] = make_uint4(X[4 * q], X[4 * q + 1], X[4 * q + 2], X[4 * q + 3]);
      }
      blockmix(X);
    }
#pragma unroll 1
    for (int i = 0; i < N; ++i) {  // data-dependent reads: each needs the one before
      unsigned int j = X[16] & (N - 1);
      const uint4* p = V + ((unsigned long long)(j / GAP) * T + t) * 8;
      unsigned int Y[32];
#pragma unroll
      for (int q = 0; q < 8; ++q) {
        uint4 v = p[q];
        Y[4 * q] = v.x; Y[4 * q + 1] = v.y; Y[4 * q + 2] = v.z; Y[4 * q + 3] = v.w;
      }
      if (j % GAP) blockmix(Y);  // the state after the stored one, recomputed
#pragma unroll
      for (int k = 0; k < 32; ++k) X[k] ^= Y[k];
      blockmix(X);
    }
    found += X[0] < target;
  }
  if (found) atomicAdd(hits, found);
}
""".replace("%N%", str(SCRYPT_N)).replace("%GAP%", str(SCRYPT_GAP))


class Scrypt(PowKernel):
    def __init__(self, variant):
        super().__init__("scrypt")
        cp = self.cp
        blocks, threads = grid_of("full")  # room for the largest grid any variant launches
        entries = SCRYPT_N // SCRYPT_GAP
        self.scratch = cp.empty(entries * blocks * threads * 8 * 4, dtype=cp.uint32)  # 128 B an entry
        self.kernel = cp.RawKernel(SCRYPT_SRC, "hash")

    def launch(self, grid, block, iters):
        cp = self.cp
        self.kernel((grid,), (block,), (self.scratch, cp.uint64(self.nonce), cp.int32(iters), cp.uint32(TARGET), self.hits))
        self.nonce += grid * block * iters
        self.hashes += grid * block * iters


EQ_ITEMS = 1 << 23
EQ_BUCKETS = 4096   # 12 bits
EQ_CAP = 4096       # slots a bucket: twice the mean
EQ_SUB = 1024       # 10 more bits: 22 collision bits, about as many pairs as items
EQ_ROUNDS = 5

EQUIHASH_SRC = HEAD + r"""
#define NB %NB%
#define CAP %CAP%
#define SUB %SUB%
#define G(a, b, c, d, x, y)                          \
  a = a + b + (x); d = ROTR32(d ^ a, 16);            \
  c = c + d;       b = ROTR32(b ^ c, 12);            \
  a = a + b + (y); d = ROTR32(d ^ a, 8);             \
  c = c + d;       b = ROTR32(b ^ c, 7);
// every item: a BLAKE-like hash of (nonce, i), into the bucket of its top 12 bits
extern "C" __global__ void gen(unsigned long long nonce, unsigned int n_items, uint4* out, unsigned int* out_ref,
                               unsigned int* out_cnt) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n_items; i += gridDim.x * blockDim.x) {
    unsigned int m0 = (unsigned int)nonce, m1 = (unsigned int)(nonce >> 32) ^ i;
    unsigned int v0 = 0x6A09E667u, v1 = 0xBB67AE85u, v2 = 0x3C6EF372u, v3 = 0xA54FF53Au;
    unsigned int v4 = 0x510E527Fu ^ i, v5 = 0x9B05688Cu, v6 = 0x1F83D9ABu, v7 = 0x5BE0CD19u;
#pragma unroll
    for (int r = 0; r < 6; ++r) {
      G(v0, v2, v4, v6, m0, m1); G(v1, v3, v5, v7, m1, i);
      G(v0, v3, v4, v7, i, m0); G(v1, v2, v5, v6, m0 ^ r, m1);
    }
    uint4 w = make_uint4(v0 ^ v4, v1 ^ v5, v2 ^ v6, v3 ^ v7);
    unsigned int b = w.x >> 20;
    unsigned int slot = atomicAdd(&out_cnt[b], 1u);
    if (slot < CAP) { out[(unsigned long long)b * CAP + slot] = w; out_ref[(unsigned long long)b * CAP + slot] = i; }
  }
}
// one block a bucket: counting sort by the next 10 bits in shared memory, then XOR each item with up to
// three later ones of its sub-bucket; the pair (rotated one word, the colliding word folded in) goes to
// the bucket of its new top 12 bits
extern "C" __global__ void collide(const uint4* __restrict__ in, const unsigned int* __restrict__ in_cnt, uint4* out,
                                   unsigned int* out_ref, unsigned int* out_cnt, unsigned int salt, unsigned int target,
                                   unsigned int* hits) {
  __shared__ unsigned short key[CAP];
  __shared__ unsigned short order[CAP];
  __shared__ unsigned int start[SUB];
  __shared__ unsigned int fill[SUB];
  for (unsigned int b = blockIdx.x; b < NB; b += gridDim.x) {
    const unsigned int n = min(in_cnt[b], (unsigned int)CAP);
    const uint4* items = in + (unsigned long long)b * CAP;
    for (int s = threadIdx.x; s < SUB; s += blockDim.x) { start[s] = 0; fill[s] = 0; }
    __syncthreads();
    for (unsigned int i = threadIdx.x; i < n; i += blockDim.x) {
      unsigned int k = (items[i].x >> 10) & (SUB - 1);
      key[i] = (unsigned short)k;
      atomicAdd(&start[k], 1u);
    }
    __syncthreads();
    if (threadIdx.x < 32) {  // exclusive scan of the counts by warp 0, SUB / 32 a lane
      const unsigned int lane = threadIdx.x, base = lane * (SUB / 32);
      unsigned int sum = 0;
      for (int k = 0; k < SUB / 32; ++k) sum += start[base + k];
      unsigned int inc = sum;
      for (int o = 1; o < 32; o <<= 1) {
        unsigned int v = __shfl_up_sync(0xFFFFFFFFu, inc, o);
        if (lane >= (unsigned int)o) inc += v;
      }
      unsigned int run = inc - sum;
      for (int k = 0; k < SUB / 32; ++k) { unsigned int c = start[base + k]; start[base + k] = run; run += c; }
    }
    __syncthreads();
    for (unsigned int i = threadIdx.x; i < n; i += blockDim.x) {
      unsigned int k = key[i];
      order[start[k] + atomicAdd(&fill[k], 1u)] = (unsigned short)i;
    }
    __syncthreads();
    for (unsigned int p = threadIdx.x; p < n; p += blockDim.x) {
      const unsigned int i = order[p], k = key[i], end = start[k] + fill[k];
      const uint4 a = items[i];
      for (unsigned int q = p + 1; q < end && q < p + 4; ++q) {
        const unsigned int j = order[q];
        const uint4 c = items[j];
        uint4 x = make_uint4(a.y ^ c.y, a.z ^ c.z, a.w ^ c.w, fnv(a.x ^ c.x, salt));
        unsigned int ob = x.x >> 20;
        unsigned int slot = atomicAdd(&out_cnt[ob], 1u);
        if (slot < CAP) {
          out[(unsigned long long)ob * CAP + slot] = x;
          out_ref[(unsigned long long)ob * CAP + slot] = b * CAP + (i < j ? i : j);
        }
        if (x.y < target) atomicAdd(hits, 1u);
      }
    }
    __syncthreads();
  }
}
""".replace("%NB%", str(EQ_BUCKETS)).replace("%CAP%", str(EQ_CAP)).replace("%SUB%", str(EQ_SUB))


class Equihash(PowKernel):
    def __init__(self, variant):
        super().__init__("equihash")
        cp = self.cp
        mod = cp.RawModule(code=EQUIHASH_SRC)
        self.gen, self.collide = mod.get_function("gen"), mod.get_function("collide")
        slots = EQ_BUCKETS * EQ_CAP
        self.items = [cp.empty(slots * 4, dtype=cp.uint32) for _ in range(2)]  # uint4 a slot: 256 MiB each
        self.refs = [cp.empty(slots, dtype=cp.uint32) for _ in range(2)]
        self.counts = [cp.zeros(EQ_BUCKETS, dtype=cp.uint32) for _ in range(2)]

    def launch(self, grid, block, iters):
        cp = self.cp
        for _ in range(iters):
            self.counts[0].fill(0)
            self.gen((grid,), (block,), (cp.uint64(self.nonce), cp.uint32(EQ_ITEMS), self.items[0], self.refs[0], self.counts[0]))
            src = 0
            for r in range(EQ_ROUNDS):
                dst = 1 - src
                self.counts[dst].fill(0)
                self.collide((grid,), (block,), (self.items[src], self.counts[src], self.items[dst], self.refs[dst],
                                                 self.counts[dst], cp.uint32(0x9E3779B9 * (r + 1) & 0xFFFFFFFF),
                                                 cp.uint32(TARGET >> 8), self.hits))
                src = dst
            self.nonce += 1
            self.hashes += EQ_ITEMS


CK_EDGE_BITS = 28

CUCKOO_SRC = HEAD + r"""
#define SIPROUND                                              \
  v0 += v1; v2 += v3; v1 = rotl64(v1, 13); v3 = rotl64(v3, 16); \
  v1 ^= v0; v3 ^= v2; v0 = rotl64(v0, 32); v2 += v1; v0 += v3; \
  v1 = rotl64(v1, 17); v3 = rotl64(v3, 21); v1 ^= v2; v3 ^= v0; v2 = rotl64(v2, 32);
struct SipKey { unsigned long long k0, k1, k2, k3; };
__device__ __forceinline__ unsigned long long sip24(const SipKey& k, unsigned long long m) {
  unsigned long long v0 = k.k0, v1 = k.k1, v2 = k.k2, v3 = k.k3 ^ m;
  SIPROUND SIPROUND
  v0 ^= m; v2 ^= 0xFF;
  SIPROUND SIPROUND SIPROUND SIPROUND
  return (v0 ^ v1) ^ (v2 ^ v3);
}
// endpoint of edge e on side s: siphash(2e + s) masked to the node space; degrees are bytes, four a word
__device__ __forceinline__ unsigned long long endpoint(const SipKey& k, unsigned long long e, unsigned int side,
                                                       unsigned long long nmask) {
  return sip24(k, 2 * e + side) & nmask;
}
extern "C" __global__ void count(const unsigned int* __restrict__ alive, unsigned int* deg, unsigned long long k0,
                                 unsigned long long k1, unsigned long long k2, unsigned long long k3, unsigned int side,
                                 unsigned long long words, unsigned long long nmask) {
  const SipKey k = {k0, k1, k2, k3};
  for (unsigned long long w = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; w < words;
       w += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned int bits = alive[w];
    while (bits) {
      int b = __ffs(bits) - 1;
      bits &= bits - 1;
      unsigned long long node = endpoint(k, w * 32 + b, side, nmask);
      atomicAdd(deg + (node >> 2), 1u << ((node & 3) * 8));
    }
  }
}
extern "C" __global__ void kill(unsigned int* alive, const unsigned int* __restrict__ deg, unsigned long long k0,
                                unsigned long long k1, unsigned long long k2, unsigned long long k3, unsigned int side,
                                unsigned long long words, unsigned long long nmask, unsigned int* hits) {
  const SipKey k = {k0, k1, k2, k3};
  for (unsigned long long w = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; w < words;
       w += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned int bits = alive[w], keep = bits;
    while (bits) {
      int b = __ffs(bits) - 1;
      bits &= bits - 1;
      unsigned long long node = endpoint(k, w * 32 + b, side, nmask);
      if (((deg[node >> 2] >> ((node & 3) * 8)) & 0xFFu) < 2u) keep &= ~(1u << b);
      else if (node == 0) atomicAdd(hits, 1u);
    }
    if (keep != alive[w]) alive[w] = keep;
  }
}
"""


def _splitmix(x):
    mask = (1 << 64) - 1
    x = (x + 0x9E3779B97F4A7C15) & mask
    z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return x, z ^ (z >> 31)


class Cuckoo(PowKernel):
    def __init__(self, variant):
        super().__init__("cuckoo")
        cp = self.cp
        mod = cp.RawModule(code=CUCKOO_SRC)
        self.count, self.kill = mod.get_function("count"), mod.get_function("kill")
        edges = 1 << CK_EDGE_BITS
        self.words = edges // 32
        self.alive = cp.empty(self.words, dtype=cp.uint32)    # 32 MiB
        self.deg = cp.empty(edges // 4, dtype=cp.uint32)      # a byte a node: 256 MiB
        self.nmask = cp.uint64(edges - 1)
        self.seed = 0x43756B6F

    def launch(self, grid, block, iters):
        """A new graph (new siphash keys), then `iters` trimming rounds over both sides."""
        cp = self.cp
        kv = []
        for _ in range(4):
            self.seed, z = _splitmix(self.seed)
            kv.append(cp.uint64(z))
        self.alive.fill(0xFFFFFFFF)
        words = cp.uint64(self.words)
        for _ in range(iters):
            for side in (0, 1):
                self.deg.fill(0)
                self.count((grid,), (block,), (self.alive, self.deg, *kv, cp.uint32(side), words, self.nmask))
                self.kill((grid,), (block,), (self.alive, self.deg, *kv, cp.uint32(side), words, self.nmask, self.hits))
        self.nonce += 1
        self.hashes += 2 * iters << CK_EDGE_BITS


CLASSES = {"scrypt": Scrypt, "equihash": Equihash, "cuckoo": Cuckoo}


def run(family, variant, clock):
    check_variant(variant)
    drive(CLASSES[family](variant), variant, clock)
