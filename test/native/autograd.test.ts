/**
 * Gradients of the loss and layer ops against central finite differences, in float64, plus the
 * autograd surface (requiresGrad, backward, grad, detach, noGrad, async backward).
 */
import assert from 'node:assert/strict';
import type { Tensor } from '../../lib';
import { F, manualSeed, memory, noGrad, randn, rand, tensor, tidy, isGradEnabled } from '../../lib';
import { values } from '../support/tensor-assert';

/** A float64 input of the checked function: its shape and values. */
interface Input {
  shape: number[];
  data: Float64Array;
}

function input(shape: number[], make: (n: number) => Tensor = (n) => randn([n], { dtype: 'float64' })): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  return tidy(() => ({ shape, data: make(n).data() as Float64Array }));
}

/**
 * Checks d f / d input against central differences for every element of every input.
 * `f` must return a scalar (project non-scalar outputs with a fixed weight first).
 */
function gradcheck(name: string, f: (xs: Tensor[]) => Tensor, inputs: Input[], eps = 1e-6): void {
  tidy(() => {
    const leaves = inputs.map((i) => tensor(i.data, { shape: i.shape, requiresGrad: true }));
    const out = f(leaves);
    assert.deepEqual(out.shape, [], `${name}: f must return a scalar`);
    out.backward();
    const analytic = leaves.map((t) => values(t.grad as Tensor));
    const evalAt = (k: number, j: number, delta: number): number =>
      tidy(() => {
        const data = inputs.map((i) => Float64Array.from(i.data));
        data[k][j] += delta;
        return f(data.map((d, m) => tensor(d, { shape: inputs[m].shape }))).item();
      });
    let checked = 0;
    inputs.forEach((inp, k) => {
      for (let j = 0; j < inp.data.length; j++) {
        const numeric = (evalAt(k, j, eps) - evalAt(k, j, -eps)) / (2 * eps);
        const a = analytic[k][j];
        assert.ok(Math.abs(a - numeric) <= 1e-6 + 1e-5 * Math.abs(numeric), `${name}: d/d input ${k}[${j}] analytic ${a} vs numeric ${numeric}`);
        checked++;
      }
    });
    assert.ok(checked > 0);
  });
}

/** sum(y ⊙ w) for a fixed random w: a scalar whose gradient exercises every output element. */
function project(y: Tensor, seed: number): Tensor {
  manualSeed(seed);
  return y.mul(randn(y.shape, { dtype: 'float64' })).sum();
}

describe('autograd: gradients against finite differences (float64)', () => {
  before(() => manualSeed(7));

  const target = () => tensor(BigInt64Array.from([2n, 0n, 3n]));
  const soft = () => input([3, 4], (n) => rand([n], { dtype: 'float64' }).add(0.1));

  it('crossEntropy with class indices (mean and sum)', () => {
    gradcheck('ce mean', ([l]) => F.crossEntropy(l, target()), [input([3, 4])]);
    gradcheck('ce sum', ([l]) => F.crossEntropy(l, target(), { reduction: 'sum' }), [input([3, 4])]);
  });

  it('crossEntropy with label smoothing and class weights', () => {
    gradcheck('ce smoothing', ([l]) => F.crossEntropy(l, target(), { labelSmoothing: 0.2 }), [input([3, 4])]);
    // weights are constants (torch does not differentiate through them)
    gradcheck('ce weight', ([l]) => F.crossEntropy(l, target(), { weight: tensor([0.5, 1, 2, 1.5], { dtype: 'float64' }) }), [input([3, 4])]);
  });

  it('crossEntropy with soft targets (gradient to logits and to the targets)', () => {
    gradcheck('ce soft', ([l, t]) => F.crossEntropy(l, t.softmax(1)), [input([3, 4]), input([3, 4])]);
    gradcheck('ce soft smoothing', ([l, t]) => F.crossEntropy(l, t, { labelSmoothing: 0.1 }), [input([3, 4]), soft()]);
    gradcheck('ce soft none', ([l, t]) => project(F.crossEntropy(l, t, { reduction: 'none' }), 1), [input([3, 4]), soft()]);
  });

  it('mseLoss (mean, sum, none)', () => {
    gradcheck('mse', ([a, b]) => F.mseLoss(a, b), [input([2, 3]), input([2, 3])]);
    gradcheck('mse sum', ([a, b]) => F.mseLoss(a, b, 'sum'), [input([2, 3]), input([2, 3])]);
    gradcheck('mse none', ([a, b]) => project(F.mseLoss(a, b, 'none'), 2), [input([2, 3]), input([2, 3])]);
  });

  it('softmax and logSoftmax', () => {
    gradcheck('softmax', ([x]) => project(x.softmax(1), 3), [input([2, 5])]);
    gradcheck('logSoftmax', ([x]) => project(x.logSoftmax(0), 4), [input([3, 4])]);
  });

  it('layerNorm (input, weight, bias)', () => {
    gradcheck('layerNorm', ([x, w, b]) => project(F.layerNorm(x, [4], w, b), 5), [input([3, 4]), input([4]), input([4])]);
    gradcheck('layerNorm plain', ([x]) => project(F.layerNorm(x, [2, 3]), 6), [input([2, 2, 3])]);
  });

  it('linear, matmul and bmm', () => {
    gradcheck('linear', ([x, w, b]) => project(F.linear(x, w, b), 7), [input([3, 4]), input([2, 4]), input([2])]);
    gradcheck('matmul', ([a, b]) => project(a.matmul(b), 8), [input([3, 4]), input([4, 2])]);
    gradcheck('matmul batched', ([a, b]) => project(a.matmul(b), 9), [input([2, 2, 3]), input([3, 2])]);
    gradcheck('bmm', ([a, b]) => project(a.bmm(b), 10), [input([2, 2, 3]), input([2, 3, 2])]);
  });

  it('gelu (exact and tanh) and quickGelu', () => {
    gradcheck('gelu', ([x]) => project(F.gelu(x), 11), [input([10])]);
    gradcheck('gelu tanh', ([x]) => project(F.gelu(x, 'tanh'), 12), [input([10])]);
    gradcheck('quickGelu', ([x]) => project(F.quickGelu(x), 13), [input([10])]);
  });

  it('logsumexp, normalize and norm', () => {
    gradcheck('logsumexp', ([x]) => project(x.logsumexp(1), 14), [input([3, 4])]);
    gradcheck('logsumexp dims', ([x]) => x.logsumexp([0, 1]), [input([3, 4])]);
    gradcheck('normalize', ([x]) => project(x.normalize(-1), 15), [input([3, 4])]);
    gradcheck('norm 2', ([x]) => x.norm(), [input([3, 4])]);
    gradcheck('norm 1 dim', ([x]) => project(x.norm(1, 1), 16), [input([3, 4])]);
  });

  it('conv2d (input, weight, bias; stride and padding)', () => {
    gradcheck('conv2d', ([x, w, b]) => project(F.conv2d(x, w, b, { stride: 2, padding: 1 }), 17), [input([1, 2, 4, 4]), input([3, 2, 3, 3]), input([3])]);
  });

  it('the ZSCL loss terms together: scaled cosine logits, CE with smoothing, L2 to anchor, soft distillation', () => {
    // A miniature of the step of docs/method.md §2: image/text features, logit scale, anchor weights.
    // The anchor weights and the teacher's logits are constants of the step.
    const anchor = input([4, 3]);
    const teacherLogits = input([2, 2]);
    gradcheck(
      'zscl terms',
      ([img, txt, w, scale]) => {
        const f = img.matmul(w).normalize(-1);
        const t = txt.matmul(w).normalize(-1);
        const logits = f.matmul(t.T).mul(scale.exp());
        const ce = F.crossEntropy(logits, tensor(BigInt64Array.from([0n, 1n])), { labelSmoothing: 0.2 });
        const l2 = F.mseLoss(w, tensor(anchor.data, { shape: anchor.shape }), 'sum');
        const teacher = noGrad(() => tensor(teacherLogits.data, { shape: teacherLogits.shape }).div(2).softmax(1));
        const kd = F.crossEntropy(logits.div(2), teacher);
        return ce.add(l2).add(kd);
      },
      [input([2, 4]), input([2, 4]), input([4, 3]), input([])],
    );
  });
});

