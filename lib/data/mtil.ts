/**
 * The 11 datasets of the MTIL benchmark, read from the folders torchvision's downloaders create
 * (the reference builds each with `torchvision.datasets.X(location, …)`), with the reference's
 * splits, class names and prompt templates (configs/datasets/<name>.json). Sample order matches
 * torchvision's, so the seeded 80/20 splits select the same images as the reference. For SUN397
 * that order is the file system's (torchvision lists it with `Path.rglob`), read here the same way:
 * on one copy of the data both pick the same split; another copy may list its folders in another
 * order, and then both pick another split, as the reference would.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ZsclError, argumentError, describeValue } from '../errors';
import { readJsonFile } from '../io/json-file';
import { packageRoot } from '../native';
import { cifarDataset } from './cifar';
import type { Dataset, Sample } from './dataset';
import { ListDataset, splitTrainTest } from './dataset';
import { imageFolder } from './image-folder';
import { comparePython, listSorted, requirePath } from './layout';
import { matNumbers, matString, readMat } from './mat';
import { readTextLines } from './text-lines';
import { idxDataset } from './mnist';

/** The MTIL task names. */
export type MtilDatasetName =
  'Aircraft' | 'Caltech101' | 'CIFAR100' | 'DTD' | 'EuroSAT' | 'Flowers' | 'Food' | 'MNIST' | 'OxfordPet' | 'StanfordCars' | 'SUN397';

/** MTIL order I (alphabetical; the reference's ZSCL.sh and the paper's Table 3). */
export const MTIL_ORDER_I: readonly MtilDatasetName[] = [
  'Aircraft',
  'Caltech101',
  'CIFAR100',
  'DTD',
  'EuroSAT',
  'Flowers',
  'Food',
  'MNIST',
  'OxfordPet',
  'StanfordCars',
  'SUN397',
];

/** MTIL order II (the paper's Table 10). */
export const MTIL_ORDER_II: readonly MtilDatasetName[] = [
  'StanfordCars',
  'Food',
  'MNIST',
  'OxfordPet',
  'Flowers',
  'SUN397',
  'Aircraft',
  'Caltech101',
  'DTD',
  'EuroSAT',
  'CIFAR100',
];

/** What configs/datasets/<name>.json holds. */
export interface MtilInfo {
  name: MtilDatasetName;
  /** Prompt templates with `{c}`; the first is the training prompt, all are averaged for evaluation. */
  templates: string[];
  /** Class names when fixed by the reference or torchvision; otherwise read from the dataset files. */
  classNames?: string[];
  /** Where the class names come from. */
  classNamesFrom: string;
}

/** The folder of the dataset configs. */
const datasetConfigDir = path.join(packageRoot, 'configs', 'datasets');

/**
 * Templates and (when fixed) class names of an MTIL dataset. Sync.
 * @throws ZsclError E_ARG for an unknown name, E_CONFIG for an unreadable config.
 */
export function mtilInfo(name: MtilDatasetName): MtilInfo {
  if (!MTIL_ORDER_I.includes(name))
    throw new ZsclError(`mtilInfo: unknown dataset ${describeValue(name)}; expected one of ${MTIL_ORDER_I.join(', ')}`, 'E_ARG');
  const file = path.join(datasetConfigDir, `${name}.json`);
  const info = readJsonFile(file, { what: 'mtilInfo: dataset config', code: 'E_CONFIG' }) as MtilInfo;
  if (!Array.isArray(info.templates) || info.templates.length === 0) throw new ZsclError(`mtilInfo: dataset config ${file} has no templates`, 'E_CONFIG');
  return info;
}

/** The reference's `underline_to_space`. */
function spaces(names: readonly string[]): string[] {
  return names.map((n) => n.replace(/_/g, ' '));
}

/**
 * An MTIL dataset's train or test split from `root` (the `location` given to torchvision). Sync
 * (reads annotation files and lists folders; images are decoded later by the loader).
 * @throws ZsclError E_IO showing the expected layout when files are missing; E_FORMAT for
 *   malformed annotation files; E_ARG for an unknown name or split.
 */
export function mtilDataset(name: MtilDatasetName, root: string, split: 'train' | 'test'): Dataset {
  if (split !== 'train' && split !== 'test') throw argumentError('mtilDataset', "split 'train' or 'test'", split);
  const info = mtilInfo(name);
  const { samples, classNames } = withLayout(name, root, split, () => READERS[name](root, split, info));
  const dataset = Array.isArray(samples) ? new ListDataset(samples) : samples;
  if (name === 'Caltech101' || name === 'EuroSAT' || name === 'SUN397') {
    const halves = splitTrainTest(dataset, { ratio: 0.8, seed: 42 });
    return withInfo(halves[split], classNames, info.templates);
  }
  return withInfo(dataset, classNames, info.templates);
}

