import assert from 'node:assert/strict';
import type { ClipConfig } from '../../lib';
import { ClipModel, loadModelConfig, noGrad, randint, randn, tidy } from '../../lib';

/**
 * Parameter count of an OpenAI ViT CLIP from its shapes, term by term (the state dict of
 * fixtures/README.md): a residual block of width W has in_proj 3W² + 3W, out_proj W² + W,
 * c_fc 4W² + 4W, c_proj 4W² + W and two LayerNorms 4W, i.e. 12W² + 13W.
 */
function expectedParameterCount(c: ClipConfig): number {
  const block = (w: number) => 12 * w * w + 13 * w;
  const grid = c.imageResolution / c.visionPatchSize;
  const vision =
    c.visionWidth * 3 * c.visionPatchSize ** 2 + // conv1, no bias
    c.visionWidth + // class_embedding
    (grid * grid + 1) * c.visionWidth + // positional_embedding
    4 * c.visionWidth + // ln_pre, ln_post
    c.visionLayers * block(c.visionWidth) +
    c.visionWidth * c.embedDim; // proj
  const text =
    c.vocabSize * c.transformerWidth + // token_embedding
    c.contextLength * c.transformerWidth + // positional_embedding
    c.transformerLayers * block(c.transformerWidth) +
    2 * c.transformerWidth + // ln_final
    c.transformerWidth * c.embedDim + // text_projection
    1; // logit_scale
  return vision + text;
}

describe('CLIP at the released OpenAI shapes', () => {
  // The counts PyTorch reports for the reference model (reference_clip.py of ../shared/bench) and
  // OpenAI's released checkpoints.
  const released: Record<string, number> = { 'ViT-B-16': 149_620_737, 'ViT-B-32': 151_277_313, 'ViT-L-14': 427_616_513 };

  it('the term-by-term count agrees with the released counts', () => {
    for (const [name, count] of Object.entries(released)) assert.equal(expectedParameterCount(loadModelConfig(name)), count, name);
  });

  it('ViT-B-16 has exactly 149,620,737 parameters and encodes 2 images at 224×224 into [2, 512]', function () {
    this.timeout(60000);
    const model = ClipModel.create('ViT-B-16', { seed: 0 }).eval();
    try {
      assert.equal(model.parameterCount, 149_620_737);
      // 12 tensors per block; 8 more in the image tower, 6 in the text tower.
      assert.equal(model.namedParameters().size, 8 + 12 * 12 + 6 + 12 * 12);
      noGrad(() =>
        tidy(() => {
          const features = model.encodeImage(randn([2, 3, 224, 224]));
          assert.deepEqual(features.shape, [2, 512]);
          assert.equal(features.isfinite().all().item(), 1);
          const text = model.encodeText(randint(0, 49408, [2, 77]));
          assert.deepEqual(text.shape, [2, 512]);
        }),
      );
    } finally {
      model.dispose();
    }
  });

  it('ViT-B-32 has exactly 151,277,313 parameters', function () {
    this.timeout(60000);
    const model = ClipModel.create('ViT-B-32');
    try {
      assert.equal(model.parameterCount, 151_277_313);
    } finally {
      model.dispose();
    }
  });
});
