// Elementwise math, comparisons, selection and in-place parameter updates.
#include "common/dispatch.h"
#include "common/errors.h"

namespace zscl {
namespace {

// A second operand that is either a tensor or a JS number.
struct Operand {
  std::optional<at::Tensor> tensor;
  at::Scalar scalar;
};

Operand operand(OpArgs& a, size_t i) {
  if (a.isNumber(i)) return {std::nullopt, a.scalar(i)};
  return {a.tensor(i), at::Scalar()};
}

// A JS number becomes a "wrapped number", so type promotion treats it as Python treats a number
// (an int tensor plus 0.5 is float32, a float16 tensor stays float16).
at::Tensor asTensor(const Operand& o, const at::Tensor& like) {
  if (o.tensor) return *o.tensor;
  auto wrapped = at::scalar_to_tensor(o.scalar, like.device());
  wrapped.unsafeGetTensorImpl()->set_wrapped_number(true);
  return wrapped;
}

}  // namespace

// Binary op with tensor and scalar forms: EXPR uses x and y (tensor or scalar).
#define ZSCL_BINARY(NAME, EXPR)                     \
  r.add(NAME, [](OpArgs& a) -> Thunk {              \
    auto x = a.tensor(0);                           \
    auto o = operand(a, 1);                         \
    if (o.tensor) {                                 \
      auto y = *o.tensor;                           \
      return [=]() -> c10::IValue { return EXPR; }; \
    }                                               \
    auto y = o.scalar;                              \
    return [=]() -> c10::IValue { return EXPR; };   \
  })

// Binary op whose torch form needs two tensors: a scalar becomes a wrapped 0-dim tensor.
#define ZSCL_BINARY_TENSORS(NAME, EXPR) \
  r.add(NAME, [](OpArgs& a) -> Thunk {  \
    auto x = a.tensor(0);               \
    auto o = operand(a, 1);             \
    return [=]() -> c10::IValue {       \
      auto y = asTensor(o, x);          \
      return EXPR;                      \
    };                                  \
  })

#define ZSCL_UNARY(NAME, EXPR)                    \
  r.add(NAME, [](OpArgs& a) -> Thunk {            \
    auto x = a.tensor(0);                         \
    return [=]() -> c10::IValue { return EXPR; }; \
  })

// In-place update of argument 0 by a tensor-or-scalar operand (mutation: checked for busy).
#define ZSCL_INPLACE(NAME, EXPR)            \
  r.add(NAME, [](OpArgs& a) -> Thunk {      \
    auto x = a.mutableTensor(0);            \
    auto o = operand(a, 1);                 \
    if (o.tensor) {                         \
      auto y = *o.tensor;                   \
      return [=]() mutable -> c10::IValue { \
        EXPR;                               \
        return c10::IValue();               \
      };                                    \
    }                                       \
    auto y = o.scalar;                      \
    return [=]() mutable -> c10::IValue {   \
      EXPR;                                 \
      return c10::IValue();                 \
    };                                      \
  })

void registerMathOps(OpRegistry& r) {
  ZSCL_BINARY("add", x.add(y));
  ZSCL_BINARY("sub", x.sub(y));
  ZSCL_BINARY("mul", x.mul(y));
  ZSCL_BINARY("div", x.div(y));
  ZSCL_BINARY("pow", x.pow(y));
  ZSCL_BINARY("remainder", x.remainder(y));
  ZSCL_BINARY("eq", x.eq(y));
  ZSCL_BINARY("ne", x.ne(y));
  ZSCL_BINARY("lt", x.lt(y));
  ZSCL_BINARY("le", x.le(y));
  ZSCL_BINARY("gt", x.gt(y));
  ZSCL_BINARY("ge", x.ge(y));
  ZSCL_BINARY_TENSORS("maximum", torch::maximum(x, y));
  ZSCL_BINARY_TENSORS("minimum", torch::minimum(x, y));
  ZSCL_BINARY_TENSORS("logicalAnd", torch::logical_and(x, y));
  ZSCL_BINARY_TENSORS("logicalOr", torch::logical_or(x, y));
  ZSCL_BINARY_TENSORS("logicalXor", torch::logical_xor(x, y));

  ZSCL_UNARY("neg", x.neg());
  ZSCL_UNARY("abs", x.abs());
  ZSCL_UNARY("exp", x.exp());
  ZSCL_UNARY("log", x.log());
  ZSCL_UNARY("log1p", x.log1p());
  ZSCL_UNARY("expm1", x.expm1());
  ZSCL_UNARY("sqrt", x.sqrt());
  ZSCL_UNARY("rsqrt", x.rsqrt());
  ZSCL_UNARY("square", x.square());
  ZSCL_UNARY("reciprocal", x.reciprocal());
  ZSCL_UNARY("sin", x.sin());
  ZSCL_UNARY("cos", x.cos());
  ZSCL_UNARY("tanh", x.tanh());
  ZSCL_UNARY("sigmoid", x.sigmoid());
  ZSCL_UNARY("relu", x.relu());
  ZSCL_UNARY("sign", x.sign());
  ZSCL_UNARY("floor", x.floor());
  ZSCL_UNARY("ceil", x.ceil());
  ZSCL_UNARY("round", x.round());
  ZSCL_UNARY("isnan", x.isnan());
  ZSCL_UNARY("isinf", x.isinf());
  ZSCL_UNARY("isfinite", x.isfinite());
  ZSCL_UNARY("logicalNot", x.logical_not());

  // where(cond, a, b): a and b may each be a number.
  r.add("where", [](OpArgs& a) -> Thunk {
    auto cond = a.tensor(0);
    auto x = operand(a, 1), y = operand(a, 2);
    return [=]() -> c10::IValue {
      auto a = asTensor(x, cond), b = asTensor(y, cond);
      // where's kernel does not cast: bring both sides to the promoted type first.
      auto type = at::result_type(a, b);
      return torch::where(cond, a.to(type), b.to(type));
    };
  });

  // clamp(x, min?, max?)
  r.add("clamp", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    std::optional<at::Scalar> lo, hi;
    if (a.has(1)) lo = a.scalar(1);
    if (a.has(2)) hi = a.scalar(2);
    if (!lo && !hi) throw CodedError(code::kArg, "clamp: give min, max or both");
    return [=]() -> c10::IValue {
      return x.clamp(lo ? c10::optional<at::Scalar>(*lo) : c10::nullopt,
                     hi ? c10::optional<at::Scalar>(*hi) : c10::nullopt);
    };
  });

