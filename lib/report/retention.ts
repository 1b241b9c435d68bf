/** Retention curves: accuracy on each task across the training sequence, one line per task. */
import { legend, legendSize } from './legend';
import type { PlotArea } from './percent-axis';
import { AXIS_FONT, PERCENT_AXIS_WIDTH, percentAxis, yOfPercent } from './percent-axis';
import { seriesStyle } from './series-style';
import { px, svgDocument, svgText } from './svg';
import { fitText, textWidth } from './text-width';
import type { AccuracyMatrix, Chart } from './types';
import { validateAccuracyMatrix } from './validate';

/** Options of {@link retentionChart}. */
export interface RetentionOptions {
  /** Chart title (default "Accuracy on each task during training"). */
  title?: string;
}

const MARGIN = 16;
const TITLE_FONT = 16;
const PLOT_HEIGHT = 300;
const MAX_LABEL = 130;
const COS45 = Math.SQRT1_2;

/**
 * Renders, for every task j, the accuracy on j after each training step i (x) as a line, starting
 * from the zero-shot accuracy when the matrix has it. The point where task j itself was trained
 * (i = j) is drawn larger, so forgetting shows as the drop to its right. Y is a fixed 0..100 %
 * axis; a legend names the tasks. Sync.
 * @throws ZsclError E_ARG when `matrix` is not a valid {@link AccuracyMatrix}.
 */
export function retentionChart(matrix: AccuracyMatrix, options: RetentionOptions = {}): Chart {
  const { tasks, accuracy, zeroShot } = validateAccuracyMatrix(matrix, 'retentionChart');
  const title = options.title ?? 'Accuracy on each task during training';
  const offset = zeroShot ? 1 : 0;
  const steps = [...(zeroShot ? ['zero-shot'] : []), ...accuracy.map((_, i) => tasks[i])].map((l) => fitText(l, MAX_LABEL, AXIS_FONT));
  const spacing = Math.max(24, Math.min(110, Math.floor(640 / steps.length)));
  const labelWidth = Math.max(...steps.map((l) => textWidth(l, AXIS_FONT)));
  const rotate = labelWidth > spacing - 6;
  const labelHeight = rotate ? (labelWidth + AXIS_FONT) * COS45 + 8 : AXIS_FONT + 8;

  const plot: PlotArea = {
    x: Math.max(MARGIN + PERCENT_AXIS_WIDTH, rotate ? MARGIN + labelWidth * COS45 - spacing / 2 : 0),
    y: MARGIN + TITLE_FONT + 26,
    width: spacing * steps.length,
    height: PLOT_HEIGHT,
  };
  const entries = tasks.map((label, j) => ({ label, style: seriesStyle(j) }));
  const legendTitle = 'accuracy on task';
  const box = legendSize(entries, legendTitle);
  const note = 'large dot: the step that trained the task';
  const legendX = plot.x + plot.width + 28;
  const contentRight = legendX + Math.max(box.width, textWidth(note, AXIS_FONT - 1)) + MARGIN;
  const titleWidth = textWidth(title, TITLE_FONT, true) + 2 * MARGIN;
  const width = Math.ceil(Math.max(contentRight, Math.min(titleWidth, 900)));
  const xTitleY = plot.y + plot.height + 6 + labelHeight + 8 + AXIS_FONT;
  const height = Math.ceil(Math.max(xTitleY, plot.y + box.height + 24) + MARGIN);

  const xOf = (step: number): number => plot.x + spacing * (step + 0.5);
  const parts: string[] = [];
  parts.push(svgText(MARGIN, MARGIN + TITLE_FONT, fitText(title, width - 2 * MARGIN, TITLE_FONT, true), { size: TITLE_FONT, bold: true }));
  parts.push(...percentAxis(plot, 'accuracy (%)'));

  steps.forEach((label, s) => {
    const x = xOf(s);
    const top = plot.y + plot.height + 6;
    parts.push(`<line x1="${px(x)}" y1="${px(plot.y + plot.height)}" x2="${px(x)}" y2="${px(plot.y + plot.height + 4)}" stroke="#444444"/>`);
    const italic = zeroShot !== undefined && s === 0;
    const fill = italic ? '#555555' : undefined;
    if (rotate) {
      parts.push(svgText(x + AXIS_FONT * 0.3, top + AXIS_FONT * COS45, label, { size: AXIS_FONT, anchor: 'end', rotate: -45, italic, fill }));
    } else {
      parts.push(svgText(x, top + AXIS_FONT, label, { size: AXIS_FONT, anchor: 'middle', italic, fill }));
    }
  });
  parts.push(svgText(plot.x + plot.width / 2, xTitleY, 'after training task', { size: AXIS_FONT + 1, anchor: 'middle' }));

  tasks.forEach((_, j) => {
    const { color, dash } = seriesStyle(j);
    const values = [...(zeroShot ? [zeroShot[j]] : []), ...accuracy.map((row) => row[j])];
    const points = values.map((v, s) => `${px(xOf(s))},${px(yOfPercent(plot, v))}`).join(' ');
    const dashAttr = dash ? ` stroke-dasharray="${dash}"` : '';
    parts.push(`<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"${dashAttr}/>`);
    values.forEach((v, s) => {
      const trained = s - offset === j;
      const r = trained ? 5 : 2.5;
      const ring = trained ? ' stroke="#ffffff" stroke-width="1.5"' : '';
      parts.push(`<circle cx="${px(xOf(s))}" cy="${px(yOfPercent(plot, v))}" r="${r}" fill="${color}"${ring}/>`);
    });
  });

  parts.push(...legend(legendX, plot.y, entries, legendTitle, 'line'));
  parts.push(svgText(legendX, plot.y + box.height + 16, note, { size: AXIS_FONT - 1, italic: true, fill: '#555555' }));
  return { svg: svgDocument(width, height, title, parts), width, height };
}
