/**
 * `zscl launch --nproc N [--nnodes M --node-rank K --master-addr A --master-port P] -- CMD ARGS…`:
 * runs N copies of a command as one data-parallel job (torchrun's environment variables), and
 * `relaunchForNproc`, with which a command such as `zscl train --nproc N` starts itself N times.
 */
import type { Command } from 'commander';
import { ZsclError } from '../errors';
import { defaultBackend, type DistBackend } from '../distributed/env';
import { launch, type LaunchOptions } from '../distributed/launch';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new ZsclError(`--${name} must be a positive integer, got '${value}'`, 'E_ARG');
    return n;
  };
}

function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new ZsclError(`--${name} must be an integer ≥ 0, got '${value}'`, 'E_ARG');
    return n;
  };
}

function backendOf(value: string): DistBackend {
  if (value !== 'gloo' && value !== 'nccl') throw new ZsclError(`--backend must be 'gloo' or 'nccl', got '${value}'`, 'E_ARG');
  return value;
}

interface LaunchFlags {
  nproc: number;
  nnodes?: number;
  nodeRank?: number;
  masterAddr?: string;
  masterPort?: number;
  backend?: DistBackend;
  timeout?: number;
  threads?: number;
  grace?: number;
}

/** Registers `zscl launch`. */
export function registerLaunch(program: Command): void {
  program
    .command('launch')
    .description('run a command as N data-parallel processes (sets RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)')
    .requiredOption('--nproc <n>', 'processes on this node', positiveInt('nproc'))
    .option('--nnodes <n>', 'nodes in the job (default 1)', positiveInt('nnodes'))
    .option('--node-rank <k>', "this node's index (default 0)", nonNegativeInt('node-rank'))
    .option('--master-addr <host>', 'host of rank 0 (default 127.0.0.1)')
    .option('--master-port <port>', 'port of the rendezvous store (default: a free port; required for several nodes)', positiveInt('master-port'))
    .option('--backend <name>', 'gloo (CPU) or nccl (CUDA)', backendOf)
    .option('--timeout <ms>', 'how long a rank waits for its peers before failing with E_DIST (default 30000)', positiveInt('timeout'))
    .option('--threads <n>', 'libtorch threads per process (default: cores / nproc)', positiveInt('threads'))
    .option(
      '--grace <ms>',
      'after a process fails, how long the others may take to fail by themselves before they are terminated (default 10000)',
      nonNegativeInt('grace'),
    )
    .argument('<command>', 'the program to run (e.g. node)')
    .argument('[args...]', 'its arguments (put -- before the command when they hold options)')
    .action(async (command: string, args: string[], flags: LaunchFlags) => {
      const result = await launch({ ...launchOptionsOf(flags), command, args });
      if (result.firstFailure) {
        const { rank, code, signal } = result.firstFailure;
        console.error(`zscl launch: rank ${rank} failed first (${signal ? `signal ${signal}` : `exit code ${code}`})`);
      }
      process.exitCode = result.code;
    });
}

function launchOptionsOf(flags: LaunchFlags): Omit<LaunchOptions, 'command'> {
  return {
    nproc: flags.nproc,
    nnodes: flags.nnodes,
    nodeRank: flags.nodeRank,
    masterAddr: flags.masterAddr,
    masterPort: flags.masterPort,
    backend: flags.backend,
    timeoutMs: flags.timeout,
    threadsPerProcess: flags.threads,
    graceMs: flags.grace,
  };
}

/**
 * For commands with a `--nproc N` option (e.g. `zscl train`): when N > 1 and this process is
 * not already one rank of a job (WORLD_SIZE unset), runs this same command line N times as one
 * job, without `--nproc`, and sets the exit code. The backend is `options.backend`, else
 * ZSCL_DIST_BACKEND, else the device's default (NCCL for CUDA, Gloo for the CPU). Async.
 * @param options.device the device the job trains on (default the CPU).
 * @returns true when it launched (the caller just returns), false when the caller should train.
 */
export async function relaunchForNproc(
  nproc: number | undefined,
  options: Omit<LaunchOptions, 'nproc' | 'command' | 'args'> & { device?: string } = {},
): Promise<boolean> {
  if (nproc === undefined || nproc <= 1 || process.env.WORLD_SIZE !== undefined) return false;
  const args = [...process.execArgv, process.argv[1], ...withoutNproc(process.argv.slice(2))];
  const { device, ...rest } = options;
  const env = rest.env ?? process.env;
  const backend = rest.backend ?? (env.ZSCL_DIST_BACKEND ? undefined : defaultBackend(device));
  const result = await launch({ ...rest, backend, nproc, command: process.execPath, args });
  process.exitCode = result.code;
  return true;
}

/** Removes `--nproc N` / `--nproc=N` from a command line. */
export function withoutNproc(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (argv[i] === '--nproc') i++;
    else if (!argv[i].startsWith('--nproc=')) out.push(argv[i]);
  }
  return out;
}
