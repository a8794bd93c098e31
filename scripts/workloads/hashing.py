"""Hashing kernels (label 1) that stand in for cryptocurrency mining.

Nothing is submitted anywhere: each thread hashes its nonce through `iters`
rounds of one algorithm family and counts outputs below a target, so the
compiler cannot drop the work. Families:

  dag     memory-hard: 64-byte random reads from a 4 GiB table, FNV-32 mixing (Ethash-like)
  arx     32-bit add/rotate/xor, the BLAKE G function on a 16-word state
  keccak  64-bit theta/rho/pi/chi/iota rounds on a 25-lane state (Keccak-f[1600]-like)
  sha     32-bit SHA-256-like compression (sigma, ch, maj, rolling message schedule)
  mulxs   64-bit multiply + xorshift chains on four lanes
  matrix  HeavyHash-like: 64x64 matrix of 4-bit values times a nibble vector (dp4a), integer
  mixed   random-program style: per-round choice of math op + shared-cache and 2 GiB table reads (KawPow-like)

More families, driven the same way (drive() below): hashing_memhard.py
(scrypt, equihash, cuckoo), hashing_program.py (chain, randomx) and
hashing_more.py (cnight, argon, x11).

Variants (how the kernel is driven): full (8 blocks of 256 per SM, back to
back), low (one 64-thread block per SM), throttled (~40 % duty in a 0.3 s
period), cycling (4 s at full load, 4 s truly idle, repeating), poll (2 ms
launches, the found-nonce counter read back after each, a new nonce range every
2 s: a pool miner's loop), short (0.3 ms launches, each waited for).
"""
import time

from common import note, sms

FAMILIES = ("dag", "arx", "keccak", "sha", "mulxs", "matrix", "mixed")
VARIANTS = ("full", "low", "throttled", "cycling", "poll", "short")


def _consts(count, seed, bits):
    """Deterministic pseudo-random constants (splitmix64), as C literals."""
    out, x, mask = [], seed, (1 << 64) - 1
    for _ in range(count):
        x = (x + 0x9E3779B97F4A7C15) & mask
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
        out.append(z & ((1 << bits) - 1))
    suffix = "ull" if bits == 64 else "u"
    return ", ".join(f"0x{v:x}{suffix}" for v in out)


# Every kernel: one nonce per thread, `iters` rounds, hits[0] += (output word < target).
HEAD = r"""
#define ROTR32(x, n) __funnelshift_r((x), (x), (n))
#define ROTL32(x, n) __funnelshift_l((x), (x), (n))
__device__ __forceinline__ unsigned long long rotl64(unsigned long long x, int n) {
  return (x << n) | (x >> ((64 - n) & 63));
}
__device__ __forceinline__ unsigned long long nonce_of(unsigned long long nonce0) {
  return nonce0 + (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ unsigned int fnv(unsigned int a, unsigned int b) { return (a * 0x01000193u) ^ b; }
"""

SRC = {}

SRC["dag"] = HEAD + r"""
extern "C" __global__ void dag_fill(uint4* t, unsigned long long n) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned int a = (unsigned int)i * 2654435761u, b = (unsigned int)(i >> 32) ^ 0x85EBCA6Bu;
    t[i] = make_uint4(a ^ (a >> 15), fnv(a, 1u), fnv(a ^ b, 2u), a * 0xC2B2AE35u + b);
  }
}
// mask: number of 64-byte pages - 1 (a power of two minus one)
extern "C" __global__ void hash(const uint4* __restrict__ dag, unsigned long long mask,
                                unsigned long long nonce0, int iters, unsigned int target,
                                unsigned int* hits) {
  unsigned long long n = nonce_of(nonce0);
  unsigned int s0 = fnv(0x811C9DC5u, (unsigned int)n), s1 = fnv(s0, (unsigned int)(n >> 32));
  unsigned int s2 = fnv(s1, 3u), s3 = fnv(s2, 4u), s4 = fnv(s3, 5u), s5 = fnv(s4, 6u), s6 = fnv(s5, 7u), s7 = fnv(s6, 8u);
  for (int i = 0; i < iters; ++i) {
    unsigned long long page = ((((unsigned long long)s1) << 32) | fnv(s0 ^ (unsigned int)i, s4)) & mask;
    const uint4* p = dag + page * 4;
    uint4 a = __ldg(p), b = __ldg(p + 1), c = __ldg(p + 2), d = __ldg(p + 3);
    s0 = fnv(fnv(s0, a.x), c.x); s1 = fnv(fnv(s1, a.y), c.y); s2 = fnv(fnv(s2, a.z), c.z); s3 = fnv(fnv(s3, a.w), c.w);
    s4 = fnv(fnv(s4, b.x), d.x); s5 = fnv(fnv(s5, b.y), d.y); s6 = fnv(fnv(s6, b.z), d.z); s7 = fnv(fnv(s7, b.w), d.w);
    unsigned int t = s0; s0 = s1; s1 = s2; s2 = s3; s3 = s4; s4 = s5; s5 = s6; s6 = s7; s7 = t;
  }
  if ((s0 ^ s3 ^ s5 ^ s7) < target) atomicAdd(hits, 1u);
}
"""

