/**
 * Inference: the batch's feature matrix through the forest, in slices of at
 * most `maxBatchSize` rows. Batches are kept in flight (`depth`) so the engine
 * works on one while the JS thread parses the next.
 */
import { fromNative } from '../errors.js';
import type { LoadedModel } from '../model-repo/open.js';
import type { Batch } from './batch.js';

export interface InferenceOptions {
  maxBatchSize: number;
  /** Engine threads per call; 0 = all cores. */
  threads?: number;
  /** Passed through to predict (e.g. a device option). */
  engineOptions?: Record<string, unknown>;
}

export class Inferencer {
  readonly model: LoadedModel;
  readonly maxBatchSize: number;
  private readonly predictOptions: Record<string, unknown>;
  /** Wall ms of engine calls, from call to result; overlaps the other stages' work. */
  engineMs = 0;

  constructor(model: LoadedModel, opts: InferenceOptions) {
    this.model = model;
    const cap = model.entry.maxBatchSize > 0 ? model.entry.maxBatchSize : Infinity;
    this.maxBatchSize = Math.max(1, Math.min(opts.maxBatchSize, cap));
    this.predictOptions = { threads: opts.threads ?? 0, ...opts.engineOptions };
  }

  async process(b: Batch): Promise<Batch> {
    const w = this.model.numFeature;
    const g = this.model.numGroup;
    const n = b.size;
    const derived = this.model.derived;
    // Derived features widen the preprocessed rows to the model's input.
    const feats = derived ? derived.apply(b.features!, n, this.model.columns.length) : b.features!;
    const out = new Float32Array(n * g);
    const jobs: Promise<void>[] = [];
    for (let r0 = 0; r0 < n; r0 += this.maxBatchSize) {
      const rows = Math.min(this.maxBatchSize, n - r0);
      const input = feats.subarray(r0 * w, (r0 + rows) * w);
      const t0 = performance.now();
      jobs.push(
        this.model.forest.predict(input, rows, this.predictOptions).then((p) => {
          this.engineMs += performance.now() - t0;
          out.set(p.subarray(0, rows * g), r0 * g);
        }),
      );
    }
    try {
      await Promise.all(jobs);
    } catch (err) {
      throw fromNative(err);
    }
    const { outputClass, threshold } = this.model.entry;
    if (outputClass) {
      // Triton FIL with output_class=true returns classes, not probabilities.
      for (let i = 0; i < out.length; i++) out[i] = out[i] > threshold ? 1 : 0;
    }
    b.outputs = out;
    b.numGroup = g;
    return b;
  }
}
