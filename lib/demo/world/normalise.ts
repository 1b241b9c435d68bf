/**
 * RGB bytes → the float input CLIP expects: NCHW, each channel (v / 255 - mean) / std with OpenAI
 * CLIP's statistics. Done through a 256-entry table per channel, so it costs one lookup per value.
 */
import { ZsclError, describeValue } from '../../errors';

/** OpenAI CLIP's per-channel pixel mean (RGB, on [0, 1] values). */
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
/** OpenAI CLIP's per-channel pixel standard deviation. */
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

const TABLES = CLIP_MEAN.map((mean, c) => {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = (v / 255 - mean) / CLIP_STD[c];
  return table;
});

/**
 * Writes `count` size x size interleaved-RGB images (`rgb`, consecutive) into `out` as normalised
 * NCHW floats, starting at image `firstImage` of `out`. Synchronous.
 * @throws ZsclError E_SHAPE when `rgb` or `out` is too short for the images.
 */
export function normaliseInto(rgb: Uint8Array, count: number, size: number, out: Float32Array, firstImage = 0): void {
  const plane = size * size;
  if (rgb.length < count * plane * 3 || out.length < (firstImage + count) * plane * 3) {
    throw new ZsclError(
      `normaliseInto: ${count} images of ${size}x${size}x3 need ${count * plane * 3} bytes and room for ${(firstImage + count) * plane * 3} floats but received ${rgb.length} bytes and ${out.length} floats`,
      'E_SHAPE',
    );
  }
  const [t0, t1, t2] = TABLES;
  for (let n = 0; n < count; n++) {
    const src = n * plane * 3;
    const dst = (firstImage + n) * plane * 3;
    for (let p = 0; p < plane; p++) {
      out[dst + p] = t0[rgb[src + 3 * p]];
      out[dst + plane + p] = t1[rgb[src + 3 * p + 1]];
      out[dst + 2 * plane + p] = t2[rgb[src + 3 * p + 2]];
    }
  }
}

/**
 * Normalised NCHW floats for `count` consecutive size x size interleaved-RGB images. Synchronous.
 * @throws ZsclError E_ARG for a non-integer count/size, E_SHAPE when `rgb` is too short.
 */
export function normaliseForClip(rgb: Uint8Array, count: number, size: number): Float32Array {
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(size) || size < 1) {
    throw new ZsclError(
      `normaliseForClip: expected non-negative integer count and positive integer size but received ${describeValue(count)} and ${describeValue(size)}`,
      'E_ARG',
    );
  }
  const out = new Float32Array(count * size * size * 3);
  normaliseInto(rgb, count, size, out);
  return out;
}
