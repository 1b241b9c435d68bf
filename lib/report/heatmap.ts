/** The accuracy matrix as a heatmap: one viridis cell per (after task i, task j), values printed inside. */
import { textColorOn, viridisGradientStops, viridisRgb, toHex } from './colormap';
import { formatNumber } from './format-number';
import { CENTER_SHIFT, px, svgDocument, svgText } from './svg';
import { fitText, textWidth } from './text-width';
import type { AccuracyMatrix, Chart } from './types';
import { validateAccuracyMatrix } from './validate';

/** Options of {@link heatmapChart}. */
export interface HeatmapOptions {
  /** Chart title (default "Accuracy matrix (%)"). */
  title?: string;
}

const MARGIN = 16;
const TITLE_FONT = 16;
const LABEL_FONT = 12;
const AXIS_TITLE_FONT = 13;
/** Longest task label shown in full on an axis. */
const MAX_LABEL = 170;
/** The zero-shot row sits apart from the trained rows: it is the model before any training. */
const ZERO_SHOT_GAP = 6;
const BAR_WIDTH = 14;
const COS45 = Math.SQRT1_2;

interface HeatmapRow {
  label: string;
  values: number[];
  zeroShot: boolean;
}

/** A cell size that keeps an 11-task matrix near 560 px wide and bigger ones from growing without bound. */
function cellSize(tasks: number): number {
  return Math.max(6, Math.min(56, Math.floor(560 / tasks)));
}

/** Value labels: one decimal when it fits, whole numbers when cells are small, none when tiny. */
function valueLabels(cell: number): { digits: number; size: number } | undefined {
  const digits = cell >= 46 ? 1 : 0;
  const size = Math.min(13, (cell - 8) / textWidth(digits ? '100.0' : '100', 1));
  return size >= 7 ? { digits, size } : undefined;
}

/**
 * Renders an accuracy matrix as an SVG heatmap: rows "after training task i" (the zero-shot row
 * first when given), columns "evaluated on task j", colours from viridis over a fixed 0..100 %
 * scale (so heatmaps of different methods compare), a colour bar and the title. Long task names
 * are shortened with "…"; every name is XML-escaped. Sync.
 * @throws ZsclError E_ARG when `matrix` is not a valid {@link AccuracyMatrix}.
 */
