"""Makes the small test model of the pipeline tests and XGBoost's own predictions for it.

Run with Debian's xgboost: /usr/bin/python3 test/pipeline-data/make-dev-model.py
Writes models/dev-xgb{,-ubj,-bin}/1/<model> (same booster in JSON, UBJSON and legacy binary)
and dev-xgb.predictions.json (probabilities on data/nvsmi-h200-train.jsonlines.gz, in order).
Feature values follow src/stages/parse-value.ts: the first number in the text, sign and decimals kept.
"""
import gzip, json, os, re, shutil
import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
cols = [l.strip() for l in open(os.path.join(HERE, 'models/dev-xgb/columns_fil.txt')) if l.strip()]
NUM = re.compile(r'[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?')

def fv(v):
    if isinstance(v, bool) or v is None: return np.nan
    if isinstance(v, (int, float)): return float(v)
    m = NUM.search(v) if isinstance(v, str) else None
    return float(m.group(0)) if m else np.nan

X, y = [], []
with gzip.open(os.path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz'), 'rt') as f:
    for line in f:
        d = json.loads(line)
        X.append([fv(d.get(c)) for c in cols])
        y.append(d['label'])
X = np.array(X, dtype=np.float32)
b = xgb.train({'objective': 'binary:logistic', 'max_depth': 4, 'eta': 0.3, 'seed': 0},
              xgb.DMatrix(X, label=np.array(y), missing=np.nan), 20)
out = os.path.join(HERE, 'models')
b.save_model(os.path.join(out, 'dev-xgb/1/xgboost.json'))
b.save_model(os.path.join(out, 'dev-xgb-ubj/1/xgboost.ubj'))
b.save_model(os.path.join(out, 'dev-xgb-bin/1/xgboost.model'))
p = b.predict(xgb.DMatrix(X, missing=np.nan))
json.dump([float(v) for v in p], open(os.path.join(HERE, 'dev-xgb.predictions.json'), 'w'))
print('rows', len(p), 'flagged', int((p > 0.5).sum()), 'labelled', int(sum(y)))
