/**
 * ClipModel: OpenAI CLIP (ViT image tower + causal text transformer) held in libtorch.
 * Parameter names equal the OpenAI/open_clip state-dict keys. Forward passes are sync or
 * Promise-returning (`*Async`, run on a worker thread).
 */
import { ZsclError, describeValue } from '../errors';
import { native } from '../native';
import type { NativeHandle, NativeResult } from '../native';
import { noGrad } from '../tensor/autograd';
import type { DType, Device } from '../tensor/dtype';
import { checkDevice, dtypeCode, DTYPES } from '../tensor/dtype';
import { NativeObject } from '../tensor/native-object';
import { keep } from '../tensor/scope';
import type { Tensor } from '../tensor/tensor';
import { op, wrap, wrapList } from '../tensor/tensor';
import { manualSeed } from '../runtime';
import type { ClipConfig } from './config';
import { loadModelConfig, validateConfig } from './config';
import { clipLogits } from './logits';
import type { Precision } from './precision';
import { checkPrecision } from './precision';

/** Parts of the model that can be frozen or trained separately. */
export type ClipPart = 'visual' | 'text' | 'logit_scale';

/** Features with the hidden state before the projection. */
export interface FeaturesWithHidden {
  features: Tensor;
  /** ln_post(class token) for images; ln_final at the EOT position for texts. */
  hidden: Tensor;
}

/** Result of copying a state dict into a model. */
export interface LoadReport {
  missing: string[];
  unexpected: string[];
  mismatched: { name: string; expected: number[]; received: number[] }[];
}

/** Which part a parameter belongs to. */
export function partOf(name: string): ClipPart {
  if (name === 'logit_scale') return 'logit_scale';
  return name.startsWith('visual.') ? 'visual' : 'text';
}

export class ClipModel extends NativeObject {
  /** The shapes this model was built with. */
  readonly config: ClipConfig;
  private params: Map<string, Tensor> | undefined;
  private training = true;
  private precisionMode: Precision = 'fp32';

  private constructor(handle: NativeHandle, config: ClipConfig) {
    super(handle, 'ClipModel');
    this.config = config;
  }

  /**
   * A new model with OpenAI's initialisation scheme. `seed` makes it repeatable (it seeds the
   * global generator first). Sync.
   * @throws ZsclError E_CONFIG for an invalid config or unknown name.
   */
  static create(config: ClipConfig | string, options: { seed?: number; device?: Device; dtype?: DType } = {}): ClipModel {
    const resolved = typeof config === 'string' ? loadModelConfig(config) : validateConfig({ ...config });
    if (options.seed !== undefined) manualSeed(options.seed);
    const model = new ClipModel(op('clipCreate', resolved) as NativeHandle, resolved);
    if (options.device || options.dtype) model.to({ device: options.device, dtype: options.dtype });
    return model;
  }

  /**
   * Promise form of {@link create}: the weights are initialised on a worker thread (the global
   * generator is seeded first when `seed` is given). Async.
   * @throws (rejects) as {@link create}.
   */
  static async createAsync(config: ClipConfig | string, options: { seed?: number } = {}): Promise<ClipModel> {
    const resolved = typeof config === 'string' ? loadModelConfig(config) : validateConfig({ ...config });
    if (options.seed !== undefined) manualSeed(options.seed);
    return new ClipModel((await native().opAsync('clipCreate', resolved)) as NativeHandle, resolved);
  }

  // ---- forward ------------------------------------------------------------------------------

  /**
   * The precision of this model's forward passes (and of its clones'): with 'bf16' the encoders
   * run autocast to bfloat16 and return float32 features; 'fp32' and 'tf32' run in float32 (TF32
   * is libtorch's process-wide CUDA switch: setAllowTF32, or a run's `precision`). Default 'fp32'.
   * @throws ZsclError E_ARG (setter) for anything but 'fp32', 'tf32' or 'bf16'.
   */
  get precision(): Precision {
    return this.precisionMode;
  }
  set precision(value: Precision) {
    this.precisionMode = checkPrecision(value, 'ClipModel.precision');
  }

