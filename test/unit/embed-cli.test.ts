import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Tensor, ZsclError } from '../../lib';
import { ByteLevelTokenizer, ClipModel, loadClip, loadTensors, noGrad, readSafetensors, tensor, tokenizeToTensor, writeSafetensors } from '../../lib';
import { registerEmbed } from '../../lib/cli/embed';
import { assertClose } from '../support/compare';
import { coded } from '../support/errors';
import { clipVocabPath, fixture, repoRoot } from '../support/fixtures';
import { runCommand } from '../support/cli';

/** Runs `zscl embed ...args` in-process; returns the lines it printed. */
const runEmbed = (...args: string[]): Promise<string[]> => runCommand(registerEmbed, 'embed', ...args);

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

describe('zscl embed', () => {
  const weights = fixture('tiny-clip', 'weights.safetensors');
  let dir: string;
  let model: ClipModel;
  let inputs: Record<string, Tensor>;
  let expected: Record<string, Tensor>;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-embed-'));
    model = loadClip(weights, { config: 'tiny' });
    inputs = loadTensors(fixture('tiny-clip', 'inputs.safetensors'));
    expected = loadTensors(fixture('tiny-clip', 'expected.safetensors'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    model.dispose();
    for (const t of [...Object.values(inputs), ...Object.values(expected)]) t.dispose();
  });

  it('--tensors → --out: the features equal the tiny-clip reference', async () => {
    const file = path.join(dir, 'inputs.safetensors');
    writeSafetensors(file, { images: inputs.images, tokens: inputs.tokens });
    const out = path.join(dir, 'features.safetensors');
    const lines = await runEmbed('--model', weights, '--config', 'tiny', '--tensors', file, '--out', out, '--batch-size', '4');
    assert.deepEqual(lines, [`wrote image_features [6, 32], text_features [7, 32] to ${out}`]);
    const written = loadTensors(out);
    assertClose(written.image_features, expected.image_features, 1e-5, 1e-5, 'image_features');
    assertClose(written.text_features, expected.text_features, 1e-5, 1e-5, 'text_features');
    const metadata = JSON.parse(readSafetensors(out).metadata['zscl.embed']) as { model: string; normalized: boolean; tensors: string };
    assert.deepEqual(metadata, { model: weights, normalized: false, tensors: file });
  });

  it('--texts with --byte-level, printed as JSON, and --normalize', async () => {
    const texts = ['a red square', 'two circles', ''];
    const [line] = await runEmbed('--model', weights, '--config', 'tiny', '--byte-level', '--texts', ...texts);
    const printed = JSON.parse(line) as { model: string; texts: string[]; text_features: number[][]; image_features?: unknown };
    assert.deepEqual(printed.texts, texts);
    assert.equal(printed.image_features, undefined);
    const manual = noGrad(() => model.encodeText(tokenizeToTensor(new ByteLevelTokenizer(), texts)));
    assertClose(tensor(printed.text_features), manual, 1e-6, 1e-5, 'byte-level text features');
    const [normalizedLine] = await runEmbed('--model', weights, '--config', 'tiny', '--byte-level', '--normalize', '--json', '--texts', ...texts);
    const normalized = JSON.parse(normalizedLine) as { normalized: boolean; text_features: number[][] };
    assert.equal(normalized.normalized, true);
    assertClose(
      tensor(normalized.text_features),
      noGrad(() => manual.normalize()),
      1e-6,
      1e-5,
      'normalised text features',
    );
  });

  it('texts longer than the context length fail unless --truncate (EOT kept last)', async () => {
    const long = 'three small blue circles';
    await assert.rejects(runEmbed('--model', weights, '--config', 'tiny', '--byte-level', '--texts', long), coded('E_ARG', 'context length 16', '--truncate'));
    const [line] = await runEmbed('--model', weights, '--config', 'tiny', '--byte-level', '--truncate', '--texts', long);
    const manual = noGrad(() => model.encodeText(tokenizeToTensor(new ByteLevelTokenizer(), [long], { truncate: 'eot' })));
    assertClose(tensor((JSON.parse(line) as { text_features: number[][] }).text_features), manual, 1e-6, 1e-5, 'truncated text');
  });

  it('--images: decoded with the CLIP evaluation transform (a 32×32 PNG is only normalised)', async () => {
    const files: string[] = [];
    const pixels: Uint8Array[] = [];
    for (let k = 0; k < 3; k++) {
      const data = new Uint8Array(32 * 32 * 3).map((_, i) => (i * (7 + k) + k * 31) % 256);
      const file = path.join(dir, `image${k}.png`);
      await sharp(data, { raw: { width: 32, height: 32, channels: 3 } })
        .png()
        .toFile(file);
      files.push(file);
      pixels.push(data);
    }
    const out = path.join(dir, 'images.safetensors');
    const [summary] = await runEmbed('--model', weights, '--config', 'tiny', '--images', ...files, '--out', out, '--json', '--batch-size', '2');
    assert.deepEqual(JSON.parse(summary), { out, model: weights, normalized: false, tensors: { image_features: [3, 32] } });
    // CHW floats (x / 255 − mean) / std, built by hand from the raw pixels.
    const chw = new Float32Array(3 * 3 * 32 * 32);
    pixels.forEach((data, n) => {
      for (let i = 0; i < 32 * 32; i++) {
        for (let c = 0; c < 3; c++) chw[n * 3072 + c * 1024 + i] = (data[i * 3 + c] / 255 - CLIP_MEAN[c]) / CLIP_STD[c];
      }
    });
    const manual = noGrad(() => model.encodeImage(tensor(chw, { shape: [3, 3, 32, 32] })));
    assertClose(loadTensors(out).image_features, manual, 1e-5, 1e-4, 'image features of PNG files');
  });

  it('a model config name gives seeded random weights (--seed)', async () => {
    const [line] = await runEmbed('--model', 'tiny', '--seed', '3', '--byte-level', '--texts', 'hello');
    const printed = JSON.parse(line) as { model: string; text_features: number[][] };
    assert.equal(printed.model, 'config:tiny (random weights, seed 3)');
    const seeded = ClipModel.create('tiny', { seed: 3 });
    try {
      const manual = noGrad(() => seeded.encodeText(tokenizeToTensor(new ByteLevelTokenizer(), ['hello'])));
      assertClose(tensor(printed.text_features), manual, 1e-6, 1e-5, 'seeded model');
    } finally {
      seeded.dispose();
    }
  });

  it('TorchScript checkpoints need --allow-code-execution', async () => {
    const jit = path.join(repoRoot, 'test', 'fixtures', 'clip', 'jit.pt');
    await assert.rejects(runEmbed('--model', jit, '--config', 'tiny', '--byte-level', '--texts', 'x'), coded('E_ARG', 'execute code'));
    const [line] = await runEmbed('--model', jit, '--config', 'tiny', '--allow-code-execution', '--byte-level', '--texts', 'x');
    const manual = noGrad(() => model.encodeText(tokenizeToTensor(new ByteLevelTokenizer(), ['x'])));
    assertClose(tensor((JSON.parse(line) as { text_features: number[][] }).text_features), manual, 1e-6, 1e-5, 'TorchScript weights');
  });

  it('bad invocations are coded errors naming the problem', async () => {
    const base = ['--model', weights, '--config', 'tiny'];
    await assert.rejects(runEmbed(...base), coded('E_ARG', 'nothing to embed'));
    await assert.rejects(runEmbed(...base, '--texts', 'x'), coded('E_ARG', '--vocab', '--byte-level'));
    await assert.rejects(runEmbed(...base, '--vocab', clipVocabPath, '--byte-level', '--texts', 'x'), coded('E_ARG', 'not both'));
    await assert.rejects(runEmbed(...base, '--vocab', clipVocabPath, '--texts', 'x'), coded('E_ARG', '49408', '1000'));
    await assert.rejects(runEmbed('--model', 'ViT-Q-1', '--byte-level', '--texts', 'x'), coded('E_ARG', 'ViT-Q-1', 'ViT-B-16'));
    await assert.rejects(runEmbed(...base, '--batch-size', '0', '--byte-level', '--texts', 'x'), coded('E_ARG', '--batch-size'));
    const empty = path.join(dir, 'other.safetensors');
    writeSafetensors(empty, { pixels: inputs.images });
    await assert.rejects(runEmbed(...base, '--tensors', empty), coded('E_FORMAT', "'images'", 'pixels'));
    await assert.rejects(runEmbed(...base, '--tensors', empty, '--byte-level', '--texts', 'x'), coded('E_ARG', '--tensors alone'));
    const wrongSize = path.join(dir, 'wrong.safetensors');
    writeSafetensors(wrongSize, { images: tensor(new Float32Array(3 * 16 * 16), { shape: [1, 3, 16, 16] }) });
    await assert.rejects(runEmbed(...base, '--tensors', wrongSize), coded('E_SHAPE', '[1, 3, 16, 16]'));
    await assert.rejects(
      runEmbed(...base, '--images', path.join(dir, 'missing.png')),
      (error: ZsclError) => error.code === 'E_IO' || error.code === 'E_FORMAT',
    );
  });
});
