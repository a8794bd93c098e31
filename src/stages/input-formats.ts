/**
 * What from-file reads, in words for error messages: a CSV file otherwise
 * fails at line 1 as "malformed JSON line", which does not say that CSV is
 * not read at all.
 */
import { InputError, UsageError } from '../errors.js';

export const SUPPORTED_INPUTS = 'JSON lines (.jsonlines, .jsonl, .json; gzipped .gz) and Arrow IPC (.arrow, .arrows, .feather)';

/** Refuses, before anything runs, an input whose name says it is CSV/TSV. */
export function checkInputName(filename: string): void {
  const m = /\.(csv|tsv)(\.gz)?$/i.exec(filename);
  if (m) throw new UsageError('ABP_INPUT_FORMAT', `${filename}: ${m[1].toUpperCase()} input is not supported; abp reads ${SUPPORTED_INPUTS}`);
}

/** A malformed first line adds which formats are read (a CSV header, a text file, ...). */
export function withFormatHint(err: unknown): unknown {
  if (err instanceof InputError && err.code === 'ABP_INPUT_MALFORMED' && err.line === 1 && !err.message.includes(SUPPORTED_INPUTS)) {
    return new InputError(err.code, `${err.message} (is it JSON lines? abp reads ${SUPPORTED_INPUTS}; CSV is not supported)`, { file: err.file, line: err.line, field: err.field }, { cause: err });
  }
  return err;
}
