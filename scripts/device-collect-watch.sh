#!/usr/bin/env bash
# On a GPU machine: `abp collect --count=5` against the real nvidia-smi, a
# check that its records equal capture.py's flattening of the same document,
# and `abp watch` while a schedule of benign and hashing workloads runs.
#
# Needs, in the repository root: node on PATH, node_modules (production deps),
# dist/ (npm run build:ts), the addon (build/ or prebuilds/), python3; for the
# workloads, python3 with torch and cupy and a copy of
# shared/tools/capture/workloads.py at $WORKLOADS (default .devcarry/workloads.py).
# Writes everything under $OUT (default ./out) and prints a summary.
# Env: PHASES="name/variant:seconds,..." (default below), INTERVAL (default 500ms).
#
# `scripts/device-collect-watch.sh prepare` (here, on the development machine)
# packs what the GPU machine lacks into .devcarry/ (ignored): node (node.xz),
# production node_modules (abp-node_modules.tar.xz), workloads.py; builds
# dist/; and prints the device command.
set -uo pipefail
cd "$(dirname "$0")/.."

if [[ ${1:-} == prepare ]]; then
  set -e
  shared=${SHARED:-../shared}
  prefix=$(bash "$shared/tools/device/prepare-carry.sh")
  npm run --silent build:ts || echo "tsc reported type errors (see above); dist/ was emitted anyway" >&2
  source scripts/device-node-modules.sh
  pack_prod_node_modules
  cp "$shared/tools/capture/workloads.py" .devcarry/workloads.py
  ls build/Release/*.node >/dev/null || { echo "no addon in build/Release: npm run build:native first" >&2; exit 1; }
  ls -la .devcarry >&2
  echo "run: carry [\".devcarry/node.xz\", \".devcarry/abp-node_modules.tar.xz\", \".devcarry/workloads.py\", \"dist\", \"build/Release\"], timeout_s 600, command:"
  echo "$prefix tar -xJf .devcarry/abp-node_modules.tar.xz && bash scripts/device-collect-watch.sh 2>&1 | tee \$OUT/log"
  exit 0
fi
OUT=${OUT:-$PWD/out}
mkdir -p "$OUT"
# $OUT keeps at most 7 files (the device tool returns 8); scratch goes here.
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
WORKLOADS=${WORKLOADS:-.devcarry/workloads.py}
INTERVAL=${INTERVAL:-500ms}
PHASES=${PHASES:-idle/0:15,pow_dag/0:45,matmul/0:30,pow_compute/0:40,train_resnet/0:30,idle/0:15}

say() { printf '\n=== %s\n' "$*"; }

command -v node >/dev/null || { echo "node is not on PATH" >&2; exit 1; }
[[ -f dist/collect/flatten.js ]] || { echo "dist/ is missing: run npm run build:ts and carry dist" >&2; exit 1; }

# The CLI: dist/cli/main.js when it registers collect and watch, else the two
# command modules on yargs directly.
if [[ -f dist/cli/main.js ]] && node dist/cli/main.js collect --help >/dev/null 2>&1 && node dist/cli/main.js watch --help >/dev/null 2>&1; then
  ABP=(node dist/cli/main.js)
else
  cat > "$WORK/abp-entry.mjs" <<JS
import yargs from '$PWD/node_modules/yargs/index.mjs';
import { hideBin } from '$PWD/node_modules/yargs/helpers/helpers.mjs';
import { collectCommand } from '$PWD/dist/cli/collect-command.js';
import { watchCommand } from '$PWD/dist/cli/watch-command.js';
await yargs(hideBin(process.argv)).scriptName('abp').command(collectCommand).command(watchCommand).demandCommand(1).strict().parseAsync();
JS
  ABP=(node "$WORK/abp-entry.mjs")
fi
echo "abp = ${ABP[*]}"

say "nvidia-smi"
nvidia-smi -L
nvidia-smi --query-gpu=name,driver_version,uuid --format=csv,noheader

say "abp collect --count=5"
t0=$(date +%s.%N)
"${ABP[@]}" collect --count=5 -o "$OUT/collect.jsonl" --force
rc=$?; echo "rc=$rc in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $t0}") s"
node --input-type=module - "$OUT/collect.jsonl" <<'JS'
import { readFileSync } from 'node:fs';
const recs = readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const ts = [...new Set(recs.map((r) => r.timestamp))];
console.log(`${recs.length} records, ${ts.length} samples, ${Object.keys(recs[0]).length} keys each; gaps ${ts.slice(1).map((t, i) => (t - ts[i]).toFixed(3)).join(' ')} s`);
for (const r of recs) {
  const g = (k) => r['nvidia_smi_log.gpu.' + k];
  console.log(`  ${r.timestamp.toFixed(3)} ${r.hostname} ${g('uuid')} ${g('gpu_power_readings.instant_power_draw')} util ${g('utilization.gpu_util')} mem ${g('fb_memory_usage.used')} ${g('temperature.gpu_temp')} ${g('clocks.sm_clock')}`);
}
console.log('first record, first 12 keys:');
for (const k of Object.keys(recs[0]).slice(0, 12)) console.log(`  ${k}: ${JSON.stringify(recs[0][k])}`);
JS

say "flattener parity with capture.py on one fresh document"
nvidia-smi -q -x > "$OUT/nvidia-smi-q-x.xml"
python3 - "$OUT/nvidia-smi-q-x.xml" > "$WORK/flat-python.json" <<'PY'
import json, sys
import xml.etree.ElementTree as ET
# capture.py's flatten(), verbatim.
def flatten(elem, prefix, out):
    for k, v in elem.attrib.items():
        out[f"{prefix}.@{k}"] = v
    children = list(elem)
    if not children:
        text = (elem.text or "").strip()
        out[prefix] = text if text else None
        return
    counts = {}
    for c in children:
        counts[c.tag] = counts.get(c.tag, 0) + 1
    seen = {}
    for c in children:
        if c.tag == "supported_clocks":
            continue
        if counts[c.tag] > 1:
            i = seen.get(c.tag, 0)
            seen[c.tag] = i + 1
            flatten(c, f"{prefix}.{c.tag}.{i}", out)
        else:
            flatten(c, f"{prefix}.{c.tag}", out)
root = ET.fromstring(open(sys.argv[1], "rb").read())
common, gpus = {}, []
for child in root:
    if child.tag == "gpu":
        gpus.append(child)
    else:
        flatten(child, f"nvidia_smi_log.{child.tag}", common)
rows = []
for g in gpus:
    row = dict(common)
    flatten(g, "nvidia_smi_log.gpu", row)
    rows.append(row)
print(json.dumps(rows))
PY
node --input-type=module - "$PWD" "$OUT/nvidia-smi-q-x.xml" "$WORK/flat-python.json" <<'JS'
import { readFileSync } from 'node:fs';
const [root, xmlFile, pyFile] = process.argv.slice(2);
const { flattenNvsmi } = await import(`${root}/dist/collect/flatten.js`);
const ours = flattenNvsmi(readFileSync(xmlFile, 'utf8'), { hostname: 'h', timestamp: 0 }).map((r) => {
  delete r.hostname;
  delete r.timestamp;
  return r;
});
const py = JSON.parse(readFileSync(pyFile, 'utf8'));
let bad = 0;
if (ours.length !== py.length) { console.log(`GPU count differs: ${ours.length} vs ${py.length}`); bad++; }
for (let i = 0; i < Math.min(ours.length, py.length); i++) {
  const a = Object.keys(ours[i]), b = Object.keys(py[i]);
  if (JSON.stringify(a) !== JSON.stringify(b)) { console.log(`GPU ${i}: key order/set differs (${a.length} vs ${b.length})`); bad++; }
  for (const k of b) if (ours[i][k] !== py[i][k]) { console.log(`GPU ${i}: ${k}: ${JSON.stringify(ours[i][k])} vs ${JSON.stringify(py[i][k])}`); bad++; }
}
console.log(bad === 0 ? `IDENTICAL: ${ours.length} GPU record(s), ${Object.keys(py[0] ?? {}).length} keys each, same order and values` : `${bad} difference(s)`);
JS

say "abp watch while workloads run ($PHASES)"
[[ -f $WORKLOADS ]] || echo "no workloads.py at $WORKLOADS: only idle phases (sleep) will run" >&2
has_cupy=0; python3 -c 'import cupy' 2>/dev/null && has_cupy=1
has_torch=0; python3 -c 'import torch' 2>/dev/null && has_torch=1
echo "python3: cupy=$has_cupy torch=$has_torch"
"${ABP[@]}" watch --interval="$INTERVAL" > "$OUT/watch.txt" 2> "$WORK/watch.err" &
w1=$!
"${ABP[@]}" watch --interval="$INTERVAL" --alerts-only --format=json \
  --on-alert "cat >> '$OUT/on-alert.jsonl'" > "$OUT/alerts.jsonl" 2> "$WORK/alerts.err" &
w2=$!
sleep 2
: > "$OUT/phases.txt"
IFS=',' read -ra items <<< "$PHASES"
for item in "${items[@]}"; do
  spec=${item%%:*}; secs=${item##*:}; name=${spec%%/*}; var=${spec#*/}
  if [[ ! -f $WORKLOADS ]]; then
    [[ $name == idle ]] || { echo "$spec: skipped (no workloads.py)"; continue; }
    start=$(date +%s.%N); sleep "$secs"; end=$(date +%s.%N)
    echo "$start $end $spec" >> "$OUT/phases.txt"; echo "$spec: slept ${secs} s"; continue
  fi
  if [[ $name == pow_* && $has_cupy == 0 ]] || [[ $name != pow_* && $name != idle && $has_torch == 0 ]]; then
    echo "$spec: skipped (python3 lacks cupy/torch)"; continue
  fi
  coproc WL { python3 "$WORKLOADS" "$name" "$secs" "$var"; }
  pid=$WL_PID
  line=
  read -r line <&"${WL[0]}"
  start=$(date +%s.%N)
  wait "$pid"; rc=$?
  end=$(date +%s.%N)
  echo "$start $end $spec" >> "$OUT/phases.txt"
  echo "$spec: ${line:-no READY}, ran $(awk "BEGIN{printf \"%.1f\", $end - $start}") s, rc=$rc"
