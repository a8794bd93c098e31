"""Quantum circuit simulation on a state vector, RSA-style modular exponentiation for a signing service, and LSM-tree
compaction for a key-value database (label 0).

A tenth set of benign work, three kinds a data centre runs that training had no kin of:

  qsim  a state-vector quantum circuit simulator (cuQuantum/qsim-like): 28 qubits, 2^28 complex64 amplitudes
        (2 GiB). A launch applies one layer of a random circuit: a U3(theta, phi, lambda) gate on every qubit (a
        kernel a gate, a thread a pair of amplitudes 2^q apart: a 2x2 complex matrix times the pair, fp32), then CZ
        on neighbouring pairs (even pairs on even layers, odd on odd: a sign flip where both bits are set, a pass
        over the state). Memory-bound fp32 with strided access that changes with the qubit.
  rsa   RSA-CRT-style signing (a TLS or code-signing offload): 1024-bit modular exponentiation, a thread a
        signature half, 32-bit limbs, Montgomery multiplication (CIOS), a fixed 4-bit window that always
        multiplies (constant time, as signing code does) with its 16-entry table in local memory; eight keys
        (odd 1024-bit moduli with the top bit set and 1024-bit exponents: primes are not needed for the same
        arithmetic), messages made on the GPU from (launch, thread), every result written back to a buffer.
        Integer multiply-add chains with little DRAM: the compute-bound corner hashing also sits in.
  lsm   LSM-tree compaction (RocksDB-like, offloaded): 8 sorted runs of 2^23 entries (64-bit keys, 32-bit values;
        keys distinct within a run and overlapping across runs, 1 in 16 entries a deletion), merged by three levels
        of pairwise merge-path merges (a thread finds its diagonal by binary search, then merges 32 entries) on
        (key, newest run first), then the newest live entry of each key kept (a flag pass and a stream
        compaction). Memory-bound 64-bit compares and data-dependent branches.

Self-checks, printed with the summary line (`agree:`): qsim runs the same kernels on a 12-qubit state for four layers
at set-up and compares with NumPy (complex128, gates applied by reshaping), and checks the norm of the full state
at the end; rsa recomputes 8 of the last launch's results with Python's pow(m, d, n); lsm checks that the output is
sorted and distinct and recomputes the compaction of a random 2^16-key range in NumPy.
"""
import math

import numpy as np

from common import SPLITMIX_CUDA, calibrated_launches, cupy_loop, note, repeat_step, sms, splitmix64

M32 = 0xFFFFFFFF

# ---- qsim ----------------------------------------------------------------------------------------------------------
QS_QUBITS = 28
QS_CHECK_QUBITS = 12
QS_CHECK_LAYERS = 4
QS_SEED = 0x951

QS_SRC = r"""
typedef unsigned long long u64;
// one U3 on qubit q: a thread a pair (i0, i1 = i0 | 2^q), k over the 2^(n-1) pairs
extern "C" __global__ void qs_u3(float2* __restrict__ s, u64 half, int q, float ar, float ai, float br, float bi,
                                 float cr, float ci, float dr, float di) {
  const u64 low = (1ull << q) - 1;
  for (u64 k = (u64)blockIdx.x * blockDim.x + threadIdx.x; k < half; k += (u64)gridDim.x * blockDim.x) {
    const u64 i0 = ((k & ~low) << 1) | (k & low), i1 = i0 | (1ull << q);
    const float2 x = s[i0], y = s[i1];
    s[i0] = make_float2(ar * x.x - ai * x.y + br * y.x - bi * y.y, ar * x.y + ai * x.x + br * y.y + bi * y.x);
    s[i1] = make_float2(cr * x.x - ci * x.y + dr * y.x - di * y.y, cr * x.y + ci * x.x + dr * y.y + di * y.x);
  }
}
// CZ on the pairs (q, q + 1) for q = first, first + 2, ... < n - 1: -1 for each pair whose two bits are set
extern "C" __global__ void qs_cz(float2* __restrict__ s, u64 size, int first, int n) {
  u64 low = 0;  // bit q set for each pair's lower qubit q
  for (int q = first; q + 1 < n; q += 2) low |= 1ull << q;
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < size; i += (u64)gridDim.x * blockDim.x) {
    const u64 both = i & (i >> 1) & low;  // pairs with both bits set (the pairs are disjoint)
    if (__popcll(both) & 1) { const float2 v = s[i]; s[i] = make_float2(-v.x, -v.y); }
  }
}
// sum of |amplitude|^2 in fp64, a block's partial sum a slot
extern "C" __global__ void qs_norm(const float2* __restrict__ s, u64 size, double* part) {
  double acc = 0;
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < size; i += (u64)gridDim.x * blockDim.x) {
    const float2 v = s[i];
    acc += (double)v.x * v.x + (double)v.y * v.y;
  }
  for (int o = 16; o; o >>= 1) acc += __shfl_down_sync(0xFFFFFFFFu, acc, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(part + blockIdx.x, acc);
}
"""


