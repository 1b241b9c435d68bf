/**
 * Finds repeated keys in JSON text. `JSON.parse` silently keeps the last of two equal keys, which
 * would let a file declare one tensor twice and show different readers different data.
 */

/** A repeated key and the keys of the objects that enclose it (outermost first). */
export interface DuplicateKey {
  key: string;
  path: string[];
}

interface Frame {
  /** Keys seen so far in this object; null for an array. */
  keys: Set<string> | null;
  /** True when the next string in this object is a key (after `{` or `,`), false after `:`. */
  expectKey: boolean;
  /** The key this object or array is the value of, or '[]' inside an array. */
  label: string;
  /** The last key read in this object. */
  lastKey: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The first key that occurs twice in one object of `text`, or undefined. Sync.
 * `text` must already be valid JSON (parse it with `JSON.parse` first); keys are compared after
 * escape decoding, so `"a"` and `"\u0061"` are the same key.
 */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = stack.at(-1);
    switch (c) {
      case 0x7b: // {
      case 0x5b: // [
        stack.push({
          keys: c === 0x7b ? new Set() : null,
          expectKey: c === 0x7b,
          label: top === undefined ? '' : top.keys === null ? '[]' : top.lastKey,
          lastKey: '',
        });
        break;
      case 0x7d: // }
      case 0x5d: // ]
        stack.pop();
        break;
      case 0x2c: // ,
        if (top?.keys) top.expectKey = true;
        break;
      case 0x3a: // :
        if (top) top.expectKey = false;
        break;
      case QUOTE: {
        const end = closingQuote(text, i);
        if (top?.keys && top.expectKey) {
          const key = JSON.parse(text.slice(i, end + 1)) as string;
          if (top.keys.has(key)) return { key, path: stack.slice(1).map((frame) => frame.label) };
          top.keys.add(key);
          top.lastKey = key;
        }
        i = end;
        break;
      }
      default:
        break;
    }
  }
  return undefined;
}

/** Index of the quote that ends the string starting at `start` (valid JSON guarantees one). */
function closingQuote(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return text.length - 1;
}
