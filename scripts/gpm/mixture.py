"""The time-slicing fit of a recorded pair to its two parts recorded alone, shared by check-mixture.py (how well it
describes the recordings) and train-gpm-model.py --colocated-share (a miner pair weighted by the miner's share).

A pair's median GPM activities ~= f_A * (A's activities per unit of its SM activity) + f_B * (B's), f >= 0: the
model of synthetic_pairs.py, fitted by non-negative least squares over the pipe, occupancy and DRAM activities
(graphics, SM activity and PCIe left out: time-slicing itself sets those).
"""
import numpy as np
from scipy.optimize import nnls

G = "nvidia_smi_log.gpu.gpm."
FIT = ("sm_occupancy", "integer_activity", "tensor_activity", "dram_activity", "fp64_activity", "fp32_activity",
       "fp16_activity")
MIN_SAMPLES = 8   # working samples a workload needs for its median
MIN_SM = 20.0     # SM activity (%) a job alone needs for a per-active profile worth dividing by


class Mixture:
    """Per-workload medians of the working samples (`work`) and the fit of a pair to its parts."""

    def __init__(self, X, workloads, work, columns):
        self.cols = [columns.index(G + c) for c in FIT]
        self.sm = columns.index(G + "sm_activity")
        W = np.array(workloads)
        self.pair, self.per_active = {}, {}
        for w in sorted(set(workloads)):
            idx = np.flatnonzero(work & (W == w))
            if len(idx) < MIN_SAMPLES:
                continue
            med = np.nanmedian(X[idx], axis=0)
            if "+" in w:
                self.pair[w] = med
            elif med[self.sm] >= MIN_SM:
                self.per_active[w] = np.nan_to_num(med[self.cols]) / (med[self.sm] / 100.0)

    def target(self, w):
        """The fitted values of recorded pair w."""
        return np.nan_to_num(self.pair[w][self.cols])

    def fit(self, parts, target):
        """(f, residual) of target as a time-weighted sum of the parts' per-active profiles."""
        return nnls(np.stack([self.per_active[p] for p in parts], axis=1), target)

    def parts_alone(self, w):
        """The two parts of pair w, when both were recorded alone with enough SM activity; else None."""
        parts = w.split("+")
        return parts if len(parts) == 2 and all(p in self.per_active for p in parts) else None
