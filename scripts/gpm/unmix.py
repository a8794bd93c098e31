"""A job's history on one GPU, and the partner unmixed out of it: the reference for src/collect/job-history.ts.

Without MPS a GPU time-slices between processes, so over a sample two jobs' GPM activities add up as each one's
activity per unit of its own SM-active time, weighted by the share of time it won: P ~= f_a * a + f_b * b
(synthetic_pairs.py; median residual 0.009 on recorded pairs). A watcher that saw a job alone knows a (its
per-active profile). Most partners have no tensor work (or, beside an fp32 job, no fp32 work), so the job's
share is f_a = P[anchor] / a[anchor], the partner's f_b = P_sm / 100 - f_a, and the partner's profile is
b = (P - f_a * a) / f_b. `JobHistory` keeps a per GPU from the stream itself, with no labels: the mean
per-active profile of a run of work after it settles, refreshed while samples still match it; a sample whose
anchor pipe per active SM has dropped by more than `drop` reads as the job plus a partner, and the partner's
profile (as raw GPM columns, SM activity 100, graphics = SM, PCIe 0) is what a partner model scores.
Every figure here must match job-history.ts (test/job-history.test.ts checks it on a capture).
"""
import numpy as np

G = "nvidia_smi_log.gpu.gpm."
# The activities that add up over time-slicing (utilisation-like, per unit of SM time).
ACTS = ["sm_activity", "sm_occupancy", "integer_activity", "tensor_activity", "dfma_tensor_activity",
        "hmma_tensor_activity", "imma_tensor_activity", "dram_activity", "fp64_activity", "fp32_activity", "fp16_activity"]
# Defaults of JobHistory (and of job-history.ts): samples skipped at the start of a run, samples the baseline is
# the mean of, seconds without work that end a run, relative drop of the anchor pipe that reads as a partner.
SETTLE, BASELINE, GAP_S, DROP = 4, 8, 3.0, 0.25
# The library (an experiment, off: LIBRARY 0, as in job-history.ts, which has none): profiles of the GPU's earlier
# runs (at most `library`, newest kept), tried on every sample. An entry explains a sample when its job takes at
# least FA_MIN of the SM time and, scaled to that share, exceeds no pipe of the sample by more than OVER_TOL
# percentage points in all (time-slicing can only add activity). history-stream.py --library 16 measures it; the
# abp-gpm-partner-xgb card ("Tried") says why it is off: it alarmed on more benign pairs than it caught miners.
LIBRARY, FA_MIN, OVER_TOL = 0, 0.10, 3.0
# A job anchors on tensor work above this (per active SM), else on fp32 work above FP32_MIN, else not at all.
TENSOR_MIN, FP32_MIN = 5.0, 10.0
F_A_MAX, F_B_MIN = 0.95, 0.05


class Unmixer:
    """The time-slicing unmix on raw GPM columns (`columns`: names of the row's raw values)."""

    def __init__(self, columns):
        col = {n: i for i, n in enumerate(columns)}
        self.sm, self.ten, self.fp32, self.gr = (col[G + k] for k in ("sm_activity", "tensor_activity", "fp32_activity", "graphics_activity"))
        self.acts = [col[G + k] for k in ACTS]
        self.tensors = [col[G + k] for k in ("tensor_activity", "dfma_tensor_activity", "hmma_tensor_activity", "imma_tensor_activity")]
        self.pcie = [col[G + "pcie_tx_bytes"], col[G + "pcie_rx_bytes"]]

    def per_active(self, P):
        """Each value per unit of SM-active time (SM activity below 5 % counts as 5 %)."""
        P = np.asarray(P, dtype=np.float64)
        return P / min(max(P[self.sm] / 100, 0.05), 1.0)

    def anchor(self, a):
        if a[self.ten] > TENSOR_MIN:
            return self.ten
        if a[self.fp32] > FP32_MIN:
            return self.fp32
        return None

    def shares(self, P, a):
        """(f_a, f_b): the job's and the partner's share of SM time in sample P; None when a has no anchor."""
        k = self.anchor(a)
        if k is None:
            return None
        f_a = min(max(P[k] / a[k], 0.0), F_A_MAX)
        return f_a, max(P[self.sm] / 100 - f_a, 0.0)

    def partner(self, P, a, f_a, f_b):
        """The partner's raw GPM columns: (P - f_a * a) / f_b on the activities, graphics = SM, PCIe 0."""
        B = np.asarray(P, dtype=np.float64).copy()
        B[self.acts] = np.clip((B[self.acts] - f_a * a[self.acts]) / max(f_b, F_B_MIN), 0, 100)
        return self.partner_form(B)

    def partner_form(self, B):
        """B (modified in place) in the form the partner model scores: graphics = SM, PCIe 0, what unmixing cannot
        recover (profile.ts's partnerRecord)."""
        B[self.gr] = B[self.sm]
        B[self.pcie] = 0.0
        return B


