/**
 * Contrastive pretraining of the demo's small CLIP on the rendered, captioned world (CLIP's
 * symmetric InfoNCE, learnable temperature, word-level tokens). Seeded end to end: the same seed,
 * config and thread count give the same model.
 *
 * The captions mix two kinds, as web alt-text does: full descriptions of world scenes ("two
 * striped red circles on a noisy blue background") and, with probability `promptCaptionRate`,
 * short captions that name one attribute of a one-class scene in the words of a prompt ("a photo
 * of a star.", "a photo of three objects."). Only the short kind teaches a model this small to
 * see shapes, textures and counts in a few thousand steps; the task test sets are drawn from
 * other seeds, so no test image is ever seen.
 */
import type { ClipConfig } from '../../lib/clip/config';
import { ClipModel } from '../../lib/clip/model';
import { tokenizeToTensor } from '../../lib/clip/tokenizer';
import { ZsclError } from '../../lib/errors';
import { arange, tensor } from '../../lib/tensor/create';
import * as F from '../../lib/tensor/functional';
import { noGrad } from '../../lib/tensor/autograd';
import { tidyAsync } from '../../lib/tensor/scope';
import { Optimizer } from '../../lib/cl/optimizer';
import { cosineWithWarmup } from '../../lib/cl/schedule';
import { demoTokenizer } from '../../lib/demo/tokenizer';
import { createPretrainingMixture, Rng } from '../../lib/demo/world';
import type { MixtureSettings } from '../../lib/demo/world';

export interface PretrainOptions extends MixtureSettings {
  config: ClipConfig;
  seed: number;
  steps: number;
  batchSize: number;
  lr: number;
  warmup: number;
  weightDecay: number;
  /** Called every `logEvery` steps. */
  onProgress?: (p: { step: number; steps: number; loss: number; logitScale: number; seconds: number; model: ClipModel }) => void | Promise<void>;
  logEvery?: number;
}

/**
 * Trains a new model from `seed` on the world's captioned images. Async (forward/backward and the
 * optimizer run on worker threads).
 */
export async function pretrainOnWorld(options: PretrainOptions): Promise<ClipModel> {
  if (!Number.isInteger(options.steps) || options.steps < 1) throw new ZsclError(`pretrain: steps must be ≥ 1, got ${options.steps}`, 'E_ARG');
  const model = ClipModel.create(options.config, { seed: options.seed });
  const tokenizer = demoTokenizer(options.config);
  const size = options.config.imageResolution;
  const mixture = createPretrainingMixture(options, size);
  const rng = Rng.fromSeed(options.seed);
  // CLIP trains the temperature too; decay applies to weights, not gains/biases/embeddings (as open_clip).
  const decay: ReturnType<ClipModel['parameter']>[] = [];
  const noDecay: ReturnType<ClipModel['parameter']>[] = [];
  for (const [name, p] of model.namedParameters()) {
    p.requiresGrad = true;
    (p.rank >= 2 && !name.includes('embedding') ? decay : noDecay).push(p);
  }
  const opts = { kind: 'adamw' as const, beta1: 0.9, beta2: 0.98, eps: 1e-6 };
  const decayed = new Optimizer(decay, { ...opts, weightDecay: options.weightDecay });
  const plain = new Optimizer(noDecay, { ...opts, weightDecay: 0 });
  const schedule = cosineWithWarmup(options.lr, options.warmup, options.steps);
  const logitScale = model.parameter('logit_scale');
  const maxScale = Math.log(100);
  const started = performance.now();
  try {
    for (let step = 0; step < options.steps; step++) {
      const batch = mixture.batch(rng, options.batchSize);
      const loss = await tidyAsync(async () => {
        const images = tensor(batch.images, { shape: [...batch.shape] });
        const tokens = tokenizeToTensor(tokenizer, batch.captions, { truncate: 'eot' });
        decayed.zeroGrad();
        plain.zeroGrad();
        const img = (await model.encodeImageAsync(images)).normalize();
        const txt = (await model.encodeTextAsync(tokens)).normalize();
        const logits = img.matmul(txt.T).mul(logitScale.exp());
        const labels = arange(options.batchSize);
        const total = F.crossEntropy(logits, labels).add(F.crossEntropy(logits.T, labels)).div(2);
        await total.backwardAsync();
        const lr = schedule(step);
        await decayed.stepAsync(lr);
        await plain.stepAsync(lr);
        noGrad(() => logitScale.copy_(logitScale.clamp(0, maxScale)));
        return total.item();
      });
      if (options.onProgress && (step % (options.logEvery ?? 25) === 0 || step === options.steps - 1)) {
        await options.onProgress({
          step,
          steps: options.steps,
          loss,
          logitScale: Math.exp(logitScale.item()),
          seconds: (performance.now() - started) / 1000,
          model,
        });
      }
    }
  } finally {
    decayed.dispose();
    plain.dispose();
  }
  return model;
}
