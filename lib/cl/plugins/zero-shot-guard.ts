/**
 * The live zero-shot guard: every `every` steps (and at each task's last step) the zero-shot
 * accuracy of the served model (the weight-ensemble average when the strategy averages, else the
 * student) on a small probe is compared with the initial model's (measured once at run
 * start). A drop of more than `maxDrop` points warns, stops the run (E_GUARD, after a checkpoint)
 * or rolls back to the last state that passed a check, in memory: the student's weights, the
 * optimizer's moments and every plugin's checkpoint state (e.g. the weight-ensemble average).
 * Rollback keeps a snapshot at each task start and at each check that passes; the batch stream and
 * the learning-rate schedule go on (the rolled-back steps are not replayed).
 */
import type { ClipModel } from '../../clip/model';
import type { TokenizeFn } from '../../clip/zero-shot';
import { ZsclError } from '../../errors';
import { noGrad } from '../../tensor/autograd';
import { keep } from '../../tensor/scope';
import type { Tensor } from '../../tensor/tensor';
import type { CheckpointState } from '../checkpoint-state';
import type { EvaluationSet } from '../evaluation';
import { evaluateAll } from '../evaluation';
import type { Plugin, RunContext, StepContext, TaskContext } from '../plugin';
import { servingPlugin } from '../plugin';
import type { FolderProbe } from './guard-probe';
import { folderProbe } from './guard-probe';

/** What a guard does when the probe accuracy drops more than `maxDrop` points. */
export type GuardAction = 'warn' | 'stop' | 'rollback';

/** `guard` of a run: see {@link ZeroShotGuardPlugin}. */
export interface GuardOptions {
  /** Evaluation sets (keep them small: they run every `every` steps), or an image folder with class names. */
  probe: readonly EvaluationSet[] | FolderProbe;
  /** Steps between checks (a check also runs at each task's last step). */
  every: number;
  /** Largest allowed drop, in accuracy points, of the probe's mean accuracy below the initial model's. */
  maxDrop: number;
  /** Default 'warn'. */
  action?: GuardAction;
  /** After a rollback, what a later trip does: roll back again, or stop (default). */
  repeat?: 'rollback' | 'stop';
  /**
   * Which model is probed: 'served' (default) the model a service would serve, i.e. the weight
   * ensemble's average when the strategy averages (what the task ends with), else the student;
   * 'student' always the student.
   */
  watch?: 'served' | 'student';
}

/** One check: the student's mean probe accuracy (percent) against the initial model's. */
export interface RetentionEvent {
  taskIndex: number;
  it: number;
  accuracy: number;
  initial: number;
  /** initial − accuracy, in points (negative when the student does better). */
  drop: number;
  /** The guard's bound (points). */
  maxDrop: number;
  /** Whether drop > maxDrop. */
  tripped: boolean;
  /** Wall time of this check, in seconds. */
  seconds: number;
}

/** A tripped check and what the guard did. */
export interface GuardEvent extends RetentionEvent {
  action: GuardAction;
}

/** What the runner gives the guard. */
export interface GuardHooks {
  tokenize: TokenizeFn;
  /** Every check. */
  retention(event: RetentionEvent): void;
  /** Every trip, after its action was carried out (for stop: after the checkpoint, before the error). */
  tripped(event: GuardEvent): void;
  /** Writes a mid-task checkpoint of this step now; returns its file. */
  checkpoint(step: StepContext): Promise<string | undefined>;
}

// A state that passed: the student's weights and every part with checkpoint state, as copies.
interface Snapshot {
  taskIndex: number;
  student: Record<string, Tensor>;
  parts: Map<Partial<Pick<Plugin, 'loadState'>>, CheckpointState>;
}

export class ZeroShotGuardPlugin implements Plugin {
  readonly name = 'zero-shot-guard';
  private probe: readonly EvaluationSet[] = [];
  private initial = Number.NaN;
  private snapshot: Snapshot | undefined;
  private rolledBack = false;
  private checks = 0;
  private checkSeconds = 0;
  private steps = 0;

  constructor(
    readonly options: GuardOptions,
    private readonly hooks: GuardHooks,
  ) {
    const { every, maxDrop, action = 'warn', repeat = 'stop' } = options;
    if (!Number.isInteger(every) || every < 1) throw new ZsclError(`guard: every must be a positive integer, got ${every}`, 'E_CONFIG');
    if (!(Number.isFinite(maxDrop) && maxDrop >= 0)) throw new ZsclError(`guard: maxDrop must be a number of points ≥ 0, got ${maxDrop}`, 'E_CONFIG');
    if (!['warn', 'stop', 'rollback'].includes(action)) throw new ZsclError(`guard: action must be warn, stop or rollback, got ${String(action)}`, 'E_CONFIG');
    if (!['rollback', 'stop'].includes(repeat)) throw new ZsclError(`guard: repeat must be rollback or stop, got ${String(repeat)}`, 'E_CONFIG');
    if (!['served', 'student'].includes(options.watch ?? 'served'))
      throw new ZsclError(`guard: watch must be served or student, got ${String(options.watch)}`, 'E_CONFIG');
  }

  /** The initial model's mean probe accuracy (NaN before the run starts). */
  get initialAccuracy(): number {
    return this.initial;
  }

  /** What the guard cost so far: checks, their total seconds, and seconds per training step. */
  cost(): { checks: number; seconds: number; perStep: number } {
    return { checks: this.checks, seconds: this.checkSeconds, perStep: this.steps ? this.checkSeconds / this.steps : 0 };
  }

