import assert from 'node:assert/strict';
import { ByteLevelTokenizer, type Tokenizer, tokenizeToTensor } from '../../lib/clip/tokenizer';
import { readJsonFixture } from '../support/fixtures';

interface TinyConfig {
  model: { vocab_size: number; context_length: number };
  tokens: { sot: number; eot: number; pad: number };
}

const isCode =
  (code: string, ...words: string[]) =>
  (error: Error & { code?: string }) =>
    error.code === code && words.every((word) => error.message.includes(word));

describe('byte-level tokenizer', () => {
  const config = readJsonFixture<TinyConfig>('tiny-clip', 'config.json');

  it("uses the tiny models' layout: pad 0, bytes in 1…V−3, SOT V−2, EOT V−1", () => {
    const tokenizer: Tokenizer = new ByteLevelTokenizer({ vocabSize: config.model.vocab_size, contextLength: config.model.context_length });
    assert.equal(tokenizer.sot, config.tokens.sot);
    assert.equal(tokenizer.eot, config.tokens.eot);
    assert.equal(tokenizer.pad, config.tokens.pad);
    assert.equal(tokenizer.contextLength, config.model.context_length);
    const ids = tokenizer.encode('Aé 😀');
    assert.deepEqual(
      ids,
      Array.from(Buffer.from('aé 😀', 'utf8'), (byte) => byte + 1),
    );
    for (let byte = 0; byte < 256; byte++) {
      const text = Buffer.from([byte]).toString('latin1');
      for (const id of tokenizer.encode(text)) assert.ok(id >= 1 && id <= tokenizer.vocabSize - 3, `byte ${byte} -> ${id}`);
    }
  });

  it('makes rows [SOT, bytes…, EOT, 0…] and an empty text [SOT, EOT, 0…]', () => {
    const tokenizer = new ByteLevelTokenizer();
    const [empty, cat] = tokenizer.tokenize(['', 'a cat']);
    assert.deepEqual(Array.from(empty), [998, 999, ...new Array<number>(14).fill(0)]);
    assert.deepEqual(Array.from(cat.subarray(0, 7)), [998, 98, 33, 100, 98, 117, 999]);
    assert.ok(cat.subarray(7).every((id) => id === 0));
    // The row's EOT sits at its argmax, which is where the text tower reads the feature.
    assert.equal(cat.indexOf(Math.max(...cat)), 6);
  });

  it('cleans like CLIP without ftfy: NFC, whitespace runs to one space, stripped, lower-cased', () => {
    const tokenizer = new ByteLevelTokenizer();
    assert.deepEqual(tokenizer.encode('  A\u00a0\tPHOTO\n of  e\u0301  '), tokenizer.encode('a photo of é'));
    assert.deepEqual(tokenizer.encode(' \t\n'), []);
  });

  it('truncates like the CLIP tokenizer and throws E_ARG otherwise', () => {
    const tokenizer = new ByteLevelTokenizer({ contextLength: 6 });
    assert.throws(() => tokenizer.tokenize('abcdef'), isCode('E_ARG', '"abcdef"', '8 tokens', '6'));
    assert.deepEqual(Array.from(tokenizer.tokenize('abcdef', { truncate: 'eot' })[0]), [998, 98, 99, 100, 101, 999]);
    assert.deepEqual(Array.from(tokenizer.tokenize('abcdef', { truncate: 'silent' })[0]), [998, 98, 99, 100, 101, 102]);
    assert.deepEqual(Array.from(tokenizer.tokenize('abcd')[0]), [998, 98, 99, 100, 101, 999]);
  });

  it('decodes rows back to the cleaned text', () => {
    const tokenizer = new ByteLevelTokenizer({ contextLength: 40 });
    const [row] = tokenizer.tokenize('Ελληνικά 😀 日本語');
    assert.equal(tokenizer.decode(row), 'ελληνικά 😀 日本語');
    assert.equal(tokenizer.decode([998, 999, 98]), '');
    assert.throws(() => tokenizer.decode([300]), isCode('E_INDEX', '300'));
    assert.throws(() => tokenizer.decode([2.5]), isCode('E_INDEX'));
  });

  it('rejects a vocabulary too small for 256 bytes and bad context lengths with E_ARG', () => {
    assert.throws(() => new ByteLevelTokenizer({ vocabSize: 258 }), isCode('E_ARG', 'vocabSize', '259'));
    assert.throws(() => new ByteLevelTokenizer({ vocabSize: 1000.5 }), isCode('E_ARG', 'vocabSize'));
    assert.throws(() => new ByteLevelTokenizer({ contextLength: 1 }), isCode('E_ARG', 'contextLength'));
    assert.throws(() => new ByteLevelTokenizer().encode(undefined as unknown as string), isCode('E_ARG', 'ByteLevelTokenizer.encode'));
    assert.equal(new ByteLevelTokenizer({ vocabSize: 259 }).eot, 258);
  });

  it('feeds the same tensor helper as the CLIP tokenizer', () => {
    const tokenizer = new ByteLevelTokenizer();
    const tokens = tokenizeToTensor(tokenizer, ['a cat', 'a dog']);
    assert.deepEqual(tokens.shape, [2, 16]);
    assert.equal(tokens.dtype, 'int64');
    const data = tokens.data();
    assert.ok(data instanceof BigInt64Array);
    assert.deepEqual(
      Array.from(data),
      tokenizer.tokenize(['a cat', 'a dog']).flatMap((row) => Array.from(row, (id) => BigInt(id))),
    );
    tokens.dispose();
  });
});
