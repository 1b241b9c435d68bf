/**
 * The CIL class order of a benchmark config's `cil.orderSeed`: a Fisher–Yates shuffle of 0 … n−1
 * driven by a 32-bit xorshift (13, 17, 5). Kept only so existing configs keep their class order:
 * [cil] replaces it with the class orders the reference ships, and then this file goes.
 */
import { shuffleInPlace } from './xoshiro128';

/** The class order 0 … n−1 shuffled by the xorshift stream of `seed` (0 acts as 1). Sync. */
export function xorshiftClassOrder(n: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  return shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    (bound) => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) % bound;
    },
  );
}
