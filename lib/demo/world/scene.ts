/**
 * Scenes of the rendered world and their seeded sampler. A scene is resolution independent
 * (coordinates are fractions of the image side) and self-contained: rendering it needs nothing
 * else, so the same scene renders to the same bytes at a given size on every machine.
 */
import { ZsclError, describeValue } from '../../errors';
import { layoutObjects } from './layout';
import type { Rng } from './random';
import {
  BACKGROUND_KINDS,
  COLOURS,
  COLOUR_JITTER,
  COLOUR_RGB,
  GLYPHS,
  MAX_COUNT,
  MIN_BACKGROUND_CONTRAST,
  MIN_COUNT,
  POSITIONS,
  SHAPES,
  SIZES,
  TEXTURES,
} from './vocabulary';
import type { BackgroundKind, ColourName, PositionName, Rgb, ShapeName, SizeName, TextureName } from './vocabulary';

interface ObjectBase {
  /** Named colour (what captions say) and the jittered RGB actually drawn. */
  readonly colour: ColourName;
  readonly rgb: Rgb;
  readonly texture: TextureName;
  /** Centre and radius as fractions of the image side; rotation in radians. */
  readonly x: number;
  readonly y: number;
  readonly radius: number;
  readonly rotation: number;
}

/** One drawn object: a shape, or a glyph (a letter A-Z or a digit 0-9). */
export type SceneObject =
  (ObjectBase & { readonly kind: 'shape'; readonly shape: ShapeName }) | (ObjectBase & { readonly kind: 'glyph'; readonly glyph: string });

/** The backdrop; `seed` makes noise reproducible. Gradients run from `from` to `to` at `angle`. */
export type Background =
  | { readonly kind: 'plain'; readonly colour: ColourName; readonly rgb: Rgb }
  | {
      readonly kind: 'gradient';
      readonly from: ColourName;
      readonly to: ColourName;
      readonly fromRgb: Rgb;
      readonly toRgb: Rgb;
      readonly angle: number;
    }
  | { readonly kind: 'noise'; readonly colour: ColourName; readonly rgb: Rgb; readonly seed: number };

/** A scene: its objects, their common size class, and (single objects only) their position. */
export interface Scene {
  readonly background: Background;
  readonly objects: readonly SceneObject[];
  readonly size: SizeName;
  readonly position?: PositionName;
}

/** An object combination no sampled object may match (every field given must match to exclude). */
export interface Holdout {
  readonly shape?: ShapeName;
  readonly glyph?: string;
  readonly colour?: ColourName;
  readonly texture?: TextureName;
}

/**
 * What {@link createSceneSampler} may draw. Every list defaults to the whole vocabulary; a list
 * restricts the draw to its members, so a task forces its class by passing a one-element list.
 */
export interface SceneOptions {
  readonly shapes?: readonly ShapeName[];
  readonly glyphs?: readonly string[];
  readonly colours?: readonly ColourName[];
  readonly backgroundColours?: readonly ColourName[];
  readonly textures?: readonly TextureName[];
  readonly sizes?: readonly SizeName[];
  readonly positions?: readonly PositionName[];
  /** Total objects per scene, each in 1..6. */
  readonly counts?: readonly number[];
  /**
   * Background kinds. A gradient needs two background colours that contrast with every object;
   * where the colour lists leave fewer, that scene gets a plain (else noise) background instead.
   */
  readonly backgrounds?: readonly BackgroundKind[];
  /**
   * Chance a homogeneous scene is a single glyph, or a one-object group of a mixed scene is one.
   * Default 0.25 when glyphs can be drawn, else 0; 1 draws glyphs only (no shapes allowed then).
   */
  readonly glyphProbability?: number;
  /**
   * 'homogeneous': all objects identical in kind, colour and texture (what tasks draw);
   * 'mixed': two or three groups differing in shape/glyph or colour (what the reference set draws);
   * 'any' (default): mixed with probability `mixedProbability` when the options allow it.
   */
  readonly composition?: 'homogeneous' | 'mixed' | 'any';
  /** Default 0.3. */
  readonly mixedProbability?: number;
  /** Object combinations never drawn (e.g. red stars held out of pretraining). */
  readonly holdout?: readonly Holdout[];
}

/** Draws one scene from the caller's stream. Synchronous. */
export type SceneSampler = (rng: Rng) => Scene;

type Item = { readonly kind: 'shape'; readonly shape: ShapeName } | { readonly kind: 'glyph'; readonly glyph: string };

