/**
 * The pipeline builder: Morpheus' linear stage chain (source → deserialize →
 * preprocess → inference → add-class/add-scores/filter → serialize → to-file,
 * monitor anywhere after the source), checked for order before it runs, then
 * run as a chain of pulled async generators (backpressure end to end).
 */
import { UsageError } from '../errors.js';
import { describeEngine } from '../engine/device.js';
import { openModel, type LoadedModel } from '../model-repo/open.js';
import { readNameList } from '../model-repo/repository.js';
import { chooseModel, peekFile, peekRecords, peekStdin } from './model-choice.js';
import type { Readable } from 'node:stream';
import fs from 'node:fs';
import os from 'node:os';
import { Batch, type LineBlock, type SourceBlock } from '../stages/batch.js';
import type { BlockScan } from '../stages/scan-block.js';
import { ScanPool } from '../stages/scan-pool.js';
import { Deserializer, parseOnError, type DeserializeCounts, type OnErrorPolicy } from '../stages/deserialize.js';
import { formatOf, fromFile, fromRecords, type InputFormat } from '../stages/from-file.js';
import { KeySet, fastLocatable } from '../stages/json-scan.js';
import { Inferencer } from '../stages/inference.js';
import { Monitor } from '../stages/monitor.js';
import type { NumberRule } from '../stages/parse-value.js';
import { AddClass, AddScores, FilterDetections } from '../stages/postprocess.js';
import { Preprocessor } from '../stages/preprocess.js';
import { DEFAULT_EXCLUDE, Serializer } from '../stages/serialize.js';
import { checkTarget, toFile, type OutputFormat } from '../stages/to-file.js';
import { GPU_KEY, HOST_KEY, Summarizer, type DetectionSummary } from './summary.js';
import { selectTritonEngine, type EngineChoice } from '../triton/engine.js';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export const stderrLogger: Logger = {
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`Warning: ${m}\n`),
};

export const quietLogger: Logger = { info: () => undefined, warn: (m) => process.stderr.write(`Warning: ${m}\n`) };

export interface PipelineOptions {
  /** Rows per batch between stages (Morpheus' --pipeline_batch_size). Default 1024. */
  pipelineBatchSize?: number;
  /** Rows per engine call (Morpheus' --model_max_batch_size), capped by the model's max_batch_size. Default 8192. */
  modelMaxBatchSize?: number;
  /** Engine threads; 0 = all cores (Morpheus' --num_threads). */
  numThreads?: number;
  /** Feature column list file (pipeline-fil --columns_file), overriding the model's. */
  columnsFile?: string;
  /** Labels file (pipeline-fil --labels_file), overriding the model's labels.txt. */
  labelsFile?: string;
  /** Labels (pipeline-fil --label). */
  labels?: string[];
  /** Expected feature count (pipeline-fil --model_fea_length). */
  featureLength?: number;
  /**
   * Worker threads checking JSON lines (plain-file input): 0 = none; default
   * one per core (at most 4) for files of 16 MB or more.
   */
  scanThreads?: number;
  /** Malformed-line policy: 'fail' (default), 'skip' or 'quarantine:FILE'. */
  onError?: string | OnErrorPolicy;
  /**
   * Longest input line in bytes (default 64 MiB); a longer line is a bad line
   * under onError, found while reading (never held whole). The from-file
   * stage's own maxLineBytes wins.
   */
  maxLineBytes?: number;
  logger?: Logger;
}

