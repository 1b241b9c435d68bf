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
  /** Where `value` sits inside a larger document, prefixed to every path ("matrix", "accuracy"). */
  at?: string;
  /** Rewrites each JSON path for messages (e.g. to add the key a field was read from). */
  rename?: (path: string) => string;
}

/** `tasks[2].lr` for the path `['tasks', 2, 'lr']`; `(root)` for the empty path. */
function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '(root)' : out;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown, at: PropertyKey[], rename: (path: string) => string): string {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${rename(jsonPath([...at, ...issue.path, key]))}: unknown key`).join('; ');
  const where = rename(jsonPath([...at, ...issue.path]));
  // Rules across values (custom issues) say in their message what they found.
  if (issue.code === 'custom') return `${where}: ${issue.message}`;
  const value = valueAt(input, issue.path);
  return `${where}: ${issue.message}, ${value === undefined ? 'missing' : `got ${describeValue(value)}`}`;
}

/** Issues named in one message; a file with many bad values says how many more there are. */
const MAX_ISSUES = 5;

/** The message of each issue (up to five), one per bad value, joined with "; ". `at` prefixes every path; `rename` rewrites it. */
function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown, at?: string, rename: (path: string) => string = (p) => p): string {
  const shown = issues.slice(0, MAX_ISSUES).map((issue) => describeIssue(issue, input, at === undefined ? [] : [at], rename));
  if (issues.length > MAX_ISSUES) shown.push(`and ${issues.length - MAX_ISSUES} more`);
  return shown.join('; ');
}

/**
 * `value` checked against `schema` (defaults filled in, as the schema's output). Sync.
 * @throws ZsclError with `where.code`, naming the JSON path of every bad value.
 */
export function checkWithSchema<S extends z.ZodType>(schema: S, value: unknown, where: SchemaSource): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ZsclError(`${where.source}: ${describeIssues(result.error.issues, value, where.at, where.rename)}`, where.code);
  return result.data;
}
