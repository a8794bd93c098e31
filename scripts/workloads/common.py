"""Shared helpers for the workloads: the READY handshake and the run clock, the launch loops, and the
source filling, splitmix64 and cipher constants that several kernel modules need."""
import os
import re
import sys
import time


class Clock:
    """Counts down SECONDS from the moment GPU work begins (ready())."""

    def __init__(self, seconds):
        self.seconds = float(seconds)
        self.end = None

    def ready(self):
        """Set-up is done: say so, and start the clock.

        Under the capture runner (ABP_WORKLOAD_GO set) wait first for a `GO`
        line on stdin, so that the parts of a co-located episode start their
        work together and the runner knows when each part's work began.
        """
        print("READY", flush=True)
        if os.environ.get("ABP_WORKLOAD_GO"):
            line = sys.stdin.readline()
            if line.strip() != "GO":
                raise RuntimeError(f"expected GO on stdin, got {line!r}")
        self.end = time.time() + self.seconds

    def running(self):
        return time.time() < self.end

    def left(self):
        return max(0.0, self.end - time.time())


def steady_loop(step, clock, sync, sync_every=1):
    """One warm-up step (compiles, allocates) before the clock starts, then steps until it runs
    out, `sync` after every `sync_every` of them and once at the end."""
    step()
    sync()
    clock.ready()
    n = 0
    while clock.running():
        step()
        n += 1
        if n % sync_every == 0:
            sync()
    sync()


def torch_loop(step, clock, sync_every=1):
    import torch
    steady_loop(step, clock, torch.cuda.synchronize, sync_every)


def cupy_loop(step, clock):
    import cupy as cp
    steady_loop(step, clock, cp.cuda.Device().synchronize)


# A calibrated cupy workload's step: about this much GPU time (moreops.py, moreops2.py, moreops3.py).
CALIBRATED_STEP_S = 0.05


def calibrated_launches(launch, cap, step_s=CALIBRATED_STEP_S):
    """Launches a step needs to take about step_s, from timing two after a warm-up one (set-up, before READY),
    at most cap; and the seconds one launch took."""
    import cupy as cp
    sync = cp.cuda.Device().synchronize
    launch()
    sync()
    t0 = time.perf_counter()
    launch()
    launch()
    sync()
    per = max((time.perf_counter() - t0) / 2, 1e-6)
    return max(1, min(cap, int(round(step_s / per)))), per


# The seconds a launch of the moreops12-17 kinds is sized to at set-up.
LAUNCH_S = 0.03


def resize_launch(size, per, lo, hi, launch_s=LAUNCH_S):
    """A launch's size scaled from `size` (which took `per` seconds) so that it takes about launch_s, within [lo, hi]."""
    return max(lo, min(hi, int(size * launch_s / per)))


def size_launch(launch, state, key, lo, hi, launch_s=LAUNCH_S):
    """Scale state[key], the size of one launch, so that launch() takes about launch_s, within [lo, hi]: timed twice,
    since a first launch far from launch_s can be timed by other things than its work (set-up, before READY)."""
    for _ in range(2):
        _, per = calibrated_launches(launch, 1)
        state[key] = resize_launch(state[key], per, lo, hi, launch_s)


def wrapping_launch(state, key, total, run, on_wrap=None):
    """A launch of state[key] items of `total`, from state["cursor"] on: run(first, count) over each contiguous
    piece, the cursor wrapping to 0 at `total` (on_wrap() first whenever a piece starts at 0: a table cleared,
    say); state["done"] counts the items."""
    def launch():
        left = state[key]
        while left:
            if on_wrap is not None and state["cursor"] == 0:
                on_wrap()
            c = min(left, total - state["cursor"])
            run(state["cursor"], c)
            state["cursor"] = (state["cursor"] + c) % total
            left -= c
        state["done"] += state[key]
    return launch


def repeat_step(launch, n, before=None):
    """A step of n launches, after `before` (a table cleared, say) where given."""
    def step():
        if before is not None:
            before()
        for _ in range(n):
            launch()
    return step


