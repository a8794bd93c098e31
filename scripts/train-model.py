#!/usr/bin/python3
"""Train the shipped abp-nvsmi-xgb model and evaluate it leave-one-workload-out.

Run through scripts/train-model.sh (npm run train:model), which first writes the
feature matrix with scripts/make-features.ts, i.e. with the pipeline's own
unit stripping. This script only reads that matrix:

  /usr/bin/python3 scripts/train-model.py --features build-train/train \
      --model-dir models/abp-nvsmi-xgb

Writes, under --model-dir: 1/xgboost.json (the model, trained on every
non-startup record), columns_fil.txt, config.pbtxt, labels.txt, metrics.json,
and the generated metrics block of README.md (between the metrics markers).
Deterministic: one thread, fixed seed, exact tree method.
"""
import argparse
import json
import os
import sys

import numpy as np
import xgboost as xgb

MODEL_NAME = "abp-nvsmi-xgb"
THRESHOLD = 0.5
ROUNDS = 50
PARAMS = {
    "objective": "binary:logistic",
    "eval_metric": "logloss",
    "tree_method": "exact",
    "max_depth": 3,
    "eta": 0.1,
    # Row and per-split column sampling: each tree sees a different mix of the
    # power, utilisation and PCIe signals, so no single tight threshold (one
    # training workload's PCIe rate, say) decides alone. Measured by LOWO below.
    "subsample": 0.7,
    "colsample_bynode": 0.3,
    "base_score": 0.5,
    "seed": 0,
    "nthread": 1,
}
# `startup` records are the seconds between workloads while the next one loads:
# labelled 0, but the previous workload's tail is still in them. They are not
# trained on and are reported on their own.
TRANSITION = "startup"

CONFIG_TEMPLATE = """\
name: "{name}"
backend: "fil"
max_batch_size: 32768

input [
  {{
    name: "input__0"
    data_type: TYPE_FP32
    dims: [ {width} ]
  }}
]
output [
  {{
    name: "output__0"
    data_type: TYPE_FP32
    dims: [ 1 ]
  }}
]

instance_group [{{ count: 1, kind: KIND_GPU }}]

parameters [
  {{
    key: "model_type"
    value: {{ string_value: "xgboost_json" }}
  }},
  {{
    key: "output_class"
    value: {{ string_value: "false" }}
  }},
  {{
    key: "threshold"
    value: {{ string_value: "{threshold}" }}
  }}
]

dynamic_batching {{ }}
"""


def load_features(d):
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    with open(os.path.join(d, "columns.txt")) as f:
        columns = [l.strip() for l in f if l.strip()]
    rows, width = meta["rows"], meta["columns"]
    if width != len(columns):
        sys.exit(f"{d}: meta.json says {width} columns, columns.txt has {len(columns)}")
    X = np.fromfile(os.path.join(d, "X.f32"), dtype="<f4")
    if X.size != rows * width:
        sys.exit(f"{d}/X.f32: {X.size} values, expected {rows} x {width}")
    X = X.reshape(rows, width)
    y = np.fromfile(os.path.join(d, "y.u8"), dtype="u1")
    if y.size != rows or np.any(y > 1):
        sys.exit(f"{d}/y.u8: every row needs a 0/1 label")
    with open(os.path.join(d, "workloads.json")) as f:
        workloads = json.load(f)
    return columns, X, y.astype(np.float32), workloads, meta


def train(X, y):
    dm = xgb.DMatrix(X, label=y, missing=np.nan)
    return xgb.train(PARAMS, dm, ROUNDS)


def predict(booster, X):
    return booster.predict(xgb.DMatrix(X, missing=np.nan))


def score(p, y):
    pred = p > THRESHOLD
    truth = y == 1
    n = int(y.size)
    return {
        "n": n,
        "positives": int(truth.sum()),
        "accuracy": float((pred == truth).mean()) if n else None,
        "false_positives": int((pred & ~truth).sum()),
        "false_negatives": int((~pred & truth).sum()),
        "median_probability": float(np.median(p)) if n else None,
    }


