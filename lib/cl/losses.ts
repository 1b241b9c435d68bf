/** The loss terms of ZSCL and its baselines, written from tensor ops (autograd-ready). */
import * as F from '../tensor/functional';
import { noGrad } from '../tensor/autograd';
import { tidy } from '../tensor/scope';
import type { Tensor } from '../tensor/tensor';

/**
 * Soft-target distillation as the reference computes it (helpers.py `distillation`):
 * `T² · mean_rows( −Σ_j softmax(teacher/T)_j · log_softmax(student/T)_j )`.
 * This is a cross-entropy (KL + the teacher's entropy), so its value never reaches 0.
 * Teacher logits are treated as constants. Sync.
 */
export function distillation(teacherLogits: Tensor, studentLogits: Tensor, temperature: number): Tensor {
  return tidy(() => {
    const target = noGrad(() => teacherLogits.div(temperature).softmax(1));
    return F.crossEntropy(studentLogits.div(temperature), target).mul(temperature * temperature);
  });
}