done
sleep 3
kill -INT "$w1" "$w2"; wait "$w1"; echo "watch rc=$?"; wait "$w2"; echo "watch --alerts-only rc=$?"
cat "$WORK/watch.err" "$WORK/alerts.err" | tee "$OUT/watch-stderr.txt"

say "watch output (text; every 20th line, and every ALERT/CLEARED line)"
awk 'NR % 20 == 1 || /  (ALERT|CLEARED)  /' "$OUT/watch.txt" | head -50
say "alerts (JSON) and what --on-alert received"
cat "$OUT/alerts.jsonl"; echo "--- on-alert.jsonl:"; cat "$OUT/on-alert.jsonl" 2>/dev/null

say "per phase"
node --input-type=module - "$OUT" <<'JS'
import { readFileSync } from 'node:fs';
const out = process.argv[2];
const phases = readFileSync(`${out}/phases.txt`, 'utf8').trim().split('\n').filter(Boolean).map((l) => {
  const [s, e, name] = l.split(' ');
  return { s: Number(s), e: Number(e), name, n: 0, flagged: 0, alerts: 0 };
});
const alerts = readFileSync(`${out}/alerts.jsonl`, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const lines = readFileSync(`${out}/watch.txt`, 'utf8').trim().split('\n');
for (const l of lines) {
  const m = /^(\S+)\s+\S+\s+\S+.*?p=([\d.]+|n\/a)\s+(\S+)/.exec(l);
  if (!m) continue;
  const t = Date.parse(m[1]) / 1000;
  const ph = phases.find((p) => t >= p.s && t <= p.e);
  if (!ph) continue;
  ph.n++;
  if (m[3] !== 'ok') ph.flagged++;
}
for (const a of alerts) {
  const ph = phases.find((p) => a.time >= p.s && a.time <= p.e + 3);
  if (ph && a.state === 'firing') ph.alerts++;
}
for (const p of phases) console.log(`${p.name.padEnd(20)} ${(p.e - p.s).toFixed(0).padStart(4)} s  samples ${String(p.n).padStart(4)}  not-ok ${String(p.flagged).padStart(4)}  alerts fired ${p.alerts}`);
JS
