/** Numeric comparison with the fixtures' per-element tolerance |a − b| ≤ atol + rtol·|b|. */
import assert from 'node:assert/strict';
import type { Tensor } from '../../lib';

export interface Closeness {
  ok: boolean;
  /** Largest |a − b|. */
  maxAbs: number;
  /** Largest |a − b| − rtol·|b| (≤ atol when ok). */
  worstMargin: number;
  failures: number;
}

export function closeness(actual: Tensor | ArrayLike<number>, expected: Tensor | ArrayLike<number>, atol: number, rtol: number): Closeness {
  const a = toNumbers(actual);
  const b = toNumbers(expected);
  if (a.length !== b.length) return { ok: false, maxAbs: Infinity, worstMargin: Infinity, failures: Math.max(a.length, b.length) };
  let maxAbs = 0;
  let worstMargin = -Infinity;
  let failures = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    const margin = d - rtol * Math.abs(b[i]);
    if (!(d <= atol + rtol * Math.abs(b[i]))) failures++;
    maxAbs = Math.max(maxAbs, d);
    worstMargin = Math.max(worstMargin, margin);
  }
  return { ok: failures === 0, maxAbs, worstMargin, failures };
}

/** Asserts equal shapes and |a − b| ≤ atol + rtol·|b| everywhere, naming `what` on failure. */
export function assertClose(actual: Tensor, expected: Tensor, atol: number, rtol: number, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, what);
  const c = closeness(actual, expected, atol, rtol);
  assert.ok(c.ok, `${what}: ${c.failures} elements off, max |d| ${c.maxAbs}`);
}

function toNumbers(value: Tensor | ArrayLike<number>): ArrayLike<number> {
  if (typeof (value as Tensor).data === 'function') {
    const t = value as Tensor;
    const d = t.data();
    return d instanceof BigInt64Array ? Array.from(d, Number) : (d as ArrayLike<number>);
  }
  return value as ArrayLike<number>;
}
