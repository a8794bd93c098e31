"""Every workload: NAME -> family, label, variants, what it does.

The runner (run.py), the capture runner (../capture/run-capture.py) and the
table in data/README.md (`run.py --markdown`) all come from here. Only this
file is imported by the capture runner, so it must not import torch or cupy.
"""
from collections import namedtuple

Workload = namedtuple("Workload", "name family label variants module function args doc")

_W = []


def _add(name, family, label, variants, module, function, doc, args=()):
    _W.append(Workload(name, family, label, tuple(variants), module, function, tuple(args), doc))


# deep learning
_add("train_mlp", "dl_train", 0, ["bf16", "fp16", "fp32", "tf32"], "dl", "train", "MLP training (6 x 4096 linear + GELU), batches from pinned host memory", ["mlp"])
_add("train_cnn", "dl_train", 0, ["bf16", "fp32"], "dl", "train", "CNN training (8 conv 3x3 + BN, channels-last, 224x224, batch 128)", ["cnn"])
_add("train_transformer", "dl_train", 0, ["bf16", "fp16"], "dl", "train", "transformer LM training (8 layers, width 1024, 1024 tokens)", ["transformer"])
_add("train_lstm", "dl_train", 0, ["fp32", "bf16"], "dl", "train", "3-layer LSTM sequence classifier training (cuDNN)", ["lstm"])
_add("train_gru", "dl_train", 0, ["fp32"], "dl", "train", "3-layer GRU sequence classifier training (cuDNN)", ["gru"])
_add("train_recsys", "dl_train", 0, ["bf16"], "dl", "train", "embedding-bag recommender (8 tables x 1M rows, Zipf-skewed lookups) + MLP training", ["recsys"])
_add("train_gnn", "dl_train", 0, ["fp32", "bf16"], "dl", "train",
     "GraphSAGE-style GNN training on a 1M-node, 8M-edge random graph: gather by edge source, index_add into destinations, linear layers", ["gnn"])
_add("train_loader", "dl_train", 0, ["bf16"], "dl", "train",
     "CNN training fed by a loader: uint8 images copied from pageable host memory each step, crop/flip/jitter/normalise on the GPU", ["augment"])
_add("infer_mlp", "dl_infer", 0, ["int8", "fp8", "bf16", "fp16", "fp32", "tf32"], "dl", "infer_mlp",
     "MLP inference, 8 x 8192 GEMMs at batch 4096; int8 = torch._int_mm, fp8 = torch._scaled_mm e4m3, activations re-quantised per layer")
_add("infer_transformer", "dl_infer", 0, ["batch", "decode"], "dl", "infer_transformer",
     "bf16 transformer inference: batched encoder passes, or token-by-token decoding at batch 4")
_add("infer_cnn", "dl_infer", 0, ["bf16", "fp32"], "dl", "infer_cnn", "CNN inference, batch 256 copied in from pinned host memory")
_add("infer_llm", "dl_infer", 0, ["b1", "b16", "b64"], "genai", "infer_llm",
     "bf16 LLM decoding (16 layers, width 2048, SwiGLU) a token at a time with a 2048-position KV cache and SDPA, batch 1, 16 or 64")
_add("infer_diffusion", "dl_infer", 0, ["fp16", "bf16"], "genai", "infer_diffusion",
     "latent-diffusion UNet sampling (GroupNorm/SiLU residual blocks, attention at 32x32 and 16x16), batch 8 of 64x64x4, 25 steps a batch")
# more model shapes and precisions (moreml.py)
_add("infer_prefill", "dl_infer", 0, ["s8k", "s32k"], "moreml", "infer_prefill",
     "bf16 LLM prefill of long prompts (width 2048, RoPE, SwiGLU, causal flash SDPA, KV cache filled): batch 2 x 8192 tokens through 8 layers, or 1 x 32768 through 4")
_add("infer_w4a16", "dl_infer", 0, ["decode", "prefill"], "moreml", "infer_w4a16",
     "weight-only int4 LLM (32 layers, width 4096, GQA 32/8 heads, group-128 scales): decode at batch 8 through the fused int4 matmul (tinygemm) where it runs; 2048-token prefill unpacking nibbles to bf16 (shift, mask, scale) then GEMMs")
_add("train_moe", "dl_train", 0, ["bf16"], "moreml", "train_moe",
     "mixture-of-experts LM training (4 layers, width 1024, 8 experts top-2): router, sort by expert, gather, per-expert FFN, index_add back; 8 x 1024 tokens")
_add("train_conv3d", "dl_train", 0, ["bf16"], "moreml", "train_conv3d",
     "3-D U-Net segmentation training on 64^3 volumes (conv3d + BN, transposed conv, channels_last_3d), batch 8 from pinned host memory")
_add("train_vit", "dl_train", 0, ["fp16"], "moreml", "train_vit", "ViT-B/16 training, 224x224, batch 64, fp16 autocast + GradScaler")
_add("linalg", "science", 0, ["batched", "fp64"], "moreml", "linalg",
     "batched fp32 Cholesky, triangular solves and QR of thousands of 64-256 square matrices; fp64 LU solve of two 4096^2 systems + eigh of a 2048^2 matrix (cuSOLVER)")
# the frameworks' own kernels: torch.compile (Inductor/Triton), CUDA-graph replay, JAX/XLA, Hugging Face, torchvision,
# PyTorch Geometric and hand-written Triton (frameworks.py)
_add("compiled", "dl_train", 0, ["train"], "frameworks", "compiled",
     "GPT-style LM training (6 blocks, width 1024) with blocks and loss torch.compile'd (Inductor's Triton kernels), bf16 autocast, fused AdamW, batch 8 x 1024 tokens")
_add("cudagraph", "dl_infer", 0, ["decode"], "frameworks", "cudagraph",
     "bf16 LLM decoding (16 layers, width 2048, batch 8) captured once as a CUDA graph and replayed a token at a time: static 2048-position KV cache under a mask, position and greedy token kept on the GPU")
_add("jaxlm", "dl_train", 0, ["train"], "frameworks", "jaxlm",
     "transformer LM training in JAX, jit-compiled by XLA (8 blocks, width 1024, bf16 compute over fp32 parameters, AdamW by tree_map), batch 8 x 1024 tokens, no preallocation")
_add("hfbert", "dl_train", 0, ["train"], "frameworks", "hfbert",
     "Hugging Face transformers' BERT-base from its config (random weights): classification fine-tuning, bf16 autocast, 32 x 256 tokens")
_add("hfgpt2", "dl_infer", 0, ["generate"], "frameworks", "hfgpt2",
     "Hugging Face transformers' GPT-2 (124M, from its config, bf16): greedy generate() of 128 new tokens for 8 prompts of 128, the library's per-token loop")
_add("tvmodel", "dl_train", 0, ["resnet50", "efficientnet"], "frameworks", "tvmodel",
     "torchvision ResNet-50 and EfficientNet-B0 training (random weights, bf16 autocast, channels-last, batch 128 of 224x224 from pinned memory)")
_add("tvdetect", "dl_infer", 0, ["fasterrcnn"], "frameworks", "tvdetect",
     "torchvision Faster R-CNN (MobileNetV3-Large FPN, random weights) inference on 8 800x800 images: backbone, proposals, NMS, RoIAlign, box heads")
_add("pyg", "dl_train", 0, ["gcn", "gat"], "frameworks", "pyg",
     "PyTorch Geometric node classification on a random 1M-node graph: two GCNConv layers over 8M edges (normalisation cached), or two GATConv layers (4 heads) over 4M")
_add("tritonops", "dl_infer", 0, ["softmax", "matmul"], "frameworks", "tritonops",
     "kernels written in Triton: row softmax then LayerNorm of 16384 x 4096 fp16 (memory-bound); a blocked fp16 GEMM of 8192^3 by tl.dot with grouped tile order")
# data processing, science, copies, interactive
_add("sort", "data", 0, ["int64", "argsort", "float"], "datawork", "sort", "torch.sort of 2^28 int64 keys; argsort + payload gather; float sort")
_add("hashjoin", "data", 0, ["partition", "probe"], "datawork", "hashjoin",
     "hash partitioning (multiply-shift hash, bincount, scatter into 1024 buckets); hash-join probe of 2^27 keys into a 2^26-slot linear-probing table (cupy kernel)")
_add("embedding", "data", 0, ["uniform", "zipf"], "datawork", "embedding", "embedding_bag lookups into an 8 GiB table, uniform or skewed row choice")
_add("histogram", "data", 0, ["bincount", "histc"], "datawork", "histogram", "bincount of 2^26 int keys into 65536 bins; histc of 2^26 floats")
_add("compress", "data", 0, ["bitpack", "delta_rle", "shuffle"], "datawork", "compress",
     "4-bit packing/unpacking; delta + zigzag + run-length + varint sizing of an int32 column; byte shuffle of int32 words")
_add("bfs", "data", 0, ["csr"], "datawork", "bfs", "breadth-first search over a 16M-node, 256M-edge random CSR graph (gather/scatter)")
_add("fft", "science", 0, ["c2c", "r2c"], "datawork", "fft", "batched 2-D complex FFT and inverse; 1-D real FFT of 2^28 points")
_add("fp64", "science", 0, ["gemm", "stencil"], "datawork", "fp64", "fp64 8192^3 GEMM (DFMA tensor cores); 3-D 7-point Jacobi stencil on 512^3 doubles")
_add("montecarlo", "simulation", 0, ["philox", "torch"], "science", "montecarlo",
     "Monte Carlo option pricing with a per-thread Philox4x32-10 RNG (mulhi rounds, log/sincos/exp); torch Philox streams (2^28 uniform, 2^26 normal values a step) through an integrand and a payoff")
_add("md", "simulation", 0, ["lj", "nbody"], "science", "md",
     "Lennard-Jones MD of 2^21 atoms with cell lists rebuilt each step (binning atomics, prefix sum, 27-cell force loop); all-pairs N-body of 2^17 bodies (shared tiles, rsqrt)")