SRC["arx"] = HEAD + r"""
#define G(a, b, c, d, x, y)                          \
  a = a + b + (x); d = ROTR32(d ^ a, 16);            \
  c = c + d;       b = ROTR32(b ^ c, 12);            \
  a = a + b + (y); d = ROTR32(d ^ a, 8);             \
  c = c + d;       b = ROTR32(b ^ c, 7);
extern "C" __global__ void hash(unsigned long long nonce0, int iters, unsigned int target, unsigned int* hits) {
  unsigned long long n = nonce_of(nonce0);
  unsigned int m0 = (unsigned int)n, m1 = (unsigned int)(n >> 32) ^ 0x5BE0CD19u;
  unsigned int v0 = 0x6A09E667u, v1 = 0xBB67AE85u, v2 = 0x3C6EF372u, v3 = 0xA54FF53Au;
  unsigned int v4 = 0x510E527Fu, v5 = 0x9B05688Cu, v6 = 0x1F83D9ABu, v7 = 0x5BE0CD19u;
  unsigned int v8 = 0x6A09E667u ^ m0, v9 = 0xBB67AE85u, v10 = 0x3C6EF372u ^ m1, v11 = 0xA54FF53Au;
  unsigned int v12 = 0x510E527Fu, v13 = 0x9B05688Cu, v14 = 0x1F83D9ABu, v15 = 0x5BE0CD19u;
  for (int r = 0; r < iters; ++r) {
    G(v0, v4, v8, v12, m0, m1); G(v1, v5, v9, v13, m1, m0); G(v2, v6, v10, v14, m0 ^ r, m1);
    G(v3, v7, v11, v15, m1, m0 + r);
    G(v0, v5, v10, v15, m0, m1); G(v1, v6, v11, v12, m1, m0); G(v2, v7, v8, v13, m0, m1 ^ r);
    G(v3, v4, v9, v14, m1 + r, m0);
    m0 += v0 ^ v8; m1 ^= v5 + v13;
  }
  if ((v0 ^ v8 ^ v15) < target) atomicAdd(hits, 1u);
}
"""

SRC["keccak"] = HEAD + r"""
__constant__ unsigned long long RC[24] = { %RC% };
extern "C" __global__ void hash(unsigned long long nonce0, int iters, unsigned int target, unsigned int* hits) {
  // rho offsets indexed x + 5y
  const int R[25] = {0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14};
  unsigned long long n = nonce_of(nonce0);
  unsigned long long a[25], b[25], c[5];
#pragma unroll
  for (int i = 0; i < 25; ++i) a[i] = (n + i) * 0x9E3779B97F4A7C15ull ^ (0xD6E8FEB86659FD93ull >> i);
  for (int r = 0; r < iters; ++r) {
#pragma unroll
    for (int x = 0; x < 5; ++x) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
#pragma unroll
    for (int x = 0; x < 5; ++x) {
      unsigned long long d = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
#pragma unroll
      for (int y = 0; y < 25; y += 5) a[x + y] ^= d;
    }
#pragma unroll
    for (int x = 0; x < 5; ++x)
#pragma unroll
      for (int y = 0; y < 5; ++y) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl64(a[x + 5 * y], R[x + 5 * y]);
#pragma unroll
    for (int y = 0; y < 25; y += 5)
#pragma unroll
      for (int x = 0; x < 5; ++x) a[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y]);
    a[0] ^= RC[r % 24];
  }
  if ((unsigned int)(a[0] ^ a[12]) < target) atomicAdd(hits, 1u);
}
""".replace("%RC%", _consts(24, 0x4B656363, 64))

