#!/usr/bin/env python3
"""Run one workload: `run.py NAME[/VARIANT] SECONDS`.

Prints READY (flushed) when the GPU work begins, runs until SECONDS have
passed since then, exits 0. With ABP_WORKLOAD_GO set (the capture runner
sets it) it waits after READY for a `GO` line on stdin before starting. Exits 1 with a message on stderr on failure.
`run.py --list` prints every NAME/VARIANT; `run.py --markdown` the README table.
"""
import importlib
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Clock  # noqa: E402
from registry import REGISTRY, markdown, resolve  # noqa: E402


def main(argv):
    if argv == ["--list"]:
        for w in REGISTRY.values():
            for v in w.variants:
                print(f"{w.name}/{v}\t{w.label}\t{w.family}")
        return 0
    if argv == ["--markdown"]:
        print(markdown())
        return 0
    if len(argv) != 2:
        print("usage: run.py NAME[/VARIANT] SECONDS | --list | --markdown", file=sys.stderr)
        return 2
    try:
        w, variant = resolve(argv[0])
        seconds = float(argv[1])
        if not seconds > 0:
            raise ValueError
    except KeyError as e:
        print(f"run.py: {e.args[0]}", file=sys.stderr)
        return 2
    except ValueError:
        print(f"run.py: SECONDS must be a positive number, not {argv[1]!r}", file=sys.stderr)
        return 2
    clock = Clock(seconds)
    try:
        fn = getattr(importlib.import_module(w.module), w.function)
        fn(*w.args, variant, clock)
    except Exception:
        traceback.print_exc()
        print(f"run.py: {w.name}/{variant} failed", file=sys.stderr)
        return 1
    if clock.end is None:
        print(f"run.py: {w.name}/{variant} returned without starting (no READY)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
