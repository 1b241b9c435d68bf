/**
 * Malformed MTIL inputs: each gives a coded ZsclError (E_IO for what is missing, E_FORMAT for what
 * is wrong) whose message names the offending file and shows the expected layout; nothing crashes
 * with a TypeError or hangs, and a pickle's globals never run.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZsclError } from '../../lib/errors';
import { manifestDataset } from '../../lib/data/manifest';
import { mtilDataset } from '../../lib/data/mtil';
import type { MtilDatasetName } from '../../lib/data/mtil';
import { referenceImages, referenceTexts } from '../../lib/data/reference';
import { writeMiniMtil } from '../../scripts/mini-mtil';
import { matFile } from '../../scripts/mini-mtil-mat';

interface Case {
  name: string;
  /** Breaks a fresh copy of the miniature rooted at `root`. */
  breakIt: (root: string) => void;
  /** What reads it. */
  read: (root: string) => unknown;
  code: 'E_IO' | 'E_FORMAT';
  /** A part of the offending file's path the message must name. */
  file: string;
  /** A part of the expected layout the message must show (default: 'Expected'). */
  layout?: string;
  /** The top-level entries of the miniature it needs (default: the one of the path in `file`'s dataset). */
  needs?: string[];
}

/** The top-level folder of each dataset in the miniature. */
const FOLDERS: Record<MtilDatasetName, string> = {
  Aircraft: 'fgvc-aircraft-2013b',
  Caltech101: 'caltech101',
  CIFAR100: 'cifar-100-python',
  DTD: 'dtd',
  EuroSAT: 'eurosat',
  Flowers: 'flowers-102',
  Food: 'food-101',
  MNIST: 'MNIST',
  OxfordPet: 'oxford-iiit-pet',
  StanfordCars: 'stanford_cars',
  SUN397: 'SUN397',
};

const mtil =
  (name: MtilDatasetName, split: 'train' | 'test' = 'train') =>
  (root: string) =>
    mtilDataset(name, root, split);
const rm = (file: string) => (root: string) => fs.rmSync(path.join(root, file), { recursive: true, force: true });
const put = (file: string, content: string | Uint8Array) => (root: string) => {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), content);
};
const truncate = (file: string, keep: number) => (root: string) => {
  const bytes = fs.readFileSync(path.join(root, file));
  fs.writeFileSync(path.join(root, file), bytes.subarray(0, keep));
};

// A protocol-2 pickle whose execution would run os.system('touch <marker>'); the safe reader must
// refuse the global without running it.
function evilPickle(marker: string): Buffer {
  const command = Buffer.from(`touch ${marker}`, 'latin1');
  return Buffer.concat([
    Buffer.from([0x80, 0x02]),
    Buffer.from('cposix\nsystem\n', 'latin1'), // GLOBAL posix.system
    Buffer.from([0x58]), // BINUNICODE
    Buffer.from(Uint32Array.of(command.length).buffer),
    command,
    Buffer.from([0x85, 0x52, 0x2e]), // TUPLE1, REDUCE, STOP
  ]);
}

const marker = path.join(os.tmpdir(), `zscl-pickle-ran-${process.pid}`);

