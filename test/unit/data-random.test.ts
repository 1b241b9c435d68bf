import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SeededRandom } from '../../lib/data/random';
import { MersenneTwister, torchRandomSplit, torchRandperm } from '../../lib/data/torch-random';
import { repoRoot } from '../support/fixtures';

interface TorchRandomFixture {
  randperm: { n: number; seed: number; perm: number[]; truncated: boolean }[];
  split: { n: number; train: number[]; test: number[] }[];
}
const torchValues = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'data', 'formats', 'torch-random.json'), 'utf8')) as TorchRandomFixture;

describe('data: SeededRandom', () => {
  it('gives the same stream for the same seed and keys, different streams otherwise', () => {
    const draw = (r: SeededRandom) => Array.from({ length: 8 }, () => r.nextUint32());
    assert.deepEqual(draw(new SeededRandom(7, 'crop', 3, 12)), draw(new SeededRandom(7, 'crop', 3, 12)));
    const base = draw(new SeededRandom(7, 'crop', 3, 12));
    for (const other of [
      new SeededRandom(8, 'crop', 3, 12),
      new SeededRandom(7, 'crop', 3, 13),
      new SeededRandom(7, 'crop', 4, 12),
      new SeededRandom(7, 'order', 3, 12),
      new SeededRandom(7, 'crop', 312),
    ]) {
      assert.notDeepEqual(draw(other), base);
    }
    // Seeds above 2^32 are distinct from their low 32 bits.
    assert.notDeepEqual(draw(new SeededRandom(2 ** 32 + 1)), draw(new SeededRandom(1)));
  });

  it('draws uniform floats in [0, 1) and unbiased integers', () => {
    const r = new SeededRandom(1);
    const n = 60000;
    let sum = 0;
    const counts = new Array(6).fill(0);
    for (let i = 0; i < n; i++) {
      const x = r.float();
      assert.ok(x >= 0 && x < 1);
      sum += x;
      counts[r.int(0, 6)]++;
    }
    assert.ok(Math.abs(sum / n - 0.5) < 0.01, `mean ${sum / n}`);
    for (const c of counts) assert.ok(Math.abs(c / n - 1 / 6) < 0.01, `counts ${counts}`);
    const u = r.uniform(-3, -2);
    assert.ok(u >= -3 && u < -2);
  });

  it('makes permutations', () => {
    const p = new SeededRandom(5, 'order', 0).permutation(100);
    assert.deepEqual(
      [...p].sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.notDeepEqual(
      p,
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.deepEqual(new SeededRandom(5, 'order', 0).permutation(100), p);
  });

  it('rejects bad seeds and ranges with coded errors', () => {
    assert.throws(() => new SeededRandom(-1), { code: 'E_ARG' });
    assert.throws(() => new SeededRandom(1.5), { code: 'E_ARG' });
    assert.throws(() => new SeededRandom(1, {} as unknown as number), { code: 'E_ARG' });
    assert.throws(() => new SeededRandom(1).int(3, 3), { code: 'E_ARG' });
  });
});

describe('data: torch-compatible randperm and split', () => {
  it('reproduces torch.randperm with a seeded CPU generator', () => {
    for (const c of torchValues.randperm) {
      const perm = torchRandperm(c.n, c.seed);
      assert.deepEqual(c.truncated ? [...perm.slice(0, 50), ...perm.slice(-50)] : perm, c.perm, `n=${c.n} seed=${c.seed}`);
    }
  });

  it('reproduces random_split(range(n), [int(0.8n), rest], manual_seed(42))', () => {
    for (const c of torchValues.split) {
      const [train, test] = torchRandomSplit(c.n, [Math.trunc(0.8 * c.n), c.n - Math.trunc(0.8 * c.n)], 42);
      assert.deepEqual(train, c.train);
      assert.deepEqual(test, c.test);
    }
  });

  it('is the standard MT19937 (reference output for seed 5489)', () => {
    const mt = new MersenneTwister(5489);
    assert.deepEqual([mt.next(), mt.next(), mt.next()], [3499211612, 581869302, 3890346734]);
  });

  it('rejects lengths that do not sum to n', () => {
    assert.throws(() => torchRandomSplit(10, [7, 2], 42), { code: 'E_ARG' });
    assert.throws(() => torchRandperm(-1, 0), { code: 'E_ARG' });
  });
});
