/**
 * A tokenizer that needs no vocabulary file, for the project's own small CLIP models: each UTF-8
 * byte of the cleaned text is one token.
 */
import { ZsclError, describeValue } from '../../errors';
import { collapseWhitespace } from './python-whitespace';
import { TokenizerBase, checkText } from './tokenizer';

/** Options of {@link ByteLevelTokenizer}. */
export interface ByteLevelTokenizerOptions {
  /** V, the model's vocabulary size; at least 259 (256 bytes, padding, SOT, EOT). Default 1000. */
  vocabSize?: number;
  /** Default row length of `tokenize`. Default 16, the tiny models' context. */
  contextLength?: number;
}

/** Content ids start here: byte b is id b + 1. */
const BYTE_OFFSET = 1;

/**
 * Byte-level tokenizer with the tiny models' id layout: padding 0, byte b → id b + 1 (content ids
 * lie in 1…V−3), SOT = V−2, EOT = V−1. Text is NFC-normalised, whitespace runs become one space,
 * the ends are stripped and letters lower-cased, like CLIP's clean-up without ftfy and HTML.
 */
export class ByteLevelTokenizer extends TokenizerBase {
  readonly vocabSize: number;
  readonly sot: number;
  readonly eot: number;
  readonly pad = 0;
  readonly contextLength: number;

  /** @throws ZsclError E_ARG when vocabSize or contextLength is not a valid integer. */
  constructor(options: ByteLevelTokenizerOptions = {}) {
    super();
    const vocabSize = options.vocabSize ?? 1000;
    if (!Number.isInteger(vocabSize) || vocabSize < 256 + 3) {
      throw new ZsclError(
        `ByteLevelTokenizer: vocabSize must be an integer >= 259 (256 bytes + pad, SOT, EOT) but received ${describeValue(vocabSize)}`,
        'E_ARG',
      );
    }
    const contextLength = options.contextLength ?? 16;
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new ZsclError(`ByteLevelTokenizer: contextLength must be an integer >= 2 but received ${describeValue(contextLength)}`, 'E_ARG');
    }
    this.vocabSize = vocabSize;
    this.sot = vocabSize - 2;
    this.eot = vocabSize - 1;
    this.contextLength = contextLength;
  }

  /**
   * The byte ids of the cleaned `text`, without SOT/EOT (sync).
   * @throws ZsclError E_ARG when `text` is not a string.
   */
  encode(text: string): number[] {
    checkText(text, 'ByteLevelTokenizer.encode');
    const cleaned = collapseWhitespace(text.normalize('NFC')).toLowerCase();
    return Array.from(Buffer.from(cleaned, 'utf8'), (byte) => byte + BYTE_OFFSET);
  }

  /**
   * The text of byte ids (invalid UTF-8 becomes U+FFFD); SOT and padding are skipped and decoding
   * stops at the first EOT, so a padded row decodes to its text (sync).
   * @throws ZsclError E_INDEX for an id that is not a byte, padding, SOT or EOT.
   */
  decode(ids: ArrayLike<number>): string {
    const bytes: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === this.eot) break;
      if (id === this.sot || id === this.pad) continue;
      const byte = id - BYTE_OFFSET;
      if (!Number.isInteger(byte) || byte < 0 || byte > 255) {
        throw new ZsclError(
          `ByteLevelTokenizer.decode: id ${describeValue(id)} at ${i} is not a byte id ` +
            `(${BYTE_OFFSET}…${255 + BYTE_OFFSET}), padding ${this.pad}, SOT ${this.sot} or EOT ${this.eot}`,
          'E_INDEX',
        );
      }
      bytes.push(byte);
    }
    return Buffer.from(bytes).toString('utf8');
  }
}
