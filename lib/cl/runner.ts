/**
 * Runs a continual-learning experiment into a run folder: trains each task with a strategy,
 * evaluates after every task as the setting's protocol says (evaluation-protocol.ts), checkpoints
 * (atomically) at task ends and every `checkpointEvery` steps, and resumes from the last
 * checkpoint with identical results.
 */
import { EventEmitter } from 'node:events';
import type { ClipModel } from '../clip/model';
import type { TokenizeFn } from '../clip/zero-shot';
import type { ProcessGroup } from '../distributed/process-group';
import { ZsclError } from '../errors';
import { loadTensorsAsync, writeSafetensorsAsync } from '../io/safetensors';
import type { EvaluationSet, TaskAccuracy } from './evaluation';
import type { RunSummary } from './evaluation-protocol';
import { evaluationProtocol } from './evaluation-protocol';
import type { Plugin, StepEvent } from './plugin';
import { stepListener } from './plugin';
import { RunFolder, type RunState } from './run-folder';
import { applyPrecision } from './precision';
import type { Precision } from '../clip/precision';
import type { GuardEvent, GuardOptions, RetentionEvent } from './plugins/zero-shot-guard';
import { ZeroShotGuardPlugin } from './plugins/zero-shot-guard';
import { StepCheckpointPlugin } from './step-checkpoints';
import type { Setting, Strategy, StrategyData, StrategyName, StrategyOptions } from './strategies';
import { findStrategy, strategyPlugins } from './strategies';
import type { TrainingTask } from './task';
import type { TrainerOptions } from './trainer';
import { ContinualTrainer } from './trainer';

export interface RunSpec {
  /** The run folder (created if missing; resumed if it holds a run). */
  dir: string;
  /** The model to train; its weights at start are the zero-shot teacher. Trained in place. */
  model: ClipModel;
  tokenize: TokenizeFn;
  setting: Setting;
  /** A built-in strategy by name, or a strategy object (see defineStrategy). */
  strategy: StrategyName | Strategy;
  strategyOptions?: StrategyOptions;
  /** The data the strategy lists in its `needs` (e.g. reference texts tokenised). */
  strategyData?: StrategyData;
  /**
   * Your own plugins, run after the strategy's (so their hooks see its loss terms and trace), and
   * checkpointed with them; names must differ from the strategy's plugins. For a method of your
   * own, pair them with strategy 'finetune' (the plain CE). When the strategy does not train, only
   * their run-level hooks run (beforeRun, afterEvaluation, afterRun).
   */
  plugins?: Plugin[];
  /** Training tasks in order. */
  tasks: TrainingTask[];
  /**
   * Evaluation sets in training order. MTIL: one column per task, all evaluated after every task.
   * CIL: set k is the evaluation over the classes seen up to step k, evaluated after step k only.
   */
  evaluation: EvaluationSet[];
  /** MTIL: evaluate the initial model too (the zero-shot row). Default true. CIL never does (as the reference). */
  evaluateInitial?: boolean;
  /**
   * Precision of training and evaluation (docs/precision.md); default the model's own
   * (`model.precision`, 'fp32' unless set). Recorded in state.json: a resume must use the same.
   */
  precision?: Precision;
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
  /**
   * The live zero-shot guard (see ZeroShotGuardPlugin): a probe evaluated every `every` steps
   * against the initial model; each check is a `retention` event and a metrics.jsonl line, a drop
   * beyond `maxDrop` points warns (a `guard` event; a process warning when nobody listens), stops
   * with E_GUARD after a checkpoint, or rolls back.
   */
  guard?: GuardOptions;
  /** The resolved configuration, saved as config.json. */
  config?: unknown;
  /** Name of the method in results.json (default: the strategy's name). */
  method?: string;
  signal?: AbortSignal;
}

/**
 * A finished run: the evaluation names and the rows recorded after each task, and by setting its
 * summary — MTIL the accuracy-matrix metrics, CIL the incremental-accuracy curve with Avg and Last
 * (`classIncremental`) — and `entry`, the method entry written to results.json.
 */
export type RunResult = { dir: string; tasks: string[]; accuracy: number[][]; zeroShot?: number[] } & RunSummary;

