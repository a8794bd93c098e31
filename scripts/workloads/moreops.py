"""Encryption, k-mer counting, Bloom filters, path tracing and lattice Boltzmann (label 0).

Benign work chosen to resemble mining in pipe terms: the integer pipe busy with
little tensor or fp work (AES, ChaCha20), or memory-bound random access with
integer hashing and atomics (k-mer counting, Bloom filters), beside two fp32
jobs (a path tracer, a lattice-Boltzmann solver) for contrast.

  crypt     AES-128 in CTR mode over a 2 GiB device buffer in place (real key
            schedule from the host, T-tables and S-box in shared memory, 10
            rounds, a thread encrypts many 16-byte blocks, grid-stride); or the
            ChaCha20 stream cipher (RFC 8439 block function, 20 rounds of ARX
            quarter-rounds) over a 2 GiB buffer, a new nonce every pass
  kmer      k-mer counting (k = 31): 2^20 reads of 150 bases (16x coverage of an
            8 Mbase random genome, 0.5 % substitutions, either strand), 2-bit
            packed; a thread a read rolls the 31-mer and its reverse complement
            (64-bit), takes the canonical one, multiply-shift hashes it into a
            2^27-slot open-addressing table (64-bit atomicCAS on the key,
            atomicAdd on the count); the table is cleared every step
  bloom     a blocked Bloom filter (512 MiB, 256-bit blocks, k = 7 bits from two
            64-bit multiply-xorshift hashes): cleared, built from 2^26 keys
            (atomicOr), then 2^27 keys probed (half inserted) and hits counted
  raytrace  a path tracer: 64 spheres on a checkered ground plane, 1920x1080, a
            thread a pixel, 16 samples a launch, diffuse bounces up to 4, a
            per-thread xorshift RNG, fp32 (sqrt, division), accumulated into a
            float4 buffer
  lbm       lattice Boltzmann D2Q9 BGK on a 4096x4096 periodic grid, fp32,
            structure-of-arrays, fused pull-stream + collide, two buffers
            ping-pong (a Taylor-Green vortex)

Each launch is sized to take a few to tens of ms on an H200; a step is as many
launches as make about 50 ms (timed at set-up, before READY). A summary line
(checksums, counts) goes to stderr at the end.
"""

import numpy as np

from common import SPLITMIX_CUDA, aes_sbox, calibrated_launches, cupy_loop, note, repeat_step, sms

# sizes (module constants so a test can shrink them)
AES_BYTES = 2 << 30
CHACHA_BYTES = 2 << 30
KMER_GENOME = 1 << 23
KMER_READS = 1 << 20
KMER_LEN = 150
KMER_ERR = 0.005
KMER_SLOTS = 1 << 27
BLOOM_BYTES = 512 << 20
BLOOM_KEYS = 1 << 26
BLOOM_PROBES = 1 << 27
RT_W, RT_H, RT_SPP = 1920, 1080, 16
LBM_N = 4096


# ---- crypt -------------------------------------------------------------------------------------------------------

def _xtime(b):
    return ((b << 1) ^ 0x1B) & 0xFF if b & 0x80 else b << 1


def _aes_tables():
    """Te0..Te3 (SubBytes + MixColumns of one byte, big-endian words) and the S-box as words: 5 x 256 uint32."""
    sb = aes_sbox()
    te0 = [(_xtime(s) << 24) | (s << 16) | (s << 8) | (_xtime(s) ^ s) for s in sb]

    def ror(x, n):
        return ((x >> n) | (x << (32 - n))) & 0xFFFFFFFF
    return np.array(te0 + [ror(t, 8) for t in te0] + [ror(t, 16) for t in te0] + [ror(t, 24) for t in te0] + sb,
                    dtype=np.uint32)


def _aes128_round_keys(key):
    """FIPS-197 key expansion of a 16-byte key: 44 big-endian words."""
    sb = aes_sbox()
    w = [int.from_bytes(key[4 * i:4 * i + 4], "big") for i in range(4)]
    rcon = 1
    for i in range(4, 44):
        t = w[i - 1]
        if i % 4 == 0:
            t = ((t << 8) | (t >> 24)) & 0xFFFFFFFF  # RotWord
            t = (sb[t >> 24] << 24) | (sb[(t >> 16) & 255] << 16) | (sb[(t >> 8) & 255] << 8) | sb[t & 255]
            t ^= rcon << 24
            rcon = _xtime(rcon)
        w.append(w[i - 4] ^ t)
    return np.array(w, dtype=np.uint32)