def canonical(um, P):
    """A sample alone as the partner model sees a partner: per unit of its own SM time (SM activity 100), graphics =
    SM, PCIe 0. What unmixing cannot recover (graphics, PCIe) is then absent from training rows and partners alike."""
    return um.partner_form(um.per_active(P))


class JobHistory:
    """One GPU's stream: `observe(P, t)` for each working sample in time order; the partner's raw columns, or None."""

    def __init__(self, um, settle=SETTLE, baseline=BASELINE, gap_s=GAP_S, drop=DROP, library=LIBRARY):
        self.um, self.settle, self.n, self.gap_s, self.drop, self.lib_max = um, settle, baseline, gap_s, drop, library
        self.run, self.last, self.base, self.fresh, self.lib = 0, None, None, [], []

    def observe(self, P, t):
        """A list of partners (raw columns; the sample's score is the lowest of theirs), or None."""
        P = np.asarray(P, dtype=np.float64)
        if np.isnan(P[self.um.acts]).any():  # not a sample the history can use (no real record lacks them)
            return None
        if self.last is None or t - self.last > self.gap_s:
            # The run that ended joins the library (its baseline as it last stood), if it had an anchor.
            if self.base is not None and self.lib_max > 0 and self.um.anchor(self.base) is not None:
                self.lib = (self.lib + [self.base])[-self.lib_max:]
            self.run, self.base, self.fresh = 0, None, []
        self.last = t
        pa = self.um.per_active(P)
        self.run += 1
        if self.base is None:
            if self.run > self.settle:
                self.fresh.append(pa)
                if len(self.fresh) == self.n:
                    self.base = np.mean(self.fresh, 0)
            return self.from_library(P)
        s = self.um.shares(P, self.base)
        if s is not None:
            f_a, f_b = s
            if f_b > self.drop * P[self.um.sm] / 100:
                return [self.um.partner(P, self.base, f_a, f_b)]
            # Still the job alone: the baseline follows slow drift.
            self.fresh = (self.fresh + [pa])[-self.n:]
            self.base = np.mean(self.fresh, 0)
        return self.from_library(P)

    def from_library(self, P):
        """The sample against the jobs of earlier runs: None when one of them explains it alone (or none of them is
        in it); else the partner beside each job that could be in it. A pair that started together has no history
        of its own, but the GPU may have run the job alone before (a restart, an earlier epoch or run)."""
        um, parts = self.um, []
        for a in self.lib:
            k = um.anchor(a)
            f_a = min(max(P[k] / a[k], 0.0), F_A_MAX)
            if f_a < FA_MIN:
                continue
            if np.clip(f_a * a[um.acts] - P[um.acts], 0, None).sum() > OVER_TOL:
                continue  # more of some pipe than the sample has: not this job
            f_b = max(P[um.sm] / 100 - f_a, 0.0)
            if f_b <= self.drop * P[um.sm] / 100:
                return None  # a job seen before, alone
            parts.append(um.partner(P, a, f_a, f_b))
        return parts or None


# The pair window (src/collect/pair-window.ts, abp watch's --pair-window; history-stream.py --window measures it): a pair that started together has no history
# of the job alone, but the job's share of SM time drifts from sample to sample, and with it the pair's pipes. With
# the partner doing no tensor work, P_t = f_t a + g_t b and T_t = f_t a_T, so over a window each pipe fits
# P_t[i] = c_i T_t + b_i s_t (s_t: SM activity / 100, no intercept): the partner's own profile b comes back with no
# history, as the pipes' values at no tensor work and the GPU busy. It is read only where the window's tensor
# activity averages at least WINDOW_TENSOR_MIN and the two columns are far enough from proportional (the condition
# number of the column-scaled [T, s] at most WINDOW_COND_MAX: a job alone keeps T_t / s_t nearly fixed).
WINDOW_N, WINDOW_MIN, WINDOW_TENSOR_MIN, WINDOW_COND_MAX = 12, 8, 3.0, 80.0


