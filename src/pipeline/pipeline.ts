/**
 * The pipeline builder: Morpheus' linear stage chain (source → deserialize →
 * preprocess → inference → add-class/add-scores/filter → serialize → to-file,
 * monitor anywhere after the source), checked for order before it runs.
 * It runs by block, not by stage: each block of input goes through every
 * stage on one worker thread (parallel/), the engine runs on the main
 * thread between a block's two halves, and the blocks' output is written in
 * input order. Blocks are pulled from the source, so backpressure holds end
 * to end and memory is bounded by the blocks in flight.
 */
import type { LoadedModel } from '../model-repo/open.js';
import { readNameList } from '../model-repo/repository.js';
import { Batch } from '../stages/batch.js';
import { parseOnError, type OnErrorPolicy } from '../stages/deserialize.js';
import { DEFAULT_MAX_LINE_BYTES, checkMaxLineBytes } from '../stages/from-file.js';
import { readAheadFromEnv } from '../stages/read-ahead.js';
import { withFormatHint } from '../stages/input-formats.js';
import { checkQuarantine } from '../stages/quarantine.js';
import { checkTarget, outputFormatOf, type OutputFormat } from '../stages/to-file.js';
import { chooseModel, peekFile, peekRecords, peekStdin } from './model-choice.js';
import { setUpModel } from './model-setup.js';
import { OrderedState, orderedBatches } from './parallel/ordered.js';
import { BlockPool, InlineBlocks, type BlockExecutor, type Engine } from './parallel/pool.js';
import { drain } from './sink.js';
import { inputProgress, sharedSlots, sourceBlocks, timedSource, workerThreads } from './source-setup.js';
import { planStages, type PlannedRun } from './stage-plan.js';
import { quietLogger, type Logger, type PipelineOptions, type RunResult, type StageSpec, type StageTimes } from './types.js';
import { checkNumbers, SINKS, SOURCES, validateStages } from './validate.js';

export { DEFAULT_MODEL } from './model-setup.js';
export { DEFAULT_MODEL_MAX_BATCH_SIZE } from './stage-plan.js';
export { stderrLogger, quietLogger } from './types.js';
export type { Logger, PipelineOptions, RunResult, StageSpec, StageTimes } from './types.js';

export const DEFAULT_PIPELINE_BATCH_SIZE = 1024;

export class Pipeline {
  readonly options: PipelineOptions;
  readonly stages: StageSpec[] = [];

  constructor(options: PipelineOptions = {}) {
    this.options = options;
  }

  add(stage: StageSpec): this {
    this.stages.push(stage);
    return this;
  }
  fromFile(filename: string, o: Omit<Extract<StageSpec, { type: 'from-file' }>, 'type' | 'filename'> = {}): this {
    return this.add({ type: 'from-file', filename, ...o });
  }
  fromRecords(records: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>, source?: string): this {
    return this.add({ type: 'from-records', records, source });
  }
  deserialize(o: { onError?: string | OnErrorPolicy } = {}): this {
    return this.add({ type: 'deserialize', ...o });
  }
  preprocess(o: Omit<Extract<StageSpec, { type: 'preprocess' }>, 'type'> = {}): this {
    return this.add({ type: 'preprocess', ...o });
  }
  inference(o: Omit<Extract<StageSpec, { type: 'inference' }>, 'type'> = {}): this {
    return this.add({ type: 'inference', ...o });
  }
  addClass(o: Omit<Extract<StageSpec, { type: 'add-class' }>, 'type'> = {}): this {
    return this.add({ type: 'add-class', ...o });
  }
  addScores(o: Omit<Extract<StageSpec, { type: 'add-scores' }>, 'type'> = {}): this {
    return this.add({ type: 'add-scores', ...o });
  }
  filter(o: { threshold?: number } = {}): this {
    return this.add({ type: 'filter', ...o });
  }
  monitor(o: { description?: string; unit?: string; periodicMs?: number } = {}): this {
    return this.add({ type: 'monitor', ...o });
  }
  summarize(o: { label?: string } = {}): this {
    return this.add({ type: 'summary', ...o });
  }
  serialize(o: { include?: string[]; exclude?: string[] } = {}): this {
    return this.add({ type: 'serialize', ...o });
  }
  toFile(filename: string, o: { overwrite?: boolean; format?: OutputFormat } = {}): this {
    return this.add({ type: 'to-file', filename, ...o });
  }
  /** Ends the pipeline in memory: run() returns the output records. */
  collect(): this {
    return this.add({ type: 'collect' });
  }

