#!/usr/bin/python3
"""Would `abp watch` keep its alert on a miner that a job joins, if it remembered what the miner looked like?

    /usr/bin/python3 scripts/gpm/persist-stream.py [--features build-train/gpm] [--held-out logo|lofo]
        [--share 0.3 ...] [--confidence 0.8 ...] [--list]
    /usr/bin/python3 scripts/gpm/persist-stream.py --golden IN.json      (the reference for test/alert-hold.test.ts)

The reference for src/collect/alert-hold.ts (the alert hold). A co-located miner is missed on most samples (the pair
reads as the benign job with a share of integer work), but where the miner ran alone first (the shared capture
tool starts a pair's parts separately and labels the pair once both are set up; a training job scheduled onto a
GPU with a miner on it) the watch has already alerted on it, and clears the alert once the job joins. This replays
every recording as the watch sees it (each capture file's GPU in time order, nothing known of labels), with the
held-out probabilities of `npm run train:model` (logo.f32: each GPU held out; lofo.f32: each family), and watch's
K-of-N alert (the window carried over the stream; idle samples do not enter it; an alert clears after 60 s idle).
With the hold, when an alert fires the watch keeps the mining profile: the mean per-active profile (each pipe per
unit of SM-active time) of the flagged working samples in the window, and their mean probability (for an alert still
up from an earlier run, from the new run's first K flagged samples). While the alert is active and the run goes on (no --gap-s seconds without work), a sample the model does not flag still counts as
flagged when that profile was flagged with a mean probability of at least --confidence and could take at least
--share of the sample's SM time: for each major pipe of the profile (at least MAJOR per active SM) the sample's
activity over the profile's, the lowest of them (time-slicing adds a partner's activity to the miner's share of
its own, so no pipe can show less than the share allows). When a run ends, the samples held in it count as clean.
An episode (a contiguous run of one workload in one file) counts as alerted when the alert is active on at least
K of its working samples (an alert carried into the next episode and cleared there by K clean samples does not).
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import unmix  # noqa: E402

# The pipes a mining profile is read on (SM activity and occupancy are every job's), and the least activity per
# active SM for a pipe of the profile to take part in the share. Defaults of the hold (alert-hold.ts has the same).
PIPES = ["integer_activity", "tensor_activity", "dram_activity", "fp64_activity", "fp32_activity", "fp16_activity"]
MAJOR, SHARE, CONFIDENCE = 10.0, 0.3, 0.8
WINDOW, MIN_FLAGGED, IDLE_CLEAR_S, THRESHOLD = 5, 3, 60.0, 0.5


def replay(P, t, work, p, um, pipes, hold=True, share_min=SHARE, confidence=CONFIDENCE, gap_s=unmix.GAP_S):
    """One GPU's stream in time order (P: raw GPM columns a row; work: not idle; p: the model's probability).
    Returns per sample: counted as flagged, alert active after it, the held share (NaN where not held)."""
    n = len(t)
    flag_out, act_out, share_out = np.zeros(n, bool), np.zeros(n, bool), np.full(n, np.nan)
    # bits: (flagged, held by the hold only) of the window's working samples; recent: (profile, flagged, held, p,
    # run); taken: the profile was taken (or found not confident enough) in this run while the alert is up.
    bits, recent, active, prof, last_work, run, taken = [], [], False, None, None, 0, False
    for j in range(n):
        if not work[j]:
            if active and last_work is not None and t[j] - last_work >= IDLE_CLEAR_S:
                active, prof, taken = False, None, False
            act_out[j] = active
            continue
        if last_work is not None and t[j] - last_work > gap_s:
            # A new run: what fired the alert is not this run's job, and what the hold flagged in the last run
            # no longer counts in the window (it may clear the alert).
            prof, taken, run = None, False, run + 1
            if hold:
                bits = [(fl and not h, False) for fl, h in bits]
                recent = [(a, fl and not h, False, q, r) for a, fl, h, q, r in recent]
                if active and sum(1 for fl, _ in bits if not fl) >= MIN_FLAGGED:
                    active = False
        last_work = t[j]
        row = np.asarray(P[j], dtype=np.float64)
        f, held = bool(p[j] > THRESHOLD), False
        if not f and hold and prof is not None:
            m = prof[pipes]
            big = m >= MAJOR
            if big.any():
                s = float(np.min(row[pipes][big] / m[big]))
                if s >= share_min:
                    f, held, share_out[j] = True, True, s
        flag_out[j] = f
        bits = (bits + [(f, held)])[-WINDOW:]
        recent = (recent + [(um.per_active(row), f, held, float(p[j]), run)])[-WINDOW:]
        flagged = sum(1 for fl, _ in bits if fl)
        fired = None
        if not active and flagged >= MIN_FLAGGED:
            active = True
            fired = [(a, q) for a, fl, _, q, _ in recent if fl]
        elif active and len(bits) - flagged >= MIN_FLAGGED:
            active, prof, taken = False, None, False
        elif active and not taken:
            # An alert carried over from an earlier run: the profile once this run has K flagged samples.
            own = [(a, q) for a, fl, _, q, r in recent if fl and r == run]
            if len(own) >= MIN_FLAGGED:
                fired = own
        if fired is not None:
            taken = True
            prof = np.mean([a for a, _ in fired], 0) if np.mean([q for _, q in fired]) >= confidence else None
        act_out[j] = active
    return flag_out, act_out, share_out


def golden(path):
    """test/alert-hold.test.ts's input (columns; per GPU: rows of t, idle, p, raw GPM columns) replayed; the held
    shares per GPU on stdout as JSON (null where not held)."""
    with open(path) as f:
        g = json.load(f)
    um = unmix.Unmixer(g["columns"])
    col = {c: i for i, c in enumerate(g["columns"])}
    pipes = np.array([col[unmix.G + k] for k in PIPES])
    out = {}
    for gpu, rows in g["gpus"].items():
        P = np.array([r["P"] for r in rows], dtype=np.float64)
        work = np.array([not r["idle"] for r in rows]) & ~np.isnan(P[:, um.sm])
        _, _, share = replay(P, np.array([r["t"] for r in rows]), work, np.array([r["p"] for r in rows]), um, pipes)
        out[gpu] = [None if np.isnan(s) else s for s in share]
    json.dump(out, sys.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", default="build-train/gpm")
    ap.add_argument("--held-out", default="logo", choices=["logo", "lofo"])
    ap.add_argument("--share", type=float, nargs="+", default=[SHARE])
    ap.add_argument("--confidence", type=float, nargs="+", default=[CONFIDENCE])
    ap.add_argument("--gap-s", type=float, default=unmix.GAP_S)
    ap.add_argument("--list", action="store_true", help="print every episode the hold changed")
    ap.add_argument("--golden", help="replay test/alert-hold.test.ts's input and print the held shares")
    args = ap.parse_args()
    if args.golden:
        return golden(args.golden)

    import importlib.util
    spec = importlib.util.spec_from_file_location("tg", os.path.join(os.path.dirname(HERE), "train-gpm-model.py"))
    tg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tg)
    columns, X, y, workloads, _ = tg.tm.load_features(args.features)
    with open(os.path.join(args.features, "rows.json")) as f:
        rows = json.load(f)
    idle = tg.load_idle(args.features)
    transition, _, _ = tg.working_samples(X, y, workloads, columns, idle)
    um = unmix.Unmixer(columns)
    col = {c: i for i, c in enumerate(columns)}
    pipes = np.array([col[unmix.G + k] for k in PIPES])
    W = np.array(workloads)
    gpu = np.array([r["gpu"] for r in rows])
    src = np.array([r["source"] for r in rows])
    t = np.array([r["t"] for r in rows])
    p = np.fromfile(os.path.join(args.features, f"{args.held_out}.f32"), dtype="<f4")
    if p.shape[0] != X.shape[0]:
        sys.exit(f"{args.held_out}.f32 does not match the features: run npm run train:model")
    work = ~idle & ~np.isnan(X[:, um.sm])

    streams = []
    for key in sorted({(s, g) for s, g in zip(src, gpu)}):
        idx = np.where((src == key[0]) & (gpu == key[1]))[0]
        streams.append(idx[np.argsort(t[idx], kind="stable")])

    # Episodes: contiguous runs of one workload in one stream, startup excluded.
    episodes, prev_of = unmix.stream_episodes(streams, W, transition)

    def kind(ep):
        w = W[ep[0]]
        parts = w.split("+")
        if len(parts) > 1 and prev_of.get(ep[0]) == parts[0]:  # run-capture.py's A+B@DELAY: A ran alone first
            first = "a miner" if parts[0].startswith("hash_") else "a job"
            return f"{'miner' if y[ep[0]] == 1 else 'benign'} pair, {first} alone first"
        if y[ep[0]] == 1:
            if len(parts) == 1:
                return "miner alone"
            return "miner beside a DL job" if any(unmix.is_dl(q) for q in parts) else "miner beside other work"
        return "benign pair" if len(parts) > 1 else "benign alone"

    def run(hold, share, conf):
        flag, act = np.zeros(len(W), bool), np.zeros(len(W), bool)
        for idx in streams:
            f, a, _ = replay(X[idx], t[idx], work[idx], p[idx], um, pipes, hold, share, conf, args.gap_s)
            flag[idx], act[idx] = f, a
        return flag, act

    def alerted(ep, act):
        return sum(act[i] for i in ep if work[i]) >= MIN_FLAGGED

    kinds = sorted({kind(e) for e in episodes})
    ws = work & ~transition
    base_flag, base_act = run(False, 0, 0)
    print(f"persist-stream ({args.held_out}.f32): {len(episodes)} episodes, {int(ws.sum())} working samples outside startup")
    print(f"  without the hold: flagged {int((base_flag & ws & (y == 1)).sum())} of {int((ws & (y == 1)).sum())} hashing, "
          f"{int((base_flag & ws & (y == 0)).sum())} of {int((ws & (y == 0)).sum())} benign")
    for conf in args.confidence:
        for share in args.share:
            flag, act = run(True, share, conf)
            print(f"  share {share}, confidence {conf}: flagged {int((flag & ws & (y == 1)).sum())} hashing, "
                  f"{int((flag & ws & (y == 0)).sum())} benign")
            for kd in kinds:
                eps = [e for e in episodes if kind(e) == kd]
                a0 = sum(alerted(e, base_act) for e in eps)
                a1 = sum(alerted(e, act) for e in eps)
                f0 = sum(int(base_flag[i]) for e in eps for i in e if ws[i])
                f1 = sum(int(flag[i]) for e in eps for i in e if ws[i])
                print(f"    {kd}: {a1} of {len(eps)} episodes alerted (without {a0}); samples flagged {f1} (without {f0})")
            if args.list:
                for e in episodes:
                    if alerted(e, act) != alerted(e, base_act):
                        print(f"      {'+' if alerted(e, act) else '-'} {src[e[0]].split('/')[-1]} {W[e[0]]} label {y[e[0]]}")


if __name__ == "__main__":
    main()
