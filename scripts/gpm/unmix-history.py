#!/usr/bin/python3
"""Would a DL job's own history let `abp watch` see a miner that joins it? A measurement, not a feature.

    /usr/bin/python3 scripts/gpm/unmix-history.py [--features build-train/gpm] [--pcie 0] [--train-unmixed]

A miner time-sliced beside a DL job reads, per sample, as the DL job with a smaller tensor share (model card,
Limits): one sample cannot say which partner hashes. But a watcher that saw the job alone before its partner
arrived knows the job's profile per unit of its own SM time (a), and time-slicing makes the pair
P ~= f_A * a + f_B * b (synthetic_pairs.py; median residual 0.009 on recorded pairs). Most partners have no
tensor (or, beside an fp32 job, no fp32) activity, so f_A ~= P_tensor / a_tensor, f_B = P_sm / 100 - f_A, and the
partner's own profile is b ~= (P - f_A * a) / f_B. This script does that for every recorded pair with a DL part
recorded alone (a: the mean of that DL variant's samples alone, over all GPUs: a stand-in for the job's own
history), scores the partner's profile with a model trained on samples alone from the other GPUs (PCIe, which
a pair's context switching inflates, set to --pcie), and prints how well the scores separate miner pairs from
benign pairs (with --train-unmixed the model also learns from the other GPUs' unmixed partners, labelled),
beside the held-out (leave-one-GPU-out) probabilities of the shipped training (logo.f32, written by
`npm run train:model`) for the same samples.
"""
import argparse
import importlib.util
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import synthetic_pairs as sp  # noqa: E402

_spec = importlib.util.spec_from_file_location("tg", os.path.join(os.path.dirname(HERE), "train-gpm-model.py"))
tg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tg)

G = "nvidia_smi_log.gpu.gpm."
ACTS = ["sm_activity", "sm_occupancy", "integer_activity", "tensor_activity", "dfma_tensor_activity",
        "hmma_tensor_activity", "imma_tensor_activity", "dram_activity", "fp64_activity", "fp32_activity", "fp16_activity"]


def is_dl(part):
    return part.startswith(("train_", "infer_"))


