/**
 * The batch loader: seeded shuffling, images decoded concurrently on libuv's threads while
 * earlier batches are consumed, bounded memory, and a position that can be saved and restored.
 *
 * Each batch is one native tensor made when the batch is opened; every image is decoded,
 * transformed and normalised on a libuv thread straight into its slot (JPEGs natively, the rest
 * by sharp, see preprocess.ts), so the event loop keeps ticking and the finished batch is handed
 * over without a copy.
 *
 * Everything random is keyed, never sequential: an epoch's order comes from the stream
 * (seed, 'order', epoch) and a sample's training crop from (seed, 'crop', epoch, index). So the
 * batches are the same whatever the prefetch depth, the number of workers or the order in which
 * decodes finish, and resuming from a saved position continues the identical sequence.
 */
import { shardRange, type ShardOf } from '../distributed/shard';
import { ZsclError, argumentError } from '../errors';
import { empty, tensor } from '../tensor/create';
import { currentScope, keep } from '../tensor/scope';
import type { Tensor } from '../tensor/tensor';
import type { Device } from '../tensor/dtype';
import { checkDevice } from '../tensor/dtype';
import type { Dataset } from './dataset';
import type { DecodeOptions, ImageSource } from './decode';
import { preprocessRunIntoBatch } from './preprocess';
import { SeededRandom } from './random';
import type { ImageTransform } from './transform';
import { clipEvalTransform } from './transform';

/** What to do with an image that cannot be read or decoded. */
export type BadSamplePolicy = 'error' | 'skip';

/** Options of {@link DataLoader}. */
export interface LoaderOptions extends Omit<DecodeOptions, 'name'> {
  /** Images per batch. */
  batchSize: number;
  /** The image transform (default {@link clipEvalTransform}()). */
  transform?: ImageTransform;
  /** Reorder the samples every epoch (default false). */
  shuffle?: boolean;
  /** Seed of the order and of random crops (default 0). */
  seed?: number;
  /** Batches prepared ahead of the consumer, the one being consumed included (default 2). */
  prefetch?: number;
  /** Images decoded at the same time (default 4), each worker taking a run of a batch's images one after another, on libuv's pool (4 threads unless UV_THREADPOOL_SIZE says more). */
  workers?: number;
  /** Leave out a last batch smaller than batchSize (default false). */
  dropLast?: boolean;
  /** 'error' (default): a bad image rejects its batch with an error naming it. 'skip': it is left out of its batch and counted. */
  onBadSample?: BadSamplePolicy;
  /**
   * Data-parallel: load only this rank's rows of every batch (see shardRange: contiguous, in rank
   * order, sizes differing by at most one). Batches, order and position stay those of the whole
   * job, so the ranks' shards together are the batches one loader yields.
   */
  shard?: ShardOf;
  /**
   * Where batches are handed over (default the CPU). On a GPU each batch is assembled in pinned
   * host memory and copied there without blocking as soon as its last image is decoded, while the
   * batch before it is being consumed, so a training step does not wait for its batch's copy.
   */
  device?: Device;
}

/** An image left out of its batch. */
export interface SkippedSample {
  /** Index in the dataset. */
  index: number;
  name: string;
  /** E_FORMAT (cannot decode) or E_IO (cannot read). */
  code: string;
  message: string;
}

/** One batch of a {@link DataLoader} (images, labels and where they came from). The caller owns (and disposes) both tensors. */
export interface LoaderBatch {
  /** float32 [n, 3, size, size], normalised. */
  images: Tensor;
  /** int64 [n] (−1 for unlabeled samples). */
  labels: Tensor;
  /** Dataset index of each image. */
  indices: number[];
  /** Name (path) of each image. */
  names: string[];
  /** Samples of this batch that were skipped (onBadSample 'skip'). */
  skipped: SkippedSample[];
  epoch: number;
  /** Position of the batch in its epoch. */
  batch: number;
}

/** A loader position: where the next batch starts. Plain JSON. */
export interface LoaderState {
  version: 1;
  epoch: number;
  batch: number;
  seed: number;
  shuffle: boolean;
  batchSize: number;
  dropLast: boolean;
  datasetLength: number;
}

interface BatchJob {
  batch: number;
  indices: number[];
  sources: ImageSource[];
  names: string[];
  labels: number[];
  /** float32 [n, 3, size, size], written slot by slot; read only once every decode has settled. */
  images: Tensor;
  failed: (SkippedSample | undefined)[];
  started: number;
  remaining: number;
  error?: unknown;
  done: Promise<void>;
  resolve: () => void;
}

/**
 * Loads a dataset in batches: `for await (const batch of loader) { … }` runs from the current
 * position to the end of the current epoch, then the position moves to the next epoch.
 */
