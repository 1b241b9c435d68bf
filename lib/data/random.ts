/**
 * Seeded random numbers for the data pipeline. Every draw comes from a stream named by
 * (seed, ...keys), e.g. (seed, 'crop', epoch, sampleIndex), so a sample's augmentation and an
 * epoch's order never depend on which other samples were drawn first, on prefetch depth or on
 * concurrency. The generator is the xoshiro128** core of lib/random; its state is derived from the
 * key words with splitmix32, so neighbouring keys give unrelated streams.
 */
import { ZsclError, argumentError } from '../errors';
import { Xoshiro128, shuffleInPlace, splitmix32 } from '../random/xoshiro128';

/** A key word of a stream: an integer (up to 2^53) or a short label. */
export type StreamKey = number | string;

const TWO_POW_32 = 4294967296;

/** A deterministic stream of random numbers. Sync; not thread-shared. */
export class SeededRandom extends Xoshiro128 {
  /**
   * The stream named by `seed` and `keys`.
   * @throws ZsclError E_ARG when the seed or a key is not a non-negative safe integer or string.
   */
  constructor(seed: number, ...keys: StreamKey[]) {
    let h = 0x6a09e667;
    const mix = (word: number) => {
      h = splitmix32(h ^ word);
    };
    for (const word of keyWords('seed', seed)) mix(word);
    keys.forEach((key, i) => {
      for (const word of keyWords(`key ${i}`, key)) mix(word);
      mix(0x9e3779b9); // separates ('ab') from ('a', 'b')
    });
    const a = splitmix32(h ^ 0x1);
    const b = splitmix32(a ^ 0x2);
    const c = splitmix32(b ^ 0x3);
    super(a, b, c, splitmix32(c ^ 0x4));
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** A uniform float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  /**
   * A uniform integer in [low, high) (unbiased: rejection sampling).
   * @throws ZsclError E_ARG unless low < high are safe integers with high - low <= 2^32.
   */
  int(low: number, high: number): number {
    const span = high - low;
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || span < 1 || span > TWO_POW_32) {
      throw new ZsclError(`SeededRandom.int: expected integers low < high (span <= 2^32) but received ${low}, ${high}`, 'E_ARG');
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % span);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return low + (x % span);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    return shuffleInPlace(items, (n) => this.int(0, n));
  }

  /** A random permutation of 0 … n−1. */
  permutation(n: number): number[] {
    if (!Number.isSafeInteger(n) || n < 0) throw argumentError('SeededRandom.permutation', 'a count >= 0', n);
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
}

function keyWords(name: string, key: StreamKey): number[] {
  if (typeof key === 'string') {
    const words = [0x5bd1e995, key.length];
    for (let i = 0; i < key.length; i++) words.push(key.charCodeAt(i));
    return words;
  }
  if (typeof key !== 'number' || !Number.isSafeInteger(key) || key < 0) {
    throw argumentError('SeededRandom', `${name} to be a non-negative safe integer or a string`, key);
  }
  return [key % TWO_POW_32, Math.floor(key / TWO_POW_32)];
}
