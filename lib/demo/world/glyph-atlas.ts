/**
 * Run-time access to the pre-rendered glyph atlas (glyph-atlas-data.ts): alpha masks of A-Z and
 * 0-9, decoded once on first use into a mip pyramid so small glyphs are sampled without aliasing.
 */
import zlib from 'node:zlib';
import { ZsclError, describeValue } from '../../errors';
import { GLYPH_ATLAS_DEFLATED_BASE64, GLYPH_CELL, GLYPH_ORDER } from './glyph-atlas-data';

/** One glyph at one mip level: side x side coverage values in [0, 1]. */
export interface GlyphMip {
  readonly side: number;
  readonly alpha: Float32Array;
}

let pyramids: GlyphMip[][] | undefined;

function decode(): GlyphMip[][] {
  const bytes = zlib.inflateSync(Buffer.from(GLYPH_ATLAS_DEFLATED_BASE64, 'base64'));
  const cellBytes = GLYPH_CELL * GLYPH_CELL;
  if (bytes.length !== GLYPH_ORDER.length * cellBytes) {
    throw new ZsclError(
      `glyph atlas: expected ${GLYPH_ORDER.length * cellBytes} bytes but decoded ${bytes.length}; regenerate it with scripts/fixtures/world-glyph-atlas.ts`,
      'E_FORMAT',
    );
  }
  const result: GlyphMip[][] = [];
  for (let g = 0; g < GLYPH_ORDER.length; g++) {
    const base = new Float32Array(cellBytes);
    for (let i = 0; i < cellBytes; i++) base[i] = bytes[g * cellBytes + i] / 255;
    const levels: GlyphMip[] = [{ side: GLYPH_CELL, alpha: base }];
    // 2x2 box filter down to 4 px: each level is the exact average of the one above.
    for (let side = GLYPH_CELL / 2; side >= 4; side /= 2) {
      const above = levels[levels.length - 1].alpha;
      const alpha = new Float32Array(side * side);
      const up = side * 2;
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const i = 2 * y * up + 2 * x;
          alpha[y * side + x] = (above[i] + above[i + 1] + above[i + up] + above[i + up + 1]) / 4;
        }
      }
      levels.push({ side, alpha });
    }
    result.push(levels);
  }
  return result;
}

/**
 * The mip level of `glyph` best suited to drawing it `boxPixels` wide: the smallest level with at
 * least as many texels as output pixels, so bilinear sampling never skips texels. Synchronous.
 * @throws ZsclError E_ARG when `glyph` is not one of A-Z, 0-9.
 */
export function glyphMip(glyph: string, boxPixels: number): GlyphMip {
  const index = GLYPH_ORDER.indexOf(glyph);
  if (glyph.length !== 1 || index < 0) {
    throw new ZsclError(`glyphMip: expected one of ${GLYPH_ORDER} for glyph but received ${describeValue(glyph)}`, 'E_ARG');
  }
  pyramids ??= decode();
  const levels = pyramids[index];
  let chosen = levels[0];
  for (const level of levels) if (level.side >= boxPixels) chosen = level;
  return chosen;
}

/**
 * Bilinear coverage of a mip at cell coordinates (u, v) in [0, 1] (outside the cell: 0).
 * Synchronous; hot path, so arguments are not validated.
 */
export function sampleGlyph(mip: GlyphMip, u: number, v: number): number {
  const side = mip.side;
  const x = u * side - 0.5;
  const y = v * side - 0.5;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  if (x0 < -1 || y0 < -1 || x0 >= side || y0 >= side) return 0;
  const fx = x - x0;
  const fy = y - y0;
  const a = mip.alpha;
  // Texels outside the cell count as empty (no closure here: this runs per pixel).
  const left = x0 >= 0;
  const right = x0 + 1 < side;
  const i = y0 * side + x0;
  let top = 0;
  let bottom = 0;
  if (y0 >= 0) top = (left ? a[i] * (1 - fx) : 0) + (right ? a[i + 1] * fx : 0);
  if (y0 + 1 < side) bottom = (left ? a[i + side] * (1 - fx) : 0) + (right ? a[i + side + 1] * fx : 0);
  return top * (1 - fy) + bottom * fy;
}
