/**
 * Every op family against PyTorch's results for the same inputs (test/fixtures/core/ops.json,
 * written by scripts/fixtures/core-ops.py with python3-torch 1.13), plus hand-computed checks.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Tensor } from '../../lib';
import { F, arange, cat, eye, full, manualSeed, memory, noGrad, ones, rand, randint, randn, randperm, stack, tensor, tidy, where, zeros } from '../../lib';
import { repoRoot } from '../support/fixtures';
import type { TensorJson } from '../support/tensor-assert';
import { assertTensor, assertValues, fromJson, values } from '../support/tensor-assert';

interface OpsFixture {
  inputs: Record<string, TensorJson>;
  cases: Record<string, TensorJson | TensorJson[]>;
  seeded: Record<string, TensorJson>;
}

const fixture = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'core', 'ops.json'), 'utf8')) as OpsFixture;

type Inputs = Record<string, Tensor>;
type Result = Tensor | Tensor[] | { values: Tensor; indices: Tensor };

/** The zscl call for each fixture case (same names as scripts/fixtures/core-ops.py). */
const CASES: Record<string, (i: Inputs) => Result> = {
  // views and indexing
  reshape: ({ x }) => x.reshape(4, 3),
  reshape_infer: ({ b3 }) => b3.reshape([-1, 4]),
  permute: ({ b3 }) => b3.permute(2, 0, 1),
  transpose: ({ x }) => x.transpose(0, 1),
  slice: ({ x }) => x.slice(1, 1, 3),
  slice_step: ({ x }) => x.slice(1, 0, 4, 2),
  slice_negative: ({ x }) => x.slice(0, -2),
  select: ({ x }) => x.select(0, 1),
  select_negative: ({ x }) => x.select(1, -1),
  index_select: ({ x, idx }) => x.indexSelect(1, idx),
  gather: ({ x, gidx }) => x.gather(1, gidx),
  cat0: ({ x, y }) => cat([x, y], 0),
  cat1: ({ x, y }) => cat([x, y], 1),
  stack1: ({ x, y }) => stack([x, y], 1),
  chunk: ({ x }) => x.chunk(2, 1),
  split: ({ x }) => x.split(2, 0),
  expand: ({ v }) => v.reshape(1, 4).expand(3, 4),
  contiguous: ({ x }) => x.T.contiguous(),
  squeeze: ({ x }) => x.reshape(3, 1, 4).squeeze(1),
  unsqueeze: ({ v }) => v.unsqueeze(0),
  flatten: ({ b3 }) => b3.flatten(1),
  flip: ({ x }) => x.flip(1),
  triu: ({ x }) => x.triu(1),
  tril: ({ x }) => x.tril(),
  repeat: ({ v }) => v.repeat(2, 1),
  masked_fill: ({ x, mask }) => x.maskedFill(mask, -1.5),

  // elementwise math
  add: ({ x, y }) => x.add(y),
  add_broadcast: ({ x, v }) => x.add(v),
  add_scalar: ({ x }) => x.add(2.5),
  sub: ({ x, y }) => x.sub(y),
  mul: ({ x, y }) => x.mul(y),
  mul_scalar: ({ x }) => x.mul(-3),
  div: ({ x, pos }) => x.div(pos),
  div_scalar: ({ x }) => x.div(4),
  pow: ({ pos, y }) => pos.pow(y),
  pow_scalar: ({ x }) => x.pow(2),
  remainder: ({ x }) => x.remainder(0.75),
  maximum: ({ x, y }) => x.maximum(y),
  minimum: ({ x, y }) => x.minimum(y),
  neg: ({ x }) => x.neg(),
  abs: ({ x }) => x.abs(),
  exp: ({ x }) => x.exp(),
  log: ({ pos }) => pos.log(),
  log1p: ({ pos }) => pos.log1p(),
  expm1: ({ x }) => x.expm1(),
  sqrt: ({ pos }) => pos.sqrt(),
  rsqrt: ({ pos }) => pos.rsqrt(),
  square: ({ x }) => x.square(),
  reciprocal: ({ pos }) => pos.reciprocal(),
  sin: ({ x }) => x.sin(),
  cos: ({ x }) => x.cos(),
  tanh: ({ x }) => x.tanh(),
  sigmoid: ({ x }) => x.sigmoid(),
  relu: ({ x }) => x.relu(),
  sign: ({ x }) => x.sign(),
  floor: ({ x }) => x.mul(3).floor(),
  ceil: ({ x }) => x.mul(3).ceil(),
  round: ({ x }) => x.mul(3).round(),
  int_add_scalar: ({ ints }) => ints.add(2),
  int_mul_float: ({ ints }) => ints.mul(0.5),
  int_div: ({ ints }) => ints.div(2),

  // comparisons and selection
  eq: ({ x, y }) => x.eq(y),
  ne: ({ x, y }) => x.ne(y),
  lt: ({ x, y }) => x.lt(y),
  le: ({ x, y }) => x.le(y),
  gt_scalar: ({ x }) => x.gt(0),
  ge_scalar: ({ x }) => x.ge(0.5),
  logical_and: ({ x, y }) => x.gt(0).logicalAnd(y.gt(0)),
  logical_or: ({ x, y }) => x.gt(0).logicalOr(y.gt(0)),
  logical_not: ({ x }) => x.gt(0).logicalNot(),
  where: ({ mask, x, y }) => where(mask, x, y),
  where_scalars: ({ mask, x }) => where(mask, x, 0),
  clamp: ({ x }) => x.clamp(-0.5, 0.5),
  clamp_min: ({ x }) => x.clamp(0),
  clamp_max: ({ x }) => x.clamp(undefined, 0.25),

  // reductions
  sum: ({ x }) => x.sum(),
  sum_dim: ({ x }) => x.sum(1),
  sum_dims_keepdim: ({ b3 }) => b3.sum([0, 2], true),
  mean: ({ x }) => x.mean(),
  mean_dim: ({ b3 }) => b3.mean(1),
  prod_dim: ({ x }) => x.prod(1),
  max: ({ x }) => x.max(),
  max_dims: ({ b3 }) => b3.max([1, 2]),
  min_dim: ({ x }) => x.min(0),
  max_dim_values: ({ x }) => x.maxDim(1).values,
  max_dim_indices: ({ x }) => x.maxDim(1).indices,
  min_dim_values: ({ x }) => x.minDim(0, true).values,
  min_dim_indices: ({ x }) => x.minDim(0, true).indices,
  argmax: ({ x }) => x.argmax(),
  argmax_dim: ({ x }) => x.argmax(1),
  argmin_dim: ({ x }) => x.argmin(0),
  topk_values: ({ x }) => x.topk(2, 1).values,
  topk_indices: ({ x }) => x.topk(2, 1).indices,
  topk_smallest_values: ({ x }) => x.topk(2, 0, false).values,
  topk_smallest_indices: ({ x }) => x.topk(2, 0, false).indices,
  sort_values: ({ x }) => x.sort(1, true).values,
  sort_indices: ({ x }) => x.sort(1, true).indices,
  norm: ({ x }) => x.norm(),
  norm_dim: ({ x }) => x.norm(2, 1),
  norm_p1_keepdim: ({ x }) => x.norm(1, 0, true),
  norm_inf: ({ x }) => x.norm(Infinity),
  logsumexp: ({ x }) => x.logsumexp(1),
  logsumexp_dims: ({ b3 }) => b3.logsumexp([0, 2]),
  var: ({ x }) => x.variance(),
  var_dim_biased: ({ x }) => x.variance(1, false),
  std_dim: ({ x }) => x.std(0),
  cumsum: ({ x }) => x.cumsum(1),
  all_dim: ({ x }) => x.gt(-1).all(1),
  any: ({ x }) => x.gt(1).any(),

  // products and nn
  matmul: ({ x, m }) => x.matmul(m),
  matmul_batched: ({ b3, b3b }) => b3.matmul(b3b),
  matmul_vector: ({ x, v }) => x.matmul(v),
  bmm: ({ b3, b3b }) => b3.bmm(b3b),
  linear: ({ x, w, bias }) => F.linear(x, w, bias),
  linear_nobias: ({ b3, w }) => F.linear(b3, w),
  conv2d: ({ img, wconv, bconv }) => F.conv2d(img, wconv, bconv),
  conv2d_stride_pad: ({ img, wconv }) => F.conv2d(img, wconv, undefined, { stride: 2, padding: 1 }),
  conv2d_dilation_groups: ({ img, wgroup }) => F.conv2d(img, wgroup, undefined, { padding: [2, 1], dilation: [2, 1], groups: 2 }),
  softmax: ({ x }) => x.softmax(1),
  softmax_dim0: ({ x }) => x.softmax(0),
  log_softmax: ({ x }) => x.logSoftmax(1),
  layer_norm: ({ x, lnw, lnb }) => F.layerNorm(x, [4], lnw, lnb),
  layer_norm_plain: ({ b3 }) => F.layerNorm(b3, [3, 4]),
  gelu: ({ x }) => F.gelu(x),
  gelu_tanh: ({ x }) => F.gelu(x, 'tanh'),
  quick_gelu: ({ x }) => F.quickGelu(x),
  cross_entropy: ({ logits, target }) => F.crossEntropy(logits, target),
  cross_entropy_sum: ({ logits, target }) => F.crossEntropy(logits, target, { reduction: 'sum' }),
  cross_entropy_none: ({ logits, target }) => F.crossEntropy(logits, target, { reduction: 'none' }),
  cross_entropy_smoothing: ({ logits, target }) => F.crossEntropy(logits, target, { labelSmoothing: 0.2 }),
  cross_entropy_weight: ({ logits, target, cweight }) => F.crossEntropy(logits, target, { weight: cweight }),
  cross_entropy_soft: ({ logits, soft }) => F.crossEntropy(logits, soft),
  cross_entropy_soft_smoothing: ({ logits, soft }) => F.crossEntropy(logits, soft, { labelSmoothing: 0.1 }),
  cross_entropy_soft_none: ({ logits, soft }) => F.crossEntropy(logits, soft, { reduction: 'none' }),
  nll_loss: ({ logits, target }) => F.nllLoss(logits.logSoftmax(1), target),
  mse: ({ x, y }) => F.mseLoss(x, y),
  mse_sum: ({ x, y }) => F.mseLoss(x, y, 'sum'),
  mse_none: ({ x, y }) => F.mseLoss(x, y, 'none'),
  embedding: ({ emb, tokens }) => F.embedding(emb, tokens),
  one_hot: ({ target }) => F.oneHot(target, 5),
  normalize: ({ x }) => F.normalize(x),

  // in-place updates under noGrad, each on a fresh clone of x
  copy_: ({ x, y }) => noGrad(() => x.clone().copy_(y)),
  copy_broadcast: ({ x, v }) => noGrad(() => x.clone().copy_(v)),
  add_: ({ x, y }) => noGrad(() => x.clone().add_(y)),
  add_alpha: ({ x, y }) => noGrad(() => x.clone().add_(y, -0.5)),
  add_scalar_: ({ x }) => noGrad(() => x.clone().add_(3)),
  sub_: ({ x, y }) => noGrad(() => x.clone().sub_(y)),
  mul_: ({ x, y }) => noGrad(() => x.clone().mul_(y)),
  mul_scalar_: ({ x }) => noGrad(() => x.clone().mul_(0.25)),
  div_: ({ x, pos }) => noGrad(() => x.clone().div_(pos)),
  lerp_: ({ x, y }) => noGrad(() => x.clone().lerp_(y, 0.3)),
  lerp_tensor_: ({ x, y, pos }) => noGrad(() => x.clone().lerp_(y, pos.sub(0.5))),
  fill_: ({ x }) => noGrad(() => x.clone().fill_(7)),
  zero_: ({ x }) => noGrad(() => x.clone().zero_()),

  // creation
  arange_int: () => arange(0, 7, 2),
  arange_float: () => arange(0, 1, 0.25),
  arange_negative: () => arange(5, 0, -2),
  eye: () => eye(3, 4),
  full: () => full([2, 3], 1.5),
};

