/**
 * Reference data for distillation: unlabeled images from any folder tree, and texts — from a file
 * (one per line, or a CSV column such as Conceptual Captions' `title`), from class names ×
 * templates, or LwF-VR's random "virtual vocabulary" token rows. Reference images that are missing
 * or unreadable are skipped and counted (the loader's onBadSample 'skip'), never fatal.
 */
import fs from 'node:fs';
import { ZsclError, describeValue } from '../errors';
import { mapInTurns } from '../io/event-loop';
import { detectDelimiter, parseDelimited } from './csv';
import { ListDataset } from './dataset';
import type { ImageFolderOptions } from './image-folder';
import { listImages, listImagesAsync } from './image-folder';
import { requirePath } from './layout';
import { SeededRandom } from './random';
import { fillTemplate } from '../clip/zero-shot';

/** A reference image set and what could not be scanned. */
export interface ReferenceImages {
  /** Every image file found (label −1). Decode failures are skipped later, by the loader. */
  dataset: ListDataset;
  /** Sub-folders that could not be listed (skipped). */
  unreadable: string[];
}

/**
 * Every image under `root` (any depth, torchvision's order), unlabeled. Sync.
 * @throws ZsclError E_IO when `root` itself is missing or unreadable (nothing to distill on).
 */
export function referenceImages(root: string, options: Pick<ImageFolderOptions, 'extensions'> = {}): ReferenceImages {
  requirePath('referenceImages', root, root, ['<any folders>/<image>.jpg   (labels are ignored)']);
  const { files, unreadable } = listImages(root, options);
  return { dataset: new ListDataset(files.map((file) => ({ image: file, label: -1, name: file }))), unreadable };
}

/**
 * Promise form of {@link referenceImages} that keeps the event loop free while scanning (a
 * 1.28 M-file ImageNet tree). Async.
 * @throws (rejects) as {@link referenceImages}.
 */
export async function referenceImagesAsync(root: string, options: Pick<ImageFolderOptions, 'extensions'> = {}): Promise<ReferenceImages> {
  requirePath('referenceImages', root, root, ['<any folders>/<image>.jpg   (labels are ignored)']);
  const { files, unreadable } = await listImagesAsync(root, options);
  return { dataset: new ListDataset(await mapInTurns(files, (file) => ({ image: file, label: -1, name: file }))), unreadable };
}

/** Options of {@link referenceTexts}. */
export interface ReferenceTextOptions {
  /** Read this column of a CSV/TSV file with a header row (e.g. 'title' for Conceptual Captions). Without it, one text per line. */
  column?: string;
  /**
   * Field delimiter, one character (e.g. '\t' for Conceptual Captions'
   * `Validation_GCC-1.1.0-Validation_output.csv`, which the reference reads with `sep="\t"`).
   * Default: detected from the content ({@link detectDelimiter}), whatever the file extension.
   */
  delimiter?: string;
}

/**
 * Texts from a file: one per non-empty line, or one column of a delimited file. Sync.
 * @throws ZsclError E_IO when unreadable; E_FORMAT listing the columns found when the column is
 *   missing; E_ARG for a bad delimiter.
 */
export function referenceTexts(file: string, options: ReferenceTextOptions = {}): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ZsclError(`referenceTexts: cannot read ${file}: ${(error as Error).message}`, 'E_IO', { cause: error });
  }
  if (options.column === undefined) {
    return text
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '');
  }
  const delimiter = options.delimiter ?? detectDelimiter(text);
  const rows = parseDelimited(text, file, delimiter);
  const header = (rows[0] ?? []).map((name) => name.trim());
  const at = header.indexOf(options.column);
  if (at < 0) {
    const found = header.length > 0 ? header.map((name) => `'${name}'`).join(', ') : 'none (the file is empty)';
    throw new ZsclError(
      `referenceTexts: ${file} has no column '${options.column}'; its header row, split on ${describeDelimiter(delimiter)}, has the columns ${found}. ` +
        'Expected a header row naming the columns, then one row per text (pass delimiter when the detected one is wrong)',
      'E_FORMAT',
    );
  }
  return rows
    .slice(1)
    .map((row) => (row[at] ?? '').trim())
    .filter((t) => t !== '');
}

function describeDelimiter(delimiter: string): string {
  return delimiter === '\t' ? 'tabs' : `'${delimiter}'`;
}

/**
 * Prompts for every class with every template, class-major: [c0·t0, c0·t1, …, c1·t0, …]. The
 * reference's training prompts are `classPrompts(names, [templates[0]])`. Sync.
 * @throws ZsclError E_ARG for empty or non-string inputs.
 */
export function classPrompts(classNames: readonly string[], templates: readonly string[]): string[] {
  const strings = (name: string, v: readonly string[]) => {
    if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string'))
      throw new ZsclError(`classPrompts: expected ${name} to be a non-empty array of strings but received ${describeValue(v)}`, 'E_ARG');
  };
  strings('classNames', classNames);
  strings('templates', templates);
  return classNames.flatMap((name) => templates.map((t) => fillTemplate(t, name)));
}

/** Options of {@link virtualVocabulary}; the defaults are CLIP's. */
export interface VirtualVocabularyOptions {
  /** Rows to draw (default 1000). */
  count?: number;
  /** Random tokens per row (default 10). */
  length?: number;
  /** Token ids are drawn from [0, vocabSize) (default 49408). */
  vocabSize?: number;
  /** Start/end token ids (default 49406 / 49407). */
  sot?: number;
  eot?: number;
  /** Row length with zero padding (default 77). */
  contextLength?: number;
}

/**
 * LwF-VR's reference "texts": rows of [SOT, `length` uniform random token ids, EOT, 0 …], drawn
 * from the stream (seed, 'virtual-vocabulary') — the reference's `virtual_vocab` with a seeded
 * generator. Rows are Int32Arrays like a tokenizer's; make a tensor with
 * `tensor(flat, {shape: [count, contextLength], dtype: 'int64'})`. Sync.
 * @throws ZsclError E_ARG for sizes that do not fit (length + 2 > contextLength, …).
 */
export function virtualVocabulary(seed: number, options: VirtualVocabularyOptions = {}): Int32Array[] {
  const count = options.count ?? 1000;
  const length = options.length ?? 10;
  const vocabSize = options.vocabSize ?? 49408;
  const contextLength = options.contextLength ?? 77;
  const sot = options.sot ?? vocabSize - 2;
  const eot = options.eot ?? vocabSize - 1;
  for (const [name, v, min] of [
    ['count', count, 0],
    ['length', length, 0],
    ['vocabSize', vocabSize, 1],
    ['contextLength', contextLength, 2],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < min)
      throw new ZsclError(`virtualVocabulary: expected ${name} to be an integer >= ${min} but received ${describeValue(v)}`, 'E_ARG');
  }
  if (length + 2 > contextLength) throw new ZsclError(`virtualVocabulary: ${length} tokens + SOT + EOT do not fit a context of ${contextLength}`, 'E_ARG');
  const random = new SeededRandom(seed, 'virtual-vocabulary');
  return Array.from({ length: count }, () => {
    const row = new Int32Array(contextLength);
    row[0] = sot;
    for (let i = 1; i <= length; i++) row[i] = random.int(0, vocabSize);
    row[length + 1] = eot;
    return row;
  });
}