const CASES: Case[] = [
  // FGVC Aircraft
  { name: 'Aircraft: variants.txt missing', breakIt: rm('fgvc-aircraft-2013b/data/variants.txt'), read: mtil('Aircraft'), code: 'E_IO', file: 'variants.txt' },
  {
    name: 'Aircraft: images_variant_test.txt missing',
    breakIt: rm('fgvc-aircraft-2013b/data/images_variant_test.txt'),
    read: mtil('Aircraft', 'test'),
    code: 'E_IO',
    file: 'images_variant_test.txt',
  },
  {
    name: 'Aircraft: a variant that variants.txt lacks',
    breakIt: put('fgvc-aircraft-2013b/data/images_variant_train.txt', '1000000 707-320\n1000001 Concorde\n'),
    read: mtil('Aircraft'),
    code: 'E_FORMAT',
    file: 'images_variant_train.txt',
  },
  {
    name: 'Aircraft: a line without an image id',
    breakIt: put('fgvc-aircraft-2013b/data/images_variant_train.txt', '1000000\n'),
    read: mtil('Aircraft'),
    code: 'E_FORMAT',
    file: 'images_variant_train.txt',
  },
  // Caltech101
  {
    name: 'Caltech101: 101_ObjectCategories missing',
    breakIt: rm('caltech101/101_ObjectCategories'),
    read: mtil('Caltech101'),
    code: 'E_IO',
    file: '101_ObjectCategories',
  },
  {
    name: 'Caltech101: a non-image file in a category folder',
    breakIt: put('caltech101/101_ObjectCategories/accordion/notes.txt', 'hello'),
    read: mtil('Caltech101'),
    code: 'E_FORMAT',
    file: 'accordion',
    layout: 'image_0001.jpg',
  },
  {
    name: 'Caltech101: an empty category',
    breakIt: (root) => fs.mkdirSync(path.join(root, 'caltech101/101_ObjectCategories/zebra')),
    read: mtil('Caltech101'),
    code: 'E_FORMAT',
    file: 'zebra',
  },
  {
    name: 'Caltech101: only BACKGROUND_Google',
    breakIt: (root) => {
      const base = path.join(root, 'caltech101/101_ObjectCategories');
      for (const e of fs.readdirSync(base)) if (e !== 'BACKGROUND_Google') fs.rmSync(path.join(base, e), { recursive: true });
    },
    read: mtil('Caltech101'),
    code: 'E_FORMAT',
    file: '101_ObjectCategories',
  },
  // CIFAR-100
  { name: 'CIFAR100: cifar-100-python missing', breakIt: rm('cifar-100-python'), read: mtil('CIFAR100'), code: 'E_IO', file: 'cifar-100-python' },
  {
    name: 'CIFAR100: a pickle with a global that would create a file',
    breakIt: put('cifar-100-python/train', evilPickle(marker)),
    read: mtil('CIFAR100'),
    code: 'E_FORMAT',
    file: 'cifar-100-python/train',
  },
  {
    name: 'CIFAR100: a truncated pickle',
    breakIt: truncate('cifar-100-python/test', 500),
    read: mtil('CIFAR100', 'test'),
    code: 'E_FORMAT',
    file: 'cifar-100-python/test',
  },
  {
    name: 'CIFAR100: meta without label names',
    breakIt: put('cifar-100-python/meta', Buffer.from([0x80, 0x02, 0x7d, 0x2e])), // an empty dict
    read: mtil('CIFAR100'),
    code: 'E_FORMAT',
    file: 'cifar-100-python/meta',
  },
  // DTD
  { name: 'DTD: labels/train1.txt missing', breakIt: rm('dtd/dtd/labels/train1.txt'), read: mtil('DTD'), code: 'E_IO', file: 'train1.txt' },
  {
    name: "DTD: a label line that is not '<class>/<image>'",
    breakIt: put('dtd/dtd/labels/test1.txt', 'banded_0001.jpg\n'),
    read: mtil('DTD', 'test'),
    code: 'E_FORMAT',
    file: 'test1.txt',
  },
  // EuroSAT
  { name: 'EuroSAT: 2750 missing', breakIt: rm('eurosat/2750'), read: mtil('EuroSAT'), code: 'E_IO', file: 'eurosat/2750' },
  {
    name: 'EuroSAT: an empty class folder',
    breakIt: (root) => fs.mkdirSync(path.join(root, 'eurosat/2750/Glacier')),
    read: mtil('EuroSAT'),
    code: 'E_FORMAT',
    file: 'Glacier',
  },
  {
    name: 'EuroSAT: a class folder of non-image files',
    breakIt: (root) => {
      const dir = path.join(root, 'eurosat/2750/River');
      for (const f of fs.readdirSync(dir)) fs.renameSync(path.join(dir, f), path.join(dir, `${f}.txt`));
    },
    read: mtil('EuroSAT'),
    code: 'E_FORMAT',
    file: 'River',
  },
  {
    name: 'EuroSAT: no class folders',
    breakIt: (root) => {
      fs.rmSync(path.join(root, 'eurosat/2750'), { recursive: true });
      fs.mkdirSync(path.join(root, 'eurosat/2750'));
      fs.writeFileSync(path.join(root, 'eurosat/2750/readme.txt'), 'x');
    },
    read: mtil('EuroSAT'),
    code: 'E_IO',
    file: 'eurosat/2750',
  },
  // Flowers102
  { name: 'Flowers: setid.mat missing', breakIt: rm('flowers-102/setid.mat'), read: mtil('Flowers'), code: 'E_IO', file: 'setid.mat' },
  {
    name: 'Flowers: imagelabels.mat is not a MAT-file',
    breakIt: put('flowers-102/imagelabels.mat', 'labels = [1 2 3]\n'),
    read: mtil('Flowers'),
    code: 'E_FORMAT',
    file: 'imagelabels.mat',
  },
  { name: 'Flowers: a truncated setid.mat', breakIt: truncate('flowers-102/setid.mat', 200), read: mtil('Flowers'), code: 'E_FORMAT', file: 'setid.mat' },
  {
    name: 'Flowers: setid.mat without tstid',
    breakIt: put('flowers-102/setid.mat', matFile({ trnid: { kind: 'numeric', type: 'uint16', values: [1, 2] } })),
    read: mtil('Flowers', 'test'),
    code: 'E_FORMAT',
    file: 'setid.mat',
  },
  {
    name: 'Flowers: an image id without a label',
    breakIt: put('flowers-102/setid.mat', matFile({ trnid: { kind: 'numeric', type: 'uint16', values: [1, 60000] } })),
    read: mtil('Flowers'),
    code: 'E_FORMAT',
    file: 'setid.mat',
  },
  {
    name: 'Flowers: a MAT 7.3 (HDF5) file',
    breakIt: put('flowers-102/imagelabels.mat', Buffer.concat([Buffer.from('MATLAB 7.3 MAT-file, Platform: GLNXA64'.padEnd(128, ' '))])),
    read: mtil('Flowers'),
    code: 'E_FORMAT',
    file: 'imagelabels.mat',
  },
  // Food-101
  { name: 'Food: meta/train.json missing', breakIt: rm('food-101/meta/train.json'), read: mtil('Food'), code: 'E_IO', file: 'train.json' },
  {
    name: 'Food: meta/test.json not JSON',
    breakIt: put('food-101/meta/test.json', '{"apple_pie": ['),
    read: mtil('Food', 'test'),
    code: 'E_FORMAT',
    file: 'test.json',
  },
  {
    name: 'Food: meta/train.json a list',
    breakIt: put('food-101/meta/train.json', '["apple_pie/1"]'),
    read: mtil('Food'),
    code: 'E_FORMAT',
    file: 'train.json',
  },
  {
    name: 'Food: a class whose images are not a list of paths',
    breakIt: put('food-101/meta/train.json', '{"apple_pie": "apple_pie/1"}'),
    read: mtil('Food'),
    code: 'E_FORMAT',
    file: 'train.json',
  },
  // MNIST
  {
    name: 'MNIST: the image file missing',
    breakIt: rm('MNIST/raw/train-images-idx3-ubyte'),
    read: mtil('MNIST'),
    code: 'E_IO',
    file: 'train-images-idx3-ubyte',
  },
  {
    name: 'MNIST: the label file missing',
    breakIt: rm('MNIST/raw/t10k-labels-idx1-ubyte'),
    read: mtil('MNIST', 'test'),
    code: 'E_IO',
    file: 't10k-labels-idx1-ubyte',
  },
  {
    name: 'MNIST: a truncated IDX file',
    breakIt: truncate('MNIST/raw/train-images-idx3-ubyte', 1000),
    read: mtil('MNIST'),
    code: 'E_FORMAT',
    file: 'train-images-idx3-ubyte',
  },
  {
    name: 'MNIST: an IDX header cut short',
    breakIt: truncate('MNIST/raw/train-labels-idx1-ubyte', 6),
    read: mtil('MNIST'),
    code: 'E_FORMAT',
    file: 'train-labels-idx1-ubyte',
  },
  {
    name: 'MNIST: not an IDX file',
    breakIt: put('MNIST/raw/t10k-images-idx3-ubyte', 'P5\n28 28\n255\n'),
    read: mtil('MNIST', 'test'),
    code: 'E_FORMAT',
    file: 't10k-images-idx3-ubyte',
  },
  {
    name: 'MNIST: labels for a different number of images',
    breakIt: put('MNIST/raw/train-labels-idx1-ubyte', Buffer.from([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3])),
    read: mtil('MNIST'),
    code: 'E_FORMAT',
    file: 'train-labels-idx1-ubyte',
  },
  // Oxford-IIIT Pet
  {
    name: 'OxfordPet: trainval.txt missing',
    breakIt: rm('oxford-iiit-pet/annotations/trainval.txt'),
    read: mtil('OxfordPet'),
    code: 'E_IO',
    file: 'trainval.txt',
  },
  {
    name: 'OxfordPet: a class id that is not a number',
    breakIt: put('oxford-iiit-pet/annotations/test.txt', 'Abyssinian_3 one 1 1\n'),
    read: mtil('OxfordPet', 'test'),
    code: 'E_FORMAT',
    file: 'test.txt',
  },
  {
    name: 'OxfordPet: a line with the image id only',
    breakIt: put('oxford-iiit-pet/annotations/trainval.txt', 'Abyssinian_1\n'),
    read: mtil('OxfordPet'),
    code: 'E_FORMAT',
    file: 'trainval.txt',
  },
  // Stanford Cars
  {
    name: 'StanfordCars: cars_meta.mat missing',
    breakIt: rm('stanford_cars/devkit/cars_meta.mat'),
    read: mtil('StanfordCars'),
    code: 'E_IO',
    file: 'cars_meta.mat',
  },
  {
    name: 'StanfordCars: test annotations without classes (cars_test_annos.mat in place of the labelled one)',
    breakIt: (root) =>
      fs.copyFileSync(path.join(root, 'stanford_cars/devkit/cars_test_annos.mat'), path.join(root, 'stanford_cars/cars_test_annos_withlabels.mat')),
    read: mtil('StanfordCars', 'test'),
    code: 'E_FORMAT',
    file: 'cars_test_annos_withlabels.mat',
  },
  {
    name: "StanfordCars: an annotations file without 'annotations'",
    breakIt: put('stanford_cars/devkit/cars_train_annos.mat', matFile({ annos: { kind: 'numeric', type: 'double', values: [1] } })),
    read: mtil('StanfordCars'),
    code: 'E_FORMAT',
    file: 'cars_train_annos.mat',
  },
  {
    name: 'StanfordCars: a truncated cars_meta.mat',
    breakIt: truncate('stanford_cars/devkit/cars_meta.mat', 300),
    read: mtil('StanfordCars'),
    code: 'E_FORMAT',
    file: 'cars_meta.mat',
  },
  // SUN397
  { name: 'SUN397: ClassName.txt missing', breakIt: rm('SUN397/ClassName.txt'), read: mtil('SUN397'), code: 'E_IO', file: 'ClassName.txt' },
  {
    name: 'SUN397: an image in a class ClassName.txt does not list',
    breakIt: put('SUN397/z/zoo/sun_aaaaaaaaaaaaaaaa.jpg', 'x'),
    read: mtil('SUN397'),
    code: 'E_FORMAT',
    file: 'sun_aaaaaaaaaaaaaaaa.jpg',
  },
  // Reference inputs
  {
    name: 'captions: the named column missing',
    breakIt: () => undefined,
    read: (root) => referenceTexts(path.join(root, 'Validation_GCC-1.1.0-Validation_output.csv'), { column: 'caption' }),
    code: 'E_FORMAT',
    file: 'Validation_GCC-1.1.0-Validation_output.csv',
    layout: "'title', 'filepath'",
    needs: ['Validation_GCC-1.1.0-Validation_output.csv'],
  },
  {
    name: 'captions: a quote never closed',
    breakIt: put('Validation_GCC-1.1.0-Validation_output.csv', 'title\tfilepath\n"a dog\tx.jpg\nanother\ty.jpg\n'),
    read: (root) => referenceTexts(path.join(root, 'Validation_GCC-1.1.0-Validation_output.csv'), { column: 'title' }),
    code: 'E_FORMAT',
    file: 'Validation_GCC-1.1.0-Validation_output.csv',
    layout: 'line 2',
  },
  {
    name: 'reference images: the folder missing',
    breakIt: rm('ImageNet'),
    read: (root) => referenceImages(path.join(root, 'ImageNet', 'train')),
    needs: ['ImageNet'],
    code: 'E_IO',
    file: 'ImageNet',
  },
  {
    name: 'manifest: the path/label columns missing',
    breakIt: put('manifest.csv', 'file\tclass\na.jpg\t0\n'),
    read: (root) => manifestDataset(path.join(root, 'manifest.csv')),
    code: 'E_FORMAT',
    file: 'manifest.csv',
    layout: "'path' and 'label'",
  },
];

