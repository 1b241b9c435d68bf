/**
 * Misuse of the tensor API: each case must throw (or reject) a ZsclError with the right code and
 * a message that names the call and the offending values, and the process must carry on.
 */
import assert from 'node:assert/strict';
import type { DType, Device, Tensor } from '../../lib';
import { F, ZsclError, arange, cat, cudaAvailable, manualSeed, noGrad, ones, randn, setNumThreads, stack, tensor, tidy, where, zeros } from '../../lib';
import { native } from '../../lib/native';

interface Case {
  name: string;
  run: () => unknown;
  code: string;
  /** What the message must contain: the call and the offending values. */
  message: RegExp;
}

const long = (values: bigint[]) => tensor(BigInt64Array.from(values));

const CASES: Case[] = [
  // shapes
  {
    name: 'add of unbroadcastable shapes',
    run: () => ones([2, 3]).add(ones([4])),
    code: 'E_SHAPE',
    message: /add\(float32\[2,3\] cpu, float32\[4\] cpu\).*\(3\).*\(4\)/,
  },
  { name: 'matmul with mismatched inner sizes', run: () => ones([2, 3]).matmul(ones([4, 5])), code: 'E_SHAPE', message: /matmul.*2x3 and 4x5/ },
  { name: 'reshape to a size that does not fit', run: () => ones([2, 2]).reshape(3, 3), code: 'E_SHAPE', message: /reshape.*\[3, 3\].*size 4/ },
  {
    name: 'cat of tensors that differ off the cat dim',
    run: () => cat([ones([2, 2]), ones([2, 3])], 0),
    code: 'E_SHAPE',
    message: /cat\(.*\).*size 2.*size 3/,
  },
  { name: 'stack of different shapes', run: () => stack([ones([2]), ones([3])]), code: 'E_SHAPE', message: /stack.*\[2\].*\[3\]/ },
  { name: 'linear with the wrong in-features', run: () => F.linear(ones([2, 3]), ones([4, 5])), code: 'E_SHAPE', message: /linear.*2x3 and 5x4/ },
  { name: 'conv2d of a 2-D input', run: () => F.conv2d(ones([5, 5]), ones([1, 1, 3, 3])), code: 'E_SHAPE', message: /conv2d.*\[5, 5\]/ },
  {
    name: 'conv2d with mismatched channels',
    run: () => F.conv2d(ones([1, 2, 5, 5]), ones([4, 3, 3, 3])),
    code: 'E_SHAPE',
    message: /conv2d.*3 channels.*2 channels/,
  },
  {
    name: 'layerNorm over a shape the input lacks',
    run: () => F.layerNorm(ones([3, 4]), [5]),
    code: 'E_SHAPE',
    message: /layerNorm.*normalized_shape=\[5\].*\[3, 4\]/,
  },
  {
    name: 'crossEntropy with soft targets of the wrong shape',
    run: () => F.crossEntropy(ones([2, 3]), ones([2, 4])),
    code: 'E_SHAPE',
    message: /crossEntropy: soft targets float32\[2,4\] cpu must have the shape of the logits float32\[2,3\] cpu/,
  },
  { name: 'where of unbroadcastable shapes', run: () => where(ones([2]).gt(0), ones([3]), 0), code: 'E_SHAPE', message: /where.*\(2\).*\(3\)/ },
  { name: 'item of a 4-element tensor', run: () => ones([2, 2]).item(), code: 'E_SHAPE', message: /item.*4 elements.*float32\[2,2\]/ },
  { name: 'negative dimension in a shape', run: () => zeros([2, -1]), code: 'E_SHAPE', message: /zeros.*negative dimension -1/ },
  { name: 'data that does not fill the shape', run: () => tensor(new Float32Array(6), { shape: [2, 2] }), code: 'E_SHAPE', message: /24 bytes.*4 elements/ },
  { name: 'ragged nested arrays', run: () => tensor([[1, 2], [3]]), code: 'E_SHAPE', message: /tensor\(\): ragged.*length 2/ },

  // indices and dimensions
  { name: 'select past the end', run: () => ones([2, 2]).select(0, 5), code: 'E_INDEX', message: /select.*index 5 out of range/ },
  { name: 'sum over a dim that does not exist', run: () => ones([2, 2]).sum(5), code: 'E_INDEX', message: /sum.*got 5/ },
  { name: 'transpose of a dim that does not exist', run: () => ones([2, 2]).transpose(0, 3), code: 'E_INDEX', message: /transpose.*got 3/ },
  {
    name: 'indexSelect with an index past the end',
    run: () => ones([2, 2]).indexSelect(0, long([7n])),
    code: 'E_INDEX',
    message: /indexSelect.*index out of range/,
  },
  {
    name: 'gather with an index past the end',
    run: () => ones([2, 2]).gather(1, long([0n, 9n]).reshape(2, 1)),
    code: 'E_INDEX',
    message: /gather.*index 9 is out of bounds/,
  },
  {
    name: 'crossEntropy with a class past the end',
    run: () => F.crossEntropy(ones([2, 5]), long([1n, 7n])),
    code: 'E_INDEX',
    message: /crossEntropy.*Target 7 is out of bounds/,
  },
  { name: 'topk with k larger than the dim', run: () => ones([3]).topk(5), code: 'E_INDEX', message: /topk.*k.*out of range/ },

  // dtypes
  {
    name: 'matmul of float32 and float64',
    run: () => ones([2, 2]).matmul(ones([2, 2], { dtype: 'float64' })),
    code: 'E_DTYPE',
    message: /matmul\(float32\[2,2\] cpu, float64\[2,2\] cpu\).*(float|Float).*(double|Double)/,
  },
  { name: 'an unknown dtype name', run: () => zeros([1], { dtype: 'float8' as DType }), code: 'E_DTYPE', message: /unknown dtype string 'float8'/ },
  {
    name: 'a typed array without a dtype',
    run: () => tensor(new Int16Array(2) as unknown as Float32Array),
    code: 'E_DTYPE',
    message: /unsupported typed array Int16Array/,
  },
  { name: 'subtracting bool tensors', run: () => tensor([true]).sub(tensor([false])), code: 'E_DTYPE', message: /sub.*bool tensors is not supported/ },
  {
    name: 'in-place add of a float into an int tensor',
    run: () => ones([2], { dtype: 'int32' }).add_(ones([2])),
    code: 'E_DTYPE',
    message: /add_.*Float can't be cast.*Int/,
  },
  {
    name: 'embedding with float indices',
    run: () => F.embedding(ones([4, 2]), ones([3])),
    code: 'E_DTYPE',
    message: /embedding.*scalar types: Long, Int.*Float/,
  },
  {
    name: 'requiresGrad on an int tensor',
    run: () => ones([2], { dtype: 'int64' }).requiresGrad_(true),
    code: 'E_DTYPE',
    message: /setRequiresGrad.*floating point/,
  },
  { name: 'norm of an int tensor', run: () => ones([2], { dtype: 'int64' }).norm(), code: 'E_DTYPE', message: /norm.*Long/ },

  // devices
  { name: 'a malformed device string', run: () => zeros([1], { device: 'gpu' as Device }), code: 'E_DEVICE', message: /unknown device string 'gpu'/ },
  {
    name: 'a malformed device string reaching the addon',
    run: () => native().ops.zeros([1], 0, 'tpu:0'),
    code: 'E_DEVICE',
    message: /zeros.*unknown device 'tpu:0'/,
  },

  // autograd
  { name: 'backward of a non-scalar', run: () => ones([2], { requiresGrad: true }).mul(2).backward(), code: 'E_AUTOGRAD', message: /backward.*scalar outputs/ },
  { name: 'backward of a tensor outside any graph', run: () => ones([1]).backward(), code: 'E_AUTOGRAD', message: /backward.*does not require grad/ },
  {
    name: 'backward twice without retainGraph',
    run: () => {
      const w = ones([2], { requiresGrad: true });
      const loss = w.exp().sum();
      loss.backward();
      loss.backward();
    },
    code: 'E_AUTOGRAD',
    message: /backward.*second time/,
  },
  {
    name: 'in-place update of a leaf that requires grad, outside noGrad',
    run: () => ones([2], { requiresGrad: true }).add_(1),
    code: 'E_AUTOGRAD',
    message: /add_.*leaf Variable/,
  },
  {
    name: 'turning off requiresGrad of a non-leaf',
    run: () => (ones([2], { requiresGrad: true }).mul(2).requiresGrad = false),
    code: 'E_AUTOGRAD',
    message: /setRequiresGrad.*leaf variables/,
  },

  // arguments
  {
    name: 'a string where an op takes a tensor',
    run: () => native().ops.add('x', 1),
    code: 'E_ARG',
    message: /add: expected a Tensor for argument 1 but received string/,
  },
  {
    name: 'a string in a list of tensors',
    run: () => native().ops.cat([ones([1]).handle, 'x'], 0),
    code: 'E_ARG',
    message: /cat: expected a Tensor for element 1 of argument 1 but received string 'x'/,
  },
  {
    name: 'dispose of something that is no handle',
    run: () => native().dispose(7 as never),
    code: 'E_ARG',
    message: /dispose: expected a Tensor or native object for argument 1 but received number 7/,
  },
  { name: 'a fractional size in a shape', run: () => zeros([1.5]), code: 'E_ARG', message: /zeros: expected an array of integers for argument 1/ },
  {
    name: 'strings in nested data',
    run: () => tensor([['a']] as unknown as number[][]),
    code: 'E_ARG',
    message: /tensor\(\): expected numbers or booleans but received string 'a'/,
  },
  { name: 'NaN into an int64 tensor', run: () => tensor([NaN], { dtype: 'int64' }), code: 'E_ARG', message: /tensor\(\): cannot convert NaN to int64/ },
  { name: 'cat of an empty list', run: () => cat([]), code: 'E_ARG', message: /cat: expected a non-empty array/ },
  { name: 'chunk into 0 pieces', run: () => ones([4]).chunk(0), code: 'E_ARG', message: /chunk: chunks must be positive, got 0/ },
  { name: 'slice with step 0', run: () => ones([4]).slice(0, 0, 4, 0), code: 'E_ARG', message: /slice: step must be positive, got 0/ },
  { name: 'arange with step 0', run: () => arange(0, 4, 0), code: 'E_ARG', message: /arange: step must be non-zero/ },
  {
    name: 'crossEntropy with labelSmoothing above 1',
    run: () => F.crossEntropy(ones([2, 3]), long([0n, 1n]), { labelSmoothing: 1.5 }),
    code: 'E_ARG',
    message: /crossEntropy: labelSmoothing must be in \[0, 1\], got 1.5/,
  },
  {
    name: 'an unknown reduction',
    run: () => F.mseLoss(ones([2]), ones([2]), 'avg' as never),
    code: 'E_ARG',
    message: /mseLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'/,
  },
  {
    name: 'an unknown gelu approximation',
    run: () => F.gelu(ones([2]), 'fast' as never),
    code: 'E_ARG',
    message: /gelu: approximate must be 'none' or 'tanh', got 'fast'/,
  },
  { name: 'dropout probability above 1', run: () => F.dropout(ones([2]), 2), code: 'E_ARG', message: /dropout: p must be in \[0, 1\], got 2/ },
  { name: 'clamp without bounds', run: () => ones([2]).clamp(), code: 'E_ARG', message: /clamp: give min, max or both/ },
  {
    name: 'a negative seed',
    run: () => manualSeed(-1),
    code: 'E_ARG',
    message: /manualSeed: expected a non-negative integer for argument 1 but received number -1/,
  },
  { name: 'zero threads', run: () => setNumThreads(0), code: 'E_ARG', message: /setNumThreads: expected a positive integer but received number 0/ },
  { name: 'an op name the addon lacks', run: () => native().opAsync('nope'), code: 'E_ARG', message: /opAsync: unknown op 'nope'/ },
  { name: 'tidy given an async function', run: () => tidy(async () => 1), code: 'E_ARG', message: /tidy\(\).*tidyAsync/ },

  // lifetime
  {
    name: 'an op on a disposed tensor',
    run: () => {
      const t = ones([2]);
      t.dispose();
      return ones([2]).mul(t);
    },
    code: 'E_DISPOSED',
    message: /mul: argument 2 is a disposed tensor/,
  },
  {
    name: 'shape of a disposed tensor',
    run: () => {
      const t = ones([2]);
      t.dispose();
      return t.shape;
    },
    code: 'E_DISPOSED',
    message: /Tensor.shape: the tensor was disposed/,
  },
];

