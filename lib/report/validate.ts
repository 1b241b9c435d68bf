/**
 * Checks report data before anything is drawn, so a bad value becomes one clear coded error that
 * names where it is (e.g. `methods[1].matrix.accuracy[2][3]`) instead of a broken chart. The shapes
 * are the schemas of ./schema.ts.
 */
import type { ErrorCode } from '../errors';
import { ZsclError, describeValue } from '../errors';
import { checkWithSchema } from '../io/schema-check';
import { accuracyMatrixSchema, reportInputSchema } from './schema';
import type { AccuracyMatrix, ReportInput } from './types';

export { MAX_TASKS } from './schema';

/**
 * Validates one accuracy matrix and returns a copy holding only the known fields. Sync.
 * @throws ZsclError (`code`, default E_ARG) naming each bad field (`matrix.accuracy[1][0]`): empty
 *   or over-long task list, blank names, wrong row count or length, values that are not finite
 *   numbers in 0..100.
 */
export function validateAccuracyMatrix(value: unknown, source: string, code: ErrorCode = 'E_ARG'): AccuracyMatrix {
  return checkWithSchema(accuracyMatrixSchema, value, { source, code, at: 'matrix' });
}

/**
 * Validates a run config (any JSON object) and returns a copy made through JSON, as report.json
 * will hold it: the copy fails early on cycles and BigInts and drops what JSON cannot hold
 * (functions, undefined), exactly as the file will. Sync.
 * @throws ZsclError (`code`, default E_ARG) when `value` is not an object or not JSON-serialisable.
 */
export function validateConfig(value: unknown, source: string, code: ErrorCode = 'E_ARG'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ZsclError(`${source}: config: expected an object, got ${describeValue(value)}`, code);
  }
  try {
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ZsclError(`${source}: config must be JSON-serialisable (${reason})`, code, { cause: error });
  }
}

/**
 * Validates report data and returns a copy holding only the known fields (extra keys, e.g. from a
 * newer results.json, are dropped). Sync.
 * @param source names the input in messages (a function name or a file path).
 * @param code the error code to throw: E_ARG for arguments, E_FORMAT for file contents.
 * @throws ZsclError naming each bad field by its JSON path: no methods, a duplicate or blank method
 *   name, a bad matrix (see {@link validateAccuracyMatrix}), missing or non-finite metrics, a config
 *   that is not a JSON-serialisable object, a blank title.
 */
export function validateReportInput(value: unknown, source: string, code: ErrorCode = 'E_ARG'): ReportInput {
  const input = checkWithSchema(reportInputSchema, value, { source, code });
  if (input.config !== undefined) input.config = validateConfig(input.config, source, code);
  return input;
}
