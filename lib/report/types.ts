/** The data a report is made from. Plain JSON-compatible objects: the report layer never trains. */

/**
 * Accuracies of one continual-learning run.
 *
 * `accuracy[i][j]` is the top-1 accuracy in percent (0..100) on task `j` after training task `i`;
 * rows and columns are both in training order and `tasks[j]` names column `j`. A finished run has
 * as many rows as tasks; a run still in progress has fewer (one per completed task).
 */
export interface AccuracyMatrix {
  /** Task names in training order. */
  tasks: string[];
  /** `accuracy[i][j]`: percent on task j after training task i. */
  accuracy: number[][];
  /** Percent on each task before any training (the initial model's zero-shot accuracy). */
  zeroShot?: number[];
}

/** Summary metrics of one method, computed elsewhere (lib/cl/metrics) and only displayed here. */
export interface MethodMetrics {
  transfer: number;
  avg: number;
  last: number;
  /** Backward transfer: negative when learning later tasks lowered earlier ones. */
  bwt?: number;
  forgetting?: number;
}

/** One method's run: its accuracy matrix and its metrics. */
export interface MethodResult {
  /** Display name, unique within a report (e.g. "ZSCL", "Continual-FT"). */
  method: string;
  matrix: AccuracyMatrix;
  metrics: MethodMetrics;
}

/**
 * Everything a report shows. It is also the format of a run's `results.json`
 * (see {@link readResults}).
 */
export interface ReportInput {
  /** At least one method; names are unique. */
  methods: MethodResult[];
  /** Run settings shown as "Run" in the HTML page (any JSON object; nested keys are flattened). */
  config?: Record<string, unknown>;
  /** Heading of the HTML and Markdown pages (default "zscl report"). */
  title?: string;
}

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
