"""Synthetic co-located samples: two workloads sharing one GPU, made from samples of each alone.

Why this can work: without MPS the GPU time-slices between processes, one context at a time, so over a
500 ms sample a pair's GPM activities are close to a time-weighted sum of each job's activity *per unit
of its own SM-active time*:

    pair_c ~= f_A * A_c / u_A + f_B * B_c / u_B      (u = SM activity / 100 when alone, f = share of time won)

Checked on the recordings (e.g. `hash_chain/full+train_lstm/bf16`: f_B = 0.33 from the tensor pipe predicts
integer 58.8 and occupancy 38.5 against the 58.8 and 38.3 recorded). What a single job never shows is the
context switching itself: graphics activity near 100 % while SM activity is lower, and 100-300 MB/s of PCIe
traffic in each direction, whatever the pair and whatever its label. Those three values are taken from a
recorded pair (the "donor"), so both labels carry them alike.

Recorded pairs are few (a miner has been recorded beside a minority of the benign kinds); a synthetic pair
can be any miner beside any benign kind, and any two benign kinds. Every synthetic row carries the groups of
the rows it was made from (families, workloads, GPUs), so a held-out family, workload or GPU leaves no trace
in training through them.
"""
import re

import numpy as np

GPM = "nvidia_smi_log.gpu.gpm."
SM = GPM + "sm_activity"
CONTEXT_SWITCH = [GPM + "graphics_activity", GPM + "pcie_tx_bytes", GPM + "pcie_rx_bytes"]


def derived_evaluator(path, columns):
    """The derived features of derived_fil.txt (src/model-repo/derived.ts's ops, in float32), as a function
    from the raw columns to the full row. Checked against make-features' own output by the caller."""
    names = {}
    specs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^([^=\s]+)\s*=\s*([a-z]+)\s*\((.*)\)$", line)
            if not m:
                raise ValueError(f"{path}: cannot read {line!r}")
            specs.append((m.group(1), m.group(2), [a.strip() for a in m.group(3).split(",")]))
    raw = [c for c in columns if c not in {s[0] for s in specs}]
    for i, c in enumerate(columns):
        names[c] = i
    width = len(raw)

    def apply(R):
        out = np.full((R.shape[0], len(columns)), np.nan, dtype=np.float32)
        out[:, :width] = R
        for name, op, args in specs:
            a = [out[:, names[x]] for x in args]
            with np.errstate(all="ignore"):
                if op == "ratio":
                    v = np.where((a[1] >= 1) & ~np.isnan(a[0]), a[0] / a[1], np.nan)
                elif op == "sum":
                    v = np.sum(a, axis=0)
                elif op == "max":
                    v = np.nanmax(a, axis=0)
                else:
                    raise ValueError(f"{path}: unknown op {op}")
            out[:, names[name]] = v.astype(np.float32)
        return out

    return width, apply


def pools(workloads, work):
    """(alone, pair): indices of working samples of one job alone, and of a recorded pair (the donors)."""
    alone = [i for i, w in enumerate(workloads) if work[i] and "+" not in w]
    pair = [i for i, w in enumerate(workloads) if work[i] and "+" in w]
    return alone, pair


def make(X, y, columns, kinds, alone, pair, n, rng, derived_path, n_benign=None):
    """n miner-beside-benign rows (label 1) and n_benign (default n) benign-beside-benign rows (label 0).

    kinds: each row's workload (kind/variant), so that kinds are drawn evenly, not by how many samples each has;
    alone: indices of working samples of one workload alone; pair: of recorded pairs (the donors).
    Returns (Xs, ys, share, sources): share[i] is A's share of the pair's active time, f_A / (f_A + f_B);
    sources[i] = (index of A, index of B, index of the donor)."""
    width, apply = derived_evaluator(derived_path, columns)
    check = apply(X[:, :width])
    if not np.allclose(check, X, rtol=1e-5, atol=1e-5, equal_nan=True):
        bad = np.argwhere(~np.isclose(check, X, rtol=1e-5, atol=1e-5, equal_nan=True))[0]
        raise SystemExit(f"synthetic pairs: derived features differ from make-features' at row {bad[0]}, column {columns[bad[1]]}")
    sm = columns.index(SM)
    u = X[:, sm] / 100.0
    ok = [i for i in alone if u[i] >= 0.2]  # below that a per-active-time profile is mostly noise
    by_kind = {}
    for i in ok:
        by_kind.setdefault((int(y[i]), kinds[i]), []).append(i)
    miners = [v for (lab, _), v in sorted(by_kind.items()) if lab == 1]
    benign = [v for (lab, _), v in sorted(by_kind.items()) if lab == 0]
    switch = [columns.index(c) for c in CONTEXT_SWITCH]
    activity = [j for j in range(width) if j not in switch]
    rows, labels, shares, src = [], [], [], []
    for label in (1, 0):
        for _ in range(n if label or n_benign is None else n_benign):
            a_kinds = miners if label else benign
            a = a_kinds[rng.integers(len(a_kinds))]
            b = benign[rng.integers(len(benign))]
            while label == 0 and b is a:
                b = benign[rng.integers(len(benign))]
            ia, ib = a[rng.integers(len(a))], b[rng.integers(len(b))]
            d = pair[rng.integers(len(pair))]
            # The pair's SM activity: context switches cost some. 0.78-0.94 is the 10th to 90th percentile of the
            # time shares fitted to the recorded pairs (scripts/gpm/check-mixture.py).
            s = rng.uniform(0.78, 0.94)
            fb = rng.uniform(0.15, 0.85) * min(u[ib], s)
            fa = min(u[ia], s - fb)
            r = np.empty(width, dtype=np.float32)
            r[activity] = np.clip(fa * X[ia, activity] / u[ia] + fb * X[ib, activity] / u[ib], 0, 100)
            r[switch] = X[d, switch]
            r[switch[0]] = max(r[switch[0]], min(100.0, fa * X[ia, switch[0]] / u[ia] + fb * X[ib, switch[0]] / u[ib]))
            rows.append(r)
            labels.append(label)
            shares.append(fa / (fa + fb))
            src.append((ia, ib, d))
    return apply(np.array(rows, dtype=np.float32)), np.array(labels, dtype=np.float32), np.array(shares, dtype=np.float32), src

