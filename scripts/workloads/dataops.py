"""Storage integrity, database group-by and image pipelines (label 0): integer-heavy, memory-bound jobs.

  checksum  per-4 KiB-block checksums, as dedup and integrity checks compute them: table-driven
            CRC-32 (table in shared memory) over a 4 GiB device buffer; or an xxHash32-like
            four-lane multiply-rotate fingerprint of a 1 GiB pinned host buffer streamed in
            256 MiB pieces, then a duplicate count (unique) of the fingerprints
  groupby   database aggregation over 2^27 rows with Zipf-skewed keys: hash aggregation
            (atomicCAS open addressing, atomicAdd sums and counts); sort-based (radix sort,
            boundary flags, prefix sum, index_add); or a filter (predicate, nonzero
            compaction, gathers)
  image     image pipelines: uint8 1080p frames from pinned host memory, bilinear
            antialiased resize and normalisation (torch); a 5x5 integer Gaussian blur then
            Sobel magnitude and threshold on 8-bit 8K images (integer kernels); fixed-point
            RGB to YUV 4:2:0, per-image luma histogram and equalisation lookup (int32 ops)
"""
from common import cupy_loop, sms, torch_loop

BLOCK_BYTES = 4096


def _crc_table():
    out = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        out.append(c)
    return ", ".join(f"0x{c:08x}u" for c in out)


CHECKSUM_SRC = r"""
__constant__ unsigned int CRC[256] = { %CRC% };
// CRC-32 (reflected, 0xEDB88320) of each `words`-word block, a byte at a time through a shared table
extern "C" __global__ void crc32(const unsigned int* __restrict__ data, unsigned long long blocks, int words,
                                 unsigned int* out) {
  __shared__ unsigned int T[256];
  for (int t = threadIdx.x; t < 256; t += blockDim.x) T[t] = CRC[t];
  __syncthreads();
  for (unsigned long long b = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; b < blocks;
       b += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned int* p = data + b * words;
    unsigned int c = 0xFFFFFFFFu;
    for (int w = 0; w < words; ++w) {
      c ^= p[w];
      c = T[c & 255u] ^ (c >> 8);
      c = T[c & 255u] ^ (c >> 8);
      c = T[c & 255u] ^ (c >> 8);
      c = T[c & 255u] ^ (c >> 8);
    }
    out[b] = ~c;
  }
}
#define P1 2654435761u
#define P2 2246822519u
#define P3 3266489917u
#define ROTL32(x, n) __funnelshift_l((x), (x), (n))
// xxHash32-like fingerprint of each 4 KiB block: four lanes of multiply-rotate, then the avalanche
extern "C" __global__ void xxh(const uint4* __restrict__ data, unsigned int blocks, unsigned int* out) {
  for (unsigned int b = blockIdx.x * blockDim.x + threadIdx.x; b < blocks; b += gridDim.x * blockDim.x) {
    const uint4* p = data + (unsigned long long)b * 256;
    unsigned int v1 = P1 + P2, v2 = P2, v3 = 0u, v4 = 0u - P1;
    for (int k = 0; k < 256; ++k) {
      uint4 w = p[k];
      v1 = ROTL32(v1 + w.x * P2, 13) * P1; v2 = ROTL32(v2 + w.y * P2, 13) * P1;
      v3 = ROTL32(v3 + w.z * P2, 13) * P1; v4 = ROTL32(v4 + w.w * P2, 13) * P1;
    }
    unsigned int h = ROTL32(v1, 1) + ROTL32(v2, 7) + ROTL32(v3, 12) + ROTL32(v4, 18) + 4096u;
    h ^= h >> 15; h *= P2; h ^= h >> 13; h *= P3; h ^= h >> 16;
    out[b] = h;
  }
}
""".replace("%CRC%", _crc_table())


