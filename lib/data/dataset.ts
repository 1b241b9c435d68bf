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
function checkIndex(dataset: Dataset, index: number): void {
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

/** The sample indices of each label in one pass, in dataset order; labels in order of first appearance. Sync. */
export function indicesByClass(dataset: Dataset): Map<number, number[]> {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < dataset.length; i++) {
    const label = dataset.sample(i).label;
    let list = byClass.get(label);
    if (!list) byClass.set(label, (list = []));
    list.push(i);
  }
  return byClass;
}

/**
 * At most `k` samples of each class, drawn without replacement from the stream (seed, 'few-shot',
 * label); classes with fewer samples keep all of theirs. The result lists the chosen samples in
 * their original order. Sync. @throws ZsclError E_ARG for k < 1 or a bad seed.
 */
export function fewShot(dataset: Dataset, k: number, seed: number): SubsetDataset {
  if (!Number.isSafeInteger(k) || k < 1) throw argumentError('fewShot', 'k >= 1 samples per class', k);
  const byClass = indicesByClass(dataset);
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

/**
 * An evaluation subset of `n` samples drawn with `seed` across all classes (stratified, in
 * proportion): each class gets its share `n × count / length`, rounded by largest remainder (ties
 * to the lower label), and its samples are drawn without replacement from the stream (seed,
 * 'evaluation-subset', label). Stratified rather than uniformly shuffled because the subset then
 * has exactly the class mix of the full test set — the accuracy it measures estimates the same
 * quantity with less variance, and no class with a fair share is left out by chance — while the
 * first N samples of a class-sorted test set hold only its first classes. The chosen samples
 * keep their original order. With `n >= length` the whole dataset is returned. Sync.
 * @throws ZsclError E_ARG for n < 1 or a bad seed.
 */
export function seededSubset(dataset: Dataset, n: number, seed: number): SubsetDataset {
  if (!Number.isSafeInteger(n) || n < 1) throw new ZsclError(`seededSubset: expected n >= 1 samples but received ${describeValue(n)}`, 'E_ARG');
  if (n >= dataset.length)
    return new SubsetDataset(
      dataset,
      Array.from({ length: dataset.length }, (_, i) => i),
    );
  const byClass = indicesByClass(dataset);
  const classes = [...byClass.entries()].sort((a, b) => a[0] - b[0]);
  const quotas = classes.map(([, indices]) => (n * indices.length) / dataset.length);
  const counts = quotas.map(Math.floor);
  let left = n - counts.reduce((a, b) => a + b, 0);
  const byRemainder = quotas.map((q, k) => ({ k, rest: q - Math.floor(q) })).sort((a, b) => b.rest - a.rest || a.k - b.k);
  for (const { k } of byRemainder) {
    if (left === 0) break;
    counts[k]++;
    left--;
  }
  const chosen: number[] = [];
  classes.forEach(([label, indices], k) => {
    const random = new SeededRandom(seed, 'evaluation-subset', label < 0 ? 'unlabeled' : label);
    chosen.push(...random.shuffle(indices.slice()).slice(0, counts[k]));
  });
  return new SubsetDataset(
    dataset,
    chosen.sort((a, b) => a - b),
  );
}
