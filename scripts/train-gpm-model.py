#!/usr/bin/python3
"""Train the GPM model (abp-gpm-xgb) and evaluate it leave-one-family-out.

Run through scripts/train-model.sh (npm run train:model), which first writes
the feature matrix with scripts/make-features.ts (the pipeline's own unit
stripping and derived features, src/model-repo/derived.ts). This script only
reads that matrix.

Per-sample figures leave out samples in which the GPU does no work (abp
watch's idle: SM activity and utilisation both below 5 %): a cycling miner's off phase cannot show mining,
and training on it as "mining" would teach the model that idle is suspect.
Those samples are the episode-level detector's business (abp watch).

Evaluation (all in the model card and metrics.json):
  LOFO   hold out one family (every workload of it, alone or co-located),
         train on records that contain none of it;
  LOWO   the same per workload name (finer: `sort`, `hashjoin`, ...);
  LOVO   hold out one hashing variant (full, low, throttled, cycling) or
         every co-located pair, across all families;
  LOGO   hold out one physical GPU's recordings (the shared recording is
         another H200 running workloads this project did not write).
Deterministic: each forest on one thread, fixed seed, exact tree method; the held-out folds' forests train
side by side in ABP_TRAIN_JOBS processes (default: one per core, scripts/gpm/forest.py), with the same verdicts
for any number of them.
"""
import argparse
import importlib.util
import json
import os
import sys
import warnings

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("train_model", os.path.join(HERE, "train-model.py"))
tm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tm)
sys.path.insert(0, os.path.join(HERE, "gpm"))
import forest  # noqa: E402
from chip import is_h100  # noqa: E402
import synthetic_pairs  # noqa: E402

MODEL_NAME = "abp-gpm-xgb"
THRESHOLD = 0.5
ROUNDS = 120
PARAMS = {
    "objective": "binary:logistic",
    "eval_metric": "logloss",
    "tree_method": "exact",
    "max_depth": 4,
    "eta": 0.1,
    "subsample": 0.8,
    "colsample_bynode": 0.5,
    "min_child_weight": 2,
    "base_score": 0.5,
    "seed": 0,
    "nthread": 1,
}
# A hashing kernel beside a benign job: the sample's label is the GPU's (mining), but its pipe activity is
# mostly the benign partner's. Counted in full, these samples teach the model that deep-learning training
# and inference are mining (the shared recording's ResNet jobs were flagged on 78 samples once capture i's
# hashing-under-CNN pairs were added); at 0.3 leave-one-family-out rose from 0.760 to 0.778 (benign flagged
# 18.0 % -> 12.8 %), the shared recording held out from 0.590 to 0.671, leave-one-GPU-out 0.845 -> 0.830.
# abp watch's episode logic, not one sample, is what catches a miner hidden under a benign job.
COLOCATED_WEIGHT = 0.3
# Synthetic pairs (scripts/gpm/synthetic_pairs.py): N miners beside a benign job and N benign pairs made from
# samples of each job alone, as time-slicing mixes them. Recorded pairs cover the miner x benign combinations
# someone thought to record; the synthetic ones cover all of them. With no recorded pair in training they
# teach the model to catch 0.45 of the recorded miner-beside-benign samples (0.02 without); on a-ai, at the
# same share of benign samples flagged, they catch more than lowering the threshold does (model card, "Synthetic
# pairs"). A synthetic miner counts in full (1.0): at the co-located weight, or weighted by its share of the
# pair's time, they did no better than none.
# Shipped from captures ag-aj; off again since ak-an: on a-an they no longer pay for themselves (leave-one-GPU-out
# 0.815 / 10.5 % of benign samples flagged with them, 0.812 / 7.5 % without; leave-one-family-out 0.696 / 19.8 %
# against 0.691 / 16.4 %; seed 1 with them 0.808 / 11.3 % and 0.698 / 20.5 %): the same accuracy, three points more
# benign flagged. `--synthetic-pairs 4000` (with --eval-only) still measures them.
SYNTHETIC_PAIRS = 0
SYNTHETIC_MINER_WEIGHT = 1.0
SYNTHETIC_BENIGN_WEIGHT = 1.0
TRANSITION = "startup"
SM_COL = "nvidia_smi_log.gpu.gpm.sm_activity"


def parts_of(workload):
    return [p.split("/")[0] for p in workload.split("+")] if workload else []


