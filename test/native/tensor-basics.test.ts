import assert from 'node:assert/strict';
import { arange, memory, ones, tensor, tidy, zeros } from '../../lib';

describe('tensor basics', () => {
  it('creates from nested arrays and reads back', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.equal(t.device, 'cpu');
    assert.deepEqual(t.toArray(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    t.dispose();
  });

  it('frees intermediates in tidy', () => {
    const before = memory().tensors;
    const kept = tidy(() =>
      zeros([3])
        .add(ones([3]))
        .mul(arange(3, undefined, 1, { dtype: 'float32' })),
    );
    assert.equal(memory().tensors, before + 1);
    assert.deepEqual(kept.toArray(), [0, 1, 2]);
    kept.dispose();
    assert.equal(memory().tensors, before);
  });
});
