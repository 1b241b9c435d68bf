/**
 * Pillow's bicubic resampling (`Image.resize(size, BICUBIC)` on 8-bit images), reproduced
 * bit for bit: Keys cubic with a = −0.5, the support widened by the downscale factor
 * (antialiasing), weights renormalised where the window leaves the image, 22-bit fixed-point
 * weights, a horizontal pass rounded to 8 bits, then a vertical pass. libvips enlarges with a
 * different kernel alignment, so enlargements (small images brought up to 224) come here;
 * reductions go to sharp, which matches Pillow to within a grey level or two and is much faster.
 *
 * Only the output pixels inside `outputBox` are computed, which is what a resize followed by a
 * crop needs: the values are identical to resizing everything and cropping.
 */

const PRECISION_BITS = 22;
const ROUNDING = 1 << (PRECISION_BITS - 1);
const MAX_SUM = 256 * (1 << PRECISION_BITS);
const SCALE = 1 << PRECISION_BITS;

/** A rectangle in pixels. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Interleaved 8-bit pixels. */
export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/**
 * Resamples the region `sourceBox` of `source` (treated as an image of its own, like
 * `image.crop(box)`) to `width` × `height`, and returns the part `outputBox` of the result.
 * Sync; the cost is proportional to the output box.
 */
export function resampleBicubic(source: Pixels, sourceBox: Box, width: number, height: number, outputBox: Box): Pixels {
  const c = source.channels;
  const horizontal = weights(sourceBox.width, width, outputBox.left, outputBox.width);
  const vertical = weights(sourceBox.height, height, outputBox.top, outputBox.height);
  // Rows of the source region the vertical pass reads.
  const firstRow = vertical.start[0];
  const lastRow = vertical.start[outputBox.height - 1] + vertical.count[outputBox.height - 1];
  const rows = lastRow - firstRow;

  // Pillow skips a pass whose size does not change (no rounding step): mirror that.
  const needHorizontal = width !== sourceBox.width;
  const needVertical = height !== sourceBox.height;

  const rowStride = outputBox.width * c;
  let temp: Uint8Array;
  if (needHorizontal) {
    temp = new Uint8Array(rows * rowStride);
    horizontalPass(source, sourceBox, firstRow, rows, horizontal, outputBox.width, temp);
  } else {
    temp = copyRegion(source, sourceBox.left + outputBox.left, sourceBox.top + firstRow, outputBox.width, rows);
  }
  if (!needVertical) {
    return {
      data: temp.subarray((outputBox.top - firstRow) * rowStride, (outputBox.top - firstRow + outputBox.height) * rowStride),
      width: outputBox.width,
      height: outputBox.height,
      channels: c,
    };
  }
  const out = new Uint8Array(outputBox.height * rowStride);
  // Row by row: accumulate whole source rows times one weight (long, simple loops V8 runs fast).
  const sums = new Float64Array(rowStride);
  for (let y = 0; y < outputBox.height; y++) {
    const first = vertical.start[y] - firstRow;
    const count = vertical.count[y];
    const k0 = y * vertical.size;
    sums.fill(ROUNDING);
    for (let k = 0; k < count; k++) {
      const weight = vertical.weight[k0 + k];
      const row = (first + k) * rowStride;
      for (let i = 0; i < rowStride; i++) sums[i] += temp[row + i] * weight;
    }
    const o = y * rowStride;
    for (let i = 0; i < rowStride; i++) out[o + i] = clip8(sums[i]);
  }
  return { data: out, width: outputBox.width, height: outputBox.height, channels: c };
}

interface Weights {
  start: Int32Array;
  count: Int32Array;
  weight: Int32Array;
  size: number;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for outputs [first, first + n). */
function weights(inSize: number, outSize: number, first: number, n: number): Weights {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const size = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(n);
  const count = new Int32Array(n);
  const weight = new Int32Array(n * size);
  const raw = new Float64Array(size);
  const inverse = 1 / filterScale; // Pillow multiplies by the reciprocal; dividing can differ in the last bit
  for (let i = 0; i < n; i++) {
    const centre = (first + i + 0.5) * scale;
    let xmin = Math.trunc(centre - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(centre + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = cubic((x + xmin - centre + 0.5) * inverse);
      raw[x] = w;
      total += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = total !== 0 ? raw[x] / total : raw[x];
      weight[i * size + x] = w < 0 ? Math.trunc(-0.5 + w * SCALE) : Math.trunc(0.5 + w * SCALE);
    }
    start[i] = xmin;
    count[i] = xmax;
  }
  return { start, count, weight, size };
}

/** Keys cubic convolution kernel, a = −0.5 (Pillow's bicubic_filter). */
function cubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

function clip8(sum: number): number {
  if (sum >= MAX_SUM) return 255;
  if (sum <= 0) return 0;
  return sum >> PRECISION_BITS; // 0 < sum < 2^30 here, so the shift is exact
}

function horizontalPass(source: Pixels, box: Box, firstRow: number, rows: number, w: Weights, outWidth: number, temp: Uint8Array): void {
  const c = source.channels;
  const src = source.data;
  const stride = source.width * c;
  let q = 0;
  for (let y = 0; y < rows; y++) {
    const rowStart = (box.top + firstRow + y) * stride + box.left * c;
    for (let x = 0; x < outWidth; x++) {
      const count = w.count[x];
      const k0 = x * w.size;
      let p = rowStart + w.start[x] * c;
      if (c === 3) {
        let r = ROUNDING;
        let g = ROUNDING;
        let b = ROUNDING;
        for (let k = 0; k < count; k++, p += 3) {
          const kw = w.weight[k0 + k];
          r += src[p] * kw;
          g += src[p + 1] * kw;
          b += src[p + 2] * kw;
        }
        temp[q++] = clip8(r);
        temp[q++] = clip8(g);
        temp[q++] = clip8(b);
      } else {
        for (let ch = 0; ch < c; ch++) {
          let sum = ROUNDING;
          for (let k = 0, pp = p + ch; k < count; k++, pp += c) sum += src[pp] * w.weight[k0 + k];
          temp[q++] = clip8(sum);
        }
      }
    }
  }
}

function copyRegion(source: Pixels, left: number, top: number, width: number, height: number): Uint8Array {
  const c = source.channels;
  const out = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * source.width + left) * c;
    out.set(source.data.subarray(from, from + width * c), y * width * c);
  }
  return out;
}
