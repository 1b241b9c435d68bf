/**
 * Decoding images with sharp (libvips) into 8-bit pixels the way the reference sees them:
 * Pillow's `Image.open(f).convert("RGB")`. JPEG, PNG, WebP, GIF (first frame), TIFF, AVIF and
 * whatever else sharp reads. Conversions follow Pillow: grey is replicated, alpha is dropped (not
 * composited), palettes are looked up, CMYK uses Pillow's formula (R = (255−C)(255−K)/255, no
 * colour management), embedded ICC profiles are ignored. Two deliberate differences, both
 * options: EXIF orientation is applied (`autoOrient`, default true; Pillow ignores it), and
 * 16-bit greyscale is scaled to 8 bits (Pillow clips it to 255, which whitens the image). One
 * unavoidable one: a GIF's transparent pixels get the decoder's colour, where Pillow shows the
 * palette entry of the transparent index.
 */
import sharp from 'sharp';
import { ZsclError, argumentError, describeValue } from '../errors';
import { readFileBytesAsync } from '../io/read-file';
import type { Pixels } from './resample';

/** Decoded 8-bit pixels given directly: grey (1 channel) or RGB (3), interleaved, row-major. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** An image: a file path, the encoded bytes of a file, or decoded pixels. */
export type ImageSource = string | Uint8Array | RawImage;

/** How images are read. */
export interface DecodeOptions {
  /** Name used in error messages when the source is bytes or pixels (default '<buffer>'). */
  name?: string;
  /** Rotate/flip by the EXIF orientation tag (default true; the reference does not). */
  autoOrient?: boolean;
  /** Refuse images with more pixels than this (default 268402689 = 16383², sharp's default). */
  maxPixels?: number;
}

/** sharp's default pixel limit: decompression bombs and absurd headers are refused before decoding. */
export const DEFAULT_MAX_PIXELS = 268402689;

/** The name of a source for messages. */
export function sourceName(source: ImageSource, options: DecodeOptions = {}): string {
  return typeof source === 'string' ? source : (options.name ?? '<buffer>');
}

/** True for a {@link RawImage} (decoded pixels) rather than a path or encoded bytes. */
export function isRawImage(source: ImageSource): source is RawImage {
  return typeof source === 'object' && !(source instanceof Uint8Array) && source !== null && 'data' in source;
}

/**
 * The bytes of a path or byte source. Async (file reads run on libuv's pool).
 * @throws (rejects) ZsclError E_IO for a missing or unreadable file, E_FORMAT for an empty one.
 */
export async function readSourceBytes(source: string | Uint8Array, name: string): Promise<Uint8Array> {
  const bytes = typeof source === 'string' ? await readFileBytesAsync(source) : source;
  if (!(bytes instanceof Uint8Array)) throw argumentError('decodeImage', 'a path, bytes or raw pixels', bytes);
  if (bytes.length === 0) throw new ZsclError(`cannot decode image ${name}: the file is empty (0 bytes)`, 'E_FORMAT');
  return bytes;
}

/** The sharp constructor options every decode uses. */
export function sharpInput(options: DecodeOptions): sharp.SharpOptions {
  return {
    // Truncated files fail like Pillow's "image file is truncated"; libjpeg's benign warnings
    // (extraneous bytes, ...) do not, as they do not in Pillow.
    failOn: 'truncated',
    limitInputPixels: maxPixelsOf(options),
    ignoreIcc: true,
  };
}

/** The pixel limit of `options` (default {@link DEFAULT_MAX_PIXELS}). Sync. @throws ZsclError E_ARG for a non-positive limit. */
export function maxPixelsOf(options: DecodeOptions): number {
  const limit = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isSafeInteger(limit) || limit < 1) throw argumentError('decodeImage', 'maxPixels to be a positive integer', limit);
  return limit;
}

/** Wraps a sharp/libvips failure as E_FORMAT naming the image; ZsclErrors pass through. */
export function decodeError(name: string, error: unknown): ZsclError {
  if (error instanceof ZsclError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ZsclError(`cannot decode image ${name}: ${message.trim()}`, 'E_FORMAT', { cause: error });
}

/**
 * Checks a {@link RawImage} and returns it as {@link Pixels}. Sync.
 * @throws ZsclError E_ARG for bad sizes or channels, E_SHAPE when the data does not fill them.
 */
export function rawPixels(image: RawImage, name: string): Pixels {
  const { data, width, height, channels } = image;
  if (!(data instanceof Uint8Array)) throw argumentError(`raw image ${name}`, 'data to be a Uint8Array', data);
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new ZsclError(
      `raw image ${name}: expected positive integer width and height but received ${describeValue(width)} × ${describeValue(height)}`,
      'E_ARG',
    );
  }
  if (channels !== 1 && channels !== 3) throw argumentError(`raw image ${name}`, '1 or 3 channels', channels);
  if (data.length !== width * height * channels) {
    throw new ZsclError(`raw image ${name}: ${width}×${height}×${channels} needs ${width * height * channels} bytes but data has ${data.length}`, 'E_SHAPE');
  }
  return { data, width, height, channels };
}

