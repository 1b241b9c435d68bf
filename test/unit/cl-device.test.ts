import assert from 'node:assert/strict';
import { batchOnDevice, expectOnDevice, onDevice, resolveDevice } from '../../lib/cl/device';
import { ZsclError } from '../../lib/errors';
import { cudaAvailable } from '../../lib/runtime';
import { empty, tensor } from '../../lib/tensor/create';

const coded = (code: string, pattern: RegExp) => (e: unknown) => e instanceof ZsclError && e.code === code && pattern.test(e.message);

describe('benchmark device', () => {
  it('cpu is always usable and moves nothing', () => {
    assert.equal(resolveDevice(undefined), 'cpu');
    assert.equal(resolveDevice('cpu'), 'cpu');
    const t = tensor([1, 2, 3]);
    assert.equal(onDevice(t, 'cpu'), t);
    const batch = { images: t, labels: tensor([0, 1, 2], { dtype: 'int64' }) };
    assert.equal(batchOnDevice(batch, 'cpu'), batch);
    expectOnDevice('step', 'cpu', { 'batch images': t });
    t.dispose();
    batch.labels.dispose();
  });

  it('a malformed device is E_ARG', () => {
    for (const bad of ['gpu', 'cuda:', 'cuda:x', 'CPU']) assert.throws(() => resolveDevice(bad), coded('E_ARG', /expected 'cpu', 'cuda' or 'cuda:N'/), bad);
  });

  it('CUDA on a build or machine without it is E_DEVICE saying so', function () {
    if (cudaAvailable()) this.skip();
    assert.throws(() => resolveDevice('cuda'), coded('E_DEVICE', /device 'cuda': (CUDA is not available in this build|.*no GPU is available)/));
    assert.throws(() => resolveDevice('cuda:1'), coded('E_DEVICE', /device 'cuda:1'/));
  });

  it('a tensor on another device than the model is named with both devices', () => {
    const t = tensor([1]);
    assert.throws(
      () => expectOnDevice('task DTD, step 3', 'cuda:0', { 'batch images': t }),
      coded('E_DEVICE', /task DTD, step 3: batch images is on cpu but the model is on cuda:0/),
    );
    t.dispose();
  });

  it('pinned host memory: pinned where CUDA is, else the same data unpinned (a no-op)', () => {
    const t = tensor([1, 2, 3]);
    const pinned = t.pinMemory();
    assert.equal(pinned.isPinned, cudaAvailable());
    assert.equal(t.isPinned, false);
    assert.deepEqual([...(pinned.data() as Float32Array)], [1, 2, 3]);
    const batch = empty([2, 3], { pinMemory: true });
    assert.equal(batch.isPinned, cudaAvailable());
    assert.deepEqual(batch.shape, [2, 3]);
    // A copy that cannot be asynchronous (host to host) is an ordinary one.
    const moved = pinned.to('float64', { nonBlocking: true });
    assert.deepEqual([...(moved.data() as Float64Array)], [1, 2, 3]);
    // On the CPU, onDevice leaves a pinned tensor as it is.
    assert.equal(onDevice(pinned, 'cpu'), pinned);
    for (const x of [t, pinned, batch, moved]) x.dispose();
  });

  it('pinning is for host tensors only', () => {
    assert.throws(() => empty([2], { pinMemory: true, device: 'cuda' }), coded('E_ARG', /empty: pinned memory is host memory/));
  });
});