interface Combo {
  readonly item: Item;
  readonly colour: ColourName;
  readonly texture: TextureName;
}

const MAX_SHAPE_ROTATION = 0.25;
const MAX_GLYPH_ROTATION = 0.12;

function listOption<T>(name: string, value: readonly T[] | undefined, vocabulary: readonly T[]): readonly T[] {
  if (value === undefined) return vocabulary;
  if (!Array.isArray(value) || value.length === 0) {
    throw new ZsclError(`createSceneSampler: expected a non-empty array for ${name} but received ${describeValue(value)}`, 'E_ARG');
  }
  for (const v of value) {
    if (!vocabulary.includes(v)) {
      throw new ZsclError(`createSceneSampler: unknown value ${describeValue(v)} in ${name}; expected one of ${vocabulary.join(', ')}`, 'E_ARG');
    }
  }
  return [...new Set(value)];
}

function probabilityOption(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new ZsclError(`createSceneSampler: expected a number in [0, 1] for ${name} but received ${describeValue(value)}`, 'E_ARG');
  }
  return value;
}

function matchesHoldout(combo: Combo, h: Holdout): boolean {
  if (h.shape !== undefined && (combo.item.kind !== 'shape' || combo.item.shape !== h.shape)) return false;
  if (h.glyph !== undefined && (combo.item.kind !== 'glyph' || combo.item.glyph !== h.glyph)) return false;
  if (h.colour !== undefined && combo.colour !== h.colour) return false;
  if (h.texture !== undefined && combo.texture !== h.texture) return false;
  return true;
}

function validateHoldout(holdout: readonly Holdout[] | undefined): readonly Holdout[] {
  if (holdout === undefined) return [];
  if (!Array.isArray(holdout)) {
    throw new ZsclError(`createSceneSampler: expected an array for holdout but received ${describeValue(holdout)}`, 'E_ARG');
  }
  for (const h of holdout) {
    const fields = typeof h === 'object' && h !== null ? Object.keys(h) : [];
    const known = ['shape', 'glyph', 'colour', 'texture'];
    if (fields.length === 0 || fields.some((f) => !known.includes(f))) {
      throw new ZsclError(
        `createSceneSampler: each holdout must set some of ${known.join(', ')} but received ${describeValue(h)} with keys [${fields.join(', ')}]`,
        'E_ARG',
      );
    }
    if (h.shape !== undefined) listOption('holdout.shape', [h.shape], SHAPES);
    if (h.glyph !== undefined) listOption('holdout.glyph', [h.glyph], GLYPHS);
    if (h.colour !== undefined) listOption('holdout.colour', [h.colour], COLOURS);
    if (h.texture !== undefined) listOption('holdout.texture', [h.texture], TEXTURES);
  }
  return holdout;
}

