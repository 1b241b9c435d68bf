/** The text clean-up of the reference CLIP tokenizer, before any splitting. */
import { htmlUnescape } from './html-unescape';
import { collapseWhitespace, pyStrip } from './python-whitespace';
import { fixText } from './text-repair/fix-text';

/**
 * `whitespace_clean(basic_clean(text)).lower()` of CLIP's `simple_tokenizer.py` (sync, never
 * throws): ftfy's `fix_text`, HTML unescaping twice, whitespace runs collapsed to one space and
 * stripped, then full Unicode lower-casing (`İ` → `i̇`; a final `Σ` → `ς`, as Python does).
 */
export function cleanClipText(text: string): string {
  const basic = pyStrip(htmlUnescape(htmlUnescape(fixText(text))));
  return collapseWhitespace(basic).toLowerCase();
}
