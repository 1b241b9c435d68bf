/**
 * Viridis, the perceptually uniform colormap of matplotlib (CC0, by van der Walt, Smith and
 * Firing): dark purple for low values through teal to yellow for high ones. Lightness rises
 * monotonically, so the order of values survives greyscale printing and colour-vision deficiency.
 */

// Entries 0, 16, 32, ..., 255 of matplotlib's 256-entry `_viridis_data`; linear interpolation
// between them stays within 6/255 of the full table.
const VIRIDIS_STOPS = [
  '#440154',
  '#48186a',
  '#472d7b',
  '#424086',
  '#3b528b',
  '#33638d',
  '#2c728e',
  '#26828e',
  '#21918c',
  '#1f9f88',
  '#27ad81',
  '#3dbc74',
  '#5cc863',
  '#81d34d',
  '#aadc32',
  '#d5e21a',
  '#fde725',
];

/** An sRGB colour with channels 0..255. */
export type Rgb = [number, number, number];

function parseHex(hex: string): Rgb {
  return [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16)) as Rgb;
}

const STOPS_RGB = VIRIDIS_STOPS.map(parseHex);

/** `#rrggbb` of an sRGB colour. Sync. */
export function toHex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** Viridis at `t` in 0..1 (clamped; NaN counts as 0) as sRGB. Sync. */
export function viridisRgb(t: number): Rgb {
  const x = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t)) * (STOPS_RGB.length - 1);
  const k = Math.min(Math.floor(x), STOPS_RGB.length - 2);
  const f = x - k;
  const [a, b] = [STOPS_RGB[k], STOPS_RGB[k + 1]];
  return [0, 1, 2].map((c) => a[c] + (b[c] - a[c]) * f) as Rgb;
}

/** Viridis at `t` in 0..1 as `#rrggbb`. Sync. */
export function viridis(t: number): string {
  return toHex(viridisRgb(t));
}

/** WCAG relative luminance (0 black .. 1 white) of an sRGB colour. Sync. */
export function relativeLuminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Black or white, whichever is more legible on `background` (by WCAG contrast). Sync. */
export function textColorOn(background: Rgb): '#000000' | '#ffffff' {
  const l = relativeLuminance(background);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
}

/** Evenly spaced `#rrggbb` stops for an SVG gradient from t = 0 to t = 1. Sync. */
export function viridisGradientStops(): { offset: number; color: string }[] {
  return VIRIDIS_STOPS.map((color, k) => ({ offset: k / (VIRIDIS_STOPS.length - 1), color }));
}