/** Events of a running experiment, by name: their payloads. */
export interface RunEvents {
  step: StepEvent;
  task: { taskIndex: number; name: string; accuracy: TaskAccuracy[]; skippedImages: { train: number; test: number[] } };
  checkpoint: { taskIndex: number; it: number | null; file: string };
  /** A zero-shot guard check (RunSpec.guard). */
  retention: RetentionEvent;
  /** A zero-shot guard trip and its action. */
  guard: GuardEvent;
}

/**
 * Runs (or resumes) an experiment. Async; heavy work runs on worker threads.
 * @throws ZsclError E_CANCELLED when `signal` aborts (the last checkpoint stays valid),
 *   E_NONFINITE on a NaN/Inf loss (nothing written is lost), E_IO/E_FORMAT for folder problems.
 */
export async function runExperiment(spec: RunSpec, events: EventEmitter = new EventEmitter()): Promise<RunResult> {
  const strategy = findStrategy(spec.strategy);
  const folder = new RunFolder(spec.dir);
  const group = spec.dataParallel;
  const main = !group || group.isMain;
  const resuming = folder.exists();
  // Every rank looks before rank 0 writes anything; they must agree (one shared folder).
  if (group) await checkSameFolder(group, resuming, spec.dir);
  if (main) folder.create();
  const precision = spec.precision ?? spec.model.precision;
  // fp32 is recorded as no key, as in runs older than the option.
  const state: RunState = resuming
    ? folder.readState()
    : { version: 1, completedTasks: 0, accuracy: [], ...(precision === 'fp32' ? {} : { precision }), finished: false };
  if ((state.precision ?? 'fp32') !== precision) {
    throw new ZsclError(`precision: the run in ${spec.dir} was started in ${state.precision ?? 'fp32'}; resume it in the same (not ${precision})`, 'E_CONFIG');
  }
  // Before the initial copy is made, so it (and every copy made from the model) runs in it too.
  const restorePrecision = applyPrecision(spec.model, precision);
  try {
    return await runFolder(spec, events, { strategy, folder, group, main, resuming, state });
  } finally {
    restorePrecision();
  }
}

interface RunStart {
  strategy: Strategy;
  folder: RunFolder;
  group: ProcessGroup | undefined;
  main: boolean;
  resuming: boolean;
  state: RunState;
}

