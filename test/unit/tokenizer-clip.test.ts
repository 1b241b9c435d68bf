import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { memory } from '../../lib';
import { ClipTokenizer, OPENAI_SPECIAL_TOKENS, cleanClipText, tokenizeToTensor } from '../../lib/clip/tokenizer';
import { mergeBpe } from '../../lib/clip/tokenizer/bpe-merge';
import { BYTE_TO_CHAR, readBpeVocabularySync } from '../../lib/clip/tokenizer/bpe-vocabulary';
import { clipVocabPath, repoRoot } from '../support/fixtures';

/** Reference answers of CLIP's simple_tokenizer (scripts/fixtures/tokenizer-oracle.py). */
interface Oracle {
  clip: [string, string, number[]][];
  clip_openai_specials: [string, number[]][];
}

const oracle = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'tokenizer', 'oracle.json'), 'utf8')) as Oracle;

/** The reference's merge loop as written in simple_tokenizer.py: rescan, merge every occurrence, repeat. */
function referenceMerge(word: string[], ranks: ReadonlyMap<string, number>): string[] {
  for (;;) {
    let best: [string, string] | undefined;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < word.length; i++) {
      const rank = ranks.get(`${word[i]} ${word[i + 1]}`);
      if (rank !== undefined && rank < bestRank) [bestRank, best] = [rank, [word[i], word[i + 1]]];
    }
    if (!best || word.length === 1) return word;
    const merged: string[] = [];
    for (let i = 0; i < word.length; i++) {
      if (i + 1 < word.length && word[i] === best[0] && word[i + 1] === best[1]) merged.push(word[i] + word[++i]);
      else merged.push(word[i]);
    }
    word = merged;
  }
}

