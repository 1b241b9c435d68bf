/**
 * Per-op overhead of small tensor ops: zscl against PyTorch called from Python
 * (reference_op_overhead.py of ../shared/bench beside the repo, or $ZSCL_SHARED_BENCH), same ops
 * on 2x2 float32 tensors, same thread count, iterations, warm-up and repeats, measured in the same
 * run.
 *
 * Following the baseline README's "How to compare": the two sides run one process at a time,
 * interleaved (Python, zscl, Python, zscl, …). Each run reports, per op, the median over its
 * repeats of microseconds per op; each side's figure is the median over its runs; the ratio is
 * python_us / zscl_us (above 1: zscl's op is cheaper).
 *
 * The zscl loop does what the Python loop does: one op per iteration whose result is released
 * before the next one (Python frees `c` when it is rebound; zscl calls `dispose()`). Also reported,
 * not compared: the same add inside `tidy` scopes of 100 ops (`add_tidy_us`) and the empty loop.
 *
 *   npx tsx scripts/bench/op-overhead.ts [--threads 2] [--iterations 200000] [--warmup 10000] [--repeats 5] [--runs 3]
 *
 * ZSCL_ADDON selects the addon file.
 */
import os from 'node:os';
import path from 'node:path';
import type { Tensor } from '../../lib/tensor/tensor';
import { rand } from '../../lib/tensor/create';
import { tidy } from '../../lib/tensor/scope';
import { manualSeed, setNumThreads, systemInfo } from '../../lib/runtime';
import { median, parseFlags, runJson } from './support';

const PYTHON = '/usr/bin/python3';
const SHARED_BENCH = process.env.ZSCL_SHARED_BENCH ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'bench');
const REFERENCE = path.join(SHARED_BENCH, 'reference_op_overhead.py');

/** The ops both sides time (the reference's field names without `_us`). */
const OPS = ['add', 'matmul', 'add_autograd'] as const;

interface Args {
  threads: number;
  iterations: number;
  warmup: number;
  repeats: number;
  runs: number;
  child: boolean;
}

/** One run's figures, in the reference's JSON fields. */
interface RunResult {
  add_us: number;
  matmul_us: number;
  add_autograd_us: number;
  torch_version: string;
  [key: string]: unknown;
}

function parseArgs(argv: string[]): Args {
  const defaults: Args = { threads: 2, iterations: 200_000, warmup: 10_000, repeats: 5, runs: 3, child: false };
  return parseFlags(argv, defaults, { positive: ['threads', 'iterations', 'repeats', 'runs'], nonNegative: ['warmup'] });
}

/** Microseconds per iteration of `loop(n)`, wall clock as the reference's perf_counter. */
function timeLoop(loop: (n: number) => void, n: number): number {
  const start = process.hrtime.bigint();
  loop(n);
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

/** One timed zscl process (the --child side); prints one JSON line with the reference's fields. */
function child(args: Args): void {
  setNumThreads(args.threads);
  manualSeed(0);
  const a = rand([2, 2]);
  const b = rand([2, 2]);
  const aGrad = a.clone().requiresGrad_(true);
  let sink: Tensor | undefined;
  const loops: Record<string, (n: number) => void> = {
    js_loop: (n) => {
      for (let i = 0; i < n; i++) sink = undefined;
    },
    add: (n) => {
      for (let i = 0; i < n; i++) a.add(b).dispose();
    },
    matmul: (n) => {
      for (let i = 0; i < n; i++) a.matmul(b).dispose();
    },
    add_autograd: (n) => {
      for (let i = 0; i < n; i++) aGrad.add(b).dispose();
    },
    add_tidy: (n) => {
      for (let i = 0; i < n; i += 100) {
        tidy(() => {
          for (let k = 0; k < 100; k++) sink = a.add(b);
        });
      }
    },
  };
  const result: Record<string, unknown> = {
    threads: args.threads,
    iterations: args.iterations,
    repeats: args.repeats,
  };
  const runs: Record<string, number[]> = {};
  for (const [name, loop] of Object.entries(loops)) {
    loop(args.warmup);
    runs[name] = Array.from({ length: args.repeats }, () => timeLoop(loop, args.iterations));
    result[`${name}_us`] = median(runs[name]);
  }
  void sink;
  result.runs_us = runs;
  result.torch_version = systemInfo().torchVersion;
  console.log(JSON.stringify(result));
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) {
    child(args);
    return;
  }
  const common = [
    '--threads',
    String(args.threads),
    '--iterations',
    String(args.iterations),
    '--warmup',
    String(args.warmup),
    '--repeats',
    String(args.repeats),
  ];
  const pythonArgv = [REFERENCE, ...common];
  // tsx's own loader, so the child runs this file as the parent does.
  const zsclArgv = [...process.execArgv, __filename, ...common, '--child'];
  const python: RunResult[] = [];
  const zscl: RunResult[] = [];
  for (let run = 0; run < args.runs; run++) {
    python.push(runJson<RunResult>(PYTHON, pythonArgv));
    zscl.push(runJson<RunResult>(process.execPath, zsclArgv));
  }
  const report: Record<string, unknown> = {
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism() },
    threads: args.threads,
    iterations: args.iterations,
    warmup: args.warmup,
    repeats: args.repeats,
    runs: args.runs,
    python_torch_version: python[0].torch_version,
    zscl_torch_version: zscl[0].torch_version,
    commands: {
      python: `${PYTHON} ${pythonArgv.join(' ')}`,
      zscl: `${process.execPath} ${zsclArgv.join(' ')}`,
    },
  };
  for (const op of OPS) {
    const pythonUs = median(python.map((r) => r[`${op}_us`] as number));
    const zsclUs = median(zscl.map((r) => r[`${op}_us`] as number));
    report[op] = { python_us: pythonUs, zscl_us: zsclUs, ratio: pythonUs / zsclUs };
  }
  report.zscl_add_tidy_us = median(zscl.map((r) => r.add_tidy_us as number));
  report.zscl_js_loop_us = median(zscl.map((r) => r.js_loop_us as number));
  report.python_loop_us = median(python.map((r) => r.python_loop_us as number));
  report.per_run = { python: python.map(pick), zscl: zscl.map(pick) };
  console.log(JSON.stringify(report));
}

function pick(r: RunResult): Record<string, number> {
  return Object.fromEntries(OPS.map((op) => [op, r[`${op}_us`] as number]));
}

main();
