"""Monte-Carlo cross-section lookups, a smoothed-particle-hydrodynamics step, a software triangle rasterizer,
Black-Scholes scenario pricing and Aho-Corasick multi-pattern scanning (label 0).

A sixteenth set of benign work, five kinds that either look like hashing in pipe-activity terms (integer hashes
feeding scattered reads and atomics, 64-bit atomicMin on a large buffer, input-dependent table walks) or widen benign
breadth where training had little (fp64 latency-bound lookups, transcendental-bound fp32 and fp64 arithmetic):

  xsbench     XSBench-like Monte-Carlo neutron cross-section lookups (the "small" problem's 68 nuclides and 12
              materials): every nuclide has its own energy grid of 2^15 points (an fp64 energy and 5 fp64 cross
              sections each, 107 MiB), made on the GPU from splitmix; their union (2^21 + 2^17 fp64 energies,
              sorted by cupy.sort) carries an index grid of int32 pointers into every nuclide's grid (606 MiB). A
              lookup draws an energy and a material (12 with XSBench's probabilities, 4-34 nuclides) from splitmix
              of its counter, binary-searches the union grid (21 dependent reads), then for each nuclide of the
              material reads its index and two neighbouring grid points (96 random bytes) and interpolates 5 cross
              sections in fp64, accumulating the macroscopic ones by concentration. About 15 nuclides a lookup on
              average: latency-bound random DRAM reads and fp64 FMAs (some 3 x 10^8 - 10^9 lookups a second is
              the guess); 2^20 threads, lookups a thread a launch timed at set-up to about 30 ms.
  sph         a smoothed-particle-hydrodynamics step of 2^21 fp32 particles in a periodic unit box (cells of the
              smoothing length, 64 a side, 8 particles a cell, some 33 neighbours): particles binned by the spatial
              hash (cx * 73856093 ^ cy * 19349663 ^ cz * 83492791) mod 2^18 with atomicAdd counts, an inclusive
              cupy.cumsum and a scatter of particle ids; then a thread a particle over the 27 cells (buckets hashed
              twice visited once) for the density (cubic-spline kernel) and pressure, again for the pressure forces,
              then a damped integration step. About 430 scattered 16-byte reads and distance tests a particle a
              step: integer hashing, scattered L2 reads and fp32 math; steps a launch timed at set-up (1-32).
  raster      a software triangle rasterizer: 2^20 small triangles a frame made in the kernel from splitmix of
              (frame, id) (a pixel centre, vertex offsets within 8 pixels in 28.4 fixed point, 21-bit depths), a
              thread a triangle over its bounding box (at most 17 x 17 pixels): integer edge functions with a
              top-left rule, the depth interpolated exactly in 64-bit integers, and the 4096 x 4096 framebuffer
              (128 MiB) updated by 64-bit atomicMin of (depth << 32 | triangle id); then a resolve pass shading each
              pixel from the winning id (splitmix colour, depth fade). About 300 pixel tests and 25 atomics a
              triangle: atomic- and integer-bound, some 3 ms a frame is the guess, frames a launch timed at set-up.
  options     Black-Scholes scenario pricing of 2^22 European options (spot, strike and expiry made on the GPU):
              a thread an option re-prices it under a grid of spot and volatility shocks, call and put (four erfc,
              a log, an exp a scenario) with delta, gamma and vega summed, once in fp32 and once in fp64 each launch
              (two kernels): SFU- and fp64-pipe-bound floating point, no tensor cores, few bytes. Scenarios a
              launch of each precision timed at set-up to about 15 ms.
  ahocorasick IDS/antivirus-style multi-pattern scanning: an Aho-Corasick automaton of 20000 random patterns of 8-32
              bytes built on the host (about 390000 states, the full goto table dense [states x 256] int32, about
              390 MiB, and output-set sizes by state), a 1 GiB random text made on the GPU with a pattern planted
              every 4 KiB; a thread scans a 1 KiB chunk (plus 31 bytes of overlap before it), one table read a
              byte whose address depends on the byte and the state, counting matches ending in its chunk and
              digesting their positions. A dependent L2/DRAM read a byte: latency- and integer-bound (some 3-5 ms
              a pass over the text is the guess), passes a launch timed at set-up.

Self-checks, printed with the summary line (`agree:`): xsbench compares the nuclide grids and the union grid with
NumPy's (regenerated, np.sort), 64 index-grid rows with np.searchsorted into each nuclide's grid, and a check launch
of 8 threads x 16 lookups with Python that finds every nuclide's interval by searching that nuclide's own grid (no
index grid), union indices, materials and argmax digests exactly and cross-section sums within 1e-12; sph runs a
check step and compares the bucket counts with np.bincount of hashes of the GPU's positions and the scattered ids
(a permutation grouped by bucket) exactly, 8 particles' densities with a brute-force fp64 sum over every particle
(1e-4) and 4 particles' accelerations (1e-3 of the sum of the magnitudes of their terms), and the integration of 8
particles; raster renders a check frame and compares a 64 x 64 window of the framebuffer and of the resolved image
exactly with Python ints (every triangle whose box meets the window), and 16 triangles' covered-pixel counts; options
prices 64 options x 16 scenarios and compares both precisions' sums with Python's math.erfc in doubles (1e-10 of
their scale for fp64, 2e-4 for fp32) and put-call parity residuals; ahocorasick compares the summed match count with
at least the planted count, and 8 threads' counts and digests (4 of them over planted patterns) with naive matching
of every pattern length at every end position in Python.
"""
import bisect
import math

import numpy as np

from common import LAUNCH_S, SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, repeat_step, \
    size_launch, splitmix64, splitmix64_np

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1
U64 = np.uint64
U32 = np.uint32
P53 = 2.0 ** -53


HEAD = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
""" + SPLITMIX_CUDA

# ---- xsbench -------------------------------------------------------------------------------------------------------
XS_NUC = 68                # nuclides (XSBench's small problem)
XS_LOG_G = 15              # points a nuclide's grid: 68 x 2^15 = 2228224 union points, a 606 MiB index grid
XS_THREADS = 1 << 20
XS_ITERS0 = 2              # lookups a thread in the first launch; then as many as take about LAUNCH_S
XS_MIN_ITERS = 1
XS_MAX_ITERS = 1 << 12
XS_SEED = 0x5B3C
XS_CHECK = 8               # threads of the check launch, XS_CHECK_ITERS lookups each
XS_CHECK_ITERS = 16
XS_ROWS = 64               # index-grid rows compared with np.searchsorted
XS_NNUC = (34, 5, 4, 4, 27, 21, 21, 21, 21, 21, 9, 9)   # nuclides a material (fuel first)
XS_DIST = (0.140, 0.052, 0.275, 0.134, 0.154, 0.064, 0.066, 0.055, 0.008, 0.015, 0.025, 0.013)

XS_CUDA = HEAD + r"""
#define NUC %NUC%
#define G %G%
#define NU ((u64)NUC * G)
#define NMAT 12
#define MAXN %MAXN%
#define SEED %SEED%ull
#define P53 1.1102230246251565e-16
// nuclide n's grid point j (e = n G + j): energy (j + u) / G, strictly increasing in j, and 5 cross sections in
// [0, 1), all from splitmix; the energies also written to the (yet unsorted) union grid
extern "C" __global__ void xs_gen(double* __restrict__ nuc, double* __restrict__ uni) {
  const u64 e = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= NU) return;
  const u32 j = (u32)(e % G);
  const double E = ((double)j + (double)(splitmix(e ^ SEED) >> 11) * P53) / (double)G;
  nuc[e * 6] = E;
  uni[e] = E;
