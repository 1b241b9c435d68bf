/** Text made safe to place inside SVG and HTML (element content and quoted attribute values). */
import { escapeUTF8 } from 'entities';

// Characters XML 1.0 forbids even as references (C0 controls other than tab/newline/CR, lone
// surrogates, U+FFFE/U+FFFF): librsvg rejects a whole SVG that holds one, so they become U+FFFD.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes `& < > " '` and replaces characters XML cannot hold with U+FFFD. Sync; never throws. */
export function escapeMarkup(text: string): string {
  return escapeUTF8(text.replace(NOT_XML_CHAR, '\uFFFD'));
}
