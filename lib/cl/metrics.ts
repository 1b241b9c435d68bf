/**
 * Continual-learning metrics from an accuracy matrix, as the ZSCL paper reports them
 * (`mtil/results.ipynb`, see docs/method.md §5), plus the usual BWT and forgetting.
 *
 * `A[i][j]` is the accuracy on task j after training task i; rows and columns are both in training
 * order, so the matrix is T×T. Any accuracy scale works (percent or fraction); results use the same.
 */
import { ZsclError, describeValue } from '../errors';
import { checkWithSchema } from '../io/schema-check';
import { squareAccuracySchema } from '../report/schema';
import type { MethodMetrics } from '../report/types';

export type { MethodMetrics } from '../report/types';

/** Metrics of a T×T accuracy matrix. Values undefined for a single task are `null`. */
export interface AccuracyMetrics {
  /** Number of tasks T. */
  tasks: number;
  /**
   * Zero-shot transfer: `mean_{j=1..T−1} mean_{i<j} A[i][j]`, the strict upper triangle averaged
   * per column first — accuracy on tasks not trained yet. null when T = 1.
   */
  transfer: number | null;
  /** `mean_{i,j} A[i][j]`: every entry. */
  avg: number;
  /** `mean_j A[T−1][j]`: the final row, after training every task. */
  last: number;
  /**
   * Backward transfer (Lopez-Paz & Ranzato 2017): `mean_{j<T−1} (A[T−1][j] − A[j][j])`; negative
   * when training later tasks lowered earlier ones. null when T = 1.
   */
  bwt: number | null;
  /**
   * Forgetting (Chaudhry et al. 2018, "Riemannian Walk", eq. 3 at k = T−1):
   * `mean_{j<T−1} (max_{i<T−1} A[i][j] − A[T−1][j])`, the drop from the best accuracy any earlier
   * step had on task j to the final one. As in the definition the max runs over all earlier rows,
   * so in MTIL it includes zero-shot accuracy before task j was trained. null when T = 1.
   */
  forgetting: number | null;
  /** Transfer of each column j = 1…T−1 (`mean_{i<j} A[i][j]`); length T−1. */
  transferPerTask: number[];
  /** Mean of each column j = 0…T−1; length T. */
  avgPerTask: number[];
  /** The final row, `A[T−1][j]` for j = 0…T−1; length T. */
  lastPerTask: number[];
  /** `A[T−1][j] − A[j][j]` for j = 0…T−2; length T−1. */
  bwtPerTask: number[];
  /** `max_{i<T−1} A[i][j] − A[T−1][j]` for j = 0…T−2; length T−1. */
  forgettingPerTask: number[];
}

/** Metrics of class-incremental learning from the accuracy after each step. */
export interface ClassIncrementalMetrics {
  /** Number of steps. */
  steps: number;
  /** Average incremental accuracy (Rebuffi et al. 2017, iCaRL): the mean over steps. */
  averageIncremental: number;
  /** Accuracy after the final step. */
  last: number;
}

/**
 * Transfer, Avg, Last, BWT and forgetting of a T×T accuracy matrix (see {@link AccuracyMetrics}).
 * Sync.
 * @throws ZsclError E_ARG when `accuracy` is not a non-empty square matrix of finite numbers.
 */
export function accuracyMetrics(accuracy: readonly (readonly number[])[]): AccuracyMetrics {
  const A = checkAccuracyMatrix(accuracy, 'accuracyMetrics');
  const T = A.length;
  const final = A[T - 1];
  const columns = Array.from({ length: T }, (_, j) => A.map((row) => row[j]));

  const transferPerTask = columns.slice(1).map((column, k) => mean(column.slice(0, k + 1)));
  const avgPerTask = columns.map(mean);
  const lastPerTask = [...final];
  const bwtPerTask = columns.slice(0, T - 1).map((column, j) => final[j] - column[j]);
  const forgettingPerTask = columns.slice(0, T - 1).map((column, j) => Math.max(...column.slice(0, T - 1)) - final[j]);

  return {
    tasks: T,
    transfer: T > 1 ? mean(transferPerTask) : null,
    avg: mean(A.flat()),
    last: mean(lastPerTask),
    bwt: T > 1 ? mean(bwtPerTask) : null,
    forgetting: T > 1 ? mean(forgettingPerTask) : null,
    transferPerTask,
    avgPerTask,
    lastPerTask,
    bwtPerTask,
    forgettingPerTask,
  };
}

/**
 * Average incremental accuracy and last accuracy of a class-incremental run, from the accuracy
 * (over all classes seen so far) after each step. Sync.
 * @throws ZsclError E_ARG when `stepAccuracy` is not a non-empty array of finite numbers.
 */
export function classIncrementalMetrics(stepAccuracy: readonly number[]): ClassIncrementalMetrics {
  if (!Array.isArray(stepAccuracy) || stepAccuracy.length === 0) {
    throw new ZsclError(`classIncrementalMetrics: expected a non-empty array of step accuracies but received ${describeValue(stepAccuracy)}`, 'E_ARG');
  }
  stepAccuracy.forEach((value, i) => checkFinite(value, `classIncrementalMetrics: step ${i} accuracy`));
  return { steps: stepAccuracy.length, averageIncremental: mean(stepAccuracy), last: stepAccuracy[stepAccuracy.length - 1] };
}

/**
 * Checks that `accuracy` is a T×T matrix (T ≥ 1) of finite numbers and returns it typed: the
 * schema of results.json's matrices ({@link squareAccuracySchema}). Sync.
 * @param caller names the function in error messages.
 * @throws ZsclError E_ARG naming the offending row or entry (`A[1][0]`).
 */
export function checkAccuracyMatrix(accuracy: unknown, caller = 'checkAccuracyMatrix'): number[][] {
  return checkWithSchema(squareAccuracySchema, accuracy, { source: caller, code: 'E_ARG', at: 'A' });
}

/**
 * The summary of {@link accuracyMetrics} that results.json and reports hold ({@link MethodMetrics}):
 * Transfer, BWT and forgetting are absent for a single task, where they are undefined. Sync.
 */
export function summaryMetrics(m: AccuracyMetrics): MethodMetrics {
  return {
    ...(m.transfer === null ? {} : { transfer: m.transfer }),
    avg: m.avg,
    last: m.last,
    ...(m.bwt === null ? {} : { bwt: m.bwt }),
    ...(m.forgetting === null ? {} : { forgetting: m.forgetting }),
  };
}

function checkFinite(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ZsclError(`${what} must be a finite number but is ${describeValue(value)}`, 'E_ARG');
  }
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}