/**
 * Decodes `source` to full-size pixels, 1 channel for greyscale images and 3 for everything
 * else, converted as Pillow's `convert("RGB")` does. Async (sharp decodes on its threads).
 * @throws (rejects) ZsclError E_FORMAT naming the image for corrupt, truncated, empty,
 *   unsupported or oversized images; E_IO for unreadable files.
 */
export async function decodePixels(source: ImageSource, options: DecodeOptions = {}): Promise<Pixels> {
  const name = sourceName(source, options);
  if (isRawImage(source)) return rawPixels(source, name);
  const bytes = await readSourceBytes(source, name);
  try {
    const input = sharpInput(options);
    const meta = await sharp(bytes, input).metadata();
    const orient = (image: sharp.Sharp) => (options.autoOrient === false ? image : image.autoOrient());
    if (meta.space === 'cmyk') {
      const { data, info } = await orient(sharp(bytes, input)).pipelineColourspace('cmyk').toColourspace('cmyk').raw().toBuffer({ resolveWithObject: true });
      return cmykToRgb(data, info.width, info.height, info.channels);
    }
    // Greyscale stays one channel (sharp would otherwise widen it to sRGB): a third of the work later.
    const grey = meta.space === 'b-w' || meta.space === 'grey16';
    const pipeline = orient(sharp(bytes, input));
    const { data, info } = await (grey ? pipeline.toColourspace('b-w') : pipeline).raw().toBuffer({ resolveWithObject: true });
    return dropAlpha(data, info.width, info.height, info.channels);
  } catch (error) {
    throw decodeError(name, error);
  }
}

/**
 * Decodes `source` to full-size RGB (always 3 channels), as Pillow's `Image.open(f).convert("RGB")`
 * (plus EXIF orientation unless `autoOrient: false`). Async.
 * @throws (rejects) as {@link decodePixels}.
 */
export async function decodeImage(source: ImageSource, options: DecodeOptions = {}): Promise<Pixels> {
  const pixels = await decodePixels(source, options);
  return pixels.channels === 3 ? pixels : greyToRgb(pixels);
}

function greyToRgb(p: Pixels): Pixels {
  const out = new Uint8Array(p.width * p.height * 3);
  for (let i = 0, j = 0; i < p.data.length; i++, j += 3) out[j] = out[j + 1] = out[j + 2] = p.data[i];
  return { data: out, width: p.width, height: p.height, channels: 3 };
}

/** Grey+alpha → grey and RGBA → RGB by dropping alpha, as Pillow does (no compositing). */
export function dropAlpha(data: Uint8Array, width: number, height: number, channels: number): Pixels {
  if (channels === 1 || channels === 3) return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height, channels };
  const keep = channels === 2 ? 1 : 3;
  if (channels !== 2 && channels !== 4) throw new ZsclError(`decodeImage: unexpected ${channels}-channel pixels`, 'E_FORMAT');
  const n = width * height;
  const out = new Uint8Array(n * keep);
  for (let i = 0, j = 0, k = 0; i < n; i++, k += channels) for (let c = 0; c < keep; c++) out[j++] = data[k + c];
  return { data: out, width, height, channels: keep };
}

/** Pillow's cmyk2rgb: out = (255 − K) − (C·(255 − K))/255 with its MULDIV255 rounding. */
export function cmykToRgb(data: Uint8Array, width: number, height: number, channels: number): Pixels {
  if (channels !== 4) throw new ZsclError(`decodeImage: expected 4 CMYK channels but sharp returned ${channels}`, 'E_FORMAT');
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const nk = 255 - data[i * 4 + 3];
    for (let c = 0; c < 3; c++) {
      const t = data[i * 4 + c] * nk + 128;
      out[i * 3 + c] = nk - (((t >> 8) + t) >> 8);
    }
  }
  return { data: out, width, height, channels: 3 };
}
