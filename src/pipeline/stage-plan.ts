/**
 * From the stage chain to what runs: the per-block plan the workers follow
 * (columns, labels and thresholds resolved here, once) and the main thread's
 * parts (the engine, monitors, summaries).
 */
import { UsageError } from '../errors.js';
import type { LoadedModel } from '../model-repo/open.js';
import { readNameList } from '../model-repo/repository.js';
import { Inferencer } from '../stages/inference.js';
import { KeySet, fastLocatable } from '../stages/json-scan.js';
import { Monitor } from '../stages/monitor.js';
import { DEFAULT_EXCLUDE, Serializer } from '../stages/serialize.js';
import { outputFormatOf } from '../stages/to-file.js';
import type { InputLimits, OnErrorPolicy } from '../stages/deserialize.js';
import type { BlockPlan, StepPlan } from './parallel/plan.js';
import { GPU_KEY, HOST_KEY, type DetectionSummary } from './summary.js';
import type { PipelineOptions, StageSpec } from './types.js';

export const DEFAULT_MODEL_MAX_BATCH_SIZE = 8192;

export interface PlannedRun {
  plan: BlockPlan;
  /** Present when the chain has an inference stage. */
  inferencer?: Inferencer;
  /** The preprocess stage's feature columns. */
  columns?: readonly string[];
  monitors: Monitor[];
  /** One per summary stage, filled as blocks finish. */
  summaries: DetectionSummary[];
}

export function planStages(
  rest: readonly StageSpec[],
  model: LoadedModel | undefined,
  labels: string[],
  policy: OnErrorPolicy,
  opts: PipelineOptions,
  limits: InputLimits = {},
  /** The share of the input read so far, for the monitors' bar (undefined: unknown). */
  progress?: () => number | undefined,
): PlannedRun {
  const columnsOf = (s: Extract<StageSpec, { type: 'preprocess' }>): readonly string[] | undefined => {
    let columns = s.columns ?? (s.columnsFile ? readNameList(s.columnsFile) : undefined);
    columns ??= opts.columnsFile ? readNameList(opts.columnsFile) : undefined;
    return columns ?? model?.columns;
  };
  const thresholdOf = (t: number | undefined) => t ?? (model && !model.entry.outputClass ? model.entry.threshold : 0.5);
  const steps: StepPlan[] = [];
  const run: PlannedRun = { plan: { names: [], prefixes: [], onError: policy.kind, limits, steps }, monitors: [], summaries: [] };
  // Names and prefixes the later stages look for, noted by the line check.
  const noted: string[] = [];
  for (const s of rest) {
    switch (s.type) {
      case 'preprocess': {
        const columns = columnsOf(s);
        if (!columns) throw new UsageError('ABP_USAGE', `'preprocess' needs the feature columns: give --columns_file or a model with columns_fil.txt`);
        if (columns.every(fastLocatable)) noted.push(...columns);
        run.columns = columns;
        steps.push({ type: 'preprocess', columns: [...columns], rule: s.rule });
        break;
      }
      case 'inference':
        run.inferencer = new Inferencer(model!, {
          maxBatchSize: opts.modelMaxBatchSize ?? DEFAULT_MODEL_MAX_BATCH_SIZE,
          threads: opts.numThreads ?? 0,
          engineOptions: s.engineOptions,
        });
        steps.push({ type: 'inference' });
        break;
      case 'add-class':
      case 'add-scores': {
        noted.push(...(s.labels && s.labels.length ? s.labels : labels).map((l) => (s.prefix ?? '') + l));
        const l = { labels, only: s.labels, prefix: s.prefix };
        steps.push(s.type === 'add-class' ? { type: 'add-class', ...l, threshold: thresholdOf(s.threshold) } : { type: 'add-scores', ...l });
        break;
      }
      case 'filter':
        steps.push({ type: 'filter', threshold: thresholdOf(s.threshold) });
        break;
      case 'monitor':
        run.monitors.push(new Monitor({ description: s.description, unit: s.unit, progress, periodicMs: s.periodicMs }));
        steps.push({ type: 'monitor' });
        break;
      case 'summary': {
        const label = s.label ?? labels[0] ?? 'mining';
        noted.push(GPU_KEY, HOST_KEY);
        run.summaries.push({ rows: 0, flagged: 0, label, byGpu: {}, byHost: {} });
        steps.push({ type: 'summary', label });
        break;
      }
      case 'serialize':
        steps.push({ type: 'serialize', include: s.include, exclude: s.exclude ?? DEFAULT_EXCLUDE });
        break;
      case 'to-file':
        run.plan.gzip = (s.format ?? outputFormatOf(s.filename)) === 'jsonlines-gz';
        break;
    }
  }
  // Without a serialize stage the sink serializes with the defaults.
  if (!steps.some((s) => s.type === 'serialize')) steps.push({ type: 'serialize', exclude: DEFAULT_EXCLUDE });
  const ser = steps.find((s) => s.type === 'serialize') as Extract<StepPlan, { type: 'serialize' }>;
  const keys = new KeySet(noted.filter(fastLocatable), new Serializer({ include: ser.include, exclude: ser.exclude }).keyPrefixes() ?? []);
  run.plan.names = [...keys.names];
  run.plan.prefixes = [...keys.prefixes];
  return run;
}
