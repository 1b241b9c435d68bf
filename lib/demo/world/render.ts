/**
 * Rasterises scenes into small RGB images in plain TypeScript: shapes are signed-distance
 * functions (anti-aliased analytically, one evaluation per pixel), glyphs are bilinear samples of
 * the pre-rendered atlas. No native code, no fonts and no allocation per pixel, which is what makes
 * tens of thousands of 32 px images per second possible on one core.
 */
import { ZsclError, describeValue } from '../../errors';
import { glyphMip, sampleGlyph } from './glyph-atlas';
import type { GlyphMip } from './glyph-atlas';
import { Rng } from './random';
import type { Background, Scene, SceneObject } from './scene';
import { SHAPE_DISTANCE } from './shapes';
import { BACKGROUND_KINDS, GLYPHS, SHAPES, TEXTURES } from './vocabulary';
import type { Rgb } from './vocabulary';

/** Smallest and largest image side renderScene accepts. */
const MIN_IMAGE_SIZE = 8;
const MAX_IMAGE_SIZE = 512;

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
const clamp255 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

/** Side of the lattice whose bilinear interpolation gives noise backgrounds their blotches. */
const NOISE_LATTICE = 5;
const NOISE_SMOOTH_AMPLITUDE = 30;
const NOISE_GRAIN_AMPLITUDE = 12;

/**
 * Checks an image side. Synchronous.
 * @throws ZsclError E_ARG unless `size` is an integer in [8, 512].
 */
export function checkImageSize(size: unknown, caller: string): asserts size is number {
  if (!Number.isInteger(size) || (size as number) < MIN_IMAGE_SIZE || (size as number) > MAX_IMAGE_SIZE) {
    throw new ZsclError(`${caller}: expected an integer in [${MIN_IMAGE_SIZE}, ${MAX_IMAGE_SIZE}] for size but received ${describeValue(size)}`, 'E_ARG');
  }
}

function isRgb(v: unknown): boolean {
  return Array.isArray(v) && v.length === 3 && v.every((c) => typeof c === 'number' && c >= 0 && c <= 255);
}