export function heatmapChart(matrix: AccuracyMatrix, options: HeatmapOptions = {}): Chart {
  const { tasks, accuracy, zeroShot } = validateAccuracyMatrix(matrix, 'heatmapChart');
  const title = options.title ?? 'Accuracy matrix (%)';
  const rows: HeatmapRow[] = [
    ...(zeroShot ? [{ label: 'zero-shot', values: zeroShot, zeroShot: true }] : []),
    ...accuracy.map((values, i) => ({ label: tasks[i], values, zeroShot: false })),
  ];
  const cell = cellSize(tasks.length);
  // With small cells only every k-th name fits; the cells themselves stay complete.
  const labelEvery = Math.ceil((LABEL_FONT + 2) / cell);
  const rowLabels = rows.map((r) => fitText(r.label, MAX_LABEL, LABEL_FONT));
  const colLabels = tasks.map((t) => fitText(t, MAX_LABEL, LABEL_FONT));
  const rowLabelWidth = Math.max(...rowLabels.map((l) => textWidth(l, LABEL_FONT)));
  const colLabelWidth = Math.max(...colLabels.map((l) => textWidth(l, LABEL_FONT)));
  const rotateColumns = colLabelWidth > cell * labelEvery - 6;
  const colLabelHeight = rotateColumns ? (colLabelWidth + LABEL_FONT) * COS45 + 8 : LABEL_FONT + 8;

  const yTitleX = MARGIN + AXIS_TITLE_FONT;
  const gridLeft = Math.max(
    yTitleX + 10 + rowLabelWidth + 8,
    // a rotated first column label reaches left of its cell
    rotateColumns ? MARGIN + colLabelWidth * COS45 + 4 - cell / 2 : 0,
  );
  const gridTop = MARGIN + TITLE_FONT + 22;
  const gridWidth = tasks.length * cell;
  const rowY = (r: number): number => gridTop + r * cell + (zeroShot && r > 0 ? ZERO_SHOT_GAP : 0);
  const gridBottom = rowY(rows.length - 1) + cell;
  const barTop = gridTop;
  const barHeight = Math.max(gridBottom - gridTop, 120);
  const barX = gridLeft + gridWidth + 24;
  const contentRight = barX + BAR_WIDTH + 4 + 4 + textWidth('100', LABEL_FONT) + 12 + AXIS_TITLE_FONT + MARGIN;
  const titleWidth = textWidth(title, TITLE_FONT, true) + 2 * MARGIN;
  const width = Math.ceil(Math.max(contentRight, Math.min(titleWidth, 900)));
  const xLabelsTop = gridBottom + 6;
  const xTitleY = xLabelsTop + colLabelHeight + 8 + AXIS_TITLE_FONT;
  const height = Math.ceil(Math.max(xTitleY, barTop + barHeight + AXIS_TITLE_FONT) + MARGIN);

  const parts: string[] = [];
  parts.push(svgText(MARGIN, MARGIN + TITLE_FONT, fitText(title, width - 2 * MARGIN, TITLE_FONT, true), { size: TITLE_FONT, bold: true }));

  // cells and their values
  const labels = valueLabels(cell);
  const stroke = cell >= 12 ? ' stroke="#ffffff" stroke-width="1"' : '';
  rows.forEach((row, r) => {
    const y = rowY(r);
    row.values.forEach((value, j) => {
      const rgb = viridisRgb(value / 100);
      const x = gridLeft + j * cell;
      parts.push(`<rect x="${px(x)}" y="${px(y)}" width="${cell}" height="${cell}" fill="${toHex(rgb)}"${stroke}/>`);
      if (labels) {
        const cy = y + cell / 2 + labels.size * CENTER_SHIFT;
        parts.push(svgText(x + cell / 2, cy, formatNumber(value, labels.digits), { size: labels.size, anchor: 'middle', fill: textColorOn(rgb) }));
      }
    });
  });

  // row labels and the y-axis title
  rows.forEach((row, r) => {
    if (!row.zeroShot && (r - (zeroShot ? 1 : 0)) % labelEvery !== 0) return;
    const cy = rowY(r) + cell / 2 + LABEL_FONT * CENTER_SHIFT;
    parts.push(svgText(gridLeft - 8, cy, rowLabels[r], { size: LABEL_FONT, anchor: 'end', italic: row.zeroShot, fill: row.zeroShot ? '#555555' : undefined }));
  });
  const trainedTop = rowY(zeroShot ? 1 : 0);
  parts.push(svgText(yTitleX, (trainedTop + gridBottom) / 2, 'after training task', { size: AXIS_TITLE_FONT, anchor: 'middle', rotate: -90 }));

  // column labels and the x-axis title
  colLabels.forEach((label, j) => {
    if (j % labelEvery !== 0) return;
    const cx = gridLeft + j * cell + cell / 2;
    if (rotateColumns) {
      const y = xLabelsTop + LABEL_FONT * COS45;
      parts.push(svgText(cx + LABEL_FONT * 0.3, y, label, { size: LABEL_FONT, anchor: 'end', rotate: -45 }));
    } else {
      parts.push(svgText(cx, xLabelsTop + LABEL_FONT, label, { size: LABEL_FONT, anchor: 'middle' }));
    }
  });
  parts.push(svgText(gridLeft + gridWidth / 2, xTitleY, 'evaluated on task', { size: AXIS_TITLE_FONT, anchor: 'middle' }));

  // colour bar: 100 % at the top
  const stops = viridisGradientStops()
    .map((s) => `<stop offset="${px(1 - s.offset)}" stop-color="${s.color}"/>`)
    .reverse()
    .join('');
  parts.push(`<defs><linearGradient id="viridis" x1="0" y1="0" x2="0" y2="1">${stops}</linearGradient></defs>`);
  parts.push(
    `<rect x="${px(barX)}" y="${px(barTop)}" width="${BAR_WIDTH}" height="${px(barHeight)}" fill="url(#viridis)" stroke="#444444" stroke-width="0.5"/>`,
  );
  for (let v = 0; v <= 100; v += 20) {
    const y = barTop + barHeight * (1 - v / 100);
    parts.push(`<line x1="${px(barX + BAR_WIDTH)}" y1="${px(y)}" x2="${px(barX + BAR_WIDTH + 4)}" y2="${px(y)}" stroke="#444444"/>`);
    parts.push(svgText(barX + BAR_WIDTH + 7, y + LABEL_FONT * CENTER_SHIFT, String(v), { size: LABEL_FONT, fill: '#444444' }));
  }
  const barTitleX = barX + BAR_WIDTH + 8 + textWidth('100', LABEL_FONT) + 10 + AXIS_TITLE_FONT / 2;
  parts.push(svgText(barTitleX, barTop + barHeight / 2, 'accuracy (%)', { size: AXIS_TITLE_FONT, anchor: 'middle', rotate: 90 }));

  return { svg: svgDocument(width, height, title, parts), width, height };
}
