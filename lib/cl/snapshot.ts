/**
 * Frozen copies of a model: the zero-shot teacher, the task-start teacher (LwF), the weight
 * ensemble's running average, and the task-start anchors of WC and WiSE-FT are all made here.
 */
import type { ClipModel } from '../clip/model';
import { noGrad } from '../tensor/autograd';
import type { Tensor } from '../tensor/tensor';
import type { PluginState } from './plugin';

/** Stops every gradient of `model` and puts it in eval mode (in place; returns it). */
export function freezeAll(model: ClipModel): ClipModel {
  return model.freeze('visual', 'text', 'logit_scale').eval();
}

/** A frozen, eval-mode copy of `model`'s weights now (dispose it when done). Async. */
export async function frozenCopyAsync(model: ClipModel): Promise<ClipModel> {
  return freezeAll(await model.cloneAsync());
}

/**
 * A plugin's frozen copy of the student at task start (WC's anchor, WiSE-FT's start), checkpointed
 * with the plugin: `saveState`/`loadState` carry its parameters by position.
 */
export class TaskStartWeights {
  private model: ClipModel | undefined;
  /** The copy's parameters in the student's parameter order (empty until {@link take}). */
  params: Tensor[] = [];

  /** Copies the student's weights now, releasing an earlier copy. Async. */
  async take(student: ClipModel): Promise<void> {
    this.release();
    this.model = await frozenCopyAsync(student);
    this.params = [...this.model.namedParameters().values()];
  }

  saveState(): PluginState {
    return { tensors: Object.fromEntries(this.params.map((t, i) => [String(i), t])) };
  }

  loadState(state: PluginState): void {
    const saved = state.tensors ?? {};
    noGrad(() => this.params.forEach((t, i) => saved[String(i)] && t.copy_(saved[String(i)])));
  }

  /** Frees the copy. */
  release(): void {
    this.model?.dispose();
    this.model = undefined;
    this.params = [];
  }
}
