import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerPreprocess } from '../../lib/cli/preprocess';
import { preprocessBatch } from '../../lib/data/preprocess';
import { clipEvalTransform, clipTrainTransform } from '../../lib/data/transform';
import { loadTensors, readSafetensors } from '../../lib/io/safetensors';
import { repoRoot } from '../support/fixtures';
import { runCommand } from '../support/cli';

const IMAGES = path.join(repoRoot, 'test', 'fixtures', 'data', 'images');

/** Runs `zscl preprocess ...args` in-process; returns what it printed. */
const run = async (...args: string[]): Promise<string> => (await runCommand(registerPreprocess, 'preprocess', ...args)).join('\n');

describe('zscl preprocess', function () {
  this.timeout(60_000);
  let dir: string;
  const files = ['rgb-640x480.jpg', 'grey-300x400.png', 'rgba-300x300.webp'].map((f) => path.join(IMAGES, f));
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-preprocess-cli-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the normalised eval batch as float32 NCHW tensor "images"', async () => {
    const out = path.join(dir, 'eval.safetensors');
    const printed = await run(...files, '--out', out);
    assert.match(printed, /wrote 3 images as float32 \[3, 3, 224, 224\]/);
    const file = readSafetensors(out);
    const entry = file.tensors.get('images');
    assert.ok(entry);
    assert.deepEqual([entry.dtype, entry.shape], ['F32', [3, 3, 224, 224]]);
    assert.equal(file.metadata?.mode, 'eval');
    assert.deepEqual(JSON.parse(file.metadata!.files), files);
    const { images } = loadTensors(out);
    const direct = await preprocessBatch(files, clipEvalTransform());
    assert.deepEqual(images.data(), direct.data());
    images.dispose();
    direct.dispose();
  });

  it('writes seeded train crops at another size', async () => {
    const out = path.join(dir, 'train.safetensors');
    await run(...files, '--out', out, '--mode', 'train', '--size', '64', '--seed', '9');
    const { images } = loadTensors(out);
    assert.deepEqual(images.shape, [3, 3, 64, 64]);
    const direct = await preprocessBatch(files, clipTrainTransform({ size: 64 }), { seed: 9 });
    assert.deepEqual(images.data(), direct.data());
    images.dispose();
    direct.dispose();
  });

  it('reports bad options and unreadable images with coded errors naming them', async () => {
    const out = path.join(dir, 'x.safetensors');
    await assert.rejects(run(files[0], '--out', out, '--mode', 'test'), { code: 'E_ARG' });
    await assert.rejects(run(files[0], '--out', out, '--size', '-3'), { code: 'E_ARG' });
    await assert.rejects(run(files[0], '--out', path.join(dir, 'x.bin')), { code: 'E_ARG' });
    const bad = path.join(dir, 'bad.png');
    fs.writeFileSync(bad, 'nope');
    await assert.rejects(run(files[0], bad, '--out', out), (e: Error & { code?: string }) => e.code === 'E_FORMAT' && e.message.includes(bad));
    assert.equal(fs.existsSync(out), false, 'nothing is written when an image fails');
  });
});
