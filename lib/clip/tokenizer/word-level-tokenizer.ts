/**
 * A tokenizer over a fixed word list, for the project's small demo models: one id per word. A tiny
 * text tower learns words far faster from word ids than from bytes (the demo model's pretraining
 * measured it), and the demo's language is a closed vocabulary anyway.
 */
import { ZsclError, describeValue } from '../../errors';
import { collapseWhitespace } from './python-whitespace';
import { TokenizerBase, checkText } from './tokenizer';

/** Options of {@link WordLevelTokenizer}. */
export interface WordLevelTokenizerOptions {
  /** The words, in id order (ids 2… ; 0 is padding, 1 an unknown word). Lower-case, no spaces, no duplicates. */
  words: readonly string[];
  /** V, the model's vocabulary size; at least words + 4 (padding, unknown, SOT, EOT). */
  vocabSize: number;
  /** Default row length of `tokenize`. */
  contextLength: number;
}

const UNKNOWN = 1;
const FIRST_WORD = 2;

/**
 * Word-level tokenizer: padding 0, unknown word 1, word k of the list → id k + 2, SOT = V−2,
 * EOT = V−1. Text is NFC-normalised and lower-cased; `.`, `,`, `;`, `:`, `!` and `?` are
 * dropped and whitespace separates words.
 */
export class WordLevelTokenizer extends TokenizerBase {
  readonly vocabSize: number;
  readonly sot: number;
  readonly eot: number;
  readonly pad = 0;
  readonly unknown = UNKNOWN;
  readonly contextLength: number;
  private readonly ids = new Map<string, number>();
  private readonly words: readonly string[];

  /** @throws ZsclError E_ARG for a malformed word list, vocabulary size or context length. */
  constructor(options: WordLevelTokenizerOptions) {
    super();
    const { words, vocabSize, contextLength } = options;
    if (!Array.isArray(words)) throw new ZsclError(`WordLevelTokenizer: words must be an array but received ${describeValue(words)}`, 'E_ARG');
    words.forEach((word: unknown, k) => {
      if (typeof word !== 'string' || word.length === 0 || /\s/.test(word) || word !== word.toLowerCase()) {
        throw new ZsclError(`WordLevelTokenizer: word ${k} must be a non-empty lower-case string without spaces but is ${describeValue(word)}`, 'E_ARG');
      }
      if (this.ids.has(word))
        throw new ZsclError(`WordLevelTokenizer: word ${JSON.stringify(word)} appears twice (at ${this.ids.get(word)! - FIRST_WORD} and ${k})`, 'E_ARG');
      this.ids.set(word, k + FIRST_WORD);
    });
    if (!Number.isInteger(vocabSize) || vocabSize < words.length + 4) {
      throw new ZsclError(
        `WordLevelTokenizer: vocabSize must be an integer >= ${words.length + 4} (${words.length} words + pad, unknown, SOT, EOT) but received ${describeValue(vocabSize)}`,
        'E_ARG',
      );
    }
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new ZsclError(`WordLevelTokenizer: contextLength must be an integer >= 2 but received ${describeValue(contextLength)}`, 'E_ARG');
    }
    this.words = [...words];
    this.vocabSize = vocabSize;
    this.sot = vocabSize - 2;
    this.eot = vocabSize - 1;
    this.contextLength = contextLength;
  }

  /**
   * The word ids of `text` (unknown words → {@link unknown}), without SOT/EOT (sync).
   * @throws ZsclError E_ARG when `text` is not a string.
   */
  encode(text: string): number[] {
    checkText(text, 'WordLevelTokenizer.encode');
    const cleaned = collapseWhitespace(
      text
        .normalize('NFC')
        .toLowerCase()
        .replace(/[.,;:!?]/g, ' '),
    ).trim();
    return cleaned === '' ? [] : cleaned.split(' ').map((word) => this.ids.get(word) ?? UNKNOWN);
  }

  /**
   * The words of `ids` joined by spaces (unknown words as `<unk>`); SOT and padding are skipped and
   * decoding stops at the first EOT (sync).
   * @throws ZsclError E_INDEX for an id outside the vocabulary.
   */
  decode(ids: ArrayLike<number>): string {
    const words: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === this.eot) break;
      if (id === this.sot || id === this.pad) continue;
      if (id === UNKNOWN) words.push('<unk>');
      else if (Number.isInteger(id) && id >= FIRST_WORD && id < FIRST_WORD + this.words.length) words.push(this.words[id - FIRST_WORD]);
      else {
        throw new ZsclError(
          `WordLevelTokenizer.decode: id ${describeValue(id)} at ${i} is not a word id (${FIRST_WORD}…${FIRST_WORD + this.words.length - 1}), ` +
            `unknown ${UNKNOWN}, padding ${this.pad}, SOT ${this.sot} or EOT ${this.eot}`,
          'E_INDEX',
        );
      }
    }
    return words.join(' ');
  }
}
