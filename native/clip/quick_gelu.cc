#include "clip/quick_gelu.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

namespace zscl {
namespace {

constexpr double kAlpha = 1.702;

// d/dx [x s(ax)] = s + a x s (1 - s), with s = sigmoid(a x).
template <typename T>
void backwardKernel(const T* grad, const T* x, const T* s, T* out, int64_t n) {
  const T alpha = static_cast<T>(kAlpha);
  at::parallel_for(0, n, 32768, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      out[i] = grad[i] * (s[i] + alpha * x[i] * s[i] * (T(1) - s[i]));
    }
  });
}

torch::Tensor inputGradient(const torch::Tensor& grad, const torch::Tensor& x,
                            const torch::Tensor& s) {
  const auto type = x.scalar_type();
  const bool fused = x.device().is_cpu() && (type == torch::kFloat || type == torch::kDouble) &&
                     grad.scalar_type() == type && !torch::GradMode::is_enabled();
  if (!fused) return grad * (s + kAlpha * x * s * (1 - s));
  auto g = grad.contiguous(), xc = x.contiguous(), sc = s.contiguous();
  auto out = torch::empty_like(xc);
  AT_DISPATCH_FLOATING_TYPES(type, "quickGeluBackward", [&] {
    backwardKernel(g.data_ptr<scalar_t>(), xc.data_ptr<scalar_t>(), sc.data_ptr<scalar_t>(),
                   out.data_ptr<scalar_t>(), out.numel());
  });
  return out;
}

class QuickGeluFunction : public torch::autograd::Function<QuickGeluFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    auto s = (x * kAlpha).sigmoid_();
    ctx->save_for_backward({x, s});
    return x * s;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    return {inputGradient(grads[0], saved[0], saved[1])};
  }
};

}  // namespace

torch::Tensor quickGelu(const torch::Tensor& x) {
  if (torch::GradMode::is_enabled() && x.requires_grad()) return QuickGeluFunction::apply(x);
  // No graph: the sigmoid is scaled in place (one [N, L, 4W] temporary less, same values).
  return x * (x * kAlpha).sigmoid_();
}

}  // namespace zscl
