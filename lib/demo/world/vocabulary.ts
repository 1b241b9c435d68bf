/**
 * The attributes of the rendered world and the words captions use for them. Names here are the
 * vocabulary a model pretrained on the world learns; task class names are drawn from the same lists.
 */

/** Shapes drawn from signed-distance functions (see shapes.ts). */
export const SHAPES = ['circle', 'square', 'triangle', 'star', 'heart', 'cross', 'hexagon', 'ring', 'diamond', 'moon'] as const;
export type ShapeName = (typeof SHAPES)[number];

/** Plural noun of each shape, as captions write it. */
export const SHAPE_PLURALS: Readonly<Record<ShapeName, string>> = {
  circle: 'circles',
  square: 'squares',
  triangle: 'triangles',
  star: 'stars',
  heart: 'hearts',
  cross: 'crosses',
  hexagon: 'hexagons',
  ring: 'rings',
  diamond: 'diamonds',
  moon: 'moons',
};

export type Rgb = readonly [number, number, number];

/**
 * Named colours and their nominal sRGB values. Neighbours (red/orange/brown/pink, blue/purple,
 * white/gray) are at least ~95 apart in RGB so a per-object jitter of ±{@link COLOUR_JITTER}
 * keeps every class recognisable.
 */
export const COLOUR_RGB = {
  red: [220, 35, 35],
  green: [40, 165, 60],
  blue: [35, 75, 220],
  yellow: [245, 220, 40],
  purple: [135, 55, 190],
  orange: [250, 140, 20],
  white: [245, 245, 245],
  black: [20, 20, 20],
  pink: [250, 145, 200],
  brown: [125, 75, 35],
  gray: [128, 128, 128],
  cyan: [40, 215, 225],
} as const satisfies Record<string, Rgb>;
export type ColourName = keyof typeof COLOUR_RGB;
export const COLOURS = Object.keys(COLOUR_RGB) as ColourName[];

/** Per-channel uniform jitter applied to each drawn colour (variety without ambiguity). */
export const COLOUR_JITTER = 12;

/**
 * Minimum RGB distance between an object's nominal colour and its background colour(s), so no
 * object vanishes into its background (red never sits on orange or brown, gray never on green).
 */
export const MIN_BACKGROUND_CONTRAST = 130;

/** Fill styles; glyphs are always drawn solid (strokes are too thin at 32 px to carry a pattern). */
export const TEXTURES = ['solid', 'striped', 'dotted', 'checkered', 'outlined'] as const;
export type TextureName = (typeof TEXTURES)[number];

export const SIZES = ['small', 'large'] as const;
export type SizeName = (typeof SIZES)[number];

/** Where a single object sits; multi-object scenes are scattered and have no position. */
export const POSITIONS = ['center', 'left', 'right', 'top', 'bottom', 'top left', 'top right', 'bottom left', 'bottom right'] as const;
export type PositionName = (typeof POSITIONS)[number];

/** Unit offsets (x right, y down) of each position from the image centre. */
export const POSITION_OFFSETS: Readonly<Record<PositionName, readonly [number, number]>> = {
  center: [0, 0],
  left: [-1, 0],
  right: [1, 0],
  top: [0, -1],
  bottom: [0, 1],
  'top left': [-1, -1],
  'top right': [1, -1],
  'bottom left': [-1, 1],
  'bottom right': [1, 1],
};

export const BACKGROUND_KINDS = ['plain', 'gradient', 'noise'] as const;
export type BackgroundKind = (typeof BACKGROUND_KINDS)[number];

export const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
export const DIGITS = '0123456789'.split('');
/** Characters the glyph atlas holds: A-Z then 0-9 (DejaVu Sans). */
export const GLYPHS: readonly string[] = [...LETTERS, ...DIGITS];

/** Objects per scene. */
export const MIN_COUNT = 1;
export const MAX_COUNT = 6;
export const COUNT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six'] as const;

/** Whether a glyph is a digit (captions say "the digit 7") or a letter ("the letter K"). */
export function isDigitGlyph(glyph: string): boolean {
  return glyph >= '0' && glyph <= '9';
}