#pragma unroll
  for (u32 k = 1; k < 6; ++k) nuc[e * 6 + k] = (double)(splitmix((e << 3) + k + SEED) >> 11) * P53;
}
// a thread a (union point u, nuclide n): the last point of n's grid at or below the union energy, clamped to
// [0, G - 2], by binary search
extern "C" __global__ void xs_index(const double* __restrict__ nuc, const double* __restrict__ uni,
                                    int* __restrict__ idx) {
  const u64 e = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= NU * NUC) return;
  const u64 u = e / NUC;
  const u32 n = (u32)(e % NUC);
  const double x = uni[u];
  const double* g = nuc + (u64)n * G * 6;
  u32 lo = 0, hi = G;
  while (lo < hi) {
    const u32 mid = (lo + hi) >> 1;
    if (g[(u64)mid * 6] <= x) lo = mid + 1; else hi = mid;
  }
  int j = (int)lo - 1;
  idx[e] = j < 0 ? 0 : (j > G - 2 ? G - 2 : j);
}
// a thread `iters` lookups (counters l0 + t iters + it): energy and material from splitmix, the union grid searched,
// every nuclide of the material interpolated through the index grid, 5 macroscopic cross sections accumulated;
// the thread's sum of them and a digest of (union index, material, argmax) written
extern "C" __global__ void xs_lookup(const double* __restrict__ nuc, const double* __restrict__ uni,
                                     const int* __restrict__ idx, const int* __restrict__ mats,
                                     const double* __restrict__ conc, const int* __restrict__ nnuc,
                                     const u32* __restrict__ cdf, u64 l0, u32 threads, u32 iters,
                                     double* __restrict__ sums, u32* __restrict__ dig) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= threads) return;
  double acc = 0.0;
  u32 dg = 2166136261u;
  for (u32 it = 0; it < iters; ++it) {
    const u64 r1 = splitmix((l0 + (u64)t * iters + it) ^ SEED), r2 = splitmix(r1);
    const double e = (double)(r1 >> 11) * P53;
    const u32 x = (u32)r2;
    u32 m = 0;
    while (m < NMAT - 1 && x >= cdf[m]) ++m;
    u64 lo = 0, hi = NU;
    while (lo < hi) {
      const u64 mid = (lo + hi) >> 1;
      if (uni[mid] <= e) lo = mid + 1; else hi = mid;
    }
    const u64 u = lo ? lo - 1 : 0;
    double xs[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
    const int nn = nnuc[m];
    for (int k = 0; k < nn; ++k) {
      const int n = mats[m * MAXN + k];
      const double c = conc[m * MAXN + k];
      const double* a = nuc + ((u64)n * G + (u64)idx[u * NUC + n]) * 6;
      const double* b = a + 6;
      const double f = (b[0] - e) / (b[0] - a[0]);
#pragma unroll
      for (int q = 0; q < 5; ++q) xs[q] += c * (b[q + 1] - f * (b[q + 1] - a[q + 1]));
    }
    u32 am = 0;
#pragma unroll
    for (u32 q = 1; q < 5; ++q)
      if (xs[q] > xs[am]) am = q;
    acc += xs[0] + xs[1] + xs[2] + xs[3] + xs[4];
    dg = (dg ^ (u32)u) * 16777619u;
    dg = (dg ^ (m | (am << 4))) * 16777619u;
  }
  sums[t] = acc;
  dig[t] = dg;
}
"""


def xs_src():
    return fill_source(XS_CUDA, NUC=XS_NUC, G=1 << XS_LOG_G, MAXN=max(XS_NNUC), SEED=hex(XS_SEED))


XS_SRC = xs_src()


def xs_grids_np():
    """The nuclide grids as xs_gen makes them, [NUC][G][6] float64, regenerated in NumPy."""
    g = 1 << XS_LOG_G
    e = np.arange(XS_NUC * g, dtype=np.uint64)
    out = np.empty((XS_NUC * g, 6))
    j = (e % U64(g)).astype(np.float64)
    out[:, 0] = (j + (splitmix64_np(e ^ U64(XS_SEED)) >> U64(11)).astype(np.float64) * P53) / g
    with np.errstate(over="ignore"):
        for k in range(1, 6):
            out[:, k] = (splitmix64_np((e << U64(3)) + U64(k) + U64(XS_SEED)) >> U64(11)).astype(np.float64) * P53
    return out.reshape(XS_NUC, g, 6)


def xs_materials():
    """(nuclide ids [12][MAXN] int32, concentrations [12][MAXN], counts [12], cumulative 32-bit thresholds [12])."""
    rng = np.random.default_rng(XS_SEED)
    mx = max(XS_NNUC)
    mats = np.zeros((12, mx), dtype=np.int32)
    conc = np.zeros((12, mx))
    for m, k in enumerate(XS_NNUC):
        mats[m, :k] = rng.choice(XS_NUC, k, replace=False)
        conc[m, :k] = rng.random(k)
    cum = np.cumsum(np.array(XS_DIST) / sum(XS_DIST))
    cdf = np.minimum(np.floor(cum * 2.0 ** 32), M32).astype(np.uint32)
    return mats, conc, np.array(XS_NNUC, dtype=np.int32), cdf


def xs_thread_py(t, iters, l0, grids, uni, mats, conc, cdf):
    """xs_lookup's (sum, digest) for thread t in Python doubles: every nuclide's interval by searching its own grid."""
    g = grids.shape[1]
    acc, dg = 0.0, 2166136261
    for it in range(iters):
        r1 = splitmix64(((l0 + t * iters + it) ^ XS_SEED) & M64)
        r2 = splitmix64(r1)
        e = float(r1 >> 11) * P53
        x = r2 & M32
        m = next((i for i in range(11) if x < int(cdf[i])), 11)
        u = max(bisect.bisect_right(uni, e) - 1, 0)
        xs = [0.0] * 5
        for k in range(XS_NNUC[m]):
            n = int(mats[m, k])
            c = float(conc[m, k])
            j = min(max(int(np.searchsorted(grids[n, :, 0], e, side="right")) - 1, 0), g - 2)
            a, b = grids[n, j], grids[n, j + 1]
            f = (b[0] - e) / (b[0] - a[0])
            for q in range(5):
                xs[q] += c * (b[q + 1] - f * (b[q + 1] - a[q + 1]))
        am = max(range(5), key=lambda q: (xs[q], -q))
        acc += sum(xs)
        dg = ((dg ^ (u & M32)) * 16777619) & M32
        dg = ((dg ^ (m | (am << 4))) * 16777619) & M32
    return acc, dg


def xsbench(variant, clock):
    if variant != "lookup":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=xs_src())
    gen, index, lookup = (mod.get_function(k) for k in ("xs_gen", "xs_index", "xs_lookup"))
    g = 1 << XS_LOG_G
    nu = XS_NUC * g
    nuc = cp.empty(nu * 6, dtype=cp.float64)
    uni0 = cp.empty(nu, dtype=cp.float64)
    gen(((nu + 255) // 256,), (256,), (nuc, uni0))
    uni = cp.sort(uni0)
    del uni0
    idx = cp.empty(nu * XS_NUC, dtype=cp.int32)
    index(((nu * XS_NUC + 255) // 256,), (256,), (nuc, uni, idx))
    hm, hc, hn, hcdf = xs_materials()
    mats, conc, nnuc, cdf = cp.asarray(hm.reshape(-1)), cp.asarray(hc.reshape(-1)), cp.asarray(hn), cp.asarray(hcdf)
    threads = XS_THREADS
    sums = cp.zeros(threads, dtype=cp.float64)
    dig = cp.zeros(threads, dtype=cp.uint32)
    state = {"l0": 0, "iters": XS_ITERS0, "lookups": 0}

    def run(n, iters):
        lookup(((n + 255) // 256,), (256,), (nuc, uni, idx, mats, conc, nnuc, cdf, U64(state["l0"]), np.uint32(n),
                                             np.uint32(iters), sums, dig))
        state["l0"] += n * iters

    def launch():
        run(threads, state["iters"])
        state["lookups"] += threads * state["iters"]
    size_launch(launch, state, "iters", XS_MIN_ITERS, XS_MAX_ITERS)
    nl, per = calibrated_launches(launch, 16)
    state["lookups"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    total = float(sums.sum())
    digest = int(np.bitwise_xor.reduce(dig.get()))
    # the grids against NumPy's, index-grid rows against searchsorted in each nuclide's grid
    grids = xs_grids_np()
    grid_ok = bool(np.array_equal(nuc.get(), grids.reshape(-1)))
    huni = uni.get()
    uni_ok = bool(np.array_equal(huni, np.sort(grids[:, :, 0].reshape(-1))))
    rows = sorted({0, nu - 1} | {int(v) for v in np.random.default_rng(43).integers(0, nu, XS_ROWS - 2)})
    rgood = 0
    for u in rows:
        want = [min(max(int(np.searchsorted(grids[n, :, 0], huni[u], side="right")) - 1, 0), g - 2)
                for n in range(XS_NUC)]
        rgood += [int(v) for v in idx[u * XS_NUC:(u + 1) * XS_NUC].get()] == want
    # a check launch of XS_CHECK threads against Python
    l0 = state["l0"]
    run(XS_CHECK, XS_CHECK_ITERS)
    hs, hd = sums.get()[:XS_CHECK], dig.get()[:XS_CHECK]
    huni_l = huni.tolist()
    good = dgood = 0
    for t in range(XS_CHECK):
        ws, wd = xs_thread_py(t, XS_CHECK_ITERS, l0, grids, huni_l, hm, hc, hcdf)
        good += abs(float(hs[t]) - ws) <= 1e-12 * max(abs(ws), 1.0)
        dgood += int(hd[t]) == wd
    ok = grid_ok and uni_ok and rgood == len(rows) and good == XS_CHECK and dgood == XS_CHECK
    note(f"xsbench/{variant}: {state['lookups']} lookups after READY ({XS_NUC} nuclides x {g} points, a union grid "
         f"of {nu} fp64 energies with a {nu * XS_NUC * 4 >> 20} MiB index grid, 12 materials, {threads} threads x "
         f"{state['iters']} lookups a launch), last launch's cross-section sum {total:.6e}, digest {digest:08x}; "
         f"grids equal to NumPy's: {grid_ok}, union grid sorted equal: {uni_ok}, {len(rows)} index rows equal to "
         f"searchsorted: {rgood}, {XS_CHECK} threads x {XS_CHECK_ITERS} lookups: sums within 1e-12: {good}, "
         f"digests equal: {dgood}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({threads * state['iters'] / per / 1e6:.1f} M lookups/s), {nl} a step")


# ---- sph -----------------------------------------------------------------------------------------------------------
SPH_N = 1 << 21            # particles
SPH_C = 64                 # cells a side (the cell is the smoothing length h = 1 / C); a power of two
SPH_LOG_T = 18             # hash buckets
SPH_SEED = 0x5A4
SPH_DT = 2e-5
SPH_KP = 1.0               # pressure = KP (rho - 1)
SPH_DAMP = 0.999
SPH_VMAX = 1.0
SPH_STEPS0 = 1             # steps a launch; then as many as take about LAUNCH_S
SPH_MIN_STEPS = 1
SPH_MAX_STEPS = 32
SPH_CHECK = 8
SPH_FCHECK = 4

SPH_CUDA = HEAD + r"""
#define NP %N%
#define C %C%
#define LOGT %LOGT%
#define TMASK ((1u << LOGT) - 1u)
#define SEED %SEED%ull
#define HINV ((float)C)
#define H2 (1.0f / ((float)C * (float)C))
#define MASS (1.0f / (float)NP)
#define SIGMA (2.5464790894703255f * (float)C * (float)C * (float)C)
#define KP %KP%f
#define DAMP %DAMP%f
#define VMAX %VMAX%f
__device__ __forceinline__ u32 sph_hash(u32 cx, u32 cy, u32 cz) {
  return ((cx * 73856093u) ^ (cy * 19349663u) ^ (cz * 83492791u)) & TMASK;
}
__device__ __forceinline__ u32 sph_cell(float x) {
  const u32 c = (u32)(x * (float)C);
  return c < C ? c : C - 1u;
}
// the cubic spline (Monaghan), q = r / h, and its derivative by r
__device__ __forceinline__ float sph_w(float q) {
  return q <= 0.5f ? SIGMA * (1.0f - 6.0f * q * q * (1.0f - q)) : SIGMA * 2.0f * (1.0f - q) * (1.0f - q) * (1.0f - q);
}
__device__ __forceinline__ float sph_dw(float q) {
  return q <= 0.5f ? SIGMA * HINV * (18.0f * q * q - 12.0f * q) : -6.0f * SIGMA * HINV * (1.0f - q) * (1.0f - q);
}
// positions: 21 random bits a coordinate; velocities zero
extern "C" __global__ void sph_init(float* __restrict__ pos, float* __restrict__ vel) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= NP) return;
  const u64 r = splitmix((u64)i ^ SEED);
