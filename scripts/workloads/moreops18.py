"""Census-transform stereo matching with semi-global matching, Jones-Plassmann graph colouring, the GATK PairHMM
forward algorithm and a software packet pipeline with Toeplitz RSS hashing and a flow table (label 0).

An eighteenth set of benign work, four common GPU jobs whose pipe activity resembles hashing (popcounts of XORed bit
strings, integer hashes of ids, byte parsing feeding bit-serial hashes and 64-bit atomicCAS tables), absent from the
project before:

  census      stereo matching as in driver-assistance pipelines: 4 stereo pairs of 1920 x 1080 8-bit images made on
              the GPU (smooth value noise of 4 octaves from splitmix lattices, the right image the left's texture
              shifted by a smooth disparity field of 6-96 pixels, each with its own +-3 pixel noise), a 9 x 7 census
              transform of every pixel to a 62-bit string (neighbour darker than the centre, borders replicated),
              then semi-global matching over 128 disparities along 4 paths (left to right, right to left, top to
              bottom, bottom to top): a warp a path, a lane 4 disparities, the matching cost popcount(XOR) of the
              left and right strings computed again at every step (64 where x - d < 0), the min-plus recurrence
              L = C + min(L_d, L_d-1 + P1, L_d+1 + P1, min L + P2) - min L with P1 = 10, P2 = 120 (neighbours by
              warp shuffles, the minimum by a butterfly), summed into a 2 GiB uint16 volume (four costs a 64-bit word),
              then a winner-take-all disparity (a warp a pixel, ties to the smaller d). Integer popcount, min and
              shuffle work; whole pipelines (census, 4 paths, WTA over the 4 pairs) a launch timed at set-up.
  coloring    Jones-Plassmann graph colouring of a uniform random graph of 2^22 nodes and 2^25 undirected edges
              made on the GPU (CSR by atomicAdd degrees, cupy.cumsum and an atomicAdd scatter, 256 MiB of int32
              neighbours), priorities the MurmurHash3 finalizer of (node ^ seed) with the node id below it (reseeded
              every colouring). A round is a thread a node: an uncoloured node whose priority beats every uncoloured
              neighbour's takes the smallest colour no neighbour holds (a 64-bit mask of neighbour colours a window of
              64), reading the colours of the round before and writing the next (ping-pong, so rounds are
              deterministic); uncoloured nodes counted by a warp ballot and one atomicAdd a warp, read back every 4
              rounds until none is left. Then again from scratch with a new seed. Latency-bound integer hashing and
              gathers; colourings a launch timed at set-up.
  pairhmm     the GATK PairHMM forward algorithm (LoglessPairHMM's recurrences, fp32 with the 1e32 initial scaling
              of Intel GKL's float kernels): 1024 active regions made on the host, each 4 haplotypes of about 250-390
              bases (a reference and 3 copies with 1-4 SNPs or 1-6-base indels) and 32 reads of 100-150 bases sampled
              from them (base qualities 18-40 falling to 8-25 at the 3' end, substitution errors drawn from the
              qualities, rare Ns, indel gap-open qualities 40-45, gap continuation 10), every read against every
              haplotype of its region: 131072 pairs, a thread a pair, match/insert/delete columns of the read in
              local memory swept along the haplotype, priors and transitions from a shared-memory table of
              10^(-q/10), log10 of the sum over the last row. Float multiply-add work with byte and table loads;
              pairs a launch timed at set-up.
  netflow     a software packet-processing pipeline: 2^23 synthetic frames in 128-byte slots (1 GiB) made on the GPU,
              Ethernet with 802.1Q tags on an eighth of the flows, IPv4 with NOP options on 6 % of packets, TCP or
              UDP, from 2^20 flow ids skewed like moreops17's louvain hubs (some 690000 flows seen, the busiest about
              135 packets a million), with ARP frames (0.8 %), bad header checksums (0.6 %) and captures cut inside
              the IPv4 header (0.6 %) mixed in. A thread a packet parses the
              headers with byte loads and bounds checks against the capture length, verifies the IPv4 header
              checksum, computes the Toeplitz RSS hash of (source, destination, ports) with the standard 40-byte
              Microsoft key bit-serially (each set input bit XORs in a sliding 32-bit key window), picks a queue from
              a 128-entry indirection table (shared-memory counters), finds or claims the flow's slot of a 2^22-slot
              open-addressing table by 64-bit atomicCAS of a splitmix digest of the 5-tuple (slot from the RSS hash,
              linear probing), and adds the packet and its frame bytes by atomicAdd. Byte loads, integer and atomic
              work; packets a launch timed at set-up (the table cleared at every pass's start).

Self-checks, printed with the summary line (`agree:`): census compares the census strings of a left and a right
frame with NumPy's, then runs the whole pipeline on a 256 x 48 crop of the first pair and compares its census
strings, the summed path costs and the disparities exactly with a NumPy SGM (the same recurrences, vectorized over
disparities); coloring compares the degrees with cupy.bincount of the edges regenerated by array operators, checks
every regenerated edge joins different colours, every node coloured and no colour above the largest degree + 1, and
compares the colours and round count of a 2^10-node graph coloured by the same kernels with a Python Jones-Plassmann
of the same priorities, exactly; pairhmm checks every pair's likelihood finite after a check pass and 16 pairs'
against a Python double-precision forward algorithm (relative 1e-3 in the likelihood); netflow compares the Toeplitz
hashes of the 5 published Microsoft RSS verification vectors (IPv4 alone and with TCP ports) on the GPU and in
Python with the published values, then after a check pass over every packet: the status counts with the packet kinds
regenerated by array operators, every flow's packet and byte counts with cupy.bincount of the regenerated flow ids
(one slot a flow), the queue counts with np.bincount of the indirection of the packets' hashes, 64 packets' hashes
with Python's Toeplitz of the regenerated 5-tuples and 16 slots' stored 5-tuples with Python's.
"""
import math

import numpy as np

from common import SKEWED_CUDA, SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, fmix32, note, popcount64, \
    repeat_step, size_launch, skewed_xp, splitmix64, splitmix64_xp, wrapping_launch

M32 = 0xFFFFFFFF
U64 = np.uint64
U32 = np.uint32
F32 = np.float32


HEAD = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;
""" + SPLITMIX_CUDA + SKEWED_CUDA

# ---- census --------------------------------------------------------------------------------------------------------
CS_W = 1920                # image width
CS_H = 1080                # and height
CS_F = 4                   # stereo pairs
CS_D = 128                 # disparities (a warp of 32 lanes, 4 each: fixed in the kernels)
CS_P1 = 10                 # SGM penalties: a disparity step of 1
CS_P2 = 120                # and a larger jump
CS_INV = 64                # the cost where x - d < 0 (above any census distance, 62 bits)
CS_SEED = 0x57E4E0
CS_PASSES0 = 1             # pipelines a launch; then as many as take about LAUNCH_S
CS_MIN_PASSES = 1
CS_MAX_PASSES = 32
CS_CW = 256                # the check crop's width
CS_CH = 48                 # and height

CS_CUDA = HEAD + r"""
#define D 128
#define P1 %P1%u
#define P2 %P2%u
#define INV %INV%u
#define BIG 0xFFFFu
#define SEED %SEED%ull
#define FULL 0xFFFFFFFFu
// value noise: a lattice of splitmix values every s pixels, smoothstep-interpolated
__device__ __forceinline__ float lattice(u32 f, u32 o, int ix, int iy) {
  const u64 h = splitmix(SEED ^ ((u64)f << 52) ^ ((u64)o << 44) ^ ((u64)(u32)iy << 22) ^ (u64)(u32)ix);
  return (float)(u32)(h >> 40) * (1.0f / 16777216.0f);
}
__device__ float vnoise(u32 f, u32 o, float u, float v, float s) {
  u = u / s;
  v = v / s;
  const float fu = floorf(u), fv = floorf(v), a0 = u - fu, b0 = v - fv;
  const float a = a0 * a0 * (3.0f - 2.0f * a0), b = b0 * b0 * (3.0f - 2.0f * b0);
  const int iu = (int)fu, iv = (int)fv;
  const float n00 = lattice(f, o, iu, iv), n10 = lattice(f, o, iu + 1, iv);
  const float n01 = lattice(f, o, iu, iv + 1), n11 = lattice(f, o, iu + 1, iv + 1);
  const float n0 = n00 + a * (n10 - n00), n1 = n01 + a * (n11 - n01);
  return n0 + b * (n1 - n0);
}
__device__ float tex(u32 f, float u, float v) {
  return 0.35f * vnoise(f, 0u, u, v, 40.0f) + 0.3f * vnoise(f, 1u, u, v, 12.0f) + 0.2f * vnoise(f, 2u, u, v, 5.0f) +
         0.15f * vnoise(f, 3u, u, v, 2.0f);
}
// the pairs: left frames 0 .. F-1 then right frames F .. 2F-1 of H x W bytes; the right image the texture at
// x + d(x, y), d a smooth field of 6-96 pixels (its rounding written to gt), each image with its own noise
extern "C" __global__ void cs_image(u32 W, u32 H, u32 F, u8* __restrict__ img, u8* __restrict__ gt) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= F * H * W) return;
  const u32 x = i % W, y = (i / W) % H, f = i / (W * H);
  const float fx = (float)x, fy = (float)y;
  const float d = 6.0f + 90.0f * vnoise(f, 7u, fx, fy, 300.0f);
  const u64 h = splitmix(SEED ^ 0xA5A5ull ^ ((u64)i << 8));
  const float nl = (float)((u32)(h & 0xFFFFull) % 7u) - 3.0f, nr = (float)((u32)((h >> 16) & 0xFFFFull) % 7u) - 3.0f;
  img[i] = (u8)fminf(fmaxf(255.0f * tex(f, fx, fy) + nl + 0.5f, 0.0f), 255.0f);
  img[F * H * W + i] = (u8)fminf(fmaxf(255.0f * tex(f, fx + d, fy) + nr + 0.5f, 0.0f), 255.0f);
  gt[i] = (u8)(d + 0.5f);
}
// the 9 x 7 census string of every pixel of n images of H x W: bit b set where the b-th neighbour (row by row, the
// centre skipped) is darker than the centre, coordinates clamped at the borders
extern "C" __global__ void cs_census(const u8* __restrict__ img, u32 W, u32 H, u32 n, u64* __restrict__ cen) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n * H * W) return;
  const u32 x = i % W, y = (i / W) % H;
  const u8* p = img + (i - y * W - x);
  const u32 c = p[y * W + x];
  u64 bits = 0ull;
  u32 b = 0u;
