/**
 * Where a scene's objects go: a single object at its named position, several scattered at random
 * with clear space between them (a jittered grid when random placement jams). Coordinates and
 * radii are fractions of the image side, so layouts are resolution independent.
 */
import type { Rng } from './random';
import { POSITION_OFFSETS } from './vocabulary';
import type { PositionName, SizeName } from './vocabulary';

/** Object radius of a large object, by object count (index); small objects are x0.62. */
const LARGE_RADIUS = [0, 0.3, 0.2, 0.17, 0.155, 0.135, 0.125];
const SMALL_FACTOR = 0.62;
/** Clear space between objects (so they never touch: ~2 px at 32 px). */
export const OBJECT_GAP = 0.07;
/** Clear space between objects and the image border. */
const MARGIN = 0.03;
/** How far a single object may stray from its exact position. */
const WOBBLE = 0.02;

/** Centres, the common radius, and the position of a single object. */
export interface Layout {
  readonly centres: ReadonlyArray<readonly [number, number]>;
  readonly radius: number;
  readonly position?: PositionName;
}

/**
 * Centres for n objects of radius r with OBJECT_GAP between them (random sequential placement), or
 * undefined when it jams: large objects in numbers of 4+ rarely fit, so give up quickly.
 */
function scatter(rng: Rng, n: number, r: number): Array<[number, number]> | undefined {
  const lo = r + MARGIN;
  const hi = 1 - r - MARGIN;
  const minDist2 = (2 * r + OBJECT_GAP) ** 2;
  for (let layout = 0; layout < 4; layout++) {
    const centres: Array<[number, number]> = [];
    for (let attempt = 0; attempt < 40 && centres.length < n; attempt++) {
      const x = rng.range(lo, hi);
      const y = rng.range(lo, hi);
      let free = true;
      for (const [cx, cy] of centres) {
        if ((cx - x) ** 2 + (cy - y) ** 2 < minDist2) {
          free = false;
          break;
        }
      }
      if (free) centres.push([x, y]);
    }
    if (centres.length === n) return centres;
  }
  return undefined;
}

/** Grid fallback when random scattering jams: distinct cells, shrinking r to fit a cell. */
function gridLayout(rng: Rng, n: number, r: number): { centres: Array<[number, number]>; radius: number } {
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const cell = (1 - 2 * MARGIN) / Math.max(cols, rows);
  const radius = Math.min(r, cell / 2 - OBJECT_GAP / 2);
  const slack = cell / 2 - OBJECT_GAP / 2 - radius;
  const cells = rng.shuffle(Array.from({ length: cols * rows }, (_, i) => i)).slice(0, n);
  const centres = cells.map((c): [number, number] => {
    const cx = MARGIN + ((c % cols) + 0.5) * cell + (cols < rows ? (cell * (rows - cols)) / 2 : 0);
    const cy = MARGIN + (Math.floor(c / cols) + 0.5) * cell + (rows < cols ? (cell * (cols - rows)) / 2 : 0);
    return [cx + rng.range(-slack, slack), cy + rng.range(-slack, slack)];
  });
  return { centres, radius };
}

/** Places `n` objects of the given size class. Synchronous. */
export function layoutObjects(rng: Rng, n: number, size: SizeName, positions: readonly PositionName[]): Layout {
  const radius = LARGE_RADIUS[n] * (size === 'small' ? SMALL_FACTOR : 1);
  if (n === 1) {
    const position = rng.pick(positions);
    const [dx, dy] = POSITION_OFFSETS[position];
    const reach = 0.5 - radius - MARGIN;
    const centre = [0.5 + dx * reach + rng.range(-WOBBLE, WOBBLE), 0.5 + dy * reach + rng.range(-WOBBLE, WOBBLE)] as const;
    return { centres: [centre], radius, position };
  }
  const scattered = scatter(rng, n, radius);
  return scattered ? { centres: scattered, radius } : gridLayout(rng, n, radius);
}