/** The graph case computes three results at once (loss, grad x, grad m). */
function graphCase(i: Inputs): Record<string, Tensor> {
  const xg = i.x.clone().requiresGrad_(true);
  const mg = i.m.clone().requiresGrad_(true);
  const target = tensor(BigInt64Array.from([0n, 2n, 1n, 2n]));
  const loss = F.crossEntropy(xg.matmul(mg).slice(1, 0, 4).T, target, { labelSmoothing: 0.1 });
  loss.backward();
  return { graph_loss: loss, graph_grad_x: xg.grad as Tensor, graph_grad_m: mg.grad as Tensor };
}

function check(name: string, result: Result, expected: TensorJson | TensorJson[]): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(result), `${name}: expected a list of tensors`);
    assert.equal(result.length, expected.length, `${name}: list length`);
    result.forEach((t, k) => assertTensor(t, expected[k], `${name}[${k}]`));
  } else {
    assertTensor(result as Tensor, expected, name);
  }
}

describe('ops: values against PyTorch 1.13 (test/fixtures/core/ops.json)', () => {
  let inputs: Inputs;
  before(() => {
    inputs = Object.fromEntries(Object.entries(fixture.inputs).map(([k, t]) => [k, fromJson(t)]));
  });
  after(() => {
    for (const t of Object.values(inputs)) t.dispose();
  });

  it('has a zscl call for every fixture case and no other', () => {
    const graph = ['graph_loss', 'graph_grad_x', 'graph_grad_m'];
    assert.deepEqual(Object.keys(CASES).concat(graph).sort(), Object.keys(fixture.cases).sort());
  });

  for (const name of Object.keys(CASES)) {
    it(name, () => {
      tidy(() => check(name, CASES[name](inputs), fixture.cases[name]));
    });
  }

  it('gradients of a small graph (matmul, slice, transpose, cross-entropy with smoothing)', () => {
    tidy(() => {
      for (const [name, t] of Object.entries(graphCase(inputs))) check(name, t, fixture.cases[name]);
    });
  });

  it('seeded draws equal libtorch’s CPU generator in PyTorch', () => {
    tidy(() => {
      manualSeed(42);
      assertTensor(rand([5]), fixture.seeded.rand, 'rand');
      assertTensor(randn([2, 3]), fixture.seeded.randn, 'randn');
      assertTensor(randint(0, 10, [6]), fixture.seeded.randint, 'randint');
      assertTensor(randperm(7), fixture.seeded.randperm, 'randperm');
      manualSeed(42);
      assertTensor(rand([5]), fixture.seeded.rand_again, 'rand after reseeding');
    });
  });

  it('leaves no tensor behind', () => {
    const before = memory().tensors;
    for (const name of Object.keys(CASES)) tidy(() => void CASES[name](inputs));
    assert.equal(memory().tensors, before);
  });
});

