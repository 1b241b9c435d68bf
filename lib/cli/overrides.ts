/**
 * `--set key.path=value` on the commands that read a benchmark config: each override replaces one
 * key of the parsed config before it is validated, so a typo in the path is caught by the schema
 * with its JSON path (`training.iteration: unknown key`).
 *
 *   --set training.iterations=2          a number (values are JSON when they parse as JSON)
 *   --set data.root=/mnt/mtil            a string (anything that is not JSON)
 *   --set order='["DTD","MNIST"]'        an array
 *   --set tasks[0].lr=1e-4               an array element (or tasks.0.lr)
 *   --set tokenizer.vocab=null           null removes the key
 */
import { ZsclError } from '../errors';

/** One parsed `--set` override. */
export interface ConfigOverride {
  /** The key path: object keys, and numbers for array elements. */
  path: (string | number)[];
  /** The new value; undefined removes the key. */
  value: unknown;
}

/** Commander's collector for a repeatable `--set`: appends each raw `key=value`. */
export function collectSet(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Parses one `key.path=value`. The value is JSON when it parses as JSON (numbers, booleans,
 * arrays, objects, quoted strings), `null` removes the key, anything else is a string.
 * @throws ZsclError E_ARG when there is no `=` or the path is empty or malformed.
 */
export function parseOverride(text: string): ConfigOverride {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ZsclError(`--set expects key.path=value, got '${text}'`, 'E_ARG');
  const key = text.slice(0, eq);
  const raw = text.slice(eq + 1);
  const path: (string | number)[] = [];
  for (const part of key.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m || (m[1] === '' && m[2] === '')) throw new ZsclError(`--set: malformed key path '${key}'`, 'E_ARG');
    if (m[1] !== '') path.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    for (const index of m[2].match(/\d+/g) ?? []) path.push(Number(index));
  }
  return { path, value: parseValue(raw) };
}

function parseValue(raw: string): unknown {
  try {
    const value: unknown = JSON.parse(raw);
    return value === null ? undefined : value;
  } catch {
    return raw;
  }
}

/** A key path as the schema's errors print it (`tasks[0].lr`). */
function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * Applies overrides to a parsed config (a deep copy; the input is left as it was). Missing objects
 * on the way are created. Sync.
 * @throws ZsclError E_ARG when a path runs through a value that is not an object or array.
 */
export function applyOverrides(config: unknown, overrides: readonly ConfigOverride[]): unknown {
  if (overrides.length === 0 || typeof config !== 'object' || config === null) return config;
  const root = structuredClone(config) as Record<string | number, unknown>;
  for (const { path, value } of overrides) {
    let node: Record<string | number, unknown> = root;
    for (let i = 0; i < path.length - 1; i++) {
      const next = node[path[i]];
      if (next === undefined) node[path[i]] = typeof path[i + 1] === 'number' ? [] : {};
      else if (typeof next !== 'object' || next === null) {
        throw new ZsclError(`--set ${formatPath(path)}: ${formatPath(path.slice(0, i + 1))} is not an object`, 'E_ARG');
      }
      node = node[path[i]] as Record<string | number, unknown>;
    }
    const last = path[path.length - 1];
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return root;
}
