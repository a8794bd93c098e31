"""Simulation, sparse linear algebra and genomics (label 0): science jobs whose pipes overlap hashing's.

  montecarlo       option pricing with a Philox4x32-10 counter RNG per thread (integer
                   multiply-high rounds, then log/sincos/exp: cuRAND-style); or torch's own
                   Philox streams (rand/randn of 2^26 x 4) through an integrand and a payoff
  md               Lennard-Jones molecular dynamics, 2^21 atoms: cell lists rebuilt every
                   step (binning atomics, prefix sum, scatter), 27-cell neighbour force loop;
                   or all-pairs gravitational N-body (2^17 bodies, shared-memory tiles, rsqrt)
  spmv             CSR sparse matrix times vector, a warp a row: power iteration on a
                   2^22-row power-law fp32 matrix; or conjugate gradient in fp64 on a 256^3
                   7-point Laplacian (dot products back to the host every iteration)
  smith_waterman   local alignment with affine gaps, one thread a pair (inter-task, as
                   read mappers do): 2^18 pairs of 128 x 256, DNA or a 20-letter protein
                   alphabet with a substitution matrix in shared memory; int16 DP rows

The kernels are CUDA C through cupy; torch is imported only by montecarlo/torch.
"""
import numpy as np

from common import cupy_loop, sms


PHILOX_SRC = r"""
__device__ __forceinline__ uint4 philox(uint4 c, uint2 k) {
#pragma unroll
  for (int r = 0; r < 10; ++r) {
    unsigned int hi0 = __umulhi(0xD2511F53u, c.x), lo0 = 0xD2511F53u * c.x;
    unsigned int hi1 = __umulhi(0xCD9E8D57u, c.z), lo1 = 0xCD9E8D57u * c.z;
    c = make_uint4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k.x += 0x9E3779B9u; k.y += 0xBB67AE85u;
  }
  return c;
}
// each thread prices `paths` paths of `steps` (even) geometric-Brownian steps of a European call
extern "C" __global__ void paths(unsigned long long seed, int paths, int steps, float drift, float vol, float strike,
                                 float* sum, unsigned int* in_money) {
  const unsigned int tid = blockIdx.x * blockDim.x + threadIdx.x;
  const uint2 key = make_uint2((unsigned int)seed, (unsigned int)(seed >> 32));
  float acc = 0.f;
  unsigned int cnt = 0;
  for (int p = 0; p < paths; ++p) {
    float s = 100.f;
    for (int k = 0; k < steps; k += 2) {
      uint4 r = philox(make_uint4((unsigned int)k, (unsigned int)p, tid, 0x5EEDu), key);
      float u1 = ((float)r.x + 1.0f) * 2.3283064e-10f, u2 = (float)r.y * 2.3283064e-10f;
      float rad = sqrtf(-2.f * __logf(u1)), sn, cs;
      __sincosf(6.2831853f * u2, &sn, &cs);
      s *= __expf(drift + vol * rad * cs);
      s *= __expf(drift + vol * rad * sn);
    }
    float pay = fmaxf(s - strike, 0.f);
    acc += pay;
    cnt += pay > 0.f;
  }
  for (int o = 16; o > 0; o >>= 1) {
    acc += __shfl_down_sync(0xFFFFFFFFu, acc, o);
    cnt += __shfl_down_sync(0xFFFFFFFFu, cnt, o);
  }
  if ((threadIdx.x & 31) == 0) { atomicAdd(sum, acc); atomicAdd(in_money, cnt); }
}
"""


