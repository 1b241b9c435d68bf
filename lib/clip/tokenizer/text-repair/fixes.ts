/**
 * ftfy's character-level fixers (`ftfy.fixes`), each a port of the 6.3.1 function of the same name.
 * All are sync and never throw.
 */
import { decodeHTMLStrict } from 'entities';
import { htmlUnescape } from '../html-unescape';

/** `HTML_ENTITY_RE`: the entities ftfy decodes, which must end in a semicolon. */
const HTML_ENTITY_RE = /&#?[0-9A-Za-z]{1,24};/g;

/**
 * The value of `entity` in ftfy's `HTML_ENTITIES`: every HTML5 name that ends in ';', plus the
 * all-caps spelling of each all-lowercase name (`&EACUTE;` → `É`) when that spelling is not
 * itself a reference Python's `html.unescape` would decode (`&LTRIF;` starts with `&LT`).
 */
function ftfyEntity(entity: string): string | undefined {
  const direct = decodeHTMLStrict(entity);
  if (direct !== entity) return direct;
  const lower = entity.toLowerCase();
  const allCaps = entity === lower.toUpperCase() && entity !== lower;
  if (!allCaps || htmlUnescape(entity) !== entity) return undefined;
  const value = decodeHTMLStrict(lower);
  return value !== lower ? value.toUpperCase() : undefined;
}

/**
 * ftfy's `unescape_html`: decodes HTML entities that end in ';' (and all-caps versions of common
 * ones), but leaves ambiguous text such as `this&not that` alone.
 */
export function unescapeHtml(text: string): string {
  return text.replace(HTML_ENTITY_RE, (entity) => {
    if (entity.startsWith('&#')) {
      const unescaped = htmlUnescape(entity);
      // A partly decoded reference (its semicolon left over) is not what ftfy wants.
      return unescaped.includes(';') ? entity : unescaped;
    }
    return ftfyEntity(entity) ?? entity;
  });
}

/** `ANSI_RE`: "ANSI" terminal escapes such as colour changes (Python's `\d` is any decimal digit). */
// eslint-disable-next-line no-control-regex -- ESC is what it looks for
const ANSI_RE = /\x1b\[(?:\p{Nd}|;)*[a-zA-Z]/gu;

/** ftfy's `remove_terminal_escapes`. */
export function removeTerminalEscapes(text: string): string {
  return text.replace(ANSI_RE, '');
}

/** ftfy's `uncurl_quotes`: curly quotes become straight ones. */
export function uncurlQuotes(text: string): string {
  return text.replace(/[\u201c-\u201f]/g, '"').replace(/[\u02bc\u2018-\u201b]/g, "'");
}

/** ftfy's `LIGATURES`: Latin ligatures and legacy digraphs, but not ones used on purpose (æ). */
const LIGATURES = new Map<string, string>([
  ['Ĳ', 'IJ'], // Dutch ligatures
  ['ĳ', 'ij'],
  ['ŉ', 'ʼn'], // Afrikaans digraph meant to avoid auto-curled quote
  ['Ǳ', 'DZ'], // Serbian/Croatian digraphs for Cyrillic conversion
  ['ǲ', 'Dz'],
  ['ǳ', 'dz'],
  ['Ǆ', 'DŽ'],
  ['ǅ', 'Dž'],
  ['ǆ', 'dž'],
  ['Ǉ', 'LJ'],
  ['ǈ', 'Lj'],
  ['ǉ', 'lj'],
  ['Ǌ', 'NJ'],
  ['ǋ', 'Nj'],
  ['ǌ', 'nj'],
  ['ﬀ', 'ff'], // Latin typographical ligatures
  ['ﬁ', 'fi'],
  ['ﬂ', 'fl'],
  ['ﬃ', 'ffi'],
  ['ﬄ', 'ffl'],
  ['ﬅ', 'ſt'],
  ['ﬆ', 'st'],
]);
const LIGATURE_RE = new RegExp(`[${[...LIGATURES.keys()].join('')}]`, 'g');

/** ftfy's `fix_latin_ligatures`. */
export function fixLatinLigatures(text: string): string {
  return text.replace(LIGATURE_RE, (char) => LIGATURES.get(char)!);
}

/**
 * ftfy's `WIDTH_MAP`: the ideographic space, and every character of the Halfwidth and Fullwidth
 * Forms block (U+FF01–U+FFEF) whose NFKC form differs, mapped to that form.
 */
const WIDTH_MAP = new Map<string, string>([['\u3000', ' ']]);
for (let code = 0xff01; code < 0xfff0; code++) {
  const char = String.fromCharCode(code);
  const alternate = char.normalize('NFKC');
  if (alternate !== char) WIDTH_MAP.set(char, alternate);
}

/** ftfy's `fix_character_width`: full-width Latin and half-width Katakana to their usual width. */
export function fixCharacterWidth(text: string): string {
  return text.replace(/[\u3000\uff01-\uffef]/g, (char) => WIDTH_MAP.get(char) ?? char);
}

/** ftfy's `fix_line_breaks`: CRLF, CR, U+2028, U+2029 and NEL become '\n'. */
export function fixLineBreaks(text: string): string {
  return text.replaceAll('\r\n', '\n').replace(/[\r\u2028\u2029\x85]/g, '\n');
}

/**
 * ftfy's `fix_surrogates`. A JavaScript string already reads a valid surrogate pair as the
 * character it encodes; only unpaired surrogates remain, and they become U+FFFD.
 */
export function fixSurrogates(text: string): string {
  return text.replace(/[\ud800-\udfff]/gu, '\ufffd');
}

/**
 * ftfy's `remove_control_chars`: C0 controls other than whitespace (U+00–U+08, U+0B, U+0E–U+1F),
 * DEL, the deprecated Arabic controls U+206A–U+206F, the byte order mark and the interlinear
 * annotation characters U+FFF9–U+FFFC.
 */
export function removeControlChars(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return text.replace(/[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g, '');
}
