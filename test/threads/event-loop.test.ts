/**
 * The Promise forms run on worker threads: while a chain of async matmul/linear/conv2d/backward
 * runs for about 2 s, a setInterval on the main thread keeps ticking (max lag < 50 ms).
 */
import assert from 'node:assert/strict';
import type { Tensor } from '../../lib';
import { F, manualSeed, memory, noGrad, randn, tidy, tidyAsync } from '../../lib';

/** Ticks every `period` ms and records how late each tick came. */
function lagMonitor(period = 5) {
  let last = performance.now();
  let maxLag = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - period);
    last = now;
    ticks++;
  }, period);
  return {
    stop: () => {
      clearInterval(timer);
      return { maxLag, ticks };
    },
  };
}

describe('threads: the event loop keeps ticking during async work', function () {
  this.timeout(60_000);

  it('a ~2 s chain of async matmul, linear, conv2d and backward: setInterval max lag < 50 ms', async () => {
    manualSeed(0);
    const before = memory().tensors;
    const w = randn([384, 384], { requiresGrad: true });
    const kernel = randn([8, 3, 5, 5], { requiresGrad: true });
    const x = randn([256, 384]);
    const images = randn([8, 3, 48, 48]);
    const monitor = lagMonitor();
    const start = performance.now();
    let steps = 0;
    while (performance.now() - start < 2000) {
      await tidyAsync(async () => {
        const h = await F.linearAsync(x, w);
        const y = await h.matmulAsync(w);
        const maps = await F.conv2dAsync(images, kernel, undefined, { padding: 2 });
        const loss = F.mseLoss(y, x).add(maps.square().mean());
        await loss.backwardAsync();
      });
      // the parameter update is a few small sync ops
      noGrad(() =>
        tidy(() => {
          w.sub_((w.grad as Tensor).mul(1e-4));
          kernel.sub_((kernel.grad as Tensor).mul(1e-4));
        }),
      );
      w.setGrad(null);
      kernel.setGrad(null);
      steps++;
    }
    const elapsed = performance.now() - start;
    const { maxLag, ticks } = monitor.stop();
    console.log(`      ${steps} async steps in ${elapsed.toFixed(0)} ms; ${ticks} ticks, max lag ${maxLag.toFixed(1)} ms`);
    assert.ok(steps >= 3, `the chain ran (${steps} steps)`);
    assert.ok(maxLag < 50, `max setInterval lag ${maxLag.toFixed(1)} ms`);
    for (const t of [w, kernel, x, images]) t.dispose();
    assert.equal(memory().tensors, before);
  });

  it('several async ops in flight at once all settle, in any order', async () => {
    const a = randn([200, 200]);
    const results = await Promise.all(Array.from({ length: 8 }, () => a.matmulAsync(a)));
    const expected = tidy(() => a.matmul(a).sum().item());
    for (const r of results) {
      assert.ok(Math.abs(tidy(() => r.sum().item()) - expected) <= 1e-3 * Math.abs(expected));
      r.dispose();
    }
    a.dispose();
  });
});
