/**
 * Every error abp-fil raises is an AbpError with a stable `code`. Native
 * errors arrive as plain Errors carrying `code` (see native/common/status.h)
 * and are turned into these classes by `fromNative`.
 */
export class AbpError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A model file that cannot be read, is impossible, or uses what we do not run. */
export class ModelError extends AbpError {}
/** A model repository entry (config.pbtxt, column list) that is missing or inconsistent. */
export class ModelConfigError extends AbpError {}
/** Bad input data: malformed record, wrong shape. Carries file/line/field where known. */
export class InputError extends AbpError {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  constructor(code: string, message: string, where: { file?: string; line?: number; field?: string } = {}, options?: { cause?: unknown }) {
    super(code, message, options);
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }
}
/** Wrong arguments to a library call or CLI option. */
export class UsageError extends AbpError {}
/** GPU / CUDA failures: unavailable, out of memory, kernel or copy failure. */
export class DeviceError extends AbpError {}
/** Output problems: refusing to overwrite, failed write. */
export class OutputError extends AbpError {}
/** Telemetry collection problems: nvidia-smi missing, failing, hanging, or printing a malformed document. */
export class TelemetryError extends AbpError {}
/** Triton in-process API problems. */
export class TritonError extends AbpError {}
/** A bug or an unexpected native failure. */
export class InternalError extends AbpError {}

const NATIVE_CLASSES: Record<string, new (code: string, message: string, options?: { cause?: unknown }) => AbpError> = {
  ABP_MODEL_FORMAT: ModelError,
  ABP_MODEL_INVALID: ModelError,
  ABP_MODEL_UNSUPPORTED: ModelError,
  ABP_BAD_ARGUMENT: UsageError,
  ABP_INPUT_SHAPE: UsageError,
  ABP_DISPOSED: UsageError,
  ABP_OUT_OF_MEMORY: InternalError,
  ABP_CUDA_UNAVAILABLE: DeviceError,
  ABP_CUDA_OOM: DeviceError,
  ABP_CUDA_ERROR: DeviceError,
  ABP_NVML_UNAVAILABLE: TelemetryError,
  ABP_INTERNAL: InternalError,
};

/** Wraps an error thrown or rejected by the addon in its AbpError class. */
export function fromNative(err: unknown): AbpError {
  if (err instanceof AbpError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : 'ABP_INTERNAL';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const Cls = NATIVE_CLASSES[code] ?? InternalError;
  return new Cls(code, message, { cause: err });
}
