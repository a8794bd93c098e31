"""Deep-learning training and inference (label 0) in several precisions and model shapes.

Precision variants: bf16 and fp16 (autocast; fp16 training with a GradScaler),
fp32 (TF32 off), tf32 (fp32 with TF32 tensor cores on), int8 (torch._int_mm on
int8 tensor cores) and fp8 (torch._scaled_mm with float8_e4m3fn).
"""
import contextlib

import torch
import torch.nn as nn
import torch.nn.functional as F

DEV = "cuda"


def _precision(variant):
    """(autocast context factory, GradScaler or None) for a float precision variant."""
    torch.backends.cuda.matmul.allow_tf32 = variant == "tf32"
    torch.backends.cudnn.allow_tf32 = variant == "tf32"
    if variant in ("bf16", "fp16"):
        dtype = torch.bfloat16 if variant == "bf16" else torch.float16
        scaler = torch.amp.GradScaler("cuda") if variant == "fp16" else None
        return (lambda: torch.autocast("cuda", dtype=dtype)), scaler
    if variant in ("fp32", "tf32"):
        return contextlib.nullcontext, None
    raise ValueError(f"unknown precision {variant!r}")


def _train(model, batch_fn, loss_fn, variant, clock, lr=1e-3):
    autocast, scaler = _precision(variant)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    x, y = batch_fn()
    with autocast():  # one warm-up step: cuDNN/cuBLAS plans before the clock starts
        loss_fn(model(x), y).backward()
    opt.zero_grad(set_to_none=True)
    torch.cuda.synchronize()
    clock.ready()
    step = 0
    while clock.running():
        x, y = batch_fn()
        with autocast():
            loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            opt.step()
        if step % 10 == 0:
            loss.item()  # a host sync now and then, as a training loop's logging does
        step += 1
    torch.cuda.synchronize()


def _host_batch(shape, classes, batch, ready=4):
    """Batches waiting in pinned host memory, copied over each step, as a data loader's prefetch does."""
    xs = [torch.randn(batch, *shape).pin_memory() for _ in range(ready)]
    ys = [torch.randint(0, classes, (batch,)).pin_memory() for _ in range(ready)]
    step = 0

    def make():
        nonlocal step
        i = step % ready
        step += 1
        return xs[i].to(DEV, non_blocking=True), ys[i].to(DEV, non_blocking=True)
    return make


def mlp(width=4096, depth=6, classes=1000):
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.GELU()]
    return nn.Sequential(*layers, nn.Linear(width, classes)).to(DEV)


def cnn(classes=1000):
    def block(cin, cout, stride):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                             nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))
    return nn.Sequential(block(3, 64, 2), block(64, 128, 2), block(128, 256, 2), block(256, 512, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, classes)).to(DEV).to(memory_format=torch.channels_last)


class LM(nn.Module):
    """A small transformer language model (self-attention via scaled_dot_product_attention)."""

    def __init__(self, vocab=32000, width=1024, layers=8, heads=16):
        super().__init__()
        self.emb = nn.Embedding(vocab, width)
        layer = nn.TransformerEncoderLayer(width, heads, 4 * width, batch_first=True, norm_first=True)
        self.body = nn.TransformerEncoder(layer, layers)
        self.head = nn.Linear(width, vocab)

    def forward(self, tok):
        return self.head(self.body(self.emb(tok), is_causal=False))


class RNN(nn.Module):
    def __init__(self, kind, width=1024, layers=3, inp=256, classes=100):
        super().__init__()
        cls = nn.LSTM if kind == "lstm" else nn.GRU
        self.rnn = cls(inp, width, layers, batch_first=True)
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


class RecSys(nn.Module):
    """Embedding-bag recommender: sparse features into large tables, then an MLP."""

    def __init__(self, tables=8, rows=1_000_000, dim=128):
        super().__init__()
        self.bags = nn.ModuleList(nn.EmbeddingBag(rows, dim, mode="sum") for _ in range(tables))
        self.top = nn.Sequential(nn.Linear(tables * dim + 256, 1024), nn.ReLU(), nn.Linear(1024, 512), nn.ReLU(), nn.Linear(512, 1))
        self.rows = rows

    def forward(self, inputs):
        dense, idx, offsets = inputs
        feats = [bag(idx[i], offsets) for i, bag in enumerate(self.bags)]
        return self.top(torch.cat(feats + [dense], 1)).squeeze(1)


