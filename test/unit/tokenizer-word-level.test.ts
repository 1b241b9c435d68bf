import assert from 'node:assert/strict';
import { WordLevelTokenizer, tokenizeToTensor } from '../../lib/clip/tokenizer';

const isCode =
  (code: string, ...words: string[]) =>
  (error: Error & { code?: string }) =>
    error.code === code && words.every((word) => error.message.includes(word));

describe('word-level tokenizer', () => {
  const tokenizer = new WordLevelTokenizer({ words: ['a', 'cat', 'of', 'photo', 't-shirt'], vocabSize: 12, contextLength: 6 });

  it('gives pad 0, unknown 1, word k → k + 2, SOT V−2, EOT V−1', () => {
    assert.deepEqual([tokenizer.pad, tokenizer.unknown, tokenizer.sot, tokenizer.eot], [0, 1, 10, 11]);
    assert.deepEqual(tokenizer.encode('A photo of a CAT.'), [2, 5, 4, 2, 3]);
    assert.deepEqual(tokenizer.encode('a  dog,  t-shirt!'), [2, 1, 6]);
    assert.deepEqual(tokenizer.encode(' . '), []);
  });

  it('makes padded rows, truncates on request, and decodes back', () => {
    const [row] = tokenizer.tokenize('a photo of cat');
    assert.deepEqual(Array.from(row), [10, 2, 5, 4, 3, 11]);
    assert.throws(() => tokenizer.tokenize('a photo of a cat'), isCode('E_ARG', 'context length 6'));
    const [cut] = tokenizer.tokenize('a photo of a cat', { truncate: 'eot' });
    assert.deepEqual(Array.from(cut), [10, 2, 5, 4, 2, 11]);
    const [short] = tokenizer.tokenize('a dog');
    assert.deepEqual(Array.from(short), [10, 2, 1, 11, 0, 0]);
    assert.equal(tokenizer.decode(short), 'a <unk>');
    assert.equal(tokenizer.decode(cut), 'a photo of a');
    assert.throws(() => tokenizer.decode([7]), isCode('E_INDEX', 'id number 7', 'not a word id'));
    const tokens = tokenizeToTensor(tokenizer, ['a cat', 'photo']);
    assert.deepEqual(tokens.shape, [2, 6]);
    tokens.dispose();
  });

  it('refuses malformed word lists and sizes with E_ARG naming the problem', () => {
    assert.throws(() => new WordLevelTokenizer({ words: ['a', 'a'], vocabSize: 10, contextLength: 4 }), isCode('E_ARG', '"a" appears twice'));
    assert.throws(() => new WordLevelTokenizer({ words: ['Cat'], vocabSize: 10, contextLength: 4 }), isCode('E_ARG', 'word 0', 'lower-case'));
    assert.throws(() => new WordLevelTokenizer({ words: ['a b'], vocabSize: 10, contextLength: 4 }), isCode('E_ARG', 'without spaces'));
    assert.throws(() => new WordLevelTokenizer({ words: ['a', 'b'], vocabSize: 5, contextLength: 4 }), isCode('E_ARG', 'vocabSize', '>= 6'));
    assert.throws(() => new WordLevelTokenizer({ words: ['a'], vocabSize: 8, contextLength: 1 }), isCode('E_ARG', 'contextLength'));
  });
});
