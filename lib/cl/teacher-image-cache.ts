/**
 * Teacher image features per reference image. ZSCL's teacher is frozen and its reference images
 * go through the deterministic val transform, so an image's teacher features are the same at
 * every draw: computing them once is exact (up to float rounding of a different batch split;
 * docs/method.md §2.3). The reference recomputes them every step; with a bounded reference pool
 * that is most of the teacher's work. Holds at most `capacity` images; images beyond it are
 * encoded at every draw, as without the cache.
 */
import { ZsclError } from '../errors';
import { noGrad } from '../tensor/autograd';
import { cat, tensor, zeros } from '../tensor/create';
import { keep } from '../tensor/scope';
import type { Tensor } from '../tensor/tensor';

/** Identity of a reference image: the same key always means the same pixels. */
export type ImageKey = number | string;

export class TeacherImageCache {
  private readonly rows = new Map<ImageKey, number>();
  private store: Tensor | undefined;
  /** Images encoded by the teacher / served from the cache, since creation. */
  encoded = 0;
  served = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0)
      throw new ZsclError(`teacher image cache: expected a capacity >= 0 but received ${capacity}`, 'E_CONFIG');
  }

  get size(): number {
    return this.rows.size;
  }

  /**
   * The teacher features of `images` (row i has key `keys[i]`), in row order: cached rows are
   * gathered, the others encoded with `encode` (which must not build a graph) and remembered
   * while there is room. Without keys every row is encoded. Async.
   */
  async features(images: Tensor, keys: readonly ImageKey[] | undefined, encode: (images: Tensor) => Promise<Tensor>): Promise<Tensor> {
    if (!keys) {
      this.encoded += images.shape[0];
      return encode(images);
    }
    if (keys.length !== images.shape[0]) throw new ZsclError(`teacher image cache: ${keys.length} keys for ${images.shape[0]} images`, 'E_SHAPE');
    const missing: number[] = [];
    keys.forEach((key, i) => {
      if (!this.rows.has(key)) missing.push(i);
    });
    this.served += keys.length - missing.length;
    this.encoded += missing.length;
    if (missing.length === keys.length && this.rows.size >= this.capacity) return encode(images);
    let fresh: Tensor | undefined;
    if (missing.length > 0) {
      fresh = await encode(missing.length === keys.length ? images : images.indexSelect(0, indexTensor(missing, images)));
      this.remember(
        missing.map((i) => keys[i]),
        fresh,
      );
    }
    return noGrad(() => {
      if (keys.every((key) => this.rows.has(key)))
        return this.store!.indexSelect(
          0,
          indexTensor(
            keys.map((key) => this.rows.get(key)!),
            this.store!,
          ),
        );
      // Out of room: the cached rows, then the fresh ones, put back into row order.
      const cached = keys.map((_, i) => i).filter((i) => !missing.includes(i));
      const parts =
        cached.length > 0
          ? [
              this.store!.indexSelect(
                0,
                indexTensor(
                  cached.map((i) => this.rows.get(keys[i])!),
                  this.store!,
                ),
              ),
              fresh!,
            ]
          : [fresh!];
      const order = [...cached, ...missing];
      const inverse = new Array<number>(order.length);
      order.forEach((row, position) => (inverse[row] = position));
      return cat(parts, 0).indexSelect(0, indexTensor(inverse, fresh!));
    });
  }

  /** Forgets every image (a new teacher or a new reference set). */
  clear(): void {
    this.rows.clear();
    this.store?.dispose();
    this.store = undefined;
  }

  private remember(keys: ImageKey[], features: Tensor): void {
    const room = this.capacity - this.rows.size;
    const rows: number[] = [];
    const newKeys: ImageKey[] = [];
    keys.forEach((key, i) => {
      if (newKeys.length < room && !this.rows.has(key) && !newKeys.includes(key)) {
        rows.push(i);
        newKeys.push(key);
      }
    });
    if (rows.length === 0) return;
    noGrad(() => {
      const first = this.rows.size;
      this.reserve(first + rows.length, features);
      const source = rows.length === features.shape[0] ? features : features.indexSelect(0, indexTensor(rows, features));
      this.store!.slice(0, first, first + rows.length).copy_(source);
    });
    for (const key of newKeys) this.rows.set(key, this.rows.size);
  }

  // Grows the store by doubling (up to the capacity), keeping the rows written so far.
  private reserve(rows: number, like: Tensor): void {
    const have = this.store?.shape[0] ?? 0;
    if (rows <= have) return;
    const grown = keep(zeros([Math.min(this.capacity, Math.max(rows, 2 * have, 256)), like.shape[1]], { dtype: like.dtype, device: like.device }));
    if (this.store) {
      grown.slice(0, 0, this.rows.size).copy_(this.store.slice(0, 0, this.rows.size));
      this.store.dispose();
    }
    this.store = grown;
  }
}

function indexTensor(values: number[], like: Tensor): Tensor {
  return tensor(Int32Array.from(values), { shape: [values.length], dtype: 'int64', device: like.device });
}
