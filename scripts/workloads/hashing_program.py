"""Multi-algorithm chains and random-program VMs (label 1), driven like hashing.py's families.

  chain    X11-like: per nonce, seven different round functions in sequence:
           BLAKE-like ARX, Skein-like 64-bit MIX, an AES-like round through a
           256-entry T-table in shared memory (as GPU Groestl/Echo/Shavite do),
           Keccak-like chi on 64-bit lanes, SHA-like steps, CubeHash-like
           add/rotate/swap, a SIMD-like multiply
  randomx  RandomX-like: each thread interprets its own 64-instruction program
           (new every 16 passes) of 64-bit integer ops (add-shift, mul, mulhi,
           rotate, swap), fp64 ops (add, sub, mul, div, sqrt, fma) and loads and
           stores on a 16 KiB per-thread scratchpad, a conditional branch; after
           each pass a 64-byte read from a 2 GiB dataset and a 64-byte
           scratchpad write. Threads' programs differ, so warps diverge.
"""
from hashing import HEAD, SRC, TARGET, Hasher, PowKernel, _consts, check_variant, drive, grid_of

CHAIN_SRC = HEAD + r"""
__constant__ unsigned int TBOX[256] = { %TBOX% };
#define G(a, b, c, d, x, y)                          \
  a = a + b + (x); d = ROTR32(d ^ a, 16);            \
  c = c + d;       b = ROTR32(b ^ c, 12);            \
  a = a + b + (y); d = ROTR32(d ^ a, 8);             \
  c = c + d;       b = ROTR32(b ^ c, 7);
__device__ __forceinline__ unsigned long long pack(unsigned int lo, unsigned int hi) {
  return ((unsigned long long)hi << 32) | lo;
}
extern "C" __global__ void hash(unsigned long long nonce0, int iters, unsigned int target, unsigned int* hits) {
  __shared__ unsigned int T0[256];
  for (int t = threadIdx.x; t < 256; t += blockDim.x) T0[t] = TBOX[t];
  __syncthreads();
  unsigned long long n = nonce_of(nonce0);
  unsigned int s[16], t[16];
#pragma unroll
  for (int i = 0; i < 16; ++i) s[i] = (unsigned int)(n >> (i & 1 ? 32 : 0)) * (0x9E3779B9u + 2u * i) ^ (0x6A09E667u + i);
  for (int it = 0; it < iters; ++it) {
    // 1. BLAKE-like: G on the columns, then the diagonals
    G(s[0], s[4], s[8], s[12], 0x243F6A88u, it); G(s[1], s[5], s[9], s[13], 0x85A308D3u, s[3]);
    G(s[2], s[6], s[10], s[14], 0x13198A2Eu, s[1]); G(s[3], s[7], s[11], s[15], 0x03707344u, it);
    G(s[0], s[5], s[10], s[15], 0xA4093822u, s[2]); G(s[1], s[6], s[11], s[12], 0x299F31D0u, it);
    G(s[2], s[7], s[8], s[13], 0x082EFA98u, s[0]); G(s[3], s[4], s[9], s[14], 0xEC4E6C89u, it);
    // 2. Skein-like MIX on 64-bit words: add, rotate, xor
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      unsigned long long x = pack(s[4 * q], s[4 * q + 1]), y = pack(s[4 * q + 2], s[4 * q + 3]);
      x += y; y = rotl64(y, 14 + 9 * q) ^ x;
      x += y; y = rotl64(y, 52 - 7 * q) ^ x;
      s[4 * q] = (unsigned int)x; s[4 * q + 1] = (unsigned int)(x >> 32);
      s[4 * q + 2] = (unsigned int)y; s[4 * q + 3] = (unsigned int)(y >> 32);
    }
    // 3. AES-like round: four T-table lookups a word, in shared memory
#pragma unroll
    for (int i = 0; i < 16; ++i)
      t[i] = T0[s[i] & 255u] ^ ROTL32(T0[(s[(i + 1) & 15] >> 8) & 255u], 8) ^
             ROTL32(T0[(s[(i + 2) & 15] >> 16) & 255u], 16) ^ ROTL32(T0[s[(i + 3) & 15] >> 24], 24) ^ (0x63u * i + it);
    // 4. Keccak-like chi and rotations on eight 64-bit lanes
    unsigned long long L[8];
#pragma unroll
    for (int i = 0; i < 8; ++i) L[i] = pack(t[2 * i], t[2 * i + 1]);
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      unsigned long long v = L[i] ^ (~L[(i + 1) & 7] & L[(i + 2) & 7]);
      v = rotl64(v, 7 * i + 1);
      s[2 * i] = (unsigned int)v; s[2 * i + 1] = (unsigned int)(v >> 32);
    }
    s[0] ^= 0x80008089u ^ it;
    // 5. SHA-like: eight steps of sigma, ch, maj over s[0..7] with s[8..15] as the message
    unsigned int a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      unsigned int t1 = h + (ROTR32(e, 6) ^ ROTR32(e, 11) ^ ROTR32(e, 25)) + ((e & f) ^ (~e & g)) + s[8 + i];
      unsigned int t2 = (ROTR32(a, 2) ^ ROTR32(a, 13) ^ ROTR32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    s[0] += a; s[1] += b; s[2] += c; s[3] += d; s[4] += e; s[5] += f; s[6] += g; s[7] += h;
    // 6. CubeHash-like: add across halves, rotate, swap, xor
#pragma unroll
    for (int i = 0; i < 8; ++i) { s[i + 8] += s[i]; s[i] = ROTL32(s[i], 7); }
#pragma unroll
    for (int i = 0; i < 4; ++i) { unsigned int x = s[i]; s[i] = s[i + 4]; s[i + 4] = x; }
#pragma unroll
    for (int i = 0; i < 8; ++i) s[i] ^= s[i + 8];
    // 7. SIMD-like: multiply-add across words
#pragma unroll
    for (int i = 0; i < 16; ++i) s[i] = s[i] * 185u + (s[(i + 5) & 15] >> 3);
  }
  if ((s[0] ^ s[7] ^ s[13]) < target) atomicAdd(hits, 1u);
}
""".replace("%TBOX%", _consts(256, 0x41455354, 32))

