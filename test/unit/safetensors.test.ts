import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DType, Tensor } from '../../lib';
import { memory, tensor, tidy } from '../../lib';
import type { SafetensorsFile } from '../../lib/io/safetensors';
import {
  elementSize,
  fromTensorDType,
  loadTensors,
  loadTensorsAsync,
  parseSafetensors,
  readSafetensors,
  readSafetensorsAsync,
  serializeSafetensors,
  typedArrayOf,
  writeSafetensors,
  writeSafetensorsAsync,
} from '../../lib/io/safetensors';
import { fixture, fixturesDir, repoRoot } from '../support/fixtures';

const PYTHON = '/usr/bin/python3';
const CHECK_SCRIPT = path.join(repoRoot, 'scripts', 'fixtures', 'safetensors-python-check.py');
const LOCAL_FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'safetensors');

/** One 2×3 tensor, one 0-dim tensor and one empty [0, 4] tensor of each dtype, with edge values. */
function everyDtype(): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  const add = (dtype: DType, matrix: Tensor, scalarValue: Tensor) => {
    out[`${dtype}.matrix`] = matrix;
    out[`${dtype}.scalar`] = scalarValue;
    out[`${dtype}.empty`] = tensor(new Float32Array(0), { shape: [0, 4], dtype });
  };
  const floats = [1.5, -0, 65504, -1e-3, Infinity, NaN];
  for (const dtype of ['float32', 'float64', 'float16', 'bfloat16'] as const) {
    add(dtype, tensor(new Float64Array(floats), { shape: [2, 3], dtype }), tensor(new Float64Array([-2.75]), { shape: [], dtype }));
  }
  add(
    'float32',
    tensor(new Float32Array([3.4028234663852886e38, 1e-45, -7, 0.1, 2, 3]), { shape: [2, 3] }),
    tensor(new Float32Array([2.65926]), { shape: [] }),
  );
  add(
    'int64',
    tensor(new BigInt64Array([9223372036854775807n, -9223372036854775808n, 9007199254740993n, 0n, -1n, 42n]), { shape: [2, 3] }),
    tensor(new BigInt64Array([-5n]), { shape: [] }),
  );
  add('int32', tensor(new Int32Array([2147483647, -2147483648, 0, -1, 7, 9]), { shape: [2, 3] }), tensor(new Int32Array([-3]), { shape: [] }));
  add('uint8', tensor(new Uint8Array([0, 1, 127, 128, 254, 255]), { shape: [2, 3] }), tensor(new Uint8Array([200]), { shape: [] }));
  add(
    'bool',
    tensor([
      [true, false, true],
      [false, false, true],
    ]),
    tensor([true], { shape: [] }),
  );
  return out;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-safetensors-'));
}

function allFixtureFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const item of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, item.name);
      if (item.isDirectory()) walk(full);
      else if (item.name.endsWith('.safetensors')) found.push(full);
    }
  };
  walk(fixturesDir);
  return found.sort();
}

/** Values as safetensors-python-check.py prints them. */
function pythonValues(t: Tensor): unknown[] {
  if (t.dtype === 'int64') return Array.from(t.data<'int64'>(), (v) => v.toString());
  if (t.dtype === 'bool') return Array.from(t.data<'bool'>(), (v) => v === 1);
  return Array.from(t.data() as ArrayLike<number>, (v) => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v));
}

