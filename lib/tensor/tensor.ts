/**
 * Tensor: a JS owner of one native libtorch tensor. Ops are synchronous unless named `*Async`
 * (those run on a worker thread with the grad mode of their call, and return a Promise; until it
 * settles their inputs are busy: dispose() and in-place updates of them throw E_BUSY). Results are new tensors tracked by the
 * current scope ({@link tidy}); `dispose()` frees native memory at once, the GC is only a safety net.
 */
import { ZsclError, argumentError, describeValue } from '../errors';
import type { NativeAddon, NativeHandle, NativeOperand, NativeResult } from '../native';
import { native } from '../native';
import type { DataTypeMap, DType, Device } from './dtype';
import { DTYPES, checkDevice, dtypeCode, viewData } from './dtype';
import type { Scope } from './scope';
import { currentScope } from './scope';

/** A tensor or a plain number where an op accepts either. */
export type TensorLike = Tensor | number;

/** Reduction of a loss over its elements. */
export type Reduction = 'mean' | 'sum' | 'none';

type Nested = number | boolean | Nested[];

/** A multi-dimensional array held by libtorch (CPU or CUDA). */
export class Tensor implements Disposable {
  /**
   * @internal the native handle; never share it between Tensor objects, nor keep it past
   * dispose() (it is then reused for another tensor, and this field points at a dead handle)
   */
  handle: NativeHandle;
  /** @internal the scope that will dispose this tensor, if any */
  scope: Scope | undefined = undefined;
  private meta: [number, string, number[]] | undefined;
  private released = false;

  /** @internal use the creation functions ({@link tensor}, {@link zeros}, …) instead */
  constructor(handle: NativeHandle) {
    this.handle = handle;
    currentScope()?.track(this);
  }

  // ---- identity ----------------------------------------------------------------------------

  private info(what: string): [number, string, number[]] {
    if (this.released) throw new ZsclError(`Tensor.${what}: the tensor was disposed`, 'E_DISPOSED');
    return (this.meta ??= native().meta(this.handle));
  }

  /** Sizes of each dimension (a copy). @throws ZsclError E_DISPOSED after dispose(). */
  get shape(): number[] {
    return [...this.info('shape')[2]];
  }
  /** Number of dimensions. */
  get rank(): number {
    return this.info('rank')[2].length;
  }
  /** Number of elements. */
  get size(): number {
    return this.info('size')[2].reduce((a, b) => a * b, 1);
  }
  /** Element type. @throws ZsclError E_DISPOSED after dispose(). */
  get dtype(): DType {
    return DTYPES[this.info('dtype')[0]];
  }
  /** `'cpu'` or `'cuda:N'`. @throws ZsclError E_DISPOSED after dispose(). */
  get device(): Device {
    return this.info('device')[1] as Device;
  }
  /** True once {@link dispose} has run. */
  get disposed(): boolean {
    return this.released;
  }

