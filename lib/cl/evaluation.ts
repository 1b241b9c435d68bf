/**
 * Zero-shot evaluation as the reference does it (mtil/src/models/evaluation.py): for each task,
 * class weights from all its templates (normalised per template, averaged, re-normalised),
 * logits = 100·norm(image features)·Wᵀ, top-1 over that task's classes only.
 */
import type { ClipModel } from '../clip/model';
import type { PromptTemplate, TokenizeFn } from '../clip/zero-shot';
import { ZeroShotClassifier } from '../clip/zero-shot';
import { noGrad } from '../tensor/autograd';
import { tidyAsync } from '../tensor/scope';
import { batchOnDevice } from './device';
import type { Batch } from './task';

/** A task's test data and prompts. `batches()` yields the whole test set once (val transform). */
export interface EvaluationSet {
  name: string;
  classNames: readonly string[];
  templates: readonly PromptTemplate[];
  batches(): AsyncIterable<Batch>;
}

export interface TaskAccuracy {
  name: string;
  /** Top-1 accuracy in percent. */
  accuracy: number;
  correct: number;
  total: number;
  /** Test images left out because they could not be read (counted when the batches say). */
  skipped?: number;
}

/** Top-1 zero-shot accuracy of `model` on one set. Async (forwards run on worker threads). */
export async function evaluateSet(model: ClipModel, tokenize: TokenizeFn, set: EvaluationSet, options: { scale?: number } = {}): Promise<TaskAccuracy> {
  const classifier = await ZeroShotClassifier.buildAsync(model, tokenize, [...set.classNames], [...set.templates]);
  let correct = 0;
  let total = 0;
  let skipped = 0;
  try {
    for await (const read of set.batches()) {
      // Sets built for the model's device arrive there; others (e.g. a guard probe's) are copied.
      const batch = batchOnDevice(read, model.device);
      await tidyAsync(async () => {
        const features = await noGrad(() => model.encodeImageAsync(batch.images));
        const predicted = noGrad(() => classifier.logits(features, options.scale ?? 100).argmax(-1));
        const hits = predicted.eq(batch.labels).sum().item();
        correct += hits;
        total += batch.labels.shape[0];
        skipped += batch.skipped ?? 0;
        batch.images.dispose();
        batch.labels.dispose();
      });
    }
  } finally {
    classifier.dispose();
  }
  return { name: set.name, accuracy: total === 0 ? 0 : (100 * correct) / total, correct, total, skipped };
}

/** One row of the accuracy matrix: accuracy on every set, in order. Async. */
export async function evaluateAll(model: ClipModel, tokenize: TokenizeFn, sets: readonly EvaluationSet[]): Promise<TaskAccuracy[]> {
  const out: TaskAccuracy[] = [];
  for (const set of sets) out.push(await evaluateSet(model, tokenize, set));
  return out;
}
