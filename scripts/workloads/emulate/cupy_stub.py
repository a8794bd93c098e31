"""A NumPy stand-in for the parts of CuPy that the workload drivers use, for running a driver on the CPU at shrunk
sizes (scripts/workloads/emulate/run.py). Kernels are not compiled: each name a driver asks a RawModule for must
have a Python replay in KERNELS (a replay_*.py module registers its own), called as kernel(grid, block, *args)."""
import sys
import types

import numpy as np

KERNELS = {}


class Arr(np.ndarray):
    """A host array with CuPy's .get() and .fill()."""

    def get(self):
        return np.asarray(self).copy()


def _wrap(a):
    return a.view(Arr) if isinstance(a, np.ndarray) else a


def _plain(a):
    return np.asarray(a) if isinstance(a, Arr) else a


def _fn(f):
    return lambda *a, **k: _wrap(f(*[_plain(x) for x in a], **k))


class _Device:
    attributes = {"MultiProcessorCount": 2}

    def synchronize(self):
        pass


class _RawModule:
    def __init__(self, code=None, **kw):
        self.code = code

    def get_function(self, name):
        if name not in KERNELS:
            raise KeyError(f"no Python replay of kernel {name!r}")
        f = KERNELS[name]
        return lambda grid, block, args: f(grid, block, *args)


def _searchsorted(a, v, side="left", sorter=None):
    # CuPy's own restriction, which NumPy does not have (capture y's json/index failed on it on the GPU)
    if not isinstance(v, (int, float, bool, np.ndarray)) or isinstance(v, np.generic):
        raise NotImplementedError("Only python scalars or ndarrays are supported for v")
    return _wrap(np.searchsorted(_plain(a), _plain(v), side=side, sorter=sorter))


def install():
    """Puts the stand-in in sys.modules as `cupy`; returns it."""
    cp = types.ModuleType("cupy")
    for name in ("uint8", "uint16", "uint32", "uint64", "int32", "int64", "float32", "float64", "complex64"):
        setattr(cp, name, getattr(np, name))
    for name in ("empty", "zeros", "ones", "arange", "sort", "concatenate", "where", "bincount",
                 "argmax", "empty_like", "cumsum"):
        setattr(cp, name, _fn(getattr(np, name)))
    cp.searchsorted = _searchsorted
    cp.asarray = lambda a, dtype=None: _wrap(np.array(_plain(a), dtype=dtype))
    cp.asnumpy = lambda a: np.asarray(a).copy()
    cp.all = lambda a: np.all(_plain(a))
    cp.nonzero = lambda a: tuple(_wrap(x) for x in np.nonzero(_plain(a)))
    cp.cuda = types.SimpleNamespace(Device=lambda *a: _Device())
    cp.RawModule = _RawModule
    cp.RawKernel = lambda code, name, **kw: _RawModule(code).get_function(name)
    sys.modules["cupy"] = cp
    return cp


class Clock:
    """run.py's clock, for a fixed number of steps after the warm-up one."""

    def __init__(self, steps=2):
        self.left = steps

    def ready(self):
        pass

    def running(self):
        self.left -= 1
        return self.left >= 0
