/** The report layer: tables, charts and pages from accuracy matrices and metrics. No training code. */
export type {
  AccuracyMatrix,
  Chart,
  ClassIncrementalCurve,
  ClassIncrementalFiles,
  ClassIncrementalResult,
  MethodFiles,
  MethodMetrics,
  MethodResult,
  ReportFiles,
  ReportInput,
  ReportMethod,
} from './types';
export { MAX_TASKS, validateAccuracyMatrix, validateConfig, validateReportInput } from './validate';
export type { Cell, Column, Table } from './tables';
export { accuracyTable, methodsTable, stepsTable, ZERO_SHOT_LABEL } from './tables';
export { toCsv } from './csv-table';
export { escapeMarkdown, toMarkdown } from './markdown-table';
export { viridis, viridisRgb } from './colormap';
export type { HeatmapOptions } from './heatmap';
export { heatmapChart } from './heatmap';
export type { RetentionOptions } from './retention';
export { retentionChart } from './retention';
export type { IncrementalChartOptions } from './incremental-chart';
export { incrementalChart } from './incremental-chart';
export type { MethodsChartOptions } from './methods-chart';
export { methodsChart } from './methods-chart';
export { chartToPng, DEFAULT_SCALE } from './rasterize';
export { reportMarkdown } from './report-markdown';
export type { EmbeddedImage, ReportImages } from './report-html';
export { reportHtml } from './report-html';
export { fileStem, uniqueFileStems } from './file-stems';
export { REPORT_FORMAT, writeReport } from './write-report';
export { readResults, RESULTS_FILE } from './results-file';
