/**
 * WC: L2 weight consistency. Adds `weight · Σ_all params Σ (θ − θ_task_start)²` (sum reduced,
 * no ½, as the reference's `--l2`). The anchor is copied at each task start.
 */
import type { ClipModel } from '../../clip/model';
import { noGrad } from '../../tensor/autograd';
import type { Tensor } from '../../tensor/tensor';
import { squaredDistanceAsync } from '../param-ops';
import type { LossTerm, Plugin, PluginState, StepContext, TaskContext } from '../plugin';
import { frozenCopyAsync } from '../snapshot';

export class L2AnchorPlugin implements Plugin {
  readonly name = 'l2';
  private start: ClipModel | undefined;
  private anchor: Tensor[] = [];
  private params: Tensor[] = [];

  constructor(readonly weight = 1) {}

  async beforeTask(task: TaskContext): Promise<void> {
    this.release();
    this.params = [...task.student.namedParameters().values()];
    this.start = await frozenCopyAsync(task.student);
    this.anchor = [...this.start.namedParameters().values()];
  }

  async lossTerms(_step: StepContext): Promise<LossTerm[]> {
    if (this.weight === 0) return [];
    return [{ name: 'l2', value: await squaredDistanceAsync(this.params, this.anchor), weight: this.weight }];
  }

  afterTask(): void {
    this.release();
  }

  saveState(): PluginState {
    return { tensors: Object.fromEntries(this.anchor.map((t, i) => [String(i), t])) };
  }

  loadState(state: PluginState): void {
    const saved = state.tensors ?? {};
    noGrad(() => this.anchor.forEach((t, i) => saved[String(i)] && t.copy_(saved[String(i)])));
  }

  dispose(): void {
    this.release();
  }

  private release(): void {
    this.start?.dispose();
    this.start = undefined;
    this.anchor = [];
  }
}
