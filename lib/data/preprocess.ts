/**
 * Images → one normalised float32 NCHW tensor: each image is decoded and transformed (concurrently,
 * on sharp's threads) straight into its slot of one Float32Array, which is copied once into native
 * memory.
 */
import { ZsclError, describeValue } from '../errors';
import { tensor } from '../tensor/create';
import type { Tensor } from '../tensor/tensor';
import type { DecodeOptions, ImageSource } from './decode';
import type { PlanFor } from './image-pipeline';
import { transformPixels } from './image-pipeline';
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
  const per = 3 * size * size;
  const out = new Float32Array(sources.length * per);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < sources.length && !failed) {
      const i = next++;
      const key = options.seed === undefined ? undefined : { seed: options.seed, epoch: 0, index: i };
      try {
        await preprocessInto(out, i * per, sources[i], transform, key, { ...options, name: options.name ?? `image ${i}` });
      } catch (error) {
        failed = true; // the other workers stop taking images
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, sources.length) }, worker));
  return tensor(out, { shape: [sources.length, 3, size, size] });
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
