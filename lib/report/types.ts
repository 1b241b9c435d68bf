/** The data a report is made from. Plain JSON-compatible objects: the report layer never trains. */
import type { z } from 'zod';
import type {
  accuracyMatrixSchema,
  classIncrementalResultSchema,
  classIncrementalSchema,
  methodMetricsSchema,
  methodResultSchema,
  reportInputSchema,
} from './schema';

/** Accuracies of one continual-learning run, in percent (see {@link accuracyMatrixSchema}). */
export type AccuracyMatrix = z.infer<typeof accuracyMatrixSchema>;

/** Summary metrics of one method, computed by lib/cl/metrics (summaryMetrics) and only displayed here. */
export type MethodMetrics = z.infer<typeof methodMetricsSchema>;

/** One method's run: its accuracy matrix and its metrics. */
export type MethodResult = z.infer<typeof methodResultSchema>;

/** The accuracy curve of a class-incremental run (see {@link classIncrementalSchema}). */
export type ClassIncrementalCurve = z.infer<typeof classIncrementalSchema>;

/** One class-incremental method's run: its accuracy curve, Avg and Last. */
export type ClassIncrementalResult = z.infer<typeof classIncrementalResultSchema>;

/** One entry of a report: a matrix run (MTIL) or a class-incremental run. */
export type ReportMethod = MethodResult | ClassIncrementalResult;

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
  /** Per matrix (MTIL) method, in input order. */
  methods: MethodFiles[];
  /** Per class-incremental method, in input order. */
  classIncremental: ClassIncrementalFiles[];
  /** incremental-accuracy.svg and .png: every class-incremental method's curve (absent without one). */
  incrementalChart?: { svg: string; png: string };
}

/** The files of one class-incremental method. */
export interface ClassIncrementalFiles {
  method: string;
  /** steps-<stem>.csv: the accuracy after each step. */
  stepsCsv: string;
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
  /** guard-<stem>.png, when the method has a zero-shot guard curve. */
  guard?: string;
}

/** An SVG image and its size in CSS pixels. */
export interface Chart {
  svg: string;
  width: number;
  height: number;
}
