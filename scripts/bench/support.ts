/** What the benchmark scripts share: flag parsing, running one side as a child process, the median. */
import { spawnSync } from 'node:child_process';

type FlagValue = number | string | boolean | undefined;

/** Which numeric flags must be whole numbers ≥ 1 (`positive`) or ≥ 0 (`nonNegative`). */
export interface FlagRules<T> {
  positive?: (keyof T & string)[];
  nonNegative?: (keyof T & string)[];
}

/**
 * Parses `--name value` over `defaults`: a name is known when it is a key of `defaults`; a boolean
 * default makes a bare switch (`--child`), a number default a number, anything else (a string or
 * undefined) a string. Throws naming the flag on an unknown flag, a missing value or a rule broken.
 */
export function parseFlags<T extends object>(argv: string[], defaults: T, rules: FlagRules<T> = {}): T {
  const known = defaults as Record<string, FlagValue>;
  const args: Record<string, FlagValue> = { ...known };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const name = flag.replace(/^--/, '');
    if (!flag.startsWith('--') || !(name in known)) throw new Error(`unknown option ${flag}`);
    if (typeof known[name] === 'boolean') {
      args[name] = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    args[name] = typeof known[name] === 'number' ? Number(value) : value;
  }
  for (const [key, least] of [...(rules.positive ?? []).map((k) => [k, 1] as const), ...(rules.nonNegative ?? []).map((k) => [k, 0] as const)]) {
    const value = args[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < least) {
      throw new Error(`--${key} must be ${least === 1 ? 'a positive integer' : 'an integer >= 0'}`);
    }
  }
  return args as T;
}

/** The median (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Runs one benchmark process and parses the JSON object on the last line of its stdout. Throws
 * with its stderr when it fails.
 */
export function runJson<T = Record<string, unknown>>(command: string, argv: string[], what = `${command} ${argv.join(' ')}`): T {
  const result = spawnSync(command, argv, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}):\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as T;
}
