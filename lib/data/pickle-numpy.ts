/**
 * The only globals a pickle may name: numpy's array and dtype constructors and `_codecs.encode`
 * (how Python 3 pickles bytes for Python 2), emulated here; any other global is refused, so no
 * code ever runs.
 */
import type { Fail, PickleGlobals } from './pickle-machine';
import type { Item, NdArray } from './pickle-values';
import { Dtype, Global, Latin1, isPartialArray, latin1Bytes, text } from './pickle-values';

const ALLOWED_GLOBALS = new Set([
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.ndarray',
  'numpy.dtype',
  '_codecs.encode',
]);

/** GLOBAL / STACK_GLOBAL: an allowed global, else a failure. */
function global(qualified: string, fail: Fail): Global {
  if (!ALLOWED_GLOBALS.has(qualified)) fail(`refusing to load the global ${qualified} (only numpy arrays are supported)`);
  return new Global(qualified);
}

/** REDUCE: calls an allowed global on its arguments. */
function reduce(name: string, args: Item[], fail: Fail): Item {
  if (name === '_codecs.encode') {
    const [value, encoding] = args;
    const how = typeof encoding === 'string' || encoding instanceof Latin1 ? text(encoding) : '';
    if (typeof value !== 'string' || (how !== 'latin1' && how !== 'latin-1')) fail('_codecs.encode other than latin1 text');
    return latin1Bytes(value as string);
  }
  if (name === 'numpy.dtype') {
    const code = args[0];
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

/** BUILD: sets a dtype's byte order, or fills a reconstructed array with its shape and data. */
function build(target: Item, state: Item, fail: Fail): void {
  if (target instanceof Dtype) {
    // (version, byteorder, subarray, names, fields, elsize, alignment, flags)
    const order = Array.isArray(state) ? (state[1] as Item) : undefined;
    if (typeof order === 'string' || order instanceof Latin1) target.order = text(order);
    return;
  }
  if (!isPartialArray(target)) fail('BUILD on an unsupported object');
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

/** The globals of dataset pickles (CIFAR's batches): numpy arrays and Python 2 bytes. */
export const NUMPY_GLOBALS: PickleGlobals = { global, reduce, build };
