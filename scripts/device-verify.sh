#!/usr/bin/env bash
# The GPU machine's checks in one unattended run (the H200 reached through the
# device tool): each step bounded in time, its output in $OUT/<step>.log and a
# summary at the end. Steps (STEPS, comma list; default all):
#   gputests   the GPU and Triton test files under vitest (Triton: TRITON_HOME,
#              default .triton-cuda13 unpacked from .devcarry/triton-cuda13.tar.xz)
#   gpm        scripts/device-gpm-check.sh, short: NVML vs dmon vs capture.py
#   triton     scripts/bench-triton.ts --device gpu (Triton FIL vs the CUDA engine)
#   gpu        scripts/bench-gpu.ts up to 1M rows
#   latency    scripts/bench-gpu-latency.ts: per-call breakdown at 1k/4k/10k rows, every
#              small-batch switch, Triton FIL beside (not in the default STEPS; LATENCY_ARGS)
#   pipeline   scripts/bench-pipeline.ts (cores scaling), when it exists
#
# `scripts/device-verify.sh prepare` (here) packs node, node_modules with the
# test runner, and the CUDA Triton into .devcarry/ and prints the run.
set -uo pipefail
cd "$(dirname "$0")/.."

if [[ ${1:-} == prepare ]]; then
  set -e
  shared=${SHARED:-../shared}
  prefix=$(bash "$shared/tools/device/prepare-carry.sh")
  npm run --silent build:ts
  tar -cf - --exclude=node_modules/typescript --exclude=node_modules/@types --exclude=node_modules/cmake-js \
    --exclude=node_modules/prebuildify --exclude=node_modules/tar --exclude=node_modules/node-api-headers node_modules |
    xz -T0 -4 > .devcarry/nm.tar.xz
  tar -cf - -C "$shared/triton" linux-x64-cuda13 | xz -T0 -1 > .devcarry/triton-cuda13.tar.xz
  rm -rf .shared-capture && cp -rL "$shared/tools/capture" .shared-capture
  echo "carry: [\".devcarry/node.xz\", \".devcarry/nm.tar.xz\", \".devcarry/triton-cuda13.tar.xz\", \".shared-capture\", \"dist\", \"build/Release\"]"
  echo "command: $prefix bash scripts/device-verify.sh"
  exit 0
fi

OUT=${OUT:-$PWD/out}
mkdir -p "$OUT"
STEPS=${STEPS:-gputests,gpm,triton,gpu,pipeline}
export NO_COLOR=1
[[ -d node_modules ]] || tar -xJf .devcarry/nm.tar.xz
if [[ ! -d .triton-cuda13 && -f .devcarry/triton-cuda13.tar.xz ]]; then
  mkdir -p .triton-cuda13 && tar -xJf .devcarry/triton-cuda13.tar.xz -C .triton-cuda13 --strip-components=1
fi
export TRITON_HOME=${TRITON_HOME:-$PWD/.triton-cuda13}
summary=()
step() { # name timeout command...
  local name=$1 limit=$2
  shift 2
  [[ ",$STEPS," == *",$name,"* ]] || return 0
  local t0=$SECONDS
  timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  summary+=("$name: rc=$rc in $((SECONDS - t0)) s")
  echo "== $name (rc=$rc, $((SECONDS - t0)) s)"
  grep -vE '^[IWE][0-9]{4} ' "$OUT/$name.log" | tail -${TAIL:-25}
}
nvidia-smi -L
step gputests ${GPUTESTS_S:-150} node node_modules/vitest/vitest.mjs run test/gpu-engine.test.ts test/pipeline-device.test.ts test/triton-server.test.ts test/triton-fil.test.ts
step gpm ${GPM_S:-120} env SCHEDULE="${GPM_SCHEDULE:-idle/0:6,matmul/0:15,pow_compute/0:15}" BUDGET=${GPM_BUDGET:-45} BENCH_SECONDS=${GPM_BENCH_S:-8} OUT="$OUT/gpm" bash scripts/device-gpm-check.sh
step triton ${TRITON_S:-90} node --import tsx scripts/bench-triton.ts --device gpu
step gpu ${GPU_S:-60} node --import tsx scripts/bench-gpu.ts --max-rows 1000000
step latency ${LATENCY_S:-300} node --import tsx scripts/bench-gpu-latency.ts --out "$OUT/latency.json" ${LATENCY_ARGS:-}
[[ -f scripts/bench-pipeline.ts ]] && step pipeline ${PIPELINE_S:-120} node --import tsx scripts/bench-pipeline.ts ${PIPELINE_ARGS:-}
# At most 8 files come back from the device tool: the GPM check's files go as one archive.
[[ -d "$OUT/gpm" ]] && tar -czf "$OUT/gpm.tgz" -C "$OUT" gpm && rm -rf "$OUT/gpm"
printf '%s\n' "${summary[@]}"