function distance(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

function jitterChannel(rng: Rng, v: number): number {
  return Math.min(255, Math.max(0, v + rng.int(2 * COLOUR_JITTER + 1) - COLOUR_JITTER));
}

function jitter(rng: Rng, rgb: Rgb): Rgb {
  return [jitterChannel(rng, rgb[0]), jitterChannel(rng, rgb[1]), jitterChannel(rng, rgb[2])];
}

function itemKey(combo: Combo): string {
  return combo.item.kind === 'shape' ? `s:${combo.item.shape}:${combo.colour}` : `g:${combo.item.glyph}:${combo.colour}`;
}

/** Splits n into k positive parts uniformly among compositions. */
function splitCount(rng: Rng, n: number, k: number): number[] {
  const cuts = rng
    .shuffle(Array.from({ length: n - 1 }, (_, i) => i + 1))
    .slice(0, k - 1)
    .sort((a, b) => a - b);
  const parts: number[] = [];
  let last = 0;
  for (const c of [...cuts, n]) {
    parts.push(c - last);
    last = c;
  }
  return parts;
}

/**
 * Validates `options` once and returns a sampler of scenes. Synchronous.
 * @throws ZsclError E_ARG when a list is empty or names an unknown value, a count is outside
 *   1..6, a probability is outside [0, 1], or the options (with holdouts) leave nothing to draw.
 */
export function createSceneSampler(options: SceneOptions = {}): SceneSampler {
  if (typeof options !== 'object' || options === null) {
    throw new ZsclError(`createSceneSampler: expected an options object but received ${describeValue(options)}`, 'E_ARG');
  }
  const shapes = listOption('shapes', options.shapes, SHAPES);
  const glyphs = listOption('glyphs', options.glyphs, GLYPHS);
  const colours = listOption('colours', options.colours, COLOURS);
  const backgroundColours = listOption('backgroundColours', options.backgroundColours, COLOURS);
  const textures = listOption('textures', options.textures, TEXTURES);
  const sizes = listOption('sizes', options.sizes, SIZES);
  const positions = listOption('positions', options.positions, POSITIONS);
  const backgrounds = listOption('backgrounds', options.backgrounds, BACKGROUND_KINDS);
  const counts = options.counts ?? [1, 2, 3, 4, 5, 6];
  if (!Array.isArray(counts) || counts.length === 0 || !counts.every((c) => Number.isInteger(c) && c >= MIN_COUNT && c <= MAX_COUNT)) {
    throw new ZsclError(
      `createSceneSampler: expected a non-empty array of integers in ${MIN_COUNT}..${MAX_COUNT} for counts but received ${describeValue(counts)} [${String(counts)}]`,
      'E_ARG',
    );
  }
  const composition = options.composition ?? 'any';
  if (!['homogeneous', 'mixed', 'any'].includes(composition)) {
    throw new ZsclError(`createSceneSampler: expected 'homogeneous', 'mixed' or 'any' for composition but received ${describeValue(composition)}`, 'E_ARG');
  }
  const mixedProbability = probabilityOption('mixedProbability', options.mixedProbability) ?? 0.3;
  const holdout = validateHoldout(options.holdout);

  const allowed = (combo: Combo): boolean => !holdout.some((h) => matchesHoldout(combo, h));
  const shapeCombos: Combo[] = [];
  for (const shape of shapes) {
    for (const colour of colours) {
      for (const texture of textures) {
        const combo: Combo = { item: { kind: 'shape', shape }, colour, texture };
        if (allowed(combo)) shapeCombos.push(combo);
      }
    }
  }
  const glyphCombos: Combo[] = [];
  if (textures.includes('solid')) {
    for (const glyph of glyphs) {
      for (const colour of colours) {
        const combo: Combo = { item: { kind: 'glyph', glyph }, colour, texture: 'solid' };
        if (allowed(combo)) glyphCombos.push(combo);
      }
    }
  }
  if (shapeCombos.length + glyphCombos.length === 0) {
    throw new ZsclError('createSceneSampler: the options and holdouts exclude every object; nothing can be drawn', 'E_ARG');
  }

  const explicitGlyphP = probabilityOption('glyphProbability', options.glyphProbability);
  const singleAllowed = counts.includes(1);
  const glyphPossible = glyphCombos.length > 0 && singleAllowed;
  if (explicitGlyphP !== undefined && explicitGlyphP > 0 && !glyphPossible) {
    throw new ZsclError(
      `createSceneSampler: glyphProbability ${explicitGlyphP} but no glyph can be drawn (glyphs need texture 'solid', count 1 and a combination not held out)`,
      'E_ARG',
    );
  }
  if (shapeCombos.length === 0 && (explicitGlyphP ?? 1) < 1) {
    throw new ZsclError(`createSceneSampler: glyphProbability ${explicitGlyphP} but no shape can be drawn; use 1`, 'E_ARG');
  }
  const glyphProbability = shapeCombos.length === 0 ? 1 : (explicitGlyphP ?? (glyphPossible ? 0.25 : 0));
  if (shapeCombos.length === 0 && !singleAllowed) {
    throw new ZsclError('createSceneSampler: only glyphs can be drawn, and a glyph scene holds one glyph, so counts must include 1', 'E_ARG');
  }

  const multiCounts = counts.filter((c) => c >= 2);
  const distinctPairs = new Set(shapeCombos.map(itemKey)).size;
  const mixedPossible = shapeCombos.length > 0 && multiCounts.length > 0 && distinctPairs >= 2;
  if (composition === 'mixed' && !mixedPossible) {
    throw new ZsclError('createSceneSampler: mixed scenes need a count of 2 or more and at least two shapes or colours that can be drawn', 'E_ARG');
  }
  const homogeneousCounts = shapeCombos.length > 0 ? counts : [1];

  const pickBackground = (rng: Rng, objectColours: readonly ColourName[]): Background => {
    const contrast = (c: ColourName): number => Math.min(...objectColours.map((o) => distance(COLOUR_RGB[c], COLOUR_RGB[o])));
    let candidates = backgroundColours.filter((c) => contrast(c) >= MIN_BACKGROUND_CONTRAST);
    // Nothing contrasts enough (e.g. a palette of one colour): take the best-contrasting colour.
    if (candidates.length === 0) candidates = [backgroundColours.reduce((a, b) => (contrast(b) > contrast(a) ? b : a))];
    let kind = rng.pick(backgrounds);
    if (kind === 'gradient' && candidates.length < 2) kind = backgrounds.includes('plain') ? 'plain' : 'noise';
    if (kind === 'gradient' && candidates.length < 2) kind = 'plain';
    const colour = rng.pick(candidates);
    if (kind === 'plain') return { kind, colour, rgb: jitter(rng, COLOUR_RGB[colour]) };
    if (kind === 'noise') return { kind, colour, rgb: jitter(rng, COLOUR_RGB[colour]), seed: rng.nextUint32() };
    let to = rng.pick(candidates);
    while (to === colour) to = rng.pick(candidates);
    return {
      kind,
      from: colour,
      to,
      fromRgb: jitter(rng, COLOUR_RGB[colour]),
      toRgb: jitter(rng, COLOUR_RGB[to]),
      angle: rng.range(0, 2 * Math.PI),
    };
  };

  const place = (rng: Rng, combos: readonly Combo[], size: SizeName): Scene => {
    const { centres, radius, position } = layoutObjects(rng, combos.length, size, positions);
    const objects = combos.map((combo, i): SceneObject => {
      const base = {
        colour: combo.colour,
        rgb: jitter(rng, COLOUR_RGB[combo.colour]),
        texture: combo.texture,
        x: centres[i][0],
        y: centres[i][1],
        radius,
      };
      return combo.item.kind === 'shape'
        ? { kind: 'shape', shape: combo.item.shape, ...base, rotation: rng.range(-MAX_SHAPE_ROTATION, MAX_SHAPE_ROTATION) }
        : { kind: 'glyph', glyph: combo.item.glyph, ...base, rotation: rng.range(-MAX_GLYPH_ROTATION, MAX_GLYPH_ROTATION) };
    });
    const background = pickBackground(rng, [...new Set(combos.map((c) => c.colour))]);
    return position === undefined ? { background, objects, size } : { background, objects, size, position };
  };

  const homogeneous = (rng: Rng): Scene => {
    const size = rng.pick(sizes);
    if (glyphPossible && rng.chance(glyphProbability)) return place(rng, [rng.pick(glyphCombos)], size);
    const n = rng.pick(homogeneousCounts);
    const combo = rng.pick(shapeCombos);
    return place(
      rng,
      Array.from({ length: n }, () => combo),
      size,
    );
  };

  const mixed = (rng: Rng): Scene => {
    const size = rng.pick(sizes);
    const n = rng.pick(multiCounts);
    const groups = Math.min(n, distinctPairs, 2 + rng.int(2));
    const combos: Combo[] = [];
    const used = new Set<string>();
    for (const groupCount of splitCount(rng, n, groups)) {
      const fromGlyphs = groupCount === 1 && glyphCombos.length > 0 && rng.chance(glyphProbability);
      const pool = fromGlyphs ? glyphCombos : shapeCombos;
      let combo = rng.pick(pool);
      // Terminates: at least `groups` distinct shape/colour pairs exist and glyph picks are free.
      while (used.has(itemKey(combo))) combo = rng.pick(fromGlyphs && used.size >= glyphCombos.length ? shapeCombos : pool);
      used.add(itemKey(combo));
      for (let i = 0; i < groupCount; i++) combos.push(combo);
    }
    // Interleave groups spatially: placement is random anyway, but order shouldn't encode groups.
    return place(rng, rng.shuffle(combos), size);
  };

  return (rng: Rng): Scene => {
    if (composition === 'homogeneous') return homogeneous(rng);
    if (composition === 'mixed') return mixed(rng);
    return mixedPossible && rng.chance(mixedProbability) ? mixed(rng) : homogeneous(rng);
  };
}

/**
 * Draws one scene. Synchronous. Validates `options` on every call: when drawing many scenes,
 * build the sampler once with {@link createSceneSampler}.
 * @throws ZsclError E_ARG as {@link createSceneSampler}.
 */
export function sampleScene(rng: Rng, options: SceneOptions = {}): Scene {
  return createSceneSampler(options)(rng);
}

/** True when every object shares kind, shape/glyph, colour and texture (what tasks draw). */
export function isHomogeneous(scene: Scene): boolean {
  const first = scene.objects[0];
  const key = (o: SceneObject): string => `${o.kind === 'shape' ? o.shape : o.glyph}|${o.kind}|${o.colour}|${o.texture}`;
  return scene.objects.every((o) => key(o) === key(first));
}
