/** The safetensors element types zscl reads and writes, and how they map onto zscl dtypes. */
import { ZsclError } from '../errors';
import type { DType } from '../tensor/dtype';

/** A safetensors dtype name that zscl supports. */
export type SafetensorsDType = 'F16' | 'BF16' | 'F32' | 'F64' | 'I64' | 'I32' | 'U8' | 'BOOL';

interface DTypeInfo {
  /** Bytes per element. */
  size: number;
  /** The zscl tensor dtype holding the same bits. */
  dtype: DType;
}

const TABLE: Record<SafetensorsDType, DTypeInfo> = {
  F16: { size: 2, dtype: 'float16' },
  BF16: { size: 2, dtype: 'bfloat16' },
  F32: { size: 4, dtype: 'float32' },
  F64: { size: 8, dtype: 'float64' },
  I64: { size: 8, dtype: 'int64' },
  I32: { size: 4, dtype: 'int32' },
  U8: { size: 1, dtype: 'uint8' },
  BOOL: { size: 1, dtype: 'bool' },
};

/** Every supported safetensors dtype name. */
export const SAFETENSORS_DTYPES = Object.keys(TABLE) as SafetensorsDType[];

/**
 * Dtypes the safetensors format defines but zscl cannot hold. A file using one is well-formed, so
 * it gets E_DTYPE rather than E_FORMAT.
 */
const KNOWN_UNSUPPORTED = new Set(['I8', 'I16', 'U16', 'U32', 'U64', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64']);

/** True for a supported safetensors dtype name. */
export function isSafetensorsDType(name: unknown): name is SafetensorsDType {
  return typeof name === 'string' && Object.hasOwn(TABLE, name);
}

/** True for a dtype the format defines that zscl does not support. */
export function isUnsupportedSafetensorsDType(name: string): boolean {
  return KNOWN_UNSUPPORTED.has(name);
}

/** Bytes per element of a safetensors dtype. */
export function elementSize(dtype: SafetensorsDType): number {
  return TABLE[dtype].size;
}

/** The zscl dtype for a safetensors dtype (F16 → float16, BF16 → bfloat16, …). */
export function toTensorDType(dtype: SafetensorsDType): DType {
  return TABLE[dtype].dtype;
}

/** The safetensors dtype for a zscl dtype. @throws ZsclError E_DTYPE for a dtype without one. */
export function fromTensorDType(dtype: DType): SafetensorsDType {
  const found = SAFETENSORS_DTYPES.find((name) => TABLE[name].dtype === dtype);
  if (found === undefined) throw new ZsclError(`zscl dtype '${dtype}' has no safetensors equivalent`, 'E_DTYPE');
  return found;
}