describe('misuse: coded errors naming the call and the values', () => {
  it('has at least 30 cases', () => {
    assert.ok(CASES.length >= 30, `${CASES.length} cases`);
  });

  for (const c of CASES) {
    it(`${c.code}: ${c.name}`, () => {
      tidy(() => {
        assert.throws(c.run, (e: unknown) => {
          assert.ok(e instanceof ZsclError, `a ZsclError, not ${String(e)}`);
          assert.equal(e.code, c.code, e.message);
          assert.match(e.message, c.message);
          assert.doesNotMatch(e.message, /Exception raised from|\.cpp:\d+|frame #/, 'no C++ backtrace');
          return true;
        });
      });
    });
  }

  (cudaAvailable() ? it.skip : it)('E_DEVICE: cuda on a libtorch without CUDA', () => {
    assert.throws(
      () => zeros([1], { device: 'cuda' }),
      (e: unknown) => {
        assert.ok(e instanceof ZsclError);
        assert.equal(e.code, 'E_DEVICE');
        assert.match(e.message, /zeros.*CUDA/);
        return true;
      },
    );
  });

  it('the process carries on: ops work after every failure above', () => {
    tidy(() =>
      assert.equal(
        ones([2, 2])
          .matmul(ones([2, 2]))
          .sum()
          .item(),
        8,
      ),
    );
  });
});

describe('misuse: objects in use by a worker are busy (E_BUSY)', () => {
  const busy = (run: () => unknown, message: RegExp) =>
    assert.throws(run, (e: unknown) => {
      assert.ok(e instanceof ZsclError, String(e));
      assert.equal(e.code, 'E_BUSY', e.message);
      assert.match(e.message, message);
      return true;
    });

  it('dispose and in-place ops on the inputs of an async op, until it settles', async () => {
    const a = randn([256, 256]);
    const b = randn([256, 256]);
    const pending = a.matmulAsync(b);
    busy(() => a.dispose(), /dispose.*in use by an unfinished async operation/);
    busy(() => b.mul_(2), /mul_.*float32\[256,256\] cpu is in use by an unfinished async operation/);
    busy(() => noGrad(() => a.copy_(b)), /copy_.*in use/);
    assert.equal(a.disposed, false);
    // reading an input is fine while a worker reads it too
    tidy(() => assert.deepEqual(a.add(1).shape, [256, 256]));
    const result = await pending;
    a.dispose(); // free again once settled
    b.mul_(2);
    for (const t of [b, result]) t.dispose();
  });

  it('reading a tensor that an async in-place op is writing', async () => {
    const a = ones([64, 64]);
    const pending = native().opAsync('add_', a.handle, 1);
    busy(() => a.sum(), /sum.*in use by an unfinished async operation/);
    busy(() => a.data(), /readData.*being written/);
    await pending;
    assert.equal(
      tidy(() => a.sum().item()),
      2 * 64 * 64,
    );
    a.dispose();
  });

  it('parameters and gradients while an async backward runs', async () => {
    const w = randn([128, 128], { requiresGrad: true });
    const x = randn([64, 128]);
    const loss = tidy(() => F.mseLoss(F.linear(x, w), zeros([64, 128])));
    const pending = loss.backwardAsync();
    busy(() => noGrad(() => w.add_(1)), /add_.*backward pass running on a worker thread/);
    busy(() => w.grad, /grad.*backward pass running on a worker thread/);
    busy(() => loss.dispose(), /dispose.*in use/);
    await pending;
    noGrad(() => w.sub_(tidy(() => (w.grad as Tensor).mul(0.1))));
    const grad = w.grad as Tensor;
    assert.deepEqual(grad.shape, [128, 128]);
    for (const t of [w, x, loss, grad]) t.dispose();
  });

  it('a busy tensor freed by its scope: the scope reports E_BUSY and the tensor stays usable', async () => {
    let a: Tensor | undefined;
    let pending: Promise<Tensor> | undefined;
    busy(
      () =>
        tidy(() => {
          a = ones([32, 32]);
          pending = a.matmulAsync(a);
        }),
      /dispose.*in use/,
    );
    const result = await pending!;
    assert.equal(a!.disposed, false);
    a!.dispose();
    result.dispose();
  });
});
