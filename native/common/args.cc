#include "common/args.h"

#include <cmath>

#include "common/convert.h"
#include "common/errors.h"
#include "tensor/handle.h"

namespace zscl {

std::string argumentName(size_t i) {
  return "argument " + std::to_string(i + 1);
}

std::string elementName(size_t i, uint32_t k) {
  return "element " + std::to_string(k) + " of " + argumentName(i);
}

void throwArgumentError(const char* op, const std::string& where, const std::string& expected,
                        const Napi::Value& received) {
  std::string what = describeJsType(received);
  if (received.IsNumber()) what += " " + formatNumber(received.As<Napi::Number>().DoubleValue());
  if (received.IsString()) {
    auto text = received.As<Napi::String>().Utf8Value();
    what += " '" + (text.size() > 40 ? text.substr(0, 40) + "…" : text) + "'";
  }
  throw CodedError(code::kArg, std::string(op) + ": expected " + expected + " for " + where +
                                   " but received " + what);
}

void throwDisposedArgument(const char* op, const std::string& where, const std::string& what) {
  throw CodedError(code::kDisposed, std::string(op) + ": " + where + " is a disposed " + what);
}

OpArgs::OpArgs(const Napi::CallbackInfo& info, const char* op, size_t first)
    : info_(info), op_(op), first_(first) {}

Napi::Value OpArgs::raw(size_t i) const {
  return info_[first_ + i];
}

bool OpArgs::has(size_t i) const {
  auto value = raw(i);
  return !value.IsUndefined() && !value.IsNull();
}

bool OpArgs::isNumber(size_t i) const {
  napi_valuetype type = napi_undefined;
  napi_typeof(info_.Env(), info_[first_ + i], &type);
  return type == napi_number || type == napi_boolean;
}

bool OpArgs::isTensor(size_t i) const {
  return TensorHandle::FromValue(raw(i)) != nullptr;
}

void OpArgs::fail(size_t i, const std::string& expected) const {
  throwArgumentError(op_, argumentName(i), expected, raw(i));
}

at::Tensor OpArgs::take(size_t i, bool write) {
  napi_value value = info_[first_ + i];
  auto* handle = TensorHandle::FromValue(info_.Env(), value);
  if (handle == nullptr) fail(i, "a Tensor");
  if (handle->disposed()) throwDisposedArgument(op_, argumentName(i), "tensor");
  uses_.push_back({handle, value, write, write && handle->tensor().requires_grad()});
  return handle->tensor();
}

NativeObject* OpArgs::takeObject(size_t i, bool write, const char* kind) {
  auto value = raw(i);
  auto* handle = ObjectHandle::FromValue(value);
  std::string expected = std::string("a ") + kind + " object";
  if (handle == nullptr) fail(i, expected);
  if (handle->disposed())
    throwDisposedArgument(op_, argumentName(i), std::string(kind) + " object");
  if (std::string(handle->object()->kind()) != kind) fail(i, expected);
  uses_.push_back({handle, value, write, false});
  return handle->object().get();
}

at::Tensor OpArgs::tensor(size_t i) {
  return take(i, false);
}
at::Tensor OpArgs::mutableTensor(size_t i) {
  return take(i, true);
}

std::optional<at::Tensor> OpArgs::optTensor(size_t i) {
  if (!has(i)) return std::nullopt;
  return take(i, false);
}

std::vector<at::Tensor> OpArgs::tensorList(size_t i) {
  auto value = raw(i);
  if (!value.IsArray()) fail(i, "an array of Tensors");
  auto array = value.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(array.Length());
  for (uint32_t k = 0; k < array.Length(); ++k) {
    Napi::Value item = array[k];
    auto* handle = TensorHandle::FromValue(item);
    if (handle == nullptr) throwArgumentError(op_, elementName(i, k), "a Tensor", item);
    if (handle->disposed()) throwDisposedArgument(op_, elementName(i, k), "tensor");
    uses_.push_back({handle, item, false, false});
    out.push_back(handle->tensor());
  }
  return out;
}

int64_t OpArgs::int64(size_t i) {
  auto value = raw(i);
  if (!value.IsNumber()) fail(i, "an integer");
  double v = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v) || std::floor(v) != v || std::fabs(v) > 9007199254740991.0) {
    fail(i, "an integer");
  }
  return static_cast<int64_t>(v);
}

std::optional<int64_t> OpArgs::optInt64(size_t i) {
  if (!has(i)) return std::nullopt;
  return int64(i);
}

double OpArgs::number(size_t i) {
  auto value = raw(i);
  if (!value.IsNumber()) fail(i, "a number");
  return value.As<Napi::Number>().DoubleValue();
}

std::optional<double> OpArgs::optNumber(size_t i) {
  if (!has(i)) return std::nullopt;
  return number(i);
}

bool OpArgs::boolean(size_t i, bool fallback) {
  if (!has(i)) return fallback;
  auto value = raw(i);
  if (!value.IsBoolean()) fail(i, "a boolean");
  return value.As<Napi::Boolean>().Value();
}

std::vector<int64_t> OpArgs::intList(size_t i) {
  auto value = raw(i);
  if (value.IsNumber()) return {int64(i)};
  if (!value.IsArray()) fail(i, "an array of integers");
  auto array = value.As<Napi::Array>();
  std::vector<int64_t> out(array.Length());
  for (uint32_t k = 0; k < array.Length(); ++k) {
    Napi::Value item = array[k];
    double v = item.IsNumber() ? item.As<Napi::Number>().DoubleValue() : NAN;
    if (!std::isfinite(v) || std::floor(v) != v || std::fabs(v) > 9007199254740991.0) {
      fail(i, "an array of integers");
    }
    out[k] = static_cast<int64_t>(v);
  }
  return out;
}

std::optional<std::vector<int64_t>> OpArgs::optIntList(size_t i) {
  if (!has(i)) return std::nullopt;
  return intList(i);
}

at::Scalar OpArgs::scalar(size_t i) {
  auto value = raw(i);
  if (value.IsBoolean()) return at::Scalar(value.As<Napi::Boolean>().Value());
  if (!value.IsNumber()) fail(i, "a number");
  double v = value.As<Napi::Number>().DoubleValue();
  // Integral JS numbers stay integral so int tensors keep their dtype (as Python ints do).
  if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9007199254740992.0) {
    return at::Scalar(static_cast<int64_t>(v));
  }
  return at::Scalar(v);
}

at::ScalarType OpArgs::dtype(size_t i) {
  return dtypeFromCode(int64(i));
}

std::optional<at::ScalarType> OpArgs::optDtype(size_t i) {
  if (!has(i)) return std::nullopt;
  return dtype(i);
}

at::Device OpArgs::device(size_t i) {
  return parseDevice(string(i));
}

std::string OpArgs::string(size_t i) {
  auto value = raw(i);
  if (!value.IsString()) fail(i, "a string");
  return value.As<Napi::String>().Utf8Value();
}

std::string OpArgs::describeInputs() const {
  std::string out;
  for (size_t k = 0; k < uses_.size(); ++k) {
    if (k) out += ", ";
    out += uses_[k].handle->describe();
  }
  return out;
}

}  // namespace zscl
