"""Poly1305 MACs of IPsec/TLS-sized records, a SipHash-1-3 hash table of string keys, UTF-8 validation and
transcoding to UTF-16, and samtools-mpileup-style base counting (label 0).

A twentieth set of benign work, four common GPU jobs whose pipe activity resembles hashing (64 x 64 -> 128-bit
multiplies with carries beside 32-bit add-rotate-xor rounds, 64-bit add-rotate-xor hashing feeding atomicCAS claims of
an open-addressing table, byte classification with shift-and-mask decoding, scattered integer atomics), absent from
the project before:

  poly1305    ChaCha20-Poly1305 record authentication (RFC 8439, as IPsec ESP uses it by RFC 7634): 2^22 records of
              64-1500 bytes (IMIX-like: 6/16 of 64-127 bytes, 4/16 of 128-576, 6/16 of 1280-1500; 2.7 GB of ciphertext
              in 16-byte-aligned slots) made on the GPU, each of one of 4096 security associations (a 256-bit ChaCha20
              key and a 32-bit salt from splitmix). A thread a record: its one-time key by ChaCha20's block function
              (the association's key, counter 0, nonce the salt and the 64-bit sequence number: 20 rounds of 32-bit
              add-rotate-xor), r clamped, then Poly1305 over the AEAD MAC data (the 8-byte AAD of SPI and sequence
              number and the ciphertext, each zero-padded to 16-byte blocks, then the two lengths), the ciphertext 16
              bytes a 128-bit load: the 130-bit accumulator in three 64-bit limbs multiplied by r mod 2^130 - 5 the way
              OpenSSL's base 2^64 code does it (five 64 x 64 -> 128-bit products by __umul64hi, adds with carries, 5 x
              the bits above 2^130 folded back), the final reduction and s added mod 2^128, the 16-byte tag to memory.
              64-bit multiply-and-carry chains with ARX rounds; records a launch timed at set-up.
  siphash     a HashDoS-resistant hash table of string keys, keyed by SipHash-1-3 (Rust's HashMap and its RandomState
              key, 128 random bits): 2^24 key rows of 8-64 bytes (URL-safe base64 characters, 8-byte-aligned slots,
              604 MB of keys) made on the GPU from key ids skewed over a vocabulary of 2^22 (Zipf-like duplicates:
              2.36 M distinct keys, the commonest 1174 times), and 2^24 probe rows drawn the same way, an eighth of
              them keys absent from the vocabulary. A thread a key: SipHash-1-3 of its bytes (a 64-bit add-rotate-xor
              round a word, three to finish), linear probing of a 2^23-slot table from the hash's low bits, an empty
              slot claimed by a 64-bit atomicCAS of (row + 1, the hash's top 7 bits: hashbrown's h2 tag), a slot with
              the same tag compared word by word with the claiming row's key (a false tag match in 128 foreign slots),
              then the key's count by atomicAdd (insert-or-count: entry(key).or_insert(0) += 1); then a thread a probe:
              its SipHash, the table walked to the key or an empty slot, the count (0 if absent) to memory, hits by a
              warp ballot, slots visited by a warp sum. Integer hashing, 64-bit CAS and dependent table loads; keys
              (and as many probes) a launch timed at set-up (the table cleared at every pass's start).
  utf8        UTF-8 validation and transcoding to UTF-16 of a text column (Arrow-style offsets): 2^23 strings of 4-100
              characters (about 650 MB) made on the GPU, half in ASCII, a quarter European (Latin-1 and Latin Extended
              letters, Greek, Cyrillic among ASCII), an eighth CJK (CJK ideographs, Hangul, CJK punctuation) and an
              eighth with emoji and symbols (4-byte and 3-byte sequences among ASCII), 16 strings in 1024 with one
              invalid sequence in place of a character (a stray continuation byte, an overlong C0/C1 lead, an encoded
              UTF-16 surrogate, a truncated 3-byte sequence, a code point above U+10FFFF, an F8-FF byte). A thread a
              string validates and counts UTF-16 units: each sequence's length by its lead byte's class, its second
              byte's range (E0, ED, F0, F4 narrowed) and continuation bytes checked, the code point by shift and mask;
              invalid strings flagged (0 units), flagged strings by a warp ballot; the launch's output offsets by
              cupy.cumsum of the counts; then a thread a valid string decodes again and writes its UTF-16 units
              (surrogate pairs above U+FFFF). Byte loads, compares and shift/mask work, divergent; strings a launch
              timed at set-up.
  pileup      samtools-mpileup-style base counting: 2^22 aligned reads of 100-250 bases (coordinate-sorted starts on a
              2^24-base reference made on the GPU, about 43 x deep) made on the GPU: BAM-style CIGARs (an eighth of
              reads soft-clipped at each end by 1-20 bases, 3/8 with 1-3 insertions or deletions of 1-6 bases between M
              runs), bases from the reference with 1 % substitutions and 0.1 % Ns (random in clips and insertions),
              Phred qualities (a sixteenth below 13), MAPQ (1/32 of reads below 20) and duplicate flags (1/64). A
              thread a read passing the filters (not a duplicate, MAPQ >= 20) walks its CIGAR: each M base of quality
              >= 13 (samtools' --min-BQ) counted as A, C, G, T or N at its reference position, each deleted position as
              a deletion, by atomicAdd into 6 uint32 counters a position (384 MiB; neighbouring threads' reads overlap:
              contended atomics); insertions and soft clips skipped. Byte loads, branches and integer atomics; reads a
              launch timed at set-up (the counters cleared at every pass's start).

Self-checks, printed with the summary line (`agree:`): poly1305 compares RFC 8439's Poly1305 vectors (section 2.5.2
and A.3 #5-#11, which exercise the carries and the final reduction) and its ChaCha20 key-generation vectors (section
2.6.2 and A.4) on the GPU and in Python, then after a check pass over every record 256 records (the shortest and the
longest among them) with a Python regeneration of their bytes and with pure-Python big-integer Poly1305 of their AEAD
MAC data under a Python ChaCha20 one-time key; siphash compares SipHash-1-3 (Rust's test_siphash_1_3) and SipHash-2-4
(the paper's) reference vectors on the GPU and in Python, then after a check pass (every key inserted into a clear
table, every probe) the key ids with their regeneration by array operators, every key's count and every probe's count
with cupy.bincount of the ids (one slot a key, absent keys 0), and 64 key and 64 probe rows' bytes and SipHash-1-3
with Python's; utf8, after a check pass over every string as one batch, compares every string's invalid flag with the
generator's draw (regenerated by array operators), every valid string's UTF-16 length with a prefix-sum count of its
lead bytes and 4-byte leads, the flagged and unit totals, and 512 strings and 128 more invalid ones with a Python
regeneration of their bytes and with Python's codecs (bytes.decode('utf-8') raising for the invalid ones,
.encode('utf-16-le') for the rest); pileup compares 64 reads' CIGARs, starts, flags, bases and qualities with a Python
regeneration, and after a check pass over every read the counters' total with the reads' summed counted bases and a
2048-position window's counters with a Python pileup of every read that overlaps it.
"""
import struct

import numpy as np

from common import SKEWED_CUDA, SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, repeat_step, \
    size_launch, skewed_xp, splitmix64, splitmix64_np, splitmix64_xp, wrapping_launch

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1
U64 = np.uint64
U32 = np.uint32

HEAD = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;
typedef unsigned short u16;
#define FULL 0xFFFFFFFFu
""" + SPLITMIX_CUDA + SKEWED_CUDA

# ---- poly1305 ------------------------------------------------------------------------------------------------------
PM_PKTS = 1 << 22          # records
PM_SESS = 4096             # security associations (a ChaCha20 key and a salt each; a power of 2)
PM_SPI = 0x1000            # association s's SPI: PM_SPI + s
PM_SEED = 0x1305
PM_PKTS0 = 1 << 16         # records a launch first; then as many as take about LAUNCH_S
PM_MIN_PKTS = 1 << 10
PM_MAX_PKTS = 1 << 26
PM_CHECK = 256             # records compared with Python's Poly1305
# RFC 8439's Poly1305 vectors, section 2.5.2 and A.3 #5-#11: (key, message, tag) in hex
PM_VECTORS = (
    ("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b",
     b"Cryptographic Forum Research Group".hex(), "a8061dc1305136c6c22b8baf0c0127a9"),
    ("02" + "00" * 31, "ff" * 16, "03" + "00" * 15),
    ("02" + "00" * 15 + "ff" * 16, "02" + "00" * 15, "03" + "00" * 15),
    ("01" + "00" * 31, "ff" * 16 + "f0" + "ff" * 15 + "11" + "00" * 15, "05" + "00" * 15),
    ("01" + "00" * 31, "ff" * 16 + "fb" + "fe" * 15 + "01" * 16, "00" * 16),
    ("02" + "00" * 31, "fd" + "ff" * 15, "fa" + "ff" * 15),
    ("01" + "00" * 7 + "04" + "00" * 23, "e33594d7505e43b9" + "00" * 8 + "3394d7505e4379cd01" + "00" * 23 + "01" +
     "00" * 15, "14" + "00" * 7 + "55" + "00" * 7),
    ("01" + "00" * 7 + "04" + "00" * 23, "e33594d7505e43b9" + "00" * 8 + "3394d7505e4379cd01" + "00" * 23,
     "13" + "00" * 15),
)
# RFC 8439's Poly1305 key generation by ChaCha20, section 2.6.2 and A.4 #1-#3: (key, nonce, one-time key) in hex
PM_KEYGEN = (
    ("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "000000000001020304050607",
     "8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646"),
    ("00" * 32, "00" * 12, "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"),
    ("00" * 31 + "01", "00" * 11 + "02", "ecfa254f845f647473d3cb140da9e87606cb33066c447b87bc2666dde3fbb739"),
    ("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0", "00" * 11 + "02",
     "965e3bc6f9ec7ed9560808f4d229f94b137ff275ca9b3fcbdd59deaad23310ae"),
)

PM_CUDA = HEAD + r"""
#define SEED %SEED%ull
#define NSESS %NSESS%u
#define SPI %SPI%u
__device__ __forceinline__ u32 rotl32(u32 x, u32 n) { return __funnelshift_l(x, x, n); }
#define QR(a, b, c, d)    \
  a += b;                 \
  d = rotl32(d ^ a, 16);  \
  c += d;                 \
  b = rotl32(b ^ c, 12);  \
  a += b;                 \
  d = rotl32(d ^ a, 8);   \
  c += d;                 \
  b = rotl32(b ^ c, 7);