class SAGE(nn.Module):
    """GraphSAGE-style GNN, full graph: neighbour rows gathered by edge source, summed into
    their destinations (index_add_, scatter atomics), scaled to means, through linear layers."""

    def __init__(self, nodes=1 << 20, edges=1 << 23, din=128, hidden=256, classes=64):
        super().__init__()
        g = torch.Generator(device=DEV).manual_seed(4)
        self.register_buffer("src", torch.randint(0, nodes, (edges,), device=DEV, generator=g))
        self.register_buffer("dst", torch.randint(0, nodes, (edges,), device=DEV, generator=g))
        deg = torch.bincount(self.dst, minlength=nodes).clamp_(min=1)
        self.register_buffer("inv_deg", (1.0 / deg.float()).unsqueeze(1))
        self.s1, self.n1 = nn.Linear(din, hidden), nn.Linear(din, hidden)
        self.s2, self.n2 = nn.Linear(hidden, classes), nn.Linear(hidden, classes)
        self.nodes, self.din, self.classes = nodes, din, classes

    def mean(self, h):
        return torch.zeros_like(h).index_add_(0, self.dst, h[self.src]) * self.inv_deg.to(h.dtype)

    def forward(self, x):
        h = F.relu(self.s1(x) + self.n1(self.mean(x)))
        return self.s2(h) + self.n2(self.mean(h))


def _augmented_batches(batch=128, pool=4, size=224, classes=1000):
    """A data loader's output: decoded uint8 images in pageable host memory (copied through a staging
    buffer each step), cropped, flipped, jittered and normalised on the GPU."""
    import random

    import numpy as np
    rng, rnd = np.random.default_rng(3), random.Random(3)
    images = [rng.integers(0, 256, size=(batch, 3, 256, 256), dtype=np.uint8) for _ in range(pool)]
    labels = torch.randint(0, classes, (batch,)).to(DEV)
    mean = torch.tensor([0.485, 0.456, 0.406], device=DEV).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225], device=DEV).view(1, 3, 1, 1)
    step = 0

    def make():
        nonlocal step
        raw = torch.from_numpy(images[step % pool]).to(DEV)  # pageable: a synchronous copy
        step += 1
        i, j = rnd.randrange(256 - size + 1), rnd.randrange(256 - size + 1)
        x = raw[:, :, i:i + size, j:j + size].float().div_(255.0)
        flip = torch.rand(batch, 1, 1, 1, device=DEV) < 0.5
        x = torch.where(flip, x.flip(3), x)
        x = x * (0.8 + 0.4 * torch.rand(batch, 1, 1, 1, device=DEV))  # brightness jitter
        return ((x - mean) / std).contiguous(memory_format=torch.channels_last), labels
    return make


def train(shape, variant, clock):
    if shape == "mlp":
        model = mlp()
        _train(model, _host_batch((4096,), 1000, 1024), F.cross_entropy, variant, clock)
    elif shape == "cnn":
        model = cnn()

        host = _host_batch((3, 224, 224), 1000, 128)

        def batch():
            x, y = host()
            return x.contiguous(memory_format=torch.channels_last), y
        _train(model, batch, F.cross_entropy, variant, clock)
    elif shape == "transformer":
        model = LM().to(DEV)

        def batch():
            tok = torch.randint(0, 32000, (8, 1024)).pin_memory().to(DEV, non_blocking=True)
            return tok, tok

        def loss(logits, tok):
            return F.cross_entropy(logits.float().view(-1, logits.shape[-1]), tok.view(-1))
        _train(model, batch, loss, variant, clock, lr=1e-4)
    elif shape in ("lstm", "gru"):
        model = RNN(shape).to(DEV)
        _train(model, _host_batch((128, 256), 100, 256), F.cross_entropy, variant, clock)
    elif shape == "recsys":
        model = RecSys().to(DEV)
        batch_size, per_bag = 4096, 20

        def batch():
            dense = torch.randn(batch_size, 256, device=DEV)
            # Zipf-like skew: popular rows are looked up far more often, as in real click logs
            u = torch.rand(8, batch_size * per_bag, device=DEV)
            idx = (model.rows * u.pow(3)).long().clamp_(max=model.rows - 1)
            offsets = torch.arange(0, batch_size * per_bag, per_bag, device=DEV)
            y = torch.randint(0, 2, (batch_size,), device=DEV).float()
            return (dense, idx, offsets), y
        _train(model, batch, F.binary_cross_entropy_with_logits, variant, clock)
    elif shape == "gnn":
        model = SAGE().to(DEV)
        x = torch.randn(model.nodes, model.din, device=DEV)
        y = torch.randint(0, model.classes, (model.nodes,), device=DEV)
        _train(model, lambda: (x, y), F.cross_entropy, variant, clock)
    elif shape == "augment":
        _train(cnn(), _augmented_batches(), F.cross_entropy, variant, clock)
    else:
        raise ValueError(f"unknown model shape {shape!r}")


