/**
 * Runs a continual-learning experiment into a run folder: trains each task with a strategy,
 * evaluates the accuracy matrix after every task, checkpoints (atomically) at task ends and every
 * `checkpointEvery` steps, and resumes from the last checkpoint with identical results.
 */
import { EventEmitter } from 'node:events';
import type { ClipModel } from '../clip/model';
import type { TokenizeFn } from '../clip/zero-shot';
import { evaluateAllDataParallel } from '../distributed/evaluation';
import type { ProcessGroup } from '../distributed/process-group';
import { ZsclError } from '../errors';
import { loadTensorsAsync, writeSafetensorsAsync } from '../io/safetensors';
import type { SafetensorsInput } from '../io/safetensors';
import { keep } from '../tensor/scope';
import type { Tensor } from '../tensor/tensor';
import type { EvaluationSet, TaskAccuracy } from './evaluation';
import { evaluateAll } from './evaluation';
import { accuracyMetrics } from './metrics';
import type { Optimizer, OptimizerState } from './optimizer';
import type { Plugin, PluginState, TaskContext } from './plugin';
import { RunFolder, type RunState } from './run-folder';
import type { Setting, StrategyData, StrategyName, StrategyOptions } from './strategies';
import { strategyPlugins } from './strategies';
import type { TrainingTask } from './task';
import type { StepEvent, TrainerOptions } from './trainer';
import { ContinualTrainer } from './trainer';

export interface RunSpec {
  /** The run folder (created if missing; resumed if it holds a run). */
  dir: string;
  /** The model to train; its weights at start are the zero-shot teacher. Trained in place. */
  model: ClipModel;
  tokenize: TokenizeFn;
  setting: Setting;
  strategy: StrategyName;
  strategyOptions?: StrategyOptions;
  /** Built once the run knows the model (e.g. reference texts tokenised). */
  strategyData?: StrategyData;
  /** Training tasks in order. */
  tasks: TrainingTask[];
  /** Evaluation columns in training order (MTIL: one per task). */
  evaluation: EvaluationSet[];
  /** Evaluate the initial model too (the zero-shot row). Default true. */
  evaluateInitial?: boolean;
  trainer?: Omit<TrainerOptions, 'plugins' | 'signal' | 'dataParallel'>;
  /**
   * Data-parallel run over this group (every rank calls runExperiment with the same spec and a
   * run folder they share): training as {@link TrainerOptions.dataParallel}, evaluation sharded
   * over ranks and summed, and only rank 0 writes the folder. Resume works with any world size.
   */
  dataParallel?: ProcessGroup;
  /** Mid-task checkpoint period in steps (0: task ends only). Default 0. */
  checkpointEvery?: number;
  /** Steps between metrics.jsonl lines (default 10). */
  logEvery?: number;
  /** The resolved configuration, saved as config.json. */
  config?: unknown;
  /** Name of the method in results.json (default: the strategy). */
  method?: string;
  signal?: AbortSignal;
}

export interface RunResult {
  dir: string;
  tasks: string[];
  accuracy: number[][];
  zeroShot?: number[];
  metrics: ReturnType<typeof accuracyMetrics>;
}

/** Events of a running experiment, by name: their payloads. */
export interface RunEvents {
  step: StepEvent;
  task: { taskIndex: number; name: string; accuracy: TaskAccuracy[] };
  checkpoint: { taskIndex: number; it: number | null; file: string };
}

/** A hook the service API uses to act between steps, when no worker is touching the weights. */
export interface RunControl {
  betweenSteps?: (plugins: readonly Plugin[]) => Promise<void>;
}

/**
 * Runs (or resumes) an experiment. Async; heavy work runs on worker threads.
 * @throws ZsclError E_CANCELLED when `signal` aborts (the last checkpoint stays valid),
 *   E_NONFINITE on a NaN/Inf loss (nothing written is lost), E_IO/E_FORMAT for folder problems.
 */
