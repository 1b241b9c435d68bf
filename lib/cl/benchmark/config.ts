/**
 * Benchmark configuration files (JSON): what to train, on which tasks, with which strategy.
 * Validated up front; every error names the field and what was expected.
 *
 * MTIL example:
 *   { "setting": "mtil", "strategy": "zscl", "order": "I", "data": { "root": "/data" },
 *     "model": { "checkpoint": "ViT-B-16.safetensors" }, "tokenizer": { "vocab": "bpe_simple_vocab_16e6.txt.gz" },
 *     "reference": { "images": "/data/ImageNet/train", "texts": "/data/cc.csv", "textColumn": "title" } }
 * Class-incremental example:
 *   { "setting": "cil", "strategy": "zscl", "cil": { "dataset": "CIFAR100", "root": "/data", "steps": 10 }, ... }
 */
import { ZsclError, describeValue } from '../../errors';
import type { MtilDatasetName } from '../../data/mtil';
import { MTIL_ORDER_I, MTIL_ORDER_II } from '../../data/mtil';
import type { Setting, StrategyName, StrategyOptions } from '../strategies';
import { STRATEGIES } from '../strategies';
import type { TrainMode } from '../trainer';

/** One MTIL task: a known dataset under `data.root`, or a custom image folder / manifest. */
export interface TaskConfig {
  /** An MTIL dataset name, or a label for a custom dataset. */
  dataset: string;
  /** Custom datasets: a folder per class (train/ and test/ inside, or split 80/20 seed 42). */
  imageFolder?: string;
  /** Custom datasets: CSV/JSONL manifests of path,label. */
  trainManifest?: string;
  testManifest?: string;
  classNames?: string[];
  templates?: string[];
  /** Overrides of the training defaults for this task. */
  lr?: number;
  iterations?: number;
}

export interface BenchmarkConfig {
  name?: string;
  setting: Setting;
  strategy: StrategyName;
  strategyOptions?: StrategyOptions;
  model: { checkpoint?: string; config?: string; allowCodeExecution?: boolean; heads?: { vision?: number; text?: number } };
  tokenizer: { vocab?: string; byteLevel?: boolean; contextLength?: number };
  data?: { root: string };
  /** MTIL: "I", "II" or a list of dataset names (with `data.root`). */
  order?: 'I' | 'II' | string[];
  /** MTIL: tasks in order (overrides `order`). */
  tasks?: TaskConfig[];
  /** Class-incremental split. */
  cil?: {
    dataset: 'CIFAR100' | 'TinyImageNet' | string;
    root: string;
    /** Number of tasks with equal class counts (10, 20, 50 for CIFAR-100)… */
    steps?: number;
    /** …or initial classes then an increment (TinyImageNet 100 + 5/10/20). */
    initial?: number;
    increment?: number;
    /** Class order (all class indices) or a seed for a random one (default: the natural order). */
    classOrder?: number[];
    orderSeed?: number;
    template?: string;
  };
  training?: {
    iterations?: number;
    epochs?: number;
    warmup?: number;
    batchSize?: number;
    lr?: number;
    labelSmoothing?: number;
    seed?: number;
    trainMode?: TrainMode;
    workers?: number;
    fewShot?: number;
    nonFinite?: 'stop' | 'skip';
  };
  reference?: { images?: string; texts?: string; textColumn?: string; batchSize?: number; maxTexts?: number; virtualTexts?: number };
  evaluation?: { batchSize?: number; initial?: boolean; maxImages?: number };
  checkpointEvery?: number;
}

/** Per-dataset learning rates of the reference MTIL script (ZSCL.sh): 5e-5 for Aircraft and MNIST. */
export function referenceLearningRate(dataset: string): number {
  return dataset === 'Aircraft' || dataset === 'MNIST' ? 5e-5 : 1e-5;
}

function fail(field: string, expected: string, value: unknown): never {
  throw new ZsclError(`benchmark config: ${field} must be ${expected} but is ${describeValue(value)}`, 'E_CONFIG');
}

function optionalNumber(o: Record<string, unknown> | undefined, key: string, field: string, check: (v: number) => boolean, expected: string): void {
  if (!o || o[key] === undefined) return;
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) fail(`${field}.${key}`, expected, v);
}

