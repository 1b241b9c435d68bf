/**
 * Floating-point operations of one ZSCL step, counted from the shapes: matrix products only
 * (2·m·n·k per product; elementwise work, LayerNorm, softmax and the optimizer are not counted),
 * as MFU figures count them.
 *
 * A pre-LN transformer block over T tokens of width D runs, per sequence:
 *   full block    24·T·D² + 4·T²·D   (qkv 6TD², out 2TD², MLP 16TD²; q·kᵀ and p·v 2T²D each)
 *   read-only     4·T·D² + 20·D² + 4·T·D
 *                 (zscl's last block: keys and values over T tokens, one query row, its output
 *                 projection and MLP; docs/architecture.md)
 * The image tower adds the patch embedding 2·g²·3P²·D (g² patches of P×P×3) and the projection
 * 2·D·E; the text tower the projection 2·Dt·E. Backward costs twice the forward (input and
 * weight gradients) except the patch embedding, whose input (the images) needs no gradient.
 *
 * zscl per step: student image forward + backward over batch + reference images, student text
 * forward + backward over the class prompts (columns up to the last EOT), teacher image forward
 * over the reference images; its teacher text features are computed once per task (not counted).
 * The reference (Python loop) runs every last block in full, every text column, and, as
 * published, a teacher text forward over all reference texts at every step.
 */
import type { ClipConfig } from '../../lib/clip/config';

export interface StepShape {
  batch: number;
  refBatch: number;
  classes: number;
  refTexts: number;
  /** Text columns zscl runs for the class prompts (up to the last EOT). Default: the context length. */
  classColumns?: number;
}

function block(tokens: number, width: number): number {
  return 24 * tokens * width * width + 4 * tokens * tokens * width;
}

function readOnlyBlock(tokens: number, width: number): number {
  return 4 * tokens * width * width + 20 * width * width + 4 * tokens * width;
}

function tower(tokens: number, width: number, layers: number, lastReadOnly: boolean): number {
  return (layers - 1) * block(tokens, width) + (lastReadOnly ? readOnlyBlock(tokens, width) : block(tokens, width));
}

/** Forward FLOPs of one image, and the share of its patch embedding (which has no input gradient). */
function imageForward(c: ClipConfig, lastReadOnly: boolean): { total: number; patch: number } {
  const grid = c.imageResolution / c.visionPatchSize;
  const patch = 2 * grid * grid * 3 * c.visionPatchSize * c.visionPatchSize * c.visionWidth;
  const total = patch + tower(grid * grid + 1, c.visionWidth, c.visionLayers, lastReadOnly) + 2 * c.visionWidth * c.embedDim;
  return { total, patch };
}

function textForward(c: ClipConfig, columns: number, lastReadOnly: boolean): number {
  return tower(columns, c.transformerWidth, c.transformerLayers, lastReadOnly) + 2 * c.transformerWidth * c.embedDim;
}

export interface StepFlops {
  /** What zscl executes per step. */
  zscl: number;
  /** The Python loop with cached teacher text features. */
  referenceCached: number;
  /** The Python loop as published (teacher text features of every reference text, every step). */
  referenceAsPublished: number;
}

/** Matrix-product FLOPs of one ZSCL training step (see the file comment for the formula). */
export function zsclStepFlops(c: ClipConfig, s: StepShape): StepFlops {
  const side = (lastReadOnly: boolean, columns: number): number => {
    const image = imageForward(c, lastReadOnly);
    const studentImages = (s.batch + s.refBatch) * (3 * image.total - image.patch);
    const studentText = s.classes * 3 * textForward(c, columns, lastReadOnly);
    const teacherImages = s.refBatch * image.total;
    return studentImages + studentText + teacherImages;
  };
  const referenceCached = side(false, c.contextLength);
  return {
    zscl: side(true, s.classColumns ?? c.contextLength),
    referenceCached,
    referenceAsPublished: referenceCached + s.refTexts * textForward(c, c.contextLength, false),
  };
}
