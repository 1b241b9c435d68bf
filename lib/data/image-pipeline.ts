/**
 * Decode + resize + crop of one image, as few native calls as possible. An 8-bit RGB or grey
 * JPEG/PNG without orientation (the common case) takes one sharp call: decode → (crop) → bicubic
 * reduction → crop when it shrinks, or a plain decode when it grows. Everything else is decoded to
 * Pillow-RGB pixels first (see decode.ts). Reductions go to sharp (within a grey level or two of
 * Pillow), enlargements to the exact native Pillow resampler (resample.ts), whose cost is bounded by
 * the output size.
 */
import sharp from 'sharp';
import { ZsclError } from '../errors';
import { decodeError, decodePixels, dropAlpha, isRawImage, maxPixelsOf, rawPixels, readSourceBytes, sharpInput, sourceName } from './decode';
import type { DecodeOptions, ImageSource } from './decode';
import { readImageHeader } from './image-header';
import type { Box, Pixels } from './resample';
import { resampleBicubic } from './resample';
import type { ResizePlan } from './transform';

/** Chooses the geometry once the (oriented) image size is known. */
export type PlanFor = (width: number, height: number) => ResizePlan;

/**
 * The pixels of `plan(width, height)` applied to `source`: 1 channel for greyscale sources, else 3
 * (interleaved, 8-bit). Async.
 * @throws (rejects) ZsclError E_FORMAT naming the image when it cannot be decoded or is larger than
 *   `maxPixels`; E_IO when the file cannot be read.
 */
export async function transformPixels(source: ImageSource, planFor: PlanFor, options: DecodeOptions = {}): Promise<Pixels> {
  const name = sourceName(source, options);
  if (isRawImage(source)) return applyPlan(rawPixels(source, name), planFor, name);
  const bytes = await readSourceBytes(source, name);
  const header = readImageHeader(bytes);
  if (header?.plain && (header.orientation === 1 || options.autoOrient === false)) {
    const limit = maxPixelsOf(options);
    if (header.width * header.height > limit) {
      throw new ZsclError(`cannot decode image ${name}: ${header.width}×${header.height} pixels exceeds the limit of ${limit} (maxPixels)`, 'E_FORMAT');
    }
    const plan = planFor(header.width, header.height);
    try {
      const image = sharp(bytes, sharpInput(options));
      if (shrinks(plan)) return await runPlan(image, plan, header, header.channels === 1);
      // Enlargement: decode as is (the header already says it needs no conversion), resample exactly.
      const { data, info } = await (header.channels === 1 ? image.toColourspace('b-w') : image).raw().toBuffer({ resolveWithObject: true });
      const pixels = dropAlpha(data, info.width, info.height, info.channels);
      // Trust the decoded size over the header's, should they ever differ.
      const fitted = pixels.width === header.width && pixels.height === header.height ? plan : planFor(pixels.width, pixels.height);
      return await resampleBicubic(pixels, fitted);
    } catch (error) {
      throw decodeError(name, error);
    }
  }
  return applyPlan(await decodePixels(bytes, { ...options, name }), planFor, name);
}

async function applyPlan(pixels: Pixels, planFor: PlanFor, name: string): Promise<Pixels> {
  const plan = planFor(pixels.width, pixels.height);
  if (!shrinks(plan)) return resampleBicubic(pixels, plan);
  try {
    const raw = sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels as 1 | 3 } });
    return await runPlan(raw, plan, pixels, pixels.channels === 1);
  } catch (error) {
    throw decodeError(name, error);
  }
}

/** True when neither axis grows and at least one shrinks: sharp's reducer matches Pillow there. */
function shrinks(plan: ResizePlan): boolean {
  const { width, height } = plan.sourceBox;
  return plan.width <= width && plan.height <= height && (plan.width < width || plan.height < height);
}

async function runPlan(image: sharp.Sharp, plan: ResizePlan, source: Size, grey: boolean): Promise<Pixels> {
  const { sourceBox, outputBox } = plan;
  let pipeline = image;
  if (!coversAll(sourceBox, source)) pipeline = pipeline.extract(sourceBox);
  // fastShrinkOnLoad would decode JPEGs at 1/2, 1/4 scale: faster, but further from Pillow.
  pipeline = pipeline.resize(plan.width, plan.height, { kernel: 'cubic', fit: 'fill', fastShrinkOnLoad: false });
  if (!coversAll(outputBox, plan)) pipeline = pipeline.extract(outputBox);
  if (grey) pipeline = pipeline.toColourspace('b-w'); // sharp would widen grey to sRGB
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return dropAlpha(data, info.width, info.height, info.channels);
}

interface Size {
  width: number;
  height: number;
}

/** True when `box` is the whole of an image of `size`. */
function coversAll(box: Box, size: Size): boolean {
  return box.left === 0 && box.top === 0 && box.width === size.width && box.height === size.height;
}
