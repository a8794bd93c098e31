"""Python replays of moreops10.py's kernels (qsim, rsa, lsm), each doing what its CUDA does, for running the drivers on
the CPU (scripts/workloads/emulate/run.py). The sizes shrink so that the replays run in seconds; rsa's 4 limbs
make 128-bit moduli."""
import numpy as np

import moreops10 as m
from common import splitmix64

SHRINK = {"QS_QUBITS": 10, "QS_CHECK_QUBITS": 6, "RSA_LIMBS": 4, "LSM_RUN": 1 << 8, "LSM_CHECK": 1 << 24}
KINDS = [("qsim", "statevector"), ("rsa", "sign"), ("lsm", "compact")]
M32 = 0xFFFFFFFF


def qs_u3(grid, block, s, half, q, ar, ai, br, bi, cr, ci, dr, di):
    z = np.asarray(s).view(np.complex64)
    k = np.arange(int(half), dtype=np.uint64); low = np.uint64((1 << int(q)) - 1)
    i0 = ((k & ~low) << np.uint64(1)) | (k & low); i1 = i0 | np.uint64(1 << int(q))
    x, y = z[i0].copy(), z[i1].copy()
    a, b, c, d = complex(ar, ai), complex(br, bi), complex(cr, ci), complex(dr, di)
    z[i0] = (a * x + b * y).astype(np.complex64); z[i1] = (c * x + d * y).astype(np.complex64)
def qs_cz(grid, block, s, size, first, n):
    z = np.asarray(s).view(np.complex64); low = 0
    for q in range(int(first), int(n) - 1, 2): low |= 1 << q
    i = np.arange(int(size), dtype=np.uint64); both = i & (i >> np.uint64(1)) & np.uint64(low)
    par = np.array([bin(int(v)).count('1') & 1 for v in both], dtype=bool)
    z[par] = -z[par]
def qs_norm(grid, block, s, size, part):
    part[0] += float(np.sum(np.abs(np.asarray(s).view(np.complex64).astype(np.complex128)) ** 2))
def mont(a, b, n, ninv, L):
    t = [0] * (L + 2)
    for i in range(L):
        c = 0
        for j in range(L):
            x = t[j] + a[j] * b[i] + c; t[j] = x & M32; c = x >> 32
        x = t[L] + c; t[L] = x & M32; t[L + 1] = x >> 32
        mm = (t[0] * ninv) & M32; x = t[0] + mm * n[0]; c = x >> 32
        for j in range(1, L):
            x = t[j] + mm * n[j] + c; t[j - 1] = x & M32; c = x >> 32
        x = t[L] + c; t[L - 1] = x & M32; t[L] = (t[L + 1] + (x >> 32)) & M32
    ge = t[L] != 0
    if not ge:
        ge = True
        for j in range(L - 1, -1, -1):
            if t[j] != n[j]: ge = t[j] > n[j]; break
    r = [0] * L; br = 0
    for j in range(L):
        x = (t[j] - (n[j] if ge else 0) - br) & ((1 << 64) - 1); r[j] = x & M32; br = (x >> 32) & 1
    return r
def rsa(grid, block, N, R2, ONE, NINV, D, launch, threads, out):
    L = m.RSA_LIMBS
    for t in range(int(threads)):
        k = t % m.RSA_KEYS; n = [int(v) for v in N[k * L:(k + 1) * L]]; d = [int(v) for v in D[k * L:(k + 1) * L]]
        ninv = int(NINV[k])
        msg = [splitmix64(((((int(launch) << 32) | t) << 6) | j) ^ m.RSA_MSG_SEED) & M32 for j in range(L)]
        msg[L - 1] %= n[L - 1]
        tab = [[int(v) for v in ONE[k * L:(k + 1) * L]]] + [None] * 15
        tab[1] = mont(msg, [int(v) for v in R2[k * L:(k + 1) * L]], n, ninv, L)
        for i in range(2, 16): tab[i] = mont(tab[i - 1], tab[1], n, ninv, L)
        x = tab[0]
        for w in range(L * 8 - 1, -1, -1):
            for s in range(4): x = mont(x, x, n, ninv, L)
            x = mont(x, tab[(d[w >> 3] >> ((w & 7) * 4)) & 15], n, ninv, L)
        x = mont(x, [1] + [0] * (L - 1), n, ninv, L)
        out[t * L:(t + 1) * L] = x
def lsm_merge(grid, block, A, VA, na, B, VB, nb, C, VC):
    na, nb = int(na), int(nb); total = na + nb; I = m.LSM_ITEMS
    for tid in range((total + I - 1) // I):
        d = tid * I; lo = d - nb if d > nb else 0; hi = min(d, na)
        while lo < hi:
            mid = (lo + hi) >> 1
            if A[mid] < B[d - 1 - mid]: lo = mid + 1
            else: hi = mid
        i, j = lo, d - lo
        for o in range(d, min(d + I, total)):
            if j >= nb or (i < na and A[i] < B[j]): C[o] = A[i]; VC[o] = VA[i]; i += 1
            else: C[o] = B[j]; VC[o] = VB[j]; j += 1
def lsm_keep(grid, block, C, V, n, keep):
    c = np.asarray(C)[:int(n)]; v = np.asarray(V)[:int(n)]
    first = np.ones(int(n), dtype=bool); first[1:] = (c[1:] >> np.uint64(4)) != (c[:-1] >> np.uint64(4))
    keep[:] = (first & (v != 0xFFFFFFFF)).astype(np.uint8)


KERNELS = dict(qs_u3=qs_u3, qs_cz=qs_cz, qs_norm=qs_norm, rsa=rsa, lsm_merge=lsm_merge, lsm_keep=lsm_keep)
