/**
 * Writing safetensors files. The layout matches the reference writer: the header is compact JSON
 * padded with spaces to a multiple of 8 bytes, `__metadata__` comes first, and tensors are stored
 * largest element size first, then by name, so every tensor's offset is aligned to its element size
 * and readers can view the data without copying.
 */
import { ZsclError, argumentError, describeValue } from '../errors';
import { Tensor } from '../tensor/tensor';
import { writeFileAtomic, writeFileAtomicAsync } from './atomic-write';
import type { SafetensorsDType } from './safetensors-dtypes';
import { SAFETENSORS_DTYPES, elementSize, fromTensorDType, isSafetensorsDType } from './safetensors-dtypes';
import { MAX_HEADER_BYTES, METADATA_KEY } from './safetensors-parse';

/** Tensor data given as raw little-endian bytes instead of a {@link Tensor}. */
export interface RawTensor {
  dtype: SafetensorsDType;
  shape: number[];
  /** Row-major elements; length must be product(shape) × element size. */
  bytes: Uint8Array;
}

/** What the writers accept: tensors (any device) or raw byte tensors, by name. */
export type SafetensorsInput = Record<string, Tensor | RawTensor>;

interface Prepared {
  name: string;
  nameBytes: Buffer;
  dtype: SafetensorsDType;
  shape: number[];
  bytes: Uint8Array;
}

/**
 * The complete bytes of a safetensors file holding `tensors` and `metadata`. Sync.
 * @throws ZsclError E_ARG for a bad name, metadata value or raw tensor, E_SHAPE when raw bytes do not
 *   fill their shape, E_DTYPE for an unknown raw dtype, E_DISPOSED for a disposed tensor.
 */
export function serializeSafetensors(tensors: SafetensorsInput, metadata?: Record<string, string>): Uint8Array {
  const chunks = encode('serializeSafetensors', tensors, metadata);
  // A fresh buffer (Buffer.concat may use the shared pool), so the file starts at offset 0.
  const out = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * Writes `tensors` (and optional string `metadata`) to `path` as a safetensors file. Sync.
 * Atomic: the data goes to a temporary file in the same folder, is fsynced, then renamed over
 * `path`, so a crash or error mid-save never leaves a truncated file or damages an existing one.
 * @throws as {@link serializeSafetensors}; E_IO when the file cannot be written (message names it).
 */
export function writeSafetensors(path: string, tensors: SafetensorsInput, metadata?: Record<string, string>): void {
  writeFileAtomic(path, encode('writeSafetensors', tensors, metadata));
}

/**
 * Promise form of {@link writeSafetensors}: the tensor bytes are collected synchronously, then the
 * file is written on libuv's thread pool. Async; as atomic as the sync form.
 * @throws (rejects) as {@link writeSafetensors}.
 */
export async function writeSafetensorsAsync(path: string, tensors: SafetensorsInput, metadata?: Record<string, string>): Promise<void> {
  await writeFileAtomicAsync(path, encode('writeSafetensorsAsync', tensors, metadata));
}

/** The file as chunks: length prefix, padded header, then each tensor's bytes in layout order. */
function encode(caller: string, tensors: SafetensorsInput, metadata: Record<string, string> | undefined): Uint8Array[] {
  if (typeof tensors !== 'object' || tensors === null || Array.isArray(tensors) || tensors instanceof Tensor) {
    throw argumentError(caller, 'an object of tensors by name', tensors);
  }
  const entries = Object.entries(tensors).map(([name, value]) => prepare(caller, name, value));
  entries.sort((a, b) => elementSize(b.dtype) - elementSize(a.dtype) || Buffer.compare(a.nameBytes, b.nameBytes));

  // Built by hand, not from an object: JS objects reorder integer-like keys and treat "__proto__"
  // specially, and the key order is what fixes the layout.
  const fields: string[] = [];
  if (metadata !== undefined) fields.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(checkMetadata(caller, metadata))}`);
  let offset = 0;
  for (const entry of entries) {
    const info = { dtype: entry.dtype, shape: entry.shape, data_offsets: [offset, offset + entry.bytes.length] };
    fields.push(`${JSON.stringify(entry.name)}:${JSON.stringify(info)}`);
    offset += entry.bytes.length;
  }
  const json = Buffer.from(`{${fields.join(',')}}`, 'utf8');
  const padded = Buffer.alloc(Math.ceil(json.length / 8) * 8, ' ');
  json.copy(padded);
  if (padded.length > MAX_HEADER_BYTES) {
    throw new ZsclError(`${caller}: the header would be ${padded.length} bytes, over the ${MAX_HEADER_BYTES}-byte limit readers enforce`, 'E_ARG');
  }
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(padded.length));
  return [length, padded, ...entries.map((entry) => entry.bytes)];
}

function prepare(caller: string, name: string, value: Tensor | RawTensor): Prepared {
  if (name === METADATA_KEY) throw new ZsclError(`${caller}: '${METADATA_KEY}' is reserved and cannot name a tensor`, 'E_ARG');
  const nameBytes = Buffer.from(name, 'utf8');
  if (value instanceof Tensor) {
    return { name, nameBytes, dtype: fromTensorDType(value.dtype), shape: value.shape, bytes: value.bytes() };
  }
  if (typeof value !== 'object' || value === null) {
    throw argumentError(caller, `tensor '${name}' to be a Tensor or {dtype, shape, bytes}`, value);
  }
  const { dtype, shape, bytes } = value;
  if (!isSafetensorsDType(dtype)) {
    throw new ZsclError(`${caller}: tensor '${name}' has dtype ${describeValue(dtype)}; expected one of ${SAFETENSORS_DTYPES.join(', ')}`, 'E_DTYPE');
  }
  if (!Array.isArray(shape) || !shape.every((size) => Number.isSafeInteger(size) && size >= 0)) {
    throw argumentError(caller, `tensor '${name}' shape to be an array of non-negative integers`, shape);
  }
  if (!(bytes instanceof Uint8Array)) {
    throw argumentError(caller, `tensor '${name}' bytes to be a Uint8Array`, bytes);
  }
  const needed = shape.reduce((product, size) => product * size, 1) * elementSize(dtype);
  if (bytes.length !== needed) {
    throw new ZsclError(`${caller}: tensor '${name}' has ${bytes.length} bytes but ${dtype} shape [${shape.join(', ')}] needs ${needed}`, 'E_SHAPE');
  }
  return { name, nameBytes, dtype, shape: [...shape], bytes };
}

function checkMetadata(caller: string, metadata: unknown): Record<string, string> {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw argumentError(caller, 'metadata to be an object of strings', metadata);
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw argumentError(caller, `metadata value for '${key}' to be a string`, value);
    }
  }
  return metadata as Record<string, string>;
}
