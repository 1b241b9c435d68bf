/**
 * What a run evaluates and reports, chosen once from its setting, so the runner has no setting
 * special cases. MTIL: every task's test set after every task (and before the first), an
 * accuracy matrix with Transfer/Avg/Last (docs/method.md §5). CIL: after step k only the
 * evaluation over the classes seen so far, no initial evaluation, the incremental-accuracy curve
 * with Avg and Last (docs/method.md §3, docs/cil.md).
 */
import type { ClipModel } from '../clip/model';
import type { TokenizeFn } from '../clip/zero-shot';
import { evaluateAllDataParallel } from '../distributed/evaluation';
import type { ProcessGroup } from '../distributed/process-group';
import type { ClassIncrementalResult, MethodResult } from '../report/types';
import type { CilResultsEntry } from './cil-benchmark';
import { cilResultsEntry, evaluateCilStep } from './cil-benchmark';
import type { EvaluationSet, TaskAccuracy } from './evaluation';
import { evaluateAll } from './evaluation';
import type { AccuracyMetrics } from './metrics';
import { accuracyMetrics, summaryMetrics } from './metrics';
import type { Setting } from './strategy';

/** The summary of a finished run: MTIL's accuracy matrix metrics, or CIL's curve with Avg and Last. */
export type RunSummary =
  | { setting: 'mtil'; metrics: AccuracyMetrics; entry: MethodResult }
  | { setting: 'cil'; metrics: { avg: number; last: number }; classIncremental: CilResultsEntry; entry: ClassIncrementalResult };

/** How a run evaluates its model and sums up its accuracies. */
export interface EvaluationProtocol {
  /** Evaluate the initial model before training (the zero-shot row). */
  readonly initial: boolean;
  /** A model that never changed (a strategy that does not train) may reuse its previous evaluation. */
  readonly reusesUnchanged: boolean;
  /** The evaluation of the initial model (only when `initial`). */
  beforeTraining(model: ClipModel): Promise<TaskAccuracy[]>;
  /** The evaluation after task (step) k: the accuracy row the run records. */
  afterTask(model: ClipModel, k: number): Promise<TaskAccuracy[]>;
  /** The results.json entry and metrics from the recorded rows. */
  summary(method: string, accuracy: number[][], zeroShot?: number[]): RunSummary;
}

/** What a protocol evaluates with. */
export interface ProtocolInputs {
  sets: readonly EvaluationSet[];
  tokenize: TokenizeFn;
  /** Data-parallel evaluation: sharded over the group's ranks and summed. */
  group?: ProcessGroup;
  /** MTIL: evaluate the initial model too (default true). */
  evaluateInitial?: boolean;
}

/** The protocol of `setting`. Sync. */
export function evaluationProtocol(setting: Setting, inputs: ProtocolInputs): EvaluationProtocol {
  return setting === 'cil' ? classIncrementalProtocol(inputs) : matrixProtocol(inputs);
}

function evaluator(inputs: ProtocolInputs): (model: ClipModel, sets: readonly EvaluationSet[]) => Promise<TaskAccuracy[]> {
  const { tokenize, group } = inputs;
  return (model, sets) => (group ? evaluateAllDataParallel(model, tokenize, sets, group) : evaluateAll(model, tokenize, sets));
}

function matrixProtocol(inputs: ProtocolInputs): EvaluationProtocol {
  const evaluate = evaluator(inputs);
  const names = inputs.sets.map((s) => s.name);
  return {
    initial: (inputs.evaluateInitial ?? true) && inputs.sets.length > 0,
    reusesUnchanged: true,
    beforeTraining: (model) => evaluate(model, inputs.sets),
    afterTask: (model) => evaluate(model, inputs.sets),
    summary: (method, accuracy, zeroShot) => {
      const metrics = accuracyMetrics(accuracy);
      return { setting: 'mtil', metrics, entry: { method, matrix: { tasks: names, accuracy, zeroShot }, metrics: summaryMetrics(metrics) } };
    },
  };
}

// The reference evaluates nothing before the first step, and each step's evaluation covers more
// classes than the last, so no earlier row can stand for a later one.
function classIncrementalProtocol(inputs: ProtocolInputs): EvaluationProtocol {
  const { group } = inputs;
  // One process: evaluateCilStep's own evaluation (evaluateSeenClasses); data-parallel: sharded over the ranks.
  const sharded = group ? async (m: ClipModel, t: TokenizeFn, set: EvaluationSet) => (await evaluateAllDataParallel(m, t, [set], group))[0] : undefined;
  const afterTask = async (model: ClipModel, k: number) => [await evaluateCilStep(model, inputs.tokenize, inputs.sets, k, sharded)];
  return {
    initial: false,
    reusesUnchanged: false,
    beforeTraining: (model) => afterTask(model, 0),
    afterTask,
    summary: (method, accuracy) => {
      const classIncremental = cilResultsEntry(
        inputs.sets.slice(0, accuracy.length).map((s) => s.name),
        accuracy.map((row) => row[0]),
      );
      const metrics = { avg: classIncremental.avg, last: classIncremental.last };
      return { setting: 'cil', metrics, classIncremental, entry: { method, classIncremental, metrics } };
    },
  };
}
