/**
 * A dataset is an indexed list of (image, label) samples, known up front and cheap to look up;
 * decoding happens later, in the loader. Folder scans, manifests and binary formats all produce
 * one, and the helpers here derive subsets, seeded splits and few-shot subsets from any of them.
 */
import { ZsclError, argumentError, describeValue } from '../errors';
import type { ImageSource } from './decode';
import { SeededRandom } from './random';
import { torchRandomSplit } from './torch-random';

/** One sample: an image to decode and its class index (−1 for unlabeled data). */
export interface Sample {
  image: ImageSource;
  label: number;
  /** How messages name the sample (the path for files). */
  name?: string;
}

/** An indexed collection of samples. */
export interface Dataset {
  /** Number of samples. */
  readonly length: number;
  /** Class names by label, when known. */
  readonly classNames?: readonly string[];
  /** Prompt templates with a `{c}` placeholder for the class name, when the dataset has them. */
  readonly templates?: readonly string[];
  /** The sample at `index` (0 ≤ index < length). Sync. */
  sample(index: number): Sample;
}

/** A dataset over an array of samples. */
export class ListDataset implements Dataset {
  readonly classNames?: readonly string[];
  readonly templates?: readonly string[];

  constructor(
    private readonly samples: readonly Sample[],
    info: { classNames?: readonly string[]; templates?: readonly string[] } = {},
  ) {
    this.classNames = info.classNames;
    this.templates = info.templates;
  }

  get length(): number {
    return this.samples.length;
  }

  sample(index: number): Sample {
    checkIndex(this, index);
    return this.samples[index];
  }
}

/** A dataset whose samples are made on demand by `make(index)` (in-memory arrays decoded lazily). */
export class GeneratedDataset implements Dataset {
  readonly classNames?: readonly string[];
  readonly templates?: readonly string[];

  constructor(
    readonly length: number,
    private readonly make: (index: number) => Sample,
    info: { classNames?: readonly string[]; templates?: readonly string[] } = {},
  ) {
    this.classNames = info.classNames;
    this.templates = info.templates;
  }

  sample(index: number): Sample {
    checkIndex(this, index);
    return this.make(index);
  }
}

/** The samples of `dataset` at `indices`, in that order (class names and templates carried over). */
export class SubsetDataset implements Dataset {
  readonly classNames?: readonly string[];
  readonly templates?: readonly string[];
  readonly indices: readonly number[];

  /** @throws ZsclError E_INDEX when an index is outside the dataset. */
  constructor(
    readonly source: Dataset,
    indices: readonly number[],
  ) {
    for (const i of indices) checkIndex(source, i);
    this.indices = indices;
    this.classNames = source.classNames;
    this.templates = source.templates;
  }

  get length(): number {
    return this.indices.length;
  }

  sample(index: number): Sample {
    checkIndex(this, index);
    return this.source.sample(this.indices[index]);
  }
}

/** @throws ZsclError E_INDEX unless 0 ≤ index < dataset.length. */
export function checkIndex(dataset: Dataset, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= dataset.length) {
    throw new ZsclError(`dataset: index ${describeValue(index)} is outside 0…${dataset.length - 1}`, 'E_INDEX');
  }
}

/**
 * The reference's train/test split (`ClassificationDataset.split_dataset`): the first
 * `floor(ratio × n)` entries of `torch.randperm(n)` with `torch.Generator().manual_seed(seed)` are
 * train, the rest test — the same indices as PyTorch's `random_split`. Defaults: ratio 0.8, seed 42.
 * Sync. @throws ZsclError E_ARG for a ratio outside (0, 1) or a bad seed.
 */
export function splitTrainTest(dataset: Dataset, options: { ratio?: number; seed?: number } = {}): { train: SubsetDataset; test: SubsetDataset } {
  const ratio = options.ratio ?? 0.8;
  if (!(ratio > 0 && ratio < 1)) throw argumentError('splitTrainTest', '0 < ratio < 1', ratio);
  // Python's int(0.8 * n): the float product, truncated.
  const trainSize = Math.trunc(ratio * dataset.length);
  const [train, test] = torchRandomSplit(dataset.length, [trainSize, dataset.length - trainSize], options.seed ?? 42);
  return { train: new SubsetDataset(dataset, train), test: new SubsetDataset(dataset, test) };
}

/**
 * At most `k` samples of each class, drawn without replacement from the stream (seed, 'few-shot',
 * label); classes with fewer samples keep all of theirs. The result lists the chosen samples in
 * their original order. Sync. @throws ZsclError E_ARG for k < 1 or a bad seed.
 */
export function fewShot(dataset: Dataset, k: number, seed: number): SubsetDataset {
  if (!Number.isSafeInteger(k) || k < 1) throw argumentError('fewShot', 'k >= 1 samples per class', k);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < dataset.length; i++) {
    const label = dataset.sample(i).label;
    let list = byClass.get(label);
    if (!list) byClass.set(label, (list = []));
    list.push(i);
  }
  const chosen: number[] = [];
  for (const [label, indices] of byClass) {
    const random = new SeededRandom(seed, 'few-shot', label < 0 ? 'unlabeled' : label);
    chosen.push(...random.shuffle(indices.slice()).slice(0, k));
  }
  return new SubsetDataset(
    dataset,
    chosen.sort((a, b) => a - b),
  );
}
