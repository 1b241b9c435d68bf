/** Reading safetensors files from disk, as validated entries or as zscl Tensors. */
import type { Tensor } from '../tensor/tensor';
import type { Device } from '../tensor/dtype';
import { fromBytes } from '../tensor/create';
import { readFileBytes, readFileBytesAsync } from './read-file';
import type { SafetensorsFile } from './safetensors-parse';
import { parseSafetensors } from './safetensors-parse';
import { toTensorDType } from './safetensors-dtypes';

/** Where {@link loadTensors} puts the tensors. */
export interface LoadTensorsOptions {
  /** Device for every tensor (default `'cpu'`). */
  device?: Device;
}

/**
 * Reads and validates a safetensors file. Sync. The entries view one buffer holding the file.
 * @throws ZsclError E_IO when the file is missing or unreadable, E_FORMAT when its content is
 *   malformed, E_DTYPE for an unsupported dtype; messages name the path.
 */
export function readSafetensors(path: string): SafetensorsFile {
  return parseSafetensors(readFileBytes(path), path);
}

/**
 * Promise form of {@link readSafetensors}: the file is read on libuv's thread pool, then parsed. Async.
 * @throws (rejects) as {@link readSafetensors}.
 */
export async function readSafetensorsAsync(path: string): Promise<SafetensorsFile> {
  return parseSafetensors(await readFileBytesAsync(path), path);
}

/**
 * Reads a safetensors file into zscl Tensors by name (F16 → float16, BF16 → bfloat16, F32 →
 * float32, F64 → float64, I64 → int64, I32 → int32, U8 → uint8, BOOL → bool). Sync. Each tensor is
 * one copy of its bytes into native memory, tracked by the current scope like any new tensor.
 * @throws as {@link readSafetensors}; E_DEVICE for an unavailable device. Tensors already made are
 *   disposed before throwing.
 */
export function loadTensors(path: string, options: LoadTensorsOptions = {}): Record<string, Tensor> {
  return tensorsOfFile(readSafetensors(path), options);
}

/**
 * Promise form of {@link loadTensors}: reading the file is asynchronous; creating the tensors is a
 * fast synchronous copy. Async.
 * @throws (rejects) as {@link loadTensors}.
 */
export async function loadTensorsAsync(path: string, options: LoadTensorsOptions = {}): Promise<Record<string, Tensor>> {
  return tensorsOfFile(await readSafetensorsAsync(path), options);
}

/** The tensors of an already parsed file (as {@link loadTensors}). Sync. */
function tensorsOfFile(file: SafetensorsFile, options: LoadTensorsOptions = {}): Record<string, Tensor> {
  const made: [string, Tensor][] = [];
  try {
    for (const entry of file.tensors.values()) {
      made.push([entry.name, fromBytes(entry.bytes, entry.shape, toTensorDType(entry.dtype), { device: options.device })]);
    }
  } catch (error) {
    for (const [, tensor] of made) tensor.dispose();
    throw error;
  }
  // fromEntries defines own properties, so a tensor named "__proto__" cannot change the prototype.
  return Object.fromEntries(made);
}
