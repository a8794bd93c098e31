#!/usr/bin/python3
"""Forward test: a shipped GPM model scored on captures it was never trained on.

The honest check of a new capture before it joins training: the model as shipped (trained without it) scores
every record, and the per-sample figures leave out what the model card's leave out (`startup` records, and
samples of a hashing episode in which the GPU does no work: SM activity below NO_WORK_SM %).

  npx tsx scripts/make-features.ts --input data/nvsmi-h200-gpm-n.jsonlines.gz --columns scripts/gpm/columns.txt \\
      --derived scripts/gpm/derived_fil.txt --out /tmp/fwd
  /usr/bin/python3 scripts/forward-test.py --features /tmp/fwd --model-dir models/abp-gpm-xgb
  npx tsx scripts/eval-episodes.ts --features /tmp/fwd --probs forward.f32 --held-out "nothing (the shipped model)"

Writes forward.f32 (one probability a record) into the features folder, for eval-episodes.ts; prints accuracy,
benign samples flagged and a line per workload.
"""
import argparse
import collections
import json
import os

import numpy as np
import xgboost as xgb

NO_WORK_SM = 5.0
SM_COL = "nvidia_smi_log.gpu.gpm.sm_activity"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", required=True)
    ap.add_argument("--model-dir", default="models/abp-gpm-xgb")
    ap.add_argument("--threshold", type=float, default=0.5)
    args = ap.parse_args()
    d = args.features
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    n, c = meta["rows"], meta["columns"]
    X = np.fromfile(os.path.join(d, "X.f32"), dtype=np.float32).reshape(n, c)
    y = np.fromfile(os.path.join(d, "y.u8"), dtype=np.uint8)
    with open(os.path.join(d, "workloads.json")) as f:
        workloads = json.load(f)
    with open(os.path.join(d, "columns.txt")) as f:
        columns = f.read().split()
    with open(os.path.join(args.model_dir, "columns_fil.txt")) as f:
        model_cols = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    # The features folder must hold the model's columns in its order (make-features with the same columns and
    # derived files); the derived ones follow the raw ones.
    if columns[: len(model_cols)] != model_cols:
        raise SystemExit(f"forward-test: {d} was not made with {args.model_dir}'s columns_fil.txt")
    b = xgb.Booster()
    b.load_model(os.path.join(args.model_dir, "1", "xgboost.json"))
    p = b.predict(xgb.DMatrix(X, missing=np.nan)).astype(np.float32)
    p.tofile(os.path.join(d, "forward.f32"))

    sm = X[:, columns.index(SM_COL)]
    startup = np.array([w in ("startup", "") for w in workloads])
    usable = ~startup & ~((np.isnan(sm) | (sm < NO_WORK_SM)) & (y == 1))
    flagged = p >= args.threshold
    truth = y == 1
    benign = usable & ~truth
    fp = int((flagged & benign).sum())
    fn = int((~flagged & usable & truth).sum())
    acc = float((flagged[usable] == truth[usable]).mean())
    print(f"{meta['input']}: {int(usable.sum())} working samples, accuracy {acc:.3f}, "
          f"{fp} of {int(benign.sum())} benign flagged ({100 * fp / max(1, int(benign.sum())):.1f} %), "
          f"{fn} of {int((usable & truth).sum())} hashing missed")
    per = collections.OrderedDict()
    for i in np.where(usable)[0]:
        e = per.setdefault(workloads[i], [int(y[i]), 0, 0])
        e[1] += 1
        e[2] += int(flagged[i] != truth[i])
    print("| workload | label | samples | wrong |\n|---|---:|---:|---:|")
    for w, (label, k, wrong) in per.items():
        print(f"| `{w}` | {label} | {k} | {wrong} |")


if __name__ == "__main__":
    main()
