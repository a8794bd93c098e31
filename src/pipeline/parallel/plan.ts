/**
 * What a block goes through after it is read: the pipeline's stages from
 * deserialize to serialize, resolved on the main thread (columns, labels,
 * thresholds) into plain data that can be posted to a worker thread. The
 * inference step is the one point where the block waits for the main thread,
 * which runs the engine.
 */
import type { InputLimits } from '../../stages/deserialize.js';
import type { NumberRule } from '../../stages/parse-value.js';

export type StepPlan =
  | { type: 'preprocess'; columns: string[]; rule?: NumberRule }
  | { type: 'inference' }
  | { type: 'add-class'; labels: string[]; only?: string[]; prefix?: string; threshold: number }
  | { type: 'add-scores'; labels: string[]; only?: string[]; prefix?: string }
  | { type: 'filter'; threshold: number }
  /** Counts the rows passing this point (the main thread's Monitor shows them). */
  | { type: 'monitor' }
  | { type: 'summary'; label: string }
  | { type: 'serialize'; include?: string[]; exclude: string[] };

export interface BlockPlan {
  /** Names and prefixes the line check notes (see KeySet). */
  names: string[];
  prefixes: string[];
  /** What a malformed line does to its block: 'fail' stops it at the first one. */
  onError: 'fail' | 'skip' | 'quarantine';
  /** Bounds on one line or record (deserialize's). */
  limits: InputLimits;
  /** In pipeline order; ends with serialize. */
  steps: StepPlan[];
  /**
   * Each block's output compressed to a gzip member of its own (for .gz
   * output): deflate then runs on every worker, not on one thread.
   */
  gzip?: boolean;
}
