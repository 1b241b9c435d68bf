/** Colours and dash patterns that tell lines and bars apart in charts and legends. */

// Tableau 10 first (the matplotlib default cycle), then ten darker hues for runs with 11-20 series.
const COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#393b79',
  '#637939',
  '#8c6d31',
  '#843c39',
  '#7b4173',
  '#3182bd',
  '#e6550d',
  '#31a354',
  '#756bb1',
  '#636363',
];

// Beyond ten series colours alone get hard to match against a legend, so the dash pattern changes too.
const DASHES = ['', '7 3', '2 2.5', '8 3 2 3'];

/** How series `index` is drawn. */
export interface SeriesStyle {
  color: string;
  /** SVG `stroke-dasharray`, '' for a solid line. */
  dash: string;
}

/** The style of series `index` (0-based); distinct for the first 40 series. Sync. */
export function seriesStyle(index: number): SeriesStyle {
  return {
    color: COLORS[index % COLORS.length],
    dash: DASHES[Math.floor(index / 10) % DASHES.length],
  };
}