describe('safetensors: round trip', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes and reads back every dtype, including 0-dim and empty tensors, bit for bit', () => {
    const before = memory().tensors;
    tidy(() => {
      const tensors = everyDtype();
      const file = path.join(dir, 'all.safetensors');
      writeSafetensors(file, tensors, { producer: 'test', ü: '✓' });

      const read = readSafetensors(file);
      assert.deepEqual(read.metadata, { producer: 'test', ü: '✓' });
      assert.deepEqual([...read.tensors.keys()].sort(), Object.keys(tensors).sort());
      for (const [name, t] of Object.entries(tensors)) {
        const entry = read.tensors.get(name)!;
        assert.equal(entry.dtype, fromTensorDType(t.dtype), name);
        assert.deepEqual(entry.shape, t.shape, name);
        assert.deepEqual(entry.bytes, t.bytes(), name);
      }

      const loaded = loadTensors(file);
      for (const [name, t] of Object.entries(tensors)) {
        assert.equal(loaded[name].dtype, t.dtype, name);
        assert.deepEqual(loaded[name].shape, t.shape, name);
        assert.deepEqual(loaded[name].bytes(), t.bytes(), name);
        assert.deepEqual(loaded[name].toArray(), t.toArray(), name);
      }
      assert.equal(loaded['float16.scalar'].item(), -2.75);
      assert.deepEqual(loaded['float16.matrix'].toArray(), [
        [1.5, -0, 65504],
        [-1049 / 2 ** 20, Infinity, NaN],
      ]);
      assert.equal(loaded['int64.matrix'].data<'int64'>()[0], 9223372036854775807n);
    });
    assert.equal(memory().tensors, before, 'tidy freed every tensor');
  });

  it('lays tensors out by element size then name, header padded to 8, every offset aligned', () => {
    tidy(() => {
      const bytes = serializeSafetensors(everyDtype());
      const headerLength = Number(Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE());
      assert.equal(headerLength % 8, 0);
      const file = parseSafetensors(bytes, 'in-memory');
      const order = [...file.tensors.values()];
      const expected = [...order].sort((a, b) => elementSize(b.dtype) - elementSize(a.dtype) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      assert.deepEqual(
        order.map((e) => e.name),
        expected.map((e) => e.name),
      );
      for (const entry of order) {
        assert.equal((entry.bytes.byteOffset - bytes.byteOffset) % elementSize(entry.dtype), 0, entry.name);
      }
      // header JSON ends with spaces only, no other padding byte
      const header = Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString('utf8');
      assert.match(header, /^\{.*\} *$/s);
    });
  });

  it('views aligned data without copying and copies unaligned data', () => {
    const bytes = serializeSafetensors({
      w: { dtype: 'F32', shape: [2], bytes: new Uint8Array(new Float32Array([1.25, -3]).buffer) },
      n: { dtype: 'I64', shape: [1], bytes: new Uint8Array(new BigInt64Array([-7n]).buffer) },
      h: { dtype: 'BF16', shape: [1], bytes: new Uint8Array([0x80, 0x3f]) },
    });
    const aligned = new Uint8Array(bytes.length);
    aligned.set(bytes);
    const file = parseSafetensors(aligned);
    const w = typedArrayOf(file.tensors.get('w')!);
    assert.ok(w instanceof Float32Array);
    assert.deepEqual(Array.from(w), [1.25, -3]);
    assert.equal(w.buffer, aligned.buffer, 'aligned data is a view');
    assert.deepEqual(Array.from(typedArrayOf(file.tensors.get('n')!) as BigInt64Array), [-7n]);
    assert.deepEqual(Array.from(typedArrayOf(file.tensors.get('h')!) as Uint16Array), [0x3f80]);

    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const moved = typedArrayOf(parseSafetensors(shifted.subarray(1)).tensors.get('w')!) as Float32Array;
    assert.deepEqual(Array.from(moved), [1.25, -3]);
    assert.notEqual(moved.buffer, shifted.buffer, 'unaligned data is copied');
  });

  it('keeps names that plain objects treat specially, in byte order', () => {
    tidy(() => {
      const names = ['__proto__', '10', '2', 'constructor', 'é', 'z'];
      const input = Object.fromEntries(names.map((name, i) => [name, { dtype: 'U8' as const, shape: [1], bytes: new Uint8Array([i]) }]));
      const file = parseSafetensors(serializeSafetensors(input));
      assert.deepEqual([...file.tensors.keys()], ['10', '2', '__proto__', 'constructor', 'z', 'é']);
      const dir2 = path.join(dir, 'names.safetensors');
      writeSafetensors(dir2, input);
      const loaded = loadTensors(dir2);
      assert.equal(Object.getPrototypeOf(loaded), Object.prototype);
      assert.deepEqual(Object.keys(loaded).sort(), [...names].sort());
      assert.equal(Object.getOwnPropertyDescriptor(loaded, '__proto__')?.value.item(), 0);
    });
  });

  it('writes an empty file as in the reference implementation', () => {
    // reference test_empty: 8-byte length 8, then "{}" and six spaces
    assert.deepEqual(Array.from(serializeSafetensors({})), [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    const file = parseSafetensors(serializeSafetensors({}, { framework: 'pt' }));
    assert.deepEqual(file.metadata, { framework: 'pt' });
    assert.equal(file.tensors.size, 0);
  });

  it('reproduces the reference serializer byte for byte', () => {
    // reference test_serialization: "attn.0" F32 [1, 2, 3] holding 0…5
    const out = serializeSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], bytes: new Uint8Array(new Float32Array([0, 1, 2, 3, 4, 5]).buffer) } });
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    assert.equal(Buffer.from(out.subarray(8, 8 + header.length)).toString(), header);
    assert.equal(out[0], 64);
    assert.equal(out.length, 8 + 64 + 24);
  });

  it('async forms agree with the sync ones', async () => {
    const input = { a: { dtype: 'I32' as const, shape: [3], bytes: new Uint8Array(new Int32Array([1, -2, 3]).buffer) } };
    const file = path.join(dir, 'async.safetensors');
    await writeSafetensorsAsync(file, input, { k: 'v' });
    assert.deepEqual(fs.readFileSync(file), Buffer.from(serializeSafetensors(input, { k: 'v' })));
    const read = await readSafetensorsAsync(file);
    assert.deepEqual(Array.from(typedArrayOf(read.tensors.get('a')!) as Int32Array), [1, -2, 3]);
    const loaded = await loadTensorsAsync(file);
    assert.deepEqual(loaded.a.toArray(), [1, -2, 3]);
    loaded.a.dispose();
  });
});

