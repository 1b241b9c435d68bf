/**
 * A minimal, safe reader for the Python pickles of dataset files (CIFAR's `cifar-100-python/train`,
 * …): dicts, lists, tuples, numbers, strings, bytes and numpy arrays. It interprets the pickle
 * opcodes itself and never runs code: the only globals it accepts are the numpy array/dtype
 * constructors and `_codecs.encode`, which it emulates; anything else is refused.
 */
import { ZsclError } from '../errors';

/** A decoded numpy array. */
export interface NdArray {
  kind: 'ndarray';
  dtype: string;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | Float32Array | Float64Array;
}

/** A value read from a pickle: dicts become Maps (keys keep their Python type). */
export type PickleValue = null | boolean | number | bigint | string | Uint8Array | NdArray | PickleValue[] | Map<PickleValue, PickleValue>;

const ALLOWED_GLOBALS = new Set([
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.ndarray',
  'numpy.dtype',
  '_codecs.encode',
]);

class Global {
  constructor(readonly name: string) {}
}
class Dtype {
  constructor(
    public code: string,
    public order = '|',
  ) {}
}
class Mark {}
/** A Python 2 `str` (bytes read with encoding='latin1'): large ones stay bytes until used as text. */
class Latin1 {
  constructor(readonly bytes: Uint8Array) {}
  text(): string {
    let s = '';
    for (let i = 0; i < this.bytes.length; i += 8192) s += String.fromCharCode(...this.bytes.subarray(i, i + 8192));
    return s;
  }
}

type Item = PickleValue | Global | Dtype | Mark | Latin1 | PartialArray;
interface PartialArray {
  kind: 'partial-ndarray';
}

/**
 * Reads one pickle from `bytes`; `name` is for messages. Sync.
 * @throws ZsclError E_FORMAT naming `name` for truncated or malformed data, unsupported opcodes,
 *   and any global other than numpy's array constructors.
 */