# splitmix64 as a CUDA device function, for kernels that make their own keys or data.
SPLITMIX_CUDA = r"""
__device__ __forceinline__ unsigned long long splitmix(unsigned long long x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
"""


# The random data several workloads hash, code or search: word i is the low 32 bits of splitmix(i + seed).
SPLITMIX_WORDS_SRC = SPLITMIX_CUDA + r"""
extern "C" __global__ void splitmix_words(unsigned int* out, unsigned long long words, unsigned long long seed) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < words;
       i += (unsigned long long)gridDim.x * blockDim.x)
    out[i] = (unsigned int)splitmix(i + seed);
}
"""


def splitmix_words(words, seed):
    """A new cupy uint32 array of `words` words, word i the low 32 bits of splitmix(i + seed)."""
    import cupy as cp
    out = cp.empty(words, dtype=cp.uint32)
    kernel = cp.RawKernel(SPLITMIX_WORDS_SRC, "splitmix_words")  # cupy caches the compiled kernel
    kernel((sms() * 8,), (256,), (out, cp.uint64(words), cp.uint64(seed)))
    return out


def fill_source(src, **kw):
    """A CUDA source with each %KEY% replaced by str(value)."""
    for k, v in kw.items():
        src = src.replace(f"%{k}%", str(v))
    return src


def splitmix64(x):
    """splitmix64 of a Python int (taken mod 2^64), as SPLITMIX_CUDA computes it: for host-side references that
    replay a kernel's numbers one at a time (splitmix64_np does whole arrays)."""
    mask = (1 << 64) - 1
    x = (x + 0x9E3779B97F4A7C15) & mask
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & mask
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & mask
    return x ^ (x >> 31)


def splitmix64_xp(x):
    """splitmix64 of a uint64 NumPy or CuPy array, by the array's own operators, as SPLITMIX_CUDA computes it (the
    checks' regenerations run on the GPU this way: 2^25-2^26 items would take NumPy 10-20 s after the clock)."""
    import numpy as np
    u = np.uint64
    x = x + u(0x9E3779B97F4A7C15)
    x = (x ^ (x >> u(30))) * u(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> u(27))) * u(0x94D049BB133111EB)
    return x ^ (x >> u(31))


def splitmix64_np(x):
    """splitmix64 of a uint64 numpy array (or scalar), as SPLITMIX_CUDA computes it."""
    import numpy as np
    with np.errstate(over="ignore"):
        return splitmix64_xp(np.asarray(x, dtype=np.uint64))


# The skewed id of a splitmix word, for hub-heavy graphs and key columns (moreops17's louvain and stringhash,
# moreops18's netflow flows): the product of three 16-bit fields, its top log_n of 48
# bits, times 0x9E3779B1 mod 2^log_n. The kernels' version and the checks' stand together so that they cannot drift.
SKEWED_CUDA = r"""
__device__ __forceinline__ unsigned int skewed(unsigned long long r, unsigned int log_n) {
  const unsigned long long p = (r & 0xFFFFull) * ((r >> 16) & 0xFFFFull) * ((r >> 32) & 0xFFFFull);
  return ((unsigned int)(p >> (48u - log_n)) * 0x9E3779B1u) & ((1u << log_n) - 1u);
}
"""


def skewed_xp(r, log_n):
    """SKEWED_CUDA's skewed(r, log_n) of a uint64 NumPy or CuPy array r, by the array's own operators."""
    import numpy as np
    u = np.uint64
    m = u(0xFFFF)
    p = (r & m) * ((r >> u(16)) & m) * ((r >> u(32)) & m)
    return ((p >> u(48 - log_n)) * u(0x9E3779B1)) & u((1 << log_n) - 1)


def fmix32(h):
    """MurmurHash3's 32-bit finalizer of a Python int (the host references of kernels that use it)."""
    m = 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & m
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & m
    return h ^ (h >> 16)