// The body of runExperiment once the folder is open and the precision applied.
async function runFolder(spec: RunSpec, events: EventEmitter, start: RunStart): Promise<RunResult> {
  const { strategy, folder, group, main, resuming } = start;
  let state = start.state;
  if (main && !resuming && spec.config !== undefined) folder.writeJson('config.json', spec.config);
  const protocol = evaluationProtocol(spec.setting, { sets: spec.evaluation, tokenize: spec.tokenize, group, evaluateInitial: spec.evaluateInitial });
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
  if (!resuming && protocol.initial) {
    lastRow = await protocol.beforeTraining(spec.model);
    state.zeroShot = lastRow.map((a) => a.accuracy);
    if (main) folder.appendMetrics({ event: 'initial', accuracy: state.zeroShot });
  }
  if (main) folder.writeState(state);

  const logEvery = spec.logEvery ?? 10;
  // The runner's own work between steps goes through the plugin hooks, after every other plugin.
  const events_ = stepListener((event) => {
    events.emit('step', event);
    if (main && (event.it % logEvery === 0 || event.it === event.iterations)) {
      const skippedImages = spec.tasks[event.taskIndex]?.batches.skippedCount?.() ?? 0;
      folder.appendMetrics({ event: 'step', ...stepRecord(event), ...(skippedImages > 0 ? { skippedImages } : {}) });
    }
  }, 'run-events');
  const checkpoints = new StepCheckpointPlugin({
    folder,
    every: spec.checkpointEvery ?? 0,
    writes: main,
    resumeFrom: state.step,
    saved: (taskIndex, it) => {
      state = { ...state, step: { task: taskIndex, it } };
      if (!main) return;
      folder.writeState(state);
      folder.removeStepCheckpoints(state.step);
      events.emit('checkpoint', { taskIndex, it, file: folder.path(folder.stepCheckpoint(taskIndex, it, 'safetensors')) });
    },
  });
  const trains = strategy.trains ?? true;
  const plugins: Plugin[] = [
    ...(trains ? strategyPlugins(strategy, spec.setting, spec.strategyData ?? {}, spec.strategyOptions) : []),
    ...(spec.plugins ?? []),
  ];
  const guard = spec.guard && trains ? [guardPlugin(spec.guard, spec.tokenize, events, main ? folder : undefined, checkpoints)] : [];
  const trainer = new ContinualTrainer(spec.model, {
    ...spec.trainer,
    plugins: [...plugins, events_, checkpoints, ...guard],
    signal: spec.signal,
    dataParallel: group,
  });
  try {
    const run = await trainer.begin(initial);
    for (let k = state.completedTasks; k < spec.tasks.length; k++) {
      const task = spec.tasks[k];
      if (trains) {
        const mid = state.step?.task === k ? state.step : undefined;
        await trainer.trainTask(task, k, { it: mid ? mid.it + 1 : 0 });
      }
      const file = folder.taskCheckpoint(k);
      if (main) await writeSafetensorsAsync(file, spec.model.stateDict());
      // A strategy that does not train never changes the model: its first evaluation stands for every row (MTIL).
      const unchanged = trains || !protocol.reusesUnchanged ? undefined : lastRow;
      const row = unchanged ?? (await protocol.afterTask(spec.model, k));
      lastRow = row;
      // Counted since this process made the task's stream (a resumed task counts from the resume on).
      const skippedImages = { train: trains ? (task.batches.skippedCount?.() ?? 0) : 0, test: row.map((r) => r.skipped ?? 0) };
      const skippedTrain = [...(state.skippedTrain ?? new Array<number>(k).fill(0)), skippedImages.train];
      state = { ...state, completedTasks: k + 1, accuracy: [...state.accuracy, row.map((r) => r.accuracy)], step: undefined, skippedTrain };
      if (main) {
        folder.writeState(state);
        folder.removeStepCheckpoints();
        folder.appendMetrics({ event: 'task', task: k, name: task.name, accuracy: row.map((r) => r.accuracy), skippedImages });
        events.emit('checkpoint', { taskIndex: k, it: null, file });
      }
      events.emit('task', { taskIndex: k, name: task.name, accuracy: row, skippedImages });
      for (const p of trainer.plugins) await p.afterEvaluation?.(run, { taskIndex: k, name: task.name, accuracy: row });
    }
  } finally {
    await trainer.end();
  }
  const summary = protocol.summary(spec.method ?? strategy.name, state.accuracy, state.zeroShot);
  summary.entry.skippedImages = { train: state.skippedTrain ?? [], test: lastRow?.map((r) => r.skipped ?? 0) ?? [] };
  state = { ...state, finished: true };
  const result: RunResult = { dir: spec.dir, tasks: names, accuracy: state.accuracy, zeroShot: state.zeroShot, ...summary };
  if (!main) return result;
  folder.writeState(state);
  folder.writeJson('results.json', { methods: [summary.entry], config: spec.config });
  return result;
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

// The guard reports to the run's events and metrics.jsonl, and checkpoints through the step checkpoints.
function guardPlugin(
  options: GuardOptions,
  tokenize: TokenizeFn,
  events: EventEmitter,
  folder: RunFolder | undefined,
  checkpoints: StepCheckpointPlugin,
): Plugin {
  return new ZeroShotGuardPlugin(options, {
    tokenize,
    retention: (e) => {
      events.emit('retention', e);
      folder?.appendMetrics({
        event: 'retention',
        task: e.taskIndex,
        it: e.it,
        accuracy: e.accuracy,
        initial: e.initial,
        drop: e.drop,
        maxDrop: e.maxDrop,
        tripped: e.tripped,
      });
    },
    tripped: (e) => {
      if (events.listenerCount('guard') > 0) events.emit('guard', e);
      else if (e.action === 'warn')
        process.emitWarning(`zero-shot guard: probe accuracy dropped ${e.drop.toFixed(2)} points at task ${e.taskIndex} iteration ${e.it}`, {
          code: 'E_GUARD',
        });
      folder?.appendMetrics({ event: 'guard', task: e.taskIndex, it: e.it, action: e.action, drop: e.drop });
    },
    checkpoint: (step) => checkpoints.saveNow(step),
  });
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
