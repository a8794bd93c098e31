#!/usr/bin/python3
"""What `abp watch` says over each stretch of one workload in a labelled capture, with the alert hold on and off.

    /usr/bin/python3 scripts/gpm/watch-segments.py data/nvsmi-h100-gpm-cj.jsonlines.gz [--abp "node dist/cli/main.js"]

Replays the capture through `abp watch --input --format json` twice (as shipped, and with --no-hold), joins its
samples to the records' labels by time, and prints one line a segment (a contiguous run of records of one
`workload`, `startup` left out): its label, samples, working samples, and for each run the samples flagged (the
watch's `mining`), held (`heldShare` set) and under an active alert. For a hand-over (`MINER^STOP+JOB@DELAY`,
run-capture.py) the segments are the miner alone, the pair, then the job alone: the last one's alerted samples
are what the hold keeps up after the miner has gone. A working sample is one whose SM activity is above 0 (the
watch's own idle test leaves the rest out of its window).
"""
import argparse
import gzip
import json
import shlex
import subprocess
import sys

SM = "nvidia_smi_log.gpu.gpm.sm_activity"


def watch(path, abp, hold):
    cmd = shlex.split(abp) + ["watch", "--input", path, "--format", "json"] + ([] if hold else ["--no-hold"])
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return {round(s["time"], 3): s for s in map(json.loads, out.splitlines()) if s.get("type") == "sample"}


def pct(v):
    try:
        return float(str(v).split()[0])
    except (TypeError, ValueError, IndexError):
        return 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("capture")
    ap.add_argument("--abp", default="node dist/cli/main.js")
    args = ap.parse_args()
    with gzip.open(args.capture, "rt") as f:
        recs = [json.loads(l) for l in f if l.strip()]
    runs = {"hold": watch(args.capture, args.abp, True), "no hold": watch(args.capture, args.abp, False)}
    segs = []
    for r in recs:
        if segs and segs[-1]["workload"] == r["workload"]:
            segs[-1]["recs"].append(r)
        else:
            segs.append({"workload": r["workload"], "label": r["label"], "recs": [r]})
    missing = sum(1 for r in recs if round(r["timestamp"], 3) not in runs["hold"])
    if missing:
        print(f"warning: {missing} of {len(recs)} records have no watch sample at their time", file=sys.stderr)
    print(f"{args.capture}: {len(recs)} records; per segment: flagged / held / alert up, with the hold | without")
    for s in segs:
        if s["workload"] == "startup":
            continue
        work = [r for r in s["recs"] if pct(r.get(SM)) > 0]
        cols = []
        for name, run in runs.items():
            ss = [run.get(round(r["timestamp"], 3)) for r in work]
            ss = [x for x in ss if x]
            cols.append(f"{sum(x['mining'] for x in ss):3d} / {sum(x['heldShare'] is not None for x in ss):3d} / "
                        f"{sum(x['alert'] for x in ss):3d}")
        print(f"  {s['workload']:<42} label {s['label']}  {len(s['recs']):3d} samples, {len(work):3d} working: "
              f"{cols[0]} | {cols[1]}")


if __name__ == "__main__":
    main()