def _u3(theta, phi, lam):
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[c, -np.exp(1j * lam) * s], [np.exp(1j * phi) * s, np.exp(1j * (phi + lam)) * c]])


def _qs_layer_gates(layer, n):
    """The U3 matrices of a layer (one a qubit), from its number."""
    ang = np.random.default_rng(QS_SEED + layer).uniform(0, 2 * math.pi, size=(n, 3))
    return [_u3(*a) for a in ang]


def _qs_cz_sign(n, first):
    """The CZ layer's signs (+1/-1) of each basis state, as qs_cz flips them."""
    i = np.arange(1 << n, dtype=np.uint64)
    flips = np.zeros(1 << n, dtype=np.int64)
    for q in range(first, n - 1, 2):
        flips += ((i >> np.uint64(q)) & (i >> np.uint64(q + 1)) & np.uint64(1)).astype(np.int64)
    return np.where(flips & 1, -1.0, 1.0)


def _qs_numpy(n, layers):
    psi = np.zeros(1 << n, dtype=np.complex128)
    psi[0] = 1
    for layer in range(layers):
        for q, u in enumerate(_qs_layer_gates(layer, n)):
            v = psi.reshape(1 << (n - q - 1), 2, 1 << q)
            psi = np.einsum("ab,ibj->iaj", u, v).reshape(-1)
        psi = psi * _qs_cz_sign(n, layer & 1)
    return psi


def qsim(variant, clock):
    if variant != "statevector":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=QS_SRC)
    u3k, czk, normk = (mod.get_function(k) for k in ("qs_u3", "qs_cz", "qs_norm"))
    grid = sms() * 8

    def layer(s, n, number):
        for q, u in enumerate(_qs_layer_gates(number, n)):
            args = [float(x) for z in u.reshape(-1) for x in (z.real, z.imag)]
            u3k((grid,), (256,), (s, np.uint64(1 << (n - 1)), np.int32(q), *[np.float32(a) for a in args]))
        czk((grid,), (256,), (s, np.uint64(1 << n), np.int32(number & 1), np.int32(n)))

    def norm(s, n):
        part = cp.zeros(grid, dtype=cp.float64)
        normk((grid,), (256,), (s, np.uint64(1 << n), part))
        return float(part.sum())

    # the self-check, at set-up: the kernels on a small state against NumPy
    small = cp.zeros(2 << QS_CHECK_QUBITS, dtype=cp.float32)
    small[0] = 1
    for number in range(QS_CHECK_LAYERS):
        layer(small, QS_CHECK_QUBITS, number)
    got = small.get().view(np.complex64).astype(np.complex128)
    want = _qs_numpy(QS_CHECK_QUBITS, QS_CHECK_LAYERS)
    small_err = float(np.abs(got - want).max())
    small_ok = small_err < 1e-4

    n = QS_QUBITS
    state = cp.zeros(2 << n, dtype=cp.float32)  # complex64 as (re, im) pairs
    state[0] = 1
    done = [0]

    def launch():
        layer(state, n, done[0])
        done[0] += 1
    nl, per = calibrated_launches(launch, 16)
    cupy_loop(repeat_step(launch, nl), clock)
    total = norm(state, n)
    ok = small_ok and abs(total - 1) < 1e-3
    note(f"qsim/{variant}: {done[0]} layers of a random {n}-qubit circuit ({n} U3 gates and a CZ layer each) on "
         f"{2 ** n} complex64 amplitudes ({state.nbytes / 2**30:.0f} GiB), norm after them {total:.6f}, "
         f"{QS_CHECK_QUBITS}-qubit check of {QS_CHECK_LAYERS} layers against NumPy: max error {small_err:.2e}, "
         f"agree: {ok}, {per * 1e3:.2f} ms a layer ({(n + 1) * state.nbytes * 2 / per / 1e12:.2f} TB/s moved), "
         f"{nl} a step")