  // In-place updates (used under noGrad for parameter-space steps).
  ZSCL_INPLACE("mul_", x.mul_(y));
  ZSCL_INPLACE("div_", x.div_(y));
  ZSCL_INPLACE("sub_", x.sub_(y));
  ZSCL_INPLACE("fill_", x.fill_(y));

  r.add("copy_", [](OpArgs& a) -> Thunk {
    auto x = a.mutableTensor(0);
    auto source = a.tensor(1);
    return [=]() mutable -> c10::IValue {
      x.copy_(source);
      return c10::IValue();
    };
  });

  // add_(x, other, alpha?) : x += alpha * other
  r.add("add_", [](OpArgs& a) -> Thunk {
    auto x = a.mutableTensor(0);
    auto o = operand(a, 1);
    auto alpha = a.has(2) ? a.scalar(2) : at::Scalar(1);
    return [=]() mutable -> c10::IValue {
      if (o.tensor) {
        x.add_(*o.tensor, alpha);
      } else {
        x.add_(o.scalar, alpha);
      }
      return c10::IValue();
    };
  });

  // lerp_(x, end, weight): x += weight * (end - x)
  r.add("lerp_", [](OpArgs& a) -> Thunk {
    auto x = a.mutableTensor(0);
    auto end = a.tensor(1);
    auto w = operand(a, 2);
    return [=]() mutable -> c10::IValue {
      if (w.tensor) {
        x.lerp_(end, *w.tensor);
      } else {
        x.lerp_(end, w.scalar);
      }
      return c10::IValue();
    };
  });

  r.add("zero_", [](OpArgs& a) -> Thunk {
    auto x = a.mutableTensor(0);
    return [=]() mutable -> c10::IValue {
      x.zero_();
      return c10::IValue();
    };
  });
}

}  // namespace zscl
