#!/usr/bin/env bash
# A first run of workloads on the GPU machine, before a capture depends on them:
#   scripts/capture/smoke.sh SECONDS NAME/VARIANT...
# runs each for SECONDS (scripts/workloads/run.py, bounded by a timeout of SECONDS + 60 for compiling and
# start-up) and prints its exit status and the last lines it wrote, where the summary and the self-checks
# (`agree: True`) are. A workload that has never run on a GPU can fail in ways a CPU replay cannot show
# (launch limits, shared memory, register spills, timing calibration); one short call finds that out before
# a 9-minute capture spends its budget on it. Exits 1 if any workload failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
if (( $# < 2 )); then
  echo "usage: scripts/capture/smoke.sh SECONDS NAME/VARIANT..." >&2
  exit 2
fi
seconds=$1
shift
failed=0
for w in "$@"; do
  start=$(date +%s.%N)
  out=$(timeout $((${seconds%.*} + 60)) python3 scripts/workloads/run.py "$w" "$seconds" 2>&1)
  rc=$?
  wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  echo "== $w: exit $rc, ${wall} s"
  printf '%s\n' "$out" | tail -n 4 | cut -c1-400 | sed 's/^/   /'
  (( rc == 0 )) || failed=1
done
exit $failed
