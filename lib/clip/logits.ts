/** CLIP's logits, the one place they are computed (training CE, distillation, zero-shot heads, ClipModel.logits). */
import { tidy } from '../tensor/scope';
import type { Tensor } from '../tensor/tensor';

/** Which inputs are already unit rows (they are then used as they are, not normalised again). */
export interface UnitFeatures {
  image?: boolean;
  text?: boolean;
}

/**
 * `scale · norm(imageFeatures) @ norm(textFeatures)ᵀ` [N, C], in that op order (normalise,
 * scale the image side, matmul), so every caller gets the same bits. Sync.
 */
export function clipLogits(imageFeatures: Tensor, textFeatures: Tensor, scale: number | Tensor, unit: UnitFeatures = {}): Tensor {
  return tidy(() => {
    const image = unit.image ? imageFeatures : imageFeatures.normalize();
    const text = unit.text ? textFeatures : textFeatures.normalize();
    return image.mul(scale).matmul(text.T);
  });
}
