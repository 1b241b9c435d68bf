#include "common/convert.h"

#include <sstream>

#include "common/errors.h"
#include "common/object.h"
#include "tensor/handle.h"

namespace zscl {
namespace {

constexpr at::ScalarType kDtypes[] = {
    at::kFloat, at::kDouble, at::kHalf, at::kBFloat16, at::kLong, at::kInt, at::kByte, at::kBool,
};
constexpr const char* kDtypeNames[] = {
    "float32", "float64", "float16", "bfloat16", "int64", "int32", "uint8", "bool",
};
constexpr int64_t kDtypeCount = sizeof(kDtypes) / sizeof(kDtypes[0]);

}  // namespace

at::ScalarType dtypeFromCode(int64_t code) {
  if (code < 0 || code >= kDtypeCount) {
    throw CodedError(code::kDtype, "unknown dtype code " + std::to_string(code));
  }
  return kDtypes[code];
}

int64_t dtypeToCode(at::ScalarType type) {
  for (int64_t i = 0; i < kDtypeCount; ++i) {
    if (kDtypes[i] == type) return i;
  }
  throw CodedError(code::kDtype, std::string("unsupported dtype ") + c10::toString(type));
}

const char* dtypeName(at::ScalarType type) {
  for (int64_t i = 0; i < kDtypeCount; ++i) {
    if (kDtypes[i] == type) return kDtypeNames[i];
  }
  return c10::toString(type);
}

at::Device parseDevice(const std::string& text) {
  if (text == "cpu") return at::Device(at::kCPU);
  if (text == "cuda") return at::Device(at::kCUDA, 0);
  if (text.rfind("cuda:", 0) == 0 && text.size() > 5 &&
      text.find_first_not_of("0123456789", 5) == std::string::npos && text.size() < 9) {
    return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(std::stoi(text.substr(5))));
  }
  throw CodedError(code::kDevice,
                   "unknown device '" + text + "' (expected 'cpu', 'cuda' or 'cuda:N')");
}

const char* describeJsType(const Napi::Value& value) {
  switch (value.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return "boolean";
    case napi_number:
      return "number";
    case napi_string:
      return "string";
    case napi_bigint:
      return "bigint";
    case napi_function:
      return "function";
    default:
      return value.IsArray() ? "array" : "object";
  }
}

std::string formatNumber(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  auto text = out.str();
  if (text == "nan" || text == "-nan") return "NaN";
  if (text == "inf") return "Infinity";
  if (text == "-inf") return "-Infinity";
  return text;
}

std::string describeTensor(const at::Tensor& tensor) {
  if (!tensor.defined()) return "undefined";
  std::ostringstream out;
  out << dtypeName(tensor.scalar_type()) << "[";
  for (int64_t d = 0; d < tensor.dim(); ++d) out << (d ? "," : "") << tensor.size(d);
  out << "] " << tensor.device();
  return out.str();
}

Napi::Value ivalueToJs(Napi::Env env, const c10::IValue& value) {
  if (value.isTensor()) {
    const auto& tensor = value.toTensor();
    if (!tensor.defined()) return env.Null();
    return TensorHandle::New(env, tensor);
  }
  if (value.isTensorList()) {
    auto list = value.toTensorVector();
    auto array = Napi::Array::New(env, list.size());
    // An undefined tensor (e.g. an optimizer buffer not created yet) is null, as for a single
    // tensor.
    for (size_t i = 0; i < list.size(); ++i) {
      array[i] = list[i].defined() ? TensorHandle::New(env, list[i]) : env.Null();
    }
    return array;
  }
  if (value.isTuple()) {
    const auto& items = value.toTupleRef().elements();
    auto array = Napi::Array::New(env, items.size());
    for (size_t i = 0; i < items.size(); ++i) array[i] = ivalueToJs(env, items[i]);
    return array;
  }
  if (value.isList()) {
    auto list = value.toList();
    auto array = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) array[i] = ivalueToJs(env, list.get(i));
    return array;
  }
  if (value.isCapsule()) {
    auto object = c10::static_intrusive_pointer_cast<NativeObject>(value.toCapsule());
    return ObjectHandle::New(env, std::move(object));
  }
  if (value.isDouble()) return Napi::Number::New(env, value.toDouble());
  if (value.isInt()) return Napi::Number::New(env, static_cast<double>(value.toInt()));
  if (value.isBool()) return Napi::Boolean::New(env, value.toBool());
  if (value.isString()) return Napi::String::New(env, value.toStringRef());
  return env.Undefined();
}

}  // namespace zscl
