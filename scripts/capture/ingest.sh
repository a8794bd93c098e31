#!/usr/bin/env bash
# Ingest one capture that run-capture.py recorded on the GPU machine, in the order the project does it:
#   1. what ran: the run's meta.json (episodes, failed, skipped, collect's exit status) and each episode's rc;
#   2. the logs read for trouble: tracebacks, errors, self-checks that did not agree ("agree: False"), and
#      how many "agree: True" each log printed (new kernels must show theirs before their episodes are trusted);
#   3. the labelled file data/nvsmi-GPU-gpm-NAME.jsonlines.gz (scripts/capture/label.ts), GPU the card's model
#      as meta.json names it (h200, h100; the device machine is not always an H200);
#   4. the forward test: the GPM model as shipped (trained without this capture) scored on it, per sample and
#      per episode through abp watch's alert logic; then abp watch itself replayed, its job history on and off;
#   4c. abp watch replayed again, per stretch of one workload: flagged, held and alerted, the alert hold on and off;
#   4d. where else each workload was recorded: the captures, GPUs and chips that hold it (or new to the project);
#   5. the capture's row for data/README.md's table.
#
#   bash scripts/capture/ingest.sh CAPTURE NAME [--drop-failed] [--force]
#
# CAPTURE is run-capture.py's output folder or a .tar.gz of it (as the device run brings it back). Stops
# before labelling when an episode failed or a log shows trouble, unless --force: read the logs, then decide.
# --drop-failed labels the rest and leaves out every record of a failed episode (label.ts --drop-failed);
# trouble in a failed episode's own logs (NN-*.log, NN its place in the schedule) is then expected, trouble
# in any other log still stops it (unless --force too).
# Refuses to overwrite an existing data file. ABP_DATA_DIR (default data) is where the labelled file goes.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() { echo "usage: bash scripts/capture/ingest.sh CAPTURE_DIR_OR_TAR_GZ NAME [--drop-failed] [--force]" >&2; exit 2; }
[ $# -ge 2 ] || usage
src=$1 name=$2 force='' drop=''
shift 2
for opt in "$@"; do
  case $opt in
    --force) force=1 ;;
    --drop-failed) drop=1 ;;
    *) usage ;;
  esac
done
[[ $name =~ ^[a-z0-9]+$ ]] || { echo "ingest: NAME must be lower-case letters and digits, got '$name'" >&2; exit 2; }
PY=${ABP_TRAIN_PYTHON:-/usr/bin/python3}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -d "$src" ]; then
  cap=$src
elif [[ $src == *.tar.gz ]] && [ -f "$src" ]; then
  tar -xzf "$src" -C "$work"
  cap=$(find "$work" -mindepth 1 -maxdepth 2 -name meta.json -printf '%h\n' | head -1)
  [ -n "$cap" ] || { echo "ingest: no meta.json in $src" >&2; exit 1; }
else
  echo "ingest: $src is neither a capture folder nor a .tar.gz" >&2; exit 1
fi
for f in meta.json episodes.jsonl telemetry.jsonlines; do
  [ -f "$cap/$f" ] || { echo "ingest: $cap/$f is missing" >&2; exit 1; }
