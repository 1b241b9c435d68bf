/**
 * CLIP's BPE vocabulary, built from its merge list file (`bpe_simple_vocab_16e6.txt.gz`, shipped
 * with CLIP and open_clip) exactly as `simple_tokenizer.py` builds it.
 */
import fs from 'node:fs';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ZsclError } from '../../errors';
import { PY_WHITESPACE_CLASS } from './python-whitespace';

/** How many merges CLIP uses: `merges[1 : 49152 - 256 - 2 + 1]` of the file's lines. */
const CLIP_MERGE_COUNT = 49152 - 256 - 2;

/**
 * `bytes_to_unicode()`: a printable character for each byte, so that BPE works on text. Bytes
 * 33–126, 161–172 and 174–255 stand for themselves; the other 68 map to U+0100 onwards in order.
 */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const table: string[] = new Array<string>(256);
  let next = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || (byte >= 174 && byte <= 255);
    table[byte] = String.fromCharCode(printable ? byte : 256 + next++);
  }
  return table;
})();

/** Python's `str.split()` separator, which the reference uses on each merge line. */
const SYMBOL_SEPARATOR = new RegExp(`[${PY_WHITESPACE_CLASS}]+`);

/** The merge ranks and the token ids of a CLIP vocabulary. */
export interface BpeVocabulary {
  /** `"first second"` → rank (lower merges first). */
  readonly ranks: Map<string, number>;
  /** Token string → id: bytes, bytes + `</w>`, merges, then the special tokens. */
  readonly encoder: Map<string, number>;
  /** Id → token string. */
  readonly decoder: string[];
}

/** The 256 byte characters in id order: printable ranges first, then the remapped bytes. */
function byteCharsInIdOrder(): string[] {
  const printable: string[] = [];
  const remapped: string[] = [];
  BYTE_TO_CHAR.forEach((char) => (char.charCodeAt(0) < 256 ? printable : remapped).push(char));
  return [...printable, ...remapped];
}

/**
 * Builds the vocabulary from the text of a merge list (sync). `specials` are appended last, so
 * they get ids 49406 and 49407.
 * @throws ZsclError E_FORMAT when the text has fewer than {@link CLIP_MERGE_COUNT} merges or a
 *   merge line is not two symbols.
 */
function buildBpeVocabulary(text: string, specials: readonly string[], source: string): BpeVocabulary {
  const ranks = new Map<string, number>();
  const vocab = byteCharsInIdOrder();
  vocab.push(...vocab.map((char) => char + '</w>'));
  // Walk the lines the reference keeps (the file has ~262k; only the first 48,895 matter).
  let start = text.indexOf('\n') + 1;
  for (let rank = 0; rank < CLIP_MERGE_COUNT; rank++) {
    if (start === 0 || start >= text.length) {
      throw new ZsclError(`CLIP vocabulary ${source}: expected a header line and ${CLIP_MERGE_COUNT} merge lines but found only ${rank} merges`, 'E_FORMAT');
    }
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end < 0 ? text.length : end);
    start = end + 1;
    const parts = line.split(SYMBOL_SEPARATOR).filter((part) => part !== '');
    if (parts.length !== 2) {
      throw new ZsclError(`CLIP vocabulary ${source}: line ${rank + 2} should hold two symbols separated by a space but is '${line.slice(0, 60)}'`, 'E_FORMAT');
    }
    ranks.set(`${parts[0]} ${parts[1]}`, rank);
    vocab.push(parts[0] + parts[1]);
  }
  vocab.push(...specials);
  const encoder = new Map<string, number>();
  vocab.forEach((token, id) => encoder.set(token, id));
  return { ranks, encoder, decoder: vocab };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function badGzip(source: string, error: unknown): ZsclError {
  return new ZsclError(`CLIP vocabulary ${source}: not a valid gzip file (${(error as Error).message})`, 'E_FORMAT', { cause: error });
}

/** The merge list's text, from its (already unzipped) bytes. */
function utf8Text(bytes: Buffer, source: string): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new ZsclError(`CLIP vocabulary ${source}: not UTF-8 text`, 'E_FORMAT', { cause: error });
  }
}

function ioError(path: string, error: unknown): ZsclError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new ZsclError(`cannot read CLIP vocabulary ${path}: ${reason}`, 'E_IO', { cause: error });
}

/**
 * Reads a merge list file (`.txt` or gzip, e.g. `bpe_simple_vocab_16e6.txt.gz`) synchronously.
 * @throws ZsclError E_IO when the file cannot be read, E_FORMAT when it is not a CLIP merge list.
 */
export function readBpeVocabularySync(path: string, specials: readonly string[]): BpeVocabulary {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (error) {
    throw ioError(path, error);
  }
  if (isGzip(bytes)) {
    try {
      bytes = zlib.gunzipSync(bytes);
    } catch (error) {
      throw badGzip(path, error);
    }
  }
  return buildBpeVocabulary(utf8Text(bytes, path), specials, path);
}

/**
 * Reads a merge list file without blocking the event loop while it is read and unzipped (async).
 * @throws ZsclError E_IO when the file cannot be read, E_FORMAT when it is not a CLIP merge list.
 */
export async function readBpeVocabulary(path: string, specials: readonly string[]): Promise<BpeVocabulary> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(path);
  } catch (error) {
    throw ioError(path, error);
  }
  if (isGzip(bytes)) {
    try {
      bytes = await promisify(zlib.gunzip)(bytes);
    } catch (error) {
      throw badGzip(path, error);
    }
  }
  return buildBpeVocabulary(utf8Text(bytes, path), specials, path);
}
