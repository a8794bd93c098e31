/**
 * add-class, add-scores and filter: model outputs → columns and row selection.
 * A label's class is true when its probability is strictly greater than the
 * threshold (Morpheus' rule).
 */
import { UsageError } from '../errors.js';
import type { Batch } from './batch.js';

export interface LabelOptions {
  /** Labels of the model outputs, in output order. */
  labels: readonly string[];
  /** Only these labels (default: all). */
  only?: readonly string[];
  prefix?: string;
}

function selectLabels(opts: LabelOptions, numGroup: number): { name: string; index: number }[] {
  const labels = opts.labels;
  if (labels.length < numGroup && !(numGroup === 1 && labels.length >= 1)) {
    throw new UsageError('ABP_USAGE', `the model has ${numGroup} outputs but only ${labels.length} labels were given`);
  }
  const chosen = opts.only && opts.only.length > 0 ? opts.only : labels.slice(0, numGroup);
  return chosen.map((l) => {
    const index = labels.indexOf(l);
    if (index === -1 || index >= numGroup) {
      throw new UsageError('ABP_USAGE', `label '${l}' is not one of the model's labels (${labels.slice(0, numGroup).join(', ')})`);
    }
    return { name: (opts.prefix ?? '') + l, index };
  });
}

export class AddClass {
  constructor(private readonly opts: LabelOptions & { threshold: number }) {}

  process(b: Batch): Batch {
    const g = b.numGroup;
    const out = b.outputs!;
    for (const { name, index } of selectLabels(this.opts, g)) {
      const v = new Uint8Array(b.size);
      for (let r = 0; r < b.size; r++) v[r] = out[r * g + index] > this.opts.threshold ? 1 : 0;
      b.added.push({ name, type: 'bool', values: v });
    }
    return b;
  }
}

export class AddScores {
  constructor(private readonly opts: LabelOptions) {}

  process(b: Batch): Batch {
    const g = b.numGroup;
    const out = b.outputs!;
    for (const { name, index } of selectLabels(this.opts, g)) {
      const v = new Float32Array(b.size);
      for (let r = 0; r < b.size; r++) v[r] = out[r * g + index];
      b.added.push({ name, type: 'number', values: v });
    }
    return b;
  }
}

/** filter: keeps rows where any model output is above the threshold. */
export class FilterDetections {
  constructor(private readonly threshold: number) {}

  process(b: Batch): Batch {
    const g = b.numGroup;
    const out = b.outputs!;
    const keep = b.keep ?? new Uint8Array(b.size).fill(1);
    for (let r = 0; r < b.size; r++) {
      let any = 0;
      for (let k = 0; k < g; k++) if (out[r * g + k] > this.threshold) any = 1;
      keep[r] &= any;
    }
    b.keep = keep;
    return b;
  }
}