SRC["sha"] = HEAD + r"""
__constant__ unsigned int K[64] = { %K% };
extern "C" __global__ void hash(unsigned long long nonce0, int iters, unsigned int target, unsigned int* hits) {
  unsigned long long n = nonce_of(nonce0);
  unsigned int H[8] = {0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au, 0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u};
  unsigned int w[16];
#pragma unroll
  for (int i = 0; i < 16; ++i) w[i] = (unsigned int)(n >> (i & 1 ? 32 : 0)) ^ (0x243F6A88u * (i + 1));
  for (int it = 0; it < iters; ++it) {
    unsigned int a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
#pragma unroll
    for (int i = 0; i < 64; ++i) {
      if (i >= 16) {
        unsigned int x = w[(i + 1) & 15], y = w[(i + 14) & 15];
        unsigned int s0 = ROTR32(x, 7) ^ ROTR32(x, 18) ^ (x >> 3);
        unsigned int s1 = ROTR32(y, 17) ^ ROTR32(y, 19) ^ (y >> 10);
        w[i & 15] += s0 + w[(i + 9) & 15] + s1;
      }
      unsigned int S1 = ROTR32(e, 6) ^ ROTR32(e, 11) ^ ROTR32(e, 25);
      unsigned int t1 = h + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i & 15];
      unsigned int S0 = ROTR32(a, 2) ^ ROTR32(a, 13) ^ ROTR32(a, 22);
      unsigned int t2 = S0 + ((a & b) ^ (a & c) ^ (b & c));
      h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
#pragma unroll
    for (int i = 0; i < 8; ++i) { w[i] = H[i]; w[i + 8] ^= H[i] + it; }
  }
  if (H[0] < target) atomicAdd(hits, 1u);
}
""".replace("%K%", _consts(64, 0x53484132, 32))

SRC["mulxs"] = HEAD + r"""
__device__ __forceinline__ unsigned long long mx(unsigned long long x) {
  x ^= x >> 31; x *= 0x7FB5D329728EA185ull;
  x ^= x >> 27; x *= 0x81DADEF4BC2DD44Dull;
  x ^= x >> 33; return x;
}
extern "C" __global__ void hash(unsigned long long nonce0, int iters, unsigned int target, unsigned int* hits) {
  unsigned long long n = nonce_of(nonce0);
  unsigned long long a = n, b = n ^ 0xA0761D6478BD642Full, c = n + 0xE7037ED1A0B428DBull, d = ~n;
  for (int r = 0; r < iters; ++r) {
    a = mx(a + d); b = mx(b ^ a); c = mx(c + b); d = mx(d ^ c);
  }
  if ((unsigned int)(a ^ b ^ c ^ d) < target) atomicAdd(hits, 1u);
}
"""

SRC["matrix"] = HEAD + r"""
// M: 64x64 bytes, each 0..15, as 1024 words (row i = words 16i..16i+15).
extern "C" __global__ void hash(const unsigned int* __restrict__ M, unsigned long long nonce0, int iters,
                                unsigned int target, unsigned int* hits) {
  __shared__ unsigned int Ms[1024];
  for (int t = threadIdx.x; t < 1024; t += blockDim.x) Ms[t] = M[t];
  __syncthreads();
  unsigned long long n = nonce_of(nonce0);
  unsigned long long s[4] = {n * 0x9E3779B97F4A7C15ull, n ^ 0xC2B2AE3D27D4EB4Full, ~n * 0x165667B19E3779F9ull, n + 0x27D4EB2F165667C5ull};
  for (int it = 0; it < iters; ++it) {
    unsigned int v[16];  // the state's 64 nibbles, four a word, one a byte
#pragma unroll
    for (int k = 0; k < 16; ++k) {
      unsigned int x = (unsigned int)(s[k / 4] >> (16 * (k % 4))) & 0xFFFFu;
      v[k] = (x & 0xFu) | ((x >> 4) & 0xFu) << 8 | ((x >> 8) & 0xFu) << 16 | ((x >> 12) & 0xFu) << 24;
    }
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      unsigned long long acc = 0;
      for (int i = 0; i < 16; ++i) {
        const unsigned int* row = Ms + (q * 16 + i) * 16;
        unsigned int sum = 0;
#pragma unroll
        for (int k = 0; k < 16; ++k) sum = __dp4a(row[k], v[k], sum);
        acc |= (unsigned long long)((sum >> 10) & 0xFu) << (4 * i);
      }
      s[q] ^= acc;
    }
    s[0] += rotl64(s[3], 17) * 0x9E3779B97F4A7C15ull; s[1] ^= s[0]; s[2] += s[1]; s[3] ^= rotl64(s[2], 29);
  }
  if ((unsigned int)(s[0] ^ s[2]) < target) atomicAdd(hits, 1u);
}
"""

