"""A GPU key-value store, vectorized RL environment stepping, online vector search, streaming window analytics and
database point/range lookups, each serving small batches with a host round trip after every launch (label 0).

A ninth set of benign work, this time resembling mining in its launch pattern rather than its instruction mix: the
hashing workloads' `poll` and `short` variants run small launches (about 2 ms or 0.3 ms) with a device-to-host read of
a found counter, or a wait, after each, thousands of times a second, as a pool miner's loop does. Training had no
benign job that runs like that. Serving and stepping loops do: each request batch is small, and its answer has to be
on the host before the next one goes out.

  kvstore  a GPU key-value store (memcached/Redis-like GET/PUT offload): an open-addressing (linear probing) table of
           2^26 64-bit keys -> 64-bit values (1 GiB), 2^24 keys loaded at set-up by atomicCAS. Each launch serves a
           batch of 4096 requests (made on the GPU from the launch number: about 1/16 PUTs of new keys, the rest
           GETs of loaded keys, of keys PUT in earlier batches (present only if that request was a PUT) and of absent
           keys), a thread a request; the batch's 4096 results are copied back to the host before the next launch.
           After 2^16 batches the PUTs rewrite loaded keys (same values), so the table stops at half full
  rl       vectorized RL environment stepping (Isaac-Gym-like actor loop): 4096 CartPole environments (Euler step of
           the classic cart-pole equations, sin and cos by short polynomials), a thread an environment running a
           4-32-32-2 fp32 ReLU MLP policy (weights from the host), argmax with 1/16 random exploration, one physics
           step, done test and reset a launch; rewards and finished-episode lengths (2 x 4096 floats) are copied back
           after every step, as an RL loop reads them. Compiled with --fmad=false so that the first 512 steps of 8
           environments, logged on the GPU, can be replayed bit for bit in NumPy float32
  ann      online vector search (a RAG / recommender retrieval service): 2^20 128-d fp32 vectors (512 MiB, 1024
           clusters), batches of 16 fresh queries (copied in from the host: a stored vector plus noise), brute-force
           L2 in blocks: a thread a (query, 256-vector block) keeping a top 10, then two merge launches of the
           blocks' lists; the batch's top-10 ids and distances are copied back before the next batch
  stream   streaming analytics micro-batches (Flink/Spark-Streaming-like sliding windows): 8192 events a launch (a
           key id drawn log-uniformly from 2^21, so a few keys are hot, a value, a timestamp), a thread an event:
           its key found or inserted in a 2^22-slot hash table by atomicCAS, atomicAdds into the count and sum of the
           current pane (8 panes of 8 micro-batches; a pane cleared as it comes round again); then a launch reads
           the 64-micro-batch window count and sum of 32 watched keys, copied back every micro-batch
  sql      GPU database point and range lookups: a sorted key column of 2^27 64-bit keys (1 GiB) and a 32-bit value
           column, a two-level index (every 256th key, 4 MiB); batches of 1024 lookups copied in from the host (a
           half of them point lookups of present keys, a quarter of absent ones, a quarter key ranges up to 4096
           wide), a thread a lookup: binary search of the top level, then of a 256-key leaf, then the rows in range
           counted and their values summed; the 1024 (position, count, sum) results are copied back each batch

Each launch takes microseconds to a few tenths of a millisecond on an H200, so the loops are launch- and round-trip
bound (thousands of launches a second). A summary line (counts, a self-check against Python or NumPy references,
"agree:") goes to stderr at the end.
"""

import time

import numpy as np

from common import SPLITMIX_CUDA, note, sms, splitmix64_np

# sizes (module constants so a test can shrink them)
KV_SLOTS = 1 << 26
KV_BASE = 1 << 24
KV_BATCH = 4096
KV_PUT_LAUNCHES = 1 << 16
RL_ENVS = 4096
RL_LOG_ENVS = 8
RL_LOG_STEPS = 512
ANN_N = 1 << 20
ANN_Q = 16
ANN_POOL = 4096
ST_SLOTS = 1 << 22
ST_EVENTS = 8192
ST_WATCH = 32
SQL_N = 1 << 27
SQL_BATCH = 1024

_U64 = np.uint64


def _serve(step, clock):
    """step() once before READY (compiles, allocates, warms), then again and again until the clock ends. Every step
    ends in a device-to-host copy (which waits for its launches), so the GPU sees small launches with host round
    trips between them. Returns the steps run after READY and the mean seconds a step took."""
    step()
    clock.ready()
    n, t0 = 0, time.perf_counter()
    while clock.running():
        step()
        n += 1
    return n, (time.perf_counter() - t0) / max(n, 1)


# ---- kvstore -------------------------------------------------------------------------------------------------------

KV_PUT0 = 1 << 40  # key indices of PUT keys start here (loaded keys are 0 .. KV_BASE - 1)
KV_ABSENT0 = 1 << 48  # and of keys never stored here
KV_RSEED = 0x6B7652455121
KV_CHECK = 2  # launches whose results are checked in NumPy: the first and the last