#pragma unroll
  for (int dy = -3; dy <= 3; ++dy) {
    const int yy = min(max((int)y + dy, 0), (int)H - 1);
#pragma unroll
    for (int dx = -4; dx <= 4; ++dx) {
      if (dx == 0 && dy == 0) continue;
      const int xx = min(max((int)x + dx, 0), (int)W - 1);
      bits |= (u64)((u32)p[yy * (int)W + xx] < c) << b;
      ++b;
    }
  }
  cen[i] = bits;
}
// one SGM direction (0 left to right, 1 right to left, 2 top to bottom, 3 bottom to top) of F pairs: a warp a path,
// lane l holding disparities 4l .. 4l+3; costs popcount(left ^ right at x - d) computed here; the path costs added
// into S (first: written), 4 uint16 a word, pixel p's 128 at words 32p .. 32p+31
extern "C" __global__ void cs_path(const u64* __restrict__ cen, u32 W, u32 H, u32 F, u32 dir, u32 first,
                                   u64* __restrict__ S) {
  const u32 gw = (blockIdx.x * blockDim.x + threadIdx.x) >> 5, lane = threadIdx.x & 31u;
  const bool horiz = dir < 2u;
  const u32 across = horiz ? H : W, len = horiz ? W : H;
  if (gw >= F * across) return;  // a whole warp: blockDim is a multiple of 32
  const u32 f = gw / across, q = gw % across;
  const u64* lc = cen + (u64)f * H * W;
  const u64* rc = cen + (u64)(F + f) * H * W;
  u64* sf = S + (u64)f * H * W * 32u;
  u32 Lp[4] = {0u, 0u, 0u, 0u};
  for (u32 s = 0; s < len; ++s) {
    const u32 x = horiz ? (dir == 0u ? s : W - 1u - s) : q;
    const u32 y = horiz ? q : (dir == 2u ? s : H - 1u - s);
    const u32 p = y * W + x;
    const u64 a = lc[p];
    u32 L[4];
#pragma unroll
    for (u32 k = 0; k < 4u; ++k) {
      const u32 d = 4u * lane + k;
      L[k] = x >= d ? (u32)__popcll(a ^ rc[p - d]) : INV;
    }
    if (s) {
      u32 mn = min(min(Lp[0], Lp[1]), min(Lp[2], Lp[3]));
#pragma unroll
      for (u32 o = 16u; o; o >>= 1) mn = min(mn, __shfl_xor_sync(FULL, mn, o));
      u32 left = __shfl_up_sync(FULL, Lp[3], 1);
      u32 right = __shfl_down_sync(FULL, Lp[0], 1);
      if (lane == 0u) left = BIG;
      if (lane == 31u) right = BIG;
      const u32 cap = mn + P2;
#pragma unroll
      for (u32 k = 0; k < 4u; ++k) {
        const u32 lo = k ? Lp[k - 1u] : left, hi = k < 3u ? Lp[k + 1u] : right;
        L[k] += min(min(Lp[k], cap), min(lo, hi) + P1) - mn;
      }
    }
    const u64 packed = (u64)L[0] | ((u64)L[1] << 16) | ((u64)L[2] << 32) | ((u64)L[3] << 48);
    u64* sp = sf + (u64)p * 32u + lane;
    *sp = first ? packed : *sp + packed;  // no field carries: 4 paths of at most INV + P2 each
#pragma unroll
    for (u32 k = 0; k < 4u; ++k) Lp[k] = L[k];
  }
}
// winner-take-all: a warp a pixel, the smallest summed cost, ties to the smaller disparity
extern "C" __global__ void cs_wta(const u64* __restrict__ S, u32 npix, u8* __restrict__ disp) {
  const u32 gw = (blockIdx.x * blockDim.x + threadIdx.x) >> 5, lane = threadIdx.x & 31u;
  if (gw >= npix) return;
  const u64 s = S[(u64)gw * 32u + lane];
  u32 best = 0xFFFFFFFFu;
#pragma unroll
  for (u32 k = 0; k < 4u; ++k) best = min(best, (((u32)(s >> (16u * k)) & 0xFFFFu) << 8) | (4u * lane + k));
#pragma unroll
  for (u32 o = 16u; o; o >>= 1) best = min(best, __shfl_xor_sync(FULL, best, o));
  if (lane == 0u) disp[gw] = (u8)(best & 0xFFu);
}
"""


def cs_src():
    return fill_source(CS_CUDA, P1=CS_P1, P2=CS_P2, INV=CS_INV, SEED=hex(CS_SEED))


CS_SRC = cs_src()


def cs_census_np(img):
    """The 9 x 7 census strings (uint64) of a 2-D uint8 image, as cs_census makes them."""
    h, w = img.shape
    pad = np.pad(img, ((3, 3), (4, 4)), mode="edge")
    out = np.zeros((h, w), dtype=U64)
    b = 0
    for dy in range(-3, 4):
        for dx in range(-4, 5):
            if dx == 0 and dy == 0:
                continue
            nb = pad[3 + dy:3 + dy + h, 4 + dx:4 + dx + w]
            out |= (nb < img).astype(U64) << U64(b)
            b += 1
    return out


def cs_sgm_np(cl, cr):
    """(summed path costs [h, w, D] int64, winner-take-all disparities [h, w]) of census strings cl, cr (2-D uint64),
    the four paths of cs_path in NumPy, vectorized over disparities."""
    h, w = cl.shape
    d_n = CS_D
    cost = np.full((h, w, d_n), CS_INV, dtype=np.int64)
    for d in range(min(d_n, w)):
        cost[:, d:, d] = popcount64(cl[:, d:] ^ cr[:, :w - d]).astype(np.int64)

    def step(lp, c):
        mn = lp.min(axis=1, keepdims=True)
        big = np.full((lp.shape[0], 1), 0xFFFF, dtype=np.int64)
        lo = np.concatenate([big, lp[:, :-1]], axis=1)
        hi = np.concatenate([lp[:, 1:], big], axis=1)
        return c + np.minimum(np.minimum(lp, mn + CS_P2), np.minimum(lo, hi) + CS_P1) - mn

    tot = np.zeros((h, w, d_n), dtype=np.int64)
    for xs in (range(w), range(w - 1, -1, -1)):
        lp = None
        for x in xs:
            lp = cost[:, x] if lp is None else step(lp, cost[:, x])
            tot[:, x] += lp
    for ys in (range(h), range(h - 1, -1, -1)):
        lp = None
        for y in ys:
            lp = cost[y] if lp is None else step(lp, cost[y])
            tot[y] += lp
    return tot, np.argmin(tot, axis=2)


def census(variant, clock):
    if variant != "sgm":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=cs_src())
    imgk, cenk, pathk, wtak = (mod.get_function(k) for k in ("cs_image", "cs_census", "cs_path", "cs_wta"))
    w, h, nf = CS_W, CS_H, CS_F
    npx = w * h * nf
    img = cp.zeros(2 * npx, dtype=cp.uint8)
    gt = cp.zeros(npx, dtype=cp.uint8)
    imgk(((npx + 255) // 256,), (256,), (U32(w), U32(h), U32(nf), img, gt))
    cen = cp.zeros(2 * npx, dtype=cp.uint64)
    agg = cp.zeros(32 * npx, dtype=cp.uint64)  # 4 uint16 path-cost sums a word, 128 a pixel
    disp = cp.zeros(npx, dtype=cp.uint8)
    state = {"passes": CS_PASSES0, "done": 0}

    def pipeline(im, ce, ag, dp, pw, ph, pf):
        n = pw * ph * pf
        cenk(((2 * n + 255) // 256,), (256,), (im, U32(pw), U32(ph), U32(2 * pf), ce))
        for k in range(4):
            paths = pf * (ph if k < 2 else pw)
            pathk(((paths * 32 + 127) // 128,), (128,), (ce, U32(pw), U32(ph), U32(pf), U32(k), U32(k == 0), ag))
        wtak(((n * 32 + 255) // 256,), (256,), (ag, U32(n), dp))

    def launch():
        for _ in range(state["passes"]):
            pipeline(img, cen, agg, disp, w, h, nf)
        state["done"] += state["passes"]
    size_launch(launch, state, "passes", CS_MIN_PASSES, CS_MAX_PASSES)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    himg = img.get()
    hdisp = disp.get()
    hgt = gt.get()
    # census strings of the first left and the last right frame against NumPy's
    fr = w * h
    left0 = himg[:fr].reshape(h, w)
    right0 = himg[nf * fr:(nf + 1) * fr].reshape(h, w)
    rightl = himg[(2 * nf - 1) * fr:].reshape(h, w)
    cen_ok = bool(np.array_equal(cen[:fr].get().reshape(h, w), cs_census_np(left0))) and \
        bool(np.array_equal(cen[(2 * nf - 1) * fr:].get().reshape(h, w), cs_census_np(rightl)))
    # the whole pipeline on a crop of the first pair against a NumPy SGM
    rng = np.random.default_rng(53)
    cw, ch = CS_CW, CS_CH
    x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    crop = np.concatenate([left0[y0:y0 + ch, x0:x0 + cw].reshape(-1), right0[y0:y0 + ch, x0:x0 + cw].reshape(-1)])
    cim = cp.asarray(np.ascontiguousarray(crop))
    cce = cp.zeros(2 * cw * ch, dtype=cp.uint64)
    cag = cp.zeros(32 * cw * ch, dtype=cp.uint64)
    cdp = cp.zeros(cw * ch, dtype=cp.uint8)
    pipeline(cim, cce, cag, cdp, cw, ch, 1)
    ccl = cs_census_np(left0[y0:y0 + ch, x0:x0 + cw])
    ccr = cs_census_np(right0[y0:y0 + ch, x0:x0 + cw])
    hcce = cce.get()
    ccen_ok = bool(np.array_equal(hcce[:cw * ch].reshape(ch, cw), ccl)) and \
        bool(np.array_equal(hcce[cw * ch:].reshape(ch, cw), ccr))
    wtot, wdisp = cs_sgm_np(ccl, ccr)
    gtot = cag.get().view(np.uint16).reshape(ch, cw, CS_D).astype(np.int64)
    agg_ok = bool(np.array_equal(gtot, wtot))
    disp_ok = bool(np.array_equal(cdp.get().astype(np.int64).reshape(ch, cw), wdisp))
    ok = cen_ok and ccen_ok and agg_ok and disp_ok
    # how near the generated disparities the matches are (information: occlusions and texture decide it)
    valid = np.zeros((nf, h, w), dtype=bool)
    valid[:, :, CS_D:] = True
    near = float(np.mean(np.abs(hdisp.astype(np.int32) - hgt.astype(np.int32)).reshape(nf, h, w)[valid] <= 1))
    digest = int(hdisp.astype(np.int64).sum())
    note(f"census/{variant}: {state['done'] * nf} stereo pairs matched after READY ({nf} pairs of {w} x {h}, 9 x 7 "
         f"census, {CS_D} disparities, 4 SGM paths, P1 {CS_P1}, P2 {CS_P2}, {state['passes']} pipelines a launch), "
         f"disparity sum {digest}, {near:.3f} of pixels (x >= {CS_D}) within 1 of the generated disparity; census "
         f"strings of 2 frames equal to NumPy's: {cen_ok}, a {cw} x {ch} crop's census equal: {ccen_ok}, its summed "
         f"path costs equal to a NumPy SGM's: {agg_ok}, its disparities equal: {disp_ok}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({npx * CS_D * state['passes'] / per / 1e9:.1f} G disparity-pixels/s), "
         f"{nl} a step")


# ---- coloring ------------------------------------------------------------------------------------------------------
CL_LOG_N = 22              # nodes
CL_LOG_E = 25              # undirected edges (both directions stored)
CL_SEED = 0xC010
CL_SMALL_LOG_N = 10        # the graph compared with Python's Jones-Plassmann
CL_SMALL_LOG_E = 13
CL_SMALL_SEED = 0xC011
CL_CHUNK = 4               # rounds between reads of the uncoloured count
CL_MAX_ROUNDS = 1024       # a colouring that needs more is an error (random graphs of degree 16 take some 40-60)
CL_PASSES0 = 1             # colourings a launch; then as many as take about LAUNCH_S
CL_MIN_PASSES = 1
CL_MAX_PASSES = 64
CL_ECHUNK = 1 << 22        # edges regenerated at a time in the check

CL_CUDA = HEAD + r"""
// edge e of the graph (seed, n = mask + 1 nodes): two uniform ends, never equal
__device__ __forceinline__ void cl_edge(u64 e, u64 seed, u32 mask, u32& u, u32& v) {
  const u64 r = splitmix(e ^ seed);
  u = (u32)r & mask;
  v = (u32)splitmix(r) & mask;
  if (v == u) v = (v + 1u) & mask;
}
extern "C" __global__ void cl_degree(u64 ne, u64 seed, u32 mask, u32* __restrict__ deg) {
  const u64 e = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= ne) return;
  u32 u, v;
  cl_edge(e, seed, mask, u, v);
  atomicAdd(&deg[u], 1u);
  atomicAdd(&deg[v], 1u);
}
// both directions of edge e into the CSR rows (off the inclusive prefix sum of the degrees), slots by atomicAdd
extern "C" __global__ void cl_fill(u64 ne, u64 seed, u32 mask, const u32* __restrict__ off,
                                   const u32* __restrict__ deg, u32* __restrict__ fill, u32* __restrict__ adj) {
  const u64 e = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= ne) return;
  u32 u, v;
  cl_edge(e, seed, mask, u, v);
  adj[off[u] - deg[u] + atomicAdd(&fill[u], 1u)] = v;
  adj[off[v] - deg[v] + atomicAdd(&fill[v], 1u)] = u;
}
// the priority of node v: MurmurHash3's finalizer of v ^ seed (a bijection: no ties), the id below it all the same
__device__ __forceinline__ u64 prio(u32 v, u32 seed) {
  u32 h = v ^ seed;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return ((u64)h << 32) | v;
}
// a Jones-Plassmann round, a thread a node: colours of the round before in cin (0 uncoloured), of this one to cout;
// an uncoloured node above all its uncoloured neighbours takes the smallest colour >= 1 none of them holds (a
// 64-colour mask a window); nodes left uncoloured counted into *left (a ballot and one atomic a warp)
extern "C" __global__ void cl_round(u32 n, const u32* __restrict__ off, const u32* __restrict__ deg,
                                    const u32* __restrict__ adj, const u32* __restrict__ cin, u32* __restrict__ cout,
                                    u32 seed, u32* __restrict__ left) {
  const u32 v = blockIdx.x * blockDim.x + threadIdx.x;
  u32 c = 1u;  // threads past the end count as coloured; none returns before the ballot
  if (v < n) {
    c = cin[v];
    if (c == 0u) {
      const u32 d = deg[v], s = off[v] - d;
      const u64 pv = prio(v, seed);
      bool top = true;
      for (u32 k = 0; k < d && top; ++k) {
        const u32 u = adj[s + k];
        if (cin[u] == 0u && prio(u, seed) > pv) top = false;
      }
      if (top) {
        for (u32 base = 1u;; base += 64u) {
          u64 used = 0ull;
          for (u32 k = 0; k < d; ++k) {
            const u32 cu = cin[adj[s + k]] - base;  // uncoloured (0) wraps to a large value: skipped
            if (cu < 64u) used |= 1ull << cu;
          }
          if (~used) {
            c = base + (u32)__ffsll((long long)~used) - 1u;
            break;
          }
        }
      }
    }
    cout[v] = c;
  }
  const u32 b = __ballot_sync(0xFFFFFFFFu, c == 0u);
  if ((threadIdx.x & 31u) == 0u && b) atomicAdd(left, (u32)__popc(b));
}
"""


def cl_src():
    return CL_CUDA


CL_SRC = cl_src()


def cl_edges_xp(e0, e1, seed, log_n, xp=np):
    """Edges e0 .. e1 - 1 of the graph (seed, 2^log_n nodes) as cl_edge makes them: (u, v) int64 arrays of xp."""
    mask = U64((1 << log_n) - 1)
    r = splitmix64_xp(xp.arange(e0, e1, dtype=xp.uint64) ^ U64(seed))
    u = r & mask
    v = splitmix64_xp(r) & mask
    v = xp.where(v == u, (v + U64(1)) & mask, v)
    return u.astype(xp.int64), v.astype(xp.int64)


def cl_seed(k):
    """The priority seed of colouring k."""
    return splitmix64(CL_SEED * 0x10001 + k) & M32


def cl_jp_py(n, us, vs, seed):
    """(colours, rounds) of Jones-Plassmann on the graph of edges (us[i], vs[i]), as cl_round runs it."""
    nb = [[] for _ in range(n)]
    for u, v in zip(us, vs):
        nb[u].append(v)
        nb[v].append(u)
    pr = [(fmix32(v ^ seed) << 32) | v for v in range(n)]
    col = [0] * n
    rounds = 0
    while True:
        new = col[:]
        for v in range(n):
            if col[v] == 0 and all(col[u] or pr[u] < pr[v] for u in nb[v]):
                used = {col[u] for u in nb[v]}
                c = 1
                while c in used:
                    c += 1
                new[v] = c
        col = new
        rounds += 1
        if all(col):
            return col, rounds


def coloring(variant, clock):
    if variant != "jp":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=cl_src())
    degk, fillk, roundk = (mod.get_function(k) for k in ("cl_degree", "cl_fill", "cl_round"))

    def build(log_n, log_e, seed):
        n, ne = 1 << log_n, 1 << log_e
        deg = cp.zeros(n, dtype=cp.uint32)
        degk(((ne + 255) // 256,), (256,), (U64(ne), U64(seed), U32(n - 1), deg))
        off = cp.cumsum(deg, dtype=cp.uint32)
        fill = cp.zeros(n, dtype=cp.uint32)
        adj = cp.zeros(2 * ne, dtype=cp.uint32)
        fillk(((ne + 255) // 256,), (256,), (U64(ne), U64(seed), U32(n - 1), off, deg, fill, adj))
        return deg, off, adj

    def colour(n, deg, off, adj, a, b, cnt, seed):
        """Colours a graph from scratch; (the buffer holding the colours, rounds run)."""
        a.fill(0)
        cnt.fill(0)
        src, dst, r = a, b, 0
        while True:
            for _ in range(CL_CHUNK):
                roundk(((n + 255) // 256,), (256,), (U32(n), off, deg, adj, src, dst, U32(seed), cnt[r:r + 1]))
                src, dst = dst, src
                r += 1
            if int(cnt[r - 1:r].get()[0]) == 0:
                return src, r
            if r >= CL_MAX_ROUNDS:
                raise RuntimeError(f"coloring: still uncoloured nodes after {r} rounds")

    n, ne = 1 << CL_LOG_N, 1 << CL_LOG_E
    deg, off, adj = build(CL_LOG_N, CL_LOG_E, CL_SEED)
    ca = cp.zeros(n, dtype=cp.uint32)
    cb = cp.zeros(n, dtype=cp.uint32)
    cnt = cp.zeros(CL_MAX_ROUNDS + CL_CHUNK, dtype=cp.uint32)
    state = {"passes": CL_PASSES0, "done": 0, "k": 0, "rounds": 0, "col": ca}

    def launch():
        for _ in range(state["passes"]):
            state["col"], r = colour(n, deg, off, adj, ca, cb, cnt, cl_seed(state["k"]))
            state["k"] += 1
            state["rounds"] += r
        state["done"] += state["passes"]
    size_launch(launch, state, "passes", CL_MIN_PASSES, CL_MAX_PASSES)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = state["rounds"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    colg = state["col"]
    hcol, hdeg, hcnt = colg.get(), deg.get(), cnt.get()
    used_rounds = int(np.argmax(hcnt == 0)) + 1
    ncol = int(hcol.max())
    # degrees and a proper colouring against the edges regenerated by array operators (CuPy's on the GPU)
    want_deg = np.zeros(n, dtype=np.int64)
    clash = 0
    for e0 in range(0, ne, CL_ECHUNK):
        u, v = cl_edges_xp(e0, min(ne, e0 + CL_ECHUNK), CL_SEED, CL_LOG_N, cp)
        want_deg += cp.bincount(u, minlength=n).get() + cp.bincount(v, minlength=n).get()
        clash += int((colg[u] == colg[v]).sum())
    deg_ok = bool(np.array_equal(hdeg.astype(np.int64), want_deg))
    all_ok = int(hcol.min()) >= 1 and ncol <= int(hdeg.max()) + 1
    # a small graph coloured by the same kernels against Python's Jones-Plassmann with the same priorities
    sn = 1 << CL_SMALL_LOG_N
    sdeg, soff, sadj = build(CL_SMALL_LOG_N, CL_SMALL_LOG_E, CL_SMALL_SEED)
    sa = cp.zeros(sn, dtype=cp.uint32)
    sb = cp.zeros(sn, dtype=cp.uint32)
    sseed = cl_seed(state["k"])
    scol, _ = colour(sn, sdeg, soff, sadj, sa, sb, cnt, sseed)
    srounds = int(np.argmax(cnt.get() == 0)) + 1
    us, vs = cl_edges_xp(0, 1 << CL_SMALL_LOG_E, CL_SMALL_SEED, CL_SMALL_LOG_N)
    wcol, wrounds = cl_jp_py(sn, us.tolist(), vs.tolist(), sseed)
    small_ok = scol.get().astype(np.int64).tolist() == wcol and srounds == wrounds
    ok = deg_ok and clash == 0 and all_ok and small_ok
    digest = int(np.bitwise_xor.reduce(hcol.astype(U64) * U64(0x9E3779B97F4A7C15) + np.arange(n, dtype=U64)))
    note(f"coloring/{variant}: {state['done']} colourings after READY ({n} nodes, {ne} edges, max degree "
         f"{int(hdeg.max())}, {state['passes']} colourings a launch, {state['rounds'] / max(1, state['done']):.1f} "
         f"rounds run a colouring), the last {ncol} colours in {used_rounds} rounds, digest {digest:016x}; degrees "
         f"equal to the regenerated edges': {deg_ok}, regenerated edges with equal colours: {clash}, every node "
         f"coloured within max degree + 1: {all_ok}, a {sn}-node graph's colours and rounds ({wrounds}) equal to "
         f"Python's Jones-Plassmann: {small_ok}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({n * state['passes'] / per / 1e9:.3f} G nodes coloured/s), {nl} a step")


# ---- pairhmm -------------------------------------------------------------------------------------------------------
PH_GROUPS = 1024           # active regions
PH_NR = 32                 # reads a region
PH_NH = 4                  # haplotypes a region
PH_REF_MIN = 260           # a region's reference length
PH_REF_MAX = 380
PH_RLEN_MIN = 100          # read lengths
PH_RLEN_MAX = 150
PH_RMAX = 152              # the kernel's column length bound (local arrays of PH_RMAX + 1)
PH_GCP = 10                # gap continuation quality
PH_SEED = 0x9A1B
PH_PAIRS0 = 1 << 15        # pairs a launch first; then as many as take about LAUNCH_S
PH_MIN_PAIRS = 256
PH_MAX_PAIRS = 1 << 22
PH_CHECK = 16              # pairs compared with Python

PH_CUDA = HEAD + r"""
#define NR %NR%
#define NH %NH%
#define RMAX %RMAX%
#define GCP %GCP%
#define INIT 1e32f
// the forward algorithm of pairs first .. first + cnt - 1 (pair p: region p / (NR NH), its read (p / NH) % NR and
// haplotype p % NH), a thread a pair: read words base | q << 8 | insertion q << 16 | deletion q << 24, haplotype
// bytes; the columns of M, I, D over the read swept along the haplotype (D's first row INIT / H), log10 of the sum
// of M and I over the last row, less log10(INIT)
extern "C" __global__ void ph_forward(const u8* __restrict__ hap, const u32* __restrict__ hoff,
                                      const u32* __restrict__ hlen, const u32* __restrict__ rd,
                                      const u32* __restrict__ roff, const u32* __restrict__ rlen,
                                      const float* __restrict__ qtab, u32 first, u32 cnt, float* __restrict__ out) {
  __shared__ float qp[128];
  for (u32 k = threadIdx.x; k < 128u; k += blockDim.x) qp[k] = qtab[k];
  __syncthreads();
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= cnt) return;
  const u32 p = first + t, g = p / (NR * NH);
  const u32 ri = g * NR + (p / NH) % NR, hi = g * NH + p % NH;
  const u32 R = min(rlen[ri], (u32)RMAX), H = hlen[hi];
  const u32* rp = rd + roff[ri];
  const u8* hp = hap + hoff[hi];
  float M[RMAX + 1], I[RMAX + 1], D[RMAX + 1];
  for (u32 i = 0; i <= R; ++i) {
    M[i] = 0.0f;
    I[i] = 0.0f;
    D[i] = 0.0f;
  }
  const float gx = qp[GCP], gm = 1.0f - gx;  // gap continuation; indel to match
  const float init = INIT / (float)H;
  float sum = 0.0f;
  for (u32 j = 0; j < H; ++j) {
    const u32 hb = hp[j];
    float pm = 0.0f, pi = 0.0f, pd = init, nm = 0.0f, ni = 0.0f;  // row i-1 of column j-1, and of column j
    for (u32 i = 1; i <= R; ++i) {
      const u32 w = rp[i - 1u], rb = w & 0xFFu;
      const float e = qp[(w >> 8) & 127u], ei = qp[(w >> 16) & 127u], ed = qp[(w >> 24) & 127u];
      const float prior = (rb == hb || rb == 78u || hb == 78u) ? 1.0f - e : e * (1.0f / 3.0f);
      const float om = M[i], oi = I[i], od = D[i];
      const float m = prior * ((1.0f - (ei + ed)) * pm + gm * (pi + pd));
      const float x = ei * nm + gx * ni;
      D[i] = ed * om + gx * od;
      M[i] = m;
      I[i] = x;
      pm = om;
      pi = oi;
      pd = od;
      nm = m;
      ni = x;
    }
    sum += nm + ni;
  }
  out[p] = log10f(sum) - 32.0f;
}
"""


def ph_src():
    return fill_source(PH_CUDA, NR=PH_NR, NH=PH_NH, RMAX=PH_RMAX, GCP=PH_GCP)


PH_SRC = ph_src()


def ph_data():
    """The regions: (haplotype bytes, haplotype lengths, read words, read lengths, each read's source haplotype)."""
    rng = np.random.default_rng(PH_SEED)
    acgt = np.frombuffer(b"ACGT", dtype=np.uint8)
    haps, reads, srcs = [], [], []
    for _ in range(PH_GROUPS):
        ref = rng.integers(0, 4, int(rng.integers(PH_REF_MIN, PH_REF_MAX + 1)))
        hs = [ref]
        for _ in range(PH_NH - 1):
            hv = ref.copy()
            for _ in range(int(rng.integers(1, 5))):
                pos = int(rng.integers(10, len(hv) - 10))
                kind = rng.random()
                if kind < 0.7:
                    hv[pos] = (hv[pos] + rng.integers(1, 4)) % 4
                elif kind < 0.85:
                    hv = np.concatenate([hv[:pos], rng.integers(0, 4, int(rng.integers(1, 7))), hv[pos:]])
                else:
                    hv = np.concatenate([hv[:pos], hv[pos + int(rng.integers(1, 7)):]])
            hs.append(hv)
        haps += [acgt[hv] for hv in hs]
        for _ in range(PH_NR):
            s = int(rng.integers(0, PH_NH))
            hv = hs[s]
            rl = int(rng.integers(PH_RLEN_MIN, PH_RLEN_MAX + 1))
            st = int(rng.integers(0, len(hv) - rl + 1))
            b = hv[st:st + rl].copy()
            q = rng.integers(18, 41, rl)
            q[-12:] = np.minimum(q[-12:], rng.integers(8, 26, 12))  # qualities fall at the 3' end
            err = rng.random(rl) < 10.0 ** (-q / 10.0)
            b[err] = (b[err] + rng.integers(1, 4, int(err.sum()))) % 4
            bases = acgt[b]
            nm = rng.random(rl) < 0.002
            bases[nm] = ord("N")
            q[nm] = 2
            iq = rng.integers(40, 46, rl)
            dq = rng.integers(40, 46, rl)
            reads.append(bases.astype(U32) | (q.astype(U32) << U32(8)) | (iq.astype(U32) << U32(16)) |
                         (dq.astype(U32) << U32(24)))
            srcs.append(s)
    hl = np.array([len(x) for x in haps], dtype=U32)
    rl = np.array([len(x) for x in reads], dtype=U32)
    return np.concatenate(haps), hl, np.concatenate(reads), rl, np.array(srcs, dtype=np.int64)


def ph_forward_py(words, hap):
    """log10 of the forward likelihood of a read (words) given a haplotype (bytes), in Python doubles (the 1 / H
    initial row unscaled)."""
    hn = len(hap)
    gx = 10.0 ** (-PH_GCP / 10.0)
    gm = 1.0 - gx
    pm, pi, pd = [0.0] * (hn + 1), [0.0] * (hn + 1), [1.0 / hn] * (hn + 1)
    for w in words:
        w = int(w)
        rb = w & 0xFF
        e, ei, ed = (10.0 ** (-((w >> s) & 127) / 10.0) for s in (8, 16, 24))
        mm = 1.0 - (ei + ed)
        cm, ci, cd = [0.0] * (hn + 1), [0.0] * (hn + 1), [0.0] * (hn + 1)
        for j in range(1, hn + 1):
            hb = hap[j - 1]
            prior = 1.0 - e if (rb == hb or rb == 78 or hb == 78) else e / 3.0
            cm[j] = prior * (mm * pm[j - 1] + gm * (pi[j - 1] + pd[j - 1]))
            ci[j] = ei * pm[j] + gx * pi[j]
            cd[j] = ed * cm[j - 1] + gx * cd[j - 1]
        pm, pi, pd = cm, ci, cd
    return math.log10(sum(pm[1:]) + sum(pi[1:]))


def pairhmm(variant, clock):
    if variant != "forward":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    fwd = cp.RawModule(code=ph_src()).get_function("ph_forward")
    hhap, hhl, hrd, hrl, srcs = ph_data()
    if int(hrl.max()) > PH_RMAX:
        raise ValueError("pairhmm: a read longer than PH_RMAX")
    hhoff = np.concatenate([[0], np.cumsum(hhl)[:-1]]).astype(U32)
    hroff = np.concatenate([[0], np.cumsum(hrl)[:-1]]).astype(U32)
    hap, hoff, hlen = cp.asarray(hhap), cp.asarray(hhoff), cp.asarray(hhl)
    rd, roff, rlen = cp.asarray(hrd), cp.asarray(hroff), cp.asarray(hrl)
    qtab = cp.asarray((10.0 ** (-np.arange(128) / 10.0)).astype(F32))
    npairs = PH_GROUPS * PH_NR * PH_NH
    pidx = np.arange(npairs)
    pg = pidx // (PH_NR * PH_NH)
    pr = pg * PH_NR + (pidx // PH_NH) % PH_NR
    ph = pg * PH_NH + pidx % PH_NH
    cells = np.concatenate([[0], np.cumsum(hrl[pr].astype(np.int64) * hhl[ph].astype(np.int64))])
    out = cp.zeros(npairs, dtype=cp.float32)
    state = {"cursor": 0, "pairs": PH_PAIRS0, "done": 0, "cells": 0}

    def run(first, cnt):
        fwd(((cnt + 127) // 128,), (128,), (hap, hoff, hlen, rd, roff, rlen, qtab, U32(first), U32(cnt), out))

    def piece(first, cnt):
        run(first, cnt)
        state["cells"] += int(cells[first + cnt] - cells[first])
    launch = wrapping_launch(state, "pairs", npairs, piece)
    size_launch(launch, state, "pairs", PH_MIN_PAIRS, PH_MAX_PAIRS)
    state["cells"] = 0
    nl, per = calibrated_launches(launch, 16)
    launch_cells = state["cells"] / 3  # the three launches calibrated_launches ran
    state["done"] = state["cells"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every pair, then a few pairs against Python doubles
    run(0, npairs)
    hout = out.get().astype(np.float64)
    finite = bool(np.all(np.isfinite(hout)))
    rng = np.random.default_rng(54)
    picks = sorted({0, npairs - 1} | {int(v) for v in rng.integers(0, npairs, PH_CHECK - 2)})
    good, worst = 0, 0.0
    for p in picks:
        ri, hi = int(pr[p]), int(ph[p])
        words = hrd[int(hroff[ri]):int(hroff[ri]) + int(hrl[ri])]
        hb = hhap[int(hhoff[hi]):int(hhoff[hi]) + int(hhl[hi])].tolist()
        want = ph_forward_py(words, hb)
        rel = abs(10.0 ** (hout[p] - want) - 1.0) if np.isfinite(hout[p]) else math.inf
        worst = max(worst, rel)
        good += rel <= 1e-3
    ok = finite and good == len(picks)
    # information: how often a read is likeliest under the haplotype it was sampled from
    best = np.argmax(hout.reshape(-1, PH_NH), axis=1)
    src_best = float(np.mean(best == srcs))
    note(f"pairhmm/{variant}: {state['done']} pairs after READY ({PH_GROUPS} regions of {PH_NR} reads of "
         f"{PH_RLEN_MIN}-{PH_RLEN_MAX} bases x {PH_NH} haplotypes of {int(hhl.min())}-{int(hhl.max())} bases, "
         f"{npairs} pairs, {state['pairs']} pairs a launch), log10 likelihood sum {float(hout.sum()):.6e}, "
         f"{src_best:.3f} of reads likeliest under their source haplotype; every pair's likelihood finite: "
         f"{finite}, {len(picks)} pairs within 1e-3 of Python's double forward algorithm: {good} (worst "
         f"{worst:.2e}), agree: {ok}, {per * 1e3:.2f} ms a launch ({launch_cells / per / 1e9:.2f} G cells/s), "
         f"{nl} a step")


# ---- netflow -------------------------------------------------------------------------------------------------------
NF_PKTS = 1 << 23          # frames in the batch
NF_SLOT = 128              # bytes a frame slot (headers only: at most 66 used)
NF_LOG_F = 20              # flow ids
NF_LOG_T = 22              # flow table slots
NF_NQ = 16                 # receive queues
NF_SEED = 0x2E7F
NF_ARP = 8                 # packet kinds by the low 10 bits of a splitmix word: below 8 ARP,
NF_BAD = 14                # below 14 a bad IPv4 header checksum,
NF_TRUNC = 20              # below 20 a capture cut inside the IPv4 header; the rest flow packets
NF_DPORTS = (443, 80, 53, 123, 8080, 22, 5353, 3478)
NF_PKTS0 = 1 << 20         # packets a launch first; then as many as take about LAUNCH_S
NF_MIN_PKTS = 1 << 12
NF_MAX_PKTS = 1 << 27
NF_CHECK = 64              # packets whose hashes are compared with Python's
NF_SLOT_CHECK = 16         # slots whose 5-tuples are compared
# the standard Microsoft RSS key and its published verification vectors: (source, source port, destination,
# destination port, IPv4 hash, IPv4 + TCP hash)
RSS_KEY = bytes.fromhex("6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa")
RSS_VECTORS = (("66.9.149.187", 2794, "161.142.100.80", 1766, 0x323E8FC2, 0x51CCC178),
               ("199.92.111.2", 14230, "65.69.140.83", 4739, 0xD718262A, 0xC626B0EA),
               ("24.19.198.95", 12898, "12.22.207.184", 38024, 0xD2D0A5DE, 0x5C2B394A),
               ("38.27.205.30", 48228, "209.142.163.6", 2217, 0x82989176, 0xAFC7327F),
               ("153.39.163.191", 44251, "202.188.127.2", 1303, 0x5D1809C5, 0x10E828A2))
NF_RETA = tuple(i % NF_NQ for i in range(128))  # the indirection table, round robin as drivers fill it

NF_CUDA = HEAD + r"""
#define LOGF %LOGF%
#define TMASK ((1u << %LOGT%) - 1u)
#define SEED %SEED%ull
#define SLOT %SLOT%u
#define NQ %NQ%u
#define K_ARP %ARP%u
#define K_BAD %BAD%u
#define K_TRUNC %TRUNC%u
__constant__ u32 KW[10] = {%KEYWORDS%};  // the RSS key as big-endian words
__constant__ u32 DPORTS[8] = {%DPORTS%};
__constant__ u8 RETA[128] = {%RETA%};
__device__ __forceinline__ void put16(u8* p, u32 v) {
  p[0] = (u8)(v >> 8);
  p[1] = (u8)v;
}
__device__ __forceinline__ void put32(u8* p, u32 v) {
  put16(p, v >> 16);
  put16(p + 2, v);
}
__device__ __forceinline__ u32 be16(const u8* p) { return ((u32)p[0] << 8) | (u32)p[1]; }
__device__ __forceinline__ u32 be32(const u8* p) { return (be16(p) << 16) | be16(p + 2); }
// Toeplitz hash of nw big-endian input words, bit-serial: input bit n set XORs in key bits n .. n+31
__device__ __forceinline__ u32 toeplitz(const u32 (&w)[3], u32 nw) {
  u32 r = 0u;
#pragma unroll
  for (u32 q = 0; q < 3u; ++q) {
    if (q < nw) {
      const u32 a = KW[q], b = KW[q + 1u], x = w[q];
      for (u32 s = 0; s < 32u; ++s)
        if ((x >> (31u - s)) & 1u) r ^= s ? (a << s) | (b >> (32u - s)) : a;
    }
  }
  return r;
}
// frame i of flow skewed(r): Ethernet (802.1Q on an eighth of the flows), then ARP, or IPv4 (NOP options on 6 %)
// with TCP or UDP headers; the kinds by the low 10 bits of splitmix(r)
extern "C" __global__ void nf_gen(u32 n, u8* __restrict__ pkt, u32* __restrict__ caplen) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const u64 r = splitmix((u64)i ^ SEED), r2 = splitmix(r);
  const u32 f = skewed(r, LOGF);
  const u64 q = splitmix((u64)f ^ (SEED << 1)), q2 = splitmix(q);
  const u32 src = (u32)q, dst = (u32)(q >> 32);
  const u32 sport = 1024u + (u32)(q2 & 0xFFFFull) % 64512u, dport = DPORTS[(u32)(q2 >> 16) & 7u];
  const u32 proto = ((u32)(q2 >> 24) & 15u) < 11u ? 6u : 17u;
  const bool vlan = ((u32)(q2 >> 28) & 7u) == 0u;
  const u32 vid = (u32)(q2 >> 32) & 0xFFFu;
  const u32 kind = (u32)r2 & 1023u;
  const u32 ihl = (((u32)(r2 >> 10) & 15u) == 0u ? 6u + ((u32)(r2 >> 14) & 1u) : 5u) * 4u;
  const u32 payload = (u32)((r2 >> 16) % 1401ull);
  const u32 l4len = proto == 6u ? 20u : 8u, tot = ihl + l4len + payload;
  u8* p = pkt + (u64)i * SLOT;
  put32(p, 0x02005E00u);  // destination MAC: the router's
  put16(p + 4, 0x0001u);
  put32(p + 6, 0x02000000u | (f & 0xFFFFFFu));  // source MAC: a host's
  put16(p + 10, (u32)(q >> 48));
  u32 o = 12u;
  if (vlan) {
    put16(p + 12, 0x8100u);
    put16(p + 14, vid);
    o = 16u;
  }
  if (kind < K_ARP) {  // an ARP request from src for dst
    const u32 b = o + 2u;
    put16(p + o, 0x0806u);
    put16(p + b, 1u);
    put16(p + b + 2u, 0x0800u);
    p[b + 4u] = 6u;
    p[b + 5u] = 4u;
    put16(p + b + 6u, 1u);
    for (u32 k = 0; k < 6u; ++k) p[b + 8u + k] = p[6u + k];
    put32(p + b + 14u, src);
    put32(p + b + 24u, dst);
    caplen[i] = b + 28u;
    return;
  }
  put16(p + o, 0x0800u);
  const u32 l3 = o + 2u, l4 = l3 + ihl;
  p[l3] = (u8)(0x40u | (ihl >> 2));
  p[l3 + 1u] = 0u;
  put16(p + l3 + 2u, tot);
  put16(p + l3 + 4u, (u32)(r2 >> 32) & 0xFFFFu);
  put16(p + l3 + 6u, 0x4000u);  // don't fragment
  p[l3 + 8u] = (u8)(64u - ((u32)(r2 >> 48) & 15u));
  p[l3 + 9u] = (u8)proto;
  put16(p + l3 + 10u, 0u);
  put32(p + l3 + 12u, src);
  put32(p + l3 + 16u, dst);
  for (u32 k = 20u; k < ihl; ++k) p[l3 + k] = 1u;
  u32 s = 0u;
  for (u32 k = 0; k < ihl; k += 2u) s += be16(p + l3 + k);
  s = (s & 0xFFFFu) + (s >> 16);
  s = (s & 0xFFFFu) + (s >> 16);
  u32 ck = ~s & 0xFFFFu;
  if (kind < K_BAD) ck ^= 0x5A5Au;
  put16(p + l3 + 10u, ck);
  put16(p + l4, sport);
  put16(p + l4 + 2u, dport);
  if (proto == 6u) {
    put32(p + l4 + 4u, (u32)(r2 >> 8));
    put32(p + l4 + 8u, 0u);
    p[l4 + 12u] = 0x50u;
    p[l4 + 13u] = 0x18u;
    put16(p + l4 + 14u, 0xFFFFu);
    put32(p + l4 + 16u, 0u);
  } else {
    put16(p + l4 + 4u, l4len + payload);
    put16(p + l4 + 6u, 0u);
  }
  caplen[i] = (kind >= K_BAD && kind < K_TRUNC) ? l3 + 10u : l4 + l4len;
}
// a frame's headers within its capture length: 0 a flow packet (5-tuple, frame bytes, words to hash), 1 not IPv4,
// 2 malformed or truncated, 3 a bad IPv4 header checksum
__device__ __forceinline__ u32 nf_parse(const u8* p, u32 cl, u32& src, u32& dst, u32& ports, u32& proto, u32& wire,
                                        u32& nw) {
  if (cl < 14u) return 2u;
  u32 o = 12u, et = be16(p + 12);
  if (et == 0x8100u) {
    if (cl < 18u) return 2u;
    o = 16u;
    et = be16(p + 16);
  }
  if (et != 0x0800u) return 1u;
  const u32 l3 = o + 2u;
  if (cl < l3 + 20u) return 2u;
  const u32 vi = p[l3], ihl = (vi & 15u) * 4u;
  if ((vi >> 4) != 4u || ihl < 20u || cl < l3 + ihl) return 2u;
  u32 s = 0u;
  for (u32 k = 0; k < ihl; k += 2u) s += be16(p + l3 + k);
  s = (s & 0xFFFFu) + (s >> 16);
  s = (s & 0xFFFFu) + (s >> 16);
  if (s != 0xFFFFu) return 3u;
  const u32 tot = be16(p + l3 + 2u);
  if (tot < ihl) return 2u;
  proto = p[l3 + 9u];
  src = be32(p + l3 + 12u);
  dst = be32(p + l3 + 16u);
  wire = l3 + tot;
  ports = 0u;
  nw = 2u;
  if ((proto == 6u || proto == 17u) && (be16(p + l3 + 6u) & 0x3FFFu) == 0u) {  // ports in first fragments only
    const u32 l4 = l3 + ihl;
    if (cl < l4 + 4u || tot < ihl + 4u) return 2u;
    ports = be32(p + l4);
    nw = 3u;
  }
  return 0u;
}
// a thread a packet p0 + t: parse, RSS hash (to hout; 0 for others), queue by the indirection table, the flow's
// slot found or claimed by atomicCAS of its digest (first slot from the hash, linear probing; the claimer records
// the packet and 5-tuple), packet and byte counts by atomicAdd; queue and status counts through shared memory
extern "C" __global__ void nf_run(const u8* __restrict__ pkt, const u32* __restrict__ caplen, u32 p0, u32 cnt,
                                  u64* tkey, u32* __restrict__ tpk, u64* __restrict__ tby, u32* __restrict__ towner,
                                  u32* __restrict__ ttup, u32* __restrict__ hout, u32* __restrict__ qcnt,
                                  u32* __restrict__ stats) {
  __shared__ u32 sc[NQ + 4u];
  for (u32 k = threadIdx.x; k < NQ + 4u; k += blockDim.x) sc[k] = 0u;
  __syncthreads();
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t < cnt) {
    const u32 i = p0 + t;
    const u8* p = pkt + (u64)i * SLOT;
    const u32 cl = min(caplen[i], SLOT);
    u32 src = 0u, dst = 0u, ports = 0u, proto = 0u, wire = 0u, nw = 0u;
    const u32 st = nf_parse(p, cl, src, dst, ports, proto, wire, nw);
    u32 h = 0u;
    if (st == 0u) {
      const u32 w[3] = {src, dst, ports};
      h = toeplitz(w, nw);
      u64 key = splitmix((((u64)src << 32) | dst) ^ splitmix(((u64)ports << 8) | proto));
      if (key == 0ull) key = 1ull;
      u32 slot = h & TMASK;
      for (;;) {
        u64 cur = tkey[slot];
        if (cur == 0ull) {
          cur = atomicCAS(&tkey[slot], 0ull, key);
          if (cur == 0ull) {
            towner[slot] = i;
            ttup[4u * slot] = src;
            ttup[4u * slot + 1u] = dst;
            ttup[4u * slot + 2u] = ports;
            ttup[4u * slot + 3u] = proto;
            break;
          }
        }
        if (cur == key) break;
        slot = (slot + 1u) & TMASK;
      }
      atomicAdd(&tpk[slot], 1u);
      atomicAdd(&tby[slot], (u64)wire);
      atomicAdd(&sc[RETA[h & 127u]], 1u);
    }
    hout[i] = h;
    atomicAdd(&sc[NQ + st], 1u);
  }
  __syncthreads();
  for (u32 k = threadIdx.x; k < NQ + 4u; k += blockDim.x)
    if (sc[k]) atomicAdd(k < NQ ? &qcnt[k] : &stats[k - NQ], sc[k]);
}
// test vectors: 3 words each (source, destination, ports), hashed over 2 and over 3 words
extern "C" __global__ void nf_test(const u32* __restrict__ words, u32 n, u32* __restrict__ out) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const u32 w[3] = {words[3u * i], words[3u * i + 1u], words[3u * i + 2u]};
  out[2u * i] = toeplitz(w, 2u);
  out[2u * i + 1u] = toeplitz(w, 3u);
}
"""


def nf_src():
    kw = [int.from_bytes(RSS_KEY[i:i + 4], "big") for i in range(0, 40, 4)]
    return fill_source(NF_CUDA, LOGF=NF_LOG_F, LOGT=NF_LOG_T, SEED=hex(NF_SEED), SLOT=NF_SLOT, NQ=NF_NQ, ARP=NF_ARP,
                       BAD=NF_BAD, TRUNC=NF_TRUNC, KEYWORDS=", ".join(f"{k:#010x}u" for k in kw),
                       DPORTS=", ".join(f"{d}u" for d in NF_DPORTS), RETA=", ".join(str(x) for x in NF_RETA))


NF_SRC = nf_src()


def toeplitz_py(key, data):
    """The Toeplitz hash of data (bytes) with key (bytes), in Python ints."""
    k, kb, r = int.from_bytes(key, "big"), 8 * len(key), 0
    for n in range(8 * len(data)):
        if (data[n // 8] >> (7 - n % 8)) & 1:
            r ^= (k >> (kb - 32 - n)) & M32
    return r


def _ip(s):
    a, b, c, d = (int(x) for x in s.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def nf_flow_py(f):
    """Flow f's (source, destination, ports word, protocol), as nf_gen makes them."""
    q = splitmix64(f ^ (NF_SEED << 1))
    q2 = splitmix64(q)
    sport = 1024 + (q2 & 0xFFFF) % 64512
    dport = NF_DPORTS[(q2 >> 16) & 7]
    proto = 6 if ((q2 >> 24) & 15) < 11 else 17
    return q & M32, q >> 32, (sport << 16) | dport, proto


def nf_packets_xp(n, xp=np):
    """(flow ids, kinds, frame bytes) of packets 0 .. n - 1 as nf_gen makes them, int64 arrays of xp."""
    r = splitmix64_xp(xp.arange(n, dtype=xp.uint64) ^ U64(NF_SEED))
    r2 = splitmix64_xp(r)
    f = skewed_xp(r, NF_LOG_F)
    q2 = splitmix64_xp(splitmix64_xp(f ^ U64(NF_SEED << 1)))
    # 0/1 int64 flags and plain arithmetic: no mixed uint64/int64 operands (those promote to float64)
    tcp = (((q2 >> U64(24)) & U64(15)) < U64(11)).astype(xp.int64)
    vlan = (((q2 >> U64(28)) & U64(7)) == U64(0)).astype(xp.int64)
    kind = (r2 & U64(1023)).astype(xp.int64)
    opt = (((r2 >> U64(10)) & U64(15)) == U64(0)).astype(xp.int64)
    ihl = 4 * (5 + opt * (1 + ((r2 >> U64(14)) & U64(1)).astype(xp.int64)))
    payload = ((r2 >> U64(16)) % U64(1401)).astype(xp.int64)
    wire = 14 + 4 * vlan + ihl + 8 + 12 * tcp + payload
    return f.astype(xp.int64), kind, wire


def netflow(variant, clock):
    if variant != "rss":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=nf_src())
    genk, runk, testk = (mod.get_function(k) for k in ("nf_gen", "nf_run", "nf_test"))
    npk, nt = NF_PKTS, 1 << NF_LOG_T
    pkt = cp.zeros(npk * NF_SLOT, dtype=cp.uint8)
    caplen = cp.zeros(npk, dtype=cp.uint32)
    genk(((npk + 255) // 256,), (256,), (U32(npk), pkt, caplen))
    tkey = cp.zeros(nt, dtype=cp.uint64)
    tpk = cp.zeros(nt, dtype=cp.uint32)
    tby = cp.zeros(nt, dtype=cp.uint64)
    towner = cp.zeros(nt, dtype=cp.uint32)
    ttup = cp.zeros(4 * nt, dtype=cp.uint32)
    hout = cp.zeros(npk, dtype=cp.uint32)
    qcnt = cp.zeros(NF_NQ, dtype=cp.uint32)
    stats = cp.zeros(4, dtype=cp.uint32)
    state = {"cursor": 0, "pkts": NF_PKTS0, "done": 0}

    def clear():
        tkey.fill(0)
        tpk.fill(0)
        tby.fill(0)

    def run(p0, cnt):
        runk(((cnt + 255) // 256,), (256,), (pkt, caplen, U32(p0), U32(cnt), tkey, tpk, tby, towner, ttup, hout, qcnt,
                                             stats))

    launch = wrapping_launch(state, "pkts", npk, run, on_wrap=clear)
    size_launch(launch, state, "pkts", NF_MIN_PKTS, NF_MAX_PKTS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # the published verification vectors, on the GPU and in Python
    words = np.array([[_ip(s), _ip(d), (sp << 16) | dp] for s, sp, d, dp, _, _ in RSS_VECTORS], dtype=U32)
    tout = cp.zeros(2 * len(RSS_VECTORS), dtype=cp.uint32)
    testk((1,), (64,), (cp.asarray(words.reshape(-1)), U32(len(RSS_VECTORS)), tout))
    want = [h for v in RSS_VECTORS for h in v[4:]]
    pyh = []
    for s, sp, d, dp, _, _ in RSS_VECTORS:
        b = _ip(s).to_bytes(4, "big") + _ip(d).to_bytes(4, "big")
        pyh += [toeplitz_py(RSS_KEY, b), toeplitz_py(RSS_KEY, b + sp.to_bytes(2, "big") + dp.to_bytes(2, "big"))]
    vec_ok = [int(v) for v in tout.get()] == want and pyh == want
    # a check pass over every packet into a clear table, against the packets regenerated by array operators
    clear()
    qcnt.fill(0)
    stats.fill(0)
    run(0, npk)
    fid, kind, wire = nf_packets_xp(npk, cp)  # CuPy's operators on the GPU, apart from the kernels
    valid = kind >= NF_TRUNC
    hst = stats.get().astype(np.int64)
    want_st = [int(valid.sum()), int((kind < NF_ARP).sum()), int(((kind >= NF_BAD) & (kind < NF_TRUNC)).sum()),
               int(((kind >= NF_ARP) & (kind < NF_BAD)).sum())]
    st_ok = hst.tolist() == want_st
    vf = fid[valid]
    wcnt = cp.bincount(vf, minlength=1 << NF_LOG_F).get()
    # float64 sums, exact: every partial sum is an integer below 2^53
    wby = cp.bincount(vf, weights=wire[valid].astype(cp.float64), minlength=1 << NF_LOG_F).get().astype(np.int64)
    htab = tkey.get()
    occ = np.nonzero(htab)[0]
    own = towner.get()[occ].astype(np.int64)
    gid = fid[cp.asarray(own)].get()
    one_slot = len(np.unique(gid)) == len(occ) == int(np.count_nonzero(wcnt))
    flow_ok = one_slot and bool(np.array_equal(tpk.get()[occ].astype(np.int64), wcnt[gid])) and \
        bool(np.array_equal(tby.get()[occ].astype(np.int64), wby[gid]))
    hh = hout.get()
    hv = valid.get()
    reta = np.array(NF_RETA, dtype=np.int64)
    q_ok = bool(np.array_equal(qcnt.get().astype(np.int64),
                               np.bincount(reta[hh[hv] & 127], minlength=NF_NQ).astype(np.int64)))
    # packets' hashes and slots' 5-tuples against Python's
    rng = np.random.default_rng(55)
    vidx = np.nonzero(hv)[0]
    hfid = fid.get()
    hgood = 0
    for i in rng.choice(vidx, min(NF_CHECK, len(vidx)), replace=False).tolist():
        s, d, pw, _ = nf_flow_py(int(hfid[i]))
        hgood += int(hh[i]) == toeplitz_py(RSS_KEY, s.to_bytes(4, "big") + d.to_bytes(4, "big") +
                                           pw.to_bytes(4, "big"))
    htup = ttup.get().reshape(-1, 4)
    sgood = 0
    nsc = min(NF_SLOT_CHECK, len(occ))
    for j in rng.choice(len(occ), nsc, replace=False).tolist():
        sgood += [int(x) for x in htup[occ[j]]] == list(nf_flow_py(int(gid[j])))
    nhc = min(NF_CHECK, len(vidx))
    ok = vec_ok and st_ok and flow_ok and q_ok and hgood == nhc and sgood == nsc
    top = int(wcnt.max())
    note(f"netflow/{variant}: {state['done']} packets after READY ({npk} frames in {NF_SLOT}-byte slots, "
         f"{len(occ)} flows of {1 << NF_LOG_F} ids, the busiest {top} packets, a {nt}-slot table, {NF_NQ} queues, "
         f"{state['pkts']} packets a launch), status counts {hst.tolist()}, byte digest {int(wby.sum())}; "
         f"{len(RSS_VECTORS)} published RSS vectors (IPv4, IPv4 + TCP) equal on the GPU and in Python: {vec_ok}, "
         f"status counts equal to the regenerated kinds': {st_ok}, every flow's packets and bytes equal to "
         f"cupy.bincount's, one slot a flow: {flow_ok}, queue counts equal: {q_ok}, {nhc} packets' hashes equal to "
         f"Python's Toeplitz: {hgood}, {nsc} slots' 5-tuples equal: {sgood}, agree: {ok}, {per * 1e3:.2f} ms a "
         f"launch ({state['pkts'] / per / 1e9:.2f} G packets/s), {nl} a step")
