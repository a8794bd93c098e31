"""Hash-grid encoding training, 7-card poker evaluation, TFHE polynomial products, a fixed-point polyphase
channelizer and transposition-table search (label 0).

A fifteenth set of benign work, five kinds that look like hashing in pipe-activity terms (integer hashes feeding
random table reads and scattered atomics, 64-bit multiply chains and table lookups, 32-bit multiply-accumulate
streams, int16 MACs with shifts and saturation, 64-bit XOR keys and atomicCAS on a large table) and that training had
no kin of:

  hashgrid    a training step of an instant-NGP multiresolution hash-grid encoding: 16 levels (resolutions 16 to
              4087, growth 1.447) of 2^19 fp16 2-vectors each (packed in 32-bit words, 32 MiB, an fp32 master copy
              beside them), 3-D points made on the GPU, the 8 corners a level found by dense indexing where the
              lattice fits else the spatial hash (x ^ y * 2654435761 ^ z * 805459861) mod 2^19, trilinear weights,
              a 32-32-1 ReLU MLP in plain fp32 FMAs forward and backward, the 256 feature gradients a point
              scattered into an fp32 gradient table by atomicAdd, the weight gradients by a chunked reduction, then
              SGD over every table entry (fp16 copy remade). About 6000 instructions, 256 random 4-byte reads and
              256 scattered float atomics a point: the atomics likely bound it (some 10^11 a second is the guess:
              4 x 10^8 points a second); points a launch timed at set-up to about 30 ms but capped at 2^22 (1.6 GiB
              of buffers), so a launch may take only 10-30 ms, several of them a step.
  poker       Monte-Carlo equity of the 169 starting-hand classes: a thread a class (t mod 169) deals villain's
              cards and a board from splitmix draws (rejection of used cards), and evaluates both 7-card hands
              Cactus-Kev style: a flush by an 8192-entry table of the suit's rank mask, otherwise the product of 7
              rank primes (64-bit multiplies) hashed multiplicatively into an open-addressed table of 2^22 slots
              (49205 rank multisets, 64-bit keys and 32-bit values, 48 MiB, built on the host) and probed linearly;
              wins, ties and a digest a thread, tallies a class by 64-bit atomics. About 450 integer instructions
              and two random table reads a deal: at some 1.7 x 10^13 integer operations a second, 3-5 x 10^10 deals
              a second, so 2^20 threads x about 1000-1500 deals a launch, deals a thread timed at set-up.
  tfhe        TFHE-like blind rotation of 512 GLWE accumulators (k = 1, N = 1024 int32 torus coefficients,
              arithmetic mod 2^32): each step rotates an accumulator by X^r (r in [0, 2N) from splitmix, negacyclic),
              subtracts it, rounds to the top 30 bits and decomposes it into 3 balanced 10-bit digits (offset trick:
              adds, shifts, masks), then the external product with one of 630 GGSW keys (6 rows x 2 polynomials,
              30 MiB; random torus polynomials, not encryptions: the arithmetic is the same) as negacyclic schoolbook
              products in integer multiply-adds, a thread an output coefficient (6144 multiply-adds and loads). 12.6
              M multiply-adds an accumulator a step, load-bound at some 3-4 x 10^12 a second: steps a launch timed
              at set-up, about 15-20.
  fir         a software-radio polyphase channelizer: complex int16 samples (12-bit I and Q) streamed from a 1 GiB
              ring made on the GPU, 64 phases x 16 taps of a Q15 Kaiser-windowed sinc prototype, int32 multiply-
              accumulates a thread a (frame, phase), rounding shift by 11 and saturation to int16 (outputs of some
              18000 rms, about 7 % saturating), then a thread a frame a 64-point radix-2 fixed-point FFT (Q15
              twiddles, products rounded by 15 bits, a halving a stage), saturated to int16; chunks of 2^20 frames
              (256 MiB of phase outputs and of spectra). About 10^4 integer instructions and 1 KiB of traffic a
              frame: some 10^9 frames a second is the guess, so chunks a launch timed at set-up to about 30 ms (1
              to 64; perhaps 20-30).
  zobrist     transposition-table traffic of a lazy-SMP game-tree search: 32768 roots of 16 pieces on an 8x8 board,
              a warp of 32 threads a root, each thread random paths of depth 1-8 over the root's 12 commuting moves
              (so paths transpose), the 64-bit Zobrist hash updated incrementally (XOR of the piece-square keys from
              a 769-key table and the side key), every node probed in a 2 GiB table of 2^26 4-way buckets (entries
              of 48-bit tag, generation, check bits and depth) and stored by atomicCAS (deeper hit, else empty, else
              shallowest of an older generation); hits, misses, lost races, a digest. About 100 instructions and a
              random 32-byte read and a CAS a node, bound by random DRAM traffic (some 3 x 10^8 nodes in 30 ms is
              the guess): paths a thread a launch timed at set-up.

Self-checks, printed with the summary line (`agree:`): hashgrid runs a check batch of 64 points through the same
kernels and compares the features, squared errors, every touched table gradient (and that no other is non-zero) and
the MLP's weight gradients with a scalar Python computation in doubles from the GPU's fp16 tables (fp32 rounding
tolerances); poker runs a check launch of 8 threads x 64 deals at a random offset and compares wins, ties and value
digests exactly with Python that evaluates every hand by brute force over its 21 five-card subsets (no tables), checks
that the class tallies add up to every deal and pocket aces' equity against the published 0.852 (5 standard errors);
tfhe runs 2 check steps and compares 2 accumulators exactly with NumPy (rotation by np.roll, digits by division with
carries, products by full convolutions folded negacyclically), and the GPU's digits with NumPy's; fir compares 8
frames' phase outputs and spectra of the last chunk exactly with Python ints (samples made again, the FFT written
recursively) and the spectra with NumPy's floating FFT within 8 LSB; zobrist compares 4 threads' hash digests with
hashes computed from scratch from the boards, checks hits + misses = nodes for every thread and that entries of 2^20
buckets are untorn, and runs one thread into a 64-bucket table against a sequential Python simulation of the
replacement scheme, table and counts exactly.
"""
import math

import numpy as np

from common import SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, repeat_step, \
    size_launch, splitmix64

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1
U64 = np.uint64
U32 = np.uint32


# ---- hashgrid ------------------------------------------------------------------------------------------------------
HG_LEVELS = 16
HG_LOG_T = 19              # 2^19 entries a level, each an fp16 2-vector packed in a 32-bit word
HG_NMIN = 16               # the coarsest level's resolution; level l's is floor(HG_NMIN * HG_SCALE^l)
HG_SCALE = 1.447           # ... up to 4087 at level 15
HG_HID = 32                # the MLP: 2 * HG_LEVELS features -> HG_HID (ReLU) -> 1
HG_SEED = 0x4E47
HG_BATCH0 = 1 << 16        # points in the first launch; then as many as take about LAUNCH_S
HG_MIN_BATCH = 1 << 12
HG_MAX_BATCH = 1 << 22     # features, hidden activations and their gradients: 3 x 2^22 x 128 B = 1.5 GiB
HG_CHUNK = 1024            # points a thread of the weight-gradient reduction sums
HG_LR_TAB = 0.01           # table learning rate, times the batch (the loss is a mean)
HG_LR_W = 0.05
HG_CHECK = 64

HG_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define L %L%
#define LOGT %LOGT%
#define T (1u << LOGT)
#define NF (2 * L)
#define H %H%
#define NP (H * NF + H + H + 1)
#define SEED %SEED%ull
""" + SPLITMIX_CUDA + r"""
// fp16 <-> fp32 by the conversion instructions (no header needed under NVRTC)
__device__ __forceinline__ float h2f(unsigned short h) {
  float f;
  asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
  return f;
}
__device__ __forceinline__ unsigned short f2h(float f) {
  unsigned short h;
  asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
  return h;
}
// training point i of launch `launch`: 21 random bits a coordinate, exactly k / 2^21 in [0, 1)
__device__ __forceinline__ void hg_point(u64 launch, u32 i, float* p) {
  const u64 r = splitmix((launch << 24) ^ (u64)i ^ SEED);
  p[0] = (float)(r & 0x1FFFFFull) * 4.76837158203125e-7f;
  p[1] = (float)((r >> 21) & 0x1FFFFFull) * 4.76837158203125e-7f;
  p[2] = (float)((r >> 42) & 0x1FFFFFull) * 4.76837158203125e-7f;
}
// the density the field learns
__device__ __forceinline__ float hg_target(const float* p) {
  return sinf(7.0f * p[0]) * cosf(5.0f * p[1]) + 0.5f * sinf(11.0f * p[2] + 3.0f * p[0] * p[1]);
}
// the table entry of corner (cx, cy, cz) of a level of resolution n: dense where the (n + 1)^3 lattice fits the
// table, else instant-NGP's spatial hash (x * 1 ^ y * 2654435761 ^ z * 805459861) mod T
__device__ __forceinline__ u32 hg_index(u32 n, u32 cx, u32 cy, u32 cz) {
  const u32 s = n + 1u;
  if ((u64)s * s * s <= (u64)T) return cx + s * (cy + s * cz);
  return (cx ^ (cy * 2654435761u) ^ (cz * 805459861u)) & (T - 1u);
}
// a thread a point: the multiresolution encoding (8 corners a level, trilinear weights, fp16 pairs from the level's
// table), the MLP forward (P: W1 [H][NF], b1, W2, b2), the squared error against the target, the backward pass to
// the features, and the features' gradients scattered into the fp32 gradient table by atomicAdd; the features,
// hidden activations and their gradients kept for the weight gradients
extern "C" __global__ void hg_step(const u32* __restrict__ tab, const u32* __restrict__ res,
                                   const float* __restrict__ P, u64 launch, u32 B, float* __restrict__ feats,
                                   float* __restrict__ hid, float* __restrict__ dh, float* __restrict__ dyb,
                                   float* __restrict__ err, float* __restrict__ gtab) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= B) return;
  float p[3];
  hg_point(launch, i, p);
  float f[NF];  // the features, then their gradients: in local memory (levels not unrolled: 55 registers, not 255)
