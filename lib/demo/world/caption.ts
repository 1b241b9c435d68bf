/**
 * Captions for scenes, composed from their attributes with seeded variety: which optional
 * attributes are mentioned (size, texture, position, background), the phrasing of glyphs and the
 * framing ("a photo of ...", "there are ..."). What a caption mentions is always true of the scene;
 * the object identity (shape or glyph) is always said, the number of objects nearly always (a bare
 * plural sometimes stands for it), colours almost always. Generic nouns ("three red objects") appear too, so that attribute-only prompts such as
 * "a photo of red objects." or "a photo of three objects." are in the pretraining language.
 */
import type { Rng } from './random';
import type { Background, Scene, SceneObject } from './scene';
import { COUNT_WORDS, SHAPE_PLURALS, isDigitGlyph } from './vocabulary';
import type { PositionName } from './vocabulary';

/** How each position is said after an object phrase. */
export const POSITION_PHRASES: Readonly<Record<PositionName, string>> = {
  center: 'in the center',
  left: 'on the left',
  right: 'on the right',
  top: 'at the top',
  bottom: 'at the bottom',
  'top left': 'at the top left',
  'top right': 'at the top right',
  'bottom left': 'at the bottom left',
  'bottom right': 'at the bottom right',
};

/** Generic nouns used instead of the shape's own noun in some captions. */
export const GENERIC_NOUNS = { singular: ['object', 'shape'], plural: ['objects', 'shapes'] } as const;

const FRAMES = ['', '', 'a photo of ', 'a picture of ', 'an image of ', 'a drawing of ', 'a rendering of '];

/**
 * Every word the caption code itself writes (attribute names come from vocabulary.ts): the demo's
 * word-level tokenizer is built from these, and a test checks sampled captions against it.
 */
export const CAPTION_WORDS: readonly string[] = [
  ...FRAMES.flatMap((f) => f.split(' ')),
  ...Object.values(POSITION_PHRASES).flatMap((p) => p.split(' ')),
  ...Object.values(GENERIC_NOUNS).flat(),
  ...['there', 'is', 'are', 'a', 'an', 'the', 'in', 'on', 'at', 'with', 'and', 'digit', 'number', 'letter'],
  ...['background', 'noisy', 'gradient', 'from', 'to'],
].filter((w) => w !== '');

interface Group {
  readonly object: SceneObject;
  readonly count: number;
}

function groupObjects(scene: Scene): Group[] {
  const groups = new Map<string, { object: SceneObject; count: number }>();
  for (const o of scene.objects) {
    const key = `${o.kind}|${o.kind === 'shape' ? o.shape : o.glyph}|${o.colour}|${o.texture}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { object: o, count: 1 });
  }
  return [...groups.values()];
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

type ShapeObject = Extract<SceneObject, { kind: 'shape' }>;
type GlyphObject = Extract<SceneObject, { kind: 'glyph' }>;

function shapePhrase(rng: Rng, o: ShapeObject, count: number, size: string | undefined): string {
  const words: string[] = [];
  if (size) words.push(size);
  if (o.texture !== 'solid' ? rng.chance(0.85) : rng.chance(0.15)) words.push(o.texture);
  if (rng.chance(0.92)) words.push(o.colour);
  const generic = rng.chance(0.12);
  const plural = count > 1;
  if (generic) words.push(rng.pick(plural ? GENERIC_NOUNS.plural : GENERIC_NOUNS.singular));
  else words.push(plural ? SHAPE_PLURALS[o.shape] : o.shape);
  // A bare plural now and then ("striped red stars"), so prompts without a number are familiar.
  if (plural && rng.chance(0.1)) return words.join(' ');
  const quantity = plural || rng.chance(0.2) ? COUNT_WORDS[count] : article(words[0]);
  return `${quantity} ${words.join(' ')}`;
}

/** Glyph groups always hold one glyph (the sampler never repeats a glyph). */
function glyphPhrase(rng: Rng, o: GlyphObject, size: string | undefined): string {
  const noun = isDigitGlyph(o.glyph) ? rng.pick(['digit', 'number']) : 'letter';
  const sized = size ? `${size} ` : '';
  switch (rng.int(5)) {
    case 0:
      return `the ${sized}${noun} ${o.glyph} in ${o.colour}`;
    case 1:
      return `${article(sized || o.colour)} ${sized}${o.colour} ${noun} ${o.glyph}`;
    case 2:
      return `the ${sized}${o.colour} ${noun} ${o.glyph}`;
    case 3:
      return `${article(sized || o.colour)} ${sized}${o.colour} ${o.glyph}`;
    default:
      return `the ${sized}${noun} ${o.glyph}`;
  }
}

function backgroundPhrase(rng: Rng, bg: Background): string {
  if (bg.kind === 'plain') return `a ${bg.colour} background`;
  if (bg.kind === 'noise') return `a noisy ${bg.colour} background`;
  return rng.chance(0.5) ? `a gradient from ${bg.from} to ${bg.to}` : `a ${bg.from} and ${bg.to} gradient background`;
}

function joinPhrases(phrases: string[]): string {
  if (phrases.length === 1) return phrases[0];
  return `${phrases.slice(0, -1).join(', ')} and ${phrases[phrases.length - 1]}`;
}

/**
 * A caption for `scene`, varied by `rng` (same scene and stream state → same caption). Synchronous.
 * Examples: "a photo of two red circles on a blue background", "three striped green stars",
 * "the letter K in yellow", "a small purple hexagon at the top left".
 */
export function captionFor(scene: Scene, rng: Rng): string {
  const groups = groupObjects(scene);
  const single = scene.objects.length === 1;
  const size = rng.chance(single ? 0.5 : 0.3) ? scene.size : undefined;
  const phrases = groups.map(({ object, count }) => (object.kind === 'shape' ? shapePhrase(rng, object, count, size) : glyphPhrase(rng, object, size)));
  let body = joinPhrases(phrases);
  if (scene.position !== undefined && rng.chance(0.5)) body += ` ${POSITION_PHRASES[scene.position]}`;
  const background = rng.chance(0.5) ? backgroundPhrase(rng, scene.background) : undefined;
  if (background !== undefined && rng.chance(0.15)) return `${background} with ${body}`;
  if (background !== undefined) body += ` on ${background}`;
  const frame = rng.chance(0.12) ? (scene.objects.length > 1 ? 'there are ' : 'there is ') : rng.pick(FRAMES);
  return frame + body;
}
