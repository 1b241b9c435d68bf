/** `zscl metrics FILE [--digits N]`: Transfer / Avg / Last / BWT / forgetting of an accuracy matrix. */
import type { Command } from 'commander';
import { ZsclError, describeValue } from '../errors';
import { accuracyMetrics, checkAccuracyMatrix } from '../cl/metrics';
import { readJsonFile } from '../io/json-file';

/** The input file: task names in training order and the T×T accuracy matrix. */
export interface AccuracyFile {
  /** Task names; `task0`, `task1`, … when the file has none. */
  tasks: string[];
  /** `accuracy[i][j]`: accuracy on task j after training task i. */
  accuracy: number[][];
}

/** The metrics of one task (column); `null` where a metric does not apply to it. */
export interface TaskMetricsRow {
  task: string;
  /** Mean accuracy before training this task; null for the first task. */
  transfer: number | null;
  avg: number;
  last: number;
  /** null for the last task. */
  bwt: number | null;
  /** null for the last task. */
  forgetting: number | null;
}

/** What `zscl metrics` prints (see {@link accuracyMetrics} for the definitions). */
export interface MetricsReport {
  tasks: string[];
  transfer: number | null;
  avg: number;
  last: number;
  bwt: number | null;
  forgetting: number | null;
  perTask: TaskMetricsRow[];
}

/**
 * Reads `{"tasks": [names…], "accuracy": [[…], …]}` (tasks optional) and checks it. Sync.
 * @throws ZsclError E_IO when the file cannot be read, E_FORMAT (naming the file) when it is not
 *   JSON, lacks `accuracy`, has non-string or repeated task names, a task count that differs from
 *   the matrix, or a matrix that is not T×T finite numbers.
 */
function readAccuracyFile(path: string): AccuracyFile {
  const fail = (problem: string, cause?: unknown) => new ZsclError(`${path}: ${problem}`, 'E_FORMAT', { cause });
  const parsed = readJsonFile(path);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw fail(`expected an object {"tasks": [...], "accuracy": [[...]]} but found ${describeValue(parsed)}`);
  }
  const { tasks, accuracy } = parsed as { tasks?: unknown; accuracy?: unknown };
  if (accuracy === undefined) throw fail('missing "accuracy" (the T×T accuracy matrix)');
  let matrix: number[][];
  try {
    matrix = checkAccuracyMatrix(accuracy, '"accuracy"');
  } catch (error) {
    // The metrics' own check, re-coded as a problem of this file.
    throw fail((error as Error).message, error);
  }
  if (tasks === undefined) return { tasks: matrix.map((_, i) => `task${i}`), accuracy: matrix };
  if (!Array.isArray(tasks) || !tasks.every((name) => typeof name === 'string')) {
    throw fail(`"tasks" must be an array of task names but is ${describeValue(tasks)}`);
  }
  if (tasks.length !== matrix.length) throw fail(`"tasks" names ${tasks.length} tasks but "accuracy" is ${matrix.length}×${matrix.length}`);
  const repeated = tasks.find((name, i) => tasks.indexOf(name) !== i);
  if (repeated !== undefined) throw fail(`task '${repeated}' is named twice in "tasks"`);
  return { tasks: tasks as string[], accuracy: matrix };
}

/**
 * The metrics of an accuracy file, overall and per task, optionally rounded to `digits` decimals.
 * Sync.
 * @throws ZsclError E_ARG for an invalid matrix, a task count that differs from it, or `digits`
 *   outside 0…15.
 */
function metricsReport(input: AccuracyFile, digits?: number): MetricsReport {
  if (digits !== undefined && !(Number.isInteger(digits) && digits >= 0 && digits <= 15)) {
    throw new ZsclError(`metricsReport: digits must be an integer from 0 to 15 but is ${describeValue(digits)}`, 'E_ARG');
  }
  const round = (value: number | null) => (value === null || digits === undefined ? value : Number(value.toFixed(digits)));
  const m = accuracyMetrics(input.accuracy);
  const T = m.tasks;
  if (!Array.isArray(input.tasks) || input.tasks.length !== T) {
    throw new ZsclError(`metricsReport: expected ${T} task names for a ${T}×${T} matrix but received ${describeValue(input.tasks)}`, 'E_ARG');
  }
  return {
    tasks: input.tasks,
    transfer: round(m.transfer),
    avg: round(m.avg) as number,
    last: round(m.last) as number,
    bwt: round(m.bwt),
    forgetting: round(m.forgetting),
    perTask: input.tasks.map((task, j) => ({
      task,
      transfer: j === 0 ? null : round(m.transferPerTask[j - 1]),
      avg: round(m.avgPerTask[j]) as number,
      last: round(m.lastPerTask[j]) as number,
      bwt: j === T - 1 ? null : round(m.bwtPerTask[j]),
      forgetting: j === T - 1 ? null : round(m.forgettingPerTask[j]),
    })),
  };
}

/**
 * Registers `zscl metrics FILE [--digits N]`: reads an accuracy file (see {@link readAccuracyFile})
 * and prints {@link MetricsReport} as JSON on stdout. The action is sync and throws the coded
 * ZsclError of readAccuracyFile (E_IO, E_FORMAT) or E_ARG for a bad `--digits`; main.ts prints it.
 */
export function registerMetrics(program: Command): void {
  program
    .command('metrics')
    .description('print Transfer / Avg / Last / BWT / forgetting (overall and per task) of an accuracy matrix as JSON')
    .argument('<file>', 'JSON file {"tasks": [names], "accuracy": [[A[i][j]]]}: row i after training task i, column j = task j')
    .option('--digits <n>', 'round every number to n decimals')
    .action((file: string, options: { digits?: string }) => {
      let digits: number | undefined;
      if (options.digits !== undefined) {
        digits = /^\d+$/.test(options.digits) ? Number(options.digits) : NaN;
        if (!(digits <= 15)) throw new ZsclError(`--digits must be an integer from 0 to 15 but is '${options.digits}'`, 'E_ARG');
      }
      console.log(JSON.stringify(metricsReport(readAccuracyFile(file), digits), null, 2));
    });
}
