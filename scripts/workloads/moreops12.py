"""Chess perft, IPv4 longest-prefix-match routing, a cuckoo hash table, rANS decoding and delta-stepping shortest
paths (label 0).

A twelfth set of benign work, five kinds that look like hashing in pipe-activity terms (64-bit integer logic, or
dependent random reads) and that training had no kin of:

  perft       chess-engine move-generation testing (perft): a thread a start position (7 pieces a side, knights,
              bishops, rooks and a king, placed from splitmix of (launch, thread)), every move to depth 3 generated
              with 64-bit bitboards (knight and king attacks by masked shifts, sliding pieces by ray loops stopping
              at the first blocker, captures by and-not), the last ply bulk-counted by popcount. Not legal chess
              (no check, kings can be taken), the same integer work. Compute-bound 64-bit logic, almost no DRAM.
  lpm         a software router's forwarding lookups (DPDK rte_lpm-like DIR-24-8): about 470k distinct IPv4 prefixes of
              BGP-like lengths (half of those longer than /16 nested in a shorter one), a 2^24-entry first-level
              table of 4-byte entries (64 MiB: more than the L2) naming a next hop or a 256-entry second-level
              block for the prefixes longer than /24. A thread does a chain of 32 lookups, each address made from
              the previous next hop (half of them inside a random route, half anywhere): dependent random reads.
  cuckooht    a GPU cuckoo hash table (the benign kin of Cuckoo-Cycle mining): 2^24 slots of 64-bit keys, three
              murmur3-finaliser hashes, 0.85 of it filled a launch with fresh keys by atomicExch eviction chains
              (a key that does not settle in 200 moves goes to a stash), then 2^24 probes, half present, half absent.
  rangecoder  entropy decoding (rANS with a static 64-symbol table whose total, 4093, is not a power of two: a
              division by a constant and a remainder a symbol, then bit-serial renormalisation): 8192 streams of
              1024 symbols encoded on the host at start-up, a thread a stream (the streams repeated across as many
              threads as take about 30 ms), every decoded symbol hashed, the first copy of each stream written out.
  sssp        single-source shortest paths by near-far delta-stepping: a CSR graph of 2^22 nodes and about 2^25
              edges (out-degrees 1-15, weights 1-255 packed with the target), a launch a solve from a fresh source;
              each round a thread a node relaxes the edges of the active nodes below the bound with atomicMin and
              marks the improved ones; the bound moves up by 256 when no active node is below it.

Self-checks, printed with the summary line (`agree:`): perft replays 4 positions' counts in Python; lpm replays 8
threads' chains with a linear longest-prefix scan over all routes; cuckooht checks that the table and stash hold
exactly the launch's keys, each at one of its three slots, and that the probes found every present key and no
absent one; rangecoder compares every decoded symbol of every stream and every thread's hash with the originals;
sssp checks d(source) = 0, d(v) <= d(u) + w on every edge and a tight in-edge for every reached node (together a
proof that the distances are the shortest), and 64 nodes' edges against their formula.
"""
import numpy as np

from common import LAUNCH_S, SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, repeat_step, \
    resize_launch, sms, splitmix64, splitmix64_np

M64 = (1 << 64) - 1

# ---- perft ---------------------------------------------------------------------------------------------------------
PF_DEPTH = 3
PF_COUNTS = (2, 2, 2, 1)   # knights, bishops, rooks, kings a side
PF_SEED = 0x9E27
PF_THREADS = 1 << 15       # the first launch's positions; then as many as take about LAUNCH_S (multiples of 256)
PF_MIN_THREADS = 1 << 12
PF_MAX_THREADS = 1 << 21
PF_CHECK = 4
PF_NA, PF_NH = 0xFEFEFEFEFEFEFEFE, 0x7F7F7F7F7F7F7F7F   # not file a, not file h (square = 8 rank + file)
PF_NAB, PF_NGH = 0xFCFCFCFCFCFCFCFC, 0x3F3F3F3F3F3F3F3F
# the sliding directions: (shift, mask of squares a step may land on); shift > 0 left, < 0 right
PF_ROOK_DIRS = ((8, M64), (-8, M64), (1, PF_NA), (-1, PF_NH))
PF_BISHOP_DIRS = ((9, PF_NA), (7, PF_NH), (-7, PF_NA), (-9, PF_NH))