KV_CUDA = r"""
#define KV_PUT0 %PUT0%ull
#define KV_ABSENT0 %ABSENT0%ull
#define KV_RSEED %RSEED%ull
// key of key index idx (a bijection, so distinct indices give distinct keys; 0 marks an empty slot), its value
__device__ __forceinline__ unsigned long long kv_key(unsigned long long idx) { return splitmix(idx ^ 0x6B76000000000000ull); }
__device__ __forceinline__ unsigned long long kv_val(unsigned long long key) { return splitmix(key ^ 0x76616C7565ull) | 1ull; }
__device__ __forceinline__ unsigned long long kv_home(unsigned long long key, unsigned long long mask) {
  return ((key * 0x9E3779B97F4A7C15ull) >> 17) & mask;
}
// insert or overwrite (linear probing, the key claimed by atomicCAS); the slots probed
__device__ unsigned long long kv_put(unsigned long long* keys, unsigned long long* vals, unsigned long long mask,
                                     unsigned long long key) {
  unsigned long long s = kv_home(key, mask);
  for (unsigned long long probes = 1;; ++probes) {
    const unsigned long long prev = atomicCAS(&keys[s], 0ull, key);
    if (prev == 0ull || prev == key) {
      vals[s] = kv_val(key);
      return probes;
    }
    s = (s + 1) & mask;
  }
}
extern "C" __global__ void kv_fill(unsigned long long* keys, unsigned long long* vals, unsigned long long mask,
                                   unsigned long long n) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x)
    kv_put(keys, vals, mask, kv_key(i));
}
// batch L of `batch` requests, a thread a request: out = 1 for a PUT, the value (odd) for a GET hit, 0 for a miss;
// stats += hits, slots probed
extern "C" __global__ void kv_serve(unsigned long long* keys, unsigned long long* vals, unsigned long long mask,
                                    unsigned long long nbase, unsigned long long L, unsigned long long nput,
                                    unsigned int batch, unsigned long long* out, unsigned long long* stats) {
  const unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= batch) return;
  const unsigned long long r = splitmix(((L << 20) | i) ^ KV_RSEED);
  const unsigned long long r2 = splitmix(r);
  const unsigned int cls = (unsigned int)(r >> 4) & 15u;
  unsigned long long res = 0, hit = 0, probes = 1;
  if ((r & 15ull) == 0ull) {  // PUT: a new key while L < nput, afterwards a loaded key rewritten
    const unsigned long long idx = L < nput ? KV_PUT0 + L * batch + i : r2 % nbase;
    probes = kv_put(keys, vals, mask, kv_key(idx));
    res = 1ull;
  } else {  // GET: a loaded key (10/16), the key of an earlier batch's request (present if it was a PUT), an absent key
    unsigned long long idx;
    if (cls < 10u) {
      idx = r2 % nbase;
    } else if (cls < 13u && L > 0ull) {
      const unsigned long long lp = (r2 >> 32) % (L < nput ? L : nput);
      idx = KV_PUT0 + lp * batch + (r2 & 0xFFFFFFFFull) % batch;
    } else {
      idx = KV_ABSENT0 + (r2 >> 24);
    }
    const unsigned long long key = kv_key(idx);
    unsigned long long s = kv_home(key, mask);
    for (;; ++probes) {
      const unsigned long long k = keys[s];
      if (k == key) {
        res = vals[s];
        hit = 1;
        break;
      }
      if (k == 0ull) break;
      s = (s + 1) & mask;
    }
  }
  out[i] = res;
  atomicAdd(&stats[0], hit);
  atomicAdd(&stats[1], probes);
}
"""
KV_SRC = SPLITMIX_CUDA + KV_CUDA.replace("%PUT0%", str(KV_PUT0)).replace("%ABSENT0%", str(KV_ABSENT0)).replace(
    "%RSEED%", str(KV_RSEED))


def _kv_key_np(idx):
    return splitmix64_np(np.asarray(idx, dtype=_U64) ^ _U64(0x6B76000000000000))


def _kv_val_np(key):
    return splitmix64_np(np.asarray(key, dtype=_U64) ^ _U64(0x76616C7565)) | _U64(1)


def _kv_expect(L, nbase, nput, batch):
    """The results kv_serve gives for batch L, from NumPy: uint64 [batch]."""
    i = np.arange(batch, dtype=_U64)
    r = splitmix64_np(((_U64(L) << _U64(20)) | i) ^ _U64(KV_RSEED))
    r2 = splitmix64_np(r)
    put = (r & _U64(15)) == 0
    cls = (r >> _U64(4)) & _U64(15)
    idx = np.where(cls < 10, r2 % _U64(nbase), _U64(KV_ABSENT0) + (r2 >> _U64(24)))
    present = cls < 10
    if L > 0:
        lp = (r2 >> _U64(32)) % _U64(min(L, nput))
        ip = (r2 & _U64(0xFFFFFFFF)) % _U64(batch)
        pk = (cls >= 10) & (cls < 13)
        idx = np.where(pk, _U64(KV_PUT0) + lp * _U64(batch) + ip, idx)
        rp = splitmix64_np(((lp << _U64(20)) | ip) ^ _U64(KV_RSEED))
        present = present | (pk & ((rp & _U64(15)) == 0))
    exp = np.where(present, _kv_val_np(_kv_key_np(idx)), _U64(0))
    return np.where(put, _U64(1), exp).astype(_U64)


def kvstore(variant, clock):
    if variant != "get":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    slots, nbase, batch, nput = KV_SLOTS, KV_BASE, KV_BATCH, KV_PUT_LAUNCHES
    assert slots & (slots - 1) == 0 and nbase + nput * batch // 8 < slots // 2 * 3 and batch <= 1 << 20
    mod = cp.RawModule(code=KV_SRC)
    fill, serve = mod.get_function("kv_fill"), mod.get_function("kv_serve")
    keys = cp.zeros(slots, dtype=cp.uint64)
    vals = cp.zeros(slots, dtype=cp.uint64)
    mask = np.uint64(slots - 1)
    fill((sms() * 8,), (256,), (keys, vals, mask, np.uint64(nbase)))
    out = cp.zeros(batch, dtype=cp.uint64)
    stats = cp.zeros(2, dtype=cp.uint64)
    L = [0]
    kept = {}
    puts = [0]

    def step():  # one batch served, its results copied back
        serve(((batch + 255) // 256,), (256,), (keys, vals, mask, np.uint64(nbase), np.uint64(L[0]), np.uint64(nput),
                                               np.uint32(batch), out, stats))
        h = out.get()
        if L[0] == 0:
            kept[0] = h
        kept["last"] = (L[0], h)
        L[0] += 1
    n, per = _serve(step, clock)
    hits, probes = (int(v) for v in stats.get())
    ok_n = 0
    checks = [(0, kept[0]), kept["last"]]
    for Lc, h in checks:
        ok_n += bool(np.array_equal(h, _kv_expect(Lc, nbase, nput, batch)))
    last = checks[1][1]
    gets = int(np.count_nonzero(last != 1))
    ok = ok_n == len(checks)
    note(f"kvstore/{variant}: {L[0]} batches of {batch} requests ({n} after READY, {per * 1e6:.0f} us a batch with "
         f"its copy back) against a {slots}-slot table ({slots * 16 >> 20} MiB, {nbase} keys loaded, about "
         f"{min(L[0], nput) * batch // 16} new keys put), {hits} GET hits of {L[0] * batch} requests, "
         f"{probes / max(1, L[0] * batch):.2f} slots probed a request; last batch: {gets} GETs, "
         f"{int(np.count_nonzero((last != 0) & (last != 1)))} hits; {ok_n} of {len(checks)} batches' results "
         f"(first and last) equal to NumPy's replay of the requests, agree: {ok}")


