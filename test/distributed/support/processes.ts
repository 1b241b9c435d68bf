/**
 * Child processes of the data-parallel tests: `zscl-rank.ts` run through tsx, each one killed
 * when its deadline passes and, whatever happens, by {@link killAll} (call it in `after`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const rankScript = path.join(__dirname, 'zscl-rank.ts');

/**
 * Node arguments that start zscl-rank: through tsx, or a prebuilt bundle named by
 * ZSCL_DIST_WORKER_JS (machines without the dev dependencies, e.g. the GPU check).
 */
export function rankCommand(): string[] {
  const bundle = process.env.ZSCL_DIST_WORKER_JS;
  return bundle ? [bundle] : ['--import', 'tsx', rankScript];
}

/** The environment without any data-parallel variables (a plain single-process run). */
export function singleProcessEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ZSCL_NUM_THREADS: '1' };
  for (const name of ['RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT', 'LOCAL_WORLD_SIZE']) delete env[name];
  return { ...env, ...extra };
}

/** The environment of rank `rank` of `worldSize` on this machine. */
export function rankEnv(rank: number, worldSize: number, port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return singleProcessEnv({
    RANK: String(rank),
    LOCAL_RANK: String(rank),
    WORLD_SIZE: String(worldSize),
    MASTER_ADDR: '127.0.0.1',
    MASTER_PORT: String(port),
    ...extra,
  });
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** When it exited (Date.now()). */
  endedAt: number;
}

export interface Running {
  child: ChildProcess;
  done: Promise<Finished>;
}

const live = new Set<ChildProcess>();

/** Starts zscl-rank with `args`; SIGKILLed after `deadlineMs`. */
export function startRank(args: string[], env: NodeJS.ProcessEnv, deadlineMs = 55000): Running {
  const child = spawn(process.execPath, [...rankCommand(), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  const done = new Promise<Finished>((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      const endedAt = Date.now();
      // Let the pipes drain before resolving.
      setImmediate(() => resolve({ code, signal, stdout, stderr, endedAt }));
    });
  });
  return { child, done };
}

/** Runs one process to the end. */
export function runRank(args: string[], env: NodeJS.ProcessEnv, deadlineMs?: number): Promise<Finished> {
  return startRank(args, env, deadlineMs).done;
}

/** Kills every child process still running. */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}
