/**
 * The shipped model (or any repository entry) as a MiningClassifier: records
 * → feature matrix by the model's columns_fil.txt → forest probabilities.
 */
import { openModel, type OpenModelOptions } from '../model-repo/index.js';
import { featureMatrix, type NumberRule } from '../stages/parse-value.js';
import type { NvsmiRecord } from './flatten.js';
import type { MiningClassifier } from './watch.js';

export const DEFAULT_MODEL = 'abp-nvsmi-xgb';

export interface ModelClassifierOptions extends OpenModelOptions {
  /** Unit-stripping rule (default 'first-number', the rule the shipped model was trained with). */
  numberRule?: NumberRule;
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
  const model = await openModel(name, opts);
  const rule = opts.numberRule ?? 'first-number';
  const { columns, forest } = model;
  const warned = new Set<string>();
  return {
    threshold: model.entry.threshold,
    columns,
    async probabilities(records: NvsmiRecord[]): Promise<Float32Array> {
      if (records.length === 0) return new Float32Array(0);
      if (opts.onMissingColumn && warned.size < columns.length) {
        for (const c of columns) {
          if (warned.has(c)) continue;
          if (records.some((r) => !Object.prototype.hasOwnProperty.call(r, c))) {
            warned.add(c);
            opts.onMissingColumn(c);
          }
        }
      }
      const out = await forest.predict(featureMatrix(records, columns, rule), records.length);
      // A multi-output model gives numGroup values a row; the mining class is the last.
      if (model.numGroup === 1) return out;
      const p = new Float32Array(records.length);
      for (let r = 0; r < records.length; r++) p[r] = out[r * model.numGroup + model.numGroup - 1];
      return p;
    },
    dispose: () => forest.dispose(),
  };
}
