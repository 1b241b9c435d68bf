import assert from 'node:assert/strict';
import { applyOverrides, parseOverride } from '../../lib/cli/overrides';
import { validateBenchmarkConfig } from '../../lib/cl/benchmark/config';
import { ZsclError } from '../../lib/errors';

describe('--set key.path=value overrides', () => {
  it('parses JSON values when they parse, else strings; null removes', () => {
    assert.deepEqual(parseOverride('training.iterations=2'), { path: ['training', 'iterations'], value: 2 });
    assert.deepEqual(parseOverride('evaluation.initial=false'), { path: ['evaluation', 'initial'], value: false });
    assert.deepEqual(parseOverride('order=["DTD","MNIST"]'), { path: ['order'], value: ['DTD', 'MNIST'] });
    assert.deepEqual(parseOverride('data.root=/mnt/a=b'), { path: ['data', 'root'], value: '/mnt/a=b' });
    assert.deepEqual(parseOverride('tasks[1].lr=1e-4'), { path: ['tasks', 1, 'lr'], value: 1e-4 });
    assert.deepEqual(parseOverride('tasks.0.templates=["a {}."]'), { path: ['tasks', 0, 'templates'], value: ['a {}.'] });
    assert.deepEqual(parseOverride('tokenizer.vocab=null'), { path: ['tokenizer', 'vocab'], value: undefined });
    assert.deepEqual(parseOverride('name='), { path: ['name'], value: '' });
  });

  it('refuses malformed overrides with E_ARG', () => {
    for (const bad of ['training.iterations', '=2', 'a..b=1', 'a[x]=1']) {
      assert.throws(
        () => parseOverride(bad),
        (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG',
        bad,
      );
    }
    assert.throws(
      () => applyOverrides({ data: { root: '/x' } }, [parseOverride('data.root.sub=1')]),
      (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG' && /data\.root is not an object/.test(e.message),
    );
  });

  it('applies to a copy before validation, creating objects on the way', () => {
    const config = { setting: 'mtil', strategy: 'zscl', order: 'I', data: { root: '/d' }, model: { config: 'tiny' }, tokenizer: { vocab: 'v.txt' } };
    const changed = applyOverrides(config, ['training.iterations=2', 'tokenizer.vocab=null', 'tokenizer.byteLevel=true', 'device=cpu'].map(parseOverride));
    assert.deepEqual(changed, { ...config, training: { iterations: 2 }, tokenizer: { byteLevel: true }, device: 'cpu' });
    assert.equal(config.tokenizer.vocab, 'v.txt', 'the input is left as it was');
    validateBenchmarkConfig(changed);
    const typo = applyOverrides(config, [parseOverride('training.iteration=2')]);
    assert.throws(() => validateBenchmarkConfig(typo), /training\.iteration: unknown key/);
    assert.throws(() => validateBenchmarkConfig(applyOverrides(config, [parseOverride('device=gpu')])), /device: expected 'cpu', 'cuda' or 'cuda:N'/);
  });
});
