/**
 * Python's `html.unescape`, which the reference CLIP tokenizer applies twice after ftfy: HTML5
 * named references (from the `entities` package, the same WHATWG table Python uses, including the
 * legacy names that need no semicolon) and numeric references with Python's replacements.
 */
import { DecodingMode, decodeHTML } from 'entities';
import { SLOPPY_WINDOWS_1252 } from './text-repair/encodings';

/** Python's `html._charref`: what counts as a character reference. */
const CHARREF_RE = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

/**
 * Python's `html._invalid_codepoints`: numeric references to these decode to nothing. (0x80–0x9F
 * are in the list too, but the Windows-1252 table below handles them first.)
 */
function isInvalidCodepoint(codepoint: number): boolean {
  return (
    (codepoint >= 0x1 && codepoint <= 0x8) ||
    codepoint === 0xb ||
    (codepoint >= 0xe && codepoint <= 0x1f) ||
    (codepoint >= 0x7f && codepoint <= 0x9f) ||
    (codepoint >= 0xfdd0 && codepoint <= 0xfdef) ||
    (codepoint & 0xfffe) === 0xfffe
  );
}

/**
 * Python's `html._invalid_charrefs`: NUL, CR, and the C1 range read as Windows-1252, whose five
 * holes keep their C1 control (exactly ftfy's sloppy Windows-1252 table).
 */
const INVALID_CHARREFS = new Map<number, string>([
  [0x00, '\ufffd'],
  [0x0d, '\r'],
  ...Array.from({ length: 0x20 }, (_, i): [number, string] => [0x80 + i, SLOPPY_WINDOWS_1252.charOf(0x80 + i)]),
]);

function numericReference(body: string): string {
  const hex = body[1] === 'x' || body[1] === 'X';
  const digits = body.slice(hex ? 2 : 1).replace(/;$/, '');
  // Python's int() has no size limit; anything past U+10FFFF is replaced anyway.
  const value = Number.parseInt(digits, hex ? 16 : 10);
  const codepoint = Number.isSafeInteger(value) ? value : Number.MAX_SAFE_INTEGER;
  const replacement = INVALID_CHARREFS.get(codepoint);
  if (replacement !== undefined) return replacement;
  if ((codepoint >= 0xd800 && codepoint <= 0xdfff) || codepoint > 0x10ffff) return '\ufffd';
  if (isInvalidCodepoint(codepoint)) return '';
  return String.fromCodePoint(codepoint);
}

/**
 * Python's `html.unescape(text)` (sync, never throws). A named reference decodes to the longest
 * entity name it starts with (`&notit;` → `¬it;`); unknown names stay as they are.
 */
export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHARREF_RE, (match, body: string) => (body[0] === '#' ? numericReference(body) : decodeHTML(match, DecodingMode.Legacy)));
}
