/**
 * torch.save zip archives (open_clip's `.pt`/`.bin` state dicts), read as
 * `torch.load(weights_only=True)` reads them: `data.pkl` through the safe unpickler with only the
 * tensor globals allowed, each tensor's elements taken from its `data/<key>` storage record. No
 * code in the file runs. TorchScript archives (with `code/` and `constants.pkl`) are told apart.
 */
import { ZsclError } from '../errors';
import { readPickle } from '../data/pickle';
import type { PickleValue, TorchTensorRef } from '../data/pickle';
import { TORCH_GLOBALS } from '../data/pickle-torch';
import type { FileTensorReader } from '../io/file-tensor-reader';
import { fromBytes } from '../tensor/create';
import type { DType } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import type { ZipFile, ZipRecords } from './torch-zip';
import { readZipRecords } from './torch-zip';

/** A tensor's row-major little-endian elements, not yet a native tensor. */
export interface RawTensor {
  bytes: Uint8Array;
  shape: number[];
  dtype: DType;
}

const ELEMENT_BYTES: Record<string, number> = { float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, uint8: 1, bool: 1 };

/** A zip archive's kind: a TorchScript module (code inside) or a torch.save pickle. */
export interface TorchZip {
  kind: 'torchscript' | 'torch-save';
  records: ZipRecords;
  /** The archive's folder (`<name>/`) that holds `data.pkl`. */
  prefix: string;
}

/** Opens a torch zip archive held in memory. Sync. @throws ZsclError E_FORMAT naming `path`. */
export function openTorchZip(bytes: Uint8Array, path: string): TorchZip {
  const records = readZipRecords(bytes, path);
  return { ...torchZipKind([...records.keys()], path), records };
}

/**
 * An archive's kind and folder, from its record names. Sync.
 * @throws ZsclError E_FORMAT naming `path` when there is no data.pkl.
 */
export function torchZipKind(names: string[], path: string): Omit<TorchZip, 'records'> {
  const pickle = names.find((n) => n === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(n));
  if (!pickle) throw new ZsclError(`${path} is a zip archive without data.pkl; expected a torch.save or TorchScript archive`, 'E_FORMAT');
  const prefix = pickle.slice(0, -'data.pkl'.length);
  const torchscript = names.includes(`${prefix}constants.pkl`) || names.some((n) => n.startsWith(`${prefix}code/`));
  return { kind: torchscript ? 'torchscript' : 'torch-save', prefix };
}

/**
 * The state dict of a torch.save archive: the top-level dict, or its `state_dict` / `model` entry
 * (training checkpoints wrap it so). Keys are kept as written (`module.` prefixes included). Sync.
 * @throws ZsclError E_FORMAT naming `path`: a global other than the tensor ones (named as
 *   `module.name`), a missing or short storage, a big-endian archive, an entry that is not a tensor.
 */
export function readTorchSaveState(zip: TorchZip, path: string): Map<string, RawTensor> {
  const record = (name: string): Uint8Array => {
    const read = zip.records.get(`${zip.prefix}${name}`);
    if (!read) throw new ZsclError(`${path}: the archive has no record ${name}`, 'E_FORMAT');
    return read();
  };
  const state = stateDict(zip.records.get(`${zip.prefix}byteorder`)?.(), () => record('data.pkl'), path);
  const out = new Map<string, RawTensor>();
  const storages = new Map<string, Uint8Array>();
  for (const [key, value] of state) {
    const ref = checkedRef(key, value, path);
    let storage = storages.get(ref.storage);
    if (!storage) {
      storage = record(`data/${ref.storage}`);
      checkStorage(ref, storage.length, path);
      storages.set(ref.storage, storage);
    }
    out.set(key as string, { bytes: elements(storage, ref), shape: ref.shape, dtype: ref.dtype as DType });
  }
  return out;
}

/**
 * Promise form of {@link readTorchSaveState} for an archive read from a file: contiguous tensors
 * are read by `reader` straight from their storage records, never holding the archive in memory.
 * Async; the caller owns (disposes) the tensors.
 * @throws (rejects) as {@link readTorchSaveState}; E_IO when reading fails. Tensors already made are disposed.
 */
