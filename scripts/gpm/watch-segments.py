#!/usr/bin/python3
"""What `abp watch` says over each stretch of one workload in a labelled capture, with the alert hold on and off.

    /usr/bin/python3 scripts/gpm/watch-segments.py data/nvsmi-h100-gpm-cj.jsonlines.gz

Replays the capture through `abp watch --input --format json` twice (as shipped, and with --no-hold; the replay and
its one-sample-per-record match are forward-history.py's), and prints one line a segment (a contiguous run of
records of one `workload`, `startup` left out): its label, samples, working samples, and for each run the working
samples flagged (the watch's `mining`), held (`heldShare` set) and under an active alert. For a hand-over
(`MINER^STOP+JOB@DELAY`, run-capture.py) the segments are the miner alone, the pair, then the job alone: the last
one's alerted samples are what the hold keeps up after the miner has gone. A working sample is one the watch does
not count as idle (its own isIdle, src/collect/watch.ts).
"""
import gzip
import importlib.util
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("forward_history", os.path.join(HERE, "forward-history.py"))
fh = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fh)

# abp watch's own idle test on each record of the file, "1" idle / "0" working, in record order.
IDLE_JS = """
const { isIdle } = await import('./src/collect/watch.ts');
const { gunzipSync } = await import('node:zlib');
const { readFileSync } = await import('node:fs');
const lines = gunzipSync(readFileSync(process.argv[1])).toString('utf8').split('\\n').filter((l) => l.trim());
process.stdout.write(lines.map((l) => (isIdle(JSON.parse(l)) ? '1' : '0')).join(''));
"""


def idle_flags(path):
    out = subprocess.run(["node", "--import", "tsx", "--input-type=module", "-e", IDLE_JS, path], check=True,
                         capture_output=True, text=True, cwd=fh.ROOT).stdout
    return [c == "1" for c in out]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    path = sys.argv[1]
    with gzip.open(path, "rt") as f:
        recs = [json.loads(line) for line in f if line.strip()]
    runs = {"hold": fh.watch(path, None), "no hold": fh.watch(path, None, "--no-hold")}
    idle = idle_flags(path)
    if not all(len(s) == len(recs) for s in [*runs.values(), idle]):
        sys.exit(f"{path}: {len(recs)} records, {[len(s) for s in runs.values()]} samples, {len(idle)} idle flags: "
                 f"not one sample per record")
    segs = []
    for i, r in enumerate(recs):
        if segs and recs[segs[-1][0]]["workload"] == r["workload"]:
            segs[-1].append(i)
        else:
            segs.append([i])
    print(f"{path}: {len(recs)} records; per segment: flagged / held / alert up, with the hold | without")
    for seg in segs:
        r = recs[seg[0]]
        if r["workload"] == "startup":
            continue
        work = [i for i in seg if not idle[i]]
        cols = [f"{sum(run[i]['mining'] for i in work):3d} / {sum(run[i]['heldShare'] is not None for i in work):3d} / "
                f"{sum(run[i]['alert'] for i in work):3d}" for run in runs.values()]
        print(f"  {r['workload']:<42} label {r['label']}  {len(seg):3d} samples, {len(work):3d} working: "
              f"{cols[0]} | {cols[1]}")


if __name__ == "__main__":
    main()
