/**
 * `zscl train CONFIG --out DIR`: runs a benchmark config (one strategy) into a run folder, or
 * resumes it when the folder already holds a run. `zscl resume DIR` continues a run from its own
 * config. `zscl benchmark CONFIG --out DIR [--strategies a,b]` runs several strategies side by
 * side. `zscl eval CONFIG --checkpoint FILE` evaluates one model on a config's tasks.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { buildBenchmark } from '../cl/benchmark/build';
import type { BenchmarkConfig } from '../cl/benchmark/config';
import { validateBenchmarkConfig } from '../cl/benchmark/config';
import { readJsonFile } from '../io/json-file';
import { evaluateAll } from '../cl/evaluation';
import { runExperiment, type RunResult } from '../cl/runner';
import type { StepEvent } from '../cl/trainer';
import { loadClip } from '../clip/checkpoint';
import { ZsclError } from '../errors';
import { writeReport, type ReportMethod } from '../report';
import { STRATEGIES, type StrategyName } from '../cl/strategies';
import { EventEmitter } from 'node:events';
import { ProcessGroup } from '../distributed/process-group';
import { relaunchForNproc } from './launch';
import { ProgressBar } from './progress';
import { applyPrecision } from '../cl/precision';
import { applyOverrides, collectSet, parseOverride } from './overrides';
import { matrixTable, methodsTable } from './run-output';

/** Command-line changes to a config: `--set key.path=value` (repeatable), `--device` and `--precision`. */
interface ConfigFlags {
  set?: string[];
  device?: string;
  precision?: string;
}

/**
 * Reads a benchmark config file, applies the `--set`, `--device` and `--precision` overrides, validates the
 * result and checks that the files it names exist. Sync.
 * @throws ZsclError E_IO when it cannot be read; E_ARG for a malformed `--set`; E_CONFIG naming the JSON path of a bad key or value or of a missing file.
 */
function readBenchmarkConfig(file: string, flags: ConfigFlags = {}): BenchmarkConfig {
  const overrides = (flags.set ?? []).map(parseOverride);
  if (flags.device !== undefined) overrides.push({ path: ['device'], value: flags.device });
  if (flags.precision !== undefined) overrides.push({ path: ['precision'], value: flags.precision });
  const json = applyOverrides(readJsonFile(file, { what: 'config', code: 'E_CONFIG' }), overrides);
  return validateBenchmarkConfig(json, { checkFiles: true });
}

const SET_HELP = 'override a config key before validation, e.g. --set training.iterations=2 (JSON values; null removes; repeatable)';
const DEVICE_HELP = "cpu, cuda or cuda:N (overrides the config's device)";
const PRECISION_HELP = "fp32 (default), tf32 or bf16 (overrides the config's precision; a resume must keep the run's)";

interface RunOptions {
  json?: boolean;
  progress?: boolean;
  /** Data-parallel group (one process per device); only rank 0 reports and writes. */
  group?: ProcessGroup;
}

/** Runs (or resumes) one config into `dir`, with a progress bar unless `json`. Async. */
async function trainConfig(config: BenchmarkConfig, dir: string, options: RunOptions = {}): Promise<RunResult> {
  const group = options.group;
  // NCCL: one GPU per process, whatever the config says.
  const built = buildBenchmark(group?.backend === 'nccl' ? { ...config, device: `cuda:${group.localRank}` } : config);
  const bar = new ProgressBar(!options.json && options.progress !== false && (!group || group.isMain));
  const events = new EventEmitter();
  events.on('step', (e: StepEvent) =>
    bar.update({
      label: `${config.strategy} task ${e.taskIndex + 1}/${built.spec.tasks.length} ${e.task}`,
      done: e.it + 1,
      total: e.iterations + 1,
      loss: e.loss,
    }),
  );
  events.on('task', (e: { name: string; accuracy: { accuracy: number }[] }) =>
    bar.done(`finished ${e.name}: ${e.accuracy.map((a) => a.accuracy.toFixed(1)).join(' ')}`),
  );
  try {
    return await runExperiment({ ...built.spec, dir, dataParallel: group }, events);
  } finally {
    bar.done();
    built.model.dispose();
    for (const t of built.tensors) t.dispose();
  }
}

// The run's results.json entry (an accuracy matrix, or a class-incremental curve) under `name`.
function methodResult(name: string, result: RunResult): ReportMethod {
  return { ...result.entry, method: name };
}

/** Runs `body` in this process, or as N data-parallel processes with `--nproc N` (NCCL on a CUDA `device`, else Gloo). */
async function maybeDataParallel(
  nproc: number | undefined,
  device: string | undefined,
  body: (group: ProcessGroup | undefined) => Promise<void>,
): Promise<void> {
  if (await relaunchForNproc(nproc, { device })) return;
  const group = await ProcessGroup.fromEnv(process.env, { device });
  try {
    await body(group);
  } finally {
    group?.dispose();
  }
}

