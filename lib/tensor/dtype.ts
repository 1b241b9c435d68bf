/** Element types and devices, and how their data appears in JavaScript. */
import { ZsclError, describeValue } from '../errors';

/** Element types a {@link Tensor} can hold. */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'uint8' | 'bool';

/** Native codes, in native/common/convert.cc order. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'uint8', 'bool'];

/** `'cpu'`, `'cuda'` or `'cuda:N'`. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/** The typed array that {@link Tensor.data} returns for each dtype (float16/bfloat16 widen to float32). */
export interface DataTypeMap {
  float32: Float32Array;
  float64: Float64Array;
  float16: Float32Array;
  bfloat16: Float32Array;
  int64: BigInt64Array;
  int32: Int32Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

/** Any typed array a tensor can be created from or read into. */
export type TypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export function dtypeCode(dtype: DType): number {
  const code = DTYPES.indexOf(dtype);
  if (code < 0) throw new ZsclError(`unknown dtype ${describeValue(dtype)}; expected one of ${DTYPES.join(', ')}`, 'E_DTYPE');
  return code;
}

/** The dtype a typed array holds natively. */
export function dtypeOfArray(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  throw new ZsclError(`unsupported typed array ${describeValue(data)}`, 'E_DTYPE');
}

/** Wraps native bytes in the typed array of `dtype` (as {@link DataTypeMap} says). */
export function viewData<D extends DType>(buffer: ArrayBuffer, dtype: D): DataTypeMap[D] {
  switch (dtype) {
    case 'float32':
    case 'float16':
    case 'bfloat16':
      return new Float32Array(buffer) as DataTypeMap[D];
    case 'float64':
      return new Float64Array(buffer) as DataTypeMap[D];
    case 'int64':
      return new BigInt64Array(buffer) as DataTypeMap[D];
    case 'int32':
      return new Int32Array(buffer) as DataTypeMap[D];
    default:
      return new Uint8Array(buffer) as DataTypeMap[D];
  }
}

/** Checks a device string. */
export function checkDevice(device: unknown): Device {
  if (typeof device === 'string' && /^(cpu|cuda(:\d+)?)$/.test(device)) return device as Device;
  throw new ZsclError(`unknown device ${describeValue(device)}; expected 'cpu', 'cuda' or 'cuda:N'`, 'E_DEVICE');
}
