/**
 * 8-bit pixels → normalised float32 CHW, with torchvision's float32 arithmetic
 * (`ToTensor`: v/255, then `Normalize`: (x − mean)/std, each step rounded to float32). A 256-entry
 * table per channel makes it one lookup per value.
 */
import { ZsclError } from '../errors';
import type { Pixels } from './resample';

/** Per-channel tables of the normalised value of each byte. */
export type NormalizeTable = readonly [Float32Array, Float32Array, Float32Array];

/** The lookup tables for `mean` and `std`. Sync. */
export function normalizeTable(mean: readonly number[], std: readonly number[]): NormalizeTable {
  const table = (c: number) => {
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    const t = new Float32Array(256);
    for (let v = 0; v < 256; v++) t[v] = Math.fround(Math.fround(Math.fround(v / 255) - m) / s);
    return t;
  };
  return [table(0), table(1), table(2)];
}

/**
 * Writes `pixels` (1 or 3 interleaved channels; grey is replicated to RGB) into `out` from
 * `offset` as 3 planes (CHW). Sync.
 * @throws ZsclError E_SHAPE when `out` has no room for 3 × width × height values at `offset`.
 */
export function writeNormalized(out: Float32Array, offset: number, pixels: Pixels, table: NormalizeTable): void {
  const n = pixels.width * pixels.height;
  if (offset < 0 || offset + 3 * n > out.length) throw new ZsclError(`writeNormalized: ${3 * n} values do not fit at offset ${offset} of ${out.length}`, 'E_SHAPE');
  const src = pixels.data;
  const [r, g, b] = table;
  const p0 = offset;
  const p1 = offset + n;
  const p2 = offset + 2 * n;
  // One sequential pass over the pixels, writing the three planes together.
  if (pixels.channels === 1) {
    for (let i = 0; i < n; i++) {
      const v = src[i];
      out[p0 + i] = r[v];
      out[p1 + i] = g[v];
      out[p2 + i] = b[v];
    }
    return;
  }
  if (pixels.channels !== 3) throw new ZsclError(`writeNormalized: expected 1 or 3 channels but received ${pixels.channels}`, 'E_SHAPE');
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[p0 + i] = r[src[j]];
    out[p1 + i] = g[src[j + 1]];
    out[p2 + i] = b[src[j + 2]];
  }
}
