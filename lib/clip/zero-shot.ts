/**
 * Zero-shot classification head: class names × templates → per-template normalised text
 * features, averaged over templates, re-normalised (the reference's evaluation, docs/method.md §5).
 */
import { ZsclError, describeValue } from '../errors';
import { noGrad } from '../tensor/autograd';
import { cat } from '../tensor/create';
import { keep, tidy, tidyAsync } from '../tensor/scope';
import type { Tensor } from '../tensor/tensor';
import { clipLogits } from './logits';
import type { ClipModel } from './model';

/** A prompt template: a string with `{}` (or `{c}`) where the class name goes, or a function. */
export type PromptTemplate = string | ((className: string) => string);

/** Turns texts into token rows [N, C] (int64) for the model. */
export type TokenizeFn = (texts: string[]) => Tensor;

/** Fills a template: every `{}` or `{c}` becomes the class name (taken literally). */
export function fillTemplate(template: PromptTemplate, className: string): string {
  if (typeof template === 'function') return template(className);
  if (!template.includes('{}') && !template.includes('{c}')) {
    throw new ZsclError(`template '${template}' has no '{}' placeholder for the class name`, 'E_ARG');
  }
  return template.replace(/\{c?\}/g, () => className);
}

export interface ZeroShotOptions {
  /** Texts encoded per forward pass (default 256). */
  batchSize?: number;
}

/** Options of {@link ZeroShotClassifier.fromTokens}. */
export interface ZeroShotTokenOptions extends ZeroShotOptions {
  /** One name per class (default `'0'`, `'1'`, …). */
  classNames?: string[];
}

/** Class weights [C, E] (unit rows) for zero-shot logits; reusable across batches. */
export class ZeroShotClassifier implements Disposable {
  private constructor(
    readonly classNames: string[],
    /** [C, E], each row unit-norm. Owned by the classifier. */
    readonly weights: Tensor,
  ) {}

  /**
   * Encodes every class × template with the model (no grad), in batches. Sync.
   * @throws ZsclError E_ARG for empty class names or templates, or a template without `{}`.
   */
  static build(model: ClipModel, tokenize: TokenizeFn, classNames: string[], templates: PromptTemplate[], options: ZeroShotOptions = {}): ZeroShotClassifier {
    const prompts = promptsOf(classNames, templates);
    const weights = noGrad(() =>
      tidy(() => {
        const features = batches(prompts, options.batchSize).map((texts) => model.encodeText(tokenize(texts)));
        return keep(classWeights(cat(features, 0), classNames.length, templates.length));
      }),
    );
    return new ZeroShotClassifier([...classNames], weights);
  }

  /** Promise form of {@link build}: the text forward passes run on a worker thread. */
  static async buildAsync(
    model: ClipModel,
    tokenize: TokenizeFn,
    classNames: string[],
    templates: PromptTemplate[],
    options: ZeroShotOptions = {},
  ): Promise<ZeroShotClassifier> {
    const prompts = promptsOf(classNames, templates);
    const weights = await tidyAsync(async () => {
      const features: Tensor[] = [];
      for (const texts of batches(prompts, options.batchSize)) {
        const tokens = tokenize(texts);
        features.push(await noGrad(() => model.encodeTextAsync(tokens)));
      }
      return noGrad(() => classWeights(cat(features, 0), classNames.length, templates.length));
    });
    return new ZeroShotClassifier([...classNames], weights);
  }

  /**
   * Class weights from prompts that are already token rows: `tokens` [C, K, L] holds K templates
   * of each of C classes (as the fixtures' `eval_tokens`). The classifier does not take ownership of
   * `tokens`. Sync.
   * @throws ZsclError E_SHAPE when `tokens` is not 3-D or has an empty dimension, E_DTYPE when it
   *   is not integer, E_ARG when `classNames` does not have C entries.
   */
  static fromTokens(model: ClipModel, tokens: Tensor, options: ZeroShotTokenOptions = {}): ZeroShotClassifier {
    const [classes, templates, length] = tokenGrid(tokens);
    const classNames = namesFor(classes, options.classNames);
    const size = batchSizeOf(options.batchSize);
    const weights = noGrad(() =>
      tidy(() => {
        const rows = tokens.reshape(classes * templates, length);
        const features: Tensor[] = [];
        for (let i = 0; i < classes * templates; i += size) features.push(model.encodeText(rows.slice(0, i, i + size)));
        return keep(classWeights(cat(features, 0), classes, templates));
      }),
    );
    return new ZeroShotClassifier(classNames, weights);
  }

  /** `scale · norm(imageFeatures) @ Wᵀ` [N, C]; the reference evaluates with scale 100. Sync. */
  logits(imageFeatures: Tensor, scale = 100): Tensor {
    return clipLogits(imageFeatures, this.weights, scale, { text: true });
  }

  /** Top-1 class index per image feature row (int64 [N]). Sync. */
  predict(imageFeatures: Tensor): Tensor {
    return tidy(() => this.logits(imageFeatures).argmax(-1));
  }

  dispose(): void {
    this.weights.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

function promptsOf(classNames: string[], templates: PromptTemplate[]): string[] {
  if (!Array.isArray(classNames) || classNames.length === 0) throw new ZsclError('zero-shot: no class names given', 'E_ARG');
  if (!Array.isArray(templates) || templates.length === 0) throw new ZsclError('zero-shot: no templates given', 'E_ARG');
  return classNames.flatMap((c) => templates.map((t) => fillTemplate(t, c)));
}

function batchSizeOf(size = 256): number {
  if (!Number.isInteger(size) || size < 1) throw new ZsclError(`zero-shot: batchSize must be a positive integer but received ${describeValue(size)}`, 'E_ARG');
  return size;
}

function batches(texts: string[], batchSize?: number): string[][] {
  const size = batchSizeOf(batchSize);
  const out: string[][] = [];
  for (let i = 0; i < texts.length; i += size) out.push(texts.slice(i, i + size));
  return out;
}

// [C, K, L] of a token-row tensor, checked.
function tokenGrid(tokens: Tensor): [number, number, number] {
  const shape = tokens.shape;
  if (shape.length !== 3 || shape.some((d) => d === 0)) {
    throw new ZsclError(`ZeroShotClassifier.fromTokens: expected tokens [classes, templates, length] but received shape [${shape.join(', ')}]`, 'E_SHAPE');
  }
  if (!INTEGER_DTYPES.has(tokens.dtype)) {
    throw new ZsclError(`ZeroShotClassifier.fromTokens: expected integer token ids but received ${tokens.dtype}`, 'E_DTYPE');
  }
  return shape as [number, number, number];
}

const INTEGER_DTYPES = new Set<string>(['int64', 'int32', 'uint8']);

function namesFor(classes: number, names: string[] | undefined): string[] {
  if (names === undefined) return Array.from({ length: classes }, (_, i) => String(i));
  if (!Array.isArray(names) || names.length !== classes) {
    const received = Array.isArray(names) ? `${names.length}` : describeValue(names);
    throw new ZsclError(`ZeroShotClassifier.fromTokens: expected ${classes} class names (one per row of tokens) but received ${received}`, 'E_ARG');
  }
  return [...names];
}

// [C·K, E] features (class-major) -> [C, E]: normalise each, mean over K templates, re-normalise.
function classWeights(features: Tensor, classes: number, templates: number): Tensor {
  return features.normalize().reshape(classes, templates, -1).mean(1).normalize();
}