_add("spmv", "science", 0, ["powerlaw", "cg"], "science", "spmv",
     "CSR SpMV, a warp a row: power iteration on a 4M-row power-law fp32 matrix; fp64 conjugate gradient on a 256^3 7-point Laplacian")
_add("smith_waterman", "genomics", 0, ["dna", "protein"], "science", "smith_waterman",
     "Smith-Waterman with affine gaps, one thread a pair (2^18 pairs of 128 x 256, int16 DP rows): DNA, or protein with a 20x20 substitution matrix in shared memory")
_add("checksum", "storage", 0, ["crc32", "xxh_stream"], "dataops", "checksum",
     "per-4 KiB-block checksums: table-driven CRC-32 of a 4 GiB device buffer; xxHash32-like fingerprints of a 1 GiB pinned host buffer streamed in 256 MiB pieces + duplicate count")
_add("groupby", "database", 0, ["hashagg", "sortagg", "filter"], "dataops", "groupby",
     "group-by of 2^27 rows, Zipf-skewed keys into 4M groups: hash aggregation (atomicCAS + atomicAdd); radix sort + boundary prefix sum + index_add; filter predicate + nonzero compaction + gathers")
_add("image", "imaging", 0, ["resize", "filter", "colorconv"], "dataops", "image",
     "image pipelines: uint8 1080p frames from pinned memory, antialiased resize + normalise; integer 5x5 Gaussian + Sobel threshold on 8-bit 8K images; fixed-point RGB->YUV 4:2:0 + luma histogram equalisation")
_add("crypt", "security", 0, ["aes_ctr", "chacha20"], "moreops", "crypt",
     "in-place encryption of a 2 GiB device buffer: AES-128 CTR (host key schedule, T-tables and S-box in shared memory, 10 rounds, many 16-byte blocks a thread); ChaCha20 (RFC 8439, 20 ARX rounds a 64-byte block)")
_add("kmer", "genomics", 0, ["k31"], "moreops", "kmer",
     "canonical 31-mer counting of 2^20 2-bit-packed 150-base reads (16x coverage, 0.5 % errors): rolling 64-bit k-mer and reverse complement, multiply-shift hash, 2^27-slot table (64-bit atomicCAS + atomicAdd)")
_add("bloom", "database", 0, ["build_probe"], "moreops", "bloom",
     "blocked Bloom filter, 512 MiB of 256-bit blocks, k=7 bits from two multiply-xorshift hashes: cleared, built from 2^26 keys (atomicOr), 2^27 keys probed (half present), hits counted")
_add("raytrace", "rendering", 0, ["path"], "moreops", "raytrace",
     "fp32 path tracer: 64 spheres + ground plane, 1920x1080, 16 samples a pixel a launch, up to 4 diffuse bounces, xorshift RNG per thread, float4 accumulation")
_add("lbm", "science", 0, ["d2q9"], "moreops", "lbm",
     "lattice-Boltzmann D2Q9 BGK, 4096x4096 fp32 periodic grid, fused pull-stream + collide, two buffers ping-pong")
# more benign look-alikes of hashing: integer-heavy, hash tables, random access (moreops2.py)
_add("lz77", "storage", 0, ["match"], "moreops2", "lz77",
     "LZ4-style match finding over 1 GiB of synthetic log text, a thread a 64 KiB chunk: multiply-shift hash of 4-byte prefixes into a 512-entry slice of a shared-memory table of 16-bit positions, candidate check, 4-byte-at-a-time match extension; literal/match/output byte counts")
_add("regex", "security", 0, ["dfa"], "moreops2", "regex",
     "multi-pattern matching: Aho-Corasick DFA of 64 signatures (about 1,800 states x 256 32-bit entries, read-only cached global memory) over 1 GiB of synthetic log lines, a thread a 4 KiB chunk, matches counted")
_add("video", "imaging", 0, ["dct"], "moreops2", "video",
     "JPEG/H.264-like intra coding of 8 4K 4:2:0 frames: 8x8 integer DCT (H.264 fixed-point butterfly), quantisation at 4 scales, zig-zag, run-length and bit-size estimation, finest scale within a bit budget; a thread a strip of 8 blocks")
_add("pagerank", "data", 0, ["pull"], "moreops2", "pagerank",
     "PageRank pull iterations in fp32 on a 16M-node, ~134M-edge power-law-ish CSR graph, a thread a node gathering rank/out-degree of its in-neighbours, dangling mass and L1 change reduced")
_add("radixjoin", "database", 0, ["partition"], "moreops2", "radixjoin",
     "radix-partitioned hash join of 2^21 build and 2^27 probe 64-bit keys: 11-bit histograms with shared-memory atomics, prefix sum, tile-wise scatter into 2048 partitions, a block a partition builds and probes a 4096-slot table in shared memory")
# a third set of benign look-alikes: integer multiply, hash tables, GF tables, fp32 compute and stencils (moreops3.py)
_add("minhash", "data", 0, ["lsh"], "moreops3", "minhash",
     "near-duplicate detection as in LLM data curation: 2^16 synthetic 1 KiB documents, splitmix64 of 5-byte shingles, 128 MinHash permutations (a x + b mod 2^61-1, __umul64hi) a block a document, LSH banding (16 x 8) into a 2^21-slot table (atomicCAS), colliding pairs counted")
_add("ntt", "security", 0, ["zk"], "moreops3", "ntt",
     "Goldilocks-field (2^64-2^32+1) number-theoretic transforms as in zero-knowledge provers: 8 polynomials of 2^22 points, forward DIF NTT in 3 shared-memory passes, pointwise product, inverse DIT NTT (64-bit multiply + __umul64hi reduction)")
_add("erasure", "storage", 0, ["rs"], "moreops3", "erasure",
     "Reed-Solomon 10+4 encoding over GF(2^8) (Cauchy generator, log/exp tables in shared memory) of 10 data shards of 100 MiB, a thread a 4-byte column")
_add("hll", "database", 0, ["count"], "moreops3", "hll",
     "HyperLogLog distinct count (2^13 registers) of 2^28 64-bit keys (10^8 distinct): XXH64 a key, register max by shared-memory atomicMax, global merge, harmonic-mean estimate")
_add("stencil", "science", 0, ["heat3d"], "moreops3", "stencil",
     "7-point 3-D heat equation, fp32, 512^3 grid, Dirichlet boundary: 32x8 shared-memory tiles marching through z, 16 sweeps a launch (memory bound)")
_add("nbody", "science", 0, ["allpairs"], "moreops3", "nbody",
     "all-pairs gravitational N-body, fp32, 2^18 bodies of a Plummer sphere: shared-memory tiles of 256 bodies, rsqrtf, kick-drift step a launch (compute bound)")
_add("cdc", "storage", 0, ["gear"], "moreops3", "cdc",
     "content-defined chunking for deduplication over 1 GiB of edited, shifted file versions: a thread a 64 KiB segment, Gear rolling hash with FastCDC cut points (2/8/64 KiB), FNV-1a 64 fingerprint a chunk into a 2^20-slot dedup table (atomicCAS)")
# a fourth set of benign look-alikes: real hashing of stored data, packed-byte SAD, bitwise logic, rank queries,
# parsing and bit unpacking (moreops4.py)
_add("sha256", "storage", 0, ["merkle"], "moreops4", "sha256",
     "content-addressed storage / dataset integrity: SHA-256 (FIPS 180-4) of every 4 KiB block of a 1 GiB buffer, a thread a block, then a binary Merkle tree over the block digests, a launch a level")
_add("blake3", "storage", 0, ["tree"], "moreops4", "blake3",
     "BLAKE3 tree hashing of a 1 GiB buffer: 1 KiB chunks of 16 blocks through the 7-round ARX compression (message permutation, chunk flags), a thread a chunk, then parent nodes a launch a level up to the root")
_add("motion", "imaging", 0, ["sad"], "moreops4", "motion",
     "video motion estimation: 16x16 macroblocks of 8 1920x1088 8-bit frame pairs, full search +-32 pixels, SAD of packed bytes with __vsadu4 on funnel-shifted shared-memory words, best vector a block")
_add("life", "simulation", 0, ["bitpacked"], "moreops4", "life",
     "Conway's Game of Life on a 32768x32768 torus, 32 cells a word, neighbour counts by bitwise full adders (integer/logic pipe only), 64 generations a launch")
_add("fmindex", "genomics", 0, ["search"], "moreops4", "fmindex",
     "FM-index backward search of 2^22 32-mers in a 128 Mbp circular DNA text: BWT built on the GPU (rotations sorted by 32-base prefix), 2-bit packed 64-base blocks with occurrence counts, two random-access popcount rank queries a base")
_add("csv", "etl", 0, ["parse"], "moreops4", "csv",
     "GPU CSV parsing of about 1 GiB of synthetic rows (int, signed int, fixed-point decimal, short string): a warp a 4 KiB chunk counts and indexes newlines (prefix sum between), a thread a row parses into int64/float64 columns; sums checked")
_add("bitunpack", "database", 0, ["dict"], "moreops4", "bitunpack",
     "Parquet-style decoding of 2^28 dictionary indices in 4096 pages (RLE / bit-packing hybrid, widths 3..17): run headers scanned into shared memory, a warp a run unpacks to int32, gathers int64 dictionary values, filters and counts")
# a fifth set of benign look-alikes: hash-table SpGEMM, BPE tokenising, Morton codes, Huffman and LDPC decoding,
# rolling-hash search, bitonic sorting (moreops5.py)
_add("spgemm", "science", 0, ["hash"], "moreops5", "spgemm",
     "sparse matrix-matrix product C = A A of a 2^21-row power-law CSR matrix (8-24 entries a row), a warp a row with a 1024-slot shared-memory hash-table accumulator (atomicCAS, atomicAdd): symbolic count, prefix sum, numeric pass compacting into C")
_add("bpe", "dl_infer", 0, ["tokenize"], "moreops5", "bpe",
     "byte-pair-encoding tokenisation of 2^25 pre-split synthetic words (1 GiB of 32-byte slots, an eighth a launch), a thread a word repeatedly merging the lowest-rank pair, 32768 merges in a 2^16-slot device hash table")
