/** A chart legend: one row per series with its line or box swatch and its (shortened) name. */
import type { SeriesStyle } from './series-style';
import { CENTER_SHIFT, px, svgText } from './svg';
import { fitText, textWidth } from './text-width';

/** One legend row. */
export interface LegendEntry {
  label: string;
  style: SeriesStyle;
}

const FONT = 12;
const ROW = 19;
const SWATCH = 26;
/** Longest label shown in full; longer names end in "…" (tables show them whole). */
const MAX_LABEL = 190;

/** How the swatch is drawn: a line with a dot (line charts) or a filled box (bar charts). */
export type SwatchKind = 'line' | 'box';

/** Width and height in px of {@link legend} for these entries. Sync. */
export function legendSize(entries: LegendEntry[], title: string): { width: number; height: number } {
  const labels = entries.map((e) => textWidth(fitText(e.label, MAX_LABEL, FONT), FONT));
  const width = Math.max(textWidth(title, FONT, true), SWATCH + 8 + Math.max(0, ...labels));
  return { width, height: ROW * (entries.length + 1) };
}

/** The legend with its top-left corner at (x, y). Sync. */
export function legend(x: number, y: number, entries: LegendEntry[], title: string, kind: SwatchKind): string[] {
  const parts = [svgText(x, y + ROW / 2 + FONT * CENTER_SHIFT, title, { size: FONT, bold: true })];
  entries.forEach((entry, k) => {
    const cy = y + ROW * (k + 1.5);
    const { color, dash } = entry.style;
    if (kind === 'line') {
      const dashAttr = dash ? ` stroke-dasharray="${dash}"` : '';
      parts.push(`<line x1="${px(x)}" y1="${px(cy)}" x2="${px(x + SWATCH)}" y2="${px(cy)}" stroke="${color}" stroke-width="2"${dashAttr}/>`);
      parts.push(`<circle cx="${px(x + SWATCH / 2)}" cy="${px(cy)}" r="3" fill="${color}"/>`);
    } else {
      parts.push(`<rect x="${px(x + 4)}" y="${px(cy - 6)}" width="${SWATCH - 8}" height="12" fill="${color}"/>`);
    }
    parts.push(svgText(x + SWATCH + 8, cy + FONT * CENTER_SHIFT, fitText(entry.label, MAX_LABEL, FONT), { size: FONT }));
  });
  return parts;
}
