/**
 * A torch.distributed (c10d) process group: rendezvous through a TCPStore served by rank 0,
 * collectives through ProcessGroupGloo or ProcessGroupNCCL. Every collective is a Promise that
 * runs on a worker thread, so the event loop keeps ticking while a rank waits for its peers.
 *
 * Collectives of one group run one after another in call order (every rank must issue the same
 * collectives in the same order). A failure — a peer that died, a timeout, ranks that disagree —
 * rejects with E_DIST and leaves the group unusable: later calls reject at once.
 */
import { ZsclError } from '../errors';
import { native } from '../native';
import type { NativeHandle } from '../native';
import { cat, tensor, zeros } from '../tensor/create';
import { NativeObject } from '../tensor/native-object';
import type { Tensor } from '../tensor/tensor';
import { op, wrap } from '../tensor/tensor';
import { DEFAULT_DIST_TIMEOUT_MS, readDistEnv, type DistBackend, type DistEnv } from './env';
import { shardRange, shardSizes } from './shard';

export interface ProcessGroupOptions {
  rank: number;
  worldSize: number;
  /** Host of rank 0 (MASTER_ADDR); rank 0 serves the rendezvous store there. */
  host: string;
  /** Port of the store (MASTER_PORT). */
  port: number;
  /** Default 'gloo'. */
  backend?: DistBackend;
  /** Rank on this node (default: rank). */
  localRank?: number;
  /** How long rendezvous and each collective wait for a peer, in ms (default 30 000). */
  timeoutMs?: number;
}

/** Reductions of {@link ProcessGroup.allReduce}; 'mean' is the sum divided by the world size. */
export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';

/** Bytes per gradient / parameter bucket (one message each), as DDP's default. */
export const DEFAULT_BUCKET_BYTES = 25 * 1024 * 1024;

/** The backends this build of the addon has ('gloo' needs Gloo's headers at build time, 'nccl' a CUDA libtorch). Sync. */
export function compiledBackends(): DistBackend[] {
  return op('distCompiledBackends') as unknown as DistBackend[];
}

/** This process's membership of a process group; `dispose()` leaves it (frees the store connection and the backend). */
export class ProcessGroup extends NativeObject {
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank: number;
  readonly backend: DistBackend;
  readonly timeoutMs: number;
  private tail: Promise<unknown> = Promise.resolve();
  private failure: ZsclError | undefined;

  private constructor(handle: NativeHandle, options: Required<ProcessGroupOptions>) {
    super(handle, `process group (rank ${options.rank} of ${options.worldSize})`);
    this.rank = options.rank;
    this.worldSize = options.worldSize;
    this.localRank = options.localRank;
    this.backend = options.backend;
    this.timeoutMs = options.timeoutMs;
  }