// RFC 8439's poly1305_key_gen: the first 8 words of the ChaCha20 block of key k (8 words), counter 0 and nonce
// (n0, n1, n2)
__device__ __forceinline__ void pm_otk(const u32* k, u32 n0, u32 n1, u32 n2, u32* o) {
  const u32 s[16] = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u, k[0], k[1], k[2], k[3],
                     k[4],        k[5],        k[6],        k[7],        0u,   n0,   n1,   n2};
  u32 x[16];
#pragma unroll
  for (int j = 0; j < 16; ++j) x[j] = s[j];
#pragma unroll 2
  for (int i = 0; i < 10; ++i) {
    QR(x[0], x[4], x[8], x[12])
    QR(x[1], x[5], x[9], x[13])
    QR(x[2], x[6], x[10], x[14])
    QR(x[3], x[7], x[11], x[15])
    QR(x[0], x[5], x[10], x[15])
    QR(x[1], x[6], x[11], x[12])
    QR(x[2], x[7], x[8], x[13])
    QR(x[3], x[4], x[9], x[14])
  }
#pragma unroll
  for (int j = 0; j < 8; ++j) o[j] = x[j] + s[j];
}
// the accumulator h (three 64-bit limbs, h2 a few bits) and the clamped r of a one-time key's first 4 words
struct pm_st {
  u64 h0, h1, h2, r0, r1, s1;
};
__device__ __forceinline__ pm_st pm_init(u32 k0, u32 k1, u32 k2, u32 k3) {
  pm_st p;
  p.h0 = p.h1 = p.h2 = 0ull;
  p.r0 = (((u64)k1 << 32) | k0) & 0x0FFFFFFC0FFFFFFFull;
  p.r1 = (((u64)k3 << 32) | k2) & 0x0FFFFFFC0FFFFFFCull;
  p.s1 = p.r1 + (p.r1 >> 2);  // r1 2^128 = r1 / 4 * 5 mod 2^130 - 5 (r1 a multiple of 4)
  return p;
}
// a 16-byte block m1:m0 plus hibit 2^128: h = (h + m) r, partly reduced mod 2^130 - 5 (OpenSSL's base 2^64
// poly1305_blocks: 64 x 64 -> 128-bit products by __umul64hi, adds with carries, the bits above 2^130 times 5
// folded in)
__device__ __forceinline__ void pm_block(pm_st& p, u64 m0, u64 m1, u64 hibit) {
  u64 h0 = p.h0 + m0, c = h0 < m0 ? 1ull : 0ull;
  u64 h1 = p.h1 + c;
  c = h1 < c ? 1ull : 0ull;
  h1 += m1;
  c += h1 < m1 ? 1ull : 0ull;
  u64 h2 = p.h2 + c + hibit;
  // d0 = h0 r0 + h1 s1 and d1 = h0 r1 + h1 r0 + h2 s1 as 128-bit e:d pairs, h2 r0
  u64 d0 = h0 * p.r0, e0 = __umul64hi(h0, p.r0);
  u64 lo = h1 * p.s1, hi = __umul64hi(h1, p.s1);
  d0 += lo;
  e0 += hi + (d0 < lo ? 1ull : 0ull);
  u64 d1 = h0 * p.r1, e1 = __umul64hi(h0, p.r1);
  lo = h1 * p.r0;
  hi = __umul64hi(h1, p.r0);
  d1 += lo;
  e1 += hi + (d1 < lo ? 1ull : 0ull);
  lo = h2 * p.s1;
  d1 += lo;
  e1 += d1 < lo ? 1ull : 0ull;
  h2 *= p.r0;
  // h = h2:d1:d0 with d1 += e0 and h2 += e1, then (h >> 130) * 5 added to h mod 2^130
  d1 += e0;
  e1 += d1 < e0 ? 1ull : 0ull;
  h2 += e1;
  c = (h2 >> 2) + (h2 & ~3ull);
  h2 &= 3ull;
  h0 = d0 + c;
  c = h0 < c ? 1ull : 0ull;
  h1 = d1 + c;
  c = h1 < c ? 1ull : 0ull;
  p.h0 = h0;
  p.h1 = h1;
  p.h2 = h2 + c;
}
// the tag: h mod 2^130 - 5 (h + 5 carried into bit 130 when h >= p), plus s (4 words) mod 2^128
__device__ __forceinline__ uint4 pm_tag(const pm_st& p, u32 s0, u32 s1, u32 s2, u32 s3) {
  const u64 g0 = p.h0 + 5ull;
  u64 c = g0 < 5ull ? 1ull : 0ull;
  const u64 g1 = p.h1 + c;
  c = g1 < c ? 1ull : 0ull;
  const u64 mask = 0ull - ((p.h2 + c) >> 2);
  u64 h0 = (p.h0 & ~mask) | (g0 & mask), h1 = (p.h1 & ~mask) | (g1 & mask);
  const u64 t0 = ((u64)s1 << 32) | s0, t1 = ((u64)s3 << 32) | s2;
  h0 += t0;
  h1 += t1 + (h0 < t0 ? 1ull : 0ull);
  return make_uint4((u32)h0, (u32)(h0 >> 32), (u32)h1, (u32)(h1 >> 32));
}
// the low n bytes of x (all for n >= 8)
__device__ __forceinline__ u64 pm_low(u64 x, u32 n) { return n >= 8u ? x : x & ((1ull << (8u * n)) - 1ull); }
// security association s's ChaCha20 key (8 words) and salt
__device__ __forceinline__ void pm_sa(u32 s, u32* k, u32& salt) {
#pragma unroll
  for (u32 q = 0; q < 4u; ++q) {
    const u64 w = splitmix((((u64)s << 2) | q) ^ (SEED << 2));
    k[2u * q] = (u32)w;
    k[2u * q + 1u] = (u32)(w >> 32);
  }
  salt = (u32)splitmix((u64)s ^ (SEED << 3));
}
// a thread a 16-byte chunk of the records (record i at off[i], 16-byte aligned; off[n] the total): its record by
// binary search, its ciphertext bytes (two splitmix words a chunk), zeros past the record's end
extern "C" __global__ void pm_msgs(u64 nchunks, u32 n, const u64* __restrict__ off, const u32* __restrict__ len,
                                   uint4* __restrict__ msg) {
  const u64 c = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= nchunks) return;
  const u64 pos = 16ull * c;
  u32 lo = 0u, hi = n;
  while (hi - lo > 1u) {
    const u32 mid = (lo + hi) >> 1;
    if (off[mid] <= pos)
      lo = mid;
    else
      hi = mid;
  }
  const u32 i = lo, j = (u32)((pos - off[i]) >> 4), rem = len[i] - 16u * j;
  const u64 w0 = splitmix((((u64)i << 8) | j) ^ (SEED << 1)), w1 = splitmix(w0);
  const u64 a = pm_low(w0, rem), b = rem > 8u ? pm_low(w1, rem - 8u) : 0ull;
  msg[c] = make_uint4((u32)a, (u32)(a >> 32), (u32)b, (u32)(b >> 32));
}
// a thread a record p0 + t: its security association, the one-time key by ChaCha20 (nonce: the salt and the 64-bit
// sequence number, RFC 7634's), Poly1305 over the AEAD MAC data (the 8-byte AAD of SPI and sequence number, the
// ciphertext, each zero-padded to 16-byte blocks, then the AAD's and the ciphertext's lengths); the tag to tags[i]
extern "C" __global__ void pm_mac(const uint4* __restrict__ msg, const u64* __restrict__ off,
                                  const u32* __restrict__ len, u32 p0, u32 cnt, uint4* __restrict__ tags) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= cnt) return;
  const u32 i = p0 + t, L = len[i];
  const u32 s = (u32)splitmix((u64)i ^ (SEED << 4)) & (NSESS - 1u);
  u32 k[8], o[8], salt;
  pm_sa(s, k, salt);
  pm_otk(k, salt, i, 0u, o);
  pm_st p = pm_init(o[0], o[1], o[2], o[3]);
  pm_block(p, ((u64)i << 32) | (SPI + s), 0ull, 1ull);
  const uint4* m = msg + (off[i] >> 4);
  const u32 nb = (L + 15u) >> 4;
  for (u32 b = 0; b < nb; ++b) {
    const uint4 q = m[b];
    const u32 rem = L - 16u * b;
    const u64 lo = pm_low(((u64)q.y << 32) | q.x, rem);
    const u64 hi = rem > 8u ? pm_low(((u64)q.w << 32) | q.z, rem - 8u) : 0ull;
    pm_block(p, lo, hi, 1ull);
  }
  pm_block(p, 8ull, (u64)L, 1ull);
  tags[i] = pm_tag(p, o[4], o[5], o[6], o[7]);
}
// test messages (tlen[i] bytes at data + toff[i], one-time keys of 8 words at keys + 8 i): Poly1305 as RFC 8439
// defines it, a last partial block with its 0x01 byte and no 2^128
extern "C" __global__ void pm_test(const u8* __restrict__ data, const u32* __restrict__ toff,
                                   const u32* __restrict__ tlen, const u32* __restrict__ keys, u32 n,
                                   uint4* __restrict__ out) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const u8* d = data + toff[i];
  const u32 L = tlen[i];
  const u32* k = keys + 8u * i;
  pm_st p = pm_init(k[0], k[1], k[2], k[3]);
  for (u32 b = 0; b < L; b += 16u) {
    const u32 r = min(16u, L - b);
    u64 w[2] = {0ull, 0ull};
    for (u32 j = 0; j < r; ++j) w[j >> 3] |= (u64)d[b + j] << (8u * (j & 7u));
    if (r < 16u) w[r >> 3] |= 1ull << (8u * (r & 7u));
    pm_block(p, w[0], w[1], r < 16u ? 0ull : 1ull);
  }
  out[i] = pm_tag(p, k[4], k[5], k[6], k[7]);
}
// RFC 8439's poly1305_key_gen of test keys (8 words at keys + 8 i) and nonces (3 words at nonces + 3 i)
extern "C" __global__ void pm_keygen(const u32* __restrict__ keys, const u32* __restrict__ nonces, u32 n,
                                     u32* __restrict__ out) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  u32 o[8];
  pm_otk(keys + 8u * i, nonces[3u * i], nonces[3u * i + 1u], nonces[3u * i + 2u], o);
