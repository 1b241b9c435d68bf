/**
 * The class-incremental protocol of the reference (its cil/ code on continuum, docs/cil.md):
 * a class order cut into steps; step t trains on the classes at its positions with targets shifted
 * to 0…k−1; after step t the model is evaluated with a softmax over the prompts of every class
 * seen so far (positions 0…end of step t) on the union of their test sets, labelled by position.
 * Avg is the mean of those accuracies over steps and Last the final one (cil-benchmark.ts).
 */
import type { ClipModel } from '../clip/model';
import type { PromptTemplate, TokenizeFn } from '../clip/zero-shot';
import { ZeroShotClassifier } from '../clip/zero-shot';
import type { Dataset, Sample } from '../data/dataset';
import { SubsetDataset, indicesByClass } from '../data/dataset';
import { DataLoader } from '../data/loader';
import { clipEvalTransform, clipTrainTransform } from '../data/transform';
import { ZsclError, describeValue } from '../errors';
import { noGrad } from '../tensor/autograd';
import { tidyAsync } from '../tensor/scope';
import type { EvaluationSet, TaskAccuracy } from './evaluation';

/** How to cut the classes into steps: `steps` equal steps, or `initial` classes then `increment` per step. */
export interface ClassSplitOptions {
  steps?: number;
  initial?: number;
  increment?: number;
}

/** One step of a split: the classes at positions [start, end) of the class order. */
export interface ClassStep {
  index: number;
  start: number;
  end: number;
  /** Dataset class indices, in class-order positions. */
  classes: number[];
}

/**
 * Cuts a class order into steps as continuum's ClassIncremental does: `steps` must divide the
 * class count, and with `initial` + `increment` (initial defaults to increment) the increment must
 * divide the classes left after the first step. Sync.
 * @throws ZsclError E_CONFIG for counts that do not divide, a first step larger than the classes,
 *   or `steps` given together with a different `increment`.
 */
export function splitClassOrder(order: readonly number[], options: ClassSplitOptions): ClassStep[] {
  const n = order.length;
  const positive = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1;
  for (const key of ['steps', 'initial', 'increment'] as const) {
    if (options[key] !== undefined && !positive(options[key]))
      throw new ZsclError(`cil.${key} must be a positive integer but is ${describeValue(options[key])}`, 'E_CONFIG');
  }
  if (n === 0) throw new ZsclError('class-incremental split: the class order is empty', 'E_CONFIG');
  const sizes: number[] = [];
  if (options.steps !== undefined) {
    if (n % options.steps !== 0) throw new ZsclError(`cil.steps ${options.steps} does not divide the ${n} classes into equal steps`, 'E_CONFIG');
    const per = n / options.steps;
    if (options.increment !== undefined && (options.increment !== per || (options.initial ?? per) !== per)) {
      throw new ZsclError(`cil.steps ${options.steps} (${per} classes each) contradicts cil.initial/increment; give one or the other`, 'E_CONFIG');
    }
    for (let k = 0; k < options.steps; k++) sizes.push(per);
  } else {
    const increment = options.increment;
    if (increment === undefined) throw new ZsclError('class-incremental split: give cil.steps, or cil.increment (with an optional cil.initial)', 'E_CONFIG');
    const initial = options.initial ?? increment;
    if (initial > n) throw new ZsclError(`cil.initial ${initial} is more than the ${n} classes`, 'E_CONFIG');
    if ((n - initial) % increment !== 0) {
      throw new ZsclError(`cil.increment ${increment} does not divide the ${n - initial} classes after the first ${initial} (${n} classes in all)`, 'E_CONFIG');
    }
    sizes.push(initial);
    for (let left = n - initial; left > 0; left -= increment) sizes.push(increment);
  }
  const steps: ClassStep[] = [];
  let start = 0;
  sizes.forEach((size, index) => {
    steps.push({ index, start, end: start + size, classes: order.slice(start, start + size) });
    start += size;
  });
  return steps;
}

/** The sample indices of each class of a dataset, found with one pass over its labels. */
export class ClassIndex {
  private readonly byClass: Map<number, number[]>;

  constructor(readonly dataset: Dataset) {
    this.byClass = indicesByClass(dataset);
  }

  /** Sample indices of `label` (empty when the dataset has none). */
  indicesOf(label: number): readonly number[] {
    return this.byClass.get(label) ?? [];
  }

  /**
   * The samples of `classes`, labelled by their position in `classes` plus `offset`, in dataset
   * order. Sync.
   * @throws ZsclError E_FORMAT naming a class without samples (an empty test or train set).
   */
  relabelled(classes: readonly number[], offset = 0, what = 'dataset'): Dataset {
    const position = new Map(classes.map((c, i) => [c, i + offset]));
    const indices: number[] = [];
    for (const c of classes) {
      const own = this.indicesOf(c);
      if (own.length === 0) throw new ZsclError(`class-incremental: the ${what} has no samples of class ${c}`, 'E_FORMAT');
      indices.push(...own);
    }
    indices.sort((a, b) => a - b);
    const subset = new SubsetDataset(this.dataset, indices);
    return {
      length: subset.length,
      classNames: this.dataset.classNames,
      sample: (i: number): Sample => {
        const s = subset.sample(i);
        return { ...s, label: position.get(s.label)! };
      },
    };
  }
}