def auc(s, y):
    pos, neg = s[y == 1], s[y == 0]
    r = np.argsort(np.argsort(np.concatenate([pos, neg])))
    return (r[:len(pos)].sum() - len(pos) * (len(pos) - 1) / 2) / (len(pos) * len(neg))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", default="build-train/gpm")
    ap.add_argument("--derived", default="scripts/gpm/derived_fil.txt")
    ap.add_argument("--pcie", type=float, default=0.0)
    ap.add_argument("--history", choices=("fleet", "own"), default="fleet",
                    help="fleet: the DL variant's mean over all GPUs stands in for the job's history; own: the job's "
                         "own samples alone on the same GPU just before its partner joined (join recordings only)")
    ap.add_argument("--history-s", type=float, default=15.0, help="own: how far back before the join (seconds)")
    ap.add_argument("--joins-only", action="store_true",
                    help="fleet history, but only the join recordings (to compare with --history own)")
    ap.add_argument("--train-unmixed", action="store_true",
                    help="also train on the other GPUs' unmixed partners (a model that has seen unmixed profiles)")
    args = ap.parse_args()
    columns, X, y, workloads, _ = tg.tm.load_features(args.features)
    with open(os.path.join(args.features, "rows.json")) as f:
        rows = json.load(f)
    _, _, usable = tg.working_samples(X, y, workloads, columns, tg.load_idle(args.features))
    width, apply = sp.derived_evaluator(args.derived, columns)
    col = {n: i for i, n in enumerate(columns)}
    sm, ten, fp32, gr = (col[G + k] for k in ("sm_activity", "tensor_activity", "fp32_activity", "graphics_activity"))
    acts = [col[G + k] for k in ACTS]
    pcie = [col[G + "pcie_tx_bytes"], col[G + "pcie_rx_bytes"]]
    W = np.array(workloads)
    gpu = np.array([r["gpu"] for r in rows])
    paired = np.array(["+" in w for w in workloads])
    prof = {}
    for v in set(workloads):
        m = usable & (W == v)
        if "+" not in v and is_dl(v) and m.sum() > 5:
            R = X[m][:, :width].astype(np.float64)
            prof[v] = np.nanmean(R / np.clip(R[:, sm] / 100, 0.05, 1)[:, None], 0)
    sel_all = np.array([i for i in range(len(W)) if usable[i] and paired[i]
                        and any(is_dl(p) and p in prof for p in W[i].split("+"))])
    # Join recordings (run-capture.py's A+B@DELAY): the DL job ran alone on the same GPU seconds before its
    # partner started; those samples are the job's own history.
    t = np.array([r["t"] for r in rows])
    src = np.array([r["source"] for r in rows])
    own = {}
    for key in {(src[i], W[i]) for i in sel_all}:
        idx = sel_all[(src[sel_all] == key[0]) & (W[sel_all] == key[1])]
        t0 = t[idx].min()
        dl = [p for p in key[1].split("+") if is_dl(p)][0]
        before = usable & (src == key[0]) & (W == dl) & (t < t0) & (t >= t0 - args.history_s)
        if before.sum() >= 5:
            R = X[before][:, :width].astype(np.float64)
            own[key] = np.nanmean(R / np.clip(R[:, sm] / 100, 0.05, 1)[:, None], 0)
    joins_only = args.history == "own" or args.joins_only
    sel = sel_all if not joins_only else np.array([i for i in sel_all if (src[i], W[i]) in own])
    if len(sel) == 0:
        sys.exit("unmix-history: no join recordings (A+B@DELAY) with the DL job recorded alone before the join")

    def unmix(rows_idx, profile):
        """The partner's profile in each pair sample, the DL job's profile(i) unmixed out."""
        B = X[rows_idx][:, :width].astype(np.float64).copy()
        for k, i in enumerate(rows_idx):
            a = profile(i)
            P = B[k].copy()
            f_a = P[ten] / a[ten] if a[ten] > 5 else P[fp32] / max(a[fp32], 1)
            f_a = min(max(f_a, 0.0), 0.95)
            f_b = max(P[sm] / 100 - f_a, 0.05)
            B[k, acts] = np.clip((P[acts] - f_a * a[acts]) / f_b, 0, 100)
            B[k, gr] = B[k, sm]
            B[k, pcie] = args.pcie
        return apply(B.astype(np.float32))

    def fleet(i):
        return prof[[p for p in W[i].split("+") if is_dl(p) and p in prof][0]]

    # Training's unmixed partners always use the fleet profile (most pairs have no history of their own).
    Xu = X.copy()
    Xu[sel_all] = unmix(sel_all, fleet)
    Xs = X.copy()
    Xs[sel] = unmix(sel, (lambda i: own[(src[i], W[i])]) if args.history == "own" else fleet)
    p_un = np.full(len(W), np.nan)
    for g in sorted(set(gpu[sel])):
        # samples alone from the other GPUs, and (--train-unmixed) the other GPUs' unmixed partners, labelled
        alone = usable & ~paired & (gpu != g)
        extra = np.zeros(len(W), bool)
        if args.train_unmixed:
            extra[sel_all] = True
            extra &= gpu != g
        booster = tg.train(np.vstack([X[alone], Xu[extra]]), np.concatenate([y[alone], y[extra]]),
                           weight=np.ones(int(alone.sum() + extra.sum()), np.float32))
        idx = sel[gpu[sel] == g]
        p_un[idx] = tg.predict(booster, Xs[idx])
    ys = y[sel]
    logo_path = os.path.join(args.features, "logo.f32")
    logo_all = np.fromfile(logo_path, dtype="<f4") if os.path.exists(logo_path) else None
    logo = logo_all[sel] if logo_all is not None else None
    print(f"unmix-history ({args.history} history): {len(sel)} samples of {len({(src[i], W[i]) for i in sel})} pair recordings with a DL part recorded alone "
          f"({int(ys.sum())} of a miner beside the DL job, {int((ys == 0).sum())} of a benign partner)")
    print(f"  AUC, miner vs benign partner: partner unmixed {auc(p_un[sel], ys):.3f}"
          + (f"; the pair as recorded, shipped training held out by GPU {auc(logo, ys):.3f}" if logo is not None else ""))
    for t in (0.5, 0.7, 0.9):
        line = f"  threshold {t}: unmixed flags {np.mean(p_un[sel][ys == 1] > t):.2f} of miner pairs, {np.mean(p_un[sel][ys == 0] > t):.2f} of benign pairs"
        if logo is not None:
            line += f"; as recorded {np.mean(logo[ys == 1] > t):.2f} and {np.mean(logo[ys == 0] > t):.2f}"
        print(line)
    # Episodes: each pair recording's working samples in time order through abp watch's rule (3 of the last 5
    # flagged), unmixed at each threshold against the pairs as recorded at the shipped 0.5.
    runs = {}
    for i in sel:
        runs.setdefault((rows[i]["source"], W[i]), []).append(i)

    def alerted(idx, probs, t, k=3, n=5):
        f = [probs[i] > t for i in sorted(idx, key=lambda i: rows[i]["t"])]
        return any(sum(f[max(0, j - n + 1):j + 1]) >= k for j in range(len(f)))

    def alerts(probs, t):
        """(miner pairs alerted, benign pairs alerted)"""
        return tuple(sum(alerted(v, probs, t) for v in runs.values() if y[v[0]] == lab) for lab in (1, 0))

    n_mine = sum(1 for v in runs.values() if y[v[0]] == 1)
    recorded = f"; as recorded at 0.5 {' and '.join(map(str, alerts(logo_all, 0.5)))}" if logo_all is not None else ""
    for t in (0.5, 0.7, 0.9):
        mine, other = alerts(p_un, t)
        print(f"  episodes (3 of 5), threshold {t}: unmixed alerts on {mine} of {n_mine} miner pairs, "
              f"{other} of {len(runs) - n_mine} benign pairs{recorded}")


if __name__ == "__main__":
    main()
