/**
 * Classification tasks over the rendered world, for the miniature MTIL sequence. Each class fixes
 * one attribute (a shape, a colour, a count, a texture, a glyph) and draws everything else at
 * random, so a model pretrained on captions of the world can solve them zero-shot from prompts.
 *
 * Task scenes are always homogeneous (every object identical): the reference set draws only mixed
 * scenes, which is what keeps it disjoint from every task (see reference.ts).
 */
import { ZsclError, describeValue } from '../../errors';
import { DEFAULT_IMAGE_SIZE, checkBatchSize, renderBatch } from './batch';
import type { ImageBatch } from './batch';
import { Rng } from './random';
import { checkImageSize } from './render';
import { createSceneSampler } from './scene';
import type { Scene, SceneOptions, SceneSampler } from './scene';
import { COLOURS, COUNT_WORDS, DIGITS, LETTERS, POSITIONS, SHAPES, TEXTURES } from './vocabulary';
import { POSITION_PHRASES } from './caption';
import type { ColourName, ShapeName, TextureName } from './vocabulary';

/** Images with one class index per image. */
export interface LabelledBatch extends ImageBatch {
  readonly labels: Int32Array;
}

/** A classification task over the world, ready for a zero-shot classifier and fine-tuning. */
export interface WorldTask {
  /** Stable task name (also seeds the test set). */
  readonly name: string;
  /** Class names in label order, as prompts write them. */
  readonly classNames: readonly string[];
  /** Prompt templates; `{}` is replaced by a class name. */
  readonly templates: readonly string[];
  readonly imageSize: number;
  /**
   * `n` training images with uniformly random labels, drawn from `rng`. Synchronous.
   * @throws ZsclError E_ARG when `n` is not a non-negative integer.
   */
  sample(rng: Rng, n: number): LabelledBatch;
  /**
   * The fixed test set: `n` images, classes balanced (label i % classes, shuffled), drawn from a
   * stream seeded by the task's test seed and name, so the same call always returns the same
   * images. Never overlaps a training stream that is not seeded identically. Synchronous.
   * @throws ZsclError E_ARG when `n` is not a non-negative integer.
   */
  testSet(n: number): LabelledBatch;
}

/** Options shared by every task builder. */
export interface WorldTaskOptions {
  /** Image side, default {@link DEFAULT_IMAGE_SIZE}. */
  readonly size?: number;
  /** Seed of the fixed test set (combined with the task name), default 'world-test'. */
  readonly testSeed?: number | string;
  /** A subset of the task's classes, in the order wanted (default: all). */
  readonly classes?: readonly string[];
}

/** Backgrounds of task images; gradients are left to pretraining and the reference set. */
const TASK_BACKGROUNDS = ['plain', 'noise'] as const;
/** Shapes big and compact enough to show a fill pattern at 32 px. */
const TEXTURE_TASK_SHAPES: readonly ShapeName[] = ['circle', 'square', 'triangle', 'heart', 'hexagon', 'diamond'];

interface TaskDefinition {
  readonly name: string;
  readonly vocabulary: readonly string[];
  readonly templates: readonly string[];
  readonly sceneOptions: (className: string) => SceneOptions;
}

function buildTask(definition: TaskDefinition, options: WorldTaskOptions, caller: string): WorldTask {
  if (typeof options !== 'object' || options === null) {
    throw new ZsclError(`${caller}: expected an options object but received ${describeValue(options)}`, 'E_ARG');
  }
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  checkImageSize(size, caller);
  const testSeed = options.testSeed ?? 'world-test';
  if (typeof testSeed !== 'string') Rng.fromSeed(testSeed); // validates numeric seeds now
  const classNames = options.classes ?? definition.vocabulary;
  if (!Array.isArray(classNames) || classNames.length < 2 || new Set(classNames).size !== classNames.length) {
    throw new ZsclError(`${caller}: expected at least two distinct classes but received ${describeValue(classNames)}`, 'E_ARG');
  }
  for (const c of classNames) {
    if (!definition.vocabulary.includes(c)) {
      throw new ZsclError(`${caller}: unknown class ${describeValue(c)}; expected some of ${definition.vocabulary.join(', ')}`, 'E_ARG');
    }
  }
  const samplers: SceneSampler[] = classNames.map((c) =>
    createSceneSampler({ backgrounds: TASK_BACKGROUNDS, ...definition.sceneOptions(c), composition: 'homogeneous' }),
  );
  const draw = (rng: Rng, labels: Int32Array): LabelledBatch => {
    const scenes: Scene[] = Array.from(labels, (label) => samplers[label](rng));
    return { ...renderBatch(scenes, size), labels };
  };
  return {
    name: definition.name,
    classNames: [...classNames],
    templates: definition.templates,
    imageSize: size,
    sample(rng: Rng, n: number): LabelledBatch {
      checkBatchSize(n, `${definition.name}.sample`);
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) labels[i] = rng.int(classNames.length);
      return draw(rng, labels);
    },
    testSet(n: number): LabelledBatch {
      checkBatchSize(n, `${definition.name}.testSet`);
      const rng = Rng.fromSeed(`${testSeed}:${definition.name}`);
      const order = rng.shuffle(Array.from({ length: n }, (_, i) => i % classNames.length));
      return draw(rng, Int32Array.from(order));
    },
  };
}