export type StageSpec =
  | { type: 'from-file'; filename: string; format?: InputFormat; repeat?: number; stdin?: Readable; maxLineBytes?: number }
  | { type: 'from-records'; records: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>; source?: string }
  | { type: 'deserialize'; onError?: string | OnErrorPolicy }
  | { type: 'preprocess'; columns?: string[]; columnsFile?: string; rule?: NumberRule }
  | {
      type: 'inference';
      stage?: 'inf-triton' | 'inf-fil';
      modelName?: string;
      modelRepository?: string;
      serverUrl?: string;
      /** inf-triton: 'auto' (Triton when installed, else the embedded engine), 'triton' (absence is an error), 'embedded'. */
      engine?: EngineChoice;
      /** inf-triton: Triton's install directory, tried before TRITON_HOME and /opt/tritonserver. */
      tritonHome?: string;
      model?: LoadedModel;
      engineOptions?: Record<string, unknown>;
    }
  | { type: 'add-class'; threshold?: number; labels?: string[]; prefix?: string }
  | { type: 'add-scores'; labels?: string[]; prefix?: string }
  | { type: 'filter'; threshold?: number }
  | { type: 'monitor'; description?: string; unit?: string }
  | { type: 'summary'; label?: string }
  | { type: 'serialize'; include?: string[]; exclude?: string[] }
  | { type: 'to-file'; filename: string; overwrite?: boolean; format?: OutputFormat }
  | { type: 'collect' };

export interface StageTimes {
  read: number;
  parse: number;
  preprocess: number;
  inference: number;
  /** Wall time of the engine's predict calls, overlapped with the other stages (not part of the sum). */
  engine: number;
  postprocess: number;
  serialize: number;
  write: number;
}

export interface RunResult {
  rowsIn: number;
  rowsOut: number;
  malformed: DeserializeCounts;
  /** Feature columns absent from some rows, with how many rows lacked them. */
  missingColumns: Record<string, number>;
  summary?: DetectionSummary;
  /** Records, for a pipeline ending in collect(). */
  records?: Record<string, unknown>[];
  bytesWritten: number;
  seconds: number;
  /** Milliseconds spent in each kind of stage (JS thread time; inference is the JS thread's wait on the engine, engine the engine calls' own wall time). */
  times: StageTimes;
  model?: { name: string; file: string; columns: number };
  /** Worker threads that checked the JSON lines (0: the main thread did). */
  scanThreads: number;
}

export const DEFAULT_MODEL = 'abp-nvsmi-xgb';
export const DEFAULT_PIPELINE_BATCH_SIZE = 1024;
export const DEFAULT_MODEL_MAX_BATCH_SIZE = 8192;
const SCAN_THREADS_MIN_BYTES = 16 << 20;

const SOURCES = new Set(['from-file', 'from-records']);
const SINKS = new Set(['to-file', 'collect']);
const NEEDS_INFERENCE = new Set(['add-class', 'add-scores', 'filter']);

