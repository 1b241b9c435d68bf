/**
 * What every zscl tokenizer offers, so that a text tower can take either the CLIP BPE tokenizer
 * or the byte-level one: ids for a text, and fixed-length rows `[SOT, ids…, EOT, PAD…]` for a batch.
 */
import { ZsclError, describeValue } from '../../errors';

/** What to do with a text whose ids (with SOT and EOT) do not fit the context length. */
export type Truncation =
  /** Throw an E_ARG error naming the text (what OpenAI's `clip.tokenize` does by default). */
  | false
  /** Keep the first `contextLength` ids and make the last one EOT (`clip.tokenize(truncate=True)`). */
  | 'eot'
  /** Keep the first `contextLength` ids, EOT lost (the ZSCL repository's `clip.tokenize`). */
  | 'silent';

/** Options of {@link Tokenizer.tokenize}. */
export interface TokenizeOptions {
  /** Row length C; at least 2. Default: the tokenizer's `contextLength`. */
  contextLength?: number;
  /** Handling of texts that are too long. Default `false` (throw). */
  truncate?: Truncation;
}

/** A tokenizer: text to ids, and batches of texts to padded rows. */
export interface Tokenizer {
  /** Size of the id space, special tokens included. */
  readonly vocabSize: number;
  /** Start-of-text id. */
  readonly sot: number;
  /** End-of-text id. */
  readonly eot: number;
  /** Padding id. */
  readonly pad: number;
  /** Default row length of {@link tokenize}. */
  readonly contextLength: number;
  /** The content ids of `text`, without SOT/EOT (sync). @throws ZsclError E_ARG when `text` is not a string. */
  encode(text: string): number[];
  /** `[SOT, ...encode(text), EOT]`, however long (sync). @throws ZsclError E_ARG when `text` is not a string. */
  encodeWithSpecials(text: string): number[];
  /**
   * One row of `contextLength` ids per text: `[SOT, ids…, EOT]` padded with `pad` (sync).
   * @throws ZsclError E_ARG for a non-string text, a bad option, or (with `truncate: false`) a
   *   text that does not fit.
   */
  tokenize(texts: string | readonly string[], options?: TokenizeOptions): Int32Array[];
  /** The text of `ids`; special and padding ids are dropped (sync). @throws ZsclError E_INDEX for an id outside the vocabulary. */
  decode(ids: ArrayLike<number>): string;
}

/** Throws E_ARG unless `text` is a string; `where` names the caller. */
export function checkText(text: unknown, where: string): asserts text is string {
  if (typeof text !== 'string') throw new ZsclError(`${where}: expected a string but received ${describeValue(text)}`, 'E_ARG');
}

/** A short, printable rendering of a text for error messages. */
function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? text.slice(0, 60) + '…' : text);
}

/** The shared part of the tokenizers: rows from ids. Subclasses provide `encode` and `decode`. */
export abstract class TokenizerBase implements Tokenizer {
  abstract readonly vocabSize: number;
  abstract readonly sot: number;
  abstract readonly eot: number;
  abstract readonly pad: number;
  abstract readonly contextLength: number;

  abstract encode(text: string): number[];
  abstract decode(ids: ArrayLike<number>): string;

  encodeWithSpecials(text: string): number[] {
    return [this.sot, ...this.encode(text), this.eot];
  }

  tokenize(texts: string | readonly string[], options: TokenizeOptions = {}): Int32Array[] {
    const name = `${this.constructor.name}.tokenize`;
    const contextLength = options.contextLength ?? this.contextLength;
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new ZsclError(`${name}: contextLength must be an integer >= 2 but received ${describeValue(contextLength)}`, 'E_ARG');
    }
    const truncate = options.truncate ?? false;
    if (truncate !== false && truncate !== 'eot' && truncate !== 'silent') {
      throw new ZsclError(`${name}: truncate must be false, 'eot' or 'silent' but received ${describeValue(truncate)}`, 'E_ARG');
    }
    const list = typeof texts === 'string' ? [texts] : texts;
    if (!Array.isArray(list)) throw new ZsclError(`${name}: expected a string or an array of strings but received ${describeValue(texts)}`, 'E_ARG');
    return list.map((text: unknown, index) => {
      checkText(text, `${name} text ${index}`);
      const ids = this.encodeWithSpecials(text);
      if (ids.length > contextLength) {
        if (truncate === false) {
          throw new ZsclError(
            `${name}: text ${index} ${quote(text)} has ${ids.length} tokens, more than the context length ${contextLength} ` +
              `(truncate 'eot', or --truncate on the command line, cuts it)`,
            'E_ARG',
          );
        }
        ids.length = contextLength;
        if (truncate === 'eot') ids[contextLength - 1] = this.eot;
      }
      const row = new Int32Array(contextLength).fill(this.pad);
      row.set(ids);
      return row;
    });
  }
}