export class DataLoader implements AsyncIterable<LoaderBatch> {
  readonly batchSize: number;
  readonly transform: ImageTransform;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly prefetch: number;
  readonly workers: number;
  readonly dropLast: boolean;
  readonly onBadSample: BadSamplePolicy;
  readonly device: Device;
  private readonly decode: DecodeOptions;
  private epochIndex = 0;
  private batchIndex = 0;
  private active = false;
  private skippedTotal = 0;
  private shardOf: ShardOf | undefined;

  /** @throws ZsclError E_ARG for a bad dataset or option. */
  constructor(
    readonly dataset: Dataset,
    options: LoaderOptions,
  ) {
    if (!dataset || typeof dataset.sample !== 'function' || !Number.isSafeInteger(dataset.length) || dataset.length < 0) {
      throw argumentError('DataLoader', 'a dataset (length + sample())', dataset);
    }
    const positive = (name: string, value: unknown, fallback: number) => {
      const v = value ?? fallback;
      if (!Number.isSafeInteger(v) || (v as number) < 1) throw argumentError('DataLoader', `${name} to be an integer >= 1`, value);
      return v as number;
    };
    this.batchSize = positive('batchSize', options?.batchSize, NaN);
    this.prefetch = positive('prefetch', options.prefetch, 2);
    this.workers = positive('workers', options.workers, 4);
    this.seed = options.seed ?? 0;
    if (!Number.isSafeInteger(this.seed) || this.seed < 0) throw argumentError('DataLoader', 'seed to be a non-negative integer', options.seed);
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.onBadSample = options.onBadSample ?? 'error';
    if (this.onBadSample !== 'error' && this.onBadSample !== 'skip') throw argumentError('DataLoader', "onBadSample 'error' or 'skip'", options.onBadSample);
    this.transform = options.transform ?? clipEvalTransform();
    this.decode = { autoOrient: options.autoOrient, maxPixels: options.maxPixels };
    this.device = options.device === undefined ? 'cpu' : checkDevice(options.device);
    if (options.shard) this.setShard(options.shard);
  }

  /** This rank's part of every batch (undefined: whole batches). */
  get shard(): ShardOf | undefined {
    return this.shardOf;
  }

  /**
   * From the next iteration on, loads only this rank's rows of every batch (undefined: whole
   * batches); see {@link LoaderOptions.shard}. The position is unchanged. Sync.
   * @throws ZsclError E_ARG for a bad rank or world size; E_BUSY while an iteration is running.
   */
  setShard(shard: ShardOf | undefined): void {
    if (this.active) throw new ZsclError('DataLoader.setShard: an iteration is running; finish or break out of it first', 'E_BUSY');
    if (shard) shardRange(0, shard.rank, shard.worldSize); // validates
    this.shardOf = shard && (shard.worldSize > 1 ? { rank: shard.rank, worldSize: shard.worldSize } : undefined);
  }

