/** The data a report is made from. Plain JSON-compatible objects: the report layer never trains. */
import type { z } from 'zod';
import type { accuracyMatrixSchema, methodMetricsSchema, methodResultSchema, reportInputSchema } from './schema';

/** Accuracies of one continual-learning run, in percent (see {@link accuracyMatrixSchema}). */
export type AccuracyMatrix = z.infer<typeof accuracyMatrixSchema>;

/** Summary metrics of one method, computed by lib/cl/metrics (summaryMetrics) and only displayed here. */
export type MethodMetrics = z.infer<typeof methodMetricsSchema>;

/** One method's run: its accuracy matrix and its metrics. */
export type MethodResult = z.infer<typeof methodResultSchema>;

/**
 * Everything a report shows. It is also the format of a run's `results.json`
 * (see {@link readResults} and {@link reportInputSchema}).
 */
export type ReportInput = z.infer<typeof reportInputSchema>;

/** Absolute paths of the files {@link writeReport} wrote. */
export interface ReportFiles {
  dir: string;
  /** report.json: the validated input, as the pages show it. */
  json: string;
  /** report.csv: the methods table (Transfer/Avg/Last[/BWT][/Forgetting]). */
  csv: string;
  /** report.md: the methods table and every accuracy matrix. */
  markdown: string;
  /** report.html: one self-contained page (images embedded). */
  html: string;
  /** methods.png: Transfer/Avg/Last bars per method. */
  methodsChart: string;
  /** Per method, in input order. */
  methods: MethodFiles[];
}

/** The files of one method; names use a sanitized, unique stem of the method name. */
export interface MethodFiles {
  method: string;
  /** matrix-<stem>.csv */
  matrixCsv: string;
  /** heatmap-<stem>.png */
  heatmap: string;
  /** retention-<stem>.png */
  retention: string;
}

/** An SVG image and its size in CSS pixels. */
export interface Chart {
  svg: string;
  width: number;
  height: number;
}
