import assert from 'node:assert/strict';
import path from 'node:path';
import { ClipTokenizer } from '../../lib/clip/tokenizer';
import { registerTokenize } from '../../lib/cli/tokenize';
import { clipVocabPath, readJsonFixture } from '../support/fixtures';
import { runCommand } from '../support/cli';

interface TokenizerCase {
  text: string;
  ids: number[];
  tokenize77: number[];
  truncated: boolean;
}

/** Runs `zscl tokenize ...args` in-process; returns the lines it printed. */
const runTokenize = (...args: string[]): Promise<string[]> => runCommand(registerTokenize, 'tokenize', ...args);

const isCode =
  (code: string, ...words: string[]) =>
  (error: Error & { code?: string }) =>
    error.code === code && words.every((word) => error.message.includes(word));

describe('zscl tokenize', () => {
  const { cases } = readJsonFixture<{ cases: TokenizerCase[] }>('tokenizer', 'cases.json');
  const short = cases.filter((c) => !c.truncated && c.text.trim() !== '' && !c.text.startsWith('-')).slice(0, 5);
  const long = cases.find((c) => c.truncated)!;

  it('prints the full ids with SOT and EOT, one JSON array per text', async () => {
    const lines = await runTokenize('--vocab', clipVocabPath, ...short.map((c) => c.text));
    assert.deepEqual(
      lines.map((line) => JSON.parse(line) as number[]),
      short.map((c) => c.ids),
    );
    assert.deepEqual(await runTokenize('--vocab', clipVocabPath, long.text), [JSON.stringify(long.ids)]);
  });

  it('prints padded rows with --context-length and keeps EOT last with --truncate', async () => {
    const [row] = await runTokenize('--vocab', clipVocabPath, '--context-length', '77', short[0].text);
    assert.deepEqual(JSON.parse(row), short[0].tokenize77);
    assert.deepEqual(await runTokenize('--vocab', clipVocabPath, '--truncate', long.text), [JSON.stringify(long.tokenize77)]);
    const [cut] = await runTokenize('--vocab', clipVocabPath, '--truncate', '--context-length', '5', long.text);
    assert.deepEqual(JSON.parse(cut), [...long.ids.slice(0, 4), 49407]);
  });

  it('reads texts that look like options after "--"', async () => {
    const tokenizer = ClipTokenizer.fromFile(clipVocabPath);
    const lines = await runTokenize('--vocab', clipVocabPath, '--', '--truncate', '-x');
    assert.deepEqual(lines, [JSON.stringify(tokenizer.encodeWithSpecials('--truncate')), JSON.stringify(tokenizer.encodeWithSpecials('-x'))]);
  });

  it('fails with coded errors: text too long, bad --context-length, unreadable vocabulary', async () => {
    await assert.rejects(runTokenize('--vocab', clipVocabPath, '--context-length', '4', 'a photo of a cat'), isCode('E_ARG', '7 tokens', '4'));
    await assert.rejects(runTokenize('--vocab', clipVocabPath, '--context-length', 'x', 'a'), isCode('E_ARG', '--context-length', "'x'"));
    await assert.rejects(runTokenize('--vocab', clipVocabPath, '--context-length', '1', 'a'), isCode('E_ARG', '--context-length'));
    const missing = path.join(path.dirname(clipVocabPath), 'missing-vocab.txt.gz');
    await assert.rejects(runTokenize('--vocab', missing, 'a'), isCode('E_IO', missing));
    // commander's own usage errors for a missing --vocab or no text
    await assert.rejects(runTokenize('a'), (error: Error & { code?: string }) => error.code === 'commander.missingMandatoryOptionValue');
    await assert.rejects(runTokenize('--vocab', clipVocabPath), (error: Error & { code?: string }) => error.code === 'commander.missingArgument');
  });
});
