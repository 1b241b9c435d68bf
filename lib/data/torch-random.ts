/**
 * PyTorch's CPU random permutation, reproduced in TypeScript so that dataset splits made by the
 * reference (`torch.utils.data.random_split(ds, [n_train, n_test],
 * generator=torch.Generator().manual_seed(42))`) can be made identically here, without touching
 * libtorch's global generator. torch's CPU generator is MT19937; `randperm` is a forward
 * Fisher–Yates swap with `random() % (n - i)`.
 */
import { ZsclError, argumentError } from '../errors';

/** The 32-bit Mersenne Twister as seeded by `torch.Generator().manual_seed(seed)`. Sync. */
export class MersenneTwister {
  private readonly state = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw argumentError('MersenneTwister', 'a non-negative integer seed', seed);
    // torch keeps the low 32 bits of the seed.
    this.state[0] = seed % 4294967296;
    for (let i = 1; i < 624; i++) {
      const prev = this.state[i - 1] ^ (this.state[i - 1] >>> 30);
      this.state[i] = Math.imul(1812433253, prev) + i;
    }
  }

  /** The next 32-bit output. */
  next(): number {
    if (this.index >= 624) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const s = this.state;
    for (let i = 0; i < 624; i++) {
      const y = (s[i] & 0x80000000) | (s[(i + 1) % 624] & 0x7fffffff);
      s[i] = s[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }
}

/**
 * `torch.randperm(n, generator=torch.Generator().manual_seed(seed))` (CPU). Sync.
 * @throws ZsclError E_ARG for a negative or non-integer n or seed, or n ≥ 2^32.
 */
export function torchRandperm(n: number, seed: number): number[] {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 4294967296) throw argumentError('torchRandperm', '0 <= n < 2^32', n);
  const generator = new MersenneTwister(seed);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n - 1; i++) {
    const z = generator.next() % (n - i);
    const tmp = perm[i];
    perm[i] = perm[z + i];
    perm[z + i] = tmp;
  }
  return perm;
}

/**
 * The index lists of `torch.utils.data.random_split(range(n), lengths, generator=
 * torch.Generator().manual_seed(seed))`: one permutation, cut into consecutive pieces. Sync.
 * @throws ZsclError E_ARG when the lengths are not non-negative integers summing to n.
 */
export function torchRandomSplit(n: number, lengths: readonly number[], seed: number): number[][] {
  const total = lengths.reduce((sum, length) => sum + length, 0);
  if (!lengths.every((length) => Number.isSafeInteger(length) && length >= 0) || total !== n) {
    throw new ZsclError(`torchRandomSplit: expected lengths summing to ${n} but received [${lengths.join(', ')}]`, 'E_ARG');
  }
  const perm = torchRandperm(n, seed);
  const pieces: number[][] = [];
  let offset = 0;
  for (const length of lengths) {
    pieces.push(perm.slice(offset, offset + length));
    offset += length;
  }
  return pieces;
}
