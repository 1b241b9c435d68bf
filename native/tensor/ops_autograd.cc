// Autograd: requires-grad flags, backward, gradients, detaching.
#include "common/dispatch.h"
#include "common/errors.h"

namespace zscl {

void registerAutogradOps(OpRegistry& r) {
  r.add("setRequiresGrad", [](OpArgs& a) -> Thunk {
    auto x = a.mutableTensor(0);
    auto flag = a.boolean(1, true);
    return [=]() mutable -> c10::IValue {
      x.requires_grad_(flag);
      return c10::IValue();
    };
  });
  r.add("requiresGrad", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    return [=]() -> c10::IValue { return x.requires_grad(); };
  });
  r.add("isLeaf", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    return [=]() -> c10::IValue { return x.is_leaf(); };
  });
  // backward(x, gradient?, retainGraph?)
  r.add(
      "backward",
      [](OpArgs& a) -> Thunk {
        auto x = a.tensor(0);
        auto gradient = a.optTensor(1);
        auto retain = a.boolean(2, false);
        return [=]() -> c10::IValue {
          x.backward(gradient ? *gradient : at::Tensor(), retain);
          return c10::IValue();
        };
      },
      kOpRunsBackward | kOpAccessesGrad);
  // grad(x): the accumulated gradient, or null.
  r.add(
      "grad",
      [](OpArgs& a) -> Thunk {
        auto x = a.tensor(0);
        return [=]() -> c10::IValue { return x.grad(); };
      },
      kOpAccessesGrad);
  // setGrad(x, g | null): replace or clear the gradient.
  r.add(
      "setGrad",
      [](OpArgs& a) -> Thunk {
        auto x = a.mutableTensor(0);
        auto g = a.optTensor(1);
        return [=]() mutable -> c10::IValue {
          x.mutable_grad() = g ? *g : at::Tensor();
          return c10::IValue();
        };
      },
      kOpAccessesGrad);
  r.add("retainGrad", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    return [=]() -> c10::IValue {
      x.retain_grad();
      return c10::IValue();
    };
  });
  r.add("detach", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    return [=]() -> c10::IValue { return x.detach(); };
  });
}

}  // namespace zscl
