/**
 * A class-incremental benchmark from a config's `cil` block: the dataset in its real layout, the
 * shipped (or given) class order cut into steps, each step's training data with shifted targets,
 * and the evaluation after each step over all classes seen so far (docs/cil.md).
 */
import path from 'node:path';
import type { TokenizeFn } from '../clip/zero-shot';
import type { ClipModel } from '../clip/model';
import { cifarDataset } from '../data/cifar';
import { checkClassOrder, cilClassOrder, cilDatasetKey } from '../data/cil-class-orders';
import type { Dataset } from '../data/dataset';
import { imageNet100, imageNet1k } from '../data/imagenet';
import { tinyImageNet } from '../data/tiny-imagenet';
import { ZsclError, describeValue } from '../errors';
import type { CilEvalTransform, ClassStep } from './class-incremental';
import { ClassIndex, evaluateSeenClasses, seenClassesEvaluation, splitClassOrder, stepTrainingSet } from './class-incremental';
import type { EvaluationSet, TaskAccuracy } from './evaluation';
import { classIncrementalMetrics } from './metrics';

/** The `cil` block of a benchmark config. */
export interface CilSettings {
  /** 'CIFAR100', 'TinyImageNet', 'ImageNet100' or 'ImageNet1k' (case and dashes ignored). */
  dataset: string;
  /** The folder holding the dataset (cifar-100-python/, tiny-imagenet-200/, or ImageNet's train/ and val/). */
  root: string;
  steps?: number;
  initial?: number;
  increment?: number;
  /** The class order: a shipped one by name ('cifar100', 'tinyimagenet', 'imagenet100', 'imagenet1000') or a list. Default: the dataset's shipped order. */
  classOrder?: number[] | string;
  template?: string;
  /** TinyImageNet class names: 'reference' (the reference's prompts' names) or 'words' (words.txt). Default 'reference'. */
  names?: 'reference' | 'words';
  /** Evaluation images: 'val' (default) or the reference's 'reference-train' crops (docs/cil.md). */
  evalTransform?: CilEvalTransform;
  /** ImageNet-100: the split files (default `<root>/train_100.txt`, `<root>/val_100.txt`). */
  trainList?: string;
  testList?: string;
}

/** One step as the trainer consumes it. */
export interface CilTaskData {
  name: string;
  /** The step's training samples, labelled 0…k−1 (the reference's shifted targets). */
  train: Dataset;
  /** The step's own test samples, labelled 0…k−1 (for strategies that look at one step's data). */
  test: Dataset;
  /** The step's class names (the training prompts). */
  classNames: string[];
  templates: string[];
}

/** A built class-incremental benchmark. */
export interface CilBenchmark {
  order: number[];
  steps: ClassStep[];
  /** Class names by dataset class index. */
  classNames: readonly string[];
  template: string;
  tasks: CilTaskData[];
  /** The evaluation after each step (all seen classes, union of their test sets), in step order. */
  evaluation(options: { size: number; batchSize?: number; seed?: number; maxImages?: number }): EvaluationSet[];
}

function readSplits(c: CilSettings): { train: Dataset; test: Dataset } {
  const key = cilDatasetKey(c.dataset);
  switch (key) {
    case 'cifar100':
      return { train: cifarDataset(c.root, 'cifar100', 'train'), test: cifarDataset(c.root, 'cifar100', 'test') };
    case 'tinyimagenet': {
      const names = c.names ?? 'reference';
      if (names !== 'reference' && names !== 'words')
        throw new ZsclError(`cil.names must be 'reference' or 'words' but is ${describeValue(names)}`, 'E_CONFIG');
      return { train: tinyImageNet(c.root, 'train', { names }), test: tinyImageNet(c.root, 'val', { names }) };
    }
    case 'imagenet100':
      return {
        train: imageNet100(c.root, c.trainList ?? path.join(c.root, 'train_100.txt')),
        test: imageNet100(c.root, c.testList ?? path.join(c.root, 'val_100.txt')),
      };
    case 'imagenet1000':
      return { train: imageNet1k(c.root, 'train'), test: imageNet1k(c.root, 'val') };
    default:
      throw new ZsclError(`cil.dataset must be CIFAR100, TinyImageNet, ImageNet100 or ImageNet1k but is ${describeValue(c.dataset)}`, 'E_CONFIG');
  }
}

