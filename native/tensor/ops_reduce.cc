// Reductions, sorting and selection of extremes.
#include "common/dispatch.h"
#include "common/errors.h"

namespace zscl {
namespace {

at::OptionalIntArrayRef dimsRef(const std::optional<std::vector<int64_t>>& dims) {
  if (!dims) return c10::nullopt;
  return at::IntArrayRef(*dims);
}

}  // namespace

// Reduction over optional dims with keepdim: NAME(x, dims?, keepdim?)
#define ZSCL_REDUCE(NAME, ALL_EXPR, DIMS_EXPR) \
  r.add(NAME, [](OpArgs& a) -> Thunk {         \
    auto x = a.tensor(0);                      \
    auto dims = a.optIntList(1);               \
    auto keepdim = a.boolean(2, false);        \
    return [=]() -> c10::IValue {              \
      if (!dims) return ALL_EXPR;              \
      return DIMS_EXPR;                        \
    };                                         \
  })

// Values and indices along one dim: NAME(x, dim, keepdim?) -> [values, indices]
#define ZSCL_REDUCE_INDEXED(NAME, EXPR)                   \
  r.add(NAME, [](OpArgs& a) -> Thunk {                    \
    auto x = a.tensor(0);                                 \
    auto dim = a.int64(1);                                \
    auto keepdim = a.boolean(2, false);                   \
    return [=]() -> c10::IValue {                         \
      auto [values, indices] = EXPR;                      \
      return c10::ivalue::Tuple::create(values, indices); \
    };                                                    \
  })

#define ZSCL_ARG_REDUCE(NAME, METHOD)                                              \
  r.add(NAME, [](OpArgs& a) -> Thunk {                                             \
    auto x = a.tensor(0);                                                          \
    auto dim = a.optInt64(1);                                                      \
    auto keepdim = a.boolean(2, false);                                            \
    return [=]() -> c10::IValue {                                                  \
      return x.METHOD(dim ? c10::optional<int64_t>(*dim) : c10::nullopt, keepdim); \
    };                                                                             \
  })

void registerReduceOps(OpRegistry& r) {
  ZSCL_REDUCE("sum", x.sum(), x.sum(*dims, keepdim));
  ZSCL_REDUCE("mean", x.mean(), x.mean(*dims, keepdim));
  ZSCL_REDUCE("prod", x.prod(), x.prod(dims->at(0), keepdim));
  ZSCL_REDUCE("amax", x.max(), x.amax(*dims, keepdim));
  ZSCL_REDUCE("amin", x.min(), x.amin(*dims, keepdim));
  ZSCL_REDUCE("all", x.all(), x.all(dims->at(0), keepdim));
  ZSCL_REDUCE("any", x.any(), x.any(dims->at(0), keepdim));
  ZSCL_REDUCE("logsumexp", x.flatten().logsumexp(0, keepdim), x.logsumexp(*dims, keepdim));
  ZSCL_REDUCE_INDEXED("maxDim", x.max(dim, keepdim));
  ZSCL_REDUCE_INDEXED("minDim", x.min(dim, keepdim));
  ZSCL_ARG_REDUCE("argmax", argmax);
  ZSCL_ARG_REDUCE("argmin", argmin);

  // var/std(x, dims?, unbiased?, keepdim?)
  r.add("var", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    auto dims = a.optIntList(1);
    auto unbiased = a.boolean(2, true);
    auto keepdim = a.boolean(3, false);
    return [=]() -> c10::IValue { return x.var(dimsRef(dims), unbiased, keepdim); };
  });
  r.add("std", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    auto dims = a.optIntList(1);
    auto unbiased = a.boolean(2, true);
    auto keepdim = a.boolean(3, false);
    return [=]() -> c10::IValue { return x.std(dimsRef(dims), unbiased, keepdim); };
  });

  // norm(x, p, dims?, keepdim?): vector p-norm (2 by default)
  r.add("norm", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    auto p = a.has(1) ? a.number(1) : 2.0;
    auto dims = a.optIntList(2);
    auto keepdim = a.boolean(3, false);
    return [=]() -> c10::IValue {
      return at::linalg_vector_norm(x, p, dimsRef(dims), keepdim, c10::nullopt);
    };
  });

  // topk(x, k, dim?, largest?, sorted?) -> [values, indices]
  r.add("topk", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    auto k = a.int64(1);
    auto dim = a.optInt64(2).value_or(-1);
    auto largest = a.boolean(3, true);
    auto sorted = a.boolean(4, true);
    return [=]() -> c10::IValue {
      auto [values, indices] = x.topk(k, dim, largest, sorted);
      return c10::ivalue::Tuple::create(values, indices);
    };
  });

  // sort(x, dim?, descending?) -> [values, indices]
  r.add("sort", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    auto dim = a.optInt64(1).value_or(-1);
    auto descending = a.boolean(2, false);
    return [=]() -> c10::IValue {
      auto [values, indices] = x.sort(dim, descending);
      return c10::ivalue::Tuple::create(values, indices);
    };
  });

  r.add("cumsum", [](OpArgs& a) -> Thunk {
    auto x = a.tensor(0);
    auto dim = a.int64(1);
    return [=]() -> c10::IValue { return x.cumsum(dim); };
  });
}

}  // namespace zscl