_add("morton", "rendering", 0, ["lbvh"], "moreops5", "morton",
     "LBVH build over 2^24 clustered drifting 3-D points: 30-bit Morton codes (bit interleaving), radix sort (cupy.argsort), Karras' parallel hierarchy build (clz of adjacent code XORs, binary search for the split), parent links checked")
_add("huffman", "storage", 0, ["decode"], "moreops5", "huffman",
     "canonical Huffman decoding (DEFLATE/JPEG-style, codes up to 12 bits) of 1 GiB encoded on the GPU in independent 64 KiB-output chunks, a thread a chunk with a 4096-entry lookup table in shared memory; output checked against the source")
_add("ldpc", "simulation", 0, ["minsum"], "moreops5", "ldpc",
     "LDPC decoding of 2^16 codewords of a 5G-NR-like quasi-cyclic rate-1/2 code (n = 2048, Z = 128, dual-diagonal parity) from int8 AWGN channel LLRs: layered normalised min-sum in fp32, a block a codeword, 10 iterations; bit and frame errors counted")
_add("rabinkarp", "security", 0, ["search"], "moreops5", "rabinkarp",
     "multi-pattern Rabin-Karp over 1 GiB of synthetic text: rolling polynomial hash mod 2^64 (32-byte window, two 64-bit multiplies a byte), 4096 pattern hashes in a shared-memory hash set, candidates verified byte for byte; hits spot-checked")
_add("bitonic", "data", 0, ["sort"], "moreops5", "bitonic",
     "bitonic sort of 2^25 32-bit key/value pairs (fresh keys each launch): 4096-element shared-memory tiles, then global compare-exchange passes and shared-memory merges for each larger size; sortedness and permutation checked")
# a sixth set of benign look-alikes: ZK proving (Pippenger MSM, Poseidon Merkle trees), a blockchain node's Keccak
# state trie, a count-min sketch, bitmap-index queries, GHASH and FSE decoding (moreops6.py)
_add("msm", "security", 0, ["pippenger"], "moreops6", "msm",
     "zero-knowledge prover multi-scalar multiplication on BN254 G1: 2^20 points, fresh 254-bit scalars, Pippenger with 16-bit windows (digits counting-sorted into 1M buckets by atomics), a thread a bucket of mixed Jacobian additions, segmented running-sum reduction; 256-bit Montgomery multiplication on 32-bit limbs")
_add("poseidon", "security", 0, ["merkle"], "moreops6", "poseidon",
     "ZK-rollup state tree: a Merkle tree of 2^20 BN254 scalar-field leaves hashed with a Poseidon-like permutation (width 3, x^5 S-box, 8 full + 57 partial rounds, 3x3 MDS; constants generated here), fresh leaves, a launch a level")
_add("keccak", "storage", 0, ["trie"], "moreops6", "keccak",
     "Ethereum-node state verification: Keccak-256 of 2^23 RLP records (account and storage-slot trie leaves, some contract code; about 1 GiB), a thread a record, then hexary branch nodes (RLP of 16 child hashes) up to the root")
_add("cms", "database", 0, ["sketch"], "moreops6", "cms",
     "streaming analytics: count-min sketch (4 x 2^22 counters) of 2^26-key windows of a Zipf-like 64-bit key stream, multiply-shift hashes, warp-merged atomicAdds, every key queried, heavy hitters collected by atomicCAS, top-k")
_add("bitmap", "database", 0, ["index"], "moreops6", "bitmap",
     "bitmap-index queries: 64 OR-of-ANDs (with ANDNOT) over 48 bitmaps of 2^28 rows in roaring-style containers (8 KiB bitmaps, sorted 16-bit arrays expanded in shared memory by atomicOr), popcounts per 2^16-row chunk")
_add("ghash", "security", 0, ["gcm"], "moreops6", "ghash",
     "AES-GCM authentication offload: GHASH of each 4 KiB sector of a 1 GiB buffer (64 hash keys), a thread a sector, GF(2^128) multiplication by Shoup's 4-bit tables in shared memory (64-bit shifts and XORs)")
_add("fse", "storage", 0, ["decode"], "moreops6", "fse",
     "Zstandard-like FSE/tANS decoding of 1 GiB in independent 8 KiB streams (2048-state table, encoded on the GPU), a thread a stream: table lookup in shared memory, bits read back through a 64-bit container; output checked against the source")
# a seventh set of benign look-alikes: binary-code and IVF-PQ vector search, Myers edit distance, Viterbi decoding,
# tree-ensemble inference, union-find components and suffix-array construction (moreops7.py)
_add("hamming", "database", 0, ["knn"], "moreops7", "hamming",
     "binary-code nearest-neighbour search (FAISS binary flat): 128 fresh queries against 2^24 256-bit codes, XOR + popcount distances over shared-memory tiles, a warp a query keeping the top 16 in registers, shuffle merges")
_add("myers", "genomics", 0, ["editdist"], "moreops7", "myers",
     "read alignment by Myers' bit-parallel edit distance: 2^22 fresh 64-base reads (substitutions, indels) from a 2^32-base 2-bit packed reference, each against 4 256-base windows, a thread a read of 64-bit Pv/Mv updates")
_add("viterbi", "simulation", 0, ["decode"], "moreops7", "viterbi",
     "Viterbi decoding of the K=7 rate-1/2 convolutional code (64 states): 2^16 fresh 2048-bit frames over AWGN at 3 dB, int8 soft values, a block a frame of integer add-compare-select, survivor bits by ballot into shared memory, traceback; bit errors counted")
_add("pq", "database", 0, ["adc"], "moreops7", "pq",
     "IVF-PQ search (FAISS GPU IVFPQ): 2^25 32-byte codes in 4096 lists, 1024 fresh queries probing 32 lists (GEMM + sort), a block a (query, list) building a 32x256 distance table in shared memory, a thread a code summing 32 byte-indexed lookups, top 16")
_add("forest", "dl_infer", 0, ["infer"], "moreops7", "forest",
     "gradient-boosted-tree batch inference (XGBoost/FIL style): 512 trees up to depth 10, 2^18 of 2^22 rows of 64 features (1 GiB, some missing) a launch staged in shared memory, a thread a row walking every tree's node array")
_add("unionfind", "data", 0, ["cc"], "moreops7", "unionfind",
     "connected components of a fresh random graph (2^26 vertices, 2^27 edges) by union-find (ECL-CC style): a thread an edge, root finding with pointer jumping, atomicCAS hooking of the larger root under the smaller, full compression, roots counted")
_add("suffix", "genomics", 0, ["array"], "moreops7", "suffix",
     "suffix-array construction by prefix doubling over a fresh 64 MiB DNA-like text with repeats: (rank, rank + h) packed in 64-bit keys, cupy radix argsort, boundary flags by gathers, prefix-sum group numbers scattered as new ranks, until all differ")
# an eighth set of benign look-alikes: ECDSA verification, LZ4 decompression, JSON indexing, xor filters, rendezvous
# hashing, SimHash dedup and posting-list intersection (moreops8.py)
_add("ecdsa", "security", 0, ["verify"], "moreops8", "ecdsa",
     "blockchain-node / exchange batch ECDSA verification on secp256k1: slices of 2^18 of 2^22 signatures (an eighth corrupted afresh each launch), a thread a signature: s^-1 by Montgomery mod n, u1 G by a fixed-base comb, u2 Q by 4-bit windows, 32-bit-limb field arithmetic with the 2^256 - 2^32 - 977 special-form reduction")
_add("lz4", "storage", 0, ["decompress"], "moreops8", "lz4",
     "LZ4 block decompression of 1 GiB of synthetic log text in independent 64 KiB blocks (compressed on the GPU at set-up), a warp a block: shared token parsing, 32-byte literal and match copies (overlapping matches by period); output checked against the source")
_add("json", "etl", 0, ["index"], "moreops8", "json",
     "simdjson-stage-1-like structural indexing of 1 GiB of JSON lines: quote/backslash/operator bitmasks of 64-byte words, odd-backslash escapes, prefix-XOR in-string masks with a block scan for the carry, structural positions compacted; then a thread a line base64-decodes its blob field")
_add("xorfilter", "database", 0, ["build"], "moreops8", "xorfilter",
     "xor-filter construction over 2^26 fresh 64-bit keys a launch: three hashed slots a key, counts and key xors by atomics, hypergraph peeling in rounds (singleton queues, atomicSub/atomicXor), fingerprints assigned in reverse, 2^27 membership queries; no false negatives, FPR about 1/256")
_add("rendezvous", "data", 0, ["hrw"], "moreops8", "rendezvous",
     "load-balancer key placement: 2^26 keys over 64-256 nodes (count and node seeds changing each launch), highest-random-weight argmax of a murmur3-finaliser score for every key-node pair, plus jump consistent hashing; per-node counts by shared-memory atomics")
_add("simhash", "data", 0, ["dedup"], "moreops8", "simhash",
     "near-duplicate detection: 64-bit SimHash of 2^23 short documents (3-token shingles hashed, signed bit counts), then Hamming distance <= 3 search over four 16-bit bands (counting sort by band value, a block a bucket comparing pairs by popcount)")
_add("postings", "database", 0, ["intersect"], "moreops8", "postings",
     "search-engine conjunctive queries: 2^16 fresh two-term queries over 2^20 posting lists (about 2^28 doc ids in blocks of 128 bit-packed deltas), a warp a query: funnel-shift unpacking and warp prefix sums, galloping over skip entries, binary-search matching")
# a ninth set: benign serving and stepping loops with the launch pattern of the hashing `poll` and `short` variants
# (small launches, each batch's result read back to the host before the next): a key-value store, RL environment
# stepping, online vector search, streaming window analytics and database point lookups (moreops9.py)
_add("kvstore", "database", 0, ["get"], "moreops9", "kvstore",
     "GPU key-value store serving: a 2^26-slot linear-probing table of 64-bit keys and values (1 GiB, 2^24 keys loaded by atomicCAS), batches of 4096 requests (1/16 PUTs, GETs of present, recently put and absent keys), a thread a request; launches of microseconds, each batch's 4096 results copied back to the host before the next")