export async function runExperiment(spec: RunSpec, events: EventEmitter = new EventEmitter(), control: RunControl = {}): Promise<RunResult> {
  const folder = new RunFolder(spec.dir);
  const group = spec.dataParallel;
  const main = !group || group.isMain;
  const resuming = folder.exists();
  // Every rank looks before rank 0 writes anything; they must agree (one shared folder).
  if (group) await checkSameFolder(group, resuming, spec.dir);
  if (main) folder.create();
  let state: RunState = resuming ? folder.readState() : { version: 1, completedTasks: 0, accuracy: [], finished: false };
  if (main && !resuming && spec.config !== undefined) folder.writeJson('config.json', spec.config);
  const evaluate = (model: ClipModel) =>
    group ? evaluateAllDataParallel(model, spec.tokenize, spec.evaluation, group) : evaluateAll(model, spec.tokenize, spec.evaluation);
  const names = spec.evaluation.map((e) => e.name);
  let lastRow: TaskAccuracy[] | undefined;
  const initialFile = folder.path('checkpoints', 'initial.safetensors');
  let initial: ClipModel;
  if (resuming) {
    initial = await spec.model.cloneAsync();
    await loadInto(initial, initialFile);
  } else {
    if (main) await writeSafetensorsAsync(initialFile, spec.model.stateDict());
    initial = await spec.model.cloneAsync();
  }
  if (state.completedTasks > 0) await loadInto(spec.model, folder.taskCheckpoint(state.completedTasks - 1));
  if (!resuming && (spec.evaluateInitial ?? true) && spec.evaluation.length) {
    lastRow = await evaluate(spec.model);
    state.zeroShot = lastRow.map((a) => a.accuracy);
    if (main) folder.appendMetrics({ event: 'zero-shot', accuracy: state.zeroShot });
  }
  if (main) folder.writeState(state);

  const plugins: Plugin[] = spec.strategy === 'zero-shot' ? [] : strategyPlugins(spec.strategy, spec.setting, spec.strategyData ?? {}, spec.strategyOptions);
  const trainer = new ContinualTrainer(spec.model, { ...spec.trainer, plugins, signal: spec.signal, dataParallel: group });
  const logEvery = spec.logEvery ?? 10;
  trainer.onStep((event) => {
    events.emit('step', event);
    if (main && (event.it % logEvery === 0 || event.it === event.iterations)) folder.appendMetrics({ event: 'step', ...stepRecord(event) });
  });
  const every = spec.checkpointEvery ?? 0;
  trainer.afterStepHook = async (task, optimizer, it) => {
    await control.betweenSteps?.(plugins);
    if (every > 0 && it < task.task.iterations && (it + 1) % every === 0) {
      state = { ...state, step: { task: task.taskIndex, it } };
      if (!main) return;
      await saveStep(folder, task, optimizer, plugins, it);
      folder.writeState(state);
      folder.removeStepCheckpoints(state.step);
      events.emit('checkpoint', { taskIndex: task.taskIndex, it, file: folder.path(folder.stepCheckpoint(task.taskIndex, it, 'safetensors')) });
    }
  };
  try {
    await trainer.begin(initial);
    for (let k = state.completedTasks; k < spec.tasks.length; k++) {
      const task = spec.tasks[k];
      if (spec.strategy !== 'zero-shot') {
        const mid = state.step?.task === k ? state.step : undefined;
        await trainer.trainTask(task, k, {
          it: mid ? mid.it + 1 : 0,
          restore: mid ? (ctx, optimizer) => restoreStep(folder, mid.it, ctx, optimizer, plugins) : undefined,
        });
      }
      const file = folder.taskCheckpoint(k);
      if (main) await writeSafetensorsAsync(file, spec.model.stateDict());
      // Zero-shot never changes the model: its first evaluation stands for every row.
      const unchanged = spec.strategy === 'zero-shot' ? lastRow : undefined;
      const row = unchanged ?? (await evaluate(spec.model));
      lastRow = row;
      state = { ...state, completedTasks: k + 1, accuracy: [...state.accuracy, row.map((r) => r.accuracy)], step: undefined };
      if (main) {
        folder.writeState(state);
        folder.removeStepCheckpoints();
        folder.appendMetrics({ event: 'task', task: k, name: task.name, accuracy: row.map((r) => r.accuracy) });
        events.emit('checkpoint', { taskIndex: k, it: null, file });
      }
      events.emit('task', { taskIndex: k, name: task.name, accuracy: row });
      await control.betweenSteps?.(plugins);
    }
  } finally {
    await trainer.end();
  }
  const metrics = accuracyMetrics(state.accuracy);
  state = { ...state, finished: true };
  const result: RunResult = { dir: spec.dir, tasks: names, accuracy: state.accuracy, zeroShot: state.zeroShot, metrics };
  if (!main) return result;
  folder.writeState(state);
  folder.writeJson('results.json', {
    methods: [
      { method: spec.method ?? spec.strategy, matrix: { tasks: names, accuracy: state.accuracy, zeroShot: state.zeroShot }, metrics: reportMetrics(metrics) },
    ],
    config: spec.config,
  });
  return result;
}

/** Metrics in the report's shape (null → absent). */
export function reportMetrics(m: ReturnType<typeof accuracyMetrics>): { transfer: number; avg: number; last: number; bwt?: number; forgetting?: number } {
  return {
    transfer: m.transfer ?? Number.NaN,
    avg: m.avg,
    last: m.last,
    ...(m.bwt === null ? {} : { bwt: m.bwt }),
    ...(m.forgetting === null ? {} : { forgetting: m.forgetting }),
  };
}

