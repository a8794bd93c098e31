"""Connect-4 end-game solving, multiprecision integer products, maximum cliques by Bron-Kerbosch on bitsets and an
eBPF-style packet-filter interpreter (label 0).

A twenty-second set of benign work, four common GPU jobs whose pipe activity resembles hashing (49-bit bitboard shifts
and ANDs under an explicit search stack, 64 x 64 -> 128-bit multiplies with carry chains and warp shuffles, AND /
popcount / ffs on 128-bit vertex sets, a switch dispatch of bytecode with bounds-checked byte loads), compute-bound with
little memory traffic, absent from the project before:

  connect4    a Connect-4 end-game solver: 2^20 positions made on the GPU by 26 plies of splitmix64-random play from
              the empty board (no move that wins or that leaves the opponent a win at once, while one exists; up to 4
              tries a position, then a fifth allowing moves that leave a win), 16 empty cells each, solved exactly. A
              thread a position: Pascal Pons' bitboard solver (7 x (6 + 1)-bit columns in a 64-bit word, the player to
              move's stones and the mask of all stones; a move by mask + its column's bottom bit; winning cells by the
              shift-and-AND alignment of three stones in four directions), negamax with alpha-beta over the full
              window, an immediate win checked first, beta clamped to the best score still possible, moves in centre-
              first order, iterative on an explicit stack of frames (stones, mask, alpha, beta, next move) in local
              memory, no recursion and no transposition table. Pons' scores ((43 - n) / 2 for a win on the next move
              with n stones on the board, 0 for a draw), nodes to memory, wins/draws/losses by warp ballots and nodes by
              warp sums. Shifts, ANDs, popcounts and divergent branches; positions a launch timed at set-up.
  bignum      multiprecision integer arithmetic as a bignum library computing a constant does it: the combine step of
              binary splitting, T = A B + C D, for 2^20 independent items of four 2048-bit operands (32 64-bit limbs
              each, made on the GPU: random limbs, 1 item in 64 each with all-ones operands, all-ones A and C, every
              other limb all ones, or a quarter of the limbs zero), the 4097-bit result in 65 limbs. A warp an item,
              CGBN-style, a lane a limb of each operand: operand scanning, row i the products a_i B and c_i D (a_i and
              c_i broadcast by shuffles, 64 x 64 -> 128-bit by the multiply and __umul64hi), each lane adding the low
              words and its lower neighbour's high words (shuffled up) into its column with carry counts, lane 0's
              column final and stored, the window shifted down a lane (the top lane's high words and every carry count
              moving up a column); after 32 rows the pending carries resolved by shuffles until a warp vote finds none,
              the upper 33 limbs stored. No modular reduction (Montgomery-free); items a launch timed at set-up.
  clique      maximum cliques of 2^16 small dense random graphs made on the GPU: 64-128 vertices, edge density from
              0.75 (64 vertices) to 0.5 (128) +-0.03, adjacency rows as two 64-bit words. A warp a graph, its rows in
              shared memory: each lane takes every 32nd vertex v as a root (R = {v}, P its higher neighbours, X its
              lower ones) and runs Bron-Kerbosch with Tomita pivoting on 128-bit sets, iteratively on an explicit stack
              (P, X and the candidates P \\ N(pivot) a level) in local memory: the pivot the vertex of P u X with the
              most neighbours in P (AND and popcount over the set, ffs to walk it), branches pruned when |R| + |P|
              cannot beat the warp's best size (in shared memory, raised by atomicMax); a maximal clique (P and X empty)
              larger than the lane's best kept. The warp's largest by a warp max reduction and the lowest lane's
              clique to memory, nodes and maximal cliques by warp sums. AND/popcount/ffs and divergent branches; graphs
              a launch timed at set-up.
  bpf         an eBPF-style packet filter: 2^24 synthetic Ethernet frames (96-byte snapshots of 60-1514-byte packets:
              IPv4 TCP/UDP/ICMP/GRE with options now and then, fragments, 802.1Q tags, IPv6, ARP, LLDP, TCP flag
              anomalies, 1/64 malformed: a bad version or header length, or cut inside the IPv4 or TCP header) made on
              the GPU, and a filter program of 271 eBPF instructions (eBPF's encoding and opcodes: ALU64 and
              ALU32 with immediates and registers, 64-bit multiply, jumps and 32-bit jumps; packet loads of 1, 2 or 4
              bytes in network order at a register plus offset, bounds-checked against the snapshot, out of bounds
              ending the program with 0 as classic BPF's do) assembled in Python: Ethernet and VLAN parsing, IPv4
              header checks, fragments and TCP flag anomalies dropped, ports (or the ICMP type) loaded, 26 ACL rules
              (source and destination prefixes by 32-bit AND and compare, protocol, port ranges) first match wins, a
              default drop, and for accepted packets an RSS-style queue from a multiply-xorshift hash of the 5-tuple.
              A thread a packet interprets the program (copied to shared memory) with a switch over 34 opcodes on 11
              64-bit registers in local memory; the verdict ((queue << 16) | (rule << 1) | pass) and steps to memory,
              rule hit counters in shared memory then global atomics, passes by warp ballots and steps by warp sums.
              Byte loads, a switch dispatch and branches; packets a launch timed at set-up.

Self-checks, printed with the summary line (`agree:`): connect4, after a check pass over every position, compares the
warp ballots' win/draw/loss counts and the node sum with CuPy array operators over the scores and node counts, checks
every position with array operators (each column filled from the bottom, the stones to move a subset of the mask,
the side to move's stone count by the parity of the plies, no four in a row for either side), and compares 48
positions with a Python regeneration on a list board (line scans for wins) and their scores with a recursive
alpha-beta solver on that list board; bignum, after a check pass over every item, compares every result with its
operands' residues mod 2^32 - 1 (sums of 32-bit halves), mod 65537 (alternating sums of 16-bit quarters) and mod 2^64
(the low limbs' wrapping products) by array operators, the 4097th bits with the warp count, and 256 items and 32 more
of the special kinds limb for limb with Python's big integers (built from a Python regeneration of the operands' limbs);
clique, after a check pass over every graph, checks with array operators that every graph's clique has the reported
size, lies within its vertices and is a clique (each member's row holding every other member), and compares 32 graphs'
rows with a Python regeneration of their edges and their clique sizes with a Carraghan-Pardalos branch and bound on
Python int bitsets; bpf, after a check pass over every packet, compares the rule hit counters and the warp counts with
cupy.bincount of the verdicts and array sums, every non-IPv4 packet's verdict (by its ethertype and VLAN tag read with
array operators) with the rule it must meet, and 4096 packets and 512 more cut inside their headers byte for byte with
a Python regeneration (struct.pack of their headers) and their verdicts with a Python implementation of the same policy
on the bytes (field reads, Python rule matching and the hash on Python ints), not of the bytecode.
"""
import numpy as np

from common import SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, popcount64, repeat_step, \
    size_launch, splitmix64, splitmix64_xp, wrapping_launch

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1
U64 = np.uint64
U32 = np.uint32
GOLDEN = 0x9E3779B97F4A7C15

