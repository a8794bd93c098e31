"""Benign jobs as the frameworks people use write them (label 0): torch.compile's generated Triton kernels, CUDA-graph
replay, JAX/XLA, Hugging Face transformers, torchvision models and PyTorch Geometric. Every other DL workload in
this folder is eager PyTorch written here; a fleet's own jobs mostly come out of these stacks, whose kernels differ
(fused elementwise and reduction kernels from Inductor and XLA, attention and convolution implementations chosen by
the library, graph replay that leaves no host-side gap between launches, as a miner's back-to-back launches leave
none).

  compiled       `train`: a GPT-style LM (6 pre-norm blocks, width 1024, 16 heads, causal SDPA, GELU MLP, vocab
                 32000) trained with every block and the loss head torch.compile'd (Inductor: Triton kernels for
                 the fused norms, activations, softmax-cross-entropy and AdamW's foreach update), bf16 autocast,
                 batch 8 x 1024 tokens. Self-check: the compiled and the eager model's loss on one batch agree
                 within bf16 rounding
  cudagraph      `decode`: LLM decoding (16 layers, width 2048, SwiGLU, bf16, batch 8) captured once into a CUDA
                 graph and replayed a token at a time, as graph-based servers do: static shapes throughout (the
                 KV cache's 2048 positions attended under a mask built from a position held on the GPU, the
                 cache written by index_copy_, greedy argmax fed back on the GPU, the position wrapping to the
                 prompt's end in the graph). Self-check: one replay's logits equal an eager step's from the same state
  jaxlm          `train`: a transformer LM in JAX (8 blocks, width 1024, 16 heads, causal attention written
                 out, bf16 compute over fp32 parameters, AdamW by tree_map) jit-compiled by XLA, batch 8 x 1024
                 tokens; XLA_PYTHON_CLIENT_PREALLOCATE=false so it shares the GPU as a real job would have to.
                 Self-check: ten steps on one batch lower its loss
  hfbert         `train`: Hugging Face transformers' BERT-base built from its config (random weights; nothing
                 downloaded), sequence-classification fine-tuning, bf16 autocast, batch 32 x 256 tokens.
                 Self-check: finite losses
  hfgpt2         `generate`: GPT-2 (124M, from its config, bf16) greedy generation with generate(): batches of 8
                 prompts of 128 tokens, 128 new tokens each (the library's per-token host loop and KV cache).
                 Self-check: every sequence 256 tokens long
  tvmodel        torchvision models (random weights), channels-last, bf16 autocast: `resnet50` and
                 `efficientnet` (EfficientNet-B0: depthwise convolutions, squeeze-excitation, SiLU) training at
                 batch 128 of 224x224 from pinned host memory
  tvdetect       `fasterrcnn`: torchvision's Faster R-CNN (MobileNetV3-Large FPN, random weights) inference on
                 batches of 8 800x800 images: backbone, region proposals, NMS, RoIAlign, box heads
  pyg            PyTorch Geometric full-graph node classification on a random graph of 1M nodes and 8M edges
                 (128 features, 64 classes): `gcn` two GCNConv layers (normalisation cached), `gat` two GATConv
                 layers (4 heads: per-edge attention logits, segment softmax, weighted scatter)
  tritonops      kernels written in Triton's language, as a team's own fused operators are (triton_kernels.py):
                 `softmax` row softmax and LayerNorm of 16384 x 4096 fp16 (memory-bound), `matmul` a blocked
                 fp16 GEMM (tl.dot on the tensor cores, fp32 accumulators, grouped tile order) of 8192^3.
                 Self-check: each against torch on the same inputs

Sizes live in the arguments' defaults, so that a test can shrink them. Nothing here runs on this project's CPU
replays (the stacks are not installed there): scripts/capture/smoke.sh on the GPU machine is their first check.
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import note, steady_loop, torch_loop
from dl import _host_batch, _train, infer_loop
from genai import _rms, llm_weights

DEV = "cuda"


# ---- torch.compile ---------------------------------------------------------------------------------------------

class _Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln1, self.qkv, self.proj = nn.LayerNorm(width), nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.ln2, self.fc1, self.fc2 = nn.LayerNorm(width), nn.Linear(width, 4 * width), nn.Linear(4 * width, width)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, t, c)
        x = x + self.proj(a)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class _GPT(nn.Module):
    """Blocks and loss head run compiled or eager (the same parameters): the self-check compares the two."""

    def __init__(self, vocab, width, layers, heads, ctx):
        super().__init__()
        self.emb, self.pos = nn.Embedding(vocab, width), nn.Parameter(torch.zeros(ctx, width))
        self.blocks = nn.ModuleList(_Block(width, heads) for _ in range(layers))
        self.lnf, self.head = nn.LayerNorm(width), nn.Linear(width, vocab, bias=False)
        self.compiled = False
        # one compiled callable per block: Dynamo treats the parameters as inputs, so the blocks share one graph
        self._cblocks = [torch.compile(b) for b in self.blocks]
        self._closs = torch.compile(self._loss)

    def _loss(self, x, y):
        return F.cross_entropy(self.head(self.lnf(x)).flatten(0, 1).float(), y.flatten())

    def forward(self, tok, y):
        x = self.emb(tok) + self.pos[: tok.shape[1]]
        for b, cb in zip(self.blocks, self._cblocks):
            x = cb(x) if self.compiled else b(x)
        return self._closs(x, y) if self.compiled else self._loss(x, y)


def compiled(variant, clock, vocab=32000, width=1024, layers=6, heads=16, batch=8, ctx=1024):
    if variant != "train":
        raise ValueError(f"unknown variant {variant!r}")
    model = _GPT(vocab, width, layers, heads, ctx).to(DEV)
    g = torch.Generator(device=DEV).manual_seed(5)
    toks = [torch.randint(0, vocab, (batch, ctx + 1), device=DEV, generator=g) for _ in range(4)]
    # the check runs with gradients on, as training does, so that Inductor compiles the training graphs once
    with torch.autocast("cuda", dtype=torch.bfloat16):
        eager = model(toks[0][:, :-1], toks[0][:, 1:]).item()
        model.compiled = True
        comp = model(toks[0][:, :-1], toks[0][:, 1:]).item()
    ok = abs(eager - comp) <= 0.02 * abs(eager)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, fused=True)
    state = {"n": 0, "loss": None}

    def step():
        t = toks[state["n"] % len(toks)]
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(t[:, :-1], t[:, 1:])
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        state["n"] += 1
        if state["n"] % 10 == 0:
            state["loss"] = loss.item()  # a host sync now and then, as a training loop's logging does
    torch_loop(step, clock)
    note(f"compiled/train: {state['n']} steps, loss {state['loss']}, compiled loss {comp:.4f} against eager "
         f"{eager:.4f}, agree: {ok}")


# ---- CUDA graph ------------------------------------------------------------------------------------------------

def cudagraph(variant, clock, layers=16, width=2048, heads=16, ffn=5632, vocab=32000, ctx=2048, prompt=512, batch=8):
    if variant != "decode":
        raise ValueError(f"unknown variant {variant!r}")
    hd, dt = width // heads, torch.bfloat16
    g = torch.Generator(device=DEV).manual_seed(6)
    blocks, emb, head, nf = llm_weights(layers, width, ffn, vocab, dt, g,
                                        lambda w: (w(batch, heads, ctx, hd, scale=1.0), w(batch, heads, ctx, hd, scale=1.0)))
    pos = torch.full((1,), prompt, device=DEV, dtype=torch.long)
    tok = torch.randint(0, vocab, (batch, 1), device=DEV, generator=g)
    where = torch.arange(ctx, device=DEV)
    logits = torch.empty(batch, 1, vocab, device=DEV, dtype=dt)

    def step():
        x = emb[tok]  # (batch, 1, width)
        mask = (where <= pos).view(1, 1, 1, ctx)
        for b in blocks:
            h = _rms(x, b["n1"])
            q, k, v = (h @ b["qkv"]).view(batch, 1, 3, heads, hd).permute(2, 0, 3, 1, 4)
            b["k"].index_copy_(2, pos, k)
            b["v"].index_copy_(2, pos, v)
            o = F.scaled_dot_product_attention(q, b["k"], b["v"], attn_mask=mask)
            x = x + o.transpose(1, 2).reshape(batch, 1, width) @ b["o"]
            gate, up = (_rms(x, b["n2"]) @ b["gu"]).chunk(2, -1)
            x = x + (F.silu(gate) * up) @ b["down"]
        logits.copy_(_rms(x, nf) @ head)
        tok.copy_(logits.argmax(-1))
        pos.add_(1)
        pos.copy_(torch.where(pos >= ctx, torch.full_like(pos, prompt), pos))
        return tok

    with torch.inference_mode():
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # warm-up off the capture, as CUDA graphs need
            for _ in range(3):
                step()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            step()
        # the check: from one state, an eager step and a replay (the cache rewritten at the same position alike)
        pos0, tok0 = pos.clone(), tok.clone()
        step()
        eager = logits.float().clone()
        pos.copy_(pos0)
        tok.copy_(tok0)
        graph.replay()
        torch.cuda.synchronize()
        diff = (logits.float() - eager).abs().max().item()
        ok = diff <= 0.02 * eager.abs().max().item()
        n = [0]

        def replay():
            graph.replay()
            n[0] += 1
            return tok
        infer_loop(replay, clock)
    note(f"cudagraph/decode: {n[0]} graph replays of {layers} layers at batch {batch}, replay against eager step "
         f"max |diff| {diff:.3g}, agree: {ok}")


# ---- JAX -------------------------------------------------------------------------------------------------------

def jaxlm(variant, clock, vocab=32000, width=1024, layers=8, heads=16, batch=8, ctx=1024):
    if variant != "train":
        raise ValueError(f"unknown variant {variant!r}")
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")  # share the GPU, as a co-located job must
    import jax
    import jax.numpy as jnp

    key = jax.random.PRNGKey(7)

    def dense(k, n_in, n_out):
        return jax.random.normal(k, (n_in, n_out), jnp.float32) * (n_in ** -0.5)

    keys = iter(jax.random.split(key, 4 * layers + 4))
    params = {"emb": jax.random.normal(next(keys), (vocab, width)) * 0.02,
              "pos": jnp.zeros((ctx, width)), "head": dense(next(keys), width, vocab),
              "blocks": [{"qkv": dense(next(keys), width, 3 * width), "o": dense(next(keys), width, width),
                          "up": dense(next(keys), width, 4 * width), "down": dense(next(keys), 4 * width, width),
                          "g1": jnp.ones(width), "g2": jnp.ones(width)} for _ in range(layers)],
              "gf": jnp.ones(width)}

    def norm(x, gain):
        x32 = x.astype(jnp.float32)
        x32 = (x32 - x32.mean(-1, keepdims=True)) * jax.lax.rsqrt(x32.var(-1, keepdims=True) + 1e-5)
        return (x32 * gain).astype(jnp.bfloat16)

    causal = jnp.tril(jnp.ones((ctx, ctx), bool))

    def loss_fn(p, tok, y):
        bf = jax.tree_util.tree_map(lambda a: a.astype(jnp.bfloat16), p)
        x = bf["emb"][tok] + bf["pos"][: tok.shape[1]]
        b_, t_, c_ = x.shape
        for blk in bf["blocks"]:
            q, k, v = jnp.split(norm(x, blk["g1"]) @ blk["qkv"], 3, axis=-1)
            q, k, v = (a.reshape(b_, t_, heads, c_ // heads) for a in (q, k, v))
            s = jnp.einsum("bthd,bshd->bhts", q, k).astype(jnp.float32) * (c_ // heads) ** -0.5
            s = jnp.where(causal[:t_, :t_], s, -1e30)
            a = jnp.einsum("bhts,bshd->bthd", jax.nn.softmax(s, -1).astype(jnp.bfloat16), v)
            x = x + a.reshape(b_, t_, c_) @ blk["o"]
            x = x + jax.nn.gelu(norm(x, blk["g2"]) @ blk["up"]) @ blk["down"]
        logp = jax.nn.log_softmax((norm(x, bf["gf"]) @ bf["head"]).astype(jnp.float32), -1)
        return -jnp.take_along_axis(logp, y[..., None], -1).mean()

    lr, b1, b2, wd = 3e-4, 0.9, 0.95, 0.1

    def train_step(p, m, v, t, tok, y):
        loss, grads = jax.value_and_grad(loss_fn)(p, tok, y)
        m = jax.tree_util.tree_map(lambda m_, g_: b1 * m_ + (1 - b1) * g_, m, grads)
        v = jax.tree_util.tree_map(lambda v_, g_: b2 * v_ + (1 - b2) * g_ * g_, v, grads)
        c1, c2 = 1 - b1 ** t, 1 - b2 ** t
        p = jax.tree_util.tree_map(lambda p_, m_, v_: p_ - lr * ((m_ / c1) / (jnp.sqrt(v_ / c2) + 1e-8) + wd * p_),
                                   p, m, v)
        return p, m, v, loss

    step_jit = jax.jit(train_step, donate_argnums=(0, 1, 2))
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    data = [jax.random.randint(k, (batch, ctx + 1), 0, vocab) for k in jax.random.split(jax.random.PRNGKey(8), 4)]
    state = {"p": params, "m": m, "v": v, "t": 1, "loss": None}
    first = None
    for i in range(10):  # the check (and XLA's compile) on one batch before the clock starts
        state["p"], state["m"], state["v"], loss = step_jit(state["p"], state["m"], state["v"], float(state["t"]),
                                                            data[0][:, :-1], data[0][:, 1:])
        state["t"] += 1
        first = float(loss) if first is None else first
    last = float(loss)
    ok = last < first

    def step():
        d = data[state["t"] % len(data)]
        state["p"], state["m"], state["v"], loss = step_jit(state["p"], state["m"], state["v"], float(state["t"]),
                                                            d[:, :-1], d[:, 1:])
        state["t"] += 1
        if state["t"] % 10 == 0:
            state["loss"] = float(loss)  # a host sync now and then, as a training loop's logging does

    steady_loop(step, clock, lambda: jax.block_until_ready(state["p"]))
    note(f"jaxlm/train: {state['t'] - 11} steps on {jax.devices()[0].device_kind}, loss {state['loss']}, "
         f"ten steps on one batch {first:.4f} -> {last:.4f}, agree: {ok}")


# ---- Hugging Face transformers ---------------------------------------------------------------------------------

class _Logits(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, ids):
        return self.model(input_ids=ids).logits


def _transformers():
    import transformers
    transformers.logging.set_verbosity_error()  # no advice about random weights in the logs
    return transformers


def hfbert(variant, clock, batch_bert=32, seq_bert=256):
    transformers = _transformers()
    g = torch.Generator(device=DEV).manual_seed(9)
    if variant == "train":
        cfg = transformers.BertConfig(num_labels=2)
        model = _Logits(transformers.BertForSequenceClassification(cfg)).to(DEV)
        ids = [torch.randint(0, cfg.vocab_size, (batch_bert, seq_bert), device=DEV, generator=g) for _ in range(4)]
        ys = [torch.randint(0, 2, (batch_bert,), device=DEV, generator=g) for _ in range(4)]
        n = [0]
        losses = []

        def loss_fn(logits, y):
            loss = F.cross_entropy(logits.float(), y)
            if n[0] % 50 == 0:
                losses.append(loss.item())
            return loss

        def batch_fn():
            n[0] += 1
            return ids[n[0] % 4], ys[n[0] % 4]
        _train(model, batch_fn, loss_fn, "bf16", clock, lr=2e-5)
        ok = bool(losses) and all(x == x and abs(x) < 1e4 for x in losses)
        note(f"hfbert/train: {n[0]} steps, losses {[round(x, 4) for x in losses[-3:]]}, agree: {ok}")
    else:
        raise ValueError(f"unknown variant {variant!r}")


def hfgpt2(variant, clock, batch_gen=8, prompt=128, new=128):
    transformers = _transformers()
    g = torch.Generator(device=DEV).manual_seed(9)
    if variant == "generate":
        cfg = transformers.GPT2Config()
        model = transformers.GPT2LMHeadModel(cfg).to(DEV).to(torch.bfloat16).eval()
        ids = torch.randint(0, cfg.vocab_size, (batch_gen, prompt), device=DEV, generator=g)
        mask = torch.ones_like(ids)
        shapes = []

        def gen():
            out = model.generate(ids, attention_mask=mask, max_new_tokens=new, min_new_tokens=new, do_sample=False,
                                 pad_token_id=cfg.eos_token_id)
            shapes.append(tuple(out.shape))
            return out
        infer_loop(gen, clock)
        ok = all(s == (batch_gen, prompt + new) for s in shapes)
        note(f"hfgpt2/generate: {len(shapes)} generate() calls of {batch_gen} x {new} tokens, shapes {sorted(set(shapes))}, "
             f"agree: {ok}")
    else:
        raise ValueError(f"unknown variant {variant!r}")


# ---- torchvision -----------------------------------------------------------------------------------------------

def tvmodel(variant, clock, batch=128, size=224):
    import torchvision
    if variant in ("resnet50", "efficientnet"):
        ctor = torchvision.models.resnet50 if variant == "resnet50" else torchvision.models.efficientnet_b0
        model = ctor(weights=None, num_classes=1000).to(DEV).to(memory_format=torch.channels_last)
        make = _host_batch((3, size, size), 1000, batch)

        def batch_fn():
            x, y = make()
            return x.contiguous(memory_format=torch.channels_last), y
        n = [0]
        last = []

        def loss_fn(logits, y):
            loss = F.cross_entropy(logits.float(), y)
            n[0] += 1
            if n[0] % 50 == 0:
                last[:] = [loss.item()]
            return loss
        _train(model, batch_fn, loss_fn, "bf16", clock)
        ok = all(x == x for x in last)
        note(f"tvmodel/{variant}: {n[0]} steps, loss {last}, agree: {ok}")
    else:
        raise ValueError(f"unknown variant {variant!r}")


def tvdetect(variant, clock, det_batch=8, det_size=800):
    import torchvision
    if variant == "fasterrcnn":
        det = torchvision.models.detection
        model = det.fasterrcnn_mobilenet_v3_large_fpn(weights=None, weights_backbone=None, num_classes=91).to(DEV).eval()
        xs = [torch.rand(det_batch, 3, det_size, det_size).pin_memory() for _ in range(2)]
        counts = []
        n = [0]

        def step():
            x = xs[n[0] % 2].to(DEV, non_blocking=True)
            n[0] += 1
            out = model(list(x))
            counts.append(sum(len(o["boxes"]) for o in out))  # the boxes go back to the host, as a service's would
            return out[0]["scores"]
        infer_loop(step, clock)
        ok = len(counts) == n[0]
        note(f"tvdetect/fasterrcnn: {n[0]} batches of {det_batch}, {sum(counts)} boxes kept, agree: {ok}")
    else:
        raise ValueError(f"unknown variant {variant!r}")


# ---- PyTorch Geometric -----------------------------------------------------------------------------------------

def pyg(variant, clock, nodes=1 << 20, edges=1 << 23, din=128, hidden=256, classes=64):
    from torch_geometric.nn import GATConv, GCNConv
    g = torch.Generator(device=DEV).manual_seed(10)
    edge_index = torch.randint(0, nodes, (2, edges), device=DEV, generator=g)
    x = torch.randn(nodes, din, device=DEV, generator=g)
    y = torch.randint(0, classes, (nodes,), device=DEV, generator=g)
    if variant == "gat":
        edge_index = edge_index[:, : edges // 2]  # a message per edge and head: half the edges keeps it near GCN's memory
    if variant == "gcn":
        convs = nn.ModuleList([GCNConv(din, hidden, cached=True), GCNConv(hidden, classes, cached=True)])
    elif variant == "gat":
        convs = nn.ModuleList([GATConv(din, hidden // 4, heads=4), GATConv(hidden, classes, heads=1)])
    else:
        raise ValueError(f"unknown variant {variant!r}")
    convs = convs.to(DEV)
    opt = torch.optim.Adam(convs.parameters(), lr=1e-2)
    losses = []
    n = [0]

    def step():
        h = F.elu(convs[0](x, edge_index))
        loss = F.cross_entropy(convs[1](h, edge_index), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if n[0] % 10 == 0:
            losses.append(loss.item())  # a host sync now and then, as a training loop's logging does
        n[0] += 1
    torch_loop(step, clock)
    ok = all(v == v for v in losses)
    note(f"pyg/{variant}: {n[0]} steps, {nodes} nodes, {edge_index.shape[1]} edges, losses {[round(v, 4) for v in losses[-3:]]}, agree: {ok}")


# ---- Triton ----------------------------------------------------------------------------------------------------

def tritonops(variant, clock):
    import triton_kernels as tk
    if variant == "softmax":
        x = torch.randn(16384, 4096, device=DEV, dtype=torch.float16)
        w, b = torch.randn(4096, device=DEV, dtype=torch.float16), torch.randn(4096, device=DEV, dtype=torch.float16)
        ok = (torch.allclose(tk.softmax(x).float(), torch.softmax(x.float(), -1), atol=1e-3, rtol=1e-2)
              and torch.allclose(tk.layernorm(x, w, b).float(),
                                 F.layer_norm(x.float(), (4096,), w.float(), b.float()), atol=3e-2, rtol=1e-2))

        def step():
            tk.layernorm(tk.softmax(x), w, b)
            return x
    elif variant == "matmul":
        n = 8192
        a = torch.randn(n, n, device=DEV, dtype=torch.float16)
        bm = torch.randn(n, n, device=DEV, dtype=torch.float16)
        small = torch.randn(1024, 1024, device=DEV, dtype=torch.float16)
        ok = torch.allclose(tk.matmul(small, small).float(), small.float() @ small.float(), atol=0.5, rtol=2e-2)

        def step():
            return tk.matmul(a, bm)
    else:
        raise ValueError(f"unknown variant {variant!r}")
    n_steps = [0]

    def counted():
        n_steps[0] += 1
        return step()
    torch_loop(counted, clock, sync_every=8)
    note(f"tritonops/{variant}: {n_steps[0]} steps of Triton kernels, against torch agree: {ok}")
