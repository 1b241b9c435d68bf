/**
 * Manifest datasets: a CSV/TSV file with a header row naming a path column and a label column,
 * or a JSONL file with one `{"path": …, "label": …}` object per line. Relative paths are resolved
 * against the manifest's folder (or `root`). Labels are class indices, or class names — then the
 * classes are the sorted distinct names unless `classNames` fixes them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ZsclError, describeValue } from '../errors';
import { parseDelimited } from './csv';
import type { Sample } from './dataset';
import { ListDataset } from './dataset';
import { comparePython } from './layout';

/** Options of {@link manifestDataset}. */
export interface ManifestOptions {
  /** Folder relative paths start from (default: the manifest's folder). */
  root?: string;
  /** Column/key of the image path (default 'path'). */
  pathColumn?: string;
  /** Column/key of the label (default 'label'). */
  labelColumn?: string;
  /** Class names by label; string labels must be among them. */
  classNames?: readonly string[];
  templates?: readonly string[];
  /** Field delimiter of a CSV/TSV manifest (default: detected from the content, whatever the extension). */
  delimiter?: string;
}

/**
 * Reads a CSV/TSV/JSONL manifest. Sync.
 * @throws ZsclError E_IO when the file is unreadable; E_FORMAT naming the file and line for a
 *   missing column, bad JSON, an empty path, or a label that is neither a class index nor a name.
 */
export function manifestDataset(file: string, options: ManifestOptions = {}): ListDataset {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ZsclError(`manifestDataset: cannot read ${file}: ${(error as Error).message}`, 'E_IO', { cause: error });
  }
  const pathKey = options.pathColumn ?? 'path';
  const labelKey = options.labelColumn ?? 'label';
  const entries = /\.(jsonl|ndjson)$/i.test(file) ? readJsonLines(text, file, pathKey, labelKey) : readTable(text, file, pathKey, labelKey, options.delimiter);
  const root = options.root ?? path.dirname(file);
  const stringLabels = entries.some((e) => typeof e.label === 'string');
  let classNames = options.classNames;
  if (stringLabels && !classNames) classNames = [...new Set(entries.map((e) => String(e.label)))].sort(comparePython);
  const index = new Map(classNames?.map((name, i) => [name, i]));
  const samples: Sample[] = entries.map((entry) => {
    let label: number;
    if (typeof entry.label === 'string') {
      const found = index.get(entry.label);
      if (found === undefined)
        throw new ZsclError(`manifestDataset: ${file} line ${entry.line}: label '${entry.label}' is not one of the class names`, 'E_FORMAT');
      label = found;
    } else label = entry.label;
    const image = path.resolve(root, entry.path);
    return { image, label, name: image };
  });
  return new ListDataset(samples, { classNames, templates: options.templates });
}

interface Entry {
  path: string;
  label: number | string;
  line: number;
}

function readTable(text: string, file: string, pathKey: string, labelKey: string, delimiter?: string): Entry[] {
  const rows = parseDelimited(text, file, delimiter);
  if (rows.length === 0) return [];
  const header = rows[0].map((h) => h.trim());
  const pathAt = header.indexOf(pathKey);
  const labelAt = header.indexOf(labelKey);
  if (pathAt < 0 || labelAt < 0) {
    throw new ZsclError(`manifestDataset: ${file} needs a header row with '${pathKey}' and '${labelKey}' columns but has [${header.join(', ')}]`, 'E_FORMAT');
  }
  return rows.slice(1).map((row, i) => {
    const line = i + 2;
    const raw = (row[labelAt] ?? '').trim();
    return {
      path: checkPath(row[pathAt], file, line),
      label: /^-?\d+$/.test(raw) ? checkLabel(Number(raw), file, line) : raw === '' ? missing(file, line, labelKey) : raw,
      line,
    };
  });
}

function readJsonLines(text: string, file: string, pathKey: string, labelKey: string): Entry[] {
  const entries: Entry[] = [];
  text.split(/\r?\n/).forEach((content, i) => {
    const line = i + 1;
    if (content.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      throw new ZsclError(`manifestDataset: ${file} line ${line} is not JSON (${(error as Error).message})`, 'E_FORMAT');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new ZsclError(`manifestDataset: ${file} line ${line}: expected an object but received ${describeValue(value)}`, 'E_FORMAT');
    const record = value as Record<string, unknown>;
    const label = record[labelKey];
    if (typeof label !== 'number' && typeof label !== 'string') missing(file, line, labelKey);
    entries.push({ path: checkPath(record[pathKey], file, line), label: typeof label === 'number' ? checkLabel(label, file, line) : (label as string), line });
  });
  return entries;
}

function checkPath(value: unknown, file: string, line: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ZsclError(`manifestDataset: ${file} line ${line}: missing image path`, 'E_FORMAT');
  return value.trim();
}

function checkLabel(value: number, file: string, line: number): number {
  if (!Number.isSafeInteger(value) || value < -1)
    throw new ZsclError(`manifestDataset: ${file} line ${line}: label ${value} is not a class index (an integer >= 0, or -1 for unlabeled)`, 'E_FORMAT');
  return value;
}

function missing(file: string, line: number, key: string): never {
  throw new ZsclError(`manifestDataset: ${file} line ${line}: missing '${key}'`, 'E_FORMAT');
}