/** The files each dataset's reader needs, relative to the data root (torchvision's layouts). */
const LAYOUTS: Record<MtilDatasetName, (split: 'train' | 'test') => string[]> = {
  Aircraft: (split) => [
    'fgvc-aircraft-2013b/data/variants.txt   (one variant per line)',
    `fgvc-aircraft-2013b/data/images_variant_${split}.txt   (lines '<id> <variant>')`,
    'fgvc-aircraft-2013b/data/images/<id>.jpg',
  ],
  Caltech101: () => [
    'caltech101/101_ObjectCategories/<category>/image_0001.jpg … image_<n>.jpg   (only these files)',
    '(torchvision Caltech101 download; BACKGROUND_Google is ignored)',
  ],
  CIFAR100: () => ['cifar-100-python/{train,test,meta}   (torchvision CIFAR100 download)'],
  DTD: (split) => [`dtd/dtd/labels/${split}1.txt   (lines '<class>/<image>.jpg')`, 'dtd/dtd/images/<class>/<image>.jpg'],
  EuroSAT: () => ['eurosat/2750/<class>/<image>.jpg   (AnnualCrop, Forest, …, SeaLake; each with images)'],
  Flowers: () => [
    'flowers-102/jpg/image_00001.jpg …',
    'flowers-102/imagelabels.mat   (MATLAB 5: labels, 1…102 per image)',
    'flowers-102/setid.mat   (MATLAB 5: trnid, valid, tstid image ids)',
  ],
  Food: (split) => [`food-101/meta/${split}.json   ({"<class>": ["<class>/<id>", …], …})`, 'food-101/images/<class>/<id>.jpg'],
  MNIST: (split) => {
    const prefix = split === 'train' ? 'train' : 't10k';
    return [`MNIST/raw/${prefix}-images-idx3-ubyte[.gz]   (IDX: N × 28 × 28 uint8)`, `MNIST/raw/${prefix}-labels-idx1-ubyte[.gz]   (IDX: N uint8)`];
  },
  OxfordPet: (split) => [
    `oxford-iiit-pet/annotations/${split === 'train' ? 'trainval' : 'test'}.txt   (lines '<Breed>_<n> <class id> <species> <breed id>')`,
    'oxford-iiit-pet/images/<Breed>_<n>.jpg',
  ],
  StanfordCars: () => [
    'stanford_cars/devkit/cars_meta.mat   (MATLAB 5: class_names cell array)',
    'stanford_cars/devkit/cars_train_annos.mat   (MATLAB 5: annotations struct array with class, fname)',
    'stanford_cars/cars_train/<fname>.jpg',
    'stanford_cars/cars_test_annos_withlabels.mat',
    'stanford_cars/cars_test/<fname>.jpg',
  ],
  SUN397: () => ['SUN397/ClassName.txt   (lines /<letter>/<class>[/<subclass>])', 'SUN397/<letter>/<class>[/<subclass>]/sun_<id>.jpg'],
};

/**
 * Runs a reader; a format error it raises gets the dataset's expected layout appended (missing
 * files already show it), and anything else it throws becomes such an E_FORMAT error.
 */
function withLayout<T>(name: MtilDatasetName, root: string, split: 'train' | 'test', read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ZsclError && (error.message.includes('Expected this layout') || error.code === 'E_ARG' || error.code === 'E_CONFIG')) throw error;
    const code = error instanceof ZsclError ? error.code : 'E_FORMAT';
    const message = error instanceof ZsclError ? error.message : `mtilDataset(${name}): cannot read ${root}: ${(error as Error).message}`;
    const layout = LAYOUTS[name](split);
    throw new ZsclError(`${message}. Expected this layout under ${root}:\n${layout.map((line) => `  ${line}`).join('\n')}`, code, { cause: error });
  }
}

function withInfo(dataset: Dataset, classNames: readonly string[], templates: readonly string[]): Dataset {
  return {
    length: dataset.length,
    classNames,
    templates,
    sample: (index: number) => dataset.sample(index),
  };
}

type Reader = (root: string, split: 'train' | 'test', info: MtilInfo) => { samples: Sample[] | Dataset; classNames: string[] };

