/** The non-blank lines of an annotation or list file (split lists, class lists, label files). */
import fs from 'node:fs';
import { ZsclError } from '../errors';

/** One non-blank line: as written (without its line break), trimmed, and its 1-based number in the file. */
export interface TextLine {
  raw: string;
  text: string;
  line: number;
}

/**
 * The lines of `file` that are not blank, split at `\n` or `\r\n`. Sync.
 * @throws ZsclError E_IO naming the file when it cannot be read.
 */
export function readTextLines(file: string): TextLine[] {
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ZsclError(`cannot read ${file}: ${(error as Error).message}`, 'E_IO', { cause: error });
  }
  const lines: TextLine[] = [];
  content.split(/\r?\n/).forEach((raw, i) => {
    const text = raw.trim();
    if (text !== '') lines.push({ raw, text, line: i + 1 });
  });
  return lines;
}
