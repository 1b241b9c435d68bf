/** `zscl tokenize --vocab PATH [--context-length N] [--truncate] TEXT...`: CLIP token ids of texts. */
import type { Command } from 'commander';
import { ZsclError } from '../errors';
import { ClipTokenizer } from '../clip/tokenizer/clip-tokenizer';

/** Options of {@link tokenizeLines}. */
export interface TokenizeCommandOptions {
  /** Path of the CLIP vocabulary (`bpe_simple_vocab_16e6.txt.gz`). */
  vocab: string;
  /** Print rows of this length, padded with 0. Default: the full encoding, unpadded (77 with `truncate`). */
  contextLength?: number;
  /** Cut long texts to the context length, keeping EOT last, instead of failing. */
  truncate?: boolean;
}

/**
 * What `zscl tokenize` prints: one JSON array of ids per text (async: the vocabulary is read
 * without blocking).
 * @throws ZsclError (rejects) E_IO/E_FORMAT for the vocabulary, E_ARG for a text that does not
 *   fit the context length without `truncate`.
 */
async function tokenizeLines(texts: readonly string[], options: TokenizeCommandOptions): Promise<string[]> {
  const tokenizer = await ClipTokenizer.load(options.vocab);
  if (options.contextLength === undefined && !options.truncate) {
    return texts.map((text) => JSON.stringify(tokenizer.encodeWithSpecials(text)));
  }
  const rows = tokenizer.tokenize(texts, { contextLength: options.contextLength, truncate: options.truncate ? 'eot' : false });
  return rows.map((row) => JSON.stringify(Array.from(row)));
}

/** Parses `--context-length`; commander calls it with the raw text. */
function parseContextLength(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 2) {
    throw new ZsclError(`--context-length must be an integer >= 2 but is '${value}'`, 'E_ARG');
  }
  return Number(value);
}

/**
 * Adds `zscl tokenize` to `program`. The action is async; it prints one line per text and
 * throws the coded errors of {@link tokenizeLines} for the caller to report.
 */
export function registerTokenize(program: Command): void {
  program
    .command('tokenize')
    .description('print the CLIP token ids of each TEXT as a JSON array, one line per text ("--" ends options)')
    .argument('<text...>', 'texts to tokenize')
    .requiredOption('--vocab <path>', 'CLIP BPE vocabulary (bpe_simple_vocab_16e6.txt.gz or .txt)')
    .option('--context-length <n>', 'print rows of n ids padded with 0 (default: unpadded; 77 with --truncate)', parseContextLength)
    .option('--truncate', 'cut texts longer than the context length, keeping EOT as the last id')
    .action(async (texts: string[], options: TokenizeCommandOptions) => {
      for (const line of await tokenizeLines(texts, options)) console.log(line);
    });
}
