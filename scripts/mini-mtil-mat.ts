/**
 * A small MATLAB 5 MAT-file writer (uncompressed, little-endian) for the miniature MTIL datasets:
 * numeric arrays of a chosen class, char rows, cell arrays and struct arrays — what Flowers102's
 * imagelabels.mat / setid.mat and Stanford Cars' devkit hold, and what scipy.io.loadmat reads.
 */

/** A value to write: numbers of one MATLAB class, a string, a cell array or a struct array (all 1×n). */
export type MatInput =
  | { kind: 'numeric'; type: 'double' | 'uint8' | 'uint16'; values: readonly number[] }
  | { kind: 'char'; text: string }
  | { kind: 'cell'; items: readonly MatInput[] }
  | { kind: 'struct'; fields: readonly string[]; items: readonly Record<string, MatInput>[] };

const MI = { INT8: 1, UINT8: 2, UINT16: 4, INT32: 5, UINT32: 6, DOUBLE: 9, MATRIX: 14 } as const;
const MX = { CELL: 1, STRUCT: 2, CHAR: 4, DOUBLE: 6, UINT8: 9, UINT16: 11 } as const;

function element(type: number, body: Buffer): Buffer {
  const tag = Buffer.alloc(8);
  tag.writeUInt32LE(type, 0);
  tag.writeUInt32LE(body.length, 4);
  const pad = Buffer.alloc((8 - (body.length % 8)) % 8);
  return Buffer.concat([tag, body, pad]);
}

function u32s(values: readonly number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32LE(v, 4 * i));
  return b;
}

function i32s(values: readonly number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeInt32LE(v, 4 * i));
  return b;
}

function matrix(name: string, value: MatInput): Buffer {
  const header = (mxClass: number, dims: number[]) => [
    element(MI.UINT32, u32s([mxClass, 0])),
    element(MI.INT32, i32s(dims)),
    element(MI.INT8, Buffer.from(name, 'latin1')),
  ];
  let parts: Buffer[];
  switch (value.kind) {
    case 'numeric': {
      const n = value.values.length;
      if (value.type === 'double') {
        const data = Buffer.alloc(8 * n);
        value.values.forEach((v, i) => data.writeDoubleLE(v, 8 * i));
        parts = [...header(MX.DOUBLE, [1, n]), element(MI.DOUBLE, data)];
      } else if (value.type === 'uint8') {
        parts = [...header(MX.UINT8, [1, n]), element(MI.UINT8, Buffer.from(value.values))];
      } else {
        const data = Buffer.alloc(2 * n);
        value.values.forEach((v, i) => data.writeUInt16LE(v, 2 * i));
        parts = [...header(MX.UINT16, [1, n]), element(MI.UINT16, data)];
      }
      break;
    }
    case 'char': {
      const codes = Array.from(value.text, (c) => c.charCodeAt(0));
      const data = Buffer.alloc(2 * codes.length);
      codes.forEach((c, i) => data.writeUInt16LE(c, 2 * i));
      parts = [...header(MX.CHAR, [1, codes.length]), element(MI.UINT16, data)];
      break;
    }
    case 'cell':
      parts = [...header(MX.CELL, [1, value.items.length]), ...value.items.map((item) => matrix('', item))];
      break;
    case 'struct': {
      const width = 32;
      const names = Buffer.alloc(width * value.fields.length);
      value.fields.forEach((f, i) => names.write(f, i * width, 'latin1'));
      parts = [
        ...header(MX.STRUCT, [1, value.items.length]),
        element(MI.INT32, i32s([width])),
        element(MI.INT8, names),
        ...value.items.flatMap((item) => value.fields.map((f) => matrix('', item[f]))),
      ];
      break;
    }
  }
  return element(MI.MATRIX, Buffer.concat(parts));
}

/** The bytes of a MAT-file holding `variables`. Sync; pure. */
export function matFile(variables: Record<string, MatInput>): Buffer {
  const header = Buffer.alloc(128, 0x20);
  header.write('MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Thu Jan  1 00:00:00 1970', 0, 'latin1');
  header.fill(0, 116, 124); // no subsystem data
  header.writeUInt16LE(0x0100, 124);
  header.write('IM', 126, 'latin1');
  return Buffer.concat([header, ...Object.entries(variables).map(([name, value]) => matrix(name, value))]);
}