  /** Throws a UsageError when the stages are in an order that cannot run (Morpheus' rules) or a number is out of bounds (limits.ts). */
  validate(): void {
    checkNumbers(this.options, this.stages);
    validateStages(this.stages);
  }

  async run(): Promise<RunResult> {
    this.validate();
    // ABP_READ_AHEAD out of 1..16: refused before any work (not a command-line option: no usage text).
    const readAhead = readAheadFromEnv();
    const opts = this.options;
    const log = opts.logger ?? quietLogger;
    const t0 = performance.now();
    // Set-up before any data flows: output check, model, columns, labels.
    const sink = this.stages.find((s) => SINKS.has(s.type));
    if (sink?.type === 'to-file') checkTarget(sink.filename, sink.overwrite ?? false);
    const policy = this.onErrorPolicy();
    if (policy.kind === 'quarantine') {
      const src = this.stages[0];
      checkQuarantine(policy.file, {
        input: src.type === 'from-file' ? src.filename : undefined,
        output: sink?.type === 'to-file' ? sink.filename : undefined,
        overwrite: policy.overwrite ?? false,
      });
    }
    const infSpec = this.stages.find((s) => s.type === 'inference') as Extract<StageSpec, { type: 'inference' }> | undefined;
    const ppSpec = this.stages.find((s) => s.type === 'preprocess') as Extract<StageSpec, { type: 'preprocess' }> | undefined;
    const modelName = infSpec && !infSpec.model ? (infSpec.modelName ?? (await this.chooseDefaultModel(infSpec.modelRepository, log))) : undefined;
    const m = infSpec ? await setUpModel(infSpec, ppSpec, opts, log, modelName) : undefined;
    try {
      return await this.execute(m?.model, log, t0, readAhead);
    } catch (err) {
      throw withFormatHint(err);
    } finally {
      if (m?.own) m.model.forest.dispose();
    }
  }

  /**
   * No model named: look at the input's first records and pick the GPM model
   * where they carry GPM values, the classic one otherwise (model-choice.ts).
   * stdin and record streams are read ahead and handed back whole.
   */
  private async chooseDefaultModel(repository: string | undefined, log: Logger): Promise<string> {
    const i = this.stages.findIndex((s) => SOURCES.has(s.type));
    const src = this.stages[i];
    let head: Record<string, unknown>[] = [];
    if (src?.type === 'from-file') {
      if (src.filename === '-') {
        const peek = await peekStdin(undefined, src.stdin);
        head = peek.records;
        this.stages[i] = { ...src, stdin: peek.stream };
      } else {
        head = await peekFile(src.filename);
      }
    } else if (src?.type === 'from-records') {
      const peek = await peekRecords(src.records);
      head = peek.records;
      this.stages[i] = { ...src, records: peek.all };
    }
    const choice = chooseModel(head, repository);
    log.info(`model: ${choice.name} (${choice.reason}; name one with --model_name to choose)`);
    return choice.name;
  }

  /** The on_error policy; a quarantine file may replace an existing one when the output may (--overwrite). */
  private onErrorPolicy(): OnErrorPolicy {
    const des = this.stages.find((s) => s.type === 'deserialize') as Extract<StageSpec, { type: 'deserialize' }> | undefined;
    const spec = des?.onError ?? this.options.onError ?? 'fail';
    const policy = typeof spec === 'string' ? parseOnError(spec) : spec;
    if (policy.kind !== 'quarantine' || policy.overwrite !== undefined) return policy;
    const sink = this.stages.find((s) => s.type === 'to-file') as Extract<StageSpec, { type: 'to-file' }> | undefined;
    return { ...policy, overwrite: sink?.overwrite ?? false };
  }

  private labels(model: LoadedModel | undefined): string[] {
    const o = this.options;
    if (o.labelsFile) return readNameList(o.labelsFile);
    if (o.labels && o.labels.length) return o.labels;
    return model?.entry.labels ?? ['mining'];
  }