/** The class order a `cil` block names: a shipped list by name, a given list (validated), or the dataset's shipped order. Sync. */
export function resolveClassOrder(c: Pick<CilSettings, 'dataset' | 'classOrder'>, classes: number): number[] {
  const order = c.classOrder === undefined ? cilClassOrder(c.dataset) : typeof c.classOrder === 'string' ? cilClassOrder(c.classOrder) : c.classOrder;
  return checkClassOrder(order, classes, `cil.classOrder (${typeof c.classOrder === 'string' ? c.classOrder : c.dataset})`);
}

/**
 * Reads the dataset and cuts it into steps. Sync (image files are read later, by the loaders).
 * @throws ZsclError E_CONFIG for a bad class order or split, E_IO/E_FORMAT from the dataset readers.
 */
export function cilBenchmark(c: CilSettings): CilBenchmark {
  if ((c as { orderSeed?: unknown }).orderSeed !== undefined) {
    throw new ZsclError(
      'cil.orderSeed is no longer supported: the reference reads fixed class orders; give cil.classOrder (a shipped name or a list)',
      'E_CONFIG',
    );
  }
  const { train, test } = readSplits(c);
  const classNames = train.classNames ?? [];
  const order = resolveClassOrder(c, classNames.length);
  const steps = splitClassOrder(order, { steps: c.steps, initial: c.initial, increment: c.increment });
  const template = c.template ?? 'a bad photo of a {}.';
  const trainIndex = new ClassIndex(train);
  const testIndex = new ClassIndex(test);
  const tasks = steps.map((step) => ({
    name: `step ${step.index}: classes ${step.start}-${step.end - 1}`,
    train: stepTrainingSet(trainIndex, step),
    test: testIndex.relabelled(step.classes, 0, 'test set'),
    classNames: step.classes.map((k) => classNames[k]),
    templates: [template],
  }));
  return {
    order,
    steps,
    classNames,
    template,
    tasks,
    evaluation: (o) =>
      steps.map((step) =>
        seenClassesEvaluation(testIndex, order, classNames, template, step, {
          size: o.size,
          batchSize: o.batchSize,
          seed: o.seed,
          maxImages: o.maxImages,
          transform: c.evalTransform,
        }),
      ),
  };
}

/**
 * The runner's evaluation after step `k` of a class-incremental run: only the seen-classes set of
 * that step (sets[k]); later sets hold classes not yet seen. `evaluate` lets a data-parallel run
 * shard it. Async.
 */
export async function evaluateCilStep(
  model: ClipModel,
  tokenize: TokenizeFn,
  sets: readonly EvaluationSet[],
  k: number,
  evaluate: (model: ClipModel, tokenize: TokenizeFn, set: EvaluationSet) => Promise<TaskAccuracy> = (m, t, s) => evaluateSeenClasses(m, t, s),
): Promise<TaskAccuracy> {
  if (!Number.isInteger(k) || k < 0 || k >= sets.length) throw new ZsclError(`evaluateCilStep: step ${k} is outside the ${sets.length} steps`, 'E_ARG');
  return evaluate(model, tokenize, sets[k]);
}

/** What results.json records for a class-incremental run (percent). */
export interface CilResultsEntry {
  /** The evaluation after each step, by name. */
  steps: string[];
  /** Accuracy after each step over all classes seen so far. */
  stepAccuracy: number[];
  /** Average incremental accuracy: the mean of stepAccuracy. */
  avg: number;
  /** The accuracy after the final step. */
  last: number;
}

/**
 * The results.json entry of a CIL run from the name and accuracy of each step's evaluation (the
 * runner keeps them as one-entry rows of its accuracy list). Sync.
 * @throws ZsclError E_ARG when the lists differ in length or an accuracy is not finite.
 */
export function cilResultsEntry(steps: readonly string[], stepAccuracy: readonly number[]): CilResultsEntry {
  if (steps.length !== stepAccuracy.length) throw new ZsclError(`cilResultsEntry: ${steps.length} step names but ${stepAccuracy.length} accuracies`, 'E_ARG');
  const m = classIncrementalMetrics(stepAccuracy);
  return { steps: [...steps], stepAccuracy: [...stepAccuracy], avg: m.averageIncremental, last: m.last };
}
