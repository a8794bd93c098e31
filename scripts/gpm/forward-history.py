#!/usr/bin/python3
"""Forward test of `abp watch` as shipped, job history (and with it the pair window) on and off, on labelled captures it never saw.

    /usr/bin/python3 scripts/gpm/forward-history.py [--model-repository DIR] data/nvsmi-h200-gpm-av.jsonlines.gz [...]

Replays each file through `abp watch --format json` (src/cli/main.ts through tsx, as the tests run it), twice: as shipped (job
history on) and with --no-history. Each sample is matched to its record (one sample per record, in order), records
are grouped into episodes (contiguous runs of one workload, `startup` left out), and for each episode it prints
whether an alert fired during it: yes, no, or "up" when none fired but one was already up at its first record
(raised in the episode before, or in the start-up gap while the next workload ran its calibration launches before its
clock started: scripts/eval-episodes.ts, which the model card quotes, counts those as alerted); and how many of its
samples the history or the pair window read as a job plus a partner (of them, from the window) and with what partner
probability (median).
"""
import gzip
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def watch(path, repo, *extra):
    out = subprocess.run(["node", "--import", "tsx", os.path.join(ROOT, "src/cli/main.ts"), "watch", "--input", path,
                          "--format", "json", *(["--model-repository", repo] if repo else []), *extra], check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return [e for e in map(json.loads, out.splitlines()) if e["type"] == "sample"]


def main():
    args = sys.argv[1:]
    repo = None
    if args[:1] == ["--model-repository"]:
        repo, args = os.path.abspath(args[1]), args[2:]
    for path in args:
        recs = [json.loads(line) for line in gzip.open(path, "rt")]
        on, off = watch(path, repo), watch(path, repo, "--no-history")
        if not (len(on) == len(off) == len(recs)):
            sys.exit(f"{path}: {len(recs)} records, {len(on)} and {len(off)} samples: not one sample per record")
        episodes, cur = [], []
        for i, r in enumerate(recs + [None]):
            if cur and (r is None or r.get("workload") != recs[cur[0]].get("workload")):
                if recs[cur[0]].get("workload") != "startup":
                    episodes.append(cur)
                cur = []
            if r is not None:
                cur.append(i)
        print(f"{os.path.basename(path)}: {len(recs)} records, {len(episodes)} episodes")
        def fired(samples, ep):
            if any(samples[i]["alert"] and (i == 0 or not samples[i - 1]["alert"]) for i in ep):
                return "yes"
            return "up" if samples[ep[0]]["alert"] else "no"

        for ep in episodes:
            r = recs[ep[0]]
            pp = [on[i]["partnerProbability"] for i in ep if on[i]["partnerProbability"] is not None]
            pw = sum(on[i].get("partnerFrom") == "window" for i in ep)
            med = f"{statistics.median(pp):.2f}" if pp else "-"
            print(f"  {r.get('workload'):45s} label {r.get('label')}  alert fired with history: "
                  f"{fired(on, ep):3s}  without: "
                  f"{fired(off, ep):3s}  partner read on {len(pp)} of {len(ep)} ({pw} by the pair window) "
                  f"(median p {med})")


if __name__ == "__main__":
    main()
