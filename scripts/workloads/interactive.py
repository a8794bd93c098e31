"""Interactive and bursty benign use (label 0): a GPU that a person or a request stream drives, busy in stretches of
a fraction of a second to several seconds with idle gaps between, as a cycling miner's on/off phases are.

Before this module the project had one such kind (`bursty`, datawork.py: a GEMM, a sort or a copy in bursts). These
are the shapes of interactive use a fleet's GPUs see most, each with its own rhythm:

  serving   an LLM inference server under a request stream: requests arrive by a Poisson process (0.7 a second
            `light`, 5 a second `busy`: a small model; `large`: a 7B-class one at 1.5 a second), each with a prompt of 64-1024 tokens and 16-128 tokens to generate. The
            server takes every request waiting (up to 16) as one batch: a prefill of the padded prompts (causal
            SDPA), then greedy decoding a token a step for the longest request's count, with a preallocated KV
            cache; the generated tokens go back to the host with each batch. Between batches, when no request
            waits, the GPU idles until the next arrival. A bf16 decoder of 8 layers, width 1024 (`large`: 32
            layers, width 4096, FFN 11008, batches of up to 8).
  notebook  a person in a notebook: a cell of work, then 2-12 s of reading and typing. `dataframe`: cells of table
            work on 16M rows (an int64 key of Zipf-skewed values, three float32 columns): group-by means by sort and
            segment sums, a join by binary search into a sorted 1M-row dimension table, value counts, quantiles of a
            filtered column, rolling means by cumulative sums, a describe (mean, std, min, max); each cell's result
            copied to the host as a notebook prints it. `model`: cells that fit a small MLP on 1M x 64 samples with
            Adam for 50-400 steps (bf16 autocast), evaluate it and copy the predictions back to plot them.
  sweep     a hyperparameter sweep run one trial after another: each trial a fresh model (width, depth and
            learning rate drawn), trained 4-10 s, evaluated, its weights copied to the host as a checkpoint, then
            1-3 s with the GPU idle while the next trial's process would start (the caching allocator emptied).
            `mlp`: MLPs on 256-wide tabular batches; `cnn`: small residual CNNs on 32 x 32 images, channels-last,
            bf16 autocast.
  viz       an interactive volume viewer: each frame ray-marches a 256^3 fp16 volume (3-D grid_sample along 96 steps
            of a 384 x 512 view from a camera turning a little each frame), maps density to colour and opacity by
            a transfer function, composites front to back (cumulative products) and copies the 8-bit image to the
            host, then sleeps to the frame deadline (`fps30`, `fps60`): a duty cycle well under a second.

Every kind draws its randomness from a fixed seed, so two runs do the same work. ABP_WORKLOAD_DEVICE=cpu runs them on
the CPU (the check is that the code runs, not how fast; only `serving/large` is shrunk there, to the small model).
"""
import math
import os
import random
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

DEV = os.environ.get("ABP_WORKLOAD_DEVICE", "cuda")


def _sync():
    if DEV == "cuda":
        torch.cuda.synchronize()


def _attend(q, k, v, causal):
    """Attention: PyTorch's fused SDPA (the GPU machine's torch 2), or the same sum written out where an older
    torch lacks it (Debian's 1.13, for a CPU check of the code)."""
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    s = (q @ k.transpose(-1, -2)).float() / math.sqrt(q.shape[-1])
    if causal:
        s = s.masked_fill(torch.ones(s.shape[-2:], dtype=torch.bool, device=s.device).triu(1), float("-inf"))
    return (s.softmax(-1).to(v.dtype)) @ v


def _sleep(seconds, clock):
    time.sleep(max(0.0, min(seconds, clock.left())))


# ---------------------------------------------------------------------------------------------------- serving

# The server's variants: (requests a second, layers, width, heads, FFN width, largest batch). `light` and `busy` serve a
# small model, which an H100 answers so fast that its GPU reads idle on most samples (capture cl: 56-62 of 64);
# `large` serves a 7B-class model (32 layers, width 4096: 13 GB of bf16 weights) at 1.5 requests a second, as a
# team's own inference box does.
SERVING = {"light": (0.7, 8, 1024, 8, 2816, 16), "busy": (5.0, 8, 1024, 8, 2816, 16),
           "large": (1.5, 32, 4096, 32, 11008, 8)}


