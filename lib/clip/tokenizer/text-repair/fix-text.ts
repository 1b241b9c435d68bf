/**
 * A port of `ftfy.fix_text` (ftfy 6.3.1, default settings), which the reference CLIP tokenizer
 * runs on every text before anything else. No JavaScript ftfy exists; this follows ftfy's code
 * step by step so that token ids match the reference.
 */
import {
  fixCharacterWidth,
  fixLatinLigatures,
  fixLineBreaks,
  fixSurrogates,
  removeControlChars,
  removeTerminalEscapes,
  uncurlQuotes,
  unescapeHtml,
} from './fixes';
import { fixC1Controls, fixEncoding } from './mojibake';

/** ftfy's `max_decode_length`: the longest segment, in code points, fixed at once. */
const MAX_DECODE_LENGTH = 1_000_000;

/** ftfy's `fix_and_explain` without explanations: applies every fixer until the text is stable. */
function fixSegment(text: string, unescapeEntities: boolean): string {
  for (;;) {
    const original = text;
    if (unescapeEntities) text = unescapeHtml(text);
    text = fixEncoding(text);
    text = fixC1Controls(text);
    text = fixLatinLigatures(text);
    text = fixCharacterWidth(text);
    text = uncurlQuotes(text);
    text = fixLineBreaks(text);
    text = fixSurrogates(text);
    text = removeTerminalEscapes(text);
    text = removeControlChars(text);
    text = text.normalize('NFC');
    if (text === original) return text;
  }
}

/**
 * Text every fixer leaves alone: printable ASCII, tab, newline and form feed, without '&' (no
 * entity to decode), CR (a line break to normalise) or other controls (to remove).
 */
const UNCHANGED_RE = /^[\t\n\f\x20-\x25\x27-\x7e]*$/;

/** Splits `text` after each '\n', and every {@link MAX_DECODE_LENGTH} code points within a line. */
function segments(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/(?<=\n)/)) {
    if (line.length <= MAX_DECODE_LENGTH) {
      out.push(line); // UTF-16 length bounds the code point count
      continue;
    }
    const codepoints = [...line];
    for (let start = 0; start < codepoints.length; start += MAX_DECODE_LENGTH) {
      out.push(codepoints.slice(start, start + MAX_DECODE_LENGTH).join(''));
    }
  }
  return out;
}

/**
 * `ftfy.fix_text(text)` with ftfy 6.3.1's defaults (sync, never throws): repairs mojibake
 * (`cafÃ©` → `café`), decodes HTML entities unless the text looks like HTML, replaces Latin
 * ligatures and digraphs, full-width characters and curly quotes, normalises line breaks, removes
 * terminal escapes and most control characters, and NFC-normalises. Each line is fixed on its
 * own, as ftfy does.
 */
export function fixText(text: string): string {
  if (UNCHANGED_RE.test(text)) return text;
  let unescapeEntities = true;
  let out = '';
  for (const segment of segments(text)) {
    // ftfy's "auto" mode: once a segment contains '<', the text is taken to be HTML and entities
    // are left alone from there on.
    if (segment.includes('<')) unescapeEntities = false;
    out += fixSegment(segment, unescapeEntities);
  }
  return out;
}
