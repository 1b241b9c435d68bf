/**
 * Checks report data before anything is drawn, so a bad value becomes one clear coded error that
 * names where it is (e.g. `methods[1].matrix.accuracy[2][3]`) instead of a broken chart.
 */
import type { ErrorCode } from '../errors';
import { ZsclError, describeValue } from '../errors';
import type { AccuracyMatrix, MethodMetrics, MethodResult, ReportInput } from './types';

/** Charts and tables stay usable (and rasterisable) up to this many tasks. */
export const MAX_TASKS = 256;

interface Where {
  /** What is being checked, for messages: "writeReport", "results.json at /run/results.json". */
  source: string;
  code: ErrorCode;
}

function fail(where: Where, path: string, expected: string, value: unknown): never {
  throw new ZsclError(`${where.source}: ${path} must be ${expected} but received ${describeValue(value)}`, where.code);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The config is written to report.json: a copy through JSON fails early on cycles and BigInts
// and drops what JSON cannot hold (functions, undefined), exactly as the file will.
function jsonCopy(config: Record<string, unknown>, where: Where): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ZsclError(`${where.source}: config must be JSON-serialisable (${reason})`, where.code, { cause: error });
  }
}

function checkName(value: unknown, where: Where, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(where, path, 'a non-empty string', value);
  return value;
}

function checkPercentRow(value: unknown, length: number, where: Where, path: string): number[] {
  if (!Array.isArray(value) || value.length !== length) {
    const received = Array.isArray(value) ? `an array of ${value.length}` : describeValue(value);
    throw new ZsclError(`${where.source}: ${path} must be an array of ${length} percentages but received ${received}`, where.code);
  }
  value.forEach((v, j) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) {
      fail(where, `${path}[${j}]`, 'a finite number in 0..100', v);
    }
  });
  return value as number[];
}

function checkMatrix(value: unknown, where: Where, path: string): AccuracyMatrix {
  if (!isPlainObject(value)) fail(where, path, 'an object { tasks, accuracy, zeroShot? }', value);
  const { tasks, accuracy, zeroShot } = value;
  if (!Array.isArray(tasks) || tasks.length === 0) fail(where, `${path}.tasks`, 'a non-empty array of task names', tasks);
  if (tasks.length > MAX_TASKS) {
    throw new ZsclError(`${where.source}: ${path}.tasks has ${tasks.length} tasks; at most ${MAX_TASKS} are supported`, where.code);
  }
  tasks.forEach((t, j) => checkName(t, where, `${path}.tasks[${j}]`));
  if (!Array.isArray(accuracy) || accuracy.length === 0 || accuracy.length > tasks.length) {
    const received = Array.isArray(accuracy) ? `${accuracy.length} rows` : describeValue(accuracy);
    throw new ZsclError(`${where.source}: ${path}.accuracy must have 1..${tasks.length} rows (one per trained task) but received ${received}`, where.code);
  }
  const matrix: AccuracyMatrix = {
    tasks: [...(tasks as string[])],
    accuracy: accuracy.map((row, i) => [...checkPercentRow(row, tasks.length, where, `${path}.accuracy[${i}]`)]),
  };
  if (zeroShot !== undefined) matrix.zeroShot = [...checkPercentRow(zeroShot, tasks.length, where, `${path}.zeroShot`)];
  return matrix;
}

function checkMetrics(value: unknown, where: Where, path: string): MethodMetrics {
  if (!isPlainObject(value)) fail(where, path, 'an object { transfer, avg, last, bwt?, forgetting? }', value);
  const metric = (key: keyof MethodMetrics, required: boolean): number | undefined => {
    const v = value[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, `${path}.${key}`, 'a finite number', v);
    return v;
  };
  const metrics: MethodMetrics = {
    transfer: metric('transfer', true) as number,
    avg: metric('avg', true) as number,
    last: metric('last', true) as number,
  };
  const bwt = metric('bwt', false);
  const forgetting = metric('forgetting', false);
  if (bwt !== undefined) metrics.bwt = bwt;
  if (forgetting !== undefined) metrics.forgetting = forgetting;
  return metrics;
}

function checkMethod(value: unknown, where: Where, path: string): MethodResult {
  if (!isPlainObject(value)) fail(where, path, 'an object { method, matrix, metrics }', value);
  return {
    method: checkName(value.method, where, `${path}.method`),
    matrix: checkMatrix(value.matrix, where, `${path}.matrix`),
    metrics: checkMetrics(value.metrics, where, `${path}.metrics`),
  };
}

/**
 * Validates one accuracy matrix and returns a copy holding only the known fields. Sync.
 * @throws ZsclError (`code`, default E_ARG) naming the first bad field: empty or over-long task
 *   list, blank names, wrong row count or length, values that are not finite numbers in 0..100.
 */
export function validateAccuracyMatrix(value: unknown, source: string, code: ErrorCode = 'E_ARG'): AccuracyMatrix {
  return checkMatrix(value, { source, code }, 'matrix');
}

/**
 * Validates a run config (any JSON object) and returns a copy made through JSON, as report.json
 * will hold it. Sync.
 * @throws ZsclError (`code`, default E_ARG) when `value` is not an object or not JSON-serialisable.
 */
export function validateConfig(value: unknown, source: string, code: ErrorCode = 'E_ARG'): Record<string, unknown> {
  const where: Where = { source, code };
  if (!isPlainObject(value)) fail(where, 'config', 'an object', value);
  return jsonCopy(value, where);
}

/**
 * Validates report data and returns a copy holding only the known fields (extra keys, e.g. from a
 * newer results.json, are dropped). Sync.
 * @param source names the input in messages (a function name or a file path).
 * @param code the error code to throw: E_ARG for arguments, E_FORMAT for file contents.
 * @throws ZsclError naming the first bad field: no methods, a duplicate or blank method name, a
 *   bad matrix (see {@link validateAccuracyMatrix}), missing or non-finite metrics, a config that
 *   is not a JSON-serialisable object, a blank title.
 */
export function validateReportInput(value: unknown, source: string, code: ErrorCode = 'E_ARG'): ReportInput {
  const where: Where = { source, code };
  if (!isPlainObject(value)) fail(where, 'the report input', 'an object { methods, config?, title? }', value);
  const { methods, config, title } = value;
  if (!Array.isArray(methods) || methods.length === 0) fail(where, 'methods', 'a non-empty array of method results', methods);
  const checked = methods.map((m, k) => checkMethod(m, where, `methods[${k}]`));
  const seen = new Set<string>();
  for (const { method } of checked) {
    if (seen.has(method)) throw new ZsclError(`${source}: method name '${method}' appears twice; names must be unique`, code);
    seen.add(method);
  }
  const input: ReportInput = { methods: checked };
  if (config !== undefined) {
    input.config = validateConfig(config, source, code);
  }
  if (title !== undefined) input.title = checkName(title, where, 'title');
  return input;
}
