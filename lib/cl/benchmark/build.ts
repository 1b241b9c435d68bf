/**
 * Turns a validated benchmark config into a runnable experiment: the model and tokenizer, each
 * task's training stream, evaluation sets, and the data each strategy draws on.
 */
import { loadClip, loadClipAsync } from '../../clip/checkpoint';
import { ClipModel } from '../../clip/model';
import { ByteLevelTokenizer, ClipTokenizer, tokenizeToTensor } from '../../clip/tokenizer';
import type { Tokenizer, Truncation } from '../../clip/tokenizer';
import { fillTemplate } from '../../clip/zero-shot';
import type { Dataset } from '../../data/dataset';
import { SubsetDataset, fewShot, seededSubset } from '../../data/dataset';
import { imageFolderSplits } from '../../data/image-folder';
import { DataLoader } from '../../data/loader';
import { manifestDataset } from '../../data/manifest';
import { mtilDataset } from '../../data/mtil';
import { referenceImages, referenceImagesAsync, referenceTexts, virtualVocabulary } from '../../data/reference';
import { clipEvalTransform, clipTrainTransform } from '../../data/transform';
import { ZsclError } from '../../errors';
import { tensor } from '../../tensor/create';
import type { Tensor } from '../../tensor/tensor';
import { cilBenchmark } from '../cil-benchmark';
import { batchOnDevice, onDevice, resolveDevice } from '../device';
import type { Device } from '../../tensor/dtype';
import type { EvaluationSet } from '../evaluation';
import type { RunSpec } from '../runner';
import type { StrategyData, StrategyNeed } from '../strategies';
import { findStrategy } from '../strategies';
import { LoaderStream, imagesOf } from '../streams';
import type { ExampleSource, TrainingTask } from '../task';
import type { BenchmarkConfig, TaskConfig } from './config';
import { isMtilDataset, orderOf, referenceLearningRate } from './config';
import { evaluationSettings, guardSettings, referenceSettings, runSettings, taskLearningRate, trainingSettings } from './schema';

interface TaskData {
  name: string;
  train: Dataset;
  test: Dataset;
  classNames: string[];
  templates: string[];
  lr?: number;
  /** The dataset's own default rate (named MTIL datasets), below `training.lr` in precedence. */
  datasetLr?: number;
  iterations?: number;
}

/** Everything a run needs, built from a config. The caller disposes `model` and `tensors` after the run. */
export interface BuiltBenchmark {
  spec: Omit<RunSpec, 'dir'>;
  model: ClipModel;
  tensors: Tensor[];
}

function loadModel(config: BenchmarkConfig, seed: number): ClipModel {
  const m = config.model;
  if (m.checkpoint) return loadClip(m.checkpoint, { config: m.config, heads: m.heads, allowCodeExecution: m.allowCodeExecution });
  return ClipModel.create(m.config!, { seed });
}

function makeTokenizer(config: BenchmarkConfig, model: ClipModel): Tokenizer {
  const t = config.tokenizer;
  const contextLength = t.contextLength ?? model.config.contextLength;
  if (t.vocab) return ClipTokenizer.fromFile(t.vocab, { contextLength });
  return new ByteLevelTokenizer({ vocabSize: model.config.vocabSize, contextLength });
}

function mtilTask(config: BenchmarkConfig, task: TaskConfig): TaskData {
  const fromDataset = (train: Dataset, test: Dataset): TaskData => ({
    name: task.dataset,
    train,
    test,
    classNames: [...(task.classNames ?? train.classNames ?? [])],
    templates: [...(task.templates ?? train.templates ?? ['a photo of a {}.'])],
    lr: task.lr,
    iterations: task.iterations,
  });
  if (task.trainManifest) {
    if (!task.testManifest) throw new ZsclError(`task ${task.dataset}: trainManifest needs a testManifest`, 'E_CONFIG');
    return fromDataset(manifestDataset(task.trainManifest), manifestDataset(task.testManifest));
  }
  if (task.imageFolder) {
    const { train, test, classNames } = imageFolderSplits(task.imageFolder);
    return { ...fromDataset(train, test), classNames: [...(task.classNames ?? classNames)] };
  }
  if (!isMtilDataset(task.dataset))
    throw new ZsclError(`task '${task.dataset}' is not an MTIL dataset; give imageFolder or trainManifest/testManifest`, 'E_CONFIG');
  const root = config.data!.root;
  return {
    ...fromDataset(mtilDataset(task.dataset, root, 'train'), mtilDataset(task.dataset, root, 'test')),
    datasetLr: referenceLearningRate(task.dataset),
  };
}

