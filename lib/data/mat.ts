/**
 * A reader for MATLAB 5 MAT-files (what scipy.io.loadmat reads; Flowers102's imagelabels.mat and
 * setid.mat, Stanford Cars' devkit): numeric, logical and char arrays, cell arrays and struct
 * arrays, zlib-compressed or not, either byte order. MAT 7.3 files are HDF5 and not supported.
 */
import zlib from 'node:zlib';
import { ZsclError } from '../errors';
import { readFileBytes } from '../io/read-file';

/** A numeric or logical array; values converted to float64, column-major as stored. */
export interface MatNumeric {
  kind: 'numeric';
  dims: number[];
  data: Float64Array;
}
/** A char array: one string per row. */
export interface MatChar {
  kind: 'char';
  dims: number[];
  rows: string[];
}
/** A cell array, items column-major. */
export interface MatCell {
  kind: 'cell';
  dims: number[];
  items: MatValue[];
}
/** A struct array, elements column-major. */
export interface MatStruct {
  kind: 'struct';
  dims: number[];
  fields: string[];
  items: Record<string, MatValue>[];
}
export type MatValue = MatNumeric | MatChar | MatCell | MatStruct;

const MI_INT8 = 1;
const MI_UINT8 = 2;
const MI_INT16 = 3;
const MI_UINT16 = 4;
const MI_INT32 = 5;
const MI_UINT32 = 6;
const MI_SINGLE = 7;
const MI_DOUBLE = 9;
const MI_INT64 = 12;
const MI_UINT64 = 13;
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
const MI_UTF8 = 16;
const MI_UTF16 = 17;

const MX_CELL = 1;
const MX_STRUCT = 2;
const MX_CHAR = 4;

/**
 * The named variables of a MAT-file. Sync.
 * @throws ZsclError E_IO when unreadable; E_FORMAT naming the file for v7.3/v4 files, truncated or
 *   malformed data, and unsupported classes (sparse, objects).
 */
export function readMat(path: string): Map<string, MatValue> {
  return parseMat(readFileBytes(path), path);
}

/** Parses MAT-file bytes; `name` is for messages. Sync. @throws as {@link readMat}. */
export function parseMat(bytes: Uint8Array, name = '<buffer>'): Map<string, MatValue> {
  const fail = (why: string): never => {
    throw new ZsclError(`readMat: ${name}: ${why}`, 'E_FORMAT');
  };
  if (bytes.length < 128) fail('too short for a MAT-file header');
  const header = String.fromCharCode(...bytes.subarray(0, 116));
  if (header.startsWith('MATLAB 7.3')) fail('MAT 7.3 (HDF5) files are not supported; save with -v7 or read with scipy/h5py');
  const endian = String.fromCharCode(bytes[126], bytes[127]);
  if (endian !== 'IM' && endian !== 'MI') fail('not a MATLAB 5 MAT-file (no endian indicator; MAT v4 files are not supported)');
  const reader = new ElementReader(bytes, endian === 'IM', fail);
  const out = new Map<string, MatValue>();
  let at = 128;
  while (at + 8 <= bytes.length) {
    const element = reader.element(at);
    at = element.next;
    const variable = reader.variable(element.type, element.body);
    if (variable) out.set(variable.name, variable.value);
  }
  return out;
}

interface Element {
  type: number;
  body: Uint8Array;
  next: number;
}

class ElementReader {
  constructor(
    private readonly bytes: Uint8Array,
    private readonly little: boolean,
    private readonly fail: (why: string) => never,
  ) {}

  /** The data element whose tag starts at `at` in `bytes` (default the file). */
  element(at: number, bytes: Uint8Array = this.bytes): Element {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (at + 8 > bytes.length) this.fail('data element tag past the end');
    const first = view.getUint32(at, this.little);
    if (first >>> 16 !== 0) {
      // Small data element: size and type share the first word, data in the second.
      const size = first >>> 16;
      if (size > 4) this.fail('small data element longer than 4 bytes');
      return { type: first & 0xffff, body: bytes.subarray(at + 4, at + 4 + size), next: at + 8 };
    }
    const size = view.getUint32(at + 4, this.little);
    if (at + 8 + size > bytes.length) this.fail(`data element of ${size} bytes runs past the end`);
    const body = bytes.subarray(at + 8, at + 8 + size);
    // Compressed elements are not padded; all others are padded to 8 bytes.
    const next = first === MI_COMPRESSED ? at + 8 + size : at + 8 + Math.ceil(size / 8) * 8;
    return { type: first, body, next };
  }

  /** A top-level variable, or undefined for elements that are not arrays. */
  variable(type: number, body: Uint8Array): { name: string; value: MatValue } | undefined {
    if (type === MI_COMPRESSED) {
      let inflated: Uint8Array;
      try {
        inflated = new Uint8Array(zlib.inflateSync(body));
      } catch (error) {
        return this.fail(`corrupt compressed element (${(error as Error).message})`);
      }
      const inner = this.element(0, inflated);
      return this.variable(inner.type, inner.body);
    }
    if (type !== MI_MATRIX) return undefined;
    return this.matrix(body);
  }