#pragma unroll 1
  for (u32 l = 0; l < L; ++l) {
    const u32 n = res[l];
    // the product rounded once (__fmul_rn is never fused into the subtraction): floor and fraction of one value
    const float px = __fmul_rn(p[0], (float)n), py = __fmul_rn(p[1], (float)n), pz = __fmul_rn(p[2], (float)n);
    const float fx = floorf(px), fy = floorf(py), fz = floorf(pz);
    const u32 ix = (u32)fx, iy = (u32)fy, iz = (u32)fz;
    const float wx = px - fx, wy = py - fy, wz = pz - fz;
    float a0 = 0.0f, a1 = 0.0f;
#pragma unroll
    for (u32 c = 0; c < 8; ++c) {
      const float w = ((c & 1u) ? wx : 1.0f - wx) * ((c & 2u) ? wy : 1.0f - wy) * ((c & 4u) ? wz : 1.0f - wz);
      const u32 v = tab[l * T + hg_index(n, ix + (c & 1u), iy + ((c >> 1) & 1u), iz + (c >> 2))];
      a0 += w * h2f((unsigned short)(v & 0xFFFFu));
      a1 += w * h2f((unsigned short)(v >> 16));
    }
    f[2 * l] = a0;
    f[2 * l + 1] = a1;
  }
  float a[H];
  float y = P[NP - 1];
#pragma unroll 1
  for (u32 j = 0; j < H; ++j) {
    float s = P[H * NF + j];
#pragma unroll
    for (u32 k = 0; k < NF; ++k) s += P[j * NF + k] * f[k];
    a[j] = s;
    y += P[H * NF + H + j] * fmaxf(s, 0.0f);
  }
  const float d = y - hg_target(p);
  err[i] = d * d;
  const float dy = 2.0f * d / (float)B;
  dyb[i] = dy;
#pragma unroll 1
  for (u32 j = 0; j < H; ++j) {
    const float g = a[j] > 0.0f ? dy * P[H * NF + H + j] : 0.0f;
    hid[(u64)i * H + j] = fmaxf(a[j], 0.0f);
    dh[(u64)i * H + j] = g;
    a[j] = g;
  }
#pragma unroll
  for (u32 k = 0; k < NF; ++k) {
    float s = 0.0f;
#pragma unroll 8
    for (u32 j = 0; j < H; ++j) s += a[j] * P[j * NF + k];
    feats[(u64)i * NF + k] = f[k];
    f[k] = s;
  }