CRYPT_SRC = r"""
#define ROTL32(x, n) __funnelshift_l((x), (x), (n))
// XOR of v over the warp into *check, one atomic a warp (blockDim.x a multiple of 32, no thread returned early)
__device__ __forceinline__ void xor_into(unsigned int v, unsigned int* check) {
  for (int o = 16; o > 0; o >>= 1) v ^= __shfl_down_sync(0xFFFFFFFFu, v, o);
  if ((threadIdx.x & 31) == 0) atomicXor(check, v);
}
// AES-128 CTR, in place: block b is XORed with E(k, nonce || ctr0 + b) (128-bit big-endian counter block).
// tabs: Te0, Te1, Te2, Te3, S-box (5 x 256 words); rk: the 44 round-key words
extern "C" __global__ void aes128_ctr(uint4* data, unsigned long long blocks, const unsigned int* __restrict__ tabs,
                                      const unsigned int* __restrict__ rk_in, unsigned long long nonce,
                                      unsigned long long ctr0, unsigned int* check) {
  __shared__ unsigned int T0[256], T1[256], T2[256], T3[256], SB[256], rk[44];
  for (int t = threadIdx.x; t < 256; t += blockDim.x) {
    T0[t] = tabs[t]; T1[t] = tabs[256 + t]; T2[t] = tabs[512 + t]; T3[t] = tabs[768 + t]; SB[t] = tabs[1024 + t];
  }
  for (int t = threadIdx.x; t < 44; t += blockDim.x) rk[t] = rk_in[t];
  __syncthreads();
  unsigned int acc = 0;
  for (unsigned long long b = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; b < blocks;
       b += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long c = ctr0 + b;
    unsigned int s0 = (unsigned int)(nonce >> 32) ^ rk[0], s1 = (unsigned int)nonce ^ rk[1];
    unsigned int s2 = (unsigned int)(c >> 32) ^ rk[2], s3 = (unsigned int)c ^ rk[3];
    unsigned int t0, t1, t2, t3;
#pragma unroll 1
    for (int r = 1; r < 10; ++r) {  // SubBytes + ShiftRows + MixColumns + AddRoundKey through the T-tables
      t0 = T0[s0 >> 24] ^ T1[(s1 >> 16) & 255u] ^ T2[(s2 >> 8) & 255u] ^ T3[s3 & 255u] ^ rk[4 * r];
      t1 = T0[s1 >> 24] ^ T1[(s2 >> 16) & 255u] ^ T2[(s3 >> 8) & 255u] ^ T3[s0 & 255u] ^ rk[4 * r + 1];
      t2 = T0[s2 >> 24] ^ T1[(s3 >> 16) & 255u] ^ T2[(s0 >> 8) & 255u] ^ T3[s1 & 255u] ^ rk[4 * r + 2];
      t3 = T0[s3 >> 24] ^ T1[(s0 >> 16) & 255u] ^ T2[(s1 >> 8) & 255u] ^ T3[s2 & 255u] ^ rk[4 * r + 3];
      s0 = t0; s1 = t1; s2 = t2; s3 = t3;
    }
    // the last round has no MixColumns
    t0 = (SB[s0 >> 24] << 24) ^ (SB[(s1 >> 16) & 255u] << 16) ^ (SB[(s2 >> 8) & 255u] << 8) ^ SB[s3 & 255u] ^ rk[40];
    t1 = (SB[s1 >> 24] << 24) ^ (SB[(s2 >> 16) & 255u] << 16) ^ (SB[(s3 >> 8) & 255u] << 8) ^ SB[s0 & 255u] ^ rk[41];
    t2 = (SB[s2 >> 24] << 24) ^ (SB[(s3 >> 16) & 255u] << 16) ^ (SB[(s0 >> 8) & 255u] << 8) ^ SB[s1 & 255u] ^ rk[42];
    t3 = (SB[s3 >> 24] << 24) ^ (SB[(s0 >> 16) & 255u] << 16) ^ (SB[(s1 >> 8) & 255u] << 8) ^ SB[s2 & 255u] ^ rk[43];
    uint4 d = data[b];  // little-endian words: the keystream's big-endian words byte-swapped
    d.x ^= __byte_perm(t0, 0u, 0x0123); d.y ^= __byte_perm(t1, 0u, 0x0123);
    d.z ^= __byte_perm(t2, 0u, 0x0123); d.w ^= __byte_perm(t3, 0u, 0x0123);
    data[b] = d;
    acc ^= d.x ^ d.y ^ d.z ^ d.w;
  }
  xor_into(acc, check);
}
#define QR(a, b, c, d)                      \
  a += b; d ^= a; d = ROTL32(d, 16);        \
  c += d; b ^= c; b = ROTL32(b, 12);        \
  a += b; d ^= a; d = ROTL32(d, 8);         \
  c += d; b ^= c; b = ROTL32(b, 7);
// ChaCha20 (RFC 8439), in place: 64-byte block b is XORed with the block function of (key, ctr0 + b, nonce)
extern "C" __global__ void chacha20(uint4* data, unsigned long long blocks, const unsigned int* __restrict__ key,
                                    unsigned int ctr0, unsigned int n0, unsigned int n1, unsigned int n2,
                                    unsigned int* check) {
  const unsigned int k0 = key[0], k1 = key[1], k2 = key[2], k3 = key[3], k4 = key[4], k5 = key[5], k6 = key[6],
                     k7 = key[7];
  unsigned int acc = 0;
  for (unsigned long long b = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; b < blocks;
       b += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned int ctr = ctr0 + (unsigned int)b;
    unsigned int x0 = 0x61707865u, x1 = 0x3320646Eu, x2 = 0x79622D32u, x3 = 0x6B206574u;
    unsigned int x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7;
    unsigned int x12 = ctr, x13 = n0, x14 = n1, x15 = n2;
    for (int r = 0; r < 10; ++r) {  // 20 rounds: a column round and a diagonal round each time
      QR(x0, x4, x8, x12) QR(x1, x5, x9, x13) QR(x2, x6, x10, x14) QR(x3, x7, x11, x15)
      QR(x0, x5, x10, x15) QR(x1, x6, x11, x12) QR(x2, x7, x8, x13) QR(x3, x4, x9, x14)
    }
    uint4* p = data + 4 * b;
    uint4 d0 = p[0], d1 = p[1], d2 = p[2], d3 = p[3];
    d0.x ^= x0 + 0x61707865u; d0.y ^= x1 + 0x3320646Eu; d0.z ^= x2 + 0x79622D32u; d0.w ^= x3 + 0x6B206574u;
    d1.x ^= x4 + k0; d1.y ^= x5 + k1; d1.z ^= x6 + k2; d1.w ^= x7 + k3;
    d2.x ^= x8 + k4; d2.y ^= x9 + k5; d2.z ^= x10 + k6; d2.w ^= x11 + k7;
    d3.x ^= x12 + ctr; d3.y ^= x13 + n0; d3.z ^= x14 + n1; d3.w ^= x15 + n2;
    p[0] = d0; p[1] = d1; p[2] = d2; p[3] = d3;
    acc ^= d0.x ^ d1.y ^ d2.z ^ d3.w;
  }
  xor_into(acc, check);
}
"""


