/**
 * The codecs ftfy's mojibake repair encodes and decodes with: its single-byte encodings (Latin-1,
 * the "sloppy" Windows code pages, ISO-8859-2, MacRoman, CP437), strict UTF-8 and ftfy's
 * "utf-8-variants" (UTF-8 that also accepts CESU-8 surrogate pairs and Java's two-byte NUL).
 *
 * Bytes are carried as "binary strings" (one char per byte, codes 0–255) so that ftfy's bytes
 * regexes port to plain JavaScript regexes.
 */
import { CHARMAP_ENCODINGS } from './ftfy-tables.generated';

/** A single-byte encoding: a 256-entry decoding table and its inverse. */
class SingleByteCodec {
  /** The decoding table: character of each byte. */
  private readonly table: string[];
  private readonly inverse = new Map<string, number>();

  constructor(
    readonly name: string,
    high: string,
    sub: string,
  ) {
    this.table = [];
    for (let byte = 0; byte < 0x80; byte++) this.table.push(String.fromCharCode(byte));
    this.table[0x1a] = sub;
    this.table.push(...high);
    this.table.forEach((char, byte) => this.inverse.set(char, byte));
  }

  /** Whether every character of `text` has a byte here (ftfy's `possible_encoding`). */
  canEncode(text: string): boolean {
    for (const char of text) if (!this.inverse.has(char)) return false;
    return true;
  }

  /** The bytes of `text` as a binary string; call only when {@link canEncode} holds. */
  encode(text: string): string {
    let out = '';
    for (const char of text) out += String.fromCharCode(this.inverse.get(char)!);
    return out;
  }

  /** The character of one byte. */
  charOf(byte: number): string {
    return this.table[byte];
  }
}

/** ftfy's `CHARMAP_ENCODINGS`, in the order it tries them. */
export const CHARMAP_CODECS: readonly SingleByteCodec[] = CHARMAP_ENCODINGS.map((encoding) => new SingleByteCodec(encoding.name, encoding.high, encoding.sub));

function codecNamed(name: string): SingleByteCodec {
  const codec = CHARMAP_CODECS.find((candidate) => candidate.name === name);
  if (!codec) throw new Error(`text-repair: no ${name} table`); // the generated table always has it
  return codec;
}

export const LATIN_1 = codecNamed('latin-1');
export const SLOPPY_WINDOWS_1252 = codecNamed('sloppy-windows-1252');

/**
 * Python's strict `bytes.decode('windows-1252')`. The sloppy table fills the code page's five
 * holes (0x81, 0x8D, 0x8F, 0x90, 0x9D) with the C1 control of the same number; exactly those bytes
 * fail strictly. Returns null on failure.
 */
export function decodeWindows1252Strict(bytes: string): string | null {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes.charCodeAt(i);
    const char = SLOPPY_WINDOWS_1252.charOf(byte);
    if (byte >= 0x80 && byte < 0xa0 && char.charCodeAt(0) === byte) return null;
    out += char;
  }
  return out;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Python's strict `bytes.decode('utf-8')` of a binary string; null when the bytes are not UTF-8. */
export function decodeUtf8Strict(bytes: string): string | null {
  try {
    return strictUtf8.decode(Buffer.from(bytes, 'latin1'));
  } catch {
    return null;
  }
}

/** Python bytes-regex `$`: the end, or just before a final b'\n'. */
function atPythonEnd(bytes: string, position: number): boolean {
  return position === bytes.length || (position === bytes.length - 1 && bytes.charCodeAt(position) === 0x0a);
}

function inRange(bytes: string, position: number, low: number, high: number): boolean {
  const byte = bytes.charCodeAt(position);
  return byte >= low && byte <= high; // NaN past the end compares false
}

/** Where ftfy's utf-8-variants decoder stops fast decoding: `SPECIAL_BYTES_RE.search` from `from`. */
function findSpecial(bytes: string, from: number): number {
  for (let p = from; p < bytes.length; p++) {
    const byte = bytes.charCodeAt(p);
    // NULL_EXPR: \xc0(\x80|$)
    if (byte === 0xc0 && (bytes.charCodeAt(p + 1) === 0x80 || atPythonEnd(bytes, p + 1))) return p;
    // CESU8_EXPR and SURROGATE_EXPR both start \xed([\xa0-\xbf]|$)([\x80-\xbf]|$); CESU8 asks
    // more, so the shorter SURROGATE_EXPR decides whether anything matches here.
    if (byte === 0xed) {
      const second = inRange(bytes, p + 1, 0xa0, 0xbf) ? p + 2 : atPythonEnd(bytes, p + 1) ? p + 1 : -1;
      if (second >= 0 && (inRange(bytes, second, 0x80, 0xbf) || atPythonEnd(bytes, second))) return p;
    }
  }
  return -1;
}

/**
 * `CESU8_RE.match` at `p`: \xed([\xa0-\xaf]|$)([\x80-\xbf]|$)(\xed|$)([\xb0-\xbf]|$)([\x80-\xbf]|$).
 * Only called with at least six bytes left, where a `$` can only stand before a final newline.
 */
function matchesCesu8(bytes: string, p: number): boolean {
  const parts: [number, number][] = [
    [0xed, 0xed],
    [0xa0, 0xaf],
    [0x80, 0xbf],
    [0xed, 0xed],
    [0xb0, 0xbf],
    [0x80, 0xbf],
  ];
  let position = p;
  for (const [low, high] of parts) {
    if (inRange(bytes, position, low, high)) position++;
    else if (position === p || !atPythonEnd(bytes, position)) return false;
    // A `$` consumes nothing: later parts can then only match `$` at the same place.
  }
  return true;
}

/**
 * ftfy's `utf-8-variants` decoder (`ftfy.bad_codecs.utf8_variants`, final decode): standard UTF-8,
 * plus CESU-8 surrogate pairs and `C0 80` for NUL. Reproduces its quirks, including that a
 * matched sequence consumes a fixed byte count. Returns null where it would raise.
 */
export function decodeUtf8Variants(bytes: string): string | null {
  let out = '';
  let position = 0;
  while (position < bytes.length) {
    const special = findSpecial(bytes, position);
    if (special < 0) {
      const rest = decodeUtf8Strict(bytes.slice(position));
      return rest === null ? null : out + rest;
    }
    if (special > position) {
      const prefix = decodeUtf8Strict(bytes.slice(position, special));
      if (prefix === null) return null;
      out += prefix;
      position = special;
      continue;
    }
    const rest = bytes.length - position;
    if (bytes.charCodeAt(position) === 0xc0) {
      if (rest <= 1) return null; // a lone C0 at the end is invalid UTF-8
      out += '\u0000';
      position += 2;
    } else if (rest < 6 || !matchesCesu8(bytes, position)) {
      return null; // an unpaired or truncated surrogate: the standard decoder raises on it
    } else {
      const b = (k: number) => bytes.charCodeAt(position + k);
      const codepoint = ((b(1) & 0x0f) << 16) + ((b(2) & 0x3f) << 10) + ((b(4) & 0x0f) << 6) + (b(5) & 0x3f) + 0x10000;
      out += String.fromCodePoint(codepoint);
      position += 6;
    }
  }
  return out;
}
