/** Methods side by side: grouped bars of Transfer, Avg and Last, one colour per method. */
import { formatNumber } from './format-number';
import { legend, legendSize } from './legend';
import type { PlotArea } from './percent-axis';
import { AXIS_FONT, PERCENT_AXIS_WIDTH, percentAxis, yOfPercent } from './percent-axis';
import { seriesStyle } from './series-style';
import { px, svgDocument, svgText } from './svg';
import { fitText, textWidth } from './text-width';
import type { Chart, MethodMetrics, ReportMethod } from './types';
import { validateReportInput } from './validate';

/** Options of {@link methodsChart}. */
export interface MethodsChartOptions {
  /** Chart title (default "Transfer / Avg / Last by method"). */
  title?: string;
}

/** The bar groups: metrics on the 0..100 % scale. BWT and forgetting are differences; the tables show them. */
const ALL_GROUPS: { key: keyof MethodMetrics; label: string }[] = [
  { key: 'transfer', label: 'Transfer' },
  { key: 'avg', label: 'Avg' },
  { key: 'last', label: 'Last' },
];

const MARGIN = 16;
const TITLE_FONT = 16;
const VALUE_FONT = 11;
const PLOT_HEIGHT = 260;

/**
 * Renders Transfer (when reported), Avg and Last of every method as grouped bars on a fixed 0..100 % axis, values
 * printed on the bars and a legend naming the methods. Sync.
 * @throws ZsclError E_ARG when `methods` is empty or holds an invalid {@link MethodResult}.
 */
export function methodsChart(methods: ReportMethod[], options: MethodsChartOptions = {}): Chart {
  const checked = validateReportInput({ methods }, 'methodsChart').methods;
  const value = (m: ReportMethod, key: keyof MethodMetrics): number | undefined => (m.metrics as Partial<MethodMetrics>)[key];
  // Class-incremental runs report no Transfer: its group is left out when no method has it.
  const groups = ALL_GROUPS.filter((g) => checked.some((m) => value(m, g.key) !== undefined));
  const title = options.title ?? `${groups.map((g) => g.label).join(' / ')} by method`;
  const bar = Math.max(8, Math.min(40, Math.floor(480 / (groups.length * checked.length))));
  const gap = Math.max(24, bar);
  const groupWidth = bar * checked.length;
  // A value wider than its bar is written vertically above it.
  const verticalValues = textWidth('100.0', VALUE_FONT) > bar + 4;
  const valueRoom = verticalValues ? textWidth('100.0', VALUE_FONT) + 8 : VALUE_FONT + 6;

  const plot: PlotArea = {
    x: MARGIN + PERCENT_AXIS_WIDTH,
    y: MARGIN + TITLE_FONT + 12 + valueRoom,
    width: groups.length * groupWidth + (groups.length + 1) * gap,
    height: PLOT_HEIGHT,
  };
  const entries = checked.map((m, k) => ({ label: m.method, style: seriesStyle(k) }));
  const box = legendSize(entries, 'method');
  const legendX = plot.x + plot.width + 28;
  const titleWidth = textWidth(title, TITLE_FONT, true) + 2 * MARGIN;
  const width = Math.ceil(Math.max(legendX + box.width + MARGIN, Math.min(titleWidth, 900)));
  const height = Math.ceil(Math.max(plot.y + plot.height + 8 + AXIS_FONT + 4, plot.y + box.height) + MARGIN);

  const parts: string[] = [];
  parts.push(svgText(MARGIN, MARGIN + TITLE_FONT, fitText(title, width - 2 * MARGIN, TITLE_FONT, true), { size: TITLE_FONT, bold: true }));
  parts.push(...percentAxis(plot, 'percent'));
  groups.forEach((group, g) => {
    const groupX = plot.x + gap + g * (groupWidth + gap);
    checked.forEach((m, k) => {
      const v = value(m, group.key);
      if (v === undefined) return;
      const x = groupX + k * bar;
      const top = yOfPercent(plot, v);
      const base = plot.y + plot.height;
      const { color } = seriesStyle(k);
      parts.push(`<rect x="${px(x + 1)}" y="${px(top)}" width="${px(bar - 2)}" height="${px(base - top)}" fill="${color}"/>`);
      const text = formatNumber(v);
      if (verticalValues) {
        parts.push(svgText(x + bar / 2 + VALUE_FONT * 0.36, top - 4, text, { size: VALUE_FONT, rotate: -90, fill: '#333333' }));
      } else {
        parts.push(svgText(x + bar / 2, top - 4, text, { size: VALUE_FONT, anchor: 'middle', fill: '#333333' }));
      }
    });
    parts.push(svgText(groupX + groupWidth / 2, plot.y + plot.height + 8 + AXIS_FONT, group.label, { size: AXIS_FONT + 1, anchor: 'middle', bold: true }));
  });
  parts.push(...legend(legendX, plot.y, entries, 'method', 'box'));
  return { svg: svgDocument(width, height, title, parts), width, height };
}
