#!/usr/bin/python3
"""Where else was each workload of a new capture recorded? For data/README.md's paragraph on the capture and for
choosing the next schedules (a kind recorded on one GPU only is held out whole when that GPU is; a kind recorded
only on the other chip is read against that chip's recordings: the GPM card's leave-one-GPU-out by chip).

    /usr/bin/python3 scripts/capture/where-recorded.py NEW.jsonlines.gz DATA_DIR [SHARED.jsonlines.gz]

Reads every data/nvsmi-*-gpm-*.jsonlines.gz in DATA_DIR but NEW (and the shared recording, if given and present).
For each workload of NEW (first-appearance order, start-up gaps left out) prints the GPUs that recorded it before,
each with its captures and chip (from the file name, as ingest.sh names files: nvsmi-h100-gpm-* is an H100's), or
"new to the project"; then a summary line. Only the "workload" and GPU UUID keys of each line are read (a
regular expression, not a JSON parse: the files hold ~60,000 records of several KB).
"""
import collections
import glob
import gzip
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gpm"))
from chip import recording  # noqa: E402

WORKLOAD = re.compile(r'"workload"\s*:\s*"([^"\\]*)"')
UUID = re.compile(r'"nvidia_smi_log\.gpu\.uuid"\s*:\s*"([^"\\]*)"')


def scan(path):
    """(workload, GPU UUID) pairs of a recording, in order, start-up gaps left out."""
    out = []
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            w, u = WORKLOAD.search(line), UUID.search(line)
            if w and w.group(1) not in ("", "startup"):
                out.append((w.group(1), u.group(1) if u else "?"))
    return out


def capture_of(path, shared):
    """A recording's short name and chip: ('bq', 'H100'), ('shared recording', 'H200')."""
    if shared and os.path.abspath(path) == os.path.abspath(shared):
        return "shared recording", "H200"
    name, chip = recording(path)
    return name, chip or "?"


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__.strip().splitlines()[4].strip())
    new, data_dir = argv[0], argv[1]
    shared = argv[2] if len(argv) == 3 and os.path.exists(argv[2]) else None
    others = [p for p in sorted(glob.glob(os.path.join(data_dir, "nvsmi-*-gpm-*.jsonlines.gz")))
              if os.path.abspath(p) != os.path.abspath(new)] + ([shared] if shared else [])
    # workload -> GPU -> (chip, captures)
    seen = collections.defaultdict(dict)
    for path in others:
        name, chip = capture_of(path, shared)
        for w, gpu in scan(path):
            entry = seen[w].setdefault(gpu, (chip, []))
            if name not in entry[1]:
                entry[1].append(name)
    _, new_chip = capture_of(new, None)
    order = list(dict.fromkeys(w for w, _ in scan(new)))
    width = max((len(w) for w in order), default=0)
    fresh = one = other_chip = 0
    for w in order:
        gpus = seen.get(w, {})
        if not gpus:
            fresh += 1
            print(f"  {w:{width}s}  new to the project")
            continue
        one += len(gpus) == 1
        other_chip += all(chip != new_chip for chip, _ in gpus.values())
        where = "; ".join(f"{', '.join(caps)} ({chip} {gpu[:12]}…)" for gpu, (chip, caps) in gpus.items())
        print(f"  {w:{width}s}  before on {len(gpus)} GPU{'s' if len(gpus) > 1 else ''}: {where}")
    print(f"{len(order)} workloads: {fresh} new to the project, {one} recorded before on one GPU only, "
          f"{other_chip} recorded before only on chips other than this capture's ({new_chip})")


if __name__ == "__main__":
    main(sys.argv[1:])
