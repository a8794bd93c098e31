"""Tuple-space packet classification, a TPC-H Q1 aggregation on fixed-point DECIMAL columns, a 5 x 5 median filter
and minimap2's (w,k)-minimizer sketching (label 0).

A nineteenth set of benign work, four common GPU jobs whose pipe activity resembles hashing (64-bit integer hashes
of masked keys probing open-addressing tables, 64 x 64 -> 128-bit multiplies with carries, long chains of integer
min/max, shift-and-mask rolling k-mers through an invertible integer hash), absent from the project before:

  tuplespace  OVS-megaflow-style packet classification by tuple-space search: 4096 rules made on the host in 24 mask
              tuples (source prefix /0-/32, destination prefix /0-/32, ports and protocol exact or wildcarded, each
              pinning at least 8 of a flow's random bits; 44-1101 rules a tuple), most of them the masked 5-tuples of
              busy flows, unique random priorities, one open-addressing table a tuple (load at most 1/2, 32-byte
              slots, linear probing) keyed by the masked 5-tuple hashed with splitmix64's mixer, the tuples in
              descending order of their largest priority. 2^24 packets made on the GPU (256 MiB of 5-tuples:
              10.0.0.0/16 clients to 172.16.0.0/20 servers from 2^20 flow ids skewed like moreops17's louvain hubs,
              5 % from unseen flows). A thread a packet masks its 5-tuple with each tuple's masks, probes that
              tuple's table and keeps the highest-priority match, stopping at the first tuple whose largest priority
              cannot beat it (OVS's priority-sorted subtables; about half the packets match a rule, nearly all probe
              every tuple); rule hit counters by atomicAdd, misses by a warp ballot, probes by a warp sum. Integer
              hashing and dependent table loads; packets a launch timed at set-up.
  decimal     TPC-H Q1 on DECIMAL(15,2) columns stored as int64 fixed point: 2^26 lineitem rows made on the GPU the
              way dbgen makes them (2.4 GiB: quantity 1-50, extended price from the part's retail price, discount
              0.00-0.10, tax 0.00-0.08, ship date 1-121 days after an order date, return flag R/A from the receipt
              date, line status O/F), rows shipped by 1998-09-02 (DATE '1998-12-01' - 90 days) summed by return flag
              and line status: count, sum_qty, sum_base_price, sum_disc and 128-bit sums of disc_price =
              price * (100 - disc) (scale 4) and charge = disc_price * (100 + tax) (scale 6, a 64 x 64 -> 128-bit
              product by __umul64hi). A thread sums 16 rows into per-group registers (128-bit adds with carries), a
              butterfly of shuffles a group present in the warp, lane 0 into shared accumulators, the block's into
              six groups of global accumulators by atomicAdd, the 128-bit ones as two uint64s with a carry. Integer
              multiply, add-with-carry and shuffle work; rows a launch timed at set-up.
  median      a 5 x 5 median filter over 16-bit images: 8 frames of 4096 x 4096 uint16 (256 MiB) made on the GPU
              (triangle-wave ramps, +-1024 noise, 2 % salt-and-pepper impulses), a 32 x 8 block a 36 x 12 shared
              tile (borders replicated), a thread a pixel, its 25 values in registers and their median by forgetful
              selection: the smallest and the largest of 14 values dropped, the next value taken in, until 3 are
              left (168 compare-exchanges, 336 integer min/max). Pure integer min/max work; frames a launch timed at
              set-up.
  minimizer   minimap2's mm_sketch of DNA reads, w = 10, k = 15: 2^20 reads of 150-10000 bases (log-uniform, 2.5 G
              bases, ASCII in 16-byte-aligned slots) made on the GPU from a 2^26-base random genome computed on the
              fly (a 32nd of its 256-base blocks tandem repeats of period 1, 2 or 4), either strand, 2 % substitutions
              and 0.1 % Ns. A thread a read, 16 bases a 128-bit load: 2-bit codes shifted into forward and reverse
              complement k-mers, the canonical one through minimap2's hash64 (Thomas Wang's invertible 64-bit
              integer hash), a 10-entry ring buffer of (hash << 8 | span, read << 32 | position << 1 | strand) with
              minimap2's sliding-window minimum and its outputs of identical k-mers; a read's minimizers counted and
              FNV-folded into a digest, each into a histogram of 2^14 buckets (minimap2's index bucketing) by
              atomicAdd. Shift, mask, 64-bit multiply-add and local-memory work; reads a launch timed at set-up.

Self-checks, printed with the summary line (`agree:`): tuplespace compares 4096 packets' 5-tuples with their
regeneration by array operators and their matched rules with a NumPy linear scan over all 4096 rules (the highest
priority whose masked fields equal the rule's), then after a check pass over every packet the rule hit and miss
counts with cupy.bincount of the matched rules; decimal compares 4096 rows' columns with a Python regeneration, the
kernel's 48 accumulators over those rows with Python integer sums, and after a check pass over every row the 48
accumulators with CuPy array sums of the columns (charge and disc_price split in 32-bit halves so that the uint64 sums
are exact, joined as Python integers); median compares a 64 x 64 corner crop of the first frame and a 96 x 96 crop
of the last with np.median of the 5 x 5 windows (borders replicated) and the whole of one frame with the middle of
a cupy.sort of its 25 shifted copies, exactly; minimizer compares 8 reads' bytes with a Python regeneration and
their minimizer lists, counts and digests with a Python port of minimap2's mm_sketch, then after a check pass over
every read the histogram's total with the summed counts.
"""
import numpy as np

from common import SKEWED_CUDA, SPLITMIX_CUDA, calibrated_launches, cupy_loop, fill_source, note, repeat_step, \
    size_launch, skewed_xp, splitmix64, splitmix64_np, wrapping_launch

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1
U64 = np.uint64
U32 = np.uint32

HEAD = r"""
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;
typedef unsigned short u16;
#define FULL 0xFFFFFFFFu
""" + SPLITMIX_CUDA + SKEWED_CUDA

# ---- tuplespace ----------------------------------------------------------------------------------------------------
TS_PKTS = 1 << 24          # packets in the batch (4 uint32 each)
TS_LOG_F = 20              # flow ids
TS_RULES = 4096            # rules
TS_TUPLES = 24             # mask tuples
TS_SCAN = 52               # packets from unseen flows, of 1024
TS_SEED = 0x75C1
TS_DPORTS = (443, 80, 53, 123, 8080, 22, 5353, 3478)
TS_SRC_PREFIX = (0, 16, 20, 24, 28, 32)  # clients in 10.0.0.0/16
TS_DST_PREFIX = (0, 20, 24, 26, 28, 32)  # servers in 172.16.0.0/20
TS_MIN_BITS = 8               # tuples pin at least this many of a flow's random bits
TS_PKTS0 = 1 << 20         # packets a launch first; then as many as take about LAUNCH_S
TS_MIN_PKTS = 1 << 12
TS_MAX_PKTS = 1 << 27
TS_CHECK = 4096            # packets compared with the linear scan
TS_MISS = 0xFFFFFFFF

