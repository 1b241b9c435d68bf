/** Small builders for the SVG markup of charts; every piece of text passes through escapeMarkup. */
import { escapeMarkup } from './escape-markup';

/** The font of every chart: installed with fonts-dejavu-core, found by librsvg through fontconfig. */
const FONT_FAMILY = "'DejaVu Sans', sans-serif";

/** Shifts a text baseline so digits and capitals sit centred on a y coordinate (DejaVu's cap height / 2). */
export const CENTER_SHIFT = 0.36;

/** A coordinate with at most two decimals, which keeps SVGs small without visible error. Sync. */
export function px(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** How {@link svgText} draws a label. */
export interface TextStyle {
  size: number;
  anchor?: 'start' | 'middle' | 'end';
  bold?: boolean;
  italic?: boolean;
  fill?: string;
  /** Degrees, clockwise, around (x, y). */
  rotate?: number;
}

/** A `<text>` element with `text` escaped; (x, y) is the baseline anchor point. Sync. */
export function svgText(x: number, y: number, text: string, style: TextStyle): string {
  const attrs = [`x="${px(x)}"`, `y="${px(y)}"`, `font-size="${px(style.size)}"`];
  if (style.anchor && style.anchor !== 'start') attrs.push(`text-anchor="${style.anchor}"`);
  if (style.bold) attrs.push('font-weight="bold"');
  if (style.italic) attrs.push('font-style="italic"');
  if (style.fill) attrs.push(`fill="${style.fill}"`);
  if (style.rotate) attrs.push(`transform="rotate(${px(style.rotate)} ${px(x)} ${px(y)})"`);
  return `<text ${attrs.join(' ')}>${escapeMarkup(text)}</text>`;
}

/** A complete SVG document on a white background; `title` becomes its accessible name. Sync. */
export function svgDocument(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}" font-family="${FONT_FAMILY}" fill="#222222">`,
    `<title>${escapeMarkup(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...body,
    '</svg>',
  ].join('\n');
}
