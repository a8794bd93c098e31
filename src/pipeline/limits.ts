/**
 * Bounds of the pipeline's numeric options, checked before anything runs (a
 * UsageError: exit status 2 on the command line). The batch bound keeps a
 * typo (`--pipeline_batch_size=100000000` on a 20-line file took 3 GB) from
 * becoming an allocation: deserialize sizes per-batch arrays by it.
 */
import { UsageError } from '../errors.js';

export const LIMITS = {
  /** Rows per batch between stages: 1 .. 1,048,576 (Morpheus' default is 256, ours 1024). */
  pipelineBatchSize: { min: 1, max: 1 << 20 },
  /** Rows per engine call: sliced from a batch, so it allocates nothing of its own. */
  modelMaxBatchSize: { min: 1, max: 2 ** 31 - 1 },
  /** Engine threads, 0 = all cores. */
  numThreads: { min: 0, max: 1024 },
  /** Times the input is read. */
  repeat: { min: 1, max: 1_000_000 },
} as const;

/** `value` must be an integer in [min, max]; `name` is the option as the user wrote it. */
export function checkInteger(name: string, value: number | undefined, range: { min: number; max: number }): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new UsageError('ABP_BAD_ARGUMENT', `${name} must be an integer from ${range.min} to ${range.max.toLocaleString('en-US')}, got ${String(value)}`);
  }
}

/**
 * A threshold is a probability: finite, 0 to 1 inclusive. A row is flagged when
 * its probability is above it, so 0 flags every row with any probability and 1
 * flags none; both are allowed on purpose (all / nothing, e.g. to test a hook).
 */
export function checkThreshold(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError('ABP_BAD_ARGUMENT', `${name} must be a probability from 0 to 1, got ${String(value)}`);
  }
}
