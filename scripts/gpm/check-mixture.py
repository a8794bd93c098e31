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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from mixture import Mixture  # noqa: E402

spec = importlib.util.spec_from_file_location("tg", os.path.join(HERE, "..", "train-gpm-model.py"))
tg = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tg)

d = sys.argv[1] if len(sys.argv) > 1 else "build-train/gpm"
columns, X, y, workloads, _ = tg.tm.load_features(d)
transition, no_work, usable = tg.working_samples(X, y, workloads, columns, tg.load_idle(d))
mx = Mixture(X, workloads, usable & ~no_work & ~transition, columns)
rng = np.random.default_rng(0)
kinds = sorted(mx.per_active)
rel, rel_random, total = [], [], []
for w in sorted(mx.pair):
    parts = mx.parts_alone(w)
    if parts is None:
        continue
    target = mx.target(w)
    f, r = mx.fit(parts, target)
    rel.append(r / np.linalg.norm(target))
    total.append((f.sum(), mx.pair[w][mx.sm] / 100.0))
    ra, rb = rng.choice(len(kinds), 2, replace=False)
    _, rr = mx.fit([kinds[ra], kinds[rb]], target)
    rel_random.append(rr / np.linalg.norm(target))
rel, rel_random, total = np.array(rel), np.array(rel_random), np.array(total)
print(f"{len(rel)} recorded pairs with both parts recorded alone")
print(f"relative residual, its own parts: median {np.median(rel):.3f}, 90th percentile {np.percentile(rel, 90):.3f}")
print(f"relative residual, two kinds at random: median {np.median(rel_random):.3f}, 90th percentile {np.percentile(rel_random, 90):.3f}")
print(f"fitted f_A + f_B against the pair's SM activity: median {np.median(total[:, 0]):.2f} against "
      f"{np.median(total[:, 1]):.2f}, median absolute difference {np.median(np.abs(total[:, 0] - total[:, 1])):.2f}")
