import assert from 'node:assert/strict';
import { ClipTokenizer, cleanClipText } from '../../lib/clip/tokenizer';
import { clipVocabPath, readJsonFixture } from '../support/fixtures';

interface TokenizerCase {
  category: string;
  text: string;
  cleaned: string;
  ids: number[];
  tokenize77: number[];
  truncated: boolean;
  ftfy_sensitive: boolean;
}

interface TokenizerCases {
  context_length: number;
  sot: number;
  eot: number;
  pad: number;
  vocab_size: number;
  num_cases: number;
  cases: TokenizerCase[];
}

const fixture = readJsonFixture<TokenizerCases>('tokenizer', 'cases.json');
const categories = [...new Set(fixture.cases.map((c) => c.category))];

/** What differs between the port and the reference for one case; empty when identical. */
function differences(tokenizer: ClipTokenizer, c: TokenizerCase): string[] {
  const problems: string[] = [];
  const cleaned = cleanClipText(c.text);
  if (cleaned !== c.cleaned) problems.push(`cleaned ${JSON.stringify(cleaned)} != ${JSON.stringify(c.cleaned)}`);
  const ids = tokenizer.encodeWithSpecials(c.text);
  if (JSON.stringify(ids) !== JSON.stringify(c.ids)) problems.push(`ids ${JSON.stringify(ids)} != ${JSON.stringify(c.ids)}`);
  const [row] = tokenizer.tokenize(c.text, { contextLength: fixture.context_length, truncate: 'eot' });
  if (JSON.stringify(Array.from(row)) !== JSON.stringify(c.tokenize77)) problems.push(`tokenize77 ${JSON.stringify(Array.from(row))}`);
  return problems;
}

describe('CLIP tokenizer: shared reference cases (tokenizer/cases.json)', () => {
  let tokenizer: ClipTokenizer;
  before(() => {
    tokenizer = ClipTokenizer.fromFile(clipVocabPath);
  });

  it('has the reference layout: 49408 ids, SOT 49406, EOT 49407, pad 0, 77 tokens', () => {
    assert.equal(fixture.cases.length, fixture.num_cases);
    assert.equal(tokenizer.vocabSize, fixture.vocab_size);
    assert.equal(tokenizer.sot, fixture.sot);
    assert.equal(tokenizer.eot, fixture.eot);
    assert.equal(tokenizer.pad, fixture.pad);
    assert.equal(tokenizer.contextLength, fixture.context_length);
  });

  for (const category of categories) {
    const cases = fixture.cases.filter((c) => c.category === category);
    it(`matches cleaned text, ids and 77-token rows: ${category} (${cases.length} cases)`, () => {
      const failures = cases.map((c) => ({ text: c.text, problems: differences(tokenizer, c) })).filter((f) => f.problems.length > 0);
      assert.deepEqual(failures, [], `${failures.length} of ${cases.length} ${category} cases differ`);
    });
  }

  it(`matches all ${fixture.num_cases} cases, the ftfy-sensitive ones included`, () => {
    const passing = fixture.cases.filter((c) => differences(tokenizer, c).length === 0);
    const sensitive = fixture.cases.filter((c) => c.ftfy_sensitive);
    assert.ok(sensitive.length > 0);
    assert.equal(passing.length, fixture.cases.length, `${passing.length}/${fixture.cases.length} cases identical`);
  });

  it("truncates long texts the reference's three ways", () => {
    const long = fixture.cases.filter((c) => c.truncated);
    assert.ok(long.length >= 4, 'the fixture has long and boundary cases');
    for (const c of long) {
      assert.throws(
        () => tokenizer.tokenize(c.text),
        (error: Error & { code?: string }) => error.code === 'E_ARG' && error.message.includes(`has ${c.ids.length} tokens`) && error.message.includes('77'),
      );
      assert.deepEqual(Array.from(tokenizer.tokenize(c.text, { truncate: 'eot' })[0]), c.tokenize77);
      // The ZSCL repository's clip.tokenize: ids[:77], EOT lost.
      assert.deepEqual(Array.from(tokenizer.tokenize(c.text, { truncate: 'silent' })[0]), c.ids.slice(0, 77));
    }
    for (const c of fixture.cases.filter((k) => !k.truncated)) {
      assert.deepEqual(Array.from(tokenizer.tokenize(c.text)[0]), c.tokenize77, c.text);
    }
  });

  it('tokenizes a batch into one row per text, in order', () => {
    const texts = fixture.cases.slice(0, 20).map((c) => c.text);
    const rows = tokenizer.tokenize(texts, { truncate: 'eot' });
    assert.equal(rows.length, texts.length);
    rows.forEach((row, i) => assert.deepEqual(Array.from(row), fixture.cases[i].tokenize77));
  });

  it('encodes the same text identically again (the word cache changes nothing)', () => {
    for (const c of fixture.cases) assert.deepEqual(tokenizer.encodeWithSpecials(c.text), c.ids);
  });
});
