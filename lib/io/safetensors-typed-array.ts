/** Typed-array views of safetensors entries, for reading values in JavaScript without a Tensor. */
import type { SafetensorsDType } from './safetensors-dtypes';
import { elementSize } from './safetensors-dtypes';
import type { SafetensorsEntry } from './safetensors-parse';

/**
 * The typed array for each safetensors dtype. F16 and BF16 come as their raw 16-bit patterns
 * (Node 20 has no Float16Array); BOOL as bytes 0/1.
 */
export interface SafetensorsArrayMap {
  F16: Uint16Array;
  BF16: Uint16Array;
  F32: Float32Array;
  F64: Float64Array;
  I64: BigInt64Array;
  I32: Int32Array;
  U8: Uint8Array;
  BOOL: Uint8Array;
}

/**
 * The entry's elements as a typed array (see {@link SafetensorsArrayMap}). Sync. Zero-copy (a view
 * sharing the file buffer) when the data is aligned to its element size, which files written by
 * zscl or the reference writer always are; otherwise a copy. Assumes a little-endian host (x86-64,
 * arm64), like the format itself.
 */
export function typedArrayOf<D extends SafetensorsDType>(entry: SafetensorsEntry & { dtype: D }): SafetensorsArrayMap[D] {
  const size = elementSize(entry.dtype);
  let bytes = entry.bytes;
  if (bytes.byteOffset % size !== 0) bytes = bytes.slice();
  const length = bytes.length / size;
  switch (entry.dtype) {
    case 'F16':
    case 'BF16':
      return new Uint16Array(bytes.buffer, bytes.byteOffset, length) as SafetensorsArrayMap[D];
    case 'F32':
      return new Float32Array(bytes.buffer, bytes.byteOffset, length) as SafetensorsArrayMap[D];
    case 'F64':
      return new Float64Array(bytes.buffer, bytes.byteOffset, length) as SafetensorsArrayMap[D];
    case 'I64':
      return new BigInt64Array(bytes.buffer, bytes.byteOffset, length) as SafetensorsArrayMap[D];
    case 'I32':
      return new Int32Array(bytes.buffer, bytes.byteOffset, length) as SafetensorsArrayMap[D];
    default:
      return bytes as SafetensorsArrayMap[D];
  }
}
