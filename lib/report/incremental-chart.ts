/** The incremental-accuracy curve of class-incremental runs: accuracy over the classes seen so far after each step, one line per method. */
import { legend, legendSize } from './legend';
import type { PlotArea } from './percent-axis';
import { AXIS_FONT, PERCENT_AXIS_WIDTH, percentAxis, yOfPercent } from './percent-axis';
import { seriesStyle } from './series-style';
import { px, svgDocument, svgText } from './svg';
import { fitText, textWidth } from './text-width';
import type { Chart, ClassIncrementalResult } from './types';
import { validateReportInput } from './validate';

/** Options of {@link incrementalChart}. */
export interface IncrementalChartOptions {
  /** Chart title (default "Incremental accuracy (all classes seen so far)"). */
  title?: string;
}

const MARGIN = 16;
const TITLE_FONT = 16;
const PLOT_HEIGHT = 300;

/**
 * Renders each method's accuracy after step 1…T (over all classes seen so far) as a line on a
 * fixed 0..100 % axis; the legend names the methods with their Avg and Last. Steps are numbered
 * from 1 (the tables give their names). Sync.
 * @throws ZsclError E_ARG when `methods` is empty or holds an invalid {@link ClassIncrementalResult}.
 */
export function incrementalChart(methods: ClassIncrementalResult[], options: IncrementalChartOptions = {}): Chart {
  const checked = validateReportInput({ methods }, 'incrementalChart').methods as ClassIncrementalResult[];
  const title = options.title ?? 'Incremental accuracy (all classes seen so far)';
  const steps = Math.max(...checked.map((m) => m.classIncremental.stepAccuracy.length));
  const spacing = Math.max(12, Math.min(90, Math.floor(640 / steps)));
  // Label every step while the numbers fit, else every k-th.
  const labelEvery = Math.max(1, Math.ceil((textWidth(String(steps), AXIS_FONT) + 8) / spacing));
  const plot: PlotArea = { x: MARGIN + PERCENT_AXIS_WIDTH, y: MARGIN + TITLE_FONT + 26, width: spacing * steps, height: PLOT_HEIGHT };
  const entries = checked.map((m, k) => ({
    label: `${m.method} (Avg ${m.classIncremental.avg.toFixed(1)}, Last ${m.classIncremental.last.toFixed(1)})`,
    style: seriesStyle(k),
  }));
  const box = legendSize(entries, 'method');
  const legendX = plot.x + plot.width + 28;
  const titleWidth = textWidth(title, TITLE_FONT, true) + 2 * MARGIN;
  const width = Math.ceil(Math.max(legendX + box.width + MARGIN, Math.min(titleWidth, 900)));
  const xTitleY = plot.y + plot.height + 6 + AXIS_FONT + 8 + AXIS_FONT;
  const height = Math.ceil(Math.max(xTitleY, plot.y + box.height) + MARGIN);

  const xOf = (step: number): number => plot.x + spacing * (step + 0.5);
  const parts: string[] = [];
  parts.push(svgText(MARGIN, MARGIN + TITLE_FONT, fitText(title, width - 2 * MARGIN, TITLE_FONT, true), { size: TITLE_FONT, bold: true }));
  parts.push(...percentAxis(plot, 'accuracy (%)'));
  for (let s = 0; s < steps; s++) {
    const x = xOf(s);
    parts.push(`<line x1="${px(x)}" y1="${px(plot.y + plot.height)}" x2="${px(x)}" y2="${px(plot.y + plot.height + 4)}" stroke="#444444"/>`);
    if ((s + 1) % labelEvery === 0 || s === 0)
      parts.push(svgText(x, plot.y + plot.height + 6 + AXIS_FONT, String(s + 1), { size: AXIS_FONT, anchor: 'middle' }));
  }
  parts.push(svgText(plot.x + plot.width / 2, xTitleY, 'after step', { size: AXIS_FONT + 1, anchor: 'middle' }));
  checked.forEach((m, k) => {
    const { color, dash } = seriesStyle(k);
    const values = m.classIncremental.stepAccuracy;
    const points = values.map((v, s) => `${px(xOf(s))},${px(yOfPercent(plot, v))}`).join(' ');
    const dashAttr = dash ? ` stroke-dasharray="${dash}"` : '';
    parts.push(`<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"${dashAttr}/>`);
    values.forEach((v, s) => parts.push(`<circle cx="${px(xOf(s))}" cy="${px(yOfPercent(plot, v))}" r="3" fill="${color}"/>`));
  });
  parts.push(...legend(legendX, plot.y, entries, 'method', 'line'));
  return { svg: svgDocument(width, height, title, parts), width, height };
}