  private async execute(model: LoadedModel | undefined, log: Logger, t0: number, readAhead: number): Promise<RunResult> {
    const opts = this.options;
    const times: StageTimes = { read: 0, parse: 0, preprocess: 0, inference: 0, engine: 0, postprocess: 0, serialize: 0, write: 0, wait: 0, setup: 0 };
    const [src, ...rest] = this.stages;
    const policy = this.onErrorPolicy();
    const maxLineBytes = checkMaxLineBytes((src.type === 'from-file' ? src.maxLineBytes : undefined) ?? opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    const progress = inputProgress(src);
    const planned = planStages(rest, model, this.labels(model), policy, opts, { maxLineBytes }, () => progress.fraction());
    const threads = workerThreads(src, opts.numThreads);
    const sink = rest.find((s) => SINKS.has(s.type));
    // The plain-file writer hands each batch's memory back once its bytes are written (Batch.release).
    const reuse = sink?.type === 'to-file' && sink.filename !== '-' && (sink.format ?? outputFormatOf(sink.filename)) === 'jsonlines';
    // Two blocks per worker keep each busy while the main thread waits for the one next in order.
    const depth = threads > 1 ? threads * 2 + 2 : 2;
    const slots = threads > 1 ? sharedSlots(src, depth, readAhead, reuse && !planned.plan.gzip) : undefined;
    const pool = threads > 1 ? await BlockPool.open(threads, planned.plan, slots) : undefined;
    const exec: BlockExecutor = pool ?? new InlineBlocks(planned.plan);
    times.setup = performance.now() - t0;
    const state = new OrderedState({
      policy,
      columns: planned.columns,
      onMissingColumn: (col, line, source) => log.warn(`feature column '${col}' is absent from the input (first at ${source}:${line}); it is treated as missing (NaN)`),
      monitors: planned.monitors,
      summaries: planned.summaries,
      times,
    });
    let drained;
    let ok = false;
    try {
      const blocks = timedSource(sourceBlocks(src, maxLineBytes, readAhead, pool ? slots : undefined), times, progress);
      const batches = orderedBatches(blocks, exec, engineOf(planned, times), state, pool ? depth : 2, (ms) => (times.wait += ms), reuse);
      drained = await drain(sink, batches, times, opts.pipelineBatchSize ?? DEFAULT_PIPELINE_BATCH_SIZE, planned.plan.gzip, pool ? slots?.staging : undefined);
      ok = true;
    } finally {
      // A failed run leaves no quarantine file (nor its temporary); an existing one stays as it was.
      if (!ok) state.abort();
      await exec.close();
    }
    state.close();
    for (const mon of planned.monitors) mon.finish();
    if (planned.inferencer) times.engine += planned.inferencer.engineMs;
    const missing: Record<string, number> = {};
    planned.columns?.forEach((c, i) => {
      if (state.missingCounts[i] > 0) missing[c] = state.missingCounts[i];
    });
    const c = state.counts;
    if (c.skipped > 0) log.warn(`on_error=skip: ${c.skipped} malformed line(s) skipped`);
    if (c.quarantined > 0 && policy.kind === 'quarantine') log.warn(`on_error=quarantine: ${c.quarantined} malformed line(s) written to ${policy.file}`);
    return {
      rowsIn: c.rows,
      rowsOut: drained.rowsOut,
      malformed: { ...c },
      missingColumns: missing,
      summary: planned.summaries[planned.summaries.length - 1],
      records: drained.records,
      bytesWritten: drained.bytesWritten,
      seconds: (performance.now() - t0) / 1000,
      times,
      model: model ? { name: model.entry.name, file: model.entry.modelFile, columns: model.columns.length } : undefined,
      threads: exec.threads,
      workers: pool?.stats,
    };
  }
}

/** The engine as the blocks call it (on the main thread; the predict calls run off it). */
function engineOf(planned: PlannedRun, times: StageTimes): Engine | undefined {
  const inf = planned.inferencer;
  if (inf === undefined) return undefined;
  return async (features, rows) => {
    const t = performance.now();
    const b = new Batch(0, '');
    b.size = rows;
    b.features = features;
    await inf.process(b);
    times.inference += performance.now() - t;
    return { outputs: b.outputs!, numGroup: b.numGroup };
  };
}

