/**
 * Checking parsed JSON against a zod schema, with errors that name the JSON path of the bad value
 * (`training.lr: expected a positive number, got string 'x'`, `training.lrr: unknown key`).
 */
import type { z } from 'zod';
import type { ErrorCode } from '../errors';
import { ZsclError, describeValue } from '../errors';

/** Where a value came from, for messages, and which code its errors carry. */
export interface SchemaSource {
  /** Names the input: "benchmark config", "state.json at /run/state.json". */
  source: string;
  /** E_CONFIG for configs, E_FORMAT for files zscl wrote, E_ARG for arguments. */
  code: ErrorCode;
}

/** `tasks[2].lr` for the path `['tasks', 2, 'lr']`; `(root)` for the empty path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '(root)' : out;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${jsonPath([...issue.path, key])}: unknown key`).join('; ');
  const value = valueAt(input, issue.path);
  const got = value === undefined ? 'missing' : `got ${describeValue(value)}`;
  return `${jsonPath(issue.path)}: ${issue.message}, ${got}`;
}

/** The message of every issue, one per bad value, joined with "; ". */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string {
  return issues.map((issue) => describeIssue(issue, input)).join('; ');
}

/**
 * `value` checked against `schema` (defaults filled in, as the schema's output). Sync.
 * @throws ZsclError with `where.code`, naming the JSON path of every bad value.
 */
export function checkWithSchema<S extends z.ZodType>(schema: S, value: unknown, where: SchemaSource): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ZsclError(`${where.source}: ${describeIssues(result.error.issues, value)}`, where.code);
  return result.data;
}
