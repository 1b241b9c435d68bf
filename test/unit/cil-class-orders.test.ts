import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { validateBenchmarkConfig } from '../../lib/cl/benchmark/config';
import { splitClassOrder } from '../../lib/cl/class-incremental';
import type { CilSettings } from '../../lib/cl/cil-benchmark';
import { resolveClassOrder } from '../../lib/cl/cil-benchmark';
import { cilClassOrder, cilDatasetKey, cilReferenceClassNames } from '../../lib/data/cil-class-orders';
import { fixture, repoRoot } from '../support/fixtures';

// The reference's cil/class_orders/*.yaml as the shared fixtures hold them: `class_order: [a, b, …]`.
function referenceOrder(name: string): number[] {
  const text = fs.readFileSync(fixture('cil-class-orders', `${name}.yaml`), 'utf8');
  const list = /class_order:\s*\[([\s\S]*?)\]/.exec(text)![1];
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
}

const CLASSES: Record<string, number> = { cifar100: 100, tinyimagenet: 200, imagenet100: 100 };

describe('CIL class orders', () => {
  for (const name of ['cifar100', 'tinyimagenet', 'imagenet100']) {
    it(`the shipped ${name} order equals the reference list`, () => {
      const expected = referenceOrder(name);
      assert.equal(expected.length, CLASSES[name]);
      assert.deepEqual(cilClassOrder(name), expected);
    });
  }

  it('CIFAR-100 starts 87, 0, 52, 58 (not the old xorshift 5, 37, 28, 20)', () => {
    assert.deepEqual(cilClassOrder('CIFAR100').slice(0, 4), [87, 0, 52, 58]);
  });

  it('the ImageNet-1k order is a permutation of 0…999', () => {
    assert.deepEqual(
      [...cilClassOrder('imagenet1000')].sort((a, b) => a - b),
      Array.from({ length: 1000 }, (_, i) => i),
    );
  });

  it('reference class names: TinyImageNet in wnids.txt order, ImageNet-100 in sorted-wnid order', () => {
    const tiny = cilReferenceClassNames('TinyImageNet');
    assert.equal(tiny.names.length, 200);
    assert.deepEqual(tiny.wnids!.slice(0, 3), ['n02124075', 'n04067472', 'n04540053']);
    assert.equal(tiny.names[0], 'Egyptian Mau');
    const in100 = cilReferenceClassNames('imagenet100');
    assert.deepEqual(in100.wnids, [...in100.wnids!].sort());
    assert.equal(in100.names[0], 'tench');
    assert.equal(cilReferenceClassNames('imagenet1000').names.length, 1000);
  });

  it('dataset names resolve case- and dash-insensitively', () => {
    assert.equal(cilDatasetKey('TinyImageNet'), 'tinyimagenet');
    assert.equal(cilDatasetKey('tiny-imagenet-200'), 'tinyimagenet');
    assert.equal(cilDatasetKey('ImageNet-100'), 'imagenet100');
    assert.equal(cilDatasetKey('ImageNet1k'), 'imagenet1000');
    assert.equal(cilDatasetKey('MNIST'), undefined);
  });
});

// The paper's settings (docs/cil.md) with the reference's hyper-parameters (cil/configs/class/*.yaml).
const SHIPPED: Record<string, { dataset: string; steps: number; lr: number; batch: number; template: string }> = {
  'cifar100-10-steps.json': { dataset: 'cifar100', steps: 10, lr: 7.1e-6, batch: 64, template: 'a bad photo of a {}.' },
  'cifar100-20-steps.json': { dataset: 'cifar100', steps: 20, lr: 7.1e-6, batch: 64, template: 'a bad photo of a {}.' },
  'cifar100-50-steps.json': { dataset: 'cifar100', steps: 50, lr: 7.1e-6, batch: 64, template: 'a bad photo of a {}.' },
  'tinyimagenet-100-5.json': { dataset: 'tinyimagenet', steps: 21, lr: 7.1e-6, batch: 64, template: 'a bad photo of a {}.' },
  'tinyimagenet-100-10.json': { dataset: 'tinyimagenet', steps: 11, lr: 7.1e-6, batch: 64, template: 'a bad photo of a {}.' },
  'tinyimagenet-100-20.json': { dataset: 'tinyimagenet', steps: 6, lr: 7.1e-6, batch: 64, template: 'a bad photo of a {}.' },
  'imagenet100-10-10.json': { dataset: 'imagenet100', steps: 10, lr: 7e-6, batch: 128, template: 'a good photo of a {}.' },
};

describe('shipped CIL benchmark configs', () => {
  const dir = path.join(repoRoot, 'configs', 'benchmarks');
  const cilConfigs = fs.readdirSync(dir).filter((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).setting === 'cil');

  it('every paper setting ships, and every CIL config is one of them', () => {
    assert.deepEqual([...cilConfigs].sort(), Object.keys(SHIPPED).sort());
  });

  for (const [file, expected] of Object.entries(SHIPPED)) {
    it(`${file}: the reference class order, ${expected.steps} steps, lr ${expected.lr}, batch ${expected.batch}`, () => {
      const config = validateBenchmarkConfig(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
      const cil = config.cil as unknown as CilSettings & { orderSeed?: number };
      assert.equal(cil.orderSeed, undefined, 'no seeded shuffle');
      assert.equal(cilDatasetKey(cil.dataset), expected.dataset);
      const order = resolveClassOrder(cil, CLASSES[expected.dataset]);
      assert.deepEqual(order, referenceOrder(expected.dataset));
      assert.equal(splitClassOrder(order, cil).length, expected.steps);
      assert.equal(cil.template, expected.template);
      assert.equal(config.strategy, 'zscl');
      assert.deepEqual(config.training, { epochs: 1, warmup: 30, batchSize: expected.batch, lr: expected.lr, labelSmoothing: 0.2, seed: 42 });
    });
  }
});
