/**
 * results.json (and a report's report.json) as a schema: the accuracy matrix, the summary metrics
 * and the report input. The one accuracy-matrix check of zscl: the metrics (lib/cl/metrics.ts)
 * use {@link accuracyRowsSchema} for their T×T matrices, the report the percent matrix below.
 * Objects are not strict here: keys a newer results.json adds are dropped, not refused.
 */
import { z } from 'zod';
import { guardCurveSchema } from './guard-curve';

/** Charts and tables stay usable (and rasterisable) up to this many tasks. */
export const MAX_TASKS = 256;

const finite = (what = 'a finite number') => z.number({ error: `expected ${what}` });
const name = () => z.string({ error: 'expected a non-empty string' }).refine((s) => s.trim() !== '', { error: 'expected a non-empty string' });

/** Rows of finite accuracies (any scale), at least one row. */
const accuracyRowsSchema = z
  .array(z.array(finite(), { error: 'expected an array of accuracies' }), { error: 'expected a non-empty array of rows (one per trained task)' })
  .min(1, { error: 'expected a non-empty array of rows (one per trained task)' });

/** A T×T matrix of finite accuracies: row i after training task i, column j = task j. */
export const squareAccuracySchema = accuracyRowsSchema.superRefine((rows, ctx) => {
  rows.forEach((row, i) => {
    if (row.length !== rows.length) {
      ctx.addIssue({
        code: 'custom',
        path: [i],
        message: `expected ${rows.length} entries, one per task (the matrix has ${rows.length} rows and must be T×T), but it has ${row.length}`,
      });
    }
  });
});

const percent = finite('a finite number in 0..100')
  .min(0, { error: 'expected a finite number in 0..100' })
  .max(100, { error: 'expected a finite number in 0..100' });
const percentRow = z.array(percent, { error: 'expected an array of percentages' });

/**
 * Accuracies of one continual-learning run, in percent. `accuracy[i][j]` is the top-1 accuracy on
 * task `j` after training task `i`; rows and columns are in training order and `tasks[j]` names
 * column `j`. A finished run has as many rows as tasks; a run still in progress has fewer.
 */
export const accuracyMatrixSchema = z
  .object(
    {
      /** Task names in training order. */
      tasks: z
        .array(name(), { error: 'expected a non-empty array of task names' })
        .min(1, { error: 'expected a non-empty array of task names' })
        .max(MAX_TASKS, { error: `expected at most ${MAX_TASKS} tasks` }),
      /** `accuracy[i][j]`: percent on task j after training task i. */
      accuracy: z.array(percentRow, { error: 'expected an array of rows (one per trained task)' }),
      /** Percent on each task before any training (the initial model's zero-shot accuracy). */
      zeroShot: percentRow.optional(),
    },
    { error: 'expected an object { tasks, accuracy, zeroShot? }' },
  )
  .superRefine((m, ctx) => {
    const T = m.tasks.length;
    if (m.accuracy.length === 0 || m.accuracy.length > T) {
      ctx.addIssue({ code: 'custom', path: ['accuracy'], message: `expected 1..${T} rows (one per trained task) but it has ${m.accuracy.length}` });
    }
    m.accuracy.forEach((row, i) => {
      if (row.length !== T)
        ctx.addIssue({ code: 'custom', path: ['accuracy', i], message: `expected ${T} percentages (one per task) but it has ${row.length}` });
    });
    if (m.zeroShot && m.zeroShot.length !== T) {
      ctx.addIssue({ code: 'custom', path: ['zeroShot'], message: `expected ${T} percentages (one per task) but it has ${m.zeroShot.length}` });
    }
  });

/**
 * The summary metrics of one method: zscl's one metrics type of results.json and reports,
 * computed by lib/cl/metrics.ts (summaryMetrics) and only displayed by the report.
 */
export const methodMetricsSchema = z.object(
  {
    /** Absent for a single task, where zero-shot transfer is undefined (no later task). */
    transfer: finite().optional(),
    avg: finite(),
    last: finite(),
    /** Backward transfer: negative when learning later tasks lowered earlier ones. */
    bwt: finite().optional(),
    forgetting: finite().optional(),
  },
  { error: 'expected an object { transfer?, avg, last, bwt?, forgetting? }' },
);