function image(file: string, label: number): Sample {
  return { image: file, label, name: file };
}

const READERS: Record<MtilDatasetName, Reader> = {
  Aircraft(root, split) {
    const base = path.join(root, 'fgvc-aircraft-2013b', 'data');
    const layout = [
      'fgvc-aircraft-2013b/data/variants.txt',
      `fgvc-aircraft-2013b/data/images_variant_${split}.txt`,
      'fgvc-aircraft-2013b/data/images/<id>.jpg',
    ];
    requirePath('mtilDataset(Aircraft)', path.join(base, 'variants.txt'), root, layout, 'file');
    requirePath('mtilDataset(Aircraft)', path.join(base, `images_variant_${split}.txt`), root, layout, 'file');
    const classes = readTextLines(path.join(base, 'variants.txt')).map((l) => l.text);
    const index = new Map(classes.map((c, i) => [c, i]));
    const samples = readTextLines(path.join(base, `images_variant_${split}.txt`)).map(({ text: trimmed, line }) => {
      const space = trimmed.indexOf(' ');
      const label = index.get(trimmed.slice(space + 1));
      if (space < 0 || label === undefined)
        throw new ZsclError(`mtilDataset(Aircraft): line ${line} of images_variant_${split}.txt names an unknown variant: '${trimmed}'`, 'E_FORMAT');
      return image(path.join(base, 'images', `${trimmed.slice(0, space)}.jpg`), label);
    });
    return { samples, classNames: spaces(classes) };
  },

  Caltech101(root, _split, info) {
    const base = path.join(root, 'caltech101', '101_ObjectCategories');
    requirePath('mtilDataset(Caltech101)', base, root, [
      'caltech101/101_ObjectCategories/<category>/image_0001.jpg …',
      '(torchvision Caltech101 download; BACKGROUND_Google is ignored)',
    ]);
    const categories = listSorted(base)
      .map((e) => e.name)
      .filter((n) => n !== 'BACKGROUND_Google');
    const samples: Sample[] = [];
    if (categories.length === 0) throw new ZsclError(`mtilDataset(Caltech101): ${base} has no category folders`, 'E_FORMAT');
    categories.forEach((category, label) => {
      // torchvision counts the folder's entries and assumes image_0001 … image_000n; any other
      // entry would shift that count onto a file that does not exist.
      const folder = path.join(base, category);
      const names = listSorted(folder).map((e) => e.name);
      const expected = names.map((_, i) => `image_${String(i + 1).padStart(4, '0')}.jpg`);
      const stray = names.filter((n) => !expected.includes(n));
      if (names.length === 0 || stray.length > 0) {
        const what = names.length === 0 ? 'is empty' : `holds ${stray.map((n) => `'${n}'`).join(', ')}`;
        throw new ZsclError(`mtilDataset(Caltech101): ${folder} ${what}; torchvision reads exactly image_0001.jpg … image_<n>.jpg there`, 'E_FORMAT');
      }
      for (const file of expected) samples.push(image(path.join(folder, file), label));
    });
    return { samples, classNames: info.classNames ?? categories };
  },

  CIFAR100(root, split) {
    const dataset = cifarDataset(root, 'cifar100', split);
    return { samples: dataset, classNames: spaces(dataset.classNames ?? []) };
  },

  DTD(root, split) {
    const base = path.join(root, 'dtd', 'dtd');
    const layout = [`dtd/dtd/labels/${split}1.txt`, 'dtd/dtd/images/<class>/<image>.jpg'];
    requirePath('mtilDataset(DTD)', path.join(base, 'labels', `${split}1.txt`), root, layout, 'file');
    const entries = readTextLines(path.join(base, 'labels', `${split}1.txt`)).map(({ text, line }) => {
      const parts = text.split('/');
      if (parts.length !== 2 || parts[0] === '' || parts[1] === '')
        throw new ZsclError(`mtilDataset(DTD): line ${line} of ${path.join(base, 'labels', `${split}1.txt`)} is not '<class>/<image>': '${text}'`, 'E_FORMAT');
      return parts;
    });
    const classes = [...new Set(entries.map(([cls]) => cls))].sort(comparePython);
    const index = new Map(classes.map((c, i) => [c, i]));
    const samples = entries.map(([cls, file]) => image(path.join(base, 'images', cls, file), index.get(cls)!));
    return { samples, classNames: spaces(classes) };
  },

  EuroSAT(root, _split, info) {
    const base = path.join(root, 'eurosat', '2750');
    requirePath('mtilDataset(EuroSAT)', base, root, ['eurosat/2750/<class>/<image>.jpg   (AnnualCrop, Forest, …, SeaLake)']);
    const folder = imageFolder(base);
    return { samples: folder, classNames: info.classNames ?? [...(folder.classNames ?? [])] };
  },

  Flowers(root, split, info) {
    const base = path.join(root, 'flowers-102');
    const layout = ['flowers-102/jpg/image_00001.jpg …', 'flowers-102/imagelabels.mat', 'flowers-102/setid.mat'];
    requirePath('mtilDataset(Flowers)', path.join(base, 'jpg'), root, layout);
    requirePath('mtilDataset(Flowers)', path.join(base, 'imagelabels.mat'), root, layout, 'file');
    requirePath('mtilDataset(Flowers)', path.join(base, 'setid.mat'), root, layout, 'file');
    const labelsFile = path.join(base, 'imagelabels.mat');
    const labels = matNumbers(readMat(labelsFile), 'labels', labelsFile);
    const setFile = path.join(base, 'setid.mat');
    const ids = matNumbers(readMat(setFile), split === 'train' ? 'trnid' : 'tstid', setFile);
    const samples = ids.map((id) => {
      if (!Number.isInteger(id) || id < 1 || id > labels.length)
        throw new ZsclError(`mtilDataset(Flowers): image id ${id} in setid.mat has no label`, 'E_FORMAT');
      return image(path.join(base, 'jpg', `image_${String(id).padStart(5, '0')}.jpg`), labels[id - 1] - 1);
    });
    return { samples, classNames: info.classNames ?? [] };
  },

  Food(root, split) {
    const base = path.join(root, 'food-101');
    const layout = [`food-101/meta/${split}.json`, 'food-101/images/<class>/<id>.jpg'];
    const metaFile = path.join(base, 'meta', `${split}.json`);
    requirePath('mtilDataset(Food)', metaFile, root, layout, 'file');
    requirePath('mtilDataset(Food)', path.join(base, 'images'), root, layout);
    const meta = readJsonFile(metaFile, { what: 'mtilDataset(Food):' }) as Record<string, string[]>;
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
      throw new ZsclError(`mtilDataset(Food): ${metaFile} is not an object of class names`, 'E_FORMAT');
    for (const [cls, files] of Object.entries(meta)) {
      if (!Array.isArray(files) || !files.every((f) => typeof f === 'string'))
        throw new ZsclError(`mtilDataset(Food): ${metaFile}: '${cls}' is not a list of image paths`, 'E_FORMAT');
    }
    const classes = Object.keys(meta).sort(comparePython);
    const index = new Map(classes.map((c, i) => [c, i]));
    const samples: Sample[] = [];
    for (const [cls, files] of Object.entries(meta))
      for (const rel of files) samples.push(image(path.join(base, 'images', ...`${rel}.jpg`.split('/')), index.get(cls)!));
    return { samples, classNames: spaces(classes) };
  },

  MNIST(root, split, info) {
    const dataset = idxDataset(root, split, info.classNames);
    return { samples: dataset, classNames: spaces(info.classNames ?? []) };
  },

  OxfordPet(root, split) {
    const base = path.join(root, 'oxford-iiit-pet');
    const file = split === 'train' ? 'trainval' : 'test';
    const layout = [`oxford-iiit-pet/annotations/${file}.txt`, 'oxford-iiit-pet/images/<breed>_<n>.jpg'];
    requirePath('mtilDataset(OxfordPet)', path.join(base, 'annotations', `${file}.txt`), root, layout, 'file');
    const rows = readTextLines(path.join(base, 'annotations', `${file}.txt`)).map(({ text }) => text.split(/\s+/));
    const breeds = new Map<number, string>();
    const samples = rows.map(([id, label]) => {
      const l = Number(label) - 1;
      if (!Number.isInteger(l) || l < 0) throw new ZsclError(`mtilDataset(OxfordPet): bad label '${label}' in ${file}.txt`, 'E_FORMAT');
      breeds.set(l, id.slice(0, id.lastIndexOf('_')));
      return image(path.join(base, 'images', `${id}.jpg`), l);
    });
    // torchvision: the breed of each label, words title-cased ("american_pit_bull_terrier" → "American Pit Bull Terrier").
    const classes = [...breeds.entries()].sort((a, b) => a[0] - b[0]).map(([, breed]) => breed.split('_').map(titleCase).join(' '));
    return { samples, classNames: spaces(classes) };
  },

  StanfordCars(root, split) {
    const base = path.join(root, 'stanford_cars');
    const annotations = split === 'train' ? path.join(base, 'devkit', 'cars_train_annos.mat') : path.join(base, 'cars_test_annos_withlabels.mat');
    const images = path.join(base, split === 'train' ? 'cars_train' : 'cars_test');
    const layout = [
      'stanford_cars/devkit/cars_meta.mat',
      'stanford_cars/devkit/cars_train_annos.mat',
      'stanford_cars/cars_train/<fname>.jpg',
      'stanford_cars/cars_test_annos_withlabels.mat',
      'stanford_cars/cars_test/<fname>.jpg',
    ];
    requirePath('mtilDataset(StanfordCars)', annotations, root, layout, 'file');
    requirePath('mtilDataset(StanfordCars)', path.join(base, 'devkit', 'cars_meta.mat'), root, layout, 'file');
    const annos = readMat(annotations).get('annotations');
    if (!annos || annos.kind !== 'struct') throw new ZsclError(`mtilDataset(StanfordCars): ${annotations} has no 'annotations' struct array`, 'E_FORMAT');
    const samples = annos.items.map((item) => {
      const cls = item.class;
      if (!cls || cls.kind !== 'numeric' || cls.data.length !== 1)
        throw new ZsclError(`mtilDataset(StanfordCars): an annotation in ${annotations} has no class`, 'E_FORMAT');
      return image(path.join(images, matString(item.fname)), cls.data[0] - 1);
    });
    const meta = readMat(path.join(base, 'devkit', 'cars_meta.mat')).get('class_names');
    if (!meta || meta.kind !== 'cell') throw new ZsclError('mtilDataset(StanfordCars): cars_meta.mat has no class_names cell array', 'E_FORMAT');
    return { samples, classNames: spaces(meta.items.map((v) => matString(v))) };
  },

  SUN397(root) {
    const base = path.join(root, 'SUN397');
    const layout = ['SUN397/ClassName.txt', 'SUN397/<letter>/<class>[/<subclass>]/sun_<id>.jpg'];
    requirePath('mtilDataset(SUN397)', path.join(base, 'ClassName.txt'), root, layout, 'file');
    const classes = readTextLines(path.join(base, 'ClassName.txt')).map(({ raw }) => raw.slice(3).trim());
    const index = new Map(classes.map((c, i) => [c, i]));
    const files = rglobOrder(base, /^sun_[\s\S]*\.jpg$/);
    const samples = files.map((file) => {
      const parts = path.relative(base, file).split(path.sep);
      const cls = parts.slice(1, -1).join('/');
      const label = index.get(cls);
      if (label === undefined) throw new ZsclError(`mtilDataset(SUN397): ${file} is in '${cls}', which ClassName.txt does not list`, 'E_FORMAT');
      return image(file, label);
    });
    return { samples, classNames: spaces(classes) };
  },
};

