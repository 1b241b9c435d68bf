// JS functions whose C++ failures never escape to napi. Napi::Function::New rethrows a C++
// exception as a JS one, and if napi refuses that throw (a worker being terminated, the process
// exiting) it throws again, past the C boundary: std::terminate. Here a refused throw is dropped;
// the environment is going away and nothing can observe it. A CodedError becomes a coded JS error,
// as it does from an op.
#pragma once

#include <napi.h>

#include "common/errors.h"

namespace zscl {

namespace detail {

inline void throwQuietly(napi_env env, napi_value error) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return;
  napi_throw(env, error);  // fails only while the environment tears down
}

template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
napi_value trampoline(napi_env env, napi_callback_info cbinfo) {
  try {
    Napi::CallbackInfo info(env, cbinfo);
    return Fn(info);
  } catch (const Napi::Error& error) {
    throwQuietly(env, error.Value());
  } catch (const CodedError& error) {
    try {
      throwQuietly(env, makeJsError(Napi::Env(env), {error.code(), error.what()}).Value());
    } catch (...) {
      // the environment is tearing down (see above)
    }
  } catch (const std::exception& error) {
    napi_value message = nullptr, value = nullptr;
    if (napi_create_string_utf8(env, error.what(), NAPI_AUTO_LENGTH, &message) == napi_ok &&
        napi_create_error(env, nullptr, message, &value) == napi_ok) {
      throwQuietly(env, value);
    }
  } catch (...) {
    napi_value message = nullptr, value = nullptr;
    if (napi_create_string_utf8(env, "zscl: unknown native failure", NAPI_AUTO_LENGTH, &message) ==
            napi_ok &&
        napi_create_error(env, nullptr, message, &value) == napi_ok) {
      throwQuietly(env, value);
    }
  }
  return nullptr;
}

}  // namespace detail

// A JS function named `name` that calls Fn; `data` is what Fn sees as info.Data().
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
Napi::Function safeFunction(Napi::Env env, const char* name, void* data = nullptr) {
  napi_value fn = nullptr;
  NAPI_THROW_IF_FAILED(
      env, napi_create_function(env, name, NAPI_AUTO_LENGTH, detail::trampoline<Fn>, data, &fn),
      Napi::Function());
  return Napi::Function(env, fn);
}

}  // namespace zscl
