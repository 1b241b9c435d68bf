/**
 * WC: L2 weight consistency. Adds `weight · Σ_all params Σ (θ − θ_task_start)²` (sum reduced,
 * no ½, as the reference's `--l2`). The anchor is copied at each task start.
 */
import type { Tensor } from '../../tensor/tensor';
import { squaredDistanceAsync } from '../param-ops';
import type { LossTerm, Plugin, PluginState, StepContext, TaskContext } from '../plugin';
import { TaskStartWeights } from '../snapshot';

export class L2AnchorPlugin implements Plugin {
  readonly name = 'l2';
  private readonly anchor = new TaskStartWeights();
  private params: Tensor[] = [];

  constructor(readonly weight = 1) {}

  async beforeTask(task: TaskContext): Promise<void> {
    this.params = [...task.student.namedParameters().values()];
    await this.anchor.take(task.student);
  }

  async lossTerms(_step: StepContext): Promise<LossTerm[]> {
    if (this.weight === 0) return [];
    return [{ name: 'l2', value: await squaredDistanceAsync(this.params, this.anchor.params), weight: this.weight }];
  }

  afterTask(): void {
    this.anchor.release();
  }

  saveState(): PluginState {
    return this.anchor.saveState();
  }

  loadState(state: PluginState): void {
    this.anchor.loadState(state);
  }

  dispose(): void {
    this.anchor.release();
  }
}
