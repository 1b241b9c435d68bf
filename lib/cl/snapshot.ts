/**
 * Frozen copies of a model: the zero-shot teacher, the task-start teacher (LwF), the weight
 * ensemble's running average, and the task-start anchors of WC and WiSE-FT are all made here.
 */
import type { ClipModel } from '../clip/model';

/** Stops every gradient of `model` and puts it in eval mode (in place; returns it). */
export function freezeAll(model: ClipModel): ClipModel {
  return model.freeze('visual', 'text', 'logit_scale').eval();
}

/** A frozen, eval-mode copy of `model`'s weights now (dispose it when done). Async. */
export async function frozenCopyAsync(model: ClipModel): Promise<ClipModel> {
  return freezeAll(await model.cloneAsync());
}