def variant_of(workload):
    return [p.split("/")[1] if "/" in p else "" for p in workload.split("+")]


# The shared data's hashing kernels by the project's family of the same kind: held out
# together, so a "held-out" memory-hard family has no memory-hard kin left in training.
ALIASES = {"pow_dag": "hash_dag", "pow_mixed": "hash_mixed"}


def family_parts(row, workload):
    """Families of a record's parts: the capture's `family` key, else the workload names (shared data)."""
    fam = row.get("family") or ""
    parts = fam.split("+") if fam else parts_of(workload)
    return [ALIASES.get(p, p) for p in parts]


def is_hash(name):
    return name.startswith("hash_") or name.startswith("pow_")


def primary(parts):
    hashes = [p for p in parts if is_hash(p)]
    return hashes[0] if hashes else (parts[0] if parts else "")


# How many seeds' forests make the model (`--seeds`): three since a-by. Averaging seeds (one forest of every seed's
# trees, leaves scaled by 1/N) cuts the trees' row and column sampling noise: on a-ca three seeds held out by GPU
# gave 0.815 / 930 benign flagged against 0.810-0.812 / 984-1,092 for each alone (the card's "Tried"). Every
# forest the evaluation trains is then three, hence the folds in parallel (forest.fit_predict_folds).
SEEDS = 3


def train(X, y, params=PARAMS, rounds=ROUNDS, weight=None, seeds=None):
    """A forest on (X, y); with seeds > 1 (default SEEDS), that many forests of consecutive seeds from params'
    seed, merged (forest.merge_seeds)."""
    return forest.fit(X, y, params, rounds, weight, SEEDS if seeds is None else seeds)


def load_idle(d):
    """make-features' idle.u8: 1 where abp watch's isIdle (src/collect/watch.ts) counts the sample as idle."""
    path = os.path.join(d, "idle.u8")
    if not os.path.exists(path):
        sys.exit(f"{path}: missing; make the features again with scripts/make-features.ts")
    return np.fromfile(path, dtype="u1").astype(bool)


def working_samples(X, y, workloads, columns, idle):
    """(transition, no_work, usable) masks: startup records; samples with no work (the watch's idle: SM activity
    and utilisation both below 5 %) or no GPM value to tell; and what is trained on and scored per sample, neither
    startup nor a hashing sample with no work (a cycling miner's off phase cannot show mining). The same idle rule
    as the watch's window, so a miner the watch scores is one the model was trained and judged on."""
    sm = X[:, columns.index(SM_COL)]
    if idle.shape[0] != X.shape[0]:
        sys.exit(f"idle.u8 has {idle.shape[0]} rows, X {X.shape[0]}: make the features again")
    transition = np.array([w == TRANSITION or w == "" for w in workloads])
    no_work = np.isnan(sm) | idle
    return transition, no_work, ~transition & ~(no_work & (y == 1))


predict = forest.predict


def save_model_dir(d, booster, X, name, columns_path, derived_path, width, threshold):
    """A Triton-style model directory: 1/xgboost.json (checked to predict X as `booster` does once reloaded),
    columns_fil.txt (the raw columns), derived_fil.txt, labels.txt and config.pbtxt."""
    os.makedirs(os.path.join(d, "1"), exist_ok=True)
    model_path = os.path.join(d, "1", "xgboost.json")
    booster.save_model(model_path)
    reloaded = xgb.Booster(model_file=model_path)
    if not np.array_equal(predict(reloaded, X), predict(booster, X)):
        sys.exit(f"{model_path}: reloaded model predicts differently")
    with open(columns_path) as f:
        raw_cols = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    with open(os.path.join(d, "columns_fil.txt"), "w") as f:
        f.write("\n".join(raw_cols) + "\n")
    with open(derived_path) as src, open(os.path.join(d, "derived_fil.txt"), "w") as dst:
        dst.write(src.read())
    with open(os.path.join(d, "labels.txt"), "w") as f:
        f.write("mining\n")
    with open(os.path.join(d, "config.pbtxt"), "w") as f:
        f.write(tm.CONFIG_TEMPLATE.format(name=name, width=width, threshold=threshold))


def score(p, y):
    """train-model.py's per-sample score, plus the share of benign samples flagged."""
    s = tm.score(p, y)
    benign = int((y != 1).sum())
    s["benign_fp_rate"] = s["false_positives"] / benign if benign else None
    return s


