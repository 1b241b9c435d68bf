// Linear algebra and neural-network functions: products, convolution, normalisation, losses.
#include "clip/quick_gelu.h"
#include "common/convert.h"
#include "common/dispatch.h"
#include "common/errors.h"

namespace zscl {
namespace {

int64_t reduction(OpArgs& a, size_t i) {
  if (!a.has(i)) return at::Reduction::Mean;
  auto text = a.string(i);
  if (text == "mean") return at::Reduction::Mean;
  if (text == "sum") return at::Reduction::Sum;
  if (text == "none") return at::Reduction::None;
  throw CodedError(
      code::kArg,
      std::string(a.op()) + ": reduction must be 'mean', 'sum' or 'none', got '" + text + "'");
}

std::vector<int64_t> pair(OpArgs& a, size_t i, int64_t fallback) {
  if (!a.has(i)) return {fallback, fallback};
  auto list = a.intList(i);
  if (list.size() == 1) return {list[0], list[0]};
  if (list.size() != 2) a.fail(i, "an integer or a pair of integers");
  return list;
}

}  // namespace

void registerNnOps(OpRegistry& r) {
  r.add("matmul", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0), y = a.tensor(1);
    // 2-D x 2-D is what matmul itself hands to mm: calling mm skips one dispatch.
    if (x.dim() == 2 && y.dim() == 2) return [=]() -> c10::IValue { return torch::mm(x, y); };
    return [=]() -> c10::IValue { return torch::matmul(x, y); };
  });
  r.add("bmm", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0), y = a.tensor(1);
    return [=]() -> c10::IValue { return torch::bmm(x, y); };
  });
  // linear(x, weight[out,in], bias?)
  r.add("linear", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0), w = a.tensor(1);
    auto b = a.optTensor(2);
    return [=]() -> c10::IValue { return torch::linear(x, w, b ? *b : at::Tensor()); };
  });
  // conv2d(x, weight, bias?, stride?, padding?, dilation?, groups?)
  r.add("conv2d", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0), w = a.tensor(1);
    auto b = a.optTensor(2);
    auto stride = pair(a, 3, 1), padding = pair(a, 4, 0), dilation = pair(a, 5, 1);
    auto groups = a.optInt64(6).value_or(1);
    return [=]() -> c10::IValue {
      return torch::conv2d(x, w, b ? *b : at::Tensor(), stride, padding, dilation, groups);
    };
  });
  r.add("softmax", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    auto dim = a.int64(1);
    return [=]() -> c10::IValue { return torch::softmax(x, dim); };
  });
  r.add("logSoftmax", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    auto dim = a.int64(1);
    return [=]() -> c10::IValue { return torch::log_softmax(x, dim); };
  });
  // layerNorm(x, normalizedShape, weight?, bias?, eps?)
  r.add("layerNorm", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    auto shape = a.intList(1);
    auto w = a.optTensor(2), b = a.optTensor(3);
    auto eps = a.optNumber(4).value_or(1e-5);
    return [=]() -> c10::IValue {
      return torch::layer_norm(x, shape, w ? *w : at::Tensor(), b ? *b : at::Tensor(), eps);
    };
  });
  // gelu(x, approximate?: 'none' | 'tanh')
  r.add("gelu", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    std::string approximate = a.has(1) ? a.string(1) : "none";
    if (approximate != "none" && approximate != "tanh") {
      throw CodedError(code::kArg,
                       "gelu: approximate must be 'none' or 'tanh', got '" + approximate + "'");
    }
    return [=]() -> c10::IValue { return at::gelu(x, approximate); };
  });
  // x * sigmoid(1.702 x), as OpenAI CLIP.
  r.add("quickGelu", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    return [=]() -> c10::IValue { return quickGelu(x); };
  });
  r.add("dropout", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    auto p = a.number(1);
    auto train = a.boolean(2, true);
    if (!(p >= 0 && p <= 1)) {
      throw CodedError(code::kArg, "dropout: p must be in [0, 1], got " + formatNumber(p));
    }
    return [=]() -> c10::IValue { return torch::dropout(x, p, train); };
  });
  // embedding(weight[V,D], indices)
  r.add("embedding", [](OpArgs& a) -> Thunk {
    auto w = a.tensor(0), idx = a.tensor(1);
    return [=]() -> c10::IValue { return torch::embedding(w, idx); };
  });
  // crossEntropy(logits, target, reduction?, labelSmoothing?, weight?): target holds class
  // indices (int64) or class probabilities (float, same shape as logits).
  r.add("crossEntropy", [](OpArgs& a) -> Thunk {
    auto logits = a.tensor(0), target = a.tensor(1);
    auto red = reduction(a, 2);
    auto smoothing = a.optNumber(3).value_or(0.0);
    auto weight = a.optTensor(4);
    if (!(smoothing >= 0 && smoothing <= 1)) {
      throw CodedError(code::kArg, "crossEntropy: labelSmoothing must be in [0, 1], got " +
                                       formatNumber(smoothing));
    }
    // Probabilities must match the logits' shape; torch would read a mismatch as class indices.
    if (at::isFloatingType(target.scalar_type()) && target.sizes() != logits.sizes()) {
      throw CodedError(code::kShape, "crossEntropy: soft targets " + describeTensor(target) +
                                         " must have the shape of the logits " +
                                         describeTensor(logits));
    }
    return [=]() -> c10::IValue {
      return at::cross_entropy_loss(logits, target, weight ? *weight : at::Tensor(), red, -100,
                                    smoothing);
    };
  });
  r.add("nllLoss", [](OpArgs& a) -> Thunk {
    auto logp = a.tensor(0), target = a.tensor(1);
    auto red = reduction(a, 2);
    return [=]() -> c10::IValue { return at::nll_loss(logp, target, {}, red); };
  });
  r.add("mseLoss", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0), y = a.tensor(1);
    auto red = reduction(a, 2);
    return [=]() -> c10::IValue { return at::mse_loss(x, y, red); };
  });
}

}  // namespace zscl