describe('ops: hand-computed results', () => {
  it('creation: zeros, ones, full, eye, arange and data out', () => {
    tidy(() => {
      assertValues(zeros([2, 2]), [0, 0, 0, 0]);
      assertValues(ones([3], { dtype: 'int32' }), [1, 1, 1]);
      assert.equal(ones([3], { dtype: 'int32' }).dtype, 'int32');
      assertValues(full([2], -4, { dtype: 'float64' }), [-4, -4]);
      assertValues(eye(2), [1, 0, 0, 1]);
      assert.equal(arange(4).dtype, 'int64');
      assertValues(arange(4), [0, 1, 2, 3]);
      assert.equal(arange(0, 1, 0.5).dtype, 'float32');
      assertValues(arange(1, 2, 0.25, { dtype: 'float64' }), [1, 1.25, 1.5, 1.75]);
      assert.deepEqual(
        tensor([
          [1, 2],
          [3, 4],
        ]).toArray(),
        [
          [1, 2],
          [3, 4],
        ],
      );
      assert.equal(tensor([7.5]).reshape([]).item(), 7.5);
    });
  });

  it('scalars keep the tensor dtype the way Python numbers do', () => {
    tidy(() => {
      const ints = tensor(Int32Array.from([1, 2, 3]));
      assert.equal(ints.add(1).dtype, 'int32');
      assert.equal(ints.mul(0.5).dtype, 'float32');
      const half = ones([2], { dtype: 'float16' });
      assert.equal(half.mul(3.5).dtype, 'float16');
      assert.equal(half.maximum(2.5).dtype, 'float16');
      assert.equal(where(ints.gt(1), 1.5, 0.5).dtype, 'float32');
      assertValues(where(ints.gt(1), 1.5, 0.5), [0.5, 1.5, 1.5]);
      assertValues(ints.maximum(2), [2, 2, 3]);
    });
  });

  it('non-finite values: isnan, isinf, isfinite', () => {
    tidy(() => {
      const t = tensor([0, NaN, Infinity, -Infinity, 1]);
      assertValues(t.isnan(), [0, 1, 0, 0, 0]);
      assertValues(t.isinf(), [0, 0, 1, 1, 0]);
      assertValues(t.isfinite(), [1, 0, 0, 0, 1]);
    });
  });

  it('softmax rows sum to 1 and normalize gives unit rows', () => {
    tidy(() => {
      const x = tensor([
        [1, 2, 3],
        [0, 0, 0],
      ]);
      assertValues(x.softmax(1).sum(1), [1, 1], 1e-6);
      assertValues(x.softmax(1).select(0, 0), [0.09003057, 0.24472847, 0.66524096], 1e-7);
      assertValues(tensor([[3, 4]]).normalize(), [0.6, 0.8], 1e-7);
    });
  });

  it('cross-entropy by hand: hard, smoothed and soft targets', () => {
    tidy(() => {
      const logits = tensor([[0, Math.log(3)]]); // softmax = [0.25, 0.75]
      const hard = tensor(BigInt64Array.from([1n]));
      assertValues(F.crossEntropy(logits, hard), [-Math.log(0.75)], 1e-6);
      // smoothing ε = 0.2 over C = 2: target (0.1, 0.9)
      const smoothed = -(0.1 * Math.log(0.25) + 0.9 * Math.log(0.75));
      assertValues(F.crossEntropy(logits, hard, { labelSmoothing: 0.2 }), [smoothed], 1e-6);
      assertValues(F.crossEntropy(logits, tensor([[0.1, 0.9]])), [smoothed], 1e-6);
      assertValues(F.mseLoss(tensor([1, 2]), tensor([3, 5]), 'sum'), [13]);
    });
  });

  it('dropout is the identity with p = 0 or outside training', () => {
    tidy(() => {
      const x = tensor([1, 2, 3]);
      assertValues(F.dropout(x, 0), [1, 2, 3]);
      assertValues(F.dropout(x, 0.9, false), [1, 2, 3]);
      manualSeed(0);
      const kept = values(F.dropout(ones([1000]), 0.5));
      assert.ok(
        kept.every((v) => v === 0 || v === 2),
        'survivors are scaled by 1/(1-p)',
      );
      const survivors = kept.filter((v) => v !== 0).length;
      assert.ok(survivors > 400 && survivors < 600, `about half survive (${survivors})`);
    });
  });

  it('views share storage with their base; clone does not', () => {
    tidy(() => {
      const base = zeros([2, 3]);
      const view = base.select(0, 1);
      const copy = base.clone();
      noGrad(() => view.fill_(5));
      assertValues(base, [0, 0, 0, 5, 5, 5]);
      assertValues(copy, [0, 0, 0, 0, 0, 0]);
    });
  });

  it('async forms give the sync results', async () => {
    const a = randn([3, 4]);
    const b = randn([4, 2]);
    const w = randn([5, 4]);
    const img = randn([1, 2, 4, 4]);
    const k = randn([3, 2, 3, 3]);
    const results = await Promise.all([a.matmulAsync(b), F.linearAsync(a, w), F.conv2dAsync(img, k), a.toAsync('float64')]);
    tidy(() => {
      assertValues(results[0], values(a.matmul(b)), 1e-6, 'matmulAsync');
      assertValues(results[1], values(F.linear(a, w)), 1e-6, 'linearAsync');
      assertValues(results[2], values(F.conv2d(img, k)), 1e-5, 'conv2dAsync');
      assert.equal(results[3].dtype, 'float64');
    });
    for (const t of [a, b, w, img, k, ...results]) t.dispose();
  });
});
