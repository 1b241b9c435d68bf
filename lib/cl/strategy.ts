/**
 * What a strategy is: a name, the data it asks for, its default tunables per setting, and the
 * plugins it trains with. The built-in ones are the table in strategies.ts; a user strategy is
 * the same kind of object, passed as `RunSpec.strategy`.
 */
import { ZsclError } from '../errors';
import type { Tensor } from '../tensor/tensor';
import type { Plugin, TaskContext } from './plugin';
import type { ExampleSource, ImageStream } from './task';

export type Setting = 'mtil' | 'cil';

/** Data the strategies draw on; each strategy lists what it needs and a benchmark builds only that. */
export interface StrategyData {
  /** ZSCL: the unlabeled reference images (val transform). */
  referenceImages?: (task: TaskContext) => ImageStream;
  /** ZSCL: token rows of the reference texts (e.g. Conceptual Captions). */
  referenceTexts?: Tensor;
  /** LwF, LwF-VR: the current task's training images under the val transform, shuffled. */
  taskImages?: (task: TaskContext) => ImageStream;
  /** LwF, iCaRL: token rows of the current task's class prompts. */
  taskPrompts?: (task: TaskContext) => Tensor;
  /** LwF-VR: random "virtual vocabulary" token rows, drawn once per run. */
  virtualTexts?: Tensor;
  /** iCaRL: each task's training examples (for herding and replay) under the val transform. */
  examples?: (taskIndex: number) => ExampleSource;
}

export type StrategyNeed = keyof StrategyData;

/** Tunables; omitted ones take the strategy's defaults for the setting. */
export interface StrategyOptions {
  l2?: number;
  imageWeight?: number;
  textWeight?: number;
  temperature?: number;
  averageEvery?: number;
  wiseAlpha?: number;
  memorySize?: number;
  featureMseWeight?: number;
  /**
   * Distillation: the student's logits use its own text features, as the paper's equation has it,
   * so the distillation also holds the text tower. Default false: the reference code's teacher text
   * features, which pull on the image tower only (docs/method.md §2.4).
   */
  studentText?: boolean;
  /** Batch of reference images per step for iCaRL memory. */
  memoryBatch?: number;
  /**
   * LwF, LwF-VR, iCaRL: distil from the live student, as the reference's CIL code does by accident
   * (its teacher aliases the student's storage, so the distillation gradient is zero and these
   * baselines train as fine-tuning; docs/method.md §4). Default false: the paper's frozen teacher.
   */
  referenceAliasedTeacher?: boolean;
}

/** Defaults of the reference scripts (MTIL: mtil/scripts/*.sh; CIL: cil/configs/class/*.yaml), shared by the built-in strategies. */
export const REFERENCE_DEFAULTS: Readonly<Record<Setting, Readonly<Required<StrategyOptions>>>> = {
  mtil: {
    l2: 1,
    imageWeight: 1,
    textWeight: 1,
    temperature: 2,
    averageEvery: 100,
    wiseAlpha: 0.8,
    memorySize: 10000,
    featureMseWeight: 1,
    studentText: false,
    memoryBatch: 64,
    referenceAliasedTeacher: false,
  },
  cil: {
    l2: 0,
    imageWeight: 5,
    textWeight: 5,
    temperature: 2,
    averageEvery: 10,
    wiseAlpha: 0.8,
    memorySize: 5000,
    featureMseWeight: 1,
    studentText: false,
    memoryBatch: 64,
    referenceAliasedTeacher: false,
  },
};

/** What a strategy's `plugins` receives: the data it listed in `needs` (present), and its options with defaults filled in. */
export interface StrategyContext<N extends StrategyNeed = StrategyNeed> {
  setting: Setting;
  data: Required<Pick<StrategyData, N>>;
  options: Required<StrategyOptions>;
}

export interface Strategy<N extends StrategyNeed = StrategyNeed> {
  readonly name: string;
  /** The data `plugins` reads; a run without one of them fails with E_CONFIG before training. */
  readonly needs: readonly N[];
  /** Default tunables per setting. */
  readonly defaults: Readonly<Record<Setting, Readonly<Required<StrategyOptions>>>>;
  /** False for a strategy that never changes the model (zero-shot): the run evaluates it once and skips training. Default true. */
  readonly trains?: boolean;
  /** The plugins to train with, in hook order (fresh instances each call). */
  plugins(ctx: StrategyContext<N>): Plugin[];
}

/** Declares a strategy; its `plugins` sees exactly the data listed in `needs`. */
export function defineStrategy<const N extends StrategyNeed = never>(strategy: Strategy<N>): Strategy {
  return strategy as unknown as Strategy;
}

const DESCRIPTIONS: Record<StrategyNeed, string> = {
  referenceImages: 'reference images (reference.images)',
  referenceTexts: 'reference texts (reference.texts)',
  taskImages: "the task's images",
  taskPrompts: "the task's prompts",
  virtualTexts: 'virtual vocabulary texts',
  examples: "the tasks' examples",
};

/**
 * The plugins of `strategy` for a run.
 * @throws ZsclError E_CONFIG when `data` lacks something the strategy needs.
 */
export function pluginsOf(strategy: Strategy, setting: Setting, data: StrategyData, options: StrategyOptions = {}): Plugin[] {
  for (const need of strategy.needs) {
    if (data[need] === undefined) throw new ZsclError(`strategy '${strategy.name}' needs ${DESCRIPTIONS[need] ?? need}`, 'E_CONFIG');
  }
  return strategy.plugins({
    setting,
    data: data as Required<StrategyData>,
    options: { ...strategy.defaults[setting], ...options } as Required<StrategyOptions>,
  });
}
