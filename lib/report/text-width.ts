/**
 * Estimated rendered width of DejaVu Sans text, so chart layouts leave room for labels without
 * rendering them first. ASCII uses the font's real advance widths; other characters an average.
 */

// Advance widths of DejaVu Sans Book for U+0020..U+007E in 1/1000 em, read with
// `/usr/bin/python3 -c "from PIL import ImageFont; f = ImageFont.truetype('DejaVuSans.ttf', 1000);
// print([round(f.getlength(chr(c))) for c in range(32, 127)])"`.
const ASCII_ADVANCE = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838,
  531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390,
  838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337,
  636, 838,
];

/** DejaVu Sans Bold is about this much wider than Book (measured over ASCII). */
const BOLD_FACTOR = 1.1;

// CJK, Hangul and full-width forms take a full em (shown with a fallback font or as boxes).
const WIDE = /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]|[\uD840-\uD8BF][\uDC00-\uDFFF]/u;

function advance(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if (code >= 32 && code <= 126) return ASCII_ADVANCE[code - 32];
  if (WIDE.test(char)) return 1000;
  return 650;
}

/** Estimated width in px of `text` at `fontSize` px. Sync. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let units = 0;
  for (const char of text) units += advance(char);
  return (units / 1000) * fontSize * (bold ? BOLD_FACTOR : 1);
}

/** `text`, shortened with "…" when wider than `maxWidth` px at `fontSize`. Sync. */
export function fitText(text: string, maxWidth: number, fontSize: number, bold = false): string {
  if (textWidth(text, fontSize, bold) <= maxWidth) return text;
  const budget = maxWidth - textWidth('\u2026', fontSize, bold);
  let kept = '';
  for (const char of text) {
    if (textWidth(kept + char, fontSize, bold) > budget) break;
    kept += char;
  }
  return kept.trimEnd() + '\u2026';
}