_add("rl", "simulation", 0, ["envstep"], "moreops9", "rl",
     "vectorized RL environment stepping: 4096 CartPole environments, a thread an environment running a 4-32-32-2 fp32 MLP policy (custom kernel, no torch), one Euler physics step, done test and reset a launch; rewards and episode ends (2 x 4096 floats) copied back after every step, thousands of steps a second")
_add("ann", "database", 0, ["serve"], "moreops9", "ann",
     "online vector search: batches of 16 fresh 128-d queries copied in, brute-force L2 over 2^20 fp32 vectors (512 MiB) in 256-vector blocks (a thread a query-block pair keeping a top 10), two small merge launches; each batch's top-10 ids and distances copied back before the next")
_add("stream", "data", 0, ["window"], "moreops9", "stream",
     "streaming-analytics micro-batches: 8192 events a launch (skewed 64-bit keys, values), keys found or inserted in a 2^22-slot hash table by atomicCAS, per-pane counts and sums by atomicAdd (8 panes of 8 micro-batches, a pane cleared as it comes round); 32 watched keys' sliding-window count and sum read back every micro-batch")
_add("sql", "database", 0, ["point"], "moreops9", "sql",
     "GPU database point and range lookups: a sorted column of 2^27 64-bit keys (1 GiB) with 32-bit values and a 256-way two-level index; batches of 1024 lookups copied in, a thread a lookup (binary search of the top level then a leaf, rows in range counted and summed), the 1024 results copied back each batch")
# a state-vector quantum circuit simulator, RSA-style signing and LSM-tree compaction (moreops10.py)
_add("qsim", "science", 0, ["statevector"], "moreops10", "qsim",
     "state-vector quantum circuit simulation: 28 qubits (2^28 complex64 amplitudes, 2 GiB), a layer of a random circuit a launch (a U3 gate on every qubit, a kernel a gate over strided amplitude pairs, then a CZ layer on neighbouring pairs), fp32, memory-bound")
_add("rsa", "security", 0, ["sign"], "moreops10", "rsa",
     "RSA-CRT-style signing offload: 1024-bit modular exponentiation a thread (32-bit limbs, Montgomery CIOS multiplication, a constant-time 4-bit window with its table in local memory), 8 keys, messages made on the GPU, every result written back")
_add("lsm", "database", 0, ["compact"], "moreops10", "lsm",
     "LSM-tree compaction: 8 sorted runs of 2^23 entries (64-bit keys overlapping across runs, 32-bit values, 1 in 16 a deletion) merged by three levels of merge-path merges, then the newest live entry of each key kept (flag pass, stream compaction)")
# gradient-boosted tree training by histograms and graph random walks (moreops11.py)
_add("gbdt", "dl_train", 0, ["train"], "moreops11", "gbdt",
     "gradient-boosted tree training, XGBoost/LightGBM hist-style: 2^24 rows x 32 features in 256 byte bins, a tree level a launch (gradient and hessian histograms by shared-memory float atomics, best split of every node, rows moved to their children), depth 5, logistic loss")
_add("walk", "data", 0, ["deepwalk"], "moreops11", "walk",
     "DeepWalk-style random walks: a CSR graph of 2^22 nodes and about 2^26 edges (1 in 8 edges to one of 4096 hubs), 2^20 walkers of 40 steps a launch, each step a dependent random read, every walk written out")
# chess perft on bitboards, IPv4 longest-prefix-match routing, a cuckoo hash table, rANS decoding and delta-stepping
# shortest paths (moreops12.py)
_add("perft", "simulation", 0, ["bitboard"], "moreops12", "perft",
     "chess move-generation perft to depth 3 from positions made on the GPU (7 pieces a side), a thread a position: 64-bit bitboards, knight and king attacks by masked shifts, sliders by ray loops, captures by and-not, the last ply bulk-counted by popcount; compute-bound 64-bit logic")
_add("lpm", "data", 0, ["route"], "moreops12", "lpm",
     "software-router IPv4 longest-prefix match (DPDK rte_lpm-like DIR-24-8): about 470k distinct BGP-shaped prefixes, a 2^24-entry first-level table of 4-byte entries (64 MiB) plus 256-entry blocks for prefixes longer than /24; 2^22 threads a launch each doing 32 lookups whose addresses follow from the previous next hop (dependent random reads)")
_add("cuckooht", "database", 0, ["build"], "moreops12", "cuckooht",
     "GPU cuckoo hash table: 2^24 slots of 64-bit keys, three murmur3-finaliser hashes, filled to 0.85 with fresh keys each launch by atomicExch eviction chains (a stash for keys that do not settle), then 2^24 probes, half of absent keys")
_add("rangecoder", "storage", 0, ["decode"], "moreops12", "rangecoder",
     "rANS entropy decoding of 8192 host-encoded streams of 1024 symbols (64-symbol static table of total 4093: a division by a constant and a remainder a symbol, bit-serial renormalisation), a thread a stream, the streams repeated over as many threads as take about 30 ms, every symbol hashed")
_add("sssp", "data", 0, ["delta"], "moreops12", "sssp",
     "single-source shortest paths by near-far delta-stepping (delta 256) on a CSR graph of 2^22 nodes and about 2^25 edges with weights 1-255 packed beside the target: a solve from a fresh source a launch, rounds of frontier relaxation with atomicMin, the host reading two flags after each round")
# Miller-Rabin primality testing, multispin Ising Metropolis, triangle counting, base64 coding with UTF-8 validation
# and WalkSAT on random 3-SAT (moreops13.py)
_add("primes", "science", 0, ["millerrabin"], "moreops13", "primes",
     "deterministic Miller-Rabin (12 bases) of 64-bit odd candidates from a moving range, a thread a candidate, Montgomery multiplication with __umul64hi; primes counted and hashed; threads a launch timed to about 30 ms (compute-bound 64-bit multiply chains)")
_add("ising", "simulation", 0, ["multispin"], "moreops13", "ising",
     "2-D Ising Metropolis on a 2^15 x 2^15 torus, 64 spins a word: checkerboard half-sweeps with neighbours by shifts, anti-aligned counts by bit-sliced adders, acceptance by splitmix randoms of (sweep, colour, word) against 32-bit thresholds; sweeps a launch timed to about 30 ms")
_add("triangle", "data", 0, ["count"], "moreops13", "triangle",
     "triangle counting on a power-law graph of 2^21 nodes and about 2^25 edges made on the GPU, oriented by (degree, id), sorted adjacency lists; a thread an edge walks the shorter list and binary-searches the longer (integer compares, irregular reads)")
_add("base64", "etl", 0, ["codec"], "moreops13", "base64",
     "base64 encoding of 1.5 GiB (a thread 12 bytes, __byte_perm, alphabet by arithmetic) and decoding back through a shared-memory table, compared on the GPU; UTF-8 validation of 512 MiB of generated text, a thread 16 bytes, 4 KiB pages with planted bad sequences")
_add("walksat", "science", 0, ["3sat"], "moreops13", "walksat",
     "WalkSAT (noise 0.567) on 16384 random 3-SAT instances of 256 variables and 1076 clauses, a warp an instance: bitset assignment and true-literal counts in shared memory, clause picked by ballots, break counts from occurrence lists, splitmix RNG of (instance, step); steps a launch timed to about 30 ms")
# Philox random numbers, GF(2) Gaussian elimination, N-queens counting, procedural terrain noise and a segmented
# sieve of Eratosthenes (moreops14.py)
_add("philox", "simulation", 0, ["bulk"], "moreops14", "philox",
     "bulk Philox4x32-10 random numbers (ten rounds of 32x32->64 multiplies, XORs and Weyl key increments) of counter (thread, i, launch), made uniform floats and Box-Muller normals and summed; 2^20 threads, blocks a thread timed to about 30 ms")
_add("gf2", "science", 0, ["elim"], "moreops14", "gf2",
     "Gauss-Jordan elimination over GF(2) of fresh random 1024 x 1024 bit-packed systems A x = b, a block a matrix: pivot by warp ballot and ffs, XOR row operations a thread a (row, word); rank and solution, A x = b re-checked on the GPU; matrices a launch timed to about 30 ms")
_add("nqueens", "science", 0, ["bitmask"], "moreops14", "nqueens",
     "counting 17-queens solutions by bitmask backtracking, a thread one of 1448002 six-row prefixes with an explicit stack (lowest set bit, diagonal shifts, the last row by popcount); prefixes a launch timed to about 30 ms")
_add("noise", "rendering", 0, ["terrain"], "moreops14", "noise",
     "procedural terrain: an 8192 x 8192 tile of 8-octave fBm gradient noise with a permutation-free integer hash of lattice coordinates (exact integer lattice, fp32 fades and lerps), then a thermal-erosion step and normals packed to 3 x 10 bits")
_add("sieve", "science", 0, ["segmented"], "moreops14", "sieve",
     "segmented sieve of Eratosthenes over windows moving from 2^32 to 2^40: 2^19-number segments as odd-only bitmaps in shared memory, primes below 2^20 striking multiples by shared atomicOr after a 64-bit remainder, survivors counted by popcount; segments a launch timed to about 30 ms")
# instant-NGP hash-grid training, 7-card poker evaluation, TFHE negacyclic polynomial products, a fixed-point
# polyphase channelizer and transposition-table search (moreops15.py)
_add("hashgrid", "dl_train", 0, ["ngp"], "moreops15", "hashgrid",
     "instant-NGP multiresolution hash-grid encoding training: 16 levels of 2^19 fp16 2-vectors, 3-D points, dense or spatial-hash (x ^ y*2654435761 ^ z*805459861) corner indices, trilinear interpolation, a 32-32-1 fp32 MLP forward and backward, gradients scattered by atomicAdd into an fp32 table, SGD; points a launch timed to about 30 ms")
_add("poker", "simulation", 0, ["eval7"], "moreops15", "poker",
     "Monte-Carlo equity of the 169 poker starting hands: random deals by splitmix with rejection, 7-card evaluation Cactus-Kev style (flush table by rank mask, else the 64-bit product of rank primes hashed into a 48 MiB open-addressed table, linear probing), wins and ties tallied by 64-bit atomics; deals a thread timed to about 30 ms")
