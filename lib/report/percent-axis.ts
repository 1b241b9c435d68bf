/** The 0..100 % value axis shared by the line and bar charts (fixed, so charts of different methods compare). */
import { CENTER_SHIFT, px, svgText } from './svg';

/** Where a chart draws its data, in CSS px. */
export interface PlotArea {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Font size of tick labels and axis titles. */
export const AXIS_FONT = 12;
/** Room left of the plot for the tick labels and the rotated axis title. */
export const PERCENT_AXIS_WIDTH = 64;

/** The y coordinate of `percent` (clamped to 0..100) in `plot`. Sync. */
export function yOfPercent(plot: PlotArea, percent: number): number {
  const clamped = Math.min(100, Math.max(0, percent));
  return plot.y + plot.height * (1 - clamped / 100);
}

/** Grid lines and labels every 20 %, the axis line and the rotated `title`, left of `plot`. Sync. */
export function percentAxis(plot: PlotArea, title: string): string[] {
  const parts: string[] = [];
  for (let v = 0; v <= 100; v += 20) {
    const y = yOfPercent(plot, v);
    const line = v === 0 ? 'stroke="#444444"' : 'stroke="#e3e3e3"';
    parts.push(`<line x1="${px(plot.x)}" y1="${px(y)}" x2="${px(plot.x + plot.width)}" y2="${px(y)}" ${line} stroke-width="1"/>`);
    parts.push(`<line x1="${px(plot.x - 4)}" y1="${px(y)}" x2="${px(plot.x)}" y2="${px(y)}" stroke="#444444"/>`);
    parts.push(svgText(plot.x - 7, y + AXIS_FONT * CENTER_SHIFT, String(v), { size: AXIS_FONT, anchor: 'end', fill: '#444444' }));
  }
  parts.push(`<line x1="${px(plot.x)}" y1="${px(plot.y)}" x2="${px(plot.x)}" y2="${px(plot.y + plot.height)}" stroke="#444444"/>`);
  const titleX = plot.x - PERCENT_AXIS_WIDTH + AXIS_FONT + 4;
  parts.push(svgText(titleX, plot.y + plot.height / 2, title, { size: AXIS_FONT + 1, anchor: 'middle', rotate: -90 }));
  return parts;
}