#pragma unroll
  for (int j = 0; j < 8; ++j) out[8u * i + j] = o[j];
}
"""


def pm_src():
    return fill_source(PM_CUDA, SEED=hex(PM_SEED), NSESS=PM_SESS, SPI=hex(PM_SPI))


PM_SRC = pm_src()


def pm_lengths(n):
    """The records' lengths (int64): 6/16 of 64-127 bytes, 4/16 of 128-576, 6/16 of 1280-1500."""
    u = splitmix64_np(np.arange(n, dtype=U64) ^ U64(PM_SEED))
    cls = (u & U64(15)).astype(np.int64)
    v = u >> U64(8)
    return np.where(cls < 6, 64 + (v % U64(64)).astype(np.int64),
                    np.where(cls < 10, 128 + (v % U64(449)).astype(np.int64), 1280 + (v % U64(221)).astype(np.int64)))


def chacha20_block_py(key, counter, nonce):
    """ChaCha20's block function (RFC 8439 section 2.3) of a 32-byte key, a counter and a 12-byte nonce: 64 bytes."""
    def qr(x, a, b, c, d):
        for p, q, r, k in ((a, b, d, 16), (c, d, b, 12), (a, b, d, 8), (c, d, b, 7)):
            x[p] = (x[p] + x[q]) & M32
            v = x[r] ^ x[p]
            x[r] = ((v << k) | (v >> (32 - k))) & M32
    s = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *struct.unpack("<8I", key), counter,
         *struct.unpack("<3I", nonce)]
    x = list(s)
    for _ in range(10):
        for a, b, c, d in ((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15), (0, 5, 10, 15),
                           (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14)):
            qr(x, a, b, c, d)
    return struct.pack("<16I", *((a + b) & M32 for a, b in zip(x, s)))


