/** The pipeline's public shapes: options, stage specs, results. */
import type { Readable } from 'node:stream';
import type { LoadedModel } from '../model-repo/open.js';
import type { DeserializeCounts, OnErrorPolicy } from '../stages/deserialize.js';
import type { InputFormat } from '../stages/from-file.js';
import type { NumberRule } from '../stages/parse-value.js';
import type { OutputFormat } from '../stages/to-file.js';
import type { EngineChoice } from '../triton/engine.js';
import { printableLines } from '../util/printable.js';
import type { DetectionSummary } from './summary.js';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

// Messages name files and quote input: escaped for the terminal.
export const stderrLogger: Logger = {
  info: (m) => process.stderr.write(`${printableLines(m)}\n`),
  warn: (m) => process.stderr.write(`Warning: ${printableLines(m)}\n`),
};

export const quietLogger: Logger = { info: () => undefined, warn: (m) => process.stderr.write(`Warning: ${printableLines(m)}\n`) };

export interface PipelineOptions {
  /** Rows per batch between stages (Morpheus' --pipeline_batch_size). Default 1024. */
  pipelineBatchSize?: number;
  /** Rows per engine call (Morpheus' --model_max_batch_size), capped by the model's max_batch_size. Default 8192. */
  modelMaxBatchSize?: number;
  /**
   * Threads of the pipeline (Morpheus' --num_threads): blocks of input are
   * worked on by this many worker threads (1: all on the main thread), and
   * the engine uses up to this many per call. 0 or absent: one per core
   * (a plain file under 16 MB is then worked on the main thread: starting
   * workers would cost more than they save).
   */
  numThreads?: number;
  /** Feature column list file (pipeline-fil --columns_file), overriding the model's. */
  columnsFile?: string;
  /** Labels file (pipeline-fil --labels_file), overriding the model's labels.txt. */
  labelsFile?: string;
  /** Labels (pipeline-fil --label). */
  labels?: string[];
  /** Expected feature count (pipeline-fil --model_fea_length). */
  featureLength?: number;
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
  | {
      type: 'monitor';
      description?: string;
      unit?: string;
      /** Where stderr is not a terminal: a progress line this often (default: only the final line). */
      periodicMs?: number;
    }
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
  /** The main thread's wait for the next block in input order (large when the workers are the limit). */
  wait: number;
  /**
   * Set-up before the first block is read: model load, worker threads started
   * (each loads the block code and warms up on its own). Part of `seconds`:
   * on a short run with many threads it is a large part.
   */
  setup: number;
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
  /**
   * Milliseconds spent in each kind of stage: parse, preprocess, postprocess
   * and serialize summed over the threads that worked on blocks; read, write
   * and wait the main thread's; inference the time blocks waited for the engine (summed,
   * overlapping); engine the engine calls' own wall time.
   */
  times: StageTimes;
  model?: { name: string; file: string; columns: number };
  /** Worker threads that worked on the blocks (0: the main thread did). */
  threads: number;
  /** Per worker thread, its blocks as timed on it (absent when the main thread did the work). */
  workers?: WorkerStats[];
}

/** One worker's blocks, as timed on the worker, for the bench: why time per row changes with the thread count. */
export interface WorkerStats {
  blocks: number;
  /** Lines of its blocks. */
  rows: number;
  /** Milliseconds of block work (parse, preprocess, postprocess, serialize). */
  ms: number;
  /** The same for the worker's first blocks (WARM_BLOCKS): JIT warm-up shows as a higher cost per row there. */
  warmRows: number;
  warmMs: number;
  /** Garbage collection on the worker's isolate (ms). */
  gcMs: number;
  /** The worker thread's CPU time when it sent its last block (Linux; block work above it means it waited for a core). */
  cpuMs?: number;
}
