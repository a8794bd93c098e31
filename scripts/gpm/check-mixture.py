#!/usr/bin/python3
"""How well does "a pair is a time-weighted sum of its two jobs" (synthetic_pairs.py) describe the recorded pairs?

For every recorded pair A+B whose two parts were also recorded alone, fit the pair's median GPM activities as
f_A * (A's activities per unit of its SM activity) + f_B * (B's), f >= 0 (non-negative least squares over the
pipe, occupancy and DRAM activities; graphics, SM activity and PCIe left out), and print the relative residual
(|residual| / |pair|), with the same fit using two kinds drawn at random as the yardstick, and how the fitted
f_A + f_B compares with the pair's SM activity (which the fit never saw).

    /usr/bin/python3 scripts/gpm/check-mixture.py [build-train/gpm]
"""
import importlib.util
import os
import sys

import numpy as np
from scipy.optimize import nnls

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("tg", os.path.join(HERE, "..", "train-gpm-model.py"))
tg = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tg)

d = sys.argv[1] if len(sys.argv) > 1 else "build-train/gpm"
columns, X, y, workloads, _ = tg.tm.load_features(d)
transition, no_work, usable = tg.working_samples(X, y, workloads, columns, tg.load_idle(d))
work = usable & ~no_work & ~transition
G = "nvidia_smi_log.gpu.gpm."
fit_cols = [columns.index(G + c) for c in ("sm_occupancy", "integer_activity", "tensor_activity", "dram_activity",
                                            "fp64_activity", "fp32_activity", "fp16_activity")]
sm = columns.index(G + "sm_activity")
per_active, pair = {}, {}
for w in sorted(set(workloads)):
    idx = np.flatnonzero(work & np.array([x == w for x in workloads]))
    if len(idx) < 8:
        continue
    med = np.nanmedian(X[idx], axis=0)
    if "+" in w:
        pair[w] = med
    elif med[sm] >= 20:
        per_active[w] = np.nan_to_num(med[fit_cols]) / (med[sm] / 100.0)
rng = np.random.default_rng(0)
kinds = sorted(per_active)
rel, rel_random, total = [], [], []
for w, med in sorted(pair.items()):
    a, b = w.split("+")
    if a not in per_active or b not in per_active:
        continue
    target = np.nan_to_num(med[fit_cols])
    f, r = nnls(np.stack([per_active[a], per_active[b]], axis=1), target)
    rel.append(r / np.linalg.norm(target))
    total.append((f.sum(), med[sm] / 100.0))
    ra, rb = rng.choice(len(kinds), 2, replace=False)
    _, rr = nnls(np.stack([per_active[kinds[ra]], per_active[kinds[rb]]], axis=1), target)
    rel_random.append(rr / np.linalg.norm(target))
rel, rel_random, total = np.array(rel), np.array(rel_random), np.array(total)
print(f"{len(rel)} recorded pairs with both parts recorded alone")
print(f"relative residual, its own parts: median {np.median(rel):.3f}, 90th percentile {np.percentile(rel, 90):.3f}")
print(f"relative residual, two kinds at random: median {np.median(rel_random):.3f}, 90th percentile {np.percentile(rel_random, 90):.3f}")
print(f"fitted f_A + f_B against the pair's SM activity: median {np.median(total[:, 0]):.2f} against "
      f"{np.median(total[:, 1]):.2f}, median absolute difference {np.median(np.abs(total[:, 0] - total[:, 1])):.2f}")