class PairWindow:
    """One GPU's stream: `observe(P, t)` for each working sample in time order; the partner's raw columns, or None."""

    def __init__(self, um, n=WINDOW_N, min_samples=WINDOW_MIN, tensor_min=WINDOW_TENSOR_MIN,
                 cond_max=WINDOW_COND_MAX, gap_s=GAP_S):
        self.um, self.n, self.min, self.tmin, self.cmax, self.gap_s = um, n, min_samples, tensor_min, cond_max, gap_s
        self.win, self.last, self.cond = [], None, float("nan")

    def observe(self, P, t):
        um = self.um
        P = np.asarray(P, dtype=np.float64)
        if np.isnan(P[um.acts]).any():
            return None
        if self.last is None or t - self.last > self.gap_s:
            self.win = []
        self.last = t
        self.win = (self.win + [P])[-self.n:]
        if len(self.win) < self.min:
            return None
        M = np.array(self.win)
        u, v = M[:, um.ten], M[:, um.sm] / 100
        if u.mean() < self.tmin:
            return None
        suu, svv, suv = float(u @ u), float(v @ v), float(u @ v)
        det = suu * svv - suv * suv
        self.cond = self.condition(suu, svv, suv)  # the last fit's, for history-stream.py's bounds
        if not (det > 0 and self.cond <= self.cmax):
            return None
        b = (suu * (v @ M[:, um.acts]) - suv * (u @ M[:, um.acts])) / det
        B = P.copy()
        B[um.acts] = np.clip(b, 0, 100)
        B[um.tensors] = 0.0  # the partner does no tensor work (the fit's premise; what it gives there is rounding)
        B[um.sm] = 100.0
        return um.partner_form(B)

    @staticmethod
    def condition(suu, svv, suv):
        """The 2-norm condition number of [u, v] with each column scaled to unit length: sqrt((1 + r) / (1 - r)),
        r the cosine between the columns."""
        r = suv / np.sqrt(suu * svv)
        return float(np.sqrt((1 + r) / (1 - r))) if r < 1 else float("inf")


def stream_episodes(streams, W, transition, gpu=None):
    """The episodes of a replay (history-stream.py, persist-stream.py): contiguous runs of one workload in each stream
    (an array of row indices in time order), and of one GPU where `gpu` (a GPU per row) is given; runs that start in
    `startup` (`transition`) left out. Returns (episodes, prev_of): each episode's row indices, and by an episode's
    first row the workload of the episode before it in its stream (None for the first)."""
    episodes, prev_of = [], {}
    for idx in streams:
        cur, prev = [], None
        for i in list(idx) + [-1]:
            if cur and (i < 0 or W[i] != W[cur[0]] or (gpu is not None and gpu[i] != gpu[cur[0]])):
                if not transition[cur[0]]:
                    episodes.append(cur)
                    prev_of[cur[0]] = prev
                    prev = W[cur[0]]
                cur = []
            if i >= 0:
                cur.append(i)
    return episodes, prev_of


def is_dl(part):
    return part.startswith(("train_", "infer_"))


def fleet_partners(um, X, workloads, usable, rows=None):
    """Training rows for a partner model: every recorded pair (among `rows`, a mask; default all) with a DL part
    that was also recorded alone, unmixed with that DL variant's mean per-active profile over the GPUs in `rows`
    (the stand-in for the job's own history). Returns (row indices, raw partner columns)."""
    W = np.asarray(workloads)
    rows = np.ones(len(W), bool) if rows is None else rows
    usable = usable & rows
    prof = {}
    for v in sorted(set(workloads)):
        m = usable & (W == v)
        if "+" not in v and is_dl(v) and m.sum() > 5:
            prof[v] = np.mean([um.per_active(P) for P in X[m]], 0)
    sel = [i for i in range(len(W)) if usable[i] and "+" in W[i] and any(p in prof for p in W[i].split("+"))]
    B = np.empty((len(sel), X.shape[1]))
    for k, i in enumerate(sel):
        a = prof[[p for p in W[i].split("+") if p in prof][0]]
        P = X[i].astype(np.float64)
        s = um.shares(P, a)
        f_a, f_b = s if s else (0.0, P[um.sm] / 100)
        B[k] = um.partner(P, a, f_a, f_b)
    return np.array(sel, dtype=np.int64), B


def partner_training(um, X, y, workloads, usable, apply, width, rows=None, raw_alone=False):
    """What a partner model learns from (train-partner-model.py ships it, history-stream.py holds GPUs out):
    the working samples alone among `rows` in the partner's form (`canonical`; as recorded with `raw_alone`) and
    the recorded pairs among `rows` unmixed with their fleet profile (`fleet_partners`). Returns (X, y, samples
    alone, pair rows): samples alone enter as a partner is served because, as recorded, their graphics and PCIe
    (which unmixing cannot recover) would tell the trees which rows are unmixed, and most unmixed rows are benign."""
    rows = np.ones(len(workloads), bool) if rows is None else rows
    alone = usable & rows & ~np.array(["+" in w for w in workloads])
    sel, B = fleet_partners(um, X[:, :width], workloads, usable, rows=rows)
    A = X[alone] if raw_alone else apply(np.array([canonical(um, P) for P in X[alone][:, :width]], dtype=np.float32))
    return np.vstack([A, apply(B.astype(np.float32))]), np.concatenate([y[alone], y[sel]]), alone, sel
