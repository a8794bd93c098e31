"""Data processing, science, copies and interactive use (label 0).

Integer-heavy and memory-bound work that a detector must not confuse with
hashing: sorting, hash joins and partitioning, embedding lookups, histograms,
compression-like bit work, graph traversal; plus FFT, fp64 science, copies,
bursty interactive use and idle.
"""
import random
import time

import torch

from common import torch_loop

DEV = "cuda"


def _keys(n, seed=0):
    g = torch.Generator(device=DEV).manual_seed(seed)
    return torch.randint(-(1 << 62), 1 << 62, (n,), device=DEV, dtype=torch.int64, generator=g)


def sort(variant, clock):
    n = 1 << 28  # 2 GiB of int64 keys
    keys = _keys(n)
    if variant == "int64":
        def step():
            return torch.sort(keys)
    elif variant == "argsort":
        payload = torch.arange(n, device=DEV, dtype=torch.int32)

        def step():
            order = torch.argsort(keys)
            return keys[order], payload[order]  # the gather a sort-by-key does
    elif variant == "float":
        vals = torch.rand(n, device=DEV)

        def step():
            return torch.sort(vals, descending=True)
    else:
        raise ValueError(f"unknown variant {variant!r}")
    torch_loop(step, clock)


def _mix64(k):
    """An integer hash of int64 keys (multiply-shift), as a join or shuffle partitioner uses."""
    h = k * -7046029254386353131  # 0x9E3779B97F4A7C15 as a signed int64
    return h ^ (h >> 29)


HASHJOIN_SRC = r"""
// Open addressing, linear probing; empty slot = key -1 (keys are non-negative).
extern "C" __global__ void build(const long long* keys, const int* vals, int n, long long* tkeys, int* tvals,
                                 unsigned long long mask) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  long long k = keys[i];
  unsigned long long s = ((unsigned long long)k * 0x9E3779B97F4A7C15ull >> 20) & mask;
  while (true) {
    long long prev = (long long)atomicCAS((unsigned long long*)&tkeys[s], (unsigned long long)-1ll, (unsigned long long)k);
    if (prev == -1ll || prev == k) { tvals[s] = vals[i]; return; }
    s = (s + 1) & mask;
  }
}
extern "C" __global__ void probe(const long long* keys, int n, const long long* tkeys, const int* tvals,
                                 unsigned long long mask, int* out, unsigned long long* matches) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  long long k = keys[i];
  unsigned long long s = ((unsigned long long)k * 0x9E3779B97F4A7C15ull >> 20) & mask;
  int v = -1;
  while (true) {
    long long t = tkeys[s];
    if (t == k) { v = tvals[s]; break; }
    if (t == -1ll) break;
    s = (s + 1) & mask;
  }
  out[i] = v;
  if (v >= 0) atomicAdd(matches, 1ull);
}
"""


