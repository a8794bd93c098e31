#!/usr/bin/python3
"""Where did a retraining move the held-out verdicts? Two feature folders' held-out probabilities, sample for sample.

    /usr/bin/python3 scripts/gpm/compare-heldout.py BEFORE_FEATURES AFTER_FEATURES [--probs logo|lofo]
        [--kinds data/nvsmi-h100-gpm-bs.jsonlines.gz,...] [--top 15]

Each folder is a make-features output that scripts/train-gpm-model.py scored: logo.f32 / lofo.f32 from a full run
(`npm run train:model` writes build-train/gpm), or eval-logo.f32 / eval-lofo.f32 from an `--eval-only` run (used when
both are there). Rows are matched by their recording and timestamp, so the AFTER folder may hold more captures;
only rows in both are compared, and only those the card's figures count (the trainer's working_samples: start-up
gaps and the samples of hashing episodes with no work left out). Prints, for each group, the samples and how many
were wrong before and after (benign: flagged, probability above the trainer's threshold; hashing: not flagged):
hashing alone and beside a benign job, benign alone and in pairs, and, with --kinds, benign kinds (and pairs with
them) that those capture files record apart from the rest. Then the same samples by chip (the project's H200s, its
H100s, the shared recording: a file's name says its chip, `nvsmi-h100-gpm-*`), benign flagged and hashing missed
before and after, since recordings from one chip move the other's verdicts (the model card's leave-one-GPU-out).
Then the workloads whose wrong count moved most, each way. Used to check that a fall in one figure is not an artifact of the kinds just added (see the GPM model card,
leave-one-GPU-out).
"""
import argparse
import collections
import gzip
import importlib.util
import json
import os

import numpy as np

from chip import is_h100

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("tg", os.path.join(os.path.dirname(HERE), "train-gpm-model.py"))
tg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tg)


def load(folder, probs):
    """(recording, time) -> (workload, label, counted, probability); counted: the trainer's usable rows."""
    columns, X, y, workloads, _ = tg.tm.load_features(folder)
    _, _, usable = tg.working_samples(X, y, workloads, columns, tg.load_idle(folder))
    with open(os.path.join(folder, "rows.json")) as f:
        rows = json.load(f)
    name = next((n for n in (f"eval-{probs}.f32", f"{probs}.f32") if os.path.exists(os.path.join(folder, n))), None)
    if name is None:
        raise SystemExit(f"{folder}: neither eval-{probs}.f32 nor {probs}.f32 (run scripts/train-gpm-model.py on it)")
    p = np.fromfile(os.path.join(folder, name), dtype="<f4")
    if not (len(rows) == len(y) == len(p)):
        raise SystemExit(f"{folder}: {name} and rows.json do not match")
    return {(r["source"], r["t"]): (w, int(yy), bool(u), float(pp))
            for r, w, yy, u, pp in zip(rows, workloads, y, usable, p)}


def chip_of(source):
    """The chip a recording was made on, from its file name (chip.py, as the trainer reads it): the shared recording apart
    (another H200, workloads the project did not write)."""
    if os.path.basename(source) == "nvsmi-h200-gpm-train.jsonlines.gz":
        return "shared recording"
    return "H100s" if is_h100(source) else "H200s"


def kinds_of(paths):
    out = set()
    for path in paths:
        with gzip.open(path, "rt") as f:
            for line in f:
                w = json.loads(line).get("workload")
                if w and w != "startup":
                    out.add(w)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--probs", choices=("logo", "lofo"), default="logo")
    ap.add_argument("--kinds", default="", help="comma-separated capture files whose benign kinds are counted apart")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    before, after = load(args.before, args.probs), load(args.after, args.probs)
    marked = kinds_of([p for p in args.kinds.split(",") if p])
    groups = collections.defaultdict(lambda: [0, 0, 0])
    per_workload = collections.defaultdict(lambda: [0, 0, 0])
    per_chip = collections.defaultdict(lambda: [0, 0, 0, 0, 0, 0])  # benign n, flagged before/after; hashing n, missed
    skipped = 0
    for key, (w, y, counted, pb) in before.items():
        if not counted:
            continue
        if key not in after:
            skipped += 1
            continue
        pa = after[key][3]
        if np.isnan(pb) or np.isnan(pa):
            skipped += 1
            continue
        flag_b, flag_a = pb > tg.THRESHOLD, pa > tg.THRESHOLD  # mining as abp watch and the trainer decide it
        wrong_b, wrong_a = (flag_b, flag_a) if y == 0 else (not flag_b, not flag_a)
        pair = "+" in w
        if y == 1:
            group = "hashing beside a benign job" if pair else "hashing alone"
        elif w in marked:
            group = "benign, a --kinds kind alone"
        elif pair and any(part.split("@")[0] in marked for part in w.split("+")):
            group = "benign pair with a --kinds kind"
        else:
            group = "benign pair" if pair else "benign alone"
        for acc in (groups[group], per_workload[w]):
            acc[0] += 1
            acc[1] += wrong_b
            acc[2] += wrong_a
        c = per_chip[chip_of(key[0])]
        o = 3 * y
        c[o] += 1
        c[o + 1] += wrong_b
        c[o + 2] += wrong_a
    print(f"{args.probs} held out, {args.before} -> {args.after}" + (f" ({skipped} rows not in both or unscored)" if skipped else ""))
    print("| group | samples | wrong before | wrong after |\n|---|---:|---:|---:|")
    for g, (n, b, a) in sorted(groups.items()):
        print(f"| {g} | {n:,} | {b:,} | {a:,} |")
    print("| chip | benign | flagged before | flagged after | hashing | missed before | missed after |\n"
          "|---|---:|---:|---:|---:|---:|---:|")
    for chip, c in sorted(per_chip.items()):
        print(f"| {chip} | " + " | ".join(f"{v:,}" for v in c) + " |")
    moved = sorted(per_workload.items(), key=lambda kv: kv[1][2] - kv[1][1])
    for title, items in (("fewer wrong", moved[:args.top]), ("more wrong", moved[::-1][:args.top])):
        print(f"{title}:")
        for w, (n, b, a) in items:
            if a != b:
                print(f"  {w:50s} {b:4d} -> {a:4d} of {n}")


if __name__ == "__main__":
    main()
