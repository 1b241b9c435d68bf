/**
 * WiSE-FT's direction: after a task the student is α·θ_finetuned + (1 − α)·θ_task_start, the
 * reference's `param_q * alpha + param_k * (1 - alpha)` with param_q the fine-tuned model
 * (github.com/Thunderbeee/ZSCL mtil/src/models/finetune.py:332-340). Checked bitwise against that
 * line run in PyTorch on the same weights.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTensors, manualSeed, randn, writeSafetensors } from '../../lib';
import type { RawTensor } from '../../lib';
import { ClipModel } from '../../lib/clip/model';
import type { Plugin, TaskContext } from '../../lib/cl/plugin';
import { WiseFtPlugin } from '../../lib/cl/plugins/wise-ft';
import { noGrad } from '../../lib/tensor/autograd';
import { pythonHas, runPluginOracle } from '../support/python-oracle';

type Weights = Map<string, RawTensor>;

function weightsOf(model: ClipModel): Weights {
  return new Map([...model.namedParameters()].map(([name, p]) => [name, { dtype: 'F32', shape: p.shape, bytes: Buffer.from(p.bytes()) }]));
}

/** The values of a raw F32 tensor (copied, so aligned and at offset 0). */
function floats(raw: RawTensor): Float32Array {
  return new Float32Array(Uint8Array.from(raw.bytes).buffer);
}

function taskContext(model: ClipModel): TaskContext {
  return {
    student: model,
    initial: model,
    logitScale: 1,
    task: { name: 't', iterations: 1 },
    taskIndex: 0,
    trainable: model.trainableParameters(),
  } as unknown as TaskContext;
}

describe('WiSE-FT plugin: interpolation direction against the reference in PyTorch', function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-wise-ft-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const alpha of [0.8, 0.3]) {
    it(`alpha ${alpha}: merged = alpha·finetuned + (1 − alpha)·task start`, async function () {
      if (!pythonHas('numpy', 'torch')) this.skip();
      const model = ClipModel.create('tiny', { seed: 1 });
      const plugin: Plugin = new WiseFtPlugin(alpha);
      try {
        const ctx = taskContext(model);
        await plugin.beforeTask?.(ctx);
        const start = weightsOf(model);
        // "Fine-tune": move every parameter by a random amount of its own scale.
        manualSeed(7);
        noGrad(() => {
          for (const p of model.namedParameters().values()) {
            const step = randn(p.shape).mul(0.05);
            p.add_(step);
            step.dispose();
          }
        });
        const finetuned = weightsOf(model);
        await plugin.afterTask?.(ctx);

        const input = path.join(dir, `in-${alpha}.safetensors`);
        const output = path.join(dir, `out-${alpha}.safetensors`);
        writeSafetensors(input, {
          ...Object.fromEntries([...start].map(([n, w]) => [`start.${n}`, w])),
          ...Object.fromEntries([...finetuned].map(([n, w]) => [`finetuned.${n}`, w])),
        });
        runPluginOracle('wise-ft', input, output, alpha);
        const expected = loadTensors(output);
        let moved = 0;
        for (const [name, p] of model.namedParameters()) {
          const want = expected[`merged.${name}`];
          assert.ok(Buffer.from(p.bytes()).equals(Buffer.from(want.bytes())), `${name} differs from the reference formula`);
          want.dispose();
          // The opposite direction, α·start + (1 − α)·finetuned, would land elsewhere.
          const s = floats(start.get(name)!);
          const f = floats(finetuned.get(name)!);
          const got = p.data() as Float32Array;
          for (let i = 0; i < got.length; i++) {
            if (s[i] === f[i]) continue;
            moved++;
            const t = (got[i] - s[i]) / (f[i] - s[i]);
            assert.ok(Math.abs(t - alpha) < 1e-2 || Math.abs(f[i] - s[i]) < 1e-4, `${name}[${i}]: at ${t} of the way from start to fine-tuned`);
          }
        }
        assert.ok(moved > 1000, 'the fine-tuning moved the weights');
      } finally {
        plugin.dispose?.();
        model.dispose();
      }
    });
  }
});