/** A deterministic pseudo-random generator (LCG), so failures reproduce. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const isCode =
  (code: string, ...words: string[]) =>
  (error: Error & { code?: string }) =>
    error.code === code && words.every((word) => error.message.includes(word));

describe('CLIP tokenizer: behaviour', () => {
  let tokenizer: ClipTokenizer;
  let dir: string;
  before(() => {
    tokenizer = ClipTokenizer.fromFile(clipVocabPath);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-tokenizer-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`agrees with the reference on ${oracle.clip.length} random mixes of scripts, marks, digits and apostrophes`, () => {
    const wrong = oracle.clip
      .filter(([text, cleaned, ids]) => cleanClipText(text) !== cleaned || JSON.stringify(tokenizer.encode(text)) !== JSON.stringify(ids))
      .map(([text]) => text);
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} of ${oracle.clip.length} differ`);
  });

  it("lower-cases like Python's str.lower: dotted İ, final sigma", () => {
    const reference = new Map(oracle.clip.map(([text, cleaned]) => [text, cleaned]));
    const sigmaCases = oracle.clip.filter(([text]) => text.includes('Σ') || text.includes('İ'));
    assert.ok(sigmaCases.length > 50);
    for (const [text] of sigmaCases) assert.equal(cleanClipText(text), reference.get(text));
    assert.ok(sigmaCases.some(([, cleaned]) => cleaned.includes('ς')) && sigmaCases.some(([, cleaned]) => cleaned.includes('i\u0307')));
  });

  it('turns the special-token spellings of a text into SOT/EOT ids, as configured', async () => {
    const openClip = oracle.clip.filter(([text]) => text.includes('<start_of_text>') || text.includes('<end_of_text>'));
    assert.ok(openClip.length > 0);
    for (const [text, , ids] of openClip) assert.deepEqual(tokenizer.encode(text), ids);
    assert.deepEqual(tokenizer.encode('<start_of_text>'), [tokenizer.sot]);

    const openai = await ClipTokenizer.load(clipVocabPath, { specialTokens: OPENAI_SPECIAL_TOKENS });
    for (const [text, ids] of oracle.clip_openai_specials) assert.deepEqual(openai.encode(text), ids, text);

    const custom = ClipTokenizer.fromFile(clipVocabPath, { specialTokens: ['<s-a|b>', '[/s.x]'] });
    assert.deepEqual(custom.encode('<S-A|B> cat [/s.x]'), [custom.sot, ...custom.encode('cat'), custom.eot]);

    const plain = ClipTokenizer.fromFile(clipVocabPath, { specialTokens: null });
    const ids = plain.encode('<start_of_text>');
    assert.ok(ids.length > 1 && !ids.includes(plain.sot) && !ids.includes(plain.eot));
  });

  it('decodes ids back to the cleaned text, each word followed by a space, stopping at EOT', () => {
    assert.equal(tokenizer.decode(tokenizer.encode('A Photo of a CAT')), 'a photo of a cat ');
    const withoutSpecials = oracle.clip.filter(([, cleaned]) => !cleaned.includes('<start_of_text>') && !cleaned.includes('<end_of_text>'));
    for (const [text, cleaned] of withoutSpecials.slice(0, 300)) {
      const ids = tokenizer.encode(text);
      // Spaces, and U+0345 which the split drops like a space, are all that is lost.
      assert.equal(tokenizer.decode(ids).replace(/ /g, ''), cleaned.replace(/ |\u0345/g, ''), text);
    }
    const [row] = tokenizer.tokenize('Ελληνικά 😀 日本語');
    assert.equal(tokenizer.decode(row), tokenizer.decode(tokenizer.encode('Ελληνικά 😀 日本語')));
    assert.equal(tokenizer.decode([]), '');
    assert.throws(() => tokenizer.decode([49408]), isCode('E_INDEX', '49408'));
    assert.throws(() => tokenizer.decode([1.5]), isCode('E_INDEX'));
    assert.throws(() => tokenizer.decode([-1]), isCode('E_INDEX'));
  });

  it("merges like the reference's rescanning loop on thousands of random words", () => {
    const { ranks } = readBpeVocabularySync(clipVocabPath, ['<start_of_text>', '<end_of_text>']);
    const random = lcg(7);
    const alphabets = ['abcdefghijklmnopqrstuvwxyz', 'aab', 'eeeeettss', 'ab', 'éàü日本!?.'];
    for (let trial = 0; trial < 3000; trial++) {
      const alphabet = alphabets[trial % alphabets.length];
      const length = 1 + Math.floor(random() * 40);
      const word = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const symbols = Array.from(Buffer.from(word, 'utf8'), (byte) => BYTE_TO_CHAR[byte]);
      symbols[symbols.length - 1] += '</w>';
      assert.deepEqual(mergeBpe(symbols, ranks), referenceMerge(symbols, ranks), word);
    }
  });

  it('finishes each pass before merging the pairs it creates, even when those rank lower', () => {
    // CLIP's list never ranks a pair below the pairs its symbols came from; an arbitrary list can.
    assert.deepEqual(
      mergeBpe(
        ['a', 'b', 'a', 'b', 'x'],
        new Map([
          ['a b', 1],
          ['ab a', 0],
        ]),
      ),
      ['ab', 'ab', 'x'],
    );
    const random = lcg(3);
    for (let trial = 0; trial < 500; trial++) {
      const pieces = ['a', 'b', 'c', 'ab', 'ba', 'bc', 'abc', 'aba', 'cab', 'bab'];
      const ranks = new Map<string, number>();
      for (const left of pieces) for (const right of pieces) if (random() < 0.3) ranks.set(`${left} ${right}`, Math.floor(random() * 1000));
      const word = Array.from({ length: 2 + Math.floor(random() * 12) }, () => 'abc'[Math.floor(random() * 3)]);
      assert.deepEqual(mergeBpe(word, ranks), referenceMerge(word, ranks), `${word.join('')} with ${JSON.stringify([...ranks])}`);
    }
  });

  it('encodes very long unbroken text and whitespace runs without stalling', () => {
    const random = lcg(11);
    const letters = Array.from({ length: 100_000 }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(random() * 26)]).join('');
    assert.equal(tokenizer.decode(tokenizer.encode(letters)).replace(/ /g, ''), letters);
    const repeated = 'a'.repeat(100_000);
    assert.equal(tokenizer.decode(tokenizer.encode(repeated)).replace(/ /g, ''), repeated);
    assert.deepEqual(tokenizer.encode(' '.repeat(100_000) + 'cat' + ' \t'.repeat(50_000)), tokenizer.encode('cat'));
  });

  it('rejects bad arguments with E_ARG naming the problem', () => {
    assert.throws(() => tokenizer.encode(42 as unknown as string), isCode('E_ARG', 'ClipTokenizer.encode', 'number 42'));
    assert.throws(() => tokenizer.tokenize(['ok', null as unknown as string]), isCode('E_ARG', 'text 1', 'null'));
    assert.throws(() => tokenizer.tokenize('a', { contextLength: 1 }), isCode('E_ARG', 'contextLength'));
    assert.throws(() => tokenizer.tokenize('a', { contextLength: 7.5 }), isCode('E_ARG', 'contextLength'));
    assert.throws(() => tokenizer.tokenize('a', { truncate: true as unknown as 'eot' }), isCode('E_ARG', 'truncate'));
    assert.throws(() => tokenizer.tokenize(5 as unknown as string), isCode('E_ARG', 'string or an array'));
    assert.throws(() => tokenizer.tokenize('a photo of a cat', { contextLength: 4 }), isCode('E_ARG', '"a photo of a cat"', '7 tokens', '4'));
    assert.throws(() => ClipTokenizer.fromFile(''), isCode('E_ARG', 'path'));
    assert.throws(() => ClipTokenizer.fromFile(clipVocabPath, { specialTokens: ['<A>', '<b>'] }), isCode('E_ARG', 'specialTokens'));
    assert.throws(() => ClipTokenizer.fromFile(clipVocabPath, { contextLength: 0 }), isCode('E_ARG', 'contextLength'));
  });

  it('keeps EOT last at any context length with truncate "eot"', () => {
    const text = 'a photo of a small red car parked near the old stone bridge';
    const ids = tokenizer.encodeWithSpecials(text);
    for (const contextLength of [2, 3, 5, ids.length - 1, ids.length, ids.length + 3]) {
      const [row] = tokenizer.tokenize(text, { contextLength, truncate: 'eot' });
      assert.equal(row.length, contextLength);
      const kept = Math.min(ids.length, contextLength);
      assert.deepEqual(Array.from(row.subarray(0, kept - 1)), ids.slice(0, kept - 1));
      assert.equal(row[kept - 1], tokenizer.eot);
      assert.ok(row.subarray(kept).every((id) => id === 0));
    }
  });

  it('reads the vocabulary as gzip or plain text, sync or async, with the same ids', async () => {
    const plainPath = path.join(dir, 'bpe.txt');
    fs.writeFileSync(plainPath, zlib.gunzipSync(fs.readFileSync(clipVocabPath)));
    const texts = oracle.clip.slice(0, 50).map(([text]) => text);
    for (const other of [ClipTokenizer.fromFile(plainPath), await ClipTokenizer.load(plainPath), await ClipTokenizer.load(clipVocabPath)]) {
      for (const text of texts) assert.deepEqual(other.encode(text), tokenizer.encode(text));
    }
  });

  it('reports unreadable and malformed vocabulary files with E_IO / E_FORMAT naming the file', async () => {
    const missing = path.join(dir, 'missing.txt.gz');
    assert.throws(() => ClipTokenizer.fromFile(missing), isCode('E_IO', missing));
    await assert.rejects(ClipTokenizer.load(missing), isCode('E_IO', missing));
    assert.throws(() => ClipTokenizer.fromFile(dir), isCode('E_IO', dir));

    const short = path.join(dir, 'short.txt');
    fs.writeFileSync(short, '#version: 0.2\ni n\nt h\n');
    assert.throws(() => ClipTokenizer.fromFile(short), isCode('E_FORMAT', short, 'merge'));

    const badGzip = path.join(dir, 'bad.gz');
    fs.writeFileSync(badGzip, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not really gzip')]));
    assert.throws(() => ClipTokenizer.fromFile(badGzip), isCode('E_FORMAT', badGzip, 'gzip'));
    await assert.rejects(ClipTokenizer.load(badGzip), isCode('E_FORMAT', badGzip, 'gzip'));

    const badLine = path.join(dir, 'bad-line.txt');
    const lines = zlib.gunzipSync(fs.readFileSync(clipVocabPath)).toString('utf8').split('\n').slice(0, 48_896);
    lines[10] = 'three symbols here';
    fs.writeFileSync(badLine, lines.join('\n'));
    assert.throws(() => ClipTokenizer.fromFile(badLine), isCode('E_FORMAT', badLine, 'line 11'));

    const notUtf8 = path.join(dir, 'latin1.txt');
    fs.writeFileSync(notUtf8, Buffer.from([0x23, 0x0a, 0xff, 0xfe, 0x20, 0x61, 0x0a]));
    assert.throws(() => ClipTokenizer.fromFile(notUtf8), isCode('E_FORMAT', notUtf8, 'UTF-8'));
  });

  it('packs rows into an int64 tensor [N, C] for the text tower', () => {
    const before = memory().tensors;
    const texts = ['a photo of a dog.', 'a photo of a cat.', ''];
    const tokens = tokenizeToTensor(tokenizer, texts, { truncate: 'eot' });
    assert.deepEqual(tokens.shape, [3, 77]);
    assert.equal(tokens.dtype, 'int64');
    const expected = tokenizer.tokenize(texts).flatMap((row) => Array.from(row, (id) => BigInt(id)));
    const data = tokens.data();
    assert.ok(data instanceof BigInt64Array);
    assert.deepEqual(Array.from(data), expected);
    tokens.dispose();
    const short = tokenizeToTensor(tokenizer, 'a cat', { contextLength: 8 });
    assert.deepEqual(short.shape, [1, 8]);
    short.dispose();
    assert.equal(memory().tensors, before);
  });
});