PF_CUDA = r"""
typedef unsigned long long u64;
#define DEPTH %DEPTH%
#define SEED %SEED%ull
#define NA 0xFEFEFEFEFEFEFEFEull
#define NH 0x7F7F7F7F7F7F7F7Full
#define NAB 0xFCFCFCFCFCFCFCFCull
#define NGH 0x3F3F3F3F3F3F3F3Full
__device__ __forceinline__ u64 pf_knight(u64 b) {
  return ((b << 17) & NA) | ((b << 15) & NH) | ((b << 10) & NAB) | ((b << 6) & NGH) |
         ((b >> 17) & NH) | ((b >> 15) & NA) | ((b >> 10) & NGH) | ((b >> 6) & NAB);
}
__device__ __forceinline__ u64 pf_king(u64 b) {
  const u64 h = b | ((b << 1) & NA) | ((b >> 1) & NH);
  return (h | (h << 8) | (h >> 8)) ^ b;
}
// squares reached from b stepping by `sh` (left if > 0) through `mask`, up to and including the first blocker
__device__ __forceinline__ u64 pf_ray(u64 b, u64 occ, int sh, u64 mask) {
  u64 a = 0;
  for (int i = 0; i < 7; ++i) {
    b = (sh > 0 ? b << sh : b >> -sh) & mask;
    a |= b;
    if (b == 0 || (b & occ)) break;
  }
  return a;
}
// type 0 knight, 1 bishop, 2 rook, 3 king
__device__ __forceinline__ u64 pf_attacks(int type, int sq, u64 occ) {
  const u64 b = 1ull << sq;
  if (type == 0) return pf_knight(b);
  if (type == 3) return pf_king(b);
  if (type == 1) return pf_ray(b, occ, 9, NA) | pf_ray(b, occ, 7, NH) | pf_ray(b, occ, -7, NA) | pf_ray(b, occ, -9, NH);
  return pf_ray(b, occ, 8, ~0ull) | pf_ray(b, occ, -8, ~0ull) | pf_ray(b, occ, 1, NA) | pf_ray(b, occ, -1, NH);
}
// p[0..3]: the side to move's knights, bishops, rooks, kings; p[4..7]: the other side's
__device__ __forceinline__ u64 pf_bulk(const u64* p) {
  const u64 own = p[0] | p[1] | p[2] | p[3], occ = own | p[4] | p[5] | p[6] | p[7];
  u64 n = 0;
  for (int type = 0; type < 4; ++type)
    for (u64 pc = p[type]; pc; pc &= pc - 1) n += __popcll(pf_attacks(type, __ffsll(pc) - 1, occ) & ~own);
  return n;
}
// the position after the move, seen from the other side (sides swap places)
__device__ __forceinline__ void pf_make(u64* c, const u64* p, int type, int from, int to) {
  const u64 tb = 1ull << to;
  for (int i = 0; i < 4; ++i) {
    c[i] = p[4 + i] & ~tb;
    c[4 + i] = p[i] ^ (i == type ? (1ull << from) | tb : 0ull);
  }
}
// start position of (launch, thread): piece k on square splitmix((launch << 40 | t << 8 | k) ^ SEED) % 64, or the
// next free one
__device__ void pf_start(u64* p, u64 launch, u64 t) {
  const int cnt[4] = {%COUNTS%};
  u64 occ = 0;
  int k = 0;
  for (int side = 0; side < 2; ++side)
    for (int type = 0; type < 4; ++type) {
      p[side * 4 + type] = 0;
      for (int j = 0; j < cnt[type]; ++j, ++k) {
        int sq = (int)(splitmix((launch << 40 | t << 8 | (u64)k) ^ SEED) & 63);
        while ((occ >> sq) & 1) sq = (sq + 1) & 63;
        occ |= 1ull << sq;
        p[side * 4 + type] |= 1ull << sq;
      }
    }
}
// a thread a position: the number of leaves of its move tree to DEPTH plies (iterative depth-first search, the
// last ply bulk-counted)
extern "C" __global__ void pf_perft(u64 launch, unsigned int threads, u64* __restrict__ out) {
  const unsigned int t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= threads) return;
  u64 pos[DEPTH][8], pieces[DEPTH], targets[DEPTH];
  int type[DEPTH], from[DEPTH];
  pf_start(pos[0], launch, t);
  if (DEPTH == 1) { out[t] = pf_bulk(pos[0]); return; }
  u64 count = 0;
  int L = 0;
  pieces[0] = targets[0] = 0;
  type[0] = -1;
  while (L >= 0) {
    const u64* p = pos[L];
    const u64 own = p[0] | p[1] | p[2] | p[3], occ = own | p[4] | p[5] | p[6] | p[7];
    while (targets[L] == 0 && type[L] < 4) {  // the next piece with a move, type by type
      if (pieces[L] == 0) {
        if (++type[L] < 4) pieces[L] = p[type[L]];
        continue;
      }
      from[L] = __ffsll(pieces[L]) - 1;
      pieces[L] &= pieces[L] - 1;
      targets[L] = pf_attacks(type[L], from[L], occ) & ~own;
    }
    if (targets[L] == 0) { --L; continue; }  // this level's moves are done
    const int to = __ffsll(targets[L]) - 1;
    targets[L] &= targets[L] - 1;
    u64 c[8];
    pf_make(c, p, type[L], from[L], to);
    if (L + 2 >= DEPTH) {
      count += pf_bulk(c);
    } else {
      ++L;
      for (int i = 0; i < 8; ++i) pos[L][i] = c[i];
      pieces[L] = targets[L] = 0;
      type[L] = -1;
    }
  }
  out[t] = count;
}
"""
PF_SRC = SPLITMIX_CUDA + fill_source(PF_CUDA, DEPTH=PF_DEPTH, SEED=hex(PF_SEED),
                                     COUNTS=", ".join(str(c) for c in PF_COUNTS))


def _pf_ray(b, occ, sh, mask):
    a = 0
    for _ in range(7):
        b = ((b << sh) if sh > 0 else (b >> -sh)) & mask
        a |= b
        if b == 0 or b & occ:
            break
    return a


def _pf_attacks(tp, sq, occ):
    b = 1 << sq
    if tp == 0:
        return (((b << 17) & PF_NA) | ((b << 15) & PF_NH) | ((b << 10) & PF_NAB) | ((b << 6) & PF_NGH)
                | ((b >> 17) & PF_NH) | ((b >> 15) & PF_NA) | ((b >> 10) & PF_NGH) | ((b >> 6) & PF_NAB)) & M64
    if tp == 3:
        h = b | ((b << 1) & PF_NA) | ((b >> 1) & PF_NH)
        return ((h | (h << 8) | (h >> 8)) & M64) ^ b
    a = 0
    for sh, mask in (PF_BISHOP_DIRS if tp == 1 else PF_ROOK_DIRS):
        a |= _pf_ray(b, occ, sh, mask)
    return a


def _pf_bits(x):
    while x:
        low = x & -x
        yield low.bit_length() - 1
        x ^= low


def pf_start_py(launch, t):
    """pf_start's position of (launch, thread): 8 bitboards."""
    p, occ, k = [0] * 8, 0, 0
    for side in range(2):
        for tp in range(4):
            for _ in range(PF_COUNTS[tp]):
                sq = splitmix64((((launch << 40) | (t << 8) | k) ^ PF_SEED) & M64) & 63
                while (occ >> sq) & 1:
                    sq = (sq + 1) & 63
                occ |= 1 << sq
                p[side * 4 + tp] |= 1 << sq
                k += 1
    return p


