/**
 * Python's notion of whitespace, which the reference tokenizer relies on (`str.strip()`, `str.split()`
 * and `\s` in `re` patterns all use `str.isspace()`). JavaScript's `\s` differs: it matches U+FEFF
 * and misses U+001C–U+001F and U+0085, so ports of Python regexes use this class instead.
 */

/** Regex class body matching exactly the characters for which Python's `str.isspace()` is true. */
export const PY_WHITESPACE_CLASS = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const ONE = new RegExp(`[${PY_WHITESPACE_CLASS}]`);
const RUNS = new RegExp(`[${PY_WHITESPACE_CLASS}]+`, 'g');

/**
 * Python's `text.strip()` (sync, never throws). A scan from both ends: a regex for trailing
 * whitespace would retry every inner run and take quadratic time on long runs.
 */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && ONE.test(text[start])) start++;
  while (end > start && ONE.test(text[end - 1])) end--;
  return text.slice(start, end);
}

/** `re.sub(r'\s+', ' ', text).strip()`: CLIP's `whitespace_clean` (sync, never throws). */
export function collapseWhitespace(text: string): string {
  return pyStrip(text.replace(RUNS, ' '));
}
