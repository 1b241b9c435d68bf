/**
 * The native image path (native/image): a JPEG decoded by libjpeg exactly as Pillow decodes it,
 * resized by native/image/resample.cc (Pillow's bicubic, bit for bit, reductions and
 * enlargements alike) and normalised with torchvision's float32 arithmetic, on a libuv worker
 * thread, straight into one sample's slot of a batch tensor. Built when CMake found libjpeg;
 * {@link nativeJpegAvailable} says whether this addon has it.
 */
import type { ErrorCode } from '../errors';
import { ZsclError } from '../errors';
import type { NativeHandle } from '../native';
import { native } from '../native';
import type { Pixels } from './resample';
import type { ImageTransform, ResizePlan } from './transform';

let available: boolean | undefined;

/** True when the addon was built with libjpeg (the JPEG fast path exists). Sync. */
export function nativeJpegAvailable(): boolean {
  return (available ??= native().ops.jpegAvailable() === true);
}

/** File names the JPEG path is tried on first (the content decides in the end). */
export const JPEG_NAME = /\.(jpe?g|jpe|jfif)$/i;

/** Where a native image op writes: the view of one sample of a batch tensor [B, 3, S, S]. */
export type Slot = NativeHandle;

/**
 * Opens the slot of sample `index` of `batch` (a handle of its own, a view sharing the batch's
 * memory: see native/image/ops_image.cc for why each op gets one). Dispose it with
 * {@link closeSlot} once the op writing it has settled. Sync.
 */
export function openSlot(batch: NativeHandle, index: number): Slot {
  return native().ops.select(batch, 0, index) as Slot;
}

/** Frees a slot handle. Sync. */
export function closeSlot(slot: Slot): void {
  native().dispose(slot, true);
}

/** The options of {@link jpegRunIntoSlots}. */
export interface JpegRunOptions {
  maxPixels: number;
  autoOrient: boolean;
}

/** One image of {@link jpegRunIntoSlots}. */
export interface JpegRunItem {
  slot: Slot;
  source: string | Uint8Array;
  /** A plan, or the size of the evaluation plan (computed natively from the header). */
  plan: ResizePlan | number;
  name: string;
}

/**
 * Decodes JPEGs (each a path, read on the worker, or its bytes), applies each item's plan (or,
 * given a size, the evaluation plan: shorter side to `size`, centre crop) and writes the
 * normalised planes into the item's slot, one image after another on one libuv worker thread
 * (one hand-over to the main thread per run instead of per image). Async. Resolves to one outcome
 * per item: true (written); false, having written nothing, when the data is not a JPEG that
 * libjpeg decodes as Pillow does (CMYK/YCCK, 12-bit, not a JPEG at all) or needs an EXIF rotation
 * (with autoOrient): the caller then takes the general path; or the ZsclError of that image
 * (E_FORMAT when it is corrupt, truncated or larger than maxPixels; E_IO naming an unreadable path).
 */
export async function jpegRunIntoSlots(items: readonly JpegRunItem[], transform: ImageTransform, options: JpegRunOptions): Promise<(boolean | ZsclError)[]> {
  const args: unknown[] = [normArg(transform), options.maxPixels, options.autoOrient];
  for (const item of items) args.push(item.slot, item.source, typeof item.plan === 'number' ? item.plan : planArray(item.plan), item.name);
  const outcomes = (await native().opAsync('imagesPreprocessInto', ...args)) as unknown as (boolean | [string, string])[];
  return outcomes.map((o) => (typeof o === 'boolean' ? o : new ZsclError(o[1], o[0] as ErrorCode)));
}

/** Writes transformed 8-bit pixels (1 or 3 channels, the slot's size) into `slot`, normalised. Async. */
export async function pixelsIntoSlot(slot: Slot, pixels: Pixels, transform: ImageTransform): Promise<void> {
  await native().opAsync('pixelsNormalizeInto', slot, pixels.data, pixels.width, pixels.height, pixels.channels, normArg(transform));
}

/** A plan as the native ops take it: [source box, width, height, output box] (10 integers). */
export function planArray(p: ResizePlan): number[] {
  const { sourceBox: s, outputBox: o } = p;
  return [s.left, s.top, s.width, s.height, p.width, p.height, o.left, o.top, o.width, o.height];
}

const norms = new WeakMap<ImageTransform, number[]>();

function normArg(transform: ImageTransform): number[] {
  let norm = norms.get(transform);
  if (!norm) norms.set(transform, (norm = [...transform.mean, ...transform.std]));
  return norm;
}
