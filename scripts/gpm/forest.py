"""XGBoost forests for the GPM trainer (scripts/train-gpm-model.py): one seed's forest or several seeds' merged into
one, and the held-out folds of an evaluation trained side by side in worker processes.

Every forest trains on one thread (exact tree method, fixed seed), so a forest is the same whichever process trains
it: the folds' predictions do not depend on how many processes ran them (test/train-folds.test.ts compares 1 and 2
byte for byte). The evaluation trains hundreds of forests (one per held-out family, workload, variant and GPU), each
on one core; ABP_TRAIN_JOBS (default: the machine's cores) of them run at once.

The workers are spawned, not forked: the parent has run XGBoost's OpenMP code (a DMatrix is built on all cores), and
GNU OpenMP is not safe to use in a child forked after that. This module is imported by name (scripts/gpm is on
sys.path) so that a spawned worker finds fold() whichever script started the pool.
"""
import json
import multiprocessing
import os

import numpy as np
import xgboost as xgb


def merge_seeds(boosters):
    """One booster whose margin is the mean of the boosters' margins: every tree of each, its leaf values (and node
    weights) divided by their number. All share base_score (the trainer's PARAMS), so base + mean(sum of trees) is
    what it scores; still one plain XGBoost model, for the engine, FIL and XGBoost alike."""
    n = len(boosters)
    docs = [json.loads(bytes(b.save_raw("json"))) for b in boosters]
    merged = docs[0]
    model = merged["learner"]["gradient_booster"]["model"]
    trees = []
    for doc in docs:
        for t in doc["learner"]["gradient_booster"]["model"]["trees"]:
            leaf = [c == -1 for c in t["left_children"]]
            t["split_conditions"] = [v / n if is_leaf else v for v, is_leaf in zip(t["split_conditions"], leaf)]
            t["base_weights"] = [v / n for v in t["base_weights"]]
            t["id"] = len(trees)
            trees.append(t)
    model["trees"] = trees
    model["tree_info"] = [0] * len(trees)
    model["gbtree_model_param"]["num_trees"] = str(len(trees))
    out = xgb.Booster()
    out.load_model(bytearray(json.dumps(merged).encode()))
    return out


def fit(X, y, params, rounds, weight, seeds):
    """A forest on (X, y); with seeds > 1, that many forests of consecutive seeds from params' seed, merged."""
    d = xgb.DMatrix(X, label=y, weight=weight, missing=np.nan)
    if seeds == 1:
        return xgb.train(params, d, rounds)
    return merge_seeds([xgb.train({**params, "seed": params["seed"] + i}, d, rounds) for i in range(seeds)])


def predict(b, X):
    return b.predict(xgb.DMatrix(X, missing=np.nan))


def jobs():
    """How many forests train at once: ABP_TRAIN_JOBS, else the cores this process may use."""
    env = os.environ.get("ABP_TRAIN_JOBS")
    if env:
        n = int(env)
        if n < 1:
            raise ValueError(f"ABP_TRAIN_JOBS must be 1 or more, got {env!r}")
        return n
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


_shared = {}


def _init(X, y, weight, params, rounds, seeds):
    _shared.update(X=X, y=y, weight=weight, params=params, rounds=rounds, seeds=seeds)


def fold(train_rows, test_rows):
    """One fold in a worker: the forest on train_rows, its probabilities for test_rows."""
    s = _shared
    b = fit(s["X"][train_rows], s["y"][train_rows], s["params"], s["rounds"], s["weight"][train_rows], s["seeds"])
    return predict(b, s["X"][test_rows])


def fit_predict_folds(X, y, weight, folds, params, rounds, seeds, n_jobs=None):
    """For each (train_rows, test_rows) of folds (row indices), the probabilities of test_rows from a forest trained
    on train_rows; in folds' order, the same for any n_jobs (default jobs())."""
    n_jobs = min(jobs() if n_jobs is None else n_jobs, len(folds))
    if n_jobs <= 1:
        _init(X, y, weight, params, rounds, seeds)
        try:
            return [fold(tr, te) for tr, te in folds]
        finally:
            _shared.clear()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(n_jobs, initializer=_init, initargs=(X, y, weight, params, rounds, seeds)) as pool:
        # chunksize 1: folds differ in size by orders of magnitude (a family of 40 samples, a GPU of 2,000).
        return pool.starmap(fold, folds, chunksize=1)
