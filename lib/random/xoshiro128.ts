/**
 * The one random generator core of zscl: xoshiro128** (Blackman & Vigna, 2018), seeded through
 * splitmix32. 128 bits of state, period 2^128 − 1, passes BigCrush, and needs nothing but 32-bit
 * integer math, so every platform draws the same sequence from the same seed. The data pipeline's
 * keyed streams (lib/data/random.ts) and the demo world's generator (lib/demo/world/random.ts)
 * derive from it; each keeps its own seeding and its own float/int mapping, so every sequence
 * either drew before they shared this core is unchanged.
 */

/** xoshiro128**: four 32-bit state words and the step; subclasses choose the seeding. Sync. */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** The generator in state (s0, s1, s2, s3); an all-zero state (which xoshiro never leaves) becomes (0, 0, 0, 1). */
  protected constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 | 0;
    this.s1 = s1 | 0;
    this.s2 = s2 | 0;
    this.s3 = (s0 | s1 | s2 | s3) === 0 ? 1 : s3 | 0;
  }

  /** The next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** The current state as four unsigned 32-bit integers. */
  protected stateWords(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }
}

/** The golden-ratio increment of splitmix32. */
const SPLITMIX32_INCREMENT = 0x9e3779b9;

/**
 * splitmix32 of `x`: the bijective 32-bit finaliser applied to x + 0x9e3779b9 (the golden-ratio
 * increment); a splitmix32 sequence is splitmix32(s), splitmix32(s + 0x9e3779b9), ….
 */
export function splitmix32(x: number): number {
  let z = (x + SPLITMIX32_INCREMENT) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Shuffles `items` in place (Fisher–Yates from the last element down, swapping element i with
 * element `below(i + 1)`) and returns it. `below(n)` draws an integer in [0, n).
 */
export function shuffleInPlace<T>(items: T[], below: (n: number) => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = below(i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
