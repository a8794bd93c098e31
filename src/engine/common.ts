/**
 * Argument checks and error naming shared by ForestModel (CPU) and
 * GpuForestModel (CUDA), so both engines reject the same input with the
 * same codes and messages.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ModelFormat } from '../native/addon.js';
import { ModelError, UsageError, type AbpError } from '../errors.js';

const FORMATS: readonly ModelFormat[] = ['auto', 'binary', 'json', 'ubjson'];

export function checkFormat(format: unknown): ModelFormat {
  if (typeof format !== 'string' || !FORMATS.includes(format as ModelFormat)) {
    throw new UsageError('ABP_BAD_ARGUMENT', `model format must be one of ${FORMATS.join(', ')}, got ${String(format)}`);
  }
  return format as ModelFormat;
}

/** Largest model file read (the largest real forests are a few hundred MiB). */
const MAX_MODEL_BYTES = 2 ** 31 - 1;

/**
 * Reads a model file; a failure is an ABP_MODEL_READ error naming the path.
 * Only a regular file is read: a link to a device such as /dev/zero would
 * otherwise be read until memory runs out.
 */
export async function readModelFile(path: string): Promise<Buffer> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'r');
    const st = await fh.stat();
    if (!st.isFile()) throw new ModelError('ABP_MODEL_READ', `${path}: cannot read the model file: it is not a regular file`);
    if (st.size > MAX_MODEL_BYTES) throw new ModelError('ABP_MODEL_READ', `${path}: cannot read the model file: ${st.size} bytes is more than the ${MAX_MODEL_BYTES} allowed`);
    return await fh.readFile();
  } catch (err) {
    if (err instanceof ModelError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new ModelError('ABP_MODEL_READ', `${path}: cannot read the model file: ${e.message}`, { cause: err });
  } finally {
    await fh?.close();
  }
}

/** The name errors use for bytes loaded without one. */
export function modelName(name: string | undefined): string {
  return name ?? '<model bytes>';
}

export function checkModelBytes(bytes: unknown, name: string): void {
  if (!(bytes instanceof Uint8Array)) throw new UsageError('ABP_BAD_ARGUMENT', `${name}: model bytes must be a Uint8Array`);
}

/**
 * Rows in a row-major batch of `numFeature` columns: `rows` if given (a safe
 * non-negative integer), else input.length / numFeature, which must be whole.
 */
export function rowCount(name: string, input: Float32Array, numFeature: number, rows: number | undefined): number {
  if (rows !== undefined && !(Number.isSafeInteger(rows) && rows >= 0)) {
    throw new UsageError('ABP_BAD_ARGUMENT', `${name}: rows must be a non-negative integer, got ${rows}`);
  }
  const n = rows ?? (numFeature > 0 ? input.length / numFeature : 0);
  if (!Number.isInteger(n)) {
    throw new UsageError(
      'ABP_INPUT_SHAPE',
      `${name}: input has ${input.length} values, not a whole number of rows of ${numFeature} features`,
    );
  }
  return n;
}

/** Prefixes the model's name to an error's message unless it already starts with it. */
export function namedError(name: string, e: AbpError): AbpError {
  if (!e.message.startsWith(name)) e.message = `${name}: ${e.message}`;
  return e;
}
