#!/usr/bin/python3
"""Golden parity fixtures for the native forest engine, made by real XGBoost.

Run with Debian's interpreter (the one that has python3-xgboost 1.7.4):

    /usr/bin/python3 scripts/make-fixtures.py

Writes test/fixtures/: per model the three formats XGBoost writes (legacy
binary `.model`, `.json`, `.ubj`), the test matrix, XGBoost's predictions and
margins, and manifest.json. Everything is seeded, so a rerun on the same
XGBoost/numpy gives the same bytes.

Besides writing files it checks, and refuses to write a manifest unless all hold:
  * the three saved formats, loaded back, predict bit-identical outputs;
  * an independent numpy float32 re-implementation of prediction (tree walk from
    the JSON, sequential float32 accumulation from the base margin, XGBoost's
    link functions) reproduces XGBoost's margins and predictions bit for bit;
  * an independent parser of the legacy binary format yields the same trees
    as the JSON file (so the layout in test/fixtures/README.md is verified).
"""
import ctypes
import ctypes.util
import gzip
import json
import os
import struct
import sys

import numpy as np
import xgboost as xgb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures')
EXPECTED_XGB = '1.7.4'

# Files larger than this are stored gzipped (name + '.gz').
GZIP_OVER = 512 * 1024

_libm = ctypes.CDLL(ctypes.util.find_library('m'))
_libm.expf.restype = ctypes.c_float
_libm.expf.argtypes = [ctypes.c_float]
_libm.logf.restype = ctypes.c_float
_libm.logf.argtypes = [ctypes.c_float]


def expf(a):
    """glibc expf, element-wise (what XGBoost's C++ calls for float)."""
    a = np.asarray(a, dtype=np.float32)
    flat = a.ravel()
    out = np.empty_like(flat)
    for i, v in enumerate(flat):
        out[i] = _libm.expf(float(v))
    return out.reshape(a.shape)


