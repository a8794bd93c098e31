#!/usr/bin/python3
"""Golden predictions for the pipeline's end-to-end tests, made by XGBoost itself.

Loads the SHIPPED model file of a Triton-style model directory and predicts on a
feature matrix written by scripts/make-features.ts (the pipeline's own unit
stripping) for the model's columns_fil.txt:

  /usr/bin/python3 scripts/make-golden.py --model-dir models/abp-nvsmi-xgb \
      --features build-train/golden --out test/golden/nvsmi-h200-train.predictions.json

Output: {model, model_file, input, rule, columns, rows, threshold, xgboost,
probabilities: [...], mining: [...]}; probabilities are XGBoost's float32
outputs written with enough digits that Math.fround(p) gives the same float32.
"""
import argparse
import json
import os
import re
import sys

import numpy as np
import xgboost as xgb

FILE_FOR_TYPE = {"xgboost_json": "xgboost.json", "xgboost": "xgboost.model", "xgboost_ubj": "xgboost.ubj"}


def config_param(text, key):
    m = re.search(r'key:\s*"' + re.escape(key) + r'"\s*value:\s*\{\s*string_value:\s*"([^"]*)"', text)
    return m.group(1) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default="models/abp-nvsmi-xgb")
    ap.add_argument("--features", default="build-train/golden")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    with open(os.path.join(args.model_dir, "config.pbtxt")) as f:
        config = f.read()
    name = re.search(r'^name:\s*"([^"]+)"', config, re.M).group(1)
    model_type = config_param(config, "model_type")
    threshold = float(config_param(config, "threshold") or 0.5)
    model_file = os.path.join(args.model_dir, "1", FILE_FOR_TYPE[model_type])

    with open(os.path.join(args.model_dir, "columns_fil.txt")) as f:
        columns = [l.strip() for l in f if l.strip()]
    # A model with derived features (derived_fil.txt) takes them after the columns.
    derived_file = os.path.join(args.model_dir, "derived_fil.txt")
    if os.path.exists(derived_file):
        with open(derived_file) as f:
            columns += [l.split("=")[0].strip() for l in f if l.strip() and not l.lstrip().startswith("#")]
    with open(os.path.join(args.features, "columns.txt")) as f:
        feature_columns = [l.strip() for l in f if l.strip()]
    if feature_columns != columns:
        sys.exit(f"{args.features} was made for other columns than {args.model_dir}/columns_fil.txt")
    with open(os.path.join(args.features, "meta.json")) as f:
        meta = json.load(f)
    X = np.fromfile(os.path.join(args.features, "X.f32"), dtype="<f4").reshape(meta["rows"], len(columns))

    booster = xgb.Booster(model_file=model_file)
    if booster.num_features() != len(columns):
        sys.exit(f"{model_file}: {booster.num_features()} features, columns_fil.txt lists {len(columns)}")
    p = booster.predict(xgb.DMatrix(X, missing=np.nan))
    assert p.dtype == np.float32

    golden = {
        "model": name,
        "model_file": os.path.relpath(model_file),
        "input": meta["input"],
        "rule": meta["rule"],
        "xgboost": xgb.__version__,
        "columns": columns,
        "rows": int(X.shape[0]),
        "threshold": threshold,
        # float(np.float32) is exact; Python's repr of that double round-trips it.
        "probabilities": [float(v) for v in p],
        "mining": [bool(v > threshold) for v in p],
    }
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    print(f"make-golden: {X.shape[0]} rows, {sum(golden['mining'])} mining -> {args.out}")


if __name__ == "__main__":
    main()
