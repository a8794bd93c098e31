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
# A held sample must come within MAX_S seconds of the last sample at which the model alone would have kept the
# alert up (K of the window's last N working samples flagged by the model, not the hold): a miner killed under a
# job that goes on (a hand-over, no idle second between) leaves nothing in one sample to tell, and without a bound
# the hold kept the job alerted for as long as it ran. Counted from the model's own K of N, not from its last flag,
# so that a job the model flags now and then does not re-arm the hold.
MAX_S = 60.0
WINDOW, MIN_FLAGGED, IDLE_CLEAR_S, THRESHOLD = 5, 3, 60.0, 0.5


def replay(P, t, work, p, um, pipes, hold=True, share_min=SHARE, confidence=CONFIDENCE, gap_s=unmix.GAP_S,
           max_s=MAX_S):
    """One GPU's stream in time order (P: raw GPM columns a row; work: not idle; p: the model's probability).
    Returns per sample: counted as flagged, alert active after it, the held share (NaN where not held)."""
    n = len(t)
    flag_out, act_out, share_out = np.zeros(n, bool), np.zeros(n, bool), np.full(n, np.nan)
    # bits: (flagged, held by the hold only) of the window's working samples; recent: (profile, flagged, held, p,
    # run); taken: the profile was taken (or found not confident enough) in this run while the alert is up.
    bits, recent, active, prof, last_work, run, taken = [], [], False, None, None, 0, False
    armed_at = None  # the last sample at which the model alone had K of the window flagged, in this run
    for j in range(n):
        if not work[j]:
            if active and last_work is not None and t[j] - last_work >= IDLE_CLEAR_S:
                active, prof, taken = False, None, False
            act_out[j] = active
            continue
        if last_work is not None and t[j] - last_work > gap_s:
            # A new run: what fired the alert is not this run's job, and what the hold flagged in the last run
            # no longer counts in the window (it may clear the alert).
            prof, taken, run, armed_at = None, False, run + 1, None
            if hold:
                bits = [(fl and not h, False) for fl, h in bits]
                recent = [(a, fl and not h, False, q, r) for a, fl, h, q, r in recent]
                if active and sum(1 for fl, _ in bits if not fl) >= MIN_FLAGGED:
                    active = False
        last_work = t[j]
        row = np.asarray(P[j], dtype=np.float64)
        f, held = bool(p[j] > THRESHOLD), False
        if not f and hold and prof is not None and armed_at is not None and t[j] - armed_at <= max_s:
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
        if sum(1 for fl, h in bits if fl and not h) >= MIN_FLAGGED:
            armed_at = t[j]
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


def handover(episodes, kind, W, y, X, t, p, ws, um, pipes, args):
    """A miner killed while a job goes on, with no idle second between: each family's first episode of a miner
    alone at full load, its working samples, then each benign workload's first episode's working samples shifted
    in time to follow at once and repeated until the job has run --job-s seconds (their own gaps kept: a pause of
    more than --gap-s there ends the run as it would). For each --max-s: how long the alert stays up over the job,
    with the hold and without; without a bound a job the hold keeps alerted stays alerted for as long as it runs."""
    miners, benign, seen = [], [], set()
    for e in episodes:
        w = W[e[0]]
        if w in seen:
            continue
        k = kind(e)
        if k == "miner alone" and w.endswith("/full"):  # at full load: the steadiest profile a hold can take
            seen.add(w)
            miners.append([i for i in e if ws[i]])
        elif y[e[0]] == 0:
            seen.add(w)
            benign.append([i for i in e if ws[i]])
    miners = [m for m in miners if len(m) >= 2 * MIN_FLAGGED]
    benign = [b for b in benign if len(b) >= 2 * MIN_FLAGGED][::args.benign_every]
    share, conf = args.share[0], args.confidence[0]
    jobs = []
    for b in benign:  # the job's samples repeated to --job-s seconds, its own time steps kept
        tb = t[b] - t[b[0]]
        idx, tt, off = [], [], 0.0
        while off <= args.job_s:
            idx += b
            tt.append(tb + off)
            off += tb[-1] + 0.5
        jobs.append((idx, np.concatenate(tt)))
    print(f"hand-over ({args.held_out}.f32, share {share}, confidence {conf}): {len(miners)} miners alone at full "
          f"load (each family's first episode) x {len(benign)} benign workloads (first episode; every "
          f"{args.benign_every}; run on for "
          f"{args.job_s:g} s), {len(miners) * len(benign)} splices")
    for max_s in [None] + args.max_s:
        secs, stuck, long_ = [], 0, 0
        for m in miners:
            tm = t[m]
            for idx_b, tb in jobs:
                idx = np.array(m + idx_b)
                tt = np.concatenate([tm, tb + tm[-1] + 0.5])
                n = len(m)
                _, act, _ = replay(X[idx], tt, np.ones(len(idx), bool), p[idx], um, pipes, max_s is not None, share,
                                   conf, args.gap_s, max_s if max_s is not None else 0.0)
                up = np.nonzero(act[n:])[0]
                last = float(tt[n + up[-1]] - tt[n]) if len(up) else 0.0
                secs.append(last)
                stuck += bool(act[-1])
                long_ += last > 65
        secs = np.array(secs)
        name = "without the hold" if max_s is None else f"max {max_s:g} s"
        print(f"  {name:>16}: the alert's last second over the job, after the miner left: mean {secs.mean():5.1f} s, "
              f"median {np.median(secs):5.1f} s; past 65 s in {long_} splices, up at the job's end in {stuck}")


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
    ap.add_argument("--handover", action="store_true",
                    help="splice each family's first episode of a miner alone at full load before each benign workload's first "
                         "episode with no gap (a miner killed under a job that goes on) and count the job's samples "
                         "the alert stays up on, with the hold and without")
    ap.add_argument("--max-s", type=float, nargs="+", default=[MAX_S, 1e9],
                    help="the hold's bound (the first one; with --handover, each is compared; 1e9: none)")
    ap.add_argument("--job-s", type=float, default=120.0, help="with --handover: how long the job runs on")
    ap.add_argument("--benign-every", type=int, default=1, help="with --handover: every n-th benign workload only")
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
            f, a, _ = replay(X[idx], t[idx], work[idx], p[idx], um, pipes, hold, share, conf, args.gap_s,
                             args.max_s[0])
            flag[idx], act[idx] = f, a
        return flag, act

    def alerted(ep, act):
        return sum(act[i] for i in ep if work[i]) >= MIN_FLAGGED

    if args.handover:
        return handover(episodes, kind, W, y, X, t, p, work & ~transition, um, pipes, args)
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