/**
 * Which shape: circle, square, triangle, star, heart, cross, hexagon, ring, diamond, moon.
 * One large solid object of any colour (at 32 px a small star and a small hexagon are a few
 * pixels apart, and a fill pattern hides the outline). Synchronous.
 * @throws ZsclError E_ARG for an invalid size, seed or class list.
 */
export function shapeTask(options: WorldTaskOptions = {}): WorldTask {
  return buildTask(
    {
      name: 'shapes',
      vocabulary: SHAPES,
      templates: ['a photo of a {}.', 'a drawing of a {}.', 'a picture of a {}.', 'a rendering of a {}.'],
      sceneOptions: (c) => ({ shapes: [c as ShapeName], counts: [1], sizes: ['large'], textures: ['solid'], glyphProbability: 0 }),
    },
    options,
    'shapeTask',
  );
}

/**
 * Which colour: the twelve named colours. One to three solid shapes. Synchronous.
 * @throws ZsclError E_ARG for an invalid size, seed or class list.
 */
export function colourTask(options: WorldTaskOptions = {}): WorldTask {
  return buildTask(
    {
      name: 'colours',
      vocabulary: COLOURS,
      templates: ['a photo of {} objects.', 'a photo of {} shapes.', 'a drawing of {} shapes.', '{} objects.'],
      sceneOptions: (c) => ({ colours: [c as ColourName], textures: ['solid'], counts: [1, 2, 3], glyphProbability: 0 }),
    },
    options,
    'colourTask',
  );
}

/**
 * How many objects: one to six identical solid shapes, never touching. Synchronous.
 * @throws ZsclError E_ARG for an invalid size, seed or class list.
 */
export function countTask(options: WorldTaskOptions = {}): WorldTask {
  return buildTask(
    {
      name: 'counts',
      vocabulary: COUNT_WORDS.slice(1),
      templates: ['a photo of {} objects.', 'a photo of {} shapes.', 'a drawing of {} shapes.', '{} objects.'],
      sceneOptions: (c) => ({
        counts: [COUNT_WORDS.indexOf(c as (typeof COUNT_WORDS)[number])],
        textures: ['solid'],
        glyphProbability: 0,
      }),
    },
    options,
    'countTask',
  );
}

/**
 * Which fill: solid, striped, dotted, checkered, outlined. One large compact shape. Synchronous.
 * @throws ZsclError E_ARG for an invalid size, seed or class list.
 */
export function textureTask(options: WorldTaskOptions = {}): WorldTask {
  return buildTask(
    {
      name: 'textures',
      vocabulary: TEXTURES,
      templates: ['a photo of {} objects.', 'a photo of {} shapes.', 'a drawing of {} shapes.', '{} shapes.'],
      sceneOptions: (c) => ({
        textures: [c as TextureName],
        shapes: TEXTURE_TASK_SHAPES,
        counts: [1],
        sizes: ['large'],
        glyphProbability: 0,
      }),
    },
    options,
    'textureTask',
  );
}

/**
 * Where the object is: centre, left, right, top, bottom and the four corners, as captions say it
 * ("on the left", "at the top right"). One small object of any shape, colour and fill. Synchronous.
 * @throws ZsclError E_ARG for an invalid size, seed or class list.
 */
export function positionTask(options: WorldTaskOptions = {}): WorldTask {
  const byPhrase = new Map(POSITIONS.map((p) => [POSITION_PHRASES[p], p]));
  return buildTask(
    {
      name: 'positions',
      vocabulary: [...byPhrase.keys()],
      templates: ['a photo of an object {}.', 'a photo of a shape {}.', 'a drawing of a shape {}.', 'a shape {}.'],
      sceneOptions: (c) => ({ positions: [byPhrase.get(c)!], counts: [1], sizes: ['small'], glyphProbability: 0 }),
    },
    options,
    'positionTask',
  );
}

/**
 * Which letter: A-Z rendered in DejaVu Sans, one large glyph of any colour. Synchronous.
 * @throws ZsclError E_ARG for an invalid size, seed or class list.
 */
export function letterTask(options: WorldTaskOptions = {}): WorldTask {
  return buildTask(
    {
      name: 'letters',
      vocabulary: LETTERS,
      templates: ['the letter {}.', 'a photo of the letter {}.', 'a drawing of the letter {}.'],
      sceneOptions: (c) => ({ glyphs: [c], glyphProbability: 1, counts: [1], sizes: ['large'] }),
    },
    options,
    'letterTask',
  );
}

/**
 * Which digit: 0-9 rendered in DejaVu Sans (the printed counterpart of MNIST). Synchronous.
 * @throws ZsclError E_ARG for an invalid size, seed or class list.
 */
export function digitGlyphTask(options: WorldTaskOptions = {}): WorldTask {
  return buildTask(
    {
      name: 'glyph-digits',
      vocabulary: DIGITS,
      templates: ['the digit {}.', 'the number {}.', 'a photo of the digit {}.', 'a photo of the number {}.'],
      sceneOptions: (c) => ({ glyphs: [c], glyphProbability: 1, counts: [1], sizes: ['large'] }),
    },
    options,
    'digitGlyphTask',
  );
}

/** Every world task builder by task name (for configs and the CLI). */
export const WORLD_TASKS: Readonly<Record<string, (options?: WorldTaskOptions) => WorldTask>> = {
  shapes: shapeTask,
  colours: colourTask,
  counts: countTask,
  textures: textureTask,
  positions: positionTask,
  letters: letterTask,
  'glyph-digits': digitGlyphTask,
};