describe('safetensors: shared fixtures', () => {
  const files = allFixtureFiles();
  const asRaw = (file: SafetensorsFile) => Object.fromEntries([...file.tensors].map(([name, e]) => [name, { dtype: e.dtype, shape: e.shape, bytes: e.bytes }]));

  it('reads every fixture file: F32/F64/I64, aligned, as documented', () => {
    assert.ok(files.length >= 26, `found ${files.length} .safetensors files under ${fixturesDir}`);
    for (const file of files) {
      const read = readSafetensors(file);
      assert.ok(read.tensors.size > 0, file);
      for (const entry of read.tensors.values()) {
        assert.ok(['F32', 'F64', 'I64'].includes(entry.dtype), `${file}: ${entry.name} ${entry.dtype}`);
        assert.equal(entry.bytes.byteOffset % elementSize(entry.dtype), 0, `${file}: ${entry.name} aligned`);
      }
    }
    const weights = readSafetensors(fixture('tiny-clip', 'weights.safetensors'));
    assert.equal(weights.tensors.size, 62);
    const logitScale = weights.tensors.get('logit_scale')!;
    assert.deepEqual(logitScale.shape, []);
    assert.equal(typedArrayOf(logitScale)[0], Math.fround(2.65926));
    assert.deepEqual(weights.tensors.get('visual.conv1.weight')!.shape, [64, 3, 8, 8]);
    const config = JSON.parse(fs.readFileSync(fixture('tiny-clip', 'config.json'), 'utf8')) as { model: unknown };
    assert.deepEqual(JSON.parse(weights.metadata.config), config.model);

    const grads = readSafetensors(fixture('zscl-mtil', 'task0_grads_it0.safetensors'));
    assert.equal(grads.tensors.size, 61);
    assert.equal(grads.tensors.has('logit_scale'), false);

    const tokens = readSafetensors(fixture('tiny-clip', 'inputs.safetensors')).tensors.get('tokens')!;
    assert.equal(tokens.dtype, 'I64');
    assert.deepEqual(tokens.shape, [7, 16]);
    const row1 = Array.from(typedArrayOf(tokens) as BigInt64Array).slice(16, 32);
    assert.deepEqual(row1, [998n, 999n, ...new Array<bigint>(14).fill(0n)]);
  });

  it('re-writing a fixture reproduces its data section, and the whole file when it has no metadata', () => {
    let identical = 0;
    for (const file of files) {
      const read = readSafetensors(file);
      const original = fs.readFileSync(file);
      const hasMetadata = Object.keys(read.metadata).length > 0;
      const rewritten = Buffer.from(serializeSafetensors(asRaw(read), hasMetadata ? read.metadata : undefined));
      const dataStart = (bytes: Buffer) => 8 + Number(bytes.readBigUInt64LE(0));
      assert.deepEqual(rewritten.subarray(dataStart(rewritten)), original.subarray(dataStart(original)), file);
      if (!hasMetadata) {
        assert.deepEqual(rewritten, original, file);
        identical++;
      }
    }
    assert.ok(identical >= 18, `${identical} files reproduced byte for byte`);
  });

  it('loads fixture weights as zscl tensors with the stored values', () => {
    tidy(() => {
      const loaded = loadTensors(fixture('tiny-clip', 'inputs.safetensors'));
      assert.equal(loaded.images.dtype, 'float32');
      assert.deepEqual(loaded.images.shape, [6, 3, 32, 32]);
      assert.equal(loaded.tokens.dtype, 'int64');
      const read = readSafetensors(fixture('tiny-clip', 'inputs.safetensors'));
      assert.deepEqual(loaded.images.bytes(), read.tensors.get('images')!.bytes);
      assert.deepEqual(loaded.tokens.bytes(), read.tensors.get('tokens')!.bytes);
    });
  });
});