  /**
   * Joins a group: resolves once all `worldSize` ranks have connected. Async.
   * @throws ZsclError E_CONFIG for bad options, E_DIST when the rendezvous fails or times out,
   *   E_ARG / E_DEVICE when this build lacks the backend.
   */
  static async create(options: ProcessGroupOptions): Promise<ProcessGroup> {
    const full: Required<ProcessGroupOptions> = {
      backend: 'gloo',
      timeoutMs: DEFAULT_DIST_TIMEOUT_MS,
      localRank: options.rank,
      ...options,
    };
    const { rank, worldSize, port, timeoutMs } = full;
    if (!Number.isInteger(worldSize) || worldSize < 1) throw new ZsclError(`ProcessGroup: worldSize must be a positive integer, got ${worldSize}`, 'E_CONFIG');
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize)
      throw new ZsclError(`ProcessGroup: rank must be an integer in 0…${worldSize - 1}, got ${rank}`, 'E_CONFIG');
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ZsclError(`ProcessGroup: port must be an integer in 1…65535, got ${port}`, 'E_CONFIG');
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new ZsclError(`ProcessGroup: timeoutMs must be a positive integer, got ${timeoutMs}`, 'E_CONFIG');
    if (full.backend !== 'gloo' && full.backend !== 'nccl')
      throw new ZsclError(`ProcessGroup: backend must be 'gloo' or 'nccl', got '${String(full.backend)}'`, 'E_CONFIG');
    const handle = (await native().opAsync('distCreateGroup', {
      backend: full.backend,
      rank,
      worldSize,
      host: full.host,
      port,
      timeoutMs,
    })) as unknown as NativeHandle;
    return new ProcessGroup(handle, full);
  }

  /**
   * Joins the group the environment describes (torchrun's MASTER_ADDR, MASTER_PORT, RANK,
   * WORLD_SIZE, LOCAL_RANK; see {@link readDistEnv}). Async.
   * @param options.device the training device: NCCL for CUDA, Gloo for the CPU, unless ZSCL_DIST_BACKEND says otherwise.
   * @returns undefined when WORLD_SIZE is unset (not a data-parallel run).
   * @throws ZsclError E_CONFIG for malformed variables, E_DIST when the rendezvous fails.
   */
  static async fromEnv(env: NodeJS.ProcessEnv = process.env, options: { device?: string } = {}): Promise<ProcessGroup | undefined> {
    const dist: DistEnv | undefined = readDistEnv(env, options);
    return dist && ProcessGroup.create(dist);
  }

  /** Rank 0 writes files (checkpoints, metrics, results) for the whole group. */
  get isMain(): boolean {
    return this.rank === 0;
  }

  /**
   * The rows [start, end) of a global batch of `rows` that this rank takes: contiguous, disjoint
   * shards in rank order whose sizes differ by at most one (3 rows over 2 ranks: 2 + 1; a rank
   * may get none). Sync.
   */
  shardRange(rows: number): { start: number; end: number } {
    return shardRange(rows, this.rank, this.worldSize);
  }

  /** The rows every rank takes of a global batch of `rows` (see {@link shardRange}). Sync. */
  shardSizes(rows: number): number[] {
    return shardSizes(rows, this.worldSize);
  }

  /** This rank's shard (rows along dim 0, a view) of a global batch (see {@link shardRange}). Sync. */
  shard(batch: Tensor): Tensor {
    const { start, end } = this.shardRange(batch.shape[0]);
    return batch.slice(0, start, end);
  }

  /** Every rank's `rows` (a count each rank gives), in rank order. Async. @throws ZsclError E_DIST. */
  async rowCounts(rows: number): Promise<number[]> {
    const mine = new Array<number>(this.worldSize).fill(0);
    mine[this.rank] = rows;
    return this.allReduceNumbers(mine, 'sum');
  }

  /**
   * Every rank's rows concatenated along dim 0 in rank order, when ranks hold different numbers
   * of rows (`counts`, as {@link rowCounts} gives; exchanged here when not given): shorter shards
   * are padded to the longest for the gather and the padding is dropped. `grad: true` records it
   * for autograd as {@link allGatherWithGrad}. Async.
   * @throws ZsclError E_DIST when communication fails.
   */
  async allGatherRows(rows: Tensor, options: { grad?: boolean; counts?: readonly number[] } = {}): Promise<Tensor> {
    const counts = options.counts ?? (await this.rowCounts(rows.shape[0]));
    const longest = Math.max(...counts);
    const gather = (t: Tensor): Promise<Tensor> => (options.grad ? this.allGatherWithGrad(t) : this.allGather(t));
    if (counts.every((n) => n === longest)) return gather(rows);
    const padding = zeros([longest - rows.shape[0], ...rows.shape.slice(1)], { dtype: rows.dtype, device: rows.device });
    const padded = cat([rows, padding], 0);
    padding.dispose();
    const all = await gather(padded);
    padded.dispose();
    const parts = counts.map((n, r) => all.slice(0, r * longest, r * longest + n));
    const joined = cat(parts, 0);
    for (const p of [...parts, all]) p.dispose();
    return joined;
  }

  /**
   * Every gradient of `params` ← its mean over ranks, in place, over flat buckets of
   * `bucketBytes`. A parameter with no gradient on any rank keeps none. Async.
   * @throws ZsclError E_DIST on a communication failure.
   */
  allReduceGradients(params: Tensor[], options: { bucketBytes?: number } = {}): Promise<void> {
    return this.collective(async (h) => {
      await native().opAsync(
        'distAllReduceGrads',
        h,
        params.map((p) => p.handle),
        options.bucketBytes ?? DEFAULT_BUCKET_BYTES,
      );
    });
  }

  /**
   * `tensors` ← rank `root`'s values, in place (no grad), e.g. the initial parameters. Async.
   * @throws ZsclError E_DIST when ranks pass different tensor layouts or communication fails.
   */
  broadcast(tensors: Tensor[], root = 0, options: { bucketBytes?: number } = {}): Promise<void> {
    return this.collective(async (h) => {
      await native().opAsync(
        'distBroadcast_',
        h,
        tensors.map((t) => t.handle),
        root,
        options.bucketBytes ?? DEFAULT_BUCKET_BYTES,
      );
    });
  }

  /**
   * Every rank's `rows` concatenated along dim 0 in rank order; constant (no autograd). Async.
   * @throws ZsclError E_DIST when ranks pass different shapes or communication fails.
   */
  allGather(rows: Tensor): Promise<Tensor> {
    return this.collective(async (h) => wrap(await native().opAsync('distAllGather', h, rows.handle)));
  }

  /**
   * As {@link allGather}, recorded by autograd: its backward sums the gradient of the gathered
   * tensor over ranks (one more collective, run inside `backward`) and returns this rank's rows.
   * Use it when every rank computes the same loss of the whole gathered batch: after gradients
   * are averaged over ranks, each sample counts once, as in one process. Async.
   * Await the backward before starting another collective of this group.
   * @throws ZsclError E_DIST when ranks pass different shapes or communication fails.
   */
  allGatherWithGrad(rows: Tensor): Promise<Tensor> {
    return this.collective(async (h) => wrap(await native().opAsync('distAllGatherWithGrad', h, rows.handle)));
  }

  /** A new tensor: `value` reduced over ranks ('mean' needs a floating dtype). Async. @throws ZsclError E_DIST. */
  allReduce(value: Tensor, reduce: ReduceOp = 'sum'): Promise<Tensor> {
    return this.collective(async (h) => wrap(await native().opAsync('distAllReduce', h, value.handle, reduce)));
  }

  /** Numbers reduced over ranks in float64 (loss values, evaluation counts). Async. @throws ZsclError E_DIST. */
  async allReduceNumbers(values: readonly number[], reduce: ReduceOp = 'sum'): Promise<number[]> {
    // NCCL reduces CUDA tensors only: there the numbers travel on this rank's GPU.
    const device = this.backend === 'nccl' ? (`cuda:${this.localRank}` as const) : 'cpu';
    const local = tensor(Float64Array.from(values), { dtype: 'float64', device });
    try {
      const reduced = await this.allReduce(local, reduce);
      try {
        return Array.from(reduced.data() as Float64Array);
      } finally {
        reduced.dispose();
      }
    } finally {
      local.dispose();
    }
  }

  /** Resolves when every rank has reached this barrier. Async. @throws ZsclError E_DIST. */
  barrier(): Promise<void> {
    return this.collective(async (h) => {
      await native().opAsync('distBarrier', h);
    });
  }

  // Runs collectives strictly one after another in call order, and fails fast once one failed.
  private collective<T>(run: (handle: NativeHandle) => Promise<T>): Promise<T> {
    const next = this.tail.then(async () => {
      if (this.failure)
        throw new ZsclError(`process group (rank ${this.rank} of ${this.worldSize}) is unusable after an earlier failure: ${this.failure.message}`, 'E_DIST');
      const handle = this.nativeHandle; // E_DISPOSED once disposed
      try {
        return await run(handle);
      } catch (error) {
        if (error instanceof ZsclError && error.code === 'E_DIST') this.failure = error;
        throw error;
      }
    });
    this.tail = next.catch(() => undefined);
    return next;
  }
}
