/**
 * ContinualTrainer: runs tasks in sequence. Per step: current-task loss (label-smoothed CE over
 * the task's class prompts), plugin loss terms, backward, optimizer step, then plugin updates.
 * Heavy work (forward passes, backward, optimizer step) runs on worker threads, so the calling
 * process's event loop stays responsive.
 */
import type { ClipModel } from '../clip/model';
import type { ProcessGroup } from '../distributed/process-group';
import { ZsclError } from '../errors';
import * as F from '../tensor/functional';
import { noGrad } from '../tensor/autograd';
import { cat } from '../tensor/create';
import { tidyAsync } from '../tensor/scope';
import type { Tensor } from '../tensor/tensor';
import type { OptimizerOptions } from './optimizer';
import { Optimizer } from './optimizer';
import type { LossTerm, Plugin, RunContext, StepContext, TaskContext } from './plugin';
import { clipLogits } from '../clip/logits';
import { expectOnDevice } from './device';
import { cosineWithWarmup } from './schedule';
import { freezeAll, frozenCopyAsync } from './snapshot';
import type { Batch, TrainingTask } from './task';

/** Which parameters train (`logit_scale` never does, as in the reference). */
export type TrainMode = 'whole' | 'image' | 'text';

/** What happens when the loss is NaN or ±Inf. */
export type NonFinitePolicy = 'stop' | 'skip';

/** The reference's label smoothing of the current-task CE (docs/method.md §2); the config schema's default too. */
export const REFERENCE_LABEL_SMOOTHING = 0.2;

export interface TrainerOptions {
  plugins?: Plugin[];
  trainMode?: TrainMode;
  /** Label smoothing of the current-task CE (default {@link REFERENCE_LABEL_SMOOTHING}). */
  labelSmoothing?: number;
  /** AdamW by default with the reference's weight decay 0; lr comes from each task. */
  optimizer?: Omit<OptimizerOptions, 'lr'>;
  nonFinite?: NonFinitePolicy;
  /** Aborting stops the run before the next step with an E_CANCELLED error. */
  signal?: AbortSignal;
  /**
   * Data-parallel training over this group: rank 0's initial weights are broadcast, each rank
   * trains on its shard of every global batch (a stream with `shard` reads only that shard; shards
   * may differ in size by a row, or be empty), the CE is weighted by the global row count and
   * gradients are averaged over ranks before the optimizer step, so a step equals one process's;
   * reported losses are the global ones (the same on every rank).
   */
  dataParallel?: ProcessGroup;
}

export type { StepEvent } from './plugin';

/** Where a task (re)starts: 0, or one past a mid-task checkpoint (whose plugin restores the state in `beforeTask`). */
export interface TaskStart {
  it: number;
}

export class ContinualTrainer {
  readonly plugins: Plugin[];
  private readonly options: TrainerOptions;
  private run: RunContext | undefined;

  /** @param student the model to train (modified in place). */
  constructor(
    readonly student: ClipModel,
    options: TrainerOptions = {},
  ) {
    this.options = options;
    this.plugins = options.plugins ?? [];
    const names = new Set<string>();
    for (const p of this.plugins) {
      if (names.has(p.name)) throw new ZsclError(`two plugins are named '${p.name}'`, 'E_CONFIG');
      names.add(p.name);
    }
  }

  /** The run context (creates the frozen initial copy on first use). Async. */
  async begin(initial?: ClipModel): Promise<RunContext> {
    if (this.run) return this.run;
    const group = this.options.dataParallel;
    // Every rank starts from rank 0's weights, so replicas stay identical step after step.
    if (group) await group.broadcast([...this.student.namedParameters().values(), ...(initial ? initial.namedParameters().values() : [])]);
    const frozen = initial ? freezeAll(initial) : await frozenCopyAsync(this.student);
    this.run = { student: this.student, initial: frozen, logitScale: this.student.logitScale, group, plugins: this.plugins };
    for (const p of this.plugins) await p.beforeRun?.(this.run);
    return this.run;
  }

  /**
   * Trains one task: it = start…iterations with a fresh optimizer and schedule. Async.
   * @throws ZsclError E_CANCELLED when aborted, E_NONFINITE on a NaN/Inf loss under 'stop'.
   */
  async trainTask(task: TrainingTask, taskIndex: number, start: TaskStart = { it: 0 }): Promise<void> {
    const run = await this.begin();
    const trainable = this.selectTrainable();
    const optimizer = new Optimizer([...trainable.values()], { kind: 'adamw', weightDecay: 0, ...this.options.optimizer });
    const ctx: TaskContext = { ...run, task, taskIndex, trainable, optimizer };
    try {
      if (run.group) task.batches.shard?.(run.group);
      for (const p of this.plugins) await p.beforeTask?.(ctx);
      const schedule = cosineWithWarmup(task.lr, task.warmup, task.iterations);
      for (let it = start.it; it <= task.iterations; it++) {
        if (this.options.signal?.aborted) throw new ZsclError('training was cancelled', 'E_CANCELLED');
        await this.step(ctx, it, schedule(it));
      }
      for (const p of this.plugins) await p.afterTask?.(ctx);
    } finally {
      optimizer.dispose();
    }
  }

