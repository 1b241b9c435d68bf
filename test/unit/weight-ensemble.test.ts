/**
 * The weight ensemble (WE) against the reference in PyTorch: at every `it % avg_freq == 0`
 * (it = 0…iterations) `we_n += 1; WE = (WE·we_n + S)/(1 + we_n)` (github.com/Thunderbeee/ZSCL
 * mtil/src/models/finetune.py:309-320, helpers.py:31-34), so after the task the student holds the
 * uniform mean of the task-start weights and the weights after each sampled step.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTensors, manualSeed, randn, writeSafetensors } from '../../lib';
import type { RawTensor } from '../../lib';
import { ClipModel } from '../../lib/clip/model';
import type { Plugin, StepContext, TaskContext } from '../../lib/cl/plugin';
import { WeightEnsemblePlugin } from '../../lib/cl/plugins/weight-ensemble';
import { noGrad } from '../../lib/tensor/autograd';
import { pythonHas, runPluginOracle } from '../support/python-oracle';

function weightsOf(model: ClipModel, prefix: string): Record<string, RawTensor> {
  return Object.fromEntries(
    [...model.namedParameters()].map(([name, p]) => [`${prefix}.${name}`, { dtype: 'F32', shape: p.shape, bytes: Buffer.from(p.bytes()) }]),
  );
}

/** A stand-in for one optimizer step: every parameter moves by a random amount. */
function trainStep(model: ClipModel): void {
  noGrad(() => {
    for (const p of model.namedParameters().values()) {
      const step = randn(p.shape).mul(0.02);
      p.add_(step);
      step.dispose();
    }
  });
}

describe('weight ensemble plugin: running average against the reference in PyTorch', function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-we-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const { every, iterations } of [
    { every: 3, iterations: 7 },
    { every: 1, iterations: 3 },
  ]) {
    it(`avg_freq ${every}, ${iterations} iterations`, async function () {
      if (!pythonHas('numpy', 'torch')) this.skip();
      const model = ClipModel.create('tiny', { seed: 2 });
      const plugin: Plugin = new WeightEnsemblePlugin(every);
      try {
        const ctx = { student: model, initial: model, logitScale: 1, task: { name: 't', iterations }, taskIndex: 0, trainable: model.trainableParameters() };
        await plugin.beforeTask?.(ctx as unknown as TaskContext);
        let input = weightsOf(model, 'start');
        manualSeed(11);
        const updated: boolean[] = [];
        for (let it = 0; it <= iterations; it++) {
          trainStep(model);
          input = { ...input, ...weightsOf(model, `step${it}`) };
          const trace: Record<string, number | boolean> = {};
          await plugin.afterStep?.({ ...ctx, it, lr: 0, batch: undefined, studentFeatures: () => undefined, trace } as unknown as StepContext);
          updated.push(trace.we_updated === true);
        }
        await plugin.afterTask?.(ctx as unknown as TaskContext);
        assert.deepEqual(
          updated,
          Array.from({ length: iterations + 1 }, (_, it) => it % every === 0),
          'updates at it % avg_freq == 0, it = 0 included',
        );

        const inFile = path.join(dir, `in-${every}.safetensors`);
        const outFile = path.join(dir, `out-${every}.safetensors`);
        writeSafetensors(inFile, input);
        runPluginOracle('we', inFile, outFile, every, iterations);
        const expected = loadTensors(outFile);
        let worst = 0;
        for (const [name, p] of model.namedParameters()) {
          const we = expected[`we.${name}`];
          assert.ok(Buffer.from(p.bytes()).equals(Buffer.from(we.bytes())), `${name}: not the reference's (WE·n + S)/(1 + n) bitwise`);
          const mean = expected[`mean.${name}`].data() as Float64Array;
          const got = p.data() as Float32Array;
          for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - mean[i]) / Math.max(1, Math.abs(mean[i])));
        }
        for (const t of Object.values(expected)) t.dispose();
        assert.ok(worst < 1e-6, `the WE model is the uniform mean of the sampled weights (worst relative error ${worst})`);
      } finally {
        plugin.dispose?.();
        model.dispose();
      }
    });
  }
});
