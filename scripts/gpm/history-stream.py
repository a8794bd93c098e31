#!/usr/bin/python3
"""Would `abp watch` catch a miner that joins a running job if it kept each GPU's recent history? A replay.

    /usr/bin/python3 scripts/gpm/history-stream.py [--features build-train/gpm] [--tu 0.7] [--drop 0.25] [--held-out lofo]

unmix-history.py measures unmixing on pair samples chosen by their labels. This replays every recording as the
watch would see it: each capture file in time order, one GPU's samples one after another, nothing known of
labels or workloads. Per GPU it keeps a baseline: the per-active GPM profile (each pipe's activity per unit of
SM activity) of the current run of work (a run ends after --gap-s seconds without a working sample), taken
from its working samples after --settle of them, --baseline long, then refreshed from later samples that
still match it. A sample whose anchor pipe (tensor, or fp32 for a job with no tensor work) per active SM has
dropped by more than --drop against the baseline reads as the job plus a partner; the partner's profile is
unmixed out (scripts/gpm/synthetic_pairs.py's time-slicing model: P ~= f_a * a + f_b * b) and scored by an
partner model (train-partner-model.py's, leave-one-GPU-out): trained on samples alone plus the other GPUs'
recorded pairs unmixed with each DL variant's mean profile over the other GPUs. A sample is flagged when the model as shipped flags it
(held-out by GPU: logo.f32 from `npm run train:model`; with --held-out lofo by family: lofo.f32, and partner models
trained without the family, the model card's leave-one-family-out) or the unmixed partner scores above --tu. Each
episode (a capture's contiguous run of one workload) goes through watch's 3-of-5 rule; the history carries
across episodes, the alert window does not (as eval-episodes.ts counts them).

--window COND_MAX... adds abp watch's pair window (unmix.PairWindow, src/collect/pair-window.ts): where the history
read no partner, the partner fitted over the GPU's last 12 working samples, within each condition-number bound,
scored by the same held-out partner model and flagging above each --window-tu (abp watch: 80 and 0.9).
--window-median K... flags where the median of the run's last K window scores (within the bound) is above
--window-tu instead of each score alone (abp watch: 1; tried with 5 and 9, README "the pair window").
"""
import argparse
import importlib.util
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import synthetic_pairs as sp  # noqa: E402
import unmix  # noqa: E402