function stageName(s: StageSpec): string {
  return s.type === 'inference' ? (s.stage ?? 'inf-fil') : s.type;
}

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
  monitor(o: { description?: string; unit?: string } = {}): this {
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

  /** Throws a UsageError when the stages are in an order that cannot run (Morpheus' rules). */
  validate(): void {
    const st = this.stages;
    const fail = (m: string): never => {
      throw new UsageError('ABP_PIPELINE_ORDER', m);
    };
    if (st.length === 0 || !SOURCES.has(st[0].type)) fail(`a pipeline must start with a source stage (from-file)${st.length ? `, not '${stageName(st[0])}'` : ''}`);
    let seenDeserialize = false, seenPreprocess = false, seenInference = false, seenSerialize = false, seenSink = false;
    for (let i = 1; i < st.length; i++) {
      const s = st[i];
      const name = stageName(s);
      if (seenSink) fail(`'${name}' cannot come after the output stage '${stageName(st.find((x) => SINKS.has(x.type))!)}'`);
      if (SOURCES.has(s.type)) fail(`only one source stage is allowed ('${name}' is a second one)`);
      if (s.type === 'monitor' || s.type === 'summary') continue;
      if (s.type === 'deserialize') {
        if (seenDeserialize) fail(`only one 'deserialize' stage is allowed`);
        seenDeserialize = true;
        continue;
      }
      if (!seenDeserialize && !SINKS.has(s.type)) fail(`a 'deserialize' stage must come between the source and '${name}'`);
      if (!seenDeserialize) fail(`a 'deserialize' stage must come between the source and '${name}'`);
      if (seenSerialize && !SINKS.has(s.type)) fail(`'${name}' cannot come after 'serialize'`);
      switch (s.type) {
        case 'preprocess':
          if (seenPreprocess) fail(`only one 'preprocess' stage is allowed`);
          if (seenInference) fail(`'preprocess' must come before the inference stage`);
          seenPreprocess = true;
          break;
        case 'inference':
          if (seenInference) fail(`only one inference stage is allowed ('${name}' is a second one)`);
          if (!seenPreprocess) fail(`'${name}' needs a 'preprocess' stage before it`);
          seenInference = true;
          break;
        case 'serialize':
          seenSerialize = true;
          break;
        case 'to-file':
        case 'collect':
          seenSink = true;
          break;
        default:
          if (NEEDS_INFERENCE.has(s.type) && !seenInference) fail(`'${name}' must come after an inference stage (inf-triton or inf-fil)`);
      }
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

  async run(): Promise<RunResult> {
    this.validate();
    const opts = this.options;
    const log = opts.logger ?? quietLogger;
    const t0 = performance.now();
    const times: StageTimes = { read: 0, parse: 0, preprocess: 0, inference: 0, engine: 0, postprocess: 0, serialize: 0, write: 0 };

    // Set-up before any data flows: output check, model, columns, labels.
    const sink = this.stages.find((s) => SINKS.has(s.type));
    if (sink?.type === 'to-file') checkTarget(sink.filename, sink.overwrite ?? false);

    const infSpec = this.stages.find((s) => s.type === 'inference') as Extract<StageSpec, { type: 'inference' }> | undefined;
    const ppSpec = this.stages.find((s) => s.type === 'preprocess') as Extract<StageSpec, { type: 'preprocess' }> | undefined;
    let model: LoadedModel | undefined;
    let ownModel = false;
    if (infSpec) {
      const columnsFile = ppSpec?.columnsFile ?? opts.columnsFile;
      const modelName = infSpec.model ? undefined : (infSpec.modelName ?? (await this.chooseDefaultModel(infSpec.modelRepository, log)));
      model =
        infSpec.model ??
        (await openModel(modelName!, {
          repository: infSpec.modelRepository,
          columns: ppSpec?.columns,
          columnsFile,
          featureLength: opts.featureLength,
          engineOptions: infSpec.engineOptions,
        }));
      ownModel = !infSpec.model;
      if (ownModel) log.info(`engine: ${describeEngine(model.engine)}`);
      const triton =
        infSpec.stage === 'inf-triton'
          ? await selectTritonEngine(model, { engine: infSpec.engine, tritonHome: infSpec.tritonHome }).catch((err: unknown) => {
              if (ownModel) model!.forest.dispose();
              throw err;
            })
          : undefined;
      if (triton?.engine === 'triton') {
        log.info(
          `inf-triton: running model '${model.entry.name}' on the in-process Triton server (${triton.library}), ${triton.kind}` +
            (triton.configChanges.length ? `; config.pbtxt overridden at load: ${triton.configChanges.join(', ')}` : ''),
        );
        if (ownModel) model.forest.dispose();
        model = { ...model, forest: triton.forest };
      } else if (triton) {
        log.info(
          `inf-triton: ${triton.reason}${infSpec.serverUrl ? ` (--server_url=${infSpec.serverUrl} not used)` : ''}; ` +
            `running model '${model.entry.name}' from ${model.entry.dir} on the embedded FIL engine`,
        );
      }
    }
    try {
      return await this.execute(model, log, times, t0);
    } finally {
      if (ownModel) model?.forest.dispose();
    }
  }

  private labels(model: LoadedModel | undefined): string[] {
    const o = this.options;
    if (o.labelsFile) return readNameList(o.labelsFile);
    if (o.labels && o.labels.length) return o.labels;
    return model?.entry.labels ?? ['mining'];
  }

  private async execute(model: LoadedModel | undefined, log: Logger, times: StageTimes, t0: number): Promise<RunResult> {
    const opts = this.options;
    const [src, ...rest] = this.stages;
    const desSpec = rest.find((s) => s.type === 'deserialize') as Extract<StageSpec, { type: 'deserialize' }> | undefined;
    const policySpec = desSpec?.onError ?? opts.onError ?? 'fail';
    const policy = typeof policySpec === 'string' ? parseOnError(policySpec) : policySpec;
    const labels = this.labels(model);
    const columnsOf = (s: Extract<StageSpec, { type: 'preprocess' }>): readonly string[] | undefined => {
      let columns = s.columns ?? (s.columnsFile ? readNameList(s.columnsFile) : undefined);
      columns ??= opts.columnsFile ? readNameList(opts.columnsFile) : undefined;
      return columns ?? model?.columns;
    };
    const serSpec = rest.find((s) => s.type === 'serialize') as Extract<StageSpec, { type: 'serialize' }> | undefined;
    const ser = serSpec ? new Serializer({ include: serSpec.include, exclude: serSpec.exclude ?? DEFAULT_EXCLUDE }) : new Serializer({});
    // Names and prefixes the later stages look for, noted by deserialize while it checks each line.
    const noted: string[] = [];
    for (const s of rest) {
      if (s.type === 'preprocess') {
        const cols = columnsOf(s);
        if (cols && cols.every(fastLocatable)) noted.push(...cols);
      } else if (s.type === 'add-class' || s.type === 'add-scores') {
        noted.push(...(s.labels && s.labels.length ? s.labels : labels).map((l) => (s.prefix ?? '') + l));
      } else if (s.type === 'summary') {
        noted.push(GPU_KEY, HOST_KEY);
      }
    }
    const keySet = new KeySet(noted.filter(fastLocatable), ser.keyPrefixes() ?? []);
    const maxLineBytes = (src.type === 'from-file' ? src.maxLineBytes : undefined) ?? opts.maxLineBytes;
    const deser = new Deserializer(opts.pipelineBatchSize ?? DEFAULT_PIPELINE_BATCH_SIZE, policy, keySet, { maxLineBytes });

    // Line checks on worker threads for large plain files.
    let pool: ScanPool | undefined;
    if (src.type === 'from-file' && src.filename !== '-' && (src.format ?? formatOf(src.filename)) === 'jsonlines') {
      let threads = opts.scanThreads;
      if (threads === undefined) {
        let size = 0;
        try {
          size = fs.statSync(src.filename).size;
        } catch {
          size = 0;
        }
        threads = size >= SCAN_THREADS_MIN_BYTES ? Math.min(4, os.availableParallelism()) : 0;
        if (threads < 2) threads = 0;
      }
      if (threads > 0) pool = await ScanPool.open(threads, deser.keys);
    }
    try {
      return await this.stream(model, log, times, t0, src, rest, deser, policy, ser, labels, columnsOf, pool);
    } finally {
      await pool?.close();
    }
  }

  private async stream(
    model: LoadedModel | undefined,
    log: Logger,
    times: StageTimes,
    t0: number,
    src: StageSpec,
    rest: StageSpec[],
    deser: Deserializer,
    policy: OnErrorPolicy,
    ser: Serializer,
    labels: string[],
    columnsOf: (s: Extract<StageSpec, { type: 'preprocess' }>) => readonly string[] | undefined,
    pool: ScanPool | undefined,
  ): Promise<RunResult> {
    const opts = this.options;
    // Source → blocks (timed as read).
    let blocks: AsyncIterable<SourceBlock>;
    if (src.type === 'from-file') blocks = fromFile(src.filename, { format: src.format, repeat: src.repeat, owned: pool !== undefined, stdin: src.stdin, maxLineBytes: deser.maxLineBytes });
    else if (src.type === 'from-records') blocks = fromRecords(src.records, src.source);
    else throw new UsageError('ABP_PIPELINE_ORDER', 'a pipeline must start with a source stage');
    blocks = timedSource(blocks, times);

    let batches: AsyncIterable<Batch> = deserializeGen(blocks, deser, times, pool);
    const monitors: Monitor[] = [];
    const engines: Inferencer[] = [];
    let preprocessor: Preprocessor | undefined;
    let summarizer: Summarizer | undefined;
    let hasSerialize = false;
    const missing: Record<string, number> = {};

    for (const s of rest) {
      switch (s.type) {
        case 'deserialize':
          break;
        case 'preprocess': {
          const columns = columnsOf(s);
          if (!columns) throw new UsageError('ABP_USAGE', `'preprocess' needs the feature columns: give --columns_file or a model with columns_fil.txt`);
          const pp = new Preprocessor({
            columns,
            rule: s.rule,
            onMissingColumn: (col, line, source) =>
              log.warn(`feature column '${col}' is absent from the input (first at ${source}:${line}); it is treated as missing (NaN)`),
          });
          preprocessor = pp;
          batches = mapGen(batches, (b) => pp.process(b), times, 'preprocess');
          break;
        }
        case 'inference': {
          const inf = new Inferencer(model!, {
            maxBatchSize: opts.modelMaxBatchSize ?? DEFAULT_MODEL_MAX_BATCH_SIZE,
            threads: opts.numThreads ?? 0,
            engineOptions: s.engineOptions,
          });
          batches = inferenceGen(batches, inf, times);
          engines.push(inf);
          break;
        }
        case 'add-class': {
          const threshold = s.threshold ?? (model && !model.entry.outputClass ? model.entry.threshold : 0.5);
          const st = new AddClass({ labels, only: s.labels, prefix: s.prefix, threshold });
          batches = mapGen(batches, (b) => st.process(b), times, 'postprocess');
          break;
        }
        case 'add-scores': {
          const st = new AddScores({ labels, only: s.labels, prefix: s.prefix });
          batches = mapGen(batches, (b) => st.process(b), times, 'postprocess');
          break;
        }
        case 'filter': {
          const threshold = s.threshold ?? (model && !model.entry.outputClass ? model.entry.threshold : 0.5);
          const st = new FilterDetections(threshold);
          batches = mapGen(batches, (b) => st.process(b), times, 'postprocess');
          break;
        }
        case 'monitor': {
          const m = new Monitor({ description: s.description, unit: s.unit });
          monitors.push(m);
          batches = mapGen(batches, (b) => m.process(b), times, 'postprocess');
          break;
        }
        case 'summary': {
          const sm = new Summarizer(s.label ?? labels[0] ?? 'mining');
          summarizer = sm;
          batches = mapGen(batches, (b) => sm.process(b), times, 'postprocess');
          break;
        }
        case 'serialize': {
          hasSerialize = true;
          batches = mapGen(batches, (b) => ser.process(b), times, 'serialize');
          break;
        }
        case 'to-file':
        case 'collect':
          if (!hasSerialize) {
            hasSerialize = true;
            batches = mapGen(batches, (b) => ser.process(b), times, 'serialize');
          }
          break;
      }
    }

    // After the sink has taken a batch, its rows' source buffers can hold later reads.
    batches = releasing(batches, deser);
    const sink = rest.find((s) => SINKS.has(s.type));
    let rowsOut = 0;
    let bytesWritten = 0;
    let records: Record<string, unknown>[] | undefined;
    try {
      if (sink?.type === 'to-file') {
        const r = await toFile(sink.filename, batches, { overwrite: sink.overwrite, format: sink.format, onTime: (ms) => (times.write += ms) });
        rowsOut = r.rows;
        bytesWritten = r.bytes;
      } else if (sink?.type === 'collect') {
        records = [];
        for await (const b of batches) {
          const t = performance.now();
          const text = b.serialized?.toString('utf8') ?? '';
          for (const line of text.split('\n')) if (line) records.push(JSON.parse(line) as Record<string, unknown>);
          times.write += performance.now() - t;
        }
        rowsOut = records.length;
      } else {
        for await (const b of batches) rowsOut += b.serializedRows || b.keptRows();
      }
    } finally {
      deser.close();
    }
    for (const m of monitors) m.finish();
    for (const e of engines) times.engine += e.engineMs;
    if (preprocessor) {
      preprocessor.columns.forEach((c, i) => {
        if (preprocessor!.missingCounts[i] > 0) missing[c] = preprocessor!.missingCounts[i];
      });
    }
    const c = deser.counts;
    if (c.skipped > 0) log.warn(`on_error=skip: ${c.skipped} malformed line(s) skipped`);
    if (c.quarantined > 0 && policy.kind === 'quarantine') log.warn(`on_error=quarantine: ${c.quarantined} malformed line(s) written to ${policy.file}`);
    return {
      rowsIn: c.rows,
      rowsOut,
      malformed: { ...c },
      missingColumns: missing,
      summary: summarizer?.summary,
      records,
      bytesWritten,
      seconds: (performance.now() - t0) / 1000,
      times,
      model: model ? { name: model.entry.name, file: model.entry.modelFile, columns: model.columns.length } : undefined,
      scanThreads: pool?.size ?? 0,
    };
  }
}

async function* timedSource(src: AsyncIterable<SourceBlock>, times: StageTimes): AsyncGenerator<SourceBlock> {
  const it = src[Symbol.asyncIterator]();
  for (;;) {
    const t = performance.now();
    const n = await it.next();
    times.read += performance.now() - t;
    if (n.done) return;
    yield n.value;
  }
}

/** Parse time is the JS thread's: its own work plus waiting on the line-check workers. */
async function* deserializeGen(blocks: AsyncIterable<SourceBlock>, d: Deserializer, times: StageTimes, pool?: ScanPool): AsyncGenerator<Batch> {
  // Blocks in flight on the workers, awaited in order (row order kept); two per worker keeps them busy.
  const queue: Promise<{ block: LineBlock; scan: BlockScan }>[] = [];
  const depth = pool ? pool.size * 2 : 0;
  const take = async (): Promise<Batch[]> => {
    const t = performance.now();
    const r = await queue.shift()!;
    const out = d.pushScanned(r.block, r.scan);
    times.parse += performance.now() - t;
    return out;
  };
  try {
    for await (const blk of blocks) {
      if (pool && blk.kind === 'lines' && blk.owned) {
        const p = pool.scan(blk);
        p.catch(() => undefined); // rethrown when awaited, in order
        queue.push(p);
        while (queue.length >= depth) yield* await take();
        continue;
      }
      while (queue.length) yield* await take();
      const t = performance.now();
      const out = d.push(blk);
      times.parse += performance.now() - t;
      yield* out;
    }
    while (queue.length) yield* await take();
  } finally {
    queue.length = 0;
  }
  yield* d.flush();
}

/** Releases each batch once the consumer asks for the next one (it is done with it by then). */
async function* releasing(batches: AsyncIterable<Batch>, d: Deserializer): AsyncGenerator<Batch> {
  for await (const b of batches) {
    yield b;
    d.release(b);
  }
}

async function* mapGen(batches: AsyncIterable<Batch>, fn: (b: Batch) => Batch, times: StageTimes, key: keyof StageTimes): AsyncGenerator<Batch> {
  for await (const b of batches) {
    const t = performance.now();
    const r = fn(b);
    times[key] += performance.now() - t;
    yield r;
  }
}

/** Keeps up to `depth` batches in the engine while upstream stages parse the next ones. */
async function* inferenceGen(batches: AsyncIterable<Batch>, inf: Inferencer, times: StageTimes, depth = 2): AsyncGenerator<Batch> {
  const queue: Promise<Batch>[] = [];
  const submit = (b: Batch) => {
    const p = inf.process(b);
    p.catch(() => undefined); // rejections are rethrown when awaited, in order
    queue.push(p);
  };
  const wait = async () => {
    const t = performance.now();
    const b = await queue.shift()!;
    times.inference += performance.now() - t;
    return b;
  };
  for await (const b of batches) {
    submit(b);
    if (queue.length >= depth) yield await wait();
  }
  while (queue.length) yield await wait();
}
