// Parameter-list operations of continual learning, each one native call over all tensors:
// L2 distance to an anchor, the weight-ensemble running average, interpolation, copies.
#include <torch/torch.h>

#include "common/dispatch.h"
#include "common/errors.h"

namespace zscl {
namespace {

void checkPairs(OpArgs& a, const std::vector<torch::Tensor>& x,
                const std::vector<torch::Tensor>& y) {
  if (x.size() != y.size()) {
    throw CodedError(code::kShape, std::string(a.op()) + ": lists have " +
                                       std::to_string(x.size()) + " and " +
                                       std::to_string(y.size()) + " tensors");
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (!x[i].sizes().equals(y[i].sizes())) {
      std::ostringstream shapes;
      shapes << x[i].sizes() << " vs " << y[i].sizes();
      throw CodedError(code::kShape, std::string(a.op()) + ": tensor " + std::to_string(i) +
                                         " shapes differ: " + shapes.str());
    }
  }
}

}  // namespace

void registerParamOps(OpRegistry& r) {
  // paramsSquaredDistance(params, anchors) -> Σ_i Σ (p_i − a_i)², differentiable in params
  // (the reference's sum of F.mse_loss(p, a, reduction="sum")).
  r.add("paramsSquaredDistance", [](OpArgs& a) -> Thunk {
    auto params = a.tensorList(0);
    auto anchors = a.tensorList(1);
    checkPairs(a, params, anchors);
    if (params.empty()) throw CodedError(code::kArg, "paramsSquaredDistance: empty parameter list");
    return [params, anchors]() -> c10::IValue {
      torch::Tensor total;
      for (size_t i = 0; i < params.size(); ++i) {
        auto term = torch::mse_loss(params[i], anchors[i].detach(), at::Reduction::Sum);
        total = total.defined() ? total + term : term;
      }
      return total;
    };
  });

  // weightAverage_(averaged, current, n): averaged ← (averaged·n + current) / (1 + n), in that
  // float order, for every tensor (no grad).
  r.add("weightAverage_", [](OpArgs& a) -> Thunk {
    auto averaged = a.tensorList(0);
    auto current = a.tensorList(1);
    auto n = a.number(2);
    checkPairs(a, averaged, current);
    return [averaged, current, n]() mutable -> c10::IValue {
      torch::NoGradGuard noGrad;
      for (size_t i = 0; i < averaged.size(); ++i) {
        averaged[i].mul_(n).add_(current[i]).div_(1.0 + n);
      }
      return c10::IValue();
    };
  });

  // interpolate_(target, a, b, alpha): target ← (1 − alpha)·a + alpha·b (WiSE-FT), no grad.
  r.add("interpolate_", [](OpArgs& a) -> Thunk {
    auto target = a.tensorList(0);
    auto from = a.tensorList(1);
    auto to = a.tensorList(2);
    auto alpha = a.number(3);
    checkPairs(a, target, from);
    checkPairs(a, target, to);
    return [target, from, to, alpha]() mutable -> c10::IValue {
      torch::NoGradGuard noGrad;
      for (size_t i = 0; i < target.size(); ++i) {
        target[i].copy_(from[i] * (1.0 - alpha) + to[i] * alpha);
      }
      return c10::IValue();
    };
  });

  // copyAll_(targets, sources): targets[i] ← sources[i], no grad.
  r.add("copyAll_", [](OpArgs& a) -> Thunk {
    auto targets = a.tensorList(0);
    auto sources = a.tensorList(1);
    checkPairs(a, targets, sources);
    return [targets, sources]() mutable -> c10::IValue {
      torch::NoGradGuard noGrad;
      for (size_t i = 0; i < targets.size(); ++i) targets[i].copy_(sources[i]);
      return c10::IValue();
    };
  });

  // sumOfSquares(tensors) -> Σ_i Σ x² accumulated in float64 (a number).
  r.add("sumOfSquares", [](OpArgs& a) -> Thunk {
    auto tensors = a.tensorList(0);
    return [tensors]() -> c10::IValue {
      torch::NoGradGuard noGrad;
      double total = 0;
      for (const auto& t : tensors) total += t.to(torch::kDouble).square().sum().item<double>();
      return total;
    };
  });
}

}  // namespace zscl