def pairs_with_partner_alone(train_rows, needs, alone_of_row):
    """Of train_rows, those to keep when a miner beside a benign job is trained on only if every benign partner
    of it is also trained on alone (needs[i]: the benign parts of row i, a miner's pair; alone_of_row[i]: the
    workload of a benign row recorded alone, else None)."""
    seen = {alone_of_row[i] for i in np.flatnonzero(train_rows) if alone_of_row[i] is not None}
    drop = np.array([bool(n) and not all(part in seen for part in n) for n in needs])
    return train_rows & ~drop


def colocated_share_weight(X, workloads, columns, weight, colocated_hashing, cw, work):
    """--colocated-share: each recorded miner pair's weight scaled by its miner's fitted share of active time
    (scripts/gpm/mixture.py's fit of the pair to its two parts recorded alone; other pairs keep theirs)."""
    from mixture import Mixture  # scipy's NNLS: only this experiment needs it
    mx = Mixture(X, workloads, work, columns)
    W = np.array(workloads)
    share = {}
    for w in sorted(set(W[colocated_hashing])):
        parts = mx.parts_alone(w) if w in mx.pair else None
        if parts is None:
            continue
        f, _ = mx.fit(parts, mx.target(w))
        mi = 0 if is_hash(parts[0].split("/")[0]) else 1
        share[w] = f[mi] / f.sum() if f.sum() > 0 else 0.0
    out = weight.copy()
    for w, sh in share.items():
        out[(W == w) & colocated_hashing] = cw * min(1.0, 2.0 * sh)
    print(f"train-gpm-model: --colocated-share: {len(share)} miner pairs weighted by share (median "
          f"{np.median(list(share.values())):.2f}; {sum(v < 0.2 for v in share.values())} below 0.2)")
    return out


def hold_out(X, y, usable, groups_of_row, test_key_of_row, keys, params, rounds, weight, partner_alone=None,
             trainable=None):
    """For each key: test = usable rows whose test key is it; train = usable rows with no part in it (and, with
    trainable, only rows it marks: the learning-curve experiment's subset of kinds; the test rows stay all).
    partner_alone = (needs, alone_of_row): drop from each fold's training the miners beside a benign job whose
    benign partner that fold does not see alone (pairs_with_partner_alone).

    Returns per-key scores, the pooled score, and a held-out probability for
    every row of a held-out key, usable or not (startup and no-work samples
    too: the episode replay needs a verdict for every sample)."""
    per, pooled = {}, np.full(len(y), np.nan, dtype=np.float32)
    held, folds = [], []
    for k in keys:
        mine = np.array([t == k for t in test_key_of_row])
        test = usable & mine
        if not test.any():
            continue
        train_rows = usable & np.array([k not in g for g in groups_of_row])
        if trainable is not None:
            train_rows &= trainable
        if partner_alone is not None:
            train_rows = pairs_with_partner_alone(train_rows, *partner_alone)
        held.append(k)  # row indices, not masks: a mask per fold is the whole matrix's rows again (~900 folds)
        folds.append((np.flatnonzero(train_rows), np.flatnonzero(mine)))
    # The folds' forests train side by side (forest.fit_predict_folds: ABP_TRAIN_JOBS processes, default one per
    # core), each on one thread as before, so the verdicts are the same for any number of processes.
    for k, (_, mine), p in zip(held, folds, forest.fit_predict_folds(X, y, weight, folds, params, rounds, SEEDS)):
        pooled[mine] = p
        test = mine[usable[mine]]
        per[k] = score(pooled[test], y[test])
    done = ~np.isnan(pooled) & usable
    return per, score(pooled[done], y[done]), pooled


