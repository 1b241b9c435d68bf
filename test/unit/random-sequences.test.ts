import assert from 'node:assert/strict';
import { SeededRandom } from '../../lib/data/random';
import { Rng } from '../../lib/demo/world/random';

function draws(n: number, draw: () => number): number[] {
  return Array.from({ length: n }, draw);
}

// The first values of every seeded sequence zscl draws, printed by the generators as they were
// before they shared lib/random/xoshiro128.ts: the demo model's pretraining data, the loaders'
// crops and orders must not move.
describe('random: pinned sequences', () => {
  it('SeededRandom (data pipeline streams)', () => {
    const s = new SeededRandom(42, 'crop', 3, 'x');
    assert.deepEqual(
      draws(6, () => s.nextUint32()),
      [3693318776, 2292196289, 362344819, 279067151, 1853350760, 673835017],
    );
    assert.deepEqual(
      draws(3, () => s.float()),
      [0.09429806844293365, 0.8173435912037784, 0.8152438687822687],
    );
    assert.deepEqual(
      draws(4, () => s.int(-5, 1000)),
      [151, 705, 110, 547],
    );
    assert.deepEqual(new SeededRandom(7, 'order', 0).permutation(10), [2, 3, 7, 6, 9, 1, 5, 4, 0, 8]);
  });

  it('Rng (demo world)', () => {
    const r = Rng.fromSeed('test:shapes');
    assert.deepEqual(
      draws(6, () => r.nextUint32()),
      [1564584890, 1771760005, 2054714332, 507031371, 3305057200, 2725136834],
    );
    assert.deepEqual(
      draws(3, () => r.float()),
      [0.3870708455797285, 0.24089408898726106, 0.02339557628147304],
    );
    assert.deepEqual(
      draws(4, () => r.int(1000)),
      [86, 203, 387, 205],
    );
    assert.deepEqual(Rng.fromSeed(12345).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), [8, 2, 4, 3, 9, 5, 6, 7, 0, 1]);
    assert.deepEqual(r.fork().state(), [2910551360, 4037796559, 698114761, 2382924491]);
  });
});