def checksum(variant, clock):
    import cupy as cp
    mod = cp.RawModule(code=CHECKSUM_SRC)
    grid, block = sms() * 8, 256
    if variant == "crc32":
        words = 1 << 30  # 4 GiB of data, 2^20 blocks
        data = cp.arange(words, dtype=cp.uint32) * cp.uint32(2654435761)
        blocks = words * 4 // BLOCK_BYTES
        out = cp.empty(blocks, dtype=cp.uint32)
        kern = mod.get_function("crc32")

        def step():
            kern((grid,), (block,), (data, cp.uint64(blocks), cp.int32(BLOCK_BYTES // 4), out))
        cupy_loop(step, clock)
    elif variant == "xxh_stream":
        import cupyx
        import numpy as np
        total, piece = 1 << 30, 1 << 28
        host = cupyx.empty_pinned((total,), dtype=np.uint8)
        host.view(np.uint32)[:] = np.arange(total // 4, dtype=np.uint32) * np.uint32(2246822519)
        host[: total // 8] = host[total // 2: total // 2 + total // 8]  # some blocks repeat: duplicates to find
        dev = cp.empty(piece, dtype=cp.uint8)
        nblk = piece // BLOCK_BYTES
        fps = cp.empty(total // BLOCK_BYTES, dtype=cp.uint32)
        kern = mod.get_function("xxh")
        stream = cp.cuda.Stream(non_blocking=True)

        def step():
            with stream:
                for k in range(total // piece):
                    dev.set(host[k * piece:(k + 1) * piece], stream=stream)  # pinned: an async copy
                    kern((grid,), (block,), (dev, cp.uint32(nblk), fps[k * nblk:(k + 1) * nblk]))
                dups = fps.size - cp.unique(fps).size
            stream.synchronize()
            return dups
        cupy_loop(step, clock)
    else:
        raise ValueError(f"unknown variant {variant!r}")


GROUPBY_SRC = r"""
// hash aggregation: open addressing on the key (empty = -1), then atomic sum and count in the slot
extern "C" __global__ void agg(const int* __restrict__ keys, const float* __restrict__ vals, long long n, int* tkeys,
                               float* tsum, unsigned int* tcnt, unsigned int mask) {
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const int k = keys[i];
    unsigned int s = ((unsigned int)k * 2654435761u) & mask;
    while (true) {
      int prev = atomicCAS(&tkeys[s], -1, k);
      if (prev == -1 || prev == k) { atomicAdd(&tsum[s], vals[i]); atomicAdd(&tcnt[s], 1u); break; }
      s = (s + 1) & mask;
    }
  }
}
"""


def groupby(variant, clock):
    n, groups = 1 << 27, 1 << 22
    if variant == "hashagg":
        import cupy as cp
        rs = cp.random.RandomState(6)
        keys = (groups * rs.random_sample(n, dtype=cp.float32) ** 3).astype(cp.int32)  # skewed: popular groups
        vals = rs.random_sample(n, dtype=cp.float32)
        slots = 2 * groups
        tkeys = cp.empty(slots, dtype=cp.int32)
        tsum = cp.empty(slots, dtype=cp.float32)
        tcnt = cp.empty(slots, dtype=cp.uint32)
        kern = cp.RawKernel(GROUPBY_SRC, "agg")
        grid, block = sms() * 8, 256

        def step():
            tkeys.fill(-1)
            tsum.fill(0)
            tcnt.fill(0)
            kern((grid,), (block,), (keys, vals, cp.int64(n), tkeys, tsum, tcnt, cp.uint32(slots - 1)))
        cupy_loop(step, clock)
        return
    import torch
    g = torch.Generator(device="cuda").manual_seed(6)
    if variant == "sortagg":
        keys = (groups * torch.rand(n, device="cuda", generator=g).pow(3)).long()
        vals = torch.rand(n, device="cuda", generator=g)

        def step():
            sk, order = torch.sort(keys)
            boundary = torch.ones_like(sk, dtype=torch.bool)
            boundary[1:] = sk[1:] != sk[:-1]
            gid = torch.cumsum(boundary, 0) - 1
            sums = torch.zeros(groups, device="cuda").index_add_(0, gid, vals[order])
            counts = torch.bincount(gid, minlength=groups)
            return sums, counts
    elif variant == "filter":
        a = torch.randint(0, 1000, (n,), device="cuda", dtype=torch.int32, generator=g)
        b = torch.rand(n, device="cuda", generator=g)
        c = torch.randint(0, 1 << 30, (n,), device="cuda", dtype=torch.int64, generator=g)
        lo = [0]

        def step():
            lo[0] = (lo[0] + 37) % 900
            mask = (a >= lo[0]) & (a < lo[0] + 100) & (b < 0.5)  # WHERE a BETWEEN .. AND b < 0.5
            idx = torch.nonzero(mask).squeeze(1)  # prefix sum + compaction; the count comes back to the host
            return a[idx], b[idx], c[idx]
    else:
        raise ValueError(f"unknown variant {variant!r}")
    torch_loop(step, clock)


IMAGE_SRC = r"""
// 5x5 Gaussian (binomial weights 1 4 6 4 1, sum 256) on 8-bit images, integer arithmetic, edges clamped
extern "C" __global__ void blur(const unsigned char* __restrict__ in, unsigned char* out, int w, int h, int images) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= w || y >= h) return;
  const int W[5] = {1, 4, 6, 4, 1};
  for (int im = 0; im < images; ++im) {
    const unsigned char* src = in + (unsigned long long)im * w * h;
    int acc = 0;
#pragma unroll
    for (int dy = -2; dy <= 2; ++dy) {
      const int yy = min(max(y + dy, 0), h - 1);
#pragma unroll
      for (int dx = -2; dx <= 2; ++dx) acc += W[dy + 2] * W[dx + 2] * src[yy * w + min(max(x + dx, 0), w - 1)];
    }
    out[(unsigned long long)im * w * h + y * w + x] = (unsigned char)((acc + 128) >> 8);
  }
}
// Sobel gradient magnitude (|gx| + |gy|) and a threshold: an edge mask
extern "C" __global__ void edges(const unsigned char* __restrict__ in, unsigned char* out, int w, int h, int images,
                                 int thresh) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= w || y >= h) return;
  const int xm = max(x - 1, 0), xp = min(x + 1, w - 1), ym = max(y - 1, 0), yp = min(y + 1, h - 1);
  for (int im = 0; im < images; ++im) {
    const unsigned char* s = in + (unsigned long long)im * w * h;
    int gx = (s[ym * w + xp] + 2 * s[y * w + xp] + s[yp * w + xp]) - (s[ym * w + xm] + 2 * s[y * w + xm] + s[yp * w + xm]);
    int gy = (s[yp * w + xm] + 2 * s[yp * w + x] + s[yp * w + xp]) - (s[ym * w + xm] + 2 * s[ym * w + x] + s[ym * w + xp]);
    out[(unsigned long long)im * w * h + y * w + x] = (abs(gx) + abs(gy)) > thresh ? 255 : 0;
  }
}
"""


def image(variant, clock):
    if variant == "filter":
        import cupy as cp
        images, w, h = 8, 7680, 4320
        rs = cp.random.RandomState(8)
        img = rs.randint(0, 256, images * w * h, dtype=cp.int32).astype(cp.uint8)
        blurred = cp.empty_like(img)
        mask = cp.empty_like(img)
        mod = cp.RawModule(code=IMAGE_SRC)
        blur, edges = mod.get_function("blur"), mod.get_function("edges")
        grid = ((w + 31) // 32, (h + 7) // 8)

        def step():
            blur(grid, (32, 8), (img, blurred, cp.int32(w), cp.int32(h), cp.int32(images)))
            edges(grid, (32, 8), (blurred, mask, cp.int32(w), cp.int32(h), cp.int32(images), cp.int32(96)))
        cupy_loop(step, clock)
        return
    import torch
    import torch.nn.functional as F
    batch = 16
    frames = torch.randint(0, 256, (batch, 3, 1080, 1920), dtype=torch.uint8).pin_memory()
    if variant == "resize":
        mean = torch.tensor([0.485, 0.456, 0.406], device="cuda").view(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225], device="cuda").view(1, 3, 1, 1)

        def step():
            x = frames.to("cuda", non_blocking=True).float()
            small = F.interpolate(x, size=(540, 960), mode="bilinear", antialias=True, align_corners=False)
            crop = F.interpolate(small[:, :, :, 210:750], size=(224, 224), mode="bilinear", antialias=True, align_corners=False)
            net_in = (crop / 255.0 - mean) / std
            thumb = small.round().clamp_(0, 255).to(torch.uint8).cpu()  # thumbnails back to the host
            return net_in, thumb
    elif variant == "colorconv":
        dev_frames = frames.to("cuda")

        def step():
            rgb = dev_frames.to(torch.int32)
            r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
            y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16
            u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128
            v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128
            u420 = (u.view(batch, 540, 2, 960, 2).sum((2, 4)) + 2) >> 2  # 2x2 chroma subsampling
            v420 = (v.view(batch, 540, 2, 960, 2).sum((2, 4)) + 2) >> 2
            # per-image luma histogram, its CDF, and the equalising lookup table applied
            offs = (torch.arange(batch, device="cuda", dtype=torch.int32) * 256).view(batch, 1, 1)
            hist = torch.bincount((y.clamp(0, 255) + offs).view(-1).long(), minlength=batch * 256).view(batch, 256)
            cdf = torch.cumsum(hist, 1)
            lut = (cdf * 255 // cdf[:, -1:]).to(torch.uint8)
            eq = torch.gather(lut, 1, y.clamp(0, 255).view(batch, -1).long())
            return eq, u420.to(torch.uint8), v420.to(torch.uint8)
    else:
        raise ValueError(f"unknown variant {variant!r}")
    torch_loop(step, clock, sync_every=2)
