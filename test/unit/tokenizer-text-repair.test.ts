import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fixText } from '../../lib/clip/tokenizer';
import { htmlUnescape } from '../../lib/clip/tokenizer/html-unescape';
import { badness, isBad } from '../../lib/clip/tokenizer/text-repair/badness';
import { decodeUtf8Variants } from '../../lib/clip/tokenizer/text-repair/encodings';
import { repoRoot } from '../support/fixtures';

/** Reference answers of ftfy 6.3.1 and Python (scripts/fixtures/tokenizer-oracle.py). */
interface Oracle {
  ftfy_version: string;
  fix_text: [string, string][];
  badness: [string, number][];
  html_unescape: [string, string][];
}

const oracle = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'tokenizer', 'oracle.json'), 'utf8')) as Oracle;

/** The inputs whose result differs from the reference, as [input, got, expected]. */
function mismatches<T>(pairs: [string, T][], port: (input: string) => T): [string, T, T][] {
  return pairs.filter(([input, expected]) => port(input) !== expected).map(([input, expected]) => [input, port(input), expected]);
}

describe('text repair: port of ftfy.fix_text', () => {
  it(`agrees with ftfy ${oracle.ftfy_version} on ${oracle.fix_text.length} generated texts`, () => {
    assert.equal(oracle.ftfy_version, '6.3.1');
    const changed = oracle.fix_text.filter(([input, expected]) => input !== expected).length;
    assert.ok(changed > 1000, 'most oracle texts are ones ftfy changes');
    assert.deepEqual(mismatches(oracle.fix_text, fixText).slice(0, 10), []);
  });

  it("agrees with ftfy's mojibake heuristic on random strings of the characters it looks at", () => {
    assert.ok(oracle.badness.filter(([, count]) => count > 0).length > 1000);
    assert.deepEqual(mismatches(oracle.badness, badness).slice(0, 10), []);
    for (const [text, count] of oracle.badness.slice(0, 500)) assert.equal(isBad(text), count > 0, text);
  });

  it('repairs mojibake, entities, width and ligatures, but leaves entities alone in text that looks like HTML', () => {
    const reference = new Map(oracle.fix_text);
    for (const text of ['doesnâ€™t', 'P&EACUTE;REZ', 'ＦＵＬＬ　ｗｉｄｔｈ', 'ﬁne ﬂow', 'a < b &amp; c']) {
      assert.ok(reference.has(text), `${text} is in the oracle`);
      assert.equal(fixText(text), reference.get(text));
    }
    assert.equal(fixText('a < b &amp; c'), 'a < b &amp; c');
    assert.equal(fixText('a &amp; c'), 'a & c');
    // Once a line looks like HTML, entities stay in the lines after it too (ftfy's "auto" mode).
    assert.equal(fixText('x &amp; y\n<b>\nz &amp; w'), 'x & y\n<b>\nz &amp; w');
  });

  it('fixes long text segment by segment without changing clean text', () => {
    const clean = 'a photo of a café.\n'.repeat(2000);
    assert.equal(fixText(clean), clean);
    const broken = 'a photo of a cafÃ©.\n'.repeat(2000);
    assert.equal(fixText(broken), clean);
    assert.equal(fixText(''), '');
  });

  it("decodes ftfy's utf-8-variants: CESU-8 pairs and Java's NUL, rejecting lone surrogates", () => {
    const bytes = (...values: number[]) => String.fromCharCode(...values);
    // U+1F600 as the CESU-8 pair D83D DE00
    assert.equal(decodeUtf8Variants(bytes(0x61, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80, 0x62)), 'a\u{1f600}b');
    assert.equal(decodeUtf8Variants(bytes(0x61, 0xc0, 0x80, 0x62)), 'a\u0000b');
    assert.equal(decodeUtf8Variants(bytes(0xed, 0x95, 0x9c)), '한');
    assert.equal(decodeUtf8Variants(bytes(0xed, 0xa0, 0xbd, 0x61)), null);
    assert.equal(decodeUtf8Variants(bytes(0x61, 0xc0)), null);
    assert.equal(decodeUtf8Variants(bytes(0xc3)), null);
  });
});

describe("text repair: port of Python's html.unescape", () => {
  it(`agrees with Python on ${oracle.html_unescape.length} named, numeric and malformed references`, () => {
    assert.deepEqual(mismatches(oracle.html_unescape, htmlUnescape), []);
  });

  it('returns text without "&" as it is', () => {
    const text = 'no references here; a < b';
    assert.equal(htmlUnescape(text), text);
  });
});
