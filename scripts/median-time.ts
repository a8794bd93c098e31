/**
 * The benchmarks' timer: one warm-up call (it also sizes the repeat count), then the median
 * seconds of as many repeats as fill about `budgetS` seconds, within [minReps, maxReps].
 * A warm-up slower than `slowS` is the figure itself (no repeats).
 */
export interface MedianOptions {
  budgetS?: number;
  minReps?: number;
  maxReps: number;
  slowS?: number;
}

export async function medianSeconds(fn: () => Promise<unknown>, o: MedianOptions): Promise<number> {
  const budget = o.budgetS ?? 1;
  let t = performance.now();
  await fn();
  const first = (performance.now() - t) / 1e3;
  if (o.slowS !== undefined && first > o.slowS) return first;
  const reps = Math.max(o.minReps ?? 3, Math.min(o.maxReps, Math.floor(budget / Math.max(first, 1e-6))));
  const runs: number[] = [];
  for (let i = 0; i < reps; i++) {
    t = performance.now();
    await fn();
    runs.push((performance.now() - t) / 1e3);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)]!;
}
