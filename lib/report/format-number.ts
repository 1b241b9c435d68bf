/** How numbers look in pages and charts (files that are read back, CSV and JSON, keep full precision). */

/** `value` rounded to `digits` decimals; a value that rounds to zero never shows as "-0.0". Sync. */
export function formatNumber(value: number, digits = 1): string {
  const text = value.toFixed(digits);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}
