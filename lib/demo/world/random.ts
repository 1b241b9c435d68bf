/**
 * The world's seeded random numbers: the xoshiro128** core of lib/random seeded by a splitmix32
 * sequence from one 32-bit seed, with 32-bit floats. Every platform draws the same sequence from
 * the same seed — the rendered world, its captions and every fixed test set are reproducible byte
 * for byte.
 */
import { ZsclError, describeValue } from '../../errors';
import { Xoshiro128, shuffleInPlace, splitmix32 } from '../../random/xoshiro128';

/** 32-bit FNV-1a of a string: turns labels ("test:shapes") into seeds. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A seeded pseudo-random stream (xoshiro128**). Synchronous; not cryptographic.
 * Construct with {@link Rng.fromSeed}; derive independent streams with {@link Rng.fork}.
 */
export class Rng extends Xoshiro128 {
  /**
   * A stream seeded by an unsigned 32-bit integer or a string (hashed).
   * @throws ZsclError E_ARG when the seed is not an integer in [0, 2^32) or a string.
   */
  static fromSeed(seed: number | string): Rng {
    let s: number;
    if (typeof seed === 'string') s = hashString(seed);
    else if (Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff) s = seed;
    else {
      throw new ZsclError(`Rng.fromSeed: expected an integer in [0, 2^32) or a string for seed but received ${describeValue(seed)}`, 'E_ARG');
    }
    // splitmix32 spreads the seed over the four state words so nearby seeds decorrelate.
    const words: number[] = [];
    for (let i = 0; i < 4; i++, s = (s + 0x9e3779b9) | 0) words.push(splitmix32(s));
    // The all-zero state is the one state xoshiro can never leave.
    if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
    return new Rng(words[0], words[1], words[2], words[3]);
  }

  /**
   * A stream resuming from a state saved by {@link Rng.state} (for checkpoint/resume).
   * @throws ZsclError E_ARG unless given four 32-bit integers, not all zero.
   */
  static fromState(state: readonly number[]): Rng {
    const valid =
      Array.isArray(state) && state.length === 4 && state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) && state.some((w) => w !== 0);
    if (!valid) {
      throw new ZsclError(`Rng.fromState: expected four unsigned 32-bit integers, not all zero, but received ${describeValue(state)}`, 'E_ARG');
    }
    return new Rng(state[0] | 0, state[1] | 0, state[2] | 0, state[3] | 0);
  }

  /** The current state as four unsigned 32-bit integers; {@link Rng.fromState} continues from it. */
  state(): [number, number, number, number] {
    return this.stateWords();
  }

  /** A float uniform in [0, 1) with 32 random bits. */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A float uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** An integer uniform in [0, n); n must be a positive integer (not checked: hot path). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    return shuffleInPlace(items, (n) => this.int(n));
  }

  /** A new independent stream seeded from this one's next draw (advances this stream once). */
  fork(): Rng {
    return Rng.fromSeed(this.nextUint32());
  }
}
