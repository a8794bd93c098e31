/**
 * The shipped model (or any repository entry) as a MiningClassifier, through
 * the pipeline's Detector (preprocess → inference → add-scores), so watch
 * scores a record exactly as `abp detect` does.
 */
import { Detector } from '../pipeline/detector.js';
import { CLASSIC_MODEL, GPM_MODEL, PARTNER_MODEL, hasGpmValues } from '../pipeline/model-choice.js';
import { listModels, defaultModelRepository } from '../model-repo/index.js';
import { gpuIdOf } from './watch.js';
import type { NumberRule } from '../stages/parse-value.js';
import type { NvsmiRecord } from './flatten.js';
import type { MiningClassifier } from './watch.js';

export interface ModelClassifierOptions {
  /** Model repository directory (default: the package's models/). */
  repository?: string;
  /** Unit-stripping rule (default: the pipeline's, 'first-number', which the shipped model was trained with). */
  numberRule?: NumberRule;
  /** Passed through to the engine (e.g. device). */
  engineOptions?: Record<string, unknown>;
  /** Told once per feature column the first time a record lacks it (other drivers name fields differently). */
  onMissingColumn?: (column: string) => void;
  /** With no model named: told which model scores a GPU's records, and why, when that changes. */
  onChoice?: (gpu: string, model: string, why: string) => void;
}

export interface ModelClassifier extends MiningClassifier {
  /** The model's decision threshold (config.pbtxt, default 0.5). */
  readonly threshold: number;
  readonly columns: readonly string[];
  /** The model that scores `record`: the named one, or the one the router picks. */
  modelOf(record: NvsmiRecord): string;
  dispose(): void;
}

/**
 * A classifier for one named model, or, with no name, one that routes each
 * record: the GPM model (abp-gpm-xgb) where the record carries GPM values,
 * the classic one (abp-nvsmi-xgb) otherwise, each opened when first needed.
 */
export async function openModelClassifier(name?: string, opts: ModelClassifierOptions = {}): Promise<ModelClassifier> {
  if (name === undefined) return openRoutingClassifier(opts);
  return openNamedClassifier(name, opts);
}

/**
 * The partner model of watch's job history (abp-gpm-partner-xgb), or null
 * when the repository has none (a repository of the user's own, made before
 * it existed): the history is then off, and the caller says so.
 */
export async function openPartnerClassifier(opts: ModelClassifierOptions = {}): Promise<ModelClassifier | null> {
  if (!listModels(opts.repository ?? defaultModelRepository()).includes(PARTNER_MODEL)) return null;
  return openNamedClassifier(PARTNER_MODEL, { ...opts, onMissingColumn: undefined, onChoice: undefined });
}

async function openRoutingClassifier(opts: ModelClassifierOptions): Promise<ModelClassifier> {
  const models = new Map<string, Promise<ModelClassifier>>();
  const open = (n: string) => {
    let m = models.get(n);
    if (!m) {
      m = openNamedClassifier(n, opts);
      models.set(n, m);
    }
    return m;
  };
  // The classic model is opened at once: it answers for every record without GPM, and a bad
  // repository should fail at start, not at the first sample.
  const classic = await open(CLASSIC_MODEL);
  const told = new Map<string, string>();
  const route = (r: NvsmiRecord) => (hasGpmValues(r) ? GPM_MODEL : CLASSIC_MODEL);
  return {
    threshold: classic.threshold,
    columns: classic.columns,
    async probabilities(records: NvsmiRecord[]): Promise<Float64Array> {
      const p = new Float64Array(records.length);
      const groups = new Map<string, number[]>();
      records.forEach((r, i) => {
        const m = route(r);
        const g = groups.get(m) ?? [];
        g.push(i);
        groups.set(m, g);
        const gpu = gpuIdOf(r, i);
        if (told.get(gpu) !== m) {
          told.set(gpu, m);
          opts.onChoice?.(gpu, m, m === GPM_MODEL ? 'its records carry GPM values' : 'its records carry no GPM values');
        }
      });
      for (const [m, idx] of groups) {
        const c = await open(m);
        const q = await c.probabilities(idx.map((i) => records[i]));
        idx.forEach((i, k) => (p[i] = q[k]));
      }
      return p;
    },
    modelOf: route,
    dispose: () => {
      for (const m of models.values()) void m.then((c) => c.dispose(), () => {});
    },
  };
}

async function openNamedClassifier(name: string, opts: ModelClassifierOptions): Promise<ModelClassifier> {
  const detector = await Detector.open({
    modelName: name,
    modelRepository: opts.repository,
    scores: true,
    rule: opts.numberRule,
    engineOptions: opts.engineOptions,
  });
  const labels = detector.model.entry.labels ?? [];
  // add-scores writes one column per label; the mining one is what alerts are about.
  const label = labels.includes('mining') ? 'mining' : (labels[labels.length - 1] ?? 'mining');
  const columns = detector.columns;
  const warned = new Set<string>();
  return {
    threshold: detector.model.entry.threshold,
    columns,
    async probabilities(records: NvsmiRecord[]): Promise<Float64Array> {
      if (records.length === 0) return new Float64Array(0);
      if (opts.onMissingColumn && warned.size < columns.length) {
        for (const c of columns) {
          if (!warned.has(c) && records.some((r) => !Object.prototype.hasOwnProperty.call(r, c))) {
            warned.add(c);
            opts.onMissingColumn(c);
          }
        }
      }
      const scored = await detector.classify(records);
      const p = new Float64Array(records.length);
      for (let i = 0; i < records.length; i++) {
        const v = scored[i]?.[label];
        p[i] = typeof v === 'number' ? v : NaN;
      }
      return p;
    },
    modelOf: () => name,
    dispose: () => detector.dispose(),
  };
}