TS_CUDA = HEAD + r"""
#define LOGF %LOGF%
#define SEED %SEED%ull
#define SCAN %SCAN%u
#define NT %NT%u
#define NR %NR%u
#define MISS 0xFFFFFFFFu
__constant__ u32 DPORTS[8] = {%DPORTS%};
// the 5-tuple (source, destination, source port << 16 | destination port, protocol) of flow key `key`
__device__ __forceinline__ uint4 ts_flow(u64 key) {
  const u64 q = splitmix(key ^ (SEED << 1)), q2 = splitmix(q);
  uint4 t;
  t.x = 0x0A000000u | ((u32)q & 0xFFFFu);
  t.y = 0xAC100000u | ((u32)(q >> 16) & 0xFFFu);
  t.z = ((1024u + (u32)(q2 & 0xFFFFull) % 64512u) << 16) | DPORTS[(u32)(q2 >> 16) & 7u];
  t.w = ((u32)(q2 >> 24) & 15u) < 11u ? 6u : 17u;
  return t;
}
// the hash of a masked 5-tuple in the table of tuple s (its place in priority order)
__device__ __forceinline__ u64 ts_hash(u32 s, u32 a, u32 b, u32 c, u32 d) {
  return splitmix((((u64)a << 32) | b) ^ splitmix((((u64)c << 8) | d) ^ ((u64)s << 48)));
}
// packet i: a skewed flow id, or (SCAN in 1024) an unseen flow's key
extern "C" __global__ void ts_gen(u32 n, uint4* __restrict__ pk) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const u64 r = splitmix((u64)i ^ SEED), r2 = splitmix(r);
  const u64 key = ((u32)r2 & 1023u) < SCAN ? (r2 >> 10) | (1ull << 62) : (u64)skewed(r, LOGF);
  pk[i] = ts_flow(key);
}
// a thread a packet p0 + t: for each tuple in priority order (8 words each: 4 masks, first slot, slot mask, largest
// priority), stop if its largest priority cannot beat the match so far, else mask the 5-tuple and probe the tuple's
// table (slots of 8 words: 4 key words, priority (0 empty), rule), linear probing to a hit or an empty slot; the
// matched rule (MISS for none) to out, hits[rule] by atomicAdd, misses to hits[NR] by a ballot, probes by a warp sum
extern "C" __global__ void ts_classify(const uint4* __restrict__ pk, const u32* __restrict__ desc,
                                       const uint4* __restrict__ tab, u32 p0, u32 cnt, u32* __restrict__ out,
                                       u32* __restrict__ hits, u64* __restrict__ probes) {
  __shared__ u32 sd[NT * 8u];
  for (u32 k = threadIdx.x; k < NT * 8u; k += blockDim.x) sd[k] = desc[k];
  __syncthreads();
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  u32 np = 0u;
  bool miss = false;
  if (t < cnt) {
    const u32 i = p0 + t;
    const uint4 p = pk[i];
    u32 best = 0u, rule = MISS;
    for (u32 s = 0; s < NT; ++s) {
      const u32* d = sd + 8u * s;
      if (d[6] <= best) break;
      const u32 a = p.x & d[0], b = p.y & d[1], c = p.z & d[2], e = p.w & d[3];
      u32 slot = (u32)ts_hash(s, a, b, c, e) & d[5];
      for (;;) {
        ++np;
        const uint4 k = tab[2u * (d[4] + slot)], v = tab[2u * (d[4] + slot) + 1u];
        if (v.x == 0u) break;
        if (k.x == a && k.y == b && k.z == c && k.w == e) {
          if (v.x > best) {
            best = v.x;
            rule = v.y;
          }
          break;
        }
        slot = (slot + 1u) & d[5];
      }
    }
    out[i] = rule;
    if (rule != MISS)
      atomicAdd(&hits[rule], 1u);
    else
      miss = true;
  }
  const u32 mb = __ballot_sync(FULL, miss);
  const u32 sp = __reduce_add_sync(FULL, np);
  if ((threadIdx.x & 31u) == 0u) {
    if (mb) atomicAdd(&hits[NR], (u32)__popc(mb));
    if (sp) atomicAdd(probes, (u64)sp);
  }
}
"""


def ts_src():
    return fill_source(TS_CUDA, LOGF=TS_LOG_F, SEED=hex(TS_SEED), SCAN=TS_SCAN, NT=TS_TUPLES, NR=TS_RULES,
                       DPORTS=", ".join(f"{d}u" for d in TS_DPORTS))


TS_SRC = ts_src()


def ts_flow_np(key):
    """The 5-tuples of flow keys (a uint64 array) as ts_flow makes them: [n, 4] int64 of source, destination, ports
    word, protocol."""
    q = splitmix64_np(key ^ U64(TS_SEED << 1))
    q2 = splitmix64_np(q)
    src = U64(0x0A000000) | (q & U64(0xFFFF))
    dst = U64(0xAC100000) | ((q >> U64(16)) & U64(0xFFF))
    dport = np.array(TS_DPORTS, dtype=U64)[((q2 >> U64(16)) & U64(7)).astype(np.int64)]
    ports = ((U64(1024) + (q2 & U64(0xFFFF)) % U64(64512)) << U64(16)) | dport
    proto = np.where(((q2 >> U64(24)) & U64(15)) < U64(11), 6, 17)
    return np.stack([src.astype(np.int64), dst.astype(np.int64), ports.astype(np.int64), proto], axis=1)


def ts_keys_np(idx):
    """The flow keys (uint64) of packets idx (a uint64 array), as ts_gen draws them."""
    r = splitmix64_np(idx ^ U64(TS_SEED))
    r2 = splitmix64_np(r)
    return np.where((r2 & U64(1023)) < U64(TS_SCAN), (r2 >> U64(10)) | U64(1 << 62), skewed_xp(r, TS_LOG_F))


def _prefix(n):
    return (M32 << (32 - n)) & M32 if n else 0


def ts_rules():
    """The classifier: (rules: [R, 9] int64 of masked source, destination, ports, protocol, their 4 masks and the
    priority; descriptors [T * 8] uint32 in priority order; table [slots * 8] uint32; each tuple's rule count)."""
    rng = np.random.default_rng(TS_SEED)
    # tuples that pin at least TS_MIN_BITS of a flow's random bits (16 below the source /16, 12 below the destination
    # /20, 16 of the source port, 3 of the destination port, 1 of the protocol)
    combos = [(s, d, sp, dp, pr) for s in TS_SRC_PREFIX for d in TS_DST_PREFIX for sp in (0, 1) for dp in (0, 1)
              for pr in (0, 1) if max(0, s - 16) + max(0, d - 20) + 16 * sp + 3 * dp + pr >= TS_MIN_BITS]
    exact = (32, 32, 1, 1, 1)
    others = [c for c in combos if c != exact]
    pick = [exact] + [others[j] for j in rng.choice(len(others), TS_TUPLES - 1, replace=False)]
    masks = np.array([[_prefix(s), _prefix(d), (0xFFFF0000 if sp else 0) | (0xFFFF if dp else 0), 0xFF if pr else 0]
                      for s, d, sp, dp, pr in pick], dtype=np.int64)
    w = 1.0 / (1.0 + rng.permutation(TS_TUPLES))
    counts = rng.multinomial(TS_RULES - TS_TUPLES, w / w.sum()) + 1
    tup = np.repeat(np.arange(TS_TUPLES), counts)
    # most rules the masked 5-tuples of busy flows (drawn like the packets), the rest of any flow
    r = splitmix64_np(rng.integers(0, 1 << 62, TS_RULES, dtype=np.int64).astype(U64))
    fl = np.where(rng.random(TS_RULES) < 0.8, skewed_xp(r, TS_LOG_F), r & U64((1 << TS_LOG_F) - 1))
    flds = ts_flow_np(fl.astype(U64))
    m = masks[tup]
    rules = np.concatenate([flds & m, m, (rng.permutation(TS_RULES) + 1)[:, None]], axis=1)
    # tuples in descending order of their largest priority; a table a tuple, duplicate keys keeping the highest
    top = np.array([rules[tup == t, 8].max() for t in range(TS_TUPLES)])
    order = np.argsort(-top, kind="stable")
    desc, slots, first = [], [], 0
    for s, t in enumerate(order.tolist()):
        ids = np.nonzero(tup == t)[0]
        size = 16
        while size < 2 * len(ids):
            size *= 2
        tab = np.zeros((size, 8), dtype=np.int64)
        for j in sorted(ids.tolist(), key=lambda j: -rules[j, 8]):
            a, b, c, d = (int(x) for x in rules[j, :4])
            slot = splitmix64(((a << 32) | b) ^ splitmix64(((c << 8) | d) ^ (s << 48))) & (size - 1)
            while tab[slot, 4] and tuple(tab[slot, :4]) != (a, b, c, d):
                slot = (slot + 1) & (size - 1)
            if not tab[slot, 4]:  # a duplicate key keeps the first (highest) priority
                tab[slot] = [a, b, c, d, rules[j, 8], j, 0, 0]
        desc += [int(x) for x in masks[t]] + [first, size - 1, int(top[t]), 0]
        slots.append(tab)
        first += size
    return rules, np.array(desc, dtype=U32), np.concatenate(slots).astype(U32).reshape(-1), counts


