/**
 * Reading the size and pixel layout of JPEG and PNG files from their headers, in TypeScript.
 * The common case (an 8-bit RGB or greyscale JPEG/PNG) then needs one native call per image
 * instead of two (sharp's metadata call costs about as much as a small decode). Anything this
 * parser does not recognise returns undefined and the caller asks sharp.
 */

/** What the fast decode path needs to know before decoding. */
export interface ImageHeader {
  format: 'jpeg' | 'png';
  /** Stored size, before EXIF orientation. */
  width: number;
  height: number;
  /** Colour channels as stored: 1 (grey), 3 (RGB/YCbCr) or 4 (CMYK/YCCK) for JPEG. */
  channels: number;
  /** True when the file is 8-bit grey or RGB without alpha, palette or transparency key. */
  plain: boolean;
  /** EXIF orientation 1…8 (1 when absent). */
  orientation: number;
}

/** The header of a JPEG or PNG in `bytes`, or undefined for other or unparseable data. Sync. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return readJpeg(bytes);
  if (bytes.length >= 33 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return readPng(bytes);
  return undefined;
}

/** Width and height after applying an EXIF orientation (5–8 swap the axes). */
export function orientedSize(width: number, height: number, orientation: number): { width: number; height: number } {
  return orientation >= 5 && orientation <= 8 ? { width: height, height: width } : { width, height };
}

function readJpeg(b: Uint8Array): ImageHeader | undefined {
  let orientation = 1;
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return undefined;
    const marker = b[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // image data before a frame header
    const length = (b[at + 2] << 8) | b[at + 3];
    if (length < 2 || at + 2 + length > b.length) return undefined;
    const body = at + 4;
    if (marker === 0xe1 && length >= 16 && isExif(b, body)) orientation = exifOrientation(b, body + 6, at + 2 + length) ?? orientation;
    if (isStartOfFrame(marker)) {
      if (length < 8) return undefined;
      const precision = b[body];
      const height = (b[body + 1] << 8) | b[body + 2];
      const width = (b[body + 3] << 8) | b[body + 4];
      const channels = b[body + 5];
      if (width === 0 || height === 0) return undefined; // height defined later by a DNL marker
      return { format: 'jpeg', width, height, channels, plain: precision === 8 && (channels === 1 || channels === 3), orientation };
    }
    at += 2 + length;
  }
  return undefined;
}

function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function isExif(b: Uint8Array, at: number): boolean {
  return b[at] === 0x45 && b[at + 1] === 0x78 && b[at + 2] === 0x69 && b[at + 3] === 0x66 && b[at + 4] === 0 && b[at + 5] === 0;
}

/** Tag 0x0112 of IFD0 in the TIFF structure at [tiff, end), or undefined. */
function exifOrientation(b: Uint8Array, tiff: number, end: number): number | undefined {
  if (tiff + 8 > end) return undefined;
  const little = b[tiff] === 0x49 && b[tiff + 1] === 0x49;
  if (!little && !(b[tiff] === 0x4d && b[tiff + 1] === 0x4d)) return undefined;
  const u16 = (p: number) => (little ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1]);
  const u32 = (p: number) =>
    little ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 16777216 : ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) + b[p] * 16777216;
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end) return undefined;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return undefined;
    if (u16(entry) === 0x0112 && u16(entry + 2) === 3) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

function readPng(b: Uint8Array): ImageHeader | undefined {
  const u32 = (p: number) => ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) + b[p] * 16777216;
  const type = (p: number) => String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3]);
  if (type(12) !== 'IHDR') return undefined;
  const width = u32(16);
  const height = u32(20);
  const bitDepth = b[24];
  const colourType = b[25];
  const channels = PNG_CHANNELS[colourType];
  if (channels === undefined || width === 0 || height === 0) return undefined;
  let plain = bitDepth === 8 && (colourType === 0 || colourType === 2);
  // A transparency key (tRNS) makes sharp add alpha; an eXIf chunk may rotate: both leave the fast path.
  let at = 33;
  while (plain && at + 8 <= b.length) {
    const chunk = type(at + 4);
    if (chunk === 'IDAT' || chunk === 'IEND') break;
    if (chunk === 'tRNS' || chunk === 'eXIf') plain = false;
    at += 12 + u32(at);
  }
  return { format: 'png', width, height, channels, plain, orientation: 1 };
}
