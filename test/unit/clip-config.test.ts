import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ZsclError } from '../../lib';
import { inferConfig, listModelConfigs, loadModelConfig, parseModelConfig, readSafetensors, validateConfig } from '../../lib';
import { TINY_CLIP_CONFIG as TINY, fixture, readJsonFixture } from '../support/fixtures';

const configError =
  (...words: string[]) =>
  (error: ZsclError) =>
    error.code === 'E_CONFIG' && words.every((word) => error.message.includes(word));

describe('CLIP model configs', () => {
  it('lists the shipped configs', () => {
    const names = listModelConfigs();
    for (const name of ['ViT-B-16', 'ViT-B-32', 'ViT-L-14', 'tiny', 'mid']) assert.ok(names.includes(name), name);
  });

  it('loads ViT-B-16 by name with OpenAI ViT-B/16 shapes', () => {
    assert.deepEqual(loadModelConfig('ViT-B-16'), {
      embedDim: 512,
      imageResolution: 224,
      visionLayers: 12,
      visionWidth: 768,
      visionPatchSize: 16,
      visionHeads: 12,
      contextLength: 77,
      vocabSize: 49408,
      transformerWidth: 512,
      transformerLayers: 12,
      transformerHeads: 8,
      activation: 'quick_gelu',
    });
    assert.equal(loadModelConfig('ViT-L-14').visionHeads, 16);
    assert.equal(loadModelConfig('ViT-B-32').visionPatchSize, 32);
  });

  it('the tiny config file, the fixture flat names and a ClipConfig all read the same', () => {
    assert.deepEqual(loadModelConfig('tiny'), TINY);
    assert.deepEqual(parseModelConfig(readJsonFixture<{ model: unknown }>('tiny-clip', 'config.json').model), TINY);
    assert.deepEqual(parseModelConfig({ ...TINY }), TINY);
  });

  it('open_clip: heads default to width / head_width, quick_gelu false selects GELU', () => {
    const json = {
      embed_dim: 32,
      vision_cfg: { image_size: 32, layers: 2, width: 128, patch_size: 8, head_width: 32 },
      text_cfg: { context_length: 16, vocab_size: 1000, width: 64, heads: 4, layers: 2 },
    };
    assert.equal(parseModelConfig(json).visionHeads, 4);
    assert.equal(parseModelConfig({ ...json, vision_cfg: { ...json.vision_cfg, head_width: undefined } }).visionHeads, 2);
    assert.equal(parseModelConfig(json).activation, 'quick_gelu');
    assert.equal(parseModelConfig({ ...json, quick_gelu: false }).activation, 'gelu');
    assert.equal(parseModelConfig({ ...json, quick_gelu: true }).activation, 'quick_gelu');
  });

  it('reads a config file by path; unknown names and broken files are E_CONFIG', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-config-'));
    try {
      const good = path.join(dir, 'mine.json');
      fs.writeFileSync(good, fs.readFileSync(path.join(__dirname, '..', '..', 'configs', 'models', 'tiny.json')));
      assert.deepEqual(loadModelConfig(good), TINY);
      const broken = path.join(dir, 'broken.json');
      fs.writeFileSync(broken, '{"embed_dim": 3');
      assert.throws(() => loadModelConfig(broken), configError('broken.json', 'not valid JSON'));
      assert.throws(() => loadModelConfig('ViT-Z-99'), configError("'ViT-Z-99'", 'ViT-B-16'));
      assert.throws(() => loadModelConfig(path.join(dir, 'missing.json')), configError('missing.json'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validation names the offending field (and its key in the source format)', () => {
    assert.throws(() => validateConfig({ ...TINY, visionWidth: 0 }), configError('visionWidth', 'positive integer', 'number 0'));
    assert.throws(() => validateConfig({ ...TINY, embedDim: 2.5 }), configError('embedDim', 'number 2.5'));
    assert.throws(() => validateConfig({ ...TINY, vocabSize: '1000' as unknown as number }), configError('vocabSize', "string '1000'"));
    assert.throws(() => validateConfig({ ...TINY, visionHeads: 3 }), configError('visionWidth 64', 'visionHeads 3'));
    assert.throws(() => validateConfig({ ...TINY, transformerHeads: 5 }), configError('transformerWidth 64', 'transformerHeads 5'));
    assert.throws(() => validateConfig({ ...TINY, visionPatchSize: 7 }), configError('imageResolution 32', 'visionPatchSize 7'));
    assert.throws(() => validateConfig({ ...TINY, activation: 'relu' as 'gelu' }), configError('activation'));
    assert.throws(() => parseModelConfig(null, 'my.json'), configError('my.json', 'null'));
    assert.throws(() => parseModelConfig(42), configError('number 42'));
    const { text_cfg: text, ...noText } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'configs', 'models', 'tiny.json'), 'utf8')) as Record<
      string,
      Record<string, number>
    >;
    assert.throws(() => parseModelConfig(noText), configError('contextLength (text_cfg.context_length)', 'missing'));
    assert.throws(() => parseModelConfig({ ...noText, text_cfg: { ...text, layers: -1 } }), configError('text_cfg.layers', 'number -1'));
    const flat = readJsonFixture<{ model: Record<string, number> }>('tiny-clip', 'config.json').model;
    assert.throws(() => parseModelConfig({ ...flat, vision_layers: 1.5 }, 'fixture'), configError('fixture', 'visionLayers (vision_layers)'));
  });

  describe('inferConfig', () => {
    const shapes = Object.fromEntries([...readSafetensors(fixture('tiny-clip', 'weights.safetensors')).tensors].map(([name, entry]) => [name, entry.shape]));

    it('recovers the tiny shapes from the fixture weights (head counts given)', () => {
      assert.deepEqual(inferConfig(shapes, { vision: 4, text: 4 }), TINY);
    });

    it("defaults head counts to width / 64 as OpenAI's build_model does; activation passes through", () => {
      const inferred = inferConfig(shapes, {}, 'gelu');
      assert.equal(inferred.visionHeads, 1);
      assert.equal(inferred.transformerHeads, 1);
      assert.equal(inferred.activation, 'gelu');
    });

    it('names a missing tensor', () => {
      const { ['visual.conv1.weight']: _conv, ...rest } = shapes;
      assert.throws(() => inferConfig(rest), configError("'visual.conv1.weight'"));
    });
  });
});