#pragma unroll
  for (u32 k = 0; k < 3; ++k) {
    pos[4 * i + k] = (float)((r >> (21 * k)) & 0x1FFFFFull) * 4.76837158203125e-7f;
    vel[4 * i + k] = 0.0f;
  }
  pos[4 * i + 3] = 0.0f;
  vel[4 * i + 3] = 0.0f;
}
// a thread a particle: its cell's bucket and its slot in the bucket by atomicAdd
extern "C" __global__ void sph_bin(const float* __restrict__ pos, u32* __restrict__ count, u32* __restrict__ cell,
                                   u32* __restrict__ slot) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= NP) return;
  const u32 h = sph_hash(sph_cell(pos[4 * i]), sph_cell(pos[4 * i + 1]), sph_cell(pos[4 * i + 2]));
  cell[i] = h;
  slot[i] = atomicAdd(&count[h], 1u);
}
// particle ids grouped by bucket (csum the inclusive prefix sum of the counts)
extern "C" __global__ void sph_scatter(const u32* __restrict__ cell, const u32* __restrict__ slot,
                                       const u32* __restrict__ csum, const u32* __restrict__ count,
                                       u32* __restrict__ sorted) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= NP) return;
  const u32 h = cell[i];
  sorted[csum[h] - count[h] + slot[i]] = i;
}
// the buckets of the 27 cells round particle i's, each distinct bucket once; returns how many
__device__ __forceinline__ u32 sph_buckets(const float* pos, u32 i, u32* hs) {
  const u32 cx = sph_cell(pos[4 * i]), cy = sph_cell(pos[4 * i + 1]), cz = sph_cell(pos[4 * i + 2]);
  u32 ns = 0;
  for (u32 dz = 0; dz < 3; ++dz)
    for (u32 dy = 0; dy < 3; ++dy)
      for (u32 dx = 0; dx < 3; ++dx) {
        const u32 h = sph_hash((cx + C - 1u + dx) % C, (cy + C - 1u + dy) % C, (cz + C - 1u + dz) % C);
        bool dup = false;
        for (u32 k = 0; k < ns; ++k) dup |= hs[k] == h;
        if (!dup) hs[ns++] = h;
      }
  return ns;
}
// a thread a particle: density by the kernel sum over neighbours within h (periodic, minimum image), pressure
extern "C" __global__ void sph_density(const float* __restrict__ pos, const u32* __restrict__ sorted,
                                       const u32* __restrict__ csum, const u32* __restrict__ count,
                                       float* __restrict__ rho, float* __restrict__ prs) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= NP) return;
  u32 hs[27];
  const u32 ns = sph_buckets(pos, i, hs);
  const float xi = pos[4 * i], yi = pos[4 * i + 1], zi = pos[4 * i + 2];
  float s = 0.0f;
  for (u32 b = 0; b < ns; ++b) {
    const u32 e = csum[hs[b]];
    for (u32 k = e - count[hs[b]]; k < e; ++k) {
      const u32 j = sorted[k];
      float dx = pos[4 * j] - xi, dy = pos[4 * j + 1] - yi, dz = pos[4 * j + 2] - zi;
      dx -= rintf(dx);
      dy -= rintf(dy);
      dz -= rintf(dz);
      const float r2 = dx * dx + dy * dy + dz * dz;
      if (r2 < H2) s += sph_w(sqrtf(r2) * HINV);
    }
  }
  const float d = MASS * s;
  rho[i] = d;
  prs[i] = KP * (d - 1.0f);
}
// a thread a particle: the symmetric pressure force sum_j m (p_i / rho_i^2 + p_j / rho_j^2) dW/dr (x_j - x_i) / r
extern "C" __global__ void sph_force(const float* __restrict__ pos, const u32* __restrict__ sorted,
                                     const u32* __restrict__ csum, const u32* __restrict__ count,
                                     const float* __restrict__ rho, const float* __restrict__ prs,
                                     float* __restrict__ acc) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= NP) return;
  u32 hs[27];
  const u32 ns = sph_buckets(pos, i, hs);
  const float xi = pos[4 * i], yi = pos[4 * i + 1], zi = pos[4 * i + 2];
  const float pi = prs[i] / (rho[i] * rho[i]);
  float ax = 0.0f, ay = 0.0f, az = 0.0f;
  for (u32 b = 0; b < ns; ++b) {
    const u32 e = csum[hs[b]];
    for (u32 k = e - count[hs[b]]; k < e; ++k) {
      const u32 j = sorted[k];
      float dx = pos[4 * j] - xi, dy = pos[4 * j + 1] - yi, dz = pos[4 * j + 2] - zi;
      dx -= rintf(dx);
      dy -= rintf(dy);
      dz -= rintf(dz);
      const float r2 = dx * dx + dy * dy + dz * dz;
      if (r2 < H2 && r2 > 0.0f) {
        const float r = sqrtf(r2);
        const float c = MASS * (pi + prs[j] / (rho[j] * rho[j])) * sph_dw(r * HINV) / r;
        ax += c * dx;
        ay += c * dy;
        az += c * dz;
      }
    }
  }
  acc[4 * i] = ax;
  acc[4 * i + 1] = ay;
  acc[4 * i + 2] = az;
  acc[4 * i + 3] = 0.0f;
}
// damped symplectic Euler, velocities clamped, positions wrapped into [0, 1)
extern "C" __global__ void sph_integrate(float* __restrict__ pos, float* __restrict__ vel,
                                         const float* __restrict__ acc, float dt) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= NP) return;
