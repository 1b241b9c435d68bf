/**
 * The reference set for ZSCL's feature distillation: unlabeled images and caption texts of the
 * demo model's pretraining mixture (see pretraining-mixture.ts), drawn from seeds of their own. The
 * paper distils on ImageNet images and Conceptual Captions texts: data like CLIP's pretraining
 * data, which covers the domains of the MTIL tasks without being their images. Here too the
 * reference images include one-class scenes of the prompt tasks, never the tasks' test images
 * (those come from other seeds). The texts are captions of scenes other than the images
 * (separate streams), as the paper's come from another dataset.
 */
import { DEFAULT_IMAGE_SIZE, checkBatchSize } from './batch';
import type { ImageBatch } from './batch';
import { DEMO_PRETRAINING_MIXTURE, createPretrainingMixture } from './pretraining-mixture';
import type { MixtureSettings } from './pretraining-mixture';
import { Rng } from './random';
import { checkImageSize } from './render';

/** Options of {@link createReferenceSet}. */
export interface ReferenceSetOptions {
  /** Image side, default {@link DEFAULT_IMAGE_SIZE}. */
  readonly size?: number;
  /** Seed of the fixed images and texts, default 'world-reference'. */
  readonly seed?: number | string;
  /** The pretraining mixture to draw from, default the shipped model's. */
  readonly mixture?: MixtureSettings;
}

/** Reference images and texts for distillation. */
export interface ReferenceSet {
  readonly imageSize: number;
  /** `n` fresh reference images drawn from `rng` (unlabeled). Synchronous. @throws ZsclError E_ARG for a bad `n`. */
  sample(rng: Rng, n: number): Pick<ImageBatch, 'images' | 'shape'>;
  /** The first `n` images of the fixed reference pool (same seed → same images). Synchronous. @throws ZsclError E_ARG for a bad `n`. */
  images(n: number): Pick<ImageBatch, 'images' | 'shape'>;
  /** The first `n` reference texts (same seed → same texts). Synchronous. @throws ZsclError E_ARG for a bad `n`. */
  texts(n: number): string[];
}

/**
 * A reference set drawn from the pretraining mixture (see the file comment). Synchronous.
 * @throws ZsclError E_ARG for an invalid size, seed or mixture.
 */
export function createReferenceSet(options: ReferenceSetOptions = {}): ReferenceSet {
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  checkImageSize(size, 'createReferenceSet');
  const seed = options.seed ?? 'world-reference';
  Rng.fromSeed(seed); // validates the seed now rather than on first use
  const mixture = createPretrainingMixture(options.mixture ?? DEMO_PRETRAINING_MIXTURE, size);
  return {
    imageSize: size,
    sample(rng: Rng, n: number): Pick<ImageBatch, 'images' | 'shape'> {
      checkBatchSize(n, 'ReferenceSet.sample');
      const { images, shape } = mixture.batch(rng, n);
      return { images, shape };
    },
    images(n: number): Pick<ImageBatch, 'images' | 'shape'> {
      checkBatchSize(n, 'ReferenceSet.images');
      const { images, shape } = mixture.batch(Rng.fromSeed(`${seed}:images`), n);
      return { images, shape };
    },
    texts(n: number): string[] {
      checkBatchSize(n, 'ReferenceSet.texts');
      return [...mixture.batch(Rng.fromSeed(`${seed}:texts`), n).captions];
    },
  };
}
