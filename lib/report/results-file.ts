/** Reading a run's results.json, the input of `zscl report`. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { readJsonFileAsync } from '../io/json-file';
import { guardCurveOf } from './guard-curve';
import type { ReportInput } from './types';
import { validateConfig, validateReportInput } from './validate';

/** Name of the results file inside a run folder. */
export const RESULTS_FILE = 'results.json';

/**
 * Reads and validates `<runDir>/results.json`, the results of a finished (or running) training run.
 *
 * Format (UTF-8 JSON; other keys are ignored):
 * ```json
 * {
 *   "methods": [
 *     {
 *       "method": "ZSCL",
 *       "matrix": {
 *         "tasks": ["Aircraft", "Caltech101"],
 *         "accuracy": [[55.1, 86.0], [48.9, 94.2]],
 *         "zeroShot": [24.3, 88.4]
 *       },
 *       "metrics": { "transfer": 86.0, "avg": 71.1, "last": 71.6, "bwt": -6.2, "forgetting": 6.2 }
 *     }
 *   ],
 *   "config": { "model": "ViT-B-16", "lr": 1e-5 },
 *   "title": "MTIL order I"
 * }
 * ```
 * - `methods`: at least one; `method` names are unique.
 * - `matrix.accuracy[i][j]`: top-1 accuracy in percent (0..100) on task j after training task i,
 *   rows and columns in training order; 1..tasks.length rows (fewer while the run is in progress).
 * - `matrix.zeroShot` (optional): the initial model's accuracy per task.
 * - `metrics`: `transfer`, `avg`, `last` required, `bwt` and `forgetting` optional, as computed by
 *   the continual-learning metrics; the report displays them and does not recompute them.
 * - `config` (optional): any JSON object, shown as the run's settings. When absent and the run
 *   folder has a `config.json`, that file is used.
 * - `title` (optional): page heading; default "zscl report: <run folder name>".
 * - `guard` (optional, per matrix method): the zero-shot guard's checks; when absent and the folder
 *   holds one method, the `retention`/`guard` lines of its metrics.jsonl are read instead.
 *
 * A report's report.json has this shape too, so it can be rendered again. Async.
 * @throws ZsclError E_IO when results.json (or a present config.json) cannot be read; E_FORMAT
 *   when either is not valid JSON or results.json does not have the shape above.
 */
export async function readResults(runDir: string): Promise<ReportInput> {
  const file = path.join(runDir, RESULTS_FILE);
  const input = validateReportInput(await readJsonFileAsync(file, { what: RESULTS_FILE }), `${RESULTS_FILE} at ${file}`, 'E_FORMAT');
  if (input.config === undefined) {
    const configFile = path.join(runDir, 'config.json');
    const exists = await fs.stat(configFile).then(
      (s) => s.isFile(),
      () => false,
    );
    if (exists) {
      const config = await readJsonFileAsync(configFile, { what: 'config.json' });
      input.config = validateConfig(config, `config.json at ${configFile}`, 'E_FORMAT');
    }
  }
  input.title ??= `zscl report: ${path.basename(path.resolve(runDir))}`;
  // A run folder's one method gets its zero-shot guard curve from metrics.jsonl.
  const [only] = input.methods;
  if (input.methods.length === 1 && 'matrix' in only && !only.guard) {
    const guard = guardCurveOf(await readJsonLines(path.join(runDir, 'metrics.jsonl')));
    if (guard) only.guard = guard;
  }
  return input;
}

// The parsed lines of a JSON-lines file (none when it is missing; torn lines skipped).
async function readJsonLines(file: string): Promise<unknown[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.split('\n').flatMap((line) => {
    try {
      return line.trim() ? [JSON.parse(line) as unknown] : [];
    } catch {
      return [];
    }
  });
}