def pf_perft_py(p, depth):
    """pf_perft's count: leaves of the move tree to `depth` plies, as the CUDA generates the moves."""
    own = p[0] | p[1] | p[2] | p[3]
    occ = own | p[4] | p[5] | p[6] | p[7]
    n = 0
    for tp in range(4):
        for frm in _pf_bits(p[tp]):
            targets = _pf_attacks(tp, frm, occ) & ~own & M64
            if depth == 1:
                n += bin(targets).count("1")
                continue
            for to in _pf_bits(targets):
                tb = 1 << to
                c = [p[4 + i] & ~tb & M64 for i in range(4)] + \
                    [p[i] ^ ((1 << frm) | tb if i == tp else 0) for i in range(4)]
                n += pf_perft_py(c, depth - 1)
    return n


def perft(variant, clock):
    if variant != "bitboard":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    kern = cp.RawModule(code=PF_SRC).get_function("pf_perft")
    out = cp.zeros(PF_MAX_THREADS, dtype=cp.uint64)
    state = {"launch": 0, "threads": PF_THREADS, "positions": 0}

    def launch():
        threads = state["threads"]
        kern(((threads + 255) // 256,), (256,), (np.uint64(state["launch"]), np.uint32(threads), out))
        state["launch"] += 1
        state["positions"] += threads
    # positions a launch: as many as take about LAUNCH_S (timed at set-up), a multiple of 256
    _, per = calibrated_launches(launch, 1)
    want = int(state["threads"] * LAUNCH_S / per) // 256 * 256
    state["threads"] = max(PF_MIN_THREADS, min(PF_MAX_THREADS, want))
    nl, per = calibrated_launches(launch, 16)
    state["positions"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    last, threads = state["launch"] - 1, state["threads"]
    got = out[:threads].get()
    picks = sorted({0, threads - 1} | {int(v) for v in np.random.default_rng(12).integers(0, threads, PF_CHECK - 2)})
    good = sum(int(got[t]) == pf_perft_py(pf_start_py(last, t), PF_DEPTH) for t in picks)
    leaves = int(got.sum(dtype=np.uint64))
    ok = good == len(picks) and leaves > 0
    note(f"perft/{variant}: {state['positions']} positions after READY ({threads} a launch, {sum(PF_COUNTS)} pieces a "
         f"side, 64-bit bitboards, ray-loop sliders), perft({PF_DEPTH}) of the last launch {leaves} leaves "
         f"({leaves / threads:.0f} a position), {len(picks)} positions' counts equal to Python's replay: {good}, "
         f"agree: {ok}, {per * 1e3:.2f} ms a launch ({leaves / per / 1e9:.2f} G leaves/s), {nl} a step")


# ---- lpm -----------------------------------------------------------------------------------------------------------
LP_ROUTES = 500_000
LP_SEED = 0x1F4
LP_THREADS = 1 << 22
LP_CHAIN = 32              # dependent lookups a thread (at most 32: the lookup number takes 5 bits)
LP_CHECK = 8
LP_EXT = 0x80000000        # a first-level entry with this bit names a second-level block
# routes of each prefix length /8 .. /32 in a table of 500k, after the shape of a BGP table (most /24, /16-/23
# next) with some longer internal ones; scaled to LP_ROUTES
LP_LEN_COUNT = {8: 8, 9: 7, 10: 18, 11: 50, 12: 150, 13: 300, 14: 550, 15: 1000, 16: 7000, 17: 4000, 18: 7000,
                19: 12500, 20: 21000, 21: 23000, 22: 57000, 23: 47000, 24: 299000, 25: 4000, 26: 4000, 27: 3000,
                28: 3000, 29: 2500, 30: 2500, 31: 500, 32: 1000}

LP_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define CHAIN %CHAIN%
#define SEED %SEED%ull
#define EXT 0x80000000u
// a thread: CHAIN lookups, address k from splitmix of (launch, thread, k, the previous next hop): half of them
// inside route (h >> 32) % nroutes, the others anywhere; next hop 0 where no route covers the address
extern "C" __global__ void lp_lookup(const u32* __restrict__ t24, const u32* __restrict__ t8, u32 blocks8,
                                     const u32* __restrict__ routes, u32 nroutes, u64 launch, u32 threads,
                                     u32* __restrict__ out) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= threads) return;
  u32 hop = 0;
  for (u32 k = 0; k < CHAIN; ++k) {
    const u64 h = splitmix(((launch << 40) | ((u64)t << 5) | k) ^ SEED ^ ((u64)hop << 13));
    u32 addr = (u32)h;
    if (h >> 63) {
      const u32 r = (u32)((h >> 32) % nroutes);
      const u32 base = __ldg(routes + 2 * r), len = __ldg(routes + 2 * r + 1);
      addr = base | (len >= 32 ? 0u : (u32)h & (0xFFFFFFFFu >> len));
    }
    u32 e = __ldg(t24 + (addr >> 8));
    if (e & EXT) {
      const u32 b = e & ~EXT;
      e = b < blocks8 ? __ldg(t8 + ((u64)b << 8 | (addr & 255))) : 0u;
    }
    hop = e;
    out[(u64)k * threads + t] = hop;
  }
}
"""
LP_SRC = SPLITMIX_CUDA + fill_source(LP_CUDA, CHAIN=LP_CHAIN, SEED=hex(LP_SEED))


def lp_routes():
    """(addresses, lengths, next hops) of the routing table: uint32 arrays, distinct (address, length) pairs, host bits
    zero; half the prefixes longer than /16 extend a shorter one, so that lookups have covering routes to pass over."""
    rng = np.random.default_rng(LP_SEED)
    addrs, lens = [], []
    for ln, count in LP_LEN_COUNT.items():
        n = max(1, int(round(count * LP_ROUTES / 500_000)))
        a = rng.integers(0, 1 << 32, n, dtype=np.uint64)
        if ln > 16 and addrs:
            prev_a, prev_l = np.concatenate(addrs), np.concatenate(lens)
            pick = rng.integers(0, len(prev_a), n)
            nest = rng.random(n) < 0.5
            keep = ((1 << 32) - 1) ^ ((1 << (32 - prev_l[pick].astype(np.uint64))) - 1)  # the parent's prefix bits
            a = np.where(nest, (prev_a[pick] & keep) | (a & ~keep & np.uint64(0xFFFFFFFF)), a)
        a &= np.uint64(((1 << 32) - 1) ^ ((1 << (32 - ln)) - 1))
        addrs.append(a)
        lens.append(np.full(n, ln, dtype=np.uint64))
    key = np.unique(np.concatenate(addrs) << np.uint64(6) | np.concatenate(lens))
    addr, ln = (key >> np.uint64(6)).astype(np.uint32), (key & np.uint64(63)).astype(np.uint32)
    hop = (1 + splitmix64_np(key ^ np.uint64(LP_SEED)) % np.uint64(65535)).astype(np.uint32)
    return addr, ln, hop


def lp_tables(addr, ln, hop):
    """DIR-24-8: the 2^24-entry first level (a next hop, or LP_EXT | block) and the 256-entry blocks, painted shortest
    prefix first so that longer ones win."""
    t24 = np.zeros(1 << 24, dtype=np.uint32)
    for length in range(8, 25):
        m = ln == length
        if m.any():
            idx = ((addr[m] >> 8).astype(np.int64)[:, None] + np.arange(1 << (24 - length))).ravel()
            t24[idx] = np.repeat(hop[m], 1 << (24 - length))
    long_ = ln > 24
    u24 = np.unique(addr[long_] >> 8)
    t8 = np.repeat(t24[u24], 256)  # a block starts as its /24's covering route
    for length in range(25, 33):
        m = ln == length
        if m.any():
            blk = np.searchsorted(u24, addr[m] >> 8).astype(np.int64)
            idx = (blk * 256 + (addr[m] & 255))[:, None] + np.arange(1 << (32 - length))
            t8[idx.ravel()] = np.repeat(hop[m], 1 << (32 - length))
    t24[u24] = LP_EXT | np.arange(len(u24), dtype=np.uint32)
    return t24, t8


def lp_linear(a, addr, ln, hop):
    """The next hop of address a by scanning every route for the longest that covers it (0 if none)."""
    s = (32 - ln).astype(np.uint64)
    m = ((np.uint64(a) ^ addr.astype(np.uint64)) >> s) == 0
    if not m.any():
        return 0
    i = np.flatnonzero(m)
    return int(hop[i[np.argmax(ln[i])]])


def lp_chain_py(launch, t, addr, ln, hop, find):
    """A thread's chain of next hops, as lp_lookup makes its addresses; find(address) -> next hop."""
    out, h_prev, n = [], 0, len(addr)
    for k in range(LP_CHAIN):
        h = splitmix64((((launch << 40) | (t << 5) | k) ^ LP_SEED ^ (h_prev << 13)) & M64)
        a = h & 0xFFFFFFFF
        if h >> 63:
            r = (h >> 32) % n
            length = int(ln[r])
            a = int(addr[r]) | (0 if length >= 32 else a & (0xFFFFFFFF >> length))
        h_prev = find(a)
        out.append(h_prev)
    return out


def lpm(variant, clock):
    if variant != "route":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    kern = cp.RawModule(code=LP_SRC).get_function("lp_lookup")
    addr, ln, hop = lp_routes()
    t24, t8 = lp_tables(addr, ln, hop)
    d24, d8 = cp.asarray(t24), cp.asarray(t8)
    blocks8 = len(t8) // 256
    routes = cp.asarray(np.stack([addr, ln], axis=1).reshape(-1))
    threads = LP_THREADS
    out = cp.empty(LP_CHAIN * threads, dtype=cp.uint32)
    done = [0]

    def launch():
        kern(((threads + 255) // 256,), (256,), (d24, d8, np.uint32(blocks8), routes, np.uint32(len(addr)),
                                                np.uint64(done[0]), np.uint32(threads), out))
        done[0] += 1
    nl, per = calibrated_launches(launch, 32)
    cupy_loop(repeat_step(launch, nl), clock)
    last = done[0] - 1
    hout = out.get().reshape(LP_CHAIN, threads)
    picks = sorted({0, threads - 1} | {int(v) for v in np.random.default_rng(13).integers(0, threads, LP_CHECK - 2)})
    good = sum(lp_chain_py(last, t, addr, ln, hop, lambda a: lp_linear(a, addr, ln, hop)) == hout[:, t].tolist()
               for t in picks)
    routed = float((hout != 0).mean())
    ok = good == len(picks)
    note(f"lpm/{variant}: {done[0]} launches of {threads} chains of {LP_CHAIN} dependent lookups in a DIR-24-8 table "
         f"of {len(addr)} IPv4 routes (/8-/32, {int((ln > 24).sum())} longer than /24 in {blocks8} second-level "
         f"blocks; first level {t24.nbytes / 2**20:.0f} MiB), {routed:.3f} of the last launch's lookups routed, "
         f"{len(picks)} chains equal to a linear longest-prefix scan: {good}, agree: {ok}, {per * 1e3:.2f} ms a "
         f"launch ({threads * LP_CHAIN / per / 1e9:.2f} G lookups/s), {nl} a step")


# ---- cuckooht ------------------------------------------------------------------------------------------------------
CK_LOG = 24                # 2^24 slots of 64-bit keys (128 MiB)
CK_LOAD = 0.85
CK_MAXLOOP = 200           # moves before a key goes to the stash
CK_STASH = 4096
CK_SEED = 0xC0C0
CK_ABSENT = 1 << 31        # absent probe j asks for key index CK_ABSENT + j, never inserted (indices < 2^31 are)

CK_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define LOG %LOG%
#define MAXLOOP %MAXLOOP%
#define STASH %STASH%u
#define SEED %SEED%ull
#define ABSENT %ABSENT%ull
// murmur3's 64-bit finaliser
__device__ __forceinline__ u64 ck_fmix(u64 k) {
  k ^= k >> 33; k *= 0xFF51AFD7ED558CCDull; k ^= k >> 33; k *= 0xC4CEB9FE1A85EC53ull; k ^= k >> 33;
  return k;
}
__device__ __forceinline__ u32 ck_slot(u64 k, u32 j) {
  return (u32)(ck_fmix(k ^ (0x9E3779B97F4A7C15ull * (j + 1))) >> (64 - LOG)) & ((1u << LOG) - 1);
}
// key i of a launch: splitmix is a bijection, so distinct i give distinct keys (0, the empty slot, is checked for)
__device__ __forceinline__ u64 ck_key(u64 launch, u64 i) { return splitmix((launch << 32 | i) ^ SEED); }
// a thread a key: exchange it into a slot; whatever comes out moves to its next slot, until an empty one
extern "C" __global__ void ck_insert(u64* __restrict__ T, u64 launch, u32 n, u64* __restrict__ stash,
                                     u32* __restrict__ counts) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  u64 k = ck_key(launch, i);
  u32 s = ck_slot(k, 0), moves = 0;
  for (int it = 0; it < MAXLOOP; ++it) {
    const u64 old = atomicExch(T + s, k);
    if (old == 0) {
      if (moves) atomicAdd(counts + 1, moves);
      return;
    }
    k = old;
    ++moves;
    const u32 s0 = ck_slot(k, 0), s1 = ck_slot(k, 1);
    s = s == s0 ? s1 : s == s1 ? ck_slot(k, 2) : s0;
  }
  const u32 at = atomicAdd(counts, 1u);  // counts[0]: keys stashed (those past STASH are lost: the check says so)
  if (at < STASH) stash[at] = k;
  atomicAdd(counts + 1, moves);
}
// probe j: an inserted key (index picked by splitmix) when j is even, an absent one when odd
extern "C" __global__ void ck_probe(const u64* __restrict__ T, u64 launch, u32 n, u32 m,
                                    const u64* __restrict__ stash, const u32* __restrict__ counts,
                                    unsigned char* __restrict__ found) {
  const u32 j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= m) return;
  const u64 i = (j & 1) ? ABSENT + j : splitmix((u64)j ^ (launch << 32) ^ (SEED * 5)) % n;
  const u64 k = ck_key(launch, i);
  bool f = __ldg(T + ck_slot(k, 0)) == k || __ldg(T + ck_slot(k, 1)) == k || __ldg(T + ck_slot(k, 2)) == k;
  if (!f) {
    const u32 c = counts[0] < STASH ? counts[0] : STASH;
    for (u32 q = 0; q < c && !f; ++q) f = stash[q] == k;
  }
  found[j] = f;
}
"""
CK_SRC = SPLITMIX_CUDA + fill_source(CK_CUDA, LOG=CK_LOG, MAXLOOP=CK_MAXLOOP, STASH=CK_STASH, SEED=hex(CK_SEED),
                                     ABSENT=hex(CK_ABSENT))
CK_MUL = (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53)


def ck_fmix(k):
    k ^= k >> 33
    k = (k * CK_MUL[0]) & M64
    k ^= k >> 33
    k = (k * CK_MUL[1]) & M64
    return k ^ (k >> 33)


def ck_slot(k, j):
    return (ck_fmix(k ^ ((0x9E3779B97F4A7C15 * (j + 1)) & M64)) >> (64 - CK_LOG)) & ((1 << CK_LOG) - 1)


def ck_slots_np(k, j):
    """ck_slot of a uint64 array."""
    with np.errstate(over="ignore"):
        x = k ^ np.uint64((0x9E3779B97F4A7C15 * (j + 1)) & M64)
        x ^= x >> np.uint64(33)
        x *= np.uint64(CK_MUL[0])
        x ^= x >> np.uint64(33)
        x *= np.uint64(CK_MUL[1])
        x ^= x >> np.uint64(33)
    return (x >> np.uint64(64 - CK_LOG)).astype(np.int64)


def ck_key(launch, i):
    return splitmix64(((launch << 32) | i) ^ CK_SEED)


def ck_probe_index(launch, j, n):
    """The key index probe j asks for."""
    return CK_ABSENT + j if j & 1 else splitmix64((j ^ (launch << 32) ^ (CK_SEED * 5)) & M64) % n


def cuckooht(variant, clock):
    if variant != "build":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=CK_SRC)
    ins, probe = mod.get_function("ck_insert"), mod.get_function("ck_probe")
    slots = 1 << CK_LOG
    n, m = int(slots * CK_LOAD), slots
    table = cp.zeros(slots, dtype=cp.uint64)
    stash = cp.zeros(CK_STASH, dtype=cp.uint64)
    counts = cp.zeros(2, dtype=cp.uint32)
    found = cp.zeros(m, dtype=cp.uint8)
    state = {"launch": 0, "stashed": 0, "moves": 0}

    def launch():  # a fresh table of fresh keys: cleared, filled, probed
        table.fill(0)
        counts.fill(0)
        L = np.uint64(state["launch"])
        ins(((n + 255) // 256,), (256,), (table, L, np.uint32(n), stash, counts))
        probe(((m + 255) // 256,), (256,), (table, L, np.uint32(n), np.uint32(m), stash, counts, found))
        state["launch"] += 1
    nl, per = calibrated_launches(launch, 16)
    cupy_loop(repeat_step(launch, nl), clock)
    last = state["launch"] - 1
    stashed, moves = (int(v) for v in counts.get())
    # the check: the table and stash hold exactly this launch's keys, each at one of its three slots
    keys = splitmix64_np((np.uint64(last) << np.uint64(32) | np.arange(n, dtype=np.uint64)) ^ np.uint64(CK_SEED))
    ht = table.get()
    where = np.flatnonzero(ht)
    held = np.concatenate([ht[where], stash.get()[:min(stashed, CK_STASH)]])
    set_ok = bool(len(held) == n and (keys != 0).all() and np.array_equal(np.sort(held), np.sort(keys)))
    k = ht[where]
    at_ok = bool(((ck_slots_np(k, 0) == where) | (ck_slots_np(k, 1) == where) | (ck_slots_np(k, 2) == where)).all())
    f = found.get().astype(bool)
    probe_ok = bool(f[0::2].all() and not f[1::2].any())
    ok = set_ok and at_ok and probe_ok and stashed <= CK_STASH
    note(f"cuckooht/{variant}: {state['launch']} tables of {slots} slots built from {n} fresh 64-bit keys each (load "
         f"{CK_LOAD}, 3 murmur3-finaliser hashes, atomicExch eviction chains) and probed {m} times (half present), "
         f"last build {moves} evictions ({moves / n:.3f} a key), {stashed} keys stashed (failed inserts, stash of "
         f"{CK_STASH}), table and stash hold exactly the keys: {set_ok}, each key at one of its slots: {at_ok}, every "
         f"present key found and no absent one: {probe_ok}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({(n + m) / per / 1e9:.2f} G inserts+probes/s), {nl} a step")


# ---- rangecoder ----------------------------------------------------------------------------------------------------
RC_M = 4093                # total frequency: not a power of two, so the decoder divides (by a constant)
RC_SHIFT = 12              # states in [L, 2L), L = RC_M << RC_SHIFT (< 2^24); renormalisation a bit at a time
RC_SYMS = 64
RC_STREAMS = 1 << 13
RC_LEN = 1024              # symbols a stream
RC_SEED = 0x4A9
RC_REP0 = 16               # copies of each stream in the first launch; then as many as take about LAUNCH_S
RC_MAX_REP = 512

RC_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define M %M%u
#define LB %LB%u
#define SYMS %SYMS%
#define LEN %LEN%
// a thread decodes stream t % streams: words w of stream s at W[w * streams + s], the decoder reading bits from
// nbits[s] - 1 down; every symbol into an FNV-1a hash, the first copy's symbols written out (symbol i at
// i * streams + s); a thread whose stream does not end at state LB with every bit read counts as bad
extern "C" __global__ void rc_decode(const u32* __restrict__ W, const u32* __restrict__ state,
                                     const u32* __restrict__ nbits, const u32* __restrict__ freq,
                                     const u32* __restrict__ cum, const unsigned char* __restrict__ slot,
                                     u32 streams, u32 words, u32 threads, unsigned char* __restrict__ out,
                                     u32* __restrict__ sums, u32* __restrict__ bad) {
  __shared__ unsigned char s_slot[M];
  __shared__ u32 s_f[SYMS], s_c[SYMS];
  for (u32 i = threadIdx.x; i < M; i += blockDim.x) s_slot[i] = slot[i];
  for (u32 i = threadIdx.x; i < SYMS; i += blockDim.x) { s_f[i] = freq[i]; s_c[i] = cum[i]; }
  __syncthreads();
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= threads) return;
  const u32 s = t % streams;
  u32 x = state[s], p = nbits[s], h = 2166136261u, cw = 0xFFFFFFFFu, word = 0;
  bool ok = true;
  for (int i = 0; i < LEN && ok; ++i) {
    const u32 q = x / M, r = x - q * M;
    const u32 sym = s_slot[r] & (SYMS - 1);
    x = s_f[sym] * q + r - s_c[sym];
    while (x < LB) {
      if (p == 0) { ok = false; break; }
      --p;
      if ((p >> 5) != cw) {
        cw = p >> 5;
        word = cw < words ? W[(u64)cw * streams + s] : 0u;
      }
      x = x << 1 | ((word >> (p & 31)) & 1u);
    }
    h = (h ^ sym) * 16777619u;
    if (t < streams) out[(u64)i * streams + s] = (unsigned char)sym;
  }
  sums[t] = h;
  if (!ok || x != LB || p != 0) atomicAdd(bad, 1u);
}
"""
RC_SRC = fill_source(RC_CUDA, M=RC_M, LB=RC_M << RC_SHIFT, SYMS=RC_SYMS, LEN=RC_LEN)


