#!/usr/bin/env python3
"""Runs workload drivers on the CPU, before device time is spent on them: CuPy replaced by a NumPy stand-in
(cupy_stub.py), each kernel by its Python replay (replay_MODULE.py), the sizes shrunk, two timed steps.

    python3 scripts/workloads/emulate/run.py moreops10 [moreops11 ...]

What it finds: a driver's mistakes in everything around the kernels (arguments, shapes, the self-check's own code,
the summary line) at the cost of seconds, not of a capture. What it cannot find: a kernel's own mistakes (the
replays are written from the CUDA, not compiled from it; check-kernels.py compiles the CUDA), anything about
sizes, speed or memory on the GPU, and most of CuPy's own restrictions (the stand-in copies one:
cupy.searchsorted refuses a NumPy/CuPy scalar where NumPy takes one, which failed capture y's json/index). Prints each driver's summary line; exits 1 if one raised or did not agree.
"""
import contextlib
import importlib
import io
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import cupy_stub  # noqa: E402


def main(argv):
    if not argv:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    cupy_stub.install()
    failed = 0
    for module in argv:
        replay = importlib.import_module(f"replay_{module}")
        mod = importlib.import_module(module)
        for k, v in replay.SHRINK.items():
            if not hasattr(mod, k):
                raise AttributeError(f"{module} has no size {k} to shrink")
            setattr(mod, k, v)
        cupy_stub.KERNELS.update(replay.KERNELS)
        for fn, variant in replay.KINDS:
            err = io.StringIO()
            try:
                with contextlib.redirect_stderr(err):
                    getattr(mod, fn)(variant, cupy_stub.Clock(2))
                line = err.getvalue().strip().splitlines()[-1] if err.getvalue().strip() else ""
                ok = "agree: True" in line
            except Exception:
                line, ok = traceback.format_exc().strip().replace("\n", " | "), False
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {module}.{fn}/{variant}: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
