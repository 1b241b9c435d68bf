#include "common/errors.h"

#include <c10/util/Exception.h>

#include <regex>

#include "common/addon_data.h"
#include "common/args.h"
#include "common/function.h"
#include "runtime/exports.h"

namespace zscl {
namespace {

// libtorch messages carry "Exception raised from ..." and a C++ stack; users see only the cause.
std::string stripBacktrace(std::string message) {
  for (const char* marker : {"\nException raised from", "Exception raised from"}) {
    auto at = message.find(marker);
    if (at != std::string::npos) message.resize(at);
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

// libtorch signals most failures with a plain c10::Error; its text tells the category.
const char* classifyTorchMessage(const std::string& m) {
  static const std::regex index(R"(out of (range|bounds)|index .* is out|invalid index)",
                                std::regex::icase);
  static const std::regex device(R"(device|cuda|CUDA)");
  static const std::regex autograd(
      R"(requires.grad|grad_fn|leaf variable|inplace operation|in-place operation|backward through the graph|implicitly created only for scalar|does not require grad|modified by an inplace)",
      std::regex::icase);
  static const std::regex dtype(
      R"(dtype|scalar type|ScalarType|not implemented for '|can't be cast|result type|[Ee]xpected .*\b(Float|Double|Long|Int|Half|BFloat16|Bool)\b|bool tensors? (is|are) not supported|integer tensors? (is|are) not supported|only (floating|Tensors of floating))");
  static const std::regex shape(
      R"(size|shape|dimension|must match|broadcast|cannot be multiplied|expected .*-?D|dims|numel)",
      std::regex::icase);
  if (std::regex_search(m, index)) return code::kIndex;
  if (std::regex_search(m, autograd)) return code::kAutograd;
  if (std::regex_search(m, device)) return code::kDevice;
  if (std::regex_search(m, dtype)) return code::kDtype;
  if (std::regex_search(m, shape)) return code::kShape;
  return code::kTorch;
}

// setErrorClass(ZsclError): the class makeJsError builds errors with (lib/native.ts registers it).
Napi::Value setErrorClass(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction())
    throwArgumentError("setErrorClass", argumentName(0), "a class", info[0]);
  info.Env().GetInstanceData<AddonData>()->errorClass =
      Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

}  // namespace

ErrorInfo describeCurrentException() {
  try {
    throw;
  } catch (const CodedError& e) {
    return {e.code(), e.what()};
  } catch (const Napi::Error& e) {
    return {code::kArg, e.Message()};
  } catch (const c10::IndexError& e) {
    return {code::kIndex, stripBacktrace(e.what_without_backtrace())};
  } catch (const c10::TypeError& e) {
    return {code::kDtype, stripBacktrace(e.what_without_backtrace())};
  } catch (const c10::Error& e) {
    auto message = stripBacktrace(e.what_without_backtrace());
    return {classifyTorchMessage(message), message};
  } catch (const std::bad_alloc&) {
    return {code::kTorch, "out of memory"};
  } catch (const std::exception& e) {
    auto message = stripBacktrace(e.what());
    return {classifyTorchMessage(message), message};
  } catch (...) {
    return {code::kTorch, "unknown native failure"};
  }
}

Napi::Error makeJsError(Napi::Env env, const ErrorInfo& info) {
  auto* data = env.GetInstanceData<AddonData>();
  if (data != nullptr && !data->errorClass.IsEmpty()) {
    auto value = data->errorClass.New(
        {Napi::String::New(env, info.message), Napi::String::New(env, info.code)});
    return Napi::Error(env, value);
  }
  auto error = Napi::Error::New(env, info.message);
  error.Set("code", Napi::String::New(env, info.code));
  return error;
}

void exportErrorClass(Napi::Env env, Napi::Object exports) {
  exports.Set("setErrorClass", safeFunction<setErrorClass>(env, "setErrorClass"));
}

}  // namespace zscl
