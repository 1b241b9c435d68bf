/** Data-parallel training over torch.distributed (c10d): process groups, environment, launcher. */
export { ProcessGroup, compiledBackends, DEFAULT_BUCKET_BYTES, type ProcessGroupOptions, type ReduceOp } from './process-group';
export { readDistEnv, DEFAULT_DIST_TIMEOUT_MS, type DistEnv, type DistBackend } from './env';
export { launch, freePort, type LaunchOptions, type LaunchResult, type RankExit } from './launch';
export { evaluateAllDataParallel, shardEvaluationSet } from './evaluation';
export type { ShardOf } from './shard';
