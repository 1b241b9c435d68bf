/**
 * ftfy's mojibake repair (`ftfy.fix_encoding` and the byte-level fixers it uses): text that was
 * UTF-8 but got decoded with a single-byte code page (`cafÃ©`) is encoded back with that code page
 * and decoded as UTF-8, repeatedly, as long as the heuristic in ./badness still finds mojibake.
 */
import { isBad } from './badness';
import { CHARMAP_CODECS, LATIN_1, SLOPPY_WINDOWS_1252, decodeUtf8Strict, decodeUtf8Variants, decodeWindows1252Strict } from './encodings';
import { UTF8_CLUES } from './ftfy-tables.generated';

// Byte regexes run over binary strings (see ./encodings), so they are written without the u flag.

/** `ALTERED_UTF8_RE`: UTF-8 sequences that would be valid if a space were byte A0 again. */
const ALTERED_UTF8_SOURCE =
  '[\\xc2\\xc3\\xc5\\xce\\xd0\\xd9][ ]' +
  '|[\\xe2\\xe3][ ][\\x80-\\x84\\x86-\\x9f\\xa1-\\xbf]' +
  '|[\\xe0-\\xe3][\\x80-\\x84\\x86-\\x9f\\xa1-\\xbf][ ]' +
  '|[\\xf0][ ][\\x80-\\xbf][\\x80-\\xbf]' +
  '|[\\xf0][\\x80-\\xbf][ ][\\x80-\\xbf]' +
  '|[\\xf0][\\x80-\\xbf][\\x80-\\xbf][ ]';
const ALTERED_UTF8_RE = new RegExp(ALTERED_UTF8_SOURCE);
const ALTERED_UTF8_ALL_RE = new RegExp(ALTERED_UTF8_SOURCE, 'g');

/** `A_GRAVE_WORD_RE`: "Ã " standing for the word "à", except in Portuguese contractions. */
const A_GRAVE_WORD_RE = /\xc3 (?! |quele|quela|quilo|s )/g;

/** `LOSSY_UTF8_RE`: UTF-8 sequences with continuation bytes lost to 0x1A (or one '?'). */
const LOSSY_UTF8_RE = new RegExp(
  '[\\xc2-\\xdf][\\x1a]' +
    '|[\\xc2-\\xc3][?]' +
    '|\\xed[\\xa0-\\xaf][\\x1a?]\\xed[\\xb0-\\xbf][\\x1a?\\x80-\\xbf]' +
    '|\\xed[\\xa0-\\xaf][\\x1a?\\x80-\\xbf]\\xed[\\xb0-\\xbf][\\x1a?]' +
    '|[\\xe0-\\xef][\\x1a?][\\x1a\\x80-\\xbf]' +
    '|[\\xe0-\\xef][\\x1a\\x80-\\xbf][\\x1a?]' +
    '|[\\xf0-\\xf4][\\x1a?][\\x1a\\x80-\\xbf][\\x1a\\x80-\\xbf]' +
    '|[\\xf0-\\xf4][\\x1a\\x80-\\xbf][\\x1a?][\\x1a\\x80-\\xbf]' +
    '|[\\xf0-\\xf4][\\x1a\\x80-\\xbf][\\x1a\\x80-\\xbf][\\x1a?]' +
    '|\\x1a',
  'g',
);

/** U+FFFD as UTF-8 bytes. */
const REPLACEMENT_BYTES = '\xef\xbf\xbd';

/** `UTF8_DETECTOR_RE`: runs of characters that look like UTF-8 read as a single-byte code page. */
const UTF8_DETECTOR_SOURCE =
  `(?<![${UTF8_CLUES.utf8ContinuationStrict}])` +
  `(?:[${UTF8_CLUES.utf8FirstOf2}][${UTF8_CLUES.utf8Continuation}]` +
  `|[${UTF8_CLUES.utf8FirstOf3}][${UTF8_CLUES.utf8Continuation}]{2}` +
  `|[${UTF8_CLUES.utf8FirstOf4}][${UTF8_CLUES.utf8Continuation}]{3})+`;
