// QuickGELU, x * sigmoid(1.702 x), with a one-pass backward.
#pragma once

#include <torch/torch.h>

namespace zscl {

// Same forward ops as `x * torch.sigmoid(1.702 * x)`. Under autograd it saves what the three-op
// graph saves (x and the sigmoid) but computes the input gradient in one pass over memory
// instead of five (the MLP's [N, L, 4W] activations make these passes a visible share of a
// training step).
torch::Tensor quickGelu(const torch::Tensor& x);

}  // namespace zscl
