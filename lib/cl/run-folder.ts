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
import { z } from 'zod';
import { ZsclError, describeValue } from '../errors';
import { writeFileAtomic } from '../io/atomic-write';
import { readJsonFile } from '../io/json-file';
import { checkWithSchema } from '../io/schema-check';
import { PRECISIONS } from '../clip/precision';

/** The state.json format this zscl writes; a folder holding another is refused on resume. */
export const RUN_STATE_VERSION = 1;

const percentRow = z.array(z.number({ error: 'expected a finite number' }), { error: 'expected a list of accuracies' });

/** state.json: progress of a run, rewritten atomically after every checkpoint. */
export const runStateSchema = z.strictObject(
  {
    version: z.literal(RUN_STATE_VERSION),
    /** Tasks fully trained and evaluated. */
    completedTasks: z.int({ error: 'expected an integer ≥ 0' }).min(0, { error: 'expected an integer ≥ 0' }),
    /** Accuracy rows (percent) after each completed task, over all evaluation columns. */
    accuracy: z.array(percentRow, { error: 'expected a list of accuracy rows' }),
    /** Accuracy of the initial model on every column. */
    zeroShot: percentRow.optional(),
    /** A mid-task checkpoint of task `task` after iteration `it`, when one exists. */
    step: z.strictObject({ task: z.int().min(0), it: z.int().min(0) }, { error: 'expected { task, it }' }).optional(),
    /** The run's precision (absent in older runs: fp32); a resume must use the same. */
    precision: z.enum(PRECISIONS, { error: `expected one of ${PRECISIONS.join(', ')}` }).optional(),
    /** Training images skipped as unreadable, per completed task (absent in older runs). */
    skippedTrain: z.array(z.int().min(0), { error: 'expected a count per task' }).optional(),
    finished: z.boolean({ error: 'expected true or false' }),
  },
  { error: 'expected an object' },
);

/** Progress of a run (state.json). */
export type RunState = z.infer<typeof runStateSchema>;

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

  /**
   * The run's state.json, checked. Sync.
   * @throws ZsclError E_IO when it cannot be read; E_FORMAT when it is not JSON, was written by a
   *   zscl of another state version (the message says which), or does not match the schema.
   */
  readState(): RunState {
    const file = this.path('state.json');
    const json = readJsonFile(file, { what: 'run state' });
    const version = (json as { version?: unknown } | null)?.version;
    if (version !== RUN_STATE_VERSION) {
      throw new ZsclError(
        `run folder ${this.dir} holds state version ${describeValue(version)}; this zscl reads and writes version ${RUN_STATE_VERSION}. ` +
          'Resume it with the zscl that started it, or start a new run folder.',
        'E_FORMAT',
      );
    }
    return checkWithSchema(runStateSchema, json, { source: `run state ${file}`, code: 'E_FORMAT' });
  }

  writeState(state: RunState): void {
    this.writeJson('state.json', state);
  }

  /**
   * A JSON file of the run folder (`name` relative to it). Sync.
   * @throws ZsclError E_IO when it cannot be read, E_FORMAT when it is not JSON.
   */
  readJson<T>(name: string): T {
    return readJsonFile(this.path(name), { what: 'run file' }) as T;
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(this.path(name), [Buffer.from(JSON.stringify(value, null, 2) + '\n')]);
  }

  /** Appends one line to metrics.jsonl (a torn last line is skipped by readers). */
  appendMetrics(record: Record<string, unknown>): void {
    fs.appendFileSync(this.path('metrics.jsonl'), JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
  }
}
