import assert from 'node:assert/strict';
import { REFERENCE_DEFAULTS, STRATEGIES, findStrategy, strategyPlugins } from '../../lib/cl/strategies';
import type { StrategyData } from '../../lib/cl/strategies';
import type { ZsclError } from '../../lib/errors';
import { zeros } from '../../lib/tensor/create';

describe('strategy registry', () => {
  const texts = zeros([2, 4], { dtype: 'int64' });
  after(() => texts.dispose());
  const stream = () => ({ next: async () => zeros([1, 3, 4, 4]) });
  const all: StrategyData = {
    referenceImages: stream,
    referenceTexts: texts,
    taskImages: stream,
    taskPrompts: () => texts,
    virtualTexts: texts,
    examples: () => ({ length: 0, load: async () => ({ images: zeros([0]), labels: zeros([0]) }) }),
  };

  it('keeps the reference defaults per setting', () => {
    // The reference's values, stated here on their own (docs/strategies.md): the settings share
    // some, and differ in the L2 weight, distillation weights, WE interval and iCaRL memory.
    const shared = { temperature: 2, wiseAlpha: 0.8, featureMseWeight: 1, memoryBatch: 64, referenceAliasedTeacher: false, studentText: false };
    assert.deepEqual(REFERENCE_DEFAULTS.mtil, { ...shared, l2: 1, imageWeight: 1, textWeight: 1, averageEvery: 100, memorySize: 10000 });
    assert.deepEqual(REFERENCE_DEFAULTS.cil, { ...shared, l2: 0, imageWeight: 5, textWeight: 5, averageEvery: 10, memorySize: 5000 });
    for (const name of STRATEGIES) assert.deepEqual(findStrategy(name).defaults, REFERENCE_DEFAULTS, name);
  });

  it('gives each strategy its plugins, in hook order', () => {
    const names = (name: (typeof STRATEGIES)[number], setting: 'mtil' | 'cil' = 'mtil') => strategyPlugins(name, setting, all).map((p) => p.name);
    const expected: Record<string, string[]> = {
      'zero-shot': [],
      finetune: [],
      lwf: ['distill'],
      'lwf-vr': ['distill'],
      icarl: ['icarl'],
      'wise-ft': ['wise-ft'],
      wc: ['l2'],
      we: ['we'],
      zscl: ['l2', 'distill', 'we'],
      'zscl-no-we': ['l2', 'distill'],
      'zscl-no-wc': ['distill', 'we'],
      'zscl-image-only': ['l2', 'distill', 'we'],
      'zscl-text-only': ['l2', 'distill', 'we'],
      'zscl-feature-mse': ['l2', 'distill', 'we'],
    };
    for (const name of STRATEGIES) assert.deepEqual(names(name), expected[name], name);
    assert.deepEqual(names('zscl', 'cil'), ['distill', 'we'], 'CIL: l2 0 drops WC');
    assert.deepEqual(names('wc', 'cil'), ['l2'], 'WC alone keeps weight 1');
    assert.equal(findStrategy('zero-shot').trains, false);
  });

  it('refuses a run whose data lacks what the strategy needs, and unknown names (E_CONFIG)', () => {
    assert.throws(
      () => strategyPlugins('zscl', 'mtil', { referenceImages: stream }),
      (e: ZsclError) => e.code === 'E_CONFIG' && /needs reference texts/.test(e.message),
    );
    assert.throws(
      () => strategyPlugins('lwf-vr', 'mtil', { taskImages: stream }),
      (e: ZsclError) => e.code === 'E_CONFIG' && /virtual vocabulary/.test(e.message),
    );
    assert.throws(
      () => findStrategy('nope' as 'zscl'),
      (e: ZsclError) => e.code === 'E_CONFIG' && /unknown strategy 'nope'/.test(e.message),
    );
  });
});