#pragma unroll 1
  for (u32 l = 0; l < L; ++l) {
    const u32 n = res[l];
    const float px = __fmul_rn(p[0], (float)n), py = __fmul_rn(p[1], (float)n), pz = __fmul_rn(p[2], (float)n);
    const float fx = floorf(px), fy = floorf(py), fz = floorf(pz);
    const u32 ix = (u32)fx, iy = (u32)fy, iz = (u32)fz;
    const float wx = px - fx, wy = py - fy, wz = pz - fz;
#pragma unroll
    for (u32 c = 0; c < 8; ++c) {
      const float w = ((c & 1u) ? wx : 1.0f - wx) * ((c & 2u) ? wy : 1.0f - wy) * ((c & 4u) ? wz : 1.0f - wz);
      const u64 e = (u64)l * T + hg_index(n, ix + (c & 1u), iy + ((c >> 1) & 1u), iz + (c >> 2));
      atomicAdd(&gtab[2 * e], w * f[2 * l]);
      atomicAdd(&gtab[2 * e + 1], w * f[2 * l + 1]);
    }
  }
}
// the MLP's weight gradients: a thread a (parameter, chunk of points), its chunk's sum added into gw
extern "C" __global__ void hg_wgrad(const float* __restrict__ feats, const float* __restrict__ hid,
                                    const float* __restrict__ dh, const float* __restrict__ dyb, u32 B, u32 chunk,
                                    float* __restrict__ gw) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  const u32 w = t % NP, c = t / NP;
  const u64 i0 = (u64)c * chunk;
  if (i0 >= B) return;
  const u64 i1 = i0 + chunk < B ? i0 + chunk : B;
  float s = 0.0f;
  if (w < H * NF) {
    const u32 j = w / NF, k = w % NF;
    for (u64 i = i0; i < i1; ++i) s += dh[i * H + j] * feats[i * NF + k];
  } else if (w < H * NF + H) {
    for (u64 i = i0; i < i1; ++i) s += dh[i * H + (w - H * NF)];
  } else if (w < NP - 1) {
    for (u64 i = i0; i < i1; ++i) s += dyb[i] * hid[i * H + (w - H * NF - H)];
  } else {
    for (u64 i = i0; i < i1; ++i) s += dyb[i];
  }
  atomicAdd(&gw[w], s);
}
// SGD: a thread a table entry (fp32 master pair, its fp16 copy, gradient cleared), the first NP also a weight
extern "C" __global__ void hg_update(float* __restrict__ master, u32* __restrict__ tab, float* __restrict__ gtab,
                                     float lr_tab, float* __restrict__ P, float* __restrict__ gw, float lr_w) {
  const u32 e = blockIdx.x * blockDim.x + threadIdx.x;
  if (e < NP) {
    P[e] -= lr_w * gw[e];
    gw[e] = 0.0f;
  }
  if (e >= L * T) return;
  const float m0 = master[2 * e] - lr_tab * gtab[2 * e], m1 = master[2 * e + 1] - lr_tab * gtab[2 * e + 1];
  master[2 * e] = m0;
  master[2 * e + 1] = m1;
  gtab[2 * e] = 0.0f;
  gtab[2 * e + 1] = 0.0f;
  tab[e] = (u32)f2h(m0) | ((u32)f2h(m1) << 16);
}
"""


def hg_src():
    return fill_source(HG_CUDA, L=HG_LEVELS, LOGT=HG_LOG_T, H=HG_HID, SEED=hex(HG_SEED))


HG_SRC = hg_src()


def hg_np():
    """Parameters of the MLP: NF inputs, H hidden, NP = all of them."""
    nf = 2 * HG_LEVELS
    return nf, HG_HID * nf + 2 * HG_HID + 1


def hg_res():
    return np.array([int(math.floor(HG_NMIN * HG_SCALE ** l)) for l in range(HG_LEVELS)], dtype=np.uint32)


def hg_point_py(launch, i):
    r = splitmix64(((launch << 24) ^ i ^ HG_SEED) & M64)
    return [float(np.float32((r >> s) & 0x1FFFFF) * np.float32(2.0 ** -21)) for s in (0, 21, 42)]


def hg_corners_py(p, n):
    """[(entry in the level's table, trilinear weight)] of the 8 corners round p at resolution n: the scaled position
    in fp32 as the GPU rounds it, the weights in doubles."""
    t = 1 << HG_LOG_T
    s = n + 1
    pos = [float(np.float32(v) * np.float32(n)) for v in p]
    base = [math.floor(v) for v in pos]
    frac = [v - b for v, b in zip(pos, base)]
    out = []
    for c in range(8):
        cx, cy, cz = base[0] + (c & 1), base[1] + ((c >> 1) & 1), base[2] + (c >> 2)
        w = 1.0
        for k in range(3):
            w *= frac[k] if (c >> k) & 1 else 1.0 - frac[k]
        idx = cx + s * (cy + s * cz) if s ** 3 <= t else ((cx ^ (cy * 2654435761) ^ (cz * 805459861)) & (t - 1))
        out.append((idx, w))
    return out


def hg_check_py(tab, P, res, launch, npts, err_gpu=None):
    """For points 0..npts-1 of launch `launch`, in Python doubles from the fp16 table and weights: (features, squared
    errors, {gradient table index: value}, weight gradients), the gradient as hg_step and hg_wgrad make it.

    err_gpu (the GPU's squared errors of those points, optional): the backward pass then starts from the GPU's
    residual (its magnitude, Python's sign), not Python's. Once training has converged (mean square error under
    1e-5, as a 20 s run on an H200 reaches) a residual is ~1e-3 and the forward pass's fp32 rounding (~1e-6) is a
    1e-3 part of it, which every gradient inherits: the gradient check then failed on correct kernels (capture bv).
    The residuals are checked on their own; from the same residual the gradients check the backward kernels."""
    nf, npar = hg_np()
    H, t = HG_HID, 1 << HG_LOG_T
    lo = (tab & U32(0xFFFF)).astype(np.uint16).view(np.float16).astype(np.float64)
    hi = (tab >> U32(16)).astype(np.uint16).view(np.float16).astype(np.float64)
    P = [float(v) for v in P]
    W1 = [P[j * nf:(j + 1) * nf] for j in range(H)]
    b1, W2, b2 = P[H * nf:H * nf + H], P[H * nf + H:H * nf + 2 * H], P[-1]
    feats, errs, grad, gw = [], [], {}, [0.0] * npar
    for i in range(npts):
        p = hg_point_py(launch, i)
        f, cs = [], []
        for lv in range(HG_LEVELS):
            c = hg_corners_py(p, int(res[lv]))
            cs.append(c)
            f += [sum(w * lo[lv * t + e] for e, w in c), sum(w * hi[lv * t + e] for e, w in c)]
        a = [b1[j] + sum(W1[j][k] * f[k] for k in range(nf)) for j in range(H)]
        h = [max(v, 0.0) for v in a]
        y = b2 + sum(W2[j] * h[j] for j in range(H))
        tgt = math.sin(7 * p[0]) * math.cos(5 * p[1]) + 0.5 * math.sin(11 * p[2] + 3 * p[0] * p[1])
        d = y - tgt
        feats.append(f)
        errs.append(d * d)
        if err_gpu is not None:
            d = math.copysign(math.sqrt(max(float(err_gpu[i]), 0.0)), d)
        dy = 2 * d / npts
        g = [dy * W2[j] if a[j] > 0 else 0.0 for j in range(H)]
        df = [sum(g[j] * W1[j][k] for j in range(H)) for k in range(nf)]
        for lv in range(HG_LEVELS):
            for e, w in cs[lv]:
                for q in range(2):
                    key = 2 * (lv * t + e) + q
                    grad[key] = grad.get(key, 0.0) + w * df[2 * lv + q]
        for j in range(H):
            for k in range(nf):
                gw[j * nf + k] += g[j] * f[k]
            gw[H * nf + j] += g[j]
            gw[H * nf + H + j] += dy * h[j]
        gw[-1] += dy
    return feats, errs, grad, gw


def hashgrid(variant, clock):
    if variant != "ngp":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=hg_src())
    step, wgrad, update = (mod.get_function(k) for k in ("hg_step", "hg_wgrad", "hg_update"))
    nf, npar = hg_np()
    H, t, L = HG_HID, 1 << HG_LOG_T, HG_LEVELS
    hres = hg_res()
    rng = np.random.default_rng(HG_SEED)
    hm = rng.uniform(-1e-4, 1e-4, 2 * L * t).astype(np.float32)
    h16 = hm.astype(np.float16).view(np.uint16).astype(np.uint32)
    htab = h16[0::2] | (h16[1::2] << U32(16))
    hp = np.zeros(npar, dtype=np.float32)
    hp[:H * nf] = rng.normal(0, math.sqrt(2 / nf), H * nf)
    hp[H * nf + H:H * nf + 2 * H] = rng.normal(0, math.sqrt(1 / H), H)
    master, tab, res, P = cp.asarray(hm), cp.asarray(htab), cp.asarray(hres), cp.asarray(hp)
    gtab = cp.zeros(2 * L * t, dtype=cp.float32)
    gw = cp.zeros(npar, dtype=cp.float32)
    mb = HG_MAX_BATCH
    feats = cp.zeros(mb * nf, dtype=cp.float32)
    hid, dh = cp.zeros(mb * H, dtype=cp.float32), cp.zeros(mb * H, dtype=cp.float32)
    dyb, err = cp.zeros(mb, dtype=cp.float32), cp.zeros(mb, dtype=cp.float32)
    state = {"launch": 0, "batch": HG_BATCH0, "points": 0}
    gu = (max(L * t, npar) + 255) // 256

    def fwd(b):
        step(((b + 255) // 256,), (256,), (tab, res, P, U64(state["launch"]), np.uint32(b), feats, hid, dh, dyb, err,
                                           gtab))

    def red(b, chunk):
        nth = npar * (-(-b // chunk))
        wgrad(((nth + 255) // 256,), (256,), (feats, hid, dh, dyb, np.uint32(b), np.uint32(chunk), gw))

    def launch():
        b = state["batch"]
        fwd(b)
        red(b, HG_CHUNK)
        update((gu,), (256,), (master, tab, gtab, np.float32(HG_LR_TAB * b), P, gw, np.float32(HG_LR_W)))
        state["launch"] += 1
        state["points"] += b
    # twice: a first launch far from LAUNCH_S can be timed by other things than its work
    size_launch(launch, state, "batch", HG_MIN_BATCH, HG_MAX_BATCH)
    nl, per = calibrated_launches(launch, 16)
    b = state["batch"]
    loss0 = float(err[:b].sum()) / b
    state["points"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    loss1 = float(err[:state["batch"]].sum()) / state["batch"]
    # a check batch of HG_CHECK points through the same kernels (no update), against Python in doubles
    nc, lc = HG_CHECK, state["launch"]
    ctab, cP = tab.get(), P.get()
    fwd(nc)
    red(nc, nc)
    gf, ge, gg, gwh = feats.get()[:nc * nf], err.get()[:nc], gtab.get(), gw.get()
    gtab.fill(0)
    gw.fill(0)
    wf, we, wg, ww = hg_check_py(ctab, cP, hres, lc, nc, ge)
    wf = np.array(wf).reshape(-1)
    f_ok = bool(np.all(np.abs(gf - wf) <= 1e-6 + 1e-4 * np.abs(wf)))
    e_ok = bool(np.all(np.abs(ge - np.array(we)) <= 1e-6 + 1e-3 * np.abs(np.array(we))))
    keys = np.array(sorted(wg), dtype=np.int64)
    wv = np.array([wg[k] for k in keys])
    scale = float(np.abs(wv).max()) if len(wv) else 0.0
    outside = np.ones(len(gg), dtype=bool)
    outside[keys] = False
    g_ok = bool(np.all(np.abs(gg[keys] - wv) <= 1e-4 * scale + 1e-3 * np.abs(wv))) and \
        not bool(np.any(gg[outside] != 0))
    ww = np.array(ww)
    w_ok = bool(np.all(np.abs(gwh - ww) <= 1e-4 * float(np.abs(ww).max()) + 1e-3 * np.abs(ww)))
    ok = f_ok and e_ok and g_ok and w_ok
    note(f"hashgrid/{variant}: {state['points']} points trained after READY ({L} levels of 2^{HG_LOG_T} fp16 pairs, "
         f"resolutions {int(hres[0])}-{int(hres[-1])}, {nf}-{H}-1 MLP, {state['batch']} points a launch, gradients "
         f"scattered by atomicAdd), loss (mean square) {loss0:.4f} after set-up, {loss1:.4f} at the end; check batch "
         f"of {nc}: features equal to Python's: {f_ok}, residuals equal: {e_ok}, {len(keys)} table gradients: {g_ok}, {npar} "
         f"weight gradients: {w_ok}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['batch'] / per / 1e6:.1f} M points/s), {nl} a step")


# ---- poker ---------------------------------------------------------------------------------------------------------
PK_LOG_SLOTS = 22          # the rank-multiset hash table: 2^22 slots of (64-bit prime product, 32-bit value), 48 MiB
PK_SEED = 0x9C4
PK_THREADS = 1 << 20
PK_ITERS0 = 32             # deals a thread in the first launch; then as many as take about LAUNCH_S
PK_MIN_ITERS = 4
PK_MAX_ITERS = 1 << 14
PK_CHECK = 8               # threads of the check launch, PK_CHECK_ITERS deals each, evaluated by brute force
PK_CHECK_ITERS = 64
PK_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
PK_GOLD = 0x9E3779B97F4A7C15
PK_AA_EQUITY = 0.8520      # pocket aces against one random hand, all-in preflop

PK_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define LOGS %LOGS%
#define SEED %SEED%ull
#define NCLS 169
""" + SPLITMIX_CUDA + r"""
__constant__ u32 PK_PR[13] = {2u, 3u, 5u, 7u, 11u, 13u, 17u, 19u, 23u, 29u, 31u, 37u, 41u};
// the value of the best 5 of 7 cards (card = 4 rank + suit), higher better: a flush's from the 8192-entry table of
// the suit's 13-bit rank mask, else the rank multiset's by its prime product in the open-addressed hash table
__device__ __forceinline__ u32 pk_eval(const u32* c, const u64* __restrict__ keys, const u32* __restrict__ vals,
                                       const u32* __restrict__ ftab) {
  u64 prod = 1ull, sm = 0ull;
  u32 sc = 0u;
#pragma unroll
  for (int k = 0; k < 7; ++k) {
    const u32 r = c[k] >> 2, s = c[k] & 3u;
    prod *= PK_PR[r];
    sc += 1u << (8u * s);
    sm |= 1ull << (16u * s + r);
  }
#pragma unroll
  for (u32 s = 0; s < 4; ++s)
    if (((sc >> (8u * s)) & 0xFFu) >= 5u) return ftab[(u32)(sm >> (16u * s)) & 0x1FFFu];
  u32 slot = (u32)((prod * 0x9E3779B97F4A7C15ull) >> (64 - LOGS));
  while (keys[slot] != prod) slot = (slot + 1u) & ((1u << LOGS) - 1u);
  return vals[slot];
}
// a thread deals `iters` times against its hand class (t mod 169, hole cards from `hole`): villain's two cards and
// five board cards drawn without replacement (splitmix draws, rejection of used cards), both hands evaluated; wins,
// ties and a digest of the values written, and the class's tallies added
extern "C" __global__ void pk_mc(const u64* __restrict__ keys, const u32* __restrict__ vals,
                                 const u32* __restrict__ ftab, const u32* __restrict__ hole, u32 t0, u32 threads,
                                 u32 iters, u64 launch, u32* __restrict__ wins, u32* __restrict__ ties,
                                 u32* __restrict__ dig, unsigned long long* __restrict__ cls) {
  const u32 tt = blockIdx.x * blockDim.x + threadIdx.x;
  if (tt >= threads) return;
  const u32 t = t0 + tt, c = t % NCLS;
  const u32 h0 = hole[c] & 0xFFu, h1 = hole[c] >> 8;
  const u64 base = splitmix((launch << 32) ^ (u64)t ^ SEED);
  u64 k = 0;
  u32 w = 0, ti = 0, dg = 0;
  for (u32 it = 0; it < iters; ++it) {
    u64 used = (1ull << h0) | (1ull << h1);
    u32 d[7];
#pragma unroll
    for (int j = 0; j < 7; ++j) {
      u32 x;
      do {
        x = (u32)(((splitmix(base + k) & 0xFFFFFFFFull) * 52ull) >> 32);
        ++k;
      } while ((used >> x) & 1ull);
      used |= 1ull << x;
      d[j] = x;
    }
    const u32 hc[7] = {h0, h1, d[2], d[3], d[4], d[5], d[6]};
    const u32 hv = pk_eval(hc, keys, vals, ftab), vv = pk_eval(d, keys, vals, ftab);
    w += hv > vv;
    ti += hv == vv;
    dg = ((dg << 5) | (dg >> 27)) ^ hv ^ (vv << 7);
  }
  wins[tt] = w;
  ties[tt] = ti;
  dig[tt] = dg;
  atomicAdd(&cls[3 * c], (unsigned long long)w);
  atomicAdd(&cls[3 * c + 1], (unsigned long long)ti);
  atomicAdd(&cls[3 * c + 2], (unsigned long long)iters);
}
"""


def pk_src():
    return fill_source(PK_CUDA, LOGS=PK_LOG_SLOTS, SEED=hex(PK_SEED))


PK_SRC = pk_src()


def _pk_code(cat, ranks):
    v = cat << 20
    for i, r in enumerate(ranks):
        v |= r << (16 - 4 * i)
    return v


def _pk_straight_top(present):
    """The top rank of the highest straight among the ranks `present` (a set), or None (A-2-3-4-5 tops at 3)."""
    for top in range(12, 3, -1):
        if all(top - i in present for i in range(5)):
            return top
    if all(r in present for r in (12, 0, 1, 2, 3)):
        return 3
    return None


def pk_best_counts(counts):
    """The value of the best non-flush 5-card hand of a rank multiset of 7 (counts[13]), for the table."""
    present = {r for r in range(13) if counts[r]}
    desc = sorted(present, reverse=True)
    by = {n: [r for r in desc if counts[r] >= n] for n in (2, 3, 4)}
    if by[4]:
        q = by[4][0]
        return _pk_code(7, [q, max(r for r in desc if r != q)])
    if by[3] and len(by[2]) >= 2:
        t = by[3][0]
        return _pk_code(6, [t, max(r for r in by[2] if r != t)])
    top = _pk_straight_top(present)
    if top is not None:
        return _pk_code(4, [top])
    if by[3]:
        t = by[3][0]
        return _pk_code(3, [t] + [r for r in desc if r != t][:2])
    if len(by[2]) >= 2:
        a, b = by[2][:2]
        return _pk_code(2, [a, b, max(r for r in desc if r not in (a, b))])
    if by[2]:
        a = by[2][0]
        return _pk_code(1, [a] + [r for r in desc if r != a][:3])
    return _pk_code(0, desc[:5])


def pk_flush_value(mask):
    """The value of the best hand in a flush suit's 13-bit rank mask (5 or more bits)."""
    present = {r for r in range(13) if (mask >> r) & 1}
    top = _pk_straight_top(present)
    if top is not None:
        return _pk_code(8, [top])
    return _pk_code(5, sorted(present, reverse=True)[:5])


def pk_tables():
    """(slot keys uint64, slot values uint32, flush table uint32[8192]): every rank multiset of 7 cards (at most 4 of
    a rank, 49205 of them) under its prime product, open-addressed by a multiplicative hash, linear probing."""
    import itertools
    ns = 1 << PK_LOG_SLOTS
    keys = np.zeros(ns, dtype=np.uint64)
    vals = np.zeros(ns, dtype=np.uint32)
    n = 0
    for combo in itertools.combinations_with_replacement(range(13), 7):
        counts = [0] * 13
        for r in combo:
            counts[r] += 1
        if max(counts) > 4:
            continue
        prod = 1
        for r in combo:
            prod *= PK_PRIMES[r]
        slot = ((prod * PK_GOLD) & M64) >> (64 - PK_LOG_SLOTS)
        while keys[slot]:
            slot = (slot + 1) & (ns - 1)
        keys[slot], vals[slot] = prod, pk_best_counts(counts)
        n += 1
    ftab = np.zeros(8192, dtype=np.uint32)
    for m in range(8192):
        if bin(m).count("1") >= 5:
            ftab[m] = pk_flush_value(m)
    return keys, vals, ftab, n


def pk_classes():
    """The 169 starting-hand classes (pairs, suited, offsuit; AA first) as hole cards packed lo | hi << 8, names."""
    hole, names = [], []
    rn = "23456789TJQKA"
    for hi in range(12, -1, -1):
        for lo in range(hi, -1, -1):
            if hi == lo:
                hole.append(4 * hi | (4 * hi + 1) << 8)
                names.append(rn[hi] * 2)
            else:
                hole.append(4 * hi | (4 * lo) << 8)
                names.append(rn[hi] + rn[lo] + "s")
                hole.append(4 * hi | (4 * lo + 1) << 8)
                names.append(rn[hi] + rn[lo] + "o")
    return np.array(hole, dtype=np.uint32), names


def pk_hand5(cards):
    """The value of 5 cards by inspection (no tables), in the table's encoding."""
    ranks = sorted((c >> 2 for c in cards), reverse=True)
    flush = len({c & 3 for c in cards}) == 1
    cnt = {}
    for r in ranks:
        cnt[r] = cnt.get(r, 0) + 1
    groups = sorted(cnt.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
    shape = [n for _, n in groups]
    order = [r for r, _ in groups]
    straight = None
    if len(cnt) == 5:
        if ranks[0] - ranks[4] == 4:
            straight = ranks[0]
        elif ranks == [12, 3, 2, 1, 0]:
            straight = 3
    if straight is not None and flush:
        return _pk_code(8, [straight])
    if shape == [4, 1]:
        return _pk_code(7, order)
    if shape == [3, 2]:
        return _pk_code(6, order)
    if flush:
        return _pk_code(5, ranks)
    if straight is not None:
        return _pk_code(4, [straight])
    if shape == [3, 1, 1]:
        return _pk_code(3, order)
    if shape == [2, 2, 1]:
        return _pk_code(2, order)
    if shape == [2, 1, 1, 1]:
        return _pk_code(1, order)
    return _pk_code(0, ranks)


def pk_hand7(cards):
    import itertools
    return max(pk_hand5(c) for c in itertools.combinations(cards, 5))


def pk_thread_py(t, iters, launch, hole):
    """pk_mc's (wins, ties, digest) for thread t in Python, every hand evaluated by brute force over its 21 fives."""
    c = t % 169
    h0, h1 = int(hole[c]) & 0xFF, int(hole[c]) >> 8
    base = splitmix64(((launch << 32) ^ t ^ PK_SEED) & M64)
    k, w, ti, dg = 0, 0, 0, 0
    for _ in range(iters):
        used, d = {h0, h1}, []
        while len(d) < 7:
            x = ((splitmix64((base + k) & M64) & M32) * 52) >> 32
            k += 1
            if x not in used:
                used.add(x)
                d.append(x)
        hv, vv = pk_hand7([h0, h1] + d[2:]), pk_hand7(d)
        w += hv > vv
        ti += hv == vv
        dg = (((dg << 5) | (dg >> 27)) & M32) ^ hv ^ ((vv << 7) & M32)
    return w, ti, dg


def poker(variant, clock):
    if variant != "eval7":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    kern = cp.RawModule(code=pk_src()).get_function("pk_mc")
    hk, hv, hf, nms = pk_tables()
    hhole, names = pk_classes()
    keys, vals, ftab, hole = cp.asarray(hk), cp.asarray(hv), cp.asarray(hf), cp.asarray(hhole)
    threads = PK_THREADS
    wins, ties, dig = (cp.zeros(threads, dtype=cp.uint32) for _ in range(3))
    cls = cp.zeros(3 * 169, dtype=cp.uint64)
    state = {"launch": 0, "iters": PK_ITERS0, "deals": 0}

    def run(t0, n, iters):
        kern(((n + 255) // 256,), (256,), (keys, vals, ftab, hole, np.uint32(t0), np.uint32(n), np.uint32(iters),
                                           U64(state["launch"]), wins, ties, dig, cls))
        state["launch"] += 1

    def launch():
        run(0, threads, state["iters"])
        state["deals"] += threads * state["iters"]
    size_launch(launch, state, "iters", PK_MIN_ITERS, PK_MAX_ITERS)
    nl, per = calibrated_launches(launch, 16)
    cls.fill(0)
    state["deals"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    tally = cls.get().astype(np.int64).reshape(169, 3)
    tot_ok = int(tally[:, 2].sum()) == state["deals"]
    # pocket aces' equity against the expectation: 5 standard errors and the published figure's rounding
    n_aa = int(tally[0, 2])
    eq_aa = (tally[0, 0] + tally[0, 1] / 2) / max(n_aa, 1)
    aa_ok = abs(eq_aa - PK_AA_EQUITY) <= 5 * math.sqrt(0.25 / max(n_aa, 1)) + 0.002
    eq = (tally[:, 0] + tally[:, 1] / 2) / np.maximum(tally[:, 2], 1)
    worst = int(np.argmin(eq))
    # a check launch of PK_CHECK threads at a random offset, every hand evaluated again by brute force in Python
    t0 = int(np.random.default_rng(37).integers(0, max(1, threads - PK_CHECK)))
    lc = state["launch"]
    run(t0, PK_CHECK, PK_CHECK_ITERS)
    hw, ht, hd = wins.get(), ties.get(), dig.get()
    good = sum((int(hw[j]), int(ht[j]), int(hd[j])) == pk_thread_py(t0 + j, PK_CHECK_ITERS, lc, hhole)
               for j in range(PK_CHECK))
    ok = good == PK_CHECK and tot_ok and aa_ok and nms == 49205
    note(f"poker/{variant}: {state['deals']} deals after READY ({threads} threads x {state['iters']} deals a launch, "
         f"two 7-card hands a deal by prime-product hash table of {nms} rank multisets in 2^{PK_LOG_SLOTS} slots and a "
         f"flush table), AA's equity {eq_aa:.4f} over {n_aa} deals (published {PK_AA_EQUITY}): {aa_ok}, worst class "
         f"{names[worst]} {eq[worst]:.4f}, tallies complete: {tot_ok}, {PK_CHECK} threads x {PK_CHECK_ITERS} deals "
         f"equal to Python's brute-force evaluation: {good}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({threads * state['iters'] / per / 1e9:.2f} G deals/s), {nl} a step")


# ---- tfhe ----------------------------------------------------------------------------------------------------------
TF_N = 1024                # coefficients a polynomial (int32 on the torus, arithmetic mod 2^32)
TF_LV = 3                  # gadget levels
TF_BGB = 10                # bits a level: digits in [-512, 512)
TF_NKEY = 630              # GGSW ciphertexts of the bootstrapping key (2 LV rows x 2 polynomials each): 30 MiB
TF_CTS = 512               # accumulators (GLWE ciphertexts, 2 polynomials) blind-rotated side by side
TF_SEED = 0x7F1E
TF_STEPS0 = 2              # blind-rotation steps in the first launch; then as many as take about LAUNCH_S
TF_MIN_STEPS = 1
TF_MAX_STEPS = 1024
TF_CHECK_STEPS = 2
TF_CHECK = 2

TF_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define N %N%
#define LV %LV%
#define BGB %BGB%
#define BG (1 << BGB)
#define OFFSET %OFFSET%u
#define SEED %SEED%ull
""" + SPLITMIX_CUDA + r"""
// the rotation X^r of ciphertext c's blind-rotation step `step` (r in [0, 2N))
__device__ __forceinline__ u32 tf_rot(u32 c, u32 step) {
  return (u32)splitmix(((u64)step << 32) ^ (u64)c ^ SEED) & (2u * N - 1u);
}
// a thread a coefficient n of polynomial i of accumulator c: (X^r - 1) acc, negacyclic, rounded to the top LV BGB
// bits and decomposed into LV balanced digits (the offset trick), dig[((c * 2 + i) * LV + p) * N + n]
extern "C" __global__ void tf_decomp(const u32* __restrict__ acc, u32 cts, u32 step, int* __restrict__ dig) {
  const u64 e = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= (u64)cts * 2u * N) return;
  const u32 c = (u32)(e / (2u * N)), n = (u32)(e % N);
  const u64 pb = e - n;
  const u32 m = (n + 2u * N - tf_rot(c, step)) & (2u * N - 1u);
  const u32 rot = m < N ? acc[pb + m] : 0u - acc[pb + m - N];
  const u32 x = rot - acc[e] + (1u << (31 - LV * BGB)) + OFFSET;
  const u64 q = e / N;
#pragma unroll
  for (u32 p = 0; p < LV; ++p)
    dig[(q * LV + p) * N + n] = (int)((x >> (32 - (p + 1) * BGB)) & (BG - 1)) - BG / 2;
}
// a thread a coefficient n of output polynomial j of accumulator c: acc_j += sum over the 2 LV digit polynomials of
// digit x GGSW row (key `key`, bsk[((key * 2 LV + row) * 2 + j) * N + .]) as a negacyclic schoolbook product, mod 2^32
extern "C" __global__ void tf_prod(const int* __restrict__ dig, const u32* __restrict__ bsk, u32 cts, u32 key,
                                   u32* __restrict__ acc) {
  const u64 e = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= (u64)cts * 2u * N) return;
  const u32 c = (u32)(e / (2u * N)), j = (u32)((e / N) % 2u), n = (u32)(e % N);
  const int* d = dig + (u64)c * 2u * LV * N;
  const u32* g = bsk + (u64)key * 2u * LV * 2u * N + (u64)j * N;
  u32 s = 0u;
  for (u32 q = 0; q < 2u * LV; ++q) {
    const int* dq = d + (u64)q * N;
    const u32* gq = g + (u64)q * 2u * N;
    for (u32 m = 0; m <= n; ++m) s += (u32)dq[m] * gq[n - m];
    for (u32 m = n + 1u; m < N; ++m) s -= (u32)dq[m] * gq[n + N - m];
  }
  acc[e] += s;
}
"""


def tf_offset():
    return sum((1 << (TF_BGB - 1)) << (32 - (p + 1) * TF_BGB) for p in range(TF_LV)) & M32


def tf_src():
    return fill_source(TF_CUDA, N=TF_N, LV=TF_LV, BGB=TF_BGB, OFFSET=tf_offset(), SEED=hex(TF_SEED))


TF_SRC = tf_src()


def tf_rot_py(c, step):
    return splitmix64(((step << 32) ^ c ^ TF_SEED) & M64) & (2 * TF_N - 1)


def tf_digits_np(x):
    """Balanced base-2^BGB digits (most significant first) of x (uint32 array) rounded to its top LV BGB bits, by
    division with carries (not the kernel's offset trick)."""
    bg = 1 << TF_BGB
    sh = 32 - TF_LV * TF_BGB
    v = ((x.astype(np.int64) + (1 << (sh - 1))) & M32) >> sh
    out = []
    for _ in range(TF_LV):
        d = v % bg
        v = v // bg
        big = d >= bg // 2
        d = np.where(big, d - bg, d)
        v = v + big
        out.append(d)
    return out[::-1]


def tf_step_np(acc2, c, step, bsk, key):
    """One blind-rotation step of accumulator c (acc2: 2 x N uint32) in NumPy: np.roll rotation, digits by
    tf_digits_np, products by full convolution folded negacyclically; returns (new acc2, digits [2 LV][N])."""
    n = TF_N
    r = tf_rot_py(c, step)
    ext = np.concatenate([acc2, (-acc2.astype(np.int64)) & M32], axis=1)  # X^N = -1: the 2N-periodic extension
    rot = np.roll(ext, r, axis=1)[:, :n]
    tmp = (rot - acc2.astype(np.int64)) & M32
    digs = [d for i in range(2) for d in tf_digits_np(tmp[i])]
    out = acc2.astype(np.int64).copy()
    g = bsk[key].astype(np.int64)  # [2 LV][2][N]
    for q in range(2 * TF_LV):
        for j in range(2):
            full = np.convolve(digs[q], g[q, j])
            prod = full[:n].copy()
            prod[:n - 1] -= full[n:]
            out[j] = (out[j] + prod) & M32
    return out.astype(np.uint32), np.array(digs)


def tfhe(variant, clock):
    if variant != "polymul":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=tf_src())
    decomp, prod = mod.get_function("tf_decomp"), mod.get_function("tf_prod")
    n, cts = TF_N, TF_CTS
    rng = np.random.default_rng(TF_SEED)
    hbsk = rng.integers(0, 1 << 32, (TF_NKEY, 2 * TF_LV, 2, n), dtype=np.uint64).astype(np.uint32)
    bsk = cp.asarray(hbsk.reshape(-1))
    # accumulators start as trivial GLWE encryptions (0, test polynomial) of a random 3-bit message
    hacc = np.zeros((cts, 2, n), dtype=np.uint32)
    hacc[:, 1, :] = (rng.integers(0, 8, (cts, 1)) << 29).astype(np.uint32)
    acc = cp.asarray(hacc.reshape(-1))
    dig = cp.zeros(cts * 2 * TF_LV * n, dtype=cp.int32)
    state = {"step": 0, "steps": TF_STEPS0, "done": 0}
    g = (cts * 2 * n + 255) // 256

    def launch():
        for _ in range(state["steps"]):
            decomp((g,), (256,), (acc, np.uint32(cts), np.uint32(state["step"]), dig))
            prod((g,), (256,), (dig, bsk, np.uint32(cts), np.uint32(state["step"] % TF_NKEY), acc))
            state["step"] += 1
        state["done"] += cts * state["steps"]
    size_launch(launch, state, "steps", TF_MIN_STEPS, TF_MAX_STEPS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    steps, done = state["steps"], state["done"]
    # a check launch of TF_CHECK_STEPS steps; TF_CHECK accumulators replayed in NumPy from their state before it
    before, s0 = acc.get().reshape(cts, 2, n), state["step"]
    state["steps"] = TF_CHECK_STEPS
    launch()
    after, hd = acc.get().reshape(cts, 2, n), dig.get().reshape(cts, 2 * TF_LV, n)
    picks = sorted({0, cts - 1} | {int(v) for v in np.random.default_rng(38).integers(0, cts, max(0, TF_CHECK - 2))})
    good, dgood, rec_ok = 0, 0, True
    sh = 32 - TF_LV * TF_BGB
    for c in picks:
        a = before[c]
        for s in range(TF_CHECK_STEPS):
            a, digs = tf_step_np(a, c, s0 + s, hbsk, (s0 + s) % TF_NKEY)
        good += bool(np.array_equal(a, after[c]))
        dgood += bool(np.array_equal(digs, hd[c]))
        # the GPU's digits recompose to the rounded value and stay in [-Bg/2, Bg/2)
        for i in range(2):
            rec = sum(hd[c, i * TF_LV + p].astype(np.int64) << (32 - (p + 1) * TF_BGB) for p in range(TF_LV)) & M32
            x = digs[i * TF_LV:(i + 1) * TF_LV]
            want = sum(x[p].astype(np.int64) << (32 - (p + 1) * TF_BGB) for p in range(TF_LV)) & M32
            rec_ok &= bool(np.array_equal(rec, want)) and not bool(np.any(rec & ((1 << sh) - 1))) and \
                bool(np.all(np.abs(hd[c, i * TF_LV:(i + 1) * TF_LV] + 0.5) < (1 << (TF_BGB - 1))))
    ok = good == len(picks) and dgood == len(picks) and rec_ok
    note(f"tfhe/{variant}: {done} blind-rotation steps after READY ({cts} GLWE accumulators of 2 x {n} torus "
         f"coefficients, {steps} steps a launch, each a rotation, a {TF_LV} x {TF_BGB}-bit gadget decomposition and "
         f"an external product with one of {TF_NKEY} GGSW keys by negacyclic schoolbook products mod 2^32), "
         f"{len(picks)} accumulators after {TF_CHECK_STEPS} check steps equal to NumPy's convolutions: {good}, their "
         f"digits equal: {dgood}, digits recompose: {rec_ok}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({cts * steps * 4 * TF_LV * n * n / per / 1e12:.2f} T multiply-adds/s), {nl} a step")


# ---- fir -----------------------------------------------------------------------------------------------------------
FR_P = 64                  # phases = channels (a power of two)
FR_TAPS = 16               # taps a phase: a 1024-tap prototype low-pass filter
FR_SHIFT = 11              # the FIR's rounding shift: phase outputs of some 18000 rms, about 7 % saturating
FR_FRAMES_BUF = 1 << 22    # frames of FR_P complex int16 samples in the device buffer: 2^28 samples, 1 GiB
FR_CHUNK = 1 << 20         # frames a kernel pair: the polyphase outputs and spectra of a chunk, 256 MiB each
FR_SEED = 0x51D
FR_CHUNKS0 = 1             # chunks in the first launch; then as many as take about LAUNCH_S
FR_MIN_CHUNKS = 1
FR_MAX_CHUNKS = 64
FR_CHECK = 8

FR_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define P %P%
#define LOGP %LOGP%
#define TAPS %TAPS%
#define SH %SH%
#define SEED %SEED%ull
""" + SPLITMIX_CUDA + r"""
__device__ __forceinline__ int sat16(int v) { return v > 32767 ? 32767 : (v < -32768 ? -32768 : v); }
__device__ __forceinline__ u32 pack16(int re, int im) { return ((u32)sat16(re) & 0xFFFFu) | ((u32)sat16(im) << 16); }
// the receiver's samples: 12-bit I and Q (sign-extended to int16) from splitmix of the sample index
extern "C" __global__ void fr_gen(u32* __restrict__ x, u64 n) {
  const u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const u64 w = splitmix(i ^ SEED);
  const int re = (int)((u32)w << 20) >> 20, im = (int)((u32)(w >> 32) << 20) >> 20;
  x[i] = pack16(re, im);
}
// polyphase FIR, a thread a (frame, phase): TAPS int16 x int16 complex-by-real products accumulated in int32 over
// the phase's past frames (the buffer a ring of nfb frames), rounded, shifted and saturated to int16
extern "C" __global__ void fr_fir(const u32* __restrict__ x, u32 nfb, const short* __restrict__ h, u32 f0,
                                  u32 frames, u32* __restrict__ v) {
  const u64 e = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= (u64)frames * P) return;
  const u32 f = (u32)(e / P), p = (u32)(e % P);
  const u32 F = (u32)(((u64)f0 + f) % nfb);
  int ar = 0, ai = 0;
#pragma unroll
  for (u32 k = 0; k < TAPS; ++k) {
    const u32 s = x[(u64)((F + nfb - k) % nfb) * P + p];
    const int hk = h[k * P + p];
    ar += hk * (int)(short)(s & 0xFFFFu);
    ai += hk * (int)(short)(s >> 16);
  }
  v[e] = pack16((ar + (1 << (SH - 1))) >> SH, (ai + (1 << (SH - 1))) >> SH);
}
// a thread a frame: the P phase outputs through a radix-2 decimation-in-time FFT in int32 (bit-reversed load, Q15
// twiddles tw[k] = exp(-2 pi i k / P), products rounded back by 15 bits, every stage halved with rounding: the
// spectrum over P), saturated to int16
extern "C" __global__ void fr_fft(const u32* __restrict__ v, u32 frames, const u32* __restrict__ tw,
                                  u32* __restrict__ out) {
  const u32 f = blockIdx.x * blockDim.x + threadIdx.x;
  if (f >= frames) return;
  int re[P], im[P];
#pragma unroll
  for (u32 i = 0; i < P; ++i) {
    const u32 s = v[(u64)f * P + i], j = __brev(i) >> (32 - LOGP);
    re[j] = (int)(short)(s & 0xFFFFu);
    im[j] = (int)(short)(s >> 16);
  }
#pragma unroll
  for (u32 len = 2; len <= P; len <<= 1) {
    const u32 half = len >> 1, ts = P / len;
#pragma unroll
    for (u32 a0 = 0; a0 < P; a0 += len)
#pragma unroll
      for (u32 k = 0; k < half; ++k) {
        const u32 w = tw[k * ts];
        const int wr = (int)(short)(w & 0xFFFFu), wi = (int)(short)(w >> 16);
        const u32 a = a0 + k, b = a + half;
        const int tr = (wr * re[b] - wi * im[b] + 16384) >> 15, ti = (wr * im[b] + wi * re[b] + 16384) >> 15;
        const int ar = re[a], ai = im[a];
        re[a] = (ar + tr + 1) >> 1;
        im[a] = (ai + ti + 1) >> 1;
        re[b] = (ar - tr + 1) >> 1;
        im[b] = (ai - ti + 1) >> 1;
      }
  }
#pragma unroll
  for (u32 k = 0; k < P; ++k) out[(u64)f * P + k] = pack16(re[k], im[k]);
}
"""


def fr_src():
    return fill_source(FR_CUDA, P=FR_P, LOGP=FR_P.bit_length() - 1, TAPS=FR_TAPS, SH=FR_SHIFT, SEED=hex(FR_SEED))


FR_SRC = fr_src()


def fr_taps():
    """The prototype low-pass filter (Kaiser-windowed sinc, cut-off half a channel), Q15 int16, FR_P * FR_TAPS."""
    n = FR_P * FR_TAPS
    t = np.arange(n) - (n - 1) / 2
    h = np.sinc(t / FR_P) * np.kaiser(n, 8.0)
    return np.round(h / np.abs(h).max() * 32767).astype(np.int16)


def fr_twiddles():
    k = np.arange(FR_P // 2)
    wr = np.round(32767 * np.cos(2 * np.pi * k / FR_P)).astype(np.int64)
    wi = np.round(-32767 * np.sin(2 * np.pi * k / FR_P)).astype(np.int64)
    return ((wr & 0xFFFF) | ((wi & 0xFFFF) << 16)).astype(np.uint32)


def _s12(v):
    v &= 0xFFF
    return v - 4096 if v & 0x800 else v


def _sat(v):
    return max(-32768, min(32767, v))


def fr_sample_py(i):
    w = splitmix64(i ^ FR_SEED)
    return _s12(w), _s12(w >> 32)


def fr_frame_py(F, h):
    """(polyphase outputs, fixed-point spectrum) of buffer frame F in Python ints, one sample at a time."""
    P, nfb = FR_P, FR_FRAMES_BUF
    v = []
    for p in range(P):
        ar = ai = 0
        for k in range(FR_TAPS):
            re, im = fr_sample_py(((F - k) % nfb) * P + p)
            ar += int(h[k * P + p]) * re
            ai += int(h[k * P + p]) * im
        rnd = 1 << (FR_SHIFT - 1)
        v.append((_sat((ar + rnd) >> FR_SHIFT), _sat((ai + rnd) >> FR_SHIFT)))
    # the same decimation-in-time FFT, written recursively (even and odd halves)
    tw = [(int(np.round(32767 * math.cos(2 * math.pi * k / P))), int(np.round(-32767 * math.sin(2 * math.pi * k / P))))
          for k in range(P // 2)]

    def fft(xs, stride):
        if len(xs) == 1:
            return list(xs)
        ev, od = fft(xs[0::2], stride * 2), fft(xs[1::2], stride * 2)
        half = len(xs) // 2
        out = [None] * len(xs)
        for k in range(half):
            wr, wi = tw[k * stride]
            br, bi = od[k]
            tr, ti = (wr * br - wi * bi + 16384) >> 15, (wr * bi + wi * br + 16384) >> 15
            ar, ai = ev[k]
            out[k] = ((ar + tr + 1) >> 1, (ai + ti + 1) >> 1)
            out[k + half] = ((ar - tr + 1) >> 1, (ai - ti + 1) >> 1)
        return out
    return v, [(_sat(a), _sat(b)) for a, b in fft(v, 1)]


def _unpack16(w):
    w = np.asarray(w, dtype=np.uint32)
    return (w & U32(0xFFFF)).astype(np.uint16).view(np.int16).astype(np.int64), \
        (w >> U32(16)).astype(np.uint16).view(np.int16).astype(np.int64)


def fir(variant, clock):
    if variant != "channelizer":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=fr_src())
    gen, firk, fftk = (mod.get_function(k) for k in ("fr_gen", "fr_fir", "fr_fft"))
    P, nfb, ch = FR_P, FR_FRAMES_BUF, FR_CHUNK
    ns = nfb * P
    x = cp.empty(ns, dtype=cp.uint32)
    gen(((ns + 255) // 256,), (256,), (x, U64(ns)))
    hh = fr_taps()
    h, tw = cp.asarray(hh), cp.asarray(fr_twiddles())
    v, out = cp.empty(ch * P, dtype=cp.uint32), cp.empty(ch * P, dtype=cp.uint32)
    state = {"f0": 0, "chunks": FR_CHUNKS0, "frames": 0, "last": 0}

    def launch():
        for _ in range(state["chunks"]):
            state["last"] = state["f0"]
            firk(((ch * P + 255) // 256,), (256,), (x, np.uint32(nfb), h, np.uint32(state["f0"]), np.uint32(ch), v))
            fftk(((ch + 255) // 256,), (256,), (v, np.uint32(ch), tw, out))
            state["f0"] = (state["f0"] + ch) % nfb
        state["frames"] += ch * state["chunks"]
    size_launch(launch, state, "chunks", FR_MIN_CHUNKS, FR_MAX_CHUNKS)
    nl, per = calibrated_launches(launch, 16)
    state["frames"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    last = state["last"]
    hv, ho = v.get().reshape(ch, P), out.get().reshape(ch, P)
    picks = sorted({0, ch - 1} | {int(u) for u in np.random.default_rng(39).integers(0, ch, FR_CHECK - 2)})
    vgood = sgood = fgood = 0
    worst = 0
    r16 = hv.reshape(-1).view(np.int16)[0::2]  # the real parts (little-endian: the low half)
    nsat = int(np.count_nonzero((r16 == 32767) | (r16 == -32768)))
    for f in picks:
        wv, ws = fr_frame_py((last + f) % nfb, hh)
        gr, gi = _unpack16(hv[f])
        vgood += [(int(a), int(b)) for a, b in zip(gr, gi)] == wv
        sr, si = _unpack16(ho[f])
        sgood += [(int(a), int(b)) for a, b in zip(sr, si)] == ws
        # against a floating FFT of the same phase outputs, over P; saturated bins left out
        ref = np.fft.fft(np.array([a + 1j * b for a, b in wv])) / P
        keep = (np.abs(sr) < 32767) & (np.abs(si) < 32767)
        dev = np.maximum(np.abs(sr - ref.real), np.abs(si - ref.imag))[keep]
        worst = max(worst, float(dev.max()) if len(dev) else 0.0)
        fgood += bool(np.all(dev <= 8))
    ok = vgood == len(picks) and sgood == len(picks) and fgood == len(picks)
    note(f"fir/{variant}: {state['frames']} frames channelized after READY ({P} channels x {FR_TAPS} taps a phase, "
         f"complex int16 samples from a {ns * 4 >> 20} MiB ring, {state['chunks']} chunks of {ch} frames a launch, "
         f"int32 MACs, rounding shifts and saturation, then a {P}-point fixed-point FFT a frame), last chunk: "
         f"{nsat / (ch * P):.2%} of phase outputs' real parts saturated; {len(picks)} frames' phase outputs equal to "
         f"Python's: {vgood}, spectra equal: {sgood}, within 8 LSB of a floating FFT: {fgood} (worst {worst:.2f}), "
         f"agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({ch * state['chunks'] * P / per / 1e9:.2f} G samples/s), {nl} a step")


# ---- zobrist -------------------------------------------------------------------------------------------------------
ZB_LOG_BUCKETS = 26        # transposition table: 2^26 buckets of 4 64-bit entries, 2 GiB
ZB_THREADS = 1 << 20       # a warp of 32 threads searches one root (lazy SMP): 32768 roots
ZB_K = 12                  # moves a root (distinct pieces to distinct empty squares: they commute)
ZB_PIECES = 16
ZB_SEED = 0x2B1
ZB_ITERS0 = 8              # paths a thread in the first launch; then as many as take about LAUNCH_S
ZB_MIN_ITERS = 2
ZB_MAX_ITERS = 1 << 12
ZB_SMALL = 64              # buckets of the single-thread check table
ZB_SMALL_ITERS = 300
ZB_CHECK = 4
ZB_SCAN = 1 << 20          # buckets whose entries are checked for torn writes after the run

ZB_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define K %K%
#define SEED %SEED%ull
#define ZSIDE 768
#define TAGM 0xFFFFFFFFFFFF0000ull
""" + SPLITMIX_CUDA + r"""
// 4 check bits of a tag, stored beside it: an entry whose bits disagree was torn
__device__ __forceinline__ u32 zb_chk(u64 h) { return (u32)(((h >> 16) * 0x9E3779B97F4A7C15ull) >> 60); }
// probe the bucket of h, store (tag 48 bits | generation 4 | check 4 | depth 8): a hit deepens its entry if
// shallower; a miss replaces the empty, else the shallowest entry of an older generation, else the shallowest
// (first of equals), by atomicCAS; a CAS that finds the entry changed under it is counted in *lost. 1 on a hit
__device__ __forceinline__ u32 zb_probe(u64* tt, u64 bmask, u64 h, u32 depth, u32 gen, u32* lost) {
  u64* b = tt + (h & bmask) * 4ull;
  const u64 tag = h & TAGM;
  const u64 ne = tag | ((u64)(gen & 15u) << 12) | ((u64)zb_chk(h) << 8) | (u64)depth;
  int vs = 1 << 30;
  u32 vi = 0;
  u64 ve = 0ull;
#pragma unroll
  for (u32 s = 0; s < 4; ++s) {
    const u64 e = *(volatile u64*)&b[s];
    if (e != 0ull && (e & TAGM) == tag) {
      if ((u32)(e & 0xFFull) < depth && atomicCAS(&b[s], e, ne) != e) ++*lost;
      return 1u;
    }
    const int sc = e == 0ull ? -1 : (int)(e & 0xFFull) + ((((u32)(e >> 12)) & 15u) == (gen & 15u) ? 256 : 0);
    if (sc < vs) { vs = sc; vi = s; ve = e; }
  }
  if (atomicCAS(&b[vi], ve, ne) != ve) ++*lost;
  return 0u;
}
// a thread `iters` random paths from its warp's root (depth 1-8, each ply one of the root's K moves, toggled: a
// piece moved there or back), the Zobrist hash updated by XOR of the piece-square keys and the side key, every node
// probed and stored at its remaining depth; hits, misses, lost races, nodes and a digest of the hashes written out
extern "C" __global__ void zb_search(const u64* __restrict__ Z, const u64* __restrict__ roots,
                                     const u32* __restrict__ moves, u32 threads, u32 iters, u64 launch, u32 gen,
                                     u64* tt, u64 bmask, u32* __restrict__ hits, u32* __restrict__ misses,
                                     u32* __restrict__ lost, u32* __restrict__ nodes, u64* __restrict__ dig) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= threads) return;
  const u32 r = t >> 5;
  const u32* mv = moves + (u64)r * K;
  const u64 base = splitmix((launch << 32) ^ (u64)t ^ SEED);
  u64 k = 0, dg = 0;
  u32 nh = 0, nm = 0, nl = 0, nn = 0;
  for (u32 it = 0; it < iters; ++it) {
    u64 h = roots[r];
    const u32 d = 1u + (u32)(splitmix(base + k++) & 7ull);
    for (u32 ply = 0; ply < d; ++ply) {
      const u32 i = (u32)(((splitmix(base + k++) & 0xFFFFFFFFull) * (u64)K) >> 32);
      const u32 m = mv[i], pc = m & 0xFFu, fr = (m >> 8) & 0xFFu, to = m >> 16;
      h ^= Z[pc * 64u + fr] ^ Z[pc * 64u + to] ^ Z[ZSIDE];
      dg = ((dg << 7) | (dg >> 57)) ^ h;
      if (zb_probe(tt, bmask, h, d - ply, gen, &nl)) ++nh;
      else ++nm;
      ++nn;
    }
  }
  hits[t] = nh;
  misses[t] = nm;
  lost[t] = nl;
  nodes[t] = nn;
  dig[t] = dg;
}
"""


def zb_src():
    return fill_source(ZB_CUDA, K=ZB_K, SEED=hex(ZB_SEED))


ZB_SRC = zb_src()


def zb_setup(roots_n):
    """(keys Z[12 * 64 + 1], root hashes, packed moves, pieces [R][16], from squares, to squares): random roots of 16
    pieces, K of them with a move each to a distinct empty square."""
    z = np.array([splitmix64(ZB_SEED * 1000 + i) for i in range(769)], dtype=np.uint64)
    rng = np.random.default_rng(ZB_SEED)
    perm = np.argsort(rng.random((roots_n, 64)), axis=1)
    fr, to = perm[:, :ZB_PIECES], perm[:, ZB_PIECES:ZB_PIECES + ZB_K]
    pc = rng.integers(0, 12, (roots_n, ZB_PIECES))
    roots = np.bitwise_xor.reduce(z[pc * 64 + fr], axis=1).astype(np.uint64)
    moves = (pc[:, :ZB_K] | (fr[:, :ZB_K] << 8) | (to << 16)).astype(np.uint32)
    return z, roots, moves, pc, fr, to


def zb_hash_py(z, pc, fr, to, mask):
    """The Zobrist hash of a root's position after the moves in `mask`, from scratch: every piece on its square,
    the side key when an odd number of moves is applied."""
    h = 0
    for j in range(ZB_PIECES):
        sq = int(to[j]) if j < ZB_K and (mask >> j) & 1 else int(fr[j])
        h ^= int(z[int(pc[j]) * 64 + sq])
    return h ^ (int(z[768]) if bin(mask).count("1") & 1 else 0)


def zb_paths_py(t, iters, launch):
    """The (depth, [move indices]) of thread t's paths, from the same splitmix draws."""
    base = splitmix64(((launch << 32) ^ t ^ ZB_SEED) & M64)
    k, out = 0, []
    for _ in range(iters):
        d = 1 + (splitmix64((base + k) & M64) & 7)
        k += 1
        ms = []
        for _ in range(d):
            ms.append(((splitmix64((base + k) & M64) & M32) * ZB_K) >> 32)
            k += 1
        out.append((d, ms))
    return out


def zb_table_py(paths, root_hash_of, nb, gen):
    """A single thread's probes of paths into an empty table of nb buckets, as a dict-free list simulation:
    (hits, misses, table as a list of 4 nb ints)."""
    tt = [0] * (4 * nb)
    hits = misses = 0
    tagm = M64 ^ 0xFFFF
    for d, ms in paths:
        mask = 0
        for ply, i in enumerate(ms):
            mask ^= 1 << i
            h = root_hash_of(mask)
            depth = d - ply
            b = (h & (nb - 1)) * 4
            chk = (((h >> 16) * 0x9E3779B97F4A7C15) & M64) >> 60
            ne = (h & tagm) | ((gen & 15) << 12) | (chk << 8) | depth
            found = [s for s in range(4) if tt[b + s] and tt[b + s] & tagm == h & tagm]
            if found:
                s = found[0]
                if tt[b + s] & 0xFF < depth:
                    tt[b + s] = ne
                hits += 1
                continue
            score = [-1 if e == 0 else (e & 0xFF) + (256 if (e >> 12) & 15 == gen & 15 else 0) for e in tt[b:b + 4]]
            tt[b + score.index(min(score))] = ne
            misses += 1
    return hits, misses, tt


def zobrist(variant, clock):
    if variant != "ttable":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    kern = cp.RawModule(code=zb_src()).get_function("zb_search")
    threads = ZB_THREADS
    nroots = (threads + 31) // 32
    hz, hroots, hmoves, pc, fr, to = zb_setup(nroots)
    Z, roots, moves = cp.asarray(hz), cp.asarray(hroots), cp.asarray(hmoves.reshape(-1))
    nb = 1 << ZB_LOG_BUCKETS
    tt = cp.zeros(4 * nb, dtype=cp.uint64)
    hits, misses, lost, nodes = (cp.zeros(threads, dtype=cp.uint32) for _ in range(4))
    dig = cp.zeros(threads, dtype=cp.uint64)
    state = {"launch": 0, "iters": ZB_ITERS0, "launches": 0, "last": 0}

    def run(n, iters, table, nbk, gen):
        kern(((n + 255) // 256,), (256,), (Z, roots, moves, np.uint32(n), np.uint32(iters), U64(state["launch"]),
                                           np.uint32(gen), table, U64(nbk - 1), hits, misses, lost, nodes, dig))
        state["last"] = state["launch"]
        state["launch"] += 1

    def launch():
        run(threads, state["iters"], tt, nb, state["launch"] & 15)
        state["launches"] += 1
    size_launch(launch, state, "iters", ZB_MIN_ITERS, ZB_MAX_ITERS)
    nl, per = calibrated_launches(launch, 16)
    state["launches"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    iters, last = state["iters"], state["last"]
    hh, hm, hn, hl, hd = hits.get(), misses.get(), nodes.get(), lost.get(), dig.get()
    count_ok = bool(np.all(hh.astype(np.int64) + hm == hn))
    # the digests of ZB_CHECK threads from positions hashed from scratch
    picks = sorted({0, threads - 1} | {int(v) for v in np.random.default_rng(40).integers(0, threads, ZB_CHECK - 2)})
    good = 0
    for t in picks:
        r, dg, nn = t >> 5, 0, 0
        for d, ms in zb_paths_py(t, iters, last):
            mask = 0
            for i in ms:
                mask ^= 1 << i
                dg = (((dg << 7) | (dg >> 57)) & M64) ^ zb_hash_py(hz, pc[r], fr[r], to[r], mask)
                nn += 1
        good += dg == int(hd[t]) and nn == int(hn[t])
    # entries of ZB_SCAN buckets: none torn (tag and check bits agree), depth 1-8
    a = int(np.random.default_rng(41).integers(0, max(1, nb - ZB_SCAN)))
    e = tt[4 * a:4 * (a + min(ZB_SCAN, nb))].get()
    e = e[e != 0]
    chk = ((e >> U64(16)) * U64(0x9E3779B97F4A7C15)) >> U64(60)
    torn_ok = bool(np.all(((e >> U64(8)) & U64(15)) == chk)) and bool(np.all(((e & U64(0xFF)) >= 1) &
                                                                               ((e & U64(0xFF)) <= 8)))
    # one thread into a small empty table, against a sequential simulation in Python
    small = cp.zeros(4 * ZB_SMALL, dtype=cp.uint64)
    run(1, ZB_SMALL_ITERS, small, ZB_SMALL, 1)
    sh, sm, sl = int(hits.get()[0]), int(misses.get()[0]), int(lost.get()[0])
    wh, wm, wt = zb_table_py(zb_paths_py(0, ZB_SMALL_ITERS, state["last"]),
                             lambda mask: zb_hash_py(hz, pc[0], fr[0], to[0], mask), ZB_SMALL, 1)
    seq_ok = (sh, sm, sl) == (wh, wm, 0) and [int(v) for v in small.get()] == wt
    ok = count_ok and good == len(picks) and torn_ok and seq_ok
    nlast = int(hn.astype(np.int64).sum())
    note(f"zobrist/{variant}: {state['launches']} launches after READY, the last {nlast} nodes ({threads} threads, a "
         f"warp a root, {iters} paths a thread of depth 1-8, incremental Zobrist hashing, 4-way buckets of a "
         f"{8 * 4 * nb >> 20} MiB table by atomicCAS), hit rate {int(hh.astype(np.int64).sum()) / max(nlast, 1):.3f}, "
         f"lost races {int(hl.astype(np.int64).sum())}; hits + misses = nodes: {count_ok}, "
         f"{len(picks)} threads' digests equal to hashes from scratch: {good}, {len(e)} entries untorn: {torn_ok}, "
         f"single-thread table equal to Python's: {seq_ok} ({wh} hits, {wm} misses), agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({nlast / per / 1e9:.2f} G nodes/s), {nl} a step")
