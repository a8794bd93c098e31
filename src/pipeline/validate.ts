/** The order rules of a stage chain (Morpheus') and its numeric bounds, checked before anything runs. */
import { UsageError } from '../errors.js';
import { checkInputName } from '../stages/input-formats.js';
import { LIMITS, checkInteger, checkThreshold } from './limits.js';
import type { PipelineOptions, StageSpec } from './types.js';

export const SOURCES = new Set(['from-file', 'from-records']);
export const SINKS = new Set(['to-file', 'collect']);
const NEEDS_INFERENCE = new Set(['add-class', 'add-scores', 'filter']);

export function stageName(s: StageSpec): string {
  return s.type === 'inference' ? (s.stage ?? 'inf-fil') : s.type;
}

/** Throws a UsageError when the stages are in an order that cannot run (Morpheus' rules). */
export function validateStages(st: readonly StageSpec[]): void {
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

/** Numeric options in range (Morpheus' option names, as the command line spells them); no CSV input. */
export function checkNumbers(o: PipelineOptions, stages: readonly StageSpec[]): void {
  checkInteger('pipeline_batch_size', o.pipelineBatchSize, LIMITS.pipelineBatchSize);
  checkInteger('model_max_batch_size', o.modelMaxBatchSize, LIMITS.modelMaxBatchSize);
  checkInteger('num_threads', o.numThreads, LIMITS.numThreads);
  for (const s of stages) {
    if (s.type === 'from-file') {
      checkInteger('repeat', s.repeat, LIMITS.repeat);
      if (s.filename !== '-' && s.format === undefined) checkInputName(s.filename);
    }
    if (s.type === 'add-class' || s.type === 'filter') checkThreshold(`threshold (${s.type})`, s.threshold);
  }
}
