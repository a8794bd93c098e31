#!/usr/bin/env python3
"""Compiles every workload's CUDA source with nvcc, where there is no GPU to run them on.

    python3 scripts/workloads/check-kernels.py [--arch sm_90]

The workloads build their kernels at run time (cupy.RawKernel / RawModule,
NVRTC); a typo would only show on the GPU machine, after device time is spent.
This imports each workload module with stand-ins for torch and cupy (their
sources are module-level strings: `SRC` dicts and names ending in `_SRC`),
and compiles each source to a cubin with nvcc. Exits 1 if one fails, 0 with
a notice if nvcc is not on PATH.
"""
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class _Anything(types.ModuleType):
    """A module whose every attribute is another stand-in (torch.nn.Module, torch.cuda, ...)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        sub = _Anything(f"{self.__name__}.{name}")
        setattr(self, name, sub)
        return sub

    def __call__(self, *args, **kwargs):
        return self

    def __mro_entries__(self, bases):
        return (object,)


def sources():
    for name in ("torch", "torch.nn", "torch.nn.functional", "cupy"):
        sys.modules.setdefault(name, _Anything(name))
    from registry import REGISTRY
    seen = set()
    for module in sorted({w.module for w in REGISTRY.values()} | {"common"}):  # common: shared kernels
        mod = importlib.import_module(module)
        for attr, value in sorted(vars(mod).items()):
            if attr == "SRC" and isinstance(value, dict) and id(value) not in seen:
                seen.add(id(value))
                for key, src in value.items():
                    yield f"{module}.SRC[{key!r}]", src
            elif attr.endswith("_SRC") and isinstance(value, str) and id(value) not in seen:
                seen.add(id(value))
                yield f"{module}.{attr}", value


def main(argv):
    arch = argv[argv.index("--arch") + 1] if "--arch" in argv else "sm_90"
    nvcc = shutil.which("nvcc")
    if not nvcc:
        print("check-kernels: skipped, nvcc not on PATH")
        return 0
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, src) in enumerate(sources()):
            path = os.path.join(tmp, f"k{i}.cu")
            with open(path, "w") as f:
                f.write(src)
            run = subprocess.run([nvcc, f"-arch={arch}", "-cubin", "-Werror", "all-warnings", "-o", path + ".cubin", path],
                                 capture_output=True, text=True)
            ok = run.returncode == 0
            bad += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}")
            if not ok:
                print(run.stderr.replace(path, name))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
