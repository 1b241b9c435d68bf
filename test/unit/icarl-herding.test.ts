/**
 * iCaRL herding against numpy (Rebuffi et al. 2017, Algorithm 4): `herding()` on given features,
 * and the exemplar memory the iCaRL plugin builds from the just-trained model's features: per
 * task memorySize/t exemplars, split evenly over its classes, each class in herding order, the
 * classes interleaved so that truncating the list for a later task keeps every class.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { manualSeed, randn, writeSafetensors } from '../../lib';
import type { RawTensor } from '../../lib';
import { ClipModel } from '../../lib/clip/model';
import type { TaskContext } from '../../lib/cl/plugin';
import { ICarlPlugin, herding } from '../../lib/cl/plugins/icarl';
import type { ExampleSource } from '../../lib/cl/task';
import { colourTask, shapeTask } from '../../lib/demo/world';
import { tensor } from '../../lib/tensor/create';
import { noGrad } from '../../lib/tensor/autograd';
import { pythonHas, runPluginOracle } from '../support/python-oracle';

const raw = (data: Float32Array | BigInt64Array, shape: number[]): RawTensor => ({
  dtype: data instanceof Float32Array ? 'F32' : 'I64',
  shape,
  bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
});

/** numpy's herding picks per class (indices into the whole set), for `count` exemplars a class. */
function oracleHerding(file: string, features: Float32Array, labels: number[], count: number): Map<number, number[]> {
  const dim = features.length / labels.length;
  writeSafetensors(file, { features: raw(features, [labels.length, dim]), labels: raw(BigInt64Array.from(labels, BigInt), [labels.length]) });
  const picks = JSON.parse(runPluginOracle('herding', file, count)) as Record<string, number[]>;
  return new Map(Object.entries(picks).map(([c, list]) => [Number(c), list]));
}

/** Unit-norm rows of a [n, dim] float tensor. */
function unitRows(t: ReturnType<typeof randn>): Float32Array {
  const unit = t.normalize();
  const data = Float32Array.from(unit.data() as Float32Array);
  unit.dispose();
  return data;
}

describe('iCaRL herding against numpy', function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-herding-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  before(function () {
    if (!pythonHas('numpy')) this.skip();
  });

  it('herding() picks what Algorithm 4 picks, in the same order', () => {
    manualSeed(5);
    const n = 40;
    const dim = 16;
    const x = randn([n, dim]);
    const features = unitRows(x);
    x.dispose();
    const rows = Array.from({ length: n }, (_, i) => features.subarray(i * dim, (i + 1) * dim));
    for (const count of [1, 7, n]) {
      const expected = oracleHerding(path.join(dir, `plain-${count}.safetensors`), features, new Array<number>(n).fill(0), count).get(0);
      assert.deepEqual(herding(rows, dim, count), expected, `count ${count}`);
    }
    // More than there are: every sample once.
    assert.deepEqual(
      [...herding(rows, dim, n + 5)].sort((a, b) => a - b),
      [...Array(n).keys()],
    );
  });

  it("the plugin's exemplar memory: herding per class on the student's features, memorySize/t per task", async () => {
    const model = ClipModel.create('tiny', { seed: 3 });
    const worldTasks = [shapeTask({ size: 32, classes: ['circle', 'square', 'triangle'] }), colourTask({ size: 32, classes: ['red', 'green', 'blue'] })];
    const count = 30;
    const sets = worldTasks.map((t) => t.testSet(count));
    const examples = (k: number): ExampleSource => ({
      length: count,
      load: async (indices) => {
        const per = 3 * 32 * 32;
        const images = new Float32Array(indices.length * per);
        indices.forEach((i, j) => images.set(sets[k].images.subarray(i * per, (i + 1) * per), j * per));
        return {
          images: tensor(images, { shape: [indices.length, 3, 32, 32] }),
          labels: tensor(Int32Array.from(indices.map((i) => sets[k].labels[i])), { dtype: 'int64' }),
        };
      },
    });
    const memorySize = 12;
    const plugin = new ICarlPlugin({
      memorySize,
      batchSize: 4,
      examples,
      texts: () => {
        throw new Error('texts are not needed for herding');
      },
    });
    /** The student's unit-norm image features of all `count` examples of task k (one batch, as the plugin reads them). */
    const studentFeatures = async (k: number): Promise<Float32Array> => {
      const batch = await examples(k).load([...Array(count).keys()]);
      const f = noGrad(() => model.encodeImage(batch.images));
      const data = unitRows(f);
      for (const t of [batch.images, batch.labels, f]) t.dispose();
      return data;
    };
    /** Classes interleaved: round r holds every class's r-th exemplar. */
    const interleave = (task: number, picks: Map<number, number[]>, perClass: number) =>
      Array.from({ length: perClass }, (_, r) => [...picks.keys()].sort((a, b) => a - b).map((c) => ({ task, index: picks.get(c)![r] }))).flat();
    try {
      const ctx = (k: number) =>
        ({ student: model, initial: model, logitScale: 1, task: { name: `t${k}` }, taskIndex: k, trainable: new Map() }) as unknown as TaskContext;

      await plugin.afterTask(ctx(0));
      const labels0 = Array.from(sets[0].labels);
      const task0 = interleave(0, oracleHerding(path.join(dir, 'task0.safetensors'), await studentFeatures(0), labels0, 4), 4);
      assert.deepEqual(plugin.exemplars(), task0, 'task 0: 12 exemplars, 4 per class');

      // The second task: each task keeps memorySize/2, the first task's list cut to its first 6.
      manualSeed(9);
      noGrad(() => {
        for (const p of model.namedParameters().values()) {
          const step = randn(p.shape).mul(0.02);
          p.add_(step);
          step.dispose();
        }
      });
      await plugin.afterTask(ctx(1));
      const labels1 = Array.from(sets[1].labels);
      const task1 = interleave(1, oracleHerding(path.join(dir, 'task1.safetensors'), await studentFeatures(1), labels1, 2), 2);
      assert.deepEqual(plugin.exemplars(), [...task0.slice(0, memorySize / 2), ...task1], 'task 1: 6 + 6 exemplars');
      assert.deepEqual(
        task0.slice(0, 6).map((e) => labels0[e.index]),
        [0, 1, 2, 0, 1, 2],
        "the cut keeps each class's first two",
      );
    } finally {
      plugin.dispose();
      model.dispose();
    }
  });
});