  /** Batches in one epoch. */
  get batchesPerEpoch(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The epoch the next batch belongs to. */
  get epoch(): number {
    return this.epochIndex;
  }

  /** Images skipped so far (onBadSample 'skip'), over all epochs. */
  get skippedCount(): number {
    return this.skippedTotal;
  }

  /** The position of the next batch, to pass to {@link restore} later (in this or a new loader). Sync. */
  state(): LoaderState {
    return {
      version: 1,
      epoch: this.epochIndex,
      batch: this.batchIndex,
      seed: this.seed,
      shuffle: this.shuffle,
      batchSize: this.batchSize,
      dropLast: this.dropLast,
      datasetLength: this.dataset.length,
    };
  }

  /**
   * Moves to a saved position. The loader must have the same seed, shuffle, batch size, dropLast
   * and dataset length, or the sequence would differ. Sync.
   * @throws ZsclError E_ARG for a malformed state or one from a differently configured loader;
   *   E_BUSY while an iteration is running.
   */
  restore(state: LoaderState): void {
    if (this.active) throw new ZsclError('DataLoader.restore: an iteration is running; finish or break out of it first', 'E_BUSY');
    if (!state || state.version !== 1 || !Number.isSafeInteger(state.epoch) || state.epoch < 0 || !Number.isSafeInteger(state.batch) || state.batch < 0) {
      throw new ZsclError(`DataLoader.restore: not a loader state: ${JSON.stringify(state)}`, 'E_ARG');
    }
    const mine = this.state();
    for (const key of ['seed', 'shuffle', 'batchSize', 'dropLast', 'datasetLength'] as const) {
      if (state[key] !== mine[key])
        throw new ZsclError(`DataLoader.restore: the state has ${key} ${String(state[key])} but this loader has ${String(mine[key])}`, 'E_ARG');
    }
    if (state.batch > this.batchesPerEpoch)
      throw new ZsclError(`DataLoader.restore: batch ${state.batch} is past the ${this.batchesPerEpoch} batches of an epoch`, 'E_ARG');
    this.epochIndex = state.epoch;
    this.batchIndex = state.batch;
    if (this.batchIndex === this.batchesPerEpoch && this.batchIndex > 0) {
      this.epochIndex++;
      this.batchIndex = 0;
    }
  }

  /** Dataset indices of an epoch, in order. Sync. */
  epochOrder(epoch: number): number[] {
    const n = this.dataset.length;
    return this.shuffle ? new SeededRandom(this.seed, 'order', epoch).permutation(n) : Array.from({ length: n }, (_, i) => i);
  }

  /**
   * The remaining batches of the current epoch. Async.
   * @throws ZsclError E_BUSY when another iteration of this loader is running; the iteration
   *   rejects with the first bad image's E_FORMAT/E_IO error under onBadSample 'error'.
   */
  [Symbol.asyncIterator](): AsyncIterator<LoaderBatch> {
    if (this.active) throw new ZsclError('DataLoader: already being iterated; one iteration at a time', 'E_BUSY');
    this.active = true;
    return new EpochRun(this, this.epochIndex, this.batchIndex, {
      decode: this.decode,
      advance: (epoch, batch) => {
        this.epochIndex = epoch;
        this.batchIndex = batch;
      },
      skipped: (n) => {
        this.skippedTotal += n;
      },
      finish: () => {
        this.active = false;
      },
    });
  }
}

/** What an epoch run needs from its loader beyond the public options. */
interface RunHooks {
  decode: DecodeOptions;
  advance(epoch: number, batch: number): void;
  skipped(n: number): void;
  finish(): void;
}

/** One pass over the rest of an epoch, with its prefetch window and decode pool. */
class EpochRun implements AsyncIterator<LoaderBatch> {
  private readonly order: number[];
  private readonly total: number;
  private readonly jobs: BatchJob[] = [];
  private nextJob: number;
  private inFlight = 0;
  private closed = false;
  /** Images per worker run: a few per worker and batch (so runs stay balanced), at most 8. */
  private readonly runLength: number;

  constructor(
    private readonly loader: DataLoader,
    private readonly epoch: number,
    private nextBatch: number,
    private readonly hooks: RunHooks,
  ) {
    this.order = loader.epochOrder(epoch);
    this.total = loader.batchesPerEpoch;
    this.nextJob = nextBatch;
    this.runLength = Math.max(1, Math.min(8, Math.ceil(loader.batchSize / (2 * loader.workers))));
    this.fill();
  }

  async next(): Promise<IteratorResult<LoaderBatch>> {
    if (this.closed) return { done: true, value: undefined };
    if (this.nextBatch >= this.total) {
      this.hooks.advance(this.epoch + 1, 0);
      this.close();
      return { done: true, value: undefined };
    }
    const job = this.jobs[0];
    await job.done;
    if (job.error !== undefined) {
      this.close();
      throw job.error;
    }
    this.jobs.shift();
    const batch = this.finishBatch(job);
    this.nextBatch++;
    if (this.nextBatch >= this.total) this.hooks.advance(this.epoch + 1, 0);
    else this.hooks.advance(this.epoch, this.nextBatch);
    this.fill();
    return { done: false, value: batch };
  }

  async return(): Promise<IteratorResult<LoaderBatch>> {
    this.close();
    return { done: true, value: undefined };
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    // In-flight decodes finish into slots nobody reads: each holds the batch memory through its
    // own view, so the batch tensors can go now.
    for (const job of this.jobs) job.images.dispose();
    this.jobs.length = 0;
    this.hooks.finish();
  }

  /** Opens batch jobs up to the prefetch depth and starts decodes up to the worker count. */
  private fill(): void {
    if (this.closed) return;
    while (this.jobs.length < this.loader.prefetch && this.nextJob < this.total) this.jobs.push(this.openJob(this.nextJob++));
    for (const job of this.jobs) {
      while (this.inFlight < this.loader.workers && job.started < job.indices.length && job.error === undefined) this.start(job);
      if (this.inFlight >= this.loader.workers) return;
    }
  }

