/**
 * Parameter-space operations of continual learning, each one native call over whole lists:
 * L2 distance to an anchor (WC), the weight-ensemble running average (WE), interpolation
 * (WiSE-FT), bulk copies and float64 sums of squares.
 */
import { ZsclError } from '../errors';
import { native } from '../native';
import type { Tensor } from '../tensor/tensor';
import { op, wrap } from '../tensor/tensor';

function handles(list: Tensor[]): unknown[] {
  return list.map((t) => t.handle);
}

/** Σ_i Σ (p_i − a_i)², differentiable in `params` (anchors are constants). Async (whole-model sums take milliseconds on big models). */
export async function squaredDistanceAsync(params: Tensor[], anchors: Tensor[]): Promise<Tensor> {
  return wrap(await native().opAsync('paramsSquaredDistance', handles(params), handles(anchors)));
}

/** averaged ← (averaged·n + current)/(1 + n) for every tensor, in that float order. Async. */
export async function weightAverageAsync(averaged: Tensor[], current: Tensor[], n: number): Promise<void> {
  if (!(n >= 0)) throw new ZsclError(`weightAverage: n must be ≥ 0, got ${n}`, 'E_ARG');
  await native().opAsync('weightAverage_', handles(averaged), handles(current), n);
}

/** target ← (1 − alpha)·a + alpha·b for every tensor (no grad). Async. */
export async function interpolateAsync(target: Tensor[], a: Tensor[], b: Tensor[], alpha: number): Promise<void> {
  await native().opAsync('interpolate_', handles(target), handles(a), handles(b), alpha);
}

/** targets[i] ← sources[i] (no grad). Async. */
export async function copyAllAsync(targets: Tensor[], sources: Tensor[]): Promise<void> {
  await native().opAsync('copyAll_', handles(targets), handles(sources));
}

/** Σ_i Σ x² accumulated in float64. Sync. */
export function sumOfSquares(tensors: Tensor[]): number {
  return op('sumOfSquares', handles(tensors)) as number;
}
