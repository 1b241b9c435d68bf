import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZsclError } from '../../lib';
import type { ErrorCode } from '../../lib';
import { parseSafetensors, readSafetensors, readSafetensorsAsync, serializeSafetensors } from '../../lib/io/safetensors';

/** 8-byte little-endian length (the header's, unless `length` overrides it), header, then data. */
function build(header: string | object, data: Uint8Array | number = 0, length?: bigint): Uint8Array {
  const text = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = Buffer.alloc(8 + text.length + body.length);
  out.writeBigUInt64LE(length ?? BigInt(text.length));
  text.copy(out, 8);
  out.set(body, 8 + text.length);
  return out;
}

const f32 = (shape: number[], offsets: [number, number]) => ({ dtype: 'F32', shape, data_offsets: offsets });

function valid(): Uint8Array {
  return serializeSafetensors({
    w: { dtype: 'F32', shape: [2, 2], bytes: new Uint8Array(16) },
    b: { dtype: 'I64', shape: [1], bytes: new Uint8Array(8) },
    m: { dtype: 'BOOL', shape: [3], bytes: new Uint8Array([1, 0, 1]) },
  });
}

interface Case {
  title: string;
  bytes: () => Uint8Array;
  code: ErrorCode;
  /** A fragment the message must contain. */
  says: RegExp;
}