const count = () => z.int({ error: 'expected an integer ≥ 0' }).min(0, { error: 'expected an integer ≥ 0' });

/** Images left out because they could not be read: per training task, and per test set (last evaluation). */
const skippedImagesSchema = z.object(
  {
    train: z.array(count(), { error: 'expected a count per task' }),
    test: z.array(count(), { error: 'expected a count per test set' }),
  },
  { error: 'expected an object { train, test }' },
);

/** One method's run: its accuracy matrix and its metrics. */
export const methodResultSchema = z.object(
  {
    /** Display name, unique within a report (e.g. "ZSCL", "Continual-FT"). */
    method: name(),
    matrix: accuracyMatrixSchema,
    metrics: methodMetricsSchema,
    /** The zero-shot guard's checks, when the run had a guard (read from metrics.jsonl). */
    guard: guardCurveSchema.optional(),
    /** Unreadable images the run skipped (runs from zscl train; absent in older results). */
    skippedImages: skippedImagesSchema.optional(),
  },
  { error: 'expected an object { method, matrix, metrics }' },
);

/**
 * The accuracy curve of a class-incremental run (docs/cil.md): after each step, the accuracy over
 * all classes seen so far; Avg is its mean (average incremental accuracy), Last its final value.
 */
export const classIncrementalSchema = z
  .object(
    {
      /** The evaluation after each step, by name, in step order. */
      steps: z
        .array(name(), { error: 'expected a non-empty array of step names' })
        .min(1, { error: 'expected a non-empty array of step names' })
        .max(MAX_TASKS, { error: `expected at most ${MAX_TASKS} steps` }),
      /** Percent over all classes seen so far, after each step. */
      stepAccuracy: percentRow,
      avg: percent,
      last: percent,
    },
    { error: 'expected an object { steps, stepAccuracy, avg, last }' },
  )
  .superRefine((c, ctx) => {
    if (c.stepAccuracy.length !== c.steps.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['stepAccuracy'],
        message: `expected ${c.steps.length} percentages (one per step) but it has ${c.stepAccuracy.length}`,
      });
    }
  });

/** One class-incremental method's run: its accuracy curve and its Avg and Last. */
export const classIncrementalResultSchema = z.object(
  {
    method: name(),
    classIncremental: classIncrementalSchema,
    metrics: z.object({ avg: finite(), last: finite() }, { error: 'expected an object { avg, last }' }),
    skippedImages: skippedImagesSchema.optional(),
  },
  { error: 'expected an object { method, classIncremental, metrics }' },
);

// An entry with `classIncremental` is a CIL run, any other a matrix run; each is checked (and its
// errors named) by its own schema rather than as an opaque union.
const reportMethodSchema = z.unknown().transform((value, ctx) => {
  const cil = typeof value === 'object' && value !== null && 'classIncremental' in value;
  const result = (cil ? classIncrementalResultSchema : methodResultSchema).safeParse(value);
  if (result.success) return result.data as z.output<typeof methodResultSchema> | z.output<typeof classIncrementalResultSchema>;
  for (const issue of result.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
  return z.NEVER;
});

/** Everything a report shows; also the format of a run's results.json. */
export const reportInputSchema = z
  .object(
    {
      /** At least one method; names are unique. */
      methods: z
        .array(reportMethodSchema, { error: 'expected a non-empty array of method results' })
        .min(1, { error: 'expected a non-empty array of method results' }),
      /** Run settings shown as "Run" in the HTML page (any JSON object; nested keys are flattened). */
      config: z.record(z.string(), z.unknown(), { error: 'expected an object' }).optional(),
      /** Heading of the HTML and Markdown pages (default "zscl report"). */
      title: name().optional(),
    },
    { error: 'expected an object { methods, config?, title? }' },
  )
  .superRefine((input, ctx) => {
    const seen = new Set<string>();
    input.methods.forEach(({ method }, k) => {
      if (seen.has(method)) ctx.addIssue({ code: 'custom', path: ['methods', k, 'method'], message: `expected a unique name; '${method}' appears twice` });
      seen.add(method);
    });
  });
