/**
 * The built-in strategies: one entry each, with the data it needs and its plugins. Their defaults
 * are the reference scripts' (REFERENCE_DEFAULTS); their reference flags are in docs/strategies.md
 * (github.com/Thunderbeee/ZSCL).
 */
import { ZsclError } from '../errors';
import type { DistillationOptions } from './plugins/distillation';
import { DistillationPlugin } from './plugins/distillation';
import { ICarlPlugin } from './plugins/icarl';
import { L2AnchorPlugin } from './plugins/l2-anchor';
import { WeightEnsemblePlugin } from './plugins/weight-ensemble';
import { WiseFtPlugin } from './plugins/wise-ft';
import type { Plugin } from './plugin';
import type { Setting, Strategy, StrategyContext, StrategyData, StrategyOptions } from './strategy';
import { REFERENCE_DEFAULTS, defineStrategy, pluginsOf } from './strategy';

export type { Setting, Strategy, StrategyContext, StrategyData, StrategyNeed, StrategyOptions } from './strategy';
export { REFERENCE_DEFAULTS, defineStrategy } from './strategy';

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

const defaults = REFERENCE_DEFAULTS;
type Options = StrategyContext['options'];
const distill = (o: Options, rest: Pick<DistillationOptions, 'teacher' | 'images' | 'texts'> & Partial<DistillationOptions>) =>
  new DistillationPlugin({ temperature: o.temperature, imageWeight: o.imageWeight, textWeight: o.textWeight, studentText: o.studentText, ...rest });

// ZSCL and its ablations: WC (when l2 ≠ 0), distillation from the zero-shot model on reference data, WE.
const zscl = (name: string, variant: { wc?: boolean; we?: boolean; distill?: (o: Options) => Partial<DistillationOptions> } = {}) =>
  defineStrategy({
    name,
    needs: ['referenceImages', 'referenceTexts'],
    defaults,
    plugins: ({ data, options: o }) => [
      ...((variant.wc ?? true) && o.l2 ? [new L2AnchorPlugin(o.l2)] : []),
      distill(o, { teacher: 'initial', images: data.referenceImages, texts: () => data.referenceTexts, ...variant.distill?.(o) }),
      ...((variant.we ?? true) ? [new WeightEnsemblePlugin(o.averageEvery)] : []),
    ],
  });

// In MTIL the LwF teacher is the previous task's model; the reference's CIL LwF teacher aliases
// the student (a bug, docs/method.md §4) — zscl implements the intended task-start teacher, and
// the reference's behaviour with `referenceAliasedTeacher`.
const taskStartTeacher = (o: Options) => (o.referenceAliasedTeacher ? 'student' : 'task_start');
const BUILT_IN: Record<StrategyName, Strategy> = {
  /** Evaluates the initial model only. */
  'zero-shot': defineStrategy({ name: 'zero-shot', needs: [], defaults, trains: false, plugins: () => [] }),
  /** Label-smoothed CE alone. */
  finetune: defineStrategy({ name: 'finetune', needs: [], defaults, plugins: () => [] }),
  lwf: defineStrategy({
    name: 'lwf',
    needs: ['taskImages', 'taskPrompts'],
    defaults,
    plugins: ({ data, options: o }) => [distill(o, { teacher: taskStartTeacher(o), images: data.taskImages, texts: data.taskPrompts })],
  }),
  'lwf-vr': defineStrategy({
    name: 'lwf-vr',
    needs: ['taskImages', 'virtualTexts'],
    defaults,
    plugins: ({ data, options: o }) => [distill(o, { teacher: taskStartTeacher(o), images: data.taskImages, texts: () => data.virtualTexts })],
  }),
  icarl: defineStrategy({
    name: 'icarl',
    needs: ['examples', 'taskPrompts'],
    defaults,
    plugins: ({ setting, data, options: o }) => [
      new ICarlPlugin({
        memorySize: o.memorySize,
        batchSize: o.memoryBatch,
        examples: data.examples,
        texts: data.taskPrompts,
        teacher: o.referenceAliasedTeacher ? 'student' : setting === 'mtil' ? 'initial' : 'task_start',
        temperature: o.temperature,
        imageWeight: o.imageWeight,
        textWeight: o.textWeight,
      }),
    ],
  }),
  'wise-ft': defineStrategy({ name: 'wise-ft', needs: [], defaults, plugins: ({ options: o }) => [new WiseFtPlugin(o.wiseAlpha)] }),
  /** WC alone keeps weight 1 where the setting's l2 default is 0 (CIL). */
  wc: defineStrategy({ name: 'wc', needs: [], defaults, plugins: ({ options: o }) => [new L2AnchorPlugin(o.l2 || 1)] }),
  we: defineStrategy({ name: 'we', needs: [], defaults, plugins: ({ options: o }) => [new WeightEnsemblePlugin(o.averageEvery)] }),
  zscl: zscl('zscl'),
  'zscl-no-we': zscl('zscl-no-we', { we: false }),
  'zscl-no-wc': zscl('zscl-no-wc', { wc: false }),
  'zscl-image-only': zscl('zscl-image-only', { distill: () => ({ textWeight: 0 }) }),
  'zscl-text-only': zscl('zscl-text-only', { distill: () => ({ imageWeight: 0 }) }),
  'zscl-feature-mse': zscl('zscl-feature-mse', { distill: (o) => ({ featureMseWeight: o.featureMseWeight }) }),
};

/**
 * A built-in strategy by name, or `strategy` itself when it is a strategy object.
 * @throws ZsclError E_CONFIG for an unknown name.
 */
export function findStrategy(strategy: StrategyName | Strategy): Strategy {
  if (typeof strategy !== 'string') return strategy;
  const found = Object.hasOwn(BUILT_IN, strategy) ? BUILT_IN[strategy] : undefined;
  if (!found) throw new ZsclError(`unknown strategy '${String(strategy)}'; known: ${STRATEGIES.join(', ')}`, 'E_CONFIG');
  return found;
}

/** Defaults of the reference scripts for a setting (every built-in strategy uses them). */
export function strategyDefaults(setting: Setting): Required<StrategyOptions> {
  return { ...REFERENCE_DEFAULTS[setting] };
}

/**
 * The plugins of a strategy for a run.
 * @throws ZsclError E_CONFIG for an unknown name or missing data.
 */
export function strategyPlugins(name: StrategyName | Strategy, setting: Setting, data: StrategyData, options: StrategyOptions = {}): Plugin[] {
  return pluginsOf(findStrategy(name), setting, data, options);
}
