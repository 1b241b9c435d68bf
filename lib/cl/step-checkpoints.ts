/**
 * Mid-task checkpoints as a plugin the runner adds last: every `every` steps it saves the student,
 * the optimizer and each plugin through their one checkpoint interface (saveState/loadState) and
 * the batch stream's position; on resume its `beforeTask` (after every other plugin's) restores them.
 */
import { ZsclError } from '../errors';
import { loadTensorsAsync, writeSafetensorsAsync } from '../io/safetensors';
import type { SafetensorsInput } from '../io/safetensors';
import { keep } from '../tensor/scope';
import type { Tensor } from '../tensor/tensor';
import type { CheckpointState, Checkpointable } from './checkpoint-state';
import type { Plugin, StepContext, TaskContext } from './plugin';
import type { RunFolder } from './run-folder';

export interface StepCheckpointOptions {
  folder: RunFolder;
  /** Period in steps (0: none). */
  every: number;
  /** Whether this process writes (data-parallel: rank 0 only). */
  writes: boolean;
  /** The checkpoint to resume from, if the run stopped mid-task. */
  resumeFrom?: { task: number; it: number };
  /** Called after step `it` of task `taskIndex` was checkpointed (on every rank; files are written only where `writes`). */
  saved(taskIndex: number, it: number): void;
}

interface StepJson {
  task: number;
  it: number;
  optimizer: unknown;
  plugins: Record<string, unknown>;
  batches: unknown;
}

export class StepCheckpointPlugin implements Plugin {
  readonly name = 'step-checkpoints';

  constructor(private readonly options: StepCheckpointOptions) {}

  async beforeTask(task: TaskContext): Promise<void> {
    const from = this.options.resumeFrom;
    if (from?.task === task.taskIndex) await this.restore(task, from.it);
  }

  async afterStep(step: StepContext): Promise<void> {
    const { every, writes } = this.options;
    if (!(every > 0 && step.it < step.task.iterations && (step.it + 1) % every === 0)) return;
    if (writes) await this.save(step);
    this.options.saved(step.taskIndex, step.it);
  }

  /** Checkpoints this step now, off the schedule (e.g. before the zero-shot guard stops the run). Returns the file. */
  async saveNow(step: StepContext): Promise<string> {
    if (this.options.writes) await this.save(step);
    this.options.saved(step.taskIndex, step.it);
    return this.options.folder.path(this.options.folder.stepCheckpoint(step.taskIndex, step.it, 'safetensors'));
  }

  // The parts with checkpoint state, each under its key prefix.
  private parts(task: TaskContext): [string, Partial<Checkpointable<TaskContext>>][] {
    return [['optimizer', task.optimizer], ...task.plugins.map((p): [string, Plugin] => [`plugin.${p.name}`, p])];
  }

  private async save(task: StepContext): Promise<void> {
    const { folder } = this.options;
    const tensors: SafetensorsInput = {};
    for (const [name, p] of task.student.namedParameters()) tensors[`student.${name}`] = p;
    const json: StepJson = { task: task.taskIndex, it: task.it, optimizer: null, plugins: {}, batches: task.task.batches.state?.() ?? null };
    const owned: Tensor[] = [];
    try {
      for (const [prefix, part] of this.parts(task)) {
        const saved = part.saveState?.();
        if (!saved) continue;
        if (part === task.optimizer) owned.push(...Object.values(saved.tensors ?? {}));
        for (const [name, t] of Object.entries(saved.tensors ?? {})) tensors[`${prefix}.${name}`] = t;
        if (prefix === 'optimizer') json.optimizer = saved.json;
        else json.plugins[prefix.slice('plugin.'.length)] = saved.json ?? null;
      }
      await writeSafetensorsAsync(folder.path(folder.stepCheckpoint(task.taskIndex, task.it, 'safetensors')), tensors);
      folder.writeJson(folder.stepCheckpoint(task.taskIndex, task.it, 'json'), json);
    } finally {
      for (const t of owned) t.dispose();
    }
  }

  private async restore(task: TaskContext, it: number): Promise<void> {
    const { folder } = this.options;
    const jsonFile = folder.stepCheckpoint(task.taskIndex, it, 'json');
    const json = folder.readJson<StepJson>(jsonFile);
    if (json.task !== task.taskIndex || json.it !== it) {
      throw new ZsclError(
        `${jsonFile} holds task ${json.task} iteration ${json.it}, not task ${task.taskIndex} iteration ${it} as state.json says`,
        'E_FORMAT',
      );
    }
    const tensors = keep(await loadTensorsAsync(folder.path(folder.stepCheckpoint(task.taskIndex, it, 'safetensors'))));
    try {
      task.student.loadStateDict(withPrefix(tensors, 'student.'));
      for (const [prefix, part] of this.parts(task)) {
        const saved = prefix === 'optimizer' ? json.optimizer : json.plugins[prefix.slice('plugin.'.length)];
        if (!part.loadState || saved === undefined) continue;
        part.loadState({ json: saved, tensors: withPrefix(tensors, `${prefix}.`) } satisfies CheckpointState, task);
      }
      if (json.batches !== null) task.task.batches.restore?.(json.batches);
    } finally {
      for (const t of Object.values(tensors)) t.dispose();
    }
  }
}

function withPrefix(tensors: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [key, t] of Object.entries(tensors)) if (key.startsWith(prefix)) out[key.slice(prefix.length)] = t;
  return out;
}
