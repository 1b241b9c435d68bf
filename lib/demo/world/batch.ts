/**
 * Batches of rendered scenes as CLIP-ready input: Float32 NCHW, normalised with CLIP's mean/std,
 * to pass straight to `tensor(images, { shape })`. The captioned world (scenes + captions, an
 * unlimited seeded stream) is what the demo's small CLIP is pretrained on.
 */
import { ZsclError, describeValue } from '../../errors';
import { captionFor } from './caption';
import { normaliseInto } from './normalise';
import { Rng } from './random';
import { checkImageSize, checkScene, renderSceneInto } from './render';
import { createSceneSampler } from './scene';
import type { Scene, SceneOptions } from './scene';

/** Default image side of the demo world: small enough for CPU pretraining of a tiny ViT. */
export const DEFAULT_IMAGE_SIZE = 32;

/** Images as normalised NCHW floats; `shape` is [n, 3, size, size]. */
export interface ImageBatch {
  readonly images: Float32Array;
  readonly shape: readonly [number, number, number, number];
  /** The scenes drawn, in order (for inspection and captions). */
  readonly scenes: readonly Scene[];
}

/** Images and one caption per image. */
export interface CaptionedBatch extends ImageBatch {
  readonly captions: readonly string[];
}

/**
 * Checks a batch size. Synchronous.
 * @throws ZsclError E_ARG unless `n` is a non-negative integer.
 */
export function checkBatchSize(n: unknown, caller: string): asserts n is number {
  if (!Number.isInteger(n) || (n as number) < 0) {
    throw new ZsclError(`${caller}: expected a non-negative integer for n but received ${describeValue(n)}`, 'E_ARG');
  }
}

/**
 * Renders and normalises scenes into one batch. Synchronous.
 * @throws ZsclError E_ARG when `size` is not an integer in [8, 512] or a scene is malformed.
 */
export function renderBatch(scenes: readonly Scene[], size: number): ImageBatch {
  checkImageSize(size, 'renderBatch');
  if (!Array.isArray(scenes)) {
    throw new ZsclError(`renderBatch: expected an array of scenes but received ${describeValue(scenes)}`, 'E_ARG');
  }
  for (const scene of scenes) checkScene(scene, 'renderBatch');
  const pixels = size * size * 3;
  const images = new Float32Array(scenes.length * pixels);
  const rgb = new Uint8Array(pixels);
  const work = new Float32Array(pixels);
  for (let i = 0; i < scenes.length; i++) {
    renderSceneInto(scenes[i], size, rgb, 0, work);
    normaliseInto(rgb, 1, size, images, i);
  }
  return { images, shape: [scenes.length, 3, size, size], scenes };
}

/** Options of {@link createCaptionedWorld}. */
export interface CaptionedWorldOptions {
  /** Image side in pixels, default {@link DEFAULT_IMAGE_SIZE}. */
  readonly size?: number;
  /** What scenes may contain (default: the whole world). */
  readonly scene?: SceneOptions;
}

/** A source of captioned images; validated once, then sampled from any seeded stream. */
export interface CaptionedWorld {
  readonly imageSize: number;
  /** `n` scenes and captions drawn from `rng`, rendered and normalised. Synchronous. */
  batch(rng: Rng, n: number): CaptionedBatch;
}

/**
 * A captioned image world: scenes drawn from `options.scene`, one caption each. Synchronous.
 * @throws ZsclError E_ARG for an invalid size or scene options (see createSceneSampler).
 */
export function createCaptionedWorld(options: CaptionedWorldOptions = {}): CaptionedWorld {
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  checkImageSize(size, 'createCaptionedWorld');
  const sampler = createSceneSampler(options.scene ?? {});
  return {
    imageSize: size,
    batch(rng: Rng, n: number): CaptionedBatch {
      checkBatchSize(n, 'CaptionedWorld.batch');
      const scenes: Scene[] = [];
      const captions: string[] = [];
      for (let i = 0; i < n; i++) {
        const scene = sampler(rng);
        scenes.push(scene);
        captions.push(captionFor(scene, rng));
      }
      return { ...renderBatch(scenes, size), captions };
    },
  };
}

/**
 * An unlimited stream of captioned batches from `seed`: the k-th batch is the same on every run.
 * Synchronous generator; never finishes (take what you need).
 * @throws ZsclError E_ARG for an invalid seed, batch size or options (on the first `next()`).
 */
export function* captionedStream(seed: number | string, batchSize: number, options: CaptionedWorldOptions = {}): Generator<CaptionedBatch, never, undefined> {
  const rng = Rng.fromSeed(seed);
  checkBatchSize(batchSize, 'captionedStream');
  const world = createCaptionedWorld(options);
  for (;;) yield world.batch(rng, batchSize);
}