_spec = importlib.util.spec_from_file_location("tg", os.path.join(os.path.dirname(HERE), "train-gpm-model.py"))
tg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tg)



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", default="build-train/gpm")
    ap.add_argument("--held-out", default="logo", choices=["logo", "lofo"],
                    help="what each sample's models never saw: its GPU (logo) or its family (lofo: the model's "
                         "lofo.f32, and partner models trained without any row of the family, as the card's "
                         "leave-one-family-out)")
    ap.add_argument("--derived", default="scripts/gpm/derived_fil.txt")
    ap.add_argument("--tu", type=float, nargs="+", default=[0.5, 0.7, 0.9], help="unmixed partner's threshold(s)")
    ap.add_argument("--drop", type=float, nargs="+", default=[unmix.DROP], help="relative drop of the anchor pipe per active SM")
    ap.add_argument("--settle", type=int, default=unmix.SETTLE, help="working samples of a run skipped before the baseline")
    ap.add_argument("--baseline", type=int, default=unmix.BASELINE, help="working samples the baseline is the mean of")
    ap.add_argument("--gap-s", type=float, default=unmix.GAP_S, help="seconds without work that end a run")
    ap.add_argument("--library", type=int, default=unmix.LIBRARY,
                    help="profiles of earlier runs tried on every sample (0: the current run's baseline only)")
    ap.add_argument("--window", type=float, nargs="*", default=None, metavar="COND_MAX",
                    help="also read pairs over a window (unmix.PairWindow) at these condition-number bounds")
    ap.add_argument("--window-tu", type=float, nargs="+", default=None, help="the window partner's threshold(s) (default: --tu)")
    ap.add_argument("--train-window", type=float, default=None, metavar="COND_MAX",
                    help="the partner models also learn from the other GPUs' window partners within this bound")
    ap.add_argument("--window-median", type=int, nargs="+", default=[1], metavar="K",
                    help="flag where the median of the GPU's last K window scores (one run) is above --window-tu (abp watch: 1)")
    ap.add_argument("--save", help="write the partner scores (history and window) to this .npz")
    ap.add_argument("--list", action="store_true", help="print every episode the unmixing changed")
    ap.add_argument("--raw-alone", action="store_true",
                    help="train the partner model on samples alone as recorded (not canonical: SM 100, graphics = SM, PCIe 0)")
    args = ap.parse_args()

    columns, X, y, workloads, _ = tg.tm.load_features(args.features)
    with open(os.path.join(args.features, "rows.json")) as f:
        rows = json.load(f)
    idle = tg.load_idle(args.features)
    transition, _, usable = tg.working_samples(X, y, workloads, columns, idle)
    width, apply = sp.derived_evaluator(args.derived, columns)
    um = unmix.Unmixer(columns)
    W = np.array(workloads)
    gpu = np.array([r["gpu"] for r in rows])
    src = np.array([r["source"] for r in rows])
    t = np.array([r["t"] for r in rows])
    logo = np.fromfile(os.path.join(args.features, f"{args.held_out}.f32"), dtype="<f4")
    if logo.shape[0] != X.shape[0]:
        sys.exit(f"{args.held_out}.f32 does not match the features: run npm run train:model")
    # Each sample's held-out key, and which rows a model for that key may train on: by GPU, or by family as
    # train-gpm-model.py's leave-one-family-out (scored under its primary family, trained on no row that has it).
    if args.held_out == "logo":
        key_of = gpu
        def rows_without(k):
            return gpu != k
    else:
        fams = [tg.family_parts(r, w) for r, w in zip(rows, workloads)]
        key_of = np.array([tg.primary(f) for f in fams])
        def rows_without(k):
            return np.array([k not in f for f in fams])
    work = ~idle & ~np.isnan(X[:, um.sm])
    # Each capture file's GPU's rows in time order: the streams abp watch would see, one reader each.
    streams = []
    for key in sorted({(s_, g) for s_, g in zip(src, gpu)}):
        idx = np.where((src == key[0]) & (gpu == key[1]))[0]
        streams.append(idx[np.argsort(t[idx], kind="stable")])

    # Window partners (unmix.PairWindow), read with no bound; each keeps its condition number.
    win_rows, win_cond, win_feat, win_run = [], [], [], []  # win_run: which run of which stream a read belongs to
    if args.window is not None or args.train_window is not None:
        run = 0
        for idx in streams:
            pw = unmix.PairWindow(um, cond_max=np.inf, gap_s=args.gap_s)
            last = np.nan  # a stream's first working sample starts a run
            for i in idx:
                if work[i]:
                    if not (t[i] - last <= args.gap_s):
                        run += 1
                    last = t[i]
                    B = pw.observe(X[i, :width], t[i])
                    if B is not None:
                        win_rows.append(i)
                        win_cond.append(pw.cond)
                        win_feat.append(B)
                        win_run.append(run)
    win_rows, win_cond, win_run = np.array(win_rows, dtype=np.int64), np.array(win_cond), np.array(win_run)
    Xw = apply(np.array(win_feat, dtype=np.float32)) if len(win_rows) else np.empty((0, X.shape[1]), np.float32)
    models = {}

    # Partner model, leave-one-GPU-out (or -family-out): samples alone + the other GPUs' (families') pairs unmixed
    # with their fleet mean profile (nothing of the held-out GPU, not even its DL jobs' profiles, reaches its model).
    def partner_model(g):
        if g in models:
            return models[g]
        Xt, yt, _, _ = unmix.partner_training(um, X, y, workloads, usable, apply, width, rows=rows_without(g),
                                              raw_alone=args.raw_alone)
        if args.train_window is not None:
            m = (win_cond <= args.train_window) & usable[win_rows] & rows_without(g)[win_rows]
            Xt, yt = np.vstack([Xt, Xw[m]]), np.concatenate([yt, y[win_rows[m]]])
        models[g] = tg.train(Xt, yt, weight=np.ones(len(yt), np.float32))
        return models[g]

    pw_score = np.full(len(win_rows), np.nan)
    if args.window is not None:
        for g in sorted(set(key_of[win_rows])):
            k = key_of[win_rows] == g
            pw_score[k] = tg.predict(partner_model(g), Xw[k])

    # The replay: per capture file and GPU, in time order.
    for drop in args.drop:
        cand_rows, cand_feat = [], []
        for idx in streams:
            h = unmix.JobHistory(um, args.settle, args.baseline, args.gap_s, drop, library=args.library)
            for i in idx:
                if work[i]:
                    parts = h.observe(X[i, :width], t[i])
                    for part in parts or []:
                        cand_rows.append(i)
                        cand_feat.append(part)
        cand_rows = np.array(cand_rows, dtype=np.int64)
        Xc = apply(np.array(cand_feat, dtype=np.float32)) if len(cand_rows) else np.empty((0, X.shape[1]), np.float32)
        pu = np.full(len(W), np.nan)
        for g in sorted(set(key_of[cand_rows])):
            booster = partner_model(g)
            k = key_of[cand_rows] == g
            for i, p in zip(cand_rows[k], tg.predict(booster, Xc[k])):  # a sample's score: its partners' lowest
                pu[i] = p if np.isnan(pu[i]) else min(pu[i], p)
        cand_rows = np.unique(cand_rows)

        # Episodes: contiguous runs of one workload in one file (startup excluded), watch's 3-of-5 over working samples.
        files = [np.where(src == key)[0] for key in sorted(set(src))]
        episodes, prev_of = unmix.stream_episodes([idx[np.argsort(t[idx], kind="stable")] for idx in files], W,
                                                  transition, gpu=gpu)

        def alerted(ep, flag):
            f = [flag[i] for i in ep if work[i]]
            return any(sum(f[max(0, j - 4):j + 1]) >= 3 for j in range(len(f)))

        def kind(ep):
            w = W[ep[0]]
            if "+" in w and prev_of.get(ep[0]) in w.split("+"):  # run-capture.py's A+B@DELAY: A ran alone first
                if prev_of.get(ep[0]) == w.split("+")[0] and w.startswith("hash_"):  # capture ci: a DL job joined a running miner
                    return "DL job joining a miner"
                return "miner joining a DL job" if y[ep[0]] == 1 else "benign joining a DL job"
            if y[ep[0]] == 1:
                parts = w.split("+")
                if len(parts) == 1:
                    return "miner alone"
                return "miner beside a DL job" if any(unmix.is_dl(p) for p in parts) else "miner beside other work"
            return "benign pair" if "+" in w else "benign alone"

        plain = logo > 0.5
        if args.save:
            np.savez(args.save, pu=pu, win_rows=win_rows, win_cond=win_cond, pw_score=pw_score)
        print(f"history-stream: drop {drop}, {len(cand_rows)} of {int(work.sum())} working samples read as a job plus a "
              f"partner ({int(y[cand_rows].sum())} of them hashing-labelled), {len(episodes)} episodes")
        kinds = ["miner joining a DL job", "benign joining a DL job", "DL job joining a miner", "miner alone", "miner beside a DL job", "miner beside other work", "benign alone", "benign pair"]
        settings = [(tu, None, None) for tu in args.tu]
        if args.window is not None:
            settings += [(tu, c, tw, k) for tu in args.tu for c in args.window for tw in (args.window_tu or [tu])
                         for k in args.window_median]
        for tu, cmax, tw, *med in settings:
            flag = plain | (np.nan_to_num(pu, nan=0.0) > tu)
            if cmax is not None:
                # As abp watch: the window's partner is scored only where the history read none.
                ok = win_cond <= cmax
                score = smoothed(pw_score, ok, win_run, med[0])
                hot_w = ok & (score > tw) & np.isnan(pu[win_rows])
                flag[win_rows[hot_w]] = True
                print(f"  window cond <= {cmax}, partner above {tw}{f' (median of {med[0]})' if med[0] > 1 else ''}: "
                      f"{int(y[win_rows[hot_w]].sum())} hashing-labelled "
                      f"samples, {int((y[win_rows[hot_w]] == 0).sum())} benign (of {len(win_rows)} windows read)")
            line = []
            for kd in kinds:
                eps = [e for e in episodes if kind(e) == kd]
                a0 = sum(alerted(e, plain) for e in eps)
                a1 = sum(alerted(e, flag) for e in eps)
                line.append(f"{kd} {a1}/{len(eps)} (as shipped {a0})")
            print(f"  tu {tu}: alerted episodes: " + "; ".join(line))
            hot = pu[cand_rows] > tu
            print(f"    partner reads above {tu}: {int((hot & (y[cand_rows] == 1)).sum())} of {int(y[cand_rows].sum())} "
                  f"hashing-labelled, {int((hot & (y[cand_rows] == 0)).sum())} of {int((y[cand_rows] == 0).sum())} benign "
                  f"(of which {int((hot & (y[cand_rows] == 0) & ~transition[cand_rows]).sum())} outside startup)")
            if args.list:
                for e in episodes:
                    if alerted(e, flag) != alerted(e, plain):
                        print(f"    {'+' if alerted(e, flag) else '-'} {src[e[0]].split('/')[-1]} {W[e[0]]} label {y[e[0]]}"
                              f" unmixed {np.nanmedian(pu[e]) if np.any(~np.isnan(pu[e])) else float('nan'):.2f}")


def smoothed(score, ok, run, k):
    """Each window read's score as the median of its run's last k reads within the bound (itself included)."""
    if k <= 1:
        return score
    out = np.full(len(score), np.nan)
    recent = []
    for j in range(len(score)):
        if j == 0 or run[j] != run[j - 1]:
            recent = []
        if ok[j]:
            recent.append(score[j])
            recent = recent[-k:]
            out[j] = np.median(recent)
    return out


if __name__ == "__main__":
    main()
