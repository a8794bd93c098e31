"""Generative-model serving (label 0): LLM decoding with a KV cache, and diffusion UNet sampling.

  infer_llm        a 16-layer, width-2048 decoder (RMSNorm, SwiGLU, 16 heads of 128), bf16,
                   generating a token at a time for a batch of 1, 16 or 64 sequences: each
                   step appends its keys and values to a preallocated cache (2,048
                   positions; prompts of 512 already in it) and attends over it with
                   scaled_dot_product_attention; at the end of the context the batch
                   starts over from the prompt, as a server takes new requests
  infer_diffusion  a latent-diffusion UNet (channels 256/512/768, GroupNorm + SiLU
                   residual blocks with a timestep embedding, self-attention at 32x32 and
                   16x16, skip connections) sampling a batch of 8 64x64x4 latents, 25
                   steps a batch, in fp16 or bf16
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from dl import infer_loop

DEV = "cuda"


def _rms(x, w):
    return x * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + 1e-6).to(x.dtype) * w


def llm_weights(layers, width, ffn, vocab, dt, g, kv):
    """Random weights of a decoder LM (drawn from generator g): per layer RMSNorm gains, fused QKV, output, fused
    gate/up and down projections, and the layer's KV cache from kv(w) -> (k, v), w(*shape, scale=0.02) drawing
    the next weights; then the embedding, the LM head and the final norm's gain. Returns (blocks, emb, head, nf)."""
    def w(*shape, scale=0.02):
        return (torch.randn(*shape, device=DEV, generator=g) * scale).to(dt)
    blocks = []
    for _ in range(layers):
        b = {"n1": torch.ones(width, device=DEV, dtype=dt), "qkv": w(width, 3 * width), "o": w(width, width),
             "n2": torch.ones(width, device=DEV, dtype=dt), "gu": w(width, 2 * ffn), "down": w(ffn, width)}
        b["k"], b["v"] = kv(w)
        blocks.append(b)
    return blocks, w(vocab, width), w(width, vocab), torch.ones(width, device=DEV, dtype=dt)


def infer_llm(variant, clock, layers=16, width=2048, heads=16, ffn=5632, vocab=32000, ctx=2048, prompt=512):
    batches = {"b1": 1, "b16": 16, "b64": 64}
    if variant not in batches:
        raise ValueError(f"unknown variant {variant!r}")
    batch, hd, dt = batches[variant], width // heads, torch.bfloat16
    g = torch.Generator(device=DEV).manual_seed(0)
    # the KV cache, prompt positions filled
    blocks, emb, head, nf = llm_weights(layers, width, ffn, vocab, dt, g,
                                        lambda w: (w(batch, heads, ctx, hd, scale=1.0), w(batch, heads, ctx, hd, scale=1.0)))
    state = {"pos": prompt, "tok": torch.randint(0, vocab, (batch, 1), device=DEV)}

    def step():
        pos = state["pos"]
        x = emb[state["tok"]]  # (batch, 1, width)
        for b in blocks:
            h = _rms(x, b["n1"])
            q, k, v = (h @ b["qkv"]).view(batch, 1, 3, heads, hd).permute(2, 0, 3, 1, 4)  # each (batch, heads, 1, hd)
            b["k"][:, :, pos] = k[:, :, 0]
            b["v"][:, :, pos] = v[:, :, 0]
            o = F.scaled_dot_product_attention(q, b["k"][:, :, :pos + 1], b["v"][:, :, :pos + 1])
            x = x + o.transpose(1, 2).reshape(batch, 1, width) @ b["o"]
            gate, up = (_rms(x, b["n2"]) @ b["gu"]).chunk(2, -1)
            x = x + (F.silu(gate) * up) @ b["down"]
        state["tok"] = (_rms(x, nf) @ head).argmax(-1)  # greedy: (batch, 1)
        state["pos"] = pos + 1 if pos + 1 < ctx else prompt
        return state["tok"]
    infer_loop(step, clock)