def rc_table():
    """(freq, cum, slot): geometric-ish frequencies of the symbols summing to RC_M (each at least 1), their
    exclusive prefix sums, and the symbol of each of the RC_M slots."""
    p = 0.9 ** np.arange(RC_SYMS)
    f = np.maximum(1, np.floor(p / p.sum() * RC_M)).astype(np.int64)
    f[0] += RC_M - f.sum()
    cum = np.concatenate([[0], np.cumsum(f)[:-1]])
    return f.astype(np.uint32), cum.astype(np.uint32), np.repeat(np.arange(RC_SYMS), f).astype(np.uint8)


def rc_encode(syms, freq, cum):
    """rANS-encode each row of syms (streams x length, last symbol first) with bit-at-a-time renormalisation, all
    streams at once: (words as streams x nwords uint32, final states, bit counts)."""
    ns, length = syms.shape
    f64, c64 = freq.astype(np.uint64), cum.astype(np.uint64)
    kmax = int(np.ceil(np.log2(RC_M / freq.min())))  # most bits a symbol can emit
    cap = int((np.ceil(np.log2(RC_M / freq.astype(np.float64)))[syms]).sum(axis=1).max())
    words = cap // 32 + 2
    W = np.zeros((ns, words), dtype=np.uint64)
    x = np.full(ns, RC_M << RC_SHIFT, dtype=np.uint64)
    nb = np.zeros(ns, dtype=np.uint64)
    rows = np.arange(ns)
    m = np.uint64(RC_M)
    for i in range(length - 1, -1, -1):
        s = syms[:, i]
        f, c = f64[s], c64[s]
        xmax = f << np.uint64(RC_SHIFT + 1)
        k = np.zeros(ns, dtype=np.uint64)
        for _ in range(kmax):  # bits out until x < xmax: then x stays in [L, 2L) after coding
            k += ((x >> k) >= xmax).astype(np.uint64)
        chunk = x & ((np.uint64(1) << k) - np.uint64(1))
        x >>= k
        w, off = (nb >> np.uint64(5)).astype(np.int64), nb & np.uint64(31)
        W[rows, w] |= (chunk << off) & np.uint64(0xFFFFFFFF)
        W[rows, w + 1] |= chunk >> (np.uint64(32) - off)
        nb += k
        x = (x // f) * m + (x % f) + c
    return W.astype(np.uint32), x.astype(np.uint32), nb.astype(np.uint32)


def rc_fnv(syms):
    """FNV-1a (32-bit) of each row of syms, as rc_decode hashes its symbols."""
    h = np.full(syms.shape[0], 2166136261, dtype=np.uint64)
    for i in range(syms.shape[1]):
        h = ((h ^ syms[:, i]) * np.uint64(16777619)) & np.uint64(0xFFFFFFFF)
    return h.astype(np.uint32)


def rangecoder(variant, clock):
    if variant != "decode":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    kern = cp.RawModule(code=RC_SRC).get_function("rc_decode")
    freq, cum, slot = rc_table()
    ns = RC_STREAMS
    syms = np.random.default_rng(RC_SEED).choice(RC_SYMS, size=(ns, RC_LEN), p=freq / RC_M).astype(np.uint8)
    W, x0, nb = rc_encode(syms, freq, cum)
    words = W.shape[1]
    dW = cp.asarray(np.ascontiguousarray(W.T).reshape(-1))  # interleaved: a warp's streams read neighbouring words
    dx, dnb, df, dc, ds = (cp.asarray(a) for a in (x0, nb, freq, cum, slot))
    out = cp.zeros(ns * RC_LEN, dtype=cp.uint8)
    sums = cp.zeros(ns * RC_MAX_REP, dtype=cp.uint32)
    bad = cp.zeros(1, dtype=cp.uint32)
    state = {"threads": ns * RC_REP0, "launches": 0, "symbols": 0}

    def launch():
        threads = state["threads"]
        kern(((threads + 255) // 256,), (256,), (dW, dx, dnb, df, dc, ds, np.uint32(ns), np.uint32(words),
                                                np.uint32(threads), out, sums, bad))
        state["launches"] += 1
        state["symbols"] += threads * RC_LEN
    _, per = calibrated_launches(launch, 1)
    rep = resize_launch(RC_REP0, per, 1, RC_MAX_REP)
    state["threads"] = ns * rep
    nl, per = calibrated_launches(launch, 16)
    bad.fill(0)
    state["symbols"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    threads = state["threads"]
    sym_ok = bool(np.array_equal(out.get().reshape(RC_LEN, ns).T, syms))
    want = rc_fnv(syms)
    sum_ok = bool(np.array_equal(sums[:threads].get(), want[np.arange(threads) % ns]))
    nbad = int(bad.get()[0])
    bits = float(nb.astype(np.float64).sum()) / (ns * RC_LEN)
    ok = sym_ok and sum_ok and nbad == 0
    note(f"rangecoder/{variant}: {state['symbols']} symbols decoded after READY ({ns} rANS streams of {RC_LEN} "
         f"symbols, {RC_SYMS}-symbol table of total {RC_M}, {bits:.2f} bits a symbol, bit-serial renormalisation, "
         f"{rep} copies of each stream a launch), every stream's symbols equal to the originals: {sym_ok}, all "
         f"{threads} threads' hashes equal: {sum_ok}, streams not ending at the start state: {nbad}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({threads * RC_LEN / per / 1e9:.2f} G symbols/s), {nl} a step")


# ---- sssp ----------------------------------------------------------------------------------------------------------
SP_NODES = 1 << 22
SP_MAXDEG = 15             # out-degrees 1 .. SP_MAXDEG (edge j of node i hashed from i << 4 | j)
SP_SEED = 0x55F
SP_DELTA = 256
SP_MAX_ROUNDS = 1 << 16
SP_INF = 0xFFFFFFFF

SP_CUDA = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
#define SEED %SEED%ull
// node i's edge j: h = splitmix((i << 4 | j) ^ SEED), to (h >> 8) % nodes, weight 1 + (h & 255) % 255; packed
// as to << 8 | weight
extern "C" __global__ void sp_fill(const u32* __restrict__ rowp, u32* __restrict__ edge, u32 nodes, u32 nedges) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < nodes; i += (u64)gridDim.x * blockDim.x)
    for (u32 e = rowp[i]; e < rowp[i + 1] && e < nedges; ++e) {
      const u64 h = splitmix((i << 4 | (u64)(e - rowp[i])) ^ SEED);
      edge[e] = (u32)((h >> 8) % nodes) << 8 | (u32)(1 + (h & 255) % 255);
    }
}
// a round: every active node below `bound` relaxes its edges (atomicMin), improved targets become active next
// round; active nodes at or above it wait. flags[0]: a node was activated below the bound, flags[1]: at or above
extern "C" __global__ void sp_relax(const u32* __restrict__ rowp, const u32* __restrict__ edge, u32 nodes,
                                    u32 nedges, u32* dist, unsigned char* __restrict__ cur,
                                    unsigned char* __restrict__ next, u32 bound, u32* __restrict__ flags) {
  bool near = false, far = false;
  for (u64 u = (u64)blockIdx.x * blockDim.x + threadIdx.x; u < nodes; u += (u64)gridDim.x * blockDim.x) {
    if (!cur[u]) continue;
    cur[u] = 0;
    const u32 du = dist[u];
    if (du >= bound) { next[u] = 1; far = true; continue; }
    const u32 a = rowp[u], b = rowp[u + 1] < nedges ? rowp[u + 1] : nedges;
    for (u32 e = a; e < b; ++e) {
      const u32 pe = __ldg(edge + e), v = pe >> 8, nd = du + (pe & 255);
      if (v < nodes && nd < dist[v] && atomicMin(dist + v, nd) > nd) {
        next[v] = 1;
        if (nd < bound) near = true; else far = true;
      }
    }
  }
  if (near) flags[0] = 1;  // a plain store: every writer writes 1
  if (far) flags[1] = 1;
}
"""
SP_SRC = SPLITMIX_CUDA + fill_source(SP_CUDA, SEED=hex(SP_SEED))


def sp_degrees(nodes):
    return 1 + splitmix64_np(np.arange(nodes, dtype=np.uint64) ^ np.uint64(SP_SEED * 7)) % np.uint64(SP_MAXDEG)


def sp_edge_py(i, j, nodes):
    """Node i's edge j packed as sp_fill packs it."""
    h = splitmix64(((i << 4) | j) ^ SP_SEED)
    return (((h >> 8) % nodes) << 8) | (1 + (h & 255) % 255)