  /** Image features [N, E] of normalised images [N, 3, R, R] (not L2-normalised). Sync. */
  encodeImage(images: Tensor): Tensor {
    return wrap(op('clipEncodeImage', this.nativeHandle, images.handle, false, this.autocast));
  }
  /** Image features with the pre-projection hidden state. Sync. */
  encodeImageWithHidden(images: Tensor): FeaturesWithHidden {
    return pair(op('clipEncodeImage', this.nativeHandle, images.handle, true, this.autocast));
  }
  /** Promise form of {@link encodeImage}, run on a worker thread. */
  async encodeImageAsync(images: Tensor): Promise<Tensor> {
    return wrap(await native().opAsync('clipEncodeImage', this.nativeHandle, images.handle, false, this.autocast));
  }
  /** Text features [M, E] of token rows [M, L] (EOT = largest id in each row). Sync. */
  encodeText(tokens: Tensor): Tensor {
    return wrap(op('clipEncodeText', this.nativeHandle, tokens.handle, false, this.autocast));
  }
  encodeTextWithHidden(tokens: Tensor): FeaturesWithHidden {
    return pair(op('clipEncodeText', this.nativeHandle, tokens.handle, true, this.autocast));
  }
  async encodeTextAsync(tokens: Tensor): Promise<Tensor> {
    return wrap(await native().opAsync('clipEncodeText', this.nativeHandle, tokens.handle, false, this.autocast));
  }

  // The native encoders' bfloat16-autocast flag.
  private get autocast(): boolean {
    return this.precisionMode === 'bf16';
  }

  /** exp(logit_scale), read from the weights. */
  get logitScale(): number {
    return noGrad(() => {
      const scale = this.parameter('logit_scale').exp();
      try {
        return scale.item();
      } finally {
        scale.dispose();
      }
    });
  }

  /**
   * CLIP logits: `exp(logit_scale)·norm(img) @ norm(txt)ᵀ` and its transpose. Sync.
   */
  logits(images: Tensor, tokens: Tensor): { logitsPerImage: Tensor; logitsPerText: Tensor } {
    const img = this.encodeImage(images);
    const txt = this.encodeText(tokens);
    const scale = this.parameter('logit_scale').exp();
    try {
      const logitsPerImage = clipLogits(img, txt, scale);
      return { logitsPerImage, logitsPerText: logitsPerImage.T };
    } finally {
      scale.dispose();
      img.dispose();
      txt.dispose();
    }
  }

  // ---- parameters ---------------------------------------------------------------------------

  /**
   * Parameters by state-dict name. The tensors ARE the model's parameters (in-place updates
   * change the model); they belong to the model and are freed with it. Sync.
   */
  namedParameters(): Map<string, Tensor> {
    if (!this.params) {
      const [names, handles] = op('clipParameters', this.nativeHandle) as unknown as [string[], NativeHandle[]];
      const tensors = keep(wrapList(handles as unknown as NativeResult));
      this.params = new Map(names.map((name, i) => [name, tensors[i]]));
    }
    return this.params;
  }

  /** One parameter by name. @throws ZsclError E_ARG for an unknown name. */
  parameter(name: string): Tensor {
    const p = this.namedParameters().get(name);
    if (!p) throw new ZsclError(`ClipModel has no parameter '${name}'`, 'E_ARG');
    return p;
  }

  /** Total number of parameter elements. */
  get parameterCount(): number {
    let total = 0;
    for (const p of this.namedParameters().values()) total += p.size;
    return total;
  }

  /** Parameters that currently require grad (the trainable ones), by name. */
  trainableParameters(): Map<string, Tensor> {
    return new Map([...this.namedParameters()].filter(([, p]) => p.requiresGrad));
  }

  /** Stops gradients for the given parts. Returns this. */
  freeze(...parts: ClipPart[]): this {
    return this.setTrainable(parts, false);
  }
  /** Re-enables gradients for the given parts (all when none given). Returns this. */
  unfreeze(...parts: ClipPart[]): this {
    return this.setTrainable(parts.length ? parts : ['visual', 'text', 'logit_scale'], true);
  }

  private setTrainable(parts: ClipPart[], flag: boolean): this {
    for (const part of parts) {
      if (part !== 'visual' && part !== 'text' && part !== 'logit_scale') {
        throw new ZsclError(`unknown model part ${describeValue(part)}; expected 'visual', 'text' or 'logit_scale'`, 'E_ARG');
      }
    }
    for (const [name, p] of this.namedParameters()) {
      if (parts.includes(partOf(name))) p.requiresGrad = flag;
    }
    return this;
  }

  /**
   * Copies tensors into the parameters of the same names (strict by default: every name must
   * match with the same shape; one error lists all missing, unexpected and mis-shaped keys). Sync.
   * @throws ZsclError E_FORMAT with the full report when strict and anything differs.
   */
  loadStateDict(tensors: Record<string, Tensor> | Map<string, Tensor>, options: { strict?: boolean } = {}): LoadReport {
    const { source, report } = this.matchStateDict(tensors, options);
    const params = this.namedParameters();
    noGrad(() => {
      for (const [name, t] of source) {
        const p = params.get(name);
        if (p && sameShape(p.shape, t.shape)) p.copy_(t);
      }
    });
    return report;
  }

