/**
 * Images → one normalised float32 NCHW tensor: the batch tensor is made once and each image is
 * decoded, transformed and normalised (concurrently, on libuv's threads) straight into its slot.
 * JPEGs that libjpeg decodes as Pillow does take the native path (native-jpeg.ts); the rest are
 * decoded by sharp (image-pipeline.ts) and normalised natively into their slot.
 */
import { ZsclError, argumentError } from '../errors';
import { empty } from '../tensor/create';
import { currentScope, keep } from '../tensor/scope';
import type { Tensor } from '../tensor/tensor';
import type { DecodeOptions, ImageSource } from './decode';
import { isRawImage, maxPixelsOf, readSourceBytes, sourceName } from './decode';
import { readImageHeader } from './image-header';
import type { PlanFor } from './image-pipeline';
import { transformPixels } from './image-pipeline';
import { JPEG_NAME, closeSlot, jpegRunIntoSlots, nativeJpegAvailable, openSlot, pixelsIntoSlot } from './native-jpeg';
import type { JpegRunItem } from './native-jpeg';
import { SeededRandom } from './random';
import type { ImageTransform, ResizePlan } from './transform';
import { evalPlan, trainPlan } from './transform';

/** Where a training crop's random draws come from: the stream (seed, 'crop', epoch, index). */
export interface CropKey {
  seed: number;
  epoch: number;
  index: number;
}

/** The geometry of `transform` (train transforms draw from the stream of `key`). Sync. */
function planFor(transform: ImageTransform, key: CropKey | undefined): PlanFor {
  if (transform.kind === 'eval') return (width, height) => evalPlan(width, height, transform.size);
  if (!key) throw new ZsclError('planFor: a train transform needs a seed (its crops are random)', 'E_ARG');
  return (width, height) => trainPlan(width, height, transform, new SeededRandom(key.seed, 'crop', key.epoch, key.index));
}

/**
 * Decodes and transforms one image into sample `index` of `batch` (float32 [B, 3, size, size]).
 * Async. The caller must not read `batch` before the returned promise settles.
 * @throws (rejects) as {@link transformPixels}.
 */
async function preprocessIntoBatch(
  batch: Tensor,
  index: number,
  source: ImageSource,
  transform: ImageTransform,
  key: CropKey | undefined,
  options: DecodeOptions = {},
): Promise<void> {
  const [outcome] = await preprocessRunIntoBatch(batch, [{ index, source, key, name: sourceName(source, options) }], transform, options);
  if (outcome !== undefined) throw outcome;
}

/** One image of {@link preprocessRunIntoBatch}. */
export interface RunItem {
  /** The sample's index in the batch. */
  index: number;
  source: ImageSource;
  /** The crop key (train transforms). */
  key: CropKey | undefined;
  name: string;
}

/**
 * Decodes and transforms a run of images into their slots of `batch`, one after another: a
 * loader worker's share. The JPEGs of the native path go in one native call (one hand-over to
 * this thread per run, not per image), the rest through the general path. Async; resolves to one
 * outcome per item: undefined when written, else its error (ZsclError E_FORMAT / E_IO naming the
 * image for bad files). The caller must not read `batch` before the promise settles.
 */
export async function preprocessRunIntoBatch(
  batch: Tensor,
  items: readonly RunItem[],
  transform: ImageTransform,
  options: DecodeOptions = {},
): Promise<unknown[]> {
  const outcomes: unknown[] = new Array(items.length).fill(undefined);
  const slots = items.map((item) => openSlot(batch.handle, item.index));
  try {
    const maxPixels = maxPixelsOf(options);
    const autoOrient = options.autoOrient !== false;
    // What is left for the general path, with the bytes when they were read.
    const general: { k: number; input: ImageSource }[] = [];
    const native: { k: number; input: ImageSource; item: JpegRunItem }[] = [];
    for (const [k, item] of items.entries()) {
      try {
        const prepared =
          nativeJpegAvailable() && !isRawImage(item.source) ? await prepareNativeJpeg(item.source, transform, item.key, item.name, autoOrient) : undefined;
        if (prepared?.plan !== undefined)
          native.push({
            k,
            input: prepared.input,
            item: { slot: slots[k], source: prepared.input as string | Uint8Array, plan: prepared.plan, name: item.name },
          });
        else general.push({ k, input: prepared?.input ?? item.source });
      } catch (error) {
        outcomes[k] = error;
      }
    }
    if (native.length > 0) {
      const results = await jpegRunIntoSlots(
        native.map((n) => n.item),
        transform,
        { maxPixels, autoOrient },
      );
      results.forEach((result, j) => {
        if (result === false) general.push({ k: native[j].k, input: native[j].input });
        else if (result !== true) outcomes[native[j].k] = result;
      });
    }
    for (const { k, input } of general) {
      try {
        const pixels = await transformPixels(input, planFor(transform, items[k].key), { ...options, name: items[k].name });
        await pixelsIntoSlot(slots[k], pixels, transform);
      } catch (error) {
        outcomes[k] = error;
      }
    }
  } catch (error) {
    outcomes.fill(error); // an argument error (maxPixels) concerns every image
  } finally {
    for (const slot of slots) closeSlot(slot);
  }
  return outcomes;
}

/**
 * What the native JPEG path needs for one source, or only the input for the general path (the
 * bytes when they had to be read). Evaluation plans of paths need no read here: the worker reads
 * the file and computes the plan from its header.
 */
async function prepareNativeJpeg(
  source: string | Uint8Array,
  transform: ImageTransform,
  key: CropKey | undefined,
  name: string,
  autoOrient: boolean,
): Promise<{ input: ImageSource; plan?: ResizePlan | number }> {
  const path = typeof source === 'string';
  if (path && !JPEG_NAME.test(source)) return { input: source };
  if (path && transform.kind === 'eval') return { input: source, plan: transform.size };
  const bytes = await readSourceBytes(source, name);
  const header = readImageHeader(bytes);
  if (header?.format !== 'jpeg' || !header.plain || (header.orientation !== 1 && autoOrient)) return { input: bytes };
  return { input: bytes, plan: transform.kind === 'eval' ? transform.size : planFor(transform, key)(header.width, header.height) };
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
  if (!Array.isArray(sources)) throw argumentError('preprocessBatch', 'an array of images', sources);
  const concurrency = options.concurrency ?? 4;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw argumentError('preprocessBatch', 'concurrency >= 1', concurrency);
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