# ---- inference -------------------------------------------------------------

def _quant_int8(x):
    scale = x.abs().amax().clamp(min=1e-6) / 127.0
    return (x / scale).round_().clamp_(-127, 127).to(torch.int8), scale


def infer_loop(step, clock):
    with torch.inference_mode():
        step()
        torch.cuda.synchronize()
        clock.ready()
        n = 0
        while clock.running():
            out = step()
            n += 1
            if n % 4 == 0:
                out.float().sum().item()  # results go back to the host, as a server's would
    torch.cuda.synchronize()


def infer_mlp(variant, clock, width=8192, depth=8, batch=4096):
    """MLP inference; int8 and fp8 run their GEMMs on the integer / FP8 tensor cores."""
    g = torch.Generator(device=DEV).manual_seed(0)
    ws = [torch.randn(width, width, device=DEV, generator=g) / width ** 0.5 for _ in range(depth)]
    x0 = torch.randn(batch, width, device=DEV, generator=g)
    if variant == "int8":
        qw = [_quant_int8(w) for w in ws]  # weight [out, in]; _int_mm takes its transpose

        def step():
            xq, xs = _quant_int8(x0)
            for wq, wscale in qw:
                acc = torch._int_mm(xq, wq.t())  # int32 accumulators
                h = F.relu(acc.float() * (xs * wscale))
                xq, xs = _quant_int8(h)
            return h
    elif variant == "fp8":
        f8 = torch.float8_e4m3fn
        fmax = torch.finfo(f8).max

        def q8(t):
            scale = (t.abs().amax().float().clamp(min=1e-6) / fmax)
            return (t / scale).to(f8), scale
        qw = [q8(w) for w in ws]

        def step():
            h = x0
            for wq, wscale in qw:
                hq, hs = q8(h)
                h = F.relu(torch._scaled_mm(hq, wq.t(), scale_a=hs, scale_b=wscale, out_dtype=torch.bfloat16))
            return h
    else:
        _precision(variant)  # validates the name and sets the TF32 switches
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(variant, torch.float32)
        wd = [w.to(dtype) for w in ws]
        xd = x0.to(dtype)

        def step():
            h = xd
            for w in wd:
                h = F.relu(h @ w.t())
            return h
    del ws
    infer_loop(step, clock)


def infer_transformer(variant, clock):
    """bf16 transformer: `batch` = big batched encoder passes, `decode` = one token at a time, small batch."""
    model = LM(width=1024, layers=12).to(DEV).to(torch.bfloat16).eval()
    if variant == "batch":
        tok = torch.randint(0, 32000, (32, 512), device=DEV)

        def step():
            return model(tok)
    elif variant == "decode":
        # re-runs a growing context, as a KV-cache-less generator does: small, latency-bound kernels
        ctx = torch.randint(0, 32000, (4, 64), device=DEV)

        def step():
            nonlocal ctx
            nxt = model(ctx)[:, -1].argmax(-1, keepdim=True)
            ctx = torch.cat([ctx, nxt], 1) if ctx.shape[1] < 512 else ctx[:, :64]
            return nxt
    else:
        raise ValueError(f"unknown variant {variant!r}")
    infer_loop(step, clock)


def infer_cnn(variant, clock):
    """CNN inference with batches copied in from the host, results copied back."""
    model = cnn().eval()
    _precision(variant)  # validates the name and sets the TF32 switches
    dtype = torch.bfloat16 if variant == "bf16" else torch.float32
    model = model.to(dtype)
    host = torch.randn(256, 3, 224, 224).to(dtype).pin_memory()

    def step():
        return model(host.to(DEV, non_blocking=True).contiguous(memory_format=torch.channels_last))
    infer_loop(step, clock)
