/**
 * Images → one normalised float32 NCHW tensor: the batch tensor is made once and each image is
 * decoded, transformed and normalised (concurrently, on libuv's threads) straight into its slot.
 * JPEGs that libjpeg decodes as Pillow does take the native path (native-jpeg.ts); the rest are
 * decoded by sharp (image-pipeline.ts) and normalised natively into their slot.
 */
import { ZsclError, describeValue } from '../errors';
import { empty } from '../tensor/create';
import { currentScope, keep } from '../tensor/scope';
import type { Tensor } from '../tensor/tensor';
import type { DecodeOptions, ImageSource } from './decode';
import { isRawImage, maxPixelsOf, readSourceBytes, sourceName } from './decode';
import { readImageHeader } from './image-header';
import type { PlanFor } from './image-pipeline';
import { transformPixels } from './image-pipeline';
import { JPEG_NAME, closeSlot, jpegIntoSlot, nativeJpegAvailable, openSlot, pixelsIntoSlot } from './native-jpeg';
import type { Slot } from './native-jpeg';
import { normalizeTable, writeNormalized } from './normalize';
import { SeededRandom } from './random';
import type { ImageTransform } from './transform';
import { evalPlan, trainPlan } from './transform';

/** Where a training crop's random draws come from: the stream (seed, 'crop', epoch, index). */
export interface CropKey {
  seed: number;
  epoch: number;
  index: number;
}

/** The geometry of `transform` (train transforms draw from the stream of `key`). Sync. */
export function planFor(transform: ImageTransform, key: CropKey | undefined): PlanFor {
  if (transform.kind === 'eval') return (width, height) => evalPlan(width, height, transform.size);
  if (!key) throw new ZsclError('planFor: a train transform needs a seed (its crops are random)', 'E_ARG');
  return (width, height) => trainPlan(width, height, transform, new SeededRandom(key.seed, 'crop', key.epoch, key.index));
}

/**
 * Decodes and transforms one image into `out` at `offset` (3 × size × size floats). Async.
 * @throws (rejects) as {@link transformPixels}.
 */
export async function preprocessInto(out: Float32Array, offset: number, source: ImageSource, transform: ImageTransform, key: CropKey | undefined, options: DecodeOptions = {}): Promise<void> {
  const pixels = await transformPixels(source, planFor(transform, key), options);
  writeNormalized(out, offset, pixels, tableFor(transform));
}

/**
 * Decodes and transforms one image into sample `index` of `batch` (float32 [B, 3, size, size]).
 * Async. The caller must not read `batch` before the returned promise settles.
 * @throws (rejects) as {@link transformPixels}.
 */
export async function preprocessIntoBatch(batch: Tensor, index: number, source: ImageSource, transform: ImageTransform, key: CropKey | undefined, options: DecodeOptions = {}): Promise<void> {
  const name = sourceName(source, options);
  const maxPixels = maxPixelsOf(options);
  const slot = openSlot(batch.handle, index);
  try {
    let input = source;
    if (!isRawImage(source) && nativeJpegAvailable()) {
      const done = await tryNativeJpeg(slot, source, transform, key, { name, maxPixels, autoOrient: options.autoOrient !== false });
      if (done === true) return;
      if (done) input = done; // the bytes, already read
    }
    const pixels = await transformPixels(input, planFor(transform, key), { ...options, name });
    await pixelsIntoSlot(slot, pixels, transform);
  } finally {
    closeSlot(slot);
  }
}

/**
 * The native JPEG path when it applies: true when the image was written; else the bytes if they
 * were read (so the general path does not read the file again), or undefined.
 */
async function tryNativeJpeg(slot: Slot, source: string | Uint8Array, transform: ImageTransform, key: CropKey | undefined, options: { name: string; maxPixels: number; autoOrient: boolean }): Promise<true | Uint8Array | undefined> {
  const path = typeof source === 'string';
  if (path && !JPEG_NAME.test(source)) return undefined;
  // The evaluation plan depends only on the size, which the native side reads from the header:
  // it reads the file too, sparing this thread the reads and the buffer.
  if (path && transform.kind === 'eval') return (await jpegIntoSlot(slot, source, transform.size, transform, options)) || undefined;
  const bytes = await readSourceBytes(source, options.name);
  const header = readImageHeader(bytes);
  if (header?.format !== 'jpeg' || !header.plain || (header.orientation !== 1 && options.autoOrient)) return bytes;
  const plan = transform.kind === 'eval' ? transform.size : planFor(transform, key)(header.width, header.height);
  return (await jpegIntoSlot(slot, bytes, plan, transform, options)) || bytes;
}

/** Options of {@link preprocessBatch}. */
export interface PreprocessOptions extends DecodeOptions {
  /** Seed of the random crops of a train transform (required for it; ignored for eval). */
  seed?: number;
  /** Images decoded at the same time (default 4). */
  concurrency?: number;
}

/**
 * Decodes, transforms and normalises `sources` into one float32 tensor [N, 3, size, size]. The
 * i-th train crop draws from the stream (seed, 'crop', 0, i). Async.
 * @throws (rejects) ZsclError E_FORMAT/E_IO naming the first image that fails, E_ARG for bad options.
 */
export async function preprocessBatch(sources: readonly ImageSource[], transform: ImageTransform, options: PreprocessOptions = {}): Promise<Tensor> {
  if (!Array.isArray(sources)) throw new ZsclError(`preprocessBatch: expected an array of images but received ${describeValue(sources)}`, 'E_ARG');
  const concurrency = options.concurrency ?? 4;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new ZsclError(`preprocessBatch: expected concurrency >= 1 but received ${describeValue(concurrency)}`, 'E_ARG');
  if (transform.kind === 'train' && options.seed === undefined) throw new ZsclError('preprocessBatch: a train transform needs options.seed', 'E_ARG');
  const size = transform.size;
  maxPixelsOf(options); // a bad limit is an argument error before any image is read
  // Out of any scope until complete: the caller's scope adopts the finished batch.
  const batch = keep(empty([sources.length, 3, size, size]));
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < sources.length && !failed) {
      const i = next++;
      const key = options.seed === undefined ? undefined : { seed: options.seed, epoch: 0, index: i };
      try {
        await preprocessIntoBatch(batch, i, sources[i], transform, key, { ...options, name: options.name ?? `image ${i}` });
      } catch (error) {
        failed = true; // the other workers stop taking images
        throw error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, sources.length) }, worker));
  } catch (error) {
    batch.dispose(); // ops still running write into views that hold the memory themselves
    throw error;
  }
  currentScope()?.track(batch);
  return batch;
}

const tables = new WeakMap<ImageTransform, ReturnType<typeof normalizeTable>>();

/** The normalisation table of a transform, built once per transform object. */
function tableFor(transform: ImageTransform): ReturnType<typeof normalizeTable> {
  let table = tables.get(transform);
  if (!table) {
    table = normalizeTable(transform.mean, transform.std);
    tables.set(transform, table);
  }
  return table;
}