# ---- rl ------------------------------------------------------------------------------------------------------------

RL_H = 32
RL_OFF = {"w1": 0, "b1": 4 * RL_H, "w2": 5 * RL_H, "b2": 5 * RL_H + RL_H * RL_H, "w3": 6 * RL_H + RL_H * RL_H,
          "b3": 8 * RL_H + RL_H * RL_H}
RL_WEIGHTS = 8 * RL_H + RL_H * RL_H + 2
RL_SEED = 0x524C5345
RL_XSEED = 0x524C58
RL_MAXLEN = 500

RL_CUDA = r"""
#define RL_H %H%
#define RL_W1 %W1%
#define RL_B1 %B1%
#define RL_W2 %W2%
#define RL_B2 %B2%
#define RL_W3 %W3%
#define RL_B3 %B3%
#define RL_SEED %SEED%ull
#define RL_XSEED %XSEED%ull
#define RL_MAXLEN %MAXLEN%u
// a uniform float in [0, 1) from 24 bits of a hash (exact)
__device__ __forceinline__ float rl_u(unsigned long long h) { return (float)(h >> 40) * 5.9604645e-08f; }
__device__ __forceinline__ float rl_sin(float x) {
  const float x2 = x * x;
  return x * (1.0f - x2 * (0.16666667f - x2 * (0.008333334f - x2 * 0.0001984127f)));
}
__device__ __forceinline__ float rl_cos(float x) {
  const float x2 = x * x;
  return 1.0f - x2 * (0.5f - x2 * (0.041666668f - x2 * 0.0013888889f));
}
// episode ep of environment e starts at a state uniform in [-0.05, 0.05)^4
__device__ __forceinline__ void rl_reset(float* s, unsigned int e, unsigned int ep) {
  for (int k = 0; k < 4; ++k)
    s[k] = rl_u(splitmix(RL_SEED + ((unsigned long long)e << 40) + ((unsigned long long)ep << 2) + k)) * 0.1f - 0.05f;
}
extern "C" __global__ void rl_init(float* state, unsigned int* steps, unsigned int* eps, unsigned int n) {
  const unsigned int e = blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= n) return;
  rl_reset(state + 4 * e, e, 0u);
  steps[e] = 0u;
  eps[e] = 0u;
}
// step t of every environment, a thread one: policy MLP, action, Euler step, done test, reset. out[e] = reward,
// out[n + e] = the finished episode's length (0 while it runs); the first log_steps steps of the first log_envs
// environments logged (state after the step, action, done)
extern "C" __global__ void rl_step(const float* __restrict__ w, float* state, unsigned int* steps, unsigned int* eps,
                                   unsigned int n, unsigned long long t, float* out, float* log,
                                   unsigned int log_envs, unsigned long long log_steps) {
  const unsigned int e = blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= n) return;
  float s[4];
  for (int k = 0; k < 4; ++k) s[k] = state[4 * e + k];
  float h1[RL_H], h2[RL_H], l[2];
  for (int j = 0; j < RL_H; ++j) {
    float acc = w[RL_B1 + j];
    for (int k = 0; k < 4; ++k) acc = acc + w[RL_W1 + j * 4 + k] * s[k];
    h1[j] = acc > 0.0f ? acc : 0.0f;
  }
  for (int j = 0; j < RL_H; ++j) {
    float acc = w[RL_B2 + j];
    for (int k = 0; k < RL_H; ++k) acc = acc + w[RL_W2 + j * RL_H + k] * h1[k];
    h2[j] = acc > 0.0f ? acc : 0.0f;
  }
  for (int a = 0; a < 2; ++a) {
    float acc = w[RL_B3 + a];
    for (int k = 0; k < RL_H; ++k) acc = acc + w[RL_W3 + a * RL_H + k] * h2[k];
    l[a] = acc;
  }
  const unsigned long long r = splitmix(RL_XSEED + (t << 16) + e);
  unsigned int act = l[1] > l[0] ? 1u : 0u;
  if ((r & 15ull) == 0ull) act = (unsigned int)(r >> 4) & 1u;
  // cart-pole (gym CartPole-v1 constants), explicit Euler with tau = 0.02
  float x = s[0], xd = s[1], th = s[2], thd = s[3];
  const float force = act ? 10.0f : -10.0f;
  const float costh = rl_cos(th), sinth = rl_sin(th);
  const float temp = (force + 0.05f * thd * thd * sinth) / 1.1f;
  const float thacc = (9.8f * sinth - costh * temp) / (0.5f * (1.3333334f - 0.1f * costh * costh / 1.1f));
  const float xacc = temp - 0.05f * thacc * costh / 1.1f;
  x = x + 0.02f * xd;
  xd = xd + 0.02f * xacc;
  th = th + 0.02f * thd;
  thd = thd + 0.02f * thacc;
  const unsigned int len = steps[e] + 1u;
  const bool done = x < -2.4f || x > 2.4f || th < -0.20943952f || th > 0.20943952f || len >= RL_MAXLEN;
  out[e] = 1.0f;
  out[n + e] = done ? (float)len : 0.0f;
  if (e < log_envs && t < log_steps) {
    float* g = log + (t * log_envs + e) * 6;
    g[0] = x;
    g[1] = xd;
    g[2] = th;
    g[3] = thd;
    g[4] = (float)act;
    g[5] = done ? 1.0f : 0.0f;
  }
  if (done) {
    const unsigned int ep = eps[e] + 1u;
    eps[e] = ep;
    steps[e] = 0u;
    rl_reset(s, e, ep);
  } else {
    steps[e] = len;
    s[0] = x;
    s[1] = xd;
    s[2] = th;
    s[3] = thd;
  }
  for (int k = 0; k < 4; ++k) state[4 * e + k] = s[k];
}
"""
RL_SRC = SPLITMIX_CUDA + RL_CUDA.replace("%H%", str(RL_H)).replace("%W1%", str(RL_OFF["w1"])).replace(
    "%B1%", str(RL_OFF["b1"])).replace("%W2%", str(RL_OFF["w2"])).replace("%B2%", str(RL_OFF["b2"])).replace(
    "%W3%", str(RL_OFF["w3"])).replace("%B3%", str(RL_OFF["b3"])).replace("%SEED%", str(RL_SEED)).replace(
    "%XSEED%", str(RL_XSEED)).replace("%MAXLEN%", str(RL_MAXLEN))