def sp_source(launch, nodes):
    return splitmix64((launch << 8) ^ SP_SEED) % nodes


def sssp(variant, clock):
    if variant != "delta":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=SP_SRC)
    fill, relax = mod.get_function("sp_fill"), mod.get_function("sp_relax")
    nodes = SP_NODES
    rowp = np.zeros(nodes + 1, dtype=np.uint32)
    rowp[1:] = np.cumsum(sp_degrees(nodes), dtype=np.uint64).astype(np.uint32)
    nedges = int(rowp[-1])
    d_rowp = cp.asarray(rowp)
    edge = cp.empty(nedges, dtype=cp.uint32)
    grid = sms() * 8
    fill((grid,), (256,), (d_rowp, edge, np.uint32(nodes), np.uint32(nedges)))
    dist = cp.empty(nodes, dtype=cp.uint32)
    act = [cp.zeros(nodes, dtype=cp.uint8), cp.zeros(nodes, dtype=cp.uint8)]
    flags = cp.zeros(2, dtype=cp.uint32)
    state = {"launch": 0, "rounds": 0, "src": 0, "capped": False}

    def launch():  # one solve from a fresh source
        src = sp_source(state["launch"], nodes)
        dist.fill(SP_INF)
        dist[src] = 0
        act[0].fill(0)
        act[1].fill(0)
        act[0][src] = 1
        bound, rounds = SP_DELTA, 0
        while rounds < SP_MAX_ROUNDS:
            flags.fill(0)
            relax((grid,), (256,), (d_rowp, edge, np.uint32(nodes), np.uint32(nedges), dist, act[0], act[1],
                                    np.uint32(bound), flags))
            near, far = (int(v) for v in flags.get())
            act.reverse()
            rounds += 1
            if near:
                continue
            if not far:
                break
            bound = min(bound + SP_DELTA, SP_INF)  # nothing active below the bound: the next bucket
        state["capped"] |= rounds >= SP_MAX_ROUNDS
        state.update(src=src, rounds=rounds, launch=state["launch"] + 1)
    nl, per = calibrated_launches(launch, 8)
    cupy_loop(repeat_step(launch, nl), clock)
    # the check: d(src) = 0, d(v) <= d(u) + w on every edge from a reached u, and a tight in-edge into every
    # reached v but the source: the distances are path lengths and no path is shorter
    src = state["src"]
    d = dist.get().astype(np.int64)
    he = edge.get()
    tail = np.repeat(np.arange(nodes, dtype=np.int64), np.diff(rowp).astype(np.int64))
    head, w = (he >> 8).astype(np.int64), (he & 255).astype(np.int64)
    reached = d != SP_INF
    fin = reached[tail]
    du, dv = d[tail[fin]], d[head[fin]]
    tri_ok = bool((dv <= du + w[fin]).all())
    tight = np.zeros(nodes, dtype=bool)
    tight[head[fin][dv == du + w[fin]]] = True
    tight[src] = True
    tight_ok = bool(tight[reached].all())
    src_ok = d[src] == 0
    sample = np.random.default_rng(14).integers(0, nodes, 64)
    graph_ok = all(int(he[rowp[i] + j]) == sp_edge_py(int(i), j, nodes)
                   for i in sample for j in range(int(rowp[i + 1] - rowp[i])))
    ok = tri_ok and tight_ok and src_ok and graph_ok and not state["capped"]
    nreach = int(reached.sum())
    note(f"sssp/{variant}: {state['launch']} solves from fresh sources on a graph of {nodes} nodes and {nedges} "
         f"weighted edges (1-255, CSR, near-far delta-stepping with delta {SP_DELTA}), last solve {state['rounds']} "
         f"rounds, {nreach} nodes reached, farthest at {int(d[reached].max())}, d(source) = 0: {src_ok}, "
         f"d(v) <= d(u) + w on every edge: {tri_ok}, every reached node with a tight in-edge: {tight_ok}, 64 nodes' "
         f"edges as made: {graph_ok}, agree: {ok}, {per * 1e3:.2f} ms a solve ({nedges / per / 1e9:.2f} G edges/s), "
         f"{nl} a step")