def hashjoin(variant, clock):
    if variant == "partition":
        # hash-partition rows into 1024 buckets: hash, count, order, scatter (a shuffle's map side)
        n, parts = 1 << 27, 1024
        keys = _keys(n).abs_()
        vals = torch.arange(n, device=DEV, dtype=torch.int64)
        out_k = torch.empty_like(keys)
        out_v = torch.empty_like(vals)
        dest = torch.empty_like(vals)

        def step():
            part = _mix64(keys) & (parts - 1)
            counts = torch.bincount(part, minlength=parts)
            starts = torch.cumsum(counts, 0) - counts  # each bucket's first slot
            order = torch.argsort(part, stable=True)
            dest[order] = vals  # vals is 0..n-1: row order[i] goes to slot i
            out_k[dest] = keys  # scatter rows into their buckets
            out_v[dest] = vals
            return starts
        torch_loop(step, clock)
    elif variant == "probe":
        import cupy as cp
        mod = cp.RawModule(code=HASHJOIN_SRC)
        build, probe = mod.get_function("build"), mod.get_function("probe")
        n_build, n_probe = 1 << 25, 1 << 27
        slots = 1 << 26  # load factor 0.5
        mask = cp.uint64(slots - 1)
        cp.random.seed(1)
        bkeys = cp.random.randint(0, 1 << 40, size=n_build, dtype=cp.int64)
        bvals = cp.arange(n_build, dtype=cp.int32)
        tkeys = cp.full(slots, -1, dtype=cp.int64)
        tvals = cp.zeros(slots, dtype=cp.int32)
        build(((n_build + 255) // 256,), (256,), (bkeys, bvals, cp.int32(n_build), tkeys, tvals, mask))
        # half the probe keys hit the build side, half miss
        pkeys = cp.where(cp.random.random(n_probe) < 0.5, bkeys[cp.random.randint(0, n_build, size=n_probe)],
                         cp.random.randint(1 << 40, 1 << 41, size=n_probe, dtype=cp.int64))
        out = cp.empty(n_probe, dtype=cp.int32)
        matches = cp.zeros(1, dtype=cp.uint64)
        cp.cuda.Device().synchronize()
        clock.ready()
        while clock.running():
            probe(((n_probe + 255) // 256,), (256,), (pkeys, cp.int32(n_probe), tkeys, tvals, mask, out, matches))
            cp.cuda.Device().synchronize()
        int(matches.get()[0])
    else:
        raise ValueError(f"unknown variant {variant!r}")


def embedding(variant, clock):
    """Lookups in an 8 GiB embedding table: random rows gathered and pooled (a recommender's serving path)."""
    rows, dim = 1 << 24, 128  # fp32: 8 GiB
    table = torch.empty(rows, dim, device=DEV).uniform_(-0.05, 0.05)
    batch, per_bag = 16384, 40
    offsets = torch.arange(0, batch * per_bag, per_bag, device=DEV)

    def step():
        if variant == "uniform":
            idx = torch.randint(0, rows, (batch * per_bag,), device=DEV)
        elif variant == "zipf":
            idx = (rows * torch.rand(batch * per_bag, device=DEV).pow(4)).long()
        else:
            raise ValueError(f"unknown variant {variant!r}")
        return torch.nn.functional.embedding_bag(idx, table, offsets, mode="sum")
    torch_loop(step, clock)


def histogram(variant, clock):
    n = 1 << 26  # torch 2.11's histc faulted on 2^27 floats in the shared capture: stay below
    if variant == "bincount":
        keys = torch.randint(0, 1 << 16, (n,), device=DEV)

        def step():
            return torch.bincount(keys, minlength=1 << 16)
    elif variant == "histc":
        vals = torch.randn(n, device=DEV)

        def step():
            return torch.histc(vals, bins=4096, min=-4.0, max=4.0)
    else:
        raise ValueError(f"unknown variant {variant!r}")
    torch_loop(step, clock)


def compress(variant, clock):
    """Compression-like integer work with tensor ops."""
    n = 1 << 28
    if variant == "bitpack":
        vals = torch.randint(0, 16, (n,), device=DEV, dtype=torch.uint8)

        def step():
            # 4-bit values, two to a byte, and back
            pairs = vals.view(-1, 2)
            packed = pairs[:, 0] | (pairs[:, 1] << 4)
            lo, hi = packed & 15, packed >> 4
            return torch.stack([lo, hi], 1).view(-1).eq(vals).all()
    elif variant == "delta_rle":
        # sorted-ish int32 column: delta, zigzag, run-length of the deltas
        col = torch.cumsum(torch.randint(0, 3, (n,), device=DEV, dtype=torch.int32), 0, dtype=torch.int32)

        def step():
            d = torch.diff(col, prepend=col[:1])
            z = (d << 1) ^ (d >> 31)
            runs, counts = torch.unique_consecutive(z, return_counts=True)
            nbytes = (z.clamp(min=1).float().log2().floor() / 7 + 1).floor().sum()  # varint sizes
            return runs.numel() + counts.sum() + nbytes
    elif variant == "shuffle":
        # byte shuffle (as blosc does before compressing): bytes of int32 words grouped by position
        words = torch.randint(-(1 << 31), (1 << 31) - 1, (n // 2,), device=DEV, dtype=torch.int32)

        def step():
            b = words.view(torch.uint8).view(-1, 4)
            shuffled = b.t().contiguous()
            back = shuffled.t().contiguous().view(torch.int32).view(-1)
            return back[:1]
    else:
        raise ValueError(f"unknown variant {variant!r}")
    torch_loop(step, clock)


def bfs(variant, clock):
    """Breadth-first search over a random CSR graph: frontier expansion by gather/scatter."""
    nodes, degree = 1 << 24, 16
    g = torch.Generator(device=DEV).manual_seed(3)
    col = torch.randint(0, nodes, (nodes * degree,), device=DEV, generator=g)
    rowptr = torch.arange(0, nodes * degree + 1, degree, device=DEV)
    deg = rowptr[1:] - rowptr[:-1]

    def step():
        dist = torch.full((nodes,), -1, device=DEV, dtype=torch.int32)
        frontier = torch.randint(0, nodes, (1,), device=DEV, generator=g)
        dist[frontier] = 0
        level = 0
        while frontier.numel() > 0 and (clock.end is None or clock.running()):
            level += 1
            counts = deg[frontier]
            starts = rowptr[frontier]
            # the CSR neighbour indices of every frontier node
            base = torch.repeat_interleave(starts - torch.cumsum(counts, 0) + counts, counts)
            nbr = col[base + torch.arange(base.numel(), device=DEV)]
            new = nbr[dist[nbr] < 0]
            new = torch.unique(new)
            dist[new] = level
            frontier = new
        return dist
    if variant != "csr":
        raise ValueError(f"unknown variant {variant!r}")
    torch_loop(step, clock)


def fft(variant, clock):
    if variant == "c2c":
        x = torch.randn(64, 2048, 2048, device=DEV, dtype=torch.complex64)

        def step():
            return torch.fft.ifft2(torch.fft.fft2(x))
    elif variant == "r2c":
        x = torch.randn(1 << 28, device=DEV)

        def step():
            return torch.fft.irfft(torch.fft.rfft(x), n=x.numel())
    else:
        raise ValueError(f"unknown variant {variant!r}")
    torch_loop(step, clock)


def fp64(variant, clock):
    if variant == "gemm":
        a = torch.randn(8192, 8192, device=DEV, dtype=torch.float64)
        b = torch.randn(8192, 8192, device=DEV, dtype=torch.float64)

        def step():
            return a @ b
    elif variant == "stencil":
        # 3-D 7-point Jacobi sweeps in double precision
        u = torch.rand(512, 512, 512, device=DEV, dtype=torch.float64)
        v = torch.zeros_like(u)

        def step():
            nonlocal u, v
            c = u[1:-1, 1:-1, 1:-1]
            v[1:-1, 1:-1, 1:-1] = (c * 0.4 + 0.1 * (u[:-2, 1:-1, 1:-1] + u[2:, 1:-1, 1:-1] + u[1:-1, :-2, 1:-1]
                                                    + u[1:-1, 2:, 1:-1] + u[1:-1, 1:-1, :-2] + u[1:-1, 1:-1, 2:]))
            u, v = v, u
            return u
    else:
        raise ValueError(f"unknown variant {variant!r}")
    torch_loop(step, clock)


def copy(variant, clock):
    nbytes = 1 << 30
    dev = torch.empty(nbytes, dtype=torch.uint8, device=DEV)
    if variant in ("h2d_pinned", "d2h_pinned"):
        host = torch.empty(nbytes, dtype=torch.uint8).pin_memory()
    elif variant in ("h2d_pageable",):
        host = torch.empty(nbytes, dtype=torch.uint8)
    elif variant == "d2d":
        other = torch.empty(4 * nbytes, dtype=torch.uint8, device=DEV)
        dev = torch.empty(4 * nbytes, dtype=torch.uint8, device=DEV)
    else:
        raise ValueError(f"unknown variant {variant!r}")

    def step():
        if variant.startswith("h2d"):
            dev.copy_(host, non_blocking=variant == "h2d_pinned")
        elif variant == "d2h_pinned":
            host.copy_(dev, non_blocking=True)
        else:
            other.copy_(dev)
    torch_loop(step, clock)


def bursty(variant, clock):
    """Interactive use: a burst of work (a notebook cell, a request) then an idle gap."""
    gaps = {"short": (0.3, 2.0), "long": (2.0, 8.0)}
    if variant not in gaps:
        raise ValueError(f"unknown variant {variant!r}")
    lo, hi = gaps[variant]
    rnd = random.Random(11)
    a = torch.randn(4096, 4096, device=DEV, dtype=torch.bfloat16)
    x = torch.randn(1 << 24, device=DEV)
    torch.cuda.synchronize()
    clock.ready()
    while clock.running():
        t_end = time.time() + rnd.uniform(0.1, 1.5)
        kind = rnd.randrange(3)
        while time.time() < t_end:
            if kind == 0:
                a = torch.tanh(a @ a.t() / 64)
            elif kind == 1:
                torch.sort(x)
            else:
                x.cpu()
            torch.cuda.synchronize()
        time.sleep(min(rnd.uniform(lo, hi), clock.left()))


def idle(variant, clock):
    torch.zeros(1, device=DEV)  # a context on the GPU, as an idle notebook kernel holds
    clock.ready()
    time.sleep(clock.seconds)