const UTF8_DETECTOR_RE = new RegExp(UTF8_DETECTOR_SOURCE, 'u');
const UTF8_DETECTOR_ALL_RE = new RegExp(UTF8_DETECTOR_SOURCE, 'gu');

const C1_CONTROL_RE = /[\x80-\x9f]/;
const C1_CONTROL_ALL_RE = /[\x80-\x9f]/g;
// eslint-disable-next-line no-control-regex -- the ASCII range starts at NUL
const NON_ASCII_RE = /[^\x00-\x7f]/;

/**
 * ftfy's `restore_byte_a0` (bytes in, bytes out): puts back the A0 bytes that some process turned
 * into spaces inside UTF-8 sequences.
 */
function restoreByteA0(bytes: string): string {
  return bytes.replace(A_GRAVE_WORD_RE, '\xc3\xa0 ').replace(ALTERED_UTF8_ALL_RE, (match) => match.replaceAll(' ', '\xa0'));
}

/** ftfy's `replace_lossy_sequences` (bytes in, bytes out): lossy UTF-8 sequences become U+FFFD's bytes. */
function replaceLossySequences(bytes: string): string {
  return bytes.replace(LOSSY_UTF8_RE, REPLACEMENT_BYTES);
}

/** ftfy's `fix_c1_controls`: C1 controls become their Windows-1252 characters, as browsers do. */
export function fixC1Controls(text: string): string {
  return text.replace(C1_CONTROL_ALL_RE, (char) => SLOPPY_WINDOWS_1252.charOf(char.charCodeAt(0)));
}

/** ftfy's `decode_inconsistent_utf8`: fixes UTF-8 mojibake embedded in otherwise different text. */
function decodeInconsistentUtf8(text: string): string {
  return text.replace(UTF8_DETECTOR_ALL_RE, (match) =>
    // Only strictly shorter pieces, so that this cannot recurse forever.
    match.length < text.length && isBad(match) ? fixEncoding(match) : match,
  );
}

/** One step of ftfy's `_fix_encoding_one_step_and_explain`, with the default configuration. */
function fixEncodingOneStep(text: string): string {
  if (text.length === 0 || !NON_ASCII_RE.test(text) || !isBad(text)) return text;

  let latin1Possible = false;
  // The common case: UTF-8 that was decoded with a single-byte encoding.
  for (const codec of CHARMAP_CODECS) {
    if (!codec.canEncode(text)) continue;
    if (codec === LATIN_1) latin1Possible = true;
    let bytes = codec.encode(text);
    // Put back A0 bytes turned into spaces (not in MacRoman, where an en dash and a space would match).
    if (codec.name !== 'macroman' && ALTERED_UTF8_RE.test(bytes)) bytes = restoreByteA0(bytes);
    if (codec.name.startsWith('sloppy')) bytes = replaceLossySequences(bytes);
    const fixed = bytes.includes('\xed') || bytes.includes('\xc0') ? decodeUtf8Variants(bytes) : decodeUtf8Strict(bytes);
    if (fixed !== null) return fixed;
  }

  // Mojibake sequences that remain inside text of another encoding, fixed in isolation.
  if (UTF8_DETECTOR_RE.test(text)) {
    const fixed = decodeInconsistentUtf8(text);
    if (fixed !== text) return fixed;
  }

  // Latin-1 that was meant as Windows-1252. (ftfy first returns the text unchanged when it also
  // fits "windows-1252", a name its list of possible encodings never contains.)
  if (latin1Possible) {
    const fixed = decodeWindows1252Strict(LATIN_1.encode(text));
    if (fixed !== null && fixed !== text) return fixed;
  }

  if (C1_CONTROL_RE.test(text)) return fixC1Controls(text);
  return text;
}

/** ftfy's `fix_encoding` with default settings: repairs mojibake until nothing changes (sync, never throws). */
export function fixEncoding(text: string): string {
  for (;;) {
    const fixed = fixEncodingOneStep(text);
    if (fixed === text) return text;
    text = fixed;
  }
}