RL_OPTIONS = ("--fmad=false",)  # no fused multiply-adds, so NumPy's float32 replay is exact


def _rl_weights():
    rng = np.random.default_rng(0x524C)
    w = np.zeros(RL_WEIGHTS, dtype=np.float32)
    o = RL_OFF
    w[o["w1"]:o["b1"]] = rng.standard_normal(4 * RL_H) * np.array([1.0, 0.5, 8.0, 2.0] * RL_H)
    w[o["b1"]:o["w2"]] = rng.standard_normal(RL_H) * 0.1
    w[o["w2"]:o["b2"]] = rng.standard_normal(RL_H * RL_H) / np.sqrt(RL_H)
    w[o["b2"]:o["w3"]] = rng.standard_normal(RL_H) * 0.1
    w[o["w3"]:o["b3"]] = rng.standard_normal(2 * RL_H) / np.sqrt(RL_H)
    w[o["b3"]:] = 0.0
    return w


def _rl_u_np(h):
    return (h >> _U64(40)).astype(np.float32) * np.float32(5.9604645e-08)


def _rl_reset_np(e, ep):
    """States [len(e), 4] of episodes ep of environments e."""
    e, ep = np.asarray(e, dtype=_U64), np.asarray(ep, dtype=_U64)
    k = np.arange(4, dtype=_U64)
    h = splitmix64_np(_U64(RL_SEED) + (e[:, None] << _U64(40)) + (ep[:, None] << _U64(2)) + k[None, :])
    return _rl_u_np(h) * np.float32(0.1) - np.float32(0.05)


def _rl_replay(w, envs, steps):
    """rl_step's log of environments 0 .. envs - 1 for steps 0 .. steps - 1, in NumPy float32: [steps, envs, 6]."""
    f = np.float32
    o = RL_OFF
    W1 = w[o["w1"]:o["b1"]].reshape(RL_H, 4)
    b1 = w[o["b1"]:o["w2"]]
    W2 = w[o["w2"]:o["b2"]].reshape(RL_H, RL_H)
    b2 = w[o["b2"]:o["w3"]]
    W3 = w[o["w3"]:o["b3"]].reshape(2, RL_H)
    b3 = w[o["b3"]:]
    e = np.arange(envs, dtype=_U64)
    eps = np.zeros(envs, dtype=np.int64)
    lens = np.zeros(envs, dtype=np.int64)
    s = _rl_reset_np(e, eps)
    log = np.zeros((steps, envs, 6), dtype=np.float32)

    def sin_(x):
        x2 = x * x
        return x * (f(1.0) - x2 * (f(0.16666667) - x2 * (f(0.008333334) - x2 * f(0.0001984127))))

    def cos_(x):
        x2 = x * x
        return f(1.0) - x2 * (f(0.5) - x2 * (f(0.041666668) - x2 * f(0.0013888889)))
    for t in range(steps):
        h1 = np.empty((envs, RL_H), dtype=np.float32)
        for j in range(RL_H):
            acc = np.full(envs, b1[j], dtype=np.float32)
            for k in range(4):
                acc = acc + W1[j, k] * s[:, k]
            h1[:, j] = np.where(acc > 0, acc, f(0))
        h2 = np.empty((envs, RL_H), dtype=np.float32)
        for j in range(RL_H):
            acc = np.full(envs, b2[j], dtype=np.float32)
            for k in range(RL_H):
                acc = acc + W2[j, k] * h1[:, k]
            h2[:, j] = np.where(acc > 0, acc, f(0))
        lg = []
        for a in range(2):
            acc = np.full(envs, b3[a], dtype=np.float32)
            for k in range(RL_H):
                acc = acc + W3[a, k] * h2[:, k]
            lg.append(acc)
        r = splitmix64_np(_U64(RL_XSEED) + (_U64(t) << _U64(16)) + e)
        act = (lg[1] > lg[0]).astype(np.int64)
        explore = (r & _U64(15)) == 0
        act = np.where(explore, ((r >> _U64(4)) & _U64(1)).astype(np.int64), act)
        x, xd, th, thd = s[:, 0], s[:, 1], s[:, 2], s[:, 3]
        force = np.where(act == 1, f(10.0), f(-10.0)).astype(np.float32)
        costh, sinth = cos_(th), sin_(th)
        temp = (force + f(0.05) * thd * thd * sinth) / f(1.1)
        thacc = (f(9.8) * sinth - costh * temp) / (f(0.5) * (f(1.3333334) - f(0.1) * costh * costh / f(1.1)))
        xacc = temp - f(0.05) * thacc * costh / f(1.1)
        x = x + f(0.02) * xd
        xd = xd + f(0.02) * xacc
        th = th + f(0.02) * thd
        thd = thd + f(0.02) * thacc
        lens = lens + 1
        done = (x < f(-2.4)) | (x > f(2.4)) | (th < f(-0.20943952)) | (th > f(0.20943952)) | (lens >= RL_MAXLEN)
        log[t] = np.stack([x, xd, th, thd, act.astype(np.float32), done.astype(np.float32)], axis=1)
        s = np.stack([x, xd, th, thd], axis=1).astype(np.float32)
        if done.any():
            eps = eps + done
            lens = np.where(done, 0, lens)
            s[done] = _rl_reset_np(e[done], eps[done])
    return log