#pragma unroll
  for (u32 k = 0; k < 3; ++k) {
    const float v = fminf(fmaxf(__fmul_rn(__fmaf_rn(dt, acc[4 * i + k], vel[4 * i + k]), DAMP), -VMAX), VMAX);
    vel[4 * i + k] = v;
    float x = __fmaf_rn(dt, v, pos[4 * i + k]);
    x -= floorf(x);
    pos[4 * i + k] = x < 1.0f ? x : 0.0f;
  }
}
"""


def sph_src():
    return fill_source(SPH_CUDA, N=SPH_N, C=SPH_C, LOGT=SPH_LOG_T, SEED=hex(SPH_SEED), KP=SPH_KP, DAMP=SPH_DAMP,
                       VMAX=SPH_VMAX)


SPH_SRC = sph_src()


def sph_hash_np(p):
    """Buckets of positions p [n][>=3] float32, as sph_bin makes them."""
    c = np.minimum((p[:, :3].astype(np.float32) * np.float32(SPH_C)).astype(np.int64), SPH_C - 1).astype(np.uint64)
    h = ((c[:, 0] * U64(73856093)) ^ (c[:, 1] * U64(19349663)) ^ (c[:, 2] * U64(83492791))) & U64(M32)
    return (h & U64((1 << SPH_LOG_T) - 1)).astype(np.int64)


def _w64(q, dw=False):
    """The cubic spline (or its r-derivative) in doubles, h = 1 / C."""
    sig = 8.0 / math.pi * SPH_C ** 3
    if dw:
        return np.where(q <= 0.5, sig * SPH_C * (18 * q * q - 12 * q), -6 * sig * SPH_C * (1 - q) ** 2)
    return np.where(q <= 0.5, sig * (1 - 6 * q * q * (1 - q)), sig * 2 * (1 - q) ** 3)


def sph_near_np(pos, i, radius):
    """(ids, minimum-image offsets in doubles) of particles within radius of particle i (i itself included)."""
    d = pos[:, :3].astype(np.float64) - pos[i, :3].astype(np.float64)
    d -= np.rint(d)
    r2 = (d * d).sum(axis=1)
    sel = np.nonzero(r2 < radius * radius)[0]
    return sel, d[sel]


def sph_rho_np(pos, i, cand=None):
    """Particle i's density by brute force over `cand` (all particles when None), in doubles."""
    src = pos if cand is None else pos[cand]
    d = src[:, :3].astype(np.float64) - pos[i, :3].astype(np.float64)
    d -= np.rint(d)
    r = np.sqrt((d * d).sum(axis=1))
    q = r * SPH_C
    return float(_w64(q[q < 1]).sum()) / SPH_N


