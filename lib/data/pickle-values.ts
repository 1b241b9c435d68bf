/** The values a pickle holds, as readPickle returns them and as they sit on its stack. */
import { ZsclError } from '../errors';

/** A decoded numpy array. */
export interface NdArray {
  kind: 'ndarray';
  dtype: string;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | Float32Array | Float64Array;
}

/**
 * A tensor a torch.save pickle describes: where its elements lie in one of the archive's storages
 * (offsets, sizes and strides in elements, as `torch._utils._rebuild_tensor_v2` takes them).
 */
export interface TorchTensorRef {
  kind: 'torch-tensor';
  /** The storage's record name in the archive (`data/<key>`). */
  storage: string;
  /** The element type, from the storage class (`torch.FloatStorage` → float32, …). */
  dtype: string;
  /** Elements in the whole storage. */
  storageSize: number;
  offset: number;
  shape: number[];
  stride: number[];
}

/** A value read from a pickle: dicts become Maps (keys keep their Python type). */
export type PickleValue = null | boolean | number | bigint | string | Uint8Array | NdArray | TorchTensorRef | PickleValue[] | Map<PickleValue, PickleValue>;

/** A global the pickle named (only the allowed ones: see pickle-numpy.ts, pickle-torch.ts). */
export class Global {
  constructor(readonly name: string) {}
}

/** A numpy dtype under construction: its type code and byte order. */
export class Dtype {
  constructor(
    public code: string,
    public order = '|',
  ) {}
}

/** The MARK opcode's stack marker. */
export class Mark {}

/** A Python 2 `str` (bytes read with encoding='latin1'): large ones stay bytes until used as text. */
export class Latin1 {
  constructor(readonly bytes: Uint8Array) {}
  text(): string {
    let s = '';
    for (let i = 0; i < this.bytes.length; i += 8192) s += String.fromCharCode(...this.bytes.subarray(i, i + 8192));
    return s;
  }
}

/** A numpy array that `_reconstruct` made and BUILD has not yet filled. */
export interface PartialArray {
  kind: 'partial-ndarray';
}

/** A torch storage a persistent id named (only ever an argument of `_rebuild_tensor_v2`). */
export class TorchStorage {
  constructor(
    readonly key: string,
    readonly dtype: string,
    readonly size: number,
  ) {}
}

/** What the unpickler's stack and memo hold. */
export type Item = PickleValue | Global | Dtype | Mark | Latin1 | PartialArray | TorchStorage;

export function isPartialArray(item: Item): item is PartialArray {
  return typeof item === 'object' && item !== null && 'kind' in item && item.kind === 'partial-ndarray';
}

/** A stack item that must be text (a str, or a Python 2 str). */
export function text(item: Item): string {
  if (typeof item === 'string') return item;
  if (item instanceof Latin1) return item.text();
  throw new ZsclError('readPickle: expected a string', 'E_FORMAT');
}

/** Converts a stack item to a public value: Python 2 strings become strings (tuples too, deeply). */
export function plain(item: Item): PickleValue {
  if (item instanceof Latin1) return item.text();
  if (item instanceof Global || item instanceof Mark || item instanceof Dtype || item instanceof TorchStorage)
    throw new ZsclError(`readPickle: unexpected ${item.constructor.name} in the data`, 'E_FORMAT');
  if (isPartialArray(item)) throw new ZsclError('readPickle: a numpy array without its data', 'E_FORMAT');
  if (Array.isArray(item)) return (item as Item[]).map(plain);
  return item as PickleValue;
}

export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