  /**
   * Frees the native tensor now. Idempotent.
   * @throws ZsclError E_BUSY while an unfinished async op uses this tensor.
   */
  dispose(): void {
    if (this.released) return;
    const addon = native();
    addon.dispose(this.handle, true);
    this.handle = addon.disposedHandle;
    this.released = true;
    this.scope?.release(this);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  toString(): string {
    if (this.released) return 'Tensor(disposed)';
    return `Tensor(${this.dtype}[${this.shape.join(', ')}] ${this.device})`;
  }

  // ---- data out ----------------------------------------------------------------------------

  /** Elements in row-major order as a typed array copy (float16/bfloat16 widen to float32). Sync. */
  data<D extends DType = DType>(): DataTypeMap[D] {
    return viewData(native().readData(this.handle), this.dtype) as DataTypeMap[D];
  }

  /** The stored bytes in row-major order, in the dtype's own layout (float16 stays 2 bytes). Sync. */
  bytes(): Uint8Array {
    return new Uint8Array(native().readData(this.handle, true));
  }

  /** Elements as nested arrays of numbers (booleans for bool). Sync. */
  toArray(): Nested {
    const data = this.data();
    const dtype = this.dtype;
    const flat: (number | boolean)[] = Array.from(data as ArrayLike<number | bigint>, (v) => (dtype === 'bool' ? v !== 0 : Number(v)));
    const shape = this.info('toArray')[2];
    if (shape.length === 0) return flat[0];
    const build = (dim: number, offset: number): Nested[] => {
      const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: shape[dim] }, (_, i) => (dim === shape.length - 1 ? flat[offset + i] : build(dim + 1, offset + i * stride)));
    };
    return build(0, 0);
  }

  /**
   * The value of a one-element tensor. Sync.
   * @throws ZsclError E_SHAPE when it has more elements, E_DISPOSED after dispose().
   */
  item(): number {
    return Number(native().item(this.handle));
  }

  // ---- conversion --------------------------------------------------------------------------

  /**
   * Converts dtype and/or device (returns a new tensor; same data if nothing changes).
   * `nonBlocking`: a copy between pinned host memory ({@link pinMemory}) and a GPU returns before
   * it is done (ordered on the GPU's stream like its kernels; the host tensor may be disposed at
   * once); any other copy is unaffected.
   */
  to(target: DType | Device | { dtype?: DType; device?: Device }, options: { copy?: boolean; nonBlocking?: boolean } = {}): Tensor {
    const { dtype, device } = parseTarget(target);
    return wrap(op('to', this.handle, dtype === undefined ? undefined : dtypeCode(dtype), device, options.copy ?? false, options.nonBlocking ?? false));
  }
  /**
   * This host tensor in pinned (page-locked) memory, which GPUs copy from faster and without
   * blocking: a copy, or the same data when already pinned. Without a CUDA device nothing can be
   * pinned and it returns the same data unpinned ({@link isPinned} stays false). Sync.
   * @throws ZsclError E_DEVICE for a tensor that is not on the CPU.
   */
  pinMemory(): Tensor {
    return wrap(op('pinMemory', this.handle));
  }
  /** Whether the data lies in pinned host memory (always false without a CUDA device). */
  get isPinned(): boolean {
    return op('isPinned', this.handle) as boolean;
  }
  /** Promise form of {@link to} (device transfers of large tensors). */
  toAsync(target: DType | Device | { dtype?: DType; device?: Device }): Promise<Tensor> {
    const { dtype, device } = parseTarget(target);
    return opAsync('to', this.handle, dtype === undefined ? undefined : dtypeCode(dtype), device, false);
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  long(): Tensor {
    return this.to('int64');
  }
  clone(): Tensor {
    return this.unary('clone');
  }
  contiguous(): Tensor {
    return this.unary('contiguous');
  }

  // ---- autograd ----------------------------------------------------------------------------

  /** Whether autograd records ops on this tensor. */
  get requiresGrad(): boolean {
    return Boolean(op('requiresGrad', this.handle));
  }
  set requiresGrad(flag: boolean) {
    op('setRequiresGrad', this.handle, flag);
  }
  /** Sets {@link requiresGrad} and returns this tensor. */
  requiresGrad_(flag = true): this {
    op('setRequiresGrad', this.handle, flag);
    return this;
  }
  get isLeaf(): boolean {
    return Boolean(op('isLeaf', this.handle));
  }
  /** The accumulated gradient (a new Tensor sharing its storage), or null. */
  get grad(): Tensor | null {
    const h = op('grad', this.handle);
    return h ? new Tensor(h as NativeHandle) : null;
  }
  /** Replaces (or with null clears) the accumulated gradient. */
  setGrad(grad: Tensor | null): void {
    op('setGrad', this.handle, grad?.handle ?? null);
  }
  /** Keeps the gradient of a non-leaf tensor after backward. */
  retainGrad(): this {
    op('retainGrad', this.handle);
    return this;
  }
  /**
   * Backpropagates from this tensor (a scalar unless `gradient` is given). Sync.
   * @throws ZsclError E_AUTOGRAD when nothing in the graph requires grad.
   */
  backward(gradient?: Tensor, options: { retainGraph?: boolean } = {}): void {
    op('backward', this.handle, gradient?.handle, options.retainGraph ?? false);
  }
  /**
   * Promise form of {@link backward}, run on a worker thread. Until it settles, gradients and
   * tensors that require grad are the worker's: reading `grad`, in-place updates of parameters
   * and another backward throw E_BUSY.
   */
  async backwardAsync(gradient?: Tensor, options: { retainGraph?: boolean } = {}): Promise<void> {
    await native().opAsync('backward', this.handle, gradient?.handle, options.retainGraph ?? false);
  }
  /** A tensor sharing this data, cut from the autograd graph. */
  detach(): Tensor {
    return this.unary('detach');
  }

  // ---- views and indexing ------------------------------------------------------------------

  reshape(...shape: number[] | [number[]]): Tensor {
    return wrap(op('reshape', this.handle, flatArgs(shape)));
  }
  permute(...dims: number[] | [number[]]): Tensor {
    return wrap(op('permute', this.handle, flatArgs(dims)));
  }
  transpose(dim0 = -2, dim1 = -1): Tensor {
    return wrap(op('transpose', this.handle, dim0, dim1));
  }
  /** The matrix transpose (last two dims). */
  get T(): Tensor {
    return this.transpose(-2, -1);
  }
  /** Elements `start <= i < end` (step `step`) along `dim`; negative bounds count from the end. */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return wrap(op('slice', this.handle, dim, start, end, step));
  }
  /** The sub-tensor at `index` along `dim` (that dim removed). */
  select(dim: number, index: number): Tensor {
    return wrap(op('select', this.handle, dim, index));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return wrap(op('indexSelect', this.handle, dim, index.handle));
  }
  gather(dim: number, index: Tensor): Tensor {
    return wrap(op('gather', this.handle, dim, index.handle));
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return wrapList(op('chunk', this.handle, chunks, dim));
  }
  split(size: number, dim = 0): Tensor[] {
    return wrapList(op('split', this.handle, size, dim));
  }
  expand(...shape: number[] | [number[]]): Tensor {
    return wrap(op('expand', this.handle, flatArgs(shape)));
  }
  squeeze(dim?: number): Tensor {
    return wrap(op('squeeze', this.handle, dim));
  }
  unsqueeze(dim: number): Tensor {
    return wrap(op('unsqueeze', this.handle, dim));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return wrap(op('flatten', this.handle, startDim, endDim));
  }
  repeat(...sizes: number[] | [number[]]): Tensor {
    return wrap(op('repeat', this.handle, flatArgs(sizes)));
  }
  flip(...dims: number[] | [number[]]): Tensor {
    return wrap(op('flip', this.handle, flatArgs(dims)));
  }
  triu(diagonal = 0): Tensor {
    return wrap(op('triu', this.handle, diagonal));
  }
  tril(diagonal = 0): Tensor {
    return wrap(op('tril', this.handle, diagonal));
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return wrap(op('maskedFill', this.handle, mask.handle, value));
  }

  // ---- elementwise -------------------------------------------------------------------------

  add(other: TensorLike): Tensor {
    return this.binary('add', other);
  }
  sub(other: TensorLike): Tensor {
    return this.binary('sub', other);
  }
  mul(other: TensorLike): Tensor {
    return this.binary('mul', other);
  }
  div(other: TensorLike): Tensor {
    return this.binary('div', other);
  }
  pow(other: TensorLike): Tensor {
    return this.binary('pow', other);
  }
  remainder(other: TensorLike): Tensor {
    return this.binary('remainder', other);
  }
  maximum(other: TensorLike): Tensor {
    return this.binary('maximum', other);
  }
  minimum(other: TensorLike): Tensor {
    return this.binary('minimum', other);
  }
  eq(other: TensorLike): Tensor {
    return this.binary('eq', other);
  }
  ne(other: TensorLike): Tensor {
    return this.binary('ne', other);
  }
  lt(other: TensorLike): Tensor {
    return this.binary('lt', other);
  }
  le(other: TensorLike): Tensor {
    return this.binary('le', other);
  }
  gt(other: TensorLike): Tensor {
    return this.binary('gt', other);
  }
  ge(other: TensorLike): Tensor {
    return this.binary('ge', other);
  }
  logicalAnd(other: TensorLike): Tensor {
    return this.binary('logicalAnd', other);
  }
  logicalOr(other: TensorLike): Tensor {
    return this.binary('logicalOr', other);
  }
  logicalXor(other: TensorLike): Tensor {
    return this.binary('logicalXor', other);
  }
  logicalNot(): Tensor {
    return this.unary('logicalNot');
  }
  neg(): Tensor {
    return this.unary('neg');
  }
  abs(): Tensor {
    return this.unary('abs');
  }
  exp(): Tensor {
    return this.unary('exp');
  }
  log(): Tensor {
    return this.unary('log');
  }
  log1p(): Tensor {
    return this.unary('log1p');
  }
  expm1(): Tensor {
    return this.unary('expm1');
  }
  sqrt(): Tensor {
    return this.unary('sqrt');
  }
  rsqrt(): Tensor {
    return this.unary('rsqrt');
  }
  square(): Tensor {
    return this.unary('square');
  }
  reciprocal(): Tensor {
    return this.unary('reciprocal');
  }
  sin(): Tensor {
    return this.unary('sin');
  }
  cos(): Tensor {
    return this.unary('cos');
  }
  tanh(): Tensor {
    return this.unary('tanh');
  }
  sigmoid(): Tensor {
    return this.unary('sigmoid');
  }
  relu(): Tensor {
    return this.unary('relu');
  }
  sign(): Tensor {
    return this.unary('sign');
  }
  floor(): Tensor {
    return this.unary('floor');
  }
  ceil(): Tensor {
    return this.unary('ceil');
  }
  round(): Tensor {
    return this.unary('round');
  }
  isnan(): Tensor {
    return this.unary('isnan');
  }
  isinf(): Tensor {
    return this.unary('isinf');
  }
  isfinite(): Tensor {
    return this.unary('isfinite');
  }
  clamp(min?: number, max?: number): Tensor {
    return wrap(op('clamp', this.handle, min, max));
  }

  // ---- reductions --------------------------------------------------------------------------

  /** Sum over `dims` (all when omitted). */
  sum(dims?: number | number[], keepdim = false): Tensor {
    return wrap(op('sum', this.handle, dims, keepdim));
  }
  mean(dims?: number | number[], keepdim = false): Tensor {
    return wrap(op('mean', this.handle, dims, keepdim));
  }
  prod(dim?: number, keepdim = false): Tensor {
    return wrap(op('prod', this.handle, dim, keepdim));
  }
  /** Largest value over `dims` (all when omitted). For indices use {@link maxDim} or {@link argmax}. */
  max(dims?: number | number[], keepdim = false): Tensor {
    return wrap(op('amax', this.handle, dims, keepdim));
  }
  min(dims?: number | number[], keepdim = false): Tensor {
    return wrap(op('amin', this.handle, dims, keepdim));
  }
  /** Largest values along `dim` and their indices. */
  maxDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    return pairOf(op('maxDim', this.handle, dim, keepdim));
  }
  minDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    return pairOf(op('minDim', this.handle, dim, keepdim));
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return wrap(op('argmax', this.handle, dim, keepdim));
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return wrap(op('argmin', this.handle, dim, keepdim));
  }
  all(dim?: number, keepdim = false): Tensor {
    return wrap(op('all', this.handle, dim, keepdim));
  }
  any(dim?: number, keepdim = false): Tensor {
    return wrap(op('any', this.handle, dim, keepdim));
  }
  /** The `k` largest (or smallest) values along `dim` and their indices. */
  topk(k: number, dim = -1, largest = true, sorted = true): { values: Tensor; indices: Tensor } {
    return pairOf(op('topk', this.handle, k, dim, largest, sorted));
  }
  sort(dim = -1, descending = false): { values: Tensor; indices: Tensor } {
    return pairOf(op('sort', this.handle, dim, descending));
  }
  cumsum(dim: number): Tensor {
    return wrap(op('cumsum', this.handle, dim));
  }
  /** Vector p-norm over `dims` (all when omitted). */
  norm(p = 2, dims?: number | number[], keepdim = false): Tensor {
    return wrap(op('norm', this.handle, p, dims, keepdim));
  }
  logsumexp(dims: number | number[], keepdim = false): Tensor {
    return wrap(op('logsumexp', this.handle, dims, keepdim));
  }
  variance(dims?: number | number[], unbiased = true, keepdim = false): Tensor {
    return wrap(op('var', this.handle, dims, unbiased, keepdim));
  }
  std(dims?: number | number[], unbiased = true, keepdim = false): Tensor {
    return wrap(op('std', this.handle, dims, unbiased, keepdim));
  }

  // ---- products and nn ---------------------------------------------------------------------

  matmul(other: Tensor): Tensor {
    return new Tensor(ops().matmul(this.handle, other.handle) as NativeHandle);
  }
  /** Promise form of {@link matmul}, run on a worker thread. Rejects with the codes of matmul. */
  matmulAsync(other: Tensor): Promise<Tensor> {
    return opAsync('matmul', this.handle, other.handle);
  }
  bmm(other: Tensor): Tensor {
    return wrap(op('bmm', this.handle, other.handle));
  }
  bmmAsync(other: Tensor): Promise<Tensor> {
    return opAsync('bmm', this.handle, other.handle);
  }
  softmax(dim: number): Tensor {
    return wrap(op('softmax', this.handle, dim));
  }
  logSoftmax(dim: number): Tensor {
    return wrap(op('logSoftmax', this.handle, dim));
  }
  /** Divides each row (along `dim`) by its L2 norm, exactly `x / ||x||` as CLIP does (no epsilon). */
  normalize(dim = -1): Tensor {
    const norm = wrap(op('norm', this.handle, 2, dim, true));
    try {
      return this.div(norm);
    } finally {
      norm.dispose();
    }
  }

  // ---- in-place updates (use under noGrad for parameters) -----------------------------------

  /** this ← source (broadcast, converted). Returns this. */
  copy_(source: Tensor): this {
    op('copy_', this.handle, source.handle);
    return this;
  }
  /** this ← this + alpha·other. Returns this. */
  add_(other: TensorLike, alpha = 1): this {
    op('add_', this.handle, operand(other), alpha);
    return this;
  }
  sub_(other: TensorLike): this {
    op('sub_', this.handle, operand(other));
    return this;
  }
  mul_(other: TensorLike): this {
    op('mul_', this.handle, operand(other));
    return this;
  }
  div_(other: TensorLike): this {
    op('div_', this.handle, operand(other));
    return this;
  }
  /** this ← this + weight·(end − this). Returns this. */
  lerp_(end: Tensor, weight: TensorLike): this {
    op('lerp_', this.handle, end.handle, operand(weight));
    return this;
  }
  fill_(value: number): this {
    op('fill_', this.handle, value);
    return this;
  }
  zero_(): this {
    op('zero_', this.handle);
    return this;
  }

  // The hot paths call the op table directly: no rest array, no spread.
  private unary(name: string): Tensor {
    return new Tensor(ops()[name](this.handle) as NativeHandle);
  }
  private binary(name: string, other: TensorLike): Tensor {
    return new Tensor(ops()[name](this.handle, operand(other)) as NativeHandle);
  }
}

