/**
 * torchvision's float32 normalisation (`ToTensor`: v/255, then `Normalize`: (x − mean)/std, each
 * step rounded to float32) as a 256-entry table per channel: the oracle the native normalisation
 * (native/image/normalize.cc) is checked against.
 */

/** Per-channel tables of the normalised value of each byte. */
export type NormalizeTable = readonly [Float32Array, Float32Array, Float32Array];

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
