#!/usr/bin/python3
"""The same kind of work alone on an H100 and on an H200: do their GPM readings agree?

    /usr/bin/python3 scripts/gpm/compare-chips.py [FILE.jsonlines.gz ...]

Reads the labelled captures (default: data/nvsmi-*-gpm-*.jsonlines.gz) and, for every workload recorded alone
(no "+", not "startup") on both chips, prints each chip's median of the GPM readings over its working samples
(SM activity or utilisation at 5 % or more, abp watch's idle rule) and the H100/H200 ratio of the medians of
DRAM activity. Why: the two chips are one GH100 die with the same 132 SMs, so the same kernel keeps the same pipes
busy, but the H100's HBM3 peaks at 3.35 TB/s against the H200's 4.8 TB/s of HBM3e; DRAM activity is a share of
that peak, so a kernel moving the same bytes a second reads higher on an H100. The model's dram features
(dram_share, integer_per_dram) see that difference; this measures it instead of guessing.
"""
import glob
import gzip
import json
import statistics
import sys
from collections import defaultdict

KEYS = ["sm_activity", "sm_occupancy", "integer_activity", "dram_activity", "tensor_activity",
        "fp64_activity", "fp32_activity", "fp16_activity"]
SHORT = {"sm_activity": "sm", "sm_occupancy": "occ", "integer_activity": "int", "dram_activity": "dram",
         "tensor_activity": "tensor", "fp64_activity": "fp64", "fp32_activity": "fp32", "fp16_activity": "fp16"}
PREFIX = "nvidia_smi_log.gpu."
DRAM_FLOOR = 2.0  # below this on either chip a ratio is mostly noise; such kinds are shown without one


def number(value):
    """The leading number of a reading ("14.15 %", "3.73 MiB/s"), or None for N/A and absent keys."""
    if not isinstance(value, str):
        return None
    try:
        return float(value.split()[0])
    except (ValueError, IndexError):
        return None


def chip(record):
    name = record.get(PREFIX + "product_name", "")
    return "H100" if "H100" in name else "H200" if "H200" in name else None


def working(record):
    """Not idle as abp watch's isIdle (src/collect/watch.ts) has it: idle when SM activity or utilisation is known and
    neither known one reaches 5 %."""
    known = [v for v in (number(record.get(PREFIX + "gpm.sm_activity")),
                         number(record.get(PREFIX + "utilization.gpu_util"))) if v is not None]
    return not known or any(v >= 5 for v in known)


def main(files):
    readings = defaultdict(lambda: defaultdict(list))  # (workload, chip) -> key -> values
    gpus = defaultdict(set)
    for path in files:
        with gzip.open(path, "rt") as f:
            for line in f:
                r = json.loads(line)
                w = r.get("workload")
                c = chip(r)
                if not w or "+" in w or w == "startup" or c is None or not working(r):
                    continue
                gpus[(w, c)].add(r.get(PREFIX + "uuid", "?")[:12])
                for k in KEYS:
                    v = number(r.get(PREFIX + "gpm." + k))
                    if v is not None:
                        readings[(w, c)][k].append(v)
    both = sorted(w for (w, c) in readings if c == "H100" and (w, "H200") in readings)
    if not both:
        print("no workload was recorded alone on both an H100 and an H200")
        return
    ratios = []
    print(f"{len(both)} workloads recorded alone on both chips (medians over working samples; GPUs in brackets)")
    for w in both:
        med = {c: {k: statistics.median(readings[(w, c)][k]) for k in KEYS if readings[(w, c)][k]}
               for c in ("H200", "H100")}
        d200, d100 = med["H200"].get("dram_activity"), med["H100"].get("dram_activity")
        ratio = d100 / d200 if d200 is not None and d100 is not None and min(d200, d100) >= DRAM_FLOOR else None
        if ratio is not None:
            ratios.append(ratio)
        print(f"{w}" + (f"   dram H100/H200 {ratio:.2f}" if ratio is not None else ""))
        for c in ("H200", "H100"):
            n = len(readings[(w, c)]["sm_activity"])
            vals = " ".join(f"{SHORT[k]} {med[c][k]:5.1f}" for k in KEYS if k in med[c])
            print(f"  {c} n={n:4d} [{len(gpus[(w, c)])}]  {vals}")
    if ratios:
        print(f"dram H100/H200 over {len(ratios)} workloads with DRAM activity of {DRAM_FLOOR:g} % or more on both: "
              f"median {statistics.median(ratios):.2f}, range {min(ratios):.2f}-{max(ratios):.2f} "
              f"(peak bandwidths 4.8 / 3.35 TB/s = {4.8 / 3.35:.2f})")


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(glob.glob("data/nvsmi-*-gpm-*.jsonlines.gz")))