def serving(variant, clock, vocab=32000, ctx=1152):
    if variant not in SERVING:
        raise ValueError(f"unknown variant {variant!r}")
    rate, layers, width, heads, ffn, max_batch = SERVING[variant]
    if DEV == "cpu" and width > 1024:  # a CPU check of the code, not of the sizes: 13 GB of weights would not fit
        layers, width, heads, ffn = 4, 1024, 8, 2816
    hd, dt = width // heads, torch.bfloat16
    g = torch.Generator(device=DEV).manual_seed(0)

    def w(*shape):
        return (torch.randn(*shape, device=DEV, generator=g) * 0.02).to(dt)
    blocks = [{"qkv": w(width, 3 * width), "o": w(width, width), "gu": w(width, 2 * ffn), "down": w(ffn, width)}
              for _ in range(layers)]
    emb, head = w(vocab, width), w(width, vocab)
    kcache = torch.zeros(layers, max_batch, heads, ctx, hd, device=DEV, dtype=dt)
    vcache = torch.zeros_like(kcache)

    def rms(x):
        return x * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + 1e-6).to(x.dtype)

    def layer(i, b, x, pos, causal):
        n, t = x.shape[0], x.shape[1]
        q, k, v = (rms(x) @ b["qkv"]).view(n, t, 3, heads, hd).permute(2, 0, 3, 1, 4)
        kcache[i, :n, :, pos:pos + t] = k
        vcache[i, :n, :, pos:pos + t] = v
        o = _attend(q, kcache[i, :n, :, :pos + t], vcache[i, :n, :, :pos + t], causal)
        x = x + o.transpose(1, 2).reshape(n, t, width) @ b["o"]
        gate, up = (rms(x) @ b["gu"]).chunk(2, -1)
        return x + (F.silu(gate) * up) @ b["down"]

    def serve(reqs):
        n, plen = len(reqs), max(p for p, _ in reqs)
        toks = torch.randint(0, vocab, (n, plen), device=DEV, generator=g)
        x = emb[toks]
        for i, b in enumerate(blocks):
            x = layer(i, b, x, 0, True)
        tok = (rms(x[:, -1:]) @ head).argmax(-1)
        out = [tok]
        for step in range(max(m for _, m in reqs) - 1):
            x = emb[tok]
            for i, b in enumerate(blocks):
                x = layer(i, b, x, plen + step, False)
            tok = (rms(x) @ head).argmax(-1)
            out.append(tok)
        return torch.cat(out, 1).cpu()  # the tokens go back to the clients

    rnd = random.Random(1)
    with torch.inference_mode():
        serve([(64, 2)])  # warm-up: kernels chosen, cache touched
        _sync()
        clock.ready()
        start = time.time()
        arrivals = []  # (arrival time, prompt length, tokens to generate), in order
        nxt = start + rnd.expovariate(rate)
        while clock.running():
            now = time.time()
            while nxt <= now:
                arrivals.append((nxt, rnd.randint(64, 1024), rnd.randint(16, 128)))
                nxt += rnd.expovariate(rate)
            if not arrivals:
                _sleep(nxt - now, clock)
                continue
            batch, arrivals = arrivals[:max_batch], arrivals[max_batch:]
            serve([(p, m) for _, p, m in batch])


# ---------------------------------------------------------------------------------------------------- notebook

def notebook(variant, clock):
    cells = {"dataframe": _dataframe_cells, "model": _model_cells}
    if variant not in cells:
        raise ValueError(f"unknown variant {variant!r}")
    rnd = random.Random(2)
    g = torch.Generator(device=DEV).manual_seed(2)
    cell = cells[variant](g, rnd)
    cell()  # the notebook's first cell: load and look
    _sync()
    clock.ready()
    while clock.running():
        _sleep(rnd.uniform(2.0, 12.0), clock)  # reading the output, typing the next cell
        if clock.running():
            cell()


