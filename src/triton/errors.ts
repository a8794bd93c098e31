import { AbpError, TritonError, fromNative } from '../errors.js';

/** Addon errors from the Triton bridge become TritonError; the engine's keep their classes. */
export function tritonError(err: unknown): AbpError {
  const code = (err as { code?: unknown })?.code;
  if (!(err instanceof AbpError) && typeof code === 'string' && code.startsWith('ABP_TRITON_')) {
    return new TritonError(code, (err as Error).message, { cause: err });
  }
  return fromNative(err);
}
