/**
 * The IDX format of MNIST and Fashion-MNIST (`train-images-idx3-ubyte[.gz]`): a 4-byte magic
 * (0, 0, type, rank), big-endian dimensions, then the values in row-major order. Gzipped files are
 * recognised by their content.
 */
import zlib from 'node:zlib';
import { ZsclError } from '../errors';
import { readFileBytes } from '../io/read-file';

/** An IDX array. Unsigned bytes stay a Uint8Array view; other types are converted from big-endian. */
export interface IdxArray {
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { size: number; name: string }> = {
  0x08: { size: 1, name: 'uint8' },
  0x09: { size: 1, name: 'int8' },
  0x0b: { size: 2, name: 'int16' },
  0x0c: { size: 4, name: 'int32' },
  0x0d: { size: 4, name: 'float32' },
  0x0e: { size: 8, name: 'float64' },
};

/**
 * Reads an IDX file (plain or gzipped). Sync.
 * @throws ZsclError E_IO when unreadable, E_FORMAT naming the file for a bad magic, a size that does
 *   not match the dimensions, or a corrupt gzip stream.
 */
export function readIdx(path: string): IdxArray {
  let bytes = readFileBytes(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = new Uint8Array(zlib.gunzipSync(bytes));
    } catch (error) {
      throw new ZsclError(`readIdx: ${path} is not a valid gzip file (${(error as Error).message})`, 'E_FORMAT', { cause: error });
    }
  }
  return parseIdx(bytes, path);
}

/** Parses IDX bytes; `name` is for messages. Sync. @throws ZsclError E_FORMAT as {@link readIdx}. */
export function parseIdx(bytes: Uint8Array, name = '<buffer>'): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || !TYPES[bytes[2]] || bytes[3] < 1) {
    throw new ZsclError(
      `readIdx: ${name} is not an IDX file (magic bytes ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')})`,
      'E_FORMAT',
    );
  }
  const type = TYPES[bytes[2]];
  const rank = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new ZsclError(`readIdx: ${name} ends inside its header`, 'E_FORMAT');
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== headerBytes + count * type.size) {
    throw new ZsclError(
      `readIdx: ${name} has shape [${shape.join(', ')}] of ${type.name} (${headerBytes + count * type.size} bytes) but is ${bytes.length} bytes`,
      'E_FORMAT',
    );
  }
  const at = headerBytes;
  switch (bytes[2]) {
    case 0x08:
      return { shape, data: bytes.subarray(at) };
    case 0x09:
      return { shape, data: new Int8Array(bytes.buffer, bytes.byteOffset + at, count).slice() };
    case 0x0b:
      return { shape, data: Int16Array.from({ length: count }, (_, i) => view.getInt16(at + 2 * i)) };
    case 0x0c:
      return { shape, data: Int32Array.from({ length: count }, (_, i) => view.getInt32(at + 4 * i)) };
    case 0x0d:
      return { shape, data: Float32Array.from({ length: count }, (_, i) => view.getFloat32(at + 4 * i)) };
    default:
      return { shape, data: Float64Array.from({ length: count }, (_, i) => view.getFloat64(at + 8 * i)) };
  }
}
