/**
 * The shipped model (or any repository entry) as a MiningClassifier, through
 * the pipeline's Detector (preprocess → inference → add-scores), so watch
 * scores a record exactly as `abp detect` does.
 */
import { Detector } from '../pipeline/detector.js';
import { DEFAULT_MODEL } from '../pipeline/pipeline.js';
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
}

export interface ModelClassifier extends MiningClassifier {
  /** The model's decision threshold (config.pbtxt, default 0.5). */
  readonly threshold: number;
  readonly columns: readonly string[];
  dispose(): void;
}

export async function openModelClassifier(name = DEFAULT_MODEL, opts: ModelClassifierOptions = {}): Promise<ModelClassifier> {
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
    dispose: () => detector.dispose(),
  };
}