# ---- rsa -----------------------------------------------------------------------------------------------------------
RSA_LIMBS = 32  # 32-bit limbs: 1024-bit moduli (the halves of RSA-2048 with CRT)
RSA_KEYS = 8
RSA_MSG_SEED = 0x5164
RSA_CHECK = 8

RSA_CUDA = r"""
typedef unsigned int u32;
typedef unsigned long long u64;
#define L %L%
#define KEYS %KEYS%
#define MSG_SEED %SEED%ull
// r = a * b / 2^(32 L) mod n (Montgomery, CIOS); a, b < n; r may be a or b
__device__ __noinline__ void mont(u32* r, const u32* a, const u32* b, const u32* __restrict__ n, u32 ninv) {
  u32 t[L + 2];
#pragma unroll
  for (int j = 0; j < L + 2; ++j) t[j] = 0;
#pragma unroll 1
  for (int i = 0; i < L; ++i) {
    u64 c = 0;
    const u64 bi = b[i];
#pragma unroll
    for (int j = 0; j < L; ++j) { const u64 x = (u64)t[j] + (u64)a[j] * bi + c; t[j] = (u32)x; c = x >> 32; }
    u64 x = (u64)t[L] + c;
    t[L] = (u32)x;
    t[L + 1] = (u32)(x >> 32);
    const u64 m = (u32)(t[0] * ninv);
    x = (u64)t[0] + m * n[0];
    c = x >> 32;
#pragma unroll
    for (int j = 1; j < L; ++j) { x = (u64)t[j] + m * n[j] + c; t[j - 1] = (u32)x; c = x >> 32; }
    x = (u64)t[L] + c;
    t[L - 1] = (u32)x;
    t[L] = t[L + 1] + (u32)(x >> 32);
  }
  // t < 2n: take n off once if t >= n
  bool ge = t[L] != 0;
  if (!ge) {
    ge = true;
    for (int j = L - 1; j >= 0; --j)
      if (t[j] != n[j]) { ge = t[j] > n[j]; break; }
  }
  u64 br = 0;
#pragma unroll
  for (int j = 0; j < L; ++j) {
    const u64 x = (u64)t[j] - (ge ? n[j] : 0u) - br;
    r[j] = (u32)x;
    br = (x >> 32) & 1;
  }
}
// a thread: key t % KEYS, message words splitmix((((launch << 32) | t) << 6 | j) ^ MSG_SEED) (the top one reduced
// below the modulus's), out = message ^ d mod n
extern "C" __global__ void rsa(const u32* __restrict__ N, const u32* __restrict__ R2, const u32* __restrict__ ONE,
                               const u32* __restrict__ NINV, const u32* __restrict__ D, u64 launch, u64 threads,
                               u32* __restrict__ out) {
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= threads) return;
  const int k = (int)(t % KEYS);
  const u32* n = N + k * L;
  const u32* d = D + k * L;
  const u32 ninv = NINV[k];
  u32 m[L], x[L];
  u32 tab[16][L];
#pragma unroll
  for (int j = 0; j < L; ++j) m[j] = (u32)splitmix((((launch << 32) | t) << 6 | (u64)j) ^ MSG_SEED);
  m[L - 1] %= n[L - 1];
  for (int j = 0; j < L; ++j) tab[0][j] = ONE[k * L + j];
  mont(tab[1], m, R2 + k * L, n, ninv);
  for (int i = 2; i < 16; ++i) mont(tab[i], tab[i - 1], tab[1], n, ninv);
  for (int j = 0; j < L; ++j) x[j] = tab[0][j];
#pragma unroll 1
  for (int w = L * 8 - 1; w >= 0; --w) {  // 4-bit windows from the top, every one multiplied (tab[0] is one)
#pragma unroll 1
    for (int s = 0; s < 4; ++s) mont(x, x, x, n, ninv);
    mont(x, x, tab[(d[w >> 3] >> ((w & 7) * 4)) & 15], n, ninv);
  }
#pragma unroll
  for (int j = 0; j < L; ++j) m[j] = j == 0;
  mont(x, x, m, n, ninv);  // out of Montgomery form
#pragma unroll
  for (int j = 0; j < L; ++j) out[t * L + j] = x[j];
}
"""
RSA_SRC = SPLITMIX_CUDA + RSA_CUDA.replace("%L%", str(RSA_LIMBS)).replace("%KEYS%", str(RSA_KEYS)) \
    .replace("%SEED%", hex(RSA_MSG_SEED))