async function finish(dir: string, results: ReportMethod[], config: unknown, json: boolean | undefined): Promise<void> {
  const files = await writeReport(path.join(dir, 'report'), { methods: results, config: config as Record<string, unknown> });
  if (json) {
    const rows = (r: ReportMethod) => ('matrix' in r ? { accuracy: r.matrix.accuracy } : { stepAccuracy: r.classIncremental.stepAccuracy });
    console.log(JSON.stringify({ dir, methods: results.map((r) => ({ method: r.method, ...r.metrics, ...rows(r) })) }));
    return;
  }
  for (const r of results) console.log(`\n${r.method}\n${matrixTable(r)}`);
  console.log(`\n${methodsTable(results)}\n\nrun folder: ${dir}\nreport: ${files.html ?? path.join(dir, 'report', 'report.html')}`);
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('run a benchmark config (one strategy) into a run folder; resumes when the folder holds a run')
    .argument('<config>', 'benchmark config JSON')
    .requiredOption('--out <dir>', 'run folder')
    .option('--json', 'print the result as JSON, no progress bar')
    .option('--nproc <n>', 'data-parallel: start N processes (Gloo on CPU, NCCL on CUDA); multi-node via MASTER_ADDR/RANK/WORLD_SIZE', Number)
    .option('--set <key=value>', SET_HELP, collectSet)
    .option('--device <device>', DEVICE_HELP)
    .option('--precision <precision>', PRECISION_HELP)
    .action(async (file: string, o: { out: string; json?: boolean; nproc?: number } & ConfigFlags) => {
      const config = readBenchmarkConfig(file, o);
      await maybeDataParallel(o.nproc, config.device, async (group) => {
        const result = await trainConfig(config, o.out, { ...o, group });
        if (!group || group.isMain) await finish(o.out, [methodResult(config.name ?? config.strategy, result)], config, o.json);
      });
    });

  program
    .command('resume')
    .description('continue a run from its last checkpoint (reads the run folder config.json)')
    .argument('<dir>', 'run folder')
    .option('--json', 'print the result as JSON')
    .option('--nproc <n>', 'data-parallel processes (the world size may differ from the first run)', Number)
    .option('--device <device>', DEVICE_HELP)
    .option('--precision <precision>', PRECISION_HELP)
    .action(async (dir: string, o: { json?: boolean; nproc?: number; device?: string; precision?: string }) => {
      const config = readBenchmarkConfig(path.join(dir, 'config.json'), { device: o.device, precision: o.precision });
      await maybeDataParallel(o.nproc, config.device, async (group) => {
        const result = await trainConfig(config, dir, { ...o, group });
        if (!group || group.isMain) await finish(dir, [methodResult(config.name ?? config.strategy, result)], config, o.json);
      });
    });

  program
    .command('benchmark')
    .description('run a config with several strategies side by side (each in <out>/<strategy>) and report them together')
    .argument('<config>', 'benchmark config JSON')
    .requiredOption('--out <dir>', 'output folder')
    .option('--strategies <list>', `comma-separated strategies (default: the config's); known: ${STRATEGIES.join(', ')}`)
    .option('--json', 'print the result as JSON')
    .option('--set <key=value>', SET_HELP, collectSet)
    .option('--device <device>', DEVICE_HELP)
    .option('--precision <precision>', PRECISION_HELP)
    .action(async (file: string, o: { out: string; strategies?: string; json?: boolean } & ConfigFlags) => {
      const config = readBenchmarkConfig(file, o);
      const names = (o.strategies ?? config.strategy).split(',').map((s) => s.trim()) as StrategyName[];
      for (const n of names) if (!STRATEGIES.includes(n)) throw new ZsclError(`unknown strategy '${n}'; known: ${STRATEGIES.join(', ')}`, 'E_CONFIG');
      const results: ReportMethod[] = [];
      for (const strategy of names) {
        const result = await trainConfig({ ...config, strategy, name: strategy }, path.join(o.out, strategy), o);
        results.push(methodResult(strategy, result));
      }
      await finish(o.out, results, config, o.json);
    });

  program
    .command('eval')
    .description("zero-shot accuracy of a checkpoint on a config's tasks (templates averaged)")
    .argument('<config>', 'benchmark config JSON (its tasks and tokenizer)')
    .option('--checkpoint <file>', "model weights (default: the config's model)")
    .option('--allow-code-execution', 'allow TorchScript checkpoints (they can run code)')
    .option('--set <key=value>', SET_HELP, collectSet)
    .option('--device <device>', DEVICE_HELP)
    .option('--precision <precision>', PRECISION_HELP)
    .action(async (file: string, o: { checkpoint?: string; allowCodeExecution?: boolean } & ConfigFlags) => {
      const config = readBenchmarkConfig(file, o);
      const built = buildBenchmark(config);
      const model = o.checkpoint
        ? loadClip(o.checkpoint, { config: config.model.config, allowCodeExecution: o.allowCodeExecution, device: built.model.device })
        : built.model;
      const restorePrecision = applyPrecision(model, built.model.precision);
      try {
        const row = await evaluateAll(model, built.spec.tokenize, built.spec.evaluation);
        console.log(
          JSON.stringify({ accuracy: Object.fromEntries(row.map((r) => [r.name, r.accuracy])), mean: row.reduce((a, r) => a + r.accuracy, 0) / row.length }),
        );
      } finally {
        restorePrecision();
        if (model !== built.model) model.dispose();
        built.model.dispose();
        for (const t of built.tensors) t.dispose();
      }
    });
}
