/** The 8 dtypes in and out of native memory, conversions, and devices (CUDA tests need a GPU). */
import assert from 'node:assert/strict';
import type { DType, Device, Tensor } from '../../lib';
import { F, allowTF32, cudaAvailable, cudaSynchronize, fromBytes, manualSeed, memory, ones, randn, scalar, setAllowTF32, tensor, tidy, zeros } from '../../lib';
import { native } from '../../lib/native';
import { assertValues, values } from '../support/tensor-assert';

const ALL: DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'uint8', 'bool'];

/** Values exactly representable in the dtype, and the typed array data() returns for it. */
const SAMPLES: Record<DType, { values: number[]; array: string }> = {
  float32: { values: [1.5, -2.25, Math.fround(3.0e38), Math.fround(1e-30), 0], array: 'Float32Array' },
  float64: { values: [1 / 3, -1e300, 5e-324, 0], array: 'Float64Array' },
  float16: { values: [1.5, -2.25, 65504, 0.0009765625, 0], array: 'Float32Array' },
  bfloat16: { values: [1.5, -2.25, 3.3895313892515355e38, 0.0078125, 0], array: 'Float32Array' },
  int64: { values: [2 ** 53 - 1, -(2 ** 40), 7, 0], array: 'BigInt64Array' },
  int32: { values: [2 ** 31 - 1, -(2 ** 31), 7, 0], array: 'Int32Array' },
  uint8: { values: [255, 128, 1, 0], array: 'Uint8Array' },
  bool: { values: [1, 0, 1], array: 'Uint8Array' },
};

describe('dtypes: all 8 round trip', () => {
  for (const dtype of ALL) {
    it(`${dtype}: create, read back, item, raw bytes, conversion to float64 and back`, () => {
      tidy(() => {
        const { values: vals, array } = SAMPLES[dtype];
        const t = tensor(vals, { dtype });
        assert.equal(t.dtype, dtype);
        assert.deepEqual(t.shape, [vals.length]);
        assert.equal(t.data().constructor.name, array);
        assert.deepEqual(values(t), vals);
        assert.equal(Number(t.select(0, 0).item()), vals[0]);
        // the stored bytes: element size times count, and fromBytes rebuilds the same tensor
        const size = { float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, uint8: 1, bool: 1 }[dtype];
        const bytes = t.bytes();
        assert.equal(bytes.length, size * vals.length);
        assert.deepEqual(values(fromBytes(bytes, [vals.length], dtype)), vals);
        if (dtype !== 'int64') assert.deepEqual(values(t.to('float64').to(dtype)), vals);
        assert.notEqual(t.to(dtype), t.to(dtype), 'to() returns a new Tensor object each time');
      });
    });
  }

  it('typed arrays keep their own dtype unless one is given', () => {
    tidy(() => {
      assert.equal(tensor(new Float32Array([1])).dtype, 'float32');
      assert.equal(tensor(new Float64Array([1])).dtype, 'float64');
      assert.equal(tensor(new BigInt64Array([1n])).dtype, 'int64');
      assert.equal(tensor(new Int32Array([1])).dtype, 'int32');
      assert.equal(tensor(new Uint8Array([1])).dtype, 'uint8');
      assert.equal(tensor(new Int32Array([1, 2]), { dtype: 'float16' }).dtype, 'float16');
      assert.equal(tensor([true, false]).dtype, 'bool');
      assert.deepEqual(tensor([true, false]).toArray(), [true, false]);
      assert.equal(tensor([1, 2]).dtype, 'float32');
      // a view into a larger buffer, and one over shared memory
      const buffer = new Float32Array([9, 1, 2, 9]);
      assertValues(tensor(buffer.subarray(1, 3)), [1, 2]);
      const shared = new Float32Array(new SharedArrayBuffer(8));
      shared.set([3, 4]);
      assertValues(tensor(shared), [3, 4]);
    });
  });

  it('every conversion between the 8 dtypes keeps 0 and 1', () => {
    tidy(() => {
      for (const from of ALL) {
        const t = tensor([0, 1, 1, 0], { dtype: from });
        for (const to of ALL) {
          const c = t.to(to);
          assert.equal(c.dtype, to, `${from} -> ${to}`);
          assert.deepEqual(values(c), [0, 1, 1, 0], `${from} -> ${to}`);
        }
      }
    });
  });

  it('narrowing conversions round as torch does', () => {
    tidy(() => {
      assertValues(tensor([2.7, -2.7]).to('int32'), [2, -2]); // toward zero
      assertValues(tensor([0.5, -3, 0]).to('bool'), [1, 1, 0]); // non-zero is true
      assertValues(tensor([1 / 3]).to('bfloat16'), [0.333984375]);
      assertValues(tensor([1 / 3]).to('float16'), [0.333251953125]);
      assertValues(tensor([70000]).to('float16'), [Infinity]);
      assertValues(scalar(3, { dtype: 'int64' }).add(0.5), [3.5]);
    });
  });

  it('int64 beyond 2^53 survives as BigInt', () => {
    tidy(() => {
      const big = 2n ** 62n + 1n;
      const t = tensor(BigInt64Array.from([big, -big]));
      assert.deepEqual(Array.from(t.data() as BigInt64Array), [big, -big]);
    });
  });

  it('arithmetic in half precision stays half, reductions of ints give int64', () => {
    tidy(() => {
      assert.equal(ones([2], { dtype: 'bfloat16' }).add(ones([2], { dtype: 'bfloat16' })).dtype, 'bfloat16');
      assert.equal(ones([2], { dtype: 'uint8' }).sum().dtype, 'int64');
      assert.equal(tensor([true, true, false]).sum().item(), 2);
      assert.equal(ones([2], { dtype: 'int32' }).add(ones([2], { dtype: 'float16' })).dtype, 'float16');
    });
  });
});