describe('safetensors: files written by Python', () => {
  const expected = JSON.parse(fs.readFileSync(path.join(LOCAL_FIXTURES, 'python-dtypes.json'), 'utf8')) as {
    metadata: Record<string, string>;
    order: string[];
    tensors: Record<string, { dtype: string; shape: number[]; values: unknown[] }>;
  };

  it('reads every dtype from a file torch + json wrote in the reference order', () => {
    const file = readSafetensors(path.join(LOCAL_FIXTURES, 'python-dtypes.safetensors'));
    assert.deepEqual(file.metadata, expected.metadata);
    assert.deepEqual([...file.tensors.keys()], expected.order);
    tidy(() => {
      const loaded = loadTensors(path.join(LOCAL_FIXTURES, 'python-dtypes.safetensors'));
      for (const [name, want] of Object.entries(expected.tensors)) {
        assert.equal(file.tensors.get(name)!.dtype, want.dtype, name);
        assert.deepEqual(loaded[name].shape, want.shape, name);
        assert.deepEqual(pythonValues(loaded[name]), want.values, name);
      }
    });
  });
});

describe('safetensors: files zscl writes load in Python', function () {
  let dir: string;
  before(function () {
    const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.status !== 0) this.skip();
    dir = tempDir();
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('torch.frombuffer reads every dtype with the values written', () => {
    tidy(() => {
      const tensors = everyDtype();
      const file = path.join(dir, 'for-python.safetensors');
      writeSafetensors(file, tensors, { producer: 'zscl test' });
      const run = spawnSync(PYTHON, [CHECK_SCRIPT, file], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 0, run.stderr);
      const printed = JSON.parse(run.stdout) as {
        metadata: Record<string, string>;
        tensors: Record<string, { dtype: string; shape: number[]; values: unknown[] }>;
      };
      assert.deepEqual(printed.metadata, { producer: 'zscl test' });
      assert.deepEqual(Object.keys(printed.tensors).sort(), Object.keys(tensors).sort());
      for (const [name, t] of Object.entries(tensors)) {
        const got = printed.tensors[name];
        assert.equal(got.dtype, fromTensorDType(t.dtype), name);
        assert.deepEqual(got.shape, t.shape, name);
        assert.deepEqual(got.values, pythonValues(t), name);
      }
    });
  });
});
