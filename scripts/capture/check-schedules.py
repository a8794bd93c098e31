#!/usr/bin/env python3
"""Checks capture schedules before device time is spent on them.

    python3 scripts/capture/check-schedules.py scripts/capture/schedules/*.txt

For each file: every line parses, and the estimated wall time (episode
seconds plus start-up, exit and gap allowances) fits the 540 s budget. Over
all files: which workload variants are covered and which are not.
Exits 1 if a file is over budget or a variant is missing.
"""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("run_capture", os.path.join(HERE, "run-capture.py"))
rc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rc)
from registry import REGISTRY  # noqa: E402  (run-capture put scripts/workloads on the path)

TORCH_START_S = 8.0   # python + torch import + CUDA context + model build + warm-up step, and exit
CUPY_START_S = 4.0    # python + cupy import + NVRTC compile + table fill, and exit
BUDGET_S = 540.0


def startup(parts):
    return max(CUPY_START_S if w.module == "hashing" else TORCH_START_S for w, _ in parts)


def main(paths):
    covered, bad = set(), False
    for path in paths:
        eps = rc.parse_schedule(path)
        t = 4.0 + rc.GAP_S  # collect's first record, then a gap
        over = []
        for parts, seconds in eps:
            if t + rc.STARTUP_ALLOW_S + seconds + rc.SHUTDOWN_ALLOW_S > BUDGET_S:
                over.append("+".join(f"{w.name}/{v}" for w, v in parts))
            t += startup(parts) + seconds + rc.GAP_S
            covered.update(f"{w.name}/{v}" for w, v in parts)
        ones = sum(1 for parts, _ in eps if any(w.label for w, _ in parts))
        print(f"{path}: {len(eps)} episodes ({ones} hashing), about {t:.0f} s of {BUDGET_S:.0f}"
              + (f"; would skip: {', '.join(over)}" if over else ""))
        bad |= bool(over)
    wanted = {f"{w.name}/{v}" for w in REGISTRY.values() for v in w.variants}
    missing = sorted(wanted - covered)
    print(f"covered {len(wanted & covered)} of {len(wanted)} workload variants"
          + (f"; missing: {', '.join(missing)}" if missing else ""))
    return 1 if bad or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
