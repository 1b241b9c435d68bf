/**
 * Every error zscl throws is a {@link ZsclError} with a stable `code`.
 * Native failures arrive with the same class (the addon builds them through it).
 */

/** Stable error codes; `err.code` is always one of these. */
export type ErrorCode =
  | 'E_ARG' // wrong argument type or value
  | 'E_SHAPE' // incompatible shapes or sizes
  | 'E_DTYPE' // unsupported or mismatched dtype
  | 'E_DEVICE' // wrong or unavailable device
  | 'E_INDEX' // index or dimension out of range
  | 'E_DISPOSED' // tensor or model used after dispose()
  | 'E_BUSY' // object in use by an unfinished async operation
  | 'E_AUTOGRAD' // autograd misuse
  | 'E_IO' // file input/output
  | 'E_FORMAT' // malformed file contents (safetensors, configs, images)
  | 'E_NATIVE_LOAD' // the native addon could not be loaded
  | 'E_TORCH' // any other libtorch failure
  | 'E_CONFIG' // invalid configuration
  | 'E_CANCELLED' // operation cancelled by the caller
  | 'E_NONFINITE' // NaN or Inf where a finite value is required
  | 'E_DIST' // distributed training: a peer died or timed out, ranks disagree, rendezvous failed
  | 'E_GUARD'; // the zero-shot guard stopped a run whose probe accuracy dropped too far

/** An error with a machine-readable {@link ErrorCode}. */
export class ZsclError extends Error {
  /** The stable code naming the category of failure. */
  readonly code: ErrorCode;

  constructor(message: string, code: ErrorCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ZsclError';
    this.code = code;
  }
}

/** "number 3", "string 'x'", "array", "null": how argument errors name what they received. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string '${value.length > 40 ? value.slice(0, 40) + '…' : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/**
 * The E_ARG error of an argument that is not what `where` takes, in the one wording argument
 * errors share: `<where>: expected <expected> but received <the value, described>`.
 * @example argumentError('DataLoader', 'seed to be a non-negative integer', -1)
 *   // DataLoader: expected seed to be a non-negative integer but received number -1
 */
export function argumentError(where: string, expected: string, value: unknown): ZsclError {
  return new ZsclError(`${where}: expected ${expected} but received ${describeValue(value)}`, 'E_ARG');
}