def montecarlo(variant, clock):
    if variant == "philox":
        import cupy as cp
        kern = cp.RawKernel(PHILOX_SRC, "paths")
        grid, block = sms() * 8, 256
        total = cp.zeros(1, dtype=cp.float32)
        itm = cp.zeros(1, dtype=cp.uint32)
        seed = [0x1234]

        def step():
            seed[0] += 1
            kern((grid,), (block,), (cp.uint64(seed[0]), cp.int32(64), cp.int32(64), cp.float32(0.0002),
                                     cp.float32(0.02), cp.float32(100.0), total, itm))
        cupy_loop(step, clock)
    elif variant == "torch":
        import torch
        g = torch.Generator(device="cuda").manual_seed(5)
        n = 1 << 26

        def step():
            x = torch.rand(n, 4, device="cuda", generator=g)
            f = torch.exp(-(x * x).sum(1))  # a 4-D integrand
            z = torch.randn(n, device="cuda", generator=g)
            pay = (100.0 * torch.exp(0.03 + 0.2 * z) - 100.0).clamp_(min=0.0)
            return f.mean() + pay.mean()
        step()
        torch.cuda.synchronize()
        clock.ready()
        while clock.running():
            step().item()  # each estimate back to the host
        torch.cuda.synchronize()
    else:
        raise ValueError(f"unknown variant {variant!r}")


MD_SRC = r"""
__device__ __forceinline__ int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }
__device__ __forceinline__ int cell_index(float4 p, float inv_cell, int nc) {
  int cx = clampi((int)(p.x * inv_cell), 0, nc - 1), cy = clampi((int)(p.y * inv_cell), 0, nc - 1);
  int cz = clampi((int)(p.z * inv_cell), 0, nc - 1);
  return (cz * nc + cy) * nc + cx;
}
extern "C" __global__ void bin(const float4* __restrict__ pos, int n, float inv_cell, int nc, int* cell_of, int* count) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int c = cell_index(pos[i], inv_cell, nc);
  cell_of[i] = c;
  atomicAdd(&count[c], 1);
}
extern "C" __global__ void place(const int* __restrict__ cell_of, int n, const int* __restrict__ start, int* fill, int* sorted) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int c = cell_of[i];
  sorted[start[c] + atomicAdd(&fill[c], 1)] = i;
}
// Lennard-Jones forces from the 27 cells around each atom (periodic box, minimum image); w = potential energy
extern "C" __global__ void force(const float4* __restrict__ pos, int n, const int* __restrict__ cell_of,
                                 const int* __restrict__ start, const int* __restrict__ count,
                                 const int* __restrict__ sorted, int nc, float box, float rc2, float4* frc) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const float4 p = pos[i];
  const int c = cell_of[i], cx = c % nc, cy = (c / nc) % nc, cz = c / (nc * nc);
  float fx = 0.f, fy = 0.f, fz = 0.f, ep = 0.f;
  for (int dz = -1; dz <= 1; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        int nb = (((cz + dz + nc) % nc) * nc + (cy + dy + nc) % nc) * nc + (cx + dx + nc) % nc;
        int s = start[nb], e = s + count[nb];
        for (int k = s; k < e; ++k) {
          int j = sorted[k];
          if (j == i) continue;
          float4 q = pos[j];
          float rx = p.x - q.x, ry = p.y - q.y, rz = p.z - q.z;
          rx -= box * rintf(rx / box); ry -= box * rintf(ry / box); rz -= box * rintf(rz / box);
          float r2 = rx * rx + ry * ry + rz * rz;
          if (r2 < rc2) {
            r2 = fmaxf(r2, 0.64f);  // no blow-up from a close pair
            float inv2 = 1.f / r2, inv6 = inv2 * inv2 * inv2;
            float f = 24.f * inv2 * inv6 * (2.f * inv6 - 1.f);
            fx += f * rx; fy += f * ry; fz += f * rz;
            ep += 4.f * inv6 * (inv6 - 1.f);
          }
        }
      }
  frc[i] = make_float4(fx, fy, fz, ep);
}
__device__ __forceinline__ float wrap(float x, float box) {
  x -= box * floorf(x / box);
  return (x >= 0.f && x < box) ? x : 0.5f * box;  // NaN or rounding: back into the box
}
extern "C" __global__ void integrate(float4* pos, float4* vel, const float4* __restrict__ frc, int n, float dt, float box) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float4 v = vel[i], f = frc[i], p = pos[i];
  v.x = fminf(fmaxf(v.x + f.x * dt, -10.f), 10.f);
  v.y = fminf(fmaxf(v.y + f.y * dt, -10.f), 10.f);
  v.z = fminf(fmaxf(v.z + f.z * dt, -10.f), 10.f);
  p.x = wrap(p.x + v.x * dt, box); p.y = wrap(p.y + v.y * dt, box); p.z = wrap(p.z + v.z * dt, box);
  vel[i] = v; pos[i] = p;
}
// all-pairs gravity, blockDim.x == 256, tiles of bodies through shared memory
extern "C" __global__ void nbody(const float4* __restrict__ pos, float4* acc, int n, float eps2) {
  __shared__ float4 tile[256];
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  float4 p = pos[min(i, n - 1)];
  float ax = 0.f, ay = 0.f, az = 0.f;
  for (int base = 0; base < n; base += blockDim.x) {
    int j = base + threadIdx.x;
    tile[threadIdx.x] = j < n ? pos[j] : make_float4(0.f, 0.f, 0.f, 0.f);
    __syncthreads();
#pragma unroll 8
    for (int k = 0; k < 256; ++k) {
      float4 q = tile[k];
      float rx = q.x - p.x, ry = q.y - p.y, rz = q.z - p.z;
      float inv = rsqrtf(rx * rx + ry * ry + rz * rz + eps2);
      float s = q.w * inv * inv * inv;
      ax += s * rx; ay += s * ry; az += s * rz;
    }
    __syncthreads();
  }
  if (i < n) acc[i] = make_float4(ax, ay, az, 0.f);
}
"""


