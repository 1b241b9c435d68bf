/**
 * Service API: start an experiment from a Node service and keep serving while it trains.
 * The handle reports progress events, can cancel, and hands out copies of the current model
 * (the weight-ensemble average of the running task when the strategy averages) taken between
 * steps, so serving never reads weights a worker is writing.
 */
import { EventEmitter } from 'node:events';
import type { ClipModel } from '../clip/model';
import { ZsclError } from '../errors';
import type { Plugin, RunContext } from './plugin';
import type { RunEvents, RunResult, RunSpec } from './runner';
import { runExperiment } from './runner';

export interface RunProgress {
  taskIndex: number;
  task: string;
  it: number;
  iterations: number;
  loss: number;
  /** Steps per second over the last 20 steps. */
  stepsPerSecond: number;
}

export interface RunHandle {
  /** Settles when the run ends: resolves with the results, rejects with a ZsclError (E_CANCELLED after cancel()). */
  readonly done: Promise<RunResult>;
  /** Listens to 'step', 'task' and 'checkpoint' events. Returns a function that removes the listener. */
  on<K extends keyof RunEvents>(event: K, listener: (payload: RunEvents[K]) => void): () => void;
  /** Stops before the next step; the last checkpoint stays valid for resume. */
  cancel(): void;
  /** The latest progress, or undefined before the first step. */
  progress(): RunProgress | undefined;
  /**
   * A copy of the model to serve now (dispose it when done): the running task's averaged weights
   * when the strategy has a weight ensemble, else the student. Taken between steps. Async.
   * @throws ZsclError E_CANCELLED when the run has ended.
   */
  currentModel(): Promise<ClipModel>;
}

/** Starts an experiment in the background of this process. Sync; the work runs asynchronously. */
export function startRun(spec: Omit<RunSpec, 'signal'>): RunHandle {
  const events = new EventEmitter();
  const abort = new AbortController();
  const waiting: { resolve: (m: ClipModel) => void; reject: (e: unknown) => void }[] = [];
  const recent: number[] = [];
  let latest: RunProgress | undefined;
  let ended = false;

  // Requests are answered between steps and after each task's evaluation, when no worker writes the weights.
  const serve = async (run: RunContext): Promise<void> => {
    while (waiting.length) {
      const request = waiting.shift()!;
      try {
        request.resolve(await modelToServe(run).cloneAsync());
      } catch (error) {
        request.reject(error);
      }
    }
  };
  const serving: Plugin = { name: 'serving', afterStep: serve, afterEvaluation: serve };
  events.on('step', (e: RunEvents['step']) => {
    recent.push(performance.now());
    if (recent.length > 20) recent.shift();
    const seconds = recent.length > 1 ? (recent[recent.length - 1] - recent[0]) / 1000 : 0;
    latest = {
      taskIndex: e.taskIndex,
      task: e.task,
      it: e.it,
      iterations: e.iterations,
      loss: e.loss,
      stepsPerSecond: seconds > 0 ? (recent.length - 1) / seconds : 0,
    };
  });
  const done = runExperiment({ ...spec, plugins: [...(spec.plugins ?? []), serving], signal: abort.signal }, events).finally(() => {
    ended = true;
    for (const request of waiting.splice(0)) request.reject(new ZsclError('the run has ended; load its checkpoint instead', 'E_CANCELLED'));
  });
  done.catch(() => undefined); // the caller observes `done`; avoid an unhandled rejection here
  return {
    done,
    on(event, listener) {
      events.on(event, listener as (payload: unknown) => void);
      return () => events.off(event, listener as (payload: unknown) => void);
    },
    cancel: () => abort.abort(),
    progress: () => latest,
    currentModel: () =>
      ended
        ? Promise.reject(new ZsclError('the run has ended; load its checkpoint instead', 'E_CANCELLED'))
        : new Promise<ClipModel>((resolve, reject) => waiting.push({ resolve, reject })),
  };
}

/** The first plugin's serving model (e.g. the weight ensemble's running average), else the student. */
function modelToServe(run: RunContext): ClipModel {
  for (const p of run.plugins) {
    const model = p.servingModel?.();
    if (model) return model;
  }
  return run.student;
}
