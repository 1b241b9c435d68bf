import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildBenchmark } from '../../lib/cl/benchmark/build';
import { checkBenchmarkFiles, orderOf, validateBenchmarkConfig } from '../../lib/cl/benchmark/config';
import type { BenchmarkConfig } from '../../lib/cl/benchmark/schema';
import { DEFAULT_LR, taskLearningRate, trainingSettings } from '../../lib/cl/benchmark/schema';
import type { ZsclError } from '../../lib';
import { repoRoot } from '../support/fixtures';

const examples = path.join(repoRoot, 'configs', 'benchmarks');
const base = { setting: 'mtil', strategy: 'zscl', model: { config: 'tiny' }, tokenizer: { byteLevel: true }, order: 'I', data: { root: '/d' } };

function rejects(json: unknown, message: RegExp, options?: { checkFiles?: boolean }): void {
  assert.throws(
    () => validateBenchmarkConfig(json, options),
    (e: ZsclError) => e.code === 'E_CONFIG' && message.test(e.message),
  );
}

describe('benchmark configs', () => {
  for (const file of fs.readdirSync(examples)) {
    it(`the shipped example ${file} is valid`, () => {
      const config = validateBenchmarkConfig(JSON.parse(fs.readFileSync(path.join(examples, file), 'utf8')));
      if (config.setting === 'mtil') assert.equal(orderOf(config).length, 11);
    });
  }

  it('orders I and II are the reference orders', () => {
    assert.deepEqual(orderOf(validateBenchmarkConfig({ ...base, order: 'I' })).slice(0, 3), ['Aircraft', 'Caltech101', 'CIFAR100']);
    assert.deepEqual(orderOf(validateBenchmarkConfig({ ...base, order: 'II' })).slice(0, 3), ['StanfordCars', 'Food', 'MNIST']);
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an object', [], /benchmark config: \(root\): expected an object, got array/],
    ['bad setting', { ...base, setting: 'x' }, /setting: expected 'mtil' or 'cil', got string 'x'/],
    ['unknown strategy', { ...base, strategy: 'magic' }, /strategy: expected one of /],
    ['unknown precision', { ...base, precision: 'fp16' }, /precision: expected 'fp32', 'tf32', 'bf16'/],
    ['no model', { ...base, model: undefined }, /model: .*missing/],
    ['a model without checkpoint or config', { ...base, model: {} }, /model: expected "checkpoint" and\/or "config"/],
    ['no tokenizer vocab', { ...base, tokenizer: {} }, /tokenizer: expected \{ "vocab": PATH \}/],
    ['no tasks', { ...base, order: undefined }, /order: expected a task list/],
    ['order without data root', { ...base, data: undefined }, /data\.root: expected the folder/],
    ['an order naming a non-MTIL dataset', { ...base, order: ['Aircraft', 'Pets'] }, /order\[1\]: expected an MTIL dataset/],
    ['negative lr', { ...base, training: { lr: -1 } }, /training\.lr: expected a positive number, got number -1/],
    ['a misspelt key', { ...base, training: { lrr: 1e-5 } }, /training\.lrr: unknown key/],
    ['a misspelt top-level key', { ...base, strategyOption: {} }, /benchmark config: strategyOption: unknown key/],
    ['a wrong type', { ...base, training: { lr: 'x' } }, /training\.lr: expected a positive number, got string 'x'/],
    ['an out-of-range value', { ...base, training: { labelSmoothing: 1.5 } }, /training\.labelSmoothing: expected a number in \[0, 1\), got number 1\.5/],
    ['an unknown nonFinite policy', { ...base, training: { nonFinite: 'ignore' } }, /training\.nonFinite: expected 'stop' or 'skip'/],
    ['workers 0', { ...base, training: { workers: 0 } }, /training\.workers: expected a positive integer/],
    ['a bad strategy option', { ...base, strategyOptions: { wiseAlpha: 2 } }, /strategyOptions\.wiseAlpha: expected a number in \[0, 1\]/],
    ['an unknown strategy option', { ...base, strategyOptions: { alpha: 2 } }, /strategyOptions\.alpha: unknown key/],
    ['a bad reference key', { ...base, reference: { maxTexts: 0 } }, /reference\.maxTexts: expected a positive integer/],
    ['a bad evaluation key', { ...base, evaluation: { initial: 'yes' } }, /evaluation\.initial: expected true or false/],
    ['a bad per-task lr', { ...base, tasks: [{ dataset: 'Aircraft', lr: 0 }] }, /tasks\[0\]\.lr: expected a positive number, got number 0/],
    ['a bad per-task iterations', { ...base, tasks: [{ dataset: 'Aircraft', iterations: 1.5 }] }, /tasks\[0\]\.iterations: expected a positive integer/],
    ['a train manifest without test manifest', { ...base, tasks: [{ dataset: 'x', trainManifest: 'a.csv' }] }, /tasks\[0\]\.testManifest/],
    ['bad train mode', { ...base, training: { trainMode: 'all' } }, /training\.trainMode: expected 'whole', 'image' or 'text'/],
    [
      'cil without steps',
      { setting: 'cil', strategy: 'zscl', model: { config: 'tiny' }, tokenizer: { byteLevel: true }, cil: { dataset: 'CIFAR100', root: '/d' } },
      /cil\.steps/,
    ],
    [
      'a class order that is not a permutation',
      {
        setting: 'cil',
        strategy: 'zscl',
        model: { config: 'tiny' },
        tokenizer: { byteLevel: true },
        cil: { dataset: 'CIFAR100', root: '/d', steps: 2, classOrder: [0, 2, 2] },
      },
      /cil\.classOrder: expected each class index 0…2 once/,
    ],
  ];
  for (const [label, json, message] of bad) {
    it(`rejects ${label} with E_CONFIG naming the JSON path`, () => rejects(json, message));
  }

  it('lists every bad value of a config in one error', () => {
    rejects({ ...base, training: { lrr: 1, seed: -1 } }, /training\.seed: .*; training\.lrr: unknown key|training\.lrr: unknown key; training\.seed/);
  });

  it('rejects a guard with an unknown action or probe, naming the path', () => {
    rejects({ ...base, guard: { probe: { folder: '/x' }, action: 'explode' } }, /guard\.action/);
    rejects({ ...base, guard: { probe: { images: '/x' } } }, /guard\.probe/);
  });

  it('accepts a $schema key for editors', () => {
    validateBenchmarkConfig({ $schema: '../benchmark.schema.json', ...base });
  });

  describe('files the config names', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-config-'));
      fs.writeFileSync(path.join(dir, 'vocab.txt'), 'x');
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('a missing file gives E_CONFIG naming the JSON path and the file', () => {
      const missing = path.join(dir, 'none.safetensors');
      rejects({ ...base, data: { root: dir }, model: { checkpoint: missing } }, new RegExp(`model\\.checkpoint: no such file '${missing}'`), {
        checkFiles: true,
      });
      rejects({ ...base, data: { root: dir }, tokenizer: { vocab: path.join(dir, 'v.gz') } }, /tokenizer\.vocab: no such file/, { checkFiles: true });
      rejects({ ...base, data: { root: dir }, tasks: [{ dataset: 'mine', imageFolder: path.join(dir, 'x') }] }, /tasks\[0\]\.imageFolder: no such folder/, {
        checkFiles: true,
      });
      rejects({ ...base, data: { root: dir }, reference: { texts: path.join(dir, 'cc.csv') } }, /reference\.texts: no such file/, { checkFiles: true });
    });

    it('a file where a folder is expected is named too', () => {
      rejects({ ...base, data: { root: path.join(dir, 'vocab.txt') } }, /data\.root: '.*vocab\.txt' is not a folder/, { checkFiles: true });
    });

    it('existing files pass', () => {
      checkBenchmarkFiles({ ...base, data: { root: dir }, tokenizer: { vocab: path.join(dir, 'vocab.txt') } } as BenchmarkConfig);
    });

    it('is only checked when asked (the shipped examples name files of another machine)', () => {
      validateBenchmarkConfig({ ...base, model: { checkpoint: path.join(dir, 'none.safetensors') } });
    });
  });

  describe('defaults and the learning rate', () => {
    it('training defaults come from the schema, warm-up per setting', () => {
      const mtil = trainingSettings({ setting: 'mtil' });
      assert.deepEqual(
        [mtil.seed, mtil.batchSize, mtil.workers, mtil.labelSmoothing, mtil.warmup, mtil.iterations, mtil.lr],
        [42, 64, 4, 0.2, 100, 1000, undefined],
      );
      assert.equal(trainingSettings({ setting: 'cil' }).warmup, 30);
      assert.equal(trainingSettings({ setting: 'cil', training: { warmup: 0 } }).warmup, 0);
    });

    it('precedence: task lr > training.lr > dataset default > 1e-5', () => {
      assert.equal(taskLearningRate(3e-5, 2e-5, 5e-5), 3e-5);
      assert.equal(taskLearningRate(undefined, 2e-5, 5e-5), 2e-5);
      assert.equal(taskLearningRate(undefined, undefined, 5e-5), 5e-5);
      assert.equal(taskLearningRate(undefined, undefined, undefined), DEFAULT_LR);
      assert.equal(DEFAULT_LR, 1e-5);
    });

    describe('on a named MTIL dataset (Aircraft, whose own rate is 5e-5)', () => {
      let root: string;
      before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-lr-'));
        const data = path.join(root, 'fgvc-aircraft-2013b', 'data');
        fs.mkdirSync(data, { recursive: true });
        fs.writeFileSync(path.join(data, 'variants.txt'), '707-320\nA300B4\n');
        fs.writeFileSync(path.join(data, 'images_variant_train.txt'), '1025794 A300B4\n0056978 707-320\n');
        fs.writeFileSync(path.join(data, 'images_variant_test.txt'), '1025795 A300B4\n');
      });
      after(() => fs.rmSync(root, { recursive: true, force: true }));

      const lrs = (extra: Record<string, unknown>): number[] => {
        const config = validateBenchmarkConfig({ ...base, order: ['Aircraft'], data: { root }, ...extra });
        const built = buildBenchmark(config);
        try {
          return built.spec.tasks.map((t) => t.lr);
        } finally {
          built.model.dispose();
          for (const t of built.tensors) t.dispose();
        }
      };

      it('training.lr takes effect', () => assert.deepEqual(lrs({ training: { lr: 2e-6 } }), [2e-6]));
      it("without it the dataset's rate applies", () => assert.deepEqual(lrs({}), [5e-5]));
      it("a task's own lr wins over both", () => assert.deepEqual(lrs({ training: { lr: 2e-6 }, tasks: [{ dataset: 'Aircraft', lr: 3e-6 }] }), [3e-6]));

      it('a guard section probes the named tasks with the schema defaults', () => {
        const config = validateBenchmarkConfig({ ...base, order: ['Aircraft'], data: { root }, guard: { probe: { tasks: ['Aircraft'], maxImages: 1 } } });
        const built = buildBenchmark(config);
        try {
          const guard = built.spec.guard!;
          assert.deepEqual(
            { every: guard.every, maxDrop: guard.maxDrop, action: guard.action, repeat: guard.repeat, watch: guard.watch },
            {
              every: 100,
              maxDrop: 5,
              action: 'warn',
              repeat: 'stop',
              watch: 'served',
            },
          );
          assert.ok(Array.isArray(guard.probe));
          assert.deepEqual(
            (guard.probe as { name: string }[]).map((s) => s.name),
            ['Aircraft'],
          );
        } finally {
          built.model.dispose();
          for (const t of built.tensors) t.dispose();
        }
      });

      it('a guard probe naming no task of the config is E_CONFIG naming the path', () => {
        const config = validateBenchmarkConfig({ ...base, order: ['Aircraft'], data: { root }, guard: { probe: { tasks: ['MNIST'] } } });
        assert.throws(
          () => buildBenchmark(config),
          (e: ZsclError) => e.code === 'E_CONFIG' && /guard\.probe\.tasks\[0\]: no task named 'MNIST'/.test(e.message),
        );
      });
    });
  });
});