def _dataframe_cells(g, rnd, rows=1 << 24, dim_rows=1 << 20):
    # A Zipf-skewed key (a few keys hold most rows, as customer or page ids do) and three value columns.
    ranks = torch.rand(rows, device=DEV, generator=g)
    key = (dim_rows * ranks.pow(3)).long().clamp_(max=dim_rows - 1)
    cols = torch.randn(3, rows, device=DEV, generator=g)
    dim_key = torch.randperm(dim_rows * 2, device=DEV, generator=g)[:dim_rows].sort().values
    dim_val = torch.rand(dim_rows, device=DEV, generator=g)

    def groupby():
        c = cols[rnd.randrange(3)]
        sums = torch.zeros(dim_rows, device=DEV).index_add_(0, key, c)
        counts = torch.bincount(key, minlength=dim_rows)
        return (sums / counts.clamp(min=1)).topk(20).values

    def sort_groupby():
        k, order = key.sort()
        c = cols[rnd.randrange(3)][order]
        uniq, counts = torch.unique_consecutive(k, return_counts=True)
        ends = counts.cumsum(0)
        cs = torch.cat([torch.zeros(1, device=DEV), c.cumsum(0)])
        return ((cs[ends] - cs[ends - counts]) / counts)[:20]

    def join():
        probe = key * 2 + (key & 1)
        i = torch.searchsorted(dim_key, probe).clamp_(max=dim_rows - 1)
        hit = dim_key[i] == probe
        return (cols[0][hit] * dim_val[i[hit]]).sum()

    def value_counts():
        _, counts = torch.unique(key, return_counts=True)
        return counts.topk(20).values

    def quantiles():
        c = cols[rnd.randrange(3)]
        sel = c[cols[(rnd.randrange(2) + 1) % 3] > rnd.uniform(-1, 1)]
        sample = sel[torch.randint(0, sel.numel(), (1 << 22,), device=DEV, generator=g)]
        return torch.quantile(sample, torch.tensor([0.01, 0.25, 0.5, 0.75, 0.99], device=DEV))

    def rolling():
        c = cols[rnd.randrange(3)]
        cs = c.cumsum(0)
        win = rnd.choice([10, 100, 1000])
        r = (cs[win:] - cs[:-win]) / win
        return torch.stack([r.mean(), r.std(), r.min(), r.max()])

    def describe():
        return torch.cat([cols.mean(1), cols.std(1), cols.min(1).values, cols.max(1).values])

    ops = [groupby, sort_groupby, join, value_counts, quantiles, rolling, describe]

    def cell():
        for _ in range(rnd.randint(1, 6)):  # a cell runs a few operations, each printed
            rnd.choice(ops)().cpu()
    return cell


def _model_cells(g, rnd, n=1 << 20, d=64):
    x = torch.randn(n, d, device=DEV, generator=g)
    wt = torch.randn(d, 1, device=DEV, generator=g)
    y = (torch.tanh(x @ wt) + 0.1 * torch.randn(n, 1, device=DEV, generator=g)).squeeze(1)

    def cell():
        width = rnd.choice([128, 256, 512, 1024])
        model = nn.Sequential(nn.Linear(d, width), nn.GELU(), nn.Linear(width, width), nn.GELU(), nn.Linear(width, 1)).to(DEV)
        opt = torch.optim.Adam(model.parameters(), lr=rnd.choice([1e-3, 3e-4, 1e-4]))
        for _ in range(rnd.randint(50, 400)):
            idx = torch.randint(0, n, (4096,), device=DEV, generator=g)
            with torch.autocast(DEV, dtype=torch.bfloat16):
                loss = F.mse_loss(model(x[idx]).squeeze(1).float(), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        with torch.no_grad(), torch.autocast(DEV, dtype=torch.bfloat16):
            pred = model(x[: 1 << 16]).float()
        pred.cpu()  # to the plot
        loss.item()
    return cell


# ---------------------------------------------------------------------------------------------------- sweep

class _Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        self.c2, self.b2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(x + self.b2(self.c2(F.relu(self.b1(self.c1(x))))))


def _trial_model(variant, rnd):
    if variant == "mlp":
        width, depth = rnd.choice([512, 1024, 2048]), rnd.randint(2, 6)
        layers = [nn.Linear(256, width), nn.ReLU()]
        for _ in range(depth - 1):
            layers += [nn.Linear(width, width), nn.ReLU()]
        return nn.Sequential(*layers, nn.Linear(width, 10))
    c, depth = rnd.choice([32, 64, 96]), rnd.randint(2, 5)
    return nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.ReLU(), *[_Block(c) for _ in range(depth)],
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 10))