HEAD = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;
typedef unsigned short u16;
#define FULL 0xFFFFFFFFu
""" + SPLITMIX_CUDA

# ---- connect4 ------------------------------------------------------------------------------------------------------
C4_POS = 1 << 20           # positions (a pass over them, then again)
C4_PLIES = 26              # plies of random play a position (16 empty cells left)
C4_TRIES = 4               # tries at a position of safe moves only, before one that allows unsafe ones
C4_SEED = 0xC4C4
C4_POS0 = 1 << 14          # positions a launch first; then as many as take about LAUNCH_S
C4_MIN_POS = 1 << 8
C4_MAX_POS = 1 << 23
C4_CHECK = 48              # positions solved again in Python on a list board (about 30 ms each)
C4_BOTTOM = sum(1 << (7 * c) for c in range(7))
C4_BOARD = C4_BOTTOM * 63

C4_CUDA = HEAD + r"""
#define SEED %SEED%ull
#define PLIES %PLIES%u
#define TRIES %TRIES%u
#define BOTTOM %BOTTOM%ull
#define BOARD %BOARD%ull
// Pascal Pons' bitboard: column c's cells are bits 7c (bottom) to 7c + 5, bit 7c + 6 always clear; `cur` the stones
// of the player to move, `mask` every stone
__device__ __forceinline__ u64 c4_bot(u32 c) { return 1ull << (7u * c); }
__device__ __forceinline__ u64 c4_col(u32 c) { return 63ull << (7u * c); }
__device__ __forceinline__ bool c4_can(u64 mask, u32 c) { return (mask & (32ull << (7u * c))) == 0ull; }
__device__ __forceinline__ u64 c4_possible(u64 mask) { return (mask + BOTTOM) & BOARD; }
// the empty cells that would complete four of p's stones: three in a row in each direction, either side of the gap
__device__ __forceinline__ u64 c4_winning(u64 p, u64 mask) {
  u64 r = (p << 1) & (p << 2) & (p << 3);
  u64 q = (p << 7) & (p << 14);
  r |= q & (p << 21);
  r |= q & (p >> 7);
  q = (p >> 7) & (p >> 14);
  r |= q & (p << 7);
  r |= q & (p >> 21);
  q = (p << 6) & (p << 12);
  r |= q & (p << 18);
  r |= q & (p >> 6);
  q = (p >> 6) & (p >> 12);
  r |= q & (p << 6);
  r |= q & (p >> 18);
  q = (p << 8) & (p << 16);
  r |= q & (p << 24);
  r |= q & (p >> 8);
  q = (p >> 8) & (p >> 16);
  r |= q & (p << 8);
  r |= q & (p >> 24);
  return r & (BOARD ^ mask);
}
// a thread a position: PLIES plies of random play from the empty board, a splitmix64 draw a ply, the first column
// from a random one on that neither wins nor leaves the opponent a win at once; a try that finds none is dropped, the
// last (TRIES) playing the first non-winning column then, and stopping only where every move wins
extern "C" __global__ void c4_gen(u32 n, u64* __restrict__ pos) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  u64 cur = 0ull, mask = 0ull;
  for (u32 a = 0; a <= TRIES; ++a) {
    u64 st = splitmix((((u64)i << 3) | a) ^ SEED);
    cur = mask = 0ull;
    u32 k = 0u;
    while (k < PLIES) {
      const u64 r = splitmix(st);
      st += 0x9E3779B97F4A7C15ull;
      const u32 c0 = (u32)(((r >> 32) * 7ull) >> 32);
      const u64 win = c4_winning(cur, mask);
      int ch = -1, alt = -1;
      for (u32 j = 0; j < 7u; ++j) {
        const u32 c = c0 + j < 7u ? c0 + j : c0 + j - 7u;
        if (!c4_can(mask, c)) continue;
        const u64 m2 = mask | (mask + c4_bot(c));
        if (win & m2 & c4_col(c)) continue;
        if (alt < 0) alt = (int)c;
        if (!(c4_winning(cur ^ mask, m2) & c4_possible(m2))) {
          ch = (int)c;
          break;
        }
      }
      if (ch < 0 && a == TRIES) ch = alt;
      if (ch < 0) break;
      cur ^= mask;
      mask |= mask + c4_bot((u32)ch);
      ++k;
    }
    if (k == PLIES) break;
  }
  pos[2ull * i] = cur;
  pos[2ull * i + 1ull] = mask;
}
struct c4_frame {
  u64 cur, mask;
  int alpha, beta, k;
};
// the exact score of (cur, mask) by negamax with alpha-beta over the full window, iteratively: a frame a ply on an
// explicit stack, k the next move in centre-first order (-1: not yet entered), ret the score of the child just left
__device__ int c4_solve(u64 cur0, u64 mask0, u32& nodes) {
  c4_frame st[43];
  int sp = 0, ret = 0;
  st[0].cur = cur0;
  st[0].mask = mask0;
  st[0].alpha = -64;
  st[0].beta = 64;
  st[0].k = -1;
  for (;;) {
    c4_frame& f = st[sp];
    bool up = false;
    if (f.k < 0) {
      ++nodes;
      const int n = __popcll((long long)f.mask);
      if (n == 42) {
        ret = 0;
        up = true;
      } else if (c4_winning(f.cur, f.mask) & c4_possible(f.mask)) {
        ret = (43 - n) / 2;
        up = true;
      } else {
        const int mx = (41 - n) / 2;
        if (f.beta > mx) {
          f.beta = mx;
          if (f.alpha >= f.beta) {
            ret = f.beta;
            up = true;
          }
        }
        f.k = 0;
      }
    } else {
      const int s = -ret;
      if (s >= f.beta) {
        ret = s;
        up = true;
      } else {
        if (s > f.alpha) f.alpha = s;
        ++f.k;
      }
    }
    if (!up) {
      u32 c = 0u;
      while (f.k < 7) {
        c = (f.k & 1) ? 3u - (u32)(f.k + 1) / 2u : 3u + (u32)f.k / 2u;  // 3, 2, 4, 1, 5, 0, 6
        if (c4_can(f.mask, c)) break;
        ++f.k;
      }
      if (f.k == 7) {
        ret = f.alpha;
        up = true;
      } else {
        c4_frame& g = st[sp + 1];
        g.cur = f.cur ^ f.mask;
        g.mask = f.mask | (f.mask + c4_bot(c));
        g.alpha = -f.beta;
        g.beta = -f.alpha;
        g.k = -1;
        ++sp;
        continue;
      }
    }
    if (sp == 0) return ret;
    --sp;
  }
}
// a thread a position p0 + t: its score and nodes to memory; wins, draws and losses by warp ballots into
// stats[0..2], nodes by a warp sum into stats[3]
extern "C" __global__ void c4_solve_k(const u64* __restrict__ pos, u32 p0, u32 cnt, int* __restrict__ score,
                                      u32* __restrict__ nodes, u64* __restrict__ stats) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  int s = 0;
  u32 nn = 0u;
  const bool live = t < cnt;
  if (live) {
    const u32 i = p0 + t;
    s = c4_solve(pos[2ull * i], pos[2ull * i + 1ull], nn);
    score[i] = s;
    nodes[i] = nn;
  }
  const u32 w = __ballot_sync(FULL, live && s > 0), d = __ballot_sync(FULL, live && s == 0);
  const u32 l = __ballot_sync(FULL, live && s < 0), sn = __reduce_add_sync(FULL, nn);
  if ((threadIdx.x & 31u) == 0u) {
    if (w) atomicAdd(&stats[0], (u64)__popc(w));
    if (d) atomicAdd(&stats[1], (u64)__popc(d));
    if (l) atomicAdd(&stats[2], (u64)__popc(l));
    if (sn) atomicAdd(&stats[3], (u64)sn);
  }
}
"""


def c4_src():
    return fill_source(C4_CUDA, SEED=hex(C4_SEED), PLIES=C4_PLIES, TRIES=C4_TRIES, BOTTOM=hex(C4_BOTTOM),
                       BOARD=hex(C4_BOARD))


C4_SRC = c4_src()


def _c4_line(g, c, r, p):
    """p's stones on a line through (c, r) in any direction, with (c, r) itself: at least four."""
    for dc, dr in ((1, 0), (0, 1), (1, 1), (1, -1)):
        k = 1
        for s in (1, -1):
            cc, rr = c + s * dc, r + s * dr
            while 0 <= cc < 7 and 0 <= rr < 6 and g[cc][rr] == p:
                k += 1
                cc, rr = cc + s * dc, rr + s * dr
        if k >= 4:
            return True
    return False


def c4_position_py(i):
    """Position i as c4_gen makes it, played on a list board (g[column][row], 1 and 2 the players) with line scans
    for wins: (the stones of the player to move, every stone) as Pons' bitboards."""
    for a in range(C4_TRIES + 1):
        st = splitmix64(((i << 3) | a) ^ C4_SEED)
        g, h, p, k = [[0] * 6 for _ in range(7)], [0] * 7, 1, 0
        while k < C4_PLIES:
            r = splitmix64(st)
            st = (st + GOLDEN) & M64
            c0 = ((r >> 32) * 7) >> 32
            ch = alt = None
            for j in range(7):
                c = (c0 + j) % 7
                if h[c] == 6 or _c4_line(g, c, h[c], p):
                    continue
                if alt is None:
                    alt = c
                g[c][h[c]] = p
                h[c] += 1
                safe = not any(h[d] < 6 and _c4_line(g, d, h[d], 3 - p) for d in range(7))
                h[c] -= 1
                g[c][h[c]] = 0
                if safe:
                    ch = c
                    break
            if ch is None and a == C4_TRIES:
                ch = alt
            if ch is None:
                break
            g[ch][h[ch]] = p
            h[ch] += 1
            p = 3 - p
            k += 1
        if k == C4_PLIES:
            break
    cur = sum(1 << (7 * c + r) for c in range(7) for r in range(6) if g[c][r] == p)
    mask = sum(1 << (7 * c + r) for c in range(7) for r in range(6) if g[c][r])
    return cur, mask