SRC["mixed"] = HEAD + r"""
__device__ __forceinline__ unsigned int mathop(unsigned int a, unsigned int b, unsigned int sel) {
  switch (sel % 11u) {
    case 0: return a + b;
    case 1: return a * b;
    case 2: return __umulhi(a, b);
    case 3: return min(a, b);
    case 4: return ROTL32(a, b);
    case 5: return ROTR32(a, b);
    case 6: return a & b;
    case 7: return a | b;
    case 8: return a ^ b;
    case 9: return __clz(a) + __clz(b);
    default: return __popc(a) + __popc(b);
  }
}
// dag: table of uint4, mask = entries - 1; the first 16 KiB also fill a per-block cache.
extern "C" __global__ void hash(const uint4* __restrict__ dag, unsigned long long mask,
                                unsigned long long nonce0, int iters, unsigned int target,
                                unsigned int* hits) {
  __shared__ unsigned int cache[4096];
  const unsigned int* dw = (const unsigned int*)dag;
  for (int t = threadIdx.x; t < 4096; t += blockDim.x) cache[t] = dw[t];
  __syncthreads();
  unsigned long long n = nonce_of(nonce0);
  unsigned int r0 = (unsigned int)n ^ 0x1234567u, r1 = (unsigned int)(n >> 32) + 0x89ABCDEu;
  unsigned int m0 = fnv(0x811C9DC5u, r0), m1 = fnv(m0, r1), m2 = fnv(m1, 7u), m3 = fnv(m2, 11u);
  for (int i = 0; i < iters; ++i) {
    // the round's "program": an xorshift stream picks operations and operands
    r0 ^= r0 << 13; r0 ^= r0 >> 17; r0 ^= r0 << 5;
    m0 = mathop(m0, cache[(m1 ^ r0) & 4095u], r0);
    m1 = mathop(m1, m2, r0 >> 8) * 33u + m3;
    m2 = mathop(m2 ^ cache[m3 & 4095u], m0, r0 >> 16);
    m3 = fnv(m3, mathop(m3, m1, r0 >> 24));
    if ((i & 3) == 3) {
      uint4 d = __ldg(dag + ((((unsigned long long)m1 << 32) | (m0 ^ m2)) & mask));
      m0 = fnv(m0, d.x); m1 = fnv(m1, d.y); m2 = fnv(m2, d.z); m3 = fnv(m3, d.w);
    }
  }
  if ((m0 ^ m1 ^ m2 ^ m3) < target) atomicAdd(hits, 1u);
}
"""

TABLE_GIB = {"dag": 4, "mixed": 2}
TARGET = 1 << 20  # a hit about once in 4096 hashes


class PowKernel:
    """What drive() needs of a family: launch(grid, block, iters) runs one grid
    of `iters` rounds a thread; hits (a device counter), hashes and nonce count."""

    def __init__(self, family):
        import cupy as cp
        self.cp = cp
        self.family = family
        self.hits = cp.zeros(1, dtype=cp.uint32)
        self.nonce = 0
        self.hashes = 0

    def launch(self, grid, block, iters):
        raise NotImplementedError

    def calibrate(self, grid, block, target_s):
        """Rounds per launch so that one launch takes about target_s."""
        cp = self.cp
        iters = 4
        for _ in range(6):
            t0 = time.perf_counter()
            self.launch(grid, block, iters)
            cp.cuda.Device().synchronize()
            dt = time.perf_counter() - t0
            iters = max(1, min(1 << 22, int(iters * target_s / max(dt, 1e-5))))
        return iters


