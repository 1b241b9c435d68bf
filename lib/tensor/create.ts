/** Creating tensors: from JS data, constants, ranges, and seeded random draws. All sync. */
import { ZsclError, argumentError } from '../errors';
import type { DType, Device, TypedArray } from './dtype';
import { checkDevice, dtypeCode, dtypeOfArray } from './dtype';
import { Tensor, op, wrap } from './tensor';

/** Where and how a new tensor lives. */
export interface TensorOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

type NestedNumbers = number | boolean | NestedNumbers[];

/**
 * A tensor holding a copy of `data`: a typed array (with `shape`, default 1-D) or nested arrays of
 * numbers/booleans (shape inferred). The dtype defaults to the typed array's own, else float32
 * (bool for boolean arrays).
 * @throws ZsclError E_SHAPE when data and shape disagree, E_ARG for ragged or non-numeric arrays.
 */
export function tensor(data: TypedArray | NestedNumbers, options: TensorOptions & { shape?: number[] } = {}): Tensor {
  let flat: TypedArray;
  let shape: number[];
  let source: DType;
  let target: DType;
  if (ArrayBuffer.isView(data)) {
    flat = data as TypedArray;
    source = dtypeOfArray(flat);
    target = options.dtype ?? source;
    shape = options.shape ?? [flat.length];
  } else {
    shape = inferShape(data);
    if (options.shape) shape = options.shape;
    const values = flatten(data);
    const isBool = values.length > 0 && typeof values[0] === 'boolean';
    target = options.dtype ?? (isBool ? 'bool' : 'float32');
    ({ flat, source } = packNumbers(values, target));
  }
  const result = wrap(op('fromBuffer', flat, shape, dtypeCode(source), dtypeCode(target), deviceArg(options)));
  if (options.requiresGrad) result.requiresGrad_(true);
  return result;
}

/**
 * A tensor from raw little-endian bytes laid out as `dtype` (e.g. float16 or bfloat16 read from a
 * file). One copy. @throws ZsclError E_SHAPE when the byte count does not fill `shape`.
 */
export function fromBytes(bytes: Uint8Array, shape: number[], dtype: DType, options: Omit<TensorOptions, 'dtype'> = {}): Tensor {
  const result = wrap(op('fromBuffer', bytes, shape, dtypeCode(dtype), dtypeCode(dtype), deviceArg(options)));
  if (options.requiresGrad) result.requiresGrad_(true);
  return result;
}

/** A 0-dim tensor. */
export function scalar(value: number, options: TensorOptions = {}): Tensor {
  return tensor([value], { ...options, shape: [] });
}

export function zeros(shape: number[], options: TensorOptions = {}): Tensor {
  return finish(wrap(op('zeros', shape, dtypeArg(options), deviceArg(options))), options);
}
export function ones(shape: number[], options: TensorOptions = {}): Tensor {
  return finish(wrap(op('ones', shape, dtypeArg(options), deviceArg(options))), options);
}
/**
 * Uninitialised memory; faster than zeros when every element is written next. `pinMemory`: host
 * memory that GPUs copy from without blocking (see Tensor.pinMemory; unpinned without a CUDA
 * device).
 * @throws ZsclError E_ARG for `pinMemory` with a device other than the CPU.
 */
