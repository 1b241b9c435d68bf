/**
 * Starts the processes of a data-parallel job on this node, as torchrun does: N copies of one
 * command with RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT set.
 * Several nodes: run the launcher on each with the same MASTER_ADDR/MASTER_PORT, `nnodes` and
 * its own `nodeRank`. When a process fails, the others get `graceMs` to fail on their own (a dead
 * peer surfaces as E_DIST in them), then are terminated: a job never hangs on a dead rank.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { ZsclError } from '../errors';
import type { DistBackend } from './env';

export interface LaunchOptions {
  /** Processes on this node. */
  nproc: number;
  /** The program and its arguments, run once per process. */
  command: string;
  args?: readonly string[];
  /** Nodes in the job (default 1) and this node's index (default 0). */
  nnodes?: number;
  nodeRank?: number;
  /** Rank 0's host (default 127.0.0.1) and store port (default: a free port, single node only). */
  masterAddr?: string;
  masterPort?: number;
  backend?: DistBackend;
  /** Collective timeout of the processes (ZSCL_DIST_TIMEOUT_MS). */
  timeoutMs?: number;
  /** libtorch threads per process (ZSCL_NUM_THREADS); default: this node's cores / nproc. */
  threadsPerProcess?: number;
  /** Wait after the first failure before terminating the others (default 10 000 ms). */
  graceMs?: number;
  /** Extra environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Prefix each output line with "[rank N] " (default true when nproc > 1). */
  prefixOutput?: boolean;
  /** Aborting terminates every process (SIGTERM, then SIGKILL after 5 s). */
  signal?: AbortSignal;
}

/** How each local process ended. */
export interface RankExit {
  rank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LaunchResult {
  /** 0 when every process exited 0, else the exit code of the first process that failed (1 for a signal). */
  code: number;
  exits: RankExit[];
  /** The first process that failed, if any. */
  firstFailure?: RankExit;
}

/** A TCP port that was free a moment ago on `host` (for MASTER_PORT). Async. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs the job's local processes to completion. Async. SIGINT/SIGTERM to this process are
 * passed on to the children.
 * @throws ZsclError E_CONFIG for bad options (never for a failing child: see the result's code).
 */
export async function launch(options: LaunchOptions): Promise<LaunchResult> {
  const nnodes = options.nnodes ?? 1;
  const nodeRank = options.nodeRank ?? 0;
  const positive = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) throw new ZsclError(`launch: ${name} must be a positive integer, got ${v}`, 'E_CONFIG');
  };
  positive('nproc', options.nproc);
  positive('nnodes', nnodes);
  if (!Number.isInteger(nodeRank) || nodeRank < 0 || nodeRank >= nnodes)
    throw new ZsclError(`launch: nodeRank must be an integer in 0…${nnodes - 1}, got ${nodeRank}`, 'E_CONFIG');
  if (nnodes > 1 && options.masterPort === undefined)
    throw new ZsclError('launch: a job of several nodes needs masterPort (the same on every node)', 'E_CONFIG');
  const masterAddr = options.masterAddr ?? '127.0.0.1';
  const masterPort = options.masterPort ?? (await freePort(masterAddr));
  const threads = options.threadsPerProcess ?? Math.max(1, Math.floor(os.availableParallelism() / options.nproc));
  positive('threadsPerProcess', threads);
  const worldSize = nnodes * options.nproc;
  const prefix = options.prefixOutput ?? options.nproc > 1;
  const graceMs = options.graceMs ?? 10000;

  const children: ChildProcess[] = [];
  const exits: (RankExit | undefined)[] = new Array(options.nproc).fill(undefined);
  let firstFailure: RankExit | undefined;
  let terminateTimer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const signalAll = (signal: NodeJS.Signals): void => {
    children.forEach((child, i) => {
      if (exits[i] === undefined) child.kill(signal);
    });
  };
  const forward = (signal: NodeJS.Signals) => () => signalAll(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const onAbort = (): void => {
    signalAll('SIGTERM');
    killTimer ??= setTimeout(() => signalAll('SIGKILL'), 5000);
  };
  options.signal?.addEventListener('abort', onAbort);

  try {
    await new Promise<void>((resolve) => {
      let running = options.nproc;
      for (let local = 0; local < options.nproc; local++) {
        const rank = nodeRank * options.nproc + local;
        const child = spawn(options.command, [...(options.args ?? [])], {
          cwd: options.cwd,
          env: {
            ...(options.env ?? process.env),
            RANK: String(rank),
            LOCAL_RANK: String(local),
            WORLD_SIZE: String(worldSize),
            LOCAL_WORLD_SIZE: String(options.nproc),
            MASTER_ADDR: masterAddr,
            MASTER_PORT: String(masterPort),
            ZSCL_NUM_THREADS: String(threads),
            ...(options.backend ? { ZSCL_DIST_BACKEND: options.backend } : {}),
            ...(options.timeoutMs ? { ZSCL_DIST_TIMEOUT_MS: String(options.timeoutMs) } : {}),
          },
          stdio: prefix ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
        });
        if (prefix) {
          pipeLines(child.stdout!, process.stdout, `[rank ${rank}] `);
          pipeLines(child.stderr!, process.stderr, `[rank ${rank}] `);
        }
        children.push(child);
        if (options.signal?.aborted) child.kill('SIGKILL');
        const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
          if (exits[local] !== undefined) return;
          const exit: RankExit = { rank, code, signal };
          exits[local] = exit;
          running -= 1;
          if ((code !== 0 || signal) && !firstFailure) {
            firstFailure = exit;
            terminateTimer = setTimeout(() => {
              signalAll('SIGTERM');
              killTimer = setTimeout(() => signalAll('SIGKILL'), 5000);
            }, graceMs);
          }
          if (running === 0) resolve();
        };
        child.on('exit', settle);
        child.on('error', (error) => {
          process.stderr.write(`zscl launch: rank ${rank} could not start ${options.command}: ${error.message}\n`);
          settle(127, null);
        });
      }
    });
  } finally {
    clearTimeout(terminateTimer);
    clearTimeout(killTimer);
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    options.signal?.removeEventListener('abort', onAbort);
  }
  const done = exits as RankExit[];
  const failure = firstFailure as RankExit | undefined;
  return { code: failure ? (failure.code ?? 1) || 1 : 0, exits: done, firstFailure: failure };
}

// Copies a child's output line by line with a prefix, so ranks' lines never interleave mid-line.
function pipeLines(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, prefix: string): void {
  let pending = '';
  from.setEncoding('utf8');
  from.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    if (lines.length) to.write(lines.map((l) => prefix + l + '\n').join(''));
  });
  from.on('end', () => {
    if (pending) to.write(prefix + pending + '\n');
  });
}