// ---- helpers shared by the tensor modules ----------------------------------------------------

/** @internal runs a native op synchronously */
export function op(name: string, ...args: unknown[]): NativeResult {
  return ops()[name](...args);
}

let opTable: NativeAddon['ops'] | undefined;

/** The native op table (loads the addon on first use). */
function ops(): NativeAddon['ops'] {
  return (opTable ??= native().ops);
}

/** @internal runs a native op on a worker thread; resolves to a Tensor in the caller's scope */
export async function opAsync(name: string, ...args: unknown[]): Promise<Tensor> {
  return wrap(await native().opAsync(name, ...args));
}

/** @internal */
export function wrap(result: NativeResult): Tensor {
  return new Tensor(result as NativeHandle);
}

/** @internal */
export function wrapList(result: NativeResult): Tensor[] {
  return (result as NativeHandle[]).map((h) => new Tensor(h));
}

function pairOf(result: NativeResult): { values: Tensor; indices: Tensor } {
  const [values, indices] = wrapList(result);
  return { values, indices };
}

/** @internal a tensor's handle or a number, for ops that take either */
function operand(value: TensorLike): NativeOperand {
  if (value instanceof Tensor) return value.handle;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  throw new ZsclError(`expected a Tensor or a number but received ${describeValue(value)}`, 'E_ARG');
}

function flatArgs(args: number[] | [number[]]): number[] {
  return Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[]);
}

function parseTarget(target: DType | Device | { dtype?: DType; device?: Device }): { dtype?: DType; device?: Device } {
  if (typeof target === 'string') {
    return DTYPES.includes(target as DType) ? { dtype: target as DType } : { device: checkDevice(target) };
  }
  if (target === null || typeof target !== 'object') {
    throw argumentError('to()', 'a dtype, a device or {dtype, device}', target);
  }
  return { dtype: target.dtype, device: target.device === undefined ? undefined : checkDevice(target.device) };
}