class Hasher(PowKernel):
    """One compiled family plus whatever table it reads; launch() runs one grid."""

    def __init__(self, family, src=None):
        super().__init__(family)
        cp = self.cp
        self.kernel = cp.RawKernel(src or SRC[family], "hash")
        self.pre = ()
        if family in TABLE_GIB:
            entries = (TABLE_GIB[family] << 30) // 16  # uint4 entries, a power of two
            self.table = cp.empty(entries * 4, dtype=cp.uint32)
            fill = cp.RawKernel(SRC["dag"], "dag_fill")  # both families read a table made this way
            fill((sms() * 8,), (256,), (self.table, cp.uint64(entries)))
            # dag reads 64-byte pages (4 entries), mixed reads single 16-byte entries
            mask = entries // 4 - 1 if family == "dag" else entries - 1
            self.pre = (self.table, cp.uint64(mask))
        elif family == "matrix":
            import numpy as np
            m = np.random.default_rng(7).integers(0, 16, size=4096, dtype=np.uint8)
            self.pre = (cp.asarray(m).view(cp.uint32),)
        cp.cuda.Device().synchronize()

    def launch(self, grid, block, iters):
        cp = self.cp
        self.kernel((grid,), (block,), self.pre + (cp.uint64(self.nonce), cp.int32(iters),
                                                   cp.uint32(TARGET), self.hits))
        self.nonce += grid * block
        self.hashes += grid * block


def check_variant(variant):
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; one of {', '.join(VARIANTS)}")


def run(family, variant, clock):
    check_variant(variant)
    drive(Hasher(family), variant, clock)


def grid_of(variant):
    """(blocks, threads a block) for a variant: one 64-thread block per SM when low."""
    n_sm = sms()
    return (n_sm, 64) if variant == "low" else (n_sm * 8, 256)


def drive(h, variant, clock):
    """Runs a PowKernel as the variant says until the clock ends (every hashing family)."""
    import cupy as cp
    check_variant(variant)
    family = h.family
    grid, block = grid_of(variant)
    h.launch(grid, block, 1)  # compiles the kernel before the clock starts
    cp.cuda.Device().synchronize()
    clock.ready()
    # poll: launches of about 2 ms, as a pool miner's search loop runs them, not one long grid; short: about
    # 0.3 ms (a few hashes a thread), each waited for, so thousands of launches a second with the host's launch
    # overhead between them (the shared recording's pow_* kernels run one hash a thread a launch like this)
    launch_s = {"throttled": 0.01, "poll": 0.002, "short": 0.0003}.get(variant, 0.03)
    iters = h.calibrate(grid, block, launch_s)
    sync = cp.cuda.Device().synchronize
    found, jobs, job_t = 0, 0, time.time()
    while clock.running():
        if variant == "poll":
            # After every launch the host reads the found-nonce counter back (a small device-to-host copy, which
            # also waits for the launch) and checks it, as a miner polls for shares to submit; every 2 s a new
            # job from the pool moves the nonce range. So the GPU sees short launches with host round trips
            # between them and a trickle of PCIe traffic, where the other variants run long launches back to back.
            h.launch(grid, block, iters)
            hits = int(h.hits.get()[0])
            if hits != found:
                found = hits  # a share to submit
            if time.time() - job_t >= 2.0:
                jobs, job_t = jobs + 1, time.time()
                h.nonce = (jobs << 40) ^ h.nonce
        elif variant in ("full", "low", "short"):
            h.launch(grid, block, iters)
            sync()
        elif variant == "throttled":
            period, duty = 0.3, 0.4
            t0 = time.time()
            while time.time() - t0 < period * duty:
                h.launch(grid, block, iters)
                sync()
            time.sleep(max(0.0, period - (time.time() - t0)))
        else:  # cycling
            t0 = time.time()
            while time.time() - t0 < 4.0 and clock.running():
                h.launch(grid, block, iters)
                sync()
            time.sleep(min(4.0, clock.left()))
    sync()
    extra = f", {jobs} new jobs" if variant == "poll" else ""
    note(f"{family}/{variant}: {h.hashes} hashes, {int(h.hits.get()[0])} hits, {iters} rounds a launch{extra}")
