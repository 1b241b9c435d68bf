/**
 * The demo model's pretraining data: captioned world scenes of any composition, of which a
 * `promptCaptionRate` share is replaced by a one-class image of a prompt task captioned in the
 * words of one of its prompts ("a photo of a star."). The pretraining script draws its batches
 * from it; the demo draws ZSCL's reference set from it with other seeds, as the paper distils on
 * ImageNet images and Conceptual Captions texts, data like CLIP's own pretraining data.
 */
import { fillTemplate } from '../../clip/zero-shot';
import { ZsclError } from '../../errors';
import { createCaptionedWorld } from './batch';
import type { CaptionedBatch } from './batch';
import type { Rng } from './random';
import { WORLD_TASKS } from './tasks';

/** What the mixture is made of (recorded in the pretrained model's JSON as `settings`). */
export interface MixtureSettings {
  /** Share of captions that name one attribute of a one-class scene in prompt words. */
  readonly promptCaptionRate: number;
  /** World tasks whose images and prompts those captions use. */
  readonly promptTasks: readonly string[];
}

/** The shipped demo model's mixture (assets/demo-clip.json `settings`; a test keeps them equal). */
export const DEMO_PRETRAINING_MIXTURE: MixtureSettings = {
  promptCaptionRate: 0.5,
  promptTasks: ['shapes', 'colours', 'counts', 'textures', 'positions', 'glyph-digits'],
};

/** Images and their captions (a replaced row has no scene of the world's, so none are given). */
export type MixtureBatch = Pick<CaptionedBatch, 'images' | 'shape' | 'captions'>;

/** Captioned batches of the pretraining mixture. */
export interface PretrainingMixture {
  readonly imageSize: number;
  /** `n` captioned images drawn from `rng`. Synchronous. @throws ZsclError E_ARG for a bad `n`. */
  batch(rng: Rng, n: number): MixtureBatch;
}

/**
 * The mixture at image side `size`. Synchronous.
 * @throws ZsclError E_ARG for a rate outside [0, 1], an unknown or empty task list, or a bad size.
 */
export function createPretrainingMixture(settings: MixtureSettings, size?: number): PretrainingMixture {
  const rate = settings.promptCaptionRate;
  if (!(rate >= 0 && rate <= 1)) throw new ZsclError(`pretraining mixture: promptCaptionRate must be in [0, 1], got ${rate}`, 'E_ARG');
  if (rate > 0 && settings.promptTasks.length === 0) throw new ZsclError('pretraining mixture: promptCaptionRate > 0 needs at least one prompt task', 'E_ARG');
  const tasks = settings.promptTasks.map((name) => {
    const make = WORLD_TASKS[name];
    if (!make)
      throw new ZsclError(`pretraining mixture: unknown world task ${JSON.stringify(name)}; expected one of ${Object.keys(WORLD_TASKS).join(', ')}`, 'E_ARG');
    return make({ size });
  });
  const world = createCaptionedWorld({ size });
  return {
    imageSize: world.imageSize,
    batch(rng: Rng, n: number): MixtureBatch {
      const batch = world.batch(rng, n);
      const captions = [...batch.captions];
      const per = batch.images.length / n;
      for (let i = 0; i < n; i++) {
        if (!rng.chance(rate)) continue;
        const task = tasks[rng.int(tasks.length)];
        const one = task.sample(rng, 1);
        batch.images.set(one.images, i * per);
        captions[i] = fillTemplate(task.templates[rng.int(task.templates.length)], task.classNames[one.labels[0]]);
      }
      return { images: batch.images, shape: batch.shape, captions };
    },
  };
}
