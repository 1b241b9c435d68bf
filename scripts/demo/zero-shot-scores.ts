/** Zero-shot accuracy of a demo model on the rendered world's tasks (what pretraining records). */
import { evaluateSet } from '../../lib/cl/evaluation';
import type { ClipModel } from '../../lib/clip/model';
import { tokenizeToTensor } from '../../lib/clip/tokenizer';
import { demoTokenizer } from '../../lib/demo/tokenizer';
import { CachedEvaluationSet } from '../../lib/demo/sources';
import { WORLD_TASKS } from '../../lib/demo/world';

/** Accuracy (%) per world task on its fixed test set of `count` images. Async. */
export async function worldZeroShotScores(model: ClipModel, count = 500): Promise<Record<string, number>> {
  const tokenizer = demoTokenizer(model.config);
  const tokenize = (texts: string[]) => tokenizeToTensor(tokenizer, texts, { truncate: 'eot' });
  const scores: Record<string, number> = {};
  for (const [name, make] of Object.entries(WORLD_TASKS)) {
    const set = CachedEvaluationSet.fromWorld(name, make({ size: model.config.imageResolution }), count);
    scores[name] = (await evaluateSet(model, tokenize, set)).accuracy;
  }
  return scores;
}
