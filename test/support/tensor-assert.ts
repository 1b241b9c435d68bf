/** Tensors described as plain JSON (test/fixtures/core) and value comparison with tolerances. */
import assert from 'node:assert/strict';
import type { DType, Tensor } from '../../lib';
import { tensor } from '../../lib';

/** A tensor written by scripts/fixtures/*.py: flat row-major data (booleans as 0/1). */
export interface TensorJson {
  dtype: DType;
  shape: number[];
  data: number[];
}

/** The tensor a fixture describes, on the CPU. */
export function fromJson(t: TensorJson): Tensor {
  switch (t.dtype) {
    case 'int64':
      return tensor(
        BigInt64Array.from(t.data, (v) => BigInt(v)),
        { shape: t.shape },
      );
    case 'float64':
      return tensor(Float64Array.from(t.data), { shape: t.shape });
    case 'bool':
      return tensor(Uint8Array.from(t.data), { shape: t.shape, dtype: 'bool' });
    default:
      return tensor(Float32Array.from(t.data), { shape: t.shape, dtype: t.dtype });
  }
}

/** Flat values of a tensor as plain numbers (int64 via Number, bool as 0/1). */
export function values(t: Tensor): number[] {
  return Array.from(t.data() as ArrayLike<number | bigint>, (v) => Number(v));
}

/**
 * Asserts dtype, shape and every element: |actual − expected| ≤ atol + rtol·|expected|
 * (exact for integer and bool dtypes).
 */
export function assertTensor(actual: Tensor, expected: TensorJson, label: string, tol: { atol?: number; rtol?: number } = {}): void {
  assert.equal(actual.dtype, expected.dtype, `${label}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  const got = values(actual);
  const exact = !['float32', 'float64', 'float16', 'bfloat16'].includes(expected.dtype);
  const atol = tol.atol ?? 1e-6;
  const rtol = tol.rtol ?? 1e-5;
  for (let i = 0; i < got.length; i++) {
    const e = expected.data[i];
    if (exact) {
      assert.equal(got[i], e, `${label}: element ${i}`);
    } else {
      assert.ok(Math.abs(got[i] - e) <= atol + rtol * Math.abs(e), `${label}: element ${i} is ${got[i]}, expected ${e}`);
    }
  }
}

/** Asserts every element of a tensor against numbers, within `tol` (absolute). */
export function assertValues(actual: Tensor, expected: number[], tol = 0, label = 'values'): void {
  const got = values(actual);
  assert.equal(got.length, expected.length, `${label}: element count`);
  for (let i = 0; i < got.length; i++) {
    const ok = got[i] === expected[i] || Math.abs(got[i] - expected[i]) <= tol;
    assert.ok(ok, `${label}: element ${i} is ${got[i]}, expected ${expected[i]}`);
  }
}