export async function readTorchSaveStateAsync(zip: ZipFile, prefix: string, path: string, reader: FileTensorReader): Promise<Map<string, Tensor>> {
  const entry = (name: string) => {
    const found = zip.entries.get(`${prefix}${name}`);
    if (!found) throw new ZsclError(`${path}: the archive has no record ${name}`, 'E_FORMAT');
    return found;
  };
  const order = zip.entries.get(`${prefix}byteorder`);
  const state = stateDict(order && (await zip.record(order)), await zip.record(entry('data.pkl')), path);
  const out = new Map<string, Tensor>();
  try {
    for (const [key, value] of state) {
      const ref = checkedRef(key, value, path);
      const storage = entry(`data/${ref.storage}`);
      checkStorage(ref, storage.size, path);
      const size = ELEMENT_BYTES[ref.dtype];
      const count = ref.shape.reduce((a, b) => a * b, 1);
      const range = isContiguous(ref) ? await zip.storedRange(storage) : undefined;
      const tensor = range
        ? await reader.tensor({ position: range.position + ref.offset * size, byteLength: count * size, shape: ref.shape, dtype: ref.dtype as DType })
        : fromBytes(elements(await zip.record(storage), ref), ref.shape, ref.dtype as DType);
      out.set(key as string, tensor);
    }
  } catch (error) {
    for (const t of out.values()) t.dispose();
    throw error;
  }
  return out;
}

/** The state dict `data.pkl` holds, after checking the byte order. */
function stateDict(byteorder: Uint8Array | undefined, pickle: Uint8Array | (() => Uint8Array), path: string): Map<PickleValue, PickleValue> {
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw new ZsclError(`${path}: big-endian torch archives are not supported; save it on a little-endian machine`, 'E_FORMAT');
  }
  const top = readPickle(typeof pickle === 'function' ? pickle() : pickle, `${path}: data.pkl`, TORCH_GLOBALS);
  const state = stateDictOf(top);
  if (!state) throw new ZsclError(`${path}: data.pkl holds no dict of tensors (nor one under 'state_dict' or 'model')`, 'E_FORMAT');
  return state;
}

function checkedRef(key: PickleValue, value: PickleValue, path: string): TorchTensorRef {
  if (typeof key !== 'string') throw new ZsclError(`${path}: a state dict key is not a string`, 'E_FORMAT');
  if (!isTensorRef(value)) throw new ZsclError(`${path}: state dict entry '${key}' is not a tensor`, 'E_FORMAT');
  return value;
}

function checkStorage(ref: TorchTensorRef, length: number, path: string): void {
  const need = ref.storageSize * ELEMENT_BYTES[ref.dtype];
  if (length < need) throw new ZsclError(`${path}: storage data/${ref.storage} has ${length} bytes, needs ${need}`, 'E_FORMAT');
}

function isTensorRef(value: PickleValue | undefined): value is TorchTensorRef {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'kind' in value && value.kind === 'torch-tensor';
}

function stateDictOf(top: PickleValue): Map<PickleValue, PickleValue> | undefined {
  if (!(top instanceof Map)) return undefined;
  for (const wrapper of ['state_dict', 'model']) {
    const inner = top.get(wrapper);
    if (inner instanceof Map && [...inner.values()].some(isTensorRef)) return inner;
  }
  return top;
}

/** The tensor's elements in row-major order: a view when contiguous, else gathered by strides. */
function elements(storage: Uint8Array, t: TorchTensorRef): Uint8Array {
  const size = ELEMENT_BYTES[t.dtype];
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (isContiguous(t)) return storage.subarray(t.offset * size, (t.offset + count) * size);
  const out = new Uint8Array(count * size);
  const index = new Array<number>(t.shape.length).fill(0);
  for (let n = 0; n < count; n++) {
    let source = t.offset;
    for (let d = 0; d < index.length; d++) source += index[d] * t.stride[d];
    out.set(storage.subarray(source * size, (source + 1) * size), n * size);
    for (let d = index.length - 1; d >= 0 && ++index[d] === t.shape[d]; d--) index[d] = 0;
  }
  return out;
}

/** Row-major with no gaps (or empty): its elements are one range of the storage. */
function isContiguous(t: TorchTensorRef): boolean {
  if (t.shape.includes(0)) return true;
  for (let i = t.shape.length - 1, expected = 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== expected) return false;
    expected *= t.shape[i];
  }
  return true;
}