  async beforeRun(run: RunContext): Promise<void> {
    const probe = this.options.probe;
    this.probe = isFolderProbe(probe) ? [await folderProbe(probe, run.student.config.imageResolution)] : probe;
    if (this.probe.length === 0) throw new ZsclError('guard: the probe has no evaluation sets', 'E_CONFIG');
    this.initial = await this.score(run.initial);
  }

  // After every other plugin's beforeTask (and a resumed checkpoint's restore): a fresh optimizer and task state.
  async beforeTask(task: TaskContext): Promise<void> {
    if (this.options.action === 'rollback') this.keepSnapshot(task);
  }

  async afterStep(step: StepContext): Promise<void> {
    this.steps += 1;
    if ((step.it + 1) % this.options.every !== 0 && step.it !== step.task.iterations) return;
    const start = performance.now();
    const accuracy = await this.score(this.watched(step));
    const seconds = (performance.now() - start) / 1000;
    this.checks += 1;
    this.checkSeconds += seconds;
    const drop = this.initial - accuracy;
    const tripped = drop > this.options.maxDrop;
    const event: RetentionEvent = {
      taskIndex: step.taskIndex,
      it: step.it,
      accuracy,
      initial: this.initial,
      drop,
      maxDrop: this.options.maxDrop,
      tripped,
      seconds,
    };
    this.hooks.retention(event);
    const configured = this.options.action ?? 'warn';
    if (!tripped) {
      if (configured === 'rollback') this.keepSnapshot(step);
      return;
    }
    const action = configured === 'rollback' && this.rolledBack && (this.options.repeat ?? 'stop') === 'stop' ? 'stop' : configured;
    if (action === 'stop') {
      const file = await this.hooks.checkpoint(step);
      this.hooks.tripped({ ...event, action });
      throw new ZsclError(
        `zero-shot guard: probe accuracy ${accuracy.toFixed(2)}% is ${drop.toFixed(2)} points below the initial ${this.initial.toFixed(2)}% ` +
          `(maxDrop ${this.options.maxDrop}) at task ${step.taskIndex} (${step.task.name}) iteration ${step.it}; ` +
          `the run stopped${file ? ` after checkpointing it to ${file}` : ''}. Lower the learning rate or add regularisation, then resume or restart.`,
        'E_GUARD',
      );
    }
    if (action === 'rollback') {
      this.restore(step);
      this.rolledBack = true;
    }
    this.hooks.tripped({ ...event, action });
  }

  dispose(): void {
    this.dropSnapshot();
  }

  private watched(step: StepContext): ClipModel {
    if ((this.options.watch ?? 'served') === 'student') return step.student;
    return servingPlugin(step.plugins)?.model ?? step.student;
  }

  private async score(model: ClipModel): Promise<number> {
    const rows = await evaluateAll(model, this.hooks.tokenize, this.probe);
    return rows.reduce((sum, r) => sum + r.accuracy, 0) / rows.length;
  }

  // The parts a rollback restores besides the student: the optimizer and every plugin with state.
  private parts(task: TaskContext): Partial<Pick<Plugin, 'saveState' | 'loadState'>>[] {
    return [task.optimizer, ...task.plugins.filter((p) => p !== this)];
  }

  private keepSnapshot(task: TaskContext): void {
    this.dropSnapshot();
    noGrad(() => this.takeSnapshot(task));
  }

  private takeSnapshot(task: TaskContext): void {
    const student: Record<string, Tensor> = {};
    for (const [name, p] of task.student.namedParameters()) student[name] = keep(p.clone());
    const parts = new Map<Partial<Pick<Plugin, 'loadState'>>, CheckpointState>();
    for (const part of this.parts(task)) {
      const saved = part.saveState?.();
      if (!saved) continue;
      const owned = part === task.optimizer; // the optimizer hands out new handles; plugins their live tensors
      const tensors: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(saved.tensors ?? {})) {
        const copy = cloneUnlessEmpty(t);
        if (copy) tensors[name] = keep(copy);
        if (owned) t.dispose();
      }
      parts.set(part, { tensors, json: structuredClone(saved.json) });
    }
    this.snapshot = { taskIndex: task.taskIndex, student, parts };
  }

  private restore(task: TaskContext): void {
    const snapshot = this.snapshot;
    if (!snapshot || snapshot.taskIndex !== task.taskIndex) throw new ZsclError('zero-shot guard: no snapshot of this task to roll back to', 'E_GUARD');
    task.student.loadStateDict(snapshot.student);
    for (const [part, state] of snapshot.parts) {
      // Copies go in, so a later rollback to the same snapshot finds it unchanged.
      const copies = noGrad(() => Object.fromEntries(Object.entries(state.tensors ?? {}).map(([name, t]) => [name, t.clone()])));
      try {
        part.loadState?.({ tensors: copies, json: structuredClone(state.json) }, task);
      } finally {
        for (const t of Object.values(copies)) t.dispose();
      }
    }
  }

  private dropSnapshot(): void {
    if (!this.snapshot) return;
    for (const t of Object.values(this.snapshot.student)) t.dispose();
    for (const state of this.snapshot.parts.values()) for (const t of Object.values(state.tensors ?? {})) t.dispose();
    this.snapshot = undefined;
  }
}

function isFolderProbe(probe: GuardOptions['probe']): probe is FolderProbe {
  return !Array.isArray(probe);
}

// A parameter without optimizer state yet comes as a handle without a tensor (E_DISPOSED on use): its step count 0 restores it.
function cloneUnlessEmpty(t: Tensor): Tensor | undefined {
  try {
    return t.clone();
  } catch (error) {
    if ((error as ZsclError).code === 'E_DISPOSED') return undefined;
    throw error;
  }
}
