"""More model shapes and precisions (label 0): long-context prefill, weight-only int4, MoE, 3-D conv, ViT fp16,
batched and fp64 linear algebra.

  linalg         `batched`: Gaussian-process-style solves on many small fp32 matrices: kernel matrices
                 X X^T / n + I (baddbmm), batched Cholesky, two triangular solves and the log-determinant,
                 and a batched QR, for 4096 64x64, 1024 128x128 and 256 256x256 systems a step (QR of
                 256, 64 and 32 of them); `fp64`: LU factorisation and solve of two 4096x4096 fp64 systems
                 (512 right-hand sides) with the residual, and the eigendecomposition of a 2048x2048
                 symmetric fp64 matrix (cuSOLVER)
  infer_prefill  bf16 LLM prefill of long prompts (width 2048, 16 heads of 128, RoPE, SwiGLU 5632): the
                 prompt's keys and values written to a KV cache, causal scaled_dot_product_attention
                 (flash), then the first token from the last position; `s8k` batch 2 x 8192 tokens
                 through 8 layers, `s32k` 1 x 32768 tokens through 4
  infer_w4a16    weight-only int4 LLM (32 layers, width 4096, grouped-query attention 32/8 heads, SwiGLU
                 14336, group-128 bf16 scales and zeros): `decode` generates a token at a time for a batch
                 of 8 with a KV cache, through the fused int4 matmul (torch's _weight_int4pack_mm,
                 "tinygemm") where it runs, else as `prefill` does; `prefill` runs 2048-token prompts,
                 unpacking the nibbles of each weight (shift, mask, interleave), scaling them per group
                 to bf16 and multiplying on the tensor cores, as AWQ-style kernels do for large batches
  train_moe      mixture-of-experts LM training, bf16 autocast: 4 blocks of causal attention + an MoE
                 feed-forward (8 experts of 1024 -> 4096 -> 1024, top-2 router with a load-balancing
                 loss): tokens sorted by expert, gathered, run through each expert, weighted and
                 index_add-ed back; batch 8 x 1024 tokens
  train_conv3d   3-D U-Net segmentation training on 64^3 single-channel volumes (channels 32-256, conv3d
                 3x3x3 + BatchNorm + ReLU, max-pool down, transposed conv up, skip connections, 4-class
                 voxel cross-entropy), bf16 autocast, channels_last_3d, batch 8 from pinned host memory
  train_vit      ViT-B/16 training (12 layers, width 768, 12 heads), 224x224 images, batch 64 from
                 pinned host memory, fp16 autocast with a GradScaler

Sizes live in the arguments' defaults and the tables below, so that a test can shrink them.
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import note, torch_loop
from dl import _host_batch, _train, infer_loop
from genai import _rms, llm_weights

DEV = "cuda"

# ---- linear algebra --------------------------------------------------------------------------------

LINALG_BATCHED = ((64, 4096, 256), (128, 1024, 64), (256, 256, 32))  # (order, systems, QRs) a step
LINALG_FP64 = (4096, 2, 512, 2048)  # LU order, systems, right-hand sides; eigh order


def linalg(variant, clock):
    g = torch.Generator(device=DEV).manual_seed(5)
    if variant == "batched":
        groups = []
        for n, b, bq in LINALG_BATCHED:
            groups.append({"x": torch.randn(b, n, n, device=DEV, generator=g), "y": torch.randn(b, n, 16, device=DEV, generator=g),
                           "m": torch.randn(bq, n, n, device=DEV, generator=g), "eye": torch.eye(n, device=DEV)})

        def step():
            out = []
            for gr in groups:
                n = gr["x"].shape[-1]
                k = torch.baddbmm(gr["eye"], gr["x"], gr["x"].mT, alpha=1.0 / n)  # SPD kernel matrices
                chol, _ = torch.linalg.cholesky_ex(k)  # no error check: no host sync
                z = torch.linalg.solve_triangular(chol, gr["y"], upper=False)
                alpha = torch.linalg.solve_triangular(chol.mT, z, upper=True)  # K^-1 y
                logdet = 2 * chol.diagonal(dim1=-2, dim2=-1).log().sum(-1)
                _, r = torch.linalg.qr(gr["m"])
                out.append((gr["y"] * alpha).sum() + logdet.sum() + r.diagonal(dim1=-2, dim2=-1).abs().sum())
            return torch.stack(out)
    elif variant == "fp64":
        n, m, rhs, ne = LINALG_FP64
        f64 = torch.float64
        a = torch.randn(m, n, n, device=DEV, dtype=f64, generator=g)
        b = torch.randn(m, n, rhs, device=DEV, dtype=f64, generator=g)
        s = torch.randn(ne, ne, device=DEV, dtype=f64, generator=g)
        s = (s + s.mT) / 2

        def step():
            lu, piv, _ = torch.linalg.lu_factor_ex(a)
            x = torch.linalg.lu_solve(lu, piv, b)
            residual = torch.linalg.vector_norm(a @ x - b)
            w, v = torch.linalg.eigh(s)
            return residual + w.sum() + v[:, -1].abs().sum()
    else:
        raise ValueError(f"unknown variant {variant!r}")
    torch_loop(step, clock)


# ---- LLM prefill --------------------------------------------------------------------------------------

PREFILL = {"s8k": (2, 8192, 8), "s32k": (1, 32768, 4)}  # batch, prompt tokens, layers


def _rope_tables(positions, hd, dt):
    inv = 1.0 / (10000.0 ** (torch.arange(0, hd, 2, device=DEV, dtype=torch.float32) / hd))
    ang = torch.arange(positions, device=DEV, dtype=torch.float32)[:, None] * inv[None]
    ang = torch.cat((ang, ang), -1)  # (positions, hd)
    return ang.cos().to(dt), ang.sin().to(dt)


def _rope(x, cos, sin):
    x1, x2 = x.chunk(2, -1)
    return x * cos + torch.cat((-x2, x1), -1) * sin


def infer_prefill(variant, clock, width=2048, heads=16, ffn=5632, vocab=32000):
    if variant not in PREFILL:
        raise ValueError(f"unknown variant {variant!r}")
    batch, seq, layers = PREFILL[variant]
    hd, dt = width // heads, torch.bfloat16
    g = torch.Generator(device=DEV).manual_seed(0)
    # the KV cache the prompt fills, with room for the reply
    blocks, emb, head, nf = llm_weights(layers, width, ffn, vocab, dt, g, lambda w: tuple(
        torch.empty(batch, heads, seq + 256, hd, device=DEV, dtype=dt) for _ in range(2)))
    cos, sin = _rope_tables(seq, hd, dt)

    def step():
        tok = torch.randint(0, vocab, (batch, seq), device=DEV, generator=g)  # a new batch of prompts
        x = emb[tok]  # (batch, seq, width)
        for b in blocks:
            q, k, v = (_rms(x, b["n1"]) @ b["qkv"]).view(batch, seq, 3, heads, hd).permute(2, 0, 3, 1, 4)
            q, k = _rope(q, cos, sin), _rope(k, cos, sin)
            b["k"][:, :, :seq] = k
            b["v"][:, :, :seq] = v
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + o.transpose(1, 2).reshape(batch, seq, width) @ b["o"]
            gate, up = (_rms(x, b["n2"]) @ b["gu"]).chunk(2, -1)
            x = x + (F.silu(gate) * up) @ b["down"]
        return (_rms(x[:, -1], nf) @ head).argmax(-1)  # the first generated token
    infer_loop(step, clock)


# ---- weight-only int4 LLM ------------------------------------------------------------------------------

def _int4_weight(n, k, group, g):
    """A random int4 weight for a [n out, k in] linear layer: two nibbles a byte (the even k index in the high
    nibble), bf16 scale and offset per group of `group` inputs, dequantised as (q - 8) * scale + zero."""
    q = torch.randint(0, 256, (n, k // 2), device=DEV, dtype=torch.uint8, generator=g)
    scale = 0.003 + 0.001 * torch.rand(n, k // group, 1, device=DEV, generator=g)
    zero = 0.001 * torch.randn(n, k // group, 1, device=DEV, generator=g)
    return q, scale.to(torch.bfloat16), (zero - 8 * scale).to(torch.bfloat16)  # the last: the offset, -8 folded in


def _dequant(wq):
    """Integer unpacking: shift and mask the nibbles out of each byte, interleave them back into k order,
    then scale and offset each group into a bf16 weight."""
    q, scale, bias = wq
    nib = torch.stack((q >> 4, q & 15), -1).view(q.shape[0], scale.shape[1], -1)  # (n, k / group, group) uint8
    return torch.addcmul(bias, nib.to(torch.bfloat16), scale).view(q.shape[0], -1)


def _linear_dequant(x, wq):
    return x @ _dequant(wq).t()


def _to_tinygemm(wq):
    """The same weight in the layout of torch's fused int4 matmul: int32 tiles (inner k-tiles 8) and
    [k / group, n, 2] scales and zeros."""
    q, scale, bias = wq
    packed = torch.ops.aten._convert_weight_to_int4pack(q.contiguous(), 8)
    sz = torch.cat((scale, bias + 8 * scale), -1).transpose(0, 1).contiguous()
    return packed, sz, 2 * q.shape[1] // scale.shape[1]  # the last: the group size


def _linear_tinygemm(x, wt):
    packed, sz, group = wt
    return torch.ops.aten._weight_int4pack_mm(x.contiguous(), packed, group, sz)


def infer_w4a16(variant, clock, layers=32, width=4096, heads=32, kv_heads=8, ffn=14336, vocab=32000,
                group=128, batch=8, ctx=2048, prompt=512, tokens=2048):
    if variant not in ("decode", "prefill"):
        raise ValueError(f"unknown variant {variant!r}")
    hd, dt, rep = width // heads, torch.bfloat16, heads // kv_heads
    kvw = kv_heads * hd
    g = torch.Generator(device=DEV).manual_seed(2)
    shapes = {"qkv": (width + 2 * kvw, width), "o": (width, width), "gu": (2 * ffn, width), "down": (width, ffn)}
    blocks = []
    for _ in range(layers):
        b = {name: _int4_weight(n, k, group, g) for name, (n, k) in shapes.items()}
        b["n1"], b["n2"] = torch.ones(width, device=DEV, dtype=dt), torch.ones(width, device=DEV, dtype=dt)
        if variant == "decode":  # the KV cache, prompt positions filled
            b["k"] = torch.randn(batch, kv_heads, ctx, hd, device=DEV, generator=g).to(dt)
            b["v"] = torch.randn(batch, kv_heads, ctx, hd, device=DEV, generator=g).to(dt)
        blocks.append(b)
    emb = (torch.randn(vocab, width, device=DEV, generator=g) * 0.02).to(dt)
    head = (torch.randn(width, vocab, device=DEV, generator=g) * 0.02).to(dt)
    nf = torch.ones(width, device=DEV, dtype=dt)
    cos, sin = _rope_tables(max(ctx, tokens), hd, dt)
    run = {"lin": _linear_dequant, "w": blocks}

    def split_qkv(qkv):  # (..., (heads + 2 kv_heads) * hd) -> q (..., heads, hd), k and v (..., kv_heads, hd)
        lead = qkv.shape[:-1]
        return (qkv[..., :width].reshape(*lead, heads, hd), qkv[..., width:width + kvw].reshape(*lead, kv_heads, hd),
                qkv[..., width + kvw:].reshape(*lead, kv_heads, hd))

    if variant == "decode":
        state = {"pos": prompt, "tok": torch.randint(0, vocab, (batch,), device=DEV, generator=g)}

        def step():
            lin, ws, pos = run["lin"], run["w"], state["pos"]
            x = emb[state["tok"]]  # (batch, width)
            for b, wb in zip(blocks, ws):
                q, k, v = split_qkv(lin(_rms(x, b["n1"]), wb["qkv"]))  # q (batch, heads, hd)
                q, k = _rope(q, cos[pos], sin[pos]), _rope(k, cos[pos], sin[pos])
                b["k"][:, :, pos] = k
                b["v"][:, :, pos] = v
                # grouped-query attention: the query heads sharing a KV head ride along its query axis
                o = F.scaled_dot_product_attention(q.view(batch, kv_heads, rep, hd), b["k"][:, :, :pos + 1], b["v"][:, :, :pos + 1])
                x = x + lin(o.reshape(batch, width), wb["o"])
                gate, up = lin(_rms(x, b["n2"]), wb["gu"]).chunk(2, -1)
                x = x + lin(F.silu(gate) * up, wb["down"])
            state["tok"] = (_rms(x, nf) @ head).argmax(-1)
            state["pos"] = pos + 1 if pos + 1 < ctx else prompt
            return state["tok"]
    else:
        c, s = cos[:tokens, None], sin[:tokens, None]  # (tokens, 1, hd): broadcast over heads

        def step():
            lin, ws = run["lin"], run["w"]
            x = emb[torch.randint(0, vocab, (tokens,), device=DEV, generator=g)]  # a new prompt: (tokens, width)
            for b, wb in zip(blocks, ws):
                q, k, v = split_qkv(lin(_rms(x, b["n1"]), wb["qkv"]))  # (tokens, heads or kv_heads, hd)
                q, k = _rope(q, c, s), _rope(k, c, s)
                q, k, v = (t.transpose(0, 1).unsqueeze(0) for t in (q, k, v))  # (1, heads, tokens, hd)
                k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
                o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
                x = x + lin(o[0].transpose(0, 1).reshape(tokens, width), wb["o"])
                gate, up = lin(_rms(x, b["n2"]), wb["gu"]).chunk(2, -1)
                x = x + lin(F.silu(gate) * up, wb["down"])
            return (_rms(x[-1:], nf) @ head).argmax(-1)

    if variant == "decode" and os.environ.get("ABP_W4A16_PATH") != "dequant":
        # Try the fused int4 matmul end to end (one decode step); on any failure keep explicit unpacking.
        fused = None
        try:
            with torch.inference_mode():
                fused = [{name: _to_tinygemm(b[name]) for name in shapes} for b in blocks]
                x = torch.randn(batch, width, device=DEV, generator=g).to(dt)
                ref = _linear_dequant(x, blocks[0]["qkv"]).float()
                err = (_linear_tinygemm(x, fused[0]["qkv"]).float() - ref).norm() / ref.norm()
                run.update(lin=_linear_tinygemm, w=fused)
                step()
                torch.cuda.synchronize()
            for b in blocks:  # the packed copies replace the byte-packed ones
                for name in shapes:
                    b[name] = None
            note(f"infer_w4a16/decode: fused int4 matmul (_weight_int4pack_mm), relative difference from explicit unpacking {err.item():.3g}")
        except Exception as e:  # noqa: BLE001 - any failure of the fused op means: use the explicit path
            fused = None
            run.update(lin=_linear_dequant, w=blocks)
            note(f"infer_w4a16/decode: fused int4 matmul unavailable ({type(e).__name__}: {str(e)[:200]}); explicit unpacking")
    else:
        note(f"infer_w4a16/{variant}: explicit unpacking of int4 weights to bf16, then bf16 matmuls")
    infer_loop(step, clock)


# ---- mixture-of-experts training ------------------------------------------------------------------------

class MoE(nn.Module):
    """Top-k routed experts: tokens sorted by expert, gathered, run through each, scattered back weighted."""

    def __init__(self, width, experts, hidden, top=2):
        super().__init__()
        self.router = nn.Linear(width, experts, bias=False)
        self.w1 = nn.Parameter(torch.randn(experts, width, hidden, device=DEV) * width ** -0.5)
        self.w2 = nn.Parameter(torch.randn(experts, hidden, width, device=DEV) * hidden ** -0.5)
        self.experts, self.top, self.aux = experts, top, None

    def forward(self, x):  # (tokens, width)
        probs = self.router(x).float().softmax(-1)
        gate, eid = probs.topk(self.top, -1)
        gate = gate / gate.sum(-1, keepdim=True)
        flat = eid.flatten()
        order = torch.sort(flat, stable=True).indices  # slots grouped by expert
        tok = order // self.top  # the token of each sorted slot
        counts = torch.bincount(flat, minlength=self.experts)
        xs = x[tok]
        outs = [F.gelu(chunk @ self.w1[e]) @ self.w2[e] for e, chunk in enumerate(xs.split(counts.tolist()))]
        y = torch.cat(outs)
        y = y * gate.flatten()[order].unsqueeze(1).to(y.dtype)
        # load balancing (Switch Transformer): fraction of slots routed to each expert x its mean probability
        self.aux = self.experts * (counts.float() / flat.numel() * probs.mean(0)).sum()
        return y.new_zeros(x.shape).index_add_(0, tok, y)


class MoEBlock(nn.Module):
    def __init__(self, width, heads, experts):
        super().__init__()
        self.n1, self.qkv, self.o = nn.LayerNorm(width), nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.n2, self.moe, self.heads = nn.LayerNorm(width), MoE(width, experts, 4 * width), heads

    def forward(self, x):
        b, s, w = x.shape
        q, k, v = self.qkv(self.n1(x)).view(b, s, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)
        x = x + self.o(F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, s, w))
        return x + self.moe(self.n2(x).reshape(b * s, w)).view(b, s, w)


class MoELM(nn.Module):
    def __init__(self, vocab, width, layers, heads, experts):
        super().__init__()
        self.emb = nn.Embedding(vocab, width)
        self.blocks = nn.ModuleList(MoEBlock(width, heads, experts) for _ in range(layers))
        self.norm, self.head = nn.LayerNorm(width), nn.Linear(width, vocab)

    def forward(self, tok):
        x = self.emb(tok)
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x))

    def aux(self):
        return sum(blk.moe.aux for blk in self.blocks)


def train_moe(variant, clock, layers=4, width=1024, heads=16, experts=8, batch=8, seq=1024, vocab=32000):
    model = MoELM(vocab, width, layers, heads, experts).to(DEV)

    def batch_fn():
        tok = torch.randint(0, vocab, (batch, seq)).pin_memory().to(DEV, non_blocking=True)
        return tok, tok

    def loss(logits, tok):
        return F.cross_entropy(logits.float().view(-1, vocab), tok.view(-1)) + 0.01 * model.aux()
    _train(model, batch_fn, loss, variant, clock, lr=1e-4)


# ---- 3-D convolution training ---------------------------------------------------------------------------

def _conv3(cin, cout):
    return nn.Sequential(nn.Conv3d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm3d(cout), nn.ReLU(inplace=True),
                         nn.Conv3d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm3d(cout), nn.ReLU(inplace=True))


class UNet3D(nn.Module):
    def __init__(self, cin=1, classes=4, ch=(32, 64, 128, 256)):
        super().__init__()
        c0, c1, c2, c3 = ch
        self.e0, self.e1, self.e2, self.mid = _conv3(cin, c0), _conv3(c0, c1), _conv3(c1, c2), _conv3(c2, c3)
        self.pool = nn.MaxPool3d(2)
        self.u2, self.d2 = nn.ConvTranspose3d(c3, c2, 2, stride=2), _conv3(2 * c2, c2)
        self.u1, self.d1 = nn.ConvTranspose3d(c2, c1, 2, stride=2), _conv3(2 * c1, c1)
        self.u0, self.d0 = nn.ConvTranspose3d(c1, c0, 2, stride=2), _conv3(2 * c0, c0)
        self.out = nn.Conv3d(c0, classes, 1)

    def forward(self, x):
        s0 = self.e0(x)
        s1 = self.e1(self.pool(s0))
        s2 = self.e2(self.pool(s1))
        h = self.mid(self.pool(s2))
        h = self.d2(torch.cat([self.u2(h), s2], 1))
        h = self.d1(torch.cat([self.u1(h), s1], 1))
        h = self.d0(torch.cat([self.u0(h), s0], 1))
        return self.out(h)


def train_conv3d(variant, clock, batch=8, size=64, classes=4, ch=(32, 64, 128, 256), ready=4):
    cl = torch.channels_last_3d
    model = UNet3D(1, classes, ch).to(DEV).to(memory_format=cl)
    xs = [torch.randn(batch, 1, size, size, size).pin_memory() for _ in range(ready)]
    ys = [torch.randint(0, classes, (batch, size, size, size), dtype=torch.uint8).pin_memory() for _ in range(ready)]
    state = {"i": 0}

    def batch_fn():
        i = state["i"] % ready
        state["i"] += 1
        x = xs[i].to(DEV, non_blocking=True).contiguous(memory_format=cl)
        return x, ys[i].to(DEV, non_blocking=True).long()
    _train(model, batch_fn, F.cross_entropy, variant, clock)


# ---- vision transformer training ----------------------------------------------------------------------

class ViT(nn.Module):
    def __init__(self, size=224, patch=16, width=768, layers=12, heads=12, classes=1000):
        super().__init__()
        self.patch = nn.Conv2d(3, width, patch, patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, width))
        self.pos = nn.Parameter(torch.randn(1, (size // patch) ** 2 + 1, width) * 0.02)
        layer = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
        self.body = nn.TransformerEncoder(layer, layers)
        self.norm, self.head = nn.LayerNorm(width), nn.Linear(width, classes)

    def forward(self, x):
        h = self.patch(x).flatten(2).transpose(1, 2)  # (batch, patches, width)
        h = torch.cat([self.cls.expand(h.shape[0], -1, -1), h], 1) + self.pos
        return self.head(self.norm(self.body(h))[:, 0])


def train_vit(variant, clock, batch=64, size=224, width=768, layers=12, heads=12, classes=1000):
    model = ViT(size, 16, width, layers, heads, classes).to(DEV)
    _train(model, _host_batch((3, size, size), classes, batch), F.cross_entropy, variant, clock)