def sph(variant, clock):
    if variant != "fluid":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=sph_src())
    init, binn, scatter, dens, force, integ = (mod.get_function(k) for k in (
        "sph_init", "sph_bin", "sph_scatter", "sph_density", "sph_force", "sph_integrate"))
    n, nt = SPH_N, 1 << SPH_LOG_T
    pos, vel, acc = (cp.zeros(4 * n, dtype=cp.float32) for _ in range(3))
    rho, prs = cp.zeros(n, dtype=cp.float32), cp.zeros(n, dtype=cp.float32)
    cell, slot, srt = (cp.zeros(n, dtype=cp.uint32) for _ in range(3))
    count = cp.zeros(nt, dtype=cp.uint32)
    gb = ((n + 255) // 256,)
    init(gb, (256,), (pos, vel))
    state = {"steps": SPH_STEPS0, "done": 0, "csum": None}

    def step(integrate=True):
        count.fill(0)
        binn(gb, (256,), (pos, count, cell, slot))
        csum = cp.cumsum(count, dtype=cp.uint32)
        state["csum"] = csum
        scatter(gb, (256,), (cell, slot, csum, count, srt))
        dens(gb, (256,), (pos, srt, csum, count, rho, prs))
        force(gb, (256,), (pos, srt, csum, count, rho, prs, acc))
        if integrate:
            integ(gb, (256,), (pos, vel, acc, np.float32(SPH_DT)))

    def launch():
        for _ in range(state["steps"]):
            step()
        state["done"] += state["steps"]
    size_launch(launch, state, "steps", SPH_MIN_STEPS, SPH_MAX_STEPS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check step: binning, densities and forces from the GPU's positions, then the integration
    p0, v0 = pos.get().reshape(n, 4), vel.get().reshape(n, 4)
    step(integrate=False)
    hc, hs, hcell = count.get(), srt.get(), cell.get()
    hrho, hprs, hacc = rho.get(), prs.get(), acc.get().reshape(n, 4)
    integ(gb, (256,), (pos, vel, acc, np.float32(SPH_DT)))
    p1, v1 = pos.get().reshape(n, 4), vel.get().reshape(n, 4)
    want_h = sph_hash_np(p0)
    bin_ok = bool(np.array_equal(hc.astype(np.int64), np.bincount(want_h, minlength=nt))) and \
        bool(np.array_equal(hcell.astype(np.int64), want_h))
    perm_ok = bool(np.array_equal(np.sort(hs), np.arange(n, dtype=np.uint32))) and \
        bool(np.array_equal(want_h[hs], np.repeat(np.arange(nt), hc.astype(np.int64))))
    rng = np.random.default_rng(44)
    picks = sorted({0, n - 1} | {int(v) for v in rng.integers(0, n, SPH_CHECK - 2)})
    rgood = 0
    for i in picks:
        w = sph_rho_np(p0, i)
        rgood += abs(float(hrho[i]) - w) <= 1e-4 * w and abs(float(hprs[i]) - SPH_KP * (w - 1)) <= 1e-4 * w + 1e-6
    fgood = 0
    for i in picks[:SPH_FCHECK]:
        cand, _ = sph_near_np(p0, i, 2.0 / SPH_C)
        nb, d = sph_near_np(p0, i, 1.0 / SPH_C)
        ri = sph_rho_np(p0, i, cand)
        pi = SPH_KP * (ri - 1) / (ri * ri)
        a, scale = np.zeros(3), 0.0
        for j, dj in zip(nb, d):
            r = float(np.sqrt((dj * dj).sum()))
            if j == i or r == 0.0:
                continue
            rj = sph_rho_np(p0, int(j), cand)
            c = (pi + SPH_KP * (rj - 1) / (rj * rj)) * float(_w64(np.array(r * SPH_C), dw=True)) / r / SPH_N
            a += c * dj
            scale += abs(c) * r
        fgood += bool(np.all(np.abs(hacc[i, :3] - a) <= 1e-3 * scale + 1e-7))
    # the integration of the picks from the state before the check step and the GPU's accelerations
    f32 = np.float32
    vv = np.clip((v0[picks, :3].astype(np.float64) + float(SPH_DT) * hacc[picks, :3]).astype(f32) * f32(SPH_DAMP),
                 -SPH_VMAX, SPH_VMAX).astype(f32)
    xx = (p0[picks, :3].astype(np.float64) + float(f32(SPH_DT)) * vv).astype(f32)
    xx = xx - np.floor(xx)
    xx = np.where(xx < 1, xx, 0).astype(f32)
    int_ok = bool(np.all(np.abs(v1[picks, :3] - vv) <= 1e-6 * (1 + np.abs(vv)))) and \
        bool(np.all(np.minimum(np.abs(p1[picks, :3] - xx), 1 - np.abs(p1[picks, :3] - xx)) <= 1e-6))
    ok = bin_ok and perm_ok and rgood == len(picks) and fgood == min(SPH_FCHECK, len(picks)) and int_ok
    rmean = float(hrho.astype(np.float64).mean())
    vrms = float(np.sqrt((v1[:, :3].astype(np.float64) ** 2).sum(axis=1).mean()))
    note(f"sph/{variant}: {state['done']} steps after READY ({n} particles, {SPH_C}^3 cells hashed into 2^{SPH_LOG_T} "
         f"buckets, {state['steps']} steps a launch: binning by atomicAdd, prefix sum, scatter, 27-cell density and "
         f"pressure-force passes, integration), mean density {rmean:.4f}, rms speed {vrms:.3e}, busiest bucket "
         f"{int(hc.max())}; check step: bucket counts and scatter equal to NumPy's: {bin_ok and perm_ok}, "
         f"{len(picks)} densities within 1e-4 of brute force: {rgood}, {min(SPH_FCHECK, len(picks))} accelerations: "
         f"{fgood}, integration: {int_ok}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({n * state['steps'] / per / 1e6:.1f} M particle-steps/s), {nl} a step")


# ---- raster --------------------------------------------------------------------------------------------------------
RS_W = 4096                # framebuffer width and height (powers of two, at most 2^16)
RS_H = 4096
RS_TRIS = 1 << 20          # triangles a frame
RS_SEED = 0x7A57
RS_FRAMES0 = 1             # frames a launch; then as many as take about LAUNCH_S
RS_MIN_FRAMES = 1
RS_MAX_FRAMES = 64
RS_WIN = 64                # the check window, pixels a side
RS_CHECK = 16              # triangles whose covered-pixel counts are checked
RS_BG = 0xFF202020
RS_EMPTY = M64

RS_CUDA = HEAD + r"""
#define W %W%
#define HH %H%
#define SEED %SEED%ull
#define BG %BG%u
// triangle t of frame f: a pixel centre, three vertices within 8 pixels of it in 28.4 fixed point, 21-bit depths
__device__ __forceinline__ void rs_tri(u64 frame, u32 t, int* vx, int* vy, u32* vz) {
  const u64 a = splitmix((frame << 32) ^ (u64)t ^ SEED), b = splitmix(a), c = splitmix(b);
  const int cx = (int)(a & (W - 1)) * 16 + 8, cy = (int)((a >> 16) & (HH - 1)) * 16 + 8;
#pragma unroll
  for (int k = 0; k < 3; ++k) {
    vx[k] = cx + (int)((b >> (16 * k)) & 0xFFull) - 128;
    vy[k] = cy + (int)((b >> (16 * k + 8)) & 0xFFull) - 128;
    vz[k] = (u32)((c >> (21 * k)) & 0x1FFFFFull);
  }
}
// edge (a -> b) at p, in 28.4 units: positive on the inside of a counter-clockwise (area > 0) triangle
__device__ __forceinline__ int rs_edge(int ax, int ay, int bx, int by, int px, int py) {
  return (bx - ax) * (py - ay) - (by - ay) * (px - ax);
}
// the top-left rule: pixels exactly on an edge belong to it if it is a top or a left edge
__device__ __forceinline__ int rs_bias(int ax, int ay, int bx, int by) {
  return (by < ay || (by == ay && bx > ax)) ? 0 : -1;
}
// a thread a triangle: its bounding box's pixel centres tested by the three edge functions, the depth interpolated
// exactly (64-bit), and the framebuffer updated by atomicMin(depth << 32 | t); the pixels it covered counted
extern "C" __global__ void rs_raster(u64 frame, u32 ntri, unsigned long long* __restrict__ fb,
                                     u32* __restrict__ cover) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= ntri) return;
  int vx[3], vy[3];
  u32 vz[3];
  rs_tri(frame, t, vx, vy, vz);
  int area = rs_edge(vx[0], vy[0], vx[1], vy[1], vx[2], vy[2]);
  if (area < 0) {
    int s = vx[1]; vx[1] = vx[2]; vx[2] = s;
    s = vy[1]; vy[1] = vy[2]; vy[2] = s;
    const u32 z = vz[1]; vz[1] = vz[2]; vz[2] = z;
    area = -area;
  }
  u32 n = 0;
  if (area > 0) {
    const int x0 = max(0, (min(min(vx[0], vx[1]), vx[2]) - 8 + 15) >> 4);
    const int x1 = min(W - 1, (max(max(vx[0], vx[1]), vx[2]) - 8) >> 4);
    const int y0 = max(0, (min(min(vy[0], vy[1]), vy[2]) - 8 + 15) >> 4);
    const int y1 = min(HH - 1, (max(max(vy[0], vy[1]), vy[2]) - 8) >> 4);
    const int b0 = rs_bias(vx[1], vy[1], vx[2], vy[2]), b1 = rs_bias(vx[2], vy[2], vx[0], vy[0]),
              b2 = rs_bias(vx[0], vy[0], vx[1], vy[1]);
    for (int py = y0; py <= y1; ++py)
      for (int px = x0; px <= x1; ++px) {
        const int qx = px * 16 + 8, qy = py * 16 + 8;
        const int w0 = rs_edge(vx[1], vy[1], vx[2], vy[2], qx, qy);
        const int w1 = rs_edge(vx[2], vy[2], vx[0], vy[0], qx, qy);
        const int w2 = rs_edge(vx[0], vy[0], vx[1], vy[1], qx, qy);
        if (w0 + b0 >= 0 && w1 + b1 >= 0 && w2 + b2 >= 0) {
          const u64 z = ((u64)w0 * vz[0] + (u64)w1 * vz[1] + (u64)w2 * vz[2]) / (u64)area;
          atomicMin(&fb[(u64)py * W + px], (z << 32) | (u64)t);
          ++n;
        }
      }
  }
  cover[t] = n;
}
// a thread a pixel: background, or the winning triangle's colour (splitmix of its id) faded by its depth
extern "C" __global__ void rs_resolve(const unsigned long long* __restrict__ fb, u32* __restrict__ img) {
  const u64 p = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (p >= (u64)W * HH) return;
  const u64 v = fb[p];
  if (v == ~0ull) {
    img[p] = BG;
    return;
  }
  const u32 c = (u32)splitmix(v & 0xFFFFFFFFull), s = 255u - (u32)(v >> 45);
  img[p] = 0xFF000000u | ((((c >> 16) & 0xFFu) * s >> 8) << 16) | ((((c >> 8) & 0xFFu) * s >> 8) << 8) |
           ((c & 0xFFu) * s >> 8);
}
"""


def rs_src():
    return fill_source(RS_CUDA, W=RS_W, H=RS_H, SEED=hex(RS_SEED), BG=RS_BG)


RS_SRC = rs_src()


def rs_tris_np(frame, ntri):
    """Every triangle of a frame: (vx [n][3], vy, vz) int64, as rs_tri makes them (before orientation)."""
    t = np.arange(ntri, dtype=np.uint64)
    a = splitmix64_np((U64(frame) << U64(32)) ^ t ^ U64(RS_SEED))
    b = splitmix64_np(a)
    c = splitmix64_np(b)
    cx = (a & U64(RS_W - 1)).astype(np.int64) * 16 + 8
    cy = ((a >> U64(16)) & U64(RS_H - 1)).astype(np.int64) * 16 + 8
    vx = np.stack([cx + ((b >> U64(16 * k)) & U64(0xFF)).astype(np.int64) - 128 for k in range(3)], axis=1)
    vy = np.stack([cy + ((b >> U64(16 * k + 8)) & U64(0xFF)).astype(np.int64) - 128 for k in range(3)], axis=1)
    vz = np.stack([((c >> U64(21 * k)) & U64(0x1FFFFF)).astype(np.int64) for k in range(3)], axis=1)
    return vx, vy, vz


def rs_pixels_py(vx, vy, vz, box=None):
    """{(px, py): depth} of one triangle's covered pixels in Python ints (within box = (x0, y0, x1, y1) if given)."""
    v = [(int(vx[k]), int(vy[k]), int(vz[k])) for k in range(3)]

    def edge(a, b, px, py):
        return (b[0] - a[0]) * (py - a[1]) - (b[1] - a[1]) * (px - a[0])
    area = edge(v[0], v[1], v[2][0], v[2][1])
    if area < 0:
        v[1], v[2] = v[2], v[1]
        area = -area
    out = {}
    if area == 0:
        return out
    edges = [(v[1], v[2]), (v[2], v[0]), (v[0], v[1])]
    bias = [0 if (b[1] < a[1] or (b[1] == a[1] and b[0] > a[0])) else -1 for a, b in edges]
    xs, ys = [p[0] for p in v], [p[1] for p in v]
    x0, x1 = max(0, -(-(min(xs) - 8) // 16)), min(RS_W - 1, (max(xs) - 8) // 16)
    y0, y1 = max(0, -(-(min(ys) - 8) // 16)), min(RS_H - 1, (max(ys) - 8) // 16)
    if box is not None:
        x0, y0, x1, y1 = max(x0, box[0]), max(y0, box[1]), min(x1, box[2]), min(y1, box[3])
    for py in range(y0, y1 + 1):
        for px in range(x0, x1 + 1):
            w = [edge(a, b, 16 * px + 8, 16 * py + 8) for a, b in edges]
            if all(wk + bk >= 0 for wk, bk in zip(w, bias)):
                out[(px, py)] = (w[0] * v[0][2] + w[1] * v[1][2] + w[2] * v[2][2]) // area
    return out


def rs_shade_py(v):
    if v == RS_EMPTY:
        return RS_BG
    c, s = splitmix64(v & M32) & M32, 255 - (v >> 45)
    return 0xFF000000 | ((((c >> 16) & 0xFF) * s >> 8) << 16) | ((((c >> 8) & 0xFF) * s >> 8) << 8) | \
        ((c & 0xFF) * s >> 8)


def raster(variant, clock):
    if variant != "zbuffer":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=rs_src())
    rast, resolve = mod.get_function("rs_raster"), mod.get_function("rs_resolve")
    npix, ntri = RS_W * RS_H, RS_TRIS
    fb = cp.zeros(npix, dtype=cp.uint64)
    img = cp.zeros(npix, dtype=cp.uint32)
    cover = cp.zeros(ntri, dtype=cp.uint32)
    state = {"frame": 0, "frames": RS_FRAMES0, "done": 0}

    def frame():
        fb.fill(U64(RS_EMPTY))
        rast(((ntri + 255) // 256,), (256,), (U64(state["frame"]), np.uint32(ntri), fb, cover))
        resolve(((npix + 255) // 256,), (256,), (fb, img))
        state["frame"] += 1

    def launch():
        for _ in range(state["frames"]):
            frame()
        state["done"] += state["frames"]
    size_launch(launch, state, "frames", RS_MIN_FRAMES, RS_MAX_FRAMES)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check frame: a window of the framebuffer and the image, and some triangles' coverage, from Python ints
    fc = state["frame"]
    frame()
    hcov = cover.get()
    rng = np.random.default_rng(45)
    wx, wy = int(rng.integers(0, RS_W - RS_WIN + 1)), int(rng.integers(0, RS_H - RS_WIN + 1))
    gfb = fb.reshape(RS_H, RS_W)[wy:wy + RS_WIN, wx:wx + RS_WIN].get()
    gim = img.reshape(RS_H, RS_W)[wy:wy + RS_WIN, wx:wx + RS_WIN].get()
    vx, vy, vz = rs_tris_np(fc, ntri)
    near = np.nonzero((vx.max(axis=1) >= 16 * wx - 8) & (vx.min(axis=1) <= 16 * (wx + RS_WIN) + 8) &
                      (vy.max(axis=1) >= 16 * wy - 8) & (vy.min(axis=1) <= 16 * (wy + RS_WIN) + 8))[0]
    want = [[RS_EMPTY] * RS_WIN for _ in range(RS_WIN)]
    box = (wx, wy, wx + RS_WIN - 1, wy + RS_WIN - 1)
    for t in near:
        for (px, py), z in rs_pixels_py(vx[t], vy[t], vz[t], box).items():
            want[py - wy][px - wx] = min(want[py - wy][px - wx], (z << 32) | int(t))
    fb_ok = [[int(v) for v in row] for row in gfb] == want
    im_ok = [[int(v) for v in row] for row in gim] == [[rs_shade_py(v) for v in row] for row in want]
    covered = sum(v != RS_EMPTY for row in want for v in row)
    picks = sorted({0, ntri - 1} | {int(v) for v in rng.integers(0, ntri, RS_CHECK - 2)})
    cgood = sum(int(hcov[t]) == len(rs_pixels_py(vx[t], vy[t], vz[t])) for t in picks)
    ok = fb_ok and im_ok and cgood == len(picks)
    tot = int(hcov.astype(np.int64).sum())
    note(f"raster/{variant}: {state['done']} frames after READY ({ntri} triangles a frame into {RS_W} x {RS_H}, "
         f"{state['frames']} frames a launch: integer edge functions, exact depth, 64-bit atomicMin, resolve), "
         f"check frame: {tot} pixels covered ({tot / npix:.2f} a pixel), {RS_WIN} x {RS_WIN} window at ({wx}, {wy}) "
         f"from {len(near)} triangles ({covered} pixels covered): framebuffer equal to Python's: {fb_ok}, image "
         f"equal: {im_ok}, {len(picks)} triangles' coverage equal: {cgood}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({ntri * state['frames'] / per / 1e6:.1f} M triangles/s), {nl} a step")


# ---- options -------------------------------------------------------------------------------------------------------
BS_N = 1 << 22             # options
BS_SEED = 0xB5C
BS_RATE = 0.02
BS_VOL = 0.30
BS_SCEN0 = 2               # scenarios a launch of each precision at first; then as many as take about LAUNCH_S / 2
BS_MIN_SCEN = 1
BS_MAX_SCEN = 1 << 12
BS_CHECK = 64
BS_CHECK_SCEN = 16

BS_CUDA = HEAD + r"""
#define SEED %SEED%ull
#define RATE %RATE%
#define VOL %VOL%
// option i: spot in [5, 30], strike in [1, 100], expiry in [0.25, 10] years, from splitmix
extern "C" __global__ void bs_gen(u32 n, double* __restrict__ S, double* __restrict__ K, double* __restrict__ T,
                                  float* __restrict__ Sf, float* __restrict__ Kf, float* __restrict__ Tf) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const u64 r = splitmix((u64)i ^ SEED);
  const double s = 5.0 + 25.0 * ((double)(r & 0xFFFFFull) * 9.5367431640625e-7);
  const double k = 1.0 + 99.0 * ((double)((r >> 20) & 0xFFFFFull) * 9.5367431640625e-7);
  const double t = 0.25 + 9.75 * ((double)((r >> 40) & 0xFFFFFull) * 9.5367431640625e-7);
  S[i] = s;
  K[i] = k;
  T[i] = t;
  Sf[i] = (float)s;
  Kf[i] = (float)k;
  Tf[i] = (float)t;
}
__device__ __forceinline__ float bs_log(float x) { return logf(x); }
__device__ __forceinline__ double bs_log(double x) { return log(x); }
__device__ __forceinline__ float bs_exp(float x) { return expf(x); }
__device__ __forceinline__ double bs_exp(double x) { return exp(x); }
__device__ __forceinline__ float bs_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double bs_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float bs_erfc(float x) { return erfcf(x); }
__device__ __forceinline__ double bs_erfc(double x) { return erfc(x); }
// options i0 .. i0 + cnt - 1 under scen spot and volatility shocks: call and put (normal CDFs by erfc), delta,
// gamma and vega, each summed over the scenarios into out[q n + i]
template <typename R>
__device__ __forceinline__ void bs_price(u32 i, u32 scen, u32 n, const R* S, const R* K, const R* T, R* out) {
  const R s0 = S[i], k = K[i], t = T[i], r = (R)RATE, v0 = (R)VOL, h = (R)0.5, isq2 = (R)0.70710678118654752;
  const R sqt = bs_sqrt(t), kd = k * bs_exp(-r * t);
  R c = 0, p = 0, de = 0, ga = 0, ve = 0;
  for (u32 q = 0; q < scen; ++q) {
    const R s = s0 * ((R)0.8 + (R)((q * 37u) & 63u) * (R)0.00625);
    const R v = v0 * ((R)0.5 + (R)((q * 11u) & 31u) * (R)0.03125);
    const R vs = v * sqt;
    const R d1 = (bs_log(s / k) + (r + h * v * v) * t) / vs, d2 = d1 - vs;
    const R n1 = h * bs_erfc(-d1 * isq2), n2 = h * bs_erfc(-d2 * isq2);
    c += s * n1 - kd * n2;
    p += kd * h * bs_erfc(d2 * isq2) - s * h * bs_erfc(d1 * isq2);
    const R pdf = bs_exp(-h * d1 * d1) * (R)0.39894228040143268;
    de += n1;
    ga += pdf / (s * vs);
    ve += s * pdf * sqt;
  }
  out[i] = c;
  out[n + i] = p;
  out[2u * n + i] = de;
  out[3u * n + i] = ga;
  out[4u * n + i] = ve;
}
extern "C" __global__ void bs_price32(u32 i0, u32 cnt, u32 scen, u32 n, const float* __restrict__ S,
                                      const float* __restrict__ K, const float* __restrict__ T,
                                      float* __restrict__ out) {
  const u32 j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j < cnt) bs_price<float>(i0 + j, scen, n, S, K, T, out);
}
extern "C" __global__ void bs_price64(u32 i0, u32 cnt, u32 scen, u32 n, const double* __restrict__ S,
                                      const double* __restrict__ K, const double* __restrict__ T,
                                      double* __restrict__ out) {
  const u32 j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j < cnt) bs_price<double>(i0 + j, scen, n, S, K, T, out);
}
"""


def bs_src():
    return fill_source(BS_CUDA, SEED=hex(BS_SEED), RATE=repr(BS_RATE), VOL=repr(BS_VOL))


BS_SRC = bs_src()


def bs_option_py(s0, k, t, scen):
    """(call, put, delta, gamma, vega) sums of one option over scen scenarios, in Python doubles (math.erfc), and
    the summed put-call parity target sum(s - k e^-rT)."""
    r, h = BS_RATE, 0.5
    sqt, kd = math.sqrt(t), k * math.exp(-r * t)
    c = p = de = ga = ve = par = 0.0
    for q in range(scen):
        s = s0 * (0.8 + ((q * 37) & 63) * 0.00625)
        v = BS_VOL * (0.5 + ((q * 11) & 31) * 0.03125)
        vs = v * sqt
        d1 = (math.log(s / k) + (r + h * v * v) * t) / vs
        d2 = d1 - vs
        nd1 = 0.5 * math.erfc(-d1 / math.sqrt(2))
        c += s * nd1 - kd * 0.5 * math.erfc(-d2 / math.sqrt(2))
        p += kd * 0.5 * math.erfc(d2 / math.sqrt(2)) - s * 0.5 * math.erfc(d1 / math.sqrt(2))
        pdf = math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi)
        de += nd1
        ga += pdf / (s * vs)
        ve += s * pdf * sqt
        par += s - kd
    return (c, p, de, ga, ve), par


def options(variant, clock):
    if variant != "blackscholes":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=bs_src())
    gen, p32, p64 = (mod.get_function(k) for k in ("bs_gen", "bs_price32", "bs_price64"))
    n = BS_N
    S, K, T = (cp.zeros(n, dtype=cp.float64) for _ in range(3))
    Sf, Kf, Tf = (cp.zeros(n, dtype=cp.float32) for _ in range(3))
    gb = ((n + 255) // 256,)
    gen(gb, (256,), (np.uint32(n), S, K, T, Sf, Kf, Tf))
    o32, o64 = cp.zeros(5 * n, dtype=cp.float32), cp.zeros(5 * n, dtype=cp.float64)
    state = {"s32": BS_SCEN0, "s64": BS_SCEN0, "done": 0}

    def run32(i0, cnt, scen):
        p32(((cnt + 255) // 256,), (256,), (np.uint32(i0), np.uint32(cnt), np.uint32(scen), np.uint32(n), Sf, Kf, Tf,
                                            o32))

    def run64(i0, cnt, scen):
        p64(((cnt + 255) // 256,), (256,), (np.uint32(i0), np.uint32(cnt), np.uint32(scen), np.uint32(n), S, K, T,
                                            o64))

    def l32():
        run32(0, n, state["s32"])

    def l64():
        run64(0, n, state["s64"])
    for key, fn in (("s32", l32), ("s64", l64)):
        size_launch(fn, state, key, BS_MIN_SCEN, BS_MAX_SCEN, LAUNCH_S / 2)

    def launch():
        l32()
        l64()
        state["done"] += n * (state["s32"] + state["s64"])
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    digest = float(o64[:n].sum())
    # a check launch of BS_CHECK options x BS_CHECK_SCEN scenarios in both precisions, against Python's math
    i0 = int(np.random.default_rng(46).integers(0, max(1, n - BS_CHECK)))
    run32(i0, BS_CHECK, BS_CHECK_SCEN)
    run64(i0, BS_CHECK, BS_CHECK_SCEN)
    g32 = o32.get().reshape(5, n)[:, i0:i0 + BS_CHECK]
    g64 = o64.get().reshape(5, n)[:, i0:i0 + BS_CHECK]
    hs, hk, ht = (a.get()[i0:i0 + BS_CHECK] for a in (S, K, T))
    hsf, hkf, htf = (a.get()[i0:i0 + BS_CHECK] for a in (Sf, Kf, Tf))
    good64 = good32 = pgood = 0
    for j in range(BS_CHECK):
        w, par = bs_option_py(float(hs[j]), float(hk[j]), float(ht[j]), BS_CHECK_SCEN)
        sc = BS_CHECK_SCEN * np.array([hs[j] + hk[j], hs[j] + hk[j], 1.0, 2.0, hs[j] * math.sqrt(ht[j])])
        good64 += bool(np.all(np.abs(g64[:, j] - np.array(w)) <= 1e-10 * sc))
        pgood += abs((g64[0, j] - g64[1, j]) - par) <= 1e-10 * sc[0]
        w32, _ = bs_option_py(float(hsf[j]), float(hkf[j]), float(htf[j]), BS_CHECK_SCEN)
        good32 += bool(np.all(np.abs(g32[:, j].astype(np.float64) - np.array(w32)) <= 2e-4 * sc))
    ok = good64 == BS_CHECK and good32 == BS_CHECK and pgood == BS_CHECK
    note(f"options/{variant}: {state['done']} option-scenarios priced after READY ({n} options, {state['s32']} fp32 "
         f"and {state['s64']} fp64 scenarios a launch, call, put, delta, gamma, vega by erfc, log, exp, sqrt), fp64 "
         f"call sum {digest:.6e}; {BS_CHECK} options x {BS_CHECK_SCEN} scenarios: fp64 within 1e-10 of Python's: "
         f"{good64}, fp32 within 2e-4: {good32}, put-call parity residuals equal: {pgood}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch, {nl} a step")


# ---- ahocorasick ---------------------------------------------------------------------------------------------------
AC_PATS = 20000
AC_MINL = 8
AC_MAXL = 32
AC_LOG_TEXT = 30           # a 1 GiB text
AC_CHUNK = 1024            # bytes a thread (a multiple of 8)
AC_STRIDE = 4096           # a pattern planted in every AC_STRIDE bytes
AC_SEED = 0xAC0
AC_PASSES0 = 1             # passes over the text a launch; then as many as take about LAUNCH_S
AC_MIN_PASSES = 1
AC_MAX_PASSES = 64
AC_CHECK = 8

AC_CUDA = HEAD + r"""
#define MAXL %MAXL%
#define SEED %SEED%ull
// the text: random bytes, 8 a splitmix word
extern "C" __global__ void ac_gen(u64* __restrict__ text, u64 words) {
  const u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (i < words) text[i] = splitmix(i ^ SEED);
}
// a pattern planted in each stride: pattern and offset from splitmix of the stride's number
extern "C" __global__ void ac_plant(unsigned char* __restrict__ text, const unsigned char* __restrict__ pats,
                                    const u32* __restrict__ lens, u32 npat, u32 nplant, u32 stride) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= nplant) return;
  const u64 r = splitmix((u64)i ^ (SEED << 20));
  const u32 id = (u32)(((r & 0xFFFFFFFFull) * npat) >> 32);
  const u64 at = (u64)i * stride + (r >> 32) % (stride - MAXL);
  for (u32 k = 0; k < lens[id]; ++k) text[at + k] = pats[(u64)id * MAXL + k];
}
// a thread a chunk: the automaton run from the root MAXL - 1 bytes before it (so that matches that end in the chunk
// are all seen), one goto-table read a byte; matches ending in the chunk counted by the states' output-set sizes,
// their end positions and counts digested
extern "C" __global__ void ac_scan(const unsigned char* __restrict__ text, u64 tlen, const int* __restrict__ tab,
                                   const int* __restrict__ outc, u32 chunk, u32 threads, u32* __restrict__ cnt,
                                   u64* __restrict__ dig) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= threads) return;
  const u64 s0 = (u64)t * chunk, e = s0 + chunk < tlen ? s0 + chunk : tlen;
  const u64 a = s0 >= MAXL - 1 ? s0 - (MAXL - 1) : 0;
  int st = 0;
  u32 c = 0;
  u64 dg = 0;
  for (u64 p = a; p < e; ++p) {
    st = tab[(u64)st * 256u + text[p]];
    const int o = outc[st];
    if (o && p >= s0) {
      c += (u32)o;
      dg = ((dg << 7) | (dg >> 57)) ^ (p * 0x9E3779B97F4A7C15ull + (u64)o);
    }
  }
  cnt[t] = c;
  dig[t] = dg;
}
"""


def ac_src():
    return fill_source(AC_CUDA, MAXL=AC_MAXL, SEED=hex(AC_SEED))


AC_SRC = ac_src()


def ac_patterns():
    rng = np.random.default_rng(AC_SEED)
    pats = rng.integers(0, 256, (AC_PATS, AC_MAXL), dtype=np.uint8)
    lens = rng.integers(AC_MINL, AC_MAXL + 1, AC_PATS).astype(np.uint32)
    for i in range(AC_PATS):
        pats[i, lens[i]:] = 0
    return pats, lens


def ac_build(pats, lens):
    """(goto table [states][256] int32, output-set sizes [states] int32), level by level in NumPy: the trie's states
    numbered breadth-first, failure links and full rows from the rows of shallower states."""
    npat = len(lens)
    node = np.zeros(npat, dtype=np.int64)
    levels = []  # (parents, bytes, children) of each depth's edges
    ns = 1
    for d in range(1, AC_MAXL + 1):
        act = np.nonzero(lens >= d)[0]
        if len(act) == 0:
            break
        key = node[act] * 256 + pats[act, d - 1].astype(np.int64)
        uk, inv = np.unique(key, return_inverse=True)
        ids = ns + np.arange(len(uk))
        ns += len(uk)
        node[act] = ids[inv.reshape(-1)]
        levels.append((uk // 256, uk % 256, ids))
    term = np.bincount(node, minlength=ns).astype(np.int32)
    tab = np.zeros((ns, 256), dtype=np.int32)
    fail = np.zeros(ns, dtype=np.int64)
    outc = term.copy()
    p, b, q = levels[0]
    tab[0, b] = q
    for d, (p, b, q) in enumerate(levels):
        fq = np.where(p == 0, 0, tab[fail[p], b])
        fail[q] = fq
        outc[q] += outc[fq]
        tab[q] = tab[fq]
        if d + 1 < len(levels):
            cp_, cb, cq = levels[d + 1]
            tab[cp_, cb] = cq
    return tab, outc


def ac_chunk_py(text, s0, e, pset):
    """(count, digest) of matches ending in [s0, e) by naive matching: every length at every end position (text a
    bytes object starting at text offset s0 - (MAXL - 1), or 0)."""
    base = max(0, s0 - (AC_MAXL - 1))
    c, dg = 0, 0
    for p in range(s0, e):
        o = 0
        for ln in range(AC_MINL, AC_MAXL + 1):
            if p - ln + 1 >= base:
                o += pset.get(text[p - ln + 1 - base:p + 1 - base], 0)
        if o:
            c += o
            dg = (((dg << 7) | (dg >> 57)) & M64) ^ ((p * 0x9E3779B97F4A7C15 + o) & M64)
    return c, dg


def ahocorasick(variant, clock):
    if variant != "scan":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=ac_src())
    gen, plant, scan = (mod.get_function(k) for k in ("ac_gen", "ac_plant", "ac_scan"))
    hp, hl = ac_patterns()
    htab, hout = ac_build(hp, hl)
    tab, outc = cp.asarray(htab.reshape(-1)), cp.asarray(hout)
    pats, lens = cp.asarray(hp.reshape(-1)), cp.asarray(hl)
    tlen = 1 << AC_LOG_TEXT
    text = cp.zeros(tlen, dtype=cp.uint8)
    gen(((tlen // 8 + 255) // 256,), (256,), (text, U64(tlen // 8)))
    nplant = tlen // AC_STRIDE
    plant(((nplant + 255) // 256,), (256,), (text, pats, lens, np.uint32(AC_PATS), np.uint32(nplant),
                                             np.uint32(AC_STRIDE)))
    threads = tlen // AC_CHUNK
    cnt = cp.zeros(threads, dtype=cp.uint32)
    dig = cp.zeros(threads, dtype=cp.uint64)
    state = {"passes": AC_PASSES0, "done": 0}

    def run(n):
        scan(((n + 255) // 256,), (256,), (text, U64(tlen), tab, outc, np.uint32(AC_CHUNK), np.uint32(n), cnt, dig))

    def launch():
        for _ in range(state["passes"]):
            run(threads)
        state["done"] += state["passes"]
    size_launch(launch, state, "passes", AC_MIN_PASSES, AC_MAX_PASSES)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    hc, hd = cnt.get(), dig.get()
    total = int(hc.astype(np.int64).sum())
    digest = int(np.bitwise_xor.reduce(hd))
    tot_ok = total >= nplant
    # 8 threads against naive matching: 4 whose chunks hold a planted pattern, 4 at random
    pset = {}
    for i in range(AC_PATS):
        k = bytes(hp[i, :hl[i]])
        pset[k] = pset.get(k, 0) + 1
    rng = np.random.default_rng(47)
    withp = []
    for i in rng.integers(0, nplant, AC_CHECK // 2):  # the chunk where planted pattern i ends
        r = splitmix64(int(i) ^ (AC_SEED << 20))
        at = int(i) * AC_STRIDE + (r >> 32) % (AC_STRIDE - AC_MAXL) + int(hl[((r & M32) * AC_PATS) >> 32]) - 1
        withp.append(at // AC_CHUNK)
    picks = sorted(set(withp) | {0, threads - 1} | {int(v) for v in rng.integers(0, threads, AC_CHECK // 2 - 2)})
    good = 0
    for t in picks:
        s0 = t * AC_CHUNK
        e = min(s0 + AC_CHUNK, tlen)
        seg = bytes(text[max(0, s0 - (AC_MAXL - 1)):e].get())
        good += ac_chunk_py(seg, s0, e, pset) == (int(hc[t]), int(hd[t]))
    ok = tot_ok and good == len(picks)
    note(f"ahocorasick/{variant}: {state['done']} passes after READY over a {tlen >> 20} MiB text ({AC_PATS} patterns "
         f"of {AC_MINL}-{AC_MAXL} bytes, {htab.shape[0]} states, a {htab.nbytes >> 20} MiB goto table, {threads} "
         f"threads of {AC_CHUNK} bytes, {state['passes']} passes a launch), {total} matches a pass ({nplant} planted): "
         f"{tot_ok}, digest {digest:016x}; {len(picks)} chunks' counts and digests equal to naive matching: {good}, "
         f"agree: {ok}, {per * 1e3:.2f} ms a launch ({tlen * state['passes'] / per / 1e9:.1f} GB/s), {nl} a step")