def c4_score_py(cur, mask):
    """The exact score of a position by a recursive alpha-beta negamax on a list board (Pons' scoring)."""
    g, h = [[0] * 6 for _ in range(7)], [0] * 7
    for c in range(7):
        for r in range(6):
            b = 1 << (7 * c + r)
            if mask & b:
                g[c][r] = 1 if cur & b else 2
                h[c] = r + 1

    def neg(p, n, alpha, beta):
        if n == 42:
            return 0
        if any(h[c] < 6 and _c4_line(g, c, h[c], p) for c in range(7)):
            return (43 - n) // 2
        beta = min(beta, (41 - n) // 2)
        if alpha >= beta:
            return beta
        for c in (3, 2, 4, 1, 5, 0, 6):
            if h[c] < 6:
                g[c][h[c]] = p
                h[c] += 1
                s = -neg(3 - p, n + 1, -beta, -alpha)
                h[c] -= 1
                g[c][h[c]] = 0
                if s >= beta:
                    return s
                alpha = max(alpha, s)
        return alpha
    return neg(1, sum(h), -64, 64)


def c4_align_xp(p, xp):
    """Whether each bitboard of a uint64 array holds four in a row, by xp's array operators."""
    out = xp.zeros(p.shape, dtype=bool)
    for s in (1, 6, 7, 8):
        m = p & (p >> U64(s))
        out |= (m & (m >> U64(2 * s))) != U64(0)
    return out


def connect4(variant, clock):
    if variant != "solve":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=c4_src())
    genk, solvek = (mod.get_function(k) for k in ("c4_gen", "c4_solve_k"))
    n = C4_POS
    pos = cp.zeros(2 * n, dtype=cp.uint64)
    genk(((n + 255) // 256,), (256,), (U32(n), pos))
    score = cp.zeros(n, dtype=cp.int32)
    nodes = cp.zeros(n, dtype=cp.uint32)
    stats = cp.zeros(4, dtype=cp.uint64)
    state = {"cursor": 0, "positions": C4_POS0, "done": 0}

    def run(p0, cnt):
        solvek(((cnt + 127) // 128,), (128,), (pos, U32(p0), U32(cnt), score, nodes, stats))

    launch = wrapping_launch(state, "positions", n, run)
    size_launch(launch, state, "positions", C4_MIN_POS, C4_MAX_POS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every position: the warp counts against CuPy's array operators, the positions' shape too
    stats.fill(0)
    run(0, n)
    hst = stats.get().astype(np.int64).tolist()
    nsum = int(nodes.astype(cp.uint64).sum())
    want = [int((score > 0).sum()), int((score == 0).sum()), int((score < 0).sum()), nsum]
    count_ok = hst == want
    pm = pos.reshape(n, 2)
    cur, mask = pm[:, 0], pm[:, 1]
    opp = cur ^ mask
    plies = popcount64(mask, xp=cp).astype(cp.int64)
    shape_ok = bool((((mask + U64(C4_BOTTOM)) & mask) == U64(0)).all()) and bool(((cur & ~mask) == U64(0)).all()) \
        and bool(((mask & ~U64(C4_BOARD)) == U64(0)).all()) and \
        bool((popcount64(opp, xp=cp).astype(cp.int64) - popcount64(cur, xp=cp).astype(cp.int64) == plies % 2).all()) \
        and not bool((c4_align_xp(cur, cp) | c4_align_xp(opp, cp)).any())
    full = int((plies == C4_PLIES).sum())
    del pm, cur, mask, opp
    # sampled positions: regenerated on a list board, solved again by a recursive alpha-beta on it
    rng = np.random.default_rng(80)
    picks = np.sort(rng.choice(n, min(n, C4_CHECK), replace=False)).tolist()
    pos_good = score_good = 0
    for i in picks:
        pc, pmk = c4_position_py(i)
        got = pos[2 * i:2 * i + 2].get().tolist()
        pos_good += got == [pc, pmk]
        score_good += int(score[i:i + 1].get()[0]) == c4_score_py(*got)
    ok = count_ok and shape_ok and pos_good == len(picks) and score_good == len(picks)
    hn = nodes.get()
    note(f"connect4/{variant}: {state['done']} positions solved after READY ({n} positions, {full} after "
         f"{C4_PLIES} plies, {state['positions']} positions a launch), the side to move wins/draws/loses "
         f"{hst[0]}/{hst[1]}/{hst[2]}, {nsum / n:.0f} nodes a position (at most {int(hn.max())}); win/draw/loss "
         f"ballots and node sums equal to CuPy's: {count_ok}, every position well formed (columns filled from the "
         f"bottom, stones to move by parity, no four in a row): {shape_ok}, {len(picks)} positions equal to a "
         f"list-board regeneration: {pos_good}, their scores equal to a recursive list-board alpha-beta's: "
         f"{score_good}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['positions'] / per / 1e6:.3f} M positions/s, {nsum / n * state['positions'] / per / 1e9:.2f} G "
         f"nodes/s), {nl} a step")


# ---- bignum --------------------------------------------------------------------------------------------------------
BN_ITEMS = 1 << 20         # items (a pass over them, then again)
BN_L = 32                  # 64-bit limbs an operand (2048 bits): a lane a limb
BN_SEED = 0xB16E
BN_ITEMS0 = 1 << 14        # items a launch first; then as many as take about LAUNCH_S
BN_MIN_ITEMS = 1 << 6
BN_MAX_ITEMS = 1 << 26
BN_CHECK = 256             # items compared with Python's big integers

BN_CUDA = HEAD + r"""
#define L %L%u
#define SEED %SEED%ull
// a thread a limb: limb k of operand w (A, B, C, D) of item i at ((4 i + w) L + k); item kinds by a draw: 0 every
// operand all ones, 1 A and C all ones, 2 every other limb all ones, 3 a quarter of the limbs zero, else random
extern "C" __global__ void bn_gen(u32 n, u64* __restrict__ ops) {
  const u64 idx = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= (u64)n * 4ull * L) return;
  const u64 i = idx / (4ull * L);
  const u32 w = (u32)(idx / L) & 3u, k = (u32)idx & (L - 1u);
  const u32 kind = (u32)splitmix(i ^ (SEED << 1)) & 63u;
  u64 v = splitmix(idx ^ SEED);
  if (kind == 0u || (kind == 1u && (w & 1u) == 0u) || (kind == 2u && (k & 1u) == 0u))
    v = ~0ull;
  else if (kind == 3u && (v & 3ull) == 0ull)
    v = 0ull;
  ops[idx] = v;
}
// a warp an item i0 + (global thread / 32): T = A B + C D (2L + 1 limbs, the last 0 or 1) by operand scanning, a lane
// l a limb of each operand and the column of a window of L columns (row i: columns i to i + L - 1); carries counted
// in cc, the carry out of lane l's column into the next. The item's 4097th bit and the carry-resolution rounds by
// lane 0 into stats[0..1]
extern "C" __global__ void bn_mac(const u64* __restrict__ ops, u32 i0, u32 cnt, u64* __restrict__ out,
                                  u64* __restrict__ stats) {
  const u32 wid = (blockIdx.x * blockDim.x + threadIdx.x) >> 5, lane = threadIdx.x & 31u;
  if (wid >= cnt) return;
  const u64 i = (u64)i0 + wid;
  const u64* x = ops + i * 4ull * L;
  const u64 a = x[lane], b = x[L + lane], c = x[2u * L + lane], d = x[3u * L + lane];
  u64* o = out + i * (2ull * L + 1ull);
  u64 acc = 0ull, cc = 0ull;
#pragma unroll 4
  for (u32 row = 0; row < L; ++row) {
    const u64 ai = __shfl_sync(FULL, a, row), ci = __shfl_sync(FULL, c, row);
    const u64 lo1 = ai * b, hi1 = __umul64hi(ai, b), lo2 = ci * d, hi2 = __umul64hi(ci, d);
    u64 hp1 = __shfl_up_sync(FULL, hi1, 1), hp2 = __shfl_up_sync(FULL, hi2, 1);
    if (lane == 0u) hp1 = hp2 = 0ull;
    u64 s = acc + lo1;
    cc += s < lo1;
    s += lo2;
    cc += s < lo2;
    s += hp1;
    cc += s < hp1;
    s += hp2;
    cc += s < hp2;
    if (lane == 0u) o[row] = s;  // column `row` is final
    // the window down a lane: column row + 1 + l to lane l, with the carry out of the column below it
    const u64 dn = __shfl_down_sync(FULL, s, 1);
    const u64 t1 = __shfl_sync(FULL, hi1, 31), t2 = __shfl_sync(FULL, hi2, 31);
    u64 nv, nc = 0ull;
    if (lane == 31u) {
      nv = t1 + t2;
      nc = nv < t1;
    } else {
      nv = dn;
    }
    acc = nv + cc;
    cc = nc + (acc < cc);
  }
  // the pending carries, each into the next lane's column, lane 31's into the top limb, until none is left
  u64 top = 0ull, rounds = 0ull;
  for (;;) {
    u64 cin = __shfl_up_sync(FULL, cc, 1);
    if (lane == 0u) cin = 0ull;
    top += __shfl_sync(FULL, cc, 31);
    acc += cin;
    cc = acc < cin;
    ++rounds;
    if (!__any_sync(FULL, cc != 0ull)) break;
  }
  o[L + lane] = acc;
  if (lane == 0u) {
    o[2u * L] = top;
    if (top) atomicAdd(&stats[0], top);
    atomicAdd(&stats[1], rounds);
  }
}
"""


def bn_src():
    return fill_source(BN_CUDA, L=BN_L, SEED=hex(BN_SEED))


BN_SRC = bn_src()


def bn_operands_py(i):
    """Item i's operands (A, B, C, D) as bn_gen makes them, as Python ints."""
    kind = splitmix64(i ^ (BN_SEED << 1)) & 63
    out = []
    for w in range(4):
        x = 0
        for k in range(BN_L):
            v = splitmix64(((4 * i + w) * BN_L + k) ^ BN_SEED)
            if kind == 0 or (kind == 1 and w % 2 == 0) or (kind == 2 and k % 2 == 0):
                v = M64
            elif kind == 3 and v & 3 == 0:
                v = 0
            x |= v << (64 * k)
        out.append(x)
    return out


def bn_residues_xp(limbs):
    """Residues mod 2^32 - 1 (the sum of 32-bit halves) and mod 65537 (the alternating sum of 16-bit quarters) of the
    little-endian uint64 limb rows (last axis) of a C-contiguous NumPy or CuPy array, by its own operators."""
    h = limbs.view(np.uint32)
    r1 = h.sum(axis=-1, dtype=np.uint64) % U64(M32)
    q = limbs.view(np.uint16)
    r2 = (q[..., 0::2].sum(axis=-1, dtype=np.int64) - q[..., 1::2].sum(axis=-1, dtype=np.int64)) % 65537
    return r1, r2


def bignum(variant, clock):
    if variant != "mul":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=bn_src())
    genk, mack = (mod.get_function(k) for k in ("bn_gen", "bn_mac"))
    n, L = BN_ITEMS, BN_L
    ops = cp.zeros(n * 4 * L, dtype=cp.uint64)
    genk(((n * 4 * L + 255) // 256,), (256,), (U32(n), ops))
    out = cp.zeros(n * (2 * L + 1), dtype=cp.uint64)
    stats = cp.zeros(2, dtype=cp.uint64)
    state = {"cursor": 0, "items": BN_ITEMS0, "done": 0}

    def run(i0, cnt):
        mack(((cnt * 32 + 127) // 128,), (128,), (ops, U32(i0), U32(cnt), out, stats))

    launch = wrapping_launch(state, "items", n, run)
    size_launch(launch, state, "items", BN_MIN_ITEMS, BN_MAX_ITEMS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every item: residues of every result against its operands' by CuPy's array operators
    stats.fill(0)
    run(0, n)
    x = ops.reshape(n, 4, L)
    t = out.reshape(n, 2 * L + 1)
    o1, o2 = bn_residues_xp(x)
    t1, t2 = bn_residues_xp(t)
    m1 = U64(M32)
    want1 = ((o1[:, 0] * o1[:, 1]) % m1 + (o1[:, 2] * o1[:, 3]) % m1) % m1
    want2 = (o2[:, 0] * o2[:, 1] + o2[:, 2] * o2[:, 3]) % 65537
    want0 = x[:, 0, 0] * x[:, 1, 0] + x[:, 2, 0] * x[:, 3, 0]
    res_ok = bool((t1 == want1).all()) and bool((t2 == want2).all()) and bool((t[:, 0] == want0).all())
    tops = t[:, 2 * L]
    hst = stats.get()
    ntop = int((tops == U64(1)).sum())
    top_ok = bool((tops <= U64(1)).all()) and int(hst[0]) == ntop
    del x, o1, o2, t1, t2, want1, want2, want0
    # sampled items (those with all-ones operands among them): operands against Python's regeneration, results limb
    # for limb against Python's big integers
    rng = np.random.default_rng(81)
    kinds = (splitmix64_xp(cp.arange(n, dtype=cp.uint64) ^ U64(BN_SEED << 1)) & U64(63)).get()
    special = np.nonzero(kinds < 4)[0]
    picks = sorted(set(rng.choice(n, min(n, BN_CHECK), replace=False).tolist()) |
                   set(rng.choice(special, min(len(special), BN_CHECK // 8), replace=False).tolist()))
    op_good = prod_good = 0
    for i in picks:
        a, b, c, d = bn_operands_py(i)
        got = ops[4 * L * i:4 * L * (i + 1)].get().tolist()
        op_good += got == [(v >> (64 * k)) & M64 for v in (a, b, c, d) for k in range(L)]
        tt = a * b + c * d
        prod_good += t[i].get().tolist() == [(tt >> (64 * k)) & M64 for k in range(2 * L + 1)]
    ok = res_ok and top_ok and op_good == len(picks) and prod_good == len(picks)
    note(f"bignum/{variant}: {state['done']} items multiplied after READY ({n} items of four {64 * L}-bit operands, "
         f"T = A B + C D, {state['items']} items a launch), {ntop} results of {128 * L + 1} bits, "
         f"{int(hst[1]) / n:.2f} carry-resolution rounds an item; every result's residues mod 2^32 - 1, 65537 and "
         f"2^64 equal to its operands': {res_ok}, top limbs 0 or 1 and counted: {top_ok}, {len(picks)} items' "
         f"operands equal to Python's regeneration: {op_good}, their results equal limb for limb to Python's big "
         f"integers: {prod_good}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['items'] / per / 1e6:.3f} M items/s, {2 * L * L * state['items'] / per / 1e9:.1f} G 64x64-bit "
         f"products/s), {nl} a step")


# ---- clique --------------------------------------------------------------------------------------------------------
CQ_GRAPHS = 1 << 16        # graphs (a pass over them, then again)
CQ_VMAX = 128              # vertices a graph at most: rows of two 64-bit words
CQ_NMIN = 64               # vertices a graph: NMIN to NMAX
CQ_NMAX = 128
CQ_PHI = 0.75              # edge density at NMIN vertices, falling linearly to PLO at NMAX
CQ_PLO = 0.5
CQ_PJIT = 0.03             # +- this much a graph
CQ_SEED = 0xC11E
CQ_GRAPHS0 = 1 << 10       # graphs a launch first; then as many as take about LAUNCH_S
CQ_MIN_GRAPHS = 1 << 4
CQ_MAX_GRAPHS = 1 << 18
CQ_CHECK = 32              # graphs solved again in Python (about 50 ms each)

CQ_CUDA = HEAD + r"""
#define VMAX %VMAX%u
#define W 2u
#define WARPS 4u
#define NMIN %NMIN%u
#define NMAX %NMAX%u
#define THI %THI%ll
#define TLO %TLO%ll
#define TJIT %TJIT%ll
#define SEED %SEED%ull
// a thread a row u of graph g: n vertices (NMIN-NMAX by a draw), an edge {u, v} where the top 24 bits of a splitmix64
// draw of (g, min, max) are below the graph's threshold (density PHI at NMIN falling to PLO at NMAX, +- PJIT)
extern "C" __global__ void cq_gen(u32 ng, u32* __restrict__ nv, u64* __restrict__ adj) {
  const u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= (u64)ng * VMAX) return;
  const u32 g = (u32)(t / VMAX), u = (u32)(t % VMAX);
  const u64 r = splitmix((u64)g ^ SEED);
  const u32 n = NMIN + (u32)(r % (u64)(NMAX - NMIN + 1u));
  const long long span = NMAX > NMIN ? (long long)(NMAX - NMIN) : 1ll;
  const long long jit = (long long)((r >> 32) % (u64)(2 * TJIT + 1)) - TJIT;
  const long long thr = THI - (long long)(n - NMIN) * (THI - TLO) / span + jit;
  u64 row0 = 0ull, row1 = 0ull;
  if (u < n)
    for (u32 v = 0; v < n; ++v) {
      if (v == u) continue;
      const u32 lo = min(u, v), hi = max(u, v);
      const u64 e = splitmix((((u64)g << 16) | (lo << 8) | hi) ^ (SEED << 1));
      if ((long long)(e >> 40) < thr) {
        if (v < 64u)
          row0 |= 1ull << v;
        else
          row1 |= 1ull << (v - 64u);
      }
    }
  adj[2ull * t] = row0;
  adj[2ull * t + 1ull] = row1;
  if (u == 0u) nv[g] = n;
}
__device__ __forceinline__ int cq_pop(u64 a, u64 b) { return __popcll((long long)a) + __popcll((long long)b); }
// the bits of word w (vertices 64 w to 64 w + 63) above and below vertex v
__device__ __forceinline__ u64 cq_above(u32 v, u32 w) {
  return v < 64u * w ? ~0ull : v >= 64u * w + 63u ? 0ull : ~0ull << (v - 64u * w + 1u);
}
__device__ __forceinline__ u64 cq_below(u32 v, u32 w) {
  return v <= 64u * w ? 0ull : v >= 64u * w + 64u ? ~0ull : (1ull << (v - 64u * w)) - 1ull;
}
// a warp a graph g0 + (block's warp): its rows to shared memory; lane l takes roots l, l + 32, ...: R = {root}, P its
// higher neighbours, X its lower ones, then Bron-Kerbosch with Tomita pivoting on an explicit stack (P, X and the
// candidates C = P \ N(pivot) a level, the vertex taken at each level in vs), pruned where |R| + |P| <= the warp's best
// (shared, raised by atomicMax); a maximal clique larger than the lane's best kept. The warp's largest size and the
// lowest such lane's clique to memory; nodes and maximal cliques by warp sums into stats[0..1]
extern "C" __global__ void __launch_bounds__(128) cq_solve(const u64* __restrict__ adj, const u32* __restrict__ nv,
                                                           u32 g0, u32 cnt, u32* __restrict__ size,
                                                           u64* __restrict__ clique, u64* __restrict__ stats) {
  __shared__ u64 A[WARPS][VMAX][W];
  __shared__ int best[WARPS];
  const u32 wi = threadIdx.x >> 5, lane = threadIdx.x & 31u;
  const u32 gi = blockIdx.x * WARPS + wi;
  if (gi >= cnt) return;
  const u32 g = g0 + gi, n = nv[g];
  const u64* ga = adj + (u64)g * VMAX * W;
  for (u32 k = lane; k < VMAX * W; k += 32u) A[wi][k / W][k % W] = ga[k];
  if (lane == 0u) best[wi] = 0;
  __syncwarp();
  volatile int* bp = &best[wi];
  u64 P[VMAX][W], X[VMAX][W], C[VMAX][W];
  u8 vs[VMAX];
  u64 R0 = 0ull, R1 = 0ull, B0 = 0ull, B1 = 0ull;
  int mb = 0;
  u32 nodes = 0u, maxl = 0u;
  for (u32 root = lane; root < n; root += 32u) {
    R0 = root < 64u ? 1ull << root : 0ull;
    R1 = root < 64u ? 0ull : 1ull << (root - 64u);
    for (u32 w = 0; w < W; ++w) {
      P[0][w] = A[wi][root][w] & cq_above(root, w);
      X[0][w] = A[wi][root][w] & cq_below(root, w);
    }
    vs[0] = (u8)root;
    int d = 0;
    bool enter = true;
    for (;;) {
      const int r = d + 1;
      bool up = false;
      if (enter) {
        enter = false;
        ++nodes;
        const int np = cq_pop(P[d][0], P[d][1]);
        if (np == 0 && (X[d][0] | X[d][1]) == 0ull) {
          ++maxl;
          if (r > mb) {
            mb = r;
            B0 = R0;
            B1 = R1;
            atomicMax(&best[wi], r);
          }
          up = true;
        } else if (r + np <= *bp) {
          up = true;
        } else {
          // the pivot: the vertex of P u X with the most neighbours in P
          int bc = -1;
          u32 pu = 0u;
          for (u32 w = 0; w < W; ++w) {
            u64 q = P[d][w] | X[d][w];
            while (q) {
              const u32 u = 64u * w + (u32)__ffsll((long long)q) - 1u;
              q &= q - 1ull;
              const int cn = cq_pop(P[d][0] & A[wi][u][0], P[d][1] & A[wi][u][1]);
              if (cn > bc) {
                bc = cn;
                pu = u;
              }
            }
          }
          C[d][0] = P[d][0] & ~A[wi][pu][0];
          C[d][1] = P[d][1] & ~A[wi][pu][1];
        }
      }
      if (!up) {
        // the next candidate, unless no clique larger than the best is left here
        if ((C[d][0] | C[d][1]) == 0ull || r + cq_pop(P[d][0], P[d][1]) <= *bp) {
          up = true;
        } else {
          const u32 wv = C[d][0] ? 0u : 1u;
          const u32 v = 64u * wv + (u32)__ffsll((long long)C[d][wv]) - 1u;
          const u64 bit = 1ull << (v & 63u);
          C[d][wv] &= ~bit;
          for (u32 w = 0; w < W; ++w) {
            P[d + 1][w] = P[d][w] & A[wi][v][w];
            X[d + 1][w] = X[d][w] & A[wi][v][w];
          }
          P[d][wv] &= ~bit;
          X[d][wv] |= bit;
          if (wv)
            R1 |= bit;
          else
            R0 |= bit;
          vs[++d] = (u8)v;
          enter = true;
          continue;
        }
      }
      if (d == 0) break;
      const u32 v = vs[d--];
      if (v < 64u)
        R0 &= ~(1ull << v);
      else
        R1 &= ~(1ull << (v - 64u));
    }
  }
  const int wm = __reduce_max_sync(FULL, mb);
  const u32 who = (u32)__ffs(__ballot_sync(FULL, mb == wm)) - 1u;
  if (lane == who) {
    size[g] = (u32)wm;
    clique[2ull * g] = B0;
    clique[2ull * g + 1ull] = B1;
  }
  const u32 sn = __reduce_add_sync(FULL, nodes), sm = __reduce_add_sync(FULL, maxl);
  if (lane == 0u) {
    atomicAdd(&stats[0], (u64)sn);
    atomicAdd(&stats[1], (u64)sm);
  }
}
"""


def cq_thresholds():
    """(THI, TLO, TJIT): the densities as thresholds on 24-bit draws."""
    return int(CQ_PHI * (1 << 24)), int(CQ_PLO * (1 << 24)), int(CQ_PJIT * (1 << 24))


def cq_src():
    thi, tlo, tjit = cq_thresholds()
    return fill_source(CQ_CUDA, VMAX=CQ_VMAX, NMIN=CQ_NMIN, NMAX=CQ_NMAX, THI=thi, TLO=tlo, TJIT=tjit,
                       SEED=hex(CQ_SEED))


CQ_SRC = cq_src()


def cq_graph_py(g):
    """Graph g as cq_gen makes it: (n, adjacency rows as Python ints), edge by edge."""
    thi, tlo, tjit = cq_thresholds()
    r = splitmix64(g ^ CQ_SEED)
    n = CQ_NMIN + r % (CQ_NMAX - CQ_NMIN + 1)
    span = max(CQ_NMAX - CQ_NMIN, 1)
    q = (n - CQ_NMIN) * (thi - tlo)
    thr = thi - q // span + (r >> 32) % (2 * tjit + 1) - tjit  # q >= 0: C's division rounds as Python's here
    rows = [0] * n
    for u in range(n):
        for v in range(u + 1, n):
            if splitmix64(((g << 16) | (u << 8) | v) ^ (CQ_SEED << 1)) >> 40 < thr:
                rows[u] |= 1 << v
                rows[v] |= 1 << u
    return n, rows


def max_clique_py(rows):
    """The size of a maximum clique by Carraghan and Pardalos' branch and bound (vertices in index order, pruned when
    the clique and the candidates left cannot beat the best) on Python int bitsets."""
    best = 0

    def expand(size, cand):
        nonlocal best
        while cand:
            if size + bin(cand).count("1") <= best:
                return
            v = (cand & -cand).bit_length() - 1
            cand &= cand - 1
            expand(size + 1, cand & rows[v])
        best = max(best, size)
    expand(0, (1 << len(rows)) - 1)
    return best


def clique(variant, clock):
    if variant != "bitset":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=cq_src())
    genk, solvek = (mod.get_function(k) for k in ("cq_gen", "cq_solve"))
    n, vm = CQ_GRAPHS, CQ_VMAX
    nv = cp.zeros(n, dtype=cp.uint32)
    adj = cp.zeros(n * vm * 2, dtype=cp.uint64)
    genk(((n * vm + 255) // 256,), (256,), (U32(n), nv, adj))
    size = cp.zeros(n, dtype=cp.uint32)
    clq = cp.zeros(2 * n, dtype=cp.uint64)
    stats = cp.zeros(2, dtype=cp.uint64)
    state = {"cursor": 0, "graphs": CQ_GRAPHS0, "done": 0}

    def run(g0, cnt):
        solvek(((cnt + 3) // 4,), (128,), (adj, nv, U32(g0), U32(cnt), size, clq, stats))

    launch = wrapping_launch(state, "graphs", n, run)
    size_launch(launch, state, "graphs", CQ_MIN_GRAPHS, CQ_MAX_GRAPHS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every graph: each clique of its size, within the graph and a clique, by CuPy's operators
    stats.fill(0)
    run(0, n)
    hst = stats.get()
    cm = clq.reshape(n, 2)
    sz = size.astype(cp.int64)
    size_ok = bool((popcount64(cm, xp=cp).reshape(n, 2).sum(axis=1).astype(cp.int64) == sz).all())
    nn = nv.astype(cp.int64)
    c0, c1 = cm[:, 0], cm[:, 1]
    in0 = ((c0 >> nn.clip(0, 63).astype(cp.uint64)) == U64(0)) | (nn >= 64)
    in1 = cp.where(nn <= 64, c1 == U64(0), ((c1 >> (nn - 64).clip(0, 63).astype(cp.uint64)) == U64(0)) | (nn >= 128))
    inside_ok = bool(in0.all()) and bool(in1.all())
    del nn, c0, c1, in0, in1
    # member v's row must hold every other member: (clique & ~row_v & ~bit v) == 0 for each member v
    vid = cp.arange(vm, dtype=cp.uint64)
    selfbit = cp.zeros((vm, 2), dtype=cp.uint64)
    selfbit[:, 0] = cp.where(vid < U64(64), U64(1) << (vid & U64(63)), U64(0))
    selfbit[:, 1] = cp.where(vid >= U64(64), U64(1) << (vid & U64(63)), U64(0))
    clique_ok = True
    for s in range(0, n, 1 << 14):
        a = adj.reshape(n, vm, 2)[s:s + (1 << 14)]
        c = cm[s:s + (1 << 14)]
        member = ((c[:, None, :] & selfbit[None, :, :]) != U64(0)).any(axis=2)
        miss = (c[:, None, :] & ~a & ~selfbit[None, :, :]) != U64(0)
        clique_ok = clique_ok and not bool((member & miss.any(axis=2)).any())
    del cm, vid, selfbit
    # sampled graphs: rows against a Python regeneration, clique sizes against a Python branch and bound
    rng = np.random.default_rng(82)
    picks = np.sort(rng.choice(n, min(n, CQ_CHECK), replace=False)).tolist()
    graph_good = size_good = 0
    hsize = size.get()
    for g in picks:
        gn, rows = cq_graph_py(g)
        got = adj[g * vm * 2:(g + 1) * vm * 2].get().tolist()
        want = [w for u in range(vm) for w in (((rows[u] & M64), rows[u] >> 64) if u < gn else (0, 0))]
        graph_good += int(nv[g:g + 1].get()[0]) == gn and got == want
        size_good += int(hsize[g]) == max_clique_py(rows)
    ok = size_ok and inside_ok and clique_ok and graph_good == len(picks) and size_good == len(picks)
    hist = np.bincount(hsize.astype(np.int64))
    nz = np.nonzero(hist)[0]
    note(f"clique/{variant}: {state['done']} graphs solved after READY ({n} graphs of {CQ_NMIN}-{CQ_NMAX} vertices, "
         f"density {CQ_PHI}-{CQ_PLO}, {state['graphs']} graphs a launch), maximum cliques of "
         f"{int(nz.min())}-{int(nz.max())} vertices (mean {float(hsize.mean()):.2f}), {int(hst[0]) / n:.0f} nodes and "
         f"{int(hst[1]) / n:.0f} maximal cliques a graph; every clique of its size: {size_ok}, within its graph: "
         f"{inside_ok}, a clique: {clique_ok}, {len(picks)} graphs equal to a Python regeneration: {graph_good}, their "
         f"clique sizes equal to a Python branch and bound's: {size_good}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['graphs'] / per / 1e3:.2f} k graphs/s), {nl} a step")


# ---- bpf -----------------------------------------------------------------------------------------------------------
BPF_PKTS = 1 << 24         # packets (a pass over them, then again)
BPF_SNAP = 96              # bytes of a packet kept (a multiple of 8; headers end by byte 74)
BPF_SEED = 0xB9F0
BPF_MAXSTEPS = 1024        # instructions a packet at most (the program has no backward jumps)
BPF_PKTS0 = 1 << 18        # packets a launch first; then as many as take about LAUNCH_S
BPF_MIN_PKTS = 1 << 10
BPF_MAX_PKTS = 1 << 26
BPF_CHECK = 4096           # packets compared with the Python policy
BPF_TCP_PORTS = (22, 80, 443, 443, 443, 80, 8080, 3306, 5432, 6379, 25, 53, 9000, 23, 3389, 0)  # 9000: + 0-199
BPF_UDP_PORTS = (53, 53, 53, 123, 123, 161, 514, 5000, 5000, 443, 443, 1900, 67, 4789, 162, 0)  # 5000: + 0-299
BPF_ICMP_TYPES = (8, 8, 0, 0, 3, 11, 5, 13)
BPF_VIDS = (10, 20, 30, 40, 99)   # 802.1Q VLAN ids drawn
BPF_VLANS = (10, 20, 30)          # VLAN ids let through
# the program's fixed verdicts (rule numbers; the ACL's rules follow from BPF_ACL0, then the default drop)
BPF_TRUNC, BPF_BADIP, BPF_FRAG, BPF_ANOM, BPF_VLAN, BPF_NONIP, BPF_ARP, BPF_IPV6, BPF_BIG = range(9)
BPF_ACL0 = 9
BPF_ERR = M32              # the verdict of an invalid instruction or too many steps
# ACL rules, first match wins: (source net, prefix length, destination net, prefix length, protocol (0 any), lowest and
# highest destination port (the ICMP type for ICMP), pass)
BPF_RULES = (
    ("203.0.113.0", 24, "0.0.0.0", 0, 0, 0, 65535, False),      # blocked networks
    ("198.51.100.0", 24, "0.0.0.0", 0, 0, 0, 65535, False),
    ("10.0.0.0", 8, "10.0.2.0", 24, 6, 3306, 3306, True),        # databases, from inside only
    ("10.0.0.0", 8, "10.0.2.0", 24, 6, 5432, 5432, True),
    ("10.0.0.0", 8, "10.0.2.0", 24, 6, 6379, 6379, True),
    ("0.0.0.0", 0, "10.0.2.0", 24, 0, 0, 65535, False),
    ("192.168.0.0", 16, "0.0.0.0", 0, 6, 22, 22, True),          # ssh from the management network
    ("0.0.0.0", 0, "0.0.0.0", 0, 6, 22, 23, False),
    ("0.0.0.0", 0, "10.0.1.0", 24, 6, 80, 80, True),             # web servers
    ("0.0.0.0", 0, "10.0.1.0", 24, 6, 443, 443, True),
    ("0.0.0.0", 0, "10.0.1.0", 24, 17, 443, 443, True),
    ("0.0.0.0", 0, "10.0.1.0", 24, 6, 8080, 8080, True),
    ("10.0.0.0", 8, "10.0.1.0", 24, 6, 9000, 9099, True),
    ("0.0.0.0", 0, "10.0.3.0", 24, 17, 53, 53, True),            # DNS and NTP servers
    ("0.0.0.0", 0, "10.0.3.0", 24, 6, 53, 53, True),
    ("0.0.0.0", 0, "10.0.3.0", 24, 17, 123, 123, True),
    ("10.0.0.0", 8, "0.0.0.0", 0, 17, 161, 162, True),           # SNMP and syslog from inside
    ("0.0.0.0", 0, "0.0.0.0", 0, 17, 161, 162, False),
    ("10.0.0.0", 8, "0.0.0.0", 0, 17, 514, 514, True),
    ("0.0.0.0", 0, "0.0.0.0", 0, 1, 8, 8, True),                 # ICMP echo, replies, unreachables, time exceeded
    ("0.0.0.0", 0, "0.0.0.0", 0, 1, 0, 0, True),
    ("0.0.0.0", 0, "0.0.0.0", 0, 1, 3, 3, True),
    ("0.0.0.0", 0, "0.0.0.0", 0, 1, 11, 11, True),
    ("10.0.0.0", 8, "0.0.0.0", 0, 47, 0, 65535, True),           # GRE tunnels from inside
    ("0.0.0.0", 0, "0.0.0.0", 0, 17, 5000, 5199, True),          # RTP media
    ("192.168.0.0", 16, "0.0.0.0", 0, 0, 0, 65535, True),        # anything from the management network
)
BPF_HASH1 = 0x7F4A7C15     # the queue hash's multipliers (eBPF immediates: below 2^31)
BPF_HASH2 = 0x2545F491


def _ip(s):
    a, b, c, d = (int(x) for x in s.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def _prefix(n):
    return (M32 << (32 - n)) & M32 if n else 0


def bpf_program():
    """The filter as eBPF instructions (64-bit words: opcode, dst and src registers, 16-bit offset, 32-bit immediate),
    assembled with labels: r9 = 0 for absolute loads, r7 the IPv4 header's offset, r2 and r3 the addresses, r4 the
    transport header's offset, r5 and r8 the ports (r8 the ICMP type), r6 the protocol, r1 the wire length, then
    scratch; the verdict in r0."""
    code, labels = [], {}

    def I(op, dst=0, src=0, off=0, imm=0, to=None):  # noqa: E743
        code.append([op, dst, src, off, imm, to])

    def at(name):
        labels[name] = len(code)

    def ret(v):
        I(0xb7, 0, imm=v)
        I(0x95)
    I(0xb7, 9, imm=0)                    # mov r9, 0
    I(0x48, 3, 9, 12)                    # ldh r3, [r9 + 12]: the ethertype
    I(0xb7, 7, imm=14)
    I(0x55, 3, imm=0x8100, to="et")      # jne r3, 0x8100
    I(0x48, 4, 9, 14)                    # the 802.1Q tag
    I(0x57, 4, imm=0xFFF)
    I(0x48, 3, 9, 16)
    I(0xb7, 7, imm=18)
    for vid in BPF_VLANS:
        I(0x15, 4, imm=vid, to="et")
    ret(BPF_VLAN << 1)
    at("et")
    I(0x15, 3, imm=0x0806, to="arp")
    I(0x15, 3, imm=0x86DD, to="v6")
    I(0x15, 3, imm=0x0800, to="ip")
    ret(BPF_NONIP << 1)
    at("arp")
    ret(BPF_ARP << 1 | 1)
    at("v6")
    ret(BPF_IPV6 << 1 | 1)
    at("ip")
    I(0x50, 4, 7, 0)                     # ldb r4, [r7]: version and header length
    I(0x48, 5, 7, 6)                     # flags and fragment offset
    I(0x50, 6, 7, 9)                     # protocol
    I(0x40, 2, 7, 12)                    # ldw r2, [r7 + 12]: source
    I(0x40, 3, 7, 16)                    # destination
    I(0xbc, 0, 4)                        # mov32 r0, r4
    I(0x74, 0, imm=4)                    # rsh32 r0, 4
    I(0x55, 0, imm=4, to="bad")
    I(0x54, 4, imm=15)                   # and32 r4, 15
    I(0x64, 4, imm=2)                    # lsh32 r4, 2
    I(0xa5, 4, imm=20, to="bad")         # jlt r4, 20
    I(0x45, 5, imm=0x1FFF, to="frag")    # jset r5, 0x1fff: not the first fragment
    I(0x0f, 4, 7)                        # add r4, r7
    I(0xb7, 5, imm=0)
    I(0xb7, 8, imm=0)
    I(0x15, 6, imm=6, to="tcp")
    I(0x15, 6, imm=17, to="udp")
    I(0x15, 6, imm=1, to="icmp")
    I(0x05, to="acl")
    at("bad")
    ret(BPF_BADIP << 1)
    at("frag")
    ret(BPF_FRAG << 1)
    at("tcp")
    I(0x48, 5, 4, 0)
    I(0x48, 8, 4, 2)
    I(0x50, 0, 4, 13)                    # the flags
    I(0x15, 0, imm=0, to="anom")         # a NULL scan
    I(0xbf, 1, 0)
    I(0x57, 1, imm=3)
    I(0x15, 1, imm=3, to="anom")         # SYN and FIN
    I(0xbf, 1, 0)
    I(0x57, 1, imm=0x29)
    I(0x15, 1, imm=0x29, to="anom")      # FIN, PSH and URG (XMAS)
    I(0x05, to="acl")
    at("anom")
    ret(BPF_ANOM << 1)
    at("udp")
    I(0x48, 5, 4, 0)
    I(0x48, 8, 4, 2)
    I(0x05, to="acl")
    at("icmp")
    I(0x50, 8, 4, 0)                     # the type
    I(0x25, 1, imm=1024, to="big")       # jgt r1, 1024: an oversized ICMP packet
    I(0x05, to="acl")
    at("big")
    ret(BPF_BIG << 1)
    at("acl")
    for k, (snet, slen, dnet, dlen, proto, lo, hi, ok) in enumerate(BPF_RULES):
        nxt = f"r{k + 1}"
        if slen:
            I(0xbf, 1, 2)                              # mov r1, r2
            I(0x54, 1, imm=_prefix(slen))              # and32 r1, mask
            I(0x56, 1, imm=_ip(snet), to=nxt)          # jne32 r1, net
        if dlen:
            I(0xbf, 1, 3)
            I(0x54, 1, imm=_prefix(dlen))
            I(0x56, 1, imm=_ip(dnet), to=nxt)
        if proto:
            I(0x55, 6, imm=proto, to=nxt)
        if lo > 0:
            I(0xa5, 8, imm=lo, to=nxt)                 # jlt r8, lo
        if hi < 65535:
            I(0x25, 8, imm=hi, to=nxt)                 # jgt r8, hi
        I(0xb7, 0, imm=(BPF_ACL0 + k) << 1 | int(ok))
        if ok:
            I(0x05, to="accept")
        else:
            I(0x95)
        at(nxt)
    ret((BPF_ACL0 + len(BPF_RULES)) << 1)
    at("accept")                         # the receive queue: a multiply-xorshift hash of the 5-tuple
    I(0xbf, 1, 2)
    I(0x67, 1, imm=32)                   # lsh r1, 32
    I(0x4f, 1, 3)                        # or r1, r3
    I(0xbf, 9, 5)
    I(0x67, 9, imm=16)
    I(0x4f, 9, 8)
    I(0xaf, 1, 9)                        # xor r1, r9
    I(0xbf, 9, 6)
    I(0x67, 9, imm=56)
    I(0xaf, 1, 9)
    I(0x27, 1, imm=BPF_HASH1)            # mul r1, imm
    I(0xbf, 9, 1)
    I(0x77, 9, imm=29)                   # rsh r9, 29
    I(0xaf, 1, 9)
    I(0x27, 1, imm=BPF_HASH2)
    I(0x77, 1, imm=58)
    I(0x67, 1, imm=16)
    I(0x4f, 0, 1)                        # or r0, r1
    I(0x95)                              # exit
    words = []
    for pc, (op, dst, src, off, imm, to) in enumerate(code):
        if to is not None:
            off = labels[to] - pc - 1
        words.append(op | dst << 8 | src << 12 | (off & 0xFFFF) << 16 | (imm & M32) << 32)
    return words


BPF_CUDA = HEAD + r"""
#define SNAP %SNAP%u
#define SEED %SEED%ull
#define NPROG %NPROG%u
#define MAXSTEPS %MAXSTEPS%u
#define ERR 0xFFFFFFFFu
__constant__ u16 TCP_PORTS[16] = {%TCP%};
__constant__ u16 UDP_PORTS[16] = {%UDP%};
__constant__ u8 ICMP_TYPES[8] = {%ICMP%};
__constant__ u16 VIDS[5] = {%VIDS%};
__constant__ u64 PROG[NPROG] = {%PROG%};
__device__ __forceinline__ void put16(u8* b, u32 o, u32 v) {
  b[o] = (u8)(v >> 8);
  b[o + 1u] = (u8)v;
}
__device__ __forceinline__ void put32(u8* b, u32 o, u32 v) {
  put16(b, o, v >> 16);
  put16(b, o + 2u, v);
}
// a thread a packet: SNAP bytes (random payload bytes first, headers over them, zeros from the captured length on),
// its wire length and captured length. Kinds by a draw of 256: IPv4 TCP (160), UDP (48), ICMP (8), GRE (8); 802.1Q
// tagged IPv4 TCP or UDP (12); IPv6 (8), ARP (6), LLDP (2); malformed IPv4 TCP (4: a version of 6, a header length
// of 3, cut inside the IPv4 header or inside the TCP header's first 14 bytes)
extern "C" __global__ void bpf_gen(u32 n, u64* __restrict__ pkts, u16* __restrict__ wlen, u8* __restrict__ clen) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  u8 b[SNAP];
  for (u32 w = 0; w < SNAP / 8u; ++w) {
    const u64 x = splitmix((((u64)i << 4) | w) ^ (SEED << 2));
    for (u32 k = 0; k < 8u; ++k) b[8u * w + k] = (u8)(x >> (8u * k));
  }
  const u64 r0 = splitmix((u64)i ^ SEED), r1 = splitmix(r0), r2 = splitmix(r1), r3 = splitmix(r2);
  const u64 r4 = splitmix(r3), r5 = splitmix(r4);
  const u32 kind = (u32)r0 & 255u;
  for (u32 k = 0; k < 6u; ++k) {
    b[k] = (u8)(r1 >> (8u * k));
    b[6u + k] = (u8)(r2 >> (8u * k));
  }
  const bool vlan = kind >= 224u && kind < 236u;
  u32 l3 = 14u;
  if (vlan) {
    put16(b, 12u, 0x8100u);
    put16(b, 14u, ((u32)(r2 >> 48) & 7u) << 13 | VIDS[(u32)(r2 >> 56) % 5u]);
    l3 = 18u;
  }
  const u32 et = kind < 236u || kind >= 252u ? 0x0800u : kind < 244u ? 0x86DDu : kind < 250u ? 0x0806u : 0x88CCu;
  put16(b, l3 - 2u, et);
  u32 len, cap;
  if (et == 0x0800u) {
    const u32 bad = kind >= 252u ? (u32)r3 & 3u : 4u;
    const u32 proto = kind >= 252u ? 6u : vlan ? (((r2 >> 47) & 1ull) ? 6u : 17u) : kind < 160u ? 6u :
                      kind < 208u ? 17u : kind < 216u ? 1u : 47u;
    const u32 ihl = ((r3 >> 2) & 15ull) == 0ull ? 6u + (u32)((r3 >> 6) & 3ull) : 5u;
    const u32 l4 = l3 + 4u * ihl;
    const u32 h4 = proto == 6u ? 20u : proto == 47u ? 4u : 8u;
    const u32 pay = proto == 1u && ((r5 >> 36) & 7ull) != 0ull ? 56u : (u32)((r5 >> 52) % 1401ull);
    len = max(l4 + h4 + pay, 60u);
    b[l3] = (u8)(bad == 0u ? 0x60u | ihl : bad == 1u ? 0x43u : 0x40u | ihl);
    b[l3 + 1u] = 0u;
    put16(b, l3 + 2u, len - l3);
    put16(b, l3 + 4u, (u32)(r3 >> 16) & 0xFFFFu);
    const u32 fr = (u32)(r3 >> 32) & 31u;
    put16(b, l3 + 6u, fr == 0u ? ((u32)(r3 >> 40) & 0x1FFFu) | 1u : fr == 1u ? 0x2000u : 0x4000u);
    b[l3 + 8u] = 64u;
    b[l3 + 9u] = (u8)proto;
    put16(b, l3 + 10u, 0u);
    const u32 sc = (u32)r4 & 15u, dc = (u32)(r4 >> 4) & 7u, x8 = (u32)(r4 >> 8), dl = (u32)(r4 >> 40) & 0xFFu;
    const u32 src = sc < 6u ? 0x0A000000u | (x8 & 0xFFFFFFu) : sc < 9u ? 0xC0A80000u | (x8 & 0xFFFFu) :
                    sc == 9u ? 0xCB007100u | (x8 & 0xFFu) : sc == 10u ? 0xC6336400u | (x8 & 0xFFu) : (u32)(r4 >> 32);
    const u32 dst = dc < 4u ? 0x0A000100u | dl : dc < 6u ? 0x0A000200u | dl : dc == 6u ? 0x0A000300u | dl :
                    (u32)(r4 >> 32) ^ 0x5A5A5A5Au;
    put32(b, l3 + 12u, src);
    put32(b, l3 + 16u, dst);
    for (u32 k = l3 + 20u; k < l4; ++k) b[k] = 1u;  // options: NOPs
    const u32 sport = 1024u + (u32)(r5 % 64512ull), pi = (u32)(r5 >> 32) & 15u;
    if (proto == 6u) {
      u32 dport = TCP_PORTS[pi];
      if (pi == 12u) dport += (u32)((r5 >> 40) % 200ull);
      if (pi == 15u) dport = (u32)(r5 >> 16) & 0xFFFFu;
      const u32 fb = (u32)(r5 >> 24) & 255u;
      const u32 fl = fb < 64u ? 0x02u : fb < 224u ? 0x10u | ((fb & 1u) << 3) : fb < 236u ? 0x11u : fb < 246u ? 0x04u :
                     fb == 246u ? 0x03u : fb == 247u ? 0x00u : fb == 248u ? 0x29u : 0x12u;
      put16(b, l4, sport);
      put16(b, l4 + 2u, dport);
      put32(b, l4 + 4u, (u32)r1);
      put32(b, l4 + 8u, (u32)(r1 >> 32));
      b[l4 + 12u] = 0x50u;
      b[l4 + 13u] = (u8)fl;
      put16(b, l4 + 14u, 0xFFFFu);
      put32(b, l4 + 16u, 0u);
    } else if (proto == 17u) {
      u32 dport = UDP_PORTS[pi];
      if (pi == 7u || pi == 8u) dport += (u32)((r5 >> 40) % 300ull);
      if (pi == 15u) dport = (u32)(r5 >> 16) & 0xFFFFu;
      put16(b, l4, sport);
      put16(b, l4 + 2u, dport);
      put16(b, l4 + 4u, len - l4);
      put16(b, l4 + 6u, 0u);
    } else if (proto == 1u) {
      b[l4] = ICMP_TYPES[(u32)(r5 >> 32) & 7u];
      b[l4 + 1u] = 0u;
      put16(b, l4 + 2u, 0u);
      put32(b, l4 + 4u, (u32)r5);
    } else {
      put16(b, l4, 0u);
      put16(b, l4 + 2u, 0x0800u);
    }
    cap = min(len, SNAP);
    if (bad == 2u) cap = l3 + (u32)((r3 >> 8) % 20ull);
    if (bad == 3u) cap = l4 + (u32)((r3 >> 8) % 14ull);
  } else {
    if (et == 0x86DDu) {
      b[l3] = 0x60u;
      len = l3 + 60u + (u32)((r5 >> 52) % 1401ull);
    } else if (et == 0x0806u) {
      put16(b, l3, 1u);
      put16(b, l3 + 2u, 0x0800u);
      b[l3 + 4u] = 6u;
      b[l3 + 5u] = 4u;
      put16(b, l3 + 6u, 1u + ((u32)r3 & 1u));
      len = 60u;
    } else {
      len = 60u + (u32)((r5 >> 52) % 200ull);
    }
    cap = min(len, SNAP);
  }
  for (u32 k = cap; k < SNAP; ++k) b[k] = 0u;
  u64* o = pkts + (u64)i * (SNAP / 8u);
  for (u32 w = 0; w < SNAP / 8u; ++w) {
    u64 x = 0ull;
    for (u32 k = 0; k < 8u; ++k) x |= (u64)b[8u * w + k] << (8u * k);
    o[w] = x;
  }
  wlen[i] = (u16)len;
  clen[i] = (u8)cap;
}
// a thread a packet p0 + t: the program (copied to shared memory) interpreted on registers r0-r10 (r1 the wire
// length, the rest 0) by a switch on the opcode: eBPF's ALU64 and ALU32 operations on a register or the sign-extended
// immediate, its jumps (offsets from the next instruction) and 32-bit jumps, exit; packet loads of 1, 2 or 4 bytes
// in network order at a register plus offset, ending the program with 0 past the captured length. The verdict (r0;
// ERR for an invalid instruction, a jump out of the program or MAXSTEPS) and the steps to memory; rule hit counters in
// shared memory, then global atomics; passes, steps and errors by warp ballots and sums into stats[0..2]
extern "C" __global__ void __launch_bounds__(256) bpf_run(const u64* __restrict__ pkts, const u16* __restrict__ wlen,
                                                          const u8* __restrict__ clen, u32 p0, u32 cnt,
                                                          u32* __restrict__ verdict, u16* __restrict__ steps,
                                                          u32* __restrict__ hits, u64* __restrict__ stats) {
  __shared__ u64 prog[NPROG];
  __shared__ u32 sh[128];
  for (u32 k = threadIdx.x; k < NPROG; k += blockDim.x) prog[k] = PROG[k];
  for (u32 k = threadIdx.x; k < 128u; k += blockDim.x) sh[k] = 0u;
  __syncthreads();
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  const bool live = t < cnt;
  u32 v = ERR, ns = 0u;
  if (live) {
    const u32 i = p0 + t;
    const u8* p = (const u8*)(pkts + (u64)i * (SNAP / 8u));
    const u64 cap = clen[i];
    u64 r[11];
    for (u32 k = 0; k < 11u; ++k) r[k] = 0ull;
    r[1] = wlen[i];
    u32 pc = 0u;
    while (ns < MAXSTEPS && pc < NPROG) {
      const u64 ins = prog[pc++];
      ++ns;
      const u32 op = (u32)ins & 255u, d = ((u32)ins >> 8) & 15u, s = ((u32)ins >> 12) & 15u;
      if (d > 10u || s > 10u) break;
      const int off = (int)(short)(u16)(ins >> 16);
      const u64 k = (u64)(long long)(int)(u32)(ins >> 32);
      const u64 S = r[s];
      u64 D = r[d];
      bool stop = false;
      switch (op) {
        case 0x07u: D += k; break;
        case 0x0fu: D += S; break;
        case 0x1fu: D -= S; break;
        case 0x27u: D *= k; break;
        case 0x4fu: D |= S; break;
        case 0x57u: D &= k; break;
        case 0x5fu: D &= S; break;
        case 0x67u: D <<= (k & 63ull); break;
        case 0x77u: D >>= (k & 63ull); break;
        case 0xafu: D ^= S; break;
        case 0xb7u: D = k; break;
        case 0xbfu: D = S; break;
        case 0x04u: D = (u32)D + (u32)k; break;
        case 0x54u: D = (u32)D & (u32)k; break;
        case 0x64u: D = (u32)((u32)D << (k & 31ull)); break;
        case 0x74u: D = (u32)D >> (k & 31ull); break;
        case 0xb4u: D = (u32)k; break;
        case 0xbcu: D = (u32)S; break;
        case 0x05u: pc += (u32)off; break;
        case 0x15u: if (D == k) pc += (u32)off; break;
        case 0x1du: if (D == S) pc += (u32)off; break;
        case 0x25u: if (D > k) pc += (u32)off; break;
        case 0x2du: if (D > S) pc += (u32)off; break;
        case 0x35u: if (D >= k) pc += (u32)off; break;
        case 0x45u: if (D & k) pc += (u32)off; break;
        case 0x55u: if (D != k) pc += (u32)off; break;
        case 0xa5u: if (D < k) pc += (u32)off; break;
        case 0xb5u: if (D <= k) pc += (u32)off; break;
        case 0x16u: if ((u32)D == (u32)k) pc += (u32)off; break;
        case 0x56u: if ((u32)D != (u32)k) pc += (u32)off; break;
        case 0x50u:
        case 0x48u:
        case 0x40u: {
          const u64 nb = op == 0x50u ? 1ull : op == 0x48u ? 2ull : 4ull, a = S + (u64)(long long)off;
          if (a > cap || cap - a < nb) {
            v = 0u;
            stop = true;
          } else {
            u32 x = 0u;
            for (u64 j = 0; j < nb; ++j) x = (x << 8) | p[a + j];
            D = x;
          }
          break;
        }
        case 0x95u: v = (u32)r[0]; stop = true; break;
        default: stop = true;
      }
      if (stop) break;
      r[d] = D;
    }
    verdict[i] = v;
    steps[i] = (u16)ns;
    atomicAdd(&sh[(v >> 1) & 127u], 1u);
  }
  const u32 bp = __ballot_sync(FULL, live && v != ERR && (v & 1u)), be = __ballot_sync(FULL, live && v == ERR);
  const u32 sn = __reduce_add_sync(FULL, ns);
  if ((threadIdx.x & 31u) == 0u) {
    if (bp) atomicAdd(&stats[0], (u64)__popc(bp));
    if (sn) atomicAdd(&stats[1], (u64)sn);
    if (be) atomicAdd(&stats[2], (u64)__popc(be));
  }
  __syncthreads();
  for (u32 k = threadIdx.x; k < 128u; k += blockDim.x)
    if (sh[k]) atomicAdd(&hits[k], sh[k]);
}
"""


def bpf_src():
    prog = bpf_program()
    return fill_source(BPF_CUDA, SNAP=BPF_SNAP, SEED=hex(BPF_SEED), NPROG=len(prog), MAXSTEPS=BPF_MAXSTEPS,
                       TCP=", ".join(map(str, BPF_TCP_PORTS)), UDP=", ".join(map(str, BPF_UDP_PORTS)),
                       ICMP=", ".join(map(str, BPF_ICMP_TYPES)), VIDS=", ".join(map(str, BPF_VIDS)),
                       PROG=", ".join(f"{w:#x}ull" for w in prog))


BPF_SRC = bpf_src()


def bpf_packet_py(i):
    """Packet i as bpf_gen makes it: (its SNAP bytes, wire length, captured length), headers by struct.pack."""
    import struct
    r = [splitmix64(i ^ BPF_SEED)]
    for _ in range(5):
        r.append(splitmix64(r[-1]))
    r0, r1, r2, r3, r4, r5 = r
    b = bytearray(b"".join(splitmix64(((i << 4) | w) ^ (BPF_SEED << 2)).to_bytes(8, "little")
                           for w in range(BPF_SNAP // 8)))
    kind = r0 & 255
    b[0:12] = r1.to_bytes(8, "little")[:6] + r2.to_bytes(8, "little")[:6]
    vlan = 224 <= kind < 236
    l3 = 18 if vlan else 14
    if vlan:
        b[12:16] = struct.pack(">HH", 0x8100, ((r2 >> 48) & 7) << 13 | BPF_VIDS[((r2 >> 56) & M32) % 5])
    et = 0x0800 if kind < 236 or kind >= 252 else 0x86DD if kind < 244 else 0x0806 if kind < 250 else 0x88CC
    b[l3 - 2:l3] = struct.pack(">H", et)
    if et == 0x0800:
        bad = r3 & 3 if kind >= 252 else 4
        proto = 6 if kind >= 252 else (6 if (r2 >> 47) & 1 else 17) if vlan else \
            6 if kind < 160 else 17 if kind < 208 else 1 if kind < 216 else 47
        ihl = 6 + ((r3 >> 6) & 3) if (r3 >> 2) & 15 == 0 else 5
        l4 = l3 + 4 * ihl
        pay = 56 if proto == 1 and (r5 >> 36) & 7 else (r5 >> 52) % 1401
        length = max(l4 + {6: 20, 47: 4}.get(proto, 8) + pay, 60)
        vihl = 0x60 | ihl if bad == 0 else 0x43 if bad == 1 else 0x40 | ihl
        fr = (r3 >> 32) & 31
        frag = ((r3 >> 40) & 0x1FFF) | 1 if fr == 0 else 0x2000 if fr == 1 else 0x4000
        sc, dc, x8, dl = r4 & 15, (r4 >> 4) & 7, (r4 >> 8) & M32, (r4 >> 40) & 0xFF
        src = [0x0A000000 | x8 & 0xFFFFFF] * 6 + [0xC0A80000 | x8 & 0xFFFF] * 3 + [0xCB007100 | x8 & 0xFF,
                                                                                  0xC6336400 | x8 & 0xFF]
        src = src[sc] if sc < 11 else r4 >> 32
        dst = [0x0A000100 | dl] * 4 + [0x0A000200 | dl] * 2 + [0x0A000300 | dl, (r4 >> 32) ^ 0x5A5A5A5A]
        b[l3:l3 + 20] = struct.pack(">BBHHHBBHII", vihl, 0, length - l3, (r3 >> 16) & 0xFFFF, frag, 64, proto, 0,
                                    src, dst[dc])
        b[l3 + 20:l4] = b"\x01" * (l4 - l3 - 20)
        sport, pi = 1024 + r5 % 64512, (r5 >> 32) & 15
        if proto == 6:
            dport = (r5 >> 16) & 0xFFFF if pi == 15 else BPF_TCP_PORTS[pi] + ((r5 >> 40) % 200 if pi == 12 else 0)
            fb = (r5 >> 24) & 255
            fl = 0x02 if fb < 64 else 0x10 | (fb & 1) << 3 if fb < 224 else 0x11 if fb < 236 else 0x04 if fb < 246 \
                else {246: 0x03, 247: 0x00, 248: 0x29}.get(fb, 0x12)
            b[l4:l4 + 20] = struct.pack(">HHIIBBHI", sport, dport, r1 & M32, r1 >> 32, 0x50, fl, 0xFFFF, 0)
        elif proto == 17:
            dport = (r5 >> 16) & 0xFFFF if pi == 15 else BPF_UDP_PORTS[pi] + ((r5 >> 40) % 300 if pi in (7, 8) else 0)
            b[l4:l4 + 8] = struct.pack(">HHHH", sport, dport, length - l4, 0)
        elif proto == 1:
            b[l4:l4 + 8] = struct.pack(">BBHI", BPF_ICMP_TYPES[(r5 >> 32) & 7], 0, 0, r5 & M32)
        else:
            b[l4:l4 + 4] = struct.pack(">HH", 0, 0x0800)
        cap = min(length, BPF_SNAP)
        if bad == 2:
            cap = l3 + (r3 >> 8) % 20
        if bad == 3:
            cap = l4 + (r3 >> 8) % 14
    else:
        if et == 0x86DD:
            b[l3] = 0x60
            length = l3 + 60 + (r5 >> 52) % 1401
        elif et == 0x0806:
            b[l3:l3 + 8] = struct.pack(">HHBBH", 1, 0x0800, 6, 4, 1 + (r3 & 1))
            length = 60
        else:
            length = 60 + (r5 >> 52) % 200
        cap = min(length, BPF_SNAP)
    b[cap:] = bytes(BPF_SNAP - cap)
    return bytes(b), length, cap


class _Cut(Exception):
    pass


def bpf_policy_py(pkt, wlen):
    """The filter's verdict for a packet's captured bytes, by Python: the same policy as the program, written as
    field reads and rule matching, not from its instructions."""
    def ld(o, k):
        if o + k > len(pkt):
            raise _Cut
        return int.from_bytes(pkt[o:o + k], "big")

    def drop(rule):
        return rule << 1
    try:
        et, l3 = ld(12, 2), 14
        if et == 0x8100:
            vid, et, l3 = ld(14, 2) & 0xFFF, ld(16, 2), 18
            if vid not in BPF_VLANS:
                return drop(BPF_VLAN)
        if et == 0x0806:
            return BPF_ARP << 1 | 1
        if et == 0x86DD:
            return BPF_IPV6 << 1 | 1
        if et != 0x0800:
            return drop(BPF_NONIP)
        vihl, frag, proto, src, dst = ld(l3, 1), ld(l3 + 6, 2), ld(l3 + 9, 1), ld(l3 + 12, 4), ld(l3 + 16, 4)
        if vihl >> 4 != 4 or (vihl & 15) < 5:
            return drop(BPF_BADIP)
        if frag & 0x1FFF:
            return drop(BPF_FRAG)
        l4, sport, dport = l3 + 4 * (vihl & 15), 0, 0
        if proto == 6:
            sport, dport, flags = ld(l4, 2), ld(l4 + 2, 2), ld(l4 + 13, 1)
            if flags == 0 or flags & 3 == 3 or flags & 0x29 == 0x29:
                return drop(BPF_ANOM)
        elif proto == 17:
            sport, dport = ld(l4, 2), ld(l4 + 2, 2)
        elif proto == 1:
            dport = ld(l4, 1)
            if wlen > 1024:
                return drop(BPF_BIG)
    except _Cut:
        return 0
    for k, (snet, slen, dnet, dlen, pr, lo, hi, ok) in enumerate(BPF_RULES):
        if src & _prefix(slen) == _ip(snet) and dst & _prefix(dlen) == _ip(dnet) and pr in (0, proto) and \
                lo <= dport <= hi:
            if not ok:
                return drop(BPF_ACL0 + k)
            h = (src << 32 | dst) ^ (sport << 16 | dport) ^ (proto << 56)
            h = (h * BPF_HASH1) & M64
            h = ((h ^ (h >> 29)) * BPF_HASH2) & M64
            return (h >> 58) << 16 | (BPF_ACL0 + k) << 1 | 1
    return drop(BPF_ACL0 + len(BPF_RULES))


def bpf(variant, clock):
    if variant != "interp":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=bpf_src())
    genk, runk = (mod.get_function(k) for k in ("bpf_gen", "bpf_run"))
    n, snap = BPF_PKTS, BPF_SNAP
    pkts = cp.zeros(n * snap // 8, dtype=cp.uint64)
    wlen = cp.zeros(n, dtype=cp.uint16)
    clen = cp.zeros(n, dtype=cp.uint8)
    genk(((n + 255) // 256,), (256,), (U32(n), pkts, wlen, clen))
    verdict = cp.zeros(n, dtype=cp.uint32)
    steps = cp.zeros(n, dtype=cp.uint16)
    hits = cp.zeros(128, dtype=cp.uint32)
    stats = cp.zeros(3, dtype=cp.uint64)
    state = {"cursor": 0, "pkts": BPF_PKTS0, "done": 0}

    def clear():
        hits.fill(0)

    def run(p0, cnt):
        runk(((cnt + 255) // 256,), (256,), (pkts, wlen, clen, U32(p0), U32(cnt), verdict, steps, hits, stats))

    launch = wrapping_launch(state, "pkts", n, run, on_wrap=clear)
    size_launch(launch, state, "pkts", BPF_MIN_PKTS, BPF_MAX_PKTS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every packet into clear counters: counters against cupy.bincount and array sums
    clear()
    stats.fill(0)
    run(0, n)
    rule = ((verdict >> U32(1)) & U32(127)).astype(cp.int64)
    hst = stats.get()
    npass = int(((verdict & U32(1)) == U32(1)).sum()) - int((verdict == U32(BPF_ERR)).sum())
    nerr = int((verdict == U32(BPF_ERR)).sum())
    nsteps = int(steps.astype(cp.uint64).sum())
    count_ok = bool((cp.bincount(rule, minlength=128) == hits).all()) and hst.tolist() == [npass, nsteps, nerr] and \
        nerr == 0
    # every non-IPv4 packet's verdict by its ethertype and tag, read with array operators
    pb = pkts.reshape(n, snap // 8)
    w1, w2 = pb[:, 1], pb[:, 2]  # bytes 8-15 and 16-23, little-endian in the words

    def be16(w, at):
        return (((w >> U64(8 * at)) & U64(0xFF)) << U64(8)) | ((w >> U64(8 * at + 8)) & U64(0xFF))
    et0, tci, et1 = be16(w1, 4), be16(w1, 6), be16(w2, 0)
    tagged = et0 == U64(0x8100)
    vid = tci & U64(0xFFF)
    allowed = cp.zeros(n, dtype=bool)
    for x in BPF_VLANS:
        allowed |= vid == U64(x)
    et = cp.where(tagged, et1, et0)
    want = cp.where(et == U64(0x0806), BPF_ARP << 1 | 1, cp.where(et == U64(0x86DD), BPF_IPV6 << 1 | 1,
                                                                  BPF_NONIP << 1))
    want = cp.where(tagged & ~allowed, BPF_VLAN << 1, want)
    known = (tagged & ~allowed) | (et != U64(0x0800))
    nonip_ok = bool((verdict.astype(cp.int64)[known] == want[known]).all())
    nknown = int(known.sum())
    del pb, w1, w2, et0, tci, et1, tagged, vid, allowed, et, want, known
    # sampled packets: bytes against Python's regeneration, verdicts against the Python policy
    rng = np.random.default_rng(83)
    cut = np.nonzero((clen.astype(cp.int64) < cp.where(wlen > snap, snap, wlen.astype(cp.int64))).get())[0]
    picks = sorted(set(rng.choice(n, min(n, BPF_CHECK), replace=False).tolist()) |
                   set(rng.choice(cut, min(len(cut), BPF_CHECK // 8), replace=False).tolist()))
    picks = np.array(picks, dtype=np.int64)
    ip = cp.asarray(picks)
    hb = pkts.reshape(n, snap // 8)[ip].get()
    hw, hc, hv = wlen[ip].get(), clen[ip].get(), verdict[ip].get()
    pkt_good = verdict_good = 0
    for j, i in enumerate(picks.tolist()):
        data, length, cap = bpf_packet_py(i)
        pkt_good += hb[j].astype("<u8").tobytes() == data and int(hw[j]) == length and int(hc[j]) == cap
        verdict_good += int(hv[j]) == bpf_policy_py(data[:cap], length)
    ok = count_ok and nonip_ok and pkt_good == len(picks) and verdict_good == len(picks)
    hh = hits.get()
    top = ", ".join(f"{k}: {int(hh[k])}" for k in np.argsort(-hh.astype(np.int64))[:4].tolist())
    note(f"bpf/{variant}: {state['done']} packets filtered after READY ({n} packets of {snap} captured bytes, a "
         f"{len(bpf_program())}-instruction program with {len(BPF_RULES)} ACL rules, {state['pkts']} packets a "
         f"launch), {npass} passed, {nsteps / n:.1f} instructions a packet, commonest rules {top}; hit counters and "
         f"warp counts equal to cupy.bincount's and array sums (no errors): {count_ok}, {nknown} non-IPv4 or "
         f"VLAN-rejected packets' verdicts by their ethertypes and tags: {nonip_ok}, {len(picks)} packets "
         f"({int(np.isin(picks, cut).sum())} of the {len(cut)} cut inside their headers among them) equal to Python's "
         f"regeneration: {pkt_good}, their verdicts equal to the Python policy's: {verdict_good}, agree: {ok}, "
         f"{per * 1e3:.2f} ms a launch ({state['pkts'] / per / 1e9:.3f} G packets/s), {nl} a step")
