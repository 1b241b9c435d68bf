import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateBenchmarkConfig } from '../../lib/cl/benchmark/config';
import { cilBenchmark, resolveClassOrder } from '../../lib/cl/cil-benchmark';
import { ClassIndex, splitClassOrder } from '../../lib/cl/class-incremental';
import { ListDataset } from '../../lib/data/dataset';
import { checkClassOrder, cilClassOrder, cilReferenceClassNames } from '../../lib/data/cil-class-orders';
import { imageNet100 } from '../../lib/data/imagenet';
import { tinyImageNet } from '../../lib/data/tiny-imagenet';
import { ZsclError } from '../../lib/errors';
import { writeMiniTinyImageNet } from '../../scripts/mini-cil';

/** Asserts a ZsclError with `code` whose message matches every pattern. */
function throwsCoded(fn: () => unknown, code: string, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ZsclError, `expected a ZsclError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// acceptance 4 of issue 13: malformed class-incremental inputs each give a coded error, nothing crashes.
describe('malformed CIL inputs give coded errors', function () {
  this.timeout(60000);
  let pristine: string;
  let tmp: string;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-cil-bad-'));
    pristine = path.join(tmp, 'pristine');
    await writeMiniTinyImageNet(pristine, { tinyTrain: 1, tinyVal: 1, tinySide: 8 });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  let backups = 0;
  const restores: (() => void)[] = [];
  afterEach(() => restores.splice(0).forEach((restore) => restore()));
  /**
   * The miniature TinyImageNet's folder after `edit`; `touched` (relative to it) is backed up first
   * and restored after the case, so a case copies only what it changes.
   */
  function tinyCopy(touched: string, edit: (dir: string) => void): string {
    const dir = path.join(pristine, 'tiny-imagenet-200');
    const backup = path.join(tmp, `backup-${backups++}`);
    fs.cpSync(path.join(dir, touched), backup, { recursive: true });
    restores.push(() => {
      fs.rmSync(path.join(dir, touched), { recursive: true, force: true });
      fs.cpSync(backup, path.join(dir, touched), { recursive: true });
    });
    edit(dir);
    return dir;
  }
  const wnids = () => cilReferenceClassNames('tinyimagenet').wnids!;

  describe('class orders', () => {
    it('a duplicate class names the class', () => {
      const order = range(100);
      order[7] = 3;
      throwsCoded(() => checkClassOrder(order, 100, 'cil.classOrder'), 'E_CONFIG', /class 3 appears twice/);
    });
    it('a missing class names it', () =>
      throwsCoded(() => checkClassOrder(range(99), 100, 'cil.classOrder'), 'E_CONFIG', /lists 99 classes but the dataset has 100; missing: 99/));
    it('an index out of range', () => throwsCoded(() => checkClassOrder([...range(99), 100], 100, 'x'), 'E_CONFIG', /entry 99 .* not a class index in 0…99/));
    it('a non-integer entry', () => throwsCoded(() => checkClassOrder([0, 1.5], 2, 'x'), 'E_CONFIG', /entry 1/));
    it('not a list', () => throwsCoded(() => checkClassOrder('0,1', 2, 'x'), 'E_CONFIG', /must be a list/));
    it('an unknown shipped order', () => throwsCoded(() => cilClassOrder('mnist'), 'E_CONFIG', /no shipped class order for dataset 'mnist'/));
    it("a shipped order of another dataset's size", () =>
      throwsCoded(() => resolveClassOrder({ dataset: 'TinyImageNet', classOrder: 'cifar100' }, 200), 'E_CONFIG', /100 classes but the dataset has 200/));
    it('orderSeed (the old xorshift shuffle) is refused by the config schema', () =>
      throwsCoded(
        () =>
          validateBenchmarkConfig({
            setting: 'cil',
            strategy: 'zscl',
            model: { config: 'tiny' },
            tokenizer: { byteLevel: true },
            cil: { dataset: 'CIFAR100', root: '/d', steps: 10, orderSeed: 1993 },
          }),
        'E_CONFIG',
        /cil\.orderSeed: unknown key/,
      ));
  });

  describe('splits', () => {
    const order = range(100);
    it('steps that do not divide the classes', () =>
      throwsCoded(() => splitClassOrder(order, { steps: 7 }), 'E_CONFIG', /cil\.steps 7 does not divide the 100 classes/));
    it('an increment that does not divide the classes after the first step', () =>
      throwsCoded(
        () => splitClassOrder(range(200), { initial: 100, increment: 30 }),
        'E_CONFIG',
        /cil\.increment 30 does not divide the 100 classes after the first 100/,
      ));
    it('a first step larger than the dataset', () =>
      throwsCoded(() => splitClassOrder(order, { initial: 120, increment: 10 }), 'E_CONFIG', /cil\.initial 120/));
    it('steps contradicting initial/increment', () => throwsCoded(() => splitClassOrder(order, { steps: 10, increment: 5 }), 'E_CONFIG', /contradicts/));
    it('zero steps', () => throwsCoded(() => splitClassOrder(order, { steps: 0 }), 'E_CONFIG', /cil\.steps must be a positive integer/));
    it('neither steps nor increment', () => throwsCoded(() => splitClassOrder(order, {}), 'E_CONFIG', /give cil\.steps/));
    it('a class without test samples', () => {
      const ds = new ListDataset([{ image: 'a.jpg', label: 0 }], { classNames: ['a', 'b'] });
      throwsCoded(() => new ClassIndex(ds).relabelled([0, 1], 0, 'test set'), 'E_FORMAT', /test set has no samples of class 1/);
    });
    it('an unknown dataset', () => throwsCoded(() => cilBenchmark({ dataset: 'MNIST', root: tmp, steps: 2 }), 'E_CONFIG', /cil\.dataset must be/));
  });

  describe('TinyImageNet-200 layout', () => {
    it('the pristine miniature reads', () => {
      assert.equal(tinyImageNet(path.join(pristine, 'tiny-imagenet-200'), 'val').length, 200);
    });
    it('missing val_annotations.txt', () => {
      const dir = tinyCopy('val/val_annotations.txt', (d) => fs.rmSync(path.join(d, 'val', 'val_annotations.txt')));
      throwsCoded(() => tinyImageNet(dir, 'val'), 'E_IO', /val_annotations\.txt does not exist/, /Expected this layout/, /val\/images\/<file>\.JPEG/);
    });
    it('an unknown wnid in the annotations', () => {
      const dir = tinyCopy('val/val_annotations.txt', (d) =>
        fs.appendFileSync(path.join(d, 'val', 'val_annotations.txt'), 'val_0.JPEG\tn99999999\t0\t0\t7\t7\n'),
      );
      throwsCoded(() => tinyImageNet(dir, 'val'), 'E_FORMAT', /val_annotations\.txt line 201: wnid n99999999 is not in wnids\.txt/);
    });
    it('an annotation line without a wnid', () => {
      const dir = tinyCopy('val/val_annotations.txt', (d) => fs.appendFileSync(path.join(d, 'val', 'val_annotations.txt'), 'val_x.JPEG\n'));
      throwsCoded(() => tinyImageNet(dir, 'val'), 'E_FORMAT', /line 201: expected '<file>\\t<wnid>/);
    });
    it('an annotated image missing from val/images', () => {
      const dir = tinyCopy('val/images/val_5.JPEG', (d) => fs.rmSync(path.join(d, 'val', 'images', 'val_5.JPEG')));
      throwsCoded(() => tinyImageNet(dir, 'val'), 'E_FORMAT', /val_5\.JPEG is not in .*val\/images/);
    });
    it('an image annotated twice', () => {
      const dir = tinyCopy('val/val_annotations.txt', (d) =>
        fs.appendFileSync(path.join(d, 'val', 'val_annotations.txt'), `val_0.JPEG\t${wnids()[0]}\t0\t0\t7\t7\n`),
      );
      throwsCoded(() => tinyImageNet(dir, 'val'), 'E_FORMAT', /val_0\.JPEG is annotated twice/);
    });
    it('a class without validation images', () => {
      const dir = tinyCopy('val/val_annotations.txt', (d) => {
        const file = path.join(d, 'val', 'val_annotations.txt');
        const keep = fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => !l.includes(`\t${wnids()[3]}\t`));
        fs.writeFileSync(file, keep.join('\n'));
      });
      throwsCoded(() => tinyImageNet(dir, 'val'), 'E_FORMAT', new RegExp(`have no val images .*${wnids()[3]}`));
    });
    it('missing wnids.txt', () => {
      const dir = tinyCopy('wnids.txt', (d) => fs.rmSync(path.join(d, 'wnids.txt')));
      throwsCoded(() => tinyImageNet(dir, 'train'), 'E_IO', /wnids\.txt does not exist/, /Expected this layout/);
    });
    it('a wnid listed twice', () => {
      const dir = tinyCopy('wnids.txt', (d) => fs.appendFileSync(path.join(d, 'wnids.txt'), `${wnids()[0]}\n`));
      throwsCoded(() => tinyImageNet(dir, 'train'), 'E_FORMAT', new RegExp(`line 201: wnid ${wnids()[0]} is listed twice`));
    });
    it('a wnid without a words.txt entry', () => {
      const dir = tinyCopy('words.txt', (d) => {
        const file = path.join(d, 'words.txt');
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(new RegExp(`^${wnids()[10]}\\t.*\\n`, 'm'), ''));
      });
      throwsCoded(() => tinyImageNet(dir, 'train'), 'E_FORMAT', new RegExp(`words\\.txt has no name for 1 wnid\\(s\\) of wnids\\.txt: ${wnids()[10]}`));
    });
    it('missing words.txt', () => {
      const dir = tinyCopy('words.txt', (d) => fs.rmSync(path.join(d, 'words.txt')));
      throwsCoded(() => tinyImageNet(dir, 'train'), 'E_IO', /words\.txt does not exist/);
    });
    it('a words.txt line without a tab', () => {
      const dir = tinyCopy('words.txt', (d) => fs.appendFileSync(path.join(d, 'words.txt'), 'n01 no tab here\n'));
      throwsCoded(() => tinyImageNet(dir, 'train'), 'E_FORMAT', /words\.txt line 203: expected '<wnid>\\t<names>'/);
    });
    it('a class folder without images', () => {
      const dir = tinyCopy(`train/${wnids()[2]}`, (d) => {
        const images = path.join(d, 'train', wnids()[2], 'images');
        for (const f of fs.readdirSync(images)) fs.rmSync(path.join(images, f));
      });
      throwsCoded(() => tinyImageNet(dir, 'train'), 'E_FORMAT', new RegExp(`1 class\\(es\\) have no train images .*${wnids()[2]}`));
    });
    it('a class folder missing', () => {
      const dir = tinyCopy(`train/${wnids()[4]}`, (d) => fs.rmSync(path.join(d, 'train', wnids()[4]), { recursive: true }));
      throwsCoded(() => tinyImageNet(dir, 'train'), 'E_IO', new RegExp(`train/${wnids()[4]}/images does not exist`), /Expected this layout/);
    });
    it('val/ in class folders (not the published layout)', () => {
      const dir = tinyCopy('val/images', (d) => fs.rmSync(path.join(d, 'val', 'images'), { recursive: true }));
      throwsCoded(() => tinyImageNet(dir, 'val'), 'E_IO', /val\/images does not exist/);
    });
    it('a wnid the reference has no name for (names: reference)', () => {
      const dir = tinyCopy('wnids.txt', (d) => fs.writeFileSync(path.join(d, 'wnids.txt'), ['n00000001', ...wnids().slice(1)].join('\n')));
      throwsCoded(() => tinyImageNet(dir, 'train', { names: 'reference' }), 'E_FORMAT', /not TinyImageNet-200 classes .*n00000001/);
    });
    it('no dataset at all', () =>
      throwsCoded(() => tinyImageNet(path.join(tmp, 'nothing'), 'train'), 'E_IO', /tiny-imagenet-200 does not exist/, /wnids\.txt/));
  });

  describe('ImageNet-100 split files', () => {
    const write = (name: string, text: string) => {
      const dir = path.join(tmp, 'in100');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
      return { dir, file: path.join(dir, name) };
    };
    it('a missing split file', () =>
      throwsCoded(() => imageNet100(tmp, path.join(tmp, 'train_100.txt')), 'E_IO', /train_100\.txt does not exist/, /<path> <label>/));
    it('a line without a label', () => {
      const { dir, file } = write('a.txt', 'train/n01440764/x.JPEG\n');
      throwsCoded(() => imageNet100(dir, file), 'E_FORMAT', /a\.txt line 1: expected '<path> <label>'/);
    });
    it('a label outside 0…99', () => {
      const { dir, file } = write('b.txt', 'train/n01440764/x.JPEG 100\n');
      throwsCoded(() => imageNet100(dir, file), 'E_FORMAT', /label 100 is outside 0…99/);
    });
    it("a label whose wnid is not the reference's", () => {
      const { dir, file } = write('c.txt', 'train/n01443537/x.JPEG 0\n');
      throwsCoded(() => imageNet100(dir, file), 'E_FORMAT', /label 0 is n01443537 here but the reference's ImageNet-100 class 0 is n01440764 \(tench\)/);
    });
    it('labels without images', () => {
      const { dir, file } = write('d.txt', 'train/n01440764/x.JPEG 0\n');
      throwsCoded(() => imageNet100(dir, file), 'E_FORMAT', /no images of label\(s\) 1, 2, 3/);
    });
  });
});