def keep_kinds(spec, names, fams, n_synthetic):
    """The learning-curve experiment's training mask: fractions (benign, hashing) of the benign workload kinds and of
    the hashing families, drawn at random by PARAMS' seed; a row trains only if every part of it was drawn
    (start-up rows, never trained on, and synthetic rows are kept)."""
    try:
        fb, fh = (float(v) for v in spec.split(","))
        assert 0 < fb <= 1 and 0 < fh <= 1
    except (ValueError, AssertionError):
        sys.exit(f"train-gpm-model: --keep-kinds wants two fractions in (0, 1] as B,H, got {spec!r}")
    rng = np.random.default_rng(PARAMS["seed"])
    benign = sorted({p for n in names for p in n if not is_hash(p) and p != TRANSITION})
    hashing = sorted({p for f in fams for p in f if is_hash(p)})
    kb = set(rng.choice(benign, max(1, round(fb * len(benign))), replace=False))
    kh = set(rng.choice(hashing, max(1, round(fh * len(hashing))), replace=False))
    keep = np.array([all(p in kb for p in n if not is_hash(p) and p != TRANSITION) and all(p in kh for p in f if is_hash(p))
                     for n, f in zip(names, fams)] + [True] * n_synthetic)
    print(f"train-gpm-model: --keep-kinds {spec}: {len(kb)} of {len(benign)} benign kinds, {len(kh)} of "
          f"{len(hashing)} hashing families, {int(keep[:len(names)].sum())} of {len(names)} rows may train")
    return keep


def dram_per_chip(X, columns, rows, k, derived_path):
    """An H100's rows (is_h100) with DRAM activity times k and every derived feature recomputed from the raw columns
    (synthetic_pairs.derived_evaluator: derived_fil.txt's ops as src/model-repo/derived.ts runs them)."""
    h100 = np.array([is_h100(r["source"]) for r in rows])
    width, apply = synthetic_pairs.derived_evaluator(derived_path, columns)
    raw = X[h100, :width].copy()
    raw[:, columns.index("nvidia_smi_log.gpu.gpm.dram_activity")] *= np.float32(k)
    X = X.copy()
    X[h100] = apply(raw)
    print(f"train-gpm-model: --dram-per-chip {k:g}: DRAM activity of {int(h100.sum())} H100 rows rescaled")
    return X


def window_std(X, rows, no_work, n):
    """Each feature's standard deviation over the last n working samples of the same recording, in time
    order (the stream abp watch sees for one GPU), the current sample included; NaN before any."""
    out = np.full(X.shape, np.nan, dtype=np.float32)
    by_source = {}
    for i, r in enumerate(rows):
        by_source.setdefault((r["source"], r["gpu"]), []).append(i)
    for idx in by_source.values():
        idx.sort(key=lambda i: rows[i]["t"])
        recent = []
        for i in idx:
            if not no_work[i]:
                recent = (recent + [X[i].astype(np.float64)])[-n:]
            if recent:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # all-NaN columns (no PCIe value) are expected
                    out[i] = np.nanstd(np.array(recent), axis=0)
    return out


def table(title, per, overall):
    lines = [f"| {title} | samples | hashing | accuracy | FP | FN |", "|---|---:|---:|---:|---:|---:|"]
    for k, s in per.items():
        lines.append(f"| `{k}` | {s['n']} | {s['positives']} | {s['accuracy']:.3f} | {s['false_positives']} | {s['false_negatives']} |")
    o = overall
    fpr = f"{100 * o['benign_fp_rate']:.2f} %" if o["benign_fp_rate"] is not None else "n/a"
    lines.append(f"| **all** | {o['n']} | {o['positives']} | **{o['accuracy']:.3f}** | {o['false_positives']} ({fpr} of benign) | {o['false_negatives']} |")
    return "\n".join(lines)


