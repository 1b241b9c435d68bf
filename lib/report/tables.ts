/**
 * The report's tables as data, rendered by csv-table.ts, markdown-table.ts and report-html.ts,
 * so all formats show the same rows and columns.
 */
import type { AccuracyMatrix, ClassIncrementalCurve, MethodMetrics, ReportMethod } from './types';

/** A table cell: text, a number, or `null` for "not reported". */
export type Cell = string | number | null;

/** A column: its header and whether it holds numbers (right-aligned, rounded for display). */
export interface Column {
  title: string;
  numeric: boolean;
  /** For metric columns: which end is better, so the HTML page can mark the best method. */
  better?: 'higher' | 'lower';
}

/** Rows of cells under `columns`; every row has one cell per column. */
export interface Table {
  columns: Column[];
  rows: Cell[][];
}

/** Row label of the initial model's accuracies in an accuracy table. */
export const ZERO_SHOT_LABEL = 'zero-shot';

/**
 * One accuracy matrix as a table: header `after task` then the task names; one row per trained
 * task, labelled with its name, preceded by a `zero-shot` row when the matrix has one. Sync.
 * Expects a validated matrix (see validateAccuracyMatrix).
 */
export function accuracyTable(matrix: AccuracyMatrix): Table {
  const columns = [{ title: 'after task', numeric: false }, ...matrix.tasks.map((title) => ({ title, numeric: true }))];
  const rows: Cell[][] = matrix.accuracy.map((row, i) => [matrix.tasks[i], ...row]);
  if (matrix.zeroShot) rows.unshift([ZERO_SHOT_LABEL, ...matrix.zeroShot]);
  return { columns, rows };
}

/**
 * The accuracy curve of a class-incremental run as a table: one row per step with its name and the
 * accuracy over all classes seen so far. Sync. Expects a validated curve.
 */
export function stepsTable(curve: ClassIncrementalCurve): Table {
  return {
    columns: [
      { title: 'after step', numeric: false },
      { title: 'accuracy (seen classes)', numeric: true },
    ],
    rows: curve.steps.map((step, i) => [step, curve.stepAccuracy[i]]),
  };
}

/**
 * Unreadable images the runs skipped, when any method skipped one: per method the training draws
 * and test images skipped, and the tasks they came from (counts as text, never rounded). Sync.
 * @returns undefined when no method reports a skipped image.
 */
export function skippedImagesTable(methods: ReportMethod[]): Table | undefined {
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const shown = methods.filter((m) => m.skippedImages && sum([...m.skippedImages.train, ...m.skippedImages.test]) > 0);
  if (shown.length === 0) return undefined;
  const byTask = (names: readonly string[], counts: readonly number[]) =>
    counts
      .map((n, i) => (n > 0 ? `${names[i] ?? `#${i + 1}`} ${n}` : ''))
      .filter(Boolean)
      .join(', ');
  return {
    columns: [
      { title: 'Method', numeric: false },
      { title: 'training draws', numeric: false },
      { title: 'by task', numeric: false },
      { title: 'test images', numeric: false },
      { title: 'by test set', numeric: false },
    ],
    rows: shown.map((m) => {
      const { train, test } = m.skippedImages!;
      const tasks = 'matrix' in m ? m.matrix.tasks : m.classIncremental.steps;
      return [m.method, String(sum(train)), byTask(tasks, train), String(sum(test)), byTask('matrix' in m ? m.matrix.tasks : [], test)];
    }),
  };
}

// Transfer is shown when a matrix method reports it (class-incremental runs have only Avg and Last).
const METRIC_COLUMNS: { key: keyof MethodMetrics; title: string; optional: boolean; better: 'higher' | 'lower' }[] = [
  { key: 'transfer', title: 'Transfer', optional: true, better: 'higher' },
  { key: 'avg', title: 'Avg', optional: false, better: 'higher' },
  { key: 'last', title: 'Last', optional: false, better: 'higher' },
  { key: 'bwt', title: 'BWT', optional: true, better: 'higher' },
  { key: 'forgetting', title: 'Forgetting', optional: true, better: 'lower' },
];

/**
 * Methods side by side: Method, Transfer (when any method reports it), Avg, Last, then BWT and
 * Forgetting when any method reports them (`null` for methods that do not). Sync. Expects validated results.
 */
export function methodsTable(methods: ReportMethod[]): Table {
  const value = (m: ReportMethod, key: keyof MethodMetrics): number | undefined => (m.metrics as Partial<MethodMetrics>)[key];
  const shown = METRIC_COLUMNS.filter((c) => !c.optional || methods.some((m) => value(m, c.key) !== undefined));
  return {
    columns: [{ title: 'Method', numeric: false }, ...shown.map((c) => ({ title: c.title, numeric: true, better: c.better }))],
    rows: methods.map((m) => [m.method, ...shown.map((c) => value(m, c.key) ?? null)]),
  };
}