/** What {@link buildBenchmarkAsync} reads ahead without blocking, for {@link buildBenchmark} to use. */
export interface BenchmarkReadAhead {
  model?: ClipModel;
  referenceImages?: Dataset;
}

/**
 * Promise form of {@link buildBenchmark} that keeps the event loop free while it reads the
 * checkpoint (loadClipAsync) and scans the reference image tree (referenceImagesAsync). Async.
 * @throws (rejects) as {@link buildBenchmark}.
 */
export async function buildBenchmarkAsync(config: BenchmarkConfig): Promise<BuiltBenchmark> {
  const m = config.model;
  const model = m.checkpoint ? await loadClipAsync(m.checkpoint, { config: m.config, heads: m.heads, allowCodeExecution: m.allowCodeExecution }) : undefined;
  try {
    const ref = config.reference;
    const scan = ref?.images && findStrategy(config.strategy).needs.includes('referenceImages');
    const images = scan ? (await referenceImagesAsync(ref.images!)).dataset : undefined;
    return buildBenchmark(config, { model, referenceImages: images });
  } catch (error) {
    model?.dispose();
    throw error;
  }
}

/** Builds the experiment of a config. Sync apart from nothing; data is read lazily by loaders. */
export function buildBenchmark(config: BenchmarkConfig, readAhead: BenchmarkReadAhead = {}): BuiltBenchmark {
  const training = trainingSettings(config);
  const seed = training.seed;
  const run = runSettings(config);
  const device = resolveDevice(run.device);
  const model = readAhead.model ?? loadModel(config, seed);
  if (device !== 'cpu') model.to(device);
  model.precision = run.precision;
  const tokenizer = makeTokenizer(config, model);
  const truncate: Truncation = 'eot';
  // Prompts, reference texts and evaluation classifiers all tokenise here, so all land on the model's device.
  const tokenize = (texts: string[]): Tensor => onDevice(tokenizeToTensor(tokenizer, texts, { truncate }), device);
  const size = model.config.imageResolution;
  const batchSize = training.batchSize;
  const workers = training.workers;
  const cil = config.setting === 'cil' ? cilBenchmark(config.cil!) : undefined;
  const tasks: TaskData[] = cil ? cil.tasks : orderOf(config).map((name, i) => mtilTask(config, config.tasks?.[i] ?? { dataset: name }));
  const owned: Tensor[] = [];
  const loader = (dataset: Dataset, train: boolean, shuffleSeed: number): LoaderStream =>
    new LoaderStream(
      new DataLoader(dataset, {
        batchSize,
        shuffle: true,
        seed: shuffleSeed,
        workers,
        transform: train ? clipTrainTransform({ size }) : clipEvalTransform({ size }),
        onBadSample: 'skip',
        device,
      }),
      device,
    );
  const trainingTasks: TrainingTask[] = tasks.map((t, k) => {
    const train = training.fewShot ? fewShot(t.train, training.fewShot, seed) : t.train;
    const prompts = tokenize(t.classNames.map((c) => fillTemplate(t.templates[0], c)));
    owned.push(prompts);
    const iterations = t.iterations ?? (training.epochs ? training.epochs * Math.ceil(train.length / batchSize) : training.iterations);
    return {
      name: t.name,
      classNames: t.classNames,
      classTokens: prompts,
      batches: loader(train, true, seed + k),
      iterations,
      lr: taskLearningRate(t.lr, training.lr, t.datasetLr),
      warmup: training.warmup,
    };
  });
  // CIL: after step k, all classes seen so far on the union of their test sets (docs/cil.md).
  const evaluationConfig = evaluationSettings(config);
  const evaluation: EvaluationSet[] = cil
    ? cil.evaluation({ size, batchSize: evaluationConfig.batchSize, seed, maxImages: evaluationConfig.maxImages }).map((s) => setOnDevice(s, device))
    : tasks.map((t) => evaluationSet(t, size, evaluationConfig.batchSize, seed, evaluationConfig.maxImages, device));
  // Only the data the strategy lists in its `needs` is built (reference files are read only then).
  const ref = config.reference;
  const referenceLoader = (images: Dataset): LoaderStream =>
    new LoaderStream(
      new DataLoader(images, {
        batchSize: ref?.batchSize ?? batchSize,
        shuffle: true,
        seed,
        workers,
        transform: clipEvalTransform({ size }),
        onBadSample: 'skip',
        device,
      }),
      device,
    );
  const owning = <T extends Tensor>(t: T): T => (owned.push(t), t);
  const builders: { [K in StrategyNeed]: () => StrategyData[K] } = {
    taskImages: () => (ctx) => imagesOf(loader(tasks[ctx.taskIndex].train, false, seed + 1000 + ctx.taskIndex)),
    taskPrompts: () => (ctx) => trainingTasks[ctx.taskIndex].classTokens,
    examples: () => (k) => exampleSource(tasks[k].train, size, device),
    referenceImages: () => {
      if (!ref?.images) return undefined;
      const images = readAhead.referenceImages ?? referenceImages(ref.images).dataset;
      return () => imagesOf(referenceLoader(images));
    },
    referenceTexts: () => {
      if (!ref?.texts) return undefined;
      const texts = referenceTexts(ref.texts, { column: ref.textColumn });
      return owning(tokenize(ref.maxTexts ? texts.slice(0, ref.maxTexts) : texts));
    },
    virtualTexts: () => owning(onDevice(virtualTexts(tokenizer, seed, referenceSettings(config).virtualTexts), device)),
  };
  const data: StrategyData = {};
  for (const need of findStrategy(config.strategy).needs) Object.assign(data, { [need]: builders[need]() });
  return {
    model,
    tensors: owned,
    spec: {
      model,
      tokenize,
      setting: config.setting,
      strategy: config.strategy,
      strategyOptions: config.strategyOptions,
      strategyData: data,
      tasks: trainingTasks,
      evaluation,
      evaluateInitial: evaluationConfig.initial,
      trainer: { labelSmoothing: training.labelSmoothing, trainMode: training.trainMode, nonFinite: training.nonFinite },
      checkpointEvery: run.checkpointEvery,
      precision: run.precision,
      guard: guardSpec(config, tasks, size, evaluationConfig.batchSize, seed, device),
      config,
      method: config.name ?? config.strategy,
    },
  };
}