_add("tfhe", "security", 0, ["polymul"], "moreops15", "tfhe",
     "TFHE-like blind rotation of 512 GLWE accumulators (N = 1024 int32 torus coefficients mod 2^32): rotation by X^r, 3 x 10-bit gadget decomposition (rounding, offsets, shifts, masks), external products with 630 GGSW keys as negacyclic schoolbook integer multiply-adds; steps a launch timed to about 30 ms")
_add("fir", "science", 0, ["channelizer"], "moreops15", "fir",
     "software-radio polyphase channelizer: complex int16 samples streamed from a 1 GiB ring, 64 phases x 16 Q15 taps, int32 multiply-accumulates with rounding shifts and saturation, then a 64-point radix-2 fixed-point FFT a frame; chunks of 2^20 frames a launch timed to about 30 ms")
_add("zobrist", "simulation", 0, ["ttable"], "moreops15", "zobrist",
     "lazy-SMP game-tree search transposition-table traffic: a warp a root, random paths over commuting moves, incremental 64-bit Zobrist hashing (XOR of piece-square keys), every node probed and stored in a 2 GiB table of 4-way buckets by atomicCAS with depth/generation replacement; paths a thread timed to about 30 ms")
# XSBench-like cross-section lookups, a smoothed-particle-hydrodynamics step, a software triangle rasterizer,
# Black-Scholes scenario pricing and Aho-Corasick multi-pattern scanning (moreops16.py)
_add("xsbench", "simulation", 0, ["lookup"], "moreops16", "xsbench",
     "XSBench-like Monte-Carlo neutron cross-section lookups: 68 nuclides' fp64 energy grids (2^15 points, 5 cross sections each), a unionized grid of 2.2 M energies with a 606 MiB int32 index grid, a lookup a random energy and material: binary search, then two neighbouring points a nuclide read and interpolated in fp64; lookups a thread timed to about 30 ms")
_add("sph", "simulation", 0, ["fluid"], "moreops16", "sph",
     "smoothed-particle hydrodynamics of 2^21 fp32 particles in a periodic box: cells hashed (x*73856093 ^ y*19349663 ^ z*83492791) into 2^18 buckets by atomicAdd counts, prefix sum and scatter, 27-cell neighbour passes for cubic-spline density and pressure forces, integration; steps a launch timed to about 30 ms")
_add("raster", "rendering", 0, ["zbuffer"], "moreops16", "raster",
     "software triangle rasterizer: 2^20 small triangles a frame made from splitmix, a thread a triangle over its bounding box, 28.4 fixed-point edge functions with a top-left rule, exact integer depth, a 4096 x 4096 framebuffer updated by 64-bit atomicMin(depth << 32 | id), then a resolve pass; frames a launch timed to about 30 ms")
_add("options", "science", 0, ["blackscholes"], "moreops16", "options",
     "Black-Scholes scenario pricing of 2^22 options under spot and volatility shocks: call, put, delta, gamma, vega by erfc, log, exp and sqrt, in fp32 and in fp64 each launch (transcendental- and fp64-bound, no tensor cores); scenarios timed to about 15 ms a precision")
_add("ahocorasick", "security", 0, ["scan"], "moreops16", "ahocorasick",
     "IDS-style multi-pattern scanning: an Aho-Corasick automaton of 20000 random 8-32-byte patterns (dense [states x 256] int32 goto table, about 390 MiB), a 1 GiB random text with planted patterns, a thread a 1 KiB chunk (31 bytes of overlap), a dependent table read a byte, matches counted and digested; passes a launch timed to about 30 ms")
# Louvain community detection, feature hashing with MurmurHash3, a particle-in-cell step, DEFLATE decompression and a
# GROUP BY on string keys (moreops17.py)
_add("louvain", "data", 0, ["modularity"], "moreops17", "louvain",
     "Louvain local moving on a skewed graph of 2^22 nodes and 2^26 edges made on the GPU (CSR by atomicAdd degrees, prefix sum, atomic scatter): a thread a node counts edges to neighbouring communities in its own open-addressing table (multiplicative hashing, linear probing, 2 GiB pool), fp32 modularity gains, moves with community totals by atomicAdd/atomicSub; nodes a launch timed to about 30 ms")
_add("featurehash", "data", 0, ["murmur"], "moreops17", "featurehash",
     "hashing trick with online logistic regression: rows of 40 variable-length (4-24 byte) tokens made from splitmix, two MurmurHash3_x86_32 a token (a bucket of 2^20 and a sign), signed weight gathers for an fp32 score, the gradient scatter-added by atomicAdd fp32, an SGD step; rows a launch timed to about 30 ms")
_add("pic", "science", 0, ["deposit"], "moreops17", "pic",
     "electrostatic particle-in-cell steps: 2^24 fp32 particles in a periodic 128^3 grid, cloud-in-cell charge deposition (8 scattered atomicAdd fp32 a particle), a static plus screened -grad(rho) field, trilinear gather and Boris push; steps a launch timed to about 30 ms")
_add("inflate", "storage", 0, ["decode"], "moreops17", "inflate",
     "DEFLATE decompression, a thread a stream: 2^16 raw-deflate streams of 16 KiB log-like text (zlib level 6 on the host, dynamic Huffman blocks and LZ77), decoded puff-style (canonical codes a bit at a time through count/symbol tables, byte-wise back-reference copies), CRC32 of each output; passes a launch timed to about 30 ms")
_add("stringhash", "database", 0, ["groupby"], "moreops17", "stringhash",
     "GROUP BY on a variable-length string key column: 2^25 rows, 8-40-byte keys from a skewed 2^20-key vocabulary made on the GPU, xxHash32 of each key, a 2^22-slot global table claimed by 64-bit atomicCAS of (hash, row) with key-byte compares on hash matches, count and int64 sum by atomicAdd; rows a launch timed to about 30 ms")
# census-transform stereo matching with SGM, Jones-Plassmann graph colouring, the GATK PairHMM forward algorithm and a
# software packet pipeline with Toeplitz RSS hashing (moreops18.py)
_add("census", "imaging", 0, ["sgm"], "moreops18", "census",
     "driver-assistance stereo matching: 4 pairs of 1920 x 1080 8-bit images made on the GPU (value-noise texture, the right one shifted by a smooth 6-96 px disparity field, with noise), a 9 x 7 census transform to 64-bit strings, costs popcount(XOR) over 128 disparities, semi-global matching along 4 paths (a warp a path, integer min-plus recurrence with P1/P2, neighbours by shuffles) into a uint16 volume, winner-take-all disparities; pipelines a launch timed to about 30 ms")
_add("coloring", "data", 0, ["jp"], "moreops18", "coloring",
     "Jones-Plassmann graph colouring of a random graph of 2^22 nodes and 2^25 edges made on the GPU (CSR by atomicAdd degrees, prefix sum, atomic scatter): priorities from the MurmurHash3 finalizer of the node id, reseeded every colouring, rounds in which a node above its uncoloured neighbours takes the smallest colour free in a 64-bit mask of neighbour colours, a warp ballot count read back every 4 rounds; colourings a launch timed to about 30 ms")
_add("pairhmm", "genomics", 0, ["forward"], "moreops18", "pairhmm",
     "GATK PairHMM forward algorithm in fp32 (1e32 initial scaling): 1024 regions of 32 reads (100-150 bases, base and indel qualities) against 4 haplotypes (about 250-390 bases) made on the host, 131072 pairs, a thread a pair sweeping match/insert/delete columns along the haplotype, priors and transitions from a shared table of 10^(-q/10), log10 likelihoods; pairs a launch timed to about 30 ms")
_add("netflow", "networking", 0, ["rss"], "moreops18", "netflow",
     "software packet pipeline: 2^23 synthetic Ethernet/802.1Q/IPv4/TCP-UDP frames (with ARP, bad checksums, truncations) from 2^20 Zipf-like skewed flows made on the GPU, a thread a packet parsing headers with byte loads and bounds checks, IPv4 header checksum, bit-serial Toeplitz RSS hash with the Microsoft key, queue by indirection table, a 2^22-slot flow table claimed by 64-bit atomicCAS of a 5-tuple digest (linear probing), packet and byte counters by atomicAdd; packets a launch timed to about 30 ms")
# tuple-space packet classification, TPC-H Q1 on fixed-point DECIMAL columns, a 5 x 5 median filter and minimap2
# minimizer sketching (moreops19.py)
_add("tuplespace", "networking", 0, ["classify"], "moreops19", "tuplespace",
     "OVS-megaflow-style tuple-space packet classification: 4096 rules in 24 mask tuples (prefixes, ports and protocol exact or wildcarded), an open-addressing table a tuple keyed by the masked 5-tuple under a 64-bit integer hash, tuples in descending priority order; 2^24 packets from 2^20 skewed flows made on the GPU, a thread a packet probing each tuple's table and keeping the highest-priority match (early exit on priority), rule hit counters by atomicAdd; packets a launch timed to about 30 ms")
_add("decimal", "etl", 0, ["q1"], "moreops19", "decimal",
     "TPC-H Q1 on DECIMAL(15,2) columns stored as int64 fixed point: 2^26 lineitem rows made on the GPU as dbgen makes them, the ship-date filter, sum_qty, sum_base_price, sum_disc and 128-bit sums of disc_price and charge (64 x 64 -> 128-bit products by __umul64hi, adds with carries) by return flag and line status: per-thread group sums in registers, shuffle butterflies, shared then global atomicAdd with carries into int128 accumulators; rows a launch timed to about 30 ms")
_add("median", "imaging", 0, ["5x5"], "moreops19", "median",
     "5 x 5 median filter over 8 frames of 4096 x 4096 uint16 made on the GPU (ramps, noise, 2 % salt-and-pepper impulses): shared-memory tiles with replicated borders, a thread a pixel, the median of 25 register values by forgetful min/max selection (168 compare-exchanges); frames a launch timed to about 30 ms")