describe('autograd: surface', () => {
  it('requiresGrad, isLeaf, grad, detach', () => {
    tidy(() => {
      const x = tensor([1, 2, 3], { requiresGrad: true });
      const gradOf = (t: Tensor) => values(t.grad as Tensor);
      assert.equal(x.requiresGrad, true);
      assert.equal(x.isLeaf, true);
      assert.equal(x.grad, null);
      const y = x.mul(x).sum();
      assert.equal(y.isLeaf, false);
      assert.equal(y.requiresGrad, true);
      y.backward();
      assert.deepEqual(gradOf(x), [2, 4, 6]);
      const d = x.detach();
      assert.equal(d.requiresGrad, false);
      x.mul(2).sum().backward();
      assert.deepEqual(gradOf(x), [4, 6, 8], 'gradients accumulate');
      x.setGrad(null);
      assert.equal(x.grad, null);
    });
  });

  it('noGrad records nothing and restores the mode', () => {
    tidy(() => {
      const x = tensor([1, 2], { requiresGrad: true });
      assert.equal(isGradEnabled(), true);
      const y = noGrad(() => {
        assert.equal(isGradEnabled(), false);
        return x.mul(3);
      });
      assert.equal(isGradEnabled(), true);
      assert.equal(y.requiresGrad, false);
      assert.throws(
        () =>
          noGrad(() => {
            throw new Error('boom');
          }),
        /boom/,
      );
      assert.equal(isGradEnabled(), true, 'restored after a throw');
    });
  });

  it('async ops use the grad mode of their call, set on the worker thread', async () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const recorded = await x.matmulAsync(x);
    const pending = noGrad(() => x.matmulAsync(x));
    assert.equal(isGradEnabled(), true);
    const unrecorded = await pending;
    assert.equal(recorded.requiresGrad, true);
    assert.equal(unrecorded.requiresGrad, false);
    // and the converse: a worker started with grad on while the main thread later turns it off
    const started = x.matmulAsync(x);
    const result = await noGrad(() => started);
    assert.equal(result.requiresGrad, true);
    for (const t of [x, recorded, unrecorded, result]) t.dispose();
  });

  it('backwardAsync gives the gradients of backward', async () => {
    const before = memory().tensors;
    const w = tensor(
      [
        [0.5, -1],
        [2, 0.25],
      ],
      { requiresGrad: true },
    );
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    const loss = tidy(() => F.mseLoss(x.matmul(w), x, 'sum'));
    await loss.backwardAsync();
    const asyncGrad = w.grad as Tensor;
    w.setGrad(null);
    const loss2 = tidy(() => F.mseLoss(x.matmul(w), x, 'sum'));
    loss2.backward();
    const syncGrad = w.grad as Tensor;
    assert.deepEqual(values(asyncGrad), values(syncGrad));
    for (const t of [w, x, loss, loss2, asyncGrad, syncGrad]) t.dispose();
    assert.equal(memory().tensors, before);
  });
});