RX_PROG = 64
RX_SP_WORDS = 2048   # 16 KiB of 64-bit words a thread
RX_DATASET_GIB = 2

RANDOMX_SRC = HEAD + r"""
#define PROG %PROG%
#define SP_WORDS %SPW%
__device__ __forceinline__ unsigned long long smix(unsigned long long& x) {
  x += 0x9E3779B97F4A7C15ull;
  unsigned long long z = x;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
// the bits as a double with its exponent masked: |v| in [1, 2), never NaN or infinite (as RandomX masks)
__device__ __forceinline__ double unit(unsigned long long x) {
  return __longlong_as_double((x & 0x800FFFFFFFFFFFFFull) | 0x3FF0000000000000ull);
}
// ds: dataset of uint4, pmask = 64-byte pages - 1; scratch: SP_WORDS words a thread
extern "C" __global__ void hash(const uint4* __restrict__ ds, unsigned long long pmask, unsigned long long* scratch,
                                unsigned long long nonce0, int iters, unsigned int target, unsigned int* hits) {
  const unsigned long long t = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;
  unsigned long long* sp = scratch + t * SP_WORDS;
  unsigned long long seed = nonce_of(nonce0) * 0xD1B54A32D192ED03ull;
  unsigned long long r[8];
  double f[4], e[4];
  unsigned int prog[PROG];
#pragma unroll
  for (int i = 0; i < 8; ++i) r[i] = smix(seed);
#pragma unroll
  for (int i = 0; i < 4; ++i) { f[i] = unit(smix(seed)); e[i] = unit(smix(seed)); }
  for (int it = 0; it < iters; ++it) {
    if ((it & 15) == 0) {  // a new program, as each hash (and each program of its chain) brings
      seed ^= r[0] + r[5];
      for (int i = 0; i < PROG; ++i) prog[i] = (unsigned int)smix(seed);
    }
    int branches = 0;
    for (int pc = 0; pc < PROG; ++pc) {
      const unsigned int ins = prog[pc];
      const unsigned int dst = (ins >> 4) & 7u, src = (ins >> 7) & 7u;
      const unsigned long long imm = ins >> 10;
      switch (ins & 15u) {
        case 0: r[dst] += (r[src] << (imm & 3)) + imm; break;
        case 1: r[dst] -= r[src] ^ imm; break;
        case 2: r[dst] *= r[src] | 1ull; break;
        case 3: r[dst] = __umul64hi(r[dst], r[src]); break;
        case 4: r[dst] ^= r[src] + imm; break;
        case 5: r[dst] = rotl64(r[dst], (int)(r[src] & 63)); break;
        case 6: r[dst] += sp[(r[src] ^ imm) & (SP_WORDS - 1)]; break;
        case 7: sp[(r[dst] + imm) & (SP_WORDS - 1)] = r[src]; break;
        case 8: f[dst & 3] += (double)(long long)r[src]; break;
        case 9: f[dst & 3] -= e[src & 3]; break;
        case 10: e[dst & 3] *= f[src & 3]; break;
        case 11: e[dst & 3] /= f[src & 3]; break;
        case 12: e[dst & 3] = sqrt(fabs(e[dst & 3])); break;
        case 13: f[dst & 3] = fma(f[dst & 3], e[src & 3], unit(sp[(r[src] >> 3) & (SP_WORDS - 1)])); break;
        case 14: { unsigned long long x = r[dst]; r[dst] = r[src]; r[src] = x; } break;
        default:  // conditional branch back, at most four taken a pass
          r[dst] += imm | 1ull;
          if ((r[dst] & 0x3F0ull) == 0 && branches < 4) { ++branches; pc = max(pc - 9, -1); }
      }
    }
    // a 64-byte dataset read mixed into the integer registers, then 64 bytes of registers to the scratchpad
    const uint4* p = ds + ((r[0] ^ r[2]) & pmask) * 4;
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      uint4 d = __ldg(p + q);
      r[2 * q] ^= ((unsigned long long)d.y << 32) | d.x;
      r[2 * q + 1] ^= ((unsigned long long)d.w << 32) | d.z;
    }
    const unsigned long long base = r[4] & (SP_WORDS - 8);
#pragma unroll
    for (int k = 0; k < 8; ++k) sp[base + k] = r[k] ^ (unsigned long long)__double_as_longlong(k < 4 ? f[k] : e[k - 4]);
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      f[k] = unit((unsigned long long)__double_as_longlong(f[k]));
      e[k] = unit((unsigned long long)__double_as_longlong(e[k]));
    }
  }
  if ((unsigned int)(r[0] ^ r[7] ^ (unsigned long long)__double_as_longlong(f[0] * e[1])) < target) atomicAdd(hits, 1u);
}
""".replace("%PROG%", str(RX_PROG)).replace("%SPW%", str(RX_SP_WORDS))