def rl(variant, clock):
    if variant != "envstep":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n, le, ls = RL_ENVS, RL_LOG_ENVS, RL_LOG_STEPS
    assert n <= 1 << 16 and le <= n
    mod = cp.RawModule(code=RL_SRC, options=RL_OPTIONS)
    init, stepk = mod.get_function("rl_init"), mod.get_function("rl_step")
    hw = _rl_weights()
    w = cp.asarray(hw)
    state = cp.zeros(4 * n, dtype=cp.float32)
    steps = cp.zeros(n, dtype=cp.uint32)
    eps = cp.zeros(n, dtype=cp.uint32)
    out = cp.zeros(2 * n, dtype=cp.float32)
    log = cp.zeros(ls * le * 6, dtype=cp.float32)
    grid = ((n + 127) // 128,)
    init(grid, (128,), (state, steps, eps, np.uint32(n)))
    t = [0]
    acc = {"episodes": 0, "length": 0, "reward": 0.0}

    def step():  # one step of every environment, rewards and dones copied back
        stepk(grid, (128,), (w, state, steps, eps, np.uint32(n), np.uint64(t[0]), out, log, np.uint32(le),
                             np.uint64(ls)))
        h = out.get()
        lens = h[n:]
        fin = lens > 0
        acc["episodes"] += int(np.count_nonzero(fin))
        acc["length"] += int(lens[fin].sum())
        acc["reward"] += float(h[:n].sum())
        t[0] += 1
    nsteps, per = _serve(step, clock)
    T = min(t[0], ls)
    glog = log.get().reshape(ls, le, 6)[:T]
    rlog = _rl_replay(hw, le, T)
    exact = bool(np.array_equal(glog, rlog))
    acts_ok = bool(np.array_equal(glog[:, :, 4:], rlog[:, :, 4:]))
    close = bool(np.allclose(glog[:, :, :4], rlog[:, :, :4], rtol=1e-5, atol=1e-6))
    ndone = int(rlog[:, :, 5].sum())
    eps_total = int(eps.get().astype(np.int64).sum())
    ok = acts_ok and close and eps_total == acc["episodes"] and acc["reward"] == float(t[0] * n)
    note(f"rl/{variant}: {t[0]} steps of {n} CartPole environments ({nsteps} after READY, {per * 1e6:.0f} us a step "
         f"with its copy back), {acc['episodes']} episodes finished (mean length "
         f"{acc['length'] / max(1, acc['episodes']):.1f}), {eps_total} on the GPU's counters, reward {acc['reward']:.0f}; "
         f"{T} logged steps of {le} environments ({ndone} episode ends) replayed in NumPy float32: actions and dones "
         f"equal: {acts_ok}, states close: {close}, bit for bit: {exact}, agree: {ok}")


# ---- ann -----------------------------------------------------------------------------------------------------------

ANN_D = 128
ANN_K = 10
ANN_CHUNK = 256
ANN_GROUP = 64
ANN_SEED = 0x414E4E
ANN_CHECK = 2  # queries of the last batch searched again in NumPy

ANN_CUDA = r"""
#define ANN_D %D%
#define ANN_K %K%
#define ANN_CHUNK %CHUNK%
#define ANN_SEED %SEED%ull
__device__ __forceinline__ float ann_u(unsigned long long h) { return (float)(h >> 40) * 5.9604645e-08f; }
// vector i: the centre of cluster splitmix(i) % 1024 plus uniform noise
extern "C" __global__ void ann_make(float* v, unsigned long long n) {
  for (unsigned long long e = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; e < n * ANN_D;
       e += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long i = e / ANN_D, d = e % ANN_D, c = splitmix(i ^ (ANN_SEED << 20)) & 1023ull;
    v[e] = (ann_u(splitmix(ANN_SEED + c * ANN_D + d)) - 0.5f) + 0.25f * (ann_u(splitmix((ANN_SEED << 32) + e)) - 0.5f);
  }
}
// insert (d, id) into a sorted top K (ties keep the earlier entry first)
__device__ __forceinline__ void ann_insert(float* bd, unsigned int* bi, float d, unsigned int id) {
  if (!(d < bd[ANN_K - 1])) return;
  int j = ANN_K - 1;
  while (j > 0 && bd[j - 1] > d) {
    bd[j] = bd[j - 1];
    bi[j] = bi[j - 1];
    --j;
  }
  bd[j] = d;
  bi[j] = id;
}
// a thread a (query q, block c of ANN_CHUNK vectors), the threads of a warp on the same block (its reads shared):
// squared L2 distances, the block's top K to cd/ci[(c nq + q) K ..]
extern "C" __global__ void ann_scan(const float4* __restrict__ v, unsigned int n, const float* __restrict__ queries,
                                    unsigned int nq, float* cd, unsigned int* ci) {
  const unsigned int t = blockIdx.x * blockDim.x + threadIdx.x, q = t % nq, c = t / nq;
  if (c >= n / ANN_CHUNK) return;
  const float* qq = queries + q * ANN_D;
  float bd[ANN_K];
  unsigned int bi[ANN_K];
  for (int k = 0; k < ANN_K; ++k) {
    bd[k] = 3.0e38f;
    bi[k] = 0xFFFFFFFFu;
  }
  for (unsigned int i = c * ANN_CHUNK; i < (c + 1) * ANN_CHUNK; ++i) {
    const float4* p = v + (unsigned long long)i * (ANN_D / 4);
    float acc = 0.0f;
#pragma unroll 8
    for (int j = 0; j < ANN_D / 4; ++j) {
      const float4 f = p[j];
      const float a = __ldg(qq + 4 * j) - f.x, b = __ldg(qq + 4 * j + 1) - f.y;
      const float g = __ldg(qq + 4 * j + 2) - f.z, h = __ldg(qq + 4 * j + 3) - f.w;
      acc += a * a + b * b + g * g + h * h;
    }
    ann_insert(bd, bi, acc, i);
  }
  float* od = cd + ((unsigned long long)c * nq + q) * ANN_K;
  unsigned int* oi = ci + ((unsigned long long)c * nq + q) * ANN_K;
  for (int k = 0; k < ANN_K; ++k) {
    od[k] = bd[k];
    oi[k] = bi[k];
  }
}
// a thread a (query q, output list g): merges input lists g nin .. g nin + nin - 1 of q
extern "C" __global__ void ann_merge(const float* __restrict__ cd, const unsigned int* __restrict__ ci,
                                     unsigned int nin, unsigned int nq, unsigned int nout, float* od,
                                     unsigned int* oi) {
  const unsigned int t = blockIdx.x * blockDim.x + threadIdx.x, q = t % nq, g = t / nq;
  if (g >= nout) return;
  float bd[ANN_K];
  unsigned int bi[ANN_K];
  for (int k = 0; k < ANN_K; ++k) {
    bd[k] = 3.0e38f;
    bi[k] = 0xFFFFFFFFu;
  }
  for (unsigned int l = g * nin; l < (g + 1) * nin; ++l) {
    const unsigned long long b = ((unsigned long long)l * nq + q) * ANN_K;
    for (int k = 0; k < ANN_K; ++k) {
      if (!(cd[b + k] < bd[ANN_K - 1])) break;  // the input list is sorted
      ann_insert(bd, bi, cd[b + k], ci[b + k]);
    }
  }
  const unsigned long long o = ((unsigned long long)g * nq + q) * ANN_K;
  for (int k = 0; k < ANN_K; ++k) {
    od[o + k] = bd[k];
    oi[o + k] = bi[k];
  }
}
"""
ANN_SRC = SPLITMIX_CUDA + ANN_CUDA.replace("%D%", str(ANN_D)).replace("%K%", str(ANN_K)).replace(
    "%CHUNK%", str(ANN_CHUNK)).replace("%SEED%", str(ANN_SEED))


def ann(variant, clock):
    if variant != "serve":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n, nq, K = ANN_N, ANN_Q, ANN_K
    nchunks = n // ANN_CHUNK
    assert n % (ANN_CHUNK * ANN_GROUP) == 0
    ngroups = nchunks // ANN_GROUP
    mod = cp.RawModule(code=ANN_SRC)
    make, scan, merge = (mod.get_function(k) for k in ("ann_make", "ann_scan", "ann_merge"))
    v = cp.empty(n * ANN_D, dtype=cp.float32)
    make((sms() * 8,), (256,), (v, np.uint64(n)))
    rng = np.random.default_rng(0xA11)
    pool_ids = np.sort(rng.choice(n, size=min(ANN_POOL, n), replace=False)).astype(np.int64)
    hv_pool = v.get().reshape(n, ANN_D)[pool_ids] if n <= ANN_POOL * 4 else \
        np.stack([v[int(i) * ANN_D:(int(i) + 1) * ANN_D].get() for i in pool_ids])
    cd = cp.empty(nchunks * nq * K, dtype=cp.float32)
    ci = cp.empty(nchunks * nq * K, dtype=cp.uint32)
    gd = cp.empty(ngroups * nq * K, dtype=cp.float32)
    gi = cp.empty(ngroups * nq * K, dtype=cp.uint32)
    od = cp.empty(nq * K, dtype=cp.float32)
    oi = cp.empty(nq * K, dtype=cp.uint32)
    stat = {"batches": 0, "top1": 0}
    last = {}

    def step():  # a batch of fresh queries copied in, searched, its top-10s copied back
        src = rng.integers(0, len(pool_ids), nq)
        qh = (hv_pool[src] + rng.standard_normal((nq, ANN_D), dtype=np.float32) * np.float32(0.01)).astype(np.float32)
        qd = cp.asarray(qh.reshape(-1))
        scan(((nchunks * nq + 127) // 128,), (128,), (v, np.uint32(n), qd, np.uint32(nq), cd, ci))
        merge(((ngroups * nq + 127) // 128,), (128,), (cd, ci, np.uint32(ANN_GROUP), np.uint32(nq),
                                                       np.uint32(ngroups), gd, gi))
        merge(((nq + 127) // 128,), (128,), (gd, gi, np.uint32(ngroups), np.uint32(nq), np.uint32(1), od, oi))
        hd, hi = od.get().reshape(nq, K), oi.get().reshape(nq, K)
        stat["batches"] += 1
        stat["top1"] += int(np.count_nonzero(hi[:, 0].astype(np.int64) == pool_ids[src]))
        last.update(q=qh, d=hd, i=hi)
    nb, per = _serve(step, clock)
    hv = v.get().reshape(n, ANN_D)
    ids_eq, close_n = 0, 0
    for j in range(min(ANN_CHECK, nq)):
        q = last["q"][j]
        dist = np.empty(n, dtype=np.float64)
        for a in range(0, n, 1 << 16):
            dist[a:a + (1 << 16)] = ((hv[a:a + (1 << 16)].astype(np.float64) - q) ** 2).sum(axis=1)
        top = np.argsort(dist, kind="stable")[:K]
        gi_, gd_ = last["i"][j].astype(np.int64), last["d"][j]
        ids_eq += bool(np.array_equal(top, gi_))
        close_n += bool(np.allclose(gd_, dist[top], rtol=1e-4, atol=1e-5)) and \
            bool(np.allclose(dist[gi_], gd_, rtol=1e-4, atol=1e-5)) and bool(np.all(np.diff(gd_) >= 0))
    checked = min(ANN_CHECK, nq)
    recall = stat["top1"] / max(1, stat["batches"] * nq)
    ok = close_n == checked and recall > 0.99
    note(f"ann/{variant}: {stat['batches']} batches of {nq} queries ({nb} after READY, {per * 1e6:.0f} us a batch with "
         f"its copies in and back) against {n} {ANN_D}-d vectors ({n * ANN_D * 4 >> 20} MiB) in {nchunks} blocks; "
         f"top-1 is the query's source vector for {recall:.4f} of queries; {checked} queries of the last batch "
         f"searched in NumPy (float64): top-{K} distances equal within 1e-4: {close_n}, ids equal: {ids_eq}, "
         f"agree: {ok}")


# ---- stream --------------------------------------------------------------------------------------------------------

ST_PANES = 8
ST_PANE_BATCHES = 8
ST_SEED = 0x5354524D
ST_KSEED = 0x53544B

ST_CUDA = r"""
#define ST_SEED %SEED%ull
#define ST_KSEED %KSEED%ull
__device__ __forceinline__ unsigned long long st_home(unsigned long long key, unsigned long long mask) {
  return ((key * 0x9E3779B97F4A7C15ull) >> 23) & mask;
}
// pane column p of every slot cleared (a pane coming round again)
extern "C" __global__ void st_clear(unsigned int* cnt, unsigned long long* sum, unsigned long long slots,
                                    unsigned int panes, unsigned int p) {
  for (unsigned long long s = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; s < slots;
       s += (unsigned long long)gridDim.x * blockDim.x) {
    cnt[s * panes + p] = 0u;
    sum[s * panes + p] = 0ull;
  }
}
// micro-batch m of n events, a thread an event: key id log-uniform below 2^21, a 10-bit value; its slot found or
// claimed (atomicCAS, linear probing), count and sum of pane p added by atomics
extern "C" __global__ void st_events(unsigned long long* keys, unsigned int* cnt, unsigned long long* sum,
                                     unsigned long long mask, unsigned int panes, unsigned int p,
                                     unsigned long long m, unsigned int n, unsigned long long* stats) {
  const unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const unsigned long long r = splitmix(((m << 20) | i) ^ ST_SEED);
  const unsigned int bits = (unsigned int)(r % 22ull);
  const unsigned long long id = (r >> 22) & ((1ull << bits) - 1ull), val = (r >> 50) & 1023ull;
  const unsigned long long key = splitmix(id ^ ST_KSEED);
  unsigned long long s = st_home(key, mask), probes = 1;
  for (;; ++probes) {
    const unsigned long long prev = atomicCAS(&keys[s], 0ull, key);
    if (prev == 0ull || prev == key) break;
    s = (s + 1) & mask;
  }
  atomicAdd(&cnt[s * panes + p], 1u);
  atomicAdd(&sum[s * panes + p], val);
  atomicAdd(&stats[0], probes);
}
// a thread a watched key id: its window count and sum (all panes), 0 and 0 if it has not been seen
extern "C" __global__ void st_query(const unsigned long long* __restrict__ keys, const unsigned int* __restrict__ cnt,
                                    const unsigned long long* __restrict__ sum, unsigned long long mask,
                                    unsigned int panes, const unsigned long long* __restrict__ ids, unsigned int nw,
                                    unsigned long long* out) {
  const unsigned int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w >= nw) return;
  const unsigned long long key = splitmix(ids[w] ^ ST_KSEED);
  unsigned long long s = st_home(key, mask), c = 0, t = 0;
  for (;;) {
    const unsigned long long k = keys[s];
    if (k == key) {
      for (unsigned int p = 0; p < panes; ++p) {
        c += cnt[s * panes + p];
        t += sum[s * panes + p];
      }
      break;
    }
    if (k == 0ull) break;
    s = (s + 1) & mask;
  }
  out[2 * w] = c;
  out[2 * w + 1] = t;
}
"""
ST_SRC = SPLITMIX_CUDA + ST_CUDA.replace("%SEED%", str(ST_SEED)).replace("%KSEED%", str(ST_KSEED))


def _st_events_np(m0, m1, n):
    """Key ids and values of micro-batches m0 .. m1 (inclusive)."""
    m = np.arange(m0, m1 + 1, dtype=_U64)
    i = np.arange(n, dtype=_U64)
    r = splitmix64_np(((m[:, None] << _U64(20)) | i[None, :]) ^ _U64(ST_SEED)).reshape(-1)
    bits = r % _U64(22)
    ids = (r >> _U64(22)) & ((_U64(1) << bits) - _U64(1))
    return ids, (r >> _U64(50)) & _U64(1023)


def _st_window(m):
    """First micro-batch of the window micro-batch m reads."""
    c = m // ST_PANE_BATCHES
    return max(0, (c - ST_PANES + 1) * ST_PANE_BATCHES)


def stream(variant, clock):
    if variant != "window":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    slots, n, P, nw = ST_SLOTS, ST_EVENTS, ST_PANES, ST_WATCH
    assert slots & (slots - 1) == 0 and slots >= 1 << 22 and n <= 1 << 20
    mod = cp.RawModule(code=ST_SRC)
    clear, events, query = (mod.get_function(k) for k in ("st_clear", "st_events", "st_query"))
    keys = cp.zeros(slots, dtype=cp.uint64)
    cnt = cp.zeros(slots * P, dtype=cp.uint32)
    sm = cp.zeros(slots * P, dtype=cp.uint64)
    stats = cp.zeros(1, dtype=cp.uint64)
    mask = np.uint64(slots - 1)
    hids = np.array([0, 1, 2, 3, 5, 7, 11, 13, 100, 255, 1000, 4095, 12345, 65535, 99999, 1 << 20]
                    + [int(x) for x in np.random.default_rng(0x57).integers(0, 1 << 21, nw)], dtype=_U64)[:nw]
    ids = cp.asarray(hids)
    out = cp.zeros(2 * nw, dtype=cp.uint64)
    m = [0]
    last = {}
    cgrid = (sms() * 8,)

    def step():  # a micro-batch: (a pane cleared,) events added, the watched keys' window read back
        pane = m[0] // ST_PANE_BATCHES
        p = pane % P
        if m[0] % ST_PANE_BATCHES == 0 and pane >= P:
            clear(cgrid, (256,), (cnt, sm, np.uint64(slots), np.uint32(P), np.uint32(p)))
        events(((n + 255) // 256,), (256,), (keys, cnt, sm, mask, np.uint32(P), np.uint32(p), np.uint64(m[0]),
                                             np.uint32(n), stats))
        query(((nw + 127) // 128,), (128,), (keys, cnt, sm, mask, np.uint32(P), ids, np.uint32(nw), out))
        last["out"] = out.get()
        last["m"] = m[0]
        m[0] += 1
    nb, per = _serve(step, clock)
    mlast = last["m"]
    m0 = _st_window(mlast)
    eid, evl = _st_events_np(m0, mlast, n)
    exp_c = np.array([int(np.count_nonzero(eid == w)) for w in hids], dtype=np.int64)
    exp_s = np.array([int(evl[eid == w].sum(dtype=np.uint64)) for w in hids], dtype=np.int64)
    got = last["out"].reshape(nw, 2).astype(np.int64)
    keys_ok = int(np.count_nonzero((got[:, 0] == exp_c) & (got[:, 1] == exp_s)))
    total = int(cnt.sum(dtype=cp.uint64))
    distinct = int(cp.count_nonzero(keys))
    ok = keys_ok == nw and total == (mlast - m0 + 1) * n
    note(f"stream/{variant}: {m[0]} micro-batches of {n} events ({nb} after READY, {per * 1e6:.0f} us a micro-batch "
         f"with its copy back), {distinct} distinct keys in a {slots}-slot table, "
         f"{int(stats.get()[0]) / max(1, m[0] * n):.2f} slots probed an event; last window: micro-batches {m0} .. "
         f"{mlast}, {total} events counted on the GPU (expected {(mlast - m0 + 1) * n}), hottest watched key "
         f"{int(exp_c.max())} events; {keys_ok} of {nw} watched keys' window count and sum equal to a Python replay "
         f"of the window's events, agree: {ok}")


# ---- sql -----------------------------------------------------------------------------------------------------------

SQL_FAN = 256
SQL_KSEED = 0x53514C4B
SQL_VSEED = 0x53514C56
SQL_MAXROWS = 4096
SQL_RANGE = 4096  # widest key range a range lookup asks for

SQL_CUDA = r"""
#define SQL_FAN %FAN%u
#define SQL_KSEED %KSEED%ull
#define SQL_VSEED %VSEED%ull
#define SQL_MAXROWS %MAXROWS%ull
// row i: key i 64 + (hash & 63) (strictly increasing), a 16-bit value
extern "C" __global__ void sql_make(unsigned long long* keys, unsigned int* vals, unsigned long long n) {
  for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    keys[i] = (i << 6) + (splitmix(i ^ SQL_KSEED) & 63ull);
    vals[i] = (unsigned int)(splitmix(i ^ SQL_VSEED) >> 48);
  }
}
extern "C" __global__ void sql_top(const unsigned long long* __restrict__ keys, unsigned long long* top,
                                   unsigned long long ntop) {
  for (unsigned long long j = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; j < ntop;
       j += (unsigned long long)gridDim.x * blockDim.x)
    top[j] = keys[j * SQL_FAN];
}
// a thread a lookup [lo, hi): the first row with key >= lo (binary search of the top level, then of its leaf), then
// the rows with key < hi counted and their values summed; out = (position, count, sum)
extern "C" __global__ void sql_lookup(const unsigned long long* __restrict__ keys, const unsigned int* __restrict__ vals,
                                      unsigned long long n, const unsigned long long* __restrict__ top,
                                      unsigned long long ntop, const unsigned long long* __restrict__ q,
                                      unsigned int nq, unsigned long long* out) {
  const unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= nq) return;
  const unsigned long long lo = q[i], hi = q[nq + i];
  unsigned long long a = 0, b = ntop;
  while (a < b) {  // the first top entry above lo
    const unsigned long long mid = (a + b) >> 1;
    if (top[mid] <= lo) a = mid + 1; else b = mid;
  }
  unsigned long long pos = 0;
  if (a > 0) {
    unsigned long long x = (a - 1) * SQL_FAN, y = x + SQL_FAN < n ? x + SQL_FAN : n;
    while (x < y) {
      const unsigned long long mid = (x + y) >> 1;
      if (keys[mid] < lo) x = mid + 1; else y = mid;
    }
    pos = x;
  }
  unsigned long long c = 0, s = 0;
  for (unsigned long long k = pos; k < n && keys[k] < hi && c < SQL_MAXROWS; ++k) {
    ++c;
    s += vals[k];
  }
  out[3 * i] = pos;
  out[3 * i + 1] = c;
  out[3 * i + 2] = s;
}
"""
SQL_SRC = SPLITMIX_CUDA + SQL_CUDA.replace("%FAN%", str(SQL_FAN)).replace("%KSEED%", str(SQL_KSEED)).replace(
    "%VSEED%", str(SQL_VSEED)).replace("%MAXROWS%", str(SQL_MAXROWS))


def _sql_key_np(i):
    i = np.asarray(i, dtype=_U64)
    return (i << _U64(6)) + (splitmix64_np(i ^ _U64(SQL_KSEED)) & _U64(63))


def _sql_queries(rng, n, nq):
    """A batch: half point lookups of present keys, a quarter of random (mostly absent) keys, a quarter ranges."""
    kind = rng.integers(0, 4, nq)
    lo = rng.integers(0, n << 6, nq).astype(_U64)
    lo = np.where(kind < 2, _sql_key_np(rng.integers(0, n, nq)), lo)
    width = np.where(kind == 3, rng.integers(1, SQL_RANGE + 1, nq), 1).astype(_U64)
    return np.concatenate([lo, lo + width]).astype(_U64)


def sql(variant, clock):
    if variant != "point":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    n, nq = SQL_N, SQL_BATCH
    assert n % SQL_FAN == 0
    ntop = n // SQL_FAN
    mod = cp.RawModule(code=SQL_SRC)
    make, topk, lookup = (mod.get_function(k) for k in ("sql_make", "sql_top", "sql_lookup"))
    keys = cp.empty(n, dtype=cp.uint64)
    vals = cp.empty(n, dtype=cp.uint32)
    top = cp.empty(ntop, dtype=cp.uint64)
    make((sms() * 8,), (256,), (keys, vals, np.uint64(n)))
    topk((sms() * 8,), (256,), (keys, top, np.uint64(ntop)))
    out = cp.zeros(3 * nq, dtype=cp.uint64)
    rng = np.random.default_rng(0x5A1)
    kept = []
    stat = {"batches": 0, "found": 0, "rows": 0}

    def step():  # a batch of lookups copied in, answered, its results copied back
        hq = _sql_queries(rng, n, nq)
        qd = cp.asarray(hq)
        lookup(((nq + 127) // 128,), (128,), (keys, vals, np.uint64(n), top, np.uint64(ntop), qd, np.uint32(nq), out))
        h = out.get().reshape(nq, 3)
        stat["batches"] += 1
        stat["rows"] += int(h[:, 1].sum())
        if len(kept) < 1:
            kept.append((hq, h))
        else:
            kept[1:] = [(hq, h)]
    nb, per = _serve(step, clock)
    hk, hv = keys.get(), vals.get()
    ramp = bool(np.all(hk[1:] > hk[:-1]))
    si = np.random.default_rng(0x5A2).integers(0, n, 4096)
    col_ok = bool(np.array_equal(hk[si], _sql_key_np(si)))
    cs = np.concatenate([[0], np.cumsum(hv, dtype=np.int64)])
    agree_n = 0
    for hq, h in kept:
        lo, hi = hq[:nq], hq[nq:]
        pos = np.searchsorted(hk, lo, side="left")
        end = np.searchsorted(hk, hi, side="left")
        exp = np.stack([pos, end - pos, cs[end] - cs[pos]], axis=1).astype(np.int64)
        agree_n += bool(np.array_equal(h.astype(np.int64), exp))
    hq, h = kept[-1]
    found = int(np.count_nonzero(h[:, 1] > 0))
    ok = agree_n == len(kept) and ramp and col_ok
    note(f"sql/{variant}: {stat['batches']} batches of {nq} lookups ({nb} after READY, {per * 1e6:.0f} us a batch with "
         f"its copies in and back) into a sorted column of {n} keys ({n * 12 >> 20} MiB with values, a {ntop}-key top "
         f"level), {stat['rows']} rows aggregated; last batch: {found} lookups found rows; {agree_n} of {len(kept)} "
         f"batches (first and last) equal to numpy.searchsorted and a cumulative sum of the column: positions, counts "
         f"and sums; keys increasing: {ramp}, 4096 keys equal to the generator's: {col_ok}, agree: {ok}")
