/**
 * The environment of a data-parallel process, in torchrun's convention: MASTER_ADDR,
 * MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK (plus ZSCL_DIST_BACKEND, which overrides the device's
 * default backend, and ZSCL_DIST_TIMEOUT_MS).
 * `zscl launch` sets them for local processes; on several nodes, set them on each node.
 */
import { ZsclError } from '../errors';

/** Collective backends: Gloo (CPU tensors, and CUDA tensors through the host) or NCCL (CUDA). */
export type DistBackend = 'gloo' | 'nccl';

/** Where a process sits in a data-parallel job and how to reach rank 0's store. */
export interface DistEnv {
  rank: number;
  worldSize: number;
  /** Rank among the processes of this node (picks the CUDA device). */
  localRank: number;
  /** MASTER_ADDR: the host of rank 0, which serves the rendezvous store. */
  host: string;
  /** MASTER_PORT. */
  port: number;
  backend: DistBackend;
  /** How long rendezvous and each collective may wait for a peer (ms). */
  timeoutMs: number;
}

/** Default wait for a peer: a dead or stuck rank surfaces as an E_DIST error after this. */
export const DEFAULT_DIST_TIMEOUT_MS = 30000;

/** The backend for a device when ZSCL_DIST_BACKEND does not name one: NCCL for CUDA devices, Gloo for the CPU. Sync. */
export function defaultBackend(device: string | undefined): DistBackend {
  return device !== undefined && device.startsWith('cuda') ? 'nccl' : 'gloo';
}

/**
 * Reads the data-parallel environment. Sync.
 * @param options.device the device the job trains on: picks the backend when ZSCL_DIST_BACKEND is unset (see {@link defaultBackend}).
 * @returns undefined when WORLD_SIZE is unset (a single-process run).
 * @throws ZsclError E_CONFIG naming the variable that is missing or malformed.
 */
export function readDistEnv(env: NodeJS.ProcessEnv = process.env, options: { device?: string } = {}): DistEnv | undefined {
  if (env.WORLD_SIZE === undefined || env.WORLD_SIZE === '') return undefined;
  const worldSize = integer(env, 'WORLD_SIZE', 1);
  const rank = integer(env, 'RANK', 0, worldSize - 1);
  const localRank = env.LOCAL_RANK === undefined ? rank : integer(env, 'LOCAL_RANK', 0);
  const host = env.MASTER_ADDR || '127.0.0.1';
  if (env.MASTER_PORT === undefined) {
    throw new ZsclError("data-parallel environment: WORLD_SIZE is set but MASTER_PORT is not (the port of rank 0's rendezvous store)", 'E_CONFIG');
  }
  const port = integer(env, 'MASTER_PORT', 1, 65535);
  const backend = (env.ZSCL_DIST_BACKEND || defaultBackend(options.device)) as DistBackend;
  if (backend !== 'gloo' && backend !== 'nccl') {
    throw new ZsclError(`data-parallel environment: ZSCL_DIST_BACKEND must be 'gloo' or 'nccl', got '${String(backend)}'`, 'E_CONFIG');
  }
  const timeoutMs = env.ZSCL_DIST_TIMEOUT_MS ? integer(env, 'ZSCL_DIST_TIMEOUT_MS', 1) : DEFAULT_DIST_TIMEOUT_MS;
  return { rank, worldSize, localRank, host, port, backend, timeoutMs };
}

function integer(env: NodeJS.ProcessEnv, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  const value = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new ZsclError(
      `data-parallel environment: ${name} must be an integer in ${min}…${max === Number.MAX_SAFE_INTEGER ? '∞' : max}, got ${raw === undefined ? 'nothing' : `'${raw}'`}`,
      'E_CONFIG',
    );
  }
  return value;
}
