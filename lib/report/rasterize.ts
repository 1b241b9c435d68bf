/** SVG charts to PNG through sharp (librsvg), at a pixel density that stays sharp on HiDPI screens. */
import sharp from 'sharp';
import { ZsclError } from '../errors';
import type { Chart } from './types';

/** PNG pixels per CSS pixel of a chart. */
export const DEFAULT_SCALE = 2;

/**
 * Rasterises `chart` to PNG bytes of `chart.width * scale` by `chart.height * scale` pixels. Async
 * (libvips works on its own threads).
 * @throws ZsclError E_ARG for a scale outside 0.25..8; E_FORMAT when librsvg cannot render the SVG.
 */
export async function chartToPng(chart: Chart, scale = DEFAULT_SCALE): Promise<Buffer> {
  if (typeof scale !== 'number' || !(scale >= 0.25 && scale <= 8)) {
    throw new ZsclError(`chartToPng: scale must be a number in 0.25..8 but received ${String(scale)}`, 'E_ARG');
  }
  try {
    // librsvg renders at 72 dpi per CSS px by default; density scales the whole drawing.
    return await sharp(Buffer.from(chart.svg), { density: 72 * scale })
      .png()
      .toBuffer();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ZsclError(`chartToPng: could not rasterise a ${chart.width}x${chart.height} chart: ${reason}`, 'E_FORMAT', { cause: error });
  }
}
