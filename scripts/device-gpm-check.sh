#!/usr/bin/env bash
# On a GPU machine: the GPM keys of `abp collect --gpm=nvml`, of
# `abp collect --gpm=dmon` and of the shared capture.py, recorded over the same
# seconds while capture.py runs a schedule of workloads, compared key for key
# (scripts/compare-gpm-records.mjs); then the cost and the values of the two
# sources under load (scripts/bench-gpm.mjs). Prints a report; writes the
# records (gzipped), the comparison and the bench figures under $OUT.
#
# Needs, in the repository root: node on PATH; dist/ (npm run build:ts); the
# addon in build/Release; production node_modules (or
# .devcarry/abp-node_modules.tar.xz, unpacked here when node_modules is
# missing); .shared-capture/ = a copy of ../shared/tools/capture (capture.py,
# workloads.py; ignored by git); python3, with torch and cupy for the loads;
# stdbuf. Env: SCHEDULE (capture.py's, default below), BUDGET (capture.py's
# time budget, s), BENCH_SECONDS (per bench phase), LOAD (the bench's load
# command; empty for none).
#
# `scripts/device-gpm-check.sh prepare` (here, on the development machine)
# builds dist/, packs node and the production node_modules into .devcarry/,
# copies the capture tool into .shared-capture/, and prints the device command.
set -uo pipefail
cd "$(dirname "$0")/.."

if [[ ${1:-} == prepare ]]; then
  set -e
  shared=${SHARED:-/work/shared}
  prefix=$(bash "$shared/tools/device/prepare-carry.sh")
  npm run --silent build:ts || echo "tsc reported type errors (see above); dist/ was emitted anyway" >&2
  source scripts/device-node-modules.sh
  pack_prod_node_modules
  rm -rf .shared-capture && cp -rL "$shared/tools/capture" .shared-capture
  ls build/Release/*.node >/dev/null || { echo "no addon in build/Release: npm run build:native first" >&2; exit 1; }
  du -sh .devcarry .shared-capture dist build/Release >&2
  echo "run: carry [\".devcarry\", \".shared-capture\", \"dist\", \"build/Release\"], timeout_s 600, command:"
  echo "$prefix bash scripts/device-gpm-check.sh 2>&1 | tee \$OUT/log"
  exit 0
fi

OUT=${OUT:-$PWD/out}
mkdir -p "$OUT"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
SCHEDULE=${SCHEDULE:-idle/0:15,matmul/0:35,pow_compute/0:35}
BUDGET=${BUDGET:-115}
BENCH_SECONDS=${BENCH_SECONDS:-25}
# The bench's load: a steady bf16 training loop (scripts/workloads), else capture's matmul.
LOAD_SECONDS=$((BENCH_SECONDS * 3 + 40))
if [[ -f scripts/workloads/run.py ]]; then
  LOAD=${LOAD-python3 scripts/workloads/run.py train_mlp/bf16 $LOAD_SECONDS}
else
  LOAD=${LOAD-python3 .shared-capture/workloads.py matmul $LOAD_SECONDS 0}
fi

say() { printf '\n=== %s\n' "$*"; }

command -v node >/dev/null || { echo "node is not on PATH" >&2; exit 1; }
[[ -f dist/cli/main.js ]] || { echo "dist/ is missing: run npm run build:ts and carry dist" >&2; exit 1; }
if [[ ! -d node_modules && -f .devcarry/abp-node_modules.tar.xz ]]; then tar -xJf .devcarry/abp-node_modules.tar.xz; fi
[[ -d node_modules ]] || { echo "node_modules is missing (carry .devcarry/abp-node_modules.tar.xz)" >&2; exit 1; }
[[ -f .shared-capture/capture.py ]] || { echo ".shared-capture/capture.py is missing: cp -r ../shared/tools/capture .shared-capture" >&2; exit 1; }
ABP=(node dist/cli/main.js)

say "GPU and driver"
nvidia-smi -L
nvidia-smi --query-gpu=name,driver_version,uuid,pci.bus_id,mig.mode.current --format=csv,noheader
node -e "const a=require('./build/Release/abp_fil.node'); a.nvml.open(process.env.ABP_NVML_LIBRARY||'libnvidia-ml.so.1').then(async s=>{console.log(JSON.stringify(s.info()));await s.close()},e=>console.log('NVML:',e.message))"

say "abp collect --gpm=nvml, abp collect --gpm=dmon and capture.py ($SCHEDULE) over the same seconds"
python3 .shared-capture/capture.py "$SCHEDULE" "$WORK/capture.jsonl" 1 "$BUDGET" > "$WORK/capture.log" 2>&1 &
cap=$!
PIDS+=("$cap")
"${ABP[@]}" collect --interval=1s --gpm=nvml -o "$WORK/nvml.jsonl" 2> "$WORK/nvml.err" &
PIDS+=($!)
"${ABP[@]}" collect --interval=1s --gpm=dmon -o "$WORK/dmon.jsonl" 2> "$WORK/dmon.err" &
PIDS+=($!)
t0=$(date +%s)
wait "$cap"
echo "capture.py rc=$? after $(($(date +%s) - t0)) s:"
sed 's/^/  /' "$WORK/capture.log"
# abp collect stops cleanly on SIGINT (the file keeps every whole sample).
kill -INT "${PIDS[1]}" "${PIDS[2]}"
wait "${PIDS[1]}"; echo "abp collect --gpm=nvml rc=$?"
wait "${PIDS[2]}"; echo "abp collect --gpm=dmon rc=$?"
echo "notices:"; sed 's/^/  nvml: /' "$WORK/nvml.err"; sed 's/^/  dmon: /' "$WORK/dmon.err"
node scripts/compare-gpm-records.mjs nvml="$WORK/nvml.jsonl" dmon="$WORK/dmon.jsonl" capture="$WORK/capture.jsonl" --reference capture | tee "$OUT/compare.txt"
echo "compare rc=${PIPESTATUS[0]}"
for f in nvml dmon capture; do gzip -c "$WORK/$f.jsonl" > "$OUT/$f.jsonl.gz"; done
echo "records: $(ls -la "$OUT"/*.jsonl.gz | awk '{print $NF, $5}' | tr '\n' ' ')"

say "bench: NVML vs nvidia-smi dmon, ${BENCH_SECONDS} s per phase, load: ${LOAD:-none}"
if [[ -n $LOAD ]]; then
  node scripts/bench-gpm.mjs --seconds "$BENCH_SECONDS" --interval 1000 --load "$LOAD" --json "$OUT/bench.json"
else
  node scripts/bench-gpm.mjs --seconds "$BENCH_SECONDS" --interval 1000 --json "$OUT/bench.json"
fi
echo "bench rc=$?"
say "done"
