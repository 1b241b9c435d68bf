/**
 * The numeric precision of training and evaluation (docs/precision.md): `fp32` is the reference
 * exactly; `tf32` lets CUDA compute float32 matrix products on TF32 tensor cores (on the CPU it
 * is fp32); `bf16` runs the model's matrix products and attention in bfloat16, autocast-style,
 * with weights, gradients, optimizer state, LayerNorm, softmax, logits and losses in float32.
 */
import { ZsclError, describeValue } from '../errors';

export type Precision = 'fp32' | 'tf32' | 'bf16';

/** Every precision, the default first. */
export const PRECISIONS: readonly Precision[] = ['fp32', 'tf32', 'bf16'];

/**
 * `value` as a precision. Sync.
 * @param where what to name in the error (a config key, a flag, a setter).
 * @throws ZsclError `code` (E_ARG by default) naming `where` and the accepted values.
 */
export function checkPrecision(value: unknown, where: string, code: 'E_ARG' | 'E_CONFIG' = 'E_ARG'): Precision {
  if (PRECISIONS.includes(value as Precision)) return value as Precision;
  throw new ZsclError(`${where}: expected ${PRECISIONS.map((p) => `'${p}'`).join(', ')} but received ${describeValue(value)}`, code);
}