# ---------------------------------------------------------------- data
def make_matrix(rng, n, nf, nan_frac=0.15):
    """Features with mixed scales and signs, zeros, NaN holes and NaN blocks."""
    X = np.empty((n, nf), dtype=np.float32)
    for j in range(nf):
        kind = j % 6
        if kind == 0:
            col = rng.normal(0, 1, n)
        elif kind == 1:
            col = rng.normal(-50, 200, n)            # negatives, wide
        elif kind == 2:
            col = rng.integers(0, 4, n) * 1.0         # many exact zeros, ties
        elif kind == 3:
            col = rng.lognormal(10, 3, n)             # large magnitudes (up to ~1e9)
        elif kind == 4:
            col = rng.uniform(-1e-3, 1e-3, n)         # tiny magnitudes
        else:
            col = rng.normal(0, 1, n) * np.where(rng.random(n) < 0.5, 0.0, 1.0)  # +0/-0 mix
        X[:, j] = col.astype(np.float32)
    X[rng.random((n, nf)) < nan_frac] = np.nan
    # whole rows missing
    X[rng.random(n) < 0.02, :] = np.nan
    # a block of rows where half the columns are entirely missing
    lo = n // 3
    X[lo:lo + max(1, n // 20), : nf // 2] = np.nan
    return X


def signal(X):
    """A label-driving score that uses several columns; NaN counts as 0."""
    Z = np.nan_to_num(X.astype(np.float64), nan=0.0)
    nf = Z.shape[1]
    s = np.zeros(Z.shape[0])
    s += 1.5 * Z[:, 0]
    if nf > 1:
        s += 0.01 * Z[:, 1]
    if nf > 2:
        s += 0.8 * (Z[:, 2] >= 2)
    if nf > 3:
        s += 0.3 * np.log1p(np.abs(Z[:, 3])) - 3.0
    if nf > 4:
        s += 800 * Z[:, 4]
    if nf > 5:
        s += Z[:, 5] * Z[:, 0]
    s += 2.0 * np.isnan(X[:, 0])
    return s


def thresholds_by_feature(bst):
    """{feature: sorted array of float32 split thresholds} from the JSON model."""
    model = json.loads(bst.save_raw('json').decode())
    out = {}
    for t in model['learner']['gradient_booster']['model']['trees']:
        for n, l in enumerate(t['left_children']):
            if l != -1:
                out.setdefault(t['split_indices'][n], []).append(
                    np.float32(t['split_conditions'][n]))
    return {k: np.unique(np.array(v, dtype=np.float32)) for k, v in out.items()}


def hit_thresholds(rng, X, thr, frac=0.2):
    """Overwrite a share of non-missing cells with exact split thresholds (and,
    for some, the next float below), so both sides of `x < split` are seen."""
    X = X.copy()
    n, nf = X.shape
    for j, values in thr.items():
        mask = (rng.random(n) < frac) & ~np.isnan(X[:, j])
        picks = values[rng.integers(0, len(values), mask.sum())]
        below = rng.random(mask.sum()) < 0.25
        picks = np.where(below, np.nextafter(picks, np.float32(-np.inf)), picks)
        X[mask, j] = picks.astype(np.float32)
    return X


# ---------------------------------------------------------------- reference
def tree_arrays(t):
    return dict(
        left=np.array(t['left_children'], dtype=np.int64),
        right=np.array(t['right_children'], dtype=np.int64),
        feat=np.array(t['split_indices'], dtype=np.int64),
        cond=np.array(t['split_conditions'], dtype=np.float32),
        dleft=np.array(t['default_left'], dtype=bool),
    )


def walk(ta, X, le=False):
    node = np.zeros(X.shape[0], dtype=np.int64)
    rows = np.arange(X.shape[0])
    while True:
        inner = ta['left'][node] != -1
        if not inner.any():
            return ta['cond'][node]  # leaves keep their value in split_conditions
        r = rows[inner]
        nd = node[inner]
        fv = X[r, ta['feat'][nd]]
        miss = np.isnan(fv)
        cmp = (fv <= ta['cond'][nd]) if le else (fv < ta['cond'][nd])
        go_left = np.where(miss, ta['dleft'][nd], cmp)
        node[inner] = np.where(go_left, ta['left'][nd], ta['right'][nd])


def prob_to_margin(objective, base_score):
    b = np.float32(base_score)
    if objective in ('binary:logistic', 'reg:logistic'):
        # XGBoost: -logf(1.0f / base_score - 1.0f), all in float.
        # binary:logitraw is NOT here: in 1.7.4 its ProbToMargin is the identity.
        return np.float32(-_libm.logf(float(np.float32(np.float32(1.0) / b - np.float32(1.0)))))
    return b


def sigmoid(m):
    # XGBoost 1.7.4 common::Sigmoid: 1.0f / (1.0f + expf(-x)), float throughout
    return (np.float32(1.0) / (np.float32(1.0) + expf(-m))).astype(np.float32)


def softmax(m):
    # XGBoost 1.7.4 common::Softmax: wmax = max; e = expf(x - wmax) in float;
    # wsum accumulated in DOUBLE in class order; out = e / (float)wsum in float.
    wmax = m.max(axis=1, keepdims=True)
    e = expf((m - wmax).astype(np.float32))
    wsum = np.zeros(m.shape[0], dtype=np.float64)
    for k in range(m.shape[1]):
        wsum = wsum + e[:, k].astype(np.float64)
    return (e / wsum.astype(np.float32)[:, None]).astype(np.float32)


def reference(model_json, X, le=False):
    """Margins and predictions computed independently of XGBoost."""
    learner = model_json['learner']
    objective = learner['objective']['name']
    base_score = float(learner['learner_model_param']['base_score'])
    gb = learner['gradient_booster']['model']
    ngroup = max(1, int(learner['learner_model_param']['num_class']))
    tree_info = gb['tree_info']
    margin = np.full((X.shape[0], ngroup), prob_to_margin(objective, base_score), dtype=np.float32)
    for t, g in zip(gb['trees'], tree_info):
        leaf = walk(tree_arrays(t), X, le)
        margin[:, g] = (margin[:, g] + leaf).astype(np.float32)  # float32 add, tree order
    if objective in ('binary:logistic', 'reg:logistic'):
        pred = sigmoid(margin)
    elif objective == 'multi:softprob':
        pred = softmax(margin)
    elif objective == 'multi:softmax':
        # argmax, first max wins (classes in order)
        pred = np.argmax(margin, axis=1).astype(np.float32)[:, None]
    else:
        pred = margin.copy()
    return margin, pred


# ---------------------------------------------------------------- legacy binary parser
class Reader:
    def __init__(self, data):
        self.d = data
        self.o = 0

    def take(self, n):
        if self.o + n > len(self.d):
            raise ValueError('truncated at %d (+%d)' % (self.o, n))
        b = self.d[self.o:self.o + n]
        self.o += n
        return b

    def unpack(self, fmt):
        return struct.unpack('<' + fmt, self.take(struct.calcsize('<' + fmt)))

    def string(self):
        (n,) = self.unpack('Q')
        return self.take(n).decode()


def parse_legacy(data):
    """Independent reading of XGBoost 1.7.4's legacy binary model (little-endian)."""
    r = Reader(data)
    assert r.take(4) == b'binf', 'legacy binary must start with binf'
    # LearnerModelParamLegacy: 136 bytes
    (base_score, num_feature, num_class, extra_attrs, eval_metrics,
     major, minor, num_target) = r.unpack('fIiiiIII')
    r.take(26 * 4)  # reserved
    objective = r.string()
    booster = r.string()
    assert booster == 'gbtree', booster
    # GBTreeModelParam: 160 bytes
    num_trees, num_parallel_tree, gb_num_feature, _pad = r.unpack('iiii')
    (_num_pbuffer,) = r.unpack('q')
    num_output_group, size_leaf_vector = r.unpack('ii')
    r.take(32 * 4)
    trees = []
    for _ in range(num_trees):
        # TreeParam: 148 bytes
        _num_roots, num_nodes, num_deleted, _max_depth, t_num_feature, t_leaf_vec = r.unpack('iiiiii')
        r.take(31 * 4)
        nodes = [r.unpack('iiiIf') for _ in range(num_nodes)]   # 20 bytes each
        stats = [r.unpack('fffi') for _ in range(num_nodes)]    # 16 bytes each
        assert t_leaf_vec == 0
        trees.append(dict(
            parent=[n[0] & 0x7FFFFFFF if n[0] != -1 else -1 for n in nodes],
            left=[n[1] for n in nodes], right=[n[2] for n in nodes],
            feat=[n[3] & 0x7FFFFFFF for n in nodes],
            dleft=[n[3] >> 31 for n in nodes],
            info=[n[4] for n in nodes],
            base_weight=[s[2] for s in stats],
            num_deleted=num_deleted, num_feature=t_num_feature))
    tree_info = list(r.unpack('%di' % num_trees)) if num_trees else []
    attrs = {}
    if extra_attrs:
        (n,) = r.unpack('Q')
        for _ in range(n):
            k = r.string()
            attrs[k] = r.string()
    metrics = []
    if eval_metrics:
        (n,) = r.unpack('Q')
        metrics = [r.string() for _ in range(n)]
    return dict(base_score=base_score, num_feature=num_feature, num_class=num_class,
                version=(major, minor), num_target=num_target, objective=objective,
                num_trees=num_trees, num_parallel_tree=num_parallel_tree,
                gb_num_feature=gb_num_feature, num_output_group=num_output_group,
                trees=trees, tree_info=tree_info, attrs=attrs, metrics=metrics,
                trailing=len(data) - r.o)


def check_legacy_matches_json(path, model_json):
    legacy = parse_legacy(open(path, 'rb').read())
    learner = model_json['learner']
    gb = learner['gradient_booster']['model']
    lmp = learner['learner_model_param']
    assert legacy['trailing'] == 0, '%s: %d trailing bytes' % (path, legacy['trailing'])
    assert legacy['objective'] == learner['objective']['name']
    assert legacy['base_score'] == np.float32(float(lmp['base_score'])), (legacy['base_score'], lmp['base_score'])
    assert legacy['num_feature'] == int(lmp['num_feature'])
    assert legacy['num_class'] == int(lmp['num_class'])
    assert legacy['num_trees'] == int(gb['gbtree_model_param']['num_trees'])
    assert legacy['num_parallel_tree'] == int(gb['gbtree_model_param']['num_parallel_tree'])
    assert legacy['tree_info'] == gb['tree_info']
    for lt, jt in zip(legacy['trees'], gb['trees']):
        assert lt['left'] == jt['left_children']
        assert lt['right'] == jt['right_children']
        assert lt['dleft'] == jt['default_left']
        inner = [i for i, l in enumerate(lt['left']) if l != -1]
        assert [lt['feat'][i] for i in inner] == [jt['split_indices'][i] for i in inner]
        assert np.array_equal(np.array(lt['info'], dtype=np.float32),
                              np.array(jt['split_conditions'], dtype=np.float32))
        assert lt['num_deleted'] == int(jt['tree_param']['num_deleted'])
    return legacy


# ---------------------------------------------------------------- writing
def write_bytes(name, data):
    """Write under OUT, gzipping big files (mtime=0 keeps the bytes reproducible)."""
    if len(data) > GZIP_OVER:
        name += '.gz'
        with open(os.path.join(OUT, name), 'wb') as f:
            with gzip.GzipFile(filename='', mode='wb', fileobj=f, mtime=0, compresslevel=9) as g:
                g.write(data)
    else:
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(data)
    return name


def f32_bytes(a):
    return np.ascontiguousarray(a, dtype='<f4').tobytes()


def build(spec, manifest, facts):
    name = spec['name']
    rng = np.random.default_rng(spec['seed'])
    nf = spec['nf']
    Xtr = make_matrix(rng, spec['train_rows'], nf)
    if spec.get('unused_cols'):
        Xtr[:, nf - spec['unused_cols']:] = np.nan  # never split on: num_feature > used
    s = signal(Xtr)
    obj = spec['params']['objective']
    if obj in ('binary:logistic', 'binary:logitraw'):
        y = (s + rng.normal(0, 0.5, len(s)) > np.median(s)).astype(np.float32)
    elif obj == 'reg:logistic':
        y = (1 / (1 + np.exp(-(s - np.median(s))))).astype(np.float32)
    elif obj.startswith('multi:'):
        k = spec['params']['num_class']
        qs = np.quantile(s, np.linspace(0, 1, k + 1)[1:-1])
        y = np.digitize(s + rng.normal(0, 0.3, len(s)), qs).astype(np.float32)
    else:
        y = (12.5 + 40 * s + rng.normal(0, 5, len(s))).astype(np.float32)
    params = dict(spec['params'], seed=spec['seed'], nthread=2)
    dtrain = xgb.DMatrix(Xtr, label=y, missing=np.nan)
    bst = xgb.train(params, dtrain, num_boost_round=spec['rounds'])

    Xte = make_matrix(rng, spec['test_rows'], nf)
    Xte = hit_thresholds(rng, Xte, thresholds_by_feature(bst))
    dtest = xgb.DMatrix(Xte, missing=np.nan)

    files = {'binary': name + '.model', 'json': name + '.json', 'ubjson': name + '.ubj'}
    tmp = os.path.join(OUT, '.tmp')
    os.makedirs(tmp, exist_ok=True)
    preds = {}
    for fmt, fname in files.items():
        p = os.path.join(tmp, fname)
        bst.save_model(p)
        loaded = xgb.Booster(model_file=p)
        preds[fmt] = (loaded.predict(dtest, output_margin=True), loaded.predict(dtest))
    ref_m, ref_p = preds['binary']
    for fmt, (m, p) in preds.items():
        assert np.array_equal(m.view(np.uint32), ref_m.view(np.uint32)), '%s: %s margins differ' % (name, fmt)
        assert np.array_equal(p.view(np.uint32), ref_p.view(np.uint32)), '%s: %s predictions differ' % (name, fmt)
    # in-memory model agrees too
    assert np.array_equal(bst.predict(dtest), ref_p)

    with open(os.path.join(tmp, files['json'])) as f:
        model_json = json.load(f)
    raw_bin = open(os.path.join(tmp, files['binary']), 'rb').read()
    facts['binary_magic'].add(raw_bin[:4].decode('latin1'))
    legacy = check_legacy_matches_json(os.path.join(tmp, files['binary']), model_json)

    # independent numpy float32 reference, bit for bit
    margin = ref_m.reshape(len(Xte), -1).astype(np.float32)
    pred = ref_p.reshape(len(Xte), -1).astype(np.float32)
    my_m, my_p = reference(model_json, Xte)
    m_ok = np.array_equal(my_m.view(np.uint32), margin.view(np.uint32))
    p_ok = np.array_equal(my_p.view(np.uint32), pred.view(np.uint32))
    if not (m_ok and p_ok):
        dm = np.abs(my_m.astype(np.float64) - margin).max()
        dp = np.abs(my_p.astype(np.float64) - pred).max()
        raise AssertionError('%s: numpy reference not bit-identical (margin ok=%s max|d|=%g, pred ok=%s max|d|=%g)'
                             % (name, m_ok, dm, p_ok, dp))

    # the test rows must actually sit on split thresholds: `<=` must give other margins
    le_m, _ = reference(model_json, Xte, le=True)
    boundary_rows = int((le_m != my_m).any(axis=1).sum())
    assert boundary_rows > 0, '%s: no test row is sensitive to x < split vs x <= split' % name

    stored = {}
    for fmt, fname in files.items():
        stored[fmt] = write_bytes(fname, open(os.path.join(tmp, fname), 'rb').read())
        os.remove(os.path.join(tmp, fname))
    inp = write_bytes(name + '.input.f32', f32_bytes(Xte))
    exp = write_bytes(name + '.expected.f32', f32_bytes(pred))
    mar = write_bytes(name + '.margin.f32', f32_bytes(margin))

    learner = model_json['learner']
    gb = learner['gradient_booster']['model']
    depth = 0
    for t in gb['trees']:
        d = {0: 0}
        for n in range(len(t['left_children'])):
            for c in (t['left_children'][n], t['right_children'][n]):
                if c != -1:
                    d[c] = d[n] + 1
        depth = max(depth, max(d.values()))
    lmp = learner['learner_model_param']
    entry = dict(
        name=name,
        objective=learner['objective']['name'],
        numFeature=int(lmp['num_feature']),
        numGroup=max(1, int(lmp['num_class'])),
        rows=len(Xte),
        expectedCols=int(pred.shape[1]),
        files=stored,
        input=inp, expected=exp, margin=mar,
        baseScore=float(np.float32(float(lmp['base_score']))),
        baseScoreJson=lmp['base_score'],
        baseMargin=float(prob_to_margin(learner['objective']['name'], float(lmp['base_score']))),
        numTrees=int(gb['gbtree_model_param']['num_trees']),
        numParallelTree=int(gb['gbtree_model_param']['num_parallel_tree']),
        maxDepth=int(depth),
        usedFeatures=sorted({int(t['split_indices'][n]) for t in gb['trees']
                             for n in range(len(t['left_children'])) if t['left_children'][n] != -1}),
        boundaryRows=boundary_rows,
        exercises=spec['exercises'],
    )
    manifest.append(entry)
    print('%-18s %-17s trees=%4d depth=%d rows=%5d nf=%2d groups=%d base=%s boundaryRows=%d bitexact=yes'
          % (name, entry['objective'], entry['numTrees'], depth, entry['rows'], nf,
             entry['numGroup'], lmp['base_score'], boundary_rows), flush=True)


SPECS = [
    dict(name='binary_logistic', seed=101, nf=8, train_rows=3000, test_rows=1000, rounds=40,
         params=dict(objective='binary:logistic', base_score=0.3, max_depth=4, eta=0.3, tree_method='hist'),
         exercises='binary:logistic with non-default base_score 0.3 (logit base margin), hist splits, NaN default directions'),
    dict(name='reg_logistic', seed=102, nf=7, train_rows=3000, test_rows=800, rounds=30,
         params=dict(objective='reg:logistic', max_depth=3, eta=0.2, tree_method='exact'),
         exercises='reg:logistic (sigmoid) with default base_score 0.5 (margin 0), exact splits on raw values'),
    dict(name='reg_squarederror', seed=103, nf=10, train_rows=4000, test_rows=1200, rounds=50,
         params=dict(objective='reg:squarederror', base_score=12.5, max_depth=5, eta=0.1, tree_method='hist'),
         exercises='reg:squarederror identity link, base_score 12.5 added as-is, large-magnitude features'),
    dict(name='multi_softprob', seed=104, nf=9, train_rows=3000, test_rows=900, rounds=20,
         params=dict(objective='multi:softprob', num_class=4, max_depth=3, eta=0.3, tree_method='hist'),
         exercises='multi:softprob, 4 classes, tree_info groups round-robin, float softmax'),
    dict(name='multi_softmax', seed=105, nf=6, train_rows=2000, test_rows=700, rounds=15,
         params=dict(objective='multi:softmax', num_class=3, max_depth=4, eta=0.3, tree_method='approx'),
         exercises='multi:softmax: prediction is argmax class index (rows x 1), margins rows x 3'),
    dict(name='binary_logitraw', seed=106, nf=8, train_rows=2500, test_rows=600, rounds=25,
         params=dict(objective='binary:logitraw', base_score=0.7, max_depth=3, eta=0.3, tree_method='hist'),
         exercises='binary:logitraw: prediction == margin; base_score 0.7 is used as the margin as-is (no logit)'),
    dict(name='stumps', seed=107, nf=6, train_rows=2000, test_rows=500, rounds=100,
         params=dict(objective='binary:logistic', max_depth=1, eta=0.2, tree_method='exact'),
         exercises='max_depth 1 stumps (3-node trees)'),
    dict(name='single_tree', seed=108, nf=6, train_rows=2000, test_rows=400, rounds=1,
         params=dict(objective='reg:squarederror', max_depth=6, eta=1.0, tree_method='exact'),
         exercises='one deep tree only (num_trees 1), reg:squarederror default base_score 0.5'),
    dict(name='parallel_forest', seed=109, nf=8, train_rows=2000, test_rows=500, rounds=6,
         params=dict(objective='binary:logistic', num_parallel_tree=4, subsample=0.8,
                     colsample_bynode=0.8, max_depth=4, eta=0.5, tree_method='hist'),
         exercises='num_parallel_tree 4 (24 trees, all group 0), boosted random forest'),
    dict(name='wide_unused', seed=110, nf=40, unused_cols=32, train_rows=2000, test_rows=500, rounds=20,
         params=dict(objective='binary:logistic', max_depth=3, eta=0.3, tree_method='hist'),
         exercises='num_feature 40 but only the first 8 columns can be used; test input has values in unused columns'),
    dict(name='large', seed=111, nf=30, train_rows=40000, test_rows=5000, rounds=500,
         params=dict(objective='binary:logistic', max_depth=8, eta=0.05, tree_method='hist',
                     min_child_weight=0.5),
         exercises='large ensemble: 500 trees of depth <= 8 over 30 features, 5000 rows (gzipped files)'),
]


def main():
    if xgb.__version__ != EXPECTED_XGB:
        sys.exit('need xgboost %s (run with /usr/bin/python3), have %s' % (EXPECTED_XGB, xgb.__version__))
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])
    manifest, facts = [], {'binary_magic': set()}
    for spec in SPECS:
        if only and spec['name'] not in only:
            continue
        build(spec, manifest, facts)
    os.rmdir(os.path.join(OUT, '.tmp'))
    assert facts['binary_magic'] == {'binf'}, facts
    if only:
        print('subset run: manifest not written')
        return
    doc = dict(xgboostVersion=xgb.__version__, numpyVersion=np.__version__,
               generator='scripts/make-fixtures.py', models=manifest)
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(OUT, p)) for p in os.listdir(OUT)
                if os.path.isfile(os.path.join(OUT, p)))
    print('wrote %d models, %.2f MB in %s' % (len(manifest), total / 1e6, OUT))


if __name__ == '__main__':
    main()