def lowo(X, y, names):
    """Hold out every record of one workload name (all variants), train on the other names."""
    held = [n for n in dict.fromkeys(names) if n != TRANSITION]
    trainable = names != TRANSITION
    per = {}
    all_p = np.zeros(len(y), dtype=np.float32)
    for h in held:
        test = names == h
        b = train(X[trainable & ~test], y[trainable & ~test])
        p = predict(b, X[test])
        all_p[test] = p
        per[h] = score(p, y[test])
    overall = score(all_p[trainable], y[trainable])
    return per, overall


def metrics_markdown(per, overall, startup, final_train, columns, importance):
    lines = [
        "| held-out workload | records | hashing | accuracy | false positives | false negatives | median p |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in per.items():
        lines.append(
            f"| `{name}` | {s['n']} | {s['positives']} | {s['accuracy']:.3f} | {s['false_positives']} "
            f"| {s['false_negatives']} | {s['median_probability']:.3f} |"
        )
    o = overall
    lines.append(
        f"| **all (LOWO)** | {o['n']} | {o['positives']} | {o['accuracy']:.3f} | {o['false_positives']} "
        f"| {o['false_negatives']} | |"
    )
    s = startup
    lines.append("")
    lines.append(
        f"Transitions (`startup`, {s['n']} records, label 0, never trained on), scored by the final model: "
        f"accuracy {s['accuracy']:.3f}, {s['false_positives']} false positives."
    )
    f = final_train
    lines.append(
        f"Final model on its own training records ({f['n']}, for reference only, not a generalisation "
        f"measure): accuracy {f['accuracy']:.3f}, {f['false_positives']} FP, {f['false_negatives']} FN."
    )
    lines.append("")
    lines.append("Split gain by feature (final model):")
    lines.append("")
    total = sum(importance.values()) or 1.0
    for c in columns:
        g = importance.get(c, 0.0)
        lines.append(f"- `{c}`: {100.0 * g / total:.1f}%")
    return "\n".join(lines)


def ablation(cand_dir, columns, X, y, names, per, overall):
    """LOWO of the shipped feature set against wider sets from the candidate matrix, same params."""
    cand_cols, CX, cy, cw, _ = load_features(cand_dir)
    if not np.array_equal(cy, y) or [w.split("/")[0] for w in cw] != list(names):
        sys.exit(f"{cand_dir}: not the same records as the training matrix")
    missing = [c for c in columns if c not in cand_cols]
    if missing:
        sys.exit(f"{cand_dir}: candidate set lacks shipped columns {missing}")
    rows = [summary_row("shipped", columns, per, overall)]
    wider = [c for c in cand_cols if c not in columns]
    sets = [("shipped + memory_util + sm_clock", columns + [c for c in wider if c.endswith(("utilization.memory_util", "clocks.sm_clock"))]),
            ("all candidates", cand_cols)]
    for label, cols in sets:
        idx = [cand_cols.index(c) for c in cols]
        p_per, p_overall = lowo(CX[:, idx], y, names)
        rows.append(summary_row(label, cols, p_per, p_overall))
    return rows


def summary_row(label, cols, per, overall):
    benign_fp = {k: v["false_positives"] for k, v in per.items() if v["false_positives"]}
    return {
        "set": label,
        "features": len(cols),
        "columns": cols,
        "accuracy": overall["accuracy"],
        "false_positives": overall["false_positives"],
        "false_negatives": overall["false_negatives"],
        "missed_by_workload": {k: v["false_negatives"] for k, v in per.items() if v["positives"]},
        "false_positives_by_workload": benign_fp,
    }


def ablation_markdown(rows):
    lines = [
        "| feature set | features | LOWO accuracy | FP | FN | missed per held-out hashing workload | FP by workload |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        missed = ", ".join(f"{k} {v}" for k, v in r["missed_by_workload"].items())
        fps = ", ".join(f"{k} {v}" for k, v in r["false_positives_by_workload"].items()) or "none"
        lines.append(f"| {r['set']} | {r['features']} | {r['accuracy']:.3f} | {r['false_positives']} "
                     f"| {r['false_negatives']} | {missed} | {fps} |")
    return "\n".join(lines)


def replace_block(path, begin, end, body):
    with open(path) as f:
        text = f.read()
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i:
        sys.exit(f"{path}: markers {begin} / {end} not found")
    text = text[: i + len(begin)] + "\n" + body + "\n" + text[j:]
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", default="build-train/train")
    ap.add_argument("--model-dir", default=f"models/{MODEL_NAME}")
    ap.add_argument("--ablation", help="feature dir of a wider candidate set, to compare in the card")
    args = ap.parse_args()

    columns, X, y, workloads, meta = load_features(args.features)
    names = np.array([w.split("/")[0] for w in workloads])
    print(f"train-model: {X.shape[0]} records x {X.shape[1]} features, xgboost {xgb.__version__}")

    per, overall = lowo(X, y, names)
    for name, s in per.items():
        print(f"  LOWO {name:18s} n={s['n']:4d} acc={s['accuracy']:.3f} "
              f"FP={s['false_positives']:3d} FN={s['false_negatives']:3d}")
    print(f"  LOWO overall n={overall['n']} acc={overall['accuracy']:.3f} "
          f"FP={overall['false_positives']} FN={overall['false_negatives']}")

    trainable = names != TRANSITION
    final = train(X[trainable], y[trainable])
    # Feature names are kept out of the saved model on purpose: columns_fil.txt is the contract.
    startup = score(predict(final, X[~trainable]), y[~trainable])
    final_train = score(predict(final, X[trainable]), y[trainable])
    print(f"  startup (final model) n={startup['n']} FP={startup['false_positives']}")

    os.makedirs(os.path.join(args.model_dir, "1"), exist_ok=True)
    model_path = os.path.join(args.model_dir, "1", "xgboost.json")
    final.save_model(model_path)
    # The file, not the in-memory booster, is what ships: it must predict the same.
    reloaded = xgb.Booster(model_file=model_path)
    if not np.array_equal(predict(reloaded, X), predict(final, X)):
        sys.exit(f"{model_path}: reloaded model predicts differently")

    with open(os.path.join(args.model_dir, "columns_fil.txt"), "w") as f:
        f.write("\n".join(columns) + "\n")
    with open(os.path.join(args.model_dir, "labels.txt"), "w") as f:
        f.write("mining\n")
    with open(os.path.join(args.model_dir, "config.pbtxt"), "w") as f:
        f.write(CONFIG_TEMPLATE.format(name=MODEL_NAME, width=len(columns), threshold=THRESHOLD))

    gain = final.get_score(importance_type="total_gain")
    importance = {columns[int(k[1:])]: float(v) for k, v in gain.items()}
    trees = len(final.get_dump())
    metrics = {
        "model": MODEL_NAME,
        "xgboost": xgb.__version__,
        "input": meta.get("input"),
        "rule": meta.get("rule"),
        "records": int(X.shape[0]),
        "trained_on": int(trainable.sum()),
        "columns": columns,
        "params": PARAMS,
        "rounds": ROUNDS,
        "trees": trees,
        "threshold": THRESHOLD,
        "lowo": per,
        "lowo_overall": overall,
        "startup_final_model": startup,
        "final_model_on_training_records": final_train,
        "total_gain": importance,
    }
    with open(os.path.join(args.model_dir, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")

    card = os.path.join(args.model_dir, "README.md")
    if os.path.exists(card):
        replace_block(card, "<!-- metrics:begin -->", "<!-- metrics:end -->",
                      metrics_markdown(per, overall, startup, final_train, columns, importance))
    if args.ablation:
        rows = ablation(args.ablation, columns, X, y, names, per, overall)
        metrics["ablation"] = rows
        with open(os.path.join(args.model_dir, "metrics.json"), "w") as f:
            json.dump(metrics, f, indent=2)
            f.write("\n")
        if os.path.exists(card):
            replace_block(card, "<!-- ablation:begin -->", "<!-- ablation:end -->", ablation_markdown(rows))
    print(f"train-model: {trees} trees -> {model_path}")


if __name__ == "__main__":
    main()
