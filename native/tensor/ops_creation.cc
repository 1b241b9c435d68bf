// Tensor creation: from JS typed arrays, constants, ranges and seeded random draws.
#include <cstring>

#include "common/dispatch.h"
#include "common/errors.h"

namespace zscl {
namespace {

at::TensorOptions options(OpArgs& a, size_t dtypeArg, size_t deviceArg,
                          at::ScalarType fallback = at::kFloat) {
  auto opts = at::TensorOptions().dtype(a.optDtype(dtypeArg).value_or(fallback));
  if (a.has(deviceArg)) opts = opts.device(a.device(deviceArg));
  return opts;
}

void checkShape(OpArgs& a, const std::vector<int64_t>& shape) {
  for (auto d : shape) {
    if (d < 0) {
      throw CodedError(code::kShape, std::string(a.op()) + ": negative dimension " +
                                         std::to_string(d) + " in shape");
    }
  }
}

// fromBuffer(bytes: TypedArray, shape, sourceDtype, dtype?, device?): one copy of the bytes.
Thunk fromBuffer(OpArgs& a) {
  auto value = a.raw(0);
  if (!value.IsTypedArray()) a.fail(0, "a typed array");
  // The data pointer straight from the view: also right for a SharedArrayBuffer.
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  napi_value arrayBuffer;
  NAPI_THROW_IF_FAILED(
      a.env(),
      napi_get_typedarray_info(a.env(), value, &type, &length, &data, &arrayBuffer, &offset),
      Thunk());
  size_t byteLength = length * value.As<Napi::TypedArray>().ElementSize();
  auto shape = a.intList(1);
  checkShape(a, shape);
  auto source = a.dtype(2);
  auto target = a.optDtype(3).value_or(source);
  auto tensor = torch::empty(shape, at::TensorOptions().dtype(source));
  size_t expected = tensor.numel() * tensor.element_size();
  if (byteLength != expected) {
    throw CodedError(code::kShape, std::string(a.op()) + ": " + std::to_string(byteLength) +
                                       " bytes of data do not fill shape of " +
                                       std::to_string(tensor.numel()) + " elements (" +
                                       std::to_string(expected) + " bytes)");
  }
  if (expected > 0) std::memcpy(tensor.data_ptr(), data, expected);
  std::optional<at::Device> device;
  if (a.has(4)) device = a.device(4);
  return [=]() -> c10::IValue {
    if (!device && target == source) return tensor;
    return tensor.to(device.value_or(tensor.device()), target);
  };
}

Thunk zeros(OpArgs& a) {
  auto shape = a.intList(0);
  checkShape(a, shape);
  auto opts = options(a, 1, 2);
  return [=]() -> c10::IValue { return torch::zeros(shape, opts); };
}

Thunk ones(OpArgs& a) {
  auto shape = a.intList(0);
  checkShape(a, shape);
  auto opts = options(a, 1, 2);
  return [=]() -> c10::IValue { return torch::ones(shape, opts); };
}

Thunk empty(OpArgs& a) {
  auto shape = a.intList(0);
  checkShape(a, shape);
  auto opts = options(a, 1, 2);
  return [=]() -> c10::IValue { return torch::empty(shape, opts); };
}

Thunk full(OpArgs& a) {
  auto shape = a.intList(0);
  checkShape(a, shape);
  auto value = a.scalar(1);
  auto opts = options(a, 2, 3);
  return [=]() -> c10::IValue { return torch::full(shape, value, opts); };
}

// arange(start, end, step, dtype?, device?): int64 when all three are integers, else float32,
// as torch.arange infers.
Thunk arange(OpArgs& a) {
  auto start = a.scalar(0), end = a.scalar(1), step = a.scalar(2);
  bool integral = start.isIntegral(false) && end.isIntegral(false) && step.isIntegral(false);
  auto opts = options(a, 3, 4, integral ? at::kLong : at::kFloat);
  if (step.toDouble() == 0) {
    throw CodedError(code::kArg, std::string(a.op()) + ": step must be non-zero");
  }
  return [=]() -> c10::IValue { return torch::arange(start, end, step, opts); };
}

Thunk eye(OpArgs& a) {
  auto n = a.int64(0);
  auto m = a.optInt64(1).value_or(n);
  auto opts = options(a, 2, 3);
  return [=]() -> c10::IValue { return torch::eye(n, m, opts); };
}

Thunk rand(OpArgs& a) {
  auto shape = a.intList(0);
  checkShape(a, shape);
  auto opts = options(a, 1, 2);
  return [=]() -> c10::IValue { return torch::rand(shape, opts); };
}

Thunk randn(OpArgs& a) {
  auto shape = a.intList(0);
  checkShape(a, shape);
  auto opts = options(a, 1, 2);
  return [=]() -> c10::IValue { return torch::randn(shape, opts); };
}

// randint(low, high, shape, dtype?, device?)
Thunk randint(OpArgs& a) {
  auto low = a.int64(0), high = a.int64(1);
  auto shape = a.intList(2);
  checkShape(a, shape);
  auto opts = options(a, 3, 4, at::kLong);
  return [=]() -> c10::IValue { return torch::randint(low, high, shape, opts); };
}

Thunk randperm(OpArgs& a) {
  auto n = a.int64(0);
  auto opts = options(a, 1, 2, at::kLong);
  return [=]() -> c10::IValue { return torch::randperm(n, opts); };
}

Thunk zerosLike(OpArgs& a) {
  auto x = a.tensor(0);
  return [=]() -> c10::IValue { return torch::zeros_like(x); };
}

Thunk onesLike(OpArgs& a) {
  auto x = a.tensor(0);
  return [=]() -> c10::IValue { return torch::ones_like(x); };
}

Thunk fullLike(OpArgs& a) {
  auto x = a.tensor(0);
  auto value = a.scalar(1);
  return [=]() -> c10::IValue { return torch::full_like(x, value); };
}

}  // namespace

void registerCreationOps(OpRegistry& r) {
  r.add("fromBuffer", fromBuffer);
  r.add("zeros", zeros);
  r.add("ones", ones);
  r.add("empty", empty);
  r.add("full", full);
  r.add("arange", arange);
  r.add("eye", eye);
  r.add("rand", rand);
  r.add("randn", randn);
  r.add("randint", randint);
  r.add("randperm", randperm);
  r.add("zerosLike", zerosLike);
  r.add("onesLike", onesLike);
  r.add("fullLike", fullLike);
}

}  // namespace zscl