def _words(cp, nbytes):
    """A device buffer of nbytes (a multiple of 64) of non-trivial uint32 words."""
    data = cp.arange(nbytes // 4, dtype=cp.uint32)
    data *= cp.uint32(2654435761)
    return data


def crypt(variant, clock):
    import cupy as cp
    mod = cp.RawModule(code=CRYPT_SRC)
    grid, block = sms() * 8, 256
    check = cp.zeros(1, dtype=cp.uint32)
    rng = np.random.default_rng(0xC0FFEE)
    done = [0]  # bytes encrypted
    if variant == "aes_ctr":
        nbytes = AES_BYTES
        data = _words(cp, nbytes)
        tabs = cp.asarray(_aes_tables())
        rk = cp.asarray(_aes128_round_keys(bytes(rng.integers(0, 256, 16, dtype=np.uint8))))
        nonce = int(rng.integers(0, 1 << 63, dtype=np.int64))
        kern = mod.get_function("aes128_ctr")
        blocks = nbytes // 16

        def launch():  # the next 2 GiB of one long CTR stream
            kern((grid,), (block,), (data, cp.uint64(blocks), tabs, rk, cp.uint64(nonce),
                                     cp.uint64((done[0] // 16) % (1 << 64)), check))
            done[0] += nbytes
    elif variant == "chacha20":
        nbytes = CHACHA_BYTES
        data = _words(cp, nbytes)
        key = cp.asarray(rng.integers(0, 1 << 32, 8, dtype=np.uint64).astype(np.uint32))
        kern = mod.get_function("chacha20")
        blocks = nbytes // 64

        def launch():  # a new message: nonce (pass number, 0x4A, salt), counter from 1
            kern((grid,), (block,), (data, cp.uint64(blocks), key, cp.uint32(1), cp.uint32((done[0] // nbytes) & 0xFFFFFFFF),
                                     cp.uint32(0x4A), cp.uint32(0x5EED), check))
            done[0] += nbytes
    else:
        raise ValueError(f"unknown variant {variant!r}")
    n, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, n), clock)
    note(f"crypt/{variant}: {done[0] / 2**30:.0f} GiB encrypted, check {int(check[0]):08x}, "
         f"{per * 1e3:.1f} ms a {nbytes >> 20} MiB pass, {n} a step")


# ---- kmer --------------------------------------------------------------------------------------------------------

KMER_SRC = r"""
#define K 31
#define EMPTY 0xFFFFFFFFFFFFFFFFull
#define MAX_PROBES 4096
// reads: `len` bases each, 2-bit codes (A C G T = 0 1 2 3), 16 a word from the low bits, read r from base r * len.
// Each canonical 31-mer (the smaller of it and its reverse complement) is counted in an open-addressing table:
// slot = multiply-shift hash (top bits of key * golden), linear probing, atomicCAS to claim, atomicAdd to count.
extern "C" __global__ void count_kmers(const unsigned int* __restrict__ packed, unsigned int nreads, int len,
                                       unsigned long long* keys, unsigned int* counts, unsigned long long mask,
                                       int shift, unsigned long long* stats) {
  const unsigned long long KMASK = (1ull << (2 * K)) - 1;
  unsigned long long probes = 0, dropped = 0;
  for (unsigned int r = blockIdx.x * blockDim.x + threadIdx.x; r < nreads; r += gridDim.x * blockDim.x) {
    unsigned long long g = (unsigned long long)r * len;
    unsigned int w = packed[g >> 4] >> ((g & 15) * 2);
    unsigned long long fwd = 0, rev = 0;
    for (int i = 0; i < len; ++i, ++g) {
      if ((g & 15) == 0) w = packed[g >> 4];
      const unsigned int b = w & 3u;
      w >>= 2;
      fwd = ((fwd << 2) | b) & KMASK;
      rev = (rev >> 2) | ((unsigned long long)(b ^ 3u) << (2 * K - 2));
      if (i < K - 1) continue;
      const unsigned long long kmer = fwd < rev ? fwd : rev;
      unsigned long long s = (kmer * 0x9E3779B97F4A7C15ull) >> shift;
      for (int p = 0;; ++p) {
        const unsigned long long prev = atomicCAS(&keys[s], EMPTY, kmer);
        if (prev == EMPTY || prev == kmer) {
          atomicAdd(&counts[s], 1u);
          probes += p + 1;
          break;
        }
        if (p == MAX_PROBES) {  // a full table: not with the sizes used, but never an endless loop
          ++dropped;
          break;
        }
        s = (s + 1) & mask;
      }
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    probes += __shfl_down_sync(0xFFFFFFFFu, probes, o);
    dropped += __shfl_down_sync(0xFFFFFFFFu, dropped, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&stats[0], probes);
    if (dropped) atomicAdd(&stats[1], dropped);
  }
}
"""


def _reads(cp):
    """Reads sampled from a random genome (either strand, substitutions), 2-bit packed 16 a uint32 word."""
    rs = cp.random.RandomState(31)
    genome = rs.randint(0, 4, KMER_GENOME, dtype=cp.int32).astype(cp.uint8)
    starts = rs.randint(0, KMER_GENOME - KMER_LEN + 1, KMER_READS, dtype=cp.int32)
    reads = genome[starts[:, None] + cp.arange(KMER_LEN, dtype=cp.int32)[None, :]]  # (reads, len) uint8
    del genome, starts
    err = rs.random_sample((KMER_READS, KMER_LEN), dtype=cp.float32) < KMER_ERR
    sub = rs.randint(1, 4, (KMER_READS, KMER_LEN), dtype=cp.int32).astype(cp.uint8)  # xor 1..3: another base
    reads ^= err.astype(cp.uint8) * sub
    del err, sub
    minus = rs.random_sample(KMER_READS, dtype=cp.float32) < 0.5  # reverse-complement strand
    reads = cp.where(minus[:, None], reads[:, ::-1] ^ cp.uint8(3), reads)
    flat = cp.ascontiguousarray(reads).ravel()
    del reads, minus
    flat = cp.concatenate([flat, cp.zeros(16 + (-flat.size) % 16, dtype=cp.uint8)])  # whole words, one spare
    shifts = cp.arange(0, 32, 2, dtype=cp.uint32)
    return (flat.reshape(-1, 16).astype(cp.uint32) << shifts[None, :]).sum(axis=1, dtype=cp.uint32)


def kmer(variant, clock):
    if variant != "k31":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    packed = _reads(cp)
    slots = KMER_SLOTS
    keys = cp.empty(slots, dtype=cp.uint64)
    counts = cp.empty(slots, dtype=cp.uint32)
    stats = cp.zeros(2, dtype=cp.uint64)
    kern = cp.RawKernel(KMER_SRC, "count_kmers")
    grid, block = sms() * 8, 256
    shift = 64 - (slots.bit_length() - 1)
    passes = [0]

    def clear():
        keys.view(cp.int64).fill(-1)  # EMPTY
        counts.fill(0)

    def launch():  # every read's k-mers into the table once
        kern((grid,), (block,), (packed, cp.uint32(KMER_READS), cp.int32(KMER_LEN), keys, counts,
                                 cp.uint64(slots - 1), cp.int32(shift), stats))
        passes[0] += 1
    clear()
    n, per = calibrated_launches(launch, 32)
    cupy_loop(repeat_step(launch, n, clear), clock)
    distinct = int(cp.count_nonzero(counts))
    total = int(counts.sum(dtype=cp.uint64))
    per_pass = KMER_READS * (KMER_LEN - 30)
    note(f"kmer/{variant}: {passes[0]} passes of {per_pass} k-mers, last step {total} counted into {distinct} "
         f"distinct (load {distinct / slots:.2f}), {int(stats[0]) / max(1, passes[0] * per_pass):.2f} probes a k-mer, "
         f"{int(stats[1])} dropped, {per * 1e3:.1f} ms a pass, {n} a step")


# ---- bloom -------------------------------------------------------------------------------------------------------

BLOOM_SRC = SPLITMIX_CUDA + r"""
// keys[i] = splitmix(i + seed); with inserted > 0 (a power of two), odd i instead take inserted key
// splitmix(j + seed), j a scrambled i / 2 < inserted, and even i a key never inserted, splitmix(i + other)
extern "C" __global__ void make_keys(unsigned long long* keys, unsigned long long n, unsigned long long seed,
                                     unsigned long long other, unsigned long long inserted) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    if (inserted == 0) keys[i] = splitmix(i + seed);
    else if (i & 1) keys[i] = splitmix((((i >> 1) * 0xD1342543DE82EF95ull) & (inserted - 1)) + seed);
    else keys[i] = splitmix(i + other);
  }
}
// two multiply-xorshift hashes: h1 picks the 256-bit block, h2 the k = 7 bits in it (double hashing)
__device__ __forceinline__ unsigned long long bloom_mask(unsigned long long key, int block_shift, unsigned int* m) {
  unsigned long long h1 = key, h2 = key ^ 0x5851F42D4C957F2Dull;
  h1 ^= h1 >> 33; h1 *= 0xFF51AFD7ED558CCDull; h1 ^= h1 >> 33; h1 *= 0xC4CEB9FE1A85EC53ull; h1 ^= h1 >> 33;
  h2 ^= h2 >> 32; h2 *= 0xD6E8FEB86659FD93ull; h2 ^= h2 >> 32; h2 *= 0xD6E8FEB86659FD93ull; h2 ^= h2 >> 32;
  const unsigned int a = (unsigned int)h2, b = (unsigned int)(h2 >> 32) | 1u;
#pragma unroll
  for (int w = 0; w < 8; ++w) m[w] = 0u;
#pragma unroll
  for (int i = 0; i < 7; ++i) {
    const unsigned int pos = (a + (unsigned int)i * b) >> 24;
#pragma unroll
    for (int w = 0; w < 8; ++w) m[w] |= (pos >> 5) == (unsigned int)w ? 1u << (pos & 31u) : 0u;
  }
  return h1 >> block_shift;
}
extern "C" __global__ void bloom_build(const unsigned long long* __restrict__ keys, unsigned long long n,
                                       int block_shift, unsigned int* filter) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned int m[8];
    unsigned int* f = filter + 8 * bloom_mask(keys[i], block_shift, m);
#pragma unroll
    for (int w = 0; w < 8; ++w)
      if (m[w]) atomicOr(f + w, m[w]);
  }
}
// a key hits if all its bits are set: one 32-byte block read (two uint4) a key
extern "C" __global__ void bloom_probe(const unsigned long long* __restrict__ keys, unsigned long long n,
                                       int block_shift, const uint4* __restrict__ filter, unsigned long long* hits) {
  unsigned int found = 0;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned int m[8];
    const uint4* f = filter + 2 * bloom_mask(keys[i], block_shift, m);
    const uint4 lo = f[0], hi = f[1];
    found += ((lo.x & m[0]) == m[0]) & ((lo.y & m[1]) == m[1]) & ((lo.z & m[2]) == m[2]) & ((lo.w & m[3]) == m[3]) &
             ((hi.x & m[4]) == m[4]) & ((hi.y & m[5]) == m[5]) & ((hi.z & m[6]) == m[6]) & ((hi.w & m[7]) == m[7]);
  }
  for (int o = 16; o > 0; o >>= 1) found += __shfl_down_sync(0xFFFFFFFFu, found, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(hits, (unsigned long long)found);
}
"""


def bloom(variant, clock):
    if variant != "build_probe":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=BLOOM_SRC)
    make, build, probe = (mod.get_function(k) for k in ("make_keys", "bloom_build", "bloom_probe"))
    grid, block = sms() * 8, 256
    nblocks = BLOOM_BYTES // 32
    block_shift = 64 - (nblocks.bit_length() - 1)
    seed = 0x0123456789ABCDEF
    other = seed + (1 << 40)  # splitmix inputs never used for an inserted key
    keys = cp.empty(BLOOM_KEYS, dtype=cp.uint64)
    probes = cp.empty(BLOOM_PROBES, dtype=cp.uint64)
    make((grid,), (block,), (keys, cp.uint64(BLOOM_KEYS), cp.uint64(seed), cp.uint64(seed), cp.uint64(0)))
    make((grid,), (block,), (probes, cp.uint64(BLOOM_PROBES), cp.uint64(seed), cp.uint64(other),
                             cp.uint64(BLOOM_KEYS)))
    filt = cp.empty(BLOOM_BYTES // 4, dtype=cp.uint32)
    hits = cp.zeros(1, dtype=cp.uint64)
    cycles = [0]

    def launch():  # clear, build, probe
        filt.fill(0)
        build((grid,), (block,), (keys, cp.uint64(BLOOM_KEYS), cp.int32(block_shift), filt))
        probe((grid,), (block,), (probes, cp.uint64(BLOOM_PROBES), cp.int32(block_shift), filt, hits))
        cycles[0] += 1
    n, per = calibrated_launches(launch, 32)
    cupy_loop(repeat_step(launch, n), clock)
    per_cycle = int(hits[0]) / cycles[0]
    present = BLOOM_PROBES // 2
    note(f"bloom/{variant}: {cycles[0]} build+probe cycles, {per_cycle:.1f} hits a cycle of {BLOOM_PROBES} probes "
         f"({present} inserted: {per_cycle - present:.1f} false positives), {per * 1e3:.1f} ms a cycle, {n} a step")


# ---- raytrace ----------------------------------------------------------------------------------------------------

MAX_SPHERES = 64

RAYTRACE_SRC = r"""
#define MAX_SPHERES %MAXS%
__device__ __forceinline__ float rnd(unsigned int& s) {  // xorshift32, 24 bits into [0, 1)
  s ^= s << 13; s ^= s >> 17; s ^= s << 5;
  return (float)(s >> 8) * (1.0f / 16777216.0f);
}
// spheres: (centre, radius); mats: (albedo rgb, emission). A thread a pixel: `spp` paths of up to 5 segments
// (camera ray, 4 diffuse bounces); the radiance sum and the sample count are added to accum.
extern "C" __global__ void render(const float4* __restrict__ spheres, const float4* __restrict__ mats, int nsph,
                                  int w, int h, int spp, unsigned int frame, float4* accum) {
  __shared__ float4 S[MAX_SPHERES], M[MAX_SPHERES];
  const int tid = threadIdx.y * blockDim.x + threadIdx.x, nt = blockDim.x * blockDim.y;
  for (int t = tid; t < nsph; t += nt) { S[t] = spheres[t]; M[t] = mats[t]; }
  __syncthreads();
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= w || y >= h) return;
  unsigned int seed = ((unsigned int)(y * w + x) * 0x9E3779B9u) ^ (frame * 0x85EBCA6Bu + 0x27D4EB2Fu);
  seed ^= seed >> 16; seed *= 0x7FEB352Du; seed ^= seed >> 15; seed |= 1u;
  const float aspect = (float)w / (float)h, fov = 0.45f;
  float cr = 0.f, cg = 0.f, cb = 0.f;
  for (int s = 0; s < spp; ++s) {
    float ox = 0.f, oy = 1.6f, oz = -9.f;
    float dx = (2.f * ((float)x + rnd(seed)) / (float)w - 1.f) * aspect * fov;
    float dy = (1.f - 2.f * ((float)y + rnd(seed)) / (float)h) * fov - 0.12f;
    float dz = 1.f;
    const float il = rsqrtf(dx * dx + dy * dy + dz * dz);
    dx *= il; dy *= il; dz *= il;
    float tr = 1.f, tg = 1.f, tb = 1.f;
    for (int bounce = 0; bounce < 5; ++bounce) {
      float tmin = 1e30f;
      int hit = -1;
      for (int k = 0; k < nsph; ++k) {
        const float4 c = S[k];
        const float px = ox - c.x, py = oy - c.y, pz = oz - c.z;
        const float b = px * dx + py * dy + pz * dz;
        const float disc = b * b - (px * px + py * py + pz * pz - c.w * c.w);
        if (disc > 0.f) {
          const float t = -b - sqrtf(disc);
          if (t > 1e-4f && t < tmin) { tmin = t; hit = k; }
        }
      }
      if (dy < -1e-6f) {  // the ground plane y = 0
        const float t = -oy / dy;
        if (t > 1e-4f && t < tmin) { tmin = t; hit = nsph; }
      }
      if (hit < 0) {  // the sky
        const float a = 0.5f * (dy + 1.f);
        cr += tr * (1.f - 0.5f * a); cg += tg * (1.f - 0.3f * a); cb += tb;
        break;
      }
      ox += tmin * dx; oy += tmin * dy; oz += tmin * dz;
      float nx, ny, nz, ar, ag, ab, em;
      if (hit == nsph) {
        nx = 0.f; ny = 1.f; nz = 0.f;
        ar = ag = ab = ((((int)floorf(ox) + (int)floorf(oz)) & 1) ? 0.75f : 0.35f);
        em = 0.f;
      } else {
        const float4 c = S[hit], m = M[hit];
        const float ir = 1.f / c.w;
        nx = (ox - c.x) * ir; ny = (oy - c.y) * ir; nz = (oz - c.z) * ir;
        ar = m.x; ag = m.y; ab = m.z; em = m.w;
      }
      cr += tr * ar * em; cg += tg * ag * em; cb += tb * ab * em;
      tr *= ar; tg *= ag; tb *= ab;
      // cosine-weighted: the normal plus a uniform point on the unit sphere
      const float z = 2.f * rnd(seed) - 1.f, phi = 6.2831853f * rnd(seed), rr = sqrtf(fmaxf(0.f, 1.f - z * z));
      float sn, cs;
      __sincosf(phi, &sn, &cs);
      dx = nx + rr * cs; dy = ny + rr * sn; dz = nz + z;
      const float len = sqrtf(dx * dx + dy * dy + dz * dz) + 1e-6f;
      dx = dx / len; dy = dy / len; dz = dz / len;
      ox += 1e-3f * nx; oy += 1e-3f * ny; oz += 1e-3f * nz;
    }
  }
  float4* a = accum + ((unsigned long long)y * w + x);
  float4 v = *a;
  v.x += cr; v.y += cg; v.z += cb; v.w += (float)spp;
  *a = v;
}
""".replace("%MAXS%", str(MAX_SPHERES))


def _scene():
    """64 spheres resting on the plane on a jittered 8 x 8 grid, 6 of them lights: (centre, radius), (albedo, emission)."""
    rng = np.random.default_rng(64)
    sph, mat = [], []
    for i in range(8):
        for j in range(8):
            r = rng.uniform(0.3, 0.8)
            sph.append((-7.0 + 2.0 * i + rng.uniform(-0.3, 0.3), r, 2.0 * j + rng.uniform(-0.3, 0.3), r))
            mat.append((*rng.uniform(0.2, 0.9, 3), 0.0))
    for k in rng.choice(64, 6, replace=False):
        mat[k] = (1.0, 0.9, 0.7, 4.0)
    return np.array(sph, dtype=np.float32), np.array(mat, dtype=np.float32)


def raytrace(variant, clock):
    if variant != "path":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    kern = cp.RawKernel(RAYTRACE_SRC, "render")
    sph, mat = _scene()
    assert len(sph) <= MAX_SPHERES
    spheres, mats = cp.asarray(sph), cp.asarray(mat)
    accum = cp.zeros((RT_H, RT_W, 4), dtype=cp.float32)
    bx, by = 16, 16
    grid = ((RT_W + bx - 1) // bx, (RT_H + by - 1) // by)
    frame = [0]

    def launch():  # RT_SPP more samples a pixel, progressive
        kern(grid, (bx, by), (spheres, mats, cp.int32(len(sph)), cp.int32(RT_W), cp.int32(RT_H), cp.int32(RT_SPP),
                              cp.uint32(frame[0] & 0xFFFFFFFF), accum))
        frame[0] += 1
    n, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, n), clock)
    samples = float(accum[:, :, 3].sum(dtype=cp.float64))
    mean = float(accum[:, :, :3].sum(dtype=cp.float64)) / (3 * max(samples, 1.0))
    note(f"raytrace/{variant}: {frame[0]} frames of {RT_W}x{RT_H} at {RT_SPP} spp, mean radiance {mean:.4f}, "
         f"{per * 1e3:.1f} ms a frame, {n} a step")


# ---- lbm ---------------------------------------------------------------------------------------------------------

LBM_SRC = r"""
// D2Q9 velocities e_q: (0,0) (1,0) (0,1) (-1,0) (0,-1) (1,1) (-1,1) (-1,-1) (1,-1); weights 4/9, 1/9 x 4, 1/36 x 4.
// f: 9 planes of nx * ny floats (structure of arrays), periodic in x and y
__device__ __forceinline__ void equilibrium(float rho, float ux, float uy, float* e) {
  const float usq = 1.5f * (ux * ux + uy * uy), a = ux + uy, b = uy - ux;
  const float w0 = rho * (4.f / 9.f), w1 = rho * (1.f / 9.f), w2 = rho * (1.f / 36.f);
  e[0] = w0 * (1.f - usq);
  e[1] = w1 * (1.f + 3.f * ux + 4.5f * ux * ux - usq);
  e[2] = w1 * (1.f + 3.f * uy + 4.5f * uy * uy - usq);
  e[3] = w1 * (1.f - 3.f * ux + 4.5f * ux * ux - usq);
  e[4] = w1 * (1.f - 3.f * uy + 4.5f * uy * uy - usq);
  e[5] = w2 * (1.f + 3.f * a + 4.5f * a * a - usq);
  e[6] = w2 * (1.f + 3.f * b + 4.5f * b * b - usq);
  e[7] = w2 * (1.f - 3.f * a + 4.5f * a * a - usq);
  e[8] = w2 * (1.f - 3.f * b + 4.5f * b * b - usq);
}
// a Taylor-Green vortex at rest density: f = equilibrium
extern "C" __global__ void lbm_init(float* f, int nx, int ny, float u0) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= nx || y >= ny) return;
  const float kx = 6.2831853f / (float)nx, ky = 6.2831853f / (float)ny;
  const float ux = u0 * sinf(kx * x) * cosf(ky * y), uy = -u0 * cosf(kx * x) * sinf(ky * y);
  float e[9];
  equilibrium(1.f, ux, uy, e);
  const unsigned long long n = (unsigned long long)nx * ny, i = (unsigned long long)y * nx + x;
#pragma unroll
  for (int q = 0; q < 9; ++q) f[q * n + i] = e[q];
}
// one time step: pull-stream from the neighbours in src, BGK collision, write dst
extern "C" __global__ void lbm_step(const float* __restrict__ src, float* __restrict__ dst, int nx, int ny,
                                    float omega) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= nx || y >= ny) return;
  const int xm = x == 0 ? nx - 1 : x - 1, xp = x == nx - 1 ? 0 : x + 1;
  const int ym = y == 0 ? ny - 1 : y - 1, yp = y == ny - 1 ? 0 : y + 1;
  const unsigned long long n = (unsigned long long)nx * ny;
  const unsigned long long r = (unsigned long long)y * nx, rm = (unsigned long long)ym * nx,
                           rp = (unsigned long long)yp * nx;
  float f[9];
  f[0] = src[r + x];
  f[1] = src[n + r + xm];
  f[2] = src[2 * n + rm + x];
  f[3] = src[3 * n + r + xp];
  f[4] = src[4 * n + rp + x];
  f[5] = src[5 * n + rm + xm];
  f[6] = src[6 * n + rm + xp];
  f[7] = src[7 * n + rp + xp];
  f[8] = src[8 * n + rp + xm];
  const float rho = f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7] + f[8];
  const float ux = (f[1] - f[3] + f[5] - f[6] - f[7] + f[8]) / rho;
  const float uy = (f[2] - f[4] + f[5] + f[6] - f[7] - f[8]) / rho;
  float e[9];
  equilibrium(rho, ux, uy, e);
  const unsigned long long i = r + x;
#pragma unroll
  for (int q = 0; q < 9; ++q) dst[q * n + i] = f[q] + omega * (e[q] - f[q]);
}
"""


def lbm(variant, clock):
    if variant != "d2q9":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=LBM_SRC)
    init, kern = mod.get_function("lbm_init"), mod.get_function("lbm_step")
    nx = ny = LBM_N
    bufs = [cp.empty(9 * nx * ny, dtype=cp.float32), cp.empty(9 * nx * ny, dtype=cp.float32)]
    bx = 256 if nx >= 256 else nx
    grid, block = ((nx + bx - 1) // bx, ny), (bx, 1)
    init(grid, block, (bufs[0], cp.int32(nx), cp.int32(ny), cp.float32(0.05)))
    omega = cp.float32(1.0 / 0.6)  # tau 0.6
    steps = [0]

    def launch():
        kern(grid, block, (bufs[0], bufs[1], cp.int32(nx), cp.int32(ny), omega))
        bufs.reverse()
        steps[0] += 1
    n, per = calibrated_launches(launch, 512)
    cupy_loop(repeat_step(launch, n), clock)
    mass = float(bufs[0].sum(dtype=cp.float64)) / (nx * ny)
    note(f"lbm/{variant}: {steps[0]} time steps on {nx}x{ny}, mean density {mass:.6f}, "
         f"{per * 1e3:.2f} ms a time step, {n} a step")
