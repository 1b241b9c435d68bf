/**
 * WiSE-FT between tasks: after each task, θ ← α·θ_finetuned + (1 − α)·θ_task_start
 * (reference `--wise_merge --wise_ft_alpha 0.8`).
 */
import type { ClipModel } from '../../clip/model';
import { ZsclError } from '../../errors';
import { noGrad } from '../../tensor/autograd';
import type { Tensor } from '../../tensor/tensor';
import { interpolateAsync } from '../param-ops';
import type { Plugin, PluginState, TaskContext } from '../plugin';
import { frozenCopyAsync } from '../snapshot';

export class WiseFtPlugin implements Plugin {
  readonly name = 'wise-ft';
  private startModel: ClipModel | undefined;
  private start: Tensor[] = [];

  constructor(readonly alpha = 0.8) {
    if (!(alpha >= 0 && alpha <= 1)) throw new ZsclError(`WiSE-FT alpha must be in [0, 1], got ${alpha}`, 'E_CONFIG');
  }

  async beforeTask(task: TaskContext): Promise<void> {
    this.release();
    this.startModel = await frozenCopyAsync(task.student);
    this.start = [...this.startModel.namedParameters().values()];
  }

  async afterTask(task: TaskContext): Promise<void> {
    const params = [...task.student.namedParameters().values()];
    await interpolateAsync(params, this.start, params, this.alpha);
    this.release();
  }

  saveState(): PluginState {
    return { tensors: Object.fromEntries(this.start.map((t, i) => [String(i), t])) };
  }

  loadState(state: PluginState): void {
    const saved = state.tensors ?? {};
    noGrad(() => this.start.forEach((t, i) => saved[String(i)] && t.copy_(saved[String(i)])));
  }

  dispose(): void {
    this.release();
  }

  private release(): void {
    this.startModel?.dispose();
    this.startModel = undefined;
    this.start = [];
  }
}