def md(variant, clock):
    import cupy as cp
    mod = cp.RawModule(code=MD_SRC)
    rs = cp.random.RandomState(9)
    if variant == "lj":
        side = 128
        n = side ** 3
        box = side / 0.8 ** (1 / 3)  # reduced density 0.8
        rc = 2.5
        nc = int(box / rc)
        bin_k, place_k, force_k, integ_k = (mod.get_function(k) for k in ("bin", "place", "force", "integrate"))
        idx = cp.arange(n, dtype=cp.int32)
        a = box / side
        pos = cp.zeros((n, 4), dtype=cp.float32)  # atoms on a lattice, jittered
        for d, coord in enumerate((idx % side, (idx // side) % side, idx // (side * side))):
            pos[:, d] = (coord.astype(cp.float32) + 0.5) * a + rs.uniform(-0.05, 0.05, n, dtype=cp.float32)
        vel = cp.zeros((n, 4), dtype=cp.float32)
        vel[:, :3] = rs.standard_normal((n, 3), dtype=cp.float32) * 0.5
        frc = cp.zeros((n, 4), dtype=cp.float32)
        cell_of = cp.empty(n, dtype=cp.int32)
        sorted_ = cp.empty(n, dtype=cp.int32)
        count = cp.zeros(nc ** 3, dtype=cp.int32)
        fill = cp.zeros(nc ** 3, dtype=cp.int32)
        grid, block = (n + 255) // 256, 256
        args_n = cp.int32(n)

        def step():
            count.fill(0)
            fill.fill(0)
            bin_k((grid,), (block,), (pos, args_n, cp.float32(nc / box), cp.int32(nc), cell_of, count))
            start = cp.cumsum(count, dtype=cp.int32) - count
            place_k((grid,), (block,), (cell_of, args_n, start, fill, sorted_))
            force_k((grid,), (block,), (pos, args_n, cell_of, start, count, sorted_, cp.int32(nc), cp.float32(box),
                                        cp.float32(rc * rc), frc))
            integ_k((grid,), (block,), (pos, vel, frc, args_n, cp.float32(0.002), cp.float32(box)))
        cupy_loop(step, clock)
    elif variant == "nbody":
        n = 1 << 17
        kern = mod.get_function("nbody")
        pos = cp.empty((n, 4), dtype=cp.float32)
        pos[:, :3] = rs.uniform(-1.0, 1.0, (n, 3), dtype=cp.float32)
        pos[:, 3] = 1.0 / n
        vel = cp.zeros((n, 3), dtype=cp.float32)
        acc = cp.zeros((n, 4), dtype=cp.float32)

        def step():
            kern(((n + 255) // 256,), (256,), (pos, acc, cp.int32(n), cp.float32(1e-4)))
            vel[...] += acc[:, :3] * 1e-4
            pos[:, :3] += vel * 1e-4
        cupy_loop(step, clock)
    else:
        raise ValueError(f"unknown variant {variant!r}")


SPMV_BODY = r"""
// y = A x, A in CSR; one warp a row
extern "C" __global__ void spmv(const int* __restrict__ rowptr, const int* __restrict__ col, const T* __restrict__ val,
                                const T* __restrict__ x, T* y, int n) {
  const int lane = threadIdx.x & 31;
  const long long warps = ((long long)gridDim.x * blockDim.x) >> 5;
  for (long long row = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5; row < n; row += warps) {
    T s = 0;
    for (int k = rowptr[row] + lane; k < rowptr[row + 1]; k += 32) s += val[k] * __ldg(x + col[k]);
    for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xFFFFFFFFu, s, o);
    if (lane == 0) y[row] = s;
  }
}
"""
SPMV_F32_SRC = "#define T float\n" + SPMV_BODY
SPMV_F64_SRC = "#define T double\n" + SPMV_BODY


def spmv(variant, clock):
    import cupy as cp
    rs = cp.random.RandomState(4)
    grid, block = sms() * 16, 256
    if variant == "powerlaw":
        # power iteration on a graph-like matrix: row lengths heavy-tailed (mean about 26, at most 4096)
        n = 1 << 22
        u = 1.0 - rs.random_sample(n, dtype=cp.float32)  # in (0, 1]: no infinite length
        lens = cp.minimum((8.0 * u ** -0.7).astype(cp.int32), 4096)
        rowptr = cp.concatenate([cp.zeros(1, dtype=cp.int32), cp.cumsum(lens, dtype=cp.int32)])
        nnz = int(rowptr[-1])
        col = rs.randint(0, n, nnz, dtype=cp.int32)
        val = rs.random_sample(nnz, dtype=cp.float32)
        kern = cp.RawKernel(SPMV_F32_SRC, "spmv")
        x = cp.ones(n, dtype=cp.float32) / np.sqrt(n)
        y = cp.empty_like(x)

        def step():
            nonlocal x, y
            kern((grid,), (block,), (rowptr, col, val, x, y, cp.int32(n)))
            y /= cp.linalg.norm(y)
            x, y = y, x
        cupy_loop(step, clock)
    elif variant == "cg":
        # conjugate gradient, fp64, 7-point Laplacian on a 256^3 grid (missing neighbours: zero entries)
        side = 256
        n = side ** 3
        idx = cp.arange(n, dtype=cp.int32)
        coords = (idx % side, (idx // side) % side, idx // (side * side))
        cols, vals = [idx], [cp.full(n, 6.01, dtype=cp.float64)]
        for d, stride in enumerate((1, side, side * side)):
            for sgn in (-1, 1):
                ok = (coords[d] + sgn >= 0) & (coords[d] + sgn < side)
                cols.append(cp.where(ok, idx + sgn * stride, idx).astype(cp.int32))
                vals.append(cp.where(ok, -1.0, 0.0))
        col = cp.stack(cols, 1).ravel()
        val = cp.stack(vals, 1).ravel()
        del cols, vals, coords
        rowptr = cp.arange(0, 7 * n + 1, 7, dtype=cp.int32)
        kern = cp.RawKernel(SPMV_F64_SRC, "spmv")
        b = cp.ones(n, dtype=cp.float64)
        st = {}

        def restart():
            st.update(x=cp.zeros(n), r=b.copy(), p=b.copy(), q=cp.empty(n))
            st["rr"] = st["rr0"] = float(b @ b)

        def step():
            kern((grid,), (block,), (rowptr, col, val, st["p"], st["q"], cp.int32(n)))
            alpha = st["rr"] / float(st["p"] @ st["q"])
            st["x"] += alpha * st["p"]
            st["r"] -= alpha * st["q"]
            rr = float(st["r"] @ st["r"])
            if rr < 1e-20 * st["rr0"]:
                restart()  # converged: a new right-hand side, as a time stepper would bring
                return
            st["p"] = st["r"] + (rr / st["rr"]) * st["p"]
            st["rr"] = rr
        restart()
        cupy_loop(step, clock)
    else:
        raise ValueError(f"unknown variant {variant!r}")


SW_QLEN, SW_RLEN = 128, 256

SW_SRC = r"""
#define QLEN %Q%
#define RLEN %R%
// Smith-Waterman with affine gaps (Gotoh), one pair a thread; subst: 32 x 32 scores
extern "C" __global__ void sw(const unsigned char* __restrict__ q, const unsigned char* __restrict__ r, int pairs,
                              const int* __restrict__ subst, int gap_open, int gap_ext, int* best) {
  __shared__ int S[32 * 32];
  for (int t = threadIdx.x; t < 32 * 32; t += blockDim.x) S[t] = subst[t];
  __syncthreads();
  const int p = blockIdx.x * blockDim.x + threadIdx.x;
  if (p >= pairs) return;
  const unsigned char* a = q + (unsigned long long)p * QLEN;
  const unsigned char* b = r + (unsigned long long)p * RLEN;
  short H[QLEN], E[QLEN];
  for (int i = 0; i < QLEN; ++i) { H[i] = 0; E[i] = 0; }
  int top = 0;
  for (int j = 0; j < RLEN; ++j) {
    const int* col = S + 32 * b[j];
    int diag = 0, up = 0, f = 0;
    for (int i = 0; i < QLEN; ++i) {
      int e = max(E[i] - gap_ext, H[i] - gap_open);
      f = max(f - gap_ext, up - gap_open);
      int h = max(max(0, diag + col[a[i]]), max(e, f));
      diag = H[i];
      H[i] = (short)h;
      E[i] = (short)e;
      up = h;
      top = max(top, h);
    }
  }
  best[p] = top;
}
""".replace("%Q%", str(SW_QLEN)).replace("%R%", str(SW_RLEN))


def smith_waterman(variant, clock):
    import cupy as cp
    rng = np.random.default_rng(12)
    subst = np.full((32, 32), -4, dtype=np.int32)
    if variant == "dna":
        letters = 4
        subst[:4, :4] = -3
        np.fill_diagonal(subst[:4, :4], 2)
        gap_open, gap_ext = 5, 2
    elif variant == "protein":
        letters = 20
        m = rng.integers(-4, 4, size=(20, 20))
        subst[:20, :20] = np.triu(m) + np.triu(m, 1).T  # symmetric, BLOSUM-like range
        subst[np.arange(20), np.arange(20)] = rng.integers(4, 12, size=20)
        gap_open, gap_ext = 11, 1
    else:
        raise ValueError(f"unknown variant {variant!r}")
    pairs = 1 << 18
    rs = cp.random.RandomState(2)
    q = rs.randint(0, letters, pairs * SW_QLEN, dtype=cp.int32).astype(cp.uint8)
    r = rs.randint(0, letters, pairs * SW_RLEN, dtype=cp.int32).astype(cp.uint8)
    best = cp.empty(pairs, dtype=cp.int32)
    s = cp.asarray(subst.ravel())
    kern = cp.RawKernel(SW_SRC, "sw")

    def step():
        kern(((pairs + 127) // 128,), (128,), (q, r, cp.int32(pairs), s, cp.int32(gap_open), cp.int32(gap_ext), best))
    cupy_loop(step, clock)
