import assert from 'node:assert/strict';
import { Optimizer } from '../../lib/cl/optimizer';
import { ones } from '../../lib/tensor/create';

describe('Optimizer checkpoint state', () => {
  it('a parameter with no state yet has no buffers in the saved state, and the state restores', () => {
    const used = ones([2, 2], { requiresGrad: true });
    const unused = ones([3], { requiresGrad: true });
    const optimizer = new Optimizer([used, unused], { kind: 'adamw' });
    used.mul(used).sum().backward();
    optimizer.step(0.1);
    const saved = optimizer.saveState();
    try {
      assert.deepEqual(Object.keys(saved.tensors ?? {}).sort(), ['first.0', 'second.0']);
      assert.deepEqual(saved.json, { kind: 'adamw', steps: [1, 0], hasFirst: [true, false], hasSecond: [true, false] });
      const copy = new Optimizer([ones([2, 2], { requiresGrad: true }), ones([3], { requiresGrad: true })], { kind: 'adamw' });
      copy.loadState(saved);
      const again = copy.saveState();
      assert.deepEqual(again.json, saved.json);
      assert.deepEqual(again.tensors!['first.0'].toArray(), saved.tensors!['first.0'].toArray());
      for (const t of Object.values(again.tensors ?? {})) t.dispose();
      copy.dispose();
    } finally {
      for (const t of Object.values(saved.tensors ?? {})) t.dispose();
      optimizer.dispose();
      used.dispose();
      unused.dispose();
    }
  });
});
