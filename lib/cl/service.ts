/**
 * Service API: start an experiment from a Node service and keep serving while it trains.
 * The handle reports progress events, can cancel, and serves the model by push: between steps,
 * whenever the served weights change, it takes a frozen snapshot (a separate ClipModel, one per
 * version) and announces it with a `model` event. Requests lease the current snapshot; a new
 * version replaces it atomically and the old one is freed when its last lease is released, so a
 * request never sees a half-updated model and serving never reads weights a worker is writing.
 */
import { EventEmitter } from 'node:events';
import type { ClipModel } from '../clip/model';
import { ZsclError } from '../errors';
import type { Plugin, RunContext, StepContext } from './plugin';
import { servingPlugin } from './plugin';
import type { RunEvents, RunResult, RunSpec } from './runner';
import { runExperiment } from './runner';
import { frozenCopyAsync } from './snapshot';

export interface RunProgress {
  taskIndex: number;
  task: string;
  it: number;
  iterations: number;
  loss: number;
  /** Steps per second over the last 20 steps. */
  stepsPerSecond: number;
}

/** One version of the served model: a frozen snapshot, never written after it is announced. */
export interface ServedModel {
  /** 1 for the model at run start, then +1 per snapshot. */
  readonly version: number;
  /** Read-only: do not train, modify or dispose it. Valid while a lease on it is held. */
  readonly model: ClipModel;
  /** The task being trained when it was taken (-1 at run start). */
  readonly taskIndex: number;
  /** The step after which it was taken; null at run start and at task ends (after evaluation). */
  readonly it: number | null;
}

/** A hold on one served version: the snapshot stays valid until `release()` (idempotent). */
export interface ModelLease extends ServedModel, Disposable {
  release(): void;
}

/** The events of a {@link RunHandle}: the runner's and `model` (a new served version). */
export interface ServiceEvents extends RunEvents {
  /** A new snapshot was taken (acquire a lease in the listener to keep it beyond the next version). */
  model: ServedModel;
}

/** Options of {@link startRun} about serving. */
export interface ServingOptions {
  /**
   * When no plugin serves its own model (no weight ensemble), also snapshot the student every
   * this many steps (after steps it with (it + 1) % serveEvery == 0). Default 0: at task ends only.
   * With a weight ensemble the snapshot follows every change of its average instead.
   */
  serveEvery?: number;
}

export interface RunHandle {
  /** Settles when the run ends: resolves with the results, rejects with a ZsclError (E_CANCELLED after cancel()). */
  readonly done: Promise<RunResult>;
  /** Listens to 'step', 'task', 'checkpoint', 'retention', 'guard' and 'model' events. Returns a function that removes the listener. */
  on<K extends keyof ServiceEvents>(event: K, listener: (payload: ServiceEvents[K]) => void): () => void;
  /** Stops before the next step; the last checkpoint stays valid for resume. */
  cancel(): void;
  /** The latest progress, or undefined before the first step. */
  progress(): RunProgress | undefined;
  /**
   * A lease on the model served now, or undefined before the first snapshot (taken when the run
   * starts training) and after {@link stopServing}. Sync and cheap: no copy is made. The snapshot
   * is the running task's weight-ensemble average when the strategy averages (a new version at each
   * averaging update), else the student (a new version at each task end, or every `serveEvery`
   * steps). After the run ends the last version (the final model) stays served.
   */
  acquireModel(): ModelLease | undefined;
  /** Frees the served snapshot once its leases are released; acquireModel() then gives undefined. */
  stopServing(): void;
  /**
   * A copy of the model to serve now (dispose it when done). Waits for the first snapshot. Async.
   * @deprecated Lease the shared snapshot with {@link acquireModel} (no copy per request).
   * @throws ZsclError E_CANCELLED when the run has ended.
   */
  currentModel(): Promise<ClipModel>;
}

// A served version and the leases held on it.
interface Slot extends ServedModel {
  leases: number;
  retired: boolean;
}

/** Starts an experiment in the background of this process. Sync; the work runs asynchronously. */
export function startRun(spec: Omit<RunSpec, 'signal'>, options: ServingOptions = {}): RunHandle {
  const serveEvery = options.serveEvery ?? 0;
  if (!Number.isInteger(serveEvery) || serveEvery < 0)
    throw new ZsclError(`startRun: serveEvery must be a non-negative integer, got ${serveEvery}`, 'E_CONFIG');
  const events = new EventEmitter();
  const abort = new AbortController();
  const recent: number[] = [];
  let latest: RunProgress | undefined;
  let ended = false;
  let stopped = false;
  let current: Slot | undefined;
  let version = 0;
  let seen: { plugin: Plugin; version: number } | undefined;
  const firstModel: (() => void)[] = [];

  const free = (slot: Slot): void => {
    if (slot.leases === 0 && slot.retired) slot.model.dispose();
  };
  const publish = (model: ClipModel, taskIndex: number, it: number | null): void => {
    const old = current;
    current = { version: ++version, model, taskIndex, it, leases: 0, retired: false };
    if (old) {
      old.retired = true;
      free(old);
    }
    for (const wake of firstModel.splice(0)) wake();
    events.emit('model', { version: current.version, model, taskIndex, it } satisfies ServedModel);
  };
  // Snapshots are taken between steps and after each task's evaluation, when no worker writes the weights.
  const snapshot = async (model: ClipModel, taskIndex: number, it: number | null): Promise<void> => {
    if (!stopped) publish(await frozenCopyAsync(model), taskIndex, it);
  };
  const serving: Plugin = {
    name: 'serving',
    beforeRun: (run) => snapshot(run.student, -1, null),
    afterStep: async (step: StepContext) => {
      const source = servingPlugin(step.plugins);
      if (source) {
        const v = source.plugin.servingVersion?.() ?? Number.NaN;
        if (seen?.plugin === source.plugin && seen.version === v) return;
        seen = { plugin: source.plugin, version: v };
        if (!Number.isNaN(v)) await snapshot(source.model, step.taskIndex, step.it);
        return;
      }
      if (serveEvery > 0 && (step.it + 1) % serveEvery === 0) await snapshot(step.student, step.taskIndex, step.it);
    },
    afterEvaluation: (run: RunContext, result) => snapshot(run.student, result.taskIndex, null),
  };
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
    for (const wake of firstModel.splice(0)) wake();
  });
  done.catch(() => undefined); // the caller observes `done`; avoid an unhandled rejection here

  const acquireModel = (): ModelLease | undefined => {
    const slot = current;
    if (!slot) return undefined;
    slot.leases += 1;
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      slot.leases -= 1;
      free(slot);
    };
    return { version: slot.version, model: slot.model, taskIndex: slot.taskIndex, it: slot.it, release, [Symbol.dispose]: release };
  };
  return {
    done,
    on(event, listener) {
      events.on(event, listener as (payload: unknown) => void);
      return () => events.off(event, listener as (payload: unknown) => void);
    },
    cancel: () => abort.abort(),
    progress: () => latest,
    acquireModel,
    stopServing: () => {
      stopped = true;
      if (current) {
        current.retired = true;
        free(current);
        current = undefined;
      }
    },
    currentModel: async () => {
      if (!current && !ended) await new Promise<void>((wake) => firstModel.push(wake));
      const lease = ended ? undefined : acquireModel();
      if (!lease) throw new ZsclError('the run has ended; load its checkpoint instead', 'E_CANCELLED');
      try {
        return await lease.model.cloneAsync();
      } finally {
        lease.release();
      }
    },
  };
}
