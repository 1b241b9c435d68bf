import fs from 'node:fs';
import path from 'node:path';

/**
 * The records of a run folder's metrics.jsonl, in file order; only those of `event` when given.
 * `T` is the shape the caller reads (the file is not checked against it). Sync.
 */
export function readMetricsLines<T extends object = Record<string, unknown>>(dir: string, event?: string): T[] {
  const lines = fs
    .readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T & { event?: unknown });
  return event === undefined ? lines : lines.filter((l) => l.event === event);
}
