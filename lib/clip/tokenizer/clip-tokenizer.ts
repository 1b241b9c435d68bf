/**
 * The CLIP BPE tokenizer: the same ids as `simple_tokenizer.py` of OpenAI CLIP / open_clip,
 * including its text clean-up (ftfy, HTML unescaping, whitespace, lower-casing).
 */
import { ZsclError, describeValue } from '../../errors';
import { BYTE_TO_CHAR, type BpeVocabulary, readBpeVocabulary, readBpeVocabularySync } from './bpe-vocabulary';
import { mergeBpe } from './bpe-merge';
import { cleanClipText } from './clip-text-clean';
import { TokenizerBase, checkText } from './tokenizer';

/** How open_clip (and this project's fixtures) spell SOT and EOT inside a text. */
export const OPEN_CLIP_SPECIAL_TOKENS: readonly [string, string] = ['<start_of_text>', '<end_of_text>'];
/** How OpenAI's `simple_tokenizer.py` spells SOT and EOT inside a text. */
export const OPENAI_SPECIAL_TOKENS: readonly [string, string] = ['<|startoftext|>', '<|endoftext|>'];

/** Options of {@link ClipTokenizer}. */
export interface ClipTokenizerOptions {
  /**
   * The spellings of SOT and EOT that, written in a text, become those ids (as in the reference,
   * whose split pattern starts with them). `null`: they are ordinary text. Default
   * {@link OPEN_CLIP_SPECIAL_TOKENS}.
   */
  specialTokens?: readonly [string, string] | null;
  /** Default row length of `tokenize`. Default 77. */
  contextLength?: number;
}

/** Most distinct words kept in the encoding cache before it starts over. */
const CACHE_LIMIT = 100_000;

/** `text` as a regex matching it literally (only syntax characters may be escaped in u-mode). */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * CLIP's byte-level BPE tokenizer. Build it once (reading the vocabulary takes a few hundred ms) and reuse
 * it: encoding is synchronous and caches each distinct word.
 *
 * Ids: 0–255 bytes, 256–511 bytes ending a word, 512–49405 merges, 49406 SOT, 49407 EOT; rows
 * are padded with 0.
 */
export class ClipTokenizer extends TokenizerBase {
  readonly vocabSize: number;
  readonly sot: number;
  readonly eot: number;
  readonly pad = 0;
  readonly contextLength: number;

  private readonly vocabulary: BpeVocabulary;
  private readonly splitPattern: RegExp;
  private readonly specialIds = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();
  private readonly charToByte = new Map<string, number>(BYTE_TO_CHAR.map((char, byte) => [char, byte]));

  /** Use {@link ClipTokenizer.fromFile} or {@link ClipTokenizer.load}. */
  private constructor(vocabulary: BpeVocabulary, spellings: readonly [string, string], options: ClipTokenizerOptions) {
    super();
    this.vocabulary = vocabulary;
    this.vocabSize = vocabulary.decoder.length;
    this.sot = this.vocabSize - 2;
    this.eot = this.vocabSize - 1;
    this.contextLength = options.contextLength ?? 77;
    const specials = options.specialTokens === null ? [] : spellings;
    specials.forEach((spelling, index) => this.specialIds.set(spelling, this.sot + index));
    // The reference pattern, matched case-insensitively. `\s` of Python's `regex` module is
    // Unicode White_Space (JavaScript's `\s` would also take U+FEFF).
    const specialAlternatives = specials.map((spelling) => escapeRegExp(spelling) + '|').join('');
    this.splitPattern = new RegExp(`${specialAlternatives}'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\p{White_Space}\\p{L}\\p{N}]+`, 'giu');
  }

