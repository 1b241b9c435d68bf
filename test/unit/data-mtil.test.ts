import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Dataset } from '../../lib/data/dataset';
import { MTIL_ORDER_I, MTIL_ORDER_II, mtilDataset, mtilInfo } from '../../lib/data/mtil';
import { torchRandomSplit } from '../../lib/data/torch-random';
import { idxFile } from '../../scripts/mini-mtil';
import { repoRoot } from '../support/fixtures';

const FORMATS = path.join(repoRoot, 'test', 'fixtures', 'data', 'formats');

function write(file: string, content: string | Uint8Array = 'x'): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

function listing(ds: Dataset, root: string): string[] {
  return Array.from({ length: ds.length }, (_, i) => {
    const s = ds.sample(i);
    return `${s.label}:${typeof s.image === 'string' ? path.relative(root, s.image) : 'raw'}`;
  });
}

describe('data: MTIL dataset configs', () => {
  it('has the templates of the reference for all 11 datasets', () => {
    const counts: Record<string, number> = {
      Aircraft: 2,
      Caltech101: 34,
      CIFAR100: 18,
      DTD: 8,
      EuroSAT: 3,
      Flowers: 1,
      Food: 1,
      MNIST: 1,
      OxfordPet: 1,
      StanfordCars: 9,
      SUN397: 2,
    };
    for (const name of MTIL_ORDER_I) {
      const info = mtilInfo(name);
      assert.equal(info.templates.length, counts[name], name);
      assert.ok(
        info.templates.every((t) => t.includes('{c}')),
        name,
      );
    }
    assert.equal(mtilInfo('Aircraft').templates[0], 'a photo of a {c}, a type of aircraft.');
    assert.equal(mtilInfo('MNIST').templates[0], 'a photo of the number: "{c}".');
    assert.equal(mtilInfo('EuroSAT').templates[0], 'a centered satellite photo of {c}.');
    assert.deepEqual(
      [mtilInfo('Caltech101').classNames?.length, mtilInfo('Flowers').classNames?.length, mtilInfo('EuroSAT').classNames?.length],
      [101, 102, 10],
    );
    assert.deepEqual([...MTIL_ORDER_II].sort(), [...MTIL_ORDER_I].sort());
    assert.throws(() => mtilInfo('ImageNet' as never), { code: 'E_ARG' });
  });
});

