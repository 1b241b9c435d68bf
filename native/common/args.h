// Reads the JS arguments of one op call, validating each and naming the op in every error.
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

namespace zscl {

class TensorHandle;

// A handle an op touches; async ops pin it (and mark it busy) until they settle.
struct HandleUse {
  TensorHandle* handle;
  Napi::Object object;
  bool write;
};

class OpArgs {
 public:
  OpArgs(const Napi::CallbackInfo& info, const char* op, size_t first = 0);

  Napi::Env env() const { return info_.Env(); }
  const char* op() const { return op_; }
  size_t size() const { return info_.Length() - first_; }
  bool has(size_t i) const;  // present and not undefined/null
  bool isNumber(size_t i) const;
  bool isTensor(size_t i) const;

  at::Tensor tensor(size_t i);
  at::Tensor mutableTensor(size_t i);  // target of an in-place update
  std::optional<at::Tensor> optTensor(size_t i);
  std::vector<at::Tensor> tensorList(size_t i);
  int64_t int64(size_t i);
  std::optional<int64_t> optInt64(size_t i);
  double number(size_t i);
  std::optional<double> optNumber(size_t i);
  bool boolean(size_t i, bool fallback);
  std::vector<int64_t> intList(size_t i);
  std::optional<std::vector<int64_t>> optIntList(size_t i);
  at::Scalar scalar(size_t i);
  at::ScalarType dtype(size_t i);
  std::optional<at::ScalarType> optDtype(size_t i);
  at::Device device(size_t i);
  std::string string(size_t i);
  Napi::Value raw(size_t i) const;

  const std::vector<HandleUse>& uses() const { return uses_; }
  // "a=float32[2,3] cpu, b=float32[4] cpu": the tensors this call received, for error messages.
  std::string describeInputs() const;
  // Throws E_ARG: "op: expected <what> for argument N but received <type>".
  [[noreturn]] void fail(size_t i, const char* expected) const;

 private:
  at::Tensor take(size_t i, bool write);

  const Napi::CallbackInfo& info_;
  const char* op_;
  size_t first_;
  std::vector<HandleUse> uses_;
};

}  // namespace zscl