  private openJob(batch: number): BatchJob {
    const bs = this.loader.batchSize;
    let indices = this.order.slice(batch * bs, Math.min((batch + 1) * bs, this.order.length));
    const shard = this.loader.shard;
    if (shard) {
      const { start, end } = shardRange(indices.length, shard.rank, shard.worldSize);
      indices = indices.slice(start, end);
    }
    const samples = indices.map((i) => this.loader.dataset.sample(i));
    const size = this.loader.transform.size;
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const job: BatchJob = {
      batch,
      indices,
      sources: samples.map((s) => s.image),
      names: samples.map((s, k) => s.name ?? (typeof s.image === 'string' ? s.image : `sample ${indices[k]}`)),
      labels: samples.map((s) => s.label),
      // Out of any scope while being filled (a prefetched batch may be opened in the context of
      // a scope that closes before it is handed over); finishBatch puts it in the consumer's.
      images: keep(empty([indices.length, 3, size, size], { pinMemory: this.loader.device !== 'cpu' })),
      failed: new Array(indices.length).fill(undefined),
      started: 0,
      remaining: indices.length,
      done,
      resolve,
    };
    if (indices.length === 0) {
      this.stage(job);
      resolve();
    }
    return job;
  }

  /**
   * Starts a worker on the next run of images of `job`: one after another, so `workers` images
   * at most are being decoded at any time; runs of several images spare the main thread a
   * hand-over per image (the native path decodes a run in one call on one thread).
   */
  private start(job: BatchJob): void {
    const n = Math.min(this.runLength, job.indices.length - job.started);
    const slots = Array.from({ length: n }, (_, k) => job.started + k);
    job.started += n;
    this.inFlight++;
    const train = this.loader.transform.kind === 'train';
    const items = slots.map((slot) => ({
      index: slot,
      source: job.sources[slot],
      key: train ? { seed: this.loader.seed, epoch: this.epoch, index: job.indices[slot] } : undefined,
      name: job.names[slot],
    }));
    preprocessRunIntoBatch(job.images, items, this.loader.transform, this.hooks.decode)
      .then((outcomes) => outcomes.forEach((error, k) => error !== undefined && this.failed(job, slots[k], error)))
      .catch((error: unknown) => {
        if (job.error === undefined) job.error = error;
      })
      .finally(() => {
        this.inFlight--;
        job.remaining -= n;
        if (job.remaining === 0 && job.error === undefined && !this.closed) this.stage(job);
        if (job.remaining === 0 || job.error !== undefined) job.resolve();
        this.fill();
      });
  }

  /** A decoded batch goes to the loader's device now, without blocking (nothing moves on the CPU). */
  private stage(job: BatchJob): void {
    if (this.loader.device === 'cpu') return;
    const host = job.images;
    job.images = keep(toDevice(host, this.loader.device));
    host.dispose();
  }

  /** Records a sample that could not be loaded: skipped, or the batch's error. */
  private failed(job: BatchJob, slot: number, error: unknown): void {
    const bad = error instanceof ZsclError && (error.code === 'E_FORMAT' || error.code === 'E_IO');
    if (bad && this.loader.onBadSample === 'skip')
      job.failed[slot] = { index: job.indices[slot], name: job.names[slot], code: error.code, message: error.message };
    else if (job.error === undefined) job.error = error;
  }

  /** The tensors of a finished job (every decode has settled), leaving out skipped samples. */
  private finishBatch(job: BatchJob): LoaderBatch {
    const kept = job.failed.map((f, i) => (f ? -1 : i)).filter((i) => i >= 0);
    const skipped = job.failed.filter((f): f is SkippedSample => f !== undefined);
    let images = job.images;
    const device = this.loader.device;
    if (kept.length < job.indices.length) {
      const index = toDevice(tensor(Int32Array.from(kept), { shape: [kept.length], dtype: 'int64' }), device, true);
      images = job.images.indexSelect(0, index);
      index.dispose();
      job.images.dispose();
      this.hooks.skipped(skipped.length);
    } else {
      currentScope()?.track(images);
    }
    const labels = toDevice(
      tensor(
        Int32Array.from(kept, (i) => job.labels[i]),
        { shape: [kept.length], dtype: 'int64' },
      ),
      device,
      true,
    );
    return { images, labels, indices: kept.map((i) => job.indices[i]), names: kept.map((i) => job.names[i]), skipped, epoch: this.epoch, batch: job.batch };
  }
}

/**
 * `t` on `device` (itself on the CPU). Pinned host memory is copied without blocking; with `pin`,
 * a small host tensor is pinned first (a host copy), so its copy does not wait for the GPU either.
 * A host tensor that was copied is disposed.
 */
function toDevice(t: Tensor, device: Device, pin = false): Tensor {
  if (device === 'cpu') return t;
  const host = pin && !t.isPinned ? t.pinMemory() : t;
  const moved = host.to(device, { nonBlocking: host.isPinned });
  if (host !== t) host.dispose();
  t.dispose();
  return moved;
}