describe('data: malformed MTIL inputs give coded errors naming the file and the layout', function () {
  this.timeout(120_000);
  let pristine: string;
  const works: string[] = [];

  before(async () => {
    pristine = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-mtil-bad-'));
    await writeMiniMtil(pristine, { train: 1, test: 1, side: 8 });
  });
  after(() => {
    for (const dir of [pristine, ...works]) fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(marker, { force: true });
  });

  /** A fresh copy of the parts of the miniature that `needs` names. */
  function copy(needs: readonly string[]): string {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-mtil-bad-case-'));
    works.push(work);
    for (const entry of needs) fs.cpSync(path.join(pristine, entry), path.join(work, entry), { recursive: true });
    return work;
  }

  function needsOf(c: Case): string[] {
    if (c.needs) return c.needs;
    const top = Object.values(FOLDERS).find((folder) => c.file.startsWith(folder) || c.name.startsWith(datasetOf(folder)));
    return top ? [top] : [];
  }

  function datasetOf(folder: string): string {
    return Object.entries(FOLDERS).find(([, f]) => f === folder)![0];
  }

  it(`has at least 30 cases (${CASES.length})`, () => assert.ok(CASES.length >= 30));

  it('the unbroken miniature reads', () => {
    for (const name of Object.keys(FOLDERS) as MtilDatasetName[]) assert.ok(mtilDataset(name, pristine, 'train').length > 0, name);
  });

  for (const c of CASES) {
    it(c.name, () => {
      const work = copy(needsOf(c));
      c.breakIt(work);
      assert.throws(
        () => c.read(work),
        (e: unknown) => {
          assert.ok(e instanceof ZsclError, `not a ZsclError: ${String(e)}`);
          assert.equal(e.code, c.code, e.message);
          assert.ok(e.message.includes(c.file), `does not name ${c.file}: ${e.message}`);
          assert.ok(e.message.includes(c.layout ?? 'Expected'), `shows no layout (${c.layout ?? 'Expected'}): ${e.message}`);
          return true;
        },
      );
    });
  }

  it('never ran the pickled command', () => {
    assert.equal(fs.existsSync(marker), false);
  });
});
