/**
 * WiSE-FT between tasks: after each task, θ ← α·θ_finetuned + (1 − α)·θ_task_start
 * (reference `--wise_merge --wise_ft_alpha 0.8`).
 */
import { ZsclError } from '../../errors';
import { interpolateAsync } from '../param-ops';
import type { Plugin, PluginState, TaskContext } from '../plugin';
import { TaskStartWeights } from '../snapshot';

export class WiseFtPlugin implements Plugin {
  readonly name = 'wise-ft';
  private readonly start = new TaskStartWeights();

  constructor(readonly alpha = 0.8) {
    if (!(alpha >= 0 && alpha <= 1)) throw new ZsclError(`WiSE-FT alpha must be in [0, 1], got ${alpha}`, 'E_CONFIG');
  }

  async beforeTask(task: TaskContext): Promise<void> {
    await this.start.take(task.student);
  }

  async afterTask(task: TaskContext): Promise<void> {
    const params = [...task.student.namedParameters().values()];
    await interpolateAsync(params, this.start.params, params, this.alpha);
    this.start.release();
  }

  saveState(): PluginState {
    return this.start.saveState();
  }

  loadState(state: PluginState): void {
    this.start.loadState(state);
  }

  dispose(): void {
    this.start.release();
  }
}
