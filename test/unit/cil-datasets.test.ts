import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cilBenchmark } from '../../lib/cl/cil-benchmark';
import { ClassIndex, seenTestSet, splitClassOrder, stepTrainingSet } from '../../lib/cl/class-incremental';
import { cifarDataset } from '../../lib/data/cifar';
import { cilClassOrder, cilReferenceClassNames } from '../../lib/data/cil-class-orders';
import { imageNet100 } from '../../lib/data/imagenet';
import { tinyImageNet } from '../../lib/data/tiny-imagenet';
import { CIFAR100_NAMES, writeMiniCifar100, writeMiniTinyImageNet } from '../../scripts/mini-cil';

describe('CIL datasets and protocol on the miniatures', function () {
  this.timeout(60000);
  let root: string;
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-cil-data-'));
    writeMiniCifar100(root, { cifarTrain: 2, cifarTest: 1 });
    await writeMiniTinyImageNet(root, { tinyTrain: 2, tinyVal: 1, tinySide: 8 });
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it("CIFAR-100: torchvision's class order (meta fine_label_names) and fine labels", () => {
    const test = cifarDataset(root, 'cifar100', 'test');
    assert.deepEqual(test.classNames, CIFAR100_NAMES);
    assert.equal(test.length, 100);
    assert.deepEqual(
      [0, 1, 2].map((i) => test.sample(i).label),
      [0, 37, 74],
    );
  });

  it('TinyImageNet: class k is line k of wnids.txt; names from words.txt (first synonym) or the reference', () => {
    const train = tinyImageNet(root, 'train');
    const { wnids, names } = cilReferenceClassNames('tinyimagenet');
    assert.deepEqual(train.wnids, wnids);
    // words.txt here holds "<reference name>, <synonym>": the first synonym is the reference name.
    assert.deepEqual(train.classNames, names);
    assert.equal(train.length, 400);
    assert.equal(train.sample(0).label, 0);
    assert.match(train.sample(0).name!, /train\/n02124075\/images\/n02124075_0\.JPEG$/);
    const val = tinyImageNet(path.join(root, 'tiny-imagenet-200'), 'val', { names: 'reference' });
    assert.equal(val.length, 200);
    const annotations = fs
      .readFileSync(path.join(root, 'tiny-imagenet-200', 'val', 'val_annotations.txt'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    for (let i = 0; i < 5; i++) {
      assert.equal(path.basename(val.sample(i).name!), annotations[i][0], 'annotation order');
      assert.equal(wnids![val.sample(i).label], annotations[i][1]);
    }
  });

  it('steps: equal steps or initial + increment, each a slice of the class order', () => {
    const order = cilClassOrder('cifar100');
    const ten = splitClassOrder(order, { steps: 10 });
    assert.equal(ten.length, 10);
    assert.deepEqual(ten[0].classes, order.slice(0, 10));
    assert.deepEqual(ten[9], { index: 9, start: 90, end: 100, classes: order.slice(90) });
    const tiny = splitClassOrder(cilClassOrder('tinyimagenet'), { initial: 100, increment: 10 });
    assert.deepEqual(
      tiny.map((s) => s.end - s.start),
      [100, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10],
    );
    assert.deepEqual(
      splitClassOrder(order, { increment: 25 }).map((s) => s.start),
      [0, 25, 50, 75],
    );
  });

  it('a step trains on its classes with shifted targets; evaluation covers every seen class by position', () => {
    const order = cilClassOrder('cifar100');
    const steps = splitClassOrder(order, { steps: 5 });
    const train = new ClassIndex(cifarDataset(root, 'cifar100', 'train'));
    const step1 = stepTrainingSet(train, steps[1]);
    assert.equal(step1.length, 40);
    for (let i = 0; i < step1.length; i++) {
      const s = step1.sample(i);
      assert.ok(s.label >= 0 && s.label < 20);
    }
    const test = new ClassIndex(cifarDataset(root, 'cifar100', 'test'));
    const seen = seenTestSet(test, order, steps[1]);
    assert.equal(seen.length, 40);
    const raw = cifarDataset(root, 'cifar100', 'test');
    const byName = new Map<string, number>();
    for (let i = 0; i < raw.length; i++) byName.set(raw.sample(i).name!, raw.sample(i).label);
    for (let i = 0; i < seen.length; i++) {
      const s = seen.sample(i);
      assert.equal(order[s.label], byName.get(s.name!), 'label = position of the class in the order');
    }
  });

  it('cilBenchmark: TinyImageNet 100 + 10 on the miniature (11 steps, reference names, seen-classes evaluation)', () => {
    const b = cilBenchmark({ dataset: 'TinyImageNet', root, initial: 100, increment: 10, template: 'a bad photo of a {}.' });
    assert.equal(b.tasks.length, 11);
    assert.equal(b.tasks[0].train.length, 200);
    assert.equal(b.tasks[1].classNames[0], cilReferenceClassNames('tinyimagenet').names[cilClassOrder('tinyimagenet')[100]]);
    const sets = b.evaluation({ size: 32 });
    assert.equal(sets.length, 11);
    assert.equal(sets[0].classNames.length, 100);
    assert.equal(sets[10].classNames.length, 200);
    assert.deepEqual(sets[3].templates, ['a bad photo of a {}.']);
  });

  it('ImageNet-100 from split files: labels as listed, the reference names', () => {
    const base = path.join(root, 'imagenet');
    const { wnids, names } = cilReferenceClassNames('imagenet100');
    const lines: string[] = [];
    wnids!.forEach((w, k) => {
      fs.mkdirSync(path.join(base, 'train', w), { recursive: true });
      fs.writeFileSync(path.join(base, 'train', w, `${w}_1.JPEG`), '');
      lines.push(`train/${w}/${w}_1.JPEG ${k}`);
    });
    fs.writeFileSync(path.join(base, 'train_100.txt'), lines.join('\n') + '\n');
    const ds = imageNet100(base, path.join(base, 'train_100.txt'));
    assert.equal(ds.length, 100);
    assert.deepEqual(ds.classNames, names);
    assert.equal(ds.sample(5).label, 5);
  });
});