  /** Frees the initial copy and plugin resources. */
  async end(): Promise<void> {
    if (!this.run) return;
    for (const p of this.plugins) await p.afterRun?.(this.run);
    for (const p of this.plugins) p.dispose?.();
    this.run.initial.dispose();
    this.run = undefined;
  }

  private selectTrainable(): Map<string, Tensor> {
    const mode = this.options.trainMode ?? 'whole';
    const out = new Map<string, Tensor>();
    for (const [name, p] of this.student.namedParameters()) {
      const visual = name.startsWith('visual.');
      const train = name !== 'logit_scale' && (mode === 'whole' || (mode === 'image' ? visual : !visual));
      p.requiresGrad = train;
      if (train) out.set(name, p);
    }
    return out;
  }

  private async step(ctx: TaskContext, it: number, lr: number): Promise<void> {
    await tidyAsync(async () => {
      const group = this.options.dataParallel;
      const read: Batch = await ctx.task.batches.next();
      // Data-parallel: this rank's rows (read so by a sharded stream, else sliced here) and every rank's count.
      const sharded = !group || read.rowsPerRank !== undefined;
      const batch: Batch = sharded ? read : { ...read, images: group.shard(read.images), labels: group.shard(read.labels) };
      const rowsPerRank = group && (read.rowsPerRank ?? group.shardSizes(read.images.shape[0]));
      expectOnDevice(`task ${ctx.task.name}, step ${it}`, this.student.device, {
        'batch images': batch.images,
        'batch labels': batch.labels,
        'class prompt tokens': ctx.task.classTokens,
      });
      const trace: Record<string, number | boolean> = {};
      const extra = new Map<Plugin, { start: number; length: number }>();
      let features: Tensor | undefined = undefined;
      const step: StepContext = {
        ...ctx,
        it,
        lr,
        batch,
        trace,
        studentFeatures: (plugin) => {
          const slot = extra.get(plugin);
          return slot && features ? features.slice(0, slot.start, slot.start + slot.length) : undefined;
        },
      };
      await ctx.optimizer.zeroGradAsync();
      // One student image forward over the task batch and every plugin's images (CLIP has no
      // batch-coupled layers, so this equals separate forwards).
      const images = [batch.images];
      let offset = batch.images.shape[0];
      for (const p of this.plugins) {
        const more = await p.studentImages?.(step);
        if (!more) continue;
        extra.set(p, { start: offset, length: more.shape[0] });
        offset += more.shape[0];
        images.push(more);
      }
      features = await this.student.encodeImageAsync(images.length === 1 ? batch.images : cat(images, 0));
      const taskFeatures = features.slice(0, 0, batch.images.shape[0]);
      const textFeatures = await this.student.encodeTextAsync(ctx.task.classTokens);
      const logits = clipLogits(taskFeatures, textFeatures, ctx.logitScale);
      const labelSmoothing = this.options.labelSmoothing ?? REFERENCE_LABEL_SMOOTHING;
      // Data-parallel: this rank's share of the global mean, scaled by the world size so that the
      // mean over ranks (of values and of gradients) is the global mean, whatever the shard sizes.
      const ce = rowsPerRank
        ? F.crossEntropy(logits, batch.labels, { labelSmoothing, reduction: 'sum' }).mul(rowsPerRank.length / rowsPerRank.reduce((a, b) => a + b, 0))
        : F.crossEntropy(logits, batch.labels, { labelSmoothing });
      const terms: LossTerm[] = [{ name: 'ce', value: ce, weight: 1 }];
      for (const p of this.plugins) terms.push(...((await p.lossTerms?.(step)) ?? []));
      let loss = terms[0].value;
      for (const term of terms.slice(1)) loss = loss.add(term.weight === 1 ? term.value : term.value.mul(term.weight));
      let values = noGrad(() => [...terms.map((t) => t.value.item()), loss.item()]);
      // Mean over ranks: the scaled per-rank CE shares average to the global CE; the other terms
      // are the same on every rank. All ranks then agree on finiteness.
      if (group) values = await group.allReduceNumbers(values, 'mean');
      terms.forEach((t, i) => (trace[t.name] = values[i]));
      const lossValue = values[terms.length];
      trace.loss = lossValue;
      const finite = Number.isFinite(lossValue);
      if (!finite && (this.options.nonFinite ?? 'stop') === 'stop') {
        throw new ZsclError(
          `non-finite loss ${lossValue} at task ${ctx.taskIndex} (${ctx.task.name}) iteration ${it}: ` +
            Object.entries(trace)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ') +
            '. Lower the learning rate, or set nonFinite: "skip".',
          'E_NONFINITE',
        );
      }
      if (finite) {
        await loss.backwardAsync();
        if (group) await group.allReduceGradients([...ctx.trainable.values()]);
        for (const p of this.plugins) await p.afterBackward?.(step);
        await ctx.optimizer.stepAsync(lr);
      }
      for (const p of this.plugins) await p.afterStep?.(step);
      for (const t of new Set([batch.images, batch.labels, read.images, read.labels])) t.dispose();
    });
  }
}
