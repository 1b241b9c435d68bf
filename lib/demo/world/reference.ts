/**
 * The reference set for ZSCL's feature distillation: unlabeled images and caption texts from the
 * world that no task draws from (the paper uses ImageNet images and Conceptual Captions texts,
 * disjoint from the MTIL tasks).
 *
 * How disjointness is ensured: every task samples with composition 'homogeneous' (all objects in
 * a scene identical: same shape or glyph, colour and texture); the reference set samples with
 * composition 'mixed' (two or three groups that differ in shape/glyph or colour), and callers
 * cannot override that. So no reference image is a possible task image, and every reference text
 * names at least two different groups ("a red circle and two blue stars"), never one class.
 * The reference texts are captions of scenes other than the reference images (separate streams),
 * as in the paper, where images and texts come from different datasets.
 */
import { DEFAULT_IMAGE_SIZE, checkBatchSize, renderBatch } from './batch';
import type { ImageBatch } from './batch';
import { captionFor } from './caption';
import { Rng } from './random';
import { checkImageSize } from './render';
import { createSceneSampler } from './scene';
import type { SceneOptions } from './scene';

/** Options of {@link createReferenceSet}. */
export interface ReferenceSetOptions {
  /** Image side, default {@link DEFAULT_IMAGE_SIZE}. */
  readonly size?: number;
  /** Seed of the fixed images and texts, default 'world-reference'. */
  readonly seed?: number | string;
  /** Further restrictions on the scenes (composition is always 'mixed'). */
  readonly scene?: Omit<SceneOptions, 'composition' | 'mixedProbability'>;
}

/** Reference images and texts for distillation. */
export interface ReferenceSet {
  readonly imageSize: number;
  /** `n` fresh reference images drawn from `rng` (unlabeled). Synchronous. @throws ZsclError E_ARG for a bad `n`. */
  sample(rng: Rng, n: number): ImageBatch;
  /** The first `n` images of the fixed reference pool (same seed → same images). Synchronous. @throws ZsclError E_ARG for a bad `n`. */
  images(n: number): ImageBatch;
  /** The first `n` reference texts (same seed → same texts). Synchronous. @throws ZsclError E_ARG for a bad `n`. */
  texts(n: number): string[];
}

/**
 * A reference set disjoint from every world task (see the file comment). Synchronous.
 * @throws ZsclError E_ARG for an invalid size, seed or scene options.
 */
export function createReferenceSet(options: ReferenceSetOptions = {}): ReferenceSet {
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  checkImageSize(size, 'createReferenceSet');
  const seed = options.seed ?? 'world-reference';
  Rng.fromSeed(seed); // validates the seed now rather than on first use
  const sampler = createSceneSampler({ ...options.scene, composition: 'mixed' });
  return {
    imageSize: size,
    sample(rng: Rng, n: number): ImageBatch {
      checkBatchSize(n, 'ReferenceSet.sample');
      return renderBatch(
        Array.from({ length: n }, () => sampler(rng)),
        size,
      );
    },
    images(n: number): ImageBatch {
      checkBatchSize(n, 'ReferenceSet.images');
      const rng = Rng.fromSeed(`${seed}:images`);
      return renderBatch(
        Array.from({ length: n }, () => sampler(rng)),
        size,
      );
    },
    texts(n: number): string[] {
      checkBatchSize(n, 'ReferenceSet.texts');
      const rng = Rng.fromSeed(`${seed}:texts`);
      return Array.from({ length: n }, () => captionFor(sampler(rng), rng));
    },
  };
}
