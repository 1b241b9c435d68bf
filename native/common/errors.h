// Error codes shared by every native entry point: C++ failures become JS Errors with `code`.
#pragma once

#include <napi.h>

#include <stdexcept>
#include <string>

namespace zscl {

// Codes seen by JS as `err.code`. Keep in sync with lib/errors.ts.
namespace code {
inline constexpr const char* kArg = "E_ARG";            // wrong JS argument type or value
inline constexpr const char* kShape = "E_SHAPE";        // incompatible shapes or sizes
inline constexpr const char* kDtype = "E_DTYPE";        // unsupported or mismatched dtype
inline constexpr const char* kDevice = "E_DEVICE";      // wrong or unavailable device
inline constexpr const char* kIndex = "E_INDEX";        // index or dimension out of range
inline constexpr const char* kDisposed = "E_DISPOSED";  // tensor used after dispose()
inline constexpr const char* kBusy = "E_BUSY";          // object in use by a worker thread
inline constexpr const char* kAutograd =
    "E_AUTOGRAD";                                 // autograd misuse (no grad_fn, leaf in-place)
inline constexpr const char* kIo = "E_IO";        // file input/output
inline constexpr const char* kTorch = "E_TORCH";  // any other libtorch failure
}  // namespace code

// A failure raised by zscl itself, with its code chosen at the throw site.
class CodedError : public std::runtime_error {
 public:
  CodedError(const char* code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  const char* code() const { return code_; }

 private:
  const char* code_;
};

struct ErrorInfo {
  std::string code;
  std::string message;
};

// Classifies the exception being handled (call only inside a catch block): its code and a
// message without C++ backtrace.
ErrorInfo describeCurrentException();

// Builds the JS error (a ZsclError when lib/ registered its class).
Napi::Error makeJsError(Napi::Env env, const ErrorInfo& info);

}  // namespace zscl