// The guard of a config: its probe tasks become small evaluation sets, a probe folder passes through.
function guardSpec(config: BenchmarkConfig, tasks: TaskData[], size: number, batchSize: number, seed: number, device: Device): RunSpec['guard'] {
  const guard = guardSettings(config);
  if (!guard) return undefined;
  const { probe, ...rest } = guard;
  if (!('tasks' in probe)) return { ...rest, probe };
  const sets = probe.tasks.map((name, i) => {
    const task = tasks.find((t) => t.name === name);
    if (!task)
      throw new ZsclError(`benchmark config: guard.probe.tasks[${i}]: no task named '${name}' (tasks: ${tasks.map((t) => t.name).join(', ')})`, 'E_CONFIG');
    return evaluationSet(task, size, batchSize, seed, probe.maxImages, device);
  });
  return { ...rest, probe: sets };
}

// A set whose batches arrive on `device`.
function setOnDevice(set: EvaluationSet, device: Device): EvaluationSet {
  if (device === 'cpu') return set;
  return {
    ...set,
    batches: () =>
      (async function* () {
        for await (const b of set.batches()) yield batchOnDevice(b, device);
      })(),
  };
}

function evaluationSet(task: TaskData, size: number, batchSize: number, seed: number, maxImages: number | undefined, device: Device): EvaluationSet {
  const test = maxImages && task.test.length > maxImages ? seededSubset(task.test, maxImages, seed) : task.test;
  return {
    name: task.name,
    classNames: task.classNames,
    templates: task.templates,
    batches: () => {
      const loader = new DataLoader(test, { batchSize, transform: clipEvalTransform({ size }), onBadSample: 'skip', device });
      return (async function* () {
        for await (const b of loader) yield batchOnDevice({ images: b.images, labels: b.labels, skipped: b.skipped.length }, device);
      })();
    },
  };
}

function exampleSource(dataset: Dataset, size: number, device: Device): ExampleSource {
  return {
    length: dataset.length,
    load: async (indices) => {
      const loader = new DataLoader(new SubsetDataset(dataset, indices), {
        batchSize: Math.max(1, indices.length),
        transform: clipEvalTransform({ size }),
        onBadSample: 'skip',
        device,
      });
      for await (const b of loader) return batchOnDevice({ images: b.images, labels: b.labels }, device);
      throw new ZsclError('iCaRL: no exemplar image could be loaded', 'E_IO');
    },
  };
}

// LwF-VR's "virtual vocabulary": random token rows drawn once per run from `seed`.
function virtualTexts(tokenizer: Tokenizer, seed: number, count: number): Tensor {
  const contextLength = tokenizer.contextLength;
  const rows = virtualVocabulary(seed, { count, vocabSize: tokenizer.vocabSize, sot: tokenizer.sot, eot: tokenizer.eot, contextLength });
  const flat = new Int32Array(rows.length * contextLength);
  rows.forEach((r, i) => flat.set(r, i * contextLength));
  return tensor(flat, { shape: [rows.length, contextLength], dtype: 'int64' });
}