function isFiniteNumber(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Checks that a value is a drawable scene (what {@link createSceneSampler} returns, or a
 * hand-built equivalent). Synchronous; cheap next to rendering.
 * @throws ZsclError E_ARG naming the first offending field.
 */
export function checkScene(scene: unknown, caller: string): asserts scene is Scene {
  const fail = (what: string, value: unknown): never => {
    throw new ZsclError(`${caller}: expected ${what} but received ${describeValue(value)}`, 'E_ARG');
  };
  if (typeof scene !== 'object' || scene === null) fail('a scene object', scene);
  const { background: bg, objects } = scene as Scene;
  if (typeof bg !== 'object' || bg === null) fail('an object for scene.background', bg);
  if (bg.kind === 'plain' || bg.kind === 'noise') {
    if (!isRgb(bg.rgb)) fail('three values in [0, 255] for scene.background.rgb', bg.rgb);
    if (bg.kind === 'noise' && !(Number.isInteger(bg.seed) && bg.seed >= 0 && bg.seed <= 0xffffffff)) {
      fail('a 32-bit unsigned integer for scene.background.seed', bg.seed);
    }
  } else if (bg.kind === 'gradient') {
    if (!isRgb(bg.fromRgb) || !isRgb(bg.toRgb)) fail('RGB triples for scene.background.fromRgb/toRgb', bg.fromRgb);
    if (!isFiniteNumber(bg.angle)) fail('a finite number for scene.background.angle', bg.angle);
  } else {
    fail(`one of ${BACKGROUND_KINDS.join(', ')} for scene.background.kind`, (bg as { kind: unknown }).kind);
  }
  if (!Array.isArray(objects)) fail('an array for scene.objects', objects);
  for (const o of objects) {
    if (typeof o !== 'object' || o === null) fail('objects in scene.objects', o);
    if (o.kind === 'shape') {
      if (!SHAPES.includes(o.shape)) fail(`one of ${SHAPES.join(', ')} for object.shape`, o.shape);
    } else if (o.kind === 'glyph') {
      if (!GLYPHS.includes(o.glyph)) fail('one of A-Z, 0-9 for object.glyph', o.glyph);
    } else {
      fail("'shape' or 'glyph' for object.kind", (o as { kind: unknown }).kind);
    }
    if (!TEXTURES.includes(o.texture)) fail(`one of ${TEXTURES.join(', ')} for object.texture`, o.texture);
    if (!isRgb(o.rgb)) fail('three values in [0, 255] for object.rgb', o.rgb);
    if (!isFiniteNumber(o.x) || !isFiniteNumber(o.y) || !isFiniteNumber(o.rotation)) {
      fail(
        'finite numbers for object.x, object.y and object.rotation',
        [o.x, o.y, o.rotation].find((v) => !isFiniteNumber(v)),
      );
    }
    if (!(isFiniteNumber(o.radius) && o.radius > 0 && o.radius <= 1)) fail('a number in (0, 1] for object.radius', o.radius);
  }
}

function paintBackground(bg: Background, size: number, work: Float32Array): void {
  const n = size * size;
  if (bg.kind === 'plain') {
    const [r, g, b] = bg.rgb;
    for (let i = 0; i < 3 * n; i += 3) {
      work[i] = r;
      work[i + 1] = g;
      work[i + 2] = b;
    }
    return;
  }
  if (bg.kind === 'gradient') {
    const c = Math.cos(bg.angle);
    const s = Math.sin(bg.angle);
    const span = Math.abs(c) + Math.abs(s);
    const [r0, g0, b0] = bg.fromRgb;
    const dr = bg.toRgb[0] - r0;
    const dg = bg.toRgb[1] - g0;
    const db = bg.toRgb[2] - b0;
    for (let y = 0; y < size; y++) {
      const ty = ((y + 0.5) / size - 0.5) * s;
      for (let x = 0; x < size; x++) {
        const t = 0.5 + (((x + 0.5) / size - 0.5) * c + ty) / span;
        const i = 3 * (y * size + x);
        work[i] = r0 + dr * t;
        work[i + 1] = g0 + dg * t;
        work[i + 2] = b0 + db * t;
      }
    }
    return;
  }
  // Noise: smooth blotches (bilinear lattice) plus per-pixel grain, as a brightness offset so the
  // hue the caption names is kept.
  const rng = Rng.fromSeed(bg.seed);
  const lattice = new Float32Array(NOISE_LATTICE * NOISE_LATTICE);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.range(-1, 1);
  const [r, g, b] = bg.rgb;
  const cellsPerPixel = (NOISE_LATTICE - 1) / size;
  const grain = (2 * NOISE_GRAIN_AMPLITUDE) / 4294967296;
  for (let y = 0; y < size; y++) {
    const ly = (y + 0.5) * cellsPerPixel;
    const y0 = Math.min(Math.floor(ly), NOISE_LATTICE - 2);
    const fy = ly - y0;
    for (let x = 0; x < size; x++) {
      const lx = (x + 0.5) * cellsPerPixel;
      const x0 = Math.min(Math.floor(lx), NOISE_LATTICE - 2);
      const fx = lx - x0;
      const l = y0 * NOISE_LATTICE + x0;
      const smooth =
        (lattice[l] * (1 - fx) + lattice[l + 1] * fx) * (1 - fy) + (lattice[l + NOISE_LATTICE] * (1 - fx) + lattice[l + NOISE_LATTICE + 1] * fx) * fy;
      const offset = smooth * NOISE_SMOOTH_AMPLITUDE + rng.nextUint32() * grain - NOISE_GRAIN_AMPLITUDE;
      const i = 3 * (y * size + x);
      work[i] = clamp255(r + offset);
      work[i + 1] = clamp255(g + offset);
      work[i + 2] = clamp255(b + offset);
    }
  }
}

/** The second colour of patterned fills: a shade of light colours, a tint of dark ones. */
function patternColour(rgb: Rgb): Rgb {
  const luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
  return luminance > 140 ? [rgb[0] * 0.4, rgb[1] * 0.4, rgb[2] * 0.4] : [rgb[0] * 0.35 + 165, rgb[1] * 0.35 + 165, rgb[2] * 0.35 + 165];
}

/** Anti-aliased square wave: 1 in the middle half of each period of t (t in periods), else 0. */
function band(t: number, periodPixels: number): number {
  const f = t - Math.floor(t);
  return clamp01((0.25 - Math.abs(f - 0.5)) * periodPixels + 0.5);
}

function paintObject(o: SceneObject, size: number, work: Float32Array): void {
  const r = o.radius * size;
  const cx = o.x * size;
  const cy = o.y * size;
  const cos = Math.cos(o.rotation);
  const sin = Math.sin(o.rotation);
  // Glyph cells are squares of side 2r, up to r*sqrt2 from the centre once rotated.
  const reach = r * (o.kind === 'glyph' ? Math.SQRT2 : 1.1) + 1;
  const xStart = Math.max(0, Math.floor(cx - reach));
  const xEnd = Math.min(size, Math.ceil(cx + reach));
  const yStart = Math.max(0, Math.floor(cy - reach));
  const yEnd = Math.min(size, Math.ceil(cy + reach));

  const distance = o.kind === 'shape' ? SHAPE_DISTANCE[o.shape] : undefined;
  const mip: GlyphMip | undefined = o.kind === 'glyph' ? glyphMip(o.glyph, 2 * r) : undefined;
  const stroke = Math.max(1.2, 0.2 * r);
  const period = Math.max(3, 0.55 * r);
  const [pr, pg, pb] = patternColour(o.rgb);
  const [br, bg, bb] = o.rgb;

  for (let py = yStart; py < yEnd; py++) {
    for (let px = xStart; px < xEnd; px++) {
      const dx = px + 0.5 - cx;
      const dy = py + 0.5 - cy;
      // Object-local pixel coordinates: undo the object's rotation.
      const u = dx * cos + dy * sin;
      const v = -dx * sin + dy * cos;
      let alpha: number;
      if (distance) {
        const d = distance(u / r, v / r) * r;
        alpha = o.texture === 'outlined' ? clamp01(0.5 - (Math.abs(d + stroke / 2) - stroke / 2)) : clamp01(0.5 - d);
      } else {
        alpha = sampleGlyph(mip as GlyphMip, (u / r + 1) / 2, (v / r + 1) / 2);
      }
      if (alpha <= 0) continue;

      let mix = 0; // share of the pattern colour at this pixel
      if (o.texture === 'striped') {
        mix = band(((u + v) * Math.SQRT1_2) / period, period);
      } else if (o.texture === 'dotted') {
        const gu = (u / period - Math.floor(u / period) - 0.5) * period;
        const gv = (v / period - Math.floor(v / period) - 0.5) * period;
        mix = clamp01(0.5 - (Math.sqrt(gu * gu + gv * gv) - 0.3 * period));
      } else if (o.texture === 'checkered') {
        const q = 0.6 * period;
        const sx = band(u / (2 * q) + 0.25, 2 * q);
        const sy = band(v / (2 * q) + 0.25, 2 * q);
        mix = sx * sy + (1 - sx) * (1 - sy);
      }
      const i = 3 * (py * size + px);
      const cr = br + (pr - br) * mix;
      const cg = bg + (pg - bg) * mix;
      const cb = bb + (pb - bb) * mix;
      work[i] += (cr - work[i]) * alpha;
      work[i + 1] += (cg - work[i + 1]) * alpha;
      work[i + 2] += (cb - work[i + 2]) * alpha;
    }
  }
}

/**
 * Renders `scene` into `out` at `offset` as size x size RGB bytes (row-major, interleaved),
 * using `work` (at least size*size*3 floats) as scratch. Synchronous; arguments unchecked
 * (the batch paths validate once). Prefer {@link renderScene} outside hot loops.
 */
export function renderSceneInto(scene: Scene, size: number, out: Uint8Array, offset: number, work: Float32Array): void {
  paintBackground(scene.background, size, work);
  for (const o of scene.objects) paintObject(o, size, work);
  const n = size * size * 3;
  for (let i = 0; i < n; i++) out[offset + i] = (work[i] + 0.5) | 0;
}

/**
 * Renders a scene as size x size RGB bytes (row-major, channels interleaved). Synchronous and
 * deterministic: the same scene and size always give the same bytes.
 * @throws ZsclError E_ARG when `size` is not an integer in [8, 512] or the scene is malformed.
 */
export function renderScene(scene: Scene, size: number): Uint8Array {
  checkImageSize(size, 'renderScene');
  checkScene(scene, 'renderScene');
  const out = new Uint8Array(size * size * 3);
  renderSceneInto(scene, size, out, 0, new Float32Array(size * size * 3));
  return out;
}
