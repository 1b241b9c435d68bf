/**
 * Neural-network functions in the manner of torch.nn.functional. Sync unless named `*Async`
 * (those run on a worker thread).
 */
import { argumentError } from '../errors';
import type { Reduction, Tensor } from './tensor';
import { op, opAsync, wrap } from './tensor';

/** x·Wᵀ + b with weight [out, in]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  return wrap(op('linear', x.handle, weight.handle, bias?.handle));
}
export function linearAsync(x: Tensor, weight: Tensor, bias?: Tensor): Promise<Tensor> {
  return opAsync('linear', x.handle, weight.handle, bias?.handle);
}

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  groups?: number;
}

/** 2-D convolution of NCHW input with weight [out, in/groups, kh, kw]. */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor, options: Conv2dOptions = {}): Tensor {
  return wrap(op('conv2d', x.handle, weight.handle, bias?.handle, options.stride, options.padding, options.dilation, options.groups));
}
export function conv2dAsync(x: Tensor, weight: Tensor, bias?: Tensor, options: Conv2dOptions = {}): Promise<Tensor> {
  return opAsync('conv2d', x.handle, weight.handle, bias?.handle, options.stride, options.padding, options.dilation, options.groups);
}

/** LayerNorm over the trailing `normalizedShape` dims (biased variance, eps 1e-5). */
export function layerNorm(x: Tensor, normalizedShape: number[], weight?: Tensor, bias?: Tensor, eps = 1e-5): Tensor {
  return wrap(op('layerNorm', x.handle, normalizedShape, weight?.handle, bias?.handle, eps));
}

/** GELU, exact (erf) or with the tanh approximation. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return wrap(op('gelu', x.handle, approximate));
}

/** x·sigmoid(1.702x), the activation of OpenAI CLIP. */
export function quickGelu(x: Tensor): Tensor {
  return wrap(op('quickGelu', x.handle));
}

export function dropout(x: Tensor, p: number, training = true): Tensor {
  return wrap(op('dropout', x.handle, p, training));
}

/** Rows of `weight` [V, D] at integer `indices`. */
export function embedding(weight: Tensor, indices: Tensor): Tensor {
  return wrap(op('embedding', weight.handle, indices.handle));
}

export interface CrossEntropyOptions {
  reduction?: Reduction;
  /** Mixes the target with the uniform distribution: (1−ε)·target + ε/C. */
  labelSmoothing?: number;
  /** Per-class weights [C]. */
  weight?: Tensor;
}

/**
 * Cross-entropy of `logits` [N, C] against class indices (int64 [N]) or class probabilities
 * (float [N, C], "soft targets"), as torch.nn.functional.cross_entropy.
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  return wrap(op('crossEntropy', logits.handle, target.handle, options.reduction ?? 'mean', options.labelSmoothing ?? 0, options.weight?.handle));
}

/** Negative log-likelihood of log-probabilities [N, C] at class indices [N]. */
export function nllLoss(logProbs: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(op('nllLoss', logProbs.handle, target.handle, reduction));
}

/** Mean (or summed) squared error. */
export function mseLoss(x: Tensor, y: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(op('mseLoss', x.handle, y.handle, reduction));
}

/** One-hot int64 rows of `numClasses` columns (inferred from the largest index when omitted). */
export function oneHot(indices: Tensor, numClasses?: number): Tensor {
  if (numClasses !== undefined && (!Number.isInteger(numClasses) || numClasses <= 0)) {
    throw argumentError('oneHot', 'numClasses to be a positive integer', numClasses);
  }
  return wrap(op('oneHot', indices.handle, numClasses));
}

/** `x` divided by its L2 norm along `dim` (exactly `x / ||x||`, no epsilon, as CLIP does). */
export function normalize(x: Tensor, dim = -1): Tensor {
  return x.normalize(dim);
}