class _Res(nn.Module):
    def __init__(self, cin, cout, tdim):
        super().__init__()
        self.n1, self.c1 = nn.GroupNorm(32, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.t = nn.Linear(tdim, cout)
        self.n2, self.c2 = nn.GroupNorm(32, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, t):
        h = self.c1(F.silu(self.n1(x))) + self.t(t)[:, :, None, None]
        return self.skip(x) + self.c2(F.silu(self.n2(h)))


class _Attn(nn.Module):
    def __init__(self, c, heads=8):
        super().__init__()
        self.n, self.qkv, self.o, self.heads = nn.GroupNorm(32, c), nn.Linear(c, 3 * c), nn.Linear(c, c), heads

    def forward(self, x):
        b, c, hh, ww = x.shape
        h = self.n(x).flatten(2).transpose(1, 2)  # (b, hw, c)
        q, k, v = self.qkv(h).view(b, hh * ww, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        o = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, hh * ww, c)
        return x + self.o(o).transpose(1, 2).reshape(b, c, hh, ww)


class UNet(nn.Module):
    def __init__(self, ch=(256, 512, 768), tdim=512):
        super().__init__()
        c0, c1, c2 = ch
        self.temb = nn.Sequential(nn.Linear(256, tdim), nn.SiLU(), nn.Linear(tdim, tdim))
        self.inp = nn.Conv2d(4, c0, 3, padding=1)
        self.d0, self.down0 = _Res(c0, c0, tdim), nn.Conv2d(c0, c0, 3, stride=2, padding=1)
        self.d1, self.a1, self.down1 = _Res(c0, c1, tdim), _Attn(c1), nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.d2, self.a2 = _Res(c1, c2, tdim), _Attn(c2)
        self.m1, self.ma, self.m2 = _Res(c2, c2, tdim), _Attn(c2), _Res(c2, c2, tdim)
        self.u2, self.ua2, self.up2 = _Res(2 * c2, c2, tdim), _Attn(c2), nn.Conv2d(c2, c1, 3, padding=1)
        self.u1, self.ua1, self.up1 = _Res(2 * c1, c1, tdim), _Attn(c1), nn.Conv2d(c1, c0, 3, padding=1)
        self.u0 = _Res(2 * c0, c0, tdim)
        self.out_n, self.out = nn.GroupNorm(32, c0), nn.Conv2d(c0, 4, 3, padding=1)

    def forward(self, x, steps):
        half = torch.arange(128, device=x.device, dtype=torch.float32)
        freqs = torch.exp(-math.log(10000.0) * half / 128)
        ang = steps.float()[:, None] * freqs[None]
        t = self.temb(torch.cat([ang.sin(), ang.cos()], 1).to(x.dtype))
        s0 = self.d0(self.inp(x), t)                                  # 64x64
        s1 = self.a1(self.d1(self.down0(s0), t))                      # 32x32
        s2 = self.a2(self.d2(self.down1(s1), t))                      # 16x16
        h = self.m2(self.ma(self.m1(s2, t)), t)
        h = self.ua2(self.u2(torch.cat([h, s2], 1), t))
        h = self.up2(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = self.ua1(self.u1(torch.cat([h, s1], 1), t))
        h = self.up1(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = self.u0(torch.cat([h, s0], 1), t)
        return self.out(F.silu(self.out_n(h)))


def infer_diffusion(variant, clock, batch=8, steps=25):
    dtypes = {"fp16": torch.float16, "bf16": torch.bfloat16}
    if variant not in dtypes:
        raise ValueError(f"unknown variant {variant!r}")
    dt = dtypes[variant]
    model = UNet().to(DEV, dt).eval().to(memory_format=torch.channels_last)
    g = torch.Generator(device=DEV).manual_seed(1)
    state = {"x": None, "k": steps}

    def step():
        if state["k"] == steps:  # a new batch of requests: fresh noise
            state["x"] = torch.randn(batch, 4, 64, 64, device=DEV, generator=g).to(dt).contiguous(memory_format=torch.channels_last)
            state["k"] = 0
        t = torch.full((batch,), 1000 - 40 * state["k"], device=DEV)
        eps = model(state["x"], t)
        state["x"] = state["x"] - 0.04 * eps  # a DDIM-like update
        state["k"] += 1
        return state["x"]
    infer_loop(step, clock)
