/**
 * The hooks a continual-learning behaviour plugs into (Avalanche style). Every hook is
 * optional; a strategy is a list of plugins. Hooks may be async; the trainer awaits them in
 * plugin order. This is the one hook mechanism: the runner's checkpointing, its step events and
 * the service's model serving are plugins too (added after the strategy's and the user's).
 */
import type { ClipModel } from '../clip/model';
import type { ProcessGroup } from '../distributed/process-group';
import type { Tensor } from '../tensor/tensor';
import type { CheckpointState } from './checkpoint-state';
import type { TaskAccuracy } from './evaluation';
import type { Optimizer } from './optimizer';
import type { Batch, TrainingTask } from './task';

/** What stays fixed for a whole run. */
export interface RunContext {
  /** The model being trained (its weights change every step). */
  readonly student: ClipModel;
  /** A frozen copy of the model before the first task: the zero-shot teacher. */
  readonly initial: ClipModel;
  /** exp(logit_scale) of the student (frozen, so constant). */
  readonly logitScale: number;
  /**
   * Data-parallel runs only: this process's group. `batch` is then this rank's shard; plugins
   * whose loss couples the samples of a batch gather over it (see DistillationPlugin).
   */
  readonly group?: ProcessGroup;
  /** Every plugin of the run, in hook order (plugins may look for a capability, e.g. {@link Plugin.servingModel}). */
  readonly plugins: readonly Plugin[];
}

/** What holds during one task. */
export interface TaskContext extends RunContext {
  readonly task: TrainingTask;
  readonly taskIndex: number;
  /** Parameters the optimizer updates, by name. */
  readonly trainable: Map<string, Tensor>;
  /** The task's optimizer (fresh at each task start). */
  readonly optimizer: Optimizer;
}

/** One weighted term of the loss. `value` is unweighted (it is what traces report). */
export interface LossTerm {
  name: string;
  value: Tensor;
  weight: number;
}

/** What holds during one step. */
export interface StepContext extends TaskContext {
  /** Iteration within the task, 0…iterations. */
  readonly it: number;
  readonly lr: number;
  /** The task batch (in data-parallel runs, this rank's shard of the global batch). */
  readonly batch: Batch;
  /** Student image features (not normalised) of the images a plugin asked for in `studentImages`. */
  studentFeatures(plugin: Plugin): Tensor | undefined;
  /** Per-step values for the trace (numbers and booleans), filled by the trainer and plugins. */
  readonly trace: Record<string, number | boolean>;
}

/** Serializable plugin state for checkpoints: tensors by name plus JSON. */
export type PluginState = CheckpointState;

/** What happened in one step: what the runner's 'step' event and metrics.jsonl report. */
export interface StepEvent {
  task: string;
  taskIndex: number;
  it: number;
  iterations: number;
  lr: number;
  loss: number;
  /** Unweighted terms by name (ce, l2, distill_img, …) and plugin trace values. */
  trace: Record<string, number | boolean>;
  /** The loss was not finite and the step was skipped (nonFinite: 'skip'). */
  skipped: boolean;
}

/** The event of a finished step, read in `afterStep` (after the plugins before have traced). */
export function stepEvent(step: StepContext): StepEvent {
  const loss = step.trace.loss as number;
  return {
    task: step.task.name,
    taskIndex: step.taskIndex,
    it: step.it,
    iterations: step.task.iterations,
    lr: step.lr,
    loss,
    trace: step.trace,
    skipped: !Number.isFinite(loss),
  };
}

/** A plugin that calls `listener` after every step (put it last to see every plugin's trace). */
export function stepListener(listener: (event: StepEvent) => void | Promise<void>, name = 'step-listener'): Plugin {
  return { name, afterStep: (step) => listener(stepEvent(step)) };
}

export interface Plugin {
  /** Unique within a strategy; names checkpoint entries. */
  readonly name: string;
  beforeRun?(run: RunContext): void | Promise<void>;
  beforeTask?(task: TaskContext): void | Promise<void>;
  /** Images whose student features this plugin needs; joined into the step's one image forward. */
  studentImages?(step: StepContext): Tensor | undefined | Promise<Tensor | undefined>;
  /** Loss terms to add to the current-task cross-entropy. */
  lossTerms?(step: StepContext): LossTerm[] | Promise<LossTerm[]>;
  /** After backward, before the optimizer step (gradients are available). */
  afterBackward?(step: StepContext): void | Promise<void>;
  /** After the optimizer step. */
  afterStep?(step: StepContext): void | Promise<void>;
  /** After the last step of a task (e.g. put the averaged weights into the student). */
  afterTask?(task: TaskContext): void | Promise<void>;
  /** runExperiment only: after the model of a finished task was checkpointed and evaluated (also when the strategy does not train). */
  afterEvaluation?(run: RunContext, result: { taskIndex: number; name: string; accuracy: TaskAccuracy[] }): void | Promise<void>;
  afterRun?(run: RunContext): void | Promise<void>;
  /** State to checkpoint mid-task, and its restoration (after every plugin's `beforeTask`): the checkpoint interface the optimizer shares. */
  saveState?(): CheckpointState;
  loadState?(state: CheckpointState, task: TaskContext): void;
  /** A capability: the model to serve while training runs, if not the student (e.g. the weight ensemble's average). */
  servingModel?(): ClipModel | undefined;
  /**
   * With {@link servingModel}: a number that changes whenever the served weights change (the
   * service snapshots the model when it does). Without it the service snapshots at task ends only.
   */
  servingVersion?(): number;
  /** Frees what the plugin holds. */
  dispose?(): void;
}

/** The first plugin with a serving model now (e.g. the weight ensemble's running average), or undefined. */
export function servingPlugin(plugins: readonly Plugin[]): { plugin: Plugin; model: ClipModel } | undefined {
  for (const plugin of plugins) {
    const model = plugin.servingModel?.();
    if (model) return { plugin, model };
  }
  return undefined;
}