done
# The card's model from meta.json's first GPU ("NVIDIA H100 80GB HBM3, 580.159.04, 0" -> h100), so that a
# capture from another kind of GPU is never filed as an H200's.
gpu=$("$PY" -c 'import json, re, sys
g = (json.load(open(sys.argv[1])).get("gpus") or [""])[0]
m = re.search(r"\b([A-Z][0-9]{2,4})\b", g.split(",")[0])
print(m.group(1).lower() if m else "")' "$cap/meta.json")
[ -n "$gpu" ] || { echo "ingest: $cap/meta.json names no GPU model (gpus)" >&2; exit 1; }
out=${ABP_DATA_DIR:-data}/nvsmi-$gpu-gpm-$name.jsonlines.gz
[ ! -e "$out" ] || { echo "ingest: $out exists; remove it first to label again" >&2; exit 1; }
for other in "${ABP_DATA_DIR:-data}"/nvsmi-*-gpm-"$name".jsonlines.gz; do
  [ ! -e "$other" ] || { echo "ingest: $other already holds a capture named $name" >&2; exit 1; }
done

echo "== 1. what ran ($cap)"
trouble=0
# Also writes the failed episodes' places in the schedule (NN, as their logs are named) to $work/failed.
"$PY" - "$cap" "$drop" "$work/failed" <<'EOF' || trouble=1
import json, sys
cap = sys.argv[1]
m = json.load(open(f"{cap}/meta.json"))
eps = [json.loads(l) for l in open(f"{cap}/episodes.jsonl") if l.strip()]
failed = [e for e in eps if e.get("rc") != 0]
with open(sys.argv[3], "w") as f:
    f.write(" ".join(f"{i:02d}" for i, e in enumerate(eps)
                     if e.get("rc") != 0 or any(p.get("rc") not in (0, None) for p in e.get("parts") or [])))
print(f"schedule {m.get('schedule')}, {len(eps)} episodes, {len(failed)} failed, "
      f"{len(m.get('skipped') or [])} skipped {m.get('skipped') or ''}, collect rc {m.get('collect_rc')}, gpus {m.get('gpus')}")
for e in failed:
    print(f"  FAILED {e['workload']!r}: rc {e.get('rc')}" + (" (its records left out)" if sys.argv[2] else ""))
sys.exit(1 if (failed and not sys.argv[2]) or m.get("collect_rc") != 0 else 0)
EOF
failed_eps=$(cat "$work/failed")

echo "== 2. the logs"
# Without the workloads' logs nothing says their self-checks agreed: stop (a device run that brings back only
# some files loses them; tar the capture folder there, which this script reads as it is).
if ! compgen -G "$cap/logs/*.log" > /dev/null; then
  echo "  no logs in $cap/logs: the self-checks cannot be read"
  trouble=1
fi
for log in "$cap"/logs/*.log; do
  [ -f "$log" ] || continue
  [ "$(basename "$log")" = collect.log ] && continue
  ok=$(grep -c 'agree: True' "$log" || true)
  # "frame error", "standard error", "max error 3.8e-08", "worst relative error 4.9e-04" and "(no errors)" are words
  # of benign summaries (Viterbi, HyperLogLog, a numerical check, the packet filter's counters), not failures: they
  # are cut out of the line, not the line dropped, so an "agree: False" beside them is still seen.
  bad=$(sed -E 's/(frame|standard|bit|max|worst( relative)?) error( [0-9.eE+-]+)?|error rate|\(no errors\)//gI' "$log" |
    grep -iE 'traceback|error|agree: false|: False\b' | grep -v 'UserWarning' | head -3 || true)
  nn=$(basename "$log"); nn=${nn%%-*}
  if [ -n "$bad" ] && [ -n "$drop" ] && [[ " $failed_eps " == *" $nn "* ]]; then
    echo "  $(basename "$log"): trouble in a failed episode (its records left out)"
  elif [ -n "$bad" ]; then
    trouble=1
    echo "  $(basename "$log"): TROUBLE"
    printf '%s\n' "$bad" | cut -c1-200 | sed 's/^/      /'
  elif [ "$ok" -gt 0 ]; then
    echo "  $(basename "$log"): agree: True x$ok"
  fi
done
if [ "$trouble" -ne 0 ] && [ -z "$force" ]; then
  echo "ingest: something failed or a log shows trouble (above); read the logs, then run again with --force to label anyway, or --drop-failed to leave out the failed episodes" >&2
  exit 1
fi

echo "== 3. label -> $out"
npx tsx scripts/capture/label.ts "$cap" "$out" ${drop:+--drop-failed} | grep -E ' records|left out|warning' || true

echo "== 4. forward test with the shipped model"
npx tsx scripts/make-features.ts --input "$out" --columns scripts/gpm/columns.txt \
  --derived scripts/gpm/derived_fil.txt --out "$work/fwd" >/dev/null
"$PY" scripts/forward-test.py --features "$work/fwd"
npx tsx scripts/eval-episodes.ts --features "$work/fwd" --probs forward.f32 --held-out "nothing (the shipped model)"
echo "== 4b. forward test of abp watch as shipped, job history and pair window on and off (scripts/gpm/forward-history.py)"
"$PY" scripts/gpm/forward-history.py "$out"
echo "== 4c. abp watch as shipped over each stretch of one workload, the alert hold on and off (scripts/gpm/watch-segments.py)"
"$PY" scripts/gpm/watch-segments.py "$out"

echo "== 4d. where else each workload was recorded (scripts/capture/where-recorded.py)"
"$PY" scripts/capture/where-recorded.py "$out" "${ABP_DATA_DIR:-data}" \
  "${ABP_SHARED_DATA:-../shared/data}/nvsmi-h200-gpm-train.jsonlines.gz"

echo "== 5. data/README.md row"
"$PY" - "$cap" "$out" "$name" <<'EOF'
import datetime, gzip, json, sys
cap, out, name = sys.argv[1:4]
m = json.load(open(f"{cap}/meta.json"))
eps = [json.loads(l) for l in open(f"{cap}/episodes.jsonl") if l.strip()]
recs = [json.loads(l) for l in gzip.open(out, "rt")]
gpus = sorted({r.get("nvidia_smi_log.gpu.uuid", "?") for r in recs})
driver = (m.get("gpus") or ["?, ?"])[0].split(", ")[1] if m.get("gpus") else "?"
model = (m.get("gpus") or ["?"])[0].split(", ")[0]
start = datetime.datetime.fromtimestamp(m["started"], datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
failed = sum(1 for e in eps if e.get("rc") != 0)
print(f"| `{out.split('/')[-1]}` | `schedules/{m.get('schedule')}` | {start}, {round(m['ended'] - m['started'])} s | "
      f"{driver} / 13.0 | {model} ({', '.join(g[:12] + '…' for g in gpus)}) | {len(recs):,} | "
      f"{sum(1 for r in recs if r.get('label') == 1):,} | {len(eps)} ({failed}, {len(m.get('skipped') or [])}) |")
EOF
