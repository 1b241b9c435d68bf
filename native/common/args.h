// Reads the JS arguments of one op call, validating each and naming the op in every error.
#pragma once

#include <c10/util/SmallVector.h>
#include <napi.h>
#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "common/object.h"
#include "common/pinnable.h"

namespace zscl {

// The one wording of a wrong argument, for ops (OpArgs) and the addon's other functions alike.
// `where` is argumentName(i), elementName(i, k) or a path such as "config.visionWidth".
std::string argumentName(size_t i);             // "argument 2" (i counts from 0)
std::string elementName(size_t i, uint32_t k);  // "element 0 of argument 2"
// Throws E_ARG: "op: expected <expected> for <where> but received <type[ value]>".
[[noreturn]] void throwArgumentError(const char* op, const std::string& where,
                                     const std::string& expected, const Napi::Value& received);
// Throws E_DISPOSED: "op: <where> is a disposed <what>".
[[noreturn]] void throwDisposedArgument(const char* op, const std::string& where,
                                        const std::string& what);

// A handle an op touches; async ops pin it (and mark it busy) until they settle.
struct HandleUse {
  Pinnable* handle;
  napi_value value;  // valid during the call; async ops take a reference to it
  bool write;
  bool requiresGrad;  // a written tensor that requires grad (a parameter): see kOpRunsBackward
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
  // A native object of the given kind; `write` marks ops that mutate it (train mode, load, to).
  template <typename T>
  T& object(size_t i, bool write = false) {
    auto* base = takeObject(i, write, T::kKind);
    return *static_cast<T*>(base);
  }
  at::ScalarType dtype(size_t i);
  std::optional<at::ScalarType> optDtype(size_t i);
  at::Device device(size_t i);
  std::string string(size_t i);
  Napi::Value raw(size_t i) const;

  const c10::SmallVectorImpl<HandleUse>& uses() const { return uses_; }
  // "float32[2,3] cpu, float32[4] cpu": the handles this call received, for error messages.
  std::string describeInputs() const;
  // Throws E_ARG through throwArgumentError for argument i.
  [[noreturn]] void fail(size_t i, const std::string& expected) const;

 private:
  at::Tensor take(size_t i, bool write);
  NativeObject* takeObject(size_t i, bool write, const char* kind);

  const Napi::CallbackInfo& info_;
  const char* op_;
  size_t first_;
  c10::SmallVector<HandleUse, 4> uses_;
};

}  // namespace zscl