def aes_sbox():
    """The AES S-box (256 ints): multiplicative inverse in GF(2^8), then the affine map."""
    def rotl8(x, n):
        return ((x << n) | (x >> (8 - n))) & 0xFF
    sbox = [0] * 256
    p = q = 1
    while True:
        p = p ^ ((p << 1) & 0xFF) ^ (0x1B if p & 0x80 else 0)  # p * 3
        q ^= (q << 1) & 0xFF  # q / 3
        q ^= (q << 2) & 0xFF
        q ^= (q << 4) & 0xFF
        if q & 0x80:
            q ^= 0x09
        sbox[p] = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4) ^ 0x63
        if p == 1:
            break
    sbox[0] = 0x63
    return sbox


# Keccak-f[1600] for a CUDA source: 24 rounds on the 25 lanes a[] in place (theta, rho and pi, chi, iota). The
# source that includes it defines u64, rotl64 and `__constant__ u64 KRC[24]` (keccak_round_constants()).
KECCAKF_CUDA = r"""// Keccak-f[1600]
__device__ __forceinline__ void keccakf(u64* a) {
  const int R[25] = {0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14};
  u64 b[25], c[5];
#pragma unroll 1
  for (int r = 0; r < 24; ++r) {
#pragma unroll
    for (int x = 0; x < 5; ++x) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
#pragma unroll
    for (int x = 0; x < 5; ++x) {
      const u64 d = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
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
    a[0] ^= KRC[r];
  }
}
"""


def keccak_round_constants():
    """Keccak-f[1600]'s 24 round constants, from the LFSR x^8 + x^6 + x^5 + x^4 + 1 (FIPS 202's rc(t))."""
    out, r = [], 1
    for _ in range(24):
        rc = 0
        for j in range(7):
            if r & 1:
                rc |= 1 << ((1 << j) - 1)
            r = ((r << 1) ^ 0x171) if r & 0x80 else (r << 1)
        out.append(rc)
    return out


def note(msg):
    print(msg, file=sys.stderr, flush=True)


def popcount64(x, xp=None):
    """Set bits of each uint64 of a NumPy array (or of a CuPy one, with xp=cupy), SWAR: no bitwise_count needed
    (NumPy before 2.0 has none), the same code on host and device."""
    if xp is None:
        import numpy as xp
    u = xp.uint64
    x = xp.asarray(x, dtype=u)
    x = x - ((x >> u(1)) & u(0x5555555555555555))
    x = (x & u(0x3333333333333333)) + ((x >> u(2)) & u(0x3333333333333333))
    x = (x + (x >> u(4))) & u(0x0F0F0F0F0F0F0F0F)
    return (x * u(0x0101010101010101)) >> u(56)


def sms():
    """Number of streaming multiprocessors of the current GPU (cupy)."""
    import cupy as cp
    return cp.cuda.Device().attributes["MultiProcessorCount"]