  private static checkOptions(path: unknown, options: ClipTokenizerOptions): readonly [string, string] {
    if (typeof path !== 'string' || path === '') {
      throw new ZsclError(`ClipTokenizer: expected the path of a CLIP vocabulary file but received ${describeValue(path)}`, 'E_ARG');
    }
    const specials = options.specialTokens ?? OPEN_CLIP_SPECIAL_TOKENS;
    if (
      !Array.isArray(specials) ||
      specials.length !== 2 ||
      !specials.every((spelling) => typeof spelling === 'string' && spelling !== '' && spelling === spelling.toLowerCase())
    ) {
      throw new ZsclError(
        `ClipTokenizer: specialTokens must be null or two non-empty lower-case strings but received ${describeValue(options.specialTokens)}`,
        'E_ARG',
      );
    }
    const contextLength = options.contextLength ?? 77;
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new ZsclError(`ClipTokenizer: contextLength must be an integer >= 2 but received ${describeValue(contextLength)}`, 'E_ARG');
    }
    return [specials[0], specials[1]];
  }

  /**
   * Reads the vocabulary (`bpe_simple_vocab_16e6.txt.gz`, gzip or plain text) synchronously.
   * @throws ZsclError E_ARG for bad options, E_IO when the file cannot be read, E_FORMAT when it
   *   is not a CLIP merge list.
   */
  static fromFile(path: string, options: ClipTokenizerOptions = {}): ClipTokenizer {
    const spellings = ClipTokenizer.checkOptions(path, options);
    return new ClipTokenizer(readBpeVocabularySync(path, spellings), spellings, options);
  }

  /**
   * Reads the vocabulary without blocking the event loop on file reading and unzipping (async).
   * @throws ZsclError (rejects) as {@link ClipTokenizer.fromFile} does.
   */
  static async load(path: string, options: ClipTokenizerOptions = {}): Promise<ClipTokenizer> {
    const spellings = ClipTokenizer.checkOptions(path, options);
    return new ClipTokenizer(await readBpeVocabulary(path, spellings), spellings, options);
  }

  /**
   * The BPE ids of `text` after CLIP's clean-up, without SOT/EOT (sync).
   * @throws ZsclError E_ARG when `text` is not a string.
   */
  encode(text: string): number[] {
    checkText(text, 'ClipTokenizer.encode');
    const ids: number[] = [];
    // U+0345 (a combining mark that case-folds to a letter) is matched by no alternative of the
    // reference's case-insensitive pattern, so it separates pieces like a space; in JavaScript's
    // case-insensitive mode it would count as a letter.
    const cleaned = cleanClipText(text).replaceAll('\u0345', ' ');
    for (const [piece] of cleaned.matchAll(this.splitPattern)) {
      let pieceIds = this.cache.get(piece);
      if (pieceIds === undefined) {
        pieceIds = this.encodePiece(piece);
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(piece, pieceIds);
      }
      for (const id of pieceIds) ids.push(id);
    }
    return ids;
  }

  /** The ids of one piece of the split: its UTF-8 bytes as characters, merged by BPE. */
  private encodePiece(piece: string): number[] {
    const special = this.specialIds.get(piece);
    if (special !== undefined) return [special];
    const symbols = Array.from(Buffer.from(piece, 'utf8'), (byte) => BYTE_TO_CHAR[byte]);
    symbols[symbols.length - 1] += '</w>';
    return mergeBpe(symbols, this.vocabulary.ranks).map((symbol) => this.vocabulary.encoder.get(symbol)!);
  }

  /**
   * The text of `ids` as the reference decodes it (each word followed by a space); SOT is skipped
   * and decoding stops at the first EOT, so a padded row decodes to its text (sync).
   * @throws ZsclError E_INDEX for an id outside the vocabulary.
   */
  decode(ids: ArrayLike<number>): string {
    let joined = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === this.eot) break;
      if (id === this.sot) continue;
      const token = Number.isInteger(id) ? this.vocabulary.decoder[id] : undefined;
      if (token === undefined) {
        throw new ZsclError(`ClipTokenizer.decode: id ${describeValue(id)} at ${i} is outside the vocabulary [0, ${this.vocabSize})`, 'E_INDEX');
      }
      joined += token;
    }
    // Like the reference: characters back to bytes, UTF-8 with replacement, then '</w>' to space.
    const bytes = Uint8Array.from(joined, (char) => this.charToByte.get(char)!);
    return Buffer.from(bytes).toString('utf8').replaceAll('</w>', ' ');
  }
}
