/**
 * Strategies are presets of plugins. Each one is documented with what it does, its defaults in
 * the MTIL and class-incremental (CIL) settings, and the reference flags it corresponds to
 * (github.com/Thunderbeee/ZSCL, see docs/strategies.md).
 */
import { ZsclError } from '../errors';
import type { Tensor } from '../tensor/tensor';
import type { Plugin, TaskContext } from './plugin';
import { DistillationPlugin, type TeacherChoice } from './plugins/distillation';
import { ICarlPlugin } from './plugins/icarl';
import { L2AnchorPlugin } from './plugins/l2-anchor';
import { WeightEnsemblePlugin } from './plugins/weight-ensemble';
import { WiseFtPlugin } from './plugins/wise-ft';
import type { ExampleSource, ImageStream } from './task';

export type Setting = 'mtil' | 'cil';

/** The strategies of the paper's tables, plus ZSCL's ablations. */
export const STRATEGIES = [
  'zero-shot',
  'finetune',
  'lwf',
  'lwf-vr',
  'icarl',
  'wise-ft',
  'wc',
  'we',
  'zscl',
  'zscl-no-we',
  'zscl-no-wc',
  'zscl-image-only',
  'zscl-text-only',
  'zscl-feature-mse',
] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/** Data the strategies draw on; each strategy says which it needs. */
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

/** Tunables; omitted ones take the setting's defaults (see {@link strategyDefaults}). */
export interface StrategyOptions {
  l2?: number;
  imageWeight?: number;
  textWeight?: number;
  temperature?: number;
  averageEvery?: number;
  wiseAlpha?: number;
  memorySize?: number;
  featureMseWeight?: number;
  /** Batch of reference images per step for iCaRL memory. */
  memoryBatch?: number;
}

/** Defaults of the reference scripts (MTIL: mtil/scripts/*.sh; CIL: cil/configs/class/*.yaml). */
export function strategyDefaults(setting: Setting): Required<StrategyOptions> {
  return setting === 'mtil'
    ? { l2: 1, imageWeight: 1, textWeight: 1, temperature: 2, averageEvery: 100, wiseAlpha: 0.8, memorySize: 10000, featureMseWeight: 1, memoryBatch: 64 }
    : { l2: 0, imageWeight: 5, textWeight: 5, temperature: 2, averageEvery: 10, wiseAlpha: 0.8, memorySize: 5000, featureMseWeight: 1, memoryBatch: 64 };
}

function need<T>(value: T | undefined, what: string, strategy: string): T {
  if (value === undefined) throw new ZsclError(`strategy '${strategy}' needs ${what}`, 'E_CONFIG');
  return value;
}

/**
 * The plugins of a strategy. 'zero-shot' and 'finetune' have none (finetune trains with the
 * label-smoothed CE alone; zero-shot does not train at all — the runner skips training).
 * @throws ZsclError E_CONFIG for an unknown name or missing data.
 */
export function strategyPlugins(name: StrategyName, setting: Setting, data: StrategyData, options: StrategyOptions = {}): Plugin[] {
  const o = { ...strategyDefaults(setting), ...options };
  const zsclDistillation = (overrides: Partial<ConstructorParameters<typeof DistillationPlugin>[0]> = {}): DistillationPlugin =>
    new DistillationPlugin({
      teacher: 'initial',
      images: need(data.referenceImages, 'reference images (reference.images)', name),
      texts: () => need(data.referenceTexts, 'reference texts (reference.texts)', name),
      temperature: o.temperature,
      imageWeight: o.imageWeight,
      textWeight: o.textWeight,
      ...overrides,
    });
  // In MTIL the LwF teacher is the previous task's model; the reference's CIL LwF teacher aliases
  // the student (a bug, zscl-method.md §4) — zscl implements the intended task-start teacher.
  const lwfTeacher: TeacherChoice = 'task_start';
  switch (name) {
    case 'zero-shot':
    case 'finetune':
      return [];
    case 'wc':
      return [new L2AnchorPlugin(o.l2 || 1)];
    case 'we':
      return [new WeightEnsemblePlugin(o.averageEvery)];
    case 'wise-ft':
      return [new WiseFtPlugin(o.wiseAlpha)];
    case 'lwf':
    case 'lwf-vr':
      return [
        new DistillationPlugin({
          teacher: lwfTeacher,
          images: need(data.taskImages, "the task's images", name),
          texts: name === 'lwf' ? need(data.taskPrompts, "the task's prompts", name) : () => need(data.virtualTexts, 'virtual vocabulary texts', name),
          temperature: o.temperature,
          imageWeight: o.imageWeight,
          textWeight: o.textWeight,
        }),
      ];
    case 'icarl':
      return [
        new ICarlPlugin({
          memorySize: o.memorySize,
          batchSize: o.memoryBatch,
          examples: need(data.examples, "the tasks' examples", name),
          texts: need(data.taskPrompts, "the task's prompts", name),
          teacher: setting === 'mtil' ? 'initial' : 'task_start',
          temperature: o.temperature,
          imageWeight: o.imageWeight,
          textWeight: o.textWeight,
        }),
      ];
    case 'zscl':
      return [...(o.l2 ? [new L2AnchorPlugin(o.l2)] : []), zsclDistillation(), new WeightEnsemblePlugin(o.averageEvery)];
    case 'zscl-no-we':
      return [...(o.l2 ? [new L2AnchorPlugin(o.l2)] : []), zsclDistillation()];
    case 'zscl-no-wc':
      return [zsclDistillation(), new WeightEnsemblePlugin(o.averageEvery)];
    case 'zscl-image-only':
      return [...(o.l2 ? [new L2AnchorPlugin(o.l2)] : []), zsclDistillation({ textWeight: 0 }), new WeightEnsemblePlugin(o.averageEvery)];
    case 'zscl-text-only':
      return [...(o.l2 ? [new L2AnchorPlugin(o.l2)] : []), zsclDistillation({ imageWeight: 0 }), new WeightEnsemblePlugin(o.averageEvery)];
    case 'zscl-feature-mse':
      return [
        ...(o.l2 ? [new L2AnchorPlugin(o.l2)] : []),
        zsclDistillation({ featureMseWeight: o.featureMseWeight }),
        new WeightEnsemblePlugin(o.averageEvery),
      ];
    default:
      throw new ZsclError(`unknown strategy '${String(name)}'; known: ${STRATEGIES.join(', ')}`, 'E_CONFIG');
  }
}
