/**
 * readCheckpointTensorsAsync reads tensor data a chunk at a time (lib/io/file-tensor-reader.ts):
 * tensors larger than a chunk, of every dtype, come out bit for bit as the whole-file reader gives
 * them, and a malformed file is refused with the same error the sync reader gives.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Tensor } from '../../lib';
import { memory, tensor } from '../../lib';
import { readCheckpointTensorsAsync } from '../../lib/clip/checkpoint-read-async';
import { CHUNK_BYTES } from '../../lib/io/file-tensor-reader';
import { loadTensors, readSafetensors, serializeSafetensors, writeSafetensors } from '../../lib/io/safetensors';

describe('checkpoints read a chunk at a time', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-chunked-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** `count` pseudo-random bytes (every bit pattern, so float NaN payloads too). */
  function noise(count: number, seed: number): Uint8Array {
    const out = new Uint8Array(count);
    let x = seed;
    for (let i = 0; i < count; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      out[i] = x >>> 24;
    }
    return out;
  }

  it('tensors over several chunks and small ones, every dtype, equal the whole-file read bit for bit', async () => {
    const file = path.join(dir, 'big.safetensors');
    const rows = Math.ceil((2.5 * CHUNK_BYTES) / (4 * 1001)); // a row length that does not divide the chunk
    writeSafetensors(file, {
      big32: { dtype: 'F32', shape: [rows, 1001], bytes: noise(rows * 1001 * 4, 1) },
      big16: { dtype: 'BF16', shape: [3, CHUNK_BYTES / 2 + 7], bytes: noise(3 * (CHUNK_BYTES / 2 + 7) * 2, 2) },
      flags: { dtype: 'BOOL', shape: [CHUNK_BYTES + 5], bytes: noise(CHUNK_BYTES + 5, 3).map((b) => b & 1) },
      small: { dtype: 'I64', shape: [2, 3], bytes: noise(48, 4) },
      scalar: { dtype: 'F64', shape: [], bytes: noise(8, 5) },
      none: { dtype: 'F32', shape: [0, 5], bytes: new Uint8Array(0) },
    });
    const before = memory().tensors;
    const read = await readCheckpointTensorsAsync(file, {});
    const expected = loadTensors(file);
    try {
      assert.deepEqual([...read.tensors.keys()].sort(), Object.keys(expected).sort());
      for (const [name, t] of read.tensors) {
        assert.deepEqual([t.dtype, t.shape], [expected[name].dtype, expected[name].shape], name);
        assert.ok(Buffer.from(t.bytes()).equals(Buffer.from(expected[name].bytes())), `${name} differs`);
      }
    } finally {
      for (const t of [...read.tensors.values(), ...Object.values(expected)]) (t as Tensor).dispose();
    }
    // ≤: tensors other tests left to finalizers may be freed meanwhile; a leak would still add to the count.
    assert.ok(memory().tensors <= before, `${memory().tensors} live tensors after, ${before} before`);
  });

  it('a BOOL byte other than 0/1 in a later chunk is refused as the sync reader refuses it, and nothing leaks', async () => {
    const file = path.join(dir, 'bad-bool.safetensors');
    const bytes = new Uint8Array(CHUNK_BYTES + 100);
    bytes[CHUNK_BYTES + 42] = 2;
    const ok = tensor(new Float32Array(CHUNK_BYTES / 2));
    try {
      writeSafetensors(file, { a: ok, flags: { dtype: 'BOOL', shape: [bytes.length], bytes } });
    } finally {
      ok.dispose();
    }
    const before = memory().tensors;
    let syncMessage = '';
    assert.throws(
      () => readSafetensors(file),
      (e: Error) => ((syncMessage = e.message), true),
    );
    assert.match(syncMessage, new RegExp(`'flags' \\(BOOL\\) holds byte value 2 at element ${CHUNK_BYTES + 42}`));
    await assert.rejects(readCheckpointTensorsAsync(file, {}), { code: 'E_FORMAT', message: syncMessage });
    // ≤: tensors other tests left to finalizers may be freed meanwhile; a leak would still add to the count.
    assert.ok(memory().tensors <= before, `${memory().tensors} live tensors after, ${before} before`);
  });

  it('a file cut inside its data is refused as the sync reader refuses it', async () => {
    const whole = serializeSafetensors({ a: { dtype: 'F32', shape: [CHUNK_BYTES / 2], bytes: new Uint8Array(CHUNK_BYTES * 2) } });
    const file = path.join(dir, 'cut.safetensors');
    fs.writeFileSync(file, whole.subarray(0, whole.length - 1000));
    let syncMessage = '';
    assert.throws(
      () => readSafetensors(file),
      (e: Error) => ((syncMessage = e.message), true),
    );
    await assert.rejects(readCheckpointTensorsAsync(file, {}), { code: 'E_FORMAT', message: syncMessage });
  });
});
