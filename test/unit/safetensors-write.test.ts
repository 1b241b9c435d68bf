import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tensor } from '../../lib';
import type { RawTensor } from '../../lib/io/safetensors';
import { parseSafetensors, readSafetensors, serializeSafetensors, typedArrayOf, writeSafetensors, writeSafetensorsAsync } from '../../lib/io/safetensors';

const raw = (values: number[]): RawTensor => ({ dtype: 'F32', shape: [values.length], bytes: new Uint8Array(new Float32Array(values).buffer) });

describe('safetensors: atomic writing', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-safetensors-write-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replaces an existing file by rename: a reader holding the old file still sees it whole', () => {
    const file = path.join(dir, 'ckpt.safetensors');
    writeSafetensors(file, { w: raw([1, 2, 3]) });
    const oldInode = fs.statSync(file).ino;
    const fd = fs.openSync(file, 'r');
    try {
      writeSafetensors(file, { w: raw([4, 5, 6, 7]) });
      assert.notEqual(fs.statSync(file).ino, oldInode, 'the new content is a new file renamed into place');
      const oldBytes = Buffer.alloc(fs.fstatSync(fd).size);
      fs.readSync(fd, oldBytes, 0, oldBytes.length, 0);
      assert.deepEqual(Array.from(typedArrayOf(parseSafetensors(oldBytes).tensors.get('w')!) as Float32Array), [1, 2, 3]);
    } finally {
      fs.closeSync(fd);
    }
    assert.deepEqual(Array.from(typedArrayOf(readSafetensors(file).tensors.get('w')!) as Float32Array), [4, 5, 6, 7]);
    assert.deepEqual(fs.readdirSync(dir), ['ckpt.safetensors'], 'no temporary file is left');
  });

  it('leaves an existing file untouched and no temporary file when writing fails', async () => {
    const file = path.join(dir, 'ckpt.safetensors');
    writeSafetensors(file, { w: raw([1]) });
    const before = fs.readFileSync(file);
    const disposed = tensor([1, 2]);
    disposed.dispose();
    assert.throws(() => writeSafetensors(file, { w: raw([2]), gone: disposed }), { code: 'E_DISPOSED' });
    assert.throws(() => writeSafetensors(file, { w: { dtype: 'F32', shape: [2], bytes: new Uint8Array(4) } }), { code: 'E_SHAPE' });
    await assert.rejects(writeSafetensorsAsync(file, { w: raw([2]) }, { epoch: 3 as unknown as string }), { code: 'E_ARG' });
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(fs.readdirSync(dir), ['ckpt.safetensors']);
  });

  it('reports a missing folder or a folder in the way as E_IO naming the path, cleaning up', async () => {
    const missing = path.join(dir, 'no', 'such', 'x.safetensors');
    assert.throws(() => writeSafetensors(missing, { w: raw([1]) }), { code: 'E_IO', message: `cannot write ${missing}: the folder does not exist` });
    await assert.rejects(writeSafetensorsAsync(missing, { w: raw([1]) }), { code: 'E_IO' });
    const folder = path.join(dir, 'taken');
    fs.mkdirSync(folder);
    assert.throws(() => writeSafetensors(folder, { w: raw([1]) }), {
      code: 'E_IO',
      message: new RegExp(`^cannot write ${folder.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `),
    });
    await assert.rejects(writeSafetensorsAsync(folder, { w: raw([1]) }), { code: 'E_IO' });
    assert.deepEqual(fs.readdirSync(dir).sort(), ['taken']);
  });
});

describe('safetensors: writer arguments', () => {
  it('rejects bad input with coded errors naming the tensor', () => {
    assert.throws(() => serializeSafetensors({ __metadata__: raw([1]) }), { code: 'E_ARG', message: /'__metadata__' is reserved/ });
    assert.throws(() => serializeSafetensors(null as never), { code: 'E_ARG', message: /expected an object of tensors by name but received null/ });
    assert.throws(() => serializeSafetensors([raw([1])] as never), { code: 'E_ARG', message: /received array/ });
    assert.throws(() => serializeSafetensors({ w: 5 as never }), {
      code: 'E_ARG',
      message: /expected tensor 'w' to be a Tensor or \{dtype, shape, bytes\} but received number 5/,
    });
    assert.throws(() => serializeSafetensors({ w: { dtype: 'I8' as never, shape: [1], bytes: new Uint8Array(1) } }), {
      code: 'E_DTYPE',
      message: /tensor 'w' has dtype string 'I8'/,
    });
    assert.throws(() => serializeSafetensors({ w: { dtype: 'U8', shape: [-1], bytes: new Uint8Array(0) } }), {
      code: 'E_ARG',
      message: /tensor 'w' shape to be/,
    });
    assert.throws(() => serializeSafetensors({ w: { dtype: 'U8', shape: [1], bytes: [1] as never } }), {
      code: 'E_ARG',
      message: /bytes to be a Uint8Array but received array/,
    });
    assert.throws(() => serializeSafetensors({ w: { dtype: 'F16', shape: [3], bytes: new Uint8Array(4) } }), {
      code: 'E_SHAPE',
      message: /tensor 'w' has 4 bytes but F16 shape \[3\] needs 6/,
    });
    assert.throws(() => serializeSafetensors({}, { epoch: 1 as never }), {
      code: 'E_ARG',
      message: /metadata value for 'epoch' to be a string but received number 1/,
    });
    assert.throws(() => serializeSafetensors({}, 'x' as never), { code: 'E_ARG', message: /metadata to be an object of strings/ });
  });
});