const cases: Case[] = [
  { title: 'empty file', bytes: () => new Uint8Array(0), code: 'E_FORMAT', says: /0 bytes long, too short/ },
  { title: 'file shorter than 8 bytes', bytes: () => new Uint8Array([4, 0, 0]), code: 'E_FORMAT', says: /3 bytes long, too short/ },
  {
    title: 'header length past the end of the file',
    bytes: () => build('{}', 0, 64n),
    code: 'E_FORMAT',
    says: /header length 64 runs past the end of the file \(10 bytes\)/,
  },
  {
    title: 'giant header length (u64 max)',
    bytes: () => build('{}', 0, 0xffffffffffffffffn),
    code: 'E_FORMAT',
    says: /header length 18446744073709551615 exceeds the 100000000-byte limit/,
  },
  { title: 'header length just over 100 MB', bytes: () => build('{}', 0, 100_000_001n), code: 'E_FORMAT', says: /exceeds the 100000000-byte limit/ },
  { title: 'zero-length header', bytes: () => build('', 16), code: 'E_FORMAT', says: /header is empty/ },
  { title: 'stray characters inside the header object', bytes: () => build('{ÿþ}'), code: 'E_FORMAT', says: /header is not valid JSON/ },
  {
    title: 'invalid UTF-8 bytes',
    bytes: () => {
      const out = build('{"\u00e9":1}');
      out[10] = 0xff; // break the two-byte é sequence
      return out;
    },
    code: 'E_FORMAT',
    says: /header is not valid UTF-8/,
  },
  { title: 'non-JSON header', bytes: () => build('hello world'), code: 'E_FORMAT', says: /header is not valid JSON/ },
  { title: 'JSON array header', bytes: () => build('[1, 2]'), code: 'E_FORMAT', says: /header must be a JSON object but is array/ },
  { title: 'JSON null header', bytes: () => build('null'), code: 'E_FORMAT', says: /must be a JSON object but is null/ },
  { title: 'JSON string header', bytes: () => build('"NaN"'), code: 'E_FORMAT', says: /must be a JSON object but is string 'NaN'/ },
  { title: 'header with a byte-order mark', bytes: () => build('\ufeff{}'), code: 'E_FORMAT', says: /not valid JSON/ },
  { title: 'header padded with NUL bytes', bytes: () => build('{}\0\0\0\0\0\0'), code: 'E_FORMAT', says: /not valid JSON/ },
  { title: 'bare NaN in JSON', bytes: () => build('{"w":{"dtype":"F32","shape":[NaN],"data_offsets":[0,4]}}', 4), code: 'E_FORMAT', says: /not valid JSON/ },
  {
    title: 'deeply nested header',
    bytes: () => build('['.repeat(200_000) + ']'.repeat(200_000)),
    code: 'E_FORMAT',
    says: /must be a JSON object|not valid JSON/,
  },
  { title: 'truncated file', bytes: () => valid().subarray(0, valid().length - 2), code: 'E_FORMAT', says: /run past the end of the data section/ },
  {
    title: 'trailing bytes after the last tensor',
    bytes: () => build({ w: f32([1], [0, 4]) }, 9),
    code: 'E_FORMAT',
    says: /5 trailing bytes after the last tensor/,
  },
  { title: 'no tensors but data bytes', bytes: () => build({}, 8), code: 'E_FORMAT', says: /8 trailing bytes/ },
  {
    title: 'overlapping offsets',
    bytes: () => build({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, 12),
    code: 'E_FORMAT',
    says: /tensor 'b' data_offsets \[4, 12\] overlap tensor 'a' \[0, 8\]/,
  },
  { title: 'two tensors on the same bytes', bytes: () => build({ a: f32([1], [0, 4]), b: f32([1], [0, 4]) }, 4), code: 'E_FORMAT', says: /overlap/ },
  {
    title: 'hole between tensors',
    bytes: () => build({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, 12),
    code: 'E_FORMAT',
    says: /data bytes \[4, 8\) belong to no tensor/,
  },
  { title: 'first tensor not at offset 0', bytes: () => build({ a: f32([1], [4, 8]) }, 8), code: 'E_FORMAT', says: /data bytes \[0, 4\) belong to no tensor/ },
  {
    title: 'offsets out of bounds',
    bytes: () => build({ a: f32([4], [0, 16]) }, 8),
    code: 'E_FORMAT',
    says: /tensor 'a' data_offsets \[0, 16\] run past the end of the data section \(8 bytes\)/,
  },
  { title: 'begin > end', bytes: () => build({ a: f32([1], [8, 4]) }, 8), code: 'E_FORMAT', says: /tensor 'a' data_offsets \[8, 4\] have begin > end/ },
  {
    title: 'unknown dtype',
    bytes: () => build({ a: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, 16),
    code: 'E_FORMAT',
    says: /tensor 'a' has unknown dtype string 'F128'/,
  },
  {
    title: 'lower-case dtype',
    bytes: () => build({ a: { dtype: 'f32', shape: [1], data_offsets: [0, 4] } }, 4),
    code: 'E_FORMAT',
    says: /unknown dtype string 'f32'/,
  },
  {
    title: 'dtype that is not a string',
    bytes: () => build({ a: { dtype: 4, shape: [1], data_offsets: [0, 4] } }, 4),
    code: 'E_FORMAT',
    says: /unknown dtype number 4/,
  },
  {
    title: 'valid but unsupported dtype (I8)',
    bytes: () => build({ q: { dtype: 'I8', shape: [4], data_offsets: [0, 4] } }, 4),
    code: 'E_DTYPE',
    says: /tensor 'q' has dtype I8, which zscl does not support/,
  },
  {
    title: 'valid but unsupported dtype (F8_E4M3)',
    bytes: () => build({ q: { dtype: 'F8_E4M3', shape: [4], data_offsets: [0, 4] } }, 4),
    code: 'E_DTYPE',
    says: /F8_E4M3/,
  },
  {
    title: 'shape/bytes mismatch',
    bytes: () => build({ a: f32([3], [0, 8]) }, 8),
    code: 'E_FORMAT',
    says: /tensor 'a' has 8 bytes \(data_offsets \[0, 8\]\) but F32 shape \[3\] needs 12/,
  },
  {
    title: 'negative shape',
    bytes: () => build({ a: f32([-1], [0, 0]) }),
    code: 'E_FORMAT',
    says: /shape must be an array of non-negative integers but is \[-1\]/,
  },
  { title: 'non-integer shape', bytes: () => build({ a: f32([1.5], [0, 4]) }, 4), code: 'E_FORMAT', says: /shape must be .* \[1\.5\]/ },
  {
    title: 'NaN-ish string in shape',
    bytes: () => build({ a: { dtype: 'F32', shape: ['NaN'], data_offsets: [0, 4] } }, 4),
    code: 'E_FORMAT',
    says: /shape must be .*\["NaN"\]/,
  },
  {
    title: 'shape that is not an array',
    bytes: () => build({ a: { dtype: 'F32', shape: 4, data_offsets: [0, 16] } }, 16),
    code: 'E_FORMAT',
    says: /shape must be .* but is 4/,
  },
  {
    title: 'shape past 2^53',
    bytes: () => build('{"a":{"dtype":"F32","shape":[9007199254740993],"data_offsets":[0,4]}}', 4),
    code: 'E_FORMAT',
    says: /shape must be/,
  },
  {
    title: 'shape whose product overflows 64 bits',
    bytes: () => build({ a: f32([4294967296, 4294967296, 4], [0, 4]) }, 4),
    code: 'E_FORMAT',
    says: /needs 295147905179352825856/,
  },
  {
    title: 'infinite offset (1e400)',
    bytes: () => build('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1e400]}}', 1),
    code: 'E_FORMAT',
    says: /data_offsets must be \[begin, end\]/,
  },
  {
    title: 'offsets given as strings',
    bytes: () => build({ a: { dtype: 'U8', shape: [1], data_offsets: ['0', '1'] } }, 1),
    code: 'E_FORMAT',
    says: /data_offsets must be/,
  },
  {
    title: 'three offsets',
    bytes: () => build({ a: { dtype: 'U8', shape: [1], data_offsets: [0, 1, 1] } }, 1),
    code: 'E_FORMAT',
    says: /data_offsets must be .* \[0,1,1\]/,
  },
  { title: 'missing data_offsets', bytes: () => build({ a: { dtype: 'U8', shape: [1] } }, 1), code: 'E_FORMAT', says: /data_offsets must be .* undefined/ },
  {
    title: 'tensor entry that is not an object',
    bytes: () => build({ a: 5 }),
    code: 'E_FORMAT',
    says: /tensor 'a' must be an object with dtype, shape and data_offsets but is number 5/,
  },
  {
    title: 'duplicate tensor names',
    bytes: () => build('{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', 2),
    code: 'E_FORMAT',
    says: /duplicate tensor name 'w'/,
  },
  {
    title: 'duplicate names spelled with an escape',
    bytes: () => build('{"ab":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"\\u0061b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', 2),
    code: 'E_FORMAT',
    says: /duplicate tensor name 'ab'/,
  },
  {
    title: 'duplicate field inside a tensor',
    bytes: () => build('{"w":{"dtype":"F32","dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 1),
    code: 'E_FORMAT',
    says: /duplicate key inside 'w' 'dtype'/,
  },
  {
    title: 'duplicate __metadata__',
    bytes: () => build('{"__metadata__":{},"__metadata__":{"a":"b"}}'),
    code: 'E_FORMAT',
    says: /duplicate tensor name '__metadata__'/,
  },
  {
    title: 'metadata with a number value',
    bytes: () => build({ __metadata__: { epoch: 3 } }),
    code: 'E_FORMAT',
    says: /__metadata__ value for 'epoch' must be a string but is number 3/,
  },
  {
    title: 'metadata with a nested object',
    bytes: () => build({ __metadata__: { cfg: { a: 1 } } }),
    code: 'E_FORMAT',
    says: /__metadata__ value for 'cfg' must be a string but is Object/,
  },
  {
    title: 'metadata that is an array',
    bytes: () => build({ __metadata__: ['a'] }),
    code: 'E_FORMAT',
    says: /__metadata__ must be an object of strings but is array/,
  },
  {
    title: 'BOOL byte other than 0/1',
    bytes: () => build({ m: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } }, new Uint8Array([1, 0, 2])),
    code: 'E_FORMAT',
    says: /tensor 'm' \(BOOL\) holds byte value 2 at element 2/,
  },
];

describe('safetensors: malformed files', () => {
  it(`has at least 20 malformed cases (${cases.length})`, () => {
    assert.ok(cases.length >= 20);
  });

  for (const { title, bytes, code, says } of cases) {
    it(`rejects ${title} with ${code}`, () => {
      assert.throws(
        () => parseSafetensors(bytes(), 'bad.safetensors'),
        (error: unknown) => {
          assert.ok(error instanceof ZsclError, `expected a ZsclError, got ${String(error)}`);
          assert.equal(error.code, code, error.message);
          assert.match(error.message, /^safetensors file bad\.safetensors: /);
          assert.match(error.message, says);
          return true;
        },
      );
    });
  }

  it('accepts what the reference accepts: empty and 0-dim tensors, any order, unknown fields, null metadata, unpadded header', () => {
    const file = parseSafetensors(
      build(
        {
          z: { dtype: 'F32', shape: [], data_offsets: [4, 8], note: 'ignored' },
          e: { dtype: 'F32', shape: [0, 5], data_offsets: [0, 0] },
          a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
          __metadata__: null,
        },
        8,
      ),
    );
    assert.deepEqual([...file.tensors.keys()], ['e', 'a', 'z']);
    assert.deepEqual(file.metadata, {});
    assert.deepEqual(file.tensors.get('z')!.shape, []);
    assert.equal(file.tensors.get('e')!.bytes.length, 0);
  });

  it('survives 3000 random corruptions of a valid file with coded errors only', () => {
    // mulberry32: a fixed seed makes any failure reproducible
    let seed = 12345;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const original = valid();
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      let bytes = Uint8Array.from(original);
      const edits = 1 + Math.floor(random() * 3);
      for (let k = 0; k < edits; k++) {
        const kind = random();
        const at = Math.floor(random() * bytes.length);
        if (kind < 0.6) bytes[at] = Math.floor(random() * 256);
        else if (kind < 0.75) bytes = bytes.subarray(0, at);
        else if (kind < 0.9) bytes[at] = '{}[],:"0123456789-.eE \\'.charCodeAt(Math.floor(random() * 22));
        else {
          const grown = new Uint8Array(bytes.length + 4);
          grown.set(bytes.subarray(0, at));
          grown.set(bytes.subarray(at), at + 4);
          bytes = grown;
        }
      }
      try {
        const file = parseSafetensors(bytes, 'fuzz');
        for (const entry of file.tensors.values()) assert.ok(entry.bytes.byteOffset + entry.bytes.length <= bytes.byteOffset + bytes.length);
        outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
      } catch (error) {
        assert.ok(error instanceof ZsclError, `case ${i}: ${String(error)}`);
        assert.ok(error.code === 'E_FORMAT' || error.code === 'E_DTYPE', `case ${i}: ${error.code} ${error.message}`);
        outcomes.set(error.code, (outcomes.get(error.code) ?? 0) + 1);
      }
    }
    assert.ok((outcomes.get('E_FORMAT') ?? 0) > 1000, JSON.stringify([...outcomes]));
  });
});

describe('safetensors: unreadable files', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-safetensors-bad-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a missing file is E_IO naming the path', async () => {
    const missing = path.join(dir, 'nope.safetensors');
    assert.throws(() => readSafetensors(missing), { code: 'E_IO', message: `cannot read ${missing}: no such file` });
    await assert.rejects(readSafetensorsAsync(missing), { code: 'E_IO', message: `cannot read ${missing}: no such file` });
  });

  it('a folder is E_IO', async () => {
    assert.throws(() => readSafetensors(dir), { code: 'E_IO', message: /not a regular file|EISDIR/ });
    await assert.rejects(readSafetensorsAsync(dir), { code: 'E_IO' });
  });

  it('a truncated file on disk is E_FORMAT naming the path', () => {
    const file = path.join(dir, 'cut.safetensors');
    fs.writeFileSync(file, valid().subarray(0, 30));
    assert.throws(() => readSafetensors(file), {
      code: 'E_FORMAT',
      message: new RegExp(`^safetensors file ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: header length \\d+ runs past the end of the file \\(30 bytes\\)`),
    });
  });

  it('rejects a non-buffer argument with E_ARG', () => {
    assert.throws(() => parseSafetensors('file.safetensors' as unknown as Uint8Array), { code: 'E_ARG', message: /expected a Uint8Array but received string/ });
  });
});