# Points of a curve y^2 = x^3 + b (a = 0: BN254's G1, secp256k1) in Jacobian coordinates (x = X / Z^2, y = Y / Z^3,
# Z = 0 at infinity): doubling (dbl-2009-l), adding an affine point (madd-2007-bl) and adding two points
# (add-2007-bl). Written for a field with element type fp_t, functions fp_add, fp_sub, fp_mul, fp_is_zero and
# fp_one(), and a point struct `jac` {x, y, z} with jac_inf(), all defined before it; jacobian_a0_cuda() renames it.
JACOBIAN_A0_CUDA = r"""
// 2P (dbl-2009-l, a = 0)
__device__ __noinline__ jac jac_dbl(jac p) {
  if (fp_is_zero(p.z)) return p;
  const fp_t a = fp_mul(p.x, p.x), b = fp_mul(p.y, p.y), c = fp_mul(b, b);
  fp_t t = fp_add(p.x, b);
  t = fp_sub(fp_sub(fp_mul(t, t), a), c);
  const fp_t d = fp_add(t, t), e = fp_add(fp_add(a, a), a), f = fp_mul(e, e);
  jac r;
  r.x = fp_sub(fp_sub(f, d), d);
  fp_t c8 = fp_add(c, c);
  c8 = fp_add(c8, c8);
  c8 = fp_add(c8, c8);
  r.y = fp_sub(fp_mul(e, fp_sub(d, r.x)), c8);
  const fp_t yz = fp_mul(p.y, p.z);
  r.z = fp_add(yz, yz);
  return r;
}
// P + (x2, y2) for an affine point (madd-2007-bl)
__device__ __forceinline__ jac jac_madd(const jac& p, const fp_t& x2, const fp_t& y2) {
  jac r;
  if (fp_is_zero(p.z)) {
    r.x = x2;
    r.y = y2;
    r.z = fp_one();
    return r;
  }
  const fp_t z1z1 = fp_mul(p.z, p.z);
  const fp_t u2 = fp_mul(x2, z1z1), s2 = fp_mul(y2, fp_mul(p.z, z1z1));
  const fp_t h = fp_sub(u2, p.x), rr = fp_sub(s2, p.y);
  if (fp_is_zero(h)) {
    if (!fp_is_zero(rr)) return jac_inf();
    r.x = x2;
    r.y = y2;
    r.z = fp_one();
    return jac_dbl(r);
  }
  const fp_t hh = fp_mul(h, h);
  fp_t i = fp_add(hh, hh);
  i = fp_add(i, i);
  const fp_t j = fp_mul(h, i), r2 = fp_add(rr, rr), v = fp_mul(p.x, i);
  r.x = fp_sub(fp_sub(fp_sub(fp_mul(r2, r2), j), v), v);
  const fp_t yj = fp_mul(p.y, j);
  r.y = fp_sub(fp_sub(fp_mul(r2, fp_sub(v, r.x)), yj), yj);
  const fp_t zh = fp_add(p.z, h);
  r.z = fp_sub(fp_sub(fp_mul(zh, zh), z1z1), hh);
  return r;
}
// P + Q (add-2007-bl)
__device__ __noinline__ jac jac_add(jac p, jac q) {
  if (fp_is_zero(p.z)) return q;
  if (fp_is_zero(q.z)) return p;
  const fp_t z1z1 = fp_mul(p.z, p.z), z2z2 = fp_mul(q.z, q.z);
  const fp_t u1 = fp_mul(p.x, z2z2), u2 = fp_mul(q.x, z1z1);
  const fp_t s1 = fp_mul(p.y, fp_mul(q.z, z2z2)), s2 = fp_mul(q.y, fp_mul(p.z, z1z1));
  const fp_t h = fp_sub(u2, u1), rr = fp_sub(s2, s1);
  if (fp_is_zero(h)) return fp_is_zero(rr) ? jac_dbl(p) : jac_inf();
  fp_t i = fp_add(h, h);
  i = fp_mul(i, i);
  const fp_t j = fp_mul(h, i), r2 = fp_add(rr, rr), v = fp_mul(u1, i);
  jac r;
  r.x = fp_sub(fp_sub(fp_sub(fp_mul(r2, r2), j), v), v);
  const fp_t sj = fp_mul(s1, j);
  r.y = fp_sub(fp_sub(fp_mul(r2, fp_sub(v, r.x)), sj), sj);
  const fp_t zz = fp_add(p.z, q.z);
  r.z = fp_mul(fp_sub(fp_sub(fp_mul(zz, zz), z1z1), z2z2), h);
  return r;
}
"""


def jacobian_a0_cuda(field="fp", elem="fp_t", point="jac", one="fp_one()", madd_by_value=False):
    """JACOBIAN_A0_CUDA for a field whose functions are FIELD_add, ... with element type ELEM and 1 written ONE,
    and points of type POINT with POINT_inf(); madd_by_value: jac_madd not inlined, its arguments by value."""
    src = JACOBIAN_A0_CUDA.strip("\n")  # placed on a line of its own: %JACOBIAN%
    if madd_by_value:
        src = src.replace("__device__ __forceinline__ jac jac_madd(const jac& p, const fp_t& x2, const fp_t& y2) {",
                          "__device__ __noinline__ jac jac_madd(jac p, fp_t x2, fp_t y2) {")
    src = src.replace("fp_one()", one)
    src = re.sub(r"\bfp_t\b", elem, src)
    src = re.sub(r"\bfp_", field + "_", src)
    return re.sub(r"\bjac\b", point, re.sub(r"\bjac_", point + "_", src))