def _rsa_keys():
    """(moduli, exponents) as ints: odd, the top bit set; exponents of the same size."""
    rng = np.random.default_rng(0x25A)
    bits = 32 * RSA_LIMBS

    def big():
        return int.from_bytes(rng.bytes(bits // 8), "little")
    mods = [big() | (1 << (bits - 1)) | 1 for _ in range(RSA_KEYS)]
    exps = [big() for _ in range(RSA_KEYS)]
    return mods, exps


def _limbs(v):
    return [(v >> (32 * j)) & M32 for j in range(RSA_LIMBS)]


def _rsa_message(launch, t, n):
    words = [splitmix64(((((launch << 32) | t) << 6) | j) ^ RSA_MSG_SEED) & M32 for j in range(RSA_LIMBS)]
    words[-1] %= n >> (32 * (RSA_LIMBS - 1))
    return sum(w << (32 * j) for j, w in enumerate(words))


def rsa(variant, clock):
    if variant != "sign":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    kern = cp.RawModule(code=RSA_SRC).get_function("rsa")
    mods, exps = _rsa_keys()
    r = 1 << (32 * RSA_LIMBS)
    dev = {name: cp.asarray(np.array([w for v in vals for w in _limbs(v)], dtype=np.uint32))
           for name, vals in (("N", mods), ("R2", [r * r % n for n in mods]), ("ONE", [r % n for n in mods]),
                              ("D", exps))}
    ninv = cp.asarray(np.array([(-pow(n & M32, -1, 1 << 32)) & M32 for n in mods], dtype=np.uint32))
    most = sms() * 2048
    out = cp.empty(most * RSA_LIMBS, dtype=cp.uint32)
    state = {"launch": 0, "threads": sms() * 64, "signs": 0}

    def launch():
        threads = state["threads"]
        kern(((threads + 255) // 256,), (256,), (dev["N"], dev["R2"], dev["ONE"], ninv, dev["D"],
                                                np.uint64(state["launch"]), np.uint64(threads), out))
        state["launch"] += 1
        state["signs"] += threads
    # threads a launch: as many as take about 50 ms (timed at set-up), a multiple of 256, at most 2048 an SM
    _, per = calibrated_launches(launch, 1)
    state["threads"] = max(256, int(min(most, max(sms() * 32, state["threads"] * 0.05 / per))) // 256 * 256)
    nl, per = calibrated_launches(launch, 16)
    state["signs"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    last, threads = state["launch"] - 1, state["threads"]
    got = out[:threads * RSA_LIMBS].get().reshape(threads, RSA_LIMBS)
    picks = sorted(set([0, 1, 7, threads - 1] + [int(v) for v in np.random.default_rng(5).integers(0, threads, RSA_CHECK)]))[:RSA_CHECK]
    good = 0
    for t in picks:
        n, d = mods[t % RSA_KEYS], exps[t % RSA_KEYS]
        want = pow(_rsa_message(last, t, n), d, n)
        good += sum(int(w) << (32 * j) for j, w in enumerate(got[t])) == want
    ok = good == len(picks)
    note(f"rsa/{variant}: {state['signs']} modular exponentiations after READY ({32 * RSA_LIMBS}-bit moduli and "
         f"exponents, {RSA_KEYS} keys, {threads} a launch, 4-bit windows, Montgomery CIOS on 32-bit limbs), "
         f"{len(picks)} of the last launch's results equal to Python's pow(m, d, n): {good}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({threads / per:.0f} exponentiations/s), {nl} a step")


# ---- lsm -----------------------------------------------------------------------------------------------------------
LSM_RUNS = 8
LSM_RUN = 1 << 23           # entries a run (64-bit keys, 32-bit values)
LSM_P = (1 << 27) - 39      # a prime: run r's keys are (a_r i + b_r) mod P, i < LSM_RUN, distinct within a run
LSM_TOMB = 0xFFFFFFFF       # a deletion
LSM_ITEMS = 32              # output entries a thread merges
LSM_CHECK = 1 << 16         # keys of the range the NumPy check recomputes

LSM_CUDA = r"""
typedef unsigned long long u64;
#define ITEMS %ITEMS%
// one thread: output entries [d, d + ITEMS) of merging sorted A (na) and B (nb) (keys distinct), by merge path
extern "C" __global__ void lsm_merge(const u64* __restrict__ A, const unsigned int* __restrict__ VA, u64 na,
                                     const u64* __restrict__ B, const unsigned int* __restrict__ VB, u64 nb,
                                     u64* __restrict__ C, unsigned int* __restrict__ VC) {
  const u64 total = na + nb;
  const u64 d = ((u64)blockIdx.x * blockDim.x + threadIdx.x) * ITEMS;
  if (d >= total) return;
  u64 lo = d > nb ? d - nb : 0, hi = d < na ? d : na;
  while (lo < hi) {  // the number of A's entries among the first d outputs
    const u64 mid = (lo + hi) >> 1;
    if (A[mid] < B[d - 1 - mid]) lo = mid + 1; else hi = mid;
  }
  u64 i = lo, j = d - lo;
  const u64 end = d + ITEMS < total ? d + ITEMS : total;
  for (u64 o = d; o < end; ++o) {
    const bool takeA = j >= nb || (i < na && A[i] < B[j]);
    if (takeA) { C[o] = A[i]; VC[o] = VA[i]; ++i; } else { C[o] = B[j]; VC[o] = VB[j]; ++j; }
  }
}
// an entry survives compaction if it is its key's newest (first in merged order) and not a deletion
extern "C" __global__ void lsm_keep(const u64* __restrict__ C, const unsigned int* __restrict__ V, u64 n,
                                    unsigned char* __restrict__ keep) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (u64)gridDim.x * blockDim.x)
    keep[i] = (i == 0 || (C[i] >> 4) != (C[i - 1] >> 4)) && V[i] != 0xFFFFFFFFu;
}
"""
LSM_SRC = LSM_CUDA.replace("%ITEMS%", str(LSM_ITEMS))


def _lsm_expect(runs, vals, lo, hi):
    """NumPy's compaction of the keys in [lo, hi): (keys, values) of the newest entry of each key, deletions
    dropped. runs[r] sorted keys (uint64), vals[r] their values; a higher r is newer."""
    ks, vs, rs = [], [], []
    for r, (k, v) in enumerate(zip(runs, vals)):
        a, b = np.searchsorted(k, [lo, hi])
        ks.append(k[a:b])
        vs.append(v[a:b])
        rs.append(np.full(b - a, r, dtype=np.int64))
    k, v, r = np.concatenate(ks), np.concatenate(vs), np.concatenate(rs)
    order = np.lexsort((-r, k))  # by key, newest first
    k, v = k[order], v[order]
    first = np.ones(len(k), dtype=bool)
    first[1:] = k[1:] != k[:-1]
    keep = first & (v != LSM_TOMB)
    return k[keep], v[keep]


def lsm(variant, clock):
    if variant != "compact":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=SPLITMIX_CUDA + LSM_SRC)
    merge, keepk = mod.get_function("lsm_merge"), mod.get_function("lsm_keep")
    n = LSM_RUN
    rng = np.random.default_rng(0x15)
    runs, vals = [], []
    for r in range(LSM_RUNS):  # a run: distinct keys, sorted; values from the key and run, 1 in 16 a deletion
        a, b = (int(x) for x in rng.integers(1, LSM_P, size=2))
        k = cp.sort((cp.arange(n, dtype=cp.uint64) * cp.uint64(a) + cp.uint64(b)) % cp.uint64(LSM_P))
        h = (k * cp.uint64(0x9E3779B97F4A7C15) ^ cp.uint64(r)) >> cp.uint64(32)
        v = cp.where((h & 15) == 0, cp.uint64(LSM_TOMB), h).astype(cp.uint32)
        runs.append(k)
        vals.append(v)
    # merge on (key << 4 | 15 - run): distinct, and a key's newest entry first
    comp = cp.concatenate([(k << cp.uint64(4)) | cp.uint64(15 - r) for r, k in enumerate(runs)])
    cval = cp.concatenate(vals)
    x, y = (cp.empty_like(comp), cp.empty_like(cval)), (cp.empty_like(comp), cp.empty_like(cval))
    levels = [((comp, cval), x), (x, y), (y, x)]  # the runs stay as they are: every compaction starts from them
    keep = cp.empty(n * LSM_RUNS, dtype=cp.uint8)
    result = {"launches": 0, "kept": 0, "out": None, "outv": None}

    def launch():  # three levels of pairwise merges (8 runs -> 4 -> 2 -> 1), then the newest live entry of each key
        width = n
        for (sk, sv), (dk, dv) in levels:
            for start in range(0, n * LSM_RUNS, 2 * width):
                threads = (2 * width + LSM_ITEMS - 1) // LSM_ITEMS
                merge(((threads + 255) // 256,), (256,), (sk[start:], sv[start:], np.uint64(width),
                                                          sk[start + width:], sv[start + width:], np.uint64(width),
                                                          dk[start:], dv[start:]))
            width *= 2
        mk, mv = levels[-1][1]
        keepk((sms() * 8,), (256,), (mk, mv, np.uint64(n * LSM_RUNS), keep))
        idx = cp.nonzero(keep)[0]
        result["out"], result["outv"] = mk[idx] >> cp.uint64(4), mv[idx]
        result["kept"] = int(idx.size)
        result["launches"] += 1
    nl, per = calibrated_launches(launch, 16)
    cupy_loop(repeat_step(launch, nl), clock)
    out, outv = result["out"], result["outv"]
    sorted_ok = bool(cp.all(out[1:] > out[:-1]))
    lo = int(rng.integers(0, LSM_P - LSM_CHECK))
    hr = [k.get() for k in runs]
    hv = [v.get() for v in vals]
    ek, ev = _lsm_expect(hr, hv, lo, lo + LSM_CHECK)
    a, b = (int(x) for x in cp.searchsorted(out, cp.asarray(np.array([lo, lo + LSM_CHECK], dtype=np.uint64))))
    range_ok = bool(np.array_equal(out[a:b].get(), ek) and np.array_equal(outv[a:b].get(), ev))
    total = n * LSM_RUNS
    ok = sorted_ok and range_ok
    note(f"lsm/{variant}: {result['launches']} compactions of {LSM_RUNS} sorted runs of {n} entries ({total} in all, "
         f"64-bit keys, 32-bit values, 1 in 16 a deletion) by three levels of merge-path merges, {result['kept']} "
         f"entries kept ({result['kept'] / total:.3f}), output sorted and distinct: {sorted_ok}, the {len(ek)} entries "
         f"of keys [{lo}, {lo + LSM_CHECK}) equal to NumPy's: {range_ok}, agree: {ok}, {per * 1e3:.2f} ms a "
         f"compaction ({total * 12 * 2 * 3 / per / 1e12:.2f} TB/s merged), {nl} a step")