export function readPickle(bytes: Uint8Array, name: string): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Item[] = [];
  const memo = new Map<number, Item>();
  let at = 0;
  const fail = (why: string): never => {
    throw new ZsclError(`readPickle: ${name}: ${why} (at byte ${at})`, 'E_FORMAT');
  };
  const need = (n: number) => {
    if (at + n > bytes.length) fail('unexpected end of data');
  };
  const take = (n: number) => {
    need(n);
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) fail('unterminated text argument');
    const out = String.fromCharCode(...bytes.subarray(at, end));
    at = end + 1;
    return out;
  };
  const pop = (): Item => (stack.length === 0 ? fail('stack underflow') : stack.pop()!);
  const popMark = (): Item[] => {
    for (let i = stack.length - 1; i >= 0; i--) {
      if (stack[i] instanceof Mark) return stack.splice(i).slice(1);
    }
    return fail('missing MARK');
  };
  const utf8 = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: false }).decode(b);
  const length32 = () => {
    need(4);
    const n = view.getUint32(at, true);
    at += 4;
    return n;
  };
  const length64 = () => {
    need(8);
    const n = Number(view.getBigUint64(at, true));
    at += 8;
    return n;
  };
  const setItems = (target: Item, items: Item[]) => {
    if (!(target instanceof Map)) fail('SETITEM on a non-dict');
    const map = target as Map<PickleValue, PickleValue>;
    for (let i = 0; i + 1 < items.length; i += 2) map.set(plain(items[i]), plain(items[i + 1]));
  };

  for (;;) {
    need(1);
    const op = bytes[at++];
    switch (op) {
      case 0x80: // PROTO
        take(1);
        break;
      case 0x95: // FRAME
        take(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`stack holds ${stack.length} items at STOP`);
        return plain(stack[0]);
      case 0x28: // MARK
        stack.push(new Mark());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x64: {
        // DICT
        const map = new Map<PickleValue, PickleValue>();
        setItems(map, popMark());
        stack.push(map);
        break;
      }
      case 0x6c: // LIST
        stack.push(popMark().map(plain));
        break;
      // Tuples keep raw items: they may be arguments of numpy's constructors (globals, dtypes, bytes).
      case 0x74: // TUPLE
        stack.push(popMark() as PickleValue[]);
        break;
      case 0x85:
        stack.push([pop()] as PickleValue[]);
        break;
      case 0x86: {
        const b = pop();
        stack.push([pop(), b] as PickleValue[]);
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c] as PickleValue[]);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(stack[stack.length - 1], [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(stack[stack.length - 1], items);
        break;
      }
      case 0x61: {
        // APPEND
        const value = pop();
        const list = stack[stack.length - 1];
        if (!Array.isArray(list)) fail('APPEND on a non-list');
        (list as PickleValue[]).push(plain(value));
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = stack[stack.length - 1];
        if (!Array.isArray(list)) fail('APPENDS on a non-list');
        for (const item of items) (list as PickleValue[]).push(plain(item));
        break;
      }
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(at, true));
        at += 4;
        break;
      case 0x4b: // BININT1
        stack.push(take(1)[0]);
        break;
      case 0x4d: // BININT2
        need(2);
        stack.push(view.getUint16(at, true));
        at += 2;
        break;
      case 0x8a: {
        // LONG1
        const n = take(1)[0];
        stack.push(littleEndianInteger(take(n)));
        break;
      }
      case 0x49: {
        // INT (text)
        const text = line();
        stack.push(text === '00' ? false : text === '01' ? true : Number.parseInt(text, 10));
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        stack.push(view.getFloat64(at, false));
        at += 8;
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str)
        stack.push(new Latin1(take(take(1)[0])));
        break;
      case 0x54: // BINSTRING
        stack.push(new Latin1(take(length32())));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8(take(length32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(take(take(1)[0])));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8(take(length64())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(take(1)[0]).slice());
        break;
      case 0x42: // BINBYTES
        stack.push(take(length32()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(length64()).slice());
        break;
      case 0x71: // BINPUT
        memo.set(take(1)[0], stack[stack.length - 1]);
        break;
      case 0x72: // LONG_BINPUT
        memo.set(length32(), stack[stack.length - 1]);
        break;
      case 0x70: // PUT
        memo.set(Number.parseInt(line(), 10), stack[stack.length - 1]);
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, stack[stack.length - 1]);
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const key = op === 0x68 ? take(1)[0] : op === 0x6a ? length32() : Number.parseInt(line(), 10);
        if (!memo.has(key)) fail(`memo key ${key} is undefined`);
        stack.push(memo.get(key)!);
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(global(`${module}.${line()}`, fail));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const qualname = pop();
        const module = pop();
        stack.push(global(`${text(module)}.${text(qualname)}`, fail));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        if (!(callable instanceof Global) || !Array.isArray(args)) fail('REDUCE of something that is not an allowed global');
        stack.push(reduce((callable as Global).name, args as PickleValue[], fail));
        break;
      }
      case 0x81: {
        // NEWOBJ
        pop();
        const cls = pop();
        fail(`refusing to construct ${cls instanceof Global ? cls.name : 'an object'}`);
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const target = stack[stack.length - 1];
        build(target, state, fail);
        break;
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16)}`);
    }
  }
}

function text(item: Item): string {
  if (typeof item === 'string') return item;
  if (item instanceof Latin1) return item.text();
  throw new ZsclError('readPickle: expected a string', 'E_FORMAT');
}

/** Converts a stack item to a public value: Python 2 strings become strings (tuples too, deeply). */
function plain(item: Item): PickleValue {
  if (item instanceof Latin1) return item.text();
  if (item instanceof Global || item instanceof Mark || item instanceof Dtype)
    throw new ZsclError(`readPickle: unexpected ${item.constructor.name} in the data`, 'E_FORMAT');
  if (typeof item === 'object' && item !== null && 'kind' in item && item.kind === 'partial-ndarray')
    throw new ZsclError('readPickle: a numpy array without its data', 'E_FORMAT');
  if (Array.isArray(item)) return (item as Item[]).map(plain);
  return item as PickleValue;
}

function global(qualified: string, fail: (why: string) => never): Global {
  if (!ALLOWED_GLOBALS.has(qualified)) fail(`refusing to load the global ${qualified} (only numpy arrays are supported)`);
  return new Global(qualified);
}

function reduce(name: string, args: PickleValue[], fail: (why: string) => never): Item {
  if (name === '_codecs.encode') {
    const [value, encoding] = args as Item[];
    const how = typeof encoding === 'string' || encoding instanceof Latin1 ? text(encoding) : '';
    if (typeof value !== 'string' || (how !== 'latin1' && how !== 'latin-1')) fail('_codecs.encode other than latin1 text');
    return latin1Bytes(value as string);
  }
  if (name === 'numpy.dtype') {
    const code = args[0] as Item;
    if (typeof code !== 'string' && !(code instanceof Latin1)) fail('numpy.dtype without a type code');
    return new Dtype(text(code));
  }
  if (name.endsWith('._reconstruct')) return { kind: 'partial-ndarray' };
  return fail(`cannot call ${name}`);
}

const DTYPES: Record<string, { name: string; size: number }> = {
  u1: { name: 'uint8', size: 1 },
  i1: { name: 'int8', size: 1 },
  b1: { name: 'bool', size: 1 },
  i2: { name: 'int16', size: 2 },
  u2: { name: 'uint16', size: 2 },
  i4: { name: 'int32', size: 4 },
  u4: { name: 'uint32', size: 4 },
  i8: { name: 'int64', size: 8 },
  f4: { name: 'float32', size: 4 },
  f8: { name: 'float64', size: 8 },
};

function build(target: Item, state: Item, fail: (why: string) => never): void {
  if (target instanceof Dtype) {
    // (version, byteorder, subarray, names, fields, elsize, alignment, flags)
    const order = Array.isArray(state) ? (state[1] as Item) : undefined;
    if (typeof order === 'string' || order instanceof Latin1) target.order = text(order);
    return;
  }
  if (!(typeof target === 'object' && target !== null && 'kind' in target && target.kind === 'partial-ndarray')) fail('BUILD on an unsupported object');
  // (version, shape, dtype, is_fortran, rawdata)
  if (!Array.isArray(state) || state.length < 5) fail('numpy array state is not a 5-tuple');
  const [, shape, dtype, fortran, raw] = state as unknown as [number, number[], Dtype, boolean, Uint8Array | string | Latin1];
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail('numpy array shape is not a tuple of sizes');
  if (!(dtype instanceof Dtype)) fail('numpy array without a dtype');
  if (fortran) fail('Fortran-ordered numpy arrays are not supported');
  const spec = DTYPES[dtype.code];
  if (!spec) fail(`numpy dtype '${dtype.code}' is not supported`);
  const bytes =
    raw instanceof Uint8Array ? raw : raw instanceof Latin1 ? raw.bytes : typeof raw === 'string' ? latin1Bytes(raw) : fail('numpy array data is not bytes');
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== count * spec.size) fail(`numpy array of shape [${shape.join(', ')}] needs ${count * spec.size} bytes but has ${bytes.length}`);
  const bigEndian = dtype.order === '>';
  const array = target as unknown as NdArray;
  array.kind = 'ndarray';
  array.dtype = spec.name;
  array.shape = shape;
  array.data = typedArray(spec.name, bytes, count, bigEndian);
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function typedArray(dtype: string, bytes: Uint8Array, count: number, bigEndian: boolean): NdArray['data'] {
  if (dtype === 'uint8' || dtype === 'bool') return bytes;
  if (dtype === 'int8') return new Int8Array(bytes.buffer, bytes.byteOffset, count).slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = !bigEndian;
  switch (dtype) {
    case 'int16':
      return Int16Array.from({ length: count }, (_, i) => view.getInt16(2 * i, le));
    case 'uint16':
      return Uint16Array.from({ length: count }, (_, i) => view.getUint16(2 * i, le));
    case 'int32':
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i, le));
    case 'uint32':
      return Uint32Array.from({ length: count }, (_, i) => view.getUint32(4 * i, le));
    case 'int64':
      return BigInt64Array.from({ length: count }, (_, i) => view.getBigInt64(8 * i, le));
    case 'float32':
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, le));
    default:
      return Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i, le));
  }
}

function littleEndianInteger(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let value = 0n;
  for (let i = b.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) value -= 1n << BigInt(8 * b.length);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}