class Chain(Hasher):
    def __init__(self, variant):
        super().__init__("chain", CHAIN_SRC)


class RandomX(PowKernel):
    def __init__(self, variant):
        super().__init__("randomx")
        cp = self.cp
        entries = (RX_DATASET_GIB << 30) // 16  # uint4 entries, a power of two
        self.dataset = cp.empty(entries * 4, dtype=cp.uint32)
        fill = cp.RawKernel(SRC["dag"], "dag_fill")
        blocks, threads = grid_of("full")
        fill((blocks,), (threads,), (self.dataset, cp.uint64(entries)))
        self.pmask = cp.uint64(entries // 4 - 1)
        self.scratch = cp.zeros(blocks * threads * RX_SP_WORDS, dtype=cp.uint64)  # room for the largest grid: 4.4 GB
        self.kernel = cp.RawKernel(RANDOMX_SRC, "hash")

    def launch(self, grid, block, iters):
        cp = self.cp
        self.kernel((grid,), (block,), (self.dataset, self.pmask, self.scratch, cp.uint64(self.nonce), cp.int32(iters),
                                        cp.uint32(TARGET), self.hits))
        self.nonce += grid * block
        self.hashes += grid * block * max(1, iters // 16)  # programs run


CLASSES = {"chain": Chain, "randomx": RandomX}


def run(family, variant, clock):
    check_variant(variant)
    drive(CLASSES[family](variant), variant, clock)