  /** The contents of an miMATRIX element. */
  matrix(body: Uint8Array): { name: string; value: MatValue } {
    if (body.length === 0) return { name: '', value: { kind: 'numeric', dims: [0, 0], data: new Float64Array(0) } };
    const flags = this.element(0, body);
    const flagWords = this.numbers(flags.type, flags.body);
    const mxClass = flagWords[0] & 0xff;
    const complex = (flagWords[0] & 0x0800) !== 0;
    const dimsElement = this.element(flags.next, body);
    const dims = Array.from(this.numbers(dimsElement.type, dimsElement.body));
    const nameElement = this.element(dimsElement.next, body);
    const name = String.fromCharCode(...nameElement.body);
    const count = dims.reduce((a, b) => a * b, 1);
    let at = nameElement.next;
    if (mxClass === MX_CELL) {
      const items: MatValue[] = [];
      for (let i = 0; i < count; i++) {
        const e = this.element(at, body);
        if (e.type !== MI_MATRIX) this.fail('cell item is not a matrix');
        items.push(this.matrix(e.body).value);
        at = e.next;
      }
      return { name, value: { kind: 'cell', dims, items } };
    }
    if (mxClass === MX_STRUCT) {
      const lengthElement = this.element(at, body);
      const fieldLength = this.numbers(lengthElement.type, lengthElement.body)[0];
      const namesElement = this.element(lengthElement.next, body);
      const fields: string[] = [];
      for (let i = 0; fieldLength > 0 && i + fieldLength <= namesElement.body.length; i += fieldLength) {
        const raw = namesElement.body.subarray(i, i + fieldLength);
        const end = raw.indexOf(0);
        fields.push(String.fromCharCode(...(end < 0 ? raw : raw.subarray(0, end))));
      }
      at = namesElement.next;
      const items: Record<string, MatValue>[] = [];
      for (let i = 0; i < count; i++) {
        const item: Record<string, MatValue> = {};
        for (const field of fields) {
          const e = this.element(at, body);
          if (e.type !== MI_MATRIX) this.fail(`struct field ${field} is not a matrix`);
          item[field] = this.matrix(e.body).value;
          at = e.next;
        }
        items.push(item);
      }
      return { name, value: { kind: 'struct', dims, fields, items } };
    }
    if (mxClass === MX_CHAR) {
      const e = this.element(at, body);
      const codes = e.type === MI_UTF8 ? Array.from(new TextDecoder().decode(e.body), (c) => c.codePointAt(0)!) : Array.from(this.numbers(e.type, e.body));
      const [rows = 0, cols = 0] = dims.length >= 2 ? dims : [1, codes.length];
      const out: string[] = [];
      for (let r = 0; r < rows; r++) {
        let s = '';
        for (let c = 0; c < cols; c++) s += String.fromCodePoint(codes[c * rows + r] ?? 0);
        out.push(s);
      }
      return { name, value: { kind: 'char', dims, rows: out } };
    }
    if (mxClass >= 6 && mxClass <= 15) {
      const real = this.element(at, body);
      const data = this.numbers(real.type, real.body);
      if (data.length !== count) this.fail(`array ${name} has ${data.length} values for dimensions [${dims.join(', ')}]`);
      if (complex) this.fail(`complex array ${name} is not supported`);
      return { name, value: { kind: 'numeric', dims, data } };
    }
    return this.fail(`array class ${mxClass} (sparse/object/function) is not supported`);
  }

  /** The values of a numeric data element as float64. */
  numbers(type: number, body: Uint8Array): Float64Array {
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const le = this.little;
    const read: Record<number, [number, (i: number) => number]> = {
      [MI_INT8]: [1, (i) => view.getInt8(i)],
      [MI_UINT8]: [1, (i) => view.getUint8(i)],
      [MI_INT16]: [2, (i) => view.getInt16(i, le)],
      [MI_UINT16]: [2, (i) => view.getUint16(i, le)],
      [MI_UTF16]: [2, (i) => view.getUint16(i, le)],
      [MI_INT32]: [4, (i) => view.getInt32(i, le)],
      [MI_UINT32]: [4, (i) => view.getUint32(i, le)],
      [MI_SINGLE]: [4, (i) => view.getFloat32(i, le)],
      [MI_DOUBLE]: [8, (i) => view.getFloat64(i, le)],
      [MI_INT64]: [8, (i) => Number(view.getBigInt64(i, le))],
      [MI_UINT64]: [8, (i) => Number(view.getBigUint64(i, le))],
    };
    const spec = read[type];
    if (!spec) return this.fail(`data type ${type} is not numeric`);
    const [size, get] = spec;
    const n = Math.floor(body.length / size);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = get(i * size);
    return out;
  }
}

/** A numeric variable's values as numbers. Sync. @throws ZsclError E_FORMAT when missing or not numeric. */
export function matNumbers(vars: Map<string, MatValue>, name: string, file: string): number[] {
  const value = vars.get(name);
  if (!value || value.kind !== 'numeric') throw new ZsclError(`readMat: ${file} has no numeric variable '${name}'`, 'E_FORMAT');
  return Array.from(value.data);
}

/** A string stored as a char array, or a cell/struct field holding one. */
export function matString(value: MatValue | undefined): string {
  if (!value || value.kind !== 'char') throw new ZsclError('readMat: expected a char array', 'E_FORMAT');
  return value.rows.join('');
}
