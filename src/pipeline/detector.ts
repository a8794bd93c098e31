/**
 * The one-call API: classify records in memory with the same stages and
 * semantics as the CLI (`abp detect`), the model loaded once per Detector.
 */
import { openModel, type LoadedModel } from '../model-repo/open.js';
import type { NumberRule } from '../stages/parse-value.js';
import { DEFAULT_MODEL, Pipeline, quietLogger, type Logger, type RunResult } from './pipeline.js';
import { chooseModel, peekRecords } from './model-choice.js';

export interface DetectorOptions {
  /** Model name in the repository (Detector.open: default abp-nvsmi-xgb; classify(): chosen from the records). */
  modelName?: string;
  /** Model repository directory (default: the package's models/). */
  modelRepository?: string;
  /** Feature columns overriding the model's columns_fil.txt. */
  columns?: string[];
  columnsFile?: string;
  /** mining = probability > threshold (default: the model's, 0.5). */
  threshold?: number;
  /** Write the probability (add-scores) instead of the boolean class. */
  scores?: boolean;
  rule?: NumberRule;
  numThreads?: number;
  logger?: Logger;
  /** Passed through to the engine. */
  engineOptions?: Record<string, unknown>;
}

/**
 * An output record: the input record, feature columns parsed to numbers, plus
 * the model's label column: `mining`, a boolean (the class), or with
 * `scores: true` a number (the probability). A model with another label
 * (labels.txt) adds its column under that name instead.
 */
export type ClassifiedRecord<V extends boolean | number = boolean> = Record<string, unknown> & { mining: V };

type Records = Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>;

export class Detector {
  readonly model: LoadedModel;
  readonly options: DetectorOptions;

  private constructor(model: LoadedModel, options: DetectorOptions) {
    this.model = model;
    this.options = options;
  }

  static async open(options: DetectorOptions = {}): Promise<Detector> {
    const model = await openModel(options.modelName ?? DEFAULT_MODEL, {
      repository: options.modelRepository,
      columns: options.columns,
      columnsFile: options.columnsFile,
      engineOptions: options.engineOptions,
    });
    return new Detector(model, options);
  }

  /** The feature columns the model reads. */
  get columns(): readonly string[] {
    return this.model.columns;
  }

  private pipeline(): Pipeline {
    return new Pipeline({ numThreads: this.options.numThreads, logger: this.options.logger ?? quietLogger });
  }

  private finish(p: Pipeline): Pipeline {
    p.preprocess({ rule: this.options.rule }).inference({ stage: 'inf-fil', model: this.model });
    if (this.options.scores) p.addScores();
    else p.addClass({ threshold: this.options.threshold });
    return p.summarize().serialize();
  }

  /** Every record back, in order, feature columns parsed to numbers, plus `mining` (a number with `scores: true`). */
  async classify<V extends boolean | number = boolean>(records: Records): Promise<ClassifiedRecord<V>[]> {
    const p = this.finish(this.pipeline().fromRecords(records).deserialize()).collect();
    return (await p.run()).records! as ClassifiedRecord<V>[];
  }

  /** A file to a file (or '-' for stdin/stdout), like `abp detect IN OUT`; `maxLineBytes` as `--max_line_bytes`. */
  async detectFile(input: string, output?: string, o: { overwrite?: boolean; onError?: string; maxLineBytes?: number } = {}): Promise<RunResult> {
    const p = this.finish(this.pipeline().fromFile(input, { maxLineBytes: o.maxLineBytes }).deserialize({ onError: o.onError }));
    if (output) p.toFile(output, { overwrite: o.overwrite });
    return p.run();
  }

  dispose(): void {
    this.model.forest.dispose();
  }
}

/**
 * Classifies records with a Detector opened and disposed for this call:
 * `mining` is a boolean, or the probability with `scores: true`. With no
 * model named, the first records choose it: abp-gpm-xgb when they carry GPM
 * values, abp-nvsmi-xgb otherwise (model-choice.ts).
 */
export async function classify(records: Records, options: DetectorOptions & { scores: true }): Promise<ClassifiedRecord<number>[]>;
export async function classify(records: Records, options?: DetectorOptions & { scores?: false }): Promise<ClassifiedRecord<boolean>[]>;
export async function classify(records: Records, options: DetectorOptions = {}): Promise<ClassifiedRecord<boolean | number>[]> {
  if (options.modelName === undefined) {
    const peek = await peekRecords(records);
    const choice = chooseModel(peek.records, options.modelRepository);
    options.logger?.info(`model: ${choice.name} (${choice.reason})`);
    options = { ...options, modelName: choice.name };
    records = peek.all;
  }
  const d = await Detector.open(options);
  try {
    return await d.classify(records);
  } finally {
    d.dispose();
  }
}