_add("minimizer", "genomics", 0, ["sketch"], "moreops19", "minimizer",
     "minimap2 (w,k)-minimizer sketching, w 10, k 15: 2^20 reads of 150-10000 bases (2.5 G bases) made on the GPU from a random genome with tandem repeats, substitutions and Ns, a thread a read: 2-bit forward and reverse-complement k-mers, hash64 (Thomas Wang's invertible integer hash) of the canonical one, minimap2's sliding-window minimum with identical-k-mer outputs, per-read counts and digests, a 2^14-bucket histogram by atomicAdd; reads a launch timed to about 30 ms")
# ChaCha20-Poly1305 record MACs, a SipHash-1-3 hash table of string keys, UTF-8 to UTF-16 transcoding and
# samtools-mpileup-style base counting (moreops20.py)
_add("poly1305", "security", 0, ["mac"], "moreops20", "poly1305",
     "ChaCha20-Poly1305 record authentication (RFC 8439, IPsec ESP style): 2^22 records of 64-1500 bytes (IMIX-like, 2.7 GB) made on the GPU under 4096 security associations, a thread a record: a one-time key by ChaCha20's block function (32-bit ARX), then Poly1305 over the AEAD MAC data with the 130-bit accumulator in three 64-bit limbs multiplied mod 2^130 - 5 (64 x 64 -> 128-bit products by __umul64hi, adds with carries, OpenSSL's base 2^64 reduction), 16-byte tags; records a launch timed to about 30 ms")
_add("siphash", "database", 0, ["table"], "moreops20", "siphash",
     "HashDoS-resistant hash table of string keys (Rust HashMap style): 2^24 keys of 8-64 bytes from a Zipf-like skewed 2^22-key vocabulary made on the GPU, SipHash-1-3 of each key (64-bit ARX), insert-or-count into a 2^23-slot open-addressing table claimed by 64-bit atomicCAS of (row, 7-bit hashbrown-style tag) with word-wise key compares on tag matches, count by atomicAdd, then 2^24 probes (an eighth of absent keys) with warp-ballot hit counts; keys a launch timed to about 30 ms")
_add("utf8", "etl", 0, ["transcode"], "moreops20", "utf8",
     "UTF-8 validation and transcoding to UTF-16 of a text column: 2^23 strings of 4-100 characters (ASCII, European, CJK, emoji; 1.6 % with an invalid sequence) made on the GPU, a thread a string classifying lead bytes, checking second-byte ranges and continuation bytes, decoding by shift and mask, counting UTF-16 units (invalid strings flagged by warp ballots), output offsets by prefix sum, then writing the units with surrogate pairs; strings a launch timed to about 30 ms")
_add("pileup", "genomics", 0, ["count"], "moreops20", "pileup",
     "samtools-mpileup-style base counting: 2^22 coordinate-sorted reads of 100-250 bases with BAM CIGARs (M/I/D/S: soft clips, indels) on a 2^24-base reference made on the GPU (about 43 x deep), duplicate and MAPQ filters, a thread a read walking its CIGAR and adding A/C/G/T/N/deletion counts of bases with quality >= 13 into 6 counters a position by atomicAdd; reads a launch timed to about 30 ms")
# Gorilla/Prometheus XOR compression of time series, protobuf wire-format decoding, a geohash point-in-cell join and
# Monte Carlo playouts of 9x9 Go (moreops21.py)
_add("gorilla", "timeseries", 0, ["xor"], "moreops21", "gorilla",
     "Facebook Gorilla / Prometheus XOR-chunk compression: 2^19 series of 120 samples (int64 ms timestamps with jitter, missed scrapes, stalls and restarts; float64 counters, gauges, near-constant and sensor values) made on the GPU, a thread a series: delta-of-delta timestamps in Prometheus' control-bit buckets (0, 14, 17, 20, 64 bits) and value XORs with leading/trailing-zero windows (clz/ffs), bit-packed MSB first into a per-series stream, then decoded bit by bit and compared with the input (mismatches by warp ballots, bucket counts by warp sums); series a launch timed to about 30 ms")
_add("protobuf", "etl", 0, ["decode"], "moreops21", "protobuf",
     "protobuf wire-format decoding into columns: 2^23 event messages (varint ids, zigzag sint32/sint64, fixed32/fixed64, a 0-24-byte string, a nested message, 10-byte negative int32 varints, proto3 omitted defaults, unknown fields to skip; 2/256 with a truncated varint) encoded on the GPU at Arrow-style offsets, a thread a message: varint tags and values, wire-type dispatch, bounds-checked length-delimited fields, the nested message parsed in its range, columns written, malformed messages counted by warp ballots; messages a launch timed to about 30 ms")
_add("geohash", "geospatial", 0, ["join"], "moreops21", "geohash",
     "geohash point-in-cell join: 2^24 fp64 points (clustered around 4096 city-like centres, 1/8 uniform) and a sorted table of non-overlapping 5- and 6-character geohash cells made on the GPU, a thread a point: exact 30-bit quantization of latitude and longitude, bit interleaving by magic masks, 12 base32 characters, the cell by binary search of the sorted starts and a range compare (counts a cell by atomicAdd, matches by warp ballots), the haversine distance to the cell's centre with fp64 differences and fp32 trigonometry; points a launch timed to about 30 ms")
_add("go", "games", 0, ["playout"], "moreops21", "go",
     "Monte Carlo playouts of 9x9 Go from the empty board (MCTS root statistics): a thread a playout on 81-bit bitboards in two 64-bit words, splitmix64 random moves (no suicide, simple ko, no filling of one's own eye), captures and liberties by shift-and-mask flood fills, two passes or 243 moves, Tromp-Taylor area scoring with komi 7.5, wins and visits of each first move by atomicAdd; divergent integer bit work with little memory traffic, playouts a launch timed to about 30 ms")
# Connect-4 end-game solving, multiprecision integer products, maximum cliques by Bron-Kerbosch on bitsets and an
# eBPF-style packet-filter interpreter (moreops22.py)
_add("connect4", "games", 0, ["solve"], "moreops22", "connect4",
     "Connect-4 end-game solving (Pascal Pons' bitboard solver): 2^20 positions of 26 random plies (16 empty cells) made on the GPU, a thread a position solved exactly by negamax with alpha-beta over the full window on 49-bit bitboards in a 64-bit word (winning cells by shift-and-AND alignment of three stones, moves by mask + bottom bit, an immediate win checked first, beta clamped to the best score still possible, centre-first move order), iterative on an explicit stack of frames in local memory, no transposition table; scores and nodes to memory, wins/draws/losses by warp ballots; positions a launch timed to about 30 ms")
_add("bignum", "science", 0, ["mul"], "moreops22", "bignum",
     "multiprecision integer arithmetic as binary splitting for a constant does it: T = A B + C D for 2^20 items of four 2048-bit operands (32 64-bit limbs, random, all-ones and sparse ones made on the GPU), a warp an item (CGBN-style, a lane a limb): operand scanning with the row's limbs broadcast by shuffles, 64 x 64 -> 128-bit products by the multiply and __umul64hi, low words and the lower lane's high words added into each lane's column with carry counts, the column window shifted down a lane a row, pending carries resolved by shuffles until a warp vote finds none, 4097-bit results in 65 limbs; no modular reduction, items a launch timed to about 30 ms")
_add("clique", "data", 0, ["bitset"], "moreops22", "clique",
     "maximum cliques of 2^16 small dense random graphs (64-128 vertices, density 0.75 falling to 0.5) made on the GPU, a warp a graph with its 128-bit adjacency rows in shared memory, each lane taking every 32nd vertex as a root: Bron-Kerbosch with Tomita pivoting (the vertex of P u X with the most neighbours in P) on two-word bitsets, iterative on an explicit stack in local memory, AND/popcount/ffs over the sets, branches pruned by the warp's best size in shared memory (atomicMax); the warp's largest clique by a warp max reduction to memory, nodes by warp sums; graphs a launch timed to about 30 ms")
_add("bpf", "networking", 0, ["interp"], "moreops22", "bpf",
     "an eBPF-style packet filter interpreter: 2^24 synthetic Ethernet frames (96-byte snapshots: IPv4 TCP/UDP/ICMP/GRE with options, fragments, 802.1Q tags, IPv6, ARP, LLDP, TCP flag anomalies, 1/64 malformed or cut inside their headers) made on the GPU, a thread a packet interpreting a 271-instruction filter program in eBPF's encoding (copied to shared memory) by a switch over 34 opcodes (ALU64/ALU32, 64-bit multiply, jumps and 32-bit jumps, bounds-checked 1/2/4-byte packet loads in network order) on 11 64-bit registers: Ethernet/VLAN/IPv4 parsing, sanity drops, 26 first-match ACL rules on prefixes, protocol and ports, an RSS-style queue hash for accepted packets; verdicts and steps to memory, rule hit counters in shared memory then global atomics; packets a launch timed to about 30 ms")
# Batched 0/1 knapsack by DP, Nussinov RNA folding, wavelet-matrix queries and a batched Sudoku solver (moreops23.py)
_add("knapsack", "science", 0, ["dp"], "moreops23", "knapsack",
     "batched 0/1 knapsack by dynamic programming as a logistics or scheduling solver runs it: 2^14 instances of 64-128 items (weights 1-255, values 1-1023) and capacities 1024-4095 made on the GPU, a 256-thread block an instance: the int32 DP row over capacities in shared memory, new[c] = max(old[c], old[c - w] + v) an item, the take decisions by warp ballots into a bit matrix in global memory, then the chosen set traced back from the capacity (optimum and a 128-bit mask to memory); instances a launch timed to about 30 ms")
_add("nussinov", "genomics", 0, ["fold"], "moreops23", "nussinov",
     "RNA secondary structure by Nussinov's base-pair maximisation: 2^16 random 2-bit packed sequences of 64-160 bases made on the GPU (pairs A-U, C-G, G-U, hairpins of at least 3), a 128-thread block a sequence filling the int16 triangle in shared memory an anti-diagonal at a time (O(n^3) integer split-point maxima, multiply-based triangle indexing, slices joined by xor shuffles), then a traceback on an explicit stack of intervals; sequences a launch timed to about 30 ms")
