// Conversions between JS values and torch types: dtype codes, devices, results.
#pragma once

#include <ATen/core/ivalue.h>
#include <napi.h>
#include <torch/torch.h>

#include <string>

namespace zscl {

// Dtype codes as lib/tensor/dtype.ts numbers them.
at::ScalarType dtypeFromCode(int64_t code);
int64_t dtypeToCode(at::ScalarType type);
const char* dtypeName(at::ScalarType type);

// "cpu", "cuda", "cuda:1"; throws E_DEVICE for anything else.
at::Device parseDevice(const std::string& text);

// "number", "string", "array", "object", ...: what a JS argument was, for error messages.
const char* describeJsType(const Napi::Value& value);

// 1.5 -> "1.5", 2 -> "2", NaN -> "NaN": a JS number as a message shows it.
std::string formatNumber(double value);

// "float32[2,3] cpu" — how error messages name a tensor.
std::string describeTensor(const at::Tensor& tensor);

// Result of an op (tensor, list, number, bool, none) as a JS value; main thread only.
Napi::Value ivalueToJs(Napi::Env env, const c10::IValue& value);

}  // namespace zscl
