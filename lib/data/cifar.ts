/**
 * CIFAR-10/100 in both of their published forms: the Python version (`cifar-100-python/train`,
 * pickled dicts of numpy arrays, read with the safe reader in pickle.ts) and the binary version
 * (`cifar-100-binary/train.bin`: records of 1 coarse + 1 fine label byte, or 1 label byte for
 * CIFAR-10, then 3072 bytes of R, G, B planes of a 32×32 image).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ZsclError } from '../errors';
import { readFileBytes } from '../io/read-file';
import type { RawImage } from './decode';
import { GeneratedDataset } from './dataset';
import { requirePath } from './layout';
import type { NdArray, PickleValue } from './pickle';
import { readPickle } from './pickle';

const SIDE = 32;
const PIXELS = SIDE * SIDE * 3;

/** Which CIFAR. */
export type CifarVariant = 'cifar10' | 'cifar100';

const LAYOUT: Record<CifarVariant, { python: string; binary: string; lines: string[] }> = {
  cifar100: {
    python: 'cifar-100-python',
    binary: 'cifar-100-binary',
    lines: ['cifar-100-python/{train,test,meta}        (torchvision CIFAR100 download)', 'or cifar-100-binary/{train.bin,test.bin,fine_label_names.txt}'],
  },
  cifar10: {
    python: 'cifar-10-batches-py',
    binary: 'cifar-10-batches-bin',
    lines: [
      'cifar-10-batches-py/{data_batch_1…5,test_batch,batches.meta}   (torchvision CIFAR10 download)',
      'or cifar-10-batches-bin/{data_batch_1…5.bin,test_batch.bin,batches.meta.txt}',
    ],
  },
};

/**
 * CIFAR-10 or CIFAR-100 (fine labels) from `root`, whichever of the Python or binary layouts is
 * there. Class names are the dataset's own (underscores kept, e.g. `aquarium_fish`). Sync.
 * @throws ZsclError E_IO showing the expected layout when neither is found; E_FORMAT for
 *   malformed files.
 */
export function cifarDataset(root: string, variant: CifarVariant, split: 'train' | 'test'): GeneratedDataset {
  const layout = LAYOUT[variant];
  const python = path.join(root, layout.python);
  const binary = path.join(root, layout.binary);
  if (fs.existsSync(python)) return cifarPython(python, variant, split);
  if (fs.existsSync(binary)) return cifarBinary(binary, variant, split);
  requirePath(`cifarDataset(${variant})`, python, root, layout.lines);
  throw new Error('unreachable');
}

/** Records held as one byte array each; images are made on demand. */
interface Records {
  file: string;
  bytes: Uint8Array;
  pixelsAt: (i: number) => number;
  labels: ArrayLike<number>;
}

function fromRecords(parts: Records[], classNames: readonly string[] | undefined): GeneratedDataset {
  const starts: number[] = [];
  let total = 0;
  for (const part of parts) {
    starts.push(total);
    total += part.labels.length;
  }
  return new GeneratedDataset(
    total,
    (index) => {
      let p = parts.length - 1;
      while (starts[p] > index) p--;
      const part = parts[p];
      const i = index - starts[p];
      return { image: planarToImage(part.bytes, part.pixelsAt(i)), label: part.labels[i], name: `${part.file}[${i}]` };
    },
    { classNames },
  );
}

function cifarPython(dir: string, variant: CifarVariant, split: 'train' | 'test'): GeneratedDataset {
  const files = variant === 'cifar100' ? [split] : split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}`) : ['test_batch'];
  const labelKey = variant === 'cifar100' ? 'fine_labels' : 'labels';
  const parts: Records[] = [];
  for (const file of files) {
    const full = path.join(dir, file);
    const batch = asDict(readPickle(readFileBytes(full), full), full);
    const data = batch.get('data');
    const labels = batch.get(labelKey);
    if (!isArray(data) || data.dtype !== 'uint8' || data.shape.length !== 2 || data.shape[1] !== PIXELS) {
      throw new ZsclError(`cifarDataset: ${full}: 'data' is not a uint8 array of shape [N, ${PIXELS}]`, 'E_FORMAT');
    }
    if (!Array.isArray(labels) || labels.length !== data.shape[0] || !labels.every((l) => typeof l === 'number')) {
      throw new ZsclError(`cifarDataset: ${full}: '${labelKey}' is not a list of ${data.shape[0]} integers`, 'E_FORMAT');
    }
    parts.push({ file: full, bytes: data.data as Uint8Array, pixelsAt: (i) => i * PIXELS, labels: labels as number[] });
  }
  const metaFile = path.join(dir, variant === 'cifar100' ? 'meta' : 'batches.meta');
  const meta = asDict(readPickle(readFileBytes(metaFile), metaFile), metaFile);
  const names = meta.get(variant === 'cifar100' ? 'fine_label_names' : 'label_names');
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string'))
    throw new ZsclError(`cifarDataset: ${metaFile} has no list of label names`, 'E_FORMAT');
  for (const part of parts) checkLabels(part, names.length);
  return fromRecords(parts, names as string[]);
}

function cifarBinary(dir: string, variant: CifarVariant, split: 'train' | 'test'): GeneratedDataset {
  const files = variant === 'cifar100' ? [`${split}.bin`] : split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
  const labelBytes = variant === 'cifar100' ? 2 : 1;
  const record = labelBytes + PIXELS;
  const parts: Records[] = [];
  for (const file of files) {
    const full = path.join(dir, file);
    const bytes = readFileBytes(full);
    if (bytes.length % record !== 0)
      throw new ZsclError(`cifarDataset: ${full} is ${bytes.length} bytes, not a whole number of ${record}-byte records`, 'E_FORMAT');
    // CIFAR-100 records: coarse label, fine label, pixels. The fine label is the class.
    const labels = Array.from({ length: bytes.length / record }, (_, i) => bytes[i * record + labelBytes - 1]);
    parts.push({ file: full, bytes, pixelsAt: (i) => i * record + labelBytes, labels });
  }
  const namesFile = path.join(dir, variant === 'cifar100' ? 'fine_label_names.txt' : 'batches.meta.txt');
  const classNames = fs.existsSync(namesFile)
    ? fs
        .readFileSync(namesFile, 'utf8')
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : undefined;
  if (classNames) for (const part of parts) checkLabels(part, classNames.length);
  return fromRecords(parts, classNames);
}

// A label outside the class list would index no class name (and no prompt).
function checkLabels(part: Records, classes: number): void {
  for (let i = 0; i < part.labels.length; i++) {
    const label = part.labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new ZsclError(`cifarDataset: ${part.file}: label ${label} of record ${i} is outside the ${classes} classes of the meta file`, 'E_FORMAT');
    }
  }
}

/** 3 planes of 32×32 at `at` → an interleaved RGB image. */
function planarToImage(bytes: Uint8Array, at: number): RawImage {
  const n = SIDE * SIDE;
  const data = new Uint8Array(PIXELS);
  for (let i = 0; i < n; i++) {
    data[3 * i] = bytes[at + i];
    data[3 * i + 1] = bytes[at + n + i];
    data[3 * i + 2] = bytes[at + 2 * n + i];
  }
  return { data, width: SIDE, height: SIDE, channels: 3 };
}

function asDict(value: PickleValue, file: string): Map<PickleValue, PickleValue> {
  if (!(value instanceof Map)) throw new ZsclError(`cifarDataset: ${file} does not hold a dict`, 'E_FORMAT');
  return value;
}

function isArray(value: PickleValue | undefined): value is NdArray {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Map) &&
    !(value instanceof Uint8Array) &&
    value.kind === 'ndarray'
  );
}