def poly1305_py(key, msg):
    """Poly1305 (RFC 8439 section 2.5) of bytes msg under a 32-byte one-time key, by Python big integers."""
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:], "little")
    p = (1 << 130) - 5
    a = 0
    for i in range(0, len(msg), 16):
        a = (a + int.from_bytes(msg[i:i + 16] + b"\x01", "little")) * r % p
    return ((a + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def pm_sa_py(s):
    """Security association s's (32-byte ChaCha20 key, salt)."""
    key = b"".join(splitmix64(((s << 2) | q) ^ (PM_SEED << 2)).to_bytes(8, "little") for q in range(4))
    return key, splitmix64(s ^ (PM_SEED << 3)) & M32


def pm_msg_py(i, length):
    """Record i's ciphertext bytes as pm_msgs makes them."""
    out = b""
    for j in range((length + 15) // 16):
        w0 = splitmix64(((i << 8) | j) ^ (PM_SEED << 1))
        out += w0.to_bytes(8, "little") + splitmix64(w0).to_bytes(8, "little")
    return out[:length]


def pm_tag_py(i, msg):
    """Record i's tag: Poly1305 of its AEAD MAC data (RFC 8439 section 2.8) under its ChaCha20 one-time key."""
    s = splitmix64(i ^ (PM_SEED << 4)) & (PM_SESS - 1)
    key, salt = pm_sa_py(s)
    otk = chacha20_block_py(key, 0, struct.pack("<IQ", salt, i))[:32]
    aad = struct.pack("<II", PM_SPI + s, i)

    def pad(b):
        return b + bytes(-len(b) % 16)
    return poly1305_py(otk, pad(aad) + pad(msg) + struct.pack("<QQ", len(aad), len(msg)))


def poly1305(variant, clock):
    if variant != "mac":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=pm_src())
    msgk, mack, testk, keyk = (mod.get_function(k) for k in ("pm_msgs", "pm_mac", "pm_test", "pm_keygen"))
    n = PM_PKTS
    hlen = pm_lengths(n)
    hoff = np.concatenate([[0], np.cumsum((hlen + 15) // 16 * 16)]).astype(U64)
    total = int(hoff[-1])
    nch = total // 16
    msg = cp.zeros(total, dtype=cp.uint8)
    off, ln = cp.asarray(hoff), cp.asarray(hlen.astype(U32))
    msgk(((nch + 255) // 256,), (256,), (U64(nch), U32(n), off, ln, msg))
    tags = cp.zeros(4 * n, dtype=cp.uint32)
    cum = np.concatenate([[0], np.cumsum(hlen)])
    state = {"cursor": 0, "pkts": PM_PKTS0, "done": 0, "bytes": 0}

    def run(p0, cnt):
        mack(((cnt + 127) // 128,), (128,), (msg, off, ln, U32(p0), U32(cnt), tags))

    def piece(p0, cnt):
        run(p0, cnt)
        state["bytes"] += int(cum[p0 + cnt] - cum[p0])
    launch = wrapping_launch(state, "pkts", n, piece)
    size_launch(launch, state, "pkts", PM_MIN_PKTS, PM_MAX_PKTS)
    state["bytes"] = 0
    nl, per = calibrated_launches(launch, 16)
    launch_bytes = state["bytes"] / 3  # the three launches calibrated_launches ran
    state["done"] = state["bytes"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    run(0, n)  # a check pass over every record
    htags = tags.get().reshape(n, 4)
    # RFC 8439's vectors, on the GPU and in Python
    msgs = [bytes.fromhex(m) for _, m, _ in PM_VECTORS]
    want = [bytes.fromhex(t) for _, _, t in PM_VECTORS]
    keys = np.frombuffer(b"".join(bytes.fromhex(k) for k, _, _ in PM_VECTORS), dtype="<u4").astype(U32)
    toff = np.cumsum([0] + [len(m) for m in msgs[:-1]]).astype(U32)
    out = cp.zeros(4 * len(msgs), dtype=cp.uint32)
    testk((1,), (64,), (cp.asarray(np.frombuffer(b"".join(msgs), dtype=np.uint8)), cp.asarray(toff),
                        cp.asarray(np.array([len(m) for m in msgs], dtype=U32)), cp.asarray(keys), U32(len(msgs)),
                        out))
    gb = out.get().astype("<u4").tobytes()
    vec_ok = [gb[16 * j:16 * j + 16] for j in range(len(msgs))] == want and \
        [poly1305_py(bytes.fromhex(k), m) for (k, _, _), m in zip(PM_VECTORS, msgs)] == want
    kk = np.frombuffer(b"".join(bytes.fromhex(k) for k, _, _ in PM_KEYGEN), dtype="<u4").astype(U32)
    nn = np.frombuffer(b"".join(bytes.fromhex(v) for _, v, _ in PM_KEYGEN), dtype="<u4").astype(U32)
    ko = cp.zeros(8 * len(PM_KEYGEN), dtype=cp.uint32)
    keyk((1,), (64,), (cp.asarray(kk), cp.asarray(nn), U32(len(PM_KEYGEN)), ko))
    kb = ko.get().astype("<u4").tobytes()
    kwant = [bytes.fromhex(o) for _, _, o in PM_KEYGEN]
    key_ok = [kb[32 * j:32 * j + 32] for j in range(len(PM_KEYGEN))] == kwant and \
        [chacha20_block_py(bytes.fromhex(k), 0, bytes.fromhex(v))[:32] for k, v, _ in PM_KEYGEN] == kwant
    # records (the shortest and the longest among them): bytes against Python's regeneration, tags against Python's
    # big-integer Poly1305 of their AEAD MAC data
    rng = np.random.default_rng(60)
    picks = sorted(set(rng.choice(n, min(n, PM_CHECK), replace=False).tolist()) |
                   {int(np.argmin(hlen)), int(np.argmax(hlen))})
    bytes_good = tags_good = 0
    for i in picks:
        length = int(hlen[i])
        want_b = pm_msg_py(i, length)
        bytes_good += msg[int(hoff[i]):int(hoff[i]) + length].get().tobytes() == want_b
        tags_good += htags[i].astype("<u4").tobytes() == pm_tag_py(i, want_b)
    ok = vec_ok and key_ok and bytes_good == len(picks) and tags_good == len(picks)
    dig = np.bitwise_xor.reduce(htags, axis=0)
    note(f"poly1305/{variant}: {state['done']} records authenticated after READY ({n} records of {int(hlen.min())}-"
         f"{int(hlen.max())} bytes, {int(cum[-1])} bytes, {PM_SESS} security associations, a ChaCha20 one-time key a "
         f"record, {state['pkts']} records a launch), tag XOR {''.join(f'{int(w):08x}' for w in dig)}; "
         f"{len(PM_VECTORS)} RFC 8439 Poly1305 vectors equal on the GPU and in Python: {vec_ok}, {len(PM_KEYGEN)} "
         f"ChaCha20 key-generation vectors: {key_ok}, {len(picks)} records' bytes equal to Python's regeneration: "
         f"{bytes_good}, their tags equal to Python big-integer Poly1305 of the AEAD MAC data: {tags_good}, "
         f"agree: {ok}, {per * 1e3:.2f} ms a launch ({launch_bytes / per / 1e9:.2f} GB/s), {nl} a step")


# ---- siphash -------------------------------------------------------------------------------------------------------
SP_ROWS = 1 << 24          # key rows inserted (and as many probe rows)
SP_LOG_V = 22              # key ids: a vocabulary of 2^SP_LOG_V (probes' absent keys: ids with bit SP_LOG_V set)
SP_LOG_T = 23              # table slots (load at most 1/2)
SP_LMIN = 8                # key lengths, bytes
SP_LMAX = 64
SP_MISS = 128              # probes of absent keys, of 1024
SP_SEED = 0x5193
SP_K0 = 0x3F0A7C2E91D45B86  # the table's SipHash key (a RandomState's 128 random bits)
SP_K1 = 0xC4E17B09D2A6385F
SP_ROWS0 = 1 << 20         # rows a launch first; then as many as take about LAUNCH_S
SP_MIN_ROWS = 1 << 12
SP_MAX_ROWS = 1 << 27
SP_CHECK = 64              # key rows and probe rows compared with Python's SipHash
SP_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# reference vectors under key bytes 00..0f, message i the bytes 0 .. i-1: (length, output as 8 little-endian bytes)
SP_V13 = ((0, "dcc40f055801acab"), (1, "93ca577df39bf4c9"), (7, "4011b19b987d92d3"), (8, "8e9a298d11959036"),
          (9, "e43d066cb38ea425"), (15, "5699512a6dd820d3"), (16, "668b907d1add4fcc"), (23, "23c1e6da7f0e5a52"),
          (63, "a8b3bbb76290199d"))  # SipHash-1-3: Rust's library/core/tests/hash/sip.rs, test_siphash_1_3
SP_V24 = ((0, "310e0edd47db6f72"), (7, "37d1018bf50002ab"), (8, "6224939a79f5f593"), (15, "e545be4961ca29a1"),
          (63, "724506eb4c328a95"))  # SipHash-2-4: the paper's vectors (as in test_siphash_2_4)

SP_CUDA = HEAD + r"""
#define LOGV %LOGV%
#define LOGT %LOGT%
#define TMASK ((1u << LOGT) - 1u)
#define SEED %SEED%ull
#define K0 %K0%ull
#define K1 %K1%ull
#define MISS %MISS%u
#define LMIN %LMIN%u
#define LSPAN %LSPAN%ull
__constant__ u8 ALPH[64] = {%ALPH%};
__device__ __forceinline__ u64 rotl64(u64 x, u32 n) { return (x << n) | (x >> (64u - n)); }
#define SIPROUND          \
  v0 += v1;               \
  v1 = rotl64(v1, 13);    \
  v1 ^= v0;               \
  v0 = rotl64(v0, 32);    \
  v2 += v3;               \
  v3 = rotl64(v3, 16);    \
  v3 ^= v2;               \
  v0 += v3;               \
  v3 = rotl64(v3, 21);    \
  v3 ^= v0;               \
  v2 += v1;               \
  v1 = rotl64(v1, 17);    \
  v1 ^= v2;               \
  v2 = rotl64(v2, 32);
// SipHash-cr-dr of len bytes in little-endian 8-byte words w (bytes past len ignored) under the key (k0, k1)
__device__ __forceinline__ u64 siphash(const u64* w, u32 len, u64 k0, u64 k1, u32 cr, u32 dr) {
  u64 v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
  u64 v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
  const u32 nw = len >> 3, rem = len & 7u;
  for (u32 j = 0; j < nw; ++j) {
    const u64 m = w[j];
    v3 ^= m;
    for (u32 r = 0; r < cr; ++r) {
      SIPROUND
    }
    v0 ^= m;
  }
  u64 b = (u64)(len & 0xFFu) << 56;
  if (rem) b |= w[nw] & ((1ull << (8u * rem)) - 1ull);
  v3 ^= b;
  for (u32 r = 0; r < cr; ++r) {
    SIPROUND
  }
  v0 ^= b;
  v2 ^= 0xFFull;
  for (u32 r = 0; r < dr; ++r) {
    SIPROUND
  }
  return v0 ^ v1 ^ v2 ^ v3;
}
// row r's key id and length: key rows (probe 0) skewed over the vocabulary, probe rows the same from another seed but
// MISS in 1024 of them ids absent from it (bit LOGV set); a key's length LMIN + splitmix(id) mod LSPAN
extern "C" __global__ void sp_keys(u32 n, u32 probe, u32* __restrict__ kid, u32* __restrict__ klen) {
  const u32 r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= n) return;
  const u64 x = splitmix((u64)r ^ (probe ? SEED << 5 : SEED));
  u32 id = skewed(x, LOGV);
  if (probe && (u32)(x >> 48) % 1024u < MISS) id = (1u << LOGV) | ((u32)x & ((1u << LOGV) - 1u));
  kid[r] = id;
  klen[r] = LMIN + (u32)(splitmix((u64)id ^ (SEED << 1)) % LSPAN);
}
// row r's key bytes in 8-byte words from woff[r]: ALPH characters, 8 from a splitmix word of (id, word), zeros past
// its length
extern "C" __global__ void sp_chars(u32 n, const u32* __restrict__ kid, const u32* __restrict__ klen,
                                    const u32* __restrict__ woff, u64* __restrict__ words) {
  const u32 r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= n) return;
  const u32 id = kid[r], L = klen[r];
  for (u32 q = 0; q < (L + 7u) >> 3; ++q) {
    const u64 w = splitmix((((u64)id << 3) | q) ^ (SEED << 2));
    u64 o = 0ull;
    for (u32 b = 0; b < 8u && 8u * q + b < L; ++b) o |= (u64)ALPH[(w >> (6u * b)) & 63ull] << (8u * b);
    words[woff[r] + q] = o;
  }
}
// whether two keys of len bytes (zero-padded words) are equal
__device__ __forceinline__ bool sp_same(const u64* a, const u64* b, u32 len) {
  for (u32 q = 0; q < (len + 7u) >> 3; ++q)
    if (a[q] != b[q]) return false;
  return true;
}
// a thread a key row r0 + t: SipHash-1-3 of its bytes, linear probing from slot h mod 2^LOGT: an empty slot claimed by
// atomicCAS of ((row + 1) << 32 | h >> 57), a slot with the same 7-bit tag (hashbrown's h2) compared word by word with
// the claiming row's key; then the key's count by atomicAdd (insert-or-count)
extern "C" __global__ void sp_insert(const u64* __restrict__ words, const u32* __restrict__ woff,
                                     const u32* __restrict__ klen, u32 r0, u32 cnt, u64* tab,
                                     u32* __restrict__ tcount) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= cnt) return;
  const u32 r = r0 + t, L = klen[r];
  const u64* p = words + woff[r];
  const u64 h = siphash(p, L, K0, K1, 1u, 3u);
  const u32 tag = (u32)(h >> 57);
  const u64 mine = ((u64)(r + 1u) << 32) | tag;
  u32 slot = (u32)h & TMASK;
  for (;;) {
    u64 cur = tab[slot];
    if (cur == 0ull) {
      cur = atomicCAS(&tab[slot], 0ull, mine);
      if (cur == 0ull) break;
    }
    if ((u32)cur == tag) {
      const u32 o = (u32)(cur >> 32) - 1u;
      if (klen[o] == L && sp_same(p, words + woff[o], L)) break;
    }
    slot = (slot + 1u) & TMASK;
  }
  atomicAdd(&tcount[slot], 1u);
}
// a thread a probe row p0 + t: SipHash-1-3 of its key, the table walked from h mod 2^LOGT to the key or an empty slot;
// the key's count (0: absent) to out; hits by a warp ballot and slots visited by a warp sum into stats
extern "C" __global__ void sp_probe(const u64* __restrict__ pwords, const u32* __restrict__ pwoff,
                                    const u32* __restrict__ plen, const u64* __restrict__ words,
                                    const u32* __restrict__ woff, const u32* __restrict__ klen,
                                    const u64* __restrict__ tab, const u32* __restrict__ tcount, u32 p0, u32 cnt,
                                    u32* __restrict__ out, u64* __restrict__ stats) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  u32 nv = 0u;
  bool hit = false;
  if (t < cnt) {
    const u32 i = p0 + t, L = plen[i];
    const u64* p = pwords + pwoff[i];
    const u64 h = siphash(p, L, K0, K1, 1u, 3u);
    const u32 tag = (u32)(h >> 57);
    u32 slot = (u32)h & TMASK, c = 0u;
    for (;;) {
      ++nv;
      const u64 cur = tab[slot];
      if (cur == 0ull) break;
      if ((u32)cur == tag) {
        const u32 o = (u32)(cur >> 32) - 1u;
        if (klen[o] == L && sp_same(p, words + woff[o], L)) {
          c = tcount[slot];
          hit = true;
          break;
        }
      }
      slot = (slot + 1u) & TMASK;
    }
    out[i] = c;
  }
  const u32 hb = __ballot_sync(FULL, hit);
  const u32 sv = __reduce_add_sync(FULL, nv);
  if ((threadIdx.x & 31u) == 0u) {
    if (hb) atomicAdd(&stats[0], (u64)__popc(hb));
    if (sv) atomicAdd(&stats[1], (u64)sv);
  }
}
// SipHash-cr-dr of test strings (lens[i] bytes at words + woff[i]) under the key (k0, k1)
extern "C" __global__ void sp_test(const u64* __restrict__ words, const u32* __restrict__ woff,
                                   const u32* __restrict__ lens, u32 n, u64 k0, u64 k1, u32 cr, u32 dr,
                                   u64* __restrict__ out) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = siphash(words + woff[i], lens[i], k0, k1, cr, dr);
}
"""


def sp_src():
    return fill_source(SP_CUDA, LOGV=SP_LOG_V, LOGT=SP_LOG_T, SEED=hex(SP_SEED), K0=hex(SP_K0), K1=hex(SP_K1),
                       MISS=SP_MISS, LMIN=SP_LMIN, LSPAN=SP_LMAX - SP_LMIN + 1,
                       ALPH=", ".join(str(c) for c in SP_ALPHABET))


SP_SRC = sp_src()


def siphash_py(data, k0, k1, c=1, d=3):
    """SipHash-c-d of bytes data under the key (k0, k1), in Python ints."""
    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & M64
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rounds(k):
        v0, v1, v2, v3 = v
        for _ in range(k):
            v0 = (v0 + v1) & M64
            v1 = rotl(v1, 13) ^ v0
            v0 = rotl(v0, 32)
            v2 = (v2 + v3) & M64
            v3 = rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & M64
            v3 = rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & M64
            v1 = rotl(v1, 17) ^ v2
            v2 = rotl(v2, 32)
        v[:] = [v0, v1, v2, v3]
    end = len(data) - len(data) % 8
    for i in range(0, end, 8):
        m = int.from_bytes(data[i:i + 8], "little")
        v[3] ^= m
        rounds(c)
        v[0] ^= m
    b = ((len(data) & 0xFF) << 56) | int.from_bytes(data[end:], "little")
    v[3] ^= b
    rounds(c)
    v[0] ^= b
    v[2] ^= 0xFF
    rounds(d)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def sp_ids_xp(n, probe, xp=np):
    """The key ids (uint32 of xp, NumPy or CuPy) of rows 0 .. n - 1 as sp_keys draws them (key rows, or probe rows)."""
    x = splitmix64_xp(xp.arange(n, dtype=xp.uint64) ^ U64(SP_SEED << 5 if probe else SP_SEED))
    ids = skewed_xp(x, SP_LOG_V)
    if probe:
        absent = U64(1 << SP_LOG_V) | (x & U64((1 << SP_LOG_V) - 1))
        ids = xp.where((x >> U64(48)) % U64(1024) < U64(SP_MISS), absent, ids)
    return ids.astype(xp.uint32)


def sp_key_py(kid):
    """Key id kid's bytes, as sp_keys and sp_chars make them."""
    n = SP_LMIN + splitmix64(kid ^ (SP_SEED << 1)) % (SP_LMAX - SP_LMIN + 1)
    out = bytearray()
    for q in range((n + 7) // 8):
        w = splitmix64(((kid << 3) | q) ^ (SP_SEED << 2))
        out += bytes(SP_ALPHABET[(w >> (6 * b)) & 63] for b in range(8))
    return bytes(out[:n])


def siphash(variant, clock):
    if variant != "table":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=sp_src())
    keysk, charsk, insk, prok, testk = (mod.get_function(k) for k in ("sp_keys", "sp_chars", "sp_insert", "sp_probe",
                                                                      "sp_test"))
    n, nt = SP_ROWS, 1 << SP_LOG_T
    gr = ((n + 255) // 256,)
    cols = []
    for probe in (0, 1):  # the key rows, then the probe rows: ids, lengths, word offsets, words
        kid = cp.zeros(n, dtype=cp.uint32)
        klen = cp.zeros(n, dtype=cp.uint32)
        keysk(gr, (256,), (U32(n), U32(probe), kid, klen))
        nw = ((klen + U32(7)) >> U32(3)).astype(cp.uint32)
        woff = (cp.cumsum(nw, dtype=cp.uint32) - nw).astype(cp.uint32)
        words = cp.zeros(int((woff[-1:] + nw[-1:]).get()[0]), dtype=cp.uint64)
        charsk(gr, (256,), (U32(n), kid, klen, woff, words))
        cols.append((kid, klen, woff, words))
    (kid, klen, woff, words), (pkid, plen, pwoff, pwords) = cols
    tab = cp.zeros(nt, dtype=cp.uint64)
    tcount = cp.zeros(nt, dtype=cp.uint32)
    out = cp.zeros(n, dtype=cp.uint32)
    stats = cp.zeros(2, dtype=cp.uint64)
    state = {"cursor": 0, "rows": SP_ROWS0, "done": 0}

    def clear():
        tab.fill(0)
        tcount.fill(0)

    def run(r0, cnt):
        g = ((cnt + 255) // 256,)
        insk(g, (256,), (words, woff, klen, U32(r0), U32(cnt), tab, tcount))
        prok(g, (256,), (pwords, pwoff, plen, words, woff, klen, tab, tcount, U32(r0), U32(cnt), out, stats))

    launch = wrapping_launch(state, "rows", n, run, on_wrap=clear)
    size_launch(launch, state, "rows", SP_MIN_ROWS, SP_MAX_ROWS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # reference vectors (bytes 0 .. 63 as 8 words, each vector a prefix of them), on the GPU and in Python
    vw = cp.asarray(np.arange(64, dtype=np.uint8).view("<u8").astype(U64))
    kv0, kv1 = int.from_bytes(bytes(range(8)), "little"), int.from_bytes(bytes(range(8, 16)), "little")
    vec_ok = True
    for (c, d), vecs in (((1, 3), SP_V13), ((2, 4), SP_V24)):
        vo = cp.zeros(len(vecs), dtype=cp.uint64)
        testk((1,), (64,), (vw, cp.zeros(len(vecs), dtype=cp.uint32),
                            cp.asarray(np.array([ln for ln, _ in vecs], dtype=U32)), U32(len(vecs)), U64(kv0),
                            U64(kv1), U32(c), U32(d), vo))
        want = [int.from_bytes(bytes.fromhex(h), "little") for _, h in vecs]
        vec_ok = vec_ok and [int(x) for x in vo.get()] == want and \
            [siphash_py(bytes(range(ln)), kv0, kv1, c, d) for ln, _ in vecs] == want
    # a check pass: every key into a clear table, every probe; counts against cupy.bincount of the regenerated ids
    clear()
    stats.fill(0)
    run(0, n)
    dids, pids = sp_ids_xp(n, 0, cp), sp_ids_xp(n, 1, cp)  # by CuPy's operators, apart from the kernel
    ids_ok = bool((dids == kid).all()) and bool((pids == pkid).all())
    wcnt = cp.bincount(dids.astype(cp.int64), minlength=1 << (SP_LOG_V + 1))  # absent ids: 0
    hw = wcnt.get().astype(np.int64)
    htab, hcnt = tab.get(), tcount.get().astype(np.int64)
    occ = np.nonzero(htab)[0]
    gid = kid[cp.asarray((htab[occ] >> U64(32)).astype(np.int64) - 1)].get().astype(np.int64)
    cnt_ok = len(np.unique(gid)) == len(occ) == int(np.count_nonzero(hw)) and bool(np.array_equal(hcnt[occ], hw[gid]))
    want_p = wcnt[pids.astype(cp.int64)]
    hst = stats.get()
    probe_ok = bool((out.astype(cp.int64) == want_p).all()) and int(hst[0]) == int((want_p > 0).sum())
    # sampled key and probe rows: bytes against Python's regeneration, SipHash-1-3 on the GPU against Python's
    rng = np.random.default_rng(61)
    idx = np.sort(rng.choice(n, min(n, SP_CHECK), replace=False))
    ci = cp.asarray(idx)
    bytes_good = hash_good = 0
    for ids_c, len_c, woff_c, words_c in cols:
        ho = cp.zeros(len(idx), dtype=cp.uint64)
        testk((1,), (len(idx),), (words_c, woff_c[ci], len_c[ci], U32(len(idx)), U64(SP_K0), U64(SP_K1), U32(1),
                                  U32(3), ho))
        hids, hlen, hoff, hh = ids_c[ci].get(), len_c[ci].get(), woff_c[ci].get(), ho.get()
        for j in range(len(idx)):
            key = sp_key_py(int(hids[j]))
            got = words_c[int(hoff[j]):int(hoff[j]) + (int(hlen[j]) + 7) // 8].get().view(np.uint8)
            bytes_good += got[:int(hlen[j])].tobytes() == key and int(hlen[j]) == len(key)
            hash_good += int(hh[j]) == siphash_py(key, SP_K0, SP_K1, 1, 3)
    nck = 2 * len(idx)
    ok = vec_ok and ids_ok and cnt_ok and probe_ok and bytes_good == nck and hash_good == nck
    nmiss = int((pids >= U32(1 << SP_LOG_V)).sum())
    note(f"siphash/{variant}: {state['done']} keys inserted and as many probed after READY ({n} keys of "
         f"{SP_LMIN}-{SP_LMAX} bytes ({8 * len(words)} bytes in 8-byte words) from a skewed vocabulary of "
         f"{1 << SP_LOG_V}, {len(occ)} distinct, the commonest {int(hw.max())} times, a {nt}-slot table, {n} probes "
         f"({nmiss} of absent keys), {state['rows']} keys a launch), {int(hst[0])} probes hit, "
         f"{int(hst[1]) / n:.3f} slots a probe; {len(SP_V13)} SipHash-1-3 and {len(SP_V24)} SipHash-2-4 reference "
         f"vectors equal on the GPU and in Python: {vec_ok}, key ids equal to their regeneration by array operators: "
         f"{ids_ok}, every key's count equal to cupy.bincount's, one slot a key: {cnt_ok}, every probe's count and "
         f"the hits equal to cupy.bincount's: {probe_ok}, {nck} key and probe rows' bytes equal to Python's "
         f"regeneration: {bytes_good}, their SipHash-1-3 equal to Python's: {hash_good}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({state['rows'] / per / 1e9:.3f} G keys/s), {nl} a step")


# ---- utf8 ----------------------------------------------------------------------------------------------------------
U8_STRS = 1 << 23          # strings in the column
U8_CMIN = 4                # characters a string
U8_CMAX = 100
U8_BAD = 16                # strings with an invalid sequence, of 1024
U8_SEED = 0x0F8A
U8_STRS0 = 1 << 18         # strings a launch first; then as many as take about LAUNCH_S
U8_MIN_STRS = 1 << 10
U8_MAX_STRS = 1 << 26
U8_CHECK = 512             # strings compared with Python's codecs (and a quarter as many invalid ones)

U8_CUDA = HEAD + r"""
#define SEED %SEED%ull
#define CMIN %CMIN%u
#define CSPAN %CSPAN%ull
#define BAD %BAD%u
// the code point of a character of a string in script sc (0-7 ASCII, 8-11 European, 12-13 CJK, 14-15 emoji) from
// its splitmix word e
__device__ __forceinline__ u32 u8_cp(u32 sc, u64 e) {
  const u32 k = (u32)e & 7u;
  const u64 v = e >> 3;
  if (sc >= 8u && sc < 12u) {
    if (k < 2u) return 0xC0u + (u32)(v % 0x190ull);  // Latin-1 letters, Latin Extended-A and -B
    if (k == 2u) return 0x391u + (u32)(v % 0xBFull);  // Greek and Cyrillic
  } else if (sc >= 12u && sc < 14u) {
    if (k < 5u) return 0x4E00u + (u32)(v % 0x5200ull);  // CJK unified ideographs
    if (k == 5u) return 0xAC00u + (u32)(v % 11172ull);  // Hangul syllables
    if (k == 6u) return 0x3000u + (u32)(v % 0x40ull);   // CJK punctuation
  } else if (sc >= 14u) {
    if (k < 2u) return 0x1F300u + (u32)(v % 0x350ull);  // pictographs, emoticons
    if (k == 2u) return 0x1F900u + (u32)(v % 0x100ull);  // supplemental symbols and pictographs
    if (k == 3u) return 0x2600u + (u32)(v % 0xC0ull);   // miscellaneous symbols
  }
  return 32u + (u32)(v % 95ull);
}
// the bytes of string s's character j into b (draw r: characters, script, invalid sequence), their count; in an
// invalid string the drawn character is an invalid sequence: a stray continuation byte, an overlong C0/C1 lead, an
// encoded surrogate, a lone 3-byte lead, a code point above U+10FFFF or an F8-FF byte
__device__ __forceinline__ u32 u8_char(u32 s, u32 j, u64 r, u8* b) {
  const u32 nch = CMIN + (u32)((r & 0xFFFFull) % CSPAN);
  if (((u32)(r >> 24) & 1023u) < BAD && j == (u32)((r >> 34) % nch)) {
    const u32 z = (u32)(r >> 48);
    switch ((u32)((r >> 44) & 15ull) % 6u) {
      case 0u:
        b[0] = 0x80u | (z & 0x3Fu);
        return 1u;
      case 1u:
        b[0] = 0xC0u | (z & 1u);
        b[1] = 0x80u | ((z >> 1) & 0x3Fu);
        return 2u;
      case 2u:
        b[0] = 0xEDu;
        b[1] = 0xA0u | (z & 0x1Fu);
        b[2] = 0x80u | ((z >> 5) & 0x3Fu);
        return 3u;
      case 3u:
        b[0] = 0xE1u + (z & 7u);
        return 1u;
      case 4u:
        b[0] = 0xF4u;
        b[1] = 0x90u | (z & 0xFu);
        b[2] = 0x80u;
        b[3] = 0x80u;
        return 4u;
      default:
        b[0] = 0xF8u | (z & 7u);
        return 1u;
    }
  }
  const u32 c = u8_cp((u32)(r >> 16) & 15u, splitmix((((u64)s << 8) | j) ^ (SEED << 1)));
  if (c < 0x80u) {
    b[0] = c;
    return 1u;
  }
  if (c < 0x800u) {
    b[0] = 0xC0u | (c >> 6);
    b[1] = 0x80u | (c & 0x3Fu);
    return 2u;
  }
  if (c < 0x10000u) {
    b[0] = 0xE0u | (c >> 12);
    b[1] = 0x80u | ((c >> 6) & 0x3Fu);
    b[2] = 0x80u | (c & 0x3Fu);
    return 3u;
  }
  b[0] = 0xF0u | (c >> 18);
  b[1] = 0x80u | ((c >> 12) & 0x3Fu);
  b[2] = 0x80u | ((c >> 6) & 0x3Fu);
  b[3] = 0x80u | (c & 0x3Fu);
  return 4u;
}
// a thread a string: its length in bytes
extern "C" __global__ void u8_len(u32 n, u32* __restrict__ blen) {
  const u32 s = blockIdx.x * blockDim.x + threadIdx.x;
  if (s >= n) return;
  const u64 r = splitmix((u64)s ^ SEED);
  const u32 nch = CMIN + (u32)((r & 0xFFFFull) % CSPAN);
  u8 b[4];
  u32 L = 0u;
  for (u32 j = 0; j < nch; ++j) L += u8_char(s, j, r, b);
  blen[s] = L;
}
// a thread a string: its bytes from off[s]
extern "C" __global__ void u8_gen(u32 n, const u64* __restrict__ off, u8* __restrict__ bytes) {
  const u32 s = blockIdx.x * blockDim.x + threadIdx.x;
  if (s >= n) return;
  const u64 r = splitmix((u64)s ^ SEED);
  const u32 nch = CMIN + (u32)((r & 0xFFFFull) % CSPAN);
  u8* p = bytes + off[s];
  u8 b[4];
  for (u32 j = 0; j < nch; ++j) {
    const u32 k = u8_char(s, j, r, b);
    for (u32 q = 0; q < k; ++q) *p++ = b[q];
  }
}
// the sequence at p[i] of a string of n bytes: its length (0: invalid) and code point. The lead byte's class gives the
// length (C0, C1, F5-FF and continuation bytes none), the second byte's range is narrowed after E0 (no overlongs), ED
// (no surrogates), F0 (no overlongs) and F4 (nothing above U+10FFFF), the others must be continuation bytes
__device__ __forceinline__ u32 u8_next(const u8* p, u32 i, u32 n, u32& c) {
  const u32 b0 = p[i];
  if (b0 < 0x80u) {
    c = b0;
    return 1u;
  }
  const u32 len = b0 < 0xC2u ? 0u : b0 < 0xE0u ? 2u : b0 < 0xF0u ? 3u : b0 < 0xF5u ? 4u : 0u;
  if (len == 0u || i + len > n) return 0u;
  const u32 b1 = p[i + 1u];
  const u32 lo = b0 == 0xE0u ? 0xA0u : b0 == 0xF0u ? 0x90u : 0x80u;
  const u32 hi = b0 == 0xEDu ? 0x9Fu : b0 == 0xF4u ? 0x8Fu : 0xBFu;
  if (b1 < lo || b1 > hi) return 0u;
  if (len == 2u) {
    c = ((b0 & 0x1Fu) << 6) | (b1 & 0x3Fu);
    return 2u;
  }
  const u32 b2 = p[i + 2u];
  if ((b2 & 0xC0u) != 0x80u) return 0u;
  if (len == 3u) {
    c = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
    return 3u;
  }
  const u32 b3 = p[i + 3u];
  if ((b3 & 0xC0u) != 0x80u) return 0u;
  c = ((b0 & 0x07u) << 18) | ((b1 & 0x3Fu) << 12) | ((b2 & 0x3Fu) << 6) | (b3 & 0x3Fu);
  return 4u;
}
// a thread a string s0 + t: validated, its UTF-16 units counted (2 above U+FFFF); the count (0 for an invalid
// string) to units, the invalid flag to bad; flagged strings by a warp ballot and units by a warp sum into stats
extern "C" __global__ void u8_count(const u8* __restrict__ bytes, const u64* __restrict__ off,
                                    const u32* __restrict__ blen, u32 s0, u32 cnt, u32* __restrict__ units,
                                    u8* __restrict__ bad, u64* __restrict__ stats) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  u32 nu = 0u;
  bool inv = false;
  if (t < cnt) {
    const u32 s = s0 + t, L = blen[s];
    const u8* p = bytes + off[s];
    for (u32 i = 0; i < L;) {
      u32 c;
      const u32 k = u8_next(p, i, L, c);
      if (k == 0u) {
        inv = true;
        break;
      }
      nu += c > 0xFFFFu ? 2u : 1u;
      i += k;
    }
    if (inv) nu = 0u;
    units[s] = nu;
    bad[s] = inv ? 1u : 0u;
  }
  const u32 bb = __ballot_sync(FULL, inv);
  const u32 su = __reduce_add_sync(FULL, nu);
  if ((threadIdx.x & 31u) == 0u) {
    if (bb) atomicAdd(&stats[0], (u64)__popc(bb));
    if (su) atomicAdd(&stats[1], (u64)su);
  }
}
// a thread a valid string s0 + t: decoded again, its UTF-16 units (surrogate pairs above U+FFFF) written from
// uoff[t] - units[s] (uoff: the inclusive prefix sum of the launch's counts)
extern "C" __global__ void u8_write(const u8* __restrict__ bytes, const u64* __restrict__ off,
                                    const u32* __restrict__ blen, const u32* __restrict__ units,
                                    const u8* __restrict__ bad, const u64* __restrict__ uoff, u32 s0, u32 cnt,
                                    u16* __restrict__ out) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= cnt) return;
  const u32 s = s0 + t;
  if (bad[s]) return;
  const u32 L = blen[s];
  const u8* p = bytes + off[s];
  u16* o = out + (uoff[t] - units[s]);
  for (u32 i = 0; i < L;) {
    u32 c;
    i += u8_next(p, i, L, c);
    if (c > 0xFFFFu) {
      c -= 0x10000u;
      *o++ = (u16)(0xD800u | (c >> 10));
      *o++ = (u16)(0xDC00u | (c & 0x3FFu));
    } else {
      *o++ = (u16)c;
    }
  }
}
"""


def u8_src():
    return fill_source(U8_CUDA, SEED=hex(U8_SEED), CMIN=U8_CMIN, CSPAN=U8_CMAX - U8_CMIN + 1, BAD=U8_BAD)


U8_SRC = u8_src()


def u8_cp_py(sc, e):
    """The code point of a character of script sc from its splitmix word e, as u8_cp draws it."""
    k, v = e & 7, e >> 3
    if 8 <= sc < 12:
        if k < 2:
            return 0xC0 + v % 0x190
        if k == 2:
            return 0x391 + v % 0xBF
    elif 12 <= sc < 14:
        if k < 5:
            return 0x4E00 + v % 0x5200
        if k == 5:
            return 0xAC00 + v % 11172
        if k == 6:
            return 0x3000 + v % 0x40
    elif sc >= 14:
        if k < 2:
            return 0x1F300 + v % 0x350
        if k == 2:
            return 0x1F900 + v % 0x100
        if k == 3:
            return 0x2600 + v % 0xC0
    return 32 + v % 95


def u8_str_py(s):
    """String s's bytes as u8_len and u8_gen make them, and whether an invalid sequence was drawn into it."""
    r = splitmix64(s ^ U8_SEED)
    nch = U8_CMIN + (r & 0xFFFF) % (U8_CMAX - U8_CMIN + 1)
    bad = ((r >> 24) & 1023) < U8_BAD
    out = bytearray()
    for j in range(nch):
        if bad and j == (r >> 34) % nch:
            z = r >> 48
            out += [bytes([0x80 | (z & 0x3F)]), bytes([0xC0 | (z & 1), 0x80 | ((z >> 1) & 0x3F)]),
                    bytes([0xED, 0xA0 | (z & 0x1F), 0x80 | ((z >> 5) & 0x3F)]), bytes([0xE1 + (z & 7)]),
                    bytes([0xF4, 0x90 | (z & 0xF), 0x80, 0x80]), bytes([0xF8 | (z & 7)])][((r >> 44) & 15) % 6]
        else:
            out += chr(u8_cp_py((r >> 16) & 15, splitmix64(((s << 8) | j) ^ (U8_SEED << 1)))).encode("utf-8")
    return bytes(out), bad


def utf8(variant, clock):
    if variant != "transcode":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=u8_src())
    lenk, genk, cntk, wrk = (mod.get_function(k) for k in ("u8_len", "u8_gen", "u8_count", "u8_write"))
    n = U8_STRS
    gr = ((n + 255) // 256,)
    blen = cp.zeros(n, dtype=cp.uint32)
    lenk(gr, (256,), (U32(n), blen))
    off = (cp.cumsum(blen, dtype=cp.uint64) - blen).astype(cp.uint64)
    nbytes = int((off[-1:] + blen[-1:]).get()[0])
    data = cp.zeros(nbytes, dtype=cp.uint8)
    genk(gr, (256,), (U32(n), off, data))
    units = cp.zeros(n, dtype=cp.uint32)
    bad = cp.zeros(n, dtype=cp.uint8)
    out = cp.zeros(nbytes, dtype=cp.uint16)  # at most a UTF-16 unit a byte
    stats = cp.zeros(2, dtype=cp.uint64)
    state = {"cursor": 0, "strs": U8_STRS0, "done": 0}

    def run(s0, cnt):
        g = ((cnt + 255) // 256,)
        cntk(g, (256,), (data, off, blen, U32(s0), U32(cnt), units, bad, stats))
        uoff = cp.cumsum(units[s0:s0 + cnt], dtype=cp.uint64)
        wrk(g, (256,), (data, off, blen, units, bad, uoff, U32(s0), U32(cnt), out))
        return uoff

    launch = wrapping_launch(state, "strs", n, run)
    size_launch(launch, state, "strs", U8_MIN_STRS, U8_MAX_STRS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every string as one batch
    stats.fill(0)
    uoff = run(0, n)
    hunits, hbad = units.get().astype(np.int64), bad.get().astype(bool)
    hst = stats.get()
    # every flag against the generator's draw, every valid string's units against its lead bytes (not 10xxxxxx) plus
    # its 4-byte leads (11110xxx) counted by a prefix sum over the bytes, by CuPy's operators apart from the kernels
    r = splitmix64_xp(cp.arange(n, dtype=cp.uint64) ^ U64(U8_SEED))
    want_bad = (((r >> U64(24)) & U64(1023)) < U64(U8_BAD)).get()
    w = ((data & U32(0xC0)) != U32(0x80)).astype(cp.uint32) + (data >= U32(0xF0)).astype(cp.uint32)
    cs = cp.concatenate([cp.zeros(1, dtype=cp.uint32), cp.cumsum(w, dtype=cp.uint32)])
    del w
    seg = (cs[(off + blen).astype(cp.int64)] - cs[off.astype(cp.int64)]).get().astype(np.int64)
    del cs
    flag_ok = bool(np.array_equal(hbad, want_bad))
    units_ok = bool(np.array_equal(hunits[~hbad], seg[~hbad])) and not hunits[hbad].any()
    total = int(hunits.sum())
    total_ok = int(uoff[-1:].get()[0]) == total == int(hst[1]) and int(hst[0]) == int(hbad.sum())
    # sampled strings (and a quarter as many invalid ones): bytes against Python's regeneration, units against
    # Python's codecs
    rng = np.random.default_rng(62)
    badi = np.nonzero(want_bad)[0]
    picks = sorted(set(rng.choice(n, min(n, U8_CHECK), replace=False).tolist()) |
                   set(rng.choice(badi, min(len(badi), U8_CHECK // 4), replace=False).tolist()))
    hoff, hblen, huoff = off.get(), blen.get(), uoff.get()
    bytes_good = conv_good = ninv = 0
    for s in picks:
        want_b, _ = u8_str_py(s)
        bytes_good += data[int(hoff[s]):int(hoff[s]) + int(hblen[s])].get().tobytes() == want_b
        try:
            u16 = want_b.decode("utf-8").encode("utf-16-le")
        except UnicodeDecodeError:
            ninv += 1
            conv_good += bool(hbad[s]) and hunits[s] == 0
            continue
        end = int(huoff[s])
        got = out[end - int(hunits[s]):end].get().astype("<u2").tobytes()
        conv_good += (not hbad[s]) and got == u16
    ok = flag_ok and units_ok and total_ok and bytes_good == len(picks) and conv_good == len(picks)
    nbad = int(hbad.sum())
    note(f"utf8/{variant}: {state['done']} strings transcoded after READY ({n} strings of {U8_CMIN}-{U8_CMAX} "
         f"characters, {nbytes} bytes (ASCII, European, CJK and emoji scripts), {nbad} with an invalid sequence, "
         f"{state['strs']} strings a launch), {total} UTF-16 units; every string's invalid flag equal to the "
         f"generator's draw: {flag_ok}, every valid string's UTF-16 length equal to a prefix-sum count of its lead "
         f"bytes: {units_ok}, the offsets' and counters' totals: {total_ok}, {len(picks)} strings ({ninv} invalid) "
         f"equal to Python's regeneration: {bytes_good}, their UTF-16 (or invalid flag) equal to Python's codecs': "
         f"{conv_good}, agree: {ok}, {per * 1e3:.2f} ms a launch ({state['strs'] / per / 1e9:.3f} G strings/s, "
         f"{state['strs'] * nbytes / n / per / 1e9:.1f} GB/s), {nl} a step")


# ---- pileup --------------------------------------------------------------------------------------------------------
PU_READS = 1 << 22         # aligned reads
PU_LOG_G = 24              # reference bases
PU_LMIN = 100              # read lengths
PU_LMAX = 250
PU_SLOT = 256              # bytes a read's bases (and its qualities) take
PU_OPS = 12                # CIGAR words a read at most (BAM's len << 4 | op; 9 used at most)
PU_JIT = 64                # read r starts at r (G - MAXSPAN - JIT) / n plus up to JIT - 1: coordinate-sorted
PU_MAXSPAN = 300           # reference bases a read spans at most
PU_SUB = 10                # substitutions, of 1024 M bases
PU_NRATE = 1               # Ns, of 1024 M bases
PU_MINBQ = 13              # samtools mpileup's --min-BQ default
PU_MINMQ = 20              # --min-MQ
PU_DUP = 0x400             # BAM's duplicate flag
PU_SEED = 0x91E0
PU_READS0 = 1 << 18        # reads a launch first; then as many as take about LAUNCH_S
PU_MIN_READS = 1 << 10
PU_MAX_READS = 1 << 25
PU_CHECK = 64              # reads compared with Python's regeneration
PU_WIN = 2048              # positions compared with a Python pileup

PU_CUDA = HEAD + r"""
#define LOGG %LOGG%
#define SEED %SEED%ull
#define LMIN %LMIN%u
#define LSPAN %LSPAN%ull
#define SLOT %SLOT%u
#define OPS %OPS%u
#define JIT %JIT%u
#define MAXSPAN %MAXSPAN%ull
#define SUB %SUB%u
#define NRATE %NRATE%u
#define MINBQ %MINBQ%u
#define MINMQ %MINMQ%u
#define DUP %DUP%u
#define ACGT 0x54474341u
// reference base p: 2 bits of a splitmix word, as A C G T
extern "C" __global__ void pu_ref(u32 g, u8* __restrict__ ref) {
  const u32 p = blockIdx.x * blockDim.x + threadIdx.x;
  if (p >= g) return;
  const u32 b = (u32)(splitmix((u64)(p >> 5) ^ (SEED << 2)) >> (2u * (p & 31u))) & 3u;
  ref[p] = (u8)(ACGT >> (8u * b));
}
// read r: its length, soft clips (an eighth of reads at each end, 1-20 bases), 1-3 insertions or deletions of 1-6
// bases between M runs in 3/8 of reads, as BAM CIGAR words (len << 4 | op: M 0, I 1, D 2, S 4), its
// coordinate-sorted start, MAPQ (1/32 of reads below 20) and duplicate flag (1/64) in info (flag << 8 | MAPQ); its
// bases from the reference with SUB in 1024 substituted and NRATE in 1024 Ns (random in clips and insertions),
// Phred qualities (a sixteenth 2-12, the rest 25-40)
extern "C" __global__ void pu_gen(u32 n, const u8* __restrict__ ref, u32* __restrict__ cig, u32* __restrict__ ncig,
                                  u32* __restrict__ pos, u32* __restrict__ info, u8* __restrict__ seq,
                                  u8* __restrict__ qual) {
  const u32 r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= n) return;
  const u64 q = splitmix((u64)r ^ SEED), q2 = splitmix(q), q3 = splitmix(q2);
  const u32 L = LMIN + (u32)(q % LSPAN);
  const u32 sc0 = ((q >> 16) & 7ull) == 0ull ? 1u + (u32)((q >> 19) % 20ull) : 0u;
  const u32 sc1 = ((q >> 24) & 7ull) == 0ull ? 1u + (u32)((q >> 27) % 20ull) : 0u;
  const u32 nev = (q2 & 7ull) < 5ull ? 0u : 1u + (u32)((q2 >> 3) % 3ull);
  u32 ev[3], ins = 0u;
  for (u32 e = 0; e < nev; ++e) {
    const u32 len = 1u + (u32)((q2 >> (12u + 4u * e)) & 15ull) % 6u;
    const bool isins = ((q2 >> (8u + e)) & 1ull) != 0ull;
    ev[e] = (len << 4) | (isins ? 1u : 2u);
    if (isins) ins += len;
  }
  const u32 mtot = L - sc0 - sc1 - ins;
  u32* c = cig + OPS * r;
  u32 k = 0u;
  if (sc0) c[k++] = (sc0 << 4) | 4u;
  for (u32 e = 0; e <= nev; ++e) {
    c[k++] = (mtot * (e + 1u) / (nev + 1u) - mtot * e / (nev + 1u)) << 4;
    if (e < nev) c[k++] = ev[e];
  }
  if (sc1) c[k++] = (sc1 << 4) | 4u;
  ncig[r] = k;
  const u32 p0 = (u32)((u64)r * ((1ull << LOGG) - MAXSPAN - JIT) / n) + ((u32)q3 & (JIT - 1u));
  pos[r] = p0;
  const u32 mapq = ((q3 >> 8) & 31ull) == 0ull ? (u32)((q3 >> 13) % 20ull) : 60u;
  info[r] = (((q3 >> 20) & 63ull) == 0ull ? DUP << 8 : 0u) | mapq;
  u8* s = seq + (u64)SLOT * r;
  u8* qv = qual + (u64)SLOT * r;
  u32 j = 0u, p = p0;
  for (u32 i = 0; i < k; ++i) {
    const u32 op = c[i] & 15u, len = c[i] >> 4;
    if (op == 2u) {
      p += len;
      continue;
    }
    for (u32 m = 0; m < len; ++m, ++j) {
      const u64 e = splitmix((((u64)r << 9) | j) ^ (SEED << 1));
      u32 b = (u32)e & 3u, ch;
      if (op == 0u) {
        const u32 rc = ref[p + m], x = (u32)(e >> 2) & 1023u;
        b = rc == 'A' ? 0u : rc == 'C' ? 1u : rc == 'G' ? 2u : 3u;
        if (x >= NRATE && x < NRATE + SUB) b = (b + 1u + (u32)((e >> 12) % 3ull)) & 3u;
        ch = x < NRATE ? 'N' : (ACGT >> (8u * b)) & 0xFFu;
      } else {
        ch = (ACGT >> (8u * b)) & 0xFFu;
      }
      s[j] = (u8)ch;
      qv[j] = (u8)(((e >> 20) & 15ull) == 0ull ? 2u + (u32)((e >> 24) % 11ull) : 25u + (u32)((e >> 24) % 16ull));
    }
    if (op == 0u) p += len;
  }
}
// a thread a read r0 + t passing the filters (not a duplicate, MAPQ >= MINMQ): its CIGAR walked, each M base of
// quality >= MINBQ counted at its reference position as A, C, G, T or N (counters 0-4 of 6 a position), each deleted
// position in counter 5, by atomicAdd; insertions and soft clips skipped; the read's counted bases to used
extern "C" __global__ void pu_count(const u32* __restrict__ cig, const u32* __restrict__ ncig,
                                    const u32* __restrict__ pos, const u32* __restrict__ info,
                                    const u8* __restrict__ seq, const u8* __restrict__ qual, u32 r0, u32 cnt,
                                    u32* __restrict__ counts, u32* __restrict__ used) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= cnt) return;
  const u32 r = r0 + t, f = info[r];
  if (((f >> 8) & DUP) || (f & 0xFFu) < MINMQ) {
    used[r] = 0u;
    return;
  }
  const u32* c = cig + OPS * r;
  const u8* s = seq + (u64)SLOT * r;
  const u8* qv = qual + (u64)SLOT * r;
  const u32 k = ncig[r];
  u32 p = pos[r], j = 0u, u = 0u;
  for (u32 i = 0; i < k; ++i) {
    const u32 op = c[i] & 15u, len = c[i] >> 4;
    if (op == 0u) {
      for (u32 m = 0; m < len; ++m, ++j, ++p) {
        if (qv[j] < MINBQ) continue;
        const u32 ch = s[j];
        const u32 b = ch == 'A' ? 0u : ch == 'C' ? 1u : ch == 'G' ? 2u : ch == 'T' ? 3u : 4u;
        atomicAdd(&counts[6u * p + b], 1u);
        ++u;
      }
    } else if (op == 2u) {
      for (u32 m = 0; m < len; ++m, ++p) atomicAdd(&counts[6u * p + 5u], 1u);
      u += len;
    } else {
      j += len;
    }
  }
  used[r] = u;
}
"""


def pu_src():
    return fill_source(PU_CUDA, LOGG=PU_LOG_G, SEED=hex(PU_SEED), LMIN=PU_LMIN, LSPAN=PU_LMAX - PU_LMIN + 1,
                       SLOT=PU_SLOT, OPS=PU_OPS, JIT=PU_JIT, MAXSPAN=PU_MAXSPAN, SUB=PU_SUB, NRATE=PU_NRATE,
                       MINBQ=PU_MINBQ, MINMQ=PU_MINMQ, DUP=hex(PU_DUP))


PU_SRC = pu_src()


def pu_read_py(r, n):
    """Read r of n as pu_gen makes it: (CIGAR [(op, length)], start, MAPQ, flag, bases, qualities)."""
    q = splitmix64(r ^ PU_SEED)
    q2 = splitmix64(q)
    q3 = splitmix64(q2)
    length = PU_LMIN + q % (PU_LMAX - PU_LMIN + 1)
    sc0 = 1 + (q >> 19) % 20 if (q >> 16) & 7 == 0 else 0
    sc1 = 1 + (q >> 27) % 20 if (q >> 24) & 7 == 0 else 0
    nev = 0 if q2 & 7 < 5 else 1 + (q2 >> 3) % 3
    ev = [(1 if (q2 >> (8 + e)) & 1 else 2, 1 + ((q2 >> (12 + 4 * e)) & 15) % 6) for e in range(nev)]
    mtot = length - sc0 - sc1 - sum(ln for op, ln in ev if op == 1)
    cigar = [(4, sc0)] if sc0 else []
    for e in range(nev + 1):
        cigar.append((0, mtot * (e + 1) // (nev + 1) - mtot * e // (nev + 1)))
        if e < nev:
            cigar.append(ev[e])
    if sc1:
        cigar.append((4, sc1))
    start = r * ((1 << PU_LOG_G) - PU_MAXSPAN - PU_JIT) // n + (q3 & (PU_JIT - 1))
    mapq = (q3 >> 13) % 20 if (q3 >> 8) & 31 == 0 else 60
    flag = PU_DUP if (q3 >> 20) & 63 == 0 else 0
    bases, quals = bytearray(), []
    j, p = 0, start
    for op, ln in cigar:
        if op == 2:
            p += ln
            continue
        for m in range(ln):
            e = splitmix64(((r << 9) | j) ^ (PU_SEED << 1))
            b = e & 3
            if op == 0:
                b = (splitmix64(((p + m) >> 5) ^ (PU_SEED << 2)) >> (2 * ((p + m) & 31))) & 3
                x = (e >> 2) & 1023
                if x < PU_NRATE:
                    b = 4
                elif x < PU_NRATE + PU_SUB:
                    b = (b + 1 + (e >> 12) % 3) & 3
            bases.append(b"ACGTN"[b])
            quals.append(2 + (e >> 24) % 11 if (e >> 20) & 15 == 0 else 25 + (e >> 24) % 16)
            j += 1
        if op == 0:
            p += ln
    return cigar, start, mapq, flag, bytes(bases), quals


def pu_pileup_py(reads, w0, w1):
    """samtools-mpileup-style counts ([w1 - w0, 6] int64: A C G T N deletion) of reads (pu_read_py's tuples) over
    positions w0 .. w1 - 1."""
    out = np.zeros((w1 - w0, 6), dtype=np.int64)
    for cigar, start, mapq, flag, bases, quals in reads:
        if flag & PU_DUP or mapq < PU_MINMQ:
            continue
        j, p = 0, start
        for op, ln in cigar:
            for _ in range(ln):
                if op == 0:
                    if quals[j] >= PU_MINBQ and w0 <= p < w1:
                        out[p - w0, b"ACGTN".index(bases[j])] += 1
                    j += 1
                    p += 1
                elif op == 2:
                    if w0 <= p < w1:
                        out[p - w0, 5] += 1
                    p += 1
                else:
                    j += 1
    return out


def pileup(variant, clock):
    if variant != "count":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=pu_src())
    refk, genk, cntk = (mod.get_function(k) for k in ("pu_ref", "pu_gen", "pu_count"))
    n, g = PU_READS, 1 << PU_LOG_G
    ref = cp.zeros(g, dtype=cp.uint8)
    refk(((g + 255) // 256,), (256,), (U32(g), ref))
    cig = cp.zeros(PU_OPS * n, dtype=cp.uint32)
    ncig, pos, info = (cp.zeros(n, dtype=cp.uint32) for _ in range(3))
    seq = cp.zeros(PU_SLOT * n, dtype=cp.uint8)
    qual = cp.zeros(PU_SLOT * n, dtype=cp.uint8)
    genk(((n + 255) // 256,), (256,), (U32(n), ref, cig, ncig, pos, info, seq, qual))
    counts = cp.zeros(6 * g, dtype=cp.uint32)
    used = cp.zeros(n, dtype=cp.uint32)
    state = {"cursor": 0, "reads": PU_READS0, "done": 0}

    def clear():
        counts.fill(0)

    def run(r0, cnt):
        cntk(((cnt + 255) // 256,), (256,), (cig, ncig, pos, info, seq, qual, U32(r0), U32(cnt), counts, used))

    launch = wrapping_launch(state, "reads", n, run, on_wrap=clear)
    size_launch(launch, state, "reads", PU_MIN_READS, PU_MAX_READS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every read into clear counters: the counters' total against the reads' counted bases
    clear()
    run(0, n)
    totals = counts.reshape(g, 6).sum(axis=0, dtype=cp.uint64).get().astype(np.int64)
    nused = int(used.sum(dtype=cp.uint64))
    total_ok = int(totals.sum()) == nused
    # sampled reads against Python's regeneration
    rng = np.random.default_rng(63)
    picks = np.sort(rng.choice(n, min(n, PU_CHECK), replace=False)).tolist()
    hc, hn, hp, hi = cig.get().reshape(n, PU_OPS), ncig.get(), pos.get(), info.get()
    reads_good = 0
    for r in picks:
        cigar, start, mapq, flag, bases, quals = pu_read_py(r, n)
        k = int(hn[r])
        got_cig = [(int(w) & 15, int(w) >> 4) for w in hc[r, :k]]
        sl = slice(PU_SLOT * r, PU_SLOT * r + len(bases))
        reads_good += got_cig == cigar and int(hp[r]) == start and int(hi[r]) == (flag << 8 | mapq) and \
            seq[sl].get().tobytes() == bases and qual[sl].get().tolist() == quals
    # a window of positions against a Python pileup of every read that overlaps it (candidates by the start formula)
    w0 = int(rng.integers(0, g - PU_WIN + 1))
    w1 = w0 + PU_WIN
    base = np.arange(n, dtype=np.int64) * (g - PU_MAXSPAN - PU_JIT) // n
    cand = np.nonzero((base < w1) & (base + PU_JIT + PU_MAXSPAN > w0))[0].tolist()
    reads = [pu_read_py(r, n) for r in cand]
    over = [rd for rd in reads if rd[1] < w1 and rd[1] + sum(ln for op, ln in rd[0] if op in (0, 2)) > w0]
    want = pu_pileup_py(over, w0, w1)
    got = counts[6 * w0:6 * w1].get().reshape(PU_WIN, 6).astype(np.int64)
    win_ok = bool(np.array_equal(got, want))
    ok = total_ok and reads_good == len(picks) and win_ok
    kept = int(np.count_nonzero((((hi >> 8) & PU_DUP) == 0) & ((hi & 0xFF) >= PU_MINMQ)))
    note(f"pileup/{variant}: {state['done']} reads piled up after READY ({n} reads of {PU_LMIN}-{PU_LMAX} bases on a "
         f"{g}-base reference, {kept} passing the duplicate and MAPQ >= {PU_MINMQ} filters, {state['reads']} reads a "
         f"launch), counts A {totals[0]}, C {totals[1]}, G {totals[2]}, T {totals[3]}, N {totals[4]}, deletions "
         f"{totals[5]} ({nused / g:.1f} a position); the counters' total equal to the reads' counted bases: "
         f"{total_ok}, {len(picks)} reads' CIGARs, starts, flags, bases and qualities equal to Python's "
         f"regeneration: {reads_good}, positions {w0}-{w1 - 1} equal to a Python pileup of the {len(over)} reads "
         f"over them: {win_ok}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['reads'] / per / 1e6:.1f} M reads/s), {nl} a step")
