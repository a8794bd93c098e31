#!/usr/bin/env bash
# Reproduce the shipped model and the golden predictions (npm run train:model):
#   1. feature matrix with the pipeline's own unit stripping (scripts/make-features.ts, via tsx);
#   2. leave-one-workload-out evaluation + final model (scripts/train-model.py, Debian's XGBoost);
#   3. golden predictions of the shipped model file (scripts/make-golden.py).
# Deterministic: same inputs give byte-identical outputs.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${ABP_TRAIN_PYTHON:-/usr/bin/python3}
DATA=data/nvsmi-h200-train.jsonlines.gz
MODEL=models/abp-nvsmi-xgb
WORK=build-train

npx tsx scripts/make-features.ts --input "$DATA" --columns scripts/train-model.columns.txt --out "$WORK/train"
npx tsx scripts/make-features.ts --input "$DATA" --columns scripts/train-model.candidates.txt --out "$WORK/candidates"
"$PY" scripts/train-model.py --features "$WORK/train" --model-dir "$MODEL" --ablation "$WORK/candidates"

# The golden matrix is made from the shipped columns_fil.txt, as the pipeline would.
npx tsx scripts/make-features.ts --input "$DATA" --columns "$MODEL/columns_fil.txt" --out "$WORK/golden"
"$PY" scripts/make-golden.py --model-dir "$MODEL" --features "$WORK/golden" \
  --out test/golden/nvsmi-h200-train.predictions.json

# A second golden: a few real records with absent, "N/A", null, bare-number and old-driver fields.
"$PY" scripts/make-odd-input.py --input "$DATA" --columns "$MODEL/columns_fil.txt" \
  --out test/golden/nvsmi-h200-odd.jsonlines
npx tsx scripts/make-features.ts --input test/golden/nvsmi-h200-odd.jsonlines --columns "$MODEL/columns_fil.txt" --out "$WORK/odd"
"$PY" scripts/make-golden.py --model-dir "$MODEL" --features "$WORK/odd" \
  --out test/golden/nvsmi-h200-odd.predictions.json

# The GPM model (abp-gpm-xgb): the shared GPM records plus the project's captures, with the
# derived features of scripts/gpm/derived_fil.txt; leave-one-family/workload/variant-out in the card,
# then every episode replayed through abp watch's alert logic with held-out probabilities.
SHARED_GPM=${ABP_SHARED_DATA:-../shared/data}/nvsmi-h200-gpm-train.jsonlines.gz
# Every capture in data/ (a, b, c, ...; H200s and, since bj-bl, an H100), in name order.
GPM_DATA=$(ls data/nvsmi-h*-gpm-*.jsonlines.gz | paste -sd, -)
[ -f "$SHARED_GPM" ] && GPM_DATA="$SHARED_GPM,$GPM_DATA"
npx tsx scripts/make-features.ts --input "$GPM_DATA" --columns scripts/gpm/columns.txt \
  --derived scripts/gpm/derived_fil.txt --out "$WORK/gpm"
"$PY" scripts/train-gpm-model.py --features "$WORK/gpm" --model-dir models/abp-gpm-xgb
npx tsx scripts/eval-episodes.ts --features "$WORK/gpm" --card models/abp-gpm-xgb/README.md \
  --json models/abp-gpm-xgb/episodes.json
# The same replay with each GPU's recordings scored by the model trained on the other GPUs'.
npx tsx scripts/eval-episodes.ts --features "$WORK/gpm" --probs logo.f32 --held-out "its GPU's recordings" \
  --card models/abp-gpm-xgb/README.md --marker episodes-gpu --json models/abp-gpm-xgb/episodes-gpu.json
# Golden predictions of the shipped GPM model on the project's own captures (test/gpm-model.test.ts).
npx tsx scripts/make-features.ts --input data/nvsmi-h200-gpm-a.jsonlines.gz,data/nvsmi-h200-gpm-b.jsonlines.gz \
  --columns models/abp-gpm-xgb/columns_fil.txt --derived models/abp-gpm-xgb/derived_fil.txt --out "$WORK/gpm-golden"
"$PY" scripts/make-golden.py --model-dir models/abp-gpm-xgb --features "$WORK/gpm-golden" \
  --out test/golden/nvsmi-h200-gpm.predictions.json

# The partner model of abp watch's job history (abp-gpm-partner-xgb): samples alone plus recorded pairs with
# the DL job's fleet profile unmixed out (scripts/gpm/unmix.py); its golden is the reference JobHistory
# replayed over capture at (test/job-history.test.ts). How it does held out: scripts/gpm/history-stream.py.
"$PY" scripts/gpm/train-partner-model.py --features "$WORK/gpm" --model-dir models/abp-gpm-partner-xgb
npx tsx scripts/make-features.ts --input data/nvsmi-h200-gpm-at.jsonlines.gz --columns scripts/gpm/columns.txt \
  --derived scripts/gpm/derived_fil.txt --out "$WORK/gpm-partner"
"$PY" scripts/gpm/train-partner-model.py --golden "$WORK/gpm-partner" --model-dir models/abp-gpm-partner-xgb \
  --out test/golden/nvsmi-h200-gpm-partner.json
# The pair window's golden: unmix.PairWindow replayed over capture bm (pairs started together; test/pair-window.test.ts).
npx tsx scripts/make-features.ts --input data/nvsmi-h200-gpm-bm.jsonlines.gz --columns scripts/gpm/columns.txt \
  --derived scripts/gpm/derived_fil.txt --out "$WORK/gpm-window"
"$PY" scripts/gpm/train-partner-model.py --golden "$WORK/gpm-window" --window --model-dir models/abp-gpm-partner-xgb \
  --out test/golden/nvsmi-h200-gpm-pair-window.json
