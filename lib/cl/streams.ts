/**
 * Endless, resumable streams over epoch-based data loaders: a new epoch starts when one ends
 * (the reference restarts its iterator the same way), and `state()` is the position of the next
 * batch to be consumed, so `restore(state())` continues the identical sequence.
 */
import type { DataLoader, LoaderBatch, LoaderState } from '../data/loader';
import { ZsclError } from '../errors';
import type { Device } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { batchOnDevice } from './device';
import type { Batch, BatchStream, ImageStream } from './task';

/** Labelled batches from a loader, epoch after epoch, on `device` (the model's; default the CPU). */
export class LoaderStream implements BatchStream {
  private iterator: AsyncIterator<LoaderBatch> | undefined;
  private keys: readonly number[] | undefined;

  constructor(
    readonly loader: DataLoader,
    readonly device: Device = 'cpu',
  ) {}

  async nextBatch(): Promise<Batch> {
    for (let emptyEpochs = 0; emptyEpochs < 2;) {
      this.iterator ??= this.loader[Symbol.asyncIterator]();
      const result = await this.iterator.next();
      if (!result.done) {
        this.keys = result.value.indices;
        return batchOnDevice({ images: result.value.images, labels: result.value.labels, skipped: result.value.skipped.length }, this.device);
      }
      this.iterator = undefined;
      emptyEpochs++;
    }
    throw new ZsclError('data stream: the loader yields no batches (empty dataset, or every image was skipped)', 'E_CONFIG');
  }

  next(): Promise<Batch> {
    return this.nextBatch();
  }

  /** Dataset indices of the last batch under the (deterministic) val transform; undefined under the random training transform. */
  lastKeys(): readonly number[] | undefined {
    return this.loader.transform.kind === 'eval' ? this.keys : undefined;
  }

  /** Images skipped so far because they could not be read (over every epoch since this stream was made). */
  skippedCount(): number {
    return this.loader.skippedCount;
  }

  state(): LoaderState {
    return this.loader.state();
  }

  restore(state: unknown): void {
    if (this.iterator) {
      void this.iterator.return?.();
      this.iterator = undefined;
    }
    this.loader.restore(state as LoaderState);
  }
}

/** Images only (labels dropped), e.g. unlabeled reference images or LwF's task images. */
export function imagesOf(stream: BatchStream): ImageStream {
  return {
    next: async (): Promise<Tensor> => {
      const batch = await stream.next();
      batch.labels.dispose();
      return batch.images;
    },
    lastKeys: () => stream.lastKeys?.(),
    state: () => stream.state?.(),
    restore: (state) => stream.restore?.(state),
  };
}
