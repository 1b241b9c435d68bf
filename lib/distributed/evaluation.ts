/**
 * Zero-shot evaluation shared by the ranks of a data-parallel run: rank r evaluates batches
 * r, r + N, r + 2N, … of each set, and the correct/total counts are summed over ranks, so every
 * rank gets the accuracy of the whole set (the same numbers one process computes).
 */
import type { ClipModel } from '../clip/model';
import type { TokenizeFn } from '../clip/zero-shot';
import type { EvaluationSet, TaskAccuracy } from '../cl/evaluation';
import { evaluateSet } from '../cl/evaluation';
import type { ProcessGroup } from './process-group';

/** The batches of `set` that `group.rank` evaluates (the others are disposed unread). */
export function shardEvaluationSet(set: EvaluationSet, group: ProcessGroup): EvaluationSet {
  return {
    ...set,
    async *batches() {
      let index = 0;
      for await (const batch of set.batches()) {
        if (index++ % group.worldSize === group.rank) {
          yield batch;
        } else {
          batch.images.dispose();
          batch.labels.dispose();
        }
      }
    },
  };
}

/**
 * One row of the accuracy matrix, computed by all ranks together; every rank gets the same row.
 * Async. @throws ZsclError E_DIST when a peer fails.
 */
export async function evaluateAllDataParallel(
  model: ClipModel,
  tokenize: TokenizeFn,
  sets: readonly EvaluationSet[],
  group: ProcessGroup,
): Promise<TaskAccuracy[]> {
  if (sets.length === 0) return [];
  const local: TaskAccuracy[] = [];
  for (const set of sets) local.push(await evaluateSet(model, tokenize, shardEvaluationSet(set, group)));
  const sums = await group.allReduceNumbers(
    local.flatMap((a) => [a.correct, a.total, a.skipped ?? 0]),
    'sum',
  );
  return local.map((a, i) => {
    const [correct, total, skipped] = sums.slice(3 * i, 3 * i + 3);
    return { name: a.name, accuracy: total === 0 ? 0 : (100 * correct) / total, correct, total, skipped };
  });
}
