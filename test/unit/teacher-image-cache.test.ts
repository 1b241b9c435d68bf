import assert from 'node:assert/strict';
import type { Tensor } from '../../lib';
import { ClipModel, manualSeed, randint, randn, tensor } from '../../lib';
import { stepListener } from '../../lib/cl/plugin';
import { ContinualTrainer } from '../../lib/cl/trainer';
import { DistillationPlugin } from '../../lib/cl/plugins/distillation';
import { L2AnchorPlugin } from '../../lib/cl/plugins/l2-anchor';
import { TeacherImageCache } from '../../lib/cl/teacher-image-cache';
import { keep } from '../../lib/tensor/scope';
import { coded } from '../support/errors';
import { TINY_CLIP_CONFIG as TINY } from '../support/fixtures';

// A per-row "teacher": row i of the result depends on row i of the input only.
function rowEncoder(): { encode: (images: Tensor) => Promise<Tensor>; rows: number[] } {
  const rows: number[] = [];
  return {
    rows,
    encode: async (images) => {
      rows.push(images.shape[0]);
      return images.flatten(1).slice(1, 0, 4).mul(2);
    },
  };
}

describe('TeacherImageCache', () => {
  const pool = randn([8, 3, 2, 2]);
  const batch = (keys: number[]) => pool.indexSelect(0, tensor(keys, { dtype: 'int64' }));
  const expected = (keys: number[]) => Array.from(batch(keys).flatten(1).slice(1, 0, 4).mul(2).data() as Float32Array);

  it('encodes each key once and returns every row in batch order', async () => {
    const cache = new TeacherImageCache(100);
    const teacher = rowEncoder();
    for (const keys of [
      [0, 1, 2, 3],
      [2, 3, 4, 5],
      [5, 4, 1, 0],
      [7, 2, 6, 3],
    ]) {
      const out = await cache.features(batch(keys), keys, teacher.encode);
      assert.deepEqual(Array.from(out.data() as Float32Array), expected(keys), `keys ${keys}`);
    }
    assert.deepEqual(teacher.rows, [4, 2, 2]);
    assert.equal(cache.size, 8);
    assert.deepEqual({ encoded: cache.encoded, served: cache.served }, { encoded: 8, served: 8 });
  });

  it('beyond its capacity encodes the rest at every draw, still in batch order', async () => {
    const cache = new TeacherImageCache(3);
    const teacher = rowEncoder();
    for (const keys of [
      [0, 1, 2, 3],
      [3, 0, 4, 1],
      [4, 3, 2, 1],
    ]) {
      const out = await cache.features(batch(keys), keys, teacher.encode);
      assert.deepEqual(Array.from(out.data() as Float32Array), expected(keys), `keys ${keys}`);
    }
    assert.equal(cache.size, 3);
    assert.deepEqual(teacher.rows, [4, 2, 2]); // 3 and 4 never get a row
  });

  it('capacity 0 encodes everything; clear() forgets; bad input is coded', async () => {
    const off = new TeacherImageCache(0);
    const teacher = rowEncoder();
    await off.features(batch([0, 1]), [0, 1], teacher.encode);
    await off.features(batch([0, 1]), [0, 1], teacher.encode);
    assert.deepEqual(teacher.rows, [2, 2]);
    const cache = new TeacherImageCache(10);
    await cache.features(batch([0, 1]), [0, 1], teacher.encode);
    cache.clear();
    await cache.features(batch([0, 1]), [0, 1], teacher.encode);
    assert.deepEqual(teacher.rows, [2, 2, 2, 2]);
    await cache.features(batch([0, 1]), undefined, teacher.encode); // no keys: encoded, not kept
    assert.deepEqual(teacher.rows, [2, 2, 2, 2, 2]);
    assert.equal(cache.encoded, 6);
    await assert.rejects(cache.features(batch([0, 1]), [0], teacher.encode), coded('E_SHAPE', '1 keys for 2 images'));
    assert.throws(() => new TeacherImageCache(-1), coded('E_CONFIG'));
  });
});

describe('DistillationPlugin with a keyed reference stream', function () {
  this.timeout(60000);

  // Tiny ZSCL steps over a reference pool of 2 batches; returns the per-step losses and the plugin.
  async function train(cacheImages: number): Promise<{ losses: number[][]; plugin: DistillationPlugin }> {
    manualSeed(5);
    const model = ClipModel.create(TINY, { seed: 5 });
    const pool = [keep(randn([4, 3, 32, 32])), keep(randn([4, 3, 32, 32]))];
    const texts = keep(randint(1, TINY.vocabSize - 2, [6, TINY.contextLength]));
    const classTokens = keep(randint(1, TINY.vocabSize - 2, [3, TINY.contextLength]));
    let drawn = 0;
    let keys: number[] | undefined;
    const references = {
      next: async () => {
        const b = drawn++ % 2;
        keys = [0, 1, 2, 3].map((i) => 4 * b + i);
        return pool[b].clone();
      },
      lastKeys: () => keys,
    };
    const plugin = new DistillationPlugin({ teacher: 'initial', images: () => references, texts: () => texts, teacherImageCache: cacheImages });
    const losses: number[][] = [];
    const record = stepListener((e) => void losses.push([e.trace.ce as number, e.trace.distill_img as number, e.trace.distill_txt as number]));
    const trainer = new ContinualTrainer(model, { plugins: [new L2AnchorPlugin(1), plugin, record] });
    const batches = { next: async () => ({ images: randn([4, 3, 32, 32]), labels: randint(0, 3, [4]) }) };
    await trainer.trainTask({ name: 't', classNames: ['a', 'b', 'c'], classTokens, batches, iterations: 5, lr: 1e-3, warmup: 1 }, 0);
    await trainer.end();
    model.dispose();
    return { losses, plugin };
  }

  it('serves repeated reference images from the cache with the losses of encoding them every step', async () => {
    const cached = await train(100);
    const uncached = await train(0);
    assert.deepEqual(cached.plugin.teacherImageStats, { encoded: 8, served: 16 });
    assert.deepEqual(uncached.plugin.teacherImageStats, { encoded: 24, served: 0 });
    assert.equal(cached.losses.length, 6);
    cached.losses.forEach((row, it) =>
      row.forEach((v, k) =>
        assert.ok(Math.abs(v - uncached.losses[it][k]) <= 1e-6 * Math.max(1, Math.abs(v)), `step ${it} term ${k}: ${v} vs ${uncached.losses[it][k]}`),
      ),
    );
  });
});
