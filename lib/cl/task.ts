/** What the trainer consumes: a task's prompts, its batches, and its step budget. */
import type { ProcessGroup } from '../distributed/process-group';
import type { Tensor } from '../tensor/tensor';

/** One training batch: normalised images [B, 3, R, R] and int64 labels [B] (0…C−1 of this task). */
export interface Batch {
  images: Tensor;
  labels: Tensor;
  /** Images drawn for this batch but left out because they could not be read (a loader's onBadSample 'skip'). */
  skipped?: number;
  /**
   * Set by a sharded stream (see {@link BatchStream.shard}): these are this rank's rows of the
   * global batch, and this is how many rows each rank holds, in rank order.
   */
  rowsPerRank?: readonly number[];
}

/** An endless, resumable supply of batches. `next()` returns tensors the trainer disposes. */
export interface BatchStream {
  next(): Promise<Batch>;
  /** Optional: keys of the rows of the last batch, when a key always yields the same pixels (see {@link ImageStream.lastKeys}). */
  lastKeys?(): readonly (number | string)[] | undefined;
  /** JSON position for exact resume; `restore(state())` continues the identical sequence. */
  state?(): unknown;
  restore?(state: unknown): void;
  /** Optional: images left out so far because they could not be read (since this stream was made; over all ranks when sharded). */
  skippedCount?(): number;
  /**
   * Optional, data-parallel: from now on `next()` reads and returns only this rank's rows of each
   * global batch (the order stays the global one) with `rowsPerRank` set. Every rank of the group
   * must then call `next()` in step: it exchanges row and skip counts with its peers.
   */
  shard?(group: ProcessGroup): void;
}

/** An endless, resumable supply of image batches [B, 3, R, R] (reference images). */
export interface ImageStream {
  next(): Promise<Tensor>;
  /**
   * Optional: an identity for each row of the batch `next()` returned last, given only when the
   * same key always yields the same pixels (a deterministic transform, e.g. the val transform);
   * else undefined. Distillation then computes each reference image's teacher features once.
   */
  lastKeys?(): readonly (number | string)[] | undefined;
  state?(): unknown;
  restore?(state: unknown): void;
  /** Optional, data-parallel: as {@link BatchStream.shard}. */
  shard?(group: ProcessGroup): void;
  /** After `next()` on a sharded stream: the rows each rank holds of that batch, in rank order. */
  lastRowsPerRank?(): readonly number[] | undefined;
}

export interface TrainingTask {
  name: string;
  classNames: string[];
  /** Token rows [C, L] of the training prompt of each class (templates[0]); owned by the task. */
  classTokens: Tensor;
  /** Current-task training batches. */
  batches: BatchStream;
  /** The loop runs it = 0…iterations inclusive, as the reference (iterations + 1 steps). */
  iterations: number;
  /** Base learning rate of this task (the reference uses per-dataset rates). */
  lr: number;
  /** Warm-up iterations of the cosine schedule (reference: 100 MTIL, 30 CIL). */
  warmup: number;
}

/** Indexed examples of a task under the val transform (iCaRL reads them for herding and replay). */
export interface ExampleSource {
  readonly length: number;
  /** Images [n, 3, R, R] and labels [n] of the given indices. */
  load(indices: number[]): Promise<Batch>;
}
