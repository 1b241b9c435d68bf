/**
 * Signed distance functions of the world's shapes, in object units: the object's centre is the
 * origin, its radius is 1, x points right and y DOWN (image rows). Negative inside, positive
 * outside, |value| = distance to the outline (exact, or a tight bound for unions), so the
 * renderer gets anti-aliasing for free: coverage = clamp(0.5 - distance_in_pixels).
 * Every shape fits in the unit circle (up to ~6 % for the square), so rotation never makes an
 * object overlap its neighbours. Formulas after Inigo Quilez's 2D distance functions (MIT).
 */
import type { ShapeName } from './vocabulary';

export type DistanceFunction = (x: number, y: number) => number;

function length(x: number, y: number): number {
  return Math.sqrt(x * x + y * y); // Math.hypot is several times slower in V8
}

function box(x: number, y: number, hx: number, hy: number): number {
  const qx = Math.abs(x) - hx;
  const qy = Math.abs(y) - hy;
  return length(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0);
}

const SQRT3 = Math.sqrt(3);

/** Upward equilateral triangle with circumradius 1, its bounding box centred on the origin. */
function triangle(x: number, y: number): number {
  const r = SQRT3 / 2; // half side for circumradius 1
  // iq's sdEquilateralTriangle works with y up and the centroid at the origin (then adds r/sqrt3
  // itself); the box centre is 0.25 above the centroid.
  let px = Math.abs(x) - r;
  let py = -y + 0.25 + r / SQRT3;
  if (px + SQRT3 * py > 0) {
    const nx = (px - SQRT3 * py) / 2;
    const ny = (-SQRT3 * px - py) / 2;
    px = nx;
    py = ny;
  }
  px -= Math.min(Math.max(px, -2 * r), 0);
  return -length(px, py) * Math.sign(py);
}

/** Five-pointed star, outer radius 1, pointing up, its box (y from -0.9 to 0.9) centred. */
function star(x: number, y: number): number {
  const r = 1;
  const rf = 0.45; // inner / outer radius
  const k1x = 0.809016994375;
  const k1y = -0.587785252292;
  const k2x = -k1x;
  const k2y = k1y;
  let px = Math.abs(x);
  let py = -(y - 0.1);
  let d = 2 * Math.max(k1x * px + k1y * py, 0);
  px -= d * k1x;
  py -= d * k1y;
  d = 2 * Math.max(k2x * px + k2y * py, 0);
  px -= d * k2x;
  py -= d * k2y;
  px = Math.abs(px);
  py -= r;
  const bax = rf * -k1y;
  const bay = rf * k1x - 1;
  const h = Math.min(Math.max((px * bax + py * bay) / (bax * bax + bay * bay), 0), r);
  return length(px - bax * h, py - bay * h) * Math.sign(py * bax - px * bay);
}

/**
 * Heart: iq's sdHeart spans x in ±0.60, y in [0, 1.10] (y up) and lies within 0.674 of its box
 * centre (0, 0.55); scale by A so that becomes 0.95 object units.
 */
function heart(x: number, y: number): number {
  const a = 0.674 / 0.95;
  const px = Math.abs(x) * a;
  const py = -y * a + 0.55;
  let d: number;
  if (py + px > 1) {
    d = length(px - 0.25, py - 0.75) - Math.SQRT2 / 4;
  } else {
    const m = 0.5 * Math.max(px + py, 0);
    d = Math.sqrt(Math.min(px * px + (py - 1) ** 2, (px - m) ** 2 + (py - m) ** 2)) * Math.sign(px - py);
  }
  return d / a;
}

/** Hexagon with a corner at the top and bottom, circumradius 1. */
function hexagon(x: number, y: number): number {
  const kx = -0.866025404;
  const ky = 0.5;
  const kz = 0.577350269;
  const r = 0.866025404; // apothem for circumradius 1
  let px = Math.abs(y); // rotate 90°: iq's hexagon has pointy sides left/right of the y axis
  let py = Math.abs(x);
  const d = 2 * Math.min(kx * px + ky * py, 0);
  px -= d * kx;
  py -= d * ky;
  px -= Math.min(Math.max(px, -kz * r), kz * r);
  py -= r;
  return length(px, py) * Math.sign(py);
}

/** Rhombus twice as tall as wide (a playing-card diamond). */
function diamond(x: number, y: number): number {
  const bx = 0.68;
  const by = 1;
  const px = Math.abs(x);
  const py = Math.abs(y);
  const ndot = (bx - 2 * px) * bx - (by - 2 * py) * by;
  const h = Math.min(Math.max(ndot / (bx * bx + by * by), -1), 1);
  const d = length(px - 0.5 * bx * (1 - h), py - 0.5 * by * (1 + h));
  return d * Math.sign(px * by + py * bx - bx * by);
}

/** The distance function of each shape. */
export const SHAPE_DISTANCE: Readonly<Record<ShapeName, DistanceFunction>> = {
  circle: (x, y) => length(x, y) - 0.95,
  square: (x, y) => box(x, y, 0.75, 0.75),
  // Centring their boxes moves a corner out to 1.14 (triangle) and 1.08 (star): scale back in.
  triangle: (x, y) => triangle(x / 0.9, y / 0.9) * 0.9,
  star: (x, y) => star(x / 0.95, y / 0.95) * 0.95,
  heart,
  cross: (x, y) => Math.min(box(x, y, 0.95, 0.3), box(x, y, 0.3, 0.95)),
  hexagon,
  ring: (x, y) => Math.abs(length(x, y) - 0.72) - 0.24,
  diamond,
  // A crescent: a disc minus an offset disc; max(a, -b) is a tight bound near the outline.
  moon: (x, y) => Math.max(length(x, y) - 0.95, -(length(x - 0.42, y + 0.2) - 0.78)),
};
