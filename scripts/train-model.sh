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
