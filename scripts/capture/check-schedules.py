#!/usr/bin/env python3
"""Checks capture schedules before device time is spent on them.

    python3 scripts/capture/check-schedules.py scripts/capture/schedules/*.txt

For each file: every line parses, and the estimated wall time (episode
seconds plus start-up, exit and gap allowances) fits the 540 s budget. Over
all files: which workload variants are covered and which are not, and that
each workload's module (scripts/workloads/MODULE.py) defines its function.
Exits 1 if a file is over budget, a variant is missing or a function is.
"""
import ast
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
CUPY_DATA_START_S = 5.0  # the same, plus building a benign job's input on the GPU
# benign variants outside the moreops*.py drivers that never import torch (cupy kernels only); every moreops*.py
# driver is CuPy only, so startup() counts those by module and new kinds need no entry here
CUPY_ONLY = {"montecarlo/philox", "md/lj", "md/nbody", "spmv/powerlaw", "spmv/cg", "smith_waterman/dna",
             "smith_waterman/protein", "checksum/crc32", "checksum/xxh_stream", "groupby/hashagg", "image/filter"}
BUDGET_S = 540.0
# set-up that compiles before READY, on top of TORCH_START_S: Inductor's Triton kernels for a training graph, XLA's
# jit, Triton's JIT of hand-written kernels, torchvision/transformers/PyG imports (frameworks.py)
COMPILE_START_S = {"compiled": 60.0, "jaxlm": 25.0, "tritonops": 10.0, "hfbert": 6.0, "hfgpt2": 6.0, "tvmodel": 4.0,
                   "tvdetect": 4.0, "pyg": 6.0, "cudagraph": 4.0}


def startup(parts):
    def one(w, v):
        if w.module.startswith("hashing"):
            return CUPY_START_S
        cupy_only = w.module.startswith("moreops") or f"{w.name}/{v}" in CUPY_ONLY
        return CUPY_DATA_START_S if cupy_only else TORCH_START_S + COMPILE_START_S.get(w.name, 0.0)
    return max(one(w, v) for w, v in parts)


def missing_functions():
    """NAME -> what is missing, for workloads whose module does not define their function (read, not imported)."""
    out, defined = {}, {}
    for w in REGISTRY.values():
        if w.module not in defined:
            path = os.path.join(HERE, "..", "workloads", w.module + ".py")
            try:
                with open(path) as f:
                    tree = ast.parse(f.read(), path)
                defined[w.module] = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
            except OSError:
                defined[w.module] = set()
        if w.function not in defined[w.module]:
            out[w.name] = f"{w.module}.{w.function}"
    return out


def main(paths):
    covered, bad = set(), False
    for path in paths:
        eps = rc.parse_schedule(path)
        t = 4.0 + rc.GAP_S  # collect's first record, then a gap
        over = []
        for parts, seconds, *_ in eps:
            if t + rc.STARTUP_ALLOW_S + seconds + rc.SHUTDOWN_ALLOW_S > BUDGET_S:
                over.append("+".join(f"{w.name}/{v}" for w, v in parts))
            t += startup(parts) + seconds + rc.GAP_S
            covered.update(f"{w.name}/{v}" for w, v in parts)
        ones = sum(1 for parts, *_ in eps if any(w.label for w, _ in parts))
        print(f"{path}: {len(eps)} episodes ({ones} hashing), about {t:.0f} s of {BUDGET_S:.0f}"
              + (f"; would skip: {', '.join(over)}" if over else ""))
        bad |= bool(over)
    wanted = {f"{w.name}/{v}" for w in REGISTRY.values() for v in w.variants}
    missing = sorted(wanted - covered)
    print(f"covered {len(wanted & covered)} of {len(wanted)} workload variants"
          + (f"; missing: {', '.join(missing)}" if missing else ""))
    nofn = missing_functions()
    for name, fn in nofn.items():
        print(f"{name}: {fn} is not defined")
    return 1 if bad or missing or nofn else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
