/**
 * Data sources of the miniature MTIL: streams and evaluation sets over the rendered world's
 * tasks and over real datasets (handwritten digits, Fashion-MNIST) through the image pipeline.
 */
import type { EvaluationSet } from '../cl/evaluation';
import { LoaderStream } from '../cl/streams';
import type { Batch, BatchStream, ImageStream } from '../cl/task';
import type { Dataset } from '../data/dataset';
import { SubsetDataset } from '../data/dataset';
import { DataLoader } from '../data/loader';
import { clipEvalTransform } from '../data/transform';
import { tensor } from '../tensor/create';
import type { Tensor } from '../tensor/tensor';
import type { WorldTask } from './world';
import { Rng } from './world';
import type { ReferenceSet } from './world';

/** Endless labelled batches of a world task from a seeded generator (state = the generator's). */
export function worldTaskStream(task: WorldTask, seed: string, batchSize: number): BatchStream {
  let rng = Rng.fromSeed(seed);
  return {
    next: async (): Promise<Batch> => {
      const b = task.sample(rng, batchSize);
      return { images: tensor(b.images, { shape: [...b.shape] }), labels: tensor(Int32Array.from(b.labels), { dtype: 'int64' }) };
    },
    state: () => rng.state(),
    restore: (state) => (rng = Rng.fromState(state as [number, number, number, number])),
  };
}

/** Endless unlabeled reference images of the world (mixed scenes, disjoint from every task). */
export function worldReferenceStream(reference: ReferenceSet, seed: string, batchSize: number): ImageStream {
  let rng = Rng.fromSeed(seed);
  return {
    next: async (): Promise<Tensor> => {
      const b = reference.sample(rng, batchSize);
      return tensor(b.images, { shape: [...b.shape] });
    },
    state: () => rng.state(),
    restore: (state) => (rng = Rng.fromState(state as [number, number, number, number])),
  };
}

/** Labelled batches from a dataset through the loader (epochs of seeded shuffles). */
export function datasetStream(dataset: Dataset, options: { size: number; batchSize: number; seed: number }): LoaderStream {
  return new LoaderStream(
    new DataLoader(dataset, {
      batchSize: options.batchSize,
      shuffle: true,
      seed: options.seed,
      transform: clipEvalTransform({ size: options.size }),
    }),
  );
}

/**
 * An evaluation set whose images are prepared once (the val transform is deterministic) and
 * served in batches: the matrix needs every set evaluated after every task.
 */
export class CachedEvaluationSet implements EvaluationSet {
  private constructor(
    readonly name: string,
    readonly classNames: readonly string[],
    readonly templates: readonly string[],
    private readonly images: Float32Array,
    private readonly labels: Int32Array,
    private readonly shape: readonly number[],
  ) {}

  static fromWorld(name: string, task: WorldTask, count: number): CachedEvaluationSet {
    const set = task.testSet(count);
    return new CachedEvaluationSet(name, task.classNames, task.templates, set.images, Int32Array.from(set.labels), set.shape);
  }

  /** The first `count` samples of `dataset` (or all) under the val transform. Async. */
  static async fromDataset(
    name: string,
    dataset: Dataset,
    prompts: { classNames: readonly string[]; templates: readonly string[] },
    size: number,
    count?: number,
  ): Promise<CachedEvaluationSet> {
    const n = Math.min(count ?? dataset.length, dataset.length);
    const subset = new SubsetDataset(
      dataset,
      Array.from({ length: n }, (_, i) => i),
    );
    const loader = new DataLoader(subset, { batchSize: 256, transform: clipEvalTransform({ size }) });
    const images = new Float32Array(n * 3 * size * size);
    const labels = new Int32Array(n);
    let at = 0;
    for await (const batch of loader) {
      const k = batch.labels.shape[0];
      images.set(batch.images.data() as Float32Array, at * 3 * size * size);
      labels.set(Array.from(batch.labels.data() as BigInt64Array, Number), at);
      at += k;
      batch.images.dispose();
      batch.labels.dispose();
    }
    return new CachedEvaluationSet(name, prompts.classNames, prompts.templates, images, labels, [n, 3, size, size]);
  }

  async *batches(): AsyncIterable<Batch> {
    const per = this.shape[1] * this.shape[2] * this.shape[3];
    for (let start = 0; start < this.labels.length; start += 256) {
      const end = Math.min(start + 256, this.labels.length);
      yield {
        images: tensor(this.images.subarray(start * per, end * per), { shape: [end - start, this.shape[1], this.shape[2], this.shape[3]] }),
        labels: tensor(this.labels.subarray(start, end), { dtype: 'int64' }),
      };
    }
  }
}