function titleCase(word: string): string {
  // Python's str.title(): first letter upper, the rest lower.
  return word.length === 0 ? word : word[0].toUpperCase() + word.slice(1).toLowerCase();
}

/**
 * The files under `dir` whose names match `pattern`, in the order of Python 3.11's
 * `Path(dir).rglob(glob)`: a folder's matching files in directory-listing order (os.scandir, not
 * sorted), then each sub-folder the same way, depth first, in listing order; links to folders
 * are not followed. Sync. @throws ZsclError E_IO when a folder cannot be listed.
 */
function rglobOrder(dir: string, pattern: RegExp): string[] {
  const files: string[] = [];
  const visit = (current: string) => {
    const entries: fs.Dirent[] = [];
    let handle: fs.Dir | undefined;
    try {
      handle = fs.opendirSync(current);
      for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) entries.push(entry);
    } catch (error) {
      throw new ZsclError(`cannot list ${current}: ${(error as Error).message}`, 'E_IO', { cause: error });
    } finally {
      handle?.closeSync();
    }
    const folders: string[] = [];
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      const isDir = entry.isDirectory() || (!entry.isFile() && !entry.isSymbolicLink() && isPlainFolder(full));
      if (isDir) folders.push(full);
      else if (pattern.test(entry.name)) files.push(full);
    }
    for (const folder of folders) visit(folder);
  };
  visit(dir);
  return files;
}

/** For entries whose type the listing did not give: a folder that is not a link. */
function isPlainFolder(file: string): boolean {
  try {
    return fs.lstatSync(file).isDirectory();
  } catch {
    return false;
  }
}
