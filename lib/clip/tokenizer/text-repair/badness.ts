/**
 * ftfy's mojibake heuristic (`ftfy.badness`): a regex of character juxtapositions that are far more
 * likely in mojibake than in intended text. ftfy only tries to re-decode text that matches it, and
 * only keeps fixing embedded sequences that still match it.
 *
 * The expression is `BADNESS_RE` of ftfy 6.3.1, branch for branch, with the same character classes
 * (generated from ftfy). Python-specific pieces are translated: `\s` is Python's whitespace, `\w`
 * is a letter, digit or underscore, `.` is any character but a newline.
 */
import { MOJIBAKE_CATEGORIES as C } from './ftfy-tables.generated';
import { PY_WHITESPACE_CLASS } from '../python-whitespace';

const S = `[${PY_WHITESPACE_CLASS}]`;
const W = '[\\p{L}\\p{N}_]';

const BRANCHES = [
  `[${C.c1}]`,
  `[${C.bad}${C.lowerAccented}${C.upperAccented}${C.box}${C.startPunctuation}${C.endPunctuation}${C.currency}${C.numeric}${C.law}][${C.bad}]`,
  `[a-zA-Z][${C.lowerCommon}${C.upperCommon}][${C.bad}]`,
  `[${C.bad}][${C.lowerAccented}${C.upperAccented}${C.box}${C.startPunctuation}${C.endPunctuation}${C.currency}${C.numeric}${C.law}]`,
  `[${C.lowerAccented}${C.lowerCommon}${C.box}${C.endPunctuation}${C.currency}${C.numeric}][${C.upperAccented}]`,
  `[${C.box}${C.endPunctuation}${C.currency}${C.numeric}][${C.lowerAccented}]`,
  `[${C.lowerAccented}${C.box}${C.endPunctuation}][${C.currency}]`,
  `${S}[${C.upperAccented}][${C.currency}]`,
  `[${C.upperAccented}${C.box}][${C.numeric}${C.law}]`,
  `[${C.lowerAccented}${C.upperAccented}${C.box}${C.currency}${C.endPunctuation}][${C.startPunctuation}][${C.numeric}]`,
  `[${C.lowerAccented}${C.upperAccented}${C.currency}${C.numeric}${C.box}${C.law}][${C.endPunctuation}][${C.startPunctuation}]`,
  `[${C.currency}${C.numeric}${C.box}][${C.startPunctuation}]`,
  `[a-z][${C.upperAccented}][${C.startPunctuation}${C.currency}]`,
  `[${C.box}][${C.kaomoji}]`,
  `[${C.lowerAccented}${C.upperAccented}${C.currency}${C.numeric}${C.startPunctuation}${C.endPunctuation}${C.law}][${C.box}]`,
  `[${C.box}][${C.endPunctuation}]`,
  `[${C.lowerAccented}${C.upperAccented}][${C.startPunctuation}${C.endPunctuation}]${W}`,
  // The ligature œ when not followed by an unaccented Latin letter
  '[Œœ][^A-Za-z]',
  // Degree signs after capital letters
  `[${C.upperAccented}]°`,
  // Common Windows-1252 2-character mojibake that isn't covered by the cases above
  `[ÂÃÎÐ][€œŠš¢£Ÿž\\xa0\\xad®©°·»${C.startPunctuation}${C.endPunctuation}–—´]`,
  '×[²³]',
  // Windows-1252 mojibake of Arabic words needs to include the 'common' characters
  `[ØÙ][${C.common}${C.currency}${C.bad}${C.numeric}${C.startPunctuation}ŸŠ®°µ»][ØÙ][${C.common}${C.currency}${C.bad}${C.numeric}${C.startPunctuation}ŸŠ®°µ»]`,
  // Windows-1252 mojibake that starts 3-character sequences for some South Asian alphabets
  'à[²µ¹¼½¾]',
  // MacRoman mojibake that isn't covered by the cases above
  '√[±∂†≠®™´≤≥¥µø]',
  '≈[°¢]',
  '‚Ä[ìîïòôúùû†°¢π]',
  '‚[âó][àä°ê]',
  // Windows-1251 mojibake of characters in the U+2000 range
  'вЂ',
  // Windows-1251 mojibake of Latin-1 characters and/or the Cyrillic alphabet
  `[ВГРС][${C.c1}${C.bad}${C.startPunctuation}${C.endPunctuation}${C.currency}°µ][ВГРС]`,
  // Windows-1251 on top of Latin-1 mojibake of Windows-1252 characters, near a Latin letter
  'ГўВЂВ[^\\n][A-Za-z ]',
  // Windows-1252 encodings of 'à' and 'á', as well as \xa0 itself
  'Ã[\\xa0¡]',
  `[a-z]${S}?[ÃÂ][ ]`,
  '^[ÃÂ][ ]',
  // Cases where Â precedes a character as an encoding of exactly the same character
  `[a-z.,?!${C.endPunctuation}]Â[ ${C.startPunctuation}${C.endPunctuation}]`,
  // Windows-1253 mojibake of characters in the U+2000 range
  'β€[™\\xa0Ά\\xad®°]',
  // Windows-1253 mojibake of Latin-1 characters and/or the Greek alphabet
  `[ΒΓΞΟ][${C.c1}${C.bad}${C.startPunctuation}${C.endPunctuation}${C.currency}°][ΒΓΞΟ]`,
  // Windows-1257 mojibake of characters in the U+2000 range
  'ā€',
];

const BADNESS_SOURCE = BRANCHES.join('|');
const BADNESS_RE = new RegExp(BADNESS_SOURCE, 'u');
const BADNESS_ALL_RE = new RegExp(BADNESS_SOURCE, 'gu');

/** ftfy's `is_bad`: whether `text` looks like it contains mojibake (sync, never throws). */
export function isBad(text: string): boolean {
  return BADNESS_RE.test(text);
}

/** ftfy's `badness`: how many unlikely sequences `text` contains (sync, never throws). */
export function badness(text: string): number {
  let count = 0;
  for (const _ of text.matchAll(BADNESS_ALL_RE)) count++;
  return count;
}