describe('data: MTIL dataset layouts', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-mtil-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('shows the expected layout when a dataset is missing', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-mtil-empty-'));
    try {
      const hints: Record<string, string> = {
        Aircraft: 'fgvc-aircraft-2013b/data/variants.txt',
        Caltech101: 'caltech101/101_ObjectCategories',
        CIFAR100: 'cifar-100-python',
        DTD: 'dtd/dtd/labels/train1.txt',
        EuroSAT: 'eurosat/2750',
        Flowers: 'flowers-102/jpg',
        Food: 'food-101/meta/train.json',
        MNIST: 'train-images-idx3-ubyte',
        OxfordPet: 'oxford-iiit-pet/annotations/trainval.txt',
        StanfordCars: 'stanford_cars/devkit/cars_train_annos.mat',
        SUN397: 'SUN397/ClassName.txt',
      };
      for (const name of MTIL_ORDER_I) {
        assert.throws(
          () => mtilDataset(name, empty, 'train'),
          (e: Error & { code?: string }) => e.code === 'E_IO' && e.message.includes('Expected this layout') && e.message.includes(hints[name]),
          name,
        );
      }
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('Aircraft: variants.txt classes, images_variant_<split>.txt samples', () => {
    const data = path.join(root, 'fgvc-aircraft-2013b', 'data');
    write(path.join(data, 'variants.txt'), '707-320\nA300B4\nCessna 172\n');
    write(path.join(data, 'images_variant_train.txt'), '1025794 Cessna 172\n0056978 707-320\n');
    const ds = mtilDataset('Aircraft', root, 'train');
    assert.deepEqual(ds.classNames, ['707-320', 'A300B4', 'Cessna 172']);
    assert.deepEqual(listing(ds, data), ['2:images/1025794.jpg', '0:images/0056978.jpg']);
    assert.equal(ds.templates?.length, 2);
  });

  it('Caltech101: sorted categories without BACKGROUND_Google, image_%04d names, 80/20 split with seed 42', () => {
    const base = path.join(root, 'caltech101', '101_ObjectCategories');
    const counts = { BACKGROUND_Google: 2, Faces: 3, Faces_easy: 2, Leopards: 4, accordion: 1 };
    for (const [cat, n] of Object.entries(counts)) for (let i = 1; i <= n; i++) write(path.join(base, cat, `image_${String(i).padStart(4, '0')}.jpg`));
    const train = mtilDataset('Caltech101', root, 'train');
    const test = mtilDataset('Caltech101', root, 'test');
    assert.equal(train.length + test.length, 10);
    const all = [
      '0:Faces/image_0001.jpg',
      '0:Faces/image_0002.jpg',
      '0:Faces/image_0003.jpg',
      '1:Faces_easy/image_0001.jpg',
      '1:Faces_easy/image_0002.jpg',
      '2:Leopards/image_0001.jpg',
      '2:Leopards/image_0002.jpg',
      '2:Leopards/image_0003.jpg',
      '2:Leopards/image_0004.jpg',
      '3:accordion/image_0001.jpg',
    ];
    const [trainIdx, testIdx] = torchRandomSplit(10, [8, 2], 42);
    assert.deepEqual(
      listing(train, base),
      trainIdx.map((i) => all[i]),
    );
    assert.deepEqual(
      listing(test, base),
      testIdx.map((i) => all[i]),
    );
    assert.equal(train.classNames?.[0], 'off-center face');
  });

  it('CIFAR100: the pickles, class names with spaces', () => {
    const ds = mtilDataset('CIFAR100', path.join(FORMATS, 'cifar100-python'), 'test');
    assert.equal(ds.length, 3);
    assert.deepEqual(ds.classNames, ['apple', 'aquarium fish', 'baby', 'bear']);
    assert.equal(ds.templates?.length, 18);
  });

  it('DTD: labels/<split>1.txt', () => {
    const base = path.join(root, 'dtd', 'dtd');
    write(path.join(base, 'labels', 'test1.txt'), 'zigzagged/zigzagged_0001.jpg\nbanded/banded_0002.jpg\npolka-dotted/polka-dotted_0003.jpg\n');
    const ds = mtilDataset('DTD', root, 'test');
    assert.deepEqual(ds.classNames, ['banded', 'polka-dotted', 'zigzagged']);
    assert.deepEqual(listing(ds, base), [
      '2:images/zigzagged/zigzagged_0001.jpg',
      '0:images/banded/banded_0002.jpg',
      '1:images/polka-dotted/polka-dotted_0003.jpg',
    ]);
  });

  it('EuroSAT: an image folder under 2750/, split 80/20', () => {
    const base = path.join(root, 'eurosat', '2750');
    for (const cls of ['AnnualCrop', 'Forest', 'River']) for (let i = 1; i <= 5; i++) write(path.join(base, cls, `${cls}_${i}.jpg`));
    const train = mtilDataset('EuroSAT', root, 'train');
    const test = mtilDataset('EuroSAT', root, 'test');
    assert.deepEqual([train.length, test.length], [12, 3]);
    assert.equal(train.classNames?.[1], 'forest');
    const [, testIdx] = torchRandomSplit(15, [12, 3], 42);
    assert.deepEqual(
      listing(test, base).map((s) => s.split(':')[1]),
      testIdx.map((i) => `${['AnnualCrop', 'Forest', 'River'][Math.floor(i / 5)]}/${['AnnualCrop', 'Forest', 'River'][Math.floor(i / 5)]}_${(i % 5) + 1}.jpg`),
    );
  });

  it('Flowers: imagelabels.mat and setid.mat', () => {
    const base = path.join(root, 'flowers-102');
    fs.mkdirSync(path.join(base, 'jpg'), { recursive: true });
    fs.copyFileSync(path.join(FORMATS, 'mat', 'imagelabels.mat'), path.join(base, 'imagelabels.mat'));
    fs.copyFileSync(path.join(FORMATS, 'mat', 'setid.mat'), path.join(base, 'setid.mat'));
    // labels = [3, 1, 2, 2, 1, 3, 1, 2]; trnid = [1, 4, 6]; tstid = [3, 5, 8]
    assert.deepEqual(listing(mtilDataset('Flowers', root, 'train'), base), ['2:jpg/image_00001.jpg', '1:jpg/image_00004.jpg', '2:jpg/image_00006.jpg']);
    assert.deepEqual(listing(mtilDataset('Flowers', root, 'test'), base), ['1:jpg/image_00003.jpg', '0:jpg/image_00005.jpg', '1:jpg/image_00008.jpg']);
  });

  it('Food: meta/<split>.json in file order, labels from sorted class names', () => {
    const base = path.join(root, 'food-101');
    fs.mkdirSync(path.join(base, 'images'), { recursive: true });
    write(path.join(base, 'meta', 'train.json'), JSON.stringify({ waffles: ['waffles/11', 'waffles/12'], apple_pie: ['apple_pie/3'] }));
    const ds = mtilDataset('Food', root, 'train');
    assert.deepEqual(ds.classNames, ['apple pie', 'waffles']);
    assert.deepEqual(listing(ds, base), ['1:images/waffles/11.jpg', '1:images/waffles/12.jpg', '0:images/apple_pie/3.jpg']);
  });

  it('MNIST: MNIST/raw IDX files with torchvision class names', () => {
    const raw = path.join(root, 'MNIST', 'raw');
    write(path.join(raw, 'train-images-idx3-ubyte'), idxFile([2, 28, 28], new Uint8Array(2 * 784)));
    write(path.join(raw, 'train-labels-idx1-ubyte'), idxFile([2], new Uint8Array([4, 2])));
    const ds = mtilDataset('MNIST', root, 'train');
    assert.deepEqual([ds.length, ds.sample(0).label, ds.classNames?.[4]], [2, 4, '4 - four']);
  });

  it('OxfordPet: annotations/trainval.txt with title-cased breed names', () => {
    const base = path.join(root, 'oxford-iiit-pet');
    write(path.join(base, 'annotations', 'trainval.txt'), 'american_pit_bull_terrier_10 3 2 2\nAbyssinian_100 1 1 1\namerican_bulldog_1 2 2 1\n');
    const ds = mtilDataset('OxfordPet', root, 'train');
    assert.deepEqual(ds.classNames, ['Abyssinian', 'American Bulldog', 'American Pit Bull Terrier']);
    assert.deepEqual(listing(ds, base), ['2:images/american_pit_bull_terrier_10.jpg', '0:images/Abyssinian_100.jpg', '1:images/american_bulldog_1.jpg']);
  });

  it('StanfordCars: devkit annotations and class names', () => {
    const base = path.join(root, 'stanford_cars');
    fs.mkdirSync(path.join(base, 'devkit'), { recursive: true });
    fs.copyFileSync(path.join(FORMATS, 'mat', 'cars_meta.mat'), path.join(base, 'devkit', 'cars_meta.mat'));
    fs.copyFileSync(path.join(FORMATS, 'mat', 'cars_train_annos.mat'), path.join(base, 'devkit', 'cars_train_annos.mat'));
    fs.copyFileSync(path.join(FORMATS, 'mat', 'cars_test_annos_withlabels.mat'), path.join(base, 'cars_test_annos_withlabels.mat'));
    const train = mtilDataset('StanfordCars', root, 'train');
    assert.deepEqual(train.classNames, ['AM General Hummer SUV 2000', 'Acura RL Sedan 2012', 'smart fortwo Convertible 2012']);
    assert.deepEqual(listing(train, base), ['0:cars_train/00001.jpg', '2:cars_train/00002.jpg', '1:cars_train/00003.jpg', '0:cars_train/00004.jpg']);
    assert.deepEqual(listing(mtilDataset('StanfordCars', root, 'test'), base), ['0:cars_test/00001.jpg', '2:cars_test/00002.jpg']);
  });

  it('SUN397: ClassName.txt and nested class folders, split 80/20', () => {
    const base = path.join(root, 'SUN397');
    write(path.join(base, 'ClassName.txt'), '/a/abbey\n/a/apartment_building/outdoor\n/b/bathroom\n');
    const files = [
      'a/abbey/sun_b.jpg',
      'a/abbey/sun_a.jpg',
      'a/apartment_building/outdoor/sun_c.jpg',
      'b/bathroom/sun_d.jpg',
      'b/bathroom/sun_e.jpg',
      'b/bathroom/notes.jpg',
    ];
    for (const f of files) write(path.join(base, f));
    const train = mtilDataset('SUN397', root, 'train');
    const test = mtilDataset('SUN397', root, 'test');
    assert.deepEqual(train.classNames, ['abbey', 'apartment building/outdoor', 'bathroom']);
    // The order is the file system's (torchvision's Path.rglob; the parity test checks it against
    // Python): here, only that the split covers every sun_*.jpg once, 4 + 1.
    const all = ['0:a/abbey/sun_a.jpg', '0:a/abbey/sun_b.jpg', '1:a/apartment_building/outdoor/sun_c.jpg', '2:b/bathroom/sun_d.jpg', '2:b/bathroom/sun_e.jpg'];
    assert.equal(train.length, 4);
    assert.equal(test.length, 1);
    assert.deepEqual([...listing(train, base), ...listing(test, base)].sort(), all);
  });
});
