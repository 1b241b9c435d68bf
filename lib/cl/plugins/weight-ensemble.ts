/**
 * WE: weight ensemble in parameter space. A copy of the student at task start is averaged with
 * the student after the step whenever `it % every == 0`: `WE ← (WE·n + S)/(n + 1)` with n
 * counting updates (so it = 0 is included). After the task the averaged weights replace the
 * student: they are what is evaluated, saved and continued from.
 */
import type { ClipModel } from '../../clip/model';
import { ZsclError } from '../../errors';
import type { Tensor } from '../../tensor/tensor';
import { copyAllAsync, weightAverageAsync } from '../param-ops';
import type { Plugin, PluginState, StepContext, TaskContext } from '../plugin';
import { frozenCopyAsync } from '../snapshot';

export class WeightEnsemblePlugin implements Plugin {
  readonly name = 'we';
  private model: ClipModel | undefined;
  private averaged: Tensor[] = [];
  private current: Tensor[] = [];
  private n = 0;
  private updates = 0;

  constructor(readonly every = 100) {
    if (!Number.isInteger(every) || every < 1) throw new ZsclError(`weight ensemble: every must be a positive integer, got ${every}`, 'E_CONFIG');
  }

  /** The averaged model of the running task (what serving hands out while it trains), or undefined between tasks. */
  servingModel(): ClipModel | undefined {
    return this.model;
  }

  /** Averaging updates so far in the run: changes exactly when the served average does. */
  servingVersion(): number {
    return this.updates;
  }

  /** Updates so far in this task. */
  get count(): number {
    return this.n;
  }

  async beforeTask(task: TaskContext): Promise<void> {
    this.release();
    this.model = await frozenCopyAsync(task.student);
    this.averaged = [...this.model.namedParameters().values()];
    this.current = [...task.student.namedParameters().values()];
    this.n = 0;
  }

  async afterStep(step: StepContext): Promise<void> {
    const update = step.it % this.every === 0;
    if (update) {
      this.n += 1;
      await weightAverageAsync(this.averaged, this.current, this.n);
      this.updates += 1;
    }
    step.trace.we_updated = update;
    step.trace.we_n = this.n;
  }

  async afterTask(): Promise<void> {
    await copyAllAsync(this.current, this.averaged);
    this.release();
  }

  saveState(): PluginState {
    return { tensors: Object.fromEntries([...(this.model?.namedParameters() ?? [])]), json: { n: this.n } };
  }

  loadState(state: PluginState): void {
    if (!this.model) return;
    this.model.loadStateDict(state.tensors ?? {});
    this.n = (state.json as { n: number }).n;
    this.updates += 1; // the served average changed
  }

  dispose(): void {
    this.release();
  }

  private release(): void {
    this.model?.dispose();
    this.model = undefined;
    this.averaged = [];
    this.current = [];
  }
}
