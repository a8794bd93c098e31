#!/usr/bin/python3
"""Can each process's share of the GPU, as NVML reports it per process, tell the two jobs of a pair apart?

A miner started at the same moment as a DL job leaves the job history nothing to unmix against (no sample of the
job alone). If the GPU's time-slicing gave the two processes shares that moved from one second to the next, the
GPM activities regressed on those shares would give each process's own profile. `nvidia-smi pmon -s u` reads the
per-process SM utilisation (`nvmlDeviceGetProcessUtilization`) once a second; capture `bf` ran it beside the
recording (`data/pmon-bf.txt.gz`). For each pair episode this prints the two processes' mean share and its
standard deviation from second to second, the per-second GPM tensor and integer activities' standard deviation,
and the correlation of each process's share with them.

    /usr/bin/python3 scripts/gpm/pmon-shares.py data/pmon-bf.txt.gz data/nvsmi-h200-gpm-bf.jsonlines.gz

The labelled records carry each sample's epoch `timestamp` and its `workload`; an episode is a run of records of one
workload (pairs only, `startup` left out), its first 2 s and last 1 s dropped. pmon prints the time of day in the
GPU machine's zone, UTC there.
"""
import collections
import datetime
import gzip
import json
import sys

import numpy as np


def read_pmon(path):
    shares = collections.defaultdict(dict)          # "HH:MM:SS" -> {pid: sm %}
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        for line in f:
            p = line.split()
            if line.startswith("#") or len(p) < 5 or p[2] == "-" or p[4] == "-":
                continue
            shares[p[0]][p[2]] = int(p[4])
    return shares


def number(v):
    try:
        return float(str(v).split()[0])
    except ValueError:
        return None


def read_records(path):
    """Per second of the day (UTC) the records' GPM values, and the episodes: runs of one paired workload."""
    per_second = collections.defaultdict(list)      # "HH:MM:SS" -> [(timestamp, {gpm key: value})]
    episodes = []
    with gzip.open(path, "rt") as f:
        for line in f:
            r = json.loads(line)
            t = r["timestamp"]
            second = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%H:%M:%S")
            per_second[second].append((t, {k.rsplit(".", 1)[1]: number(v) for k, v in r.items() if ".gpm." in k}))
            w = r.get("workload", "")
            if episodes and episodes[-1]["workload"] == w:
                episodes[-1]["end"] = t
            else:
                episodes.append({"workload": w, "start": t, "end": t})
    return per_second, [e for e in episodes if "+" in e["workload"]]


def main():
    shares = read_pmon(sys.argv[1])
    per_second, episodes = read_records(sys.argv[2])
    print(f"{'episode':46s} {'s':>3s} {'share mean':>12s} {'share sd':>10s} {'tensor sd':>9s} {'int sd':>7s} "
          f"{'corr(share, tensor)':>20s} {'corr(share, int)':>17s}")
    for e in episodes:
        rows = []
        for second, samples in per_second.items():
            t = samples[0][0]
            if e["start"] + 2 < t < e["end"] - 1 and len(shares.get(second, {})) == 2:
                g = {k: np.nanmean([s[1][k] if s[1][k] is not None else np.nan for s in samples])
                     for k in ("tensor_activity", "integer_activity")}
                rows.append((shares[second], g))
        if len(rows) < 4:
            continue
        pids = sorted(rows[0][0])
        s = np.array([[r[0].get(p, np.nan) for p in pids] for r in rows], float)
        ten = np.array([r[1]["tensor_activity"] for r in rows])
        integer = np.array([r[1]["integer_activity"] for r in rows])
        ct = [np.corrcoef(s[:, i], ten)[0, 1] for i in range(2)]
        ci = [np.corrcoef(s[:, i], integer)[0, 1] for i in range(2)]
        fmt = lambda a: "/".join(f"{x:.0f}" for x in a)
        print(f"{e['workload']:46s} {len(rows):3d} {fmt(s.mean(0)):>12s} {fmt(s.std(0)):>10s} {ten.std():9.2f} "
              f"{integer.std():7.2f} {'/'.join(f'{x:+.2f}' for x in ct):>20s} {'/'.join(f'{x:+.2f}' for x in ci):>17s}")


if __name__ == "__main__":
    main()