_add("wavelet", "database", 0, ["rank"], "moreops23", "wavelet",
     "a wavelet matrix over 2^26 skewed 8-bit symbols with Vigna's rank9 directories (8 levels, built on the GPU by block popcounts, cumsum and stable partitions), then batches of queries a thread each, a warp's 32 in one random window and of one kind: access, rank(c, i), select(c, j) (binary searches of the directory and an in-word select) and quantile(l, r, k); popcounts, shifts, masks and dependent loads of an 80 MiB structure; queries a launch timed to about 30 ms")
_add("sudoku", "games", 0, ["solve"], "moreops23", "sudoku",
     "a batched Sudoku solver as puzzle-generation services run it: 2^20 puzzles of 22-40 clues made on the GPU from the canonical grid by random validity-preserving transforms, a thread a puzzle: 9-bit row/column/box masks, naked and hidden singles to a fixed point, depth-first search on an explicit stack in local memory branching on the cell with fewest candidates (popcount, ffs), solutions counted up to 2, unique/multiple by warp ballots; puzzles a launch timed to about 30 ms")
# int8 GEMM by __dp4a, per-row top-k by radix select, integer-DDA voxel ray casting and BCH decoding (moreops24.py)
_add("dp4a", "dl_infer", 0, ["gemm"], "moreops24", "dp4a",
     "int8 inference GEMM on the CUDA cores (no tensor cores): 16384 tokens x 4096 int8 activations times a 4096 x 4096 int8 weight matrix, 128 x 128 tiles a 256-thread block with K staged through shared memory and 8 x 8 int32 accumulators a thread by __dp4a, then requantisation to int8 (bias, Q31 multiplier and shift in 64-bit integer arithmetic, rounding, ReLU, saturation); tiles a launch timed to about 30 ms")
_add("topk", "dl_infer", 0, ["radix"], "moreops24", "topk",
     "per-row top-k by radix select as LLM sampling and recommender ranking do: 8192 rows of 32768 float32 scores (ties, negatives, extremes) made on the GPU, k 64-256, a 1024-thread block a row: order-preserving uint32 keys, four passes of 8-bit digit histograms in shared memory (__match_any_sync groups, shared atomics), a scan to pick each digit, then an ordered compaction of the winners by ballots, popcounts and shuffle scans (ties to the lowest indices); rows a launch timed to about 30 ms")
_add("voxel", "rendering", 0, ["raycast"], "moreops24", "voxel",
     "ray casting through a 512^3 bit-packed voxel occupancy grid (16 MiB: a value-noise terrain and 160 boxes) made on the GPU: 2^22 rays in 16.16 fixed point, a thread a ray by Amanatides-Woo traversal with 64-bit integer tMax/tDelta, each step advancing one axis and testing one bit by shifts and ANDs, until a solid voxel, the grid's edge or 1024 steps; hits, misses and steps by warp ballots and sums; rays a launch timed to about 30 ms")
_add("bch", "storage", 0, ["decode"], "moreops24", "bch",
     "BCH decoding as an SSD/NAND flash controller does it: a (4408, 4096) binary BCH code over GF(2^13) correcting 24 errors, 2^20 codewords encoded on the GPU (a byte-wise table on a 312-bit register) with 0, 1-24 or 25-28 bit errors, a warp a codeword with the field's log/antilog tables in shared memory: syndromes by table lookups and warp XOR reductions, Berlekamp-Massey a lane a coefficient, a Chien search a lane a position with ballots, correction or a failure flag; codewords a launch timed to about 30 ms")
# Collatz glide verification, GIMPS trial factoring, deep-zoom fixed-point Mandelbrot and 15-puzzle IDA* (moreops25.py)
_add("collatz", "science", 0, ["verify"], "moreops25", "collatz",
     "Collatz-conjecture verification as the BOINC Collatz sieve clients run it: starting values from a random base in [2^70, 2^71), only the 226 residues of 2^12 that survive the 12-step sieve, a thread 256 values, each in 128-bit arithmetic (two 64-bit words, carries) jumping 12 steps at a time through a 2^12-entry (3^c, d) table in shared memory (128-by-20-bit multiplies by __umul64hi) until it drops below its start; jump sums, longest glides and highest values to memory, warp sums and atomicMax; items a launch timed to about 30 ms")
_add("mfaktc", "science", 0, ["trialfactor"], "moreops25", "mfaktc",
     "GIMPS trial factoring as mfaktc does it: candidates q = 2kp + 1 for four Mersenne exponents of 75-90 M (q up to 77 bits), 8192 k a 256-thread block sieved by 512 small primes in a shared-memory bitmap (atomicOr), survivors with q = +-1 mod 8 tested by 2^p mod q with left-to-right binary exponentiation in two-limb 128-bit Montgomery arithmetic (CIOS, __umul64hi chains, Newton inverse, modular doublings); counts, residue folds and factor hits to memory; blocks a launch timed to about 30 ms")
_add("mandelbrot", "rendering", 0, ["fixedpoint"], "moreops25", "mandelbrot",
     "deep-zoom Mandelbrot rendering in 128-bit two's-complement fixed point (120 fraction bits, no perturbation): four 1024 x 1024 views of 2^-24 to 2^-54 a pixel around a Seahorse-valley point, 16 x 16 tiles a block, a thread a pixel iterating z = z^2 + c with signed 128 x 128 -> 256-bit products from 64 x 64 -> 128-bit ones (__umul64hi, shifts, truncation), escape at |z|^2 > 4 or 4096 iterations; counts to memory, a shared-memory histogram by atomics; tiles a launch timed to about 30 ms")
_add("puzzle15", "games", 0, ["idastar"], "moreops25", "puzzle15",
     "the 15-puzzle solved optimally by IDA* with Manhattan distance + linear conflicts: 2^20 positions of 30-60 random moves made on the GPU, a board in a 64-bit word (4 bits a tile), a thread a position by iterative deepening on an explicit stack in local memory, nibble moves by shifts and masks, the heuristic updated incrementally, at most 2^18 nodes a position; lengths, heuristics and nodes to memory, solved by warp ballots; positions a launch timed to about 30 ms")
_add("copy", "copy", 0, ["h2d_pinned", "h2d_pageable", "d2h_pinned", "d2d"], "datawork", "copy", "1 GiB copies host to device (pinned, pageable), device to host, 4 GiB device to device")
_add("bursty", "interactive", 0, ["short", "long"], "datawork", "bursty",
     "bursts of 0.1-1.5 s (GEMM, sort or copy back) with idle gaps of 0.3-2 s (short) or 2-8 s (long)")
# interactive use with its own rhythms (interactive.py)
_add("serving", "interactive", 0, ["light", "busy", "large"], "interactive", "serving",
     "an LLM server under Poisson request arrivals (0.7 or 5 a second; prompts of 64-1024 tokens, 16-128 generated): the waiting requests batched (up to 16), prefilled and decoded greedily with a KV cache, a bf16 decoder of 8 layers, width 1024; large: a 7B-class decoder (32 layers, width 4096) at 1.5 a second, batches of up to 8; idle between batches")
_add("notebook", "interactive", 0, ["dataframe", "model"], "interactive", "notebook",
     "a notebook session: a cell, then 2-12 s of reading; dataframe cells on 16M Zipf-keyed rows (group-bys, a join by binary search, value counts, quantiles, rolling means, describe), or cells fitting a small MLP for 50-400 Adam steps; results to the host")
_add("sweep", "interactive", 0, ["mlp", "cnn"], "interactive", "sweep",
     "a hyperparameter sweep: trials of 4-10 s, each a fresh MLP or small residual CNN (width, depth, learning rate drawn), evaluated and checkpointed to the host, 1-3 s idle between trials")
_add("viz", "interactive", 0, ["fps30", "fps60"], "interactive", "viz",
     "an interactive volume viewer: each frame ray-marches a 256^3 fp16 volume (grid_sample, 96 steps, 384 x 512), composites front to back and copies the image to the host, then sleeps to the 30 or 60 fps deadline")
_add("idle", "idle", 0, ["ctx"], "datawork", "idle", "a process holding a CUDA context, doing nothing")
# hashing (the stand-in for mining)
_HASH_VARIANTS = ["full", "low", "throttled", "cycling", "poll", "short"]
for _fam, _doc in [
    ("dag", "memory-hard: 64-byte random reads from a 4 GiB table, FNV-32 mixing (Ethash-like)"),
    ("arx", "32-bit add/rotate/xor: BLAKE G function on a 16-word state"),
    ("keccak", "64-bit theta/rho/pi/chi/iota rounds on 25 lanes (Keccak-f[1600]-like)"),
    ("sha", "SHA-256-like compression: sigma, ch, maj, rolling message schedule"),
    ("mulxs", "64-bit multiply + xorshift chains on four lanes"),
    ("matrix", "HeavyHash-like: 64x64 4-bit matrix times a nibble vector (dp4a)"),
    ("mixed", "random-program: per-round choice of 11 math ops, shared-cache and 2 GiB table reads (KawPow-like)"),
]:
    _add("hash_" + _fam, "hash_" + _fam, 1, _HASH_VARIANTS, "hashing", "run", _doc, [_fam])
