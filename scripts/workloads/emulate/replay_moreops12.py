"""Python replays of moreops12.py's kernels (perft, lpm, cuckooht, rangecoder, sssp), each doing what its CUDA does,
for running the drivers on the CPU (scripts/workloads/emulate/run.py), at shrunk sizes. The atomics' kernels
(ck_insert, sp_relax) run their threads one after another: one of the orders the GPU may take."""
import numpy as np

import moreops12 as m

SHRINK = {"PF_DEPTH": 2, "PF_THREADS": 8, "PF_MIN_THREADS": 8, "PF_MAX_THREADS": 16, "LP_ROUTES": 5000,
          "LP_THREADS": 64, "CK_LOG": 12, "RC_STREAMS": 64, "RC_LEN": 128, "RC_REP0": 2, "RC_MAX_REP": 4,
          "SP_NODES": 1 << 10}
KINDS = [("perft", "bitboard"), ("lpm", "route"), ("cuckooht", "build"), ("rangecoder", "decode"), ("sssp", "delta")]


def pf_perft(grid, block, launch, threads, out):
    for t in range(int(threads)):
        out[t] = m.pf_perft_py(m.pf_start_py(int(launch), t), m.PF_DEPTH)


def lp_lookup(grid, block, t24, t8, blocks8, routes, nroutes, launch, threads, out):
    t24, t8, routes = np.asarray(t24), np.asarray(t8), np.asarray(routes)[:2 * int(nroutes)]
    threads = int(threads)

    def find(a):  # the table walk: first level, then the block where the entry names one
        e = int(t24[a >> 8])
        if e & m.LP_EXT:
            b = e & ~m.LP_EXT
            e = int(t8[(b << 8) | (a & 255)]) if b < int(blocks8) else 0
        return e
    for t in range(threads):
        for k, hop in enumerate(m.lp_chain_py(int(launch), t, routes[0::2], routes[1::2], None, find)):
            out[k * threads + t] = hop


def ck_insert(grid, block, T, launch, n, stash, counts):
    for i in range(int(n)):
        k = m.ck_key(int(launch), i)
        s, moves, placed = m.ck_slot(k, 0), 0, False
        for _ in range(m.CK_MAXLOOP):
            old = int(T[s])
            T[s] = k
            if old == 0:
                placed = True
                break
            k = old
            moves += 1
            s0, s1 = m.ck_slot(k, 0), m.ck_slot(k, 1)
            s = s1 if s == s0 else m.ck_slot(k, 2) if s == s1 else s0
        if not placed:
            at = int(counts[0])
            counts[0] = at + 1
            if at < m.CK_STASH:
                stash[at] = k
        counts[1] = int(counts[1]) + moves


def ck_probe(grid, block, T, launch, n, mm, stash, counts, found):
    c = min(int(counts[0]), m.CK_STASH)
    st = {int(v) for v in np.asarray(stash)[:c]}
    for j in range(int(mm)):
        k = m.ck_key(int(launch), m.ck_probe_index(int(launch), j, int(n)))
        found[j] = any(int(T[m.ck_slot(k, q)]) == k for q in range(3)) or k in st


def rc_decode(grid, block, W, state, nbits, freq, cum, slot, streams, words, threads, out, sums, bad):
    streams, words, M, LB = int(streams), int(words), m.RC_M, m.RC_M << m.RC_SHIFT
    freq, cum, slot, W = [int(v) for v in freq], [int(v) for v in cum], np.asarray(slot), np.asarray(W)
    for t in range(int(threads)):
        s = t % streams
        x, p, h, ok = int(state[s]), int(nbits[s]), 2166136261, True
        for i in range(m.RC_LEN):
            q, r = divmod(x, M)
            sym = int(slot[r]) & (m.RC_SYMS - 1)
            x = freq[sym] * q + r - cum[sym]
            while x < LB:
                if p == 0:
                    ok = False
                    break
                p -= 1
                w = p >> 5
                word = int(W[w * streams + s]) if w < words else 0
                x = (x << 1) | ((word >> (p & 31)) & 1)
            h = ((h ^ sym) * 16777619) & 0xFFFFFFFF
            if t < streams:
                out[i * streams + s] = sym
            if not ok:
                break
        sums[t] = h
        if not ok or x != LB or p != 0:
            bad[0] += 1


def sp_fill(grid, block, rowp, edge, nodes, nedges):
    for i in range(int(nodes)):
        for e in range(int(rowp[i]), min(int(rowp[i + 1]), int(nedges))):
            edge[e] = m.sp_edge_py(i, e - int(rowp[i]), int(nodes))


def sp_relax(grid, block, rowp, edge, nodes, nedges, dist, cur, nxt, bound, flags):
    bound, nodes = int(bound), int(nodes)
    for u in np.flatnonzero(np.asarray(cur)):
        cur[u] = 0
        du = int(dist[u])
        if du >= bound:
            nxt[u] = 1
            flags[1] = 1
            continue
        for e in range(int(rowp[u]), min(int(rowp[u + 1]), int(nedges))):
            pe = int(edge[e])
            v, nd = pe >> 8, du + (pe & 255)
            if v < nodes and nd < int(dist[v]):
                dist[v] = nd
                nxt[v] = 1
                flags[0 if nd < bound else 1] = 1


KERNELS = dict(pf_perft=pf_perft, lp_lookup=lp_lookup, ck_insert=ck_insert, ck_probe=ck_probe, rc_decode=rc_decode,
               sp_fill=sp_fill, sp_relax=sp_relax)
