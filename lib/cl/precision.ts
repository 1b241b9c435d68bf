/** A run's precision (docs/precision.md), applied to a model and libtorch's TF32 switches. */
import type { ClipModel } from '../clip/model';
import type { Precision } from '../clip/precision';
import { allowTF32, setAllowTF32 } from '../runtime';

/**
 * Puts `model` (and the copies made from it from now on) in `precision`, and sets CUDA's TF32
 * switches as the reference does for it: both on for 'tf32', both off otherwise (they only
 * affect CUDA kernels). Returns a function restoring the previous model precision and switches.
 * Sync.
 */
export function applyPrecision(model: ClipModel, precision: Precision): () => void {
  const previous = { precision: model.precision, tf32: allowTF32() };
  model.precision = precision;
  const tf32 = precision === 'tf32';
  setAllowTF32({ cudnn: tf32, matmul: tf32 });
  return () => {
    if (!model.disposed) model.precision = previous.precision;
    setAllowTF32(previous.tf32);
  };
}
