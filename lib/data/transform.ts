/**
 * CLIP's image transforms as data, and their geometry: where to crop and what size to resize to.
 * Evaluation: `Resize(size, bicubic)` of the shorter side, then `CenterCrop(size)`. Training:
 * `RandomResizedCrop(size, scale=(0.9, 1.0), bicubic)`. The arithmetic (truncation, Python's
 * round-half-to-even, the 10-attempt sampling with its centre-crop fallback) follows torchvision
 * 0.14 exactly; the random draws come from a {@link SeededRandom} stream instead of torch's.
 */
import { ZsclError, argumentError } from '../errors';
import type { SeededRandom } from './random';
import type { Box } from './resample';

/** OpenAI CLIP's normalisation mean (RGB). */
export const CLIP_MEAN: readonly [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
/** OpenAI CLIP's normalisation standard deviation (RGB). */
export const CLIP_STD: readonly [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

interface TransformBase {
  /** Output side in pixels (square output). */
  size: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** Resize the shorter side to `size` (bicubic), centre-crop `size` × `size`, normalise. */
export interface EvalTransform extends TransformBase {
  kind: 'eval';
}

/** Crop a random region (area fraction `scale`, aspect `ratio`), resize it to `size` × `size`, normalise. */
export interface TrainTransform extends TransformBase {
  kind: 'train';
  scale: readonly [number, number];
  ratio: readonly [number, number];
}

export type ImageTransform = EvalTransform | TrainTransform;

/** Options shared by both transform factories. */
export interface TransformOptions {
  size?: number;
  mean?: readonly [number, number, number];
  std?: readonly [number, number, number];
}

/**
 * CLIP's validation transform (reference and evaluation images). Sync.
 * @throws ZsclError E_ARG for a size that is not a positive integer or a bad mean/std.
 */
export function clipEvalTransform(options: TransformOptions = {}): EvalTransform {
  return { kind: 'eval', ...base('clipEvalTransform', options) };
}

/**
 * CLIP's training transform for the current task: RandomResizedCrop(size, scale 0.9–1.0, ratio
 * 3/4–4/3). Sync.
 * @throws ZsclError E_ARG for bad sizes, scale or ratio ranges.
 */
export function clipTrainTransform(options: TransformOptions & { scale?: readonly [number, number]; ratio?: readonly [number, number] } = {}): TrainTransform {
  const scale = options.scale ?? [0.9, 1.0];
  const ratio = options.ratio ?? [3 / 4, 4 / 3];
  const range = (name: string, r: readonly [number, number], max: number) => {
    if (!Array.isArray(r) || r.length !== 2 || !(r[0] > 0) || !(r[1] >= r[0]) || !(r[1] <= max)) {
      throw new ZsclError(
        `clipTrainTransform: expected ${name} as [low, high] with 0 < low <= high${Number.isFinite(max) ? ` <= ${max}` : ''} but received ${JSON.stringify(r)}`,
        'E_ARG',
      );
    }
  };
  range('scale', scale, 1);
  range('ratio', ratio, Infinity);
  return { kind: 'train', ...base('clipTrainTransform', options), scale: [scale[0], scale[1]], ratio: [ratio[0], ratio[1]] };
}

function base(caller: string, options: TransformOptions): TransformBase {
  const size = options.size ?? 224;
  if (!Number.isSafeInteger(size) || size < 1 || size > 8192) throw argumentError(caller, 'size to be an integer in 1…8192', size);
  const triple = (name: string, v: readonly number[] | undefined, fallback: readonly [number, number, number], positive: boolean) => {
    const value = v ?? fallback;
    if (!Array.isArray(value) || value.length !== 3 || !value.every((x) => Number.isFinite(x) && (!positive || x > 0))) {
      throw new ZsclError(`${caller}: expected ${name} to be 3 finite numbers${positive ? ' > 0' : ''} but received ${JSON.stringify(v)}`, 'E_ARG');
    }
    return [value[0], value[1], value[2]] as const;
  };
  return { size, mean: triple('mean', options.mean, CLIP_MEAN, false), std: triple('std', options.std, CLIP_STD, true) };
}

/**
 * Where a transform reads and writes: take `sourceBox` of the (oriented) image as an image of its
 * own, resize it to `width` × `height`, keep `outputBox` of the result.
 */
export interface ResizePlan {
  sourceBox: Box;
  width: number;
  height: number;
  outputBox: Box;
}

/** Python 3's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * torchvision `Resize(size)` of the shorter side then `CenterCrop(size)`, for an image of
 * `width` × `height`. Sync.
 */
export function evalPlan(width: number, height: number, size: number): ResizePlan {
  // torchvision 0.14 _compute_resized_output_size: the long side is truncated, not rounded.
  const [resizedWidth, resizedHeight] = width <= height ? [size, Math.trunc((size * height) / width)] : [Math.trunc((size * width) / height), size];
  return {
    sourceBox: { left: 0, top: 0, width, height },
    width: resizedWidth,
    height: resizedHeight,
    outputBox: centerCrop(resizedWidth, resizedHeight, size),
  };
}

/** torchvision `CenterCrop(size)` of a `width` × `height` image that is at least `size` on both sides. */
function centerCrop(width: number, height: number, size: number): Box {
  return { left: roundHalfEven((width - size) / 2), top: roundHalfEven((height - size) / 2), width: size, height: size };
}

/**
 * torchvision `RandomResizedCrop(size, scale, ratio)` for an image of `width` × `height`, drawing
 * from `random`: up to 10 attempts of (log-uniform aspect, uniform area), else the centre crop
 * clamped to the ratio range. Sync.
 */
export function trainPlan(width: number, height: number, transform: TrainTransform, random: SeededRandom): ResizePlan {
  const area = width * height;
  const logRatio = [Math.log(transform.ratio[0]), Math.log(transform.ratio[1])];
  let box: Box | undefined;
  for (let attempt = 0; attempt < 10 && !box; attempt++) {
    const targetArea = area * random.uniform(transform.scale[0], transform.scale[1]);
    const aspect = Math.exp(random.uniform(logRatio[0], logRatio[1]));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = random.int(0, height - h + 1);
      const left = random.int(0, width - w + 1);
      box = { left, top, width: w, height: h };
    }
  }
  if (!box) {
    const inRatio = width / height;
    let w = width;
    let h = height;
    if (inRatio < transform.ratio[0]) h = roundHalfEven(w / transform.ratio[0]);
    else if (inRatio > transform.ratio[1]) w = roundHalfEven(h * transform.ratio[1]);
    box = { left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h };
  }
  const size = transform.size;
  return { sourceBox: box, width: size, height: size, outputBox: { left: 0, top: 0, width: size, height: size } };
}
