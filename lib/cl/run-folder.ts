/**
 * A run is a folder:
 *   config.json               the resolved configuration
 *   state.json                progress: tasks completed, accuracy rows so far, the mid-task checkpoint
 *   checkpoints/initial.safetensors   the model before training (the zero-shot teacher on resume)
 *   checkpoints/task-<k>.safetensors  the model after task k (what was evaluated and continued from)
 *   checkpoints/step-<k>-<it>.safetensors + .json   mid-task state: student, optimizer, plugins, loaders
 *   metrics.jsonl             one JSON line per logged step and per finished task
 *   results.json              the accuracy matrix and metrics (input of `zscl report`)
 *   report/                   tables, heatmaps, curves, HTML
 * Every file is written atomically (temp file + rename), so a crash mid-save never corrupts the
 * previous checkpoint: the state always points at complete files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ZsclError } from '../errors';
import { writeFileAtomic } from '../io/atomic-write';

/** Progress of a run, rewritten atomically after every checkpoint. */
export interface RunState {
  version: 1;
  /** Tasks fully trained and evaluated. */
  completedTasks: number;
  /** Accuracy rows (percent) after each completed task, over all evaluation columns. */
  accuracy: number[][];
  /** Accuracy of the initial model on every column. */
  zeroShot?: number[];
  /** A mid-task checkpoint of task `task` after iteration `it`, when one exists. */
  step?: { task: number; it: number };
  finished: boolean;
}

export class RunFolder {
  constructor(readonly dir: string) {}

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  get checkpoints(): string {
    return this.path('checkpoints');
  }

  taskCheckpoint(k: number): string {
    return this.path('checkpoints', `task-${k}.safetensors`);
  }

  /**
   * The name (relative to the folder) of the mid-task checkpoint after iteration `it` of task `k`
   * (`.safetensors` and `.json`). Each has its own name so that state.json, written last, only
   * ever points at complete files.
   */
  stepCheckpoint(k: number, it: number, ext: 'safetensors' | 'json'): string {
    return `checkpoints/step-${k}-${it}.${ext}`;
  }

  /** Deletes mid-task checkpoints other than `keep` (older ones, or all when undefined). */
  removeStepCheckpoints(keep?: { task: number; it: number }): void {
    const current = keep ? `step-${keep.task}-${keep.it}.` : undefined;
    for (const name of fs.readdirSync(this.checkpoints)) {
      if (/^step-\d+-\d+\.(safetensors|json)$/.test(name) && !(current && name.startsWith(current))) {
        fs.rmSync(this.path('checkpoints', name), { force: true });
      }
    }
  }

  /** Creates the folder (and checkpoints/). @throws ZsclError E_IO when it cannot. */
  create(): void {
    try {
      fs.mkdirSync(this.checkpoints, { recursive: true });
    } catch (error) {
      throw new ZsclError(`cannot create run folder ${this.dir}: ${(error as Error).message}`, 'E_IO');
    }
  }

  exists(): boolean {
    return fs.existsSync(this.path('state.json'));
  }

  readState(): RunState {
    return this.readJson<RunState>('state.json');
  }

  writeState(state: RunState): void {
    this.writeJson('state.json', state);
  }

  readJson<T>(name: string): T {
    const file = this.path(name);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new ZsclError(`cannot read ${file}: ${(error as Error).message}`, 'E_IO');
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new ZsclError(`${file} is not valid JSON: ${(error as Error).message}`, 'E_FORMAT');
    }
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(this.path(name), [Buffer.from(JSON.stringify(value, null, 2) + '\n')]);
  }

  /** Appends one line to metrics.jsonl (a torn last line is skipped by readers). */
  appendMetrics(record: Record<string, unknown>): void {
    fs.appendFileSync(this.path('metrics.jsonl'), JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
  }
}