def sweep(variant, clock):
    if variant not in ("mlp", "cnn"):
        raise ValueError(f"unknown variant {variant!r}")
    rnd = random.Random(3)
    g = torch.Generator(device=DEV).manual_seed(3)
    shape = (512, 256) if variant == "mlp" else (256, 3, 32, 32)

    def batch():
        x = torch.randn(*shape, device=DEV, generator=g)
        if variant == "cnn":
            x = x.contiguous(memory_format=torch.channels_last)
        return x, torch.randint(0, 10, (shape[0],), device=DEV, generator=g)

    def trial(seconds):
        model = _trial_model(variant, rnd).to(DEV)
        if variant == "cnn":
            model = model.to(memory_format=torch.channels_last)
        opt = torch.optim.SGD(model.parameters(), lr=rnd.choice([0.1, 0.03, 0.01]), momentum=0.9)
        end = time.time() + seconds
        steps = 0
        while time.time() < end and (clock.end is None or clock.running()):
            x, y = batch()
            with torch.autocast(DEV, dtype=torch.bfloat16):
                loss = F.cross_entropy(model(x).float(), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            steps += 1
            if steps % 20 == 0:
                loss.item()  # the trial's log line
        with torch.no_grad(), torch.autocast(DEV, dtype=torch.bfloat16):
            for _ in range(10):
                x, y = batch()
                (model(x).argmax(1) == y).float().mean().item()
        {k: v.cpu() for k, v in model.state_dict().items()}  # the checkpoint

    trial(0.0)  # warm-up
    _sync()
    clock.ready()
    while clock.running():
        trial(rnd.uniform(4.0, 10.0))
        if DEV == "cuda":
            torch.cuda.empty_cache()  # the trial's process ends: its memory goes back
        _sleep(rnd.uniform(1.0, 3.0), clock)


# ---------------------------------------------------------------------------------------------------- viz

def viz(variant, clock, size=256, steps=96, h=384, w=512):
    fps = {"fps30": 30, "fps60": 60}
    if variant not in fps:
        raise ValueError(f"unknown variant {variant!r}")
    period = 1.0 / fps[variant]
    g = torch.Generator(device=DEV).manual_seed(4)
    # A smooth density: blurred noise, as a CT or simulation volume looks.
    dt = torch.float16 if DEV == "cuda" else torch.float32
    vol = torch.rand(1, 1, size // 8, size // 8, size // 8, device=DEV, generator=g)
    vol = F.interpolate(vol, size=(size, size, size), mode="trilinear", align_corners=False).to(dt)
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h, device=DEV), torch.linspace(-1, 1, w, device=DEV), indexing="ij")
    ts = torch.linspace(-1, 1, steps, device=DEV)
    state = {"angle": 0.0}

    def frame():
        a = state["angle"]
        c, s = math.cos(a), math.sin(a)
        # Rays along z in view space, rotated about y: sample points (1, steps, h, w, 3) in [-1, 1]^3.
        px = xs[None] * c + ts[:, None, None] * s
        pz = -xs[None] * s + ts[:, None, None] * c
        grid = torch.stack([px, ys[None].expand_as(px), pz], -1)[None].to(dt)
        d = F.grid_sample(vol, grid, mode="bilinear", align_corners=False)[0, 0].float()  # (steps, h, w)
        alpha = torch.sigmoid((d - 0.5) * 12) * 0.08
        trans = torch.cumprod(torch.cat([torch.ones_like(alpha[:1]), 1 - alpha[:-1]]), 0)
        wgt = trans * alpha
        rgb = torch.stack([(wgt * d).sum(0), (wgt * d * d).sum(0), (wgt * (1 - d)).sum(0)], -1)
        img = (rgb.clamp(0, 1) * 255).to(torch.uint8)
        state["angle"] = a + 0.01
        return img.cpu()  # to the window

    frame()
    _sync()
    clock.ready()
    deadline = time.time()
    while clock.running():
        frame()
        deadline += period
        now = time.time()
        if deadline > now:
            _sleep(deadline - now, clock)
        else:
            deadline = now  # a late frame: the next one starts now, as a viewer drops frames