/** Checks a parsed config file. Sync. @throws ZsclError E_CONFIG naming the first bad field. */
export function validateBenchmarkConfig(json: unknown): BenchmarkConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('the config', 'a JSON object', json);
  const c = json as Record<string, unknown>;
  if (c.setting !== 'mtil' && c.setting !== 'cil') fail('setting', "'mtil' or 'cil'", c.setting);
  if (!STRATEGIES.includes(c.strategy as StrategyName)) fail('strategy', `one of ${STRATEGIES.join(', ')}`, c.strategy);
  const model = c.model as Record<string, unknown> | undefined;
  if (!model || typeof model !== 'object') fail('model', 'an object with checkpoint and/or config', model);
  if (model.checkpoint === undefined && model.config === undefined) fail('model', 'an object with checkpoint and/or config', model);
  const tokenizer = c.tokenizer as Record<string, unknown> | undefined;
  if (!tokenizer || (typeof tokenizer.vocab !== 'string' && tokenizer.byteLevel !== true)) {
    fail('tokenizer', '{ "vocab": PATH } or { "byteLevel": true }', tokenizer);
  }
  if (c.setting === 'mtil') {
    if (c.tasks === undefined && c.order === undefined) fail('tasks/order', 'a task list or an MTIL order ("I", "II" or names)', undefined);
    if (c.order !== undefined && c.order !== 'I' && c.order !== 'II' && !Array.isArray(c.order)) fail('order', '"I", "II" or a list of dataset names', c.order);
    if (
      (c.order !== undefined || (Array.isArray(c.tasks) && c.tasks.some((t) => !(t as TaskConfig).imageFolder && !(t as TaskConfig).trainManifest))) &&
      !(c.data as { root?: unknown } | undefined)?.root
    ) {
      fail('data.root', 'the folder holding the MTIL datasets', (c.data as { root?: unknown } | undefined)?.root);
    }
    if (c.tasks !== undefined) {
      if (!Array.isArray(c.tasks) || c.tasks.length === 0) fail('tasks', 'a non-empty list', c.tasks);
      c.tasks.forEach((t, i) => {
        if (!t || typeof (t as TaskConfig).dataset !== 'string') fail(`tasks[${i}].dataset`, 'a dataset name', (t as TaskConfig)?.dataset);
      });
    }
  } else {
    const cil = c.cil as Record<string, unknown> | undefined;
    if (!cil || typeof cil.dataset !== 'string' || typeof cil.root !== 'string') fail('cil', '{ dataset, root, steps | initial + increment }', cil);
    if (cil.steps === undefined && cil.increment === undefined) fail('cil.steps', 'a number of tasks (or give initial and increment)', undefined);
    optionalNumber(cil, 'steps', 'cil', (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
    optionalNumber(cil, 'increment', 'cil', (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
    optionalNumber(cil, 'initial', 'cil', (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  }
  const training = c.training as Record<string, unknown> | undefined;
  optionalNumber(training, 'iterations', 'training', (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  optionalNumber(training, 'epochs', 'training', (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  optionalNumber(training, 'warmup', 'training', (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0');
  optionalNumber(training, 'batchSize', 'training', (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  optionalNumber(training, 'lr', 'training', (v) => v > 0, 'a positive number');
  optionalNumber(training, 'labelSmoothing', 'training', (v) => v >= 0 && v < 1, 'in [0, 1)');
  optionalNumber(training, 'seed', 'training', (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
  optionalNumber(training, 'fewShot', 'training', (v) => Number.isInteger(v) && v >= 1, 'a positive integer (samples per class)');
  if (training?.trainMode !== undefined && !['whole', 'image', 'text'].includes(training.trainMode as string))
    fail('training.trainMode', "'whole', 'image' or 'text'", training.trainMode);
  optionalNumber(c, 'checkpointEvery', 'config', (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0');
  return c as unknown as BenchmarkConfig;
}

/** The MTIL dataset names of a config's order. */
export function orderOf(config: BenchmarkConfig): string[] {
  if (config.tasks) return config.tasks.map((t) => t.dataset);
  if (config.order === 'I') return [...MTIL_ORDER_I];
  if (config.order === 'II') return [...MTIL_ORDER_II];
  return [...(config.order ?? [])];
}

/** Whether a name is one of the 11 MTIL datasets. */
export function isMtilDataset(name: string): name is MtilDatasetName {
  return (MTIL_ORDER_I as readonly string[]).includes(name);
}
