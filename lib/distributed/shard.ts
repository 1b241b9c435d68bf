/**
 * How a global batch splits over the ranks of a data-parallel job: contiguous rows in rank order,
 * sizes differing by at most one (the first `rows mod worldSize` ranks take one more), so a batch
 * of any size works — 3 rows over 2 ranks are 2 + 1, and a rank may get none.
 */
import { ZsclError } from '../errors';

/** A rank's position in a job: which shard of every global batch it takes. */
export interface ShardOf {
  rank: number;
  worldSize: number;
}

/** The rows [start, end) of a batch of `rows` that `rank` of `worldSize` takes. Sync. @throws ZsclError E_ARG for a bad rank or size. */
export function shardRange(rows: number, rank: number, worldSize: number): { start: number; end: number } {
  if (!Number.isInteger(worldSize) || worldSize < 1 || !Number.isInteger(rank) || rank < 0 || rank >= worldSize || !Number.isInteger(rows) || rows < 0)
    throw new ZsclError(`shardRange: expected 0 ≤ rank < worldSize and rows ≥ 0, got rank ${rank}, worldSize ${worldSize}, rows ${rows}`, 'E_ARG');
  const base = Math.floor(rows / worldSize);
  const extra = rows % worldSize;
  const start = rank * base + Math.min(rank, extra);
  return { start, end: start + base + (rank < extra ? 1 : 0) };
}

/** The rows each rank takes of a batch of `rows`, in rank order. Sync. */
export function shardSizes(rows: number, worldSize: number): number[] {
  return Array.from({ length: worldSize }, (_, rank) => {
    const { start, end } = shardRange(rows, rank, worldSize);
    return end - start;
  });
}
