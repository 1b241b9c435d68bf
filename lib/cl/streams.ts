/**
 * Endless, resumable streams over epoch-based data loaders: a new epoch starts when one ends
 * (the reference restarts its iterator the same way), and `state()` is the position of the next
 * batch to be consumed, so `restore(state())` continues the identical sequence.
 */
import type { DataLoader, LoaderBatch, LoaderState } from '../data/loader';
import type { ProcessGroup } from '../distributed/process-group';
import { ZsclError } from '../errors';
import type { Device } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { batchOnDevice } from './device';
import type { Batch, BatchStream, ImageStream } from './task';

/** A {@link LoaderStream}'s position: the loader's, with the images skipped up to it. */
interface LoaderStreamState extends LoaderState {
  skipped?: number;
}

/** Labelled batches from a loader, epoch after epoch, on `device` (the model's; default the CPU). */
export class LoaderStream implements BatchStream {
  private iterator: AsyncIterator<LoaderBatch> | undefined;
  private keys: readonly number[] | undefined;
  private group: ProcessGroup | undefined;
  private peerSkipped = 0;
  /** Images skipped before the restored position (a resumed run), less those counted since. */
  private skippedBefore = 0;

  constructor(
    readonly loader: DataLoader,
    readonly device: Device = 'cpu',
  ) {}

  async nextBatch(): Promise<Batch> {
    for (let emptyEpochs = 0; emptyEpochs < 2;) {
      this.iterator ??= this.loader[Symbol.asyncIterator]();
      const result = await this.iterator.next();
      if (!result.done) {
        const { images, labels, indices, skipped } = result.value;
        this.keys = indices;
        const batch: Batch = { images, labels, skipped: skipped.length };
        if (this.group) {
          // Rows per rank and the batch's skipped images over all ranks, in one exchange.
          const { rank, worldSize } = this.group;
          const mine = new Array<number>(worldSize + 1).fill(0);
          mine[rank] = indices.length;
          mine[worldSize] = skipped.length;
          const counts = await this.group.allReduceNumbers(mine, 'sum');
          batch.rowsPerRank = counts.slice(0, worldSize);
          batch.skipped = counts[worldSize];
          this.peerSkipped += batch.skipped - skipped.length;
        }
        return batchOnDevice(batch, this.device);
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

  /**
   * Images skipped so far because they could not be read: over every epoch since this stream was
   * made, plus those its restored state counted (a resumed run); over all ranks when sharded.
   */
  skippedCount(): number {
    return this.skippedBefore + this.loader.skippedCount + this.peerSkipped;
  }

  /** Data-parallel: from now on reads only this rank's rows of each batch (see {@link BatchStream.shard}). */
  shard(group: ProcessGroup): void {
    if (this.group === group) return;
    this.closeIterator();
    this.loader.setShard({ rank: group.rank, worldSize: group.worldSize });
    this.group = group.worldSize > 1 ? group : undefined;
  }

  /** The loader's position and the images skipped before it (so a resumed run keeps counting from there). */
  state(): LoaderStreamState {
    return { ...this.loader.state(), skipped: this.skippedCount() };
  }

  restore(state: unknown): void {
    this.closeIterator();
    const saved = state as LoaderStreamState;
    this.loader.restore(saved);
    // States saved before the count was kept have none: the count then starts again from 0.
    const skipped = saved.skipped !== undefined && Number.isSafeInteger(saved.skipped) && saved.skipped >= 0 ? saved.skipped : 0;
    this.skippedBefore = skipped - this.loader.skippedCount - this.peerSkipped;
  }

  // Prefetched batches are dropped; the loader's position is that of the next batch to consume.
  private closeIterator(): void {
    if (this.iterator) {
      void this.iterator.return?.();
      this.iterator = undefined;
    }
  }
}

/** Images only (labels dropped), e.g. unlabeled reference images or LwF's task images. */
export function imagesOf(stream: BatchStream): ImageStream {
  let rowsPerRank: readonly number[] | undefined;
  return {
    next: async (): Promise<Tensor> => {
      const batch = await stream.next();
      rowsPerRank = batch.rowsPerRank;
      batch.labels.dispose();
      return batch.images;
    },
    lastKeys: () => stream.lastKeys?.(),
    state: () => stream.state?.(),
    restore: (state) => stream.restore?.(state),
    ...(stream.shard ? { shard: (group: ProcessGroup) => stream.shard?.(group), lastRowsPerRank: () => rowsPerRank } : {}),
  };
}
