import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { validateBenchmarkConfig, orderOf } from '../../lib/cl/benchmark/config';
import type { ZsclError } from '../../lib';
import { repoRoot } from '../support/fixtures';

const examples = path.join(repoRoot, 'configs', 'benchmarks');

describe('benchmark configs', () => {
  for (const file of fs.readdirSync(examples)) {
    it(`the shipped example ${file} is valid`, () => {
      const config = validateBenchmarkConfig(JSON.parse(fs.readFileSync(path.join(examples, file), 'utf8')));
      if (config.setting === 'mtil') assert.equal(orderOf(config).length, 11);
    });
  }

  it('orders I and II are the reference orders', () => {
    const base = { setting: 'mtil', strategy: 'zscl', model: { config: 'tiny' }, tokenizer: { byteLevel: true }, data: { root: '/d' } };
    assert.deepEqual(orderOf(validateBenchmarkConfig({ ...base, order: 'I' })).slice(0, 3), ['Aircraft', 'Caltech101', 'CIFAR100']);
    assert.deepEqual(orderOf(validateBenchmarkConfig({ ...base, order: 'II' })).slice(0, 3), ['StanfordCars', 'Food', 'MNIST']);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['not an object', [] as unknown as Record<string, unknown>, /the config must be a JSON object/],
    ['bad setting', { setting: 'x' }, /setting must be 'mtil' or 'cil'/],
    ['unknown strategy', { setting: 'mtil', strategy: 'magic' }, /strategy must be one of/],
    ['no model', { setting: 'mtil', strategy: 'zscl' }, /model must be/],
    ['no tokenizer', { setting: 'mtil', strategy: 'zscl', model: { config: 'tiny' } }, /tokenizer must be/],
    ['no tasks', { setting: 'mtil', strategy: 'zscl', model: { config: 'tiny' }, tokenizer: { byteLevel: true } }, /tasks\/order/],
    ['order without data root', { setting: 'mtil', strategy: 'zscl', model: { config: 'tiny' }, tokenizer: { byteLevel: true }, order: 'I' }, /data\.root/],
    [
      'negative lr',
      { setting: 'mtil', strategy: 'zscl', model: { config: 'tiny' }, tokenizer: { byteLevel: true }, order: 'I', data: { root: '/d' }, training: { lr: -1 } },
      /training\.lr must be a positive number/,
    ],
    [
      'cil without steps',
      { setting: 'cil', strategy: 'zscl', model: { config: 'tiny' }, tokenizer: { byteLevel: true }, cil: { dataset: 'CIFAR100', root: '/d' } },
      /cil\.steps/,
    ],
    [
      'bad train mode',
      {
        setting: 'mtil',
        strategy: 'zscl',
        model: { config: 'tiny' },
        tokenizer: { byteLevel: true },
        order: 'I',
        data: { root: '/d' },
        training: { trainMode: 'all' },
      },
      /trainMode/,
    ],
  ];
  for (const [label, json, message] of bad) {
    it(`rejects ${label} with E_CONFIG naming the field`, () => {
      assert.throws(
        () => validateBenchmarkConfig(json),
        (e: ZsclError) => e.code === 'E_CONFIG' && message.test(e.message),
      );
    });
  }
});