/** The training data of a step: its classes' samples with targets shifted to 0…k−1 (the reference's CE targets). */
export function stepTrainingSet(index: ClassIndex, step: ClassStep): Dataset {
  return index.relabelled(step.classes, 0, 'training set');
}

/** The test samples of every class seen up to and including `step` (positions 0…end), labelled by position. */
export function seenTestSet(index: ClassIndex, order: readonly number[], step: ClassStep): Dataset {
  return index.relabelled(order.slice(0, step.end), 0, 'test set');
}

/**
 * Evaluation images: `'val'` (default) CLIP's deterministic val transform; `'reference-train'` the
 * training transform (RandomResizedCrop 0.9–1.0, seeded per image) that the reference's CIL
 * evaluation applies by accident (docs/cil.md).
 */
export type CilEvalTransform = 'val' | 'reference-train';

/** Options of {@link seenClassesEvaluation}. */
export interface SeenClassesEvaluationOptions {
  /** Image side (the model's resolution). */
  size: number;
  batchSize?: number;
  transform?: CilEvalTransform;
  /** Seed of the crops under `'reference-train'` (default 0). */
  seed?: number;
  /** Evaluate only the first `maxImages` samples (smoke runs). */
  maxImages?: number;
}

/**
 * The evaluation after `step`: the seen classes' names (class-order positions) under one
 * template, and batches of the union of their test sets. An {@link EvaluationSet}, so the
 * runner's (and the data-parallel) evaluation can run it too. Sync (data is read lazily).
 */
export function seenClassesEvaluation(
  index: ClassIndex,
  order: readonly number[],
  classNames: readonly string[],
  template: PromptTemplate,
  step: ClassStep,
  options: SeenClassesEvaluationOptions,
): EvaluationSet {
  const seen = order.slice(0, step.end);
  let test = seenTestSet(index, order, step);
  if (options.maxImages !== undefined && test.length > options.maxImages) {
    test = new SubsetDataset(
      test,
      Array.from({ length: options.maxImages }, (_, i) => i),
    );
  }
  const transform = options.transform ?? 'val';
  if (transform !== 'val' && transform !== 'reference-train') {
    throw new ZsclError(`cil.evalTransform must be 'val' or 'reference-train' but is ${describeValue(transform)}`, 'E_CONFIG');
  }
  const data = test;
  return {
    name: `after step ${step.index} (classes 0-${step.end - 1})`,
    classNames: seen.map((c) => classNames[c]),
    templates: [template],
    batches: () => {
      const loader = new DataLoader(data, {
        batchSize: options.batchSize ?? 128,
        transform: transform === 'val' ? clipEvalTransform({ size: options.size }) : clipTrainTransform({ size: options.size }),
        seed: options.seed ?? 0,
        onBadSample: 'skip',
      });
      return (async function* () {
        for await (const b of loader) yield { images: b.images, labels: b.labels };
      })();
    },
  };
}

/** Options of {@link evaluateSeenClasses}. */
export interface EvaluateSeenClassesOptions {
  /** Called with each batch's predicted and true class positions (e.g. to compare with an oracle). */
  onPredictions?: (predicted: readonly number[], labels: readonly number[]) => void;
}

/**
 * Top-1 accuracy over all seen classes (the reference's per-step CIL accuracy): one prompt per
 * seen class, argmax of the cosine logits (the reference's softmax does not change the argmax),
 * counted over the union of the seen test sets. Async (forwards run on worker threads).
 */
export async function evaluateSeenClasses(
  model: ClipModel,
  tokenize: TokenizeFn,
  set: EvaluationSet,
  options: EvaluateSeenClassesOptions = {},
): Promise<TaskAccuracy> {
  const classifier = await ZeroShotClassifier.buildAsync(model, tokenize, [...set.classNames], [...set.templates]);
  let correct = 0;
  let total = 0;
  try {
    for await (const batch of set.batches()) {
      await tidyAsync(async () => {
        const features = await noGrad(() => model.encodeImageAsync(batch.images));
        const predicted = noGrad(() => classifier.logits(features).argmax(-1));
        const p = Array.from(predicted.data() as ArrayLike<number | bigint>, Number);
        const l = Array.from(batch.labels.data() as ArrayLike<number | bigint>, Number);
        for (let i = 0; i < p.length; i++) if (p[i] === l[i]) correct++;
        total += l.length;
        options.onPredictions?.(p, l);
        batch.images.dispose();
        batch.labels.dispose();
      });
    }
  } finally {
    classifier.dispose();
  }
  return { name: set.name, accuracy: total === 0 ? 0 : (100 * correct) / total, correct, total };
}
