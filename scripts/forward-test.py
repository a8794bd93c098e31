#!/usr/bin/python3
"""Forward test: a shipped GPM model scored on captures it was never trained on.

The honest check of a new capture before it joins training: the model as shipped (trained without it) scores
every record, and the per-sample figures leave out what the model card's leave out (train-gpm-model.py's
working_samples: `startup` records, and samples of a hashing episode in which the GPU does no work).

  npx tsx scripts/make-features.ts --input data/nvsmi-h200-gpm-n.jsonlines.gz --columns scripts/gpm/columns.txt \\
      --derived scripts/gpm/derived_fil.txt --out /tmp/fwd
  /usr/bin/python3 scripts/forward-test.py --features /tmp/fwd --model-dir models/abp-gpm-xgb
  npx tsx scripts/eval-episodes.ts --features /tmp/fwd --probs forward.f32 --held-out "nothing (the shipped model)"

Writes forward.f32 (one probability a record) into the features folder, for eval-episodes.ts; prints accuracy,
benign samples flagged and a line per workload.
"""
import argparse
import importlib.util
import os

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("train_gpm_model", os.path.join(HERE, "train-gpm-model.py"))
tg = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tg)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", required=True)
    ap.add_argument("--model-dir", default="models/abp-gpm-xgb")
    args = ap.parse_args()
    d = args.features
    columns, X, y, workloads, meta = tg.tm.load_features(d)
    with open(os.path.join(args.model_dir, "columns_fil.txt")) as f:
        model_cols = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    # The features folder must hold the model's columns in its order (make-features with the same columns and
    # derived files); the derived ones follow the raw ones.
    if columns[: len(model_cols)] != model_cols:
        raise SystemExit(f"forward-test: {d} was not made with {args.model_dir}'s columns_fil.txt")
    b = xgb.Booster()
    b.load_model(os.path.join(args.model_dir, "1", "xgboost.json"))
    p = tg.predict(b, X).astype(np.float32)
    p.tofile(os.path.join(d, "forward.f32"))

    _, _, usable = tg.working_samples(X, y, workloads, columns, tg.load_idle(d))
    s = tg.score(p[usable], y[usable])
    benign = s["n"] - s["positives"]
    print(f"{meta['input']}: {s['n']} working samples, accuracy {s['accuracy']:.3f}, "
          f"{s['false_positives']} of {benign} benign flagged ({100 * s['false_positives'] / max(1, benign):.1f} %), "
          f"{s['false_negatives']} of {s['positives']} hashing missed")
    wrong = (p > tg.tm.THRESHOLD) != (y == 1)  # the serving rule (Morpheus'), as score() counts it
    per = {}
    for i in np.where(usable)[0]:
        e = per.setdefault(workloads[i], [int(y[i]), 0, 0])
        e[1] += 1
        e[2] += int(wrong[i])
    print("| workload | label | samples | wrong |\n|---|---:|---:|---:|")
    for w, (label, k, n_wrong) in per.items():
        print(f"| `{w}` | {label} | {k} | {n_wrong} |")


if __name__ == "__main__":
    main()