def main():
    global SEEDS
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", default="build-train/gpm")
    ap.add_argument("--model-dir", default=f"models/{MODEL_NAME}")
    ap.add_argument("--derived", default="scripts/gpm/derived_fil.txt")
    ap.add_argument("--columns", default="scripts/gpm/columns.txt")
    ap.add_argument("--eval-only", action="store_true")
    ap.add_argument("--colocated-weight", type=float, default=None,
                    help=f"experiment (with --eval-only): weight of a hashing sample beside a benign job (shipped: {COLOCATED_WEIGHT})")
    ap.add_argument("--seed", type=int, default=None,
                    help="experiment (with --eval-only): XGBoost's seed for row and column sampling (shipped: 0), to see how much of a difference is noise")
    ap.add_argument("--seeds", type=int, default=None,
                    help=f"how many seeds' forests (from --seed on) the model averages, merged into one forest "
                         f"(shipped: {SEEDS})")
    ap.add_argument("--window-std", type=int, default=0,
                    help="experiment (with --eval-only): add each feature's standard deviation over the last N working samples of the same recording")
    ap.add_argument("--synthetic-pairs", type=int, default=None,
                    help=f"experiment (with --eval-only): N synthetic miner-beside-benign and N benign-beside-benign samples "
                         f"made from samples alone (scripts/gpm/synthetic_pairs.py; shipped: {SYNTHETIC_PAIRS}, 0 for none)")
    ap.add_argument("--synthetic-weight", type=float, default=None,
                    help=f"experiment: weight of a synthetic benign pair (shipped: {SYNTHETIC_BENIGN_WEIGHT})")
    ap.add_argument("--synthetic-miner-weight", default=None,
                    help=f"experiment: weight of a synthetic miner beside a benign job: a number, or 'share' for the miner's "
                         f"share of the pair's active time (shipped: {SYNTHETIC_MINER_WEIGHT})")
    ap.add_argument("--synthetic-benign-pairs", type=int, default=None,
                    help="experiment (with --eval-only): how many of the synthetic pairs are benign (default: as many as miners)")
    ap.add_argument("--blank-features", default="",
                    help="experiment (with --eval-only): comma-separated feature names (as in columns.txt with the "
                         "nvidia_smi_log.gpu.gpm. prefix left off, or derived names) read as missing in every row, so the "
                         "trees cannot use them")
    ap.add_argument("--colocated-share", action="store_true",
                    help="experiment (with --eval-only): a miner beside a benign job weighs the co-located weight times "
                         "min(1, 2 x the miner's share of the pair's active time), the share fitted per pair from its "
                         "parts recorded alone (scripts/gpm/mixture.py's fit); pairs without both parts alone keep it")
    ap.add_argument("--pair-needs-alone", action="store_true",
                    help="experiment (with --eval-only): train on a miner beside a benign job only where the fold "
                         "also trains on that benign job recorded alone")
    ap.add_argument("--dram-per-chip", type=float, default=None,
                    help="experiment (with --eval-only): multiply an H100's DRAM activity by this (3.35/4.8 = 0.698 "
                         "puts it in H200 units: scripts/gpm/compare-chips.py measures the chips' readings of one kind) "
                         "and recompute dram_share and integer_per_dram from it")
    ap.add_argument("--keep-kinds", default=None,
                    help="experiment (with --eval-only), a learning curve: B,H = the fractions of benign workload "
                         "kinds and of hashing families drawn at random (by --seed) that any fold may train on; a "
                         "row whose parts are not all drawn trains no fold, and every held-out row is still scored")
    ap.add_argument("--only", default="lofo,lowo,lovo,logo",
                    help="experiment (with --eval-only): which evaluations to run, comma-separated (fewer is faster)")
    args = ap.parse_args()

    # Experiments change what is evaluated, never the shipped model: they need --eval-only.
    experiments = [flag for flag, on in (("--seed", args.seed is not None),
                                         ("--colocated-weight", args.colocated_weight is not None),
                                         ("--window-std", bool(args.window_std)),
                                         ("--pair-needs-alone", args.pair_needs_alone),
                                         ("--colocated-share", args.colocated_share),
                                         ("--dram-per-chip", args.dram_per_chip is not None),
                                         ("--synthetic-pairs", args.synthetic_pairs is not None),
                                         ("--synthetic-weight", args.synthetic_weight is not None),
                                         ("--synthetic-benign-pairs", args.synthetic_benign_pairs is not None),
                                         ("--synthetic-miner-weight", args.synthetic_miner_weight is not None),
                                         ("--blank-features", bool(args.blank_features)),
                                         ("--keep-kinds", args.keep_kinds is not None),
                                         ("--only", args.only != "lofo,lowo,lovo,logo")) if on]
    if experiments and not args.eval_only:
        sys.exit(f"train-gpm-model: {', '.join(experiments)}: experiments, use them with --eval-only (the shipped "
                 f"model uses seed 0, co-located weight {COLOCATED_WEIGHT}, {SYNTHETIC_PAIRS} synthetic pairs of each "
                 f"label and no window features)")
    if args.window_std and args.synthetic_pairs:
        sys.exit("train-gpm-model: --window-std and --synthetic-pairs: one experiment at a time (a synthetic row has no recording to take a window over)")
    # A synthetic row has no recording to take a window over: window features train without them.
    n_synthetic = 0 if args.window_std else SYNTHETIC_PAIRS if args.synthetic_pairs is None else args.synthetic_pairs
    if args.seed is not None:
        PARAMS["seed"] = args.seed
    if args.seeds is not None:
        if not 1 <= args.seeds <= 16:
            sys.exit(f"train-gpm-model: --seeds must be 1 to 16, got {args.seeds}")
        SEEDS = args.seeds
    columns, X, y, workloads, meta = tm.load_features(args.features)
    with open(os.path.join(args.features, "rows.json")) as f:
        rows = json.load(f)
    names = [parts_of(w) for w in workloads]
    fams = [family_parts(r, w) for r, w in zip(rows, workloads)]
    transition, no_work, usable = working_samples(X, y, workloads, columns, load_idle(args.features))
    paired = np.array(["+" in w for w in workloads])
    colocated_hashing = paired & (y == 1)
    cw = COLOCATED_WEIGHT if args.colocated_weight is None else args.colocated_weight
    weight = np.where(colocated_hashing, cw, 1.0).astype(np.float32)
    if args.colocated_share:
        weight = colocated_share_weight(X, workloads, columns, weight, colocated_hashing, cw,
                                        usable & ~no_work & ~transition)
    if args.window_std:
        X = np.hstack([X, window_std(X, rows, no_work, args.window_std)])
    if args.dram_per_chip is not None:
        X = dram_per_chip(X, columns, rows, args.dram_per_chip, args.derived)
    for name in filter(None, args.blank_features.split(",")):
        full = name if name in columns else "nvidia_smi_log.gpu.gpm." + name
        if full not in columns:
            sys.exit(f"train-gpm-model: --blank-features: no feature {name!r} (columns: {', '.join(columns)})")
        X[:, columns.index(full)] = np.nan  # after working_samples(), which reads SM activity
    print(f"train-gpm-model: {X.shape[0]} records x {X.shape[1]} features; usable {int(usable.sum())} "
          f"(left out: {int(transition.sum())} startup, {int((no_work & (y == 1) & ~transition).sum())} hashing-episode samples with no work)")

    # Variants: a hashing record's variant, or "co-located" for any pair.
    def vkey(w):
        ps = w.split("+")
        if len(ps) > 1:
            return "co-located" if any(is_hash(p.split("/")[0]) for p in ps) else "benign pair"
        p = ps[0].split("/")
        return p[1] if is_hash(p[0]) and len(p) > 1 else "-"
    vk = [vkey(w) for w in workloads]
    # GPUs: each physical GPU's recordings held out (train on the others). The shared recording is
    # another H200 running workloads this project did not write: the nearest proxy to a fleet's telemetry.
    src_of_gpu = {}
    for r in rows:
        src_of_gpu.setdefault(r["gpu"], set()).add(os.path.basename(r["source"]).replace(".jsonlines.gz", ""))
    gkey = [f"{r['gpu'][:12]}… ({', '.join(sorted(src_of_gpu[r['gpu']]))})" for r in rows]
    # Held-out groups of each row (a row is left out of training when the held-out key is among them) and
    # the key it is scored under; synthetic rows carry the groups of the rows they were made from and are
    # never scored.
    g_fam, t_fam = fams, [primary(f) for f in fams]
    g_wl, t_wl = names, [primary(n) for n in names]
    g_var, t_var = [[k] for k in vk], vk
    g_gpu, t_gpu = [[k] for k in gkey], gkey
    n_real = X.shape[0]
    if n_synthetic:
        alone, pair = synthetic_pairs.pools(workloads, usable & ~no_work & ~transition)
        Xs, ys, share, src = synthetic_pairs.make(X, y, columns, workloads, alone, pair, n_synthetic,
                                           np.random.default_rng(PARAMS["seed"]), args.derived, args.synthetic_benign_pairs)
        X, y = np.vstack([X, Xs]), np.concatenate([y, ys])
        usable = np.concatenate([usable, np.ones(len(ys), dtype=bool)])
        smw_arg = SYNTHETIC_MINER_WEIGHT if args.synthetic_miner_weight is None else args.synthetic_miner_weight
        smw = share if smw_arg == "share" else float(smw_arg)
        sbw = SYNTHETIC_BENIGN_WEIGHT if args.synthetic_weight is None else args.synthetic_weight
        weight = np.concatenate([weight, np.where(ys == 1, smw, sbw).astype(np.float32)])
        g_fam = g_fam + [fams[a] + fams[b] for a, b, _ in src]
        g_wl = g_wl + [names[a] + names[b] for a, b, _ in src]
        g_var = g_var + [[vk[a], vk[b]] for a, b, _ in src]  # not "co-located": can mixtures teach what real pairs look like?
        g_gpu = g_gpu + [[gkey[a], gkey[b], gkey[d]] for a, b, d in src]
        t_fam, t_wl, t_var, t_gpu = (t + ["~synthetic"] * len(ys) for t in (t_fam, t_wl, t_var, t_gpu))
        print(f"train-gpm-model: + {len(ys)} synthetic pairs ({int(ys.sum())} miner beside benign, weight "
              f"{smw_arg}; {int((ys == 0).sum())} benign pairs, weight {sbw:g}) "
              f"from {len(alone)} samples alone and {len(pair)} recorded pairs")

    only = set(args.only.split(","))
    pa = None
    if args.pair_needs_alone:  # synthetic rows (if any) are never dropped: they carry no recorded partner
        needs = [[p for p in w.split("+") if not is_hash(p.split("/")[0])] if c else [] for w, c in
                 zip(workloads, colocated_hashing)] + [[]] * (X.shape[0] - n_real)
        alone_of_row = [w if ("+" not in w and yy == 0 and w != "startup") else None for w, yy in
                        zip(workloads, y[:n_real])] + [None] * (X.shape[0] - n_real)
        pa = (needs, alone_of_row)
        ever_alone = set(filter(None, alone_of_row))
        never = sorted({"+".join(n) for n, c in zip(needs, colocated_hashing) if c and
                        not all(p in ever_alone for p in n)})
        print(f"train-gpm-model: --pair-needs-alone: {len(never)} benign partners of miners never recorded alone")
    trainable = None
    if args.keep_kinds is not None:
        trainable = keep_kinds(args.keep_kinds, names[:n_real], fams[:n_real], X.shape[0] - n_real)
    skipped = ({}, None, None)
    fam_keys = sorted({k for k, u in zip(t_fam[:n_real], usable) if u})
    lofo, lofo_all, lofo_p = hold_out(X, y, usable, g_fam, t_fam, fam_keys, PARAMS, ROUNDS, weight, pa, trainable) if "lofo" in only else skipped
    wl_keys = sorted({k for k, u in zip(t_wl[:n_real], usable) if u})
    lowo, lowo_all, _ = hold_out(X, y, usable, g_wl, t_wl, wl_keys, PARAMS, ROUNDS, weight, pa, trainable) if "lowo" in only else skipped
    var_keys = [k for k in ("full", "low", "throttled", "cycling", "poll", "short", "co-located") if k in vk]
    lovo, lovo_all, _ = hold_out(X, y, usable, g_var, t_var, var_keys, PARAMS, ROUNDS, weight, pa, trainable) if "lovo" in only else skipped
    gpu_keys = sorted({k for k, u in zip(gkey, usable) if u})
    logo, logo_all, logo_p = hold_out(X, y, usable, g_gpu, t_gpu, gpu_keys, PARAMS, ROUNDS, weight, pa, trainable) if len(gpu_keys) > 1 and "logo" in only else skipped
    for title, per, o in (("LOFO", lofo, lofo_all), ("LOWO", lowo, lowo_all), ("LOVO", lovo, lovo_all), ("LOGO", logo, logo_all)):
        if o is None:
            continue
        print(f"  {title}: accuracy {o['accuracy']:.3f}, FP {o['false_positives']} ({100 * (o['benign_fp_rate'] or 0):.2f} % of benign), FN {o['false_negatives']}")
        for k, s in per.items():
            if s["false_positives"] or s["false_negatives"]:
                print(f"     {k:24s} n={s['n']:4d} acc={s['accuracy']:.3f} FP={s['false_positives']} FN={s['false_negatives']}")
    for title, p in (("LOFO", lofo_p), ("LOGO", logo_p)):
        if p is not None:  # the blind spot, on its own: a miner hidden under a benign job, and benign pairs
            for what, m in (("miner beside a benign job", colocated_hashing), ("benign pair", paired & (y[:n_real] == 0))):
                m = m & usable[:n_real] & ~np.isnan(p[:n_real])
                hit = int((p[:n_real][m] > THRESHOLD).sum())
                print(f"  {title} {what}: {hit} of {int(m.sum())} samples flagged")
    # An --eval-only run keeps its held-out probabilities under their own names (NaN where a row had no held-out
    # verdict), never as lofo.f32/logo.f32, which the episode replay reads from a full run:
    # scripts/gpm/compare-heldout.py matches them sample for sample against another run's. Any such file this run
    # did not write (a full run writes none) is removed, so that no earlier run's verdicts are read as this one's.
    for name, p in (("eval-lofo.f32", lofo_p), ("eval-logo.f32", logo_p)):
        path = os.path.join(args.features, name)
        if args.eval_only and p is not None:
            p[:n_real].astype("<f4").tofile(path)
        elif os.path.exists(path):
            os.remove(path)
    if args.eval_only:
        return

    final = train(X[usable], y[usable], weight=weight[usable])
    # From here on only the recorded rows: synthetic ones were for training.
    X, y, usable, lofo_p = X[:n_real], y[:n_real], usable[:n_real], lofo_p[:n_real]
    logo_p = logo_p[:n_real] if logo_p is not None else None
    # Held-out probabilities for the episode replay (scripts/eval-episodes.ts): each sample scored by
    # the model trained without its family; start-up gaps (never trained on) by the final model.
    rest = np.isnan(lofo_p)
    lofo_p[rest] = predict(final, X[rest])
    lofo_p.astype("<f4").tofile(os.path.join(args.features, "lofo.f32"))
    if logo_p is not None:  # every row belongs to some GPU, so every row has a held-out verdict
        logo_p.astype("<f4").tofile(os.path.join(args.features, "logo.f32"))
    final_train = score(predict(final, X[usable]), y[usable])
    startup = score(predict(final, X[transition]), y[transition])
    d = args.model_dir
    save_model_dir(d, final, X, MODEL_NAME, args.columns, args.derived, len(columns), THRESHOLD)
    gain = final.get_score(importance_type="total_gain")
    importance = {columns[int(k[1:])]: float(v) for k, v in gain.items()}
    metrics = {
        "model": MODEL_NAME, "xgboost": xgb.__version__, "inputs": meta.get("input"), "rule": meta.get("rule"),
        "records": int(X.shape[0]), "trained_on": int(usable.sum()), "no_work": "abp watch's isIdle: GPM SM activity and utilisation both below 5 %",
        "columns": columns, "params": PARAMS, "rounds": ROUNDS, "seeds": SEEDS, "colocated_weight": COLOCATED_WEIGHT, "threshold": THRESHOLD,
        "synthetic_pairs": {"per_label": n_synthetic, "miner_weight": SYNTHETIC_MINER_WEIGHT, "benign_weight": SYNTHETIC_BENIGN_WEIGHT},
        "lofo": lofo, "lofo_overall": lofo_all, "lowo": lowo, "lowo_overall": lowo_all,
        "lovo": lovo, "lovo_overall": lovo_all, "logo": logo, "logo_overall": logo_all,
        "startup_final_model": startup, "final_model_on_training_records": final_train, "total_gain": importance,
    }
    with open(os.path.join(d, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    card = os.path.join(d, "README.md")
    if os.path.exists(card):
        total = sum(importance.values()) or 1.0
        gains = "\n".join(f"- `{c}`: {100.0 * importance.get(c, 0.0) / total:.1f}%" for c in columns)
        body = "\n\n".join([
            "Leave-one-family-out (a family held out alone and in every pair it is part of):\n\n" + table("held-out family", lofo, lofo_all),
            "Leave-one-workload-out:\n\n" + table("held-out workload", lowo, lowo_all),
            "Leave-one-variant-out (every hashing family's variant at once; co-located = every hashing pair):\n\n" + table("held-out variant", lovo, lovo_all),
            *(["Leave-one-GPU-out (each physical GPU's recordings held out, the model trained on the others'; "
               "`nvsmi-h200-gpm-train` is the shared recording: another H200, workloads this project did not write):\n\n"
               + table("held-out GPU", logo, logo_all)] if logo_all else []),
            f"Transitions (`startup`, {startup['n']} records, never trained on), final model: {startup['false_positives']} flagged. "
            f"Final model on its own training samples (reference only): accuracy {final_train['accuracy']:.3f}.",
            "Split gain by feature (final model):\n\n" + gains,
        ])
        tm.replace_block(card, "<!-- metrics:begin -->", "<!-- metrics:end -->", body)
    print(f"train-gpm-model: {len(final.get_dump())} trees -> {os.path.join(d, '1', 'xgboost.json')}")


if __name__ == "__main__":
    main()