export function empty(shape: number[], options: TensorOptions & { pinMemory?: boolean } = {}): Tensor {
  if (!options.pinMemory) return finish(wrap(op('empty', shape, dtypeArg(options), deviceArg(options))), options);
  if (options.device !== undefined && options.device !== 'cpu') {
    throw new ZsclError(`empty: pinned memory is host memory, but device '${options.device}' was asked for`, 'E_ARG');
  }
  return finish(wrap(op('emptyPinned', shape, dtypeArg(options))), options);
}
export function full(shape: number[], value: number, options: TensorOptions = {}): Tensor {
  return finish(wrap(op('full', shape, value, dtypeArg(options), deviceArg(options))), options);
}
/** `start, start+step, …` below `end` (int64 unless a dtype is given). `arange(n)` counts 0…n−1. */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  return finish(wrap(op('arange', start, end, step, options.dtype ? dtypeCode(options.dtype) : undefined, deviceArg(options))), options);
}
/** Identity matrix n×m (m = n by default). */
export function eye(n: number, m?: number, options: TensorOptions = {}): Tensor {
  return finish(wrap(op('eye', n, m ?? n, dtypeArg(options), deviceArg(options))), options);
}
/** Uniform [0, 1) draws from the global generator ({@link manualSeed} makes them repeatable). */
export function rand(shape: number[], options: TensorOptions = {}): Tensor {
  return finish(wrap(op('rand', shape, dtypeArg(options), deviceArg(options))), options);
}
/** Standard normal draws from the global generator. */
export function randn(shape: number[], options: TensorOptions = {}): Tensor {
  return finish(wrap(op('randn', shape, dtypeArg(options), deviceArg(options))), options);
}
/** Integers in [low, high) (int64 unless a dtype is given). */
export function randint(low: number, high: number, shape: number[], options: TensorOptions = {}): Tensor {
  return finish(wrap(op('randint', low, high, shape, options.dtype ? dtypeCode(options.dtype) : undefined, deviceArg(options))), options);
}
/** A random permutation of 0…n−1 (int64). */
export function randperm(n: number, options: Omit<TensorOptions, 'requiresGrad'> = {}): Tensor {
  return wrap(op('randperm', n, options.dtype ? dtypeCode(options.dtype) : undefined, deviceArg(options)));
}
export function zerosLike(like: Tensor): Tensor {
  return wrap(op('zerosLike', like.handle));
}
export function onesLike(like: Tensor): Tensor {
  return wrap(op('onesLike', like.handle));
}
export function fullLike(like: Tensor, value: number): Tensor {
  return wrap(op('fullLike', like.handle, value));
}

/** Concatenates along an existing dim. */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  return wrap(op('cat', handles(tensors, 'cat'), dim));
}
/** Stacks along a new dim. */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  return wrap(op('stack', handles(tensors, 'stack'), dim));
}
/** Elementwise `condition ? a : b`; a and b may be numbers. */
export function where(condition: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  return wrap(op('where', condition.handle, a instanceof Tensor ? a.handle : a, b instanceof Tensor ? b.handle : b));
}

function handles(tensors: Tensor[], name: string): unknown[] {
  if (!Array.isArray(tensors)) throw argumentError(`${name}`, 'an array of Tensors', tensors);
  return tensors.map((t, i) => {
    if (!(t instanceof Tensor)) throw argumentError(name, `element ${i} to be a Tensor`, t);
    return t.handle;
  });
}

function dtypeArg(options: TensorOptions): number {
  return dtypeCode(options.dtype ?? 'float32');
}

function deviceArg(options: TensorOptions): string | undefined {
  return options.device === undefined ? undefined : checkDevice(options.device);
}

function finish(t: Tensor, options: TensorOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferShape(data: NestedNumbers): number[] {
  const shape: number[] = [];
  let level: NestedNumbers = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

function flatten(data: NestedNumbers): (number | boolean)[] {
  const shape = inferShape(data);
  const out: (number | boolean)[] = [];
  const walk = (value: NestedNumbers, depth: number): void => {
    if (depth === shape.length) {
      if (typeof value !== 'number' && typeof value !== 'boolean') {
        throw argumentError('tensor()', 'numbers or booleans', value);
      }
      out.push(value);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[depth]) {
      throw new ZsclError(`tensor(): ragged nested array (expected length ${shape[depth]} at depth ${depth})`, 'E_SHAPE');
    }
    for (const item of value) walk(item, depth + 1);
  };
  walk(data, 0);
  return out;
}

function packNumbers(values: (number | boolean)[], target: DType): { flat: TypedArray; source: DType } {
  const numbers = values.map(Number);
  if (target === 'int64' || target === 'int32' || target === 'uint8') {
    const bad = numbers.find((v) => !Number.isFinite(v));
    if (bad !== undefined) throw new ZsclError(`tensor(): cannot convert ${bad} to ${target}`, 'E_ARG');
  }
  switch (target) {
    case 'float64':
      return { flat: Float64Array.from(numbers), source: 'float64' };
    case 'int64':
      return { flat: BigInt64Array.from(numbers, (v) => BigInt(Math.trunc(v))), source: 'int64' };
    case 'int32':
      return { flat: Int32Array.from(numbers), source: 'int32' };
    case 'uint8':
    case 'bool':
      return { flat: Uint8Array.from(numbers), source: 'uint8' };
    default:
      return { flat: Float32Array.from(numbers), source: 'float32' };
  }
}
