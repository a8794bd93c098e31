#!/usr/bin/python3
"""Train abp-gpm-partner-xgb: the model `abp watch` scores a job's partner with, once unmixed out of the job.

    /usr/bin/python3 scripts/gpm/train-partner-model.py --features build-train/gpm --model-dir models/abp-gpm-partner-xgb
    /usr/bin/python3 scripts/gpm/train-partner-model.py --golden build-train/gpm-partner --model-dir ... --out FILE

A miner time-sliced beside a DL job reads, per sample, as the DL job with a smaller tensor share; abp-gpm-xgb
misses most of them. `abp watch` keeps each GPU's recent profile (scripts/gpm/unmix.py, src/collect/job-history.ts)
and, when a sample reads as the job plus a partner, unmixes the partner's profile out of it. This model scores
that profile. It learns from every working sample recorded alone (what a partner's profile looks like when it is
the only process; put in the partner's form: per unit of SM time, graphics = SM, PCIe 0) and from every recorded
pair with a DL part also recorded alone, unmixed with that DL
variant's mean profile over all GPUs (labelled: a miner or a benign partner), with abp-gpm-xgb's parameters.
How well it does, held out by GPU and replayed through watch: scripts/gpm/history-stream.py (the card).

--golden: the reference for test/job-history.test.ts: replays a capture's features (one file, make-features
with scripts/gpm/columns.txt) through unmix.JobHistory as watch would (per GPU, working samples in time order)
and writes, for each sample that read as a job plus a partner, the record's index, the partner's raw GPM
columns and the shipped partner model's probability.
"""
import argparse
import importlib.util
import json
import os
import sys

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import synthetic_pairs as sp  # noqa: E402
import unmix  # noqa: E402

_spec = importlib.util.spec_from_file_location("tg", os.path.join(os.path.dirname(HERE), "train-gpm-model.py"))
tg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tg)

MODEL_NAME = "abp-gpm-partner-xgb"
# Held out by GPU and replayed through watch (history-stream.py): 0.7 adds alerts on miners joining DL jobs
# and none on benign episodes; 0.5 alarms on two more benign joiners.
THRESHOLD = 0.7


def golden(args):
    columns, X, y, workloads, _ = tg.tm.load_features(args.golden)
    with open(os.path.join(args.golden, "rows.json")) as f:
        rows = json.load(f)
    idle = tg.load_idle(args.golden)
    width, apply = sp.derived_evaluator(args.derived, columns)
    um = unmix.Unmixer(columns)
    booster = xgb.Booster(model_file=os.path.join(args.model_dir, "1", "xgboost.json"))
    gpu = [r["gpu"] for r in rows]
    t = np.array([r["t"] for r in rows])
    out = []
    for g in sorted(set(gpu)):
        idx = [i for i in np.argsort(t, kind="stable") if gpu[i] == g]
        h = unmix.PairWindow(um) if args.window else unmix.JobHistory(um)
        for i in idx:
            if idle[i] or np.isnan(X[i, um.sm]):
                continue
            got = h.observe(X[i, :width], t[i])
            if got is None:
                continue
            if args.window:
                part = got  # the window reads one partner
            else:
                part, = got  # one partner: the run's own baseline (no library, as job-history.ts)
            p = float(booster.predict(xgb.DMatrix(apply(part[None].astype(np.float32)), missing=np.nan))[0])
            out.append({"index": int(i), "partner": [float(v) for v in part], "probability": p})
    out.sort(key=lambda r: r["index"])
    with open(args.out, "w") as f:
        json.dump({"columns": columns[:width], "rows": len(rows), "partners": out}, f, indent=1)
        f.write("\n")
    print(f"train-partner-model: {len(out)} of {len(rows)} records read as a job plus a partner"
          f"{' over a window' if args.window else ''} -> {args.out}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", default="build-train/gpm")
    ap.add_argument("--derived", default="scripts/gpm/derived_fil.txt")
    ap.add_argument("--columns", default="scripts/gpm/columns.txt")
    ap.add_argument("--model-dir", default=f"models/{MODEL_NAME}")
    ap.add_argument("--golden", help="a capture's features: write the reference for test/job-history.test.ts")
    ap.add_argument("--out", help="with --golden: the file to write")
    ap.add_argument("--window", action="store_true",
                    help="with --golden: replay unmix.PairWindow (test/pair-window.test.ts) instead of JobHistory")
    args = ap.parse_args()
    if args.golden:
        if not args.out:
            sys.exit("train-partner-model: --golden needs --out")
        return golden(args)

    columns, X, y, workloads, meta = tg.tm.load_features(args.features)
    _, _, usable = tg.working_samples(X, y, workloads, columns, tg.load_idle(args.features))
    width, apply = sp.derived_evaluator(args.derived, columns)
    um = unmix.Unmixer(columns)
    Xt, yt, alone, sel = unmix.partner_training(um, X, y, workloads, usable, apply, width)
    booster = tg.train(Xt, yt, weight=np.ones(len(yt), np.float32))
    tg.save_model_dir(args.model_dir, booster, Xt, MODEL_NAME, args.columns, args.derived, len(columns), THRESHOLD)
    metrics = {
        "model": MODEL_NAME, "xgboost": xgb.__version__, "inputs": meta.get("input"), "rule": meta.get("rule"),
        "columns": columns, "params": tg.PARAMS, "rounds": tg.ROUNDS, "seeds": tg.SEEDS, "threshold": THRESHOLD,
        "trained_on": {"alone": int(alone.sum()), "unmixed_partners": int(len(sel)),
                       "unmixed_miners": int(y[sel].sum()), "unmixed_benign": int((y[sel] == 0).sum())},
        "history": {"settle": unmix.SETTLE, "baseline": unmix.BASELINE, "gap_s": unmix.GAP_S, "drop": unmix.DROP},
    }
    with open(os.path.join(args.model_dir, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    print(f"train-partner-model: {int(alone.sum())} samples alone + {len(sel)} unmixed partners "
          f"({int(y[sel].sum())} miners) -> {os.path.join(args.model_dir, '1', 'xgboost.json')}")


if __name__ == "__main__":
    main()