describe('devices', () => {
  it('cpu is the default and is reported as "cpu"', () => {
    tidy(() => {
      assert.equal(zeros([1]).device, 'cpu');
      assert.equal(zeros([1], { device: 'cpu' }).device, 'cpu');
      assert.equal(zeros([1]).to('cpu').device, 'cpu');
    });
  });

  it('malformed device strings are E_DEVICE, in TypeScript and in the addon', () => {
    for (const device of ['gpu', 'cuda:', 'cuda:x', 'CUDA', 'cpu:0', '', 'cuda:99999']) {
      assert.throws(
        () => zeros([1], { device: device as Device }),
        (e: { code?: string; message: string }) => {
          assert.equal(e.code, 'E_DEVICE', device);
          return true;
        },
      );
      assert.throws(
        () => native().ops.zeros([1], 0, device),
        (e: { code?: string; message: string }) => {
          assert.equal(e.code, 'E_DEVICE', `native ${device}`);
          return true;
        },
      );
    }
  });

  it("TF32 switches start at PyTorch's defaults (cuDNN on, cuBLAS off), set independently, and refuse non-booleans", () => {
    const initial = allowTF32();
    assert.deepEqual(initial, { cudnn: true, matmul: false });
    try {
      setAllowTF32({ cudnn: false });
      assert.deepEqual(allowTF32(), { cudnn: false, matmul: false });
      setAllowTF32({ matmul: true });
      assert.deepEqual(allowTF32(), { cudnn: false, matmul: true });
      assert.throws(
        () => setAllowTF32({ cudnn: 1 as unknown as boolean }),
        (e: { code?: string; message: string }) => e.code === 'E_ARG' && /cudnn/.test(e.message),
      );
      assert.throws(
        () => setAllowTF32({ fast: true } as never),
        (e: { code?: string }) => e.code === 'E_ARG',
      );
    } finally {
      setAllowTF32(initial);
    }
    assert.deepEqual(allowTF32(), initial);
  });

  (cudaAvailable() ? describe.skip : describe)('without CUDA', () => {
    it('asking for cuda is a coded E_DEVICE error, not a crash', () => {
      assert.throws(() => zeros([1], { device: 'cuda' }), { code: 'E_DEVICE' });
      const t = zeros([1]);
      assert.throws(() => t.to('cuda'), { code: 'E_DEVICE' });
      t.dispose();
    });
  });

  (cudaAvailable() ? describe : describe.skip)('with CUDA', () => {
    it('creates, computes and reads back on cuda:0', () => {
      tidy(() => {
        const a = tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { device: 'cuda' },
        );
        assert.equal(a.device, 'cuda:0');
        const b = a.matmul(a).add(1);
        assert.equal(b.device, 'cuda:0');
        assert.deepEqual(values(b), [8, 11, 16, 23]);
        assert.equal(b.to('cpu').device, 'cpu');
        assert.equal(a.sum().item(), 10);
        for (const dtype of ALL) assert.deepEqual(values(tensor([0, 1], { dtype, device: 'cuda:0' }).to('cpu')), [0, 1], dtype);
      });
    });

    it('mixing devices is E_DEVICE', () => {
      tidy(() => {
        const a = zeros([2], { device: 'cuda' });
        const b = zeros([2]);
        assert.throws(() => a.add(b.unsqueeze(0).expand(3, 2)), { code: 'E_DEVICE' });
        assert.throws(() => a.matmul(b), { code: 'E_DEVICE' });
      });
    });

    it('async ops, backward and losses on cuda', async () => {
      const x = randn([64, 32], { device: 'cuda' });
      const w = randn([16, 32], { device: 'cuda', requiresGrad: true });
      const y = await F.linearAsync(x, w);
      const loss = tidy(() => F.crossEntropy(y, zeros([64], { dtype: 'int64', device: 'cuda' }), { labelSmoothing: 0.1 }));
      await loss.backwardAsync();
      const grad = w.grad as Tensor;
      assert.equal(grad.device, 'cuda:0');
      assert.deepEqual(grad.shape, [16, 32]);
      cudaSynchronize();
      for (const t of [x, w, y, loss, grad]) t.dispose();
    });

    it('ops on cuda give the cpu results', () => {
      tidy(() => {
        manualSeed(3);
        const x = randn([8, 16]);
        const w = randn([4, 16]);
        const img = randn([2, 3, 9, 9]);
        const k = randn([5, 3, 3, 3]);
        const target = tensor(BigInt64Array.from([0n, 1n, 2n, 3n, 0n, 1n, 2n, 3n]));
        const run = (device: Device) => {
          const [xd, wd, imgd, kd, td] = [x, w, img, k, target].map((t) => t.to(device));
          const logits = F.linear(xd, wd);
          return [
            logits,
            F.conv2d(imgd, kd, undefined, { stride: 2, padding: 1 }),
            F.crossEntropy(logits, td, { labelSmoothing: 0.2 }),
            F.crossEntropy(logits, logits.mul(0.5).softmax(1)),
            logits.logSoftmax(1),
            F.layerNorm(xd, [16]),
            F.gelu(xd),
            xd.logsumexp(1),
            xd.normalize(),
            xd.norm(2, 1),
            xd.topk(3, 1).values,
            xd.sum(0),
          ].map((t) => t.to('cpu'));
        };
        const cpu = run('cpu');
        const cuda = run('cuda');
        cpu.forEach((t, i) => assertValues(cuda[i], values(t), 1e-4, `result ${i}`));
      });
    });

    it('gradients on cuda equal those on cpu', () => {
      tidy(() => {
        manualSeed(4);
        const x = randn([6, 5]);
        const w0 = randn([3, 5]);
        const soft = randn([6, 3]).softmax(1);
        const grads = (['cpu', 'cuda'] as Device[]).map((device) => {
          const w = w0.detach().to(device).requiresGrad_(true);
          const logits = F.linear(x.to(device), w);
          const loss = F.crossEntropy(logits, soft.to(device)).add(F.mseLoss(w, zeros([3, 5], { device }), 'sum'));
          loss.backward();
          return values((w.grad as Tensor).to('cpu'));
        });
        assertValues(tensor(grads[1]), grads[0], 1e-5, 'dW');
      });
    });

    it('half and bfloat16 products run on cuda', () => {
      tidy(() => {
        for (const dtype of ['float16', 'bfloat16'] as DType[]) {
          const a = ones([4, 4], { dtype, device: 'cuda' });
          const p = a.matmul(a);
          assert.equal(p.dtype, dtype);
          assertValues(p.to('float32'), new Array(16).fill(4), 0, dtype);
        }
      });
    });

    it('a cuda tensor used by an async op is busy until it settles', async () => {
      const a = randn([512, 512], { device: 'cuda' });
      const pending = a.matmulAsync(a);
      assert.throws(() => a.dispose(), { code: 'E_BUSY' });
      assert.throws(() => a.mul_(2), { code: 'E_BUSY' });
      const r = await pending;
      assert.equal(r.device, 'cuda:0');
      for (const t of [a, r]) t.dispose();
    });

    it('device memory is counted in memory().bytes', () => {
      const before = memory();
      const t = zeros([1024, 1024], { device: 'cuda' });
      assert.equal(memory().bytes - before.bytes, 4 * 1024 * 1024);
      t.dispose();
      assert.equal(memory().bytes, before.bytes);
    });
  });
});
