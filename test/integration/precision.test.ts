import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClipModel } from '../../lib/clip/model';
import { Optimizer } from '../../lib/cl/optimizer';
import { runExperiment } from '../../lib/cl/runner';
import { RunFolder } from '../../lib/cl/run-folder';
import { ZsclError } from '../../lib/errors';
import { noGrad } from '../../lib/tensor/autograd';
import { randn, randint, tensor } from '../../lib/tensor/create';
import type { Tensor } from '../../lib/tensor/tensor';
import { manualSeed } from '../../lib/runtime';
import { TINY_CLIP_CONFIG, fixture } from '../support/fixtures';
import { runReferenceFixture } from '../support/reference-run';

// ‖a − b‖ / ‖b‖ over all elements.
function relativeDifference(a: Tensor, b: Tensor): number {
  return noGrad(() => {
    const d = a.sub(b);
    const out = Math.sqrt(d.square().sum().item() / b.square().sum().item());
    d.dispose();
    return out;
  });
}

function sameBits(a: Tensor, b: Tensor): boolean {
  const x = a.data() as Float32Array;
  const y = b.data() as Float32Array;
  return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
}

describe('precision', function () {
  this.timeout(300000);

  it('bf16 on the zscl-mtil fixture: the loss trace is within 2e-2 relative of fp32 at every step', async () => {
    const steps = async (precision: 'fp32' | 'bf16') => {
      const result = await runReferenceFixture(fixture('zscl-mtil'), { precision });
      for (const file of Object.values(result.files)) for (const t of Object.values(file)) t.dispose();
      return result.trace.tasks.flatMap((t) => t.steps);
    };
    const fp32 = await steps('fp32');
    const bf16 = await steps('bf16');
    assert.equal(bf16.length, fp32.length);
    const worst: Record<string, number> = {};
    for (const field of ['loss', 'ce', 'distill_img', 'distill_txt', 'l2']) {
      worst[field] = 0;
      fp32.forEach((ref, i) => {
        const a = bf16[i][field] as number;
        const b = ref[field] as number;
        if (b !== 0) worst[field] = Math.max(worst[field], Math.abs(a - b) / Math.abs(b));
      });
    }
    console.log(
      `      bf16 vs fp32, max relative difference per step: ${Object.entries(worst)
        .map(([k, v]) => `${k} ${v.toExponential(2)}`)
        .join(', ')}`,
    );
    assert.ok(worst.loss <= 2e-2, `loss ${worst.loss}`);
    // Not the fp32 path in disguise: bfloat16 rounding shows in the losses.
    assert.ok(worst.loss > 1e-6, `bf16 loss equals fp32 (${worst.loss})`);
  });

  describe('bf16 encoders', () => {
    let model: ClipModel;
    let images: Tensor;
    let tokens: Tensor;
    before(() => {
      manualSeed(3);
      model = ClipModel.create(TINY_CLIP_CONFIG, { seed: 1 });
      images = randn([4, 3, 32, 32]);
      tokens = randint(1, 998, [3, 16]);
    });
    after(() => {
      model.dispose();
      images.dispose();
      tokens.dispose();
    });

    it('compute in bfloat16 (the features differ from fp32 within bfloat16 rounding) and return float32', async () => {
      const fp32 = noGrad(() => [model.encodeImage(images), model.encodeText(tokens)]);
      model.precision = 'bf16';
      try {
        const sync = noGrad(() => [model.encodeImage(images), model.encodeText(tokens)]);
        const async = await noGrad(async () => [await model.encodeImageAsync(images), await model.encodeTextAsync(tokens)]);
        const hidden = noGrad(() => model.encodeImageWithHidden(images));
        for (const [i, t] of [...sync, ...async, hidden.features, hidden.hidden].entries()) assert.equal(t.dtype, 'float32', `output ${i}`);
        for (const [i, t] of sync.entries()) {
          const d = relativeDifference(t, fp32[i]);
          // bfloat16 keeps 8 significant bits (2^-9 ≈ 2e-3 per rounding); a few layers stay well under 5e-2.
          assert.ok(d > 1e-4 && d < 5e-2, `${i === 0 ? 'image' : 'text'} features: relative difference ${d}`);
          // The same computation on a worker thread (the autocast guard is set where the op runs);
          // bfloat16 CPU kernels may split their sums differently there, so not bit for bit.
          const onWorker = relativeDifference(async[i], fp32[i]);
          assert.ok(onWorker > 1e-4 && onWorker < 5e-2, `${i === 0 ? 'image' : 'text'} features on a worker: relative difference ${onWorker}`);
        }
        for (const t of [...sync, ...async, hidden.features, hidden.hidden]) t.dispose();
      } finally {
        model.precision = 'fp32';
      }
      // The guard leaves no autocast behind, on this thread or a worker's.
      const again = noGrad(() => [model.encodeImage(images), model.encodeText(tokens)]);
      const againAsync = await noGrad(async () => [await model.encodeImageAsync(images), await model.encodeTextAsync(tokens)]);
      for (const [i, t] of fp32.entries()) {
        assert.ok(sameBits(again[i], t), `fp32 after bf16 (sync) ${i}`);
        assert.ok(sameBits(againAsync[i], t), `fp32 after bf16 (worker) ${i}`);
      }
      for (const t of [...fp32, ...again, ...againAsync]) t.dispose();
    });

    it('keep weights, gradients and AdamW state float32, and clones inherit the precision', async () => {
      const student = model.clone();
      student.precision = 'bf16';
      const copy = await student.cloneAsync();
      assert.equal(copy.precision, 'bf16');
      copy.dispose();
      const params = [...student.namedParameters().values()].filter((p) => p.requiresGrad);
      const optimizer = new Optimizer(params, { kind: 'adamw', weightDecay: 0 });
      try {
        const features = student.encodeImage(images);
        const text = student.encodeText(tokens);
        const loss = features.matmul(text.T).square().mean();
        await loss.backwardAsync();
        for (const [name, p] of student.namedParameters()) {
          if (name === 'logit_scale') continue; // not in this loss
          assert.equal(p.grad?.dtype, 'float32', `grad of ${name}`);
        }
        optimizer.step(1e-3);
        for (const [name, p] of student.namedParameters()) assert.equal(p.dtype, 'float32', name);
        const state = optimizer.saveState();
        assert.ok(Object.keys(state.tensors ?? {}).length >= 2 * params.length - 2);
        for (const [name, t] of Object.entries(state.tensors ?? {})) {
          assert.equal(t.dtype, 'float32', `optimizer ${name}`);
          t.dispose();
        }
        for (const t of [features, text, loss]) t.dispose();
      } finally {
        optimizer.dispose();
        student.dispose();
      }
    });

    it('an unknown precision is E_ARG naming the setter', () => {
      assert.throws(
        () => (model.precision = 'fp16' as 'fp32'),
        (e: unknown) => e instanceof ZsclError && e.code === 'E_ARG' && /ClipModel\.precision: expected 'fp32', 'tf32', 'bf16'/.test(e.message),
      );
      assert.equal(model.precision, 'fp32');
    });
  });

  it('a run records its precision, and a resume in another one is E_CONFIG', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zscl-precision-'));
    manualSeed(5);
    const model = ClipModel.create(TINY_CLIP_CONFIG, { seed: 1 });
    const classTokens = randint(1, 998, [2, 16]);
    const images = randn([2, 3, 32, 32]);
    const labels = tensor([0, 1], { dtype: 'int64' });
    // Fresh tensors each time: the trainer and the evaluation dispose the batches they read.
    const batch = () => ({ images: images.clone(), labels: labels.clone() });
    const task = { name: 'a', classNames: ['x', 'y'], classTokens, batches: { next: async () => batch() }, iterations: 1, lr: 1e-4, warmup: 0 };
    const evaluation = [
      {
        name: 'a',
        classNames: ['x', 'y'],
        templates: ['{}'],
        batches: async function* () {
          yield batch();
        },
      },
    ];
    const spec = {
      dir,
      model,
      tokenize: (texts: string[]) => randint(1, 998, [texts.length, 16]),
      setting: 'mtil' as const,
      strategy: 'finetune' as const,
      tasks: [task],
      evaluation,
      evaluateInitial: false,
    };
    try {
      const result = await runExperiment({ ...spec, precision: 'bf16' });
      assert.equal(result.accuracy.length, 1);
      assert.equal(new RunFolder(dir).readState().precision, 'bf16');
      assert.equal(model.precision, 'fp32', 'the run restores the model precision');
      await assert.rejects(
        runExperiment({ ...spec, precision: 'fp32' }),
        (e: unknown) => e instanceof ZsclError && e.code === 'E_CONFIG' && /precision: .* started in bf16; resume it in the same \(not fp32\)/.test(e.message),
      );
    } finally {
      for (const t of [model, classTokens, images, labels]) t.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
