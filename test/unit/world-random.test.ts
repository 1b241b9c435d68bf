import assert from 'node:assert/strict';
import { Rng, hashString } from '../../lib/demo/world/random';
import { ZsclError } from '../../lib/errors';

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

describe('demo world: seeded random numbers (xoshiro128**)', () => {
  it('matches the reference C implementation (Blackman & Vigna) from a known state', () => {
    // Values printed by the authors' xoshiro128starstar.c from s = {1, 2, 3, 4}.
    assert.deepEqual(draws(Rng.fromState([1, 2, 3, 4]), 6), [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
    const rng = Rng.fromState([0x9e3779b9, 0xdeadbeef, 0x12345678, 0xffffffff]);
    draws(rng, 1000);
    assert.equal(rng.nextUint32(), 1634835592);
  });

  it('gives the same stream for the same seed and different streams for different seeds', () => {
    assert.deepEqual(draws(Rng.fromSeed(42), 50), draws(Rng.fromSeed(42), 50));
    assert.deepEqual(draws(Rng.fromSeed('task:shapes'), 20), draws(Rng.fromSeed('task:shapes'), 20));
    assert.notDeepEqual(draws(Rng.fromSeed(42), 20), draws(Rng.fromSeed(43), 20));
    assert.notDeepEqual(draws(Rng.fromSeed('a'), 20), draws(Rng.fromSeed('b'), 20));
    assert.equal(hashString('abc'), hashString('abc'));
    assert.notEqual(hashString('abc'), hashString('abd'));
  });

  it('resumes exactly from a saved state', () => {
    const rng = Rng.fromSeed(7);
    draws(rng, 13);
    const saved = rng.state();
    const expected = draws(rng, 30);
    assert.deepEqual(draws(Rng.fromState(saved), 30), expected);
  });

  it('draws integers in range with roughly uniform frequencies', () => {
    const rng = Rng.fromSeed(5);
    const bins = new Array<number>(10).fill(0);
    const n = 50000;
    for (let i = 0; i < n; i++) {
      const v = rng.int(10);
      assert.ok(Number.isInteger(v) && v >= 0 && v < 10);
      bins[v]++;
    }
    // Chi-square with 9 degrees of freedom: 27.9 is the 0.999 quantile.
    const chi2 = bins.reduce((sum, b) => sum + (b - n / 10) ** 2 / (n / 10), 0);
    assert.ok(chi2 < 27.9, `chi-square ${chi2.toFixed(1)} over bins ${bins.join(',')}`);
    for (let i = 0; i < 1000; i++) {
      const f = rng.float();
      assert.ok(f >= 0 && f < 1);
    }
  });

  it('shuffles into a permutation and forks independent streams', () => {
    const rng = Rng.fromSeed(9);
    const items = Array.from({ length: 20 }, (_, i) => i);
    const shuffled = rng.shuffle([...items]);
    assert.notDeepEqual(shuffled, items);
    assert.deepEqual(
      [...shuffled].sort((a, b) => a - b),
      items,
    );
    const parent = Rng.fromSeed(9);
    const child = parent.fork();
    assert.notDeepEqual(draws(child, 10), draws(parent, 10));
  });

  it('rejects bad seeds and states with E_ARG', () => {
    for (const bad of [-1, 1.5, 2 ** 32, Number.NaN, null, {}] as unknown[]) {
      assert.throws(
        () => Rng.fromSeed(bad as number),
        (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG',
      );
    }
    for (const bad of [[0, 0, 0, 0], [1, 2, 3], [1, 2, 3, -4], 'abcd'] as unknown[]) {
      assert.throws(
        () => Rng.fromState(bad as number[]),
        (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG',
      );
    }
  });
});