// Ranks must see the same run folder (shared storage): all resume or all start fresh.
async function checkSameFolder(group: ProcessGroup, resuming: boolean, dir: string): Promise<void> {
  const [holding] = await group.allReduceNumbers([resuming ? 1 : 0], 'sum');
  if (holding !== 0 && holding !== group.worldSize) {
    throw new ZsclError(
      `data-parallel run: ${holding} of ${group.worldSize} ranks find a run to resume in ${dir} (rank ${group.rank} ${resuming ? 'does' : 'does not'}); every rank must see the same run folder`,
      'E_DIST',
    );
  }
}

function stepRecord(event: StepEvent): Record<string, unknown> {
  return { task: event.taskIndex, it: event.it, lr: event.lr, loss: event.loss, skipped: event.skipped, ...event.trace };
}

async function loadInto(model: ClipModel, file: string): Promise<void> {
  const tensors = await loadTensorsAsync(file);
  try {
    model.loadStateDict(tensors);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

interface StepJson {
  task: number;
  it: number;
  optimizer: { kind: OptimizerState['kind']; steps: number[]; hasFirst: boolean[]; hasSecond: boolean[] };
  plugins: Record<string, unknown>;
  batches: unknown;
}

async function saveStep(folder: RunFolder, task: TaskContext, optimizer: Optimizer, plugins: Plugin[], it: number): Promise<void> {
  const tensors: SafetensorsInput = {};
  for (const [name, p] of task.student.namedParameters()) tensors[`student.${name}`] = p;
  const opt = optimizer.state();
  opt.first.forEach((t, i) => t && (tensors[`optimizer.first.${i}`] = t));
  opt.second.forEach((t, i) => t && (tensors[`optimizer.second.${i}`] = t));
  const pluginJson: Record<string, unknown> = {};
  for (const plugin of plugins) {
    const saved = plugin.saveState?.();
    if (!saved) continue;
    for (const [name, t] of Object.entries(saved.tensors ?? {})) tensors[`plugin.${plugin.name}.${name}`] = t;
    pluginJson[plugin.name] = saved.json ?? null;
  }
  const json: StepJson = {
    task: task.taskIndex,
    it,
    optimizer: { kind: opt.kind, steps: opt.steps, hasFirst: opt.first.map(Boolean), hasSecond: opt.second.map(Boolean) },
    plugins: pluginJson,
    batches: task.task.batches.state?.() ?? null,
  };
  try {
    await writeSafetensorsAsync(folder.path(folder.stepCheckpoint(task.taskIndex, it, 'safetensors')), tensors);
    folder.writeJson(folder.stepCheckpoint(task.taskIndex, it, 'json'), json);
  } finally {
    for (const t of [...opt.first, ...opt.second]) t?.dispose();
  }
}

async function restoreStep(folder: RunFolder, it: number, task: TaskContext, optimizer: Optimizer, plugins: Plugin[]): Promise<void> {
  const jsonFile = folder.stepCheckpoint(task.taskIndex, it, 'json');
  const json = folder.readJson<StepJson>(jsonFile);
  if (json.task !== task.taskIndex || json.it !== it) {
    throw new ZsclError(`${jsonFile} holds task ${json.task} iteration ${json.it}, not task ${task.taskIndex} iteration ${it} as state.json says`, 'E_FORMAT');
  }
  const tensors = keep(await loadTensorsAsync(folder.path(folder.stepCheckpoint(task.taskIndex, it, 'safetensors'))));
  try {
    const student: Record<string, Tensor> = {};
    for (const [key, t] of Object.entries(tensors)) if (key.startsWith('student.')) student[key.slice(8)] = t;
    task.student.loadStateDict(student);
    const n = json.optimizer.steps.length;
    optimizer.loadState({
      kind: json.optimizer.kind,
      steps: json.optimizer.steps,
      first: Array.from({ length: n }, (_, i) => tensors[`optimizer.first.${i}`] ?? null),
      second: Array.from({ length: n }, (_, i) => tensors[`optimizer.second.${i}`] ?? null),
    });
    for (const plugin of plugins) {
      if (!plugin.loadState || !(plugin.name in json.plugins)) continue;
      const prefix = `plugin.${plugin.name}.`;
      const saved: PluginState = { json: json.plugins[plugin.name], tensors: {} };
      for (const [key, t] of Object.entries(tensors)) if (key.startsWith(prefix)) saved.tensors![key.slice(prefix.length)] = t;
      plugin.loadState(saved, task);
    }
    if (json.batches !== null) task.task.batches.restore?.(json.batches);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
