/**
 * The hooks a continual-learning behaviour plugs into (Avalanche style). Every hook is
 * optional; a strategy is a list of plugins. Hooks may be async; the trainer awaits them in
 * plugin order.
 */
import type { ClipModel } from '../clip/model';
import type { ProcessGroup } from '../distributed/process-group';
import type { Tensor } from '../tensor/tensor';
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
}

/** What holds during one task. */
export interface TaskContext extends RunContext {
  readonly task: TrainingTask;
  readonly taskIndex: number;
  /** Parameters the optimizer updates, by name. */
  readonly trainable: Map<string, Tensor>;
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
export interface PluginState {
  tensors?: Record<string, Tensor>;
  json?: unknown;
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
  afterRun?(run: RunContext): void | Promise<void>;
  /** State to checkpoint mid-task, and its restoration. */
  saveState?(): PluginState;
  loadState?(state: PluginState, task: TaskContext): void;
  /** Frees what the plugin holds. */
  dispose?(): void;
}