for _fam, _module, _doc in [
    ("scrypt", "hashing_memhard", "memory-hard: sequential ROMix (N=1024, Salsa20/8 BlockMix) on 64 KiB per-thread scratchpads (lookup gap 2; scrypt-like)"),
    ("equihash", "hashing_memhard", "bucketed collision search: 2^23 hashed items into 4096 buckets by atomics, 5 rounds of shared-memory counting sort + XOR of colliding pairs (Equihash-like)"),
    ("cuckoo", "hashing_memhard", "SipHash-2-4 edges of a 2^28-edge bipartite graph, node degrees by random byte atomics, leaf-edge trimming (Cuckoo-Cycle-like)"),
    ("chain", "hashing_program", "seven different round functions in sequence per nonce: BLAKE-like ARX, 64-bit Skein-like MIX, AES-like shared-memory T-table, Keccak-like chi, SHA-like, CubeHash-like, multiply (X11-like)"),
    ("randomx", "hashing_program", "random-program VM: per-hash 64-instruction programs of integer, fp64 (add, mul, div, sqrt, fma) and scratchpad ops on a 16 KiB per-thread scratchpad, 2 GiB dataset reads (RandomX-like)"),
    ("cnight", "hashing_more", "memory-hard, latency-bound: AES-round explode of a 512 KiB scratchpad a warp (4 GiB), then data-dependent 16-byte reads and writes with an AES round and a 64x64-bit multiply, AES implode (CryptoNight-like)"),
    ("argon", "hashing_more", "memory-hard, bandwidth-bound: a warp a lane of 512 1 KiB blocks (4 GiB), each block the BLAKE2b/fBlaMka compression of the previous and a data-dependent earlier one, shuffles for the row/column passes (Argon2d-like)"),
    ("x11", "hashing_more", "five full 512-bit hash functions chained per nonce: BLAKE-512-like, Groestl-like (8 KiB shared T-tables), Threefish-512 MIX, bit-sliced JH-like network, Keccak-512 (X11-like, wider than chain)"),
    ("autolykos", "hashing_more2", "memory-hard, bandwidth-bound: BLAKE2b-256 of (message, nonce) picks 32 random 32-byte elements of a 2 GiB table (BLAKE2b of the index, made on the GPU), summed as 256-bit integers with carries, BLAKE2b of the sum (Autolykos2-like)"),
    ("verthash", "hashing_more2", "memory-hard, latency-bound: SHA3-256 of the header, then 4096 dependent 32-byte reads from a 4 GiB data file, each address the FNV-1a of the running accumulator and the previous read, SHA3-256 of the folded words (Verthash-like)"),
    ("lyra2", "hashing_more2", "cache-resident memory-hard chain: BLAKE-256-like, Lyra2 (a 4x4x12-word matrix a thread, BLAKE2b-round sponge, setup and data-dependent wandering reads and writes), CubeHash-like, Lyra2 again (Lyra2REv3-like)"),
    ("kawpow", "hashing_more3", "ProgPoW program per period (KISS99 from the period, emitted as CUDA and compiled; 11 shared-cache reads, 18 random math ops, merges), 16 threads a hash sharing 256-byte entries of a 4 GiB Keccak-f[800] DAG by shuffles, Keccak-f[800] at both ends (KawPoW-like)"),
    ("nexapow", "hashing_more3", "SHA-256 of the nonce as a scalar k, k * G on secp256k1 (Jacobian double-and-add, 8 x 32-bit limb field multiply and reduction, Fermat inversion), SHA-256 of x: 256-bit modular multiply chains, no memory (NexaPow-like)"),
    ("octopus", "hashing_more3", "Ethash-like 64-byte reads from a 4 GiB Keccak-f[800] DAG, 64 a hash, each mixed by 16 degree-15 polynomial evaluations mod 2^32 - 5 (Horner, 32 x 32 -> 64-bit multiplies), Keccak-f[800] at both ends (Octopus-like)"),
    ("yescrypt", "hashing_more4", "PBKDF2-HMAC-SHA256, then ROMix (N=2048, r=8: 2 MiB a hash) whose BlockMix is pwxform: per-hash 8 KiB S-box reads at data-dependent indices and 32x32->64-bit multiplies, Salsa20/2 by shuffles, 4 threads a hash (Yescrypt/YespowerR8-like)"),
    ("sha512d", "hashing_more4", "double SHA-512/256 of an 80-byte header: 64-bit ARX (adds as 32-bit pairs with carries, rotations as funnel shifts), no memory (Radiant SHA512/256d-like)"),
    ("verus", "hashing_more4", "Haraka-512-like permutations (AES rounds by shared-memory T-tables, MIX4) fill an 8 KiB key table a thread, then CLHash-like data-dependent key reads with a software 64x64 carry-less multiply XORed back (VerusHash 2.x-like)"),
    ("xelis", "hashing_more4", "ChaCha8-filled 64 KiB scratchpad a thread, 12288 data-dependent read-modify-write steps switching on the data between 16 ops (64-bit multiply, rotations, divisions, modulos), SHA3-256 of the fold (XelisHash-v2-like)"),
    ("cngpu", "hashing_more5", "memory-hard, latency-bound with FP32: Keccak-seeded AES-round explode of a 2 MiB scratchpad a hash (6.2 GiB), 16384 data-dependent 64-byte line reads by 16 lanes, FP32 multiply-add and division over 16 floats with the bits XORed back, AES implode, Keccak (CryptoNight-GPU-like)"),
    ("neoscrypt", "hashing_more5", "keyed-BLAKE2s FastKDF into local-memory rings, then two ROMix passes (N=128, r=2: 32 KiB a hash) with ChaCha20/20 and Salsa20/20 BlockMix, XORed, FastKDF again: 32-bit ARX over a small scratchpad (NeoScrypt-like)"),
    ("fishhash", "hashing_more5", "memory-hard, bandwidth-bound: BLAKE3 of the header as a 16-word mix, 32 rounds of three random 64-byte reads from a 4 GiB Keccak-f[1600] DAG mixed by FNV, BLAKE3 of the mix (FishHash-like)"),
    ("cuckatoo", "hashing_more5", "standard SipHash-2-4 edges of a 2^29-edge bipartite graph, lean trimming on bitmaps: 2-bit node degree counters (two 64 MiB bitmaps) by random atomicOr, degree-1 edges cleared in a 64 MiB alive bitmap, survivors counted (Cuckatoo-like)"),
    ("astrobwt", "hashing_more6", "sort-heavy: Salsa20/20 keystream keyed by SHA3-256 of the header (9973 bytes, then 96-128 KiB keyed by stage 1's digest), each suffix-sorted by six stable LSD radix passes over (47-bit prefix, index) keys (shared histograms, __match_any_sync ranks, three block barriers a tile, 2 MiB of keys a hash), tie runs insertion-sorted by whole suffixes, the BWT hashed by SHA3-256 leaves and root; a 256-thread block a hash (AstroBWT-like)"),
    ("balloon", "hashing_more6", "memory-hard, latency-bound: Balloon-M with 32 instances a hash (a warp), each s_cost 2048 32-byte blocks (64 KiB; 2 MiB a hash), t_cost 2, delta 3, H = BLAKE2s-256 of a counter and the inputs: a serial BLAKE2s chain with random 32-byte reads at salt-derived indices, XOR across the warp (Balloon-hashing-like)"),
    ("ghostrider", "hashing_more6", "15 512-bit functions in an order from a previous block hash that changes every 8 s (BLAKE2b-512, SHA3-512, SHA-512, Groestl-like 64-bit T-tables, Haraka-like AES, Threefish-512, CubeHash-like, Shabal-like), a CryptoNight-like loop after every fifth (256 KiB-1 MiB scratchpad a thread, AES explode and implode, 4096-8192 dependent read-AES-multiply-write iterations) (GhostRider-like)"),
    ("mtp", "hashing_more6", "memory-hard, bandwidth-bound: a 4 GiB memory of 1 KiB blocks filled Argon2d-style (64 lanes a warp each, fBlaMka rounds through shared memory, data-dependent references) and Merkle-hashed (BLAKE2b-256) for each job (every 10 s), then a thread a nonce: 64 data-dependent 1 KiB block reads chained by BLAKE2b-256 from a header holding the Merkle root (MTP-like)"),
    ("tensority", "hashing_more7", "SHA3-256 of the header seeds data-dependent picks among 32 int8 256x256 matrices (2 MiB, L2-resident): 8 matrix-vector products with __dp4a int32 accumulation and requantisation to int8, then SHA3-256 of the vector and seed (Tensority-like)"),
    ("lbry", "hashing_more7", "SHA-256d of a 112-byte header, SHA-512, RIPEMD-160 of each half (two parallel 80-step lines, five boolean functions), SHA-256d of the 40 bytes: three compression functions, no memory (LBRY-like)"),
    ("eaglesong", "hashing_more7", "sponge over 16 32-bit words, 43 rounds a permutation: straight-line XORs of a 16x16 GF(2)-invertible bit matrix, circulant rotations, injected round constants, add-rotate-add on word pairs; 3 blocks absorbed, 256 bits squeezed (Eaglesong-like)"),
    ("odocrypt", "hashing_more7", "84-round Feistel-like cipher over the 640-bit header with a program regenerated every 8 s (two 8-bit S-boxes in shared memory, 840 round-key words, delta-swap bit permutations, per-word rotations), then SHA3-256 (Odocrypt-like)"),
]:
    _add("hash_" + _fam, "hash_" + _fam, 1, _HASH_VARIANTS, _module, "run", _doc, [_fam])

REGISTRY = {w.name: w for w in _W}

VARIANT_NOTES = {
    "full": "8 blocks of 256 threads per SM, launches back to back",
    "low": "one 64-thread block per SM",
    "throttled": "launches for 0.12 s then sleeps 0.18 s (40 % duty)",
    "cycling": "4 s at full load, 4 s idle, repeating",
    "poll": "launches of about 2 ms, the found-nonce counter read back to the host after each, the nonce range moved every 2 s (a pool miner's search loop)",
    "short": "launches of about 0.3 ms (a few hashes a thread), each waited for: thousands a second, the host's launch overhead between them",
}


def resolve(spec):
    """'NAME[/VARIANT]' -> (Workload, variant); the first variant when none is given."""
    name, _, variant = spec.partition("/")
    if name not in REGISTRY:
        raise KeyError(f"unknown workload {name!r}; known: {', '.join(sorted(REGISTRY))}")
    w = REGISTRY[name]
    variant = variant or w.variants[0]
    if variant not in w.variants:
        raise KeyError(f"workload {name!r} has no variant {variant!r}; its variants: {', '.join(w.variants)}")
    return w, variant


def markdown():
    rows = ["| workload | family | label | variants | what it does |", "|---|---|---:|---|---|"]
    for w in _W:
        rows.append(f"| `{w.name}` | {w.family} | {w.label} | {', '.join(w.variants)} | {w.doc} |")
    rows.append("")
    rows.append("Hashing variants: " + "; ".join(f"`{k}` {v}" for k, v in VARIANT_NOTES.items()) + ".")
    return "\n".join(rows)