  /**
   * Promise form of {@link loadStateDict}: each copy runs on a worker thread, one after another.
   * Async. @throws (rejects) as {@link loadStateDict}.
   */
  async loadStateDictAsync(tensors: Record<string, Tensor> | Map<string, Tensor>, options: { strict?: boolean } = {}): Promise<LoadReport> {
    const { source, report } = this.matchStateDict(tensors, options);
    const params = this.namedParameters();
    for (const [name, t] of source) {
      const p = params.get(name);
      // The grad mode is captured when the op is queued: off, as the parameters are leaves.
      if (p && sameShape(p.shape, t.shape)) await noGrad(() => native().opAsync('copy_', p.handle, t.handle));
    }
    return report;
  }

  private matchStateDict(tensors: Record<string, Tensor> | Map<string, Tensor>, options: { strict?: boolean }) {
    const source = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
    const params = this.namedParameters();
    const report: LoadReport = { missing: [], unexpected: [], mismatched: [] };
    for (const name of params.keys()) if (!source.has(name)) report.missing.push(name);
    for (const [name, t] of source) {
      const p = params.get(name);
      if (!p) report.unexpected.push(name);
      else if (!sameShape(p.shape, t.shape)) report.mismatched.push({ name, expected: p.shape, received: t.shape });
    }
    const clean = report.missing.length + report.unexpected.length + report.mismatched.length === 0;
    if (!clean && options.strict !== false) throw new ZsclError(describeReport(report), 'E_FORMAT');
    return { source, report };
  }

  /** The parameters by name (the same tensors as {@link namedParameters}). */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.namedParameters());
  }

  // ---- modes, copies, devices ---------------------------------------------------------------

  /** Training mode (CLIP has no dropout/batch-norm, so this only records the mode). Returns this. */
  train(flag = true): this {
    op('clipSetTraining', this.nativeHandle, flag);
    this.training = flag;
    return this;
  }
  eval(): this {
    return this.train(false);
  }
  get isTraining(): boolean {
    return this.training;
  }

  /** An independent deep copy (teacher, averaged model): same weights, flags, mode and precision. Sync. */
  clone(): ClipModel {
    const copy = new ClipModel(op('clipClone', this.nativeHandle) as NativeHandle, { ...this.config });
    copy.training = this.training;
    copy.precisionMode = this.precisionMode;
    return copy;
  }
  /** Promise form of {@link clone}. */
  async cloneAsync(): Promise<ClipModel> {
    const handle = (await native().opAsync('clipClone', this.nativeHandle)) as NativeHandle;
    const copy = new ClipModel(handle, { ...this.config });
    copy.training = this.training;
    copy.precisionMode = this.precisionMode;
    return copy;
  }

  /** Moves and/or casts every parameter in place. Returns this. */
  to(target: Device | DType | { device?: Device; dtype?: DType }): this {
    const spec = typeof target === 'string' ? (DTYPES.includes(target as DType) ? { dtype: target as DType } : { device: target as Device }) : target;
    const device = spec.device === undefined ? undefined : checkDevice(spec.device);
    const dtype = spec.dtype === undefined ? undefined : dtypeCode(spec.dtype);
    op('clipTo', this.nativeHandle, device, dtype);
    this.dropParameterCache();
    return this;
  }

  /** The device of the parameters. */
  get device(): Device {
    return this.parameter('logit_scale').device;
  }

  /** The cached parameter tensors go with the model's native memory. */
  protected override afterDispose(): void {
    this.dropParameterCache();
  }

  private dropParameterCache(): void {
    if (!this.params) return;
    for (const p of this.params.values()) p.dispose();
    this.params = undefined;
  }
}

function pair(result: NativeResult): FeaturesWithHidden {
  const [features, hidden] = wrapList(result);
  return { features, hidden };
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** One message listing every missing, unexpected and mis-shaped key. */
export function describeReport(report: LoadReport): string {
  const lines = ['state dict does not match the model:'];
  if (report.missing.length) lines.push(`  missing (${report.missing.length}): ${report.missing.join(', ')}`);
  if (report.unexpected.length) lines.push(`  unexpected (${report.unexpected.length}): ${report.unexpected.join(', ')}`);
  for (const m of report.mismatched) lines.push(`  mis-shaped: ${m.name} expected [${m.expected}] but received [${m.received}]`);
  return lines.join('\n');
}