def ts_scan_np(rules, pk):
    """The rule (or TS_MISS) matching each packet of pk ([n, 4] int64) by a linear scan over every rule: the highest
    priority among the rules whose masked fields equal the rule's."""
    hit = np.ones((len(pk), len(rules)), dtype=bool)
    for f in range(4):
        hit &= (pk[:, f:f + 1] & rules[None, :, 4 + f]) == rules[None, :, f]
    pri = np.where(hit, rules[None, :, 8], 0)
    best = np.argmax(pri, axis=1)
    return np.where(pri[np.arange(len(pk)), best] > 0, best, TS_MISS).astype(np.int64)


def tuplespace(variant, clock):
    if variant != "classify":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=ts_src())
    genk, clsk = mod.get_function("ts_gen"), mod.get_function("ts_classify")
    rules, hdesc, htab, counts = ts_rules()
    npk = TS_PKTS
    pk = cp.zeros(4 * npk, dtype=cp.uint32)
    genk(((npk + 255) // 256,), (256,), (U32(npk), pk))
    desc, tab = cp.asarray(hdesc), cp.asarray(htab)
    out = cp.zeros(npk, dtype=cp.uint32)
    hits = cp.zeros(TS_RULES + 1, dtype=cp.uint32)
    probes = cp.zeros(1, dtype=cp.uint64)
    state = {"cursor": 0, "pkts": TS_PKTS0, "done": 0}

    def run(p0, cnt):
        clsk(((cnt + 255) // 256,), (256,), (pk, desc, tab, U32(p0), U32(cnt), out, hits, probes))

    launch = wrapping_launch(state, "pkts", npk, run)
    size_launch(launch, state, "pkts", TS_MIN_PKTS, TS_MAX_PKTS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every packet with clear counters
    hits.fill(0)
    probes.fill(0)
    run(0, npk)
    hout = out.get().astype(np.int64)
    hh = hits.get().astype(np.int64)
    matched = out[out != U32(TS_MISS)].astype(cp.int64)
    want = cp.bincount(matched, minlength=TS_RULES).get().astype(np.int64)
    nmiss = int(np.count_nonzero(hout == TS_MISS))
    hit_ok = bool(np.array_equal(hh[:TS_RULES], want)) and int(hh[TS_RULES]) == nmiss
    # sampled packets: their 5-tuples against the regeneration, their rules against a linear scan over every rule
    rng = np.random.default_rng(56)
    idx = np.sort(rng.choice(npk, min(TS_CHECK, npk), replace=False))
    got = pk.get().reshape(-1, 4)[idx].astype(np.int64)
    regen = ts_flow_np(ts_keys_np(idx.astype(U64)))
    pk_ok = bool(np.array_equal(got, regen))
    lin = ts_scan_np(rules, regen)
    nmatch = int(np.count_nonzero(lin == hout[idx]))
    ok = hit_ok and pk_ok and nmatch == len(idx)
    nprobe = int(probes.get()[0])
    used = int(np.count_nonzero(hh[:TS_RULES]))
    note(f"tuplespace/{variant}: {state['done']} packets classified after READY ({npk} packets from "
         f"{1 << TS_LOG_F} skewed flow ids, {TS_RULES} rules in {TS_TUPLES} tuples of {int(counts.min())}-"
         f"{int(counts.max())} rules, {len(htab) // 8} table slots, {state['pkts']} packets a launch), {used} rules "
         f"hit, {nmiss} misses, {nprobe / npk:.2f} probes a packet; {len(idx)} packets' 5-tuples equal to the "
         f"regeneration: {pk_ok}, their rules equal to a NumPy linear scan over every rule: {nmatch}, hit and miss "
         f"counts equal to cupy.bincount's of the matched rules: {hit_ok}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['pkts'] / per / 1e9:.2f} G packets/s), {nl} a step")


# ---- decimal -------------------------------------------------------------------------------------------------------
DC_ROWS = 1 << 26          # lineitem rows
DC_NPART = 200000          # parts (scale factor 1)
DC_DAYS = 2406             # order dates: days 0 .. 2405 after 1992-01-01 (to 1998-12-31 less 151 days)
DC_CURRENT = 1263          # 1995-06-17, dbgen's current date
DC_CUTOFF = 2436           # 1998-09-02: DATE '1998-12-01' - INTERVAL '90' DAY
DC_SEED = 0xDEC1
DC_RPT = 16                # rows a thread a launch
DC_ROWS0 = 1 << 24         # rows a launch first; then as many as take about LAUNCH_S
DC_MIN_ROWS = 1 << 14
DC_MAX_ROWS = 1 << 31
DC_CHECK = 4096            # rows summed in Python
DC_CHUNK = 1 << 24         # rows a CuPy reduction at a time in the check
DC_FLAGS = ("AF", "AO", "NF", "NO", "RF", "RO")  # the groups, returnflag then linestatus

DC_CUDA = HEAD + r"""
#define SEED %SEED%ull
#define NPART %NPART%ull
#define DAYS %DAYS%ull
#define CURRENT %CURRENT%
#define RPT %RPT%u
#define NG 6u
typedef long long i64;
// row i of lineitem as dbgen makes it: part, quantity, price from the part's retail price, discount, tax, dates, flags
extern "C" __global__ void dc_gen(u32 n, i64* __restrict__ qty, i64* __restrict__ price, i64* __restrict__ disc,
                                  i64* __restrict__ tax, u8* __restrict__ rf, u8* __restrict__ ls,
                                  int* __restrict__ ship) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const u64 r = splitmix((u64)i ^ SEED), r2 = splitmix(r), r3 = splitmix(r2);
  const i64 part = 1 + (i64)(r % NPART);
  const i64 q = 1 + (i64)((r >> 32) % 50ull);
  const i64 retail = 90000 + (part / 10) % 20001 + 100 * (part % 1000);
  qty[i] = 100 * q;
  price[i] = q * retail;
  disc[i] = (i64)((r2 & 0xFFull) % 11ull);
  tax[i] = (i64)(((r2 >> 8) & 0xFFull) % 9ull);
  const int od = (int)((r2 >> 16) % DAYS);
  const int sd = od + 1 + (int)((r2 >> 40) % 121ull);
  const int rd = sd + 1 + (int)((r3 & 0xFFFFull) % 30ull);
  rf[i] = rd <= CURRENT ? (((r3 >> 16) & 1ull) ? 'R' : 'A') : 'N';
  ls[i] = sd > CURRENT ? 'O' : 'F';
  ship[i] = sd;
}
// p[0], p[1] += (hi, lo) as a 128-bit number: the carry from the atomic add of the low word
__device__ __forceinline__ void add128(u64* p, u64 lo, u64 hi) {
  const u64 old = atomicAdd(p, lo);
  if (old + lo < old) ++hi;
  if (hi) atomicAdd(p + 1, hi);
}
// TPC-H Q1 over rows r0 .. r0 + cnt - 1 shipped by the cutoff: a block RPT * blockDim rows (coalesced), a thread's
// sums a group in registers (count, sum_qty, sum_base_price, sum_disc, disc_price and charge as 128-bit lo/hi), a
// shuffle butterfly a group present in the warp, lane 0 into shared accumulators, the block's into acc (8 words a
// group) by atomicAdd with carries
extern "C" __global__ void dc_q1(const i64* __restrict__ qty, const i64* __restrict__ price,
                                 const i64* __restrict__ disc, const i64* __restrict__ tax, const u8* __restrict__ rf,
                                 const u8* __restrict__ ls, const int* __restrict__ ship, u32 r0, u32 cnt, int cutoff,
                                 u64* __restrict__ acc) {
  __shared__ u64 sa[NG * 8u];
  for (u32 k = threadIdx.x; k < NG * 8u; k += blockDim.x) sa[k] = 0ull;
  __syncthreads();
  u64 a[NG][8];
#pragma unroll
  for (u32 g = 0; g < NG; ++g)
#pragma unroll
    for (u32 k = 0; k < 8u; ++k) a[g][k] = 0ull;
  const u32 base = blockIdx.x * blockDim.x * RPT + threadIdx.x;
  for (u32 k = 0; k < RPT; ++k) {
    const u32 j = base + k * blockDim.x;
    if (j >= cnt) break;
    const u32 i = r0 + j;
    if (ship[i] > cutoff) continue;
    const u32 f = rf[i];
    const u32 g = (f == 'A' ? 0u : f == 'N' ? 2u : 4u) + (ls[i] == 'O' ? 1u : 0u);
    const u64 q = (u64)qty[i], p = (u64)price[i], d = (u64)disc[i];
    const u64 dp = p * (100ull - d);           // scale 4
    const u64 m = 100ull + (u64)tax[i];
    const u64 clo = dp * m, chi = __umul64hi(dp, m);  // scale 6: the 128-bit product
#pragma unroll
    for (u32 h = 0; h < NG; ++h) {
      if (g == h) {
        a[h][0] += 1ull;
        a[h][1] += q;
        a[h][2] += p;
        a[h][3] += d;
        a[h][4] += dp;
        a[h][5] += a[h][4] < dp ? 1ull : 0ull;
        a[h][6] += clo;
        a[h][7] += chi + (a[h][6] < clo ? 1ull : 0ull);
      }
    }
  }
#pragma unroll
  for (u32 h = 0; h < NG; ++h) {
    if (!__any_sync(FULL, a[h][0] != 0ull)) continue;
#pragma unroll
    for (u32 o = 16u; o; o >>= 1) {
#pragma unroll
      for (u32 k = 0; k < 4u; ++k) a[h][k] += __shfl_xor_sync(FULL, a[h][k], o);
#pragma unroll
      for (u32 k = 4u; k < 8u; k += 2u) {
        const u64 lo = __shfl_xor_sync(FULL, a[h][k], o), hi = __shfl_xor_sync(FULL, a[h][k + 1u], o);
        a[h][k] += lo;
        a[h][k + 1u] += hi + (a[h][k] < lo ? 1ull : 0ull);
      }
    }
    if ((threadIdx.x & 31u) == 0u) {
#pragma unroll
      for (u32 k = 0; k < 4u; ++k) atomicAdd(&sa[8u * h + k], a[h][k]);
      add128(&sa[8u * h + 4u], a[h][4], a[h][5]);
      add128(&sa[8u * h + 6u], a[h][6], a[h][7]);
    }
  }
  __syncthreads();
  for (u32 k = threadIdx.x; k < NG * 6u; k += blockDim.x) {
    const u32 h = k / 6u, f = k % 6u;
    if (f < 4u) {
      if (sa[8u * h + f]) atomicAdd(&acc[8u * h + f], sa[8u * h + f]);
    } else {
      const u32 w = 8u * h + 4u + 2u * (f - 4u);
      if (sa[w] | sa[w + 1u]) add128(&acc[w], sa[w], sa[w + 1u]);
    }
  }
}
"""


def dc_src():
    return fill_source(DC_CUDA, SEED=hex(DC_SEED), NPART=DC_NPART, DAYS=DC_DAYS, CURRENT=DC_CURRENT, RPT=DC_RPT)


DC_SRC = dc_src()


def dc_row_py(i):
    """Row i's (qty, price, disc, tax, returnflag, linestatus, shipdate) as dc_gen makes it, in Python ints."""
    r = splitmix64(i ^ DC_SEED)
    r2 = splitmix64(r)
    r3 = splitmix64(r2)
    part = 1 + r % DC_NPART
    q = 1 + (r >> 32) % 50
    retail = 90000 + (part // 10) % 20001 + 100 * (part % 1000)
    od = (r2 >> 16) % DC_DAYS
    sd = od + 1 + (r2 >> 40) % 121
    rd = sd + 1 + (r3 & 0xFFFF) % 30
    rf = ("R" if (r3 >> 16) & 1 else "A") if rd <= DC_CURRENT else "N"
    return 100 * q, q * retail, (r2 & 0xFF) % 11, ((r2 >> 8) & 0xFF) % 9, rf, "O" if sd > DC_CURRENT else "F", sd


def dc_q1_py(rows):
    """The 6 groups' [count, sum_qty, sum_base_price, sum_disc, sum_disc_price, sum_charge] (Python ints) of rows
    (qty, price, disc, tax, returnflag, linestatus, shipdate)."""
    out = [[0] * 6 for _ in DC_FLAGS]
    for q, p, d, t, rf, ls, sd in rows:
        if sd > DC_CUTOFF:
            continue
        g = out[DC_FLAGS.index(rf + ls)]
        dp = p * (100 - d)
        for k, v in enumerate((1, q, p, d, dp, dp * (100 + t))):
            g[k] += v
    return out


def dc_acc_groups(h):
    """The groups' six sums from 48 accumulator words (uint64), the 128-bit ones joined."""
    h = [int(x) for x in h]
    return [[h[8 * g], h[8 * g + 1], h[8 * g + 2], h[8 * g + 3], h[8 * g + 4] | (h[8 * g + 5] << 64),
             h[8 * g + 6] | (h[8 * g + 7] << 64)] for g in range(len(DC_FLAGS))]


def decimal(variant, clock):
    if variant != "q1":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=dc_src())
    genk, q1k = mod.get_function("dc_gen"), mod.get_function("dc_q1")
    n = DC_ROWS
    qty, price, disc, tax = (cp.zeros(n, dtype=cp.int64) for _ in range(4))
    rf = cp.zeros(n, dtype=cp.uint8)
    ls = cp.zeros(n, dtype=cp.uint8)
    ship = cp.zeros(n, dtype=cp.int32)
    genk(((n + 255) // 256,), (256,), (U32(n), qty, price, disc, tax, rf, ls, ship))
    acc = cp.zeros(8 * len(DC_FLAGS), dtype=cp.uint64)
    state = {"cursor": 0, "rows": DC_ROWS0, "done": 0}
    tile = 256 * DC_RPT

    def run(r0, cnt, into):
        q1k(((cnt + tile - 1) // tile,), (256,), (qty, price, disc, tax, rf, ls, ship, U32(r0), U32(cnt),
                                                  np.int32(DC_CUTOFF), into))

    launch = wrapping_launch(state, "rows", n, lambda r0, cnt: run(r0, cnt, acc))
    size_launch(launch, state, "rows", DC_MIN_ROWS, DC_MAX_ROWS)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a sample of rows: the columns against Python's regeneration, the kernel's sums against Python integers
    rng = np.random.default_rng(57)
    c = min(DC_CHECK, n)
    s0 = int(rng.integers(0, n - c + 1))
    sub = cp.zeros(8 * len(DC_FLAGS), dtype=cp.uint64)
    run(s0, c, sub)
    cols = [x[s0:s0 + c].get() for x in (qty, price, disc, tax, rf, ls, ship)]
    got_rows = [(int(cols[0][j]), int(cols[1][j]), int(cols[2][j]), int(cols[3][j]), chr(cols[4][j]),
                 chr(cols[5][j]), int(cols[6][j])) for j in range(c)]
    want_rows = [dc_row_py(s0 + j) for j in range(c)]
    gen_ok = got_rows == want_rows
    sub_ok = dc_acc_groups(sub.get()) == dc_q1_py(want_rows)
    # a check pass over every row against CuPy's array sums of the columns (exact: 32-bit halves in uint64 sums)
    acc.fill(0)
    run(0, n, acc)
    full = dc_acc_groups(acc.get())
    want = [[0] * 6 for _ in DC_FLAGS]
    for c0 in range(0, n, DC_CHUNK):
        sl = slice(c0, min(n, c0 + DC_CHUNK))
        keep = ship[sl] <= DC_CUTOFF
        f, lsl = rf[sl], ls[sl]
        dp = (price[sl] * (100 - disc[sl])).astype(cp.uint64)
        ch = dp * (100 + tax[sl]).astype(cp.uint64)
        for g, fl in enumerate(DC_FLAGS):
            sel = keep & (f == ord(fl[0])) & (lsl == ord(fl[1]))
            vals = [int(sel.sum()), int(qty[sl][sel].sum()), int(price[sl][sel].sum()), int(disc[sl][sel].sum())]
            for x in (dp[sel], ch[sel]):
                vals.append(int((x & U64(M32)).sum()) + (int((x >> U64(32)).sum()) << 32))
            want[g] = [a + b for a, b in zip(want[g], vals)]
    full_ok = full == want
    ok = gen_ok and sub_ok and full_ok
    seen = [f"{fl}: {g[0]} rows, sum_charge {g[5]}" for fl, g in zip(DC_FLAGS, full) if g[0]]
    note(f"decimal/{variant}: {state['done']} rows aggregated after READY ({n} lineitem rows of DECIMAL(15,2) int64 "
         f"columns, {sum(g[0] for g in full)} shipped by the cutoff, {state['rows']} rows a launch), groups "
         f"{'; '.join(seen)}; {c} rows' columns equal to Python's regeneration: {gen_ok}, their group sums (128-bit "
         f"disc_price and charge) equal to Python integers': {sub_ok}, every row's 48 sums equal to CuPy array sums' "
         f"of the columns: {full_ok}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({state['rows'] / per / 1e9:.2f} G rows/s), {nl} a step")


# ---- median --------------------------------------------------------------------------------------------------------
MD_W = 4096                # frame width (a multiple of 32)
MD_H = 4096                # and height (a multiple of 8)
MD_F = 8                   # frames
MD_IMP = 20                # salt-and-pepper impulses, of 1024 pixels
MD_SEED = 0x3ED1
MD_FRAMES0 = 8             # frames a launch first; then as many as take about LAUNCH_S
MD_MIN_FRAMES = 1
MD_MAX_FRAMES = 4096
MD_CROPS = ((0, 0, 0, 64), (-1, None, None, 96))  # (frame, y0, x0, size): a corner, and a random place
MD_FULL = 1                # the frame compared whole,
MD_BAND = 512              # rows at a time

MD_CUDA = HEAD + r"""
#define SEED %SEED%ull
#define IMP %IMP%u
#define TW 32
#define TH 8
// pixel i of F frames of H x W: two triangle-wave ramps, +-1024 noise, IMP in 1024 pixels 0 or 65535
extern "C" __global__ void md_gen(u32 W, u32 H, u32 F, u16* __restrict__ img) {
  const u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= F * H * W) return;
  const u32 x = i % W, y = (i / W) % H, f = i / (W * H);
  const u64 h = splitmix((u64)i ^ SEED);
  const u32 tx = (x * 3u + f * 97u) & 2047u, ty = (y * 5u + f * 31u) & 2047u;
  int v = 8192 + 24 * (int)(min(tx, 2047u - tx) + min(ty, 2047u - ty)) + (int)(h & 2047ull) - 1024;
  if (((u32)(h >> 11) & 1023u) < IMP) v = ((h >> 21) & 1ull) ? 65535 : 0;
  img[i] = (u16)min(max(v, 0), 65535);
}
__device__ __forceinline__ void cx(u32& a, u32& b) {
  const u32 lo = min(a, b), hi = max(a, b);
  a = lo;
  b = hi;
}
// a thread a pixel of frames f0 .. f0 + gridDim.z - 1 (mod F): the 5 x 5 neighbourhood from a shared tile (borders
// replicated), its median by forgetful selection: candidates v[2s .. 13+s], the smallest moved to v[2s] and the
// largest to v[2s+1] and both dropped, v[14+s] taken in, until v[22 .. 24]: the median in v[24]
extern "C" __global__ void md_filter(const u16* __restrict__ in, u32 W, u32 H, u32 F, u32 f0,
                                     u16* __restrict__ out) {
  __shared__ u16 tile[TH + 4][TW + 4];
  const u32 f = (f0 + blockIdx.z) % F;
  const u16* src = in + (u64)f * W * H;
  const int bx = blockIdx.x * TW, by = blockIdx.y * TH;
  for (u32 k = threadIdx.y * TW + threadIdx.x; k < (TH + 4) * (TW + 4); k += TW * TH) {
    const int ty = k / (TW + 4), tx = k % (TW + 4);
    const int gy = min(max(by + ty - 2, 0), (int)H - 1), gx = min(max(bx + tx - 2, 0), (int)W - 1);
    tile[ty][tx] = src[(u64)gy * W + gx];
  }
  __syncthreads();
  u32 v[25];
#pragma unroll
  for (int dy = 0; dy < 5; ++dy)
#pragma unroll
    for (int dx = 0; dx < 5; ++dx) v[5 * dy + dx] = tile[threadIdx.y + dy][threadIdx.x + dx];
#pragma unroll
  for (int s = 0; s < 12; ++s) {
    cx(v[2 * s], v[2 * s + 1]);
#pragma unroll
    for (int i = 2 * s + 2; i <= 13 + s; ++i) {
      cx(v[2 * s], v[i]);
      cx(v[i], v[2 * s + 1]);
    }
  }
  const int x = bx + threadIdx.x, y = by + threadIdx.y;
  if (x < (int)W && y < (int)H) out[(u64)f * W * H + (u64)y * W + x] = (u16)v[24];
}
"""


def md_src():
    return fill_source(MD_CUDA, SEED=hex(MD_SEED), IMP=MD_IMP)


MD_SRC = md_src()


def md_median_np(frame, y0, x0, size):
    """np.median of the 5 x 5 windows (borders replicated) of a size x size crop of a 2-D frame at (y0, x0)."""
    h, w = frame.shape
    ys = np.clip(np.arange(y0 - 2, y0 + size + 2), 0, h - 1)
    xs = np.clip(np.arange(x0 - 2, x0 + size + 2), 0, w - 1)
    win = np.lib.stride_tricks.sliding_window_view(frame[np.ix_(ys, xs)], (5, 5))
    return np.median(win.reshape(size, size, 25), axis=2).astype(np.uint16)


def median(variant, clock):
    if variant != "5x5":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=md_src())
    genk, filk = mod.get_function("md_gen"), mod.get_function("md_filter")
    w, h, nf = MD_W, MD_H, MD_F
    npx = w * h * nf
    img = cp.zeros(npx, dtype=cp.uint16)
    genk(((npx + 255) // 256,), (256,), (U32(w), U32(h), U32(nf), img))
    out = cp.zeros(npx, dtype=cp.uint16)
    state = {"cursor": 0, "frames": MD_FRAMES0, "done": 0}

    def run(f0, cnt):
        filk((w // 32, h // 8, cnt), (32, 8), (img, U32(w), U32(h), U32(nf), U32(f0), out))

    def launch():
        left = state["frames"]
        while left:
            c = min(left, 65535)
            run(state["cursor"], c)
            state["cursor"] = (state["cursor"] + c) % nf
            left -= c
        state["done"] += state["frames"]
    size_launch(launch, state, "frames", MD_MIN_FRAMES, MD_MAX_FRAMES)
    nl, per = calibrated_launches(launch, 16)
    state["done"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    run(0, nf)  # every frame filtered once more from the start
    # crops against np.median of their windows
    rng = np.random.default_rng(58)
    good, names = 0, []
    for f, y0, x0, size in MD_CROPS:
        f = f % nf
        size = min(size, w, h)
        y0 = int(rng.integers(0, h - size + 1)) if y0 is None else y0
        x0 = int(rng.integers(0, w - size + 1)) if x0 is None else x0
        fr = img[f * w * h:(f + 1) * w * h].get().reshape(h, w)
        got = out[f * w * h:(f + 1) * w * h].get().reshape(h, w)[y0:y0 + size, x0:x0 + size]
        good += bool(np.array_equal(got, md_median_np(fr, y0, x0, size)))
        names.append(f"{size} x {size} at ({x0}, {y0}) of frame {f}")
    crop_ok = good == len(MD_CROPS)
    # a whole frame against the middle of a cupy.sort of its 25 shifted copies, a band of rows at a time
    f = MD_FULL % nf
    fr = img[f * w * h:(f + 1) * w * h].reshape(h, w)
    fo = out[f * w * h:(f + 1) * w * h].reshape(h, w)
    full_ok = True
    for y0 in range(0, h, MD_BAND):
        ys = np.arange(y0, min(h, y0 + MD_BAND))
        shifted = []
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                ry = cp.asarray(np.clip(ys + dy, 0, h - 1))
                rx = cp.asarray(np.clip(np.arange(w) + dx, 0, w - 1))
                shifted.append(fr[ry[:, None], rx[None, :]].reshape(-1, 1))
        mid = cp.sort(cp.concatenate(shifted, axis=1))[:, 12]
        full_ok = full_ok and bool((mid == fo[y0:y0 + len(ys)].reshape(-1)).all())
        del shifted, mid
    ok = crop_ok and full_ok
    hin, hout = img[:w * h].get(), out[:w * h].get()
    imp_in = float(np.mean((hin == 0) | (hin == 65535)))
    imp_out = float(np.mean((hout == 0) | (hout == 65535)))
    digest = int(out.sum(dtype=cp.uint64))
    note(f"median/{variant}: {state['done']} frames filtered after READY ({nf} frames of {w} x {h} uint16, 5 x 5 "
         f"windows by forgetful min/max selection, {state['frames']} frames a launch), output sum {digest}, "
         f"impulses {imp_in:.4f} of frame 0's pixels before, {imp_out:.6f} after; {len(MD_CROPS)} crops "
         f"({'; '.join(names)}) equal to np.median's: {good}, frame {f} equal to the middle of a cupy.sort of its 25 "
         f"shifted copies: {full_ok}, agree: {ok}, {per * 1e3:.2f} ms a launch "
         f"({w * h * state['frames'] / per / 1e9:.2f} G pixels/s), {nl} a step")


# ---- minimizer -----------------------------------------------------------------------------------------------------
MZ_READS = 1 << 20         # reads
MZ_LMIN = 150              # read lengths, log-uniform
MZ_LMAX = 10000            # (below 2^14: read positions in 14 bits of the error hash)
MZ_LOG_G = 26              # genome bases (computed on the fly)
MZ_K = 15                  # k-mer length (odd: no k-mer is its own reverse complement)
MZ_W = 10                  # k-mers a window
MZ_SUB = 20                # substitutions, of 1024 bases
MZ_NRATE = 1               # Ns, of 1024 bases
MZ_LOG_B = 14              # histogram buckets (minimap2's default index bucket bits)
MZ_SEED = 0x3A11
MZ_PATTERNS = (0x00000000, 0x44444444, 0xE4E4E4E4, 0x0F0F0F0F)  # tandem repeats: A, AC, ACGT, TTAA (2 bits a base)
MZ_READS0 = 1 << 16        # reads a launch first; then as many as take about LAUNCH_S
MZ_MIN_READS = 256
MZ_MAX_READS = 1 << 24
MZ_CHECK = 8               # reads compared with Python's mm_sketch
MZ_CHECK_CAP = 4096        # minimizers a check read at most
MZ_FNV_BASIS = 0xCBF29CE484222325
MZ_FNV_PRIME = 0x100000001B3

MZ_CUDA = HEAD + r"""
#define K %K%
#define WIN %WIN%
#define LOGG %LOGG%
#define SEED %SEED%ull
#define SUB %SUB%u
#define NRATE %NRATE%u
#define BMASK ((1u << %LOGB%) - 1u)
#define FNVB %FNVB%ull
#define FNVP %FNVP%ull
__constant__ u32 PAT[4] = {%PATTERNS%};
// genome base p: a tandem-repeat pattern in a 32nd of the 256-base blocks, else 2 bits of a splitmix word
__device__ __forceinline__ u32 mz_gbase(u64 p) {
  const u64 rep = splitmix((p >> 8) ^ (SEED << 3));
  const u32 w = (rep & 31ull) == 0ull ? PAT[(u32)(rep >> 5) & 3u] : (u32)splitmix((p >> 4) ^ (SEED << 2));
  return (w >> (2u * (u32)(p & 15ull))) & 3u;
}
// read r's start and strand
__device__ __forceinline__ void mz_start(u32 r, u32 L, u64& start, u32& strand) {
  const u64 q = splitmix((u64)r ^ (SEED << 1));
  strand = (u32)q & 1u;
  start = (q >> 1) % ((1ull << LOGG) - L + 1ull);
}
// byte j of read r: the genome's base (or on the reverse strand the complement, backwards), then NRATE in 1024 an N
// and SUB in 1024 a substitution
__device__ __forceinline__ u32 mz_byte(u32 r, u32 j, u32 L, u64 start, u32 strand) {
  u32 b = strand ? 3u - mz_gbase(start + L - 1u - j) : mz_gbase(start + j);
  const u64 e = splitmix((((u64)r << 14) | j) ^ (SEED << 4));
  const u32 k = (u32)e & 1023u;
  if (k < NRATE) return 'N';
  if (k < NRATE + SUB) b = (b + 1u + (u32)((e >> 10) % 3ull)) & 3u;
  return (0x54474341u >> (8u * b)) & 0xFFu;  // A C G T
}
// a thread a 16-byte chunk of the reads (read r at off[r], 16-byte aligned; off[n] the total): its read by binary
// search, its bytes (0 past the read's end)
extern "C" __global__ void mz_reads(u64 nchunks, u32 n, const u64* __restrict__ off, const u32* __restrict__ len,
                                    uint4* __restrict__ seq) {
  const u64 c = (u64)blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= nchunks) return;
  const u64 pos = 16ull * c;
  u32 lo = 0u, hi = n;
  while (hi - lo > 1u) {
    const u32 mid = (lo + hi) >> 1;
    if (off[mid] <= pos)
      lo = mid;
    else
      hi = mid;
  }
  const u32 r = lo, L = len[r], j0 = (u32)(pos - off[r]);
  u64 start;
  u32 strand;
  mz_start(r, L, start, strand);
  u32 w[4];
#pragma unroll
  for (u32 q = 0; q < 4u; ++q) {
    w[q] = 0u;
#pragma unroll
    for (u32 b = 0; b < 4u; ++b) {
      const u32 j = j0 + 4u * q + b;
      if (j < L) w[q] |= mz_byte(r, j, L, start, strand) << (8u * b);
    }
  }
  seq[c] = make_uint4(w[0], w[1], w[2], w[3]);
}
// minimap2's hash64: Thomas Wang's invertible 64-bit integer hash within mask
__device__ __forceinline__ u64 hash64(u64 key, u64 mask) {
  key = (~key + (key << 21)) & mask;
  key = key ^ (key >> 24);
  key = ((key + (key << 3)) + (key << 8)) & mask;
  key = key ^ (key >> 14);
  key = ((key + (key << 2)) + (key << 4)) & mask;
  key = key ^ (key >> 28);
  key = (key + (key << 31)) & mask;
  return key;
}
// a minimizer out: counted, FNV-folded, into its bucket's count; written to o (at most cap of them)
__device__ __forceinline__ void mz_push(u64 x, u64 y, u32& n, u64& dig, u32* __restrict__ hist, u64* o, u32 cap) {
  if (n < cap) {
    o[2u * n] = x;
    o[2u * n + 1u] = y;
  }
  ++n;
  dig = (dig ^ x) * FNVP;
  dig = (dig ^ y) * FNVP;
  atomicAdd(&hist[(u32)(x >> 8) & BMASK], 1u);
}
// mm_sketch (not homopolymer-compressed) of a read a thread (reads r0 + t, or ids[t] where byid): 16 bases a
// 128-bit load, forward and reverse k-mers, the canonical one's hash64 << 8 | span and read << 32 | i << 1 | strand
// into a ring buffer of WIN, minimap2's window minimum with its outputs of identical k-mers; the count and digest
// of the read's minimizers, the first cap of them to out + 2 cap t (cap 0: none)
extern "C" __global__ void mz_sketch(const u8* __restrict__ seq, const u64* __restrict__ off,
                                     const u32* __restrict__ len, u32 r0, u32 cnt, const u32* __restrict__ ids,
                                     u32 byid, u32* __restrict__ count, u64* __restrict__ digest,
                                     u32* __restrict__ hist, u64* __restrict__ out, u32 cap) {
  const u32 t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= cnt) return;
  const u32 r = byid ? ids[t] : r0 + t, L = len[r];
  const uint4* s4 = reinterpret_cast<const uint4*>(seq + off[r]);
  u64* o = out + 2ull * cap * t;
  const u64 mask = (1ull << (2 * K)) - 1ull, shift1 = 2 * (K - 1), NONE = ~0ull;
  u64 k0 = 0ull, k1 = 0ull, bx[WIN], by[WIN], mx = NONE, my = NONE;
  for (int j = 0; j < WIN; ++j) bx[j] = by[j] = NONE;
  int l = 0, bp = 0, mp = 0;
  u32 n = 0u;
  u64 dig = FNVB;
  uint4 q4 = make_uint4(0u, 0u, 0u, 0u);
  for (u32 i = 0; i < L; ++i) {
    if ((i & 15u) == 0u) q4 = s4[i >> 4];
    const u32 wd = (i & 8u) ? ((i & 4u) ? q4.w : q4.z) : ((i & 4u) ? q4.y : q4.x);
    const u32 ch = (wd >> (8u * (i & 3u))) & 0xFFu;
    const u32 c = ch == 'A' ? 0u : ch == 'C' ? 1u : ch == 'G' ? 2u : ch == 'T' ? 3u : 4u;
    u64 ix = NONE, iy = NONE;
    if (c < 4u) {
      const int span = l + 1 < K ? l + 1 : K;
      k0 = ((k0 << 2) | c) & mask;
      k1 = (k1 >> 2) | ((u64)(3u ^ c) << shift1);
      if (k0 == k1) continue;  // symmetric: no strand
      const u32 z = k0 < k1 ? 0u : 1u;
      ++l;
      if (l >= K) {
        ix = (hash64(z ? k1 : k0, mask) << 8) | (u64)span;
        iy = ((u64)r << 32) | ((u64)i << 1) | z;
      }
    } else {
      l = 0;
    }
    bx[bp] = ix;
    by[bp] = iy;
    if (l == WIN + K - 1 && mx != NONE) {  // the first window: identical k-mers not written yet
      for (int j = bp + 1; j < WIN; ++j)
        if (mx == bx[j] && by[j] != my) mz_push(bx[j], by[j], n, dig, hist, o, cap);
      for (int j = 0; j < bp; ++j)
        if (mx == bx[j] && by[j] != my) mz_push(bx[j], by[j], n, dig, hist, o, cap);
    }
    if (ix <= mx) {  // a new minimum: the old one out
      if (l >= WIN + K && mx != NONE) mz_push(mx, my, n, dig, hist, o, cap);
      mx = ix;
      my = iy;
      mp = bp;
    } else if (bp == mp) {  // the minimum has left the window
      if (l >= WIN + K - 1 && mx != NONE) mz_push(mx, my, n, dig, hist, o, cap);
      mx = NONE;
      for (int j = bp + 1; j < WIN; ++j)
        if (mx >= bx[j]) {
          mx = bx[j];
          my = by[j];
          mp = j;
        }
      for (int j = 0; j <= bp; ++j)
        if (mx >= bx[j]) {
          mx = bx[j];
          my = by[j];
          mp = j;
        }
      if (l >= WIN + K - 1 && mx != NONE) {  // identical k-mers, in order
        for (int j = bp + 1; j < WIN; ++j)
          if (mx == bx[j] && my != by[j]) mz_push(bx[j], by[j], n, dig, hist, o, cap);
        for (int j = 0; j <= bp; ++j)
          if (mx == bx[j] && my != by[j]) mz_push(bx[j], by[j], n, dig, hist, o, cap);
      }
    }
    if (++bp == WIN) bp = 0;
  }
  if (mx != NONE) mz_push(mx, my, n, dig, hist, o, cap);
  count[r] = n;
  digest[r] = dig;
}
"""


def mz_src():
    return fill_source(MZ_CUDA, K=MZ_K, WIN=MZ_W, LOGG=MZ_LOG_G, SEED=hex(MZ_SEED), SUB=MZ_SUB, NRATE=MZ_NRATE,
                       LOGB=MZ_LOG_B, FNVB=hex(MZ_FNV_BASIS), FNVP=hex(MZ_FNV_PRIME),
                       PATTERNS=", ".join(f"{p:#010x}u" for p in MZ_PATTERNS))


MZ_SRC = mz_src()


def mz_lengths(n):
    """The reads' lengths (int64), log-uniform in [MZ_LMIN, MZ_LMAX]."""
    u = (splitmix64_np(np.arange(n, dtype=U64) ^ U64(MZ_SEED)) >> U64(11)).astype(np.float64) * 2.0 ** -53
    return np.minimum(MZ_LMAX, (MZ_LMIN * (MZ_LMAX / MZ_LMIN) ** u).astype(np.int64))


def mz_repeat_py(p):
    """Whether genome base p lies in a tandem-repeat block, and the block's pattern."""
    rep = splitmix64((p >> 8) ^ (MZ_SEED << 3))
    return (rep & 31) == 0, MZ_PATTERNS[(rep >> 5) & 3]


def mz_start_py(r, length):
    """Read r's (strand, start) as mz_start draws them."""
    q = splitmix64(r ^ (MZ_SEED << 1))
    return q & 1, (q >> 1) % ((1 << MZ_LOG_G) - length + 1)


def mz_over_repeat(r, length):
    """Whether read r's span touches a tandem-repeat block."""
    start = mz_start_py(r, length)[1]
    return any(mz_repeat_py(p)[0] for p in range(start & ~255, start + length, 256))


def mz_read_py(r, length):
    """Read r's bytes as mz_reads makes them, in Python ints."""
    strand, start = mz_start_py(r, length)
    out = bytearray()
    for j in range(length):
        p = start + length - 1 - j if strand else start + j
        isrep, pat = mz_repeat_py(p)
        w = pat if isrep else splitmix64((p >> 4) ^ (MZ_SEED << 2)) & M32
        b = (w >> (2 * (p & 15))) & 3
        if strand:
            b = 3 - b
        e = splitmix64(((r << 14) | j) ^ (MZ_SEED << 4))
        k = e & 1023
        if k < MZ_NRATE:
            out.append(ord("N"))
            continue
        if k < MZ_NRATE + MZ_SUB:
            b = (b + 1 + (e >> 10) % 3) & 3
        out.append(b"ACGT"[b])
    return bytes(out)


def mm_hash64_py(key, mask):
    key = (~key + (key << 21)) & mask
    key = key ^ (key >> 24)
    key = ((key + (key << 3)) + (key << 8)) & mask
    key = key ^ (key >> 14)
    key = ((key + (key << 2)) + (key << 4)) & mask
    key = key ^ (key >> 28)
    return (key + (key << 31)) & mask


def mm_sketch_py(s, w, k, rid):
    """minimap2's mm_sketch (sketch.c, is_hpc 0) of bytes s: the list of (x, y) minimizers, in Python ints."""
    nt4 = {ord("A"): 0, ord("C"): 1, ord("G"): 2, ord("T"): 3, ord("a"): 0, ord("c"): 1, ord("g"): 2, ord("t"): 3}
    shift1, mask = 2 * (k - 1), (1 << 2 * k) - 1
    kmer = [0, 0]
    big = M64
    buf = [(big, big)] * w
    mn = (big, big)
    out = []
    kl = buf_pos = min_pos = 0  # sketch.c's l
    for i in range(len(s)):
        c = nt4.get(s[i], 4)
        info = (big, big)
        if c < 4:
            kmer_span = kl + 1 if kl + 1 < k else k
            kmer[0] = ((kmer[0] << 2) | c) & mask
            kmer[1] = (kmer[1] >> 2) | ((3 ^ c) << shift1)
            if kmer[0] == kmer[1]:
                continue
            z = 0 if kmer[0] < kmer[1] else 1
            kl += 1
            if kl >= k and kmer_span < 256:
                info = ((mm_hash64_py(kmer[z], mask) << 8) | kmer_span, (rid << 32) | (i << 1) | z)
        else:
            kl = 0
        buf[buf_pos] = info
        if kl == w + k - 1 and mn[0] != big:
            for j in list(range(buf_pos + 1, w)) + list(range(buf_pos)):
                if mn[0] == buf[j][0] and buf[j][1] != mn[1]:
                    out.append(buf[j])
        if info[0] <= mn[0]:
            if kl >= w + k and mn[0] != big:
                out.append(mn)
            mn, min_pos = info, buf_pos
        elif buf_pos == min_pos:
            if kl >= w + k - 1 and mn[0] != big:
                out.append(mn)
            mn = (big, mn[1])
            for j in list(range(buf_pos + 1, w)) + list(range(buf_pos + 1)):
                if mn[0] >= buf[j][0]:
                    mn, min_pos = buf[j], j
            if kl >= w + k - 1 and mn[0] != big:
                for j in list(range(buf_pos + 1, w)) + list(range(buf_pos + 1)):
                    if mn[0] == buf[j][0] and mn[1] != buf[j][1]:
                        out.append(buf[j])
        buf_pos += 1
        if buf_pos == w:
            buf_pos = 0
    if mn[0] != big:
        out.append(mn)
    return out


def mz_digest_py(mins):
    d = MZ_FNV_BASIS
    for x, y in mins:
        d = ((d ^ x) * MZ_FNV_PRIME) & M64
        d = ((d ^ y) * MZ_FNV_PRIME) & M64
    return d


def minimizer(variant, clock):
    if variant != "sketch":
        raise ValueError(f"unknown variant {variant!r}")
    import cupy as cp
    mod = cp.RawModule(code=mz_src())
    readk, skk = mod.get_function("mz_reads"), mod.get_function("mz_sketch")
    nr = MZ_READS
    hlen = mz_lengths(nr)
    hoff = np.concatenate([[0], np.cumsum((hlen + 15) // 16 * 16)]).astype(U64)
    total = int(hoff[-1])
    nch = total // 16
    seq = cp.zeros(total, dtype=cp.uint8)
    off, ln = cp.asarray(hoff), cp.asarray(hlen.astype(U32))
    readk(((nch + 255) // 256,), (256,), (U64(nch), U32(nr), off, ln, seq))
    count = cp.zeros(nr, dtype=cp.uint32)
    digest = cp.zeros(nr, dtype=cp.uint64)
    hist = cp.zeros(1 << MZ_LOG_B, dtype=cp.uint32)
    cum = np.concatenate([[0], np.cumsum(hlen)])
    state = {"cursor": 0, "reads": MZ_READS0, "done": 0, "bases": 0}

    none32 = cp.zeros(1, dtype=cp.uint32)
    none64 = cp.zeros(2, dtype=cp.uint64)

    def run(r0, cnt, ids=None, out=None):
        skk(((cnt + 127) // 128,), (128,), (seq, off, ln, U32(r0), U32(cnt), none32 if ids is None else ids,
                                            U32(ids is not None), count, digest, hist, none64 if out is None else out,
                                            U32(0 if out is None else MZ_CHECK_CAP)))

    def piece(r0, cnt):
        run(r0, cnt)
        state["bases"] += int(cum[r0 + cnt] - cum[r0])
    launch = wrapping_launch(state, "reads", nr, piece)
    size_launch(launch, state, "reads", MZ_MIN_READS, MZ_MAX_READS)
    state["bases"] = 0
    nl, per = calibrated_launches(launch, 16)
    launch_bases = state["bases"] / 3  # the three launches calibrated_launches ran
    state["done"] = state["bases"] = 0
    cupy_loop(repeat_step(launch, nl), clock)
    # a check pass over every read into a clear histogram
    hist.fill(0)
    run(0, nr)
    hcount = count.get().astype(np.int64)
    hist_ok = int(hist.get().astype(np.int64).sum()) == int(hcount.sum())
    # reads (some over tandem repeats) against Python's regeneration and Python's mm_sketch
    rng = np.random.default_rng(59)
    cand = rng.choice(nr, min(nr, 256), replace=False).tolist()
    rep = [r for r in cand if mz_over_repeat(r, int(hlen[r]))]
    picks = (rep[:MZ_CHECK // 4] + [r for r in cand if r not in rep[:MZ_CHECK // 4]])[:MZ_CHECK]
    ids = cp.asarray(np.array(picks, dtype=U32))
    mout = cp.zeros(2 * MZ_CHECK_CAP * len(picks), dtype=cp.uint64)
    run(0, len(picks), ids, mout)
    hmout = mout.get().reshape(len(picks), MZ_CHECK_CAP, 2)
    hcount = count.get().astype(np.int64)
    hdig = digest.get()
    bytes_good = lists_good = 0
    for t, r in enumerate(picks):
        want_b = mz_read_py(r, int(hlen[r]))
        got_b = seq[int(hoff[r]):int(hoff[r]) + int(hlen[r])].get().tobytes()
        bytes_good += got_b == want_b
        mins = mm_sketch_py(want_b, MZ_W, MZ_K, r)
        n = int(hcount[r])
        got = [(int(x), int(y)) for x, y in hmout[t, :min(n, MZ_CHECK_CAP)]]
        lists_good += n == len(mins) and n <= MZ_CHECK_CAP and got == mins and int(hdig[r]) == mz_digest_py(mins)
    ok = hist_ok and bytes_good == len(picks) and lists_good == len(picks)
    nmin = int(hcount.sum())
    bases = int(cum[-1])
    note(f"minimizer/{variant}: {state['done']} reads sketched after READY ({nr} reads of {int(hlen.min())}-"
         f"{int(hlen.max())} bases, {bases} bases, w {MZ_W}, k {MZ_K}, {state['reads']} reads a launch), "
         f"{nmin} minimizers ({nmin / bases:.4f} a base), the fullest of {1 << MZ_LOG_B} buckets "
         f"{int(hist.get().max())}, count digest {int(np.bitwise_xor.reduce(hdig))}; histogram total equal to the "
         f"summed counts: {hist_ok}, {len(picks)} reads ({min(len(rep), MZ_CHECK // 4)} over tandem repeats) equal to "
         f"Python's regeneration: {bytes_good}, their minimizer lists, counts and digests equal to Python's "
         f"mm_sketch: {lists_good}, agree: {ok}, {per * 1e3:.2f} ms a launch ({launch_bases / per / 1e9:.2f} G "
         f"bases/s), {nl} a step")
